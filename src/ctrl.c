/* ctrl.c - the control connections' output queues, our own replies to the
 * client, and the FIFO of pending replies (which command the origin's
 * next reply answers). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctrl.h"
#include "log.h"
#include "session-int.h"

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

int ctl_code(const char *line)
{
	if (line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
	    line[2] < '0' || line[2] > '9')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

void ctl_reply(struct session *s, const char *fmt, ...)
{
	char line[SESS_REPLY_ROOM];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	if (out_line(&s->to_client, line, (size_t)n) < 0)
		log_msg(LOG_WARNING, "client is not reading; reply dropped");
	s->last_code = ctl_code(line);
}

enum pend pend_head(const struct session *s)
{
	return s->pend_n > 0 ? s->pend[s->pend_head] : PEND_NONE;
}

void pend_push(struct session *s, enum pend p)
{
	s->pend[(s->pend_head + s->pend_n) % SESS_PENDING_MAX] = p;
	s->pend_n++;
}

void pend_pop(struct session *s)
{
	if (s->pend_n == 0)
		return;
	s->pend_head = (s->pend_head + 1) % SESS_PENDING_MAX;
	s->pend_n--;
}
