/* dns.c - host names in routes, the pure parts: the name check, the hosts
 * and resolv.conf parsers, and a DNS stub's query builder and answer
 * parser (RFC 1035, EDNS0 after RFC 6891).  Everything works on explicit
 * lengths and makes no system call; resolver.c does the I/O. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dns.h"

static char dns_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int dns_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int dns_valid_name(const char *s, size_t len)
{
	size_t label = 0;
	int digits_only = 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			if (i == len)
				break;
			label = 0;
			digits_only = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (c < '0' || c > '9')
			digits_only = 0;
		label++;
	}
	/* RFC 1123 2.1: a top-level label is never all-numeric. */
	return !digits_only;
}

/* ---- the files --------------------------------------------------------- */

/* The next whitespace-separated word of the line [*p, end); NULL at its
 * end. */
static const char *dns_word(const char **p, const char *end, size_t *n)
{
	const char *w;

	while (*p < end && dns_blank(**p))
		(*p)++;
	if (*p == end)
		return NULL;
	w = *p;
	while (*p < end && !dns_blank(**p))
		(*p)++;
	*n = (size_t)(*p - w);
	return w;
}

/* An address literal (no scope, no port) of n bytes. */
static int dns_literal(const char *w, size_t n, struct net_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf) || memchr(w, '\0', n) != NULL)
		return -1;
	memcpy(buf, w, n);
	buf[n] = '\0';
	return net_parse_literal(buf, a);
}

/* "key:N" with N in [lo, hi] (clamped above, as glibc does). */
static int dns_option(const char *w, size_t n, const char *key, int lo, int hi,
		      int *v)
{
	size_t k = strlen(key);
	long x = 0;

	if (n <= k || memcmp(w, key, k) != 0)
		return 0;
	for (size_t i = k; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return 0;
		if (x < 100000)
			x = x * 10 + (w[i] - '0');
	}
	*v = x < lo ? lo : x > hi ? hi : (int)x;
	return 1;
}

void dns_conf_parse(const char *buf, size_t len, struct dns_conf *c)
{
	const char *p = buf, *end = buf + len;

	memset(c, 0, sizeof(*c));
	c->timeout = FTPR_DNS_TIMEOUT_DEFAULT;
	c->attempts = FTPR_DNS_ATTEMPTS_DEFAULT;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *w;
		size_t n;

		w = dns_word(&p, le, &n);
		if (w == NULL || w[0] == '#' || w[0] == ';') {
			p = le + (nl != NULL);
			continue;
		}
		if (n == 10 && memcmp(w, "nameserver", 10) == 0) {
			w = dns_word(&p, le, &n);
			if (w != NULL && c->nns < FTPR_DNS_NS_MAX &&
			    dns_literal(w, n, &c->ns[c->nns]) == 0) {
				net_set_port(&c->ns[c->nns], DNS_PORT);
				c->nns++;
			}
		} else if (n == 7 && memcmp(w, "options", 7) == 0) {
			while ((w = dns_word(&p, le, &n)) != NULL) {
				if (!dns_option(w, n, "timeout:", 1, FTPR_DNS_TIMEOUT_MAX,
						&c->timeout))
					(void)dns_option(w, n, "attempts:", 1,
							 FTPR_DNS_ATTEMPTS_MAX, &c->attempts);
			}
		}
		p = le + (nl != NULL);
	}
	if (c->nns == 0) {
		(void)net_parse_literal("127.0.0.1", &c->ns[0]);
		net_set_port(&c->ns[0], DNS_PORT);
		c->nns = 1;
	}
}

static int dns_same_name(const char *a, size_t an, const char *b, size_t bn)
{
	if (an > 0 && a[an - 1] == '.')
		an--;
	if (bn > 0 && b[bn - 1] == '.')
		bn--;
	if (an != bn || an == 0)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return 0;
	return 1;
}

unsigned dns_hosts_lookup(const char *buf, size_t len, const char *name,
			  size_t namelen, uint16_t port, struct net_addr *out,
			  unsigned cap)
{
	const char *p = buf, *end = buf + len;
	unsigned found = 0;

	while (p < end && found < cap) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *hash, *w;
		struct net_addr a;
		size_t n;

		hash = memchr(p, '#', (size_t)(le - p));
		if (hash != NULL)
			le = hash;
		w = dns_word(&p, le, &n);
		if (w != NULL && dns_literal(w, n, &a) == 0) {
			while ((w = dns_word(&p, le, &n)) != NULL) {
				if (dns_same_name(w, n, name, namelen)) {
					net_set_port(&a, port);
					out[found++] = a;
					break;
				}
			}
		}
		p = (nl != NULL) ? nl + 1 : end;
	}
	return found;
}

/* ---- the wire ---------------------------------------------------------- */

static void dns_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned dns_get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* name in wire form, lowercased: its length, or -1. */
static int dns_wire_name(const char *name, size_t namelen, uint8_t *w)
{
	size_t n = 0, start = 0;

	if (!dns_valid_name(name, namelen))
		return -1;
	if (name[namelen - 1] == '.')
		namelen--;
	for (size_t i = 0; i <= namelen; i++) {
		if (i == namelen || name[i] == '.') {
			w[n++] = (uint8_t)(i - start);
			for (size_t k = start; k < i; k++)
				w[n++] = (uint8_t)dns_lower(name[k]);
			start = i + 1;
		}
	}
	w[n++] = 0;
	return (int)n; /* <= 255: at most 253 bytes of text */
}

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
		    size_t namelen, uint16_t qtype)
{
	uint8_t w[DNS_WIRE_MAX + 1];
	int wn = dns_wire_name(name, namelen, w);
	size_t n;

	if (wn < 0 || cap < 12 + (size_t)wn + 4 + 11)
		return -1;
	memset(buf, 0, 12);
	dns_put16(buf, id);
	buf[2] = 0x01;          /* RD: the server recurses for us */
	dns_put16(buf + 4, 1);  /* QDCOUNT */
	dns_put16(buf + 10, 1); /* ARCOUNT: the OPT record */
	memcpy(buf + 12, w, (size_t)wn);
	n = 12 + (size_t)wn;
	dns_put16(buf + n, qtype);
	dns_put16(buf + n + 2, DNS_CLASS_IN);
	n += 4;
	/* OPT: root name, type 41, class = our UDP payload size, TTL 0
	 * (extended RCODE, version 0, no DO), no options. */
	buf[n] = 0;
	dns_put16(buf + n + 1, DNS_TYPE_OPT);
	dns_put16(buf + n + 3, FTPR_DNS_UDP_MAX);
	memset(buf + n + 5, 0, 6);
	return (int)(n + 11);
}

/* The name at *off of msg, decompressed into w (lowercased wire form):
 * its length, with *off moved past it; -1 when malformed.  SECURITY: a
 * compression pointer must point before the label that holds it, so
 * every name ends; labels of the reserved types (0x40, 0x80) are
 * refused; the whole name stays within 255 bytes. */
static int dns_read_name(const uint8_t *msg, size_t len, size_t *off,
			 uint8_t *w)
{
	size_t p = *off, n = 0, limit = *off;
	int jumped = 0;

	for (;;) {
		unsigned l;

		if (p >= len)
			return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len)
				return -1;
			to = (size_t)((l & 0x3f) << 8 | msg[p + 1]);
			if (to >= limit)
				return -1;
			if (!jumped)
				*off = p + 2;
			jumped = 1;
			limit = to;
			p = to;
			continue;
		}
		if (l & 0xc0)
			return -1;
		if (n + l + 1 > DNS_WIRE_MAX || p + 1 + l > len)
			return -1;
		w[n++] = (uint8_t)l;
		for (unsigned k = 0; k < l; k++)
			w[n++] = (uint8_t)dns_lower((char)msg[p + 1 + k]);
		p += 1 + l;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = p;
	return (int)n;
}

struct dns_rr {
	size_t owner;  /* offset of the owner name */
	unsigned type, class;
	size_t rdata, rdlen;
};

static int dns_owner_is(const uint8_t *msg, size_t len, const struct dns_rr *rr,
			const uint8_t *w, int wn)
{
	uint8_t o[DNS_WIRE_MAX + 1];
	size_t off = rr->owner;
	int on = dns_read_name(msg, len, &off, o);

	return on == wn && memcmp(o, w, (size_t)wn) == 0;
}

enum dns_status dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id,
				 const char *name, size_t namelen,
				 uint16_t qtype, uint16_t port,
				 struct dns_answer *out)
{
	uint8_t want[DNS_WIRE_MAX + 1], w[DNS_WIRE_MAX + 1];
	struct dns_rr rr[FTPR_DNS_RR_MAX];
	unsigned qd, an, nrr = 0;
	size_t off = 12;
	int wn, qn;

	memset(out, 0, sizeof(*out));
	wn = dns_wire_name(name, namelen, want);
	if (wn < 0)
		return DNS_GARBAGE;
	if (len < 12)
		return DNS_GARBAGE;
	if (dns_get16(msg) != id)
		return DNS_NOT_OURS; /* SECURITY: a guess, or a late answer */
	/* A response (QR) to a standard query (opcode 0). */
	if (!(msg[2] & 0x80) || (msg[2] & 0x78) != 0)
		return DNS_GARBAGE;
	out->rcode = msg[3] & 0x0f;
	qd = dns_get16(msg + 4);
	an = dns_get16(msg + 6);
	if (qd != 1) {
		/* FORMERR and friends may come without the question. */
		return (qd == 0 && out->rcode != 0 && out->rcode != 3) ?
			DNS_FAIL : DNS_GARBAGE;
	}
	/* SECURITY: our question, echoed. */
	qn = dns_read_name(msg, len, &off, w);
	if (qn < 0 || off + 4 > len)
		return DNS_GARBAGE;
	if (qn != wn || memcmp(w, want, (size_t)wn) != 0 ||
	    dns_get16(msg + off) != qtype || dns_get16(msg + off + 2) != DNS_CLASS_IN)
		return DNS_NOT_OURS;
	off += 4;
	if (msg[2] & 0x02)
		return DNS_TRUNCATED;
	if (out->rcode == 3)
		return DNS_NXDOMAIN;
	if (out->rcode != 0)
		return DNS_FAIL;
	/* The answer section, every record checked for its bounds. */
	for (unsigned i = 0; i < an; i++) {
		struct dns_rr r;

		if (nrr >= FTPR_DNS_RR_MAX)
			break; /* the rest is ignored */
		r.owner = off;
		if (dns_read_name(msg, len, &off, w) < 0 || off + 10 > len)
			return DNS_GARBAGE;
		r.type = dns_get16(msg + off);
		r.class = dns_get16(msg + off + 2);
		r.rdlen = dns_get16(msg + off + 8);
		r.rdata = off + 10;
		if (r.rdata + r.rdlen > len)
			return DNS_GARBAGE;
		off = r.rdata + r.rdlen;
		rr[nrr++] = r;
	}
	/* Follow the CNAMEs from our name: want becomes the name that holds
	 * the addresses. */
	for (unsigned hop = 0; hop <= FTPR_DNS_CNAME_MAX; hop++) {
		unsigned i;

		for (i = 0; i < nrr; i++)
			if (rr[i].type == DNS_TYPE_CNAME && rr[i].class == DNS_CLASS_IN &&
			    dns_owner_is(msg, len, &rr[i], want, wn))
				break;
		if (i == nrr)
			break;
		if (hop == FTPR_DNS_CNAME_MAX)
			return DNS_GARBAGE; /* a loop, or a chain too long */
		off = rr[i].rdata;
		wn = dns_read_name(msg, len, &off, want);
		if (wn < 0 || off != rr[i].rdata + rr[i].rdlen)
			return DNS_GARBAGE;
	}
	for (unsigned i = 0; i < nrr && out->n < FTPR_DNS_ADDRS_MAX; i++) {
		struct net_addr *a = &out->addr[out->n];

		if (rr[i].type != qtype || rr[i].class != DNS_CLASS_IN ||
		    !dns_owner_is(msg, len, &rr[i], want, wn))
			continue;
		memset(a, 0, sizeof(*a));
		if (qtype == DNS_TYPE_A) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

			if (rr[i].rdlen != 4)
				return DNS_GARBAGE;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, msg + rr[i].rdata, 4);
			a->len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

			if (rr[i].rdlen != 16)
				return DNS_GARBAGE;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, msg + rr[i].rdata, 16);
			a->len = sizeof(*sin6);
		}
		net_set_port(a, port);
		out->n++;
	}
	return DNS_OK;
}

const char *dns_status_str(enum dns_status st, int rcode)
{
	static const char *const rcodes[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};

	switch (st) {
	case DNS_OK:
		return "no address";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_FAIL:
		return rcode >= 0 && rcode < 6 ? rcodes[rcode] : "an error RCODE";
	case DNS_TRUNCATED:
		return "truncated";
	case DNS_GARBAGE:
		return "garbage";
	case DNS_NOT_OURS:
		break;
	}
	return "an answer to another question";
}
