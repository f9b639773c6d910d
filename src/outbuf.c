/* outbuf.c - the output queue of a control connection: bytes waiting for
 * a peer that does not read yet. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "outbuf.h"

size_t out_room(const struct outbuf *o)
{
	return sizeof(o->data) - o->len;
}

int out_put(struct outbuf *o, const char *p, size_t n)
{
	if (n > out_room(o))
		return -1;
	memcpy(o->data + o->len, p, n);
	o->len += n;
	return 0;
}

int out_line(struct outbuf *o, const char *p, size_t n)
{
	if (n + 2 > out_room(o))
		return -1;
	out_put(o, p, n);
	out_put(o, "\r\n", 2);
	return 0;
}

int out_flush(struct outbuf *o, int fd)
{
	ssize_t n = write(fd, o->data, o->len);

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	memmove(o->data, o->data + n, o->len - (size_t)n);
	o->len -= (size_t)n;
	return 0;
}
