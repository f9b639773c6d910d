/* fuzz_reply.c - libFuzzer target for the origin's replies: reply framing
 * (NNN text, NNN-text ... NNN text) line by line, and the 227/229 passive
 * replies, each checked against a plain model and round-tripped through
 * the formatters. */
/* FUZZ_SOURCES: ftpproto.c */
#include "config.h"

#include "ftpproto.h"
#include "fuzz.h"

static int rep_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The reply code a line starts with (first digit 1-5, then the end of the
 * line, a space or a dash), or -1. */
static FUZZ_ORACLE int rep_code(const char *l, size_t len)
{
	if (len < 3 || l[0] < '1' || l[0] > '5' || !rep_isdigit(l[1]) ||
	    !rep_isdigit(l[2]))
		return -1;
	if (len > 3 && l[3] != ' ' && l[3] != '-')
		return -1;
	return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* RFC 959 4.2 framing, as proto_reply_line documents it, plus what the
 * session does after the last line (code back to 0). */
static void rep_check_framing(struct proto_reply *r, const char *l, size_t len)
{
	struct proto_reply before = *r;
	int code = rep_code(l, len);
	enum proto_line res = proto_reply_line(r, l, len);

	FUZZ_CHECK(res == PROTO_LINE_BAD || res == PROTO_LINE_MORE ||
		   res == PROTO_LINE_LAST, "proto_reply_line returns a known value");
	if (before.multiline) {
		int last = code == before.code && (len == 3 || l[3] == ' ');

		FUZZ_CHECK(res != PROTO_LINE_BAD,
			   "any text is fine inside a multi-line reply");
		FUZZ_CHECK(r->code == before.code,
			   "the code stays put inside a multi-line reply");
		FUZZ_CHECK((res == PROTO_LINE_LAST) == last,
			   "only 'NNN ' with the same code ends a multi-line reply");
	} else if (code < 0) {
		FUZZ_CHECK(res == PROTO_LINE_BAD,
			   "a line without a reply code between replies is BAD");
		FUZZ_CHECK(r->code == before.code && r->multiline == 0,
			   "a BAD line leaves the state alone");
	} else {
		FUZZ_CHECK(res != PROTO_LINE_BAD, "a line with a code is a reply");
		FUZZ_CHECK(r->code == code, "the reply takes the line's code");
		FUZZ_CHECK((res == PROTO_LINE_MORE) == (len > 3 && l[3] == '-'),
			   "'NNN-' starts a multi-line reply, anything else is one line");
	}
	if (res != PROTO_LINE_BAD)
		FUZZ_CHECK(r->code >= 100 && r->code <= 599, "reply code is 100..599");
	FUZZ_CHECK(r->multiline == (res == PROTO_LINE_MORE),
		   "multiline is set exactly while the reply goes on");
	if (res == PROTO_LINE_LAST)
		r->code = 0;
}

/* The first group "a,b,c,d,e,f" of whole digit runs (1-3 digits, <= 255
 * each) in the line, found by walking from one digit run to the next. */
static FUZZ_ORACLE int rep_model_227(const char *l, size_t len,
				     uint8_t addr[4], uint16_t *port)
{
	for (size_t t = 0; t < len; t++) {
		size_t i = t;
		long v[6];
		int k;

		if (!rep_isdigit((unsigned char)l[t]) ||
		    (t > 0 && rep_isdigit((unsigned char)l[t - 1])))
			continue; /* not the start of a run */
		for (k = 0; k < 6; k++) {
			size_t a = i;

			while (i < len && rep_isdigit((unsigned char)l[i]))
				i++;
			if (i == a || i - a > 3)
				break;
			for (v[k] = 0; a < i; a++)
				v[k] = v[k] * 10 + (l[a] - '0');
			if (v[k] > 255)
				break;
			if (k < 5 && (i >= len || l[i++] != ','))
				break;
		}
		if (k < 6)
			continue;
		for (k = 0; k < 4; k++)
			addr[k] = (uint8_t)v[k];
		*port = (uint16_t)(v[4] << 8 | v[5]);
		return 0;
	}
	return -1;
}

/* The first "ddd<port>d" with d in 33..126 and not a digit, the port a
 * maximal run of 1-5 digits <= 65535. */
static FUZZ_ORACLE int rep_model_229(const char *l, size_t len,
				     uint16_t *port)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char d = (unsigned char)l[i];
		size_t j = i + 3, s;
		long v = 0;

		if (d < 33 || d > 126 || rep_isdigit(d) || i + 2 >= len ||
		    (unsigned char)l[i + 1] != d || (unsigned char)l[i + 2] != d)
			continue;
		for (s = j; j < len && rep_isdigit((unsigned char)l[j]); j++)
			if (j - s < 6)
				v = v * 10 + (l[j] - '0');
		if (j == s || j - s > 5 || v > 65535 || j >= len ||
		    (unsigned char)l[j] != d)
			continue;
		*port = (uint16_t)v;
		return 0;
	}
	return -1;
}

/* The formatted reply is one line of the right code that parses back. */
static void rep_check_formatted(const char *buf, int m, int code)
{
	struct proto_reply r = { 0, 0 };
	char *copy;

	FUZZ_CHECK(m > 6 && strlen(buf) == (size_t)m,
		   "formatter returns the length it wrote");
	FUZZ_CHECK(memcmp(buf + m - 2, "\r\n", 2) == 0 &&
		   memchr(buf, '\r', (size_t)m - 2) == NULL &&
		   memchr(buf, '\n', (size_t)m - 2) == NULL,
		   "formatted reply is one CRLF-terminated line");
	copy = fuzz_dup(buf, (size_t)m - 2);
	FUZZ_CHECK(proto_reply_line(&r, copy, (size_t)m - 2) == PROTO_LINE_LAST &&
		   r.code == code && r.multiline == 0,
		   "formatted reply is a complete single-line reply");
	free(copy);
}

static void rep_check_227(const char *l, size_t len)
{
	uint8_t addr[4] = { 0 }, maddr[4] = { 0 }, addr2[4];
	uint16_t port = 0, mport = 0, port2;
	char buf[128], *tight, *copy;
	int rc, m;

	rc = proto_parse_227(l, len, addr, &port);
	FUZZ_CHECK(rc == 0 || rc == -1, "proto_parse_227 returns 0 or -1");
	FUZZ_CHECK(rc == rep_model_227(l, len, maddr, &mport),
		   "proto_parse_227 finds a group exactly when there is one");
	if (rc != 0)
		return;
	FUZZ_CHECK(memcmp(addr, maddr, 4) == 0 && port == mport,
		   "proto_parse_227 takes the first well-formed group");

	m = proto_format_227(buf, sizeof(buf), addr, port);
	FUZZ_CHECK(m > 0 && (size_t)m < sizeof(buf), "proto_format_227 fits");
	rep_check_formatted(buf, m, 227);
	copy = fuzz_dup(buf, (size_t)m - 2);
	FUZZ_CHECK(proto_parse_227(copy, (size_t)m - 2, addr2, &port2) == 0 &&
		   memcmp(addr, addr2, 4) == 0 && port == port2,
		   "227 round-trips through proto_format_227");
	free(copy);
	tight = fuzz_alloc((size_t)m);
	FUZZ_CHECK(proto_format_227(tight, (size_t)m, addr, port) == -1,
		   "proto_format_227 refuses a buffer without room for NUL");
	free(tight);
}

static void rep_check_229(const char *l, size_t len)
{
	uint16_t port = 0, mport = 0, port2;
	char buf[128], *tight, *copy;
	int rc, m;

	rc = proto_parse_229(l, len, &port);
	FUZZ_CHECK(rc == 0 || rc == -1, "proto_parse_229 returns 0 or -1");
	FUZZ_CHECK(rc == rep_model_229(l, len, &mport),
		   "proto_parse_229 finds (|||port|) exactly when there is one");
	if (rc != 0)
		return;
	FUZZ_CHECK(port == mport, "proto_parse_229 takes the first port");

	m = proto_format_229(buf, sizeof(buf), port);
	FUZZ_CHECK(m > 0 && (size_t)m < sizeof(buf), "proto_format_229 fits");
	rep_check_formatted(buf, m, 229);
	copy = fuzz_dup(buf, (size_t)m - 2);
	FUZZ_CHECK(proto_parse_229(copy, (size_t)m - 2, &port2) == 0 && port == port2,
		   "229 round-trips through proto_format_229");
	free(copy);
	tight = fuzz_alloc((size_t)m);
	FUZZ_CHECK(proto_format_229(tight, (size_t)m, port) == -1,
		   "proto_format_229 refuses a buffer without room for NUL");
	free(tight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reply r = { 0, 0 };
	const char *s = (const char *)data;
	size_t start = 0;

	/* Lines as linebuf hands them over: split at LF, one CR stripped.
	 * Each goes to the parsers in its own exact-size copy. */
	while (start < size) {
		const char *lf = memchr(s + start, '\n', size - start);
		size_t end = lf != NULL ? (size_t)(lf - s) : size;
		size_t len = end - start;
		char *l;

		if (len > 0 && s[start + len - 1] == '\r')
			len--;
		l = fuzz_dup(s + start, len);
		rep_check_framing(&r, l, len);
		rep_check_227(l, len);
		rep_check_229(l, len);
		free(l);
		start = end + 1;
	}
	return 0;
}
