/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sigcms.h - the PKCS#7 (CMS SignedData) part of a module signature, through
 * libcrypto: describe it, check it against certificates, make one.
 *
 * All functions work on byte buffers; none does file I/O. ASN.1 is only ever
 * parsed by libcrypto (d2i_CMS_ContentInfo), never by hand.
 */
#ifndef MODSIGN_SIGCMS_H
#define MODSIGN_SIGCMS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"

#define SIG_MAX_ID 128 /* bytes of a serial number or key identifier */
/* Bytes of a common name, UTF-8. A longer one is cut at a character
 * boundary and ends in "..." within these bytes: info, verify and check
 * print the same name. */
#define SIG_MAX_NAME 1024

/* What the first SignerInfo of a module signature says. */
struct sig_desc {
	/* Issuer CN of the signing certificate (what modinfo calls signer);
	 * has_signer 0 when the SignerInfo names the key by SKID, or the
	 * issuer has no CN. UTF-8, not NUL-terminated: signer_len bytes. */
	int has_signer;
	char signer[SIG_MAX_NAME];
	size_t signer_len;
	/* Serial number of the signing certificate (modinfo's sig_key). */
	int has_serial;
	uint8_t serial[SIG_MAX_ID];
	size_t serial_len;
	/* Subject key identifier, from the SignerInfo sid when it is one,
	 * else from a certificate inside the message that matches it. */
	int has_skid;
	uint8_t skid[SIG_MAX_ID];
	size_t skid_len;
	/* Digest algorithm as modinfo prints it ("sha256"), or the OID. */
	char hash[64];
	/* Public key algorithm of the signature ("rsaEncryption"). */
	char sig_algo[64];
	int n_signers; /* SignerInfos in the message */
	int n_certs; /* certificates carried inside the message */
	int has_attrs; /* the first SignerInfo has signed attributes */
};

/*
 * sig_describe - parse a DER PKCS#7 blob and fill *d.
 * Returns 0, or -1 with a reason in *eb (garbage DER, not SignedData, no
 * SignerInfo, trailing bytes...).
 */
int sig_describe(const uint8_t *der, size_t len, struct sig_desc *d,
		 struct errbuf *eb);

enum sig_verdict {
	SIG_GOOD = 0,
	SIG_UNKNOWN_KEY, /* no certificate given matches the signer */
	SIG_BAD, /* digest mismatch or bad signature */
	SIG_UNSUPPORTED, /* hash or key algorithm the kernel cannot use */
	SIG_MALFORMED, /* the blob is not a usable PKCS#7 SignedData */
	SIG_ERROR, /* out of memory, or libcrypto failed otherwise */
};

/*
 * sig_verify - check the PKCS#7 blob der[0..derlen) as the signature of
 * content[0..clen) against the certificates in certs, as the kernel would:
 * the signer must be named (issuer and serial, or SKID) by one of certs,
 * and its signature must match the digest of content.
 *
 * On SIG_GOOD the subject CN of the certificate that verified is copied to
 * signer (NUL-terminated, at most signer_size bytes: SIG_MAX_NAME + 1 for
 * the whole name). Otherwise *eb says why.
 */
enum sig_verdict sig_verify(const uint8_t *der, size_t derlen,
			    const uint8_t *content, size_t clen,
			    STACK_OF(X509) * certs, char *signer,
			    size_t signer_size, struct errbuf *eb);

/*
 * sig_sign - the PKCS#7 blob the kernel's scripts/sign-file appends for
 * content[0..clen): CMS SignedData, detached, no certificates, no signed
 * attributes, SignerInfo naming the certificate by issuer and serial.
 * On success *der is an OPENSSL_malloc'ed buffer of *derlen bytes.
 */
int sig_sign(const uint8_t *content, size_t clen, EVP_PKEY *key, X509 *cert,
	     const EVP_MD *md, uint8_t **der, size_t *derlen,
	     struct errbuf *eb);

/* The subject CN of a certificate, UTF-8, NUL-terminated (the whole
 * subject if none); size SIG_MAX_NAME + 1 holds it as sig_desc.signer
 * does. */
void cert_subject_cn(X509 *x, char *out, size_t size);

/* The certificate in certs that the signature der[0..derlen) names, or
 * NULL. */
X509 *sig_signer_cert(const uint8_t *der, size_t derlen,
		      STACK_OF(X509) * certs);

/*
 * asn1_time_cmp_now - t against the current time, as OpenSSL's
 * X509_cmp_current_time (deprecated in 4.0) compares them: -1 when t is now
 * or earlier, 1 when later, 0 when t is not in RFC 5280's form
 * (YYMMDDHHMMSSZ as UTCTime, YYYYMMDDHHMMSSZ as GeneralizedTime) or is no
 * date. Built on ASN1_TIME_cmp_time_t, which OpenSSL 1.1.1 to 4.0 all have.
 */
int asn1_time_cmp_now(const ASN1_TIME *t);

/*
 * cert_problem - what makes x a doubtful module-signing certificate now:
 * expired, not yet valid, or an extended key usage that lists neither
 * codeSigning nor the module-signing OID (no such extension at all is
 * fine). Returns 1 with a phrase in out ("the certificate expired on
 * 2026-01-31"), or 0.
 */
int cert_problem(X509 *x, char *out, size_t size);

/* Whether the kernel can check a module signature made with this digest. */
int sig_hash_supported(int nid);

#endif
