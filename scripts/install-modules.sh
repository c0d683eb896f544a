#!/usr/bin/env bash
# Installs signed modules for the kernel they were built for, then runs
# depmod so that modprobe finds them.
#
#   install-modules.sh ROOT SUBDIR MODULE.ko...
#
# Modules go to ROOT/lib/modules/<release>/SUBDIR/ (ROOT empty: the running
# system), <release> being the one they were built for (their vermagic).
# They are copied as they are: a signed module must not be stripped or
# re-signed on the way.
set -euo pipefail

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
	[ -n "$r" ] || {
		echo "modsign: ERROR: $mod: no vermagic: not a kernel module, or kmod is not installed" >&2
		exit 1
	}
	[ -z "$release" ] || [ "$r" == "$release" ] || {
		echo "modsign: ERROR: $mod was built for $r, the others for $release: run 'make clean sign'" >&2
		exit 1
	}
	release=$r
done
case "$subdir" in
"" | */* | . | ..)
	echo "modsign: ERROR: INSTALL_MOD_DIR=$subdir: give one folder name, such as updates or extra" >&2
	exit 1
	;;
esac
dest=$root/lib/modules/$release/$subdir

echo "Installing ${#} modules into $dest"
install -d "$dest"
for mod in "$@"; do
	install -m 0644 "$mod" "$dest/"
done
if command -v depmod >/dev/null; then
	echo "Running depmod for $release${root:+ under $root}"
	depmod ${root:+-b "$root"} "$release"
else
	echo "modsign: notice: depmod not found (package kmod); run 'depmod $release' before modprobe" >&2
fi
