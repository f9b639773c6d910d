/* xferlog.c - transfer records in xferlog(5) format: a pure formatter,
 * and the file they are appended to. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"
#include "xferlog.h"

static int xferlog_fd = -1;

/* Copy a field: no spaces (the record is split on them), no control bytes,
 * at most max bytes, never empty.  Returns the bytes written. */
static size_t xferlog_field(char *out, const char *in, size_t len, size_t max)
{
	size_t n = 0;

	if (len == 0) {
		out[0] = '-';
		return 1;
	}
	for (size_t i = 0; i < len && n < max; i++) {
		unsigned char c = (unsigned char)in[i];

		/* SECURITY: a path is whatever the client sent; a newline
		 * would forge a record, a space would shift the fields. */
		if (c == ' ')
			c = '_';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[n++] = (char)c;
	}
	return n;
}

int xferlog_format(char *buf, size_t cap, const struct xferlog_rec *r)
{
	char path[FTPR_XFER_PATH_MAX], user[FTPR_XFER_USER_MAX], date[32];
	size_t plen, ulen;
	int n;

	if (cap < FTPR_XFER_RECORD_MAX)
		return -1;
	plen = xferlog_field(path, r->path, r->pathlen, sizeof(path));
	ulen = xferlog_field(user, r->user, strlen(r->user), sizeof(user));
	/* xferlog(5): "DDD MMM dd hh:mm:ss YYYY", local time. */
	if (strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &r->when) == 0)
		snprintf(date, sizeof(date), "Thu Jan  1 00:00:00 1970");
	/* current-time transfer-time remote-host file-size filename
	 * transfer-type special-action-flag direction access-mode username
	 * service-name authentication-method authenticated-user-id
	 * completion-status */
	n = snprintf(buf, cap, "%s %lu %.64s %llu %.*s %c _ %c %c %.*s ftp 0 * %c\n",
		     date, r->seconds > 0 ? r->seconds : 1UL,
		     r->host[0] != '\0' ? r->host : "-",
		     (unsigned long long)r->bytes, (int)plen, path,
		     r->ascii ? 'a' : 'b', r->incoming ? 'i' : 'o',
		     r->anonymous ? 'a' : 'r', (int)ulen, user,
		     r->complete ? 'c' : 'i');
	if (n < 0 || (size_t)n >= cap)
		return -1; /* cannot happen: the fields are bounded above */
	return n;
}

int xferlog_open(const char *path, char *why, size_t whycap)
{
	/* SECURITY: O_NOFOLLOW: a symlink planted in a shared log directory
	 * must not make us (perhaps still root) append to another file. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
		      O_NOFOLLOW, 0640);

	if (fd < 0) {
		snprintf(why, whycap, "xferlog %s: %s", path, strerror(errno));
		return -1;
	}
	if (xferlog_fd >= 0)
		close(xferlog_fd);
	xferlog_fd = fd;
	/* Records carry local time: read the zone now, not after the
	 * lock-down (localtime_r() would open /etc/localtime then). */
	tzset();
	return 0;
}

int xferlog_enabled(void)
{
	return xferlog_fd >= 0;
}

int xferlog_write(const char *rec, size_t len)
{
	ssize_t n;

	if (xferlog_fd < 0)
		return 0;
	do
		n = write(xferlog_fd, rec, len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}
