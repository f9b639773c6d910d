/* cidr.h - networks in CIDR notation ("10.0.0.0/8", "2001:db8::/32"):
 * a pure parser and a matcher, for --proxy-protocol-from. */
#ifndef FTPR_CIDR_H
#define FTPR_CIDR_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

struct cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* IPv4 in the first 4 bytes; host bits zero */
	unsigned prefix;   /* 0-32 or 0-128 */
};

/* Parse "ADDR/LEN" or a bare ADDR (a single host) from s[0..len).  Host
 * bits set below the prefix ("10.1.2.3/8") are refused: they are a typo
 * more often than not.  Returns 0, or -1. */
int cidr_parse(const char *s, size_t len, struct cidr *out);
/* Parse a comma-separated list into out[0..cap); returns the count, or
 * -1 (a bad or empty entry, or more than cap). */
int cidr_parse_list(const char *s, struct cidr *out, size_t cap);
/* Is the address in the network?  A v4-mapped IPv6 address
 * (::ffff:a.b.c.d) is matched as the IPv4 address it carries. */
int cidr_match(const struct cidr *c, const struct net_addr *a);
int cidr_match_any(const struct cidr *list, size_t n, const struct net_addr *a);

#endif
