// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * describe.c - the logic of `modsign info` over a buffer: trailer, stacked
 * signatures and what the PKCS#7 SignerInfo says. Field names follow
 * modinfo (signer, sig_key, sig_hashalgo) so the two can be compared.
 */
#include "describe.h"

#include <string.h>

int describe_buf(const uint8_t *buf, size_t len, struct describe *d)
{
	char why[ERRBUF_SIZE];

	memset(d, 0, sizeof(*d));
	d->file_len = len;
	d->status = trailer_parse(buf, len, &d->t);
	switch (d->status) {
	case TRAILER_UNSIGNED:
		d->inner = TRAILER_UNSIGNED;
		return 0;
	case TRAILER_OK:
		break;
	case TRAILER_BAD_ID_TYPE:
		if (trailer_parse_legacy(buf, len, &d->leg) == 0) {
			d->legacy = 1;
			memcpy(d->leg_signer, buf + d->leg.signer_off,
			       d->leg.signer_len);
			memcpy(d->leg_key_id, buf + d->leg.key_id_off,
			       d->leg.key_id_len);
			d->nsigs = 1;
			d->inner = TRAILER_UNSIGNED;
			d->t.module_len = d->leg.module_len;
			return 0;
		}
		/* fall through */
	default:
		trailer_explain(d->status, &d->t, len, why, sizeof(why));
		eb_set(&d->err, "%s", why);
		return -1;
	}
	if (sig_describe(buf + d->t.sig_off, d->t.sig_len, &d->sig, &d->err))
		return -1;
	d->nsigs = trailer_count(buf, len, NULL, &d->inner);
	return 0;
}

/* A label and value for the text form, modinfo style. */
static void text_field(struct strbuf *sb, const char *label)
{
	sb_printf(sb, "%-14s", label);
}

static void put_signer(struct strbuf *sb, const struct sig_desc *s, int json)
{
	if (!s->has_signer)
		sb_puts(sb, json ? "\"-\"" : "-");
	else if (json) {
		sb_puts(sb, "\"");
		sb_json_str(sb, s->signer, s->signer_len);
		sb_puts(sb, "\"");
	} else {
		sb_text_str(sb, s->signer, s->signer_len);
	}
}

static void put_id(struct strbuf *sb, int has, const uint8_t *p, size_t n,
		   int json)
{
	if (json)
		sb_puts(sb, "\"");
	if (has)
		sb_hex_colon(sb, p, n);
	else
		sb_puts(sb, "-");
	if (json)
		sb_puts(sb, "\"");
}

/* Why an old signature does not load, with what to do. */
static void put_legacy_format(struct strbuf *sb, const struct describe *d)
{
	sb_printf(
		sb,
		"id_type %u (%s), %s: rejected by every kernel since 4.3, which takes only PKCS#7 (id_type %u); sign it again",
		d->leg.id_type,
		d->leg.id_type == TRAILER_ID_X509 ? "X.509" : "PGP",
		d->leg.id_type == TRAILER_ID_X509 ?
			"the format of Linux 3.7 to 4.2" :
			"a format older than Linux 3.7",
		TRAILER_ID_PKCS7);
}

/* An old signature's fields, as modinfo shows them: sig_id X509 (or
 * PGP), signer, sig_key the key identifier (for X.509 the signer's
 * subject key identifier, hence sig_skid too), sig_hashalgo. */
static void describe_legacy(const struct describe *d, const char *name,
			    int json, struct strbuf *sb)
{
	const struct trailer_legacy *l = &d->leg;
	const char *id = trailer_legacy_id(l->id_type);
	const char *hash = trailer_legacy_hash(l->hash);
	const uint8_t *key = d->leg_key_id;
	const char *signer = d->leg_signer;
	int skid = l->id_type == TRAILER_ID_X509 && l->key_id_len;

	if (json) {
		sb_puts(sb, "{\"file\":\"");
		sb_json_str(sb, name, strlen(name));
		sb_printf(sb,
			  "\",\"signed\":true,\"sig_id\":\"%s\",\"signer\":\"",
			  id);
		sb_json_str(sb, signer, l->signer_len);
		sb_puts(sb, "\",\"sig_key\":");
		put_id(sb, l->key_id_len > 0, key, l->key_id_len, 1);
		sb_puts(sb, ",\"sig_skid\":");
		put_id(sb, skid, key, l->key_id_len, 1);
		sb_printf(sb, ",\"sig_hashalgo\":\"%s\",\"sig_len\":%zu", hash,
			  l->sig_len);
		sb_printf(sb, ",\"module_len\":%zu,\"file_len\":%zu",
			  l->module_len, d->file_len);
		sb_puts(sb,
			",\"signatures\":1,\"stacked\":false,\"legacy\":true,\"format\":\"");
		put_legacy_format(sb, d);
		sb_puts(sb, "\"}\n");
		return;
	}
	text_field(sb, "filename:");
	sb_text_str(sb, name, strlen(name));
	sb_puts(sb, "\n");
	text_field(sb, "signed:");
	sb_puts(sb, "yes\n");
	text_field(sb, "sig_id:");
	sb_printf(sb, "%s\n", id);
	text_field(sb, "signer:");
	sb_text_str(sb, signer, l->signer_len);
	sb_puts(sb, "\n");
	text_field(sb, "sig_key:");
	put_id(sb, l->key_id_len > 0, key, l->key_id_len, 0);
	sb_puts(sb, "\n");
	text_field(sb, "sig_skid:");
	put_id(sb, skid, key, l->key_id_len, 0);
	sb_puts(sb, "\n");
	text_field(sb, "sig_hashalgo:");
	sb_printf(sb, "%s\n", hash);
	text_field(sb, "sig_len:");
	sb_printf(sb, "%zu\n", l->sig_len);
	text_field(sb, "module_len:");
	sb_printf(sb, "%zu\n", l->module_len);
	text_field(sb, "file_len:");
	sb_printf(sb, "%zu\n", d->file_len);
	text_field(sb, "stacked:");
	sb_puts(sb, "no\n");
	text_field(sb, "format:");
	put_legacy_format(sb, d);
	sb_puts(sb, "\n");
}

static void describe_text(const struct describe *d, const char *name,
			  struct strbuf *sb)
{
	const struct sig_desc *s = &d->sig;

	text_field(sb, "filename:");
	sb_text_str(sb, name, strlen(name));
	sb_puts(sb, "\n");
	text_field(sb, "signed:");
	sb_puts(sb, d->status == TRAILER_OK ? "yes\n" : "no\n");
	if (d->status == TRAILER_OK) {
		text_field(sb, "sig_id:");
		sb_puts(sb, "PKCS#7\n");
		text_field(sb, "signer:");
		put_signer(sb, s, 0);
		sb_puts(sb, "\n");
		text_field(sb, "sig_key:");
		put_id(sb, s->has_serial, s->serial, s->serial_len, 0);
		sb_puts(sb, "\n");
		text_field(sb, "sig_skid:");
		put_id(sb, s->has_skid, s->skid, s->skid_len, 0);
		sb_puts(sb, "\n");
		text_field(sb, "sig_hashalgo:");
		sb_text_str(sb, s->hash, strlen(s->hash));
		sb_puts(sb, "\n");
		text_field(sb, "sig_len:");
		sb_printf(sb, "%zu\n", d->t.sig_len);
	}
	text_field(sb, "module_len:");
	sb_printf(sb, "%zu\n", d->t.module_len);
	text_field(sb, "file_len:");
	sb_printf(sb, "%zu\n", d->file_len);
	text_field(sb, "stacked:");
	if (d->nsigs > 1)
		sb_printf(sb, "yes (%u signatures)\n", d->nsigs);
	else
		sb_puts(sb, "no\n");
	if (d->nsigs > 0 && d->inner != TRAILER_UNSIGNED) {
		text_field(sb, "inner:");
		sb_puts(sb, "damaged trailer below the signatures: ");
		sb_puts(sb, trailer_strerror(d->inner));
		sb_puts(sb, "\n");
	}
}

static void describe_json(const struct describe *d, const char *name,
			  struct strbuf *sb)
{
	const struct sig_desc *s = &d->sig;

	sb_puts(sb, "{\"file\":\"");
	sb_json_str(sb, name, strlen(name));
	sb_printf(sb, "\",\"signed\":%s",
		  d->status == TRAILER_OK ? "true" : "false");
	if (d->status == TRAILER_OK) {
		sb_puts(sb, ",\"sig_id\":\"PKCS#7\",\"signer\":");
		put_signer(sb, s, 1);
		sb_puts(sb, ",\"sig_key\":");
		put_id(sb, s->has_serial, s->serial, s->serial_len, 1);
		sb_puts(sb, ",\"sig_skid\":");
		put_id(sb, s->has_skid, s->skid, s->skid_len, 1);
		sb_puts(sb, ",\"sig_hashalgo\":\"");
		sb_json_str(sb, s->hash, strlen(s->hash));
		sb_printf(sb, "\",\"sig_len\":%zu", d->t.sig_len);
	}
	sb_printf(sb, ",\"module_len\":%zu,\"file_len\":%zu", d->t.module_len,
		  d->file_len);
	sb_printf(sb, ",\"signatures\":%u,\"stacked\":%s", d->nsigs,
		  d->nsigs > 1 ? "true" : "false");
	if (d->nsigs > 0 && d->inner != TRAILER_UNSIGNED) {
		sb_puts(sb, ",\"inner_error\":\"");
		sb_json_str(sb, trailer_strerror(d->inner),
			    strlen(trailer_strerror(d->inner)));
		sb_puts(sb, "\"");
	}
	sb_puts(sb, "}\n");
}

void describe_format(const struct describe *d, const char *name, int json,
		     struct strbuf *out)
{
	if (d->legacy)
		describe_legacy(d, name, json, out);
	else if (json)
		describe_json(d, name, out);
	else
		describe_text(d, name, out);
}

void describe_format_error(const char *name, const char *why,
			   struct strbuf *out)
{
	sb_puts(out, "{\"file\":\"");
	sb_json_str(out, name, strlen(name));
	sb_puts(out, "\",\"error\":\"");
	sb_json_str(out, why, strlen(why));
	sb_puts(out, "\"}\n");
}
