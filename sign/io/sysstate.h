/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysstate.h - what `modsign check` reads about the running machine: Secure
 * Boot and setup mode (EFI variables), lockdown, module.sig_enforce, the
 * kernel's config and release, the keys the kernel trusts (/proc/keys) and
 * the MOK lists (MokListRT, and MokNew for a pending enrollment),
 * DKMS's own certificate (/var/lib/dkms/mok.pub), and how a compressed
 * module reaches the kernel (kmod's version from /var/lib/dpkg/status;
 * /sys/module/compression, or CONFIG_MODULE_DECOMPRESS for a release that
 * is not running). The kernel's config and image are looked for in /boot,
 * then in /usr/lib/modules/R and /lib/modules/R (Debian's 7.x layout).
 *
 * Every path is resolved under a root prefix ("" for this machine; a folder
 * for the tests or a mounted image), inside it as chroot would (rootfs.h). What cannot be read is recorded as
 * unknown, with the reason, and never guessed.
 */
#ifndef MODSIGN_SYSSTATE_H
#define MODSIGN_SYSSTATE_H

#include "machine.h"

/*
 * machine_read - fill *m from the machine under root ("" or NULL: this
 * one). release, when not NULL, is the kernel release to assume instead of
 * the one the machine reports. Never fails: what is not readable is
 * recorded as unknown. machine_free releases it.
 */
void machine_read(struct machine *m, const char *root, const char *release);

/*
 * machine_read_builtin - fill m->builtin from /boot/vmlinuz-<release>,
 * else /usr/lib/modules/<release>/vmlinuz or /lib/modules/<release>/
 * vmlinuz, under the root (the first call only; later ones return at
 * once); m->builtin.src names the file read.
 * Decompressing the image takes about a second, so machine_read leaves it
 * out: `check` calls this only for a signer no other list names, `status`
 * always.
 */
void machine_read_builtin(struct machine *m);

/* Adds the certificates in path (DER, several DER, or PEM) to m->given.
 * Returns how many, or -1 with *eb. */
int machine_add_certs(struct machine *m, const char *path, struct errbuf *eb);

/* The same for path under m's root (resolved inside it, as every path
 * here is: rootfs.h); source names them in m->given, and must live as long
 * as m. */
int machine_add_root_certs(struct machine *m, const char *path,
			   const char *source, struct errbuf *eb);

/* module.sig_enforce on the kernel command line (/proc/cmdline under the
 * root), the last one given: TRI_YES or TRI_NO; -1 when it is not given,
 * -2 when that cannot be told (why[size] says why). */
int machine_cmdline_sig_enforce(const struct machine *m, char *why,
				size_t size);

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
