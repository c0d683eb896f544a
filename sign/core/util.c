// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - strings, error messages and escaping; no I/O.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

void sb_init(struct strbuf *sb)
{
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->oom = 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

static int sb_grow(struct strbuf *sb, size_t more)
{
	size_t want, cap;
	char *p;

	if (sb->oom)
		return -1;
	if (more > SIZE_MAX - sb->len - 1)
		goto oom;
	want = sb->len + more + 1;
	if (want <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 128;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(sb->s, cap);
	if (!p)
		goto oom;
	sb->s = p;
	sb->cap = cap;
	return 0;
oom:
	sb->oom = 1;
	return -1;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb_grow(sb, n))
		return;
	if (n)
		memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_hex_colon(struct strbuf *sb, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		char b[3] = { hex[p[i] >> 4], hex[p[i] & 15], ':' };
		sb_add(sb, b, i + 1 < n ? 3 : 2);
	}
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

void sb_json_str(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sb_add(sb, e, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			i++;
		} else if ((k = utf8_len(s + i, n - i)) == 0) {
			sb_puts(sb, "\\ufffd");
			i++;
		} else {
			sb_add(sb, str + i, k);
			i += k;
		}
	}
}

void sb_json_name(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '\\' || (k = utf8_len(s + i, n - i)) == 0) {
			/* the text \xNN, its backslash escaped for JSON */
			sb_printf(sb, "\\\\x%02x", c);
			i++;
		} else if (c == '"') {
			sb_puts(sb, "\\\"");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			i++;
		} else {
			sb_add(sb, str + i, k);
			i += k;
		}
	}
}

void sb_text_str(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' ||
		    (k = utf8_len(s + i, n - i)) == 0) {
			sb_printf(sb, "\\x%02x", s[i]);
			i++;
		} else {
			sb_add(sb, str + i, k);
			i += k;
		}
	}
}

void eb_set(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
}

void eb_ossl(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;
	size_t used;
	unsigned long e;
	const char *data;
	int flags;
	char sep = ':';

	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	used = strlen(eb->msg);

	/* Drain the whole queue, even what does not fit in the message. */
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(e);
		const char *lib = ERR_lib_error_string(e);
		char one[320];

		if (reason)
			snprintf(one, sizeof(one), "%c %s (%s%s%s)", sep,
				 reason, lib ? lib : "OpenSSL",
				 (flags & ERR_TXT_STRING) && data && *data ?
					 ": " :
					 "",
				 (flags & ERR_TXT_STRING) && data ? data : "");
		else
			snprintf(one, sizeof(one), "%c OpenSSL error %08lx",
				 sep, e);
		sep = ';';
		if (used < sizeof(eb->msg) - 1) {
			snprintf(eb->msg + used, sizeof(eb->msg) - used, "%s",
				 one);
			used = strlen(eb->msg);
		}
	}
}
