/* log.c - logging to stderr, to the journal with fields (stderr is the
 * journal under systemd), or syslog (inetd, where stderr is the client's
 * socket).  Every line carries the session id and client. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "defs.h"
#include "log.h"

static int log_syslog;
static char log_prefix[FTPR_ADDRSTR_MAX + 32] = "-";
static char log_sid[16], log_client[FTPR_ADDRSTR_MAX];
static char log_origin[FTPR_HOST_MAX + 8], log_username[FTPR_XFER_USER_MAX + 1];

/* SECURITY: text from the wire may end up here; never let a CR, LF or
 * other control byte forge a log line. */
static void log_sanitize(char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void log_open(int use_syslog)
{
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("ftprelay", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else
		(void)journal_open();
}

void log_set_session(const char *sid, const char *client)
{
	snprintf(log_prefix, sizeof(log_prefix), "session %s client %s", sid,
		 client);
	snprintf(log_sid, sizeof(log_sid), "%s", sid);
	snprintf(log_client, sizeof(log_client), "%s", client);
}

void log_set_origin(const char *origin)
{
	snprintf(log_origin, sizeof(log_origin), "%s", origin);
	log_sanitize(log_origin);
}

void log_set_user(const char *user, size_t len)
{
	if (len > FTPR_XFER_USER_MAX)
		len = FTPR_XFER_USER_MAX;
	memcpy(log_username, user, len);
	log_username[len] = '\0';
	/* A NUL from the wire would cut the name short, which is harmless. */
	log_sanitize(log_username);
}

const char *log_user(void)
{
	return log_username;
}

/* The session's fields, the line's own, and the text: one datagram.
 * 0 when journald took it. */
static int log_journal(int prio, const struct journal_field *extra, size_t n,
		       const char *msg)
{
	static char entry[FTPR_JOURNAL_ENTRY_MAX];
	struct journal_field f[16];
	char text[1200], pri[4];
	size_t k = 0;
	int len, tlen;

	tlen = snprintf(text, sizeof(text), "%s: %s", log_prefix, msg);
	if (tlen < 0)
		return -1;
	if ((size_t)tlen >= sizeof(text))
		tlen = (int)sizeof(text) - 1;
	snprintf(pri, sizeof(pri), "%d", prio & 7);
#define LOG_FIELD(k_, v_) \
	f[k++] = (struct journal_field){ (k_), (v_), strlen(v_) }
	f[k++] = (struct journal_field){ "MESSAGE", text, (size_t)tlen };
	LOG_FIELD("PRIORITY", pri);
	LOG_FIELD("SYSLOG_IDENTIFIER", "ftprelay");
	if (log_sid[0] != '\0') {
		LOG_FIELD("FTPRELAY_SESSION", log_sid);
		LOG_FIELD("FTPRELAY_CLIENT", log_client);
	}
	if (log_username[0] != '\0')
		LOG_FIELD("FTPRELAY_USER", log_username);
	if (log_origin[0] != '\0')
		LOG_FIELD("FTPRELAY_ORIGIN", log_origin);
#undef LOG_FIELD
	for (size_t i = 0; i < n && k < sizeof(f) / sizeof(f[0]); i++)
		f[k++] = extra[i];
	len = journal_format(entry, sizeof(entry), f, k);
	if (len < 0)
		return -1;
	return journal_send(entry, (size_t)len);
}

static void log_vfields(int prio, const struct journal_field *extra, size_t n,
			const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_sanitize(msg);
	if (log_syslog)
		syslog(prio, "%s: %s", log_prefix, msg);
	else if (!journal_enabled() || log_journal(prio, extra, n, msg) < 0)
		fprintf(stderr, "ftprelay: %s: %s\n", log_prefix, msg);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(prio, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_fields(int prio, const struct journal_field *extra, size_t n,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(prio, extra, n, fmt, ap);
	va_end(ap);
}
