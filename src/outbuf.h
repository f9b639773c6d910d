/* outbuf.h - the output queue of a control connection: bytes waiting for
 * a peer that does not read yet (fixed size, FTPR_CTRL_OUT_MAX). */
#ifndef FTPR_OUTBUF_H
#define FTPR_OUTBUF_H

#include <stddef.h>

#include "defs.h"

struct outbuf {
	char data[FTPR_CTRL_OUT_MAX];
	size_t len;
};

size_t out_room(const struct outbuf *o);
/* Queue n bytes; -1 (nothing queued) when they do not fit. */
int out_put(struct outbuf *o, const char *p, size_t n);
/* Queue a line and CRLF; -1 when they do not fit. */
int out_line(struct outbuf *o, const char *p, size_t n);
/* Write what the peer accepts; -1 when the peer is gone. */
int out_flush(struct outbuf *o, int fd);

#endif
