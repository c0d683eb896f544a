#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages a make target needs, or, when not run
# as root, prints the exact apt-get line and stops. The one place that names
# the kit's packages.
#
#   setup.sh build   build and sign modules (make, make sign, make install)
#   setup.sh test    everything the test suite needs (make check)
#
# KDIR, when set, is the kernel build folder the build will use; without it,
# the headers of the running kernel (or the newest installed) are needed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# build: Kbuild, keys, modinfo, modsign (libcrypto; liblzma, libzstd and
# zlib for compressed modules; the libp11 engine for pkcs11: keys),
# make enroll, make sign-kernel, and getfattr/setfattr (attr) with which
# make sign keeps a module's extended attributes.
build_pkgs=(make gcc libc6-dev openssl kmod libssl-dev pkg-config
	liblzma-dev libzstd-dev zlib1g-dev libengine-pkcs11-openssl
	mokutil sbsigntool attr)
# test: the fetcher and the 6.12 build (dwarves: pahole for BTF), the VM
# (qemu, expect, busybox, cpio, xz), lint, and modsign's fuzzers (clang,
# libFuzzer from libclang-rt), a real PKCS#11 token (SoftHSM2), and
# /usr/bin/time for the benchmark's peak memory.
# The dkms suite needs nothing more: its sandbox is the kernel's overlayfs
# in a mount namespace (unshare is in util-linux), and dkms and its
# dependencies are installed only inside it, from .debs fetch-debian.sh
# downloads.
test_pkgs=(git linux-headers-amd64 dwarves cpio xz-utils zstd gzip
	busybox-static qemu-system-x86 expect shellcheck clang libclang-rt-14-dev
	softhsm2 time)

# headers_pkg: the package with headers for the running kernel.
headers_pkg() {
	local release
	release=$(uname -r)
	if apt-cache show "linux-headers-$release" >/dev/null 2>&1; then
		echo "linux-headers-$release"
	elif grep -qi ubuntu /etc/os-release 2>/dev/null; then
		echo linux-headers-generic
	else
		echo linux-headers-amd64
	fi
}

profile=${1:-build}
case "$profile" in
build) wanted=("${build_pkgs[@]}") ;;
test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*)
	echo "usage: setup.sh build|test" >&2
	exit 2
	;;
esac

command -v dpkg-query >/dev/null || {
	echo "modsign: ERROR: this is not a Debian or Ubuntu system (no dpkg): install make, gcc, openssl, kmod, libssl-dev and your kernel's headers by hand" >&2
	exit 1
}

missing=()
for p in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if ! "$here/kdir.sh" "${KDIR:-}" >/dev/null 2>&1; then
	if [ -n "${KDIR:-}" ]; then
		"$here/kdir.sh" "$KDIR" >/dev/null # prints why KDIR is wrong
	fi
	missing+=("$(headers_pkg)")
fi

[ "${#missing[@]}" -gt 0 ] || exit 0

if [ "$EUID" != 0 ]; then
	echo "modsign: missing packages: ${missing[*]}" >&2
	echo "modsign: install them, then run make again:" >&2
	echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "modsign: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
	echo "modsign: refreshing the package lists and trying again"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
