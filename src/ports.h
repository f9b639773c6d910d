/* ports.h - the port a data listener takes when no --pasv-ports range is
 * given.  Left to bind() with port 0, the kernel scans its ephemeral range
 * for a port nobody holds; once tens of thousands of TIME_WAIT
 * connections fill that range (a proxy makes two data connections per
 * transfer) the scan takes 1-3 ms per listener.  A random port of the same
 * range, bound with SO_REUSEADDR, takes microseconds.  The range and the
 * reserved ports are the kernel's own, read once before the lock-down. */
#ifndef FTPR_PORTS_H
#define FTPR_PORTS_H

#include <stdint.h>

#define PORTS_RESERVED_MAX 32

struct ports {
	uint16_t lo, hi;   /* the ephemeral range; 0-0: leave it to the kernel */
	unsigned nres;     /* reserved ranges, inclusive */
	uint16_t res_lo[PORTS_RESERVED_MAX], res_hi[PORTS_RESERVED_MAX];
};

/* Parse ip_local_port_range ("32768\t60999\n"); 0, or -1 if malformed. */
int ports_parse_range(const char *s, uint16_t *lo, uint16_t *hi);
/* Parse ip_local_reserved_ports ("" or "8080,9000-9010\n") into p;
 * 0, or -1 if malformed or longer than PORTS_RESERVED_MAX ranges. */
int ports_parse_reserved(const char *s, struct ports *p);
/* The port to try for the random value r: an odd port of the range (the
 * kernel's connect() takes even ones first) that is not reserved; 0 when
 * there is none (the caller then binds port 0). */
uint16_t ports_pick(const struct ports *p, uint32_t r);
/* Read the kernel's range and reserved ports; anything unreadable or
 * malformed leaves p at 0-0. */
void ports_load(struct ports *p);

#endif
