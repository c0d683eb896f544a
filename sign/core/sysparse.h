/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysparse.h - parsers for what `modsign check` reads about the running
 * machine and a module: EFI variables, lockdown, sig_enforce, the kernel
 * config, /proc/keys, EFI signature lists (MokListRT, MokNew) and the
 * .modinfo section of a module.
 *
 * Pure functions over (buffer, length): no I/O, no allocation, no
 * libcrypto, so that they can be unit-tested and fuzzed on their own. Every
 * read is bounds-checked against the length the caller gives; no buffer
 * needs to be NUL-terminated.
 */
#ifndef MODSIGN_SYSPARSE_H
#define MODSIGN_SYSPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Something read from the machine: known yes, known no, or not known. */
#define TRI_UNKNOWN (-1)
#define TRI_NO 0
#define TRI_YES 1

/*
 * efivar_u8 - the value of a one-byte EFI variable (SecureBoot, SetupMode)
 * as efivarfs shows it: 4 bytes of attributes, then the data. Returns the
 * byte (0..255), or -1 when the file is not 5 bytes long.
 */
int efivar_u8(const uint8_t *buf, size_t len);

enum lockdown {
	LOCKDOWN_UNKNOWN = -1,
	LOCKDOWN_NONE = 0,
	LOCKDOWN_INTEGRITY,
	LOCKDOWN_CONFIDENTIALITY,
};

/*
 * lockdown_parse - the mode in brackets in /sys/kernel/security/lockdown
 * ("none [integrity] confidentiality"). LOCKDOWN_UNKNOWN when there is no
 * single bracketed word this parser knows.
 */
enum lockdown lockdown_parse(const char *buf, size_t len);

/* "none", "integrity", "confidentiality" or "unknown" */
const char *lockdown_name(enum lockdown l);

/*
 * bool_param_parse - a kernel bool parameter as /sys/module shows it:
 * "Y"/"N" (or "1"/"0"), optionally followed by a newline. TRI_UNKNOWN for
 * anything else.
 */
int bool_param_parse(const char *buf, size_t len);

/* What modsign check wants from the kernel's .config. */
struct kconfig {
	int valid; /* at least one CONFIG_ line was seen */
	int module_sig; /* CONFIG_MODULE_SIG: TRI_YES / TRI_NO */
	int module_sig_force; /* CONFIG_MODULE_SIG_FORCE */
	int lock_down_efi; /* CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT */
	int platform_keyring; /* CONFIG_INTEGRITY_PLATFORM_KEYRING */
	int machine_keyring; /* CONFIG_INTEGRITY_MACHINE_KEYRING */
	int module_decompress; /* CONFIG_MODULE_DECOMPRESS: the kernel
				* decompresses a module kmod hands it so */
	int crypto_ecdsa; /* CONFIG_CRYPTO_ECDSA (=y or =m): the kernel can
			   * check an ECDSA module signature (Debian 12's 6.1
			   * cannot) */
	char sig_hash[32]; /* CONFIG_MODULE_SIG_HASH without quotes, or "" */
	/* the compression Kbuild applies to modules, which is also the one
	 * the kernel's decompressor reads: "xz", "zstd", "gzip" (from
	 * CONFIG_MODULE_COMPRESS_XZ=y, ...), or "" for none */
	char module_compress[8];
};

/*
 * kconfig_parse - read the options above from a kernel config file. An
 * option that is absent or "is not set" is TRI_NO, as in the kernel; when
 * the buffer holds no CONFIG_ line at all, k->valid is 0 and every option
 * TRI_UNKNOWN.
 */
void kconfig_parse(const char *buf, size_t len, struct kconfig *k);

/* ---- how compressed modules are loaded ---- */

/*
 * module_compression_parse - /sys/module/compression, which the kernel has
 * when it decompresses modules itself (CONFIG_MODULE_DECOMPRESS): "xz",
 * "zstd" or "gzip" and a newline. Returns that name (a static string), or
 * NULL for anything else.
 */
const char *module_compression_parse(const char *buf, size_t len);

/*
 * dpkg_installed_version - the Version: of package pkg in a dpkg status
 * file (/var/lib/dpkg/status) when its Status: ends in "installed". Copies
 * it into out[size] (cut to fit, NUL-terminated) and returns 1; 0 when the
 * package is not there or not installed.
 */
int dpkg_installed_version(const char *buf, size_t len, const char *pkg,
			   char *out, size_t size);

/*
 * version_major - the leading number of a package version ("34.2-2" and
 * "1:34.2-2" give 34, "30+20221128-1" gives 30). Returns -1 when there is
 * no number there, or it is above 9999.
 */
int version_major(const char *v);

/* ---- /proc/keys ---- */

#define PKEY_NAME_MAX 256
#define PKEY_ID_MAX 64

enum pkey_type {
	PKEY_OTHER = 0, /* a line of another key type, or one not understood */
	PKEY_KEYRING, /* "keyring": name is the keyring's description */
	PKEY_ASYMMETRIC, /* "asymmetri[c]": name and id from "<name>: <id hex>" */
};

struct pkey {
	enum pkey_type type;
	uint32_t serial; /* the key's ID (first column, hex) */
	uint32_t perm;
	uint32_t uid;
	/* A keyring's name (".builtin_trusted_keys"), or an asymmetric key's
	 * subject as the kernel made it from the certificate (its CN, or
	 * "O: CN"). NUL-terminated, cut at PKEY_NAME_MAX - 1 bytes. */
	char name[PKEY_NAME_MAX];
	/* An asymmetric key's identifier, the hex after the name: the
	 * certificate's subject key identifier, or its serial number when it
	 * has none. id_len 0 when the line carries none. */
	uint8_t id[PKEY_ID_MAX];
	size_t id_len;
};

/*
 * proc_keys_next - parse the line of /proc/keys at buf[*off..len) into *k
 * and move *off past it. Returns 1 when a line was read (k->type says
 * whether it was understood), 0 at the end of the buffer.
 */
int proc_keys_next(const char *buf, size_t len, size_t *off, struct pkey *k);

/* ---- EFI signature lists (MokListRT, MokNew, db) ---- */

#define EFI_GUID_LEN 16
/* EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072, as stored */
extern const uint8_t efi_cert_x509_guid[EFI_GUID_LEN];

struct siglist_iter {
	const uint8_t *buf;
	size_t len;
	size_t list_off; /* the EFI_SIGNATURE_LIST being walked */
	size_t list_end; /* where it ends */
	size_t entry_off; /* the next EFI_SIGNATURE_DATA in it */
	size_t sig_size; /* its SignatureSize */
	size_t err_off; /* for -1: where the damage is */
	const char *err; /* for -1: what is wrong */
};

struct siglist_entry {
	const uint8_t *type; /* the list's SignatureType GUID, 16 bytes */
	const uint8_t *owner; /* the entry's SignatureOwner GUID, 16 bytes */
	const uint8_t *data; /* the signature data (a DER cert for X509) */
	size_t data_len;
	size_t offset; /* of the entry in the buffer */
};

void siglist_init(struct siglist_iter *it, const uint8_t *buf, size_t len);

/*
 * siglist_next - the next entry of a sequence of EFI_SIGNATURE_LISTs:
 * SignatureType (GUID), SignatureListSize, SignatureHeaderSize,
 * SignatureSize (little-endian u32s), the header, then entries of
 * SignatureSize bytes each, an owner GUID followed by the data.
 * Returns 1 with *e filled, 0 at the end, -1 when the lists are damaged
 * (it->err and it->err_off say how and where; the walk stops there).
 */
int siglist_next(struct siglist_iter *it, struct siglist_entry *e);

/* ---- a module's .modinfo ---- */

/*
 * modinfo_get - the value of the first "key=value" string in the .modinfo
 * section of the ELF image buf[0..len) (32 or 64 bit, either byte order).
 * Returns 1 with *val pointing into buf (vlen bytes, not NUL-terminated),
 * 0 when the section has no such key, -1 when buf is not an ELF image with
 * a readable .modinfo section.
 */
int modinfo_get(const uint8_t *buf, size_t len, const char *key,
		const char **val, size_t *vlen);

/* The length of the first word of s[0..n) (up to a space or the end). */
size_t first_word_len(const char *s, size_t n);

/* Whether s[0..n) may stand in a `dkms -m NAME -v VERSION -k RELEASE`
 * command line as it is: 1 to 127 of [A-Za-z0-9._+~:-], not starting with
 * '-' or '.'. Anything else is never printed as a value (a placeholder
 * is). */
int dkms_name_ok(const char *s, size_t n);

#endif
