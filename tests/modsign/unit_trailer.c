// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_trailer.c - unit tests for modsign's trailer parser
 * (sign/core/trailer.c) and, on crafted signatures, its PKCS#7 description
 * (sign/core/describe.c).
 *
 * Every input is handed to the parser in a malloc'ed buffer of exactly its
 * length, so under AddressSanitizer (make -C sign check) any read outside
 * the file fails the run. Prints `PASS name` / `FAIL name: why` per test and
 * closes with `unit_trailer: N passed, N failed`; exits 1 when any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "describe.h"
#include "trailer.h"

#include "unit.h"

/* ---- building inputs ---- */

static void put_le(uint8_t *p, uint64_t v, unsigned w)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned w)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[w - 1 - i] = (uint8_t)(v >> (8 * i));
}

/*
 * A small ELF64 relocatable image: header, `payload` bytes of one PROGBITS
 * section, then a two-entry section header table at the end, the way a
 * linked .ko ends. Its headers say the image is exactly this long.
 */
static struct buf elf64(size_t payload)
{
	struct buf b;
	uint8_t *sh;

	b.len = 64 + payload + 2 * 64;
	b.p = calloc(1, b.len);
	memcpy(b.p,
	       "\x7f"
	       "ELF",
	       4);
	b.p[4] = 2; /* ELFCLASS64 */
	b.p[5] = 1; /* little endian */
	b.p[6] = 1;
	put_le(b.p + 16, 1, 2); /* ET_REL */
	put_le(b.p + 18, 62, 2); /* x86-64 */
	put_le(b.p + 20, 1, 4);
	put_le(b.p + 0x28, 64 + payload, 8); /* e_shoff */
	put_le(b.p + 0x34, 64, 2); /* e_ehsize */
	put_le(b.p + 0x3a, 64, 2); /* e_shentsize */
	put_le(b.p + 0x3c, 2, 2); /* e_shnum */
	memset(b.p + 64, 0xab, payload);
	sh = b.p + 64 + payload + 64; /* section 1 */
	put_le(sh + 4, 1, 4); /* SHT_PROGBITS */
	put_le(sh + 0x18, 64, 8);
	put_le(sh + 0x20, payload, 8);
	return b;
}

/* The same idea as a 32-bit big-endian image. */
static struct buf elf32be(size_t payload)
{
	struct buf b;
	uint8_t *sh;

	b.len = 52 + payload + 2 * 40;
	b.p = calloc(1, b.len);
	memcpy(b.p,
	       "\x7f"
	       "ELF",
	       4);
	b.p[4] = 1; /* ELFCLASS32 */
	b.p[5] = 2; /* big endian */
	b.p[6] = 1;
	put_be(b.p + 0x20, 52 + payload, 4); /* e_shoff */
	put_be(b.p + 0x2e, 40, 2); /* e_shentsize */
	put_be(b.p + 0x30, 2, 2); /* e_shnum */
	sh = b.p + 52 + payload + 40;
	put_be(sh + 4, 1, 4);
	put_be(sh + 0x10, 52, 4);
	put_be(sh + 0x14, payload, 4);
	return b;
}

static void truncate_to(struct buf *b, size_t len)
{
	struct buf n = from_bytes(b->p, len);

	free(b->p);
	*b = n;
}

/* Appends the info block and magic that close a `siglen`-byte signature. */
static void append_trailer(struct buf *b, uint32_t siglen)
{
	uint8_t tail[TRAILER_FIXED_LEN];

	trailer_build_info(siglen, tail);
	append(b, tail, sizeof(tail));
}

/* Appends a signature trailer around `siglen` bytes of fake signature. */
static void sign_fake(struct buf *b, uint32_t siglen)
{
	uint8_t *sig = malloc(siglen ? siglen : 1);

	memset(sig, 0x30, siglen);
	append(b, sig, siglen);
	append_trailer(b, siglen);
	free(sig);
}

/* Sets a byte of the 12-byte info block: 0 algo .. 7 pad[2] */
static void set_info(struct buf *b, unsigned field, uint8_t v)
{
	b->p[b->len - TRAILER_FIXED_LEN + field] = v;
}

static void set_sig_len(struct buf *b, uint32_t v)
{
	put_be(b->p + b->len - TRAILER_FIXED_LEN + 8, v, 4);
}

static enum trailer_status parse(const struct buf *b, struct trailer *t)
{
	struct buf exact = from_bytes(b->p, b->len);
	enum trailer_status st = trailer_parse(exact.p, exact.len, t);
	char msg[512];

	/* every status can be explained, in any buffer size */
	trailer_explain(st, t, exact.len, msg, sizeof(msg));
	check(msg[0] != '\0', "empty explanation for status %d", st);
	trailer_explain(st, t, exact.len, msg, 1);
	check(msg[0] == '\0', "explanation overflowed a 1-byte buffer");
	free(exact.p);
	return st;
}

static void expect_status(const struct buf *b, enum trailer_status want)
{
	struct trailer t;
	enum trailer_status got = parse(b, &t);

	check(got == want, "status %d (%s), want %d (%s)", got,
	      trailer_strerror(got), want, trailer_strerror(want));
}

/* ---- tests ---- */

TEST(empty_file)
{
	struct trailer t;
	struct buf b = from_bytes("", 0);

	expect_status(&b, TRAILER_EMPTY);
	check(trailer_parse(NULL, 0, &t) == TRAILER_EMPTY, "NULL buffer");
	check(trailer_count(NULL, 0, NULL, NULL) == 0, "count of nothing");
	free(b.p);
}

TEST(not_elf)
{
	struct buf b = from_bytes("hello, world\n", 13);

	expect_status(&b, TRAILER_NOT_ELF);
	free(b.p);
	b = from_bytes("\x7f"
		       "EL",
		       3);
	expect_status(&b, TRAILER_NOT_ELF);
	free(b.p);
	b = from_bytes("\x7f", 1);
	expect_status(&b, TRAILER_NOT_ELF);
	free(b.p);
}

TEST(unsigned_elf64)
{
	struct trailer t;
	struct buf b = elf64(100);

	check(parse(&b, &t) == TRAILER_UNSIGNED, "not unsigned");
	check(t.module_len == b.len, "module_len %zu", t.module_len);
	check(t.elf_end == b.len, "elf_end %llu, want %zu",
	      (unsigned long long)t.elf_end, b.len);
	free(b.p);
}

TEST(unsigned_elf32_big_endian)
{
	struct trailer t;
	struct buf b = elf32be(33);

	check(parse(&b, &t) == TRAILER_UNSIGNED, "not unsigned");
	check(t.elf_end == b.len, "elf_end %llu, want %zu",
	      (unsigned long long)t.elf_end, b.len);
	free(b.p);
}

TEST(elf_header_only)
{
	/* the ELF magic and a header cut short: unsigned, headers unknown */
	struct trailer t;
	struct buf b = elf64(0);

	truncate_to(&b, 40);
	check(parse(&b, &t) == TRAILER_UNSIGNED, "status");
	check(t.elf_end == 0, "elf_end of a short header");
	free(b.p);
}

TEST(signed_once)
{
	struct trailer t;
	struct buf b = elf64(200);
	size_t mod = b.len;
	unsigned n;
	size_t base;
	enum trailer_status inner;

	sign_fake(&b, 77);
	check(parse(&b, &t) == TRAILER_OK, "not OK");
	check(t.module_len == mod, "module_len %zu, want %zu", t.module_len,
	      mod);
	check(t.sig_off == mod && t.sig_len == 77, "sig at %zu len %zu",
	      t.sig_off, t.sig_len);
	check(t.id_type == TRAILER_ID_PKCS7, "id_type");
	check(t.elf_end == mod, "elf_end");
	n = trailer_count(b.p, b.len, &base, &inner);
	check(n == 1 && base == mod && inner == TRAILER_UNSIGNED,
	      "count %u base %zu inner %d", n, base, inner);
	free(b.p);
}

TEST(stacked_signatures)
{
	struct buf b = elf64(64);
	size_t mod = b.len, once;
	unsigned n;
	size_t base;
	enum trailer_status inner;
	struct trailer t;

	sign_fake(&b, 50);
	once = b.len;
	sign_fake(&b, 60);
	sign_fake(&b, 70);
	check(parse(&b, &t) == TRAILER_OK && t.sig_len == 70, "outer");
	n = trailer_count(b.p, b.len, &base, &inner);
	check(n == 3, "count %u, want 3", n);
	check(base == mod, "base %zu, want %zu", base, mod);
	check(inner == TRAILER_UNSIGNED, "inner %d", inner);
	/* stripping one leaves the module with two */
	n = trailer_count(b.p, t.module_len, &base, &inner);
	check(n == 2, "after one strip: %u", n);
	n = trailer_count(b.p, once, &base, &inner);
	check(n == 1, "first signature alone: %u", n);
	free(b.p);
}

TEST(stacked_inner_damaged)
{
	struct buf b = elf64(64);
	unsigned n;
	size_t base;
	enum trailer_status inner;

	append(&b, "junk!", 5); /* bytes after the ELF image, no magic */
	sign_fake(&b, 40);
	n = trailer_count(b.p, b.len, &base, &inner);
	check(n == 1, "count %u", n);
	check(inner == TRAILER_TRAILING, "inner %d (%s)", inner,
	      trailer_strerror(inner));
	free(b.p);
}

TEST(truncated_magic_only)
{
	struct buf b = from_bytes(TRAILER_MAGIC, TRAILER_MAGIC_LEN);
	struct trailer t;

	check(parse(&b, &t) == TRAILER_TRUNCATED, "magic alone");
	free(b.p);
	/* magic plus part of an info block: 39 bytes, one short */
	b = from_bytes("\0\0\0\0\0\0\0\0\0\0\0", 11);
	append(&b, TRAILER_MAGIC, TRAILER_MAGIC_LEN);
	expect_status(&b, TRAILER_TRUNCATED);
	free(b.p);
}

TEST(truncated_inside_magic)
{
	struct buf b = elf64(300);
	struct trailer t;

	sign_fake(&b, 100);
	truncate_to(&b, b.len - 10);
	check(parse(&b, &t) == TRAILER_TRUNCATED, "status");
	check(t.magic_prefix == TRAILER_MAGIC_LEN - 10, "prefix %zu",
	      t.magic_prefix);
	free(b.p);
}

TEST(truncated_inside_signature)
{
	/* the magic is gone: the ELF headers show bytes that do not belong */
	struct buf b = elf64(300);

	sign_fake(&b, 100);
	truncate_to(&b, b.len - 50);
	expect_status(&b, TRAILER_TRAILING);
	free(b.p);
}

TEST(wrong_magic)
{
	struct buf b = elf64(300);
	struct trailer t;

	sign_fake(&b, 100);
	b.p[b.len - 5] ^= 0x20; /* one byte of the magic */
	check(parse(&b, &t) == TRAILER_BAD_MAGIC, "one byte changed");
	check(t.magic_gap == 0, "gap %zu", t.magic_gap);
	b.p[b.len - 5] ^= 0x20;
	append(&b, "\n", 1); /* a stray newline after it */
	check(parse(&b, &t) == TRAILER_BAD_MAGIC, "stray byte");
	check(t.magic_gap == 1, "gap %zu", t.magic_gap);
	free(b.p);
}

TEST(magic_inside_elf_image_is_data)
{
	/* a module that quotes the magic in its own data is not suspect */
	struct buf b = elf64(300);

	memcpy(b.p + 64 + 100, TRAILER_MAGIC, TRAILER_MAGIC_LEN);
	expect_status(&b, TRAILER_UNSIGNED);
	free(b.p);
}

TEST(sig_len_zero)
{
	struct buf b = elf64(10);

	sign_fake(&b, 5);
	set_sig_len(&b, 0);
	expect_status(&b, TRAILER_SIG_EMPTY);
	free(b.p);
}

TEST(sig_len_larger_than_file)
{
	struct buf b = elf64(10);
	size_t avail;

	sign_fake(&b, 5);
	avail = b.len - TRAILER_FIXED_LEN;
	set_sig_len(&b, (uint32_t)avail + 1);
	expect_status(&b, TRAILER_SIG_TOO_LONG);
	set_sig_len(&b, 0xffffffffu);
	expect_status(&b, TRAILER_SIG_TOO_LONG);
	set_sig_len(&b, 0x80000000u);
	expect_status(&b, TRAILER_SIG_TOO_LONG);
	free(b.p);
}

TEST(sig_len_overflow_minimal_file)
{
	/* 40 bytes: info + magic and nothing else, every sig_len overflows */
	static const uint32_t lens[] = { 1, 40, 0x7fffffffu, 0xffffffffu };
	uint8_t tail[TRAILER_FIXED_LEN];
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		trailer_build_info(lens[i], tail);
		b = from_bytes(tail, sizeof(tail));
		expect_status(&b, TRAILER_SIG_TOO_LONG);
		free(b.p);
	}
}

TEST(zero_length_module)
{
	/* the signature covers every byte before the trailer */
	struct buf b = from_bytes("", 0);
	struct trailer t;

	sign_fake(&b, 16);
	check(parse(&b, &t) == TRAILER_NO_MODULE, "status");
	free(b.p);
}

TEST(module_not_elf_under_signature)
{
	struct buf b = from_bytes("not an elf", 10);

	sign_fake(&b, 16);
	expect_status(&b, TRAILER_NOT_ELF);
	free(b.p);
}

TEST(id_type_not_pkcs7)
{
	static const uint8_t ids[] = { 0, 1, 3, 255 };
	struct buf b = elf64(10);
	size_t i;

	sign_fake(&b, 8);
	for (i = 0; i < sizeof(ids); i++) {
		set_info(&b, 2, ids[i]);
		expect_status(&b, TRAILER_BAD_ID_TYPE);
	}
	free(b.p);
}

TEST(nonzero_fields)
{
	static const unsigned fields[] = { 0, 1, 3, 4, 5, 6, 7 };
	struct buf b = elf64(10);
	size_t i;

	sign_fake(&b, 8);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		set_info(&b, fields[i], 1);
		expect_status(&b, TRAILER_NONZERO);
		set_info(&b, fields[i], 0);
	}
	expect_status(&b, TRAILER_OK);
	free(b.p);
}

TEST(trailing_data_after_elf)
{
	struct buf b = elf64(10);

	append(&b, "xyz", 3);
	expect_status(&b, TRAILER_TRAILING);
	free(b.p);
}

TEST(hostile_elf_headers)
{
	/* section tables far away, absurd counts: bounded and saturated */
	struct buf b = elf64(10);
	struct trailer t;

	put_le(b.p + 0x28, UINT64_MAX - 5, 8); /* e_shoff */
	check(parse(&b, &t) == TRAILER_UNSIGNED, "shoff near 2^64");
	check(t.elf_end == UINT64_MAX, "saturated end");
	put_le(b.p + 0x28, 64 + 10, 8);
	put_le(b.p + 0x3c, 0, 2); /* extended numbering... */
	put_le(b.p + 64 + 10 + 0x20, UINT64_MAX, 8); /* ...with 2^64-1 */
	check(parse(&b, &t) == TRAILER_UNSIGNED, "huge shnum");
	put_le(b.p + 0x3a, 1, 2); /* e_shentsize smaller than a header */
	parse(&b, &t);
	put_le(b.p + 0x3a, 0, 2);
	parse(&b, &t);
	b.p[4] = 9; /* unknown class */
	check(parse(&b, &t) == TRAILER_UNSIGNED, "unknown class");
	free(b.p);
}

TEST(build_info_round_trip)
{
	uint8_t tail[TRAILER_FIXED_LEN];

	trailer_build_info(0x01020304u, tail);
	check(tail[2] == 2 && tail[8] == 1 && tail[9] == 2 && tail[10] == 3 &&
		      tail[11] == 4,
	      "info block");
	check(tail[0] == 0 && tail[1] == 0 && tail[3] == 0 && tail[4] == 0 &&
		      tail[5] == 0 && tail[6] == 0 && tail[7] == 0,
	      "zero fields");
	check(!memcmp(tail + 12, TRAILER_MAGIC, TRAILER_MAGIC_LEN), "magic");
}

TEST(every_truncation_is_safe)
{
	/* every prefix of a signed, stacked module parses without reading
	 * outside it (ASan watches), and only the full one is OK */
	struct buf b = elf64(40), cut;
	size_t len;
	struct trailer t;
	enum trailer_status st;

	sign_fake(&b, 30);
	sign_fake(&b, 20);
	for (len = 0; len <= b.len; len++) {
		cut = from_bytes(b.p, len);
		st = trailer_parse(cut.p, cut.len, &t);
		trailer_count(cut.p, cut.len, NULL, NULL);
		if (len == b.len)
			check(st == TRAILER_OK, "full length");
		else if (len == b.len - 30 - 20 - 2 * TRAILER_FIXED_LEN + 30 +
					TRAILER_FIXED_LEN)
			check(st == TRAILER_OK, "inner signature alone");
		free(cut.p);
	}
	free(b.p);
}

/* ---- elf_check_whole: is the ELF image all there? ---- */

static enum elf_fit fit(const struct buf *b, size_t len, struct elf_cut *cut)
{
	struct buf exact = from_bytes(b->p, len);
	enum elf_fit f = elf_check_whole(exact.p, exact.len, cut);
	char msg[512];

	/* every result can be explained, in any buffer size */
	elf_explain(f, cut, len, "the file", msg, sizeof(msg));
	check(msg[0] != '\0', "empty explanation for %d", f);
	elf_explain(f, cut, len, "the file", msg, 1);
	check(msg[0] == '\0', "explanation overflowed a 1-byte buffer");
	free(exact.p);
	return f;
}

TEST(elf_whole_images_fit)
{
	struct elf_cut cut;
	struct buf b = elf64(100);

	check(fit(&b, b.len, &cut) == ELF_FITS, "elf64");
	free(b.p);
	b = elf32be(33);
	check(fit(&b, b.len, &cut) == ELF_FITS, "elf32be");
	/* bytes after the image (a signature) do not matter */
	sign_fake(&b, 20);
	check(fit(&b, b.len, &cut) == ELF_FITS, "with a trailer");
	free(b.p);
}

TEST(elf_every_cut_is_found)
{
	/* a module still being written: every prefix is cut, and the part
	 * named is the header, then the section table at the end */
	struct buf b = elf64(100);
	struct elf_cut cut;
	enum elf_fit f;
	size_t len;

	for (len = 0; len < b.len; len++) {
		f = fit(&b, len, &cut);
		if (len < 4) {
			check(f == ELF_NOT_ELF, "len %zu: %d", len, f);
		} else if (len < 64) {
			check(f == ELF_CUT && cut.part == ELF_PART_HEADER,
			      "len %zu: %d part %d", len, f, cut.part);
			check(len < 16 || cut.end == 64, "len %zu: end %llu",
			      len, (unsigned long long)cut.end);
		} else {
			check(f == ELF_CUT && cut.part == ELF_PART_SHDRS &&
				      cut.end == b.len,
			      "len %zu: %d part %d end %llu", len, f, cut.part,
			      (unsigned long long)cut.end);
		}
	}
	free(b.p);
}

TEST(elf_cut_message)
{
	struct buf b = elf64(100);
	struct elf_cut cut;
	char msg[512], want[160];

	check(fit(&b, 200, &cut) == ELF_CUT, "not cut");
	elf_explain(ELF_CUT, &cut, 200, "the file", msg, sizeof(msg));
	snprintf(
		want, sizeof(want),
		"truncated: its section table ends at byte %zu but the file has 200 bytes; ",
		b.len);
	check(strstr(msg, want) == msg, "message: %s", msg);
	check(strstr(msg, "rebuild it") != NULL, "no advice: %s", msg);
	check(fit(&b, 10, &cut) == ELF_CUT, "10 bytes");
	elf_explain(ELF_CUT, &cut, 10, "the file", msg, sizeof(msg));
	check(strstr(msg, "fewer than an ELF header") != NULL, "message: %s",
	      msg);
	free(b.p);
}

TEST(elf_section_data_past_the_end)
{
	/* the section table is whole, but a section's data is not there */
	struct buf b = elf64(100);
	uint8_t *sh1 = b.p + 64 + 100 + 64;
	struct elf_cut cut;

	put_le(sh1 + 0x20, b.len - 64 + 1, 8);
	check(fit(&b, b.len, &cut) == ELF_CUT, "one byte too many");
	check(cut.part == ELF_PART_SECTION && cut.section == 1 &&
		      cut.end == b.len + 1,
	      "part %d section %llu end %llu", cut.part,
	      (unsigned long long)cut.section, (unsigned long long)cut.end);
	put_le(sh1 + 0x18, UINT64_MAX - 5, 8); /* offset near 2^64 */
	check(fit(&b, b.len, &cut) == ELF_CUT && cut.end == UINT64_MAX,
	      "saturated end %llu", (unsigned long long)cut.end);
	put_le(sh1 + 4, 8, 4); /* SHT_NOBITS takes no room in the file */
	check(fit(&b, b.len, &cut) == ELF_FITS, "NOBITS");
	put_le(sh1 + 4, 0, 4); /* nor does SHT_NULL */
	check(fit(&b, b.len, &cut) == ELF_FITS, "NULL");
	free(b.p);
}

TEST(elf_program_headers_past_the_end)
{
	struct buf b = elf64(100);
	struct elf_cut cut;

	put_le(b.p + 0x20, 64, 8); /* e_phoff */
	put_le(b.p + 0x36, 56, 2); /* e_phentsize */
	put_le(b.p + 0x38, 1, 2); /* e_phnum: inside the payload */
	check(fit(&b, b.len, &cut) == ELF_FITS, "one program header");
	put_le(b.p + 0x38, 100, 2); /* 5600 bytes of them */
	check(fit(&b, b.len, &cut) == ELF_CUT && cut.part == ELF_PART_PHDRS &&
		      cut.end == 64 + 5600,
	      "part %d end %llu", cut.part, (unsigned long long)cut.end);
	/* the section table comes first when both are cut */
	check(fit(&b, 100, &cut) == ELF_CUT && cut.part == ELF_PART_SHDRS,
	      "part %d", cut.part);
	free(b.p);
}

TEST(elf_extended_numbering_cut)
{
	/* e_shnum 0: the count is in section 0, which is past the end */
	struct buf b = elf64(100);
	struct elf_cut cut;

	put_le(b.p + 0x3c, 0, 2);
	put_le(b.p + 64 + 100 + 0x20, 2, 8); /* section 0's sh_size */
	check(fit(&b, b.len, &cut) == ELF_FITS, "whole");
	check(fit(&b, 64 + 100 + 10, &cut) == ELF_CUT &&
		      cut.part == ELF_PART_SHDRS,
	      "cut inside section 0: part %d", cut.part);
	free(b.p);
}

TEST(elf_bad_ident)
{
	struct buf b = elf64(10);
	struct elf_cut cut;
	char msg[512];

	b.p[4] = 9; /* no such class */
	check(fit(&b, b.len, &cut) == ELF_BAD_IDENT && cut.ei_class == 9,
	      "class");
	elf_explain(ELF_BAD_IDENT, &cut, b.len, "the file", msg, sizeof(msg));
	check(strstr(msg, "damaged ELF header: class 9") == msg, "message: %s",
	      msg);
	b.p[4] = 2;
	b.p[5] = 0; /* no such data encoding */
	check(fit(&b, b.len, &cut) == ELF_BAD_IDENT, "data");
	free(b.p);
	b = from_bytes("hello, world", 12);
	check(fit(&b, b.len, &cut) == ELF_NOT_ELF, "not ELF");
	free(b.p);
}

/* ---- the PKCS#7 part, on crafted blobs ---- */

static int describe(const struct buf *b, struct describe *d)
{
	struct buf exact = from_bytes(b->p, b->len);
	int r = describe_buf(exact.p, exact.len, d);

	free(exact.p);
	check(ERR_peek_error() == 0, "OpenSSL error queue left non-empty");
	return r;
}

/*
 * The DER of a CMS message of type data (valid DER, not a signature) in
 * *der, for OPENSSL_free; returns its length, <= 0 on failure.
 */
static int cms_data_der(unsigned char **der)
{
	BIO *in = BIO_new_mem_buf("content", 7);
	CMS_ContentInfo *cms = CMS_data_create(in, CMS_BINARY);
	int n = i2d_CMS_ContentInfo(cms, der);

	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return n;
}

TEST(garbage_der)
{
	struct buf b = elf64(10);
	struct describe d;

	sign_fake(&b, 64); /* 64 bytes of 0x30: not a PKCS#7 message */
	check(describe(&b, &d) == -1, "accepted garbage");
	check(strstr(d.err.msg, "garbage DER") != NULL, "message: %s",
	      d.err.msg);
	free(b.p);
}

TEST(der_not_signed_data)
{
	/* valid DER, a CMS message of type data: not a signature */
	struct buf b = elf64(10);
	struct describe d;
	unsigned char *der = NULL;
	int n = cms_data_der(&der);

	check(n > 0, "could not make a CMS data message");
	append(&b, der, (size_t)n);
	append_trailer(&b, (uint32_t)n);
	check(describe(&b, &d) == -1, "accepted CMS data");
	check(strstr(d.err.msg, "not SignedData") != NULL, "message: %s",
	      d.err.msg);
	OPENSSL_free(der);
	free(b.p);
}

TEST(der_with_stray_bytes)
{
	/* a real DER message followed by junk inside sig_len */
	struct buf b = elf64(10);
	struct describe d;
	unsigned char *der = NULL;
	int n = cms_data_der(&der);

	append(&b, der, (size_t)n);
	append(&b, "\0\0\0", 3);
	append_trailer(&b, (uint32_t)n + 3);
	check(describe(&b, &d) == -1, "accepted stray bytes");
	check(strstr(d.err.msg, "stray bytes") != NULL, "message: %s",
	      d.err.msg);
	OPENSSL_free(der);
	free(b.p);
}

TEST(describe_unsigned)
{
	struct buf b = elf64(10);
	struct describe d;
	struct strbuf sb;

	check(describe(&b, &d) == 0, "unsigned module refused: %s", d.err.msg);
	check(d.status == TRAILER_UNSIGNED && d.nsigs == 0, "status");
	sb_init(&sb);
	describe_format(&d, "x\"y.ko", 1, &sb);
	check(sb.s && strstr(sb.s, "\"signed\":false") &&
		      strstr(sb.s, "\"file\":\"x\\\"y.ko\""),
	      "json: %s", sb.s ? sb.s : "(null)");
	sb_free(&sb);
	free(b.p);
}

/* An old (Linux 3.7 to 4.2) signature: [module][signer][key id][sig]
 * [info: algo, hash, id_type, signer_len, key_id_len, pad, sig_len]. */
static void sign_legacy(struct buf *b, uint8_t id_type, uint8_t hash,
			const char *signer, size_t key_id_len)
{
	uint8_t key[32], sig[16];

	memset(key, 0xab, sizeof(key));
	memset(sig, 0x5a, sizeof(sig));
	append(b, signer, strlen(signer));
	append(b, key, key_id_len);
	sign_fake(b, sizeof(sig));
	memcpy(b->p + b->len - TRAILER_FIXED_LEN - sizeof(sig), sig,
	       sizeof(sig));
	set_info(b, 0, 1); /* RSA */
	set_info(b, 1, hash);
	set_info(b, 2, id_type);
	set_info(b, 3, (uint8_t)strlen(signer));
	set_info(b, 4, (uint8_t)key_id_len);
}

TEST(legacy_x509_described)
{
	struct buf b = elf64(10);
	size_t module_len = b.len;
	struct trailer_legacy l;
	struct describe d;
	struct strbuf sb;

	sign_legacy(&b, TRAILER_ID_X509, 2, "Old signer", 20);
	expect_status(&b, TRAILER_BAD_ID_TYPE); /* verify, check: refused */
	check(trailer_parse_legacy(b.p, b.len, &l) == 0, "not legacy");
	check(l.module_len == module_len && l.signer_off == module_len &&
		      l.signer_len == 10 && l.key_id_len == 20 &&
		      l.sig_len == 16 && l.id_type == TRAILER_ID_X509,
	      "parts: module %zu signer %zu+%zu key %zu sig %zu", l.module_len,
	      l.signer_off, l.signer_len, l.key_id_len, l.sig_len);
	check(describe(&b, &d) == 0 && d.legacy, "info refused it: %s",
	      d.err.msg);
	sb_init(&sb);
	describe_format(&d, "old.ko", 0, &sb);
	check(sb.s && strstr(sb.s, "sig_id:       X509\n") &&
		      strstr(sb.s, "signer:       Old signer\n") &&
		      strstr(sb.s, "sig_key:      AB:AB:") &&
		      strstr(sb.s, "sig_hashalgo: sha1\n") &&
		      strstr(sb.s, "rejected by every kernel since 4.3"),
	      "text: %s", sb.s ? sb.s : "(null)");
	sb_free(&sb);
	sb_init(&sb);
	describe_format(&d, "old.ko", 1, &sb);
	check(sb.s && strstr(sb.s, "\"sig_id\":\"X509\"") &&
		      strstr(sb.s, "\"legacy\":true"),
	      "json: %s", sb.s ? sb.s : "(null)");
	sb_free(&sb);
	free(b.p);
}

TEST(legacy_refused_when_it_does_not_fit)
{
	struct trailer_legacy l;
	struct describe d;
	struct buf b;

	/* no signer or no key id: a PKCS#7 trailer with a changed byte */
	b = elf64(10);
	sign_legacy(&b, TRAILER_ID_X509, 4, "", 20);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "no signer");
	check(describe(&b, &d) == -1, "info took it");
	free(b.p);
	b = elf64(10);
	sign_legacy(&b, TRAILER_ID_X509, 4, "signer", 0);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "no key id");
	free(b.p);
	/* an unknown hash, id type or algorithm */
	b = elf64(10);
	sign_legacy(&b, TRAILER_ID_X509, 9, "signer", 20);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "hash 9");
	set_info(&b, 1, 4);
	set_info(&b, 2, 3);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "id_type 3");
	set_info(&b, 2, TRAILER_ID_X509);
	set_info(&b, 0, 2);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "algo 2");
	set_info(&b, 0, 1);
	check(trailer_parse_legacy(b.p, b.len, &l) == 0, "the fixed one");
	/* signer and key id reaching before the module's first byte */
	set_info(&b, 3, 255);
	set_info(&b, 4, 255);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "lengths");
	free(b.p);
	/* PKCS#7 is not legacy */
	b = elf64(10);
	sign_fake(&b, 8);
	check(trailer_parse_legacy(b.p, b.len, &l) == -1, "PKCS#7");
	free(b.p);
}

TEST(json_escaping)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_json_str(&sb, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
	check(sb.s && !strcmp(sb.s, "a\\\"b\\\\c\\u000a\\u0001\\ufffd\xc3\xa9"),
	      "got %s", sb.s ? sb.s : "(null)");
	sb_free(&sb);
	sb_init(&sb);
	sb_hex_colon(&sb, (const uint8_t *)"\x66\xf5\x0a", 3);
	check(sb.s && !strcmp(sb.s, "66:F5:0A"), "hex %s", sb.s);
	sb_free(&sb);
}

/* file names in JSON: a bad byte and a backslash as the text \xNN, so
 * that names differing in them stay apart */
TEST(json_name_escaping)
{
	static const char *const names[] = { "x\xff", "x\xfe", "x\\xff",
					     "x\xc3", "x\xef\xbf\xbd" };
	struct strbuf sb, other;
	size_t i, j;

	sb_init(&sb);
	sb_json_name(&sb, "a\\b\xff\"\xc3\xa9\x01\xc3", 9);
	check(sb.s && !strcmp(sb.s,
			      "a\\\\x5cb\\\\xff\\\"\xc3\xa9\\u0001\\\\xc3"),
	      "got %s", sb.s ? sb.s : "(null)");
	sb_free(&sb);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		for (j = 0; j < i; j++) {
			sb_init(&sb);
			sb_init(&other);
			sb_json_name(&sb, names[i], strlen(names[i]));
			sb_json_name(&other, names[j], strlen(names[j]));
			check(sb.s && other.s && strcmp(sb.s, other.s),
			      "names %zu and %zu both give %s", i, j,
			      sb.s ? sb.s : "(null)");
			sb_free(&sb);
			sb_free(&other);
		}
}

int main(void)
{
	RUN(empty_file);
	RUN(not_elf);
	RUN(unsigned_elf64);
	RUN(unsigned_elf32_big_endian);
	RUN(elf_header_only);
	RUN(signed_once);
	RUN(stacked_signatures);
	RUN(stacked_inner_damaged);
	RUN(truncated_magic_only);
	RUN(truncated_inside_magic);
	RUN(truncated_inside_signature);
	RUN(wrong_magic);
	RUN(magic_inside_elf_image_is_data);
	RUN(sig_len_zero);
	RUN(sig_len_larger_than_file);
	RUN(sig_len_overflow_minimal_file);
	RUN(zero_length_module);
	RUN(module_not_elf_under_signature);
	RUN(id_type_not_pkcs7);
	RUN(nonzero_fields);
	RUN(trailing_data_after_elf);
	RUN(hostile_elf_headers);
	RUN(build_info_round_trip);
	RUN(every_truncation_is_safe);
	RUN(elf_whole_images_fit);
	RUN(elf_every_cut_is_found);
	RUN(elf_cut_message);
	RUN(elf_section_data_past_the_end);
	RUN(elf_program_headers_past_the_end);
	RUN(elf_extended_numbering_cut);
	RUN(elf_bad_ident);
	RUN(garbage_der);
	RUN(der_not_signed_data);
	RUN(der_with_stray_bytes);
	RUN(describe_unsigned);
	RUN(json_escaping);
	RUN(json_name_escaping);
	RUN(legacy_x509_described);
	RUN(legacy_refused_when_it_does_not_fit);
	printf("unit_trailer: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
