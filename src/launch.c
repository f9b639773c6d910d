/* launch.c - find the client connection the launcher handed us:
 * systemd's LISTEN_FDS (fd 3), or stdin/stdout (inetd, StandardInput=socket,
 * systemd-socket-activate --inetd). */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "launch.h"

static int launch_is_stream_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_STREAM;
}

static int launch_same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int launch_find_client(struct launch *l, char *why, size_t whycap)
{
	l->in = l->out = -1;
	l->stderr_is_client = 0;
#ifdef HAVE_LIBSYSTEMD
	{
		/* Accept=yes without StandardInput=socket: one connected
		 * socket at fd 3.  unset_environment=1 so nothing we might
		 * start later inherits LISTEN_FDS. */
		int n = sd_listen_fds(1);

		if (n > 1) {
			snprintf(why, whycap, "LISTEN_FDS=%d: expected one "
				 "connection (use Accept=yes)", n);
			return -1;
		}
		if (n == 1) {
			if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC,
					 SOCK_STREAM, 0) <= 0) {
				snprintf(why, whycap, "fd 3 from LISTEN_FDS is not "
					 "a connected stream socket (use Accept=yes)");
				return -1;
			}
			l->in = l->out = SD_LISTEN_FDS_START;
		}
	}
#endif
	if (l->in < 0) {
		if (!launch_is_stream_socket(0)) {
			snprintf(why, whycap, "stdin is not a connected socket: "
				 "ftprelay is started by systemd, inetd or "
				 "systemd-socket-activate (see ftprelay(8))");
			return -1;
		}
		l->in = 0;
		l->out = launch_is_stream_socket(1) ? 1 : 0;
	}
	/* SECURITY: under inetd fd 2 is the client itself; a log line there
	 * would be sent to the client. */
	l->stderr_is_client = launch_same_file(2, l->in);
	return 0;
}
