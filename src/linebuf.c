/* linebuf.c - bounded line reader for the control channel (pure, no I/O). */
#include "config.h"

#include <string.h>

#include "linebuf.h"

void lb_init(struct linebuf *lb, char *storage, size_t cap, size_t max)
{
	lb->buf = storage;
	lb->cap = cap;
	lb->max = max < cap ? max : cap;
	lb->len = 0;
	lb->consumed = 0;
	lb->discarding = 0;
}

size_t lb_room(const struct linebuf *lb)
{
	return lb->cap - lb->len;
}

char *lb_tail(struct linebuf *lb)
{
	return lb->buf + lb->len;
}

void lb_commit(struct linebuf *lb, size_t n)
{
	if (n > lb_room(lb))
		n = lb_room(lb);
	lb->len += n;
}

size_t lb_append(struct linebuf *lb, const char *data, size_t n)
{
	if (n > lb_room(lb))
		n = lb_room(lb);
	memcpy(lb_tail(lb), data, n);
	lb_commit(lb, n);
	return n;
}

static void lb_drop(struct linebuf *lb, size_t n)
{
	memmove(lb->buf, lb->buf + n, lb->len - n);
	lb->len -= n;
}

enum lb_status lb_peek(struct linebuf *lb, const char **line, size_t *len)
{
	const char *lf;

	lb->consumed = 0;
	if (lb->discarding) {
		/* The overlong line was reported when it filled the buffer;
		 * swallow the rest of it, up to its LF. */
		lf = memchr(lb->buf, '\n', lb->len);
		if (lf == NULL) {
			lb->len = 0;
			return LB_NONE;
		}
		lb_drop(lb, (size_t)(lf - lb->buf) + 1);
		lb->discarding = 0;
	}

	lf = memchr(lb->buf, '\n', lb->len);
	if (lf == NULL) {
		if (lb->len >= lb->max) {
			/* SECURITY: no terminator within the limit: drop what we
			 * have and everything up to the next LF, unparsed. */
			lb->len = 0;
			lb->discarding = 1;
			return LB_OVERLONG;
		}
		return LB_NONE;
	}

	size_t total = (size_t)(lf - lb->buf) + 1;
	size_t n = total - 1;
	if (n > 0 && lb->buf[n - 1] == '\r')
		n--;
	if (total > lb->max) {
		lb_drop(lb, total);
		return LB_OVERLONG;
	}
	if (memchr(lb->buf, '\0', n) != NULL) {
		/* SECURITY: a NUL would cut the line short in any C string
		 * handling on the origin; the line is never forwarded. */
		lb_drop(lb, total);
		return LB_NUL;
	}
	*line = lb->buf;
	*len = n;
	lb->consumed = total;
	return LB_LINE;
}

void lb_consume(struct linebuf *lb)
{
	if (lb->consumed > 0 && lb->consumed <= lb->len)
		lb_drop(lb, lb->consumed);
	lb->consumed = 0;
}

size_t lb_pending(const struct linebuf *lb)
{
	return lb->len;
}
