/* proxyproto.c - the PROXY protocol (HAProxy's doc/proxy-protocol.txt),
 * versions 1 and 2: parse the header in front of a connection, format the
 * one we send an origin.  Pure: no I/O. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "defs.h"
#include "proxyproto.h"

/* The shortest headers: "PROXY UNKNOWN\r\n" (15 bytes), a v2 header
 * without addresses (16); "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n" (32) and
 * "PROXY TCP6 :: :: 0 0\r\n" (22). */
#define PP_V1_MIN 15
#define PP_V1_MIN_TCP4 32
#define PP_V1_MIN_TCP6 22

static const char pp_v1_prefix[] = "PROXY ";
#define PP_V1_PREFIX_LEN 6

static int pp_bad(struct pp_header *h, const char *why)
{
	h->why = why;
	return PP_BAD;
}

static int pp_more(size_t *more, size_t min, size_t len)
{
	*more = len < min ? min - len : 1;
	return PP_NEED_MORE;
}

static void pp_set_in(struct net_addr *a, const uint8_t ip[4], uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, ip, 4);
	sin->sin_port = htons(port);
	a->len = sizeof(*sin);
}

static void pp_set_in6(struct net_addr *a, const uint8_t ip[16], uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, ip, 16);
	sin6->sin6_port = htons(port);
	a->len = sizeof(*sin6);
}

/* ---- version 2 ------------------------------------------------------- */

static int pp_parse_v2(const uint8_t *p, size_t len, struct pp_header *h,
		       size_t *more)
{
	unsigned ver, cmd, fam, transport;
	size_t body, total, need = 0;

	if (len < PP_V2_FIXED)
		return pp_more(more, PP_V2_FIXED, len);
	ver = p[12] >> 4;
	cmd = p[12] & 0x0f;
	fam = p[13] >> 4;
	transport = p[13] & 0x0f;
	body = (size_t)p[14] << 8 | p[15];
	total = PP_V2_FIXED + body;
	h->version = 2;
	if (ver != 2)
		return pp_bad(h, "v2: version is not 2");
	if (cmd > PP_CMD_PROXY)
		return pp_bad(h, "v2: command is neither LOCAL nor PROXY");
	/* SECURITY: the length is bounded before a byte of the body is
	 * waited for. */
	if (total > FTPR_PP_V2_MAX)
		return pp_bad(h, "v2: header longer than the limit");
	h->command = (enum pp_command)cmd;
	h->family = AF_UNSPEC;
	if (cmd == PP_CMD_PROXY) {
		/* A relayed connection must name a TCP client: UNIX
		 * sockets, UDP and UNSPEC tell us nothing we could use. */
		if (transport != 1)
			return pp_bad(h, "v2: transport is not STREAM");
		if (fam == 1)
			need = 12;
		else if (fam == 2)
			need = 36;
		else
			return pp_bad(h, "v2: address family is not INET or INET6");
		if (body < need)
			return pp_bad(h, "v2: length too short for its addresses");
	}
	/* LOCAL: the family and whatever follows are ignored (the
	 * specification: use the real endpoints). */
	if (len < total)
		return pp_more(more, total, len);
	if (cmd == PP_CMD_PROXY) {
		const uint8_t *a = p + PP_V2_FIXED;

		if (fam == 1) {
			h->family = AF_INET;
			pp_set_in(&h->src, a, (uint16_t)(a[8] << 8 | a[9]));
			pp_set_in(&h->dst, a + 4, (uint16_t)(a[10] << 8 | a[11]));
		} else {
			h->family = AF_INET6;
			pp_set_in6(&h->src, a, (uint16_t)(a[32] << 8 | a[33]));
			pp_set_in6(&h->dst, a + 16, (uint16_t)(a[34] << 8 | a[35]));
		}
	}
	/* TLVs (after the addresses, up to the length) are skipped. */
	return (int)total;
}

/* ---- version 1 ------------------------------------------------------- */

/* An address token of the given family, [p, p+n), as inet_pton() takes
 * it (no leading zeros in IPv4, no zone id, no brackets). */
static int pp_v1_addr(const char *p, size_t n, int fam, uint8_t out[16])
{
	char text[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(text) || (fam == AF_INET && n > 15))
		return -1;
	memcpy(text, p, n);
	text[n] = '\0';
	return inet_pton(fam, text, out) == 1 ? 0 : -1;
}

/* A port token: 0 to 65535 in decimal, no sign, no leading zero. */
static int pp_v1_port(const char *p, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5 || (n > 1 && p[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* The next space-separated token of [*p, end): exactly one space must
 * separate tokens (last: the token runs to end). */
static int pp_v1_token(const char **p, const char *end, int last,
		       const char **tok, size_t *n)
{
	const char *s = *p, *e = s;

	while (e < end && *e != ' ')
		e++;
	if (last ? e != end : e == end)
		return -1;
	*tok = s;
	*n = (size_t)(e - s);
	*p = last ? e : e + 1;
	return 0;
}

/* The line without "PROXY " and without CRLF. */
static int pp_v1_line(const char *p, size_t n, struct pp_header *h)
{
	const char *end = p + n, *tok;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	size_t tn;
	int fam;

	if (n >= 7 && memcmp(p, "UNKNOWN", 7) == 0 && (n == 7 || p[7] == ' ')) {
		/* The specification: whatever follows UNKNOWN is ignored. */
		h->family = AF_UNSPEC;
		return 0;
	}
	if (n >= 5 && memcmp(p, "TCP4 ", 5) == 0)
		fam = AF_INET;
	else if (n >= 5 && memcmp(p, "TCP6 ", 5) == 0)
		fam = AF_INET6;
	else
		return pp_bad(h, "v1: protocol is not TCP4, TCP6 or UNKNOWN");
	p += 5;
	if (pp_v1_token(&p, end, 0, &tok, &tn) < 0 ||
	    pp_v1_addr(tok, tn, fam, src) < 0)
		return pp_bad(h, "v1: bad source address");
	if (pp_v1_token(&p, end, 0, &tok, &tn) < 0 ||
	    pp_v1_addr(tok, tn, fam, dst) < 0)
		return pp_bad(h, "v1: bad destination address");
	if (pp_v1_token(&p, end, 0, &tok, &tn) < 0 ||
	    pp_v1_port(tok, tn, &sport) < 0)
		return pp_bad(h, "v1: bad source port");
	if (pp_v1_token(&p, end, 1, &tok, &tn) < 0 ||
	    pp_v1_port(tok, tn, &dport) < 0)
		return pp_bad(h, "v1: bad destination port");
	h->family = fam;
	if (fam == AF_INET) {
		pp_set_in(&h->src, src, sport);
		pp_set_in(&h->dst, dst, dport);
	} else {
		pp_set_in6(&h->src, src, sport);
		pp_set_in6(&h->dst, dst, dport);
	}
	return 0;
}

/* Could the bytes after "PROXY " still begin a known protocol?  The
 * smallest complete header that starts this way, or 0 if none. */
static size_t pp_v1_min(const char *p, size_t n)
{
	static const struct {
		const char *tok;
		size_t min;
	} protos[] = {
		{ "TCP4 ", PP_V1_MIN_TCP4 },
		{ "TCP6 ", PP_V1_MIN_TCP6 },
		{ "UNKNOWN", PP_V1_MIN },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		size_t tl = strlen(protos[i].tok);

		if (memcmp(p, protos[i].tok, n < tl ? n : tl) == 0)
			return protos[i].min;
	}
	return 0;
}

static int pp_parse_v1(const char *p, size_t len, struct pp_header *h,
		       size_t *more)
{
	size_t scan = len < FTPR_PP_V1_MAX ? len : FTPR_PP_V1_MAX;
	size_t min;

	h->version = 1;
	h->command = PP_CMD_PROXY;
	for (size_t i = 0; i < scan; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r') {
			if (i + 2 > FTPR_PP_V1_MAX)
				break; /* its LF would be byte 108 */
			if (i + 1 == len)
				break; /* the LF may come */
			if (p[i + 1] != '\n')
				return pp_bad(h, "v1: CR not followed by LF");
			if (pp_v1_line(p + PP_V1_PREFIX_LEN,
				       i - PP_V1_PREFIX_LEN, h) < 0)
				return PP_BAD;
			return (int)(i + 2);
		}
		/* SECURITY: one line of printable ASCII: no NUL, no bare
		 * LF, nothing a log line could be forged with. */
		if (c < 0x20 || c > 0x7e)
			return pp_bad(h, "v1: control or non-ASCII byte in the line");
	}
	if (len >= FTPR_PP_V1_MAX)
		return pp_bad(h, "v1: no CRLF within 107 bytes");
	if (len <= PP_V1_PREFIX_LEN)
		return pp_more(more, PP_V1_MIN, len);
	min = pp_v1_min(p + PP_V1_PREFIX_LEN, len - PP_V1_PREFIX_LEN);
	if (min == 0)
		return pp_bad(h, "v1: protocol is not TCP4, TCP6 or UNKNOWN");
	return pp_more(more, min, len);
}

int pp_parse(const void *buf, size_t len, struct pp_header *h, size_t *more)
{
	const uint8_t *p = buf;
	size_t n;

	memset(h, 0, sizeof(*h));
	*more = 0;
	if (len == 0)
		return pp_more(more, PP_V1_MIN, 0);
	/* Never guess: the v2 signature, or the v1 prefix, or nothing. */
	n = len < PP_V2_SIG_LEN ? len : PP_V2_SIG_LEN;
	if (memcmp(p, PP_V2_SIG, n) == 0) {
		if (len < PP_V2_SIG_LEN)
			return pp_more(more, PP_V2_FIXED, len);
		return pp_parse_v2(p, len, h, more);
	}
	n = len < PP_V1_PREFIX_LEN ? len : PP_V1_PREFIX_LEN;
	if (memcmp(p, pp_v1_prefix, n) == 0)
		return pp_parse_v1((const char *)p, len, h, more);
	return pp_bad(h, "not a PROXY protocol header");
}

/* ---- formatting ------------------------------------------------------ */

/* An address as family, 16 bytes (IPv4 in the first 4) and port;
 * v4-mapped IPv6 counts as IPv4.  AF_UNSPEC for anything else. */
static int pp_addr(const struct net_addr *a, uint8_t ip[16], uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(ip, 0, 16);
	*port = 0;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		memcpy(ip, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
		return AF_INET;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
		const uint8_t *b = sin6->sin6_addr.s6_addr;

		*port = ntohs(sin6->sin6_port);
		if (memcmp(b, mapped, 12) == 0) {
			memcpy(ip, b + 12, 4);
			return AF_INET;
		}
		memcpy(ip, b, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

static void pp_map(uint8_t ip[16])
{
	memmove(ip + 12, ip, 4);
	memset(ip, 0, 10);
	ip[10] = ip[11] = 0xff;
}

/* Both addresses in one family: IPv6 (v4-mapped) when they differ. */
static int pp_pair(const struct net_addr *src, const struct net_addr *dst,
		   uint8_t s[16], uint16_t *sp, uint8_t d[16], uint16_t *dp)
{
	int fs = pp_addr(src, s, sp), fd = pp_addr(dst, d, dp);

	if (fs == AF_UNSPEC || fd == AF_UNSPEC)
		return AF_UNSPEC;
	if (fs == fd)
		return fs;
	if (fs == AF_INET)
		pp_map(s);
	else
		pp_map(d);
	return AF_INET6;
}

int pp_format_v1(char *buf, size_t cap, const struct net_addr *src,
		 const struct net_addr *dst)
{
	char st[INET6_ADDRSTRLEN], dt[INET6_ADDRSTRLEN];
	uint8_t s[16], d[16];
	uint16_t sp, dp;
	int fam = pp_pair(src, dst, s, &sp, d, &dp), n;

	if (fam == AF_UNSPEC) {
		n = snprintf(buf, cap, "PROXY UNKNOWN\r\n");
	} else {
		inet_ntop(fam, s, st, sizeof(st));
		inet_ntop(fam, d, dt, sizeof(dt));
		n = snprintf(buf, cap, "PROXY %s %s %s %u %u\r\n",
			     fam == AF_INET ? "TCP4" : "TCP6", st, dt, sp, dp);
	}
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int pp_format_v2(char *buf, size_t cap, const struct net_addr *src,
		 const struct net_addr *dst)
{
	uint8_t s[16], d[16], *p = (uint8_t *)buf;
	uint16_t sp, dp;
	int fam = pp_pair(src, dst, s, &sp, d, &dp);
	size_t alen = fam == AF_INET ? 4 : 16, body;

	body = fam == AF_UNSPEC ? 0 : 2 * alen + 4;
	if (cap < PP_V2_FIXED + body)
		return -1;
	memcpy(p, PP_V2_SIG, PP_V2_SIG_LEN);
	p[12] = 0x20 | PP_CMD_PROXY;
	p[13] = fam == AF_INET ? 0x11 : fam == AF_INET6 ? 0x21 : 0x00;
	p[14] = (uint8_t)(body >> 8);
	p[15] = (uint8_t)body;
	if (body > 0) {
		uint8_t *a = p + PP_V2_FIXED;

		memcpy(a, s, alen);
		memcpy(a + alen, d, alen);
		a[2 * alen] = (uint8_t)(sp >> 8);
		a[2 * alen + 1] = (uint8_t)sp;
		a[2 * alen + 2] = (uint8_t)(dp >> 8);
		a[2 * alen + 3] = (uint8_t)dp;
	}
	return (int)(PP_V2_FIXED + body);
}
