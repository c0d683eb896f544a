#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kit's tools as a Debian package (debian/, make deb; issue #27): built
# from a fresh copy of the tree that is a git repository with a key pair
# in its keys/, as a user's clone is; lintian; what the .deb holds and
# lacks; the same bytes from a second copy at another path; installed and
# purged with dpkg in vm/sandbox.sh's overlay sandbox, never on
# the host (host_untouched compares the host before and after); modsign-kit
# (the make targets as one command), its man pages and the docs; and in a
# Debian 12 root (the host under that overlay) and a Debian 13 root (an
# overlay over vm/trixie-root.sh's root, which stays as it is): apt
# install pulling the dependencies, every command, a Debian module signed
# and verified with a key modsign-kit made, DKMS signing a real *-dkms
# package with that key, and apt remove and purge leaving the keys.
#
# The two builds run once, before the tests, which look at their results.
# Needs root (the sandbox), dpkg-dev, debhelper and lintian
# (scripts/setup.sh test).
# DEB_ROOTS=none leaves the apt flows in the Debian 12 and 13 roots out of
# a run with no test named (the trixie suite's inner run: the host's deb
# suite runs them, and inside a Debian 13 host they cost a build root of
# their own).
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
# shellcheck source=vm/sandbox.sh
. "$TOP/vm/sandbox.sh"

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
	for p in /usr/bin/modsign /usr/bin/mok-enroll.sh /usr/bin/modsign-kit /usr/lib/modsign /usr/share/doc/modsign \
		/usr/share/man/man1/modsign.1.gz /usr/share/man/man1/modsign-kit.1.gz /usr/share/man/man1/mok-enroll.sh.1.gz \
		/usr/bin/modsign-try /usr/share/doc/modsign-try /usr/share/man/man1/modsign-try.1.gz /var/cache/modsign \
		/usr/share/bash-completion/completions/modsign /usr/share/bash-completion/completions/modsign-kit; do
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
# modsign-try's own package (issue #26), so that signing needs no QEMU
TRYDEB=$(find "$C1/build" -maxdepth 1 -name 'modsign-try_*.deb' 2>/dev/null | sed -n 1p) || TRYDEB=
export C1 DEB TRYDEB

test_make_deb_builds_into_build() {
	local rc
	rc=$(cat "$SUITE/build1.rc")
	[ "$rc" == 0 ] || fail "make deb exited $rc: $(tail -n 20 "$SUITE/build1.log")"
	[ -n "$DEB" ] || fail "no build/modsign_*.deb in the copy: $(ls "$C1/build")"
	[ -s "$DEB" ] || fail "no build/modsign_*.deb in the copy: $(ls "$C1/build")"
	expect_eq "modsign_$(dpkg-parsechangelog -l "$C1/debian/changelog" -S Version)_$(dpkg --print-architecture).deb" \
		"$(basename "$DEB")" "the package's file name"
	[ -s "$TRYDEB" ] || fail "no build/modsign-try_*.deb in the copy: $(ls "$C1/build")"
	expect_eq "modsign-try_$(dpkg-parsechangelog -l "$C1/debian/changelog" -S Version)_amd64.deb" \
		"$(basename "$TRYDEB")" "modsign-try's file name"
	# the globs of the suites that take modsign's package find it alone
	expect_eq "$DEB" "$(find "$C1/build" -maxdepth 1 -name 'modsign_*.deb')" "build/modsign_*.deb"
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
	# both packages: modsign and modsign-try
	expect_file_contains "$changes" " $(basename "$DEB")"
	expect_file_contains "$changes" " modsign-try_"
	lintian "$changes" >lint.out 2>&1 || fail "lintian exited non-zero: $(head -c 800 lint.out)"
	if grep -E '^(E|W): ' lint.out >bad; then
		fail "lintian: $(cat bad)"
	fi
}

# the files of the package, as paths without the leading .
deb_files() {
	dpkg-deb --fsys-tarfile "$1" | tar -tf - | sed -e 's,^\./,/,' -e '/\/$/d' | LC_ALL=C sort
}

# TRY_FILES: what modsign-try's package holds of install-tool's files
# (bin/modsign-try, lib/modsign/try/, lib/modsign/vm/, its man page), an
# ERE for grep
TRY_FILES='^/usr/(bin/modsign-try|lib/modsign/(try|vm)/.*|share/man/man1/modsign-try\.1(\.gz)?)$'

test_contents_are_install_tool_files() {
	make -C "$C1" -s install-tool PREFIX=/usr DESTDIR="$T/dest" >/dev/null
	# install-tool's files but modsign-try's (test_try_package_contents)
	(cd "$T/dest" && find . ! -type d | sed 's,^\.,,') >installed
	grep -E "$TRY_FILES" installed >try.files || fail "install-tool installed none of modsign-try's files"
	grep -vE "$TRY_FILES" installed >want.unsorted || true
	expect_file_contains want.unsorted /usr/lib/modsign/scripts/setup.sh
	# and what debhelper adds: the changelog, copyright, lintian's overrides
	printf '%s\n' /usr/share/doc/modsign/changelog.gz /usr/share/doc/modsign/copyright \
		/usr/share/lintian/overrides/modsign >>want.unsorted
	# the guides debian/modsign.docs names (compressed or not, as
	# dh_compress decides by size)
	sed -e 's,.*/,,' -e 's,^,/usr/share/doc/modsign/,' "$C1/debian/modsign.docs" >docs
	# the man pages are compressed in the package, as Debian does
	sed 's,^\(/usr/share/man/.*\.1\)$,\1.gz,' want.unsorted | LC_ALL=C sort >want
	deb_files "$DEB" >all
	grep -vE '^/usr/share/doc/modsign/[^/]+\.md(\.gz)?$' all >got || true
	diff want got >files.diff || fail "the package's files are not install-tool's: $(cat files.diff)"
	grep -E '^/usr/share/doc/modsign/[^/]+\.md(\.gz)?$' all | sed 's/\.gz$//' | LC_ALL=C sort >docs.got || true
	LC_ALL=C sort docs >docs.want
	diff docs.want docs.got >docs.diff || fail "the docs in /usr/share/doc/modsign are not debian/modsign.docs': $(cat docs.diff)"
	expect_file_contains docs.want /usr/share/doc/modsign/README.md
	expect_file_contains docs.want /usr/share/doc/modsign/dkms.md
	dpkg-deb -I "$DEB" >info
	# no maintainer script that does anything on install: postrm only
	# says what removing the package left (install_remove_purge_*)
	expect_file_lacks info postinst
	expect_file_lacks info prerm
	expect_file_lacks info preinst
	# none of modsign-try's files, nor a folder of its own
	deb_files "$DEB" >all
	! grep -E "$TRY_FILES" all >stray || fail "modsign's package holds modsign-try's files: $(cat stray)"
	dpkg-deb -c "$DEB" >listing
	expect_file_lacks listing ./usr/lib/modsign/try/
	expect_file_lacks listing ./usr/lib/modsign/vm/
}

# modsign-try's package: exactly the installed layout (names, modes, the
# link in bin/ resolving inside the package), its docs and postrm.
test_try_package_contents() {
	local f
	[ -s "$TRYDEB" ] || fail "no build/modsign-try_*.deb"
	dpkg-deb -c "$TRYDEB" | awk '{ m = $1; p = $6; sub(/^\./, "", p); if (p !~ /\/$/) print m, p ($7 == "->" ? " " $8 : "") }' |
		LC_ALL=C sort >got
	# debhelper's changelog, copyright, lintian's overrides (and a
	# compressed try.md, as dh_compress decides by size)
	sed -i -E 's,^(-rw-r--r-- /usr/share/doc/modsign-try/try\.md)\.gz$,\1,' got
	LC_ALL=C sort >want <<-'EOF'
		lrwxrwxrwx /usr/bin/modsign-try ../lib/modsign/try/modsign-try
		-rwxr-xr-x /usr/lib/modsign/try/modsign-try
		-rwxr-xr-x /usr/lib/modsign/try/guest-try.sh
		-rw-r--r-- /usr/lib/modsign/try/dkms-box.sh
		-rwxr-xr-x /usr/lib/modsign/vm/fetch-debian.sh
		-rwxr-xr-x /usr/lib/modsign/vm/trixie-root.sh
		-rw-r--r-- /usr/lib/modsign/vm/in-root.sh
		-rw-r--r-- /usr/lib/modsign/vm/cache.sh
		-rwxr-xr-x /usr/lib/modsign/vm/make-initramfs.sh
		-rwxr-xr-x /usr/lib/modsign/vm/run-qemu.exp
		-rw-r--r-- /usr/lib/modsign/vm/sandbox.sh
		-rw-r--r-- /usr/share/man/man1/modsign-try.1.gz
		-rw-r--r-- /usr/share/doc/modsign-try/changelog.gz
		-rw-r--r-- /usr/share/doc/modsign-try/copyright
		-rw-r--r-- /usr/share/doc/modsign-try/try.md
		-rw-r--r-- /usr/share/lintian/overrides/modsign-try
	EOF
	diff want got >files.diff || fail "modsign-try's package is not the installed layout: $(cat files.diff)"
	mkdir x
	dpkg-deb -x "$TRYDEB" x
	# the link resolves inside the package, to the clone's program; the
	# parts are the clone's
	[ x/usr/bin/modsign-try -ef x/usr/lib/modsign/try/modsign-try ] ||
		fail "bin/modsign-try leads to $(readlink -f x/usr/bin/modsign-try)"
	for f in try/modsign-try try/guest-try.sh try/dkms-box.sh vm/fetch-debian.sh vm/trixie-root.sh vm/in-root.sh \
		vm/cache.sh vm/make-initramfs.sh vm/run-qemu.exp vm/sandbox.sh; do
		cmp -s "$C1/$f" "x/usr/lib/modsign/$f" || fail "lib/modsign/$f is not the clone's $f"
	done
	cmp -s "$C1/docs/try.md" <(zcat -f x/usr/share/doc/modsign-try/try.md*) || fail "try.md is not the clone's docs/try.md"
	# its postrm (purge removes root's cache), and nothing run on install
	dpkg-deb -I "$TRYDEB" >info
	expect_file_contains info postrm
	expect_file_lacks info postinst
	expect_file_lacks info preinst
	expect_file_lacks info prerm
	# Architecture amd64 (the guest gets the host's x86-64 programs)
	expect_eq amd64 "$(dpkg-deb -f "$TRYDEB" Architecture)" "modsign-try's Architecture"
}

# The installed tree: modsign-kit runs the scripts installed under
# /usr/lib/modsign/scripts, laid out as in a clone (links to the one
# modsign, mok-enroll.sh and modsig-lib.sh), not copies.
test_front_end_runs_installed_scripts() {
	local l
	mkdir x
	dpkg-deb -x "$DEB" x
	for l in usr/lib/modsign/sign/modsign usr/lib/modsign/mok-enroll.sh usr/lib/modsign/scripts/modsig-lib.sh; do
		[ -L "x/$l" ] || fail "$l is not a link"
	done
	[ "x/usr/lib/modsign/sign/modsign" -ef x/usr/bin/modsign ] || fail "lib/modsign/sign/modsign is not /usr/bin/modsign"
	[ "x/usr/lib/modsign/mok-enroll.sh" -ef x/usr/bin/mok-enroll.sh ] || fail "lib/modsign/mok-enroll.sh is not /usr/bin/mok-enroll.sh"
	[ "x/usr/lib/modsign/scripts/modsig-lib.sh" -ef x/usr/lib/modsign/modsig-lib.sh ] || fail "two modsig-lib.sh"
	for l in make-keys.sh sign-modules.sh kdir.sh dkms-key.sh rotate-key.sh adopt-key.sh; do
		cmp -s "$C1/scripts/$l" "x/usr/lib/modsign/scripts/$l" || fail "scripts/$l is not the clone's"
	done
	cmp -s "$C1/keys/openssl.cnf" x/usr/lib/modsign/keys/openssl.cnf || fail "keys/openssl.cnf is not the clone's"
}

# Every verb's --help, a usage error for each kind of bad input (exit 2),
# and a key made where --keydir says, with make keys' guarantees.
test_front_end_help_and_bad_input() {
	local v k=x/usr/bin/modsign-kit
	mkdir x
	dpkg-deb -x "$DEB" x
	expect_exit 0 "$k" --help
	expect_file_contains out "Usage: modsign-kit [--keydir DIR] VERB"
	LC_ALL=C MANWIDTH=250 man -l x/usr/share/man/man1/modsign-kit.1.gz >man.txt 2>&1 || fail "man modsign-kit: $(cat man.txt)"
	for v in keys sign enroll dkms-key dkms-key-remove rotate rotate-status adopt-key keydir; do
		expect_exit 0 "$k" "$v" --help
		expect_file_contains out "Usage: modsign-kit"
		expect_file_contains out "$v"
		expect_file_contains man.txt "$v"
	done
	expect_exit 2 "$k"
	expect_file_contains err "modsign: ERROR: no verb given"
	expect_exit 2 "$k" frobnicate
	expect_file_contains err "'frobnicate' is not a verb of modsign-kit"
	expect_exit 2 "$k" --frob keys
	expect_file_contains err "unknown option --frob"
	expect_exit 2 "$k" keys --colour red
	expect_file_contains err "keys: unknown argument --colour"
	expect_exit 2 "$k" --keydir
	expect_file_contains err "--keydir needs a folder"
	expect_exit 2 "$k" sign
	expect_file_contains err "sign: no module given"
	expect_exit 2 "$k" sign --signer gpg a.ko
	expect_file_contains err "--signer gpg: give modsign or sign-file"
	expect_exit 1 "$k" sign --kdir "$T" nonexistent.ko
	expect_file_contains err "nonexistent.ko: no such module"
	expect_exit 2 "$k" dkms-key extra
	expect_file_contains err "dkms-key takes no arguments"
	expect_exit 2 env KEY_TYPE=rsa "$k" --keydir "$T/k" keys --type dsa
	expect_file_contains err "modsign: ERROR: --type dsa: the kernel checks module signatures made with RSA or ECDSA keys: give --type rsa (the default) or --type ecdsa"
	[ ! -e "$T/k/signing_key.pem" ] || fail "keys --type dsa made a key"
	expect_exit 0 "$k" --keydir "$T/k" keys --days 30
	[ "$(stat -c %a k k/signing_key.pem)" == $'700\n600' ] || fail "modes: $(stat -c '%n %a' k k/signing_key.pem)"
	cp k/signing_key.pem key.before
	expect_exit 1 "$k" --keydir "$T/k" keys
	expect_file_contains err "refusing to overwrite a key"
	cmp -s key.before k/signing_key.pem || fail "keys overwrote the key"
	# as root, a key folder that is a link is refused (make-keys.sh's rule)
	mkdir real
	ln -s real link
	expect_exit 1 "$k" --keydir "$T/link" keys
	expect_file_contains err "is a symbolic link"
	[ -z "$(ls real)" ] || fail "a key was made through the link"
}

# The default key folder: a user's, root's, and root's under sudo (the
# invoking user's, where root makes no key).
test_front_end_default_keydir() {
	local k=$T/x/usr/bin/modsign-kit kdir
	mkdir x h
	dpkg-deb -x "$DEB" x
	chmod 755 "$T"
	chown 65534:65534 h
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_DATA_HOME HOME="$T/h" "$k" keydir
	expect_eq "$T/h/.local/share/modsign/keys" "$(cat out)" "a user's key folder"
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_DATA_HOME="$T/h/xdg" HOME="$T/h" "$k" keydir
	expect_eq "$T/h/xdg/modsign/keys" "$(cat out)" "a user's key folder with XDG_DATA_HOME"
	expect_exit 0 env -u SUDO_USER -u MODSIGN_KEYDIR "$k" keydir
	expect_eq /var/lib/modsign/keys "$(cat out)" "root's key folder"
	expect_exit 0 env -u MODSIGN_KEYDIR SUDO_USER=nobody "$k" keydir
	expect_eq "$(getent passwd nobody | cut -d: -f6)/.local/share/modsign/keys" "$(cat out)" "root's key folder under sudo"
	expect_exit 0 env MODSIGN_KEYDIR="$T/m" SUDO_USER=nobody "$k" keydir
	expect_eq "$T/m" "$(cat out)" "MODSIGN_KEYDIR"
	expect_exit 0 env MODSIGN_KEYDIR="$T/m" "$k" --keydir rel keydir
	expect_eq "$T/rel" "$(cat out)" "--keydir, relative"
	# a user makes the key in the default folder, private from the start
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_DATA_HOME HOME="$T/h" "$k" keys
	[ "$(stat -c '%a %U' h/.local/share/modsign/keys/signing_key.pem)" == "600 nobody" ] ||
		fail "the user's key: $(stat -c '%a %U' h/.local/share/modsign/keys/signing_key.pem)"
	[ "$(stat -c %a h/.local/share/modsign/keys)" == 700 ] || fail "the user's key folder is not 0700"
	# and signs a module of theirs with it, for the host's 6.1 headers (an
	# ELF object with a .modinfo section stands for a module)
	# (6.1's headers, whose config lacks CRYPTO_ECDSA: the host's on Debian
	# 12, unpacked in the cache on another release)
	local env61
	env61=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1) || fail "fetch-debian.sh kernel 6.1 failed"
	kdir=$(sed -n 's/^KDIR=//p' "$env61")
	[ -d "$kdir" ] || fail "no 6.1 headers at '$kdir' (fetch-debian.sh kernel 6.1)"
	printf 'static const char l[] __attribute__((section(".modinfo"), used)) = "license=GPL";\n' >m.c
	gcc -c m.c -o h/m.ko
	chown 65534:65534 h/m.ko
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_DATA_HOME HOME="$T/h" TMPDIR="$T/h" \
		"$k" sign --kdir "$kdir" "$T/h/m.ko"
	expect_file_contains out "SIGN    $T/h/m.ko"
	expect_exit 0 x/usr/bin/modsign verify --cert h/.local/share/modsign/keys/signing_key.x509 h/m.ko
	expect_file_contains out "OK "
	# under sudo, with no pair in the user's folder, root makes none there
	expect_exit 1 env -u MODSIGN_KEYDIR SUDO_USER=nobody HOME=/root "$k" keys
	expect_file_contains err "root does not make one in nobody's home"
}

# enroll and rotate through the installed front end, with the enroll
# suite's fake mokutil (tests/enroll/fake-mokutil): enroll queues the key
# folder's certificate; rotate's first two steps retire the pair, make a
# new one and queue it beside the old.
test_front_end_enroll_and_rotate() {
	local k=x/usr/bin/modsign-kit
	mkdir x mok mok/keys
	dpkg-deb -x "$DEB" x
	export MOKUTIL=$TOP/tests/enroll/fake-mokutil FAKE_MOK_DIR=$T/mok
	printf 'one-time\n' >pw
	expect_exit 1 "$k" --keydir "$T/k" enroll --password-file pw
	expect_file_contains err "no certificate at $T/k/signing_key.x509: create the pair with 'modsign-kit keys' first"
	expect_exit 0 "$k" --keydir "$T/k" keys
	cp k/signing_key.x509 a.der
	expect_exit 0 "$k" --keydir "$T/k" enroll --password-file pw
	cmp -s a.der "mok/keys/$(sha256sum <a.der | cut -d' ' -f1).der" || fail "enroll did not import the key folder's certificate: $(ls mok/keys)"
	expect_exit 0 "$k" --keydir "$T/k" rotate-status
	expect_file_contains out "no rotation under way"
	expect_exit 0 "$k" --keydir "$T/k" rotate
	expect_file_contains out "made the new key"
	! cmp -s a.der k/signing_key.x509 || fail "rotate kept the old certificate"
	cmp -s a.der k/retired/*-module/signing_key.x509 || fail "rotate did not retire the old pair: $(find k)"
	expect_exit 0 "$k" --keydir "$T/k" rotate --password-file pw
	expect_file_contains out "queuing the new certificate"
	[ -f "mok/keys/$(sha256sum <k/signing_key.x509 | cut -d' ' -f1).der" ] || fail "rotate did not queue the new certificate"
	expect_exit 2 "$k" --keydir "$T/k" rotate --frob
	expect_file_contains err "rotate: unknown argument --frob"
}

# The scripts' messages that say what to run name the command the user
# ran (issue #27): `modsign-kit VERB` with its options (--keydir, --type,
# --kdir, ...), never `make VERB`, which a package user cannot run. In a
# clone the same messages name make (the keys, rotate and build suites).
test_front_end_messages_name_modsign_kit() {
	local k=$T/x/usr/bin/modsign-kit kdir f
	mkdir x u
	dpkg-deb -x "$DEB" x
	chmod 755 "$T"
	chown 65534:65534 u
	# no key pair: rotate, dkms-key (root, which stops before writing)
	expect_exit 1 "$k" --keydir "$T/none" rotate
	expect_file_contains err "there is no key to rotate; make one with 'modsign-kit --keydir $T/none keys'"
	expect_exit 1 "$k" --keydir "$T/none" dkms-key
	expect_file_contains err "no key at $T/none/signing_key.pem: create it with 'modsign-kit --keydir $T/none keys' first"
	# a pair there: keys refuses, rotate-status, adopt-key refuses
	expect_exit 0 "$k" --keydir "$T/k" keys
	expect_exit 1 "$k" --keydir "$T/k" keys
	expect_file_contains err "refusing to overwrite a key; run 'modsign-kit --keydir $T/k rotate' to retire the pair"
	expect_exit 0 "$k" --keydir "$T/k" rotate-status
	expect_file_contains out "no rotation under way; 'modsign-kit --keydir $T/k rotate' starts one"
	expect_exit 0 "$k" --keydir "$T/k2" keys
	expect_exit 1 "$k" --keydir "$T/k" adopt-key "$T/k2"
	expect_file_contains err "then run modsign-kit --keydir $T/k adopt-key again. Or adopt into another folder with --keydir ..."
	# steps that need root, run by a user (the enroll suite's fake mokutil)
	mkdir mok
	chown 65534:65534 mok
	export MOKUTIL=$TOP/tests/enroll/fake-mokutil FAKE_MOK_DIR=$T/mok
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$k" --keydir "$T/k" dkms-key
	expect_file_contains err "modsign-kit --keydir $T/k dkms-key needs root: run sudo modsign-kit --keydir $T/k dkms-key"
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$k" --keydir "$T/u" keys
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$k" --keydir "$T/u" rotate
	expect_file_contains out "next: 'sudo modsign-kit --keydir $T/u rotate' queues it"
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$k" --keydir "$T/u" rotate
	expect_file_contains err "needs root: run 'sudo modsign-kit --keydir $T/u rotate'"
	# an ECDSA key for Debian 12's 6.1: the make variables as options
	# (6.1's headers, whose config lacks CRYPTO_ECDSA: the host's on Debian
	# 12, unpacked in the cache on another release)
	local env61
	env61=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1) || fail "fetch-debian.sh kernel 6.1 failed"
	kdir=$(sed -n 's/^KDIR=//p' "$env61")
	[ -d "$kdir" ] || fail "no 6.1 headers at '$kdir' (fetch-debian.sh kernel 6.1)"
	printf 'static const char l[] __attribute__((section(".modinfo"), used)) = "license=GPL";\n' >m.c
	gcc -c m.c -o m.ko
	expect_exit 0 "$k" --keydir "$T/e" keys --type ecdsa
	expect_exit 1 "$k" --keydir "$T/e" sign --kdir "$kdir" m.ko
	expect_file_contains err "modsign-kit --keydir <folder> keys (RSA is the default), then modsign-kit --keydir <folder> sign --kdir $kdir, and enroll that certificate too (modsign-kit --keydir <folder> enroll)"
	for f in err out; do
		expect_file_lacks "$f" "make "
		expect_file_lacks "$f" "KEYDIR"
	done
	# a module with a damaged signature trailer: rebuilt by the user, not
	# by the clone's make clean all
	cp m.ko bad.ko
	printf '\0\0\2\0\0\0\0\0\377\377\377\377~Module signature appended~\n' >>bad.ko
	expect_exit 1 "$k" --keydir "$T/k" sign --kdir "$kdir" bad.ko
	expect_file_contains err "bad.ko: its signature trailer is damaged: rebuild the module and sign again"
	# the make variables a message names are modsign-kit's options
	expect_exit 1 "$k" sign --kdir "$T/nokdir" m.ko
	expect_file_contains err "modsign: ERROR: --kdir $T/nokdir is not a kernel build folder (no Makefile and .config there): point --kdir at installed headers"
	expect_exit 1 "$k" --keydir "$T/d" keys --days 0
	expect_file_contains err "modsign: ERROR: --days 0: give the validity as a whole number of days"
	mkdir real
	ln -s real link
	expect_exit 1 "$k" --keydir "$T/link" keys
	expect_file_contains err "make it a real folder, or set --keydir to the real path"
}

# The bash completion parses and offers the verbs, then a verb's options.
test_front_end_completion() {
	local f
	mkdir x
	dpkg-deb -x "$DEB" x
	f=x/usr/share/bash-completion/completions/modsign-kit
	bash -n "$f" || fail "the completion does not parse"
	# shellcheck source=scripts/modsign-kit.bash-completion
	. "$f"
	COMP_WORDS=(modsign-kit dk) COMP_CWORD=1
	_modsign_kit
	expect_eq "dkms-key dkms-key-remove" "${COMPREPLY[*]}" "the verbs after modsign-kit dk"
	COMP_WORDS=(modsign-kit --keydir /tmp keys --) COMP_CWORD=4
	_modsign_kit
	expect_eq "--type --bits --curve --days --help" "${COMPREPLY[*]}" "keys' options"
	COMP_WORDS=(modsign-kit keys --type '') COMP_CWORD=3
	_modsign_kit
	expect_eq "rsa ecdsa" "${COMPREPLY[*]}" "--type's values"
}

# The man pages render without a warning, and each names every verb and
# option its command's --help names.
test_man_pages() {
	local p opt
	for p in modsign-kit mok-enroll.sh; do
		LC_ALL=C MANWIDTH=250 man --warnings -l "$TOP/docs/$p.1" >"$p.txt" 2>"$p.warn" || fail "man $p failed: $(cat "$p.warn")"
		[ ! -s "$p.warn" ] || fail "man $p warns: $(cat "$p.warn")"
	done
	bash "$TOP/mok-enroll.sh" --help >help
	grep -oE -- '--[a-z-]+' help | LC_ALL=C sort -u >opts
	[ -s opts ] || fail "mok-enroll.sh --help names no option"
	while read -r opt; do
		grep -qF -- "$opt" mok-enroll.sh.txt || fail "mok-enroll.sh(1) lacks $opt"
	done <opts
	bash "$TOP/scripts/modsign-kit" --help >help
	grep -oE -- '--[a-z-]+' help | LC_ALL=C sort -u >opts
	[ -s opts ] || fail "modsign-kit --help names no option"
	while read -r opt; do
		grep -qF -- "$opt" modsign-kit.txt || fail "modsign-kit(1) lacks $opt"
	done <opts
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
	# a PEM block's first line (adopt-key.sh names the marker inside a
	# pattern, not at a line's start)
	! grep -rlE -- '^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|^-----BEGIN CERTIFICATE-----' x >keys.found ||
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
	expect_eq "dkms" "$(dpkg-deb -f "$DEB" Recommends)" Recommends
	expect_eq "pkcs11-provider | libengine-pkcs11-openssl" "$(dpkg-deb -f "$DEB" Suggests)" Suggests
}

# modsign-try's relations: what it runs on the host and copies into the
# guest (docs/debian-package.md says why each), the one modsign it was
# built with; what only some options need, recommended or suggested.
test_try_package_relations() {
	local v p
	[ -s "$TRYDEB" ] || fail "no build/modsign-try_*.deb"
	v=$(dpkg-deb -f "$DEB" Version)
	dpkg-deb -f "$TRYDEB" Depends | tr ',' '\n' | sed 's/^ *//' >deps
	expect_file_contains deps "modsign (= $v)"
	for p in qemu-system-x86 expect cpio jq busybox-static binutils kmod openssl mokutil python3 \
		python3-cryptography python3-pkg-resources xz-utils apt debian-archive-keyring mount; do
		grep -qx "$p" deps || fail "modsign-try does not depend on $p: $(cat deps)"
	done
	expect_eq "mmdebstrap" "$(dpkg-deb -f "$TRYDEB" Recommends)" "modsign-try's Recommends"
	expect_eq "ovmf, zstd" "$(dpkg-deb -f "$TRYDEB" Suggests)" "modsign-try's Suggests"
	# modsign itself does not pull QEMU
	dpkg-deb -f "$DEB" Depends Recommends Suggests >modsign.rel
	expect_file_lacks modsign.rel qemu
	expect_file_lacks modsign.rel modsign-try
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
	[ -f "$SUITE/clone2/build/$(basename "$TRYDEB")" ] || fail "no modsign-try_*.deb compared"
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
	expect_exit 0 sandbox_run man -w modsign modsign-kit mok-enroll.sh
	expect_exit 0 sandbox_run modsign-kit --help
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
	# what DKMS's sign program tells a package user to run is modsign-kit's
	# (dpkg lists it); the clone's still names the clone's make (#27)
	expect_exit 1 sandbox_run /usr/lib/modsign/dkms-sign-file sha256 "$T/none.pem" "$C1/keys/signing_key.x509" "$T/b.ko"
	expect_file_contains "$T/err" "does not exist, so $T/b.ko is NOT signed and will not load with Secure Boot on; run 'sudo modsign-kit dkms-key', then rebuild the module"
	expect_exit 1 sandbox_run "$C1/scripts/dkms-sign-file" sha256 "$T/none.pem" "$C1/keys/signing_key.x509" "$T/b.ko"
	expect_file_contains "$T/err" "run 'sudo make dkms-key' in the modsign clone, then rebuild the module"
	# no DKMS configuration and no key written on install
	list_files >installed
	LC_ALL=C comm -13 before installed | sed 's/ [a-z]$//' >added
	grep -vE '^/usr/(bin/(modsign|modsign-kit|mok-enroll\.sh)|lib/modsign(/.*)?|share/(doc/modsign(/.*)?|lintian/overrides/modsign|man/man1/(modsign|modsign-kit|mok-enroll\.sh)\.1\.gz|bash-completion/completions/(modsign|modsign-kit)))$' added >stray || true
	[ ! -s stray ] || fail "dpkg -i wrote more than the package's files: $(head -n 20 stray)"
	sandbox_run dpkg --force-unsafe-io --purge modsign >purge.log 2>&1 || fail "dpkg --purge failed: $(tail -n 20 purge.log)"
	list_files >after
	diff before after >purge.diff || fail "dpkg --purge left the sandbox changed: $(head -n 20 purge.diff)"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	sandbox_run dpkg-query -W -f='${Status}\n' modsign >status 2>&1 || true
	expect_file_lacks status "installed"
}

# The roots: Debian 12 is the host under sandbox.sh's overlay, with the
# dkms suite's 6.1 (its headers are the host's; the image's videodev, as
# installed); Debian 13 an overlay over trixie-root.sh's root (made once,
# cached under .cache), with trixie's dkms and sid's v4l2loopback-dkms
# (fetch-debian.sh dkms-trixie). SHARE, one per root, holds what the root
# is given: the .deb, the DKMS packages and a Debian module (6.1's
# videodev.ko).
SHARE=
BOX=

# in_box CMD...: CMD as root in the current root's overlay (SHARE at its
# own path: the host's /tmp shows through the Debian 12 overlay, and the
# Debian 13 one gets it bind-mounted for the command).
# The box's root is root logged in as root: under `sudo make check` (or
# setup.sh as-root) the caller's SUDO_* would make modsign-kit take the
# invoking user's key folder (seen in the trixie suite, whose user runs
# make check through sudo).
in_box() {
	local clean=(env -u SUDO_USER -u SUDO_UID -u SUDO_GID -u SUDO_COMMAND)
	if [ "$BOX" == trixie ]; then
		rootbox_run --bind "$SHARE" "${clean[@]}" "$@"
	else
		sandbox_run "${clean[@]}" "$@"
	fi
}

# share_debs DIR NAME: the .deb files of DIR in SHARE/NAME.
share_debs() {
	mkdir -p "$SHARE/$2"
	find "$1" -maxdepth 1 -name '*.deb' -exec cp {} "$SHARE/$2/" \;
}

# kept_state: the keys and DKMS's settings the package must leave alone.
kept_state() {
	# shellcheck disable=SC2016 # expanded by the root's shell
	in_box sh -c 'find /var/lib/modsign /etc/dkms/framework.conf.d -printf "%p %y %s %m %T@\n" | LC_ALL=C sort &&
		sha256sum /var/lib/modsign/keys/signing_key.* /var/lib/modsign/signing_key.* /etc/dkms/framework.conf.d/modsign.conf'
}

# deb_flow KDIR KREL: in the current root, what a package user does:
# apt install pulls the dependencies (mokutil removed first, to be
# pulled), every command runs, modsign-kit makes root's key and signs a
# Debian module with it, modsign-kit dkms-key, then a real *-dkms package
# (SHARE/v4l) installed with dpkg -i, built for KREL and signed with that
# key; apt remove and purge leave the keys and say what is left.
deb_flow() {
	local kdir=$1 krel=$2 c cn signer mod before
	in_box rm -f /var/lib/man-db/auto-update
	in_box dpkg --force-unsafe-io -r mokutil >rm-mokutil.log 2>&1 || fail "dpkg -r mokutil: $(tail -n 5 rm-mokutil.log)"
	! in_box sh -c 'command -v mokutil' >/dev/null || fail "mokutil is still there"
	in_box apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
		"$SHARE/$(basename "$DEB")" >apt-install.log 2>&1 || fail "apt install: $(tail -n 20 apt-install.log)"
	expect_file_contains apt-install.log "Setting up mokutil"
	expect_file_contains apt-install.log "Setting up modsign ($(dpkg-deb -f "$DEB" Version))"
	note "$BOX: apt install ./$(basename "$DEB") pulled: $(sed -n 's/^Setting up \([^ ]*\) .*/\1/p' apt-install.log | grep -vx modsign | tr '\n' ' ')"
	# every installed command
	for c in "modsign --version" "modsign --help" "mok-enroll.sh --help" "modsign-kit --help" \
		"modsign-kit keys --help" "modsign-kit sign --help" "modsign-kit dkms-key --help" \
		"modsign-kit rotate --help" "modsign-kit rotate-status --help" \
		"ls /usr/share/man/man1/modsign.1.gz /usr/share/man/man1/modsign-kit.1.gz /usr/share/man/man1/mok-enroll.sh.1.gz"; do
		# shellcheck disable=SC2086 # the command's words
		in_box $c >cmd.out 2>&1 || fail "$c: $(head -c 600 cmd.out)"
	done
	# root's key, made by the front end
	expect_exit 0 in_box modsign-kit keys
	expect_exit 0 in_box modsign-kit keydir
	expect_eq /var/lib/modsign/keys "$(cat out)" "root's key folder"
	expect_eq $'700\n600' "$(in_box stat -c %a /var/lib/modsign/keys /var/lib/modsign/keys/signing_key.pem)" "modes of the key folder and key"
	cn=$(in_box openssl x509 -inform DER -in /var/lib/modsign/keys/signing_key.x509 -noout -subject -nameopt multiline |
		sed -n 's/^ *commonName *= //p')
	[ -n "$cn" ] || fail "no CN in the new certificate"
	# a Debian module (signed by Debian's key) signed again with it
	cp "$IMAGE61/kernel/drivers/media/v4l2-core/videodev.ko" "$SHARE/videodev.ko"
	expect_exit 0 in_box modsign-kit sign --kdir "$kdir" "$SHARE/videodev.ko"
	expect_file_contains out "RESIGN  $SHARE/videodev.ko"
	expect_exit 0 in_box modsign verify --cert /var/lib/modsign/keys/signing_key.x509 "$SHARE/videodev.ko"
	expect_file_contains out "OK "
	expect_exit 0 in_box /usr/sbin/modinfo -F signer "$SHARE/videodev.ko"
	expect_eq "$cn" "$(cat out)" "videodev.ko's signer"
	# DKMS signs with it: dkms, the drop-in, then a real *-dkms package
	# shellcheck disable=SC2016 # expanded by the root's shell
	# dkms after its dependencies: it pre-depends on lsb-release, which a
	# fresh Debian 13 lacks (dpkg -i of both at once refuses dkms)
	in_box sh -c 'd=$1; set --; for f in "$d"/*.deb; do case ${f##*/} in dkms_*) ;; *) set -- "$@" "$f" ;; esac; done
		[ $# -eq 0 ] || dpkg --force-unsafe-io -i "$@" && dpkg --force-unsafe-io -i "$d"/dkms_*.deb' sh "$SHARE/dkms" >dkms.log 2>&1 ||
		fail "dpkg -i dkms: $(tail -n 20 dkms.log)"
	expect_exit 0 in_box modsign-kit dkms-key
	expect_exit 0 in_box cat /etc/dkms/framework.conf.d/modsign.conf
	expect_file_contains out 'sign_file="/usr/lib/modsign/dkms-sign-file"'
	expect_file_contains out 'mok_signing_key="/var/lib/modsign/signing_key.pem"'
	local t0=$SECONDS
	# shellcheck disable=SC2016 # expanded by the root's shell
	in_box env parallel_jobs=1 nice -n 10 sh -c 'dpkg --force-unsafe-io -i "$1"/*.deb' sh "$SHARE/v4l" >v4l.log 2>&1 ||
		fail "dpkg -i v4l2loopback-dkms: $(tail -n 20 v4l.log)"
	note "$BOX: dpkg -i v4l2loopback-dkms (built for $krel, signed): $((SECONDS - t0)) s"
	expect_file_lacks v4l.log "Failed to sign"
	mod=$(in_box sh -c "ls /usr/lib/modules/$krel/updates/dkms/v4l2loopback.ko*") ||
		fail "DKMS installed no v4l2loopback for $krel: $(tail -n 20 v4l.log)"
	expect_exit 0 in_box modsign verify --cert /var/lib/modsign/keys/signing_key.x509 "$mod"
	expect_file_contains out "OK "
	signer=$(in_box /usr/sbin/modinfo -F signer "$mod")
	expect_eq "$cn" "$signer" "the signer of DKMS's $mod"
	# apt remove, then purge: the keys, DKMS's copy and the drop-in stay
	before=$(kept_state) || fail "cannot read the keys' state"
	in_box apt-get remove -y -o Dpkg::Options::=--force-unsafe-io modsign >remove.log 2>&1 ||
		fail "apt remove: $(tail -n 20 remove.log)"
	expect_file_contains remove.log "modsign: the package is removed; your keys and DKMS's settings are left as they were"
	expect_file_contains remove.log "/etc/dkms/framework.conf.d/modsign.conf, the drop-in"
	expect_file_contains remove.log "/var/lib/modsign (root's key folder"
	expect_eq "$before" "$(kept_state)" "the keys and the drop-in after apt remove"
	! in_box test -e /usr/bin/modsign-kit || fail "apt remove left /usr/bin/modsign-kit"
	in_box apt-get purge -y -o Dpkg::Options::=--force-unsafe-io modsign >purge.log 2>&1 ||
		fail "apt purge: $(tail -n 20 purge.log)"
	expect_file_contains purge.log "modsign: the package is purged; your keys and DKMS's settings are left as they were"
	expect_eq "$before" "$(kept_state)" "the keys and the drop-in after apt purge"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	in_box dpkg-query -W -f='${Status}\n' modsign >status 2>&1 || true
	expect_file_lacks status "installed"
}

test_install_remove_purge_debian12() {
	local env rel61 headers61
	env=$(bash "$TOP/vm/fetch-debian.sh" dkms) || fail "fetch-debian.sh dkms failed"
	rel61=$(sed -n 's/^RELEASE61=//p' "$env")
	IMAGE61=$(sed -n 's/^IMAGE61=//p' "$env")
	# on a host that is not Debian 12 (the trixie suite's root), the
	# sandbox is made to look like one with 6.1 (its headers installed
	# there, the host's kernels hidden), as the dkms suite does
	headers61=$(sed -n 's/^HEADERS61_DIR=//p' "$env")
	[ "$headers61" != none ] || [ -d "/usr/src/linux-headers-$rel61" ] ||
		fail "the host has no /usr/src/linux-headers-$rel61 (a Debian 12 host has; scripts/setup.sh test)"
	SHARE=$SUITE/share12
	small_image "$IMAGE61" "$(sed -n 's/^DEPMOD61=//p' "$env")" "$rel61" "$T/image61" videodev ||
		fail "cannot make the small 6.1 image"
	mkdir -p "$SHARE"
	cp "$DEB" "$SHARE/"
	share_debs "$(sed -n 's/^DEPS_DIR=//p' "$env")" dkms
	cp "$(sed -n 's/^DKMS_DEB=//p' "$env")" "$SHARE/dkms/"
	mkdir -p "$SHARE/v4l"
	cp "$(sed -n 's/^V4L2LOOPBACK_DEB=//p' "$env")" "$SHARE/v4l/"
	BOX=debian12
	sandbox_start "$SUITE/box12" || fail "cannot make the sandbox"
	sandbox_layer "/usr/lib/modules/$rel61" "$T/image61/lib/modules/$rel61" || fail "cannot layer 6.1's modules"
	sandbox_as_debian12 "$headers61" "$rel61" || fail "cannot make the sandbox a Debian 12 with 6.1"
	deb_flow "/usr/src/linux-headers-$rel61" "$rel61"
	sandbox_stop
}

# modsign-try in the Debian 12 box (the host under the overlay, which has
# QEMU and the rest): apt installs both packages, the installed command
# answers wrong questions before anything boots (exit 2), and apt purge
# removes root's cache, saying so, and leaves modsign installed.
test_try_install_purge_debian12() {
	[ -s "$TRYDEB" ] || fail "no build/modsign-try_*.deb"
	SHARE=$SUITE/sharet12
	mkdir -p "$SHARE"
	cp "$DEB" "$TRYDEB" "$SHARE/"
	BOX=debian12
	sandbox_start "$SUITE/boxt12" || fail "cannot make the sandbox"
	no_man_index || fail "cannot switch man-db's index off"
	local t0=$SECONDS
	in_box apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
		"$SHARE/$(basename "$DEB")" "$SHARE/$(basename "$TRYDEB")" >apt-install.log 2>&1 ||
		fail "apt install: $(tail -n 20 apt-install.log)"
	note "debian12: apt install ./modsign_*.deb ./modsign-try_*.deb: $((SECONDS - t0)) s"
	expect_file_contains apt-install.log "Setting up modsign-try ($(dpkg-deb -f "$TRYDEB" Version))"
	expect_exit 0 in_box modsign-try --help
	expect_eq "Downloads are cached in /var/cache/modsign (MODSIGN_CACHE)." "$(sed -n '/^Downloads are cached in /p' "$T/out")" "the cache line of modsign-try --help"
	expect_exit 0 in_box man -w modsign-try
	expect_exit 2 in_box modsign-try /bin/true
	expect_file_contains "$T/err" "/bin/true"
	expect_file_contains "$T/err" "not a module"
	# an ELF object with a .modinfo section and a vermagic stands for a
	# module: the certificate is what is wrong
	printf 'static const char l[] __attribute__((section(".modinfo"), used)) = "license=GPL\\0vermagic=6.1.0-1-amd64 SMP preempt mod_unload modversions \\0name=m";\n' >m.c
	gcc -c m.c -o "$SHARE/m.ko"
	expect_exit 2 in_box modsign-try --cert /nonexistent "$SHARE/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: /nonexistent: no such file"
	# root's cache, with a download in it
	in_box mkdir -p /var/cache/modsign/kernels
	in_box sh -c 'echo data >/var/cache/modsign/kernels/a.deb'
	in_box apt-get remove -y -o Dpkg::Options::=--force-unsafe-io modsign-try >remove.log 2>&1 ||
		fail "apt remove modsign-try: $(tail -n 20 remove.log)"
	expect_exit 0 in_box test -f /var/cache/modsign/kernels/a.deb
	in_box apt-get purge -y -o Dpkg::Options::=--force-unsafe-io modsign-try >purge.log 2>&1 ||
		fail "apt purge modsign-try: $(tail -n 20 purge.log)"
	expect_file_contains purge.log "modsign-try: removed /var/cache/modsign"
	! in_box test -e /var/cache/modsign || fail "apt purge modsign-try left /var/cache/modsign"
	! in_box test -e /usr/bin/modsign-try || fail "apt purge modsign-try left /usr/bin/modsign-try"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	expect_eq "install ok installed" "$(in_box dpkg-query -W -f='${Status}' modsign)" "modsign after purging modsign-try"
	expect_exit 0 in_box modsign --version
	# a mount inside the cache (a sandbox of a modsign-try still running)
	# is not followed, and the purge does not fail for it: it says so
	in_box dpkg --force-unsafe-io -i "$SHARE/$(basename "$TRYDEB")" >reinstall.log 2>&1 ||
		fail "dpkg -i modsign-try again: $(tail -n 20 reinstall.log)"
	# shellcheck disable=SC2016 # expanded by the box's shell
	expect_exit 0 in_box sh -c 'mkdir -p /var/cache/modsign/m && mount -t tmpfs modsign-test /var/cache/modsign/m &&
		echo x >/var/cache/modsign/m/f && echo y >/var/cache/modsign/a &&
		dpkg --force-unsafe-io --purge modsign-try && test -f /var/cache/modsign/m/f && ! test -e /var/cache/modsign/a'
	expect_file_contains "$T/out" "modsign-try: could not remove all of /var/cache/modsign"
	# shellcheck disable=SC2016 # dpkg-query's own ${Status}
	in_box dpkg-query -W -f='${Status}\n' modsign-try >status 2>&1 || true
	expect_file_lacks status "installed"
	sandbox_stop
}

test_install_remove_purge_debian13() {
	local renv tenv root fp k612 r612 r7
	renv=$(bash "$TOP/vm/trixie-root.sh" env) || fail "vm/trixie-root.sh env failed"
	tenv=$(bash "$TOP/vm/fetch-debian.sh" dkms-trixie) || fail "fetch-debian.sh dkms-trixie failed"
	IMAGE61=$(sed -n 's/^IMAGE61=//p' "$(bash "$TOP/vm/fetch-debian.sh" dkms)")
	root=$(sed -n 's/^ROOT=//p' "$renv")
	k612=$(sed -n 's/^KDIR_T612=//p' "$renv")
	r612=$(sed -n 's/^RELEASE_T612=//p' "$renv")
	r7=$(sed -n 's/^RELEASE_T7=//p' "$renv")
	SHARE=$SUITE/share13
	mkdir -p "$SHARE"
	cp "$DEB" "$SHARE/"
	share_debs "$(sed -n 's/^DEBS_DIR=//p' "$tenv")" dkms
	mkdir -p "$SHARE/v4l"
	cp "$(sed -n 's/^V4L2LOOPBACK_DEB=//p' "$tenv")" "$SHARE/v4l/"
	fp=$(root_fingerprint "$root")
	BOX=trixie
	rootbox_start "$SUITE/box13" "$root" || fail "cannot make the overlay over $root"
	# one kernel with headers, 6.12, for one DKMS build
	rootbox_run dpkg --force-unsafe-io -r "linux-headers-$r7" >hdr.log 2>&1 || fail "dpkg -r linux-headers-$r7: $(tail -n 5 hdr.log)"
	deb_flow "$k612" "$r612"
	try_flow_debian13
	rootbox_stop
	expect_eq "$fp" "$(root_fingerprint "$root")" "the trixie root after the test"
}

# try_flow_debian13: in the Debian 13 root, modsign installed again,
# then apt resolves every dependency of modsign-try from trixie, and
# installs it.
try_flow_debian13() {
	local t0
	[ -s "$TRYDEB" ] || fail "no build/modsign-try_*.deb"
	cp "$TRYDEB" "$SHARE/"
	in_box apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
		"$SHARE/$(basename "$DEB")" >apt-install2.log 2>&1 || fail "apt install modsign again: $(tail -n 20 apt-install2.log)"
	t0=$SECONDS
	in_box apt-get install --simulate --no-install-recommends "$SHARE/$(basename "$TRYDEB")" >try-sim.log 2>&1 ||
		fail "apt-get install --simulate ./modsign-try: $(tail -n 20 try-sim.log)"
	note "trixie: apt-get install --simulate ./$(basename "$TRYDEB"): $((SECONDS - t0)) s, $(grep -c '^Inst ' try-sim.log) packages"
	expect_file_contains try-sim.log "Inst modsign-try ("
	expect_file_contains try-sim.log "Conf modsign-try ("
	expect_file_lacks try-sim.log "Inst modsign ("
	# every other package from Debian 13's archive
	grep '^Inst ' try-sim.log | grep -v '^Inst modsign-try ' >inst || true
	[ -s inst ] || fail "apt would install no dependency: $(cat try-sim.log)"
	! grep -v 'Debian[-A-Za-z]*:13' inst >other || fail "not from trixie: $(cat other)"
	# and installed for real (about 20 s: 36 MB from the archive), so
	# that the command runs on Debian 13's python3, qemu and the rest
	t0=$SECONDS
	in_box apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
		"$SHARE/$(basename "$TRYDEB")" >try-install.log 2>&1 || fail "apt install ./modsign-try: $(tail -n 20 try-install.log)"
	note "trixie: apt install ./$(basename "$TRYDEB"): $((SECONDS - t0)) s"
	expect_exit 0 in_box modsign-try --help
	expect_eq "Downloads are cached in /var/cache/modsign (MODSIGN_CACHE)." "$(sed -n '/^Downloads are cached in /p' "$T/out")" "the cache line of modsign-try --help"
	expect_exit 2 in_box modsign-try /bin/true
	expect_file_contains "$T/err" "not a module"
	# what its checks of the tools ask for, there now (the Depends suffice)
	# shellcheck disable=SC2016 # expanded by the root's shell
	expect_exit 0 in_box sh -c 'for t in qemu-system-x86_64 expect cpio depmod modinfo readelf jq mokutil openssl xz; do
		command -v "$t" >/dev/null || { echo "no $t"; exit 1; }; done'
	expect_exit 0 in_box /usr/bin/python3 -c 'import cryptography, pkg_resources'
	expect_exit 0 in_box /bin/busybox --list
}

test_host_untouched() {
	! grep -q modsign-sandbox /proc/self/mountinfo || fail "a sandbox overlay is mounted on the host"
	host_state >host.after
	diff "$SUITE/host.before" host.after >host.diff || fail "the host changed: $(head -c 1200 host.diff)"
}

if [ $# -eq 0 ]; then
	set -- make_deb_builds_into_build tree_stays_clean lintian_clean contents_are_install_tool_files try_package_contents \
		front_end_runs_installed_scripts front_end_help_and_bad_input front_end_default_keydir \
		front_end_enroll_and_rotate front_end_messages_name_modsign_kit front_end_completion man_pages \
		no_key_and_no_build_path version_one_place hardened_and_warnings_as_errors reproducible \
		try_package_relations \
		install_and_purge_in_sandbox install_remove_purge_debian12 try_install_purge_debian12 \
		install_remove_purge_debian13 host_untouched
	case "${DEB_ROOTS:-all}" in
	all) ;;
	none)
		keep=()
		for t in "$@"; do
			case "$t" in
			install_remove_purge_debian12 | try_install_purge_debian12 | install_remove_purge_debian13) ;;
			*) keep+=("$t") ;;
			esac
		done
		set -- "${keep[@]}"
		;;
	*)
		echo "test-deb: ERROR: DEB_ROOTS=$DEB_ROOTS: all or none" >&2
		exit 2
		;;
	esac
fi
run_tests "$@"
