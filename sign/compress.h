/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compress.h - compressed modules (.ko.xz, .ko.zst, .ko.gz), as Kbuild
 * writes them and as the kernel (CONFIG_MODULE_DECOMPRESS) and kmod read
 * them. The signature sits inside the compressed payload: a compressed
 * module is decompressed, signed as a plain one, and compressed again.
 *
 * Buffers in, buffers out; no file I/O. The format is told by the first
 * bytes, as kmod and the kernel do, never by the file name.
 */
#ifndef MODSIGN_COMPRESS_H
#define MODSIGN_COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util.h"

enum comp_type {
	COMP_NONE = 0,
	COMP_XZ,   /* liblzma; written as xz --check=crc32 --lzma2=dict=1MiB */
	COMP_ZSTD, /* libzstd; written as zstd -q (level 3, with checksum) */
	COMP_GZIP, /* zlib; written as gzip -n -9 */
};

/* A decompressed module larger than this is refused (a corrupt or hostile
 * file must not make the tool allocate without bound). */
#define COMP_MAX_OUT ((size_t)1 << 31)

/* The format of data[0..len), from its magic bytes. */
enum comp_type comp_detect(const uint8_t *data, size_t len);

/*
 * Whether the kernel's decompressor takes data[0..len) of format c as it
 * is: for xz, a stream whose integrity check is CRC32 or none (the
 * kernel's XZ decoder knows no other; the xz command's default is CRC64).
 * The other formats: always.
 */
int comp_kernel_ok(enum comp_type c, const uint8_t *data, size_t len);

/* "xz", "zstd", "gzip", or "none". */
const char *comp_name(enum comp_type c);

/*
 * comp_decompress - the whole of in[0..inlen), one stream/frame/member of
 * format c, with nothing after it. On success *out is malloc'ed (*outlen
 * bytes, at least one byte allocated). Returns 0, or -1 with the reason in
 * *eb (damaged data, wrong check, trailing bytes, too large).
 */
int comp_decompress(enum comp_type c, const uint8_t *in, size_t inlen,
		    uint8_t **out, size_t *outlen, struct errbuf *eb);

/*
 * comp_compress - compress the concatenation of iov[0..iovcnt) into one
 * stream of format c, with the options Kbuild uses, so that the kernel's
 * decompressor accepts it. On success *out is malloc'ed.
 */
int comp_compress(enum comp_type c, const struct iovec *iov, int iovcnt,
		  uint8_t **out, size_t *outlen, struct errbuf *eb);

#endif
