// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign verify --cert CERT... FILE... - check each module's signature
 * against the given certificates over the bytes the kernel hashes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "batch.h"
#include "fileio.h"
#include "keyload.h"
#include "modsign.h"
#include "sigcms.h"
#include "trailer.h"

static const char usage[] =
	"Usage: modsign verify [OPTIONS] --cert CERT [FILE...]\n"
	"Check each module's signature cryptographically against the given\n"
	"certificates (DER or PEM; a file may hold several), over exactly the\n"
	"bytes the kernel hashes: the module before its outermost signature.\n"
	"Compressed modules (.ko.xz, .ko.zst, .ko.gz) are decompressed first.\n"
	"Prints 'OK FILE (SIGNER)' or 'FAIL FILE: REASON' for each module, in\n"
	"the order given.\n"
	"\n"
	"  -c, --cert CERT      a certificate to trust (repeatable, at least one)\n"
	"  -j, --jobs N         check N modules at a time (default: the number\n"
	"                       of online CPUs)\n"
	"  -r, --recursive DIR  also every *.ko, *.ko.xz, *.ko.zst and *.ko.gz\n"
	"                       below DIR (repeatable; links are not followed)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 when every module is OK, 1 otherwise (also when -r\n"
	"found no module at all), 2 for a usage error. SIGINT, SIGTERM or\n"
	"SIGHUP stops it after the modules under way; a second signal at once.\n";

/* Trailer problems that make the file bad input rather than a verdict. */
static int trailer_damage(enum trailer_status st)
{
	return st != TRAILER_OK && st != TRAILER_UNSIGNED &&
	       st != TRAILER_EMPTY && st != TRAILER_NOT_ELF &&
	       st != TRAILER_TRAILING;
}

/* What verifying one file found: its line for stdout, and whether it is
 * OK. Filled by a worker, printed by the main thread in order. */
struct verify_result {
	char *line; /* malloc'ed; NULL when out of memory */
	int ok;
};

struct verify_ctx {
	STACK_OF(X509) * certs; /* shared, read only */
	int doubtful_certs; /* some cert_problem() among them */
	struct verify_result *res;
};

/* "OK FILE (SIGNER)\n" or "FAIL FILE: WHY\n"; names and signers as text,
 * so that a control byte cannot fake a line */
static char *result_line(const char *path, const char *signer, const char *why)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, why ? "FAIL " : "OK ");
	sb_text_str(&sb, path, strlen(path));
	if (why) {
		sb_puts(&sb, ": ");
		sb_puts(&sb, why);
	} else {
		sb_puts(&sb, " (");
		sb_text_str(&sb, signer, strlen(signer));
		sb_puts(&sb, ")");
	}
	sb_puts(&sb, "\n");
	return sb.s;
}

/* Verifies one file, on a worker thread. A file that is bad input (not
 * readable, a damaged trailer) fails with the reason; a verdict, good or
 * not, is done. */
static enum batch_result verify_one(struct batch_job *job, const char *path,
				    void *arg, struct errbuf *eb)
{
	struct verify_ctx *ctx = arg;
	struct verify_result *r = &ctx->res[batch_job_index(job)];
	struct file_buf fb;
	struct trailer t;
	enum trailer_status st;
	enum sig_verdict v;
	char why[ERRBUF_SIZE + 32], signer[SIG_MAX_NAME + 1];
	int bad_input = 1;

	if (read_module(path, &fb, eb)) {
		snprintf(why, sizeof(why), "%s", eb->msg);
		goto fail;
	}
	st = trailer_parse(fb.data, fb.len, &t);
	if (st != TRAILER_OK) {
		if (st == TRAILER_UNSIGNED) {
			snprintf(why, sizeof(why),
				 "unsigned: no signature trailer");
			bad_input = 0;
		} else {
			trailer_explain(st, &t, fb.len, eb->msg,
					sizeof(eb->msg));
			snprintf(why, sizeof(why), "%s%s",
				 trailer_damage(st) ? "damaged trailer: " : "",
				 eb->msg);
		}
		file_buf_free(&fb);
		goto fail;
	}
	v = sig_verify(fb.data + t.sig_off, t.sig_len, fb.data, t.module_len,
		       ctx->certs, signer, sizeof(signer), eb);
	if (v == SIG_GOOD && ctx->doubtful_certs) {
		/* an expired certificate still verifies: say it in the line */
		X509 *x = sig_signer_cert(fb.data + t.sig_off, t.sig_len,
					  ctx->certs);
		size_t used = strlen(signer);

		if (x && used + 2 < sizeof(signer) &&
		    cert_problem(x, signer + used + 2,
				 sizeof(signer) - used - 2))
			memcpy(signer + used, "; ", 2);
	}
	file_buf_free(&fb);
	if (v != SIG_GOOD) {
		snprintf(why, sizeof(why), "%s%s",
			 v == SIG_MALFORMED ? "damaged trailer: " : "",
			 eb->msg);
		bad_input = v == SIG_MALFORMED || v == SIG_ERROR;
		goto fail;
	}
	r->ok = 1;
	r->line = result_line(path, signer, NULL);
	return BATCH_DONE;
fail:
	r->line = result_line(path, NULL, why);
	if (!bad_input)
		return BATCH_DONE;
	eb_set(eb, "%s", why);
	return BATCH_FAILED;
}

/* Prints one file's line, on the main thread, in order. */
static void verify_report(size_t index, void *arg)
{
	struct verify_ctx *ctx = arg;
	struct verify_result *r = &ctx->res[index];

	fputs(r->line ? r->line : "FAIL (out of memory)\n", stdout);
	fflush(stdout);
	free(r->line);
	r->line = NULL;
}

/* What the command line asks for. */
struct verify_args {
	STACK_OF(X509) * certs;
	struct path_list trees;
	int jobs; /* 0: the number of online CPUs */
};

/*
 * Reads the options into a (loading the certificates) and checks that
 * there is something to do. Returns -1 to go on, or the exit status: a
 * usage error, --help, or a certificate that could not be read (then
 * nothing is checked).
 */
static int verify_args_read(int argc, char *argv[], struct verify_args *a)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "recursive", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf eb;
	int c, r, rc = EXIT_OK, ncertfiles = 0;

	while ((c = getopt_long(argc, argv, ":c:j:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ncertfiles++;
			if (load_certs(optarg, a->certs, &eb) < 0) {
				modsign_error("%s: %s", optarg, eb.msg);
				rc = EXIT_FAILED;
			}
			break;
		case 'j':
		case 'r':
			r = batch_option("verify", c, optarg, &a->jobs,
					 &a->trees);
			if (r != EXIT_OK)
				return r;
			break;
		case 'h':
			fputs(usage, stdout);
			return rc;
		default:
			return modsign_bad_option("verify", c, argv);
		}
	}
	if (ncertfiles == 0)
		return modsign_usage_error(
			"verify", "no certificate given (--cert CERT)");
	if (optind >= argc && !a->trees.n)
		return modsign_usage_error(
			"verify", "no module given (FILE..., or -r DIR)");
	return rc != EXIT_OK ? rc : -1;
}

/* The threads share the certificates: fill their caches now. Returns
 * whether any has a cert_problem(). */
static int certs_prepare(STACK_OF(X509) * certs)
{
	int i, doubtful = 0;

	for (i = 0; i < sk_X509_num(certs); i++) {
		char why[160];

		X509_check_purpose(sk_X509_value(certs, i), -1, 0);
		doubtful |=
			cert_problem(sk_X509_value(certs, i), why, sizeof(why));
	}
	return doubtful;
}

/* Verifies the files with jobs threads, printing each line in order.
 * Returns the exit status. */
static int verify_files(struct verify_ctx *ctx, const struct path_list *files,
			int jobs)
{
	struct batch_counts cnt;
	int rc = EXIT_OK;
	size_t k;

	if (jobs == 0)
		jobs = batch_default_jobs();
	if (batch_run(files->v, files->n, jobs, "verifying", verify_one,
		      verify_report, ctx, &cnt))
		rc = EXIT_FAILED;
	for (k = 0; k < files->n; k++)
		if (!ctx->res[k].ok)
			rc = EXIT_FAILED;
	if (cnt.not_started)
		modsign_error("%zu of %zu modules not checked (%s)",
			      cnt.not_started, files->n,
			      cnt.interrupted ? "interrupted" : "no thread");
	if (fflush(stdout)) {
		modsign_error("cannot write the output");
		rc = EXIT_FAILED;
	}
	return rc;
}

static int verify_main(int argc, char *argv[])
{
	struct verify_args a = { 0 };
	struct path_list files = { 0 };
	struct verify_ctx ctx = { 0 };
	size_t k;
	int rc;

	a.certs = sk_X509_new_null();
	if (!a.certs) {
		modsign_error("out of memory");
		return EXIT_FAILED;
	}
	rc = verify_args_read(argc, argv, &a);
	if (rc >= 0)
		goto out;
	rc = EXIT_FAILED;
	if (path_list_gather(&files, argv + optind, argc - optind, &a.trees,
			     "nothing was checked"))
		goto out;
	if (!files.n) {
		/* a wrong folder must not pass for a good tree */
		modsign_error("no module to check; nothing was checked");
		goto out;
	}
	ctx.doubtful_certs = certs_prepare(a.certs);
	ctx.certs = a.certs;
	ctx.res = calloc(files.n, sizeof(*ctx.res));
	if (!ctx.res) {
		modsign_error("out of memory for %zu modules", files.n);
		goto out;
	}
	rc = verify_files(&ctx, &files, a.jobs);
out:
	if (ctx.res)
		for (k = 0; k < files.n; k++)
			free(ctx.res[k].line);
	free(ctx.res);
	path_list_free(&a.trees);
	path_list_free(&files);
	sk_X509_pop_free(a.certs, X509_free);
	return rc;
}

const struct modsign_cmd cmd_verify = {
	.name = "verify",
	.fn = verify_main,
	.help = "check each module's signature against trusted certificates",
};
