// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign status [--release R] [--root DIR] [--json] [-j N] - the whole
 * machine at a glance: Secure Boot, lockdown, the keys the kernel trusts
 * for modules and where each came from (with a warning for those about to
 * expire), the MOK requests waiting for the next boot, and the verdict of
 * `modsign check` for every module installed for a release, grouped by
 * cause. Each module is read and decided by check's own check_decide
 * (report_module.h), on the worker threads of batch.c. --removing CERT asks which
 * modules would stop loading if CERT left MOK (key rotation).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "batch.h"
#include "fileio.h"
#include "keyload.h"
#include "kitwhere.h"
#include "kitwords.h"
#include "modsign.h"
#include "report_machine.h"
#include "report_module.h"
#include "rootfs.h"
#include "sysstate.h"

static const char usage[] =
	"Usage: modsign status [--release R] [--root DIR] [--json] [-j N]\n"
	"                      [--cert CERT]... [--removing CERT]...\n"
	"The whole machine at a glance: Secure Boot, lockdown, sig_enforce,\n"
	"the kernel's CONFIG_MODULE_SIG*, the keys it trusts for modules (each\n"
	"with its name, key id, expiry and origin), the MOK requests waiting\n"
	"for the next boot, and, for every module under /lib/modules/R (or\n"
	"/usr/lib/modules/R), the verdict `modsign check` gives it (the\n"
	"kernel's image and config are read in /boot, or in Debian 7.x's\n"
	"/usr/lib/modules/R). Modules that will not load are grouped by\n"
	"cause, with one next step per group. With Secure Boot off,\n"
	"it also says which modules would stop loading if it were turned on.\n"
	"The kit's certificate (/var/lib/modsign/signing_key.x509) and Ubuntu's\n"
	"(/var/lib/shim-signed/mok/MOK.der) count as if given with --cert.\n"
	"A key it lists whose certificate expires within 30 days, or has\n"
	"expired, gets a warning line (not built-in keys).\n"
	"\n"
	"      --json          one JSON document (docs/status.md has the schema)\n"
	"  -j, --jobs N        decide N modules at a time (default: the number\n"
	"                      of CPUs)\n"
	"  -c, --cert CERT     a signer's certificate, as for check (repeatable)\n"
	"      --removing CERT decide as if CERT's deletion from MOK were\n"
	"                      confirmed: a line 'if MOK loses NAME (key id ID),\n"
	"                      ...' says which modules would stop loading\n"
	"                      (repeatable; CERT is DER or PEM)\n"
	"      --root DIR      read the machine and its modules under DIR\n"
	"      --release R     the release whose modules to check, and to\n"
	"                      assume running (default: the running one)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 when every module will load, 1 when at least one will\n"
	"not or cannot be known to (unknown, unreadable), 2 for a usage error.\n";

struct status_opts {
	const char *root, *release;
	const char **certs; /* argc + 1 slots */
	int ncerts, json, jobs;
	const char **removing; /* argc + 1 slots: the --removing files */
	int nremoving;
	struct cert_list rm; /* their certificates, in order */
	struct known_certs known; /* the kit's and Ubuntu's */
};

enum { SB_STOPS = 1, SB_MAY_STOP };

/* One module's outcome, kept after its bytes are freed. */
struct entry {
	char *path; /* as the machine names it: /lib/modules/R/... */
	char name[128]; /* the file name without .ko[.xz|.zst|.gz] */
	enum verdict v;
	const char *reason;
	char *signer; /* NULL: not signed, or no name */
	char *line, *next;
	char *json; /* check's JSON object, without its machine */
	unsigned origin; /* for a trusted key: where it came from */
	int mokdel; /* its key's certificate waits in MokDel */
	size_t rm_by; /* it loads now and would not once this --removing
		       * certificate left MOK: its index + 1; 0: none */
	int sb_stops; /* loads now; with Secure Boot on: SB_STOPS, SB_MAY_STOP */
	int done;
};

struct status_run {
	const struct status_opts *o;
	const struct machine *m, *mon; /* mon: with Secure Boot on, or NULL */
	/* m with the --removing certificates as the deletions waiting in
	 * MokDel (and no other), or NULL without --removing */
	const struct machine *mrm;
	const struct policy *p, *pon;
	int topfd; /* the folder walked, opened inside the root */
	const char *shown_top; /* how the machine names it: /lib/modules/R */
	const char *machine_tail; /* machine_json's text, to cut from each
				   * module's object */
	struct entry *e;
};

/* ---- the walk ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every module in the folder dfd (closed here) and below it, into pl, as
 * the machine names them (shown: the folder's name). Only through dfd and
 * the folders opened from it, never by a path resolved again on the host.
 * Links are not followed (build/ and source/ point at the headers); a
 * folder that cannot be opened becomes an entry of its own: its read
 * fails, and says why. -1 with errno.
 */
static int walk_dir(int dfd, const char *shown, struct path_list *pl)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	struct strbuf child;
	int ret = 0, err = 0;

	if (!d) {
		close(dfd);
		return -1;
	}
	sb_init(&child);
	while (!ret && (errno = 0, e = readdir(d)) != NULL) {
		struct stat st;
		int cfd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		child.len = 0;
		sb_printf(&child, "%s/%s", shown, e->d_name);
		if (child.oom) {
			ret = -1;
			err = ENOMEM;
			break;
		}
		/* gone since, or not even stat-able: not a module */
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			cfd = openat(dirfd(d), e->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			if (cfd >= 0)
				ret = walk_dir(cfd, child.s, pl);
			else if (errno == EACCES || errno == EPERM)
				ret = path_list_add(pl, child.s);
			else
				ret = -1;
		} else if (S_ISREG(st.st_mode) && is_module_name(e->d_name)) {
			ret = path_list_add(pl, child.s);
		}
		if (ret)
			err = errno ? errno : ENOMEM;
	}
	if (!ret && errno) { /* readdir failed */
		ret = -1;
		err = errno;
	}
	sb_free(&child);
	closedir(d);
	errno = err;
	return ret;
}

/* Every module below the folder topfd (kept open), which the machine
 * names shown, sorted. -1 with errno on failure. */
static int find_modules(int topfd, const char *shown, struct path_list *pl)
{
	int fd = fcntl(topfd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0 || walk_dir(fd, shown, pl))
		return -1;
	if (pl->n)
		qsort(pl->v, pl->n, sizeof(*pl->v), cmp_str);
	return 0;
}

/* ---- one module (on a worker thread) ---- */

static void module_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	static const char *const ext[] = { ".ko.xz", ".ko.zst", ".ko.gz",
					   ".ko" };
	size_t n, i;

	b = b ? b + 1 : path;
	n = strlen(b);
	for (i = 0; i < ARRAY_SIZE(ext); i++)
		if (n >= strlen(ext[i]) &&
		    !strcmp(b + n - strlen(ext[i]), ext[i])) {
			n -= strlen(ext[i]);
			break;
		}
	snprintf(out, size, "%.*s", (int)n, b);
}

/* will_load for scripts: null where the machine cannot tell (unknown,
 * or a file modsign could not read though root might) */
static const char *will_load_word(const struct entry *e)
{
	if (e->v == V_LOAD || e->v == V_LOAD_WARN)
		return "true";
	if (e->v == V_UNKNOWN)
		return "null";
	if (e->v == V_ERROR && e->reason &&
	    (!strcmp(e->reason, "unreadable") || !strcmp(e->reason, "busy") ||
	     !strcmp(e->reason, "being-written")))
		return "null";
	return "false";
}

/* check's JSON object for the module, its machine cut off (the document
 * has it once), and status's own fields added */
static char *entry_json(const struct status_run *s, struct entry *e,
			const struct check_result *r, const char *shown)
{
	struct strbuf sb;
	size_t tail = strlen(s->machine_tail);

	sb_init(&sb);
	module_json(shown, &r->f, s->m, s->p, &r->d, &sb);
	if (!sb.oom && sb.len >= tail + 2 &&
	    !memcmp(sb.s + sb.len - tail - 2, s->machine_tail, tail) &&
	    !strcmp(sb.s + sb.len - 2, "}\n"))
		sb.len -= tail + 2;
	else if (!sb.oom && sb.len >= 2)
		sb.len -= 2; /* "}\n" */
	sb_puts(&sb, ",\"path\":\"");
	sb_json_name(&sb, shown, strlen(shown));
	sb_puts(&sb, "\",\"name\":\"");
	sb_json_name(&sb, e->name, strlen(e->name));
	sb_printf(&sb, "\",\"will_load\":%s", will_load_word(e));
	/* check's object names a signer only for a module it could read */
	if (!strstr(sb.s ? sb.s : "", ",\"signer\":"))
		sb_puts(&sb, ",\"signer\":null");
	sb_printf(&sb, ",\"mok_deletion_pending\":%s",
		  e->mokdel ? "true" : "false");
	if (s->mrm)
		sb_printf(&sb, ",\"stops_if_removed\":%s",
			  e->rm_by ? "true" : "false");
	if (s->mon)
		sb_printf(&sb, ",\"stops_with_secure_boot\":%s",
			  e->sb_stops == SB_STOPS    ? "true" :
			  e->sb_stops == SB_MAY_STOP ? "null" :
						       "false");
	sb_puts(&sb, "}");
	if (sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	return sb.s;
}

/* Would it still load with Secure Boot on? 0, SB_STOPS, or SB_MAY_STOP
 * (unknown then). Only a module that loads now
 * can stop; one whose key the kernel trusts and whose signature is good
 * loads either way (no second signature check for those). */
static int stops_with_secure_boot(const struct status_run *s,
				  const struct check_result *r)
{
	struct decision *d;
	int stops;

	if (!s->mon || (r->d.v != V_LOAD && r->d.v != V_LOAD_WARN) ||
	    !strcmp(r->d.reason, "trusted-key"))
		return 0;
	d = malloc(sizeof(*d));
	if (!d)
		return SB_MAY_STOP; /* out of memory: cannot tell */
	decide(s->mon, s->pon, &r->f, d);
	stops = d->v == V_LOAD || d->v == V_LOAD_WARN ? 0 :
		d->v == V_UNKNOWN		      ? SB_MAY_STOP :
							SB_STOPS;
	free(d);
	return stops;
}

/* Would it stop loading once a --removing certificate left MOK? Its
 * index + 1, or 0. The same question as a deletion waiting in MokDel, so
 * it is asked the same way: decided again on s->mrm, whose MokDel holds
 * the --removing certificates, verdict.c's deletion_pending says (a key
 * built into the kernel, or one MokListRT does not hold, stays). Only a
 * module that loads now, and whose signer one of them names, is asked. */
static size_t stops_if_removed(const struct status_run *s,
			       const struct check_result *r)
{
	const struct cert_list *l = s->mrm ? &s->mrm->mokdel : NULL;
	struct decision *d;
	size_t i;
	int stops;

	if (!l || (r->d.v != V_LOAD && r->d.v != V_LOAD_WARN) ||
	    r->f.sig != MODSIG_SIGNED)
		return 0;
	for (i = 0; i < l->n && !cert_names_signer(&l->certs[i], &r->f.sid);
	     i++)
		;
	if (i == l->n)
		return 0;
	d = malloc(sizeof(*d));
	if (!d)
		return i + 1; /* out of memory: say it may stop */
	decide(s->mrm, s->p, &r->f, d);
	stops = d->deletion_pending && d->trust == TRUST_YES;
	free(d);
	return stops ? i + 1 : 0;
}

static unsigned decision_origin(const struct status_run *s,
				const struct check_result *r)
{
	const struct decision *d = &r->d;

	if (d->kkey)
		return kkey_origin(&s->o->known, s->m, d->kkey);
	if (d->cert)
		return cert_origin(&s->o->known, s->m, d->cert);
	return 0;
}

static enum batch_result status_one(struct batch_job *job, const char *path,
				    void *arg, struct errbuf *eb)
{
	struct status_run *s = arg;
	struct entry *e = &s->e[batch_job_index(job)];
	struct check_result *r = malloc(sizeof(*r));
	char fdp[64];
	int oom = 0, fd;

	if (!r) {
		eb_set(eb, "out of memory");
		return BATCH_FAILED;
	}
	/* path is the machine's name of it; below the walked folder, as the
	 * walk found it (no link), and read through that descriptor */
	fd = beneath_open(s->topfd, path + strlen(s->shown_top) + 1, O_PATH);
	if (fd < 0)
		check_open_failed(errno, r);
	else
		check_decide(fd_path(fd, fdp, sizeof(fdp)), path, s->m, s->p,
			     r);
	if (fd >= 0)
		close(fd);
	module_name(path, e->name, sizeof(e->name));
	e->v = r->d.v;
	e->reason = r->d.reason ? r->d.reason : "error";
	if (r->d.v != V_ERROR && !r->f.compressed &&
	    r->f.sig == MODSIG_SIGNED && r->f.desc.has_signer) {
		e->signer = strndup(r->f.desc.signer, r->f.desc.signer_len);
		oom = !e->signer;
	}
	e->line = strdup(r->d.line);
	e->next = strdup(r->d.next);
	if (e->v == V_LOAD && !strcmp(e->reason, "trusted-key"))
		e->origin = decision_origin(s, r);
	e->mokdel = r->d.deletion_pending; /* verdict.c's reading of MokDel */
	e->rm_by = stops_if_removed(s, r);
	e->sb_stops = stops_with_secure_boot(s, r);
	if (s->o->json)
		e->json = entry_json(s, e, r, path);
	e->path = strdup(path);
	check_result_free(r);
	free(r);
	if (oom || !e->line || !e->next || !e->path ||
	    (s->o->json && !e->json)) {
		eb_set(eb, "out of memory");
		return BATCH_FAILED;
	}
	e->done = 1;
	return BATCH_DONE;
}

static void entry_free(struct entry *e)
{
	free(e->path);
	free(e->signer);
	free(e->line);
	free(e->next);
	free(e->json);
}

/* ---- the modules' report ---- */

static int loads(const struct entry *e)
{
	return e->v == V_LOAD || e->v == V_LOAD_WARN;
}

/* Two entries that will not load are in one group when check says the
 * same of them: the same line (verdict, cause, signer) and next step. */
static int same_group(const struct entry *a, const struct entry *b)
{
	return a->v == b->v && !strcmp(a->reason, b->reason) &&
	       !strcmp(a->line, b->line) && !strcmp(a->next, b->next);
}

static void names_text(const struct entry *e, size_t n,
		       int (*pick)(const struct entry *, const struct entry *),
		       const struct entry *like, struct strbuf *sb)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++)
		if (pick(&e[i], like)) {
			sb_puts(sb, any ? ", " : "");
			put_text(sb, e[i].name);
			any = 1;
		}
}

static int in_group(const struct entry *e, const struct entry *like)
{
	return !loads(e) && same_group(e, like);
}

static int sb_stops(const struct entry *e, const struct entry *like)
{
	(void)like;
	return e->sb_stops == SB_STOPS;
}

static int sb_may_stop(const struct entry *e, const struct entry *like)
{
	(void)like;
	return e->sb_stops == SB_MAY_STOP;
}

static int mokdel_stops(const struct entry *e, const struct entry *like)
{
	(void)like;
	return loads(e) && e->mokdel;
}

/* like: an entry whose rm_by is the certificate asked about */
static int removal_stops(const struct entry *e, const struct entry *like)
{
	return e->rm_by && e->rm_by == like->rm_by;
}

/* What a loading module is counted as in the total line. */
static const char *load_kind(const struct entry *e)
{
	const char *by;

	if (e->v == V_LOAD_WARN)
		return !strcmp(e->reason, "unsigned") ?
			       "unsigned, with a warning (taints the kernel)" :
			       "signed by a key it does not trust, with a warning (taints the kernel)";
	if (!strcmp(e->reason, "not-checked"))
		return "unchecked (this kernel does not check signatures)";
	if (!strcmp(e->reason, "not-enforced"))
		return "not enforced (whether the key is trusted is unknown)";
	by = origins_signed_by(e->origin);
	return by ? by : "signed by a key this kernel trusts";
}

/* The modules that will not load, a group per verdict line: its count,
 * its names and its one next step. */
static void groups_text(const struct entry *e, size_t n, struct strbuf *sb)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t count = 0;

		if (loads(&e[i]))
			continue;
		for (j = 0; j < i && !in_group(&e[j], &e[i]); j++)
			;
		if (j < i)
			continue; /* its group is printed already */
		for (j = i; j < n; j++)
			count += in_group(&e[j], &e[i]);
		sb_printf(sb, "  %zu module%s: ", count, count == 1 ? "" : "s");
		put_text(sb, e[i].line);
		sb_puts(sb, "\n    ");
		names_text(e, n, in_group, &e[i], sb);
		sb_puts(sb, "\n    next step: ");
		put_text(sb, e[i].next);
		sb_puts(sb, "\n");
	}
}

/* "N modules will load: ...", by kind, in order of first appearance */
static void loads_total_text(const struct entry *e, size_t n, size_t ok,
			     struct strbuf *sb)
{
	size_t i, j, k;

	sb_printf(sb, "\n%zu module%s will load", ok, ok == 1 ? "" : "s");
	for (i = 0, j = 0; i < n; i++) {
		const char *kind;
		size_t count = 0;

		if (!loads(&e[i]))
			continue;
		kind = load_kind(&e[i]);
		for (k = 0; k < i; k++)
			if (loads(&e[k]) && !strcmp(load_kind(&e[k]), kind))
				break;
		if (k < i)
			continue;
		for (k = i; k < n; k++)
			count += loads(&e[k]) &&
				 !strcmp(load_kind(&e[k]), kind);
		sb_printf(sb, "%s%zu %s", j++ ? ", " : ": ", count, kind);
	}
	sb_puts(sb, "\n");
}

/* "<when> these N modules <what>: NAMES", for the modules pick() picks
 * (its second argument: like) */
static void change_text(const char *when, const char *what, size_t count,
			const struct entry *e, size_t n,
			int (*pick)(const struct entry *, const struct entry *),
			const struct entry *like, struct strbuf *sb)
{
	sb_printf(sb, "%s %s %zu module%s %s: ", when,
		  count == 1 ? "this" : "these", count, count == 1 ? "" : "s",
		  what);
	names_text(e, n, pick, like, sb);
	sb_puts(sb, "\n");
}

/* Why removing c stops nothing for sure: it is not MOK's to remove. */
static const char *removal_note(const struct machine *m,
				const struct cert_id *c)
{
	if (list_has_cert(&m->builtin, c))
		return " (it is built into the kernel)";
	if ((m->moklist.status == LIST_OK ||
	     m->moklist.status == LIST_ABSENT) &&
	    !list_has_cert(&m->moklist, c))
		return " (it is not enrolled in MOK)";
	return "";
}

/* The paths of the modules that stop loading without the --removing
 * certificate like->rm_by names: what to re-sign, as the machine names
 * them (the other lines give names; these are files to act on). */
static void removal_paths_text(const struct status_run *s, size_t n,
			       const struct entry *like, struct strbuf *sb)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++)
		if (removal_stops(&s->e[i], like)) {
			sb_puts(sb, any ? ", " : "");
			put_text(sb, s->e[i].path);
			any = 1;
		}
	sb_puts(sb, "\n");
}

/* One line per --removing certificate, each starting "if MOK loses ":
 * "if MOK loses NAME (key id ID), these N modules will stop loading:
 * PATHS" or "if MOK loses NAME (key id ID), no module will stop loading". */
static void removing_text(const struct status_run *s, size_t n,
			  struct strbuf *sb)
{
	const struct cert_list *l = &s->o->rm;
	struct strbuf when;
	struct entry like = { 0 };
	size_t i, j, count;

	for (i = 0; i < l->n; i++) {
		const uint8_t *id;
		size_t idn;

		like.rm_by = i + 1;
		for (j = 0, count = 0; j < n; j++)
			count += removal_stops(&s->e[j], &like);
		cert_keyid(&l->certs[i], &id, &idn);
		sb_init(&when);
		sb_puts(&when, "if MOK loses ");
		put_text(&when, l->certs[i].cn);
		sb_puts(&when, " (key id ");
		put_hex(&when, id, idn);
		sb_puts(&when, "),");
		if (when.oom) {
			sb->oom = 1;
		} else if (count) {
			sb_printf(sb, "%s %s %zu module%s will stop loading: ",
				  when.s, count == 1 ? "this" : "these", count,
				  count == 1 ? "" : "s");
			removal_paths_text(s, n, &like, sb);
		} else {
			sb_printf(sb, "%s no module will stop loading%s\n",
				  when.s, removal_note(s->m, &l->certs[i]));
		}
		sb_free(&when);
	}
}

static void modules_text(const struct status_run *s, size_t n,
			 struct strbuf *sb)
{
	static const char sb_on[] = "if you turn Secure Boot on,";
	const struct entry *e = s->e;
	size_t i, bad = 0, stops = 0, mays = 0, dels = 0;

	for (i = 0; i < n; i++) {
		bad += !loads(&e[i]);
		stops += e[i].sb_stops == SB_STOPS;
		mays += e[i].sb_stops == SB_MAY_STOP;
		dels += loads(&e[i]) && e[i].mokdel;
	}
	sb_printf(sb, "\nmodules in %s: %zu\n", s->shown_top, n);
	if (bad)
		sb_printf(
			sb,
			"\n%zu module%s will not load (or cannot be known to):\n",
			bad, bad == 1 ? "" : "s");
	groups_text(e, n, sb);
	loads_total_text(e, n, n - bad, sb);
	if (dels)
		change_text(
			"after the next boot, if the deletion waiting in MokManager is confirmed,",
			"will stop loading", dels, e, n, mokdel_stops, NULL,
			sb);
	removing_text(s, n, sb);
	if (!s->mon)
		return;
	if (stops)
		change_text(sb_on, "will stop loading", stops, e, n, sb_stops,
			    NULL, sb);
	else if (!mays)
		sb_printf(sb, "%s no module that loads now will stop loading\n",
			  sb_on);
	if (mays)
		change_text("if you turn Secure Boot on, whether",
			    "will still load cannot be told", mays, e, n,
			    sb_may_stop, NULL, sb);
}

/* ,"removing":[{name, key_id, in_mok, modules_stopping}, ...] */
static void removing_json(const struct status_run *s, size_t n,
			  struct strbuf *sb)
{
	const struct cert_list *l = &s->o->rm;
	const struct machine *m = s->m;
	struct entry like = { 0 };
	size_t i, j, count;

	sb_puts(sb, ",\n\"removing\":[");
	for (i = 0; i < l->n; i++) {
		const struct cert_id *c = &l->certs[i];
		const uint8_t *id;
		size_t idn;

		like.rm_by = i + 1;
		for (j = 0, count = 0; j < n; j++)
			count += removal_stops(&s->e[j], &like);
		cert_keyid(c, &id, &idn);
		sb_puts(sb, i ? ",{\"name\":\"" : "{\"name\":\"");
		sb_json_str(sb, c->cn, strlen(c->cn));
		sb_puts(sb, "\",\"key_id\":\"");
		put_hex(sb, id, idn);
		sb_printf(sb, "\",\"in_mok\":%s,\"modules_stopping\":%zu}",
			  m->moklist.status != LIST_OK &&
					  m->moklist.status != LIST_ABSENT ?
				  "null" :
			  list_has_cert(&m->moklist, c) ? "true" :
							  "false",
			  count);
	}
	sb_puts(sb, "]");
}

static void modules_json(const struct status_run *s, size_t n,
			 struct strbuf *sb)
{
	size_t i, c[3] = { 0, 0, 0 }, rm = 0;

	sb_puts(sb, ",\"modules\":[");
	for (i = 0; i < n; i++) {
		const char *w = will_load_word(&s->e[i]);

		sb_puts(sb, i ? ",\n" : "\n");
		sb_puts(sb, s->e[i].json);
		c[w[0] == 't' ? 0 : w[0] == 'f' ? 1 : 2]++;
		rm += s->e[i].rm_by != 0;
	}
	sb_printf(
		sb,
		"],\n\"summary\":{\"modules\":%zu,\"will_load\":%zu,\"will_not_load\":%zu,\"unknown\":%zu",
		n, c[0], c[1], c[2]);
	sb_puts(sb, ",\"secure_boot_prediction\":");
	sb_puts(sb, s->mon ? "true" : "false");
	sb_printf(sb, ",\"stops_if_removed\":%zu", rm);
	sb_puts(sb, "}}\n");
}

/* ---- the command ---- */

static int status_args(int argc, char *argv[], struct status_opts *o)
{
	enum { OPT_ROOT = 256, OPT_RELEASE, OPT_JSON, OPT_REMOVING };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "jobs", required_argument, NULL, 'j' },
		{ "cert", required_argument, NULL, 'c' },
		{ "removing", required_argument, NULL, OPT_REMOVING },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	while ((c = getopt_long(argc, argv, ":c:j:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o->json = 1;
			break;
		case 'j':
			r = batch_option("status", c, optarg, &o->jobs, NULL);
			if (r != EXIT_OK)
				return r;
			break;
		case 'c':
			o->certs[o->ncerts++] = optarg;
			break;
		case OPT_REMOVING:
			if (!*optarg)
				return modsign_usage_error(
					"status",
					"--removing needs a certificate file");
			o->removing[o->nremoving++] = optarg;
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
			return modsign_bad_option("status", c, argv);
		}
	}
	if (optind < argc)
		return modsign_usage_error("status", "unexpected argument '%s'",
					   argv[optind]);
	if (o->root && !*o->root)
		return modsign_usage_error("status", "--root needs a folder");
	return -1;
}

/* Reads the --removing certificates into o->rm. -1 to go on; else the
 * exit status, after saying why: 1 for a file that cannot be read (as for
 * --cert), 2 for one that is not a certificate (the wrong file given). */
static int read_removing(struct status_opts *o)
{
	STACK_OF(X509) *certs = NULL;
	struct file_buf fb;
	struct errbuf eb;
	int i, j, n, rc = -1;

	o->rm.status = LIST_OK;
	for (i = 0; i < o->nremoving && rc == -1; i++) {
		const char *path = o->removing[i];

		/* as every file modsign reads: a regular file (a FIFO is
		 * refused, never waited on), within the size limit */
		if (read_file(path, &fb, &eb)) {
			modsign_error("%s: %s", path, eb.msg);
			return EXIT_FAILED;
		}
		certs = sk_X509_new_null();
		if (!certs) {
			file_buf_free(&fb);
			modsign_error("out of memory");
			return EXIT_FAILED;
		}
		n = certs_from_data(fb.data, fb.len, certs, &eb);
		file_buf_free(&fb);
		if (n < 0) {
			ERR_clear_error();
			rc = modsign_usage_error(
				"status",
				"--removing %s: %s: give the certificate (DER or PEM) of the key whose removal from MOK to weigh, such as %s",
				path, eb.msg, kit_step(STEP_KIT_CERT));
		}
		for (j = 0; rc == -1 && j < sk_X509_num(certs); j++) {
			struct cert_id c;

			if (cert_id_from_x509(sk_X509_value(certs, j), path, &c,
					      &eb)) {
				modsign_error("%s: %s", path, eb.msg);
				rc = EXIT_FAILED;
			} else if (cert_list_add(&o->rm, &c)) {
				modsign_error("out of memory");
				rc = EXIT_FAILED;
			}
		}
		sk_X509_pop_free(certs, X509_free);
	}
	return rc;
}

/* The machine with Secure Boot on, as a kernel with
 * CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT (Debian's) would run: booted through
 * UEFI, lockdown integrity at least. The same keys: a copy sharing the
 * lists (never freed through it). */
static void with_secure_boot(const struct machine *m, struct machine *on)
{
	memcpy(on, m, sizeof(*on));
	on->efi = TRI_YES;
	on->secure_boot = TRI_YES;
	on->setup_mode = TRI_NO;
	if (on->lockdown != LOCKDOWN_CONFIDENTIALITY)
		on->lockdown = LOCKDOWN_INTEGRITY;
}

/* Reads the machine and the certificates; -1 after an error message, or
 * the exit status of a usage error (> 0). */
static int status_machine(struct status_opts *o, struct machine *m)
{
	int rc;

	machine_read(m, o->root, o->release);
	machine_read_builtin(m);
	if (o->release && !m->has_release)
		return modsign_usage_error(
			"status", "--release '%s' is not a kernel release",
			o->release);
	if (!m->has_release)
		return modsign_usage_error(
			"status",
			"the running release is unknown (%s): give --release R",
			m->release_src);
	rc = check_add_certs(m, o->certs, o->ncerts);
	known_certs_read(m, &o->known);
	return rc;
}

/* decides every module of files on o->jobs threads into s->e */
static int status_modules(struct status_run *s, struct path_list *files)
{
	struct batch_counts bc;
	size_t i;

	s->e = calloc(files->n ? files->n : 1, sizeof(*s->e));
	if (!s->e) {
		modsign_error("out of memory for %zu modules", files->n);
		return -1;
	}
	if (batch_run(files->v, files->n, s->o->jobs, "checking", status_one,
		      NULL, s, &bc))
		return -1;
	if (bc.interrupted || bc.failed) {
		modsign_error("%zu module%s not checked%s",
			      bc.not_started + bc.failed,
			      bc.not_started + bc.failed == 1 ? "" : "s",
			      bc.interrupted ? ": interrupted" : "");
		return -1;
	}
	for (i = 0; i < files->n; i++)
		if (!s->e[i].done)
			return -1;
	return 0;
}

static int status_report(struct status_run *s, size_t n)
{
	struct strbuf out;
	size_t i;
	int rc = EXIT_OK;

	sb_init(&out);
	if (s->o->json) {
		sb_puts(&out, "{\"modsign_status\":1");
		status_machine_json(&s->o->known, s->m, s->p, &out);
		removing_json(s, n, &out);
		modules_json(s, n, &out);
	} else {
		status_machine_text(&s->o->known, s->m, s->p, &out);
		modules_text(s, n, &out);
	}
	for (i = 0; i < n; i++)
		if (!loads(&s->e[i]))
			rc = EXIT_FAILED;
	if (modsign_emit(&out, "status") || modsign_flush())
		rc = EXIT_FAILED;
	return rc;
}

static int status_main(int argc, char *argv[])
{
	struct status_opts o = { 0 };
	struct status_run s = { 0 };
	struct machine *m = NULL, *on = NULL, *rm = NULL;
	struct policy p, pon;
	struct path_list files = { 0 };
	struct strbuf mt;
	char shown[512], dir[MS_PATH + 512], why[MS_WHY + MS_PATH];
	size_t i;
	int rc, topfd = -1;

	o.certs = calloc((size_t)argc + 1, sizeof(*o.certs));
	o.removing = calloc((size_t)argc + 1, sizeof(*o.removing));
	m = calloc(1, sizeof(*m));
	on = calloc(1, sizeof(*on));
	rm = calloc(1, sizeof(*rm));
	sb_init(&mt);
	if (!o.certs || !o.removing || !m || !on || !rm) {
		modsign_error("out of memory");
		rc = EXIT_FAILED;
		goto out_free;
	}
	rc = status_args(argc, argv, &o);
	if (rc == -1 && kit_where_detect())
		rc = EXIT_USAGE;
	if (rc == -1)
		rc = read_removing(&o);
	if (rc != -1)
		goto out_free;
	if (!o.jobs)
		o.jobs = batch_default_jobs();
	if (root_usable(o.root, why, sizeof(why))) {
		modsign_error("%s", why);
		rc = EXIT_FAILED;
		goto out_free;
	}
	rc = status_machine(&o, m);
	if (rc) {
		rc = rc > 0 ? rc : EXIT_FAILED;
		goto out;
	}
	machine_policy(m, &p);
	s.o = &o;
	s.m = m;
	s.p = &p;
	if (m->secure_boot == TRI_NO || m->efi == TRI_NO) {
		with_secure_boot(m, on);
		machine_policy(on, &pon);
		s.mon = on;
		s.pon = &pon;
	}
	if (o.nremoving) {
		/* the same machine and lists (never freed through rm), with
		 * the --removing certificates as its MokDel */
		memcpy(rm, m, sizeof(*rm));
		memcpy(&rm->mokdel, &o.rm, sizeof(rm->mokdel));
		s.mrm = rm;
	}
	machine_json(m, &p, &mt);
	s.machine_tail = mt.oom ? "" : mt.s;

	snprintf(shown, sizeof(shown), "/lib/modules/%s", m->release);
	snprintf(dir, sizeof(dir), "%s%s", m->live ? "" : m->root, shown);
	/* the folder itself may be a link (to /usr/lib/modules/R, say),
	 * followed inside the root; below it, none is followed */
	topfd = root_open(m->live ? "" : m->root, shown,
			  O_RDONLY | O_DIRECTORY);
	if (topfd < 0 && errno == ENOENT) {
		/* a tree unpacked from Debian's packages, which put modules
		 * in /usr/lib/modules, without merged-/usr's /lib link */
		char usr[sizeof(shown)];

		snprintf(usr, sizeof(usr), "/usr/lib/modules/%s", m->release);
		topfd = root_open(m->live ? "" : m->root, usr,
				  O_RDONLY | O_DIRECTORY);
		if (topfd >= 0) {
			snprintf(shown, sizeof(shown), "%s", usr);
			snprintf(dir, sizeof(dir), "%s%s",
				 m->live ? "" : m->root, shown);
		} else {
			errno = ENOENT; /* what /lib/modules/R said */
		}
	}
	if (topfd < 0 || find_modules(topfd, shown, &files)) {
		modsign_error("%s: %s; no module checked", dir,
			      strerror(errno));
		rc = EXIT_FAILED;
		goto out;
	}
	s.topfd = topfd;
	s.shown_top = shown;
	if (status_modules(&s, &files)) {
		rc = EXIT_FAILED;
		goto out;
	}
	rc = status_report(&s, files.n);
out:
	if (s.e)
		for (i = 0; i < files.n; i++)
			entry_free(&s.e[i]);
	free(s.e);
	path_list_free(&files);
	if (topfd >= 0)
		close(topfd);
	machine_free(m);
out_free:
	sb_free(&mt);
	cert_list_free(&o.rm);
	free(m);
	free(on);
	free(rm);
	free(o.certs);
	free(o.removing);
	return rc;
}

const struct modsign_cmd cmd_status = {
	.name = "status",
	.fn = status_main,
	.help = "the whole machine: keys, MOK requests, and whether every installed module will load",
};
