/* log.h - logging to stderr (journal) or syslog (inetd, where stderr is the
 * client's socket).  Every line carries the session id and client. */
#ifndef FTPR_LOG_H
#define FTPR_LOG_H

#include <syslog.h>

/* use_syslog: stderr must not be written (it is the client socket). */
void log_open(int use_syslog);
/* Session id and client address, prefixed to every line from now on. */
void log_set_session(const char *sid, const char *client);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
