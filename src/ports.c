/* ports.c - where a data listener binds without --pasv-ports: the parsers
 * are pure; ports_load() reads /proc once, at set-up. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ports.h"

/* A decimal port 1-65535 at *s; advances *s.  0 if there is none. */
static uint16_t ports_number(const char **s)
{
	uint32_t v = 0;
	const char *p = *s;

	while (*p >= '0' && *p <= '9' && v <= 65535)
		v = v * 10 + (uint32_t)(*p++ - '0');
	if (p == *s || v == 0 || v > 65535)
		return 0;
	*s = p;
	return (uint16_t)v;
}

static const char *ports_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int ports_parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint16_t a, b;

	s = ports_blanks(s);
	if ((a = ports_number(&s)) == 0)
		return -1;
	if (*s != ' ' && *s != '\t')
		return -1;
	s = ports_blanks(s);
	if ((b = ports_number(&s)) == 0 || b < a)
		return -1;
	if (*s == '\n')
		s++;
	if (*s != '\0')
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

int ports_parse_reserved(const char *s, struct ports *p)
{
	p->nres = 0;
	if (*s == '\n')
		s++;
	while (*s != '\0') {
		uint16_t a = ports_number(&s), b = a;

		if (a == 0)
			return -1;
		if (*s == '-') {
			s++;
			if ((b = ports_number(&s)) == 0 || b < a)
				return -1;
		}
		if (p->nres == PORTS_RESERVED_MAX)
			return -1;
		p->res_lo[p->nres] = a;
		p->res_hi[p->nres] = b;
		p->nres++;
		if (*s == ',')
			s++;
		else if (*s == '\n' && s[1] == '\0')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return 0;
}

uint16_t ports_pick(const struct ports *p, uint32_t r)
{
	uint32_t first, n, port;

	if (p->lo == 0 || p->hi < p->lo)
		return 0;
	first = (uint32_t)p->lo | 1u;
	if (first > p->hi)
		return 0;
	n = (p->hi - first) / 2 + 1;
	port = first + 2 * (r % n);
	/* A reserved port moves the pick past its reserved range (from the
	 * top, round to the bottom); each move passes one range. */
	for (unsigned moves = 0; moves <= p->nres; moves++) {
		unsigned i;

		for (i = 0; i < p->nres; i++)
			if (port >= p->res_lo[i] && port <= p->res_hi[i])
				break;
		if (i == p->nres)
			return (uint16_t)port;
		port = ((uint32_t)p->res_hi[i] + 1) | 1u;
		if (port > p->hi)
			port = first;
	}
	return 0;
}

/* The text of a small /proc file, NUL-terminated; -1 if unreadable. */
static int ports_read(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0 || (size_t)n == cap - 1)
		return -1; /* unreadable, or longer than we take */
	buf[n] = '\0';
	return 0;
}

void ports_load(struct ports *p)
{
	char buf[512];

	memset(p, 0, sizeof(*p));
	if (ports_read("/proc/sys/net/ipv4/ip_local_port_range", buf, sizeof(buf)) < 0 ||
	    ports_parse_range(buf, &p->lo, &p->hi) < 0 ||
	    ports_read("/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)) < 0 ||
	    ports_parse_reserved(buf, p) < 0)
		memset(p, 0, sizeof(*p));
}
