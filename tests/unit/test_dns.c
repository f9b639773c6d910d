/* test_dns.c - host names in routes: the name check, the resolv.conf and
 * hosts parsers, the query builder and the answer parser (dns.c), and
 * map lines with names (route.c). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "route.h"
#include "tap.h"

static int valid(const char *s)
{
	return dns_valid_name(s, strlen(s));
}

static int addr_is(const struct net_addr *a, const char *want)
{
	char buf[FTPR_ADDRSTR_MAX];

	return strcmp(net_addr_str(a, buf, sizeof(buf)), want) == 0;
}

/* ---- a small answer builder --------------------------------------------- */

static uint8_t msg[2048];
static size_t mlen;

static void put8(unsigned v)
{
	msg[mlen++] = (uint8_t)v;
}

static void put16(unsigned v)
{
	put8(v >> 8);
	put8(v & 0xff);
}

static void putname(const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t n = dot != NULL ? (size_t)(dot - name) : strlen(name);

		put8((unsigned)n);
		memcpy(msg + mlen, name, n);
		mlen += n;
		name += n;
		if (*name == '.')
			name++;
	}
	put8(0);
}

/* Header and question: flags byte 2 and 3, counts. */
static void start(unsigned id, unsigned f2, unsigned f3, const char *qname,
		  unsigned qtype, unsigned an)
{
	mlen = 0;
	put16(id);
	put8(f2);
	put8(f3);
	put16(1);
	put16(an);
	put16(0);
	put16(0);
	putname(qname);
	put16(qtype);
	put16(DNS_CLASS_IN);
}

/* A record: owner name (NULL: a pointer to the question's name, at 12). */
static void rr_head(const char *owner, unsigned type, unsigned rdlen)
{
	if (owner == NULL) {
		put8(0xc0);
		put8(12);
	} else {
		putname(owner);
	}
	put16(type);
	put16(DNS_CLASS_IN);
	put16(0);
	put16(300); /* TTL */
	put16(rdlen);
}

static void rr_a(const char *owner, const char *ip)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	rr_head(owner, DNS_TYPE_A, 4);
	memcpy(msg + mlen, &a, 4);
	mlen += 4;
}

static void rr_aaaa(const char *owner, const char *ip)
{
	struct in6_addr a;

	inet_pton(AF_INET6, ip, &a);
	rr_head(owner, DNS_TYPE_AAAA, 16);
	memcpy(msg + mlen, &a, 16);
	mlen += 16;
}

static enum dns_status parse(unsigned id, const char *name, unsigned qtype,
			     struct dns_answer *ans)
{
	return dns_parse_answer(msg, mlen, (uint16_t)id, name, strlen(name),
				(uint16_t)qtype, 21, ans);
}

static int mapline(const char *l, struct route_entry *e, char *err)
{
	return route_parse_line(l, strlen(l), e, err, 256);
}

int main(void)
{
	static char long_label[80], long_name[300];
	static struct route_entry e;
	struct dns_answer ans;
	struct dns_conf c;
	struct net_addr out[FTPR_DNS_ADDRS_MAX];
	uint8_t q[512];
	char err[256];
	int n;

	/* names */
	TAP_OK(valid("localhost") && valid("ftp.example.net") &&
	       valid("FTP.Example.NET.") && valid("a-b.c9") && valid("3com.net") &&
	       valid("ftp.123a"), "host names, a final dot, digits inside");
	TAP_OK(!valid("") && !valid(".") && !valid("a..b") && !valid(".a") &&
	       !valid("-a.b") && !valid("a-.b") && !valid("a_b.net") &&
	       !valid("a b") && !valid("a:21") && !valid("a..") && !valid("[::1]"),
	       "empty labels, hyphens at the ends, _ ' ' ':' are refused");
	TAP_OK(!valid("10.0.0.256") && !valid("1.2.3.4") && !valid("127") &&
	       !valid("ftp.123"), "an all-numeric last label is a bad address, not a name");
	memset(long_label, 'a', 64);
	TAP_OK(!valid(long_label) && (long_label[63] = '\0', valid(long_label)),
	       "labels of at most 63 bytes");
	for (int i = 0; i < 253; i++)
		long_name[i] = (i % 2) ? '.' : 'a';
	long_name[252] = 'b';
	long_name[253] = '\0';
	TAP_OK(valid(long_name) && (long_name[253] = '.', long_name[254] = '\0',
				    valid(long_name)) &&
	       (long_name[253] = 'c', !valid(long_name)),
	       "at most 253 bytes, plus a final dot");

	/* resolv.conf */
	{
		const char *t = "# comment\n; also\nsearch example.net corp\n"
				"domain example.net\nnameserver 10.0.0.53\n"
				"nameserver   fe80::1%eth0\n nameserver ::1 \n"
				"nameserver 10.0.0.54\nnameserver 10.0.0.55\n"
				"options ndots:2 timeout:3 rotate attempts:4\n";

		dns_conf_parse(t, strlen(t), &c);
		TAP_OK(c.nns == 3 && addr_is(&c.ns[0], "10.0.0.53:53") &&
		       addr_is(&c.ns[1], "[::1]:53") && addr_is(&c.ns[2], "10.0.0.54:53"),
		       "resolv.conf: at most 3 nameservers, IPv6 too, scoped ones skipped");
		TAP_OK(c.timeout == 3 && c.attempts == 4, "resolv.conf: timeout: and attempts:");
	}
	{
		const char *t = "options timeout:99 attempts:0\noptions timeout:x";

		dns_conf_parse(t, strlen(t), &c);
		TAP_OK(c.timeout == FTPR_DNS_TIMEOUT_MAX && c.attempts == 1,
		       "resolv.conf: options clamped as glibc does");
		TAP_OK(c.nns == 1 && addr_is(&c.ns[0], "127.0.0.1:53"),
		       "resolv.conf: no nameserver means 127.0.0.1");
	}
	dns_conf_parse("", 0, &c);
	TAP_OK(c.nns == 1 && c.timeout == FTPR_DNS_TIMEOUT_DEFAULT &&
	       c.attempts == FTPR_DNS_ATTEMPTS_DEFAULT, "resolv.conf: empty, glibc's defaults");
	dns_conf_parse("nameserver 10.0.0.1", 13, &c);
	TAP_OK(c.nns == 1 && addr_is(&c.ns[0], "127.0.0.1:53"),
	       "resolv.conf: explicit length, the rest of the buffer unread");

	/* hosts */
	{
		const char *h = "127.0.0.1\tlocalhost\n"
				"::1 localhost ip6-localhost # comment localhost2\n"
				"# 10.0.0.9 origin-a.test\n"
				"10.0.0.1   origin-a.test  Origin-A  alias\n"
				"10.0.0.2 other.test\n"
				"garbage origin-a.test\n"
				"fe80::1%eth0 origin-a.test\n"
				"10.0.0.3 origin-a.test";

		TAP_OK(dns_hosts_lookup(h, strlen(h), "LocalHost", 9, 21, out, 8) == 2 &&
		       addr_is(&out[0], "127.0.0.1:21") && addr_is(&out[1], "[::1]:21"),
		       "hosts: every address, in file order, any case");
		TAP_OK(dns_hosts_lookup(h, strlen(h), "origin-a.test.", 14, 2121, out, 8) == 2 &&
		       addr_is(&out[0], "10.0.0.1:2121") && addr_is(&out[1], "10.0.0.3:2121"),
		       "hosts: comments and bad addresses skipped, last line without LF");
		TAP_OK(dns_hosts_lookup(h, strlen(h), "alias", 5, 21, out, 8) == 1 &&
		       addr_is(&out[0], "10.0.0.1:21"), "hosts: an alias");
		TAP_OK(dns_hosts_lookup(h, strlen(h), "localhost2", 10, 21, out, 8) == 0 &&
		       dns_hosts_lookup(h, strlen(h), "local", 5, 21, out, 8) == 0 &&
		       dns_hosts_lookup(h, strlen(h), "localhost", 9, 21, out, 1) == 1,
		       "hosts: no match after #, no prefix match, cap respected");
	}

	/* the query */
	n = dns_build_query(q, sizeof(q), 0xbeef, "Ftp.Example.NET.", 16, DNS_TYPE_AAAA);
	TAP_OK(n == 12 + 17 + 4 + 11 && q[0] == 0xbe && q[1] == 0xef && q[2] == 0x01 &&
	       q[3] == 0 && q[5] == 1 && q[7] == 0 && q[11] == 1 &&
	       memcmp(q + 12, "\3ftp\7example\3net\0", 17) == 0 &&
	       q[29] == 0 && q[30] == 28 && q[31] == 0 && q[32] == 1,
	       "query: RD, one question in lowercase wire form, AAAA IN");
	TAP_OK(q[33] == 0 && q[34] == 0 && q[35] == 41 &&
	       (q[36] << 8 | q[37]) == FTPR_DNS_UDP_MAX && q[42] == 0 && q[43] == 0,
	       "query: an EDNS0 OPT record with our payload size");
	TAP_OK(dns_build_query(q, sizeof(q), 1, "a_b", 3, DNS_TYPE_A) < 0 &&
	       dns_build_query(q, 20, 1, "example.net", 11, DNS_TYPE_A) < 0,
	       "query: a bad name or a small buffer is refused");

	/* answers */
	start(0x1234, 0x81, 0x80, "ftp.example.net", DNS_TYPE_A, 2);
	rr_a(NULL, "192.0.2.1");
	rr_a(NULL, "192.0.2.2");
	TAP_OK(parse(0x1234, "ftp.example.net", DNS_TYPE_A, &ans) == DNS_OK && ans.n == 2 &&
	       addr_is(&ans.addr[0], "192.0.2.1:21") && addr_is(&ans.addr[1], "192.0.2.2:21"),
	       "answer: two A records, with a compressed owner");
	TAP_OK(parse(0x1235, "ftp.example.net", DNS_TYPE_A, &ans) == DNS_NOT_OURS,
	       "answer: another id is not ours");
	TAP_OK(parse(0x1234, "ftp.example.org", DNS_TYPE_A, &ans) == DNS_NOT_OURS &&
	       parse(0x1234, "ftp.example.net", DNS_TYPE_AAAA, &ans) == DNS_NOT_OURS,
	       "answer: another question echoed is not ours");
	TAP_OK(parse(0x1234, "FTP.example.NET.", DNS_TYPE_A, &ans) == DNS_OK && ans.n == 2,
	       "answer: the question compares without regard to case");
	msg[2] = 0x01;
	TAP_OK(parse(0x1234, "ftp.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: a query (QR clear) is garbage");
	msg[2] = 0x83;
	TAP_OK(parse(0x1234, "ftp.example.net", DNS_TYPE_A, &ans) == DNS_TRUNCATED,
	       "answer: TC set");
	msg[2] = 0x81;
	mlen -= 2;
	TAP_OK(parse(0x1234, "ftp.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: rdata past the end is garbage");
	TAP_OK(dns_parse_answer(msg, 11, 0x1234, "a.b", 3, DNS_TYPE_A, 21, &ans) ==
	       DNS_GARBAGE, "answer: shorter than a header");

	start(7, 0x81, 0x83, "nope.example.net", DNS_TYPE_A, 0);
	TAP_OK(parse(7, "nope.example.net", DNS_TYPE_A, &ans) == DNS_NXDOMAIN,
	       "answer: NXDOMAIN");
	msg[3] = 0x82;
	TAP_OK(parse(7, "nope.example.net", DNS_TYPE_A, &ans) == DNS_FAIL &&
	       ans.rcode == 2 && strcmp(dns_status_str(DNS_FAIL, 2), "SERVFAIL") == 0,
	       "answer: SERVFAIL");
	msg[3] = 0x80;
	TAP_OK(parse(7, "nope.example.net", DNS_TYPE_A, &ans) == DNS_OK && ans.n == 0,
	       "answer: NOERROR without records: no address");

	/* A CNAME chain, out of order, with records for other names. */
	start(9, 0x81, 0x80, "www.example.net", DNS_TYPE_AAAA, 5);
	rr_aaaa("elsewhere.example.org", "2001:db8::99");
	rr_head("b.example.net", DNS_TYPE_CNAME, 15);
	putname("c.example.net");
	rr_aaaa("c.example.net", "2001:db8::1");
	rr_head(NULL, DNS_TYPE_CNAME, 15);
	putname("B.example.net");
	rr_a("c.example.net", "192.0.2.9");
	TAP_OK(parse(9, "www.example.net", DNS_TYPE_AAAA, &ans) == DNS_OK && ans.n == 1 &&
	       addr_is(&ans.addr[0], "[2001:db8::1]:21"),
	       "answer: CNAMEs followed in any order; other names and types ignored");

	/* A CNAME loop. */
	start(10, 0x81, 0x80, "x.example.net", DNS_TYPE_A, 2);
	rr_head(NULL, DNS_TYPE_CNAME, 15);
	putname("y.example.net");
	rr_head("y.example.net", DNS_TYPE_CNAME, 15);
	putname("x.example.net");
	TAP_OK(parse(10, "x.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: a CNAME loop is garbage");

	/* Compression pointers that point forward or at themselves. */
	start(11, 0x81, 0x80, "x.example.net", DNS_TYPE_A, 1);
	put8(0xc0);
	put8((unsigned)mlen - 1);
	put16(DNS_TYPE_A);
	put16(1);
	put16(0);
	put16(0);
	put16(4);
	put16(0);
	put16(0);
	TAP_OK(parse(11, "x.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: a pointer to itself is garbage");
	msg[mlen - 14] = 0xff;
	TAP_OK(parse(11, "x.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: a pointer forward is garbage");
	msg[mlen - 15] = 0x40;
	TAP_OK(parse(11, "x.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: a reserved label type is garbage");

	/* An A record of the wrong size. */
	start(12, 0x81, 0x80, "x.example.net", DNS_TYPE_A, 1);
	rr_head(NULL, DNS_TYPE_A, 5);
	put16(0);
	put16(0);
	put8(0);
	TAP_OK(parse(12, "x.example.net", DNS_TYPE_A, &ans) == DNS_GARBAGE,
	       "answer: an A record of 5 bytes is garbage");

	/* More records than FTPR_DNS_ADDRS_MAX: the first ones kept. */
	start(13, 0x81, 0x80, "many.example.net", DNS_TYPE_A, 12);
	for (int i = 0; i < 12; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		rr_a(NULL, ip);
	}
	TAP_OK(parse(13, "many.example.net", DNS_TYPE_A, &ans) == DNS_OK &&
	       ans.n == FTPR_DNS_ADDRS_MAX && addr_is(&ans.addr[0], "192.0.2.1:21"),
	       "answer: at most FTPR_DNS_ADDRS_MAX addresses");

	/* map lines with host names */
	TAP_OK(mapline("alice ftp.example.net,origin-b.test:2121,[::1]:21 "
		       "user=anonymous", &e, err) == 1 &&
	       e.r.n == 3 && e.r.named[0] && e.r.named[1] && !e.r.named[2] &&
	       strcmp(e.r.host[0], "ftp.example.net") == 0 && e.r.port[0] == 21 &&
	       strcmp(e.r.host[1], "origin-b.test") == 0 && e.r.port[1] == 2121 &&
	       strcmp(e.r.host[2], "::1") == 0 && addr_is(&e.r.origin[2], "[::1]:21"),
	       "map: host names kept with their ports, beside literals");
	TAP_STR(e.value, e.valuelen,
		"ftp.example.net:21,origin-b.test:2121,[::1]:21 user=anonymous",
		"map: the canonical value of a route with names");
	TAP_OK(mapline("alice ftp_x.example.net", &e, err) < 0 &&
	       strstr(err, "bad address 'ftp_x.example.net'") != NULL &&
	       mapline("alice 10.0.0.256", &e, err) < 0 &&
	       mapline("alice [ftp.example.net]:21", &e, err) < 0,
	       "map: a bad name, a bad address, a name in brackets are refused");
	return tap_done();
}
