// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report_machine.c - the machine's part of the report, for `check` and
 * `status` alike: check's machine lines, then what status adds: the kernel
 * command line, the kit's and Ubuntu's certificates, each key the kernel
 * trusts for modules with its key id, expiry and origins (a warning line
 * for a key of the user's that expires within 30 days), and the MOK
 * requests, in text and JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "kitwords.h"
#include "report_machine.h"
#include "rootfs.h"
#include "sysstate.h"

#define KIT_CERT "/var/lib/modsign/signing_key.x509"
#define UBUNTU_CERT "/var/lib/shim-signed/mok/MOK.der"
#define DKMS_KEY_NAME "DKMS module signing key"

static const struct {
	unsigned bit;
	const char *word; /* JSON */
	const char *text;
	const char *signed_by; /* the total line: "N signed by ..." */
} origins[] = {
	{ ORIG_BUILTIN, "builtin", "built in",
	  "signed by a key built into the kernel" },
	{ ORIG_MOK, "mok", "MOK", "signed by a key enrolled in MOK" },
	{ ORIG_CERT, "cert", "--cert", "signed by a key given with --cert" },
	{ ORIG_KIT, "kit", "the kit's", "signed by the kit's key" },
	{ ORIG_DKMS, "dkms", "DKMS's", "signed by DKMS's key" },
	{ ORIG_UBUNTU, "ubuntu", "Ubuntu's", "signed by Ubuntu's key" },
};

/* ---- writing ---- */

void put_text(struct strbuf *sb, const char *s)
{
	sb_text_str(sb, s, strlen(s));
}

void put_hex(struct strbuf *sb, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sb_printf(sb, "%02x", p[i]);
}

void put_field(struct strbuf *sb, const char *label)
{
	sb_printf(sb, "  %-13s", label);
}

void put_json_str(struct strbuf *sb, const char *key, const char *s)
{
	sb_printf(sb, ",\"%s\":", key);
	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	sb_puts(sb, "\"");
	sb_json_str(sb, s, strlen(s));
	sb_puts(sb, "\"");
}

void put_json_tri(struct strbuf *sb, const char *key, int v)
{
	sb_printf(sb, ",\"%s\":%s", key,
		  v == TRI_YES ? "true" :
		  v == TRI_NO  ? "false" :
				 "null");
}

/* ---- check's machine lines ---- */

/* "Secure Boot:", and whether the firmware is in setup mode */
static void secure_boot_text(const struct machine *m, struct strbuf *sb)
{
	put_field(sb, "Secure Boot:");
	if (m->secure_boot == TRI_UNKNOWN) {
		sb_puts(sb, "unknown (");
		put_text(sb, m->sb_why);
		sb_puts(sb, ")\n");
	} else if (m->efi == TRI_NO) {
		sb_puts(sb, "off (");
		put_text(sb, m->sb_why);
		sb_puts(sb, ")\n");
	} else {
		sb_puts(sb, m->secure_boot == TRI_YES ? "enabled" : "disabled");
		if (m->setup_mode == TRI_YES)
			sb_puts(sb, " (firmware in setup mode)");
		else if (m->setup_mode == TRI_NO)
			sb_puts(sb, " (SetupMode 0)");
		if (m->secure_boot == TRI_NO && m->sb_why[0]) {
			sb_puts(sb, ": ");
			put_text(sb, m->sb_why);
		}
		sb_puts(sb, "\n");
	}
}

/* the kernel's own switches: lockdown and module.sig_enforce */
static void lockdown_text(const struct machine *m, struct strbuf *sb)
{
	put_field(sb, "lockdown:");
	put_text(sb, lockdown_name(m->lockdown));
	if (m->lockdown_why[0]) {
		sb_puts(sb, " (");
		put_text(sb, m->lockdown_why);
		sb_puts(sb, ")");
	}
	sb_puts(sb, "\n");

	put_field(sb, "sig_enforce:");
	if (m->sig_param == TRI_NO)
		sb_puts(sb, "absent");
	else
		sb_puts(sb, m->sig_enforce == TRI_YES ? "Y" :
			    m->sig_enforce == TRI_NO  ? "N" :
							"unknown");
	if (m->enforce_why[0]) {
		sb_puts(sb, " (");
		put_text(sb, m->enforce_why);
		sb_puts(sb, ")");
	}
	sb_puts(sb, "\n");
}

/* the running release and its config */
static void kernel_text(const struct machine *m, struct strbuf *sb)
{
	const struct kconfig *kc = &m->kc;

	put_field(sb, "kernel:");
	if (m->has_release) {
		put_text(sb, m->release);
		sb_puts(sb, " (");
		put_text(sb, m->release_src);
		sb_puts(sb, ")\n");
	} else {
		sb_puts(sb, "unknown (");
		put_text(sb, m->release_src);
		sb_puts(sb, ")\n");
	}

	put_field(sb, "config:");
	if (kc->valid) {
		sb_printf(sb,
			  "CONFIG_MODULE_SIG=%s, CONFIG_MODULE_SIG_FORCE=%s",
			  kc->module_sig == TRI_YES ? "y" : "n",
			  kc->module_sig_force == TRI_YES ? "y" : "n");
		if (kc->sig_hash[0]) {
			sb_puts(sb, ", hash ");
			put_text(sb, kc->sig_hash);
		}
		sb_puts(sb, " (");
		put_text(sb, m->config_src);
		sb_puts(sb, ")\n");
	} else {
		sb_puts(sb, "unknown (");
		put_text(sb, m->config_why);
		sb_puts(sb, ")\n");
	}
}

/* how a compressed module reaches the kernel: kmod's version, and
 * whether the kernel decompresses modules itself */
static void loader_text(const struct machine *m, struct strbuf *sb)
{
	put_field(sb, "kmod:");
	if (m->kmod_major >= 0) {
		put_text(sb, m->kmod_version);
		sb_printf(
			sb, " (%s; ",
			m->kmod_major >= 31 ?
				"hands a module compressed as the kernel's own to the kernel" :
				"decompresses modules in user space");
		put_text(sb, m->kmod_src);
		sb_puts(sb, ")\n");
	} else {
		sb_puts(sb, "unknown (");
		put_text(sb, m->kmod_src);
		sb_puts(sb, ")\n");
	}
	put_field(sb, "decompress:");
	if (m->kernel_decomp == TRI_YES) {
		sb_puts(sb, "the kernel decompresses ");
		put_text(sb, m->kernel_decomp_fmt);
		sb_puts(sb, " modules (");
	} else {
		sb_puts(sb, m->kernel_decomp == TRI_NO ? "kmod only (" :
							 "unknown (");
	}
	put_text(sb, m->kernel_decomp_src);
	sb_puts(sb, ")\n");
}

static void keys_text(const struct machine *m, struct strbuf *sb)
{
	put_field(sb, "kernel keys:");
	if (m->keys.status == KEYS_OK) {
		size_t i, n = 0;

		for (i = 0; i < m->keys.n; i++)
			n += !m->keys.keys[i].ring || m->keys.keys[i].ring[0];
		sb_printf(sb, "%zu key%s in ", n, n == 1 ? "" : "s");
		put_text(sb, m->keys.rings);
		sb_puts(sb, m->keys.attributed ? " (/proc/keys, keyctl)\n" :
						 " (/proc/keys)\n");
	} else {
		sb_puts(sb, "unknown (");
		put_text(sb, m->keys.why);
		sb_puts(sb, ")\n");
	}
}

/* MokListRT (enrolled) or MokNew (pending: the next boot's MokManager
 * asks), which differ only in how they say "some" and "none" */
static void mok_text(const struct cert_list *l, int pending, struct strbuf *sb)
{
	switch (l->status) {
	case LIST_OK:
		sb_printf(sb, "%zu certificate%s ", l->n, l->n == 1 ? "" : "s");
		if (pending) {
			sb_puts(sb, "waiting for MokManager\n");
			break;
		}
		sb_puts(sb, "(");
		put_text(sb, l->src);
		sb_puts(sb, ")\n");
		break;
	case LIST_ABSENT:
		if (!pending) {
			sb_puts(sb, "none (");
			put_text(sb, l->why);
			sb_puts(sb, ")\n");
			break;
		}
		sb_puts(sb, "no enrollment pending");
		if (l->why[0]) {
			sb_puts(sb, " (");
			put_text(sb, l->why);
			sb_puts(sb, ")");
		}
		sb_puts(sb, "\n");
		break;
	case LIST_DAMAGED:
		sb_printf(sb, "damaged, %zu certificate%s read (", l->n,
			  l->n == 1 ? "" : "s");
		put_text(sb, l->why);
		sb_puts(sb, ")\n");
		break;
	default:
		sb_puts(sb, "unknown (");
		put_text(sb, l->why);
		sb_puts(sb, ")\n");
	}
}

static void dkms_key_text(const struct machine *m, struct strbuf *sb)
{
	put_field(sb, "DKMS key:");
	switch (m->dkms.status) {
	case LIST_OK:
		put_text(sb, m->dkms.certs[0].cn);
		sb_puts(sb, " (");
		put_text(sb, m->dkms.src);
		sb_puts(sb, ")\n");
		break;
	case LIST_ABSENT:
		sb_puts(sb, "none (");
		put_text(sb, m->dkms.why);
		sb_puts(sb, ")\n");
		break;
	default:
		sb_puts(sb, m->dkms.status == LIST_DAMAGED ? "damaged (" :
							     "unknown (");
		put_text(sb, m->dkms.why);
		sb_puts(sb, ")\n");
	}
}

/* what the kernel does with a module's signature, and why we think so */
static void policy_text(const struct policy *p, struct strbuf *sb)
{
	put_field(sb, "signatures:");
	if (p->checks == TRI_NO)
		sb_puts(sb, "not checked (");
	else if (p->enforced == TRI_YES)
		sb_puts(sb, "enforced (");
	else if (p->enforced == TRI_NO)
		sb_puts(sb,
			"checked, not enforced: a bad one taints the kernel (");
	else
		sb_puts(sb, "enforcement unknown (");
	put_text(sb, p->why);
	sb_puts(sb, ")\n");
}

void machine_text(const struct machine *m, const struct policy *p,
		  struct strbuf *sb)
{
	sb_puts(sb, "this machine:\n");
	secure_boot_text(m, sb);
	lockdown_text(m, sb);
	kernel_text(m, sb);
	loader_text(m, sb);
	keys_text(m, sb);
	put_field(sb, "MokListRT:");
	mok_text(&m->moklist, 0, sb);
	put_field(sb, "MokNew:");
	mok_text(&m->moknew, 1, sb);
	dkms_key_text(m, sb);
	policy_text(p, sb);
}

static const char *list_name(enum list_status s)
{
	switch (s) {
	case LIST_OK:
		return "ok";
	case LIST_ABSENT:
		return "absent";
	case LIST_DAMAGED:
		return "damaged";
	default:
		return "unknown";
	}
}

void machine_json(const struct machine *m, const struct policy *p,
		  struct strbuf *sb)
{
	size_t i, n = 0;

	sb_puts(sb, ",\"machine\":{\"root\":\"");
	sb_json_name(sb, m->live ? "/" : m->root,
		     strlen(m->live ? "/" : m->root));
	sb_puts(sb, "\"");
	put_json_tri(sb, "efi", m->efi);
	put_json_tri(sb, "secure_boot", m->secure_boot);
	put_json_tri(sb, "setup_mode", m->setup_mode);
	put_json_str(sb, "lockdown",
		     m->lockdown == LOCKDOWN_UNKNOWN ?
			     NULL :
			     lockdown_name(m->lockdown));
	put_json_tri(sb, "sig_enforce", m->sig_enforce);
	put_json_str(sb, "release", m->has_release ? m->release : NULL);
	put_json_tri(sb, "module_sig",
		     m->kc.valid ? m->kc.module_sig : TRI_UNKNOWN);
	put_json_tri(sb, "module_sig_force",
		     m->kc.valid ? m->kc.module_sig_force : TRI_UNKNOWN);
	put_json_str(sb, "sig_hash",
		     m->kc.valid && m->kc.sig_hash[0] ? m->kc.sig_hash : NULL);
	put_json_str(sb, "config", m->kc.valid ? m->config_src : NULL);
	put_json_str(sb, "kmod_version",
		     m->kmod_major >= 0 ? m->kmod_version : NULL);
	put_json_tri(sb, "module_decompress", m->kernel_decomp);
	put_json_str(sb, "module_decompress_format",
		     m->kernel_decomp == TRI_YES ? m->kernel_decomp_fmt : NULL);
	put_json_str(sb, "keys",
		     m->keys.status == KEYS_OK	       ? "ok" :
		     m->keys.status == KEYS_INCOMPLETE ? "incomplete" :
							 "unreadable");
	if (m->keys.status == KEYS_OK) {
		for (i = 0; i < m->keys.n; i++)
			n += !m->keys.keys[i].ring || m->keys.keys[i].ring[0];
		sb_printf(sb, ",\"trusted_keys\":%zu", n);
	} else {
		sb_puts(sb, ",\"trusted_keys\":null");
	}
	put_json_str(sb, "moklist", list_name(m->moklist.status));
	sb_printf(sb, ",\"moklist_certs\":%zu", m->moklist.n);
	put_json_str(sb, "moknew", list_name(m->moknew.status));
	sb_printf(sb, ",\"moknew_certs\":%zu", m->moknew.n);
	put_json_str(sb, "dkms_key", list_name(m->dkms.status));
	put_json_tri(sb, "sig_checked", p->checks);
	put_json_tri(sb, "sig_enforced", p->enforced);
	sb_puts(sb, "}");
}

/* ---- key origins ---- */

static int list_has_key(const struct cert_list *l, const struct pkey *k)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (pkey_is_cert(k, &l->certs[i]))
			return 1;
	return 0;
}

static int cert_same(const struct cert_id *a, const struct cert_id *b)
{
	return a->issuer_len == b->issuer_len &&
	       a->serial_len == b->serial_len &&
	       !memcmp(a->issuer, b->issuer, a->issuer_len) &&
	       !memcmp(a->serial, b->serial, a->serial_len);
}

int list_has_cert(const struct cert_list *l, const struct cert_id *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (cert_same(&l->certs[i], c))
			return 1;
	return 0;
}

static int starts_with(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int ends_with(const char *s, const char *p)
{
	size_t n = strlen(s), k = strlen(p);

	return n >= k && !strcmp(s + n - k, p);
}

/* what a key's name alone says: DKMS's and Canonical's names */
static unsigned name_origin(const char *name)
{
	if (!strcmp(name, DKMS_KEY_NAME))
		return ORIG_DKMS;
	if (starts_with(name, "Canonical Ltd.") ||
	    ends_with(name, " Secure Boot Module Signature key"))
		return ORIG_UBUNTU;
	return 0;
}

/* the --cert list holds the kit's, Ubuntu's and the user's certificates,
 * told apart by where each was read */
static unsigned given_origin(const struct known_certs *o,
			     const struct cert_id *c)
{
	if (!c->source)
		return ORIG_CERT;
	if (!strcmp(c->source, o->kit_path))
		return ORIG_KIT;
	if (!strcmp(c->source, o->ubuntu_path))
		return ORIG_UBUNTU;
	return ORIG_CERT;
}

/* a key of the kernel's (/proc/keys), with the keyring it is in */
unsigned kkey_origin(const struct known_certs *o, const struct machine *m,
		     const struct mkey *k)
{
	unsigned r = name_origin(k->k.name);
	size_t i;

	if ((k->ring && !strcmp(k->ring, ".builtin_trusted_keys")) ||
	    list_has_key(&m->builtin, &k->k))
		r |= ORIG_BUILTIN;
	if (list_has_key(&m->moklist, &k->k))
		r |= ORIG_MOK;
	if (list_has_key(&m->dkms, &k->k))
		r |= ORIG_DKMS;
	for (i = 0; i < m->given.n; i++)
		if (pkey_is_cert(&k->k, &m->given.certs[i]))
			r |= given_origin(o, &m->given.certs[i]);
	return r;
}

/* a certificate modsign read (when the kernel's keys are not visible) */
unsigned cert_origin(const struct known_certs *o, const struct machine *m,
		     const struct cert_id *c)
{
	unsigned r = name_origin(c->cn);
	size_t i;

	if (list_has_cert(&m->builtin, c))
		r |= ORIG_BUILTIN;
	if (list_has_cert(&m->moklist, c))
		r |= ORIG_MOK;
	if (list_has_cert(&m->dkms, c))
		r |= ORIG_DKMS;
	for (i = 0; i < m->given.n; i++)
		if (cert_same(&m->given.certs[i], c))
			r |= given_origin(o, &m->given.certs[i]);
	return r;
}

/* The certificate of a kernel key, when modsign has it. */
static const struct cert_id *kkey_cert(const struct machine *m,
				       const struct mkey *k)
{
	const struct cert_list *lists[] = { &m->builtin, &m->moklist, &m->given,
					    &m->dkms };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(lists); i++)
		for (j = 0; j < lists[i]->n; j++)
			if (pkey_is_cert(&k->k, &lists[i]->certs[j]))
				return &lists[i]->certs[j];
	return NULL;
}

/* The keys that count for modules: asymmetric, in a module-trusted
 * keyring (or every one, when membership is not known). */
static int kkey_counts(const struct mkey *k)
{
	return k->k.type == PKEY_ASYMMETRIC && (!k->ring || k->ring[0]);
}

/* ---- the kit's and Ubuntu's certificates ---- */

/* Adds path under the root to m->given when it is there (full: root+path,
 * its name there); a file that exists but cannot be read is noted in why
 * (the report says so), not an error. */
static void add_known_cert(struct machine *m, const char *root,
			   const char *path, char *full, size_t size, char *why,
			   size_t wsize, int *read)
{
	struct errbuf eb;
	struct stat st;

	snprintf(full, size, "%s%s", root ? root : "", path);
	why[0] = '\0';
	if (root_stat(root, path, &st)) {
		if (errno != ENOENT && errno != ENOTDIR)
			snprintf(why, wsize, "cannot read %s: %s", path,
				 strerror(errno));
		return;
	}
	if (machine_add_root_certs(m, path, full, &eb) < 0) {
		snprintf(why, wsize, "%.400s", eb.msg);
		return;
	}
	*read = 1;
}

void known_certs_read(struct machine *m, struct known_certs *k)
{
	const char *root = m->live ? "" : m->root;

	add_known_cert(m, root, KIT_CERT, k->kit_path, sizeof(k->kit_path),
		       k->kit_why, sizeof(k->kit_why), &k->kit_read);
	add_known_cert(m, root, UBUNTU_CERT, k->ubuntu_path,
		       sizeof(k->ubuntu_path), k->ubuntu_why,
		       sizeof(k->ubuntu_why), &k->ubuntu_read);
}

const char *origins_signed_by(unsigned o)
{
	size_t i;

	/* whose key it is says more than how the kernel got it */
	for (i = ARRAY_SIZE(origins); i-- > 0;)
		if (o & origins[i].bit)
			return origins[i].signed_by;
	return NULL;
}

/* ---- the key list ---- */

/* "2027-01-31" into buf; 0, or -1 when the certificate has no readable
 * notAfter. *expired: it is past. */
static int cert_expiry(X509 *x, char *buf, size_t size, int *expired)
{
	const ASN1_TIME *t = x ? X509_get0_notAfter(x) : NULL;
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return -1;
	}
	strftime(buf, size, "%Y-%m-%d", &tm);
	*expired = asn1_time_cmp_now(t) < 0;
	ERR_clear_error();
	return 0;
}

/* Whole days from now to the certificate's notAfter, rounded up (10 for
 * one that ends in 9 days and 5 hours); 0 or less once past. 0, or -1
 * when that cannot be told. */
static int cert_days_left(X509 *x, int *days)
{
	const ASN1_TIME *t = x ? X509_get0_notAfter(x) : NULL;
	int day, sec;

	if (!t || !ASN1_TIME_diff(&day, &sec, NULL, t)) {
		ERR_clear_error();
		return -1;
	}
	*days = day + (sec > 0); /* day and sec have the same sign */
	return 0;
}

#define EXPIRY_WARN_DAYS 30
/* The keys whose expiry is the user's business: not a distribution's
 * built-in key (it renews that one with each kernel build). */
#define ORIG_USERS (ORIG_MOK | ORIG_KIT | ORIG_CERT | ORIG_DKMS | ORIG_UBUNTU)

/* Whether the report warns about this key's expiry; *days then set. */
static int expiry_warned(const struct cert_id *c, unsigned o, int *days)
{
	return c && o != ORIG_NONE && (o & ORIG_USERS) &&
	       !cert_days_left(c->x, days) && *days <= EXPIRY_WARN_DAYS;
}

static void origins_text(unsigned o, struct strbuf *sb)
{
	size_t i;
	int any = 0;

	for (i = 0; i < ARRAY_SIZE(origins); i++)
		if (o & origins[i].bit) {
			sb_puts(sb, any ? ", " : "");
			sb_puts(sb, origins[i].text);
			any = 1;
		}
	if (!any)
		sb_puts(sb, "origin unknown");
}

static void origins_json(unsigned o, struct strbuf *sb)
{
	size_t i;
	int any = 0;

	sb_puts(sb, ",\"origins\":[");
	for (i = 0; i < ARRAY_SIZE(origins); i++)
		if (o & origins[i].bit) {
			sb_printf(sb, "%s\"%s\"", any ? "," : "",
				  origins[i].word);
			any = 1;
		}
	sb_puts(sb, "]");
}

/* "NAME<between>ID", ID in hex or "-" */
static void put_name_id(struct strbuf *sb, const char *name,
			const char *between, const uint8_t *id, size_t id_len)
{
	put_text(sb, name);
	sb_puts(sb, between);
	if (id_len)
		put_hex(sb, id, id_len);
	else
		sb_puts(sb, "-");
}

/* one key: its name, id, expiry, origins, keyring */
static void key_text(const char *name, const uint8_t *id, size_t id_len,
		     const struct cert_id *c, unsigned o, const char *ring,
		     struct strbuf *sb)
{
	char date[32];
	int expired = 0;

	sb_puts(sb, "    ");
	put_name_id(sb, name, ", key id ", id, id_len);
	if (c && !cert_expiry(c->x, date, sizeof(date), &expired))
		sb_printf(sb, ", %s %s", expired ? "expired" : "expires", date);
	else if (!c)
		sb_puts(sb, ", expiry unknown (no certificate)");
	if (o != ORIG_NONE) {
		sb_puts(sb, ", ");
		origins_text(o, sb);
	}
	if (ring) {
		sb_puts(sb, " (");
		put_text(sb, ring[0] ? ring : "in no module keyring");
		sb_puts(sb, ")");
	}
	sb_puts(sb, "\n");
}

static void key_json(const char *name, const uint8_t *id, size_t id_len,
		     const struct cert_id *c, unsigned o, const char *ring,
		     int first, struct strbuf *sb)
{
	char date[32];
	int expired = 0, days = 0;

	sb_puts(sb, first ? "{\"name\":\"" : ",{\"name\":\"");
	sb_json_str(sb, name, strlen(name));
	sb_puts(sb, "\",\"key_id\":");
	if (id_len) {
		sb_puts(sb, "\"");
		put_hex(sb, id, id_len);
		sb_puts(sb, "\"");
	} else {
		sb_puts(sb, "null");
	}
	if (c && !cert_expiry(c->x, date, sizeof(date), &expired))
		sb_printf(sb, ",\"expires\":\"%s\",\"expired\":%s", date,
			  expired ? "true" : "false");
	else
		sb_puts(sb, ",\"expires\":null,\"expired\":null");
	if (c && !cert_days_left(c->x, &days))
		sb_printf(sb, ",\"expires_in_days\":%d", days);
	else
		sb_puts(sb, ",\"expires_in_days\":null");
	sb_printf(sb, ",\"expiry_warning\":%s",
		  expiry_warned(c, o, &days) ? "true" : "false");
	origins_json(o, sb);
	sb_puts(sb, ",\"keyring\":");
	if (ring) {
		sb_puts(sb, "\"");
		sb_json_str(sb, ring, strlen(ring));
		sb_puts(sb, "\"");
	} else {
		sb_puts(sb, "null");
	}
	sb_puts(sb, "}");
}

/* "warning: NAME (key id ID) expires on DATE (in N days): ..." for a
 * key of the user's whose certificate ends within EXPIRY_WARN_DAYS */
static void key_warning(const char *name, const uint8_t *id, size_t id_len,
			const struct cert_id *c, unsigned o, struct strbuf *sb)
{
	char date[32];
	int expired = 0, days = 0;

	if (!expiry_warned(c, o, &days) ||
	    cert_expiry(c->x, date, sizeof(date), &expired))
		return;
	sb_puts(sb, "warning: ");
	put_name_id(sb, name, " (key id ", id, id_len);
	if (expired)
		sb_printf(sb, ") expired on %s", date);
	else
		sb_printf(sb, ") expires on %s (in %d day%s)", date, days,
			  days == 1 ? "" : "s");
	sb_printf(sb, ": make a new key with '%s' (docs/key-rotation.md)\n",
		  kit_step(STEP_ROTATE));
}

/* a certificate's key id as /proc/keys shows it: SKID, else serial */
void cert_keyid(const struct cert_id *c, const uint8_t **id, size_t *n)
{
	*id = c->has_skid ? c->skid : c->serial;
	*n = c->has_skid ? c->skid_len : c->serial_len;
}

enum key_out { KEY_TEXT, KEY_JSON, KEY_WARN };

static void one_key(enum key_out out, const char *name, const uint8_t *id,
		    size_t id_len, const struct cert_id *c, unsigned o,
		    const char *ring, int first, struct strbuf *sb)
{
	if (out == KEY_JSON)
		key_json(name, id, id_len, c, o, ring, first, sb);
	else if (out == KEY_TEXT)
		key_text(name, id, id_len, c, o, ring, sb);
	else
		key_warning(name, id, id_len, c, o, sb);
}

/* Calls key_text, key_json or key_warning (out) for each key trusted for
 * modules: the kernel's keys when /proc/keys is readable, else the
 * certificates modsign knows (built in, MokListRT, the kit's, --cert,
 * DKMS's). */
static void each_key(const struct known_certs *o, const struct machine *m,
		     enum key_out out, struct strbuf *sb)
{
	const struct cert_list *lists[] = { &m->builtin, &m->moklist, &m->given,
					    &m->dkms };
	size_t i, j;
	int first = 1;

	if (m->keys.status == KEYS_OK) {
		for (i = 0; i < m->keys.n; i++) {
			const struct mkey *k = &m->keys.keys[i];

			if (!kkey_counts(k))
				continue;
			one_key(out, k->k.name, k->k.id, k->k.id_len,
				kkey_cert(m, k), kkey_origin(o, m, k), k->ring,
				first, sb);
			first = 0;
		}
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		for (j = 0; j < lists[i]->n; j++) {
			const struct cert_id *c = &lists[i]->certs[j];
			const uint8_t *id;
			size_t n;

			cert_keyid(c, &id, &n);
			one_key(out, c->cn, id, n, c, cert_origin(o, m, c),
				NULL, first, sb);
			first = 0;
		}
}

/* MokNew or MokDel: each certificate waiting */
static void request_text(const char *what, const struct cert_list *l,
			 struct strbuf *sb)
{
	size_t i;

	sb_printf(sb, "  %-13s", what);
	switch (l->status) {
	case LIST_OK:
		sb_printf(sb, "%zu certificate%s waiting for MokManager\n",
			  l->n, l->n == 1 ? "" : "s");
		break;
	case LIST_ABSENT:
		sb_puts(sb, "none waiting\n");
		break;
	default:
		sb_puts(sb,
			l->status == LIST_DAMAGED ? "damaged (" : "unknown (");
		put_text(sb, l->why);
		sb_puts(sb, ")\n");
	}
	for (i = 0; i < l->n; i++) {
		const uint8_t *id;
		size_t n;

		cert_keyid(&l->certs[i], &id, &n);
		key_text(l->certs[i].cn, id, n, &l->certs[i], ORIG_NONE, NULL,
			 sb);
	}
}

static void request_json(const char *key, const struct cert_list *l,
			 struct strbuf *sb)
{
	size_t i;

	sb_printf(sb, ",\"%s\":", key);
	if (l->status != LIST_OK && l->status != LIST_ABSENT) {
		sb_puts(sb, "null");
		return;
	}
	sb_puts(sb, "[");
	for (i = 0; i < l->n; i++) {
		const uint8_t *id;
		size_t n;

		cert_keyid(&l->certs[i], &id, &n);
		key_json(l->certs[i].cn, id, n, &l->certs[i], 0, NULL, !i, sb);
	}
	sb_puts(sb, "]");
}

/* module.sig_enforce on the command line: "y", "n", "absent", or NULL
 * (unknown, why in why) */
static const char *cmdline_word(const struct machine *m, char *why, size_t size)
{
	switch (machine_cmdline_sig_enforce(m, why, size)) {
	case TRI_YES:
		return "y";
	case TRI_NO:
		return "n";
	case -1:
		return "absent";
	default:
		return NULL;
	}
}

static void known_cert_text(const char *label, const char *path, int read,
			    const char *why, struct strbuf *sb)
{
	sb_printf(sb, "  %-13s", label);
	if (read)
		sb_printf(sb, "%s (counted as --cert)\n", path);
	else if (why[0]) {
		sb_puts(sb, "unknown (");
		put_text(sb, why);
		sb_puts(sb, ")\n");
	} else {
		sb_printf(sb, "none (no %s)\n", path);
	}
}

void status_machine_text(const struct known_certs *o, const struct machine *m,
			 const struct policy *p, struct strbuf *sb)
{
	char why[MS_WHY];
	const char *cl = cmdline_word(m, why, sizeof(why));
	size_t i, n = 0;

	machine_text(m, p, sb);
	sb_printf(sb, "  %-13s", "cmdline:");
	if (!cl) {
		sb_puts(sb, "unknown (");
		put_text(sb, why);
		sb_puts(sb, ")\n");
	} else if (!strcmp(cl, "absent")) {
		sb_puts(sb, "no module.sig_enforce (/proc/cmdline)\n");
	} else {
		sb_printf(sb, "module.sig_enforce=%s (/proc/cmdline)\n",
			  !strcmp(cl, "y") ? "1" : "0");
	}
	known_cert_text("kit key:", KIT_CERT, o->kit_read, o->kit_why, sb);
	known_cert_text("Ubuntu key:", UBUNTU_CERT, o->ubuntu_read,
			o->ubuntu_why, sb);

	if (m->keys.status == KEYS_OK) {
		for (i = 0; i < m->keys.n; i++)
			n += kkey_counts(&m->keys.keys[i]);
		sb_printf(sb, "keys trusted for modules (%zu):\n", n);
	} else {
		sb_puts(sb, "keys trusted for modules: unknown (");
		put_text(sb, m->keys.why);
		sb_puts(sb, "); the certificates modsign read:\n");
	}
	each_key(o, m, KEY_TEXT, sb);
	each_key(o, m, KEY_WARN, sb);
	sb_puts(sb, "MOK requests for the next boot:\n");
	request_text("add:", &m->moknew, sb);
	request_text("delete:", &m->mokdel, sb);
}

void status_machine_json(const struct known_certs *o, const struct machine *m,
			 const struct policy *p, struct strbuf *sb)
{
	char why[MS_WHY];
	const char *cl = cmdline_word(m, why, sizeof(why));
	struct strbuf mj;

	sb_init(&mj);
	machine_json(m, p, &mj);
	/* check's machine object, then status's fields inside it */
	if (mj.len && mj.s[mj.len - 1] == '}')
		sb_add(sb, mj.s, mj.len - 1);
	sb_free(&mj);
	sb_puts(sb, ",\"cmdline_sig_enforce\":");
	sb_puts(sb, cl ? "\"" : "null");
	if (cl)
		sb_printf(sb, "%s\"", cl);
	sb_printf(sb, ",\"kit_cert\":%s,\"ubuntu_cert\":%s",
		  o->kit_read ? "true" : "false",
		  o->ubuntu_read ? "true" : "false");
	sb_puts(sb, ",\"key_list_from\":");
	sb_puts(sb,
		m->keys.status == KEYS_OK ? "\"kernel\"" : "\"certificates\"");
	sb_puts(sb, ",\"key_list\":[");
	each_key(o, m, KEY_JSON, sb);
	sb_puts(sb, "]");
	request_json("mok_pending_add", &m->moknew, sb);
	request_json("mok_pending_delete", &m->mokdel, sb);
	sb_puts(sb, "}");
}
