/* session.c - one FTP session: the control-channel state machine and the
 * one select() loop that owns every descriptor of the session.
 *
 * Client lines are relayed to the origin in order; replies come back in the
 * same order, so a FIFO of "pending" entries tells which command each reply
 * answers (OpenBSD ftp-proxy keeps a single pending command; a FIFO also
 * copes with clients that pipeline).  PASV/EPSV are never forwarded: we ask
 * the origin for a passive port ourselves (EPSV, or PASV where it refuses
 * EPSV), connect to it, open our own listener and answer the client (at
 * once, while the origin is asked, when it gave a port before).  A
 * transfer's completion reply is held, unread, in the origin's line buffer
 * until the data has been written to the client and closed.  The data
 * channel itself is datachan.c's. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "session-int.h"

/* How often a held 226 checks whether the client acknowledged its data. */
#define SESS_DRAIN_POLL_MS 20
/* How long unread client input is drained before closing, so that our
 * last reply is not destroyed by a reset. */
#define SESS_LINGER_MS 1000


static struct session sess;
static volatile sig_atomic_t sess_signal;

msec_t sess_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (msec_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sess_on_signal(int sig)
{
	sess_signal = sig;
}

/* ---- output ---------------------------------------------------------- */

/* Flush the client's queue; -1 when the client is gone (the session ends
 * quietly: nobody is left to tell). */
static int sess_flush_client(struct session *s)
{
	if (out_flush(&s->to_client, &s->cx) == 0)
		return 0;
	log_msg(LOG_NOTICE, "client control connection: %s", xp_error(&s->cx));
	s->exit_code = FTPR_EXIT_OK;
	return -1;
}

/* Flush the origin's queue; 1 when the origin is gone (a failed TLS
 * handshake, its certificate refused, says why here). */
static int sess_flush_origin(struct session *s)
{
	if (out_flush(&s->to_origin, &s->ox) == 0)
		return 0;
	log_msg(LOG_NOTICE, "origin control connection: %s", xp_error(&s->ox));
	return 1;
}

/* ---- client commands -------------------------------------------------- */

/* Relay a client line to the origin, Telnet-escaped (IAC IAC). */
static void sess_forward(struct session *s, const char *line, size_t len)
{
	char esc[2 * FTPR_LINE_MAX];
	int n = telnet_escape(line, len, esc, sizeof(esc));

	/* sess_client_lines() made room for the longest escaped line. */
	if (n >= 0)
		out_line(&s->to_origin, esc, (size_t)n);
}

/* ABOR: stop our relay, then pass the abort on as RFC 959 describes:
 * Telnet IP, then Synch (IAC DM, sent urgent), then the command. */
static void sess_abor(struct session *s, const char *line, size_t len)
{
	static const char ip_iac[] = { (char)TELNET_IAC, (char)TELNET_IP,
				       (char)TELNET_IAC };

	if (dc_transfer_running(s))
		dc_abort(s, "closed by ABOR", "client sent ABOR");
	pend_push(s, PEND_FORWARDED);
	if (s->to_origin.len == 0 && !xp_is_tls(&s->ox) &&
	    send(s->ofd, ip_iac, sizeof(ip_iac), MSG_OOB | MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(ip_iac)) {
		out_put(&s->to_origin, "\xf2", 1); /* DM: the urgent mark */
	} else {
		/* Queued behind other bytes: in band is all we can do. */
		out_put(&s->to_origin, ip_iac, sizeof(ip_iac));
		out_put(&s->to_origin, "\xf2", 1);
	}
	sess_forward(s, line, len);
}

/* Does this command have to wait until every earlier reply is in? */
static int sess_cmd_serialises(enum proto_cmd cmd)
{
	return cmd == CMD_PASV || cmd == CMD_EPSV || cmd == CMD_PORT ||
	       cmd == CMD_EPRT || proto_cmd_is_transfer(cmd) ||
	       ftps_serialises(cmd);
}

static void sess_command(struct session *s, enum proto_cmd cmd,
			 const char *line, size_t len, const char *arg,
			 size_t arglen)
{
	xfer_command(s, cmd, line, len, arg, arglen);
	if (ftps_command(s, cmd, arg, arglen))
		return;
	if (login_command(s, cmd, line, len, arg, arglen))
		return;
	switch (cmd) {
	case CMD_PASV:
	case CMD_EPSV:
		dc_passive(s, cmd, arg, arglen);
		return;
	case CMD_PORT:
	case CMD_EPRT:
		dc_active(s, cmd, arg, arglen);
		return;
	case CMD_USER:
		log_msg(LOG_INFO, "USER %.*s", (int)(arglen > 64 ? 64 : arglen), arg);
		s->pasv_proven = 0; /* a new login: ask the origin first again */
		break;
	case CMD_PASS:
	case CMD_ACCT:
	case CMD_REIN:
		s->pasv_proven = 0;
		break;
	case CMD_ABOR:
		sess_abor(s, line, len);
		return;
	default:
		break;
	}
	if (proto_cmd_is_transfer(cmd)) {
		/* SECURITY: without our own data channel the origin would
		 * connect out on its own (active mode by default). */
		if (s->dc.state != DC_READY) {
			if (s->dc_refusal[0] != '\0')
				ctl_reply(s, "%s", s->dc_refusal);
			else
				ctl_reply(s, "425 Use PASV, EPSV, PORT or EPRT first.");
			s->dc_refusal[0] = '\0';
			return;
		}
		s->dc.state = DC_TRANSFER;
		s->dc.prelim = 0;
		s->dc.last_progress = sess_now();
		pend_push(s, PEND_TRANSFER);
	} else {
		pend_push(s, PEND_FORWARDED);
	}
	sess_forward(s, line, len);
}

static void sess_client_lines(struct session *s)
{
	const char *line, *arg;
	size_t len, arglen;
	enum lb_status st;
	enum proto_cmd cmd;

	s->client_blocked = 0;
	while (!s->ending) {
		/* One line may need: itself to the origin, a reply of ours. */
		if (out_room(&s->to_origin) < 2 * FTPR_LINE_MAX + 16 ||
		    out_room(&s->to_client) < SESS_REPLY_ROOM ||
		    s->pend_n >= SESS_PENDING_MAX - 1 ||
		    s->dc.state == DC_ASKED || s->dc.state == DC_CONNECTING ||
		    ftps_blocks(s)) {
			s->client_blocked = 1;
			return;
		}
		st = lb_peek(&s->cl, &line, &len);
		if (st == LB_NONE)
			return;
		s->last_client = sess_now();
		if (st == LB_LINE &&
		    telnet_escaped_len(line, len) + 2 > FTPR_LINE_MAX) {
			/* SECURITY: the limit holds for what the origin would
			 * get, where every 0xFF byte is doubled (IAC IAC). */
			lb_consume(&s->cl);
			st = LB_OVERLONG;
		}
		if (st != LB_LINE && ++s->bad_lines >= FTPR_BAD_LINES_MAX) {
			log_msg(LOG_WARNING, "%u invalid command lines in a row: closing",
				s->bad_lines);
			ctl_end(s, FTPR_EXIT_OK, "421 Too many invalid commands; closing.");
			return;
		}
		if (st == LB_LINE)
			s->junk = 0;
		if (st == LB_OVERLONG) {
			log_msg(LOG_WARNING, "command line over %d bytes (Telnet-"
				"escaped) refused", FTPR_LINE_MAX);
			ctl_reply(s, "500 Command line too long (limit %d bytes).",
				   FTPR_LINE_MAX);
			continue;
		}
		if (st == LB_NUL) {
			log_msg(LOG_WARNING, "command line with a NUL byte refused");
			ctl_reply(s, "500 Command line contains a NUL byte.");
			continue;
		}
		cmd = proto_command(line, len, &arg, &arglen);
		if (cmd == CMD_INVALID) {
			lb_consume(&s->cl);
			log_msg(LOG_WARNING, "malformed command line refused "
				"(verb not letters only, or a bare CR)");
			ctl_reply(s, "500 Syntax error, command unrecognized.");
			if (++s->bad_lines >= FTPR_BAD_LINES_MAX) {
				log_msg(LOG_WARNING, "%u invalid command lines in a row: "
					"closing", s->bad_lines);
				ctl_end(s, FTPR_EXIT_OK,
					 "421 Too many invalid commands; closing.");
				return;
			}
			continue;
		}
		s->bad_lines = 0;
		if ((sess_cmd_serialises(cmd) || login_serialises(s, cmd)) &&
		    s->pend_n > 0) {
			s->client_blocked = 1;
			return;
		}
		sess_command(s, cmd, line, len, arg, arglen);
		lb_consume(&s->cl);
	}
}

/* ---- origin replies --------------------------------------------------- */

/* SECURITY: a reply that answers no command (other than a 421, which an
 * origin sends before it closes) is dropped: relayed, it would shift every
 * later reply by one.  A 227/229 answers only our own PASV/EPSV, never a
 * relayed command: it would name an address to the client, so the client
 * gets a 500 for that command instead.  1 when the reply is not relayed. */
static int sess_reply_unfit(struct session *s, enum pend head,
			    const char *line, size_t len)
{
	int code = s->rs.code;

	if (head == PEND_NONE && code != 421) {
		log_msg(LOG_WARNING, "origin sent a reply to no command; dropped: "
			"%.*s", (int)(len < 80 ? len : 80), line);
		return 1;
	}
	if (code != 227 && code != 229)
		return 0;
	log_msg(LOG_WARNING, "origin answered a relayed command with %d; "
		"refused: %.*s", code, (int)(len < 80 ? len : 80), line);
	ctl_reply(s, "500 Origin sent an invalid reply.");
	return 1;
}

static void sess_origin_lines(struct session *s)
{
	const char *line;
	size_t len;
	enum lb_status st;

	s->origin_blocked = 0;
	s->held = 0;
	while (!s->ending) {
		enum pend head = pend_head(s);
		int injected = pend_ours(head);
		enum proto_line r;

		st = lb_peek(&s->ol, &line, &len);
		if (st == LB_NONE)
			return;
		if (st != LB_LINE) {
			log_msg(LOG_ERR, "origin sent an %s reply line; ending session",
				st == LB_NUL ? "NUL-containing" : "overlong");
			ctl_end(s, FTPR_EXIT_TEMP, "421 Origin sent an invalid reply.");
			return;
		}
		if (proto_reply_bare_cr((char *)line, len) > 0 && !s->origin_cr_seen) {
			log_msg(LOG_WARNING, "origin sent a bare CR in a reply; "
				"relayed as a space");
			s->origin_cr_seen = 1;
		}
		if (s->rs.code == 0 && !s->rs.multiline && head == PEND_TRANSFER &&
		    len >= 3 && line[0] >= '2' && line[0] <= '5') {
			/* The transfer's completion reply. */
			if (line[0] == '2' && s->dc.aborted) {
				/* We cut the data: "complete" would be a lie. */
				s->swallow = 1;
				ctl_reply(s, "426 Data connection %s; transfer aborted.",
					   s->dc.abort_what);
			} else if (line[0] == '2' && s->dc.prelim && !dc_drained(s)) {
				s->held = 1;
				return;
			}
			xfer_end(s, ctl_code(line));
			dc_transfer_end(s);
		}
		if (!injected && !s->swallow && len + 2 > out_room(&s->to_client)) {
			s->origin_blocked = 1;
			return;
		}
		int first = s->rs.code == 0;

		r = proto_reply_line(&s->rs, line, len);
		if (r == PROTO_LINE_BAD) {
			log_msg(LOG_ERR, "origin sent a line that is not a reply: %.*s",
				(int)(len < 60 ? len : 60), line);
			ctl_end(s, FTPR_EXIT_TEMP, "421 Origin sent an invalid reply.");
			return;
		}
		if (first && !injected && sess_reply_unfit(s, head, line, len))
			s->swallow = 1;
		if (injected) {
			uint16_t port;
			uint8_t addr[4];

			if ((s->rs.code == 229 && proto_parse_229(line, len, &port) == 0) ||
			    (s->rs.code == 227 && proto_parse_227(line, len, addr, &port) == 0))
				if (s->dc.origin_port == 0)
					s->dc.origin_port = port;
			snprintf(s->injected_text, sizeof(s->injected_text), "%.*s",
				 (int)len, line);
		} else if (!s->swallow &&
			   !(head == PEND_FEAT &&
			     ftps_feat_line(s, line, len, r == PROTO_LINE_LAST))) {
			out_line(&s->to_client, line, len);
		}
		lb_consume(&s->ol);
		if (r != PROTO_LINE_LAST)
			continue;

		int code = s->rs.code;

		s->rs.code = 0;
		if (!injected && !s->swallow)
			s->last_code = code;
		s->swallow = 0;
		if (code < 200) {
			if (head == PEND_TRANSFER)
				dc_prelim(s);
			continue;
		}
		if (head == PEND_NONE) {
			/* Unsolicited (421 before closing, typically). */
			continue;
		}
		pend_pop(s);
		if (injected)
			dc_origin_answered(s, head, code);
		ftps_origin_reply(s, head, code);
	}
}

/* ---- timers ----------------------------------------------------------- */

/* Act on every deadline that has passed. */
static void sess_timers(struct session *s, msec_t now)
{
	const struct conf *cf = s->cf;

	if (s->ending)
		return;
	if (sess_signal != 0) {
		log_msg(LOG_NOTICE, "signal %d: ending session", (int)sess_signal);
		ctl_end(s, FTPR_EXIT_OK, "421 Service shutting down.");
		return;
	}
	if (pend_head(s) == PEND_GREETING && now >= s->greet_deadline) {
		log_msg(LOG_ERR, "origin sent no greeting within %d s",
			cf->connect_timeout);
		ctl_end(s, FTPR_EXIT_TEMP,
			 "421 Origin did not answer; try again later.");
		return;
	}
	dc_timers(s, now);
	ftps_timers(s, now);
	/* The idle timer never runs while a transfer moves data. */
	if (!dc_transfer_running(s) &&
	    now >= s->last_client + SESS_MS(cf->idle_timeout)) {
		log_msg(LOG_NOTICE, "idle for %d s: closing", cf->idle_timeout);
		ctl_reply(s, "421 Idle timeout (%d seconds): closing control "
			   "connection.", cf->idle_timeout);
		ctl_end(s, FTPR_EXIT_OK, NULL);
	}
}

/* When the loop must wake up at the latest: the earliest deadline of the
 * session as it is now.  Computed after the events of a round were
 * handled, since they move deadlines (a transfer that ended starts the
 * idle clock, one that started stops it). */
static msec_t sess_next_wakeup(const struct session *s, msec_t now)
{
	msec_t next = now + SESS_MS(3600);

#define SESS_NEXT(t) do { if ((t) < next) next = (t); } while (0)
	if (s->ending)
		return s->end_deadline;
	if (pend_head(s) == PEND_GREETING)
		SESS_NEXT(s->greet_deadline);
	next = dc_next_deadline(s, next);
	next = ftps_next_deadline(s, now, next);
	if (!dc_transfer_running(s))
		SESS_NEXT(s->last_client + SESS_MS(s->cf->idle_timeout));
	if (s->held && s->drain_poll)
		SESS_NEXT(now + SESS_DRAIN_POLL_MS);
	if (s->client_eof)
		SESS_NEXT(s->client_eof_deadline);
#undef SESS_NEXT
	return next < now ? now : next;
}

/* ---- the loop --------------------------------------------------------- */

static void fdset_add(int fd, fd_set *set, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

/* Read the client's control connection through the Telnet filter; 1 at
 * end of file or error. */
static int sess_read_client(struct session *s)
{
	unsigned char *tail = (unsigned char *)lb_tail(&s->cl);
	unsigned char answer[48];
	size_t alen = 0, kept;
	ssize_t n = xp_read(&s->cx, tail, lb_room(&s->cl));

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			log_msg(LOG_NOTICE, "client control connection: %s",
				xp_error(&s->cx));
		return 1;
	}
	if (s->client_bytes == 0 && tail[0] == 0x16 && !xp_is_tls(&s->cx)) {
		/* SECURITY/clarity: a TLS ClientHello (implicit FTPS) on
		 * the plain port; it will never form a line. */
		log_msg(LOG_WARNING, "client started a TLS handshake: closing");
		ctl_end(s, FTPR_EXIT_OK, "421 TLS is not supported on this port; "
			 "use plain FTP.");
		return 0;
	}
	s->client_bytes += (uint64_t)n;
	kept = telnet_filter(&s->telnet, tail, (size_t)n, answer, sizeof(answer),
			     &alen);
	if (s->telnet.seen != 0) {
		log_msg(LOG_DEBUG, "telnet from client:%s%s%s",
			s->telnet.seen & TELNET_SAW_IP ? " IP" : "",
			s->telnet.seen & TELNET_SAW_DM ? " DM" : "",
			s->telnet.seen & TELNET_SAW_OPTION ? " option refused" : "");
		s->telnet.seen = 0;
	}
	if (alen > 0)
		(void)out_put(&s->to_client, (const char *)answer, alen);
	lb_commit(&s->cl, kept);
	s->junk += kept;
	if (s->junk > FTPR_JUNK_MAX) {
		log_msg(LOG_WARNING, "%zu bytes without a valid command line: closing",
			s->junk);
		ctl_end(s, FTPR_EXIT_OK, "421 Command line too long; closing.");
	}
	return 0;
}

/* Read into a line buffer; returns 0, or 1 at end of file or error. */
static int sess_read_lines(struct xport *x, struct linebuf *lb, const char *who)
{
	ssize_t n = xp_read(x, lb_tail(lb), lb_room(lb));

	if (n > 0) {
		lb_commit(lb, (size_t)n);
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		log_msg(LOG_NOTICE, "%s control connection: %s", who, xp_error(x));
	return 1;
}

static void sess_init(struct session *s, const struct sess_setup *su)
{
	/* No memset: the session is static, zeroed by the loader, and set
	 * up once per process; writing zeros would dirty its 45 KiB of
	 * buffers in every idle session. */
	s->su = su;
	s->cf = su->cf;
	s->cin = su->client_in;
	s->cout = su->client_out;
	s->ofd = su->origin;
	lb_init(&s->cl, s->clbuf, sizeof(s->clbuf), FTPR_LINE_MAX);
	lb_init(&s->ol, s->olbuf, sizeof(s->olbuf), FTPR_REPLY_LINE_MAX);
	xp_plain(&s->cx, s->cin, s->cout);
	dc_init(s);
	s->last_client = sess_now();
	s->greet_deadline = s->last_client + SESS_MS(s->cf->connect_timeout);
	net_set_nonblock(s->cin);
	net_set_nonblock(s->cout);
	net_tune_control(s->cout);
	if (s->ofd >= 0) {
		pend_push(s, PEND_GREETING);
		if (su->greeting_len > 0) /* read already: --origin A,B */
			lb_append(&s->ol, su->greeting, su->greeting_len);
		net_set_nonblock(s->ofd);
		net_tune_control(s->ofd);
	} else {
		xp_plain(&s->ox, -1, -1);
		login_start(s); /* routing: no origin before USER */
	}
	{
		int one = 1;

		/* Urgent data (ABOR sent "out of band", as Python's ftplib
		 * does) stays in the byte stream instead of being lost. */
		(void)setsockopt(s->cin, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	}
	ftps_init(s);
}

/* Decide whether the session is over; 1 to leave the loop. */
static int sess_check_end(struct session *s, msec_t now)
{
	if (!s->ending && s->origin_eof && !s->held && !s->origin_blocked) {
		if (s->last_code == 221 || s->last_code == 421) {
			ctl_end(s, FTPR_EXIT_OK, NULL);
		} else {
			log_msg(LOG_WARNING, "origin closed the control connection");
			ctl_end(s, FTPR_EXIT_TEMP,
				 "421 Origin closed the connection.");
		}
	}
	if (s->ending)
		return s->to_client.len == 0 || now >= s->end_deadline;
	/* A client that closed its control connection gets the replies it
	 * is still owed for a few seconds, then the session ends. */
	if (s->client_eof && ((!s->client_blocked && s->pend_n == 0 &&
			       s->dc.state != DC_TRANSFER) ||
			      now >= s->client_eof_deadline)) {
		/* After 221 the client closing first is the normal end. */
		if (s->last_code != 221)
			log_msg(LOG_INFO, "client closed the control connection");
		ctl_end(s, FTPR_EXIT_OK, NULL);
		return 1;
	}
	return 0;
}

sigset_t sess_orig_mask;

/* We are closing while the client may still be sending: closing with
 * unread input would send a reset, which can destroy our last reply on
 * its way.  Send FIN, then read and drop input for a short while. */
static void sess_linger(struct session *s)
{
	msec_t end = sess_now() + SESS_LINGER_MS;
	char junk[4096];

	if (s->client_eof)
		return;
	if (xp_shutdown(&s->cx) < 0)
		(void)shutdown(s->cout, SHUT_WR);
	for (msec_t now = sess_now(); now < end; now = sess_now()) {
		struct timespec ts = { 0, (long)(end - now) * 1000000 };
		fd_set rd;

		if (end - now >= 1000)
			ts = (struct timespec){ 1, 0 };
		FD_ZERO(&rd);
		FD_SET(s->cin, &rd);
		if (pselect(s->cin + 1, &rd, NULL, NULL, &ts, &sess_orig_mask) <= 0 ||
		    read(s->cin, junk, sizeof(junk)) <= 0)
			return;
	}
}

void sess_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = sess_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	/* Signals arrive only inside pselect(): no race with the checks. */
	sigprocmask(SIG_BLOCK, &block, &sess_orig_mask);
}

int sess_run(const struct sess_setup *su)
{
	struct session *s = &sess;

	sess_init(s, su);

	for (;;) {
		struct datachan *dc = &s->dc;
		fd_set rd, wr;
		struct timespec ts;
		msec_t now = sess_now(), next;
		int maxfd = -1, n;

		sess_timers(s, now);
		if (!s->ending) {
			sess_client_lines(s);
			sess_origin_lines(s);
			/* A reply just taken off the pending list may let a
			 * waiting client line go (a PASV pipelined after
			 * TYPE, say); its bytes are read already, so no
			 * event would wake us for it. */
			if (s->client_blocked)
				sess_client_lines(s);
		}
		/* What the lines produced goes out now, not after one more
		 * select(): a relayed line costs one wakeup instead of two.
		 * Whatever the peer does not take waits for select(). */
		if (s->to_client.len > 0 && sess_flush_client(s) < 0)
			break;
		if (!s->ending && s->to_origin.len > 0 && !s->origin_eof &&
		    sess_flush_origin(s))
			s->origin_eof = 1;
		if (sess_check_end(s, now))
			break;
		next = sess_next_wakeup(s, now);

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		xp_fdset(&s->cx, !s->ending && !s->client_eof && lb_room(&s->cl) > 0,
			 s->to_client.len > 0, &rd, &wr, &maxfd);
		if (!s->ending) {
			xp_fdset(&s->ox, s->ofd >= 0 && !s->origin_eof && !s->held &&
				 lb_room(&s->ol) > 0, s->ofd >= 0 &&
				 s->to_origin.len > 0 && !s->origin_eof, &rd, &wr, &maxfd);
			for (int side = 0; side < 2; side++) {
				if (dc->pending[side] >= 0)
					fdset_add(dc->pending[side], &wr, &maxfd);
				if (dc->lfd[side] >= 0 && dc->state >= DC_READY)
					fdset_add(dc->lfd[side], &rd, &maxfd);
			}
			if (dc->state == DC_TRANSFER)
				relay_fdset(&dc->relay, &rd, &wr, &maxfd);
		}
		ts.tv_sec = (time_t)((next - now) / 1000);
		ts.tv_nsec = (long)((next - now) % 1000) * 1000000;
		n = pselect(maxfd + 1, &rd, &wr, NULL, &ts, &sess_orig_mask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "select: %s", strerror(errno));
			ctl_end(s, FTPR_EXIT_TEMP, NULL);
			break;
		}
		if (n == 0)
			continue;

		if (s->to_client.len > 0 && xp_can_write(&s->cx, &rd, &wr) &&
		    sess_flush_client(s) < 0)
			break;
		if (s->ending)
			continue;
		if (!s->client_eof && lb_room(&s->cl) > 0 &&
		    xp_can_read(&s->cx, &rd, &wr) && sess_read_client(s)) {
			s->client_eof = 1;
			s->client_eof_deadline = sess_now() + SESS_FLUSH_MS;
		}
		if (s->ofd >= 0 && !s->origin_eof && !s->held &&
		    lb_room(&s->ol) > 0 && xp_can_read(&s->ox, &rd, &wr) &&
		    sess_read_lines(&s->ox, &s->ol, "origin"))
			s->origin_eof = 1;
		if (s->ofd >= 0 && !s->origin_eof && xp_can_write(&s->ox, &rd, &wr) &&
		    sess_flush_origin(s))
			s->origin_eof = 1;
		for (int side = 0; side < 2; side++) {
			if (dc->pending[side] >= 0 && FD_ISSET(dc->pending[side], &wr))
				dc_connected(s, side);
			if (dc->lfd[side] >= 0 && FD_ISSET(dc->lfd[side], &rd))
				dc_accept(s, side);
		}
		if (dc->state == DC_TRANSFER && !dc->aborted) {
			long moved = relay_io(&dc->relay, &rd, &wr);

			if (moved < 0)
				dc_relay_failed(s, errno);
			else if (moved > 0)
				dc->last_progress = sess_now();
		}
	}

	/* A transfer cut short by the end of the session counts too. */
	s->bytes_up += s->dc.relay.dir[RELAY_CLIENT].bytes;
	s->bytes_down += s->dc.relay.dir[RELAY_ORIGIN].bytes;
	xfer_end(s, 0);
	dc_close(s);
	(void)xp_shutdown(&s->ox); /* close_notify, where TLS is on */
	sess_linger(s);
	log_msg(LOG_INFO, "session end: %lu transfers, %llu bytes to client, "
		"%llu bytes from client", s->transfers,
		(unsigned long long)s->bytes_down, (unsigned long long)s->bytes_up);
	return s->exit_code;
}

void sess_reply_now(int fd, const char *line)
{
	struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
	size_t len = strlen(line);

	/* Best effort: the client may be gone already. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)send(fd, line, len, MSG_NOSIGNAL);
}
