/* telnet.c - the Telnet layer of the control connection (RFC 854, RFC 1123
 * 4.1.2.12): options refused, IP/DM/Synch taken out, IAC IAC kept as a
 * 0xFF data byte. */
#include "config.h"

#include "telnet.h"

static void telnet_answer(unsigned char *answer, size_t answercap,
			  size_t *answerlen, unsigned char verb,
			  unsigned char opt)
{
	if (*answerlen + 3 > answercap)
		return; /* a flood of requests: the rest go unanswered */
	answer[(*answerlen)++] = TELNET_IAC;
	answer[(*answerlen)++] = verb;
	answer[(*answerlen)++] = opt;
}

size_t telnet_filter(struct telnet *t, unsigned char *buf, size_t n,
		     unsigned char *answer, size_t answercap, size_t *answerlen)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		switch (t->state) {
		case 0:
			if (c == TELNET_IAC)
				t->state = 1;
			else
				buf[out++] = c;
			break;
		case 1:
			t->state = 0;
			if (c == TELNET_IAC) {
				buf[out++] = c; /* IAC IAC: a 0xFF data byte */
			} else if (c >= TELNET_WILL && c <= TELNET_DONT) {
				t->state = c;
			} else if (c == TELNET_IP) {
				t->seen |= TELNET_SAW_IP;
			} else if (c == TELNET_DM) {
				t->seen |= TELNET_SAW_DM;
			}
			/* Other commands (NOP, AYT, AO, ...) are dropped. */
			break;
		default:
			/* RFC 1123: an FTP server refuses every option. */
			t->seen |= TELNET_SAW_OPTION;
			if (t->state == TELNET_WILL)
				telnet_answer(answer, answercap, answerlen, TELNET_DONT, c);
			else if (t->state == TELNET_DO)
				telnet_answer(answer, answercap, answerlen, TELNET_WONT, c);
			t->state = 0;
			break;
		}
	}
	return out;
}

int telnet_escape(const char *line, size_t len, char *out, size_t outcap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (o + 2 > outcap)
			return -1;
		out[o++] = line[i];
		if ((unsigned char)line[i] == TELNET_IAC)
			out[o++] = line[i];
	}
	return (int)o;
}

size_t telnet_escaped_len(const char *line, size_t len)
{
	size_t n = len;

	for (size_t i = 0; i < len; i++)
		n += (unsigned char)line[i] == TELNET_IAC;
	return n;
}
