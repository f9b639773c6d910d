/* test_config.c - option values, config lines, host:port, port ranges. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

static void hostport(void)
{
	char h[FTPR_HOST_MAX];
	uint16_t p;

	TAP_OK(cfg_parse_hostport("ftp.example.org", h, sizeof(h), &p) == 0 &&
	       strcmp(h, "ftp.example.org") == 0 && p == 21, "host alone: port 21");
	TAP_OK(cfg_parse_hostport("10.0.0.1:2100", h, sizeof(h), &p) == 0 &&
	       strcmp(h, "10.0.0.1") == 0 && p == 2100, "host:port");
	TAP_OK(cfg_parse_hostport("[::1]:2100", h, sizeof(h), &p) == 0 &&
	       strcmp(h, "::1") == 0 && p == 2100, "[v6]:port");
	TAP_OK(cfg_parse_hostport("[2001:db8::1]", h, sizeof(h), &p) == 0 &&
	       strcmp(h, "2001:db8::1") == 0 && p == 21, "[v6] alone");
	TAP_OK(cfg_parse_hostport("2001:db8::1", h, sizeof(h), &p) == 0 && p == 21,
	       "bare v6 literal has no port");
	TAP_OK(cfg_parse_hostport("", h, sizeof(h), &p) < 0, "empty origin refused");
	TAP_OK(cfg_parse_hostport("h:0", h, sizeof(h), &p) < 0, "port 0 refused");
	TAP_OK(cfg_parse_hostport("h:65536", h, sizeof(h), &p) < 0, "port 65536 refused");
	TAP_OK(cfg_parse_hostport("h:21x", h, sizeof(h), &p) < 0, "trailing junk refused");
	TAP_OK(cfg_parse_hostport("h:", h, sizeof(h), &p) < 0, "empty port refused");
	TAP_OK(cfg_parse_hostport("[::1", h, sizeof(h), &p) < 0, "unclosed bracket refused");
	TAP_OK(cfg_parse_hostport("[::1]x", h, sizeof(h), &p) < 0, "junk after bracket refused");
	TAP_OK(cfg_parse_hostport("a b", h, sizeof(h), &p) < 0, "space in host refused");
	TAP_OK(cfg_parse_hostport("h:-1", h, sizeof(h), &p) < 0, "negative port refused");
}

static void ranges(void)
{
	uint16_t lo, hi;

	TAP_OK(cfg_parse_range("30000-30999", &lo, &hi) == 0 && lo == 30000 && hi == 30999,
	       "port range");
	TAP_OK(cfg_parse_range("5000-5000", &lo, &hi) == 0, "one-port range");
	TAP_OK(cfg_parse_range("5000-4000", &lo, &hi) < 0, "reversed range refused");
	TAP_OK(cfg_parse_range("0-10", &lo, &hi) < 0, "port 0 refused");
	TAP_OK(cfg_parse_range("1-65536", &lo, &hi) < 0, "port 65536 refused");
	TAP_OK(cfg_parse_range("5000", &lo, &hi) < 0, "single number refused");
	TAP_OK(cfg_parse_range("a-b", &lo, &hi) < 0, "words refused");
}

static void values(void)
{
	struct conf c;
	char err[256];

	cfg_defaults(&c);
	TAP_OK(c.idle_timeout == 900 && c.data_timeout == 300 && c.connect_timeout == 10,
	       "documented defaults");
	TAP_OK(cfg_set(&c, "idle-timeout", "60", err, sizeof(err)) == CONF_OK &&
	       c.idle_timeout == 60, "idle-timeout set");
	TAP_OK(cfg_set(&c, "idle-timeout", "abc", err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "idle-timeout") != NULL, "bad number names the option");
	TAP_OK(cfg_set(&c, "data-timeout", "0", err, sizeof(err)) == CONF_ERROR,
	       "timeout 0 refused");
	TAP_OK(cfg_set(&c, "data-timeout", "86401", err, sizeof(err)) == CONF_ERROR,
	       "timeout over a day refused");
	TAP_OK(cfg_set(&c, "connect-timeout", "-5", err, sizeof(err)) == CONF_ERROR,
	       "negative timeout refused");
	TAP_OK(cfg_set(&c, "pasv-address", "192.0.2.7", err, sizeof(err)) == CONF_OK &&
	       c.has_pasv_address, "IPv4 pasv-address");
	TAP_OK(cfg_set(&c, "pasv-address", "2001:db8::7", err, sizeof(err)) == CONF_OK,
	       "IPv6 pasv-address");
	TAP_OK(cfg_set(&c, "pasv-address", "ftp.example.org", err, sizeof(err)) == CONF_ERROR,
	       "host name as pasv-address refused");
	TAP_OK(cfg_set(&c, "no-such-key", "1", err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "no-such-key") != NULL, "unknown key named");
}

static void lines(void)
{
	char l1[] = "  origin = ftp.example.org:21  \n";
	char l2[] = "# comment\n";
	char l3[] = "   \n";
	char l4[] = "no equals sign\n";
	char l5[] = "= value\n";
	char l6[] = "pasv-ports=30000-30999\r\n";
	char *k, *v;

	TAP_OK(cfg_split_line(l1, &k, &v) == 1 && strcmp(k, "origin") == 0 &&
	       strcmp(v, "ftp.example.org:21") == 0, "key = value with spaces");
	TAP_OK(cfg_split_line(l2, &k, &v) == 0, "comment line");
	TAP_OK(cfg_split_line(l3, &k, &v) == 0, "blank line");
	TAP_OK(cfg_split_line(l4, &k, &v) == -1, "line without '=' is malformed");
	TAP_OK(cfg_split_line(l5, &k, &v) == -1, "line without key is malformed");
	TAP_OK(cfg_split_line(l6, &k, &v) == 1 && strcmp(v, "30000-30999") == 0,
	       "no spaces, CRLF");
}

static void file_and_precedence(void)
{
	char path[] = "/tmp/ftprelay-test-conf-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct conf c;
	char err[256];
	char *argv[] = { "ftprelay", "--config", path, "--idle-timeout", "30", NULL };

	fputs("# test\norigin = 127.0.0.1:2100\nidle-timeout = 99\ndata-timeout = 7\n", f);
	fclose(f);
	TAP_OK(cfg_load(&c, 5, argv, err, sizeof(err)) == CONF_OK, "config file loads");
	TAP_OK(strcmp(c.origin_host, "127.0.0.1") == 0 && c.origin_port == 2100,
	       "origin from the file");
	TAP_OK(c.idle_timeout == 30, "the command line wins over the file");
	TAP_OK(c.data_timeout == 7, "file value used where the command line is silent");
	TAP_OK(cfg_line_of(&c, "data-timeout") == 4 && cfg_line_of(&c, "origin") == 2,
	       "the file line of each setting is kept (for --check-config)");
	TAP_OK(cfg_line_of(&c, "idle-timeout") == 0,
	       "a setting from the command line has no file line");

	f = fopen(path, "w");
	fputs("origin = h\nbogus = 1\n", f);
	fclose(f);
	TAP_OK(cfg_load(&c, 3, argv, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "bogus") != NULL && strstr(err, ":2:") != NULL,
	       "unknown key in the file: named, with its line");
	unlink(path);
	TAP_OK(cfg_load(&c, 3, argv, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, path) != NULL, "missing config file named");

	char *argv2[] = { "ftprelay", "--origin=h:2121", "--pasv-ports", "1-2", NULL };

	TAP_OK(cfg_load(&c, 4, argv2, err, sizeof(err)) == CONF_OK && c.origin_port == 2121 &&
	       c.pasv_lo == 1 && c.pasv_hi == 2, "--key=value form");
	char *argv3[] = { "ftprelay", "--pasv-ports", NULL };

	TAP_OK(cfg_load(&c, 2, argv3, err, sizeof(err)) == CONF_ERROR, "missing value");
	char *argv4[] = { "ftprelay", "--bogus", NULL };

	TAP_OK(cfg_load(&c, 2, argv4, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "--bogus") != NULL, "unknown option named");
	char *argv6[] = { "ftprelay", "--origin", "h", "--xferlog", "/var/log/x", NULL };

	TAP_OK(cfg_load(&c, 5, argv6, err, sizeof(err)) == CONF_OK &&
	       strcmp(c.xferlog, "/var/log/x") == 0 && !c.check_config, "--xferlog FILE");
	TAP_OK(cfg_set(&c, "xferlog", "", err, sizeof(err)) == CONF_ERROR,
	       "an empty xferlog refused");
	char *argv7[] = { "ftprelay", "--check-config", "--origin", "h", NULL };

	TAP_OK(cfg_load(&c, 4, argv7, err, sizeof(err)) == CONF_OK && c.check_config,
	       "--check-config takes no value");
	char origin[64];

	TAP_OK(cfg_set(&c, "origin", "[2001:db8::1]:2121", err, sizeof(err)) == CONF_OK &&
	       strcmp(cfg_origin_str(&c, origin, sizeof(origin)), "[2001:db8::1]:2121") == 0,
	       "the origin as text keeps IPv6 brackets");
	char *argv5[] = { "ftprelay", NULL };

	TAP_OK(cfg_load(&c, 1, argv5, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "origin") != NULL, "origin is required");
}

static void routing(void)
{
	struct conf c;
	char err[256];
	char *a1[] = { "ftprelay", "--route-map", "/etc/r.cdb", NULL };
	char *a2[] = { "ftprelay", "--forward-to", "127.0.0.1:*", "--welcome", "Hi there", NULL };
	char *a3[] = { "ftprelay", "--route-url", "ftp://x/%s", NULL };
	char *a5[] = { "ftprelay", "--route-url", "https://x/%s", "--route-url-ca",
		       "/etc/ca.pem", "--url-module", "/opt/u.so", NULL };
	char *a4[] = { "ftprelay", "--origin", "h", NULL };

	TAP_OK(cfg_load(&c, 3, a1, err, sizeof(err)) == CONF_OK && c.routing &&
	       strcmp(c.route_map, "/etc/r.cdb") == 0 && c.origin_host[0] == '\0',
	       "a route map turns routing on; --origin is then optional");
	TAP_OK(strcmp(c.welcome, "FTP proxy ready") == 0, "the default welcome");
	TAP_OK(cfg_load(&c, 5, a2, err, sizeof(err)) == CONF_OK && c.routing &&
	       strcmp(c.forward_to, "127.0.0.1:*") == 0 && strcmp(c.welcome, "Hi there") == 0,
	       "--forward-to and --welcome");
	TAP_OK(cfg_load(&c, 3, a3, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "not an http:// or https:// URL") != NULL,
	       "--route-url: http and https only");
	TAP_OK(cfg_load(&c, 7, a5, err, sizeof(err)) == CONF_OK && c.routing &&
	       strcmp(c.route_url, "https://x/%s") == 0 &&
	       strcmp(c.route_url_ca, "/etc/ca.pem") == 0 &&
	       strcmp(c.url_module, "/opt/u.so") == 0,
	       "--route-url https://, --route-url-ca and --url-module");
	cfg_defaults(&c);
	TAP_OK(strcmp(c.url_module, FTPR_URL_MODULE) == 0 && c.route_url_ca[0] == '\0',
	       "the lookup module's default path; the CA: the system store");
	TAP_OK(cfg_set(&c, "route-url", "https://", err, sizeof(err)) == CONF_ERROR,
	       "https:// without a host");
	cfg_defaults(&c);
	TAP_OK(cfg_set(&c, "route-url", "http://127.0.0.1:8080/route?u=%s", err,
		       sizeof(err)) == CONF_OK, "an http URL");
	TAP_OK(cfg_set(&c, "welcome", "two\r\n230 lines", err, sizeof(err)) == CONF_ERROR,
	       "SECURITY: no CR/LF in the welcome text");
	TAP_OK(cfg_set(&c, "forward-to", "a b", err, sizeof(err)) == CONF_ERROR,
	       "no blanks in --forward-to");
	TAP_OK(cfg_load(&c, 3, a4, err, sizeof(err)) == CONF_OK && !c.routing &&
	       c.origin_n == 1, "no route source: no routing");
	cfg_defaults(&c);
	TAP_OK(cfg_set(&c, "origin", "10.0.0.1:2121,[::1]:21,ftp.example.org", err,
		       sizeof(err)) == CONF_OK && c.origin_n == 3 &&
	       strcmp(c.origin_host, "10.0.0.1") == 0 && c.origin_port == 2121,
	       "--origin A,B,C: the first is origin_host");
	TAP_OK(cfg_set(&c, "origin", "a,,b", err, sizeof(err)) == CONF_ERROR &&
	       cfg_set(&c, "origin", "a,", err, sizeof(err)) == CONF_ERROR &&
	       cfg_set(&c, "origin", "a,b:0", err, sizeof(err)) == CONF_ERROR,
	       "--origin: empty items and bad ports refused");
	TAP_OK(cfg_set(&c, "origin", "a,b,c,d,e,f,g,h", err, sizeof(err)) == CONF_OK &&
	       cfg_set(&c, "origin", "a,b,c,d,e,f,g,h,i", err, sizeof(err)) == CONF_ERROR,
	       "--origin: at most FTPR_ROUTE_ORIGINS_MAX");
}

/* --proxy-protocol-from and --origin-proxy-protocol */
static void proxy_protocol(void)
{
	struct conf c;
	char err[256];

	cfg_defaults(&c);
	TAP_OK(c.pp_from_n == 0 && c.origin_pp == 0, "PROXY protocol off by default");
	TAP_OK(cfg_set(&c, "proxy-protocol-from", "10.0.0.0/8,2001:db8::/32,192.0.2.7",
		       err, sizeof(err)) == CONF_OK && c.pp_from_n == 3 &&
	       c.pp_from[2].prefix == 32, "proxy-protocol-from: a list of v4, v6 and a host");
	TAP_OK(cfg_set(&c, "proxy-protocol-from", "10.0.0.0/8,", err, sizeof(err)) ==
	       CONF_ERROR && strstr(err, "proxy-protocol-from") != NULL,
	       "proxy-protocol-from: a trailing comma is refused");
	TAP_OK(cfg_set(&c, "proxy-protocol-from", "", err, sizeof(err)) == CONF_ERROR,
	       "proxy-protocol-from: empty is refused");
	TAP_OK(cfg_set(&c, "proxy-protocol-from", "lb.example.org", err, sizeof(err)) ==
	       CONF_ERROR, "proxy-protocol-from: a name is refused");
	TAP_OK(cfg_set(&c, "proxy-protocol-from",
		       "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,"
		       "1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,1.0.0.15,"
		       "1.0.0.16,1.0.0.17", err, sizeof(err)) == CONF_ERROR,
	       "proxy-protocol-from: more networks than the limit are refused");
	TAP_OK(cfg_set(&c, "origin-proxy-protocol", "v1", err, sizeof(err)) == CONF_OK &&
	       c.origin_pp == 1, "origin-proxy-protocol v1");
	TAP_OK(cfg_set(&c, "origin-proxy-protocol", "v2", err, sizeof(err)) == CONF_OK &&
	       c.origin_pp == 2, "origin-proxy-protocol v2");
	TAP_OK(cfg_set(&c, "origin-proxy-protocol", "off", err, sizeof(err)) == CONF_OK &&
	       c.origin_pp == 0, "origin-proxy-protocol off");
	TAP_OK(cfg_set(&c, "origin-proxy-protocol", "v3", err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "v3") != NULL, "origin-proxy-protocol v3 is refused");
	{
		char *argv[] = { "ftprelay", "--origin", "x", "--proxy-protocol-from",
				 "127.0.0.0/8", "--origin-proxy-protocol=v2", NULL };

		TAP_OK(cfg_load(&c, 6, argv, err, sizeof(err)) == CONF_OK &&
		       c.pp_from_n == 1 && c.origin_pp == 2,
		       "both options on the command line");
	}
}

static void tls(void)
{
	struct conf c;
	char err[256];

	cfg_defaults(&c);
	TAP_OK(c.client_tls == CLIENT_TLS_OFF && c.origin_tls == ORIGIN_TLS_OFF &&
	       c.client_tls_reuse && c.origin_tls_verify &&
	       strstr(c.tls_module, "ftprelay-tls.so") != NULL,
	       "TLS is off by default; reuse and verification on");
	TAP_OK(cfg_set(&c, "client-tls", "implicit", err, sizeof(err)) == CONF_OK &&
	       c.client_tls == CLIENT_TLS_IMPLICIT, "client-tls implicit");
	TAP_OK(cfg_set(&c, "client-tls", "required", err, sizeof(err)) == CONF_OK &&
	       c.client_tls == CLIENT_TLS_REQUIRED, "client-tls required");
	TAP_OK(cfg_set(&c, "client-tls", "on", err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "optional") != NULL, "client-tls on refused, modes named");
	TAP_OK(cfg_set(&c, "origin-tls", "explicit", err, sizeof(err)) == CONF_OK &&
	       c.origin_tls == ORIGIN_TLS_EXPLICIT, "origin-tls explicit");
	TAP_OK(cfg_set(&c, "origin-tls", "required", err, sizeof(err)) == CONF_ERROR,
	       "origin-tls required refused");
	TAP_OK(cfg_set(&c, "client-tls-reuse", "no", err, sizeof(err)) == CONF_OK &&
	       !c.client_tls_reuse, "client-tls-reuse no");
	TAP_OK(cfg_set(&c, "origin-tls-verify", "maybe", err, sizeof(err)) == CONF_ERROR,
	       "origin-tls-verify maybe refused");
	TAP_OK(cfg_set(&c, "origin-tls-verify", "no", err, sizeof(err)) == CONF_OK &&
	       !c.origin_tls_verify, "origin-tls-verify no");
	TAP_OK(cfg_set(&c, "tls-cert", "", err, sizeof(err)) == CONF_ERROR,
	       "an empty tls-cert refused");
	TAP_OK(cfg_set(&c, "origin-tls-name", "ftp.example.com", err, sizeof(err)) == CONF_OK &&
	       strcmp(c.origin_tls_name, "ftp.example.com") == 0, "origin-tls-name");

	char *argv[] = { "ftprelay", "--origin", "h", "--client-tls", "optional", NULL };

	TAP_OK(cfg_load(&c, 5, argv, err, sizeof(err)) == CONF_ERROR &&
	       strstr(err, "tls-cert") != NULL, "client-tls without a certificate refused");
	char *argv2[] = { "ftprelay", "--origin", "h", "--client-tls", "optional",
			  "--tls-cert", "/etc/c.pem", NULL };

	TAP_OK(cfg_load(&c, 7, argv2, err, sizeof(err)) == CONF_OK &&
	       strcmp(c.tls_cert, "/etc/c.pem") == 0 && c.tls_key[0] == '\0',
	       "the key defaults to the certificate file");
}

/* FTPS towards the origin with routing or an --origin list: login.c
 * connects those origins and sets up their TLS itself. */
static void tls_and_routing(void)
{
	struct conf c;
	char err[256];
	char *a1[] = { "ftprelay", "--route-map", "/etc/r.cdb", "--origin-tls", "explicit", NULL };
	char *a2[] = { "ftprelay", "--origin", "a,b", "--origin-tls", "implicit", NULL };

	TAP_OK(cfg_load(&c, 5, a1, err, sizeof(err)) == CONF_OK && c.routing &&
	       c.origin_tls == ORIGIN_TLS_EXPLICIT && c.origin_tls_name[0] == '\0',
	       "origin-tls with routing is accepted; the name comes from each route");
	TAP_OK(cfg_load(&c, 5, a2, err, sizeof(err)) == CONF_OK && c.origin_n == 2 &&
	       c.origin_tls == ORIGIN_TLS_IMPLICIT, "origin-tls with an --origin list is accepted");
}

int main(void)
{
	tls();
	tls_and_routing();
	proxy_protocol();
	hostport();
	ranges();
	values();
	lines();
	file_and_precedence();
	routing();
	return tap_done();
}
