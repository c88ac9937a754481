/* tap.h: a tiny TAP producer for the unit tests. */
#ifndef ES_TAP_H
#define ES_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* ok(cond, name, ...): one test line. */
#define ok(cond, ...) do {						\
	int ok_ = (cond) != 0;						\
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		tap_failed++;						\
		printf("#   failed at %s:%d\n", __FILE__, __LINE__);	\
	}								\
} while (0)

/* is_str(got, len, want, name...): compare a counted string. */
#define is_mem(got, len, want, ...) do {				\
	ok((len) == strlen(want) && memcmp((got), (want), (len)) == 0,	\
	    __VA_ARGS__);						\
	if (!((len) == strlen(want) && memcmp((got), (want), (len)) == 0)) \
		printf("#   got:  '%.*s'\n#   want: '%s'\n", (int)(len),	\
		    (got) ? (got) : "", (want));			\
} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
