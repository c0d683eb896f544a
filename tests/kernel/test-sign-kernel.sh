#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Offline tests of boot-image signing: make kernel-keys and make sign-kernel
# on a copy of Debian's signed kernel, with the real sbsign/sbverify. The
# Secure Boot VM suite shows what shim then does with the result.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

VMLINUZ=$(sed -n 's/^VMLINUZ=//p' "$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1)")
export VMLINUZ

# keyed_tree: a fresh tree with both key pairs.
keyed_tree() {
	fresh_tree tree
	make -s -C tree keys kernel-keys >/dev/null
}

test_kernel_keys_are_for_code_signing_only() {
	keyed_tree
	expect_eq 600 "$(stat -c %a tree/keys/kernel_key.pem)" "key mode"
	openssl x509 -in tree/keys/kernel_key.crt -noout -text >text
	expect_file_contains text "Code Signing"
	expect_file_lacks text "1.3.6.1.4.1.2312.16.1.2"
	expect_file_contains text "CA:FALSE"
	# The DER for mokutil is the same certificate.
	openssl x509 -in tree/keys/kernel_key.crt -outform DER | cmp - tree/keys/kernel_key.der ||
		fail "kernel_key.der is not kernel_key.crt in DER"
	# The module key carries codeSigning too (SUSE's kernels want it of a
	# module's signer), and the module-only OID that keeps it off boot images.
	openssl x509 -inform DER -in tree/keys/signing_key.x509 -noout -text >mtext
	expect_file_contains mtext "Code Signing, 1.3.6.1.4.1.2312.16.1.2"
}

# sbsign and sbverify accept a module key that carries codeSigning; shim
# refuses what it signs (the module OID), so make sign-kernel refuses it
# first: given as the kernel pair (PEM), or to the script directly (DER),
# and so does a key of the kit's older module profile (the OID alone).
test_module_key_never_signs_a_kernel() {
	keyed_tree
	mkdir modkeys
	cp tree/keys/signing_key.pem modkeys/kernel_key.pem
	openssl x509 -inform DER -in tree/keys/signing_key.x509 -out modkeys/kernel_key.crt
	# The check is the kit's: sbsign and sbverify take this key.
	if ! { sbsign --key modkeys/kernel_key.pem --cert modkeys/kernel_key.crt --output direct.signed "$VMLINUZ" &&
		sbverify --cert modkeys/kernel_key.crt direct.signed; } >/dev/null 2>&1; then
		fail "sbsign/sbverify refuse the module key by themselves: this test no longer tells the kit's check apart"
	fi
	local why="carries the module-signing OID 1.3.6.1.4.1.2312.16.1.2: it is a module key, and shim would refuse a kernel signed with it (grub: 'bad shim signature'); make a kernel key with 'make kernel-keys'"
	expect_exit 2 make -s -C tree sign-kernel KEYDIR="$PWD/modkeys" KERNEL="$VMLINUZ" OUT="$PWD/out.signed"
	expect_file_contains err "modsign: ERROR: $PWD/modkeys/kernel_key.crt $why"
	[ ! -e out.signed ] || fail "an output was written"
	expect_exit 1 tree/scripts/sign-kernel.sh "$VMLINUZ" "$PWD/out.signed" tree/keys/signing_key.pem tree/keys/signing_key.x509
	expect_file_contains err "tree/keys/signing_key.x509 $why"
	[ ! -e out.signed ] || fail "an output was written"
	openssl req -new -x509 -nodes -batch -subj "/CN=old module key" -days 2 -newkey rsa:2048 \
		-addext extendedKeyUsage=1.3.6.1.4.1.2312.16.1.2 -keyout old.pem -out old.crt 2>/dev/null
	expect_exit 1 tree/scripts/sign-kernel.sh "$VMLINUZ" "$PWD/out.signed" old.pem old.crt
	expect_file_contains err "old.crt $why"
	[ ! -e out.signed ] || fail "an output was written"
}

test_kernel_keys_refuse_to_overwrite() {
	keyed_tree
	sha256sum tree/keys/kernel_key.* >before
	expect_exit 2 make -s -C tree kernel-keys
	expect_file_contains err "refusing to overwrite a key"
	sha256sum -c --quiet before || fail "kernel-keys changed the pair"
}

test_signed_kernel_verifies_with_kernel_key_not_module_key() {
	keyed_tree
	cp "$VMLINUZ" vmlinuz
	sha256sum vmlinuz >before
	expect_exit 0 make -s -C tree sign-kernel KERNEL="$PWD/vmlinuz" OUT="$PWD/signed/vmlinuz.signed" REPLACE_SIGNATURES=1
	sha256sum -c --quiet before || fail "the input kernel was changed"
	sbverify --cert tree/keys/kernel_key.crt signed/vmlinuz.signed >/dev/null 2>&1 ||
		fail "sbverify rejects the kernel key's signature"
	openssl x509 -inform DER -in tree/keys/signing_key.x509 -out module.crt
	if sbverify --cert module.crt signed/vmlinuz.signed >/dev/null 2>&1; then
		fail "sbverify accepts the module key for a kernel it did not sign"
	fi
	sbverify --list signed/vmlinuz.signed >list 2>&1
	expect_eq 1 "$(grep -c '^signature [0-9]' list)" "signatures after REPLACE_SIGNATURES=1"
	expect_file_lacks list "Debian"
}

test_existing_signature_is_kept_unless_asked() {
	keyed_tree
	expect_exit 0 make -s -C tree sign-kernel KERNEL="$VMLINUZ" OUT="$PWD/vmlinuz.signed"
	expect_file_contains err "already has 1 signature(s)"
	sbverify --list vmlinuz.signed >list 2>&1
	expect_eq 2 "$(grep -c '^signature [0-9]' list)" "signatures"
	expect_file_contains list "Debian Secure Boot"
}

test_default_output_stays_in_the_kit() {
	keyed_tree
	expect_exit 0 make -s -C tree sign-kernel KERNEL="$VMLINUZ"
	[ -f "tree/build/$(basename "$VMLINUZ").signed" ] || fail "no build/$(basename "$VMLINUZ").signed"
}

test_non_pe_file_is_refused() {
	keyed_tree
	head -c 4096 /dev/urandom >vmlinux
	expect_exit 2 make -s -C tree sign-kernel KERNEL="$PWD/vmlinux" OUT="$PWD/out.signed"
	expect_file_contains err "is not a PE/EFI boot image"
	[ ! -e out.signed ] || fail "an output was written"
}

# An sbsign that exits 0 but writes an image that does not verify (the
# fake tests/kernel/fake-sbsign-bad): make sign-kernel's own sbverify check
# fails the run, writes no OUT, and leaves the input as it was.
test_signed_image_that_does_not_verify_is_refused() {
	keyed_tree
	cp "$VMLINUZ" vmlinuz
	sha256sum vmlinuz >before
	mkdir bin
	ln -s "$TOP/tests/kernel/fake-sbsign-bad" bin/sbsign
	: >fake.log
	REAL_SBSIGN=$(command -v sbsign)
	expect_exit 2 env PATH="$PWD/bin:$PATH" REAL_SBSIGN="$REAL_SBSIGN" FAKE_SBSIGN_LOG="$PWD/fake.log" \
		make -s -C tree sign-kernel KERNEL="$PWD/vmlinuz" OUT="$PWD/signed/vmlinuz.signed"
	expect_eq 1 "$(wc -l <fake.log)" "runs of the fake sbsign"
	expect_file_contains err "modsign: ERROR: the signed image does not verify with $PWD/tree/keys/kernel_key.crt"
	[ ! -e signed/vmlinuz.signed ] || fail "an output was written"
	[ -z "$(ls -A signed 2>/dev/null)" ] || fail "files were left beside OUT: $(ls -A signed)"
	sha256sum -c --quiet before || fail "the input kernel was changed"
}

test_missing_kernel_or_keys_is_a_clear_error() {
	fresh_tree tree
	expect_exit 2 make -s -C tree sign-kernel
	expect_file_contains err "no kernel given"
	expect_exit 2 make -s -C tree sign-kernel KERNEL="$VMLINUZ"
	expect_file_contains err "run 'make kernel-keys' first"
}

run_tests "$@"
