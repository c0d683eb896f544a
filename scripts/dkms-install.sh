#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dkms-install.sh install|remove: the kit's own modules as a DKMS package.
#
#   install  copy modules/'s sources and dkms.conf to
#            /usr/src/NAME-VERSION (both read from modules/dkms.conf), then
#            dkms add, build and install for every kernel that has headers
#            (/lib/modules/*/build), or for the releases in $KERNELVER; then
#            check that every installed module verifies with the certificate
#            DKMS signs with. Refused unless DKMS signs with the kit's key
#            (the drop-in of `make dkms-key`). A second run finds everything
#            installed, rebuilds nothing and says so.
#   remove   dkms remove --all for every version of the package, and delete
#            its /usr/src folders.
#
# It asks nothing, so it runs without a terminal.
#
# Environment: KERNELVER ("r1 r2", default every kernel with headers),
# KEYDIR (the kit's keys/; DKMS's certificate must be its certificate),
# PREFIX (where install-tool put modsign, default /usr/local), DKMS.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULES_DIR=$HERE/modules
CONF=$MODULES_DIR/dkms.conf
KEYDIR=${KEYDIR:-$HERE/keys}
PREFIX=${PREFIX:-/usr/local}
DKMS=${DKMS:-dkms}
SRC_ROOT=/usr/src
MODULES_ROOT=/lib/modules

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

say() {
	echo "dkms-install: $*"
}

need_root() {
	[ "$EUID" == 0 ] || die "$1 needs root: run sudo make $1"
	command -v "$DKMS" >/dev/null 2>&1 ||
		die "dkms is not installed: install it first (sudo apt-get install dkms)"
}

# conf_values VAR: the values of VAR (an array or not) in modules/dkms.conf,
# one a line, read the way DKMS reads it (sourced by bash).
conf_values() {
	# shellcheck disable=SC1090 # modules/dkms.conf, DKMS's format
	(
		set +u
		. "$CONF"
		eval "printf '%s\n' \"\${$1[@]}\""
	)
}

NAME=$(conf_values PACKAGE_NAME)
VERSION=$(conf_values PACKAGE_VERSION)
if [ -z "$NAME" ] || [ -z "$VERSION" ]; then
	die "$CONF sets no PACKAGE_NAME or PACKAGE_VERSION"
fi
SRC=$SRC_ROOT/$NAME-$VERSION

# dkms_setting NAME: the value DKMS takes for a signing setting: the last
# one in framework.conf, then framework.conf.d/*.conf in order.
dkms_setting() {
	local f line val=
	for f in /etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			case $line in
			"$1="*)
				val=${line#*=}
				val=${val//\"/}
				;;
			esac
		done <"$f"
	done
	printf '%s\n' "$val"
}

# check_signing: DKMS signs with the kit's key through the kit's program,
# as `make dkms-key` set it up; prints the certificate DKMS signs with.
check_signing() {
	local key cert signer
	key=$(dkms_setting mok_signing_key)
	cert=$(dkms_setting mok_certificate)
	signer=$(dkms_setting sign_file)
	case $signer in
	*/dkms-sign-file) ;;
	*) die "DKMS does not sign with the kit's key (no sign_file=.../dkms-sign-file in /etc/dkms/framework.conf.d/): it would sign the modules with its own key, which is not enrolled. Run 'sudo make dkms-key' first; nothing was changed" ;;
	esac
	[ -x "$signer" ] || die "DKMS's sign_file $signer is missing: run 'sudo make install-tool', then 'sudo make dkms-key'; nothing was changed"
	if [ ! -f "$key" ] || [ ! -f "$cert" ]; then
		die "DKMS's key ${key:-(none)} or certificate ${cert:-(none)} is missing, so DKMS would make a key of its own: run 'sudo make dkms-key' first; nothing was changed"
	fi
	if [ -f "$KEYDIR/signing_key.x509" ] && ! cmp -s "$cert" "$KEYDIR/signing_key.x509"; then
		die "DKMS signs with $cert, which is not the kit's certificate $KEYDIR/signing_key.x509: run 'sudo make dkms-key' to give DKMS the kit's key; nothing was changed"
	fi
	printf '%s\n' "$cert"
}

# kernels: the releases to build for, each with headers.
kernels() {
	local r b found=()
	if [ -n "${KERNELVER:-}" ]; then
		for r in $KERNELVER; do
			[ -e "$MODULES_ROOT/$r/build/Makefile" ] ||
				die "kernel $r has no headers ($MODULES_ROOT/$r/build): install linux-headers-$r, or leave it out of KERNELVER; nothing was changed"
			found+=("$r")
		done
	else
		for b in "$MODULES_ROOT"/*/build; do
			[ -e "$b/Makefile" ] || continue
			r=${b%/build}
			found+=("${r##*/}")
		done
		[ ${#found[@]} -gt 0 ] ||
			die "no kernel here has headers ($MODULES_ROOT/*/build): install linux-headers-$(uname -r) (Debian: linux-headers-amd64), or name releases in KERNELVER"
	fi
	printf '%s\n' "${found[@]}"
}

# The files DKMS needs: sources, the Kbuild object lists, dkms.conf and
# its POST_BUILD script.
source_files() {
	(cd "$MODULES_DIR" && ls -- *.c Kbuild Makefile dkms.conf dkms-post-build.sh 2>/dev/null)
	(cd "$MODULES_DIR" && ls -- *.h 2>/dev/null) || true
}

# put_sources: /usr/src/NAME-VERSION holds exactly modules/'s sources.
put_sources() {
	local f files
	mapfile -t files < <(source_files)
	if [ -d "$SRC" ]; then
		for f in "${files[@]}"; do
			cmp -s "$MODULES_DIR/$f" "$SRC/$f" ||
				die "$SRC holds other sources than $MODULES_DIR ($f differs) under the same version $VERSION: raise PACKAGE_VERSION in $CONF, or run 'sudo make dkms-remove' first"
		done
		say "$SRC already holds these sources"
		return
	fi
	say "copying ${#files[@]} files of $MODULES_DIR to $SRC"
	mkdir -p "$SRC"
	for f in "${files[@]}"; do
		case "$f" in
		*.sh) install -m 0755 "$MODULES_DIR/$f" "$SRC/$f" ;;
		*) install -m 0644 "$MODULES_DIR/$f" "$SRC/$f" ;;
		esac
	done
}

# STATUS: `dkms status NAME` once (each call takes seconds), e.g.
#   modsign-modules/1.0, 6.1.0-57-amd64, x86_64: installed
#   modsign-modules/1.0: added
read_status() {
	STATUS=$("$DKMS" status "$NAME" 2>/dev/null) || STATUS=
}

# versions: the versions of the package DKMS knows.
versions() {
	printf '%s\n' "$STATUS" | sed -n "s|^$NAME/\([^,:]*\)[,:].*|\1|p" | sort -u
}

# remove_other_versions: an older (or newer) version of the package would
# fight over the same modules.
remove_other_versions() {
	local v
	while IFS= read -r v; do
		[ "$v" != "$VERSION" ] || continue
		say "removing $NAME/$v (replaced by $VERSION)"
		"$DKMS" remove "$NAME/$v" --all
		rm -rf "${SRC_ROOT:?}/$NAME-$v"
	done < <(versions)
}

# verify_installed KERNEL CERT: every module DKMS installed for KERNEL
# verifies with CERT (DKMS itself ignores a failed signing).
verify_installed() {
	local m f modsign files=()
	modsign=$PREFIX/bin/modsign
	[ -x "$modsign" ] || modsign=$(command -v modsign) ||
		die "modsign is not installed: run 'sudo make install-tool'"
	while IFS= read -r m; do
		f=$(modinfo -k "$1" -F filename "$m" 2>/dev/null) ||
			die "DKMS installed no $m for $1 (modinfo -k $1 $m finds none)"
		files+=("$f")
	done < <(conf_values BUILT_MODULE_NAME)
	"$modsign" verify --cert "$2" "${files[@]}" >/dev/null ||
		die "a module DKMS installed for $1 is not signed with $2: see the modsign: ERROR lines above and DKMS's log, then run 'sudo make dkms-remove' and 'sudo make dkms-install' again"
	say "$1: the ${#files[@]} modules verify with $2"
}

do_install() {
	local cert k list
	need_root dkms-install
	cert=$(check_signing)
	list=$(kernels)
	mapfile -t KERNELS <<<"$list"
	read_status
	remove_other_versions
	put_sources
	if grep -qxF "$VERSION" <<<"$(versions)"; then
		say "$NAME/$VERSION is already added to DKMS"
	else
		"$DKMS" add "$NAME/$VERSION"
	fi
	for k in "${KERNELS[@]}"; do
		if grep -qF "$NAME/$VERSION, $k, $(uname -m): installed" <<<"$STATUS"; then
			say "$NAME/$VERSION is already installed for $k; nothing rebuilt"
		else
			say "building $NAME/$VERSION for $k"
			"$DKMS" build "$NAME/$VERSION" -k "$k"
			"$DKMS" install "$NAME/$VERSION" -k "$k"
		fi
		verify_installed "$k" "$cert"
	done
}

do_remove() {
	local v n=0
	need_root dkms-remove
	read_status
	while IFS= read -r v; do
		say "removing $NAME/$v from DKMS (every kernel)"
		"$DKMS" remove "$NAME/$v" --all
		n=$((n + 1))
	done < <(versions)
	for v in "$SRC_ROOT/$NAME"-*; do
		[ -d "$v" ] || continue
		say "deleting $v"
		rm -rf "$v"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || say "$NAME is not installed; nothing to remove"
}

case ${1:-} in
install) do_install ;;
remove) do_remove ;;
*)
	echo "usage: dkms-install.sh install|remove" >&2
	exit 2
	;;
esac
