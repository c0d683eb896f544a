#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs signed modules for the kernel they were built for, compressed the
# way that kernel's own `make modules_install` would, then runs depmod so
# that modprobe finds them.
#
#   install-modules.sh ROOT SUBDIR MODULE.ko...
#
# Modules go to ROOT/lib/modules/<release>/SUBDIR/ (ROOT empty: the running
# system), <release> being the one they were built for (their vermagic).
# A signed module must not be stripped or re-signed on the way: it is
# copied as it is, or compressed whole (the signature is inside, and the
# kernel checks it after decompressing), and the compressed file is
# decompressed and compared before it replaces anything.
#
# The compression is the target kernel's: CONFIG_MODULE_COMPRESS_XZ, _ZSTD
# or _GZIP in its configuration, found in KDIR (when set: it must be that
# release's), else in the release's build folder, its Debian headers, or
# /boot/config-<release> (below ROOT first). The commands are Kbuild's own
# (scripts/Makefile.modinst): xz with a CRC32 check, as the kernel's own xz
# decoder refuses xz's default CRC64; zstd; gzip at its default level 6.
# A kernel that sets CONFIG_MODULE_COMPRESS_ALL off (6.6 and later) gets
# them uncompressed, as Kbuild does. An older copy of the same module in
# another form (hello-1.ko beside a new hello-1.ko.xz, or the other way) is
# removed, so that depmod does not index two.
set -euo pipefail
# shellcheck source=scripts/modsig-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/modsig-lib.sh" # (and modinfo in PATH)

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

[ $# -ge 3 ] || {
	echo "usage: install-modules.sh ROOT SUBDIR MODULE.ko..." >&2
	exit 2
}
root=$1 subdir=$2
shift 2

# The release the modules were built for, as the kernel checks it (vermagic).
release=
for mod in "$@"; do
	r=$(modinfo -F vermagic "$mod" 2>/dev/null | cut -d' ' -f1)
	[ -n "$r" ] || die "$mod: no vermagic: not a kernel module, or kmod is not installed"
	[ -z "$release" ] || [ "$r" == "$release" ] ||
		die "$mod was built for $r, the others for $release: run 'make clean sign'"
	release=$r
done
case "$subdir" in
"" | */* | . | ..)
	die "INSTALL_MOD_DIR=$subdir: give one folder name, such as updates or extra"
	;;
esac
dest=$root/lib/modules/$release/$subdir

# target_config: the configuration of the kernel $release, or nothing.
target_config() {
	local kdir=${KDIR:-} uts f
	if [ -n "$kdir" ]; then
		uts=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null) || true
		[ -z "$uts" ] || [ "$uts" == "$release" ] ||
			die "KDIR=$kdir is kernel $uts, but the modules were built for $release: give the KDIR they were built with, or run 'make clean sign' for $uts"
		[ -f "$kdir/.config" ] || die "KDIR=$kdir has no .config: point KDIR at the headers the modules were built with"
		echo "$kdir/.config"
		return
	fi
	for f in "$root/lib/modules/$release/build/.config" "/lib/modules/$release/build/.config" \
		"/usr/src/linux-headers-$release/.config" "$root/boot/config-$release" "/boot/config-$release"; do
		if [ -f "$f" ]; then
			echo "$f"
			return
		fi
	done
}

# The suffix and commands (compress, decompress; both to stdout) for the
# kernel's CONFIG_MODULE_COMPRESS_*.
suffix='' zip=() unzip=() package='' kmodlib=''
config=$(target_config)
if [ -z "$config" ]; then
	echo "modsign: notice: no configuration found for kernel $release (no KDIR, /lib/modules/$release/build or /boot/config-$release): installing the modules uncompressed, which every kernel loads" >&2
elif ! grep -q '^# CONFIG_MODULE_COMPRESS_ALL is not set' "$config"; then
	if grep -q '^CONFIG_MODULE_COMPRESS_XZ=y' "$config"; then
		suffix=.xz zip=(xz --check=crc32 --lzma2=dict=1MiB -c) unzip=(xz -dc) package=xz-utils kmodlib=XZ
	elif grep -q '^CONFIG_MODULE_COMPRESS_ZSTD=y' "$config"; then
		suffix=.zst zip=(zstd -q -c) unzip=(zstd -q -dc) package=zstd kmodlib=ZSTD
	elif grep -q '^CONFIG_MODULE_COMPRESS_GZIP=y' "$config"; then
		suffix=.gz zip=(gzip -n -c) unzip=(gzip -dc) package=gzip kmodlib=ZLIB
	fi
fi
if [ -n "$suffix" ]; then
	command -v "${zip[0]}" >/dev/null ||
		die "kernel $release wants its modules compressed with ${zip[0]} ($config), which is not installed: apt-get install $package"
	# Debian 12's kmod, for one, is built without zlib (kmod --version:
	# -ZLIB): its depmod and modprobe do not see a .ko.gz.
	if grep -qw -- "-$kmodlib" <<<"$(kmod --version 2>/dev/null)"; then
		echo "modsign: warning: this machine's kmod reads no .ko$suffix (kmod --version: -$kmodlib): its depmod and modprobe do not see the modules installed here; the target system's kmod must have $kmodlib" >&2
	fi
fi

tmp=''
trap '[ -z "$tmp" ] || rm -f "$tmp"' EXIT

how=
[ -z "$suffix" ] || how=" (as .ko$suffix, as kernel $release's own are)"
echo "Installing ${#} modules into $dest$how"
install -d "$dest"
for mod in "$@"; do
	name=$(basename "$mod")
	tmp=$(mktemp "$dest/.$name$suffix.XXXXXX")
	if [ -n "$suffix" ]; then
		"${zip[@]}" "$mod" >"$tmp" || die "${zip[0]} failed on $mod"
		"${unzip[@]}" "$tmp" | cmp -s - "$mod" ||
			die "$mod: the ${zip[0]} copy does not decompress to the signed module (disk full?); nothing was replaced"
	else
		cp "$mod" "$tmp"
	fi
	chmod 0644 "$tmp"
	mv -f "$tmp" "$dest/$name$suffix"
	tmp=''
	for old in "" .xz .zst .gz; do
		[ "$old" == "$suffix" ] || rm -f "$dest/$name$old"
	done
done
if command -v depmod >/dev/null; then
	echo "Running depmod for $release${root:+ under $root}"
	depmod ${root:+-b "$root"} "$release"
else
	echo "modsign: notice: depmod not found (package kmod); run 'depmod $release' before modprobe" >&2
fi
