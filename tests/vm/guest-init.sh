#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the Secure Boot test VM. The kernel is Debian's signed kernel,
# booted by shim and grub under OVMF with Secure Boot on, so the kernel
# itself decides what loads. The host picks the stage on the kernel command
# line (modsign_stage=pre|post|kernel|revoked); every check prints one line,
# `PASS name` or `FAIL name: detail`, and the guest powers off.
#
#   pre:    Secure Boot and lockdown are on; unsigned and kit-signed modules
#           are rejected; mok-enroll.sh queues the kit's key (MokNew), and
#           the kernel key too when the payload has one.
#   post:   (after MokManager enrolled the keys) the key is trusted; every
#           kit module loads, works and unloads; tampered, foreign-key and
#           unsigned modules are still rejected.
#   kernel: this kernel is the kit-signed one: it booted, is locked down and
#           loads a kit module.
#   revoked: (post ran with modsign_revoke=1, which queued the key's deletion
#           with mok-enroll.sh --revoke, and MokManager deleted it) the key
#           is gone and the kit's modules are rejected again.
# shellcheck disable=SC2317  # functions are called indirectly via `check`

export PATH=/sbin:/bin:/opt/modsign/bin
# The loader is what the load checks are about: the release's kmod
# (make-initramfs.sh links /sbin/insmod to it), called by full path, never
# busybox's applet, which decompresses in user space where kmod 31 and
# later hand a compressed module to the kernel's own decoder.
insmod() { /sbin/insmod "$@"; }
KIT=/opt/modsign
# The rotation's keys folder in the guest: certificates and the state file.
ROT=/run/rotation
KERNEL_CERT=$KIT/keys/kernel_key.der
# VM_ECDSA on a kernel without CONFIG_CRYPTO_ECDSA (test-vm.sh): the ECDSA
# certificate enrolled beside the kit's key, and a copy of hello-3 it signed.
ECDSA_CERT=$KIT/keys/ecdsa.x509
LOG=/run/check.log

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t securityfs securityfs /sys/kernel/security
# Keep kernel messages off the console so PASS/FAIL lines stay whole; the
# checks read them with dmesg.
dmesg -n 1
insmod /lib/modules/*/efivarfs.ko* 2>/run/efivarfs.err ||
	echo "FAIL efivarfs: $(cat /run/efivarfs.err)"
mount -t efivarfs efivarfs /sys/firmware/efi/efivars

stage=$(sed -n 's/.*modsign_stage=\([a-z]*\).*/\1/p' /proc/cmdline)
password=$(head -n 1 "$KIT/mok-password")
cn=$(cat "$KIT/signer-cn")

# check NAME FUNCTION [ARGS...]: runs the function (its output in $LOG);
# it reports failure by printing the detail and returning non-zero.
check() {
	local name=$1 detail
	shift
	if detail=$("$@" 2>&1); then
		echo "PASS $name"
	else
		echo "FAIL $name: $(echo "$detail" | tr '\n' ' ' | cut -c 1-600)"
	fi
}

contains() { # TEXT NEEDLE
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	echo "'$2' not in: $1"
	return 1
}

secure_boot_on() {
	local out
	out=$(mokutil --sb-state 2>&1)
	contains "$out" "SecureBoot enabled"
}

locked_down() {
	local mode
	mode=$(cat /sys/kernel/security/lockdown)
	case "$mode" in
	*"[integrity]"* | *"[confidentiality]"*) return 0 ;;
	esac
	echo "lockdown is: $mode"
	return 1
}

# rejected FILE INSMOD_ERROR DMESG_TEXT: the kernel refuses the module,
# insmod says why and, if DMESG_TEXT is given, the kernel log does too.
rejected() {
	local out log name
	dmesg -c >/dev/null
	if out=$(insmod "$1" 2>&1); then
		name=$(modinfo -F name "$1")
		rmmod "$name"
		echo "$1 was loaded"
		return 1
	fi
	contains "$out" "$2" || {
		echo "dmesg: $(dmesg | tail -n 3)"
		return 1
	}
	[ -z "$3" ] && return 0
	log=$(dmesg)
	contains "$log" "$3"
}

enroll_status() { # WANT [CERT [NOTE]]
	local out
	out=$("$KIT/mok-enroll.sh" --status ${2:+--cert "$2"} 2>&1) || {
		echo "--status failed: $out"
		return 1
	}
	echo "$out" >>"$LOG"
	contains "$out" "status: $1 (Secure Boot enabled)" || return 1
	[ -z "${3:-}" ] || contains "$out" "$3"
}

# says WANT CMD...: CMD exits 0, says WANT, and never prints the password.
says() {
	local want=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	echo "$out" >>"$LOG"
	[ "$rc" == 0 ] || {
		echo "exit $rc: $out"
		return 1
	}
	contains "$out" "$want" || return 1
	password_unseen "$out"
}

# mok_says WANT [ARG...]: mok-enroll.sh ARG... with the password file.
mok_says() {
	local want=$1
	shift
	says "$want" "$KIT/mok-enroll.sh" "$@" --password-file "$KIT/mok-password"
}

password_unseen() {
	case "$1" in
	*"$password"*)
		echo "the MOK password was printed"
		return 1
		;;
	esac
}

key_trusted() {
	contains "$(cat /proc/keys)" "$cn: "
}

key_untrusted() {
	! key_trusted >/dev/null || {
		echo "$cn is still in /proc/keys"
		return 1
	}
}

# loads FILE NAME [PARAMS...]: insmod succeeds and the module says hello.
loads() {
	local file=$1 name=$2 out
	shift 2
	dmesg -c >/dev/null
	out=$(insmod "$file" "$@" 2>&1) || {
		echo "insmod: $out; dmesg: $(dmesg | tail -n 5)"
		return 1
	}
	contains "$(dmesg)" "$name: loaded"
}

unloads() { # NAME
	local out
	dmesg -c >/dev/null
	out=$(rmmod "$1" 2>&1) || {
		echo "rmmod: $out"
		return 1
	}
	if grep -q "^$1 " /proc/modules; then
		echo "$1 still in /proc/modules"
		return 1
	fi
	contains "$(dmesg)" "$1: unloaded"
}

logged() { # TEXT: the kernel log since the last load has TEXT
	contains "$(dmesg)" "$1"
}

reads() { # FILE WANT
	local got
	got=$(cat "$1") || return 1
	[ "$got" == "$2" ] || {
		echo "$1 reads '$got', want '$2'"
		return 1
	}
}

write_reads_back() { # FILE VALUE
	echo "$2" >"$1" || return 1
	reads "$1" "$2"
}

write_refused() { # FILE VALUE
	if echo "$2" 2>/dev/null >"$1"; then
		echo "writing '$2' to $1 succeeded"
		return 1
	fi
}

# modsign_verifies CERT FILE...: the kit's own verifier agrees with the kernel.
modsign_verifies() {
	local cert=$1 out
	shift
	out=$(modsign verify --cert "$cert" "$@" 2>&1) || {
		echo "$out"
		return 1
	}
}

modsign_refuses() { # CERT FILE REASON
	local out
	if out=$(modsign verify --cert "$1" "$2" 2>&1); then
		echo "modsign verify accepted $2: $out"
		return 1
	fi
	contains "$out" "$3"
}

# kmod_gives_xz_to_kernel: the guest's kmod (dpkg's status) is 31 or later
# and the kernel decompresses xz itself.
kmod_gives_xz_to_kernel() {
	local v
	v=$(sed -n 's/^Version: \([0-9]*\).*/\1/p' /var/lib/dpkg/status 2>/dev/null)
	[ -n "$v" ] && [ "$v" -ge 31 ] && [ "$(cat /sys/module/compression 2>/dev/null)" == xz ]
}

# verdict_agrees FILE NAME WANT: `modsign check` says WANT about FILE, and
# the kernel then does what it said (loads it only if it said "will load").
verdict_agrees() {
	local out rc=0 line said
	out=$(modsign check "$1" 2>&1) || rc=$?
	echo "$out" >>"$LOG"
	line=$(grep -F "$1: " <<<"$out" | sed -n 1p)
	contains "$line" "$3" || return 1
	case "$line" in
	*": will load"*) said=load ;;
	*) said=reject ;;
	esac
	if [ "$said" == load ] && [ "$rc" != 0 ]; then
		echo "modsign check exited $rc for a module it says will load"
		return 1
	fi
	if [ "$said" == reject ] && [ "$rc" == 0 ]; then
		echo "modsign check exited 0 for a module it says will not load"
		return 1
	fi
	if insmod "$1" 2>/dev/null; then
		rmmod "$2"
		[ "$said" == load ] || {
			echo "modsign check said '$line', but the kernel loaded it"
			return 1
		}
	elif [ "$said" == load ]; then
		echo "modsign check said '$line', but the kernel rejected it: $(dmesg | tail -n 2)"
		return 1
	fi
}

# status_tree: the machine `modsign status` reports on. The payload's
# status-tree/ (a sample of Debian's own modules, the kit's, and unsigned,
# tampered, foreign-key and DKMS-own-key copies) goes to /lib/modules/R,
# beside efivarfs; the kernel image and its config go to /boot, as on an
# installed system (the image holds the certificate Debian's modules are
# signed with).
status_tree() {
	local rel
	rel=$(uname -r)
	[ -d "$KIT/status-tree" ] || return 0
	cp -a "$KIT/status-tree/." "/lib/modules/$rel/"
	case "$stage" in
	rotated | revoked)
		# what the rotation's re-signing step left installed
		rm -rf "/lib/modules/$rel/updates"
		cp -a "$KIT/rotate/updates" "/lib/modules/$rel/updates"
		# v4l2loopback's own needs, Debian's
		[ ! -d "$KIT/dkms/deps" ] || insmod_all "$KIT"/dkms/deps/mc.ko* "$KIT"/dkms/deps/videodev.ko*
		;;
	esac
	mkdir -p /boot
	ln -sf "$KIT/boot/config" "/boot/config-$rel"
	# rotated: only make rotate's two runs ask modsign status, about the
	# kit's key; without the image they skip its decoding (10 to 15 s
	# each under TCG) and Debian's modules are "unknown", which
	# --removing does not count either way.
	[ "$stage" == rotated ] || ln -sf "$KIT/boot/vmlinuz" "/boot/vmlinuz-$rel"
}

# status_agrees: `modsign status --json` gives every module under
# /lib/modules/R a verdict, and the kernel then does what it said with each
# one: loads it (then unloads it) exactly when will_load is true. efivarfs,
# loaded at start, must be said to load. A disagreement names the module.
status_agrees() {
	local rel json rc=0 files rows n=0 yes=0 no=0 path wl reason out got bad=
	rel=$(uname -r)
	json=$(modsign status --json 2>/run/status.err) || rc=$?
	echo "$json" >>"$LOG"
	echo "$json" >/run/status.json
	[ "$rc" -le 1 ] || {
		echo "modsign status exited $rc: $(head -c 300 /run/status.err)"
		return 1
	}
	files=$(find "/lib/modules/$rel" -name '*.ko*' | wc -l)
	[ "$(jq '.modules | length' <<<"$json")" == "$files" ] || {
		echo "$files modules under /lib/modules/$rel, but status lists $(jq '.modules | length' <<<"$json")"
		return 1
	}
	# (no process substitution: the guest has no /dev/fd)
	rows=$(jq -r '.modules[] | [.path, (.will_load | tostring), .reason] | @tsv' <<<"$json")
	while IFS=$'\t' read -r path wl reason; do
		n=$((n + 1))
		case "$wl" in
		true) yes=$((yes + 1)) ;;
		false) no=$((no + 1)) ;;
		*)
			bad+=" $path (status cannot tell: $reason)"
			continue
			;;
		esac
		case "$path" in
		*/efivarfs.ko*)
			[ "$wl" == true ] || bad+=" $path (status: $reason; the kernel loaded it at start)"
			continue
			;;
		esac
		dmesg -c >/dev/null
		if out=$(insmod "$path" 2>&1); then
			got=true
			rmmod "$(modinfo -F name "$path")"
		else
			got=false
		fi
		[ "$wl" == "$got" ] ||
			bad+=" $path (status: will_load $wl, $reason; kernel: loaded $got ${out:+($out)})"
	done <<<"$rows"
	[ -z "$bad" ] || {
		echo "modsign status and the kernel disagree on:$bad"
		return 1
	}
	# both sides of the comparison were exercised
	if [ "$yes" == 0 ] || [ "$no" == 0 ]; then
		echo "only $yes modules to load and $no to refuse: the tree is not what the host built"
		return 1
	fi
}

not_tainted_unsigned() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	# Bit 13 (E, 8192): an unsigned module was loaded.
	[ $((t & 8192)) == 0 ] || {
		echo "kernel tainted $t (unsigned module)"
		return 1
	}
}

# from_package: the kit's commands here are the package's (make-initramfs.sh
# KIT_DEB): /usr/bin/modsign of the version the package says, reached
# through the kit's paths.
from_package() {
	local v
	v=$(cat "$KIT/from-deb") || return 1
	if [ "$(readlink -f "$KIT/bin/modsign")" != /usr/bin/modsign ] ||
		[ "$(readlink -f "$KIT/mok-enroll.sh")" != /usr/bin/mok-enroll.sh ] ||
		[ "$(readlink -f "$KIT/scripts/rotate-key.sh")" != /usr/lib/modsign/scripts/rotate-key.sh ]; then
		echo "the kit's paths do not lead to the package's files"
		return 1
	fi
	contains "$(modsign --version 2>&1)" "$v"
}

stage_pre() {
	[ ! -e "$KIT/from-deb" ] || check pre/kit-from-package from_package
	check pre/secure-boot-on secure_boot_on
	check pre/locked-down locked_down
	check pre/status-not-enrolled enroll_status not-enrolled
	# Debian's kernel turns module.sig_enforce on by itself under Secure
	# Boot, so a bad signature gives the error users search for.
	check pre/sig-enforced-by-secure-boot reads /sys/module/module/parameters/sig_enforce Y
	check pre/rejects-unsigned rejected "$KIT/unsigned/hello-1.ko" \
		"Key was rejected by service" "Loading of unsigned module is rejected"
	check pre/rejects-kit-key-before-enroll rejected "$KIT/signed/hello-1.ko" \
		"Key was rejected by service" "Loading of module with unavailable key is rejected"
	check pre/check-agrees-untrusted verdict_agrees "$KIT/signed/hello-1.ko" hello_1 \
		"will be rejected: signed by $cn, which this kernel does not trust"
	check pre/check-agrees-unsigned verdict_agrees "$KIT/unsigned/hello-1.ko" hello_1 \
		"will be rejected: unsigned"
	check pre/modsign-verifies-kit-modules modsign_verifies "$KIT/keys/signing_key.x509" "$KIT"/signed/*.ko
	check pre/status-agrees-before-enroll status_agrees
	# before enrollment, to set against post/kit-key-keyring's counts
	echo "NOTE pre/keyrings: kernel $(uname -r): /proc/keys: $(keyring_counts)"
	check pre/enroll-import mok_says "Enroll MOK"
	check pre/status-pending enroll_status pending
	check pre/status-agrees-pending status_agrees
	check pre/check-agrees-pending verdict_agrees "$KIT/signed/hello-1.ko" hello_1 \
		"enrollment pending: reboot and confirm in MokManager"
	if [ -e "$ECDSA_CERT" ]; then
		# mokutil --import adds the certificate to the pending request
		# (MokNew), under the new password: one MokManager visit
		# enrolls it with the kit's key.
		check pre/enroll-import-ecdsa-cert mok_says "Enroll MOK" --cert "$ECDSA_CERT"
		check pre/status-pending-ecdsa-cert enroll_status pending "$ECDSA_CERT"
		check pre/status-kit-key-still-pending enroll_status pending
	fi
	if [ -e "$KERNEL_CERT" ]; then
		# A second request before the reboot joins the first: one
		# MokManager visit confirms both keys.
		check pre/enroll-import-kernel-key mok_says "Enroll MOK" --cert "$KERNEL_CERT"
		check pre/status-pending-kernel-key enroll_status pending "$KERNEL_CERT"
		check pre/status-still-pending enroll_status pending
	fi
	if [ -e "$KIT/keys/expired.der" ]; then
		check pre/enroll-import-expired-cert mok_says "Enroll MOK" --cert "$KIT/keys/expired.der"
	fi
}

stage_kernel() {
	check kernel/booted-kit-signed-kernel true
	check kernel/secure-boot-on secure_boot_on
	check kernel/locked-down locked_down
	check kernel/kernel-key-enrolled enroll_status enrolled "$KERNEL_CERT"
	check kernel/loads-kit-module loads "$KIT/signed/hello-1.ko" hello_1
	check kernel/unloads-kit-module unloads hello_1
}

stage_post() {
	# before any check clears the kernel log: what the boot said of the
	# ECDSA certificate, and whether the kernel holds it
	[ ! -e "$ECDSA_CERT" ] || ecdsa_note
	check post/secure-boot-on secure_boot_on
	check post/locked-down locked_down
	check post/sig-enforced-by-secure-boot reads /sys/module/module/parameters/sig_enforce Y
	check post/status-enrolled enroll_status enrolled
	check post/enroll-again-is-noop mok_says "already enrolled"
	check post/key-in-kernel-keyring key_trusted
	check post/check-agrees-trusted verdict_agrees "$KIT/signed/hello-2.ko" hello_2 \
		"will load: signed by $cn, a key this kernel trusts"
	check post/check-agrees-unsigned verdict_agrees "$KIT/unsigned/hello-1.ko" hello_1 \
		"will be rejected: unsigned"
	check post/check-agrees-tampered verdict_agrees "$KIT/tampered/hello-2.ko" hello_2 \
		"will be rejected: the signature does not match the module"
	check post/check-agrees-foreign verdict_agrees "$KIT/foreign/hello-3.ko" hello_3 \
		"which this kernel does not trust"
	if [ -e "$KERNEL_CERT" ]; then
		check post/kernel-key-enrolled enroll_status enrolled "$KERNEL_CERT"
	fi
	if [ -e "$KIT/keys/expired.der" ]; then
		# Measured, for docs/key-rotation.md: an enrolled certificate
		# past its notAfter date. A module signature carries no signing
		# time, so the kernel has no date to hold against it.
		check post/expired/cert-in-kernel-keyring contains "$(cat /proc/keys)" \
			"modsign test key that expired in 2021: "
		check post/expired/module-loads loads "$KIT/expired/hello-2.ko" hello_2
		check post/expired/module-unloads unloads hello_2
	fi

	local m name
	for m in hello-1 hello-2 hello-3 hello-4 startstop workqueue_demo; do
		name=${m//-/_}
		check "post/load/$m" loads "$KIT/signed/$m.ko" "$name"
		case "$m" in
		hello-3) check "post/works/$m" logged "hello_3: initdata value 3" ;;
		workqueue_demo) check "post/works/$m" logged "workqueue_demo: work ran" ;;
		esac
		check "post/unload/$m" unloads "$name"
	done

	# Compressed as Debian's 6.12 ships its modules; the signature inside
	# is checked on the decompressed module.
	check post/load/hello-1.ko.xz loads "$KIT/signed/hello-1.ko.xz" hello_1
	check post/unload/hello-1.ko.xz unloads hello_1
	check post/load/hello-4.ko.xz-by-modsign loads "$KIT/signed/hello-4.ko.xz" hello_4
	check post/unload/hello-4.ko.xz-by-modsign unloads hello_4
	check post/load/startstop.ko.zst-by-modsign loads "$KIT/signed/startstop.ko.zst" startstop
	check post/unload/startstop.ko.zst-by-modsign unloads startstop
	# A CRC64 .ko.xz (xz's default check): kmod 31 and later give it to
	# the kernel, whose xz decoder refuses it; kmod 30 decompresses it
	# itself. modsign check says which before the load (kmod's version
	# from dpkg's status, the kernel's from /sys/module/compression), and
	# the release's own insmod then does what it said.
	local crc64_want="will load"
	if kmod_gives_xz_to_kernel; then
		crc64_want="will be rejected: its xz check is not CRC32"
	fi
	echo "NOTE post/crc64-xz: kmod $(sed -n 's/^Version: //p' /var/lib/dpkg/status), kernel decompresses: $(cat /sys/module/compression 2>/dev/null || echo nothing); modsign check expected to say: $crc64_want"
	check post/check-agrees-crc64-xz verdict_agrees "$KIT/signed/hello-1-crc64.ko.xz" hello_1 "$crc64_want"

	check post/load/hello-5 loads "$KIT/signed/hello-5.ko" hello_5 \
		myint=7 mystring=guest myintarray=3,4
	check post/works/hello-5-log logged "hello_5: myint=7"
	check post/works/hello-5-array-log logged "hello_5: myintarray has 2 elements"
	check post/works/hello-5-param-int reads /sys/module/hello_5/parameters/myint 7
	check post/works/hello-5-param-short reads /sys/module/hello_5/parameters/myshort 1
	check post/works/hello-5-param-long reads /sys/module/hello_5/parameters/mylong 9999
	check post/works/hello-5-param-charp reads /sys/module/hello_5/parameters/mystring guest
	check post/works/hello-5-param-array reads /sys/module/hello_5/parameters/myintarray 3,4
	check post/unload/hello-5 unloads hello_5

	check post/load/chardev loads "$KIT/signed/chardev.ko" chardev
	check post/works/chardev-first-read reads /dev/chardev "opened 1 times"
	check post/works/chardev-second-read reads /dev/chardev "opened 2 times"
	check post/works/chardev-no-write write_refused /dev/chardev x
	check post/unload/chardev unloads chardev

	check post/load/procfs loads "$KIT/signed/procfs.ko" procfs
	check post/works/procfs-write-read write_reads_back /proc/procfs_demo "written in the guest"
	check post/unload/procfs unloads procfs

	check post/load/sysfs loads "$KIT/signed/sysfs.ko" sysfs
	check post/works/sysfs-initial reads /sys/kernel/sysfs_demo/value 0
	check post/works/sysfs-write-read write_reads_back /sys/kernel/sysfs_demo/value 42
	check post/works/sysfs-rejects-text write_refused /sys/kernel/sysfs_demo/value forty-two
	check post/unload/sysfs unloads sysfs

	check post/no-unsigned-taint not_tainted_unsigned

	check post/rejects-tampered rejected "$KIT/tampered/hello-2.ko" \
		"Key was rejected by service" ""
	# modsign tells a changed module from another key by the digest an
	# RSA signature holds; an ECDSA one (the kit's key on the VM_ECDSA
	# kernels that take it) holds none, so it can only say it does not
	# match
	local tampered_says="digest mismatch"
	case "$(openssl x509 -inform DER -in "$KIT/keys/signing_key.x509" -noout -text 2>&1)" in
	*id-ecPublicKey*) tampered_says="bad signature: the signature value does not match" ;;
	esac
	check post/modsign-refuses-tampered modsign_refuses "$KIT/keys/signing_key.x509" \
		"$KIT/tampered/hello-2.ko" "$tampered_says"
	check post/rejects-foreign-key rejected "$KIT/foreign/hello-3.ko" \
		"Key was rejected by service" "Loading of module with unavailable key is rejected"
	check post/rejects-unsigned rejected "$KIT/unsigned/hello-1.ko" \
		"Key was rejected by service" "Loading of unsigned module is rejected"

	if [ -e "$ECDSA_CERT" ]; then
		local ecdsa_cn
		ecdsa_cn=$(cat "$KIT/ecdsa-cn")
		check post/ecdsa-cert-enrolled enroll_status enrolled "$ECDSA_CERT"
		# enrolled, but the kernel has no algorithm for the key
		check post/ecdsa-cert-not-in-kernel-keyring not_in_proc_keys "$ecdsa_cn"
		# -2, ENOENT: no ecdsa-nist-p256 algorithm to check it with
		check post/ecdsa-cert-refused-at-boot contains "$(cat /run/boot-dmesg)" \
			"integrity: Problem loading X.509 certificate -2"
		check post/check-agrees-no-ecdsa verdict_agrees "$KIT/ecdsa/hello-3.ko" hello_3 \
			"will be rejected: signed by $ecdsa_cn with an ECDSA key, which this kernel cannot check (CONFIG_CRYPTO_ECDSA is not set in /boot/config-$(uname -r))"
		check post/check-json-reason-no-ecdsa json_reason "$KIT/ecdsa/hello-3.ko" no-ecdsa
		check post/rejects-ecdsa ecdsa_rejected "$KIT/ecdsa/hello-3.ko"
	fi

	check post/status-agrees-enrolled status_agrees
	# MOK keys go to .machine when shim publishes MokListTrustedRT
	# (shim 15.6 and later) and the kernel has the machine keyring.
	check post/kit-key-keyring kit_key_in_keyring .machine
	[ ! -d "$KIT/dkms" ] || stage_post_dkms

	grep -qw modsign_rotate=1 /proc/cmdline || return 0
	# The rotation's first guest step (the host made B, no private key
	# came along): B queued beside A, re-signing refused until enrolled.
	rotation_keys
	check post/rotate/queues-new-key rotate_says \
		"next: reboot; in MokManager choose Enroll MOK, Continue, Yes and the password"
	check post/rotate/new-key-pending enroll_status pending "$ROT/signing_key.x509"
	check post/rotate/old-key-still-enrolled enroll_status enrolled
	check post/rotate/resign-waits-for-enrollment rotate_refuses \
		"the new certificate is not enrolled yet: it waits in MokManager's enrollment request"
	rotation_keys
	check post/rotate/queue-again-is-noop rotate_says \
		"the new certificate is already waiting in the enrollment request"
	check post/rotate/makes-no-key-here no_private_key "$ROT"
}

# ecdsa_note: a NOTE of what the kernel made of the enrolled ECDSA
# certificate: whether /proc/keys holds it, and the boot's kernel lines
# about X.509 certificates and keys.
ecdsa_note() {
	local ecdsa_cn lines
	ecdsa_cn=$(cat "$KIT/ecdsa-cn")
	dmesg >/run/boot-dmesg
	lines=$(grep -iE 'MokListRT|problem|ecdsa|machine keyring' /run/boot-dmesg | tr '\n' ';' | cut -c 1-900)
	echo "NOTE post/ecdsa-cert: kernel $(uname -r): $ecdsa_cn in /proc/keys: $(grep -cF "$ecdsa_cn" /proc/keys); kernel log: $lines"
}

# json_reason FILE WANT: modsign check --json gives FILE the reason WANT.
json_reason() {
	local got
	got=$(modsign check --json "$1" 2>/dev/null | jq -r .reason)
	[ "$got" == "$2" ] || {
		echo "reason '$got', want '$2'"
		return 1
	}
}

# ecdsa_rejected FILE: the kernel refuses FILE (signed with an ECDSA key it
# cannot check) with the error a user sees; insmod's error and the kernel's
# lines go to a NOTE.
ecdsa_rejected() {
	local out log
	dmesg -c >/dev/null
	if out=$(insmod "$1" 2>&1); then
		rmmod "$(modinfo -F name "$1")"
		echo "$1 was loaded"
		return 1
	fi
	log=$(dmesg | tr '\n' ';' | cut -c 1-400)
	echo "NOTE post/ecdsa-refusal: kernel $(uname -r): insmod: $out; dmesg: $log" >/dev/console
	contains "$out" "Key was rejected by service" || return 1
	# the kernel never loaded the key (post/ecdsa-cert-not-in-kernel-keyring)
	contains "$log" "Loading of module with unavailable key is rejected"
}

not_in_proc_keys() { # CN
	local keys
	keys=$(cat /proc/keys)
	case "$keys" in
	*"$1: "*)
		echo "$1 is in /proc/keys"
		return 1
		;;
	esac
}

# rotation_keys [STATE]: the rotation's keys folder as the host made it,
# with the state file STATE if given (the initramfs forgets what the last
# boot wrote).
rotation_keys() {
	rm -rf "$ROT"
	cp -a "$KIT/rotate/keys" "$ROT"
	[ -z "${1:-}" ] || cp "$1" "$ROT/rotation.state"
}

# rotate_run: `make rotate` (one step) on the guest's copy; its output.
rotate_run() {
	KEYDIR=$ROT MOK_PASSWORD_FILE=$KIT/mok-password "$KIT/scripts/rotate-key.sh" next 2>&1
}

# rotate_says WANT: make rotate exits 0, says WANT, not the password.
rotate_says() {
	says "$1" rotate_run
}

# rotate_refuses WANT...: make rotate exits 1 and says each WANT.
rotate_refuses() {
	local out rc=0 want
	out=$(rotate_run) || rc=$?
	echo "$out" >>"$LOG"
	[ "$rc" == 1 ] || {
		echo "exit $rc, want 1: $out"
		return 1
	}
	for want in "$@"; do
		contains "$out" "$want" || return 1
	done
}

no_private_key() { # DIR
	local found
	found=$(grep -rl 'PRIVATE KEY' "$1" 2>/dev/null)
	[ -z "$found" ] || {
		echo "private key in $found"
		return 1
	}
}

# both_keys_trusted NEW_CN: the kernel holds A and B (/proc/keys).
both_keys_trusted() {
	local keys
	keys=$(cat /proc/keys)
	contains "$keys" "$cn: " && contains "$keys" "$1: "
}

# every_module DIR WHAT CMD...: CMD... FILE succeeds for each module FILE
# below DIR, and there is one at least; else WHAT and what CMD said.
every_module() {
	local dir=$1 what=$2 f files out n=0 bad=
	shift 2
	files=$(find "$dir" -name '*.ko*' | sort)
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		n=$((n + 1))
		out=$("$@" "$f" 2>&1) || bad+=" $f ($out)"
	done <<<"$files"
	[ "$n" -gt 0 ] || {
		echo "no module below $dir"
		return 1
	}
	[ -z "$bad" ] || {
		echo "$what:$bad"
		return 1
	}
}

signer_is() { # CN FILE
	local got
	got=$(modinfo -F signer "$2")
	[ "$got" == "$1" ] || {
		echo "$got"
		return 1
	}
}

load_unload() { # FILE
	local name
	name=$(modinfo -F name "$1")
	insmod "$1" || return 1
	rmmod "$name" || {
		echo "does not unload"
		return 1
	}
}

# signed_by_all CN DIR: every module below DIR names CN as its signer.
signed_by_all() {
	every_module "$2" "not signed by $1" signer_is "$1"
}

# all_load DIR: every module below DIR loads, then unloads.
all_load() {
	every_module "$1" "not loaded" load_unload
}

no_deletion_queued() {
	local out
	out=$("$KIT/mok-enroll.sh" --status 2>&1)
	case $out in
	*"deletion is queued"*)
		echo "$out"
		return 1
		;;
	esac
}

# mok_keys_have NAME OLD: the last status_agrees's modsign status lists
# NAME among the MOK keys, and not OLD (shim's vendor certificate is
# there too: MokListRT carries it).
mok_keys_have() {
	local got
	got=$(jq -r '.machine.key_list[] | select(.origins | index("mok")) | .name' /run/status.json)
	if ! grep -qxF "$1" <<<"$got" || grep -qxF "$2" <<<"$got"; then
		echo "MOK keys in modsign status: $(echo "$got" | tr '\n' ';'), want $1 and not $2"
		return 1
	fi
}

# status_loads_all DIR: the last status_agrees's modsign status says every
# module below DIR will load (status_agrees saw the kernel agree).
status_loads_all() {
	local n bad
	n=$(jq --arg d "$1/" '[.modules[] | select(.path | startswith($d))] | length' /run/status.json)
	bad=$(jq -r --arg d "$1/" '.modules[] | select(.path | startswith($d)) | select(.will_load != true) | .path' /run/status.json)
	if [ "$n" == 0 ] || [ -n "$bad" ]; then
		echo "$n modules below $1; not to load: $bad"
		return 1
	fi
}

# keyring_counts: the trusted keyrings' lines of /proc/keys, as
# `.machine=N .platform=N ...` (root sees them).
keyring_counts() {
	awk '$8 == "keyring" && $9 ~ /^\.(builtin_trusted_keys|secondary_trusted_keys|machine|platform):$/ {
		sub(/:$/, "", $9); printf "%s%s=%s", sep, $9, $10; sep = " " }' /proc/keys
}

# kit_key_in_keyring WANT: the last status_agrees's modsign status (which
# reads each trusted keyring's members with keyctl, as root) puts the kit's
# enrolled key in keyring WANT. Measured for docs/enrollment.md: where a MOK
# key lands on each kernel. The NOTE line records it whatever it is.
kit_key_in_keyring() {
	local got
	got=$(jq -r --arg cn "$cn" '[.machine.key_list[] | select(.name == $cn) | .keyring // "null"] | join(",")' /run/status.json)
	echo "NOTE post/kit-key-keyring: kernel $(uname -r): the kit's key is in ${got:-no keyring}; /proc/keys: $(keyring_counts)" >/dev/console
	[ "$got" == "$1" ] || {
		echo "the kit's key ($cn) is in '${got:-no keyring}', want $1; /proc/keys: $(keyring_counts)"
		return 1
	}
}

# loaded NAME: NAME is in /proc/modules.
loaded() {
	grep -q "^$1 " /proc/modules || {
		echo "$1 is not in /proc/modules; dmesg: $(dmesg | tail -n 3)"
		return 1
	}
}

# insmod_all FILE...: insmod each, in order (dependencies first).
insmod_all() {
	local f
	for f in "$@"; do
		insmod "$f" || return 1
	done
}

# check_said FILE NEEDLE: what modsign check prints about FILE has NEEDLE.
check_said() {
	contains "$(modsign check "$1" 2>&1)" "$2"
}

# DKMS-built modules (tests/vm/dkms-payload.sh): v4l2loopback signed by the
# kit's key through the kit's DKMS drop-in, the same package signed by the
# key DKMS made for itself, and the kit's own modules built by DKMS. They
# keep the form DKMS gave them: .ko.xz with xz's CRC64 check on 6.12.
stage_post_dkms() {
	local d=$KIT/dkms kit self f m
	kit=$(echo "$d"/kit/v4l2loopback.ko*)
	self=$(echo "$d"/self/v4l2loopback.ko*)
	# videodev and mc come from Debian's image, signed by Debian.
	check post/dkms/loads-videodev-and-mc insmod_all "$d"/deps/mc.ko* "$d"/deps/videodev.ko*
	check post/dkms/rejects-dkms-own-key rejected "$self" \
		"Key was rejected by service" "Loading of module with unavailable key is rejected"
	check post/dkms/check-agrees-dkms-own-key verdict_agrees "$self" v4l2loopback \
		"will be rejected: signed by DKMS module signing key (DKMS's own key), which this kernel does not trust"
	check post/dkms/check-says-what-to-run check_said "$self" "sudo modsign-kit dkms-key"
	check post/dkms/check-agrees-kit-key verdict_agrees "$kit" v4l2loopback \
		"will load: signed by $cn, a key this kernel trusts"
	check post/dkms/loads-v4l2loopback insmod "$kit"
	check post/dkms/v4l2loopback-in-proc-modules loaded v4l2loopback
	check post/dkms/dev-video0 test -c /dev/video0
	check post/dkms/video0-name reads /sys/class/video4linux/video0/name "Dummy video device (0x0000)"
	check post/dkms/unloads-v4l2loopback rmmod v4l2loopback
	case "$kit" in
	*.xz)
		# kmod 31 and later hand a compressed module to the kernel,
		# whose own xz decoder takes only the CRC32 check that Kbuild
		# writes. The stream header's flags (byte 7) name the check
		# DKMS used: 01 CRC32, 04 CRC64.
		if [ "$(od -An -tx1 -j 7 -N 1 "$kit" | tr -d ' ')" == 01 ]; then
			# dkms 3.2.2 (Debian 13) writes --check=crc32: DKMS's
			# own file goes through the kernel's decoder.
			check post/dkms/kernel-decoder-takes-dkms-crc32 finit-compressed "$kit"
			check post/dkms/kernel-decoder-dkms-crc32-in-proc-modules loaded v4l2loopback
			check post/dkms/kernel-decoder-dkms-crc32-unloads rmmod v4l2loopback
		else
			# DKMS 3.0.10's plain `xz -f` (CRC64) is refused, the
			# kit's `xz --check=crc32` file loads.
			check post/dkms/kernel-decoder-refuses-dkms-crc64 \
				kernel_refuses "$kit" v4l2loopback "Invalid argument" \
				"decompression failed with status 6"
			check post/dkms/kernel-decoder-takes-crc32 kernel_loads "$KIT/signed/hello-1.ko.xz" hello_1
			check post/dkms/kernel-decoder-crc32-unloads unloads hello_1
		fi
		;;
	esac
	# The kit's own modules, built by DKMS (make dkms-install); a
	# compressed one goes through the kernel's decoder.
	local load
	for f in "$d"/kitmods/*.ko*; do
		[ -e "$f" ] || continue
		m=$(basename "$f")
		m=${m%%.ko*}
		load=loads
		[ "$f" == "${f%.xz}" ] || load=kernel_loads
		check "post/dkms/load/$m" "$load" "$f" "${m//-/_}"
		check "post/dkms/unload/$m" unloads "${m//-/_}"
	done
}

# kernel_loads FILE NAME: the kernel itself decompresses FILE
# (finit-compressed) and loads it; it says hello.
kernel_loads() {
	local out
	dmesg -c >/dev/null
	out=$(finit-compressed "$1" 2>&1) || {
		echo "$out; dmesg: $(dmesg | tail -n 3)"
		return 1
	}
	contains "$(dmesg)" "$2: loaded"
}

# kernel_refuses FILE NAME ERROR DMESG: the kernel's decoder refuses FILE;
# the error and the kernel log say so.
kernel_refuses() {
	local out
	dmesg -c >/dev/null
	if out=$(finit-compressed "$1" 2>&1); then
		rmmod "$2"
		echo "the kernel loaded $1"
		return 1
	fi
	contains "$out" "$3" || return 1
	contains "$(dmesg)" "$4"
}

# rotated: MokManager enrolled B beside A.
stage_rotated() {
	local rel new_cn
	rel=$(uname -r)
	new_cn=$(cat "$KIT/rotate/new-cn")
	check rotated/secure-boot-on secure_boot_on
	check rotated/new-key-enrolled enroll_status enrolled "$KIT/rotate/keys/signing_key.x509"
	check rotated/old-key-still-enrolled enroll_status enrolled
	check rotated/both-keys-in-kernel-keyring both_keys_trusted "$new_cn"
	check rotated/old-key-module-still-loads loads "$KIT/signed/hello-1.ko" hello_1
	check rotated/old-key-module-unloads unloads hello_1
	check rotated/installed-signed-by-new-key signed_by_all "$new_cn" "/lib/modules/$rel/updates"
	check rotated/installed-modules-load all_load "/lib/modules/$rel/updates"
	# A module A signed, installed after the re-signing: the old key's
	# deletion must wait for it.
	rotation_keys "$KIT/rotate/state-resigned"
	mkdir -p "/lib/modules/$rel/extra/left-behind"
	cp "$KIT/signed/hello-1.ko" "/lib/modules/$rel/extra/left-behind/"
	check rotated/delete-refused-while-old-key-module-installed rotate_refuses \
		"refusing to queue the old key's deletion" "left-behind/hello-1.ko"
	check rotated/no-deletion-queued no_deletion_queued
	# its re-signed copy in its place: the kit's updates/kit/ one, or on
	# trixie DKMS's (dkms 3.2.2 set the kit's copies aside: dkms-payload.sh)
	local resigned=/lib/modules/$rel/updates/kit/hello-1.ko
	[ -e "$resigned" ] || resigned=$(echo "/lib/modules/$rel/updates/dkms/hello-1.ko"*)
	rm -f "/lib/modules/$rel/extra/left-behind/hello-1.ko"
	cp "$resigned" "/lib/modules/$rel/extra/left-behind/"
	check rotated/delete-queued-once-re-signed rotate_says \
		"next: reboot; in MokManager choose Delete MOK, Continue, Yes and the password"
	check rotated/old-key-deletion-queued enroll_status enrolled "" "its deletion is queued"
}

# revoked: MokManager deleted A; the kernel no longer trusts it.
stage_revoked() {
	local rel new_cn
	rel=$(uname -r)
	new_cn=$(cat "$KIT/rotate/new-cn")
	check revoked/secure-boot-on secure_boot_on
	check revoked/status-not-enrolled enroll_status not-enrolled
	check revoked/key-not-in-kernel-keyring key_untrusted
	check revoked/rejects-kit-key rejected "$KIT/signed/hello-1.ko" \
		"Key was rejected by service" "Loading of module with unavailable key is rejected"
	check revoked/check-agrees-untrusted verdict_agrees "$KIT/signed/hello-1.ko" hello_1 \
		"will be rejected: signed by $cn, which this kernel does not trust"
	check revoked/revoke-again-is-noop mok_says "is not enrolled: nothing to revoke" --revoke
	check revoked/new-key-enrolled enroll_status enrolled "$KIT/rotate/keys/signing_key.x509"
	# the state the last boot left (step deleting), then the last step
	rotation_keys "$KIT/rotate/state-resigned"
	sed -i 's/^step=resigned$/step=deleting/' "$ROT/rotation.state"
	check revoked/rotation-done rotate_says "done: $new_cn is enrolled, $cn is not"
	check revoked/status-agrees-revoked status_agrees
	check revoked/installed-modules-load status_loads_all "/lib/modules/$rel/updates"
	check revoked/status-lists-new-key-not-old mok_keys_have "$new_cn" "$cn"
}

echo "GUEST stage=$stage kernel=$(uname -r) sig_enforce=$(cat /sys/module/module/parameters/sig_enforce)"
status_tree
case "$stage" in
pre) stage_pre ;;
post) stage_post ;;
kernel) stage_kernel ;;
rotated) stage_rotated ;;
revoked) stage_revoked ;;
*) echo "FAIL stage: unknown stage '$stage' on the command line" ;;
esac
echo "GUEST done"
sync
poweroff -f
