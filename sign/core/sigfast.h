/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sigfast.h - many signatures with one RSA key, without building a CMS
 * message for each.
 *
 * A module signature (detached SignedData, no certificates, no signed
 * attributes) made with one key, certificate and hash is the same DER for
 * every module except the signature value, whose length is the key's
 * modulus length. So sig_sign (sigcms.c) makes one signature, the
 * template, and each module then costs a hash, one RSA operation and a
 * copy: no CMS objects, no digest BIO copying the module 4 KB at a time.
 *
 * sig_template_init checks itself: it signs a second text both ways and
 * is used only if the bytes are the same; otherwise (and for keys that are
 * not RSA, whose signatures vary in length) the caller keeps sig_sign.
 */
#ifndef MODSIGN_SIGFAST_H
#define MODSIGN_SIGFAST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"

struct sig_template {
	uint8_t *der; /* a whole signature made by sig_sign */
	size_t len;
	size_t sig_off; /* where its signature value lies in der */
	size_t sig_len;
	EVP_PKEY *key; /* borrowed */
	const EVP_MD *md;
	/* when set, held around the private key operation alone (a key in
	 * a token does one at a time); the hashing stays parallel */
	pthread_mutex_t *key_lock;
};

/*
 * Returns 0 when the template is ready, 1 when this key cannot use one
 * (the caller signs with sig_sign), -1 when signing itself failed (*eb).
 */
int sig_template_init(struct sig_template *t, EVP_PKEY *key, X509 *cert,
		      const EVP_MD *md, struct errbuf *eb);

/* What sig_sign would return for content[0..clen): *der is
 * OPENSSL_malloc'ed, *derlen bytes. Safe from several threads at once. */
int sig_template_sign(const struct sig_template *t, const uint8_t *content,
		      size_t clen, uint8_t **der, size_t *derlen,
		      struct errbuf *eb);

void sig_template_free(struct sig_template *t);

#endif
