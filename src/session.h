/* session.h - one FTP session: the control-channel state machine and the
 * one select() loop that owns every descriptor of the session. */
#ifndef FTPR_SESSION_H
#define FTPR_SESSION_H

#include "conf.h"
#include "defs.h"
#include "net.h"
#include "ports.h"
#include "xport.h"

/* Everything set up before the loop starts (and before any lock-down). */
struct sess_setup {
	const struct conf *cf;
	int client_in, client_out; /* client control connection */
	int origin;                /* connected origin control connection */
	/* The client: the peer of the control connection, or the source
	 * of its PROXY header.  client_local is our end of the control
	 * connection (listeners bind there, active connects start there);
	 * client_advertised is the address the client itself connected to
	 * (the PROXY header's destination, else client_local): what 227
	 * replies name unless --pasv-address overrides it. */
	struct net_addr client_peer, client_local, client_advertised;
	struct net_addr origin_peer, origin_local;
	/* The origin's host as --origin or the route named it (a name, or
	 * the literal's text): what its TLS certificate must carry. */
	char origin_host[FTPR_HOST_MAX];
	/* Its transport: TLS, its handshake done, when login.c connected
	 * it with --origin-tls (an --origin list); else plain. */
	struct xport origin_x;
	struct ports autoports;    /* where listeners go without --pasv-ports */
	const char *greeting;      /* the origin's greeting, if read already */
	size_t greeting_len;
	int greeted;               /* routing: our 220 went out at set-up */
};

/* Install the signal handlers (SIGPIPE ignored; SIGTERM, SIGINT and
 * SIGHUP end the session with 421).  Part of set-up: before lock-down. */
void sess_signals(void);

/* Relay the session until it ends; returns the process exit status. */
int sess_run(const struct sess_setup *s);

/* Send a one-line reply ("421 text\r\n") with a short blocking timeout;
 * used before the loop runs (usage errors, unreachable origin). */
void sess_reply_now(int fd, const char *line);

#endif
