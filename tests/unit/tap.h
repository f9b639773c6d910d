/* tap.h - the smallest TAP producer: one "ok N - name" line per check. */
#ifndef FTPR_TAP_H
#define FTPR_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, name) do {                                          \
	int tap_c_ = (cond);                                             \
	tap_n++;                                                         \
	printf("%sok %d - %s\n", tap_c_ ? "" : "not ", tap_n, name);     \
	if (!tap_c_) {                                                   \
		tap_failed++;                                            \
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}                                                                \
} while (0)

#define TAP_STR(got, gotlen, want, name)                                 \
	TAP_OK((gotlen) == strlen(want) && memcmp((got), (want), (gotlen)) == 0, name)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
