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

/* With room for the string's NUL, which no comparison reads: an array of
 * exactly 28 bytes needs gcc 15's nonstring attribute to build warning-free. */
static const uint8_t magic[TRAILER_MAGIC_LEN + 1] = TRAILER_MAGIC;

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

/* Where the fields that differ between ELFCLASS32 and ELFCLASS64 are. */
struct elf_layout {
	uint64_t ehsize; /* the ELF header's size */
	unsigned o_phoff, o_shoff; /* e_phoff, e_shoff */
	unsigned o_phent; /* e_phentsize, then e_phnum, e_shentsize, e_shnum */
	unsigned w_off; /* the width of an offset or a size */
	unsigned shmin; /* a section header up to sh_size's end */
	unsigned o_sh_type, o_sh_off, o_sh_size;
};

static const struct elf_layout elf32_layout = {
	52, 0x1c, 0x20, 0x2a, 4, 0x18, 4, 0x10, 0x14,
};
static const struct elf_layout elf64_layout = {
	64, 0x20, 0x28, 0x36, 8, 0x28, 4, 0x18, 0x20,
};

/* The state of elf_walk, step by step. */
struct elf_walker {
	struct elf_reader r;
	const struct elf_layout *l;
	uint64_t phoff, shoff, shnum;
	unsigned phentsize, phnum, shentsize;
	uint64_t phend; /* the program header table's end, 0: none */
	uint64_t end; /* the image's end so far */
	struct elf_cut *cut;
	enum elf_fit fit;
};

/* e_ident (class and byte order) and whether the ELF header is whole.
 * Returns ELF_FITS to go on, or what the walk ends with. */
static enum elf_fit elf_ident(struct elf_walker *w)
{
	const uint8_t *buf = w->r.buf;
	size_t len = w->r.len;

	if (!is_elf(buf, len))
		return ELF_NOT_ELF;
	if (len < 16) {
		/* not even e_ident: which header (52 or 64 bytes) is unknown */
		w->cut->part = ELF_PART_HEADER;
		return ELF_CUT;
	}
	w->cut->ei_class = buf[4];
	w->cut->ei_data = buf[5];
	if (buf[4] == 1)
		w->l = &elf32_layout;
	else if (buf[4] == 2)
		w->l = &elf64_layout;
	else
		return ELF_BAD_IDENT;
	if (buf[5] == 1)
		w->r.big_endian = 0;
	else if (buf[5] == 2)
		w->r.big_endian = 1;
	else
		return ELF_BAD_IDENT;
	if (len < w->l->ehsize) {
		w->cut->part = ELF_PART_HEADER;
		w->cut->end = w->l->ehsize;
		return ELF_CUT;
	}
	return ELF_FITS;
}

/* The ELF header's tables, and the end of the program header table. */
static void elf_header(struct elf_walker *w)
{
	const struct elf_layout *l = w->l;

	w->phoff = rd(&w->r, l->o_phoff, l->w_off);
	w->shoff = rd(&w->r, l->o_shoff, l->w_off);
	/* e_phentsize, e_phnum, e_shentsize, e_shnum follow each other */
	w->phentsize = (unsigned)rd(&w->r, l->o_phent, 2);
	w->phnum = (unsigned)rd(&w->r, l->o_phent + 2, 2);
	w->shentsize = (unsigned)rd(&w->r, l->o_phent + 4, 2);
	w->shnum = rd(&w->r, l->o_phent + 6, 2);

	w->end = l->ehsize;
	w->phend = 0;
	if (w->phoff != 0 && w->phnum != 0) {
		w->phend = add_sat(w->phoff, (uint64_t)w->phnum * w->phentsize);
		w->end = max64(w->end, w->phend);
	}
}

/* The section header table's end (a cut there is noted). Returns whether
 * its headers can be walked. */
static int elf_section_table(struct elf_walker *w)
{
	const struct elf_layout *l = w->l;
	size_t len = w->r.len;
	uint64_t shend;

	if (w->shoff == 0 || w->shentsize == 0)
		return 0;
	/* Extended numbering: e_shnum 0, the count in section 0's sh_size;
	 * section 0 is there either way. */
	if (w->shnum == 0) {
		if (w->shentsize >= l->shmin && w->shoff < len &&
		    len - w->shoff >= w->shentsize)
			w->shnum = rd(&w->r, w->shoff + l->o_sh_size, l->w_off);
		if (w->shnum == 0)
			w->shnum = 1;
	}
	shend = w->shnum > UINT64_MAX / w->shentsize ?
			UINT64_MAX :
			add_sat(w->shoff, w->shnum * w->shentsize);
	w->end = max64(w->end, shend);
	if (shend > len) {
		w->cut->part = ELF_PART_SHDRS;
		w->cut->end = shend;
		w->fit = ELF_CUT;
	}
	return shend != UINT64_MAX && w->shentsize >= l->shmin;
}

/* Each section's data, for the sections whose header lies inside the
 * buffer; NOBITS takes no room. The first one cut is noted. */
static void elf_sections(struct elf_walker *w)
{
	const struct elf_layout *l = w->l;
	size_t len = w->r.len;
	uint64_t i;

	for (i = 0; i < w->shnum; i++) {
		/* no overflow: elf_section_table checked */
		uint64_t h = w->shoff + i * w->shentsize;
		uint64_t type, off, size, send;

		if (h >= len || len - h < w->shentsize)
			break;
		type = rd(&w->r, h + l->o_sh_type, 4);
		if (type == 0 /* SHT_NULL */ || type == 8 /* SHT_NOBITS */)
			continue;
		off = rd(&w->r, h + l->o_sh_off, l->w_off);
		size = rd(&w->r, h + l->o_sh_size, l->w_off);
		send = add_sat(off, size);
		w->end = max64(w->end, send);
		if (send > len && w->fit == ELF_FITS) {
			w->cut->part = ELF_PART_SECTION;
			w->cut->section = i;
			w->cut->end = send;
			w->fit = ELF_CUT;
		}
	}
}

/* A cut program header table is told before a cut section: a reader
 * needs it first. */
static void elf_program_headers(struct elf_walker *w)
{
	if (w->phend > w->r.len &&
	    (w->fit == ELF_FITS || w->cut->part == ELF_PART_SECTION)) {
		w->cut->part = ELF_PART_PHDRS;
		w->cut->section = 0;
		w->cut->end = w->phend;
		w->fit = ELF_CUT;
	}
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
	struct elf_walker w = { .r = { buf, len, 0 }, .cut = cut };
	enum elf_fit fit;

	*end_out = 0;
	memset(cut, 0, sizeof(*cut));
	fit = elf_ident(&w);
	if (fit != ELF_FITS)
		return fit;
	w.fit = ELF_FITS;
	elf_header(&w);
	if (elf_section_table(&w))
		elf_sections(&w);
	elf_program_headers(&w);
	*end_out = w.end;
	return w.fit;
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
		snprintf(
			out, size,
			"damaged ELF header: class %u and data encoding %u (1 or 2 each) say neither where its sections are nor how to read them; rebuild it",
			cut->ei_class, cut->ei_data);
		break;
	case ELF_CUT:
		if (cut->part == ELF_PART_HEADER && !cut->ei_class)
			snprintf(
				out, size,
				"truncated: %s has %zu bytes, fewer than an ELF header (52 or 64); is it still being built or copied? rebuild it",
				what, len);
		else
			snprintf(
				out, size,
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

/* The hash algorithms of the old format (the kernel's enum pkey_hash_algo
 * of 3.7 to 4.2, and kmod's table), as modinfo names them. */
static const char *const legacy_hashes[] = {
	"md4",	  "md5",    "sha1",   "rmd160", "sha256",
	"sha384", "sha512", "sha224", "sm3",
};

const char *trailer_legacy_hash(uint8_t hash)
{
	return hash < sizeof(legacy_hashes) / sizeof(legacy_hashes[0]) ?
		       legacy_hashes[hash] :
		       NULL;
}

const char *trailer_legacy_id(uint8_t id_type)
{
	return id_type == TRAILER_ID_PGP  ? "PGP" :
	       id_type == TRAILER_ID_X509 ? "X509" :
					    NULL;
}

int trailer_parse_legacy(const uint8_t *buf, size_t len,
			 struct trailer_legacy *l)
{
	struct trailer t;
	uint64_t parts;

	memset(l, 0, sizeof(*l));
	if (trailer_parse(buf, len, &t) != TRAILER_BAD_ID_TYPE ||
	    !trailer_legacy_id(t.id_type) || !trailer_legacy_hash(t.hash) ||
	    t.algo > 1 /* DSA, RSA */)
		return -1;
	/* the old sign-file always named the signer and its key: without
	 * them, a PKCS#7 trailer with a changed id_type byte is likelier */
	if (!t.signer_len || !t.key_id_len)
		return -1;
	/* trailer_parse checked that sig_len leaves a byte before it */
	parts = (uint64_t)t.sig_len + t.signer_len + t.key_id_len;
	if (parts >= (uint64_t)(len - TRAILER_FIXED_LEN))
		return -1;
	l->module_len = len - TRAILER_FIXED_LEN - (size_t)parts;
	if (!is_elf(buf, l->module_len))
		return -1;
	l->signer_off = l->module_len;
	l->signer_len = t.signer_len;
	l->key_id_off = l->signer_off + t.signer_len;
	l->key_id_len = t.key_id_len;
	l->sig_off = l->key_id_off + t.key_id_len;
	l->sig_len = t.sig_len;
	l->algo = t.algo;
	l->hash = t.hash;
	l->id_type = t.id_type;
	return 0;
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
	if (size == 0)
		return out;
	switch (st) {
	case TRAILER_NOT_ELF:
		if (t->sig_len)
			snprintf(
				out, size,
				"not an ELF file: the %zu bytes before the signature do not start with \\x7fELF",
				t->module_len);
		else
			snprintf(
				out, size,
				"not an ELF file: it does not start with \\x7fELF");
		break;
	case TRAILER_TRUNCATED:
		if (t->magic_prefix)
			snprintf(
				out, size,
				"truncated trailer: the file ends with the first %zu of the %u bytes of the signature magic",
				t->magic_prefix, TRAILER_MAGIC_LEN);
		else
			snprintf(
				out, size,
				"truncated trailer: the file ends with the signature magic but is only %zu bytes long (a trailer takes at least %u)",
				len, TRAILER_FIXED_LEN + 1);
		break;
	case TRAILER_BAD_MAGIC:
		if (t->magic_gap)
			snprintf(
				out, size,
				"wrong magic: %zu stray bytes follow the signature magic \"~Module signature appended~\"",
				t->magic_gap);
		else
			snprintf(
				out, size,
				"wrong magic: the last %u bytes are a damaged \"~Module signature appended~\" marker",
				TRAILER_MAGIC_LEN);
		break;
	case TRAILER_SIG_TOO_LONG:
		snprintf(
			out, size,
			"sig_len larger than the file: sig_len is %lu but only %zu bytes precede the %u-byte trailer",
			(unsigned long)t->sig_len_field,
			len - TRAILER_FIXED_LEN, TRAILER_FIXED_LEN);
		break;
	case TRAILER_NO_MODULE:
		snprintf(
			out, size,
			"no module bytes before the signature: sig_len %lu covers the whole file",
			(unsigned long)t->sig_len_field);
		break;
	case TRAILER_BAD_ID_TYPE:
		snprintf(
			out, size,
			"id type is not PKCS#7: id_type %u (%s), the kernel takes only %u (PKCS#7)",
			t->id_type, id_type_name(t->id_type), TRAILER_ID_PKCS7);
		break;
	case TRAILER_NONZERO:
		snprintf(
			out, size,
			"non-zero fields in the signature info: algo %u, hash %u, signer_len %u, key_id_len %u, pad %u/%u/%u must all be 0 for PKCS#7",
			t->algo, t->hash, t->signer_len, t->key_id_len,
			t->pad[0], t->pad[1], t->pad[2]);
		break;
	case TRAILER_TRAILING:
		snprintf(
			out, size,
			"damaged trailer: no signature magic at the end, but %llu bytes follow the ELF image (a truncated signature?)",
			(unsigned long long)(len - t->elf_end));
		break;
	default:
		snprintf(out, size, "%s", trailer_strerror(st));
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
