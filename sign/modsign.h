/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modsign.h - the command table. One file per subcommand (cmd_*.c), each
 * exporting a struct modsign_cmd; modsign.c dispatches on argv[1] and builds
 * --help from the table. Adding a command is one new file and one line in
 * modsign.c's table.
 */
#ifndef MODSIGN_H
#define MODSIGN_H

/* modsign_error, modsign_usage_error and the exit codes */
#include "msg.h"

struct modsign_cmd {
	const char *name;
	/* argv[0] is the command name; returns the exit code */
	int (*fn)(int argc, char *argv[]);
	const char *help; /* one line for `modsign --help` */
};

extern const struct modsign_cmd cmd_info;
extern const struct modsign_cmd cmd_verify;
extern const struct modsign_cmd cmd_sign;
extern const struct modsign_cmd cmd_strip;
extern const struct modsign_cmd cmd_check;
extern const struct modsign_cmd cmd_status;

/* Writes one file's report (or says it ran out of memory) and frees it;
 * then, after the last file, modsign_flush. Both return -1 on failure. */
struct strbuf;
int modsign_emit(struct strbuf *out, const char *file);
int modsign_flush(void);
/*
 * For getopt_long's '?' (unknown option) and ':' (missing value) with
 * opterr = 0 and an optstring that starts with ':'. Returns EXIT_USAGE.
 */
int modsign_bad_option(const char *cmd, int c, char *argv[]);

#endif
