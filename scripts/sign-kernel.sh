#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Signs a kernel (or any PE/EFI boot image) for Secure Boot with sbsign.
#
#   sign-kernel.sh KERNEL OUT KEY CERT
#
# Refuses a CERT that carries the module-signing OID (a module key: shim
# would refuse the kernel). Checks that KERNEL is a PE/EFI image (sbverify
# --list), removes its existing signatures only when REPLACE_SIGNATURES=1
# (sbattach --remove), signs a temporary copy with sbsign, checks it with
# sbverify --cert, and renames it to OUT. KERNEL itself is never changed
# unless it is OUT.
set -euo pipefail

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

[ $# == 4 ] || {
	echo "usage: sign-kernel.sh KERNEL OUT KEY CERT" >&2
	exit 2
}
kernel=$1 out=$2 key=$3 cert=$4

for tool in sbsign sbverify sbattach; do
	command -v "$tool" >/dev/null || die "$tool is not installed: apt-get install sbsigntool"
done
[ -n "$kernel" ] || die "no kernel given: make sign-kernel KERNEL=path/to/vmlinuz [OUT=path]"
[ -f "$kernel" ] || die "$kernel: no such file"
if [ ! -r "$key" ] || [ ! -r "$cert" ]; then
	die "$key or $cert is missing: run 'make kernel-keys' first (the module key cannot sign boot images)"
fi

# A module key never signs a boot image. Its certificate carries the
# module-only OID, and shim refuses any image signed by such a key, even
# when codeSigning is beside it (the kit's module profile since issue #16):
# sbsign and sbverify do not know that OID and would accept it.
eku=$(openssl x509 -in "$cert" -noout -ext extendedKeyUsage 2>/dev/null) ||
	die "$cert is not an X.509 certificate: give the kernel key's (keys/kernel_key.crt, from 'make kernel-keys')"
if grep -q '1\.3\.6\.1\.4\.1\.2312\.16\.1\.2' <<<"$eku"; then
	die "$cert carries the module-signing OID 1.3.6.1.4.1.2312.16.1.2: it is a module key, and shim would refuse a kernel signed with it (grub: 'bad shim signature'); make a kernel key with 'make kernel-keys' and sign with that (nothing was written)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/modsign-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! sbverify --list "$kernel" >"$work/list" 2>&1; then
	if grep -q "No signature table present" "$work/list"; then
		: # an unsigned PE image
	else
		die "$kernel is not a PE/EFI boot image ($(tr '\n' ' ' <"$work/list")): give the compressed kernel (vmlinuz or arch/x86/boot/bzImage), not vmlinux"
	fi
fi
signatures=$(grep -c '^signature [0-9]' "$work/list" || true)

cp "$kernel" "$work/image"
if [ "$signatures" -gt 0 ]; then
	if [ "${REPLACE_SIGNATURES:-}" == 1 ]; then
		echo "Removing $signatures existing signature(s) from a copy of $kernel"
		while grep -q '^signature [0-9]' <<<"$(sbverify --list "$work/image" 2>/dev/null)"; do
			sbattach --remove "$work/image" >/dev/null
		done
	else
		echo "modsign: notice: $kernel already has $signatures signature(s) (for example the distribution's): adding ours beside them; REPLACE_SIGNATURES=1 removes them first" >&2
	fi
fi

echo "Signing $kernel with $cert"
sbsign --key "$key" --cert "$cert" --output "$work/signed" "$work/image" >"$work/log" 2>&1 ||
	die "sbsign failed: $(tr '\n' ' ' <"$work/log")"
sbverify --cert "$cert" "$work/signed" >"$work/log" 2>&1 ||
	die "the signed image does not verify with $cert: $(tr '\n' ' ' <"$work/log")"

# Same folder as OUT, then rename: OUT is either the old file or the new one.
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$(dirname "$out")/.$(basename "$out").XXXXXX")
trap 'rm -rf "$work" "$tmp"' EXIT
cp "$work/signed" "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
echo "Wrote $out (verified with sbverify --cert $cert)"
