/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unit.h - the tiny test framework of modsign's C unit tests
 * (tests/modsign/unit_*.c, one per unit of sign/core/, each its own
 * program), included once by each.
 *
 * A test is `TEST(name) { ... check(cond, "why %d", x); ... }`, run from
 * main() by `RUN(name)`. The first failed check() of a test prints
 * `FAIL name: why` (later ones stay quiet); a test with none prints
 * `PASS name`. The counters `passed` and `failed` are for main()'s summary.
 *
 * Inputs live in a struct buf of exactly their length (from_bytes, append),
 * so that under AddressSanitizer a read past the end fails the run.
 */
#ifndef MODSIGN_TESTS_UNIT_H
#define MODSIGN_TESTS_UNIT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static const char *current;
static int current_failed;

static void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok || current_failed)
		return;
	current_failed = 1;
	printf("FAIL %s: ", current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define TEST(name) static void test_##name(void)
#define RUN(name)                                     \
	do {                                          \
		current = #name;                      \
		current_failed = 0;                   \
		test_##name();                        \
		if (current_failed) {                 \
			failed++;                     \
		} else {                              \
			printf("PASS %s\n", current); \
			passed++;                     \
		}                                     \
	} while (0)

/* ---- buffers of exactly their length ---- */

struct buf {
	uint8_t *p;
	size_t len;
};

static struct buf from_bytes(const void *p, size_t len)
{
	struct buf b;

	b.len = len;
	b.p = malloc(len ? len : 1);
	if (len)
		memcpy(b.p, p, len);
	return b;
}

/* b + extra bytes, reallocated to the exact new length */
static void append(struct buf *b, const void *p, size_t len)
{
	b->p = realloc(b->p, b->len + len);
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

#endif
