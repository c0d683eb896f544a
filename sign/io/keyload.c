// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keyload.c - keys and certificates: key and certificate files (DER or
 * PEM, told apart by their first bytes), and keys in a PKCS#11 token.
 *
 * Tokens are reached through the libp11 engine (Debian 12:
 * libengine-pkcs11-openssl), with OpenSSL's ENGINE API. That API is
 * deprecated in OpenSSL 3.0 but still there, and it is the only PKCS#11
 * route Debian 12 ships: the OpenSSL 3 "pkcs11" provider that the
 * kernel's sign-file tries is not packaged there. So this file, and only
 * this file, asks OpenSSL not to warn about the deprecation (the project
 * builds with -Werror).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "keyload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "fileio.h"

#define URI_PREFIX "pkcs11:"

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
	ERR_clear_error();
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
	ERR_clear_error();
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

/* s[0..n) with %XX decoded (RFC 7512 values are percent-encoded). */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
		    hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

struct uri_parts {
	char *uri;    /* the URI without pin-value and module-path */
	char *pin;    /* pin-value, decoded, or NULL */
	char *module; /* module-path, decoded, or NULL */
};

static void uri_parts_free(struct uri_parts *u)
{
	if (u->pin)
		OPENSSL_cleanse(u->pin, strlen(u->pin));
	free(u->pin);
	free(u->module);
	free(u->uri);
	memset(u, 0, sizeof(*u));
}

static int attr_is(const char *a, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n > l && !memcmp(a, name, l) && a[l] == '=';
}

/*
 * Splits "pkcs11:path-attrs[?query-attrs]": path attributes are separated by
 * ';', query attributes by '&'. pin-value (in either part, as libp11 and
 * the openssl command take it) and module-path are taken out; the rest is
 * kept in order.
 */
static int uri_split(const char *spec, struct uri_parts *u)
{
	size_t len = strlen(spec), i = strlen(URI_PREFIX), start;
	int in_query = 0, kept_path = 0, kept_query = 0;
	char *o;

	memset(u, 0, sizeof(*u));
	u->uri = malloc(len + 2);
	if (!u->uri)
		return -1;
	o = u->uri;
	memcpy(o, URI_PREFIX, i);
	o += i;
	while (i <= len) {
		size_t n;

		start = i;
		while (i < len && spec[i] != (in_query ? '&' : ';') &&
		       !(spec[i] == '?' && !in_query))
			i++;
		n = i - start;
		if (attr_is(spec + start, n, "pin-value")) {
			if (u->pin) {
				OPENSSL_cleanse(u->pin, strlen(u->pin));
				free(u->pin);
			}
			u->pin = pct_decode(spec + start + 10, n - 10);
			if (!u->pin)
				return -1;
		} else if (attr_is(spec + start, n, "module-path")) {
			free(u->module);
			u->module = pct_decode(spec + start + 12, n - 12);
			if (!u->module)
				return -1;
		} else if (n && !memchr(spec + start, '=', n)) {
			/* not an attribute: maybe the tail of a PIN with a
			 * raw ';' or '&' in it, so never shown or passed on */
			errno = EINVAL;
			return -1;
		} else if (n) {
			if (in_query)
				*o++ = kept_query++ ? '&' : '?';
			else if (kept_path++)
				*o++ = ';';
			memcpy(o, spec + start, n);
			o += n;
		}
		if (i < len && spec[i] == '?')
			in_query = 1;
		i++;
	}
	*o = '\0';
	return 0;
}

char *signing_key_display(const char *spec)
{
	struct strbuf sb;
	const char *v;

	if (strncmp(spec, URI_PREFIX, strlen(URI_PREFIX)) != 0)
		return strdup(spec);
	/* Nothing after pin-value= is shown: a PIN with a raw ';', '&' or
	 * '?' in it would otherwise show its tail as further attributes. */
	v = strstr(spec, "pin-value=");
	if (!v)
		return strdup(spec);
	sb_init(&sb);
	sb_add(&sb, spec, (size_t)(v - spec));
	sb_puts(&sb, "pin-value=***");
	if (sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	return sb.s;
}

void signing_key_free(struct signing_key *k)
{
	EVP_PKEY_free(k->pkey);
	if (k->engine) {
		ENGINE_finish(k->engine);
		ENGINE_free(k->engine);
	}
	memset(k, 0, sizeof(*k));
}

/* Whether OpenSSL's error queue holds libp11's "PIN incorrect". */
static int pin_refused(const char *msg)
{
	return strstr(msg, "PIN incorrect") || strstr(msg, "PIN_INCORRECT") ||
	       strstr(msg, "PIN locked") || strstr(msg, "PIN_LOCKED");
}

/* Whether this process has a terminal to ask on (OpenSSL's UI reads
 * /dev/tty, with echo off). */
static int have_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int load_from_token(const char *spec, struct signing_key *k,
			   struct errbuf *eb)
{
	struct uri_parts u;
	ENGINE *e = NULL;
	const char *pin;
	int inited = 0, ask, ret = -1;

	if (uri_split(spec, &u)) {
		if (errno == EINVAL)
			eb_set(eb,
			       "a part of the URI is not a name=value attribute: write ';' as %%3B, '&' as %%26 and '?' as %%3F inside a value (a PIN, say)");
		else
			eb_set(eb, "out of memory");
		goto out;
	}
	pin = u.pin;
	if (!pin)
		pin = getenv("MODSIGN_PIN");
	if (!pin)
		pin = getenv("KBUILD_SIGN_PIN");
	/* no PIN given: libp11 asks for it on the terminal (no echo), when
	 * there is one; never on a pipe */
	ask = !pin && !strstr(u.uri, "pin-source=") && have_terminal();
	if (!pin && !ask && !strstr(u.uri, "pin-source=")) {
		eb_set(eb,
		       "no PIN for the token and no terminal to ask on: set MODSIGN_PIN (or put pin-value in the URI)");
		goto out;
	}
	ERR_clear_error();
	e = ENGINE_by_id("pkcs11");
	OSSL_CHECK(e, eb,
		   "cannot load OpenSSL's pkcs11 engine (Debian: libengine-pkcs11-openssl)");
	/* libp11 explains a failed login on stderr by itself; our message
	 * says it once, in our format */
	(void)ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 1);
	ERR_clear_error();
	if (u.module)
		OSSL_CHECK(ENGINE_ctrl_cmd_string(e, "MODULE_PATH", u.module,
						  0) == 1,
			   eb, "the pkcs11 engine refused module-path %s",
			   u.module);
	if (pin)
		OSSL_CHECK(ENGINE_ctrl_cmd_string(e, "PIN", pin, 0) == 1, eb,
			   "the pkcs11 engine refused the PIN");
	OSSL_CHECK(ENGINE_init(e) == 1, eb,
		   "cannot start the pkcs11 engine (PKCS#11 module %s)",
		   u.module ? u.module : "p11-kit-proxy, libp11's default");
	inited = 1;
	k->pkey = ENGINE_load_private_key(e, u.uri, ask ? UI_OpenSSL() : NULL,
					  NULL);
	if (!k->pkey) {
		eb_ossl(eb, "no private key at that URI");
		if (pin_refused(eb->msg)) {
			char why[ERRBUF_SIZE];

			/* keep OpenSSL's reasons, after "URI" */
			snprintf(why, sizeof(why), "%s",
				 eb->msg + strlen("no private key at that URI"));
			eb_set(eb, "wrong PIN: the token refused to log in%s",
			       why);
		}
		goto out;
	}
	ERR_clear_error();
	k->in_token = 1;
	k->engine = e;
	e = NULL;
	ret = 0;
out:
	if (e) {
		if (inited)
			ENGINE_finish(e);
		ENGINE_free(e);
	}
	uri_parts_free(&u);
	return ret;
}

int signing_key_load(const char *spec, struct signing_key *k,
		     struct errbuf *eb)
{
	memset(k, 0, sizeof(*k));
	if (!strncmp(spec, URI_PREFIX, strlen(URI_PREFIX)))
		return load_from_token(spec, k, eb);
	k->pkey = load_key(spec, eb);
	return k->pkey ? 0 : -1;
}
