/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kitwords.h - the kit's commands that modsign's next steps name, in the
 * words of where modsign runs: a clone's make targets (make sign, make
 * enroll, ...), or, installed (make install-tool, the Debian package),
 * modsign-kit's verbs (modsign-kit sign, sudo modsign-kit enroll, ...),
 * as the shell scripts' kit_cmd does. One table, in kitwords.c.
 *
 * No I/O: io/kitwhere.c tells where modsign runs and sets it once, before
 * any thread starts; the default is the clone's words.
 */
#ifndef MODSIGN_KITWORDS_H
#define MODSIGN_KITWORDS_H

#include <stddef.h>

enum kit_where {
	KIT_CLONE = 0, /* make's targets and variables */
	KIT_INSTALLED, /* modsign-kit's verbs and options */
};

enum kit_step {
	STEP_SIGN, /* sign the module with the kit's key */
	STEP_RESIGN, /* a damaged signature: sign it again from a new build */
	STEP_REBUILD, /* built for another kernel: build and sign for {R} */
	STEP_ENROLL, /* queue the kit's certificate for MokManager */
	STEP_DKMS_KEY, /* have DKMS sign with the kit's key */
	STEP_ADOPT_DKMS, /* make DKMS's key the kit's, and enroll it */
	STEP_RSA_KEY, /* a new RSA key in another folder, sign, enroll */
	STEP_ROTATE, /* replace the kit's key */
	STEP_KIT_CERT, /* where the kit's certificate is */
	STEP_COUNT
};

void kit_words_set(enum kit_where w);
enum kit_where kit_words_where(void);

/* the step's words where modsign runs (never NULL) */
const char *kit_step(enum kit_step s);

/* the same words for either place (for the tests) */
const char *kit_step_at(enum kit_where w, enum kit_step s);

/* kit_step() into buf[size] with each "{R}" replaced by release */
void kit_step_fill(char *buf, size_t size, enum kit_step s,
		   const char *release);

#endif
