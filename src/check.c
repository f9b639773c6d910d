/* check.c - ftprelay --check-config: load everything a session would
 * (options, config file, the --user account, the transfer log's place),
 * resolve nothing it does not need (not the origin: a session resolves it
 * when it starts), then print the effective settings in config file
 * syntax, or the first problem.  ftprelay.socket runs it (ExecStartPre=),
 * so a broken config stops the socket instead of failing every client. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "defs.h"
#include "ftps.h"
#include "net.h"
#include "route.h"
#include "routeurl.h"
#include "sandbox.h"

/* The user to drop to must exist and not be root. */
static int check_user(const struct conf *cf, char *why, size_t whycap)
{
	uid_t uid;
	gid_t gid;

	if (cf->user[0] == '\0')
		return 0;
	return sandbox_find_user(cf->user, &uid, &gid, why, whycap);
}

/* The transfer log: an existing one must be a regular file (sessions
 * open it with O_NOFOLLOW); a new one is created in its directory.  The
 * directory may not exist yet when LogsDirectory= of the service makes
 * it: that is a warning, not a failure. */
static int check_xferlog(const struct conf *cf, char *why, size_t whycap)
{
	char dir[FTPR_CONF_LINE_MAX];
	struct stat st;

	if (cf->xferlog[0] == '\0')
		return 0;
	if (lstat(cf->xferlog, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(why, whycap, "xferlog %s: not a regular file",
				 cf->xferlog);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(why, whycap, "xferlog %s: %s", cf->xferlog, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", cf->xferlog);
	if (stat(dirname(dir), &st) < 0) {
		fprintf(stderr, "ftprelay: warning: xferlog %s: directory %s does "
			"not exist (yet): sessions fail unless it is made (as "
			"LogsDirectory= does)\n", cf->xferlog, dir);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whycap, "xferlog %s: %s is not a directory",
			 cf->xferlog, dir);
		return -1;
	}
	return 0;
}

/* The route map, read whole as a session reads it: a bad line is
 * reported with the map's file and line. */
static int check_route_map(const struct conf *cf, char *why, size_t whycap)
{
	struct route_map m;

	if (cf->route_map[0] == '\0')
		return 0;
	memset(&m, 0, sizeof(m));
	return route_map_open(&m, cf->route_map, why, whycap);
}

/* Every check a session's set-up would fail on, in the order it runs
 * them.  TLS certificates and keys, route maps: one line each here. */
static const struct {
	const char *key; /* the option it checks: its file and line */
	int (*run)(const struct conf *cf, char *why, size_t whycap);
} check_steps[] = {
	{ "user", check_user },
	{ "xferlog", check_xferlog },
	{ "route-map", check_route_map },
	{ "route-url", route_url_check }, /* the module, the CA file */
	{ "tls-cert", ftps_setup }, /* the module, certificate, key, CA file */
};

static void check_summary(const struct conf *cf)
{
	static const char *const modes[] = {
		[ORIGIN_DATA_PASSIVE] = "passive",
		[ORIGIN_DATA_ACTIVE] = "active",
		[ORIGIN_DATA_CLIENT] = "client",
	};
	char buf[FTPR_HOST_MAX + 16];

	printf("# ftprelay %s: configuration OK%s%s%s\n", PACKAGE_VERSION,
	       cf->config_file[0] != '\0' ? " (" : "",
	       cf->config_file[0] != '\0' ? cf->config_file : "",
	       cf->config_file[0] != '\0' ? ")" : "");
	printf("origin = %s\n", cfg_origin_str(cf, buf, sizeof(buf)));
	if (cf->has_pasv_address)
		printf("pasv-address = %s\n",
		       net_host_str(&cf->pasv_address, buf, sizeof(buf)));
	else
		printf("# pasv-address: the local address of each client connection\n");
	if (cf->pasv_lo != 0)
		printf("pasv-ports = %u-%u\n", (unsigned)cf->pasv_lo,
		       (unsigned)cf->pasv_hi);
	else
		printf("# pasv-ports: any (chosen per listener)\n");
	printf("origin-data-mode = %s\n", modes[cf->origin_data_mode]);
	printf("idle-timeout = %d\n", cf->idle_timeout);
	printf("data-timeout = %d\n", cf->data_timeout);
	printf("connect-timeout = %d\n", cf->connect_timeout);
	if (cf->user[0] != '\0')
		printf("user = %s\n", cf->user);
	else
		printf("# user: none (started as root, a session refuses to "
		       "serve; DynamicUser= starts it as a user)\n");
	if (cf->xferlog[0] != '\0')
		printf("xferlog = %s\n", cf->xferlog);
	else
		printf("# xferlog: none\n");
	if (!cf->routing)
		printf("# routing: off (every user goes to the origin)\n");
	if (cf->route_map[0] != '\0')
		printf("route-map = %s\n", cf->route_map);
	if (cf->forward_to[0] != '\0')
		printf("forward-to = %s\n", cf->forward_to);
	if (cf->route_url[0] != '\0')
		printf("route-url = %s\n", cf->route_url);
	if (strncmp(cf->route_url, "https://", 8) == 0)
		printf("route-url-ca = %s\n", cf->route_url_ca[0] != '\0' ?
		       cf->route_url_ca : FTPR_ROUTE_CA_DEFAULT);
	if (cf->route_url[0] != '\0')
		printf("url-module = %s\n", cf->url_module);
	if (cf->routing)
		printf("welcome = %s\n", cf->welcome);
	{
		static const char *const ct[] = { "off", "optional", "required",
						  "implicit" };
		static const char *const ot[] = { "off", "explicit", "implicit" };

		printf("client-tls = %s\n", ct[cf->client_tls]);
		if (cf->client_tls != CLIENT_TLS_OFF) {
			printf("tls-cert = %s\n", cf->tls_cert);
			printf("tls-key = %s\n", cf->tls_key[0] != '\0' ?
			       cf->tls_key : cf->tls_cert);
			printf("client-tls-reuse = %s\n",
			       cf->client_tls_reuse ? "yes" : "no");
		}
		printf("origin-tls = %s\n", ot[cf->origin_tls]);
		if (cf->origin_tls != ORIGIN_TLS_OFF) {
			if (cf->origin_tls_ca[0] != '\0')
				printf("origin-tls-ca = %s\n", cf->origin_tls_ca);
			else
				printf("# origin-tls-ca: the system store\n");
			if (cf->origin_tls_name[0] != '\0')
				printf("origin-tls-name = %s\n", cf->origin_tls_name);
			else
				printf("# origin-tls-name: each origin's host, as "
				       "--origin or the route names it\n");
			printf("origin-tls-verify = %s\n",
			       cf->origin_tls_verify ? "yes" : "no");
		}
		if (cf->client_tls != CLIENT_TLS_OFF || cf->origin_tls != ORIGIN_TLS_OFF)
			printf("tls-module = %s\n", cf->tls_module);
	}
}

int check_config(const struct conf *cf, const char *err)
{
	char why[512];

	if (err != NULL) {
		fprintf(stderr, "ftprelay: %s\n", err);
		return FTPR_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(check_steps) / sizeof(check_steps[0]); i++) {
		unsigned line;

		if (check_steps[i].run(cf, why, sizeof(why)) == 0)
			continue;
		line = cfg_line_of(cf, check_steps[i].key);
		if (line > 0)
			fprintf(stderr, "ftprelay: %s:%u: %s\n", cf->config_file,
				line, why);
		else
			fprintf(stderr, "ftprelay: %s\n", why);
		return FTPR_EXIT_USAGE;
	}
	check_summary(cf);
	return fflush(stdout) == 0 ? FTPR_EXIT_OK : FTPR_EXIT_USAGE;
}
