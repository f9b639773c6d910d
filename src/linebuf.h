/* linebuf.h - bounded line reader for the control channel (pure, no I/O). */
#ifndef FTPR_LINEBUF_H
#define FTPR_LINEBUF_H

#include <stddef.h>

enum lb_status {
	LB_NONE,     /* no complete line buffered yet */
	LB_LINE,     /* a clean line: bytes without the terminator */
	LB_OVERLONG, /* a line longer than the limit was dropped (up to its LF) */
	LB_NUL,      /* a complete line contained a NUL byte; dropped */
};

/* A line ends at LF; a CR right before it is stripped.  Lines longer than
 * `max` bytes (terminator included) are discarded up to and including their
 * LF and reported once as LB_OVERLONG. */
struct linebuf {
	char *buf;
	size_t cap;      /* storage size; at least max */
	size_t max;      /* longest accepted line, terminator included */
	size_t len;      /* bytes buffered */
	size_t consumed; /* bytes of the line last returned, for lb_consume */
	int discarding;  /* inside an overlong line: drop until LF */
};

void lb_init(struct linebuf *lb, char *storage, size_t cap, size_t max);
/* Room left for lb_append(); 0 means a line is waiting to be taken. */
size_t lb_room(const struct linebuf *lb);
/* Where the next read() may write lb_room() bytes. */
char *lb_tail(struct linebuf *lb);
/* Account for n bytes written at lb_tail(). */
void lb_commit(struct linebuf *lb, size_t n);
/* Copy bytes in (tests, fuzzers); returns how many fitted. */
size_t lb_append(struct linebuf *lb, const char *data, size_t n);
/* Look at the next complete line without removing it.  On LB_LINE, *line
 * and *len describe it (no CR/LF).  LB_OVERLONG and LB_NUL are reported
 * once each and removed; the caller answers them. */
enum lb_status lb_peek(struct linebuf *lb, const char **line, size_t *len);
/* Remove the line last returned by lb_peek() as LB_LINE. */
void lb_consume(struct linebuf *lb);
/* Bytes buffered that do not yet form a complete line. */
size_t lb_pending(const struct linebuf *lb);

#endif
