/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixtures.h - the inputs the unit tests of `modsign check` build
 * (unit_sysparse.c, unit_keymatch.c, unit_verdict.c): byte writers, EFI
 * signature lists, certificates and RSA keys made at run time, minimal ELF
 * modules with a .modinfo, and signatures appended as sign-file does.
 *
 * Include after unit.h. Everything is static inline, so a unit that uses
 * only part of it compiles without warnings.
 */
#ifndef MODSIGN_TESTS_FIXTURES_H
#define MODSIGN_TESTS_FIXTURES_H

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
#include "trailer.h"
#include "verdict.h"

#include "unit.h"

/* ---- buffers and byte writers ---- */

static inline struct buf from_str(const char *s)
{
	return from_bytes(s, strlen(s));
}

static inline void put(uint8_t *p, uint64_t v, unsigned w, int big)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[big ? w - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* ---- EFI signature lists ---- */

__attribute__((unused)) static const uint8_t sha256_guid[16] = {
	0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
	0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28
};
__attribute__((unused)) static const uint8_t owner_guid[16] = {
	0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43,
	0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23
};

/* Appends one EFI_SIGNATURE_LIST of n entries of data_len bytes each. */
static inline void add_list(struct buf *b, const uint8_t *type,
			    const uint8_t *data, size_t data_len, unsigned n,
			    size_t hdr)
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

/* ---- certificates and signatures, made here ---- */

/* two RSA keys, made by make_keys() in main() of the units that sign */
__attribute__((unused)) static EVP_PKEY *key_a;
__attribute__((unused)) static EVP_PKEY *key_b;

static inline int make_keys(void)
{
	key_a = EVP_RSA_gen(2048);
	key_b = EVP_RSA_gen(2048);
	if (key_a && key_b)
		return 0;
	printf("FAIL setup: no RSA keys\n");
	return -1;
}

static inline void free_keys(void)
{
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
}

static inline X509 *make_cert(EVP_PKEY *key, const char *cn, long serial,
			      int skid)
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

static inline struct buf cert_der(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	struct buf b = from_bytes(der, n > 0 ? (size_t)n : 0);

	OPENSSL_free(der);
	return b;
}

/* A minimal ELF relocatable image with a .modinfo section. */
static inline struct buf make_elf(const char *modinfo, size_t mlen, int is64,
				  int big)
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

static inline struct buf module_for(const char *release)
{
	char mi[256];
	int n = snprintf(
		mi, sizeof(mi),
		"license=GPL%cvermagic=%s SMP preempt mod_unload %cname=hello",
		0, release, 0);

	return make_elf(mi, (size_t)n + 1, 1, 0);
}

static inline void append_sig(struct buf *b, const uint8_t *der, size_t len)
{
	uint8_t tail[TRAILER_FIXED_LEN];

	append(b, der, len);
	trailer_build_info((uint32_t)len, tail);
	append(b, tail, sizeof(tail));
}

/* Signs b as sign-file does (issuer and serial), or naming the key by its
 * SKID (sign-file -k). */
static inline void sign_buf(struct buf *b, EVP_PKEY *key, X509 *cert,
			    int by_skid)
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

/* ---- machines ---- */

/* Debian 12 under Secure Boot, running 6.1.0-test, /proc/keys readable
 * with room for four keys and none in it yet; each test adds its keys and
 * lists. */
static inline void sb_machine_base(struct machine *m)
{
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
}

/* The /proc/keys key of certificate c, in ring (NULL: not known). */
static inline void add_kernel_key(struct machine *m, const struct cert_id *c,
				  const char *ring)
{
	struct mkey *k = &m->keys.keys[m->keys.n++];

	k->k.type = PKEY_ASYMMETRIC;
	snprintf(k->k.name, sizeof(k->k.name), "%.200s", c->cn);
	memcpy(k->k.id, c->skid, c->skid_len);
	k->k.id_len = c->skid_len;
	k->ring = ring;
}

/* ---- deciding ---- */

/* One module decided on a machine, as modsign check decides it. */
struct result {
	struct policy p;
	struct modfacts f;
	struct decision d;
};

static inline void judge(const struct machine *m, const struct buf *mod,
			 struct result *r)
{
	machine_policy(m, &r->p);
	modfacts_read(mod->p, mod->len, &r->f);
	decide(m, &r->p, &r->f, &r->d);
}

#endif
