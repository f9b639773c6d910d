/* route.c - per-user routing, the pure parts: map lines, the
 * "name@host[:port]" splitter and the --forward-to pattern match.  The
 * map files are routemap.c's.
 *
 * A map is a constant database (tinycdb) in every case: a compiled .cdb is
 * mapped from its file, a text map is parsed whole at set-up and compiled
 * into a memfd.  So there is one lookup, and it makes no system call
 * (cdb_find() reads the mapping made before the lock-down).  djbdns and
 * qmail open a cdb per lookup in the same way, and pay nothing for its
 * size. */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "dns.h"
#include "route.h"

static int route_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char route_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int route_add_origin(struct route *r, const char *host, uint16_t port)
{
	size_t n = strlen(host);
	unsigned i = r->n;

	if (i >= FTPR_ROUTE_ORIGINS_MAX || n >= sizeof(r->host[i]))
		return -1;
	if (net_parse_literal(host, &r->origin[i]) == 0) {
		net_set_port(&r->origin[i], port);
		r->named[i] = 0;
	} else if (dns_valid_name(host, n)) {
		/* Resolved at connect time, after the lock-down. */
		memset(&r->origin[i], 0, sizeof(r->origin[i]));
		r->named[i] = 1;
	} else {
		return -1;
	}
	memcpy(r->host[i], host, n + 1);
	r->port[i] = port;
	r->n++;
	return 0;
}

/* One ORIGIN: HOST[:PORT] or [IPv6][:PORT], HOST an address literal or a
 * host name, as r's next origin. */
static int route_parse_origin(const char *p, size_t n, struct route *r)
{
	char item[FTPR_HOST_MAX], host[FTPR_HOST_MAX];
	struct net_addr a;
	uint16_t port;

	if (n == 0 || n >= sizeof(item))
		return -1;
	memcpy(item, p, n);
	item[n] = '\0';
	if (memchr(item, '\0', n) != NULL)
		return -1;
	if (cfg_parse_hostport(item, host, sizeof(host), &port) < 0)
		return -1;
	/* A bare IPv6 literal ("::1:2121") is ambiguous: brackets only,
	 * and brackets hold an address literal, never a name. */
	if (item[0] != '[' && strchr(host, ':') != NULL)
		return -1;
	if (item[0] == '[' && net_parse_literal(host, &a) < 0)
		return -1;
	return route_add_origin(r, host, port);
}

int route_parse_value(const char *v, size_t len, struct route *r, char *err,
		      size_t errcap)
{
	size_t i = 0, start, end;
	int have_user = 0;

	memset(r, 0, sizeof(*r));
	while (i < len && route_blank(v[i]))
		i++;
	/* The origins: one field, comma-separated. */
	start = i;
	while (i < len && !route_blank(v[i]))
		i++;
	end = i;
	if (start == end) {
		snprintf(err, errcap, "no ORIGIN");
		return -1;
	}
	for (size_t p = start; p <= end;) {
		size_t q = p;

		while (q < end && v[q] != ',')
			q++;
		if (r->n >= FTPR_ROUTE_ORIGINS_MAX) {
			snprintf(err, errcap, "more than %d origins",
				 FTPR_ROUTE_ORIGINS_MAX);
			return -1;
		}
		if (route_parse_origin(v + p, q - p, r) < 0) {
			snprintf(err, errcap, "bad address '%.*s' (HOST[:PORT] or "
				 "[IPv6]:PORT, HOST an address literal or a host name)",
				 (int)((q - p) > 80 ? 80 : (q - p)), v + p);
			return -1;
		}
		p = q + 1;
	}
	/* Then fields of the form key=value. */
	for (;;) {
		while (i < len && route_blank(v[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && !route_blank(v[i]))
			i++;
		if (i - start > 5 && memcmp(v + start, "user=", 5) == 0 && !have_user) {
			size_t n = i - start - 5;

			if (n > FTPR_ROUTE_NAME_MAX ||
			    memchr(v + start + 5, '\0', n) != NULL) {
				snprintf(err, errcap, "bad user= name");
				return -1;
			}
			memcpy(r->user, v + start + 5, n);
			r->user[n] = '\0';
			have_user = 1;
			continue;
		}
		snprintf(err, errcap, "unknown field '%.*s'",
			 (int)((i - start) > 80 ? 80 : (i - start)), v + start);
		return -1;
	}
	return 0;
}

/* The canonical value text of a parsed route. */
static int route_format_value(const struct route *r, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < r->n; i++) {
		char a[FTPR_ADDRSTR_MAX];
		int w = r->named[i] ?
			snprintf(buf + n, cap - n, "%s%s:%u", i ? "," : "",
				 r->host[i], (unsigned)r->port[i]) :
			snprintf(buf + n, cap - n, "%s%s", i ? "," : "",
				 net_addr_str(&r->origin[i], a, sizeof(a)));

		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	if (r->user[0] != '\0') {
		int w = snprintf(buf + n, cap - n, " user=%s", r->user);

		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

int route_parse_line(const char *line, size_t len, struct route_entry *e,
		     char *err, size_t errcap)
{
	size_t i = 0, start, n;
	const char *name;
	int w;

	while (i < len && route_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL) {
		snprintf(err, errcap, "NUL or CR in the line");
		return -1;
	}
	start = i;
	while (i < len && !route_blank(line[i]))
		i++;
	name = line + start;
	n = i - start;
	if (n == 1 && name[0] == '*') {
		e->kind = ROUTE_KEY_DEFAULT;
		e->key[0] = '*';
		e->keylen = 1;
	} else if (n >= 2 && name[0] == '*' && name[1] == '@') {
		if (n == 2 || n - 2 > FTPR_ROUTE_NAME_MAX ||
		    memchr(name + 2, '@', n - 2) != NULL ||
		    memchr(name + 2, '*', n - 2) != NULL) {
			snprintf(err, errcap, "bad domain in '%.*s'",
				 (int)(n > 80 ? 80 : n), name);
			return -1;
		}
		e->kind = ROUTE_KEY_DOMAIN;
		e->key[0] = '@';
		for (size_t k = 2; k < n; k++)
			e->key[k - 1] = route_lower(name[k]);
		e->keylen = n - 1;
	} else {
		if (n > FTPR_ROUTE_NAME_MAX || name[0] == '*') {
			snprintf(err, errcap, "bad name '%.*s'",
				 (int)(n > 80 ? 80 : n), name);
			return -1;
		}
		e->kind = ROUTE_KEY_NAME;
		e->key[0] = '=';
		memcpy(e->key + 1, name, n);
		e->keylen = n + 1;
	}
	e->key[e->keylen] = '\0';
	if (route_parse_value(line + i, len - i, &e->r, err, errcap) < 0)
		return -1;
	w = route_format_value(&e->r, e->value, sizeof(e->value));
	if (w < 0) {
		snprintf(err, errcap, "route too long");
		return -1;
	}
	e->valuelen = (size_t)w;
	return 1;
}

/* ---- name@host --------------------------------------------------------- */

static int route_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

int route_split_user(const char *user, size_t len, size_t *namelen,
		     char *host, size_t hostcap, uint16_t *port,
		     char *hostport, size_t hpcap)
{
	const char *at = NULL, *h, *hend, *end = user + len, *p;
	unsigned long v = 0;
	int bracket = 0;

	for (size_t i = 0; i < len; i++)
		if (user[i] == '@')
			at = user + i;
	if (at == NULL || at == user || at + 1 == end)
		return -1;
	h = at + 1;
	if (*h == '[') {
		bracket = 1;
		h++;
		hend = memchr(h, ']', (size_t)(end - h));
		if (hend == NULL || hend == h)
			return -1;
		for (p = h; p < hend; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return -1;
		p = hend + 1;
	} else {
		for (hend = h; hend < end && *hend != ':'; hend++)
			if (!route_host_char(*hend))
				return -1;
		if (hend == h)
			return -1;
		p = hend;
	}
	*port = FTPR_DEFAULT_FTP_PORT;
	if (p < end) {
		if (*p != ':' || p + 1 == end || end - (p + 1) > 5)
			return -1;
		for (p++; p < end; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v < 1 || v > 65535)
			return -1;
		*port = (uint16_t)v;
	}
	if ((size_t)(hend - h) >= hostcap)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (snprintf(hostport, hpcap, "%s%s%s:%u", bracket ? "[" : "", host,
		     bracket ? "]" : "", (unsigned)*port) >= (int)hpcap)
		return -1;
	*namelen = (size_t)(at - user);
	return 0;
}

int route_pattern_match(const char *patterns, const char *hostport)
{
	char pat[FTPR_ROUTE_OPT_MAX];
	const char *p = patterns;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, hostport, FNM_CASEFOLD) == 0)
				return 1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}
