// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * finit-compressed: hands a compressed module (.ko.xz, .ko.zst, .ko.gz) to
 * the kernel as it is, with finit_module(MODULE_INIT_COMPRESSED_FILE), so
 * that the kernel's own decompressor (CONFIG_MODULE_DECOMPRESS) reads it.
 * kmod 31 and later load compressed modules this way when the kernel can;
 * Debian 12's kmod 30 decompresses in user space instead, so the VM test
 * needs this to see what the kernel itself takes. A test tool only.
 *
 *   finit-compressed MODULE [PARAMS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4 /* include/uapi/linux/module.h, 5.17+ */
#endif

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: finit-compressed MODULE [PARAMS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "finit-compressed: ERROR: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, argc == 3 ? argv[2] : "",
		    MODULE_INIT_COMPRESSED_FILE) != 0) {
		fprintf(stderr, "finit-compressed: ERROR: %s: %s\n", argv[1],
			strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
