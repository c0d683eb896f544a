// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign info [--json] FILE... - what each module's signature says.
 */
#include <getopt.h>
#include <stdio.h>

#include "describe.h"
#include "fileio.h"
#include "modsign.h"

static const char usage[] =
	"Usage: modsign info [--json] FILE...\n"
	"Show what each module's signature says: signed or not, signer (issuer\n"
	"CN), sig_key (certificate serial, as modinfo prints it), sig_skid\n"
	"(subject key identifier, or - when the signature does not carry it),\n"
	"hash algorithm, signature and module lengths, stacked signatures.\n"
	"\n"
	"      --json  one JSON object per file, one per line\n"
	"  -h, --help  show this help\n";

static int info_main(int argc, char *argv[])
{
	enum { OPT_JSON = 256 };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c, i, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return modsign_bad_option("info", c, argv);
		}
	}
	if (optind >= argc)
		return modsign_usage_error("info", "no module given");

	for (i = optind; i < argc; i++) {
		struct file_buf fb;
		struct errbuf eb;
		struct describe d;
		struct strbuf out;
		const char *why = NULL;

		sb_init(&out);
		if (read_module(argv[i], &fb, &eb)) {
			why = eb.msg;
		} else {
			if (describe_buf(fb.data, fb.len, &d))
				why = d.err.msg;
			else
				describe_format(&d, argv[i], json, &out);
			file_buf_free(&fb);
		}
		if (why) {
			modsign_error("%s: %s", argv[i], why);
			if (json)
				describe_format_error(argv[i], why, &out);
			rc = EXIT_FAILED;
		} else if (!json && i + 1 < argc) {
			sb_puts(&out, "\n");
		}
		if (modsign_emit(&out, argv[i]))
			rc = EXIT_FAILED;
	}
	if (modsign_flush())
		rc = EXIT_FAILED;
	return rc;
}

const struct modsign_cmd cmd_info = {
	.name = "info",
	.fn = info_main,
	.help = "show each module's signature: signer, key id, hash, lengths",
};
