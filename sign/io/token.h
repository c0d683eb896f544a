/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * token.h - signing keys in a PKCS#11 token: the URI, the PIN, the p11-kit
 * server, and the choice between OpenSSL's pkcs11 provider (provider.c)
 * and libp11's engine (engine.c). Used by keyload.c's signing_key_load.
 */
#ifndef MODSIGN_TOKEN_H
#define MODSIGN_TOKEN_H

#include "keyload.h"
#include "util.h"

/* The prefix of a key in a token: a PKCS#11 URI (RFC 7512). */
#define URI_PREFIX "pkcs11:"

/*
 * token_uri_nul - whether a "pkcs11:" URI has %00 in a value: decoded,
 * it would cut the value short (token=tk%00evil names the token "tk" for
 * libp11). Returns 1 with the attribute's name ("token=", never its
 * value) in attr, else 0.
 */
int token_uri_nul(const char *spec, char *attr, size_t attr_size);

/*
 * token_key_load - the private key at a "pkcs11:" URI, as
 * signing_key_load describes, into k (pkey, in_token, engine, via):
 * through OpenSSL's pkcs11 provider where it loads (OpenSSL's modules
 * folder, or $OPENSSL_MODULES), else through libp11's engine where this
 * build has OpenSSL's ENGINE API; $MODSIGN_PKCS11=provider or engine
 * allows only that one. Returns 0, or -1 with the reason in *eb (the PIN
 * never appears in it).
 */
int token_key_load(const char *spec, struct signing_key *k, struct errbuf *eb);

/*
 * token_key_load_more - for a key that token_key_load loaded into first
 * through p11-kit-client.so, up to n more handles on it (into more[]),
 * each through its own copy of p11-kit-client.so, so over its own
 * connection to the p11-kit server (which runs one p11-kit-remote per
 * connection, signing one call at a time), on first's route (the engine,
 * or the provider in a library context of its own), with the same PIN.
 * Nothing for a local token or a PIN asked on the terminal. Returns how
 * many were loaded; a failure only stops there (the first handle signs
 * for the rest).
 */
int token_key_load_more(const char *spec, const struct signing_key *first,
			struct signing_key *more, int n);
/* The p11-kit server the key of token_key_load is reached through
 * (P11_KIT_SERVER_ADDRESS, when the module is p11-kit-client.so), for
 * messages; "" for a token on this machine. */
const char *token_server(void);

/*
 * token_interrupt - makes a call to the token that waits for a p11-kit
 * server fail at once: shuts down (shutdown(2), not close: the descriptor
 * stays p11-kit's) every connection of this process to the server's Unix
 * socket. The call then fails, and p11-kit-client fails every later one.
 * For a server that accepted the connection and never answers (a frozen
 * signing host behind a live SSH forward), when a signal says to stop.
 * It also wakes a thread that goes on shutting down every connection to
 * the server until the process ends: p11-kit-client 0.25 connects again
 * when its first connection ends in C_Initialize's handshake.
 * Async-signal-safe; does nothing for a token on this machine.
 */
void token_interrupt(void);

/*
 * library_copy - a copy in memory (memfd) of the shared library at path,
 * to be opened as /proc/self/fd/N: a library opened a second time by its
 * own path is the one already loaded (dlopen), with its state (a PKCS#11
 * module's connection to its p11-kit server; an OpenSSL engine, which
 * OpenSSL's dynamic engine loads once per process); a copy is loaded
 * again, with its own. Returns the descriptor (close it once the library
 * is open), or -1.
 */
int library_copy(const char *path);

/* A URI taken apart by token_key_load, for provider.c and engine.c. */
struct uri_parts {
	char *uri; /* the URI without pin-value and module-path */
	char *pin; /* pin-value, decoded, or NULL */
	char *module; /* module-path, decoded, or NULL */
};

void uri_parts_free(struct uri_parts *u);

/* s[0..n) with %XX decoded (RFC 7512 values are percent-encoded). */
char *pct_decode(const char *s, size_t n);

/* Appends " (through the p11-kit server at ADDR)" to a failure of a
 * remote token, so that the message says where to look. */
void add_server(struct errbuf *eb);

#endif
