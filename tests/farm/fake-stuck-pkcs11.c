// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake-stuck-pkcs11.c - a FAKE PKCS#11 module for the farm tests: it
 * forwards every call to the real module named by $FAKE_STUCK_MODULE
 * (SoftHSM2), except that C_Sign, after $FAKE_STUCK_AFTER calls that
 * return, never returns again: a token that stopped answering in the
 * middle of a signature (libp11 0.4.13 waiting for a session that never
 * comes back, a hung HSM driver), which no signal ends.
 *
 *   cc -shared -fPIC -I/usr/include/p11-kit-1 -o fake-stuck-pkcs11.so \
 *      fake-stuck-pkcs11.c -ldl
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST fake;
static CK_C_Sign real_sign;
static atomic_long calls;

static CK_RV stuck_sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len,
			CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	const char *after = getenv("FAKE_STUCK_AFTER");
	long n = after ? atol(after) : 3;

	/* a call that only asks for the length (sig NULL) is not counted */
	if (sig && atomic_fetch_add(&calls, 1) >= n)
		for (;;)
			pause(); /* a signal's handler returns here */
	return real_sign(s, data, len, sig, siglen);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	const char *path = getenv("FAKE_STUCK_MODULE");
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR real;
	void *h;

	if (!path || !(h = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
		return CKR_GENERAL_ERROR;
	get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	if (!get || get(&real) != CKR_OK)
		return CKR_GENERAL_ERROR;
	fake = *real;
	real_sign = real->C_Sign;
	fake.C_Sign = stuck_sign;
	*list = &fake;
	return CKR_OK;
}
