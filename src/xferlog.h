/* xferlog.h - transfer records in xferlog(5) format, the format of
 * vsftpd's xferlog_std_format and ProFTPD's TransferLog. */
#ifndef FTPR_XFERLOG_H
#define FTPR_XFERLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct xferlog_rec {
	struct tm when;          /* end of the transfer, local time */
	unsigned long seconds;   /* whole seconds; 0 is written as 1 */
	const char *host;        /* the client's address, no port */
	uint64_t bytes;
	const char *path;        /* as the client named it; not terminated */
	size_t pathlen;
	int ascii;               /* TYPE A: 'a', else 'b' */
	int incoming;            /* an upload: 'i', else 'o' */
	int anonymous;           /* 'a', else 'r' */
	const char *user;        /* from USER; "" if none was given */
	int complete;            /* 'c', else 'i' */
};

/* Format one record, newline included, into buf (at least
 * FTPR_XFER_RECORD_MAX bytes: anything longer is cut to fit).  Spaces in
 * the path and user become '_' (vsftpd does the same for the path), other
 * control bytes '?'.  An empty path is written as "-".  Pure; returns the
 * length, or -1 when cap is too small. */
int xferlog_format(char *buf, size_t cap, const struct xferlog_rec *r);

/* Open FILE for appending (O_APPEND|O_CREAT, mode 0640); set-up only.
 * Returns 0, or -1 with the reason in why. */
int xferlog_open(const char *path, char *why, size_t whycap);
/* Is a transfer log open? */
int xferlog_enabled(void);
/* Append one record with a single write(); O_APPEND makes concurrent
 * sessions' records land whole, one after the other.  -1 if it failed. */
int xferlog_write(const char *rec, size_t len);

#endif
