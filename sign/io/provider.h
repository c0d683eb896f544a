/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * provider.h - a signing key in a PKCS#11 token through OpenSSL's pkcs11
 * provider (pkcs11-provider) and OSSL_STORE, as the kernel's sign-file
 * loads one since 6.12: token.c's first choice.
 */
#ifndef MODSIGN_PROVIDER_H
#define MODSIGN_PROVIDER_H

#include "keyload.h"
#include "token.h"
#include "util.h"

/*
 * provider_usable - whether OpenSSL's "pkcs11" provider loads (from
 * OpenSSL's modules folder, or $OPENSSL_MODULES), told to use the PKCS#11
 * module module (NULL: $PKCS11_PROVIDER_MODULE, else its own default,
 * p11-kit's proxy). Loads it once, beside OpenSSL's default provider.
 */
int provider_usable(const char *module);

/*
 * provider_key_load - the private key at u->uri through the provider,
 * logged in with pin (NULL: pin-source in the URI, or asked on the
 * terminal when ask). Fills k (pkey, in_token, via). 0, or -1 with *eb.
 */
int provider_key_load(const struct uri_parts *u, const char *pin, int ask,
		      struct signing_key *k, struct errbuf *eb);

/*
 * provider_key_load_own - the same key again, through a provider instance
 * of its own in a library context of its own (k->libctx, k->prov), told
 * to use u->module, with the PIN pin (never asked: the first load asked).
 * So a second copy of a PKCS#11 module (token.c) serves this key alone.
 * 0, or -1 with *eb. Freed with provider_key_free_own.
 */
int provider_key_load_own(const struct uri_parts *u, const char *pin,
			  struct signing_key *k, struct errbuf *eb);
void provider_key_free_own(struct signing_key *k);
/* Unloads the provider, after the last key from it is freed. */
void provider_release(void);

#endif
