// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_compress.c - libFuzzer target for compressed modules: whatever the
 * bytes, comp_decompress either fails with a reason or returns data that
 * compresses again (as Kbuild would) into a stream the kernel takes and
 * that decompresses to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum comp_type c = comp_detect(data, size);
	uint8_t *plain = NULL, *again = NULL, *back = NULL;
	size_t plain_len, again_len, back_len;
	struct errbuf eb;
	struct iovec iov;

	(void)comp_kernel_ok(c, data, size);
	if (c == COMP_NONE)
		return 0;
	eb.msg[0] = '\0';
	if (comp_decompress(c, data, size, &plain, &plain_len, &eb)) {
		if (eb.msg[0] == '\0')
			abort(); /* every failure must say why */
		return 0;
	}
	iov.iov_base = plain;
	iov.iov_len = plain_len;
	if (comp_compress(c, &iov, 1, &again, &again_len, &eb))
		abort(); /* what decompressed must compress */
	if (comp_detect(again, again_len) != c ||
	    !comp_kernel_ok(c, again, again_len))
		abort();
	if (comp_decompress(c, again, again_len, &back, &back_len, &eb) ||
	    back_len != plain_len || memcmp(back, plain, plain_len))
		abort(); /* the round trip must give the same module */
	free(back);
	free(again);
	free(plain);
	return 0;
}
