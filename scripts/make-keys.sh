#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Creates one of the kit's key pairs, never overwriting one.
#
#   make-keys.sh create [module|kernel]   make the pair; refuse if any part exists
#   make-keys.sh ensure [module|kernel]   make the pair only if there is none
#   make-keys.sh rotate [module|kernel]   move the pair to KEYDIR/retired/<date>-<kind>/,
#                                         then make a new one
#   make-keys.sh adopt KEY CERT           make an existing pair (PEM or DER, checked
#                                         by scripts/adopt-key.sh) the module pair;
#                                         refuse if any part exists
#
# module (default): signing_key.pem + signing_key.x509 (DER), for modules.
# kernel: kernel_key.pem + kernel_key.crt (PEM, as sbsign takes it) +
#         kernel_key.der (for mokutil), for boot images.
# Environment: KEYDIR (default: keys/ beside this script's folder),
# KEY_TYPE (rsa, the default, or ecdsa: module pairs only), KEY_BITS (RSA:
# 2048, 3072 or 4096), KEY_CURVE (ECDSA: P-256, the default, or P-384),
# KEY_DAYS (validity in days). `rotate` with no KEY_TYPE makes the new pair
# of the type (and curve) of the pair it retires.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEYDIR=${KEYDIR:-$here/keys}
KEY_BITS=${KEY_BITS:-2048}
KEY_DAYS=${KEY_DAYS:-36500}
KEY_TYPE=${KEY_TYPE:-}
KEY_CURVE=${KEY_CURVE:-}

# shellcheck source=scripts/modsig-lib.sh
. "$here/scripts/modsig-lib.sh"

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

usage_die() {
	echo "modsign: ERROR: $*" >&2
	exit 2
}

if [ "${1:-}" == adopt ]; then
	[ $# == 3 ] || {
		echo "usage: make-keys.sh adopt KEY CERT" >&2
		exit 2
	}
	kind=module src_key=$2 src_cert=$3
else
	kind=${2:-module}
fi
case "$kind" in
module)
	key=$KEYDIR/signing_key.pem
	certs=("$KEYDIR/signing_key.x509")
	profile=module_signing
	what="module-signing"
	rotate_target=$(kit_cmd rotate-keys)
	;;
kernel)
	key=$KEYDIR/kernel_key.pem
	certs=("$KEYDIR/kernel_key.crt" "$KEYDIR/kernel_key.der")
	profile=kernel_signing
	what="kernel (boot image) signing"
	rotate_target="make rotate-kernel-keys"
	;;
*)
	echo "usage: make-keys.sh create|ensure|rotate [module|kernel] | adopt KEY CERT" >&2
	exit 2
	;;
esac
files=("$key" "${certs[@]}")

# key_choice: checks KEY_TYPE, KEY_BITS and KEY_CURVE; sets $newkey (what
# openssl req -newkey takes), $md (the certificate's own signature hash)
# and $desc (for the messages).
key_choice() {
	case "$KEY_TYPE" in
	'' | rsa)
		[ -z "$KEY_CURVE" ] ||
			usage_die "$(kit_opt "KEY_CURVE=$KEY_CURVE") is for ECDSA keys: give $(kit_opt KEY_TYPE=ecdsa) with it, or leave $(kit_opt KEY_CURVE) out for an RSA key"
		case "$KEY_BITS" in
		2048 | 3072 | 4096) ;;
		*) die "$(kit_opt "KEY_BITS=$KEY_BITS"): the kernel takes RSA keys of 2048, 3072 or 4096 bits" ;;
		esac
		newkey=(-newkey "rsa:$KEY_BITS") md=-sha256 desc="a $KEY_BITS-bit RSA"
		;;
	ecdsa)
		[ "$kind" == module ] ||
			usage_die "KEY_TYPE=ecdsa: boot images are signed with RSA keys (sbsign, and the shim and grub that check them); make the kernel pair without KEY_TYPE"
		case "${KEY_CURVE:-P-256}" in
		P-256) md=-sha256 ;;
		P-384) md=-sha384 ;;
		*) usage_die "$(kit_opt "KEY_CURVE=$KEY_CURVE"): the kit makes ECDSA keys on the curves P-256 (the default) and P-384, which every kernel with CONFIG_CRYPTO_ECDSA checks; give one of those" ;;
		esac
		newkey=(-newkey ec -pkeyopt "ec_paramgen_curve:${KEY_CURVE:-P-256}" -pkeyopt ec_param_enc:named_curve)
		desc="an ECDSA ${KEY_CURVE:-P-256}"
		;;
	*) usage_die "$(kit_opt "KEY_TYPE=$KEY_TYPE"): the kernel checks module signatures made with RSA or ECDSA keys: give $(kit_opt KEY_TYPE=rsa) (the default) or $(kit_opt KEY_TYPE=ecdsa)" ;;
	esac
}

# rotate with no KEY_TYPE: the new pair is of the retired one's type and
# curve (its certificate is read; the pair is moved later, under the lock)
if [ "${1:-}" == rotate ] && [ -z "$KEY_TYPE" ] && [ -f "${certs[0]}" ] &&
	t=$(key_type "${certs[0]}") && [[ "$t" == "ecdsa P-"* ]]; then
	KEY_TYPE=ecdsa KEY_CURVE=${KEY_CURVE:-${t#ecdsa }}
	echo "The current pair is ECDSA ${t#ecdsa }: so is the new one ($(kit_opt KEY_TYPE=rsa) for an RSA pair)"
fi
[ "${1:-}" == adopt ] || key_choice
[[ "$KEY_DAYS" =~ ^[1-9][0-9]{0,5}$ ]] ||
	die "$(kit_opt "KEY_DAYS=$KEY_DAYS"): give the validity as a whole number of days"
command -v openssl >/dev/null ||
	die "openssl is not installed: apt-get install openssl"

# present: how many files of the pair exist.
present() {
	local f n=0
	for f in "${files[@]}"; do
		[ ! -e "$f" ] || n=$((n + 1))
	done
	echo "$n"
}

# begin: refuse if any part of the pair exists, then a private work folder
# in KEYDIR ($tmp, removed on exit): the key is private from its first
# byte (a 0700 folder, 0600 files).
begin() {
	if [ "$(present)" != 0 ]; then
		die "$(basename "$key") or its certificate already exists in $KEYDIR: refusing to overwrite a key; run '$rotate_target' to retire the pair and make a new one"
	fi
	umask 077
	mkdir -p "$KEYDIR"
	chmod 0700 "$KEYDIR"
	tmp=$(mktemp -d "$KEYDIR/.new.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
}

# prepare: the PEM copy of $tmp/der, and the modes.
prepare() {
	openssl x509 -inform DER -in "$tmp/der" -outform PEM -out "$tmp/pem"
	chmod 0600 "$tmp/key"
	chmod 0644 "$tmp/der" "$tmp/pem"
}

# place: the pair in $tmp (key, der, pem) under its names. ln refuses an
# existing name: a pair made meanwhile is never replaced, and the names
# this run made go again, so no half pair is left.
place() {
	local f src m made=()
	for f in "${files[@]}"; do
		case "$f" in
		"$key") src=$tmp/key ;;
		*.crt) src=$tmp/pem ;;
		*) src=$tmp/der ;;
		esac
		if ! ln "$src" "$f"; then
			for m in "${made[@]}"; do
				if [ "$m" -ef "$tmp/key" ] || [ "$m" -ef "$tmp/pem" ] || [ "$m" -ef "$tmp/der" ]; then
					rm -f "$m"
				fi
			done
			die "$f appeared meanwhile: left as it is, and nothing new was kept"
		fi
		made+=("$f")
	done
}

# retired_cns: the names of the retired pairs of this kind, one a line.
retired_cns() {
	local c
	for c in "$KEYDIR"/retired/*-"$kind"/"$(basename "${certs[0]}")"; do
		[ -f "$c" ] || continue
		openssl x509 -inform "$([ "${c##*.}" == crt ] && echo PEM || echo DER)" -in "$c" \
			-noout -subject -nameopt multiline 2>/dev/null | sed -n 's/^ *commonName *= //p'
	done
}

create() {
	local name cn base n=1 taken
	begin
	name=$(uname -n)
	# The date tells a rotated key from the one before it in modinfo's
	# signer field, and a number one made the same day (people tell
	# keys apart by name; the kernel by key id).
	base="modsign $kind signing key for ${name:-this machine} $(date +%Y-%m-%d)"
	cn=$base
	taken=$(retired_cns)
	while grep -qxF -- "$cn" <<<"$taken"; do
		n=$((n + 1))
		cn="$base ($n)"
	done
	echo "Creating $desc $what key in $KEYDIR ($KEY_DAYS days): CN=$cn"
	MODSIGN_CN=$cn openssl req -new -x509 -nodes -utf8 "$md" -batch \
		-config "$here/keys/openssl.cnf" -extensions "$profile" -days "$KEY_DAYS" \
		"${newkey[@]}" -keyout "$tmp/key" \
		-outform DER -out "$tmp/der" 2>"$tmp/log" ||
		die "openssl could not create the key: $(cat "$tmp/log")"
	prepare
	place
	echo "Created $key (private, mode 0600) and ${certs[*]} (certificate)"
}

# adopt: the key (PEM or DER, no passphrase) as PEM and the certificate
# (PEM or DER) as DER, through the same work folder and ln as a new pair.
# Run as root (to read root's /var/lib/dkms/mok.key), the files go to the
# owner of KEYDIR (of its parent, for a KEYDIR made here), so that `make
# sign` as that user can read them; chown -h, so that a name swapped for
# a link changes nothing else.
adopt() {
	local owner from
	begin
	openssl pkey -in "$src_key" -passin pass: -out "$tmp/key" 2>"$tmp/log" ||
		die "openssl cannot read the key $src_key: $(cat "$tmp/log")"
	openssl x509 -in "$src_cert" -outform DER -out "$tmp/der" 2>"$tmp/log" ||
		die "openssl cannot read the certificate $src_cert: $(cat "$tmp/log")"
	prepare
	if [ "$EUID" == 0 ]; then
		from=$KEYDIR
		[ "$made_keydir" != 1 ] || from=$(dirname "$KEYDIR")
		owner=$(stat -c %u:%g -- "$from")
		if [ "${owner%%:*}" != 0 ]; then
			echo "Giving the pair to $(id -nu "${owner%%:*}" 2>/dev/null || echo "uid ${owner%%:*}"), the owner of $from, so that '$(kit_cmd sign)' as that user can read it"
			chown -h "$owner" "$tmp/key" "$tmp/der" "$tmp/pem"
			[ "$made_keydir" != 1 ] || chown -h "$owner" "$KEYDIR"
		fi
	fi
	place
	echo "Adopted $src_key as $key (private, mode 0600) and $src_cert as ${certs[*]} (certificate, DER)"
}

# One make-keys.sh at a time in KEYDIR (two `make sign` at once would both
# make a pair): an flock on the folder, held until the end.
made_keydir=0
case "${1:-}" in
create | ensure | rotate | adopt)
	# Run as root (sudo make keys, sudo make rotate) in a folder a user
	# owns, a link there would lead root's mkdir, chmod and ln to any
	# folder of the system: KEYDIR and its retired/ must be real folders.
	if [ "$EUID" == 0 ]; then
		for d in "$KEYDIR" "$KEYDIR/retired"; do
			[ ! -L "$d" ] ||
				die "$d is a symbolic link (to $(readlink -- "$d")): run as root, the kit does not follow links in the key folder; make it a real folder, or set $(kit_opt KEYDIR) to the real path"
		done
	fi
	if [ ! -d "$KEYDIR" ]; then
		(umask 077 && mkdir -p "$KEYDIR")
		made_keydir=1
	fi
	exec {lockfd}<"$KEYDIR"
	flock "$lockfd"
	;;
esac

# A name of the pair that is a symbolic link to nothing counts as there
# (ln cannot make it) but is no key: refused before anything is made.
for f in "${files[@]}"; do
	if [ -L "$f" ] && [ ! -e "$f" ]; then
		die "$f is a symbolic link to $(readlink -- "$f"), which does not exist: remove the link (rm '$f') or restore what it points to, then run again"
	fi
done

case "${1:-}" in
create) create ;;
adopt) adopt ;;
ensure)
	case "$(present)" in
	0) create ;;
	"${#files[@]}") ;;
	*) die "only half of the key pair is in $KEYDIR ($(basename "$key") and its certificate belong together): restore the other half, or run '$rotate_target'" ;;
	esac
	;;
rotate)
	if [ "$(present)" != 0 ]; then
		old=$KEYDIR/retired/$(date +%Y%m%d-%H%M%S)-$kind
		mkdir -p "$KEYDIR/retired"
		chmod 0700 "$KEYDIR/retired"
		mkdir "$old" 2>/dev/null || die "$old exists already: wait a second and try again"
		chmod 0700 "$old"
		echo "Retiring the current pair to $old"
		for f in "${files[@]}"; do
			[ ! -e "$f" ] || mv -n "$f" "$old/"
		done
	fi
	create
	;;
*)
	echo "usage: make-keys.sh create|ensure|rotate [module|kernel] | adopt KEY CERT" >&2
	exit 2
	;;
esac
