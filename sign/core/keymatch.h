/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keymatch.h - which certificate a module signature names, compared the way
 * the kernel looks the key up: the issuer's DER bytes and the serial number,
 * or the subject key identifier. Also what /proc/keys shows for a
 * certificate ("<CN>: <SKID hex>", or the serial when there is no SKID).
 *
 * Buffers in, no file I/O; libcrypto parses every bit of ASN.1.
 */
#ifndef MODSIGN_KEYMATCH_H
#define MODSIGN_KEYMATCH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "sigcms.h"
#include "sysparse.h"
#include "util.h"

#define KM_MAX_ISSUER 2048 /* bytes of an issuer Name, DER */
#define KM_MAX_SERIAL (SIG_MAX_ID + 1)

/* How the first SignerInfo of a module signature names its key. */
struct signer_id {
	int has_issuer; /* by issuer and serial number */
	uint8_t issuer[KM_MAX_ISSUER];
	size_t issuer_len;
	uint8_t serial[KM_MAX_SERIAL]; /* INTEGER content octets */
	size_t serial_len;
	int has_skid; /* by subject key identifier */
	uint8_t skid[SIG_MAX_ID];
	size_t skid_len;
};

/* Fills *s from a DER PKCS#7 blob. Returns 0, or -1 with *eb. */
int signer_id_get(const uint8_t *der, size_t len, struct signer_id *s,
		  struct errbuf *eb);

/* A certificate and the names the kernel and a signature know it by. */
struct cert_id {
	X509 *x; /* owned: cert_id_free releases it */
	char cn[SIG_MAX_NAME + 1]; /* subject CN (the whole subject if none) */
	uint8_t issuer[KM_MAX_ISSUER];
	size_t issuer_len;
	uint8_t serial[KM_MAX_SERIAL];
	size_t serial_len;
	int has_skid;
	uint8_t skid[SIG_MAX_ID];
	size_t skid_len;
	const char *source; /* where it came from: "MokListRT", a file... */
};

/* From a parsed certificate (one reference is taken). 0, or -1 with *eb. */
int cert_id_from_x509(X509 *x, const char *source, struct cert_id *c,
		      struct errbuf *eb);
/* From DER bytes; the whole buffer must be the certificate. */
int cert_id_from_der(const uint8_t *der, size_t len, const char *source,
		     struct cert_id *c, struct errbuf *eb);
void cert_id_free(struct cert_id *c);

/* Whether the signature's signer names this certificate, as the kernel
 * would find it: issuer DER and serial equal, or SKID equal. */
int cert_names_signer(const struct cert_id *c, const struct signer_id *s);

/* Whether a /proc/keys asymmetric key is this certificate's key: its id is
 * the one the kernel's x509 parser gives the certificate, the SKID, or the
 * serial number when the certificate has no SKID. */
int pkey_is_cert(const struct pkey *k, const struct cert_id *c);

/* ---- certificate lists (MokListRT, MokNew, --cert) ---- */

#define KM_WHY 512
#define KM_PATH 4096

enum list_status {
	LIST_UNKNOWN = 0, /* EFI variables not readable */
	LIST_ABSENT, /* readable, and the variable does not exist */
	LIST_OK,
	LIST_DAMAGED, /* read, but the signature lists are malformed */
};

struct cert_list {
	enum list_status status;
	char src[KM_PATH]; /* the file it was read from, root-relative */
	char why[KM_WHY]; /* for LIST_UNKNOWN / LIST_DAMAGED */
	struct cert_id *certs;
	size_t n;
	size_t other; /* entries that are not X.509 certificates (hashes) */
};

/* Appends *c (moved: the list owns it from now on). 0, or -1 (no memory;
 * *c is freed). */
int cert_list_add(struct cert_list *l, struct cert_id *c);

/*
 * cert_list_parse - the X.509 certificates of the EFI signature lists in
 * buf[0..len), appended to *l (l->status becomes LIST_OK, or LIST_DAMAGED
 * with the reason). No I/O: the unit tests and the fuzzer call it.
 */
void cert_list_parse(struct cert_list *l, const uint8_t *buf, size_t len,
		     const char *source);
void cert_list_free(struct cert_list *l);

#endif
