/* launch.h - find the client connection the launcher handed us. */
#ifndef FTPR_LAUNCH_H
#define FTPR_LAUNCH_H

struct launch {
	int in, out;           /* client control connection (may be equal) */
	int stderr_is_client;  /* inetd style: fd 2 is the client socket */
};

/* Returns 0, or -1 with a reason in why. */
int launch_find_client(struct launch *l, char *why, size_t whycap);

#endif
