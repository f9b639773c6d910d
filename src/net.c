/* net.c - socket helpers: addresses as text, connect with a timeout,
 * listeners in a port range. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked */
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <signal.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "defs.h"
#include "net.h"
#include "ports.h"

static int net_is_mapped(const struct net_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	return a->ss.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

int net_family(const struct net_addr *a)
{
	if (net_is_mapped(a))
		return AF_INET;
	return a->ss.ss_family;
}

void net_unmap(struct net_addr *a)
{
	uint8_t v4[4];
	uint16_t port = net_port(a);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

	if (!net_is_mapped(a))
		return;
	memcpy(v4, ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr + 12, 4);
	memset(a, 0, sizeof(*a));
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, v4, 4);
	s4->sin_port = htons(port);
	a->len = sizeof(*s4);
}

int net_ipv4(const struct net_addr *a, uint8_t out[4])
{
	if (a->ss.ss_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
		return 0;
	}
	if (net_is_mapped(a)) {
		memcpy(out, ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr + 12, 4);
		return 0;
	}
	return -1;
}

uint16_t net_port(const struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void net_set_port(struct net_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

const char *net_host_str(const struct net_addr *a, char *buf, size_t cap)
{
	uint8_t v4[4];

	if (net_ipv4(a, v4) == 0) {
		if (inet_ntop(AF_INET, v4, buf, (socklen_t)cap) != NULL)
			return buf;
	} else if (a->ss.ss_family == AF_INET6) {
		if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      buf, (socklen_t)cap) != NULL)
			return buf;
	}
	snprintf(buf, cap, "unix");
	return buf;
}

const char *net_addr_str(const struct net_addr *a, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	net_host_str(a, host, sizeof(host));
	if (net_family(a) == AF_INET)
		snprintf(buf, cap, "%s:%u", host, net_port(a));
	else if (net_family(a) == AF_INET6)
		snprintf(buf, cap, "[%s]:%u", host, net_port(a));
	else
		snprintf(buf, cap, "%s", host);
	return buf;
}

int net_same_host(const struct net_addr *a, const struct net_addr *b)
{
	uint8_t x[4], y[4];

	if (net_ipv4(a, x) == 0 && net_ipv4(b, y) == 0)
		return memcmp(x, y, 4) == 0;
	if (a->ss.ss_family == AF_INET6 && b->ss.ss_family == AF_INET6 &&
	    !net_is_mapped(a) && !net_is_mapped(b))
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr,
			      16) == 0;
	/* Unix socketpairs (used by tests and local launchers) have no
	 * address: they match each other only. */
	return a->ss.ss_family == AF_UNIX && b->ss.ss_family == AF_UNIX;
}

int net_parse_literal(const char *s, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;

	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		out->len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		out->len = sizeof(*s6);
		return 0;
	}
	return -1;
}

int net_peer(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->ss);
	return getpeername(fd, (struct sockaddr *)&out->ss, &out->len);
}

int net_local(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->ss);
	return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}

int net_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void net_tune_control(int fd)
{
	int one = 1;

	/* Replies such as 150 and 226 are small writes: without NODELAY,
	 * Nagle holds each one back for a round trip (~40 ms a transfer). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

int net_connect_start(const struct net_addr *a, const struct net_addr *from)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if ((from != NULL &&
	     bind(fd, (const struct sockaddr *)&from->ss, from->len) < 0) ||
	    (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0 &&
	     errno != EINPROGRESS)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int net_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Wait for a connect started on fd; fd, or -1 (closed) with errno. */
static int net_connect_finish(int fd, int timeout_s)
{
	struct pollfd p;
	int r, err;

	if (fd < 0)
		return -1;
	p.fd = fd;
	p.events = POLLOUT;
	do
		r = poll(&p, 1, timeout_s * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		err = ETIMEDOUT;
	else if (r < 0)
		err = errno;
	else
		err = net_connect_result(fd);
	if (err != 0) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int net_connect_early(const char *host, uint16_t port)
{
	struct net_addr lit;

	if (net_parse_literal(host, &lit) < 0)
		return -1;
	net_set_port(&lit, port);
	return net_connect_start(&lit, NULL);
}

int net_connect_host(const char *host, uint16_t port, int early, int timeout_s,
		     char *why, size_t whycap)
{
	struct addrinfo hints, *res, *ai;
	struct net_addr lit;
	char service[8];
	int fd = -1, e, err = 0;

	/* An address literal needs no resolver: getaddrinfo() would still
	 * ask nscd and dump the interface addresses (AI_ADDRCONFIG) over
	 * netlink, on every session start. */
	if (net_parse_literal(host, &lit) == 0) {
		net_set_port(&lit, port);
		if (early < 0)
			early = net_connect_start(&lit, NULL);
		fd = net_connect_finish(early, timeout_s);
		if (fd < 0) {
			err = errno;
			snprintf(why, whycap, "cannot connect to %s port %u: %s",
				 host, port, strerror(err));
			errno = err;
		}
		return fd;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%u", port);
	e = getaddrinfo(host, service, &hints, &res);
	if (e != 0) {
		snprintf(why, whycap, "cannot resolve %s: %s", host, gai_strerror(e));
		errno = ENOENT;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct net_addr a;

		memset(&a, 0, sizeof(a));
		memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
		a.len = ai->ai_addrlen;
		fd = net_connect_finish(net_connect_start(&a, NULL), timeout_s);
		if (fd >= 0)
			break;
		err = errno;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, whycap, "cannot connect to %s port %u: %s", host,
			 port, strerror(err));
		errno = err;
	}
	return fd;
}

/* A listener on a, port p (0: the kernel's choice); -1 with errno. */
static int net_listen_on(const struct net_addr *a, uint16_t p)
{
	struct net_addr b = *a;
	int fd, one = 1;

	fd = socket(b.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	net_set_port(&b, p);
	if (bind(fd, (struct sockaddr *)&b.ss, b.len) == 0 &&
	    listen(fd, FTPR_PASV_BACKLOG) == 0)
		return fd;
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int net_listen_got(int fd, uint16_t *port)
{
	struct net_addr got;

	if (net_local(fd, &got) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*port = net_port(&got);
	return fd;
}

int64_t net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int net_wait(int fd, int want_write, int64_t deadline, const sigset_t *mask)
{
	for (;;) {
		int64_t now = net_now_ms();
		struct timespec ts;
		fd_set set;
		int n;

		if (now >= deadline)
			return 0;
		ts.tv_sec = (time_t)((deadline - now) / 1000);
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
		FD_ZERO(&set);
		FD_SET(fd, &set);
		n = pselect(fd + 1, want_write ? NULL : &set,
			    want_write ? &set : NULL, NULL, &ts, mask);
		if (n > 0)
			return 1;
		if (n < 0 && errno == EINTR)
			return -1;
	}
}

int net_listen_range(const struct net_addr *a, uint16_t lo, uint16_t hi,
		     const struct ports *autop, uint16_t *port)
{
	uint32_t span = (uint32_t)hi - lo + 1, r[8];
	int fd;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		for (unsigned i = 0; i < 8; i++)
			r[i] = (uint32_t)getpid() * 2654435761u + i;
	if (lo == 0) {
		/* A random port of the kernel's own range (see ports.h);
		 * a few tries, then the kernel's choice after all. */
		for (unsigned i = 0; autop != NULL && i < 8; i++) {
			uint16_t p = ports_pick(autop, r[i]);

			if (p == 0)
				continue;
			if ((fd = net_listen_on(a, p)) >= 0)
				return net_listen_got(fd, port);
			if (errno != EADDRINUSE && errno != EACCES)
				return -1;
		}
		fd = net_listen_on(a, 0);
		return fd < 0 ? -1 : net_listen_got(fd, port);
	}
	/* Start at a random port of the range so that concurrent sessions
	 * do not all fight over the lowest one. */
	for (uint32_t i = 0; i < span; i++) {
		fd = net_listen_on(a, (uint16_t)(lo + (r[0] + i) % span));
		if (fd >= 0)
			return net_listen_got(fd, port);
		if (errno != EADDRINUSE && errno != EACCES)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

int net_unacked(int fd)
{
	int n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) < 0)
		return 0;
	return n;
}

uint64_t net_acked(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return 0;
	return ti.tcpi_bytes_acked;
}

int net_closed(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       ti.tcpi_state == 7; /* TCP_CLOSE (netinet/tcp.h clashes with linux/tcp.h) */
}

void net_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}
