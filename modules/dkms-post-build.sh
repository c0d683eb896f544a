#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DKMS runs this as the kit package's POST_BUILD (modules/dkms.conf), in its
# build folder, once it has signed and compressed the modules for a kernel:
#
#   dkms-post-build.sh KERNELVER ARCH
#
# DKMS 3.0.10 compresses a .ko.xz with plain `xz -f`: xz's default CRC64
# check and 8 MiB dictionary. The kernel's own xz decoder takes neither
# (seen in the Secure Boot VM on 6.12: "Invalid argument"), and kmod 31
# and later hand compressed modules to it. So each .ko.xz is written again
# as Kbuild writes them (xz --check=crc32 --lzma2=dict=1MiB) before DKMS
# installs it: DKMS's copy and the installed one stay the same file. The
# signature is inside the module bytes, which do not change.
set -euo pipefail

die() {
	echo "modsign: ERROR: dkms-post-build.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: dkms-post-build.sh KERNELVER ARCH (DKMS's POST_BUILD); got $# arguments"
dir=../$1/$2/module
[ -d "$dir" ] || die "no folder $dir: DKMS saved no modules for $1 ($2)?"

for f in "$dir"/*.ko.xz; do
	[ -e "$f" ] || continue
	check=$(xz --robot --list "$f" | awk -F'\t' '$1 == "file" { print $7 }') ||
		die "$f: not an xz file DKMS wrote"
	[ "$check" != CRC32 ] || continue
	tmp=$(mktemp "$dir/.dkms-post-build.XXXXXX")
	if xz -dc "$f" | xz --check=crc32 --lzma2=dict=1MiB -c >"$tmp" &&
		cmp -s <(xz -dc "$f") <(xz -dc "$tmp"); then
		chmod --reference="$f" "$tmp"
		mv -f "$tmp" "$f"
	else
		rm -f "$tmp"
		die "$f: cannot write it again with a CRC32 check; left as DKMS made it"
	fi
done
