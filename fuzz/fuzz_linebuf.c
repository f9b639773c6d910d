/* fuzz_linebuf.c - libFuzzer target for the control line reader: the byte
 * stream is fed in chunks whose sizes come from the input, and every event
 * is checked against a plain model of the contract in linebuf.h. */
/* FUZZ_SOURCES: linebuf.c */
#include "config.h"

#include "defs.h"
#include "fuzz.h"
#include "linebuf.h"

/*
 * Input layout:
 *   byte 0     limits: bits 0-2 pick max, bits 3-4 the extra storage
 *   byte 1     how the stream is fed and drained (FEED_* bits)
 *   bytes 2-4  chunk sizes, used in turn (0: everything that is left)
 *   the rest   the byte stream, as a peer would send it
 */
#define LB_HEADER 5

static const size_t lb_maxes[8] = {
	1, 2, 3, 16, 64, 100, FTPR_LINE_MAX, FTPR_REPLY_LINE_MAX,
};
static const size_t lb_slack[4] = { 0, 1, 7, 64 };

enum {
	FEED_COMMIT = 1,         /* lb_tail() + lb_commit(), as after read() */
	FEED_LAZY = 2,           /* one lb_peek() per chunk, unless full */
	FEED_REPEEK = 4,         /* peek a line twice before consuming it */
	FEED_STRAY_CONSUME = 8,  /* lb_consume() after a non-line: a no-op */
};

/* FUZZ_STRICT_CR=1: a line must not end in CR either (see README). */
static int lb_strict_cr;

struct lb_event {
	enum lb_status st;
	size_t off, len; /* the line's bytes in the stream (LB_LINE) */
	size_t total;    /* bytes the line takes in the buffer, LF included */
};

struct lb_run {
	struct linebuf lb;
	const uint8_t *s;       /* the stream */
	unsigned flags;
	struct lb_event *ev;    /* what the model expects, in order */
	size_t nev, next;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_STRICT_CR");

	(void)argc;
	(void)argv;
	lb_strict_cr = e != NULL && *e != '\0' && *e != '0';
	return 0;
}

/* The contract, written the slow and obvious way: lines end at LF, one CR
 * before it is stripped, a line over max bytes (LF included) is reported
 * once as LB_OVERLONG, a line with a NUL once as LB_NUL.  The unterminated
 * tail is an LB_OVERLONG too once it reaches max bytes. */
static FUZZ_ORACLE size_t lb_model(const uint8_t *s, size_t n, size_t max,
				   struct lb_event *ev, size_t *tail)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i < n; i++) {
		size_t total, len;

		if (s[i] != '\n')
			continue;
		total = i - start + 1;
		len = total - 1;
		if (len > 0 && s[start + len - 1] == '\r')
			len--;
		ev[k].off = start;
		ev[k].len = len;
		ev[k].total = total;
		if (total > max)
			ev[k].st = LB_OVERLONG;
		else if (memchr(s + start, '\0', len) != NULL)
			ev[k].st = LB_NUL;
		else
			ev[k].st = LB_LINE;
		k++;
		start = i + 1;
	}
	*tail = start;
	if (n - start >= max) {
		ev[k].st = LB_OVERLONG;
		ev[k].off = start;
		ev[k].len = ev[k].total = 0;
		k++;
	}
	return k;
}

/* One lb_peek(), checked against the model; consumes what it returns. */
static enum lb_status lb_take(struct lb_run *r)
{
	struct linebuf *lb = &r->lb;
	const char *line = NULL, *line2 = NULL;
	size_t len = 0, len2 = 0, mid;
	enum lb_status st = lb_peek(lb, &line, &len);
	const struct lb_event *e;

	FUZZ_CHECK(lb_pending(lb) <= lb->cap, "pending never exceeds cap");
	if (st == LB_NONE) {
		FUZZ_CHECK(lb_room(lb) > 0,
			   "LB_NONE with a full buffer: the reader would stall");
		FUZZ_CHECK(lb_pending(lb) < lb->max,
			   "LB_NONE leaves less than max bytes buffered");
		FUZZ_CHECK(memchr(lb->buf, '\n', lb_pending(lb)) == NULL,
			   "LB_NONE while a complete line is buffered");
		return st;
	}
	FUZZ_CHECK(st == LB_LINE || st == LB_OVERLONG || st == LB_NUL,
		   "lb_peek returns a known status");
	FUZZ_CHECK(r->next < r->nev, "no more events than the model has lines");
	e = &r->ev[r->next++];
	FUZZ_CHECK(st == e->st, "lb_peek status matches the model");
	if (st != LB_LINE) {
		if (r->flags & FEED_STRAY_CONSUME) {
			size_t before = lb_pending(lb);

			lb_consume(lb);
			FUZZ_CHECK(lb_pending(lb) == before,
				   "lb_consume after a non-line removes nothing");
		}
		return st;
	}

	FUZZ_CHECK(line != NULL && line >= lb->buf &&
		   line + len <= lb->buf + lb_pending(lb),
		   "LB_LINE lies inside the buffered bytes");
	FUZZ_CHECK(len < lb->max, "LB_LINE is shorter than max");
	FUZZ_CHECK(memchr(line, '\n', len) == NULL, "LB_LINE has no LF");
	FUZZ_CHECK(memchr(line, '\0', len) == NULL, "LB_LINE has no NUL");
	if (lb_strict_cr)
		FUZZ_CHECK(len == 0 || line[len - 1] != '\r',
			   "LB_LINE has no trailing CR");
	FUZZ_CHECK(len == e->len && memcmp(line, r->s + e->off, len) == 0,
		   "LB_LINE bytes match the model");

	if (r->flags & FEED_REPEEK) {
		FUZZ_CHECK(lb_peek(lb, &line2, &len2) == LB_LINE && line2 == line &&
			   len2 == len, "a second lb_peek returns the same line");
	}
	mid = lb_pending(lb);
	lb_consume(lb);
	FUZZ_CHECK(mid - lb_pending(lb) == e->total,
		   "lb_consume removes the line and its terminator");
	if (r->flags & FEED_STRAY_CONSUME) {
		lb_consume(lb);
		FUZZ_CHECK(lb_pending(lb) == mid - e->total,
			   "a second lb_consume removes nothing");
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_run r;
	size_t max, cap, n, pos = 0, tail, appended = 0, chunk = 0;
	char *storage;

	if (size < LB_HEADER)
		return 0;
	max = lb_maxes[data[0] & 7];
	cap = max + lb_slack[(data[0] >> 3) & 3];
	memset(&r, 0, sizeof(r));
	r.flags = data[1];
	r.s = data + LB_HEADER;
	n = size - LB_HEADER;

	/* Exactly cap bytes, so ASan sees any access past the storage. */
	storage = malloc(cap);
	r.ev = malloc((n + 1) * sizeof(*r.ev));
	if (storage == NULL || r.ev == NULL)
		abort();
	r.nev = lb_model(r.s, n, max, r.ev, &tail);
	lb_init(&r.lb, storage, cap, max);
	FUZZ_CHECK(lb_pending(&r.lb) == 0 && lb_room(&r.lb) == cap,
		   "lb_init leaves an empty buffer");

	while (pos < n) {
		size_t want = data[2 + chunk++ % 3];
		size_t room = lb_room(&r.lb), before = lb_pending(&r.lb), put;

		if (want == 0 || want > n - pos)
			want = n - pos;
		if (room == 0) {
			/* Full: taking a line or the overlong report makes
			 * room; lb_take() checks that LB_NONE never stalls. */
			(void)lb_take(&r);
			continue;
		}
		if (r.flags & FEED_COMMIT) {
			put = want < room ? want : room;
			memcpy(lb_tail(&r.lb), r.s + pos, put);
			lb_commit(&r.lb, want); /* clamps to the room */
		} else {
			put = lb_append(&r.lb, (const char *)r.s + pos, want);
			FUZZ_CHECK(put == (want < room ? want : room),
				   "lb_append takes what fits");
		}
		FUZZ_CHECK(lb_pending(&r.lb) == before + put,
			   "appending grows the buffer by what fitted");
		FUZZ_CHECK(lb_pending(&r.lb) <= cap, "pending never exceeds cap");
		pos += put;
		appended += put;
		FUZZ_CHECK(appended <= n, "never more bytes in than the input");
		if (r.flags & FEED_LAZY)
			(void)lb_take(&r);
		else
			while (lb_take(&r) != LB_NONE)
				;
	}
	while (lb_take(&r) != LB_NONE)
		;

	FUZZ_CHECK(r.next == r.nev, "every line of the model was reported");
	if (n - tail >= max) {
		FUZZ_CHECK(lb_pending(&r.lb) == 0,
			   "an overlong tail is dropped, not kept");
	} else {
		FUZZ_CHECK(lb_pending(&r.lb) == n - tail &&
			   memcmp(r.lb.buf, r.s + tail, n - tail) == 0,
			   "the unterminated tail is kept, byte for byte");
	}
	free(r.ev);
	free(storage);
	return 0;
}
