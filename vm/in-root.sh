# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# in_root, shared by the roots the suites make with mmdebstrap
# (trixie-root.sh, openssl4-root.sh). The sourcing script sets ROOT and
# defines die.

# in_root [--bind HOSTDIR] CMD...: CMD chrooted in ROOT, in a private mount
# namespace with /proc, /dev and the host's resolv.conf (apt), and HOSTDIR
# at /kit (its working folder). Everything mounted goes with the namespace.
in_root() {
	local bind=''
	if [ "${1:-}" == --bind ]; then
		bind=$2
		shift 2
	fi
	[ $# -gt 0 ] || die "in_root: no command"
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount --propagation private -- bash -euo pipefail -c '
		root=$1 bind=$2
		shift 2
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		cwd=/
		if [ -n "$bind" ]; then
			mkdir -p "$root/kit"
			mount --bind "$bind" "$root/kit"
			cwd=/kit
		fi
		exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive /bin/sh -c "cd $cwd && exec \"\$@\"" sh "$@"
	' in_root "$ROOT" "$bind" "$@"
}
