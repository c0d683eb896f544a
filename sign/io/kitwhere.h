/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kitwhere.h - where modsign runs, for the words of its next steps
 * (core/kitwords.h): a clone's build, or installed.
 */
#ifndef MODSIGN_KITWHERE_H
#define MODSIGN_KITWHERE_H

/*
 * kit_where_detect - sets kit_words_set() from MODSIGN_ADVICE (clone or
 * installed, an override for tests), else from modsign's own executable
 * (/proc/self/exe, links resolved): a file below a folder named sign
 * whose parent holds the kit's Makefile and scripts/modsign-kit is a
 * clone's (sign/modsign, sign/build/asan/modsign); anything else is
 * installed. Returns 0, or EXIT_USAGE after saying why (a bad
 * MODSIGN_ADVICE).
 */
int kit_where_detect(void);

#endif
