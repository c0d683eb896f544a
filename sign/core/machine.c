// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * machine.c - releases a struct machine: the key lists it owns. Here, not
 * in io/sysstate.c, so that what builds a machine by hand (the unit tests,
 * the fuzzer) frees it the same way without linking the file side.
 */
#include "machine.h"

#include <stdlib.h>

void machine_free(struct machine *m)
{
	free(m->keys.keys);
	m->keys.keys = NULL;
	cert_list_free(&m->moklist);
	cert_list_free(&m->moknew);
	cert_list_free(&m->mokdel);
	cert_list_free(&m->given);
	cert_list_free(&m->dkms);
	cert_list_free(&m->builtin);
}
