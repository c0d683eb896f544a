#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Downloads and caches the Debian packages that modsign-try and the tests
# boot and build against, in the cache of vm/cache.sh (a clone's .cache,
# git-ignored; an installed kit's /var/cache/modsign or ~/.cache/modsign). Nothing is installed on the host: packages
# are fetched with `apt-get download` through a private apt state and
# unpacked with `dpkg -x`, so the host's /boot, bootloader and dpkg database
# are never touched. A second run downloads nothing.
#
#   fetch-debian.sh kernel 6.1    Debian 12's kernel, the version of the
#                                 installed linux-headers-amd64 (on a host
#                                 that is not Debian 12 or lacks it:
#                                 bookworm's newest, with its headers
#                                 unpacked, as for 6.12)
#   fetch-debian.sh kernel 6.12   the kernel of bookworm-backports
#   fetch-debian.sh kernel t6.12  Debian 13's (trixie's) kernel
#   fetch-debian.sh kernel t7     the newest 7.x of trixie-backports
#   fetch-debian.sh boot [trixie] OVMF, shim, MokManager and grub (trixie:
#                                 trixie's shim-signed, shim-helpers and grub,
#                                 with the same OVMF as bookworm's)
#   fetch-debian.sh userspace trixie
#                                 trixie's kmod and mokutil with every
#                                 library they need (glibc included),
#                                 unpacked, for a guest's user space
#   fetch-debian.sh pin SERIES    prints "HEADERS-PACKAGE VERSION" of that
#                                 kernel (6.1, 6.12, t6.12, t7), downloading
#                                 no kernel (its release is the headers'
#                                 package name without linux-headers-)
#   fetch-debian.sh archive debian|debian-security
#                                 the host's archive address (Debian's
#                                 own if the host names none)
#   fetch-debian.sh boot          OVMF, shim, MokManager and grub
#   fetch-debian.sh dkms          the .debs the DKMS sandbox installs with
#                                 dpkg -i (tests/dkms): bookworm's dkms,
#                                 bookworm-backports' v4l2loopback-dkms,
#                                 the 6.12 headers, and what of their
#                                 dependencies the host lacks
#   fetch-debian.sh dkms-trixie   the .debs DKMS installs in the trixie
#                                 build root: trixie's dkms, sid's
#                                 v4l2loopback-dkms, the t7 headers
#   fetch-debian.sh pkcs11-provider
#                                 bookworm-backports' pkcs11-provider (the
#                                 OpenSSL 3 provider for PKCS#11 keys that
#                                 bookworm itself lacks), unpacked; prints
#                                 the folder of its pkcs11.so (for
#                                 OPENSSL_MODULES), not an env file
#   fetch-debian.sh virt-firmware bookworm-backports' python3-virt-firmware
#                                 and bookworm's python3-pefile, unpacked
#                                 (never installed); its env file gives
#                                 PYTHON (/usr/bin/python3), PYTHONPATH and
#                                 VIRT_FW_VARS (try/modsign-try)
#
# Each prints the path of an env file to source: for a kernel RELEASE, KDIR
# (headers to build against), VMLINUZ, MODDIR (its /lib/modules/RELEASE) and
# CONFIG (a trixie kernel has no KDIR: its headers, built with gcc 14, are
# installed in the trixie build root of vm/trixie-root.sh, and
# HEADERS names their package); for userspace ROOT, KMOD and MOKUTIL; for boot OVMF_CODE, OVMF_VARS, SHIM, MOKMANAGER, GRUB; for dkms
# DKMS_DEB, DKMS_VERSION, V4L2LOOPBACK_DEB, V4L2LOOPBACK_VERSION, DEPS_DIR
# (dependencies missing on the host, maybe none), HEADERS612_DIR (kbuild,
# -common and -amd64 headers of 6.12), HEADERS612_ROOT (the same unpacked
# with dpkg -x), HEADERS61_DIR (6.1's, where the host has none installed,
# else none), HOST (the host's release codename), RELEASE61, RELEASE612, and for
# each of the two kernels IMAGE61/IMAGE612 (the unpacked image's
# /lib/modules/RELEASE) and DEPMOD61/DEPMOD612 (the modules.* files that
# the image's postinst would have made with depmod).
# A kernel whose cached VERSION is not the one wanted (the host's headers
# were upgraded, or a refresh found a newer backport) is downloaded again.
# FETCH_REFRESH=1 fetches the private package lists again (once per run of
# this script) and looks every version up again: the 6.12 backport, the
# trixie kernels, the boot packages' and the DKMS packages'; what changed is
# downloaded anew (on Debian 12 the 6.1 kernel follows the host's installed
# linux-headers-amd64 either way).
# trixie's packages come from a second private apt state (apt-trixie), so
# that bookworm's candidates (boot packages, DKMS dependencies) stay
# bookworm's.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=vm/cache.sh
. "$TOP/vm/cache.sh"
CACHE=$(cache_dir "$TOP")
APTDIR=$CACHE/apt
APTDIR_TRIXIE=$CACHE/apt-trixie
# unstable (sid), for the one package trixie serves too old
# (v4l2loopback-dkms: trixie's 0.15.0 does not build on 7.x)
APTDIR_SID=$CACHE/apt-sid
# the release whose private apt state apt_private uses: bookworm or trixie
APT_RELEASE=bookworm
mkdir -p "$CACHE"
[ -z "${FETCH_REFRESH:-}" ] || rm -f "$APTDIR/lists/.updated" "$APTDIR_TRIXIE/lists/.updated" "$APTDIR_SID/lists/.updated"

# The env files (and the unpacked headers' Makefiles) record absolute paths
# into the cache: when the tree moved (or runs from tests/run.sh's view of
# it), they name the old place. The cache remembers where it was, and its
# paths are pointed here once.
moved_cache() {
	local was
	exec 8>"$CACHE/.where.lock"
	flock 8
	was=$(cat "$CACHE/.where" 2>/dev/null) || true
	if [ -n "$was" ] && [ "$was" != "$CACHE" ]; then
		find "$CACHE" -maxdepth 3 -name env -type f -exec sed -i "s#=$was/#=$CACHE/#" {} +
		find "$CACHE/kernels" -maxdepth 6 -path '*/headers/usr/src/*/Makefile' -type f \
			-exec sed -i "s#^include $was/#include $CACHE/#" {} + 2>/dev/null || true
	fi
	[ "$was" == "$CACHE" ] || echo "$CACHE" >"$CACHE/.where"
	exec 8>&-
}
moved_cache

die() {
	echo "fetch-debian: ERROR: $*" >&2
	exit 1
}

log() {
	echo "fetch-debian: $*" >&2
}

# archive_uri WORD: the host's first archive address whose path ends in
# /WORD (debian, debian-security), or Debian's own.
archive_uri() {
	local uri
	uri=$(grep -hoE "https?://[^ ]+/$1/?( |\$)" \
		/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
		sed -n 1p | tr -d ' ') || true
	uri=${uri:-http://deb.debian.org/$1}
	echo "${uri%/}"
}

# The host's own archive addresses, with bookworm-backports added, in a
# private apt state so that the host's package lists stay as they are; or,
# with APT_RELEASE=trixie, the same archive's trixie, trixie-updates,
# trixie-backports and trixie-security in a second private state.
# deps_release: the release whose packages fill in what the host lacks
# (missing_deps): the host's own where apt_private knows it, else bookworm.
deps_release() {
	case "$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)" in
	trixie) echo trixie ;;
	sid | forky) echo sid ;;
	*) echo bookworm ;;
	esac
}

# host_is_bookworm: the host runs Debian 12, whose apt sources the private
# bookworm state copies (on another release it names bookworm's suites).
host_is_bookworm() {
	[ "$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)" == bookworm ]
}

apt_private() {
	local dir=$APTDIR
	[ "$APT_RELEASE" == bookworm ] || dir=$APTDIR_TRIXIE
	[ "$APT_RELEASE" != sid ] || dir=$APTDIR_SID
	local opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=$dir/sources.list.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "APT::Sandbox::User=root"
		-o "Debug::NoLocking=1")
	# trixie: an empty dpkg status, so that its candidates are trixie's own
	# whatever the host has installed
	# and bookworm's on a host that runs another release
	if [ "$APT_RELEASE" != bookworm ] || ! host_is_bookworm; then
		opts+=(-o "Dir::State::Status=$dir/status")
	fi
	if [ ! -e "$dir/lists/.updated" ]; then
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" \
			"$dir/sources.list.d"
		: >"$dir/sources.list"
		rm -f "$dir/sources.list.d"/*
		local f uri
		uri=$(archive_uri debian)
		if [ "$APT_RELEASE" == bookworm ] && ! host_is_bookworm; then
			: >"$dir/status"
			cat >"$dir/sources.list.d/modsign-bookworm.sources" <<-EOF
				Types: deb
				URIs: $uri
				Suites: bookworm bookworm-updates bookworm-backports
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

				Types: deb
				URIs: $(archive_uri debian-security)
				Suites: bookworm-security
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
			EOF
		elif [ "$APT_RELEASE" == bookworm ]; then
			for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
				[ -e "$f" ] && cp "$f" "$dir/sources.list.d/"
			done
			[ -e /etc/apt/sources.list ] && cp /etc/apt/sources.list "$dir/sources.list"
			cat >"$dir/sources.list.d/modsign-backports.sources" <<-EOF
				Types: deb
				URIs: $uri
				Suites: bookworm-backports
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
			EOF
		elif [ "$APT_RELEASE" == sid ]; then
			: >"$dir/status"
			cat >"$dir/sources.list.d/modsign-sid.sources" <<-EOF
				Types: deb
				URIs: $uri
				Suites: sid
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
			EOF
		else
			: >"$dir/status"
			cat >"$dir/sources.list.d/modsign-trixie.sources" <<-EOF
				Types: deb
				URIs: $uri
				Suites: trixie trixie-updates trixie-backports
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

				Types: deb
				URIs: $(archive_uri debian-security)
				Suites: trixie-security
				Components: main
				Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
			EOF
		fi
		log "updating a private apt package list in $dir"
		apt-get "${opts[@]}" update -qq >&2 ||
			die "apt-get update failed: is Debian's archive reachable?"
		touch "$dir/lists/.updated"
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
	local series=$1 hdrpkg version abi dir env image installed=
	case "$series" in
	6.1 | 6.12)
		read -r hdrpkg version <<<"$(debian12_pin "$series")"
		if [ "$series" == 6.1 ] && host_61_headers; then
			installed=yes
		fi
		;;
	t6.12 | t7)
		trixie_kernel_env "$series"
		return
		;;
	*) die "unknown kernel series '$series' (6.1, 6.12, t6.12 or t7)" ;;
	esac
	[ -n "$version" ] || die "no headers version for the $series kernel"
	abi=${hdrpkg#linux-headers-}
	dir=$CACHE/kernels/$abi
	env=$dir/env
	if [ ! -e "$env" ] || [ "$(sed -n 's/^VERSION=//p' "$env")" != "$version" ]; then
		rm -rf "$dir"
		image=linux-image-$abi
		download_unpack "$dir/image" "$image=$version"
		if [ -n "$installed" ]; then
			echo "KDIR=/usr/src/$hdrpkg" >"$dir/env.tmp"
		else
			# Unpacked headers name their -common half by an absolute
			# path; point it at our copy.
			local parts
			mapfile -t parts < <(headers_parts "$hdrpkg" "$version")
			download_unpack "$dir/headers" "${parts[@]}"
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

# host_61_headers: Debian 12's linux-headers-amd64 is installed on this
# Debian 12 host (its 6.1 is then the one to build against and boot).
host_61_headers() {
	host_is_bookworm &&
		grep -q 'ok installed' <<<"$(dpkg-query -W -f='${Status}' linux-headers-amd64 2>/dev/null)"
}

# debian12_pin 6.1|6.12: "HEADERS VERSION" of that kernel, downloading no
# kernel: 6.1 is the installed linux-headers-amd64's on a Debian 12 host
# that has it, else bookworm's newest (its headers are then unpacked into
# the cache); 6.12 is bookworm-backports' newest.
debian12_pin() {
	local hdrpkg
	case "$1" in
	6.1)
		if host_61_headers; then
			hdrpkg=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | first_dep)
			echo "$hdrpkg $(dpkg-query -W -f='${Version}' "$hdrpkg")"
		else
			bookworm_pin 6.1 '^bookworm(-security|-updates)?/'
		fi
		;;
	6.12) bookworm_pin 6.12 '^bookworm-backports/' ;;
	esac
}

# headers_parts HEADERS VERSION: HEADERS=VERSION and the two packages it
# needs to build with, as PKG=VERSION, one a line: its -common half and its
# linux-kbuild (named linux-kbuild-6.1 on 6.1, linux-kbuild-R on 6.12),
# as its Depends names them.
headers_parts() {
	local deps
	echo "$1=$2"
	deps=$(apt_private apt-cache show "$1=$2" | sed -n 's/^Depends: //p' | sed -n 1p | tr ',' '\n')
	sed -n "s/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\)\( .*\)\?$/\1=$2/p" <<<"$deps"
	[ "$(grep -c -E '^ *linux-(headers-[^ ]*-common|kbuild-[^ ]*)( |$)' <<<"$deps")" == 2 ] ||
		die "$1=$2 does not name one -common and one linux-kbuild package"
}

# bookworm_pin SERIES REGEX: "HEADERS VERSION" of bookworm's newest
# linux-headers-amd64 in the suites REGEX matches (archive_version),
# kept in kernels/SERIES.pin, looked up again on FETCH_REFRESH.
bookworm_pin() {
	local pin=$CACHE/kernels/$1.pin hdrpkg version
	if [ -s "$pin" ] && [ -z "${FETCH_REFRESH:-}" ]; then
		cat "$pin"
		return
	fi
	version=$(archive_version linux-headers-amd64 "$2")
	[ -n "$version" ] || die "bookworm serves no linux-headers-amd64 for $1"
	hdrpkg=$(apt_private apt-cache show "linux-headers-amd64=$version" |
		sed -n 's/^Depends: //p' | sed -n 1p | first_dep)
	mkdir -p "$CACHE/kernels"
	echo "$hdrpkg $version" >"$pin.tmp.$$"
	mv "$pin.tmp.$$" "$pin"
	cat "$pin"
}

# trixie_pin SERIES: "HEADERS VERSION" of a trixie kernel: t6.12 is the
# newest linux-headers-amd64 of trixie (with its security and point
# updates), t7 the newest of trixie-backports, which must be 7.x. Kept in
# kernels/SERIES.pin, looked up again on FETCH_REFRESH.
trixie_pin() {
	local series=$1 pin=$CACHE/kernels/$1.pin re version hdrpkg
	if [ -s "$pin" ] && [ -z "${FETCH_REFRESH:-}" ]; then
		cat "$pin"
		return
	fi
	case "$series" in
	t6.12) re='^trixie(-security|-updates)?/' ;;
	t7) re='^trixie-backports/' ;;
	esac
	version=$(APT_RELEASE=trixie archive_version linux-headers-amd64 "$re")
	[ -n "$version" ] || die "the archive serves no linux-headers-amd64 in trixie for $series"
	case "$series" in
	t6.12) dpkg --compare-versions "$version" lt 6.13 ;;
	t7) dpkg --compare-versions "$version" ge 7 ;;
	esac || die "trixie's newest linux-headers-amd64 for $series is $version, not a $series kernel"
	# 7.x's meta package names linux-base-amd64 first
	hdrpkg=$(APT_RELEASE=trixie apt_private apt-cache show "linux-headers-amd64=$version" |
		sed -n 's/^Depends: //p' | sed -n 1p | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-amd64\)\( .*\)\?$/\1/p' | sed -n 1p)
	[ -n "$hdrpkg" ] || die "linux-headers-amd64=$version names no headers package"
	mkdir -p "$CACHE/kernels"
	echo "$hdrpkg $version" >"$pin.tmp.$$"
	mv "$pin.tmp.$$" "$pin"
	cat "$pin"
}

# trixie_kernel_env SERIES: a trixie kernel's image, config and modules.
# 6.12's linux-image-R holds them all; from 7.x linux-image-R is an empty
# meta package that depends on linux-binary-R (usr/lib/modules/R/vmlinuz),
# linux-base-R (the config) and linux-modules-R: the image and every
# dependency of it named linux-*-R are unpacked. Nothing is under /boot in
# 7.x's packages (linux-base's hook links vmlinuz and config there on
# install), so both places are looked at.
trixie_kernel_env() {
	local series=$1 hdrpkg version abi dir env pkgs p mods vmlinuz config
	read -r hdrpkg version <<<"$(trixie_pin "$series")"
	abi=${hdrpkg#linux-headers-}
	dir=$CACHE/kernels/$abi
	env=$dir/env
	if [ -e "$env" ] && [ "$(sed -n 's/^VERSION=//p' "$env")" == "$version" ]; then
		echo "$env"
		return
	fi
	rm -rf "$dir"
	pkgs=("linux-image-$abi=$version")
	while read -r p; do
		pkgs+=("$p=$version")
	done < <(APT_RELEASE=trixie apt_private apt-cache show "linux-image-$abi=$version" |
		sed -n 's/^Depends: //p' | sed -n 1p | tr ',' '\n' |
		sed -n "s/^ *\(linux-[a-z]*-$abi\)\( .*\)\?$/\1/p")
	APT_RELEASE=trixie download_unpack "$dir/image" "${pkgs[@]}"
	mods=$dir/image/usr/lib/modules/$abi
	[ -d "$mods" ] || mods=$dir/image/lib/modules/$abi
	vmlinuz=$dir/image/boot/vmlinuz-$abi
	[ -e "$vmlinuz" ] || vmlinuz=$mods/vmlinuz
	config=$dir/image/boot/config-$abi
	[ -e "$config" ] || config=$mods/config
	for p in "$mods/kernel" "$vmlinuz" "$config"; do
		[ -e "$p" ] || die "$p is not in ${pkgs[*]}"
	done
	cat >"$dir/env.tmp" <<-EOF
		RELEASE=$abi
		VERSION=$version
		HEADERS=$hdrpkg
		VMLINUZ=$vmlinuz
		CONFIG=$config
		MODDIR=$mods
	EOF
	mv "$dir/env.tmp" "$env"
	echo "$env"
}

# boot_versions PKG...: the boot packages to fetch, as PKG=VERSION, one a
# line (APT_RELEASE's candidates).
boot_versions() {
	local p v
	for p in "$@"; do
		v=$(apt_private apt-cache policy "$p" | sed -n 's/^ *Candidate: //p')
		if [ -z "$v" ] || [ "$v" == "(none)" ]; then
			die "the archive serves no $p"
		fi
		echo "$p=$v"
	done
}

# boot_env [trixie]: the boot packages are looked up only when they are not
# cached yet, or on FETCH_REFRESH; their versions are kept in
# boot/versions (boot-trixie/versions). trixie's boot chain is its own
# shim-signed, shim-helpers-amd64-signed (MokManager) and
# grub-efi-amd64-signed, under bookworm's OVMF (the firmware is the
# machine's, not the release's; trixie's shim is signed by both Microsoft
# UEFI CAs, so bookworm's variable store takes it).
boot_env() {
	local release=${1:-bookworm} dir env wanted='' pkgs=(shim-signed grub-efi-amd64-signed shim-helpers-amd64-signed)
	case "$release" in
	bookworm)
		dir=$CACHE/boot
		pkgs=(ovmf "${pkgs[@]}")
		;;
	trixie) dir=$CACHE/boot-trixie ;;
	*) die "unknown release '$release' for boot (bookworm or trixie)" ;;
	esac
	env=$dir/env
	if [ -n "${FETCH_REFRESH:-}" ] || [ ! -e "$env" ]; then
		wanted=$(APT_RELEASE=$release boot_versions "${pkgs[@]}")
		if [ -e "$env" ] && [ "$wanted" == "$(cat "$dir/versions" 2>/dev/null)" ]; then
			wanted=''
		fi
	fi
	if [ -n "$wanted" ]; then
		local ovmf=$dir/root/usr/share/OVMF
		if [ "$release" == trixie ]; then
			ovmf=$(dirname "$(sed -n 's/^OVMF_CODE=//p' "$(boot_env bookworm)")")
		fi
		rm -rf "$dir"
		mapfile -t pkgs <<<"$wanted"
		APT_RELEASE=$release download_unpack "$dir/root" "${pkgs[@]}"
		echo "$wanted" >"$dir/versions"
		cat >"$dir/env.tmp" <<-EOF
			OVMF_CODE=$ovmf/OVMF_CODE_4M.secboot.fd
			OVMF_VARS=$ovmf/OVMF_VARS_4M.ms.fd
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

# download DEST PKG=VERSION...: the .debs themselves, into DEST.
download() {
	local dest=$1
	shift
	mkdir -p "$dest"
	log "downloading $*"
	(cd "$dest" && apt_private apt-get download -qq "$@" >&2) ||
		die "the archive does not serve $*"
}

# archive_version PKG SUITE-REGEX: the newest version of PKG that a suite
# matching the extended regular expression serves, or nothing.
archive_version() {
	apt_private apt-cache madison "$1" |
		awk -F'|' -v re="$2" '!v { split($3, w, " "); if (w[2] ~ re) { gsub(/ /, "", $2); v = $2; print v } }'
}

# missing_deps PKG=VERSION...: the packages (as PKG=VERSION, one a line)
# that the given ones depend on, directly or through each other, and that
# neither the host has installed nor the list itself holds. An alternative
# (a | b) is met by any of its names; the first is fetched. Version
# constraints are not compared. A dependency on a linux-image package is
# left out on purpose: the sandbox installs headers without their image.
# The given packages are bookworm's; what they need that the host lacks is
# taken from the host's own release (deps_release), as apt would there: on
# Debian 13, bookworm's bzip2 or libdpkg-perl do not install.
missing_deps() {
	local -A have=() given=()
	local queue=("$@") spec name group alt met first v rel
	for spec in "$@"; do
		given[$spec]=1
	done
	while read -r name; do
		have[$name]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' |
		awk '$1 == "ii" { for (i = 2; i <= NF; i++) if ($i !~ /^[(=<>]/ && $i !~ /\)/) { sub(/,$/, "", $i); sub(/:.*/, "", $i); print $i } }')
	for spec in "$@"; do
		have[${spec%%=*}]=1
	done
	while [ "${#queue[@]}" -gt 0 ]; do
		spec=${queue[0]}
		queue=("${queue[@]:1}")
		while IFS= read -r group; do
			[ -n "$group" ] || continue
			met="" first=""
			while IFS= read -r alt; do
				alt=${alt%% *}
				alt=${alt%%:*}
				first=${first:-$alt}
				case "$alt" in linux-image-*) met=1 ;; esac
				[ -z "${have[$alt]:-}" ] || met=1
			done < <(tr '|' '\n' <<<"$group" | sed 's/^ *//')
			[ -z "$met" ] || continue
			v=$(APT_RELEASE=$(deps_release) apt_private apt-cache policy "$first" | sed -n 's/^ *Candidate: //p')
			if [ -z "$v" ] || [ "$v" == "(none)" ]; then
				die "$spec depends on $group, which the archive does not serve"
			fi
			have[$first]=1
			queue+=("$first=$v")
			echo "$first=$v"
		done < <(if [ -n "${given[$spec]:-}" ]; then rel=bookworm; else rel=$(deps_release); fi
		APT_RELEASE=$rel apt_private apt-cache show "$spec" |
			awk '/^$/ { done = 1 } !done && /^(Pre-)?Depends: / { sub(/^[^:]*: /, ""); print }' |
			sed 's/ *, */\n/g')
	done
}

# depmod_outputs MODDIR RELEASE DEST: the files `depmod RELEASE` writes
# for an installed image whose modules are MODDIR, made in DEST (through a
# farm of symbolic links, so the cached image stays as it is).
depmod_outputs() {
	local farm f
	farm=$(mktemp -d "$CACHE/depmod.XXXXXX")
	mkdir -p "$farm/lib/modules" "$3"
	cp -as "$1" "$farm/lib/modules/$2"
	log "running depmod for $2 (as the image's postinst would)"
	depmod -b "$farm" "$2" || {
		rm -rf "$farm"
		die "depmod -b failed for $2"
	}
	for f in "$farm/lib/modules/$2"/modules.*; do
		[ -L "$f" ] || cp "$f" "$3/"
	done
	rm -rf "$farm"
	[ -s "$3/modules.dep" ] || die "depmod made no modules.dep for $2"
}

# headers_root ENV: HEADERS612_ROOT in ENV, the folder where 6.12's header
# packages (HEADERS612_DIR) are unpacked with dpkg -x, as dpkg -i would put
# them on disk, for a sandbox to layer instead of installing them; made
# once (in a temporary folder, then renamed: runs at once race safely).
# It lives in the dkms folder, which a refresh makes anew.
headers_root() {
	local env=$1 debs root tmp deb
	debs=$(sed -n 's/^HEADERS612_DIR=//p' "$env")
	root=$debs-root
	if [ ! -d "$root" ]; then
		tmp=$(mktemp -d "$root.XXXXXX")
		for deb in "$debs"/*.deb; do
			dpkg -x "$deb" "$tmp" || {
				rm -rf "$tmp"
				die "dpkg -x $deb failed"
			}
		done
		mv -T "$tmp" "$root" 2>/dev/null || rm -rf "$tmp"
		[ -d "$root" ] || die "cannot make $root"
	fi
	if ! grep -q '^HEADERS612_ROOT=' "$env"; then
		{ cat "$env" && echo "HEADERS612_ROOT=$root"; } >"$env.tmp.$$"
		mv "$env.tmp.$$" "$env"
	fi
}

dkms_env() {
	local dir=$CACHE/dkms env env61 env612 rel61 rel612 ver612 dkms_v v4l_v
	env=$dir/env
	# DEPS_DIR is what this host lacks: made again on another release
	local host
	host=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)
	if [ -e "$env" ] && [ -z "${FETCH_REFRESH:-}" ] &&
		[ "$(sed -n 's/^HOST=//p' "$env")" == "$host" ]; then
		headers_root "$env"
		echo "$env"
		return
	fi
	env61=$(kernel_env 6.1)
	env612=$(kernel_env 6.12)
	rel61=$(sed -n 's/^RELEASE=//p' "$env61")
	rel612=$(sed -n 's/^RELEASE=//p' "$env612")
	ver612=$(sed -n 's/^VERSION=//p' "$env612")
	if [ -z "$rel61" ] || [ -z "$rel612" ] || [ -z "$ver612" ]; then
		die "$env61 or $env612 lacks RELEASE or VERSION"
	fi
	# bookworm's own dkms (not a backport), backports' v4l2loopback-dkms.
	dkms_v=$(archive_version dkms '^bookworm(-security|-updates)?/')
	[ -n "$dkms_v" ] || die "bookworm serves no dkms"
	v4l_v=$(archive_version v4l2loopback-dkms '^bookworm-backports/')
	[ -n "$v4l_v" ] || die "bookworm-backports serves no v4l2loopback-dkms"
	dpkg --compare-versions "$v4l_v" ge 0.13 ||
		die "bookworm-backports' v4l2loopback-dkms is $v4l_v; 0.13 or newer is needed to build on 6.12"
	local hdr=linux-headers-$rel612 kbuild=linux-kbuild-${rel612%-amd64}
	local common=${hdr%-amd64}-common
	local wanted=("dkms=$dkms_v" "v4l2loopback-dkms=$v4l_v"
		"$hdr=$ver612" "$common=$ver612" "$kbuild=$ver612") deps
	mapfile -t deps < <(missing_deps "${wanted[@]}")
	rm -rf "$dir"
	mkdir -p "$dir/deps"
	download "$dir/dkms" "dkms=$dkms_v" "v4l2loopback-dkms=$v4l_v"
	download "$dir/headers-$rel612" "$hdr=$ver612" "$common=$ver612" "$kbuild=$ver612"
	[ "${#deps[@]}" == 0 ] || APT_RELEASE=$(deps_release) download "$dir/deps" "${deps[@]}"
	# On a host without 6.1's headers (not Debian 12), the sandbox
	# installs them, as Debian 12 would have them installed, with the
	# compiler package they name (linux-compiler-gcc-12-x86, which needs
	# only gcc-12), so that dpkg's state has no unmet dependency and apt
	# works in the sandbox.
	local headers61=none
	if [ ! -d "/usr/src/linux-headers-$rel61" ]; then
		local parts v61 compiler
		headers61=$dir/headers-$rel61
		v61=$(sed -n 's/^VERSION=//p' "$env61")
		mapfile -t parts < <(headers_parts "linux-headers-$rel61" "$v61")
		compiler=$(apt_private apt-cache show "linux-headers-$rel61=$v61" | sed -n 's/^Depends: //p' |
			sed -n 1p | tr ',' '\n' | sed -n 's/^ *\(linux-compiler-[^ ]*\).*/\1/p')
		[ -z "$compiler" ] || parts+=("$compiler=$v61")
		download "$headers61" "${parts[@]}"
	fi
	local image61 image612
	image61=$(sed -n 's/^MODDIR=//p' "$env61")
	image612=$(sed -n 's/^MODDIR=//p' "$env612")
	depmod_outputs "$image61" "$rel61" "$dir/depmod-$rel61"
	depmod_outputs "$image612" "$rel612" "$dir/depmod-$rel612"
	local d v
	d=$(find "$dir/dkms" -name 'dkms_*.deb')
	v=$(find "$dir/dkms" -name 'v4l2loopback-dkms_*.deb')
	if [ ! -f "$d" ] || [ ! -f "$v" ]; then
		die "the downloaded dkms or v4l2loopback-dkms .deb is missing in $dir/dkms"
	fi
	cat >"$dir/env.tmp" <<-EOF
		DKMS_DEB=$d
		DKMS_VERSION=$dkms_v
		V4L2LOOPBACK_DEB=$v
		V4L2LOOPBACK_VERSION=$v4l_v
		DEPS_DIR=$dir/deps
		HEADERS612_DIR=$dir/headers-$rel612
		HEADERS61_DIR=$headers61
		HOST=$host
		RELEASE61=$rel61
		RELEASE612=$rel612
		IMAGE61=$image61
		IMAGE612=$image612
		DEPMOD61=$dir/depmod-$rel61
		DEPMOD612=$dir/depmod-$rel612
	EOF
	mv "$dir/env.tmp" "$env"
	headers_root "$env"
	echo "$env"
}

# dep_closure PKG...: PKG and everything it depends on (Depends and
# Pre-Depends, the first name of each alternative, versions not compared),
# as PKG=VERSION one a line: APT_RELEASE's candidates, whatever the host
# has installed.
dep_closure() {
	local -A seen=()
	local queue=("$@") name group v
	while [ "${#queue[@]}" -gt 0 ]; do
		name=${queue[0]}
		queue=("${queue[@]:1}")
		[ -z "${seen[$name]:-}" ] || continue
		seen[$name]=1
		v=$(apt_private apt-cache policy "$name" | sed -n 's/^ *Candidate: //p')
		if [ -z "$v" ] || [ "$v" == "(none)" ]; then
			die "the archive serves no $name"
		fi
		echo "$name=$v"
		while IFS= read -r group; do
			[ -n "$group" ] || continue
			group=${group%%|*}
			group=${group%% *}
			queue+=("${group%%:*}")
		done < <(apt_private apt-cache show "$name=$v" |
			awk '/^$/ { done = 1 } !done && /^(Pre-)?Depends: / { sub(/^[^:]*: /, ""); print }' |
			sed 's/ *, */\n/g')
	done
}

# userspace_env trixie: trixie's kmod (its insmod, modprobe...) and
# mokutil, with their whole dependency closure (glibc, libkmod, OpenSSL,
# efivar, the compression libraries) unpacked into one folder laid out as
# a merged-/usr root, for a guest. Made once; looked up again on
# FETCH_REFRESH.
userspace_env() {
	local release=${1:-} dir env wanted pkgs
	# libkmod opens liblzma with dlopen: no package depends on it
	local roots='kmod mokutil liblzma5'
	[ "$release" == trixie ] || die "unknown release '$release' for userspace (trixie)"
	dir=$CACHE/userspace-$release
	env=$dir/env
	if [ -e "$env" ] && [ -z "${FETCH_REFRESH:-}" ] && grep -qxF "ROOTS=$roots" "$env"; then
		echo "$env"
		return
	fi
	# shellcheck disable=SC2086 # roots is a list of names
	wanted=$(APT_RELEASE=$release dep_closure $roots | LC_ALL=C sort)
	if [ -e "$env" ] && [ "$wanted" == "$(cat "$dir/versions" 2>/dev/null)" ]; then
		echo "$env"
		return
	fi
	rm -rf "$dir"
	mapfile -t pkgs <<<"$wanted"
	APT_RELEASE=$release download_unpack "$dir/root" "${pkgs[@]}"
	echo "$wanted" >"$dir/versions"
	cat >"$dir/env.tmp" <<-EOF
		ROOT=$dir/root
		KMOD=$dir/root/usr/bin/kmod
		MOKUTIL=$dir/root/usr/bin/mokutil
		KMOD_VERSION=$(sed -n 's/^kmod=//p' <<<"$wanted")
		MOKUTIL_VERSION=$(sed -n 's/^mokutil=//p' <<<"$wanted")
		ROOTS=$roots
	EOF
	local name f
	while IFS='=' read -r name f; do
		case "$name" in KMOD | MOKUTIL) [ -x "$f" ] || die "$name: $f is missing from the unpacked packages" ;; esac
	done <"$dir/env.tmp"
	mv "$dir/env.tmp" "$env"
	echo "$env"
}

# dkms_trixie_env: the .debs for DKMS inside the trixie build root
# (tests/vm/dkms-payload.sh): trixie's dkms and what of its dependencies
# the root lacks (apt's own resolution against the root's dpkg status),
# the newest v4l2loopback-dkms of sid (trixie's 0.15.0 does not build on
# 7.x; 0.15.4 does), and the t7 headers package as the root has it (the
# payload removes it and installs it again, as a kernel upgrade does).
# Env: DEBS_DIR (dkms and its missing dependencies), V4L2LOOPBACK_DEB,
# V4L2LOOPBACK_VERSION, DKMS_VERSION, HEADERS_T7_DEB. Made once; looked up
# again on FETCH_REFRESH or when the root's t7 headers change.
dkms_trixie_env() {
	local dir=$CACHE/dkms-trixie env renv root hdr hver v4l_v inst
	env=$dir/env
	renv=$(bash "$TOP/vm/trixie-root.sh" env) || die "the trixie root is not there (vm/trixie-root.sh env)"
	root=$(sed -n 's/^ROOT=//p' "$renv")
	hdr=linux-headers-$(sed -n 's/^RELEASE_T7=//p' "$renv")
	hver=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$hdr") ||
		die "the trixie root has no $hdr"
	if [ -e "$env" ] && [ -z "${FETCH_REFRESH:-}" ] && grep -qxF "HEADERS_T7=$hdr=$hver" "$env"; then
		echo "$env"
		return
	fi
	v4l_v=$(APT_RELEASE=sid archive_version v4l2loopback-dkms '^(sid|unstable)/')
	[ -n "$v4l_v" ] || die "sid serves no v4l2loopback-dkms"
	dpkg --compare-versions "$v4l_v" ge 0.15.4 ||
		die "sid's v4l2loopback-dkms is $v4l_v; 0.15.4 or newer is needed to build on 7.x"
	# what `apt-get install dkms` would install in the root
	inst=$(APT_RELEASE=trixie apt_private apt-get -o "Dir::State::Status=$root/var/lib/dpkg/status" \
		-s -qq install --no-install-recommends dkms |
		awk '$1 == "Inst" { for (i = 3; i <= NF; i++) if ($i ~ /^\(/) { print $2 "=" substr($i, 2); break } }')
	grep -q '^dkms=' <<<"$inst" || die "apt would not install dkms in the trixie root: $inst"
	rm -rf "$dir"
	local pkgs
	mapfile -t pkgs <<<"$inst"
	APT_RELEASE=trixie download "$dir/debs" "${pkgs[@]}"
	APT_RELEASE=sid download "$dir/v4l2loopback" "v4l2loopback-dkms=$v4l_v"
	APT_RELEASE=trixie download "$dir/headers" "$hdr=$hver"
	cat >"$dir/env.tmp" <<-EOF
		DEBS_DIR=$dir/debs
		DKMS_VERSION=$(sed -n 's/^dkms=//p' <<<"$inst")
		V4L2LOOPBACK_DEB=$(find "$dir/v4l2loopback" -name 'v4l2loopback-dkms_*.deb')
		V4L2LOOPBACK_VERSION=$v4l_v
		HEADERS_T7_DEB=$(find "$dir/headers" -name "${hdr}_*.deb")
		HEADERS_T7=$hdr=$hver
	EOF
	mv "$dir/env.tmp" "$env"
	echo "$env"
}

# pkcs11_provider_dir: bookworm-backports' pkcs11-provider unpacked under
# $CACHE/pkcs11-provider (dpkg-deb -x, never installed); prints the folder
# that holds pkcs11.so. It needs only libc6 and libssl3, which the host
# has. Looked up again on FETCH_REFRESH.
pkcs11_provider_dir() {
	local dir=$CACHE/pkcs11-provider v so
	if [ -s "$dir/version" ] && [ -z "${FETCH_REFRESH:-}" ]; then
		v=$(cat "$dir/version")
	else
		v=$(archive_version pkcs11-provider '^bookworm-backports/')
		[ -n "$v" ] || die "bookworm-backports serves no pkcs11-provider"
	fi
	so=$(find "$dir/root" -name pkcs11.so -path '*ossl-modules*' 2>/dev/null | sed -n 1p) || so=
	if [ -z "$so" ] || [ "$v" != "$(cat "$dir/version" 2>/dev/null)" ]; then
		rm -rf "$dir"
		download "$dir/deb" "pkcs11-provider=$v"
		mkdir -p "$dir/root"
		dpkg-deb -x "$dir/deb/"pkcs11-provider_*.deb "$dir/root"
		so=$(find "$dir/root" -name pkcs11.so -path '*ossl-modules*' | sed -n 1p)
		[ -n "$so" ] || die "pkcs11-provider $v holds no ossl-modules/pkcs11.so"
		echo "$v" >"$dir/version"
	fi
	dirname "$so"
}

# virt_firmware_env: python3-virt-firmware from bookworm-backports (its
# virt-fw-vars adds a MOK to a copy of OVMF's variables) and python3-pefile
# from bookworm, unpacked with dpkg-deb -x under $CACHE/virt-firmware; the
# other dependencies (python3-cryptography, python3-pkg-resources) are
# Debian 12's own, so the command runs under /usr/bin/python3 (not a
# python3 found first on PATH) with PYTHONPATH set to the unpacked modules.
# Looked up again on FETCH_REFRESH.
virt_firmware_env() {
	local dir=$CACHE/virt-firmware env vf pe deb
	env=$dir/env
	if [ -e "$env" ] && [ -z "${FETCH_REFRESH:-}" ]; then
		echo "$env"
		return
	fi
	vf=$(archive_version python3-virt-firmware '^bookworm-backports/')
	[ -n "$vf" ] || die "bookworm-backports serves no python3-virt-firmware"
	pe=$(archive_version python3-pefile '^bookworm(-security|-updates)?/')
	[ -n "$pe" ] || die "bookworm serves no python3-pefile"
	rm -rf "$dir"
	download "$dir/debs" "python3-virt-firmware=$vf" "python3-pefile=$pe"
	mkdir -p "$dir/root"
	for deb in "$dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
	done
	[ -e "$dir/root/usr/bin/virt-fw-vars" ] || die "python3-virt-firmware $vf holds no usr/bin/virt-fw-vars"
	cat >"$dir/env.tmp" <<-EOF
		PYTHON=/usr/bin/python3
		PYTHONPATH=$dir/root/usr/lib/python3/dist-packages
		VIRT_FW_VARS=$dir/root/usr/bin/virt-fw-vars
		VIRT_FIRMWARE_VERSION=$vf
	EOF
	mv "$dir/env.tmp" "$env"
	echo "$env"
}

case "${1:-}" in
kernel) kernel_env "${2:-}" ;;
boot) boot_env "${2:-bookworm}" ;;
userspace) userspace_env "${2:-}" ;;
pin)
	case "${2:-}" in
	6.1 | 6.12) debian12_pin "$2" ;;
	t6.12 | t7) trixie_pin "$2" ;;
	*) die "pin takes 6.1, 6.12, t6.12 or t7" ;;
	esac
	;;
archive) archive_uri "${2:-debian}" ;;
dkms) dkms_env ;;
dkms-trixie) dkms_trixie_env ;;
pkcs11-provider) pkcs11_provider_dir ;;
virt-firmware) virt_firmware_env ;;
*)
	echo "usage: fetch-debian.sh kernel 6.1|6.12|t6.12|t7 | boot [bookworm|trixie] | userspace trixie | pin 6.1|6.12|t6.12|t7 | archive WORD | dkms | dkms-trixie | pkcs11-provider | virt-firmware" >&2
	exit 2
	;;
esac
