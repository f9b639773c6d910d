/* main.c - ftprelay: set up one FTP session (config, client, log, origin),
 * then hand it to the session loop. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "defs.h"
#include "ftps.h"
#include "launch.h"
#include "log.h"
#include "login.h"
#include "route.h"
#include "net.h"
#include "ppio.h"
#include "sandbox.h"
#include "session.h"
#include "xferlog.h"

static void main_session_id(char *buf, size_t cap)
{
	unsigned int r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)getpid();
	snprintf(buf, cap, "%08x", r);
}

/* The PROXY header of a peer in --proxy-protocol-from. */
struct main_pp {
	int listed;       /* the peer is in the list: a header must come */
	int status;       /* 0: a session (or not listed); 1: a health check
			     (v2 LOCAL, or v1 UNKNOWN as haproxy's checks with
			     send-proxy say); -1: no valid header in time */
	struct pp_header h;
	char why[256];
};

/* Read it first thing, so that the origin connect (not for a health
 * check, never for a bad header) still overlaps the rest of the set-up.
 * SECURITY: this reads from the client socket before the lock-down, and
 * as root if started so: only listed peers' bytes, at most
 * FTPR_PP_V2_MAX of them, through a pure, fuzzed parser. */
static void main_proxy_read(const struct conf *cf, int fd, struct main_pp *pp)
{
	struct net_addr peer;

	pp->listed = net_peer(fd, &peer) == 0 &&
		     cidr_match_any(cf->pp_from, (size_t)cf->pp_from_n, &peer);
	if (!pp->listed)
		return;
	if (pp_read(fd, FTPR_PP_TIMEOUT_MS, &pp->h, pp->why, sizeof(pp->why)) < 0)
		pp->status = -1;
	else if (pp->h.command == PP_CMD_LOCAL || pp->h.family == AF_UNSPEC)
		pp->status = 1;
}

/* The header's client becomes the session's.  `via` gets what the
 * session's first log line adds ("" without a header); a bad header is
 * logged here.  Returns pp->status. */
static int main_proxy_apply(struct sess_setup *su, const struct main_pp *pp,
			    char *via, size_t viacap)
{
	char who[FTPR_ADDRSTR_MAX];

	via[0] = '\0';
	if (pp->status < 0)
		log_msg(LOG_WARNING, "%s: closing without a greeting", pp->why);
	if (pp->status != 0 || !pp->listed)
		return pp->status;
	snprintf(via, viacap, " (PROXY v%d header from %s)", pp->h.version,
		 net_addr_str(&su->client_peer, who, sizeof(who)));
	su->client_peer = pp->h.src;
	su->client_advertised = pp->h.dst;
	return 0;
}

int main(int argc, char **argv)
{
	struct conf cf;
	struct launch l;
	struct sess_setup su;
	char why[512], err[512], sid[16], who[FTPR_ADDRSTR_MAX];
	static char greeting[FTPR_REPLY_LINE_MAX];
	char via[FTPR_ADDRSTR_MAX + 32];
	int have_client, as_root, early = -1, check = 0, greeted = 0;
	static struct main_pp pp;
	uid_t uid = 0;
	gid_t gid = 0;
	enum conf_result r;

	if (argc >= 2 && strcmp(argv[1], "--compile-routes") == 0) {
		/* An operator's command, not a session: no client. */
		if (argc != 4) {
			fprintf(stderr, "usage: ftprelay --compile-routes TEXTFILE "
				"CDBFILE\n");
			return FTPR_EXIT_USAGE;
		}
		if (route_compile(argv[2], argv[3], err, sizeof(err)) < 0) {
			fprintf(stderr, "ftprelay: %s\n", err);
			return FTPR_EXIT_USAGE;
		}
		return FTPR_EXIT_OK;
	}
	have_client = launch_find_client(&l, why, sizeof(why)) == 0;
	log_open(have_client && l.stderr_is_client);

	r = cfg_load(&cf, argc, argv, err, sizeof(err));
	if (r == CONF_EXIT)
		return FTPR_EXIT_OK;
	if (cf.check_config)
		return check_config(&cf, r == CONF_ERROR ? err : NULL);
	as_root = geteuid() == 0;
	/* Routing: the route sources first (a bad map gets 421 and no
	 * greeting); then our greeting goes out at once and the client's
	 * USER travels while we finish set-up (user lookup, TLS module,
	 * lock-down): a routed session cannot connect early, and this is
	 * its overlap.  Only written, not read: the first client byte is
	 * still read after the lock-down.  Not before a PROXY header (a
	 * health check gets its own answer) nor under implicit TLS. */
	if (r == CONF_OK && have_client && cf.routing) {
		if (login_open(&cf, err, sizeof(err)) < 0) {
			r = CONF_ERROR;
		} else if (cf.pp_from_n == 0 &&
			   cf.client_tls != CLIENT_TLS_IMPLICIT) {
			char hello[sizeof(cf.welcome) + 8];

			snprintf(hello, sizeof(hello), "220 %s\r\n", cf.welcome);
			sess_reply_now(l.out, hello);
			greeted = 1;
		}
	}
	/* The header comes first: no origin connection until it says this
	 * is a session and not a health check. */
	if (r == CONF_OK && have_client && cf.pp_from_n > 0)
		main_proxy_read(&cf, l.in, &pp);
	/* The origin accepts and greets (vsftpd forks for it) while we do
	 * the rest of the set-up; the user lookup alone (NSS) takes about
	 * 80 us.  Only once the options are known good. */
	if (r == CONF_OK && have_client && !cf.routing && cf.origin_n == 1 &&
	    pp.status == 0 &&
	    !(as_root && cf.user[0] == '\0'))
		early = net_connect_early(cf.origin_host, cf.origin_port);
	if (r == CONF_OK && as_root) {
		/* SECURITY: never parse client input as root. */
		if (cf.user[0] == '\0') {
			snprintf(err, sizeof(err), "started as root without --user: "
				 "refusing to serve (give --user NAME, or run "
				 "from a unit with DynamicUser=yes)");
			r = CONF_ERROR;
		} else if (sandbox_find_user(cf.user, &uid, &gid, why,
					     sizeof(why)) < 0) {
			snprintf(err, sizeof(err), "--user: %.480s", why);
			r = CONF_ERROR;
		}
	}
	/* Still root, if started so: a root-owned log directory works. */
	if (r == CONF_OK && have_client && cf.xferlog[0] != '\0' &&
	    xferlog_open(cf.xferlog, why, sizeof(why)) < 0) {
		snprintf(err, sizeof(err), "%.500s", why);
		r = CONF_ERROR;
	}
	/* Still root: the key may be readable by root alone (0600), and
	 * this process never opens it again once privileges are dropped. */
	if (r == CONF_OK && have_client && ftps_setup(&cf, why, sizeof(why)) < 0) {
		snprintf(err, sizeof(err), "%.500s", why);
		r = CONF_ERROR;
	}
	if (r == CONF_ERROR) {
		if (early >= 0)
			close(early);
		if (have_client && l.stderr_is_client)
			log_msg(LOG_ERR, "%s", err);
		else
			fprintf(stderr, "ftprelay: %s\n", err);
		if (have_client)
			sess_reply_now(l.out, "421 Service not available: "
				       "proxy configuration error.\r\n");
		return FTPR_EXIT_USAGE;
	}
	if (!have_client) {
		fprintf(stderr, "ftprelay: %s\n", why);
		return FTPR_EXIT_USAGE;
	}

	memset(&su, 0, sizeof(su));
	su.cf = &cf;
	su.client_in = l.in;
	su.client_out = l.out;
	net_peer(l.in, &su.client_peer);
	net_local(l.in, &su.client_local);
	su.client_advertised = su.client_local;
	su.greeted = greeted;
	if (cf.pasv_lo == 0)
		ports_load(&su.autoports); /* /proc: before the lock-down */
	main_session_id(sid, sizeof(sid));
	/* A bad header is logged with the balancer as the client, a good
	 * one makes its client the session's. */
	if (pp.status < 0)
		log_set_session(sid, net_addr_str(&su.client_peer, who, sizeof(who)));
	if ((check = main_proxy_apply(&su, &pp, via, sizeof(via))) < 0)
		return FTPR_EXIT_TEMP;
	log_set_session(sid, net_addr_str(&su.client_peer, who, sizeof(who)));
	if (check)
		goto lock_down; /* a health check never reaches the origin */
	log_set_origin(cfg_origin_str(&cf, why, sizeof(why)));

	if (cf.routing) {
		/* The origin is chosen at USER. */
		login_setup(&su);
		log_msg(LOG_INFO, "session start: routing%s", via);
		goto lock_down;
	}
	su.origin = -1;
	if (cf.origin_n > 1)
		(void)login_origin_list(&su, greeting, sizeof(greeting), why,
					sizeof(why));
	else
		su.origin = net_connect_host(cf.origin_host, cf.origin_port, early,
					     cf.connect_timeout, why, sizeof(why));
	if (su.origin < 0) {
		log_msg(LOG_ERR, "%s", why);
		sess_reply_now(l.out, "421 Service not available: cannot reach "
			       "the FTP server; try again later.\r\n");
		return FTPR_EXIT_TEMP;
	}
	net_peer(su.origin, &su.origin_peer);
	net_local(su.origin, &su.origin_local);
	/* (An origin from a list got its header before its greeting.) */
	if (cf.origin_pp != 0 && cf.origin_n == 1 &&
	    pp_send_header(su.origin, cf.origin_pp, &su.client_peer) < 0) {
		log_msg(LOG_ERR, "cannot send the PROXY header to the origin: %s",
			strerror(errno));
		sess_reply_now(l.out, "421 Service not available: cannot reach "
			       "the FTP server; try again later.\r\n");
		return FTPR_EXIT_TEMP;
	}
	log_msg(LOG_INFO, "session start: origin %s%s",
		net_addr_str(&su.origin_peer, who, sizeof(who)), via);

lock_down:
	sess_signals();
	/* Set-up is done: lock down before the first client byte is read. */
	if (as_root && sandbox_drop_privileges(uid, gid, why, sizeof(why)) < 0) {
		log_msg(LOG_ERR, "%s", why);
		sess_reply_now(l.out, "421 Service not available: proxy "
			       "lock-down failed.\r\n");
		return FTPR_EXIT_TEMP;
	}
	if (cf.no_sandbox) {
		log_msg(LOG_WARNING, "--no-sandbox: running WITHOUT the seccomp "
			"filter and rlimits (debugging only)");
	} else if (sandbox_lockdown(why, sizeof(why)) < 0) {
		log_msg(LOG_ERR, "sandbox: %s", why);
		sess_reply_now(l.out, "421 Service not available: proxy "
			       "lock-down failed.\r\n");
		return FTPR_EXIT_TEMP;
	}
	/* Give back what set-up left on the heap (libseccomp's filter
	 * tables, the resolver, NSS): ~50 KiB per idle session. */
	malloc_trim(0);
	if (check) {
		pp_answer_check(l.in, l.out);
		return FTPR_EXIT_OK;
	}
	return sess_run(&su);
}
