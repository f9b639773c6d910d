/* relay.c - one data connection relayed in both directions, with one
 * bounded buffer per direction and half-close (socket-proxyd style).
 * Bytes move with splice() through a pipe per direction; read()/write()
 * through the buffer carries each direction's first buffer-full, and
 * everything when no pipe can be had. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "xport.h"

/* Bytes asked of one splice() into a pipe: more than any pipe holds, so
 * that the pipe's own room is the limit. */
#define RELAY_SPLICE_MAX (16 * 1024 * 1024)

void relay_init(struct relay *r, char *buf_up, char *buf_down, size_t cap,
		int pipe_max)
{
	memset(r, 0, sizeof(*r));
	r->fd[RELAY_CLIENT] = r->fd[RELAY_ORIGIN] = -1;
	r->dir[RELAY_CLIENT].buf = buf_up;
	r->dir[RELAY_ORIGIN].buf = buf_down;
	r->pipe_max = pipe_max;
	for (int d = 0; d < 2; d++) {
		r->dir[d].cap = cap;
		r->dir[d].pipe[0] = r->dir[d].pipe[1] = -1;
	}
}

void relay_set_pipe(struct relay *r, int d, const int pipefd[2])
{
	r->dir[d].pipe[0] = pipefd[0];
	r->dir[d].pipe[1] = pipefd[1];
	r->dir[d].inpipe = 0;
	r->dir[d].pipefull = 0;
}

static void relay_drop_pipe(struct relay_dir *x)
{
	if (x->pipe[0] >= 0) {
		close(x->pipe[0]);
		close(x->pipe[1]);
	}
	x->pipe[0] = x->pipe[1] = -1;
	x->inpipe = 0;
	x->pipefull = 0;
}

void relay_close_pipes(struct relay *r)
{
	for (int d = 0; d < 2; d++)
		relay_drop_pipe(&r->dir[d]);
}

static void relay_set(int fd, fd_set *set, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

static int relay_room(const struct relay_dir *x)
{
	return x->pipe[0] >= 0 && x->len == 0 ? !x->pipefull :
						x->off + x->len < x->cap;
}

/* Wait for side to be readable (rw 0) or writable (rw 1): its socket, or
 * whatever its TLS needs for that. */
static void relay_want(const struct relay *r, int side, int rw, fd_set *rd,
		       fd_set *wr, int *maxfd)
{
	if (r->xp[side] != NULL)
		xp_fdset(r->xp[side], !rw, rw, rd, wr, maxfd);
	else
		relay_set(r->fd[side], rw ? wr : rd, maxfd);
}

static int relay_can(const struct relay *r, int side, int rw, const fd_set *rd,
		     const fd_set *wr)
{
	if (r->xp[side] != NULL)
		return rw ? xp_can_write(r->xp[side], rd, wr) :
			    xp_can_read(r->xp[side], rd, wr);
	return FD_ISSET(r->fd[side], rw ? wr : rd);
}

void relay_fdset(const struct relay *r, fd_set *rd, fd_set *wr, int *maxfd)
{
	for (int d = 0; d < 2; d++) {
		const struct relay_dir *x = &r->dir[d];
		int src = r->fd[d], dst = r->fd[!d];

		/* Read only when there is room, write only when there is
		 * data: a slow side throttles the other, memory stays fixed.
		 * A TLS destination also waits to send its close_notify. */
		if (src >= 0 && !x->eof && relay_room(x))
			relay_want(r, d, 0, rd, wr, maxfd);
		if (dst >= 0 && (x->len > 0 || x->inpipe > 0 ||
				 (x->eof && !x->shut && r->xp[!d] != NULL)))
			relay_want(r, !d, 1, rd, wr, maxfd);
	}
}

int relay_pending(const struct relay *r)
{
	for (int d = 0; d < 2; d++)
		if (r->fd[d] >= 0 && r->xp[d] != NULL && !r->dir[d].eof &&
		    relay_room(&r->dir[d]) && xp_pending(r->xp[d]) > 0)
			return 1;
	return 0;
}

static int relay_pass_eof(struct relay *r, int d)
{
	struct relay_dir *x = &r->dir[d];
	int dst = r->fd[!d];

	if (x->eof && x->len == 0 && x->inpipe == 0 && !x->shut && dst >= 0) {
		if (r->xp[!d] != NULL) {
			/* close_notify first: vsftpd fails an upload that
			 * ends without one. */
			if (xp_shutdown(r->xp[!d]) < 0)
				return errno == EAGAIN ? 0 : -1;
		} else {
			(void)shutdown(dst, SHUT_WR);
		}
		x->shut = 1;
	}
	return 0;
}

/* The pipe of direction x has every slot taken.  The first time, if it
 * holds less than a quarter of pipe_max, offer it pipe_max: its slots hold
 * small fragments (a sender's sendfile() makes one per 4 KiB page, and
 * 16 slots then carry 64 KiB), and more slots mean fewer calls per MiB.
 * A pipe of large fragments (a client's writes arrive in 32 KiB ones) is
 * big enough as it is, and grown it could pin 8 MiB.  Past the per-user
 * pipe quota (pipe-user-pages-soft, shared by every session of the same
 * user) the kernel refuses, and the direction goes on with the pipe it
 * has.  Returns 1 when there is room now. */
static int relay_grow(const struct relay *r, struct relay_dir *x)
{
	if (x->grown || r->pipe_max <= 0 ||
	    x->inpipe >= (size_t)r->pipe_max / 4)
		return 0;
	x->grown = 1;
	return fcntl(x->pipe[1], F_SETPIPE_SZ, r->pipe_max) > 0;
}

/* A TLS source: decrypt into the buffer, record after record, while
 * there is room (large blocks, few wakeups). */
static long relay_read_tls(struct relay_dir *x, struct xport *xp)
{
	long total = 0;
	ssize_t n;

	if (x->len == 0)
		x->off = 0;
	while (x->off + x->len < x->cap) {
		n = xp_read(xp, x->buf + x->off + x->len, x->cap - x->off - x->len);
		if (n == 0) {
			x->eof = 1;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		x->len += (size_t)n;
		total += n;
	}
	return total;
}

static long relay_read(const struct relay *r, struct relay_dir *x, int src)
{
	ssize_t n;

	/* A direction copies its first buffer-full: a listing, a small file
	 * or the end-of-file of the idle direction then needs no pipe at all
	 * (pipe2() and two close() per transfer).  Past that the pipe opens,
	 * once the buffer is empty, so bytes keep their order. */
	if (!x->nosplice && x->pipe[0] < 0 && x->bytes >= x->cap &&
	    x->len == 0 && pipe2(x->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		x->pipe[0] = x->pipe[1] = -1;
		x->nosplice = 1; /* no pipe to be had: copy */
	}
	/* The pipe is written only while the buffer is empty: bytes read
	 * into the buffer (below) are younger than those in the pipe, and
	 * relay_write() sends the pipe's first. */
	if (!x->nosplice && x->pipe[0] >= 0 && x->len == 0) {
		n = splice(src, NULL, x->pipe[1], NULL, RELAY_SPLICE_MAX,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			x->inpipe += (size_t)n;
			return n;
		}
		if (n < 0 && errno == EINVAL && x->inpipe == 0) {
			/* The kernel refuses splice for this source; the
			 * pipe is empty on the first read, when this happens. */
			relay_drop_pipe(x);
			x->nosplice = 1;
		} else if (n < 0 && errno == EAGAIN && x->inpipe > 0) {
			/* A pipe counts its room in slots, one per socket
			 * buffer fragment, not in bytes.  select() keeps
			 * saying the source is readable, so unless the pipe
			 * can grow, wait for it to drain instead of asking
			 * again (that spun at 100 000 calls per GiB). */
			if (!relay_grow(r, x))
				x->pipefull = 1;
			return 0;
		} else if (n < 0 && errno != EAGAIN) {
			return errno == EINTR ? 0 : -1;
		}
		/* splice() moved nothing from a source that select() called
		 * readable (EAGAIN with an empty pipe), or it says end of
		 * file.  Both happen at TCP urgent data: splice() stops at
		 * the urgent mark and never passes it, and once the peer
		 * has closed it reports the end there, with the bytes after
		 * the mark unread.  read() steps over the urgent byte (it is
		 * not part of the stream) and tells a real end of file from
		 * that; one read() per transfer's end costs nothing. */
	}
	if (x->len == 0)
		x->off = 0;
	n = read(src, x->buf + x->off + x->len, x->cap - x->off - x->len);
	if (n > 0) {
		x->len += (size_t)n;
		/* A short read may have stopped at the sender's end: look
		 * for it now (EAGAIN costs one call), not a select() round
		 * later.  A small file or a listing then ends in one wakeup. */
		if (x->off + x->len < x->cap) {
			ssize_t more = read(src, x->buf + x->off + x->len,
					    x->cap - x->off - x->len);

			if (more > 0) {
				x->len += (size_t)more;
				n += more;
			} else if (more == 0) {
				x->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
	}
	if (n == 0)
		x->eof = 1;
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	return n;
}

static long relay_write(struct relay_dir *x, int dst, struct xport *xp)
{
	ssize_t n;

	if (xp != NULL) {
		n = xp_write(xp, x->buf + x->off, x->len);
		if (n > 0) {
			x->off += (size_t)n;
			x->len -= (size_t)n;
			if (x->len == 0)
				x->off = 0;
		}
	} else if (x->inpipe > 0) {
		n = splice(x->pipe[0], NULL, dst, NULL, x->inpipe,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			x->inpipe -= (size_t)n;
			x->pipefull = 0;
		}
	} else {
		n = write(dst, x->buf + x->off, x->len);
		if (n > 0) {
			x->off += (size_t)n;
			x->len -= (size_t)n;
			if (x->len == 0)
				x->off = 0;
		}
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		x->full = errno == EAGAIN;
		return 0;
	}
	x->bytes += (uint64_t)n;
	return n;
}

long relay_io(struct relay *r, const fd_set *rd, const fd_set *wr)
{
	long moved = 0, n;

	for (int d = 0; d < 2; d++) {
		struct relay_dir *x = &r->dir[d];
		int src = r->fd[d], dst = r->fd[!d];

		int fresh = 0;

		if (src >= 0 && !x->eof && relay_room(x) &&
		    relay_can(r, d, 0, rd, wr)) {
			n = r->xp[d] != NULL ? relay_read_tls(x, r->xp[d]) :
					       relay_read(r, x, src);
			if (n < 0) {
				r->failed = d;
				return -1;
			}
			moved += n;
			fresh = n > 0;
		}
		/* Bytes just read are written at once when the other side
		 * takes them: a select() round per chunk halves throughput.
		 * A destination that said EAGAIN waits for select(), so that
		 * a slow side costs no failed call per wakeup. */
		int wake = dst >= 0 && relay_can(r, !d, 1, rd, wr);

		if (wake)
			x->full = 0;
		if (dst >= 0 && (x->len > 0 || x->inpipe > 0) &&
		    ((fresh && !x->full) || wake)) {
			if ((n = relay_write(x, dst, r->xp[!d])) < 0) {
				r->failed = !d;
				return -1;
			}
			moved += n;
		}
		if (relay_pass_eof(r, d) < 0) {
			r->failed = !d;
			return -1;
		}
	}
	return moved;
}

int relay_dir_done(const struct relay *r, int d)
{
	return r->dir[d].shut;
}
