// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysstate.c - read the machine state `modsign check` decides with, under a
 * root prefix. The parsing is sysparse.c's and keymatch.c's; this file only
 * finds and reads the files, and records why something is unknown.
 */
#include "sysstate.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/keyctl.h>

#include "compress.h"
#include "fileio.h"
#include "keyload.h"
#include "kimage.h"
#include "rootfs.h"

#define EFI_GLOBAL "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define SHIM_GUID "605dab50-e046-4300-abb6-3dd810dd8b23"
#define EFIVARS "/sys/firmware/efi/efivars"
#define MOKVARS "/sys/firmware/efi/mok-variables"
#define MAX_READ (64u << 20) /* no file read here is anywhere near this */

/* The keyrings whose keys the kernel checks module signatures against:
 * builtin and secondary upstream; .machine, linked to secondary, where MOK
 * keys go on Debian's 6.1 and 6.12 alike (measured by the VM suite's
 * post/kit-key-keyring); and .platform (the firmware's db keys), which
 * Debian's kernels also trust for modules. */
static const char *const trusted_rings[] = {
	".builtin_trusted_keys",
	".secondary_trusted_keys",
	".machine",
	".platform",
};
#define N_RINGS ARRAY_SIZE(trusted_rings)

/* the root every path is resolved in: "" for this machine */
static const char *root_of(const struct machine *m)
{
	return m->live ? "" : m->root;
}

/*
 * Reads path under the root whole. Files in /proc and /sys report no useful size, so
 * this reads until end of file. Returns 0 with a malloc'ed *buf (one spare
 * NUL byte after len), or -1 with errno set.
 */
static int slurp(const struct machine *m, const char *path, uint8_t **buf,
		 size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *b;
	int fd, e;

	*buf = NULL;
	*len = 0;
	/* never wait: a FIFO under --root reads as empty, not forever */
	fd = root_open(root_of(m), path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	b = malloc(cap);
	if (!b) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (cap - n < 2) {
			uint8_t *nb;

			if (cap >= MAX_READ) {
				e = EFBIG;
				goto fail;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
fail:
	close(fd);
	free(b);
	errno = e;
	return -1;
}

static int path_exists(const struct machine *m, const char *path)
{
	struct stat st;

	return root_stat(root_of(m), path, &st) == 0;
}

/* 1: a folder with entries, 0: missing or empty, -1: not listable */
static int dir_has_entries(const struct machine *m, const char *path)
{
	struct dirent *d;
	DIR *dir;
	int found = 0;

	dir = root_opendir(root_of(m), path);
	if (!dir)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			found = 1;
			break;
		}
	closedir(dir);
	return found;
}

/* ---- EFI: Secure Boot, setup mode ---- */

static int read_efivar_u8(const struct machine *m, const char *name, int *val,
			  char *why, size_t whysize)
{
	char path[256];
	uint8_t *b;
	size_t n;
	int v;

	snprintf(path, sizeof(path), EFIVARS "/%s-" EFI_GLOBAL, name);
	if (slurp(m, path, &b, &n)) {
		if (errno == ENOENT) {
			*val = TRI_NO;
			snprintf(why, whysize, "no %s variable", name);
			return 0;
		}
		snprintf(why, whysize, "cannot read %.180s: %s", path,
			 strerror(errno));
		return -1;
	}
	v = efivar_u8(b, n);
	free(b);
	if (v < 0 || v > 1) {
		snprintf(why, whysize, "%.180s is not a 1-byte 0/1 variable",
			 path);
		return -1;
	}
	*val = v;
	return 0;
}

static void read_efi(struct machine *m)
{
	char why[MS_WHY];
	int v;

	m->efi = m->efivars = m->secure_boot = m->setup_mode = TRI_UNKNOWN;
	if (path_exists(m, "/sys/firmware/efi")) {
		m->efi = TRI_YES;
	} else if (path_exists(m, "/sys/firmware")) {
		m->efi = m->efivars = TRI_NO;
		m->secure_boot = m->setup_mode = TRI_NO;
		snprintf(m->sb_why, sizeof(m->sb_why),
			 "no /sys/firmware/efi: not booted through UEFI");
		return;
	} else {
		snprintf(m->sb_why, sizeof(m->sb_why),
			 "no /sys/firmware: cannot tell how it booted");
		return;
	}
	v = dir_has_entries(m, EFIVARS);
	if (v <= 0) {
		snprintf(
			m->sb_why, sizeof(m->sb_why),
			"no EFI variables readable: %s",
			v == 0 ? EFIVARS
				" is empty or missing (efivarfs not mounted?)" :
				 "cannot list " EFIVARS);
		m->efivars = TRI_NO;
		return;
	}
	m->efivars = TRI_YES;
	if (read_efivar_u8(m, "SecureBoot", &m->secure_boot, m->sb_why,
			   sizeof(m->sb_why)))
		m->secure_boot = TRI_UNKNOWN;
	if (read_efivar_u8(m, "SetupMode", &m->setup_mode, why, sizeof(why)))
		m->setup_mode = TRI_UNKNOWN;
}

/* ---- lockdown and sig_enforce ---- */

static void read_lockdown(struct machine *m)
{
	static const char path[] = "/sys/kernel/security/lockdown";
	uint8_t *b;
	size_t n;

	m->lockdown = LOCKDOWN_UNKNOWN;
	if (slurp(m, path, &b, &n)) {
		int e = errno;

		if (e == ENOENT &&
		    dir_has_entries(m, "/sys/kernel/security") == 1) {
			/* securityfs is mounted, but without the lockdown
			 * LSM nothing ever locks the kernel down */
			m->lockdown = LOCKDOWN_NONE;
			snprintf(m->lockdown_why, sizeof(m->lockdown_why),
				 "no lockdown LSM in this kernel");
			return;
		}
		snprintf(m->lockdown_why, sizeof(m->lockdown_why),
			 "cannot read %s: %s", path, strerror(e));
		return;
	}
	m->lockdown = lockdown_parse((const char *)b, n);
	if (m->lockdown == LOCKDOWN_UNKNOWN)
		snprintf(
			m->lockdown_why, sizeof(m->lockdown_why),
			"%s says something else than none/[integrity]/[confidentiality]",
			path);
	free(b);
}

static void read_sig_enforce(struct machine *m)
{
	static const char dir[] = "/sys/module/module/parameters";
	static const char path[] = "/sys/module/module/parameters/sig_enforce";
	uint8_t *b;
	size_t n;

	m->sig_enforce = m->sig_param = TRI_UNKNOWN;
	if (slurp(m, path, &b, &n)) {
		int e = errno;

		if (e == ENOENT && dir_has_entries(m, dir) == 1) {
			/* the parameter exists exactly when the kernel
			 * checks module signatures (CONFIG_MODULE_SIG) */
			m->sig_param = TRI_NO;
			m->sig_enforce = TRI_NO;
			snprintf(
				m->enforce_why, sizeof(m->enforce_why),
				"no sig_enforce parameter: this kernel does not check module signatures");
			return;
		}
		snprintf(m->enforce_why, sizeof(m->enforce_why),
			 "cannot read %s: %s", path, strerror(e));
		return;
	}
	m->sig_param = TRI_YES;
	m->sig_enforce = bool_param_parse((const char *)b, n);
	if (m->sig_enforce == TRI_UNKNOWN)
		snprintf(m->enforce_why, sizeof(m->enforce_why),
			 "%s is neither Y nor N", path);
	free(b);
}

/* The value of a bool parameter on the kernel command line, read as the
 * kernel's kstrtobool does: by its first letter (or "on"/"off"); a bare
 * name is true. */
static int cmdline_bool(const char *v, size_t n)
{
	if (!n)
		return TRI_YES;
	if (strchr("yY1", v[0]))
		return TRI_YES;
	if (strchr("nN0", v[0]))
		return TRI_NO;
	if ((v[0] == 'o' || v[0] == 'O') && n > 1)
		return v[1] == 'n' || v[1] == 'N' ? TRI_YES :
		       v[1] == 'f' || v[1] == 'F' ? TRI_NO :
						    TRI_UNKNOWN;
	return TRI_UNKNOWN;
}

int machine_cmdline_sig_enforce(const struct machine *m, char *why, size_t size)
{
	static const char key[] = "module.sig_enforce";
	const size_t klen = sizeof(key) - 1;
	int found = TRI_NO, given = 0;
	uint8_t *b;
	size_t n, i = 0;

	if (slurp(m, "/proc/cmdline", &b, &n)) {
		snprintf(why, size, "cannot read /proc/cmdline: %s",
			 strerror(errno));
		return -2;
	}
	while (i < n) {
		const char *w = (const char *)b + i;
		size_t wl = strcspn(w, " \t\n");

		if (wl >= klen && !memcmp(w, key, klen) &&
		    (wl == klen || w[klen] == '=')) {
			given = 1;
			found = cmdline_bool(w + klen + (wl > klen),
					     wl - klen - (wl > klen));
		}
		i += wl + 1;
	}
	free(b);
	if (!given)
		return -1;
	if (found == TRI_UNKNOWN) {
		snprintf(why, size, "%s in /proc/cmdline is not a yes or no",
			 key);
		return -2;
	}
	return found;
}

/* ---- release and config ---- */

static void set_release(struct machine *m, const char *r, size_t n,
			const char *src)
{
	while (n && (r[n - 1] == '\n' || r[n - 1] == ' '))
		n--;
	if (n == 0 || n >= sizeof(m->release) || memchr(r, '/', n) ||
	    memchr(r, '\0', n))
		return;
	memcpy(m->release, r, n);
	m->release[n] = '\0';
	m->has_release = 1;
	snprintf(m->release_src, sizeof(m->release_src), "%s", src);
}

static void read_release(struct machine *m, const char *release)
{
	static const char path[] = "/proc/sys/kernel/osrelease";
	struct utsname u;
	uint8_t *b;
	size_t n;

	if (release) {
		set_release(m, release, strlen(release), "--release");
		if (!m->has_release)
			snprintf(m->release_src, sizeof(m->release_src),
				 "--release %s is not a kernel release",
				 release);
		return;
	}
	if (slurp(m, path, &b, &n) == 0) {
		set_release(m, (const char *)b, n, path);
		free(b);
		if (m->has_release)
			return;
	}
	if (m->live && uname(&u) == 0) {
		set_release(m, u.release, strlen(u.release), "uname");
		if (m->has_release)
			return;
	}
	snprintf(m->release_src, sizeof(m->release_src), "cannot read %s%s",
		 path, m->live ? "" : " (give it with --release)");
}

/*
 * Where a release's kernel image and config are: /boot/vmlinuz-R and
 * /boot/config-R, or, from Debian's 7.x kernels (whose packages put
 * nothing under /boot: linux-base's hook links them there on install),
 * /usr/lib/modules/R/vmlinuz and /usr/lib/modules/R/config; /lib/modules/R
 * for a tree that is not merged-/usr. Tried in this order.
 */
static const char *const kfile_fmt[][2] = {
	{ "/boot/vmlinuz-%s", "/boot/config-%s" },
	{ "/usr/lib/modules/%s/vmlinuz", "/usr/lib/modules/%s/config" },
	{ "/lib/modules/%s/vmlinuz", "/lib/modules/%s/config" },
};
#define N_KFILE ARRAY_SIZE(kfile_fmt)

/* the i-th place of the release's image (which 0) or config (which 1) */
static void kfile_path(const struct machine *m, size_t i, int which, char *out,
		       size_t size)
{
	snprintf(out, size, kfile_fmt[i][which], m->release);
}

/* "/boot/config-R, /usr/lib/modules/R/config or /lib/modules/R/config",
 * to say where nothing was found */
static void kfile_places(const struct machine *m, int which, char *out,
			 size_t size)
{
	char p[sizeof(m->release) + 32];
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < N_KFILE && used < size; i++) {
		kfile_path(m, i, which, p, sizeof(p));
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 !i		 ? "" :
					 i + 1 < N_KFILE ? ", " :
							   " or ",
					 p);
	}
}

static void read_config(struct machine *m)
{
	char path[300], places[600];
	uint8_t *b = NULL;
	size_t n, i;
	int e = ENOENT;

	memset(&m->kc, 0, sizeof(m->kc));
	kconfig_parse(NULL, 0, &m->kc);
	if (!m->has_release) {
		snprintf(
			m->config_why, sizeof(m->config_why),
			"the kernel release is unknown, so /boot/config-RELEASE is too");
		return;
	}
	/* the first place that has it; a place that holds something else
	 * than a missing file (unreadable, say) is what is reported */
	for (i = 0; i < N_KFILE; i++) {
		kfile_path(m, i, 1, path, sizeof(path));
		if (slurp(m, path, &b, &n) == 0)
			break;
		if (i == 0 || e == ENOENT)
			e = errno;
	}
	if (i < N_KFILE) {
		kconfig_parse((const char *)b, n, &m->kc);
		free(b);
		if (m->kc.valid) {
			snprintf(m->config_src, sizeof(m->config_src), "%s",
				 path);
			return;
		}
		snprintf(m->config_why, sizeof(m->config_why),
			 "%s holds no CONFIG_ line", path);
		return;
	}
	kfile_places(m, 1, places, sizeof(places));
	/* CONFIG_IKCONFIG_PROC: the config, gzip-compressed */
	if (slurp(m, "/proc/config.gz", &b, &n) == 0) {
		uint8_t *plain;
		size_t plen;
		struct errbuf eb;

		if (comp_decompress(COMP_GZIP, b, n, &plain, &plen, &eb)) {
			snprintf(m->config_why, sizeof(m->config_why),
				 "no %.300s; /proc/config.gz: %.150s", places,
				 eb.msg);
			free(b);
			return;
		}
		free(b);
		kconfig_parse((const char *)plain, plen, &m->kc);
		free(plain);
		if (m->kc.valid) {
			snprintf(m->config_src, sizeof(m->config_src),
				 "/proc/config.gz");
			return;
		}
		snprintf(m->config_why, sizeof(m->config_why),
			 "no %.300s; /proc/config.gz holds no CONFIG_ line",
			 places);
		return;
	}
	snprintf(m->config_why, sizeof(m->config_why),
		 "cannot read %.300s: %s; no /proc/config.gz", places,
		 strerror(e));
}

/* ---- how compressed modules are loaded ---- */

#define DPKG_STATUS "/var/lib/dpkg/status"

/* kmod's version, from the package database under the root: the kmod
 * that loads modules there (modprobe and insmod are links to it) */
static void read_kmod(struct machine *m)
{
	uint8_t *b;
	size_t n;

	m->kmod_major = -1;
	if (slurp(m, DPKG_STATUS, &b, &n)) {
		snprintf(m->kmod_src, sizeof(m->kmod_src),
			 "cannot read " DPKG_STATUS ": %s", strerror(errno));
		return;
	}
	if (!dpkg_installed_version((const char *)b, n, "kmod", m->kmod_version,
				    sizeof(m->kmod_version))) {
		free(b);
		snprintf(m->kmod_src, sizeof(m->kmod_src),
			 "no installed kmod package in " DPKG_STATUS);
		return;
	}
	free(b);
	m->kmod_major = version_major(m->kmod_version);
	if (m->kmod_major < 0)
		snprintf(m->kmod_src, sizeof(m->kmod_src),
			 DPKG_STATUS
			 " gives kmod a version that is not a number");
	else
		snprintf(m->kmod_src, sizeof(m->kmod_src), DPKG_STATUS);
}

/* Whether the kernel decompresses modules itself, and which format: what
 * kmod reads (/sys/module/compression) for the running kernel, else the
 * release's config (CONFIG_MODULE_DECOMPRESS). */
static void read_decompress(struct machine *m)
{
	static const char path[] = "/sys/module/compression";
	const char *fmt;
	uint8_t *b;
	size_t n;
	int e;

	m->kernel_decomp = TRI_UNKNOWN;
	if (m->release_running == TRI_YES) {
		if (slurp(m, path, &b, &n) == 0) {
			fmt = module_compression_parse((const char *)b, n);
			free(b);
			if (fmt) {
				m->kernel_decomp = TRI_YES;
				snprintf(m->kernel_decomp_fmt,
					 sizeof(m->kernel_decomp_fmt), "%s",
					 fmt);
				snprintf(m->kernel_decomp_src,
					 sizeof(m->kernel_decomp_src), "%s",
					 path);
				return;
			}
			snprintf(
				m->kernel_decomp_src,
				sizeof(m->kernel_decomp_src),
				"%s names no format kmod knows (xz, zstd, gzip)",
				path);
			return;
		}
		e = errno;
		if (e == ENOENT && dir_has_entries(m, "/sys/module") == 1) {
			/* kmod then decompresses in user space, whatever
			 * the config says */
			m->kernel_decomp = TRI_NO;
			snprintf(
				m->kernel_decomp_src,
				sizeof(m->kernel_decomp_src),
				"no %s: the running kernel does not decompress modules",
				path);
			return;
		}
		if (e != ENOENT) {
			snprintf(m->kernel_decomp_src,
				 sizeof(m->kernel_decomp_src),
				 "cannot read %s: %s", path, strerror(e));
			return;
		}
	}
	if (!m->kc.valid) {
		snprintf(
			m->kernel_decomp_src, sizeof(m->kernel_decomp_src),
			"%s%.300s",
			m->release_running == TRI_YES ?
				"no /sys/module; and the kernel's config is unknown: " :
				"the kernel's config is unknown: ",
			m->config_why);
		return;
	}
	if (m->kc.module_decompress == TRI_YES && m->kc.module_compress[0]) {
		m->kernel_decomp = TRI_YES;
		snprintf(m->kernel_decomp_fmt, sizeof(m->kernel_decomp_fmt),
			 "%s", m->kc.module_compress);
		snprintf(m->kernel_decomp_src, sizeof(m->kernel_decomp_src),
			 "CONFIG_MODULE_DECOMPRESS=y in %.300s", m->config_src);
		return;
	}
	m->kernel_decomp = TRI_NO;
	snprintf(m->kernel_decomp_src, sizeof(m->kernel_decomp_src),
		 "no CONFIG_MODULE_DECOMPRESS in %.300s", m->config_src);
}

/* ---- /proc/keys ---- */

static int ring_index(const char *name)
{
	size_t i;

	for (i = 0; i < N_RINGS; i++)
		if (!strcmp(name, trusted_rings[i]))
			return (int)i;
	return -1;
}

/* The members of keyring serial through keyctl(KEYCTL_READ); this machine
 * only. Returns how many, or -1. *out is malloc'ed. */
static long ring_members(uint32_t serial, int32_t **out)
{
	long need, got;
	int32_t *ids;

	*out = NULL;
	need = syscall(SYS_keyctl, KEYCTL_READ, (long)(int32_t)serial, NULL,
		       0L);
	if (need < 0)
		return -1;
	ids = malloc(need > 0 ? (size_t)need : 1);
	if (!ids)
		return -1;
	got = syscall(SYS_keyctl, KEYCTL_READ, (long)(int32_t)serial, ids,
		      need);
	if (got < 0 || got > need) {
		free(ids);
		return -1;
	}
	*out = ids;
	return got / (long)sizeof(int32_t);
}

/* On this machine, as root: which trusted keyring holds each key. */
static void attribute_keys(struct machine *m, const uint32_t *ring_serial)
{
	size_t i, k;

	for (i = 0; i < N_RINGS; i++) {
		int32_t *ids;
		long n, j;

		if (!ring_serial[i])
			continue;
		n = ring_members(ring_serial[i], &ids);
		if (n < 0)
			goto undo;
		for (j = 0; j < n; j++)
			for (k = 0; k < m->keys.n; k++)
				if (m->keys.keys[k].k.serial ==
					    (uint32_t)ids[j] &&
				    !m->keys.keys[k].ring)
					m->keys.keys[k].ring = trusted_rings[i];
		free(ids);
	}
	for (k = 0; k < m->keys.n; k++)
		if (!m->keys.keys[k].ring)
			m->keys.keys[k].ring = "";
	m->keys.attributed = 1;
	return;
undo:
	for (k = 0; k < m->keys.n; k++)
		m->keys.keys[k].ring = NULL;
}

static void read_keys(struct machine *m)
{
	static const char path[] = "/proc/keys";
	uint32_t ring_serial[N_RINGS] = { 0 };
	struct pkey k;
	uint8_t *b;
	size_t n, off = 0;
	int r;

	m->keys.status = KEYS_UNREADABLE;
	if (slurp(m, path, &b, &n)) {
		snprintf(m->keys.why, sizeof(m->keys.why), "cannot read %s: %s",
			 path, strerror(errno));
		return;
	}
	while (proc_keys_next((const char *)b, n, &off, &k)) {
		if (k.type == PKEY_KEYRING && (r = ring_index(k.name)) >= 0) {
			ring_serial[r] = k.serial;
			continue;
		}
		if (k.type != PKEY_ASYMMETRIC)
			continue;
		if (m->keys.n % 16 == 0) {
			struct mkey *p = realloc(m->keys.keys,
						 (m->keys.n + 16) * sizeof(*p));

			if (!p) {
				snprintf(m->keys.why, sizeof(m->keys.why),
					 "out of memory reading %s", path);
				free(b);
				return;
			}
			m->keys.keys = p;
		}
		m->keys.keys[m->keys.n].k = k;
		m->keys.keys[m->keys.n].ring = NULL;
		m->keys.n++;
	}
	free(b);
	for (r = 0; r < (int)N_RINGS; r++) {
		size_t used = strlen(m->keys.rings);

		if (ring_serial[r])
			snprintf(m->keys.rings + used,
				 sizeof(m->keys.rings) - used, "%s%s",
				 used ? ", " : "", trusted_rings[r]);
	}
	if (!ring_serial[0]) {
		m->keys.status = KEYS_INCOMPLETE;
		snprintf(
			m->keys.why, sizeof(m->keys.why),
			"%s does not show the kernel's keyrings (.builtin_trusted_keys); it shows them to root only",
			path);
		return;
	}
	m->keys.status = KEYS_OK;
	if (m->live)
		attribute_keys(m, ring_serial);
}

/* ---- MokListRT, MokNew ---- */

/* An EFI variable as efivarfs shows it: 4 attribute bytes, then the data.
 * 1: read and parsed into l, 0: absent, -1: not readable (why in l). */
static int read_efivar_list(struct machine *m, struct cert_list *l,
			    const char *name)
{
	char path[256];
	uint8_t *b;
	size_t n;

	snprintf(path, sizeof(path), EFIVARS "/%s-" SHIM_GUID, name);
	if (slurp(m, path, &b, &n)) {
		if (errno == ENOENT)
			return 0;
		snprintf(l->why, sizeof(l->why), "cannot read %.180s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (n < 4) {
		l->status = LIST_DAMAGED;
		snprintf(l->why, sizeof(l->why),
			 "%.180s is shorter than its 4 attribute bytes", path);
	} else {
		cert_list_parse(l, b + 4, n - 4, name);
	}
	free(b);
	if (!l->src[0])
		snprintf(l->src, sizeof(l->src), "%s", path);
	return 1;
}

static void read_moklist(struct machine *m)
{
	static const char mokvar[] = MOKVARS "/MokListRT";
	struct cert_list *l = &m->moklist;
	char denied[MS_WHY] = "";
	uint8_t *b;
	size_t n;
	int i, r;

	l->status = LIST_UNKNOWN;
	if (m->efi == TRI_NO) {
		l->status = LIST_ABSENT;
		snprintf(l->why, sizeof(l->why), "not booted through UEFI");
		return;
	}
	/* the EFI MOK config table, as the kernel exports it (root only) */
	if (slurp(m, mokvar, &b, &n) == 0) {
		snprintf(l->src, sizeof(l->src), "%s", mokvar);
		cert_list_parse(l, b, n, "MokListRT");
		free(b);
		return;
	}
	if (errno != ENOENT)
		snprintf(denied, sizeof(denied), "cannot read %s: %s", mokvar,
			 strerror(errno));
	if (m->efivars != TRI_YES) {
		snprintf(l->why, sizeof(l->why), "%s",
			 denied[0] ? denied : "no EFI variables readable");
		return;
	}
	/* shim splits a long list into MokListRT, MokListRT1, ... */
	r = read_efivar_list(m, l, "MokListRT");
	for (i = 1; r == 1 && i < 64; i++) {
		char name[32];

		snprintf(name, sizeof(name), "MokListRT%d", i);
		if (read_efivar_list(m, l, name) != 1)
			break;
	}
	if (r == 0) {
		if (denied[0]) {
			snprintf(l->why, sizeof(l->why), "%s", denied);
			return;
		}
		l->status = LIST_ABSENT;
		snprintf(l->why, sizeof(l->why),
			 "no MokListRT variable: not booted through shim?");
	}
	/* r < 0: LIST_UNKNOWN with why set */
}

/* A MOK request waiting for the next boot's MokManager: MokNew (keys to
 * add) or MokDel (keys to delete), both written by mokutil. */
static void read_mok_request(struct machine *m, struct cert_list *l,
			     const char *name)
{
	l->status = LIST_UNKNOWN;
	if (m->efi == TRI_NO) {
		l->status = LIST_ABSENT;
		snprintf(l->why, sizeof(l->why), "not booted through UEFI");
		return;
	}
	if (m->efivars != TRI_YES) {
		snprintf(l->why, sizeof(l->why), "no EFI variables readable");
		return;
	}
	if (read_efivar_list(m, l, name) == 0)
		l->status = LIST_ABSENT;
}

/* the pending requests: MokNew, and MokDel */
static void read_moknew(struct machine *m)
{
	read_mok_request(m, &m->moknew, "MokNew");
	read_mok_request(m, &m->mokdel, "MokDel");
}

/* ---- DKMS ---- */

/* DKMS's own certificate: what it signs with when nothing is configured. */
static void read_dkms_cert(struct machine *m)
{
	struct cert_list *l = &m->dkms;
	struct cert_id c;
	struct errbuf eb;
	uint8_t *b;
	size_t n;

	snprintf(l->src, sizeof(l->src), "%s", DKMS_CERT);
	if (slurp(m, DKMS_CERT, &b, &n)) {
		if (errno == ENOENT || errno == ENOTDIR) {
			l->status = LIST_ABSENT;
			snprintf(l->why, sizeof(l->why), "no %s", DKMS_CERT);
		} else {
			l->status = LIST_UNKNOWN;
			snprintf(l->why, sizeof(l->why), "cannot read %s: %s",
				 DKMS_CERT, strerror(errno));
		}
		return;
	}
	if (cert_id_from_der(b, n, DKMS_CERT, &c, &eb)) {
		l->status = LIST_DAMAGED;
		snprintf(l->why, sizeof(l->why), "%s: %.300s", DKMS_CERT,
			 eb.msg);
		free(b);
		return;
	}
	free(b);
	if (cert_list_add(l, &c)) {
		l->status = LIST_UNKNOWN;
		snprintf(l->why, sizeof(l->why), "out of memory");
		return;
	}
	l->status = LIST_OK;
}

/* the path fmt makes (under the root), in out[size]; -1 when it does not
 * fit. */
static int dkms_path(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int dkms_path(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The entries of a folder that could be DKMS names (packages, versions,
 * arches), one at a time: NULL at the end (or for no folder). */
static const char *next_name(DIR *dir)
{
	struct dirent *d;

	while (dir && (d = readdir(dir)) != NULL)
		if (dkms_name_ok(d->d_name, strlen(d->d_name)))
			return d->d_name;
	return NULL;
}

/* Whether the build folder P/V/R has <file>.ko[.xz|.zst|.gz] in one of
 * its arches' module/ folders. */
static int build_has(const struct machine *m, const char *pk, const char *v,
		     const char *release, const char *file)
{
	static const char *const sfx[] = { ".ko", ".ko.xz", ".ko.zst",
					   ".ko.gz" };
	char p[MS_PATH + 1024];
	struct stat st;
	const char *arch;
	DIR *d;
	size_t i;
	int found = 0;

	if (dkms_path(p, sizeof(p), DKMS_TREE "/%s/%s/%s", pk, v, release))
		return 0;
	d = root_opendir(root_of(m), p);
	while (!found && (arch = next_name(d)) != NULL)
		for (i = 0; i < ARRAY_SIZE(sfx) && !found; i++)
			found = !dkms_path(p, sizeof(p),
					   DKMS_TREE "/%s/%s/%s/%s/module/%s%s",
					   pk, v, release, arch, file,
					   sfx[i]) &&
				root_stat(root_of(m), p, &st) == 0;
	if (d)
		closedir(d);
	return found;
}

/* One package P, version V found with the module: note it, and forget what
 * two different finds disagree on. */
static void note_find(struct dkms_pkg *pkg, int *finds, const char *p,
		      const char *v)
{
	if ((*finds)++ == 0) {
		snprintf(pkg->name, sizeof(pkg->name), "%s", p);
		snprintf(pkg->version, sizeof(pkg->version), "%s", v);
		return;
	}
	if (strcmp(pkg->name, p))
		pkg->name[0] = '\0';
	if (strcmp(pkg->version, v))
		pkg->version[0] = '\0';
}

/* The package named after the module, at the module's version. */
static int named_package(const struct machine *m, const char *name,
			 const char *version, struct dkms_pkg *pkg)
{
	char p[MS_PATH + 512];
	struct stat st;

	if (!name || !version || !dkms_name_ok(name, strlen(name)) ||
	    !dkms_name_ok(version, strlen(version)) ||
	    dkms_path(p, sizeof(p), DKMS_TREE "/%s/%s", name, version) ||
	    root_stat(root_of(m), p, &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(pkg->name, sizeof(pkg->name), "%s", name);
	snprintf(pkg->version, sizeof(pkg->version), "%s", version);
	snprintf(pkg->where, sizeof(pkg->where), DKMS_TREE "/%s/%s", name,
		 version);
	return 1;
}

void dkms_find_package(const struct machine *m, const char *name,
		       const char *file, const char *version,
		       const char *release, struct dkms_pkg *pkg)
{
	char p[MS_PATH + 512];
	const char *pk, *v;
	DIR *top, *pd;
	int finds = 0;

	memset(pkg, 0, sizeof(*pkg));
	if (named_package(m, name, version, pkg) ||
	    named_package(m, file, version, pkg))
		return;
	/* else the one build of this file for this release */
	if (!file || !release || !dkms_name_ok(file, strlen(file)) ||
	    !dkms_name_ok(release, strlen(release)) ||
	    dkms_path(p, sizeof(p), DKMS_TREE))
		return;
	top = root_opendir(root_of(m), p);
	while ((pk = next_name(top)) != NULL) {
		if (dkms_path(p, sizeof(p), DKMS_TREE "/%s", pk))
			continue;
		pd = root_opendir(root_of(m), p);
		while ((v = next_name(pd)) != NULL)
			/* not the kernel-<release>-<arch> links, nor source/ */
			if (strncmp(v, "kernel-", 7) && strcmp(v, "source") &&
			    build_has(m, pk, v, release, file))
				note_find(pkg, &finds, pk, v);
		if (pd)
			closedir(pd);
	}
	if (top)
		closedir(top);
	if (!pkg->name[0])
		pkg->version[0] = '\0';
	else if (pkg->version[0])
		snprintf(pkg->where, sizeof(pkg->where), DKMS_TREE "/%s/%s/%s",
			 pkg->name, pkg->version, release);
	else
		snprintf(pkg->where, sizeof(pkg->where), DKMS_TREE "/%s",
			 pkg->name);
}

/* ---- the kernel image ---- */

/* Whether the release is the running kernel's: /proc/keys then shows the
 * keys its image holds. */
static void read_running(struct machine *m)
{
	struct utsname u;
	uint8_t *b;
	size_t n;

	m->release_running = TRI_UNKNOWN;
	if (!m->has_release)
		return;
	if (strcmp(m->release_src, "--release")) {
		m->release_running = TRI_YES; /* it is where it was read */
		return;
	}
	if (slurp(m, "/proc/sys/kernel/osrelease", &b, &n) == 0) {
		while (n && (b[n - 1] == '\n' || b[n - 1] == ' '))
			n--;
		m->release_running = n == strlen(m->release) &&
						     !memcmp(b, m->release, n) ?
					     TRI_YES :
					     TRI_NO;
		free(b);
	} else if (m->live && uname(&u) == 0) {
		m->release_running = strcmp(u.release, m->release) ? TRI_NO :
								     TRI_YES;
	}
}

/* path under the root whole, a regular file of at most KIMAGE_FILE_MAX
 * bytes: 0 with a malloc'ed *buf, or -1 with errno (EFBIG: larger;
 * EINVAL: not a regular file). */
static int read_image(const struct machine *m, const char *path, uint8_t **buf,
		      size_t *len)
{
	struct stat st;
	size_t n = 0;
	int fd, e;

	*buf = NULL;
	fd = root_open(root_of(m), path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	e = fstat(fd, &st)			   ? errno :
	    !S_ISREG(st.st_mode)		   ? EINVAL :
	    (uint64_t)st.st_size > KIMAGE_FILE_MAX ? EFBIG :
						     0;
	if (!e && !(*buf = malloc(st.st_size ? (size_t)st.st_size : 1)))
		e = ENOMEM;
	while (!e && n < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			e = r < 0 ? errno : EIO; /* shrank while read */
		else
			n += (size_t)r;
	}
	close(fd);
	if (e) {
		free(*buf);
		*buf = NULL;
		errno = e;
		return -1;
	}
	*len = n;
	return 0;
}

/* The certificates built into /boot/vmlinuz-<release>: the key that
 * signed the distribution's modules. */
void machine_read_builtin(struct machine *m)
{
	struct cert_list *l = &m->builtin;
	char why[MS_WHY], img[sizeof(m->release) + 32],
		places[sizeof(m->release) * 3 + 96];
	uint8_t *b = NULL;
	size_t n = 0, i;
	int e = ENOENT;

	if (m->builtin_read)
		return;
	m->builtin_read = 1;
	l->status = LIST_UNKNOWN;
	if (!m->has_release) {
		snprintf(
			l->why, sizeof(l->why),
			"the kernel release is unknown, and with it the kernel image");
		return;
	}
	/* the first place that has a file: /boot, then the 7.x layout */
	for (i = 0; i < N_KFILE; i++) {
		kfile_path(m, i, 0, img, sizeof(img));
		if (read_image(m, img, &b, &n) == 0)
			break;
		e = errno;
		if (e != ENOENT)
			break;
	}
	if (i == N_KFILE) {
		kfile_places(m, 0, places, sizeof(places));
		snprintf(l->src, sizeof(l->src), "/boot/vmlinuz-%s",
			 m->release);
		snprintf(l->why, sizeof(l->why), "cannot read %.400s: %s",
			 places, strerror(e));
		return;
	}
	snprintf(l->src, sizeof(l->src), "%s", img);
	if (!b) {
		if (e == EFBIG)
			snprintf(
				l->why, sizeof(l->why),
				"%.300s is larger than modsign's limit of %d MiB for a kernel image",
				l->src, KIMAGE_FILE_MAX_MIB);
		else if (e == EINVAL)
			snprintf(l->why, sizeof(l->why),
				 "%.300s is not a regular file", l->src);
		else
			snprintf(l->why, sizeof(l->why),
				 "cannot read %.300s: %s", l->src, strerror(e));
		return;
	}
	/* the certificates' source is l->src: it lives as long as m */
	kimage_certs(b, n, l->src, l);
	free(b);
	if (l->status != LIST_OK) {
		snprintf(why, sizeof(why), "%.200s: %.300s", l->src, l->why);
		snprintf(l->why, sizeof(l->why), "%s", why);
	}
}

/* ---- the whole machine ---- */

void machine_read(struct machine *m, const char *root, const char *release)
{
	memset(m, 0, sizeof(*m));
	if (root && *root && strcmp(root, "/")) {
		size_t n = strlen(root);

		while (n > 1 && root[n - 1] == '/')
			n--;
		snprintf(m->root, sizeof(m->root), "%.*s", (int)n, root);
	} else {
		m->live = 1;
	}
	read_efi(m);
	read_lockdown(m);
	read_sig_enforce(m);
	read_release(m, release);
	read_config(m);
	read_keys(m);
	read_moklist(m);
	read_moknew(m);
	read_dkms_cert(m);
	read_running(m);
	read_kmod(m);
	read_decompress(m);
	/* the kernel image is read by machine_read_builtin, when needed */
	m->builtin.status = LIST_UNKNOWN;
	snprintf(m->builtin.why, sizeof(m->builtin.why),
		 "the kernel image was not read");
	m->given.status = LIST_ABSENT;
}

/* the certificates read from path, named source in m->given */
static int add_certs(struct machine *m, const char *path, const char *source,
		     struct errbuf *eb)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	int i, n, ret = -1;

	if (!certs) {
		eb_set(eb, "out of memory");
		return -1;
	}
	n = load_certs(path, certs, eb);
	if (n < 0)
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++) {
		struct cert_id c;

		if (cert_id_from_x509(sk_X509_value(certs, i), source, &c, eb))
			goto out;
		if (cert_list_add(&m->given, &c)) {
			eb_set(eb, "out of memory");
			goto out;
		}
	}
	m->given.status = LIST_OK;
	ret = sk_X509_num(certs);
out:
	sk_X509_pop_free(certs, X509_free);
	return ret;
}

int machine_add_certs(struct machine *m, const char *path, struct errbuf *eb)
{
	return add_certs(m, path, path, eb);
}

int machine_add_root_certs(struct machine *m, const char *path,
			   const char *source, struct errbuf *eb)
{
	char p[64];
	int fd = root_open(root_of(m), path, O_PATH), n;

	if (fd < 0) {
		eb_set(eb, "cannot open: %s", strerror(errno));
		return -1;
	}
	/* read through the descriptor, with read_file's checks */
	n = add_certs(m, fd_path(fd, p, sizeof(p)), source, eb);
	close(fd);
	return n;
}
