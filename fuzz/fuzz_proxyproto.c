/* fuzz_proxyproto.c - libFuzzer target for the PROXY protocol header
 * parser (v1 and v2) and the CIDR parser: what pp_parse accepts is
 * bounded, every shorter prefix of it asks for more without asking past
 * its end (the reader never reads a client byte), a refusal is final, and
 * relayed addresses round-trip through both formatters. */
/* FUZZ_SOURCES: proxyproto.c cidr.c */
#include "config.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "cidr.h"
#include "defs.h"
#include "fuzz.h"
#include "proxyproto.h"

static int parse_copy(const uint8_t *data, size_t n, struct pp_header *h,
		      size_t *more)
{
	char *c = fuzz_dup(data, n);
	int r = pp_parse(c, n, h, more);

	free(c);
	return r;
}

static int same_addr(const struct net_addr *a, const struct net_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return x->sin_port == y->sin_port &&
		       memcmp(&x->sin_addr, &y->sin_addr, 4) == 0;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

static void check_roundtrip(const struct pp_header *h)
{
	char buf[FTPR_PP_V2_MAX];
	struct pp_header back;
	size_t more;
	int n;

	n = pp_format_v2(buf, sizeof(buf), &h->src, &h->dst);
	FUZZ_CHECK(n > 0 && pp_parse(buf, (size_t)n, &back, &more) == n,
		   "a formatted v2 header parses back whole");
	FUZZ_CHECK(same_addr(&back.src, &h->src) && same_addr(&back.dst, &h->dst),
		   "v2 round trip keeps both addresses and ports");
	n = pp_format_v1(buf, sizeof(buf), &h->src, &h->dst);
	FUZZ_CHECK(n > 0 && n <= FTPR_PP_V1_MAX &&
		   pp_parse(buf, (size_t)n, &back, &more) == n,
		   "a formatted v1 header parses back whole");
	FUZZ_CHECK(same_addr(&back.src, &h->src) && same_addr(&back.dst, &h->dst),
		   "v1 round trip keeps both addresses and ports");
	FUZZ_CHECK(pp_format_v1(buf, (size_t)n, &h->src, &h->dst) == -1,
		   "v1: a buffer one byte short is refused");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_header h, p;
	size_t more = 0, pmore;
	int r;

	if (size > 2 * FTPR_PP_V2_MAX)
		return 0;
	r = parse_copy(data, size, &h, &more);
	FUZZ_CHECK(r == PP_BAD || r == PP_NEED_MORE || (r > 0 && (size_t)r <= size),
		   "pp_parse returns BAD, NEED_MORE or a length within the input");
	if (r == PP_BAD)
		FUZZ_CHECK(h.why != NULL, "a refusal says why");
	if (r == PP_NEED_MORE)
		FUZZ_CHECK(more >= 1 && size + more <= FTPR_PP_V2_MAX,
			   "NEED_MORE asks for at least one byte, within the limit");
	if (r > 0) {
		FUZZ_CHECK(h.version == 1 || h.version == 2, "version 1 or 2");
		FUZZ_CHECK(h.version == 2 || r <= FTPR_PP_V1_MAX, "v1 within 107 bytes");
		FUZZ_CHECK(r <= FTPR_PP_V2_MAX, "v2 within the limit");
		FUZZ_CHECK(h.version == 2 || data[r - 2] == '\r', "v1 ends in CRLF");
		if (h.family == AF_INET || h.family == AF_INET6) {
			FUZZ_CHECK(h.command == PP_CMD_PROXY, "addresses only with PROXY");
			FUZZ_CHECK(h.src.ss.ss_family == h.family &&
				   h.dst.ss.ss_family == h.family,
				   "both addresses of the header's family");
			check_roundtrip(&h);
		} else {
			FUZZ_CHECK(h.family == AF_UNSPEC, "a known family");
		}
		/* SECURITY: a reader taking `more` bytes at a time from
		 * any prefix never reads past the header's end. */
		for (size_t k = 0; k < (size_t)r; k++) {
			int pr = parse_copy(data, k, &p, &pmore);

			FUZZ_CHECK(pr == PP_NEED_MORE, "every prefix of a header asks for more");
			FUZZ_CHECK(k + pmore <= (size_t)r, "no prefix asks past the header's end");
		}
	}
	/* A refusal is final: no byte that follows can mend it. */
	for (size_t k = 0; k < size; k += 1 + size / 8) {
		if (parse_copy(data, k, &p, &pmore) == PP_BAD)
			FUZZ_CHECK(r == PP_BAD, "a refused prefix stays refused");
	}
	/* The CIDR parser on the same bytes. */
	{
		struct cidr c;
		char *s = fuzz_dup(data, size);

		if (cidr_parse(s, size, &c) == 0)
			FUZZ_CHECK((c.family == AF_INET && c.prefix <= 32) ||
				   (c.family == AF_INET6 && c.prefix <= 128),
				   "a parsed network has a valid prefix");
		free(s);
	}
	return 0;
}
