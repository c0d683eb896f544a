// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_keymatch.c - unit tests for the certificate matching of `modsign check`
 * (sign/core/keymatch.c): signers named by issuer and serial or by SKID,
 * /proc/keys ids, and the certificates of EFI signature lists, on
 * certificates and signatures made here with libcrypto.
 *
 * Inputs are handed over in malloc'ed buffers of exactly their length, so
 * under AddressSanitizer (make -C sign check) a read outside fails the run.
 * Prints `PASS name` / `FAIL name: why` per test and closes with
 * `unit_keymatch: N passed, N failed`; exits 1 when any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymatch.h"
#include "sysparse.h"
#include "trailer.h"

#include "unit.h"
#include "fixtures.h"

/* ---- signers and certificates ---- */

TEST(signer_and_certificates)
{
	X509 *a = make_cert(key_a, "modsign unit key", 4242, 1);
	X509 *a2 = make_cert(key_b, "modsign unit key", 4243, 1);
	X509 *noskid = make_cert(key_a, "modsign unit key", 4242, 0);
	struct buf m = module_for("6.1.0-test"), ms;
	struct buf da = cert_der(a);
	struct cert_id ca, ca2, cn;
	struct signer_id s;
	struct trailer t;
	struct errbuf eb;
	struct pkey k;

	check(!cert_id_from_der(da.p, da.len, "A", &ca, &eb), "A: %s", eb.msg);
	check(!cert_id_from_x509(a2, "A2", &ca2, &eb), "A2");
	check(!cert_id_from_x509(noskid, "N", &cn, &eb), "N");
	check(!strcmp(ca.cn, "modsign unit key") && ca.has_skid &&
		      ca.skid_len == 20 && ca.serial_len == 2 &&
		      ca.serial[0] == 0x10 && ca.serial[1] == 0x92,
	      "cert id");
	check(!cn.has_skid, "no SKID");

	ms = from_bytes(m.p, m.len);
	sign_buf(&ms, key_a, a, 0);
	check(trailer_parse(ms.p, ms.len, &t) == TRAILER_OK, "signed");
	check(!signer_id_get(ms.p + t.sig_off, t.sig_len, &s, &eb), "%s",
	      eb.msg);
	check(s.has_issuer && !s.has_skid, "by issuer and serial");
	check(cert_names_signer(&ca, &s), "A names the signer");
	check(!cert_names_signer(&ca2, &s), "same name, other serial");
	check(cert_names_signer(&cn, &s),
	      "same issuer and serial, no SKID: the kernel would take it");

	/* /proc/keys ids: SKID, or serial without one */
	memset(&k, 0, sizeof(k));
	k.type = PKEY_ASYMMETRIC;
	memcpy(k.id, ca.skid, ca.skid_len);
	k.id_len = ca.skid_len;
	check(pkey_is_cert(&k, &ca) && !pkey_is_cert(&k, &ca2), "by SKID");
	memcpy(k.id, cn.serial, cn.serial_len);
	k.id_len = cn.serial_len;
	check(pkey_is_cert(&k, &cn) && !pkey_is_cert(&k, &ca), "by serial");
	free(ms.p);

	/* named by key id (sign-file -k) */
	ms = from_bytes(m.p, m.len);
	sign_buf(&ms, key_a, a, 1);
	check(trailer_parse(ms.p, ms.len, &t) == TRAILER_OK, "signed -k");
	check(!signer_id_get(ms.p + t.sig_off, t.sig_len, &s, &eb), "%s",
	      eb.msg);
	check(s.has_skid && s.skid_len == 20, "by SKID");
	check(cert_names_signer(&ca, &s) && !cert_names_signer(&ca2, &s) &&
		      !cert_names_signer(&cn, &s),
	      "SKID match");
	free(ms.p);

	check(signer_id_get((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &s,
			    &eb) == -1,
	      "garbage");
	{
		struct cert_id junk;

		check(cert_id_from_der((const uint8_t *)"\x30\x00", 2, "x",
				       &junk, &eb) == -1,
		      "not a certificate");
	}
	cert_id_free(&ca);
	cert_id_free(&ca2);
	cert_id_free(&cn);
	X509_free(a);
	X509_free(a2);
	X509_free(noskid);
	free(da.p);
	free(m.p);
}

TEST(cert_list)
{
	X509 *a = make_cert(key_a, "list key A", 1, 1);
	X509 *b = make_cert(key_b, "list key B", 2, 1);
	struct buf da = cert_der(a), db = cert_der(b), l = { NULL, 0 };
	uint8_t hash[32] = { 3 };
	struct cert_list cl;
	size_t cut;

	add_list(&l, efi_cert_x509_guid, da.p, da.len, 1, 0);
	add_list(&l, sha256_guid, hash, sizeof(hash), 2, 0);
	add_list(&l, efi_cert_x509_guid, db.p, db.len, 1, 0);
	memset(&cl, 0, sizeof(cl));
	cert_list_parse(&cl, l.p, l.len, "MokListRT");
	check(cl.status == LIST_OK && cl.n == 2 && cl.other == 2,
	      "2 certs, 2 hashes: %d %zu %zu", cl.status, cl.n, cl.other);
	check(!strcmp(cl.certs[0].cn, "list key A") &&
		      !strcmp(cl.certs[1].cn, "list key B") &&
		      !strcmp(cl.certs[1].source, "MokListRT"),
	      "names");
	cert_list_free(&cl);

	/* a certificate entry that is not one */
	l.p[28 + 16 + 1] ^= 0xff;
	memset(&cl, 0, sizeof(cl));
	cert_list_parse(&cl, l.p, l.len, "MokNew");
	check(cl.status == LIST_DAMAGED && cl.n == 1 &&
		      strstr(cl.why, "not a certificate"),
	      "bad entry: %s", cl.why);
	cert_list_free(&cl);
	l.p[28 + 16 + 1] ^= 0xff;

	for (cut = 0; cut < l.len; cut += 7) {
		struct buf c = from_bytes(l.p, cut);

		memset(&cl, 0, sizeof(cl));
		cert_list_parse(&cl, c.p, c.len, "cut");
		check(cl.n <= 2, "cut %zu", cut);
		check(cut == 0 || cl.status == LIST_DAMAGED || cl.n >= 1,
		      "cut %zu: status %d", cut, cl.status);
		cert_list_free(&cl);
		free(c.p);
	}
	free(l.p);
	free(da.p);
	free(db.p);
	X509_free(a);
	X509_free(b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_keys())
		return 1;
	RUN(signer_and_certificates);
	RUN(cert_list);

	free_keys();
	printf("unit_keymatch: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
