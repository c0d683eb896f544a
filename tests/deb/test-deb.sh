#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kit's tools as a Debian package (debian/, make deb; issue #27): built
# from a fresh copy of the tree that is a git repository with a key pair
# in its keys/, as a user's clone is; lintian; what the .deb holds and
# lacks; the same bytes from a second copy at another path; installed and
# purged with dpkg in tests/dkms/sandbox.sh's overlay sandbox, never on
# the host (host_untouched compares the host before and after).
#
# The two builds run once, before the tests, which look at their results.
# Needs root (the sandbox), dpkg-dev, debhelper and lintian
# (scripts/setup.sh test).
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
# shellcheck source=tests/dkms/sandbox.sh
. "$TOP/tests/dkms/sandbox.sh"

suite_error() {
	echo "deb: ERROR: $*" >&2
	echo "test-deb: 0 passed, 1 failed"
	exit 1
}

[ "$EUID" == 0 ] || suite_error "the deb suite needs root (the install test's sandbox: mount namespaces, overlayfs)"
for c in dpkg-buildpackage dh lintian git; do
	command -v "$c" >/dev/null || suite_error "$c is missing (scripts/setup.sh test installs dpkg-dev, debhelper, lintian and git)"
done

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-deb.XXXXXX")
export SUITE
cleanup() {
	if [ -z "${KEEP_TMP:-}" ]; then
		[ ! -d "$SUITE/box" ] || SANDBOX_DIR=$SUITE/box sandbox_stop || true
		rm -rf "$SUITE"
	fi
}
trap cleanup EXIT

# host_state: the host's kit, DKMS, module and dpkg files (sandbox.sh's
# fingerprint) and where the package would put its files.
host_state() {
	local p paths=()
	host_fingerprint
	for p in /usr/bin/modsign /usr/bin/mok-enroll.sh /usr/lib/modsign /usr/share/doc/modsign \
		/usr/share/man/man1/modsign.1.gz /usr/share/bash-completion/completions/modsign; do
		[ ! -e "$p" ] || paths+=("$p")
	done
	[ "${#paths[@]}" == 0 ] || find "${paths[@]}" -xdev -printf '%p %y %s %T@ %m %l\n' | LC_ALL=C sort
}
host_state >"$SUITE/host.before"

# a_clone DIR: a fresh copy of the tree (fresh_tree), committed to a git
# repository of its own, with a key pair in keys/ as after make keys.
a_clone() {
	fresh_tree "$1"
	git -C "$1" init -q
	git -C "$1" add -A
	git -C "$1" -c user.name=test -c user.email=test@localhost commit -qm copy
	KEYDIR="$1/keys" KEY_BITS=2048 KEY_DAYS=30 bash "$1/scripts/make-keys.sh" create >"$1.keys.log" 2>&1
}

# The builds, with one SOURCE_DATE_EPOCH, from two copies at two paths.
export SOURCE_DATE_EPOCH=1780000000
for n in 1 2; do
	a_clone "$SUITE/clone$n" || suite_error "cannot make the copy $SUITE/clone$n: $(tail -n 5 "$SUITE/clone$n.keys.log" 2>/dev/null)"
	start=$SECONDS
	rc=0
	make -C "$SUITE/clone$n" deb >"$SUITE/build$n.log" 2>&1 || rc=$?
	echo "$rc" >"$SUITE/build$n.rc"
	note "make deb, copy $n: exit $rc, $((SECONDS - start)) s"
done
C1=$SUITE/clone1
DEB=$(find "$C1/build" -maxdepth 1 -name 'modsign_*.deb' 2>/dev/null | sed -n 1p) || DEB=
export C1 DEB

test_make_deb_builds_into_build() {
	local rc
	rc=$(cat "$SUITE/build1.rc")
	[ "$rc" == 0 ] || fail "make deb exited $rc: $(tail -n 20 "$SUITE/build1.log")"
	[ -n "$DEB" ] || fail "no build/modsign_*.deb in the copy: $(ls "$C1/build")"
	[ -s "$DEB" ] || fail "no build/modsign_*.deb in the copy: $(ls "$C1/build")"
	expect_eq "modsign_$(dpkg-parsechangelog -l "$C1/debian/changelog" -S Version)_$(dpkg --print-architecture).deb" \
		"$(basename "$DEB")" "the package's file name"
	# nothing written beside the tree, as dpkg-buildpackage does by itself
	ls "$SUITE" >siblings
	expect_file_lacks siblings .deb
	expect_file_lacks siblings .changes
}

test_tree_stays_clean() {
	local st
	st=$(git -C "$C1" status --porcelain --ignored=no)
	expect_eq "" "$st" "git status after make deb"
	st=$(git -C "$C1" status --porcelain --ignored)
	# what git ignores: only build/ and the key pair
	grep -v -e '^!! build/$' -e '^!! keys/signing_key\.' <<<"$st" >extra || true
	[ ! -s extra ] || fail "make deb left ignored files outside build/: $(cat extra)"
}

test_lintian_clean() {
	local changes
	changes=$(find "$C1/build/deb" -maxdepth 1 -name 'modsign_*.changes' | sed -n 1p)
	[ -n "$changes" ] || fail "no .changes in build/deb"
	lintian "$changes" >lint.out 2>&1 || fail "lintian exited non-zero: $(head -c 800 lint.out)"
	if grep -E '^(E|W): ' lint.out >bad; then
		fail "lintian: $(cat bad)"
	fi
}

# the files of the package, as paths without the leading .
deb_files() {
	dpkg-deb --fsys-tarfile "$1" | tar -tf - | sed -e 's,^\./,/,' -e '/\/$/d' | LC_ALL=C sort
}

test_contents_are_install_tool_files() {
	make -C "$C1" -s install-tool PREFIX=/usr DESTDIR="$T/dest" >/dev/null
	(cd "$T/dest" && find . ! -type d | sed 's,^\.,,') >want.unsorted
	# and what debhelper adds: the changelog, copyright, lintian's overrides
	printf '%s\n' /usr/share/doc/modsign/changelog.gz /usr/share/doc/modsign/copyright \
		/usr/share/lintian/overrides/modsign >>want.unsorted
	# the man page is compressed in the package, as Debian does
	sed 's,^\(/usr/share/man/.*\.1\)$,\1.gz,' want.unsorted | LC_ALL=C sort >want
	deb_files "$DEB" >got
	diff want got >files.diff || fail "the package's files are not install-tool's: $(cat files.diff)"
	dpkg-deb -I "$DEB" >info
	# no maintainer script: the package runs nothing on install or removal
	expect_file_lacks info postinst
	expect_file_lacks info prerm
}

test_no_key_and_no_build_path() {
	local f
	mkdir x
	dpkg-deb -x "$DEB" x
	find "$C1/build" -maxdepth 1 -name 'modsign-dbgsym_*.deb' -exec dpkg-deb -x {} x \;
	# the copy had a key pair in keys/: none of it is in the package
	for f in "$C1"/keys/signing_key.*; do
		[ -f "$f" ] || fail "the copy has no $f"
		! grep -rqF -f <(sed -n '2p' "$f") x || fail "a line of $f is in the package"
	done
	! grep -rlE -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|-----BEGIN CERTIFICATE-----' x >keys.found ||
		fail "a key or certificate in the package: $(cat keys.found)"
	find x -name '*.pem' -o -name '*.key' -o -name '*.x509' -o -name '*.der' >keyfiles
	[ ! -s keyfiles ] || fail "key-like files in the package: $(cat keyfiles)"
	# no path of the build: the copy's, its build/deb, the suite's folder
	! grep -rlF -e "$C1" -e "$SUITE" x >paths.found ||
		fail "the build's path is in: $(cat paths.found)"
}

test_version_one_place() {
	local v
	v=$(dpkg-deb -f "$DEB" Version)
	mkdir x
	dpkg-deb -x "$DEB" x
	expect_eq "modsign $v" "$(x/usr/bin/modsign --version)" "the packaged modsign --version"
	# a clone's build says the same: sign/modsign.c's default is that version
	grep -qF "#define MODSIGN_VERSION \"$v\"" "$C1/sign/modsign.c" ||
		fail "sign/modsign.c's MODSIGN_VERSION is not debian/changelog's $v"
	dpkg-deb -f "$DEB" Depends >deps
	for p in kmod mokutil openssl libssl; do
		expect_file_contains deps "$p"
	done
	expect_eq "dkms, pkcs11-provider | libengine-pkcs11-openssl" "$(dpkg-deb -f "$DEB" Suggests)" Suggests
}

test_hardened_and_warnings_as_errors() {
	grep -E '^(cc|gcc) .* -c -o build/obj/modsign\.o' "$C1/build/deb/build.log" >cc || fail "no compile line of modsign.c in the build log"
	for w in -Wall -Wextra -Werror -D_FORTIFY_SOURCE= -fstack-protector-strong; do
		expect_file_contains cc " $w"
	done
	mkdir x
	dpkg-deb -x "$DEB" x
	LC_ALL=C readelf -d x/usr/bin/modsign >dyn
	expect_file_contains dyn BIND_NOW
	LC_ALL=C readelf -h x/usr/bin/modsign >hdr
	expect_file_contains hdr "DYN (Position-Independent Executable file)"
	LC_ALL=C readelf -lW x/usr/bin/modsign >seg
	expect_file_contains seg GNU_RELRO
}

test_reproducible() {
	local f g n=0
	[ "$(cat "$SUITE/build2.rc")" == 0 ] || fail "the second make deb failed: $(tail -n 20 "$SUITE/build2.log")"
	for f in "$C1"/build/*.deb; do
		g=$SUITE/clone2/build/$(basename "$f")
		[ -f "$g" ] || fail "the second build has no $(basename "$f")"
		cmp "$f" "$g" >/dev/null || fail "$(basename "$f") differs between the builds at $C1 and $SUITE/clone2"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || fail "no .deb to compare"
	note "reproducible: $n .deb files equal, byte for byte, from two copies at two paths"
}

# list_files: every path of the sandbox's view of /etc, /usr, /var and
# /boot with its type, but dpkg's own records and logs and the caches.
list_files() {
	sandbox_run find /etc /usr /var /boot -xdev \
		\( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache \) -prune -o \
		-printf '%p %y\n' | LC_ALL=C sort
}

test_install_and_purge_in_sandbox() {
	sandbox_start "$SUITE/box" || fail "cannot make the sandbox"
	no_man_index || fail "cannot switch man-db's index off"
	list_files >before
	sandbox_run dpkg --force-unsafe-io -i "$DEB" >install.log 2>&1 || fail "dpkg -i failed: $(tail -n 20 install.log)"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	sandbox_run dpkg-query -W -f='${Status}\n' modsign >status
	expect_file_contains status "install ok installed"
	expect_exit 0 sandbox_run modsign --version
	expect_eq "modsign $(dpkg-deb -f "$DEB" Version)" "$(cat "$T/out")" "modsign --version"
	expect_exit 0 sandbox_run mok-enroll.sh --help
	expect_file_contains "$T/out" "Usage: mok-enroll.sh"
	# the sign program a DKMS drop-in names, and its helpers beside it
	expect_exit 0 sandbox_run test -x /usr/lib/modsign/dkms-sign-file
	expect_exit 0 sandbox_run test -f /usr/lib/modsign/modsig-lib.sh
	expect_exit 0 sandbox_run man -w modsign
	# the installed tools sign with the copy's key: modsign itself, and
	# DKMS's sign program, which must find the packaged modsign beside it
	# (an ELF object with a .modinfo section stands for a module)
	printf 'static const char l[] __attribute__((section(".modinfo"), used)) = "license=GPL";\n' >m.c
	gcc -c m.c -o a.ko
	cp a.ko b.ko
	expect_exit 0 sandbox_run modsign sign "$C1/keys/signing_key.pem" "$C1/keys/signing_key.x509" "$T/a.ko"
	expect_exit 0 sandbox_run /usr/lib/modsign/dkms-sign-file sha256 "$C1/keys/signing_key.pem" "$C1/keys/signing_key.x509" "$T/b.ko"
	expect_exit 0 sandbox_run modsign verify --cert "$C1/keys/signing_key.x509" "$T/a.ko" "$T/b.ko"
	[ "$(grep -c '^OK ' "$T/out")" == 2 ] || fail "modsign verify: $(cat "$T/out")"
	# no DKMS configuration and no key written on install
	list_files >installed
	LC_ALL=C comm -13 before installed | sed 's/ [a-z]$//' >added
	grep -vE '^/usr/(bin/(modsign|mok-enroll\.sh)|lib/modsign(/.*)?|share/(doc/modsign(/.*)?|lintian/overrides/modsign|man/man1/modsign\.1\.gz|bash-completion/completions/modsign))$' added >stray || true
	[ ! -s stray ] || fail "dpkg -i wrote more than the package's files: $(head -n 20 stray)"
	sandbox_run dpkg --force-unsafe-io --purge modsign >purge.log 2>&1 || fail "dpkg --purge failed: $(tail -n 20 purge.log)"
	list_files >after
	diff before after >purge.diff || fail "dpkg --purge left the sandbox changed: $(head -n 20 purge.diff)"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	sandbox_run dpkg-query -W -f='${Status}\n' modsign >status 2>&1 || true
	expect_file_lacks status "installed"
}

test_host_untouched() {
	! grep -q modsign-sandbox /proc/self/mountinfo || fail "a sandbox overlay is mounted on the host"
	host_state >host.after
	diff "$SUITE/host.before" host.after >host.diff || fail "the host changed: $(head -c 1200 host.diff)"
}

if [ $# -eq 0 ]; then
	set -- make_deb_builds_into_build tree_stays_clean lintian_clean contents_are_install_tool_files \
		no_key_and_no_build_path version_one_place hardened_and_warnings_as_errors reproducible \
		install_and_purge_in_sandbox host_untouched
fi
run_tests "$@"
