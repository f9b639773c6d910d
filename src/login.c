/* login.c - per-user routing in the session: the pre-login phase (our own
 * greeting and answers before USER), the route lookup at USER, the
 * connection to the chosen origin (failover, greeting consumed) and the
 * switch to another origin at a later USER.
 *
 * The route sources are opened at set-up (login_setup(), before the
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
 * (never after the lock-down), every address in turn, into r. */
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
			net_set_port(&r->origin[r->n], port);
			r->n++;
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
			r->n++;
		}
		freeaddrinfo(res);
	}
	return r->n > 0 ? 0 : -1;
}

int login_setup(struct sess_setup *su, char *err, size_t errcap)
{
	const struct conf *cf = su->cf;
	char why[512];

	login.su = su;
	su->origin = -1;
	if (cf->route_map[0] != '\0' &&
	    route_map_open(&login.map, cf->route_map, err, errcap) < 0)
		return -1;
	if (cf->route_url[0] != '\0' &&
	    route_url_setup(&login.url, cf, err, errcap) < 0)
		return -1;
	/* A fallback that does not resolve is a warning: the users that
	 * the other sources route are served all the same. */
	why[0] = '\0';
	if (cf->origin_list[0] != '\0' &&
	    login_resolve_origins(cf, &login.fallback, why, sizeof(why)) < 0)
		log_msg(LOG_WARNING, "--origin: %s; no route of last resort", why);
	return 0;
}

/* ---- before USER ------------------------------------------------------- */

void login_start(struct session *s)
{
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
	(void)send(s->ofd, "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
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

/* Connect to a and consume its greeting, read through lb (what follows
 * the greeting, nothing normally, stays there); each greeting line also
 * goes to keep, with CRLF, when keep is not NULL.  The fd, -1 (failed,
 * logged) or -2 (interrupted). */
static int login_connect_one(const struct sess_setup *su,
			     const struct net_addr *a, int timeout_s,
			     struct linebuf *lb, char *keep, size_t keepcap,
			     size_t *keeplen)
{
	msec_t deadline = sess_now() + SESS_MS(timeout_s);
	struct proto_reply rs = { 0, 0 };
	char who[FTPR_ADDRSTR_MAX];
	int fd, w, e, rc = -1;

	net_addr_str(a, who, sizeof(who));
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
	if (su->cf->origin_pp != 0 &&
	    pp_send_header(fd, su->cf->origin_pp, &su->client_peer) < 0) {
		log_msg(LOG_WARNING, "origin %s: cannot send the PROXY header: %s",
			who, strerror(errno));
		close(fd);
		return -1;
	}
	if (keeplen != NULL)
		*keeplen = 0;
	for (;;) {
		const char *line;
		size_t len;
		enum lb_status st;
		ssize_t n;

		while ((st = lb_peek(lb, &line, &len)) != LB_NONE) {
			enum proto_line r = st == LB_LINE ?
				proto_reply_line(&rs, line, len) : PROTO_LINE_BAD;

			if (r == PROTO_LINE_BAD) {
				log_msg(LOG_WARNING, "origin %s: invalid greeting", who);
				goto fail;
			}
			if (keep != NULL && *keeplen + len + 2 <= keepcap) {
				memcpy(keep + *keeplen, line, len);
				memcpy(keep + *keeplen + len, "\r\n", 2);
				*keeplen += len + 2;
			}
			if (r == PROTO_LINE_LAST && rs.code != 220)
				log_msg(LOG_WARNING, "origin %s greeted with: %.*s", who,
					(int)(len > 80 ? 80 : len), line);
			lb_consume(lb);
			if (r == PROTO_LINE_LAST && rs.code == 220)
				return fd;
			if (r == PROTO_LINE_LAST)
				goto fail;
		}
		w = net_wait(fd, 0, deadline, &sess_orig_mask);
		if (w <= 0) {
			if (w == 0)
				log_msg(LOG_WARNING, "origin %s sent no greeting within %d s",
					who, timeout_s);
			rc = w < 0 ? -2 : -1;
			goto fail;
		}
		n = read(fd, lb_tail(lb), lb_room(lb));
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
			log_msg(LOG_WARNING, "origin %s closed before greeting: %s", who,
				n == 0 ? "end of file" : strerror(errno));
			goto fail;
		}
		if (n > 0)
			lb_commit(lb, (size_t)n);
	}
fail:
	close(fd);
	lb_init(lb, lb->buf, lb->cap, lb->max);
	return rc;
}

/* Try the route's origins in order; 0 connected, -1 all failed (the
 * session ends with 421), -2 interrupted. */
static int login_connect(struct session *s, const struct route *r)
{
	char who[FTPR_ADDRSTR_MAX];

	for (unsigned i = 0; i < r->n; i++) {
		int fd = login_connect_one(s->su, &r->origin[i], s->cf->connect_timeout,
					   &s->ol, NULL, 0, NULL);

		if (fd == -2)
			return -2;
		if (fd < 0)
			continue;
		s->ofd = login.su->origin = fd;
		ftps_origin_attach(s, fd); /* plain: see cfg_load() */
		/* The address we connected to: no getpeername() needed. */
		login.su->origin_peer = r->origin[i];
		net_local(fd, &login.su->origin_local);
		net_set_nonblock(fd);
		net_tune_control(fd);
		log_msg(LOG_INFO, "origin %s",
			net_addr_str(&login.su->origin_peer, who, sizeof(who)));
		return 0;
	}
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
		if (net_same_host(cur, &r->origin[i]) &&
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

		/* SECURITY: only to host:port the operator allowed, and
		 * only to an address literal (no resolver after the
		 * lock-down, and none wanted for client input). */
		if (route_split_user(*name, *namelen, &nl, host, sizeof(host), &port,
				     hp, sizeof(hp)) == 0 &&
		    route_pattern_match(cf->forward_to, hp)) {
			memset(r, 0, sizeof(*r));
			if (net_parse_literal(host, &r->origin[0]) < 0) {
				log_msg(LOG_NOTICE, "--forward-to: %s is not an address "
					"literal; host names are not resolved", hp);
				return ROUTE_NONE;
			}
			net_set_port(&r->origin[0], port);
			r->n = 1;
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
		int fd = login_connect_one(su, &r.origin[i], su->cf->connect_timeout, &lb,
					   greeting, cap, &su->greeting_len);

		if (fd == -2)
			break;
		if (fd < 0)
			continue;
		su->origin = fd;
		su->origin_peer = r.origin[i];
		net_local(fd, &su->origin_local);
		su->greeting = greeting;
		return 0;
	}
	snprintf(why, whycap, "every origin of --origin failed");
	return -1;
}
