/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modsign.h - the command table. One file per subcommand (cmd_*.c), each
 * exporting a struct modsign_cmd; modsign.c dispatches on argv[1] and builds
 * --help from the table. Adding a command is one new file and one line in
 * modsign.c's table.
 */
#ifndef MODSIGN_H
#define MODSIGN_H

struct modsign_cmd {
	const char *name;
	/* argv[0] is the command name; returns the exit code */
	int (*fn)(int argc, char *argv[]);
	const char *help; /* one line for `modsign --help` */
};

/* Exit codes, the same for every command. */
#define EXIT_OK 0
#define EXIT_FAILED 1 /* some file failed (bad input, bad signature, I/O) */
#define EXIT_USAGE 2  /* the command line is wrong */

extern const struct modsign_cmd cmd_info;
extern const struct modsign_cmd cmd_verify;
extern const struct modsign_cmd cmd_sign;
extern const struct modsign_cmd cmd_strip;
extern const struct modsign_cmd cmd_check;
extern const struct modsign_cmd cmd_status;

/* "modsign: ERROR: <message>" on stderr */
void modsign_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes one file's report (or says it ran out of memory) and frees it;
 * then, after the last file, modsign_flush. Both return -1 on failure. */
struct strbuf;
int modsign_emit(struct strbuf *out, const char *file);
int modsign_flush(void);
/* "modsign <cmd>: <message>" and a hint to --help, on stderr; returns
 * EXIT_USAGE */
int modsign_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * For getopt_long's '?' (unknown option) and ':' (missing value) with
 * opterr = 0 and an optstring that starts with ':'. Returns EXIT_USAGE.
 */
int modsign_bad_option(const char *cmd, int c, char *argv[]);

#endif
