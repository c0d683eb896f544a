/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootfs.h - paths under a root prefix (`--root DIR`), resolved as
 * chroot(DIR) would: an absolute link's target is taken from DIR, and ".."
 * never climbs above it. The kernel does the resolving (openat2(2) with
 * RESOLVE_IN_ROOT, Linux 5.6 and later); where it cannot, --root is
 * refused (root_usable) rather than links followed on the host.
 *
 * root is the folder; "" or NULL means this machine, where paths are
 * opened as they are. path is absolute, as the machine names it
 * ("/proc/keys").
 */
#ifndef MODSIGN_ROOTFS_H
#define MODSIGN_ROOTFS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

/* open(2) of path under root (O_CLOEXEC added): an fd, or -1 with errno */
int root_open(const char *root, const char *path, int flags);

/* stat(2) of what path names under root (links followed, inside it) */
int root_stat(const char *root, const char *path, struct stat *st);

/* opendir(3) of path under root: NULL with errno */
DIR *root_opendir(const char *root, const char *path);

/*
 * beneath_open - name below the folder dirfd, with no symbolic link on the
 * way (ELOOP if one is there), never above dirfd: for files a walk found
 * as regular files, opened later. Falls back to openat with O_NOFOLLOW on
 * a kernel without openat2 (the live machine only: --root is refused
 * there).
 */
int beneath_open(int dirfd, const char *name, int flags);

/*
 * fd_path - "/proc/self/fd/N" in buf[size], the path through which fd's
 * file is opened again, with the checks of fileio.c's readers (regular
 * file, size limits, never waiting), and no path resolved again on the
 * host (as libpathrs reopens its O_PATH handles). NULL when it does not
 * fit.
 */
const char *fd_path(int fd, char *buf, size_t size);

/*
 * root_usable - 0 when paths under root can be resolved inside it (and
 * reopened through /proc/self/fd); else -1 with why[size] saying what
 * is missing and what to do. A root that does not exist is usable: what
 * is under it is then reported missing, as it always was.
 */
int root_usable(const char *root, char *why, size_t size);

#endif
