/* ctrl.c - the control connections' output queues, our own replies to the
 * client, and the FIFO of pending replies (which command the origin's
 * next reply answers). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctrl.h"
#include "log.h"
#include "session-int.h"
#include "xport.h"

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

int out_flush(struct outbuf *o, struct xport *x)
{
	ssize_t n = o->len > 0 ? xp_write(x, o->data, o->len) : 0;

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	memmove(o->data, o->data + n, o->len - (size_t)n);
	o->len -= (size_t)n;
	/* A reply that starts TLS (234) goes out in clear; the handshake
	 * starts right after its last byte, before anything else is read. */
	if (o->len == 0 && xp_armed(x) && xp_start(x) < 0)
		return -1;
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

void ctl_end(struct session *s, int exit_code, const char *reply)
{
	struct timespec ts;

	if (s->ending)
		return;
	if (reply != NULL)
		ctl_reply(s, "%s", reply);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->ending = 1;
	s->exit_code = exit_code;
	s->end_deadline = (msec_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			  SESS_FLUSH_MS;
}

int pend_ours(enum pend p)
{
	return p == PEND_EPSV || p == PEND_PASV || p == PEND_EPRT ||
	       p == PEND_PORT || p == PEND_AUTH || p == PEND_PBSZ ||
	       p == PEND_PROT;
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
