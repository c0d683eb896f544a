#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Debian unstable (sid) root with OpenSSL 4 from experimental (libssl-dev
# and openssl 4.0.x), for building sign/ against OpenSSL 4, which removed
# the ENGINE API (issue #25). Made with mmdebstrap from the host's own
# archive (fetch-debian.sh's address) under $TOP/.cache/openssl4-root
# (git-ignored); the host's apt sources, package lists and dpkg database
# are never touched, and nothing of OpenSSL 4 reaches the host.
#
#   openssl4-root.sh env          makes the root if needed, prints its env
#                                 file: ROOT, OPENSSL_VERSION (the root's
#                                 libssl-dev)
#   openssl4-root.sh run DIR CMD...
#                                 runs CMD in the root with DIR bind-mounted
#                                 at /kit and as the working folder
#   openssl4-root.sh check [DIR]  in the root, on a copy of DIR's sign/
#                                 and tests/ (default: this tree): make -C
#                                 sign with -Werror, then the unit tests
#                                 (ASan+UBSan) and the command tests that
#                                 need no Debian kernel (modsign's build
#                                 without ENGINE: a pkcs11: key says to
#                                 install pkcs11-provider)
#
# The root holds build-essential, pkg-config and the libraries modsign
# links (liblzma, libzstd, zlib), OpenSSL 4 from experimental over sid's,
# and what the command tests below run (openssl, kmod, xz-utils, zstd,
# perl). It is made once and reused; OPENSSL4_REFRESH=1 makes it again
# (experimental moves).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$here/../.." && pwd)
CACHE=${MODSIGN_CACHE:-$TOP/.cache}
DIR=$CACHE/openssl4-root
ROOT=$DIR/root

die() {
	echo "openssl4-root: ERROR: $*" >&2
	exit 1
}

log() {
	echo "openssl4-root: $*" >&2
}

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

# make_root: a new root, made beside the old one and renamed over it when
# complete.
make_root() {
	local tmp mirror t0=$SECONDS v
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/setup.sh test installs it)"
	mirror=$(bash "$here/fetch-debian.sh" archive debian)
	tmp=$DIR/root.new
	rm -rf "$tmp"
	mkdir -p "$DIR"
	log "making a sid root with experimental's OpenSSL 4 in $tmp (minutes)"
	# -t experimental for the OpenSSL packages alone: the rest stays sid's
	# shellcheck disable=SC2016 # $1 is the hook's, mmdebstrap expands it
	# Check-Valid-Until: sid's and experimental's Release files expire
	# within days; a mirror that lags (or a clock ahead) would stop here
	mmdebstrap --variant=apt --mode=root --quiet \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--include="build-essential,pkg-config,liblzma-dev,libzstd-dev,zlib1g-dev,kmod,xz-utils,zstd,perl" \
		--customize-hook='chroot "$1" apt-get install -y -qq --no-install-recommends -t experimental libssl-dev openssl' \
		--customize-hook='chroot "$1" apt-get clean' \
		sid "$tmp" \
		"deb $mirror sid main" "deb $mirror experimental main" >&2 ||
		die "mmdebstrap failed (is Debian's archive reachable? does experimental still serve OpenSSL 4?)"
	v=$(dpkg-query --admindir="$tmp/var/lib/dpkg" -W -f='${Version}' libssl-dev) ||
		die "the root has no libssl-dev"
	case "$v" in
	4.*) ;;
	*) die "the root's libssl-dev is $v, not OpenSSL 4: experimental no longer serves it" ;;
	esac
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
	echo "$v" >"$DIR/version"
	log "the OpenSSL 4 root (libssl-dev $v) took $((SECONDS - t0)) s, $(du -sh "$ROOT" | cut -f1)"
}

# root_env: the root, made when missing (or on OPENSSL4_REFRESH); the env
# file.
root_env() {
	mkdir -p "$DIR"
	# one maker at a time: a second run waits, then finds the root made
	exec 9>"$DIR/lock"
	flock 9
	if [ ! -d "$ROOT" ] || [ ! -s "$DIR/version" ] || [ -n "${OPENSSL4_REFRESH:-}" ]; then
		make_root
	fi
	{
		echo "ROOT=$ROOT"
		echo "OPENSSL_VERSION=$(cat "$DIR/version")"
	} >"$DIR/env.tmp.$$"
	mv "$DIR/env.tmp.$$" "$DIR/env"
	exec 9>&-
	echo "$DIR/env"
}

# check SRC: sign/ and tests/ of SRC copied into a folder of their own (the
# root's objects never mix with the host's), built and tested in the root.
check() {
	local src=$1 work rc=0 t0=$SECONDS
	root_env >/dev/null
	work=$(mktemp -d "$DIR/kit.XXXXXX")
	(cd "$src" && git ls-files -z --cached --others --exclude-standard -- sign tests |
		cpio -0 -pdmu --quiet "$work") || die "cannot copy $src's sign/ and tests/"
	rm -rf "$work/sign/build" "$work/sign/modsign"
	log "OpenSSL $(cat "$DIR/version"): make -C sign (-Werror), its unit tests, the command tests without a kernel"
	in_root --bind "$work" sh -c '
		set -e
		openssl version
		make -s -C sign -j2
		nm -D sign/modsign | grep ENGINE && { echo "sign/modsign references ENGINE symbols"; exit 1; } || true
		make -s -C sign -j2 unit
	' >&2 || rc=$?
	rm -rf "$work"
	[ "$rc" == 0 ] || die "sign/ does not build or pass its unit tests against OpenSSL $(cat "$DIR/version")"
	log "OpenSSL $(cat "$DIR/version"): build and unit tests passed in $((SECONDS - t0)) s"
}

case "${1:-}" in
env) root_env ;;
run)
	[ $# -ge 3 ] || die "usage: openssl4-root.sh run DIR CMD..."
	[ -d "$2" ] || die "$2 is not a folder"
	root_env >/dev/null
	in_root --bind "$(cd "$2" && pwd)" "${@:3}"
	;;
check) check "${2:-$TOP}" ;;
*)
	echo "usage: openssl4-root.sh env | run DIR CMD... | check [DIR]" >&2
	exit 2
	;;
esac
