/* test_linebuf.c - the control line reader: terminators, limits, NULs. */
#include "config.h"

#include "defs.h"
#include "linebuf.h"
#include "tap.h"

static char store[64];

static struct linebuf fresh(size_t max)
{
	struct linebuf lb;

	lb_init(&lb, store, max, max);
	return lb;
}

static void crlf_line(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "NOOP\r\n", 6);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "CRLF line is complete");
	TAP_STR(l, n, "NOOP", "CRLF is stripped");
	lb_consume(&lb);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NONE, "nothing after the line");
}

static void bare_lf(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "PWD\nSYST\n", 9);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "bare LF ends a line");
	TAP_STR(l, n, "PWD", "first of two LF lines");
	lb_consume(&lb);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "second LF line");
	TAP_STR(l, n, "SYST", "second line text");
}

static void crlf_split(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "RETR a\r", 7);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NONE, "CR alone does not end a line");
	lb_append(&lb, "\n", 1);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "LF in the next read completes it");
	TAP_STR(l, n, "RETR a", "CR split from LF is still stripped");
}

static void split_reads(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "US", 2);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NONE, "partial line waits");
	lb_append(&lb, "ER x\r\nPA", 8);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "line completed across reads");
	TAP_STR(l, n, "USER x", "joined text");
	lb_consume(&lb);
	TAP_OK(lb_pending(&lb) == 2, "start of the next line kept");
}

static void peek_without_consume(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "226 ok\r\n", 8);
	lb_peek(&lb, &l, &n);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "peek twice sees the same line");
	TAP_STR(l, n, "226 ok", "held line unchanged");
}

static void exact_limit(void)
{
	struct linebuf lb = fresh(16);
	const char *l;
	size_t n;

	/* 14 bytes + CRLF = 16: exactly the limit. */
	lb_append(&lb, "AAAAAAAAAAAAAA\r\n", 16);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "line of exactly the limit is accepted");
	TAP_OK(n == 14, "its length");
}

static void overlong(void)
{
	struct linebuf lb = fresh(16);
	const char *l;
	size_t n;

	lb_append(&lb, "AAAAAAAAAAAAAAAA", 16);
	TAP_OK(lb_room(&lb) == 0, "buffer full without terminator");
	TAP_OK(lb_peek(&lb, &l, &n) == LB_OVERLONG, "overlong line reported");
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NONE, "reported once");
	lb_append(&lb, "BBBBBBBB", 8);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NONE, "rest of the long line swallowed");
	lb_append(&lb, "BB\r\nNOOP\r\n", 10);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "next line after the long one");
	TAP_STR(l, n, "NOOP", "the long line's tail never shows up");
}

static void overlong_by_crlf(void)
{
	struct linebuf lb = fresh(16);
	const char *l;
	size_t n;

	/* 15 bytes + CRLF = 17: one over; the LF does not fit. */
	lb_append(&lb, "AAAAAAAAAAAAAAA\r", 16);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_OVERLONG, "limit counts the terminator");
	lb_append(&lb, "\nPWD\n", 5);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "resynchronised at the LF");
	TAP_STR(l, n, "PWD", "following line intact");
}

static void nul_byte(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "RETR a\0b\r\nNOOP\r\n", 16);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_NUL, "NUL inside a line is reported");
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE, "the dirty line is gone");
	TAP_STR(l, n, "NOOP", "next line intact");
}

static void empty_line(void)
{
	struct linebuf lb = fresh(64);
	const char *l;
	size_t n;

	lb_append(&lb, "\r\n", 2);
	TAP_OK(lb_peek(&lb, &l, &n) == LB_LINE && n == 0, "empty line is a line of length 0");
}

int main(void)
{
	crlf_line();
	bare_lf();
	crlf_split();
	split_reads();
	peek_without_consume();
	exact_limit();
	overlong();
	overlong_by_crlf();
	nul_byte();
	empty_line();
	return tap_done();
}
