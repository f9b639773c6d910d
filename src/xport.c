/* xport.c - the transport of one connection: plain descriptors, or TLS
 * through the TLS module (dlopen()ed at set-up, only when configured: a
 * plain session never maps libssl). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "xport.h"

static struct tls_ops xp_ops;
static int xp_loaded;

int xp_tls_load(const char *path, char *why, size_t whycap)
{
	tls_module_fn *fill;
	void *lib;

	if (xp_loaded)
		return 0;
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(why, whycap, "TLS module: %s", dlerror());
		return -1;
	}
	fill = (tls_module_fn *)dlsym(lib, TLS_MOD_SYMBOL);
	if (fill == NULL || fill(&xp_ops, TLS_MOD_ABI) < 0 ||
	    xp_ops.conn_set_name == NULL) {
		snprintf(why, whycap, "TLS module %s: not a module of this "
			 "ftprelay (%s)", path, TLS_MOD_SYMBOL);
		return -1;
	}
	xp_loaded = 1;
	return 0;
}

const struct tls_ops *xp_tls_ops(void)
{
	return xp_loaded ? &xp_ops : NULL;
}

void xp_plain(struct xport *x, int rfd, int wfd)
{
	memset(x, 0, sizeof(*x));
	x->rfd = rfd;
	x->wfd = wfd;
}

int xp_tls(struct xport *x, enum tls_role role)
{
	if (!xp_loaded) {
		errno = ENOSYS;
		return -1;
	}
	x->armed = 0;
	x->tls = xp_ops.conn_new(role, x->rfd, x->wfd);
	if (x->tls == NULL) {
		errno = ENOMEM;
		return -1;
	}
	x->role = role;
	x->hs = 1;
	return 0;
}

int xp_set_name(struct xport *x, const char *name)
{
	if (x->tls == NULL) {
		errno = EINVAL;
		return -1;
	}
	return xp_ops.conn_set_name(x->tls, name);
}

void xp_arm(struct xport *x, enum tls_role role)
{
	x->armed = 1;
	x->role = role;
}

int xp_armed(const struct xport *x)
{
	return x->armed;
}

int xp_start(struct xport *x)
{
	return xp_tls(x, x->role);
}

int xp_is_tls(const struct xport *x)
{
	return x->tls != NULL;
}

int xp_ready(const struct xport *x)
{
	return x->tls == NULL || !x->hs;
}

int xp_handshake(struct xport *x)
{
	if (x->hold) {
		errno = EAGAIN;
		return -1;
	}
	if (xp_ops.handshake(x->tls) < 0)
		return -1;
	x->hs = 0;
	return 0;
}

ssize_t xp_read(struct xport *x, void *buf, size_t n)
{
	long r;

	if (x->tls == NULL)
		return read(x->rfd, buf, n);
	if (x->hs && xp_handshake(x) < 0)
		return -1;
	r = xp_ops.read(x->tls, buf, n);
	x->rwant = r < 0 && errno == EAGAIN ? xp_ops.want(x->tls) : 0;
	if (r < 0 && errno == ENODATA) {
		x->truncated = 1;
		if (!x->strict_eof)
			return 0;
	}
	return r;
}

ssize_t xp_write(struct xport *x, const void *buf, size_t n)
{
	long r;

	if (x->tls == NULL)
		return write(x->wfd, buf, n);
	if (x->hs && xp_handshake(x) < 0)
		return -1;
	r = xp_ops.write(x->tls, buf, n);
	x->wwant = r < 0 && errno == EAGAIN ? xp_ops.want(x->tls) : 0;
	return r;
}

int xp_shutdown(struct xport *x)
{
	if (x->shut)
		return 0;
	/* Nothing sent yet (an empty file): the handshake still comes
	 * first, then the close_notify. */
	if (x->tls != NULL && x->hs && xp_handshake(x) < 0)
		return -1;
	if (x->tls != NULL && xp_ops.shutdown(x->tls) < 0 && errno == EAGAIN)
		return -1;
	/* A failed close_notify (the peer is gone) still ends our side.
	 * (No origin yet under routing: no descriptor.) */
	if (x->wfd >= 0)
		(void)shutdown(x->wfd, SHUT_WR);
	x->shut = 1;
	return 0;
}

void xp_free(struct xport *x)
{
	if (x->tls != NULL)
		xp_ops.conn_free(x->tls);
	x->tls = NULL;
	x->hs = 0;
	x->armed = 0;
}

static void xp_set(int fd, fd_set *set, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

void xp_fdset(const struct xport *x, int rd, int wr, fd_set *rs, fd_set *ws,
	      int *maxfd)
{
	if (x->tls == NULL) {
		/* SECURITY: armed, the 234 is still on its way: bytes read now
		 * would be in clear, yet taken for protected once TLS is on. */
		if (rd && !x->armed)
			xp_set(x->rfd, rs, maxfd);
		if (wr)
			xp_set(x->wfd, ws, maxfd);
		return;
	}
	if (x->hold)
		return;
	/* TLS: the handshake waits for whichever direction it needs,
	 * whatever the caller wants; a read may wait for the socket to be
	 * writable and a write for it to be readable (a key update). */
	if (x->hs) {
		if (xp_ops.want(x->tls) == TLS_WANT_WRITE)
			xp_set(x->wfd, ws, maxfd);
		else
			xp_set(x->rfd, rs, maxfd);
		return;
	}
	if (rd) {
		if (x->rwant == TLS_WANT_WRITE)
			xp_set(x->wfd, ws, maxfd);
		else
			xp_set(x->rfd, rs, maxfd);
	}
	if (wr) {
		if (x->wwant == TLS_WANT_READ)
			xp_set(x->rfd, rs, maxfd);
		else
			xp_set(x->wfd, ws, maxfd);
	}
}

int xp_wait_write(const struct xport *x, int wr)
{
	if (x->tls == NULL)
		return wr;
	if (x->hs)
		return xp_ops.want(x->tls) == TLS_WANT_WRITE;
	if (wr)
		return x->wwant != TLS_WANT_READ;
	return x->rwant == TLS_WANT_WRITE;
}

static int xp_woken(const struct xport *x, const fd_set *rs, const fd_set *ws)
{
	return FD_ISSET(x->rfd, rs) || FD_ISSET(x->wfd, ws);
}

int xp_can_read(const struct xport *x, const fd_set *rs, const fd_set *ws)
{
	if (x->tls == NULL)
		return !x->armed && FD_ISSET(x->rfd, rs);
	if (x->hold)
		return 0;
	return xp_woken(x, rs, ws) || xp_pending(x) > 0;
}

int xp_can_write(const struct xport *x, const fd_set *rs, const fd_set *ws)
{
	if (x->tls == NULL)
		return FD_ISSET(x->wfd, ws);
	if (x->hold)
		return 0;
	return xp_woken(x, rs, ws);
}

size_t xp_pending(const struct xport *x)
{
	return x->tls != NULL && !x->hold ? xp_ops.pending(x->tls) : 0;
}

const char *xp_error(const struct xport *x)
{
	return x->tls != NULL ? xp_ops.error(x->tls) : strerror(errno);
}

const char *xp_info(const struct xport *x, char *buf, size_t cap)
{
	if (x->tls == NULL)
		snprintf(buf, cap, "plain");
	else
		xp_ops.info(x->tls, buf, cap);
	return buf;
}
