/* ftps.c - FTPS (RFC 4217) on both legs.  Towards the client we are an
 * FTPS server: AUTH TLS (or SSL) and the handshake after its 234, PBSZ 0,
 * PROT C/P, CCC refused, and the --client-tls policy.  Towards the origin
 * we are an FTPS client: implicit TLS from the first byte, or our own AUTH
 * TLS after the greeting followed by PBSZ 0 and PROT P, before any client
 * line may pass.  The client's AUTH/PBSZ/PROT never reach the origin: each
 * leg's TLS is its own. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftps.h"
#include "log.h"
#include "session-int.h"
#include "xport.h"

int ftps_setup(const struct conf *cf, char *why, size_t whycap)
{
	const struct tls_ops *ops;

	if (cf->client_tls == CLIENT_TLS_OFF && cf->origin_tls == ORIGIN_TLS_OFF)
		return 0;
	if (xp_tls_load(cf->tls_module, why, whycap) < 0)
		return -1;
	ops = xp_tls_ops();
	if (cf->client_tls != CLIENT_TLS_OFF &&
	    ops->server_init(cf->tls_cert, cf->tls_key[0] != '\0' ? cf->tls_key :
			     cf->tls_cert, cf->client_tls_reuse, why, whycap) < 0)
		return -1;
	if (cf->origin_tls != ORIGIN_TLS_OFF &&
	    ops->client_init(cf->origin_tls_ca[0] != '\0' ? cf->origin_tls_ca : NULL,
			     cf->origin_tls_name[0] != '\0' ? cf->origin_tls_name :
			     cf->origin_host, cf->origin_tls_verify, why, whycap) < 0)
		return -1;
	return 0;
}

const char *ftps_origin_name(const struct conf *cf, const char *host)
{
	if (cf->origin_tls_name[0] != '\0')
		return cf->origin_tls_name;
	return host[0] != '\0' ? host : cf->origin_host;
}

/* TLS on the origin's control or data connection x, for the session's
 * origin; -1 when it cannot start. */
static int ftps_origin_tls(struct session *s, struct xport *x,
			   enum tls_role role)
{
	if (xp_tls(x, role) < 0)
		return -1;
	return xp_set_name(x, ftps_origin_name(s->cf, s->su->origin_host));
}

static void ftps_origin_prot(struct session *s);

void ftps_origin_attach(struct session *s, int fd, const struct xport *ready)
{
	const struct conf *cf = s->cf;

	xp_free(&s->ox);
	s->ftps.origin_logged = 0;
	if (ready != NULL && xp_is_tls(ready)) {
		/* login.c's connect did the greeting and the handshake. */
		s->ox = *ready;
		ftps_origin_prot(s);
		return;
	}
	xp_plain(&s->ox, fd, fd);
	s->ftps.origin = FTPS_O_GREETING;
	if (cf->origin_tls == ORIGIN_TLS_IMPLICIT) {
		/* The greeting comes after the handshake, within the
		 * greeting's deadline. */
		if (ftps_origin_tls(s, &s->ox, TLS_ORIGIN_CTRL) < 0)
			ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: "
				"TLS towards the FTP server failed.");
		s->ftps.origin_hs_deadline = s->greet_deadline;
	}
}

int ftps_origin_handshake(const struct conf *cf, struct xport *x,
			  const char *host, int64_t deadline, char *why,
			  size_t whycap)
{
	if (xp_tls(x, TLS_ORIGIN_CTRL) < 0 ||
	    xp_set_name(x, ftps_origin_name(cf, host)) < 0) {
		snprintf(why, whycap, "TLS cannot start: %s", strerror(errno));
		return -1;
	}
	while (xp_handshake(x) < 0) {
		int w;

		if (errno != EAGAIN) {
			snprintf(why, whycap, "%s", xp_error(x));
			return -1;
		}
		w = net_wait(x->rfd, xp_wait_write(x, 0), deadline, &sess_orig_mask);
		if (w < 0)
			return -2;
		if (w == 0) {
			snprintf(why, whycap, "TLS handshake did not complete "
				 "within %d s", cf->connect_timeout);
			return -1;
		}
	}
	return 0;
}

void ftps_init(struct session *s)
{
	const struct conf *cf = s->cf;
	msec_t now = sess_now();

	if (cf->origin_tls != ORIGIN_TLS_OFF && !cf->origin_tls_verify)
		log_msg(LOG_WARNING, "origin-tls-verify no: the origin's TLS "
			"certificate is NOT verified (anyone in between can read "
			"and change this session)");
	if (cf->client_tls == CLIENT_TLS_IMPLICIT) {
		if (xp_tls(&s->cx, TLS_CLIENT_CTRL) < 0)
			ctl_end(s, FTPR_EXIT_TEMP, NULL);
		s->ftps.client_hs_deadline = now + SESS_MS(cf->connect_timeout);
	}
	if (s->ofd >= 0)
		ftps_origin_attach(s, s->ofd, &s->su->origin_x);
}

static int ftps_client_tls(const struct session *s)
{
	return xp_is_tls(&s->cx) || xp_armed(&s->cx);
}

int ftps_serialises(enum proto_cmd cmd)
{
	return cmd == CMD_AUTH || cmd == CMD_PBSZ || cmd == CMD_PROT ||
	       cmd == CMD_CCC;
}

static int ftps_auth(struct session *s, const char *arg, size_t arglen)
{
	const struct conf *cf = s->cf;

	if (cf->client_tls == CLIENT_TLS_OFF) {
		/* A TLS control channel could not be read, and so not
		 * rewritten: clients fall back to plain FTP on this. */
		ctl_reply(s, "534 AUTH is not supported by this proxy; "
			  "continue without TLS.");
		return 1;
	}
	if (ftps_client_tls(s)) {
		ctl_reply(s, "503 TLS is already on.");
		return 1;
	}
	if (s->ftps.user_sent) {
		ctl_reply(s, "503 AUTH must come before USER.");
		return 1;
	}
	if (!((arglen == 3 && (strncasecmp(arg, "TLS", 3) == 0 ||
			       strncasecmp(arg, "SSL", 3) == 0)) ||
	      (arglen == 5 && (strncasecmp(arg, "TLS-C", 5) == 0 ||
			       strncasecmp(arg, "TLS-P", 5) == 0)))) {
		ctl_reply(s, "504 AUTH TLS (or SSL) only.");
		return 1;
	}
	/* SECURITY: bytes that came with AUTH, after its line, were sent in
	 * clear and would be taken as protected (the STARTTLS injection of
	 * CVE-2011-0411): the session ends. */
	if (s->cl.len > s->cl.consumed) {
		log_msg(LOG_WARNING, "client sent %zu bytes in clear after AUTH "
			"TLS: closing", s->cl.len - s->cl.consumed);
		ctl_end(s, FTPR_EXIT_OK, "421 Bytes after AUTH TLS; closing.");
		return 1;
	}
	ctl_reply(s, "234 Proceed with negotiation.");
	/* TLS starts once the 234 is written (out_flush()). */
	xp_arm(&s->cx, TLS_CLIENT_CTRL);
	s->ftps.client_hs_deadline = sess_now() + SESS_MS(cf->connect_timeout);
	return 1;
}

int ftps_command(struct session *s, enum proto_cmd cmd, const char *arg,
		 size_t arglen)
{
	const struct conf *cf = s->cf;
	int tls = ftps_client_tls(s);

	switch (cmd) {
	case CMD_AUTH:
		return ftps_auth(s, arg, arglen);
	case CMD_PBSZ:
		if (!tls)
			ctl_reply(s, "503 PBSZ needs AUTH TLS first.");
		else
			ctl_reply(s, "200 PBSZ=0");
		return 1;
	case CMD_PROT:
		if (!tls) {
			ctl_reply(s, "503 PROT needs AUTH TLS first.");
		} else if (arglen == 1 && (arg[0] == 'C' || arg[0] == 'c')) {
			s->ftps.prot_p = 0;
			ctl_reply(s, "200 Protection level set to Clear.");
		} else if (arglen == 1 && (arg[0] == 'P' || arg[0] == 'p')) {
			s->ftps.prot_p = 1;
			ctl_reply(s, "200 Protection level set to Private.");
		} else if (arglen == 1 && strchr("SEse", arg[0]) != NULL) {
			ctl_reply(s, "536 Only PROT C and PROT P are supported.");
		} else {
			ctl_reply(s, "504 Unknown protection level.");
		}
		return 1;
	case CMD_CCC:
		/* SECURITY: the rest of the session would go in clear,
		 * passwords and our rewritten replies included. */
		ctl_reply(s, "534 CCC refused: the control connection stays "
			  "protected.");
		return 1;
	case CMD_USER:
	case CMD_PASS:
		/* SECURITY: --client-tls required: no password in clear. */
		if (cf->client_tls == CLIENT_TLS_REQUIRED && !tls) {
			ctl_reply(s, "530 TLS required: send AUTH TLS first.");
			return 1;
		}
		if (cmd == CMD_USER)
			s->ftps.user_sent = 1;
		return 0;
	case CMD_FEAT:
		/* No origin yet (routing answers FEAT itself before USER: it
		 * adds ftps_feat_ours_lines()), or nothing of ours to say. */
		if (s->ofd < 0 ||
		    (cf->client_tls == CLIENT_TLS_OFF && cf->origin_tls == ORIGIN_TLS_OFF))
			return 0;
		/* Relayed, but its TLS lines are ours (ftps_feat_line()). */
		out_put(&s->to_origin, "FEAT\r\n", 6);
		pend_push(s, PEND_FEAT);
		s->ftps.feat_lines = 0;
		return 1;
	default:
		if (proto_cmd_is_transfer(cmd) && cf->client_tls == CLIENT_TLS_REQUIRED &&
		    !s->ftps.prot_p) {
			ctl_reply(s, "521 Data connections must be protected: "
				  "send PROT P.");
			return 1;
		}
		return 0;
	}
}

int ftps_blocks(const struct session *s)
{
	if (s->cf->origin_tls != ORIGIN_TLS_OFF && s->ofd >= 0 &&
	    s->ftps.origin != FTPS_O_TLS)
		return 1;
	return xp_armed(&s->cx) || !xp_ready(&s->cx);
}

static int ftps_feat_ours(const char *line, size_t len)
{
	static const char *const ours[] = { "AUTH", "PBSZ", "PROT", "CCC" };

	if (len < 2 || line[0] != ' ')
		return 0;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		size_t n = strlen(ours[i]);

		if (len >= n + 1 && strncasecmp(line + 1, ours[i], n) == 0 &&
		    (len == n + 1 || line[n + 1] == ' '))
			return 1;
	}
	return 0;
}

void ftps_feat_ours_lines(struct session *s)
{
	enum client_tls mode = s->cf->client_tls;

	if (mode == CLIENT_TLS_OFF)
		return;
	if (mode != CLIENT_TLS_IMPLICIT)
		out_line(&s->to_client, " AUTH TLS", 9);
	out_line(&s->to_client, " PBSZ", 5);
	out_line(&s->to_client, " PROT", 5);
}

int ftps_feat_line(struct session *s, const char *line, size_t len, int last)
{
	s->ftps.feat_lines++;
	if (!last)
		return ftps_feat_ours(line, len);
	if (s->ftps.feat_lines > 1)
		ftps_feat_ours_lines(s);
	s->ftps.feat_lines = 0;
	return 0;
}

/* PBSZ 0 and PROT P to the origin; client lines may queue behind them
 * now, and go out encrypted. */
static void ftps_origin_prot(struct session *s)
{
	out_put(&s->to_origin, "PBSZ 0\r\nPROT P\r\n", 16);
	pend_push(s, PEND_PBSZ);
	pend_push(s, PEND_PROT);
	s->ftps.origin = FTPS_O_TLS;
}

void ftps_origin_reply(struct session *s, enum pend head, int code)
{
	const struct conf *cf = s->cf;

	switch (head) {
	case PEND_GREETING:
		/* (An origin from an --origin list is on TLS already.) */
		if (cf->origin_tls == ORIGIN_TLS_OFF || code != 220 ||
		    s->ftps.origin != FTPS_O_GREETING)
			return;
		if (cf->origin_tls == ORIGIN_TLS_IMPLICIT) {
			/* Implicit TLS protects the data connections only
			 * after PROT P too. */
			ftps_origin_prot(s);
			return;
		}
		out_put(&s->to_origin, "AUTH TLS\r\n", 10);
		pend_push(s, PEND_AUTH);
		s->ftps.origin = FTPS_O_AUTH;
		return;
	case PEND_AUTH:
		if (code != 234) {
			log_msg(LOG_ERR, "origin refused AUTH TLS: %s", s->injected_text);
			ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: the "
				"FTP server refused TLS.");
			return;
		}
		/* SECURITY: bytes after the 234 came in clear. */
		if (lb_pending(&s->ol) > 0) {
			log_msg(LOG_ERR, "origin sent bytes in clear after 234: closing");
			ctl_end(s, FTPR_EXIT_TEMP, "421 Origin sent an invalid reply.");
			return;
		}
		if (ftps_origin_tls(s, &s->ox, TLS_ORIGIN_CTRL) < 0) {
			log_msg(LOG_ERR, "TLS towards the origin cannot start");
			ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: "
				"TLS towards the FTP server failed.");
			return;
		}
		s->ftps.origin_hs_deadline = sess_now() + SESS_MS(cf->connect_timeout);
		/* Sent once the handshake is done (xp_write() does it first). */
		ftps_origin_prot(s);
		return;
	case PEND_PBSZ:
	case PEND_PROT:
		if (code >= 200 && code < 300)
			return;
		log_msg(LOG_ERR, "origin refused %s: %s",
			head == PEND_PBSZ ? "PBSZ 0" : "PROT P", s->injected_text);
		ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: the FTP "
			"server refused protected data connections.");
		return;
	default:
		return;
	}
}

static void ftps_log_ready(struct xport *x, int *logged, const char *who)
{
	char info[128];

	if (*logged || !xp_is_tls(x) || !xp_ready(x))
		return;
	*logged = 1;
	log_msg(LOG_INFO, "TLS with the %s: %s", who, xp_info(x, info, sizeof(info)));
	/* The handshake's temporary memory back to the system: an idle
	 * session keeps only what its connections hold. */
	malloc_trim(0);
}

void ftps_timers(struct session *s, int64_t now)
{
	ftps_log_ready(&s->cx, &s->ftps.client_logged, "client");
	ftps_log_ready(&s->ox, &s->ftps.origin_logged, "origin");
	if (s->ending)
		return;
	if ((xp_armed(&s->cx) || !xp_ready(&s->cx)) &&
	    now >= s->ftps.client_hs_deadline) {
		/* Nothing can be said to a client that speaks no TLS yet. */
		log_msg(LOG_WARNING, "TLS handshake with the client did not "
			"complete within %d s: closing", s->cf->connect_timeout);
		ctl_end(s, FTPR_EXIT_OK, NULL);
	} else if (!xp_ready(&s->ox) && now >= s->ftps.origin_hs_deadline) {
		log_msg(LOG_ERR, "TLS handshake with the origin did not complete "
			"within %d s", s->cf->connect_timeout);
		ctl_end(s, FTPR_EXIT_TEMP, "421 Origin did not answer; try again "
			"later.");
	}
}

int64_t ftps_next_deadline(const struct session *s, int64_t now,
			     int64_t next)
{
	if ((xp_armed(&s->cx) || !xp_ready(&s->cx)) && s->ftps.client_hs_deadline < next)
		next = s->ftps.client_hs_deadline;
	if (!xp_ready(&s->ox) && s->ftps.origin_hs_deadline < next)
		next = s->ftps.origin_hs_deadline;
	/* Decrypted bytes wait inside TLS where select() cannot see them. */
	if ((!s->client_eof && lb_room(&s->cl) > 0 && xp_pending(&s->cx) > 0) ||
	    (!s->origin_eof && !s->held && lb_room(&s->ol) > 0 &&
	     xp_pending(&s->ox) > 0))
		next = now;
	return next;
}

int ftps_data(struct session *s, int side, struct xport *x, int fd)
{
	xp_plain(x, fd, fd);
	if (side == RELAY_CLIENT) {
		if (!s->ftps.prot_p)
			return 0;
		return xp_tls(x, TLS_CLIENT_DATA) < 0 ? -1 : 1;
	}
	if (s->cf->origin_tls == ORIGIN_TLS_OFF)
		return 0;
	/* The control connection's name: its certificate, if the origin
	 * does not resume the session. */
	if (ftps_origin_tls(s, x, TLS_ORIGIN_DATA) < 0)
		return -1;
	/* A download cut short must not look complete. */
	x->strict_eof = 1;
	/* The handshake starts once the origin accepted the transfer
	 * command (1xx): vsftpd answers the data connection only then. */
	x->hold = !s->dc.prelim;
	return 1;
}
