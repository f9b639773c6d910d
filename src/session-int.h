/* session-int.h - what session.c (the control channel and the loop) and
 * datachan.c (the data channel) share: the state of the session, and the
 * few functions each calls in the other.  Nothing else includes it. */
#ifndef FTPR_SESSION_INT_H
#define FTPR_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "ftpproto.h"
#include "linebuf.h"
#include "net.h"
#include "relay.h"
#include "session.h"
#include "telnet.h"

#define SESS_PENDING_MAX 32
/* Room kept free in the client's output queue for our own replies. */
#define SESS_REPLY_ROOM 512
/* Timers run in milliseconds of CLOCK_MONOTONIC. */
typedef int64_t msec_t;
#define SESS_MS(seconds) ((msec_t)(seconds) * 1000)

enum pend {
	PEND_NONE = -1,
	PEND_GREETING,  /* the origin's 220 */
	PEND_FORWARDED, /* a client command relayed as is */
	PEND_TRANSFER,  /* RETR, STOR, LIST, ...: 1xx, data, then 2xx */
	PEND_EPSV,      /* our own EPSV to the origin */
	PEND_PASV,      /* our own PASV to the origin */
	PEND_EPRT,      /* our own EPRT to the origin (active towards it) */
	PEND_PORT,      /* our own PORT to the origin */
};

enum dc_state {
	DC_NONE,
	DC_ASKED,      /* our EPSV/PASV/EPRT/PORT is at the origin */
	DC_CONNECTING, /* connecting to the origin's data port */
	DC_READY,      /* the client has its 227/229/200 */
	DC_TRANSFER,   /* a transfer command went to the origin */
};

struct outbuf {
	char data[FTPR_CTRL_OUT_MAX];
	size_t len;
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
	int answered;                /* the client has its reply already */
	int prelim;                  /* the origin said 1xx: data is moving */
	int aborted;                 /* we cut the data connections */
	msec_t last_progress;
	int unacked;                 /* client data not yet acknowledged */
	/* A data connection from a --proxy-protocol-from peer (haproxy
	 * forwarding the data ports) starts with a PROXY header: while it
	 * comes, lfd[RELAY_CLIENT] holds that connection (the loop watches
	 * it as it would the listener) and the listener waits here. */
	int pp_listener;
};

struct session {
	const struct sess_setup *su;
	const struct conf *cf;
	int cin, cout, ofd;
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
};

/* session.c */
msec_t sess_now(void);
/* One reply of our own to the client. */
void sess_reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The reply code at the start of line, or -1. */
int sess_code(const char *line);
int out_put(struct outbuf *o, const char *p, size_t n);
void pend_push(struct session *s, enum pend p);

/* datachan.c: the data channel of the session, s->dc. */
void dc_init(struct session *s);
void dc_close(struct session *s);
int dc_drained(struct session *s);
int dc_transfer_running(const struct session *s);
void dc_transfer_end(struct session *s);
void dc_abort(struct session *s, const char *why);
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
