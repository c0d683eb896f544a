#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault tests of modsign (reading side, issue #12): what modsign reads: FIFOs and other non-regular files, modules still being written, truncated ELF images, the size limit on reads and on decompression, and signals while a call blocks.
#
#   tests/modsign/reading.sh [NAME...]   run all tests, or the named ones
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build).
# Every command that could wait runs under `timeout -k 2 20`: a modsign
# that blocks fails its test (exit 124) instead of hanging the suite.
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tools "$SIGN_FILE" openssl modinfo perl xz zstd gzip timeout

# Shared by all tests of this run: a key pair, one whose CN is 300
# characters long, and a small module with Debian's signature removed.
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-reading.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
export SHARED
make_pair A "modsign reading test key"
KEY=$SHARED/A.key CERT=$SHARED/A.der

# OpenSSL caps a CN at 64 characters (its string table, from X.520's
# ub-common-name); its stbl_section config module lifts the cap, as a CA
# with its own software would not have it.
LONG_CN=$(printf 'é%.0s' $(seq 300))
cat >"$SHARED/long-cn.cnf" <<'EOF'
openssl_conf = init
[init]
stbl_section = stbl
[stbl]
commonName = min:1,max:1024
[req]
distinguished_name = dn
[dn]
EOF
OPENSSL_CONF=$SHARED/long-cn.cnf openssl req -new -x509 -nodes -utf8 \
	-newkey rsa:2048 -sha256 -days 30 -subj "/CN=$LONG_CN" \
	-keyout "$SHARED/long.key" -outform DER -out "$SHARED/long.der" \
	2>"$SHARED/openssl.log" ||
	suite_error "cannot make a certificate with a long CN: $(cat "$SHARED/openssl.log")"

# The smallest module of the kernel, its signature cut off with od (not
# with the modsign under test).
SMALL=$(find "$MODDIR" -name '*.ko' -printf '%s %p\n' | sort -n | sed -n 1p | cut -d' ' -f2-)
small_size=$(stat -c %s "$SMALL")
small_sig=$(od -An -tu1 -j $((small_size - 32)) -N4 "$SMALL" |
	awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
head -c $((small_size - 40 - small_sig)) "$SMALL" >"$SHARED/plain.ko"
PLAIN=$SHARED/plain.ko

# The five commands, each with what it needs before FILE.
COMMANDS=(info "verify --cert $CERT" "sign $KEY $CERT" strip check)

# ---- helpers ----

# file_size FILE
file_size() {
	stat -c %s "$1"
}

# e_shoff FILE: where the section header table of an ELF64 module starts
e_shoff() {
	od -An -tu8 -j 40 -N8 "$1" | tr -d ' '
}

# run_each FILE CODE TEXT: every command on FILE exits CODE within 20 s,
# saying TEXT on stderr
run_each() {
	local cmd words
	for cmd in "${COMMANDS[@]}"; do
		read -r -a words <<<"$cmd"
		expect_exit "$2" timeout -k 2 20 "$MODSIGN" "${words[@]}" "$1"
		expect_file_contains "$T/err" "$3"
	done
}

# lease_holder FILE: a background process ($!) that takes a write lease
# on FILE (then any other process's open waits for it to let go, for up to
# /proc/sys/fs/lease-break-time seconds), ignores the lease break's SIGIO,
# and makes FILE.held once the lease is held
lease_holder() {
	perl -e '
		use Fcntl;
		$SIG{IO} = "IGNORE";
		open(my $fh, "<", $ARGV[0]) or die "open: $!";
		# F_SETLEASE (1024), F_WRLCK (1)
		fcntl($fh, 1024, F_WRLCK) or die "F_SETLEASE: $!";
		open(my $ok, ">", "$ARGV[0].held") or die;
		close($ok);
		sleep 60;' "$1" >/dev/null 2>&1 &
}

# wait_for FILE: FILE exists within 10 s
wait_for() {
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 did not appear"
}

# sum FILE: its SHA-256
sum() {
	sha256sum <"$1" | cut -d' ' -f1
}

# ---- point 2: FIFOs, devices, leases, signals ----

test_fifo_refused_by_every_command() {
	mkdir d
	mkfifo d/f.ko
	run_each d/f.ko 1 "not a regular file (a FIFO): modsign reads only module files"
	# nothing was written next to it either
	expect_eq "f.ko" "$(ls -A d)" "files in d"
	# nor do a key or a certificate given as a FIFO wait for a writer
	cp "$PLAIN" m.ko
	expect_exit 1 timeout -k 2 20 "$MODSIGN" verify --cert d/f.ko m.ko
	expect_file_contains "$T/err" "d/f.ko: not a regular file (a FIFO): modsign reads only regular files"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" sign d/f.ko "$CERT" m.ko
	expect_file_contains "$T/err" "not a regular file (a FIFO): modsign reads only regular files"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" sign "$KEY" d/f.ko m.ko
	expect_file_contains "$T/err" "d/f.ko: not a regular file (a FIFO): modsign reads only regular files"
	cmp m.ko "$PLAIN" || fail "m.ko changed"
}

test_device_refused_by_every_command() {
	ln -s /dev/null null.ko
	run_each null.ko 1 "not a regular file (a character device): modsign reads only module files"
}

test_check_machine_fifo_does_not_block() {
	# what check reads of the machine (here under --root) may be a FIFO
	# too: it reads as empty instead of waiting for a writer
	mkdir -p root/proc
	mkfifo root/proc/keys
	cp "$PLAIN" m.ko
	expect_exit 1 timeout -k 2 20 "$MODSIGN" check --root root m.ko
	expect_file_contains "$T/out" "kernel keys: unknown"
}

test_lease_holder_does_not_block() {
	local pid
	cp "$PLAIN" m.ko
	lease_holder m.ko
	pid=$!
	# shellcheck disable=SC2064
	trap "kill $pid 2>/dev/null || true" EXIT
	wait_for m.ko.held
	run_each m.ko 1 "busy: another process holds a lease on it"
	# our own open would wait for the lease too: the holder goes first
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	expect_eq "$(sum "$PLAIN")" "$(sum m.ko)" "the module after sign and strip"
}

test_second_signal_ends_a_stopping_batch() {
	local pid i name state=""
	# verify prints a line per module to a FIFO nobody reads: once 64 KiB
	# are waiting, its write blocks; the first SIGTERM only asks it to
	# stop (it cannot act on it), the second must end it
	mkdir many
	name=$(printf 'm%.0s' $(seq 240))
	# 400 names for one file, made by one perl (not 400 ln)
	perl -e 'for my $i (1 .. 400) { link($ARGV[0], "many/$i$ARGV[1].ko") or die "link: $!" }' \
		"$PLAIN" "$name" || fail "cannot make the links"
	mkfifo out.fifo
	exec 8<>out.fifo # held open for reading, never read
	"$MODSIGN" verify -j 1 --cert "$CERT" -r many >out.fifo 2>err &
	pid=$!
	# shellcheck disable=SC2064
	trap "kill -KILL $pid 2>/dev/null || true" EXIT
	for i in $(seq 100); do
		state=$(cat /proc/"$pid"/task/*/wchan 2>/dev/null | tr '\0' ' ')
		[[ "$state" == *pipe_write* ]] && break
		sleep 0.1
	done
	[[ "$state" == *pipe_write* ]] || fail "verify did not block on its output (wchan: $state)"
	kill -TERM "$pid"
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || fail "the first SIGTERM ended it (wanted: a gentle stop)"
	kill -TERM "$pid"
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "still running 5 s after a second SIGTERM"
	i=0
	wait "$pid" || i=$?
	expect_eq 143 "$i" "exit status (SIGTERM's)"
}

# ---- point 4: truncated modules, modules being written ----

test_truncated_module_refused() {
	local len cut shoff size cmd words
	size=$(file_size "$PLAIN")
	shoff=$(e_shoff "$PLAIN")
	[ "$((shoff + 64))" -lt "$size" ] || fail "no section table in $PLAIN?"
	# the header alone; in the middle of the sections; one byte before
	# the end of the section table (a .ko ends with it)
	for len in 64 $((shoff / 2)) $((size - 1)); do
		cut=cut$len.ko
		head -c "$len" "$PLAIN" >"$cut"
		cp "$cut" "$cut.orig"
		run_each "$cut" 1 "truncated: its section table ends at byte $size but the file has $len bytes; is it still being built or copied? rebuild it"
		cmp "$cut" "$cut.orig" || fail "$cut was changed"
	done
	# fewer bytes than an ELF header
	head -c 40 "$PLAIN" >short.ko
	run_each short.ko 1 "truncated: its ELF header ends at byte 64 but the file has 40 bytes"
	expect_eq "" "$(find . -name '.*modsign-*')" "temporary files"
	# verify gives the reason on its FAIL line too
	cmd="verify --cert $CERT"
	read -r -a words <<<"$cmd"
	expect_exit 1 "$MODSIGN" "${words[@]}" cut64.ko
	expect_file_contains "$T/out" "FAIL cut64.ko: truncated: its section table ends at byte $size"
}

test_signed_truncated_module_fails_verify() {
	# a module signed (by sign-file) while it was still being written:
	# the signature is good, the module is not whole
	local size
	size=$(file_size "$PLAIN")
	head -c $((size - 100)) "$PLAIN" >m.ko
	"$SIGN_FILE" sha256 "$KEY" "$CERT" m.ko || fail "sign-file failed"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" verify --cert "$CERT" m.ko
	expect_file_contains "$T/out" "FAIL m.ko: truncated: its section table ends at byte $size but the module before its signature has $((size - 100)) bytes"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" info m.ko
	expect_file_contains "$T/err" "truncated: its section table ends at byte $size"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" check --cert "$CERT" m.ko
	expect_file_contains "$T/out" "m.ko: error: truncated: its section table ends at byte $size"
	expect_file_contains "$T/out" "next step:   wait until it is fully built or copied (or rebuild it)"
	# re-signing it would sign the cut module again
	cp m.ko m.orig
	expect_exit 1 timeout -k 2 20 "$MODSIGN" sign "$KEY" "$CERT" m.ko
	cmp m.ko m.orig || fail "sign changed the module"
}

test_module_open_for_writing_refused() {
	local pid words
	cp "$PLAIN" m.ko
	# a build or a copy that has not closed its output yet
	(
		exec 7>>m.ko
		touch m.ko.held
		sleep 60
	) &
	pid=$!
	# shellcheck disable=SC2064
	trap "kill $pid 2>/dev/null || true" EXIT
	wait_for m.ko.held
	expect_exit 1 timeout -k 2 20 "$MODSIGN" sign "$KEY" "$CERT" m.ko
	expect_file_contains "$T/err" "m.ko: another process has it open for writing (still being built or copied?): try again when it is done"
	expect_file_contains "$T/out" "modsign: 0 signed, 0 skipped, 1 failed"
	expect_eq "$(sum "$PLAIN")" "$(sum m.ko)" "the module after sign"
	expect_eq "" "$(find . -name '.*modsign-*')" "temporary files"
	read -r -a words <<<"verify --cert $CERT"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" "${words[@]}" m.ko
	expect_file_contains "$T/out" "FAIL m.ko: another process has it open for writing"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" check m.ko
	expect_file_contains "$T/out" "m.ko: error: another process has it open for writing"
	# once the writer is done, it signs
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	expect_exit 0 timeout -k 2 20 "$MODSIGN" sign "$KEY" "$CERT" m.ko
}

# ---- point 5: the size limit ----

LIMIT_TEXT="more than modsign's limit of 1024 MiB for a module (Debian's largest is 567 MiB); not a module?"

test_huge_sparse_file_refused() {
	local before
	mkdir d
	# 2 GiB that take no room: an ELF header, then a hole
	head -c 64 "$PLAIN" >d/big1.ko
	truncate -s 2G d/big1.ko
	cp --sparse=always d/big1.ko d/big2.ko
	before=$(stat -c '%i %Y %b' d/big1.ko d/big2.ko)
	expect_exit 1 timeout -k 2 20 "$MODSIGN" info d/big1.ko
	expect_file_contains "$T/err" "d/big1.ko: 2147483648 bytes is $LIMIT_TEXT"
	expect_exit 1 timeout -k 2 20 "$MODSIGN" sign -j 2 "$KEY" "$CERT" d/big1.ko d/big2.ko
	expect_file_contains "$T/err" "d/big1.ko: 2147483648 bytes is $LIMIT_TEXT"
	expect_file_contains "$T/err" "d/big2.ko: 2147483648 bytes is $LIMIT_TEXT"
	expect_file_contains "$T/out" "modsign: 0 signed, 0 skipped, 2 failed"
	# no temporary file was made, and neither file was rewritten
	expect_eq "big1.ko big2.ko" "$(find d -mindepth 1 -printf '%f\n' | sort | xargs)" "files in d"
	expect_eq "$before" "$(stat -c '%i %Y %b' d/big1.ko d/big2.ko)" "inode, time, blocks"
}

test_compression_bombs_refused() {
	local f pid pids=() rc=0
	mkdir d
	# an ELF header and zeros, 1 MiB past the limit (modsign stops
	# decoding there): a few KB to 5 MB compressed; the four compressors
	# at once, each reading the sparse file
	head -c 64 "$PLAIN" >bomb
	truncate -s 1025M bomb
	zstd -q -c bomb >d/sized.ko.zst & # the frame header gives the size
	pids+=($!)
	zstd -q -c <bomb >d/streamed.ko.zst & # from a pipe: it does not
	pids+=($!)
	xz -0 -T2 -c bomb >d/bomb.ko.xz &
	pids+=($!)
	gzip -1 -c <bomb >d/bomb.ko.gz &
	pids+=($!)
	for pid in "${pids[@]}"; do
		wait "$pid" || fail "a compressor failed making the bombs"
	done
	rm bomb
	cp -a d ref
	# (decoding 1 GiB under ASan takes seconds: info on the gzip one runs
	# beside the sign below, which decodes the gzip and the streamed zstd
	# ones; the other two say their size in their headers)
	timeout -k 2 120 "$MODSIGN" info d/bomb.ko.gz >gz-info.out 2>gz-info.err &
	pid=$!
	for f in sized.ko.zst bomb.ko.xz; do
		expect_exit 1 timeout -k 2 60 "$MODSIGN" info "d/$f"
		expect_file_contains "$T/err" "d/$f: "
		expect_file_contains "$T/err" "$LIMIT_TEXT"
	done
	expect_exit 1 timeout -k 2 120 "$MODSIGN" sign -j 2 "$KEY" "$CERT" d/*
	wait "$pid" || rc=$?
	expect_eq 1 "$rc" "exit of info d/bomb.ko.gz ($(head -c 400 gz-info.err))"
	expect_file_contains gz-info.err "d/bomb.ko.gz: "
	expect_file_contains gz-info.err "$LIMIT_TEXT"
	expect_file_contains "$T/out" "modsign: 0 signed, 0 skipped, 4 failed"
	expect_eq 4 "$(grep -c "it decompresses to .*$LIMIT_TEXT" "$T/err")" "refusals"
	diff -r d ref || fail "a compressed module changed"
	expect_eq "" "$(find d -name '.*modsign-*')" "temporary files"
}

# ---- point 10: long signer names ----

test_long_signer_name_same_everywhere() {
	local cert=$SHARED/long.der got
	cp "$PLAIN" m.ko
	expect_exit 0 "$MODSIGN" sign "$SHARED/long.key" "$cert" m.ko
	expect_eq "$LONG_CN" "$(modinfo -F signer m.ko)" "modinfo's signer"
	expect_exit 0 "$MODSIGN" info m.ko
	got=$(sed -n 's/^signer: *//p' "$T/out")
	expect_eq "$LONG_CN" "$got" "info's signer"
	expect_exit 0 "$MODSIGN" info --json m.ko
	expect_file_contains "$T/out" "\"signer\":\"$LONG_CN\""
	expect_exit 0 "$MODSIGN" verify --cert "$cert" m.ko
	expect_eq "OK m.ko ($LONG_CN)" "$(cat "$T/out")" "verify's line"
	# check's verdict depends on this machine; its signer does not
	"$MODSIGN" check --cert "$cert" m.ko >out 2>err || [ $? == 1 ] ||
		fail "check failed: $(cat err)"
	got=$(sed -n 's/^  signature:   sha256, signer \(.*\), sig_key .*/\1/p' out)
	expect_eq "$LONG_CN" "$got" "check's signer"
	"$MODSIGN" check --json --cert "$cert" m.ko >out 2>err || [ $? == 1 ] ||
		fail "check --json failed: $(cat err)"
	expect_file_contains out "\"signer\":\"$LONG_CN\""
}

run_tests "$@"
