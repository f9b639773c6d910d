/* cidr.c - networks in CIDR notation: a pure parser and a matcher. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

int cidr_parse(const char *s, size_t len, struct cidr *out)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	unsigned max, prefix = 0;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(text))
		return -1;
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	if (slash == NULL) {
		out->prefix = max;
		return 0;
	}
	{
		const char *p = slash + 1, *end = s + len;

		/* 1 to 3 digits, no sign, no leading zero. */
		if (p == end || end - p > 3 || (end - p > 1 && *p == '0'))
			return -1;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
	}
	if (prefix > max)
		return -1;
	out->prefix = prefix;
	for (unsigned bit = prefix; bit < max; bit++)
		if (out->addr[bit / 8] & (0x80u >> (bit % 8)))
			return -1;
	return 0;
}

int cidr_parse_list(const char *s, struct cidr *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);

		if (n >= cap || cidr_parse(s, len, &out[n]) < 0)
			return -1;
		n++;
		if (comma == NULL)
			return (int)n;
		s = comma + 1;
	}
}

int cidr_match(const struct cidr *c, const struct net_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *b;
	int fam;

	if (a->ss.ss_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
		fam = AF_INET;
	} else if (a->ss.ss_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr;
		fam = AF_INET6;
		if (memcmp(b, mapped, 12) == 0) {
			b += 12;
			fam = AF_INET;
		}
	} else {
		return 0;
	}
	if (fam != c->family)
		return 0;
	for (unsigned bit = 0; bit < c->prefix; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));

		if ((b[bit / 8] & m) != (c->addr[bit / 8] & m))
			return 0;
	}
	return 1;
}

int cidr_match_any(const struct cidr *list, size_t n, const struct net_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_match(&list[i], a))
			return 1;
	return 0;
}
