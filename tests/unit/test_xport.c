/* test_xport.c - the transport of a connection, plain: reads and writes
 * pass through, select() is asked for what the caller wants, an armed
 * transport (a 234 on its way) is neither waited for nor read, a shutdown
 * reaches the peer as end of file, and TLS without the module fails. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "xport.h"

int main(void)
{
	struct xport x;
	fd_set rs, ws;
	char buf[16];
	int sv[2], maxfd = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	xp_plain(&x, sv[0], sv[0]);
	TAP_OK(!xp_is_tls(&x) && xp_ready(&x) && xp_pending(&x) == 0,
	       "plain: no TLS, ready, nothing pending");
	TAP_OK(xp_write(&x, "abc", 3) == 3 && read(sv[1], buf, sizeof(buf)) == 3 &&
	       memcmp(buf, "abc", 3) == 0, "plain: a write reaches the peer");
	TAP_OK(write(sv[1], "hello", 5) == 5 && xp_read(&x, buf, sizeof(buf)) == 5 &&
	       memcmp(buf, "hello", 5) == 0, "plain: the peer's bytes are read");
	TAP_OK(xp_read(&x, buf, sizeof(buf)) < 0 && errno == EAGAIN,
	       "plain: nothing more: EAGAIN");

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	xp_fdset(&x, 1, 0, &rs, &ws, &maxfd);
	TAP_OK(FD_ISSET(sv[0], &rs) && !FD_ISSET(sv[0], &ws) && maxfd == sv[0],
	       "plain: waits to read when asked to");
	FD_ZERO(&rs);
	xp_fdset(&x, 0, 1, &rs, &ws, &maxfd);
	TAP_OK(!FD_ISSET(sv[0], &rs) && FD_ISSET(sv[0], &ws),
	       "plain: waits to write when asked to");

	TAP_OK(xp_wait_write(&x, 0) == 0 && xp_wait_write(&x, 1) == 1,
	       "plain: a bounded wait before the loop waits the caller's way");
	TAP_OK(xp_set_name(&x, "ftp.example.com") < 0 && errno == EINVAL,
	       "plain: no certificate name to set");

	xp_arm(&x, TLS_CLIENT_CTRL);
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	xp_fdset(&x, 1, 1, &rs, &ws, &maxfd);
	TAP_OK(xp_armed(&x) && !FD_ISSET(sv[0], &rs) && FD_ISSET(sv[0], &ws),
	       "armed: select() is not asked to read, only to write the 234");
	FD_SET(sv[0], &rs);
	TAP_OK(!xp_can_read(&x, &rs, &ws), "armed: never read, even when readable");
	TAP_OK(xp_tls_ops() == NULL && xp_start(&x) < 0 && errno == ENOSYS,
	       "TLS without the module: refused (ENOSYS)");

	xp_plain(&x, sv[0], sv[0]);
	TAP_OK(xp_shutdown(&x) == 0 && read(sv[1], buf, sizeof(buf)) == 0,
	       "shutdown: the peer reads end of file");
	TAP_OK(xp_shutdown(&x) == 0, "shutdown twice: nothing more to do");
	TAP_OK(xp_tls_load("/nonexistent/ftprelay-tls.so", buf, sizeof(buf)) < 0 &&
	       strncmp(buf, "TLS module", 10) == 0 && xp_tls_ops() == NULL,
	       "a missing module: a reason, and still no TLS");
	close(sv[0]);
	close(sv[1]);
	return tap_done();
}
