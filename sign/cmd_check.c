// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign check [--json] [--cert CERT]... FILE... - will each module load
 * on this machine, and if not, what to do. Reads the machine state through
 * sysstate.c (under --root for tests and mounted images), decides through
 * verdict.c, and prints here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fileio.h"
#include "modsign.h"
#include "sysstate.h"
#include "verdict.h"

static const char usage[] =
	"Usage: modsign check [--json] [--cert CERT]... FILE...\n"
	"Tell, before you try, whether each module will load on this machine,\n"
	"and the one next step when it will not. Reads Secure Boot and setup\n"
	"mode (EFI variables), lockdown, module.sig_enforce, the kernel's\n"
	"config and release, the keys the kernel trusts (/proc/keys; root sees\n"
	"all of them), MokListRT and a pending enrollment (MokNew). The signer\n"
	"is matched by certificate (issuer and serial, or key id), not by name.\n"
	"What cannot be read is reported as unknown. A module DKMS signed with\n"
	"its own key (/var/lib/dkms/mok.pub, or the name DKMS gives it), or\n"
	"installed unsigned (updates/dkms/), gets the next steps in DKMS terms.\n"
	"\n"
	"      --json          one JSON object per file, one per line\n"
	"  -c, --cert CERT     the signer's certificate, when it is not in MOK:\n"
	"                      lets modsign match it to a key in /proc/keys\n"
	"                      (repeatable; DER or PEM)\n"
	"      --root DIR      read /sys, /proc, /boot and /var/lib/dkms under DIR\n"
	"                      instead of /\n"
	"                      (for tests, and for inspecting a mounted image)\n"
	"      --release REL   assume the running kernel is REL (default: uname,\n"
	"                      or DIR/proc/sys/kernel/osrelease under --root)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 when every module will load (with or without a taint\n"
	"warning), 1 otherwise (rejected, pending, unknown, unreadable), 2 for\n"
	"a usage error.\n";

/* ---- text ---- */

static void put_text(struct strbuf *sb, const char *s)
{
	sb_text_str(sb, s, strlen(s));
}

static void field(struct strbuf *sb, const char *label)
{
	sb_printf(sb, "  %-13s", label);
}

/* "Secure Boot:", and whether the firmware is in setup mode */
static void secure_boot_text(const struct machine *m, struct strbuf *sb)
{
	field(sb, "Secure Boot:");
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
	field(sb, "lockdown:");
	put_text(sb, lockdown_name(m->lockdown));
	if (m->lockdown_why[0]) {
		sb_puts(sb, " (");
		put_text(sb, m->lockdown_why);
		sb_puts(sb, ")");
	}
	sb_puts(sb, "\n");

	field(sb, "sig_enforce:");
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

	field(sb, "kernel:");
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

	field(sb, "config:");
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

static void keys_text(const struct machine *m, struct strbuf *sb)
{
	field(sb, "kernel keys:");
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
	field(sb, "DKMS key:");
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
	field(sb, "signatures:");
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
	keys_text(m, sb);
	field(sb, "MokListRT:");
	mok_text(&m->moklist, 0, sb);
	field(sb, "MokNew:");
	mok_text(&m->moknew, 1, sb);
	dkms_key_text(m, sb);
	policy_text(p, sb);
}

/*
 * An .xz file whose integrity check is not CRC32 (xz's default is CRC64;
 * DKMS 3.0.10 runs plain `xz -f`): kmod 30 decompresses it in user space,
 * but kmod 31 and later hand it to the kernel, whose xz decoder refuses it
 * (seen in the Secure Boot VM on 6.12: EINVAL).
 */
static void put_kernel_decoder_note(struct strbuf *sb)
{
	field(sb, "note:");
	sb_puts(sb,
		"its xz check is not CRC32 (xz's default is CRC64), which "
		"the kernel's own xz decoder refuses (\"decompression failed "
		"with status 6\", Invalid argument): it loads only where "
		"kmod decompresses it (kmod 30, Debian 12), not where kmod 31 "
		"or later hands it to the kernel; modsign sign rewrites it "
		"as Kbuild does (xz --check=crc32 --lzma2=dict=1MiB)\n");
}

/* "signature:" (hash, signer, sig_key), and for a signed module the key
 * the kernel would check it with */
static void signature_text(const struct modfacts *f, const struct decision *d,
			   struct strbuf *sb)
{
	field(sb, "signature:");
	switch (f->sig) {
	case MODSIG_SIGNED:
		put_text(sb, f->desc.hash);
		sb_puts(sb, ", signer ");
		if (f->desc.has_signer)
			sb_text_str(sb, f->desc.signer, f->desc.signer_len);
		else
			sb_puts(sb, "-");
		sb_puts(sb, ", sig_key ");
		if (f->desc.has_serial)
			sb_hex_colon(sb, f->desc.serial, f->desc.serial_len);
		else if (f->desc.has_skid)
			sb_hex_colon(sb, f->desc.skid, f->desc.skid_len);
		else
			sb_puts(sb, "-");
		sb_puts(sb, "\n");
		break;
	case MODSIG_UNSIGNED:
		sb_puts(sb, "none");
		if (f->sig_note[0]) {
			sb_puts(sb, " (");
			put_text(sb, f->sig_note);
			sb_puts(sb, ")");
		}
		sb_puts(sb, "\n");
		break;
	default:
		sb_puts(sb, f->sig == MODSIG_DAMAGED ? "damaged: " :
						       "unsupported: ");
		put_text(sb, f->sig_note);
		sb_puts(sb, "\n");
	}
	if (f->sig == MODSIG_SIGNED) {
		field(sb, "key:");
		put_text(sb, d->key);
		sb_puts(sb, "\n");
		if (d->sig_check[0]) {
			field(sb, "check:");
			put_text(sb, d->sig_check);
			sb_puts(sb, "\n");
		}
	}
}

/* "vermagic:", against the running kernel's release */
static void vermagic_text(const struct modfacts *f, const struct machine *m,
			  const struct decision *d, struct strbuf *sb)
{
	field(sb, "vermagic:");
	if (f->has_vermagic == 1) {
		put_text(sb, f->vermagic);
		if (d->vermagic_ok == TRI_YES)
			sb_puts(sb, " (matches the running kernel)");
		else if (d->vermagic_ok == TRI_NO) {
			sb_puts(sb, " (running ");
			put_text(sb, m->release);
			sb_puts(sb, ")");
		} else {
			sb_puts(sb, " (running kernel unknown)");
		}
	} else {
		sb_puts(sb,
			f->has_vermagic == 0 ? "none" : "none (no .modinfo)");
	}
	sb_puts(sb, "\n");
}

void module_text(const char *name, const struct modfacts *f,
		 const struct machine *m, const struct decision *d,
		 struct strbuf *sb)
{
	sb_puts(sb, "\n");
	put_text(sb, name);
	sb_puts(sb, ": ");
	put_text(sb, d->line);
	sb_puts(sb, "\n");
	if (d->v == V_ERROR || f->compressed)
		goto next;

	if (f->container) {
		field(sb, "compressed:");
		put_text(sb, f->container);
		sb_puts(sb,
			" (checked decompressed, as the kernel and kmod read it)\n");
		if (!f->container_kernel_ok)
			put_kernel_decoder_note(sb);
	}
	signature_text(f, d, sb);
	vermagic_text(f, m, d, sb);
	if (d->dkms) {
		field(sb, "dkms:");
		put_text(sb, d->dkms_note);
		sb_puts(sb, "\n");
		field(sb, "package:");
		put_text(sb, d->dkms_package);
		sb_puts(sb, "\n");
	}
next:
	field(sb, "next step:");
	put_text(sb, d->next);
	sb_puts(sb, "\n");
	if (d->next_alt[0]) {
		field(sb, "or:");
		put_text(sb, d->next_alt);
		sb_puts(sb, "\n");
	}
}

/* ---- JSON ---- */

static void json_str(struct strbuf *sb, const char *key, const char *s)
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

static void json_tri(struct strbuf *sb, const char *key, int v)
{
	sb_printf(sb, ",\"%s\":%s", key,
		  v == TRI_YES ? "true" :
		  v == TRI_NO  ? "false" :
				 "null");
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
	sb_json_str(sb, m->live ? "/" : m->root,
		    strlen(m->live ? "/" : m->root));
	sb_puts(sb, "\"");
	json_tri(sb, "efi", m->efi);
	json_tri(sb, "secure_boot", m->secure_boot);
	json_tri(sb, "setup_mode", m->setup_mode);
	json_str(sb, "lockdown",
		 m->lockdown == LOCKDOWN_UNKNOWN ? NULL :
						   lockdown_name(m->lockdown));
	json_tri(sb, "sig_enforce", m->sig_enforce);
	json_str(sb, "release", m->has_release ? m->release : NULL);
	json_tri(sb, "module_sig",
		 m->kc.valid ? m->kc.module_sig : TRI_UNKNOWN);
	json_tri(sb, "module_sig_force",
		 m->kc.valid ? m->kc.module_sig_force : TRI_UNKNOWN);
	json_str(sb, "sig_hash",
		 m->kc.valid && m->kc.sig_hash[0] ? m->kc.sig_hash : NULL);
	json_str(sb, "config", m->kc.valid ? m->config_src : NULL);
	json_str(sb, "keys",
		 m->keys.status == KEYS_OK	   ? "ok" :
		 m->keys.status == KEYS_INCOMPLETE ? "incomplete" :
						     "unreadable");
	if (m->keys.status == KEYS_OK) {
		for (i = 0; i < m->keys.n; i++)
			n += !m->keys.keys[i].ring || m->keys.keys[i].ring[0];
		sb_printf(sb, ",\"trusted_keys\":%zu", n);
	} else {
		sb_puts(sb, ",\"trusted_keys\":null");
	}
	json_str(sb, "moklist", list_name(m->moklist.status));
	sb_printf(sb, ",\"moklist_certs\":%zu", m->moklist.n);
	json_str(sb, "moknew", list_name(m->moknew.status));
	sb_printf(sb, ",\"moknew_certs\":%zu", m->moknew.n);
	json_str(sb, "dkms_key", list_name(m->dkms.status));
	json_tri(sb, "sig_checked", p->checks);
	json_tri(sb, "sig_enforced", p->enforced);
	sb_puts(sb, "}");
}

void module_json(const char *name, const struct modfacts *f,
		 const struct machine *m, const struct policy *p,
		 const struct decision *d, struct strbuf *sb)
{
	sb_puts(sb, "{\"file\":\"");
	sb_json_str(sb, name, strlen(name));
	sb_puts(sb, "\"");
	json_str(sb, "verdict", verdict_name(d->v));
	json_str(sb, "reason", d->reason);
	json_str(sb, "message", d->line);
	json_str(sb, "next", d->next);
	if (d->v != V_ERROR && !f->compressed) {
		json_str(sb, "compressed", f->container);
		if (f->container)
			sb_printf(sb, ",\"kernel_decoder_takes_it\":%s",
				  f->container_kernel_ok ? "true" : "false");
		sb_printf(sb, ",\"signed\":%s",
			  f->sig == MODSIG_SIGNED ? "true" : "false");
		if (f->sig == MODSIG_SIGNED) {
			sb_puts(sb, ",\"signer\":");
			if (f->desc.has_signer) {
				sb_puts(sb, "\"");
				sb_json_str(sb, f->desc.signer,
					    f->desc.signer_len);
				sb_puts(sb, "\"");
			} else {
				sb_puts(sb, "null");
			}
			sb_puts(sb, ",\"sig_key\":\"");
			if (f->desc.has_serial)
				sb_hex_colon(sb, f->desc.serial,
					     f->desc.serial_len);
			sb_puts(sb, "\",\"sig_skid\":");
			if (f->desc.has_skid) {
				sb_puts(sb, "\"");
				sb_hex_colon(sb, f->desc.skid,
					     f->desc.skid_len);
				sb_puts(sb, "\"");
			} else {
				sb_puts(sb, "null");
			}
			json_str(sb, "sig_hashalgo", f->desc.hash);
		}
		if (f->sig == MODSIG_DAMAGED || f->sig == MODSIG_UNSUPPORTED)
			json_str(sb, "signature_error", f->sig_note);
		json_str(sb, "key", trust_name(d->trust));
		json_str(sb, "key_detail", d->key[0] ? d->key : NULL);
		json_str(sb, "match", basis_name(d->basis));
		sb_printf(sb, ",\"key_enrolled\":%s,\"key_pending\":%s",
			  d->enrolled ? "true" : "false",
			  d->pending ? "true" : "false");
		json_tri(sb, "signature_verified", d->sig_ok);
		json_str(sb, "vermagic",
			 f->has_vermagic == 1 ? f->vermagic : NULL);
		json_tri(sb, "vermagic_match", d->vermagic_ok);
	}
	json_str(sb, "dkms", dkms_name(d->dkms));
	json_str(sb, "dkms_package",
		 d->dkms && f->dkms.name[0] ? f->dkms.name : NULL);
	json_str(sb, "dkms_version",
		 d->dkms && f->dkms.version[0] ? f->dkms.version : NULL);
	json_str(sb, "next_alt", d->next_alt[0] ? d->next_alt : NULL);
	machine_json(m, p, sb);
	sb_puts(sb, "}\n");
}

/* ---- the command ---- */

/* What to do about a module read_module refused, by its fault. */
static const char *read_next_step(const char *fault)
{
	if (!strcmp(fault, "truncated") || !strcmp(fault, "being-written"))
		return "wait until it is fully built or copied (or rebuild it), then check it again";
	if (!strcmp(fault, "busy"))
		return "try again when the process holding its lease lets go";
	if (!strcmp(fault, "damaged"))
		return "rebuild it: this is not a module the kernel can load";
	if (!strcmp(fault, "too-large") || !strcmp(fault, "not-a-file"))
		return "check the file name: this is not a kernel module";
	return "check the file name";
}

/* What the file's place says about DKMS: the real path, so that a module
 * given as ./NAME.ko inside updates/dkms/ counts too. */
static void dkms_from_real_path(const char *path, struct modfacts *f)
{
	char *real = realpath(path, NULL);

	dkms_from_path(real ? real : path, f);
	free(real);
}

/* Which DKMS package it is, from /var/lib/dkms: only for a module the
 * verdict blames on DKMS (it reads folders), then the advice again. */
static void dkms_lookup(const struct machine *m, struct modfacts *f,
			struct decision *d)
{
	char rel[256];
	size_t n;

	n = first_word_len(f->vermagic, strlen(f->vermagic));
	snprintf(rel, sizeof(rel), "%.*s", (int)n, f->vermagic);
	dkms_find_package(m, f->modname[0] ? f->modname : NULL,
			  f->file_stem[0] ? f->file_stem : NULL,
			  f->modversion[0] ? f->modversion : NULL,
			  f->has_vermagic == 1 && n ? rel : NULL, &f->dkms);
	dkms_advise(m, f, d);
}

int check_decide(const char *path, int real, const struct machine *m,
		 const struct policy *p, struct check_result *r)
{
	struct modfacts *f = &r->f;
	struct decision *d = &r->d;

	memset(r, 0, sizeof(*r));
	if (read_module(path, &r->fb, &r->eb)) {
		r->read_failed = 1;
		f->error = r->eb.msg;
		d->v = V_ERROR;
		d->reason = r->fb.fault;
		snprintf(d->line, sizeof(d->line), "error: %.600s", r->eb.msg);
		snprintf(d->next, sizeof(d->next), "%s",
			 read_next_step(r->fb.fault));
		return -1;
	}
	modfacts_read(r->fb.data, r->fb.len, f);
	if (r->fb.comp != COMP_NONE) {
		f->container = comp_name(r->fb.comp);
		f->container_kernel_ok = r->fb.comp_kernel_ok;
	}
	if (real)
		dkms_from_path(path, f);
	else
		dkms_from_real_path(path, f);
	decide(m, p, f, d);
	if (d->dkms && !f->dkms.name[0])
		dkms_lookup(m, f, d);
	return d->v == V_LOAD || d->v == V_LOAD_WARN ? 0 : -1;
}

void check_result_free(struct check_result *r)
{
	file_buf_free(&r->fb);
}

const char *check_error(const struct check_result *r)
{
	return r->read_failed ? r->eb.msg : r->f.error;
}

/* Whether the kernel image's certificates could change r's verdict: a
 * signer that no other list names, and the image not read yet. */
static int wants_builtin(const struct machine *m, const struct check_result *r)
{
	return !m->builtin_read && r->f.sig == MODSIG_SIGNED && !r->d.cert;
}

static int check_file(const char *path, struct machine *m,
		      const struct policy *p, int json, struct strbuf *out)
{
	struct check_result *r = malloc(sizeof(*r));
	int rc;

	if (!r) {
		modsign_error("%s: out of memory", path);
		return -1;
	}
	rc = check_decide(path, 0, m, p, r);
	if (wants_builtin(m, r)) {
		machine_read_builtin(m);
		check_result_free(r);
		rc = check_decide(path, 0, m, p, r);
	}
	if (r->d.v == V_ERROR)
		modsign_error("%s: %s", path, check_error(r));
	if (json)
		module_json(path, &r->f, m, p, &r->d, out);
	else
		module_text(path, &r->f, m, &r->d, out);
	check_result_free(r);
	free(r);
	return rc;
}

int check_add_certs(struct machine *m, const char **certs, int n)
{
	struct errbuf eb;
	int i, rc = 0;

	for (i = 0; i < n; i++)
		if (machine_add_certs(m, certs[i], &eb) < 0) {
			modsign_error("%s: %s", certs[i], eb.msg);
			rc = -1;
		}
	return rc;
}

struct check_opts {
	const char *root, *release;
	const char **certs; /* argc + 1 slots: each -c at most once */
	int ncerts, json;
};

/* Fills o from the command line. Returns -1 to go on, else the exit status
 * (after --help, or saying what is wrong). */
static int check_args(int argc, char *argv[], struct check_opts *o)
{
	enum { OPT_ROOT = 256, OPT_RELEASE, OPT_JSON };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cert", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o->json = 1;
			break;
		case 'c':
			o->certs[o->ncerts++] = optarg;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_RELEASE:
			o->release = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return modsign_bad_option("check", c, argv);
		}
	}
	if (optind >= argc)
		return modsign_usage_error("check", "no module given");
	if (o->root && !*o->root)
		return modsign_usage_error("check", "--root needs a folder");
	return -1;
}

static int check_main(int argc, char *argv[])
{
	struct check_opts o = { 0 };
	struct machine *m = NULL;
	struct policy p;
	struct strbuf out;
	int i, rc = EXIT_OK;

	o.certs = calloc((size_t)argc + 1, sizeof(*o.certs));
	if (!o.certs) {
		modsign_error("out of memory");
		return EXIT_FAILED;
	}
	rc = check_args(argc, argv, &o);
	if (rc != -1) {
		free(o.certs);
		return rc;
	}
	rc = EXIT_OK;
	m = malloc(sizeof(*m));
	if (!m) {
		free(o.certs);
		modsign_error("out of memory");
		return EXIT_FAILED;
	}
	machine_read(m, o.root, o.release);
	if (o.release && !m->has_release) {
		rc = modsign_usage_error(
			"check", "--release '%s' is not a kernel release",
			o.release);
		goto out;
	}
	if (check_add_certs(m, o.certs, o.ncerts)) {
		rc = EXIT_FAILED;
		goto out; /* a certificate could not be read: decide nothing */
	}
	machine_policy(m, &p);

	sb_init(&out);
	if (!o.json)
		machine_text(m, &p, &out);
	for (i = optind; i < argc; i++) {
		if (check_file(argv[i], m, &p, o.json, &out))
			rc = EXIT_FAILED;
		if (modsign_emit(&out, argv[i]))
			rc = EXIT_FAILED;
	}
	if (modsign_flush())
		rc = EXIT_FAILED;
out:
	machine_free(m);
	free(m);
	free(o.certs);
	return rc;
}

const struct modsign_cmd cmd_check = {
	.name = "check",
	.fn = check_main,
	.help = "tell whether each module will load on this machine, and why",
};
