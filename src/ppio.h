/* ppio.h - the PROXY protocol on the wire: read a header and not one byte
 * more (blocking with a deadline at set-up, or step by step on a
 * non-blocking data connection), send one, answer a health check. */
#ifndef FTPR_PPIO_H
#define FTPR_PPIO_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "proxyproto.h"

/* Read the header at the start of fd within timeout_ms in total, never a
 * byte past its end (v2: its fixed part, then exactly its length; v1: no
 * read goes past the CRLF).  Uses read() and pselect() only.  Returns 0
 * with *h filled, or -1 with the reason in why. */
int pp_read(int fd, int timeout_ms, struct pp_header *h, char *why,
	    size_t whycap);

/* The same on a non-blocking socket, one step per readable event. */
struct pp_reader {
	uint8_t buf[FTPR_PP_V2_MAX];
	size_t have;
};
void pp_reader_init(struct pp_reader *r);
/* 1: the header is complete (*h filled); 0: call again when fd is
 * readable; -1: bad header, end of file or error (*why says which). */
int pp_reader_step(struct pp_reader *r, int fd, struct pp_header *h,
		   const char **why);

/* Write the whole header (a few dozen bytes, at the start of a fresh
 * connection: the socket buffer takes it at once).  0, or -1. */
int pp_send(int fd, const char *buf, size_t len);

/* --origin-proxy-protocol: a v1 or v2 header naming client, and our end
 * of fd as the destination, as the first bytes on fd.  0, or -1. */
int pp_send_header(int fd, int version, const struct net_addr *client);

/* A v2 LOCAL connection (a balancer's health check): greet with 220 of
 * our own, answer QUIT with 221, anything else with 530, until the
 * checker closes, FTPR_PP_CHECK_TIMEOUT_MS pass or it has sent
 * FTPR_PP_CHECK_BYTES_MAX bytes.  The origin is never contacted. */
void pp_answer_check(int in, int out);

#endif
