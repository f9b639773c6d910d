/* sandbox.h - lock-down after set-up: rlimits, no-new-privs, and a
 * libseccomp allow-list. */
#ifndef FTPR_SANDBOX_H
#define FTPR_SANDBOX_H

#include <stddef.h>

#include <sys/types.h>

/* Look up the user to drop to (before lock-down: reads /etc/passwd). */
int sandbox_find_user(const char *name, uid_t *uid, gid_t *gid, char *why,
		      size_t whycap);
/* Become uid/gid for good: no groups, no way back to root. */
int sandbox_drop_privileges(uid_t uid, gid_t gid, char *why, size_t whycap);

/* The session asks a lookup service (--route-url, routeurl.c): lock
 * down with the filter that also allows libcurl's calls. */
void sandbox_want_lookup(void);

/* Lock the process down.  Returns 0, or -1 with the reason in why; the
 * caller must then end the session (never run unsandboxed silently). */
int sandbox_lockdown(char *why, size_t whycap);

#endif
