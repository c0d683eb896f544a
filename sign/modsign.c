// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign - inspect, verify, sign and strip the signatures of Linux kernel
 * modules. One binary, one subcommand per file, dispatched from this table.
 */
#include "modsign.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#ifndef MODSIGN_VERSION
#define MODSIGN_VERSION "0.1"
#endif

static const struct modsign_cmd *const cmds[] = {
	&cmd_info, &cmd_verify, &cmd_sign, &cmd_strip, &cmd_check, &cmd_status,
};

int modsign_emit(struct strbuf *out, const char *file)
{
	int rc = 0;

	if (out->oom) {
		modsign_error("%s: out of memory", file);
		rc = -1;
	} else if (out->len) {
		fwrite(out->s, 1, out->len, stdout);
	}
	sb_free(out);
	return rc;
}

int modsign_flush(void)
{
	if (fflush(stdout)) {
		modsign_error("cannot write the output");
		return -1;
	}
	return 0;
}

/*
 * Letters that meant something else before, when -j was --json in info
 * and check and -a was --hash in sign: one meaning per letter across every
 * command now, so the old use gets a refusal that names the new spelling.
 */
#define JSON_HINT \
	"JSON output is --json (long only); -j is --jobs of sign and verify"

static const struct {
	const char *cmd;
	int opt;
	const char *hint;
} moved_letters[] = {
	{ "info", 'j', JSON_HINT },
	{ "check", 'j', JSON_HINT },
	{ "sign", 'a', "the hash is -H, --hash; -a is --all of strip" },
};

int modsign_bad_option(const char *cmd, int c, char *argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	size_t i;

	if (c == ':')
		return modsign_usage_error(cmd, "option '%s' needs a value",
					   arg);
	for (i = 0; optopt && i < ARRAY_SIZE(moved_letters); i++)
		if (optopt == moved_letters[i].opt &&
		    !strcmp(cmd, moved_letters[i].cmd))
			return modsign_usage_error(cmd,
						   "unknown option '-%c': %s",
						   optopt,
						   moved_letters[i].hint);
	if (optopt)
		return modsign_usage_error(cmd, "unknown option '-%c'", optopt);
	return modsign_usage_error(cmd, "unknown option '%s'", arg);
}

static void help(FILE *out)
{
	size_t i;

	fputs("Usage: modsign COMMAND [OPTIONS] FILE...\n"
	      "Inspect, verify, sign and strip Linux kernel module signatures.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(out, "  %-8s %s\n", cmds[i]->name, cmds[i]->help);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "'modsign COMMAND --help' describes a command. Exit status: 0 when\n"
	      "every file is fine, 1 when any failed, 2 for a usage error.\n",
	      out);
}

int main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("modsign %s\n", MODSIGN_VERSION);
		return EXIT_OK;
	}
	opterr = 0; /* the commands explain bad options themselves */
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i]->name))
			return cmds[i]->fn(argc - 1, argv + 1);

	fprintf(stderr,
		"modsign: ERROR: unknown command '%s'\nTry 'modsign --help'.\n",
		argv[1]);
	return EXIT_USAGE;
}
