// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msg.c - modsign's error lines on stderr, for the commands and the I/O
 * layer alike (batch.c reports the files of a batch and its options).
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>

void modsign_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep stdout and stderr in order on a terminal */
	fputs("modsign: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int modsign_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "modsign: ERROR: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'modsign %s --help'.\n", cmd);
	return EXIT_USAGE;
}
