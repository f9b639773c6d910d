/* test_ports.c - the kernel's port range and reserved ports, and the port a
 * listener tries without --pasv-ports. */
#include "config.h"

#include "ports.h"
#include "tap.h"

int main(void)
{
	struct ports p;
	uint16_t lo = 0, hi = 0;
	int odd = 1, inside = 1;

	/* ip_local_port_range, as the kernel prints it */
	TAP_OK(ports_parse_range("32768\t60999\n", &lo, &hi) == 0 && lo == 32768 &&
	       hi == 60999, "the default range");
	TAP_OK(ports_parse_range("1024 65535", &lo, &hi) == 0 && lo == 1024 && hi == 65535,
	       "a space, no newline");
	TAP_OK(ports_parse_range("40000\t40000\n", &lo, &hi) == 0 && lo == 40000 &&
	       hi == 40000, "a range of one port");
	TAP_OK(ports_parse_range("60999\t32768\n", &lo, &hi) < 0, "high below low is refused");
	TAP_OK(ports_parse_range("32768\n", &lo, &hi) < 0, "one number is refused");
	TAP_OK(ports_parse_range("0\t100\n", &lo, &hi) < 0, "port 0 is refused");
	TAP_OK(ports_parse_range("32768\t65536\n", &lo, &hi) < 0, "above 65535 is refused");
	TAP_OK(ports_parse_range("32768\t99999999999999999999\n", &lo, &hi) < 0,
	       "a huge number does not wrap");
	TAP_OK(ports_parse_range("32768\t60999 junk\n", &lo, &hi) < 0, "trailing text is refused");
	TAP_OK(ports_parse_range("", &lo, &hi) < 0, "empty is refused");

	/* ip_local_reserved_ports */
	TAP_OK(ports_parse_reserved("\n", &p) == 0 && p.nres == 0, "none reserved");
	TAP_OK(ports_parse_reserved("", &p) == 0 && p.nres == 0, "empty file");
	TAP_OK(ports_parse_reserved("8080,9000-9010\n", &p) == 0 && p.nres == 2 &&
	       p.res_lo[0] == 8080 && p.res_hi[0] == 8080 && p.res_lo[1] == 9000 &&
	       p.res_hi[1] == 9010, "a port and a range");
	TAP_OK(ports_parse_reserved("9010-9000\n", &p) < 0, "a backwards range is refused");
	TAP_OK(ports_parse_reserved("8080;9000\n", &p) < 0, "a bad separator is refused");
	TAP_OK(ports_parse_reserved("8080,\n", &p) < 0, "a trailing comma is refused");
	{
		char many[400] = "";

		for (int i = 0; i <= PORTS_RESERVED_MAX; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%d",
				 i ? "," : "", 2000 + 2 * i);
		TAP_OK(ports_parse_reserved(many, &p) < 0,
		       "more reserved ranges than fit are refused (the kernel then chooses)");
	}

	/* the pick: odd ports of the range, never a reserved one */
	memset(&p, 0, sizeof(p));
	TAP_OK(ports_pick(&p, 12345) == 0, "unknown range: leave it to the kernel");
	p.lo = 32768;
	p.hi = 60999;
	for (uint32_t r = 0; r < 100000; r += 7) {
		uint16_t port = ports_pick(&p, r * 2654435761u);

		odd &= port & 1;
		inside &= port >= p.lo && port <= p.hi;
	}
	TAP_OK(odd && inside, "odd ports inside the range");
	TAP_OK(ports_pick(&p, 0) == 32769 && ports_pick(&p, 14115) == 60999,
	       "the first and the last odd port can be picked");
	p.lo = p.hi = 40000;
	TAP_OK(ports_pick(&p, 3) == 0, "a range without an odd port: leave it to the kernel");
	p.lo = 40000;
	p.hi = 40009;
	TAP_OK(ports_parse_reserved("40001-40007\n", &p) == 0, "reserve all but one odd port");
	for (uint32_t r = 0; r < 50; r++)
		inside &= ports_pick(&p, r) == 40009;
	TAP_OK(inside, "a reserved pick moves past its range to the free port");
	TAP_OK(ports_parse_reserved("40005-40009,40001-40003\n", &p) == 0 &&
	       ports_pick(&p, 3) == 0 && ports_pick(&p, 0) == 0,
	       "every odd port reserved: nothing to pick (the kernel chooses)");
	p.lo = 40000;
	p.hi = 40099;
	inside = 1;
	TAP_OK(ports_parse_reserved("40000-40089\n", &p) == 0, "reserve the lower 90 ports");
	for (uint32_t r = 0; r < 1000; r++) {
		uint16_t port = ports_pick(&p, r * 2654435761u);

		inside &= port >= 40091 && port <= 40099 && (port & 1);
	}
	TAP_OK(inside, "picks land on the free odd ports above the reserved range");
	p.hi = 40089;
	TAP_OK(ports_pick(&p, 7) == 0, "a range all reserved: nothing to pick");
	return tap_done();
}
