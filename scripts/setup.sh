#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian/Ubuntu packages a make target needs: as root with
# apt-get, as another user through sudo (which asks for the password); where
# there is no sudo, or it fails, it prints the exact apt-get line and stops.
# The one place that names the kit's packages, and the one that gets root.
#
#   setup.sh build          build, sign and install modules (make, make sign,
#                           make install)
#   setup.sh test           everything the test suite needs (make check)
#   setup.sh as-root CMD... runs CMD as root: as it is when root already,
#                           else through sudo (the README's commands use it,
#                           so that they work with sudo and as root on a
#                           machine without it)
#
# KDIR, when set, is the kernel build folder the build will use; without it,
# the headers of the running kernel (or the newest installed) are needed.
# MODSIGN_SETUP_DRY_RUN=1 prints the install command instead of running it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# build: Kbuild, keys, modinfo, modsign (libcrypto; liblzma, libzstd and
# zlib for compressed modules; pkcs11_pkgs adds what loads pkcs11: keys),
# make enroll, make sign-kernel, getfattr/setfattr (attr) with which
# make sign keeps a module's extended attributes, and xz and zstd, with
# which make install compresses modules as the target kernel does (gzip is
# in every Debian).
build_pkgs=(make gcc libc6-dev openssl kmod libssl-dev pkg-config
	liblzma-dev libzstd-dev zlib1g-dev
	mokutil sbsigntool attr xz-utils zstd)
# test: the fetcher and the 6.12 build (dwarves: pahole for BTF), the
# trixie build root (mmdebstrap: vm/trixie-root.sh), the VM
# (qemu, expect, busybox, cpio, xz, jq), lint, and modsign's fuzzers (clang,
# and libFuzzer from the libclang-rt-N-dev of that clang: clang_rt_pkg
# adds it), a real PKCS#11 token (SoftHSM2), the same
# token behind a p11-kit server for the farm suite (p11-kit,
# p11-kit-modules: p11-kit-client.so), /usr/bin/time for the benchmark's
# peak memory, and python3 for the JSON of modsign status
# (tests/modsign/status.sh), and the package's build and its check
# (build-essential, which dpkg-buildpackage requires of every build,
# debhelper, dpkg-dev: dpkg-buildpackage; lintian: the deb suite; no
# fakeroot: debian/control says Rules-Requires-Root: no), and strace, with
# which the batch tests stop modsign between a batch's sync phases.
# gcc-12: the compiler Debian 12's kernels (6.1, and 6.12 from
# bookworm-backports) name in their headers (CC = gcc-12), which the host
# suites build against on every release (Debian 12's own gcc; on Debian 13
# a second one beside gcc 14).
# libp11-kit-dev: p11-kit/pkcs11.h, for the farm suite's fake PKCS#11 module.
# python3-cryptography and python3-pkg-resources: what virt-fw-vars needs
# (modsign-try pre-enrolls a MOK with it; python3-virt-firmware itself is
# fetched into .cache from bookworm-backports by fetch-debian.sh).
# The dkms suite needs nothing more: its sandbox is the kernel's overlayfs
# in a mount namespace (unshare is in util-linux), and dkms and its
# dependencies are installed only inside it, from .debs fetch-debian.sh
# downloads.
test_pkgs=(git linux-headers-amd64 gcc-12 dwarves cpio gzip mmdebstrap
	busybox-static qemu-system-x86 expect shellcheck clang-format clang
	softhsm2 p11-kit p11-kit-modules time jq python3
	build-essential debhelper dpkg-dev lintian strace
	python3-cryptography python3-pkg-resources libp11-kit-dev)

# pkcs11_pkgs PROFILE: what loads pkcs11: keys. OpenSSL's pkcs11 provider
# (pkcs11-provider, which modsign and 6.12's sign-file use first) where the
# release has it (Debian 13 and later; Debian 12 only through
# bookworm-backports, so only where the host names that archive), else
# libp11's engine (libengine-pkcs11-openssl, modsign's fallback). The test
# profile keeps the engine too: the suites test both routes (Debian 12's
# provider tests fetch bookworm-backports' package into .cache instead).
pkcs11_pkgs() {
	local policy=
	policy=$(apt-cache policy pkcs11-provider 2>/dev/null) || policy=
	if grep -qE '^ *Candidate: [^(]' <<<"$policy"; then
		echo pkcs11-provider
		[ "$1" != test ] || echo libengine-pkcs11-openssl
	else
		echo libengine-pkcs11-openssl
	fi
}

# clang_rt_pkg: libFuzzer's package, libclang-rt-N-dev for the clang-N that
# the package clang is on this release (the installed clang's, else the
# candidate's): Debian 12's is 14, Debian 13's 19. Nothing when clang
# names no clang-N.
clang_rt_pkg() {
	local n
	if grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' clang 2>/dev/null)"; then
		n=$(dpkg-query -W -f='${Depends}\n' clang | tr ',' '\n' |
			sed -n 's/^ *clang-\([0-9][0-9]*\)\( .*\)\?$/\1/p' | sed -n 1p)
	else
		n=$(apt-cache depends clang 2>/dev/null |
			sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | sed -n 1p) || true
	fi
	[ -z "$n" ] || echo "libclang-rt-$n-dev"
}

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

# as_root CMD...: CMD as root, through sudo when not root; fails when not
# root and there is no sudo.
as_root() {
	if [ "$EUID" == 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "modsign: ERROR: '$*' needs root, and there is no sudo here: run it as root" >&2
		return 1
	fi
}

profile=${1:-build}
case "$profile" in
as-root)
	[ $# -ge 2 ] || {
		echo "usage: setup.sh as-root CMD..." >&2
		exit 2
	}
	shift
	as_root "$@"
	exit
	;;
build) wanted=("${build_pkgs[@]}") ;;
test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*)
	echo "usage: setup.sh build|test|as-root CMD..." >&2
	exit 2
	;;
esac

command -v dpkg-query >/dev/null || {
	echo "modsign: ERROR: this is not a Debian or Ubuntu system (no dpkg): install make, gcc, openssl, kmod, libssl-dev and your kernel's headers by hand" >&2
	exit 1
}

mapfile -t -O "${#wanted[@]}" wanted < <(pkcs11_pkgs "$profile")
if [ "$profile" == test ]; then
	rt=$(clang_rt_pkg)
	if [ -n "$rt" ]; then
		wanted+=("$rt")
	else
		echo "modsign: notice: the package clang names no clang-N here: libFuzzer (libclang-rt-N-dev) is left out, and make -C sign fuzz may not build" >&2
	fi
fi

missing=()
for p in "${wanted[@]}"; do
	grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null)" ||
		missing+=("$p")
done
if ! "$here/kdir.sh" "${KDIR:-}" >/dev/null 2>&1; then
	if [ -n "${KDIR:-}" ]; then
		"$here/kdir.sh" "$KDIR" >/dev/null # prints why KDIR is wrong
	fi
	missing+=("$(headers_pkg)")
fi

[ "${#missing[@]}" -gt 0 ] || exit 0

install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
if [ -n "${MODSIGN_SETUP_DRY_RUN:-}" ]; then
	echo "modsign: missing packages: ${missing[*]}"
	[ "$EUID" == 0 ] || ! command -v sudo >/dev/null || install=(sudo "${install[@]}")
	echo "modsign: dry run: would run: ${install[*]}"
	exit 0
fi
# print_line: the line to run by hand, and stop.
print_line() {
	echo "modsign: missing packages: ${missing[*]}" >&2
	echo "modsign: install them, then run make again:" >&2
	echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
}
if [ "$EUID" != 0 ] && ! command -v sudo >/dev/null; then
	print_line
fi

if [ "$EUID" == 0 ]; then
	echo "modsign: installing ${missing[*]}"
else
	echo "modsign: installing ${missing[*]} through sudo"
fi
if ! as_root env DEBIAN_FRONTEND=noninteractive "${install[@]}"; then
	echo "modsign: refreshing the package lists and trying again"
	as_root apt-get update -qq || print_line
	as_root env DEBIAN_FRONTEND=noninteractive "${install[@]}" || print_line
fi
