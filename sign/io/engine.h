/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - a signing key in a PKCS#11 token through libp11's OpenSSL
 * engine (libengine-pkcs11-openssl): token.c's fallback where OpenSSL's
 * pkcs11 provider does not load. The one place that uses OpenSSL's ENGINE
 * API, and only where OpenSSL has it: without it (OPENSSL_NO_ENGINE, or
 * OpenSSL 4, which removed it) these functions stay, and no ENGINE
 * symbol is referenced.
 */
#ifndef MODSIGN_ENGINE_H
#define MODSIGN_ENGINE_H

#include "keyload.h"
#include "token.h"
#include "util.h"

/* Whether this build has OpenSSL's ENGINE API (1), or not (0). */
int engine_built(void);

/*
 * engine_key_load - the private key at u->uri through libp11's engine,
 * logged in with pin (NULL: pin-source in the URI, or asked on the
 * terminal when ask), from u->module (NULL: libp11's default, p11-kit's
 * proxy). Fills k (pkey, in_token, engine, via). 0, or -1 with *eb.
 */
int engine_key_load(const struct uri_parts *u, const char *pin, int ask,
		    struct signing_key *k, struct errbuf *eb);

/*
 * engine_key_load_own - the same through an engine of its own (its own
 * libp11 context and PKCS#11 module), not the one of engine_key_load,
 * which OpenSSL hands out to every caller; the PIN never asked. 0, or -1
 * with *eb.
 */
int engine_key_load_own(const struct uri_parts *u, const char *pin,
			struct signing_key *k, struct errbuf *eb);

/* Lets go of the engine of a key from engine_key_load (NULL: nothing). */
void token_engine_free(void *engine);

#endif
