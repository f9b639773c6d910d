/* test_cidr.c - networks for --proxy-protocol-from: parsing and matching,
 * IPv4, IPv6 and v4-mapped peers. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cidr.h"
#include "tap.h"

static struct net_addr addr(const char *host)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s = (void *)&a.ss;

		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, host, &s->sin6_addr);
		a.len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (void *)&a.ss;

		s->sin_family = AF_INET;
		inet_pton(AF_INET, host, &s->sin_addr);
		a.len = sizeof(*s);
	}
	return a;
}

static int in(const char *net, const char *host)
{
	struct cidr c;
	struct net_addr a = addr(host);

	return cidr_parse(net, strlen(net), &c) == 0 && cidr_match(&c, &a);
}

static int bad(const char *net)
{
	struct cidr c;

	return cidr_parse(net, strlen(net), &c) < 0;
}

int main(void)
{
	struct cidr list[4];
	struct net_addr a;

	TAP_OK(in("10.0.0.0/8", "10.255.1.2"), "an address inside a /8");
	TAP_OK(!in("10.0.0.0/8", "11.0.0.1"), "an address outside a /8");
	TAP_OK(in("127.0.0.0/8", "127.0.0.1"), "loopback in 127.0.0.0/8");
	TAP_OK(in("192.0.2.128/25", "192.0.2.200") && !in("192.0.2.128/25", "192.0.2.127"),
	       "a /25 boundary");
	TAP_OK(in("192.0.2.7", "192.0.2.7") && !in("192.0.2.7", "192.0.2.8"),
	       "a bare address is a single host");
	TAP_OK(in("192.0.2.7/32", "192.0.2.7"), "a /32");
	TAP_OK(in("0.0.0.0/0", "203.0.113.9"), "0.0.0.0/0 holds every IPv4 address");
	TAP_OK(!in("0.0.0.0/0", "2001:db8::1"), "... and no IPv6 address");
	TAP_OK(in("2001:db8::/32", "2001:db8:1::5") && !in("2001:db8::/32", "2001:db9::1"),
	       "an IPv6 /32");
	TAP_OK(in("2001:db8::1/128", "2001:db8::1") && !in("2001:db8::1/128", "2001:db8::2"),
	       "an IPv6 /128");
	TAP_OK(in("fe80::/10", "febf::1") && !in("fe80::/10", "fec0::1"),
	       "a prefix that ends inside a byte (/10)");
	TAP_OK(in("10.0.0.0/8", "::ffff:10.1.2.3"), "a v4-mapped peer matches an IPv4 network");
	TAP_OK(!in("::/0", "::ffff:10.1.2.3"), "a v4-mapped peer is IPv4, not IPv6");
	TAP_OK(!in("10.0.0.0/8", "::1"), "IPv6 never matches an IPv4 network");

	TAP_OK(bad("10.1.2.3/8"), "host bits below the prefix are refused");
	TAP_OK(bad("2001:db8::1/32"), "IPv6 host bits below the prefix are refused");
	TAP_OK(bad("10.0.0.0/33"), "prefix 33 for IPv4 is refused");
	TAP_OK(!bad("::/128") && bad("::/129"), "prefix 128 ok, 129 refused for IPv6");
	TAP_OK(bad("10.0.0.0/"), "an empty prefix");
	TAP_OK(bad("10.0.0.0/08"), "a leading zero in the prefix");
	TAP_OK(bad("10.0.0.0/-1") && bad("10.0.0.0/+8"), "a signed prefix");
	TAP_OK(bad("10.0.0.0/8/8"), "two slashes");
	TAP_OK(bad("/8") && bad(""), "no address");
	TAP_OK(bad("010.0.0.0/8"), "a leading zero in an IPv4 address");
	TAP_OK(bad("10.0.0/24"), "three-part IPv4");
	TAP_OK(bad("lb.example.org"), "a name");
	TAP_OK(bad("[::1]/128"), "brackets");
	TAP_OK(bad("10.0.0.0 /8") && bad(" 10.0.0.0/8"), "white space");
	TAP_OK(bad("fe80::1%eth0"), "a zone id");

	TAP_OK(cidr_parse_list("10.0.0.0/8,::1", list, 4) == 2, "a list of two");
	a = addr("::1");
	TAP_OK(cidr_match_any(list, 2, &a), "the list matches its second entry");
	a = addr("192.0.2.1");
	TAP_OK(!cidr_match_any(list, 2, &a), "the list matches nothing else");
	TAP_OK(cidr_parse_list("10.0.0.0/8,,::1", list, 4) < 0, "an empty entry");
	TAP_OK(cidr_parse_list("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", list, 4) < 0,
	       "more than fit");
	memset(&a, 0, sizeof(a));
	a.ss.ss_family = AF_UNIX;
	TAP_OK(!cidr_match_any(list, 2, &a), "a UNIX peer matches nothing");
	return tap_done();
}
