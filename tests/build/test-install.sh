#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of `make install` against Debian's 6.12 kernel (which compresses its
# modules with xz), of the README's first command line run as root where
# there is no sudo, of setup.sh's way to root, and of the KDIR notice that
# `make sign` prints once. Real headers, sign-file, xz, zstd, gzip, depmod
# and modinfo; the only fake is a sudo made in a test's folder (named
# fake-sudo there and linked as sudo), for a machine that has one.
#
# Speed: one fresh tree, cut to two modules (hello-1, hello-2), is built and
# signed once, for 6.12, by the README's own first command; the install
# tests copy it.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-install.XXXXXX")
trap 'rm -rf "$SUITE"' EXIT
env612=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12)
KDIR612=$(sed -n 's/^KDIR=//p' "$env612")
REL612=$(sed -n 's/^RELEASE=//p' "$env612")
CONFIG612=$(sed -n 's/^CONFIG=//p' "$env612")
KDIR61=$(sed -n 's/^KDIR=//p' "$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1)")
[ -d "$KDIR612" ] && [ -f "$CONFIG612" ] && [ -d "$KDIR61" ] || exit 1
export SUITE KDIR612 REL612 CONFIG612 KDIR61

# nosudo_path: a PATH with every command of $PATH but sudo: one folder of
# links to them (the first of each name, as PATH finds it). Leaving out the
# folders that hold a sudo would leave out /usr/bin, and bash with it,
# wherever sudo is installed (Debian 13 with a sudo user, tests/trixie).
nosudo_path() {
	local dir f name bin=$SUITE/nosudo
	mkdir -p "$bin"
	chmod 755 "$SUITE" "$bin"
	IFS=: read -ra dirs <<<"$PATH"
	for dir in "${dirs[@]}"; do
		for f in "$dir"/*; do
			name=${f##*/}
			if [ "$name" != sudo ] && [ -x "$f" ] && [ ! -d "$f" ] && [ ! -e "$bin/$name" ]; then
				ln -s "$f" "$bin/$name"
			fi
		done
	done
	echo "$bin"
}
NOSUDO_PATH=$(nosudo_path)
export NOSUDO_PATH

# readme_command N: the Nth command line (not a comment) of the README's
# first sh block, under "Two commands".
readme_command() {
	awk '/^## Two commands/ { s = 1 } s && /^```sh/ { b = 1; next } b && /^```/ { exit }
		b && $0 !~ /^#/ && $0 != "" { if (++n == '"$1"') print }' "$TOP/README.md"
}
README_LINE=$(readme_command 1)
export README_LINE

echo "the README's first command, as root without sudo, for 6.12 (KDIR found, with its notice)"
fresh_tree "$SUITE/tree"
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' 'obj-m += hello-1.o' 'obj-m += hello-2.o' \
	>"$SUITE/tree/modules/Kbuild"
mkdir -p "$SUITE/src" "$SUITE/nolib"
ln -s "$KDIR612" "$SUITE/src/linux-headers-$REL612"
# The dry run: should a package be missing here, nothing is installed on the host.
(cd "$SUITE/tree" && env PATH="$NOSUDO_PATH" MODSIGN_SETUP_DRY_RUN=1 \
	MODSIGN_MODULES_ROOT="$SUITE/nolib" MODSIGN_SRC_ROOT="$SUITE/src" \
	bash -c "$README_LINE") >"$SUITE/readme.out" 2>"$SUITE/readme.err" &&
	echo 0 >"$SUITE/readme.rc" || echo $? >"$SUITE/readme.rc"

signed_tree() {
	cp -a "$SUITE/tree" tree
}

cert_cn() {
	openssl x509 -inform DER -in "$1" -noout -subject -nameopt multiline |
		sed -n 's/^ *commonName *= //p'
}

# installed_as ROOT SUFFIX CMD...: both modules are in ROOT's updates/ as
# NAME.ko SUFFIX only, 0644, decompress to the signed module, are the bytes
# that CMD (Kbuild's own command, run on a copy) makes, carry the kit's
# signer for modinfo, and are in modules.dep once.
installed_as() {
	local root=$1 suffix=$2 m d f cn
	shift 2
	d=$root/lib/modules/$REL612/updates
	cn=$(cert_cn tree/keys/signing_key.x509)
	for m in hello-1 hello-2; do
		f=$d/$m.ko$suffix
		[ -f "$f" ] || fail "$f not installed: $(ls "$d")"
		expect_eq "$m.ko$suffix" "$(cd "$d" && ls "$m".ko*)" "$m in $d"
		expect_eq 644 "$(stat -c %a "$f")" "mode of $f"
		rm -rf kb && mkdir kb && cp "tree/modules/$m.ko" kb/
		if [ $# -gt 0 ]; then
			"$@" "kb/$m.ko"
			case "$suffix" in
			.xz) xz -dc "$f" >plain.ko ;;
			.zst) zstd -q -dc "$f" >plain.ko ;;
			.gz) gzip -dc "$f" >plain.ko ;;
			esac
			cmp plain.ko "tree/modules/$m.ko" || fail "$f does not decompress to the signed module"
		fi
		cmp "kb/$m.ko$suffix" "$f" || fail "$f is not what Kbuild's '$*' makes"
		# Debian 12's kmod reads no .ko.gz (kmod --version: -ZLIB), and
		# install-modules.sh says so.
		if ! kmod_reads "$suffix"; then
			expect_file_contains err "this machine's kmod reads no .ko$suffix"
			expect_eq "$cn" "$(modinfo -F signer "$PWD/plain.ko")" "signer of $f, decompressed"
			continue
		fi
		expect_eq "$cn" "$(modinfo -F signer "$f")" "signer of $f"
		expect_eq 1 "$(grep -c "^updates/$m\.ko" "$root/lib/modules/$REL612/modules.dep")" \
			"$m lines in modules.dep"
		grep -q "^updates/$m.ko$suffix:" "$root/lib/modules/$REL612/modules.dep" ||
			fail "modules.dep lacks updates/$m.ko$suffix"
	done
}

# kmod_reads SUFFIX: this machine's kmod reads modules NAME.ko SUFFIX.
kmod_reads() {
	local lib
	case "$1" in
	.xz) lib=XZ ;;
	.zst) lib=ZSTD ;;
	.gz) lib=ZLIB ;;
	*) return 0 ;;
	esac
	! grep -qw -- "-$lib" <<<"$(kmod --version)"
}

# boot_config ROOT SED: 6.12's configuration, edited by SED, as ROOT's
# /boot/config-<release>.
boot_config() {
	mkdir -p "$1/boot"
	sed "$2" "$CONFIG612" >"$1/boot/config-$REL612"
}

test_readme_first_command_works_as_root_without_sudo() {
	[ "$EUID" == 0 ] || fail "needs root (run the suite as root, as CI does)"
	[[ "$README_LINE" == *scripts/setup.sh* ]] || fail "the README's first command is not the setup line: '$README_LINE'"
	PATH=$NOSUDO_PATH
	! command -v sudo >/dev/null || fail "sudo is still in PATH"
	expect_eq 0 "$(cat "$SUITE/readme.rc")" \
		"exit of '$README_LINE' as root without sudo; stderr: $(head -c 800 "$SUITE/readme.err")"
	local m
	for m in hello-1 hello-2; do
		expect_eq "$(cert_cn "$SUITE/tree/keys/signing_key.x509")" \
			"$(modinfo -F signer "$SUITE/tree/modules/$m.ko")" "signer of $m.ko"
		expect_eq "$REL612" "$(modinfo -F vermagic "$SUITE/tree/modules/$m.ko" | cut -d' ' -f1)" "release of $m.ko"
	done
	# Everything was installed already; had it not been, the dry run says
	# apt-get, not sudo apt-get.
	expect_file_lacks "$SUITE/readme.out" "sudo apt-get"
}

test_kdir_notice_once_per_make_sign() {
	expect_eq 1 "$(grep -c "^modsign: notice: $SUITE/nolib/.*/build does not exist" "$SUITE/readme.err")" \
		"KDIR notices in one make sign; stderr: $(head -c 800 "$SUITE/readme.err")"
	expect_file_contains "$SUITE/readme.err" "building for $SUITE/src/linux-headers-$REL612 instead"
}

test_install_compresses_as_6_12_does() {
	signed_tree
	expect_exit 0 make -s -C tree install KDIR="$KDIR612" DESTDIR="$PWD/root"
	expect_file_contains out "Installing 2 modules into $PWD/root/lib/modules/$REL612/updates (as .ko.xz"
	installed_as root .xz xz --check=crc32 --lzma2=dict=1MiB -f
	# The check the kernel's own xz decoder takes, not xz's default CRC64.
	local f
	for f in root/lib/modules/"$REL612"/updates/*.ko.xz; do
		expect_eq CRC32 "$(xz --robot --list "$f" | awk -F'\t' '$1 == "file" { print $7 }')" "xz check of $f"
	done
}

test_install_removes_the_other_form() {
	signed_tree
	local d=root/lib/modules/$REL612/updates
	mkdir -p "$d"
	cp tree/modules/hello-1.ko "$d/"
	expect_exit 0 make -s -C tree install KDIR="$KDIR612" DESTDIR="$PWD/root"
	installed_as root .xz xz --check=crc32 --lzma2=dict=1MiB -f
	# A kernel that leaves compression to the distribution: plain .ko, as
	# Kbuild installs them there; the .ko.xz go.
	boot_config root 's/^CONFIG_MODULE_COMPRESS_ALL=y$/# CONFIG_MODULE_COMPRESS_ALL is not set/'
	expect_exit 0 make -s -C tree install DESTDIR="$PWD/root"
	installed_as root ""
}

test_install_zstd_and_gzip_as_kbuild() {
	signed_tree
	local off='s/^CONFIG_MODULE_COMPRESS_XZ=y$/# CONFIG_MODULE_COMPRESS_XZ is not set/'
	boot_config zroot "$off; \$a CONFIG_MODULE_COMPRESS_ZSTD=y"
	expect_exit 0 make -s -C tree install DESTDIR="$PWD/zroot"
	installed_as zroot .zst zstd --rm -f -q
	boot_config groot "$off; \$a CONFIG_MODULE_COMPRESS_GZIP=y"
	expect_exit 0 make -s -C tree install DESTDIR="$PWD/groot"
	installed_as groot .gz gzip -n -f
	# gzip's header: no name, no time (-n), and extra flags 0 (level 6;
	# -9 would give 2).
	expect_eq "08 00 00 00 00 00 00 03" \
		"$(od -An -tx1 -j2 -N8 "groot/lib/modules/$REL612/updates/hello-1.ko.gz" | xargs)" "gzip header"
}

test_install_refuses_a_kdir_of_another_kernel() {
	signed_tree
	expect_exit 2 make -s -C tree install KDIR="$KDIR61" DESTDIR="$PWD/root"
	expect_file_contains err "but the modules were built for $REL612"
	[ ! -e root ] || fail "something was installed"
}

test_setup_gets_root_through_sudo_only_when_not_root() {
	[ "$EUID" == 0 ] || fail "needs root (run the suite as root, as CI does)"
	local nohdr=(MODSIGN_MODULES_ROOT=/nonexistent MODSIGN_SRC_ROOT=/nonexistent MODSIGN_SETUP_DRY_RUN=1)
	# As root, no sudo: apt-get itself; as-root runs the command as it is.
	expect_exit 0 env PATH="$NOSUDO_PATH" "${nohdr[@]}" bash "$TOP/scripts/setup.sh" build
	expect_file_contains out "would run: apt-get install -y -qq --no-install-recommends "
	expect_file_lacks out "sudo"
	expect_exit 0 env PATH="$NOSUDO_PATH" bash "$TOP/scripts/setup.sh" as-root id -u
	expect_eq 0 "$(cat out)" "as-root's uid"
	# Another user with a sudo (a fake, recording its arguments): through it.
	mkdir bin
	printf '%s\n' '#!/bin/sh' '# FAKE sudo: records its arguments, runs nothing.' \
		"echo \"\$*\" >>$T/sudo-calls" >bin/fake-sudo
	chmod 755 bin/fake-sudo
	ln -s fake-sudo bin/sudo
	chmod -R a+rX "$T"
	touch sudo-calls && chmod 666 sudo-calls
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	expect_exit 0 "${nobody[@]}" env PATH="$T/bin:$NOSUDO_PATH" "${nohdr[@]}" bash "$TOP/scripts/setup.sh" build
	expect_file_contains out "would run: sudo apt-get install -y -qq --no-install-recommends "
	expect_exit 0 "${nobody[@]}" env PATH="$T/bin:$NOSUDO_PATH" bash "$TOP/scripts/setup.sh" as-root make check
	expect_eq "make check" "$(cat sudo-calls)" "what sudo was asked to run"
	# Another user, no sudo: a clear error, nothing run.
	expect_exit 1 "${nobody[@]}" env PATH="$NOSUDO_PATH" bash "$TOP/scripts/setup.sh" as-root id -u
	expect_file_contains err "needs root, and there is no sudo here: run it as root"
	[ ! -s out ] || fail "the command ran: $(cat out)"
}

# fake_release N: bin/ holds a fake apt-cache and dpkg-query answering as a
# release whose clang is clang-N would (trixie: 19, bookworm: 14), with
# nothing installed, so setup.sh's dry run lists every package.
fake_release() {
	mkdir -p bin
	printf '%s\n' '#!/bin/sh' '# FAKE dpkg-query: nothing is installed.' 'exit 1' >bin/dpkg-query
	cat >bin/apt-cache <<-EOF
		#!/bin/sh
		# FAKE apt-cache: clang depends on clang-$1, nothing else is known.
		case "\$1 \$2" in
		"depends clang") printf 'clang\n  Depends: clang-$1\n  Depends: llvm-$1-dev\n' ;;
		"show clang") printf 'Package: clang\nDepends: clang-$1 (>= 1:$1~), llvm-$1-dev\n\n' ;;
		*) exit 100 ;;
		esac
	EOF
	chmod 755 bin/dpkg-query bin/apt-cache
}

# setup.sh test names the libFuzzer runtime of the clang the running
# release installs (trixie's clang is 19; it has no libclang-rt-14-dev),
# and keeps bookworm's (14).
test_setup_picks_the_release_s_clang_runtime() {
	local nohdr=(MODSIGN_MODULES_ROOT=/nonexistent MODSIGN_SRC_ROOT=/nonexistent MODSIGN_SETUP_DRY_RUN=1) n
	for n in 19 14; do
		rm -rf bin
		fake_release "$n"
		expect_exit 0 env PATH="$T/bin:$NOSUDO_PATH" "${nohdr[@]}" bash "$TOP/scripts/setup.sh" test
		expect_file_contains out " libclang-rt-$n-dev"
		expect_file_contains out " clang "
		[ "$(grep -o 'libclang-rt-[0-9]*-dev' out | sort -u)" == "libclang-rt-$n-dev" ] ||
			fail "clang-$n's release: $(grep -o 'libclang-rt-[0-9]*-dev' out | sort -u | xargs)"
		expect_file_contains out " mmdebstrap"
	done
}

# setup.sh names pkcs11-provider where the release has it (a candidate in
# apt-cache policy: Debian 13 and later), and for build only there drops
# libp11's engine; test keeps the engine (both routes are tested). A
# release without it (Debian 12 without backports) gets the engine.
test_setup_picks_the_pkcs11_provider_where_the_release_has_it() {
	local nohdr=(MODSIGN_MODULES_ROOT=/nonexistent MODSIGN_SRC_ROOT=/nonexistent MODSIGN_SETUP_DRY_RUN=1) cand
	for cand in 1.0-3 '(none)'; do
		rm -rf bin
		fake_release 19
		# the fake apt-cache also answers for pkcs11-provider's policy
		sed -i "s|^\\*) exit 100 ;;|\"policy pkcs11-provider\") printf 'pkcs11-provider:\\\\n  Installed: (none)\\\\n  Candidate: $cand\\\\n' ;;\\n*) exit 100 ;;|" bin/apt-cache
		expect_exit 0 env PATH="$T/bin:$NOSUDO_PATH" "${nohdr[@]}" bash "$TOP/scripts/setup.sh" build
		if [ "$cand" == '(none)' ]; then
			expect_file_contains out " libengine-pkcs11-openssl"
			expect_file_lacks out "pkcs11-provider"
		else
			expect_file_contains out " pkcs11-provider"
			expect_file_lacks out "libengine-pkcs11-openssl"
		fi
		expect_exit 0 env PATH="$T/bin:$NOSUDO_PATH" "${nohdr[@]}" bash "$TOP/scripts/setup.sh" test
		expect_file_contains out " libengine-pkcs11-openssl"
		[ "$cand" == '(none)' ] || expect_file_contains out " pkcs11-provider"
	done
}

# make install-tool and uninstall-tool write and remove below
# $(DESTDIR)$(PREFIX): a relative PREFIX (glued to DESTDIR: DESTDIR=/d
# PREFIX=usr gives /dusr) or one with a `..` component leaves DESTDIR. Each
# is refused before anything is written or removed, and so is dkms-key's
# (its drop-in would name a relative sign_file). DESTDIR may be anything:
# it is where the user asked for the files.
# files_here: what the test's folder holds (DESTDIR's parent, the tree),
# bar expect_exit's output and the tool's build.
files_here() {
	find "$T" \( -path "$T/out" -o -path "$T/err" -o -path "$T/tree/sign" \) -prune -o -printf '%P %y\n' | LC_ALL=C sort
}

test_install_tool_refuses_a_bad_prefix() {
	local p bad=(../x usr/local /usr/../../tmp/x /usr/local/.. ..) before
	signed_tree
	# the built tool, if there is one, spares a build (make decides)
	[ ! -x "$TOP/sign/modsign" ] || cp -p "$TOP/sign/modsign" tree/sign/modsign
	mkdir -p stage/dest
	before=$(files_here)
	for p in "${bad[@]}"; do
		expect_exit 2 make -s -C tree install-tool DESTDIR="$T/stage/dest" PREFIX="$p"
		expect_file_contains err "modsign: ERROR: PREFIX=$p "
		# without DESTDIR, only the relative ones (into the test's folder)
		[ "${p#/}" != "$p" ] || expect_exit 2 make -s -C tree install-tool PREFIX="$p"
		expect_eq "$before" "$(files_here)" "files after make install-tool PREFIX=$p"
	done
	# uninstall-tool: the files a bad PREFIX points at, planted, stay
	for p in stage/destusr/local/bin stage/tmp/x/bin tree/usr/local/bin; do
		mkdir -p "$p"
		touch "$p/modsign"
	done
	before=$(files_here)
	for p in "${bad[@]}"; do
		expect_exit 2 make -s -C tree uninstall-tool DESTDIR="$T/stage/dest" PREFIX="$p"
		expect_file_contains err "modsign: ERROR: PREFIX=$p "
		[ "${p#/}" != "$p" ] || expect_exit 2 make -s -C tree uninstall-tool PREFIX="$p"
	done
	expect_eq "$before" "$(files_here)" "files after make uninstall-tool"
	# dkms-key, with the kit found at the relative PREFIX (tree/usr/local)
	mkdir -p tree/usr/local/lib/modsign
	cp "$TOP/scripts/dkms-sign-file" tree/usr/local/lib/modsign/
	expect_exit 2 env MOKUTIL=/nonexistent DKMS_KEY_DIR="$T/stage/k" DKMS_DROPIN="$T/stage/d/modsign.conf" \
		make -s -C tree dkms-key PREFIX=usr/local
	expect_file_contains err "modsign: ERROR: PREFIX=usr/local "
	[ ! -e stage/k ] || fail "make dkms-key PREFIX=usr/local wrote $(find stage/k)"
	[ ! -e stage/d ] || fail "make dkms-key PREFIX=usr/local wrote $(find stage/d)"
	# the good ones still work
	expect_exit 0 make -s -C tree install-tool DESTDIR="$T/stage/dest" PREFIX=/usr/local
	[ -x stage/dest/usr/local/bin/modsign ] || fail "install-tool PREFIX=/usr/local did not install"
	expect_exit 0 make -s -C tree uninstall-tool DESTDIR="$T/stage/dest" PREFIX=/usr/local
	[ ! -e stage/dest/usr/local/bin/modsign ] || fail "uninstall-tool PREFIX=/usr/local did not remove"
}

run_tests "$@"
