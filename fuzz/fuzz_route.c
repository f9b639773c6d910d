/* fuzz_route.c - libFuzzer target for the pure parts of routing: route
 * map lines, the "name@host[:port]" splitter, --forward-to patterns and
 * the lookup service's URL and answer.  Input: the first byte picks
 * the parser, the rest is its input. */
/* FUZZ_SOURCES: route.c routeurl.c conf.c net.c ports.c cidr.c dns.c */
#include "config.h"

#include "fuzz.h"
#include "route.h"
#include "routeurl.h"

static int same_route(const struct route *a, const struct route *b)
{
	char x[FTPR_ADDRSTR_MAX], y[FTPR_ADDRSTR_MAX];

	if (a->n != b->n || strcmp(a->user, b->user) != 0)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (a->named[i] != b->named[i] || a->port[i] != b->port[i] ||
		    (a->named[i] && strcmp(a->host[i], b->host[i]) != 0) ||
		    strcmp(net_addr_str(&a->origin[i], x, sizeof(x)),
			   net_addr_str(&b->origin[i], y, sizeof(y))) != 0)
			return 0;
	return 1;
}

/* A map line: an entry's canonical value reads back as the same route,
 * and a line made of the key and that value parses to the same value. */
static void check_line(const char *l, size_t len)
{
	static struct route_entry e, e2;
	static struct route r;
	char err[256], line[FTPR_ROUTE_LINE_MAX * 2];
	int rc = route_parse_line(l, len, &e, err, sizeof(err));

	FUZZ_CHECK(rc >= -1 && rc <= 1, "route_parse_line result");
	if (rc != 1)
		return;
	FUZZ_CHECK(e.keylen >= 1 && e.keylen <= FTPR_ROUTE_NAME_MAX + 1 &&
		   e.key[e.keylen] == '\0', "key length");
	FUZZ_CHECK(e.r.n >= 1 && e.r.n <= FTPR_ROUTE_ORIGINS_MAX, "origin count");
	FUZZ_CHECK(memchr(e.key, ' ', e.keylen) == NULL &&
		   memchr(e.key, '\t', e.keylen) == NULL, "no blank in a key");
	FUZZ_CHECK(route_parse_value(e.value, e.valuelen, &r, err, sizeof(err)) == 0 &&
		   same_route(&r, &e.r), "the canonical value reads back");
	snprintf(line, sizeof(line), "%s %s",
		 e.kind == ROUTE_KEY_DEFAULT ? "*" :
		 e.kind == ROUTE_KEY_DOMAIN ? "*@" : "", e.value);
	if (e.kind != ROUTE_KEY_DEFAULT) {
		snprintf(line, sizeof(line), "%s%.*s %s",
			 e.kind == ROUTE_KEY_DOMAIN ? "*@" : "", (int)e.keylen - 1,
			 e.key + 1, e.value);
	}
	FUZZ_CHECK(route_parse_line(line, strlen(line), &e2, err, sizeof(err)) == 1 &&
		   e2.keylen == e.keylen && memcmp(e2.key, e.key, e.keylen) == 0 &&
		   e2.valuelen == e.valuelen && memcmp(e2.value, e.value, e.valuelen) == 0,
		   "key and canonical value parse to themselves");
}

static void check_split(const char *u, size_t len)
{
	char host[FTPR_HOST_MAX], hp[FTPR_HOST_MAX + 8];
	uint16_t port = 0;
	size_t nl = 0;

	if (route_split_user(u, len, &nl, host, sizeof(host), &port, hp, sizeof(hp)) < 0)
		return;
	FUZZ_CHECK(nl > 0 && nl < len && u[nl] == '@', "the name ends at an @");
	FUZZ_CHECK(memchr(u + nl + 1, '@', len - nl - 1) == NULL, "it is the last @");
	FUZZ_CHECK(port != 0 && host[0] != '\0', "a host and a port");
	FUZZ_CHECK(strstr(hp, host) == hp + (hp[0] == '['), "hostport starts with the host");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	char *c;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		size_t start = 0;

		while (start < n) {
			const char *lf = memchr(s + start, '\n', n - start);
			size_t end = lf != NULL ? (size_t)(lf - s) : n;

			c = fuzz_dup(s + start, end - start);
			check_line(c, end - start);
			free(c);
			start = end + 1;
		}
		break;
	}
	case 1:
		c = fuzz_dup(s, n);
		check_split(c, n);
		free(c);
		break;
	case 2: {
		/* patterns, NUL, host:port */
		const char *nul = memchr(s, '\0', n);
		char *pat, *hp;

		if (nul == NULL)
			break;
		pat = fuzz_strdup(s, (size_t)(nul - s));
		hp = fuzz_strdup(nul + 1, n - (size_t)(nul - s) - 1);
		(void)route_pattern_match(pat, hp);
		free(pat);
		free(hp);
		break;
	}
	default: {
		/* the URL template NUL the user name: the split, the
		 * expansion (no byte of the name outside RFC 3986's
		 * unreserved set unencoded); then the name as "data" */
		static struct route r;
		static struct url_answer a;
		const char *nul = memchr(s, '\0', n);
		char host[FTPR_HOST_MAX], why[256], url[512];
		uint16_t port;
		int https, len;

		if (nul == NULL)
			break;
		c = fuzz_strdup(s, (size_t)(nul - s));
		(void)route_url_split(c, &https, host, sizeof(host), &port, why,
				      sizeof(why));
		len = route_url_expand(c, nul + 1, n - (size_t)(nul - s) - 1, url,
				       sizeof(url));
		FUZZ_CHECK(len < 0 || ((size_t)len < sizeof(url) && url[len] == '\0' &&
					strlen(url) == (size_t)len), "an expanded URL");
		free(c);
		memset(&a, 0, sizeof(a));
		a.http_status = 200;
		a.have_code = a.have_data = 1;
		a.code = 200;
		a.datalen = n - (size_t)(nul - s) - 1;
		if (a.datalen >= sizeof(a.data))
			a.datalen = sizeof(a.data) - 1;
		memcpy(a.data, nul + 1, a.datalen);
		FUZZ_CHECK(route_url_answer(&a, &r, why, sizeof(why)) != ROUTE_FOUND ||
			   (r.n >= 1 && r.n <= FTPR_ROUTE_ORIGINS_MAX),
			   "a found route has origins");
		break;
	}
	}
	return 0;
}
