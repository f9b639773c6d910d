/* login.h - per-user routing in the session: set-up of the route sources
 * (before the lock-down).  What the session loop calls is in
 * session-int.h. */
#ifndef FTPR_LOGIN_H
#define FTPR_LOGIN_H

#include <stddef.h>

#include "conf.h"
#include "session.h"

/* Open the route sources: the map (checked whole) and the --route-url
 * service.  First thing at set-up, before our greeting: a bad map is
 * refused with 421 before anything else.  0, or -1 with the reason in
 * err (a bad map: "file:line: why"). */
int login_open(const struct conf *cf, char *err, size_t errcap);

/* The rest, before the lock-down: resolve --origin (the route of last
 * resort).  su->origin stays -1: the origin is known at USER. */
void login_setup(struct sess_setup *su);

/* --origin A,B,... without routing: at set-up, connect to each origin in
 * turn until one greets with 220 within --connect-timeout (each failure
 * logged); its greeting, consumed, goes to greeting (su->greeting) for
 * the session to relay.  0 with su->origin set, or -1 with why. */
int login_origin_list(struct sess_setup *su, char *greeting, size_t cap,
		      char *why, size_t whycap);

#endif
