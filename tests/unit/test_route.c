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
	/* --route-url: the request and the answer */
	{
		struct route_url u;
		struct route r;
		char req[512], why[256];
		const char *a;

		TAP_OK(route_url_setup(&u, "http://127.0.0.1:8080/route/%s?x=1", err,
				       sizeof(err)) == 0 && net_port(&u.addr) == 8080,
		       "a URL with a literal host and a port");
		TAP_OK(route_url_request(&u, "bob@ex ample/%", 14, req, sizeof(req)) > 0 &&
		       strncmp(req, "GET /route/bob%40ex%20ample%2F%25?x=1 HTTP/1.0\r\n"
			       "Host: 127.0.0.1:8080\r\n", 62) == 0,
		       "%s is the percent-encoded name; HTTP/1.0 with Host");
		TAP_OK(route_url_request(&u, "bob", 3, req, 20) < 0, "a short buffer is refused");
		TAP_OK(route_url_setup(&u, "http://[::1]/r?u=%s", err, sizeof(err)) == 0 &&
		       net_port(&u.addr) == 80, "IPv6 literal, port 80 by default");
		TAP_OK(route_url_setup(&u, "ftp://x/%s", err, sizeof(err)) < 0 &&
		       route_url_setup(&u, "http:///x", err, sizeof(err)) < 0,
		       "not http, no host: refused");
#define ANSWER(s) route_url_parse_answer((s), strlen(s), &r, why, sizeof(why))
		a = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
		    "{\"code\": 200, \"data\": \"127.0.0.1:2121\"}\n";
		TAP_OK(ANSWER(a) == ROUTE_FOUND && r.n == 1 && origin_is(&r, 0, "127.0.0.1:2121"),
		       "code 200: the route");
		a = "HTTP/1.1 200 OK\r\nContent-Length: 38\r\n\r\n"
		    "{\"data\":\"[::1]:21\",\"code\":200,\"x\":[1]}garbage after";
		TAP_OK(ANSWER(a) == ROUTE_FOUND && origin_is(&r, 0, "[::1]:21"),
		       "Content-Length bounds the body; key order and other keys do not matter");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 404, \"data\": \"no such user\"}";
		TAP_OK(ANSWER(a) == ROUTE_NONE, "another code: no route");
		a = "HTTP/1.0 500 Internal Server Error\r\n\r\n{\"code\": 200}";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL && strstr(why, "HTTP status 500"),
		       "an HTTP error is a failure, not \"no route\"");
		a = "HTTP/1.0 200 OK\r\n\r\n<html>";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "garbage is a failure");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 200, \"data\": \"ftp.example.net:2121\"}";
		TAP_OK(ANSWER(a) == ROUTE_FOUND && r.n == 1 && r.named[0] &&
		       strcmp(r.host[0], "ftp.example.net") == 0 && r.port[0] == 2121,
		       "a host name in data is kept, to be resolved at connect");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 200, \"data\": \"ftp_x.example.net:21\"}";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "a bad host name in data is a failure");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 200}";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "200 without data is a failure");
		a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "2a\r\n{\"code\": 200, \"data\": \"127.0.0.1:21\"}\r\n0\r\n\r\n";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL && strstr(why, "Transfer-Encoding"),
		       "a chunked answer is refused");
		a = "HTTP/1.0 200 OK\r\nContent-Length: 99\r\n\r\n{\"code\": 404}";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "a body shorter than Content-Length");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 200, \"data\": \"127.0.0.1:21\"";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "an unclosed object");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 2e2, \"data\": \"127.0.0.1:21\"}";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "a code that is not an integer");
		a = "HTTP/1.0 200 OK\r\n\r\n{\"code\": 200, \"data\": \"127.0.0.1\\u003a21\"}";
		TAP_OK(ANSWER(a) == ROUTE_FOUND && origin_is(&r, 0, "127.0.0.1:21"),
		       "JSON escapes in data");
		a = "HTTP/1.0 200 OK\r\n\r\n";
		TAP_OK(ANSWER(a) == ROUTE_TEMPFAIL, "an empty body");
#undef ANSWER
	}
	return tap_done();
}
