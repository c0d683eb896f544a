#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Prints the kernel build folder to build and sign against.
#
#   kdir.sh [KDIR]
#
# With KDIR given, checks it. Without, takes /lib/modules/$(uname -r)/build;
# where that does not exist (a container, a build host), the newest installed
# /usr/src/linux-headers-*, with a one-line notice on stderr; where there is
# none, a clear error naming the package to install.
# MODSIGN_MODULES_ROOT and MODSIGN_SRC_ROOT (default /lib/modules, /usr/src)
# let the tests and cross builds point elsewhere.
set -euo pipefail
# shellcheck source=scripts/modsig-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/modsig-lib.sh" # kit_opt: KDIR, or modsign-kit's --kdir

modules_root=${MODSIGN_MODULES_ROOT:-/lib/modules}
src_root=${MODSIGN_SRC_ROOT:-/usr/src}
release=$(uname -r)

is_kdir() {
	[ -f "$1/Makefile" ] && [ -f "$1/.config" ]
}

if [ -n "${1:-}" ]; then
	if ! is_kdir "$1"; then
		echo "modsign: ERROR: $(kit_opt "KDIR=$1") is not a kernel build folder (no Makefile and .config there): point $(kit_opt KDIR) at installed headers, for example /usr/src/linux-headers-<release>" >&2
		exit 1
	fi
	echo "$1"
	exit 0
fi

if is_kdir "$modules_root/$release/build"; then
	echo "$modules_root/$release/build"
	exit 0
fi

newest=
while IFS= read -r dir; do
	is_kdir "$dir" && newest=$dir
done < <(find "$src_root" -mindepth 1 -maxdepth 1 -name 'linux-headers-*' 2>/dev/null | sort -V)

if [ -n "$newest" ]; then
	echo "modsign: notice: $modules_root/$release/build does not exist (kernel $release has no headers here); building for $newest instead (set $(kit_opt KDIR) to choose)" >&2
	echo "$newest"
	exit 0
fi

echo "modsign: ERROR: no kernel headers: $modules_root/$release/build does not exist and no $src_root/linux-headers-* is installed; install them with 'sudo apt-get install linux-headers-$release' (Debian: linux-headers-amd64, Ubuntu: linux-headers-generic), or set $(kit_opt KDIR)" >&2
exit 1
