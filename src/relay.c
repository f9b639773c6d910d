/* relay.c - one data connection relayed in both directions, with one
 * bounded buffer per direction and half-close (socket-proxyd style). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"

void relay_init(struct relay *r, char *buf_up, char *buf_down, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->fd[RELAY_CLIENT] = r->fd[RELAY_ORIGIN] = -1;
	r->dir[RELAY_CLIENT].buf = buf_up;
	r->dir[RELAY_ORIGIN].buf = buf_down;
	r->dir[RELAY_CLIENT].cap = r->dir[RELAY_ORIGIN].cap = cap;
}

static void relay_set(int fd, fd_set *set, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

void relay_fdset(const struct relay *r, fd_set *rd, fd_set *wr, int *maxfd)
{
	for (int d = 0; d < 2; d++) {
		const struct relay_dir *x = &r->dir[d];
		int src = r->fd[d], dst = r->fd[!d];

		/* Read only when there is room, write only when there is
		 * data: a slow side throttles the other, memory stays fixed. */
		if (src >= 0 && !x->eof && x->off + x->len < x->cap)
			relay_set(src, rd, maxfd);
		if (dst >= 0 && x->len > 0)
			relay_set(dst, wr, maxfd);
	}
}

static void relay_pass_eof(struct relay *r, int d)
{
	struct relay_dir *x = &r->dir[d];
	int dst = r->fd[!d];

	if (x->eof && x->len == 0 && !x->shut && dst >= 0) {
		(void)shutdown(dst, SHUT_WR);
		x->shut = 1;
	}
}

long relay_io(struct relay *r, const fd_set *rd, const fd_set *wr)
{
	long moved = 0;

	for (int d = 0; d < 2; d++) {
		struct relay_dir *x = &r->dir[d];
		int src = r->fd[d], dst = r->fd[!d];
		ssize_t n;

		if (src >= 0 && !x->eof && FD_ISSET(src, rd)) {
			if (x->len == 0)
				x->off = 0;
			n = read(src, x->buf + x->off + x->len,
				 x->cap - x->off - x->len);
			if (n > 0) {
				x->len += (size_t)n;
				moved += n;
			} else if (n == 0) {
				x->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (dst >= 0 && x->len > 0 && FD_ISSET(dst, wr)) {
			n = write(dst, x->buf + x->off, x->len);
			if (n > 0) {
				x->off += (size_t)n;
				x->len -= (size_t)n;
				x->bytes += (uint64_t)n;
				moved += n;
				if (x->len == 0)
					x->off = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		relay_pass_eof(r, d);
	}
	return moved;
}

int relay_dir_done(const struct relay *r, int d)
{
	return r->dir[d].shut;
}
