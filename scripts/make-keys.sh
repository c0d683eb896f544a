#!/usr/bin/env bash
# Creates one of the kit's key pairs, never overwriting one.
#
#   make-keys.sh create [module|kernel]   make the pair; refuse if any part exists
#   make-keys.sh ensure [module|kernel]   make the pair only if there is none
#   make-keys.sh rotate [module|kernel]   move the pair to KEYDIR/retired/<date>-<kind>/,
#                                         then make a new one
#
# module (default): signing_key.pem + signing_key.x509 (DER), for modules.
# kernel: kernel_key.pem + kernel_key.crt (PEM, as sbsign takes it) +
#         kernel_key.der (for mokutil), for boot images.
# Environment: KEYDIR (default: keys/ beside this script's folder),
# KEY_BITS (2048, 3072 or 4096), KEY_DAYS (validity in days).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEYDIR=${KEYDIR:-$here/keys}
KEY_BITS=${KEY_BITS:-2048}
KEY_DAYS=${KEY_DAYS:-36500}

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

kind=${2:-module}
case "$kind" in
module)
	key=$KEYDIR/signing_key.pem
	certs=("$KEYDIR/signing_key.x509")
	profile=module_signing
	what="module-signing"
	rotate_target="make rotate-keys"
	;;
kernel)
	key=$KEYDIR/kernel_key.pem
	certs=("$KEYDIR/kernel_key.crt" "$KEYDIR/kernel_key.der")
	profile=kernel_signing
	what="kernel (boot image) signing"
	rotate_target="make rotate-kernel-keys"
	;;
*)
	echo "usage: make-keys.sh create|ensure|rotate [module|kernel]" >&2
	exit 2
	;;
esac
files=("$key" "${certs[@]}")

case "$KEY_BITS" in
2048 | 3072 | 4096) ;;
*) die "KEY_BITS=$KEY_BITS: the kernel takes RSA keys of 2048, 3072 or 4096 bits" ;;
esac
[[ "$KEY_DAYS" =~ ^[1-9][0-9]{0,5}$ ]] ||
	die "KEY_DAYS=$KEY_DAYS: give the validity as a whole number of days"
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

create() {
	local name cn f src m made
	if [ "$(present)" != 0 ]; then
		die "$(basename "$key") or its certificate already exists in $KEYDIR: refusing to overwrite a key; run '$rotate_target' to retire the pair and make a new one"
	fi
	# The key is private from its first byte: a 0700 folder, 0600 files.
	umask 077
	mkdir -p "$KEYDIR"
	chmod 0700 "$KEYDIR"
	name=$(uname -n)
	# The date tells a rotated key from the one before it in modinfo's
	# signer field.
	cn="modsign $kind signing key for ${name:-this machine} $(date +%Y-%m-%d)"
	tmp=$(mktemp -d "$KEYDIR/.new.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "Creating a $KEY_BITS-bit RSA $what key in $KEYDIR ($KEY_DAYS days): CN=$cn"
	MODSIGN_CN=$cn openssl req -new -x509 -nodes -utf8 -sha256 -batch \
		-config "$here/keys/openssl.cnf" -extensions "$profile" -days "$KEY_DAYS" \
		-newkey "rsa:$KEY_BITS" -keyout "$tmp/key" \
		-outform DER -out "$tmp/der" 2>"$tmp/log" ||
		die "openssl could not create the key: $(cat "$tmp/log")"
	openssl x509 -inform DER -in "$tmp/der" -outform PEM -out "$tmp/pem"
	chmod 0600 "$tmp/key"
	chmod 0644 "$tmp/der" "$tmp/pem"
	# ln refuses an existing name: a pair made meanwhile is never replaced,
	# and the names this run made go again, so no half pair is left.
	made=()
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
	echo "Created $key (private, mode 0600) and ${certs[*]} (certificate)"
}

# One make-keys.sh at a time in KEYDIR (two `make sign` at once would both
# make a pair): an flock on the folder, held until the end.
case "${1:-}" in
create | ensure | rotate)
	[ -d "$KEYDIR" ] || (umask 077 && mkdir -p "$KEYDIR")
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
	echo "usage: make-keys.sh create|ensure|rotate [module|kernel]" >&2
	exit 2
	;;
esac
