/* login.h - per-user routing in the session: set-up of the route sources
 * (before the lock-down).  What the session loop calls is in
 * session-int.h. */
#ifndef FTPR_LOGIN_H
#define FTPR_LOGIN_H

#include <stddef.h>

#include "session.h"

/* Open the route map, resolve --origin and the --route-url host: all
 * before the lock-down.  su->origin stays -1: the origin is known at
 * USER.  0, or -1 with the reason in err (a bad map: "file:line: why"). */
int login_setup(struct sess_setup *su, char *err, size_t errcap);

#endif
