// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_kimage.c - libFuzzer target for the kernel image's certificates
 * (core/kimage.c): the same bytes as a bzImage (header, payload,
 * decompression) and as a decompressed kernel (the certificate candidates,
 * libcrypto on each, the system list's layout). ASan catches any read
 * outside them.
 */
#include <stdint.h>
#include <string.h>

#include "kimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_list l;

	memset(&l, 0, sizeof(l));
	kimage_certs(data, size, "fuzz", &l);
	cert_list_free(&l);
	memset(&l, 0, sizeof(l));
	kimage_scan(data, size, "fuzz", &l);
	cert_list_free(&l);
	return 0;
}
