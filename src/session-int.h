/* session-int.h - what session.c (the control channel and the loop),
 * datachan.c (the data channel) and login.c (routing: before and at USER)
 * share: the state of the session, and the few functions each calls in
 * the other (session.c drives datachan.c and login.c; all of them reply
 * through ctrl.c).  Nothing else includes it. */
#ifndef FTPR_SESSION_INT_H
#define FTPR_SESSION_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"
#include "defs.h"
#include "ftpproto.h"
#include "ftps.h"
#include "linebuf.h"
#include "net.h"
#include "relay.h"
#include "session.h"
#include "telnet.h"
#include "xport.h"

#define SESS_PENDING_MAX 32
/* How long queued replies may take to reach a client when ending. */
#define SESS_FLUSH_MS 5000
/* Room kept free in the client's output queue for our own replies. */
#define SESS_REPLY_ROOM 512
/* Timers run in milliseconds of CLOCK_MONOTONIC. */
typedef int64_t msec_t;
#define SESS_MS(seconds) ((msec_t)(seconds) * 1000)

enum dc_state {
	DC_NONE,
	DC_ASKED,      /* our EPSV/PASV/EPRT/PORT is at the origin */
	DC_CONNECTING, /* connecting to the origin's data port */
	DC_READY,      /* the client has its 227/229/200 */
	DC_TRANSFER,   /* a transfer command went to the origin */
};

/* One data channel; arrays are indexed by side, RELAY_CLIENT or
 * RELAY_ORIGIN.  Each side is either a listener of ours (a passive client,
 * an active origin) or a connection we make (an active client, a passive
 * origin). */
struct datachan {
	enum dc_state state;
	enum proto_cmd client_cmd;   /* PASV, EPSV, PORT or EPRT: our answer */
	int client_active;           /* PORT/EPRT: we connect to the client */
	struct net_addr client_target; /* ... at this address */
	int lfd[2];                  /* our listeners */
	uint16_t lport[2];
	int pending[2];              /* connections still being made */
	msec_t deadline[2];          /* ... until then */
	uint16_t origin_port;        /* from the origin's 227/229; 0 if none */
	struct relay relay;          /* the connected sockets */
	struct xport dx[2];          /* their transports, when TLS */
	int answered;                /* the client has its reply already */
	int prelim;                  /* the origin said 1xx: data is moving */
	int aborted;                 /* we cut the data connections */
	msec_t last_progress;
	int unacked;                 /* client data not yet acknowledged */
	int delivered;               /* the client reset the connection after
				      * acknowledging the whole download */
	char abort_what[64];         /* why we cut it, for the client's 426 */
	msec_t ready_deadline;       /* DC_READY: a transfer command by then */
	unsigned refused;            /* strangers turned away, not yet logged */
	unsigned refused_logged;     /* ... logged one by one */
	msec_t refused_next_log;     /* when the count is logged next */
	/* A data connection from a --proxy-protocol-from peer (haproxy
	 * forwarding the data ports) starts with a PROXY header: while it
	 * comes, lfd[RELAY_CLIENT] holds that connection (the loop watches
	 * it as it would the listener) and the listener waits here. */
	int pp_listener;
};

/* The transfer command now at the origin, for its record (xfer.c). */
struct sess_xfer {
	int active;             /* a transfer command went to the origin */
	char verb[5];           /* RETR, STOR, STOU, APPE, LIST, NLST, MLSD */
	int incoming;           /* STOR, STOU, APPE */
	char path[FTPR_XFER_PATH_MAX]; /* its argument, as the client sent it */
	size_t pathlen;
	msec_t start;
	int ascii;              /* TYPE A is in effect */
};

struct session {
	const struct sess_setup *su;
	const struct conf *cf;
	int cin, cout, ofd;
	struct xport cx, ox;    /* the control connections' transports */
	struct ftps ftps;       /* TLS on either leg (ftps.c) */
	struct linebuf cl, ol;
	struct telnet telnet;   /* the client's Telnet state */
	size_t junk;            /* client bytes since its last valid line */
	unsigned bad_lines;     /* invalid lines in a row */
	uint64_t client_bytes;  /* everything the client sent */
	char clbuf[FTPR_LINE_MAX];
	char olbuf[FTPR_REPLY_LINE_MAX];
	struct outbuf to_client, to_origin;
	struct proto_reply rs;
	enum pend pend[SESS_PENDING_MAX];
	unsigned pend_head, pend_n;
	struct datachan dc;
	int origin_cr_seen;     /* bare CRs in the origin's replies */
	int origin_no_epsv;
	int origin_no_eprt;
	int epsv_all;
	int pasv_proven;    /* the origin gave a passive port since login */
	char dc_refusal[SESS_REPLY_ROOM]; /* for the next transfer command */
	int held;           /* a completion reply waits for its data */
	int drain_poll;     /* ... for the client to acknowledge it */
	int swallow;        /* drop the origin's current reply */
	int client_blocked; /* a client line waits for its turn */
	int origin_blocked; /* an origin line waits for room */
	int client_eof, origin_eof;
	msec_t client_eof_deadline; /* replies still owed to a closed client */
	int ending;
	msec_t end_deadline;
	int exit_code;
	int last_code;      /* last reply code passed to the client */
	msec_t last_client;
	msec_t greet_deadline;
	char injected_text[256];
	unsigned long transfers;
	uint64_t bytes_up, bytes_down;
	struct sess_xfer xfer;
};

/* session.c */
msec_t sess_now(void);
/* The signal mask to wait with (SIGTERM and friends let through). */
extern sigset_t sess_orig_mask;

/* login.c: per-user routing (does nothing unless cf->routing). */
/* Our own 220, instead of the origin's. */
void login_start(struct session *s);
/* A client command; 1 when login.c answered it (everything before the
 * origin is known, and every USER). */
int login_command(struct session *s, enum proto_cmd cmd, const char *line,
		  size_t len, const char *arg, size_t arglen);
/* Must cmd wait for every earlier reply? */
int login_serialises(const struct session *s, enum proto_cmd cmd);

/* xfer.c: transfer records (xferlog, and a log line with fields).  Every
 * client command, before it is handled; then the end of the transfer,
 * with the completion reply's code (0: the session ended first). */
void xfer_command(struct session *s, enum proto_cmd cmd, const char *line,
		  size_t len, const char *arg, size_t arglen);
void xfer_end(struct session *s, int code);

/* datachan.c: the data channel of the session, s->dc. */
void dc_init(struct session *s);
void dc_close(struct session *s);
int dc_drained(struct session *s);
int dc_transfer_running(const struct session *s);
void dc_transfer_end(struct session *s);
/* Cut the transfer: what (for the log and the client's 426: "timed out",
 * "reset by the client", ...), detail (the log's, or NULL). */
void dc_abort(struct session *s, const char *what, const char *detail);
/* relay_io() failed with errno err. */
void dc_relay_failed(struct session *s, int err);
/* Act on the data channel's deadlines that have passed; the next one. */
void dc_timers(struct session *s, msec_t now);
msec_t dc_next_deadline(const struct session *s, msec_t next);
void dc_fail(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *dc_side_name(int side);
void dc_origin_answered(struct session *s, enum pend kind, int code);
void dc_connected(struct session *s, int side);
void dc_accept(struct session *s, int side);
void dc_prelim(struct session *s);
/* The client's PASV/EPSV, PORT/EPRT. */
void dc_passive(struct session *s, enum proto_cmd cmd, const char *arg,
		size_t arglen);
void dc_active(struct session *s, enum proto_cmd cmd, const char *arg,
	       size_t arglen);

#endif
