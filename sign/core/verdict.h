/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.h - the decision of `modsign check`: will this module load on
 * the machine described by a struct machine, and what to do if not.
 *
 * No I/O: the module's bytes and the machine state go in, a verdict, its
 * reasons and the next step come out, so that the unit tests can drive
 * every branch.
 */
#ifndef MODSIGN_VERDICT_H
#define MODSIGN_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "keymatch.h"
#include "machine.h"
#include "sigcms.h"
#include "trailer.h"

/* How the kernel would treat module signatures on that machine. */
struct policy {
	int checks; /* TRI: it checks module signatures at all */
	int enforced; /* TRI: a missing or untrusted signature is refused */
	char why[KM_WHY]; /* what says so: "sig_enforce=Y, lockdown integrity" */
};

void machine_policy(const struct machine *m, struct policy *p);

enum modsig {
	MODSIG_UNSIGNED, /* no signature the kernel would see */
	MODSIG_SIGNED, /* a PKCS#7 signature the kernel would check */
	MODSIG_DAMAGED, /* a signature the kernel refuses to parse */
	MODSIG_UNSUPPORTED, /* id type not PKCS#7: "unsupported crypto" */
};

/* What a module's bytes say. */
struct modfacts {
	const uint8_t *buf; /* the whole file, for the signature check */
	size_t len;
	const char *error; /* not a module at all: why (then nothing else) */
	const char *compressed; /* "xz", "zstd", "gzip": still compressed */
	const char *container; /* the caller's: the file was compressed so,
				 * buf is what it decompressed to */
	int container_kernel_ok; /* the caller's: comp_kernel_ok() of the file */
	enum modsig sig;
	char sig_note[KM_WHY]; /* why damaged, or what the kernel ignores */
	struct trailer t;
	struct sig_desc desc; /* MODSIG_SIGNED */
	struct signer_id sid; /* MODSIG_SIGNED */
	int has_vermagic; /* 1, 0: no vermagic=, -1: no .modinfo */
	char vermagic[256];
	char modname[128]; /* .modinfo name=, "" when none */
	char modversion[128]; /* .modinfo version=, "" when none */

	/* the caller's: what the file's path and /var/lib/dkms say */
	int dkms_installed; /* in .../updates/dkms/ or in DKMS's own tree */
	char file_stem[128]; /* the file name without .ko[.xz|.zst|.gz] */
	struct dkms_pkg dkms; /* the DKMS package, as far as known */
};

/* Fills *f from a module file's bytes (kept by pointer: buf must outlive
 * the decision). */
void modfacts_read(const uint8_t *buf, size_t len, struct modfacts *f);

/* What the module's path says about DKMS (no I/O: give it the real path):
 * f->file_stem, f->dkms_installed for .../updates/dkms/FILE, and the
 * package and version for DKMS's own tree,
 * /var/lib/dkms/NAME/VERSION/RELEASE/ARCH/module/FILE. */
void dkms_from_path(const char *path, struct modfacts *f);

enum verdict {
	V_LOAD = 0, /* loads cleanly */
	V_LOAD_WARN, /* loads, taints the kernel */
	V_REJECTED,
	V_PENDING, /* rejected until the pending MOK enrollment is done */
	V_UNKNOWN, /* cannot be told from what is readable */
	V_ERROR, /* not a module */
};

enum trust {
	TRUST_NA = 0, /* no signature to trust */
	TRUST_YES,
	TRUST_NO,
	TRUST_UNKNOWN,
};

/* How a compressed module reaches the kernel on the machine. */
enum load_path {
	PATH_PLAIN = 0, /* not compressed: nothing to decompress */
	PATH_KMOD, /* kmod decompresses it in user space (kmod 30 and
		    * earlier, or a kernel that does not decompress this
		    * format) */
	PATH_KERNEL, /* kmod 31 or later hands the file to the kernel's
		      * own decoder (finit_module, MODULE_INIT_COMPRESSED_FILE) */
	PATH_UNKNOWN, /* cannot be told: kmod's version or the kernel's
		       * decompression unknown */
};

/*
 * load_path - which way a module compressed as container ("xz", "zstd",
 * "gzip"; NULL: not compressed) reaches the kernel on m, as kmod decides
 * it (libkmod's do_finit_module: the kernel decompresses a file whose
 * compression is /sys/module/compression's, kmod the rest), and why in
 * why[size].
 */
enum load_path load_path(const struct machine *m, const char *container,
			 char *why, size_t size);

/* "kmod", "kernel", "unknown"; NULL for PATH_PLAIN */
const char *load_path_name(enum load_path p);

/* Why a verdict is DKMS's doing. */
enum dkms_why {
	DKMS_NONE = 0,
	DKMS_KEY_NAME, /* signed by a key named "DKMS module signing key" */
	DKMS_KEY_CERT, /* signed by the key of /var/lib/dkms/mok.pub */
	DKMS_UNSIGNED, /* installed by DKMS, unsigned */
};

/* How the signer was tied to a key the kernel trusts, surest first. */
enum basis {
	BASIS_NONE = 0, /* not tied to any */
	BASIS_CERT, /* by its certificate: the kernel's key is the one of a
		     * certificate the signature names, or the kernel image
		     * holds that certificate in its built-in list */
	BASIS_KEYID, /* the signature's key id (or serial number) is the id
		      * of a key in the kernel's keyrings */
	BASIS_NAME, /* only its name is that of a key the kernel trusts */
};

struct decision {
	enum verdict v;
	const char *reason; /* a fixed word for scripts: "unsigned", ... */
	char line[SIG_MAX_NAME +
		  512]; /* "will be rejected: unsigned"; names a signer */
	char next[1024]; /* the next step */
	char next_alt[512]; /* another way, "" when there is none */
	enum dkms_why dkms; /* DKMS signed it with its own key, or not at all */
	int dkms_optional; /* the module loads all the same (with a taint) */
	char dkms_note[KM_WHY]; /* what DKMS did */
	char dkms_package[1024]; /* which package, as far as known */
	enum trust trust;
	char key[768]; /* where the signing key was (not) found */
	int pending; /* its certificate is in MokNew */
	int enrolled; /* its certificate is in MokListRT */
	int deletion_pending; /* its certificate is in MokDel: MokManager
			       * deletes it at the next boot */
	int builtin; /* its certificate is built into the kernel image */
	int image_newer; /* that image is not the running kernel's build */
	enum basis basis;
	int sig_ok; /* TRI: checked against its certificate */
	char sig_check[KM_WHY];
	int vermagic_ok; /* TRI */
	enum load_path path; /* how the file reaches the kernel */
	char path_why[KM_WHY]; /* what says so */
	const struct cert_id *cert; /* the signer's certificate, if known */
	const struct mkey *kkey; /* the kernel's key for it, if found */
};

void decide(const struct machine *m, const struct policy *p,
	    const struct modfacts *f, struct decision *d);

/* The DKMS next steps of a decision with d->dkms set, from what f says of
 * the package (decide calls it; call it again once f->dkms is filled). */
void dkms_advise(const struct machine *m, const struct modfacts *f,
		 struct decision *d);

/* "own-key", "unsigned", or NULL for DKMS_NONE */
const char *dkms_name(enum dkms_why w);

/* "load", "load-with-warning", "rejected", "pending", "unknown", "error" */
const char *verdict_name(enum verdict v);
/* "certificate", "key-id", "name", "none" */
const char *basis_name(enum basis b);
/* "n/a", "trusted", "untrusted", "unknown" */
const char *trust_name(enum trust t);

#endif
