/* net.h - socket helpers: addresses as text, connect with a timeout,
 * listeners in a port range. */
#ifndef FTPR_NET_H
#define FTPR_NET_H

#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ports.h"

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "1.2.3.4:21" or "[::1]:21"; "unix" for anything else. */
const char *net_addr_str(const struct net_addr *a, char *buf, size_t cap);
/* The address alone, no port. */
const char *net_host_str(const struct net_addr *a, char *buf, size_t cap);
/* Family after unmapping ::ffff:a.b.c.d, which counts as AF_INET. */
int net_family(const struct net_addr *a);
/* Turn ::ffff:a.b.c.d into a plain AF_INET address, in place. */
void net_unmap(struct net_addr *a);
/* The IPv4 address of an AF_INET (or v4-mapped) address; -1 otherwise. */
int net_ipv4(const struct net_addr *a, uint8_t out[4]);
uint16_t net_port(const struct net_addr *a);
void net_set_port(struct net_addr *a, uint16_t port);
/* Same host, comparing IPv4 and v4-mapped IPv6 as equal. */
int net_same_host(const struct net_addr *a, const struct net_addr *b);
/* Parse an IPv4 or IPv6 literal (no port). */
int net_parse_literal(const char *s, struct net_addr *out);

int net_peer(int fd, struct net_addr *out);
int net_local(int fd, struct net_addr *out);
int net_set_nonblock(int fd);
void net_tune_control(int fd);

/* Start connecting to host when it is an address literal, without
 * waiting: the fd for net_connect_host(), or -1 (a name, or the start
 * failed: net_connect_host() then does it all and says why). */
int net_connect_early(const char *host, uint16_t port);
/* Resolve host and connect with a timeout in seconds, trying every address
 * in turn; `early` is net_connect_early()'s fd, or -1.  Returns a
 * connected fd or -1 with errno set and a reason in why. */
int net_connect_host(const char *host, uint16_t port, int early, int timeout_s,
		     char *why, size_t whycap);
/* Start a non-blocking connect to a, from the address `from` if not NULL
 * (port 0 lets the kernel choose); returns the fd (connect may still be in
 * progress) or -1. */
int net_connect_start(const struct net_addr *a, const struct net_addr *from);
/* After the fd became writable: 0 if connected, else an errno value. */
int net_connect_result(int fd);
/* Listen on the address `a` (port ignored), on a port in [lo, hi],
 * starting at a random point of the range; with 0-0, on a random port
 * that autop picks (ports.h), or the kernel's choice.  Returns a
 * non-blocking listening fd and stores the port, or -1. */
int net_listen_range(const struct net_addr *a, uint16_t lo, uint16_t hi,
		     const struct ports *autop, uint16_t *port);
/* Bytes sent on a TCP socket and not yet acknowledged by the peer (plus
 * those not sent yet); 0 when unknown. */
int net_unacked(int fd);
/* Sequence numbers the peer acknowledged on a TCP socket (data, and the
 * SYN and FIN where we sent them); 0 when unknown.  Still answers after
 * the peer reset the connection, when SIOCOUTQ no longer does. */
uint64_t net_acked(int fd);
/* The connection is gone (the peer reset it). */
int net_closed(int fd);
/* Milliseconds of CLOCK_MONOTONIC. */
int64_t net_now_ms(void);
/* Wait until fd is readable (or writable: want_write) or the deadline
 * (net_now_ms() time), with this signal mask: 1 ready, 0 timed out, -1
 * interrupted by a signal. */
int net_wait(int fd, int want_write, int64_t deadline, const sigset_t *mask);
/* Close with a reset instead of an orderly FIN. */
void net_abort(int fd);

#endif
