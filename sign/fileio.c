// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fileio.c - reading modules, replacing them atomically, loading keys and
 * certificates.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* Keys and certificates are small; refuse anything silly. */
#define MAX_KEYFILE (16u << 20)

int read_file(const char *path, struct file_buf *fb, struct errbuf *eb)
{
	size_t got = 0;
	int fd;

	memset(fb, 0, sizeof(*fb));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		eb_set(eb, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &fb->st)) {
		eb_set(eb, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(fb->st.st_mode)) {
		eb_set(eb, "not a regular file");
		goto fail;
	}
	if ((uint64_t)fb->st.st_size > (uint64_t)SIZE_MAX - 1) {
		eb_set(eb, "too large to read into memory");
		goto fail;
	}
	fb->len = (size_t)fb->st.st_size;
	fb->data = malloc(fb->len ? fb->len : 1);
	if (!fb->data) {
		eb_set(eb, "out of memory reading %zu bytes", fb->len);
		goto fail;
	}
	while (got < fb->len) {
		ssize_t n = read(fd, fb->data + got, fb->len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			eb_set(eb, "read error: %s", strerror(errno));
			goto fail;
		}
		if (n == 0) {
			eb_set(eb, "the file shrank while being read");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	free(fb->data);
	fb->data = NULL;
	return -1;
}

void file_buf_free(struct file_buf *fb)
{
	free(fb->data);
	fb->data = NULL;
	fb->len = 0;
}

static int write_all(int fd, const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t n = write(fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			p += n;
			left -= (size_t)n;
		}
	}
	return 0;
}

int replace_file(const char *path, const struct stat *orig,
		 const struct iovec *iov, int iovcnt, struct errbuf *eb)
{
	char *real = NULL, *tmp = NULL, *slash;
	const char *dir, *base;
	size_t n;
	int fd = -1, dfd, ret = -1;

	real = realpath(path, NULL);
	if (!real) {
		eb_set(eb, "cannot resolve the path: %s", strerror(errno));
		return -1;
	}
	slash = strrchr(real, '/');
	base = slash + 1; /* realpath gives an absolute path */
	n = strlen(real) + 32;
	tmp = malloc(n);
	if (!tmp) {
		eb_set(eb, "out of memory");
		goto out;
	}
	*slash = '\0';
	dir = real[0] ? real : "/";
	snprintf(tmp, n, "%s/.%s.modsign-XXXXXX", dir, base);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		eb_set(eb, "cannot create a temporary file in %s: %s", dir,
		       strerror(errno));
		goto out;
	}
	/* The owner first: fchown may clear set-id bits that fchmod sets.
	 * Only root may give a file away; others keep their own. */
	if (fchown(fd, orig->st_uid, orig->st_gid) && errno != EPERM) {
		eb_set(eb, "cannot set the owner of %s: %s", tmp,
		       strerror(errno));
		goto fail;
	}
	if (fchmod(fd, orig->st_mode & 07777)) {
		eb_set(eb, "cannot set the mode of %s: %s", tmp,
		       strerror(errno));
		goto fail;
	}
	if (write_all(fd, iov, iovcnt)) {
		eb_set(eb, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fsync(fd)) {
		eb_set(eb, "cannot sync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		eb_set(eb, "cannot close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	*slash = '/';
	if (rename(tmp, real)) {
		eb_set(eb, "cannot rename %s over the module: %s", tmp,
		       strerror(errno));
		goto fail;
	}
	*slash = '\0';
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) && errno != EINVAL) {
			eb_set(eb, "replaced, but cannot sync the folder %s: %s",
			       dir, strerror(errno));
			close(dfd);
			goto out;
		}
		close(dfd);
	}
	ret = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	free(real);
	return ret;
}

/* Reads a small file (key or certificate) into memory. */
static uint8_t *slurp(const char *path, size_t *len, struct errbuf *eb)
{
	struct file_buf fb;

	if (read_file(path, &fb, eb))
		return NULL;
	if (fb.len == 0) {
		eb_set(eb, "empty file");
		file_buf_free(&fb);
		return NULL;
	}
	if (fb.len > MAX_KEYFILE) {
		eb_set(eb, "%zu bytes is too large for a key or certificate",
		       fb.len);
		file_buf_free(&fb);
		return NULL;
	}
	*len = fb.len;
	return fb.data;
}

/* PEM if "-----BEGIN" comes first, after blank space; DER otherwise. */
static int is_pem(const uint8_t *p, size_t len)
{
	static const char begin[] = "-----BEGIN";
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			   p[i] == '\n'))
		i++;
	return len - i >= sizeof(begin) - 1 &&
	       memcmp(p + i, begin, sizeof(begin) - 1) == 0;
}

int load_certs(const char *path, STACK_OF(X509) *certs, struct errbuf *eb)
{
	uint8_t *data;
	size_t len;
	int count = 0;

	data = slurp(path, &len, eb);
	if (!data)
		return -1;
	ossl_clear();
	if (is_pem(data, len)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);
		X509 *x;

		OSSL_CHECK(b, eb, "cannot read the certificate");
		while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				BIO_free(b);
				OSSL_CHECK(0, eb, "out of memory");
			}
			count++;
		}
		BIO_free(b);
		if (count == 0) {
			eb_ossl(eb, "no PEM certificate in it");
			goto out;
		}
		/* the loop ends on "no start line": not an error */
		ERR_clear_error();
	} else {
		const unsigned char *p = data, *end = data + len;

		while (p < end) {
			X509 *x = d2i_X509(NULL, &p, end - p);

			if (!x) {
				if (count)
					eb_ossl(eb,
						"garbage after certificate %d (DER)",
						count);
				else
					eb_ossl(eb,
						"not a certificate (neither PEM nor DER X.509)");
				goto out;
			}
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				OSSL_CHECK(0, eb, "out of memory");
			}
			count++;
		}
	}
	free(data);
	return count;
out:
	free(data);
	return -1;
}

X509 *load_cert(const char *path, struct errbuf *eb)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509 *x = NULL;

	if (!certs) {
		eb_set(eb, "out of memory");
		return NULL;
	}
	if (load_certs(path, certs, eb) > 0) {
		x = sk_X509_shift(certs);
	}
	sk_X509_pop_free(certs, X509_free);
	return x;
}

EVP_PKEY *load_key(const char *path, struct errbuf *eb)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pkey = NULL;
	const char *pin = getenv("KBUILD_SIGN_PIN");
	const unsigned char *p;
	uint8_t *data;
	size_t len, left;

	data = slurp(path, &len, eb);
	if (!data)
		return NULL;
	ossl_clear();
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey,
					     is_pem(data, len) ? "PEM" : "DER",
					     NULL, NULL, EVP_PKEY_KEYPAIR, NULL,
					     NULL);
	OSSL_CHECK(dctx, eb, "cannot set up a key decoder");
	if (pin)
		OSSL_CHECK(OSSL_DECODER_CTX_set_passphrase(
				   dctx, (const unsigned char *)pin,
				   strlen(pin)) == 1,
			   eb, "cannot use $KBUILD_SIGN_PIN");
	p = data;
	left = len;
	if (OSSL_DECODER_from_data(dctx, &p, &left) != 1 || !pkey) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		eb_ossl(eb,
			"not a private key (PEM or DER; an encrypted one needs its passphrase in $KBUILD_SIGN_PIN)");
		goto out;
	}
	ERR_clear_error();
out:
	OSSL_DECODER_CTX_free(dctx);
	OPENSSL_cleanse(data, len);
	free(data);
	return pkey;
}
