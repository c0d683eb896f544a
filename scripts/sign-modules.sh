#!/usr/bin/env bash
# Signs kernel modules in place with the kernel's own scripts/sign-file.
#
#   sign-modules.sh KDIR KEY CERT MODULE.ko...
#
# The hash is the target kernel's CONFIG_MODULE_SIG_HASH (HASH overrides it).
# Idempotent: a module already signed by CERT's key with that hash is left
# as it is, byte for byte; one signed by another key (or twice, or with
# another hash) is stripped and signed again, never signed on top.
# Each module is signed in a temporary copy beside it and renamed over the
# original, so an interruption leaves either the old module or the new one.
# SIGNER=sign-file (default, the kernel's reference) or SIGNER=modsign (the
# kit's sign/modsign; the same bytes).
set -euo pipefail

# shellcheck source=scripts/modsig-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/modsig-lib.sh"

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

[ $# -ge 4 ] || {
	echo "usage: sign-modules.sh KDIR KEY CERT MODULE.ko..." >&2
	exit 2
}
kdir=$1 key=$2 cert=$3
shift 3

signer=${SIGNER:-sign-file}
case "$signer" in
sign-file)
	signfile=$kdir/scripts/sign-file
	[ -x "$signfile" ] ||
		die "$signfile: not found: the headers in $kdir lack scripts/sign-file; install the complete headers package (linux-headers-<release>)"
	;;
modsign)
	modsign=${MODSIGN:-$(dirname "${BASH_SOURCE[0]}")/../sign/modsign}
	[ -x "$modsign" ] || die "$modsign: not built: run 'make modsign' first"
	;;
*) die "SIGNER=$signer: choose sign-file or modsign" ;;
esac

# sign_one FILE: appends the signature to FILE (already stripped).
sign_one() {
	if [ "$signer" == modsign ]; then
		"$modsign" sign --hash "$hash" "$key" "$cert" "$1" >/dev/null
	else
		"$signfile" "$hash" "$key" "$cert" "$1"
	fi
}
[ -r "$key" ] || die "$key: cannot read the private key: run 'make keys' first"
[ -r "$cert" ] || die "$cert: cannot read the certificate: run 'make keys' first"
openssl x509 -inform DER -in "$cert" -noout 2>/dev/null ||
	die "$cert: not a DER X.509 certificate"

hash=${HASH:-}
if [ -z "$hash" ]; then
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$kdir/.config")
	if [ -z "$hash" ]; then
		hash=sha256
		echo "modsign: notice: $kdir/.config sets no CONFIG_MODULE_SIG_HASH (that kernel does not check module signatures); signing with $hash anyway" >&2
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/modsign-sign.XXXXXX")
tmp=
cleanup() {
	rm -rf "$work"
	[ -z "$tmp" ] || rm -f "$tmp" "$tmp.~signed~"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# signed_by_us FILE: exactly one signature, by CERT's key (openssl checks
# it, not a name match), with the wanted hash.
signed_by_us() {
	check_sig "$1" "$cert" "$work" &&
		[ "$(modinfo -F sig_hashalgo "$1" 2>/dev/null)" == "$hash" ]
}

signed=0 kept=0
for mod in "$@"; do
	[ -f "$mod" ] || die "$mod: no such module: run 'make' first"
	[ "$(head -c 4 "$mod" | od -An -tx1 | tr -d ' ')" == 7f454c46 ] ||
		die "$mod: not an ELF kernel module"
	if signed_by_us "$mod"; then
		echo "  KEEP    $mod (already signed by this key, $hash)"
		kept=$((kept + 1))
		continue
	fi
	tmp=$(mktemp "$(dirname "$mod")/.$(basename "$mod").XXXXXX")
	cp -p "$mod" "$tmp"
	what="SIGN  "
	while has_sig "$tmp"; do
		trailer "$tmp" ||
			die "$mod: its signature trailer is damaged: rebuild the module ('make clean all') and sign again"
		truncate -s "$body_len" "$tmp"
		what=RESIGN
	done
	sign_one "$tmp" || die "$mod: $signer failed (the module is unchanged)"
	mv -f "$tmp" "$mod"
	tmp=
	echo "  $what  $mod ($hash)"
	signed=$((signed + 1))
done
echo "modsign: $signed signed, $kept already signed by this key"
