/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio.h - the file side: read a module, replace it atomically, load keys
 * and certificates (DER or PEM, told apart by their first bytes).
 */
#ifndef MODSIGN_FILEIO_H
#define MODSIGN_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"

struct file_buf {
	uint8_t *data; /* malloc'ed, len bytes (at least 1 allocated) */
	size_t len;
	struct stat st;
};

/* Reads a whole regular file. Returns 0, or -1 with the reason in *eb. */
int read_file(const char *path, struct file_buf *fb, struct errbuf *eb);
void file_buf_free(struct file_buf *fb);

/*
 * replace_file - atomically replace path with the concatenation of iov: a
 * temporary file in the same folder, the original's mode (and owner, when
 * allowed), fsync, rename over the original, fsync of the folder. The
 * original is untouched when anything fails. A symbolic link is followed:
 * the file it points to is replaced, the link stays.
 */
int replace_file(const char *path, const struct stat *orig,
		 const struct iovec *iov, int iovcnt, struct errbuf *eb);

/* Appends the certificates in path (one DER certificate, several DER ones
 * back to back, or a PEM bundle) to certs. Returns how many, or -1. */
int load_certs(const char *path, STACK_OF(X509) *certs, struct errbuf *eb);

/* One certificate: the first one in path. */
X509 *load_cert(const char *path, struct errbuf *eb);

/* A private key, PEM or DER (PKCS#8 or traditional). An encrypted key is
 * opened with the passphrase in $KBUILD_SIGN_PIN, as sign-file does. */
EVP_PKEY *load_key(const char *path, struct errbuf *eb);

#endif
