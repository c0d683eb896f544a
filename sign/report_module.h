/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report_module.h - what `modsign check` (cmd_check.c) and `modsign
 * status` (cmd_status.c) both do with a module (report_module.c): read and
 * decide it, and write its paragraph (text) or object (JSON). The
 * machine's part of the report: report_machine.h.
 */
#ifndef MODSIGN_REPORT_MODULE_H
#define MODSIGN_REPORT_MODULE_H

#include "fileio.h"
#include "machine.h"
#include "util.h"
#include "verdict.h"

/* One module, read and decided. f.buf points into fb: keep both together
 * until check_result_free. */
struct check_result {
	struct file_buf fb;
	struct errbuf eb;
	int read_failed; /* read_module refused it: fb.fault says why */
	struct modfacts f;
	struct decision d;
};

/*
 * check_decide - read path and decide it against m and p, as `modsign
 * check` does (the DKMS package looked up where the verdict blames DKMS).
 * place: where the module lies, as the machine names it, for what its
 * folders say (updates/dkms/); NULL: path's real path (realpath, which
 * costs a readlink per folder).
 * Prints nothing, touches nothing shared: callable from many threads at
 * once. Returns 0 when the module will load (with or without a taint), -1
 * otherwise. Call check_result_free after, in any case.
 */
int check_decide(const char *path, const char *place, const struct machine *m,
		 const struct policy *p, struct check_result *r);
/* r for a module that could not even be opened (errno err): unreadable,
 * as check_decide says it. Returns -1. */
int check_open_failed(int err, struct check_result *r);
void check_result_free(struct check_result *r);

/* Adds the --cert files to m->given; -1 after an error line for each one
 * that could not be read (the others are added all the same). */
int check_add_certs(struct machine *m, const char **certs, int n);

/* The error message of an r with r->d.v == V_ERROR. */
const char *check_error(const struct check_result *r);

/* one module's paragraph: "NAME: verdict", its fields, its next step */
void module_text(const char *name, const struct modfacts *f,
		 const struct machine *m, const struct decision *d,
		 struct strbuf *sb);
/* one module's JSON object (with the machine in it), and a newline */
void module_json(const char *name, const struct modfacts *f,
		 const struct machine *m, const struct policy *p,
		 const struct decision *d, struct strbuf *sb);

#endif
