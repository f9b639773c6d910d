/* main.c - ftprelay: set up one FTP session (config, client, log, origin),
 * then hand it to the session loop. */
#include "config.h"

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
#include "net.h"
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

int main(int argc, char **argv)
{
	struct conf cf;
	struct launch l;
	struct sess_setup su;
	char why[512], err[512], sid[16], who[FTPR_ADDRSTR_MAX];
	int have_client, as_root, early = -1;
	uid_t uid = 0;
	gid_t gid = 0;
	enum conf_result r;

	have_client = launch_find_client(&l, why, sizeof(why)) == 0;
	log_open(have_client && l.stderr_is_client);

	r = cfg_load(&cf, argc, argv, err, sizeof(err));
	if (r == CONF_EXIT)
		return FTPR_EXIT_OK;
	if (cf.check_config)
		return check_config(&cf, r == CONF_ERROR ? err : NULL);
	as_root = geteuid() == 0;
	/* The origin accepts and greets (vsftpd forks for it) while we do
	 * the rest of the set-up; the user lookup alone (NSS) takes about
	 * 80 us.  Only once the options are known good. */
	if (r == CONF_OK && have_client && !(as_root && cf.user[0] == '\0'))
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
	if (cf.pasv_lo == 0)
		ports_load(&su.autoports); /* /proc: before the lock-down */
	main_session_id(sid, sizeof(sid));
	log_set_session(sid, net_addr_str(&su.client_peer, who, sizeof(who)));
	log_set_origin(cfg_origin_str(&cf, why, sizeof(why)));

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
	log_msg(LOG_INFO, "session start: origin %s",
		net_addr_str(&su.origin_peer, who, sizeof(who)));

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
	return sess_run(&su);
}
