#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Debian 13 (trixie) build root for the trixie kernels under test: their
# headers were built with gcc 14, which Debian 12 lacks, so the kit's
# modules for them are built inside trixie. Made with mmdebstrap from the
# host's own archive (fetch-debian.sh's address), under $TOP/.cache
# (git-ignored); the host's apt sources, package lists and dpkg database
# are never touched.
#
#   trixie-root.sh env            makes the root if needed, prints its env
#                                 file: ROOT, and for each series (t6.12,
#                                 t7) RELEASE_<S> and KDIR_<S> (the headers'
#                                 folder inside the root), S being T612 or T7
#   trixie-root.sh run DIR CMD... runs CMD in the root with DIR bind-mounted
#                                 at /kit and as the working folder
#   trixie-root.sh make SERIES DIR ARG...
#                                 make -C /kit KDIR=<SERIES' headers> ARG...
#                                 in the root, DIR at /kit
#
# The root holds build-essential and the headers of trixie's 6.12 (t6.12,
# the newest of trixie and its security updates) and of trixie-backports'
# newest 7.x (t7), taken from the archive at run time; then the kit's own
# `scripts/setup.sh build` installs what `make sign` needs, as on a fresh
# Debian 13 machine. It is made once and reused: root.pin records the two
# headers packages and their versions, and the root is made again when one
# of them moves (or with FETCH_REFRESH=1, which looks them up again).
#
# Keys: the root never holds one. `run` and `make` work in a mount namespace
# of their own (unshare -m): DIR is bind-mounted at /kit for that command
# only, so the key that `make sign` makes or uses stays in DIR, on the
# host's side, and the mount is gone when the command ends.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$here/.." && pwd)
# shellcheck source=vm/cache.sh
. "$here/cache.sh"
CACHE=$(cache_dir "$TOP")
DIR=$CACHE/trixie-root
ROOT=$DIR/root
SERIES=(t6.12 t7)

die() {
	echo "trixie-root: ERROR: $*" >&2
	exit 1
}

log() {
	echo "trixie-root: $*" >&2
}

# var SERIES: the env file's suffix for a series (t6.12 -> T612).
var() {
	local v=${1^^}
	echo "${v//./}"
}

# shellcheck source=vm/in-root.sh
. "$here/in-root.sh"

# wanted_pin: "SERIES HEADERS VERSION" for each series, one a line.
wanted_pin() {
	local s
	for s in "${SERIES[@]}"; do
		echo "$s $(bash "$here/fetch-debian.sh" pin "$s")"
	done
}

# make_root PIN: a new root for the headers in PIN, made beside the old
# one and renamed over it when complete.
make_root() {
	local pin=$1 tmp mirror security hdrs=() s h v t0=$SECONDS
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/setup.sh test installs it)"
	while read -r s h v; do
		hdrs+=("$h=$v")
	done <<<"$pin"
	mirror=$(bash "$here/fetch-debian.sh" archive debian)
	security=$(bash "$here/fetch-debian.sh" archive debian-security)
	tmp=$DIR/root.new
	rm -rf "$tmp"
	mkdir -p "$DIR"
	log "making a trixie root in $tmp with ${hdrs[*]} (several minutes)"
	mmdebstrap --variant=apt --mode=root --quiet \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		--include="build-essential,ca-certificates,$(
			IFS=,
			echo "${hdrs[*]}"
		)" \
		trixie "$tmp" \
		"deb $mirror trixie main" "deb $mirror trixie-updates main" \
		"deb $security trixie-security main" "deb $mirror trixie-backports main" >&2 ||
		die "mmdebstrap failed (is Debian's archive reachable?)"
	log "mmdebstrap took $((SECONDS - t0)) s"
	# The kit's own setup, as a user on a fresh Debian 13 machine runs it
	# (KDIR: no kernel runs in the root; any of the two header trees).
	local kit
	kit=$(mktemp -d "$DIR/kit.XXXXXX")
	cp -a "$TOP/scripts" "$kit/"
	h=${hdrs[0]%%=*}
	if ! ROOT=$tmp in_root --bind "$kit" env KDIR="/usr/src/$h" scripts/setup.sh build >&2; then
		rm -rf "$kit"
		die "scripts/setup.sh build failed in the trixie root $tmp"
	fi
	rm -rf "$kit"
	ROOT=$tmp in_root apt-get clean
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
	echo "$pin" >"$DIR/root.pin"
	log "the trixie root took $((SECONDS - t0)) s, $(du -sh "$ROOT" | cut -f1)"
}

# root_env: the root, made again when its pin is not the wanted one; the
# env file.
root_env() {
	local pin s h v
	# one maker at a time: a second run waits, then finds the root made
	mkdir -p "$DIR"
	exec 9>"$DIR/lock"
	flock 9
	# fetch-debian.sh's pins: cached, looked up again on FETCH_REFRESH
	pin=$(wanted_pin)
	if [ ! -d "$ROOT" ] || [ "$pin" != "$(cat "$DIR/root.pin" 2>/dev/null)" ]; then
		make_root "$pin"
	fi
	{
		echo "ROOT=$ROOT"
		while read -r s h v; do
			[ -d "$ROOT/usr/src/$h" ] || die "$ROOT lacks /usr/src/$h"
			echo "RELEASE_$(var "$s")=${h#linux-headers-}"
			echo "KDIR_$(var "$s")=/usr/src/$h"
			echo "VERSION_$(var "$s")=$v"
		done <<<"$pin"
	} >"$DIR/env.tmp.$$"
	mv "$DIR/env.tmp.$$" "$DIR/env"
	exec 9>&-
	echo "$DIR/env"
}

case "${1:-}" in
env) root_env ;;
run)
	[ $# -ge 3 ] || die "usage: trixie-root.sh run DIR CMD..."
	[ -d "$2" ] || die "$2 is not a folder"
	env=$(root_env)
	in_root --bind "$(cd "$2" && pwd)" "${@:3}"
	;;
make)
	[ $# -ge 3 ] || die "usage: trixie-root.sh make t6.12|t7 DIR ARG..."
	case "$2" in t6.12 | t7) ;; *) die "unknown series '$2' (t6.12 or t7)" ;; esac
	[ -d "$3" ] || die "$3 is not a folder"
	env=$(root_env)
	kdir=$(sed -n "s/^KDIR_$(var "$2")=//p" "$env")
	in_root --bind "$(cd "$3" && pwd)" make -C /kit KDIR="$kdir" "${@:4}"
	;;
*)
	echo "usage: trixie-root.sh env | run DIR CMD... | make t6.12|t7 DIR ARG..." >&2
	exit 2
	;;
esac
