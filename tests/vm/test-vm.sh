#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The end-to-end proof: boots the real Secure Boot chain in QEMU (OVMF with
# Microsoft's keys and Secure Boot on, Debian's shim, MokManager, Debian's
# signed grub and signed kernel) and lets the kernel judge our modules.
#
# For each kernel in VM_KERNELS (default "6.1 6.12 t6.12 t7"):
#   1. build the modules from a fresh copy of the tree and sign them with
#      `make sign`, as a user would (the tree's own new key);
#   2. boot with modsign_stage=pre: the kernel is locked down and rejects
#      the modules; mok-enroll.sh queues the key (MokNew);
#   3. boot again: MokManager appears, run-qemu.exp enrolls the key, the
#      machine reboots into modsign_stage=post: every module loads and
#      works; tampered, foreign-key and unsigned ones are rejected.
# Each payload also holds DKMS-built modules (dkms-payload.sh: Debian's
# dkms and backports' v4l2loopback-dkms in a sandbox): v4l2loopback signed
# through the kit's DKMS drop-in with the key the VM enrolls, the same
# package signed with DKMS's self-made key, and the kit's own modules built
# by `make dkms-install` (on the VM_DKMS_INSTALL kernels); the post stage
# loads them (v4l2loopback with
# Debian's videodev and mc: /dev/video0) and sees DKMS's key rejected.
# For the kernel named by VM_KERNEL_SIGNING (default: the first one) the kit
# also signs that kernel image with its kernel key (make sign-kernel,
# Debian's signature removed) and with the module key: before enrollment
# grub (through shim) refuses the kit-signed kernel; stage 2 enrolls the
# kernel key with the module key in one MokManager visit; then the
# kit-signed kernel boots (modsign_stage=kernel), and the one signed with
# the module key is still refused although that key is enrolled.
# For the kernel named by VM_ROTATE (default: the last one, unless it is
# also the kernel-signing one) the kit's key A is then replaced by a new
# key B with `make rotate` (scripts/rotate-key.sh, docs/key-rotation.md).
# The private keys never enter the guest, so the host runs the steps that
# need them while it prepares: it makes B, and the re-signing step runs in
# DKMS's sandbox (dkms-payload.sh) with a fake mokutil saying B is enrolled
# (the real enrollment comes later, in the VM). The guest runs the rest with
# the real mokutil: the post stage queues B beside A and sees the
# re-signing refused while B waits; boot 3 goes through MokManager's
# "Enroll MOK" (modsign_stage=rotated): A and B are enrolled, the re-signed
# modules are installed and all load, A's deletion is refused while a
# module A signed is still installed and queued once it is re-signed;
# boot 4 goes through "Delete MOK" (modsign_stage=revoked): A is gone,
# everything installed loads, a module A signed is rejected, and the
# rotation ends.
# The guest prints PASS/FAIL lines; this script checks each expected one is
# there, prints `PASS vm/<release>/<check>` lines and `vm: N passed,
# N failed`. Serial logs are kept in .cache/vm/<release>/.
#
# Debian 13's kernels are the series t6.12 (trixie's 6.12) and t7
# (trixie-backports' newest 7.x), in the default list after Debian 12's. Their
# modules are built and signed by the kit's make sign inside the trixie
# build root (vm/trixie-root.sh: their headers need gcc 14), with
# the tree bind-mounted there, so the key stays on the host's side; the
# host signs the rest (foreign key, compressed copies) with modsign instead
# of sign-file. They boot through trixie's own shim, MokManager and grub,
# and the guest runs trixie's kmod 34 and mokutil 0.7.2 (with trixie's
# glibc and libraries under the host's bash, openssl, jq and modsign).
# On t7, DKMS is trixie's own dkms 3.2.2 in an overlay over the trixie root
# (dkms-payload.sh): sid's v4l2loopback-dkms installed for trixie's 6.12,
# then built and signed for 7.x by Debian's header_postinst.d hook when the
# 7.x headers are installed, the kit's own DKMS package (make
# dkms-install), and the rotation's re-signing step, as on Debian 12; it
# writes CRC32 .ko.xz, which the guest loads through kmod 34 and the
# kernel's decoder. t6.12 has no DKMS payload (its rotation, if asked,
# re-signs on the host: rotate_resign).
#
# ECDSA keys (issue #25, docs/user-guide.md "ECDSA keys"): on each series in
# VM_ECDSA whose kernel config has CONFIG_CRYPTO_ECDSA (t6.12 by default),
# the kit's own pair is ECDSA P-256 (make keys KEY_TYPE=ecdsa before make
# sign), so MokManager enrolls the EC certificate and every post check runs
# with it. On one whose config lacks it (Debian 12's 6.1 by default) the
# kit's pair stays RSA; the host makes an ECDSA P-256 pair beside it (make
# keys KEYDIR=..., under another host name so its CN differs), checks that
# make sign refuses it for that kernel, and signs a copy of hello-3 with it
# through the kernel's sign-file. The pre stage queues its certificate
# beside the kit's (mokutil --import adds to the pending request: one
# MokManager visit enrolls both), and the post stage sees modsign check say
# no-ecdsa and the kernel refuse the copy. Its private key stays on the
# host, like the others.
#
# Variables: VM_KERNELS, VM_KERNEL_SIGNING (a series, or none), VM_ROTATE
# (a series, or none), VM_ECDSA (series, default "6.1 t6.12", or none),
# ACCEL=kvm (real hardware only; TCG by default),
# VM_TIMEOUT (seconds per boot, default 420),
# VM_DKMS=none (skip the DKMS-built modules: dkms-payload.sh),
# VM_FROM_DEB (the series whose guest runs the kit's modsign, mok-enroll.sh
# and rotate-key.sh from its Debian package, make deb, unpacked in the
# guest, rather than the clone's: default the last of Debian 12's, or
# none),
# VM_DKMS_INSTALL (the kernels that also get the kit's own DKMS package,
# default the last of Debian 12's kernels in VM_KERNELS and t7 if there,
# or none),
# VM_SABOTAGE=unenrolled-key (sign the kit's modules with a key that is not
# enrolled: the suite must then fail; see docs/testing.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/harness.sh
. "$here/../lib/harness.sh"

VM_KERNELS=${VM_KERNELS:-6.1 6.12 t6.12 t7}
ACCEL=${ACCEL:-tcg}
VM_TIMEOUT=${VM_TIMEOUT:-420}
VM_SABOTAGE=${VM_SABOTAGE:-}
VM_DKMS=${VM_DKMS:-yes}
VM_ECDSA=${VM_ECDSA:-6.1 t6.12}
# The kernels on which the kit's own DKMS package is built and loaded: the
# last of Debian 12's (dkms 3.0.10, whose CRC64 .ko.xz the package's
# POST_BUILD writes again) and t7 (trixie's dkms 3.2.2 in the trixie
# root's overlay), those of them in VM_KERNELS.
dkms_default='' d12=''
for k in $VM_KERNELS; do
	[[ "$k" == t* ]] || d12=$k
done
[ -z "$d12" ] || dkms_default=$d12
[[ " $VM_KERNELS " != *" t7 "* ]] || dkms_default+=" t7"
dkms_default=${dkms_default# }
VM_DKMS_INSTALL=${VM_DKMS_INSTALL:-${dkms_default:-none}}
# The kernel whose guest runs the kit from its Debian package (make deb)
# rather than from the clone: the last of Debian 12's, or none.
VM_FROM_DEB=${VM_FROM_DEB:-${d12:-none}}
read -r first_kernel _ <<<"$VM_KERNELS"
VM_KERNEL_SIGNING=${VM_KERNEL_SIGNING:-$first_kernel}
# the rotation's boots need the module key to stay out of the kernel boots
last_kernel=${VM_KERNELS##* }
[ "$last_kernel" != "$VM_KERNEL_SIGNING" ] || last_kernel=none
VM_ROTATE=${VM_ROTATE:-$last_kernel}
if [ "$VM_ROTATE" != none ] && [ "$VM_ROTATE" == "$VM_KERNEL_SIGNING" ]; then
	echo "vm: ERROR: VM_ROTATE and VM_KERNEL_SIGNING name the same kernel ($VM_ROTATE): the kit-signed kernel's boot needs the module key that the rotation deletes; pick another, or none" >&2
	exit 2
fi
WORK=$TOP/.cache/vm
KIT_MODULES=(hello-1 hello-2 hello-3 hello-4 hello-5 startstop chardev procfs sysfs workqueue_demo)

PRE_CHECKS=(secure-boot-on locked-down sig-enforced-by-secure-boot
	status-not-enrolled rejects-unsigned rejects-kit-key-before-enroll
	check-agrees-untrusted check-agrees-unsigned
	modsign-verifies-kit-modules status-agrees-before-enroll
	enroll-import status-pending status-agrees-pending
	check-agrees-pending)
PRE_KERNEL_KEY_CHECKS=(enroll-import-kernel-key status-pending-kernel-key
	status-still-pending enroll-import-expired-cert)
# What the kernel does with a module whose signer's certificate expired
# (docs/key-rotation.md): measured on the kernel-signing kernel.
EXPIRED_CHECKS=(expired/cert-in-kernel-keyring expired/module-loads
	expired/module-unloads)
KERNEL_CHECKS=(booted-kit-signed-kernel secure-boot-on locked-down
	kernel-key-enrolled loads-kit-module unloads-kit-module)
POST_CHECKS=(secure-boot-on locked-down sig-enforced-by-secure-boot
	status-enrolled enroll-again-is-noop key-in-kernel-keyring
	check-agrees-trusted check-agrees-unsigned check-agrees-tampered
	check-agrees-foreign status-agrees-enrolled kit-key-keyring
	works/hello-3 works/workqueue_demo
	works/hello-5-log works/hello-5-array-log works/hello-5-param-int
	works/hello-5-param-short works/hello-5-param-long
	works/hello-5-param-charp works/hello-5-param-array
	works/chardev-first-read works/chardev-second-read works/chardev-no-write
	works/procfs-write-read
	works/sysfs-initial works/sysfs-write-read works/sysfs-rejects-text
	load/hello-1.ko.xz unload/hello-1.ko.xz
	load/hello-4.ko.xz-by-modsign unload/hello-4.ko.xz-by-modsign
	check-agrees-crc64-xz
	load/startstop.ko.zst-by-modsign unload/startstop.ko.zst-by-modsign
	no-unsigned-taint rejects-tampered modsign-refuses-tampered
	rejects-foreign-key rejects-unsigned)
for m in "${KIT_MODULES[@]}"; do
	POST_CHECKS+=("load/$m" "unload/$m")
done
# DKMS-built modules (dkms-payload.sh), after the enrollment.
DKMS_CHECKS=(dkms/loads-videodev-and-mc dkms/rejects-dkms-own-key
	dkms/check-agrees-dkms-own-key dkms/check-says-what-to-run
	dkms/check-agrees-kit-key dkms/loads-v4l2loopback
	dkms/v4l2loopback-in-proc-modules dkms/dev-video0 dkms/video0-name
	dkms/unloads-v4l2loopback)
DKMS_XZ_CHECKS=(dkms/kernel-decoder-refuses-dkms-crc64
	dkms/kernel-decoder-takes-crc32 dkms/kernel-decoder-crc32-unloads)
# dkms 3.2.2 (trixie) writes CRC32 .ko.xz: the kernel's decoder takes it.
DKMS_XZ_CRC32_CHECKS=(dkms/kernel-decoder-takes-dkms-crc32
	dkms/kernel-decoder-dkms-crc32-in-proc-modules dkms/kernel-decoder-dkms-crc32-unloads)
POST_ROTATE_CHECKS=(rotate/makes-no-key-here rotate/queues-new-key
	rotate/new-key-pending rotate/old-key-still-enrolled
	rotate/resign-waits-for-enrollment rotate/queue-again-is-noop)
ROTATED_CHECKS=(secure-boot-on new-key-enrolled old-key-still-enrolled
	both-keys-in-kernel-keyring old-key-module-still-loads
	old-key-module-unloads installed-signed-by-new-key installed-modules-load
	delete-refused-while-old-key-module-installed no-deletion-queued
	delete-queued-once-re-signed old-key-deletion-queued)
# VM_ECDSA on a kernel without CONFIG_CRYPTO_ECDSA: the ECDSA certificate
# queued beside the kit's key, then enrolled, and the copy it signed refused.
PRE_ECDSA_CHECKS=(enroll-import-ecdsa-cert status-pending-ecdsa-cert
	status-kit-key-still-pending)
POST_ECDSA_CHECKS=(ecdsa-cert-enrolled ecdsa-cert-not-in-kernel-keyring
	ecdsa-cert-refused-at-boot check-agrees-no-ecdsa
	check-json-reason-no-ecdsa rejects-ecdsa)
REVOKED_CHECKS=(secure-boot-on status-not-enrolled key-not-in-kernel-keyring
	rejects-kit-key check-agrees-untrusted revoke-again-is-noop
	new-key-enrolled rotation-done status-agrees-revoked
	installed-modules-load status-lists-new-key-not-old)

passed=0 failed=0 timings=()

pass() {
	echo "PASS vm/$1"
	passed=$((passed + 1))
}

flunk() {
	echo "FAIL vm/$1"
	failed=$((failed + 1))
}

# show_log FILE: the serial log without terminal escapes, for a failure.
show_log() {
	echo "---- last lines of $1 ----"
	sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$1" | grep -av '^[[:space:]]*$' | tail -n 80
	echo "---- end of $1 ----"
}

# leaks_key KEY FILE: the private key's PEM text or its DER bytes are in FILE.
# The DER search takes bytes no public file holds, in a window without a
# newline or NUL byte so that grep -F can take it as one pattern: a search
# at disk speed (a hex dump of a 30 MB initramfs searched in bash took 9 s
# a file). An RSA key: 48 bytes from the private exponent and primes (from
# byte 500 of its DER on). An EC key (make keys KEY_TYPE=ecdsa) is too
# short for that: its DER holds the private scalar (32 bytes for P-256, 48
# for P-384) and the public point, which the certificate holds too; the
# window is 16 bytes of the scalar, printed by openssl pkey -text, or 12
# or 8 where a newline or NUL cuts every 16 (one P-256 key in a hundred;
# 8 bytes still match no file by chance).
leaks_key() {
	local line der i pat from=500 len=48 lens=48 rc=0
	while IFS= read -r line; do
		[[ "$line" == -----* ]] && continue
		grep -qaF -- "$line" "$2" && return 0
	done < <(head -n 6 "$1")
	read -ra der < <(openssl pkey -in "$1" -outform DER | od -An -v -tx1 | tr '\n' ' ')
	if [ "${#der[@]}" -lt $((from + len)) ]; then
		read -ra der < <(openssl pkey -in "$1" -noout -text |
			sed -n '/^priv:/,/^pub:/{/^ /p}' | tr -d ' :\n' | sed 's/../& /g')
		from=0 lens='16 12 8'
	fi
	pat=$(mktemp)
	for len in $lens; do
		for ((i = from; i + len <= ${#der[@]}; i++)); do
			[[ " ${der[*]:i:len} " == *" 0a "* || " ${der[*]:i:len} " == *" 00 "* ]] && continue
			# shellcheck disable=SC2059 # the format is the bytes, as \xHH
			printf "$(printf '\\x%s' "${der[@]:i:len}")" >"$pat"
			LC_ALL=C grep -qaF -f "$pat" "$2" || rc=$?
			rm -f "$pat"
			return "$rc"
		done
	done
	rm -f "$pat"
	echo "vm: ERROR: no $len bytes of $1 without a newline or NUL to search for" >&2
	return 0 # counted as a leak: the check fails rather than pass unsearched
}

# check_results STAGE LOG NAME...: every named check passed in the log.
check_results() {
	local stage=$1 log=$2 rel=$3 name ok=0 line results
	shift 3
	results=$(tr -d '\r' <"$log" | grep -aE '^(PASS|FAIL) ' || true)
	# the guest's measurements (the keyrings), passed on as they are
	sed -n "s|^NOTE \($stage/[^:]*\): |NOTE vm/$rel/\1: |p" <<<"$(tr -d '\r' <"$log")"
	while IFS= read -r line; do
		flunk "$rel/${line#FAIL }"
		ok=1
	done < <(grep '^FAIL ' <<<"$results" || true)
	for name in "$@"; do
		if grep -qxF "PASS $stage/$name" <<<"$results"; then
			pass "$rel/$stage/$name"
		elif ! grep -qF "FAIL $stage/$name:" <<<"$results"; then
			flunk "$rel/$stage/$name: no result (the guest did not get there)"
			ok=1
		fi
	done
	return "$ok"
}

qemu_cmd() { # VARS ESP
	local accel=(-accel tcg)
	[ "$ACCEL" != kvm ] || accel=(-accel kvm -cpu host)
	echo timeout --signal=KILL "$((VM_TIMEOUT + 30))" qemu-system-x86_64 \
		"${accel[@]}" -machine q35,smm=on -m 1024 \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,unit=1,file=$1" \
		-drive "file=fat:rw:$2,format=raw" \
		-display none -vga none -serial stdio -monitor none -net none
}

# trixie SERIES: SERIES is one of Debian 13's kernels (t6.12, t7).
trixie() {
	[[ "$1" == t* ]]
}

# host_sign KEY CERT FILE: FILE signed in place on the host, with the
# kernel's sign-file for Debian 12's kernels and with modsign (the same
# bytes) for trixie's, whose sign-file is a trixie binary.
host_sign() {
	if [ -n "$kdir" ]; then
		"$kdir/scripts/sign-file" sha256 "$@"
	else
		"$MODSIGN" sign "$@" >/dev/null
	fi
}

# kit_make SERIES ARG...: make in the VM's tree for SERIES' kernel: on the
# host, or for trixie's kernels in the trixie root.
kit_make() {
	if trixie "$1"; then
		bash "$TOP/vm/trixie-root.sh" make "$1" "$w/tree" "${@:2}"
	else
		make -C "$w/tree" KDIR="$kdir" "${@:2}"
	fi
}

# boot NAME KERNEL STAGE [ARG]: grub.cfg boots KERNEL (a file in the ESP)
# with modsign_stage=STAGE (and ARG); QEMU runs through run-qemu.exp; the
# serial log is serial-NAME.log, run-qemu's own output run-qemu-NAME.txt.
boot() {
	local name=$1 out rc=0
	cat >"$w/esp/EFI/BOOT/grub.cfg" <<-EOF
		set timeout=0
		set default=0
		menuentry "modsign end-to-end test" {
			linux /$2 console=ttyS0,115200 modsign_stage=$3 ${4:-} panic=-1
			initrd /initrd.img
		}
	EOF
	# shellcheck disable=SC2046  # qemu_cmd prints words without spaces in them
	out=$(MOK_PASSWORD=$password MOK_KEYS=$mok_keys expect "$TOP/vm/run-qemu.exp" \
		"$w/serial-$name.log" "$VM_TIMEOUT" $(qemu_cmd "$w/vars.fd" "$w/esp")) || rc=$?
	echo "$out" >"$w/run-qemu-$name.txt"
	[ "$rc" == 0 ] || {
		flunk "$rel/$name/boot: QEMU timed out or failed (exit $rc): $out"
		return 1
	}
}

# boot_refused NAME KERNEL: shim (asked by grub) must refuse KERNEL: grub
# says so on the console and the kernel prints nothing.
boot_refused() {
	boot "$1" "$2" kernel || return 0
	if grep -q '^REFUSED' "$w/run-qemu-$1.txt" &&
		! grep -aq 'Linux version' "$w/serial-$1.log"; then
		pass "$rel/$1/refused-by-shim ($(sed -n 's/^REFUSED //p' "$w/run-qemu-$1.txt" | tr -d '\r'))"
	else
		flunk "$rel/$1/refused-by-shim: the kernel was not refused"
		show_log "$w/serial-$1.log"
	fi
}

# tamper FILE: one byte changed in the middle of the (signed) module.
tamper() {
	local size off byte
	size=$(stat -c %s "$1")
	off=$((size / 2))
	byte=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	printf '%b' "\\$(printf %03o $(((byte + 1) % 256)))" |
		dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# status_payload PAYLOAD MODDIR VMLINUZ CONFIG: what the guest's status_agrees
# puts under /lib/modules/R and /boot: Debian's image and config, six of
# its modules that need no others and no hardware (in the form Debian
# ships them), the kit's signed modules (one xz-compressed), and copies
# that must be refused: unsigned, tampered (a kit and a Debian module),
# signed by a foreign key, and DKMS's own-key v4l2loopback when there is
# one.
status_payload() {
	local p=$1 moddir=$2 vmlinuz=$3 t=$1/status-tree m f
	mkdir -p "$p/boot" "$t/updates/kit" "$t/extra"/{unsigned,tampered,foreign}
	cp "$vmlinuz" "$p/boot/vmlinuz"
	cp "$4" "$p/boot/config"
	# by name, where the kernel keeps them (7.x moved crc8 to lib/crc/
	# and builds crc7 in)
	for m in crc7 crc8 ts_kmp ts_bm md4 wp512; do
		f=$(find "$moddir/kernel" -name "$m.ko*" | sed -n 1p)
		[ -n "$f" ] || continue
		f=${f#"$moddir/"}
		mkdir -p "$t/$(dirname "$f")"
		cp "$moddir/$f" "$t/$f"
	done
	cp "$p"/signed/*.ko "$p/signed/hello-1.ko.xz" "$t/updates/kit/"
	cp "$p/unsigned/hello-4.ko" "$t/extra/unsigned/"
	cp "$p/tampered/hello-2.ko" "$t/extra/tampered/"
	cp "$p/foreign/hello-3.ko" "$t/extra/foreign/"
	if [ -d "$p/ecdsa" ]; then
		mkdir -p "$t/extra/ecdsa"
		cp "$p/ecdsa/hello-3.ko" "$t/extra/ecdsa/"
	fi
	f=$(find "$moddir/kernel" -name 'crc8.ko*' | sed -n 1p)
	case "$f" in
	*.xz) xz -dc "$f" >"$t/extra/tampered/crc8.ko" ;;
	*) cp "$f" "$t/extra/tampered/crc8.ko" ;;
	esac
	tamper "$t/extra/tampered/crc8.ko"
	if [ -d "$p/dkms/self" ]; then
		mkdir -p "$t/updates/dkms"
		cp "$p"/dkms/self/v4l2loopback.ko* "$t/updates/dkms/"
	fi
}

# expired_cert PAYLOAD: a key whose certificate expired (notAfter 2021,
# made with `openssl ca`, which takes dates in the past) and a copy of
# hello-2 it signed: the guest enrolls it with the others and records
# whether the kernel takes the certificate and loads the module.
expired_cert() {
	local p=$1 d=$w/expired
	mkdir -p "$d" "$p/expired"
	cat >"$d/ca.cnf" <<-EOF
		[ca]
		default_ca = expired
		[expired]
		database = $d/index.txt
		new_certs_dir = $d
		serial = $d/serial
		default_md = sha256
		policy = any
		x509_extensions = module
		[any]
		commonName = supplied
		[module]
		basicConstraints = critical,CA:FALSE
		keyUsage = digitalSignature
		extendedKeyUsage = codeSigning,1.3.6.1.4.1.2312.16.1.2
		subjectKeyIdentifier = hash
	EOF
	: >"$d/index.txt"
	echo 01 >"$d/serial"
	openssl req -new -newkey rsa:2048 -nodes -keyout "$d/key.pem" \
		-subj "/CN=modsign test key that expired in 2021" -out "$d/req.csr" 2>/dev/null &&
		openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$d/key.pem" -in "$d/req.csr" \
			-startdate 20200101000000Z -enddate 20210101000000Z -out "$d/cert.pem" 2>>"$w/build.log" &&
		openssl x509 -in "$d/cert.pem" -outform DER -out "$p/keys/expired.der" || return 1
	cp "$p/unsigned/hello-2.ko" "$p/expired/"
	# the DER copy: openssl ca's PEM file starts with a text dump, which
	# modsign does not read
	host_sign "$d/key.pem" "$p/keys/expired.der" "$p/expired/hello-2.ko"
}

# fake_mok CERT STATE: what the host's fake mokutil says of CERT.
fake_mok() {
	local h
	h=$(sha256sum <"$1" | cut -d' ' -f1)
	cp "$1" "$w/rotate/mok/keys/$h.der"
	echo "$2" >"$w/rotate/mok/keys/$h"
}

# rotation STEP-WORDS...: one `make rotate` run in the VM's tree, with the
# host's fake mokutil (this host has no EFI variables), logged.
rotation() {
	env KEYDIR="$w/tree/keys" MODSIGN="$MODSIGN" MOKUTIL="$TOP/tests/enroll/fake-mokutil" \
		FAKE_MOK_DIR="$w/rotate/mok" MOK_PASSWORD_FILE="$w/rotate/pw" "$@" \
		bash "$w/tree/scripts/rotate-key.sh" next >>"$w/build.log" 2>&1
}

# rotate_start PAYLOAD: the host's first part of the rotation (see the
# top): `make rotate` makes B in the VM's tree (A goes to keys/retired/),
# the guest gets the certificates and the state file (rotate/keys, at step
# "made"; never a private key); then the host queues B through the fake
# mokutil and tells it B is enrolled, which boot 5's MokManager does for
# real. The re-signing step follows in dkms-payload.sh (or rotate_resign).
# Sets old_keys, the folder A went to.
rotate_start() {
	local p=$1 keys=$w/tree/keys f
	mkdir -p "$w/rotate/mok/keys" "$p/rotate/keys"
	echo enabled >"$w/rotate/mok/sb"
	fake_mok "$keys/signing_key.x509" enrolled
	(umask 077 && echo "the host's side" >"$w/rotate/pw")
	rotation || return 1
	(cd "$keys" && find . -name '*.x509' -o -name rotation.state) | while read -r f; do
		mkdir -p "$p/rotate/keys/$(dirname "$f")"
		cp "$keys/$f" "$p/rotate/keys/$f"
	done
	openssl x509 -inform DER -in "$keys/signing_key.x509" -noout -subject \
		-nameopt multiline | sed -n 's/^ *commonName *= //p' >"$p/rotate/new-cn"
	rotation || return 1
	for f in "$w"/rotate/mok/keys/*.der; do
		[ "$(cat "${f%.der}")" != pending ] || echo enrolled >"${f%.der}"
	done
	old_keys=$(echo "$keys/retired/"*-module)
}

# rotate_resign PAYLOAD: without DKMS, the re-signing step on the host,
# over a copy of the kit's modules installed in a folder standing for /.
rotate_resign() {
	local p=$1 root=$w/rotate/root
	mkdir -p "$root/lib/modules/$rel/updates/kit"
	cp "$p"/signed/* "$root/lib/modules/$rel/updates/kit/"
	rotation ROOT="$root" || return 1
	cp -a "$root/lib/modules/$rel/updates" "$p/rotate/updates"
}

# rotate_end PAYLOAD: the state after re-signing goes to the guest; every
# module the rotation left installed verifies with B.
rotate_end() {
	local p=$1 keys=$w/tree/keys n
	grep -qx step=resigned "$keys/rotation.state" || {
		echo "vm: the rotation did not get to step resigned: $(cat "$keys/rotation.state")"
		return 1
	}
	cp "$keys/rotation.state" "$p/rotate/state-resigned"
	n=$(find "$p/rotate/updates" -name '*.ko*' | wc -l)
	if "$MODSIGN" verify --cert "$keys/signing_key.x509" -r "$p/rotate/updates" >"$w/rotate/verify.log" 2>&1 &&
		[ "$n" -ge "${#KIT_MODULES[@]}" ]; then
		pass "$rel/host/rotation-re-signed-every-installed-module ($n, the kit's and DKMS's)"
	else
		flunk "$rel/host/rotation-re-signed-every-installed-module: $(grep -v '^OK' "$w/rotate/verify.log" | sed -n '1,5p')"
	fi
	# trixie: what dkms 3.2.2 set aside in original_module (the kit's
	# updates/kit/ copies; `dkms remove` puts them back) is B's too
	[ -d "$w/rotate/dkms-original" ] || return 0
	n=$(find "$w/rotate/dkms-original" -name '*.ko*' | wc -l)
	if [ "$n" -gt 0 ] && "$MODSIGN" verify --cert "$keys/signing_key.x509" -r "$w/rotate/dkms-original" \
		>"$w/rotate/verify-original.log" 2>&1; then
		pass "$rel/host/rotation-re-signed-what-dkms-set-aside ($n in original_module)"
	else
		flunk "$rel/host/rotation-re-signed-what-dkms-set-aside: $n modules in DKMS's original_module; $(grep -v '^OK' "$w/rotate/verify-original.log" | sed -n '1,5p')"
	fi
}

# ecdsa_kit PAYLOAD: the kit's pair is ECDSA P-256 (VM_ECDSA, a kernel
# with CONFIG_CRYPTO_ECDSA), and the modules make sign wrote verify with it.
ecdsa_kit() {
	local p=$1 text out
	text=$(openssl x509 -inform DER -in "$p/keys/signing_key.x509" -noout -text 2>&1)
	if grep -q 'Public Key Algorithm: id-ecPublicKey' <<<"$text" &&
		grep -q 'ASN1 OID: prime256v1' <<<"$text" &&
		out=$("$MODSIGN" verify --cert "$p/keys/signing_key.x509" "$p"/signed/*.ko 2>&1); then
		pass "$rel/host/kit-key-is-ecdsa-p256"
	else
		flunk "$rel/host/kit-key-is-ecdsa-p256: $(grep -E 'Public Key Algorithm|ASN1 OID' <<<"$text" | tr -s ' \n' ' ') ${out:-}"
	fi
}

# ecdsa_copy PAYLOAD: a kernel without CONFIG_CRYPTO_ECDSA in VM_ECDSA: an
# ECDSA P-256 pair made by make keys in a folder of its own (under another
# host name, so that its CN is not the kit's key's); make sign refuses it
# for this kernel and leaves every module as it was; a copy of hello-3
# signed with it by the kernel's own sign-file, and its certificate and
# CN, go to the guest.
ecdsa_copy() {
	local p=$1 d=$w/ecdsa-keys before out rc=0 same=changed
	unshare --uts bash -c 'hostname ecdsa-test && exec "$@"' _ \
		make -C "$w/tree" keys KEY_TYPE=ecdsa KEYDIR="$d" >>"$w/build.log" 2>&1 || return 1
	before=$(cd "$w/tree/modules" && sha256sum ./*.ko)
	out=$(make -C "$w/tree" sign KDIR="$kdir" KEYDIR="$d" 2>&1) || rc=$?
	echo "$out" >>"$w/build.log"
	[ "$(cd "$w/tree/modules" && sha256sum ./*.ko)" != "$before" ] || same=unchanged
	if [ "$rc" != 0 ] && [ "$same" == unchanged ] &&
		grep -qF "is an ECDSA P-256 key, and the kernel of $kdir cannot check ECDSA signatures (CONFIG_CRYPTO_ECDSA is not set in" <<<"$out"; then
		pass "$rel/host/make-sign-refuses-ecdsa-key"
	else
		flunk "$rel/host/make-sign-refuses-ecdsa-key: exit $rc, modules $same: $(grep -F 'modsign: ' <<<"$out" | tr '\n' ' ' | cut -c 1-400)"
	fi
	mkdir -p "$p/ecdsa"
	cp "$p/unsigned/hello-3.ko" "$p/ecdsa/"
	host_sign "$d/signing_key.pem" "$d/signing_key.x509" "$p/ecdsa/hello-3.ko" || return 1
	cp "$d/signing_key.x509" "$p/keys/ecdsa.x509"
	openssl x509 -inform DER -in "$d/signing_key.x509" -noout -subject \
		-nameopt multiline | sed -n 's/^ *commonName *= //p' >"$p/ecdsa-cn"
}

prepare() { # SERIES
	local env kdir moddir vmlinuz config m benv=$boot_env userspace=''
	env=$(bash "$TOP/vm/fetch-debian.sh" kernel "$1")
	rel=$(sed -n 's/^RELEASE=//p' "$env")
	kdir=$(sed -n 's/^KDIR=//p' "$env")
	moddir=$(sed -n 's/^MODDIR=//p' "$env")
	vmlinuz=$(sed -n 's/^VMLINUZ=//p' "$env")
	config=$(sed -n 's/^CONFIG=//p' "$env")
	# VM_ECDSA (see the top): the kit's pair is ECDSA where this kernel
	# can check it; where it cannot, an ECDSA-signed copy is refused
	local ecdsa=
	if [[ " $VM_ECDSA " == *" $1 "* ]]; then
		ecdsa=refused
		! grep -qE '^CONFIG_CRYPTO_ECDSA=[ym]$' "$config" || ecdsa=kit
	fi
	if trixie "$1"; then
		benv=$(bash "$TOP/vm/fetch-debian.sh" boot trixie)
		userspace=$(sed -n 's/^ROOT=//p' "$(bash "$TOP/vm/fetch-debian.sh" userspace trixie)")
		bash "$TOP/vm/trixie-root.sh" env >/dev/null || return 1
	fi
	local shim mokmanager grub ovmf_vars
	shim=$(sed -n 's/^SHIM=//p' "$benv")
	mokmanager=$(sed -n 's/^MOKMANAGER=//p' "$benv")
	grub=$(sed -n 's/^GRUB=//p' "$benv")
	ovmf_vars=$(sed -n 's/^OVMF_VARS=//p' "$benv")
	w=$WORK/$rel
	rm -rf "$w"
	mkdir -p "$w/esp"
	local p=$w/payload
	mkdir -p "$p"/{unsigned,signed,tampered,foreign,keys}

	echo "vm: $rel: building and signing the modules (make sign KDIR=${kdir:-<trixie root>})"
	fresh_tree "$w/tree"
	kit_make "$1" modules >"$w/build.log" 2>&1 || {
		tail -n 30 "$w/build.log"
		return 1
	}
	cp "$w/tree/modules/"*.ko "$p/unsigned/"
	if [ "$ecdsa" == kit ]; then
		echo "vm: $rel: the kit's key pair is ECDSA P-256 (make keys KEY_TYPE=ecdsa)"
		kit_make "$1" keys KEY_TYPE=ecdsa >>"$w/build.log" 2>&1 || {
			tail -n 30 "$w/build.log"
			return 1
		}
	fi
	kit_make "$1" sign >>"$w/build.log" 2>&1 || {
		tail -n 30 "$w/build.log"
		return 1
	}
	for m in "${KIT_MODULES[@]}"; do
		cp "$w/tree/modules/$m.ko" "$p/signed/"
	done
	cp "$w/tree/keys/signing_key.x509" "$p/keys/"
	mkdir -p "$p/bin"
	cp "$MODSIGN" "$p/bin/modsign"
	cp "$FINIT_COMPRESSED" "$p/bin/finit-compressed"
	openssl x509 -inform DER -in "$p/keys/signing_key.x509" -noout -subject \
		-nameopt multiline | sed -n 's/^ *commonName *= //p' >"$p/signer-cn"
	# A second key that nobody enrolls.
	openssl req -new -x509 -nodes -batch -days 2 -subj "/CN=modsign test key nobody enrolled" \
		-newkey rsa:2048 -keyout "$w/foreign.pem" -outform DER -out "$w/foreign.x509" 2>/dev/null
	cp "$p/unsigned/hello-3.ko" "$p/foreign/"
	host_sign "$w/foreign.pem" "$w/foreign.x509" "$p/foreign/hello-3.ko"
	local key=$w/tree/keys/signing_key.pem cert=$w/tree/keys/signing_key.x509
	case "$ecdsa" in
	kit) ecdsa_kit "$p" ;;
	refused)
		echo "vm: $rel: an ECDSA P-256 pair beside the kit's RSA one (no CONFIG_CRYPTO_ECDSA here): make sign must refuse it; the guest gets a copy of hello-3 it signed"
		ecdsa_copy "$p" || {
			tail -n 30 "$w/build.log"
			return 1
		}
		;;
	esac
	if [ "$VM_SABOTAGE" == unenrolled-key ]; then
		echo "vm: VM_SABOTAGE=unenrolled-key: the kit's modules are signed with a key that is never enrolled"
		key=$w/foreign.pem cert=$w/foreign.x509
		for m in "${KIT_MODULES[@]}"; do
			cp "$p/unsigned/$m.ko" "$p/signed/"
			host_sign "$key" "$cert" "$p/signed/$m.ko"
		done
	fi
	# Compressed as Debian's 6.12 ships its modules: kmod (30 in Debian 12)
	# decompresses xz and zstd in user space; the kernel then checks the
	# signature inside. One made by the xz tool from a signed module, two
	# signed by modsign itself (it decompresses, signs, recompresses).
	xz --check=crc32 --lzma2=dict=1MiB -c "$p/signed/hello-1.ko" >"$p/signed/hello-1.ko.xz"
	# xz's default check, CRC64: kmod 31+ hands it to the kernel's decoder,
	# which refuses it; kmod 30 decompresses it in user space
	xz -c "$p/signed/hello-1.ko" >"$p/signed/hello-1-crc64.ko.xz"
	xz -c "$p/unsigned/hello-4.ko" >"$p/signed/hello-4.ko.xz"
	zstd -q -c "$p/unsigned/startstop.ko" >"$p/signed/startstop.ko.zst"
	"$MODSIGN" sign -j 2 "$key" "$cert" \
		"$p/signed/hello-4.ko.xz" "$p/signed/startstop.ko.zst" >>"$w/build.log" 2>&1 || {
		tail -n 5 "$w/build.log"
		return 1
	}
	cp "$p/signed/hello-2.ko" "$p/tampered/"
	tamper "$p/tampered/hello-2.ko"

	if [ "$1" == "$VM_KERNEL_SIGNING" ]; then
		echo "vm: $rel: signing the kernel image with the kit's kernel key and with its module key"
		{
			make -C "$w/tree" kernel-keys &&
				make -C "$w/tree" sign-kernel KERNEL="$vmlinuz" \
					OUT="$w/esp/vmlinuz-kit" REPLACE_SIGNATURES=1
		} >>"$w/build.log" 2>&1 || {
			tail -n 30 "$w/build.log"
			return 1
		}
		cp "$w/tree/keys/kernel_key.der" "$p/keys/"
		expired_cert "$p" || {
			tail -n 30 "$w/build.log"
			return 1
		}
		# The module key cannot be used through the kit (make sign-kernel
		# refuses a certificate with the module OID; sbsign and sbverify
		# take the codeSigning beside it), so sbsign is called by hand,
		# as a user might: shim must still refuse the result.
		openssl x509 -inform DER -in "$w/tree/keys/signing_key.x509" -out "$w/module.crt"
		cp "$vmlinuz" "$w/vmlinuz-unsigned"
		sbattach --remove "$w/vmlinuz-unsigned" >/dev/null
		mkdir -p "$w/esp"
		sbsign --key "$w/tree/keys/signing_key.pem" --cert "$w/module.crt" \
			--output "$w/esp/vmlinuz-modkey" "$w/vmlinuz-unsigned" >>"$w/build.log" 2>&1
		rm -f "$w/vmlinuz-unsigned"
	fi

	local rotate=() old_keys=
	if [ "$1" == "$VM_ROTATE" ]; then
		echo "vm: $rel: make rotate: a new key in the tree, queued through a fake mokutil"
		rotate_start "$p" || {
			tail -n 30 "$w/build.log"
			return 1
		}
		rotate=(KIT_KEYDIR="$old_keys" ROTATE_OUT="$p/rotate/updates"
			ROTATE_INSTALL="$p/signed" FAKE_MOK_DIR="$w/rotate/mok")
	fi
	if [ "$VM_DKMS" != none ] && [ "$1" == t6.12 ]; then
		echo "vm: $rel: no DKMS payload on trixie's 6.12 (trixie's DKMS runs on t7: the upgrade from 6.12)"
	fi
	if [ "$VM_DKMS" != none ] && [ "$1" != t6.12 ]; then
		if trixie "$1"; then
			echo "vm: $rel: trixie's DKMS in an overlay over the trixie root: v4l2loopback for 6.12, then for $rel through the headers' hook (the kit's key), then its own key"
		else
			echo "vm: $rel: DKMS builds v4l2loopback (its own key, then the kit's) in a sandbox"
		fi
		# trixie's dkms 3.2.2 sets aside the kit's updates/kit/ copies
		# in the rotation (dkms-payload.sh): rotate_end checks them
		local dkms_env=("${rotate[@]}")
		[ ${#rotate[@]} == 0 ] || ! trixie "$1" || dkms_env+=(ROTATE_ARCHIVED="$w/rotate/dkms-original")
		env KIT_PACKAGE="$([[ " $VM_DKMS_INSTALL " != *" $1 "* ]] || echo yes)" "${dkms_env[@]}" \
			bash "$here/dkms-payload.sh" "$p/dkms" "$w/tree" "$WORK/tools" "$rel" \
			>"$w/dkms.log" 2>&1 || {
			tail -n 30 "$w/dkms.log"
			return 1
		}
		grep '^dkms-payload:' "$w/dkms.log" | sed 's/^dkms-payload/vm/'
		if trixie "$1"; then
			# dkms 3.2.2 compresses with xz --check=crc32
			local xzc
			xzc=$(xz --robot -lv "$p/dkms/kit/v4l2loopback.ko.xz" "$p/dkms/self/v4l2loopback.ko.xz" 2>&1 |
				awk '$1 == "file" { print $7 }')
			if [ "$xzc" == $'CRC32\nCRC32' ]; then
				pass "$rel/host/dkms-wrote-crc32-ko-xz"
			else
				flunk "$rel/host/dkms-wrote-crc32-ko-xz: the checks of DKMS's .ko.xz files are: ${xzc//$'\n'/ }"
			fi
		fi
	fi
	# without a DKMS payload (VM_DKMS=none, t6.12), the re-signing step
	# runs on the host
	if [ ${#rotate[@]} != 0 ] && { [ "$VM_DKMS" == none ] || [ "$1" == t6.12 ]; }; then
		rotate_resign "$p" || {
			tail -n 30 "$w/build.log"
			return 1
		}
	fi
	if [ ${#rotate[@]} != 0 ]; then
		rotate_end "$p" || return 1
	fi

	status_payload "$p" "$moddir" "$vmlinuz" "$config"

	# The MokManager password for this run only.
	password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$password" >"$p/mok-password"

	# the guest's dpkg status names its kmod, as the release's would:
	# modsign check and status decide compressed modules by it
	local kmod_version
	if [ -n "$userspace" ]; then
		kmod_version=$(sed -n 's/^KMOD_VERSION=//p' "$(bash "$TOP/vm/fetch-debian.sh" userspace trixie)")
	else
		kmod_version=$(dpkg-query -W -f='${Version}' kmod)
	fi
	local kit_deb=
	[ "$1" != "$VM_FROM_DEB" ] || kit_deb=$KIT_DEB
	KIT_DEB=$kit_deb USERSPACE=$userspace KMOD_VERSION=$kmod_version INIT=$here/guest-init.sh \
		bash "$TOP/vm/make-initramfs.sh" "$w/initrd.img" "$moddir" "$p"

	mkdir -p "$w/esp/EFI/BOOT"
	cp "$shim" "$w/esp/EFI/BOOT/BOOTX64.EFI"
	cp "$mokmanager" "$w/esp/EFI/BOOT/mmx64.efi"
	cp "$grub" "$w/esp/EFI/BOOT/grubx64.efi"
	cp "$vmlinuz" "$w/esp/vmlinuz"
	cp "$w/initrd.img" "$w/esp/initrd.img"
	# A fresh variable store: Microsoft's keys enrolled, Secure Boot on.
	cp "$ovmf_vars" "$w/vars.fd"

	# No private key enters the guest: not the kit's module key, nor its
	# kernel key, nor the foreign one. The check is checked too: it must
	# find a key planted in a copy of the initramfs.
	local f k leaked=
	while IFS= read -r -d '' f; do
		for k in "$w/tree/keys/signing_key.pem" "$w/tree/keys/kernel_key.pem" "$w/foreign.pem" \
			"$w/tree/keys/retired/"*/signing_key.pem "$w/expired/key.pem" \
			"$w/ecdsa-keys/signing_key.pem"; do
			[ ! -e "$k" ] || ! leaks_key "$k" "$f" || leaked+=" $(basename "$k") in $f"
		done
	done < <(find "$w/esp" -type f -print0)
	if [ -z "$leaked" ]; then
		pass "$rel/host/private-key-not-in-initramfs-or-esp"
	else
		flunk "$rel/host/private-key-not-in-initramfs-or-esp: found in$leaked"
	fi
	# the kit's key (ECDSA on the VM_ECDSA kernels that take it) and the
	# ECDSA pair beside an RSA one
	local missed=
	for k in "$w/tree/keys/signing_key.pem" "$w/ecdsa-keys/signing_key.pem"; do
		[ -e "$k" ] || continue
		cat "$w/initrd.img" "$k" >"$w/planted"
		openssl pkey -in "$k" -outform DER >"$w/planted.der"
		leaks_key "$k" "$w/planted" && leaks_key "$k" "$w/planted.der" ||
			missed+=" ${k#"$w/"}"
	done
	if [ -z "$missed" ]; then
		pass "$rel/host/key-search-finds-a-planted-key"
	else
		flunk "$rel/host/key-search-finds-a-planted-key: the search missed$missed"
	fi
	rm -f "$w/planted" "$w/planted.der"
}

# prepare_start SERIES: prepare runs in the background, its output (and
# its PASS/FAIL lines) into a file that prepare_wait replays. The next
# kernel's build overlaps this one's boots: a TCG guest keeps one core
# busy, the build the other.
prepare_start() {
	(
		t=$SECONDS
		if prepare "$1"; then
			echo "vm: $rel: building and signing took $((SECONDS - t)) s"
			echo "PREPARED $rel"
		else
			echo "PREPARE-FAILED"
		fi
	) >"$WORK/prepare-$1.out" 2>&1 </dev/null &
	prepare_pid=$!
}

# prepare_wait SERIES: waits for prepare_start's job, prints its output,
# counts its results, and sets rel, w and password as prepare did.
prepare_wait() {
	local out=$WORK/prepare-$1.out line
	wait "$prepare_pid" || true
	rel=
	while IFS= read -r line; do
		case "$line" in
		"PASS vm/"*) passed=$((passed + 1)) ;;
		"FAIL vm/"*) failed=$((failed + 1)) ;;
		"PREPARED "*)
			rel=${line#PREPARED }
			continue
			;;
		PREPARE-FAILED) continue ;;
		esac
		echo "$line"
	done <"$out"
	rm -f "$out"
	[ -n "$rel" ] || return 1
	w=$WORK/$rel
	password=$(cat "$w/payload/mok-password")
}

# mokmanager_boot STAGE ACTION CHECK...: a boot through MokManager (which
# must have ACTION, enrolled or deleted, the key) into STAGE.
mokmanager_boot() {
	local stage=$1 action=$2 ok=0
	shift 2
	if boot "$stage" vmlinuz "$stage"; then
		if grep -q "MOKMANAGER $action" "$w/run-qemu-$stage.txt"; then
			pass "$rel/$stage/mokmanager-$action-the-key"
		else
			flunk "$rel/$stage/mokmanager-$action-the-key: MokManager did not appear or was not answered"
			ok=1
		fi
		check_results "$stage" "$w/serial-$stage.log" "$rel" "$@" || ok=1
	else
		ok=1
	fi
	[ "$ok" == 0 ] || show_log "$w/serial-$stage.log"
}

run_kernel() { # SERIES [NEXT SERIES]
	local series=$1 t0 t1 t2 t3 t4 ok=0 ks=0 rt=0 ec=0 pre_checks=("${PRE_CHECKS[@]}")
	[ "$series" != "$VM_KERNEL_SIGNING" ] || ks=1
	[ "$series" != "$VM_ROTATE" ] || rt=1
	mok_keys=1
	t0=$SECONDS
	if ! prepare_wait "$series"; then
		flunk "$series/prepare: building or signing failed"
		[ -z "${2:-}" ] || prepare_start "$2"
		return 0
	fi
	[ -z "${2:-}" ] || prepare_start "$2"
	t1=$SECONDS
	[ "$series" != "$VM_FROM_DEB" ] || pre_checks=(kit-from-package "${pre_checks[@]}")
	if [ -e "$w/payload/keys/ecdsa.x509" ]; then
		ec=1
		pre_checks+=("${PRE_ECDSA_CHECKS[@]}")
	fi
	if [ "$ks" == 1 ]; then
		echo "vm: $rel: boot 0, the kit-signed kernel before enrollment"
		boot_refused kernel-before vmlinuz-kit
		pre_checks+=("${PRE_KERNEL_KEY_CHECKS[@]}")
	fi
	echo "vm: $rel: boot 1 (modsign_stage=pre)"
	boot pre vmlinuz pre && check_results pre "$w/serial-pre.log" "$rel" "${pre_checks[@]}" || ok=1
	if grep -q MOKMANAGER "$w/run-qemu-pre.txt"; then
		flunk "$rel/pre/no-mokmanager: MokManager appeared before any request"
		ok=1
	fi
	[ "$ok" == 0 ] || show_log "$w/serial-pre.log"
	t2=$SECONDS
	echo "vm: $rel: boot 2 (MokManager, then modsign_stage=post)"
	ok=0
	# the kit's key, the kernel key and the expired certificate, the
	# ECDSA certificate: one request
	mok_keys=$((1 + 2 * ks + ec))
	if boot post vmlinuz post "$([ "$rt" == 0 ] || echo modsign_rotate=1)"; then
		if grep -q "MOKMANAGER enrolled" "$w/run-qemu-post.txt"; then
			pass "$rel/post/mokmanager-enrolled-the-key"
		else
			flunk "$rel/post/mokmanager-enrolled-the-key: MokManager did not appear or was not answered"
			ok=1
		fi
		local post_checks=("${POST_CHECKS[@]}") f m
		if [ -d "$w/payload/dkms" ]; then
			post_checks+=("${DKMS_CHECKS[@]}")
			if [ -e "$w/payload/dkms/kit/v4l2loopback.ko.xz" ]; then
				if trixie "$series"; then
					post_checks+=("${DKMS_XZ_CRC32_CHECKS[@]}")
				else
					post_checks+=("${DKMS_XZ_CHECKS[@]}")
				fi
			fi
			for f in "$w/payload/dkms/kitmods"/*.ko*; do
				[ -e "$f" ] || continue
				m=$(basename "$f")
				post_checks+=("dkms/load/${m%%.ko*}" "dkms/unload/${m%%.ko*}")
			done
		fi
		[ "$ks" == 0 ] || post_checks+=(kernel-key-enrolled "${EXPIRED_CHECKS[@]}")
		[ "$rt" == 0 ] || post_checks+=("${POST_ROTATE_CHECKS[@]}")
		if [ "$ec" == 1 ]; then
			post_checks+=("${POST_ECDSA_CHECKS[@]}")
			# the screen listed both keys of the one request
			if grep -aq "View key 1" "$w/serial-post.log"; then
				pass "$rel/post/mokmanager-listed-the-ecdsa-cert-too"
			else
				flunk "$rel/post/mokmanager-listed-the-ecdsa-cert-too: no 'View key 1' in MokManager's screens"
				ok=1
			fi
		fi
		check_results post "$w/serial-post.log" "$rel" "${post_checks[@]}" || ok=1
	else
		ok=1
	fi
	[ "$ok" == 0 ] || show_log "$w/serial-post.log"
	mok_keys=1
	t3=$SECONDS
	if [ "$ks" == 1 ]; then
		echo "vm: $rel: boot 3, the kit-signed kernel after enrollment"
		ok=0
		boot kernel vmlinuz-kit kernel &&
			check_results kernel "$w/serial-kernel.log" "$rel" "${KERNEL_CHECKS[@]}" || ok=1
		[ "$ok" == 0 ] || show_log "$w/serial-kernel.log"
		echo "vm: $rel: boot 4, a kernel signed with the (enrolled) module key"
		boot_refused modkey vmlinuz-modkey
	fi
	t4=$SECONDS
	if [ "$rt" == 1 ]; then
		echo "vm: $rel: boot 5 (MokManager enrolls the new key, then modsign_stage=rotated)"
		mokmanager_boot rotated enrolled "${ROTATED_CHECKS[@]}"
		echo "vm: $rel: boot 6 (MokManager deletes the old key, then modsign_stage=revoked)"
		mokmanager_boot revoked deleted "${REVOKED_CHECKS[@]}"
	fi
	if grep -aqF -- "$password" "$w"/serial-*.log "$w"/run-qemu-*.txt; then
		flunk "$rel/host/password-not-in-logs: the MOK password is in a log"
	else
		pass "$rel/host/password-not-in-logs"
	fi
	timings+=("$rel: $((SECONDS - t0)) s (waiting for build+sign $((t1 - t0)) s, boot 1 (and 0) $((t2 - t1)) s, MokManager+boot 2 $((t3 - t2)) s, kernel signing boots $((t4 - t3)) s, rotation boots $((SECONDS - t4)) s)")
}

boot_env=$(bash "$TOP/vm/fetch-debian.sh" boot)
OVMF_CODE=$(sed -n 's/^OVMF_CODE=//p' "$boot_env")
command -v expect >/dev/null || {
	echo "vm: ERROR: expect is not installed (apt-get install expect)"
	echo "vm: 0 passed, 1 failed"
	exit 1
}
echo "vm: building modsign for the guest"
# A new copy each run: fresh_tree over an old one would keep files the
# tree has since moved or deleted (an old sign/util.h shadowing core/'s).
rm -rf "$WORK/tools"
fresh_tree "$WORK/tools"
make -s -C "$WORK/tools/sign" >"$WORK/tools/build.log" 2>&1 || {
	cat "$WORK/tools/build.log"
	echo "vm: 0 passed, 1 failed"
	exit 1
}
MODSIGN=$WORK/tools/sign/modsign
KIT_DEB=
if [[ " $VM_KERNELS " == *" $VM_FROM_DEB "* ]]; then
	echo "vm: building the kit's Debian package for $VM_FROM_DEB's guest (make deb)"
	make -s -C "$WORK/tools" deb >"$WORK/tools/deb.log" 2>&1 || {
		cat "$WORK/tools/deb.log"
		echo "vm: 0 passed, 1 failed"
		exit 1
	}
	KIT_DEB=$(find "$WORK/tools/build" -maxdepth 1 -name 'modsign_*.deb' | sed -n 1p)
fi
FINIT_COMPRESSED=$WORK/tools/finit-compressed
gcc -O2 -Wall -Wextra -Werror -o "$FINIT_COMPRESSED" "$here/finit-compressed.c" || {
	echo "vm: 0 passed, 1 failed"
	exit 1
}
read -ra series_list <<<"$VM_KERNELS"
prepare_start "${series_list[0]}"
for i in "${!series_list[@]}"; do
	run_kernel "${series_list[$i]}" "${series_list[$((i + 1))]:-}"
done
echo "vm: serial logs and work files are in $WORK/<release>/"
printf 'vm: time %s\n' "${timings[@]}"
echo "vm: $passed passed, $failed failed"
[ "$failed" == 0 ]
