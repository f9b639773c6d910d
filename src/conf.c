/* conf.c - ftprelay's settings: command line and config file. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

enum conf_key {
	KEY_ORIGIN, KEY_PASV_ADDRESS, KEY_PASV_PORTS, KEY_IDLE_TIMEOUT,
	KEY_DATA_TIMEOUT, KEY_CONNECT_TIMEOUT, KEY_ORIGIN_DATA_MODE, KEY_USER,
	KEY_CONFIG, KEY_XFERLOG, KEY_ROUTE_MAP, KEY_FORWARD_TO, KEY_ROUTE_URL,
	KEY_WELCOME, KEY_PP_FROM, KEY_ORIGIN_PP, KEY_CLIENT_TLS, KEY_TLS_CERT,
	KEY_TLS_KEY, KEY_CLIENT_TLS_REUSE, KEY_ORIGIN_TLS, KEY_ORIGIN_TLS_CA,
	KEY_ORIGIN_TLS_NAME, KEY_ORIGIN_TLS_VERIFY, KEY_TLS_MODULE, KEY_ROUTE_URL_CA,
	KEY_URL_MODULE, KEY_COUNT
};

static const char *const conf_names[KEY_COUNT] = {
	[KEY_ORIGIN] = "origin",
	[KEY_PASV_ADDRESS] = "pasv-address",
	[KEY_PASV_PORTS] = "pasv-ports",
	[KEY_IDLE_TIMEOUT] = "idle-timeout",
	[KEY_DATA_TIMEOUT] = "data-timeout",
	[KEY_CONNECT_TIMEOUT] = "connect-timeout",
	[KEY_ORIGIN_DATA_MODE] = "origin-data-mode",
	[KEY_USER] = "user",
	[KEY_CONFIG] = "config",
	[KEY_XFERLOG] = "xferlog",
	[KEY_ROUTE_MAP] = "route-map",
	[KEY_FORWARD_TO] = "forward-to",
	[KEY_ROUTE_URL] = "route-url",
	[KEY_WELCOME] = "welcome",
	[KEY_PP_FROM] = "proxy-protocol-from",
	[KEY_ORIGIN_PP] = "origin-proxy-protocol",
	[KEY_CLIENT_TLS] = "client-tls",
	[KEY_TLS_CERT] = "tls-cert",
	[KEY_TLS_KEY] = "tls-key",
	[KEY_CLIENT_TLS_REUSE] = "client-tls-reuse",
	[KEY_ORIGIN_TLS] = "origin-tls",
	[KEY_ORIGIN_TLS_CA] = "origin-tls-ca",
	[KEY_ORIGIN_TLS_NAME] = "origin-tls-name",
	[KEY_ORIGIN_TLS_VERIFY] = "origin-tls-verify",
	[KEY_TLS_MODULE] = "tls-module",
	[KEY_ROUTE_URL_CA] = "route-url-ca",
	[KEY_URL_MODULE] = "url-module",
};

static const char conf_usage[] =
	"usage: ftprelay --origin HOST[:PORT] [options]\n"
	"       ftprelay --route-map FILE|--forward-to PATTERNS|--route-url URL [options]\n"
	"       ftprelay --compile-routes TEXTFILE CDBFILE\n"
	"  --origin HOST[:PORT][,...] origin FTP server ([IPv6]:PORT too; port 21);\n"
	"                             several: tried in order\n"
	"  --pasv-address ADDR        address put in 227 replies\n"
	"                             (default: local address of the client connection)\n"
	"  --pasv-ports LOW-HIGH      ports for ftprelay's data listeners, towards\n"
	"                             the client and the origin (default: any)\n"
	"  --origin-data-mode MODE    passive, active or client (default passive)\n"
	"  --idle-timeout SECONDS     idle control connection limit (default 900)\n"
	"  --data-timeout SECONDS     stalled data connection limit (default 300)\n"
	"  --connect-timeout SECONDS  origin connect/greeting limit (default 10)\n"
	"  --user NAME                user to run as when started as root\n"
	"  --xferlog FILE             append a transfer record (xferlog(5)) per\n"
	"                             transfer to FILE\n"
	"  --route-map FILE           per-user origins (FILE.cdb: compiled)\n"
	"  --forward-to PATTERNS      allow USER name@host[:port] to these\n"
	"                             host:port shell patterns (comma-separated)\n"
	"  --route-url URL            ask http[s]://...%s... for each user's origin\n"
	"  --route-url-ca FILE        CA certificates for an https --route-url\n"
	"                             (default: " FTPR_ROUTE_CA_DEFAULT ")\n"
	"  --url-module FILE          the lookup module (default " FTPR_URL_MODULE ")\n"
	"  --welcome TEXT             greeting when routing (default: FTP proxy ready)\n"
	"  --proxy-protocol-from NET[,NET...]\n"
	"                             peers (CIDR) whose connections begin with a\n"
	"                             PROXY protocol header (v1 or v2)\n"
	"  --origin-proxy-protocol off|v1|v2\n"
	"                             send the origin a PROXY header (default off)\n"
	"  --client-tls MODE          off, optional, required or implicit (FTPS\n"
	"                             towards the client; default off)\n"
	"  --tls-cert FILE            PEM certificate (and chain) for the client leg\n"
	"  --tls-key FILE             PEM private key (default: in --tls-cert)\n"
	"  --client-tls-reuse yes|no  TLS data connections must resume the control\n"
	"                             connection's session (default yes)\n"
	"  --origin-tls MODE          off, explicit or implicit (default off)\n"
	"  --origin-tls-ca FILE       CA certificates for the origin (default: system)\n"
	"  --origin-tls-name NAME     name the origin's certificate must carry\n"
	"                             (default: the --origin host)\n"
	"  --origin-tls-verify yes|no verify the origin's certificate (default yes)\n"
	"  --tls-module FILE          the TLS module (default " FTPR_TLS_MODULE ")\n"
	"  --no-sandbox               no seccomp filter (debugging only)\n"
	"  --config FILE              read key = value settings from FILE\n"
	"  --check-config             check the settings, print them and exit\n"
	"                             (0: good; 100: the first problem on stderr)\n"
	"  --version, --help\n"
	"The client connection is taken from stdin/stdout, or from fd 3 under\n"
	"systemd socket activation (LISTEN_FDS=1).\n";

void cfg_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->origin_port = FTPR_DEFAULT_FTP_PORT;
	c->idle_timeout = FTPR_IDLE_TIMEOUT_DEFAULT;
	c->data_timeout = FTPR_DATA_TIMEOUT_DEFAULT;
	c->connect_timeout = FTPR_CONNECT_TIMEOUT_DEFAULT;
	c->client_tls_reuse = 1;
	c->origin_tls_verify = 1;
	snprintf(c->tls_module, sizeof(c->tls_module), "%s", FTPR_TLS_MODULE);
	snprintf(c->url_module, sizeof(c->url_module), "%s", FTPR_URL_MODULE);
}

/* One of names[], by index; -1 if none. */
static int cfg_choice(const char *value, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	return -1;
}

static int cfg_path(const char *value, char *out, size_t cap)
{
	if (*value == '\0' || strlen(value) >= cap)
		return -1;
	strcpy(out, value);
	return 0;
}

static int cfg_number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cfg_parse_hostport(const char *s, char *host, size_t hostcap,
		       uint16_t *port)
{
	const char *p, *hend;
	long v;

	*port = FTPR_DEFAULT_FTP_PORT;
	if (*s == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend == s + 1)
			return -1;
		p = hend + 1;
		s++;
		if (*p != '\0' && *p != ':')
			return -1;
	} else {
		hend = strchr(s, ':');
		if (hend != NULL && strchr(hend + 1, ':') != NULL) {
			/* A bare IPv6 literal has no port. */
			hend = s + strlen(s);
		} else if (hend == NULL) {
			hend = s + strlen(s);
		}
		p = hend;
	}
	if (hend == s || (size_t)(hend - s) >= hostcap)
		return -1;
	memcpy(host, s, (size_t)(hend - s));
	host[hend - s] = '\0';
	for (const char *q = host; *q != '\0'; q++)
		if (*q == ' ' || *q == '\t' || *q == '/')
			return -1;
	if (*p == ':') {
		if (cfg_number(p + 1, 1, 65535, &v) < 0)
			return -1;
		*port = (uint16_t)v;
	}
	return 0;
}

int cfg_parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[32];
	char *dash;
	long a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash == NULL)
		return -1;
	*dash = '\0';
	if (cfg_number(buf, 1, 65535, &a) < 0 ||
	    cfg_number(dash + 1, 1, 65535, &b) < 0 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

_Static_assert(KEY_COUNT <= 32, "struct conf's set bits and line[] hold 32 keys");
/* --origin HOST[:PORT][,HOST[:PORT]...]: each item checked; the first
 * goes to origin_host and origin_port. */
static int cfg_parse_origins(struct conf *c, const char *value)
{
	const char *p = value;
	unsigned n = 0;

	if (strlen(value) >= sizeof(c->origin_list))
		return -1;
	for (;;) {
		char item[FTPR_HOST_MAX], host[FTPR_HOST_MAX];
		size_t len = strcspn(p, ",");
		uint16_t port;

		if (len == 0 || len >= sizeof(item) || ++n > FTPR_ROUTE_ORIGINS_MAX)
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (cfg_parse_hostport(item, host, sizeof(host), &port) < 0)
			return -1;
		if (n == 1) {
			strcpy(c->origin_host, host);
			c->origin_port = port;
		}
		p += len;
		if (*p == '\0')
			break;
		p++;
	}
	strcpy(c->origin_list, value);
	c->origin_n = n;
	return 0;
}

static int cfg_key(const char *key)
{
	for (int k = 0; k < KEY_COUNT; k++)
		if (strcmp(key, conf_names[k]) == 0)
			return k;
	return -1;
}

enum conf_result cfg_set(struct conf *c, const char *key, const char *value,
			 char *err, size_t errcap)
{
	int k = cfg_key(key);
	long v;

	switch (k) {
	case KEY_ORIGIN:
		if (cfg_parse_origins(c, value) < 0)
			goto bad;
		break;
	case KEY_PASV_ADDRESS:
		if (net_parse_literal(value, &c->pasv_address) < 0)
			goto bad;
		c->has_pasv_address = 1;
		break;
	case KEY_PASV_PORTS:
		if (cfg_parse_range(value, &c->pasv_lo, &c->pasv_hi) < 0)
			goto bad;
		break;
	case KEY_IDLE_TIMEOUT:
	case KEY_DATA_TIMEOUT:
	case KEY_CONNECT_TIMEOUT:
		if (cfg_number(value, FTPR_TIMEOUT_MIN, FTPR_TIMEOUT_MAX, &v) < 0) {
			snprintf(err, errcap, "%s: '%s' is not a number of seconds "
				 "from %d to %d", key, value, FTPR_TIMEOUT_MIN,
				 FTPR_TIMEOUT_MAX);
			return CONF_ERROR;
		}
		if (k == KEY_IDLE_TIMEOUT)
			c->idle_timeout = (int)v;
		else if (k == KEY_DATA_TIMEOUT)
			c->data_timeout = (int)v;
		else
			c->connect_timeout = (int)v;
		break;
	case KEY_ORIGIN_DATA_MODE:
		if (strcmp(value, "passive") == 0)
			c->origin_data_mode = ORIGIN_DATA_PASSIVE;
		else if (strcmp(value, "active") == 0)
			c->origin_data_mode = ORIGIN_DATA_ACTIVE;
		else if (strcmp(value, "client") == 0)
			c->origin_data_mode = ORIGIN_DATA_CLIENT;
		else {
			snprintf(err, errcap, "%s: '%s' is not passive, active "
				 "or client", key, value);
			return CONF_ERROR;
		}
		break;
	case KEY_PP_FROM: {
		int n = cidr_parse_list(value, c->pp_from, FTPR_PP_FROM_MAX);

		if (n < 0) {
			snprintf(err, errcap, "%s: '%s' is not a list of at most %d "
				 "networks (ADDR/LEN,...)", key, value,
				 FTPR_PP_FROM_MAX);
			return CONF_ERROR;
		}
		c->pp_from_n = n;
		break;
	}
	case KEY_ORIGIN_PP:
		if (strcmp(value, "off") == 0)
			c->origin_pp = 0;
		else if (strcmp(value, "v1") == 0)
			c->origin_pp = 1;
		else if (strcmp(value, "v2") == 0)
			c->origin_pp = 2;
		else {
			snprintf(err, errcap, "%s: '%s' is not off, v1 or v2", key,
				 value);
			return CONF_ERROR;
		}
		break;
	case KEY_USER:
		if (*value == '\0' || strlen(value) >= sizeof(c->user))
			goto bad;
		strcpy(c->user, value);
		break;
	case KEY_CONFIG:
		if (*value == '\0' || strlen(value) >= sizeof(c->config_file))
			goto bad;
		strcpy(c->config_file, value);
		break;
	case KEY_XFERLOG:
		if (*value == '\0' || strlen(value) >= sizeof(c->xferlog))
			goto bad;
		strcpy(c->xferlog, value);
		break;
	case KEY_ROUTE_MAP:
		if (*value == '\0' || strlen(value) >= sizeof(c->route_map))
			goto bad;
		strcpy(c->route_map, value);
		break;
	case KEY_FORWARD_TO:
		if (*value == '\0' || strlen(value) >= sizeof(c->forward_to) ||
		    strpbrk(value, " \t") != NULL)
			goto bad;
		strcpy(c->forward_to, value);
		break;
	case KEY_ROUTE_URL:
		/* The lookup module (libcurl): http and https only. */
		if ((strncmp(value, "http://", 7) != 0 &&
		     strncmp(value, "https://", 8) != 0) ||
		    value[strncmp(value, "https", 5) == 0 ? 8 : 7] == '\0' ||
		    strlen(value) >= sizeof(c->route_url) ||
		    strpbrk(value, " \t") != NULL) {
			snprintf(err, errcap, "%s: '%s' is not an http:// or https:// URL", key,
				 value);
			return CONF_ERROR;
		}
		strcpy(c->route_url, value);
		break;
	case KEY_WELCOME:
		/* SECURITY: it goes into a reply line as is. */
		if (strlen(value) >= sizeof(c->welcome))
			goto bad;
		for (const char *p = value; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				goto bad;
		strcpy(c->welcome, value);
		break;
	case KEY_CLIENT_TLS: {
		static const char *const m[] = { "off", "optional", "required",
						 "implicit" };

		if ((v = cfg_choice(value, m, 4)) < 0) {
			snprintf(err, errcap, "%s: '%s' is not off, optional, "
				 "required or implicit", key, value);
			return CONF_ERROR;
		}
		c->client_tls = (enum client_tls)v;
		break;
	}
	case KEY_ORIGIN_TLS: {
		static const char *const m[] = { "off", "explicit", "implicit" };

		if ((v = cfg_choice(value, m, 3)) < 0) {
			snprintf(err, errcap, "%s: '%s' is not off, explicit or "
				 "implicit", key, value);
			return CONF_ERROR;
		}
		c->origin_tls = (enum origin_tls)v;
		break;
	}
	case KEY_CLIENT_TLS_REUSE:
	case KEY_ORIGIN_TLS_VERIFY: {
		static const char *const yn[] = { "no", "yes" };

		if ((v = cfg_choice(value, yn, 2)) < 0) {
			snprintf(err, errcap, "%s: '%s' is not yes or no", key, value);
			return CONF_ERROR;
		}
		if (k == KEY_CLIENT_TLS_REUSE)
			c->client_tls_reuse = (int)v;
		else
			c->origin_tls_verify = (int)v;
		break;
	}
	case KEY_TLS_CERT:
		if (cfg_path(value, c->tls_cert, sizeof(c->tls_cert)) < 0)
			goto bad;
		break;
	case KEY_TLS_KEY:
		if (cfg_path(value, c->tls_key, sizeof(c->tls_key)) < 0)
			goto bad;
		break;
	case KEY_ORIGIN_TLS_CA:
		if (cfg_path(value, c->origin_tls_ca, sizeof(c->origin_tls_ca)) < 0)
			goto bad;
		break;
	case KEY_ORIGIN_TLS_NAME:
		if (cfg_path(value, c->origin_tls_name, sizeof(c->origin_tls_name)) < 0)
			goto bad;
		break;
	case KEY_TLS_MODULE:
		if (cfg_path(value, c->tls_module, sizeof(c->tls_module)) < 0)
			goto bad;
		break;
	case KEY_ROUTE_URL_CA:
		if (cfg_path(value, c->route_url_ca, sizeof(c->route_url_ca)) < 0)
			goto bad;
		break;
	case KEY_URL_MODULE:
		if (cfg_path(value, c->url_module, sizeof(c->url_module)) < 0)
			goto bad;
		break;
	default:
		snprintf(err, errcap, "unknown option '%s'", key);
		return CONF_ERROR;
	}
	c->set |= 1u << k;
	return CONF_OK;
bad:
	snprintf(err, errcap, "%s: invalid value '%s'", key, value);
	return CONF_ERROR;
}

int cfg_split_line(char *line, char **key, char **value)
{
	char *eq, *end;

	line[strcspn(line, "\r\n")] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return -1;
	end = eq;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == line)
		return -1;
	*end = '\0';
	*key = line;
	eq++;
	while (*eq == ' ' || *eq == '\t')
		eq++;
	end = eq + strlen(eq);
	while (end > eq && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	*value = eq;
	return 1;
}

unsigned cfg_line_of(const struct conf *c, const char *key)
{
	int k = cfg_key(key);

	return k < 0 ? 0 : c->line[k];
}

const char *cfg_origin_str(const struct conf *c, char *buf, size_t cap)
{
	int v6 = strchr(c->origin_host, ':') != NULL;

	snprintf(buf, cap, "%s%s%s:%u", v6 ? "[" : "", c->origin_host,
		 v6 ? "]" : "", (unsigned)c->origin_port);
	return buf;
}

enum conf_result cfg_read_file(struct conf *c, const char *path, char *err,
			       size_t errcap)
{
	char line[FTPR_CONF_LINE_MAX];
	char msg[256];
	unsigned cmdline = c->set;
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		snprintf(err, errcap, "config file %s: %s", path, strerror(errno));
		return CONF_ERROR;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *key, *value;
		int r, k;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errcap, "%s:%u: line too long", path, lineno);
			goto fail;
		}
		r = cfg_split_line(line, &key, &value);
		if (r == 0)
			continue;
		if (r < 0) {
			snprintf(err, errcap, "%s:%u: expected 'key = value'",
				 path, lineno);
			goto fail;
		}
		k = cfg_key(key);
		if (k < 0 || k == KEY_CONFIG) {
			snprintf(err, errcap, "%s:%u: unknown key '%s'", path,
				 lineno, key);
			goto fail;
		}
		if (cmdline & (1u << k))
			continue; /* the command line wins */
		if (cfg_set(c, key, value, msg, sizeof(msg)) != CONF_OK) {
			snprintf(err, errcap, "%s:%u: %s", path, lineno, msg);
			goto fail;
		}
		c->line[k] = lineno;
	}
	fclose(f);
	return CONF_OK;
fail:
	fclose(f);
	return CONF_ERROR;
}

enum conf_result cfg_load(struct conf *c, int argc, char **argv, char *err,
			  size_t errcap)
{
	cfg_defaults(c);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value;
		char key[32];
		const char *eq;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(conf_usage, stdout);
			return CONF_EXIT;
		}
		if (strcmp(a, "--no-sandbox") == 0) {
			/* Command line only: a config file cannot switch the
			 * sandbox off behind the operator's back. */
			c->no_sandbox = 1;
			continue;
		}
		if (strcmp(a, "--check-config") == 0) {
			c->check_config = 1;
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			printf("ftprelay %s\n", PACKAGE_VERSION);
			return CONF_EXIT;
		}
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errcap, "unexpected argument '%s' (see --help)", a);
			return CONF_ERROR;
		}
		a += 2;
		eq = strchr(a, '=');
		if (eq != NULL) {
			if ((size_t)(eq - a) >= sizeof(key))
				goto unknown;
			memcpy(key, a, (size_t)(eq - a));
			key[eq - a] = '\0';
			value = eq + 1;
		} else {
			if (strlen(a) >= sizeof(key))
				goto unknown;
			strcpy(key, a);
			if (cfg_key(key) < 0)
				goto unknown;
			if (i + 1 >= argc) {
				snprintf(err, errcap, "option --%s needs a value", key);
				return CONF_ERROR;
			}
			value = argv[++i];
		}
		if (cfg_key(key) < 0)
			goto unknown;
		if (cfg_set(c, key, value, err, errcap) != CONF_OK)
			return CONF_ERROR;
		continue;
unknown:
		snprintf(err, errcap, "unknown option '%s' (see --help)", argv[i]);
		return CONF_ERROR;
	}
	if (c->config_file[0] != '\0' &&
	    cfg_read_file(c, c->config_file, err, errcap) != CONF_OK)
		return CONF_ERROR;
	c->routing = c->route_map[0] != '\0' || c->forward_to[0] != '\0' ||
		     c->route_url[0] != '\0';
	if (c->welcome[0] == '\0')
		strcpy(c->welcome, "FTP proxy ready");
	if (c->origin_host[0] == '\0' && !c->routing) {
		snprintf(err, errcap, "no origin: give --origin HOST[:PORT] "
			 "or 'origin =' in the config file (or a route source: "
			 "--route-map, --forward-to, --route-url)");
		return CONF_ERROR;
	}
	if (c->client_tls != CLIENT_TLS_OFF && c->tls_cert[0] == '\0') {
		snprintf(err, errcap, "client-tls: a certificate is needed: give "
			 "--tls-cert FILE (and --tls-key FILE)");
		return CONF_ERROR;
	}
	return CONF_OK;
}
