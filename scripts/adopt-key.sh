#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# adopt-key.sh: make a key pair that already exists, and may already be
# enrolled, the kit's module key, so that no second enrollment is needed.
#
#   adopt-key.sh DIR          DIR holds DKMS's pair (mok.key, mok.pub), Ubuntu's
#                             (MOK.priv, MOK.der) or a kit's (signing_key.pem,
#                             signing_key.x509)
#   adopt-key.sh KEY CERT     any pair; each file PEM or DER
#
# It refuses a key that does not belong to the certificate, a key protected
# by a passphrase, and a KEYDIR that holds a key already (it never
# overwrites one). It says how the certificate differs from the kit's
# profile (keys/openssl.cnf), as information, then make-keys.sh writes
# KEYDIR/signing_key.pem (PEM, 0600) and signing_key.x509 (DER) with the
# care it takes for a new pair (KEYDIR's lock, umask 077, ln), and
# mok-enroll.sh --status says whether the certificate is enrolled.
# Environment: KEYDIR (default: keys/ beside this script's folder), MOKUTIL.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/modsig-lib.sh
. "$HERE/scripts/modsig-lib.sh" # kit_cmd: what to run, in make's or modsign-kit's words
KEYDIR=${KEYDIR:-$HERE/keys}
MOKUTIL=${MOKUTIL:-mokutil}
MODULE_OID=1.3.6.1.4.1.2312.16.1.2

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

usage() {
	echo "modsign: ERROR: $*" >&2
	echo "usage: $(kit_cmd adopt-key FROM=DIR) | $(kit_cmd adopt-key FROM=KEYFILE CERT=CERTFILE)" >&2
	exit 2
}

say() {
	echo "adopt-key: $*"
}

# The pairs FROM=DIR recognises: key, certificate, whose.
LAYOUTS=(
	"mok.key mok.pub DKMS's"
	"MOK.priv MOK.der Ubuntu's shim-signed"
	"signing_key.pem signing_key.x509 the kit's"
)

# from_dir DIR: sets key and cert to the one pair DIR holds.
from_dir() {
	local dir=${1%/} l k c who keys=() half=()
	[ -n "$dir" ] || dir=/
	[[ -x "$dir" && -r "$dir" ]] ||
		die "cannot look into $dir (owner $(stat -c %U -- "$dir"), mode $(stat -c %a -- "$dir")): run it as root: sudo $(kit_cmd adopt-key FROM="$dir")"
	for l in "${LAYOUTS[@]}"; do
		read -r k c who <<<"$l"
		if [ -e "$dir/$k" ] && [ -e "$dir/$c" ]; then
			keys+=("$dir/$k")
			cert=$dir/$c
		elif [ -e "$dir/$k" ] || [ -e "$dir/$c" ]; then
			half+=("$(if [ -e "$dir/$k" ]; then echo "$dir/$k but not $dir/$c"; else echo "$dir/$c but not $dir/$k"; fi) ($who pair)")
		fi
	done
	case ${#keys[@]} in
	1) key=${keys[0]} ;;
	0)
		[ ${#half[@]} == 0 ] ||
			die "$dir holds ${half[0]}: the key and its certificate belong together; restore the missing one, or name both: $(kit_cmd adopt-key FROM=KEYFILE CERT=CERTFILE)"
		die "$dir holds none of the pairs adopt-key knows: mok.key + mok.pub (DKMS, /var/lib/dkms), MOK.priv + MOK.der (Ubuntu, /var/lib/shim-signed/mok), signing_key.pem + signing_key.x509 (the kit's keys/); for another pair: $(kit_cmd adopt-key FROM=KEYFILE CERT=CERTFILE)"
		;;
	*) die "$dir holds more than one pair (keys ${keys[*]}): name the one to adopt: $(kit_cmd adopt-key FROM=KEYFILE CERT=CERTFILE)" ;;
	esac
}

# The most adopt-key reads of a key or certificate file. Real ones are a
# few KiB: an RSA-8192 private key is 6.4 KB in PEM (4.7 KB in DER), its
# certificate 3.2 KB in PEM (2.3 KB in DER), 12 KB with openssl's text
# above it. 64 KiB leaves a wide margin, keeps a wrong file (a disk image,
# a log) from being read whole into memory by grep and openssl, and bounds
# OpenSSL 3.0's key decoders, which try every format in turn: 45 s of CPU
# for 1 MiB of zeros, 2.9 s for 64 KiB (measured with openssl pkey).
MAX_BYTES=$((64 * 1024))

# readable FILE WHAT: FILE is a regular file (not a FIFO, whose read would
# block, nor a device), no larger than MAX_BYTES, that we can read; checked
# before anything reads it.
readable() {
	local size
	[ -e "$1" ] || die "$1: no such file ($2)"
	[ -f "$1" ] || die "$1 is not a regular file (it is a $(stat -L -c %F -- "$1")), so it cannot be $2: name the file itself; nothing was changed"
	size=$(stat -L -c %s -- "$1")
	[ "$size" -le "$MAX_BYTES" ] ||
		die "$1 is $size bytes: too large to be $2 (a key or certificate, even RSA-8192 in PEM, is a few KiB; adopt-key reads none over 64 KiB): name the key and certificate files themselves; nothing was changed"
	[ -r "$1" ] ||
		die "cannot read $1 (owner $(stat -c %U -- "$1"), mode $(stat -c %a -- "$1")): run it as that user or as root: sudo $(kit_cmd adopt-key ...)"
}

# encrypted KEY: KEY is an encrypted private key, PEM (both of OpenSSL's
# forms say ENCRYPTED) or DER (an EncryptedPrivateKeyInfo: its first
# object is a password-based encryption scheme).
encrypted() {
	grep -aqE -- '-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED' "$1" && return 0
	grep -aq -- '-----BEGIN' "$1" && return 1
	local first
	first=$(openssl asn1parse -inform DER -in "$1" 2>/dev/null | awk '/OBJECT/ && !n++') || true
	grep -qiE ':(PBES2|pbeWith|PBE-)' <<<"$first"
}

check_pair() {
	local a b
	readable "$key" "the private key"
	readable "$cert" "the certificate"
	b=$(openssl x509 -in "$cert" -noout -pubkey 2>/dev/null) ||
		die "$cert is not an X.509 certificate (PEM or DER) (FROM names the key, CERT the certificate)"
	if encrypted "$key"; then
		die "$key is protected by a passphrase, and the kit signs without asking for one: DKMS signs during 'apt install' and kernel upgrades, where nobody can type it, and '$(kit_cmd sign)' runs sign-file, which cannot prompt. Write a copy without the passphrase (openssl asks for it once), adopt the copy, then delete it: (umask 077 && openssl pkey -in $key -out $key.nopass.pem) && $(kit_cmd adopt-key FROM="$key.nopass.pem" CERT="$cert") && rm $key.nopass.pem; nothing was changed"
	fi
	a=$(openssl pkey -in "$key" -passin pass: -pubout 2>/dev/null) ||
		die "$key is not a private key openssl can read (PEM or DER) (FROM names the key, CERT the certificate); nothing was changed"
	[ "$a" == "$b" ] ||
		die "the key $key does not belong to the certificate $cert (their public keys differ): give the certificate that was made with this key; nothing was changed"
}

# same_pair: KEYDIR holds this very pair already.
same_pair() {
	local k=$KEYDIR/signing_key.pem c=$KEYDIR/signing_key.x509
	[[ -f "$k" && -f "$c" ]] || return 1
	[ "$(openssl pkey -in "$k" -pubout 2>/dev/null)" == "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ] &&
		cmp -s <(openssl x509 -in "$c" -outform DER 2>/dev/null) <(openssl x509 -in "$cert" -outform DER)
}

# check_keydir: adopting never overwrites (make-keys.sh checks again under
# KEYDIR's lock); here the refusal says what to do.
check_keydir() {
	local f there=() old
	for f in "$KEYDIR/signing_key.pem" "$KEYDIR/signing_key.x509"; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || there+=("$f")
	done
	[ ${#there[@]} != 0 ] || return 0
	if same_pair; then
		say "$KEYDIR already holds this pair ($key, $cert): nothing to do"
		exit 0
	fi
	old=$KEYDIR/retired/$(date +%Y%m%d-%H%M%S)-module
	die "$KEYDIR already holds ${there[*]}: adopt-key never overwrites a key. If that key's certificate is the one enrolled, keep it and adopt nothing. Otherwise move the pair aside first (modules signed with it can still be checked there): mkdir -p $old && mv ${there[*]} $old/, then run $(kit_cmd adopt-key) again. Or adopt into another folder with $(kit_opt KEYDIR=...); nothing was changed"
}

# field TEXT NAME: the value under "NAME:" in openssl's text of a
# certificate (the line after it, for an extension; the rest of the line
# otherwise).
field() {
	awk -v n="$2:" 'f { sub(/^ */, ""); print; exit }
		{ i = index($0, n) }
		i && n ~ /^X509v3/ { f = 1; next }
		i { print substr($0, i + length(n) + 1); exit }' <<<"$1"
}

# report: how the certificate differs from the kit's profile; information
# only, nothing here refuses the pair. One openssl run: its text.
report() {
	local text eku bc ku alg bits end end_s now lacks=()
	text=$(openssl x509 -in "$cert" -noout -text)
	eku=$(field "$text" "X509v3 Extended Key Usage")
	bc=$(field "$text" "X509v3 Basic Constraints")
	ku=$(field "$text" "X509v3 Key Usage")
	alg=$(field "$text" "Public Key Algorithm")
	bits=$(sed -n 's/^ *Public-Key: (\([0-9]*\) bit)/\1/p' <<<"$text" | sed -n 1p)
	end=$(field "$text" "Not After ")
	say "key: $key"
	say "certificate: $cert"
	say "  subject: $(field "$text" "Subject")"
	say "  $alg, ${bits:-?} bits; valid until $end; extended key usage: ${eku:-none}; basic constraints: ${bc:-none}"

	[[ "$eku" == *"Code Signing"* ]] ||
		lacks+=("codeSigning in its extended key usage: kernels that require it of a module's signer, such as SUSE's ('PKCS7: ... key is not CodeSigning'), refuse the modules it signs; Debian's and Ubuntu's do not check ('$(kit_cmd sign)' notes this once per run)")
	[[ "$eku" == *"$MODULE_OID"* ]] ||
		lacks+=("the module-signing OID $MODULE_OID: shim does not refuse this key for boot images, so once it is enrolled, whoever gets hold of the private key can sign a bootloader or kernel this machine boots (a key made by '$(kit_cmd keys)' cannot)")
	[[ "$bc" != *"CA:TRUE"* ]] ||
		lacks+=("CA:FALSE: it is marked as a certificate authority (CA:TRUE, as DKMS makes its key), so it may vouch for other certificates; the kit's key only signs")
	[ -z "$ku" ] || [[ "$ku" == *"Digital Signature"* ]] ||
		lacks+=("digitalSignature in its key usage ($ku): checks that honour the extension refuse it for signatures")
	if [ "$alg" != rsaEncryption ] && [ "$alg" != id-ecPublicKey ]; then
		lacks+=("an RSA or ECDSA key ($alg): the types '$(kit_cmd keys)' makes (RSA unless $(kit_opt KEY_TYPE=ecdsa))")
	elif [ "$alg" != rsaEncryption ]; then
		lacks+=("an RSA key ($alg): kernels without CONFIG_CRYPTO_ECDSA, such as Debian 12's 6.1, refuse the modules an ECDSA key signs, and '$(kit_cmd sign)' and DKMS's sign program refuse to sign for them; '$(kit_cmd keys)' makes RSA unless $(kit_opt KEY_TYPE=ecdsa)")
	elif [ "$bits" != 2048 ] && [ "$bits" != 3072 ] && [ "$bits" != 4096 ]; then
		lacks+=("2048, 3072 or 4096 bits (it has ${bits:-an unknown number of}): the sizes '$(kit_cmd keys)' makes")
	fi
	now=$(date +%s)
	end_s=$(date -d "$end" +%s 2>/dev/null) || end_s=$now
	if [ "$end_s" -le "$now" ]; then
		lacks+=("validity: it expired on $end; '$(kit_cmd sign)' warns about it on every run, and tools that check dates refuse it")
	elif [ "$end_s" -le $((now + 365 * 24 * 3600)) ]; then
		lacks+=("a long validity: it expires on $end, within a year ('$(kit_cmd keys)' makes 100 years)")
	fi

	if [ ${#lacks[@]} == 0 ]; then
		say "compared with the kit's profile (keys/openssl.cnf): nothing is missing"
	else
		say "compared with the kit's profile (keys/openssl.cnf), the certificate lacks (information, not a refusal):"
		printf 'adopt-key:   - %s\n' "${lacks[@]}"
	fi
}

# enrollment CERT: what mok-enroll.sh --status says about CERT, from its
# text (mokutil's exit codes cannot be trusted, and neither is its own).
enrollment() {
	local out
	out=$(MOKUTIL=$MOKUTIL "$HERE/mok-enroll.sh" --status --cert "$1" 2>&1) || true
	case $out in
	*"status: "*) sed -n 's/^status: //p' <<<"$out" | tail -n 1 ;;
	*"EFI variables are not supported"*) echo "cannot be checked here (no EFI variables)" ;;
	*) echo "cannot be checked here ($(tail -n 1 <<<"$out" | sed 's/^modsign: ERROR: //'))" ;;
	esac
}

case $# in
1 | 2) ;;
*) usage "give FROM (and CERT with a key file)" ;;
esac
from=$1
[ -n "$from" ] || usage "FROM is empty: name a folder or a key file"
if [ -d "$from" ]; then
	[ $# == 1 ] || [ -z "$2" ] || usage "CERT=$2 goes with FROM=KEYFILE; FROM=DIR finds the certificate itself"
	from_dir "$from"
elif [ -e "$from" ]; then
	[[ $# == 2 && -n "$2" ]] || usage "FROM=$from is a file: name its certificate too (CERT=CERTFILE)"
	key=$from cert=$2
else
	die "FROM=$from: no such file or folder"
fi

check_pair
check_keydir
report
KEYDIR=$KEYDIR "$HERE/scripts/make-keys.sh" adopt "$key" "$cert" | sed 's/^/adopt-key: /'
state=$(enrollment "$KEYDIR/signing_key.x509")
say "enrollment: $state"
case $state in
enrolled*) say "the certificate is enrolled: no new enrollment is needed; '$(kit_cmd sign)' signs with this key from now on" ;;
pending*) say "its enrollment is queued: confirm it in MokManager at the next boot; '$(kit_cmd sign)' signs with this key from now on" ;;
not-enrolled*) say "enroll the certificate ('sudo $(kit_cmd enroll)', then reboot and confirm it in MokManager) before modules signed with it can load under Secure Boot" ;;
*) say "check on the machine that boots with Secure Boot: ./mok-enroll.sh --status --cert $KEYDIR/signing_key.x509" ;;
esac
