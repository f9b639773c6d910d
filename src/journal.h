/* journal.h - log entries with fields, sent to journald's native socket
 * when stderr is the journal (systemd's JOURNAL_STREAM). */
#ifndef FTPR_JOURNAL_H
#define FTPR_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

struct journal_field {
	const char *key;   /* upper case, digits, '_' (journald's rule) */
	const char *value; /* not terminated */
	size_t len;
};

/* Serialise fields in journald's native protocol: "KEY=value\n", or,
 * for a value holding a newline, "KEY\n", its length as 64-bit little
 * endian, the value, "\n".  Pure; returns the length, or -1 when the
 * entry does not fit cap or a key is not a valid field name. */
int journal_format(char *buf, size_t cap, const struct journal_field *f,
		   size_t n);
/* Does JOURNAL_STREAM ("DEV:INODE") name the file with this dev and
 * inode?  That is how systemd says "your stderr is the journal".  Pure. */
int journal_stream_is(const char *env, dev_t dev, ino_t ino);

/* Set-up: if stderr is the journal, connect to journald's socket.
 * Returns 1 when entries go to the journal, 0 otherwise. */
int journal_open(void);
int journal_enabled(void);
/* Send one formatted entry; -1 when journald did not take it (the caller
 * falls back to stderr). */
int journal_send(const char *entry, size_t len);

#endif
