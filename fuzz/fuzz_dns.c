/* fuzz_dns.c - libFuzzer target for the DNS stub's pure parts (dns.c): the
 * answer parser above all (it reads what a nameserver, or a spoofer,
 * sends after the lock-down), then the hosts and resolv.conf parsers and
 * the name check against the query builder.  Input: byte 0 picks the
 * parser, the rest is its input. */
/* FUZZ_SOURCES: dns.c net.c ports.c */
#include "config.h"

#include <netinet/in.h>

#include "dns.h"
#include "fuzz.h"

static const char *const names[4] = {
	"ftp.example.net", "a.b", "localhost", "x.y.z.routes.test",
};

/* Byte 0 of the rest: bit 0 the type (A, AAAA), bits 1-2 the name; bytes
 * 1-2 the id; then the answer, in an exact-size copy. */
static void check_answer(const uint8_t *d, size_t n)
{
	struct dns_answer ans;
	enum dns_status st;
	uint16_t qtype, id;
	const char *name;
	uint8_t *msg;

	if (n < 3)
		return;
	qtype = (d[0] & 1) ? DNS_TYPE_AAAA : DNS_TYPE_A;
	name = names[(d[0] >> 1) & 3];
	id = (uint16_t)(d[1] << 8 | d[2]);
	msg = (uint8_t *)fuzz_dup(d + 3, n - 3);
	st = dns_parse_answer(msg, n - 3, id, name, strlen(name), qtype, 2121, &ans);
	FUZZ_CHECK(st >= DNS_OK && st <= DNS_NOT_OURS, "a status");
	FUZZ_CHECK(strlen(dns_status_str(st, ans.rcode)) > 0, "a status text");
	if (n - 3 >= 12 && (msg[0] << 8 | msg[1]) != id)
		FUZZ_CHECK(st == DNS_NOT_OURS, "another id is never taken");
	if (n - 3 >= 12 && !(msg[2] & 0x80))
		FUZZ_CHECK(st == DNS_GARBAGE || st == DNS_NOT_OURS,
			   "a query is never an answer");
	if (st == DNS_OK)
		FUZZ_CHECK((msg[3] & 0x0f) == 0 && !(msg[2] & 0x02), "NOERROR, not TC");
	FUZZ_CHECK(ans.n <= FTPR_DNS_ADDRS_MAX, "at most FTPR_DNS_ADDRS_MAX");
	FUZZ_CHECK(st == DNS_OK || ans.n == 0 || st == DNS_GARBAGE,
		   "addresses only with NOERROR");
	for (unsigned i = 0; st == DNS_OK && i < ans.n; i++) {
		FUZZ_CHECK(ans.addr[i].ss.ss_family ==
			   (qtype == DNS_TYPE_A ? AF_INET : AF_INET6), "the family asked");
		FUZZ_CHECK(net_port(&ans.addr[i]) == 2121, "the port given");
	}
	free(msg);
}

/* name NUL hosts-text */
static void check_hosts(const uint8_t *d, size_t n)
{
	const uint8_t *nul = memchr(d, '\0', n);
	struct net_addr out[3];
	unsigned got;
	char *name, *text;

	if (nul == NULL)
		return;
	name = fuzz_dup(d, (size_t)(nul - d));
	text = fuzz_dup(nul + 1, n - (size_t)(nul - d) - 1);
	got = dns_hosts_lookup(text, n - (size_t)(nul - d) - 1, name,
			       (size_t)(nul - d), 21, out, 3);
	FUZZ_CHECK(got <= 3, "cap respected");
	for (unsigned i = 0; i < got; i++)
		FUZZ_CHECK(net_port(&out[i]) == 21 &&
			   (out[i].ss.ss_family == AF_INET ||
			    out[i].ss.ss_family == AF_INET6), "an address with the port");
	free(name);
	free(text);
}

static void check_conf(const uint8_t *d, size_t n)
{
	char *text = fuzz_dup(d, n);
	struct dns_conf c;

	dns_conf_parse(text, n, &c);
	FUZZ_CHECK(c.nns >= 1 && c.nns <= FTPR_DNS_NS_MAX, "1 to 3 nameservers");
	FUZZ_CHECK(c.timeout >= 1 && c.timeout <= FTPR_DNS_TIMEOUT_MAX &&
		   c.attempts >= 1 && c.attempts <= FTPR_DNS_ATTEMPTS_MAX,
		   "options within their caps");
	for (unsigned i = 0; i < c.nns; i++)
		FUZZ_CHECK(net_port(&c.ns[i]) == DNS_PORT, "port 53");
	free(text);
}

/* A name is valid exactly when a query can be built for it, and the
 * query read as an answer is refused (QR clear). */
static void check_name(const uint8_t *d, size_t n)
{
	char *name = fuzz_dup(d, n);
	uint8_t q[600];
	struct dns_answer ans;
	int valid = dns_valid_name(name, n);
	int len = dns_build_query(q, sizeof(q), 0x4242, name, n, DNS_TYPE_A);

	FUZZ_CHECK(valid == (len > 0), "valid names, and only they, make a query");
	if (len > 0) {
		FUZZ_CHECK(len <= 12 + 255 + 4 + 11, "a query's size");
		FUZZ_CHECK(dns_parse_answer(q, (size_t)len, 0x4242, name, n, DNS_TYPE_A,
					    21, &ans) == DNS_GARBAGE,
			   "our query is no answer");
		q[2] |= 0x80;
		FUZZ_CHECK(dns_parse_answer(q, (size_t)len, 0x4242, name, n, DNS_TYPE_A,
					    21, &ans) == DNS_OK && ans.n == 0,
			   "our question echoed is recognised");
	}
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		check_answer(data + 1, size - 1);
		break;
	case 1:
		check_hosts(data + 1, size - 1);
		break;
	case 2:
		check_conf(data + 1, size - 1);
		break;
	default:
		check_name(data + 1, size - 1);
		break;
	}
	return 0;
}
