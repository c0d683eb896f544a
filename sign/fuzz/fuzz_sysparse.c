// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_sysparse.c - libFuzzer target for what `modsign check` parses: the
 * same bytes as an EFI signature list (MokListRT/MokNew, certificates
 * through libcrypto), /proc/keys, a kernel config, lockdown, sig_enforce,
 * an EFI variable, and a module (.modinfo, trailer, the verdict against a
 * machine of which nothing is known). ASan catches any read outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymatch.h"
#include "sysparse.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine unknown_machine;

/* A machine of which nothing could be read. */
static void init_unknown(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->efi = m->efivars = m->secure_boot = m->setup_mode = TRI_UNKNOWN;
	m->lockdown = LOCKDOWN_UNKNOWN;
	m->sig_enforce = m->sig_param = TRI_UNKNOWN;
	kconfig_parse(NULL, 0, &m->kc);
	m->keys.status = KEYS_UNREADABLE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct siglist_iter it;
	struct siglist_entry e;
	struct cert_list l;
	struct kconfig kc;
	struct pkey k;
	struct modfacts f;
	struct policy p;
	struct decision d;
	const char *val;
	char ver[64];
	size_t off = 0, vlen, n = 0;
	uint8_t *copy;
	int r;

	if (unknown_machine.efi == 0)
		init_unknown(&unknown_machine);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	siglist_init(&it, copy, size);
	while ((r = siglist_next(&it, &e)) == 1) {
		/* every entry lies inside the buffer */
		if (e.data < copy || e.data + e.data_len > copy + size ||
		    e.offset + EFI_GUID_LEN + e.data_len > size)
			abort();
		n++;
	}
	if (r == -1 && (!it.err || it.err_off > size))
		abort();
	memset(&l, 0, sizeof(l));
	cert_list_parse(&l, copy, size, "fuzz");
	if (l.n > n)
		abort();
	cert_list_free(&l);

	while (proc_keys_next((const char *)copy, size, &off, &k)) {
		if (off > size || strlen(k.name) >= sizeof(k.name) ||
		    k.id_len > sizeof(k.id))
			abort();
	}
	kconfig_parse((const char *)copy, size, &kc);
	if (strlen(kc.sig_hash) >= sizeof(kc.sig_hash))
		abort();
	if (strlen(kc.module_compress) >= sizeof(kc.module_compress))
		abort();
	if (dpkg_installed_version((const char *)copy, size, "kmod", ver,
				   sizeof(ver)) &&
	    (strlen(ver) >= sizeof(ver) || version_major(ver) > 9999))
		abort();
	(void)module_compression_parse((const char *)copy, size);
	(void)lockdown_parse((const char *)copy, size);
	(void)bool_param_parse((const char *)copy, size);
	(void)efivar_u8(copy, size);

	if (modinfo_get(copy, size, "vermagic", &val, &vlen) == 1 &&
	    ((const uint8_t *)val < copy ||
	     (const uint8_t *)val + vlen > copy + size))
		abort();
	modfacts_read(copy, size, &f);
	machine_policy(&unknown_machine, &p);
	decide(&unknown_machine, &p, &f, &d);
	/* nothing is known about the machine: no verdict may say it loads */
	if (d.v == V_LOAD || d.v == V_LOAD_WARN)
		abort();
	free(copy);
	return 0;
}
