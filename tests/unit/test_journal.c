/* test_journal.c - journald's native protocol: KEY=value lines, the
 * binary form for values with a newline, bounds and key names; and the
 * JOURNAL_STREAM check. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "journal.h"
#include "tap.h"

#define F(k, v) { (k), (v), sizeof(v) - 1 }

static void format(void)
{
	char buf[256];
	const struct journal_field simple[] = {
		F("MESSAGE", "session 1 client 1.2.3.4:5: USER alice"),
		F("PRIORITY", "6"),
		F("FTPRELAY_USER", "alice"),
	};
	const struct journal_field nl[] = { F("MESSAGE", "a\nb") };
	const struct journal_field empty[] = { F("FTPRELAY_PATH", "") };
	static const char want_nl[] = "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\n";
	int n;

	n = journal_format(buf, sizeof(buf), simple, 3);
	TAP_STR(buf, (size_t)(n < 0 ? 0 : n),
		"MESSAGE=session 1 client 1.2.3.4:5: USER alice\nPRIORITY=6\n"
		"FTPRELAY_USER=alice\n", "KEY=value lines, in order");
	n = journal_format(buf, sizeof(buf), nl, 1);
	TAP_OK(n == (int)sizeof(want_nl) - 1 && memcmp(buf, want_nl, sizeof(want_nl) - 1) == 0,
	       "a value with a newline: KEY, LF, 64-bit little-endian length, value, LF");
	n = journal_format(buf, sizeof(buf), empty, 1);
	TAP_STR(buf, (size_t)(n < 0 ? 0 : n), "FTPRELAY_PATH=\n", "an empty value");
	TAP_OK(journal_format(buf, 0, simple, 0) == 0, "no fields: empty entry");
	n = journal_format(buf, 20, simple, 3);
	TAP_OK(n == -1, "an entry over the buffer is refused, not cut");
	/* "MESSAGE=" value "\n" */
	n = journal_format(buf, 8 + simple[0].len, simple, 1);
	TAP_OK(n == -1, "... even by one byte");
	n = journal_format(buf, 8 + simple[0].len + 1, simple, 1);
	TAP_OK(n == (int)(8 + simple[0].len + 1), "... and fits exactly when there is room");
}

static void keys(void)
{
	char buf[64];
	const struct journal_field lower[] = { F("message", "x") };
	const struct journal_field trusted[] = { F("_PID", "1") };
	const struct journal_field digit[] = { F("1X", "x") };
	const struct journal_field eq[] = { F("A=B", "x") };
	const struct journal_field nl[] = { F("A\nB", "x") };

	TAP_OK(journal_format(buf, sizeof(buf), lower, 1) == -1, "lower-case key refused");
	TAP_OK(journal_format(buf, sizeof(buf), trusted, 1) == -1,
	       "a key starting with '_' (journald's trusted fields) refused");
	TAP_OK(journal_format(buf, sizeof(buf), digit, 1) == -1, "a key starting with a digit refused");
	TAP_OK(journal_format(buf, sizeof(buf), eq, 1) == -1, "'=' in a key refused");
	TAP_OK(journal_format(buf, sizeof(buf), nl, 1) == -1, "a newline in a key refused");
}

static void stream(void)
{
	TAP_OK(journal_stream_is("8:12345", 8, 12345), "JOURNAL_STREAM dev:ino matches");
	TAP_OK(!journal_stream_is("8:12346", 8, 12345), "another inode does not");
	TAP_OK(!journal_stream_is("9:12345", 8, 12345), "another device does not");
	TAP_OK(!journal_stream_is(NULL, 8, 12345), "unset: not the journal");
	TAP_OK(!journal_stream_is("", 8, 12345), "empty: not the journal");
	TAP_OK(!journal_stream_is("8:12345x", 8, 12345), "trailing junk: not the journal");
	TAP_OK(!journal_stream_is("8", 8, 12345), "no inode: not the journal");
	TAP_OK(!journal_stream_is("-8:12345", (dev_t)-8, 12345), "a sign: not the journal");
}

int main(void)
{
	format();
	keys();
	stream();
	return tap_done();
}
