/* ctrl.h - the control connections' output queues, our own replies to the
 * client, and the FIFO of pending replies: below session.c (the control
 * state machine and the loop) and datachan.c (the data channel), which
 * both use them and so no longer call each other for replies. */
#ifndef FTPR_CTRL_H
#define FTPR_CTRL_H

#include <stddef.h>

#include "defs.h"

struct session;
struct xport;

/* What the next reply from the origin answers. */
enum pend {
	PEND_NONE = -1,
	PEND_GREETING,  /* the origin's 220 */
	PEND_FORWARDED, /* a client command relayed as is */
	PEND_TRANSFER,  /* RETR, STOR, LIST, ...: 1xx, data, then 2xx */
	PEND_EPSV,      /* our own EPSV to the origin */
	PEND_PASV,      /* our own PASV to the origin */
	PEND_EPRT,      /* our own EPRT to the origin (active towards it) */
	PEND_PORT,      /* our own PORT to the origin */
	PEND_AUTH,      /* our own AUTH TLS to the origin (ftps.c) */
	PEND_PBSZ,      /* our own PBSZ 0 */
	PEND_PROT,      /* our own PROT P */
	PEND_FEAT,      /* the client's FEAT: its TLS lines are ours */
};

/* Bytes queued towards one control peer. */
struct outbuf {
	char data[FTPR_CTRL_OUT_MAX];
	size_t len;
};

size_t out_room(const struct outbuf *o);
/* Queue n bytes, all or nothing; -1 when they do not fit. */
int out_put(struct outbuf *o, const char *p, size_t n);
/* Queue a line and its CRLF, all or nothing. */
int out_line(struct outbuf *o, const char *p, size_t n);
/* Write what the peer accepts; -1 when the peer is gone.  A transport
 * armed for TLS (after a 234) starts it once the queue is written. */
int out_flush(struct outbuf *o, struct xport *x);

/* The reply code at the start of line, or -1. */
int ctl_code(const char *line);
/* One reply of our own to the client. */
void ctl_reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Stop relaying; tell the client why (reply, if not NULL), flush, then
 * exit with exit_code. */
void ctl_end(struct session *s, int exit_code, const char *reply);

/* Is p one of our own commands, whose reply the client never sees? */
int pend_ours(enum pend p);
enum pend pend_head(const struct session *s);
/* Callers check pend_n < SESS_PENDING_MAX first. */
void pend_push(struct session *s, enum pend p);
void pend_pop(struct session *s);

#endif
