#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of sign-modules.sh and `make sign` under hostile conditions (issue
# #12): a full disk, two runs at once, owners, extended attributes and
# links, weak key files and certificates, killed runs, a dangling key link.
#
# Real tools throughout: Debian 12's sign-file, sign/modsign, openssl, and
# Debian's own modules (their signatures stripped). Two fakes, each named
# as one: a sign-file that signs altered bytes (the output check must catch
# what a signer gets wrong) and a slow sign-file (to kill a run half-way).
# Tests of a full disk mount a small tmpfs and so need root (CI runs as
# root); without it they fail, saying so.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-faults.XXXXXX")
trap 'rm -rf "$SUITE"' EXIT
env61=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1)
KDIR=$(sed -n 's/^KDIR=//p' "$env61")
MODDIR=$(sed -n 's/^MODDIR=//p' "$env61")
[ -d "$KDIR" ] && [ -d "$MODDIR" ] || exit 1
MODSIGN_BIN=$TOP/sign/modsign
MAGIC='~Module signature appended~'

setup_failed() {
	cat "$SUITE/setup.log"
	echo "test-sign-faults: 0 passed, 1 failed"
	exit 1
}
echo "building sign/modsign, making two key pairs, stripping 40 of Debian's small modules"
make -s -C "$TOP/sign" >"$SUITE/setup.log" 2>&1 || setup_failed
for k in a b; do
	KEYDIR=$SUITE/key-$k bash "$TOP/scripts/make-keys.sh" create >>"$SUITE/setup.log" 2>&1 ||
		setup_failed
done
KA=$SUITE/key-a/signing_key.pem CA=$SUITE/key-a/signing_key.x509
KB=$SUITE/key-b/signing_key.pem CB=$SUITE/key-b/signing_key.x509
mkdir "$SUITE/mods"
mapfile -t picks < <(find "$MODDIR" -name '*.ko' -size -40k | sort | awk -F/ '!seen[$NF]++' | sed -n '1,40p')
cp "${picks[@]}" "$SUITE/mods/"
cp "$(find "$MODDIR" -name sch_codel.ko)" "$SUITE/small.ko"
"$MODSIGN_BIN" strip "$SUITE"/mods/*.ko "$SUITE/small.ko" >>"$SUITE/setup.log" 2>&1 || setup_failed
[ "$(find "$SUITE/mods" -name '*.ko' | wc -l)" == 40 ] || setup_failed

# sign KEY CERT MODULE...: the kit's script with Debian 12's sign-file.
sign() {
	"$TOP/scripts/sign-modules.sh" "$KDIR" "$@"
}

# verified MODULE CERT: one PKCS#7 signature that openssl verifies over the
# module, checked by hand (not with the kit's scripts).
verified() {
	local size len
	size=$(stat -c %s "$1")
	tail -c 28 "$1" | cmp -s - <(printf '%s\n' "$MAGIC") || fail "$1 has no signature magic"
	len=$((0x$(od -An -tx1 -j $((size - 32)) -N 4 "$1" | tr -d ' \n')))
	head -c $((size - 40 - len)) "$1" >"$T/body"
	dd if="$1" of="$T/sig" iflag=skip_bytes,count_bytes skip=$((size - 40 - len)) count="$len" bs=64K status=none
	! tail -c 28 "$T/body" | cmp -s - <(printf '%s\n' "$MAGIC") || fail "$1 is signed twice"
	openssl cms -verify -binary -inform DER -in "$T/sig" -content "$T/body" \
		-certfile "$2" -nointern -noverify -out /dev/null 2>"$T/cms.err" ||
		fail "openssl cms -verify rejects $1 with $(basename "$(dirname "$2")"): $(cat "$T/cms.err")"
}

# no_temps DIR: no temporary file of a signing run left in DIR (either
# naming: .NAME.modsign-XXXXXX, the old .NAME.ko.XXXXXX; sign-file's own).
no_temps() {
	local left
	left=$(find "$1" -maxdepth 1 \( -name '.*.modsign-*' -o -name '.*.ko.??????' -o -name '*.~signed~' \))
	[ -z "$left" ] || fail "temporary files left in $1: $left"
}

need_root() {
	[ "$EUID" == 0 ] || fail "needs root: it mounts a tmpfs (run the suite as root, as CI does)"
}

# small_fs SIZE: a tmpfs of SIZE at $T/mnt, unmounted when the test ends.
small_fs() {
	need_root
	mkdir "$T/mnt"
	mount -t tmpfs -o "size=$1" tmpfs "$T/mnt" || fail "cannot mount a tmpfs on $T/mnt"
	trap 'umount "$T/mnt"' EXIT
}

# fill_but BYTES: fills $T/mnt until only BYTES are free.
fill_but() {
	dd if=/dev/zero of="$T/mnt/fill" bs=4k 2>/dev/null || true
	truncate -s "-$1" "$T/mnt/fill"
	expect_eq "$1" "$(($(stat -f -c '%f * %S' "$T/mnt")))" "free bytes on the small tmpfs"
}

# ---------------------------------------------------------------------------
# 1. A full disk

# The repro as reported: a 22 KB module on a 48 KB tmpfs came out as 0
# bytes, with "1 signed" and exit 0 (sign-file missed its write error). Now
# it is signed properly, or refused with the module as it was.
# A module cut short (still being written, say) is refused by both
# signers, before anything is signed, and left as it was.
test_truncated_module_is_refused() {
	local signer len
	for signer in sign-file modsign; do
		for len in 64 2000 $(($(stat -c %s "$SUITE/small.ko") - 1)); do
			head -c "$len" "$SUITE/small.ko" >"$T/cut.ko"
			expect_exit 1 env SIGNER="$signer" MODSIGN="$MODSIGN_BIN" \
				"$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" "$T/cut.ko"
			expect_file_contains "$T/err" "modsign: ERROR: $T/cut.ko: truncated: its section table ends at byte"
			cmp -s "$T/cut.ko" <(head -c "$len" "$SUITE/small.ko") ||
				fail "$signer changed the cut module ($len bytes)"
		done
	done
	no_temps "$T"
}

test_reported_repro_48k_tmpfs_never_gives_a_cut_module() {
	small_fs 48k
	cp "$SUITE/small.ko" "$T/mnt/ac.ko"
	local rc=0
	sign "$KA" "$CA" "$T/mnt/ac.ko" >"$T/out" 2>"$T/err" || rc=$?
	case "$rc" in
	0) verified "$T/mnt/ac.ko" "$CA" ;;
	1)
		expect_file_contains "$T/err" "is full ("
		cmp "$SUITE/small.ko" "$T/mnt/ac.ko" || fail "the module changed, and the run failed"
		;;
	*) fail "exit $rc: $(cat "$T/err")" ;;
	esac
	no_temps "$T/mnt"
}

# The module's file system has 8 KiB left, not enough for the signed copy.
test_full_disk_leaves_the_module_unchanged_sign_file() {
	small_fs 64k
	cp "$SUITE/small.ko" "$T/mnt/ac.ko"
	fill_but 8192
	expect_exit 1 sign "$KA" "$CA" "$T/mnt/ac.ko"
	expect_file_contains "$T/err" "modsign: ERROR: $T/mnt/ac.ko: the file system of $T/mnt is full (8192 bytes free): the module is unchanged; free some space and run again"
	expect_file_lacks "$T/out" "SIGN"
	cmp "$SUITE/small.ko" "$T/mnt/ac.ko" || fail "the module changed"
	no_temps "$T/mnt"
	# with room again, it is signed
	rm "$T/mnt/fill"
	expect_exit 0 sign "$KA" "$CA" "$T/mnt/ac.ko"
	verified "$T/mnt/ac.ko" "$CA"
}

test_full_disk_leaves_the_module_unchanged_modsign() {
	small_fs 64k
	cp "$SUITE/small.ko" "$T/mnt/ac.ko"
	fill_but 8192
	expect_exit 1 env SIGNER=modsign MODSIGN="$MODSIGN_BIN" \
		"$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" "$T/mnt/ac.ko"
	expect_file_contains "$T/err" "modsign: ERROR: $T/mnt/ac.ko: the file system of $T/mnt is full (8192 bytes free): the module is unchanged; free some space and run again"
	cmp "$SUITE/small.ko" "$T/mnt/ac.ko" || fail "the module changed"
	no_temps "$T/mnt"
}

# The signer itself writes on the full file system (TMPDIR there): room for
# the module's copy, not for sign-file's output, whose write error sign-file
# does not see. The check of its output does.
test_full_work_folder_is_caught_by_the_output_check() {
	small_fs 64k
	mkdir "$T/mnt/tmp"
	cp "$SUITE/small.ko" "$T/mnt/ac.ko"
	local size=$(($(stat -c %s "$SUITE/small.ko") / 4096 * 4096 + 4096))
	fill_but $((size + 4096))
	expect_exit 1 env TMPDIR="$T/mnt/tmp" "$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" "$T/mnt/ac.ko"
	expect_file_contains "$T/err" "modsign: ERROR: $T/mnt/ac.ko: the file system of $T/mnt/tmp (TMPDIR, where each module is signed first) is full ("
	expect_file_contains "$T/err" "the module is unchanged; free some space there, or set TMPDIR to a folder with room, and run again"
	cmp "$SUITE/small.ko" "$T/mnt/ac.ko" || fail "the module changed"
	no_temps "$T/mnt"
	expect_eq "" "$(ls -A "$T/mnt/tmp")" "left in TMPDIR"
}

# modsign alone on the full file system already fails cleanly: kept as a
# guard (this one passes on the old code too).
test_modsign_alone_on_a_full_disk_fails_and_keeps_the_module() {
	small_fs 64k
	cp "$SUITE/small.ko" "$T/mnt/ac.ko"
	fill_but 8192
	expect_exit 1 "$MODSIGN_BIN" sign "$KA" "$CA" "$T/mnt/ac.ko"
	expect_file_contains "$T/err" "No space left on device"
	cmp "$SUITE/small.ko" "$T/mnt/ac.ko" || fail "the module changed"
	no_temps "$T/mnt"
}

# A FAKE sign-file that changes one byte of the module and signs that: a
# valid signature over the wrong bytes. Only comparing the body with the
# module catches it.
test_signer_output_over_other_bytes_is_refused() {
	mkdir -p fakekdir/scripts
	cp "$KDIR/.config" fakekdir/.config
	cat >fakekdir/scripts/sign-file <<-EOF
		#!/bin/bash
		# FAKE sign-file for this test: signs the module with one byte changed.
		set -e
		cp "\$4" "$T/altered"
		printf 'X' | dd of="$T/altered" bs=1 seek=100 conv=notrunc 2>/dev/null
		"$KDIR/scripts/sign-file" "\$1" "\$2" "\$3" "$T/altered" \${5:+"\$5"}
		[ -n "\${5:-}" ] || cp "$T/altered" "\$4"
	EOF
	chmod +x fakekdir/scripts/sign-file
	cp "$SUITE/small.ko" m.ko
	expect_exit 1 "$TOP/scripts/sign-modules.sh" fakekdir "$KA" "$CA" m.ko
	expect_file_contains "$T/err" "modsign: ERROR: m.ko: sign-file wrote no valid signed module ("
	expect_file_contains "$T/err" "the module is unchanged"
	cmp "$SUITE/small.ko" m.ko || fail "the module changed"
	no_temps .
}

# ---------------------------------------------------------------------------
# 2. Two runs at once

# Run a (key a) holds the folder; run b (key b) waits for it, says so, and
# then re-signs every module: the last run's key is on all of them. Ten
# modules keep run a busy long after its first one, which b waits for
# (twenty only doubled the time).
test_two_runs_on_one_folder_take_turns() {
	mkdir mods
	local n=0 m
	for m in "$SUITE"/mods/*.ko; do
		cp "$m" mods/
		n=$((n + 1))
		[ "$n" -lt 10 ] || break
	done
	sign "$KA" "$CA" mods/*.ko >a.out 2>a.err &
	local pa=$! ra=0 rb=0
	for _ in $(seq 600); do
		grep -q SIGN a.out && break
		sleep 0.1
	done
	grep -q SIGN a.out || fail "run a signed nothing: $(cat a.err)"
	sign "$KB" "$CB" mods/*.ko >b.out 2>b.err || rb=$?
	wait "$pa" || ra=$?
	expect_eq 0 "$ra" "exit of run a ($(cat a.err))"
	expect_eq 0 "$rb" "exit of run b ($(cat b.err))"
	expect_file_contains a.out "modsign: $n signed"
	expect_file_contains b.out "modsign: $n signed"
	expect_eq 1 "$(grep -c "^modsign: waiting for another signing run in $T/mods (it holds the folder's lock)$" b.err)" \
		"waiting messages of run b"
	for m in mods/*.ko; do
		verified "$m" "$CB"
	done
	no_temps mods
}

# two_makes TREE ARGS...: two `make sign ARGS` at once in TREE; both must
# succeed and leave the ten modules signed by TREE's key.
two_makes() {
	local tree=$1 ra=0 rb=0 pa m n=0
	shift
	make -C "$tree" KDIR="$KDIR" sign "$@" >a.log 2>&1 &
	pa=$!
	make -C "$tree" KDIR="$KDIR" sign "$@" >b.log 2>&1 || rb=$?
	wait "$pa" || ra=$?
	expect_eq 0 "$ra" "exit of the first make sign: $(tail -n 5 a.log)"
	expect_eq 0 "$rb" "exit of the second make sign: $(tail -n 5 b.log)"
	for m in "$tree"/modules/*.ko; do
		verified "$m" "$tree/keys/signing_key.x509"
		n=$((n + 1))
	done
	expect_eq 10 "$n" "signed modules"
	no_temps "$tree/modules"
}

test_two_make_sign_at_once_in_one_tree() {
	fresh_tree tree
	two_makes tree
}

test_two_make_sign_signer_modsign_at_once_in_one_tree() {
	fresh_tree tree
	two_makes tree SIGNER=modsign
}

# ---------------------------------------------------------------------------
# 3. What a module keeps: owner, mode, attributes, links

test_owner_mode_and_attributes_are_kept_ima_dropped() {
	need_root
	cp "$SUITE/small.ko" m.ko
	chown 1234:5678 m.ko
	chmod 0640 m.ko
	setfattr -n user.x -v 1 m.ko
	setfattr -n security.ima -v "0x0404$(printf '%064d' 0)" m.ko || fail "cannot set security.ima here"
	# an ACL: user 65534 may read (the raw form of setfacl -m u:65534:r)
	setfattr -n system.posix_acl_access \
		-v 0x0200000001000600ffffffff02000400feff000004000400ffffffff10000400ffffffff20000000ffffffff m.ko ||
		fail "cannot set an ACL here"
	local acl
	acl=$(getfattr -n system.posix_acl_access -e hex --absolute-names m.ko | sed -n 's/^system.posix_acl_access=//p')
	[ -n "$acl" ] || fail "cannot set an ACL here"
	local before
	before=$(stat -c '%u %g %a' m.ko)
	expect_exit 0 sign "$KA" "$CA" m.ko
	verified m.ko "$CA"
	expect_eq "$before" "$(stat -c '%u %g %a' m.ko)" "owner, group and mode"
	expect_eq 1 "$(getfattr -n user.x --only-values --absolute-names m.ko 2>/dev/null)" "user.x"
	expect_eq "$acl" "$(getfattr -n system.posix_acl_access -e hex --absolute-names m.ko 2>/dev/null | sed -n 's/^system.posix_acl_access=//p')" "ACL"
	! getfattr -n security.ima --absolute-names m.ko >/dev/null 2>&1 || fail "security.ima was kept"
	expect_file_contains "$T/err" "modsign: warning: m.ko: its security.ima described the unsigned bytes and was dropped; sign it again with evmctl"
}

# A non-root signer cannot give the signed file to root: refused, before
# anything is written (it used to take the module over).
test_owner_that_cannot_be_kept_is_refused() {
	need_root
	command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
	chmod 755 "$T"
	mkdir kit ww tmp
	cp -a "$TOP/scripts" kit/
	cp "$KA" "$CA" kit/
	chown nobody kit/signing_key.pem
	chmod 0777 ww
	chmod 1777 tmp
	cp "$SUITE/small.ko" ww/m.ko
	expect_exit 1 setpriv --reuid=nobody --regid=nogroup --clear-groups env TMPDIR="$T/tmp" \
		kit/scripts/sign-modules.sh "$KDIR" kit/signing_key.pem kit/signing_key.x509 ww/m.ko
	expect_file_contains "$T/err" "modsign: ERROR: ww/m.ko: owned by uid 0 gid 0, which only root can keep: sign it as root or as its owner; the module is unchanged"
	cmp "$SUITE/small.ko" ww/m.ko || fail "the module changed"
	expect_eq "0 0" "$(stat -c '%u %g' ww/m.ko)" "owner"
	no_temps ww
}

# A non-root owner signs their own read-only module: it stays theirs and
# read-only (the old script lost the mode: sign-file writes a new file).
test_non_root_owner_keeps_a_read_only_module() {
	need_root
	command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
	chmod 755 "$T"
	mkdir kit own tmp
	cp -a "$TOP/scripts" kit/
	cp "$KA" "$CA" kit/
	chmod 1777 tmp
	cp "$SUITE/small.ko" own/m.ko
	chown -R nobody:nogroup kit/signing_key.pem own
	chmod 0444 own/m.ko
	expect_exit 0 setpriv --reuid=nobody --regid=nogroup --clear-groups env TMPDIR="$T/tmp" \
		kit/scripts/sign-modules.sh "$KDIR" kit/signing_key.pem kit/signing_key.x509 own/m.ko
	verified own/m.ko "$CA"
	expect_eq "65534 65534 444" "$(stat -c '%u %g %a' own/m.ko)" "owner, group and mode"
	no_temps own
}

test_hard_link_is_broken_with_a_warning() {
	cp "$SUITE/small.ko" m.ko
	ln m.ko other.ko
	expect_exit 0 sign "$KA" "$CA" m.ko
	verified m.ko "$CA"
	cmp "$SUITE/small.ko" other.ko || fail "the other name changed"
	expect_file_contains "$T/err" "modsign: warning: m.ko had 2 hard links; only this name holds the signed module, the other names keep the old bytes"
}

test_symlink_keeps_the_link_and_signs_its_target() {
	mkdir real
	cp "$SUITE/small.ko" real/m.ko
	ln -s real/m.ko link.ko
	expect_exit 0 sign "$KA" "$CA" link.ko
	[ -L link.ko ] || fail "the link was replaced by a file"
	expect_eq real/m.ko "$(readlink link.ko)" "link target"
	verified real/m.ko "$CA"
	no_temps real
	no_temps .
}

# Under umask 000, Kbuild made 0666 modules and signing kept that. (One
# Kbuild job per CPU: the build is fresh, which is what matters here.)
test_umask_000_make_sign_gives_0644_modules() {
	fresh_tree tree
	(umask 000 && make "-j$(nproc)" -C tree KDIR="$KDIR" sign) >log 2>&1 || fail "make sign failed: $(tail log)"
	local m n=0
	for m in tree/modules/*.ko; do
		expect_eq 644 "$(stat -c %a "$m")" "mode of $m"
		verified "$m" tree/keys/signing_key.x509
		n=$((n + 1))
	done
	expect_eq 10 "$n" "modules"
}

# ---------------------------------------------------------------------------
# 4. Key hygiene

test_readable_key_is_warned_once() {
	cp "$KA" key.pem
	chmod 0644 key.pem
	cp "$SUITE/small.ko" m1.ko
	cp "$SUITE/small.ko" m2.ko
	expect_exit 0 sign key.pem "$CA" m1.ko m2.ko
	expect_eq 1 "$(grep -c '^modsign: warning: key.pem is readable by others (mode 0644): chmod 600 key.pem$' "$T/err")" \
		"key warnings in: $(cat "$T/err")"
	chmod 0640 key.pem
	expect_exit 0 sign key.pem "$CA" m1.ko
	expect_file_contains "$T/err" "modsign: warning: key.pem is readable by others (mode 0640): chmod 600 key.pem"
	chmod 0600 key.pem
	expect_exit 0 sign key.pem "$CA" m1.ko
	expect_file_lacks "$T/err" "warning"
}

# make_cert NAME EXT START END: a self-signed DER certificate NAME.x509
# (key NAME.pem) with extendedKeyUsage EXT (none if empty), valid from
# START to END (openssl ca dates, YYYYMMDDHHMMSSZ).
make_cert() {
	mkdir -p ca
	: >ca/index.txt
	echo 01 >ca/serial
	{
		printf '[ca]\ndefault_ca = any\n[any]\ndatabase = ca/index.txt\nnew_certs_dir = ca\n'
		printf 'serial = ca/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n'
		printf '[p]\ncommonName = supplied\n[ext]\nsubjectKeyIdentifier = hash\n'
		[ -z "$2" ] || printf 'extendedKeyUsage = %s\n' "$2"
	} >ca/ca.cnf
	openssl req -new -nodes -batch -subj "/CN=$1" -newkey rsa:2048 -keyout "$1.pem" -out ca/req 2>/dev/null
	openssl ca -batch -selfsign -config ca/ca.cnf -keyfile "$1.pem" -in ca/req -startdate "$3" \
		-enddate "$4" -extensions ext -notext -out ca/cert 2>ca/log || fail "openssl ca: $(cat ca/log)"
	openssl x509 -in ca/cert -outform DER -out "$1.x509"
	chmod 600 "$1.pem"
}

test_expired_future_or_foreign_certificates_are_warned() {
	local now=20200101000000Z later=20990101000000Z m
	make_cert expired 1.3.6.1.4.1.2312.16.1.2 20000101000000Z 20010101000000Z
	make_cert future 1.3.6.1.4.1.2312.16.1.2 20980101000000Z "$later"
	make_cert server serverAuth "$now" "$later"
	make_cert noeku "" "$now" "$later"
	make_cert codesign codeSigning "$now" "$later"
	cp "$SUITE/small.ko" m1.ko
	cp "$SUITE/small.ko" m2.ko
	expect_exit 0 sign expired.pem expired.x509 m1.ko m2.ko
	expect_eq 1 "$(grep -c '^modsign: warning: expired.x509 expired on Jan  1 00:00:00 2001 GMT' "$T/err")" \
		"expiry warnings in: $(cat "$T/err")"
	verified m1.ko expired.x509
	expect_exit 0 sign future.pem future.x509 m1.ko
	expect_file_contains "$T/err" "modsign: warning: future.x509 is not valid before Jan  1 00:00:00 2098 GMT"
	expect_exit 0 sign server.pem server.x509 m1.ko m2.ko
	expect_eq 1 "$(grep -c '^modsign: warning: server.x509 has an extendedKeyUsage (TLS Web Server Authentication) that lists neither codeSigning nor the module-signing OID 1.3.6.1.4.1.2312.16.1.2' "$T/err")" \
		"EKU warnings in: $(cat "$T/err")"
	# no EKU at all (as DKMS's key), codeSigning, the kit's own: no warning
	for m in noeku codesign; do
		expect_exit 0 sign "$m.pem" "$m.x509" m1.ko
		expect_file_lacks "$T/err" "warning"
	done
	expect_exit 0 sign "$KA" "$CA" m1.ko
	expect_file_lacks "$T/err" "warning"
}

# ---------------------------------------------------------------------------
# 5. Leftovers

# A killed run leaves its work folder (and, with the old naming, a copy
# beside the module); the next run removes what nobody holds. The FAKE
# sign-file only sleeps first, so that the run can be killed half-way.
test_killed_run_leaves_nothing_after_the_next_run() {
	mkdir -p fakekdir/scripts tmp
	cp "$KDIR/.config" fakekdir/.config
	cat >fakekdir/scripts/sign-file <<-EOF
		#!/bin/sh
		# FAKE sign-file for this test: a slow one (then the real one).
		touch "$T/started"
		sleep 60
		exec "$KDIR/scripts/sign-file" "\$@"
	EOF
	chmod +x fakekdir/scripts/sign-file
	mkdir mods
	cp "$SUITE/small.ko" mods/one.ko
	cp "$SUITE/small.ko" mods/two.ko
	setsid env TMPDIR="$T/tmp" "$TOP/scripts/sign-modules.sh" fakekdir "$KA" "$CA" mods/one.ko mods/two.ko \
		>killed.out 2>&1 &
	local pid=$! pgid m
	for _ in $(seq 300); do
		[ ! -e started ] || break
		sleep 0.1
	done
	[ -e started ] || fail "the fake sign-file never ran: $(cat killed.out)"
	pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
	[ "$pgid" == "$pid" ] || fail "setsid did not make a process group ($pgid, $pid)"
	kill -KILL -- "-$pgid"
	wait "$pid" || true
	[ -n "$(ls -A tmp)" ] || fail "the killed run left no work folder: nothing to clean up, the test proves nothing"
	expect_exit 0 env TMPDIR="$T/tmp" "$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" mods/one.ko mods/two.ko
	expect_eq "" "$(ls -A tmp)" "left in TMPDIR"
	no_temps mods
	for m in mods/one.ko mods/two.ko; do
		verified "$m" "$CA"
	done
}

# Temporary files beside modules (.NAME.modsign-XXXXXX) and work folders:
# removed when nobody holds their flock, kept while someone does.
test_stale_temporary_files_go_live_ones_stay() {
	mkdir mods tmp
	cp "$SUITE/small.ko" mods/m.ko
	echo stale >mods/.m.ko.modsign-AbC123
	echo live >mods/.m.ko.modsign-XyZ789
	mkdir tmp/modsign-sign.OLD123 tmp/modsign-sign.LIV456
	touch tmp/modsign-sign.OLD123/in.ko
	(
		exec 7<mods/.m.ko.modsign-XyZ789 8<tmp/modsign-sign.LIV456
		flock 7
		flock 8
		touch ready
		exec sleep 120
	) &
	local holder=$!
	for _ in $(seq 100); do
		[ ! -e ready ] || break
		sleep 0.1
	done
	[ -e ready ] || fail "the lock holder did not start"
	expect_exit 0 env TMPDIR="$T/tmp" "$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" mods/m.ko
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	[ ! -e mods/.m.ko.modsign-AbC123 ] || fail "the stale temporary file was not removed"
	[ -e mods/.m.ko.modsign-XyZ789 ] || fail "a temporary file in use was removed"
	[ ! -e tmp/modsign-sign.OLD123 ] || fail "the stale work folder was not removed"
	[ -e tmp/modsign-sign.LIV456 ] || fail "a work folder in use was removed"
	verified mods/m.ko "$CA"
}

# Inode flags (issue #23): the module's own +A (noatime) and +d (nodump)
# are kept, with sign-file and with modsign; a +i (immutable) or +a
# (append-only) module is refused before anything is written, with what
# to do, and is unchanged. Where the file system has no flags: a note.
test_inode_flags_are_kept_immutable_refused() {
	local signer f what out
	cp "$SUITE/small.ko" m.ko
	if ! chattr +A +d m.ko 2>chattr.err; then
		note "SKIPPED inode flags: the file system of $T has none ($(cat chattr.err))"
		return 0
	fi
	for signer in sign-file modsign; do
		expect_exit 0 env SIGNER="$signer" "$TOP/scripts/sign-modules.sh" "$KDIR" "$KA" "$CA" m.ko
		verified m.ko "$CA"
		out=$(lsattr -d m.ko)
		out=${out%% *}
		[[ "$out" == *A* && "$out" == *d* ]] || fail "SIGNER=$signer dropped the module's flags: $out"
		# signed by the other key next time: a real replacement
		KA=$KB CA=$CB
	done
	cp "$SUITE/small.ko" n.ko
	cp n.ko before.ko
	# shellcheck disable=SC2064 # clear the flags whatever happens
	trap "chattr -i -a '$T/n.ko' 2>/dev/null || true" EXIT
	for f in i a; do
		chattr +"$f" n.ko
		what=immutable
		[ "$f" == i ] || what=append-only
		expect_exit 1 sign "$KA" "$CA" n.ko
		chattr -"$f" n.ko
		expect_file_contains "$T/err" "modsign: ERROR: n.ko: $what (chattr +$f): it cannot be replaced; run 'chattr -$f n.ko' first if it should be; the module is unchanged"
		cmp n.ko before.ko || fail "the +$f module changed"
		no_temps .
	done
}

test_make_keys_refuses_a_dangling_key_link() {
	fresh_tree tree
	ln -s ../nowhere/cert.der tree/keys/signing_key.x509
	expect_exit 2 make -s -C tree keys
	expect_file_contains "$T/err" "modsign: ERROR: $T/tree/keys/signing_key.x509 is a symbolic link to ../nowhere/cert.der, which does not exist: remove the link"
	[ ! -e tree/keys/signing_key.pem ] || fail "a key was made beside the dangling certificate link"
	expect_eq "" "$(find tree/keys -name '.new.*')" "left in keys/"
	rm tree/keys/signing_key.x509
	ln -s /nonexistent/key.pem tree/keys/signing_key.pem
	expect_exit 2 make -s -C tree keys
	expect_file_contains "$T/err" "signing_key.pem is a symbolic link to /nonexistent/key.pem, which does not exist"
	[ ! -e tree/keys/signing_key.x509 ] || fail "a certificate was made beside the dangling key link"
}

run_tests "$@"
