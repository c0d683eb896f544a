// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign sign [--hash H] [-j N] [-r DIR] KEY CERT FILE... - sign modules in
 * place, with the bytes the kernel's scripts/sign-file would append; many
 * at once, compressed ones too, with a key in a file or in a PKCS#11 token.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "batch.h"
#include "compress.h"
#include "token.h"
#include "fileio.h"
#include "keyload.h"
#include "modsign.h"
#include "sigcms.h"
#include "sigfast.h"
#include "trailer.h"

static const char usage[] =
	"Usage: modsign sign [OPTIONS] KEY CERT [FILE...]\n"
	"Sign each module in place. Any signature it already carries (stacked\n"
	"ones too) is removed first, so the result carries exactly one; for the\n"
	"same key, certificate, hash and module it is byte for byte what the\n"
	"kernel's scripts/sign-file makes. Each file is replaced atomically\n"
	"(temporary file, synced, renamed) and keeps its mode. Compressed modules\n"
	"(.ko.xz, .ko.zst, .ko.gz) are decompressed, signed and compressed\n"
	"again the way Kbuild does it.\n"
	"\n"
	"  KEY   private key, PEM or DER (an encrypted one takes its passphrase\n"
	"        from $KBUILD_SIGN_PIN), or a PKCS#11 URI 'pkcs11:token=...;\n"
	"        object=...' whose PIN comes from $MODSIGN_PIN (or pin-value),\n"
	"        its PKCS#11 module from module-path= or $MODSIGN_PKCS11_MODULE\n"
	"        (p11-kit-client.so: a token behind $P11_KIT_SERVER_ADDRESS),\n"
	"        through OpenSSL's pkcs11 provider, else libp11's engine\n"
	"        ($MODSIGN_PKCS11=provider or engine: only that one)\n"
	"  CERT  its X.509 certificate, DER or PEM\n"
	"\n"
	"  -H, --hash HASH      sha256 (default), sha384 or sha512\n"
	"  -j, --jobs N         sign N modules at a time (default: the number\n"
	"                       of online CPUs)\n"
	"  -r, --recursive DIR  also every *.ko, *.ko.xz, *.ko.zst and *.ko.gz\n"
	"                       below DIR (repeatable; links are not followed)\n"
	"  -h, --help           show this help\n"
	"\n"
	"A key that does not match the certificate is refused before any file\n"
	"is touched. One bad module fails alone; the others are signed. A\n"
	"module that already carries exactly the signature it would get is left\n"
	"untouched (skipped). At the end: 'modsign: N signed, N skipped, N\n"
	"failed'; on a terminal, a progress line while it runs.\n";

static const char *const hashes[] = { "sha256", "sha384", "sha512" };

/*
 * A handle on the signing key. A key in a token signs one module at a time
 * per handle (its PKCS#11 session; through a p11-kit server, its
 * connection, which the server serves one call at a time): each handle
 * has its lock. A key reached through a p11-kit server has one handle per
 * worker (signing_key_load_more), any other key one for all.
 */
struct key_handle {
	EVP_PKEY *key;
	/* the library context the key was loaded in (its own provider
	 * instance), made the worker thread's default; NULL: OpenSSL's */
	OSSL_LIB_CTX *libctx;
	pthread_mutex_t lock;
	/* the template of start_signing with this handle's key and lock */
	struct sig_template tmpl;
};

struct sign_ctx {
	X509 *cert;
	const EVP_MD *md;
	/* a key in a token signs one module at a time per handle */
	int serialize;
	struct key_handle *handles;
	int nhandles;
	atomic_int next_handle; /* the next worker's */
	const char *name; /* the key as messages name it (no PIN) */
	/* the signature of every module but for its value (RSA keys) */
	const struct sig_template *tmpl;
	/* set by the first failed signature of a token key: a token that
	 * failed once (gone, unplugged, its server killed) fails every next
	 * module too, so the batch starts no further one */
	atomic_int token_failed;
	char token_why[ERRBUF_SIZE];
};

/* A token key's signature failed: the first time, keep why and stop the
 * batch. Nothing depends on the module there (the token signs a digest),
 * so no next module would fare better. */
static void token_failed(struct sign_ctx *ctx, const char *why)
{
	if (atomic_exchange(&ctx->token_failed, 1))
		return;
	snprintf(ctx->token_why, sizeof(ctx->token_why), "%s", why);
	batch_stop();
}

/* The calling worker's handle: the k-th worker to ask gets handle k (of
 * nhandles, round), and its library context as its default. */
static struct key_handle *my_handle(struct sign_ctx *ctx)
{
	static _Thread_local struct key_handle *mine;

	if (!mine) {
		int k = atomic_fetch_add(&ctx->next_handle, 1);

		mine = &ctx->handles[k % ctx->nhandles];
		if (mine->libctx)
			OSSL_LIB_CTX_set0_default(mine->libctx);
	}
	return mine;
}

/* Whether buf[0..len) is already base[0..base_len) + der + tail. */
static int same_signature(const uint8_t *buf, size_t len, size_t base_len,
			  const uint8_t *der, size_t derlen,
			  const uint8_t *tail)
{
	return len == base_len + derlen + TRAILER_FIXED_LEN &&
	       !memcmp(buf + base_len, der, derlen) &&
	       !memcmp(buf + base_len + derlen, tail, TRAILER_FIXED_LEN);
}

/* Signs one file: writes its temporary file and hands it to the committer. */
static enum batch_result sign_one(struct batch_job *job, const char *path,
				  void *arg, struct errbuf *eb)
{
	struct sign_ctx *ctx = arg;
	struct file_buf fb;
	struct trailer t;
	struct pending_replace pr;
	struct key_handle *h;
	enum trailer_status inner, st;
	enum batch_result res = BATCH_FAILED;
	uint8_t *der = NULL, *z = NULL, tail[TRAILER_FIXED_LEN];
	size_t base_len, derlen, zlen;
	struct iovec iov[3];
	int iovcnt = 3, r;

	if (read_module(path, &fb, eb))
		return BATCH_FAILED;
	trailer_count(fb.data, fb.len, &base_len, &inner);
	if (inner != TRAILER_UNSIGNED) {
		/* explain what lies under the signatures that parsed */
		st = trailer_parse(fb.data, base_len, &t);
		trailer_explain(st, &t, base_len, eb->msg, sizeof(eb->msg));
		goto out;
	}
	h = my_handle(ctx);
	if (ctx->tmpl) {
		/* takes the handle's lock itself, for the key operation */
		r = sig_template_sign(&h->tmpl, fb.data, base_len, &der,
				      &derlen, eb);
	} else {
		if (ctx->serialize)
			pthread_mutex_lock(&h->lock);
		r = sig_sign(fb.data, base_len, h->key, ctx->cert, ctx->md,
			     &der, &derlen, eb);
		if (ctx->serialize)
			pthread_mutex_unlock(&h->lock);
	}
	if (r && ctx->serialize && batch_stop_signal()) {
		/* a signal cut the token's call (token_interrupt): the module
		 * is as it was, and the summary says why */
		res = BATCH_INTERRUPTED;
		goto out;
	}
	if (r) {
		char why[ERRBUF_SIZE];

		snprintf(why, sizeof(why), "%s", eb->msg);
		eb_set(eb, "cannot sign: %s; the module is unchanged", why);
		if (ctx->serialize)
			token_failed(ctx, why);
		goto out;
	}
	if (derlen > UINT32_MAX) {
		eb_set(eb, "a %zu-byte signature does not fit sig_len", derlen);
		goto out;
	}
	trailer_build_info((uint32_t)derlen, tail);
	/* nothing to do, unless the kernel could not decompress the file */
	if (same_signature(fb.data, fb.len, base_len, der, derlen, tail) &&
	    (fb.comp == COMP_NONE || fb.comp_kernel_ok)) {
		res = BATCH_SKIPPED;
		goto out;
	}
	iov[0].iov_base = fb.data;
	iov[0].iov_len = base_len;
	iov[1].iov_base = der;
	iov[1].iov_len = derlen;
	iov[2].iov_base = tail;
	iov[2].iov_len = sizeof(tail);
	if (fb.comp != COMP_NONE) {
		if (comp_compress(fb.comp, iov, 3, &z, &zlen, eb))
			goto out;
		iov[0].iov_base = z;
		iov[0].iov_len = zlen;
		iovcnt = 1;
	}
	if (replace_begin(path, &fb.st, iov, iovcnt, &pr, eb))
		goto out;
	res = BATCH_PENDING;
out:
	/* nothing is held while the committer's queue may make us wait */
	free(z);
	OPENSSL_free(der);
	file_buf_free(&fb);
	return res == BATCH_PENDING ? batch_commit(job, &pr) : res;
}

/* Like ssh: a private key others can read is said to be one. */
static void warn_key_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !(st.st_mode & 077))
		return;
	fprintf(stderr,
		"modsign: warning: %s is readable by %s (mode %04o): chmod 600 %s\n",
		path, st.st_mode & 007 ? "others" : "its group",
		(unsigned)(st.st_mode & 07777), path);
}

/* The name of a stop signal, for messages. */
static const char *signal_name(int sig)
{
	return sig == SIGINT  ? "SIGINT" :
	       sig == SIGTERM ? "SIGTERM" :
	       sig == SIGHUP  ? "SIGHUP" :
				"a signal";
}

/* The key, its certificate and the hash: all that signs, loaded together. */
struct signer {
	struct signing_key key;
	X509 *cert;
	EVP_MD *md;
	char *name; /* the key as messages name it (no PIN) */
};

/* The command line: options, then KEY CERT [FILE...]. Returns -1 to go
 * on, else the exit status (after --help, or saying what is wrong). */
static int parse_args(int argc, char *argv[], const char **hash, int *jobs,
		      struct path_list *trees)
{
	static const struct option opts[] = {
		{ "hash", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "recursive", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char attr[64];
	size_t k;
	int c, r, known = 0;

	while ((c = getopt_long(argc, argv, ":H:j:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			*hash = optarg;
			break;
		case 'j':
		case 'r':
			r = batch_option("sign", c, optarg, jobs, trees);
			if (r != EXIT_OK)
				return r;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return modsign_bad_option("sign", c, argv);
		}
	}
	for (k = 0; k < ARRAY_SIZE(hashes); k++)
		known |= !strcmp(*hash, hashes[k]);
	if (!known)
		return modsign_usage_error(
			"sign",
			"unknown hash '%s' (use sha256, sha384 or sha512)",
			*hash);
	if (argc - optind < 2 || (argc - optind < 3 && !trees->n))
		return modsign_usage_error(
			"sign",
			"give a key, a certificate and at least one module (or -r DIR)");
	if (!strncmp(argv[optind], URI_PREFIX, strlen(URI_PREFIX)) &&
	    token_uri_nul(argv[optind], attr, sizeof(attr)))
		return modsign_usage_error(
			"sign",
			"the key's pkcs11: URI has %%00 (a NUL byte) in the value of %s, which would cut the value short there (another token, object or PIN than the one written); no name or PIN holds a NUL: remove it",
			attr);
	return -1;
}

/* A stop signal came while the key loaded: says so. */
static void interrupted_loading(const struct signer *s, const char *keyspec)
{
	const char *server = token_server();

	modsign_error(
		"%s: interrupted by %s while loading the key%s%s%s%s; no module was touched",
		s->name, signal_name(batch_stop_signal()),
		strncmp(keyspec, URI_PREFIX, strlen(URI_PREFIX)) ?
			"" :
			" from the token",
		server[0] ? " (through the p11-kit server at " : "", server,
		server[0] ? ")" : "");
}

/*
 * The handles on the key for `jobs` workers over n files (jobs 0: the
 * default): the signer's key first, then, for a key behind a p11-kit
 * server, one more per further worker, each over its own connection
 * (those that do not load, or do not match the certificate, are not
 * used: the others sign for them). Returns how many, or -1 after saying
 * why (a stop signal while they loaded).
 */
static int load_handles(const char *keyspec, struct signer *s, int jobs,
			size_t n, struct key_handle *h,
			struct signing_key *more)
{
	const char *server;
	int want = jobs ? jobs : batch_default_jobs(), got = 0, k, nh = 1;

	if ((size_t)want > n)
		want = (int)n;
	h[0].key = s->key.pkey;
	if (s->key.in_token && want > 1) {
		/* as while the first one loaded: a frozen server */
		batch_signals_catch(token_interrupt);
		got = signing_key_load_more(keyspec, &s->key, more, want - 1);
		batch_signals_restore();
		if (batch_stop_signal()) {
			interrupted_loading(s, keyspec);
			return -1;
		}
	}
	for (k = 0; k < got; k++) {
		ERR_clear_error();
		if (X509_check_private_key(s->cert, more[k].pkey) != 1)
			continue;
		h[nh].key = more[k].pkey;
		h[nh++].libctx = more[k].libctx;
	}
	ERR_clear_error();
	server = token_server();
	if (nh > 1 && server[0])
		fprintf(stderr,
			"modsign: %s: %d connections to the p11-kit server at %s, one per worker\n",
			s->name, nh, server);
	return nh;
}

/*
 * Everything that can be wrong with the key is found out before any module
 * is touched: the hash, the key, the certificate, and whether they belong
 * together. Like sign-file's read_private_key() and read_x509(). Returns 0,
 * or -1 after saying what is wrong.
 */
static int load_signer(const char *hash, const char *keyspec,
		       const char *certfile, struct signer *s)
{
	const struct rlimit no_core = { 0, 0 };
	struct errbuf eb;
	int r;

	s->md = EVP_MD_fetch(NULL, hash, NULL);
	if (!s->md) {
		eb_ossl(&eb, "hash %s is not available", hash);
		modsign_error("%s", eb.msg);
		return -1;
	}
	/* No core dump may hold the private key (a SIGQUIT, a crash);
	 * this also keeps other users' debuggers out. */
	if (prctl(PR_SET_DUMPABLE, 0) || setrlimit(RLIMIT_CORE, &no_core)) {
		modsign_error(
			"cannot turn core dumps off: %s; no module was touched",
			strerror(errno));
		return -1;
	}
	/* A token may never answer (a frozen p11-kit server): the first
	 * stop signal cuts its connection, so that loading fails and we
	 * can say so; nothing is touched yet. */
	batch_signals_catch(token_interrupt);
	r = signing_key_load(keyspec, &s->key, &eb);
	batch_signals_restore();
	if (batch_stop_signal()) {
		interrupted_loading(s, keyspec);
		return -1;
	}
	if (r) {
		modsign_error("%s: %s; no module was touched", s->name, eb.msg);
		return -1;
	}
	if (!s->key.in_token)
		warn_key_mode(keyspec);
	else if (s->key.via)
		/* which of OpenSSL's two routes to the token, for the user
		 * and the tests (the provider, or the engine where none) */
		fprintf(stderr,
			"modsign: %s: key in a PKCS#11 token, through %s\n",
			s->name, s->key.via);
	s->cert = load_cert(certfile, &eb);
	if (!s->cert) {
		modsign_error("%s: %s", certfile, eb.msg);
		return -1;
	}
	if (cert_problem(s->cert, eb.msg, sizeof(eb.msg)))
		fprintf(stderr, "modsign: warning: %s: %s\n", certfile, eb.msg);
	ERR_clear_error();
	if (X509_check_private_key(s->cert, s->key.pkey) != 1) {
		eb_ossl(&eb,
			"the private key does not match the certificate %s",
			certfile);
		modsign_error("%s: %s; no module was touched", s->name, eb.msg);
		return -1;
	}
	return 0;
}

/* The workers' context; for an RSA key also the template signature that
 * sigfast.c fills in per module. Returns 0, or -1 after saying why. */
static int start_signing(const struct signer *s, struct sign_ctx *ctx,
			 struct sig_template *tmpl)
{
	struct errbuf eb;
	int k;

	switch (sig_template_init(tmpl, s->key.pkey, s->cert, s->md, &eb)) {
	case 0:
		/* the same bytes for every handle on the key, but for the
		 * signature value: a copy of the template each */
		for (k = 0; k < ctx->nhandles; k++) {
			ctx->handles[k].tmpl = *tmpl;
			ctx->handles[k].tmpl.key = ctx->handles[k].key;
			ctx->handles[k].tmpl.key_lock =
				s->key.in_token ? &ctx->handles[k].lock : NULL;
		}
		ctx->tmpl = tmpl;
		return 0;
	case 1:
		return 0; /* not an RSA key: a CMS message for each module */
	default:
		modsign_error("%s: cannot sign: %s; no module was touched",
			      s->name, eb.msg);
		return -1;
	}
}

/* "modsign: N signed, N skipped, N failed (...)". Returns -1 when stdout
 * cannot be written. */
static int print_summary(const struct batch_counts *cnt, size_t n, int removed,
			 int token_failed)
{
	printf("modsign: %zu signed, %zu skipped, %zu failed", cnt->done,
	       cnt->skipped, cnt->failed);
	if (cnt->not_started)
		printf(", %zu not started (%s)", cnt->not_started,
		       token_failed	? "the token failed" :
		       cnt->interrupted ? "interrupted" :
					  "no thread");
	printf(" (%zu module%s in %.1f s", n, n == 1 ? "" : "s", cnt->seconds);
	if (removed)
		printf("; removed %d stale temporary file%s", removed,
		       removed == 1 ? "" : "s");
	printf(")\n");
	if (fflush(stdout)) {
		modsign_error("cannot write the output");
		return -1;
	}
	return 0;
}

/* One line for a token that stopped signing in the middle of a batch:
 * what it said, where it is, what to check, and that nothing is lost. */
static void report_token_failure(const struct sign_ctx *ctx,
				 const struct batch_counts *cnt)
{
	const char *server = token_server();

	if (server[0])
		modsign_error(
			"%s: the token stopped signing: %s; it is reached through the p11-kit server at %s: check that the server still runs on the signing host and that the SSH forward of its socket is up; the %zu failed and %zu not started modules are unchanged: run the same command again to sign them",
			ctx->name, ctx->token_why, server, cnt->failed,
			cnt->not_started);
	else
		modsign_error(
			"%s: the token stopped signing: %s; check that it is still there (plugged in, its service running); the %zu failed and %zu not started modules are unchanged: run the same command again to sign them",
			ctx->name, ctx->token_why, cnt->failed,
			cnt->not_started);
}

/* Signs files: folder locks, stale temporary files, the batch, the
 * summary. Returns the exit status. */
static int sign_files(struct path_list *files, int jobs, struct sign_ctx *ctx)
{
	struct folder_locks locks = { 0 };
	struct batch_counts cnt;
	struct errbuf eb;
	int removed, rc = EXIT_OK;

	/* One run at a time in a folder: two runs with different keys
	 * would each overwrite part of the other's work. */
	if (lock_folders(files->v, files->n, &locks, &eb)) {
		modsign_error("%s; no module was touched", eb.msg);
		return EXIT_FAILED;
	}
	/* Leftovers of a killed run (temporary files no process holds). */
	removed = clean_stale_temps_of(files);

	if (jobs == 0)
		jobs = batch_default_jobs();
	/* a signal, and the token's call does not return: cut it */
	batch_set_unblock(ctx->serialize ? token_interrupt : NULL);
	if (batch_run(files->v, files->n, jobs, "signing", sign_one, NULL, ctx,
		      &cnt))
		rc = EXIT_FAILED;
	if (cnt.failed || cnt.not_started)
		rc = EXIT_FAILED;
	if (atomic_load(&ctx->token_failed))
		report_token_failure(ctx, &cnt);
	else if (cnt.stop_signal)
		modsign_error(
			"interrupted by %s: %zu of %zu modules signed, the rest unchanged: run the same command again to sign them",
			signal_name(cnt.stop_signal), cnt.done + cnt.skipped,
			files->n);
	if (print_summary(&cnt, files->n, removed,
			  atomic_load(&ctx->token_failed)))
		rc = EXIT_FAILED;
	unlock_folders(&locks);
	if (cnt.abandoned) {
		/* A worker is still in a token call that does not return:
		 * freeing the key, or OpenSSL's and the PKCS#11 module's exit
		 * handlers, would wait on what it holds (or free it under
		 * it). Everything committed is durable, every other module
		 * unchanged: end here, as after a signal. */
		fflush(stderr);
		_exit(EXIT_FAILED);
	}
	return rc;
}

static int sign_main(int argc, char *argv[])
{
	const char *hash = "sha256", *keyspec, *certfile;
	struct path_list trees = { 0 }, files = { 0 };
	struct signer s = { 0 };
	struct sign_ctx ctx;
	struct sig_template tmpl = { 0 };
	struct key_handle *h = NULL;
	struct signing_key *more = NULL;
	int jobs = 0, nh = 0, cap = 0, k, rc;

	rc = parse_args(argc, argv, &hash, &jobs, &trees);
	if (rc != -1)
		goto out;
	rc = EXIT_FAILED;
	keyspec = argv[optind];
	certfile = argv[optind + 1];
	s.name = signing_key_display(keyspec);
	if (!s.name) {
		modsign_error("out of memory");
		goto out;
	}
	/* A folder that cannot be read stops everything. */
	if (path_list_gather(&files, argv + optind + 2, argc - optind - 2,
			     &trees, "no module was touched"))
		goto out;
	if (load_signer(hash, keyspec, certfile, &s))
		goto out;
	rc = EXIT_OK;
	if (!files.n)
		goto out; /* -r found nothing: said above */

	/* at most a handle per worker: -j is 1024 at most */
	cap = files.n < 1024 ? (int)files.n : 1024;
	h = calloc((size_t)cap, sizeof(*h));
	more = calloc((size_t)cap, sizeof(*more));
	if (!h || !more) {
		modsign_error("out of memory; no module was touched");
		rc = EXIT_FAILED;
		goto out;
	}
	nh = load_handles(keyspec, &s, jobs, files.n, h, more);
	if (nh < 0) {
		rc = EXIT_FAILED;
		goto out;
	}
	for (k = 0; k < nh; k++)
		pthread_mutex_init(&h[k].lock, NULL);
	ctx.cert = s.cert;
	ctx.md = s.md;
	ctx.serialize = s.key.in_token;
	ctx.handles = h;
	ctx.nhandles = nh;
	atomic_init(&ctx.next_handle, 0);
	ctx.tmpl = NULL;
	ctx.name = s.name;
	atomic_init(&ctx.token_failed, 0);
	if (start_signing(&s, &ctx, &tmpl))
		rc = EXIT_FAILED;
	else
		rc = sign_files(&files, jobs, &ctx);
out:
	free(s.name);
	path_list_free(&trees);
	path_list_free(&files);
	EVP_MD_free(s.md);
	X509_free(s.cert);
	sig_template_free(&tmpl);
	for (k = 0; k < nh; k++)
		pthread_mutex_destroy(&h[k].lock);
	free(h);
	/* the further handles before the first (its provider is OpenSSL's
	 * default context's) */
	for (k = 0; more && k < cap; k++)
		signing_key_free(&more[k]);
	free(more);
	signing_key_free(&s.key);
	/* the key is gone (libcrypto clears its numbers when it frees
	 * them): LeakSanitizer's tracer may attach again */
	prctl(PR_SET_DUMPABLE, 1);
	return rc;
}

const struct modsign_cmd cmd_sign = {
	.name = "sign",
	.fn = sign_main,
	.help = "sign modules in place (replacing any signature), like sign-file",
};
