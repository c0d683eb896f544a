// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_info.c - libFuzzer target for `modsign info` on a whole file: the
 * trailer, the PKCS#7 parse through libcrypto, and both output formats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "describe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct describe d;
	struct strbuf sb;
	uint8_t *copy;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	sb_init(&sb);
	if (describe_buf(copy, size, &d) == 0) {
		describe_format(&d, "fuzz.ko", 0, &sb);
		describe_format(&d, "fuzz.ko", 1, &sb);
	} else {
		describe_format_error("fuzz.ko", d.err.msg, &sb);
		if (d.err.msg[0] == '\0')
			abort(); /* every failure must say why */
	}
	sb_free(&sb);
	free(copy);
	/* nothing may be left on OpenSSL's error queue */
	if (ERR_peek_error() != 0)
		abort();
	return 0;
}
