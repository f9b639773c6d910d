/* relay.h - one data connection relayed in both directions, with one
 * bounded buffer per direction and half-close (socket-proxyd style). */
#ifndef FTPR_RELAY_H
#define FTPR_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

enum { RELAY_CLIENT = 0, RELAY_ORIGIN = 1 };

struct relay_dir {
	char *buf;
	size_t cap, off, len;
	int eof;  /* the source said end-of-file */
	int shut; /* ... and that was passed on with shutdown(SHUT_WR) */
	uint64_t bytes;
};

/* fd[RELAY_CLIENT], fd[RELAY_ORIGIN]; -1 while a side is not connected.
 * dir[RELAY_CLIENT] carries client -> origin (uploads),
 * dir[RELAY_ORIGIN] carries origin -> client (downloads, listings). */
struct relay {
	int fd[2];
	struct relay_dir dir[2];
};

void relay_init(struct relay *r, char *buf_up, char *buf_down, size_t cap);
void relay_fdset(const struct relay *r, fd_set *rd, fd_set *wr, int *maxfd);
/* Move what select() said can move.  Returns bytes moved (progress), or -1
 * with errno set when a side failed (reset, broken pipe). */
long relay_io(struct relay *r, const fd_set *rd, const fd_set *wr);
/* Everything the source of direction d sent has been written and the end
 * passed on. */
int relay_dir_done(const struct relay *r, int d);

#endif
