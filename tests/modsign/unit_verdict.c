// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unit_verdict.c - unit tests for the decision of `modsign check`
 * (sign/core/verdict.c): the policy a machine enforces and every branch of
 * the verdict, on machines built here as data and modules signed here.
 *
 * Inputs are handed over in malloc'ed buffers of exactly their length, so
 * under AddressSanitizer (make -C sign check) a read outside fails the run.
 * Prints `PASS name` / `FAIL name: why` per test and closes with
 * `unit_verdict: N passed, N failed`; exits 1 when any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymatch.h"
#include "machine.h"
#include "sysparse.h"
#include "trailer.h"
#include "verdict.h"

#include "unit.h"
#include "fixtures.h"

/* ---- verdicts ---- */

struct world {
	X509 *a, *b, *a_same_name; /* a_same_name: another key, a's name */
	struct cert_id ca, cb, cas;
};

static struct world W;

/* Debian 12 under Secure Boot: locked down, sig_enforce, keys A in MOK
 * and in .platform, nothing pending, running 6.1.0-test. */
static void sb_machine(struct machine *m)
{
	struct errbuf eb;
	struct cert_id c;

	sb_machine_base(m);
	add_kernel_key(m, &W.ca, NULL);
	m->moklist.status = LIST_OK;
	cert_id_from_x509(W.a, "MokListRT", &c, &eb);
	cert_list_add(&m->moklist, &c);
	m->moknew.status = LIST_ABSENT;
	m->given.status = LIST_ABSENT;
}

static struct buf signed_module(const char *release, EVP_PKEY *key, X509 *x)
{
	struct buf b = module_for(release);

	sign_buf(&b, key, x, 0);
	return b;
}

#define EXPECT(r, want_v, want_line, want_next)                        \
	do {                                                           \
		check((r).d.v == (want_v), "verdict %s, want %s (%s)", \
		      verdict_name((r).d.v), verdict_name(want_v),     \
		      (r).d.line);                                     \
		check(!strcmp((r).d.line, (want_line)), "line '%s'",   \
		      (r).d.line);                                     \
		check(!strcmp((r).d.next, (want_next)), "next '%s'",   \
		      (r).d.next);                                     \
	} while (0)

TEST(policy)
{
	struct machine m;
	struct policy p;

	sb_machine(&m);
	machine_policy(&m, &p);
	check(p.checks == TRI_YES && p.enforced == TRI_YES &&
		      !strcmp(p.why, "sig_enforce=Y, lockdown integrity"),
	      "SB: %s", p.why);
	m.sig_enforce = TRI_NO;
	machine_policy(&m, &p);
	check(p.enforced == TRI_YES && !strcmp(p.why, "lockdown integrity"),
	      "lockdown alone enforces: %s", p.why);
	m.lockdown = LOCKDOWN_NONE;
	machine_policy(&m, &p);
	check(p.checks == TRI_YES && p.enforced == TRI_NO, "not enforced");
	m.lockdown = LOCKDOWN_UNKNOWN;
	machine_policy(&m, &p);
	check(p.enforced == TRI_UNKNOWN && strstr(p.why, "lockdown unknown"),
	      "lockdown unknown: %s", p.why);
	m.kc.valid = 1;
	m.kc.module_sig = TRI_YES;
	m.kc.module_sig_force = TRI_YES;
	machine_policy(&m, &p);
	check(p.enforced == TRI_YES && strstr(p.why, "FORCE"), "FORCE");
	m.sig_param = m.sig_enforce = TRI_UNKNOWN;
	m.kc.valid = 0;
	m.lockdown = LOCKDOWN_INTEGRITY;
	machine_policy(&m, &p);
	check(p.checks == TRI_UNKNOWN && p.enforced == TRI_UNKNOWN,
	      "lockdown, but whether signatures are checked is unknown");
	m.sig_param = m.sig_enforce = TRI_NO;
	machine_policy(&m, &p);
	check(p.checks == TRI_NO && p.enforced == TRI_NO,
	      "no sig_enforce parameter: not checked");
	machine_free(&m);
}

TEST(verdict_trusted)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD,
	       "will load: signed by modsign unit key A, a key this kernel trusts",
	       "none");
	check(r.d.trust == TRUST_YES && r.d.enrolled && !r.d.pending &&
		      r.d.sig_ok == TRI_YES && r.d.vermagic_ok == TRI_YES,
	      "details");
	check(!strcmp(r.d.reason, "trusted-key"), "reason %s", r.d.reason);

	/* the key in .machine (keyctl told), also fine */
	m.keys.keys[0].ring = ".machine";
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && strstr(r.d.key, "in .machine"), "%s", r.d.key);
	/* in a keyring that is not trusted for modules (.ima): not trusted */
	m.keys.keys[0].ring = "";
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO,
	      "a key outside the trusted keyrings: %s", r.d.line);
	EXPECT(r, V_REJECTED,
	       "will be rejected: signed by modsign unit key A, which this kernel does not trust",
	       "the key is enrolled (MokListRT) but this kernel did not load it: see \"The key was enrolled but modules still fail\" in docs/troubleshooting.md");
	machine_free(&m);
	free(mod.p);
}

TEST(verdict_unsigned)
{
	struct machine m;
	struct result r;
	struct buf mod = module_for("6.1.0-test");

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED, "will be rejected: unsigned", "make sign");
	check(r.d.trust == TRUST_NA, "no key");

	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD_WARN,
	       "will load with a warning (taints the kernel): unsigned",
	       "optional: make sign, so that it loads without tainting the kernel");

	m.lockdown = LOCKDOWN_UNKNOWN;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN &&
		      !strncmp(
			      r.d.line,
			      "unknown: unsigned, and whether this kernel enforces module signatures is unknown",
			      80) &&
		      !strcmp(r.d.next, "make sign"),
	      "enforcement unknown: %s", r.d.line);

	m.sig_param = m.sig_enforce = TRI_NO;
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD,
	       "will load: this kernel does not check module signatures",
	       "none");
	machine_free(&m);
	free(mod.p);
}

TEST(verdict_untrusted_and_pending)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_b, W.b);
	struct errbuf eb;
	struct cert_id c;

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED,
	       "will be rejected: signed by modsign unit key B, which this kernel does not trust",
	       "make enroll, then reboot and confirm the key in MokManager");
	check(r.d.trust == TRUST_NO && strstr(r.d.key, "not in MokListRT"),
	      "%s", r.d.key);

	cert_id_from_x509(W.b, "MokNew", &c, &eb);
	m.moknew.status = LIST_OK;
	cert_list_add(&m.moknew, &c);
	judge(&m, &mod, &r);
	EXPECT(r, V_PENDING,
	       "enrollment pending: reboot and confirm in MokManager",
	       "reboot and confirm the key in MokManager");
	check(r.d.pending && r.d.sig_ok == TRI_YES, "checked against MokNew");

	/* not enforced: it loads, tainting */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD_WARN &&
		      !strcmp(r.d.line,
			      "will load with a warning (taints the kernel): signed by modsign unit key B, which this kernel does not trust") &&
		      strstr(r.d.next, "MokManager"),
	      "%s / %s", r.d.line, r.d.next);
	machine_free(&m);
	free(mod.p);
}

TEST(verdict_same_name)
{
	struct machine m;
	struct result r;
	/* signed by the rotated key: same name as the enrolled A */
	struct buf mod = signed_module("6.1.0-test", key_b, W.a_same_name);

	sb_machine(&m);
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO &&
		      strstr(r.d.key, "a different key with the same name"),
	      "identified through MokListRT: %s", r.d.key);

	/* no certificate anywhere: the name alone proves nothing */
	cert_list_free(&m.moklist);
	m.moklist.status = LIST_ABSENT;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN && r.d.trust == TRUST_UNKNOWN &&
		      !strcmp(r.d.reason, "trust-unknown") &&
		      strstr(r.d.next, "--cert"),
	      "name only: %s / %s", r.d.line, r.d.next);

	/* --cert of the rotated key: now known not to be trusted */
	{
		struct cert_id c;
		struct errbuf eb;

		cert_id_from_x509(W.a_same_name, "given.der", &c, &eb);
		m.given.status = LIST_OK;
		cert_list_add(&m.given, &c);
	}
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.d.trust == TRUST_NO, "--cert: %s",
	      r.d.line);
	machine_free(&m);
	free(mod.p);
}

TEST(verdict_keys_unknown)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);

	sb_machine(&m);
	m.keys.status = KEYS_INCOMPLETE;
	snprintf(m.keys.why, sizeof(m.keys.why), "hidden");
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN && r.d.trust == TRUST_UNKNOWN &&
		      !strcmp(r.d.line,
			      "unknown: signed by modsign unit key A; whether this kernel trusts that key is unknown") &&
		      strstr(r.d.next, "as root") &&
		      strstr(r.d.key, "enrolled in MOK"),
	      "%s / %s / %s", r.d.line, r.d.next, r.d.key);

	/* not enforced: loads either way */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && !strcmp(r.d.reason, "not-enforced"), "%s",
	      r.d.line);
	machine_free(&m);
	free(mod.p);
}

TEST(verdict_key_id_and_serial)
{
	struct machine m;
	struct result r;
	struct buf mod = module_for("6.1.0-test");
	X509 *noskid = make_cert(key_b, "no skid key", 77, 0);

	/* named by SKID (sign-file -k): matched without a certificate */
	sign_buf(&mod, key_a, W.a, 1);
	sb_machine(&m);
	cert_list_free(&m.moklist);
	m.moklist.status = LIST_ABSENT;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD && strstr(r.d.key, "key id"), "%s / %s", r.d.line,
	      r.d.key);
	free(mod.p);

	/* a certificate without SKID: the kernel names it by serial */
	mod = signed_module("6.1.0-test", key_b, noskid);
	snprintf(m.keys.keys[0].k.name, sizeof(m.keys.keys[0].k.name),
		 "no skid key");
	m.keys.keys[0].k.id[0] = 77;
	m.keys.keys[0].k.id_len = 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD, "by serial and name: %s", r.d.line);
	m.keys.keys[0].k.id[0] = 78;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN, "same name, other serial, no cert: %s",
	      r.d.line);
	machine_free(&m);
	free(mod.p);
	X509_free(noskid);
}

TEST(verdict_vermagic_and_release)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.12.9-test", key_a, W.a);

	sb_machine(&m);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED,
	       "will be rejected: built for 6.12.9-test, running 6.1.0-test",
	       "rebuild it for the running kernel: make clean sign KDIR=/lib/modules/6.1.0-test/build");
	check(r.d.vermagic_ok == TRI_NO, "vermagic_ok");
	free(mod.p);

	/* a release that is a prefix of another is not the same */
	mod = signed_module("6.1.0-test2", key_a, W.a);
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED, "prefix: %s", r.d.line);
	free(mod.p);

	mod = signed_module("6.1.0-test", key_a, W.a);
	m.has_release = 0;
	judge(&m, &mod, &r);
	EXPECT(r, V_UNKNOWN,
	       "unknown: the running kernel's release is unknown, so the vermagic cannot be compared",
	       "give the release: --release RELEASE");
	free(mod.p);

	/* no vermagic at all */
	mod = make_elf("license=GPL", 12, 1, 0);
	m.has_release = 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "no-vermagic"), "%s",
	      r.d.line);
	free(mod.p);
	machine_free(&m);
}

TEST(verdict_bad_and_damaged)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);
	struct trailer t;

	sb_machine(&m);
	/* a byte of the module changed after signing */
	mod.p[70] ^= 1;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "bad-signature") &&
		      r.d.sig_ok == TRI_NO && !strcmp(r.d.next, "make sign"),
	      "%s / %s", r.d.line, r.d.sig_check);
	mod.p[70] ^= 1;

	/* garbage DER inside a well-formed trailer */
	check(trailer_parse(mod.p, mod.len, &t) == TRAILER_OK, "parse");
	mod.p[t.sig_off] = 0x04;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED && r.f.sig == MODSIG_DAMAGED &&
		      !strcmp(r.d.next, "make clean sign"),
	      "%s", r.d.line);
	/* rejected even where signatures are not enforced */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	check(r.d.v == V_REJECTED, "damaged, not enforced: %s", r.d.line);
	mod.p[t.sig_off] = 0x30;

	/* a cut magic: the kernel sees an unsigned module */
	mod.len -= 3;
	judge(&m, &mod, &r);
	check(r.f.sig == MODSIG_UNSIGNED && r.d.v == V_LOAD_WARN &&
		      r.f.sig_note[0],
	      "cut magic: %s", r.d.line);
	mod.len += 3;

	/* not a module, and a compressed one */
	{
		struct buf x = from_str("hello, world; hello, world, hello");

		judge(&m, &x, &r);
		check(r.d.v == V_ERROR, "not ELF: %s", r.d.line);
		x.p[0] = 0xfd;
		memcpy(x.p + 1, "7zXZ", 5);
		judge(&m, &x, &r);
		check(r.d.v == V_UNKNOWN && !strcmp(r.d.reason, "compressed"),
		      "xz: %s", r.d.line);
		free(x.p);
	}
	machine_free(&m);
	free(mod.p);
}

int main(void)
{
	struct errbuf eb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_keys())
		return 1;
	W.a = make_cert(key_a, "modsign unit key A", 1001, 1);
	W.b = make_cert(key_b, "modsign unit key B", 1002, 1);
	W.a_same_name = make_cert(key_b, "modsign unit key A", 1003, 1);
	cert_id_from_x509(W.a, "A", &W.ca, &eb);
	cert_id_from_x509(W.b, "B", &W.cb, &eb);
	cert_id_from_x509(W.a_same_name, "A'", &W.cas, &eb);

	RUN(policy);
	RUN(verdict_trusted);
	RUN(verdict_unsigned);
	RUN(verdict_untrusted_and_pending);
	RUN(verdict_same_name);
	RUN(verdict_keys_unknown);
	RUN(verdict_key_id_and_serial);
	RUN(verdict_vermagic_and_release);
	RUN(verdict_bad_and_damaged);

	cert_id_free(&W.ca);
	cert_id_free(&W.cb);
	cert_id_free(&W.cas);
	X509_free(W.a);
	X509_free(W.b);
	X509_free(W.a_same_name);
	free_keys();
	printf("unit_verdict: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
