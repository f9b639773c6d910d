/* routeurl.h - --route-url: a lookup service in pftp's format.  What the
 * URL and the answer mean is here (pure, unit-tested); the GET (libcurl)
 * and the JSON parse (json-c) are in the module ftprelay-url.so
 * (url-mod.h, urlmod.c), loaded at set-up only with --route-url. */
#ifndef FTPR_ROUTEURL_H
#define FTPR_ROUTEURL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "defs.h"
#include "route.h"
#include "url-mod.h"

struct route_url {
	char url[FTPR_ROUTE_OPT_MAX];     /* the template, %s for the user */
	const struct url_ops *ops;        /* the module's, once loaded */
};

/* Split http[s]://HOST[:PORT][/...] into its parts.  Pure.  *https is 1
 * for https; host without brackets; port 80/443 unless given.  Refused:
 * another scheme, no host, user info (@), %s before the path (the user
 * must never choose the host). */
int route_url_split(const char *url, int *https, char *host, size_t hostcap,
		    uint16_t *port, char *err, size_t errcap);
/* The URL for user: each %s in tmpl replaced by the percent-encoded
 * name (only A-Z a-z 0-9 - . _ ~ stay as they are).  Pure.  Its length,
 * or -1 when cap is short. */
int route_url_expand(const char *tmpl, const char *user, size_t len,
		     char *buf, size_t cap);
/* What an answer means.  Pure.  ROUTE_FOUND with r filled for a JSON
 * code 200 with a usable "data"; ROUTE_NONE for any other code;
 * ROUTE_TEMPFAIL (why says what) for an HTTP status other than 200, no
 * integer "code", or a code 200 without a HOST:PORT "data". */
enum route_result route_url_answer(const struct url_answer *a,
				   struct route *r, char *why, size_t whycap);

/* Set-up, before the lock-down: check the URL, load the module, resolve
 * the service's host, read the CA certificates (https), and have the
 * module make its handles.  0, or -1 with err. */
int route_url_setup(struct route_url *u, const struct conf *cf, char *err,
		    size_t errcap);
/* --check-config: the URL, the module and the CA certificates as
 * set-up would take them; the service's name is not resolved (a session
 * does that when it starts). */
int route_url_check(const struct conf *cf, char *err, size_t errcap);
/* Ask the service, within timeout_s seconds in all; signals that mask
 * does not block end the wait (TEMPFAIL). */
enum route_result route_url_lookup(const struct route_url *u, const char *user,
				   size_t len, int timeout_s,
				   const sigset_t *mask, struct route *r,
				   char *why, size_t whycap);

#endif
