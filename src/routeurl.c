/* routeurl.c - --route-url: a lookup service in pftp's format.
 *
 * The issue asked for libcurl and json-c, loaded only with --route-url.
 * The lookup happens at USER, after the lock-down, so libcurl would need
 * its own syscalls allowed (and it brings threads for its resolver, a TLS
 * stack, ~2 MiB of libraries per session to load).  A GET of a short JSON
 * answer needs far less: this is a bounded HTTP/1.0 client over the
 * calls the session already has (socket, connect, pselect, read, write),
 * and a pure parser of the answer, unit-tested and fuzzed.  Limits: plain
 * http:// only; the service's host is resolved at set-up; the answer is at
 * most FTPR_ROUTE_HTTP_MAX bytes, read until the service closes (HTTP/1.0);
 * a chunked answer is refused; everything within --connect-timeout. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "routeurl.h"

int route_url_setup(struct route_url *u, const char *url, char *err,
		    size_t errcap)
{
	char hp[FTPR_HOST_MAX + 8], host[FTPR_HOST_MAX];
	const char *p = url + 7, *slash;
	struct addrinfo hints, *res;
	char service[8];
	uint16_t port;
	size_t n;
	int e;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7) != 0)
		goto bad;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= sizeof(hp))
		goto bad;
	memcpy(hp, p, n);
	hp[n] = '\0';
	if (cfg_parse_hostport(hp, host, sizeof(host), &port) < 0)
		goto bad;
	/* The port when the URL names one, else HTTP's. */
	if (hp[0] == '[' ? strstr(hp, "]:") == NULL : strchr(hp, ':') == NULL)
		port = 80;
	snprintf(u->host, sizeof(u->host), "%s", hp);
	snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");
	if (net_parse_literal(host, &u->addr) == 0) {
		net_set_port(&u->addr, port);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	e = getaddrinfo(host, service, &hints, &res);
	if (e != 0) {
		snprintf(err, errcap, "--route-url: cannot resolve %s: %s", host,
			 gai_strerror(e));
		return -1;
	}
	memcpy(&u->addr.ss, res->ai_addr, res->ai_addrlen);
	u->addr.len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	snprintf(err, errcap, "--route-url: '%s' is not http://HOST[:PORT]/PATH", url);
	return -1;
}

int route_url_request(const struct route_url *u, const char *user,
		      size_t len, char *buf, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

#define URL_PUT(c) do { if (n + 1 >= cap) return -1; buf[n++] = (c); } while (0)
	for (const char *p = "GET "; *p; p++)
		URL_PUT(*p);
	for (const char *p = u->path; *p; p++) {
		if (p[0] != '%' || p[1] != 's') {
			URL_PUT(*p);
			continue;
		}
		p++;
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
	{
		int w = snprintf(buf + n, cap - n, " HTTP/1.0\r\nHost: %s\r\n"
				 "Accept: application/json\r\nConnection: close\r\n\r\n",
				 u->host);

		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		return (int)(n + (size_t)w);
	}
}

/* ---- the answer -------------------------------------------------------- */

struct json {
	const char *p, *end;
};

static void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' ||
				 *j->p == '\n'))
		j->p++;
}

/* A string; its bytes (escapes decoded, ASCII only) into out if not NULL. */
static int json_string(struct json *j, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			if (outlen != NULL)
				*outlen = n;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++j->p >= j->end)
				return -1;
			switch (*j->p) {
			case '"': case '\\': case '/': c = (unsigned char)*j->p; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0;

				if (j->end - j->p < 5)
					return -1;
				for (int i = 1; i <= 4; i++) {
					char h = j->p[i];

					v <<= 4;
					if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
					else return -1;
				}
				j->p += 4;
				c = v < 0x80 ? (unsigned char)v : '?';
				break;
			}
			default:
				return -1;
			}
		}
		if (out != NULL) {
			if (n + 1 >= cap)
				return -1;
			out[n] = (char)c;
		}
		n++;
	}
	return -1;
}

/* Any value; a number's integer value into *num (when it is one). */
static int json_value(struct json *j, long *num, int *isnum, int depth)
{
	*isnum = 0;
	json_ws(j);
	if (j->p >= j->end || depth > 16)
		return -1;
	if (*j->p == '"')
		return json_string(j, NULL, 0, NULL);
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		int first = 1;

		for (j->p++;;) {
			long dn;
			int di;

			json_ws(j);
			if (j->p < j->end && *j->p == close && first) {
				j->p++;
				return 0;
			}
			if (close == '}') {
				if (json_string(j, NULL, 0, NULL) < 0)
					return -1;
				json_ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return -1;
			}
			if (json_value(j, &dn, &di, depth + 1) < 0)
				return -1;
			json_ws(j);
			if (j->p >= j->end)
				return -1;
			if (*j->p == close) {
				j->p++;
				return 0;
			}
			if (*j->p++ != ',')
				return -1;
			first = 0;
		}
	}
	for (const char *const *lit = (const char *const[]){ "true", "false", "null", NULL };
	     *lit != NULL; lit++) {
		size_t n = strlen(*lit);

		if ((size_t)(j->end - j->p) >= n && memcmp(j->p, *lit, n) == 0) {
			j->p += n;
			return 0;
		}
	}
	{
		const char *s = j->p;
		long v = 0;
		int neg = 0, digits = 0, integral = 1;

		if (j->p < j->end && *j->p == '-') {
			neg = 1;
			j->p++;
		}
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			if (v < 1000000)
				v = v * 10 + (*j->p - '0');
			j->p++;
			digits++;
		}
		if (digits == 0)
			return -1;
		while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' ||
					 *j->p == 'e' || *j->p == 'E' || *j->p == '+' ||
					 *j->p == '-')) {
			integral = 0;
			j->p++;
		}
		(void)s;
		*num = neg ? -v : v;
		*isnum = integral;
		return 0;
	}
}

enum route_result route_url_parse_answer(const char *buf, size_t len,
					 struct route *r, char *why,
					 size_t whycap)
{
	const char *hend = NULL, *body, *p, *eol;
	char data[FTPR_ROUTE_LINE_MAX], err[160];
	size_t datalen = 0, bodylen;
	long code = 0, clen = -1;
	int have_code = 0, have_data = 0;
	struct json j;

	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ') {
		snprintf(why, whycap, "not an HTTP answer");
		return ROUTE_TEMPFAIL;
	}
	if (memcmp(buf + 9, "200", 3) != 0 || (len > 12 && buf[12] != ' ' &&
					       buf[12] != '\r')) {
		snprintf(why, whycap, "HTTP status %.3s", buf + 9);
		return ROUTE_TEMPFAIL;
	}
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			hend = buf + i + 2;
			break;
		}
	if (hend == NULL) {
		snprintf(why, whycap, "incomplete HTTP header");
		return ROUTE_TEMPFAIL;
	}
	for (p = memchr(buf, '\n', (size_t)(hend - buf)) + 1; p < hend; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(hend - p));
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0) {
			snprintf(why, whycap, "a Transfer-Encoding answer is refused");
			return ROUTE_TEMPFAIL;
		}
		if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
			const char *q = p + 15;

			while (q < eol && *q == ' ')
				q++;
			clen = 0;
			for (; q < eol && *q >= '0' && *q <= '9'; q++)
				if (clen < FTPR_ROUTE_HTTP_MAX * 2)
					clen = clen * 10 + (*q - '0');
			while (q < eol && (*q == ' ' || *q == '\r'))
				q++;
			if (q != eol) {
				snprintf(why, whycap, "bad Content-Length");
				return ROUTE_TEMPFAIL;
			}
		}
	}
	body = hend + 2;
	bodylen = (size_t)(buf + len - body);
	if (clen >= 0) {
		if ((size_t)clen > bodylen) {
			snprintf(why, whycap, "answer shorter than its Content-Length");
			return ROUTE_TEMPFAIL;
		}
		bodylen = (size_t)clen;
	}
	j.p = body;
	j.end = body + bodylen;
	json_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto garbage;
	json_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			char key[8];
			size_t klen = 0;
			long num = 0;
			int isnum = 0;

			json_ws(&j);
			if (json_string(&j, key, sizeof(key), &klen) < 0) {
				/* A long key: not one of ours, skip it. */
				if (j.p >= j.end || *j.p != '"')
					goto garbage;
				klen = 0;
			}
			json_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				goto garbage;
			json_ws(&j);
			if (klen == 4 && memcmp(key, "data", 4) == 0 && j.p < j.end &&
			    *j.p == '"') {
				if (json_string(&j, data, sizeof(data), &datalen) < 0)
					goto garbage;
				have_data = 1;
			} else {
				if (json_value(&j, &num, &isnum, 0) < 0)
					goto garbage;
				if (klen == 4 && memcmp(key, "code", 4) == 0) {
					if (!isnum)
						goto garbage;
					code = num;
					have_code = 1;
				}
			}
			json_ws(&j);
			if (j.p >= j.end)
				goto garbage;
			if (*j.p == '}') {
				j.p++;
				break;
			}
			if (*j.p++ != ',')
				goto garbage;
		}
	}
	json_ws(&j);
	if (j.p != j.end || !have_code)
		goto garbage;
	if (code != 200)
		return ROUTE_NONE;
	if (!have_data || memchr(data, '\0', datalen) != NULL ||
	    route_parse_value(data, datalen, r, err, sizeof(err)) < 0) {
		snprintf(why, whycap, "code 200 without a usable \"data\" (HOST:PORT, "
			 "HOST an address or a host name)");
		return ROUTE_TEMPFAIL;
	}
	return ROUTE_FOUND;
garbage:
	snprintf(why, whycap, "the answer is not JSON {\"code\": N, \"data\": \"...\"}");
	return ROUTE_TEMPFAIL;
}

/* ---- the GET ----------------------------------------------------------- */

enum route_result route_url_lookup(const struct route_url *u, const char *user,
				   size_t len, int timeout_s,
				   const sigset_t *mask, struct route *r,
				   char *why, size_t whycap)
{
	static char buf[FTPR_ROUTE_HTTP_MAX];
	int64_t deadline = net_now_ms() + (int64_t)timeout_s * 1000;
	size_t have = 0, sent = 0;
	int fd, w, reqlen;

	reqlen = route_url_request(u, user, len, buf, sizeof(buf));
	if (reqlen < 0) {
		snprintf(why, whycap, "user name too long for the request");
		return ROUTE_TEMPFAIL;
	}
	fd = net_connect_start(&u->addr, NULL);
	if (fd < 0) {
		snprintf(why, whycap, "connect: %s", strerror(errno));
		return ROUTE_TEMPFAIL;
	}
	w = net_wait(fd, 1, deadline, mask);
	if (w <= 0 || (errno = net_connect_result(fd)) != 0) {
		snprintf(why, whycap, "connect: %s", w < 0 ? "interrupted" :
			 w == 0 ? "timed out" : strerror(errno));
		goto fail;
	}
	while (sent < (size_t)reqlen) {
		ssize_t n = write(fd, buf + sent, (size_t)reqlen - sent);

		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, whycap, "write: %s", strerror(errno));
			goto fail;
		}
		if (n > 0)
			sent += (size_t)n;
		else if (net_wait(fd, 1, deadline, mask) <= 0) {
			snprintf(why, whycap, "write: timed out");
			goto fail;
		}
	}
	/* HTTP/1.0: the service closes when the answer is complete. */
	for (;;) {
		ssize_t n;

		w = net_wait(fd, 0, deadline, mask);
		if (w <= 0) {
			snprintf(why, whycap, "no complete answer within %d s", timeout_s);
			goto fail;
		}
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(why, whycap, "read: %s", strerror(errno));
			goto fail;
		}
		have += (size_t)n;
		if (have == sizeof(buf)) {
			snprintf(why, whycap, "answer over %d bytes", FTPR_ROUTE_HTTP_MAX);
			goto fail;
		}
	}
	close(fd);
	return route_url_parse_answer(buf, have, r, why, whycap);
fail:
	close(fd);
	return ROUTE_TEMPFAIL;
}
