/* log.h - logging to stderr, to the journal with fields (stderr is the
 * journal under systemd), or syslog (inetd, where stderr is the client's
 * socket).  Every line carries the session id and client. */
#ifndef FTPR_LOG_H
#define FTPR_LOG_H

#include <stddef.h>
#include <syslog.h>

#include "journal.h"

/* use_syslog: stderr must not be written (it is the client socket).
 * Otherwise, if stderr is the journal, lines go to journald's socket
 * with fields.  Set-up only. */
void log_open(int use_syslog);
/* Session id and client address, prefixed to every line from now on. */
void log_set_session(const char *sid, const char *client);
/* The origin (FTPRELAY_ORIGIN=) and the user name from USER
 * (FTPRELAY_USER=, cut to FTPR_XFER_USER_MAX bytes). */
void log_set_origin(const char *origin);
void log_set_user(const char *user, size_t len);
const char *log_user(void);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line with fields of its own besides the session's (a transfer's
 * FTPRELAY_PATH=, ...); in the journal only, the text says it all. */
void log_fields(int prio, const struct journal_field *extra, size_t n,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
