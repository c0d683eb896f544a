/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * msg.h - how modsign reports: `modsign: ERROR: <what>: <why>` on stderr,
 * usage errors with a hint to --help, and the exit codes, the same for
 * every command. Here, below the commands, so that the I/O layer (batch.c)
 * can report without reaching up to modsign.h.
 */
#ifndef MODSIGN_MSG_H
#define MODSIGN_MSG_H

/* Exit codes, the same for every command. */
#define EXIT_OK 0
#define EXIT_FAILED 1 /* some file failed (bad input, bad signature, I/O) */
#define EXIT_USAGE 2 /* the command line is wrong */

/* "modsign: ERROR: <message>" on stderr */
void modsign_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "modsign: ERROR: <cmd>: <message>" and a hint to --help, on stderr;
 * returns EXIT_USAGE */
int modsign_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
