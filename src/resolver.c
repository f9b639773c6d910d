/* resolver.c - host names in routes, the I/O part.  After the lock-down
 * there is no open(), so glibc's getaddrinfo() (NSS, /etc/nsswitch.conf,
 * its own open of resolv.conf) cannot run: set-up reads /etc/hosts and
 * /etc/resolv.conf into memory, and a name is then looked up in that
 * hosts table, else asked of the nameservers with a DNS stub of our own
 * over UDP (TCP when the answer is truncated).  dns.c parses everything;
 * this file only reads, sends and waits, every wait bounded by the
 * caller's deadline.
 *
 * What it does not do, on purpose: no nsswitch (LDAP, mDNS, myhostname,
 * ...), no search list or ndots (route names are taken as written, fully
 * qualified), no cache (each session resolves at most a few names), no
 * DNSSEC. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "net.h"
#include "resolver.h"

static struct {
	char hosts[FTPR_DNS_HOSTS_MAX];
	size_t hostslen;
	struct dns_conf conf;
} res;

/* Read up to cap bytes of path; 1 when the file has more. */
static int res_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), more = 0;
	char extra;

	*len = 0;
	if (fd < 0)
		return 0;
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (*len == cap && read(fd, &extra, 1) == 1)
		more = 1;
	close(fd);
	return more;
}

void resolver_setup(char *warn, size_t warncap)
{
	static char conf[FTPR_DNS_CONF_MAX];
	size_t conflen;

	warn[0] = '\0';
	if (res_read_file("/etc/hosts", res.hosts, sizeof(res.hosts), &res.hostslen))
		snprintf(warn, warncap, "/etc/hosts: only its first %d bytes are "
			 "used for route names", FTPR_DNS_HOSTS_MAX);
	(void)res_read_file("/etc/resolv.conf", conf, sizeof(conf), &conflen);
	dns_conf_parse(conf, conflen, &res.conf);
}

/* One server's answers to our two questions. */
struct res_try {
	enum dns_status st[2];
	int done[2];
	struct dns_answer ans[2];
	int err;          /* a socket error (ICMP port unreachable, ...) */
	unsigned strays;  /* datagrams that answered nothing of ours */
};

static const uint16_t res_qtype[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };

/* Ask ns over TCP (after a truncated answer) for query k, until deadline. */
static enum dns_status res_tcp(const struct net_addr *ns, const uint8_t *q,
			       size_t qlen, uint16_t id, const char *name,
			       uint16_t port, unsigned k, int64_t deadline,
			       const sigset_t *mask, struct dns_answer *ans,
			       int *interrupted)
{
	static uint8_t buf[FTPR_DNS_TCP_MAX];
	uint8_t out[2 + 512];
	size_t have = 0, want = 2;
	enum dns_status st = DNS_GARBAGE;
	int fd, w;

	if (qlen > sizeof(out) - 2)
		return DNS_GARBAGE;
	fd = net_connect_start(ns, NULL);
	if (fd < 0)
		return DNS_GARBAGE;
	w = net_wait(fd, 1, deadline, mask);
	if (w <= 0 || net_connect_result(fd) != 0)
		goto out;
	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, q, qlen);
	/* A fresh connection's send buffer takes a query whole. */
	if (send(fd, out, qlen + 2, MSG_NOSIGNAL) != (ssize_t)(qlen + 2))
		goto out;
	while (have < want) {
		ssize_t n;

		w = net_wait(fd, 0, deadline, mask);
		if (w <= 0)
			goto out;
		n = read(fd, buf + have, want - have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			goto out;
		have += (size_t)n;
		if (want == 2 && have == 2) {
			/* SECURITY: the length prefix is bounded by our buffer. */
			want = (size_t)buf[0] << 8 | buf[1];
			if (want == 0 || want > sizeof(buf))
				goto out;
			have = 0;
		}
	}
	st = dns_parse_answer(buf, have, id, name, strlen(name), res_qtype[k], port,
			      ans);
	if (st == DNS_TRUNCATED || st == DNS_NOT_OURS)
		st = DNS_GARBAGE;
out:
	if (w < 0)
		*interrupted = 1;
	close(fd);
	return st;
}

/* Ask one nameserver both questions over UDP, until try_deadline (TCP,
 * if needed, until deadline).  0, or -1 when a signal interrupted. */
static int res_ask(const struct net_addr *ns, uint8_t q[2][512], const int qlen[2],
		   const uint16_t id[2], const char *name, uint16_t port,
		   int64_t try_deadline, int64_t deadline, const sigset_t *mask,
		   struct res_try *t)
{
	static uint8_t buf[FTPR_DNS_UDP_MAX];
	int fd, interrupted = 0;

	memset(t, 0, sizeof(*t));
	fd = socket(ns->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		t->err = errno;
		return 0;
	}
	/* SECURITY: a connected UDP socket: the kernel hands us datagrams
	 * from the server's address and port only, and the ids and the
	 * question echoed are checked on top (dns_parse_answer()). */
	if (connect(fd, (const struct sockaddr *)&ns->ss, ns->len) < 0 ||
	    send(fd, q[0], (size_t)qlen[0], MSG_NOSIGNAL) != qlen[0] ||
	    send(fd, q[1], (size_t)qlen[1], MSG_NOSIGNAL) != qlen[1]) {
		t->err = errno;
		close(fd);
		return 0;
	}
	while (!(t->done[0] && t->done[1])) {
		int w = net_wait(fd, 0, try_deadline, mask);
		ssize_t n;
		unsigned k;

		if (w < 0)
			interrupted = 1;
		if (w <= 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			t->err = errno; /* ECONNREFUSED: nobody on port 53 */
			break;
		}
		for (k = 0; k < 2; k++) {
			enum dns_status st;

			if (t->done[k])
				continue;
			st = dns_parse_answer(buf, (size_t)n, id[k], name, strlen(name),
					      res_qtype[k], port, &t->ans[k]);
			if (st == DNS_NOT_OURS)
				continue;
			if (st == DNS_TRUNCATED)
				st = res_tcp(ns, q[k], (size_t)qlen[k], id[k], name, port, k,
					     deadline, mask, &t->ans[k], &interrupted);
			t->st[k] = st;
			t->done[k] = 1;
			break;
		}
		if (k == 2)
			t->strays++;
		if (interrupted)
			break;
		/* A name that does not exist has no other type either. */
		if ((t->done[0] && t->st[0] == DNS_NXDOMAIN) ||
		    (t->done[1] && t->st[1] == DNS_NXDOMAIN))
			break;
	}
	close(fd);
	return interrupted ? -1 : 0;
}

/* Why this server gave no address, into why. */
static void res_why(const struct net_addr *ns, const struct res_try *t,
		    char *why, size_t whycap)
{
	char who[FTPR_ADDRSTR_MAX];

	net_host_str(ns, who, sizeof(who));
	for (unsigned k = 0; k < 2; k++)
		if (t->done[k] && t->st[k] != DNS_OK) {
			snprintf(why, whycap, "%s from nameserver %s",
				 dns_status_str(t->st[k], t->ans[k].rcode), who);
			return;
		}
	if (t->err != 0)
		snprintf(why, whycap, "nameserver %s: %s", who, strerror(t->err));
	else if (t->strays > 0)
		snprintf(why, whycap, "timeout: nameserver %s sent only garbage "
			 "(%u datagram%s that answer nothing asked)", who, t->strays,
			 t->strays == 1 ? "" : "s");
	else
		snprintf(why, whycap, "timeout: no answer from nameserver %s", who);
}

int resolver_lookup(const char *name, uint16_t port, int64_t deadline,
		    const sigset_t *mask, struct net_addr *out, unsigned cap,
		    char *why, size_t whycap)
{
	static uint8_t q[2][512];
	int qlen[2];
	uint16_t id[2];
	unsigned n;

	why[0] = '\0';
	n = dns_hosts_lookup(res.hosts, res.hostslen, name, strlen(name), port, out,
			     cap);
	if (n > 0)
		return (int)n;
	/* SECURITY: random ids (the source port is the kernel's random
	 * ephemeral one): a blind spoofer must guess both. */
	if (getrandom(id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id)) {
		id[0] = (uint16_t)net_now_ms();
		id[1] = (uint16_t)(id[0] * 31u + 7u);
	}
	if (id[1] == id[0])
		id[1] ^= 1;
	for (unsigned k = 0; k < 2; k++) {
		qlen[k] = dns_build_query(q[k], sizeof(q[k]), id[k], name, strlen(name),
					  res_qtype[k]);
		if (qlen[k] < 0) {
			snprintf(why, whycap, "not a host name");
			return 0;
		}
	}
	for (int a = 0; a < res.conf.attempts; a++) {
		for (unsigned s = 0; s < res.conf.nns; s++) {
			int64_t now = net_now_ms(), try_deadline;
			struct res_try t;

			if (now >= deadline) {
				if (why[0] == '\0')
					snprintf(why, whycap, "timeout");
				return 0;
			}
			try_deadline = now + (int64_t)res.conf.timeout * 1000;
			if (try_deadline > deadline)
				try_deadline = deadline;
			if (res_ask(&res.conf.ns[s], q, qlen, id, name, port, try_deadline,
				    deadline, mask, &t) < 0)
				return -1;
			/* IPv4 first, then IPv6. */
			n = 0;
			for (unsigned k = 0; k < 2; k++)
				for (unsigned i = 0; t.done[k] && t.st[k] == DNS_OK &&
				     i < t.ans[k].n && n < cap; i++)
					out[n++] = t.ans[k].addr[i];
			if (n > 0)
				return (int)n;
			res_why(&res.conf.ns[s], &t, why, whycap);
			/* The server's last word: the name does not exist, or
			 * has no address; another server would say the same. */
			if ((t.done[0] && t.st[0] == DNS_NXDOMAIN) ||
			    (t.done[1] && t.st[1] == DNS_NXDOMAIN))
				return 0;
			if (t.done[0] && t.done[1] && t.st[0] == DNS_OK &&
			    t.st[1] == DNS_OK) {
				snprintf(why, whycap, "the name has no A or AAAA record");
				return 0;
			}
		}
	}
	return 0;
}

int resolver_next(const struct route *r, struct resolver_iter *it,
		  int timeout_s, const sigset_t *mask, struct net_addr *a)
{
	while (it->j >= it->n) {
		unsigned k = it->next;
		char why[256], list[4 * FTPR_ADDRSTR_MAX];
		size_t used = 0;
		int n;

		if (k >= r->n)
			return 0;
		it->next++;
		it->i = k;
		it->j = it->n = 0;
		if (!r->named[k]) {
			/* A literal: no resolver involved. */
			it->addr[0] = r->origin[k];
			it->n = 1;
			break;
		}
		n = resolver_lookup(r->host[k], r->port[k],
				    net_now_ms() + (int64_t)timeout_s * 1000, mask,
				    it->addr, FTPR_DNS_ADDRS_MAX, why, sizeof(why));
		if (n < 0)
			return -1;
		if (n == 0) {
			log_msg(LOG_WARNING, "origin %s:%u: cannot resolve the name: %s",
				r->host[k], (unsigned)r->port[k], why);
			continue;
		}
		it->n = (unsigned)n;
		list[0] = '\0';
		for (unsigned m = 0; m < it->n && used < sizeof(list); m++) {
			char h[FTPR_ADDRSTR_MAX];
			int w = snprintf(list + used, sizeof(list) - used, "%s%s",
					 m ? ", " : "", net_host_str(&it->addr[m], h,
								     sizeof(h)));

			used += w > 0 ? (size_t)w : 0;
		}
		log_msg(LOG_INFO, "origin %s:%u is %s", r->host[k],
			(unsigned)r->port[k], list);
	}
	*a = it->addr[it->j++];
	return 1;
}
