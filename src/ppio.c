/* ppio.c - the PROXY protocol on the wire: read a header and not one byte
 * more, send one, answer a balancer's health check. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ppio.h"

static int64_t pp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or the deadline passes: 1, 0 (timeout), -1. */
static int pp_wait(int fd, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - pp_now_ms();
		struct timespec ts;
		fd_set rd;
		int n;

		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		n = pselect(fd + 1, &rd, NULL, NULL, &ts, NULL);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

void pp_reader_init(struct pp_reader *r)
{
	r->have = 0;
}

int pp_reader_step(struct pp_reader *r, int fd, struct pp_header *h,
		   const char **why)
{
	for (;;) {
		size_t more;
		ssize_t n;
		int res = pp_parse(r->buf, r->have, h, &more);

		if (res > 0)
			return 1;
		if (res == PP_BAD) {
			*why = h->why;
			return -1;
		}
		/* SECURITY: read only what certainly belongs to the header:
		 * the bytes after it are the client's, and the session
		 * reads them itself. */
		if (more > sizeof(r->buf) - r->have)
			more = sizeof(r->buf) - r->have;
		n = read(fd, r->buf + r->have, more);
		if (n > 0) {
			r->have += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		*why = n == 0 ? "connection closed inside the header" :
			"read error inside the header";
		return -1;
	}
}

int pp_read(int fd, int timeout_ms, struct pp_header *h, char *why,
	    size_t whycap)
{
	static struct pp_reader r;
	int64_t deadline = pp_now_ms() + timeout_ms;
	const char *what = NULL;
	int flags = fcntl(fd, F_GETFL), res = 0;

	/* Non-blocking for the reads, so that the deadline holds. */
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(why, whycap, "PROXY header: fcntl: %s", strerror(errno));
		return -1;
	}
	pp_reader_init(&r);
	while (res == 0) {
		int w;

		res = pp_reader_step(&r, fd, h, &what);
		if (res < 0) {
			snprintf(why, whycap, "PROXY header: %s (after %zu bytes)",
				 what, r.have);
		} else if (res == 0 && (w = pp_wait(fd, deadline)) <= 0) {
			snprintf(why, whycap, "PROXY header: %s after %zu bytes",
				 w == 0 ? "not complete within the time limit" :
				 "select failed", r.have);
			res = -1;
		}
	}
	(void)fcntl(fd, F_SETFL, flags);
	return res == 1 ? 0 : -1;
}

int pp_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int pp_send_header(int fd, int version, const struct net_addr *client)
{
	char hdr[FTPR_PP_V2_MAX];
	struct net_addr local;
	int n;

	if (net_local(fd, &local) < 0)
		return -1;
	n = version == 1 ? pp_format_v1(hdr, sizeof(hdr), client, &local) :
			   pp_format_v2(hdr, sizeof(hdr), client, &local);
	return n < 0 ? -1 : pp_send(fd, hdr, (size_t)n);
}

void pp_answer_check(int in, int out)
{
	static const char greet[] = "220 ftprelay ready (health check).\r\n";
	static const char other[] = "530 Health check: only QUIT here.\r\n";
	char line[128];
	size_t len = 0, total = 0;
	int64_t deadline = pp_now_ms() + FTPR_PP_CHECK_TIMEOUT_MS;

	if (pp_send(out, greet, sizeof(greet) - 1) < 0)
		return;
	while (total < FTPR_PP_CHECK_BYTES_MAX && pp_wait(in, deadline) > 0) {
		ssize_t n = read(in, line + len, sizeof(line) - 1 - len);
		char *lf;

		if (n <= 0)
			return; /* the checker closed: the usual end */
		total += (size_t)n;
		len += (size_t)n;
		while ((lf = memchr(line, '\n', len)) != NULL) {
			size_t l = (size_t)(lf - line) + 1;

			if (l >= 4 && strncasecmp(line, "QUIT", 4) == 0) {
				pp_send(out, "221 Goodbye.\r\n", 14);
				return;
			}
			pp_send(out, other, sizeof(other) - 1);
			memmove(line, line + l, len - l);
			len -= l;
		}
		if (len == sizeof(line) - 1)
			len = 0; /* an endless line: drop it */
	}
}
