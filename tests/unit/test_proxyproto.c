/* test_proxyproto.c - the PROXY protocol parser (v1 and v2, every field,
 * the nasty cases too) and the formatters of the header we send. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "defs.h"
#include "proxyproto.h"
#include "tap.h"

static struct pp_header h;
static size_t more;

static int parse(const char *s)
{
	return pp_parse(s, strlen(s), &h, &more);
}

static int parse_n(const void *p, size_t n)
{
	return pp_parse(p, n, &h, &more);
}

/* "a.b.c.d:port" or "[v6]:port" of an address, for comparisons. */
static const char *str(const struct net_addr *a)
{
	static char buf[2][80];
	static int i;
	char host[INET6_ADDRSTRLEN] = "?";
	char *out = buf[i++ & 1];

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->ss;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(out, 80, "%s:%u", host, ntohs(s->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(out, 80, "[%s]:%u", host, ntohs(s->sin6_port));
	} else {
		snprintf(out, 80, "none");
	}
	return out;
}

static struct net_addr addr(const char *host, uint16_t port)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s = (void *)&a.ss;

		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, host, &s->sin6_addr);
		s->sin6_port = htons(port);
		a.len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (void *)&a.ss;

		s->sin_family = AF_INET;
		inet_pton(AF_INET, host, &s->sin_addr);
		s->sin_port = htons(port);
		a.len = sizeof(*s);
	}
	return a;
}

/* A v2 header: fixed part with the given bytes 13-16, then body. */
static size_t v2(uint8_t *out, uint8_t vc, uint8_t ft, uint16_t len,
		 const uint8_t *body, size_t bodylen)
{
	memcpy(out, PP_V2_SIG, PP_V2_SIG_LEN);
	out[12] = vc;
	out[13] = ft;
	out[14] = (uint8_t)(len >> 8);
	out[15] = (uint8_t)len;
	if (bodylen > 0)
		memcpy(out + 16, body, bodylen);
	return 16 + bodylen;
}

static void test_v1(void)
{
	const char *ok4 = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 21\r\n";
	const char *ok6 = "PROXY TCP6 2001:db8::1 2001:db8::ffff 1 65535\r\n";
	char line[200];

	TAP_OK(parse(ok4) == (int)strlen(ok4), "v1 TCP4: the whole line is consumed");
	TAP_OK(h.version == 1 && h.command == PP_CMD_PROXY && h.family == AF_INET,
	       "v1 TCP4: version 1, PROXY, AF_INET");
	TAP_OK(strcmp(str(&h.src), "192.0.2.1:56324") == 0, "v1 TCP4: source address and port");
	TAP_OK(strcmp(str(&h.dst), "198.51.100.7:21") == 0,
	       "v1 TCP4: destination address and port");
	TAP_OK(parse(ok6) == (int)strlen(ok6) && h.family == AF_INET6, "v1 TCP6 parses");
	TAP_OK(strcmp(str(&h.src), "[2001:db8::1]:1") == 0 &&
	       strcmp(str(&h.dst), "[2001:db8::ffff]:65535") == 0, "v1 TCP6: both ends");
	TAP_OK(parse("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n") == 32 && h.family == AF_INET,
	       "v1: the shortest TCP4 line, port 0 allowed");
	TAP_OK(parse("PROXY TCP6 ::ffff:192.0.2.1 :: 1 2\r\n") > 0 && h.family == AF_INET6,
	       "v1 TCP6: a v4-mapped address is an IPv6 literal");
	TAP_OK(parse("PROXY UNKNOWN\r\n") == 15 && h.family == AF_UNSPEC &&
	       h.command == PP_CMD_PROXY, "v1 UNKNOWN, short form");
	TAP_OK(parse("PROXY UNKNOWN ffff:: ffff:: 65535 65535\r\n") > 0 &&
	       h.family == AF_UNSPEC, "v1 UNKNOWN: the rest of the line is ignored");
	TAP_OK(parse("PROXY UNKNOWNX\r\n") == PP_BAD, "v1: UNKNOWNX is not UNKNOWN");

	/* what follows the header is not consumed */
	snprintf(line, sizeof(line), "%sUSER anonymous\r\n", ok4);
	TAP_OK(parse(line) == (int)strlen(ok4), "v1: the bytes after CRLF are the client's");

	/* incomplete */
	TAP_OK(parse("") == PP_NEED_MORE && more == 15, "nothing yet: 15 bytes certainly belong");
	TAP_OK(parse("PRO") == PP_NEED_MORE && more == 12, "v1 prefix: up to the shortest header");
	TAP_OK(parse("PROXY TCP4 ") == PP_NEED_MORE && more == 21,
	       "v1 TCP4: up to the shortest TCP4 line");
	TAP_OK(parse("PROXY TCP6 ") == PP_NEED_MORE && more == 11,
	       "v1 TCP6: up to the shortest TCP6 line");
	TAP_OK(parse("PROXY TCP4 192.0.2.1 198.51.100.7 56324 21") == PP_NEED_MORE &&
	       more == 1, "v1: past the shortest length, one byte at a time");
	TAP_OK(parse("PROXY TCP4 192.0.2.1 198.51.100.7 56324 21\r") == PP_NEED_MORE &&
	       more == 1, "v1: CR at the end, the LF may follow");

	/* malformed */
	TAP_OK(parse("GET / HTTP/1.0\r\n") == PP_BAD && h.why != NULL, "not a header: refused at once");
	TAP_OK(parse("USER x") == PP_BAD, "an FTP command is not a header");
	TAP_OK(parse("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n") == PP_BAD, "v1: lower case PROXY");
	TAP_OK(parse("PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n") == PP_BAD, "v1: two spaces after PROXY");
	TAP_OK(parse("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n") == PP_BAD, "v1: unknown protocol TCP5");
	TAP_OK(parse("PROXY UDP4") == PP_BAD, "v1: unknown protocol seen before the CRLF");
	TAP_OK(parse("PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n") == PP_BAD, "v1: lower case tcp4");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n") == PP_BAD, "v1: LF without CR");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX") == PP_BAD, "v1: CR without LF");
	TAP_OK(parse("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n") == PP_BAD, "v1: double space");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n") == PP_BAD, "v1: trailing space");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n") == PP_BAD, "v1: a port missing");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1 2\r\n") == PP_BAD, "v1: an address missing");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n") == PP_BAD, "v1: a field too many");
	TAP_OK(parse("PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n") == PP_BAD, "v1: 256 in an address");
	TAP_OK(parse("PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n") == PP_BAD,
	       "v1: a leading zero in an IPv4 address");
	TAP_OK(parse("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n") == PP_BAD, "v1: three-part IPv4");
	TAP_OK(parse("PROXY TCP4 ::1 1.2.3.4 1 2\r\n") == PP_BAD, "v1: IPv6 source in TCP4");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 ::1 1 2\r\n") == PP_BAD, "v1: IPv6 destination in TCP4");
	TAP_OK(parse("PROXY TCP6 1.2.3.4 ::1 1 2\r\n") == PP_BAD, "v1: IPv4 source in TCP6");
	TAP_OK(parse("PROXY TCP6 [::1] ::1 1 2\r\n") == PP_BAD, "v1: brackets around IPv6");
	TAP_OK(parse("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n") == PP_BAD, "v1: IPv6 zone id");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n") == PP_BAD, "v1: source port 65536");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n") == PP_BAD,
	       "v1: destination port 65536");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 021 2\r\n") == PP_BAD,
	       "v1: a leading zero in a port");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 00 2\r\n") == PP_BAD, "v1: port 00");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 +1 2\r\n") == PP_BAD, "v1: a signed port");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n") == PP_BAD, "v1: a negative port");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 1x 2\r\n") == PP_BAD, "v1: letters in a port");
	TAP_OK(parse("PROXY TCP4 1.2.3.4 1.2.3.4 999999 2\r\n") == PP_BAD, "v1: six-digit port");
	TAP_OK(parse_n("PROXY TCP4 1.2.3.4\0 1.2.3.4 1 2\r\n", 33) == PP_BAD, "v1: a NUL byte");
	TAP_OK(parse("PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n") == PP_BAD, "v1: a tab");
	TAP_OK(parse("PROXY TCP4 1.2.3.\xc3\xa9 1.2.3.4 1 2\r\n") == PP_BAD, "v1: non-ASCII");
	TAP_OK(parse("PROXY \r\n") == PP_BAD, "v1: no protocol");

	/* length: 107 bytes with CRLF is the most */
	memset(line, 0, sizeof(line));
	strcpy(line, "PROXY UNKNOWN ");
	memset(line + 14, 'x', 105 - 14);
	strcpy(line + 105, "\r\n");
	TAP_OK(parse(line) == 107, "v1: a line of exactly 107 bytes is accepted");
	memset(line + 14, 'x', 106 - 14);
	strcpy(line + 106, "\r\n");
	TAP_OK(parse(line) == PP_BAD, "v1: 108 bytes are refused");
	memset(line, 0, sizeof(line));
	strcpy(line, "PROXY UNKNOWN ");
	memset(line + 14, 'x', 107 - 14);
	TAP_OK(parse(line) == PP_BAD, "v1: 107 bytes and no CRLF: refused, not waited for");
	line[106] = '\r';
	TAP_OK(parse_n(line, 107) == PP_BAD, "v1: a CR as the 107th byte cannot end in time");
	TAP_OK(parse("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n") == 104,
	       "v1: the longest TCP6 line (104 bytes)");
}

static void test_v2(void)
{
	uint8_t b[700], body4[12] = { 192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0, 21 };
	uint8_t body6[36] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1,
			      0x20, 0x01, 0x0d, 0xb8, [31] = 2, 0, 80, 1, 0 };
	size_t n;

	n = v2(b, 0x21, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == 28, "v2 PROXY TCP/IPv4: 16 + 12 bytes consumed");
	TAP_OK(h.version == 2 && h.command == PP_CMD_PROXY && h.family == AF_INET,
	       "v2 PROXY INET: version, command, family");
	TAP_OK(strcmp(str(&h.src), "192.0.2.1:56324") == 0 &&
	       strcmp(str(&h.dst), "198.51.100.7:21") == 0, "v2 INET: both ends, network order");
	n = v2(b, 0x21, 0x21, 36, body6, 36);
	TAP_OK(parse_n(b, n) == 52 && h.family == AF_INET6, "v2 PROXY TCP/IPv6");
	TAP_OK(strcmp(str(&h.src), "[2001:db8::1]:80") == 0 &&
	       strcmp(str(&h.dst), "[2001:db8::2]:256") == 0, "v2 INET6: both ends");

	/* LOCAL: no addresses, whatever the family says */
	n = v2(b, 0x20, 0x00, 0, NULL, 0);
	TAP_OK(parse_n(b, n) == 16 && h.command == PP_CMD_LOCAL && h.family == AF_UNSPEC,
	       "v2 LOCAL UNSPEC (haproxy's health check)");
	n = v2(b, 0x20, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == 28 && h.command == PP_CMD_LOCAL && h.family == AF_UNSPEC,
	       "v2 LOCAL with addresses: skipped, the family is ignored");
	n = v2(b, 0x20, 0x31, 5, (const uint8_t *)"abcde", 5);
	TAP_OK(parse_n(b, n) == 21 && h.command == PP_CMD_LOCAL, "v2 LOCAL family UNIX: skipped");

	/* TLVs are skipped */
	{
		uint8_t tlv[23];

		memcpy(tlv, body4, 12);
		memcpy(tlv + 12, "\x04\x00\x03" "abc" "\x01\x00\x02h2", 11);
		n = v2(b, 0x21, 0x11, 23, tlv, 23);
	}
	TAP_OK(parse_n(b, n) == 39 && strcmp(str(&h.src), "192.0.2.1:56324") == 0,
	       "v2: TLVs after the addresses are skipped");
	n = v2(b, 0x21, 0x11, 12, body4, 12);
	memcpy(b + n, "USER x\r\n", 8);
	TAP_OK(parse_n(b, n + 8) == 28, "v2: the bytes after it are the client's");

	/* incomplete */
	TAP_OK(parse_n(PP_V2_SIG, 1) == PP_NEED_MORE && more == 15, "v2: one byte of signature");
	TAP_OK(parse_n(PP_V2_SIG, 12) == PP_NEED_MORE && more == 4, "v2: the signature alone");
	n = v2(b, 0x21, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, 16) == PP_NEED_MORE && more == 12, "v2: fixed part: exactly the length more");
	TAP_OK(parse_n(b, 27) == PP_NEED_MORE && more == 1, "v2: one byte short");

	/* malformed */
	memcpy(b, PP_V2_SIG, 12);
	b[5] = 'X';
	TAP_OK(parse_n(b, 16) == PP_BAD, "v2: a wrong byte in the signature");
	TAP_OK(parse_n("\r\n\r\nX", 5) == PP_BAD, "v2: signature prefix then junk: refused at once");
	n = v2(b, 0x11, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2: version 1 in the binary header");
	n = v2(b, 0x31, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2: version 3");
	n = v2(b, 0x22, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2: command 2");
	n = v2(b, 0x2f, 0x11, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2: command 15");
	n = v2(b, 0x21, 0x31, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 PROXY: family UNIX refused");
	n = v2(b, 0x21, 0x41, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 PROXY: unknown family 4 refused");
	n = v2(b, 0x21, 0x01, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 PROXY: family UNSPEC refused");
	n = v2(b, 0x21, 0x12, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 PROXY: UDP (DGRAM) refused");
	n = v2(b, 0x21, 0x10, 12, body4, 12);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 PROXY: transport UNSPEC refused");
	n = v2(b, 0x21, 0x11, 11, body4, 11);
	TAP_OK(parse_n(b, n) == PP_BAD, "v2 INET: length 11 is too short for the addresses");
	n = v2(b, 0x21, 0x21, 12, body4, 12);
	TAP_OK(parse_n(b, 16) == PP_BAD, "v2 INET6: length 12 refused before waiting for it");
	{
		uint8_t zeros[FTPR_PP_V2_MAX] = { 0 };

		n = v2(b, 0x21, 0x11, FTPR_PP_V2_MAX - 16, zeros, FTPR_PP_V2_MAX - 16);
	}
	TAP_OK(parse_n(b, n) == FTPR_PP_V2_MAX, "v2: a header of exactly the limit is accepted");
	n = v2(b, 0x21, 0x11, FTPR_PP_V2_MAX - 15, NULL, 0);
	TAP_OK(parse_n(b, 16) == PP_BAD, "v2: one byte over the limit: refused from the fixed part");
	n = v2(b, 0x20, 0x00, 0xffff, NULL, 0);
	TAP_OK(parse_n(b, 16) == PP_BAD, "v2 LOCAL: length 65535 refused too");
}

static void test_format(void)
{
	char buf[FTPR_PP_V2_MAX];
	struct net_addr c4 = addr("192.0.2.1", 56324), o4 = addr("10.0.0.2", 40000);
	struct net_addr c6 = addr("2001:db8::1", 1234), m4 = addr("::ffff:10.0.0.3", 5);
	struct net_addr un;
	int n;

	n = pp_format_v1(buf, sizeof(buf), &c4, &o4);
	TAP_STR(buf, (size_t)n, "PROXY TCP4 192.0.2.1 10.0.0.2 56324 40000\r\n", "format v1 TCP4");
	n = pp_format_v1(buf, sizeof(buf), &c6, &o4);
	TAP_STR(buf, (size_t)n, "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.2 1234 40000\r\n",
		"format v1: mixed families become TCP6, v4-mapped");
	n = pp_format_v1(buf, sizeof(buf), &m4, &o4);
	TAP_STR(buf, (size_t)n, "PROXY TCP4 10.0.0.3 10.0.0.2 5 40000\r\n",
		"format v1: a v4-mapped client is written as IPv4");
	memset(&un, 0, sizeof(un));
	un.ss.ss_family = AF_UNIX;
	n = pp_format_v1(buf, sizeof(buf), &un, &o4);
	TAP_STR(buf, (size_t)n, "PROXY UNKNOWN\r\n", "format v1: no IP client: UNKNOWN");
	TAP_OK(pp_format_v1(buf, 20, &c4, &o4) == -1, "format v1: too small a buffer");

	n = pp_format_v2(buf, sizeof(buf), &c4, &o4);
	TAP_OK(n == 28 && memcmp(buf, PP_V2_SIG, 12) == 0 && (uint8_t)buf[12] == 0x21 &&
	       buf[13] == 0x11 && buf[14] == 0 && buf[15] == 12, "format v2 INET: fixed part");
	TAP_OK(parse_n(buf, (size_t)n) == 28 && strcmp(str(&h.src), "192.0.2.1:56324") == 0 &&
	       strcmp(str(&h.dst), "10.0.0.2:40000") == 0, "format v2 INET: parses back");
	n = pp_format_v2(buf, sizeof(buf), &c6, &c6);
	TAP_OK(n == 52 && buf[13] == 0x21 && parse_n(buf, (size_t)n) == 52 &&
	       strcmp(str(&h.src), "[2001:db8::1]:1234") == 0, "format v2 INET6: parses back");
	n = pp_format_v2(buf, sizeof(buf), &c4, &c6);
	TAP_OK(n == 52 && parse_n(buf, (size_t)n) == 52 &&
	       strcmp(str(&h.src), "[::ffff:192.0.2.1]:56324") == 0,
	       "format v2: mixed families become INET6, v4-mapped");
	n = pp_format_v2(buf, sizeof(buf), &un, &o4);
	TAP_OK(n == 16 && buf[13] == 0 && buf[15] == 0, "format v2: no IP client: UNSPEC");
	TAP_OK(pp_format_v2(buf, 27, &c4, &o4) == -1, "format v2: too small a buffer");
	n = pp_format_v1(buf, sizeof(buf), &c4, &o4);
	TAP_OK(parse_n(buf, (size_t)n) == n && strcmp(str(&h.src), "192.0.2.1:56324") == 0,
	       "format v1: parses back");
}

int main(void)
{
	test_v1();
	test_v2();
	test_format();
	return tap_done();
}
