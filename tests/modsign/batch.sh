#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of `modsign sign` on many modules at once: -j N, -r DIR, compressed
# modules, keys in a PKCS#11 token, and what a killed run leaves behind.
#
#   tests/modsign/batch.sh [NAME...]   run all tests, or the named ones
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build). Modules come from Debian's 6.1 kernel
# package (uncompressed, their signatures stripped here) and from the 6.12
# kernel of bookworm-backports (every module .ko.xz), both fetched and cached
# by vm/fetch-debian.sh. Keys and the SoftHSM2 token are made at test
# time in temporary folders. Figures go to standard output as `# ...` lines.
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# MODDIR comes from each kernel's env file: 6.1's, which common.sh sourced
# (SIGN_FILE is its sign-file), then 6.12's.
# shellcheck disable=SC2153
MODDIR61=$MODDIR
fetch_kernel 6.12
MODDIR612=$MODDIR
need_tools "$SIGN_FILE" openssl modinfo xz zstd gzip script

# Shared by all tests of this run: a key pair, and 300 modules of the 6.1
# kernel spread over its tree, with Debian's signatures stripped.
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-batch.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
export SHARED
openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 30 \
	-subj "/CN=modsign batch test key" -keyout "$SHARED/key.pem" \
	-outform DER -out "$SHARED/cert.der" 2>"$SHARED/openssl.log" || {
	cat "$SHARED/openssl.log" >&2
	exit 1
}
KEY=$SHARED/key.pem CERT=$SHARED/cert.der
mkdir "$SHARED/plain"
find "$MODDIR61" -name '*.ko' | LC_ALL=C sort | awk 'NR % 13 == 5 && ++n <= 300' |
	while read -r m; do
	# subfolders as in the tree, flattened one level: kernel/<area>/x.ko
	d=$SHARED/plain/$(basename "$(dirname "$m")")
	mkdir -p "$d"
	cp "$m" "$d/"
done
strip_plain

# ---- helpers ----

# smallest N: the N smallest unsigned modules
smallest() {
	# sed reads to the end: head would leave sort to die of SIGPIPE,
	# which pipefail makes the test's failure (exit 141, now and then).
	find "$SHARED/plain" -name '*.ko' -printf '%s %p\n' | sort -n |
		sed -n "1,${1}p" | cut -d' ' -f2-
}

# temps DIR: the temporary files of modsign below DIR
temps() {
	find "$1" -name '.*.modsign-*'
}

# expect_summary SIGNED SKIPPED FAILED: the summary line of the last
# expect_exit
expect_summary() {
	expect_file_contains "$T/out" "modsign: $1 signed, $2 skipped, $3 failed"
}

# ---- parallel signing ----

test_parallel_equals_one_by_one() {
	local f n=0 rel mods
	plain_tree par
	plain_tree seq
	expect_exit 0 "$MODSIGN" sign -j 4 -r par "$KEY" "$CERT"
	expect_summary "$NPLAIN" 0 0
	expect_exit 0 "$MODSIGN" sign -j 1 -r seq "$KEY" "$CERT"
	expect_summary "$NPLAIN" 0 0
	diff -r par seq >/dev/null || fail "-j 4 and -j 1 differ: $(diff -rq par seq | sed -n '1,3p')"
	# one process per module, and the kernel's sign-file, on a sample
	mkdir one
	while read -r f; do
		rel=${f#"$SHARED/plain/"}
		mkdir -p "one/${rel%/*}"
		cp "$f" "one/$rel"
		cp "$f" "one/$rel.sf"
		"$MODSIGN" sign -j 1 "$KEY" "$CERT" "one/$rel" >/dev/null ||
			fail "modsign sign one/$rel failed"
		"$SIGN_FILE" sha256 "$KEY" "$CERT" "one/$rel.sf" ||
			fail "sign-file one/$rel failed"
		cmp -s "one/$rel" "par/$rel" || fail "$rel: one by one differs from -j 4"
		cmp -s "one/$rel.sf" "par/$rel" || fail "$rel: sign-file differs from -j 4"
		n=$((n + 1))
	done < <(find "$SHARED/plain" -name '*.ko' | LC_ALL=C sort | awk 'NR % 12 == 1')
	mapfile -t mods < <(find par -name '*.ko')
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" "${mods[@]}"
	note "parallel: $NPLAIN modules, -j 4 = -j 1; $n of them also = one process each = sign-file"
	# a second run finds nothing to do and leaves the files alone
	touch -d '2001-01-01' par/*/*.ko
	expect_exit 0 "$MODSIGN" sign -r par "$KEY" "$CERT"
	expect_summary 0 "$NPLAIN" 0
	[ -z "$(find par -name '*.ko' -newermt '2001-01-02')" ] ||
		fail "an already signed module was rewritten"
	expect_eq "" "$(temps par)" "temporary files"
}

test_recursive_selection() {
	local f small
	mkdir -p tree/a/b tree/c
	mapfile -t small < <(smallest 5)
	cp "${small[0]}" tree/a/one.ko
	cp "${small[1]}" tree/a/b/two.ko
	xz --check=crc32 --lzma2=dict=1MiB -c "${small[2]}" >tree/c/three.ko.xz
	zstd -q -c "${small[3]}" >tree/c/four.ko.zst
	gzip -n -9 -c "${small[4]}" >tree/c/five.ko.gz
	# not modules: other names, a link to a module, a link to a folder
	cp "${small[0]}" tree/a/one.ko.orig
	echo "kernel/a/one.ko:" >tree/modules.dep
	ln -s a/one.ko tree/link.ko
	mkdir elsewhere
	cp "${small[1]}" elsewhere/outside.ko
	ln -s ../elsewhere tree/c/linkdir
	cp "${small[3]}" named.ko
	for f in tree/a/one.ko.orig tree/modules.dep elsewhere/outside.ko; do
		cp "$f" "$f.before"
	done
	expect_exit 0 "$MODSIGN" sign -r tree "$KEY" "$CERT" named.ko tree/a/one.ko named.ko
	expect_summary 6 0 0
	expect_file_contains "$T/out" "(6 modules in "
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" tree/a/one.ko tree/a/b/two.ko \
		tree/c/three.ko.xz tree/c/four.ko.zst tree/c/five.ko.gz named.ko
	for f in tree/a/one.ko.orig tree/modules.dep elsewhere/outside.ko; do
		cmp -s "$f" "$f.before" || fail "$f is not a module but was changed"
	done
	[ -L tree/link.ko ] || fail "tree/link.ko is no longer a link"
	# usage: jobs, missing folders, nothing to sign
	expect_exit 2 "$MODSIGN" sign -j 0 -r tree "$KEY" "$CERT"
	expect_file_contains "$T/err" "-j takes a number of jobs from 1 to 1024, not '0'"
	expect_exit 2 "$MODSIGN" sign -j many -r tree "$KEY" "$CERT"
	expect_exit 2 "$MODSIGN" sign "$KEY" "$CERT"
	expect_file_contains "$T/err" "at least one module (or -r DIR)"
	expect_exit 1 "$MODSIGN" sign -r nosuchdir "$KEY" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: nosuchdir: No such file or directory; no module was touched"
	mkdir empty
	expect_exit 0 "$MODSIGN" sign -r empty "$KEY" "$CERT"
	expect_file_contains "$T/err" "modsign: no module below empty"
}

test_ecdsa_key_without_template() {
	# not RSA: no template (sigfast.c), a CMS message for each module,
	# still in parallel; ECDSA signatures are randomized, so: verify
	local mods
	openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-sha256 -days 2 -subj "/CN=modsign batch EC key" -keyout ec.pem \
		-outform DER -out ec.der 2>/dev/null
	mkdir d
	mapfile -t mods < <(smallest 12)
	cp "${mods[@]}" d/
	expect_exit 0 "$MODSIGN" sign -j 3 -r d ec.pem ec.der
	expect_summary 12 0 0
	mapfile -t mods < <(find d -name '*.ko')
	expect_exit 0 "$MODSIGN" verify --cert ec.der "${mods[@]}"
	expect_eq 12 "$(grep -c '^OK .*(modsign batch EC key)$' "$T/out")" "verified"
}

test_damaged_module_fails_alone() {
	local victims n mods
	plain_tree t
	mapfile -t victims < <(find t -name '*.ko' | LC_ALL=C sort | awk 'NR == 7 || NR == 150')
	# a signed module cut in its trailer, and a file that is no module
	"$MODSIGN" sign "$KEY" "$CERT" "${victims[0]}" >/dev/null
	n=$(stat -c %s "${victims[0]}")
	head -c $((n - 10)) "${victims[0]}" >short.ko && cat short.ko >"${victims[0]}"
	echo "not a module" >"${victims[1]}"
	cp "${victims[0]}" v0.before
	cp "${victims[1]}" v1.before
	expect_exit 1 "$MODSIGN" sign -j 3 -r t "$KEY" "$CERT"
	expect_summary $((NPLAIN - 2)) 0 2
	expect_file_contains "$T/err" "modsign: ERROR: ${victims[0]}: truncated trailer"
	expect_file_contains "$T/err" "modsign: ERROR: ${victims[1]}: not an ELF file"
	expect_eq 2 "$(grep -c 'modsign: ERROR' "$T/err")" "error lines"
	cmp -s "${victims[0]}" v0.before || fail "the damaged module was changed"
	cmp -s "${victims[1]}" v1.before || fail "the non-module was changed"
	rm "${victims[@]}"
	mapfile -t mods < <(find t -name '*.ko')
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" "${mods[@]}"
	expect_eq "" "$(temps t)" "temporary files"
}

# verify -j: the same lines as -j 1, in the order given, whatever finishes
# first; damage is reported once, on stderr, and the status says so
test_parallel_verify_reports_in_order() {
	local mods victims n
	plain_tree t
	expect_exit 0 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	mapfile -t victims < <(find t -name '*.ko' | LC_ALL=C sort | awk 'NR == 5 || NR == 120 || NR == 260')
	"$MODSIGN" strip "${victims[0]}" >/dev/null
	n=$(stat -c %s "${victims[1]}")
	head -c $((n - 10)) "${victims[1]}" >short.ko && cat short.ko >"${victims[1]}"
	printf 'x' | dd of="${victims[2]}" bs=1 seek=100 conv=notrunc status=none
	expect_exit 1 "$MODSIGN" verify -j 1 --cert "$CERT" -r t
	cp "$T/out" one.out
	cp "$T/err" one.err
	expect_exit 1 "$MODSIGN" verify -j 4 --cert "$CERT" -r t
	expect_eq "$(cat one.out)" "$(cat "$T/out")" "-j 4 output, next to -j 1"
	expect_eq "$(cat one.err)" "$(cat "$T/err")" "-j 4 errors, next to -j 1"
	expect_eq "$NPLAIN" "$(wc -l <"$T/out")" "lines"
	expect_eq "$(find t -name '*.ko' | LC_ALL=C sort)" \
		"$(sed -E 's/^(OK|FAIL) //; s/( \(|: ).*//' "$T/out")" "order of the lines"
	expect_eq 3 "$(grep -c '^FAIL ' "$T/out")" "FAIL lines"
	expect_file_contains "$T/out" "FAIL ${victims[0]}: unsigned"
	expect_file_contains "$T/out" "FAIL ${victims[1]}: damaged trailer"
	expect_file_contains "$T/out" "FAIL ${victims[2]}: digest mismatch"
	# only the damaged trailer is bad input, an error of its own
	expect_eq 1 "$(grep -c 'modsign: ERROR' "$T/err")" "error lines"
	# files named and found below a folder: each once, in the order given
	mapfile -t mods < <(find t -name '*.ko' | LC_ALL=C sort | sed -n '1,3p')
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" "${mods[2]}" "${mods[0]}" "${mods[2]}"
	expect_eq "OK ${mods[2]} (modsign batch test key)
OK ${mods[0]} (modsign batch test key)" "$(cat "$T/out")" "named files"
	expect_exit 2 "$MODSIGN" verify -j 0 --cert "$CERT" -r t
	expect_file_contains "$T/err" "-j takes a number of jobs from 1 to 1024"
	# a folder with no module in it is not a tree that passed
	mkdir empty
	expect_exit 1 "$MODSIGN" verify --cert "$CERT" -r empty
	expect_file_contains "$T/err" "modsign: no module below empty"
	expect_file_contains "$T/err" "modsign: ERROR: no module to check; nothing was checked"
}

# ---- compressed modules ----

test_compressed_round_trip() {
	local f base n=0 real
	mkdir c plain
	while read -r f; do
		base=$(basename "$f" .ko)
		cp "$f" "plain/$base.ko"
		# as Kbuild makes them (scripts/Makefile.modinst of 6.12)
		case $((n % 3)) in
		0) xz --check=crc32 --lzma2=dict=1MiB -c "$f" >"c/$base.ko.xz" ;;
		1) zstd -q -c "$f" >"c/$base.ko.zst" ;;
		2) gzip -n -9 -c "$f" >"c/$base.ko.gz" ;;
		esac
		n=$((n + 1))
	done < <(smallest 12)
	# and real ones: Debian's 6.12 kernel ships every module as .ko.xz
	mkdir real
	find "$MODDIR612" -name '*.ko.xz' -size -24k | LC_ALL=C sort |
		awk 'NR % 40 == 3 && ++n <= 10' >real.list
	find "$MODDIR612" -name efivarfs.ko.xz >>real.list
	while read -r f; do cp "$f" real/; done <real.list
	real=$(wc -l <real.list)
	expect_exit 0 "$MODSIGN" sign -j 2 -r c -r real "$KEY" "$CERT"
	expect_summary $((n + real)) 0 0
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" c/* real/*
	expect_eq $((n + real)) "$(grep -c '^OK .*(modsign batch test key)$' "$T/out")" "verified"
	for f in c/*.xz real/*.xz; do
		xz -t "$f" || fail "xz -t $f"
		xz -lvv "$f" >xzl
		expect_file_contains xzl "Check:             CRC32"
		expect_file_contains xzl "--lzma2=dict=1MiB"
		# exactly what xz with Kbuild's options makes of the content, in
		# one thread (xz 5.6 and later, Debian 13's, default to threads,
		# whose blocks name their sizes: other bytes, the same stream)
		xz -dc "$f" >dec.ko
		xz -T1 --check=crc32 --lzma2=dict=1MiB -c dec.ko | cmp -s - "$f" ||
			fail "$f: not what 'xz -T1 --check=crc32 --lzma2=dict=1MiB' writes"
	done
	for f in c/*.zst; do
		zstd -q -t "$f" || fail "zstd -t $f"
		zstd -q -dc "$f" >dec.ko
		zstd -q -c dec.ko | cmp -s - "$f" || fail "$f: not what 'zstd -q' writes"
	done
	for f in c/*.gz; do
		gzip -t "$f" || fail "gzip -t $f"
		# the kernel skips only a name field: there must be none
		expect_eq "1f8b0800000000000203" "$(od -An -tx1 -N10 "$f" | tr -d ' \n')" "gzip header of $f"
	done
	# decompressed, each is the plain module signed as sign-file would
	for f in c/*; do
		base=$(basename "$f")
		base=${base%.ko.*}
		case $f in
		*.xz) xz -dc "$f" >dec.ko ;;
		*.zst) zstd -q -dc "$f" >dec.ko ;;
		*.gz) gzip -dc "$f" >dec.ko ;;
		esac
		cp "plain/$base.ko" sf.ko
		"$SIGN_FILE" sha256 "$KEY" "$CERT" sf.ko
		cmp -s dec.ko sf.ko || fail "$f decompressed is not what sign-file makes"
	done
	# the real ones: only the signature changed
	while read -r f; do
		xz -dc "real/$(basename "$f")" >dec.ko
		xz -dc "$f" >orig.ko
		"$MODSIGN" strip dec.ko orig.ko >/dev/null
		cmp -s dec.ko orig.ko || fail "$f: the module bytes changed"
	done <real.list
	# kmod reads the signer inside xz and zstd (Debian's kmod has no zlib)
	for f in c/*.xz c/*.zst real/*.xz; do
		expect_eq "modsign batch test key" "$(modinfo -F signer "$f")" "modinfo signer of $f"
	done
	for f in c/*.gz; do
		gzip -dc "$f" >dec.ko
		expect_eq "modsign batch test key" "$(modinfo -F signer dec.ko)" "modinfo signer of $f"
	done
	# signed already, but with xz's default CRC64 check, which the
	# kernel cannot read: compressed again, with CRC32
	f=$(find c -name '*.xz' | LC_ALL=C sort | sed -n 1p)
	xz -dc "$f" | xz -c >crc64.ko.xz
	grep -q 'CRC64' <<<"$(xz -lvv crc64.ko.xz)" || fail "xz did not make a CRC64 stream"
	expect_exit 0 "$MODSIGN" sign "$KEY" "$CERT" crc64.ko.xz "$f"
	expect_summary 1 1 0
	grep -q 'Check:             CRC32' <<<"$(xz -lvv crc64.ko.xz)" || fail "still not CRC32"
	# info and strip take compressed modules; strip keeps the format
	expect_exit 0 "$MODSIGN" info --json real/efivarfs.ko.xz
	expect_file_contains "$T/out" '"signer":"modsign batch test key"'
	for f in c/*; do
		expect_exit 0 "$MODSIGN" strip "$f"
		base=$(basename "$f")
		base=${base%.ko.*}
		case $f in
		*.xz) xz -dc "$f" >dec.ko && grep -q 'CRC32' <<<"$(xz -lvv "$f")" ;;
		*.zst) zstd -q -dc "$f" >dec.ko ;;
		*.gz) gzip -dc "$f" >dec.ko ;;
		esac
		cmp -s dec.ko "plain/$base.ko" || fail "strip $f did not give the plain module back"
	done
	note "compressed: $n made with xz/zstd/gzip, $real of Debian's 6.12 .ko.xz signed, checked, stripped"
}

test_compressed_damage() {
	local m
	m=$(smallest 1)
	xz --check=crc32 --lzma2=dict=1MiB -c "$m" >good.ko.xz
	head -c 300 good.ko.xz >cut.ko.xz
	{ cat good.ko.xz; echo trailing; } >trail.ko.xz
	zstd -q -c "$m" >whole.ko.zst
	head -c 200 whole.ko.zst >cut.ko.zst
	printf '\037\213\010\000garbage-garbage-garbage' >bad.ko.gz
	# found by fuzz_compress: an xz index that asks liblzma for 48 TB
	printf '\xfd\x37\x7a\x58\x5a\x00\x00\x01\x69\x22\xde\x00\x61\x00\x00\x81\x81\x81\x81\x81\x58\x5a\x00\x00\x01\x69\x3e\x30\x0d\x8b\x02\x00\x00\x00\x00\x01\x59\x5a' >huge-index.ko.xz
	cp cut.ko.xz cut.before
	expect_exit 1 "$MODSIGN" sign "$KEY" "$CERT" good.ko.xz cut.ko.xz trail.ko.xz cut.ko.zst bad.ko.gz huge-index.ko.xz
	expect_summary 1 0 5
	expect_file_contains "$T/err" "modsign: ERROR: huge-index.ko.xz: cannot decompress (xz)"
	expect_file_contains "$T/err" "modsign: ERROR: cut.ko.xz: cannot decompress (xz)"
	expect_file_contains "$T/err" "modsign: ERROR: trail.ko.xz: 9 bytes follow the xz stream"
	expect_file_contains "$T/err" "modsign: ERROR: cut.ko.zst: cannot decompress (zstd)"
	expect_file_contains "$T/err" "modsign: ERROR: bad.ko.gz: cannot decompress (gzip)"
	cmp -s cut.ko.xz cut.before || fail "a damaged file was changed"
	expect_exit 1 "$MODSIGN" verify --cert "$CERT" cut.ko.xz
	expect_exit 1 "$MODSIGN" info cut.ko.xz
	expect_eq "" "$(temps .)" "temporary files"
}

# ---- PKCS#11 ----

# The libp11 engine leaks after a failed login (see lsan-libp11.supp): the
# sanitizer build gets full stacks and those suppressions for these tests.
# MODSIGN_PKCS11=engine: these tests are the engine's, also where
# pkcs11-provider is installed (the provider's are further down).
P11_ENV=(ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
	LSAN_OPTIONS="$LSAN_OPTIONS:suppressions=$TOP/tests/modsign/lsan-libp11.supp"
	MODSIGN_PKCS11=engine)

# make_token [LABEL]: a SoftHSM2 token LABEL (default "modsign") in $T/hsm
# with KEY imported as "signer"
make_token() {
	mkdir -p "$T/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$T/hsm/tokens" >"$T/hsm/softhsm2.conf"
	export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
	softhsm2-util --init-token --free --label "${1:-modsign}" --pin 4321 --so-pin 87654321 >/dev/null
	openssl pkcs8 -topk8 -nocrypt -in "$KEY" -out "$T/hsm/key8.pem"
	softhsm2-util --import "$T/hsm/key8.pem" --token "${1:-modsign}" --label signer \
		--id 01 --pin 4321 >/dev/null
	rm "$T/hsm/key8.pem"
}

# token_and_modules N: make_token, and the N smallest modules in ./d
token_and_modules() {
	local small
	make_token
	mkdir d
	mapfile -t small < <(smallest "$1")
	cp "${small[@]}" d/
}

test_pkcs11_token_equals_file_key() {
	local uri="pkcs11:token=modsign;object=signer;type=private" f
	command -v softhsm2-util >/dev/null || fail "softhsm2 is not installed"
	[ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] ||
		fail "libengine-pkcs11-openssl is not installed"
	make_token
	mkdir file token token2
	while read -r f; do
		cp "$f" file/
		cp "$f" token/
		cp "$f" token2/
	done < <(find "$SHARED/plain" -name '*.ko' | LC_ALL=C sort | awk 'NR % 10 == 4')
	expect_exit 0 "$MODSIGN" sign -r file "$KEY" "$CERT"
	# the PIN from the environment; libp11's default module (p11-kit)
	expect_exit 0 env "${P11_ENV[@]}" MODSIGN_PIN=4321 "$MODSIGN" sign -j 2 -r token "$uri" "$CERT"
	diff -r file token >/dev/null || fail "token and file key signatures differ"
	# the PIN and the module in the URI
	expect_exit 0 env -u MODSIGN_PIN "${P11_ENV[@]}" "$MODSIGN" sign -r token2 \
		"$uri?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=4321" "$CERT"
	diff -r file token2 >/dev/null || fail "token (module-path) and file key signatures differ"
	note "pkcs11: $(find file -name '*.ko' | wc -l) modules signed in SoftHSM2 = signed with the key file"
}

test_pkcs11_wrong_pin_touches_nothing() {
	local uri="pkcs11:token=modsign;object=signer;type=private"
	token_and_modules 3
	cp -a d before
	touch -d '2001-01-01' d/*.ko
	expect_exit 1 env "${P11_ENV[@]}" MODSIGN_PIN=1111 "$MODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $uri: wrong PIN: the token refused to log in"
	expect_file_contains "$T/err" "no module was touched"
	expect_exit 1 env "${P11_ENV[@]}" "$MODSIGN" sign -r d "$uri;pin-value=1111" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $uri;pin-value=***: wrong PIN"
	expect_file_lacks "$T/err" "1111"
	# no PIN and no terminal (setsid: a session without one)
	expect_exit 1 setsid -w env -u MODSIGN_PIN -u KBUILD_SIGN_PIN "${P11_ENV[@]}" "$MODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "no PIN for the token and no terminal to ask on: set MODSIGN_PIN"
	expect_exit 1 env "${P11_ENV[@]}" MODSIGN_PIN=4321 "$MODSIGN" sign -r d "pkcs11:token=modsign;object=nosuchkey;type=private" "$CERT"
	expect_file_contains "$T/err" "no private key at that URI"
	diff -r d before >/dev/null || fail "a module changed"
	[ -z "$(find d -name '*.ko' -newermt '2001-01-02')" ] || fail "a module was rewritten"
	expect_eq "" "$(temps d)" "temporary files"
}

# A key behind a p11-kit server (issue #25): at -j 2 each worker signs
# over its own connection (a copy of p11-kit-client.so, a copy of libp11's
# engine), the notice says so, the bytes are the key file's, and the
# sanitizer build finds no leak or error in loading and freeing the copies.
test_pkcs11_remote_connection_per_worker() {
	local uri="pkcs11:token=modsign;object=signer;type=private"
	local client=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so t=100 group
	[ -e "$client" ] || fail "$client is missing (apt-get install p11-kit-modules)"
	token_and_modules 20
	cp -a d file
	expect_exit 0 "$MODSIGN" sign -r file "$KEY" "$CERT"
	setsid p11-kit server -f --provider /usr/lib/softhsm/libsofthsm2.so -n "$T/p11.sock" \
		"pkcs11:token=modsign" >"$T/server.log" 2>&1 &
	group=$!
	while [ ! -S "$T/p11.sock" ] && [ "$t" -gt 0 ]; do
		t=$((t - 1))
		sleep 0.05
	done
	expect_exit 0 env -u SOFTHSM2_CONF "${P11_ENV[@]}" MODSIGN_PIN=4321 \
		P11_KIT_SERVER_ADDRESS="unix:path=$T/p11.sock" \
		"$MODSIGN" sign -j 2 -r d "$uri?module-path=$client" "$CERT"
	kill -KILL -- "-$group" 2>/dev/null || true
	wait "$group" 2>/dev/null || true
	expect_file_contains "$T/err" "2 connections to the p11-kit server at unix:path=$T/p11.sock, one per worker"
	diff -r file d >/dev/null || fail "the remote token's and the key file's signatures differ"
}

# A %00 in a URI's value (issue #23): libp11 would decode it and cut the
# value at the NUL, so token=tk%00evil would sign with the token "tk". Any
# attribute with one is refused as a usage error, before a PKCS#11 module
# is loaded (a module that does not exist is never reached), and no module
# changes.
test_pkcs11_uri_with_nul_refused() {
	local uri
	make_token tk
	mkdir d
	cp "$(smallest 1)" d/
	cp -a d before
	touch -d '2001-01-01' d/*.ko
	for uri in "pkcs11:token=tk%00evil;object=signer;type=private" \
		"pkcs11:token=tk;object=signer%00;type=private" \
		"pkcs11:token=tk;object=signer;type=private?pin-value=4321%00x" \
		"pkcs11:token=tk;object=signer;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so%00.x"; do
		expect_exit 2 env "${P11_ENV[@]}" MODSIGN_PIN=4321 "$MODSIGN" sign -r d "$uri" "$CERT"
		expect_file_contains "$T/err" "modsign: ERROR: sign: the key's pkcs11: URI has %00 (a NUL byte) in the value of"
		expect_file_lacks "$T/err" "4321"
		# before any PKCS#11 module is loaded
		expect_exit 2 env "${P11_ENV[@]}" MODSIGN_PIN=4321 MODSIGN_PKCS11_MODULE=/nonexistent.so \
			"$MODSIGN" sign -r d "$uri" "$CERT"
		expect_file_contains "$T/err" "has %00 (a NUL byte)"
	done
	expect_file_contains "$T/err" "in the value of module-path="
	diff -r d before >/dev/null || fail "a module changed"
	[ -z "$(find d -name '*.ko' -newermt '2001-01-02')" ] || fail "a module was rewritten"
	# the same token, named without the NUL, does sign
	expect_exit 0 env "${P11_ENV[@]}" MODSIGN_PIN=4321 "$MODSIGN" sign -r d "pkcs11:token=tk;object=signer;type=private" "$CERT"
}

# No PIN given, but a terminal: libp11 asks on it, with echo off.
test_pkcs11_pin_asked_on_a_terminal() {
	local uri="pkcs11:token=modsign;object=signer;type=private"
	token_and_modules 2
	# expect(1) gives modsign a terminal, waits for the question, answers
	cat >pin.exp <<'EOF'
set timeout 60
spawn -noecho {*}$argv
expect {
	-re {PIN[^\r\n]*:} {}
	timeout { puts "no PIN prompt"; exit 3 }
	eof { puts "ended without asking for the PIN"; exit 3 }
}
# the question is out; the terminal's echo goes off right after it
sleep 0.5
send "4321\r"
expect eof
exit [lindex [wait] 3]
EOF
	expect_exit 0 env -u MODSIGN_PIN -u KBUILD_SIGN_PIN "${P11_ENV[@]}" \
		expect -f pin.exp "$MODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/out" "modsign: 2 signed, 0 skipped, 0 failed"
	expect_file_lacks "$T/out" "4321"
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" -r d
}

# ---- PKCS#11 through OpenSSL's pkcs11 provider ----

# pkcs11-provider opens the PKCS#11 module with dlopen(RTLD_DEEPBIND),
# which the sanitizer runtime refuses: the provider's tests run the build
# without sanitizers, which `make -C sign check` passes as MODSIGN_NOSAN
# (the same sources; the engine's tests above keep the sanitizers).
PMODSIGN=${MODSIGN_NOSAN:-$MODSIGN}

# provider_dir: the folder of pkcs11-provider's pkcs11.so for
# OPENSSL_MODULES: bookworm-backports' package, unpacked under .cache by
# vm/fetch-debian.sh (Debian 12 has none of its own; never
# installed on the host)
provider_dir() {
	bash "$TOP/vm/fetch-debian.sh" pkcs11-provider ||
		fail "cannot fetch pkcs11-provider (vm/fetch-debian.sh pkcs11-provider)"
}

# The provider finds its PKCS#11 module, the PIN and the key as the engine
# does, and signs the same bytes as the engine and the key file; the route
# is named on stderr. OPENSSL_MODULES points OpenSSL at the provider.
test_pkcs11_provider_equals_engine_and_file_key() {
	local uri="pkcs11:token=modsign;object=signer;type=private" pdir d f
	pdir=$(provider_dir)
	make_token
	mkdir file engine prov prov-mod prov-kbuild prov-auto
	while read -r f; do
		for d in file engine prov prov-mod prov-kbuild prov-auto; do cp "$f" "$d/"; done
	done < <(find "$SHARED/plain" -name '*.ko' | LC_ALL=C sort | awk 'NR % 10 == 4')
	expect_exit 0 "$MODSIGN" sign -r file "$KEY" "$CERT"
	expect_exit 0 env "${P11_ENV[@]}" MODSIGN_PKCS11=engine MODSIGN_PIN=4321 \
		"$MODSIGN" sign -j 2 -r engine "$uri" "$CERT"
	expect_file_contains "$T/err" "modsign: $uri: key in a PKCS#11 token, through libp11's pkcs11 engine"
	# the PIN from the environment, p11-kit's proxy as the module
	expect_exit 0 env "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=provider \
		MODSIGN_PIN=4321 "$PMODSIGN" sign -j 2 -r prov "$uri" "$CERT"
	expect_file_contains "$T/err" "modsign: $uri: key in a PKCS#11 token, through OpenSSL's pkcs11 provider"
	# the PIN and the module in the URI
	expect_exit 0 env -u MODSIGN_PIN "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=provider \
		"$PMODSIGN" sign -j 2 -r prov-mod \
		"$uri?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=4321" "$CERT"
	expect_file_contains "$T/err" "through OpenSSL's pkcs11 provider"
	# the PIN from KBUILD_SIGN_PIN, as modsign took it before the provider
	# (the kernel's provider-based sign-file does not read it)
	expect_exit 0 env -u MODSIGN_PIN "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=provider \
		KBUILD_SIGN_PIN=4321 "$PMODSIGN" sign -r prov-kbuild "$uri" "$CERT"
	# by default, the provider wherever it loads
	expect_exit 0 env "${P11_ENV[@]}" MODSIGN_PKCS11=auto OPENSSL_MODULES="$pdir" \
		MODSIGN_PIN=4321 "$PMODSIGN" sign -r prov-auto "$uri" "$CERT"
	expect_file_contains "$T/err" "through OpenSSL's pkcs11 provider"
	for d in engine prov prov-mod prov-kbuild prov-auto; do
		diff -r file "$d" >/dev/null || fail "$d: the signatures differ from the key file's"
	done
	note "pkcs11 provider: $(find file -name '*.ko' | wc -l) modules signed through pkcs11-provider = through the engine = with the key file"
}

# A wrong PIN is refused with the same words as on the engine path (no
# second login through the engine), and nothing is touched; a wrong object
# is told from a wrong PIN.
test_pkcs11_provider_wrong_pin_touches_nothing() {
	local uri="pkcs11:token=modsign;object=signer;type=private" pdir
	pdir=$(provider_dir)
	token_and_modules 3
	cp -a d before
	touch -d '2001-01-01' d/*.ko
	expect_exit 1 env "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=auto MODSIGN_PIN=1111 \
		"$PMODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $uri: wrong PIN: the token refused to log in"
	expect_file_contains "$T/err" "no module was touched"
	expect_exit 1 env "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=provider "$PMODSIGN" sign -r d "$uri;pin-value=1111" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $uri;pin-value=***: wrong PIN"
	expect_file_lacks "$T/err" "1111"
	expect_exit 1 env "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" MODSIGN_PKCS11=provider MODSIGN_PIN=4321 \
		"$PMODSIGN" sign -r d "pkcs11:token=modsign;object=nosuchkey;type=private" "$CERT"
	expect_file_contains "$T/err" "no private key at that URI"
	expect_file_lacks "$T/err" "wrong PIN"
	diff -r d before >/dev/null || fail "a module changed"
	[ -z "$(find d -name '*.ko' -newermt '2001-01-02')" ] || fail "a module was rewritten"
	expect_eq "" "$(temps d)" "temporary files"
}

# Where no provider loads, the engine signs (and says so); with
# MODSIGN_PKCS11=provider, the error says to install pkcs11-provider.
test_pkcs11_no_provider_falls_back_to_engine() {
	local uri="pkcs11:token=modsign;object=signer;type=private"
	token_and_modules 2
	mkdir empty
	expect_exit 0 env "${P11_ENV[@]}" OPENSSL_MODULES="$T/empty" MODSIGN_PKCS11=auto MODSIGN_PIN=4321 \
		"$MODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "through libp11's pkcs11 engine"
	expect_exit 1 env "${P11_ENV[@]}" OPENSSL_MODULES="$T/empty" MODSIGN_PKCS11=provider \
		MODSIGN_PIN=4321 "$PMODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "OpenSSL's pkcs11 provider does not load: install pkcs11-provider"
	expect_exit 1 env "${P11_ENV[@]}" MODSIGN_PKCS11=enigne MODSIGN_PIN=4321 \
		"$MODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/err" "MODSIGN_PKCS11 is 'enigne': use provider, engine or auto"
}

# No PIN given, but a terminal: the provider asks through OpenSSL's UI.
test_pkcs11_provider_pin_asked_on_a_terminal() {
	local uri="pkcs11:token=modsign;object=signer;type=private" pdir
	pdir=$(provider_dir)
	token_and_modules 2
	cat >pin.exp <<'EOF'
set timeout 60
spawn -noecho {*}$argv
expect {
	-re {PIN[^\r\n]*:} {}
	-re {[Pp]ass[^\r\n]*:} {}
	timeout { puts "no PIN prompt"; exit 3 }
	eof { puts "ended without asking for the PIN"; exit 3 }
}
sleep 0.5
send "4321\r"
expect eof
exit [lindex [wait] 3]
EOF
	expect_exit 0 env -u MODSIGN_PIN -u KBUILD_SIGN_PIN "${P11_ENV[@]}" OPENSSL_MODULES="$pdir" \
		MODSIGN_PKCS11=provider expect -f pin.exp "$PMODSIGN" sign -r d "$uri" "$CERT"
	expect_file_contains "$T/out" "modsign: 2 signed, 0 skipped, 0 failed"
	expect_file_contains "$T/out" "through OpenSSL's pkcs11 provider"
	expect_file_lacks "$T/out" "4321"
	expect_exit 0 "$MODSIGN" verify --cert "$CERT" -r d
}

# ---- interruptions ----

# check_tree DIR ORIG: every module below DIR is byte for byte its ORIG or
# verifies; prints how many are signed
check_tree() {
	local dir=$1 orig=$2 f line signed=0 mods
	local -A ok=()
	mapfile -t mods < <(find "$dir" -name '*.ko')
	"$MODSIGN" verify --cert "$CERT" "${mods[@]}" >verify.out 2>&1 || true
	# the modules with an OK line, read in one pass (a grep per module
	# took most of the sigkill test's time)
	while IFS= read -r line; do
		[[ "$line" == "OK "*" (modsign batch test key)" ]] || continue
		line=${line#OK }
		ok[${line% (modsign batch test key)}]=1
	done <verify.out
	for f in "${mods[@]}"; do
		if [ -n "${ok[$f]:-}" ]; then
			signed=$((signed + 1))
		else
			cmp -s "$f" "$orig/${f#"$dir/"}" ||
				fail "$f is neither the original nor validly signed: $(grep -F "$f" verify.out)"
		fi
	done
	echo "$signed"
}

# ---- what others see of a replaced module ----

# A replaced module's old inode stays whole for whoever still holds it:
# another name, an open descriptor.
test_replaced_modules_stay_whole_elsewhere() {
	local mods linked held pid
	plain_tree t
	plain_tree ref
	mapfile -t mods < <(find t -name '*.ko' | LC_ALL=C sort)
	linked=${mods[3]} held=${mods[7]}
	ln "$linked" linked.ko # a second name outside the tree
	sleep 120 3<"$held" &  # a process with the module open
	pid=$!
	expect_exit 0 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	expect_summary "$NPLAIN" 0 0
	cmp -s linked.ko "ref/${linked#t/}" ||
		fail "the other name of $linked no longer holds the original"
	cmp -s "/proc/$pid/fd/3" "ref/${held#t/}" ||
		fail "the process holding $held open no longer reads the original"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	expect_eq "$NPLAIN" "$(check_tree t ref)" "signed"
	expect_eq "" "$(temps t)" "temporary files"
}

test_replaced_modules_pass_nothing_on() {
	local mods before
	plain_tree t
	mapfile -t mods < <(find t -name '*.ko' | LC_ALL=C sort)
	setfattr -n user.modsign_test -v "from ${mods[2]}" "${mods[2]}" ||
		fail "cannot set an extended attribute in $T"
	chmod 0600 "${mods[5]}"
	chmod 0444 "${mods[6]}"
	[ "$(id -u)" != 0 ] || chown nobody:nogroup "${mods[9]}"
	before=$(find t -name '*.ko' -printf '%p %m %u:%g\n' | LC_ALL=C sort)
	expect_exit 0 "$MODSIGN" sign -j 1 -r t "$KEY" "$CERT"
	expect_summary "$NPLAIN" 0 0
	expect_eq "$before" "$(find t -name '*.ko' -printf '%p %m %u:%g\n' | LC_ALL=C sort)" \
		"modes and owners"
	# the module keeps it (writing.sh has the details); no other
	# module may have it
	expect_eq "user.modsign_test=\"from ${mods[2]}\"" \
		"$(getfattr -R -d t 2>/dev/null | grep modsign_test)" \
		"extended attributes after signing"
}

# A new file takes a default ACL from its folder, and a module without
# an ACL of its own has nothing to override it with.
test_replaced_modules_keep_the_folders_acl() {
	local dir n f missing=""
	plain_tree t
	dir=$(find t -name '*.ko' -printf '%h\n' | LC_ALL=C sort -u | tail -n 1)
	n=$(find "$dir" -name '*.ko' | wc -l)
	# default ACL: owner rw, user nobody r, group r, mask r, other r
	setfattr -n system.posix_acl_default \
		-v 0x0200000001000600ffffffff02000400feff000004000400ffffffff10000400ffffffff20000400ffffffff \
		"$dir" || fail "cannot set a default ACL in $T"
	expect_exit 0 "$MODSIGN" sign -j 1 -r t "$KEY" "$CERT"
	expect_summary "$NPLAIN" 0 0
	for f in "$dir"/*.ko; do
		getfattr -n system.posix_acl_access "$f" >/dev/null 2>&1 || missing+=" $f"
	done
	expect_eq "" "$missing" "modules of $dir ($n) without the folder's ACL"
}

test_sigkill_leaves_whole_modules() {
	local start end full ms pct pid signed stale partial=0 line=""
	plain_tree ref
	# how long does a whole run take here (sanitizers make it slower)?
	plain_tree t
	start=$(date +%s%N)
	"$MODSIGN" sign -j 2 -r t "$KEY" "$CERT" >/dev/null || fail "the uninterrupted run failed"
	end=$(date +%s%N)
	full=$(((end - start) / 1000000))
	rm -rf t
	for pct in 5 20 40 60 80; do
		plain_tree t
		ms=$((full * pct / 100))
		"$MODSIGN" sign -j 2 -r t "$KEY" "$CERT" >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		signed=$(check_tree t ref)
		stale=$(temps t | wc -l)
		# the bound of sign/io/batch.c: the group the committer
		# holds, the group being written (64 files each), 1 per
		# worker
		[ "$stale" -le 130 ] || fail "$stale temporary files left at -j 2 (at most 130)"
		[ "$signed" -gt 0 ] && [ "$signed" -lt "$NPLAIN" ] && partial=$((partial + 1))
		line="$line ${ms}ms:$signed signed/$stale stale"
		# temporary files are never taken for modules; the next run
		# removes the stale ones and finishes the job
		expect_exit 0 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
		[ "$stale" == 0 ] || expect_file_contains "$T/out" "removed $stale stale temporary file"
		expect_eq "" "$(temps t)" "temporary files after the next run"
		expect_eq "$NPLAIN" "$(check_tree t ref)" "signed after the next run"
		rm -rf t
	done
	note "SIGKILL during a ${full} ms run of $NPLAIN modules:$line"
	[ "$partial" -gt 0 ] || fail "no kill landed in the middle of a run:$line"
}

# ---- the phases of a batch (write, sync, rename, sync) ----

# under_strace ARGS...: strace ARGS, with LeakSanitizer off in a sanitizer
# build (it cannot run under a tracer: it traces the process itself)
under_strace() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

# A batch syncs in groups, not per module: a sync (fsync, fdatasync,
# syncfs) per module and folder made a 4023-module run wait on the disk
# some 6700 times (issue #25).
test_batch_syncs_in_groups() {
	local syncs
	command -v strace >/dev/null || fail "strace is not installed"
	plain_tree t
	expect_exit 0 under_strace -f -qq -o trace.txt -e trace=fsync,fdatasync,syncfs \
		"$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	expect_file_contains "$T/out" "modsign: $NPLAIN signed, 0 skipped, 0 failed"
	syncs=$(grep -cE '^[0-9]+ +(fsync|fdatasync|syncfs)\(' trace.txt || true)
	note "sync calls for $NPLAIN modules at -j 2: $syncs"
	[ "$syncs" -le $((NPLAIN / 10)) ] ||
		fail "$syncs sync calls for $NPLAIN modules (at most $((NPLAIN / 10))): $(sort trace.txt | uniq -c | sort -rn | sed -n 1,5p)"
	expect_eq "$NPLAIN" "$(check_tree t "$SHARED/plain")" "signed"
}

# kill_at_call SYSCALL WHEN: a run of sign -j 2 over t killed (SIGKILL,
# from strace) when it enters its WHEN-th SYSCALL; prints how many
# temporary files it left
kill_at_call() {
	under_strace -f -qq -o /dev/null -e trace="$1" -e inject="$1:signal=KILL:when=$2" \
		"$MODSIGN" sign -j 2 -r t "$KEY" "$CERT" >kill.out 2>&1 &&
		fail "the run was not killed at $1 number $2: $(cat kill.out)"
	temps t | wc -l
}

# after_kill WHAT: the next run removes what a killed run left and signs
# every module
after_kill() {
	expect_exit 0 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	expect_eq "" "$(temps t)" "temporary files after the next run ($1)"
	expect_eq "$NPLAIN" "$(check_tree t "$SHARED/plain")" "signed after the next run ($1)"
}

# Killed once every new module of the group is written, before the first
# sync: the modules are all the originals, the temporary files are left,
# and the next run removes them.
test_sigkill_before_the_sync() {
	local stale
	command -v strace >/dev/null || fail "strace is not installed"
	plain_tree t
	stale=$(kill_at_call syncfs 1)
	expect_eq 0 "$(check_tree t "$SHARED/plain")" "modules signed when killed before the first sync"
	[ "$stale" -gt 0 ] || fail "no temporary file left by a run killed before its first sync: the files were not all written first"
	note "killed before the first syncfs: $stale temporary files, every module the original"
	after_kill "killed before the sync"
	expect_file_contains "$T/out" "removed $stale stale temporary file"
}

# Killed in the middle of the renames (the new files synced): each module
# is the original or the signed one, never half of one.
test_sigkill_among_the_renames() {
	local stale signed
	command -v strace >/dev/null || fail "strace is not installed"
	plain_tree t
	stale=$(kill_at_call rename 40)
	signed=$(check_tree t "$SHARED/plain")
	if [ "$signed" == 0 ] || [ "$signed" -ge "$NPLAIN" ]; then
		fail "$signed of $NPLAIN signed when killed at the 40th rename"
	fi
	note "killed at the 40th rename: $signed signed, $stale temporary files"
	after_kill "killed among the renames"
}

# Killed at the second sync, the first group's renames made but not yet
# synced: each module is the original or the signed one, and the next
# run finishes.
test_sigkill_at_the_second_sync() {
	local stale signed
	command -v strace >/dev/null || fail "strace is not installed"
	plain_tree t
	stale=$(kill_at_call syncfs 2)
	signed=$(check_tree t "$SHARED/plain")
	[ "$signed" -gt 0 ] || fail "nothing renamed before the second sync"
	note "killed at the second syncfs: $signed signed, $stale temporary files"
	after_kill "killed at the second sync"
}

# A sync that fails (EIO, from strace) before the renames fails the
# group's modules, which stay the originals with no temporary file left;
# after the renames, the modules are signed but the run says the crash
# may bring the old ones back. Either way the run exits 1 and the next
# run finishes.
test_sync_error_fails_the_group() {
	local failed signed
	command -v strace >/dev/null || fail "strace is not installed"
	plain_tree t
	expect_exit 1 under_strace -f -qq -o /dev/null -e trace=syncfs \
		-e inject=syncfs:error=EIO:when=1 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	expect_file_contains "$T/err" "cannot sync its file system: Input/output error; the module is unchanged"
	failed=$(grep -c "the module is unchanged" "$T/err" || true)
	signed=$(check_tree t "$SHARED/plain")
	expect_eq "$NPLAIN" "$((failed + signed))" "failed ($failed) and signed ($signed) modules"
	expect_file_contains "$T/out" "modsign: $signed signed, 0 skipped, $failed failed"
	expect_eq "" "$(temps t)" "temporary files after a failed sync"
	rm -rf t
	plain_tree t
	expect_exit 1 under_strace -f -qq -o /dev/null -e trace=syncfs \
		-e inject=syncfs:error=EIO:when=2 "$MODSIGN" sign -j 2 -r t "$KEY" "$CERT"
	expect_file_contains "$T/err" "it is signed, but a crash may bring the old module back: run the same command again"
	expect_eq "$NPLAIN" "$(check_tree t "$SHARED/plain")" "signed when the sync after the renames failed"
	expect_eq "" "$(temps t)" "temporary files after a failed second sync"
	after_kill "a failed sync"
}

test_sigterm_stops_cleanly() {
	local pid signed n=0
	plain_tree ref
	plain_tree t
	touch start.mark
	# (a shell starts background jobs with SIGINT ignored: SIGTERM it is)
	"$MODSIGN" sign -j 1 -r t "$KEY" "$CERT" >out 2>err &
	pid=$!
	# No timing guess (a guess failed under load): wait for the first
	# module the run replaced, freeze the run there, signal it, let it go.
	until [ -n "$(find t -name '*.ko' -newer start.mark -print -quit)" ]; do
		n=$((n + 1))
		if [ "$n" -ge 6000 ] || ! kill -0 "$pid" 2>/dev/null; then
			fail "no module replaced within 60 s, or the run ended first: $(cat out err)"
		fi
		sleep 0.01
	done
	kill -STOP "$pid"
	kill -TERM "$pid"
	kill -CONT "$pid"
	wait "$pid" && fail "a run sent SIGTERM exited 0: $(cat out)"
	signed=$(check_tree t ref)
	if [ "$signed" == 0 ] || [ "$signed" -ge "$NPLAIN" ]; then
		fail "$signed of $NPLAIN signed: the signal did not land in the middle of the run"
	fi
	expect_eq "" "$(temps t)" "temporary files after SIGTERM"
	expect_file_contains out "not started (interrupted)"
	note "SIGTERM after the first module: $signed of $NPLAIN signed, the rest untouched, no temporary file"
}

# ---- the terminal ----

test_progress_only_on_a_terminal() {
	local i
	mkdir t
	# eight copies of the modules: the run must outlast a few refreshes
	# of the line (every 0.25 s), however fast the machine is
	for i in 1 2 3 4 5 6 7 8; do
		plain_tree "t/$i"
	done
	plain_tree u
	# a terminal: script(1) gives modsign a pseudo-terminal
	MODSIGN_PROGRESS_AFTER=0 script -qec \
		"'$MODSIGN' sign -j 1 -r t '$KEY' '$CERT'" /dev/null >tty.out ||
		fail "modsign under script failed: $(tail -c 300 tty.out)"
	grep -qa "modsign: signing [0-9]*/$((8 * NPLAIN))" tty.out || fail "no progress line on a terminal: $(head -c 300 tty.out)"
	grep -qa "modules/s, [0-9]* s left" tty.out || fail "no rate or time left: $(head -c 300 tty.out)"
	grep -qa "modsign: $((8 * NPLAIN)) signed, 0 skipped, 0 failed" tty.out || fail "no summary on a terminal"
	# not a terminal: no progress line, only the summary
	MODSIGN_PROGRESS_AFTER=0 "$MODSIGN" sign -j 1 -r u "$KEY" "$CERT" >out 2>err
	expect_eq "" "$(cat err)" "stderr when not a terminal"
	expect_eq "modsign: $NPLAIN signed, 0 skipped, 0 failed" "$(sed 's/ (.*//' out)" "stdout"
}

run_tests "$@"
