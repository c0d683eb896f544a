// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * compress.c - xz (liblzma), zstd (libzstd) and gzip (zlib) for compressed
 * modules.
 *
 * The writers use what the 6.12 kernel's scripts/Makefile.modinst runs:
 *   xz --check=crc32 --lzma2=dict=1MiB   the kernel's XZ decoder checks
 *                                        CRC32 only, and 1 MiB is the
 *                                        dictionary Kbuild picks
 *   zstd -q                              level 3, content size and
 *                                        checksum in the frame header
 *   gzip -n -9                           no name, no time stamp (the
 *                                        kernel skips only a name field)
 * The xz writer gives exactly the bytes of the xz command (and of Debian's
 * own .ko.xz files); the tests check that.
 *
 * The readers accept exactly one stream (xz), frame (zstd) or member (gzip)
 * with nothing after it, as the kernel's decompressor does.
 *
 * Each format is one row of formats[] at the end (magic, name, reader,
 * writer, what the kernel takes), as kmod's comp_types[]: a new format is
 * its two functions and one row.
 */
#include "compress.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

/* ---- an output buffer that grows up to MODULE_MAX (+1) ---- */

struct outbuf {
	uint8_t *p;
	size_t cap, used;
	int over; /* refused for MODULE_MAX */
};

/* "it decompresses to [N bytes,] more than modsign's limit..."; size 0:
 * not known, only that it is more */
static void too_large(struct outbuf *o, struct errbuf *eb, const char *how,
		      uint64_t size)
{
	o->over = 1;
	if (size)
		eb_set(eb,
		       "%s it decompresses to %llu bytes, " MODULE_LIMIT_FMT,
		       how, (unsigned long long)size, MODULE_LIMIT_ARGS);
	else
		eb_set(eb, "it decompresses to " MODULE_LIMIT_FMT,
		       MODULE_LIMIT_ARGS);
}

static int outbuf_init(struct outbuf *o, size_t hint, struct errbuf *eb)
{
	/* one spare byte: a buffer filled exactly to a right size hint is
	 * then never mistaken for "more output follows" */
	if (hint > MODULE_MAX)
		hint = MODULE_MAX;
	o->cap = hint + 1 < 4096 ? 4096 : hint + 1;
	o->used = 0;
	o->p = malloc(o->cap);
	if (!o->p) {
		eb_set(eb, "out of memory (%zu bytes)", o->cap);
		return -1;
	}
	return 0;
}

static int outbuf_grow(struct outbuf *o, struct errbuf *eb)
{
	size_t ncap;
	uint8_t *n;

	/* full at MODULE_MAX + 1 bytes: more than the limit, stop here */
	if (o->cap > MODULE_MAX) {
		too_large(o, eb, NULL, 0);
		return -1;
	}
	ncap = o->cap > MODULE_MAX / 2 ? MODULE_MAX + 1 : o->cap * 2;
	n = realloc(o->p, ncap);
	if (!n) {
		eb_set(eb, "out of memory (%zu bytes)", ncap);
		return -1;
	}
	o->p = n;
	o->cap = ncap;
	return 0;
}

static void outbuf_free(struct outbuf *o)
{
	free(o->p);
	o->p = NULL;
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;
	int i;

	for (i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* ---- xz ---- */

static const char *lzma_why(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_MEMLIMIT_ERROR:
		return "it needs more than 128 MiB of memory to decode (damaged, or xz options no module uses)";
	case LZMA_FORMAT_ERROR:
		return "not an xz stream";
	case LZMA_OPTIONS_ERROR:
		return "unsupported xz options";
	case LZMA_DATA_ERROR:
		return "damaged xz data";
	case LZMA_BUF_ERROR:
		return "truncated xz data";
	case LZMA_UNSUPPORTED_CHECK:
		return "unsupported xz integrity check";
	default:
		return "xz error";
	}
}

/* What liblzma may allocate to decode one stream (its dictionary and its
 * index). Kbuild's modules need a 1 MiB dictionary and xz -9 one of 64 MiB;
 * without a limit, a damaged index can ask for terabytes (found by
 * fuzz_compress). */
#define XZ_MEMLIMIT ((uint64_t)128 << 20)

/* The uncompressed size from the stream's index, or 0 when unknown. */
static uint64_t xz_index_size(const uint8_t *in, size_t inlen)
{
	lzma_stream_flags flags;
	lzma_index *idx = NULL;
	uint64_t memlimit = XZ_MEMLIMIT, size;
	size_t pos = 0;

	if (inlen < 2 * LZMA_STREAM_HEADER_SIZE ||
	    lzma_stream_footer_decode(
		    &flags, in + inlen - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
	    flags.backward_size > inlen - 2 * LZMA_STREAM_HEADER_SIZE)
		return 0;
	if (lzma_index_buffer_decode(&idx, &memlimit, NULL,
				     in + inlen - LZMA_STREAM_HEADER_SIZE -
					     flags.backward_size,
				     &pos, flags.backward_size) != LZMA_OK)
		return 0;
	size = lzma_index_uncompressed_size(idx);
	lzma_index_end(idx, NULL);
	return size;
}

static int xz_decompress(const uint8_t *in, size_t inlen, struct outbuf *o,
			 struct errbuf *eb)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	uint64_t size = xz_index_size(in, inlen);
	size_t hint;
	int ret = -1;

	/* the index is checked (CRC32) when it is decoded: more than the
	 * limit, or a damaged stream, refused either way */
	if (size > MODULE_MAX) {
		too_large(o, eb, "its xz index says", size);
		return -1;
	}
	/* a claim out of all proportion is not believed: grow instead */
	hint = size && size / 1024 <= inlen ? (size_t)size : 4 * inlen;
	/* one stream: without LZMA_CONCATENATED, decoding stops at its end */
	r = lzma_stream_decoder(&s, XZ_MEMLIMIT, 0);
	if (r != LZMA_OK) {
		eb_set(eb, "cannot start the xz decoder: %s", lzma_why(r));
		return -1;
	}
	if (outbuf_init(o, hint, eb))
		goto out;
	s.next_in = in;
	s.avail_in = inlen;
	for (;;) {
		s.next_out = o->p + o->used;
		s.avail_out = o->cap - o->used;
		r = lzma_code(&s, LZMA_FINISH);
		o->used = o->cap - s.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			eb_set(eb, "cannot decompress (xz): %s", lzma_why(r));
			goto out;
		}
		if (s.avail_out == 0 && outbuf_grow(o, eb))
			goto out;
	}
	if (s.avail_in) {
		eb_set(eb, "%zu bytes follow the xz stream", s.avail_in);
		goto out;
	}
	ret = 0;
out:
	lzma_end(&s);
	return ret;
}

static int xz_compress(const struct iovec *iov, int iovcnt, struct outbuf *o,
		       struct errbuf *eb)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	lzma_filter filters[2];
	lzma_ret r;
	int i, ret = -1;

	/* xz --lzma2=dict=1MiB: the default preset, then the dictionary */
	if (lzma_lzma_preset(&opt, LZMA_PRESET_DEFAULT)) {
		eb_set(eb, "liblzma has no default preset");
		return -1;
	}
	opt.dict_size = 1u << 20;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	r = lzma_stream_encoder(&s, filters, LZMA_CHECK_CRC32);
	if (r != LZMA_OK) {
		eb_set(eb, "cannot start the xz encoder: %s", lzma_why(r));
		return -1;
	}
	o->cap = lzma_stream_buffer_bound(iov_total(iov, iovcnt));
	o->used = 0;
	o->p = malloc(o->cap ? o->cap : 1);
	if (!o->cap || !o->p) {
		eb_set(eb, "out of memory compressing (xz)");
		goto out;
	}
	s.next_out = o->p;
	s.avail_out = o->cap;
	for (i = 0; i <= iovcnt; i++) {
		lzma_action act = i < iovcnt ? LZMA_RUN : LZMA_FINISH;

		s.next_in = i < iovcnt ? iov[i].iov_base : NULL;
		s.avail_in = i < iovcnt ? iov[i].iov_len : 0;
		do {
			r = lzma_code(&s, act);
			if (r != LZMA_OK && r != LZMA_STREAM_END) {
				eb_set(eb, "cannot compress (xz): %s",
				       lzma_why(r));
				goto out;
			}
		} while (act == LZMA_FINISH ? r != LZMA_STREAM_END :
					      s.avail_in != 0);
	}
	o->used = o->cap - s.avail_out;
	ret = 0;
out:
	lzma_end(&s);
	return ret;
}

/* ---- zstd ---- */

/* 128 MiB, libzstd's default limit, stated: a frame asking for more is
 * refused (frameParameter_windowTooLarge) before it allocates */
#define ZSTD_WINDOW_LOG_MAX 27

static int zstd_decompress(const uint8_t *in, size_t inlen, struct outbuf *o,
			   struct errbuf *eb)
{
	ZSTD_DStream *ds = NULL;
	unsigned long long size;
	size_t fsize, r;
	ZSTD_inBuffer ib = { in, inlen, 0 };
	int ret = -1;

	fsize = ZSTD_findFrameCompressedSize(in, inlen);
	if (ZSTD_isError(fsize)) {
		eb_set(eb, "cannot decompress (zstd): %s",
		       ZSTD_getErrorName(fsize));
		return -1;
	}
	if (fsize != inlen) {
		eb_set(eb, "%zu bytes follow the zstd frame", inlen - fsize);
		return -1;
	}
	size = ZSTD_getFrameContentSize(in, inlen);
	if (size == ZSTD_CONTENTSIZE_ERROR) {
		eb_set(eb, "cannot decompress (zstd): damaged frame header");
		return -1;
	}
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > MODULE_MAX) {
		too_large(o, eb, "its zstd frame header says", size);
		return -1;
	}
	/* the size in the header is a hint: a claim out of all proportion is
	 * not believed, the buffer grows instead */
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size / 1024 > inlen)
		size = 4 * (unsigned long long)inlen;
	if (outbuf_init(o, (size_t)size, eb))
		return -1;
	ds = ZSTD_createDStream();
	if (!ds) {
		eb_set(eb, "out of memory (zstd)");
		return -1;
	}
	/* the window (memory besides the output) as the zstd command allows
	 * it without --long: enough for every level up to --ultra -22 */
	r = ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax,
				   ZSTD_WINDOW_LOG_MAX);
	if (ZSTD_isError(r)) {
		eb_set(eb, "cannot set up the zstd decoder: %s",
		       ZSTD_getErrorName(r));
		goto out;
	}
	for (;;) {
		ZSTD_outBuffer ob = { o->p, o->cap, o->used };

		r = ZSTD_decompressStream(ds, &ob, &ib);
		o->used = ob.pos;
		if (ZSTD_isError(r)) {
			eb_set(eb, "cannot decompress (zstd): %s",
			       ZSTD_getErrorName(r));
			goto out;
		}
		if (r == 0)
			break; /* the frame is complete and checked */
		if (o->used == o->cap) {
			if (outbuf_grow(o, eb))
				goto out;
		} else if (ib.pos == ib.size) {
			eb_set(eb, "cannot decompress (zstd): truncated frame");
			goto out;
		}
	}
	ret = 0;
out:
	ZSTD_freeDStream(ds);
	return ret;
}

static int zstd_compress(const struct iovec *iov, int iovcnt, struct outbuf *o,
			 struct errbuf *eb)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t total = iov_total(iov, iovcnt), r;
	ZSTD_outBuffer ob;
	int i, ret = -1;

	if (!cc) {
		eb_set(eb, "out of memory (zstd)");
		return -1;
	}
	/* what the zstd command does for a file: default level, frame
	 * checksum, content size in the header */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel,
						ZSTD_CLEVEL_DEFAULT)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(
		    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cc, total))) {
		eb_set(eb, "cannot set up the zstd encoder");
		goto out;
	}
	o->cap = ZSTD_compressBound(total);
	o->used = 0;
	o->p = malloc(o->cap);
	if (!o->p) {
		eb_set(eb, "out of memory compressing (zstd)");
		goto out;
	}
	ob.dst = o->p;
	ob.size = o->cap;
	ob.pos = 0;
	for (i = 0; i <= iovcnt; i++) {
		ZSTD_EndDirective end = i < iovcnt ? ZSTD_e_continue :
						     ZSTD_e_end;
		ZSTD_inBuffer ib = { i < iovcnt ? iov[i].iov_base : NULL,
				     i < iovcnt ? iov[i].iov_len : 0, 0 };

		do {
			r = ZSTD_compressStream2(cc, &ob, &ib, end);
			if (ZSTD_isError(r)) {
				eb_set(eb, "cannot compress (zstd): %s",
				       ZSTD_getErrorName(r));
				goto out;
			}
		} while (end == ZSTD_e_end ? r != 0 : ib.pos < ib.size);
	}
	o->used = ob.pos;
	ret = 0;
out:
	ZSTD_freeCCtx(cc);
	return ret;
}

/* ---- gzip ---- */

static int gzip_decompress(const uint8_t *in, size_t inlen, struct outbuf *o,
			   struct errbuf *eb)
{
	z_stream z;
	size_t hint = 0;
	int r, ret = -1;

	if (inlen > UINT_MAX) {
		eb_set(eb, "too large for gzip");
		return -1;
	}
	/* ISIZE, the size modulo 2^32, ends the member: a hint only */
	if (inlen >= 18)
		hint = (size_t)in[inlen - 4] | (size_t)in[inlen - 3] << 8 |
		       (size_t)in[inlen - 2] << 16 |
		       (size_t)in[inlen - 1] << 24;
	if (hint / 1024 > inlen)
		hint = 4 * inlen;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		eb_set(eb, "cannot start the gzip decoder");
		return -1;
	}
	if (outbuf_init(o, hint, eb))
		goto out;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	for (;;) {
		size_t room = o->cap - o->used;

		z.next_out = o->p + o->used;
		z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		r = inflate(&z, Z_FINISH);
		o->used = (size_t)(z.next_out - o->p);
		if (r == Z_STREAM_END)
			break;
		if (r == Z_NEED_DICT || r == Z_DATA_ERROR || r == Z_MEM_ERROR ||
		    r == Z_STREAM_ERROR) {
			eb_set(eb, "cannot decompress (gzip): %s",
			       z.msg ? z.msg : "damaged data");
			goto out;
		}
		if (o->used == o->cap) {
			if (outbuf_grow(o, eb))
				goto out;
		} else if (z.avail_in == 0) {
			eb_set(eb, "cannot decompress (gzip): truncated data");
			goto out;
		}
	}
	if (z.avail_in) {
		eb_set(eb, "%u bytes follow the gzip member", z.avail_in);
		goto out;
	}
	ret = 0;
out:
	inflateEnd(&z);
	return ret;
}

static int gzip_compress(const struct iovec *iov, int iovcnt, struct outbuf *o,
			 struct errbuf *eb)
{
	size_t total = iov_total(iov, iovcnt);
	z_stream z;
	int i, r, ret = -1;

	if (total > UINT_MAX / 2) {
		eb_set(eb, "too large for gzip");
		return -1;
	}
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper with no name and time 0, the
	 * header gzip -n writes */
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		eb_set(eb, "cannot start the gzip encoder");
		return -1;
	}
	o->cap = deflateBound(&z, (uLong)total);
	o->used = 0;
	o->p = malloc(o->cap);
	if (!o->p) {
		eb_set(eb, "out of memory compressing (gzip)");
		goto out;
	}
	z.next_out = o->p;
	z.avail_out = (uInt)o->cap;
	for (i = 0; i <= iovcnt; i++) {
		int flush = i < iovcnt ? Z_NO_FLUSH : Z_FINISH;

		z.next_in = i < iovcnt ? iov[i].iov_base : NULL;
		z.avail_in = i < iovcnt ? (uInt)iov[i].iov_len : 0;
		do {
			r = deflate(&z, flush);
			if (r != Z_OK && r != Z_STREAM_END) {
				eb_set(eb, "cannot compress (gzip): %s",
				       z.msg ? z.msg : "zlib error");
				goto out;
			}
		} while (flush == Z_FINISH ? r != Z_STREAM_END :
					     z.avail_in != 0);
	}
	o->used = o->cap - z.avail_out;
	ret = 0;
out:
	deflateEnd(&z);
	return ret;
}

/* ---- the table: one row per format ---- */

/* the stream header: magic, then flags 0x00 and the check ID (CRC32 or
 * none; the kernel's XZ decoder knows no other) */
static int xz_kernel_ok(const uint8_t *data, size_t len)
{
	return len >= 8 && data[6] == 0 && data[7] <= 0x01;
}

/*
 * The kernel's gzip reader (kernel/module/decompress.c,
 * module_gzip_header_len) takes the 10-byte header and skips a file name
 * (FNAME), then inflates raw deflate data from there: an extra field
 * (FEXTRA), a comment (FCOMMENT), a header CRC (FHCRC) or a reserved flag
 * is read as deflate data and fails. Its method must be deflate (8).
 */
static int gzip_kernel_ok(const uint8_t *data, size_t len)
{
	return len >= 10 && data[2] == 8 && !(data[3] & 0xf6);
}

struct comp_format {
	enum comp_type type;
	const char *name;
	uint8_t magic[6];
	size_t magic_len;
	int (*decompress)(const uint8_t *in, size_t inlen, struct outbuf *o,
			  struct errbuf *eb);
	int (*compress)(const struct iovec *iov, int iovcnt, struct outbuf *o,
			struct errbuf *eb);
	/* whether the kernel's decompressor takes it as it is; NULL: always */
	int (*kernel_ok)(const uint8_t *data, size_t len);
	/* when it does not: why, what the kernel says, how to rewrite it */
	const char *kernel_why, *kernel_says, *kernel_fix;
};

/* in the order comp_detect tries them; kept one row per format by hand */
/* clang-format off */
static const struct comp_format formats[] = {
	{ COMP_XZ, "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6,
	  xz_decompress, xz_compress, xz_kernel_ok,
	  "its xz check is not CRC32 (xz's default is CRC64), which the kernel's own xz decoder refuses",
	  "\"decompression failed with status 6\", Invalid argument",
	  "recompress it with a CRC32 check, as Kbuild does: unxz it, then xz --check=crc32 --lzma2=dict=1MiB the .ko" },
	{ COMP_ZSTD, "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4,
	  zstd_decompress, zstd_compress, NULL, NULL, NULL, NULL },
	{ COMP_GZIP, "gzip", { 0x1f, 0x8b }, 2,
	  gzip_decompress, gzip_compress, gzip_kernel_ok,
	  "its gzip header has fields the kernel's own gzip reader does not skip (an extra field, a comment or a header CRC: it skips only a file name)",
	  "\"decompression failed with status N\", Invalid argument",
	  "recompress it without them: gunzip it, then gzip the .ko" },
};
/* clang-format on */

/* the row of c, or NULL for COMP_NONE (and anything not in the table) */
static const struct comp_format *format_of(enum comp_type c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].type == c)
			return &formats[i];
	return NULL;
}

enum comp_type comp_detect(const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (len >= formats[i].magic_len &&
		    !memcmp(data, formats[i].magic, formats[i].magic_len))
			return formats[i].type;
	return COMP_NONE;
}

enum comp_type comp_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i].name, name))
			return formats[i].type;
	return COMP_NONE;
}

int comp_kernel_ok(enum comp_type c, const uint8_t *data, size_t len)
{
	const struct comp_format *f = format_of(c);

	return f && f->kernel_ok ? f->kernel_ok(data, len) : 1;
}

const char *comp_kernel_why(enum comp_type c)
{
	const struct comp_format *f = format_of(c);

	return f && f->kernel_why ? f->kernel_why : "";
}

const char *comp_kernel_says(enum comp_type c)
{
	const struct comp_format *f = format_of(c);

	return f && f->kernel_says ? f->kernel_says : "";
}

const char *comp_kernel_fix(enum comp_type c)
{
	const struct comp_format *f = format_of(c);

	return f && f->kernel_fix ? f->kernel_fix : "";
}

const char *comp_name(enum comp_type c)
{
	const struct comp_format *f = format_of(c);

	return f ? f->name : "none";
}

int comp_decompress(enum comp_type c, const uint8_t *in, size_t inlen,
		    uint8_t **out, size_t *outlen, struct errbuf *eb)
{
	const struct comp_format *f = format_of(c);
	struct outbuf o = { NULL, 0, 0, 0 };
	int r;

	if (f) {
		r = f->decompress(in, inlen, &o, eb);
	} else {
		eb_set(eb, "not compressed");
		r = -1;
	}
	/* the spare byte of a full buffer was used: one byte too many */
	if (r == 0 && o.used > MODULE_MAX) {
		too_large(&o, eb, NULL, 0);
		r = -1;
	}
	if (r) {
		outbuf_free(&o);
		return o.over ? -2 : -1;
	}
	*out = o.p;
	*outlen = o.used;
	return 0;
}

int comp_decompress_sized(enum comp_type c, const uint8_t *in, size_t inlen,
			  uint8_t **out, size_t *outlen, struct errbuf *eb)
{
	const uint8_t *t;
	uint32_t want;
	int r;

	if (inlen < 4) {
		eb_set(eb, "%zu bytes: too short for a stream and its size",
		       inlen);
		return -1;
	}
	t = in + inlen - 4;
	want = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
	       (uint32_t)t[3] << 24;
	r = comp_decompress(c, in, inlen - 4, out, outlen, eb);
	if (r)
		return r;
	if ((uint32_t)*outlen != want) {
		eb_set(eb,
		       "it decompresses to %zu bytes, but the size after it says %u",
		       *outlen, want);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int comp_compress(enum comp_type c, const struct iovec *iov, int iovcnt,
		  uint8_t **out, size_t *outlen, struct errbuf *eb)
{
	const struct comp_format *f = format_of(c);
	struct outbuf o = { NULL, 0, 0, 0 };
	int r;

	if (f) {
		r = f->compress(iov, iovcnt, &o, eb);
	} else {
		eb_set(eb, "no compression to apply");
		r = -1;
	}
	if (r) {
		outbuf_free(&o);
		return -1;
	}
	*out = o.p;
	*outlen = o.used;
	return 0;
}
