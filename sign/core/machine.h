/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * machine.h - what `modsign check` knows about a machine: struct machine,
 * the keys it trusts and the DKMS package of a module. Data, and
 * machine_free (core/machine.c): io/sysstate.c fills it from the machine's
 * files, core/verdict.c decides from it, and the unit tests and the fuzzer
 * build it by hand.
 */
#ifndef MODSIGN_MACHINE_H
#define MODSIGN_MACHINE_H

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
	struct cert_list mokdel; /* MokDel: deletions waiting for MokManager
				  * (filled by a following change) */
	struct cert_list given; /* --cert files */
	/* DKMS's own certificate, /var/lib/dkms/mok.pub (DER), made by DKMS
	 * when no key is configured; LIST_ABSENT when there is none */
	struct cert_list dkms;
	/* the certificates built into the kernel image of the release,
	 * /boot/vmlinuz-<release> or /usr/lib/modules/<release>/vmlinuz
	 * (what signed the distribution's modules);
	 * LIST_UNKNOWN when the image could not be read */
	struct cert_list builtin;
	int builtin_read; /* machine_read_builtin has run */
	/* TRI: the release is the running kernel's, so /proc/keys shows that
	 * kernel's keys (no: --release names another one) */
	int release_running;

	/* How a compressed module reaches the kernel. kmod 31 and later
	 * hand a .ko.xz/.ko.zst/.ko.gz whose compression is the kernel's own
	 * to the kernel (finit_module, MODULE_INIT_COMPRESSED_FILE), whose
	 * decoder takes less than user space's; kmod 30 and earlier, or a
	 * kernel that does not decompress, leave it to kmod in user space. */
	int kmod_major; /* kmod's major version, -1 when unknown */
	char kmod_version[64]; /* as the package says it: "34.2-2" */
	char kmod_src[MS_WHY]; /* where it was read, or why it is unknown */
	int kernel_decomp; /* TRI: the kernel decompresses modules */
	char kernel_decomp_fmt[8]; /* its format ("xz") when TRI_YES */
	char kernel_decomp_src[MS_WHY]; /* where that was read, or why it
					 * is unknown */
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

/* Releases what *m owns (its key lists); *m itself stays. */
void machine_free(struct machine *m);

#endif
