// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sigcms.c - the PKCS#7 part of a module signature, through libcrypto's CMS
 * API. No file I/O: callers hand in buffers and get buffers back.
 */
#include "sigcms.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

int sig_hash_supported(int nid)
{
	/* What the kernel's PKCS#7 code and crypto API check for modules. */
	switch (nid) {
	case NID_sha1:
	case NID_sha224:
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		return 1;
	default:
		return 0;
	}
}

static int sig_algo_supported(int nid)
{
	switch (nid) {
	/* the kernel's pkcs7_sig_note_pkey_algo() takes these and no others
	 * (GOST and SM2 aside, which Debian's kernels do not sign with) */
	case NID_rsaEncryption:
	case NID_ecdsa_with_SHA1:
	case NID_ecdsa_with_SHA224:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		return 1;
	default:
		return 0;
	}
}

/* The UTF-8 text of the first CN in name; returns its length, or -1. A
 * name longer than size is cut at a character boundary and ends in "...",
 * so that every command shows the same one. */
static int name_cn(const X509_NAME *name, char *out, size_t size)
{
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int idx, n;
	size_t len;

	if (!name || size == 0)
		return -1;
	idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (idx < 0)
		return -1;
	e = X509_NAME_get_entry(name, idx);
	if (!e)
		return -1;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (n < 0) {
		ERR_clear_error();
		return -1;
	}
	len = (size_t)n;
	if (len <= size) {
		memcpy(out, utf8, len);
	} else if (size < 3) {
		len = 0;
	} else {
		/* not inside a character: back over continuation bytes */
		len = size - 3;
		while (len > 0 && (utf8[len] & 0xc0) == 0x80)
			len--;
		memcpy(out, utf8, len);
		memcpy(out + len, "...", 3);
		len += 3;
	}
	OPENSSL_free(utf8);
	return (int)len;
}

void cert_subject_cn(X509 *x, char *out, size_t size)
{
	int n;

	if (size == 0)
		return;
	n = name_cn(X509_get_subject_name(x), out, size - 1);
	if (n < 0) {
		/* no CN: the whole subject, one line */
		if (!X509_NAME_oneline(X509_get_subject_name(x), out,
				       (int)(size > INT_MAX ? INT_MAX : size)))
			out[0] = '\0';
		ERR_clear_error();
		return;
	}
	out[n] = '\0';
}

static const char *nid_name(int nid, char *buf, size_t size,
			    const ASN1_OBJECT *obj)
{
	if (nid != NID_undef)
		return OBJ_nid2ln(nid);
	if (OBJ_obj2txt(buf, (int)size, obj, 1) <= 0)
		snprintf(buf, size, "unknown OID");
	return buf;
}

/*
 * Parse a module's PKCS#7 blob and check the parts every caller relies on:
 * all bytes used, SignedData, at least one SignerInfo.
 */
static CMS_ContentInfo *parse(const uint8_t *der, size_t len, struct errbuf *eb)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	const ASN1_OBJECT *type;
	STACK_OF(CMS_SignerInfo) * sis;
	char oid[80];

	ERR_clear_error();
	if (len > LONG_MAX) {
		eb_set(eb, "garbage DER: a %zu-byte signature is too large",
		       len);
		return NULL;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (!cms) {
		eb_ossl(eb,
			"garbage DER: the signature is not a PKCS#7/CMS message");
		return NULL;
	}
	if ((size_t)(p - der) != len) {
		eb_set(eb,
		       "garbage DER: %zu stray bytes follow the %zu-byte PKCS#7 message inside sig_len",
		       len - (size_t)(p - der), (size_t)(p - der));
		goto bad;
	}
	type = CMS_get0_type(cms);
	if (OBJ_obj2nid(type) != NID_pkcs7_signed) {
		eb_set(eb,
		       "garbage DER: the PKCS#7 message is %s, not SignedData",
		       nid_name(OBJ_obj2nid(type), oid, sizeof(oid), type));
		goto bad;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (!sis || sk_CMS_SignerInfo_num(sis) <= 0) {
		eb_ossl(eb,
			"garbage DER: the PKCS#7 message has no SignerInfo");
		goto bad;
	}
	return cms;
bad:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return NULL;
}

static void copy_id(uint8_t *dst, size_t *dlen, const unsigned char *src,
		    int len)
{
	size_t n = len < 0 ? 0 : (size_t)len;

	if (n > SIG_MAX_ID)
		n = SIG_MAX_ID;
	if (n)
		memcpy(dst, src, n);
	*dlen = n;
}

/* The SKID of a certificate carried in the message that matches si. */
static void skid_from_certs(CMS_ContentInfo *cms, CMS_SignerInfo *si,
			    struct sig_desc *d)
{
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	int i;

	d->n_certs = certs ? sk_X509_num(certs) : 0;
	for (i = 0; i < d->n_certs && !d->has_skid; i++) {
		X509 *x = sk_X509_value(certs, i);
		const ASN1_OCTET_STRING *kid;

		if (CMS_SignerInfo_cert_cmp(si, x) != 0)
			continue;
		kid = X509_get0_subject_key_id(x);
		if (!kid)
			continue;
		copy_id(d->skid, &d->skid_len, ASN1_STRING_get0_data(kid),
			ASN1_STRING_length(kid));
		d->has_skid = 1;
	}
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
}

int sig_describe(const uint8_t *der, size_t len, struct sig_desc *d,
		 struct errbuf *eb)
{
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	BIGNUM *bn = NULL;
	int n, ret = -1;

	memset(d, 0, sizeof(*d));
	cms = parse(der, len, eb);
	if (!cms)
		return -1;
	d->n_signers = sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms));
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	OSSL_CHECK(si, eb, "garbage DER: no SignerInfo");
	OSSL_CHECK(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) ==
			   1,
		   eb, "garbage DER: the SignerInfo names no key");

	if (issuer) {
		n = name_cn(issuer, d->signer, sizeof(d->signer));
		if (n >= 0) {
			d->has_signer = 1;
			d->signer_len = (size_t)n;
		}
	}
	if (sno) {
		bn = ASN1_INTEGER_to_BN(sno, NULL);
		OSSL_CHECK(bn, eb, "garbage DER: unreadable serial number");
		n = BN_num_bytes(bn);
		if (n > SIG_MAX_ID) {
			eb_set(eb,
			       "garbage DER: a %d-byte serial number (more than %d)",
			       n, SIG_MAX_ID);
			goto out;
		}
		BN_bn2bin(bn, d->serial);
		d->serial_len = (size_t)n;
		d->has_serial = 1;
	}
	if (keyid) {
		copy_id(d->skid, &d->skid_len, ASN1_STRING_get0_data(keyid),
			ASN1_STRING_length(keyid));
		d->has_skid = 1;
	}
	skid_from_certs(cms, si, d);

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	OSSL_CHECK(dig && sig, eb, "garbage DER: no algorithms in SignerInfo");
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	/* modinfo prints OBJ_obj2txt(no_name = 0): the long name or OID */
	if (OBJ_obj2txt(d->hash, sizeof(d->hash), obj, 0) <= 0)
		snprintf(d->hash, sizeof(d->hash), "unknown");
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	if (OBJ_obj2txt(d->sig_algo, sizeof(d->sig_algo), obj, 0) <= 0)
		snprintf(d->sig_algo, sizeof(d->sig_algo), "unknown");
	d->has_attrs = CMS_signed_get_attr_count(si) > 0;
	ret = 0;
out:
	BN_free(bn);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ret;
}

/*
 * Whether x is the certificate si names, compared the way the kernel looks
 * the key up: the issuer's DER bytes and the serial number, or the subject
 * key identifier. (CMS_SignerInfo_cert_cmp would compare names after
 * case-folding, and so accept a signer name the kernel does not.)
 */
static int names_cert(CMS_SignerInfo *si, X509 *x)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	const unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1)
		return 0;
	if (keyid) {
		const ASN1_OCTET_STRING *kid = X509_get0_subject_key_id(x);

		return kid && ASN1_OCTET_STRING_cmp(keyid, kid) == 0;
	}
	if (!issuer || !sno ||
	    ASN1_INTEGER_cmp(sno, X509_get0_serialNumber(x)) != 0)
		return 0;
	/* the encodings as they were parsed, not re-encoded */
	if (X509_NAME_get0_der(issuer, &a, &alen) != 1 ||
	    X509_NAME_get0_der(X509_get_issuer_name(x), &b, &blen) != 1)
		return 0;
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* An AlgorithmIdentifier's parameters: absent or NULL, nothing else. */
static int params_absent_or_null(const X509_ALGOR *alg)
{
	int ptype;
	const void *pval;

	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
}

/* DER, as sign-file writes it: libcrypto's parser forgives some BER
 * liberties (a SET tagged primitive) that the kernel's does not. */
static int canonical_der(const uint8_t *der, size_t len, CMS_ContentInfo *cms,
			 struct errbuf *eb)
{
	unsigned char *enc = NULL;
	int n, ret = -1;

	n = i2d_CMS_ContentInfo(cms, &enc);
	if (n <= 0 || (size_t)n != len || memcmp(enc, der, len) != 0)
		eb_set(eb,
		       "garbage DER: the PKCS#7 message is not in canonical DER form");
	else
		ret = 0;
	OPENSSL_free(enc);
	ERR_clear_error();
	return ret;
}

/* The content type is data, and no SignerInfo has algorithm parameters
 * other than absent or NULL. */
static int content_and_algorithms(CMS_ContentInfo *cms, struct errbuf *eb)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	const ASN1_OBJECT *ctype = CMS_get0_eContentType(cms);
	char oid[80];
	int i;

	if (!ctype || OBJ_obj2nid(ctype) != NID_pkcs7_data) {
		eb_set(eb,
		       "garbage DER: the signed content type is %s, not data",
		       ctype ? nid_name(OBJ_obj2nid(ctype), oid, sizeof(oid),
					ctype) :
			       "missing");
		return -1;
	}
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		X509_ALGOR *dig = NULL, *sig = NULL;

		CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, i), NULL,
					 NULL, &dig, &sig);
		if (!dig || !sig || !params_absent_or_null(dig) ||
		    !params_absent_or_null(sig)) {
			eb_set(eb,
			       "garbage DER: unexpected algorithm parameters in SignerInfo %d",
			       i + 1);
			return -1;
		}
	}
	return 0;
}

/* Whether the digest algorithm alg is one of digestAlgorithms. */
static int digest_listed(const PKCS7_SIGNED *sd, const X509_ALGOR *alg)
{
	int j, listed = 0;

	for (j = 0; j < sk_X509_ALGOR_num(sd->md_algs); j++)
		if (OBJ_cmp(sk_X509_ALGOR_value(sd->md_algs, j)->algorithm,
			    alg->algorithm) == 0)
			listed = 1;
	return listed;
}

/* SignedData and SignerInfo version 1, each signer's digest algorithm
 * listed in digestAlgorithms, whose parameters are absent or NULL. */
static int signed_data_fields(const PKCS7_SIGNED *sd, struct errbuf *eb)
{
	int i, j;

	if (ASN1_INTEGER_get(sd->version) != 1) {
		eb_set(eb, "garbage DER: SignedData version %ld, not 1",
		       ASN1_INTEGER_get(sd->version));
		return -1;
	}
	for (i = 0; i < sk_PKCS7_SIGNER_INFO_num(sd->signer_info); i++) {
		PKCS7_SIGNER_INFO *si =
			sk_PKCS7_SIGNER_INFO_value(sd->signer_info, i);

		if (ASN1_INTEGER_get(si->version) != 1) {
			eb_set(eb, "garbage DER: SignerInfo version %ld, not 1",
			       ASN1_INTEGER_get(si->version));
			return -1;
		}
		if (!digest_listed(sd, si->digest_alg)) {
			eb_set(eb,
			       "garbage DER: the signer's digest algorithm is not in digestAlgorithms");
			return -1;
		}
	}
	for (j = 0; j < sk_X509_ALGOR_num(sd->md_algs); j++)
		if (!params_absent_or_null(
			    sk_X509_ALGOR_value(sd->md_algs, j))) {
			eb_set(eb,
			       "garbage DER: unexpected parameters in digestAlgorithms");
			return -1;
		}
	return 0;
}

/*
 * The versions and digestAlgorithms are only reachable through the
 * PKCS#7 (RFC 2315) structures. They parse messages whose signers are
 * named by issuer and serial, which is what sign-file makes; a CMS
 * message naming its signer by key identifier does not parse as PKCS#7
 * and is left to the other checks.
 */
static int pkcs7_fields(const uint8_t *der, size_t len, struct errbuf *eb)
{
	const unsigned char *p = der;
	PKCS7 *p7;
	int ret = -1;

	if (len > LONG_MAX)
		return -1;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (!p7) {
		ERR_clear_error();
		return 0;
	}
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign)
		eb_set(eb, "garbage DER: not PKCS#7 SignedData");
	else
		ret = signed_data_fields(p7->d.sign, eb);
	PKCS7_free(p7);
	ERR_clear_error();
	return ret;
}

/*
 * What the kernel's PKCS#7 parser insists on and libcrypto's CMS
 * verification does not look at, plus what RFC 5652 requires of fields
 * neither looks at: the content type is data, algorithm parameters are
 * absent or NULL, the versions are the ones for issuer-and-serial signers,
 * and the signers' digest algorithms are listed in digestAlgorithms.
 * Without these, a changed byte in such a field would still verify.
 */
static int strict_check(const uint8_t *der, size_t len, CMS_ContentInfo *cms,
			struct errbuf *eb)
{
	int ret = canonical_der(der, len, cms, eb) ||
		  content_and_algorithms(cms, eb) || pkcs7_fields(der, len, eb);

	ERR_clear_error();
	return ret ? -1 : 0;
}

/* "issuer CN=..., serial AB:CD" or "subject key id 12:34" for messages */
static void signer_words(CMS_SignerInfo *si, char *out, size_t size)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	struct strbuf sb;
	char cn[SIG_MAX_NAME];
	int n;

	sb_init(&sb);
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1) {
		sb_puts(&sb, "an unnamed signer");
	} else if (keyid) {
		sb_puts(&sb, "subject key id ");
		sb_hex_colon(&sb, ASN1_STRING_get0_data(keyid),
			     (size_t)ASN1_STRING_length(keyid));
	} else {
		n = name_cn(issuer, cn, sizeof(cn));
		sb_puts(&sb, "issuer CN=");
		if (n >= 0)
			sb_text_str(&sb, cn, (size_t)n);
		else
			sb_puts(&sb, "(none)");
		if (sno) {
			sb_puts(&sb, ", serial ");
			sb_hex_colon(&sb, ASN1_STRING_get0_data(sno),
				     (size_t)ASN1_STRING_length(sno));
		}
	}
	snprintf(out, size, "%s", sb.s ? sb.s : "?");
	sb_free(&sb);
	ERR_clear_error();
}

/* With signed attributes: their messageDigest must be the module's
 * digest, and the signature covers the attributes. */
static enum sig_verdict verify_signed_attrs(CMS_SignerInfo *si, X509 *x,
					    const uint8_t *digest, size_t dlen,
					    struct errbuf *eb)
{
	/* const: OpenSSL 4.0 returns a const pointer (3.x a plain one) */
	const ASN1_OCTET_STRING *md_attr = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
		V_ASN1_OCTET_STRING);

	if (!md_attr) {
		eb_set(eb,
		       "garbage DER: signed attributes without a messageDigest");
		return SIG_MALFORMED;
	}
	if ((size_t)ASN1_STRING_length(md_attr) != dlen ||
	    memcmp(ASN1_STRING_get0_data(md_attr), digest, dlen)) {
		eb_set(eb,
		       "digest mismatch: the module bytes are not the ones that were signed");
		return SIG_BAD;
	}
	CMS_SignerInfo_set1_signer_cert(si, x);
	if (CMS_SignerInfo_verify(si) != 1) {
		eb_ossl(eb,
			"bad signature: the signature over the signed attributes does not match the certificate's key");
		return SIG_BAD;
	}
	return SIG_GOOD;
}

/* The signature sig over the digest itself, with pk: 1 good, 0 bad, -1 the
 * verification could not be set up (said in *eb). */
static int verify_digest(EVP_PKEY *pk, const EVP_MD *md,
			 const ASN1_OCTET_STRING *sig, const uint8_t *digest,
			 size_t dlen, struct errbuf *eb)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ret = -1;

	OSSL_CHECK(ctx, eb, "cannot set up the verification");
	OSSL_CHECK(EVP_PKEY_verify_init(ctx) == 1, eb,
		   "cannot set up the verification");
	OSSL_CHECK(EVP_PKEY_CTX_set_signature_md(ctx, md) == 1, eb,
		   "cannot set up the verification");
	ret = EVP_PKEY_verify(ctx, ASN1_STRING_get0_data(sig),
			      (size_t)ASN1_STRING_length(sig), digest,
			      dlen) == 1;
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

/* Whether sig, which did not verify, is still an intact signature by pk
 * over some digest (so the module changed): with RSA PKCS#1 v1.5 the signed
 * digest can be recovered. */
static int rsa_signature_intact(EVP_PKEY *pk, const EVP_MD *md,
				const ASN1_OCTET_STRING *sig)
{
	EVP_PKEY_CTX *ctx;
	uint8_t *rec;
	size_t reclen;
	int intact;

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return 0;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	reclen = (size_t)EVP_PKEY_get_size(pk);
	rec = OPENSSL_malloc(reclen ? reclen : 1);
	intact = ctx && rec && EVP_PKEY_verify_recover_init(ctx) == 1 &&
		 EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
		 EVP_PKEY_verify_recover(ctx, rec, &reclen,
					 ASN1_STRING_get0_data(sig),
					 (size_t)ASN1_STRING_length(sig)) == 1;
	OPENSSL_free(rec);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return intact;
}

/*
 * Check one SignerInfo whose certificate is x. digest is the content's
 * digest with the SignerInfo's algorithm.
 */
static enum sig_verdict verify_one(CMS_SignerInfo *si, X509 *x,
				   const EVP_MD *md, const uint8_t *digest,
				   size_t dlen, struct errbuf *eb)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	ASN1_OCTET_STRING *sig;
	enum sig_verdict v = SIG_ERROR;
	int r;

	OSSL_CHECK(pk, eb, "the certificate's public key cannot be read");
	if (CMS_signed_get_attr_count(si) > 0) {
		v = verify_signed_attrs(si, x, digest, dlen, eb);
		goto out;
	}
	/* No signed attributes (what sign-file makes): the signature is over
	 * the content digest itself. */
	sig = CMS_SignerInfo_get0_signature(si);
	OSSL_CHECK(sig, eb, "garbage DER: no signature value");
	r = verify_digest(pk, md, sig, digest, dlen, eb);
	if (r < 0)
		goto out;
	if (r == 1) {
		v = SIG_GOOD;
		goto out;
	}
	/* Tell a changed module from a damaged signature or another key. */
	v = SIG_BAD;
	if (rsa_signature_intact(pk, md, sig))
		eb_set(eb,
		       "digest mismatch: the signature is intact, but the module bytes are not the ones that were signed");
	else
		eb_set(eb,
		       "bad signature: the signature value does not match the certificate's key (damaged signature, or another key with the same name)");
out:
	ERR_clear_error();
	return v;
}

/* The certificate among certs that si names, or NULL. */
static X509 *signer_cert(CMS_SignerInfo *si, STACK_OF(X509) * certs)
{
	X509 *x = NULL;
	int j;

	for (j = 0; j < sk_X509_num(certs) && !x; j++)
		if (names_cert(si, sk_X509_value(certs, j)))
			x = sk_X509_value(certs, j);
	ERR_clear_error();
	return x;
}

/*
 * The digest of the content with si's hash, into digest[0..*dlen), and
 * that hash in *md (the caller frees it). Returns SIG_GOOD when both the
 * hash and the signature algorithm are ones the kernel takes, else
 * SIG_UNSUPPORTED or SIG_MALFORMED with the reason in *eb.
 */
static enum sig_verdict signer_digest(CMS_SignerInfo *si,
				      const uint8_t *content, size_t clen,
				      EVP_MD **md, uint8_t *digest,
				      unsigned int *dlen, struct errbuf *eb)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	char oid[80];
	int nid;

	*md = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	if (!dig || !sig) {
		eb_set(eb, "garbage DER: no algorithms in SignerInfo");
		return SIG_MALFORMED;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	nid = OBJ_obj2nid(obj);
	if (!sig_hash_supported(nid)) {
		eb_set(eb, "unsupported algorithm: hash %s",
		       nid_name(nid, oid, sizeof(oid), obj));
		return SIG_UNSUPPORTED;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	if (!sig_algo_supported(OBJ_obj2nid(obj))) {
		eb_set(eb, "unsupported algorithm: signature %s",
		       nid_name(OBJ_obj2nid(obj), oid, sizeof(oid), obj));
		return SIG_UNSUPPORTED;
	}
	*md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
	if (!*md || EVP_Digest(content, clen, digest, dlen, *md, NULL) != 1) {
		eb_ossl(eb, "unsupported algorithm: hash %s cannot be computed",
			OBJ_nid2ln(nid));
		EVP_MD_free(*md);
		*md = NULL;
		return SIG_UNSUPPORTED;
	}
	return SIG_GOOD;
}

/* A module signature is detached, and passes strict_check. */
static int message_shape(const uint8_t *der, size_t derlen,
			 CMS_ContentInfo *cms, struct errbuf *eb)
{
	if (!CMS_is_detached(cms)) {
		eb_set(eb,
		       "garbage DER: the PKCS#7 message carries content of its own; a module signature is detached");
		return -1;
	}
	return strict_check(der, derlen, cms, eb);
}

enum sig_verdict sig_verify(const uint8_t *der, size_t derlen,
			    const uint8_t *content, size_t clen,
			    STACK_OF(X509) * certs, char *signer,
			    size_t signer_size, struct errbuf *eb)
{
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) * sis;
	enum sig_verdict v = SIG_UNKNOWN_KEY, one;
	struct errbuf first;
	char who[512];
	int i, nsi;

	if (signer_size)
		signer[0] = '\0';
	cms = parse(der, derlen, eb);
	if (!cms)
		return SIG_MALFORMED;
	first.msg[0] = '\0';
	if (message_shape(der, derlen, cms, eb)) {
		v = SIG_MALFORMED;
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	nsi = sk_CMS_SignerInfo_num(sis);
	for (i = 0; i < nsi && v != SIG_GOOD; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		X509 *x = signer_cert(si, certs);
		EVP_MD *md;
		uint8_t digest[EVP_MAX_MD_SIZE];
		unsigned int dlen = 0;

		if (!x) {
			if (!first.msg[0]) {
				signer_words(si, who, sizeof(who));
				eb_set(&first,
				       "unknown key: signed by %s; no certificate given (%d) is that key",
				       who, sk_X509_num(certs));
			}
			continue;
		}
		one = signer_digest(si, content, clen, &md, digest, &dlen, eb);
		if (one == SIG_MALFORMED) {
			v = one;
			goto out;
		}
		if (one == SIG_GOOD) {
			one = verify_one(si, x, md, digest, dlen, eb);
			EVP_MD_free(md);
		}
		if (one == SIG_GOOD)
			cert_subject_cn(x, signer, signer_size);
		v = one;
	}
	if (v == SIG_UNKNOWN_KEY)
		*eb = first;
out:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return v;
}

int sig_sign(const uint8_t *content, size_t clen, EVP_PKEY *key, X509 *cert,
	     const EVP_MD *md, uint8_t **der, size_t *derlen, struct errbuf *eb)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	unsigned char *out = NULL;
	int n, ret = -1;

	*der = NULL;
	*derlen = 0;
	ERR_clear_error();
	if (clen > INT_MAX) {
		eb_set(eb, "a %zu-byte module is too large to sign", clen);
		return -1;
	}
	/* What sign-file does: an empty SignedData, one signer without
	 * certificates or attributes, then the content run through it. */
	cms = CMS_sign(NULL, NULL, NULL, NULL,
		       CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED);
	OSSL_CHECK(cms, eb, "CMS_sign");
	OSSL_CHECK(CMS_add1_signer(cms, cert, key, md,
				   CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP |
					   CMS_NOATTR),
		   eb, "CMS_add1_signer");
	in = BIO_new_mem_buf(content, (int)clen);
	OSSL_CHECK(in, eb, "BIO_new_mem_buf");
	OSSL_CHECK(CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY) == 1, eb,
		   "CMS_final");
	n = i2d_CMS_ContentInfo(cms, &out);
	OSSL_CHECK(n > 0 && out, eb, "i2d_CMS_ContentInfo");
	*der = out;
	*derlen = (size_t)n;
	ret = 0;
out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return ret;
}

X509 *sig_signer_cert(const uint8_t *der, size_t derlen, STACK_OF(X509) * certs)
{
	struct errbuf eb;
	CMS_ContentInfo *cms = parse(der, derlen, &eb);
	STACK_OF(CMS_SignerInfo) * sis;
	X509 *found = NULL;
	int i, j;

	if (!cms)
		return NULL;
	sis = CMS_get0_SignerInfos(cms);
	for (i = 0; i < sk_CMS_SignerInfo_num(sis) && !found; i++)
		for (j = 0; j < sk_X509_num(certs) && !found; j++)
			if (names_cert(sk_CMS_SignerInfo_value(sis, i),
				       sk_X509_value(certs, j)))
				found = sk_X509_value(certs, j);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return found;
}

/* The OID of the kernel's own module-signing extended key usage, which
 * keys/openssl.cnf puts in the kit's certificates. */
#define OID_MODULE_SIGNING "1.3.6.1.4.1.2312.16.1.2"

/* Whether an extended key usage allows signing modules. */
static int eku_allows_modules(const ASN1_OBJECT *o)
{
	char txt[80];
	int nid = OBJ_obj2nid(o);

	if (nid == NID_code_sign || nid == NID_anyExtendedKeyUsage)
		return 1;
	return OBJ_obj2txt(txt, sizeof(txt), o, 1) > 0 &&
	       !strcmp(txt, OID_MODULE_SIGNING);
}

static void asn1_date(const ASN1_TIME *t, char *out, size_t size)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    !strftime(out, size, "%Y-%m-%d", &tm))
		snprintf(out, size, "an unreadable date");
}

int asn1_time_cmp_now(const ASN1_TIME *t)
{
	const unsigned char *d;
	int len, i, r;

	if (!t)
		return 0;
	len = ASN1_STRING_length(t);
	switch (ASN1_STRING_type(t)) {
	case V_ASN1_UTCTIME: /* YYMMDDHHMMSSZ */
		if (len != 13)
			return 0;
		break;
	case V_ASN1_GENERALIZEDTIME: /* YYYYMMDDHHMMSSZ */
		if (len != 15)
			return 0;
		break;
	default:
		return 0;
	}
	d = ASN1_STRING_get0_data(t);
	for (i = 0; i < len - 1; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	if (d[len - 1] != 'Z')
		return 0;
	r = ASN1_TIME_cmp_time_t(t, time(NULL));
	if (r == -2) {
		ERR_clear_error();
		return 0;
	}
	return r <= 0 ? -1 : 1;
}

int cert_problem(X509 *x, char *out, size_t size)
{
	EXTENDED_KEY_USAGE *eku;
	char date[32];
	int crit = 0, ok = 0, i;

	if (asn1_time_cmp_now(X509_get0_notAfter(x)) <= 0) {
		asn1_date(X509_get0_notAfter(x), date, sizeof(date));
		snprintf(out, size, "the certificate expired on %s", date);
		ERR_clear_error();
		return 1;
	}
	if (asn1_time_cmp_now(X509_get0_notBefore(x)) >= 0) {
		asn1_date(X509_get0_notBefore(x), date, sizeof(date));
		snprintf(out, size, "the certificate is not valid before %s",
			 date);
		ERR_clear_error();
		return 1;
	}
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		ERR_clear_error();
		if (crit == -1)
			return 0; /* no extended key usage: any use */
		snprintf(out, size,
			 "the certificate's extended key usage cannot be read");
		return 1;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++)
		ok = eku_allows_modules(sk_ASN1_OBJECT_value(eku, i));
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (ok)
		return 0;
	snprintf(
		out, size,
		"the certificate's extended key usage allows neither code signing nor module signing");
	return 1;
}
