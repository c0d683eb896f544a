// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trailer.c - parse the signature trailer of a kernel module.
 *
 * Pure functions over (buffer, length): no I/O, no allocation. Every read is
 * bounds-checked against the length the caller gives, and lengths are
 * compared before they are subtracted, so a hostile sig_len cannot make a
 * size_t wrap.
 *
 * The checks mirror what the kernel does before it looks at the PKCS#7
 * message (kernel/module_signature.c: mod_check_sig), plus a few that only
 * help to tell a person what is wrong with a damaged file.
 */
#include "trailer.h"

#include <stdio.h>
#include <string.h>

static const uint8_t magic[TRAILER_MAGIC_LEN] = TRAILER_MAGIC;

/* A damaged magic still matches in at least this many of its 28 bytes. */
#define NEAR_MISS_MIN 22u
/* A magic followed by stray bytes is searched for this far from the end. */
#define STRAY_SEARCH 4096u
/* A file cut inside the magic ends with at least this much of it. */
#define PREFIX_MIN 8u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && buf[0] == 0x7f && buf[1] == 'E' && buf[2] == 'L' &&
	       buf[3] == 'F';
}

/* ---- ELF: where does the image end according to its own headers? ---- */

struct elf_reader {
	const uint8_t *buf;
	size_t len;
	int big_endian;
};

static uint64_t rd(const struct elf_reader *r, uint64_t off, unsigned width)
{
	uint64_t v = 0;
	unsigned i;

	/* Callers check bounds; this is a last line of defence. */
	if (off > r->len || width > r->len - off)
		return 0;
	for (i = 0; i < width; i++) {
		unsigned b = r->big_endian ? i : width - 1 - i;
		v = v << 8 | r->buf[off + b];
	}
	return v;
}

/* a + b, or UINT64_MAX when it does not fit */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Walks the headers of the ELF image in buf[0..len): where the image ends
 * (*end, 0 when the headers cannot be read) and, in *cut, the first part
 * that reaches past len, in the order a reader needs them: the ELF header,
 * the section header table, the program header table, then each section's
 * data by index.
 */
static enum elf_fit elf_walk(const uint8_t *buf, size_t len, uint64_t *end_out,
			     struct elf_cut *cut)
{
	struct elf_reader r = { buf, len, 0 };
	int is64;
	uint64_t ehsize, phoff, shoff, end, shnum, i, phend, shend;
	unsigned phentsize, phnum, shentsize, shmin;
	/* offsets of fields that differ between ELFCLASS32 and ELFCLASS64 */
	unsigned o_phoff, o_shoff, o_phent, w_off, o_sh_type, o_sh_off,
		o_sh_size;
	enum elf_fit fit = ELF_FITS;

	*end_out = 0;
	memset(cut, 0, sizeof(*cut));
	if (!is_elf(buf, len))
		return ELF_NOT_ELF;
	if (len < 16) {
		/* not even e_ident: which header (52 or 64 bytes) is unknown */
		cut->part = ELF_PART_HEADER;
		return ELF_CUT;
	}
	cut->ei_class = buf[4];
	cut->ei_data = buf[5];
	if (buf[4] == 1)
		is64 = 0;
	else if (buf[4] == 2)
		is64 = 1;
	else
		return ELF_BAD_IDENT;
	if (buf[5] == 1)
		r.big_endian = 0;
	else if (buf[5] == 2)
		r.big_endian = 1;
	else
		return ELF_BAD_IDENT;

	if (is64) {
		ehsize = 64;
		o_phoff = 0x20;
		o_shoff = 0x28;
		o_phent = 0x36;
		w_off = 8;
		shmin = 0x28;
		o_sh_type = 4;
		o_sh_off = 0x18;
		o_sh_size = 0x20;
	} else {
		ehsize = 52;
		o_phoff = 0x1c;
		o_shoff = 0x20;
		o_phent = 0x2a;
		w_off = 4;
		shmin = 0x18;
		o_sh_type = 4;
		o_sh_off = 0x10;
		o_sh_size = 0x14;
	}
	if (len < ehsize) {
		cut->part = ELF_PART_HEADER;
		cut->end = ehsize;
		return ELF_CUT;
	}

	phoff = rd(&r, o_phoff, w_off);
	shoff = rd(&r, o_shoff, w_off);
	/* e_phentsize, e_phnum, e_shentsize, e_shnum follow each other */
	phentsize = (unsigned)rd(&r, o_phent, 2);
	phnum = (unsigned)rd(&r, o_phent + 2, 2);
	shentsize = (unsigned)rd(&r, o_phent + 4, 2);
	shnum = rd(&r, o_phent + 6, 2);

	end = ehsize;
	phend = 0;
	if (phoff != 0 && phnum != 0) {
		phend = add_sat(phoff, (uint64_t)phnum * phentsize);
		end = max64(end, phend);
	}
	if (shoff == 0 || shentsize == 0)
		goto program_headers;

	/* Extended numbering: e_shnum 0, the count in section 0's sh_size;
	 * section 0 is there either way. */
	if (shnum == 0) {
		if (shentsize >= shmin && shoff < len &&
		    len - shoff >= shentsize)
			shnum = rd(&r, shoff + o_sh_size, w_off);
		if (shnum == 0)
			shnum = 1;
	}

	shend = shnum > UINT64_MAX / shentsize ?
			UINT64_MAX :
			add_sat(shoff, shnum * shentsize);
	end = max64(end, shend);
	if (shend > len) {
		cut->part = ELF_PART_SHDRS;
		cut->end = shend;
		fit = ELF_CUT;
	}
	if (shend == UINT64_MAX || shentsize < shmin)
		goto program_headers;

	/* Sections whose header lies inside the buffer; NOBITS takes no room. */
	for (i = 0; i < shnum; i++) {
		uint64_t h = shoff + i * shentsize; /* no overflow: checked */
		uint64_t type, off, size, send;

		if (h >= len || len - h < shentsize)
			break;
		type = rd(&r, h + o_sh_type, 4);
		if (type == 0 /* SHT_NULL */ || type == 8 /* SHT_NOBITS */)
			continue;
		off = rd(&r, h + o_sh_off, w_off);
		size = rd(&r, h + o_sh_size, w_off);
		send = add_sat(off, size);
		end = max64(end, send);
		if (send > len && fit == ELF_FITS) {
			cut->part = ELF_PART_SECTION;
			cut->section = i;
			cut->end = send;
			fit = ELF_CUT;
		}
	}
program_headers:
	*end_out = end;
	if (phend > len && (fit == ELF_FITS || cut->part == ELF_PART_SECTION)) {
		cut->part = ELF_PART_PHDRS;
		cut->section = 0;
		cut->end = phend;
		fit = ELF_CUT;
	}
	return fit;
}

uint64_t elf_image_end(const uint8_t *buf, size_t len)
{
	struct elf_cut cut;
	uint64_t end;

	elf_walk(buf, len, &end, &cut);
	return end;
}

enum elf_fit elf_check_whole(const uint8_t *buf, size_t len,
			     struct elf_cut *cut)
{
	uint64_t end;

	return elf_walk(buf, len, &end, cut);
}

static const char *elf_part_name(const struct elf_cut *cut, char *buf,
				 size_t size)
{
	switch (cut->part) {
	case ELF_PART_HEADER:
		return "ELF header";
	case ELF_PART_SHDRS:
		return "section table";
	case ELF_PART_PHDRS:
		return "program header table";
	case ELF_PART_SECTION:
		snprintf(buf, size, "section %llu",
			 (unsigned long long)cut->section);
		return buf;
	}
	return "image";
}

char *elf_explain(enum elf_fit fit, const struct elf_cut *cut, size_t len,
		  const char *what, char *out, size_t size)
{
	char part[48];

	if (size == 0)
		return out;
	switch (fit) {
	case ELF_FITS:
		snprintf(out, size, "a whole ELF image");
		break;
	case ELF_NOT_ELF:
		snprintf(out, size,
			 "not an ELF file: it does not start with \\x7fELF");
		break;
	case ELF_BAD_IDENT:
		snprintf(out, size,
			 "damaged ELF header: class %u and data encoding %u (1 or 2 each) say neither where its sections are nor how to read them; rebuild it",
			 cut->ei_class, cut->ei_data);
		break;
	case ELF_CUT:
		if (cut->part == ELF_PART_HEADER && !cut->ei_class)
			snprintf(out, size,
				 "truncated: %s has %zu bytes, fewer than an ELF header (52 or 64); is it still being built or copied? rebuild it",
				 what, len);
		else
			snprintf(out, size,
				 "truncated: its %s ends at byte %llu but %s has %zu bytes; is it still being built or copied? rebuild it",
				 elf_part_name(cut, part, sizeof(part)),
				 (unsigned long long)cut->end, what, len);
		break;
	}
	return out;
}

/* ---- the trailer ---- */

/* Length of the longest proper prefix of the magic that buf ends with. */
static size_t magic_prefix_at_end(const uint8_t *buf, size_t len)
{
	size_t k;

	for (k = TRAILER_MAGIC_LEN - 1; k > 0; k--)
		if (k <= len && memcmp(buf + len - k, magic, k) == 0)
			return k;
	return 0;
}

/*
 * Bytes after the last whole magic that starts at or after `from` and within
 * the last STRAY_SEARCH bytes, or 0 when there is none.
 */
static size_t stray_after_magic(const uint8_t *buf, size_t len, uint64_t from)
{
	size_t lo, pos;

	if (len < TRAILER_MAGIC_LEN + 1)
		return 0;
	lo = len > STRAY_SEARCH ? len - STRAY_SEARCH : 0;
	if (from > lo)
		lo = from > len ? len : (size_t)from;
	/* candidate starts from len - MAGIC_LEN - 1 down to lo */
	for (pos = len - TRAILER_MAGIC_LEN; pos-- > lo;)
		if (buf[pos] == magic[0] &&
		    memcmp(buf + pos, magic, TRAILER_MAGIC_LEN) == 0)
			return len - pos - TRAILER_MAGIC_LEN;
	return 0;
}

static unsigned magic_matches_at_end(const uint8_t *buf, size_t len)
{
	unsigned i, same = 0;

	if (len < TRAILER_MAGIC_LEN)
		return 0;
	for (i = 0; i < TRAILER_MAGIC_LEN; i++)
		same += buf[len - TRAILER_MAGIC_LEN + i] == magic[i];
	return same;
}

enum trailer_status trailer_parse(const uint8_t *buf, size_t len,
				  struct trailer *t)
{
	const uint8_t *info;
	size_t avail;

	memset(t, 0, sizeof(*t));
	if (len == 0 || buf == NULL)
		return TRAILER_EMPTY;

	if (len < TRAILER_MAGIC_LEN ||
	    memcmp(buf + len - TRAILER_MAGIC_LEN, magic, TRAILER_MAGIC_LEN)) {
		/*
		 * No trailer. A plain ELF image, or a trailer that was damaged?
		 * Damage is only looked for outside the ELF image, so that a
		 * module quoting the magic in its own data is not suspect.
		 */
		if (!is_elf(buf, len))
			return TRAILER_NOT_ELF;
		t->module_len = len;
		t->elf_end = elf_image_end(buf, len);
		if (t->elf_end >= len)
			return TRAILER_UNSIGNED;
		if (magic_matches_at_end(buf, len) >= NEAR_MISS_MIN)
			return TRAILER_BAD_MAGIC;
		t->magic_gap = stray_after_magic(buf, len, t->elf_end);
		if (t->magic_gap)
			return TRAILER_BAD_MAGIC;
		t->magic_prefix = magic_prefix_at_end(buf, len);
		if (t->magic_prefix >= PREFIX_MIN)
			return TRAILER_TRUNCATED;
		t->magic_prefix = 0;
		if (t->elf_end != 0)
			return TRAILER_TRAILING;
		return TRAILER_UNSIGNED;
	}

	if (len < TRAILER_FIXED_LEN)
		return TRAILER_TRUNCATED;
	avail = len - TRAILER_FIXED_LEN;
	info = buf + avail;
	t->algo = info[0];
	t->hash = info[1];
	t->id_type = info[2];
	t->signer_len = info[3];
	t->key_id_len = info[4];
	memcpy(t->pad, info + 5, 3);
	t->sig_len_field = be32(info + 8);

	if (t->sig_len_field == 0)
		return TRAILER_SIG_EMPTY;
	/* compared as uint64_t: size_t may be 32 bits */
	if ((uint64_t)t->sig_len_field > (uint64_t)avail)
		return TRAILER_SIG_TOO_LONG;
	if ((uint64_t)t->sig_len_field == (uint64_t)avail)
		return TRAILER_NO_MODULE;
	t->sig_len = t->sig_len_field;
	t->module_len = avail - t->sig_len;
	t->sig_off = t->module_len;

	if (t->id_type != TRAILER_ID_PKCS7)
		return TRAILER_BAD_ID_TYPE;
	if (t->algo || t->hash || t->signer_len || t->key_id_len || t->pad[0] ||
	    t->pad[1] || t->pad[2])
		return TRAILER_NONZERO;
	if (!is_elf(buf, t->module_len))
		return TRAILER_NOT_ELF;
	t->elf_end = elf_image_end(buf, t->module_len);
	return TRAILER_OK;
}

unsigned trailer_count(const uint8_t *buf, size_t len, size_t *base_len,
		       enum trailer_status *inner)
{
	struct trailer t;
	enum trailer_status st;
	unsigned n = 0;

	/* Each round removes at least TRAILER_FIXED_LEN + 1 bytes. */
	for (;;) {
		st = trailer_parse(buf, len, &t);
		if (st != TRAILER_OK)
			break;
		n++;
		len = t.module_len;
	}
	if (base_len)
		*base_len = len;
	if (inner)
		*inner = st;
	return n;
}

const char *trailer_strerror(enum trailer_status st)
{
	switch (st) {
	case TRAILER_OK:
		return "signed";
	case TRAILER_UNSIGNED:
		return "not signed";
	case TRAILER_EMPTY:
		return "empty file";
	case TRAILER_NOT_ELF:
		return "not an ELF file";
	case TRAILER_TRUNCATED:
		return "truncated trailer";
	case TRAILER_BAD_MAGIC:
		return "wrong magic";
	case TRAILER_SIG_TOO_LONG:
		return "sig_len larger than the file";
	case TRAILER_NO_MODULE:
		return "no module bytes before the signature";
	case TRAILER_SIG_EMPTY:
		return "sig_len is 0";
	case TRAILER_BAD_ID_TYPE:
		return "id type is not PKCS#7";
	case TRAILER_NONZERO:
		return "non-zero fields in the signature info";
	case TRAILER_TRAILING:
		return "damaged trailer";
	}
	return "unknown trailer status";
}

static const char *id_type_name(unsigned id)
{
	switch (id) {
	case TRAILER_ID_PGP:
		return "PGP";
	case TRAILER_ID_X509:
		return "X.509";
	default:
		return "unknown";
	}
}

char *trailer_explain(enum trailer_status st, const struct trailer *t,
		      size_t len, char *out, size_t size)
{
	const char *what = trailer_strerror(st);

	if (size == 0)
		return out;
	switch (st) {
	case TRAILER_NOT_ELF:
		if (t->sig_len)
			snprintf(out, size,
				 "not an ELF file: the %zu bytes before the signature do not start with \\x7fELF",
				 t->module_len);
		else
			snprintf(out, size,
				 "not an ELF file: it does not start with \\x7fELF");
		break;
	case TRAILER_TRUNCATED:
		if (t->magic_prefix)
			snprintf(out, size,
				 "truncated trailer: the file ends with the first %zu of the %u bytes of the signature magic",
				 t->magic_prefix, TRAILER_MAGIC_LEN);
		else
			snprintf(out, size,
				 "truncated trailer: the file ends with the signature magic but is only %zu bytes long (a trailer takes at least %u)",
				 len, TRAILER_FIXED_LEN + 1);
		break;
	case TRAILER_BAD_MAGIC:
		if (t->magic_gap)
			snprintf(out, size,
				 "wrong magic: %zu stray bytes follow the signature magic \"~Module signature appended~\"",
				 t->magic_gap);
		else
			snprintf(out, size,
				 "wrong magic: the last %u bytes are a damaged \"~Module signature appended~\" marker",
				 TRAILER_MAGIC_LEN);
		break;
	case TRAILER_SIG_TOO_LONG:
		snprintf(out, size,
			 "sig_len larger than the file: sig_len is %lu but only %zu bytes precede the %u-byte trailer",
			 (unsigned long)t->sig_len_field,
			 len - TRAILER_FIXED_LEN, TRAILER_FIXED_LEN);
		break;
	case TRAILER_NO_MODULE:
		snprintf(out, size,
			 "no module bytes before the signature: sig_len %lu covers the whole file",
			 (unsigned long)t->sig_len_field);
		break;
	case TRAILER_BAD_ID_TYPE:
		snprintf(out, size,
			 "id type is not PKCS#7: id_type %u (%s), the kernel takes only %u (PKCS#7)",
			 t->id_type, id_type_name(t->id_type),
			 TRAILER_ID_PKCS7);
		break;
	case TRAILER_NONZERO:
		snprintf(out, size,
			 "non-zero fields in the signature info: algo %u, hash %u, signer_len %u, key_id_len %u, pad %u/%u/%u must all be 0 for PKCS#7",
			 t->algo, t->hash, t->signer_len, t->key_id_len,
			 t->pad[0], t->pad[1], t->pad[2]);
		break;
	case TRAILER_TRAILING:
		snprintf(out, size,
			 "damaged trailer: no signature magic at the end, but %llu bytes follow the ELF image (a truncated signature?)",
			 (unsigned long long)(len - t->elf_end));
		break;
	default:
		snprintf(out, size, "%s", what);
		break;
	}
	return out;
}

void trailer_build_info(uint32_t sig_len, uint8_t out[TRAILER_FIXED_LEN])
{
	memset(out, 0, TRAILER_INFO_LEN);
	out[2] = TRAILER_ID_PKCS7;
	out[8] = (uint8_t)(sig_len >> 24);
	out[9] = (uint8_t)(sig_len >> 16);
	out[10] = (uint8_t)(sig_len >> 8);
	out[11] = (uint8_t)sig_len;
	memcpy(out + TRAILER_INFO_LEN, magic, TRAILER_MAGIC_LEN);
}
