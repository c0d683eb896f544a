// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * provider.c - a signing key in a PKCS#11 token through OpenSSL's pkcs11
 * provider (pkcs11-provider: Debian 13 and later, Debian 12's
 * bookworm-backports) and OSSL_STORE, as the kernel's sign-file does
 * since 6.12. The provider is found where OpenSSL finds providers: its
 * modules folder (`openssl version -m`), or $OPENSSL_MODULES.
 *
 * The PIN reaches the provider through OSSL_STORE's passphrase callback
 * (the provider asks for it when it logs in), so that pin-value,
 * $MODSIGN_PIN, $KBUILD_SIGN_PIN and the terminal work as with the engine.
 */
#include "provider.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "util.h"

/* One signing key per process: the provider it came from. */
static OSSL_PROVIDER *prov;
static int tried;
static int cleanup_registered;

int provider_usable(const char *module)
{
	unsigned char b[1];

	if (tried)
		return prov != NULL;
	tried = 1;
	/* the provider reads its PKCS#11 module from the environment when
	 * it starts (no configuration file is needed) */
	if (module && setenv("PKCS11_PROVIDER_MODULE", module, 1))
		return 0;
	/* OpenSSL's random generator made before the provider is there:
	 * pkcs11-provider offers one too, and a PKCS#11 module that uses
	 * OpenSSL itself in this process (SoftHSM2) would otherwise reach
	 * it from inside its own C_Login, and wait on its own lock */
	if (RAND_bytes(b, sizeof(b)) != 1 || RAND_priv_bytes(b, sizeof(b)) != 1)
		return 0;
	/* retain_fallbacks: OpenSSL's default provider stays, for the
	 * digests, CMS and the certificate */
	prov = OSSL_PROVIDER_try_load(NULL, "pkcs11", 1);
	ERR_clear_error();
	return prov != NULL;
}

void provider_release(void)
{
	if (prov)
		OSSL_PROVIDER_unload(prov);
	prov = NULL;
	tried = 0;
}

/* OpenSSL's own cleanup, run at exit before the PKCS#11 module's: see
 * provider_key_load. */
static void cleanup_first(void)
{
	OPENSSL_cleanup();
}

/* What the passphrase callback knows: the PIN, and whether it was asked. */
struct pin_ask {
	const char *pin;
	int asked;
};

/* OSSL_STORE's passphrase callback (PEM style): the PIN, or none. */
static int give_pin(char *buf, int size, int rwflag, void *data)
{
	struct pin_ask *pa = data;
	size_t n;

	(void)rwflag;
	if (!pa)
		return -1;
	pa->asked++;
	if (!pa->pin)
		return -1;
	n = strlen(pa->pin);
	if (size < 0 || n > (size_t)size)
		return -1;
	memcpy(buf, pa->pin, n);
	return (int)n;
}

/* The first object of type want at uri, or NULL (OpenSSL's error queue
 * says why, if anything does). */
static OSSL_STORE_INFO *store_first(OSSL_LIB_CTX *lc, const char *uri, int want,
				    const UI_METHOD *ui, void *ui_data)
{
	OSSL_STORE_CTX *sc;
	OSSL_STORE_INFO *info = NULL;

	sc = OSSL_STORE_open_ex(uri, lc, NULL, ui, ui_data, NULL, NULL, NULL);
	if (!sc)
		return NULL;
	if (OSSL_STORE_expect(sc, want) != 1)
		goto out;
	while (!OSSL_STORE_eof(sc)) {
		info = OSSL_STORE_load(sc);
		if (info && OSSL_STORE_INFO_get_type(info) == want)
			break;
		OSSL_STORE_INFO_free(info);
		info = NULL;
		if (OSSL_STORE_error(sc))
			break;
	}
out:
	OSSL_STORE_close(sc);
	return info;
}

/*
 * Whether the token holds a public key at the URI: after no private key
 * came with a login, that tells a refused PIN from a wrong URI (the
 * provider puts no reason on OpenSSL's error queue). Looked up without
 * a login: the callback gives no PIN, so no failed login is counted.
 */
static int public_key_there(const char *uri)
{
	struct pin_ask none = { NULL, 0 };
	UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(give_pin, 0);
	OSSL_STORE_INFO *info;
	char *pub = strdup(uri), *t;
	int there = 0;

	if (!ui || !pub)
		goto out;
	t = strstr(pub, "type=private");
	if (t) { /* "private" is one letter longer than "public" */
		memcpy(t + 5, "public", 6);
		memmove(t + 11, t + 12, strlen(t + 12) + 1);
	}
	info = store_first(NULL, pub, OSSL_STORE_INFO_PUBKEY, ui, &none);
	there = info != NULL;
	OSSL_STORE_INFO_free(info);
out:
	free(pub);
	UI_destroy_method(ui);
	ERR_clear_error();
	return there;
}

int provider_key_load(const struct uri_parts *u, const char *pin, int ask,
		      struct signing_key *k, struct errbuf *eb)
{
	struct pin_ask pa = { pin, 0 };
	UI_METHOD *ui = NULL;
	OSSL_STORE_INFO *info;
	int ret = -1;

	ERR_clear_error();
	if (!ask) {
		ui = UI_UTIL_wrap_read_pem_callback(give_pin, 0);
		OSSL_CHECK(ui, eb, "out of memory");
	}
	info = store_first(NULL, u->uri, OSSL_STORE_INFO_PKEY,
			   ask ? UI_OpenSSL() : ui, ask ? NULL : &pa);
	/* The PKCS#11 module is loaded now, and its own exit handlers (a C++
	 * module's destructors: SoftHSM2) would run before libcrypto's,
	 * whose cleanup then has the provider close its sessions in a
	 * module already torn down (a crash at exit). Handlers run in the
	 * reverse order of their registration: this one, registered after
	 * the module's, cleans up first. */
	if (!cleanup_registered && !atexit(cleanup_first))
		cleanup_registered = 1;
	if (info)
		k->pkey = OSSL_STORE_INFO_get1_PKEY(info);
	OSSL_STORE_INFO_free(info);
	if (!k->pkey) {
		static const char nokey[] = "no private key at that URI";
		char why[ERRBUF_SIZE];

		eb_ossl(eb, "%s", nokey);
		snprintf(why, sizeof(why), "%s", eb->msg + strlen(nokey));
		if ((pa.asked || ask) && public_key_there(u->uri))
			eb_set(eb,
			       "wrong PIN: the token refused to log in (its public key is at that URI, the private key did not come with the login; OpenSSL's pkcs11 provider gives no other reason)%s",
			       why);
		else
			eb_set(eb,
			       "%s%s; check its token= and object= against the token's private keys (p11tool --provider MODULE --list-all-privkeys --login, from gnutls-bin)",
			       nokey, why);
		goto out;
	}
	ERR_clear_error();
	k->in_token = 1;
	k->via = "OpenSSL's pkcs11 provider";
	ret = 0;
out:
	UI_destroy_method(ui);
	return ret;
}

int provider_key_load_own(const struct uri_parts *u, const char *pin,
			  struct signing_key *k, struct errbuf *eb)
{
	const char *was = getenv("PKCS11_PROVIDER_MODULE");
	char *keep = was ? strdup(was) : NULL;
	struct pin_ask pa = { pin, 0 };
	UI_METHOD *ui = NULL;
	OSSL_LIB_CTX *lc = NULL;
	OSSL_PROVIDER *p = NULL;
	OSSL_STORE_INFO *info = NULL;
	unsigned char b[1];
	int ret = -1;

	ERR_clear_error();
	OSSL_CHECK(!was || keep, eb, "out of memory");
	lc = OSSL_LIB_CTX_new();
	ui = UI_UTIL_wrap_read_pem_callback(give_pin, 0);
	OSSL_CHECK(lc && ui, eb, "out of memory");
	/* the provider instance of lc reads its PKCS#11 module from the
	 * environment when it starts: this one's own copy */
	if (setenv("PKCS11_PROVIDER_MODULE", u->module, 1)) {
		eb_set(eb, "out of memory");
		goto out;
	}
	/* lc's random generator before its provider, as provider_usable
	 * does for the default context */
	OSSL_CHECK(RAND_bytes_ex(lc, b, sizeof(b), 0) == 1 &&
			   RAND_priv_bytes_ex(lc, b, sizeof(b), 0) == 1,
		   eb, "cannot start OpenSSL's random generator");
	p = OSSL_PROVIDER_try_load(lc, "pkcs11", 1);
	OSSL_CHECK(p, eb, "OpenSSL's pkcs11 provider does not load again");
	info = store_first(lc, u->uri, OSSL_STORE_INFO_PKEY, ui, &pa);
	if (info)
		k->pkey = OSSL_STORE_INFO_get1_PKEY(info);
	OSSL_CHECK(k->pkey, eb, "no private key at that URI");
	ERR_clear_error();
	k->in_token = 1;
	k->via = "OpenSSL's pkcs11 provider";
	k->libctx = lc;
	k->prov = p;
	lc = NULL;
	p = NULL;
	ret = 0;
out:
	OSSL_STORE_INFO_free(info);
	UI_destroy_method(ui);
	if (p)
		OSSL_PROVIDER_unload(p);
	OSSL_LIB_CTX_free(lc);
	if (keep)
		setenv("PKCS11_PROVIDER_MODULE", keep, 1);
	else
		unsetenv("PKCS11_PROVIDER_MODULE");
	free(keep);
	return ret;
}

void provider_key_free_own(struct signing_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	if (k->prov)
		OSSL_PROVIDER_unload(k->prov);
	OSSL_LIB_CTX_free(k->libctx);
	k->prov = k->libctx = NULL;
}
