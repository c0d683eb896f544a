// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rootfs.c - paths under `--root DIR`, resolved inside DIR by the kernel
 * (openat2 with RESOLVE_IN_ROOT), so that an image's absolute links
 * (/lib/modules/R -> /usr/lib/modules/R, or to a path that exists only on
 * the host) never reach the host's files.
 */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

/* how often a resolution that raced a rename (EAGAIN) is tried again */
#define TRIES 8

static int openat2_retry(int dirfd, const char *path, int flags,
			 unsigned long long resolve)
{
	struct open_how how;
	long fd = -1;
	int i;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = resolve;
	for (i = 0; i < TRIES; i++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		/* O_NONBLOCK: EAGAIN is a lease (fileio.c's "busy"), kept */
		if (fd >= 0 || errno != EAGAIN || (flags & O_NONBLOCK))
			break;
	}
	return (int)fd;
}

int root_open(const char *root, const char *path, int flags)
{
	int rfd, fd, e;

	if (!root || !*root)
		return open(path, flags | O_CLOEXEC);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	fd = openat2_retry(rfd, path, flags,
			   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	e = errno;
	close(rfd);
	errno = e;
	return fd;
}

int root_stat(const char *root, const char *path, struct stat *st)
{
	int fd = root_open(root, path, O_PATH), e;

	if (fd < 0)
		return -1;
	if (fstat(fd, st)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

DIR *root_opendir(const char *root, const char *path)
{
	int fd = root_open(root, path, O_RDONLY | O_DIRECTORY), e;
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int beneath_open(int dirfd, const char *name, int flags)
{
	int fd = openat2_retry(dirfd, name, flags,
			       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				       RESOLVE_NO_MAGICLINKS);

	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

const char *fd_path(int fd, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/self/fd/%d", fd);

	return n < 0 || (size_t)n >= size ? NULL : buf;
}

int root_usable(const char *root, char *why, size_t size)
{
	int rfd, fd;

	if (access("/proc/self/fd", X_OK)) {
		snprintf(
			why, size,
			"/proc/self/fd: %s: modsign reopens the files it finds through it; mount /proc",
			strerror(errno));
		return -1;
	}
	if (!root || !*root)
		return 0;
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return 0;
	fd = openat2_retry(rfd, "/", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		snprintf(
			why, size,
			"--root %s: this kernel has no openat2(2) (%s; Linux 5.6 or later has it), which modsign needs to resolve links inside the root as chroot would; run it inside the image instead (chroot %s modsign ...)",
			root, strerror(errno), root);
		close(rfd);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	close(rfd);
	return 0;
}
