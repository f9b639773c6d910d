/* dns.h - host names in routes, the pure parts: the RFC 1123 name check,
 * the /etc/hosts and /etc/resolv.conf parsers, and a DNS stub's A/AAAA
 * query builder and answer parser.  No I/O: resolver.c reads the files
 * at set-up and asks the nameservers after the lock-down. */
#ifndef FTPR_DNS_H
#define FTPR_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "net.h"

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1
#define DNS_PORT 53
/* A name in wire form: at most 255 bytes, the root label included. */
#define DNS_WIRE_MAX 255

/* Is s (len bytes) a host name?  RFC 1123 labels (letters, digits and
 * hyphens, 1 to 63 bytes, no hyphen first or last), at most 253 bytes
 * plus an optional final dot, and a last label that is not all digits
 * (that is a mistyped IPv4 address, "10.0.0.256", not a name). */
int dns_valid_name(const char *s, size_t len);

/* What /etc/resolv.conf says that we use. */
struct dns_conf {
	unsigned nns;
	struct net_addr ns[FTPR_DNS_NS_MAX]; /* port 53 */
	int timeout;  /* seconds to wait for one server's answer */
	int attempts; /* rounds over the servers */
};

/* resolv.conf text (len bytes): "nameserver ADDR" (IPv4 or IPv6
 * literals, the first FTPR_DNS_NS_MAX; scoped ones like fe80::1%eth0 are
 * skipped) and "options timeout:N attempts:N" (clamped to the defs.h
 * caps); everything else (search, domain, ndots, sortlist, rotate, ...)
 * is ignored.  No nameserver: 127.0.0.1, as glibc. */
void dns_conf_parse(const char *buf, size_t len, struct dns_conf *c);

/* The addresses of name (namelen bytes; a final dot ignored) in hosts
 * file text (len bytes): every line that lists it, compared without
 * regard to case, in file order, at most cap, each with port.  The
 * count. */
unsigned dns_hosts_lookup(const char *buf, size_t len, const char *name,
			  size_t namelen, uint16_t port, struct net_addr *out,
			  unsigned cap);

/* A recursive query (RD) for name (a dns_valid_name()) and qtype, with
 * an EDNS0 OPT record announcing FTPR_DNS_UDP_MAX: its length in buf,
 * or -1 (name invalid, or cap too small). */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
		    size_t namelen, uint16_t qtype);

enum dns_status {
	DNS_OK,        /* NOERROR: out holds the addresses (maybe none) */
	DNS_NXDOMAIN,  /* the name does not exist */
	DNS_FAIL,      /* another RCODE: SERVFAIL, REFUSED, ... (rcode) */
	DNS_TRUNCATED, /* TC: ask again over TCP */
	DNS_GARBAGE,   /* our id, but not a well-formed answer */
	DNS_NOT_OURS,  /* another id or another question: ignored */
};

struct dns_answer {
	int rcode;
	unsigned n;
	struct net_addr addr[FTPR_DNS_ADDRS_MAX];
};

/* Check an answer (len bytes) to our query (id, name, qtype): a
 * response, to a standard query, our id, our question echoed (name
 * without regard to case, type, class IN).  Then the RCODE; then the
 * answer section: the CNAME chain from name followed inside it (at most
 * FTPR_DNS_CNAME_MAX), and the qtype records of the name it ends at
 * collected, each with port.  TTLs are ignored (nothing is cached).
 * Records of the other sections are never used. */
enum dns_status dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id,
				 const char *name, size_t namelen,
				 uint16_t qtype, uint16_t port,
				 struct dns_answer *out);

/* "NXDOMAIN", "garbage", ...: for the log. */
const char *dns_status_str(enum dns_status st, int rcode);

#endif
