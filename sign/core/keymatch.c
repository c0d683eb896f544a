// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keymatch.c - match a module signature's signer to certificates and to the
 * keys the kernel lists in /proc/keys, by certificate identity rather than
 * by name. Buffers in; libcrypto does the ASN.1.
 */
#include "keymatch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* The content octets of an INTEGER as DER encodes them (a leading 00 kept
 * when the top bit is set), which is what the kernel keeps as raw_serial. */
static int integer_content(const ASN1_INTEGER *i, uint8_t *out, size_t max,
			   size_t *len)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long clen;
	int tag, cls, n;

	n = i2d_ASN1_INTEGER(i, &der);
	if (n <= 0)
		return -1;
	p = der;
	if (ASN1_get_object(&p, &clen, &tag, &cls, n) & 0x80 ||
	    tag != V_ASN1_INTEGER || clen < 0 || (size_t)clen > max ||
	    p + clen != der + n) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(out, p, (size_t)clen);
	*len = (size_t)clen;
	OPENSSL_free(der);
	return 0;
}

static int name_der(const X509_NAME *name, uint8_t *out, size_t max,
		    size_t *len)
{
	const unsigned char *der = NULL;
	size_t n = 0;

	if (!name || X509_NAME_get0_der(name, &der, &n) != 1 || n > max)
		return -1;
	memcpy(out, der, n);
	*len = n;
	return 0;
}

int signer_id_get(const uint8_t *der, size_t len, struct signer_id *s,
		  struct errbuf *eb)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	ERR_clear_error();
	if (len > LONG_MAX) {
		eb_set(eb, "garbage DER: the signature is too large");
		return -1;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	OSSL_CHECK(cms, eb,
		   "garbage DER: the signature is not a PKCS#7/CMS message");
	OSSL_CHECK(OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed, eb,
		   "garbage DER: the PKCS#7 message is not SignedData");
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	OSSL_CHECK(si, eb, "garbage DER: no SignerInfo");
	OSSL_CHECK(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) ==
			   1,
		   eb, "garbage DER: the SignerInfo names no key");
	if (keyid) {
		int n = ASN1_STRING_length(keyid);

		if (n < 0 || (size_t)n > sizeof(s->skid)) {
			eb_set(eb, "garbage DER: a %d-byte key identifier", n);
			goto out;
		}
		memcpy(s->skid, ASN1_STRING_get0_data(keyid), (size_t)n);
		s->skid_len = (size_t)n;
		s->has_skid = 1;
	}
	if (issuer && sno) {
		if (name_der(issuer, s->issuer, sizeof(s->issuer),
			     &s->issuer_len) ||
		    integer_content(sno, s->serial, sizeof(s->serial),
				    &s->serial_len)) {
			eb_ossl(eb,
				"garbage DER: unusable issuer or serial number in the SignerInfo");
			goto out;
		}
		s->has_issuer = 1;
	}
	ret = 0;
out:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ret;
}

int cert_id_from_x509(X509 *x, const char *source, struct cert_id *c,
		      struct errbuf *eb)
{
	const ASN1_OCTET_STRING *kid;

	memset(c, 0, sizeof(*c));
	c->source = source;
	if (name_der(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer),
		     &c->issuer_len) ||
	    integer_content(X509_get0_serialNumber(x), c->serial,
			    sizeof(c->serial), &c->serial_len)) {
		eb_ossl(eb,
			"unusable issuer or serial number in a certificate");
		ERR_clear_error();
		return -1;
	}
	kid = X509_get0_subject_key_id(x);
	if (kid && ASN1_STRING_length(kid) > 0 &&
	    (size_t)ASN1_STRING_length(kid) <= sizeof(c->skid)) {
		memcpy(c->skid, ASN1_STRING_get0_data(kid),
		       (size_t)ASN1_STRING_length(kid));
		c->skid_len = (size_t)ASN1_STRING_length(kid);
		c->has_skid = 1;
	}
	ERR_clear_error(); /* X509_get0_subject_key_id caches extensions */
	cert_subject_cn(x, c->cn, sizeof(c->cn));
	if (!X509_up_ref(x)) {
		eb_ossl(eb, "cannot keep a certificate");
		return -1;
	}
	c->x = x;
	return 0;
}

int cert_id_from_der(const uint8_t *der, size_t len, const char *source,
		     struct cert_id *c, struct errbuf *eb)
{
	const unsigned char *p = der;
	X509 *x;
	int ret;

	memset(c, 0, sizeof(*c));
	ERR_clear_error();
	if (len > LONG_MAX) {
		eb_set(eb, "a certificate of %zu bytes", len);
		return -1;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		eb_ossl(eb, "not a DER X.509 certificate");
		return -1;
	}
	if (p != der + len) {
		eb_set(eb, "%zu stray bytes after a certificate",
		       (size_t)(der + len - p));
		X509_free(x);
		return -1;
	}
	ret = cert_id_from_x509(x, source, c, eb);
	X509_free(x);
	return ret;
}

void cert_id_free(struct cert_id *c)
{
	X509_free(c->x);
	c->x = NULL;
}

int cert_names_signer(const struct cert_id *c, const struct signer_id *s)
{
	if (s->has_skid)
		return c->has_skid && c->skid_len == s->skid_len &&
		       !memcmp(c->skid, s->skid, s->skid_len);
	if (!s->has_issuer)
		return 0;
	return c->serial_len == s->serial_len &&
	       !memcmp(c->serial, s->serial, s->serial_len) &&
	       c->issuer_len == s->issuer_len &&
	       !memcmp(c->issuer, s->issuer, s->issuer_len);
}

int pkey_is_cert(const struct pkey *k, const struct cert_id *c)
{
	const uint8_t *id = c->has_skid ? c->skid : c->serial;
	size_t n = c->has_skid ? c->skid_len : c->serial_len;

	return k->type == PKEY_ASYMMETRIC && k->id_len == n && n > 0 &&
	       !memcmp(k->id, id, n);
}

/* ---- certificate lists ---- */

int cert_list_add(struct cert_list *l, struct cert_id *c)
{
	struct cert_id *p;

	if (l->n >= SIZE_MAX / sizeof(*p) - 1) {
		cert_id_free(c);
		return -1;
	}
	p = realloc(l->certs, (l->n + 1) * sizeof(*p));
	if (!p) {
		cert_id_free(c);
		return -1;
	}
	l->certs = p;
	l->certs[l->n++] = *c;
	return 0;
}

void cert_list_parse(struct cert_list *l, const uint8_t *buf, size_t len,
		     const char *source)
{
	struct siglist_iter it;
	struct siglist_entry e;
	struct errbuf eb;
	int r;

	if (l->status != LIST_DAMAGED)
		l->status = LIST_OK;
	siglist_init(&it, buf, len);
	while ((r = siglist_next(&it, &e)) == 1) {
		struct cert_id c;

		if (memcmp(e.type, efi_cert_x509_guid, EFI_GUID_LEN)) {
			l->other++;
			continue;
		}
		if (cert_id_from_der(e.data, e.data_len, source, &c, &eb)) {
			l->status = LIST_DAMAGED;
			snprintf(
				l->why, sizeof(l->why),
				"the entry at byte %zu is not a certificate: %.160s",
				e.offset, eb.msg);
			continue;
		}
		if (cert_list_add(l, &c)) {
			l->status = LIST_DAMAGED;
			snprintf(l->why, sizeof(l->why), "out of memory");
			return;
		}
	}
	if (r < 0) {
		l->status = LIST_DAMAGED;
		snprintf(l->why, sizeof(l->why),
			 "damaged EFI signature list at byte %zu: %s",
			 it.err_off, it.err);
	}
}

void cert_list_free(struct cert_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		cert_id_free(&l->certs[i]);
	free(l->certs);
	l->certs = NULL;
	l->n = 0;
}
