/* ftps.h - FTPS (RFC 4217) on both legs: the client's AUTH/PBSZ/PROT/CCC
 * and the policy of --client-tls, our own AUTH TLS/PBSZ/PROT towards the
 * origin, the TLS lines of FEAT, and which data connections are TLS.
 * session.c calls it from a few points; it never calls session.c. */
#ifndef FTPR_FTPS_H
#define FTPR_FTPS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ctrl.h"
#include "ftpproto.h"

struct session;
struct xport;

/* The origin leg, with --origin-tls on; client lines wait until TLS. */
enum ftps_origin {
	FTPS_O_GREETING = 0, /* waiting for 220 */
	FTPS_O_AUTH,         /* explicit: our AUTH TLS is at the origin */
	FTPS_O_TLS,          /* TLS is on; PBSZ 0 and PROT P are on their way */
};

struct ftps {
	int prot_p;          /* PROT P: client data connections are TLS */
	int user_sent;       /* USER went to the origin: AUTH is too late */
	enum ftps_origin origin;
	int64_t client_hs_deadline, origin_hs_deadline; /* msec_t */
	int client_logged, origin_logged; /* the handshake's result logged */
	unsigned feat_lines; /* lines of the FEAT reply so far */
};

/* Set-up, before the privilege drop and the lock-down: load the TLS
 * module, read the certificate and key, the CA file.  Nothing happens
 * when neither leg speaks TLS. */
int ftps_setup(const struct conf *cf, char *why, size_t whycap);
/* The session starts: implicit TLS on either leg. */
void ftps_init(struct session *s);
/* A (new) origin control connection fd: its transport.  Its greeting
 * still to come, implicit TLS is started; ready, when not NULL, is the
 * transport of a connection whose TLS login.c set up already (greeting
 * read, handshake done: PBSZ 0 and PROT P go out now).  ftps_init() calls
 * it for the origin of set-up; login.c for an origin chosen at USER. */
void ftps_origin_attach(struct session *s, int fd, const struct xport *ready);
/* The name the origin's certificate must carry: --origin-tls-name, else
 * host (the origin as --origin or the route named it), else --origin's. */
const char *ftps_origin_name(const struct conf *cf, const char *host);
/* TLS on x, a connected origin control connection, for host: the
 * handshake, done by deadline (net_now_ms() time), before the loop runs
 * (login.c's connects, where a failed origin is passed over for the next
 * one).  0; -1 with why; -2 interrupted by a signal. */
int ftps_origin_handshake(const struct conf *cf, struct xport *x,
			  const char *host, int64_t deadline, char *why,
			  size_t whycap);
/* A client command; 1 when it was answered here (or forwarded here). */
int ftps_command(struct session *s, enum proto_cmd cmd, const char *arg,
		 size_t arglen);
/* Must the command wait until every earlier reply is in? */
int ftps_serialises(enum proto_cmd cmd);
/* Client lines wait (TLS being set up on either leg). */
int ftps_blocks(const struct session *s);
/* A line of the origin's reply to FEAT: 1 when it is dropped (TLS lines
 * are ours to offer); our own go out before the last line. */
int ftps_feat_line(struct session *s, const char *line, size_t len, int last);
/* Our FEAT lines (AUTH TLS, PBSZ, PROT), for a FEAT answered without the
 * origin (before USER, with routing). */
void ftps_feat_ours_lines(struct session *s);
/* The origin answered (the pending entry head is already popped). */
void ftps_origin_reply(struct session *s, enum pend head, int code);
/* Handshake deadlines, and a log line when each control handshake ends. */
void ftps_timers(struct session *s, int64_t now);
int64_t ftps_next_deadline(const struct session *s, int64_t now,
			     int64_t next);
/* A data connection on side (RELAY_CLIENT, RELAY_ORIGIN) is up: set up
 * its transport x.  0: plain, 1: TLS, -1: TLS could not start. */
int ftps_data(struct session *s, int side, struct xport *x, int fd);

#endif
