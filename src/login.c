/* login.c - per-user routing in the session: the pre-login phase (our own
 * greeting and answers before USER), the route lookup at USER, the
 * connection to the chosen origin (failover, greeting consumed, TLS with
 * --origin-tls) and the switch to another origin at a later USER.
 *
 * The route sources are opened at set-up (login_open(), before the
 * lock-down); after it a lookup makes no system call but the origin
 * connect (and the lookup service's GET, routeurl.c and its module).  The connect
 * waits here, bounded by --connect-timeout per origin, instead of in the
 * session loop: before the origin is known there is nothing else for the
 * session to do, and a later USER waits for every earlier reply first. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "ppio.h"
#include "login.h"
#include "resolver.h"
#include "route.h"
#include "routeurl.h"
#include "session-int.h"

/* One session per process, like session.c's. */
static struct {
	struct sess_setup *su;  /* main.c's, which the data channel reads */
	struct route_map map;
	struct route fallback;  /* --origin, resolved at set-up */
	struct route_url url;   /* --route-url */
	int noroute;            /* the last USER had no route: PASS gets 530 */
} login;

/* --origin (a list of HOST[:PORT]): literals, or names resolved now
 * (never after the lock-down), every address in turn, into r; r->host[i]
 * is HOST as given for r->origin[i] (the name its certificate must
 * carry, with --origin-tls). */
static int login_resolve_origins(const struct conf *cf, struct route *r,
				 char *err, size_t errcap)
{
	const char *p = cf->origin_list;

	memset(r, 0, sizeof(*r));
	while (*p != '\0' && r->n < FTPR_ROUTE_ORIGINS_MAX) {
		char item[FTPR_HOST_MAX], host[FTPR_HOST_MAX], service[8];
		size_t n = strcspn(p, ",");
		struct addrinfo hints, *res, *ai;
		uint16_t port;
		int e;

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, p, n);
		item[n] = '\0';
		p += n;
		if (*p == ',')
			p++;
		if (cfg_parse_hostport(item, host, sizeof(host), &port) < 0)
			continue; /* conf.c checked every item */
		if (net_parse_literal(host, &r->origin[r->n]) == 0) {
			(void)route_add_origin(r, host, port);
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		snprintf(service, sizeof(service), "%u", port);
		e = getaddrinfo(host, service, &hints, &res);
		if (e != 0) {
			snprintf(err, errcap, "cannot resolve %s: %s", host,
				 gai_strerror(e));
			continue; /* the other origins may do */
		}
		for (ai = res; ai != NULL && r->n < FTPR_ROUTE_ORIGINS_MAX;
		     ai = ai->ai_next) {
			if (ai->ai_addrlen > sizeof(r->origin[0].ss))
				continue;
			memcpy(&r->origin[r->n].ss, ai->ai_addr, ai->ai_addrlen);
			r->origin[r->n].len = ai->ai_addrlen;
			snprintf(r->host[r->n], sizeof(r->host[r->n]), "%s", host);
			r->port[r->n] = port;
			r->n++;
		}
		freeaddrinfo(res);
	}
	return r->n > 0 ? 0 : -1;
}

int login_open(const struct conf *cf, char *err, size_t errcap)
{
	if (cf->route_map[0] != '\0' &&
	    route_map_open(&login.map, cf->route_map, err, errcap) < 0)
		return -1;
	if (cf->route_url[0] != '\0' &&
	    route_url_setup(&login.url, cf, err, errcap) < 0)
		return -1;
	return 0;
}

void login_setup(struct sess_setup *su)
{
	const struct conf *cf = su->cf;
	char why[512];

	login.su = su;
	su->origin = -1;
	/* Host names in routes are resolved after the lock-down, from
	 * what this reads now. */
	resolver_setup(why, sizeof(why));
	if (why[0] != '\0')
		log_msg(LOG_WARNING, "%s", why);
	/* A fallback that does not resolve is a warning: the users that
	 * the other sources route are served all the same. */
	why[0] = '\0';
	if (cf->origin_list[0] != '\0' &&
	    login_resolve_origins(cf, &login.fallback, why, sizeof(why)) < 0)
		log_msg(LOG_WARNING, "--origin: %s; no route of last resort", why);
}

/* ---- before USER ------------------------------------------------------- */

void login_start(struct session *s)
{
	if (!s->su->greeted) /* else main.c sent it during set-up */
		ctl_reply(s, "220 %s", s->cf->welcome);
}

int login_serialises(const struct session *s, enum proto_cmd cmd)
{
	/* A USER that may switch origins waits for every earlier reply. */
	return s->cf->routing && cmd == CMD_USER;
}

static int login_verb(const char *line, size_t len, const char *verb)
{
	size_t n = strlen(verb);

	if (len < n || (len > n && line[n] != ' '))
		return 0;
	return strncasecmp(line, verb, n) == 0;
}

/* What a client sends before logging in, answered by us. */
static void login_before(struct session *s, enum proto_cmd cmd,
			 const char *line, size_t len, const char *arg,
			 size_t arglen)
{
	if (cmd == CMD_QUIT) {
		ctl_end(s, FTPR_EXIT_OK, "221 Goodbye.");
	} else if (cmd == CMD_PASS && login.noroute) {
		/* SECURITY: exactly what a wrong password gets, so that
		 * the map cannot be probed for names. */
		login.noroute = 0;
		ctl_reply(s, "530 Login incorrect.");
	} else if (cmd == CMD_PASS) {
		ctl_reply(s, "503 Login with USER first.");
	} else if (login_verb(line, len, "FEAT")) {
		ctl_reply(s, "211-Features:");
		ctl_reply(s, " EPRT");
		ctl_reply(s, " EPSV");
		ctl_reply(s, " PASV");
		ctl_reply(s, " UTF8");
		ftps_feat_ours_lines(s); /* AUTH TLS, PBSZ, PROT */
		ctl_reply(s, "211 End");
	} else if (login_verb(line, len, "SYST")) {
		ctl_reply(s, "215 UNIX Type: L8");
	} else if (login_verb(line, len, "NOOP")) {
		ctl_reply(s, "200 NOOP ok.");
	} else if (login_verb(line, len, "HELP")) {
		ctl_reply(s, "214 Log in with USER; the server's help follows login.");
	} else if (login_verb(line, len, "OPTS")) {
		if (arglen == 7 && strncasecmp(arg, "UTF8 ON", 7) == 0)
			ctl_reply(s, "200 Always in UTF8 mode.");
		else
			ctl_reply(s, "501 Option not understood.");
	} else {
		ctl_reply(s, "530 Please log in with USER first.");
	}
}

/* ---- the origin -------------------------------------------------------- */

/* End the origin session: QUIT, close, forget its state. */
static void login_drop_origin(struct session *s)
{
	if (s->ofd < 0)
		return;
	/* Through its TLS, if on, and then close_notify: never in clear. */
	(void)xp_write(&s->ox, "QUIT\r\n", 6);
	if (xp_is_tls(&s->ox))
		(void)xp_shutdown(&s->ox);
	xp_free(&s->ox);
	xp_plain(&s->ox, -1, -1);
	close(s->ofd);
	s->ofd = login.su->origin = -1;
	dc_close(s);
	lb_init(&s->ol, s->olbuf, sizeof(s->olbuf), FTPR_REPLY_LINE_MAX);
	memset(&s->rs, 0, sizeof(s->rs));
	s->to_origin.len = 0;
	s->origin_eof = s->origin_no_epsv = s->origin_no_eprt = s->epsv_all = 0;
	s->swallow = s->held = 0;
	s->dc_refusal[0] = '\0';
}

/* Read one whole reply from x through lb (what follows it stays there),
 * by deadline; each line also goes to keep, with CRLF, when keep is not
 * NULL.  Its code, with its last line in last; -1 (failed, logged) or -2
 * (interrupted).  what names the reply for the log ("greeting"). */
static int login_reply(struct xport *x, struct linebuf *lb, msec_t deadline,
		       int timeout_s, const char *who, const char *what,
		       char *keep, size_t keepcap, size_t *keeplen,
		       char *last, size_t lastcap)
{
	struct proto_reply rs = { 0, 0 };

	for (;;) {
		const char *line;
		size_t len;
		enum lb_status st;
		ssize_t n;
		int w;

		while ((st = lb_peek(lb, &line, &len)) != LB_NONE) {
			enum proto_line r = st == LB_LINE ?
				proto_reply_line(&rs, line, len) : PROTO_LINE_BAD;

			if (r == PROTO_LINE_BAD) {
				log_msg(LOG_WARNING, "origin %s: invalid %s", who, what);
				return -1;
			}
			if (keep != NULL && *keeplen + len + 2 <= keepcap) {
				memcpy(keep + *keeplen, line, len);
				memcpy(keep + *keeplen + len, "\r\n", 2);
				*keeplen += len + 2;
			}
			snprintf(last, lastcap, "%.*s", (int)len, line);
			lb_consume(lb);
			if (r == PROTO_LINE_LAST)
				return rs.code;
		}
		/* Decrypted bytes inside TLS: select() cannot see them. */
		w = xp_pending(x) > 0 ? 1 :
			net_wait(x->rfd, xp_wait_write(x, 0), deadline, &sess_orig_mask);
		if (w <= 0) {
			if (w == 0)
				log_msg(LOG_WARNING, "origin %s sent no %s within %d s",
					who, what, timeout_s);
			return w < 0 ? -2 : -1;
		}
		n = xp_read(x, lb_tail(lb), lb_room(lb));
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
			log_msg(LOG_WARNING, "origin %s closed before its %s: %s", who,
				what, n == 0 ? "end of file" : xp_error(x));
			return -1;
		}
		if (n > 0)
			lb_commit(lb, (size_t)n);
	}
}

/* --origin-tls explicit, after the greeting: our AUTH TLS, its 234, the
 * handshake.  0, -1 (failed, logged) or -2 (interrupted). */
static int login_auth_tls(const struct conf *cf, struct xport *x,
			  struct linebuf *lb, const char *host, const char *who)
{
	msec_t deadline = sess_now() + SESS_MS(cf->connect_timeout);
	char last[81], why[300];
	int code;

	/* SECURITY: the one line that goes to it in clear. */
	if (send(x->wfd, "AUTH TLS\r\n", 10, MSG_NOSIGNAL) != 10) {
		log_msg(LOG_WARNING, "origin %s: cannot send AUTH TLS: %s", who,
			strerror(errno));
		return -1;
	}
	code = login_reply(x, lb, deadline, cf->connect_timeout, who,
			   "reply to AUTH TLS", NULL, 0, NULL, last, sizeof(last));
	if (code < 0)
		return code;
	if (code != 234) {
		log_msg(LOG_WARNING, "origin %s refused AUTH TLS: %s", who, last);
		return -1;
	}
	/* SECURITY: bytes after the 234 came in clear, and would be taken
	 * for protected ones. */
	if (lb_pending(lb) > 0) {
		log_msg(LOG_WARNING, "origin %s sent bytes in clear after 234", who);
		return -1;
	}
	code = ftps_origin_handshake(cf, x, host, deadline, why, sizeof(why));
	if (code == -1)
		log_msg(LOG_WARNING, "origin %s: %s", who, why);
	return code;
}

/* Connect to a (host: its name as the route or --origin gave it, or the
 * literal's text), with --origin-tls implicit start TLS, consume its
 * greeting, with --origin-tls explicit secure it with AUTH TLS; the
 * transport in x (TLS when --origin-tls).  The greeting is read through
 * lb (what follows it, nothing normally, stays there); each greeting line
 * also goes to keep, with CRLF, when keep is not NULL.  The fd, -1
 * (failed, logged: the caller tries the next origin) or -2 (interrupted).
 * Every wait is bounded by --connect-timeout: the connect and the
 * greeting, and (from their start) the TLS handshake and AUTH TLS. */
static int login_connect_one(const struct sess_setup *su,
			     const struct net_addr *a, const char *host,
			     struct linebuf *lb, char *keep, size_t keepcap,
			     size_t *keeplen, struct xport *x)
{
	const struct conf *cf = su->cf;
	int timeout_s = cf->connect_timeout;
	msec_t deadline = sess_now() + SESS_MS(timeout_s);
	char who[FTPR_ADDRSTR_MAX], last[81], why[300];
	size_t kept = 0;
	int fd, w, e, rc;

	net_addr_str(a, who, sizeof(who));
	xp_plain(x, -1, -1);
	fd = net_connect_start(a, NULL);
	if (fd < 0) {
		log_msg(LOG_WARNING, "origin %s: %s", who, strerror(errno));
		return -1;
	}
	w = net_wait(fd, 1, deadline, &sess_orig_mask);
	e = w > 0 ? net_connect_result(fd) : ETIMEDOUT;
	if (w < 0 || e != 0) {
		if (w >= 0)
			log_msg(LOG_WARNING, "origin %s: %s", who, strerror(e));
		close(fd);
		return w < 0 ? -2 : -1;
	}
	/* --origin-proxy-protocol: the header comes before the greeting. */
	if (cf->origin_pp != 0 &&
	    pp_send_header(fd, cf->origin_pp, &su->client_peer) < 0) {
		log_msg(LOG_WARNING, "origin %s: cannot send the PROXY header: %s",
			who, strerror(errno));
		close(fd);
		return -1;
	}
	xp_plain(x, fd, fd);
	if (cf->origin_tls == ORIGIN_TLS_IMPLICIT) {
		/* The greeting comes inside TLS, by the handshake's deadline. */
		deadline = sess_now() + SESS_MS(timeout_s);
		rc = ftps_origin_handshake(cf, x, host, deadline, why, sizeof(why));
		if (rc == -1)
			log_msg(LOG_WARNING, "origin %s: %s", who, why);
		if (rc < 0)
			goto fail;
	}
	rc = login_reply(x, lb, deadline, timeout_s, who, "greeting", keep,
			 keepcap, &kept, last, sizeof(last));
	if (keeplen != NULL)
		*keeplen = kept;
	if (rc > 0 && rc != 220)
		log_msg(LOG_WARNING, "origin %s greeted with: %s", who, last);
	if (rc != 220) {
		rc = rc == -2 ? -2 : -1;
		goto fail;
	}
	if (cf->origin_tls == ORIGIN_TLS_EXPLICIT &&
	    (rc = login_auth_tls(cf, x, lb, host, who)) < 0)
		goto fail;
	return fd;
fail:
	xp_free(x);
	xp_plain(x, -1, -1);
	close(fd);
	lb_init(lb, lb->buf, lb->cap, lb->max);
	return rc;
}

/* Try the route's origins in order; 0 connected, -1 all failed (the
 * session ends with 421), -2 interrupted.  hosts: the names the origins
 * were given (--origin), or NULL (address literals). */
static int login_connect(struct session *s, const struct route *r)
{
	char who[FTPR_ADDRSTR_MAX];
	struct resolver_iter it = { 0 };
	struct net_addr a;
	int more;

	/* Each origin in turn; a host name's addresses in turn, each like
	 * an origin of the list (one that does not resolve is a failed
	 * origin, logged). */
	while ((more = resolver_next(r, &it, s->cf->connect_timeout,
				     &sess_orig_mask, &a)) > 0) {
		struct xport x;
		/* The host as the route named it: its TLS certificate's. */
		char *host = login.su->origin_host;
		int fd;

		if (r->host[it.i][0] != '\0')
			snprintf(host, FTPR_HOST_MAX, "%s", r->host[it.i]);
		else
			net_host_str(&a, host, FTPR_HOST_MAX);
		fd = login_connect_one(s->su, &a, host, &s->ol, NULL, 0, NULL, &x);
		if (fd == -2)
			return -2;
		if (fd < 0)
			continue;
		s->ofd = login.su->origin = fd;
		ftps_origin_attach(s, fd, &x); /* TLS done: PBSZ 0, PROT P */
		/* The address we connected to: no getpeername() needed. */
		login.su->origin_peer = a;
		net_local(fd, &login.su->origin_local);
		net_set_nonblock(fd);
		net_tune_control(fd);
		log_msg(LOG_INFO, "origin %s",
			net_addr_str(&login.su->origin_peer, who, sizeof(who)));
		return 0;
	}
	login.su->origin_host[0] = '\0';
	if (more < 0)
		return -2;
	log_msg(LOG_ERR, "every origin of the route failed");
	ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: cannot reach "
		 "the FTP server; try again later.");
	return -1;
}

/* Is the session's origin one of the route's? */
static int login_same_origin(const struct session *s, const struct route *r)
{
	const struct net_addr *cur = &login.su->origin_peer;

	if (s->ofd < 0)
		return 0;
	for (unsigned i = 0; i < r->n; i++)
		if (r->named[i] ?
		    /* The same name, not resolved again. */
		    strcasecmp(r->host[i], login.su->origin_host) == 0 &&
		    r->port[i] == net_port(cur) :
		    net_same_host(cur, &r->origin[i]) &&
		    net_port(cur) == net_port(&r->origin[i]))
			return 1;
	return 0;
}

/* ---- USER -------------------------------------------------------------- */

/* Where USER name goes: the sources in order.  *name, *namelen is what
 * the origin is to see unless the route renames. */
static enum route_result login_route(struct session *s, const char **name,
				     size_t *namelen, struct route *r)
{
	const struct conf *cf = s->cf;
	enum route_result res;

	if (cf->forward_to[0] != '\0') {
		char host[FTPR_HOST_MAX], hp[FTPR_HOST_MAX + 8];
		uint16_t port;
		size_t nl;

		/* SECURITY: only to host:port the operator allowed, as
		 * the client wrote it; a host name is resolved only after
		 * the pattern allowed it (at connect), and only when it is
		 * a valid one. */
		if (route_split_user(*name, *namelen, &nl, host, sizeof(host), &port,
				     hp, sizeof(hp)) == 0 &&
		    route_pattern_match(cf->forward_to, hp)) {
			memset(r, 0, sizeof(*r));
			if (route_add_origin(r, host, port) < 0) {
				log_msg(LOG_NOTICE, "--forward-to: %s is not an address "
					"nor a host name", hp);
				return ROUTE_NONE;
			}
			*namelen = nl;
			return ROUTE_FOUND;
		}
	}
	res = route_lookup(&login.map, *name, *namelen, r);
	if (res == ROUTE_TEMPFAIL)
		log_msg(LOG_ERR, "route map: a damaged entry for this user");
	if (res != ROUTE_NONE)
		return res;
	if (cf->route_url[0] != '\0') {
		char why[256];

		res = route_url_lookup(&login.url, *name, *namelen, cf->connect_timeout,
				       &sess_orig_mask, r, why, sizeof(why));
		if (res == ROUTE_TEMPFAIL)
			log_msg(LOG_ERR, "route lookup service: %s", why);
		if (res != ROUTE_NONE)
			return res;
	}
	if (login.fallback.n > 0) {
		*r = login.fallback;
		return ROUTE_FOUND;
	}
	return ROUTE_NONE;
}

static void login_user(struct session *s, const char *arg, size_t arglen)
{
	static struct route r;
	const char *name = arg;
	size_t namelen = arglen;
	char line[2 * FTPR_LINE_MAX];
	int n;

	log_msg(LOG_INFO, "USER %.*s", (int)(arglen > 64 ? 64 : arglen), arg);
	s->pasv_proven = 0;
	login.noroute = 0;
	switch (login_route(s, &name, &namelen, &r)) {
	case ROUTE_TEMPFAIL:
		ctl_end(s, FTPR_EXIT_TEMP, "421 Service not available: cannot "
			 "find your FTP server; try again later.");
		return;
	case ROUTE_NONE:
		log_msg(LOG_NOTICE, "no route for user %.*s",
			(int)(arglen > 64 ? 64 : arglen), arg);
		login_drop_origin(s);
		login.noroute = 1;
		ctl_reply(s, "331 Please specify the password.");
		return;
	case ROUTE_FOUND:
		break;
	}
	if (!login_same_origin(s, &r)) {
		login_drop_origin(s);
		if (login_connect(s, &r) < 0)
			return;
	}
	if (r.user[0] != '\0') {
		name = r.user;
		namelen = strlen(r.user);
	}
	memcpy(line, "USER ", 5);
	n = telnet_escape(name, namelen, line + 5, sizeof(line) - 5);
	if (n < 0 || out_room(&s->to_origin) < (size_t)n + 7) {
		ctl_end(s, FTPR_EXIT_TEMP, "421 Internal error.");
		return;
	}
	pend_push(s, PEND_FORWARDED);
	out_put(&s->to_origin, line, (size_t)n + 5);
	out_put(&s->to_origin, "\r\n", 2);
}

int login_command(struct session *s, enum proto_cmd cmd, const char *line,
		  size_t len, const char *arg, size_t arglen)
{
	if (!s->cf->routing)
		return 0;
	if (cmd == CMD_USER) {
		login_user(s, arg, arglen);
		return 1;
	}
	if (s->ofd >= 0 || cmd == CMD_AUTH)
		return 0;
	login_before(s, cmd, line, len, arg, arglen);
	return 1;
}

/* ---- --origin A,B,...: without routing ---------------------------------- */

int login_origin_list(struct sess_setup *su, char *greeting, size_t cap,
		      char *why, size_t whycap)
{
	static char buf[FTPR_REPLY_LINE_MAX];
	struct linebuf lb;
	struct route r;

	why[0] = '\0';
	if (login_resolve_origins(su->cf, &r, why, whycap) < 0) {
		if (why[0] == '\0')
			snprintf(why, whycap, "no usable --origin");
		return -1;
	}
	lb_init(&lb, buf, sizeof(buf), FTPR_REPLY_LINE_MAX);
	for (unsigned i = 0; i < r.n; i++) {
		int fd = login_connect_one(su, &r.origin[i], r.host[i], &lb, greeting,
					   cap, &su->greeting_len, &su->origin_x);

		if (fd == -2)
			break;
		if (fd < 0)
			continue;
		su->origin = fd;
		su->origin_peer = r.origin[i];
		snprintf(su->origin_host, sizeof(su->origin_host), "%s", r.host[i]);
		net_local(fd, &su->origin_local);
		su->greeting = greeting;
		return 0;
	}
	snprintf(why, whycap, "every origin of --origin failed");
	return -1;
}
