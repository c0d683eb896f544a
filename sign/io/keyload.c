// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keyload.c - keys and certificates: key and certificate files (DER or
 * PEM, told apart by their first bytes), and the signing key of `sign`: a
 * key file here, a key in a PKCS#11 token through token.c.
 */
#include "keyload.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "engine.h"
#include "fileio.h"
#include "provider.h"
#include "token.h"

/* Reads a small file (key or certificate) into memory. */
static uint8_t *slurp(const char *path, size_t *len, struct errbuf *eb)
{
	struct file_buf fb;

	if (read_file(path, &fb, eb))
		return NULL;
	if (fb.len == 0) {
		eb_set(eb, "empty file");
		file_buf_free(&fb);
		return NULL;
	}
	*len = fb.len;
	return fb.data;
}

/* PEM if "-----BEGIN" comes first, after blank space; DER otherwise. */
static int is_pem(const uint8_t *p, size_t len)
{
	static const char begin[] = "-----BEGIN";
	size_t i = 0;

	while (i < len &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return len - i >= sizeof(begin) - 1 &&
	       memcmp(p + i, begin, sizeof(begin) - 1) == 0;
}

int load_certs(const char *path, STACK_OF(X509) * certs, struct errbuf *eb)
{
	uint8_t *data;
	size_t len;
	int count;

	data = slurp(path, &len, eb);
	if (!data)
		return -1;
	count = certs_from_data(data, len, certs, eb);
	free(data);
	return count;
}

int certs_from_data(const uint8_t *data, size_t len, STACK_OF(X509) * certs,
		    struct errbuf *eb)
{
	int count = 0;

	if (len == 0) {
		eb_set(eb, "empty file");
		return -1;
	}
	ERR_clear_error();
	if (is_pem(data, len)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);
		X509 *x;

		OSSL_CHECK(b, eb, "cannot read the certificate");
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				BIO_free(b);
				OSSL_CHECK(0, eb, "out of memory");
			}
			count++;
		}
		BIO_free(b);
		if (count == 0) {
			eb_ossl(eb, "no PEM certificate in it");
			goto out;
		}
		/* the loop ends on "no start line": not an error */
		ERR_clear_error();
	} else {
		const unsigned char *p = data, *end = data + len;

		while (p < end) {
			X509 *x = d2i_X509(NULL, &p, end - p);

			if (!x) {
				if (count)
					eb_ossl(eb,
						"garbage after certificate %d (DER)",
						count);
				else
					eb_ossl(eb,
						"not a certificate (neither PEM nor DER X.509)");
				goto out;
			}
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				OSSL_CHECK(0, eb, "out of memory");
			}
			count++;
		}
	}
	return count;
out:
	return -1;
}

X509 *load_cert(const char *path, struct errbuf *eb)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509 *x = NULL;

	if (!certs) {
		eb_set(eb, "out of memory");
		return NULL;
	}
	if (load_certs(path, certs, eb) > 0) {
		x = sk_X509_shift(certs);
	}
	sk_X509_pop_free(certs, X509_free);
	return x;
}

EVP_PKEY *load_key(const char *path, struct errbuf *eb)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pkey = NULL;
	const char *pin = getenv("KBUILD_SIGN_PIN");
	const unsigned char *p;
	uint8_t *data;
	size_t len, left;

	data = slurp(path, &len, eb);
	if (!data)
		return NULL;
	ERR_clear_error();
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey,
					     is_pem(data, len) ? "PEM" : "DER",
					     NULL, NULL, EVP_PKEY_KEYPAIR, NULL,
					     NULL);
	OSSL_CHECK(dctx, eb, "cannot set up a key decoder");
	if (pin)
		OSSL_CHECK(OSSL_DECODER_CTX_set_passphrase(
				   dctx, (const unsigned char *)pin,
				   strlen(pin)) == 1,
			   eb, "cannot use $KBUILD_SIGN_PIN");
	p = data;
	left = len;
	if (OSSL_DECODER_from_data(dctx, &p, &left) != 1 || !pkey) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		eb_ossl(eb,
			"not a private key (PEM or DER; an encrypted one needs its passphrase in $KBUILD_SIGN_PIN)");
		goto out;
	}
	ERR_clear_error();
out:
	OSSL_DECODER_CTX_free(dctx);
	OPENSSL_cleanse(data, len);
	free(data);
	return pkey;
}

char *signing_key_display(const char *spec)
{
	struct strbuf sb;
	const char *v;

	if (strncmp(spec, URI_PREFIX, strlen(URI_PREFIX)) != 0)
		return strdup(spec);
	/* Nothing after pin-value= is shown: a PIN with a raw ';', '&' or
	 * '?' in it would otherwise show its tail as further attributes. */
	v = strstr(spec, "pin-value=");
	if (!v)
		return strdup(spec);
	sb_init(&sb);
	sb_add(&sb, spec, (size_t)(v - spec));
	sb_puts(&sb, "pin-value=***");
	if (sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	return sb.s;
}

void signing_key_free(struct signing_key *k)
{
	if (k->libctx) {
		provider_key_free_own(k);
		memset(k, 0, sizeof(*k));
		return;
	}
	EVP_PKEY_free(k->pkey);
	token_engine_free(k->engine);
	if (k->in_token && !k->engine)
		provider_release();
	memset(k, 0, sizeof(*k));
}

int signing_key_load_more(const char *spec, const struct signing_key *first,
			  struct signing_key *more, int n)
{
	memset(more, 0, (size_t)(n > 0 ? n : 0) * sizeof(*more));
	if (!first->in_token || n < 1)
		return 0;
	return token_key_load_more(spec, first, more, n);
}

int signing_key_load(const char *spec, struct signing_key *k, struct errbuf *eb)
{
	memset(k, 0, sizeof(*k));
	if (!strncmp(spec, URI_PREFIX, strlen(URI_PREFIX)))
		return token_key_load(spec, k, eb);
	k->pkey = load_key(spec, eb);
	return k->pkey ? 0 : -1;
}
