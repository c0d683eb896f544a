#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Command tests for `modsign status`: a fake root per cause (its machine
# files from fakeroot.sh, and a /lib/modules/<release> holding copies of a
# real Debian 6.1 module signed again with throwaway keys by the kernel's
# own scripts/sign-file), the text report's groups, totals and predictions,
# the JSON document (parsed with python3's json) agreeing with the text,
# the exit codes and the option letters, --removing (which modules stop
# loading if a key leaves MOK) and the expiry warnings.
#
#   tests/modsign/status.sh [NAME...]   run all tests, or the named ones
#
# The suite is named after this file: `status: N passed, N failed`. MODSIGN
# names the binary (make -C sign check passes its ASan+UBSan build).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tools "$SIGN_FILE" openssl perl xz zstd gzip python3 setpriv

CN_A="modsign status key A"
CN_B="modsign status key B"
CN_D="DKMS module signing key"

SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-status.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
export SHARED

# pair NAME CN DAYS: make_pair's pair, valid for DAYS days from now (the
# suite's keys for 10 years: within 30 days a key gets an expiry warning)
pair() {
	openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days "$3" \
		-subj "/CN=$2" -addext "subjectKeyIdentifier=hash" \
		-keyout "$SHARED/$1.key" -outform DER -out "$SHARED/$1.der" \
		2>"$SHARED/openssl.log" || suite_error "openssl req: $(cat "$SHARED/openssl.log")"
}

# expired_pair NAME CN: a pair whose certificate expired on 2021-01-31
# (openssl ca sets past dates; req and x509 of OpenSSL 3.0 cannot)
expired_pair() {
	local ca=$SHARED/ca-$1
	mkdir -p "$ca"
	: >"$ca/index.txt"
	echo 01 >"$ca/serial"
	printf '%s\n' '[ca]' 'default_ca = c' '[c]' "database = $ca/index.txt" "new_certs_dir = $ca" \
		"serial = $ca/serial" 'default_md = sha256' 'policy = p' '[p]' 'commonName = supplied' \
		'[ext]' 'subjectKeyIdentifier = hash' >"$ca/ca.cnf"
	if ! {
		openssl req -new -nodes -batch -subj "/CN=$2" -newkey rsa:2048 -keyout "$SHARED/$1.key" \
			-out "$ca/req" &&
			openssl ca -batch -selfsign -config "$ca/ca.cnf" -keyfile "$SHARED/$1.key" \
				-in "$ca/req" -startdate 20200101000000Z -enddate 20210131000000Z \
				-extensions ext -notext -out "$ca/cert" &&
			openssl x509 -in "$ca/cert" -outform DER -out "$SHARED/$1.der"
	} 2>"$ca/log"; then
		suite_error "openssl ca: $(cat "$ca/log")"
	fi
}

pair A "$CN_A" 3650
pair B "$CN_B" 3650
pair D "$CN_D" 3650

DEBIAN_KO=$(find "$MODDIR" -name crc7.ko | sed -n 1p)
[ -n "$DEBIAN_KO" ] || suite_error "no crc7.ko in $MODDIR"
strip_sig "$DEBIAN_KO" "$SHARED/unsigned.ko"
for k in A B D; do
	cp "$SHARED/unsigned.ko" "$SHARED/$k.ko"
	"$SIGN_FILE" sha256 "$SHARED/$k.key" "$SHARED/$k.der" "$SHARED/$k.ko"
done

# ---- helpers ----

# sb_off_root ROOT: booted through UEFI (shim, key A enrolled and loaded),
# Secure Boot off, so no lockdown and sig_enforce N
sb_off_root() {
	sb_root "$1"
	set_secure_boot "$1" 0
	set_lockdown "$1" none
	set_sig_enforce "$1" N
}

# put ROOT SUBDIR NAME KIND: the module signed by KIND (A, B, D, unsigned)
# as ROOT/lib/modules/$RELEASE/SUBDIR/NAME
put() {
	mkdir -p "$1/lib/modules/$RELEASE/$2"
	cp "$SHARED/$4.ko" "$1/lib/modules/$RELEASE/$2/$3"
}

# status CODE ARGS...: modsign status, stdout in $T/out, and kept as the
# latest text report ($T/text) or JSON document ($T/json) for agree
status() {
	local want=$1
	shift
	expect_exit "$want" "$MODSIGN" status "$@"
	case " $* " in
	*" --json "*) cp "$T/out" "$T/json" ;;
	*) cp "$T/out" "$T/text" ;;
	esac
}

# expect_line TEXT: a whole line of $T/out is exactly TEXT
expect_line() {
	grep -qxF -- "$1" "$T/out" || fail "no line '$1' in: $(cat "$T/out")"
}

# json_get EXPR: EXPR (python, d = the document of $T/out) printed
json_get() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = {e["name"]: e for e in d["modules"]}
v = eval(sys.argv[2])
print(*v) if isinstance(v, tuple) else print(v)' "$T/out" "$1" || fail "JSON: $1: $(head -c 600 "$T/out")"
}

# agree: the latest text report and JSON document (of the same machine)
# say the same: each group of modules that will not load (its line, count,
# names and next step), and the number that will
agree() {
	python3 - "$T/text" "$T/json" <<'PY' || fail "text and JSON differ: $(cat "$T/text.agree")"
import json, re, sys
text = open(sys.argv[1]).read().split("\n")
doc = json.load(open(sys.argv[2]))
out = open(sys.argv[1] + ".agree", "w")
groups, order = {}, []
for e in doc["modules"]:
    if e["will_load"] is True:
        continue
    key = (e["message"], e["next"])
    if key not in groups:
        groups[key] = []
        order.append(key)
    groups[key].append(e["name"])
want = [(len(groups[k]), k[0], ", ".join(groups[k]), k[1]) for k in order]
got = []
for i, l in enumerate(text):
    m = re.match(r"^  (\d+) modules?: (.*)$", l)
    if m:
        got.append((int(m.group(1)), m.group(2), text[i + 1][4:],
                    text[i + 2][len("    next step: "):]))
loads = sum(1 for e in doc["modules"] if e["will_load"] is True)
total = [l for l in text if re.match(r"^\d+ modules? will load", l)]
ok = want == got and len(total) == 1 and int(total[0].split()[0]) == loads \
    and doc["summary"]["will_load"] == loads \
    and doc["summary"]["modules"] == len(doc["modules"])
print(want, got, total, loads, file=out)
sys.exit(0 if ok and want else 1)
PY
}

# ---- the causes ----

test_unsigned_rejected() {
	sb_root r
	put r updates u.ko unsigned
	put r kernel a.ko A
	status 1 --root r
	expect_line "  1 module: will be rejected: unsigned"
	expect_line "    u"
	expect_line "    next step: make sign"
	expect_line "1 module will load: 1 signed by a key enrolled in MOK"
	expect_line "modules in /lib/modules/$RELEASE: 2"
	status 1 --root r --json
	expect_eq "False unsigned None /lib/modules/$RELEASE/updates/u.ko" \
		"$(json_get 'm["u"]["will_load"], m["u"]["reason"], m["u"]["signer"], m["u"]["path"]')"
	expect_eq "True trusted-key $CN_A" "$(json_get 'm["a"]["will_load"], m["a"]["reason"], m["a"]["signer"]')"
	agree
}

# Modules signed with an ECDSA key on Debian 12's 6.1 (no
# CONFIG_CRYPTO_ECDSA): status says what check says (issue #25).
test_ecdsa_key_on_a_kernel_without_crypto_ecdsa() {
	local cn="modsign status key EC"
	openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 30 \
		-subj "/CN=$cn" -addext "subjectKeyIdentifier=hash" -keyout "$SHARED/EC.key" -outform DER \
		-out "$SHARED/EC.der" 2>/dev/null || fail "openssl cannot make an EC pair"
	cp "$SHARED/unsigned.ko" "$SHARED/EC.ko"
	"$SIGN_FILE" sha256 "$SHARED/EC.key" "$SHARED/EC.der" "$SHARED/EC.ko"
	sb_root r
	set_moklist r "$SHARED/A.der" "$SHARED/EC.der"
	put r updates e1.ko EC
	put r updates e2.ko EC
	put r kernel a.ko A
	status 1 --root r
	expect_line "  2 modules: will be rejected: signed by $cn with an ECDSA key, which this kernel cannot check (CONFIG_CRYPTO_ECDSA is not set in /boot/config-$RELEASE)"
	expect_line "    e1, e2"
	expect_line "    next step: sign it with an RSA key for this kernel: make keys KEYDIR=<folder> (RSA is the default), make sign KDIR=<this kernel's headers> KEYDIR=<folder>, then make enroll KEYDIR=<folder> and reboot"
	status 1 --root r --json
	expect_eq "False no-ecdsa $cn rejected" \
		"$(json_get 'm["e1"]["will_load"], m["e1"]["reason"], m["e1"]["signer"], m["e1"]["verdict"]')"
	agree
}

test_untrusted_key_rejected() {
	sb_root r
	put r extra b1.ko B
	put r extra b2.ko B
	put r kernel a.ko A
	status 1 --root r
	expect_line "  2 modules: will be rejected: signed by $CN_B, which this kernel does not trust"
	expect_line "    b1, b2"
	expect_line "    next step: make enroll, then reboot and confirm the key in MokManager"
	status 1 --root r --json
	expect_eq "False untrusted-key $CN_B rejected" \
		"$(json_get 'm["b2"]["will_load"], m["b2"]["reason"], m["b2"]["signer"], m["b2"]["verdict"]')"
	agree
}

test_trusted_through_mok() {
	sb_root r
	put r updates a.ko A
	put r kernel/crypto a2.ko A
	status 0 --root r
	expect_line "2 modules will load: 2 signed by a key enrolled in MOK"
	expect_file_lacks "$T/out" "will not load"
	# the keys: the built-in one by its keyring, A by MOK with its expiry
	expect_line "keys trusted for modules (2):"
	expect_line "    Build time autogenerated kernel key, key id 5a1e0c0ffee0ddba11de7ec7ab1e5eed0fab1e00, expiry unknown (no certificate), origin unknown"
	local exp
	exp=$(date -u -d "$(openssl x509 -inform DER -in "$SHARED/A.der" -noout -enddate | cut -d= -f2)" +%F)
	expect_line "    $CN_A, key id $(skid_hex "$SHARED/A.der"), expires $exp, MOK"
	expect_line "  add:         none waiting"
	expect_line "  delete:      none waiting"
	status 0 --root r --json
	expect_eq "['mok'] $exp False" \
		"$(json_get '[k for k in d["machine"]["key_list"] if k["name"] == "'"$CN_A"'"][0]["origins"], [k for k in d["machine"]["key_list"] if k["name"] == "'"$CN_A"'"][0]["expires"], [k for k in d["machine"]["key_list"] if k["name"] == "'"$CN_A"'"][0]["expired"]')"
}

test_pending_enrollment() {
	sb_root r
	set_moknew r "$SHARED/B.der"
	put r updates b.ko B
	put r kernel a.ko A
	status 1 --root r
	expect_line "  1 module: enrollment pending: reboot and confirm in MokManager"
	expect_line "    b"
	expect_line "    next step: reboot and confirm the key in MokManager"
	expect_line "  add:         1 certificate waiting for MokManager"
	expect_file_contains "$T/out" "    $CN_B, key id $(skid_hex "$SHARED/B.der"), expires "
	status 1 --root r --json
	expect_eq "False pending" "$(json_get 'm["b"]["will_load"], m["b"]["verdict"]')"
	expect_eq "$CN_B" "$(json_get 'd["machine"]["mok_pending_add"][0]["name"]')"
	agree
}

test_pending_deletion() {
	sb_root r
	set_mokdel r "$SHARED/A.der"
	put r updates a.ko A
	put r updates u.ko unsigned
	status 1 --root r
	expect_line "  delete:      1 certificate waiting for MokManager"
	expect_file_contains "$T/out" "    $CN_A, key id $(skid_hex "$SHARED/A.der"), expires "
	# it loads now; after the next boot it will not
	expect_line "1 module will load: 1 signed by a key enrolled in MOK"
	expect_line "after the next boot, if the deletion waiting in MokManager is confirmed, this 1 module will stop loading: a"
	status 1 --root r --json
	expect_eq "True True False" \
		"$(json_get 'm["a"]["will_load"], m["a"]["mok_deletion_pending"], m["u"]["mok_deletion_pending"]')"
	expect_eq "$CN_A" "$(json_get 'd["machine"]["mok_pending_delete"][0]["name"]')"
	# no deletion waiting: no such line
	rm "r/sys/firmware/efi/efivars/MokDel-$SHIM_GUID"
	status 1 --root r
	expect_file_lacks "$T/out" "after the next boot"
}

test_tampered() {
	sb_root r
	put r updates t.ko A
	# one byte of the code changed after signing
	printf 'X' | dd of="r/lib/modules/$RELEASE/updates/t.ko" bs=1 seek=200 conv=notrunc status=none
	put r updates a.ko A
	status 1 --root r
	expect_line "  1 module: will be rejected: the signature does not match the module (changed after signing?)"
	expect_line "    t"
	status 1 --root r --json
	expect_eq "False bad-signature $CN_A" "$(json_get 'm["t"]["will_load"], m["t"]["reason"], m["t"]["signer"]')"
	agree
}

test_compressed() {
	sb_root r
	put r extra ax.ko A
	put r extra az.ko A
	put r extra ag.ko A
	put r extra ug.ko unsigned
	xz --check=crc32 --lzma2=dict=1MiB "r/lib/modules/$RELEASE/extra/ax.ko"
	zstd -q --rm "r/lib/modules/$RELEASE/extra/az.ko"
	gzip -n -9 "r/lib/modules/$RELEASE/extra/ag.ko" "r/lib/modules/$RELEASE/extra/ug.ko"
	status 1 --root r
	expect_line "modules in /lib/modules/$RELEASE: 4"
	expect_line "3 modules will load: 3 signed by a key enrolled in MOK"
	expect_line "  1 module: will be rejected: unsigned"
	expect_line "    ug"
	status 1 --root r --json
	expect_eq "xz zstd gzip /lib/modules/$RELEASE/extra/ag.ko.gz" \
		"$(json_get 'm["ax"]["compressed"], m["az"]["compressed"], m["ag"]["compressed"], m["ag"]["path"]')"
	agree
}

# set_kmod ROOT VERSION: dpkg's status file with package kmod VERSION
set_kmod() {
	mkdir -p "$1/var/lib/dpkg"
	printf '%s\n' 'Package: libkmod2' 'Status: install ok installed' 'Version: 88' '' \
		'Package: kmod' 'Status: install ok installed' "Version: $2" >"$1/var/lib/dpkg/status"
}

# A CRC32 .ko.xz (Kbuild's, the kit's) and a CRC64 one (xz's default,
# DKMS 3.0.10's) as kmod 34 on a kernel that decompresses xz loads them
# (Debian 13), as kmod 30 does (Debian 12), and where kmod is unknown.
test_xz_check_by_kmod() {
	local d=r/lib/modules/$RELEASE/updates
	local why="its xz check is not CRC32 (xz's default is CRC64), which the kernel's own xz decoder refuses"
	sb_root r
	put r updates c32.ko A
	put r updates c64.ko A
	xz --check=crc32 --lzma2=dict=1MiB "$d/c32.ko"
	xz --check=crc64 "$d/c64.ko"
	set_kmod r 34.2-2
	echo xz >r/sys/module/compression
	status 1 --root r
	expect_line "  1 module: will be rejected: $why (\"decompression failed with status 6\", Invalid argument), and kmod 34.2-2 (/var/lib/dpkg/status) hands it to the kernel, which decompresses xz modules (/sys/module/compression)"
	expect_line "    c64"
	expect_line "    next step: recompress it with a CRC32 check, as Kbuild does: unxz it, then xz --check=crc32 --lzma2=dict=1MiB the .ko (modsign sign KEY CERT FILE writes it so while signing), and check it again"
	expect_line "1 module will load: 1 signed by a key enrolled in MOK"
	status 1 --root r --json
	expect_eq "False kernel-decoder kernel True kernel 34.2-2 True xz" \
		"$(json_get 'm["c64"]["will_load"], m["c64"]["reason"], m["c64"]["decompressed_by"], m["c32"]["will_load"], m["c32"]["decompressed_by"], d["machine"]["kmod_version"], d["machine"]["module_decompress"], d["machine"]["module_decompress_format"]')"
	agree
	# kmod 30 decompresses both itself
	set_kmod r 30+20221128-1
	status 0 --root r
	expect_line "2 modules will load: 2 signed by a key enrolled in MOK"
	status 0 --root r --json
	expect_eq "True kmod" "$(json_get 'm["c64"]["will_load"], m["c64"]["decompressed_by"]')"
	# no dpkg status (an image tree): the CRC64 one cannot be known to load
	rm r/var/lib/dpkg/status
	status 1 --root r
	expect_line "  1 module: unknown: $why; which kmod loads it is unknown (cannot read /var/lib/dpkg/status: No such file or directory): kmod 31 and later hand it to the kernel, which decompresses it, kmod 30 decompresses it in user space"
	expect_line "    c64"
	status 1 --root r --json
	expect_eq "None decoder-unknown unknown None" \
		"$(json_get 'm["c64"]["will_load"], m["c64"]["reason"], m["c64"]["decompressed_by"], d["machine"]["kmod_version"]')"
	agree
}

# Debian's 7.x layout: the kernel image and config only under
# /usr/lib/modules/R (before linux-base's hook links them into /boot), the
# modules there too, with /lib a link to usr/lib (merged /usr) or absent
# (a tree unpacked from the packages): the same report as with /boot.
test_usr_lib_modules_layout() {
	local debian want
	debian=$(find "$MODDIR" -name crc7.ko | sed -n 1p)
	sb_root b
	rm b/proc/keys # not root: the image decides
	cp "$VMLINUZ" "b/boot/vmlinuz-$RELEASE"
	put b kernel u.ko unsigned
	cp "$debian" "b/lib/modules/$RELEASE/kernel/d.ko"
	status 1 --root b
	want=$(sed -n '/^modules in /,$p' "$T/out")
	grep -qxF "1 module will load: 1 signed by a key built into the kernel" <<<"$want" ||
		fail "the /boot layout: $(cat "$T/out")"
	mkdir -p r/usr/lib
	cp -a b/. r/
	rm -r r/boot
	mv r/lib/modules r/usr/lib/modules
	rmdir r/lib
	cp "$VMLINUZ" "r/usr/lib/modules/$RELEASE/vmlinuz"
	cp "$CONFIG" "r/usr/lib/modules/$RELEASE/config"
	ln -s usr/lib r/lib
	status 1 --root r
	expect_eq "$want" "$(sed -n '/^modules in /,$p' "$T/out")"
	expect_line "  config:      CONFIG_MODULE_SIG=y, CONFIG_MODULE_SIG_FORCE=n, hash sha256 (/usr/lib/modules/$RELEASE/config)"
	status 1 --root r --json
	expect_eq "True /usr/lib/modules/$RELEASE/config" "$(json_get 'm["d"]["will_load"], d["machine"]["config"]')"
	# no /lib at all: the modules are found under /usr/lib/modules
	rm r/lib
	status 1 --root r
	expect_eq "${want//modules in \/lib/modules in \/usr\/lib}" "$(sed -n '/^modules in /,$p' "$T/out")"
}

test_dkms_key() {
	sb_root r
	mkdir -p r/var/lib/dkms
	cp "$SHARED/D.der" r/var/lib/dkms/mok.pub
	put r updates/dkms d1.ko D
	put r updates/dkms d2.ko D
	put r kernel a.ko A
	status 1 --root r
	expect_line "  2 modules: will be rejected: signed by $CN_D (DKMS's own key), which this kernel does not trust"
	expect_line "    d1, d2"
	expect_line "  DKMS key:    $CN_D (/var/lib/dkms/mok.pub)"
	status 1 --root r --json
	agree
	# once the kernel trusts it (enrolled), the key list says it is DKMS's
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_D" "$SHARED/D.der"
	set_moklist r "$SHARED/A.der" "$SHARED/D.der"
	status 0 --root r
	expect_file_contains "$T/out" "    $CN_D, key id $(skid_hex "$SHARED/D.der"), expires "
	expect_file_contains "$T/out" ", MOK, DKMS's"
	expect_line "3 modules will load: 1 signed by a key enrolled in MOK, 2 signed by DKMS's key"
}

test_kit_key_and_cert() {
	# the kit's certificate where make dkms-key puts it counts as --cert,
	# and its key is named as the kit's
	sb_root r
	mkdir -p r/var/lib/modsign
	cp "$SHARED/B.der" r/var/lib/modsign/signing_key.x509
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_B" "$SHARED/B.der"
	put r updates b.ko B
	status 0 --root r
	expect_line "  kit key:     /var/lib/modsign/signing_key.x509 (counted as --cert)"
	expect_file_contains "$T/out" "    $CN_B, key id $(skid_hex "$SHARED/B.der"), expires "
	expect_file_contains "$T/out" ", the kit's"
	expect_line "1 module will load: 1 signed by the kit's key"
	status 0 --root r --json
	expect_eq "True ['kit']" "$(json_get 'd["machine"]["kit_cert"], [k for k in d["machine"]["key_list"] if k["name"] == "'"$CN_B"'"][0]["origins"]')"
}

test_secure_boot_off_prediction() {
	sb_off_root r
	put r updates u.ko unsigned
	put r updates b.ko B
	put r kernel a.ko A
	status 0 --root r
	expect_line "  Secure Boot: disabled (SetupMode 0)"
	# by kind, in the order of the paths: kernel/a.ko, updates/b.ko, updates/u.ko
	expect_line "3 modules will load: 1 signed by a key enrolled in MOK, 1 signed by a key it does not trust, with a warning (taints the kernel), 1 unsigned, with a warning (taints the kernel)"
	expect_line "if you turn Secure Boot on, these 2 modules will stop loading: b, u"
	status 0 --root r --json
	expect_eq "True True False True" \
		"$(json_get 'm["u"]["stops_with_secure_boot"], m["b"]["stops_with_secure_boot"], m["a"]["stops_with_secure_boot"], d["summary"]["secure_boot_prediction"]')"
	# no EFI at all: the same prediction, but MokListRT is not read, so
	# whether A's key is the one in /proc/keys cannot be told
	rm -r r/sys/firmware/efi
	mkdir -p r/sys/firmware/acpi
	status 0 --root r
	expect_line "if you turn Secure Boot on, these 2 modules will stop loading: b, u"
	expect_line "if you turn Secure Boot on, whether this 1 module will still load cannot be told: a"
	status 0 --root r --json
	expect_eq "None" "$(json_get 'm["a"]["stops_with_secure_boot"]')"
	# Secure Boot on: no prediction
	sb_root r
	status 1 --root r
	expect_file_lacks "$T/out" "if you turn Secure Boot on"
	status 1 --root r --json
	expect_eq "False" "$(json_get 'd["summary"]["secure_boot_prediction"]')"
}

test_unreadable() {
	# not root: a module and a folder it cannot read are one entry each,
	# and the rest is still checked
	sb_root r
	put r updates a.ko A
	put r updates secret.ko A
	put r extra/hidden x.ko A
	chmod -R go+rX "$T/r"
	chmod 755 "$T"
	chmod 000 "r/lib/modules/$RELEASE/updates/secret.ko" "r/lib/modules/$RELEASE/extra/hidden"
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MODSIGN" status --root r
	expect_file_contains "$T/out" "  1 module: error: cannot open: Permission denied"
	expect_line "    secret"
	expect_line "    hidden"
	expect_line "1 module will load: 1 signed by a key enrolled in MOK"
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MODSIGN" status --root r --json
	expect_eq "None unreadable" "$(json_get 'm["secret"]["will_load"], m["secret"]["reason"]')"
	expect_file_lacks "$T/err" "Sanitizer"
}

test_garbage_and_truncated() {
	sb_root r
	put r updates a.ko A
	mkdir -p "r/lib/modules/$RELEASE/kernel"
	head -c 3000 /dev/urandom >"r/lib/modules/$RELEASE/kernel/garbage.ko"
	head -c "$(($(stat -c %s "$SHARED/A.ko") / 2))" "$SHARED/A.ko" >"r/lib/modules/$RELEASE/kernel/half.ko"
	: >"r/lib/modules/$RELEASE/kernel/empty.ko"
	echo not-xz >"r/lib/modules/$RELEASE/kernel/bad.ko.xz"
	status 1 --root r
	expect_line "modules in /lib/modules/$RELEASE: 5"
	expect_line "1 module will load: 1 signed by a key enrolled in MOK"
	for n in garbage half empty bad; do
		grep -qx "    .*\\b$n\\b.*" "$T/out" || fail "$n not reported: $(cat "$T/out")"
	done
	status 1 --root r --json
	expect_eq "False False False False" \
		"$(json_get 'm["garbage"]["will_load"], m["half"]["will_load"], m["empty"]["will_load"], m["bad"]["will_load"]')"
	agree
}

test_root_without_openat2() {
	# a kernel without openat2(2) (before 5.6), as a preloaded shim makes
	# it: --root is refused, rather than links followed on the host
	cat >no-openat2.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long n, ...)
{
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	long a[6];
	va_list ap;
	int i;

	if (n == SYS_openat2) {
		errno = ENOSYS;
		return -1;
	}
	va_start(ap, n);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF
	cc -shared -fPIC -o no-openat2.so no-openat2.c -ldl || fail "cannot build the shim"
	sb_root r
	put r updates a.ko A
	local want="modsign: ERROR: --root r: this kernel has no openat2(2) (Function not implemented; Linux 5.6 or later has it)"
	# the sanitizer build wants its runtime first: the shim goes after it
	ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" LD_PRELOAD=$T/no-openat2.so \
		expect_exit 1 "$MODSIGN" status --root r
	expect_file_contains "$T/err" "$want"
	[ ! -s "$T/out" ] || fail "a report without openat2: $(cat "$T/out")"
	ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" LD_PRELOAD=$T/no-openat2.so \
		expect_exit 1 "$MODSIGN" check --root r "r/lib/modules/$RELEASE/updates/a.ko"
	expect_file_contains "$T/err" "$want"
}

test_json_names_keep_bad_bytes_apart() {
	# file names that are not UTF-8: each bad byte, and each backslash,
	# as the text \xNN inside the JSON string, so names stay apart
	sb_root r
	put r updates a.ko A
	put r updates "$(printf 'x\377.ko')" unsigned
	put r updates "$(printf 'x\376.ko')" unsigned
	put r updates 'x\xff.ko' unsigned
	status 1 --root r --json
	expect_eq 'a.ko x\x5cxff.ko x\xfe.ko x\xff.ko' \
		"$(json_get 'tuple(sorted(e["path"].rsplit("/", 1)[1] for e in d["modules"]))')"
	expect_eq 'a x\x5cxff x\xfe x\xff' "$(json_get 'tuple(sorted(m))')"
	# check's "file" alike, one object per line
	expect_exit 1 "$MODSIGN" check --root r --json r/lib/modules/"$RELEASE"/updates/x*
	expect_eq 'x\x5cxff.ko x\xfe.ko x\xff.ko' "$(python3 -c '
import json, sys
print(*sorted(json.loads(l)["file"].rsplit("/", 1)[1] for l in open(sys.argv[1])))' "$T/out")" "check's files"
	# and info's
	expect_exit 0 "$MODSIGN" info --json r/lib/modules/"$RELEASE"/updates/x*
	expect_eq 'x\x5cxff.ko x\xfe.ko x\xff.ko' "$(python3 -c '
import json, sys
print(*sorted(json.loads(l)["file"].rsplit("/", 1)[1] for l in open(sys.argv[1])))' "$T/out")" "info's files"
}

# ---- the walk, the options, the exit codes ----

test_walk_and_order() {
	sb_root r
	put r updates/dkms z.ko A
	put r kernel/drivers m.ko A
	put r extra b.ko A
	put r updates c.ko A
	# links are not followed: build/ and source/ point at headers
	mkdir -p linked
	cp "$SHARED/A.ko" linked/l.ko
	ln -s "$T/linked" "r/lib/modules/$RELEASE/build"
	ln -s "$T/linked" "r/lib/modules/$RELEASE/source"
	ln -s "$T/linked/l.ko" "r/lib/modules/$RELEASE/extra/link.ko"
	# the release folder itself may be a link, absolute as in a merged
	# /usr (/lib/modules/R -> /usr/lib/modules/R): inside the root
	mkdir -p r/usr/lib/modules
	mv "r/lib/modules/$RELEASE" r/usr/lib/modules/
	ln -s "/usr/lib/modules/$RELEASE" "r/lib/modules/$RELEASE"
	status 0 --root r --json
	expect_eq "['/lib/modules/$RELEASE/extra/b.ko', '/lib/modules/$RELEASE/kernel/drivers/m.ko', '/lib/modules/$RELEASE/updates/c.ko', '/lib/modules/$RELEASE/updates/dkms/z.ko']" \
		"$(json_get '[e["path"] for e in d["modules"]]')"
	# the same report on one thread and on four
	"$MODSIGN" status --root r -j 1 >j1 || fail "-j 1 failed"
	"$MODSIGN" status --root r --jobs 4 >j4 || fail "-j 4 failed"
	cmp -s j1 j4 || fail "-j 1 and -j 4 differ: $(diff j1 j4)"
	# --release picks the tree (and the release the modules must match)
	status 1 --root r --release 6.1.0-99-amd64
	expect_file_contains "$T/err" "modsign: ERROR: r/lib/modules/6.1.0-99-amd64: No such file or directory; no module checked"
}

# ---- --root: every path resolves inside the root, as chroot would ----

# host_tree: a "host" of the test's own in $T/host, which an image's
# absolute links name by its path on the machine: a module tree with
# hostmod.ko (signed by B), Ubuntu's certificate (B's), a kernel image
# with B built in, and a kernel config hashing with sha1
host_tree() {
	mkdir -p "host/lib/modules/$RELEASE/kernel" host/var/lib/shim-signed/mok
	cp "$SHARED/B.ko" "host/lib/modules/$RELEASE/kernel/hostmod.ko"
	cp "$SHARED/B.der" host/var/lib/shim-signed/mok/MOK.der
	set_builtin host "$SHARED/B.der"
	printf 'CONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_HASH="sha1"\n' >"host/boot/config-$RELEASE"
}

test_root_links_stay_inside() {
	host_tree
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_B" "$SHARED/B.der"
	# /lib/modules/R, an absolute link to the host's: not in the image
	mkdir -p r/lib/modules
	ln -s "$T/host/lib/modules/$RELEASE" "r/lib/modules/$RELEASE"
	status 1 --root r
	expect_file_lacks "$T/out" hostmod
	expect_file_contains "$T/err" "modsign: ERROR: r/lib/modules/$RELEASE: No such file or directory; no module checked"
	# .. never climbs above the root
	rm "r/lib/modules/$RELEASE"
	ln -s "../../../host/lib/modules/$RELEASE" "r/lib/modules/$RELEASE"
	status 1 --root r
	expect_file_lacks "$T/out" hostmod
	expect_file_contains "$T/err" "modsign: ERROR: r/lib/modules/$RELEASE: No such file or directory; no module checked"
	# the image's own modules; Ubuntu's certificate, the kernel image
	# and its config linked to the host's: none of them is the image's
	rm "r/lib/modules/$RELEASE"
	put r updates a.ko A
	mkdir -p r/var/lib/shim-signed/mok r/boot
	ln -s "$T/host/var/lib/shim-signed/mok/MOK.der" r/var/lib/shim-signed/mok/MOK.der
	ln -s "$T/host/boot/vmlinuz-$RELEASE" "r/boot/vmlinuz-$RELEASE"
	ln -sf "$T/host/boot/config-$RELEASE" "r/boot/config-$RELEASE"
	status 0 --root r
	expect_line "  Ubuntu key:  none (no /var/lib/shim-signed/mok/MOK.der)"
	expect_file_lacks "$T/out" "hash sha1"
	expect_eq "origin unknown" "$(grep -F "    $CN_B, key id " "$T/out" | sed 's/.*, //')" "B's origins"
	status 0 --root r --json
	expect_eq "False [] None" \
		"$(json_get 'd["machine"]["ubuntu_cert"], [k for k in d["machine"]["key_list"] if k["name"] == "'"$CN_B"'"][0]["origins"], d["machine"]["sig_hash"]')"
	# check --root reads the machine the same way
	expect_exit 0 "$MODSIGN" check --root r --json "r/lib/modules/$RELEASE/updates/a.ko"
	expect_eq "None None" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["machine"]["config"], d["machine"]["sig_hash"])' "$T/out")" "check's config"
}

test_root_links_inside_are_followed() {
	# absolute links that stay inside the root resolve there: the
	# certificate, the kernel image, the config (the merged /usr's
	# /lib/modules/R link: test_walk_and_order)
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_B" "$SHARED/B.der"
	put r updates a.ko A
	mkdir -p r/store r/var/lib/shim-signed/mok
	cp "$SHARED/B.der" r/store/MOK.der
	ln -s /store/MOK.der r/var/lib/shim-signed/mok/MOK.der
	set_builtin r "$SHARED/B.der"
	mv "r/boot/vmlinuz-$RELEASE" r/store/
	ln -s "/store/vmlinuz-$RELEASE" "r/boot/vmlinuz-$RELEASE"
	printf 'CONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_HASH="sha1"\n' >r/store/config
	ln -sf ../store/config "r/boot/config-$RELEASE"
	status 0 --root r
	expect_line "  Ubuntu key:  /var/lib/shim-signed/mok/MOK.der (counted as --cert)"
	expect_file_contains "$T/out" ", hash sha1 (/boot/config-$RELEASE)"
	expect_eq "built in, Ubuntu's" "$(grep -F "    $CN_B, key id " "$T/out" | sed 's/^[^,]*, [^,]*, [^,]*, //')" "B's origins"
}

test_usage_and_option_letters() {
	sb_root r
	put r updates a.ko A
	status 2 --root r -j 0
	expect_file_contains "$T/err" "modsign: ERROR: status: -j takes a number of jobs from 1 to 1024, not '0'"
	# -j is --jobs: --json is long only
	status 2 --root r -j
	expect_file_contains "$T/err" "modsign: ERROR: status: option '-j' needs a value"
	status 2 --root r --bogus
	expect_file_contains "$T/err" "Try 'modsign status --help'."
	status 2 --root r extra-argument
	expect_file_contains "$T/err" "unexpected argument 'extra-argument'"
	status 2 --root ""
	[ ! -s "$T/out" ] || fail "a usage error printed a report: $(cat "$T/out")"
	status 0 -h
	expect_file_contains "$T/out" "Usage: modsign status"
	expect_exit 0 "$MODSIGN" --help
	expect_file_contains "$T/out" "  status "
	# a certificate that cannot be read: an error, no report
	status 1 --root r --cert missing.der
	expect_file_contains "$T/err" "modsign: ERROR: missing.der: "
}

test_cmdline_sig_enforce() {
	sb_root r
	put r updates a.ko A
	status 0 --root r
	expect_line "  cmdline:     no module.sig_enforce (/proc/cmdline)"
	echo "root=/dev/vda1 module.sig_enforce=0 quiet module.sig_enforce" >r/proc/cmdline
	status 0 --root r
	expect_line "  cmdline:     module.sig_enforce=1 (/proc/cmdline)"
	status 0 --root r --json
	expect_eq "y" "$(json_get 'd["machine"]["cmdline_sig_enforce"]')"
	echo "module.sig_enforce=off" >r/proc/cmdline
	status 0 --root r --json
	expect_eq "n" "$(json_get 'd["machine"]["cmdline_sig_enforce"]')"
}

# ---- --removing: which modules stop loading if a key leaves MOK ----

# kid NAME: the key id status prints for $SHARED/NAME.der
kid() { skid_hex "$SHARED/$1.der"; }

test_removing_names_the_modules_it_stops() {
	# A and B both enrolled and loaded; A's deletion is weighed, and B's
	# is really waiting in MokDel: two different lines
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_B" "$SHARED/B.der"
	set_moklist r "$SHARED/A.der" "$SHARED/B.der"
	put r kernel/crypto a1.ko A
	put r updates a2.ko A
	put r updates b.ko B
	status 0 --root r --removing "$SHARED/A.der"
	expect_line "if MOK loses $CN_A (key id $(kid A)), these 2 modules will stop loading: /lib/modules/$RELEASE/kernel/crypto/a1.ko, /lib/modules/$RELEASE/updates/a2.ko"
	expect_file_lacks "$T/out" "after the next boot"
	expect_line "3 modules will load: 3 signed by a key enrolled in MOK"
	# (a question, not a deletion: check's verdicts stay as they are)
	status 0 --root r --removing "$SHARED/A.der" --json
	expect_eq "True True False 2 $CN_A $(kid A) True 2 False will load: signed by $CN_A, a key this kernel trusts" \
		"$(json_get 'm["a1"]["stops_if_removed"], m["a2"]["stops_if_removed"], m["b"]["stops_if_removed"], d["summary"]["stops_if_removed"], d["removing"][0]["name"], d["removing"][0]["key_id"], d["removing"][0]["in_mok"], d["removing"][0]["modules_stopping"], m["a1"]["mok_deletion_pending"], m["a1"]["message"]')"
	# B's deletion really waiting, A's weighed (given as PEM): both said
	set_mokdel r "$SHARED/B.der"
	openssl x509 -inform DER -in "$SHARED/A.der" -out A.pem
	status 0 --root r --removing A.pem
	expect_line "after the next boot, if the deletion waiting in MokManager is confirmed, this 1 module will stop loading: b"
	expect_line "if MOK loses $CN_A (key id $(kid A)), these 2 modules will stop loading: /lib/modules/$RELEASE/kernel/crypto/a1.ko, /lib/modules/$RELEASE/updates/a2.ko"
	# both weighed: a line each
	status 0 --root r --removing "$SHARED/B.der" --removing A.pem --json
	expect_eq "True True True 3 $CN_B 1 $CN_A 2" \
		"$(json_get 'm["a1"]["stops_if_removed"], m["a2"]["stops_if_removed"], m["b"]["stops_if_removed"], d["summary"]["stops_if_removed"], d["removing"][0]["name"], d["removing"][0]["modules_stopping"], d["removing"][1]["name"], d["removing"][1]["modules_stopping"]')"
	# without --removing: no such line, no such member
	status 0 --root r --json
	expect_eq "[] False" "$(json_get 'd["removing"], "stops_if_removed" in m["a1"]')"
	status 0 --root r
	expect_file_lacks "$T/out" "if MOK loses"
}

test_removing_when_nothing_stops() {
	# every module signed by B: removing A stops none
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "$CN_B" "$SHARED/B.der"
	set_moklist r "$SHARED/A.der" "$SHARED/B.der"
	put r updates b.ko B
	put r updates u.ko unsigned
	status 1 --root r --removing "$SHARED/A.der"
	expect_line "if MOK loses $CN_A (key id $(kid A)), no module will stop loading"
	# a module that does not load now cannot stop: u is not B's anyway,
	# and a module of A's that is rejected already is not counted
	put r updates t.ko A
	printf 'X' | dd of="r/lib/modules/$RELEASE/updates/t.ko" bs=1 seek=200 conv=notrunc status=none
	status 1 --root r --removing "$SHARED/A.der" --json
	expect_eq "False False 0" "$(json_get 'm["t"]["stops_if_removed"], m["t"]["will_load"], d["removing"][0]["modules_stopping"]')"
	# B's key trusted by the kernel, but not through MOK (not in
	# MokListRT: in db, say): MokManager cannot take it, nothing stops
	set_moklist r "$SHARED/A.der"
	status 1 --root r --cert "$SHARED/B.der" --removing "$SHARED/B.der"
	expect_line "if MOK loses $CN_B (key id $(kid B)), no module will stop loading (it is not enrolled in MOK)"
	expect_line "1 module will load: 1 signed by a key given with --cert"
	status 1 --root r --cert "$SHARED/B.der" --removing "$SHARED/B.der" --json
	expect_eq "True False False" "$(json_get 'm["b"]["will_load"], m["b"]["stops_if_removed"], d["removing"][0]["in_mok"]')"
}

test_removing_bad_file() {
	sb_root r
	put r updates a.ko A
	# not there: cannot be read, as for --cert (1), no report
	status 1 --root r --removing missing.der
	expect_file_contains "$T/err" "modsign: ERROR: missing.der: cannot open: No such file or directory"
	[ ! -s "$T/out" ] || fail "a report after the error: $(cat "$T/out")"
	# the wrong file: a usage error (2), saying what to give
	status 2 --root r --removing "$SHARED/A.key"
	expect_file_contains "$T/err" "modsign: ERROR: status: --removing $SHARED/A.key: no PEM certificate in it"
	expect_file_contains "$T/err" ": give the certificate (DER or PEM) of the key whose removal from MOK to weigh, such as keys/signing_key.x509"
	head -c 300 /dev/urandom >junk.der
	status 2 --root r --removing junk.der
	expect_file_contains "$T/err" "modsign: ERROR: status: --removing junk.der: not a certificate (neither PEM nor DER X.509)"
	status 2 --root r --removing ""
	expect_file_contains "$T/err" "modsign: ERROR: status: --removing needs a certificate file"
	[ ! -s "$T/out" ] || fail "a report after a usage error: $(cat "$T/out")"
}

test_removing_fifo() {
	# a FIFO is refused at once, as --cert and every other command do
	sb_root r
	put r updates a.ko A
	mkfifo fifo
	expect_exit 1 timeout 10 "$MODSIGN" status --root r --removing fifo
	expect_file_contains "$T/err" "modsign: ERROR: fifo: not a regular file (a FIFO): modsign reads only regular files"
	[ ! -s "$T/out" ] || fail "a report after the error: $(cat "$T/out")"
	expect_exit 1 timeout 10 "$MODSIGN" status --root r --cert fifo
	expect_file_contains "$T/err" "modsign: ERROR: fifo: not a regular file (a FIFO): modsign reads only regular files"
}

# ---- expiry warnings ----

test_expiry_warnings() {
	# MOK keys: one ending in 10 days, one expired, one in 100 days; a
	# built-in key (in the kernel image) ending in 10 days
	pair E10 "modsign status key E10" 10
	pair E100 "modsign status key E100" 100
	pair K "modsign status built-in key" 10
	expired_pair EX "modsign status key EX"
	local e10 kk
	e10=$(date -u -d "$(openssl x509 -inform DER -in "$SHARED/E10.der" -noout -enddate | cut -d= -f2)" +%F)
	sb_root r
	set_builtin r "$SHARED/K.der"
	set_keys r "$CN_A" "$SHARED/A.der" "modsign status key E10" "$SHARED/E10.der" \
		"modsign status key EX" "$SHARED/EX.der" "modsign status key E100" "$SHARED/E100.der" \
		"modsign status built-in key" "$SHARED/K.der"
	set_moklist r "$SHARED/A.der" "$SHARED/E10.der" "$SHARED/EX.der" "$SHARED/E100.der"
	put r updates a.ko A
	status 0 --root r
	expect_line "warning: modsign status key E10 (key id $(kid E10)) expires on $e10 (in 10 days): make a new key with 'make rotate' (docs/key-rotation.md)"
	expect_line "warning: modsign status key EX (key id $(kid EX)) expired on 2021-01-31: make a new key with 'make rotate' (docs/key-rotation.md)"
	expect_eq 2 "$(grep -c '^warning: ' "$T/out")" "warnings in: $(cat "$T/out")"
	kk=$(kid K)
	expect_file_contains "$T/out" "    modsign status built-in key, key id $kk, expires "
	expect_file_contains "$T/out" ", built in"
	# days left (rounded up: toward 0 once past), whether warned, the
	# built-in key's origins
	status 0 --root r --json
	local ex_days=$((($(date -u -d 2021-01-31 +%s) - $(date +%s)) / 86400))
	expect_eq "10 True $ex_days True 100 False 10 False ['builtin']" \
		"$(json_get 'tuple(x for n in ("E10", "EX", "E100", "built-in key") for k in d["machine"]["key_list"] if k["name"].endswith(n) for x in (k["expires_in_days"], k["expiry_warning"])) + tuple(k["origins"] for k in d["machine"]["key_list"] if k["name"].endswith("built-in key"))')"
}

# Installed (make install-tool, the package), the next steps and the
# expiry warning name modsign-kit's verbs, not make's targets; a copy of
# the tested build in a /usr/bin too (verdicts.sh has the rule).
test_installed_names_modsign_kit() {
	local bin
	installed_modsign
	pair E10 "modsign status key E10" 10
	sb_root r
	set_keys r "$CN_A" "$SHARED/A.der" "modsign status key E10" "$SHARED/E10.der"
	set_moklist r "$SHARED/A.der" "$SHARED/E10.der"
	put r updates u.ko unsigned
	put r updates b.ko B
	put r kernel a.ko A
	run_from "$T/usr/bin"
	for bin in "$INSTALLED" "$MODSIGN"; do
		MODSIGN=$bin status 1 --root r
		expect_line "    next step: modsign-kit sign MODULE.ko"
		expect_line "    next step: sudo modsign-kit enroll, then reboot and confirm the key in MokManager"
		expect_file_contains "$T/out" "(in 10 days): make a new key with 'sudo modsign-kit rotate' (docs/key-rotation.md)"
		expect_file_lacks "$T/out" "'make "
		expect_file_lacks "$T/out" "step: make "
		MODSIGN=$bin status 1 --root r --json
		expect_eq "modsign-kit sign MODULE.ko" "$(json_get 'm["u"]["next"]')"
		agree
	done
	# the clone's words stay
	MODSIGN_ADVICE=clone status 1 --root r
	expect_line "    next step: make sign"
	expect_file_contains "$T/out" "(in 10 days): make a new key with 'make rotate' (docs/key-rotation.md)"
}

run_tests "$@"
