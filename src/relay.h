/* relay.h - one data connection relayed in both directions, with one
 * bounded buffer per direction and half-close (socket-proxyd style).
 * Bytes move with splice() through a pipe per direction (no copy through
 * user space); read()/write() through the buffer carries the first
 * buffer-full of each direction, and everything when no pipe can be had. */
#ifndef FTPR_RELAY_H
#define FTPR_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

enum { RELAY_CLIENT = 0, RELAY_ORIGIN = 1 };

struct relay_dir {
	char *buf;        /* the first buffer-full, or all without a pipe */
	size_t cap, off, len;
	int pipe[2];      /* splice path; -1 until a buffer-full was copied */
	size_t inpipe;    /* bytes in the pipe */
	int nosplice;     /* no pipe to be had, or splice refused: copy */
	int pipefull;     /* splice() into the pipe said EAGAIN: every slot
			   * is taken, however few bytes they hold */
	int grown;        /* the pipe was offered more room once */
	int full;         /* the destination said EAGAIN: wait for select() */
	int eof;          /* the source said end-of-file */
	int shut;         /* ... and that was passed on with shutdown(SHUT_WR) */
	uint64_t bytes;
};

/* fd[RELAY_CLIENT], fd[RELAY_ORIGIN]; -1 while a side is not connected.
 * dir[RELAY_CLIENT] carries client -> origin (uploads),
 * dir[RELAY_ORIGIN] carries origin -> client (downloads, listings). */
struct xport;

struct relay {
	int fd[2];
	struct xport *xp[2]; /* TLS on a side (no splice there); NULL: plain */
	struct relay_dir dir[2];
	int pipe_max;     /* bytes a pipe may grow to; 0: keep its size */
	int failed;       /* after relay_io() said -1: the side that failed */
};

/* Start with no pipes.  A direction copies its first buffer-full through
 * its buffer, then opens a pipe (the kernel's default size), and grows it
 * to pipe_max the first time it fills with small fragments: only bulk
 * transfers take the per-user pipe quota that every session shares. */
void relay_init(struct relay *r, char *buf_up, char *buf_down, size_t cap,
		int pipe_max);
/* Give direction d this pipe instead of opening one (tests). */
void relay_set_pipe(struct relay *r, int d, const int pipefd[2]);
/* Close the pipes; bytes of an aborted transfer still in them are
 * dropped, never carried into the next transfer.  The sockets are the
 * caller's. */
void relay_close_pipes(struct relay *r);
void relay_fdset(const struct relay *r, fd_set *rd, fd_set *wr, int *maxfd);
/* Move what select() said can move.  Returns bytes moved (progress), or -1
 * with errno set when a side failed (reset, broken pipe); r->failed then
 * names that side. */
long relay_io(struct relay *r, const fd_set *rd, const fd_set *wr);
/* A TLS side holds decrypted bytes that select() cannot see, and the
 * relay has room for them: do not sleep. */
int relay_pending(const struct relay *r);
/* Everything the source of direction d sent has been written and the end
 * passed on. */
int relay_dir_done(const struct relay *r, int d);

#endif
