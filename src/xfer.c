/* xfer.c - one record per transfer: what the client asked for (the
 * transfer command's verb and argument, the user, the TYPE), and at its
 * end how many bytes moved, how long it took and how it ended; written to
 * the transfer log (xferlog.c) and logged with fields (log.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "session-int.h"
#include "xferlog.h"

/* Does line start with this verb (and a space or its end)? */
static int xfer_verb_is(const char *line, size_t len, const char *verb)
{
	size_t n = strlen(verb);

	return len >= n && strncasecmp(line, verb, n) == 0 &&
	       (len == n || line[n] == ' ');
}

void xfer_command(struct session *s, enum proto_cmd cmd, const char *line,
		  size_t len, const char *arg, size_t arglen)
{
	struct sess_xfer *x = &s->xfer;

	if (cmd == CMD_USER) {
		log_set_user(arg, arglen);
		return;
	}
	if (cmd == CMD_OTHER && xfer_verb_is(line, len, "TYPE")) {
		/* The origin may refuse it, but not A, I or L 8. */
		if (arglen >= 1 && (arg[0] == 'A' || arg[0] == 'a'))
			x->ascii = 1;
		else if (arglen >= 1 && (arg[0] == 'I' || arg[0] == 'i' ||
					 arg[0] == 'L' || arg[0] == 'l'))
			x->ascii = 0;
		return;
	}
	/* Only what sess_command() forwards: it needs our data channel. */
	if (!proto_cmd_is_transfer(cmd) || s->dc.state != DC_READY)
		return;
	x->active = 1;
	/* proto_command() took the verb for one of seven four-letter ones. */
	for (size_t i = 0; i < 4; i++)
		x->verb[i] = (char)(line[i] & ~0x20);
	x->verb[4] = '\0';
	x->incoming = cmd == CMD_STOR || cmd == CMD_STOU || cmd == CMD_APPE;
	x->pathlen = arglen < sizeof(x->path) ? arglen : sizeof(x->path);
	memcpy(x->path, arg, x->pathlen);
	x->start = sess_now();
}

void xfer_end(struct session *s, int code)
{
	struct sess_xfer *x = &s->xfer;
	char rec[FTPR_XFER_RECORD_MAX], host[FTPR_ADDRSTR_MAX];
	char path[FTPR_XFER_PATH_MAX + 1], bytes[24], result[16], secs[48];
	struct xferlog_rec r;
	uint64_t moved;
	msec_t ms;
	struct timespec ts;
	time_t now;
	int n, complete;

	if (!x->active || s->dc.state != DC_TRANSFER) {
		x->active = 0;
		return;
	}
	x->active = 0;
	moved = s->dc.relay.dir[RELAY_CLIENT].bytes +
		s->dc.relay.dir[RELAY_ORIGIN].bytes;
	ms = sess_now() - x->start;
	/* We cut the data connections: the client got 426, whatever the
	 * origin said. */
	if (s->dc.aborted && code >= 200 && code < 300)
		code = 426;
	complete = code >= 200 && code < 300;

	memset(&r, 0, sizeof(r));
	/* clock_gettime(): the vDSO, or a call the sandbox allows; time()
	 * may fall back to a call it does not. */
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	localtime_r(&now, &r.when);
	r.seconds = (unsigned long)(ms / 1000);
	r.host = net_host_str(&s->su->client_peer, host, sizeof(host));
	r.bytes = moved;
	r.path = x->path;
	r.pathlen = x->pathlen;
	r.ascii = x->ascii;
	r.incoming = x->incoming;
	r.user = log_user();
	r.anonymous = strcasecmp(r.user, "anonymous") == 0 ||
		      strcasecmp(r.user, "ftp") == 0;
	r.complete = complete;
	if (xferlog_enabled()) {
		n = xferlog_format(rec, sizeof(rec), &r);
		if (n < 0 || xferlog_write(rec, (size_t)n) < 0)
			log_msg(LOG_WARNING, "xferlog: cannot write the record");
	}

	/* The same, as a log line with fields for the journal. */
	memcpy(path, x->path, x->pathlen);
	path[x->pathlen] = '\0';
	for (char *p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)moved);
	if (code > 0)
		snprintf(result, sizeof(result), "%d", code);
	else
		snprintf(result, sizeof(result), "none");
	snprintf(secs, sizeof(secs), "%lld.%03lld", (long long)(ms / 1000),
		 (long long)(ms % 1000));
	{
		const struct journal_field f[] = {
			{ "FTPRELAY_COMMAND", x->verb, strlen(x->verb) },
			{ "FTPRELAY_PATH", path, strlen(path) },
			{ "FTPRELAY_BYTES", bytes, strlen(bytes) },
			{ "FTPRELAY_SECONDS", secs, strlen(secs) },
			{ "FTPRELAY_RESULT", result, strlen(result) },
			{ "FTPRELAY_STATUS", complete ? "complete" : "incomplete",
			  complete ? 8 : 10 },
		};

		log_fields(LOG_INFO, f, sizeof(f) / sizeof(f[0]),
			   "transfer %s \"%.200s\": %s bytes in %s s, result %s (%s)",
			   x->verb, path, bytes, secs, result,
			   complete ? "complete" : "incomplete");
	}
}
