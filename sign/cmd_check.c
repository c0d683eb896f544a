// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modsign check [--json] [--cert CERT]... FILE... - will each module load
 * on this machine, and if not, what to do. Reads the machine state through
 * sysstate.c (under --root for tests and mounted images), decides each
 * module and writes its part of the report through report_module.c, and
 * the machine's through report_machine.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "kitwhere.h"
#include "modsign.h"
#include "report_machine.h"
#include "report_module.h"
#include "rootfs.h"
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
	rc = check_decide(path, NULL, m, p, r);
	if (wants_builtin(m, r)) {
		machine_read_builtin(m);
		check_result_free(r);
		rc = check_decide(path, NULL, m, p, r);
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
	char why[MS_WHY + MS_PATH];
	int i, rc = EXIT_OK;

	o.certs = calloc((size_t)argc + 1, sizeof(*o.certs));
	if (!o.certs) {
		modsign_error("out of memory");
		return EXIT_FAILED;
	}
	rc = check_args(argc, argv, &o);
	if (rc == -1 && kit_where_detect())
		rc = EXIT_USAGE;
	if (rc != -1) {
		free(o.certs);
		return rc;
	}
	rc = EXIT_OK;
	if (o.root && root_usable(o.root, why, sizeof(why))) {
		modsign_error("%s", why);
		free(o.certs);
		return EXIT_FAILED;
	}
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
