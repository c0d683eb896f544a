// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_trailer.c - libFuzzer target for the trailer parser: any byte string
 * as a whole module file. ASan catches any read outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trailer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trailer t;
	enum trailer_status st, inner;
	size_t base;
	unsigned n;
	char msg[512];
	uint8_t *copy;

	/* A private copy: ASan knows its exact bounds even for size 0. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	st = trailer_parse(copy, size, &t);
	trailer_explain(st, &t, size, msg, sizeof(msg));
	if (st == TRAILER_OK) {
		/* the parts must tile the file */
		if (t.module_len + t.sig_len + TRAILER_FIXED_LEN != size ||
		    t.sig_off != t.module_len || t.sig_len == 0)
			abort();
	}
	n = trailer_count(copy, size, &base, &inner);
	if (base > size || (n == 0) != (st != TRAILER_OK))
		abort();
	(void)elf_image_end(copy, size);
	free(copy);
	return 0;
}
