// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kitwhere.c - is this modsign a clone's build or an installed one? Its
 * next steps name make's targets in a clone and modsign-kit's verbs
 * installed (core/kitwords.c holds the words).
 */
#include "kitwhere.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kitwords.h"
#include "msg.h"

/* how many folders up from the executable's a clone's sign/ may be:
 * sign/modsign, sign/build/asan/modsign */
#define SIGN_DEPTH 3

static int regular_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	return n > 0 && (size_t)n < sizeof(path) && !stat(path, &st) &&
	       S_ISREG(st.st_mode);
}

/* exe, an absolute path with no link: below X/sign/ with the kit's files
 * in X */
static int in_a_clone(char *exe)
{
	char *slash;
	int depth;

	/* the executable's folder, then up to SIGN_DEPTH - 1 above it */
	for (depth = 0; depth < SIGN_DEPTH; depth++) {
		slash = strrchr(exe, '/');
		if (!slash || slash == exe)
			return 0;
		*slash = '\0';
		slash = strrchr(exe, '/');
		if (!slash || strcmp(slash + 1, "sign"))
			continue;
		*slash = '\0';
		if (regular_file(slash == exe ? "/" : exe, "Makefile") &&
		    regular_file(slash == exe ? "/" : exe,
				 "scripts/modsign-kit"))
			return 1;
		*slash = '/';
	}
	return 0;
}

int kit_where_detect(void)
{
	const char *env = getenv("MODSIGN_ADVICE");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		if (!strcmp(env, "clone")) {
			kit_words_set(KIT_CLONE);
		} else if (!strcmp(env, "installed")) {
			kit_words_set(KIT_INSTALLED);
		} else {
			modsign_error(
				"MODSIGN_ADVICE=%s: give clone or installed (the words of the next steps), or unset it",
				env);
			return EXIT_USAGE;
		}
		return 0;
	}
	/* unreadable (no /proc): installed, the words that need no clone */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1) {
		kit_words_set(KIT_INSTALLED);
		return 0;
	}
	exe[n] = '\0';
	kit_words_set(exe[0] == '/' && in_a_clone(exe) ? KIT_CLONE :
							 KIT_INSTALLED);
	return 0;
}
