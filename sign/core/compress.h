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
	COMP_XZ, /* liblzma; written as xz --check=crc32 --lzma2=dict=1MiB */
	COMP_ZSTD, /* libzstd; written as zstd -q (level 3, with checksum) */
	COMP_GZIP, /* zlib; written as gzip -n -9 */
};

/*
 * MODULE_MAX_MIB - modsign's limit on a module, in MiB: on the size of its
 * file and on what a compressed one decompresses to. A file, or a 50 KB
 * zstd bomb, of a few GiB must not make it allocate (or, at -j N, write)
 * as much: what is larger is refused before any allocation (files, and
 * compressed modules whose headers say their size) or as soon as the
 * decompressed bytes pass it. Debian's largest module is amdgpu.ko: 28 MiB
 * stripped (6.12; 19 MiB in 6.1), but 567 MiB with its debug information
 * (6.12's -dbg package; 339 MiB in 6.1), which is how Kbuild installs and
 * signs it when INSTALL_MOD_STRIP is not set. 1 GiB is far above the first
 * and leaves the second room to grow; it stays below the 2 GiB the kernel
 * reads at most (INT_MAX).
 */
#define MODULE_MAX_MIB 1024
#define MODULE_MAX ((size_t)MODULE_MAX_MIB << 20)
#define MODULE_LARGEST_MIB 567
/* the end of every message about the limit */
#define MODULE_LIMIT_FMT \
	"more than modsign's limit of %d MiB for a module (Debian's largest is %d MiB); not a module?"
#define MODULE_LIMIT_ARGS MODULE_MAX_MIB, MODULE_LARGEST_MIB

/* The format of data[0..len), from its magic bytes. */
enum comp_type comp_detect(const uint8_t *data, size_t len);

/*
 * Whether the kernel's decompressor takes data[0..len) of format c as it
 * is: for xz, a stream whose integrity check is CRC32 or none (the
 * kernel's XZ decoder knows no other; the xz command's default is CRC64);
 * for gzip, a header with no optional field but a file name (the only one
 * the kernel skips; gzip(1) writes no other). zstd: always.
 */
int comp_kernel_ok(enum comp_type c, const uint8_t *data, size_t len);

/* For a file comp_kernel_ok() calls unfit: why the kernel refuses it, what
 * it then says (its log and errno), and how to rewrite it by hand. "" for a
 * format it always takes. */
const char *comp_kernel_why(enum comp_type c);
const char *comp_kernel_says(enum comp_type c);
const char *comp_kernel_fix(enum comp_type c);

/* The format comp_name() calls name; COMP_NONE for any other. */
enum comp_type comp_by_name(const char *name);

/* "xz", "zstd", "gzip", or "none". */
const char *comp_name(enum comp_type c);

/*
 * comp_decompress - the whole of in[0..inlen), one stream/frame/member of
 * format c, with nothing after it. On success *out is malloc'ed (*outlen
 * bytes, at least one byte allocated). Returns 0, or -1 with the reason in
 * *eb (damaged data, wrong check, trailing bytes), -2 for more than
 * MODULE_MAX bytes (found from the headers, or as soon as decoding passes
 * it).
 */
int comp_decompress(enum comp_type c, const uint8_t *in, size_t inlen,
		    uint8_t **out, size_t *outlen, struct errbuf *eb);

/*
 * comp_decompress_sized - comp_decompress for data as the kernel's build
 * appends it to a compressed kernel (scripts/Makefile.lib, size_append):
 * one stream/frame/member, then its decompressed size as 4 little-endian
 * bytes. The size must match what the stream decompresses to (modulo
 * 2^32). Same returns as comp_decompress.
 */
int comp_decompress_sized(enum comp_type c, const uint8_t *in, size_t inlen,
			  uint8_t **out, size_t *outlen, struct errbuf *eb);

/*
 * comp_compress - compress the concatenation of iov[0..iovcnt) into one
 * stream of format c, with the options Kbuild uses, so that the kernel's
 * decompressor accepts it. On success *out is malloc'ed.
 */
int comp_compress(enum comp_type c, const struct iovec *iov, int iovcnt,
		  uint8_t **out, size_t *outlen, struct errbuf *eb);

#endif
