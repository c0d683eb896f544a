// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_trailer.c - libFuzzer target for the trailer parser and the ELF
 * image checks: any byte string as a whole module file. ASan catches any
 * read outside it.
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
	struct elf_cut cut;
	enum elf_fit fit;

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
	/* an image that fits ends inside the buffer */
	fit = elf_check_whole(copy, size, &cut);
	elf_explain(fit, &cut, size, "the file", msg, sizeof(msg));
	if (fit == ELF_FITS && elf_image_end(copy, size) > size)
		abort();
	if (fit == ELF_CUT && cut.end <= size && cut.part != ELF_PART_HEADER)
		abort();
	free(copy);
	return 0;
}
