#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the signed-module build: make, make sign, make keys, make verify,
# make install, KDIR resolution. Real kernel headers, the real sign-file and
# openssl; the only fake is a sign-file that dies half-way (an interruption
# the real one cannot be made to have on demand).
#
# The expensive part, a fresh tree built and signed for Debian 12's kernel,
# is made once (in $SUITE) and copied by the tests that need it.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-build.XXXXXX")
trap 'rm -rf "$SUITE"' EXIT
export SUITE
# kenv SERIES NAME: a value from the kernel's fetch-debian.sh env file.
kenv() {
	sed -n "s/^$2=//p" "$(bash "$TOP/vm/fetch-debian.sh" kernel "$1")"
}
KDIR61=$(kenv 6.1 KDIR)
REL61=$(kenv 6.1 RELEASE)
KDIR612=$(kenv 6.12 KDIR)
REL612=$(kenv 6.12 RELEASE)
[ -n "$KDIR61" ] && [ -n "$KDIR612" ] || exit 1
export KDIR61 REL61 KDIR612 REL612
MAGIC='~Module signature appended~'
# Kbuild's jobs where a test builds modules but tests no race: one per CPU.
JOBS=-j$(nproc)

# The modules the kit promises (file names as make builds them).
EXPECTED_MODULES="chardev hello-1 hello-2 hello-3 hello-4 hello-5 procfs startstop sysfs workqueue_demo"

echo "building and signing a fresh tree against Debian 12's kernel"
fresh_tree "$SUITE/signed"
# built, before keys and signing: kept in $SUITE/built for the tests that
# only need a built tree (two builds fewer)
{
	make "$JOBS" -C "$SUITE/signed" KDIR="$KDIR61" modules &&
		cp -a "$SUITE/signed" "$SUITE/built" &&
		make -C "$SUITE/signed" KDIR="$KDIR61" sign
} >"$SUITE/sign.log" 2>&1 || {
	cat "$SUITE/sign.log"
	echo "build: 0 passed, 1 failed"
	exit 1
}
# signed, as make sign left it, kept as it is: tests that change files
# work on a copy of it (signed_tree) or on signed put back (built_tree).
cp -a "$SUITE/signed" "$SUITE/signed.orig"

# signed_tree: a copy of the signed tree in ./tree (keys and all).
signed_tree() {
	cp -a "$SUITE/signed.orig" tree
}

# built_tree: ./tree links to $SUITE/signed, put back as make sign left it,
# for tests that run make targets that build. Kbuild's commands name the
# folder they ran in, so in a copy elsewhere make would rebuild every module
# (unsigned); in the very folder it builds nothing (no_rebuild checks it).
# TREE is the folder's path, as make prints it.
built_tree() {
	rm -rf "$SUITE/signed"
	cp -a "$SUITE/signed.orig" "$SUITE/signed"
	ln -s "$SUITE/signed" tree
	TREE=$SUITE/signed
}

# no_rebuild LOG: make's output shows that Kbuild compiled or linked nothing.
no_rebuild() {
	! grep -E '^ +(CC|LD) \[M\]' "$1" || fail "make rebuilt modules of the built tree: $(grep -E '^ +(CC|LD) \[M\]' "$1" | sed -n '1,3p')"
}

# unsigned_tree: a copy in ./tree of the tree as built, with no keys and
# no signature (for tests that run no make target that builds: Kbuild
# would rebuild a tree that moved)
unsigned_tree() {
	cp -a "$SUITE/built" tree
}

cert_cn() {
	openssl x509 -inform DER -in "$1" -noout -subject -nameopt multiline |
		sed -n 's/^ *commonName *= //p'
}

# openssl_verifies MODULE CERT: checks a trailer by hand, without the kit's
# own scripts: one PKCS#7 signature that openssl verifies over the module.
openssl_verifies() {
	local size len
	size=$(stat -c %s "$1")
	tail -c 28 "$1" | cmp -s - <(printf '%s\n' "$MAGIC") || fail "$1 has no signature magic"
	len=$((0x$(od -An -tx1 -j $((size - 32)) -N 4 "$1" | tr -d ' \n')))
	head -c $((size - 40 - len)) "$1" >body
	dd if="$1" of=sig iflag=skip_bytes,count_bytes skip=$((size - 40 - len)) count="$len" bs=64K status=none
	! tail -c 28 body | cmp -s - <(printf '%s\n' "$MAGIC") || fail "$1 is signed twice"
	openssl cms -verify -binary -inform DER -in sig -content body \
		-certfile "$2" -nointern -noverify -out /dev/null 2>err ||
		fail "openssl cms -verify rejects $1: $(cat err)"
}

test_fresh_tree_builds_and_signs_every_module() {
	signed_tree
	local n=0 m cn
	cn=$(cert_cn tree/keys/signing_key.x509)
	[ -n "$cn" ] || fail "certificate has no CN"
	for m in $EXPECTED_MODULES; do
		[ -f "tree/modules/$m.ko" ] || fail "modules/$m.ko was not built"
	done
	for m in tree/modules/*.ko; do
		openssl_verifies "$m" tree/keys/signing_key.x509
		expect_eq "$cn" "$(modinfo -F signer "$m")" "signer of $m"
		expect_eq sha256 "$(modinfo -F sig_hashalgo "$m")" "hash of $m"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || fail "only $n modules signed"
}

test_build_has_no_compiler_warning_on_6_1() {
	if grep -i 'warning' "$SUITE/sign.log"; then
		fail "the build printed warnings"
	fi
}

test_builds_and_signs_for_6_12_without_warning() {
	fresh_tree tree
	make "$JOBS" -C tree KDIR="$KDIR612" sign >log 2>&1 || fail "make sign for 6.12 failed: $(tail -n 20 log)"
	! grep -i warning log || fail "the 6.12 build printed warnings"
	local m n=0
	for m in tree/modules/*.ko; do
		grep -q "^$REL612 " <<<"$(modinfo -F vermagic "$m")" || fail "$m not built for $REL612"
		openssl_verifies "$m" tree/keys/signing_key.x509
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || fail "only $n modules for 6.12"
}

test_signer_modsign_gives_the_same_bytes() {
	built_tree
	cp -a tree/modules by-sign-file
	# Every module signed by another key: modsign re-signs them all.
	openssl req -new -x509 -nodes -batch -subj "/CN=someone else" -days 2 \
		-newkey rsa:2048 -keyout other.pem -outform DER -out other.x509 2>/dev/null
	local m
	for m in tree/modules/*.ko; do
		"$KDIR61/scripts/sign-file" sha256 other.pem other.x509 "$m"
	done
	make -C tree KDIR="$KDIR61" sign SIGNER=modsign >log 2>&1 || fail "make sign SIGNER=modsign failed: $(tail log)"
	no_rebuild log
	expect_file_contains log "RESIGN  $TREE/modules/hello-1.ko"
	expect_file_contains log "modsign: 10 signed, 0 already signed"
	for m in by-sign-file/*.ko; do
		cmp "$m" "tree/modules/$(basename "$m")" || fail "$(basename "$m") differs between sign-file and modsign"
	done
	expect_exit 2 make -s -C tree sign SIGNER=openssl KDIR="$KDIR61"
	expect_file_contains err "SIGNER=openssl: choose sign-file or modsign"
}

test_make_verify_accepts_signed_and_rejects_tampered() {
	signed_tree
	expect_exit 0 make -s -C tree verify
	expect_file_contains out "OK $PWD/tree/modules/hello-1.ko"
	# One byte changed in the module's code: the signature no longer holds.
	printf 'X' | dd of=tree/modules/hello-2.ko bs=1 seek=200 conv=notrunc 2>/dev/null
	expect_exit 2 make -s -C tree verify
	expect_file_contains out "FAIL $PWD/tree/modules/hello-2.ko: signature does not verify"
}

# A user's login PATH on Debian 12 and 13 has no /sbin or /usr/sbin, where
# kmod puts modinfo: make sign and make verify run as that user must still
# find it (found on a fresh Debian 13 root: tests/trixie).
test_sign_and_verify_with_a_users_path() {
	built_tree
	expect_exit 0 env PATH=/usr/local/bin:/usr/bin:/bin make -C tree KDIR="$KDIR61" sign
	expect_file_contains out "KEEP"
	expect_exit 0 env PATH=/usr/local/bin:/usr/bin:/bin make -s -C tree verify
	expect_file_contains out "OK $TREE/modules/hello-1.ko"
	expect_exit 0 env PATH=/usr/local/bin:/usr/bin:/bin make -s -C tree install DESTDIR="$PWD/root"
	[ -n "$(find root -name hello-1.ko)" ] || fail "make install put no hello-1.ko under DESTDIR"
}

# A clone in a home folder of mode 0700 (Debian 13's default): the suites
# that run tools as nobody still pass (tests/run.sh runs them from a view
# of the tree that nobody can reach).
test_suites_pass_from_a_home_of_mode_0700() {
	mkdir -m 700 home
	fresh_tree home/modsign
	expect_exit 0 bash home/modsign/tests/run.sh enroll
	expect_file_contains out "the user nobody cannot reach $PWD/home/modsign"
	grep -q '^check: [1-9][0-9]* passed, 0 failed$' out || fail "the enroll suite did not pass: $(grep -E '^(FAIL|check:)' out)"
	# the view is at the same path every run, and is no mount afterwards
	local view
	view=$(sed -n 's/.* the suites run from \(.*\), a view of it.*/\1/p' out)
	[ -d "$view" ] || fail "no view folder named: $(grep 'view' out)"
	! mountpoint -q "$view" || fail "$view is still a mount point"
	expect_exit 0 bash home/modsign/tests/run.sh enroll
	expect_file_contains out "the suites run from $view,"
	rmdir "$view" "${view%/tree}"
}

# A clone that moved (or tests/run.sh's view of it): the cache's env files
# and unpacked headers' Makefiles named the old place; fetch-debian.sh
# points them at the new one.
test_moved_cache_paths_follow() {
	mkdir -p old/kernels/x/headers/usr/src/linux-headers-x
	echo "MODDIR=$PWD/old/kernels/x/image" >old/kernels/x/env
	echo "include $PWD/old/kernels/x/headers/usr/src/y/Makefile" >old/kernels/x/headers/usr/src/linux-headers-x/Makefile
	echo "$PWD/old" >old/.where
	mv old new
	expect_exit 0 env MODSIGN_CACHE="$PWD/new" bash "$TOP/vm/fetch-debian.sh" archive debian
	expect_eq "MODDIR=$PWD/new/kernels/x/image" "$(cat new/kernels/x/env)" "env file"
	expect_eq "include $PWD/new/kernels/x/headers/usr/src/y/Makefile" \
		"$(cat new/kernels/x/headers/usr/src/linux-headers-x/Makefile)" "headers' Makefile"
	expect_eq "$PWD/new" "$(cat new/.where)" ".where"
}

# In place: Kbuild rebuilds a tree that moved (its commands name the path).
test_second_sign_changes_no_byte() {
	built_tree
	(cd tree && find modules keys -type f -exec stat -c '%n %s %Y' {} + | sort && sha256sum modules/*.ko) >before
	make -C tree KDIR="$KDIR61" sign >log 2>&1 || fail "second make sign failed: $(tail log)"
	(cd tree && find modules keys -type f -exec stat -c '%n %s %Y' {} + | sort && sha256sum modules/*.ko) >after
	diff before after >&2 || fail "a second make sign changed files"
	expect_file_contains log "KEEP"
	expect_file_lacks log "SIGN  "
}

test_key_is_private() {
	signed_tree
	expect_eq 600 "$(stat -c %a tree/keys/signing_key.pem)" "key mode"
	expect_eq 700 "$(stat -c %a tree/keys)" "keys folder mode"
	openssl x509 -inform DER -in tree/keys/signing_key.x509 -noout -text >text
	expect_file_contains text "1.3.6.1.4.1.2312.16.1.2"
	expect_file_contains text "CA:FALSE"
	expect_file_contains text "Digital Signature"
	expect_file_contains text "X509v3 Subject Key Identifier"
	expect_file_contains text "X509v3 Authority Key Identifier"
	expect_file_contains text "Public-Key: (2048 bit)"
	# The key is ignored by git, so `git add -A` cannot commit it.
	(cd tree && git init -q && git add -A && git ls-files) >tracked
	expect_file_lacks tracked "signing_key"
}

test_make_keys_refuses_to_overwrite() {
	signed_tree
	sha256sum tree/keys/signing_key.pem tree/keys/signing_key.x509 >before
	expect_exit 2 make -s -C tree keys
	expect_file_contains err "already exists"
	expect_file_contains err "make rotate-keys"
	sha256sum -c --quiet before || fail "make keys changed the key pair"
	# Half a pair is not silently completed either.
	rm tree/keys/signing_key.x509
	expect_exit 1 env KEYDIR="$PWD/tree/keys" "$PWD/tree/scripts/make-keys.sh" ensure
	expect_file_contains err "only half of the key pair"
}

test_rotate_keys_keeps_the_old_pair() {
	signed_tree
	sha256sum tree/keys/signing_key.pem tree/keys/signing_key.x509 | awk '{print $1}' >old
	expect_exit 0 make -s -C tree rotate-keys KEY_BITS=3072
	local retired
	retired=$(find tree/keys/retired -mindepth 1 -maxdepth 1 -type d)
	[ -n "$retired" ] || fail "no retired/ folder"
	sha256sum "$retired/signing_key.pem" "$retired/signing_key.x509" | awk '{print $1}' >kept
	diff old kept || fail "the retired pair differs from the old one"
	expect_eq 600 "$(stat -c %a "$retired/signing_key.pem")" "retired key mode"
	cmp -s tree/keys/signing_key.pem "$retired/signing_key.pem" && fail "no new key was made"
	grep -q '(3072 bit)' <<<"$(openssl x509 -inform DER -in tree/keys/signing_key.x509 -noout -text)" ||
		fail "KEY_BITS=3072 was not honoured"
}

test_bad_key_variables_are_refused() {
	fresh_tree tree
	expect_exit 2 make -s -C tree keys KEY_BITS=1024
	expect_file_contains err "KEY_BITS=1024"
	expect_exit 2 make -s -C tree keys KEY_DAYS=soon
	expect_file_contains err "KEY_DAYS=soon"
	[ ! -e tree/keys/signing_key.pem ] || fail "a key was made anyway"
}

test_key_validity_follows_key_days() {
	fresh_tree tree
	expect_exit 0 make -s -C tree keys KEY_DAYS=30
	local end
	end=$(openssl x509 -inform DER -in tree/keys/signing_key.x509 -noout -enddate | cut -d= -f2)
	expect_eq "$(date -u -d '+30 days' +%Y-%m-%d)" "$(date -u -d "$end" +%Y-%m-%d)" "notAfter"
}

test_module_signed_by_another_key_is_resigned_once() {
	built_tree
	local m=tree/modules/hello-3.ko
	openssl req -new -x509 -nodes -batch -subj "/CN=someone else" -days 2 \
		-newkey rsa:2048 -keyout other.pem -outform DER -out other.x509 2>/dev/null
	"$KDIR61/scripts/sign-file" sha256 other.pem other.x509 "$m"
	expect_eq "someone else" "$(modinfo -F signer "$m")" "signer after foreign signing"
	make -C tree KDIR="$KDIR61" sign >log 2>&1 || fail "make sign failed: $(tail log)"
	no_rebuild log
	expect_file_contains log "RESIGN  $TREE/modules/hello-3.ko"
	openssl_verifies "$m" tree/keys/signing_key.x509
	expect_eq "$(cert_cn tree/keys/signing_key.x509)" "$(modinfo -F signer "$m")" "signer"
}

test_double_signed_module_is_stripped_to_one_signature() {
	built_tree
	cp tree/modules/hello-4.ko once-signed.ko
	local m=tree/modules/hello-4.ko
	"$KDIR61/scripts/sign-file" sha256 tree/keys/signing_key.pem tree/keys/signing_key.x509 "$m"
	make -C tree KDIR="$KDIR61" sign >log 2>&1 || fail "make sign failed"
	no_rebuild log
	expect_file_contains log "RESIGN  $TREE/modules/hello-4.ko"
	openssl_verifies "$m" tree/keys/signing_key.x509
	cmp "$m" once-signed.ko || fail "re-signed module differs from the once-signed one"
}

test_hash_comes_from_the_target_kernel_config() {
	signed_tree
	local kdir=$KDIR61
	mkdir fakekdir
	sed 's/^CONFIG_MODULE_SIG_HASH=.*/CONFIG_MODULE_SIG_HASH="sha512"/' "$kdir/.config" >fakekdir/.config
	ln -s "$kdir/scripts" fakekdir/scripts
	expect_exit 0 tree/scripts/sign-modules.sh fakekdir tree/keys/signing_key.pem tree/keys/signing_key.x509 tree/modules/hello-5.ko
	expect_eq sha512 "$(modinfo -F sig_hashalgo tree/modules/hello-5.ko)" "hash"
	openssl_verifies tree/modules/hello-5.ko tree/keys/signing_key.x509
}

# A sign-file that corrupts the file it was given and dies with SIGKILL, as a
# crash or power cut half-way through writing would.
test_interrupted_signing_leaves_the_module_intact() {
	unsigned_tree
	make -s -C tree keys >/dev/null
	mkdir -p fakekdir/scripts
	cat >fakekdir/scripts/sign-file <<-'EOF'
		#!/bin/sh
		# FAKE sign-file for the test: half-writes its target, then dies.
		truncate -s 100 "$4"
		kill -9 $$
	EOF
	chmod +x fakekdir/scripts/sign-file
	echo 'CONFIG_MODULE_SIG_HASH="sha256"' >fakekdir/.config
	sha256sum tree/modules/*.ko >before
	expect_exit 1 tree/scripts/sign-modules.sh fakekdir tree/keys/signing_key.pem tree/keys/signing_key.x509 tree/modules/hello-1.ko
	expect_file_contains err "sign-file failed (the module is unchanged)"
	sha256sum -c --quiet before || fail "a module changed"
	local left
	left=$(find tree/modules -name '.hello-1.ko.??????*')
	[ -z "$left" ] || fail "a temporary file was left behind: $left"
}

test_missing_kdir_is_a_clear_error() {
	fresh_tree tree
	expect_exit 2 make -s -C tree KDIR=/nonexistent sign
	expect_file_contains err "KDIR=/nonexistent is not a kernel build folder"
	# No headers anywhere: the error names the package.
	mkdir -p empty-lib empty-src
	expect_exit 1 env MODSIGN_MODULES_ROOT="$PWD/empty-lib" MODSIGN_SRC_ROOT="$PWD/empty-src" tree/scripts/kdir.sh
	expect_file_contains err "no kernel headers"
	expect_file_contains err "apt-get install linux-headers-$(uname -r)"
}

test_kdir_falls_back_to_newest_headers() {
	fresh_tree tree
	local d
	for d in linux-headers-6.1.0-9-amd64 linux-headers-6.1.0-10-amd64 linux-headers-6.1.0-10-common; do
		mkdir -p "src/$d"
		touch "src/$d/Makefile"
	done
	touch src/linux-headers-6.1.0-9-amd64/.config src/linux-headers-6.1.0-10-amd64/.config
	mkdir lib
	expect_exit 0 env MODSIGN_MODULES_ROOT="$PWD/lib" MODSIGN_SRC_ROOT="$PWD/src" tree/scripts/kdir.sh
	expect_eq "$PWD/src/linux-headers-6.1.0-10-amd64" "$(cat out)" "fallback KDIR"
	expect_file_contains err "notice: $PWD/lib/$(uname -r)/build does not exist"
	# The running kernel's own build folder wins when it exists.
	mkdir -p "lib/$(uname -r)/build"
	touch "lib/$(uname -r)/build/Makefile" "lib/$(uname -r)/build/.config"
	expect_exit 0 env MODSIGN_MODULES_ROOT="$PWD/lib" MODSIGN_SRC_ROOT="$PWD/src" tree/scripts/kdir.sh
	expect_eq "$PWD/lib/$(uname -r)/build" "$(cat out)" "default KDIR"
	[ ! -s err ] || fail "a notice was printed for the default: $(cat err)"
}

test_install_puts_signed_modules_under_destdir() {
	signed_tree
	local release=$REL61
	make -C tree KDIR="$KDIR61" install DESTDIR="$PWD/root" >log 2>&1 || fail "make install failed: $(tail log)"
	local m
	for m in $EXPECTED_MODULES; do
		cmp "tree/modules/$m.ko" "root/lib/modules/$release/updates/$m.ko" ||
			fail "$m.ko not installed as signed"
	done
	grep -q "^updates/hello-1.ko:" "root/lib/modules/$release/modules.dep" ||
		fail "depmod did not index the modules"
}

test_install_refuses_unsigned_modules() {
	unsigned_tree
	make -s -C tree keys >/dev/null
	expect_exit 2 make -s -C tree install DESTDIR="$PWD/root"
	expect_file_contains out "FAIL $PWD/tree/modules/hello-1.ko: not signed"
	[ ! -e root ] || fail "something was installed"
}

test_clean_removes_build_output_but_keeps_keys() {
	signed_tree
	make -C tree KDIR="$KDIR61" clean >log 2>&1 || fail "make clean failed"
	ls tree/modules/*.ko 2>/dev/null && fail "modules left after clean"
	[ -f tree/keys/signing_key.pem ] || fail "make clean removed the key"
}

test_help_lists_every_target() {
	fresh_tree tree
	expect_exit 0 make -s -C tree help
	# Every target the Makefile declares (its .PHONY lines), but `all`,
	# which plain `make` is.
	local t targets
	targets=$(awk '/^\.PHONY:/ { on = 1; sub(/^\.PHONY:/, "") }
		on { c = sub(/\\$/, ""); print; if (!c) on = 0 }' tree/Makefile |
		tr -s ' \t' '\n' | grep -v '^$' | grep -vx all | sort -u)
	[ "$(wc -l <<<"$targets")" -ge 20 ] || fail "only these targets read from the Makefile: $targets"
	for t in $targets; do
		grep -qE "^  make $t( |$)" out || fail "make help does not list $t: $(cat out)"
	done
}

test_deps_names_the_apt_line_when_not_root() {
	fresh_tree tree
	chmod -R a+rX "$T"
	# No headers anywhere: the headers package is what is missing.
	expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env MODSIGN_MODULES_ROOT=/nonexistent MODSIGN_SRC_ROOT=/nonexistent \
		bash tree/scripts/setup.sh build
	expect_file_contains err "sudo apt-get install -y --no-install-recommends"
	expect_file_contains err "linux-headers-"
}

# shell_files: every file of the tree that is a bash script, by name
# (*.sh) or by its first line (modsign-kit, dkms-sign-file, modsign-try,
# the tests' fakes, .ci/run), so that a new script without .sh is checked
# too.
shell_files() {
	local f first
	while IFS= read -r f; do
		[ -f "$f" ] || continue
		first=
		IFS= read -r first <"$f" || true
		if [[ "$f" == *.sh || "$first" == '#!'*bash* ]]; then
			printf '%s\n' "$f"
		fi
	done < <(git ls-files --cached --others --exclude-standard)
}

test_shell_scripts_are_shellcheck_clean() {
	cd "$TOP"
	local files
	mapfile -t files < <(shell_files)
	[[ " ${files[*]} " == *" scripts/modsign-kit "* ]] || fail "shell_files misses scripts/modsign-kit: ${files[*]}"
	# Ten files a shellcheck, one per CPU at once: xargs fails if any does.
	printf '%s\0' "${files[@]}" | xargs -0 -n 10 -P "$(nproc)" shellcheck -S style -x >"$T/sc" 2>&1 ||
		fail "shellcheck: $(head -c 1500 "$T/sc")"
}

# No pipeline in the kit's shell has a reader that can stop before its
# writer is done (head, grep -q, awk exit, sed q): under pipefail the
# writer's SIGPIPE fails the script, depending on timing and on the clone's
# path (tests/lib/early-exit-pipes.sh says why). The checker is shown to
# catch each form on a planted file, and to pass the safe forms.
test_no_pipeline_reader_stops_early() {
	cd "$TOP"
	local files
	mapfile -t files < <(shell_files)
	[ ${#files[@]} -gt 30 ] || fail "only ${#files[@]} shell files found"
	bash tests/lib/early-exit-pipes.sh "${files[@]}" >"$T/hits" ||
		fail "readers that stop early after a pipe: $(head -c 1500 "$T/hits")"
	cat >"$T/planted.sh" <<-'EOF'
		find . | head -n 1
		x=$(ls | grep -q a)
		find . -name '*.ko' |
			head -n 2
		ls | awk '{ print; exit }'
		ls | awk '
			{ print; exit }'
		ls | grep a >/dev/null
		ls | grep -m1 a
		ls | sed 5q
		ls | grep -c a || grep -q b <<<"$x"
		ls | awk 'NR <= 2' | sed -n 1p
	EOF
	expect_exit 1 bash tests/lib/early-exit-pipes.sh "$T/planted.sh"
	expect_eq "1 2 4 5 6 8 9 10" "$(cut -d: -f2 "$T/out" | tr '\n' ' ' | sed 's/ $//')" "lines flagged in the planted file"
}

# The tracked and new C: the modules, sign/ and the tests' C, against the
# top-level .clang-format.
test_c_sources_follow_clang_format() {
	cd "$TOP"
	local files drift
	mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
	[ ${#files[@]} -gt 20 ] || fail "only ${#files[@]} C files found"
	clang-format --dry-run -Werror --style=file "${files[@]}" >"$T/cf" 2>&1 || {
		drift=$(grep -oE '^[^:]+\.[ch]:' "$T/cf" | sort -u | tr -d ':' | tr '\n' ' ')
		fail "clang-format would change: ${drift:-$(head -c 600 "$T/cf")} (run clang-format -i on them)"
	}
}

# Every C file and script says its license in its first lines (after the
# shebang), and it is one that COPYING holds. One awk reads the first two
# lines of every file.
test_every_source_has_an_spdx_line() {
	cd "$TOP"
	local f files=() missing
	while IFS= read -r -d '' f; do
		[ -f "$f" ] && [ ! -L "$f" ] && files+=("$f")
	done < <(git ls-files -z --cached --others --exclude-standard)
	missing=$(awk '
		function judge() { if (file != "" && src && !ok) print file }
		FNR == 1 {
			judge()
			file = FILENAME; ok = 0
			src = FILENAME ~ /\.(c|h|sh)$/ || /^#!/
		}
		FNR > 2 { nextfile }
		/^(#|\/\/|\/\*) SPDX-License-Identifier: GPL-2\.0(-or-later)?( \*\/)?$/ { ok = 1 }
		END { judge() }' "${files[@]}")
	[ -z "$missing" ] ||
		fail "no SPDX-License-Identifier (GPL-2.0 or GPL-2.0-or-later) at the top of: ${missing//$'\n'/ }"
	grep -q 'Version 2, June 1991' COPYING ||
		fail "COPYING does not hold the GPL version 2"
}

run_tests "$@"
