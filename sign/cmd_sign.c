// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign sign [--hash H] KEY CERT FILE... - sign modules in place, with the
 * bytes the kernel's scripts/sign-file would append.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "fileio.h"
#include "modsign.h"
#include "sigcms.h"
#include "trailer.h"

static const char usage[] =
	"Usage: modsign sign [--hash sha256|sha384|sha512] KEY CERT FILE...\n"
	"Sign each module in place. Any signature it already carries (stacked\n"
	"ones too) is removed first, so the result carries exactly one; for the\n"
	"same key, certificate, hash and module it is byte for byte what the\n"
	"kernel's scripts/sign-file makes. Each file is replaced atomically\n"
	"(temporary file, fsync, rename) and keeps its mode.\n"
	"\n"
	"  KEY   private key, PEM or DER (an encrypted one takes its passphrase\n"
	"        from $KBUILD_SIGN_PIN)\n"
	"  CERT  its X.509 certificate, DER or PEM\n"
	"\n"
	"  -a, --hash HASH  sha256 (default), sha384 or sha512\n"
	"  -h, --help       show this help\n"
	"\n"
	"A key that does not match the certificate is refused before any file\n"
	"is touched.\n";

static const char *const hashes[] = { "sha256", "sha384", "sha512" };

/* Signs one file in place. Returns 0 on success. */
static int sign_file(const char *path, EVP_PKEY *key, X509 *cert,
		     const EVP_MD *md)
{
	struct file_buf fb;
	struct errbuf eb;
	struct trailer t;
	enum trailer_status inner, st;
	uint8_t *der = NULL, tail[TRAILER_FIXED_LEN];
	size_t base_len, derlen;
	struct iovec iov[3];
	int ret = -1;

	if (read_file(path, &fb, &eb)) {
		modsign_error("%s: %s", path, eb.msg);
		return -1;
	}
	trailer_count(fb.data, fb.len, &base_len, &inner);
	if (inner != TRAILER_UNSIGNED) {
		/* explain what lies under the signatures that parsed */
		st = trailer_parse(fb.data, base_len, &t);
		trailer_explain(st, &t, base_len, eb.msg, sizeof(eb.msg));
		modsign_error("%s: %s", path, eb.msg);
		goto out;
	}
	if (sig_sign(fb.data, base_len, key, cert, md, &der, &derlen, &eb)) {
		modsign_error("%s: cannot sign: %s", path, eb.msg);
		goto out;
	}
	if (derlen > UINT32_MAX) {
		modsign_error("%s: a %zu-byte signature does not fit sig_len",
			      path, derlen);
		goto out;
	}
	trailer_build_info((uint32_t)derlen, tail);
	iov[0].iov_base = fb.data;
	iov[0].iov_len = base_len;
	iov[1].iov_base = der;
	iov[1].iov_len = derlen;
	iov[2].iov_base = tail;
	iov[2].iov_len = sizeof(tail);
	if (replace_file(path, &fb.st, iov, 3, &eb)) {
		modsign_error("%s: %s", path, eb.msg);
		goto out;
	}
	ret = 0;
out:
	OPENSSL_free(der);
	file_buf_free(&fb);
	return ret;
}

static int sign_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "hash", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hash = "sha256", *keyfile, *certfile;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	EVP_MD *md = NULL;
	struct errbuf eb;
	size_t k;
	int c, i, known = 0, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, ":a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			hash = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return modsign_bad_option("sign", c, argv);
		}
	}
	for (k = 0; k < sizeof(hashes) / sizeof(hashes[0]); k++)
		known |= !strcmp(hash, hashes[k]);
	if (!known)
		return modsign_usage_error(
			"sign", "unknown hash '%s' (use sha256, sha384 or sha512)",
			hash);
	if (argc - optind < 3)
		return modsign_usage_error(
			"sign", "give a key, a certificate and at least one module");
	keyfile = argv[optind];
	certfile = argv[optind + 1];

	/* Everything that can be wrong with the key is found out before any
	 * module is touched. */
	md = EVP_MD_fetch(NULL, hash, NULL);
	if (!md) {
		eb_ossl(&eb, "hash %s is not available", hash);
		modsign_error("%s", eb.msg);
		return EXIT_FAILED;
	}
	key = load_key(keyfile, &eb);
	if (!key) {
		modsign_error("%s: %s", keyfile, eb.msg);
		rc = EXIT_FAILED;
		goto out;
	}
	cert = load_cert(certfile, &eb);
	if (!cert) {
		modsign_error("%s: %s", certfile, eb.msg);
		rc = EXIT_FAILED;
		goto out;
	}
	ossl_clear();
	if (X509_check_private_key(cert, key) != 1) {
		eb_ossl(&eb, "the private key does not match the certificate %s",
			certfile);
		modsign_error("%s: %s; no module was touched", keyfile, eb.msg);
		rc = EXIT_FAILED;
		goto out;
	}

	for (i = optind + 2; i < argc; i++)
		if (sign_file(argv[i], key, cert, md))
			rc = EXIT_FAILED;
out:
	EVP_MD_free(md);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

const struct modsign_cmd cmd_sign = {
	.name = "sign",
	.fn = sign_main,
	.help = "sign modules in place (replacing any signature), like sign-file",
};
