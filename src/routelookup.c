/* routelookup.c - --route-url: the lookup service asked through the
 * module ftprelay-url.so (libcurl, json-c), dlopen()ed here at set-up and
 * only with --route-url, so that other sessions never map those
 * libraries.  Set-up does everything that opens files or resolves names
 * (the module, the service's addresses, the CA certificates); a lookup
 * after the lock-down only connects, reads and writes. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "routeurl.h"
#include "sandbox.h"

static struct url_ops route_url_ops;

static int route_url_load(const char *path, char *err, size_t errcap)
{
	url_module_fn *fill;
	void *lib;

	if (route_url_ops.abi != 0)
		return 0;
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(err, errcap, "--route-url needs the lookup module "
			 "(ftprelay built with libcurl and json-c): %s", dlerror());
		return -1;
	}
	fill = (url_module_fn *)dlsym(lib, URL_MOD_SYMBOL);
	if (fill == NULL || fill(&route_url_ops, URL_MOD_ABI) < 0) {
		memset(&route_url_ops, 0, sizeof(route_url_ops));
		snprintf(err, errcap, "lookup module %s: not a module of this "
			 "ftprelay (%s)", path, URL_MOD_SYMBOL);
		return -1;
	}
	return 0;
}

/* The service's name as "HOST:PORT:ADDR,..." for CURLOPT_RESOLVE. */
static int route_url_resolve(const char *host, uint16_t port, char *out,
			     size_t cap, char *err, size_t errcap)
{
	struct addrinfo hints, *res, *ai;
	struct net_addr a;
	size_t n;
	int e, count = 0;

	out[0] = '\0';
	if (net_parse_literal(host, &a) == 0)
		return 0; /* libcurl takes a literal without its resolver */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(host, NULL, &hints, &res);
	if (e != 0) {
		snprintf(err, errcap, "--route-url: cannot resolve %s: %s", host,
			 gai_strerror(e));
		return -1;
	}
	n = (size_t)snprintf(out, cap, "%s:%u:", host, (unsigned)port);
	for (ai = res; ai != NULL && count < 8 && n < cap; ai = ai->ai_next) {
		char buf[FTPR_ADDRSTR_MAX];

		if (ai->ai_addrlen > sizeof(a.ss))
			continue;
		memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
		a.len = ai->ai_addrlen;
		net_host_str(&a, buf, sizeof(buf));
		n += (size_t)snprintf(out + n, cap - n, "%s%s%s%s", count ? "," : "",
				      ai->ai_family == AF_INET6 ? "[" : "", buf,
				      ai->ai_family == AF_INET6 ? "]" : "");
		count++;
	}
	freeaddrinfo(res);
	if (count == 0 || n >= cap) {
		snprintf(err, errcap, "--route-url: cannot resolve %s", host);
		return -1;
	}
	return 0;
}

/* The CA certificates, whole, into memory (freed by the caller). */
static char *route_url_read_ca(const char *path, size_t *len, char *err,
			       size_t errcap)
{
	struct stat st;
	char *buf = NULL;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > FTPR_ROUTE_CA_MAX) {
		errno = EINVAL;
		goto fail;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL)
		goto fail;
	while (have < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + have, (size_t)st.st_size - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		have += (size_t)r;
	}
	close(fd);
	*len = have;
	return buf;
fail:
	snprintf(err, errcap, "--route-url-ca %s: %s", path,
		 errno == EINVAL ? "not a regular file of at most 4 MiB" :
		 strerror(errno));
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int route_url_check(const struct conf *cf, char *err, size_t errcap)
{
	char host[FTPR_HOST_MAX], *ca;
	uint16_t port;
	size_t len;
	int https;

	if (cf->route_url[0] == '\0')
		return 0;
	if (route_url_split(cf->route_url, &https, host, sizeof(host), &port,
			    err, errcap) < 0 ||
	    route_url_load(cf->url_module, err, errcap) < 0)
		return -1;
	if (!https)
		return 0;
	ca = route_url_read_ca(cf->route_url_ca[0] != '\0' ? cf->route_url_ca :
			       FTPR_ROUTE_CA_DEFAULT, &len, err, errcap);
	free(ca);
	return ca != NULL ? 0 : -1;
}

int route_url_setup(struct route_url *u, const struct conf *cf, char *err,
		    size_t errcap)
{
	struct url_setup s;
	char host[FTPR_HOST_MAX], *ca = NULL;
	uint16_t port;
	int https, rc;

	memset(u, 0, sizeof(*u));
	memset(&s, 0, sizeof(s));
	if (route_url_split(cf->route_url, &https, host, sizeof(host), &port,
			    err, errcap) < 0)
		return -1;
	snprintf(u->url, sizeof(u->url), "%s", cf->route_url);
	if (route_url_load(cf->url_module, err, errcap) < 0 ||
	    route_url_resolve(host, port, s.resolve, sizeof(s.resolve), err,
			      errcap) < 0)
		return -1;
	if (https) {
		ca = route_url_read_ca(cf->route_url_ca[0] != '\0' ? cf->route_url_ca :
				       FTPR_ROUTE_CA_DEFAULT, &s.ca_len, err, errcap);
		if (ca == NULL)
			return -1;
		s.ca_pem = ca;
	}
	s.max_answer = FTPR_ROUTE_HTTP_MAX;
	rc = route_url_ops.init(&s, err, errcap);
	free(ca); /* the module keeps its own copy */
	if (rc < 0)
		return -1;
	u->ops = &route_url_ops;
	/* The lookup's own calls after the lock-down (sandbox-gen.c). */
	sandbox_want_lookup();
	return 0;
}

enum route_result route_url_lookup(const struct route_url *u, const char *user,
				   size_t len, int timeout_s,
				   const sigset_t *mask, struct route *r,
				   char *why, size_t whycap)
{
	static char url[FTPR_ROUTE_OPT_MAX * 3];
	static struct url_answer a;

	if (route_url_expand(u->url, user, len, url, sizeof(url)) < 0) {
		snprintf(why, whycap, "user name too long for the URL");
		return ROUTE_TEMPFAIL;
	}
	if (u->ops->get(url, timeout_s * 1000, mask, &a, why, whycap) < 0)
		return ROUTE_TEMPFAIL;
	return route_url_answer(&a, r, why, whycap);
}
