/* xport.h - the transport of one connection: a plain descriptor (or a
 * pair, inetd's stdin/stdout), or TLS on top of it.  The session and the
 * data relay ask it to read, write, shut down and say what it waits for,
 * and never need to know which kind it is.  TLS comes from the TLS module
 * (tls-mod.h), loaded at set-up only when a leg speaks TLS. */
#ifndef FTPR_XPORT_H
#define FTPR_XPORT_H

#include <stddef.h>
#include <sys/select.h>
#include <sys/types.h>

#include "tls-mod.h"

struct xport {
	int rfd, wfd;
	struct tls_conn *tls;  /* NULL: plain */
	int armed;             /* start TLS once the queue ahead is written */
	enum tls_role role;    /* ... in this role */
	int hs;                /* the TLS handshake is not finished */
	int rwant, wwant;      /* a TLS read (write) waits for the other
				* direction (TLS_WANT_*), 0: its own */
	int hold;              /* TLS must not start yet: no I/O, no events */
	int strict_eof;        /* an end without close_notify is an error */
	int shut;              /* our end was passed on */
	int truncated;         /* the peer ended without close_notify */
};

/* Load the TLS module once, at set-up; 0 or -1 with a reason. */
int xp_tls_load(const char *path, char *why, size_t whycap);
/* The module's table, or NULL when it is not loaded. */
const struct tls_ops *xp_tls_ops(void);

void xp_plain(struct xport *x, int rfd, int wfd);
/* Start TLS in this role now; -1 when the module cannot. */
int xp_tls(struct xport *x, enum tls_role role);
/* The host name or address the peer's certificate must carry (an
 * origin connection, after xp_tls()); 0 or -1 with errno. */
int xp_set_name(struct xport *x, const char *name);
/* Start TLS when out_flush() has written everything queued before. */
void xp_arm(struct xport *x, enum tls_role role);
int xp_armed(const struct xport *x);
int xp_start(struct xport *x);
/* Drive the handshake; 0 when done, -1 with errno (EAGAIN: wait as
 * xp_wait_write(x, 0) says). */
int xp_handshake(struct xport *x);
int xp_is_tls(const struct xport *x);
/* The handshake is done (always, for plain). */
int xp_ready(const struct xport *x);

/* >0 bytes, 0 at the end, -1 with errno (EAGAIN: wait for select()). */
ssize_t xp_read(struct xport *x, void *buf, size_t n);
ssize_t xp_write(struct xport *x, const void *buf, size_t n);
/* Pass our end on: close_notify under TLS, then shutdown(SHUT_WR).
 * 0 when done, -1 with errno (EAGAIN: again when select() says so; a
 * failed handshake's error). */
int xp_shutdown(struct xport *x);
/* Free the TLS state; the descriptors are the caller's. */
void xp_free(struct xport *x);

/* Add the descriptors to wait for when the caller wants to read and/or
 * write (TLS may need the other direction, or the handshake its own). */
void xp_fdset(const struct xport *x, int rd, int wr, fd_set *rs, fd_set *ws,
	      int *maxfd);
/* For a wait on the one descriptor before the loop runs: must the next
 * read (wr 0) or write (wr 1), or the handshake, wait until the socket
 * is writable (1) or readable (0)? */
int xp_wait_write(const struct xport *x, int wr);
/* Is a read (write) worth trying after select()? */
int xp_can_read(const struct xport *x, const fd_set *rs, const fd_set *ws);
int xp_can_write(const struct xport *x, const fd_set *rs, const fd_set *ws);
/* Bytes buffered inside TLS, which select() cannot see: the loop must
 * not sleep while a reader with room has them. */
size_t xp_pending(const struct xport *x);
/* The last TLS failure, for the log. */
const char *xp_error(const struct xport *x);
const char *xp_info(const struct xport *x, char *buf, size_t cap);

#endif
