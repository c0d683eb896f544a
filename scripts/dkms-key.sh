#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dkms-key.sh install|remove: make DKMS sign with the kit's key.
#
#   install  report the keys DKMS or Ubuntu's shim-signed already have, and
#            whether they are enrolled; copy the kit's key pair to
#            $DKMS_KEY_DIR (root's, folder 0700, key 0600); write the drop-in
#            $DKMS_DROPIN setting mok_signing_key, mok_certificate and
#            sign_file (the kit's $PREFIX/lib/modsign/dkms-sign-file).
#            Running it again with the same key changes nothing.
#   remove   delete the drop-in (the key copy stays: see docs/dkms.md).
#
# It never edits /etc/dkms/framework.conf and never touches DKMS's own key
# (/var/lib/dkms/mok.key, mok.pub). It asks nothing, so it runs without a
# terminal.
#
# An ECDSA key (make keys KEY_TYPE=ecdsa) is refused while a kernel in
# /lib/modules has a config without CONFIG_CRYPTO_ECDSA (Debian 12's 6.1):
# DKMS signs for every kernel, and that one would refuse the modules.
#
# Environment: KEYDIR (the kit's keys/), PREFIX (where `make install-tool`
# put the kit, default /usr/local), DKMS_KEY_DIR (default /var/lib/modsign),
# DKMS_DROPIN (default /etc/dkms/framework.conf.d/modsign.conf), MOKUTIL,
# ROOT (where /lib/modules and /boot are read for that check; default /).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/modsig-lib.sh
. "$HERE/scripts/modsig-lib.sh"
ROOT=${ROOT:-/}
KEYDIR=${KEYDIR:-$HERE/keys}
PREFIX=${PREFIX:-/usr/local}
DKMS_KEY_DIR=${DKMS_KEY_DIR:-/var/lib/modsign}
DKMS_DROPIN=${DKMS_DROPIN:-/etc/dkms/framework.conf.d/modsign.conf}
MOKUTIL=${MOKUTIL:-mokutil}
KEY=$KEYDIR/signing_key.pem
CERT=$KEYDIR/signing_key.x509
SIGNER=$PREFIX/lib/modsign/dkms-sign-file
DEST_KEY=$DKMS_KEY_DIR/signing_key.pem
DEST_CERT=$DKMS_KEY_DIR/signing_key.x509

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

say() {
	echo "dkms-key: $*"
}

need_root() { # VERB
	[ "$EUID" == 0 ] || die "$(kit_cmd "$1") needs root: run sudo $(kit_cmd "$1")"
}

# enrollment CERT: one word or sentence on whether CERT is a MOK.
enrollment() {
	local out
	if ! command -v "$MOKUTIL" >/dev/null 2>&1; then
		echo "cannot be checked here (mokutil is not installed)"
		return
	fi
	out=$("$MOKUTIL" --sb-state 2>&1) || true
	case $out in
	*"EFI variables are not supported"*)
		echo "cannot be checked here (no EFI variables)"
		return
		;;
	esac
	if out=$(MOKUTIL=$MOKUTIL "$HERE/mok-enroll.sh" --status --cert "$1" 2>&1); then
		printf '%s\n' "$out" | sed -n 's/^status: //p' | tail -n 1
	else
		echo "cannot be checked: $(printf '%s' "$out" | tail -n 1)"
	fi
}

# The keys that exist already: named in DKMS's configuration, DKMS's own,
# Ubuntu's shim-signed MOK.
report_existing() {
	local f line name val certs=() c
	for f in /etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			case $line in
			mok_certificate=* | mok_signing_key=*)
				name=${line%%=*}
				val=${line#*=}
				val=${val//\"/}
				say "$f sets $name=$val"
				[ "$name" != mok_certificate ] || certs+=("$val")
				;;
			esac
		done <"$f"
	done
	certs+=(/var/lib/dkms/mok.pub /var/lib/shim-signed/mok/MOK.der)
	for c in "${certs[@]}"; do
		case $c in
		*'$'*)
			say "existing key: $c (depends on the kernel version; not checked)"
			continue
			;;
		esac
		[ -f "$c" ] || continue
		say "existing key: $c ($(openssl x509 -in "$c" -inform DER -noout -subject 2>/dev/null ||
			openssl x509 -in "$c" -noout -subject 2>/dev/null || echo 'not a certificate')), enrollment: $(enrollment "$c")"
	done
}

# check_key: the kit's pair exists, is not passphrase-protected, and matches.
check_key() {
	local a b
	[ -f "$KEY" ] || die "no key at $KEY: create it with '$(kit_cmd keys)' first (as $(if [ -n "${MODSIGN_KIT_CMD:-}" ]; then echo "the user, without sudo"; else echo "the user who owns the clone"; fi))"
	[ -f "$CERT" ] || die "no certificate at $CERT: create the pair with '$(kit_cmd keys)' first"
	if grep -q ENCRYPTED "$KEY" || ! openssl pkey -in "$KEY" -passin pass: -noout >/dev/null 2>&1; then
		if grep -q ENCRYPTED "$KEY"; then
			die "$KEY is protected by a passphrase, and DKMS cannot use such a key: it signs during 'apt install' and kernel upgrades, where nobody can type a passphrase, and DKMS 3.0.10 passes none (the module would stay unsigned without a word). Use a key without a passphrase ($(kit_cmd rotate-keys), or openssl pkey -in KEY -out NEW), kept root-only as this target does; nothing was changed"
		fi
		die "$KEY is not a private key openssl can read; nothing was changed"
	fi
	a=$(openssl pkey -in "$KEY" -pubout 2>/dev/null)
	b=$(openssl x509 -in "$CERT" -inform DER -noout -pubkey 2>/dev/null ||
		openssl x509 -in "$CERT" -noout -pubkey 2>/dev/null) ||
		die "$CERT is not an X.509 certificate; nothing was changed"
	[ "$a" == "$b" ] || die "$KEY does not belong to $CERT; nothing was changed"
	check_ecdsa
}

# check_ecdsa: an ECDSA key only where every kernel can check it.
check_ecdsa() {
	local t no
	t=$(key_type "$CERT") || return 0
	[[ "$t" == ecdsa\ * ]] || return 0
	mapfile -t no < <(no_ecdsa_kernels "$ROOT")
	[ ${#no[@]} == 0 ] ||
		die "$CERT is an ECDSA ${t#ecdsa } key, and these kernels cannot check ECDSA signatures (no CONFIG_CRYPTO_ECDSA in their config): $(printf '%s, ' "${no[@]}" | sed 's/, $//'); DKMS signs for every kernel, and those would refuse the modules ('Key was rejected by service'). Give DKMS an RSA key: $(kit_cmd keys KEYDIR='<folder>') (RSA is the default), enroll it ($(kit_cmd enroll KEYDIR='<folder>')), then sudo $(kit_cmd dkms-key KEYDIR='<folder>'); nothing was changed"
}

# put SRC DEST MODE: DEST becomes a root-owned copy of SRC with MODE,
# written only when it differs.
put() {
	local tmp
	if [ -f "$2" ] && cmp -s "$1" "$2"; then
		[ "$(stat -c '%a %u %g' "$2")" == "${3#0} 0 0" ] || {
			say "setting $2 to root:root $3"
			chown root:root "$2"
			chmod "$3" "$2"
		}
		return
	fi
	say "writing $2 (root:root $3)"
	tmp=$(mktemp "$2.XXXXXX")
	chmod "$3" "$tmp"
	cat "$1" >"$tmp"
	mv -f "$tmp" "$2"
}

# check_prefix: the drop-in names $PREFIX/lib/modsign/dkms-sign-file for
# DKMS to run from wherever it is: PREFIX must be absolute, with no ..
# component (what make install-tool accepts).
check_prefix() {
	case $PREFIX in
	/*) ;;
	*)
		echo "modsign: ERROR: PREFIX=$PREFIX is not an absolute path: DKMS would look for the kit's sign program relative to wherever it runs; give the PREFIX 'make install-tool' used, such as PREFIX=/usr/local; nothing was changed" >&2
		exit 2
		;;
	esac
	case $PREFIX/ in
	*/../*)
		echo "modsign: ERROR: PREFIX=$PREFIX has a .. component: give the path without it, as 'make install-tool' takes it; nothing was changed" >&2
		exit 2
		;;
	esac
}

do_install() {
	local conf
	check_prefix
	need_root dkms-key
	check_key
	[ -x "$SIGNER" ] ||
		die "the kit is not installed: $SIGNER is missing; run 'sudo make install-tool' first (PREFIX=$PREFIX)"
	report_existing
	say "the kit's key: $CERT ($(openssl x509 -in "$CERT" -inform DER -noout -subject 2>/dev/null ||
		openssl x509 -in "$CERT" -noout -subject)), enrollment: $(enrollment "$CERT")"
	if [ ! -d "$DKMS_KEY_DIR" ]; then
		say "creating $DKMS_KEY_DIR (root:root 0700)"
		mkdir -p "$DKMS_KEY_DIR"
	fi
	if [ "$(stat -c '%a %u %g' "$DKMS_KEY_DIR")" != "700 0 0" ]; then
		say "setting $DKMS_KEY_DIR to root:root 0700"
		chown root:root "$DKMS_KEY_DIR"
		chmod 0700 "$DKMS_KEY_DIR"
	fi
	put "$KEY" "$DEST_KEY" 0600
	put "$CERT" "$DEST_CERT" 0644
	conf=$(mktemp)
	# the command that wrote it, as run (make's target in a clone,
	# modsign-kit's verb through it), without a --keydir
	cat >"$conf" <<CONF
# Written by modsign's '$(MODSIGN_KIT_KEYDIR='' kit_cmd dkms-key)' (scripts/dkms-key.sh): DKMS signs
# the modules it builds with the kit's key, through the kit's sign program.
# '$(MODSIGN_KIT_KEYDIR='' kit_cmd dkms-key-remove)' deletes this file. See docs/dkms.md.
mok_signing_key="$DEST_KEY"
mok_certificate="$DEST_CERT"
sign_file="$SIGNER"
CONF
	if [ ! -d "$(dirname "$DKMS_DROPIN")" ]; then
		say "creating $(dirname "$DKMS_DROPIN")"
		mkdir -p "$(dirname "$DKMS_DROPIN")"
	fi
	put "$conf" "$DKMS_DROPIN" 0644
	rm -f "$conf"
	say "DKMS now signs with $DEST_KEY. Modules DKMS built before keep their old signature (dkms autoinstall --force skips them): rebuild each with 'dkms build --force MODULE/VERSION -k KERNEL' then 'dkms install --force MODULE/VERSION -k KERNEL' (docs/dkms.md has a loop for all). Enroll the certificate with '$(kit_cmd enroll)' if it is not enrolled yet."
}

do_remove() {
	need_root dkms-key-remove
	if [ -e "$DKMS_DROPIN" ]; then
		say "removing $DKMS_DROPIN"
		rm -f "$DKMS_DROPIN"
	else
		say "$DKMS_DROPIN is not there; nothing to remove"
	fi
	[ ! -d "$DKMS_KEY_DIR" ] ||
		say "kept the key copy in $DKMS_KEY_DIR (modules signed with it still need its certificate); delete it with: sudo rm -r $DKMS_KEY_DIR"
	say "DKMS signs with its own key again (/var/lib/dkms/mok.key) from the next build on"
}

case ${1:-} in
install) do_install ;;
remove) do_remove ;;
*)
	echo "usage: dkms-key.sh install|remove" >&2
	exit 2
	;;
esac
