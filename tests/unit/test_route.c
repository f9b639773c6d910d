/* test_route.c - route map lines, the name@host splitter, --forward-to
 * patterns, and the lookup order over a map compiled from text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "route.h"
#include "routeurl.h"
#include "tap.h"

static struct route_entry e;
static char err[256];

static int line(const char *l)
{
	err[0] = '\0';
	return route_parse_line(l, strlen(l), &e, err, sizeof(err));
}

static int origin_is(const struct route *r, unsigned i, const char *want)
{
	char a[FTPR_ADDRSTR_MAX];

	return i < r->n && strcmp(net_addr_str(&r->origin[i], a, sizeof(a)), want) == 0;
}

static int split(const char *u, size_t *nl, char *host, uint16_t *port, char *hp)
{
	return route_split_user(u, strlen(u), nl, host, FTPR_HOST_MAX, port, hp,
				FTPR_HOST_MAX + 8);
}

static enum route_result look(struct route_map *m, const char *u, struct route *r)
{
	return route_lookup(m, u, strlen(u), r);
}

int main(void)
{
	char host[FTPR_HOST_MAX], hp[FTPR_HOST_MAX + 8];
	uint16_t port = 0;
	size_t nl = 0;

	/* map lines */
	TAP_OK(line("") == 0 && line("   \t") == 0 && line("# comment") == 0 &&
	       line("  # indented comment") == 0, "blank and comment lines");
	TAP_OK(line("alice 127.0.0.1") == 1 && e.kind == ROUTE_KEY_NAME &&
	       strcmp(e.key, "=alice") == 0 && e.r.n == 1 &&
	       origin_is(&e.r, 0, "127.0.0.1:21") && e.r.user[0] == '\0',
	       "a name with one origin, port 21 by default");
	TAP_OK(line("bob\t127.0.0.1:2121,[::1]:2122   user=anonymous") == 1 &&
	       e.r.n == 2 && origin_is(&e.r, 0, "127.0.0.1:2121") &&
	       origin_is(&e.r, 1, "[::1]:2122") && strcmp(e.r.user, "anonymous") == 0,
	       "two origins, IPv6 in brackets, user=");
	TAP_STR(e.value, e.valuelen, "127.0.0.1:2121,[::1]:2122 user=anonymous",
		"the canonical value of a route");
	TAP_OK(line("*@Example.COM 10.0.0.1") == 1 && e.kind == ROUTE_KEY_DOMAIN &&
	       strcmp(e.key, "@example.com") == 0, "*@DOMAIN is lowercased");
	TAP_OK(line("* 10.0.0.2:21") == 1 && e.kind == ROUTE_KEY_DEFAULT &&
	       strcmp(e.key, "*") == 0, "* is the default route");
	TAP_OK(line("Alice@Example.COM 10.0.0.3") == 1 &&
	       strcmp(e.key, "=Alice@Example.COM") == 0, "names are kept exactly");
	TAP_OK(line("alice 127.0.0.1 group=x") < 0 && strstr(err, "unknown field 'group=x'"),
	       "an unknown field is refused");
	TAP_OK(line("alice 127.0.0.1 user=a user=b") < 0 && strstr(err, "unknown field"),
	       "user= twice is refused");
	TAP_OK(line("alice ftp.example.net") == 1 && e.r.named[0] &&
	       strcmp(e.r.host[0], "ftp.example.net") == 0 && e.r.port[0] == 21 &&
	       line("alice ftp_example.net") < 0 && strstr(err, "bad address"),
	       "a host name is kept (not resolved); a bad one is refused");
	TAP_OK(line("alice 127.0.0.1:0") < 0 && line("alice 127.0.0.1:65536") < 0 &&
	       line("alice 256.0.0.1") < 0 && line("alice 127.0.0.1,") < 0 &&
	       line("alice ,127.0.0.1") < 0, "bad ports, addresses, empty list items");
	TAP_OK(line("alice ::1") < 0 && line("alice [::1]:21") == 1,
	       "IPv6 only in brackets");
	TAP_OK(line("alice") < 0 && strstr(err, "no ORIGIN"), "a name alone is refused");
	TAP_OK(line("alice 1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		    "1.1.1.8") == 1 && e.r.n == 8 &&
	       line("alice 1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		    "1.1.1.8,1.1.1.9") < 0, "at most FTPR_ROUTE_ORIGINS_MAX origins");
	TAP_OK(line("*@ 1.1.1.1") < 0 && line("*@a@b 1.1.1.1") < 0 &&
	       line("*x 1.1.1.1") < 0 && line("*@*.example 1.1.1.1") < 0,
	       "bad patterns are refused");
	TAP_OK(route_parse_line("a 1.1.1.1\0", 10, &e, err, sizeof(err)) < 0 &&
	       line("a 1.1.1.1\r") < 0, "NUL and CR are refused");

	/* name@host[:port] */
	TAP_OK(split("bob@ftp.example.net", &nl, host, &port, hp) == 0 && nl == 3 &&
	       strcmp(host, "ftp.example.net") == 0 && port == 21 &&
	       strcmp(hp, "ftp.example.net:21") == 0, "name@host: port 21");
	TAP_OK(split("bob@example.com@127.0.0.1:2121", &nl, host, &port, hp) == 0 &&
	       nl == 15 && strcmp(host, "127.0.0.1") == 0 && port == 2121 &&
	       strcmp(hp, "127.0.0.1:2121") == 0, "the last @ separates");
	TAP_OK(split("bob@[::1]:2121", &nl, host, &port, hp) == 0 &&
	       strcmp(host, "::1") == 0 && port == 2121 && strcmp(hp, "[::1]:2121") == 0,
	       "[v6]:port");
	TAP_OK(split("bob@[::1]", &nl, host, &port, hp) == 0 && port == 21 &&
	       strcmp(hp, "[::1]:21") == 0, "[v6] without a port");
	TAP_OK(split("bob", &nl, host, &port, hp) < 0 && split("@host", &nl, host, &port, hp) < 0 &&
	       split("bob@", &nl, host, &port, hp) < 0, "no @, empty name, empty host");
	TAP_OK(split("bob@h:0", &nl, host, &port, hp) < 0 &&
	       split("bob@h:65536", &nl, host, &port, hp) < 0 &&
	       split("bob@h:", &nl, host, &port, hp) < 0 &&
	       split("bob@h:21:22", &nl, host, &port, hp) < 0 &&
	       split("bob@h:0000021", &nl, host, &port, hp) < 0,
	       "bad ports are refused");
	TAP_OK(split("bob@[::1", &nl, host, &port, hp) < 0 &&
	       split("bob@[]:21", &nl, host, &port, hp) < 0 &&
	       split("bob@[::1]x", &nl, host, &port, hp) < 0 &&
	       split("bob@[::g]", &nl, host, &port, hp) < 0 &&
	       split("bob@h/x", &nl, host, &port, hp) < 0 &&
	       split("bob@h x", &nl, host, &port, hp) < 0, "bad host parts are refused");

	/* --forward-to patterns */
	TAP_OK(route_pattern_match("*.ftp.example.net:21", "a.ftp.example.net:21") &&
	       route_pattern_match("*.ftp.example.net:21", "A.FTP.Example.net:21") &&
	       !route_pattern_match("*.ftp.example.net:21", "a.ftp.example.net:2121") &&
	       !route_pattern_match("*.ftp.example.net:21", "ftp.example.net:21"),
	       "host:port patterns, case-insensitive");
	TAP_OK(route_pattern_match("10.0.0.1:21,127.0.0.1:*", "127.0.0.1:2121") &&
	       !route_pattern_match("10.0.0.1:21,127.0.0.1:*", "127.0.0.2:21") &&
	       route_pattern_match("[[]::1]:*", "[::1]:21"),
	       "a list of patterns; brackets need [[] in a pattern");

	/* lookups over a text map (compiled in memory) and a compiled one */
	{
		char dir[] = "/tmp/test_route.XXXXXX", path[128], cdb[128];
		struct route_map m;
		struct route r;
		FILE *f;

		TAP_OK(mkdtemp(dir) != NULL, "a temporary directory");
		snprintf(path, sizeof(path), "%s/routes.map", dir);
		snprintf(cdb, sizeof(cdb), "%s/routes.cdb", dir);
		f = fopen(path, "w");
		fputs("# test map\n"
		      "alice 127.0.0.1:2001 user=anonymous\n"
		      "\n"
		      "bob@example.com 127.0.0.1:2002\n"
		      "*@example.com 127.0.0.1:2003\n"
		      "*@sub.example.com 127.0.0.1:2004,127.0.0.1:2005\n"
		      "*@com 127.0.0.1:2006\n"
		      "* 127.0.0.1:2007\n", f);
		fclose(f);
		for (int pass = 0; pass < 2; pass++) {
			const char *p = pass ? cdb : path;

			if (pass)
				TAP_OK(route_compile(path, cdb, err, sizeof(err)) == 0,
				       "--compile-routes writes the cdb");
			TAP_OK(route_map_open(&m, p, err, sizeof(err)) == 0, "the map opens");
			TAP_OK(look(&m, "alice", &r) == ROUTE_FOUND && origin_is(&r, 0, "127.0.0.1:2001") &&
			       strcmp(r.user, "anonymous") == 0, "exact name, user=");
			TAP_OK(look(&m, "Alice", &r) == ROUTE_FOUND && origin_is(&r, 0, "127.0.0.1:2007"),
			       "names compare exactly: Alice falls to *");
			TAP_OK(look(&m, "bob@example.com", &r) == ROUTE_FOUND &&
			       origin_is(&r, 0, "127.0.0.1:2002"), "an exact name wins over *@DOMAIN");
			TAP_OK(look(&m, "carol@EXAMPLE.com", &r) == ROUTE_FOUND &&
			       origin_is(&r, 0, "127.0.0.1:2003"), "*@DOMAIN, case-insensitive");
			TAP_OK(look(&m, "carol@x.Sub.example.com", &r) == ROUTE_FOUND && r.n == 2 &&
			       origin_is(&r, 1, "127.0.0.1:2005"), "the longest domain wins");
			TAP_OK(look(&m, "carol@example.org@other.com", &r) == ROUTE_FOUND &&
			       origin_is(&r, 0, "127.0.0.1:2006"), "the domain is after the last @");
			TAP_OK(look(&m, "carol@notexample.com", &r) == ROUTE_FOUND &&
			       origin_is(&r, 0, "127.0.0.1:2006"), "domains match at label boundaries");
			TAP_OK(look(&m, "dave", &r) == ROUTE_FOUND && origin_is(&r, 0, "127.0.0.1:2007"),
			       "* last");
		}
		f = fopen(path, "w");
		fputs("alice 127.0.0.1\n", f);
		fclose(f);
		TAP_OK(route_map_open(&m, path, err, sizeof(err)) == 0 &&
		       look(&m, "bob", &r) == ROUTE_NONE, "no * : no route");
		f = fopen(path, "w");
		fputs("alice 127.0.0.1\n# x\nbob 127.0.0.2\nalice 127.0.0.3\n", f);
		fclose(f);
		TAP_OK(route_map_open(&m, path, err, sizeof(err)) < 0 &&
		       strstr(err, "routes.map:4: duplicate name 'alice' (first on line 1)"),
		       "a duplicate name, with file:line");
		f = fopen(path, "w");
		fputs("*@Example.com 127.0.0.1\n*@example.COM 127.0.0.3\n", f);
		fclose(f);
		TAP_OK(route_map_open(&m, path, err, sizeof(err)) < 0 && strstr(err, ":2: duplicate"),
		       "duplicate domains compare case-insensitively");
		f = fopen(path, "w");
		fputs("alice 127.0.0.1\nbob 127.0.0.1 quota=1\n", f);
		fclose(f);
		TAP_OK(route_map_open(&m, path, err, sizeof(err)) < 0 &&
		       strstr(err, "routes.map:2: unknown field 'quota=1'"), "an unknown field, with file:line");
		TAP_OK(route_compile(path, cdb, err, sizeof(err)) < 0 &&
		       route_map_open(&m, cdb, err, sizeof(err)) == 0 &&
		       look(&m, "alice", &r) == ROUTE_FOUND && origin_is(&r, 0, "127.0.0.1:2001"),
		       "a failed compile leaves the old cdb in place");
		TAP_OK(route_map_open(&m, "/nonexistent/x.cdb", err, sizeof(err)) < 0 &&
		       strstr(err, "/nonexistent/x.cdb"), "a missing map is an error");
		unlink(path);
		unlink(cdb);
		rmdir(dir);
	}
	/* --route-url: the URL and what the answer means */
	{
		struct url_answer a;
		struct route r;
		char url[512], why[256], host[FTPR_HOST_MAX];
		uint16_t port;
		int https;

		TAP_OK(route_url_split("http://127.0.0.1:8080/route/%s?x=1", &https, host,
				       sizeof(host), &port, err, sizeof(err)) == 0 &&
		       !https && strcmp(host, "127.0.0.1") == 0 && port == 8080,
		       "a URL with a literal host and a port");
		TAP_OK(route_url_split("https://lookup.example.net/r?u=%s", &https, host,
				       sizeof(host), &port, err, sizeof(err)) == 0 &&
		       https && strcmp(host, "lookup.example.net") == 0 && port == 443,
		       "https, a host name, port 443 by default");
		TAP_OK(route_url_split("http://[::1]/r?u=%s", &https, host, sizeof(host),
				       &port, err, sizeof(err)) == 0 &&
		       strcmp(host, "::1") == 0 && port == 80,
		       "IPv6 literal, port 80 by default");
		TAP_OK(route_url_split("https://[::1]:8443?u=%s", &https, host, sizeof(host),
				       &port, err, sizeof(err)) == 0 && port == 8443,
		       "a query right after the host");
		TAP_OK(route_url_split("ftp://x/%s", &https, host, sizeof(host), &port,
				       err, sizeof(err)) < 0 &&
		       route_url_split("http:///x", &https, host, sizeof(host), &port,
				       err, sizeof(err)) < 0,
		       "not http(s), no host: refused");
		TAP_OK(route_url_split("http://%s.example.net/x", &https, host, sizeof(host),
				       &port, err, sizeof(err)) < 0 &&
		       route_url_split("https://user:pw@x/%s", &https, host, sizeof(host),
				       &port, err, sizeof(err)) < 0,
		       "SECURITY: no %s in the host, no user info");
		TAP_OK(route_url_expand("http://127.0.0.1:8080/route/%s?x=1", "bob@ex ample/%",
					14, url, sizeof(url)) > 0 &&
		       strcmp(url, "http://127.0.0.1:8080/route/bob%40ex%20ample%2F%25?x=1") == 0,
		       "%s is the percent-encoded name");
		TAP_OK(route_url_expand("http://h/?a=%s&b=%s", "a?#&b", 5, url, sizeof(url)) > 0 &&
		       strcmp(url, "http://h/?a=a%3F%23%26b&b=a%3F%23%26b") == 0,
		       "SECURITY: ? # & are encoded; every %s is replaced");
		TAP_OK(route_url_expand("http://h/%s", "\r\n\x80", 3, url, sizeof(url)) > 0 &&
		       strcmp(url, "http://h/%0D%0A%80") == 0, "control and 8-bit bytes encoded");
		TAP_OK(route_url_expand("http://h/%s", "bobbybob", 8, url, 14) < 0,
		       "a short buffer is refused");
#define ANSWER(status, hc, c, hd, d) (memset(&a, 0, sizeof(a)), a.http_status = (status), \
	a.have_code = (hc), a.code = (c), a.have_data = (hd), \
	snprintf(a.data, sizeof(a.data), "%s", (d)), a.datalen = strlen(a.data), \
	route_url_answer(&a, &r, why, sizeof(why)))
		TAP_OK(ANSWER(200, 1, 200, 1, "127.0.0.1:2121") == ROUTE_FOUND && r.n == 1 &&
		       origin_is(&r, 0, "127.0.0.1:2121"), "code 200: the route");
		TAP_OK(ANSWER(200, 1, 200, 1, "[::1]:21") == ROUTE_FOUND &&
		       origin_is(&r, 0, "[::1]:21"), "an IPv6 route");
		TAP_OK(ANSWER(200, 1, 404, 1, "no such user") == ROUTE_NONE, "another code: no route");
		TAP_OK(ANSWER(200, 1, 404, 0, "") == ROUTE_NONE, "another code without data: no route");
		TAP_OK(ANSWER(500, 0, 0, 0, "") == ROUTE_TEMPFAIL && strstr(why, "HTTP status 500"),
		       "an HTTP error is a failure, not \"no route\"");
		TAP_OK(ANSWER(404, 1, 200, 1, "127.0.0.1:21") == ROUTE_TEMPFAIL,
		       "HTTP 404 is a failure whatever its body says");
		TAP_OK(ANSWER(200, 0, 0, 1, "127.0.0.1:21") == ROUTE_TEMPFAIL &&
		       strstr(why, "no integer code"), "no integer code is a failure");
		TAP_OK(ANSWER(200, 1, 200, 0, "") == ROUTE_TEMPFAIL, "200 without data is a failure");
		TAP_OK(ANSWER(200, 1, 200, 1, "ftp.example.net:2121") == ROUTE_FOUND && r.n == 1 &&
		       r.named[0] && strcmp(r.host[0], "ftp.example.net") == 0 && r.port[0] == 2121,
		       "a host name in data is kept, to be resolved at connect");
		TAP_OK(ANSWER(200, 1, 200, 1, "ftp_x.example.net:21") == ROUTE_TEMPFAIL,
		       "a bad host name in data is a failure");
		TAP_OK(ANSWER(200, 1, 200, 1, "127.0.0.1:99999") == ROUTE_TEMPFAIL,
		       "200 with a bad HOST:PORT is a failure");
		TAP_OK(ANSWER(200, 1, 200, 1, "127.0.0.1:21 quota=1") == ROUTE_TEMPFAIL,
		       "200 with an unknown field is a failure");
#undef ANSWER
	}
	return tap_done();
}
