/* datachan.c - the data channel of a session: our listeners and
 * connections on both sides, the origin's half arranged with our own
 * EPSV/PASV or EPRT/PORT, the client answered, the relay started and
 * ended.  The select() loop in session.c drives it; nothing here blocks.
 * Each side is either a listener of ours (a passive client, an active
 * origin) or a connection we make (an active client, a passive origin). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "ppio.h"
#include "session-int.h"

/* SECURITY: strangers that connect to our listeners are refused and
 * logged, but a flood of them must not flood the log: the first few of a
 * data channel one by one, then a count at most this often and when the
 * channel closes. */
#define DC_REFUSED_LOGGED 3
#define DC_REFUSED_LOG_MS 10000

static char dc_buf_up[FTPR_DATA_BUF], dc_buf_down[FTPR_DATA_BUF];
static struct pp_reader dc_pp;

/* Once, before the loop: no descriptors, no transfer. */
void dc_init(struct session *s)
{
	s->dc.lfd[0] = s->dc.lfd[1] = -1;
	s->dc.pending[0] = s->dc.pending[1] = -1;
	s->dc.pp_listener = -1;
	relay_init(&s->dc.relay, dc_buf_up, dc_buf_down, sizeof(dc_buf_up),
		   FTPR_PIPE_SIZE);
}

/* Strangers turned away since the last summary, in one line. */
static void dc_log_refused(struct datachan *dc)
{
	if (dc->refused > 0)
		log_msg(LOG_WARNING, "%u more data connections refused (not the "
			"client or origin)", dc->refused);
	dc->refused = 0;
	dc->refused_next_log = sess_now() + DC_REFUSED_LOG_MS;
}

void dc_close(struct session *s)
{
	struct datachan *dc = &s->dc;

	dc_log_refused(dc);
	dc->refused_logged = 0;
	relay_close_pipes(&dc->relay);
	if (dc->pp_listener >= 0)
		close(dc->pp_listener);
	dc->pp_listener = -1;
	for (int side = 0; side < 2; side++) {
		xp_free(&dc->dx[side]);
		if (dc->lfd[side] >= 0)
			close(dc->lfd[side]);
		if (dc->pending[side] >= 0)
			close(dc->pending[side]);
		if (dc->relay.fd[side] >= 0)
			close(dc->relay.fd[side]);
		dc->lfd[side] = dc->pending[side] = -1;
		dc->deadline[side] = 0;
	}
	relay_init(&dc->relay, dc_buf_up, dc_buf_down, sizeof(dc_buf_up),
		   FTPR_PIPE_SIZE);
	dc->state = DC_NONE;
	dc->answered = 0;
	dc->prelim = 0;
	dc->aborted = 0;
	dc->delivered = 0;
	dc->origin_port = 0;
}

/* Every byte from the origin is at the client, acknowledged, and the
 * client has its EOF.  Bytes still in our send queue are not "at the
 * client": a 226 before they are acknowledged would start the idle clock
 * while a slow client is still reading (vsftpd lingers for the same
 * reason).  The queue emptying counts as progress for the data timeout. */
int dc_drained(struct session *s)
{
	struct datachan *dc = &s->dc;
	int q;

	s->drain_poll = 0;
	if (dc->aborted || dc->delivered)
		return 1;
	if (dc->relay.fd[RELAY_CLIENT] < 0 || !relay_dir_done(&dc->relay, RELAY_ORIGIN))
		return 0;
	q = net_unacked(dc->relay.fd[RELAY_CLIENT]);
	/* A TLS client that closed before our close_notify reached it
	 * resets the connection; every byte of data was handed over before,
	 * and the reset is its close (as in dc_relay_failed()). */
	if (q > 0 && dc->relay.xp[RELAY_CLIENT] != NULL &&
	    net_closed(dc->relay.fd[RELAY_CLIENT]))
		return 1;
	if (q > 0) {
		if (q != dc->unacked) {
			dc->unacked = q;
			dc->last_progress = sess_now();
		}
		s->drain_poll = 1; /* no event says "acknowledged": poll */
		return 0;
	}
	return 1;
}

int dc_transfer_running(const struct session *s)
{
	return s->dc.state == DC_TRANSFER && !s->dc.aborted;
}

/* The transfer's completion reply is about to reach the client. */
void dc_transfer_end(struct session *s)
{
	if (s->dc.state != DC_TRANSFER)
		return;
	s->transfers++;
	s->bytes_up += s->dc.relay.dir[RELAY_CLIENT].bytes;
	s->bytes_down += s->dc.relay.dir[RELAY_ORIGIN].bytes;
	dc_close(s);
	/* Idle time counts from the end of the transfer. */
	s->last_client = sess_now();
}

/* Cut both data connections with a reset, so that the origin reports the
 * transfer as failed instead of taking a truncated upload as complete. */
void dc_abort(struct session *s, const char *what, const char *detail)
{
	struct datachan *dc = &s->dc;

	if (detail != NULL)
		log_msg(LOG_WARNING, "data transfer aborted: %s (%s)", detail, what);
	else
		log_msg(LOG_WARNING, "data transfer aborted: %s", what);
	snprintf(dc->abort_what, sizeof(dc->abort_what), "%s", what);
	if (dc->pp_listener >= 0)
		close(dc->pp_listener);
	dc->pp_listener = -1;
	for (int side = 0; side < 2; side++) {
		if (dc->relay.fd[side] >= 0) {
			net_abort(dc->relay.fd[side]);
			dc->relay.fd[side] = -1;
		}
		if (dc->pending[side] >= 0) {
			net_abort(dc->pending[side]);
			dc->pending[side] = -1;
		}
		if (dc->lfd[side] >= 0) {
			close(dc->lfd[side]);
			dc->lfd[side] = -1;
		}
	}
	dc->aborted = 1;
	s->last_client = sess_now();
}

void dc_relay_failed(struct session *s, int err)
{
	struct datachan *dc = &s->dc;
	int side = dc->relay.failed;
	char what[64];

	/* A client that read a download to its end may close with a reset
	 * (SO_LINGER 0, as some clients do), often before its kernel
	 * acknowledged the last bytes (a delayed ACK, cancelled by the
	 * reset).  Once every byte was handed to its connection and the end
	 * passed on, the reset is the client's close, as it would be to the
	 * origin itself, and the origin's 226 is passed on.  A reset any
	 * earlier is a 426. */
	if (side == RELAY_CLIENT && relay_dir_done(&dc->relay, RELAY_ORIGIN)) {
		uint64_t sent = dc->relay.dir[RELAY_ORIGIN].bytes;
		uint64_t acked = net_acked(dc->relay.fd[RELAY_CLIENT]);

		log_msg(LOG_INFO, "client reset the data connection after the "
			"end of the download (%llu of %llu bytes acknowledged)",
			(unsigned long long)(acked < sent ? acked : sent),
			(unsigned long long)sent);
		close(dc->relay.fd[RELAY_CLIENT]);
		dc->relay.fd[RELAY_CLIENT] = -1;
		dc->delivered = 1;
		return;
	}
	if (dc->dx[side].truncated)
		snprintf(what, sizeof(what), "ended by the %s without TLS "
			 "close_notify", dc_side_name(side));
	else if (err == EACCES)
		snprintf(what, sizeof(what), "refused: not this session's TLS");
	else if (err == ECONNRESET || err == EPIPE)
		snprintf(what, sizeof(what), "reset by the %s", dc_side_name(side));
	else
		snprintf(what, sizeof(what), "failed on the %s's side",
			 dc_side_name(side));
	dc_abort(s, what, xp_is_tls(&dc->dx[side]) ? xp_error(&dc->dx[side]) :
		 strerror(err));
}

/* The data channel's deadlines: connections being made, a transfer
 * without progress, an answered channel that no transfer command used,
 * and the summary of refused strangers. */
void dc_timers(struct session *s, msec_t now)
{
	struct datachan *dc = &s->dc;
	const struct conf *cf = s->cf;
	char why[64];

	for (int side = 0; side < 2; side++) {
		if (dc->pending[side] < 0 || now < dc->deadline[side])
			continue;
		snprintf(why, sizeof(why), "connect to the %s", dc_side_name(side));
		if (dc->state == DC_TRANSFER) {
			dc_abort(s, "timed out", why);
		} else {
			log_msg(LOG_WARNING, "%s timed out", why);
			dc_fail(s, "425 Cannot open data connection to the %s.",
				dc_side_name(side));
		}
	}
	if (dc_transfer_running(s) &&
	    now >= dc->last_progress + SESS_MS(cf->data_timeout)) {
		snprintf(why, sizeof(why), "no progress for %d s", cf->data_timeout);
		dc_abort(s, "timed out", why);
	}
	if (dc->state == DC_READY && now >= dc->ready_deadline) {
		/* SECURITY: a listener is a door; it stays open only as long
		 * as a transfer may still come. */
		log_msg(LOG_NOTICE, "no transfer command within %d s: data "
			"connection closed", cf->data_timeout);
		dc_close(s);
		snprintf(s->dc_refusal, sizeof(s->dc_refusal), "425 Data "
			 "connection timed out; send PASV, EPSV, PORT or EPRT again.");
	}
	if (dc->refused > 0 && now >= dc->refused_next_log)
		dc_log_refused(dc);
}

msec_t dc_next_deadline(const struct session *s, msec_t next)
{
	const struct datachan *dc = &s->dc;

#define DC_NEXT(t) do { if ((t) < next) next = (t); } while (0)
	for (int side = 0; side < 2; side++)
		if (dc->pending[side] >= 0)
			DC_NEXT(dc->deadline[side]);
	if (dc_transfer_running(s))
		DC_NEXT(dc->last_progress + SESS_MS(s->cf->data_timeout));
	if (dc->state == DC_READY)
		DC_NEXT(dc->ready_deadline);
	if (dc->refused > 0)
		DC_NEXT(dc->refused_next_log);
	/* Decrypted bytes wait inside TLS where select() cannot see them. */
	if (dc_transfer_running(s) && relay_pending(&dc->relay))
		next = 0;
#undef DC_NEXT
	return next;
}

/* Setting up the data channel failed: the client gets the reply now, or,
 * when it was answered at once (dc_setup()), with its next transfer
 * command; a reply now would answer a command it never sent. */
void dc_fail(struct session *s, const char *fmt, ...)
{
	char line[SESS_REPLY_ROOM];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->pasv_proven = 0; /* the next one waits for the origin again */
	if (!s->dc.answered) {
		ctl_reply(s, "%s", line);
	} else if (line[0] == '4' || line[0] == '5') {
		snprintf(s->dc_refusal, sizeof(s->dc_refusal), "%s", line);
	} else {
		snprintf(s->dc_refusal, sizeof(s->dc_refusal), "425 The origin "
			 "gave no data port: %.200s", line);
	}
	dc_close(s);
}

const char *dc_side_name(int side)
{
	return side == RELAY_CLIENT ? "client" : "origin";
}

/* Start connecting one side's data connection. */
static int dc_connect(struct session *s, int side, const struct net_addr *to,
		      const struct net_addr *from)
{
	struct datachan *dc = &s->dc;
	char who[FTPR_ADDRSTR_MAX];
	int fd = net_connect_start(to, from);

	if (fd < 0) {
		log_msg(LOG_WARNING, "cannot connect to %s data address %s: %s",
			dc_side_name(side), net_addr_str(to, who, sizeof(who)),
			strerror(errno));
		return -1;
	}
	dc->pending[side] = fd;
	dc->deadline[side] = sess_now() + SESS_MS(s->cf->connect_timeout);
	return 0;
}

/* Does the origin connect to us (active mode towards the origin)? */
static int dc_origin_active(const struct session *s)
{
	switch (s->cf->origin_data_mode) {
	case ORIGIN_DATA_ACTIVE:
		return 1;
	case ORIGIN_DATA_CLIENT:
		return s->dc.client_active;
	default:
		return 0;
	}
}

/* Send the origin the command that sets up its side of the data channel:
 * EPSV (PASV where refused), or EPRT (PORT where refused) in active mode. */
static int dc_ask_origin(struct session *s)
{
	struct datachan *dc = &s->dc;
	char line[128];
	int n;

	if (!dc_origin_active(s)) {
		int epsv = !s->origin_no_epsv;

		out_put(&s->to_origin, epsv ? "EPSV\r\n" : "PASV\r\n", 6);
		pend_push(s, epsv ? PEND_EPSV : PEND_PASV);
		dc->state = DC_ASKED;
		return 0;
	}
	if (dc->lfd[RELAY_ORIGIN] < 0) {
		dc->lfd[RELAY_ORIGIN] = net_listen_range(&s->su->origin_local,
							 s->cf->pasv_lo, s->cf->pasv_hi,
							 &s->su->autoports,
							 &dc->lport[RELAY_ORIGIN]);
		if (dc->lfd[RELAY_ORIGIN] < 0) {
			log_msg(LOG_WARNING, "no port free in %u-%u for the origin: %s",
				s->cf->pasv_lo, s->cf->pasv_hi, strerror(errno));
			return -1;
		}
	}
	if (!s->origin_no_eprt) {
		char host[FTPR_ADDRSTR_MAX];

		net_host_str(&s->su->origin_local, host, sizeof(host));
		n = proto_format_eprt(line, sizeof(line),
				      net_family(&s->su->origin_local) == AF_INET6 ? 2 : 1,
				      host, dc->lport[RELAY_ORIGIN]);
		pend_push(s, PEND_EPRT);
	} else {
		uint8_t v4[4];

		if (net_ipv4(&s->su->origin_local, v4) < 0) {
			log_msg(LOG_WARNING, "origin refuses EPRT and PORT cannot "
				"name an IPv6 address");
			return -1;
		}
		n = proto_format_port(line, sizeof(line), v4, dc->lport[RELAY_ORIGIN]);
		pend_push(s, PEND_PORT);
	}
	out_put(&s->to_origin, line, (size_t)n);
	dc->state = DC_ASKED;
	return 0;
}

/* Answer the client's PASV/EPSV/PORT/EPRT. */
static void dc_answer(struct session *s)
{
	struct datachan *dc = &s->dc;
	char line[128];
	uint8_t v4[4];
	int n = -1;

	dc->answered = 1;
	switch (dc->client_cmd) {
	case CMD_EPSV:
		n = proto_format_229(line, sizeof(line), dc->lport[RELAY_CLIENT]);
		break;
	case CMD_PASV:
		net_ipv4(s->cf->has_pasv_address ? &s->cf->pasv_address :
			 &s->su->client_advertised, v4); /* checked at PASV */
		n = proto_format_227(line, sizeof(line), v4, dc->lport[RELAY_CLIENT]);
		break;
	default:
		n = snprintf(line, sizeof(line), "200 %s command successful.\r\n",
			     dc->client_cmd == CMD_PORT ? "PORT" : "EPRT");
		break;
	}
	if (n > 0 && out_put(&s->to_client, line, (size_t)n) == 0)
		s->last_code = ctl_code(line);
}

/* Both sides are arranged: the transfer command may go to the origin. */
static void dc_ready(struct session *s)
{
	s->dc.state = DC_READY;
	s->dc.ready_deadline = sess_now() + SESS_MS(s->cf->data_timeout);
	if (!s->dc.answered)
		dc_answer(s);
}

/* The origin answered our EPSV/PASV/EPRT/PORT. */
void dc_origin_answered(struct session *s, enum pend kind, int code)
{
	struct datachan *dc = &s->dc;
	struct net_addr a;

	if (dc->state != DC_ASKED)
		return;
	if ((kind == PEND_EPSV || kind == PEND_EPRT) && (code == 500 || code == 502)) {
		log_msg(LOG_INFO, "origin refuses %s; using %s from now on",
			kind == PEND_EPSV ? "EPSV" : "EPRT",
			kind == PEND_EPSV ? "PASV" : "PORT");
		if (kind == PEND_EPSV)
			s->origin_no_epsv = 1;
		else
			s->origin_no_eprt = 1;
		if (dc_ask_origin(s) < 0)
			dc_fail(s, "425 Cannot arrange a data connection with the origin.");
		return;
	}
	if (kind == PEND_EPRT || kind == PEND_PORT) {
		if (code >= 200 && code < 300)
			dc_ready(s);
		else
			dc_fail(s, "%s", s->injected_text);
		return;
	}
	if ((code != 227 && code != 229) || dc->origin_port == 0) {
		if (code == 227 || code == 229) {
			log_msg(LOG_WARNING, "cannot parse the origin's passive reply: %s",
				s->injected_text);
			dc_fail(s, "425 Cannot parse the origin's passive reply.");
		} else {
			/* Not logged in, and the like: the client should see
			 * the origin's own answer. */
			dc_fail(s, "%s", s->injected_text);
		}
		return;
	}
	/* SECURITY: only the port of the origin's reply is used; the
	 * address is always the origin's control address, so an origin
	 * cannot make us connect anywhere else (NAT, or malice). */
	if (dc->origin_port < 1024) {
		log_msg(LOG_WARNING, "origin offered privileged data port %u; refused",
			dc->origin_port);
		dc_fail(s, "425 Origin offered an invalid data port.");
		return;
	}
	a = s->su->origin_peer;
	net_set_port(&a, dc->origin_port);
	if (dc_connect(s, RELAY_ORIGIN, &a, NULL) < 0) {
		dc_fail(s, "425 Cannot open data connection to the origin.");
		return;
	}
	dc->state = DC_CONNECTING;
	s->pasv_proven = 1;
}

/* Side's data connection fd is up: hand it to the relay, over TLS
 * where that leg speaks it (ftps.c).  -1 when TLS cannot start. */
static int dc_attach(struct session *s, int side, int fd)
{
	struct datachan *dc = &s->dc;
	int tls = ftps_data(s, side, &dc->dx[side], fd);

	if (tls < 0) {
		close(fd);
		return -1;
	}
	dc->relay.fd[side] = fd;
	dc->relay.xp[side] = tls ? &dc->dx[side] : NULL;
	/* TLS bytes go through the buffers, both ways: splice() cannot
	 * encrypt or decrypt. */
	if (tls)
		dc->relay.dir[0].nosplice = dc->relay.dir[1].nosplice = 1;
	return 0;
}

/* A data connection we started is up, or failed. */
void dc_connected(struct session *s, int side)
{
	struct datachan *dc = &s->dc;
	int fd = dc->pending[side];
	int err = net_connect_result(fd);

	dc->pending[side] = -1;
	if (err != 0) {
		char why[128];

		close(fd);
		snprintf(why, sizeof(why), "cannot connect to the %s's data port: %s",
			 dc_side_name(side), strerror(err));
		if (dc->state == DC_TRANSFER) {
			char what[64];

			snprintf(what, sizeof(what), "%s by the %s",
				 err == ECONNREFUSED ? "refused" : "not opened",
				 dc_side_name(side));
			dc_abort(s, what, why);
		} else {
			log_msg(LOG_WARNING, "%s", why);
			dc_fail(s, "425 Cannot open data connection to the origin.");
		}
		return;
	}
	if (dc_attach(s, side, fd) < 0) {
		dc_fail(s, "425 Cannot start TLS on the data connection.");
		return;
	}
	dc->last_progress = sess_now();
	if (dc->state == DC_CONNECTING)
		dc_ready(s);
}

/* A data connection whose peer is known: take it, or turn it away. */
static void dc_take(struct session *s, int side, int fd,
		    const struct net_addr *peer)
{
	struct datachan *dc = &s->dc;
	const struct net_addr *expect = side == RELAY_CLIENT ?
		&s->su->client_peer : &s->su->origin_peer;
	char who[FTPR_ADDRSTR_MAX];

	/* SECURITY: only the client itself (or, in active mode, the origin)
	 * may take the data connection; anyone else who races for the port
	 * is turned away, and the listener keeps waiting. */
	if (!net_same_host(peer, expect)) {
		if (dc->refused_logged < DC_REFUSED_LOGGED) {
			dc->refused_logged++;
			log_msg(LOG_WARNING, "data connection from %s refused: not the %s",
				net_addr_str(peer, who, sizeof(who)), dc_side_name(side));
		} else if (dc->refused++ == 0) {
			dc->refused_next_log = sess_now() + DC_REFUSED_LOG_MS;
		}
		close(fd);
		return;
	}
	close(dc->lfd[side]);
	dc->lfd[side] = -1;
	if (dc_attach(s, side, fd) < 0) {
		if (dc->state == DC_TRANSFER)
			dc_abort(s, "not opened", "TLS cannot start");
		else
			dc_fail(s, "425 Cannot start TLS on the data connection.");
		return;
	}
	dc->last_progress = sess_now();
}

/* More of the PROXY header of a client data connection (topology (b):
 * the balancer forwards the data ports too).  The header's source is the
 * peer that dc_take() checks.  Bounded: FTPR_PP_V2_MAX bytes, and the
 * data (or idle) timeout of the transfer waiting for it. */
static void dc_pp_input(struct session *s)
{
	struct datachan *dc = &s->dc;
	int fd = dc->lfd[RELAY_CLIENT];
	struct pp_header h;
	const char *why = NULL;
	int r = pp_reader_step(&dc_pp, fd, &h, &why);

	if (r == 0)
		return;
	dc->lfd[RELAY_CLIENT] = dc->pp_listener;
	dc->pp_listener = -1;
	if (r < 0 || h.command == PP_CMD_LOCAL || h.family == AF_UNSPEC) {
		/* A health check of the data port closes quietly. */
		if (r < 0)
			log_msg(LOG_WARNING, "data connection: PROXY header: %s; "
				"closed", why);
		close(fd);
		return;
	}
	dc_take(s, RELAY_CLIENT, fd, &h.src);
}

/* A connection to one of our listeners. */
void dc_accept(struct session *s, int side)
{
	struct datachan *dc = &s->dc;
	struct net_addr peer;
	int fd;

	if (side == RELAY_CLIENT && dc->pp_listener >= 0) {
		dc_pp_input(s);
		return;
	}
	peer.len = sizeof(peer.ss);
	fd = accept4(dc->lfd[side], (struct sockaddr *)&peer.ss, &peer.len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			/* EMFILE and the like would wake select() forever. */
			char why[96];

			snprintf(why, sizeof(why), "accept: %s", strerror(errno));
			if (dc->state == DC_TRANSFER) {
				dc_abort(s, "not accepted", why);
			} else {
				log_msg(LOG_ERR, "%s", why);
				close(dc->lfd[side]);
				dc->lfd[side] = -1;
			}
		}
		return;
	}
	/* SECURITY: only a listed balancer's connection carries a header,
	 * and only its header can name the client. */
	if (side == RELAY_CLIENT && s->cf->pp_from_n > 0 &&
	    cidr_match_any(s->cf->pp_from, (size_t)s->cf->pp_from_n, &peer)) {
		dc->pp_listener = dc->lfd[side];
		dc->lfd[side] = fd;
		pp_reader_init(&dc_pp);
		dc_pp_input(s);
		return;
	}
	dc_take(s, side, fd, &peer);
}

/* The origin said 1xx: data is about to move. */
void dc_prelim(struct session *s)
{
	struct datachan *dc = &s->dc;

	if (dc->prelim)
		return;
	dc->prelim = 1;
	dc->last_progress = sess_now();
	/* The origin accepted the transfer command: its data connection's
	 * TLS handshake may start (ftps_data()). */
	dc->dx[RELAY_ORIGIN].hold = 0;
	/* Active client: only now do we connect to it, from the address it
	 * reached us at. */
	if (dc->client_active && dc->relay.fd[RELAY_CLIENT] < 0 &&
	    dc->pending[RELAY_CLIENT] < 0) {
		struct net_addr from = s->su->client_local;

		net_unmap(&from);
		net_set_port(&from, 0);
		/* Behind a balancer the client's family (its PROXY header)
		 * may differ from our end of the control connection. */
		if (dc_connect(s, RELAY_CLIENT, &dc->client_target,
			       net_family(&from) == net_family(&dc->client_target) ?
			       &from : NULL) < 0)
			dc_abort(s, "not opened to the client",
				 "cannot connect to the client");
	}
}

static int dc_client_family(const struct session *s)
{
	return net_family(&s->su->client_peer);
}

/* The client's side of a new data channel: check it, then ask the origin. */
static void dc_setup(struct session *s, enum proto_cmd cmd)
{
	const struct conf *cf = s->cf;

	s->dc.client_cmd = cmd;
	if (!s->dc.client_active) {
		s->dc.lfd[RELAY_CLIENT] = net_listen_range(&s->su->client_local,
							   cf->pasv_lo, cf->pasv_hi,
							   &s->su->autoports,
							   &s->dc.lport[RELAY_CLIENT]);
		if (s->dc.lfd[RELAY_CLIENT] < 0) {
			log_msg(LOG_WARNING, "no passive port free in %u-%u: %s",
				cf->pasv_lo, cf->pasv_hi, strerror(errno));
			ctl_reply(s, "425 No passive port available; try again later.");
			dc_close(s);
			return;
		}
	}
	if (dc_ask_origin(s) < 0) {
		ctl_reply(s, "425 No data port available; try again later.");
		dc_close(s);
		return;
	}
	/* An origin that gave us a passive port since the login will give
	 * another: answer now, and let the client's connect and transfer
	 * command travel while the origin answers (one round trip less per
	 * transfer).  Until the origin has answered, the client's next
	 * command waits; if the origin fails after all, that command gets
	 * the 425 (dc_fail()). */
	if (s->pasv_proven && !dc_origin_active(s))
		dc_answer(s);
}

/* PASV or EPSV from the client. */
void dc_passive(struct session *s, enum proto_cmd cmd, const char *arg,
		size_t arglen)
{
	const struct conf *cf = s->cf;
	uint8_t v4[4];
	int fam = dc_client_family(s);

	if (cmd == CMD_EPSV && arglen > 0) {
		if (arglen == 3 && strncasecmp(arg, "ALL", 3) == 0) {
			/* RFC 2428: from now on only EPSV sets up data. */
			s->epsv_all = 1;
			ctl_reply(s, "200 EPSV ALL ok.");
			return;
		}
		if (arglen != 1 || (arg[0] != '1' && arg[0] != '2')) {
			ctl_reply(s, "501 Syntax error in EPSV argument.");
			return;
		}
		if ((arg[0] == '1' && fam != AF_INET) ||
		    (arg[0] == '2' && fam != AF_INET6)) {
			ctl_reply(s, "522 Network protocol not supported, use (%d)",
				   fam == AF_INET6 ? 2 : 1);
			return;
		}
	}
	if (cmd == CMD_PASV) {
		if (s->epsv_all) {
			ctl_reply(s, "500 PASV not allowed after EPSV ALL.");
			return;
		}
		if (net_ipv4(cf->has_pasv_address ? &cf->pasv_address :
			     &s->su->client_advertised, v4) < 0) {
			ctl_reply(s, "425 PASV cannot name an IPv6 address; use EPSV.");
			return;
		}
	}
	if (fam != AF_INET && fam != AF_INET6) {
		ctl_reply(s, "425 Cannot open a data listener for this client.");
		return;
	}
	dc_close(s);
	s->dc_refusal[0] = '\0';
	s->dc.client_active = 0;
	dc_setup(s, cmd);
}

/* PORT or EPRT from the client. */
void dc_active(struct session *s, enum proto_cmd cmd, const char *arg,
	       size_t arglen)
{
	const char *name = cmd == CMD_PORT ? "PORT" : "EPRT";
	int fam = dc_client_family(s);
	struct net_addr target;
	char who[FTPR_ADDRSTR_MAX];
	uint16_t port;

	if (s->epsv_all) {
		ctl_reply(s, "500 %s not allowed after EPSV ALL.", name);
		return;
	}
	if (cmd == CMD_PORT) {
		uint8_t v4[4];
		char text[INET_ADDRSTRLEN];

		if (proto_parse_port(arg, arglen, v4, &port) < 0) {
			ctl_reply(s, "501 Syntax error in PORT argument.");
			return;
		}
		if (fam != AF_INET) {
			ctl_reply(s, "522 Network protocol not supported, use (2)");
			return;
		}
		snprintf(text, sizeof(text), "%u.%u.%u.%u", v4[0], v4[1], v4[2], v4[3]);
		net_parse_literal(text, &target);
	} else {
		char text[FTPR_ADDRSTR_MAX];
		int proto, r;

		r = proto_parse_eprt(arg, arglen, &proto, text, sizeof(text), &port);
		if (r == -2 || (r == 0 && proto != (fam == AF_INET6 ? 2 : 1))) {
			/* RFC 2428: name the protocol this connection can use. */
			ctl_reply(s, "522 Network protocol not supported, use (%d)",
				   fam == AF_INET6 ? 2 : 1);
			return;
		}
		/* An IPv4-mapped IPv6 address is an IPv4 address in |2|'s
		 * clothes, and no address at all in |1|: refused either way,
		 * so the connect never gets to bind() a family it cannot. */
		if (r < 0 || net_parse_literal(text, &target) < 0 ||
		    net_family(&target) != target.ss.ss_family ||
		    net_family(&target) != (proto == 2 ? AF_INET6 : AF_INET)) {
			ctl_reply(s, "501 Syntax error in EPRT argument.");
			return;
		}
	}
	net_set_port(&target, port);
	/* SECURITY: no FTP bounce (RFC 2577): we connect only to the
	 * client's own address, and never to a privileged port. */
	if (!net_same_host(&target, &s->su->client_peer)) {
		log_msg(LOG_WARNING, "%s to %s refused: not the client's address",
			name, net_addr_str(&target, who, sizeof(who)));
		ctl_reply(s, "500 Illegal %s command: the address must be your own.",
			   name);
		return;
	}
	if (port < 1024) {
		log_msg(LOG_WARNING, "%s to privileged port %u refused", name, port);
		ctl_reply(s, "500 Illegal %s command: the port must be 1024 or above.",
			   name);
		return;
	}
	dc_close(s);
	s->dc_refusal[0] = '\0';
	s->dc.client_active = 1;
	s->dc.client_target = target;
	dc_setup(s, cmd);
}
