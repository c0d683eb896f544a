#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the guest's initramfs: busybox-static, the real bash, kmod, mokutil,
# openssl and jq with their libraries, efivarfs from the kernel package, the
# kit's mok-enroll.sh, scripts/rotate-key.sh and public certificates, the
# test modules, and INIT as /init.
#
#   make-initramfs.sh OUT.cpio MODDIR PAYLOAD
#
# MODDIR is the kernel package's /lib/modules/<release>; PAYLOAD a folder
# copied to /opt/modsign in the guest (modules, certificate, password file).
# The archive is left uncompressed so that the suite can search it for the
# private key.
# KIT_DEB, when set: the kit's own files come from that package (below).
# USERSPACE, when set, is another release's kmod and mokutil unpacked with
# their libraries (fetch-debian.sh userspace trixie): they replace the
# host's kmod and mokutil, and that release's glibc and libraries replace
# the host's of the same names (the host's bash, openssl, jq and modsign
# run on the newer ones).
# INIT (required) is the guest's /init: tests/vm/guest-init.sh for the VM
# suite, try/guest-try.sh for modsign-try.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
out=$1 moddir=$2 payload=$3

root=$(mktemp -d "${TMPDIR:-/tmp}/modsign-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,opt,lib64,usr/bin,usr/lib/ssl}

# copy_libs BINARY: every library BINARY links, at the same path.
copy_libs() {
	local lib
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$1" | grep -oE '/[^ ]+')
}

# copy_bin COMMAND DEST: an installed command and its libraries.
copy_bin() {
	local bin
	bin=$(command -v "$1") || {
		echo "make-initramfs: ERROR: $1 is not installed" >&2
		exit 1
	}
	cp -L "$bin" "$root/$2"
	copy_libs "$bin"
}

cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# Scripts start with #!/usr/bin/env bash.
ln -s ../../bin/busybox "$root/usr/bin/env"
copy_bin bash bin/bash
copy_bin openssl bin/openssl
copy_bin mokutil bin/mokutil
copy_bin kmod bin/kmod
copy_bin jq bin/jq
# The real kmod tools, ahead of busybox's on PATH (/sbin first).
for tool in insmod rmmod modinfo lsmod modprobe depmod; do
	ln -s ../bin/kmod "$root/sbin/$tool"
done
[ ! -e /usr/lib/ssl/openssl.cnf ] || cp -L /usr/lib/ssl/openssl.cnf "$root/usr/lib/ssl/"

# efivarfs is a module in Debian's kernels (signed by Debian, so it loads
# under lockdown); mokutil needs it mounted.
release=$(basename "$moddir")
efivarfs=$(find "$moddir/kernel/fs/efivarfs" -name 'efivarfs.ko*' | sed -n 1p)
[ -n "$efivarfs" ] || {
	echo "make-initramfs: ERROR: no efivarfs module in $moddir" >&2
	exit 1
}
mkdir -p "$root/lib/modules/$release"
cp "$efivarfs" "$root/lib/modules/$release/"

cp -a "$payload" "$root/opt/modsign"
# The kit's own binaries (modsign) need their libraries too.
if [ -d "$payload/bin" ]; then
	for f in "$payload"/bin/*; do
		copy_libs "$f"
	done
fi
cp "$top/mok-enroll.sh" "$root/opt/modsign/mok-enroll.sh"
mkdir -p "$root/opt/modsign/scripts"
cp "$top/scripts/rotate-key.sh" "$root/opt/modsign/scripts/rotate-key.sh"
# rotate-key.sh's shell library (key types, kernel configs)
cp "$top/scripts/modsig-lib.sh" "$root/opt/modsign/scripts/modsig-lib.sh"
[ -n "${INIT:-}" ] || {
	echo "make-initramfs: ERROR: INIT is not set: the guest's /init (tests/vm/guest-init.sh, try/guest-try.sh)" >&2
	exit 2
}
cp "$INIT" "$root/init"
chmod 0755 "$root/init" "$root/opt/modsign/mok-enroll.sh" "$root/opt/modsign/scripts/rotate-key.sh"

# KIT_DEB, when set, is the kit's Debian package (make deb): it is
# unpacked over the guest's / as dpkg would, and the guest's kit paths
# become links to what it installed, so the guest runs the packaged
# modsign, mok-enroll.sh and rotate-key.sh (test-vm.sh's VM_FROM_DEB).
# After the chmod above: the links point into the guest, not the host.
if [ -n "${KIT_DEB:-}" ]; then
	dpkg-deb -x "$KIT_DEB" "$root"
	copy_libs "$root/usr/bin/modsign"
	ln -sfn /usr/bin/modsign "$root/opt/modsign/bin/modsign"
	ln -sfn /usr/bin/mok-enroll.sh "$root/opt/modsign/mok-enroll.sh"
	ln -sfn /usr/lib/modsign/scripts/rotate-key.sh "$root/opt/modsign/scripts/rotate-key.sh"
	ln -sfn /usr/lib/modsign/modsig-lib.sh "$root/opt/modsign/scripts/modsig-lib.sh"
	dpkg-deb -f "$KIT_DEB" Version >"$root/opt/modsign/from-deb"
fi

if [ -n "${USERSPACE:-}" ]; then
	for f in "$USERSPACE/usr/bin/kmod" "$USERSPACE/usr/bin/mokutil"; do
		[ -x "$f" ] || {
			echo "make-initramfs: ERROR: $f is missing: run fetch-debian.sh userspace trixie again" >&2
			exit 1
		}
		cp -L "$f" "$root/bin/"
	done
	mkdir -p "$root/lib/x86_64-linux-gnu"
	for f in "$USERSPACE"/usr/lib/x86_64-linux-gnu/*; do
		[ ! -f "$f" ] || cp -L "$f" "$root/lib/x86_64-linux-gnu/"
	done
	cp -L "$USERSPACE/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$root/lib64/ld-linux-x86-64.so.2"
fi

# dpkg's status names the guest's kmod (KMOD_VERSION: the release's), as
# on the machine it stands for: modsign check and status read it to tell
# whether kmod hands a compressed module to the kernel (31 and later).
if [ -n "${KMOD_VERSION:-}" ]; then
	mkdir -p "$root/var/lib/dpkg"
	printf 'Package: kmod\nStatus: install ok installed\nVersion: %s\n\n' "$KMOD_VERSION" >"$root/var/lib/dpkg/status"
fi

(cd "$root" && find . -print0 | sort -z | cpio -0 -o -H newc --quiet) >"$out"
