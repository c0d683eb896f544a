/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trailer.h - the signature trailer a signed kernel module ends with.
 *
 * A signed module is laid out as
 *
 *	[ module bytes (an ELF image)        ]  <- what the kernel hashes
 *	[ PKCS#7 SignedData, DER, sig_len B  ]
 *	[ struct module_signature, 12 bytes  ]
 *	[ "~Module signature appended~\n"    ]  28 bytes
 *
 * Signing twice appends a second trailer after the first, so the inner
 * signature becomes part of the bytes the outer one covers.
 *
 * Everything in trailer.c works on a byte buffer and its length: no I/O, no
 * allocation, no libcrypto, so it can be unit-tested and fuzzed on its own.
 */
#ifndef MODSIGN_TRAILER_H
#define MODSIGN_TRAILER_H

#include <stddef.h>
#include <stdint.h>

#define TRAILER_MAGIC "~Module signature appended~\n"
#define TRAILER_MAGIC_LEN 28u
_Static_assert(sizeof(TRAILER_MAGIC) == TRAILER_MAGIC_LEN + 1,
	       "TRAILER_MAGIC_LEN is the magic's length");
#define TRAILER_INFO_LEN 12u /* struct module_signature */
#define TRAILER_FIXED_LEN (TRAILER_MAGIC_LEN + TRAILER_INFO_LEN)

/* module_signature.id_type values (the kernel's enum pkey_id_type) */
#define TRAILER_ID_PGP 0
#define TRAILER_ID_X509 1
#define TRAILER_ID_PKCS7 2

enum trailer_status {
	TRAILER_OK = 0, /* one signature trailer parsed */
	TRAILER_UNSIGNED, /* a plain ELF image, no trailer */
	TRAILER_EMPTY, /* zero bytes */
	TRAILER_NOT_ELF, /* the (module part of the) file is not ELF */
	TRAILER_TRUNCATED, /* the magic is there, the rest is cut short */
	TRAILER_BAD_MAGIC, /* the tail looks like a damaged magic */
	TRAILER_SIG_TOO_LONG, /* sig_len reaches past the start of the file */
	TRAILER_NO_MODULE, /* the signature covers zero module bytes */
	TRAILER_SIG_EMPTY, /* sig_len is zero */
	TRAILER_BAD_ID_TYPE, /* id_type is not PKCS#7 */
	TRAILER_NONZERO, /* algo/hash/signer_len/key_id_len/pad not 0 */
	TRAILER_TRAILING, /* no magic, but bytes follow the ELF image */
};

struct trailer {
	/* Bytes before the signature: what the signature covers. */
	size_t module_len;
	/* Offset and length of the PKCS#7 DER blob. */
	size_t sig_off;
	size_t sig_len;
	/* The raw struct module_signature fields. */
	uint8_t algo, hash, id_type, signer_len, key_id_len;
	uint8_t pad[3];
	uint32_t sig_len_field;
	/*
	 * For TRAILER_UNSIGNED and TRAILER_OK: where the ELF image described
	 * by its own headers ends (the furthest section, program or section
	 * header table byte), or 0 when the headers do not say. Bytes between
	 * elf_end and module_len are not part of the ELF image.
	 */
	uint64_t elf_end;
	/* For TRAILER_BAD_MAGIC: how many stray bytes follow a whole magic
	 * found near the end (0: the tail is a near miss of the magic). */
	size_t magic_gap;
	/* For TRAILER_TRUNCATED: how many leading bytes of the magic the
	 * file ends with (0: the whole magic, but the file is too short). */
	size_t magic_prefix;
};

/*
 * trailer_parse - parse the outermost trailer of buf[0..len).
 *
 * Fills *t (always, even on error, as far as it got) and returns a status.
 * Reads only inside buf[0..len).
 */
enum trailer_status trailer_parse(const uint8_t *buf, size_t len,
				  struct trailer *t);

/*
 * An old signature, from before Linux 4.3 (id_type PGP or X.509; kmod's
 * modinfo still reads them, kernels since 4.3 refuse them):
 *
 *	[ module bytes                        ]
 *	[ signer's name, signer_len bytes     ]
 *	[ key identifier, key_id_len bytes    ]
 *	[ signature data, sig_len bytes       ]
 *	[ struct module_signature, 12 bytes   ]  algo, hash: the kernel's
 *	[ "~Module signature appended~\n"     ]  enums of the time
 */
struct trailer_legacy {
	size_t module_len;
	size_t signer_off, signer_len;
	size_t key_id_off, key_id_len;
	size_t sig_off, sig_len;
	uint8_t algo, hash, id_type;
};

/*
 * trailer_parse_legacy - buf[0..len) as an old signature, when
 * trailer_parse said TRAILER_BAD_ID_TYPE: as modinfo reads it (id_type PGP
 * or X.509, a known algo and hash, the parts inside the file), with a
 * signer's name and a key identifier (the old sign-file always wrote
 * both), the module part an ELF image. Returns 0 and fills *l, or -1.
 */
int trailer_parse_legacy(const uint8_t *buf, size_t len,
			 struct trailer_legacy *l);

/* The old hash numbers' names, as modinfo prints them ("sha1"), or NULL
 * past the table; and the old id types' ("X509", "PGP", modinfo's). */
const char *trailer_legacy_hash(uint8_t hash);
const char *trailer_legacy_id(uint8_t id_type);

/*
 * trailer_count - how many well-formed signatures are stacked.
 *
 * Peels trailers off from the end while they parse as TRAILER_OK; returns
 * their number (0 for an unsigned module) and stores in *base_len the length
 * left when all of them are removed, and in *inner the status of the first
 * trailer that did not parse as OK (TRAILER_UNSIGNED for a clean stack).
 */
unsigned trailer_count(const uint8_t *buf, size_t len, size_t *base_len,
		       enum trailer_status *inner);

/* A sentence fragment for a status, e.g. "wrong magic". */
const char *trailer_strerror(enum trailer_status st);

/*
 * trailer_explain - the status in words, with the numbers from *t that make
 * it specific ("sig_len 4294967295 is larger than the file (1234 bytes)").
 * Writes a NUL-terminated string of at most size bytes; returns out.
 */
char *trailer_explain(enum trailer_status st, const struct trailer *t,
		      size_t len, char *out, size_t size);

/*
 * trailer_build_info - the 40 bytes sign-file appends after a PKCS#7 blob of
 * sig_len bytes: struct module_signature (id_type PKCS#7, sig_len big
 * endian, everything else 0) followed by the magic.
 */
void trailer_build_info(uint32_t sig_len, uint8_t out[TRAILER_FIXED_LEN]);

/*
 * elf_image_end - where the ELF image in buf[0..len) ends according to its
 * headers. Returns 0 when buf is not an ELF image whose headers fit in len
 * (the ELF identification and header, that is; tables may reach past len,
 * which gives a value larger than len).
 */
uint64_t elf_image_end(const uint8_t *buf, size_t len);

/*
 * Is the ELF image whole? A module still being written or copied, or cut
 * short, has headers that name bytes it does not have. The kernel refuses
 * such a module (ENOEXEC), so modsign must not sign it or call it good.
 */
enum elf_fit {
	ELF_FITS = 0, /* every part its headers name lies inside the buffer */
	ELF_CUT, /* a part reaches past the end (which: struct elf_cut) */
	ELF_NOT_ELF, /* no \x7fELF at the start */
	ELF_BAD_IDENT, /* class or data encoding unknown: nothing can be read */
};

enum elf_part {
	ELF_PART_HEADER, /* the ELF header itself */
	ELF_PART_SHDRS, /* the section header table */
	ELF_PART_PHDRS, /* the program header table */
	ELF_PART_SECTION, /* the data of one section (not SHT_NOBITS) */
};

struct elf_cut {
	enum elf_part part;
	uint64_t section; /* ELF_PART_SECTION: its index */
	uint64_t end; /* the byte where that part ends */
	uint8_t ei_class, ei_data; /* e_ident[4], e_ident[5]; 0: not read */
};

/*
 * elf_check_whole - whether the ELF header, the program and section header
 * tables and every section's data (but SHT_NOBITS) lie in buf[0..len).
 * Give it the module bytes alone (before any signature). Fills *cut for
 * ELF_CUT (the first part found outside, in the order: header, section
 * table, program headers, sections by index) and the e_ident bytes for
 * ELF_BAD_IDENT. Reads only inside buf[0..len).
 */
enum elf_fit elf_check_whole(const uint8_t *buf, size_t len,
			     struct elf_cut *cut);

/*
 * elf_explain - the result in words, with what to do: "truncated: its
 * section table ends at byte N but WHAT has M bytes; ...". what names the
 * len bytes ("the file", "the module before its signature"). Writes a
 * NUL-terminated string of at most size bytes; returns out.
 */
char *elf_explain(enum elf_fit fit, const struct elf_cut *cut, size_t len,
		  const char *what, char *out, size_t size);

#endif
