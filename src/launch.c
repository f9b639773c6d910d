/* launch.c - find the client connection the launcher handed us:
 * systemd's LISTEN_FDS (fd 3), or stdin/stdout (inetd, StandardInput=socket,
 * systemd-socket-activate --inetd). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <stdlib.h>
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

#ifdef HAVE_LIBSYSTEMD
/* libsystemd is loaded only when systemd passed descriptors: it and the
 * eight libraries it pulls in cost about 0.85 M instructions (~1 ms) at
 * every start, which inetd-style launches (stdin/stdout) never need. */
static int launch_systemd_fds(char *why, size_t whycap)
{
	typeof(sd_listen_fds) *listen_fds;
	typeof(sd_is_socket) *is_socket;
	void *lib;
	int n;

	if (getenv("LISTEN_FDS") == NULL)
		return 0;
	lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(why, whycap, "LISTEN_FDS is set but libsystemd cannot "
			 "be loaded: %s", dlerror());
		return -1;
	}
	listen_fds = (typeof(sd_listen_fds) *)dlsym(lib, "sd_listen_fds");
	is_socket = (typeof(sd_is_socket) *)dlsym(lib, "sd_is_socket");
	if (listen_fds == NULL || is_socket == NULL) {
		snprintf(why, whycap, "libsystemd lacks sd_listen_fds/sd_is_socket");
		return -1;
	}
	/* Accept=yes without StandardInput=socket: one connected socket at
	 * fd 3.  unset_environment=1 so nothing we might start later
	 * inherits LISTEN_FDS. */
	n = listen_fds(1);
	if (n < 0) {
		snprintf(why, whycap, "LISTEN_FDS: %s", strerror(-n));
		return -1;
	}
	if (n > 1) {
		snprintf(why, whycap, "LISTEN_FDS=%d: expected one connection "
			 "(use Accept=yes)", n);
		return -1;
	}
	if (n == 1 && is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 0) <= 0) {
		snprintf(why, whycap, "fd 3 from LISTEN_FDS is not a connected "
			 "stream socket (use Accept=yes)");
		return -1;
	}
	return n;
}
#endif

int launch_find_client(struct launch *l, char *why, size_t whycap)
{
	l->in = l->out = -1;
	l->stderr_is_client = 0;
#ifdef HAVE_LIBSYSTEMD
	{
		int n = launch_systemd_fds(why, whycap);

		if (n < 0)
			return -1;
		if (n == 1)
			l->in = l->out = SD_LISTEN_FDS_START;
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
