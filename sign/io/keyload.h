/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keyload.h - keys and certificates: key and certificate files, and the
 * signing key of `modsign sign`: a key file (load_key), or a key in a
 * PKCS#11 token named by a "pkcs11:" URI (RFC 7512), reached through
 * OpenSSL's pkcs11 provider (pkcs11-provider) or, where none loads, the
 * libp11 engine (libengine-pkcs11-openssl).
 */
#ifndef MODSIGN_KEYLOAD_H
#define MODSIGN_KEYLOAD_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"

/* Appends the certificates in path (one DER certificate, several DER ones
 * back to back, or a PEM bundle) to certs. Returns how many, or -1. */
int load_certs(const char *path, STACK_OF(X509) * certs, struct errbuf *eb);

/* The same from data[0..len) already read (an empty one is refused). */
int certs_from_data(const uint8_t *data, size_t len, STACK_OF(X509) * certs,
		    struct errbuf *eb);

/* One certificate: the first one in path. */
X509 *load_cert(const char *path, struct errbuf *eb);

/* A private key, PEM or DER (PKCS#8 or traditional). An encrypted key is
 * opened with the passphrase in $KBUILD_SIGN_PIN, as sign-file does. */
EVP_PKEY *load_key(const char *path, struct errbuf *eb);

struct signing_key {
	EVP_PKEY *pkey;
	/* the key lives in a token: signatures go through the provider or
	 * the engine one at a time (a PKCS#11 session does one operation at
	 * a time) */
	int in_token;
	void *engine; /* ENGINE *, kept until signing_key_free */
	/* for a key in a token, how it was reached, for a notice:
	 * "OpenSSL's pkcs11 provider" or "libp11's pkcs11 engine" */
	const char *via;
	/* a key of its own library context (OSSL_LIB_CTX *) and provider
	 * instance (OSSL_PROVIDER *): signing_key_load_more's, through the
	 * provider; NULL for the others */
	void *libctx, *prov;
};

/*
 * signing_key_load - spec is a key file, or a "pkcs11:" URI. For a URI the
 * PIN is its pin-value attribute, else $MODSIGN_PIN, else $KBUILD_SIGN_PIN
 * (what sign-file reads); module-path=... in its query picks the PKCS#11
 * module (default: p11-kit's proxy of every registered module). The
 * provider is tried first, the engine only where it does not load
 * (token.h).
 * Returns 0, or -1 with the reason in *eb (the PIN never appears in it).
 */
int signing_key_load(const char *spec, struct signing_key *k,
		     struct errbuf *eb);
void signing_key_free(struct signing_key *k);
/*
 * signing_key_load_more - for a key in a token reached through a p11-kit
 * server (p11-kit-client.so), up to n more handles on the same key, each
 * over a connection of its own (token_key_load_more), for the workers of
 * a batch to sign side by side: the server signs one call at a time per
 * connection. Returns how many were loaded (0 for any other key, or when
 * the PIN is asked on the terminal); each is freed with signing_key_free.
 */
int signing_key_load_more(const char *spec, const struct signing_key *first,
			  struct signing_key *more, int n);

/* spec with any PIN in it replaced by "***", for messages (malloc'ed) */
char *signing_key_display(const char *spec);

#endif
