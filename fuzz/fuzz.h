/* fuzz.h - helpers shared by the libFuzzer targets: invariant checks that
 * abort with a message, and exact-size heap copies so that ASan sees any
 * read past an explicit length. */
#ifndef FTPR_FUZZ_H
#define FTPR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A violated invariant is a finding: say which one, then abort so that
 * libFuzzer writes the input out as a crash-* artifact. */
#define FUZZ_CHECK(cond, what)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "INVARIANT VIOLATED: %s\n  %s:%d: %s\n", \
				(what), __FILE__, __LINE__, #cond);         \
			abort();                                            \
		}                                                           \
	} while (0)

/* The models the targets check against are not what is being fuzzed: no
 * coverage feedback (nor its cost) from them. */
#define FUZZ_ORACLE __attribute__((no_sanitize("coverage"), noinline))

/* Exactly n bytes of heap, so ASan traps an access to p[n]. */
static inline char *fuzz_alloc(size_t n)
{
	char *c = malloc(n);

	if (c == NULL && n == 0)
		c = malloc(1);
	if (c == NULL)
		abort();
	return c;
}

/* A copy of exactly n bytes. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *c = fuzz_alloc(n);

	if (n)
		memcpy(c, p, n);
	return c;
}

/* A NUL-terminated copy, n bytes plus the NUL, nothing more. */
static inline char *fuzz_strdup(const void *p, size_t n)
{
	char *c = malloc(n + 1);

	if (c == NULL)
		abort();
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
