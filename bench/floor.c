/* floor.c - the smallest FTP responder: the benchmark's launcher floor.
 *
 * bench/run starts it under the same launcher as ftprelay (one process per
 * connection, client on stdin/stdout) and runs the session-rate
 * measurement against it.  It answers the greeting, USER, PASS, PWD and
 * QUIT itself and connects to nothing, so its session rate is what fork and
 * exec per connection leave over: no inetd-mode proxy, which has to do the
 * same and then relay to a real server, can get closer to direct.
 * Not part of ftprelay; built static so that the dynamic loader is not
 * counted against the launcher. */
#include <string.h>
#include <unistd.h>

static void say(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			_exit(1);
		s += w;
		n -= (size_t)w;
	}
}

int main(void)
{
	char buf[1024];
	size_t len = 0;

	say("220 floor\r\n");
	for (;;) {
		char *nl;
		ssize_t n;

		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t line = (size_t)(nl - buf) + 1;

			if (strncmp(buf, "USER", 4) == 0)
				say("331 Password.\r\n");
			else if (strncmp(buf, "PASS", 4) == 0)
				say("230 Logged in.\r\n");
			else if (strncmp(buf, "PWD", 3) == 0)
				say("257 \"/\" is the current directory.\r\n");
			else if (strncmp(buf, "QUIT", 4) == 0) {
				say("221 Goodbye.\r\n");
				return 0;
			} else
				say("502 Not implemented.\r\n");
			memmove(buf, buf + line, len - line);
			len -= line;
		}
		if (len == sizeof(buf))
			len = 0; /* an overlong line: drop it */
		n = read(0, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
	}
}
