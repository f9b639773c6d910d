/* routeurl.h - --route-url: a lookup service in pftp's format, asked with
 * our own small HTTP/1.0 client (plain http, an address or a name
 * resolved at set-up), answering JSON {"code": 200, "data": "host:port"}. */
#ifndef FTPR_ROUTEURL_H
#define FTPR_ROUTEURL_H

#include <signal.h>
#include <stddef.h>

#include "defs.h"
#include "net.h"
#include "route.h"

struct route_url {
	struct net_addr addr;             /* the service, resolved at set-up */
	char host[FTPR_HOST_MAX + 8];     /* Host: header, as in the URL */
	char path[FTPR_ROUTE_OPT_MAX];    /* "/..." with %s for the user */
};

/* Parse http://HOST[:PORT][/PATH] and resolve HOST (set-up only). */
int route_url_setup(struct route_url *u, const char *url, char *err,
		    size_t errcap);
/* The GET request for user: %s in the path replaced by the
 * percent-encoded name.  Pure.  Its length, or -1 when cap is short. */
int route_url_request(const struct route_url *u, const char *user,
		      size_t len, char *buf, size_t cap);
/* A whole HTTP answer (the connection closed).  Pure.  ROUTE_FOUND with
 * r filled for code 200; ROUTE_NONE for any other code; ROUTE_TEMPFAIL
 * for anything that is not a 200 OK carrying such JSON (why says what). */
enum route_result route_url_parse_answer(const char *buf, size_t len,
					 struct route *r, char *why,
					 size_t whycap);
/* Ask the service, within timeout_s seconds in all; signals in mask end
 * the wait (TEMPFAIL). */
enum route_result route_url_lookup(const struct route_url *u, const char *user,
				   size_t len, int timeout_s,
				   const sigset_t *mask, struct route *r,
				   char *why, size_t whycap);

#endif
