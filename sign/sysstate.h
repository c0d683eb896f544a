/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysstate.h - what `modsign check` reads about the running machine: Secure
 * Boot and setup mode (EFI variables), lockdown, module.sig_enforce, the
 * kernel's config and release, the keys the kernel trusts (/proc/keys) and
 * the MOK lists (MokListRT, and MokNew for a pending enrollment), and
 * DKMS's own certificate (/var/lib/dkms/mok.pub).
 *
 * Every path is resolved under a root prefix ("" for this machine; a folder
 * for the tests or a mounted image). What cannot be read is recorded as
 * unknown, with the reason, and never guessed.
 */
#ifndef MODSIGN_SYSSTATE_H
#define MODSIGN_SYSSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "keymatch.h"
#include "sysparse.h"

#define MS_WHY KM_WHY
#define MS_PATH KM_PATH

/* An asymmetric key from /proc/keys. */
struct mkey {
	struct pkey k;
	/* the module-trusted keyring it sits in, "" when it is in none of
	 * them, NULL when that could not be found out (then every listed
	 * asymmetric key counts as trusted) */
	const char *ring;
};

enum keys_status {
	KEYS_UNREADABLE = 0, /* /proc/keys missing or unreadable */
	KEYS_INCOMPLETE, /* readable, but the kernel's keyrings hidden */
	KEYS_OK,
};

struct keys_state {
	enum keys_status status;
	char why[MS_WHY]; /* for KEYS_UNREADABLE / KEYS_INCOMPLETE */
	struct mkey *keys;
	size_t n;
	int attributed; /* keyring membership known (keyctl, this machine) */
	char rings[128]; /* the module-trusted keyrings seen, ", "-separated */
};

struct machine {
	char root[MS_PATH]; /* "" for this machine */
	int live; /* no --root: uname and keyctl may be used */

	int efi; /* TRI: booted through UEFI (/sys/firmware/efi) */
	int efivars; /* TRI: EFI variables readable */
	int secure_boot; /* TRI */
	int setup_mode; /* TRI */
	char sb_why[MS_WHY];

	enum lockdown lockdown;
	char lockdown_why[MS_WHY];

	int sig_enforce; /* TRI: module.sig_enforce */
	int sig_param; /* TRI: the parameter exists (CONFIG_MODULE_SIG) */
	char enforce_why[MS_WHY];

	int has_release;
	char release[256];
	char release_src[MS_WHY];

	struct kconfig kc; /* kc.valid 0: not found */
	char config_src[MS_PATH];
	char config_why[MS_WHY];

	struct keys_state keys;
	struct cert_list moklist; /* MokListRT */
	struct cert_list moknew; /* MokNew */
	struct cert_list given; /* --cert files */
	/* DKMS's own certificate, /var/lib/dkms/mok.pub (DER), made by DKMS
	 * when no key is configured; LIST_ABSENT when there is none */
	struct cert_list dkms;
};

/* The DKMS package a module came from, as `dkms -m NAME -v VERSION` wants
 * it; "" where it is not known for sure. */
struct dkms_pkg {
	char name[128];
	char version[128];
	char where[640]; /* the folder that says so, root-relative */
};

#define DKMS_TREE "/var/lib/dkms"
#define DKMS_CERT DKMS_TREE "/mok.pub"

/*
 * machine_read - fill *m from the machine under root ("" or NULL: this
 * one). release, when not NULL, is the kernel release to assume instead of
 * the one the machine reports. Never fails: what is not readable is
 * recorded as unknown. machine_free releases it.
 */
void machine_read(struct machine *m, const char *root, const char *release);
void machine_free(struct machine *m);

/* Adds the certificates in path (DER, several DER, or PEM) to m->given.
 * Returns how many, or -1 with *eb. */
int machine_add_certs(struct machine *m, const char *path, struct errbuf *eb);

/*
 * dkms_find_package - which DKMS package built the module named name (its
 * modinfo name, or its file name without .ko...; either may be NULL), of
 * version (modinfo version, or NULL), for the kernel release: the folder
 * /var/lib/dkms/<name>/<version> when it exists, else the one build under
 * /var/lib/dkms/<package>/<version>/<release>/<arch>/module/ that holds
 * <file>.ko[.xz|.zst|.gz]. Fills what it finds for sure into *pkg (fields
 * it cannot tell stay ""). Reads under m->root.
 */
void dkms_find_package(const struct machine *m, const char *name,
		       const char *file, const char *version,
		       const char *release, struct dkms_pkg *pkg);

#endif
