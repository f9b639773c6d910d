/* test_xferlog.c - xferlog(5) records: the fields, in order, and the
 * nasty names (spaces, control bytes, an overlong path) that must never
 * shift a field or forge a record. */
#include "config.h"

#include <stdlib.h>

#include "defs.h"
#include "xferlog.h"
#include "tap.h"

static struct xferlog_rec base(void)
{
	struct xferlog_rec r;

	memset(&r, 0, sizeof(r));
	/* Mon Dec  7 04:16:07 2026 */
	r.when.tm_year = 126;
	r.when.tm_mon = 11;
	r.when.tm_mday = 7;
	r.when.tm_wday = 1;
	r.when.tm_hour = 4;
	r.when.tm_min = 16;
	r.when.tm_sec = 7;
	r.seconds = 3;
	r.host = "192.0.2.7";
	r.bytes = 1048576;
	r.path = "/pub/file.bin";
	r.pathlen = strlen(r.path);
	r.user = "alice";
	r.complete = 1;
	return r;
}

/* Count the space-separated fields of a record (without its newline). */
static int fields(const char *rec, int len)
{
	int n = 0;

	for (int i = 0; i < len; i++)
		if (rec[i] != ' ' && (i == 0 || rec[i - 1] == ' '))
			n++;
	return n;
}

static int one_line(const char *rec, int len)
{
	return len > 0 && rec[len - 1] == '\n' &&
	       memchr(rec, '\n', (size_t)len - 1) == NULL;
}

static void plain(void)
{
	char buf[FTPR_XFER_RECORD_MAX];
	struct xferlog_rec r = base();
	int n = xferlog_format(buf, sizeof(buf), &r);

	TAP_STR(buf, (size_t)(n < 0 ? 0 : n),
		"Mon Dec  7 04:16:07 2026 3 192.0.2.7 1048576 /pub/file.bin b _ o r alice ftp 0 * c\n",
		"a complete binary download by a real user: vsftpd's field order");
	/* date (5 words) + 13 fields */
	TAP_OK(fields(buf, n - 1) == 18, "18 space-separated words");

	r.incoming = 1;
	r.ascii = 1;
	r.anonymous = 1;
	r.user = "anonymous";
	r.complete = 0;
	r.bytes = 0;
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_STR(buf, (size_t)(n < 0 ? 0 : n),
		"Mon Dec  7 04:16:07 2026 3 192.0.2.7 0 /pub/file.bin a _ i a anonymous ftp 0 * i\n",
		"an incomplete ASCII upload by an anonymous user");

	r = base();
	r.seconds = 0;
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " 2026 1 192.0.2.7 ") != NULL,
	       "a transfer under a second is written as 1 s (as vsftpd does)");

	r = base();
	r.host = "2001:db8::1";
	r.bytes = 18446744073709551615ULL;
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " 2001:db8::1 18446744073709551615 ") != NULL,
	       "an IPv6 client and the largest byte count");
}

static void nasty(void)
{
	char buf[FTPR_XFER_RECORD_MAX], big[5000];
	struct xferlog_rec r = base();
	int n;

	r.path = "my file name.txt";
	r.pathlen = strlen(r.path);
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " my_file_name.txt b ") != NULL &&
	       fields(buf, n - 1) == 18, "spaces in the path become '_'");

	r.path = "a\rb\nc\td\x7f" "e\x1b[31m";
	r.pathlen = strlen(r.path);
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && one_line(buf, n) && strstr(buf, " a?b?c?d?e?[31m b ") != NULL,
	       "control bytes (CR, LF, TAB, DEL, ESC) become '?': one line");

	r.path = "with\0nul";
	r.pathlen = 8;
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " with?nul b ") != NULL,
	       "a NUL inside the path becomes '?', the rest is kept");

	r = base();
	r.path = "";
	r.pathlen = 0;
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " 1048576 - b ") != NULL && fields(buf, n - 1) == 18,
	       "an empty path (LIST alone) is written as '-'");

	r = base();
	r.user = "";
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && strstr(buf, " r - ftp 0 * c\n") != NULL,
	       "no USER given: '-' keeps the fields in place");

	r = base();
	r.user = "evil user\nMon Dec  7 04:16:07 2026 1 6.6.6.6 1 /forged b _ o r x ftp 0 * c";
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && one_line(buf, n) && fields(buf, n - 1) == 18,
	       "a user name with spaces and a newline cannot forge a record");

	r = base();
	memset(big, 'x', sizeof(big));
	r.path = big;
	r.pathlen = sizeof(big);
	n = xferlog_format(buf, sizeof(buf), &r);
	TAP_OK(n > 0 && n < FTPR_XFER_RECORD_MAX && one_line(buf, n) &&
	       fields(buf, n - 1) == 18, "a 5000-byte path: the record stays bounded");
	TAP_OK(n > 0 && strstr(buf, " b _ o r alice ftp 0 * c\n") != NULL,
	       "... and every field after the path is still there");

	TAP_OK(xferlog_format(buf, FTPR_XFER_RECORD_MAX - 1, &r) == -1,
	       "a buffer below FTPR_XFER_RECORD_MAX is refused");
}

int main(void)
{
	plain();
	nasty();
	return tap_done();
}
