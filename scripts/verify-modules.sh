#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks that every module is signed by the kit's key.
#
#   verify-modules.sh CERT MODULE.ko...
#
# For each module: `modinfo` must name the certificate's CN as signer and its
# serial number as sig_key, and openssl must verify the signature against
# the certificate over the module's bytes. Prints `OK <module> (<signer>)` or
# `FAIL <module>: <reason>`; exits 1 when any module failed.
set -euo pipefail
# shellcheck source=scripts/modsig-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/modsig-lib.sh"

[ $# -ge 2 ] || {
	echo "usage: verify-modules.sh CERT MODULE.ko..." >&2
	exit 2
}
cert=$1
shift
[ -r "$cert" ] || {
	echo "modsign: ERROR: $cert: no certificate: run 'make sign' (it creates the key) first" >&2
	exit 1
}
cn=$(openssl x509 -inform DER -in "$cert" -noout -subject -nameopt multiline |
	sed -n 's/^ *commonName *= //p')
serial=$(openssl x509 -inform DER -in "$cert" -noout -serial | sed 's/^serial=//')

work=$(mktemp -d "${TMPDIR:-/tmp}/modsign-verify.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=0
for mod in "$@"; do
	if [ ! -f "$mod" ]; then
		echo "FAIL $mod: no such module: run 'make sign' first"
		failed=$((failed + 1))
		continue
	fi
	signer=$(modinfo -F signer "$mod" 2>/dev/null || true)
	key=$(modinfo -F sig_key "$mod" 2>/dev/null | tr -d ':' | sed 's/^\(00\)*//' || true)
	if ! check_sig "$mod" "$cert" "$work"; then
		echo "FAIL $mod: $why${signer:+ (signer: $signer)}"
		failed=$((failed + 1))
	elif [ "$signer" != "$cn" ] || [ "$key" != "${serial#00}" ]; then
		echo "FAIL $mod: modinfo shows signer '$signer' key $key, want '$cn' key $serial"
		failed=$((failed + 1))
	else
		echo "OK $mod ($signer)"
	fi
done
[ "$failed" == 0 ] || {
	echo "modsign: $failed of $# modules failed verification" >&2
	exit 1
}
