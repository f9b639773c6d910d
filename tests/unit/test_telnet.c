/* test_telnet.c - the control connection's Telnet layer. */
#include "config.h"

#include "tap.h"
#include "telnet.h"

static size_t run(struct telnet *t, const char *in, size_t n, unsigned char *out,
		  unsigned char *ans, size_t *alen)
{
	memcpy(out, in, n);
	return telnet_filter(t, out, n, ans, 64, alen);
}

int main(void)
{
	unsigned char out[64], ans[64];
	size_t alen, n;
	struct telnet t = { 0, 0 };

	alen = 0;
	n = run(&t, "NOOP\r\n", 6, out, ans, &alen);
	TAP_OK(n == 6 && memcmp(out, "NOOP\r\n", 6) == 0 && alen == 0, "plain text passes");

	alen = 0;
	n = run(&t, "\xff\xf4\xff\xf2" "ABOR\r\n", 10, out, ans, &alen);
	TAP_OK(n == 6 && memcmp(out, "ABOR\r\n", 6) == 0, "IP and DM are taken out before ABOR");
	TAP_OK(t.seen == (TELNET_SAW_IP | TELNET_SAW_DM), "IP and DM are reported");
	t.seen = 0;

	alen = 0;
	n = run(&t, "RETR a\xff\xff" "b\r\n", 11, out, ans, &alen);
	TAP_OK(n == 10 && memcmp(out, "RETR a\xff" "b\r\n", 10) == 0,
	       "IAC IAC is one 0xFF data byte");

	alen = 0;
	n = run(&t, "\xff\xfb\x01" "PWD\r\n", 8, out, ans, &alen);
	TAP_OK(n == 5 && alen == 3 && memcmp(ans, "\xff\xfe\x01", 3) == 0,
	       "WILL ECHO is answered DONT ECHO");
	alen = 0;
	n = run(&t, "\xff\xfd\x03", 3, out, ans, &alen);
	TAP_OK(n == 0 && alen == 3 && memcmp(ans, "\xff\xfc\x03", 3) == 0,
	       "DO SGA is answered WONT SGA");
	alen = 0;
	n = run(&t, "\xff\xfc\x03\xff\xfe\x01", 6, out, ans, &alen);
	TAP_OK(n == 0 && alen == 0, "WONT and DONT get no answer");

	/* Split across reads: IAC at the end of one read. */
	alen = 0;
	n = run(&t, "AB\xff", 3, out, ans, &alen);
	TAP_OK(n == 2 && t.state == 1, "IAC at the end of a read is remembered");
	n = run(&t, "\xff" "C", 2, out, ans, &alen);
	TAP_OK(n == 2 && out[0] == 0xff && out[1] == 'C', "... and completes in the next");
	n = run(&t, "\xff\xfb", 2, out, ans, &alen);
	TAP_OK(n == 0 && alen == 0, "WILL split from its option waits");
	n = run(&t, "\x18" "X", 2, out, ans, &alen);
	TAP_OK(n == 1 && out[0] == 'X' && alen == 3 && ans[2] == 0x18,
	       "... and is refused when the option arrives");

	alen = 62;
	n = run(&t, "\xff\xfd\x01", 3, out, ans, &alen);
	TAP_OK(alen == 62, "answers never overflow their buffer");

	char esc[16];

	TAP_OK(telnet_escape("a\xff" "b", 3, esc, sizeof(esc)) == 4 &&
	       memcmp(esc, "a\xff\xff" "b", 4) == 0, "0xFF is doubled towards the origin");
	TAP_OK(telnet_escape("\xff\xff\xff", 3, esc, 5) == -1, "escape reports a short buffer");
	TAP_OK(telnet_escaped_len("SIZE \xff\xff", 7) == 9,
	       "the escaped length counts every 0xFF twice");
	TAP_OK(telnet_escaped_len("NOOP", 4) == 4, "... and nothing else");
	return tap_done();
}
