// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - a signing key in a PKCS#11 token through the libp11 engine
 * (Debian: libengine-pkcs11-openssl), where OpenSSL's pkcs11 provider does
 * not load (Debian 12 without bookworm-backports' pkcs11-provider).
 *
 * This is OpenSSL's ENGINE API: deprecated in OpenSSL 3.0, removed in 4.0.
 * Where OpenSSL still has it, this file, and only this file, asks OpenSSL
 * not to warn about the deprecation (the project builds with -Werror);
 * where it does not (OPENSSL_NO_ENGINE, or OpenSSL 4 and later), only
 * stubs are compiled, and no ENGINE symbol is referenced.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "engine.h"

#include <openssl/opensslconf.h>
#include <openssl/opensslv.h>

#if !defined(OPENSSL_NO_ENGINE) && OPENSSL_VERSION_MAJOR < 4

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#include "util.h"

int engine_built(void)
{
	return 1;
}

/* Whether OpenSSL's error queue holds libp11's "PIN incorrect". */
static int pin_refused(const char *msg)
{
	return strstr(msg, "PIN incorrect") || strstr(msg, "PIN_INCORRECT") ||
	       strstr(msg, "PIN locked") || strstr(msg, "PIN_LOCKED");
}

/* The engine told the module and the PIN, and started. 0, or -1 with
 * *eb (then the caller frees e, and finishes it when *inited). */
static int engine_start(ENGINE *e, const struct uri_parts *u, const char *pin,
			int *inited, struct errbuf *eb)
{
	/* libp11 explains a failed login on stderr by itself; our message
	 * says it once, in our format */
	(void)ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 1);
	ERR_clear_error();
	if (u->module &&
	    ENGINE_ctrl_cmd_string(e, "MODULE_PATH", u->module, 0) != 1) {
		eb_ossl(eb, "the pkcs11 engine refused module-path %s",
			u->module);
		return -1;
	}
	if (pin && ENGINE_ctrl_cmd_string(e, "PIN", pin, 0) != 1) {
		eb_ossl(eb, "the pkcs11 engine refused the PIN");
		return -1;
	}
	if (ENGINE_init(e) != 1) {
		eb_ossl(eb,
			"cannot start the pkcs11 engine (PKCS#11 module %s)",
			u->module ? u->module :
				    "p11-kit-proxy, libp11's default");
		return -1;
	}
	*inited = 1;
	return 0;
}

static int engine_key_load_via(const struct uri_parts *u, const char *pin,
			       int ask, int own, struct signing_key *k,
			       struct errbuf *eb);

/* Why ENGINE_load_private_key failed: a refused login, or no such key. */
static void engine_key_error(struct errbuf *eb)
{
	static const char nokey[] = "no private key at that URI";
	char why[ERRBUF_SIZE];

	eb_ossl(eb, "%s", nokey);
	/* keep OpenSSL's reasons, after "URI" */
	snprintf(why, sizeof(why), "%s", eb->msg + strlen(nokey));
	if (pin_refused(eb->msg))
		eb_set(eb, "wrong PIN: the token refused to log in%s", why);
	else
		eb_set(eb,
		       "%s%s; check its token= and object= against the token's private keys (p11tool --provider MODULE --list-all-privkeys --login, from gnutls-bin)",
		       nokey, why);
}

/*
 * A pkcs11 engine of its own: ENGINE_by_id returns the one engine of that
 * name (its state, its PKCS#11 module, loaded once), and OpenSSL's dynamic
 * engine loads one engine per library and process; so this is a copy of
 * libp11's engine library (library_copy) from $OPENSSL_ENGINES or
 * OpenSSL's engines folder, loaded through the dynamic engine, not added
 * to OpenSSL's list. NULL when it does not load.
 */
static ENGINE *engine_own(void)
{
	const char *env = getenv("OPENSSL_ENGINES"), *v, *end;
	char path[4096], so[64];
	ENGINE *e;
	int fd, n;

	if (env && *env) {
		n = snprintf(path, sizeof(path), "%s/pkcs11.so", env);
	} else {
		/* ENGINESDIR: "/usr/lib/x86_64-linux-gnu/engines-3" */
		v = strchr(OpenSSL_version(OPENSSL_ENGINES_DIR), '"');
		end = v ? strchr(v + 1, '"') : NULL;
		if (!end)
			return NULL;
		n = snprintf(path, sizeof(path), "%.*s/pkcs11.so",
			     (int)(end - v - 1), v + 1);
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	fd = library_copy(path);
	if (fd < 0)
		return NULL;
	snprintf(so, sizeof(so), "/proc/self/fd/%d", fd);
	e = ENGINE_by_id("dynamic");
	if (e && (ENGINE_ctrl_cmd_string(e, "SO_PATH", so, 0) != 1 ||
		  ENGINE_ctrl_cmd_string(e, "ID", "pkcs11", 0) != 1 ||
		  ENGINE_ctrl_cmd_string(e, "LIST_ADD", "0", 0) != 1 ||
		  ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0) != 1)) {
		ENGINE_free(e);
		e = NULL;
	}
	close(fd);
	return e;
}

int engine_key_load(const struct uri_parts *u, const char *pin, int ask,
		    struct signing_key *k, struct errbuf *eb)
{
	return engine_key_load_via(u, pin, ask, 0, k, eb);
}

int engine_key_load_own(const struct uri_parts *u, const char *pin,
			struct signing_key *k, struct errbuf *eb)
{
	return engine_key_load_via(u, pin, 0, 1, k, eb);
}

static int engine_key_load_via(const struct uri_parts *u, const char *pin,
			       int ask, int own, struct signing_key *k,
			       struct errbuf *eb)
{
	ENGINE *e = NULL;
	int inited = 0, ret = -1;

	ERR_clear_error();
	e = own ? engine_own() : ENGINE_by_id("pkcs11");
	OSSL_CHECK(
		e, eb,
		"neither OpenSSL's pkcs11 provider nor libp11's pkcs11 engine loads: install pkcs11-provider (Debian 13 and later; Debian 12: bookworm-backports, or OPENSSL_MODULES pointing at the folder of its pkcs11.so), or libengine-pkcs11-openssl");
	if (engine_start(e, u, pin, &inited, eb))
		goto out;
	k->pkey = ENGINE_load_private_key(e, u->uri, ask ? UI_OpenSSL() : NULL,
					  NULL);
	if (!k->pkey) {
		engine_key_error(eb);
		goto out;
	}
	ERR_clear_error();
	k->in_token = 1;
	k->engine = e;
	k->via = "libp11's pkcs11 engine";
	e = NULL;
	ret = 0;
out:
	if (e) {
		if (inited)
			ENGINE_finish(e);
		ENGINE_free(e);
	}
	return ret;
}

void token_engine_free(void *engine)
{
	if (engine) {
		ENGINE_finish(engine);
		ENGINE_free(engine);
	}
}

#else /* no ENGINE API in this OpenSSL */

int engine_built(void)
{
	return 0;
}

int engine_key_load(const struct uri_parts *u, const char *pin, int ask,
		    struct signing_key *k, struct errbuf *eb)
{
	(void)u;
	(void)pin;
	(void)ask;
	(void)k;
	eb_set(eb,
	       "this modsign is built without OpenSSL's ENGINE API: a pkcs11: key needs OpenSSL's pkcs11 provider: install pkcs11-provider");
	return -1;
}

int engine_key_load_own(const struct uri_parts *u, const char *pin,
			struct signing_key *k, struct errbuf *eb)
{
	return engine_key_load(u, pin, 0, k, eb);
}

void token_engine_free(void *engine)
{
	(void)engine;
}

#endif
