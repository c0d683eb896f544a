// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kitwords.c - the one table of the kit's commands that modsign's next
 * steps name: a clone's make words, and modsign-kit's for the same step
 * (KEYDIR=<folder> is --keydir <folder> before the verb, KDIR= --kdir,
 * FROM=X the argument X; make clean sign has none: the module is built
 * again, then signed).
 */
#include "kitwords.h"

#include <stdio.h>
#include <string.h>

#include "machine.h"

static enum kit_where where = KIT_CLONE;

static const char *const words[STEP_COUNT][2] = {
	[STEP_SIGN] = { "make sign", "modsign-kit sign MODULE.ko" },
	[STEP_RESIGN] = {
		"make clean sign",
		"build the module again against the kernel's headers, then modsign-kit sign --kdir <the kernel's headers> MODULE.ko",
	},
	[STEP_REBUILD] = {
		"make clean sign KDIR=/lib/modules/{R}/build",
		"build it against /lib/modules/{R}/build, then modsign-kit sign --kdir /lib/modules/{R}/build MODULE.ko",
	},
	[STEP_ENROLL] = { "make enroll", "sudo modsign-kit enroll" },
	[STEP_DKMS_KEY] = {
		"sudo make dkms-key (in the kit's clone; the kit must be installed: sudo make install-tool)",
		"sudo modsign-kit dkms-key",
	},
	[STEP_ADOPT_DKMS] = {
		"sudo make adopt-key FROM=" DKMS_TREE ", then sudo make enroll",
		"sudo modsign-kit adopt-key " DKMS_TREE ", then sudo modsign-kit enroll",
	},
	[STEP_RSA_KEY] = {
		"make keys KEYDIR=<folder> (RSA is the default), make sign KDIR=<this kernel's headers> KEYDIR=<folder>, then make enroll KEYDIR=<folder>",
		"modsign-kit --keydir <folder> keys (RSA is the default), modsign-kit --keydir <folder> sign --kdir <this kernel's headers> MODULE.ko, then sudo modsign-kit --keydir <folder> enroll",
	},
	[STEP_ROTATE] = { "make rotate", "sudo modsign-kit rotate" },
	[STEP_KIT_CERT] = {
		"keys/signing_key.x509",
		"signing_key.x509 in the folder that modsign-kit keydir prints",
	},
};

void kit_words_set(enum kit_where w)
{
	where = w == KIT_INSTALLED ? KIT_INSTALLED : KIT_CLONE;
}

enum kit_where kit_words_where(void)
{
	return where;
}

const char *kit_step_at(enum kit_where w, enum kit_step s)
{
	if ((unsigned)s >= STEP_COUNT)
		return "";
	return words[s][w == KIT_INSTALLED];
}

const char *kit_step(enum kit_step s)
{
	return kit_step_at(where, s);
}

void kit_step_fill(char *buf, size_t size, enum kit_step s, const char *release)
{
	const char *p = kit_step(s), *mark;
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	while ((mark = strstr(p, "{R}")) != NULL) {
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used,
						 "%.*s%s", (int)(mark - p), p,
						 release);
		p = mark + 3;
	}
	if (used < size)
		snprintf(buf + used, size - used, "%s", p);
}
