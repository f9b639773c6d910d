/* test_ppio.c - reading a PROXY header off a real socket: not one byte of
 * the client's past it, split writes, the deadline, end of file; the
 * non-blocking reader of data connections; the health-check answer. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ppio.h"
#include "tap.h"

static const char v1[] = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 21\r\n";
static const char v2[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"
			 "\xc0\x00\x02\x01\xc6\x33\x64\x07\xdc\x04\x00\x15";
#define V2_LEN 28

static int pair[2];

static void fresh(void)
{
	if (pair[0] > 0) {
		close(pair[0]);
		close(pair[1]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0)
		abort();
}

/* What is left to read on the socket after the header (up to 64 bytes). */
static ssize_t rest(char *buf)
{
	int fl = fcntl(pair[0], F_GETFL);
	ssize_t n;

	fcntl(pair[0], F_SETFL, fl | O_NONBLOCK);
	n = read(pair[0], buf, 64);
	fcntl(pair[0], F_SETFL, fl);
	return n;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(void)
{
	struct pp_header h;
	char why[256], buf[128];
	struct timespec t0;
	ssize_t n;

	fresh();
	(void)!write(pair[1], v1, strlen(v1));
	(void)!write(pair[1], "USER x\r\n", 8);
	TAP_OK(pp_read(pair[0], 1000, &h, why, sizeof(why)) == 0 && h.version == 1,
	       "v1 with the first command behind it: the header is read");
	n = rest(buf);
	TAP_STR(buf, (size_t)(n < 0 ? 0 : n), "USER x\r\n",
		"v1: not one byte of the client's command was taken");
	TAP_OK((fcntl(pair[0], F_GETFL) & O_NONBLOCK) == 0,
	       "the socket's blocking mode is given back");

	fresh();
	(void)!write(pair[1], v2, V2_LEN);
	(void)!write(pair[1], "USER x\r\n", 8);
	TAP_OK(pp_read(pair[0], 1000, &h, why, sizeof(why)) == 0 && h.version == 2,
	       "v2 with the first command behind it: the header is read");
	n = rest(buf);
	TAP_STR(buf, (size_t)(n < 0 ? 0 : n), "USER x\r\n",
		"v2: exactly its length is read, nothing more");

	fresh();
	if (fork() == 0) {
		for (size_t i = 0; i < V2_LEN; i += 5) {
			(void)!write(pair[1], v2 + i, V2_LEN - i < 5 ? V2_LEN - i : 5);
			usleep(20000);
		}
		_exit(0);
	}
	TAP_OK(pp_read(pair[0], 2000, &h, why, sizeof(why)) == 0 && h.family == AF_INET,
	       "a v2 header in 5-byte pieces 20 ms apart is fine");

	fresh();
	(void)!write(pair[1], v1, 20);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TAP_OK(pp_read(pair[0], 300, &h, why, sizeof(why)) < 0 &&
	       strstr(why, "not complete within the time limit after 20 bytes") != NULL,
	       "a header that stops coming fails at the deadline, and says so");
	TAP_OK(ms_since(&t0) >= 250 && ms_since(&t0) < 3000, "... after about the deadline");

	fresh();
	if (fork() == 0) {
		/* one byte every 100 ms: each read comes in time, the whole
		 * header never does */
		for (size_t i = 0; i < strlen(v1); i++) {
			(void)!write(pair[1], v1 + i, 1);
			usleep(100000);
		}
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TAP_OK(pp_read(pair[0], 500, &h, why, sizeof(why)) < 0 && ms_since(&t0) < 2000,
	       "a dribble is bounded by the total deadline, not per read");

	fresh();
	(void)!write(pair[1], v1, 10);
	shutdown(pair[1], SHUT_WR);
	TAP_OK(pp_read(pair[0], 1000, &h, why, sizeof(why)) < 0 &&
	       strstr(why, "connection closed inside the header") != NULL,
	       "end of file inside the header");

	fresh();
	(void)!write(pair[1], "GET / HTTP/1.0\r\n", 16);
	TAP_OK(pp_read(pair[0], 1000, &h, why, sizeof(why)) < 0 &&
	       strstr(why, "not a PROXY protocol header") != NULL,
	       "something else entirely is refused");

	/* the non-blocking reader of data connections */
	{
		struct pp_reader r;
		const char *w = NULL;

		fresh();
		fcntl(pair[0], F_SETFL, O_NONBLOCK);
		pp_reader_init(&r);
		TAP_OK(pp_reader_step(&r, pair[0], &h, &w) == 0, "reader: nothing yet, wait");
		(void)!write(pair[1], v2, 10);
		TAP_OK(pp_reader_step(&r, pair[0], &h, &w) == 0, "reader: part of it, wait");
		(void)!write(pair[1], v2 + 10, V2_LEN - 10);
		(void)!write(pair[1], "data", 4);
		TAP_OK(pp_reader_step(&r, pair[0], &h, &w) == 1 && h.family == AF_INET,
		       "reader: complete");
		n = read(pair[0], buf, sizeof(buf));
		TAP_STR(buf, (size_t)(n < 0 ? 0 : n), "data", "reader: the data after it is left");
	}

	/* the health check */
	fresh();
	(void)!write(pair[1], "NOOP\r\nQUIT\r\n", 12);
	pp_answer_check(pair[0], pair[0]);
	n = rest(buf);
	(void)n;
	{
		char got[256];
		ssize_t m = read(pair[1], got, sizeof(got) - 1);

		got[m < 0 ? 0 : m] = '\0';
		TAP_OK(strcmp(got, "220 ftprelay ready (health check).\r\n"
			      "530 Health check: only QUIT here.\r\n"
			      "221 Goodbye.\r\n") == 0,
		       "health check: 220, 530 to NOOP, 221 to QUIT");
	}
	return tap_done();
}
