/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report_machine.h - the machine's part of the report, its one home
 * (report_machine.c): check's machine lines ("this machine:"), and what
 * `modsign status` adds to them: where each key the kernel trusts for
 * modules came from, the key list with its expiry warnings, the MOK
 * requests, the kit's and Ubuntu's certificates and the kernel command
 * line, in text and JSON; and the small writers both parts of the report
 * use. cmd_check.c and cmd_status.c call it; it calls neither.
 */
#ifndef MODSIGN_REPORT_MACHINE_H
#define MODSIGN_REPORT_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "util.h"
#include "verdict.h"

/* Where a key came from; a key can have several (the kit's key, enrolled
 * in MOK). */
enum {
	ORIG_NONE = ~0u >> 1, /* a MOK request: no origin to tell */
	ORIG_BUILTIN = 1 << 0,
	ORIG_MOK = 1 << 1,
	ORIG_KIT = 1 << 2,
	ORIG_CERT = 1 << 3, /* --cert */
	ORIG_DKMS = 1 << 4,
	ORIG_UBUNTU = 1 << 5,
};

/* The kit's and Ubuntu's certificates, counted as --cert when there. */
struct known_certs {
	/* root + their paths: kept, cert_id.source points here */
	char kit_path[MS_PATH + 64], ubuntu_path[MS_PATH + 64];
	char kit_why[MS_WHY], ubuntu_why[MS_WHY]; /* "" when read, or absent */
	int kit_read, ubuntu_read;
};

/* Adds them to m->given when they are there; one that exists but cannot
 * be read is noted in k (the report says so), not an error. */
void known_certs_read(struct machine *m, struct known_certs *k);

/* ORIG_* of a kernel key (/proc/keys), and of a certificate modsign read */
unsigned kkey_origin(const struct known_certs *k, const struct machine *m,
		     const struct mkey *key);
unsigned cert_origin(const struct known_certs *k, const struct machine *m,
		     const struct cert_id *c);
/* "signed by the kit's key"...: for the total line, whose key it is (the
 * last origin of the table that o has); NULL when o has none */
const char *origins_signed_by(unsigned o);

/* Whether l holds c (the same issuer and serial number). */
int list_has_cert(const struct cert_list *l, const struct cert_id *c);
/* a certificate's key id as /proc/keys shows it: SKID, else serial */
void cert_keyid(const struct cert_id *c, const uint8_t **id, size_t *n);

/* s, with what a terminal would act on escaped; bytes as hex */
void put_text(struct strbuf *sb, const char *s);
void put_hex(struct strbuf *sb, const uint8_t *p, size_t n);
/* a field's label, "  LABEL" padded to 15 columns */
void put_field(struct strbuf *sb, const char *label);
/* ,"key":"s" (s escaped), or ,"key":null for s NULL */
void put_json_str(struct strbuf *sb, const char *key, const char *s);
/* ,"key":true, false or null (TRI_UNKNOWN) */
void put_json_tri(struct strbuf *sb, const char *key, int v);

/* check's report of the machine: "this machine:" and its fields */
void machine_text(const struct machine *m, const struct policy *p,
		  struct strbuf *sb);
/* ,"machine":{...}, check's members */
void machine_json(const struct machine *m, const struct policy *p,
		  struct strbuf *sb);

/* check's machine lines, then status's: the command line, the kit's and
 * Ubuntu's certificates, the keys with their expiry warnings, the MOK
 * requests */
void status_machine_text(const struct known_certs *k, const struct machine *m,
			 const struct policy *p, struct strbuf *sb);
/* ,"machine":{...}: check's members and status's */
void status_machine_json(const struct known_certs *k, const struct machine *m,
			 const struct policy *p, struct strbuf *sb);

#endif
