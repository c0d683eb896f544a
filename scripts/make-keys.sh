#!/usr/bin/env bash
# Creates the kit's module-signing key pair, never overwriting one.
#
#   make-keys.sh create   make the pair; refuse if any part of it exists
#   make-keys.sh ensure   make the pair only if there is none (make sign)
#   make-keys.sh rotate   move the pair to KEYDIR/retired/<date>/, make anew
#
# Environment: KEYDIR (default: keys/ beside this script's folder),
# KEY_BITS (2048, 3072 or 4096), KEY_DAYS (validity in days).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEYDIR=${KEYDIR:-$here/keys}
KEY_BITS=${KEY_BITS:-2048}
KEY_DAYS=${KEY_DAYS:-36500}
key=$KEYDIR/signing_key.pem
cert=$KEYDIR/signing_key.x509

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

case "$KEY_BITS" in
2048 | 3072 | 4096) ;;
*) die "KEY_BITS=$KEY_BITS: the kernel takes RSA keys of 2048, 3072 or 4096 bits" ;;
esac
[[ "$KEY_DAYS" =~ ^[1-9][0-9]{0,5}$ ]] ||
	die "KEY_DAYS=$KEY_DAYS: give the validity as a whole number of days"
command -v openssl >/dev/null ||
	die "openssl is not installed: apt-get install openssl"

create() {
	local name cn
	if [ -e "$key" ] || [ -e "$cert" ]; then
		die "$(basename "$key") or $(basename "$cert") already exists in $KEYDIR: refusing to overwrite a key; run 'make rotate-keys' to retire the pair and make a new one"
	fi
	# The key is private from its first byte: a 0700 folder, 0600 files.
	umask 077
	mkdir -p "$KEYDIR"
	chmod 0700 "$KEYDIR"
	name=$(uname -n)
	cn="modsign module signing key for ${name:-this machine}"
	tmp=$(mktemp -d "$KEYDIR/.new.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "Creating a $KEY_BITS-bit RSA module-signing key in $KEYDIR ($KEY_DAYS days): CN=$cn"
	MODSIGN_CN=$cn openssl req -new -x509 -nodes -utf8 -sha256 -batch \
		-config "$here/keys/openssl.cnf" -days "$KEY_DAYS" \
		-newkey "rsa:$KEY_BITS" -keyout "$tmp/key.pem" \
		-outform DER -out "$tmp/cert.x509" 2>"$tmp/log" ||
		die "openssl could not create the key: $(cat "$tmp/log")"
	chmod 0600 "$tmp/key.pem"
	chmod 0644 "$tmp/cert.x509"
	# ln refuses an existing name: a pair made meanwhile is never replaced.
	ln "$tmp/key.pem" "$key" || die "$key appeared meanwhile: left as it is"
	ln "$tmp/cert.x509" "$cert" || {
		rm -f "$key"
		die "$cert appeared meanwhile: left as it is"
	}
	echo "Created $key (private, mode 0600) and $cert (certificate, DER)"
}

case "${1:-}" in
create) create ;;
ensure)
	if [ -e "$key" ] && [ -e "$cert" ]; then
		exit 0
	fi
	if [ -e "$key" ] || [ -e "$cert" ]; then
		die "only half of the key pair is in $KEYDIR (signing_key.pem and signing_key.x509 belong together): restore the other half, or run 'make rotate-keys'"
	fi
	create
	;;
rotate)
	if [ -e "$key" ] || [ -e "$cert" ]; then
		old=$KEYDIR/retired/$(date +%Y%m%d-%H%M%S)
		[ ! -e "$old" ] || die "$old exists already: wait a second and try again"
		mkdir -p "$old"
		chmod 0700 "$KEYDIR/retired" "$old"
		echo "Retiring the current pair to $old"
		for f in "$key" "$cert"; do
			[ ! -e "$f" ] || mv -n "$f" "$old/"
		done
	fi
	create
	;;
*)
	echo "usage: make-keys.sh create|ensure|rotate" >&2
	exit 2
	;;
esac
