/* fuzz_telnet.c - libFuzzer target for the control connection's Telnet
 * layer: the stream is filtered in chunks whose sizes come from the input,
 * and the data, refusals and flags must be what one pass over the whole
 * stream gives; escaping then filtering gives the data back. */
/* FUZZ_SOURCES: telnet.c */
#include "config.h"

#include "fuzz.h"
#include "telnet.h"

/*
 * Input layout:
 *   byte 0     bits 0-1 pick the refusal buffer size (TN_ANSWERCAP)
 *   bytes 1-3  chunk sizes, used in turn (0: everything that is left)
 *   the rest   the byte stream from the client
 */
#define TN_HEADER 4

static const size_t tn_answercap[4] = { 0, 5, 48, 3 * 8192 };

/* What one byte of the stream produced, in the model. */
enum tn_kind { TN_NOTHING, TN_DATA, TN_ANSWER };

struct tn_step {
	enum tn_kind kind;
	unsigned char b[3];   /* the data byte, or the refusal */
	unsigned seen;        /* TELNET_SAW_* raised by this byte */
};

/* RFC 854 as telnet.h describes it, one byte at a time: IAC IAC is a 0xFF
 * data byte; IAC WILL/WONT/DO/DONT x is an option (WILL refused with DONT,
 * DO with WONT); IAC IP and IAC DM are noted; other IAC commands dropped.
 * Returns the state after the stream. */
static FUZZ_ORACLE int tn_model(const unsigned char *s, size_t n,
				struct tn_step *st)
{
	int state = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		st[i].kind = TN_NOTHING;
		st[i].seen = 0;
		if (state == 0) {
			if (c == TELNET_IAC) {
				state = 1;
			} else {
				st[i].kind = TN_DATA;
				st[i].b[0] = c;
			}
		} else if (state == 1) {
			state = 0;
			if (c == TELNET_IAC) {
				st[i].kind = TN_DATA;
				st[i].b[0] = c;
			} else if (c == TELNET_WILL || c == TELNET_WONT ||
				   c == TELNET_DO || c == TELNET_DONT) {
				state = c;
			} else if (c == TELNET_IP) {
				st[i].seen = TELNET_SAW_IP;
			} else if (c == TELNET_DM) {
				st[i].seen = TELNET_SAW_DM;
			}
		} else {
			st[i].seen = TELNET_SAW_OPTION;
			if (state == TELNET_WILL || state == TELNET_DO) {
				st[i].kind = TN_ANSWER;
				st[i].b[0] = TELNET_IAC;
				st[i].b[1] = state == TELNET_WILL ? TELNET_DONT
								  : TELNET_WONT;
				st[i].b[2] = c;
			}
			state = 0;
		}
	}
	return state;
}

/* Filter s[a..b) as one read() and compare with the model's steps. */
static void tn_chunk(struct telnet *t, const unsigned char *s, size_t a,
		     size_t b, const struct tn_step *st, size_t answercap)
{
	unsigned char *buf = (unsigned char *)fuzz_dup(s + a, b - a);
	unsigned char *answer = (unsigned char *)fuzz_alloc(answercap);
	size_t alen = 0, kept, o = 0, ao = 0;
	unsigned seen = 0;

	t->seen = 0;
	kept = telnet_filter(t, buf, b - a, answer, answercap, &alen);
	FUZZ_CHECK(kept <= b - a, "telnet_filter never grows the data");
	FUZZ_CHECK(alen <= answercap, "refusals stay within answercap");
	for (size_t i = a; i < b; i++) {
		seen |= st[i].seen;
		if (st[i].kind == TN_DATA) {
			FUZZ_CHECK(o < kept && buf[o] == st[i].b[0],
				   "data bytes are the model's, in order");
			o++;
		} else if (st[i].kind == TN_ANSWER && ao + 3 <= answercap) {
			/* Every refusal is 3 bytes: the first answercap/3 of
			 * this read fit, the others are dropped. */
			FUZZ_CHECK(ao + 3 <= alen &&
				   memcmp(answer + ao, st[i].b, 3) == 0,
				   "refusals are the model's, in order");
			ao += 3;
		}
	}
	FUZZ_CHECK(o == kept, "no data bytes beyond the model's");
	FUZZ_CHECK(ao == alen, "no refusals beyond the model's");
	FUZZ_CHECK(t->seen == seen, "IP/DM/option flags match the model");
	free(answer);
	free(buf);
}

/* Escaping for the origin, then filtering, gives the data back: a client
 * cannot make the origin see a Telnet command. */
static void tn_roundtrip(const unsigned char *s, size_t n)
{
	size_t need = n, cap = 2 * n;
	char *esc = fuzz_alloc(cap), *tight;
	struct telnet t = { 0, 0 };
	unsigned char answer[3];
	size_t alen = 0, kept;
	int m;

	for (size_t i = 0; i < n; i++)
		need += s[i] == TELNET_IAC;
	m = telnet_escape((const char *)s, n, esc, cap);
	FUZZ_CHECK(m >= 0 && (size_t)m == need,
		   "telnet_escape fits twice the length, doubling each IAC");
	kept = telnet_filter(&t, (unsigned char *)esc, (size_t)m, answer,
			     sizeof(answer), &alen);
	FUZZ_CHECK(kept == n && memcmp(esc, s, n) == 0 && alen == 0 &&
		   t.seen == 0 && t.state == 0,
		   "telnet_filter(telnet_escape(x)) is x, with nothing else");
	free(esc);

	/* Too small a buffer is refused, never overrun. */
	if (need > 0) {
		tight = fuzz_alloc(need - 1);
		FUZZ_CHECK(telnet_escape((const char *)s, n, tight, need - 1) == -1,
			   "telnet_escape refuses a buffer too small");
		free(tight);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct telnet t = { 0, 0 };
	struct tn_step *st;
	const unsigned char *s;
	size_t n, pos = 0, chunk = 0, answercap;
	int end;

	if (size < TN_HEADER)
		return 0;
	answercap = tn_answercap[data[0] & 3];
	s = data + TN_HEADER;
	n = size - TN_HEADER;
	st = malloc((n + 1) * sizeof(*st));
	if (st == NULL)
		abort();
	end = tn_model(s, n, st);

	while (pos < n) {
		size_t want = data[1 + chunk++ % 3];

		if (want == 0 || want > n - pos)
			want = n - pos;
		tn_chunk(&t, s, pos, pos + want, st, answercap);
		pos += want;
	}
	FUZZ_CHECK(t.state == end, "the state after the stream matches the model");

	tn_roundtrip(s, n);
	free(st);
	return 0;
}
