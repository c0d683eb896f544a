// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report_module.c - one module read and decided, as `modsign check`
 * decides it, and its paragraph (text) or object (JSON) in the report:
 * what `check` and `status` both print for a module. The machine's part
 * of the report is report_machine.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modsign.h"
#include "report_machine.h"
#include "report_module.h"
#include "sysstate.h"

/* ---- text ---- */

/*
 * A compressed file the kernel's decoder refuses (comp_kernel_ok), such as
 * an .xz file whose integrity check is not CRC32 (xz's default is CRC64;
 * DKMS 3.0.10 runs plain `xz -f`): kmod 30 decompresses it in user space,
 * but kmod 31 and later hand it to the kernel, which refuses it (seen in
 * the Secure Boot VM on 6.12, and on trixie's 7.3 with kmod 34: EINVAL).
 * Where it is the verdict, the verdict's line says so.
 */
static void put_kernel_decoder_note(const struct modfacts *f,
				    const struct decision *d, struct strbuf *sb)
{
	enum comp_type c = comp_by_name(f->container);

	if (d->path != PATH_KMOD)
		return;
	put_field(sb, "note:");
	sb_puts(sb, comp_kernel_why(c));
	sb_puts(sb, " (");
	sb_puts(sb, comp_kernel_says(c));
	sb_puts(sb, "): kmod decompresses it here, but where kmod 31 or later "
		    "hands it to the kernel it does not load; to mend it, ");
	sb_puts(sb, comp_kernel_fix(c));
	sb_puts(sb, ", or modsign sign KEY CERT FILE, which writes it so\n");
}

/* "signature:" (hash, signer, sig_key), and for a signed module the key
 * the kernel would check it with */
static void signature_text(const struct modfacts *f, const struct decision *d,
			   struct strbuf *sb)
{
	put_field(sb, "signature:");
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
		put_field(sb, "key:");
		put_text(sb, d->key);
		sb_puts(sb, "\n");
		if (d->sig_check[0]) {
			put_field(sb, "check:");
			put_text(sb, d->sig_check);
			sb_puts(sb, "\n");
		}
	}
}

/* "vermagic:", against the running kernel's release */
static void vermagic_text(const struct modfacts *f, const struct machine *m,
			  const struct decision *d, struct strbuf *sb)
{
	put_field(sb, "vermagic:");
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
		put_field(sb, "compressed:");
		put_text(sb, f->container);
		sb_puts(sb,
			" (checked decompressed, as the kernel and kmod read it)\n");
		put_field(sb, "decoder:");
		sb_puts(sb, d->path == PATH_KERNEL ? "the kernel: " :
			    d->path == PATH_KMOD   ? "kmod: " :
						     "unknown: ");
		put_text(sb, d->path_why);
		sb_puts(sb, "\n");
		if (!f->container_kernel_ok)
			put_kernel_decoder_note(f, d, sb);
	}
	signature_text(f, d, sb);
	vermagic_text(f, m, d, sb);
	if (d->dkms) {
		put_field(sb, "dkms:");
		put_text(sb, d->dkms_note);
		sb_puts(sb, "\n");
		put_field(sb, "package:");
		put_text(sb, d->dkms_package);
		sb_puts(sb, "\n");
	}
next:
	put_field(sb, "next step:");
	put_text(sb, d->next);
	sb_puts(sb, "\n");
	if (d->next_alt[0]) {
		put_field(sb, "or:");
		put_text(sb, d->next_alt);
		sb_puts(sb, "\n");
	}
}

/* ---- JSON ---- */

void module_json(const char *name, const struct modfacts *f,
		 const struct machine *m, const struct policy *p,
		 const struct decision *d, struct strbuf *sb)
{
	sb_puts(sb, "{\"file\":\"");
	sb_json_name(sb, name, strlen(name));
	sb_puts(sb, "\"");
	put_json_str(sb, "verdict", verdict_name(d->v));
	put_json_str(sb, "reason", d->reason);
	put_json_str(sb, "message", d->line);
	put_json_str(sb, "next", d->next);
	if (d->v != V_ERROR && !f->compressed) {
		put_json_str(sb, "compressed", f->container);
		if (f->container)
			sb_printf(sb, ",\"kernel_decoder_takes_it\":%s",
				  f->container_kernel_ok ? "true" : "false");
		put_json_str(sb, "decompressed_by", load_path_name(d->path));
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
			put_json_str(sb, "sig_hashalgo", f->desc.hash);
		}
		if (f->sig == MODSIG_DAMAGED || f->sig == MODSIG_UNSUPPORTED)
			put_json_str(sb, "signature_error", f->sig_note);
		put_json_str(sb, "key", trust_name(d->trust));
		put_json_str(sb, "key_detail", d->key[0] ? d->key : NULL);
		put_json_str(sb, "match", basis_name(d->basis));
		sb_printf(sb, ",\"key_enrolled\":%s,\"key_pending\":%s",
			  d->enrolled ? "true" : "false",
			  d->pending ? "true" : "false");
		put_json_tri(sb, "signature_verified", d->sig_ok);
		put_json_str(sb, "vermagic",
			     f->has_vermagic == 1 ? f->vermagic : NULL);
		put_json_tri(sb, "vermagic_match", d->vermagic_ok);
	}
	put_json_str(sb, "dkms", dkms_name(d->dkms));
	put_json_str(sb, "dkms_package",
		     d->dkms && f->dkms.name[0] ? f->dkms.name : NULL);
	put_json_str(sb, "dkms_version",
		     d->dkms && f->dkms.version[0] ? f->dkms.version : NULL);
	put_json_str(sb, "next_alt", d->next_alt[0] ? d->next_alt : NULL);
	machine_json(m, p, sb);
	sb_puts(sb, "}\n");
}

/* ---- reading and deciding ---- */

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

/* r for a module that could not be read: the reason is in r->eb */
static int read_failed(struct check_result *r)
{
	struct decision *d = &r->d;

	r->read_failed = 1;
	r->f.error = r->eb.msg;
	d->v = V_ERROR;
	d->reason = r->fb.fault;
	snprintf(d->line, sizeof(d->line), "error: %.600s", r->eb.msg);
	snprintf(d->next, sizeof(d->next), "%s", read_next_step(r->fb.fault));
	return -1;
}

int check_open_failed(int err, struct check_result *r)
{
	memset(r, 0, sizeof(*r));
	r->fb.fault = "unreadable";
	eb_set(&r->eb, "cannot open: %s", strerror(err));
	return read_failed(r);
}

int check_decide(const char *path, const char *place, const struct machine *m,
		 const struct policy *p, struct check_result *r)
{
	struct modfacts *f = &r->f;
	struct decision *d = &r->d;

	memset(r, 0, sizeof(*r));
	if (read_module(path, &r->fb, &r->eb))
		return read_failed(r);
	modfacts_read(r->fb.data, r->fb.len, f);
	if (r->fb.comp != COMP_NONE) {
		f->container = comp_name(r->fb.comp);
		f->container_kernel_ok = r->fb.comp_kernel_ok;
	}
	if (place)
		dkms_from_path(place, f);
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
