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
#   openssl4-root.sh check [DIR]  on a copy of DIR's sign/ and tests/
#                                 (default: this tree): make -C sign with
#                                 -Werror in the root, no ENGINE symbol in
#                                 modsign, a pkcs11: key without a provider
#                                 refused saying to install pkcs11-provider,
#                                 the unit tests (ASan+UBSan) in the root,
#                                 and the command tests (run.sh) with the
#                                 root's modsign; prints PASS/FAIL lines
#                                 and `openssl4: N passed, N failed` (the
#                                 suite openssl4 of tests/run.sh); about
#                                 45 s once the root is made (30 to 60 s)
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

# shellcheck source=vm/in-root.sh
. "$TOP/vm/in-root.sh"

# make_root: a new root, made beside the old one and renamed over it when
# complete.
make_root() {
	local tmp mirror t0=$SECONDS v
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/setup.sh test installs it)"
	mirror=$(bash "$TOP/vm/fetch-debian.sh" archive debian)
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

# The warnings the relaxed build of `check` lets through, to run the tests
# when the strict one fails: each names a change sign/ still needs for
# OpenSSL 4 (or for sid's gcc 15); the strict build stays the verdict.
RELAXED="-Wno-error=deprecated-declarations -Wno-error=discarded-qualifiers -Wno-error=unterminated-string-initialization"

# modsign_in_root WORK: a wrapper, WORK/modsign-in-root, that runs the
# root's WORK/sign/modsign in the root with /tmp, the tree and the cache
# (the Debian modules; MODSIGN_CACHE may be outside the tree) at their own
# paths, in the caller's folder and environment (one process: the PID is
# modsign's, for tests that signal it).
modsign_in_root() {
	cat >"$1/modsign-in-root" <<-EOF
		#!/bin/bash
		# shellcheck disable=SC2016
		exec unshare --mount --propagation private -- bash -euo pipefail -c '
			root=\$1 top=\$2 cache=\$3 bin=\$4
			shift 4
			mount -t proc proc "\$root/proc"
			mount --rbind /dev "\$root/dev"
			for d in /tmp "\$top" "\$cache"; do
				mkdir -p "\$root\$d"
				mount --rbind "\$d" "\$root\$d"
			done
			exec chroot "\$root" /bin/sh -c "cd \"\\\$0\" && exec \"\\\$@\"" "\$PWD" "\$bin" "\$@"
		' modsign-in-root "$ROOT" "$TOP" "$CACHE" "$1/sign/modsign" "\$@"
	EOF
	chmod 755 "$1/modsign-in-root"
}

# check SRC: sign/ and tests/ of SRC copied into a folder of its own under
# /tmp (the root's objects never mix with the host's), built with -Werror
# in the root; where that fails, built again with RELAXED to run the tests
# anyway (the check still fails). Then the unit tests (ASan+UBSan) in the
# root, and the command tests (tests/modsign/run.sh) on the host, each
# modsign run the root's build through modsign_in_root (sign-file and the
# Debian modules stay the host's).
#
# It is tests/run.sh's suite `openssl4`: `PASS openssl4/<check>` or `FAIL
# openssl4/<check>: why` for each of its own checks (the -Werror build, no
# ENGINE symbol, a pkcs11: key without a provider), and one result line,
# `openssl4: N passed, N failed`, that adds those to the unit and command
# tests' own counts (their result lines are shown as `# ...` notes, so
# that run.sh counts each test once); a part that fails without counting a
# failure counts one. Exits 1 when anything failed.
check() {
	local src=$1 work strict=0 t0=$SECONDS v out
	root_env >/dev/null
	v=$(cat "$DIR/version")
	work=$(mktemp -d "${TMPDIR:-/tmp}/modsign-openssl4.XXXXXX")
	# shellcheck disable=SC2064 # the folder is known now
	trap "rm -rf '$work'" EXIT
	(cd "$src" && git ls-files -z --cached --others --exclude-standard -- sign tests |
		cpio -0 -pdmu --quiet "$work") || die "cannot copy $src's sign/ and tests/"
	rm -rf "$work/sign/build" "$work/sign/modsign"
	PASSED=0 FAILED=0
	log "OpenSSL $v: make -C sign with -Werror"
	# -k: every file that fails, not the first
	if in_root --bind "$work" make -k -s -C sign -j2 >"$work/strict.log" 2>&1; then
		result pass werror-build
	else
		strict=1
		grep -E 'error:' "$work/strict.log" | sort -u >&2 || true
		result fail werror-build "sign/ does not build with -Werror against OpenSSL $v (above); built again without -Werror for: $RELAXED"
		in_root --bind "$work" make -s -C sign -j2 WARN="-Wall -Wextra -Werror $RELAXED" >&2 ||
			die "sign/ does not build against OpenSSL $v even so"
	fi
	out=$(in_root --bind "$work" nm -D sign/modsign) || die "nm -D sign/modsign failed in the root"
	if grep ENGINE <<<"$out" >&2; then
		result fail no-engine-symbol "sign/modsign references ENGINE symbols (above)"
	else
		result pass no-engine-symbol
	fi
	# without the ENGINE API, a pkcs11: key needs the provider, and says so
	modsign_in_root "$work"
	out=$(cd "$work" && env MODSIGN_PIN=0 OPENSSL_MODULES=/nonexistent ./modsign-in-root sign \
		"pkcs11:token=t;object=k;type=private" /dev/null none.ko 2>&1) || true
	if grep -qF "built without OpenSSL's ENGINE API" <<<"$out" &&
		grep -qF "install pkcs11-provider" <<<"$out"; then
		result pass pkcs11-key-needs-the-provider
	else
		result fail pkcs11-key-needs-the-provider "a pkcs11: key without a provider: $out"
	fi
	log "OpenSSL $v: the unit tests (ASan+UBSan)"
	part "$work" unit-tests in_root --bind "$work" make -s -C sign -j2 \
		WARN="-Wall -Wextra -Werror $([ "$strict" == 0 ] || echo "$RELAXED")" unit
	log "OpenSSL $v: the command tests (tests/modsign/run.sh), modsign run in the root"
	part "$work" command-tests env MODSIGN="$work/modsign-in-root" bash "$TOP/tests/modsign/run.sh"
	log "OpenSSL $v: $((SECONDS - t0)) s"
	echo "openssl4: $PASSED passed, $FAILED failed"
	[ "$FAILED" == 0 ] || die "sign/ against OpenSSL $v: see the FAIL lines above"
}

# result pass|fail NAME [WHY]: one of check's own checks
result() {
	if [ "$1" == pass ]; then
		echo "PASS openssl4/$2"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL openssl4/$2: $3"
		FAILED=$((FAILED + 1))
	fi
}

# part WORK NAME CMD...: CMD, tests that print their own PASS/FAIL and
# result lines; those lines become `# ...` notes, their counts are added
# to check's, and a CMD that fails without counting a failure counts one.
part() {
	local work=$1 name=$2 rc=0 p f
	shift 2
	"$@" >"$work/$name.log" 2>&1 || rc=$?
	sed -E 's/^([A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed)/# \1/' "$work/$name.log"
	p=$(awk '/^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed/ { n += $2 } END { print n + 0 }' "$work/$name.log")
	f=$(awk '/^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed/ { n += $4 } END { print n + 0 }' "$work/$name.log")
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ "$rc" != 0 ] && [ "$f" == 0 ]; then
		result fail "$name" "exited $rc (its output above)"
	fi
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
