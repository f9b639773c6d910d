/* telnet.h - the Telnet layer of the control connection (RFC 854, RFC 1123
 * 4.1.2.12): options refused, IP/DM/Synch taken out, IAC IAC kept as a
 * 0xFF data byte.  Pure: bytes in, bytes out. */
#ifndef FTPR_TELNET_H
#define FTPR_TELNET_H

#include <stddef.h>

#define TELNET_IAC 255
#define TELNET_DONT 254
#define TELNET_DO 253
#define TELNET_WONT 252
#define TELNET_WILL 251
#define TELNET_IP 244
#define TELNET_DM 242

/* Seen since the last call; for logging. */
#define TELNET_SAW_IP 1u
#define TELNET_SAW_DM 2u
#define TELNET_SAW_OPTION 4u

struct telnet {
	int state; /* 0: data; 1: after IAC; else the WILL/WONT/DO/DONT seen */
	unsigned seen;
};

/* Filter n bytes in place and return how many data bytes remain.  Refusals
 * of option requests (IAC DONT x for WILL x, IAC WONT x for DO x) are
 * appended to answer (up to answercap; *answerlen grows). */
size_t telnet_filter(struct telnet *t, unsigned char *buf, size_t n,
		     unsigned char *answer, size_t answercap, size_t *answerlen);

/* Copy a line for the origin, doubling every 0xFF (IAC) byte.  Returns the
 * length written, or -1 if it does not fit. */
int telnet_escape(const char *line, size_t len, char *out, size_t outcap);

/* The length of the line once escaped: every 0xFF counts twice. */
size_t telnet_escaped_len(const char *line, size_t len);

#endif
