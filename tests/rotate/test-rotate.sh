#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guided key rotation, scripts/rotate-key.sh (make rotate, issue #13,
# docs/key-rotation.md), on the host: each step's precondition, a rotation
# cut off at every step and resumed, and no key ever overwritten or lost.
#
# The machine is two fakes kept in step: tests/enroll/fake-mokutil (one
# state per certificate: this host has no EFI variables) for what
# mok-enroll.sh asks, and a fake root (tests/modsign/fakeroot.sh: MokListRT,
# /proc/keys, lockdown) for what `modsign status --root` reads. reboot()
# plays MokManager: requests are confirmed, the MOK list and the keys the
# kernel would hold follow. Modules: Debian 6.1 modules, their signatures
# stripped, signed by key A in /lib/modules/R/updates and in the tree's
# modules/. The real kernel, shim and mokutil judge the same flow in the
# Secure Boot VM (tests/vm, the rotation kernel).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

if [ -z "${MODSIGN:-}" ] && [ ! -x "$(dirname "${BASH_SOURCE[0]}")/../../sign/modsign" ]; then
	nice make -s -C "$(dirname "${BASH_SOURCE[0]}")/../../sign" >&2 ||
		{ echo "test-rotate: ERROR: cannot build sign/modsign" >&2; exit 1; }
fi
# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../modsign/common.sh"
need_tools openssl setsid sha256sum perl

FAKE=$TOP/tests/enroll/fake-mokutil
CUT=$TOP/tests/rotate/power-cut
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-rotate.XXXXXX")
export SHARED
trap 'rm -rf "$SHARED"' EXIT
# Three of Debian's modules without their signatures, once for the run.
mkdir -p "$SHARED/plain"
for m in crc7 crc8 crc-itu-t; do
	strip_sig "$MODDIR/kernel/lib/$m.ko" "$SHARED/plain/$m.ko" ||
		suite_error "cannot strip $MODDIR/kernel/lib/$m.ko"
done
R2=6.1.0-0-other

# setup: the tree ($T/tree, key A made by make-keys.sh), the machine
# ($T/root: R with A's modules in updates/ and one of Debian's, A enrolled),
# the fake mokutil ($T/mok) and the environment rotate-key.sh reads.
setup() {
	fresh_tree "$T/tree"
	export KEYDIR=$T/tree/keys ROOT=$T/root MOKUTIL=$FAKE FAKE_MOK_DIR=$T/mok
	export MOK_PASSWORD_FILE=$T/pw MODSIGN
	bash "$T/tree/scripts/make-keys.sh" create >/dev/null || fail "make-keys.sh create failed"
	cp "$KEYDIR/signing_key.x509" "$T/A.der"
	sha_of "$KEYDIR/signing_key.pem" "$KEYDIR/signing_key.x509" >"$T/A.sums"
	(umask 077 && echo "one-time pw" >"$T/pw")
	mkdir -p "$T/mok/keys" "$ROOT/lib/modules/$RELEASE/updates" "$ROOT/lib/modules/$RELEASE/kernel/lib"
	echo enabled >"$T/mok/sb"
	mok_set "$T/A.der" enrolled
	cp "$SHARED/plain/crc7.ko" "$SHARED/plain/crc8.ko" "$ROOT/lib/modules/$RELEASE/updates/"
	xz --check=crc32 -c "$SHARED/plain/crc-itu-t.ko" >"$ROOT/lib/modules/$RELEASE/updates/crc-itu-t.ko.xz"
	cp "$MODDIR/kernel/lib/crc16.ko" "$ROOT/lib/modules/$RELEASE/kernel/lib/"
	cp "$SHARED/plain/crc7.ko" "$T/tree/modules/hello-1.ko"
	sign_with "$KEYDIR" "$ROOT/lib/modules/$RELEASE/updates/"* "$T/tree/modules/hello-1.ko"
	set_secure_boot "$ROOT" 1
	set_setup_mode "$ROOT" 0
	set_lockdown "$ROOT" integrity
	set_sig_enforce "$ROOT" Y
	set_release "$ROOT" "$RELEASE"
	echo "BOOT_IMAGE=/vmlinuz-$RELEASE ro" >"$ROOT/proc/cmdline"
	machine_follows_mok
}

sha_of() {
	sha256sum "$@" | sed 's|  .*/| |'
}

sign_with() { # KEYDIR FILE...
	local d=$1
	shift
	"$MODSIGN" sign "$d/signing_key.pem" "$d/signing_key.x509" "$@" >/dev/null ||
		fail "modsign sign $* failed"
}

# mok_set CERT STATE: the fake mokutil's state for CERT.
mok_set() {
	local h
	h=$(sha256sum <"$1" | cut -d' ' -f1)
	cp "$1" "$T/mok/keys/$h.der"
	echo "$2" >"$T/mok/keys/$h"
}

mok_state_of() { # CERT
	cat "$T/mok/keys/$(sha256sum <"$1" | cut -d' ' -f1)"
}

# machine_follows_mok: the fake root's MOK list and kernel keys are the
# certificates the fake mokutil holds as enrolled (or to be deleted).
machine_follows_mok() {
	local f st ders=() keys=()
	for f in "$T"/mok/keys/*.der; do
		st=$(cat "${f%.der}")
		case $st in
		enrolled | delete-pending)
			ders+=("$f")
			keys+=("$(openssl x509 -inform DER -in "$f" -noout -subject -nameopt multiline |
				sed -n 's/^ *commonName *= //p')" "$f")
			;;
		esac
	done
	set_moklist "$ROOT" "${ders[@]}"
	set_keys "$ROOT" "${keys[@]}"
}

# reboot: MokManager confirms what waits (enrollments, deletions).
reboot() {
	local f st
	for f in "$T"/mok/keys/*.der; do
		st=$(cat "${f%.der}")
		case $st in
		pending) echo enrolled >"${f%.der}" ;;
		delete-pending) echo not-enrolled >"${f%.der}" ;;
		esac
	done
	machine_follows_mok
}

# rot [VAR=VALUE...]: one `make rotate` run (the script, as make runs it),
# output in $T/out and $T/err, exit status in $T/rc; always returns 0.
rot() {
	local rc=0
	# (in a subshell: bash's "Killed" notice for a cut run stays out of the log)
	(env "$@" setsid -w bash "$T/tree/scripts/rotate-key.sh" next >"$T/out" 2>"$T/err" </dev/null) 2>/dev/null || rc=$?
	echo "$rc" >"$T/rc"
	cat "$T/out" "$T/err" >>"$T/all"
}

rot_ok() {
	rot "$@"
	[ "$(cat "$T/rc")" == 0 ] || fail "make rotate exited $(cat "$T/rc"): $(cat "$T/err")"
}

step() {
	sed -n 's/^step=//p' "$KEYDIR/rotation.state" 2>/dev/null
}

# to_step WANT [VAR=VALUE...]: runs make rotate (rebooting when it says
# so) until the state file says WANT.
to_step() {
	local i want=$1
	shift
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(step)" != "$want" ] || return 0
		rot_ok "$@"
		[ "$(step)" != "$want" ] || return 0
		if grep -q "next: reboot" "$T/out"; then
			reboot
		fi
	done
	fail "did not get to step $want (at '$(step)'): $(cat "$T/all")"
}

old_dir() {
	echo "$KEYDIR/$(sed -n 's/^old=//p' "$KEYDIR/rotation.state")"
}

imports() {
	[ -f "$T/mok/calls" ] || {
		echo 0
		return
	}
	grep -c -- '--import' "$T/mok/calls" || true
}

deletes() {
	[ -f "$T/mok/calls" ] || {
		echo 0
		return
	}
	grep -c -- '--delete' "$T/mok/calls" || true
}

# the_end: the rotation is done and everything holds: B alone enrolled,
# every module A signed is signed by B, A's pair intact in retired/, and
# each request was made once.
the_end() {
	local old b n
	expect_eq "done" "$(step)" "rotation step"
	old=$(old_dir)
	expect_eq "$(cat "$T/A.sums")" "$(sha_of "$old/signing_key.pem" "$old/signing_key.x509")" "the old pair in $old"
	b=$KEYDIR/signing_key.x509
	! cmp -s "$b" "$T/A.der" || fail "keys/ still holds A"
	"$MODSIGN" verify --cert "$b" -r "$ROOT/lib/modules/$RELEASE/updates" "$T/tree/modules/hello-1.ko" >"$T/v" 2>&1 ||
		fail "a module does not verify with B: $(cat "$T/v")"
	expect_eq 1 "$(imports)" "mokutil --import calls"
	expect_eq 1 "$(deletes)" "mokutil --delete calls"
	MOKUTIL=$FAKE bash "$T/tree/mok-enroll.sh" --status --cert "$b" >"$T/s" 2>&1
	expect_file_contains "$T/s" "status: enrolled"
	MOKUTIL=$FAKE bash "$T/tree/mok-enroll.sh" --status --cert "$T/A.der" >"$T/s" 2>&1
	expect_file_contains "$T/s" "status: not-enrolled"
	"$MODSIGN" status --root "$ROOT" --release "$RELEASE" >"$T/st" 2>&1 || true
	n=$(find "$ROOT/lib/modules/$RELEASE" -path '*/kernel' -prune -o -name '*.ko*' -print | wc -l)
	expect_file_contains "$T/st" "$n modules will load: $n signed by a key enrolled in MOK"
}

# The whole rotation, one run a step, each checked; the old key's deletion
# is refused while a module it signed is installed; a second rotation
# (AGAIN=1) keeps every key made, each in its own folder.
test_whole_rotation_step_by_step() {
	local first second
	setup
	rot_ok
	expect_eq made "$(step)"
	expect_file_contains "$T/out" "made the new key"
	rot_ok
	expect_eq queued "$(step)"
	expect_eq 1 "$(imports)" "mokutil --import calls"
	expect_file_contains "$T/out" "next: reboot"
	reboot
	rot_ok
	expect_eq resigned "$(step)"
	expect_file_contains "$T/out" "re-signing 3 installed module(s) with the new key"
	expect_file_contains "$T/out" "re-signing 1 $T/tree/modules module(s)"
	# Debian's module is not touched; the compressed one stays xz
	cmp -s "$MODDIR/kernel/lib/crc16.ko" "$ROOT/lib/modules/$RELEASE/kernel/lib/crc16.ko" ||
		fail "Debian's crc16.ko was changed"
	xz -t "$ROOT/lib/modules/$RELEASE/updates/crc-itu-t.ko.xz" || fail "crc-itu-t.ko.xz is no longer an xz file"

	# a module A signed that the re-signing did not see (installed
	# afterwards), beside a kernel with nothing of A's
	mkdir -p "$ROOT/lib/modules/$RELEASE/extra" "$ROOT/lib/modules/$R2/kernel"
	cp "$CONFIG" "$ROOT/boot/config-$R2"
	cp "$SHARED/plain/crc8.ko" "$ROOT/lib/modules/$RELEASE/extra/late.ko"
	sign_with "$(old_dir)" "$ROOT/lib/modules/$RELEASE/extra/late.ko"
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status with an A-signed module installed"
	expect_file_contains "$T/err" "refusing to queue the old key's deletion"
	expect_file_contains "$T/err" "$RELEASE: "
	expect_file_contains "$T/err" "late"
	expect_file_lacks "$T/err" "$R2: "
	expect_eq 0 "$(deletes)" "mokutil --delete calls"
	expect_eq resigned "$(step)"
	sign_with "$KEYDIR" "$ROOT/lib/modules/$RELEASE/extra/late.ko"

	rot_ok
	expect_eq deleting "$(step)"
	expect_eq 1 "$(deletes)" "mokutil --delete calls"
	expect_eq delete-pending "$(mok_state_of "$T/A.der")" "A's state"
	expect_eq enrolled "$(mok_state_of "$KEYDIR/signing_key.x509")" "B's state"
	# the end waits for the deletion to be confirmed
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status before the reboot"
	expect_file_contains "$T/err" "its deletion waits in MokManager's request"
	reboot
	rot_ok
	expect_file_contains "$T/out" "done:"
	the_end
	# a finished rotation is not restarted by accident
	rot_ok
	expect_file_contains "$T/out" "nothing to do; to rotate again: make rotate AGAIN=1"
	expect_eq "done" "$(step)"
	make -s -C "$T/tree" rotate-status KEYDIR="$KEYDIR" >"$T/rs" 2>&1 || fail "make rotate-status: $(cat "$T/rs")"
	expect_file_contains "$T/rs" "rotate: finished"

	# B to C: A and B keep their bytes, each in its folder, with modes
	first=$(old_dir)
	sha_of "$KEYDIR/signing_key.pem" "$KEYDIR/signing_key.x509" >"$T/B.sums"
	rot_ok AGAIN=1
	expect_eq made "$(step)"
	second=$(old_dir)
	[ "$first" != "$second" ] || fail "the second rotation reused $first"
	expect_eq "$(cat "$T/A.sums")" "$(sha_of "$first/signing_key.pem" "$first/signing_key.x509")" "A after two rotations"
	expect_eq "$(cat "$T/B.sums")" "$(sha_of "$second/signing_key.pem" "$second/signing_key.x509")" "B after two rotations"
	test -f "$first/rotation.state" || fail "the first rotation's record is not in $first"
	expect_eq 0600 "$(stat -c %04a "$second/signing_key.pem")" "mode of the retired key"
	expect_eq 700 "$(stat -c %a "$second")" "mode of the retired folder"
	# three names: people can tell the keys apart
	expect_eq 3 "$(for c in "$first/signing_key.x509" "$second/signing_key.x509" "$KEYDIR/signing_key.x509"; do
		openssl x509 -inform DER -in "$c" -noout -subject
	done | sort -u | wc -l)" "distinct certificate names"
}

# The new key is of the old one's type and curve (an ECDSA P-384 pair
# stays one), unless KEY_TYPE says otherwise (issue #25).
test_new_key_takes_the_old_keys_type() {
	local text
	KEY_TYPE=ecdsa KEY_CURVE=P-384 setup
	# Debian 12's 6.1 (no CONFIG_CRYPTO_ECDSA) installed: refused first
	sha_of "$KEYDIR/signing_key.pem" "$KEYDIR/signing_key.x509" >before
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status with 6.1 installed"
	expect_file_contains "$T/err" "modsign: ERROR: the new key would be ECDSA, and these kernels cannot check ECDSA signatures (no CONFIG_CRYPTO_ECDSA in their config): $RELEASE ($ROOT/boot/config-$RELEASE)"
	expect_file_contains "$T/err" "Rotate to an RSA key: sudo make rotate KEY_TYPE=rsa; nothing was changed"
	expect_eq "" "$(step)" "the state after the refusal"
	diff before <(sha_of "$KEYDIR/signing_key.pem" "$KEYDIR/signing_key.x509") || fail "the pair changed"
	# a kernel with it (trixie's)
	sed -i 's/^# CONFIG_CRYPTO_ECDSA is not set$/CONFIG_CRYPTO_ECDSA=y/' "$ROOT/boot/config-$RELEASE"
	rot_ok
	expect_eq made "$(step)"
	expect_file_contains "$T/out" "Creating an ECDSA P-384 module-signing key"
	text=$(openssl x509 -inform DER -in "$KEYDIR/signing_key.x509" -noout -text)
	grep -q 'NIST CURVE: P-384' <<<"$text" || fail "the new key is not P-384: $text"
	grep -q 'NIST CURVE: P-384' <<<"$(openssl x509 -inform DER -in "$(old_dir)/signing_key.x509" -noout -text)" ||
		fail "the old key is not P-384"
	# KEY_TYPE=rsa: the next rotation makes an RSA pair
	to_step "done"
	rot_ok AGAIN=1 KEY_TYPE=rsa
	expect_eq made "$(step)"
	expect_file_contains "$T/out" "Creating a 2048-bit RSA module-signing key"
}

test_resign_waits_for_the_enrollment() {
	setup
	to_step queued
	reboot_skipped=$(sha_of "$ROOT/lib/modules/$RELEASE/updates/"* "$T/tree/modules/hello-1.ko")
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status while B is pending"
	expect_file_contains "$T/err" "modsign: ERROR: the new certificate is not enrolled yet: it waits in MokManager's enrollment request"
	expect_eq "$reboot_skipped" "$(sha_of "$ROOT/lib/modules/$RELEASE/updates/"* "$T/tree/modules/hello-1.ko")" "modules after the refusal"
	expect_eq queued "$(step)"
	# MokManager's question not confirmed: the request is gone; the next
	# run says so, and the one after queues B again
	mok_set "$KEYDIR/signing_key.x509" not-enrolled
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status with the request lost"
	expect_file_contains "$T/err" "no longer waits in the enrollment request"
	rot_ok
	expect_eq 2 "$(imports)" "mokutil --import calls"
	expect_eq queued "$(step)"
}

# dkms 3.2.2 (Debian 13) moves a module of the same name that it finds
# under /lib/modules/R when it installs (the kit's `make install` copies,
# when the kit's DKMS package is installed too) to its
# original_module/R/ARCH/, and puts it back on `dkms remove`: the
# rotation re-signs it there too, or a later `dkms remove` would install
# a module the deleted key signed. (The real dkms 3.2.2 doing it: the VM's
# t7 payload, vm/.../host/rotation-re-signed-what-dkms-set-aside.)
test_resign_what_dkms_set_aside() {
	local orig
	setup
	orig=$ROOT/var/lib/dkms/modsign-modules/original_module/$RELEASE/x86_64
	mkdir -p "$orig"
	xz --check=crc32 -c "$SHARED/plain/crc8.ko" >"$orig/hello-1.ko.xz"
	sign_with "$KEYDIR" "$orig/hello-1.ko.xz"
	echo "/lib/modules/$RELEASE/updates/kit/hello-1.ko.xz" >"$orig/hello-1.ko.xz.origin"
	to_step resigned
	expect_file_contains "$T/out" "re-signing 1 set aside by DKMS (original_module) module(s) with the new key"
	"$MODSIGN" verify --cert "$KEYDIR/signing_key.x509" "$orig/hello-1.ko.xz" >/dev/null 2>&1 ||
		fail "the module DKMS set aside is not signed by the new key: $("$MODSIGN" verify --cert "$KEYDIR/signing_key.x509" "$orig/hello-1.ko.xz" 2>&1)"
	xz -t "$orig/hello-1.ko.xz" || fail "the set-aside hello-1.ko.xz is no longer an xz file"
	test -f "$orig/hello-1.ko.xz.origin" || fail "DKMS's .origin file is gone"
}

# cut_at NAME TOOL MATCH WHEN [VAR=VALUE...]: the next make rotate run is
# cut off by a power cut when TOOL (a PATH name, or MODSIGN or MOKUTIL) is
# called with MATCH in its arguments.
cut_at() {
	local tool=$1 match=$2 when=$3 real
	shift 3
	mkdir -p "$T/cut"
	case $tool in
	MODSIGN) rot CUT_TOOL="$MODSIGN" CUT_MATCH="$match" CUT_WHEN="$when" MODSIGN="$CUT" "$@" ;;
	MOKUTIL) rot CUT_TOOL="$FAKE" CUT_MATCH="$match" CUT_WHEN="$when" MOKUTIL="$CUT" "$@" ;;
	*)
		real=$(command -v "$tool")
		ln -sf "$CUT" "$T/cut/$tool"
		rot CUT_TOOL="$real" CUT_MATCH="$match" CUT_WHEN="$when" PATH="$T/cut:$PATH" "$@"
		rm -f "$T/cut/$tool"
		;;
	esac
	expect_eq 137 "$(cat "$T/rc")" "exit status of the run cut at $tool $match ($when)"
}

# One rotation, each step's run cut off once at a point inside it, then
# run again: it finishes with each request made once and no key lost.
test_cut_off_at_every_step_resumes() {
	local points=(
		"new rm signing_key.pem before"
		"made MOKUTIL --import after"
		"queued MODSIGN sign after"
		"resigned MOKUTIL --delete after"
		"deleting mv rotation.state before"
	) p at tool match when
	setup
	for p in "${points[@]}"; do
		read -r at tool match when <<<"$p"
		[ "$at" == new ] || to_step "$at"
		case $at in
		queued | deleting) reboot ;;
		esac
		cut_at "$tool" "$match" "$when"
		expect_eq "$at" "$(step)" "the step after the cut at '$p'"
	done
	to_step "done"
	the_end
}

# The first step cut off at each point where a key file changes: the
# next run makes the new pair, with the old one whole in retired/.
test_cut_off_while_making_the_new_key() {
	local points=(
		"rm signing_key.pem after"
		"rm signing_key.x509 before"
		"openssl req before"
		"openssl req after"
		"ln signing_key.pem after"
	) p tool match when
	setup
	cp -a "$KEYDIR" "$T/keys0"
	for p in "${points[@]}"; do
		read -r tool match when <<<"$p"
		rm -rf "$KEYDIR"
		cp -a "$T/keys0" "$KEYDIR"
		cut_at "$tool" "$match" "$when"
		rot_ok
		expect_eq made "$(step)" "the step after the cut at '$p'"
		expect_eq "$(cat "$T/A.sums")" "$(sha_of "$(old_dir)/signing_key.pem" "$(old_dir)/signing_key.x509")" "the old pair after the cut at '$p'"
		openssl pkey -in "$KEYDIR/signing_key.pem" -pubout >"$T/pub.key" 2>/dev/null ||
			fail "no readable key in keys/ after the cut at '$p'"
		openssl x509 -inform DER -in "$KEYDIR/signing_key.x509" -noout -pubkey | cmp -s - "$T/pub.key" ||
			fail "the new pair in keys/ does not match after the cut at '$p'"
		! cmp -s "$KEYDIR/signing_key.x509" "$T/A.der" || fail "keys/ still holds A after the cut at '$p'"
	done
}

test_nothing_to_rotate_and_half_pairs() {
	setup
	mkdir -p "$T/empty"
	rot KEYDIR="$T/empty"
	expect_eq 1 "$(cat "$T/rc")"
	expect_file_contains "$T/err" "there is no key pair in $T/empty to rotate: make one with 'make keys'"
	test ! -e "$T/empty/rotation.state" || fail "a state file was written for nothing"
	# a key replaced by hand during the rotation is noticed, not used
	to_step made
	mv "$KEYDIR/signing_key.x509" "$T/B.der"
	cp "$T/A.der" "$KEYDIR/signing_key.x509"
	rot
	expect_eq 1 "$(cat "$T/rc")"
	expect_file_contains "$T/err" "is not the new certificate this rotation made"
	expect_eq 0 "$(imports)" "mokutil --import calls"
}

# sudo make rotate in a clone its user owns: the new pair and the
# re-signed modules/ stay that user's (make sign as them must read the key
# and rewrite the modules).
test_sudo_leaves_the_clone_to_its_owner() {
	setup
	mkdir -p "$T/bin"
	cp "$MODSIGN" "$T/bin/modsign"
	chmod 0755 "$T" "$T/bin"
	chown -R nobody:nogroup "$T/tree"
	to_step resigned MODSIGN="$T/bin/modsign"
	expect_eq "nobody nobody" "$(stat -c %U "$KEYDIR/signing_key.pem") $(stat -c %U "$KEYDIR/signing_key.x509")" "owner of the new pair"
	expect_eq 0600 "$(stat -c %04a "$KEYDIR/signing_key.pem")" "mode of the new key"
	expect_eq nobody "$(stat -c %U "$T/tree/modules/hello-1.ko")" "owner of the re-signed modules/hello-1.ko"
	"$MODSIGN" verify --cert "$KEYDIR/signing_key.x509" "$T/tree/modules/hello-1.ko" >"$T/v" 2>&1 ||
		fail "modules/hello-1.ko is not signed by B: $(cat "$T/v")"
	expect_file_contains "$T/all" "re-signing 1 module(s) in $T/tree/modules as nobody"
}

# In a clone the steps' messages name make's targets (through modsign-kit
# they name modsign-kit's verbs: tests/deb, front_end_messages_name_modsign_kit).
test_messages_name_make_in_a_clone() {
	setup
	bash "$T/tree/scripts/rotate-key.sh" status >"$T/out" 2>&1 || fail "rotate-key.sh status: $(cat "$T/out")"
	expect_file_contains "$T/out" "no rotation under way; 'make rotate' starts one"
	# through make, even in a shell where modsign-kit's marker is set
	MODSIGN_KIT_CMD=modsign-kit make -s -C "$T/tree" rotate-status >"$T/out" 2>&1 || fail "make rotate-status: $(cat "$T/out")"
	expect_file_contains "$T/out" "no rotation under way; 'make rotate' starts one"
	rot_ok
	expect_file_contains "$T/out" "next: 'sudo make rotate' queues it for enrollment"
	# the next step, run by the clone's user, needs root
	chmod 0755 "$T"
	chown -R nobody:nogroup "$T/tree" "$T/mok"
	setpriv --reuid=65534 --regid=65534 --clear-groups bash "$T/tree/scripts/rotate-key.sh" next >"$T/out" 2>"$T/err" &&
		fail "a user queued the new certificate: $(cat "$T/out")"
	expect_file_contains "$T/err" "this step (queue the new certificate) needs root: run 'sudo make rotate'"
	expect_eq made "$(step)"
}

# The files the kit writes name the command that reads them: make's
# targets in a clone (the same bytes as before), modsign-kit's verbs
# through modsign-kit (MODSIGN_KIT_CMD, which it sets; its --keydir left
# out): the state file's header, and the DKMS drop-in dkms-key.sh writes
# (for make dkms-key, modsign-kit dkms-key and the rotation's DKMS step).
# And a modsign missing at the re-signed step is named for where it can be.
test_files_name_the_command_that_reads_them() {
	local kitcmd=(MODSIGN_KIT_CMD=modsign-kit MODSIGN_KIT_KEYDIR="$T/tree/keys")
	setup
	rot_ok "${kitcmd[@]}"
	expect_eq "# modsign key rotation (scripts/rotate-key.sh); modsign-kit rotate reads and writes it" \
		"$(sed -n 1p "$KEYDIR/rotation.state")" "the state file's header through modsign-kit"
	rot_ok
	expect_eq "# modsign key rotation (scripts/rotate-key.sh); make rotate reads and writes it" \
		"$(sed -n 1p "$KEYDIR/rotation.state")" "the state file's header in a clone"
	# the drop-in
	mkdir -p "$T/usr/lib/modsign"
	printf '#!/bin/sh\nexit 0\n' >"$T/usr/lib/modsign/dkms-sign-file"
	chmod 0755 "$T/usr/lib/modsign/dkms-sign-file"
	env "${kitcmd[@]}" DKMS_KEY_DIR="$T/dk" DKMS_DROPIN="$T/etc/modsign.conf" PREFIX="$T/usr" \
		bash "$T/tree/scripts/dkms-key.sh" install >"$T/out" 2>&1 || fail "dkms-key.sh install: $(cat "$T/out")"
	expect_eq "# Written by modsign's 'modsign-kit dkms-key' (scripts/dkms-key.sh): DKMS signs
# the modules it builds with the kit's key, through the kit's sign program.
# 'modsign-kit dkms-key-remove' deletes this file. See docs/dkms.md.
mok_signing_key=\"$T/dk/signing_key.pem\"
mok_certificate=\"$T/dk/signing_key.x509\"
sign_file=\"$T/usr/lib/modsign/dkms-sign-file\"" "$(cat "$T/etc/modsign.conf")" "the drop-in through modsign-kit"
	DKMS_KEY_DIR="$T/dk" DKMS_DROPIN="$T/etc/modsign.conf" PREFIX="$T/usr" \
		bash "$T/tree/scripts/dkms-key.sh" install >"$T/out" 2>&1 || fail "dkms-key.sh install: $(cat "$T/out")"
	expect_eq "# Written by modsign's 'make dkms-key' (scripts/dkms-key.sh): DKMS signs
# the modules it builds with the kit's key, through the kit's sign program.
# 'make dkms-key-remove' deletes this file. See docs/dkms.md.
mok_signing_key=\"$T/dk/signing_key.pem\"
mok_certificate=\"$T/dk/signing_key.x509\"
sign_file=\"$T/usr/lib/modsign/dkms-sign-file\"" "$(cat "$T/etc/modsign.conf")" "the drop-in in a clone"
	# no modsign at the step that asks modsign status
	reboot
	to_step resigned
	rot "${kitcmd[@]}" MODSIGN="$T/none/modsign"
	expect_eq 1 "$(cat "$T/rc")" "exit status without modsign"
	expect_file_contains "$T/err" "modsign: ERROR: modsign is missing ($T/none/modsign): the kit is not installed whole; install it again (the modsign package, or 'sudo make install-tool' in a clone of the kit)"
	expect_file_lacks "$T/err" "make modsign"
	rot MODSIGN="$T/none/modsign"
	expect_file_contains "$T/err" "modsign: ERROR: modsign is not built: run 'make modsign' (or 'sudo make install-tool')"
}

# The state file is written by whoever owns keys/, and sudo make rotate
# reads it as root: every value is checked before it is used, and nothing
# follows a path it names out of keys/ (issue #23). Each bad state file is
# refused with its line named, and changes nothing: not the state file, not
# keys/, not the folders outside keys/ it points at.

# bad_state_setup: a clone its user (nobody) owns, key A in it, A's
# fingerprint in $fp, folders outside keys/ ($T/victim, root's, empty), and
# a copy of keys/ to start each case from.
bad_state_setup() {
	setup
	chmod 0755 "$T"
	chown -R nobody:nogroup "$T/tree"
	fp=$(openssl x509 -inform DER -in "$T/A.der" -noout -fingerprint -sha256)
	fp=${fp#*=}
	mkdir -m 0755 "$T/victim"
	cp -a "$KEYDIR" "$T/keys0"
}

# outside_state: what keys/ and the folders around it hold (names, types,
# modes, owners, link counts, hashes); a refused run leaves it as it was.
outside_state() {
	find "$T/tree" "$T/victim" "$T/elsewhere" -path "$T/tree/keys" -prune -o -maxdepth 1 -printf '%p %y %m %u %n\n' 2>/dev/null | LC_ALL=C sort
	find "$KEYDIR" -printf '%p %y %m %u %n %l\n' | LC_ALL=C sort
	find "$KEYDIR" "$T/victim" -type f -exec sha256sum {} + | LC_ALL=C sort
}

# refused WHY [VAR=VALUE...]: make rotate refuses keys/rotation.state as it
# is now with `modsign: ERROR: WHY...` ("rotation.state line N: NAME=" for
# a bad line), and changes nothing.
refused() {
	local want=$1 before
	shift
	before=$(outside_state)
	rot "$@"
	expect_eq 1 "$(cat "$T/rc")" "exit status for $want"
	expect_file_contains "$T/err" "modsign: ERROR: $want"
	expect_eq "$before" "$(outside_state)" "keys/ and what is around it after the refusal ($want)"
	expect_eq 0 "$(imports)" "mokutil --import calls"
	[ -z "$(find "$T" -path "$KEYDIR" -prune -o -path "$T/keys0" -prune -o -name 'signing_key.*' -print)" ] ||
		fail "a key file outside keys/: $(find "$T" -path "$KEYDIR" -prune -o -path "$T/keys0" -prune -o -name 'signing_key.*' -print)"
}

# state_is LINE...: keys/ as it was made (A), with these lines as its state.
state_is() {
	rm -rf "$KEYDIR" "$T/elsewhere"
	cp -a "$T/keys0" "$KEYDIR"
	printf '%s\n' "# modsign key rotation (scripts/rotate-key.sh); make rotate reads and writes it" "$@" >"$KEYDIR/rotation.state"
	chown nobody:nogroup "$KEYDIR/rotation.state"
}

# The attack of issue #23: old= climbs out of keys/; as root, step "new"
# would make that folder, hard-link the private key into it and give it to
# keys/'s owner. Here it must make, link and chown nothing.
test_state_old_outside_keys_is_refused() {
	local fp
	bad_state_setup
	state_is step=new "old_fp=$fp" "old=../../victim" "old_cn=A"
	refused "$KEYDIR/rotation.state line 4: old="
	state_is step=new "old_fp=$fp" "old=../../victim/made-by-root" "old_cn=A"
	refused "$KEYDIR/rotation.state line 4: old="
	[ ! -e "$T/victim/made-by-root" ] || fail "make rotate made $T/victim/made-by-root"
	expect_eq "root 0" "$(stat -c %U "$T/victim") $(find "$T/victim" -mindepth 1 | wc -l)" "owner of $T/victim, files in it"
	expect_eq 1 "$(stat -c %h "$KEYDIR/signing_key.pem")" "links to the private key"
	# through retired/ and back out, and an absolute path
	state_is step=new "old_fp=$fp" "old=retired/../../../victim" "old_cn=A"
	refused "$KEYDIR/rotation.state line 4: old="
	state_is step=new "old_fp=$fp" "old=$T/victim" "old_cn=A"
	refused "$KEYDIR/rotation.state line 4: old="
	state_is step=made "old_fp=$fp" "old=retired/20260101-000000-module/../../../../victim" "new_fp=$fp"
	refused "$KEYDIR/rotation.state line 4: old="
}

# A retired folder that is a link out of keys/, and keys/retired itself one.
test_state_links_out_of_keys_are_refused() {
	local fp before
	bad_state_setup
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "old_cn=A"
	mkdir -p "$KEYDIR/retired"
	ln -s "$T/victim" "$KEYDIR/retired/20260101-000000-module"
	refused "$KEYDIR/retired/20260101-000000-module is a symbolic link"
	# keys/retired a link to a folder outside, which does not hold old yet
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "old_cn=A"
	ln -s "$T/victim" "$KEYDIR/retired"
	refused "$KEYDIR/retired is a symbolic link"
	# the same with no state file at all: the first step would make the
	# retired folder through the link
	rm -rf "$KEYDIR"
	cp -a "$T/keys0" "$KEYDIR"
	ln -s "$T/victim" "$KEYDIR/retired"
	before=$(outside_state)
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status with keys/retired a link and no state"
	expect_file_contains "$T/err" "$KEYDIR/retired is a symbolic link"
	expect_eq "$before" "$(outside_state)" "keys/ after the refusal"
	# a retired folder owned by someone else than keys/'s owner or root
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "old_cn=A"
	mkdir -p "$KEYDIR/retired/20260101-000000-module"
	chown daemon "$KEYDIR/retired/20260101-000000-module"
	refused "$KEYDIR/retired/20260101-000000-module belongs to daemon"
	# a key file in the retired folder that is a link
	state_is step=made "old_fp=$fp" "old=retired/20260101-000000-module" "new_fp=$fp"
	mkdir -p "$KEYDIR/retired/20260101-000000-module"
	ln -s "$T/victim/x" "$KEYDIR/retired/20260101-000000-module/signing_key.x509"
	refused "$KEYDIR/retired/20260101-000000-module/signing_key.x509 is a symbolic link"
	# keys/ itself a link to a folder of root's: root makes nothing there
	rm -rf "$KEYDIR"
	ln -s "$T/victim" "$KEYDIR"
	before=$(find "$T/victim" -printf '%p %y %m %u\n' | LC_ALL=C sort)
	rot
	expect_eq 1 "$(cat "$T/rc")" "exit status with keys/ a link"
	expect_file_contains "$T/err" "$KEYDIR is a symbolic link"
	expect_eq "$before" "$(find "$T/victim" -printf '%p %y %m %u\n' | LC_ALL=C sort)" "the link's target after the refusal"
}

# Unknown steps, unknown names, values of the wrong form, garbage lines;
# make rotate-status refuses them too.
test_state_garbage_is_refused() {
	local fp
	bad_state_setup
	state_is step=rm "old_fp=$fp" "old=retired/20260101-000000-module"
	refused "$KEYDIR/rotation.state line 2: step="
	state_is "step=new made" "old_fp=$fp" "old=retired/20260101-000000-module"
	refused "$KEYDIR/rotation.state line 2: step="
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "whatever this is"
	refused "$KEYDIR/rotation.state line 5: "
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "PATH=/tmp"
	refused "$KEYDIR/rotation.state line 5: "
	state_is step=new "old_fp=00:11" "old=retired/20260101-000000-module"
	refused "$KEYDIR/rotation.state line 3: old_fp="
	state_is step=made "old_fp=$fp" "old=retired/20260101-000000-module" "new_fp=\$(touch $T/victim/x)"
	refused "$KEYDIR/rotation.state line 5: new_fp="
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" "started=yesterday"
	refused "$KEYDIR/rotation.state line 5: started="
	state_is step=new "old_fp=$fp" "old=retired/20260101-000000-module" $'old_cn=A\e]0;owned\a'
	refused "$KEYDIR/rotation.state line 5: old_cn="
	state_is step=new "old_fp=$fp" "old=retired/20260101-module"
	refused "$KEYDIR/rotation.state line 4: old="
	state_is step=new "old=retired/20260101-000000-module"
	refused "$KEYDIR/rotation.state has step=new but no old_fp= line"
	state_is step=made "old_fp=$fp" "old=retired/20260101-000000-module"
	refused "$KEYDIR/rotation.state has step=made but no new_fp= line"
	# rotate-status reads it the same way
	state_is step=new "old_fp=$fp" "old=../../victim"
	expect_exit 1 bash "$T/tree/scripts/rotate-key.sh" status
	expect_file_contains "$T/err" "modsign: ERROR: $KEYDIR/rotation.state line 4: old="
}

# The state file's temporary file, in keys/ where its owner writes, is
# swapped for a link to a root-only file as soon as it is made (what a
# watcher on keys/ can do during sudo make rotate): fakes of mktemp and
# chmod first on PATH play the swap. Root's run must neither write nor
# chmod through the link.
test_state_temp_file_swapped_for_a_link() {
	local f
	bad_state_setup
	(umask 077 && echo "root's secret" >"$T/victim/secret")
	mkdir "$T/race"
	for f in mktemp chmod; do
		cat >"$T/race/$f" <<-EOF
			#!/bin/bash
			# swaps a rotation.state temporary file for a link to $T/victim/secret
			swap() { case \$1 in */rotation.state.*) rm -f "\$1"; ln -s "$T/victim/secret" "\$1" ;; esac; }
			if [ "$f" == mktemp ]; then
				out=\$($(command -v mktemp) "\$@") || exit
				swap "\$out"
				echo "\$out"
				exit 0
			fi
			for a in "\$@"; do swap "\$a"; done
			exec $(command -v chmod) "\$@"
		EOF
		chmod 0755 "$T/race/$f"
	done
	rot PATH="$T/race:$PATH"
	expect_eq "0600 root's secret" "$(stat -c %04a "$T/victim/secret") $(cat "$T/victim/secret")" "mode and text of $T/victim/secret"
}

run_tests "$@"
