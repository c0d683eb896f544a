#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command tests for sign/modsign, against Debian's real 6.1 modules.
#
#   tests/modsign/modsign.sh [NAME...]   run all tests, or the named ones
#   (tests/modsign/run.sh runs this file; the suite is named after it)
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build). The kernel package comes from
# vm/fetch-debian.sh (downloaded once, cached). Keys are made here, at
# test time, in a temporary folder that is removed at exit: none is ever
# committed. Timings go to standard output as `# time: ...` lines.
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tools "$SIGN_FILE" openssl modinfo xz perl

# A work area shared by all tests of this run: module lists, the kernel's
# built-in certificate, two throwaway key pairs.
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-run.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
export SHARED
find "$MODDIR" -name '*.ko' | LC_ALL=C sort >"$SHARED/all.list"
# Deterministic samples spread over the whole tree.
awk 'NR % 20 == 1' "$SHARED/all.list" >"$SHARED/sample200.list"
awk 'NR % 13 == 7' "$SHARED/all.list" >"$SHARED/sample300.list"
# The smallest modules, for tests that make many copies.
find "$MODDIR" -name '*.ko' -printf '%s %p\n' | sort -n | sed -n '1,40p' |
	cut -d' ' -f2- >"$SHARED/small.list"

# Two key pairs (make_pair: common.sh), each certificate also as NAME.pem.
make_pair A "modsign test key A"
make_pair B "modsign test key B"
for k in A B; do
	openssl x509 -inform DER -in "$SHARED/$k.der" -out "$SHARED/$k.pem"
done
A_KEY=$SHARED/A.key A_DER=$SHARED/A.der A_PEM=$SHARED/A.pem
B_KEY=$SHARED/B.key B_DER=$SHARED/B.der B_PEM=$SHARED/B.pem

# ---- helpers ----

# file_size FILE
file_size() {
	stat -c %s "$1"
}

# sig_len FILE: the trailer's big-endian sig_len, read independently of
# modsign with od.
sig_len() {
	local n
	n=$(file_size "$1")
	od -An -tu1 -j $((n - 32)) -N4 "$1" |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'
}

# unsigned_copy SRC DST: the module bytes of SRC, without its signature
unsigned_copy() {
	local n l
	n=$(file_size "$1")
	l=$(sig_len "$1")
	head -c $((n - 40 - l)) "$1" >"$2"
}

# first_small [N]: the Nth smallest module (default 1)
first_small() {
	sed -n "${1:-1}p" "$SHARED/small.list"
}

# poke FILE OFFSET: change one byte (add 1 to it) at OFFSET
poke() {
	local old new
	old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	new=$(((old + 1) % 256))
	# shellcheck disable=SC2059
	printf "\\$(printf %03o "$new")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# put_bytes FILE OFFSET OCTAL...: write bytes (printf octal escapes)
put_bytes() {
	local f=$1 off=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$(printf '\\%s' "$@")" |
		dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# serial_colon CERT.der: the serial number as modinfo prints it
serial_colon() {
	openssl x509 -inform DER -in "$1" -noout -serial |
		sed 's/^serial=//; s/../&:/g; s/:$//'
}

# skid_colon CERT.der: the subject key identifier, colon separated, upper
skid_colon() {
	openssl x509 -inform DER -in "$1" -noout -ext subjectKeyIdentifier |
		sed -n '2p' | tr -d ' ' | tr '[:lower:]' '[:upper:]'
}

# json_field FIELD: the value of "FIELD" in each JSON line on stdin
json_field() {
	sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\)\"\\{0,1\\}[,}].*/\\1/p"
}

# ---- command line ----

test_help_and_usage() {
	expect_exit 0 "$MODSIGN" --help
	for c in info verify sign strip; do
		expect_file_contains "$T/out" "  $c "
	done
	for c in info verify sign strip; do
		expect_exit 0 "$MODSIGN" "$c" --help
		expect_file_contains "$T/out" "Usage: modsign $c"
	done
	expect_exit 2 "$MODSIGN"
	expect_exit 2 "$MODSIGN" frobnicate
	expect_file_contains "$T/err" "modsign: ERROR: unknown command 'frobnicate'"
	expect_exit 2 "$MODSIGN" info
	expect_file_contains "$T/err" "modsign: ERROR: info: no module given"
	expect_exit 2 "$MODSIGN" info --bogus x.ko
	expect_file_contains "$T/err" "unknown option '--bogus'"
	expect_exit 2 "$MODSIGN" verify x.ko
	expect_file_contains "$T/err" "no certificate given"
	expect_exit 2 "$MODSIGN" verify --cert
	expect_file_contains "$T/err" "needs a value"
	expect_exit 2 "$MODSIGN" sign "$A_KEY" "$A_DER"
	expect_exit 2 "$MODSIGN" sign --hash md5 "$A_KEY" "$A_DER" x.ko
	expect_file_contains "$T/err" "unknown hash 'md5'"
	expect_exit 2 "$MODSIGN" strip
	expect_exit 0 "$MODSIGN" --version
}

# ---- sign, verify, strip ----

test_sign_verify_round_trip() {
	local m
	m=$(first_small 3)
	unsigned_copy "$m" mod.ko
	cp mod.ko orig.ko
	expect_exit 0 "$MODSIGN" sign "$A_KEY" "$A_DER" mod.ko
	expect_exit 0 "$MODSIGN" verify --cert "$A_DER" mod.ko
	expect_eq "OK mod.ko (modsign test key A)" "$(cat "$T/out")" "verify output"
	expect_exit 0 "$MODSIGN" verify --cert "$A_PEM" mod.ko
	# what info says is what modinfo says, and what the certificate says
	expect_exit 0 "$MODSIGN" info --json mod.ko
	expect_eq "modsign test key A" "$(json_field signer <"$T/out")" signer
	expect_eq "$(serial_colon "$A_DER")" "$(json_field sig_key <"$T/out")" sig_key
	expect_eq "-" "$(json_field sig_skid <"$T/out")" sig_skid
	expect_eq sha256 "$(json_field sig_hashalgo <"$T/out")" sig_hashalgo
	expect_eq "$(file_size orig.ko)" "$(json_field module_len <"$T/out")" module_len
	expect_eq "$(modinfo -F signer mod.ko)" "$(json_field signer <"$T/out")" "modinfo signer"
	expect_eq "$(modinfo -F sig_key mod.ko)" "$(json_field sig_key <"$T/out")" "modinfo sig_key"
	# another key's certificate does not verify it
	expect_exit 1 "$MODSIGN" verify --cert "$B_DER" mod.ko
	expect_file_contains "$T/out" "FAIL mod.ko: unknown key"
	# and strip gives back the very bytes that were signed
	expect_exit 0 "$MODSIGN" strip mod.ko
	cmp orig.ko mod.ko || fail "strip did not restore the module"
}

test_sign_file_identity() {
	local n=0 same=0 f start end
	mkdir -p a b
	while read -r m; do
		n=$((n + 1))
		cp "$m" "a/$n.ko"
	done <"$SHARED/sample300.list"
	# strip Debian's signature with modsign, then sign two copies
	(cd a && "$MODSIGN" strip -- *.ko) >/dev/null || fail "modsign strip failed"
	cp -p a/*.ko b/
	start=$(date +%s%N)
	for f in a/*.ko; do
		"$SIGN_FILE" sha256 "$A_KEY" "$A_DER" "$f" || fail "sign-file failed on $f"
	done
	end=$(date +%s%N)
	note "time: sign-file on $n modules: $(((end - start) / 1000000)) ms"
	start=$(date +%s%N)
	(cd b && "$MODSIGN" sign "$A_KEY" "$A_DER" -- *.ko) || fail "modsign sign failed"
	end=$(date +%s%N)
	note "time: modsign sign on $n modules: $(((end - start) / 1000000)) ms"
	for f in a/*.ko; do
		cmp -s "$f" "b/${f#a/}" && same=$((same + 1))
	done
	note "sign-file identity: $same of $n modules byte-identical"
	expect_eq "$n" "$same" "modules identical to sign-file's"
	[ "$n" -ge 300 ] || fail "only $n modules in the sample"
}

test_sign_file_identity_sha384_sha512() {
	local h n f same
	for h in sha384 sha512; do
		mkdir -p "$h/a" "$h/b"
		n=0
		while read -r m; do
			n=$((n + 1))
			unsigned_copy "$m" "$h/a/$n.ko"
		done < <(head -n 25 "$SHARED/sample200.list")
		cp "$h"/a/*.ko "$h/b/"
		for f in "$h"/a/*.ko; do
			"$SIGN_FILE" "$h" "$A_KEY" "$A_DER" "$f"
		done
		"$MODSIGN" sign --hash "$h" "$A_KEY" "$A_DER" "$h"/b/*.ko
		same=0
		for f in "$h"/a/*.ko; do
			cmp -s "$f" "$h/b/${f#"$h"/a/}" && same=$((same + 1))
		done
		expect_eq "$n" "$same" "$h modules identical to sign-file's"
		expect_exit 0 "$MODSIGN" verify --cert "$A_DER" "$h"/b/*.ko
		expect_exit 0 "$MODSIGN" info --json "$h/b/1.ko"
		expect_eq "$h" "$(json_field sig_hashalgo <"$T/out")" "hash"
		expect_eq "$(modinfo -F sig_hashalgo "$h/b/1.ko")" "$h" "modinfo's hash"
	done
}

test_sign_with_der_and_encrypted_keys() {
	local m
	m=$(first_small 5)
	unsigned_copy "$m" pem.ko
	cp pem.ko der.ko
	cp pem.ko enc.ko
	cp pem.ko orig.ko
	openssl pkcs8 -topk8 -nocrypt -in "$A_KEY" -outform DER -out key.der
	openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret \
		-in "$A_KEY" -out key.enc.pem
	"$MODSIGN" sign "$A_KEY" "$A_PEM" pem.ko
	expect_exit 0 "$MODSIGN" sign key.der "$A_DER" der.ko
	cmp pem.ko der.ko || fail "a DER key signed differently"
	expect_exit 1 env -u KBUILD_SIGN_PIN "$MODSIGN" sign key.enc.pem "$A_DER" enc.ko
	expect_file_contains "$T/err" "modsign: ERROR: key.enc.pem: "
	cmp orig.ko enc.ko || fail "a failed key load touched the module"
	expect_exit 0 env KBUILD_SIGN_PIN=s3cret "$MODSIGN" sign key.enc.pem "$A_DER" enc.ko
	cmp pem.ko enc.ko || fail "an encrypted key signed differently"
}

test_sign_replaces_existing_signature() {
	local m
	m=$(first_small 7)
	cp "$m" debian.ko
	unsigned_copy "$m" plain.ko
	"$SIGN_FILE" sha256 "$A_KEY" "$A_DER" plain.ko
	expect_exit 0 "$MODSIGN" sign "$A_KEY" "$A_DER" debian.ko
	cmp plain.ko debian.ko || fail "signing a signed module is not the same as signing it unsigned"
	expect_exit 0 "$MODSIGN" info --json debian.ko
	expect_file_contains "$T/out" '"signatures":1,'
}

test_stacked_signatures() {
	local m
	m=$(first_small 9)
	unsigned_copy "$m" base.ko
	cp base.ko once.ko
	"$SIGN_FILE" sha256 "$A_KEY" "$A_DER" once.ko
	cp once.ko twice.ko
	"$SIGN_FILE" sha256 "$B_KEY" "$B_DER" twice.ko # sign-file stacks
	expect_exit 0 "$MODSIGN" info twice.ko
	expect_file_contains "$T/out" "yes (2 signatures)"
	expect_file_contains "$T/out" "modsign test key B"
	expect_exit 0 "$MODSIGN" info --json twice.ko
	expect_file_contains "$T/out" '"signatures":2,"stacked":true'
	# the kernel checks the outermost signature, over everything before it
	expect_exit 0 "$MODSIGN" verify --cert "$B_DER" twice.ko
	expect_exit 1 "$MODSIGN" verify --cert "$A_DER" twice.ko
	cp twice.ko strip1.ko
	cp twice.ko stripall.ko
	cp twice.ko resign.ko
	expect_exit 0 "$MODSIGN" strip strip1.ko
	cmp once.ko strip1.ko || fail "strip removed more than the outer signature"
	expect_exit 0 "$MODSIGN" strip --all stripall.ko
	cmp base.ko stripall.ko || fail "strip --all did not restore the module"
	expect_exit 0 "$MODSIGN" sign "$A_KEY" "$A_DER" resign.ko
	cmp once.ko resign.ko || fail "sign did not replace both signatures"
}

test_strip_restores_original() {
	local n=0 m
	mkdir -p s
	while read -r m; do
		n=$((n + 1))
		cp "$m" "s/$n.ko"
		unsigned_copy "$m" "s/$n.want"
	done < <(head -n 50 "$SHARED/sample200.list")
	(cd s && "$MODSIGN" strip -- *.ko) || fail "strip failed"
	for m in s/*.ko; do
		cmp "$m" "${m%.ko}.want" || fail "$m is not the module before signing"
	done
	# a module signed by sign-file, stripped, is the module it started as
	unsigned_copy "$(first_small 2)" x.ko
	cp x.ko x.orig
	"$SIGN_FILE" sha256 "$A_KEY" "$A_DER" x.ko
	"$MODSIGN" strip x.ko
	cmp x.orig x.ko || fail "strip after sign-file"
}

test_strip_unsigned_module() {
	local before
	unsigned_copy "$(first_small 4)" plain.ko
	cp plain.ko orig.ko
	before=$(stat -c %y plain.ko)
	expect_exit 0 "$MODSIGN" strip plain.ko
	expect_file_contains "$T/out" "plain.ko: not signed, left unchanged"
	cmp orig.ko plain.ko || fail "the unsigned module changed"
	expect_eq "$before" "$(stat -c %y plain.ko)" "mtime"
}

test_mode_symlink_and_no_leftovers() {
	mkdir d
	unsigned_copy "$(first_small 6)" d/real.ko
	chmod 0640 d/real.ko
	ln -s real.ko d/link.ko
	expect_exit 0 "$MODSIGN" sign "$A_KEY" "$A_DER" d/link.ko
	[ -L d/link.ko ] || fail "the symbolic link was replaced by a file"
	expect_eq 640 "$(stat -c %a d/real.ko)" "mode after sign"
	expect_exit 0 "$MODSIGN" verify --cert "$A_DER" d/real.ko
	expect_exit 0 "$MODSIGN" strip d/real.ko
	expect_eq 640 "$(stat -c %a d/real.ko)" "mode after strip"
	expect_eq "link.ko real.ko" "$(cd d && echo *)" "files in the folder"
	expect_eq "" "$(cd d && find . -name '.*modsign*')" "temporary files left"
}

test_mismatched_key_refused() {
	local m before
	m=$(first_small 8)
	mkdir d
	cp "$m" d/mod.ko
	cp d/mod.ko orig.ko
	before=$(stat -c %y d/mod.ko)
	expect_exit 1 "$MODSIGN" sign "$B_KEY" "$A_DER" d/mod.ko
	expect_file_contains "$T/err" "modsign: ERROR: $B_KEY: the private key does not match the certificate $A_DER"
	expect_file_contains "$T/err" "no module was touched"
	cmp orig.ko d/mod.ko || fail "the module changed"
	expect_eq "$before" "$(stat -c %y d/mod.ko)" "mtime"
	expect_eq "mod.ko" "$(ls -A d)" "files in the folder"
}

# ---- verify: failures and their reasons ----

test_verify_failure_reasons() {
	local m n l
	m=$(first_small 10)
	unsigned_copy "$m" unsigned.ko
	cp unsigned.ko good.ko
	"$MODSIGN" sign "$A_KEY" "$A_DER" good.ko
	n=$(file_size good.ko)
	l=$(sig_len good.ko)
	cp good.ko content.ko
	poke content.ko 1000 # a byte of the module
	cp good.ko sigval.ko
	poke sigval.ko $((n - 40 - 20)) # a byte of the RSA signature value
	head -c $((n - 10)) good.ko >cut10.ko
	head -c $((n - 100)) good.ko >cut100.ko
	cp unsigned.ko foreign.ko
	"$MODSIGN" sign "$B_KEY" "$B_DER" foreign.ko
	expect_exit 1 "$MODSIGN" verify --cert "$A_DER" good.ko content.ko \
		sigval.ko cut10.ko cut100.ko foreign.ko unsigned.ko
	expect_file_contains "$T/out" "OK good.ko (modsign test key A)"
	expect_file_contains "$T/out" "FAIL content.ko: digest mismatch"
	expect_file_contains "$T/out" "FAIL sigval.ko: bad signature"
	expect_file_contains "$T/out" "FAIL cut10.ko: damaged trailer: truncated trailer"
	expect_file_contains "$T/out" "FAIL cut100.ko: damaged trailer"
	expect_file_contains "$T/out" "FAIL foreign.ko: unknown key: signed by issuer CN=modsign test key B"
	expect_file_contains "$T/out" "FAIL unsigned.ko: unsigned"
	expect_eq 7 "$(wc -l <"$T/out")" "one line per module"
	[ "$l" -gt 0 ]
}

test_verify_several_certificates() {
	unsigned_copy "$(first_small 11)" mod.ko
	"$MODSIGN" sign "$A_KEY" "$A_DER" mod.ko
	expect_exit 0 "$MODSIGN" verify --cert "$B_DER" --cert "$A_PEM" mod.ko
	cat "$B_PEM" "$A_PEM" >bundle.pem
	expect_exit 0 "$MODSIGN" verify --cert bundle.pem mod.ko
	cat "$B_DER" "$A_DER" >bundle.der
	expect_exit 0 "$MODSIGN" verify --cert bundle.der mod.ko
	echo "not a certificate" >bad.pem
	expect_exit 1 "$MODSIGN" verify --cert bad.pem mod.ko
	expect_file_contains "$T/err" "modsign: ERROR: bad.pem: not a certificate"
}

test_skid_signer() {
	# A CMS signature naming its key by subject key identifier (what
	# sign-file -k makes), built with openssl and a trailer from printf.
	local n l
	unsigned_copy "$(first_small 12)" mod.ko
	cp mod.ko orig.ko
	openssl cms -sign -binary -noattr -nocerts -nosmimecap -keyid -md sha256 \
		-in mod.ko -signer "$A_PEM" -inkey "$A_KEY" -outform DER -out sig.der
	l=$(file_size sig.der)
	cat sig.der >>mod.ko
	printf '\0\0\2\0\0\0\0\0' >>mod.ko
	put_bytes mod.ko "$(file_size mod.ko)" \
		"$(printf %03o $((l >> 24 & 255)))" "$(printf %03o $((l >> 16 & 255)))" \
		"$(printf %03o $((l >> 8 & 255)))" "$(printf %03o $((l & 255)))"
	printf '~Module signature appended~\n' >>mod.ko
	n=$(file_size mod.ko)
	expect_eq $(($(file_size orig.ko) + l + 40)) "$n" "length"
	expect_exit 0 "$MODSIGN" info --json mod.ko
	expect_eq "$(skid_colon "$A_DER")" "$(json_field sig_skid <"$T/out")" sig_skid
	expect_eq "-" "$(json_field sig_key <"$T/out")" sig_key
	expect_exit 0 "$MODSIGN" verify --cert "$A_DER" mod.ko
	expect_exit 1 "$MODSIGN" verify --cert "$B_DER" mod.ko
	expect_file_contains "$T/out" "unknown key: signed by subject key id"
}

# ---- bad input: every subcommand says what is wrong, never crashes ----

# bad_case NAME FRAGMENT CMDS: NAME is in $T; each command in CMDS must exit
# 1 with "modsign: ERROR: NAME: ...FRAGMENT" and leave NAME as it was.
bad_case() {
	local f=$1 what=$2 cmds=$3 c
	cp "$f" "$f.orig"
	for c in $cmds; do
		case $c in
		info) expect_exit 1 "$MODSIGN" info "$f" ;;
		json) expect_exit 1 "$MODSIGN" info --json "$f" ;;
		verify) expect_exit 1 "$MODSIGN" verify --cert "$A_DER" "$f" ;;
		strip) expect_exit 1 "$MODSIGN" strip "$f" ;;
		sign) expect_exit 1 "$MODSIGN" sign "$A_KEY" "$A_DER" "$f" ;;
		esac
		expect_file_contains "$T/err" "modsign: ERROR: $f: "
		expect_file_contains "$T/err" "$what"
		[ "$c" != json ] || expect_file_contains "$T/out" '"error":"'
		cmp -s "$f" "$f.orig" || fail "$c changed $f"
	done
}

test_bad_input_messages() {
	local m n all="info json verify strip sign"
	m=$(first_small 13)
	cp "$m" signed.ko
	n=$(file_size signed.ko)

	: >empty.ko
	bad_case empty.ko "empty file" "$all"
	echo "hello, world" >text.ko
	bad_case text.ko "not an ELF file" "$all"
	printf '~Module signature appended~\n' >magiconly.ko
	bad_case magiconly.ko "truncated trailer" "$all"
	head -c $((n - 5)) signed.ko >cut.ko
	bad_case cut.ko "truncated trailer" "$all"
	cp signed.ko siglen.ko
	put_bytes siglen.ko $((n - 32)) 377 377 377 377
	bad_case siglen.ko "sig_len larger than the file" "$all"
	cp signed.ko magic.ko
	poke magic.ko $((n - 3))
	bad_case magic.ko "wrong magic" "$all"
	cp signed.ko idtype.ko
	put_bytes idtype.ko $((n - 38)) 001
	bad_case idtype.ko "id type is not PKCS#7" "$all"
	cp signed.ko nonzero.ko
	put_bytes nonzero.ko $((n - 35)) 001
	bad_case nonzero.ko "non-zero fields" "$all"
	# garbage DER inside a well-formed trailer: info and verify say so;
	# strip and sign may drop the blob (the module bytes are intact)
	cp signed.ko der.ko
	put_bytes der.ko $((n - 40 - $(sig_len signed.ko))) 000
	bad_case der.ko "garbage DER" "info json verify"
	mkdir folder.ko
	expect_exit 1 "$MODSIGN" info folder.ko
	expect_file_contains "$T/err" "modsign: ERROR: folder.ko: not a regular file"
	expect_exit 1 "$MODSIGN" info missing.ko
	expect_file_contains "$T/err" "modsign: ERROR: missing.ko: cannot open"
}

test_trailer_every_byte_changed() {
	# Every byte of a real trailer (PKCS#7 blob, info block, magic), each
	# changed two ways: no copy may verify, none may crash modsign.
	local m n l from count
	m=$(first_small 1)
	cp "$m" mod.ko
	n=$(file_size mod.ko)
	l=$(sig_len mod.ko)
	from=$((n - 40 - l))
	mkdir flips
	perl -e '
		my ($file, $from) = @ARGV;
		open(my $in, "<:raw", $file) or die;
		local $/; my $d = <$in>;
		for my $i ($from .. length($d) - 1) {
			for my $x (0x01, 0x80) {
				my $c = $d;
				substr($c, $i, 1) = chr(ord(substr($c, $i, 1)) ^ $x);
				open(my $out, ">:raw", "flips/$i-$x.ko") or die;
				print $out $c; close($out);
			}
		}' mod.ko "$from"
	count=$(find flips -name '*.ko' | wc -l)
	expect_eq $(((n - from) * 2)) "$count" "copies made"
	expect_exit 0 "$MODSIGN" verify --cert "$(builtin_cert "$VMLINUZ")" mod.ko
	(cd flips && find . -name '*.ko' -print0 | xargs -0 "$MODSIGN" verify \
		--cert "$(builtin_cert "$VMLINUZ")" >"$T/flips.out" 2>"$T/flips.err") &&
		fail "verify passed a changed trailer"
	expect_eq 0 "$(grep -c '^OK' "$T/flips.out")" "copies that verified"
	expect_eq "$count" "$(grep -c '^FAIL' "$T/flips.out")" "FAIL lines"
	expect_file_lacks "$T/flips.err" "Sanitizer"
}

# Old signatures (issue #23), as kmod's own test suite has them
# (testsuite/module-playground: dummy.sha1, dummy.sha256): id_type 1
# (X.509), the format of Linux 3.7 to 4.2: [module][signer][key id]
# [signature][struct module_signature][magic], built here with printf.
# info shows what modinfo shows (sig_id, signer, sig_key, sig_hashalgo,
# value for value, text and JSON), says that kernels since 4.3 reject it,
# and exits 0; verify keeps refusing it. The PKCS#7 form against modinfo,
# text and JSON, too.
test_info_shows_legacy_signatures_as_modinfo() {
	local h code f field want got
	unsigned_copy "$(first_small)" plain.ko
	for h in sha1:2 sha256:4 sha512:6; do
		code=${h#*:} h=${h%:*}
		f=legacy-$h.ko
		head -c 514 /dev/urandom >sig.bin
		{
			cat plain.ko
			printf 'Magrathea: Glacier signing key'
			printf '\343\310\374\247\077\263\035\336\204\201\357\070\343\114\336\113\014\375\033\371'
			cat sig.bin
			# algo RSA, hash, id_type 1, signer_len 30, key_id_len 20,
			# pad, sig_len 514 (big endian)
			printf '\001'
			# shellcheck disable=SC2059 # the hash's number as a byte
			printf "\\$(printf %03o "$code")"
			printf '\001\036\024\000\000\000\000\000\002\002'
			printf '~Module signature appended~\n'
		} >"$f"
		if [ "$(modinfo -F sig_id "$f")" != X509 ]; then
			got=$(modinfo "$f" 2>&1) || true
			fail "modinfo does not read $f as an X509 signature: ${got:0:300}"
		fi
		expect_exit 0 "$MODSIGN" info "$f"
		cp "$T/out" info.txt
		for field in sig_id signer sig_key sig_hashalgo; do
			want=$(modinfo -F "$field" "$f")
			got=$(sed -n "s/^$field: *//p" info.txt)
			expect_eq "$want" "$got" "$f: info's $field against modinfo's"
		done
		expect_file_contains info.txt "signed:       yes"
		expect_file_contains info.txt "format:       id_type 1 (X.509), the format of Linux 3.7 to 4.2: rejected by every kernel since 4.3, which takes only PKCS#7 (id_type 2); sign it again"
		expect_exit 0 "$MODSIGN" info --json "$f"
		for field in sig_id signer sig_key sig_hashalgo; do
			expect_eq "$(modinfo -F "$field" "$f")" "$(json_field "$field" <"$T/out")" "$f: JSON $field against modinfo's"
		done
		expect_file_contains "$T/out" '"legacy":true'
		# verify still refuses it
		expect_exit 1 "$MODSIGN" verify --cert "$A_DER" "$f"
		expect_file_contains "$T/err" "id_type 1 (X.509), the kernel takes only 2 (PKCS#7)"
	done
	# PKCS#7: the text form too, field for field with modinfo
	cp plain.ko p7.ko
	expect_exit 0 "$MODSIGN" sign "$A_KEY" "$A_DER" p7.ko
	expect_exit 0 "$MODSIGN" info p7.ko
	for field in sig_id signer sig_key sig_hashalgo; do
		expect_eq "$(modinfo -F "$field" p7.ko)" "$(sed -n "s/^$field: *//p" "$T/out")" "PKCS#7: info's $field against modinfo's"
	done
	expect_file_lacks "$T/out" "format:"
}

# ---- Debian's kernel: agreement with modinfo, the acceptance test ----

test_info_agrees_with_modinfo() {
	local field
	xargs -a "$SHARED/all.list" "$MODSIGN" info --json >info.json ||
		fail "modsign info failed"
	expect_eq "$(wc -l <"$SHARED/all.list")" "$(wc -l <info.json)" "JSON lines"
	for field in signer sig_key sig_hashalgo; do
		xargs -a "$SHARED/all.list" modinfo -F "$field" >"modinfo.$field"
		json_field "$field" <info.json >"modsign.$field"
		cmp "modinfo.$field" "modsign.$field" ||
			fail "$field differs from modinfo: $(diff "modinfo.$field" "modsign.$field" | sed -n '1,4p')"
	done
	expect_eq "$(wc -l <"$SHARED/all.list")" "$(grep -c '"signed":true' info.json)" "signed modules"
	note "info: signer, sig_key, sig_hashalgo agree with modinfo on $(wc -l <info.json) modules"
}

test_verify_all_debian_modules() {
	local cert start end total ok
	cert=$(builtin_cert "$VMLINUZ")
	openssl x509 -inform DER -in "$cert" -noout -subject >subject
	expect_file_contains subject "Build time autogenerated kernel key"
	total=$(wc -l <"$SHARED/all.list")
	start=$(date +%s%N)
	xargs -a "$SHARED/all.list" "$MODSIGN" verify --cert "$cert" >verify.out 2>verify.err ||
		fail "verify failed: $(grep -v '^OK' verify.out | sed -n '1,3p')"
	end=$(date +%s%N)
	ok=$(grep -c '^OK .* (Build time autogenerated kernel key)$' verify.out)
	expect_eq "$total" "$ok" "modules OK"
	expect_eq 0 "$(grep -c '^FAIL' verify.out)" "modules FAIL"
	note "time: verify of all $total Debian $RELEASE modules: $(((end - start) / 1000000)) ms ($ok OK)"
	[ "$total" -ge 4000 ] || fail "only $total modules in $MODDIR"
}

test_one_byte_changed_sample() {
	local cert count
	cert=$(builtin_cert "$VMLINUZ")
	mkdir t
	# t/I.ko: the Ith module of the sample with one byte (add 1 to it)
	# changed, every fourth in the trailer, the others in the module; the
	# trailer's sig_len read here, not by modsign. One perl for the lot
	# (a few processes per module took a minute on a loaded machine).
	count=$(perl -e '
		my @list = map { chomp; $_ } <STDIN>;
		my $i = 0;
		for my $m (@list) {
			$i++;
			open(my $in, "<:raw", $m) or die "$m: $!";
			my $d = do { local $/; <$in> };
			close($in);
			my $n = length($d);
			my $l = unpack("N", substr($d, $n - 32, 4));
			my $pos = $i % 4 == 0
				? $n - 1 - ($i * 37) % ($l + 40)	# in the trailer
				: ($i * 7919 + 13) % ($n - $l - 40);	# in the module
			substr($d, $pos, 1) = chr((ord(substr($d, $pos, 1)) + 1) % 256);
			open(my $out, ">:raw", "t/$i.ko") or die "t/$i.ko: $!";
			print $out $d;
			close($out) or die "t/$i.ko: $!";
		}
		print "$i\n";' <"$SHARED/sample200.list") || fail "cannot make the changed copies"
	[ "$count" -ge 200 ] || fail "only $count modules in the sample"
	(cd t && "$MODSIGN" verify --cert "$cert" -- *.ko >"$T/t.out" 2>"$T/t.err") &&
		fail "verify passed a changed module"
	expect_eq 0 "$(grep -c '^OK' "$T/t.out")" "changed modules that verified"
	expect_eq "$count" "$(grep -c '^FAIL' "$T/t.out")" "FAIL lines"
	note "one byte changed: $count of $count modules FAIL"
}

rc=0
run_tests "$@" || rc=$?
exit "$rc"
