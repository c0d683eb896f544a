// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign verify --cert CERT... FILE... - check each module's signature
 * against the given certificates over the bytes the kernel hashes.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "modsign.h"
#include "sigcms.h"
#include "trailer.h"

static const char usage[] =
	"Usage: modsign verify --cert CERT [--cert CERT...] FILE...\n"
	"Check each module's signature cryptographically against the given\n"
	"certificates (DER or PEM; a file may hold several), over exactly the\n"
	"bytes the kernel hashes: the module before its outermost signature.\n"
	"Prints 'OK FILE (SIGNER)' or 'FAIL FILE: REASON' for each module.\n"
	"\n"
	"  -c, --cert CERT  a certificate to trust (repeatable, at least one)\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 when every module is OK, 1 otherwise, 2 for a usage\n"
	"error.\n";

/* Trailer problems that make the file bad input rather than a verdict. */
static int trailer_damage(enum trailer_status st)
{
	return st != TRAILER_OK && st != TRAILER_UNSIGNED &&
	       st != TRAILER_EMPTY && st != TRAILER_NOT_ELF &&
	       st != TRAILER_TRAILING;
}

/* Verifies one file; prints its OK/FAIL line. Returns 0 when OK. */
static int verify_file(const char *path, STACK_OF(X509) *certs)
{
	struct file_buf fb;
	struct errbuf eb;
	struct trailer t;
	enum trailer_status st;
	enum sig_verdict v;
	char why[ERRBUF_SIZE + 32], signer[512];
	struct strbuf sb;
	int bad_input = 1;

	if (read_module(path, &fb, &eb)) {
		snprintf(why, sizeof(why), "%s", eb.msg);
		goto fail;
	}
	st = trailer_parse(fb.data, fb.len, &t);
	if (st != TRAILER_OK) {
		if (st == TRAILER_UNSIGNED) {
			snprintf(why, sizeof(why),
				 "unsigned: no signature trailer");
			bad_input = 0;
		} else {
			trailer_explain(st, &t, fb.len, eb.msg,
					sizeof(eb.msg));
			snprintf(why, sizeof(why), "%s%s",
				 trailer_damage(st) ? "damaged trailer: " : "",
				 eb.msg);
		}
		file_buf_free(&fb);
		goto fail;
	}
	v = sig_verify(fb.data + t.sig_off, t.sig_len, fb.data, t.module_len,
		       certs, signer, sizeof(signer), &eb);
	file_buf_free(&fb);
	if (v != SIG_GOOD) {
		snprintf(why, sizeof(why), "%s%s",
			 v == SIG_MALFORMED ? "damaged trailer: " : "", eb.msg);
		bad_input = v == SIG_MALFORMED || v == SIG_ERROR;
		goto fail;
	}
	/* names and signers as text: a control byte cannot fake a line */
	sb_init(&sb);
	sb_puts(&sb, "OK ");
	sb_text_str(&sb, path, strlen(path));
	sb_puts(&sb, " (");
	sb_text_str(&sb, signer, strlen(signer));
	sb_puts(&sb, ")\n");
	fputs(sb.s ? sb.s : "OK\n", stdout);
	sb_free(&sb);
	return 0;
fail:
	sb_init(&sb);
	sb_puts(&sb, "FAIL ");
	sb_text_str(&sb, path, strlen(path));
	printf("%s: %s\n", sb.s ? sb.s : "FAIL", why);
	sb_free(&sb);
	if (bad_input)
		modsign_error("%s: %s", path, why);
	return -1;
}

static int verify_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	STACK_OF(X509) *certs;
	struct errbuf eb;
	int c, i, rc = EXIT_OK, ncertfiles = 0;

	certs = sk_X509_new_null();
	if (!certs) {
		modsign_error("out of memory");
		return EXIT_FAILED;
	}
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ncertfiles++;
			if (load_certs(optarg, certs, &eb) < 0) {
				modsign_error("%s: %s", optarg, eb.msg);
				rc = EXIT_FAILED;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			goto out;
		default:
			rc = modsign_bad_option("verify", c, argv);
			goto out;
		}
	}
	if (ncertfiles == 0) {
		rc = modsign_usage_error("verify",
					 "no certificate given (--cert CERT)");
		goto out;
	}
	if (optind >= argc) {
		rc = modsign_usage_error("verify", "no module given");
		goto out;
	}
	if (rc != EXIT_OK)
		goto out; /* a certificate could not be read: check nothing */

	for (i = optind; i < argc; i++)
		if (verify_file(argv[i], certs))
			rc = EXIT_FAILED;
	if (fflush(stdout)) {
		modsign_error("cannot write the output");
		rc = EXIT_FAILED;
	}
out:
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

const struct modsign_cmd cmd_verify = {
	.name = "verify",
	.fn = verify_main,
	.help = "check each module's signature against trusted certificates",
};
