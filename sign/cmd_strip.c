// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign strip [--all] FILE... - remove signatures in place.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/uio.h>

#include "fileio.h"
#include "modsign.h"
#include "trailer.h"

static const char usage[] =
	"Usage: modsign strip [--all] FILE...\n"
	"Remove the outermost signature of each module in place, leaving the\n"
	"bytes exactly as they were before it was signed. Each file is replaced\n"
	"atomically (temporary file, fsync, rename) and keeps its mode. An\n"
	"unsigned module is reported and left alone.\n"
	"\n"
	"  -a, --all   remove every stacked signature, not just the outermost\n"
	"  -h, --help  show this help\n";

/* Returns 0 when the file was stripped or was not signed. */
static int strip_file(const char *path, int all)
{
	struct file_buf fb;
	struct errbuf eb;
	struct trailer t;
	enum trailer_status st, inner;
	size_t keep, base_len;
	unsigned n;
	struct iovec iov;
	int ret = -1;

	if (read_module(path, &fb, &eb)) {
		modsign_error("%s: %s", path, eb.msg);
		return -1;
	}
	st = trailer_parse(fb.data, fb.len, &t);
	if (st == TRAILER_UNSIGNED) {
		printf("%s: not signed, left unchanged\n", path);
		ret = 0;
		goto out;
	}
	if (st != TRAILER_OK) {
		trailer_explain(st, &t, fb.len, eb.msg, sizeof(eb.msg));
		modsign_error("%s: %s", path, eb.msg);
		goto out;
	}
	keep = t.module_len;
	if (all) {
		n = trailer_count(fb.data, fb.len, &base_len, &inner);
		if (inner != TRAILER_UNSIGNED) {
			/* leave the file whole rather than half-stripped */
			st = trailer_parse(fb.data, base_len, &t);
			trailer_explain(st, &t, base_len, eb.msg,
					sizeof(eb.msg));
			modsign_error(
				"%s: under its %u signature%s: %s; left unchanged",
				path, n, n == 1 ? "" : "s", eb.msg);
			goto out;
		}
		keep = base_len;
	}
	iov.iov_base = fb.data;
	iov.iov_len = keep;
	if (replace_module(path, &fb, &iov, 1, &eb)) {
		modsign_error("%s: %s", path, eb.msg);
		goto out;
	}
	ret = 0;
out:
	file_buf_free(&fb);
	return ret;
}

static int strip_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct folder_locks locks;
	struct errbuf eb;
	int all = 0, c, i, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return modsign_bad_option("strip", c, argv);
		}
	}
	if (optind >= argc)
		return modsign_usage_error("strip", "no module given");
	/* the folder locks of sign: a strip and a sign do not interleave */
	if (lock_folders(argv + optind, (size_t)(argc - optind), &locks, &eb)) {
		modsign_error("%s; no module was touched", eb.msg);
		return EXIT_FAILED;
	}
	for (i = optind; i < argc; i++)
		if (strip_file(argv[i], all))
			rc = EXIT_FAILED;
	unlock_folders(&locks);
	if (fflush(stdout)) {
		modsign_error("cannot write the output");
		rc = EXIT_FAILED;
	}
	return rc;
}

const struct modsign_cmd cmd_strip = {
	.name = "strip",
	.fn = strip_main,
	.help = "remove signatures in place (the outermost, or --all)",
};
