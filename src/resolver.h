/* resolver.h - host names in routes, the I/O part: /etc/hosts and
 * /etc/resolv.conf read into memory at set-up, and the names resolved
 * after the lock-down from there, with a DNS stub of our own (dns.c
 * parses). */
#ifndef FTPR_RESOLVER_H
#define FTPR_RESOLVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "net.h"
#include "route.h"

/* Set-up (before the lock-down), routing sessions only: read both files.
 * A missing file is no error (no hosts table; the nameserver glibc would
 * use); a hosts file longer than FTPR_DNS_HOSTS_MAX is used that far and
 * said in warn (warn[0] stays '\0' otherwise). */
void resolver_setup(char *warn, size_t warncap);

/* After the lock-down: the addresses of name (a dns_valid_name()), each
 * with port, into out (at most cap): the hosts table's when it lists the
 * name, else the nameservers' (IPv4 first, then IPv6), asked until
 * deadline (net_now_ms() time) at the latest.  The count (> 0); 0 with
 * the reason in why ("NXDOMAIN", "no answer within 3 s", ...); -1 when a
 * signal interrupted the wait. */
int resolver_lookup(const char *name, uint16_t port, int64_t deadline,
		    const sigset_t *mask, struct net_addr *out, unsigned cap,
		    char *why, size_t whycap);

/* Where resolver_next() is in a route. */
struct resolver_iter {
	unsigned next;   /* the route's next origin */
	unsigned i;      /* the origin the last address came from */
	unsigned j, n;   /* its addresses: the next one, how many */
	struct net_addr addr[FTPR_DNS_ADDRS_MAX];
};

/* The next address to try of route r (it starts zeroed): 1 with *a, the
 * address of r's origin it->i; 0 when none is left; -1 when a signal
 * interrupted a lookup.  A literal is its own address; a host name is
 * resolved when its turn comes, within timeout_s seconds, and one that
 * does not resolve is logged with the reason and skipped. */
int resolver_next(const struct route *r, struct resolver_iter *it,
		  int timeout_s, const sigset_t *mask, struct net_addr *a);

#endif
