/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * describe.h - what `modsign info` says about one module, computed from the
 * module's bytes alone (no I/O), so that the fuzzer can call it too.
 */
#ifndef MODSIGN_DESCRIBE_H
#define MODSIGN_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include "sigcms.h"
#include "trailer.h"
#include "util.h"

struct describe {
	size_t file_len;
	enum trailer_status status; /* of the outermost trailer */
	struct trailer t;
	unsigned nsigs; /* well-formed signatures, stacked */
	enum trailer_status inner; /* what lies below the last of them */
	struct sig_desc sig; /* the outermost signature (PKCS#7) */
	/* status TRAILER_BAD_ID_TYPE, but an old signature that modinfo
	 * reads (id_type X.509 or PGP): its parts, in the buffer given */
	int legacy;
	struct trailer_legacy leg;
	char leg_signer[256]; /* signer_len bytes (a uint8_t says how many) */
	uint8_t leg_key_id[256]; /* key_id_len bytes */
	struct errbuf err; /* why describe_buf returned -1 */
};

/*
 * describe_buf - examine buf[0..len). Returns 0 for a module that is signed
 * (status TRAILER_OK), plainly unsigned (TRAILER_UNSIGNED), or signed in
 * the old format of Linux 3.7 to 4.2 (legacy: kernels since 4.3 refuse it,
 * but it is there to be shown, as modinfo does), -1 for bad input, with
 * the reason in d->err.
 */
int describe_buf(const uint8_t *buf, size_t len, struct describe *d);

/* Appends the text block (json 0) or the one-line JSON object (json 1). */
void describe_format(const struct describe *d, const char *name, int json,
		     struct strbuf *out);

/* The JSON line for a file that could not be examined. */
void describe_format_error(const char *name, const char *why,
			   struct strbuf *out);

#endif
