/* fuzz_records.c - libFuzzer target for what ftprelay writes about a
 * transfer: the xferlog(5) record (xferlog.c) and the journal entry
 * (journal.c), both built from client bytes, and the JOURNAL_STREAM
 * check.  A record must stay one bounded line of exactly 18 words; an
 * entry must parse back, field by field, to what went in. */
/* FUZZ_SOURCES: xferlog.c journal.c */
#include "config.h"

#include <time.h>

#include "defs.h"
#include "fuzz.h"
#include "journal.h"
#include "xferlog.h"

/*
 * Input layout:
 *   byte 0     bits 0-1: which part goes where (see below); bits 2-7:
 *              the journal buffer's size in steps of 64 bytes
 *   the rest   split at the first 0x00 into A and B
 * A is the path of the record and the value of the first journal field,
 * B the user name and the second value; the whole rest is also given to
 * journal_stream_is().
 */

static FUZZ_ORACLE void check_record(const char *rec, int n)
{
	int words = 0;

	FUZZ_CHECK(n > 0 && n < FTPR_XFER_RECORD_MAX, "record bounded");
	FUZZ_CHECK(rec[n - 1] == '\n', "record ends with LF");
	for (int i = 0; i < n - 1; i++) {
		unsigned char c = (unsigned char)rec[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "no control byte in a record");
		if (c != ' ' && (i == 0 || rec[i - 1] == ' '))
			words++;
	}
	/* The date has a double space before a one-digit day. */
	FUZZ_CHECK(words == 18, "18 words: the date's 5 and 13 fields");
}

/* Parse journald's native protocol back: the fields must come out as
 * they went in. */
static FUZZ_ORACLE void check_entry(const char *e, size_t n,
				   const struct journal_field *f, size_t nf)
{
	size_t off = 0;

	for (size_t i = 0; i < nf; i++) {
		size_t klen = strlen(f[i].key);

		FUZZ_CHECK(n - off > klen && memcmp(e + off, f[i].key, klen) == 0,
			   "entry: key in order");
		off += klen;
		if (e[off] == '=') {
			off++;
			FUZZ_CHECK(memchr(f[i].value, '\n', f[i].len) == NULL,
				   "simple form only without LF");
			FUZZ_CHECK(n - off > f[i].len &&
				   memcmp(e + off, f[i].value, f[i].len) == 0 &&
				   e[off + f[i].len] == '\n', "entry: simple value");
			off += f[i].len + 1;
		} else {
			uint64_t len = 0;

			FUZZ_CHECK(e[off] == '\n' && n - off > 9, "binary form");
			off++;
			for (int b = 0; b < 8; b++)
				len |= (uint64_t)(unsigned char)e[off + b] << (8 * b);
			off += 8;
			FUZZ_CHECK(len == f[i].len && n - off > len &&
				   memcmp(e + off, f[i].value, len) == 0 &&
				   e[off + len] == '\n', "entry: binary value");
			off += len + 1;
		}
	}
	FUZZ_CHECK(off == n, "entry: nothing after the last field");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rec[FTPR_XFER_RECORD_MAX];
	struct xferlog_rec r;
	const uint8_t *rest, *nul;
	size_t restlen, alen, blen, cap;
	char *a, *b, *user, *entry, *env;
	int n;

	if (size < 1)
		return 0;
	rest = data + 1;
	restlen = size - 1;
	nul = memchr(rest, 0, restlen);
	alen = nul != NULL ? (size_t)(nul - rest) : restlen;
	blen = nul != NULL ? restlen - alen - 1 : 0;
	a = fuzz_dup(rest, alen);
	b = fuzz_dup(nul != NULL ? (const char *)nul + 1 : "", blen);
	user = fuzz_strdup(b, blen); /* a name with a NUL is cut there */

	memset(&r, 0, sizeof(r));
	r.when.tm_year = 126;
	r.when.tm_mday = 1 + (data[0] & 3) * 9;
	r.seconds = restlen;
	r.host = (data[0] & 1) ? "2001:db8::7" : "192.0.2.7";
	r.bytes = (uint64_t)restlen << 40;
	r.path = a;
	r.pathlen = alen;
	r.ascii = data[0] & 1;
	r.incoming = (data[0] >> 1) & 1;
	r.anonymous = (data[0] >> 2) & 1;
	r.user = user;
	r.complete = (data[0] >> 3) & 1;
	n = xferlog_format(rec, sizeof(rec), &r);
	check_record(rec, n);
	FUZZ_CHECK(xferlog_format(rec, sizeof(rec) - 1, &r) == -1,
		   "a short buffer is refused");

	{
		const struct journal_field f[] = {
			{ "MESSAGE", a, alen },
			{ "FTPRELAY_PATH", b, blen },
			{ "PRIORITY", "6", 1 },
		};
		size_t need = 0;

		for (size_t i = 0; i < 3; i++)
			need += strlen(f[i].key) + 2 + f[i].len +
				(memchr(f[i].value, '\n', f[i].len) ? 8 : 0);
		cap = (size_t)(data[0] >> 2) * 64;
		entry = fuzz_alloc(cap);
		n = journal_format(entry, cap, f, 3);
		if (need <= cap) {
			FUZZ_CHECK(n >= 0 && (size_t)n == need, "entry fits when it can");
			check_entry(entry, (size_t)n, f, 3);
		} else {
			FUZZ_CHECK(n == -1, "an entry over cap is refused");
		}
		free(entry);
	}

	/* JOURNAL_STREAM: only "DEV:INO" in decimal names a file. */
	env = fuzz_strdup(rest, restlen);
	{
		unsigned long long d = 0, i = 0;
		int ok = journal_stream_is(env, 8, 4711);
		char tmp[64];

		if (ok) {
			FUZZ_CHECK(sscanf(env, "%llu:%llu", &d, &i) == 2 && d == 8 &&
				   i == 4711, "stream: matches only 8:4711");
			snprintf(tmp, sizeof(tmp), "%llu:%llu", d, i);
			FUZZ_CHECK(strcmp(tmp, env) == 0 || env[0] == '0' ||
				   strchr(env, ':')[1] == '0',
				   "stream: nothing but digits and one colon");
		}
	}
	free(env);
	free(a);
	free(b);
	free(user);
	return 0;
}
