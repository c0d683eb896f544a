// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kimage.c - the certificates built into an x86 kernel image (kimage.h
 * says how they are found, and why so).
 */
#include "kimage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "compress.h"

/* The setup header of the x86 boot protocol (boot.rst): offsets into the
 * image, and the version that brought payload_offset and payload_length */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_MAGIC 0x202 /* "HdrS" */
#define HDR_VERSION 0x206
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END 0x250
#define PROTOCOL_PAYLOAD 0x0208

/* A certificate list longer than this is no kernel's */
#define MAX_CANDIDATES 4096

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int kimage_payload(const uint8_t *img, size_t len, size_t *off, size_t *plen,
		   struct errbuf *eb)
{
	unsigned setup_sects, version;
	uint32_t po, pl;

	if (len < HDR_END || memcmp(img + HDR_MAGIC, "HdrS", 4)) {
		eb_set(eb, "not an x86 bzImage (no \"HdrS\" boot header)");
		return -1;
	}
	version = (unsigned)img[HDR_VERSION] | (unsigned)img[HDR_VERSION + 1]
						       << 8;
	if (version < PROTOCOL_PAYLOAD) {
		eb_set(eb,
		       "boot protocol %u.%02u is older than 2.08: no payload fields",
		       version >> 8, version & 0xff);
		return -1;
	}
	/* 0 means 4, for the oldest boot loaders' sake (boot.rst) */
	setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	po = le32(img + HDR_PAYLOAD_OFFSET);
	pl = le32(img + HDR_PAYLOAD_LENGTH);
	/* payload_offset counts from the protected-mode code, which starts
	 * after the boot sector and the setup sectors */
	*off = ((size_t)setup_sects + 1) * 512 + po;
	*plen = pl;
	if (*off > len || pl > len - *off || pl < 4) {
		eb_set(eb,
		       "its payload (%u bytes at %zu) does not fit in the %zu-byte image",
		       pl, *off, len);
		return -1;
	}
	return 0;
}

/* A compression the kernel knows and modsign does not decode, by its
 * magic; NULL when none of them. */
static const char *other_compression(const uint8_t *p, size_t n)
{
	if (n >= 3 && !memcmp(p, "BZh", 3))
		return "bzip2";
	if (n >= 3 && !memcmp(p, "\x5d\x00\x00", 3))
		return "lzma";
	if (n >= 4 && !memcmp(p, "\x89LZO", 4))
		return "lzo";
	if (n >= 4 && !memcmp(p, "\x02\x21\x4c\x18", 4))
		return "lz4";
	return NULL;
}

/* ---- the certificate list ---- */

struct cand {
	size_t off, len;
	struct cert_id c;
};

/* Whether the certificates k[start..end), of which the first is first_len
 * bytes, are laid out as certs/system_certificates.S lays out the system
 * certificate list: from an 8-byte boundary, zero padding to the next one,
 * then module_cert_size and system_certificate_list_size. */
static int system_list_at(const uint8_t *k, size_t len, size_t start,
			  size_t end, size_t first_len)
{
	size_t a = (end + 7) & ~(size_t)7, i;

	if (start % 8 || a < end || a > len || len - a < 16)
		return 0;
	for (i = end; i < a; i++)
		if (k[i])
			return 0;
	return le64(k + a) == first_len && le64(k + a + 8) == end - start;
}

/* The DER certificates whose first bytes are a SEQUENCE with a two-byte
 * length holding another such (tbsCertificate) that starts with version
 * v3 (a0 03 02 01 02), in order; those libcrypto parses to exactly the
 * length their header gives. Returns how many are in *out (malloc'ed), or
 * -1 when out of memory. */
static long find_candidates(const uint8_t *k, size_t len, const char *source,
			    struct cand **out)
{
	static const uint8_t v3[5] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
	const uint8_t *p = k, *hit;
	struct cand *c = NULL;
	long n = 0;

	*out = NULL;
	while (len >= 13 &&
	       (hit = memmem(p, len - (size_t)(p - k), v3, sizeof(v3)))) {
		size_t at = (size_t)(hit - k), dlen;
		struct errbuf eb;
		struct cert_id id;

		p = hit + 1;
		if (at < 8)
			continue;
		at -= 8;
		if (k[at] != 0x30 || k[at + 1] != 0x82 || k[at + 4] != 0x30 ||
		    k[at + 5] != 0x82)
			continue;
		dlen = 4 + ((size_t)k[at + 2] << 8 | k[at + 3]);
		if (dlen > len - at ||
		    cert_id_from_der(k + at, dlen, source, &id, &eb)) {
			ERR_clear_error();
			continue;
		}
		if (n == MAX_CANDIDATES) {
			cert_id_free(&id);
			break;
		}
		if (n % 16 == 0) {
			struct cand *g =
				realloc(c, ((size_t)n + 16) * sizeof(*c));

			if (!g) {
				cert_id_free(&id);
				goto nomem;
			}
			c = g;
		}
		c[n].off = at;
		c[n].len = dlen;
		c[n].c = id;
		n++;
		/* the next certificate starts after this one at the earliest */
		p = k + at + dlen;
	}
	*out = c;
	return n;
nomem:
	while (n--)
		cert_id_free(&c[n].c);
	free(c);
	return -1;
}

void kimage_scan(const uint8_t *k, size_t len, const char *source,
		 struct cert_list *l)
{
	struct cand *c;
	long n, i, j, kept = 0;

	l->status = LIST_UNKNOWN;
	n = find_candidates(k, len, source, &c);
	if (n < 0) {
		snprintf(l->why, sizeof(l->why), "out of memory");
		return;
	}
	for (i = 0; i < n; i = j) {
		int take;

		/* a run: each certificate right after the one before */
		for (j = i + 1;
		     j < n && c[j].off == c[j - 1].off + c[j - 1].len; j++)
			;
		take = system_list_at(k, len, c[i].off,
				      c[j - 1].off + c[j - 1].len, c[i].len);
		for (; i < j; i++) {
			if (!take) {
				cert_id_free(&c[i].c);
				continue;
			}
			if (cert_list_add(l, &c[i].c)) {
				snprintf(l->why, sizeof(l->why),
					 "out of memory");
				kept = -1;
			} else if (kept >= 0) {
				kept++;
			}
		}
	}
	free(c);
	if (kept > 0) {
		l->status = LIST_OK;
		return;
	}
	if (kept == 0)
		snprintf(
			l->why, sizeof(l->why),
			"no system certificate list in the kernel (%ld certificate%s elsewhere in it)",
			n, n == 1 ? "" : "s");
}

void kimage_certs(const uint8_t *img, size_t len, const char *source,
		  struct cert_list *l)
{
	struct errbuf eb;
	size_t off, plen, klen;
	uint8_t *k;
	enum comp_type ct;
	const char *other;
	int r;

	l->status = LIST_UNKNOWN;
	if (kimage_payload(img, len, &off, &plen, &eb)) {
		snprintf(l->why, sizeof(l->why), "%.400s", eb.msg);
		return;
	}
	ct = comp_detect(img + off, plen);
	if (ct == COMP_NONE) {
		other = other_compression(img + off, plen);
		if (other)
			snprintf(
				l->why, sizeof(l->why),
				"the kernel is %s-compressed, which modsign does not read (it reads xz, zstd and gzip)",
				other);
		else
			snprintf(
				l->why, sizeof(l->why),
				"the kernel's compression is not one modsign knows");
		return;
	}
	/* what the image says it decompresses to, before any allocation */
	if (le32(img + off + plen - 4) > KIMAGE_KERNEL_MAX) {
		snprintf(
			l->why, sizeof(l->why),
			"the kernel says it decompresses to %u bytes, more than modsign's limit of %d MiB for a kernel",
			le32(img + off + plen - 4), KIMAGE_KERNEL_MAX_MIB);
		return;
	}
	r = comp_decompress_sized(ct, img + off, plen, &k, &klen, &eb);
	if (r) {
		snprintf(l->why, sizeof(l->why), "compressed kernel: %.400s",
			 eb.msg);
		return;
	}
	kimage_scan(k, klen, source, l);
	free(k);
}
