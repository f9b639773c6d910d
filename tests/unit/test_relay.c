/* test_relay.c - the data relay on real sockets and pipes: bytes arrive
 * intact, and a pipe whose slots are all taken is not asked again. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "tap.h"

static char buf_up[4096], buf_down[4096];

static int nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A connected pair of stream sockets, both non-blocking. */
static int pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	return nonblock(sv[0]) | nonblock(sv[1]);
}

static int in_set(const struct relay *r, int fd, int want_write)
{
	fd_set rd, wr;
	int maxfd = -1;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	relay_fdset(r, &rd, &wr, &maxfd);
	return FD_ISSET(fd, want_write ? &wr : &rd);
}

static long io(struct relay *r, int rfd, int wfd)
{
	fd_set rd, wr;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	if (rfd >= 0)
		FD_SET(rfd, &rd);
	if (wfd >= 0)
		FD_SET(wfd, &wr);
	return relay_io(r, &rd, &wr);
}

/* Fill fd's send side until the kernel says EAGAIN; returns bytes. */
static size_t stuff(int fd)
{
	static const char junk[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = write(fd, junk, sizeof(junk))) > 0)
		total += (size_t)n;
	return total;
}

/* Read and discard everything readable; returns bytes. */
static size_t drain(int fd, char *keep, size_t *kept, size_t cap)
{
	char tmp[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		total += (size_t)n;
		if (keep != NULL && *kept + (size_t)n <= cap) {
			memcpy(keep + *kept, tmp, (size_t)n);
			*kept += (size_t)n;
		}
	}
	return total;
}

/*
 * Origin -> client through a one-slot pipe.  The first 100 bytes take the
 * only slot, and the client cannot take them (its socket is stuffed).  The
 * next 100 bytes are readable, and the pipe has 3996 bytes of room by
 * count, but no slot: splice() says EAGAIN.  A relay that may grow its
 * pipes to grow_to grows it once, when the full pipe holds less than a
 * quarter of that, and reads on; otherwise it must not ask select() about
 * the origin again until the pipe has drained, or it spins.  Once the
 * client reads, everything must arrive in order.
 */
static void full_pipe_slots(int grow_to, int expect_growth)
{
	struct relay r;
	int origin[2], client[2], p[2];
	size_t stuffed, got = 0;
	char seen[256];
	char msg[200];
	int size;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);

	TAP_OK(pair(origin) == 0 && pair(client) == 0, "socket pairs");
	TAP_OK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe");
	size = fcntl(p[1], F_SETPIPE_SZ, 4096);
	TAP_OK(size == 4096, "pipe of one slot");

	relay_init(&r, buf_up, buf_down, sizeof(buf_up), grow_to);
	r.fd[RELAY_ORIGIN] = origin[0];
	r.fd[RELAY_CLIENT] = client[0];
	relay_set_pipe(&r, RELAY_ORIGIN, p);

	stuffed = stuff(client[0]);
	TAP_OK(stuffed > 0, "client socket stuffed");

	TAP_OK(write(origin[1], msg, 100) == 100, "origin sends 100 bytes");
	TAP_OK(io(&r, origin[0], -1) == 100, "100 bytes into the pipe");
	TAP_OK(r.dir[RELAY_ORIGIN].inpipe == 100, "the pipe holds them");
	TAP_OK(in_set(&r, client[0], 1), "waits for the client to take them");

	TAP_OK(write(origin[1], msg + 100, 100) == 100, "origin sends 100 more");
	TAP_OK(in_set(&r, origin[0], 0), "origin readable, pipe has byte room");
	TAP_OK(io(&r, origin[0], -1) == 0, "no slot: nothing moves, no error");
	if (!expect_growth)
		TAP_OK(fcntl(p[1], F_GETPIPE_SZ) == 4096, "the pipe kept its size");
	if (expect_growth) {
		/* The full pipe was offered more room, once. */
		TAP_OK(fcntl(p[1], F_GETPIPE_SZ) == grow_to, "the pipe grew");
		TAP_OK(in_set(&r, origin[0], 0), "origin selected again at once");
		TAP_OK(io(&r, origin[0], -1) == 100, "the 100 bytes join the pipe");
		TAP_OK(r.dir[RELAY_ORIGIN].inpipe == 200, "the pipe holds 200");
		TAP_OK(drain(client[1], NULL, NULL, 0) == stuffed,
		       "client reads the stuffing");
		TAP_OK(io(&r, -1, client[0]) == 200, "pipe drains to the client");
		goto check;
	}
	TAP_OK(!in_set(&r, origin[0], 0),
	       "origin not selected again while the pipe's slots are full");
	TAP_OK(in_set(&r, client[0], 1), "still waits for the client");

	/* The client reads its backlog; the pipe drains, reading resumes. */
	TAP_OK(drain(client[1], NULL, NULL, 0) == stuffed, "client reads the stuffing");
	TAP_OK(io(&r, -1, client[0]) == 100, "pipe drains to the client");
	TAP_OK(in_set(&r, origin[0], 0), "origin selected again");
	TAP_OK(io(&r, origin[0], -1) == 200,
	       "the second 100 bytes are read and written at once");

check:
	drain(client[1], seen, &got, sizeof(seen));
	TAP_OK(got == 200 && memcmp(seen, msg, 200) == 0,
	       "the client got all 200 bytes in order");
	relay_close_pipes(&r);
	TAP_OK(fcntl(p[0], F_GETFD) < 0 && fcntl(p[1], F_GETFD) < 0,
	       "the relay closed its pipe");

	close(origin[0]);
	close(origin[1]);
	close(client[0]);
	close(client[1]);
}

/* End of file passes on as shutdown once the pipe is empty. */
static void eof_after_drain(void)
{
	struct relay r;
	int origin[2], client[2], p[2];
	char seen[64];
	size_t got = 0;

	TAP_OK(pair(origin) == 0 && pair(client) == 0 &&
	       pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "sockets and pipe");
	relay_init(&r, buf_up, buf_down, sizeof(buf_up), 0);
	r.fd[RELAY_ORIGIN] = origin[0];
	r.fd[RELAY_CLIENT] = client[0];
	relay_set_pipe(&r, RELAY_ORIGIN, p);

	TAP_OK(write(origin[1], "listing\r\n", 9) == 9, "origin sends a line");
	close(origin[1]);
	TAP_OK(io(&r, origin[0], -1) == 18, "read and written at once");
	TAP_OK(!relay_dir_done(&r, RELAY_ORIGIN), "no end seen yet");
	TAP_OK(io(&r, origin[0], -1) == 0, "end of file read");
	TAP_OK(relay_dir_done(&r, RELAY_ORIGIN), "end passed on");
	drain(client[1], seen, &got, sizeof(seen));
	TAP_OK(got == 9 && memcmp(seen, "listing\r\n", 9) == 0, "line intact");
	TAP_OK(read(client[1], seen, 1) == 0, "client sees end of file");

	close(origin[0]);
	close(client[0]);
	close(client[1]);
	relay_close_pipes(&r);
}

/* A direction copies its first buffer-full (a small transfer never needs a
 * pipe) and opens a pipe after that; the copy path takes over when no
 * pipe can be had (here: no descriptor left). */
static void lazy_pipe_and_fallback(void)
{
	static char big[sizeof(buf_up)], seen[sizeof(buf_up) + 16];
	struct relay r;
	int origin[2], client[2];
	size_t got = 0;
	struct rlimit old, tight;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 23);
	TAP_OK(pair(origin) == 0 && pair(client) == 0, "socket pairs");
	relay_init(&r, buf_up, buf_down, sizeof(buf_up), 0);
	r.fd[RELAY_ORIGIN] = origin[0];
	r.fd[RELAY_CLIENT] = client[0];

	/* Upload direction: a buffer-full copied, then a pipe. */
	TAP_OK(write(client[1], "up", 2) == 2, "client sends 2 bytes");
	TAP_OK(io(&r, client[0], -1) == 4, "copied and written at once");
	TAP_OK(r.dir[RELAY_CLIENT].pipe[0] < 0, "a small transfer opens no pipe");
	TAP_OK(write(client[1], big, sizeof(big) - 2) == (ssize_t)sizeof(big) - 2,
	       "client sends the rest of a buffer-full");
	TAP_OK(io(&r, client[0], -1) == 2 * ((long)sizeof(big) - 2), "copied too");
	TAP_OK(r.dir[RELAY_CLIENT].pipe[0] < 0, "still no pipe");
	TAP_OK(write(client[1], "load", 4) == 4, "client sends 4 more");
	TAP_OK(io(&r, client[0], -1) == 8, "spliced and written at once");
	TAP_OK(r.dir[RELAY_CLIENT].pipe[0] >= 0, "past a buffer-full, a pipe");
	drain(origin[1], seen, &got, sizeof(seen));
	TAP_OK(got == sizeof(big) + 4 && memcmp(seen, "up", 2) == 0 &&
	       memcmp(seen + 2, big, sizeof(big) - 2) == 0 &&
	       memcmp(seen + sizeof(big), "load", 4) == 0,
	       "upload bytes intact, in order");

	/* Download direction with no descriptor left for pipe2(). */
	TAP_OK(write(origin[1], big, sizeof(big)) == (ssize_t)sizeof(big),
	       "origin sends a buffer-full");
	TAP_OK(io(&r, origin[0], -1) == 2 * (long)sizeof(big), "copied");
	getrlimit(RLIMIT_NOFILE, &old);
	tight = old;
	tight.rlim_cur = (rlim_t)(r.dir[RELAY_CLIENT].pipe[1] + 1);
	TAP_OK(setrlimit(RLIMIT_NOFILE, &tight) == 0, "descriptors used up");
	TAP_OK(write(origin[1], "226-ish\r\n", 9) == 9, "origin sends 9 more");
	TAP_OK(io(&r, origin[0], -1) == 18, "copied and written at once");
	TAP_OK(r.dir[RELAY_ORIGIN].nosplice && r.dir[RELAY_ORIGIN].pipe[0] < 0,
	       "no pipe to be had: the direction copies");
	setrlimit(RLIMIT_NOFILE, &old);
	got = 0;
	drain(client[1], seen, &got, sizeof(seen));
	TAP_OK(got == sizeof(big) + 9 && memcmp(seen, big, sizeof(big)) == 0 &&
	       memcmp(seen + sizeof(big), "226-ish\r\n", 9) == 0,
	       "download bytes intact, in order");

	relay_close_pipes(&r);
	TAP_OK(r.dir[RELAY_CLIENT].pipe[0] < 0, "pipes closed");
	close(origin[0]);
	close(origin[1]);
	close(client[0]);
	close(client[1]);
}

/* A small file and its end arrive together: one call relays both. */
static void small_file_one_wakeup(void)
{
	struct relay r;
	int origin[2], client[2];
	char seen[64];
	size_t got = 0;

	TAP_OK(pair(origin) == 0 && pair(client) == 0, "socket pairs");
	relay_init(&r, buf_up, buf_down, sizeof(buf_up), 0);
	r.fd[RELAY_ORIGIN] = origin[0];
	r.fd[RELAY_CLIENT] = client[0];
	TAP_OK(write(origin[1], "small file", 10) == 10, "origin sends 10 bytes");
	close(origin[1]);
	TAP_OK(io(&r, origin[0], -1) == 20, "read and written");
	TAP_OK(relay_dir_done(&r, RELAY_ORIGIN),
	       "and the end passed on in the same call");
	drain(client[1], seen, &got, sizeof(seen));
	TAP_OK(got == 10 && memcmp(seen, "small file", 10) == 0, "bytes intact");
	TAP_OK(read(client[1], seen, 1) == 0, "client sees end of file");
	close(origin[0]);
	close(client[0]);
	close(client[1]);
}

/* A connected pair of TCP sockets on loopback, both non-blocking:
 * urgent data exists only on TCP. */
static int tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return -1;
	sv[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[1] < 0 || connect(sv[1], (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	sv[0] = accept(l, NULL, NULL);
	close(l);
	return sv[0] < 0 ? -1 : nonblock(sv[0]) | nonblock(sv[1]);
}

/*
 * Urgent data in the middle of a spliced direction.  splice() stops at
 * the urgent mark and never passes it (EAGAIN while the source stays
 * readable; "end of file" once the sender has closed): the relay must step
 * over the urgent byte, which is not part of the stream, and relay every
 * in-band byte after it, in a bounded number of calls.
 */
static void urgent_mark(int sender_closes)
{
	static char big[70000];
	struct relay r;
	int origin[2] = { -1, -1 }, client[2] = { -1, -1 };
	char *seen = malloc(sizeof(big) + 64);
	size_t got = 0;
	int calls = 0;

	memset(big, 'A', sizeof(big));
	TAP_OK(tcp_pair(origin) == 0 && pair(client) == 0, "TCP and socket pairs");
	relay_init(&r, buf_up, buf_down, sizeof(buf_up), 0);
	r.fd[RELAY_ORIGIN] = origin[0];
	r.fd[RELAY_CLIENT] = client[0];
	/* More than the buffer: the direction opens its pipe and splices. */
	TAP_OK(write(origin[1], big, sizeof(big)) == (ssize_t)sizeof(big),
	       "origin sends 70000 bytes");
	while (got < sizeof(big) && calls++ < 1000) {
		if (io(&r, origin[0], client[0]) < 0)
			break;
		drain(client[1], seen, &got, sizeof(big) + 64);
	}
	TAP_OK(got == sizeof(big) && r.dir[RELAY_ORIGIN].pipe[0] >= 0,
	       "they arrive, the later ones spliced");
	TAP_OK(send(origin[1], "X", 1, MSG_OOB) == 1, "an urgent byte");
	TAP_OK(write(origin[1], "BBBB", 4) == 4, "four in-band bytes after it");
	if (sender_closes)
		close(origin[1]);
	usleep(20000);
	calls = 0;
	while (got < sizeof(big) + 4 && calls++ < 10) {
		if (io(&r, origin[0], client[0]) < 0)
			break;
		drain(client[1], seen, &got, sizeof(big) + 64);
	}
	TAP_OK(got == sizeof(big) + 4 && memcmp(seen + sizeof(big), "BBBB", 4) == 0,
	       sender_closes ? "after the mark and the sender's close: every in-band byte, in few calls"
			     : "after the mark: every in-band byte, in few calls");
	if (sender_closes) {
		io(&r, origin[0], client[0]);
		TAP_OK(relay_dir_done(&r, RELAY_ORIGIN), "then the real end of file");
	} else {
		close(origin[1]);
	}
	relay_close_pipes(&r);
	close(origin[0]);
	close(client[0]);
	close(client[1]);
	free(seen);
}

int main(void)
{
	urgent_mark(0);
	urgent_mark(1);
	small_file_one_wakeup();
	full_pipe_slots(0, 0);
	full_pipe_slots(65536, 1);
	/* 100 bytes are not a quarter of 256: large fragments, no growth. */
	full_pipe_slots(256, 0);
	eof_after_drain();
	lazy_pipe_and_fallback();
	return tap_done();
}
