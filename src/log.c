/* log.c - logging to stderr (journal) or syslog (inetd, where stderr is the
 * client's socket).  Every line carries the session id and client. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "defs.h"
#include "log.h"

static int log_syslog;
static char log_prefix[FTPR_ADDRSTR_MAX + 32] = "-";

void log_open(int use_syslog)
{
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("ftprelay", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_session(const char *sid, const char *client)
{
	snprintf(log_prefix, sizeof(log_prefix), "session %s client %s", sid,
		 client);
}

void log_msg(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* SECURITY: text from the wire may end up here; never let a CR, LF
	 * or other control byte forge a log line. */
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_syslog)
		syslog(prio, "%s: %s", log_prefix, msg);
	else
		fprintf(stderr, "ftprelay: %s: %s\n", log_prefix, msg);
}
