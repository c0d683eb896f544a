// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sigfast.c - module signatures from a template (see sigfast.h).
 *
 * With no signed attributes, the signature value of a SignerInfo is the
 * private key operation over the content's digest (RFC 5652, 5.4), which
 * is what EVP_PKEY_sign with the signature digest set computes: the same
 * call libcrypto's CMS code makes for such a SignerInfo.
 */
#include "sigfast.h"

#include <string.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "sigcms.h"

void sig_template_free(struct sig_template *t)
{
	OPENSSL_free(t->der);
	memset(t, 0, sizeof(*t));
}

int sig_template_sign(const struct sig_template *t, const uint8_t *content,
		      size_t clen, uint8_t **der, size_t *derlen,
		      struct errbuf *eb)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	size_t siglen = t->sig_len;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t *out;
	int r, ret = -1;

	*der = NULL;
	*derlen = 0;
	ERR_clear_error();
	out = OPENSSL_malloc(t->len);
	OSSL_CHECK(out, eb, "out of memory");
	OSSL_CHECK(EVP_Digest(content, clen, digest, &dlen, t->md, NULL) == 1,
		   eb, "cannot compute the digest");
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, t->key, NULL);
	OSSL_CHECK(ctx && EVP_PKEY_sign_init(ctx) > 0 &&
			   EVP_PKEY_CTX_set_signature_md(ctx, t->md) > 0,
		   eb, "cannot set up the signature");
	memcpy(out, t->der, t->len);
	if (t->key_lock)
		pthread_mutex_lock(t->key_lock);
	r = EVP_PKEY_sign(ctx, out + t->sig_off, &siglen, digest, dlen);
	if (t->key_lock)
		pthread_mutex_unlock(t->key_lock);
	OSSL_CHECK(r > 0, eb, "EVP_PKEY_sign");
	if (siglen != t->sig_len) {
		eb_set(eb, "the signature has %zu bytes, not %zu", siglen,
		       t->sig_len);
		goto out;
	}
	*der = out;
	*derlen = t->len;
	out = NULL;
	ret = 0;
out:
	OPENSSL_free(out);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/* Where the signature value of the template's first SignerInfo lies. */
static int locate_signature(struct sig_template *t)
{
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) * sis;
	ASN1_OCTET_STRING *sig;
	const unsigned char *p = t->der, *v;
	const uint8_t *hit;
	int ret = -1;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)t->len);
	if (!cms || p != t->der + t->len)
		goto out;
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1)
		goto out;
	sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(sis, 0));
	if (!sig || ASN1_STRING_length(sig) <= 0 ||
	    ASN1_STRING_length(sig) != EVP_PKEY_get_size(t->key))
		goto out;
	t->sig_len = (size_t)ASN1_STRING_length(sig);
	v = ASN1_STRING_get0_data(sig);
	/* the value must end the message and be found nowhere else */
	hit = memmem(t->der, t->len, v, t->sig_len);
	if (!hit || (size_t)(hit - t->der) + t->sig_len != t->len)
		goto out;
	t->sig_off = (size_t)(hit - t->der);
	ret = 0;
out:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ret;
}

int sig_template_init(struct sig_template *t, EVP_PKEY *key, X509 *cert,
		      const EVP_MD *md, struct errbuf *eb)
{
	static const uint8_t first[] = "modsign signature template";
	static const uint8_t second[] = "modsign template self-check";
	uint8_t *want = NULL, *got = NULL;
	size_t want_len, got_len;
	int ret = 1;

	memset(t, 0, sizeof(*t));
	/* PKCS#1 v1.5 signatures are as long as the modulus, always */
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return 1;
	if (sig_sign(first, sizeof(first), key, cert, md, &t->der, &t->len, eb))
		return -1;
	t->key = key;
	t->md = md;
	if (locate_signature(t))
		goto out;
	if (sig_sign(second, sizeof(second), key, cert, md, &want, &want_len,
		     eb)) {
		ret = -1;
		goto out;
	}
	if (sig_template_sign(t, second, sizeof(second), &got, &got_len, eb))
		goto out; /* this key will not do it; sig_sign will */
	if (got_len == want_len && !memcmp(got, want, want_len))
		ret = 0;
out:
	OPENSSL_free(want);
	OPENSSL_free(got);
	ERR_clear_error();
	if (ret)
		sig_template_free(t);
	return ret;
}
