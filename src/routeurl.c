/* routeurl.c - --route-url: a lookup service in pftp's format, the pure
 * part: the URL (%s is the percent-encoded user name; the service's host
 * is fixed) and what an answer means ({"code": 200, "data": "host:port"}
 * a route, any other code no route, anything else a failure).  The GET
 * and the JSON parse are the module's (urlmod.c), asked by
 * routelookup.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "routeurl.h"

int route_url_split(const char *url, int *https, char *host, size_t hostcap,
		    uint16_t *port, char *err, size_t errcap)
{
	char hp[FTPR_HOST_MAX + 8];
	const char *p;
	size_t n;

	if (strncmp(url, "http://", 7) == 0) {
		*https = 0;
		p = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		*https = 1;
		p = url + 8;
	} else {
		goto bad;
	}
	n = strcspn(p, "/?#");
	if (n == 0 || n >= sizeof(hp))
		goto bad;
	memcpy(hp, p, n);
	hp[n] = '\0';
	/* SECURITY: the user name goes into the path or query only, so it
	 * cannot choose the host; no credentials in the URL (logged). */
	if (strpbrk(hp, "@%") != NULL)
		goto bad;
	if (cfg_parse_hostport(hp, host, hostcap, port) < 0)
		goto bad;
	/* The port when the URL names one, else the scheme's. */
	if (hp[0] == '[' ? strstr(hp, "]:") == NULL : strchr(hp, ':') == NULL)
		*port = *https ? 443 : 80;
	return 0;
bad:
	snprintf(err, errcap, "--route-url: '%s' is not http[s]://HOST[:PORT]/PATH "
		 "(%%s only after the host)", url);
	return -1;
}

int route_url_expand(const char *tmpl, const char *user, size_t len,
		     char *buf, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

#define URL_PUT(c) do { if (n + 1 >= cap) return -1; buf[n++] = (c); } while (0)
	for (const char *p = tmpl; *p; p++) {
		if (p[0] != '%' || p[1] != 's') {
			URL_PUT(*p);
			continue;
		}
		p++;
		/* SECURITY: everything but RFC 3986's unreserved characters
		 * is encoded: the name cannot end the path, add a query or
		 * a fragment. */
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)user[i];

			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~') {
				URL_PUT((char)c);
			} else {
				URL_PUT('%');
				URL_PUT(hex[c >> 4]);
				URL_PUT(hex[c & 15]);
			}
		}
	}
#undef URL_PUT
	if (cap == 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

enum route_result route_url_answer(const struct url_answer *a,
				   struct route *r, char *why, size_t whycap)
{
	char err[160];

	/* An error page is an outage, not an answer about the user. */
	if (a->http_status != 200) {
		snprintf(why, whycap, "HTTP status %ld", a->http_status);
		return ROUTE_TEMPFAIL;
	}
	if (!a->have_code) {
		snprintf(why, whycap, "the answer is not JSON {\"code\": N, "
			 "\"data\": \"...\"} (no integer code)");
		return ROUTE_TEMPFAIL;
	}
	if (a->code != 200)
		return ROUTE_NONE;
	if (!a->have_data || a->datalen >= sizeof(a->data) ||
	    memchr(a->data, '\0', a->datalen) != NULL ||
	    route_parse_value(a->data, a->datalen, r, err, sizeof(err)) < 0) {
		snprintf(why, whycap, "code 200 without a usable \"data\" "
			 "(HOST:PORT)");
		return ROUTE_TEMPFAIL;
	}
	return ROUTE_FOUND;
}

