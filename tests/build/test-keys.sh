#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the module certificate's profile and of `make adopt-key` (issue
# #16): codeSigning beside the module OID, the once-per-run note for an
# older certificate, adopting DKMS's, Ubuntu's or any pair, and what is
# refused. Real openssl, the real sign-file of Debian 12's headers, the
# real mokutil (which here finds no EFI variables); the only fake is
# tests/enroll/fake-mokutil, named as one, for the enrollment states this
# machine cannot be in.
#
# Speed: the modules signed are two small ones from Debian's kernel image
# (their signatures are replaced), in one tree made once ($SUITE/tree), and
# `make sign` runs with `-o modules`: the Kbuild pass (about 7 s even with
# nothing to build) is the build suite's business, not this one's. Every
# test has its own KEYDIR; the modules are re-signed by each.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-keys.XXXXXX")
trap 'rm -rf "$SUITE"' EXIT
env61=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1)
KDIR=$(sed -n 's/^KDIR=//p' "$env61")
MODDIR=$(sed -n 's/^MODDIR=//p' "$env61")
[ -d "$KDIR" ] && [ -d "$MODDIR" ] || exit 1
export SUITE KDIR
MODULE_OID=1.3.6.1.4.1.2312.16.1.2

echo "a fresh tree with two of Debian's small modules"
fresh_tree "$SUITE/tree"
mapfile -t picks < <(find "$MODDIR" -name '*.ko' -size -12k | sort | sed -n '1,2p')
[ ${#picks[@]} == 2 ] || exit 1
cp "${picks[@]}" "$SUITE/tree/modules/"

# make_sign KEYDIR: `make sign` of the suite's tree with that KEYDIR; its
# output in $T/out and $T/err.
make_sign() {
	expect_exit 0 make -s -C "$SUITE/tree" -o modules KDIR="$KDIR" KEYDIR="$1" sign
	expect_file_contains "$T/out" "modsign: 2 signed"
}

# make_verify KEYDIR CN: `make verify` passes, and names CN as the signer.
make_verify() {
	local m
	expect_exit 0 make -s -C "$SUITE/tree" KEYDIR="$1" verify
	for m in "$SUITE"/tree/modules/*.ko; do
		expect_file_contains "$T/out" "OK $m ($2)"
		expect_eq "$2" "$(modinfo -F signer "$m")" "signer of $(basename "$m")"
	done
}

# adopt ARG...: make adopt-key in the suite's tree, output in $T/out, $T/err.
adopt() {
	make -s -C "$SUITE/tree" adopt-key "$@"
}

# dkms_pair DIR: DKMS's own key, made as DKMS 3.0.10 makes it.
dkms_pair() {
	mkdir -p "$1"
	openssl req -new -x509 -nodes -days 36500 -subj "/CN=DKMS module signing key" \
		-newkey rsa:2048 -keyout "$1/mok.key" -outform DER -out "$1/mok.pub" 2>/dev/null
}

# ubuntu_pair DIR: Ubuntu's MOK.priv and MOK.der (the CN is the one its
# update-secureboot-policy --new-key gives; the extensions, CA:FALSE with
# codeSigning and the module OID, are what Ubuntu describes for it).
ubuntu_pair() {
	mkdir -p "$1"
	printf '%s\n' '[req]' 'distinguished_name = dn' 'prompt = no' 'x509_extensions = ext' \
		'[dn]' 'CN = testhost Secure Boot Module Signature key' \
		'[ext]' 'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid:always,issuer' \
		'basicConstraints = critical,CA:FALSE' "extendedKeyUsage = codeSigning,$MODULE_OID" >"$1/ubuntu.cnf"
	openssl req -new -x509 -nodes -days 36500 -config "$1/ubuntu.cnf" -newkey rsa:2048 \
		-keyout "$1/MOK.priv" -outform DER -out "$1/MOK.der" 2>/dev/null
	rm "$1/ubuntu.cnf"
}

# old_pair DIR: a pair of the kit's profile before codeSigning was added:
# keys/openssl.cnf with the module OID alone.
old_pair() {
	sed "s/^extendedKeyUsage *= codeSigning, $MODULE_OID\$/extendedKeyUsage = $MODULE_OID/" \
		"$TOP/keys/openssl.cnf" >old.cnf
	! cmp -s old.cnf "$TOP/keys/openssl.cnf" || fail "keys/openssl.cnf has no 'codeSigning, $MODULE_OID' line to take back"
	mkdir -p "$1"
	MODSIGN_CN="modsign module signing key (old profile)" openssl req -new -x509 -nodes -utf8 \
		-sha256 -batch -config old.cnf -extensions module_signing -days 36500 -newkey rsa:2048 \
		-keyout "$1/signing_key.pem" -outform DER -out "$1/signing_key.x509" 2>/dev/null
	chmod 600 "$1/signing_key.pem"
}

eku_of() {
	openssl x509 -in "$1" -noout -ext extendedKeyUsage | sed -n '2{s/^ *//;p}'
}

pubkey_of_cert() {
	openssl x509 -in "$1" -noout -pubkey
}

# ---------------------------------------------------------------------------
# The profile and the note

test_new_profile_has_both_ekus_and_gets_no_note() {
	# The first make sign makes the pair.
	make_sign "$T/keys"
	expect_eq "Code Signing, $MODULE_OID" "$(eku_of "$T/keys/signing_key.x509")" "extended key usage"
	openssl x509 -inform DER -in "$T/keys/signing_key.x509" -noout -text >text
	expect_file_contains text "CA:FALSE"
	expect_file_contains text "Digital Signature"
	expect_file_lacks "$T/err" "codeSigning"
	expect_file_lacks "$T/err" "notice"
}

test_old_profile_gets_one_note_per_run() {
	old_pair "$T/old"
	expect_eq "$MODULE_OID" "$(eku_of "$T/old/signing_key.x509")" "old profile's extended key usage"
	make_sign "$T/old"
	expect_eq 1 "$(grep -c 'lacks the codeSigning' "$T/err")" "notes in: $(cat "$T/err")"
	expect_eq 1 "$(grep -c "^modsign: notice: $T/old/signing_key.x509 lacks the codeSigning extended key usage (it has only the module-signing OID $MODULE_OID" "$T/err")" "the note"
	local want
	for want in "such as SUSE's ('PKCS7: ... key is not CodeSigning')" "Debian's and Ubuntu's do not check" \
		"'make rotate-keys' (the old pair stays in $T/old/retired/)" "('sudo make enroll', reboot)" "('make sign')"; do
		expect_file_contains "$T/err" "$want"
	done
	expect_file_lacks "$T/err" "warning"
}

# ---------------------------------------------------------------------------
# Adopting

test_adopt_dkms_folder_then_sign_and_verify() {
	dkms_pair dkms
	expect_exit 0 adopt FROM="$T/dkms" KEYDIR="$T/keys"
	expect_eq 700 "$(stat -c %a "$T/keys")" "KEYDIR mode"
	expect_eq 600 "$(stat -c %a "$T/keys/signing_key.pem")" "key mode"
	expect_eq "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$T/keys/signing_key.pem")" "key format"
	cmp "$T/keys/signing_key.x509" dkms/mok.pub || fail "signing_key.x509 is not DKMS's DER certificate"
	expect_eq "$(openssl pkey -in dkms/mok.key -pubout)" "$(openssl pkey -in "$T/keys/signing_key.pem" -pubout)" "public key"
	expect_file_contains "$T/out" "adopt-key: key: $T/dkms/mok.key"
	expect_file_contains "$T/out" "adopt-key:   - codeSigning in its extended key usage"
	expect_file_contains "$T/out" "adopt-key:   - the module-signing OID $MODULE_OID: shim does not refuse this key for boot images"
	expect_file_contains "$T/out" "adopt-key:   - CA:FALSE: it is marked as a certificate authority (CA:TRUE"
	expect_file_lacks "$T/out" "bits (it has"
	# The real mokutil: on this machine, no EFI variables (or a state).
	grep -qE '^adopt-key: enrollment: (cannot be checked here \(no EFI variables\)|enrolled|pending|not-enrolled)' "$T/out" ||
		fail "no enrollment line in: $(cat "$T/out")"

	make_sign "$T/keys"
	expect_eq 1 "$(grep -c 'lacks the codeSigning extended key usage (it has no extended key usage at all' "$T/err")" "notes in: $(cat "$T/err")"
	make_verify "$T/keys" "DKMS module signing key"
}

test_adopt_ubuntu_folder_then_sign_and_verify() {
	ubuntu_pair mok
	expect_exit 0 adopt FROM="$T/mok" KEYDIR="$T/keys"
	cmp "$T/keys/signing_key.x509" mok/MOK.der || fail "signing_key.x509 is not Ubuntu's MOK.der"
	expect_file_contains "$T/out" "adopt-key: key: $T/mok/MOK.priv"
	expect_file_contains "$T/out" "compared with the kit's profile (keys/openssl.cnf): nothing is missing"
	make_sign "$T/keys"
	expect_file_lacks "$T/err" "notice"
	make_verify "$T/keys" "testhost Secure Boot Module Signature key"
}

test_adopt_key_and_cert_files_pem_or_der() {
	dkms_pair d
	openssl pkey -in d/mok.key -outform DER -out key.der
	openssl x509 -inform DER -in d/mok.pub -out cert.pem
	expect_exit 0 adopt FROM="$T/key.der" CERT="$T/cert.pem" KEYDIR="$T/keys"
	cmp "$T/keys/signing_key.x509" d/mok.pub || fail "the PEM certificate was not written as DER"
	expect_eq "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$T/keys/signing_key.pem")" "key format"
	expect_eq "$(openssl pkey -in d/mok.key -pubout)" "$(openssl pkey -in "$T/keys/signing_key.pem" -pubout)" "public key"
	# A kit's own keys/ folder, too.
	expect_exit 0 adopt FROM="$T/keys" KEYDIR="$T/keys2"
	cmp "$T/keys/signing_key.x509" "$T/keys2/signing_key.x509" || fail "the kit's layout was not adopted"
	# Adopting the pair KEYDIR already holds changes nothing.
	sha256sum "$T"/keys2/signing_key.* >before
	expect_exit 0 adopt FROM="$T/keys" KEYDIR="$T/keys2"
	expect_file_contains "$T/out" "already holds this pair"
	sha256sum -c --quiet before || fail "the pair changed"
}

test_mismatched_pair_is_refused() {
	dkms_pair a
	dkms_pair b
	expect_exit 2 adopt FROM="$T/a/mok.key" CERT="$T/b/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "the key $T/a/mok.key does not belong to the certificate $T/b/mok.pub"
	# Swapped: the certificate given as the key.
	expect_exit 2 adopt FROM="$T/a/mok.pub" CERT="$T/a/mok.key" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "$T/a/mok.key is not an X.509 certificate"
	[ ! -e "$T/keys" ] || fail "KEYDIR was touched: $(ls -la "$T/keys")"
}

test_existing_keys_are_refused_and_unchanged() {
	dkms_pair dkms
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/keys"
	sha256sum "$T"/keys/signing_key.* >before
	expect_exit 2 adopt FROM="$T/dkms" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "$T/keys already holds $T/keys/signing_key.pem $T/keys/signing_key.x509: adopt-key never overwrites a key"
	expect_file_contains "$T/err" "mkdir -p $T/keys/retired/"
	expect_file_contains "$T/err" "mv $T/keys/signing_key.pem $T/keys/signing_key.x509 $T/keys/retired/"
	# in a clone, make's words (modsign-kit's through modsign-kit: tests/deb)
	expect_file_contains "$T/err" "then run make adopt-key again. Or adopt into another folder with KEYDIR=...; nothing was changed"
	sha256sum -c --quiet before || fail "adopt-key changed the pair"
	# Half a pair is refused as well.
	rm "$T/keys/signing_key.pem"
	expect_exit 2 adopt FROM="$T/dkms" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "$T/keys already holds $T/keys/signing_key.x509: adopt-key never overwrites a key"
	[ ! -e "$T/keys/signing_key.pem" ] || fail "a key was written beside the certificate"
	# make-keys.sh checks again under KEYDIR's lock (a pair made meanwhile).
	expect_exit 1 env KEYDIR="$T/keys" "$SUITE/tree/scripts/make-keys.sh" adopt dkms/mok.key dkms/mok.pub
	expect_file_contains "$T/err" "refusing to overwrite a key"
	sha256sum -c --quiet --ignore-missing before || fail "make-keys.sh adopt changed the certificate"
	[ ! -e "$T/keys/signing_key.pem" ] || fail "make-keys.sh adopt wrote a key"
}

test_passphrase_protected_key_is_refused() {
	dkms_pair d
	openssl pkey -in d/mok.key -aes256 -passout pass:secret -out pkcs8.pem
	openssl rsa -in d/mok.key -traditional -aes128 -passout pass:secret -out traditional.pem 2>/dev/null
	openssl pkcs8 -topk8 -v2 aes256 -in d/mok.key -outform DER -passout pass:secret -out pkcs8.der
	local k
	for k in pkcs8.pem traditional.pem pkcs8.der; do
		expect_exit 2 adopt FROM="$T/$k" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
		expect_file_contains "$T/err" "$T/$k is protected by a passphrase"
		expect_file_contains "$T/err" "'make sign' runs sign-file, which cannot prompt"
		expect_file_contains "$T/err" "(umask 077 && openssl pkey -in $T/$k -out $T/$k.nopass.pem)"
	done
	[ ! -e "$T/keys" ] || fail "KEYDIR was touched"
	# What the message says to do works.
	(umask 077 && openssl pkey -in "$T/pkcs8.pem" -passin pass:secret -out "$T/pkcs8.pem.nopass.pem")
	expect_exit 0 adopt FROM="$T/pkcs8.pem.nopass.pem" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
}

test_bad_from_is_a_clear_error() {
	expect_exit 2 adopt KEYDIR="$T/keys"
	expect_file_contains "$T/err" "FROM is empty"
	expect_file_contains "$T/err" "usage: make adopt-key FROM=DIR | make adopt-key FROM=KEYFILE CERT=CERTFILE"
	expect_exit 2 adopt FROM="$T/nothing" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "FROM=$T/nothing: no such file or folder"
	mkdir empty
	expect_exit 2 adopt FROM="$T/empty" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "holds none of the pairs adopt-key knows: mok.key + mok.pub (DKMS, /var/lib/dkms), MOK.priv + MOK.der (Ubuntu"
	dkms_pair half
	rm half/mok.key
	expect_exit 2 adopt FROM="$T/half" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "$T/half holds $T/half/mok.pub but not $T/half/mok.key (DKMS's pair)"
	expect_exit 2 adopt FROM="$T/half/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "is a file: name its certificate too (CERT=CERTFILE)"
	expect_exit 2 adopt FROM="$T/half" CERT="$T/half/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "goes with FROM=KEYFILE"
	[ ! -e "$T/keys" ] || fail "KEYDIR was touched"
}

# make_cert NAME KEYSPEC START END: a self-signed DER certificate NAME.der
# (key NAME.key) of key KEYSPEC (openssl req -newkey), valid from START to
# END (openssl ca dates), no extensions but a subject key identifier.
make_cert() {
	mkdir -p "ca-$1"
	: >"ca-$1/index.txt"
	echo 01 >"ca-$1/serial"
	printf '%s\n' '[ca]' 'default_ca = c' '[c]' "database = ca-$1/index.txt" "new_certs_dir = ca-$1" \
		"serial = ca-$1/serial" 'default_md = sha256' 'policy = p' '[p]' 'commonName = supplied' \
		'[ext]' 'subjectKeyIdentifier = hash' >"ca-$1/ca.cnf"
	openssl req -new -nodes -batch -subj "/CN=$1" -newkey "$2" -keyout "$1.key" -out "ca-$1/req" 2>/dev/null
	openssl ca -batch -selfsign -config "ca-$1/ca.cnf" -keyfile "$1.key" -in "ca-$1/req" -startdate "$3" \
		-enddate "$4" -extensions ext -notext -out "ca-$1/cert" 2>"ca-$1/log" || fail "openssl ca: $(cat "ca-$1/log")"
	openssl x509 -in "ca-$1/cert" -outform DER -out "$1.der"
}

test_report_names_key_size_and_expiry() {
	make_cert small rsa:1024 20000101000000Z 20010101000000Z
	expect_exit 0 adopt FROM="$T/small.key" CERT="$T/small.der" KEYDIR="$T/k1"
	expect_file_contains "$T/out" "rsaEncryption, 1024 bits; valid until Jan  1 00:00:00 2001 GMT"
	expect_file_contains "$T/out" "- 2048, 3072 or 4096 bits (it has 1024)"
	expect_file_contains "$T/out" "- validity: it expired on Jan  1 00:00:00 2001 GMT"
	openssl ecparam -name prime256v1 -out p256.param
	make_cert ec ec:p256.param 20200101000000Z "$(date -u -d '+30 days' +%Y%m%d000000Z)"
	expect_exit 0 adopt FROM="$T/ec.key" CERT="$T/ec.der" KEYDIR="$T/k2"
	expect_file_contains "$T/out" "- an RSA key (id-ecPublicKey)"
	expect_file_contains "$T/out" "within a year"
	expect_file_lacks "$T/out" "CA:FALSE: it is marked"
}

# An ECDSA pair adopted: the report says which kernels refuse its modules
# and that make keys makes ECDSA too (KEY_TYPE=ecdsa), not that ECDSA is
# never taken.
test_report_on_an_ecdsa_key_names_the_kernels_without_it() {
	openssl ecparam -name prime256v1 -out p256.param
	make_cert ec ec:p256.param 20200101000000Z "$(date -u -d '+400 days' +%Y%m%d000000Z)"
	expect_exit 0 adopt FROM="$T/ec.key" CERT="$T/ec.der" KEYDIR="$T/k"
	expect_file_contains "$T/out" "- an RSA key (id-ecPublicKey): kernels without CONFIG_CRYPTO_ECDSA, such as Debian 12's 6.1, refuse the modules an ECDSA key signs, and 'make sign' and DKMS's sign program refuse to sign for them; 'make keys' makes RSA unless KEY_TYPE=ecdsa"
	expect_file_lacks "$T/out" "does not take ECDSA"
}

# The FAKE mokutil puts the certificate in each state; its exit codes are
# mokutil 0.6.0's misleading ones, so only its text can be right.
test_enrollment_is_read_from_mokutil_text() {
	dkms_pair d
	mkdir fake
	local state want n=0
	for state in enrolled not-enrolled noefi; do
		n=$((n + 1))
		rm -f fake/noefi fake/state
		if [ "$state" == noefi ]; then touch fake/noefi; else echo "$state" >fake/state; fi
		expect_exit 0 env MOKUTIL="$TOP/tests/enroll/fake-mokutil" FAKE_MOK_DIR="$T/fake" \
			make -s -C "$SUITE/tree" adopt-key FROM="$T/d" KEYDIR="$T/keys$n"
		case $state in
		enrolled) want="enrollment: enrolled (Secure Boot enabled)" ;;
		not-enrolled) want="enrollment: not-enrolled (Secure Boot enabled)" ;;
		noefi) want="enrollment: cannot be checked here (no EFI variables)" ;;
		esac
		expect_file_contains "$T/out" "adopt-key: $want"
	done
	expect_file_contains fake/calls "--test-key $T/keys2/signing_key.x509"
}

test_as_root_the_pair_goes_to_the_folders_owner() {
	[ "$EUID" == 0 ] || fail "needs root: it adopts root's key into a user's folder (run the suite as root, as CI does)"
	chmod 0755 "$T"
	mkdir -m 0700 rootonly
	dkms_pair rootonly
	mkdir clone
	chown 65534:65534 clone
	expect_exit 0 adopt FROM="$T/rootonly" KEYDIR="$T/clone/keys"
	expect_file_contains "$T/out" "Giving the pair to"
	expect_eq "65534 65534 700" "$(stat -c '%u %g %a' clone/keys)" "KEYDIR owner and mode"
	expect_eq "65534 65534 600" "$(stat -c '%u %g %a' clone/keys/signing_key.pem)" "key owner and mode"
	expect_eq "65534 65534 644" "$(stat -c '%u %g %a' clone/keys/signing_key.x509)" "certificate owner and mode"
	setpriv --reuid=65534 --regid=65534 --clear-groups openssl pkey -in clone/keys/signing_key.pem -noout ||
		fail "the folder's owner cannot read the adopted key"
}

# Run as root (sudo make keys, sudo make rotate) in a folder its user
# owns, a KEYDIR or KEYDIR/retired that is a link would lead root's mkdir,
# chmod and ln to whatever it names: refused, the target unchanged.
test_as_root_links_in_keydir_are_not_followed() {
	[ "$EUID" == 0 ] || fail "needs root: the fault is root following a user's link"
	mkdir -m 0755 victim
	ln -s "$T/victim" keys
	expect_exit 1 env KEYDIR="$T/keys" "$SUITE/tree/scripts/make-keys.sh" create
	expect_file_contains "$T/err" "$T/keys is a symbolic link"
	expect_file_contains "$T/err" "make it a real folder, or set KEYDIR to the real path"
	expect_eq "755 0" "$(stat -c '%a %u' victim)" "the link's target after make keys"
	expect_eq "" "$(ls -A victim)" "files in the link's target"
	rm keys
	mkdir -m 0700 keys
	expect_exit 0 env KEYDIR="$T/keys" "$SUITE/tree/scripts/make-keys.sh" create
	ln -s "$T/victim" keys/retired
	expect_exit 1 env KEYDIR="$T/keys" "$SUITE/tree/scripts/make-keys.sh" rotate
	expect_file_contains "$T/err" "$T/keys/retired is a symbolic link"
	expect_eq "755 0" "$(stat -c '%a %u' victim)" "the link's target after a rotation"
	expect_eq "" "$(ls -A victim)" "files in the link's target"
	[ -f keys/signing_key.pem ] || fail "the refused rotation moved the key"
}

test_help_lists_adopt_key() {
	expect_exit 0 make -s -C "$SUITE/tree" help
	expect_file_contains "$T/out" "  make adopt-key FROM=DIR "
}

# `make sign` warns within 30 days of the certificate's end (and once it
# has ended), pointing at `make rotate`; a day more and it says nothing.
test_sign_warns_of_expiry_within_30_days() {
	local end
	expect_exit 0 make -s -C "$SUITE/tree" -o modules KDIR="$KDIR" KEYDIR="$T/k10" KEY_DAYS=10 sign
	expect_file_contains "$T/out" "modsign: 2 signed"
	end=$(openssl x509 -inform DER -in "$T/k10/signing_key.x509" -noout -enddate | cut -d= -f2)
	expect_eq 1 "$(grep -cxF "modsign: warning: $T/k10/signing_key.x509 expires on $end (in 10 days): make a new key with 'make rotate' (docs/key-rotation.md) and enroll it before then" "$T/err")" \
		"expiry warnings in: $(cat "$T/err")"
	expect_exit 0 make -s -C "$SUITE/tree" -o modules KDIR="$KDIR" KEYDIR="$T/k30" KEY_DAYS=30 sign
	expect_file_contains "$T/err" "modsign: warning: $T/k30/signing_key.x509 expires on "
	expect_file_contains "$T/err" " (in 30 days): make a new key with 'make rotate'"
	expect_exit 0 make -s -C "$SUITE/tree" -o modules KDIR="$KDIR" KEYDIR="$T/k31" KEY_DAYS=31 sign
	expect_file_lacks "$T/err" "expire"
	# ended: the other warning, also pointing at make rotate
	make_cert old rsa:2048 20200101000000Z 20210131000000Z
	mkdir -m 700 kx
	cp old.key kx/signing_key.pem
	cp old.der kx/signing_key.x509
	chmod 600 kx/signing_key.pem
	make_sign "$T/kx"
	expect_eq 1 "$(grep -cxF "modsign: warning: $T/kx/signing_key.x509 expired on Jan 31 00:00:00 2021 GMT: tools that check dates refuse it; make a new key with 'make rotate' (docs/key-rotation.md) and enroll it" "$T/err")" \
		"expired warnings in: $(cat "$T/err")"
	expect_eq 0 "$(grep -c "expire.*rotate-keys" "$T/err")" "old expiry advice in: $(cat "$T/err")"
}

# What cannot be a key or a certificate is refused before it is read: a
# file over 64 KiB (a sparse 2 GiB one took 2 GB of memory for over a
# minute), given as the key, the certificate or in a folder, and what is no
# regular file (a FIFO would block the read, a device never ends).
test_huge_or_special_files_are_refused_at_once() {
	dkms_pair d
	truncate -s 2G big
	mkfifo fifo
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/big" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: $T/big is 2147483648 bytes: too large to be the private key"
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/d/mok.key" CERT="$T/big" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: $T/big is 2147483648 bytes: too large to be the certificate"
	mkdir bigdir
	cp d/mok.pub bigdir/
	truncate -s 2G bigdir/mok.key
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/bigdir" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: $T/bigdir/mok.key is 2147483648 bytes"
	# one byte over the bound, and the bound itself (refused as no key)
	truncate -s $((64 * 1024 + 1)) over
	expect_exit 2 adopt FROM="$T/over" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "$T/over is 65537 bytes: too large"
	truncate -s $((64 * 1024)) at
	expect_exit 2 adopt FROM="$T/at" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
	expect_file_lacks "$T/err" "too large"
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/fifo" CERT="$T/d/mok.pub" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: $T/fifo is not a regular file"
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/d/mok.key" CERT="$T/fifo" KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: $T/fifo is not a regular file"
	expect_exit 2 timeout 10 make -s -C "$SUITE/tree" adopt-key FROM="$T/d/mok.key" CERT=/dev/zero KEYDIR="$T/keys"
	expect_file_contains "$T/err" "modsign: ERROR: /dev/zero is not a regular file"
	[ ! -e "$T/keys" ] || fail "KEYDIR was touched: $(ls -la "$T/keys")"
}

# ---------------------------------------------------------------------------
# ECDSA keys (issue #25): made on P-256 or P-384 with the module profile,
# signing for a kernel with CONFIG_CRYPTO_ECDSA (the 6.12 of Debian 12's
# backports, as trixie's kernels), refused before signing for one without
# (Debian 12's 6.1, the suite's $KDIR).

# kdir612: the 6.12 headers' folder (fetched once, by the tests that need it).
kdir612() {
	local env
	env=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12) || fail "cannot fetch the 6.12 headers"
	sed -n 's/^KDIR=//p' "$env"
}

# key_algo CERT: "id-ecPublicKey P-256 ecdsa-with-SHA256" (public key
# algorithm, NIST curve, the certificate's own signature algorithm).
key_algo() {
	local text
	text=$(openssl x509 -inform DER -in "$1" -noout -text)
	echo "$(sed -n 's/^ *Public Key Algorithm: *//p' <<<"$text") $(sed -n 's/^ *NIST CURVE: *//p' <<<"$text") $(awk '/Signature Algorithm:/ && !n++ { sub(/^ *Signature Algorithm: */, ""); print }' <<<"$text")"
}

test_ecdsa_keys_on_p256_and_p384_with_the_module_profile() {
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/p256" KEY_TYPE=ecdsa
	expect_file_contains "$T/out" "Creating an ECDSA P-256 module-signing key in $T/p256"
	expect_eq "id-ecPublicKey P-256 ecdsa-with-SHA256" "$(key_algo "$T/p256/signing_key.x509")" "P-256 pair"
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/p384" KEY_TYPE=ecdsa KEY_CURVE=P-384
	expect_eq "id-ecPublicKey P-384 ecdsa-with-SHA384" "$(key_algo "$T/p384/signing_key.x509")" "P-384 pair"
	local d
	for d in p256 p384; do
		expect_eq "Code Signing, $MODULE_OID" "$(eku_of "$T/$d/signing_key.x509")" "$d extended key usage"
		openssl x509 -inform DER -in "$T/$d/signing_key.x509" -noout -text >text
		expect_file_contains text "CA:FALSE"
		expect_file_contains text "Digital Signature"
		expect_eq "600 700" "$(stat -c %a "$T/$d/signing_key.pem") $(stat -c %a "$T/$d")" "$d modes"
		[ "$(openssl pkey -in "$T/$d/signing_key.pem" -pubout)" == "$(openssl x509 -inform DER -in "$T/$d/signing_key.x509" -noout -pubkey)" ] ||
			fail "$d: the key is not the certificate's"
	done
	# the same no-overwrite rule as for RSA
	sha256sum "$T/p256"/signing_key.* >before
	expect_exit 2 make -s -C "$SUITE/tree" keys KEYDIR="$T/p256" KEY_TYPE=ecdsa
	expect_file_contains "$T/err" "already exists"
	sha256sum -c --quiet before || fail "make keys changed the ECDSA pair"
	# RSA stays the default
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/rsa"
	expect_eq "rsaEncryption  sha256WithRSAEncryption" "$(key_algo "$T/rsa/signing_key.x509")" "default pair"
}

test_ecdsa_unusable_type_or_curve_is_a_usage_error() {
	local args want
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		expect_exit 2 env KEYDIR="$T/keys" $args "$SUITE/tree/scripts/make-keys.sh" create
		expect_file_contains "$T/err" "modsign: ERROR: $want"
		[ ! -e "$T/keys/signing_key.pem" ] || fail "$args made a key"
	done <<'EOT'
KEY_TYPE=ed25519|KEY_TYPE=ed25519: the kernel checks module signatures made with RSA or ECDSA keys: give KEY_TYPE=rsa (the default) or KEY_TYPE=ecdsa
KEY_TYPE=ecdsa KEY_CURVE=P-521|KEY_CURVE=P-521: the kit makes ECDSA keys on the curves P-256 (the default) and P-384
KEY_TYPE=ecdsa KEY_CURVE=secp256k1|KEY_CURVE=secp256k1: the kit makes ECDSA keys
KEY_CURVE=P-384|KEY_CURVE=P-384 is for ECDSA keys: give KEY_TYPE=ecdsa with it
EOT
	expect_exit 2 env KEYDIR="$T/keys" KEY_TYPE=ecdsa "$SUITE/tree/scripts/make-keys.sh" create kernel
	expect_file_contains "$T/err" "KEY_TYPE=ecdsa: boot images are signed with RSA keys"
	[ ! -e "$T/keys/kernel_key.pem" ] || fail "an ECDSA kernel key was made"
}

# make sign for 6.12 (CONFIG_CRYPTO_ECDSA=y): both signers, each module
# verified by modsign and openssl (make verify); sign-file's own signature
# of the same bytes verifies alike (ECDSA signatures differ from run to
# run: compared by verification, not bytes).
test_ecdsa_sign_for_a_kernel_with_crypto_ecdsa_verifies() {
	local k612 curve m signer
	k612=$(kdir612)
	grep -qx 'CONFIG_CRYPTO_ECDSA=y' "$k612/.config" || fail "the 6.12 headers lack CONFIG_CRYPTO_ECDSA=y"
	make -s -C "$TOP/sign" >/dev/null || fail "cannot build sign/modsign"
	for curve in P-256 P-384; do
		for signer in sign-file modsign; do
			"$TOP/sign/modsign" strip "$SUITE"/tree/modules/*.ko >/dev/null
			expect_exit 0 make -s -C "$SUITE/tree" -o modules -o modsign KDIR="$k612" KEYDIR="$T/$curve" \
				KEY_TYPE=ecdsa KEY_CURVE="$curve" SIGNER="$signer" MODSIGN="$TOP/sign/modsign" sign
			expect_file_contains "$T/out" "modsign: 2 signed"
			expect_exit 0 make -s -C "$SUITE/tree" KEYDIR="$T/$curve" verify
			expect_exit 0 "$TOP/sign/modsign" verify --cert "$T/$curve/signing_key.x509" "$SUITE"/tree/modules/*.ko
			for m in "$SUITE"/tree/modules/*.ko; do
				expect_file_contains "$T/out" "OK $m ("
				expect_eq sha256 "$(modinfo -F sig_hashalgo "$m")" "hash of $(basename "$m") ($curve, $signer)"
			done
		done
		m=$(find "$SUITE/tree/modules" -name '*.ko' | sort | sed -n 1p)
		cp "$m" ref.ko
		"$TOP/sign/modsign" strip ref.ko >/dev/null
		"$k612/scripts/sign-file" sha256 "$T/$curve/signing_key.pem" "$T/$curve/signing_key.x509" ref.ko
		expect_exit 0 "$TOP/sign/modsign" verify --cert "$T/$curve/signing_key.x509" ref.ko
		# what each signature covers is the same module
		cp ref.ko ref-body.ko
		cp "$m" kit-body.ko
		"$TOP/sign/modsign" strip ref-body.ko kit-body.ko >/dev/null
		cmp -s ref-body.ko kit-body.ko || fail "$curve: sign-file and make sign signed different bytes"
	done
}

# make sign for Debian 12's 6.1 (no CONFIG_CRYPTO_ECDSA) with an ECDSA key:
# refused before any module is touched, saying why and what to do.
test_ecdsa_sign_is_refused_for_a_kernel_without_crypto_ecdsa() {
	grep -qx '# CONFIG_CRYPTO_ECDSA is not set' "$KDIR/.config" || fail "$KDIR has CONFIG_CRYPTO_ECDSA"
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/ec" KEY_TYPE=ecdsa
	sha256sum "$SUITE"/tree/modules/*.ko >before
	local signer
	for signer in sign-file modsign; do
		expect_exit 2 make -s -C "$SUITE/tree" -o modules -o modsign KDIR="$KDIR" KEYDIR="$T/ec" \
			SIGNER="$signer" MODSIGN="$TOP/sign/modsign" sign
		expect_file_contains "$T/err" "modsign: ERROR: $T/ec/signing_key.x509 is an ECDSA P-256 key, and the kernel of $KDIR cannot check ECDSA signatures (CONFIG_CRYPTO_ECDSA is not set in $KDIR/.config)"
		expect_file_contains "$T/err" "make keys KEYDIR="
		expect_file_contains "$T/err" "make keys KEYDIR=<folder> (RSA is the default), then make sign KDIR=$KDIR KEYDIR=<folder>, and enroll that certificate too (make enroll KEYDIR=<folder>)"
		expect_file_contains "$T/err" "no module was touched"
		expect_file_lacks "$T/out" "SIGN"
		sha256sum -c --quiet before || fail "a module changed ($signer)"
	done
	# the same key for a kernel that has it: signed
	expect_exit 0 make -s -C "$SUITE/tree" -o modules KDIR="$(kdir612)" KEYDIR="$T/ec" sign
	expect_file_contains "$T/out" "modsign: 2 signed"
}

# dkms_key: make dkms-key with $T/ec, writing below $T, reading ROOT=$T/root.
dkms_key() {
	env MOKUTIL=/nonexistent ROOT="$T/root" DKMS_KEY_DIR="$T/var/lib/modsign" \
		DKMS_DROPIN="$T/etc/dkms/framework.conf.d/modsign.conf" \
		make -s -C "$SUITE/tree" dkms-key KEYDIR="$T/ec" PREFIX="$T/usr/local"
}

# make dkms-key with an ECDSA pair: refused, nothing written, while a kernel
# in ROOT/lib/modules lacks CONFIG_CRYPTO_ECDSA (DKMS signs for every
# kernel); else DKMS's sign program signs with the copy, and it verifies.
test_ecdsa_dkms_key() {
	[ "$EUID" == 0 ] || fail "needs root: make dkms-key writes root-owned files"
	local m
	make -s -C "$TOP/sign" >/dev/null || fail "cannot build sign/modsign"
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/ec" KEY_TYPE=ecdsa KEY_CURVE=P-384
	mkdir -p usr/local/lib/modsign root/lib/modules/6.1.0-test root/lib/modules/6.12.0-test root/boot
	cp "$TOP/scripts/dkms-sign-file" "$TOP/scripts/modsig-lib.sh" usr/local/lib/modsign/
	cp "$KDIR/.config" root/boot/config-6.1.0-test
	sed 's/^# CONFIG_CRYPTO_ECDSA is not set$/CONFIG_CRYPTO_ECDSA=y/' "$KDIR/.config" >root/boot/config-6.12.0-test
	expect_exit 2 dkms_key
	expect_file_contains "$T/err" "modsign: ERROR: $T/ec/signing_key.x509 is an ECDSA P-384 key, and these kernels cannot check ECDSA signatures (no CONFIG_CRYPTO_ECDSA in their config): 6.1.0-test ($T/root/boot/config-6.1.0-test)"
	expect_file_contains "$T/err" "nothing was changed"
	if [ -e var ] || [ -e etc ]; then
		fail "make dkms-key wrote: $(find var etc)"
	fi
	rm -r root/lib/modules/6.1.0-test
	expect_exit 0 dkms_key
	expect_file_contains "$T/etc/dkms/framework.conf.d/modsign.conf" "mok_signing_key=\"$T/var/lib/modsign/signing_key.pem\""
	m=$(find "$SUITE/tree/modules" -name '*.ko' | sort | sed -n 1p)
	cp "$m" dkms.ko
	"$TOP/sign/modsign" strip dkms.ko >/dev/null
	# the fake machine's kernels (the host's 6.1 headers lack ECDSA)
	expect_exit 0 env MODSIGN="$TOP/sign/modsign" MODSIGN_ROOT="$T/root" usr/local/lib/modsign/dkms-sign-file sha256 \
		"$T/var/lib/modsign/signing_key.pem" "$T/var/lib/modsign/signing_key.x509" "$T/dkms.ko"
	expect_exit 0 "$TOP/sign/modsign" verify --cert "$T/ec/signing_key.x509" dkms.ko
	expect_file_contains "$T/out" "OK dkms.ko ("
}

# DKMS's sign program, given an ECDSA key for a module whose kernel (the
# release in its vermagic; DKMS 3.0.10 and 3.2.2 pass no kernel to it)
# lacks CONFIG_CRYPTO_ECDSA in its config (MODSIGN_ROOT/boot/config-R,
# usr/lib/modules/R/config or lib/modules/R/build/.config): refused with
# make sign's words, the module unchanged; with the option set, signed.
test_ecdsa_dkms_sign_file_refuses_a_kernel_without_ecdsa() {
	local m rel sum prog=$TOP/scripts/dkms-sign-file
	make -s -C "$TOP/sign" >/dev/null || fail "cannot build sign/modsign"
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/ec" KEY_TYPE=ecdsa
	m=$(find "$SUITE/tree/modules" -name '*.ko' | sort | sed -n 1p)
	cp "$m" m.ko
	"$TOP/sign/modsign" strip m.ko >/dev/null || fail "cannot strip $m"
	rel=$(modinfo -F vermagic m.ko | awk '{ print $1 }')
	[ -n "$rel" ] || fail "m.ko has no vermagic"
	sum=$(sha256sum <m.ko)
	mkdir -p root/boot
	cp "$KDIR/.config" "root/boot/config-$rel"
	expect_exit 1 env MODSIGN="$TOP/sign/modsign" MODSIGN_ROOT="$T/root" "$prog" sha256 \
		"$T/ec/signing_key.pem" "$T/ec/signing_key.x509" "$T/m.ko"
	expect_file_contains "$T/err" "modsign: ERROR: dkms-sign-file: $T/ec/signing_key.x509 is an ECDSA P-256 key, and the kernel $rel cannot check ECDSA signatures (CONFIG_CRYPTO_ECDSA is not set in $T/root/boot/config-$rel): it would refuse every module signed with it ('Key was rejected by service' under Secure Boot)"
	expect_file_contains "$T/err" "so $T/m.ko is NOT signed"
	expect_eq "$sum" "$(sha256sum <m.ko)" "m.ko after the refusal"
	# the headers' config alone tells too
	rm "root/boot/config-$rel"
	mkdir -p "root/lib/modules/$rel/build"
	cp "$KDIR/.config" "root/lib/modules/$rel/build/.config"
	expect_exit 1 env MODSIGN="$TOP/sign/modsign" MODSIGN_ROOT="$T/root" "$prog" sha256 \
		"$T/ec/signing_key.pem" "$T/ec/signing_key.x509" "$T/m.ko"
	expect_file_contains "$T/err" "(CONFIG_CRYPTO_ECDSA is not set in $T/root/lib/modules/$rel/build/.config)"
	expect_eq "$sum" "$(sha256sum <m.ko)" "m.ko after the second refusal"
	# a kernel that checks ECDSA: signed, and it verifies
	sed 's/^# CONFIG_CRYPTO_ECDSA is not set$/CONFIG_CRYPTO_ECDSA=y/' "$KDIR/.config" >"root/lib/modules/$rel/build/.config"
	expect_exit 0 env MODSIGN="$TOP/sign/modsign" MODSIGN_ROOT="$T/root" "$prog" sha256 \
		"$T/ec/signing_key.pem" "$T/ec/signing_key.x509" "$T/m.ko"
	expect_exit 0 "$TOP/sign/modsign" verify --cert "$T/ec/signing_key.x509" m.ko
	expect_file_contains "$T/out" "OK m.ko ("
}

# make rotate-keys: the new pair takes the old one's type and curve unless
# KEY_TYPE says otherwise.
test_ecdsa_rotate_keys_keeps_the_type_and_curve() {
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/k" KEY_TYPE=ecdsa KEY_CURVE=P-384
	local fp
	fp=$(openssl x509 -inform DER -in "$T/k/signing_key.x509" -noout -fingerprint)
	expect_exit 0 make -s -C "$SUITE/tree" rotate-keys KEYDIR="$T/k"
	expect_file_contains "$T/out" "The current pair is ECDSA P-384: so is the new one"
	expect_eq "id-ecPublicKey P-384 ecdsa-with-SHA384" "$(key_algo "$T/k/signing_key.x509")" "rotated pair"
	[ "$fp" != "$(openssl x509 -inform DER -in "$T/k/signing_key.x509" -noout -fingerprint)" ] || fail "no new pair"
	sleep 1
	expect_exit 0 make -s -C "$SUITE/tree" rotate-keys KEYDIR="$T/k" KEY_TYPE=rsa
	expect_eq "rsaEncryption  sha256WithRSAEncryption" "$(key_algo "$T/k/signing_key.x509")" "pair after KEY_TYPE=rsa"
	sleep 1
	expect_exit 0 make -s -C "$SUITE/tree" rotate-keys KEYDIR="$T/k"
	expect_eq "rsaEncryption  sha256WithRSAEncryption" "$(key_algo "$T/k/signing_key.x509")" "RSA pair rotated"
	expect_file_lacks "$T/out" "ECDSA"
}

# A module whose signature trailer is damaged: in a clone, rebuild it with
# make clean all (through modsign-kit, the user's module: tests/deb).
test_damaged_trailer_names_make_clean_all() {
	expect_exit 0 make -s -C "$SUITE/tree" keys KEYDIR="$T/k"
	cp "$(find "$SUITE/tree/modules" -name '*.ko' | LC_ALL=C sort | sed -n 1p)" bad.ko
	printf '\0\0\2\0\0\0\0\0\377\377\377\377~Module signature appended~\n' >>bad.ko
	expect_exit 1 "$SUITE/tree/scripts/sign-modules.sh" "$KDIR" "$T/k/signing_key.pem" "$T/k/signing_key.x509" "$T/bad.ko"
	expect_file_contains "$T/err" "$T/bad.ko: its signature trailer is damaged: rebuild the module ('make clean all') and sign again"
}

run_tests "$@"
