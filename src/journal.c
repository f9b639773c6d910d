/* journal.c - log entries with fields (FTPRELAY_SESSION=, FTPRELAY_USER=,
 * ...) sent to journald's native socket, without libsystemd: the protocol
 * is one datagram of "KEY=value\n" lines (systemd's "Native Journal
 * Protocol").  Used only when stderr is the journal anyway. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static int journal_fd = -1;

static int journal_key_ok(const char *k)
{
	/* journald: upper case letters, digits and '_', not starting with
	 * '_' (trusted fields) or a digit, at most 64 characters. */
	size_t n = strlen(k);

	if (n == 0 || n > 64 || k[0] == '_' || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') ||
		      k[i] == '_'))
			return 0;
	return 1;
}

int journal_format(char *buf, size_t cap, const struct journal_field *f,
		   size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t klen = strlen(f[i].key);
		int binary = memchr(f[i].value, '\n', f[i].len) != NULL;
		size_t need = klen + 1 + f[i].len + 1 + (binary ? 8 : 0);

		if (!journal_key_ok(f[i].key) || need > cap - len)
			return -1;
		memcpy(buf + len, f[i].key, klen);
		len += klen;
		if (binary) {
			uint64_t v = f[i].len;

			buf[len++] = '\n';
			for (int b = 0; b < 8; b++)
				buf[len++] = (char)((v >> (8 * b)) & 0xff);
		} else {
			buf[len++] = '=';
		}
		memcpy(buf + len, f[i].value, f[i].len);
		len += f[i].len;
		buf[len++] = '\n';
	}
	return len > (size_t)INT32_MAX ? -1 : (int)len;
}

int journal_stream_is(const char *env, dev_t dev, ino_t ino)
{
	unsigned long long d, i;
	char *end;

	if (env == NULL || *env < '0' || *env > '9')
		return 0;
	errno = 0;
	d = strtoull(env, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	i = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (dev_t)d == dev && (ino_t)i == ino;
}

int journal_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, sndbuf = 1 << 20;

	if (journal_fd >= 0)
		return 1;
	if (fstat(2, &st) < 0 ||
	    !journal_stream_is(getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino))
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memcpy(sa.sun_path, JOURNAL_SOCKET, sizeof(JOURNAL_SOCKET));
	/* Connected now, before the lock-down: afterwards only send()
	 * (sendto) is allowed. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return 0;
	}
	/* Room for a burst of entries, as sd-journal asks (best effort). */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	journal_fd = fd;
	return 1;
}

int journal_enabled(void)
{
	return journal_fd >= 0;
}

int journal_send(const char *entry, size_t len)
{
	ssize_t n;

	if (journal_fd < 0)
		return -1;
	do
		n = send(journal_fd, entry, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}
