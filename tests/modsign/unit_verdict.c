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
#include "kitwords.h"
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

/* ---- compressed modules: the kernel's decoder or kmod's ---- */

/* kmod KMOD ("" unknown) and the kernel decompressing FMT ("" no, NULL
 * unknown) */
static void loader(struct machine *m, const char *kmod, const char *fmt)
{
	snprintf(m->kmod_version, sizeof(m->kmod_version), "%s", kmod);
	m->kmod_major = kmod[0] ? version_major(kmod) : -1;
	snprintf(m->kmod_src, sizeof(m->kmod_src), "%s",
		 kmod[0] ? "dpkg" : "no dpkg");
	m->kernel_decomp = !fmt ? TRI_UNKNOWN : fmt[0] ? TRI_YES : TRI_NO;
	snprintf(m->kernel_decomp_fmt, sizeof(m->kernel_decomp_fmt), "%s",
		 fmt ? fmt : "");
	snprintf(m->kernel_decomp_src, sizeof(m->kernel_decomp_src), "sysfs");
}

/* r's module decided again as a file compressed so, which the kernel's
 * decoder takes (ok) or not */
static void as_file(const struct machine *m, struct result *r,
		    const char *container, int ok)
{
	r->f.container = container;
	r->f.container_kernel_ok = ok;
	decide(m, &r->p, &r->f, &r->d);
}

#define CRC64_XZ \
	"its xz check is not CRC32 (xz's default is CRC64), which the kernel's own xz decoder refuses"

TEST(verdict_kernel_decoder)
{
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", key_a, W.a);
	struct buf un = module_for("6.1.0-test");
	struct buf other = signed_module("6.1.0-other", key_a, W.a);
	const char *loads =
		"will load: signed by modsign unit key A, a key this kernel trusts";
	char want[1024];

	sb_machine(&m);
	judge(&m, &mod, &r);
	check(r.d.path == PATH_PLAIN && !load_path_name(r.d.path),
	      "not compressed");
	/* kmod 34, the kernel decompresses xz: the kernel refuses CRC64 */
	loader(&m, "34.2-2", "xz");
	as_file(&m, &r, "xz", 0);
	snprintf(
		want, sizeof(want),
		"will be rejected: " CRC64_XZ
		" (\"decompression failed with status 6\", Invalid argument), and kmod 34.2-2 (dpkg) hands it to the kernel, which decompresses xz modules (sysfs)");
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "kernel-decoder") &&
		      !strcmp(r.d.line, want),
	      "kernel: %s", r.d.line);
	check(r.d.path == PATH_KERNEL &&
		      !strcmp(load_path_name(r.d.path), "kernel") &&
		      strstr(r.d.next, "xz --check=crc32 --lzma2=dict=1MiB"),
	      "path and next: %s", r.d.next);
	check(r.d.trust == TRUST_YES, "the key's trust still found");
	/* CRC32: loads by the same path */
	as_file(&m, &r, "xz", 1);
	check(r.d.v == V_LOAD && !strcmp(r.d.line, loads) &&
		      r.d.path == PATH_KERNEL,
	      "CRC32: %s", r.d.line);
	/* kmod 30: user space */
	loader(&m, "30+20221128-1", "xz");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_LOAD && r.d.path == PATH_KMOD &&
		      !strcmp(r.d.path_why,
			      "kmod 30+20221128-1 (dpkg) decompresses it in user space"),
	      "kmod 30: %s / %s", r.d.line, r.d.path_why);
	/* kmod unknown: unknown, not "will load" */
	loader(&m, "", "xz");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_UNKNOWN && !strcmp(r.d.reason, "decoder-unknown") &&
		      r.d.path == PATH_UNKNOWN &&
		      !strncmp(r.d.line, "unknown: " CRC64_XZ "; which kmod",
			       strlen("unknown: " CRC64_XZ "; which kmod")),
	      "kmod unknown: %s", r.d.line);
	/* ... but a kernel that does not decompress leaves it to kmod */
	loader(&m, "", "");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_LOAD && r.d.path == PATH_KMOD, "no decompression: %s",
	      r.d.line);
	/* ... nor one that decompresses another format */
	loader(&m, "34.2-2", "zstd");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_LOAD && r.d.path == PATH_KMOD &&
		      strstr(r.d.path_why, "only zstd"),
	      "zstd kernel: %s", r.d.path_why);
	/* kmod 34, whether the kernel decompresses unknown */
	loader(&m, "34.2-2", NULL);
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_UNKNOWN && r.d.path == PATH_UNKNOWN &&
		      strstr(r.d.path_why, "which is unknown (sysfs)"),
	      "kernel unknown: %s", r.d.path_why);
	/* a module rejected anyway keeps its verdict when the path is not
	 * known */
	judge(&m, &un, &r);
	loader(&m, "", "xz");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "unsigned"),
	      "unsigned: %s", r.d.line);
	/* where the kernel decodes, the decoder is first: before the
	 * signature and the vermagic */
	loader(&m, "34.2-2", "xz");
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "kernel-decoder"),
	      "unsigned, kernel path: %s", r.d.line);
	judge(&m, &other, &r);
	as_file(&m, &r, "xz", 0);
	check(r.d.v == V_REJECTED && !strcmp(r.d.reason, "kernel-decoder") &&
		      r.d.path == PATH_KERNEL,
	      "other release: %s", r.d.line);
	free(mod.p);
	free(un.p);
	free(other.p);
	machine_free(&m);
}

/* An ECDSA-signed module (issue #25). A kernel whose config lacks
 * CONFIG_CRYPTO_ECDSA (Debian 12's 6.1) cannot check it, whoever signed:
 * refused where signatures are enforced ("Key was rejected by service"),
 * a taint where they are not. With it (trixie's kernels) the key decides,
 * as for RSA. With no config, a key the kernel holds shows it can; a key
 * trusted by name only does not. */
#define SIXONE_CONFIG "CONFIG_MODULE_SIG=y\n# CONFIG_CRYPTO_ECDSA is not set\n"
#define NO_ECDSA_LINE                                                                     \
	"signed by modsign unit key E with an ECDSA key, which this kernel cannot check " \
	"(CONFIG_CRYPTO_ECDSA is not set in /boot/config-6.1.0-test)"
#define NO_ECDSA_NEXT                                                                 \
	"sign it with an RSA key for this kernel: make keys KEYDIR=<folder> (RSA is " \
	"the default), make sign KDIR=<this kernel's headers> KEYDIR=<folder>, "      \
	"then make enroll KEYDIR=<folder> and reboot"

static void set_config(struct machine *m, const char *text)
{
	kconfig_parse(text, strlen(text), &m->kc);
	snprintf(m->config_src, sizeof(m->config_src),
		 "/boot/config-6.1.0-test");
}

TEST(verdict_ecdsa)
{
	EVP_PKEY *ek = EVP_EC_gen("P-256");
	X509 *ex = make_cert(ek, "modsign unit key E", 1004, 1);
	struct cert_id ce, c;
	struct errbuf eb;
	struct machine m;
	struct result r;
	struct buf mod = signed_module("6.1.0-test", ek, ex);
	struct buf rsa = signed_module("6.1.0-test", key_a, W.a);

	cert_id_from_x509(ex, "E", &ce, &eb);
	sb_machine(&m);
	add_kernel_key(&m, &ce, NULL);
	cert_id_from_x509(ex, "MokListRT", &c, &eb);
	cert_list_add(&m.moklist, &c);

	/* no config: the kernel holds the key, so it can check it */
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD,
	       "will load: signed by modsign unit key E, a key this kernel trusts",
	       "none");
	check(r.f.desc.sig_algo[0] &&
		      !strcmp(r.f.desc.sig_algo, "ecdsa-with-SHA256"),
	      "algorithm %s", r.f.desc.sig_algo);

	/* 6.1's config, Secure Boot: refused, even by a trusted key */
	set_config(&m, SIXONE_CONFIG);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED, "will be rejected: " NO_ECDSA_LINE,
	       NO_ECDSA_NEXT);
	check(!strcmp(r.d.reason, "no-ecdsa"), "reason %s", r.d.reason);
	/* an RSA-signed module on the same kernel loads */
	judge(&m, &rsa, &r);
	check(r.d.v == V_LOAD, "RSA on 6.1: %s", r.d.line);
	/* signatures checked, not enforced: loads, tainting */
	m.sig_enforce = TRI_NO;
	m.lockdown = LOCKDOWN_NONE;
	judge(&m, &mod, &r);
	EXPECT(r, V_LOAD_WARN,
	       "will load with a warning (taints the kernel): " NO_ECDSA_LINE,
	       "optional: " NO_ECDSA_NEXT);
	check(!strcmp(r.d.reason, "no-ecdsa"), "reason %s", r.d.reason);
	/* enforcement unknown */
	m.lockdown = LOCKDOWN_UNKNOWN;
	judge(&m, &mod, &r);
	check(r.d.v == V_UNKNOWN &&
		      !strcmp(r.d.reason, "enforcement-unknown") &&
		      !strncmp(r.d.line,
			       "unknown: " NO_ECDSA_LINE ", and whether",
			       strlen("unknown: " NO_ECDSA_LINE
				      ", and whether")),
	      "enforcement unknown: %s", r.d.line);
	/* not checked at all: loads */
	m.sig_param = m.sig_enforce = TRI_NO;
	set_config(&m, "# CONFIG_MODULE_SIG is not set\n");
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD, "not checked: %s", r.d.line);
	machine_free(&m);

	/* trixie's config (=y, or =m): the key decides */
	sb_machine(&m);
	add_kernel_key(&m, &ce, NULL);
	cert_id_from_x509(ex, "MokListRT", &c, &eb);
	cert_list_add(&m.moklist, &c);
	set_config(&m, "CONFIG_MODULE_SIG=y\nCONFIG_CRYPTO_ECDSA=y\n");
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD, "=y: %s", r.d.line);
	set_config(&m, "CONFIG_MODULE_SIG=y\nCONFIG_CRYPTO_ECDSA=m\n");
	judge(&m, &mod, &r);
	check(r.d.v == V_LOAD, "=m: %s", r.d.line);
	machine_free(&m);

	/* no config, trusted by name only (a built-in key of that name, the
	 * kernel image unreadable): whether it can check ECDSA is unknown */
	sb_machine_base(&m);
	m.moklist.status = m.moknew.status = m.given.status = LIST_ABSENT;
	m.builtin.status = LIST_UNKNOWN;
	snprintf(m.builtin.why, sizeof(m.builtin.why), "no image");
	ce.skid[0] ^= 0xff;
	add_kernel_key(&m, &ce, ".builtin_trusted_keys");
	snprintf(m.config_why, sizeof(m.config_why), "no /proc/config.gz");
	judge(&m, &mod, &r);
	EXPECT(r, V_UNKNOWN,
	       "unknown: signed by modsign unit key E with an ECDSA key, and whether this kernel can check ECDSA signatures (CONFIG_CRYPTO_ECDSA) is unknown: its config cannot be read (no /proc/config.gz), and no key of that signer it holds tells",
	       "let modsign read the kernel's config (/boot/config-6.1.0-test or /proc/config.gz), or give the signer's certificate: modsign check --cert CERT FILE");
	check(!strcmp(r.d.reason, "ecdsa-unknown"), "reason %s", r.d.reason);
	machine_free(&m);

	cert_id_free(&ce);
	X509_free(ex);
	EVP_PKEY_free(ek);
	free(mod.p);
	free(rsa.p);
}

/* ---- the words of the next steps: a clone's make, or modsign-kit ---- */

TEST(kit_words)
{
	struct machine m;
	struct result r;
	struct buf mod = module_for("6.1.0-test");
	char buf[512];
	int s;

	for (s = 0; s < STEP_COUNT; s++) {
		const char *c = kit_step_at(KIT_CLONE, (enum kit_step)s);
		const char *i = kit_step_at(KIT_INSTALLED, (enum kit_step)s);

		check(c && *c && i && *i, "step %d has no words", s);
		if (!c || !i)
			continue;
		check(strstr(i, "modsign-kit") && !strstr(i, "make ") &&
			      !strstr(i, "KDIR=") && !strstr(i, "KEYDIR="),
		      "installed step %d: %s", s, i);
		check(s == STEP_KIT_CERT || strstr(c, "make "),
		      "clone step %d: %s", s, c);
	}
	check(kit_words_where() == KIT_CLONE, "the clone's words by default");
	kit_step_fill(buf, sizeof(buf), STEP_REBUILD, "6.1.0-x");
	check(!strcmp(buf, "make clean sign KDIR=/lib/modules/6.1.0-x/build"),
	      "clone rebuild: %s", buf);
	kit_step_fill(buf, 20, STEP_REBUILD, "6.1.0-x");
	check(strlen(buf) == 19, "cut to its buffer: %s", buf);

	sb_machine(&m);
	kit_words_set(KIT_INSTALLED);
	kit_step_fill(buf, sizeof(buf), STEP_REBUILD, "6.1.0-x");
	check(!strcmp(buf,
		      "build it against /lib/modules/6.1.0-x/build, then modsign-kit sign --kdir /lib/modules/6.1.0-x/build MODULE.ko"),
	      "installed rebuild: %s", buf);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED, "will be rejected: unsigned",
	       "modsign-kit sign MODULE.ko");
	kit_words_set(KIT_CLONE);
	judge(&m, &mod, &r);
	EXPECT(r, V_REJECTED, "will be rejected: unsigned", "make sign");
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
	RUN(verdict_kernel_decoder);
	RUN(verdict_ecdsa);
	RUN(kit_words);

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
