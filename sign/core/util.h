/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - small helpers with no I/O: a growable string, an error message
 * buffer that can swallow OpenSSL's error queue, and text/JSON escaping.
 */
#ifndef MODSIGN_UTIL_H
#define MODSIGN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The number of elements of an array (not of a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The value of one hexadecimal digit, or -1 if c is not one. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A growable NUL-terminated string. On allocation failure it stops growing
 * and sets oom; the text written so far stays valid. */
struct strbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "AB:CD:01", uppercase, colon separated, as modinfo prints key ids */
void sb_hex_colon(struct strbuf *sb, const uint8_t *p, size_t n);
/* s[0..n) as the inside of a JSON string (quotes not included) */
void sb_json_str(struct strbuf *sb, const char *s, size_t n);
/*
 * s[0..n), a file name, as the inside of a JSON string that keeps every
 * name apart: each byte that is not part of valid UTF-8, and each
 * backslash, as the four characters \xNN (two lowercase hex digits, as
 * the text output writes them; in the JSON text "\\xNN"); the rest as
 * sb_json_str writes it. Replacing each \xNN of the decoded string by the
 * byte NN gives the name back.
 */
void sb_json_name(struct strbuf *sb, const char *s, size_t n);
/* s[0..n) for a terminal: control bytes and invalid UTF-8 as \xNN */
void sb_text_str(struct strbuf *sb, const char *s, size_t n);

/* An error message in a fixed buffer. */
#define ERRBUF_SIZE 1024
struct errbuf {
	char msg[ERRBUF_SIZE];
};

void eb_set(struct errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * eb_ossl - set the message to fmt, then append every entry of OpenSSL's
 * error queue (": reason (library); reason ..."), emptying the queue.
 * Like the kernel's sign-file ERR(): no OpenSSL failure goes unexplained.
 * Call ERR_clear_error() before an operation whose failure it explains, so
 * that old entries do not leak into the message.
 */
void eb_ossl(struct errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The OpenSSL check, in the spirit of sign-file's ERR(): when cond is
 * false, explain with the drained error queue and jump to `out`. */
#define OSSL_CHECK(cond, eb, ...)                   \
	do {                                        \
		if (!(cond)) {                      \
			eb_ossl((eb), __VA_ARGS__); \
			goto out;                   \
		}                                   \
	} while (0)

#endif
