#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command tests for `modsign check`: every verdict, its next step, the exit
# codes, --json, and "unknown" when the machine does not say.
#
#   tests/modsign/verdicts.sh [NAME...]   run all tests, or the named ones
#
# Each test builds a fake root (efivars files with their 4 attribute bytes,
# /proc/keys, lockdown, sig_enforce, MokListRT/MokNew signature lists, a
# /boot/config) and runs `modsign check --root` on a real module of Debian's
# 6.1 kernel (vm/fetch-debian.sh), stripped and signed again with
# throwaway keys made here by the kernel's own scripts/sign-file; Debian's
# own modules (6.1 and 6.12) are checked as they are, against their real
# kernel images under the fake root's /boot. The suite
# is named after this file: `verdicts: N passed, N failed`. MODSIGN names the
# binary (make -C sign check passes its ASan+UBSan build).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tools "$SIGN_FILE" openssl perl xz gzip

CN_A="modsign verdicts key A"
CN_B="modsign verdicts key B"

# Shared by all tests of a run: keys, certificates, modules.
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-verdicts.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
export SHARED

make_pair A "$CN_A"
make_pair B "$CN_B"
# A2: another key with A's name, as after `make rotate-keys`
make_pair A2 "$CN_A"

# DKMS's own key, made the way DKMS 3.0.10 makes /var/lib/dkms/mok.key
# and mok.pub, and another key to stand in /var/lib/dkms/mok.pub with a
# different name
openssl req -new -x509 -nodes -days 36500 -subj "/CN=DKMS module signing key" \
	-newkey rsa:2048 -keyout "$SHARED/D.key" -outform DER -out "$SHARED/D.der" \
	>"$SHARED/openssl.log" 2>&1 || suite_error "openssl req: $(cat "$SHARED/openssl.log")"
make_pair E "modsign verdicts key E"

# The module: Debian's crc7.ko, its signature cut off, then signed again.
DEBIAN_KO=$(find "$MODDIR" -name crc7.ko | sed -n 1p)
[ -n "$DEBIAN_KO" ] || suite_error "no crc7.ko in $MODDIR"
strip_sig "$DEBIAN_KO" "$SHARED/unsigned.ko"
cp "$DEBIAN_KO" "$SHARED/debian.ko"
# A module with a version in .modinfo (1.04), signed by DKMS's key
ITCO_KO=$(find "$MODDIR" -name iTCO_vendor_support.ko | sed -n 1p)
[ -n "$ITCO_KO" ] || suite_error "no iTCO_vendor_support.ko in $MODDIR"
strip_sig "$ITCO_KO" "$SHARED/iTCO_vendor_support.ko"
"$SIGN_FILE" sha256 "$SHARED/D.key" "$SHARED/D.der" "$SHARED/iTCO_vendor_support.ko"
for k in A B A2 D E; do
	cp "$SHARED/unsigned.ko" "$SHARED/$k.ko"
	"$SIGN_FILE" sha256 "$SHARED/$k.key" "$SHARED/$k.der" "$SHARED/$k.ko"
done
# signed by A, naming the key by its subject key identifier
cp "$SHARED/unsigned.ko" "$SHARED/Ak.ko"
"$SIGN_FILE" -k sha256 "$SHARED/A.key" "$SHARED/A.der" "$SHARED/Ak.ko"

# ---- helpers ----

# The fake-root helpers (strip_sig, set_secure_boot, set_keys, sb_root ...)
# are in fakeroot.sh, which common.sh sources.

# open_root ROOT: a machine without EFI, not locked down, not enforcing
open_root() {
	mkdir -p "$1/sys/firmware/acpi"
	set_lockdown "$1" none
	set_sig_enforce "$1" N
	set_release "$1" "$RELEASE"
	set_keys "$1"
}

# check ROOT FILE...: modsign check --root ROOT, output in $T/out
check() {
	local want=$1
	shift
	expect_exit "$want" "$MODSIGN" check "$@"
}

# expect_line TEXT: a whole line of $T/out is exactly TEXT
expect_line() {
	grep -qxF -- "$1" "$T/out" || fail "no line '$1' in: $(cat "$T/out")"
}

# ---- the verdicts ----

test_trusted_mok_key_loads() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	check 0 --root r a.ko
	expect_line "a.ko: will load: signed by $CN_A, a key this kernel trusts"
	expect_line "  next step:   none"
	expect_line "  check:       good (checked against the certificate from MokListRT)"
	expect_file_contains "$T/out" "  key:         trusted: $CN_A: $(skid_hex "$SHARED/A.der") in /proc/keys"
	expect_line "  Secure Boot: enabled (SetupMode 0)"
	expect_line "  lockdown:    integrity"
	expect_line "  sig_enforce: Y"
	expect_line "  kernel:      $RELEASE (/proc/sys/kernel/osrelease)"
	expect_line "  config:      CONFIG_MODULE_SIG=y, CONFIG_MODULE_SIG_FORCE=n, hash sha256 (/boot/config-$RELEASE)"
	expect_line "  kernel keys: 2 keys in .builtin_trusted_keys, .secondary_trusted_keys, .platform (/proc/keys)"
	expect_line "  MokListRT:   1 certificate (/sys/firmware/efi/efivars/MokListRT-$SHIM_GUID)"
	expect_line "  MokNew:      no enrollment pending"
	expect_line "  signatures:  enforced (sig_enforce=Y, lockdown integrity)"
	expect_file_contains "$T/out" "  vermagic:    $RELEASE SMP preempt mod_unload modversions (matches the running kernel)"
	expect_file_lacks "$T/err" "ERROR"
}

test_unsigned_rejected() {
	sb_root r
	cp "$SHARED/unsigned.ko" u.ko
	check 1 --root r u.ko
	expect_line "u.ko: will be rejected: unsigned"
	expect_line "  signature:   none"
	expect_line "  next step:   make sign"
	expect_file_lacks "$T/out" "  key:"
	# the file is fine, the verdict is not: no error message
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
}

test_untrusted_key_rejected() {
	sb_root r
	cp "$SHARED/B.ko" b.ko
	check 1 --root r b.ko
	expect_line "b.ko: will be rejected: signed by $CN_B, which this kernel does not trust"
	expect_line "  next step:   make enroll, then reboot and confirm the key in MokManager"
	expect_file_contains "$T/out" "  key:         not trusted: not in the kernel's keyrings (.builtin_trusted_keys, .secondary_trusted_keys, .platform); not in MokListRT, no enrollment pending"
	expect_file_contains "$T/out" "sig_key $(openssl x509 -inform DER -in "$SHARED/B.der" -noout -serial | sed 's/^serial=//; s/../&:/g; s/:$//')"
}

test_enrollment_pending() {
	sb_root r
	set_moknew r "$SHARED/B.der"
	cp "$SHARED/B.ko" b.ko
	check 1 --root r b.ko
	expect_line "b.ko: enrollment pending: reboot and confirm in MokManager"
	expect_line "  next step:   reboot and confirm the key in MokManager"
	expect_line "  MokNew:      1 certificate waiting for MokManager"
	expect_line "  check:       good (checked against the certificate from MokNew)"
	# the already enrolled key still loads
	cp "$SHARED/A.ko" a.ko
	check 0 --root r a.ko
}

test_wrong_vermagic() {
	sb_root r
	echo 6.12.95+deb12-amd64 >r/proc/sys/kernel/osrelease
	cp "$SHARED/A.ko" a.ko
	check 1 --root r a.ko
	expect_line "a.ko: will be rejected: built for $RELEASE, running 6.12.95+deb12-amd64"
	expect_line "  next step:   rebuild it for the running kernel: make clean sign KDIR=/lib/modules/6.12.95+deb12-amd64/build"
	expect_line "  vermagic:    $RELEASE SMP preempt mod_unload modversions (running 6.12.95+deb12-amd64)"
	# --release wins over the file
	check 0 --root r --release "$RELEASE" a.ko
	expect_line "  kernel:      $RELEASE (--release)"
	check 1 --root r --release 6.1.0-99-amd64 a.ko
	expect_line "a.ko: will be rejected: built for $RELEASE, running 6.1.0-99-amd64"
}

# An ECDSA key (make keys KEY_TYPE=ecdsa) enrolled on Debian 12's 6.1,
# whose config lacks CONFIG_CRYPTO_ECDSA: the kernel cannot load the key
# nor check the signature, "Key was rejected by service" under Secure Boot
# (issue #25). With the option (trixie's kernels) the key decides.
test_ecdsa_key_on_a_kernel_without_crypto_ecdsa() {
	local cn="modsign verdicts key EC" line
	openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 30 \
		-subj "/CN=$cn" -addext "subjectKeyIdentifier=hash" -keyout ec.key -outform DER -out ec.der 2>/dev/null ||
		fail "openssl cannot make an EC pair"
	cp "$SHARED/unsigned.ko" e.ko
	"$SIGN_FILE" sha256 ec.key ec.der e.ko
	grep -qx '# CONFIG_CRYPTO_ECDSA is not set' "$CONFIG" || fail "$CONFIG has CONFIG_CRYPTO_ECDSA"
	sb_root r
	set_moklist r "$SHARED/A.der" ec.der
	line="e.ko: will be rejected: signed by $cn with an ECDSA key, which this kernel cannot check (CONFIG_CRYPTO_ECDSA is not set in /boot/config-$RELEASE)"
	check 1 --root r e.ko
	expect_line "$line"
	expect_line "  next step:   sign it with an RSA key for this kernel: make keys KEYDIR=<folder> (RSA is the default), make sign KDIR=<this kernel's headers> KEYDIR=<folder>, then make enroll KEYDIR=<folder> and reboot"
	check 1 --root r --json e.ko
	expect_file_contains "$T/out" '"reason":"no-ecdsa"'
	# not enforced: it loads, tainting the kernel
	open_root r2
	check 0 --root r2 e.ko
	expect_line "e.ko: will load with a warning (taints the kernel): signed by $cn with an ECDSA key, which this kernel cannot check (CONFIG_CRYPTO_ECDSA is not set in /boot/config-$RELEASE)"
	# a kernel with CONFIG_CRYPTO_ECDSA=y that holds the key: loads
	sed -i 's/^# CONFIG_CRYPTO_ECDSA is not set$/CONFIG_CRYPTO_ECDSA=y/' "r/boot/config-$RELEASE"
	set_keys r "$CN_A" "$SHARED/A.der" "$cn" ec.der
	check 0 --root r e.ko
	expect_line "e.ko: will load: signed by $cn, a key this kernel trusts"
}

test_taint_warning_when_not_enforced() {
	open_root r
	cp "$SHARED/unsigned.ko" u.ko
	cp "$SHARED/B.ko" b.ko
	check 0 --root r u.ko b.ko
	expect_line "u.ko: will load with a warning (taints the kernel): unsigned"
	expect_line "  next step:   optional: make sign, so that it loads without tainting the kernel"
	expect_line "b.ko: will load with a warning (taints the kernel): signed by $CN_B, which this kernel does not trust"
	expect_line "  next step:   optional: make enroll and reboot, so that it loads without tainting the kernel"
	expect_line "  Secure Boot: off (no /sys/firmware/efi: not booted through UEFI)"
	expect_line "  MokListRT:   none (not booted through UEFI)"
	expect_line "  signatures:  checked, not enforced: a bad one taints the kernel (sig_enforce=N, lockdown none)"
}

test_lockdown_alone_rejects() {
	open_root r
	set_lockdown r integrity
	cp "$SHARED/unsigned.ko" u.ko
	check 1 --root r u.ko
	expect_line "u.ko: will be rejected: unsigned"
	expect_line "  signatures:  enforced (lockdown integrity)"
	set_lockdown r confidentiality
	check 1 --root r u.ko
	expect_line "  signatures:  enforced (lockdown confidentiality)"
}

test_signatures_not_checked() {
	open_root r
	set_sig_enforce r absent
	sed -i 's/^CONFIG_MODULE_SIG=y$/# CONFIG_MODULE_SIG is not set/' "r/boot/config-$RELEASE"
	cp "$SHARED/unsigned.ko" u.ko
	check 0 --root r u.ko
	expect_line "u.ko: will load: this kernel does not check module signatures"
	expect_line "  sig_enforce: absent (no sig_enforce parameter: this kernel does not check module signatures)"
	expect_line "  signatures:  not checked (this kernel does not check module signatures)"
}

test_config_from_proc_config_gz() {
	open_root r
	rm "r/boot/config-$RELEASE"
	gzip -c "$CONFIG" >r/proc/config.gz
	cp "$SHARED/unsigned.ko" u.ko
	check 0 --root r u.ko
	expect_line "  config:      CONFIG_MODULE_SIG=y, CONFIG_MODULE_SIG_FORCE=n, hash sha256 (/proc/config.gz)"
	rm r/proc/config.gz
	check 0 --root r u.ko
	expect_file_contains "$T/out" "  config:      unknown (cannot read /boot/config-$RELEASE, /usr/lib/modules/$RELEASE/config or /lib/modules/$RELEASE/config: No such file or directory; no /proc/config.gz)"
}

# ---- unknown, never guessed ----

test_unknown_when_nothing_is_readable() {
	mkdir r
	cp "$SHARED/unsigned.ko" u.ko
	cp "$SHARED/A.ko" a.ko
	check 1 --root r --release "$RELEASE" u.ko a.ko
	expect_line "  Secure Boot: unknown (no /sys/firmware: cannot tell how it booted)"
	expect_line "  lockdown:    unknown (cannot read /sys/kernel/security/lockdown: No such file or directory)"
	expect_line "  kernel keys: unknown (cannot read /proc/keys: No such file or directory)"
	expect_line "  signatures:  enforcement unknown (whether it checks signatures at all is unknown (no sig_enforce parameter readable, no config), sig_enforce unknown, lockdown unknown)"
	expect_file_contains "$T/out" "u.ko: unknown: unsigned, and whether this kernel enforces module signatures is unknown"
	expect_line "a.ko: unknown: signed by $CN_A; whether this kernel trusts that key is unknown"
	expect_line "  next step:   run modsign check as root on the machine that will load it (only root sees the kernel's keyrings in /proc/keys)"
	# no release either: not even a loading module is "will load"
	set_sig_enforce r absent
	check 1 --root r u.ko
	expect_line "u.ko: unknown: the running kernel's release is unknown, so the vermagic cannot be compared"
	expect_line "  kernel:      unknown (cannot read /proc/sys/kernel/osrelease (give it with --release))"
	expect_line "  next step:   give the release: --release RELEASE"
}

test_unknown_without_efi_variables() {
	sb_root r
	rm -rf r/sys/firmware/efi/efivars
	mkdir r/sys/firmware/efi/efivars
	cp "$SHARED/A.ko" a.ko
	check 1 --root r a.ko
	expect_line "  Secure Boot: unknown (no EFI variables readable: /sys/firmware/efi/efivars is empty or missing (efivarfs not mounted?))"
	expect_line "  MokListRT:   unknown (no EFI variables readable)"
	expect_line "  MokNew:      unknown (no EFI variables readable)"
	# without MokListRT's certificate, the name alone proves nothing
	expect_line "a.ko: unknown: signed by $CN_A; whether this kernel trusts that key is unknown"
}

test_keys_hidden_from_users() {
	sb_root r
	printf '4e5f6a7b I--Q---    12 perm 3f030000  1000  1000 keyring   _ses: 1\n' >r/proc/keys
	cp "$SHARED/A.ko" a.ko
	check 1 --root r a.ko
	expect_line "a.ko: unknown: signed by $CN_A; whether this kernel trusts that key is unknown"
	expect_line "  kernel keys: unknown (/proc/keys does not show the kernel's keyrings (.builtin_trusted_keys); it shows them to root only)"
	expect_file_contains "$T/out" "its certificate is enrolled in MOK (MokListRT)"
	expect_line "  next step:   run modsign check as root on the machine that will load it (only root sees the kernel's keyrings in /proc/keys)"
	# the same, without lockdown and sig_enforce: it loads either way
	set_lockdown r none
	set_sig_enforce r N
	check 0 --root r a.ko
	expect_line "a.ko: will load: signatures are not enforced (it taints the kernel unless $CN_A is trusted, which is unknown)"
}

# ---- matching by certificate, not by name ----

test_rotated_key_with_the_same_name() {
	sb_root r
	cp "$SHARED/A2.ko" a2.ko
	check 1 --root r a2.ko
	expect_line "a2.ko: will be rejected: signed by $CN_A, which this kernel does not trust"
	expect_file_contains "$T/out" "; a different key with the same name is ($CN_A: $(skid_hex "$SHARED/A.der") in /proc/keys)"
	# no MOK list to tell them apart: unknown, and how to find out
	rm r/sys/firmware/efi/efivars/MokListRT-*
	check 1 --root r a2.ko
	expect_line "a2.ko: unknown: signed by $CN_A; whether this kernel trusts that key is unknown"
	expect_line "  next step:   give the signer's certificate: modsign check --cert CERT FILE (the kit's is keys/signing_key.x509)"
	expect_file_contains "$T/out" "a key of that name is trusted ($CN_A: $(skid_hex "$SHARED/A.der") in /proc/keys), but without the signer's certificate modsign cannot tell whether it is the same key"
	# --cert with the signer's certificate (DER or PEM) settles it
	check 1 --root r --cert "$SHARED/A2.der" a2.ko
	expect_line "a2.ko: will be rejected: signed by $CN_A, which this kernel does not trust"
	openssl x509 -inform DER -in "$SHARED/A.der" -out a.pem
	cp "$SHARED/A.ko" a.ko
	check 0 --root r --cert a.pem a.ko
	expect_line "a.ko: will load: signed by $CN_A, a key this kernel trusts"
	expect_line "  check:       good (checked against the certificate from a.pem)"
}

test_enrolled_but_not_loaded() {
	sb_root r
	set_keys r
	cp "$SHARED/A.ko" a.ko
	check 1 --root r a.ko
	expect_line "a.ko: will be rejected: signed by $CN_A, which this kernel does not trust"
	expect_line "  next step:   the key is enrolled (MokListRT) but this kernel did not load it: see \"The key was enrolled but modules still fail\" in docs/troubleshooting.md"
}

test_signature_naming_the_key_id() {
	sb_root r
	rm r/sys/firmware/efi/efivars/MokListRT-*
	cp "$SHARED/Ak.ko" ak.ko
	check 0 --root r ak.ko
	expect_line "ak.ko: will load: signed by $CN_A, a key this kernel trusts"
	expect_file_contains "$T/out" "(matched by the signature's key id)"
}

test_changed_after_signing() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	# one byte of the license string in .modinfo
	off=$(grep -obUaF 'license=GPL' a.ko | sed -n 1p | cut -d: -f1)
	printf 'X' | dd of=a.ko bs=1 seek=$((off + 8)) conv=notrunc status=none
	check 1 --root r a.ko
	expect_line "a.ko: will be rejected: the signature does not match the module (changed after signing?)"
	expect_line "  next step:   make sign"
	expect_file_contains "$T/out" "  check:       digest mismatch"
}

test_damaged_signature() {
	open_root r
	cp "$SHARED/A.ko" a.ko
	n=$(stat -c %s a.ko)
	l=$(od -An -tu1 -j $((n - 32)) -N4 a.ko | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	printf '\004' | dd of=a.ko bs=1 seek=$((n - 40 - l)) conv=notrunc status=none
	# refused even where signatures are not enforced
	check 1 --root r a.ko
	expect_file_contains "$T/out" "a.ko: will be rejected: damaged signature"
	expect_line "  next step:   make clean sign"
}

test_debian_module_and_builtin_key() {
	local cert
	cert=$(builtin_cert "$VMLINUZ")
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "Build time autogenerated kernel key" "$cert"
	cp "$SHARED/debian.ko" d.ko
	# a key of that name is there, but nothing says it is the signer's
	check 1 --root r d.ko
	expect_line "d.ko: unknown: signed by Build time autogenerated kernel key; whether this kernel trusts that key is unknown"
	expect_line "  next step:   give the signer's certificate: modsign check --cert CERT FILE (the kit's is keys/signing_key.x509)"
	# another certificate settles nothing
	check 1 --root r --cert "$SHARED/B.der" d.ko
	expect_line "d.ko: unknown: signed by Build time autogenerated kernel key; whether this kernel trusts that key is unknown"
	# the kernel's own certificate does
	check 0 --root r --cert "$cert" d.ko
	expect_line "d.ko: will load: signed by Build time autogenerated kernel key, a key this kernel trusts"
	expect_file_contains "$T/out" "  check:       good (checked against the certificate from $cert)"
	# and without that key in the kernel, it is not trusted
	set_keys r "$CN_A" "$SHARED/A.der"
	check 1 --root r --cert "$cert" d.ko
	expect_line "d.ko: will be rejected: signed by Build time autogenerated kernel key, which this kernel does not trust"
}

# debian_root ROOT IMAGE RELEASE CONFIG: a Secure Boot machine running
# RELEASE, whose /boot holds IMAGE and CONFIG (copies: a link to the
# real image, outside the root, would resolve inside it, as chroot does)
debian_root() {
	sb_root "$1"
	mkdir -p "$1/proc/sys/kernel" "$1/boot"
	echo "$3" >"$1/proc/sys/kernel/osrelease"
	cp "$4" "$1/boot/config-$3"
	cp "$2" "$1/boot/vmlinuz-$3"
}

# The distribution's key, found through the certificate in the kernel
# image: the key the oracle (builtin_cert, the openssl command) finds in
# Debian's 6.1 image is the one modsign ties the module to, and the
# signature checks against the certificate modsign found.
test_debian_module_builtin_image() {
	local cert img=/boot/vmlinuz-$RELEASE bt="Build time autogenerated kernel key"
	cert=$(builtin_cert "$VMLINUZ")
	[ -s "$cert" ] || fail "the oracle found no certificate in $VMLINUZ"
	debian_root r "$VMLINUZ" "$RELEASE" "$CONFIG"
	cp "$SHARED/debian.ko" d.ko
	# /proc/keys holds only the oracle's certificate under that name
	set_keys r "$CN_A" "$SHARED/A.der"
	sed -i '/5a1e0c0ffee0ddba11de7ec7ab1e5eed0fab1e00/d' r/proc/keys
	key_line 3c4d5e99 "$bt" "$cert" >>r/proc/keys
	check 0 --root r d.ko
	expect_line "d.ko: will load: signed by $bt, a key this kernel trusts"
	expect_line "  key:         trusted: $bt: $(skid_hex "$cert") in /proc/keys (its certificate is built into $img)"
	expect_line "  check:       good (checked against the certificate from $img)"
	# not root (no /proc/keys): the image says it is built in
	mv r/proc/keys r/proc/keys.real
	check 0 --root r d.ko
	expect_line "d.ko: will load: signed by $bt, a key built into this kernel (its certificate is in $img)"
	expect_line "  key:         trusted: built into $img (its certificate list); /proc/keys cannot confirm it: cannot read /proc/keys: No such file or directory"
	expect_line "  check:       good (checked against the certificate from $img)"
	# the running kernel is another release: its keys say nothing
	mv r/proc/keys.real r/proc/keys
	set_keys r "$CN_A" "$SHARED/A.der"
	echo "6.1.0-0-other" >r/proc/sys/kernel/osrelease
	check 0 --root r --release "$RELEASE" d.ko
	expect_line "d.ko: will load: signed by $bt, a key built into this kernel (its certificate is in $img)"
	expect_file_contains "$T/out" "it shows the running kernel's keys, and that is another release"
	# (running this release with another built-in key: unit_kimage)
}

# Without a readable image only the name is left, and the answer says so.
test_debian_module_no_image() {
	local bt="Build time autogenerated kernel key" img=/boot/vmlinuz-$RELEASE at
	debian_root r "$VMLINUZ" "$RELEASE" "$CONFIG"
	cp "$SHARED/debian.ko" d.ko
	rm "r$img"
	check 1 --root r d.ko
	expect_line "d.ko: unknown: signed by $bt; whether this kernel trusts that key is unknown"
	expect_file_contains "$T/out" "but without the signer's certificate modsign cannot tell whether it is the same key; the kernel image, which may hold it, could not be read (cannot read $img, /usr/lib/modules/$RELEASE/vmlinuz or /lib/modules/$RELEASE/vmlinuz: No such file or directory)"
	check 1 --root r --json d.ko
	expect_file_contains "$T/out" '"match":"name"'
	# damaged: the xz stream header's CRC overwritten (refused before
	# any decoding, which keeps the test fast)
	cp "$VMLINUZ" "r$img"
	at=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "r$img" | sed -n 1p | cut -d: -f1)
	printf 'CRC!' | dd of="r$img" bs=1 seek=$((at + 8)) conv=notrunc status=none
	check 1 --root r d.ko
	expect_file_contains "$T/out" "could not be read ($img: compressed kernel: cannot decompress (xz): damaged xz data)"
	# not a kernel image at all
	echo "not a kernel" >"r$img"
	check 1 --root r d.ko
	expect_file_contains "$T/out" "could not be read ($img: not an x86 bzImage (no \"HdrS\" boot header))"
}

# Debian's 6.12 image is zstd-compressed; its modules are .ko.xz.
test_debian_612_module_builtin_image() {
	local env612 img612 rel612 conf612 mod612 cert img bt="Build time autogenerated kernel key"
	env612=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12) ||
		fail "cannot fetch Debian's 6.12 kernel"
	# shellcheck disable=SC1090
	read -r img612 rel612 conf612 mod612 < <(source "$env612" &&
		echo "$VMLINUZ $RELEASE $CONFIG $(find "$MODDIR" -name crc7.ko.xz | sed -n 1p)")
	[ -n "$mod612" ] || fail "no crc7.ko.xz in Debian's 6.12 modules"
	cert=$(builtin_cert "$img612")
	[ -s "$cert" ] || fail "the oracle found no certificate in $img612"
	img=/boot/vmlinuz-$rel612
	debian_root r "$img612" "$rel612" "$conf612"
	cp "$mod612" d.ko.xz
	set_keys r "$CN_A" "$SHARED/A.der"
	sed -i '/5a1e0c0ffee0ddba11de7ec7ab1e5eed0fab1e00/d' r/proc/keys
	key_line 3c4d5e99 "$bt" "$cert" >>r/proc/keys
	check 0 --root r d.ko.xz
	expect_line "d.ko.xz: will load: signed by $bt, a key this kernel trusts"
	expect_line "  key:         trusted: $bt: $(skid_hex "$cert") in /proc/keys (its certificate is built into $img)"
	expect_line "  check:       good (checked against the certificate from $img)"
	# not root: the image's word, in JSON
	rm r/proc/keys
	check 0 --root r --json d.ko.xz
	expect_file_contains "$T/out" "\"message\":\"will load: signed by $bt, a key built into this kernel (its certificate is in $img)\""
	expect_file_contains "$T/out" '"key":"trusted",'
	expect_file_contains "$T/out" '"match":"certificate"'
}

test_mok_config_table() {
	sb_root r
	rm r/sys/firmware/efi/efivars/MokListRT-*
	mkdir -p r/sys/firmware/efi/mok-variables
	siglist "$SHARED/B.der" "$SHARED/A.der" >r/sys/firmware/efi/mok-variables/MokListRT
	cp "$SHARED/A.ko" a.ko
	check 0 --root r a.ko
	expect_line "  MokListRT:   2 certificates (/sys/firmware/efi/mok-variables/MokListRT)"
	expect_line "a.ko: will load: signed by $CN_A, a key this kernel trusts"
}

test_damaged_mok_list() {
	sb_root r
	printf '\006\000\000\000garbage, not a signature list' >"r/sys/firmware/efi/efivars/MokListRT-$SHIM_GUID"
	cp "$SHARED/B.ko" b.ko
	check 1 --root r b.ko
	expect_file_contains "$T/out" "  MokListRT:   damaged, 0 certificates read (damaged EFI signature list at byte 0: "
	expect_line "b.ko: will be rejected: signed by $CN_B, which this kernel does not trust"
}

test_secure_boot_off_and_setup_mode() {
	sb_root r
	set_secure_boot r 0
	cp "$SHARED/A.ko" a.ko
	check 0 --root r a.ko
	expect_line "  Secure Boot: disabled (SetupMode 0)"
	set_setup_mode r 1
	check 0 --root r a.ko
	expect_line "  Secure Boot: disabled (firmware in setup mode)"
	rm r/sys/firmware/efi/efivars/SecureBoot-*
	check 0 --root r a.ko
	expect_line "  Secure Boot: disabled (firmware in setup mode): no SecureBoot variable"
}

test_compressed_modules() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	cp "$SHARED/unsigned.ko" u.ko
	xz -k --check=crc32 a.ko
	gzip -k -n u.ko
	check 1 --root r a.ko.xz u.ko.gz
	expect_line "a.ko.xz: will load: signed by $CN_A, a key this kernel trusts"
	expect_line "  compressed:  xz (checked decompressed, as the kernel and kmod read it)"
	expect_line "u.ko.gz: will be rejected: unsigned"
	expect_line "  compressed:  gzip (checked decompressed, as the kernel and kmod read it)"
}

# xz's default check (CRC64, what DKMS 3.0.10 writes) gets a note: the
# kernel's own decoder refuses it; Kbuild's CRC32 does not.
test_xz_check_the_kernel_refuses() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	cp "$SHARED/A.ko" b.ko
	xz -k a.ko
	xz -k --check=crc32 --lzma2=dict=1MiB b.ko
	check 0 --root r a.ko.xz b.ko.xz
	expect_line "a.ko.xz: will load: signed by $CN_A, a key this kernel trusts"
	local note
	note=$(sed -n '/^a.ko.xz:/,/^$/p' "$T/out" | grep '^  note: ') || fail "no note for the CRC64 file: $(cat "$T/out")"
	case "$note" in
	*"not CRC32"*"kernel's own xz decoder refuses"*"xz --check=crc32"*) ;;
	*) fail "the note does not say it: $note" ;;
	esac
	if grep -q '^  note: ' <<<"$(sed -n '/^b.ko.xz:/,/^$/p' "$T/out")"; then
		fail "a note for the CRC32 file: $(cat "$T/out")"
	fi
	check 0 --root r --json a.ko.xz b.ko.xz
	[ "$(grep -o '"kernel_decoder_takes_it":[a-z]*' "$T/out" | tr '\n' ' ')" == '"kernel_decoder_takes_it":false "kernel_decoder_takes_it":true ' ] ||
		fail "json: $(cat "$T/out")"
}

# ---- compressed modules as the target's kmod loads them (issue #24) ----

# set_kmod ROOT VERSION: dpkg's status file with package kmod VERSION
# installed, between packages whose names and text look like it
set_kmod() {
	mkdir -p "$1/var/lib/dpkg"
	printf '%s\n' 'Package: kmod-doc' 'Status: install ok installed' 'Version: 99' \
		'Description: not kmod' ' Package: kmod' ' Version: 1' '' \
		'Package: kmod' 'Status: install ok installed' 'Priority: important' \
		"Version: $2" 'Description: tools for managing Linux kernel modules' '' \
		'Package: libkmod2' 'Status: install ok installed' 'Version: 88' \
		>"$1/var/lib/dpkg/status"
}

# set_compression ROOT FORMAT|none: /sys/module/compression, which the
# running kernel has when it decompresses modules (CONFIG_MODULE_DECOMPRESS)
set_compression() {
	mkdir -p "$1/sys/module"
	if [ "$2" == none ]; then
		rm -f "$1/sys/module/compression"
	else
		echo "$2" >"$1/sys/module/compression"
	fi
}

# xz_pair: a.ko.xz with xz's default check (CRC64), b.ko.xz as Kbuild
# writes it (CRC32), both signed by A
xz_pair() {
	cp "$SHARED/A.ko" a.ko
	cp "$SHARED/A.ko" b.ko
	xz --check=crc64 a.ko
	xz --check=crc32 --lzma2=dict=1MiB b.ko
}

# expect_verdicts CODE A_LINE: check a.ko.xz and b.ko.xz under r: a's
# verdict line, and b (CRC32) loads
expect_verdicts() {
	check "$1" --root r "${@:3}" a.ko.xz b.ko.xz
	expect_line "a.ko.xz: $2"
	expect_line "b.ko.xz: will load: signed by $CN_A, a key this kernel trusts"
}

KERNEL_DECODER="its xz check is not CRC32 (xz's default is CRC64), which the kernel's own xz decoder refuses"
RECOMPRESS="recompress it with a CRC32 check, as Kbuild does: unxz it, then xz --check=crc32 --lzma2=dict=1MiB the .ko (modsign sign KEY CERT FILE writes it so while signing), and check it again"
LOADS_A="will load: signed by $CN_A, a key this kernel trusts"

# kmod 34 on a kernel that decompresses xz (Debian 13): the kernel gets
# the file and refuses a CRC64 one; kmod 30 (Debian 12) decompresses it
# itself and it loads.
test_xz_check_kmod_and_kernel() {
	sb_root r
	xz_pair
	set_compression r xz
	set_kmod r 34.2-2
	expect_verdicts 1 "will be rejected: $KERNEL_DECODER (\"decompression failed with status 6\", Invalid argument), and kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
	expect_line "  next step:   $RECOMPRESS"
	expect_line "  decoder:     the kernel: kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
	expect_line "  kmod:        34.2-2 (hands a module compressed as the kernel's own to the kernel; /var/lib/dpkg/status)"
	expect_line "  decompress:  the kernel decompresses xz modules (/sys/module/compression)"
	check 1 --root r --json a.ko.xz
	expect_file_contains "$T/out" '"verdict":"rejected","reason":"kernel-decoder"'
	expect_file_contains "$T/out" '"kernel_decoder_takes_it":false,"decompressed_by":"kernel"'
	expect_file_contains "$T/out" '"kmod_version":"34.2-2","module_decompress":true,"module_decompress_format":"xz"'
	# unsigned as well: the kernel stops at the decoder, before the
	# signature; modsign sign mends both
	cp "$SHARED/unsigned.ko" u.ko
	xz --check=crc64 u.ko
	check 1 --root r u.ko.xz
	expect_line "u.ko.xz: will be rejected: $KERNEL_DECODER (\"decompression failed with status 6\", Invalid argument), and kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
	# kmod 30 decompresses in user space: it loads, with the note
	set_kmod r 30+20221128-1
	expect_verdicts 0 "$LOADS_A"
	expect_line "  decoder:     kmod: kmod 30+20221128-1 (/var/lib/dpkg/status) decompresses it in user space"
	expect_file_contains "$T/out" "  note:        $KERNEL_DECODER"
	check 0 --root r --json a.ko.xz
	expect_file_contains "$T/out" '"decompressed_by":"kmod"'
	expect_file_contains "$T/out" '"kmod_version":"30+20221128-1"'
	# kmod 31, the first that hands it over
	set_kmod r 1:31-1
	expect_verdicts 1 "will be rejected: $KERNEL_DECODER (\"decompression failed with status 6\", Invalid argument), and kmod 1:31-1 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
}

# kmod 34, but the kernel does not decompress xz: kmod does, and it loads.
test_xz_check_kernel_does_not_decompress() {
	sb_root r
	xz_pair
	set_kmod r 34.2-2
	set_compression r none
	expect_verdicts 0 "$LOADS_A"
	expect_line "  decoder:     kmod: the kernel does not decompress modules (no /sys/module/compression: the running kernel does not decompress modules): kmod decompresses it in user space"
	expect_line "  decompress:  kmod only (no /sys/module/compression: the running kernel does not decompress modules)"
	# a kernel that decompresses zstd leaves an .xz file to kmod
	set_compression r zstd
	expect_verdicts 0 "$LOADS_A"
	expect_line "  decoder:     kmod: the kernel decompresses only zstd modules (/sys/module/compression): kmod decompresses this xz one in user space"
}

# Cannot tell which kmod loads it (an image tree without dpkg's status):
# a CRC64 file is unknown, not "will load"; a CRC32 one loads either way.
test_xz_check_unknown_kmod() {
	sb_root r
	xz_pair
	set_compression r xz
	expect_verdicts 1 "unknown: $KERNEL_DECODER; which kmod loads it is unknown (cannot read /var/lib/dpkg/status: No such file or directory): kmod 31 and later hand it to the kernel, which decompresses it, kmod 30 decompresses it in user space"
	expect_line "  next step:   $RECOMPRESS"
	expect_line "  kmod:        unknown (cannot read /var/lib/dpkg/status: No such file or directory)"
	check 1 --root r --json a.ko.xz
	expect_file_contains "$T/out" '"verdict":"unknown","reason":"decoder-unknown"'
	expect_file_contains "$T/out" '"decompressed_by":"unknown"'
	expect_file_contains "$T/out" '"kmod_version":null'
	# dpkg's status without kmod in it
	set_kmod r 34.2-2
	sed -i 's/^Package: kmod$/Package: kmod-other/' r/var/lib/dpkg/status
	expect_verdicts 1 "unknown: $KERNEL_DECODER; which kmod loads it is unknown (no installed kmod package in /var/lib/dpkg/status): kmod 31 and later hand it to the kernel, which decompresses it, kmod 30 decompresses it in user space"
	# kmod removed, its configuration files left
	set_kmod r 34.2-2
	sed -i 's/^Status: install ok installed$/Status: deinstall ok config-files/' r/var/lib/dpkg/status
	expect_verdicts 1 "unknown: $KERNEL_DECODER; which kmod loads it is unknown (no installed kmod package in /var/lib/dpkg/status): kmod 31 and later hand it to the kernel, which decompresses it, kmod 30 decompresses it in user space"
	# an unsigned CRC64 module is rejected all the same, with the note
	cp "$SHARED/unsigned.ko" u.ko
	xz --check=crc64 u.ko
	check 1 --root r u.ko.xz
	expect_line "u.ko.xz: will be rejected: unsigned"
}

# Another release than the running one (--release): its config says
# whether it decompresses modules; without a config, that is unknown.
test_xz_check_from_the_config() {
	sb_root r
	xz_pair
	set_kmod r 34.2-2
	set_compression r none # the running kernel's: not the one asked about
	echo 6.1.0-0-other >r/proc/sys/kernel/osrelease
	grep -v 'MODULE_COMPRESS\|MODULE_DECOMPRESS' "$CONFIG" >"r/boot/config-$RELEASE"
	printf '%s\n' CONFIG_MODULE_COMPRESS_XZ=y CONFIG_MODULE_DECOMPRESS=y >>"r/boot/config-$RELEASE"
	expect_verdicts 1 "will be rejected: $KERNEL_DECODER (\"decompression failed with status 6\", Invalid argument), and kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (CONFIG_MODULE_DECOMPRESS=y in /boot/config-$RELEASE)" --release "$RELEASE"
	# Debian 12's 6.1: no MODULE_DECOMPRESS
	cp "$CONFIG" "r/boot/config-$RELEASE"
	expect_verdicts 0 "$LOADS_A" --release "$RELEASE"
	expect_line "  decompress:  kmod only (no CONFIG_MODULE_DECOMPRESS in /boot/config-$RELEASE)"
	# no config at all: unknown
	rm "r/boot/config-$RELEASE"
	check 1 --root r --release "$RELEASE" a.ko.xz
	expect_file_contains "$T/out" "a.ko.xz: unknown: "
	expect_file_contains "$T/out" "  decoder:     unknown: kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel if that decompresses xz modules, which is unknown (the kernel's config is unknown: "
}

# gzip_with FLAGS IN OUT: IN compressed as a gzip member whose header has
# the optional fields FLAGS names (extra, comment, hcrc; gzip(1) writes
# none of them, other tools may), built with Python's zlib
gzip_with() {
	/usr/bin/python3 - "$@" <<-'PY'
		import struct, sys, zlib
		flags, src, dst = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
		data = open(src, "rb").read()
		flg = 0
		opt = b""
		if "extra" in flags:
		    flg |= 0x04
		    opt += struct.pack("<H", 4) + b"ms\x00\x00"
		if "comment" in flags:
		    flg |= 0x10
		    opt += b"built by a packager\x00"
		head = bytes([0x1F, 0x8B, 8, flg, 0, 0, 0, 0, 0, 3]) + opt
		if "hcrc" in flags:
		    head = bytes([0x1F, 0x8B, 8, flg | 0x02]) + head[4:]
		    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
		c = zlib.compressobj(9, zlib.DEFLATED, -15)
		body = c.compress(data) + c.flush()
		tail = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
		open(dst, "wb").write(head + body + tail)
	PY
}

# The kernel's gzip reader (kernel/module/decompress.c,
# module_gzip_header_len) skips a file name and nothing else: a header
# with an extra field, a comment or a header CRC is read as deflate data
# and fails. zlib, and so kmod 30, reads them all.
test_gzip_header_fields_the_kernel_cannot_skip() {
	local fields
	sb_root r
	set_kmod r 34.2-2
	set_compression r gzip
	cp "$SHARED/A.ko" plain.ko
	gzip -k plain.ko
	check 0 --root r plain.ko.gz
	expect_line "plain.ko.gz: $LOADS_A"
	for fields in extra comment hcrc; do
		gzip_with "$fields" "$SHARED/A.ko" "$fields.ko.gz"
		cmp <(gzip -dc "$fields.ko.gz") "$SHARED/A.ko" || fail "gzip_with $fields wrote a broken file"
		check 1 --root r "$fields.ko.gz"
		expect_line "$fields.ko.gz: will be rejected: its gzip header has fields the kernel's own gzip reader does not skip (an extra field, a comment or a header CRC: it skips only a file name) (\"decompression failed with status N\", Invalid argument), and kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses gzip modules (/sys/module/compression)"
		expect_line "  next step:   recompress it without them: gunzip it, then gzip the .ko (modsign sign KEY CERT FILE writes it so while signing), and check it again"
	done
	check 1 --root r --json comment.ko.gz
	expect_file_contains "$T/out" '"verdict":"rejected","reason":"kernel-decoder"'
	expect_file_contains "$T/out" '"kernel_decoder_takes_it":false'
	# kmod 30 decompresses it in user space: it loads, with the note
	set_kmod r 30+20221128-1
	check 0 --root r comment.ko.gz
	expect_line "comment.ko.gz: $LOADS_A"
	expect_file_contains "$T/out" "  note:        its gzip header has fields the kernel's own gzip reader does not skip"
	# modsign sign writes a header the kernel reads, although the
	# signature is the same
	expect_exit 0 "$MODSIGN" sign "$SHARED/A.key" "$SHARED/A.der" comment.ko.gz
	set_kmod r 34.2-2
	check 0 --root r comment.ko.gz
	expect_line "comment.ko.gz: $LOADS_A"
	cmp <(gzip -dc comment.ko.gz) "$SHARED/A.ko" || fail "re-signing changed the module"
}

# Debian's own 6.12 .ko.xz (CRC32) loads through the kernel's decoder.
test_debian_612_xz_through_the_kernel() {
	local env612 img612 rel612 conf612 mod612
	env612=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12) ||
		fail "cannot fetch Debian's 6.12 kernel"
	# shellcheck disable=SC1090
	read -r img612 rel612 conf612 mod612 < <(source "$env612" &&
		echo "$VMLINUZ $RELEASE $CONFIG $(find "$MODDIR" -name crc7.ko.xz | sed -n 1p)")
	[ -n "$mod612" ] || fail "no crc7.ko.xz in Debian's 6.12 modules"
	debian_root r "$img612" "$rel612" "$conf612"
	rm r/proc/keys
	set_kmod r 34.2-2
	set_compression r xz
	cp "$mod612" d.ko.xz
	check 0 --root r d.ko.xz
	expect_line "d.ko.xz: will load: signed by Build time autogenerated kernel key, a key built into this kernel (its certificate is in /boot/vmlinuz-$rel612)"
	expect_line "  decoder:     the kernel: kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
}

# ---- the 7.x layout: the kernel image and config under /usr/lib/modules ----

# layout_root ROOT IMAGE RELEASE CONFIG DIR: debian_root, with the image
# and config moved to DIR/RELEASE/{vmlinuz,config} (DIR "" keeps them in
# /boot); not root (no /proc/keys), so that the image decides
layout_root() {
	debian_root "$1" "$2" "$3" "$4"
	rm "$1/proc/keys"
	[ -z "$5" ] && return
	mkdir -p "$1$5/$3"
	mv "$1/boot/vmlinuz-$3" "$1$5/$3/vmlinuz"
	mv "$1/boot/config-$3" "$1$5/$3/config"
}

# The same verdicts with the image and config in /boot, /usr/lib/modules/R
# (Debian's 7.x packages, before linux-base's hook links them into /boot)
# and /lib/modules/R; the report names the place it read.
test_kernel_files_in_lib_modules() {
	local bt="Build time autogenerated kernel key" dir place cfg
	cp "$SHARED/debian.ko" d.ko
	cp "$SHARED/unsigned.ko" u.ko
	for dir in "" /usr/lib/modules /lib/modules; do
		rm -rf r
		layout_root r "$VMLINUZ" "$RELEASE" "$CONFIG" "$dir"
		place=$dir/$RELEASE/vmlinuz cfg=$dir/$RELEASE/config
		[ -n "$dir" ] || place=/boot/vmlinuz-$RELEASE cfg=/boot/config-$RELEASE
		check 1 --root r d.ko u.ko
		expect_line "d.ko: will load: signed by $bt, a key built into this kernel (its certificate is in $place)"
		expect_line "  check:       good (checked against the certificate from $place)"
		expect_line "u.ko: will be rejected: unsigned"
		expect_line "  config:      CONFIG_MODULE_SIG=y, CONFIG_MODULE_SIG_FORCE=n, hash sha256 ($cfg)"
		check 0 --root r --json d.ko
		expect_file_contains "$T/out" "\"config\":\"$cfg\""
	done
	# none of them: each place is named (a key of the signer's name in
	# /proc/keys, so that the image is looked for)
	rm "r/lib/modules/$RELEASE/vmlinuz" "r/lib/modules/$RELEASE/config"
	set_keys r
	check 1 --root r d.ko
	expect_file_contains "$T/out" "cannot read /boot/vmlinuz-$RELEASE, /usr/lib/modules/$RELEASE/vmlinuz or /lib/modules/$RELEASE/vmlinuz: No such file or directory"
	expect_file_contains "$T/out" "  config:      unknown (cannot read /boot/config-$RELEASE, /usr/lib/modules/$RELEASE/config or /lib/modules/$RELEASE/config: No such file or directory; no /proc/config.gz)"
}

# ---- DKMS: its own key, and modules it installed unsigned ----

DKMS_CN="DKMS module signing key"
DKMS_STEP="have DKMS sign with the kit's key: sudo make dkms-key (in the kit's clone; the kit must be installed: sudo make install-tool), then"
ADOPT_STEP="enroll DKMS's key as the kit's: sudo make adopt-key FROM=/var/lib/dkms, then sudo make enroll and reboot"

# dkms_step PACKAGE VERSION: the next-step line for a DKMS module
dkms_step() {
	echo "  next step:   $DKMS_STEP sudo dkms build --force -m $1 -v $2 -k $RELEASE and sudo dkms install --force -m $1 -v $2 -k $RELEASE"
}

# in_updates ROOT FILE [NAME]: FILE copied to where DKMS installs modules
in_updates() {
	mkdir -p "$1/lib/modules/$RELEASE/updates/dkms"
	cp "$2" "$1/lib/modules/$RELEASE/updates/dkms/${3:-$(basename "$2")}"
	echo "$1/lib/modules/$RELEASE/updates/dkms/${3:-$(basename "$2")}"
}

# dkms_build ROOT PACKAGE VERSION FILE: FILE in DKMS's tree, built for
# $RELEASE, as DKMS keeps it (xz-compressed)
dkms_build() {
	local d=$1/var/lib/dkms/$2/$3/$RELEASE/x86_64/module
	mkdir -p "$d"
	xz -c "$4" >"$d/$(basename "$4").xz"
}

# The guest has the module but not DKMS's folder: the name alone tells.
test_dkms_key_by_name_rejected() {
	sb_root r
	cp "$SHARED/D.ko" crc7.ko
	check 1 --root r crc7.ko
	expect_line "crc7.ko: will be rejected: signed by $DKMS_CN (DKMS's own key), which this kernel does not trust"
	expect_line "  dkms:        DKMS made this key itself and never enrolled it (recognised by its name; no /var/lib/dkms/mok.pub)"
	# no version in its .modinfo, no /var/lib/dkms: placeholders
	expect_line "  package:     unknown: dkms status lists the packages and their versions"
	expect_line "$(dkms_step '<package>' '<version>')"
	expect_line "  or:          $ADOPT_STEP"
	expect_line "  DKMS key:    none (no /var/lib/dkms/mok.pub)"
	expect_file_contains "$T/out" "  key:         not trusted: not in the kernel's keyrings"
	# where signatures are not enforced: the same steps, optional
	set_lockdown r none
	set_sig_enforce r N
	check 0 --root r crc7.ko
	expect_line "crc7.ko: will load with a warning (taints the kernel): signed by $DKMS_CN (DKMS's own key), which this kernel does not trust"
	expect_line "  next step:   optional: $DKMS_STEP sudo dkms build --force -m <package> -v <version> -k $RELEASE and sudo dkms install --force -m <package> -v <version> -k $RELEASE"
}

# With /var/lib/dkms: matched by certificate, checked, and the package
# named by the module's name and version
test_dkms_key_by_certificate_and_package() {
	sb_root r
	mkdir -p r/var/lib/dkms/iTCO_vendor_support/1.04
	cp "$SHARED/D.der" r/var/lib/dkms/mok.pub
	cp "$SHARED/iTCO_vendor_support.ko" m.ko
	check 1 --root r m.ko
	expect_line "m.ko: will be rejected: signed by $DKMS_CN (DKMS's own key), which this kernel does not trust"
	expect_line "  check:       good (checked against the certificate from /var/lib/dkms/mok.pub)"
	expect_line "  dkms:        DKMS made this key itself and never enrolled it (recognised by its certificate, /var/lib/dkms/mok.pub)"
	expect_line "  package:     iTCO_vendor_support 1.04 (/var/lib/dkms/iTCO_vendor_support/1.04)"
	expect_line "$(dkms_step iTCO_vendor_support 1.04)"
	expect_line "  or:          $ADOPT_STEP"
	expect_line "  DKMS key:    $DKMS_CN (/var/lib/dkms/mok.pub)"
	check 1 --root r --json m.ko
	expect_file_contains "$T/out" '"verdict":"rejected","reason":"untrusted-key","message":"will be rejected: signed by '"$DKMS_CN"' (DKMS'"'"'s own key), which this kernel does not trust"'
	expect_file_contains "$T/out" '"dkms":"own-key","dkms_package":"iTCO_vendor_support","dkms_version":"1.04","next_alt":"'"$ADOPT_STEP"'"'
	expect_file_contains "$T/out" '"dkms_key":"ok"'
	# another version of the package: the version is not claimed
	mv r/var/lib/dkms/iTCO_vendor_support/1.04 r/var/lib/dkms/iTCO_vendor_support/9.9
	check 1 --root r m.ko
	expect_line "$(dkms_step '<package>' '<version>')"
	# DKMS made a new key since the module was signed: by name, and the
	# adopted key needs a rebuild too
	cp "$SHARED/E.der" r/var/lib/dkms/mok.pub
	check 1 --root r m.ko
	expect_line "  dkms:        DKMS made this key itself and never enrolled it (recognised by its name; it is not the key in /var/lib/dkms/mok.pub: DKMS has made a new one since)"
	expect_line "  or:          enroll DKMS's key as the kit's: sudo make adopt-key FROM=/var/lib/dkms, then sudo make enroll and reboot, then rebuild it with dkms as above (it was signed with an older DKMS key)"
}

# mok.pub's key under another name: the certificate is what counts
test_dkms_key_other_name_by_certificate() {
	sb_root r
	cp "$SHARED/E.ko" e.ko
	check 1 --root r e.ko
	expect_line "e.ko: will be rejected: signed by modsign verdicts key E, which this kernel does not trust"
	expect_file_lacks "$T/out" "DKMS's"
	mkdir -p r/var/lib/dkms
	cp "$SHARED/E.der" r/var/lib/dkms/mok.pub
	check 1 --root r e.ko
	expect_line "e.ko: will be rejected: signed by modsign verdicts key E (DKMS's own key), which this kernel does not trust"
	expect_line "  dkms:        DKMS made this key itself and never enrolled it (recognised by its certificate, /var/lib/dkms/mok.pub)"
	# the package found by the build of this file in DKMS's tree, from
	# where DKMS installed it, or from DKMS's tree itself
	dkms_build r crc7pkg 2.0 "$SHARED/E.ko"
	mv "r/var/lib/dkms/crc7pkg/2.0/$RELEASE/x86_64/module/E.ko.xz" \
		"r/var/lib/dkms/crc7pkg/2.0/$RELEASE/x86_64/module/crc7.ko.xz"
	ln -s "2.0/$RELEASE/x86_64" "r/var/lib/dkms/crc7pkg/kernel-$RELEASE-x86_64"
	f=$(in_updates r "$SHARED/E.ko" crc7.ko)
	check 1 --root r "$f"
	expect_line "  package:     crc7pkg 2.0 (/var/lib/dkms/crc7pkg/2.0/$RELEASE)"
	expect_line "$(dkms_step crc7pkg 2.0)"
	check 1 --root r "r/var/lib/dkms/crc7pkg/2.0/$RELEASE/x86_64/module/crc7.ko.xz"
	expect_line "$(dkms_step crc7pkg 2.0)"
	# two versions built for this kernel: the version is not guessed
	mkdir -p "r/var/lib/dkms/crc7pkg/2.1/$RELEASE/x86_64/module"
	cp "r/var/lib/dkms/crc7pkg/2.0/$RELEASE/x86_64/module/crc7.ko.xz" \
		"r/var/lib/dkms/crc7pkg/2.1/$RELEASE/x86_64/module/"
	check 1 --root r "$f"
	expect_line "  package:     crc7pkg, version unknown (/var/lib/dkms/crc7pkg): dkms status lists it"
	expect_line "$(dkms_step crc7pkg '<version>')"
}

# Enrolled and trusted: the ordinary verdict, nothing about DKMS
test_dkms_key_trusted_loads() {
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "$DKMS_CN" "$SHARED/D.der"
	set_moklist r "$SHARED/A.der" "$SHARED/D.der"
	mkdir -p r/var/lib/dkms
	cp "$SHARED/D.der" r/var/lib/dkms/mok.pub
	f=$(in_updates r "$SHARED/D.ko" crc7.ko)
	check 0 --root r "$f"
	expect_line "$f: will load: signed by $DKMS_CN, a key this kernel trusts"
	expect_line "  next step:   none"
	expect_file_lacks "$T/out" "DKMS's own key"
	expect_file_lacks "$T/out" "  dkms:"
	expect_file_lacks "$T/out" "adopt-key"
}

test_dkms_installed_unsigned() {
	sb_root r
	# compressed as DKMS does it (xz -f: CRC64)
	xz -c "$SHARED/unsigned.ko" >crc7.ko.xz
	f=$(in_updates r crc7.ko.xz)
	check 1 --root r "$f"
	expect_line "$f: will be rejected: unsigned (installed by DKMS, which did not sign it)"
	expect_line "  dkms:        DKMS installed it unsigned: its sign_file is missing or failed, or its key has a passphrase (DKMS 3.0.10 ignores sign_file's exit status)"
	expect_line "$(dkms_step '<package>' '<version>')"
	expect_file_lacks "$T/out" "  or:"
	expect_file_lacks "$T/out" "make sign"
	check 1 --root r --json "$f"
	expect_file_contains "$T/out" '"reason":"unsigned"'
	expect_file_contains "$T/out" '"dkms":"unsigned"'
	# named by its folder, from inside it
	(cd "r/lib/modules/$RELEASE/updates/dkms" && "$MODSIGN" check --root ../../../../.. crc7.ko.xz) >"$T/out" 2>&1 || true
	expect_line "crc7.ko.xz: will be rejected: unsigned (installed by DKMS, which did not sign it)"
	# the same module elsewhere: the kit's advice
	cp "$SHARED/unsigned.ko" u.ko
	check 1 --root r u.ko
	expect_line "u.ko: will be rejected: unsigned"
	expect_line "  next step:   make sign"
}

# A key that is not DKMS's, even from updates/dkms: unchanged
test_dkms_foreign_key_unchanged() {
	sb_root r
	mkdir -p r/var/lib/dkms
	cp "$SHARED/D.der" r/var/lib/dkms/mok.pub
	f=$(in_updates r "$SHARED/B.ko" crc7.ko)
	check 1 --root r "$f"
	expect_line "$f: will be rejected: signed by $CN_B, which this kernel does not trust"
	expect_line "  next step:   make enroll, then reboot and confirm the key in MokManager"
	expect_file_lacks "$T/out" "DKMS's"
	expect_file_lacks "$T/out" "dkms build"
	expect_file_lacks "$T/out" "  dkms:"
}

# ---- the next steps in the words of where modsign runs ----

# In a clone (sign/modsign, or a build below sign/, beside the clone's
# Makefile and scripts/modsign-kit) the next steps name make's targets, as
# every test above shows; installed (make install-tool, the package) they
# name modsign-kit's verbs: a package user has no Makefile.

# kit_words_cases: the verdicts whose next steps name the kit's commands,
# run with $MODSIGN; every output appended to $T/all.
kit_words_cases() {
	local rel612=6.12.95+deb12-amd64
	: >"$T/all"
	sb_root r
	cp "$SHARED/unsigned.ko" u.ko
	cp "$SHARED/B.ko" b.ko
	check 1 --root r u.ko b.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   modsign-kit sign MODULE.ko"
	expect_line "  next step:   sudo modsign-kit enroll, then reboot and confirm the key in MokManager"
	check 1 --root r --json u.ko
	cat "$T/out" >>"$T/all"
	expect_file_contains "$T/out" '"next":"modsign-kit sign MODULE.ko"'
	# DKMS's own key
	cp "$SHARED/D.ko" crc7.ko
	check 1 --root r crc7.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   have DKMS sign with the kit's key: sudo modsign-kit dkms-key, then sudo dkms build --force -m <package> -v <version> -k $RELEASE and sudo dkms install --force -m <package> -v <version> -k $RELEASE"
	expect_line "  or:          enroll DKMS's key as the kit's: sudo modsign-kit adopt-key /var/lib/dkms, then sudo modsign-kit enroll and reboot"
	# no MOK list to tell a key from another of its name: the certificate
	cp "$SHARED/A2.ko" a2.ko
	rm r/sys/firmware/efi/efivars/MokListRT-*
	check 1 --root r a2.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   give the signer's certificate: modsign check --cert CERT FILE (the kit's is signing_key.x509 in the folder that modsign-kit keydir prints)"
	# another kernel
	sb_root r3
	echo "$rel612" >r3/proc/sys/kernel/osrelease
	cp "$SHARED/A.ko" a.ko
	check 1 --root r3 a.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   rebuild it for the running kernel: build it against /lib/modules/$rel612/build, then modsign-kit sign --kdir /lib/modules/$rel612/build MODULE.ko"
	# not enforced: optional
	open_root r2
	check 0 --root r2 u.ko b.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   optional: modsign-kit sign MODULE.ko, so that it loads without tainting the kernel"
	expect_line "  next step:   optional: sudo modsign-kit enroll and reboot, so that it loads without tainting the kernel"
	# a damaged signature
	cp "$SHARED/A.ko" d.ko
	n=$(stat -c %s d.ko)
	l=$(od -An -tu1 -j $((n - 32)) -N4 d.ko | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	printf '\004' | dd of=d.ko bs=1 seek=$((n - 40 - l)) conv=notrunc status=none
	check 1 --root r2 d.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   build the module again against the kernel's headers, then modsign-kit sign --kdir <the kernel's headers> MODULE.ko"
	# an ECDSA key on a kernel without CONFIG_CRYPTO_ECDSA
	openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 30 \
		-subj "/CN=modsign verdicts key EC" -addext "subjectKeyIdentifier=hash" -keyout ec.key -outform DER -out ec.der 2>/dev/null ||
		fail "openssl cannot make an EC pair"
	cp "$SHARED/unsigned.ko" e.ko
	"$SIGN_FILE" sha256 ec.key ec.der e.ko
	sb_root r4
	set_moklist r4 "$SHARED/A.der" ec.der
	check 1 --root r4 e.ko
	cat "$T/out" >>"$T/all"
	expect_line "  next step:   sign it with an RSA key for this kernel: modsign-kit --keydir <folder> keys (RSA is the default), modsign-kit --keydir <folder> sign --kdir <this kernel's headers> MODULE.ko, then sudo modsign-kit --keydir <folder> enroll and reboot"
	# and nothing of make's
	expect_file_lacks "$T/all" "make "
	expect_file_lacks "$T/all" "KDIR="
	expect_file_lacks "$T/all" "KEYDIR="
}

# modsign as make install-tool installs it (PREFIX=/usr), and a copy of the
# tested build in such a /usr/bin
test_installed_names_modsign_kit() {
	installed_modsign
	MODSIGN=$INSTALLED kit_words_cases
	run_from "$T/usr/bin"
	kit_words_cases
}

# Where modsign runs decides, by its own executable (/proc/self/exe, so a
# link to it does not count): below a folder sign/ beside a Makefile and
# scripts/modsign-kit it is a clone's; anywhere else installed.
# MODSIGN_ADVICE=clone|installed overrides it (for tests).
test_clone_or_installed_by_where_it_runs() {
	local tested=$MODSIGN d
	cp "$SHARED/unsigned.ko" u.ko
	sb_root r
	mkdir -p clone/scripts half/scripts
	touch clone/Makefile clone/scripts/modsign-kit half/Makefile
	for d in clone/sign clone/sign/build/asan; do
		MODSIGN=$tested
		run_from "$d"
		check 1 --root r u.ko
		expect_line "  next step:   make sign"
		MODSIGN_ADVICE=installed check 1 --root r u.ko
		expect_line "  next step:   modsign-kit sign MODULE.ko"
	done
	# no scripts/modsign-kit: not the kit's clone; installed, and a link
	# to it from a clone's sign/
	for d in half/sign usr/bin; do
		MODSIGN=$tested
		run_from "$d"
		check 1 --root r u.ko
		expect_line "  next step:   modsign-kit sign MODULE.ko"
		MODSIGN_ADVICE=clone check 1 --root r u.ko
		expect_line "  next step:   make sign"
	done
	ln -s "$T/usr/bin/modsign" clone/sign/linked
	MODSIGN=$T/clone/sign/linked
	check 1 --root r u.ko
	expect_line "  next step:   modsign-kit sign MODULE.ko"
	MODSIGN_ADVICE=packaged check 2 --root r u.ko
	expect_file_contains "$T/err" "modsign: ERROR: MODSIGN_ADVICE=packaged: give clone or installed (the words of the next steps), or unset it"
}

# ---- output for scripts, and the command line ----

test_json() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	cp "$SHARED/unsigned.ko" u.ko
	check 1 --root r --json a.ko u.ko
	[ "$(wc -l <"$T/out")" == 2 ] || fail "want 2 lines: $(cat "$T/out")"
	head -n 1 "$T/out" >a.json
	tail -n 1 "$T/out" >u.json
	expect_file_contains a.json '{"file":"a.ko","verdict":"load","reason":"trusted-key","message":"will load: signed by '"$CN_A"', a key this kernel trusts","next":"none"'
	expect_file_contains a.json '"signed":true,"signer":"'"$CN_A"'"'
	expect_file_contains a.json '"key":"trusted"'
	expect_file_contains a.json '"key_enrolled":true,"key_pending":false,"signature_verified":true'
	expect_file_contains a.json '"vermagic":"'"$RELEASE"' SMP preempt mod_unload modversions","vermagic_match":true'
	expect_file_contains a.json '"machine":{"root":"r","efi":true,"secure_boot":true,"setup_mode":false,"lockdown":"integrity","sig_enforce":true,"release":"'"$RELEASE"'"'
	expect_file_contains a.json '"dkms":null,"dkms_package":null,"dkms_version":null,"next_alt":null,"machine":'
	expect_file_contains a.json '"keys":"ok","trusted_keys":2,"moklist":"ok","moklist_certs":1,"moknew":"absent","moknew_certs":0,"dkms_key":"absent","sig_checked":true,"sig_enforced":true}}'
	expect_file_contains u.json '"verdict":"rejected","reason":"unsigned","message":"will be rejected: unsigned","next":"make sign"'
	expect_file_contains u.json '"signed":false'
	expect_file_contains u.json '"key":"n/a"'
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$T/out" || fail "not JSON: $(cat "$T/out")"
	fi
	# unknowns are null
	mkdir e
	check 1 --root e --release "$RELEASE" --json u.ko
	expect_file_contains "$T/out" '"machine":{"root":"e","efi":null,"secure_boot":null,"setup_mode":null,"lockdown":null,"sig_enforce":null'
	expect_file_contains "$T/out" '"keys":"unreadable","trusted_keys":null'
	expect_file_contains "$T/out" '"verdict":"unknown","reason":"enforcement-unknown"'
}

test_exit_status_is_the_worst() {
	sb_root r
	cp "$SHARED/A.ko" a.ko
	cp "$SHARED/unsigned.ko" u.ko
	check 0 --root r a.ko a.ko
	check 1 --root r a.ko u.ko
	check 1 --root r u.ko a.ko
	expect_line "a.ko: will load: signed by $CN_A, a key this kernel trusts"
}

test_usage_and_bad_files() {
	mkdir r
	expect_exit 0 "$MODSIGN" check --help
	expect_file_contains "$T/out" "Usage: modsign check"
	expect_exit 0 "$MODSIGN" --help
	expect_file_contains "$T/out" "  check    tell whether each module will load on this machine"
	check 2 --root r
	expect_file_contains "$T/err" "modsign: ERROR: check: no module given"
	check 2 --bogus x.ko
	expect_file_contains "$T/err" "unknown option '--bogus'"
	check 2 --root '' x.ko
	expect_file_contains "$T/err" "--root needs a folder"
	check 2 --root r --release 'a/b' x.ko
	expect_file_contains "$T/err" "--release 'a/b' is not a kernel release"
	check 1 --root r --cert missing.der x.ko
	expect_file_contains "$T/err" "modsign: ERROR: missing.der: "
	# a missing file and a file that is no module: errors, and the rest
	# is still checked
	echo hello >notelf.ko
	cp "$SHARED/A.ko" a.ko
	check 1 --root r --release "$RELEASE" missing.ko notelf.ko a.ko
	expect_line "missing.ko: error: cannot open: No such file or directory"
	expect_line "notelf.ko: error: not an ELF file"
	expect_file_contains "$T/err" "modsign: ERROR: missing.ko: cannot open: No such file or directory"
	expect_file_contains "$T/err" "modsign: ERROR: notelf.ko: not an ELF file"
	expect_file_contains "$T/out" "a.ko: unknown: signed by $CN_A"
	check 1 --root r --release "$RELEASE" --json missing.ko
	expect_file_contains "$T/out" '{"file":"missing.ko","verdict":"error","reason":"unreadable"'
}

test_option_letters() {
	# one meaning per letter in every command: -j is --jobs, --json is
	# long only, -a is --all, -H is --hash; the old uses are usage errors
	# that name the new spelling
	local json_hint="unknown option '-j': JSON output is --json (long only); -j is --jobs of sign and verify"
	cp "$SHARED/A.ko" a.ko
	cp a.ko before.ko
	check 2 -j --root r a.ko
	expect_file_contains "$T/err" "modsign: ERROR: check: $json_hint"
	expect_file_contains "$T/err" "Try 'modsign check --help'."
	[ ! -s "$T/out" ] || fail "check -j printed: $(cat "$T/out")"
	expect_exit 2 "$MODSIGN" info -j a.ko
	expect_file_contains "$T/err" "modsign: ERROR: info: $json_hint"
	expect_exit 2 "$MODSIGN" strip -j a.ko
	expect_file_contains "$T/err" "modsign: ERROR: strip: unknown option '-j'"
	expect_file_lacks "$T/err" "--json"
	expect_exit 2 "$MODSIGN" sign -a sha512 "$SHARED/A.key" "$SHARED/A.der" a.ko
	expect_file_contains "$T/err" "modsign: ERROR: sign: unknown option '-a': the hash is -H, --hash; -a is --all of strip"
	cmp -s a.ko before.ko || fail "sign -a changed the module"
	expect_exit 0 "$MODSIGN" sign -H sha512 "$SHARED/A.key" "$SHARED/A.der" a.ko
	expect_exit 0 "$MODSIGN" info a.ko
	expect_file_contains "$T/out" "sig_hashalgo: sha512"
	expect_exit 0 "$MODSIGN" strip -a a.ko
	cmp -s a.ko "$SHARED/unsigned.ko" || fail "strip -a did not remove the signature"
}

test_this_machine_runs() {
	# no --root: whatever this machine is, the command must not crash,
	# and an unsigned module is never said to load cleanly
	cp "$SHARED/unsigned.ko" u.ko
	"$MODSIGN" check u.ko >"$T/out" 2>"$T/err" || true
	rc=0
	"$MODSIGN" check u.ko >/dev/null 2>&1 || rc=$?
	[ "$rc" == 0 ] || [ "$rc" == 1 ] || fail "exit $rc: $(cat "$T/err")"
	expect_file_contains "$T/out" "this machine:"
	expect_file_lacks "$T/out" "u.ko: will load: signed"
}

run_tests "$@"
