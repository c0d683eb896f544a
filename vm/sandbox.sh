# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# A throwaway root for DKMS: dpkg -i, dkms, depmod and the /etc/kernel
# hooks run as root, for real, but every file they write lands in a folder
# of ours, never on the host.
#
# Each sandbox_run starts a private mount namespace (unshare -m, private
# propagation) and mounts overlayfs over /etc, /var, /usr and /boot there:
# the host's folders are the read-only lower layers, the upper and work
# folders live in the sandbox folder. Debian 12 is merged-/usr, so the /usr
# overlay also covers /lib/modules and /usr/src; the /var overlay covers
# /var/lib/dpkg and /var/lib/dkms. The mounts exist only in that namespace
# and vanish with its last process; what was written stays in the upper
# folders, so the next sandbox_run in the same folder sees it.
#
#   . vm/sandbox.sh
#   sandbox_start DIR                 make DIR a new, empty sandbox
#   sandbox_layer TARGET LOWER...     from the next run on, the LOWER
#                                     folders (read-only to us, e.g. an
#                                     unpacked kernel's /lib/modules/RELEASE)
#                                     show through under TARGET, below
#                                     what TARGET already holds and above
#                                     each next LOWER; writes go to the
#                                     sandbox
#   sandbox_run CMD...                run CMD as root in the sandbox
#   sandbox_stop                      remove the sandbox folder
#   host_fingerprint                  a line per file of what the host must
#                                     keep (see below), to compare
#   small_image IMAGE DEPMOD RELEASE DEST MODULE...
#                                     a kernel's installed modules, smaller
#                                     (see below), to layer
#   no_man_index                      dpkg -i in the current sandbox skips
#                                     the manual's index
#
# As a command: sandbox.sh DIR -- CMD... runs CMD in the sandbox DIR (made
# if missing, kept afterwards).
#
# DIR must be on a file system that can carry an overlay's upper layer
# (ext4, xfs, tmpfs; not an overlay itself), and its path must not hold
# ',', ':' or '\' (they would split overlayfs's options).

# The host folders the sandbox overlays.
SANDBOX_TREES=(/etc /var /usr /boot)

sandbox_die() {
	echo "dkms: ERROR: $*" >&2
	return 1
}

# sandbox_start DIR
sandbox_start() {
	local dir t fstype
	[ "$EUID" == 0 ] || sandbox_die "the sandbox needs root (mount namespaces and overlayfs)" || return
	command -v unshare >/dev/null || sandbox_die "unshare (util-linux) is missing" || return
	grep -qw overlay /proc/filesystems ||
		sandbox_die "this kernel has no overlayfs (modprobe overlay)" || return
	mkdir -p "$1"
	dir=$(cd "$1" && pwd)
	case "$dir" in
	*,* | *:* | *\\*) sandbox_die "the sandbox path $dir holds ',', ':' or '\\'" || return ;;
	esac
	fstype=$(stat -f -c %T "$dir")
	case "$fstype" in
	overlayfs | fuseblk | fuse | nfs) sandbox_die "$dir is on $fstype, which cannot hold an overlay's upper layer" || return ;;
	esac
	[ -z "$(ls -A "$dir")" ] || sandbox_die "$dir is not empty" || return
	for t in "${SANDBOX_TREES[@]}"; do
		mkdir -p "$dir/root$t/upper" "$dir/root$t/work"
	done
	: >"$dir/layers"
	SANDBOX_DIR=$dir
	export SANDBOX_DIR
}

# sandbox_layer TARGET LOWER...
sandbox_layer() {
	[ -n "${SANDBOX_DIR:-}" ] || sandbox_die "sandbox_layer before sandbox_start" || return
	local target=$1 lowers="" l
	shift
	for l in "$target" "$@"; do
		case "$l" in
		/*) ;;
		*) sandbox_die "layer paths must be absolute: $l" || return ;;
		esac
		case "$l" in
		*,* | *:* | *\\* | *$'\t'* | *$'\n'*) sandbox_die "layer paths must not hold ',', ':', '\\', tabs or newlines: $l" || return ;;
		esac
	done
	for l in "$@"; do
		[ -d "$l" ] || sandbox_die "layer $l is not a folder" || return
		lowers+=:$l
	done
	printf '%s\t%s\n' "$target" "${lowers#:}" >>"$SANDBOX_DIR/layers"
}

# _sandbox_inside DIR CMD...: runs in the new mount namespace.
_sandbox_inside() {
	set -euo pipefail
	local dir=$1 t target lower n=0
	shift
	for t in /etc /var /usr /boot; do
		mount -t overlay "modsign-sandbox" \
			-o "lowerdir=$t,upperdir=$dir/root$t/upper,workdir=$dir/root$t/work" "$t"
	done
	while IFS=$'\t' read -r target lower; do
		n=$((n + 1))
		mkdir -p "$target" "$dir/layer$n/upper" "$dir/layer$n/work"
		mount -t overlay "modsign-sandbox" \
			-o "lowerdir=$target:$lower,upperdir=$dir/layer$n/upper,workdir=$dir/layer$n/work" "$target"
	done <"$dir/layers"
	exec "$@"
}

# sandbox_run CMD...
sandbox_run() {
	[ -n "${SANDBOX_DIR:-}" ] || sandbox_die "sandbox_run before sandbox_start" || return
	[ -f "$SANDBOX_DIR/layers" ] || sandbox_die "$SANDBOX_DIR is not a sandbox" || return
	unshare --mount --propagation private -- \
		bash -c "$(declare -f _sandbox_inside)"'; _sandbox_inside "$@"' \
		sandbox "$SANDBOX_DIR" "$@"
}

# sandbox_stop: the mounts are gone with the namespace; this removes the
# folder, after checking that no sandbox mount is visible on the host.
sandbox_stop() {
	[ -n "${SANDBOX_DIR:-}" ] || return 0
	if grep -q modsign-sandbox /proc/self/mountinfo; then
		sandbox_die "a sandbox overlay is mounted on the host: $(grep modsign-sandbox /proc/self/mountinfo | sed -n '1,3p')" || return
	fi
	rm -rf "$SANDBOX_DIR"
	unset SANDBOX_DIR
}

# host_fingerprint: path, type, size, mtime, mode and link target of every
# file under the folders DKMS, dpkg and the kernel hooks write to (those
# that exist, and dpkg's per-package files), then the hash of dpkg's status
# file. Equal before and
# after means the host was left as it was.
host_fingerprint() {
	local p paths=()
	for p in /etc/dkms /etc/kernel /etc/modprobe.d /var/lib/dkms /usr/src \
		/usr/lib/modules /boot /usr/sbin/dkms /usr/lib/dkms /usr/share/doc/dkms \
		/var/lib/dpkg/info /var/lib/modsign /usr/local/lib/modsign /usr/local/bin/modsign \
		/usr/local/bin/mok-enroll.sh /usr/local/share/man/man1/modsign.1 \
		/usr/local/share/bash-completion/completions/modsign; do
		[ ! -e "$p" ] || paths+=("$p")
	done
	find "${paths[@]}" -xdev -printf '%p %y %s %T@ %m %l\n' 2>/dev/null | LC_ALL=C sort
	sha256sum /var/lib/dpkg/status
}

# sandbox_as_debian12 HEADERS61_DIR RELEASE61: on a host that is not Debian
# 12, the sandbox made to look like one with 6.1 as its kernel: the host's
# own kernels' folders hidden (whiteouts in the upper layer, after the 6.1
# layer is in place) and 6.1's headers installed from HEADERS61_DIR
# (fetch-debian.sh dkms; "none" on Debian 12, which has them: nothing to
# do), with the compiler package they name (linux-compiler-gcc-12-x86: it
# needs only gcc-12, which scripts/setup.sh test installs).
sandbox_as_debian12() {
	local dir=$1 rel=$2 d debs
	[ "$dir" != none ] || return 0
	for d in /usr/lib/modules/*; do
		if [ -e "$d" ] && [ "${d##*/}" != "$rel" ]; then
			sandbox_run rm -rf "$d" || return 1
		fi
	done
	debs=("$dir"/*.deb)
	sandbox_run dpkg --force-unsafe-io --force-depends -i "${debs[@]}" >"$SANDBOX_DIR/headers-61.log" 2>&1 || {
		cat "$SANDBOX_DIR/headers-61.log" >&2
		return 1
	}
}

# As a command: sandbox.sh DIR -- CMD...
if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	set -euo pipefail
	if [ $# -lt 3 ] || [ "$2" != -- ]; then
		echo "usage: sandbox.sh DIR -- CMD..." >&2
		exit 2
	fi
	if [ -f "$1/layers" ]; then
		SANDBOX_DIR=$(cd "$1" && pwd)
	else
		sandbox_start "$1"
	fi
	shift 2
	sandbox_run "$@"
fi

# small_image IMAGE DEPMOD RELEASE DEST MODULE...: in DEST/lib/modules/
# RELEASE, the image's MODULEs and what they depend on (after the image's
# modules.dep in DEPMOD), its modules.builtin* and modules.order, and the
# modules.* files depmod writes for them: the installed kernel, smaller
# (DKMS's depmod and a scan of /lib/modules take seconds, not minutes).
small_image() {
	local image=$1 depmods=$2 rel=$3 base=$4 dest=$4/lib/modules/$3 files m
	shift 4
	mapfile -t files < <(for m in "$@"; do
		awk -v m="$m" '{ n = $1; sub(/:$/, "", n); p = n; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n) }
			n == m { print p; for (i = 2; i <= NF; i++) print $i }' "$depmods/modules.dep"
	done | LC_ALL=C sort -u)
	[ "${#files[@]}" -ge $# ] || return 1
	mkdir -p "$dest" || return 1
	(cd "$image" && cp --parents "${files[@]}" modules.builtin modules.builtin.modinfo modules.order "$dest/") || return 1
	depmod -b "$base" "$rel" || return 1
	[ -s "$dest/modules.dep" ]
}

# no_man_index: in the current sandbox, man-db's trigger does not rebuild
# the manual's index after dpkg -i (its own switch, debconf's
# man-db/auto-update, is the file /var/lib/man-db/auto-update): nothing
# here reads it, and for dkms it took 14 s of the 25 s of dpkg -i.
no_man_index() {
	sandbox_run rm -f /var/lib/man-db/auto-update
}

# A sandbox over a whole root folder instead of the host: the trixie build
# root (vm/trixie-root.sh), for trixie's own dkms. Each rootbox_run
# mounts, in a private mount namespace, an overlay whose lower layer is
# the root (read-only to us) and whose upper layer is DIR/upper, then
# chroots into it with /proc and /dev; the root itself is never written,
# and what the commands wrote stays in DIR for the next rootbox_run.
#
#   rootbox_start DIR ROOT            make DIR a new, empty sandbox over ROOT
#   rootbox_run [--bind PATH]... CMD...
#                                     CMD as root in it, each host PATH
#                                     bind-mounted at the same path for
#                                     this command only
#   rootbox_stop                      remove DIR
rootbox_start() {
	local dir
	[ "$EUID" == 0 ] || sandbox_die "the sandbox needs root (mount namespaces and overlayfs)" || return
	[ -d "$2/usr/bin" ] || sandbox_die "$2 is not a root folder" || return
	mkdir -p "$1"
	dir=$(cd "$1" && pwd)
	case "$dir$2" in
	*,* | *:* | *\\*) sandbox_die "the sandbox path $dir or root $2 holds ',', ':' or '\\'" || return ;;
	esac
	[ -z "$(ls -A "$dir")" ] || sandbox_die "$dir is not empty" || return
	mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
	ROOTBOX_DIR=$dir ROOTBOX_ROOT=$(cd "$2" && pwd)
	export ROOTBOX_DIR ROOTBOX_ROOT
}

rootbox_run() {
	local binds=()
	[ -n "${ROOTBOX_DIR:-}" ] || sandbox_die "rootbox_run before rootbox_start" || return
	while [ "${1:-}" == --bind ]; do
		binds+=("$(cd "$2" && pwd)") || return
		shift 2
	done
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount --propagation private -- bash -euo pipefail -c '
		dir=$1 root=$2 n=$3
		shift 3
		m=$dir/merged
		mount -t overlay modsign-sandbox \
			-o "lowerdir=$root,upperdir=$dir/upper,workdir=$dir/work" "$m"
		mount -t proc proc "$m/proc"
		mount --rbind /dev "$m/dev"
		while [ "$n" -gt 0 ]; do
			mkdir -p "$m$1"
			mount --bind "$1" "$m$1"
			shift
			n=$((n - 1))
		done
		exec chroot "$m" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"
	' rootbox "$ROOTBOX_DIR" "$ROOTBOX_ROOT" "${#binds[@]}" "${binds[@]}" "$@"
}

rootbox_stop() {
	[ -n "${ROOTBOX_DIR:-}" ] || return 0
	if grep -q modsign-sandbox /proc/self/mountinfo; then
		sandbox_die "a sandbox overlay is mounted on the host: $(grep modsign-sandbox /proc/self/mountinfo | sed -n '1,3p')" || return
	fi
	rm -rf "$ROOTBOX_DIR"
	unset ROOTBOX_DIR ROOTBOX_ROOT
}

# root_fingerprint ROOT: path, size, mtime and mode of every file of ROOT,
# hashed: equal before and after means the root was left as it was.
root_fingerprint() {
	find "$1" -xdev -printf '%p %y %s %T@ %m %l\n' | LC_ALL=C sort | sha256sum
}
