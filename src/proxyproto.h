/* proxyproto.h - the PROXY protocol (HAProxy's doc/proxy-protocol.txt),
 * versions 1 and 2: a pure parser of the header a load balancer puts in
 * front of a connection, and formatters for the one we send an origin.
 * No I/O; every input has an explicit length. */
#ifndef FTPR_PROXYPROTO_H
#define FTPR_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

enum pp_command {
	PP_CMD_LOCAL = 0, /* the balancer's own connection (a health check) */
	PP_CMD_PROXY = 1, /* a relayed connection: src and dst are set */
};

struct pp_header {
	int version;             /* 1 or 2 */
	enum pp_command command;
	int family;              /* AF_INET, AF_INET6; AF_UNSPEC for LOCAL
				    and v1 UNKNOWN */
	struct net_addr src;     /* the client, as the balancer saw it */
	struct net_addr dst;     /* the address the client connected to */
	const char *why;         /* PP_BAD: what was wrong (static text) */
};

/* pp_parse() results besides the header's length (> 0). */
#define PP_NEED_MORE 0
#define PP_BAD (-1)

/* The v2 signature, and the fixed part of a v2 header. */
#define PP_V2_SIG "\r\n\r\n\0\r\nQUIT\n"
#define PP_V2_SIG_LEN 12
#define PP_V2_FIXED 16

/* Parse the header at the start of buf[0..len).  Returns its length
 * (the bytes to consume) and fills *h; PP_NEED_MORE with *more set to
 * the number of bytes that certainly still belong to the header (at
 * least 1: a reader may read that many without reading past it); or
 * PP_BAD with h->why set, as soon as the bytes cannot begin a valid
 * header.  v1 "UNKNOWN" and v2 LOCAL give family AF_UNSPEC and no
 * addresses (v1 UNKNOWN keeps command PROXY: the caller decides). */
int pp_parse(const void *buf, size_t len, struct pp_header *h, size_t *more);

/* Format the header we send an origin: src is the client, dst our own
 * address towards the origin.  Addresses of different families are both
 * written as IPv6 (v4-mapped); anything but IPv4/IPv6 gives v1
 * "UNKNOWN" or a v2 PROXY header of family UNSPEC.  Returns the length,
 * or -1 if cap is too small. */
int pp_format_v1(char *buf, size_t cap, const struct net_addr *src,
		 const struct net_addr *dst);
int pp_format_v2(char *buf, size_t cap, const struct net_addr *src,
		 const struct net_addr *dst);

#endif
