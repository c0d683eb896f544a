// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verdict.c - decide whether a module will load on a machine, from the
 * module's bytes and the machine state sysstate.c read. No I/O.
 *
 * The kernel's rules this follows (kernel/module/signing.c,
 * module_sig_check, and Debian's patches):
 *  - without CONFIG_MODULE_SIG nothing is checked;
 *  - a good signature by a key in .builtin_trusted_keys or
 *    .secondary_trusted_keys (on Debian also .platform and .machine, where
 *    MOK keys land) loads;
 *  - a signature that cannot be parsed, or whose key is found but does not
 *    verify, is refused whenever signatures are checked;
 *  - an unsigned module, or one whose key is unknown, is refused when
 *    signatures are enforced (sig_enforce, CONFIG_MODULE_SIG_FORCE) or the
 *    kernel is locked down (integrity or confidentiality); otherwise it
 *    loads and taints the kernel;
 *  - the vermagic release must be the running kernel's.
 */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "compress.h"
#include "kitwords.h"
#include "sysparse.h"

#define ENROLLED_BUT_NOT_LOADED                                             \
	"the key is enrolled (MokListRT) but this kernel did not load it: " \
	"see \"The key was enrolled but modules still fail\" in "           \
	"docs/troubleshooting.md"

#define REBOOT_INTO_IMAGE \
	"reboot into the kernel image now installed, whose built-in key signed it"

/* Appends to the NUL-terminated text in buf[0..size). */
static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void add_why(char *buf, size_t size, const char *what)
{
	size_t used = strlen(buf);

	if (used < size)
		snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			 what);
}

void machine_policy(const struct machine *m, struct policy *p)
{
	const struct kconfig *kc = &m->kc;
	int lockdown = m->lockdown == LOCKDOWN_INTEGRITY ||
		       m->lockdown == LOCKDOWN_CONFIDENTIALITY;

	memset(p, 0, sizeof(*p));
	if (m->sig_param == TRI_YES || (kc->valid && kc->module_sig == TRI_YES))
		p->checks = TRI_YES;
	else if (m->sig_param == TRI_NO ||
		 (kc->valid && kc->module_sig == TRI_NO))
		p->checks = TRI_NO;
	else
		p->checks = TRI_UNKNOWN;

	p->enforced = TRI_UNKNOWN;
	if (p->checks == TRI_NO) {
		p->enforced = TRI_NO;
		add_why(p->why, sizeof(p->why),
			"this kernel does not check module signatures");
		return;
	}
	if (m->sig_enforce == TRI_YES)
		add_why(p->why, sizeof(p->why), "sig_enforce=Y");
	if (kc->valid && kc->module_sig_force == TRI_YES)
		add_why(p->why, sizeof(p->why), "CONFIG_MODULE_SIG_FORCE=y");
	if (lockdown) {
		char l[64];

		snprintf(l, sizeof(l), "lockdown %s",
			 lockdown_name(m->lockdown));
		add_why(p->why, sizeof(p->why), l);
	}
	if (m->sig_enforce == TRI_YES ||
	    (kc->valid && kc->module_sig_force == TRI_YES) ||
	    (lockdown && p->checks == TRI_YES)) {
		p->enforced = TRI_YES;
		return;
	}
	if (p->checks == TRI_YES && m->sig_enforce == TRI_NO &&
	    m->lockdown == LOCKDOWN_NONE) {
		p->enforced = TRI_NO;
		add_why(p->why, sizeof(p->why), "sig_enforce=N");
		add_why(p->why, sizeof(p->why), "lockdown none");
		return;
	}
	/* say what is missing */
	p->why[0] = '\0';
	if (p->checks == TRI_UNKNOWN)
		add_why(p->why, sizeof(p->why),
			"whether it checks signatures at all is unknown (no sig_enforce parameter readable, no config)");
	if (m->sig_enforce == TRI_UNKNOWN)
		add_why(p->why, sizeof(p->why), "sig_enforce unknown");
	else if (m->sig_enforce == TRI_NO)
		add_why(p->why, sizeof(p->why), "sig_enforce=N");
	if (m->lockdown == LOCKDOWN_UNKNOWN)
		add_why(p->why, sizeof(p->why), "lockdown unknown");
}

/* ---- the module ---- */

/* A .modinfo string, whole or not at all (a cut name would be wrong). */
static void modinfo_copy(const uint8_t *buf, size_t len, const char *key,
			 char *out, size_t size)
{
	const char *val;
	size_t vlen;

	out[0] = '\0';
	if (modinfo_get(buf, len, key, &val, &vlen) == 1 && vlen < size &&
	    !memchr(val, '\0', vlen)) {
		memcpy(out, val, vlen);
		out[vlen] = '\0';
	}
}

/* The signature trailer: fills f->sig (and f->error for what is no module
 * at all). Returns how much of buf is the ELF image, to read .modinfo in;
 * 0 with f->error set. */
static size_t read_signature(const uint8_t *buf, size_t len, struct modfacts *f)
{
	struct errbuf eb;
	size_t elf_len = len;
	enum trailer_status st;

	st = trailer_parse(buf, len, &f->t);
	switch (st) {
	case TRAILER_EMPTY:
		f->error = "empty file";
		return 0;
	case TRAILER_NOT_ELF:
		f->error = "not an ELF file";
		return 0;
	case TRAILER_UNSIGNED:
	case TRAILER_TRAILING:
		f->sig = MODSIG_UNSIGNED;
		break;
	case TRAILER_BAD_MAGIC:
	case TRAILER_TRUNCATED:
		/* the kernel looks for the exact magic at the very end */
		f->sig = MODSIG_UNSIGNED;
		snprintf(
			f->sig_note, sizeof(f->sig_note),
			"the end of the file looks like a damaged signature; the kernel sees none");
		break;
	case TRAILER_BAD_ID_TYPE:
		f->sig = MODSIG_UNSUPPORTED;
		snprintf(f->sig_note, sizeof(f->sig_note),
			 "id type %u is not PKCS#7", f->t.id_type);
		elf_len = f->t.module_len;
		break;
	case TRAILER_OK:
		elf_len = f->t.module_len;
		if (sig_describe(buf + f->t.sig_off, f->t.sig_len, &f->desc,
				 &eb) ||
		    signer_id_get(buf + f->t.sig_off, f->t.sig_len, &f->sid,
				  &eb)) {
			f->sig = MODSIG_DAMAGED;
			snprintf(f->sig_note, sizeof(f->sig_note), "%.200s",
				 eb.msg);
			break;
		}
		f->sig = MODSIG_SIGNED;
		break;
	default: {
		char why[200];

		trailer_explain(st, &f->t, len, why, sizeof(why));
		f->sig = MODSIG_DAMAGED;
		snprintf(f->sig_note, sizeof(f->sig_note), "%s", why);
		if (f->t.module_len && f->t.module_len <= len)
			elf_len = f->t.module_len;
		break;
	}
	}
	return elf_len;
}

/* vermagic, name and version from .modinfo: in the ELF image, or in the
 * whole file when a damaged trailer hides where the image ends */
static void read_modinfo(const uint8_t *buf, size_t len, size_t elf_len,
			 struct modfacts *f)
{
	const char *val;
	size_t vlen;
	int r;

	r = modinfo_get(buf, elf_len, "vermagic", &val, &vlen);
	if (r < 0 && elf_len != len)
		r = modinfo_get(buf, len, "vermagic", &val, &vlen);
	f->has_vermagic = r;
	if (r == 1) {
		if (vlen >= sizeof(f->vermagic))
			vlen = sizeof(f->vermagic) - 1;
		/* the kernel's own ends in a space: not worth showing */
		while (vlen && val[vlen - 1] == ' ')
			vlen--;
		memcpy(f->vermagic, val, vlen);
		f->vermagic[vlen] = '\0';
	}
	modinfo_copy(buf, elf_len, "name", f->modname, sizeof(f->modname));
	modinfo_copy(buf, elf_len, "version", f->modversion,
		     sizeof(f->modversion));
}

void modfacts_read(const uint8_t *buf, size_t len, struct modfacts *f)
{
	enum comp_type c = comp_detect(buf, len);
	size_t elf_len;

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	if (c != COMP_NONE) {
		f->compressed = comp_name(c);
		return;
	}
	elf_len = read_signature(buf, len, f);
	if (f->error)
		return;
	read_modinfo(buf, len, elf_len, f);
}

/* ---- DKMS: where the module lies ---- */

/* The length of the .ko[.xz|.zst|.gz] ending of name, 0 when none. */
static size_t ko_suffix(const char *name, size_t n)
{
	static const char *const sfx[] = { ".ko", ".ko.xz", ".ko.zst",
					   ".ko.gz" };
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		k = strlen(sfx[i]);
		if (n > k && !memcmp(name + n - k, sfx[i], k))
			return k;
	}
	return 0;
}

/* Copies the path component s[0..n) into out (size 128) when DKMS could
 * have made it: 1, else 0. */
static int take_name(const char *s, size_t n, char *out)
{
	if (!dkms_name_ok(s, n))
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

void dkms_from_path(const char *path, struct modfacts *f)
{
	static const char upd[] = "updates/dkms/";
	static const char tree[] = DKMS_TREE "/";
	const char *base = strrchr(path, '/'), *at, *c[6];
	size_t blen, k, i;
	char ver[128];

	base = base ? base + 1 : path;
	blen = strlen(base);
	k = ko_suffix(base, blen);
	if (!k || !take_name(base, blen - k, f->file_stem))
		return;
	/* DEST_MODULE_LOCATION on Debian: /lib/modules/RELEASE/updates/dkms */
	if ((size_t)(base - path) >= sizeof(upd) - 1) {
		at = base - (sizeof(upd) - 1);
		if (!memcmp(at, upd, sizeof(upd) - 1) &&
		    (at == path || at[-1] == '/'))
			f->dkms_installed = 1;
	}
	/* its own tree: .../var/lib/dkms/NAME/VERSION/RELEASE/ARCH/module/ */
	at = strstr(path, tree);
	if (!at)
		return;
	c[0] = at + sizeof(tree) - 1;
	for (i = 1; i < 6; i++) {
		c[i] = strchr(c[i - 1], '/');
		if (!c[i])
			return;
		c[i]++;
	}
	if (c[5] != base || memcmp(c[4], "module/", 7) ||
	    !take_name(c[0], (size_t)(c[1] - c[0] - 1), f->dkms.name) ||
	    !take_name(c[1], (size_t)(c[2] - c[1] - 1), ver)) {
		f->dkms.name[0] = '\0';
		return;
	}
	f->dkms_installed = 1;
	snprintf(f->dkms.version, sizeof(f->dkms.version), "%s", ver);
	snprintf(f->dkms.where, sizeof(f->dkms.where), DKMS_TREE "/%s/%s",
		 f->dkms.name, ver);
}

/* ---- the signing key ---- */

static int name_matches(const char *keyname, const struct sig_desc *d)
{
	size_t kn = strlen(keyname);

	if (!d->has_signer || d->signer_len == 0)
		return 0;
	if (kn == d->signer_len && !memcmp(keyname, d->signer, kn))
		return 1;
	/* the kernel names a key "O: CN" when the CN does not start with
	 * the organisation */
	return kn > d->signer_len + 2 &&
	       !memcmp(keyname + kn - d->signer_len, d->signer,
		       d->signer_len) &&
	       !memcmp(keyname + kn - d->signer_len - 2, ": ", 2);
}

/* A key the kernel checks module signatures against. */
static int key_usable(const struct mkey *k)
{
	return !k->ring || k->ring[0];
}

static void describe_kkey(char *out, size_t size, const struct mkey *k)
{
	char hex[2 * PKEY_ID_MAX + 1];
	size_t i;

	for (i = 0; i < k->k.id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", k->k.id[i]);
	hex[2 * k->k.id_len] = '\0';
	if (k->ring)
		snprintf(out, size, "%s: %s in %s", k->k.name, hex, k->ring);
	else
		snprintf(out, size, "%s: %s in /proc/keys", k->k.name, hex);
}

static const struct cert_id *find_cert(const struct cert_list *l,
				       const struct signer_id *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (cert_names_signer(&l->certs[i], s))
			return &l->certs[i];
	return NULL;
}

/* Whether key k is one of the certificates modsign knows (it then is not
 * the signer's, which none of them names). */
static int key_identified(const struct machine *m, const struct mkey *k)
{
	const struct cert_list *lists[] = { &m->moklist, &m->moknew,
					    &m->given };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(lists); i++)
		for (j = 0; j < lists[i]->n; j++)
			if (pkey_is_cert(&k->k, &lists[i]->certs[j]))
				return 1;
	return 0;
}

/* The signer's key among the kernel's (into d->kkey): by its certificate
 * when one is known, else by the signature's key id or by name and serial
 * number. Also a key of the same name that is a different one
 * (*same_name), and one that may be the signer's but cannot be told apart
 * without its certificate (*ambiguous). */
static void match_kernel_key(const struct machine *m, const struct modfacts *f,
			     struct decision *d, const struct mkey **same_name,
			     const struct mkey **ambiguous)
{
	size_t i;

	for (i = 0; i < m->keys.n && !d->kkey; i++) {
		const struct mkey *k = &m->keys.keys[i];

		if (!key_usable(k) || k->k.type != PKEY_ASYMMETRIC)
			continue;
		if (d->cert) {
			if (pkey_is_cert(&k->k, d->cert))
				d->kkey = k;
			else if (name_matches(k->k.name, &f->desc))
				*same_name = k;
			continue;
		}
		/* no certificate: the signature's own key id, or the serial
		 * number the kernel names a key without SKID by */
		if (f->sid.has_skid && k->k.id_len == f->sid.skid_len &&
		    !memcmp(k->k.id, f->sid.skid, f->sid.skid_len)) {
			d->kkey = k;
		} else if (f->sid.has_issuer &&
			   k->k.id_len == f->sid.serial_len &&
			   !memcmp(k->k.id, f->sid.serial, f->sid.serial_len) &&
			   name_matches(k->k.name, &f->desc)) {
			d->kkey = k;
		} else if (name_matches(k->k.name, &f->desc)) {
			if (key_identified(m, k))
				*same_name = k;
			else if (!*ambiguous)
				*ambiguous = k;
		}
	}
}

/* d->key for a signer the kernel does not trust, with what else is known:
 * a different key of that name, and where its certificate stands in MOK */
static void untrusted_key_text(const struct machine *m,
			       const struct cert_id *mok,
			       const struct cert_id *pend,
			       const struct mkey *same_name, struct decision *d)
{
	char kdesc[400];

	d->trust = TRUST_NO;
	snprintf(d->key, sizeof(d->key),
		 "not trusted: not in the kernel's keyrings (%s)",
		 m->keys.rings);
	if (same_name) {
		describe_kkey(kdesc, sizeof(kdesc), same_name);
		appendf(d->key, sizeof(d->key),
			"; a different key with the same name is (%s)", kdesc);
	}
	if (mok)
		appendf(d->key, sizeof(d->key),
			"; enrolled in MOK (MokListRT) all the same");
	else if (pend)
		appendf(d->key, sizeof(d->key),
			"; enrollment pending (MokNew)");
	else if (m->moklist.status == LIST_OK ||
		 m->moklist.status == LIST_ABSENT)
		appendf(d->key, sizeof(d->key), "; not in MokListRT%s",
			m->moknew.status == LIST_ABSENT ?
				", no enrollment pending" :
			m->moknew.status == LIST_OK ? ", not in MokNew" :
						      "");
}

/* Trusted because the kernel image holds the signer's certificate in its
 * built-in list, while /proc/keys cannot confirm it (why). */
static void trust_by_image(const struct machine *m, struct decision *d,
			   const char *why)
{
	d->trust = TRUST_YES;
	d->basis = BASIS_CERT;
	snprintf(
		d->key, sizeof(d->key),
		"trusted: built into %.300s (its certificate list); /proc/keys cannot confirm it: %.300s",
		m->builtin.src, why);
}

/* Only a key of the signer's name was found (ambiguous): trusted by name
 * when it is a built-in key and the kernel image, which would tell, could
 * not be read; else unknown. */
static void trust_by_name(const struct machine *m, const struct mkey *k,
			  struct decision *d)
{
	char kdesc[400];

	describe_kkey(kdesc, sizeof(kdesc), k);
	d->basis = BASIS_NAME;
	if (m->builtin.status != LIST_OK && k->ring &&
	    !strcmp(k->ring, ".builtin_trusted_keys")) {
		d->trust = TRUST_YES;
		snprintf(
			d->key, sizeof(d->key),
			"trusted by name only: a built-in key has the signer's name (%s); its certificate, which would tell whether it is the same key, could not be read (%.200s)",
			kdesc, m->builtin.why);
		return;
	}
	d->trust = TRUST_UNKNOWN;
	snprintf(
		d->key, sizeof(d->key),
		"unknown: a key of that name is trusted (%s), but without the signer's certificate modsign cannot tell whether it is the same key",
		kdesc);
	if (m->builtin.status != LIST_OK)
		appendf(d->key, sizeof(d->key),
			"; the kernel image, which may hold it, could not be read (%.200s)",
			m->builtin.why);
}

static void find_trust(const struct machine *m, const struct modfacts *f,
		       struct decision *d)
{
	const struct cert_id *mok = find_cert(&m->moklist, &f->sid);
	const struct cert_id *pend = find_cert(&m->moknew, &f->sid);
	const struct cert_id *given = find_cert(&m->given, &f->sid);
	const struct cert_id *dkms = find_cert(&m->dkms, &f->sid);
	const struct cert_id *img = find_cert(&m->builtin, &f->sid);
	const struct mkey *same_name = NULL, *ambiguous = NULL;
	char kdesc[400];

	d->enrolled = mok != NULL;
	d->pending = pend != NULL;
	d->builtin = img != NULL;
	/* a built-in key stays whatever MokManager deletes, and MokManager
	 * deletes only what MokListRT holds: a key the kernel trusts without
	 * it (a certificate in db, say) stays too. Where MokListRT cannot be
	 * read, the deletion may well hit it. */
	d->deletion_pending = !img && find_cert(&m->mokdel, &f->sid) &&
			      (mok || (m->moklist.status != LIST_OK &&
				       m->moklist.status != LIST_ABSENT));
	d->cert = mok ? mok : pend ? pend : given ? given : dkms ? dkms : img;

	if (m->keys.status != KEYS_OK) {
		if (img) {
			trust_by_image(m, d, m->keys.why);
			return;
		}
		d->trust = TRUST_UNKNOWN;
		snprintf(
			d->key, sizeof(d->key), "unknown: %s%s", m->keys.why,
			mok ? "; its certificate is enrolled in MOK (MokListRT)" :
			pend ? "; its certificate is waiting in MokNew" :
			       "");
		return;
	}
	match_kernel_key(m, f, d, &same_name, &ambiguous);
	if (d->kkey) {
		d->trust = TRUST_YES;
		d->basis = d->cert ? BASIS_CERT : BASIS_KEYID;
		describe_kkey(kdesc, sizeof(kdesc), d->kkey);
		snprintf(
			d->key, sizeof(d->key), "trusted: %s%s", kdesc,
			d->cert ?
				"" :
			f->sid.has_skid ?
				" (matched by the signature's key id)" :
				" (matched by name and serial number: the certificate has no key id)");
		if (img)
			appendf(d->key, sizeof(d->key),
				" (its certificate is built into %.300s)",
				m->builtin.src);
		return;
	}
	if (img && m->release_running != TRI_YES) {
		trust_by_image(
			m, d,
			m->release_running == TRI_NO ?
				"it shows the running kernel's keys, and that is another release" :
				"whether it shows this release's keys is unknown");
		return;
	}
	if (img) {
		/* the running kernel is this release, but not this build */
		d->image_newer = 1;
		d->trust = TRUST_NO;
		snprintf(
			d->key, sizeof(d->key),
			"not trusted by the running kernel: %.300s holds the signer's certificate, but the running kernel's built-in key is another (the image was replaced since boot; the new one trusts it)",
			m->builtin.src);
		return;
	}
	if (ambiguous) {
		trust_by_name(m, ambiguous, d);
		return;
	}
	untrusted_key_text(m, mok, pend, same_name, d);
}

/* The signature checked against the signer's certificate, when known. */
static void check_signature(const struct modfacts *f, struct decision *d)
{
	STACK_OF(X509) * certs;
	struct errbuf eb;
	char signer[SIG_MAX_NAME + 1];
	enum sig_verdict v;

	d->sig_ok = TRI_UNKNOWN;
	if (!d->cert || f->sig != MODSIG_SIGNED)
		return;
	certs = sk_X509_new_null();
	if (!certs || !sk_X509_push(certs, d->cert->x)) {
		sk_X509_free(certs);
		ERR_clear_error();
		return;
	}
	v = sig_verify(f->buf + f->t.sig_off, f->t.sig_len, f->buf,
		       f->t.module_len, certs, signer, sizeof(signer), &eb);
	sk_X509_free(certs);
	if (v == SIG_GOOD) {
		d->sig_ok = TRI_YES;
		snprintf(d->sig_check, sizeof(d->sig_check),
			 "good (checked against the certificate from %s)",
			 d->cert->source);
	} else if (v == SIG_BAD) {
		d->sig_ok = TRI_NO;
		snprintf(d->sig_check, sizeof(d->sig_check), "%.200s", eb.msg);
	} else {
		snprintf(d->sig_check, sizeof(d->sig_check),
			 "not checked: %.200s", eb.msg);
	}
}

/* ---- the verdict ---- */

/* The verdict, its reason and the line that says it, together; the next
 * step too, unless next is NULL (then the caller composes it). */
static void say(struct decision *d, enum verdict v, const char *reason,
		const char *next, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void say(struct decision *d, enum verdict v, const char *reason,
		const char *next, const char *fmt, ...)
{
	va_list ap;

	d->v = v;
	d->reason = reason;
	va_start(ap, fmt);
	vsnprintf(d->line, sizeof(d->line), fmt, ap);
	va_end(ap);
	if (next)
		snprintf(d->next, sizeof(d->next), "%s", next);
}

/* ---- DKMS ---- */

/* The subject DKMS 3.0.10 gives the key it makes for itself. */
#define DKMS_CN "DKMS module signing key"

/* Whether DKMS left this module signed by its own key, or unsigned. */
static enum dkms_why dkms_kind(const struct machine *m,
			       const struct modfacts *f)
{
	if (f->sig == MODSIG_UNSIGNED)
		return f->dkms_installed ? DKMS_UNSIGNED : DKMS_NONE;
	if (f->sig != MODSIG_SIGNED)
		return DKMS_NONE;
	if (find_cert(&m->dkms, &f->sid))
		return DKMS_KEY_CERT;
	if (f->desc.has_signer && f->desc.signer_len == strlen(DKMS_CN) &&
	    !memcmp(f->desc.signer, DKMS_CN, strlen(DKMS_CN)))
		return DKMS_KEY_NAME;
	return DKMS_NONE;
}

const char *dkms_name(enum dkms_why w)
{
	switch (w) {
	case DKMS_KEY_NAME:
	case DKMS_KEY_CERT:
		return "own-key";
	case DKMS_UNSIGNED:
		return "unsigned";
	default:
		return NULL;
	}
}

static void dkms_explain(const struct machine *m, const struct modfacts *f,
			 struct decision *d)
{
	const struct dkms_pkg *k = &f->dkms;

	if (d->dkms == DKMS_UNSIGNED)
		snprintf(
			d->dkms_note, sizeof(d->dkms_note),
			"DKMS installed it unsigned: its sign_file is missing or failed, or its key has a passphrase (DKMS 3.0.10 ignores sign_file's exit status)");
	else
		snprintf(
			d->dkms_note, sizeof(d->dkms_note),
			"DKMS made this key itself and never enrolled it (recognised by its %s%.300s)",
			d->dkms == DKMS_KEY_CERT ? "certificate, " DKMS_CERT :
						   "name; ",
			d->dkms == DKMS_KEY_CERT ?
				"" :
			m->dkms.status == LIST_OK ?
				"it is not the key in " DKMS_CERT
				": DKMS has made a new one since" :
				m->dkms.why);
	if (k->name[0] && k->version[0])
		snprintf(d->dkms_package, sizeof(d->dkms_package), "%s %s (%s)",
			 k->name, k->version, k->where);
	else if (k->name[0])
		snprintf(d->dkms_package, sizeof(d->dkms_package),
			 "%s, version unknown (%s): dkms status lists it",
			 k->name, k->where);
	else
		snprintf(
			d->dkms_package, sizeof(d->dkms_package),
			"unknown: dkms status lists the packages and their versions");
}

void dkms_advise(const struct machine *m, const struct modfacts *f,
		 struct decision *d)
{
	const char *pk = f->dkms.name[0] ? f->dkms.name : "<package>";
	const char *ver = f->dkms.version[0] ? f->dkms.version : "<version>";
	char rel[128] = "<kernel release>";
	size_t rlen;

	if (d->dkms == DKMS_NONE)
		return;
	dkms_explain(m, f, d);
	if (d->enrolled || d->pending)
		return; /* enrolling is not the question then */
	rlen = first_word_len(f->vermagic, strlen(f->vermagic));
	if (f->has_vermagic == 1 && dkms_name_ok(f->vermagic, rlen))
		snprintf(rel, sizeof(rel), "%.*s", (int)rlen, f->vermagic);
	snprintf(
		d->next, sizeof(d->next),
		"%shave DKMS sign with the kit's key: %s, then sudo dkms build --force -m %s -v %s -k %s and sudo dkms install --force -m %s -v %s -k %s",
		d->dkms_optional ? "optional: " : "", kit_step(STEP_DKMS_KEY),
		pk, ver, rel, pk, ver, rel);
	d->next_alt[0] = '\0';
	if (d->dkms == DKMS_UNSIGNED)
		return;
	snprintf(
		d->next_alt, sizeof(d->next_alt),
		"enroll DKMS's key as the kit's: %s and reboot%s",
		kit_step(STEP_ADOPT_DKMS),
		d->dkms == DKMS_KEY_NAME && m->dkms.status == LIST_OK ?
			", then rebuild it with dkms as above (it was signed with an older DKMS key)" :
			"");
}

/* The signer's key waits in MokNew: the next boot's MokManager decides. */
static void set_pending(struct decision *d)
{
	say(d, V_PENDING, "pending", "reboot and confirm the key in MokManager",
	    "enrollment pending: reboot and confirm in MokManager");
}

/* Who signed, for a sentence: the issuer CN the signature names (what
 * modinfo shows as signer); for a signature that names its key by key id,
 * the name of the key or certificate found for it, else the id. */
static const char *signer_name(const struct modfacts *f,
			       const struct decision *d, char *buf, size_t size)
{
	size_t i, used;

	if (f->desc.has_signer) {
		snprintf(buf, size, "%.*s", (int)f->desc.signer_len,
			 f->desc.signer);
		return buf;
	}
	if (d->cert && d->cert->cn[0]) {
		snprintf(buf, size, "%s", d->cert->cn);
		return buf;
	}
	if (d->kkey && d->kkey->k.name[0]) {
		snprintf(buf, size, "%s", d->kkey->k.name);
		return buf;
	}
	if (!f->desc.has_skid || size < 8)
		return "an unnamed key";
	used = (size_t)snprintf(buf, size, "key id ");
	for (i = 0; i < f->desc.skid_len && used + 3 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%02X",
					 i ? ":" : "", f->desc.skid[i]);
	return buf;
}

/* What the signature is worth to the kernel: passes, refused whenever
 * signatures are checked (HARD), refused only when they are enforced
 * (SOFT), or not known because the key's trust is not. */
enum sig_class { PASS, HARD, SOFT, TRUST_UNSURE };

static enum sig_class classify_signature(const struct machine *m,
					 const struct modfacts *f,
					 struct decision *d)
{
	if (f->sig == MODSIG_SIGNED) {
		find_trust(m, f, d);
		check_signature(f, d);
	} else {
		d->trust = TRUST_NA;
	}
	if (f->sig == MODSIG_DAMAGED)
		return HARD;
	if (f->sig != MODSIG_SIGNED)
		return SOFT;
	if (d->trust == TRUST_YES)
		return d->sig_ok == TRI_NO ? HARD : PASS;
	if (d->trust == TRUST_NO)
		return SOFT;
	return TRUST_UNSURE;
}

static void decide_compressed(const struct modfacts *f, struct decision *d)
{
	say(d, V_UNKNOWN, "compressed", NULL,
	    "unknown: still %s-compressed after decompression; not a module modsign can read",
	    f->compressed);
	snprintf(d->next, sizeof(d->next),
		 "decompress a copy (%s) and check the .ko",
		 !strcmp(f->compressed, "xz")	? "xz -dk FILE" :
		 !strcmp(f->compressed, "zstd") ? "zstd -d FILE" :
						  "gzip -dk FILE");
}

/* vermagic first: a module for another kernel never loads. Returns 0 when
 * it does not stand in the way (or the release is unknown), else 1 with
 * the verdict set. */
static int decide_vermagic(const struct machine *m, const struct modfacts *f,
			   struct decision *d)
{
	size_t rlen;

	if (f->has_vermagic != 1) {
		d->vermagic_ok = TRI_NO;
		say(d, V_REJECTED, "no-vermagic", NULL,
		    "will be rejected: no vermagic in .modinfo (not built by Kbuild for a kernel)");
	} else {
		rlen = first_word_len(f->vermagic, strlen(f->vermagic));
		if (!m->has_release)
			return 0;
		d->vermagic_ok = rlen == strlen(m->release) &&
				 !memcmp(f->vermagic, m->release, rlen);
		if (d->vermagic_ok)
			return 0;
		say(d, V_REJECTED, "vermagic", NULL,
		    "will be rejected: built for %.*s, running %s", (int)rlen,
		    f->vermagic, m->release);
	}
	snprintf(d->next, sizeof(d->next),
		 "rebuild it for the running kernel: ");
	kit_step_fill(d->next + strlen(d->next),
		      sizeof(d->next) - strlen(d->next), STEP_REBUILD,
		      m->has_release ? m->release : "RELEASE");
	return 1;
}

/* A signature the kernel refuses whenever it checks: damaged, or not
 * matching the module under a key it trusts. */
static void decide_bad_signature(const struct policy *p,
				 const struct modfacts *f, struct decision *d)
{
	int damaged = f->sig == MODSIG_DAMAGED;
	const char *what =
		damaged ?
			"damaged signature" :
			"the signature does not match the module (changed after signing?)";

	say(d, p->checks == TRI_YES ? V_REJECTED : V_UNKNOWN,
	    damaged ? "damaged-signature" : "bad-signature",
	    kit_step(damaged ? STEP_RESIGN : STEP_SIGN), "%s: %s%s",
	    p->checks == TRI_YES ? "will be rejected" : "unknown", what,
	    p->checks == TRI_YES ?
		    "" :
		    ", and whether this kernel checks module signatures is unknown");
}

/* Unsigned, signed in a form the kernel cannot check, or by a key it does
 * not trust: a taint where signatures are not enforced, a refusal where
 * they are. Returns 1 when the release is still to be checked. */
static int decide_untrusted(const struct machine *m, const struct policy *p,
			    const struct modfacts *f, const char *signer,
			    struct decision *d)
{
	const char *reason = f->sig == MODSIG_SIGNED ? "untrusted-key" :
						       "unsigned";
	char what[SIG_MAX_NAME + 128];

	d->dkms = dkms_kind(m, f);
	if (f->sig == MODSIG_UNSIGNED)
		snprintf(what, sizeof(what), "unsigned%s",
			 d->dkms ?
				 " (installed by DKMS, which did not sign it)" :
				 "");
	else if (f->sig == MODSIG_UNSUPPORTED)
		snprintf(what, sizeof(what),
			 "signed in a form this kernel cannot check (%.200s)",
			 f->sig_note);
	else
		snprintf(what, sizeof(what),
			 "signed by %s%s, which this kernel does not trust",
			 signer, d->dkms ? " (DKMS's own key)" : "");
	if (p->enforced == TRI_NO) {
		say(d, V_LOAD_WARN, reason, NULL,
		    "will load with a warning (taints the kernel): %s", what);
		if (f->sig != MODSIG_SIGNED)
			snprintf(
				d->next, sizeof(d->next),
				"optional: %s, so that it loads without tainting the kernel",
				kit_step(STEP_SIGN));
		else if (d->image_newer)
			snprintf(d->next, sizeof(d->next), "optional: %s",
				 REBOOT_INTO_IMAGE);
		else if (d->pending)
			snprintf(
				d->next, sizeof(d->next),
				"optional: reboot and confirm the key in MokManager, so that it loads without tainting the kernel");
		else
			snprintf(
				d->next, sizeof(d->next),
				"optional: %s and reboot, so that it loads without tainting the kernel",
				kit_step(STEP_ENROLL));
		d->dkms_optional = 1;
		dkms_advise(m, f, d);
		return 1;
	}
	if (f->sig == MODSIG_SIGNED && d->pending) {
		d->dkms = DKMS_NONE;
		set_pending(d);
		return 0;
	}
	if (p->enforced == TRI_YES)
		say(d, V_REJECTED, reason, NULL, "will be rejected: %s", what);
	else
		say(d, V_UNKNOWN, "enforcement-unknown", NULL,
		    "unknown: %s, and whether this kernel enforces module signatures is unknown (%.200s)",
		    what, p->why);
	if (f->sig != MODSIG_SIGNED)
		snprintf(d->next, sizeof(d->next), "%s", kit_step(STEP_SIGN));
	else if (d->image_newer)
		snprintf(d->next, sizeof(d->next), "%s", REBOOT_INTO_IMAGE);
	else if (d->enrolled)
		snprintf(d->next, sizeof(d->next), "%s",
			 ENROLLED_BUT_NOT_LOADED);
	else
		snprintf(d->next, sizeof(d->next),
			 "%s, then reboot and confirm the key in MokManager",
			 kit_step(STEP_ENROLL));
	dkms_advise(m, f, d);
	return 0;
}

/* Signed, but whether the kernel trusts the key is not known (no root, no
 * certificate to match). Returns 1 when the release is still to be
 * checked. */
static int decide_trust_unsure(const struct machine *m, const struct policy *p,
			       const char *signer, struct decision *d)
{
	if (p->enforced == TRI_NO) {
		say(d, V_LOAD, "not-enforced", "none",
		    "will load: signatures are not enforced (it taints the kernel unless %s is trusted, which is unknown)",
		    signer);
		return 1;
	}
	if (d->pending && !d->enrolled) {
		set_pending(d);
		return 0;
	}
	say(d, V_UNKNOWN, "trust-unknown",
	    m->keys.status != KEYS_OK ?
		    "run modsign check as root on the machine that will load it (only root sees the kernel's keyrings in /proc/keys)" :
		    NULL,
	    "unknown: signed by %s; whether this kernel trusts that key is unknown",
	    signer);
	if (m->keys.status == KEYS_OK)
		snprintf(
			d->next, sizeof(d->next),
			"give the signer's certificate: modsign check --cert CERT FILE (the kit's is %s)",
			kit_step(STEP_KIT_CERT));
	return 0;
}

/* A signer the kernel trusts: how sure that is shows in the line. */
static void say_trusted(const struct machine *m, const char *signer,
			struct decision *d)
{
	if (d->basis == BASIS_NAME) {
		say(d, V_LOAD, "trusted-key", NULL,
		    "will load, by name only: signed by %s, the name of a key built into this kernel (its certificate could not be compared)",
		    signer);
		snprintf(
			d->next, sizeof(d->next),
			"none; to be sure, let modsign read %.300s (%.200s), or give the signer's certificate: modsign check --cert CERT FILE",
			m->builtin.src[0] ? m->builtin.src : "the kernel image",
			m->builtin.why);
	} else if (d->builtin && !d->kkey) {
		say(d, V_LOAD, "trusted-key", "none",
		    "will load: signed by %s, a key built into this kernel (its certificate is in %.300s)",
		    signer, m->builtin.src);
	} else {
		say(d, V_LOAD, "trusted-key", "none",
		    "will load: signed by %s, a key this kernel trusts",
		    signer);
	}
}

/* A module that loads now by a MOK key whose deletion waits for the next
 * boot's MokManager: the verdict stays, the line and next step warn. */
static void say_deletion(struct decision *d)
{
	if (!d->deletion_pending || d->trust != TRUST_YES ||
	    (d->v != V_LOAD && d->v != V_LOAD_WARN))
		return;
	appendf(d->line, sizeof(d->line),
		"; but its key is queued for deletion from MOK (MokDel): once MokManager confirms it at the next boot, it will be rejected");
	snprintf(
		d->next, sizeof(d->next),
		"to keep it loading, cancel the deletion before rebooting: sudo mokutil --revoke-delete; or sign it with a key that stays enrolled");
	d->next_alt[0] = '\0';
}

/* A module that would load, on a kernel whose release is not known: its
 * vermagic could not be compared. */
static void check_release_known(const struct machine *m, struct decision *d)
{
	if (m->has_release)
		return;
	d->dkms = DKMS_NONE;
	d->next_alt[0] = '\0';
	say(d, V_UNKNOWN, "release-unknown",
	    "give the release: --release RELEASE",
	    "unknown: the running kernel's release is unknown, so the vermagic cannot be compared");
}

/* ---- ECDSA signatures ---- */

/* the next step for an ECDSA signature this kernel cannot check, with
 * "optional: " (a taint) or not */
static void no_ecdsa_next(struct decision *d, const char *optional)
{
	snprintf(d->next, sizeof(d->next),
		 "%ssign it with an RSA key for this kernel: %s and reboot",
		 optional, kit_step(STEP_RSA_KEY));
}

/* The signature is ECDSA: what the kernel's PKCS#7 parser names
 * ecdsa-with-SHA* (make keys KEY_TYPE=ecdsa, trixie's own keys). */
static int sig_is_ecdsa(const struct modfacts *f)
{
	return f->sig == MODSIG_SIGNED &&
	       !strncmp(f->desc.sig_algo, "ecdsa-with-", strlen("ecdsa-with-"));
}

/* A kernel whose config lacks CONFIG_CRYPTO_ECDSA (Debian 12's 6.1) finds
 * no algorithm for an ECDSA key, so it neither loads the key nor checks
 * the signature, whoever signed: module_sig_check() treats it as an
 * unusable signature, refused where signatures are enforced ("Key was
 * rejected by service", EKEYREJECTED), a taint where they are not.
 * Returns 1 when the release is still to be checked. */
static int decide_no_ecdsa(const struct machine *m, const struct policy *p,
			   const char *signer, struct decision *d)
{
	char what[SIG_MAX_NAME + 512];

	snprintf(
		what, sizeof(what),
		"signed by %s with an ECDSA key, which this kernel cannot check (CONFIG_CRYPTO_ECDSA is not set in %.300s)",
		signer, m->config_src);
	if (p->enforced == TRI_NO) {
		say(d, V_LOAD_WARN, "no-ecdsa", NULL,
		    "will load with a warning (taints the kernel): %s", what);
		no_ecdsa_next(d, "optional: ");
		return 1;
	}
	if (p->enforced == TRI_YES)
		say(d, V_REJECTED, "no-ecdsa", NULL, "will be rejected: %s",
		    what);
	else
		say(d, V_UNKNOWN, "enforcement-unknown", NULL,
		    "unknown: %s, and whether this kernel enforces module signatures is unknown (%.200s)",
		    what, p->why);
	no_ecdsa_next(d, "");
	return 0;
}

/* Trusted by name only, with no config to read: nothing tells whether the
 * kernel can check an ECDSA signature (a key it holds by its id, or one
 * built into its image, would: the kernel loads an ECDSA key only when it
 * can). */
static void decide_ecdsa_unknown(const struct machine *m, const char *signer,
				 struct decision *d)
{
	say(d, V_UNKNOWN, "ecdsa-unknown", NULL,
	    "unknown: signed by %s with an ECDSA key, and whether this kernel can check ECDSA signatures (CONFIG_CRYPTO_ECDSA) is unknown: its config cannot be read%s%.300s%s, and no key of that signer it holds tells",
	    signer, m->config_why[0] ? " (" : "", m->config_why,
	    m->config_why[0] ? ")" : "");
	snprintf(
		d->next, sizeof(d->next),
		"let modsign read the kernel's config (/boot/config-%.200s or /proc/config.gz), or give the signer's certificate: modsign check --cert CERT FILE",
		m->has_release ? m->release : "RELEASE");
}

/* ---- compressed modules: the kernel's decoder or kmod's ---- */

/* kmod 31 is the first to hand compressed modules to the kernel */
#define KMOD_KERNEL_DECOMPRESS 31

enum load_path load_path(const struct machine *m, const char *container,
			 char *why, size_t size)
{
	why[0] = '\0';
	if (!container)
		return PATH_PLAIN;
	if (m->kernel_decomp == TRI_NO) {
		snprintf(
			why, size,
			"the kernel does not decompress modules (%.300s): kmod decompresses it in user space",
			m->kernel_decomp_src);
		return PATH_KMOD;
	}
	if (m->kernel_decomp == TRI_YES &&
	    strcmp(m->kernel_decomp_fmt, container)) {
		snprintf(
			why, size,
			"the kernel decompresses only %s modules (%.300s): kmod decompresses this %s one in user space",
			m->kernel_decomp_fmt, m->kernel_decomp_src, container);
		return PATH_KMOD;
	}
	if (m->kmod_major >= 0 && m->kmod_major < KMOD_KERNEL_DECOMPRESS) {
		snprintf(why, size,
			 "kmod %.60s (%.200s) decompresses it in user space",
			 m->kmod_version, m->kmod_src);
		return PATH_KMOD;
	}
	if (m->kmod_major < 0) {
		snprintf(
			why, size,
			"which kmod loads it is unknown (%.300s): kmod 31 and later hand it to the kernel%s, kmod 30 decompresses it in user space",
			m->kmod_src,
			m->kernel_decomp == TRI_YES ?
				", which decompresses it" :
				" if it decompresses modules");
		return PATH_UNKNOWN;
	}
	if (m->kernel_decomp != TRI_YES) {
		snprintf(
			why, size,
			"kmod %.60s (%.100s) hands it to the kernel if that decompresses %s modules, which is unknown (%.300s)",
			m->kmod_version, m->kmod_src, container,
			m->kernel_decomp_src);
		return PATH_UNKNOWN;
	}
	snprintf(
		why, size,
		"kmod %.60s (%.100s) hands it to the kernel, which decompresses %s modules (%.200s)",
		m->kmod_version, m->kmod_src, container, m->kernel_decomp_src);
	return PATH_KERNEL;
}

const char *load_path_name(enum load_path p)
{
	switch (p) {
	case PATH_KMOD:
		return "kmod";
	case PATH_KERNEL:
		return "kernel";
	case PATH_UNKNOWN:
		return "unknown";
	default:
		return NULL;
	}
}

/*
 * A compressed file the kernel's decoder refuses (comp_kernel_ok: an xz
 * stream whose check is not CRC32 or none, a gzip header with fields the
 * kernel does not skip). The kernel decompresses before it looks at
 * anything else, so where kmod hands it the file that is the verdict;
 * where that is unknown, a module that would load is unknown.
 */
static void say_recompress(struct decision *d, enum comp_type c)
{
	snprintf(
		d->next, sizeof(d->next),
		"%s (modsign sign KEY CERT FILE writes it so while signing), and check it again",
		comp_kernel_fix(c));
}

static void decide_decoder(const struct machine *m, const struct modfacts *f,
			   struct decision *d)
{
	enum comp_type c;

	d->path = load_path(m, f->container, d->path_why, sizeof(d->path_why));
	if (!f->container || f->container_kernel_ok)
		return;
	c = comp_by_name(f->container);
	if (d->path == PATH_KERNEL) {
		d->dkms = DKMS_NONE;
		d->dkms_optional = 0;
		d->next_alt[0] = '\0';
		say(d, V_REJECTED, "kernel-decoder", NULL,
		    "will be rejected: %s (%s), and %s", comp_kernel_why(c),
		    comp_kernel_says(c), d->path_why);
		say_recompress(d, c);
	} else if (d->path == PATH_UNKNOWN &&
		   (d->v == V_LOAD || d->v == V_LOAD_WARN)) {
		d->dkms = DKMS_NONE;
		d->dkms_optional = 0;
		d->next_alt[0] = '\0';
		say(d, V_UNKNOWN, "decoder-unknown", NULL, "unknown: %s; %s",
		    comp_kernel_why(c), d->path_why);
		say_recompress(d, c);
	}
}

void decide(const struct machine *m, const struct policy *p,
	    const struct modfacts *f, struct decision *d)
{
	char who[SIG_MAX_NAME + 1];
	const char *signer;
	enum sig_class sig;
	int loads = 1;

	memset(d, 0, sizeof(*d));
	d->sig_ok = TRI_UNKNOWN;
	d->vermagic_ok = TRI_UNKNOWN;
	if (f->error) {
		say(d, V_ERROR, "not-a-module",
		    "check the file name: this is not a kernel module",
		    "error: %s", f->error);
		return;
	}
	if (f->compressed) {
		decide_compressed(f, d);
		return;
	}
	sig = classify_signature(m, f, d);
	signer = signer_name(f, d, who, sizeof(who));
	if (decide_vermagic(m, f, d))
		goto out;
	if (p->checks != TRI_NO && sig_is_ecdsa(f) && m->kc.valid &&
	    m->kc.crypto_ecdsa == TRI_NO)
		loads = decide_no_ecdsa(m, p, signer, d);
	else if (sig == PASS && sig_is_ecdsa(f) && !m->kc.valid &&
		 d->basis == BASIS_NAME) {
		decide_ecdsa_unknown(m, signer, d);
		loads = 0;
	} else if (sig == PASS)
		say_trusted(m, signer, d);
	else if (p->checks == TRI_NO)
		say(d, V_LOAD, "not-checked", "none",
		    "will load: this kernel does not check module signatures");
	else if (sig == HARD) {
		decide_bad_signature(p, f, d);
		loads = 0;
	} else if (sig == SOFT)
		loads = decide_untrusted(m, p, f, signer, d);
	else
		loads = decide_trust_unsure(m, p, signer, d);
	if (loads)
		check_release_known(m, d);
	say_deletion(d);
out:
	decide_decoder(m, f, d);
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_LOAD:
		return "load";
	case V_LOAD_WARN:
		return "load-with-warning";
	case V_REJECTED:
		return "rejected";
	case V_PENDING:
		return "pending";
	case V_UNKNOWN:
		return "unknown";
	default:
		return "error";
	}
}

const char *basis_name(enum basis b)
{
	switch (b) {
	case BASIS_CERT:
		return "certificate";
	case BASIS_KEYID:
		return "key-id";
	case BASIS_NAME:
		return "name";
	default:
		return "none";
	}
}

const char *trust_name(enum trust t)
{
	switch (t) {
	case TRUST_YES:
		return "trusted";
	case TRUST_NO:
		return "untrusted";
	case TRUST_UNKNOWN:
		return "unknown";
	default:
		return "n/a";
	}
}
