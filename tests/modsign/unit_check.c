// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_check.c - unit tests for what `modsign check` is made of: the
 * parsers of sign/core/sysparse.c (EFI variables, lockdown, sig_enforce,
 * kernel config, /proc/keys, EFI signature lists, .modinfo), the
 * certificate matching of sign/core/keymatch.c and every branch of the
 * verdict in sign/core/verdict.c, on machines and modules built here (keys
 * and certificates are made at run time with libcrypto).
 *
 * Inputs are handed over in malloc'ed buffers of exactly their length, so
 * under AddressSanitizer (make -C sign check) a read outside fails the run.
 * Prints `PASS name` / `FAIL name: why` per test and closes with
 * `unit-check: N passed, N failed`; exits 1 when any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "keymatch.h"
#include "machine.h"
#include "sigcms.h"
#include "sysparse.h"
#include "trailer.h"
#include "verdict.h"

#include "unit.h"

/* ---- buffers ---- */

static struct buf from_str(const char *s)
{
	return from_bytes(s, strlen(s));
}

static void put(uint8_t *p, uint64_t v, unsigned w, int big)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[big ? w - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* ---- small parsers ---- */

TEST(efivar_u8)
{
	struct buf b = from_bytes("\x06\x00\x00\x00\x01", 5);

	check(efivar_u8(b.p, b.len) == 1, "SecureBoot=1");
	b.p[4] = 0;
	check(efivar_u8(b.p, b.len) == 0, "SecureBoot=0");
	check(efivar_u8(b.p, 4) == -1, "4 bytes");
	check(efivar_u8(NULL, 0) == -1, "NULL");
	free(b.p);
	b = from_bytes("\x06\x00\x00\x00\x01\x00", 6);
	check(efivar_u8(b.p, b.len) == -1, "6 bytes");
	free(b.p);
}

static enum lockdown ld(const char *s)
{
	struct buf b = from_str(s);
	enum lockdown l = lockdown_parse((const char *)b.p, b.len);

	free(b.p);
	return l;
}

TEST(lockdown)
{
	check(ld("none [integrity] confidentiality\n") == LOCKDOWN_INTEGRITY,
	      "integrity");
	check(ld("[none] integrity confidentiality\n") == LOCKDOWN_NONE,
	      "none");
	check(ld("none integrity [confidentiality]") ==
		      LOCKDOWN_CONFIDENTIALITY,
	      "confidentiality");
	check(ld("") == LOCKDOWN_UNKNOWN, "empty");
	check(ld("none integrity confidentiality\n") == LOCKDOWN_UNKNOWN,
	      "no brackets");
	check(ld("[none] [integrity]") == LOCKDOWN_UNKNOWN, "two brackets");
	check(ld("[frobnicate]") == LOCKDOWN_UNKNOWN, "unknown word");
	check(ld("] none [") == LOCKDOWN_UNKNOWN, "reversed");
	check(ld("[integrity") == LOCKDOWN_UNKNOWN, "unclosed");
	check(!strcmp(lockdown_name(LOCKDOWN_INTEGRITY), "integrity"), "name");
}

static int bp(const char *s)
{
	struct buf b = from_str(s);
	int v = bool_param_parse((const char *)b.p, b.len);

	free(b.p);
	return v;
}

TEST(bool_param)
{
	check(bp("Y\n") == TRI_YES, "Y");
	check(bp("N\n") == TRI_NO, "N");
	check(bp("1") == TRI_YES, "1");
	check(bp("0\n") == TRI_NO, "0");
	check(bp("") == TRI_UNKNOWN, "empty");
	check(bp("YN") == TRI_UNKNOWN, "YN");
	check(bp("\n") == TRI_UNKNOWN, "newline");
	check(bp("x") == TRI_UNKNOWN, "x");
}

static void kc(const char *s, struct kconfig *k)
{
	struct buf b = from_str(s);

	kconfig_parse((const char *)b.p, b.len, k);
	free(b.p);
}

TEST(kconfig)
{
	struct kconfig k;

	kc("#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	   "CONFIG_MODULE_SIG_FORMAT=y\n"
	   "CONFIG_MODULE_SIG=y\n"
	   "# CONFIG_MODULE_SIG_FORCE is not set\n"
	   "CONFIG_MODULE_SIG_ALL=y\n"
	   "CONFIG_MODULE_SIG_HASH=\"sha256\"\n"
	   "CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT=y\n"
	   "CONFIG_INTEGRITY_PLATFORM_KEYRING=y",
	   &k);
	check(k.valid, "valid");
	check(k.module_sig == TRI_YES, "MODULE_SIG %d", k.module_sig);
	check(k.module_sig_force == TRI_NO, "FORCE %d", k.module_sig_force);
	check(!strcmp(k.sig_hash, "sha256"), "hash '%s'", k.sig_hash);
	check(k.lock_down_efi == TRI_YES, "lockdown");
	check(k.platform_keyring == TRI_YES, "platform (no final newline)");
	check(k.machine_keyring == TRI_NO, "absent option is off");

	kc("CONFIG_MODULE_SIG_FORCE=y\nCONFIG_MODULE_SIG=m\n"
	   "CONFIG_MODULE_SIG_HASH=\"a-very-long-hash-name-that-does-not-fit-at-all\"\n",
	   &k);
	check(k.module_sig_force == TRI_YES && k.module_sig == TRI_YES,
	      "force, m");
	check(strlen(k.sig_hash) == sizeof(k.sig_hash) - 1, "hash cut");

	kc("CONFIG_MODULE_SIG_FORCEX=y\nCONFIG_MODULE_SIG\n"
	   "# CONFIG_MODULE_SIG is not sett\n",
	   &k);
	check(k.valid && k.module_sig == TRI_NO && k.module_sig_force == TRI_NO,
	      "near misses are not options");

	kc("hello\nworld\n", &k);
	check(!k.valid && k.module_sig == TRI_UNKNOWN &&
		      k.module_sig_force == TRI_UNKNOWN && !k.sig_hash[0],
	      "not a config: unknown");
	kconfig_parse(NULL, 0, &k);
	check(!k.valid && k.module_sig == TRI_UNKNOWN, "NULL");
}

/* ---- /proc/keys ---- */

static const char proc_keys_sample[] =
	"0b1c2d3e I------     1 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: 1\n"
	"1d2e3f4a I------     1 perm 1f030000     0     0 asymmetri Build time autogenerated kernel key: 66f54e1566a043cc3030420e181cf850fb9f42ac X509.rsa fb9f42ac []\n"
	"2a3b4c5d I------     1 perm 1f0f0000     0     0 keyring   .platform: 2\n"
	"3c4d5e6f I------     1 perm 1f010000     0     0 asymmetri modsign module signing key for vm: 2ef1d028e93ca2ffa39dbebe59ea68d112ee4a54 X509.rsa 9b0c5d8b []\n"
	"3c4d5e70 I------     1 perm 1f010000     0     0 asymmetri Debian: Debian Secure Boot CA: a70ce6d4: X509.rsa 9a6c58e5 []\n"
	"4e5f6a7b I--Q---    12 perm 3f030000  1000  1000 keyring   _ses: 1\n"
	"5f6a7b8c I--Q---     1 perm 1f3f0000  1000 65534 user      invocation_id: 16\n"
	"garbage line\n"
	"6a7b8c9d I------     1 perm 1f010000     0     0 asymmetri odd hex: abc X509.rsa 00000abc []";

TEST(proc_keys)
{
	struct buf b = from_str(proc_keys_sample);
	struct pkey k[16];
	size_t off = 0, n = 0;

	while (n < 16 && proc_keys_next((const char *)b.p, b.len, &off, &k[n]))
		n++;
	check(n == 9, "%zu lines", n);
	check(off == b.len, "off %zu of %zu", off, b.len);
	check(k[0].type == PKEY_KEYRING && k[0].serial == 0x0b1c2d3e &&
		      !strcmp(k[0].name, ".builtin_trusted_keys"),
	      "builtin keyring: '%s'", k[0].name);
	check(k[1].type == PKEY_ASYMMETRIC &&
		      !strcmp(k[1].name,
			      "Build time autogenerated kernel key") &&
		      k[1].id_len == 20 && k[1].id[0] == 0x66 &&
		      k[1].id[19] == 0xac && k[1].perm == 0x1f030000 &&
		      k[1].uid == 0,
	      "builtin key: '%s' %zu", k[1].name, k[1].id_len);
	check(k[3].type == PKEY_ASYMMETRIC &&
		      !strcmp(k[3].name, "modsign module signing key for vm") &&
		      k[3].id_len == 20 && k[3].id[0] == 0x2e,
	      "MOK key: '%s'", k[3].name);
	check(!strcmp(k[4].name, "Debian: Debian Secure Boot CA") &&
		      k[4].id_len == 4 && k[4].id[0] == 0xa7,
	      "O: CN name, ': X509' form: '%s' %zu", k[4].name, k[4].id_len);
	check(k[5].type == PKEY_KEYRING && !strcmp(k[5].name, "_ses") &&
		      k[5].uid == 1000,
	      "session keyring");
	check(k[6].type == PKEY_OTHER, "user key");
	check(k[7].type == PKEY_OTHER, "garbage");
	check(k[8].type == PKEY_ASYMMETRIC && k[8].id_len == 0 &&
		      !strncmp(k[8].name, "odd hex: abc", 12),
	      "odd-length hex is no id: '%s'", k[8].name);
	check(!proc_keys_next((const char *)b.p, b.len, &off, &k[0]), "end");
	free(b.p);
}

TEST(proc_keys_every_truncation)
{
	size_t cut, len = strlen(proc_keys_sample);

	for (cut = 0; cut <= len; cut++) {
		struct buf b = from_bytes(proc_keys_sample, cut);
		struct pkey k;
		size_t off = 0, n = 0;

		while (proc_keys_next((const char *)b.p, b.len, &off, &k)) {
			check(off <= cut && strlen(k.name) < sizeof(k.name),
			      "cut %zu", cut);
			n++;
		}
		check(n <= 9, "cut %zu: %zu lines", cut, n);
		free(b.p);
	}
	{
		/* a name longer than the buffer, an id longer than ours */
		char line[2048];
		struct pkey k;
		size_t off = 0;
		struct buf b;
		int i, p;

		p = snprintf(line, sizeof(line),
			     "1 I------ 1 perm 1f010000 0 0 asymmetri ");
		for (i = 0; i < 400; i++)
			line[p++] = 'n';
		p += snprintf(line + p, sizeof(line) - (size_t)p, ": ");
		for (i = 0; i < 2 * (PKEY_ID_MAX + 1); i++)
			line[p++] = 'a';
		b = from_bytes(line, (size_t)p);
		check(proc_keys_next((const char *)b.p, b.len, &off, &k) == 1 &&
			      k.type == PKEY_ASYMMETRIC && k.id_len == 0 &&
			      strlen(k.name) == PKEY_NAME_MAX - 1,
		      "long: %zu %zu", k.id_len, strlen(k.name));
		free(b.p);
	}
}

/* ---- EFI signature lists ---- */

static const uint8_t sha256_guid[16] = { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50,
					 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9,
					 0x36, 0x93, 0x43, 0x28 };
static const uint8_t owner_guid[16] = { 0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0,
					0x00, 0x43, 0xab, 0xb6, 0x3d, 0xd8,
					0x10, 0xdd, 0x8b, 0x23 };

/* Appends one EFI_SIGNATURE_LIST of n entries of data_len bytes each. */
static void add_list(struct buf *b, const uint8_t *type, const uint8_t *data,
		     size_t data_len, unsigned n, size_t hdr)
{
	uint8_t h[28];
	size_t ssize = 16 + data_len, lsize = 28 + hdr + n * ssize;
	unsigned i;

	memcpy(h, type, 16);
	put(h + 16, lsize, 4, 0);
	put(h + 20, hdr, 4, 0);
	put(h + 24, ssize, 4, 0);
	append(b, h, sizeof(h));
	for (i = 0; i < hdr; i++)
		append(b, "h", 1);
	for (i = 0; i < n; i++) {
		append(b, owner_guid, 16);
		append(b, data, data_len);
	}
}

static int walk(const struct buf *b, size_t *n, const char **err)
{
	struct siglist_iter it;
	struct siglist_entry e;
	struct buf exact = from_bytes(b->p, b->len);
	int r;

	*n = 0;
	siglist_init(&it, exact.p, exact.len);
	while ((r = siglist_next(&it, &e)) == 1) {
		check(e.data + e.data_len <= exact.p + exact.len,
		      "entry past the end");
		(*n)++;
	}
	*err = it.err;
	if (r < 0)
		check(siglist_next(&it, &e) == -1,
		      "a damaged walk stays damaged");
	free(exact.p);
	return r;
}

TEST(siglist)
{
	struct buf b = { NULL, 0 };
	uint8_t hash[32] = { 1 };
	struct siglist_iter it;
	struct siglist_entry e;
	const char *err;
	size_t n;

	add_list(&b, efi_cert_x509_guid, (const uint8_t *)"CERT-ONE", 8, 2, 0);
	add_list(&b, sha256_guid, hash, sizeof(hash), 3, 4);
	add_list(&b, efi_cert_x509_guid, (const uint8_t *)"C", 1, 0, 0);
	check(walk(&b, &n, &err) == 0 && n == 5, "5 entries: %zu %s", n,
	      err ? err : "");

	siglist_init(&it, b.p, b.len);
	check(siglist_next(&it, &e) == 1 &&
		      !memcmp(e.type, efi_cert_x509_guid, 16) &&
		      !memcmp(e.owner, owner_guid, 16) && e.data_len == 8 &&
		      !memcmp(e.data, "CERT-ONE", 8) && e.offset == 28,
	      "first entry");
	check(siglist_next(&it, &e) == 1 && e.offset == 28 + 24, "second");
	check(siglist_next(&it, &e) == 1 && !memcmp(e.type, sha256_guid, 16) &&
		      e.data_len == 32 && e.offset == 28 + 48 + 28 + 4,
	      "hash list, after its header");

	/* damage */
	put(b.p + 16, 10, 4, 0);
	check(walk(&b, &n, &err) == -1 && n == 0 && err, "ListSize < 28");
	put(b.p + 16, 100000, 4, 0);
	check(walk(&b, &n, &err) == -1 && err, "ListSize too big");
	put(b.p + 16, 28 + 48, 4, 0);
	put(b.p + 24, 8, 4, 0);
	check(walk(&b, &n, &err) == -1 && err, "SignatureSize < 16");
	put(b.p + 24, 0, 4, 0);
	check(walk(&b, &n, &err) == -1 && err, "SignatureSize 0");
	put(b.p + 24, 25, 4, 0);
	check(walk(&b, &n, &err) == -1 && err, "not a whole number");
	put(b.p + 24, 24, 4, 0);
	put(b.p + 20, 49, 4, 0);
	check(walk(&b, &n, &err) == -1 && err, "HeaderSize too big");
	put(b.p + 20, 0, 4, 0);
	check(walk(&b, &n, &err) == 0 && n == 5, "repaired");
	free(b.p);

	b.p = NULL;
	b.len = 0;
	check(walk(&b, &n, &err) == 0 && n == 0, "empty");
}

TEST(siglist_every_truncation)
{
	struct buf b = { NULL, 0 };
	uint8_t hash[32] = { 2 };
	size_t cut, n, full;
	const char *err;

	add_list(&b, efi_cert_x509_guid, (const uint8_t *)"CERT-ONE", 8, 2, 0);
	add_list(&b, sha256_guid, hash, sizeof(hash), 3, 4);
	full = b.len;
	for (cut = 0; cut < full; cut++) {
		struct buf c = from_bytes(b.p, cut);
		int r = walk(&c, &n, &err);

		check(r == -1 || cut == 0 || cut == 28 + 48,
		      "cut at %zu parsed as whole", cut);
		free(c.p);
	}
	free(b.p);
}

/* ---- certificates and signatures, made here ---- */

static EVP_PKEY *key_a, *key_b;

static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial, int skid)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (skid) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n;
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

		X509_pubkey_digest(x, EVP_sha1(), md, &n);
		ASN1_OCTET_STRING_set(os, md, (int)n);
		X509_add1_ext_i2d(x, NID_subject_key_identifier, os, 0, 0);
		ASN1_OCTET_STRING_free(os);
	}
	X509_sign(x, key, EVP_sha256());
	return x;
}

static struct buf cert_der(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	struct buf b = from_bytes(der, n > 0 ? (size_t)n : 0);

	OPENSSL_free(der);
	return b;
}

/* A minimal ELF relocatable image with a .modinfo section. */
static struct buf make_elf(const char *modinfo, size_t mlen, int is64, int big)
{
	static const char shstr[] = "\0.modinfo\0.shstrtab";
	size_t eh = is64 ? 64 : 52, she = is64 ? 64 : 40;
	size_t strsz = sizeof(shstr), shoff, m_off = eh, s_off = eh + mlen;
	struct buf b;
	uint8_t *sh;

	shoff = (s_off + strsz + 7) & ~(size_t)7;
	b.len = shoff + 3 * she;
	b.p = calloc(1, b.len);
	memcpy(b.p, "\177ELF", 4);
	b.p[4] = is64 ? 2 : 1;
	b.p[5] = big ? 2 : 1;
	b.p[6] = 1;
	put(b.p + 16, 1, 2, big); /* ET_REL */
	put(b.p + 18, 62, 2, big);
	if (is64) {
		put(b.p + 0x28, shoff, 8, big);
		put(b.p + 0x34, 64, 2, big);
		put(b.p + 0x3a, 64, 2, big);
		put(b.p + 0x3c, 3, 2, big);
		put(b.p + 0x3e, 2, 2, big);
	} else {
		put(b.p + 0x20, shoff, 4, big);
		put(b.p + 0x28, 52, 2, big);
		put(b.p + 0x2e, 40, 2, big);
		put(b.p + 0x30, 3, 2, big);
		put(b.p + 0x32, 2, 2, big);
	}
	memcpy(b.p + m_off, modinfo, mlen);
	memcpy(b.p + s_off, shstr, strsz);
	sh = b.p + shoff + she; /* section 1: .modinfo */
	put(sh, 1, 4, big);
	put(sh + 4, 1, 4, big);
	put(sh + (is64 ? 0x18 : 0x10), m_off, is64 ? 8 : 4, big);
	put(sh + (is64 ? 0x20 : 0x14), mlen, is64 ? 8 : 4, big);
	sh += she; /* section 2: .shstrtab */
	put(sh, 10, 4, big);
	put(sh + 4, 3, 4, big);
	put(sh + (is64 ? 0x18 : 0x10), s_off, is64 ? 8 : 4, big);
	put(sh + (is64 ? 0x20 : 0x14), strsz, is64 ? 8 : 4, big);
	return b;
}

#define MODINFO_61 \
	"license=GPL\0vermagic=6.1.0-test SMP preempt mod_unload modversions \0name=hello"

static struct buf module_for(const char *release)
{
	char mi[256];
	int n = snprintf(
		mi, sizeof(mi),
		"license=GPL%cvermagic=%s SMP preempt mod_unload %cname=hello",
		0, release, 0);

	return make_elf(mi, (size_t)n + 1, 1, 0);
}

static void append_sig(struct buf *b, const uint8_t *der, size_t len)
{
	uint8_t tail[TRAILER_FIXED_LEN];

	append(b, der, len);
	trailer_build_info((uint32_t)len, tail);
	append(b, tail, sizeof(tail));
}

/* Signs b as sign-file does (issuer and serial), or naming the key by its
 * SKID (sign-file -k). */
static void sign_buf(struct buf *b, EVP_PKEY *key, X509 *cert, int by_skid)
{
	struct errbuf eb;
	uint8_t *der = NULL;
	size_t len = 0;

	if (!by_skid) {
		check(!sig_sign(b->p, b->len, key, cert, EVP_sha256(), &der,
				&len, &eb),
		      "sig_sign: %s", eb.msg);
		append_sig(b, der, len);
		OPENSSL_free(der);
		return;
	} else {
		unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL |
				 CMS_NOCERTS | CMS_NOATTR | CMS_NOSMIMECAP;
		BIO *in = BIO_new_mem_buf(b->p, (int)b->len);
		CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
		unsigned char *out = NULL;
		int n;

		CMS_add1_signer(cms, cert, key, EVP_sha256(),
				flags | CMS_USE_KEYID);
		CMS_final(cms, in, NULL, flags);
		n = i2d_CMS_ContentInfo(cms, &out);
		check(n > 0, "CMS with a key id");
		append_sig(b, out, (size_t)n);
		OPENSSL_free(out);
		CMS_ContentInfo_free(cms);
		BIO_free(in);
	}
}

TEST(modinfo)
{
	static const char mi[] = MODINFO_61;
	int is64, big;

	for (is64 = 0; is64 < 2; is64++)
		for (big = 0; big < 2; big++) {
			struct buf b = make_elf(mi, sizeof(mi), is64, big);
			const char *v;
			size_t n;

			check(modinfo_get(b.p, b.len, "vermagic", &v, &n) ==
					      1 &&
				      n == strlen("6.1.0-test SMP preempt mod_unload modversions ") &&
				      !memcmp(v, "6.1.0-test ", 11),
			      "vermagic, is64 %d big %d", is64, big);
			check(first_word_len(v, n) == 10, "first word");
			check(modinfo_get(b.p, b.len, "name", &v, &n) == 1 &&
				      n == 5 && !memcmp(v, "hello", 5),
			      "last string");
			check(modinfo_get(b.p, b.len, "license", &v, &n) == 1 &&
				      n == 3,
			      "first string");
			check(modinfo_get(b.p, b.len, "version", &v, &n) == 0,
			      "absent key");
			check(modinfo_get(b.p, b.len, "vermagi", &v, &n) == 0,
			      "prefix of a key");
			free(b.p);
		}
	{
		struct buf b = from_str("not an elf at all, not at all......"
					"....................................");
		const char *v;
		size_t n;

		check(modinfo_get(b.p, b.len, "vermagic", &v, &n) == -1,
		      "not ELF");
		free(b.p);
	}
	{
		/* the value runs to the end of the section, no NUL */
		struct buf b = make_elf("vermagic=6.1", 12, 1, 0);
		const char *v;
		size_t n;

		check(modinfo_get(b.p, b.len, "vermagic", &v, &n) == 1 &&
			      n == 3,
		      "unterminated: %zu", n);
		free(b.p);
	}
}

TEST(modinfo_hostile)
{
	static const char mi[] = MODINFO_61;
	struct buf b = make_elf(mi, sizeof(mi), 1, 0);
	size_t cut, i;
	const char *v;
	size_t n;

	for (cut = 0; cut < b.len; cut++) {
		struct buf c = from_bytes(b.p, cut);
		int r = modinfo_get(c.p, c.len, "vermagic", &v, &n);

		check(r == -1 || (r == 1 && v + n <= (const char *)c.p + cut),
		      "cut %zu: %d", cut, r);
		free(c.p);
	}
	/* every header byte set to 0xff, one at a time */
	for (i = 0; i < 64; i++) {
		struct buf c = from_bytes(b.p, b.len);

		c.p[i] = 0xff;
		(void)modinfo_get(c.p, c.len, "vermagic", &v, &n);
		free(c.p);
	}
	/* the section headers' offsets and sizes, huge */
	for (i = b.len - 3 * 64; i < b.len; i += 4) {
		struct buf c = from_bytes(b.p, b.len);

		put(c.p + i, 0xfffffff0u, 4, 0);
		if (modinfo_get(c.p, c.len, "vermagic", &v, &n) == 1)
			check(v >= (const char *)c.p &&
				      v + n <= (const char *)c.p + c.len,
			      "value outside at %zu", i);
		free(c.p);
	}
	/* e_shnum 0 with a hostile count in section 0 */
	{
		struct buf c = from_bytes(b.p, b.len);

		put(c.p + 0x3c, 0, 2, 0);
		put(c.p + (b.len - 3 * 64) + 0x20, UINT64_MAX, 8, 0);
		check(modinfo_get(c.p, c.len, "vermagic", &v, &n) == 1,
		      "extended numbering");
		put(c.p + 0x3e, 0xffff, 2, 0);
		put(c.p + (b.len - 3 * 64) + 0x28, 7, 4, 0);
		check(modinfo_get(c.p, c.len, "vermagic", &v, &n) == -1,
		      "shstrndx out of range");
		free(c.p);
	}
	free(b.p);
}

TEST(signer_and_certificates)
{
	X509 *a = make_cert(key_a, "modsign unit key", 4242, 1);
	X509 *a2 = make_cert(key_b, "modsign unit key", 4243, 1);
	X509 *noskid = make_cert(key_a, "modsign unit key", 4242, 0);
	struct buf m = module_for("6.1.0-test"), ms;
	struct buf da = cert_der(a);
	struct cert_id ca, ca2, cn;
	struct signer_id s;
	struct trailer t;
	struct errbuf eb;
	struct pkey k;

	check(!cert_id_from_der(da.p, da.len, "A", &ca, &eb), "A: %s", eb.msg);
	check(!cert_id_from_x509(a2, "A2", &ca2, &eb), "A2");
	check(!cert_id_from_x509(noskid, "N", &cn, &eb), "N");
	check(!strcmp(ca.cn, "modsign unit key") && ca.has_skid &&
		      ca.skid_len == 20 && ca.serial_len == 2 &&
		      ca.serial[0] == 0x10 && ca.serial[1] == 0x92,
	      "cert id");
	check(!cn.has_skid, "no SKID");

	ms = from_bytes(m.p, m.len);
	sign_buf(&ms, key_a, a, 0);
	check(trailer_parse(ms.p, ms.len, &t) == TRAILER_OK, "signed");
	check(!signer_id_get(ms.p + t.sig_off, t.sig_len, &s, &eb), "%s",
	      eb.msg);
	check(s.has_issuer && !s.has_skid, "by issuer and serial");
	check(cert_names_signer(&ca, &s), "A names the signer");
	check(!cert_names_signer(&ca2, &s), "same name, other serial");
	check(cert_names_signer(&cn, &s),
	      "same issuer and serial, no SKID: the kernel would take it");

	/* /proc/keys ids: SKID, or serial without one */
	memset(&k, 0, sizeof(k));
	k.type = PKEY_ASYMMETRIC;
	memcpy(k.id, ca.skid, ca.skid_len);
	k.id_len = ca.skid_len;
	check(pkey_is_cert(&k, &ca) && !pkey_is_cert(&k, &ca2), "by SKID");
	memcpy(k.id, cn.serial, cn.serial_len);
	k.id_len = cn.serial_len;
	check(pkey_is_cert(&k, &cn) && !pkey_is_cert(&k, &ca), "by serial");
	free(ms.p);

	/* named by key id (sign-file -k) */
	ms = from_bytes(m.p, m.len);
	sign_buf(&ms, key_a, a, 1);
	check(trailer_parse(ms.p, ms.len, &t) == TRAILER_OK, "signed -k");
	check(!signer_id_get(ms.p + t.sig_off, t.sig_len, &s, &eb), "%s",
	      eb.msg);
	check(s.has_skid && s.skid_len == 20, "by SKID");
	check(cert_names_signer(&ca, &s) && !cert_names_signer(&ca2, &s) &&
		      !cert_names_signer(&cn, &s),
	      "SKID match");
	free(ms.p);

	check(signer_id_get((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &s,
			    &eb) == -1,
	      "garbage");
	{
		struct cert_id junk;

		check(cert_id_from_der((const uint8_t *)"\x30\x00", 2, "x",
				       &junk, &eb) == -1,
		      "not a certificate");
	}
	cert_id_free(&ca);
	cert_id_free(&ca2);
	cert_id_free(&cn);
	X509_free(a);
	X509_free(a2);
	X509_free(noskid);
	free(da.p);
	free(m.p);
}

TEST(cert_list)
{
	X509 *a = make_cert(key_a, "list key A", 1, 1);
	X509 *b = make_cert(key_b, "list key B", 2, 1);
	struct buf da = cert_der(a), db = cert_der(b), l = { NULL, 0 };
	uint8_t hash[32] = { 3 };
	struct cert_list cl;
	size_t cut;

	add_list(&l, efi_cert_x509_guid, da.p, da.len, 1, 0);
	add_list(&l, sha256_guid, hash, sizeof(hash), 2, 0);
	add_list(&l, efi_cert_x509_guid, db.p, db.len, 1, 0);
	memset(&cl, 0, sizeof(cl));
	cert_list_parse(&cl, l.p, l.len, "MokListRT");
	check(cl.status == LIST_OK && cl.n == 2 && cl.other == 2,
	      "2 certs, 2 hashes: %d %zu %zu", cl.status, cl.n, cl.other);
	check(!strcmp(cl.certs[0].cn, "list key A") &&
		      !strcmp(cl.certs[1].cn, "list key B") &&
		      !strcmp(cl.certs[1].source, "MokListRT"),
	      "names");
	cert_list_free(&cl);

	/* a certificate entry that is not one */
	l.p[28 + 16 + 1] ^= 0xff;
	memset(&cl, 0, sizeof(cl));
	cert_list_parse(&cl, l.p, l.len, "MokNew");
	check(cl.status == LIST_DAMAGED && cl.n == 1 &&
		      strstr(cl.why, "not a certificate"),
	      "bad entry: %s", cl.why);
	cert_list_free(&cl);
	l.p[28 + 16 + 1] ^= 0xff;

	for (cut = 0; cut < l.len; cut += 7) {
		struct buf c = from_bytes(l.p, cut);

		memset(&cl, 0, sizeof(cl));
		cert_list_parse(&cl, c.p, c.len, "cut");
		check(cl.n <= 2, "cut %zu", cut);
		check(cut == 0 || cl.status == LIST_DAMAGED || cl.n >= 1,
		      "cut %zu: status %d", cut, cl.status);
		cert_list_free(&cl);
		free(c.p);
	}
	free(l.p);
	free(da.p);
	free(db.p);
	X509_free(a);
	X509_free(b);
}

/* ---- verdicts ---- */

struct world {
	X509 *a, *b, *a_same_name; /* a_same_name: another key, a's name */
	struct cert_id ca, cb, cas;
};

static struct world W;

/* Debian 12 under Secure Boot: locked down, sig_enforce, keys A in MOK
 * and in .platform, nothing pending, running 6.1.0-test. */
static void sb_machine(struct machine *m)
{
	struct errbuf eb;
	struct cert_id c;

	memset(m, 0, sizeof(*m));
	m->efi = m->efivars = m->secure_boot = TRI_YES;
	m->setup_mode = TRI_NO;
	m->lockdown = LOCKDOWN_INTEGRITY;
	m->sig_enforce = m->sig_param = TRI_YES;
	m->has_release = 1;
	snprintf(m->release, sizeof(m->release), "6.1.0-test");
	kconfig_parse(NULL, 0, &m->kc);
	m->keys.status = KEYS_OK;
	snprintf(m->keys.rings, sizeof(m->keys.rings),
		 ".builtin_trusted_keys, .platform");
	m->keys.keys = calloc(4, sizeof(struct mkey));
	m->keys.n = 1;
	m->keys.keys[0].k.type = PKEY_ASYMMETRIC;
	snprintf(m->keys.keys[0].k.name, sizeof(m->keys.keys[0].k.name), "%.200s",
		 W.ca.cn);
	memcpy(m->keys.keys[0].k.id, W.ca.skid, W.ca.skid_len);
	m->keys.keys[0].k.id_len = W.ca.skid_len;
	m->moklist.status = LIST_OK;
	cert_id_from_x509(W.a, "MokListRT", &c, &eb);
	cert_list_add(&m->moklist, &c);
	m->moknew.status = LIST_ABSENT;
	m->given.status = LIST_ABSENT;
}

/* machine_free without linking io/sysstate.c (the file side) */
static void drop_machine(struct machine *m)
{
	free(m->keys.keys);
	cert_list_free(&m->moklist);
	cert_list_free(&m->moknew);
	cert_list_free(&m->given);
}

struct result {
	struct policy p;
	struct modfacts f;
	struct decision d;
};

static void judge(const struct machine *m, const struct buf *mod,
		  struct result *r)
{
	machine_policy(m, &r->p);
	modfacts_read(mod->p, mod->len, &r->f);
	decide(m, &r->p, &r->f, &r->d);
}

static struct buf signed_module(const char *release, EVP_PKEY *key, X509 *x)
{
	struct buf b = module_for(release);

	sign_buf(&b, key, x, 0);
	return b;
}

#define EXPECT(r, want_v, want_line, want_next)                        \
	do {                                                           \
		check((r).d.v == (want_v), "verdict %s, want %s (%s)", \
		      verdict_name((r).d.v), verdict_name(want_v),     \
		      (r).d.line);                                     \
		check(!strcmp((r).d.line, (want_line)), "line '%s'",   \
		      (r).d.line);                                     \
		check(!strcmp((r).d.next, (want_next)), "next '%s'",   \
		      (r).d.next);                                     \
	} while (0)

TEST(policy)
{
	struct machine m;
	struct policy p;

	sb_machine(&m);
	machine_policy(&m, &p);
	check(p.checks == TRI_YES && p.enforced == TRI_YES &&
		      !strcmp(p.why, "sig_enforce=Y, lockdown integrity"),
	      "SB: %s", p.why);
	m.sig_enforce = TRI_NO;
	machine_policy(&m, &p);
	check(p.enforced == TRI_YES && !strcmp(p.why, "lockdown integrity"),
	      "lockdown alone enforces: %s", p.why);
	m.lockdown = LOCKDOWN_NONE;
	machine_policy(&m, &p);
	check(p.checks == TRI_YES && p.enforced == TRI_NO, "not enforced");
	m.lockdown = LOCKDOWN_UNKNOWN;
	machine_policy(&m, &p);
	check(p.enforced == TRI_UNKNOWN && strstr(p.why, "lockdown unknown"),
	      "lockdown unknown: %s", p.why);
	m.kc.valid = 1;
	m.kc.module_sig = TRI_YES;
	m.kc.module_sig_force = TRI_YES;
	machine_policy(&m, &p);
	check(p.enforced == TRI_YES && strstr(p.why, "FORCE"), "FORCE");
	m.sig_param = m.sig_enforce = TRI_UNKNOWN;
	m.kc.valid = 0;
	m.lockdown = LOCKDOWN_INTEGRITY;
	machine_policy(&m, &p);
	check(p.checks == TRI_UNKNOWN && p.enforced == TRI_UNKNOWN,
	      "lockdown, but whether signatures are checked is unknown");
	m.sig_param = m.sig_enforce = TRI_NO;
	machine_policy(&m, &p);
	check(p.checks == TRI_NO && p.enforced == TRI_NO,
	      "no sig_enforce parameter: not checked");
	drop_machine(&m);
}

TEST(verdict_trusted)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD,
	       "will load: signed by modsign unit key A, a key this kernel trusts",
	       "none");
	check(r.d.trust == TRUST_YES && r.d.enrolled && !r.d.pending &&
		      r.d.sig_ok == TRI_YES && r.d.vermagic_ok == TRI_YES,
	      "details");
	check(!strcmp(r.d.reason, "trusted-key"), "reason %s", r.d.reason);

	/* the key in .machine (keyctl told), also fine */
	m.keys.keys[0].ring = ".machine";
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && strstr(r.d.key, "in .machine"), "%s", r.d.key);
	/* in a keyring that is not trusted for modules (.ima): not trusted */
	m.keys.keys[0].ring = "";
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO,
	      "a key outside the trusted keyrings: %s", r.d.line);
	EXPECT(r, V_REJECTED,
	       "will be rejected: signed by modsign unit key A, which this kernel does not trust",
	       "the key is enrolled (MokListRT) but this kernel did not load it: see \"The key was enrolled but modules still fail\" in docs/troubleshooting.md");
	drop_machine(&m);
	free(mod.p);
}

TEST(verdict_unsigned)
{
	struct machine m;
	struct result r;
	struct buf mod = module_for("6.1.0-test");

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED, "will be rejected: unsigned", "make sign");
	check(r.d.trust == TRUST_NA, "no key");

	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD_WARN,
	       "will load with a warning (taints the kernel): unsigned",
	       "optional: make sign, so that it loads without tainting the kernel");

	m.lockdown = LOCKDOWN_UNKNOWN;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN &&
		      !strncmp(
			      r.d.line,
			      "unknown: unsigned, and whether this kernel enforces module signatures is unknown",
			      80) &&
		      !strcmp(r.d.next, "make sign"),
	      "enforcement unknown: %s", r.d.line);

	m.sig_param = m.sig_enforce = TRI_NO;
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD,
	       "will load: this kernel does not check module signatures",
	       "none");
	drop_machine(&m);
	free(mod.p);
}

TEST(verdict_untrusted_and_pending)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_b, W.b);
	struct errbuf eb;
	struct cert_id c;

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED,
	       "will be rejected: signed by modsign unit key B, which this kernel does not trust",
	       "make enroll, then reboot and confirm the key in MokManager");
	check(r.d.trust == TRUST_NO && strstr(r.d.key, "not in MokListRT"),
	      "%s", r.d.key);

	cert_id_from_x509(W.b, "MokNew", &c, &eb);
	m.moknew.status = LIST_OK;
	cert_list_add(&m.moknew, &c);
	judge(&m, &mod, &r);
	EXPECT(r, V_PENDING,
	       "enrollment pending: reboot and confirm in MokManager",
	       "reboot and confirm the key in MokManager");
	check(r.d.pending && r.d.sig_ok == TRI_YES, "checked against MokNew");

	/* not enforced: it loads, tainting */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD_WARN &&
		      !strcmp(r.d.line,
			      "will load with a warning (taints the kernel): signed by modsign unit key B, which this kernel does not trust") &&
		      strstr(r.d.next, "MokManager"),
	      "%s / %s", r.d.line, r.d.next);
	drop_machine(&m);
	free(mod.p);
}

TEST(verdict_same_name)
{
	struct machine m;
	struct result r;
	/* signed by the rotated key: same name as the enrolled A */
	struct buf mod = signed_module("6.1.0-test", key_b, W.a_same_name);

	sb_machine(&m);
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO &&
		      strstr(r.d.key, "a different key with the same name"),
	      "identified through MokListRT: %s", r.d.key);

	/* no certificate anywhere: the name alone proves nothing */
	cert_list_free(&m.moklist);
	m.moklist.status = LIST_ABSENT;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN && r.d.trust == TRUST_UNKNOWN &&
		      !strcmp(r.d.reason, "trust-unknown") &&
		      strstr(r.d.next, "--cert"),
	      "name only: %s / %s", r.d.line, r.d.next);

	/* --cert of the rotated key: now known not to be trusted */
	{
		struct cert_id c;
		struct errbuf eb;

		cert_id_from_x509(W.a_same_name, "given.der", &c, &eb);
		m.given.status = LIST_OK;
		cert_list_add(&m.given, &c);
	}
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO, "--cert: %s",
	      r.d.line);
	drop_machine(&m);
	free(mod.p);
}

TEST(verdict_keys_unknown)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);

	sb_machine(&m);
	m.keys.status = KEYS_INCOMPLETE;
	snprintf(m.keys.why, sizeof(m.keys.why), "hidden");
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN && r.d.trust == TRUST_UNKNOWN &&
		      !strcmp(r.d.line,
			      "unknown: signed by modsign unit key A; whether this kernel trusts that key is unknown") &&
		      strstr(r.d.next, "as root") &&
		      strstr(r.d.key, "enrolled in MOK"),
	      "%s / %s / %s", r.d.line, r.d.next, r.d.key);

	/* not enforced: loads either way */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && !strcmp(r.d.reason, "not-enforced"), "%s",
	      r.d.line);
	drop_machine(&m);
	free(mod.p);
}

TEST(verdict_key_id_and_serial)
{
	struct machine m;
	struct result r;
	struct buf mod = module_for("6.1.0-test");
	X509 *noskid = make_cert(key_b, "no skid key", 77, 0);

	/* named by SKID (sign-file -k): matched without a certificate */
	sign_buf(&mod, key_a, W.a, 1);
	sb_machine(&m);
	cert_list_free(&m.moklist);
	m.moklist.status = LIST_ABSENT;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && strstr(r.d.key, "key id"), "%s / %s", r.d.line,
	      r.d.key);
	free(mod.p);

	/* a certificate without SKID: the kernel names it by serial */
	mod = signed_module("6.1.0-test", key_b, noskid);
	snprintf(m.keys.keys[0].k.name, sizeof(m.keys.keys[0].k.name),
		 "no skid key");
	m.keys.keys[0].k.id[0] = 77;
	m.keys.keys[0].k.id_len = 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD, "by serial and name: %s", r.d.line);
	m.keys.keys[0].k.id[0] = 78;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN, "same name, other serial, no cert: %s",
	      r.d.line);
	drop_machine(&m);
	free(mod.p);
	X509_free(noskid);
}

TEST(verdict_vermagic_and_release)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.12.9-test", key_a, W.a);

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED,
	       "will be rejected: built for 6.12.9-test, running 6.1.0-test",
	       "rebuild it for the running kernel: make clean sign KDIR=/lib/modules/6.1.0-test/build");
	check(r.d.vermagic_ok == TRI_NO, "vermagic_ok");
	free(mod.p);

	/* a release that is a prefix of another is not the same */
	mod = signed_module("6.1.0-test2", key_a, W.a);
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED, "prefix: %s", r.d.line);
	free(mod.p);

	mod = signed_module("6.1.0-test", key_a, W.a);
	m.has_release = 0;
	judge(&m, &mod, &r);
	EXPECT(r, V_UNKNOWN,
	       "unknown: the running kernel's release is unknown, so the vermagic cannot be compared",
	       "give the release: --release RELEASE");
	free(mod.p);

	/* no vermagic at all */
	mod = make_elf("license=GPL", 12, 1, 0);
	m.has_release = 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "no-vermagic"), "%s",
	      r.d.line);
	free(mod.p);
	drop_machine(&m);
}

TEST(verdict_bad_and_damaged)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);
	struct trailer t;

	sb_machine(&m);
	/* a byte of the module changed after signing */
	mod.p[70] ^= 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "bad-signature") &&
		      r.d.sig_ok == TRI_NO && !strcmp(r.d.next, "make sign"),
	      "%s / %s", r.d.line, r.d.sig_check);
	mod.p[70] ^= 1;

	/* garbage DER inside a well-formed trailer */
	check(trailer_parse(mod.p, mod.len, &t) == TRAILER_OK, "parse");
	mod.p[t.sig_off] = 0x04;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.f.sig == MODSIG_DAMAGED &&
		      !strcmp(r.d.next, "make clean sign"),
	      "%s", r.d.line);
	/* rejected even where signatures are not enforced */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED, "damaged, not enforced: %s", r.d.line);
	mod.p[t.sig_off] = 0x30;

	/* a cut magic: the kernel sees an unsigned module */
	mod.len -= 3;
	judge(&m, &mod, &r);
	check(r.f.sig == MODSIG_UNSIGNED && r.d.v == V_LOAD_WARN &&
		      r.f.sig_note[0],
	      "cut magic: %s", r.d.line);
	mod.len += 3;

	/* not a module, and a compressed one */
	{
		struct buf x = from_str("hello, world; hello, world, hello");

		judge(&m, &x, &r);
		check(r.d.v == V_ERROR, "not ELF: %s", r.d.line);
		x.p[0] = 0xfd;
		memcpy(x.p + 1, "7zXZ", 5);
		judge(&m, &x, &r);
		check(r.d.v == V_UNKNOWN && !strcmp(r.d.reason, "compressed"),
		      "xz: %s", r.d.line);
		free(x.p);
	}
	drop_machine(&m);
	free(mod.p);
}

int main(void)
{
	struct errbuf eb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	key_a = EVP_RSA_gen(2048);
	key_b = EVP_RSA_gen(2048);
	if (!key_a || !key_b) {
		printf("FAIL setup: no RSA keys\n");
		return 1;
	}
	W.a = make_cert(key_a, "modsign unit key A", 1001, 1);
	W.b = make_cert(key_b, "modsign unit key B", 1002, 1);
	W.a_same_name = make_cert(key_b, "modsign unit key A", 1003, 1);
	cert_id_from_x509(W.a, "A", &W.ca, &eb);
	cert_id_from_x509(W.b, "B", &W.cb, &eb);
	cert_id_from_x509(W.a_same_name, "A'", &W.cas, &eb);

	RUN(efivar_u8);
	RUN(lockdown);
	RUN(bool_param);
	RUN(kconfig);
	RUN(proc_keys);
	RUN(proc_keys_every_truncation);
	RUN(siglist);
	RUN(siglist_every_truncation);
	RUN(modinfo);
	RUN(modinfo_hostile);
	RUN(signer_and_certificates);
	RUN(cert_list);
	RUN(policy);
	RUN(verdict_trusted);
	RUN(verdict_unsigned);
	RUN(verdict_untrusted_and_pending);
	RUN(verdict_same_name);
	RUN(verdict_keys_unknown);
	RUN(verdict_key_id_and_serial);
	RUN(verdict_vermagic_and_release);
	RUN(verdict_bad_and_damaged);

	cert_id_free(&W.ca);
	cert_id_free(&W.cb);
	cert_id_free(&W.cas);
	X509_free(W.a);
	X509_free(W.b);
	X509_free(W.a_same_name);
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	printf("unit-check: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
