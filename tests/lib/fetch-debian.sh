#!/usr/bin/env bash
# Downloads and caches the Debian packages the tests boot and build against,
# under $TOP/.cache (git-ignored). Nothing is installed on the host: packages
# are fetched with `apt-get download` through a private apt state and
# unpacked with `dpkg -x`, so the host's /boot, bootloader and dpkg database
# are never touched. A second run downloads nothing.
#
#   fetch-debian.sh kernel 6.1    Debian 12's kernel, the version of the
#                                 installed linux-headers-amd64
#   fetch-debian.sh kernel 6.12   the kernel of bookworm-backports
#   fetch-debian.sh boot          OVMF, shim, MokManager and grub
#
# Each prints the path of an env file to source: for a kernel RELEASE, KDIR
# (headers to build against), VMLINUZ, MODDIR (its /lib/modules/RELEASE) and
# CONFIG; for boot OVMF_CODE, OVMF_VARS, SHIM, MOKMANAGER, GRUB.
# FETCH_REFRESH=1 looks the backports version up again.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${MODSIGN_CACHE:-$TOP/.cache}
APTDIR=$CACHE/apt
mkdir -p "$CACHE"

die() {
	echo "fetch-debian: ERROR: $*" >&2
	exit 1
}

log() {
	echo "fetch-debian: $*" >&2
}

# The host's own archive addresses, with bookworm-backports added, in a
# private apt state so that the host's package lists stay as they are.
apt_private() {
	local opts=(-o "Dir::Etc::SourceList=$APTDIR/sources.list"
		-o "Dir::Etc::SourceParts=$APTDIR/sources.list.d"
		-o "Dir::State::Lists=$APTDIR/lists"
		-o "Dir::Cache=$APTDIR/cache"
		-o "APT::Sandbox::User=root"
		-o "Debug::NoLocking=1")
	if [ ! -e "$APTDIR/lists/.updated" ]; then
		mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" \
			"$APTDIR/sources.list.d"
		: >"$APTDIR/sources.list"
		local f uri
		for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
			[ -e "$f" ] && cp "$f" "$APTDIR/sources.list.d/"
		done
		[ -e /etc/apt/sources.list ] && cp /etc/apt/sources.list "$APTDIR/sources.list"
		uri=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' \
			/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
			head -n 1 | tr -d ' ') || true
		uri=${uri:-http://deb.debian.org/debian}
		cat >"$APTDIR/sources.list.d/modsign-backports.sources" <<-EOF
			Types: deb
			URIs: ${uri%/}
			Suites: bookworm-backports
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		log "updating a private apt package list in $APTDIR"
		apt-get "${opts[@]}" update -qq >&2 ||
			die "apt-get update failed: is Debian's archive reachable?"
		touch "$APTDIR/lists/.updated"
	fi
	"$1" "${opts[@]}" "${@:2}"
}

# download_unpack DEST PKG=VERSION...: unpacks each package into DEST.
download_unpack() {
	local dest=$1 tmp deb
	shift
	tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
	log "downloading $*"
	if ! (cd "$tmp" && apt_private apt-get download -qq "$@" >&2); then
		rm -rf "$tmp"
		die "the archive does not serve $*: refresh the host's package lists (apt-get update), install the current linux-headers-amd64, or remove $APTDIR"
	fi
	mkdir -p "$dest"
	for deb in "$tmp"/*.deb; do
		dpkg -x "$deb" "$dest"
	done
	rm -rf "$tmp"
}

# The first package name in a Depends field.
first_dep() {
	sed -e 's/,.*//' -e 's/ .*//'
}

kernel_env() {
	local series=$1 hdrpkg version abi dir env image
	case "$series" in
	6.1)
		dpkg-query -W -f='${Status}' linux-headers-amd64 2>/dev/null | grep -q 'ok installed' ||
			die "linux-headers-amd64 is not installed (apt-get install linux-headers-amd64)"
		hdrpkg=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | first_dep)
		version=$(dpkg-query -W -f='${Version}' "$hdrpkg")
		;;
	6.12)
		local pin=$CACHE/kernels/6.12.pin
		if [ -s "$pin" ] && [ -z "${FETCH_REFRESH:-}" ]; then
			read -r hdrpkg version <"$pin"
		else
			[ -z "${FETCH_REFRESH:-}" ] || rm -f "$APTDIR/lists/.updated"
			version=$(apt_private apt-cache madison linux-headers-amd64 |
				awk -F'|' '$3 ~ /bookworm-backports/ {gsub(/ /, "", $2); print $2; exit}')
			[ -n "$version" ] || die "bookworm-backports serves no linux-headers-amd64"
			hdrpkg=$(apt_private apt-cache show "linux-headers-amd64=$version" |
				sed -n 's/^Depends: //p' | head -n 1 | first_dep)
			mkdir -p "$CACHE/kernels"
			echo "$hdrpkg $version" >"$pin"
		fi
		;;
	*) die "unknown kernel series '$series' (6.1 or 6.12)" ;;
	esac
	abi=${hdrpkg#linux-headers-}
	dir=$CACHE/kernels/$abi
	env=$dir/env
	if [ ! -e "$env" ]; then
		rm -rf "$dir"
		image=linux-image-$abi
		download_unpack "$dir/image" "$image=$version"
		if [ "$series" == 6.1 ]; then
			echo "KDIR=/usr/src/$hdrpkg" >"$dir/env.tmp"
		else
			# Unpacked headers name their -common half by an absolute
			# path; point it at our copy.
			local common=${hdrpkg%-amd64}-common kbuild
			kbuild=linux-kbuild-${abi%-amd64}
			download_unpack "$dir/headers" "$hdrpkg=$version" \
				"$common=$version" "$kbuild=$version"
			sed -i "s#^include /usr/src/#include $dir/headers/usr/src/#" \
				"$dir/headers/usr/src/$hdrpkg/Makefile"
			echo "KDIR=$dir/headers/usr/src/$hdrpkg" >"$dir/env.tmp"
		fi
		{
			echo "RELEASE=$abi"
			echo "VERSION=$version"
			echo "VMLINUZ=$dir/image/boot/vmlinuz-$abi"
			echo "CONFIG=$dir/image/boot/config-$abi"
			echo "MODDIR=$dir/image/lib/modules/$abi"
		} >>"$dir/env.tmp"
		mv "$dir/env.tmp" "$env"
	fi
	echo "$env"
}

boot_env() {
	local dir=$CACHE/boot env
	env=$dir/env
	if [ ! -e "$env" ]; then
		rm -rf "$dir"
		local pkgs=() p v
		for p in ovmf shim-signed grub-efi-amd64-signed shim-helpers-amd64-signed; do
			v=$(apt_private apt-cache policy "$p" | sed -n 's/^ *Candidate: //p')
			if [ -z "$v" ] || [ "$v" == "(none)" ]; then
				die "the archive serves no $p"
			fi
			pkgs+=("$p=$v")
		done
		download_unpack "$dir/root" "${pkgs[@]}"
		cat >"$dir/env.tmp" <<-EOF
			OVMF_CODE=$dir/root/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
			OVMF_VARS=$dir/root/usr/share/OVMF/OVMF_VARS_4M.ms.fd
			SHIM=$dir/root/usr/lib/shim/shimx64.efi.signed
			MOKMANAGER=$dir/root/usr/lib/shim/mmx64.efi.signed
			GRUB=$dir/root/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
		EOF
		local name f
		while IFS='=' read -r name f; do
			[ -e "$f" ] || die "$name: $f is missing from the unpacked packages"
		done <"$dir/env.tmp"
		mv "$dir/env.tmp" "$env"
	fi
	echo "$env"
}

case "${1:-}" in
kernel) kernel_env "${2:-}" ;;
boot) boot_env ;;
*)
	echo "usage: fetch-debian.sh kernel 6.1|6.12 | boot" >&2
	exit 2
	;;
esac
