// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_sigcms.c - unit tests for the certificate dates of sign/core/sigcms.c:
 * asn1_time_cmp_now, which stands in for OpenSSL's X509_cmp_current_time
 * (deprecated in OpenSSL 4.0), and cert_problem's expired and not yet valid
 * certificates, the edges included: a date that is now, and dates not in
 * RFC 5280's form. Where OpenSSL still has X509_cmp_current_time without a
 * deprecation (before 4.0), every date is compared with it too.
 *
 * Prints `PASS name` / `FAIL name: why` per test and closes with
 * `unit_sigcms: N passed, N failed`; exits 1 when any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/opensslv.h>

#include "sigcms.h"
#include "trailer.h"

#include "unit.h"
#include "fixtures.h"

/* a time of type `type` holding exactly the characters s */
static ASN1_TIME *raw_time(int type, const char *s)
{
	ASN1_STRING *t = ASN1_STRING_type_new(type);

	if (!t || !ASN1_STRING_set(t, s, (int)strlen(s))) {
		fprintf(stderr, "unit_sigcms: cannot make a time\n");
		exit(1);
	}
	return t;
}

/* a time `offset` seconds from now, as OpenSSL writes one (UTCTime) */
static ASN1_TIME *time_from_now(long offset)
{
	ASN1_TIME *t = X509_gmtime_adj(NULL, offset);

	if (!t) {
		fprintf(stderr, "unit_sigcms: cannot make a time\n");
		exit(1);
	}
	return t;
}

/* t compares as want; before OpenSSL 4.0, as X509_cmp_current_time too */
static void expect_cmp(ASN1_TIME *t, int want, const char *what)
{
	int got = asn1_time_cmp_now(t);

	check(got == want, "%s: asn1_time_cmp_now %d, want %d", what, got,
	      want);
#if OPENSSL_VERSION_MAJOR < 4
	{
		int ref = X509_cmp_current_time(t);

		check(got == ref,
		      "%s: asn1_time_cmp_now %d, X509_cmp_current_time %d",
		      what, got, ref);
	}
#endif
	ASN1_TIME_free(t);
}

TEST(time_cmp_now)
{
	expect_cmp(time_from_now(-3600), -1, "an hour ago");
	expect_cmp(time_from_now(3600), 1, "in an hour");
	/* the edge: a date that is now compares as past (time only moves on
	 * between making it and comparing it) */
	expect_cmp(time_from_now(0), -1, "now");
	expect_cmp(raw_time(V_ASN1_GENERALIZEDTIME, "20600101000000Z"), 1,
		   "2060 as GeneralizedTime");
	expect_cmp(raw_time(V_ASN1_GENERALIZEDTIME, "19990101000000Z"), -1,
		   "1999 as GeneralizedTime");
	expect_cmp(raw_time(V_ASN1_UTCTIME, "491231235959Z"), 1,
		   "2049 as UTCTime");
	expect_cmp(raw_time(V_ASN1_UTCTIME, "500101000000Z"), -1,
		   "1950 as UTCTime");
}

/* Dates OpenSSL's own parser takes but RFC 5280 does not: no answer (0),
 * as X509_cmp_current_time gave, which cert_problem takes as a problem. */
TEST(time_cmp_now_refuses_what_rfc5280_does_not_allow)
{
	expect_cmp(raw_time(V_ASN1_UTCTIME, "300101120000+0100"), 0,
		   "UTCTime with an offset");
	expect_cmp(raw_time(V_ASN1_UTCTIME, "3001011200Z"), 0,
		   "UTCTime without seconds");
	expect_cmp(raw_time(V_ASN1_GENERALIZEDTIME, "20300101120000.5Z"), 0,
		   "GeneralizedTime with a fraction");
	expect_cmp(raw_time(V_ASN1_GENERALIZEDTIME, "20300101120000"), 0,
		   "GeneralizedTime without Z");
	expect_cmp(raw_time(V_ASN1_UTCTIME, "301301120000Z"), 0, "month 13");
	expect_cmp(raw_time(V_ASN1_UTCTIME, "30010112000aZ"), 0,
		   "a letter for a digit");
	expect_cmp(raw_time(V_ASN1_OCTET_STRING, "300101120000Z"), 0,
		   "not a time type");
	check(asn1_time_cmp_now(NULL) == 0, "NULL: not 0");
}

/* cert_problem on a certificate valid from `from` to `to` seconds from
 * now: the phrase it gives, or "" */
static void problem(long from, long to, char *out, size_t size)
{
	X509 *x = make_cert(key_a, "modsign unit key", 7, 1);

	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	if (!cert_problem(x, out, size))
		snprintf(out, size, "%s", "");
	X509_free(x);
}

TEST(cert_problem_dates)
{
	char why[160];

	problem(-3600, 3600, why, sizeof(why));
	check(!strcmp(why, ""), "valid for an hour more: \"%s\"", why);
	problem(-7200, -3600, why, sizeof(why));
	check(!strncmp(why, "the certificate expired on ", 27),
	      "ended an hour ago: \"%s\"", why);
	problem(-7200, 0, why, sizeof(why));
	check(!strncmp(why, "the certificate expired on ", 27),
	      "ends now: \"%s\"", why);
	problem(3600, 7200, why, sizeof(why));
	check(!strncmp(why, "the certificate is not valid before ", 36),
	      "starts in an hour: \"%s\"", why);
	problem(0, 3600, why, sizeof(why));
	check(!strcmp(why, ""), "starts now: \"%s\"", why);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_keys())
		return 1;
	RUN(time_cmp_now);
	RUN(time_cmp_now_refuses_what_rfc5280_does_not_allow);
	RUN(cert_problem_dates);

	free_keys();
	printf("unit_sigcms: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
