#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault tests of modsign (writing side, issue #12): what modsign writes and with which key: the PIN kept out of every message, folder locks between runs, attributes of the replaced module (xattrs, links, owner), key and certificate hygiene, no core dump with a key in memory.
#
#   tests/modsign/writing.sh [NAME...]   run all tests, or the named ones
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_tools openssl setfattr getfattr setpriv

# Shared by all tests of this run: two key pairs, and 120 of Debian's 6.1
# modules with their signatures stripped, in two folders.
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-writing.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
chmod 755 "$SHARED" # the tests that run as nobody read the keys here
make_pair a "modsign writing test key A"
make_pair b "modsign writing test key B"
chmod 600 "$SHARED"/*.key
mkdir -p "$SHARED/plain/one" "$SHARED/plain/two"
find "$MODDIR" -name '*.ko' | LC_ALL=C sort | awk 'NR % 31 == 7' | sed -n '1,120p' |
	while read -r m; do
		case $((RANDOM % 2)) in
		0) cp "$m" "$SHARED/plain/one/" ;;
		*) cp "$m" "$SHARED/plain/two/" ;;
		esac
	done
strip_plain

# first_module DIR: the first module below DIR, in a stable order
first_module() {
	find "$1" -name '*.ko' | LC_ALL=C sort | sed -n 1p
}

# signed_by NAME DIR: how many modules below DIR verify with key NAME
signed_by() {
	"$MODSIGN" verify --cert "$SHARED/$1.der" -r "$2" 2>/dev/null | grep -c '^OK ' || true
}

# ---- the PIN (point 3) ----

# The libp11 engine leaks after a failed load (see lsan-libp11.supp).
# MODSIGN_PKCS11=engine: the PIN test is the engine's, also where
# pkcs11-provider is installed (the provider dlopens the PKCS#11 module
# with RTLD_DEEPBIND, which the sanitizer build refuses).
P11_ENV=(ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
	LSAN_OPTIONS="$LSAN_OPTIONS:suppressions=$TOP/tests/modsign/lsan-libp11.supp"
	MODSIGN_PKCS11=engine)

# A PIN with a raw ';', '&' or '?' in it: no part of it may be printed,
# neither by our messages nor through the URI handed to libp11.
test_pin_never_printed() {
	local uri
	plain_tree t
	for uri in "pkcs11:token=x;object=y?pin-value=TOP&SECRET6" \
		"pkcs11:token=x;pin-value=TOP;SECRET6;object=y" \
		"pkcs11:token=x;object=y?pin-value=TOP?SECRET6" \
		"pkcs11:token=x;object=y?pin-value=TOPSECRET6&module-path=/nonexistent.so"; do
		expect_exit 1 env "${P11_ENV[@]}" "$MODSIGN" sign -r t "$uri" "$SHARED/a.der"
		expect_file_lacks "$T/err" "SECRET6"
		expect_file_lacks "$T/err" "TOP"
		expect_file_contains "$T/err" "pin-value=***"
	done
	expect_eq "$NPLAIN" "$(cmp_tree t)" "modules unchanged"
}

# cmp_tree DIR: how many modules below DIR are still the unsigned ones
cmp_tree() {
	local f n=0
	while read -r f; do
		cmp -s "$f" "$SHARED/plain/${f#*/}" && n=$((n + 1))
	done < <(find "$1" -name '*.ko')
	echo "$n"
}

# ---- one run at a time in a folder (point 8) ----

# hold_lock DIR: holds DIR's folder lock in the background (its flock
# process in $hold) until release_lock
hold_lock() {
	# -o: the lock stays with flock itself, not with the sleep it runs
	flock -o "$1" sleep 120 &
	hold=$!
	for _ in $(seq 100); do
		flock -n "$1" true || return 0
		sleep 0.05
	done
	fail "the test's own lock on $1 was never taken"
}

release_lock() {
	pkill -TERM -P "$hold" sleep || true
	wait "$hold" 2>/dev/null || true
}

# wait_for TEXT FILE: waits (up to 20 s) until FILE holds TEXT
wait_for() {
	for _ in $(seq 400); do
		grep -qF -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "'$1' never showed in $2: $(cat "$2")"
}

# Two runs with different keys on one tree: the second waits for the
# first, so every module ends up signed by one key, the second's. The
# first is held up on the tree's second folder (a lock taken here) until
# the second has started and waits on the first folder, which run A holds.
test_concurrent_runs_take_turns() {
	local pa pb ra=0 rb=0 one two
	plain_tree t
	one=$(cd t/one && pwd -P) two=$(cd t/two && pwd -P)
	hold_lock "$two"
	"$MODSIGN" sign -j 1 -r t "$SHARED/a.key" "$SHARED/a.der" >a.out 2>a.err &
	pa=$!
	wait_for "modsign: waiting for another signing run in $two (it holds the folder's lock)" a.err
	"$MODSIGN" sign -j 1 -r t "$SHARED/b.key" "$SHARED/b.der" >b.out 2>b.err &
	pb=$!
	wait_for "modsign: waiting for another signing run in $one (it holds the folder's lock)" b.err
	release_lock
	wait "$pa" || ra=$?
	wait "$pb" || rb=$?
	expect_eq 0 "$ra" "exit status of run A ($(cat a.err))"
	expect_eq 0 "$rb" "exit status of run B ($(cat b.err))"
	expect_file_contains a.out "modsign: $NPLAIN signed"
	expect_file_contains b.out "modsign: $NPLAIN signed"
	expect_eq "$NPLAIN" "$(signed_by b t)" "modules signed by B, the last run"
}

# sign-modules.sh holds the locks itself and tells the modsign it runs.
test_no_lock_when_the_caller_holds_it() {
	local dir
	plain_tree t
	dir=$(cd t/one && pwd -P)
	# a caller holding the folder's lock, as sign-modules.sh does
	expect_exit 0 flock "$dir" env MODSIGN_NO_LOCK=1 timeout 60 \
		"$MODSIGN" sign "$SHARED/a.key" "$SHARED/a.der" "$(first_module t/one)"
	expect_file_lacks "$T/err" "waiting"
	# without the variable, the same call would wait: the lock is real
	expect_exit 124 flock "$dir" timeout 3 \
		"$MODSIGN" sign "$SHARED/a.key" "$SHARED/a.der" "$(first_module t/one)"
	expect_file_contains "$T/err" "modsign: waiting for another signing run in $dir"
}

# ---- what a replaced module keeps (point 7) ----

test_extended_attributes_kept_ima_dropped() {
	local m1 m2 m3 other
	plain_tree t
	mapfile -t mods < <(find t -name '*.ko' | LC_ALL=C sort)
	m1=${mods[0]} m2=${mods[1]} m3=${mods[2]}
	setfattr -n user.origin -v "from $m1" "$m1" || fail "cannot set user.origin in $T"
	setfattr -n security.ima -v 0x0302 "$m2" || fail "cannot set security.ima in $T"
	setfattr -n security.evm -v 0x0501 "$m2"
	setfattr -n user.kept -v yes "$m2"
	expect_exit 0 "$MODSIGN" sign -j 2 -r t "$SHARED/a.key" "$SHARED/a.der"
	expect_eq "from $m1" "$(getfattr --only-values -n user.origin "$m1")" "user.origin of $m1"
	expect_eq "yes" "$(getfattr --only-values -n user.kept "$m2")" "user.kept of $m2"
	getfattr -n security.ima "$m2" >/dev/null 2>&1 && fail "security.ima of $m2 was kept"
	getfattr -n security.evm "$m2" >/dev/null 2>&1 && fail "security.evm of $m2 was kept"
	expect_file_contains "$T/err" "modsign: warning: $m2: its security.ima described the unsigned bytes and was dropped"
	expect_file_contains "$T/err" "modsign: warning: $m2: its security.evm described the unsigned bytes"
	expect_file_lacks "$T/err" "$m3"
	# nothing passed on to another module
	other=$(getfattr -R -d -m - t 2>/dev/null | grep -c 'user\.' || true)
	expect_eq 2 "$other" "user.* attributes in the tree"
	expect_eq "$NPLAIN" "$(signed_by a t)" "signed"
	# strip replaces files the same way
	expect_exit 0 "$MODSIGN" strip "$m1"
	expect_eq "from $m1" "$(getfattr --only-values -n user.origin "$m1")" "user.origin after strip"
}

# flags_of FILE: the inode flags lsattr shows for FILE, as letters
flags_of() {
	local out
	out=$(lsattr -d -- "$1") || fail "lsattr $1 failed"
	out=${out%% *}
	echo "${out//-/}"
}

# Inode flags belong to the module (issue #23): the module's own +A
# (noatime) and +d (nodump) are kept by sign and strip, and none moves to
# another module (a batch once reused replaced modules' inodes, and a
# chattr +A on one module turned up on the next).
test_inode_flags_stay_with_their_module() {
	local m flagged
	plain_tree t
	m=$(first_module t)
	if ! chattr +A +d "$m" 2>chattr.err; then
		note "SKIPPED inode flags: the file system of $T has none ($(cat chattr.err))"
		return 0
	fi
	expect_exit 0 "$MODSIGN" sign -j 2 -r t "$SHARED/a.key" "$SHARED/a.der"
	expect_eq "$NPLAIN" "$(signed_by a t)" "signed"
	[[ "$(flags_of "$m")" == *A* && "$(flags_of "$m")" == *d* ]] ||
		fail "the module's own flags were dropped by sign: $(lsattr -d "$m")"
	flagged=$(lsattr -R t 2>/dev/null | awk '$1 ~ /[Ad]/ { print $2 }')
	expect_eq "$m" "$flagged" "modules with the A or d flag after signing"
	expect_exit 0 "$MODSIGN" strip "$m"
	[[ "$(flags_of "$m")" == *A* && "$(flags_of "$m")" == *d* ]] ||
		fail "the module's own flags were dropped by strip: $(lsattr -d "$m")"
}

# A module that cannot be replaced (+i immutable, +a append-only) is
# refused before anything is written, with what to do; it is unchanged.
test_immutable_module_refused() {
	local m f what
	plain_tree t
	m=$(first_module t)
	cp -p "$m" before.ko
	# shellcheck disable=SC2064 # m is set: clear the flags whatever happens
	trap "chattr -i -a '$m' 2>/dev/null || true" EXIT
	for f in i a; do
		if ! chattr +"$f" "$m" 2>chattr.err; then
			note "SKIPPED +$f: the file system of $T has no inode flags ($(cat chattr.err))"
			return 0
		fi
		what=immutable
		[ "$f" == i ] || what=append-only
		expect_exit 1 "$MODSIGN" sign "$SHARED/a.key" "$SHARED/a.der" "$m"
		chattr -"$f" "$m"
		expect_file_contains "$T/err" "modsign: ERROR: $m: $what (chattr +$f): it cannot be replaced; run 'chattr -$f $m' first if it should be; the module is unchanged"
		cmp "$m" before.ko || fail "the +$f module changed"
		expect_eq "" "$(find t -name '.*modsign*')" "temporary files"
	done
}

test_hard_link_broken_with_a_warning() {
	local m
	plain_tree t
	m=$(first_module t)
	ln "$m" other-name.ko
	expect_exit 0 "$MODSIGN" sign "$SHARED/a.key" "$SHARED/a.der" "$m"
	expect_file_contains "$T/err" "modsign: warning: $m: it had 2 hard links; only this name holds the signed module, the other names keep the old bytes"
	cmp -s other-name.ko "$SHARED/plain/${m#t/}" || fail "the other name changed"
	expect_eq 1 "$(signed_by a "$(dirname "$m")")" "signed under its name"
}

test_symlink_target_signed_link_kept() {
	local m
	plain_tree t
	m=$(first_module t)
	ln -s "$PWD/$m" link.ko
	expect_exit 0 "$MODSIGN" sign "$SHARED/a.key" "$SHARED/a.der" link.ko
	[ -L link.ko ] || fail "link.ko is no longer a symbolic link"
	expect_exit 0 "$MODSIGN" verify --cert "$SHARED/a.der" "$m"
}

# A signer that is not root cannot give the new file away: it refuses
# rather than take the module over.
test_foreign_owner_refused() {
	local m before
	plain_tree t
	m=$(first_module t)
	chmod 755 "$T" t && chmod 0777 "$(dirname "$m")"
	install -m 600 -o nobody "$SHARED/a.key" nobody.key
	before=$(stat -c '%u:%g %a' "$m")
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MODSIGN" sign nobody.key "$SHARED/a.der" "$m"
	expect_file_contains "$T/err" "modsign: ERROR: $m: owned by uid 0 gid 0, which only root can keep: sign it as root or as its owner; the module is unchanged"
	cmp -s "$m" "$SHARED/plain/${m#t/}" || fail "$m changed"
	expect_eq "$before" "$(stat -c '%u:%g %a' "$m")" "owner and mode"
	expect_eq "" "$(find "$(dirname "$m")" -name '.*.modsign-*')" "temporary files"
	# its own module, nobody signs
	chown nobody:nogroup "$m"
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MODSIGN" sign nobody.key "$SHARED/a.der" "$m"
	expect_eq "65534:65534" "$(stat -c '%u:%g' "$m")" "owner after signing"
}

# ---- key hygiene (point 9) ----

test_key_readable_by_others_warned() {
	local m
	plain_tree t
	m=$(first_module t)
	cp "$SHARED/a.key" k.pem
	chmod 600 k.pem
	expect_exit 0 "$MODSIGN" sign k.pem "$SHARED/a.der" "$m"
	expect_file_lacks "$T/err" "warning"
	chmod 640 k.pem
	expect_exit 0 "$MODSIGN" sign k.pem "$SHARED/a.der" "$m"
	expect_file_contains "$T/err" "modsign: warning: k.pem is readable by its group (mode 0640): chmod 600 k.pem"
	chmod 644 k.pem
	expect_exit 0 "$MODSIGN" sign k.pem "$SHARED/a.der" "$m"
	expect_file_contains "$T/err" "modsign: warning: k.pem is readable by others (mode 0644): chmod 600 k.pem"
}

# make_cert NAME START END [EKU]: a self-signed pair valid from START to
# END (YYYYMMDDHHMMSSZ), through `openssl ca`, which can date the past
make_cert() {
	mkdir -p ca/new
	: >ca/index.txt
	printf '[ca]\ndefault_ca=c\n[c]\ndatabase=ca/index.txt\nnew_certs_dir=ca/new\nserial=ca/serial\ndefault_md=sha256\npolicy=p\nx509_extensions=x\n[p]\ncommonName=supplied\n[x]\nsubjectKeyIdentifier=hash\n%s\n' \
		"${4:+extendedKeyUsage=$4}" >ca.cnf
	openssl rand -hex 8 >ca/serial
	openssl req -new -nodes -newkey rsa:2048 -subj "/CN=$1" -keyout "$1.key" \
		-out "$1.csr" 2>/dev/null || fail "openssl req"
	openssl ca -batch -config ca.cnf -selfsign -keyfile "$1.key" \
		-startdate "$2" -enddate "$3" -notext -in "$1.csr" -out "$1.pem" \
		2>ca.log || fail "openssl ca: $(cat ca.log)"
	chmod 600 "$1.key"
}

# sign_with_cert NAME START END EKU WANT: signs $m with a new pair NAME
# (make_cert's arguments); sign says the warning WANT, or none when WANT
# is empty
sign_with_cert() {
	make_cert "$1" "$2" "$3" "$4"
	expect_exit 0 "$MODSIGN" sign "$1.key" "$1.pem" "$m"
	if [ -n "$5" ]; then
		expect_file_contains "$T/err" "modsign: warning: $1.pem: $5"
	else
		expect_file_lacks "$T/err" "warning"
	fi
}

test_doubtful_certificates_warned() {
	local m
	plain_tree t
	m=$(first_module t)
	sign_with_cert expired 20200101000000Z 20210131000000Z "" \
		"the certificate expired on 2021-01-31"
	expect_exit 0 "$MODSIGN" verify --cert expired.pem "$m"
	expect_file_contains "$T/out" "OK $m (expired; the certificate expired on 2021-01-31)"
	sign_with_cert future 20990101000000Z 21000101000000Z "" \
		"the certificate is not valid before 2099-01-01"
	sign_with_cert server 20200101000000Z 20991231000000Z serverAuth \
		"the certificate's extended key usage allows neither code signing nor module signing"
	expect_exit 0 "$MODSIGN" verify --cert server.pem "$m"
	expect_file_contains "$T/out" "OK $m (server; the certificate's extended key usage allows neither"
	# what is fine: codeSigning, the module-signing OID, no such extension
	sign_with_cert code 20200101000000Z 20991231000000Z codeSigning ""
	sign_with_cert modules 20200101000000Z 20991231000000Z 1.3.6.1.4.1.2312.16.1.2 ""
	expect_exit 0 "$MODSIGN" verify --cert modules.pem "$m"
	expect_file_contains "$T/out" "OK $m (modules)"
	sign_with_cert any 20200101000000Z 20991231000000Z "" ""
}

# While the private key is in memory the process is not dumpable: no core
# file, and /proc/PID/environ belongs to root, not to the user who runs it. The
# run is held, key loaded, on a folder lock taken here.
test_no_core_dump_with_the_key_in_memory() {
	local pid hold dir owner
	plain_tree t
	chmod 755 "$T"
	chown -R nobody:nogroup t
	install -m 600 -o nobody "$SHARED/a.key" nobody.key
	dir=$(cd t/one && pwd -P)
	hold_lock "$dir"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MODSIGN" sign -j 1 -r t nobody.key "$SHARED/a.der" >out 2>err &
	pid=$!
	wait_for "modsign: waiting for another signing run in $dir" err
	owner=$(stat -c %U "/proc/$pid/environ")
	release_lock
	wait "$pid" || fail "the run failed: $(cat err)"
	expect_eq root "$owner" "owner of /proc/PID/environ with the key loaded (nobody: dumpable)"
	expect_eq "$NPLAIN" "$(signed_by a t)" "signed"
}

run_tests "$@"
