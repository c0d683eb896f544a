#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# try/modsign-try (issue #26, docs/try.md): "will my module load under
# Secure Boot?" answered by booting it.
#
# First the wrong questions, which must be refused before anything boots
# (no QEMU runs in them): no module, an unknown option, a file that is not
# ELF, an ELF file that is not a module, one without .modinfo, a module
# for another architecture, a vermagic release no kernel here boots and a
# --kernel release it cannot fetch (both naming those it can), a
# certificate that does not parse (and PEM and DER ones that do), no
# qemu-system-x86_64 on PATH, no OVMF files in OVMF_DIR.
# Then, on each kernel in TRY_KERNELS (default "6.1 6.12 t6.12 t7": every
# kernel modsign-try boots), the kit's hello modules built against that
# kernel's headers (the host's for 6.1 and 6.12, the trixie build root's
# for t6.12 and t7: vm/trixie-root.sh) and signed with a fresh key
# (make keys KEYDIR=...), one run and one boot each, kernel_<S>: the
# kit-signed module and Debian's own vivid (which needs videodev, mc and
# nine more of the kernel's own modules, brought in by the release's
# modprobe) load; an unsigned, a tampered and a foreign-key copy are
# refused with the kernel's message; exit 1; the kernel chosen by their
# vermagic; the JSON fields of docs/try.md (WORK/answer.json) and the
# text answer; the key pre-enrolled really is in MokList and the kernel's
# .machine keyring; the certificate given in a PEM file after its private
# key, and the private keys are in no file the guest gets (initramfs, ESP,
# variables), and the search finds one planted there. On Debian 13's
# kernels (t6.12, t7), sid's v4l2loopback-dkms too, in the same boot
# (--dkms beside the modules: their kernel): trixie's dkms builds it in
# the trixie root's overlay, it is kept as .ko.xz with CRC32, signed with
# the suite's key, and loads with videodev and mc, making video0.
# installed_as_a_user: make install-tool's layout (the package's) run by
# nobody: its cache is the user's XDG cache (root's /var/cache/modsign, a
# clone's .cache), its default certificate modsign-kit's, the package
# lists fetched as nobody, nothing written into the installed files. On
# TRY_USER's kernel (default 6.12), kernel_<S> runs that installed
# modsign-try as nobody, with a cache of its own; on TRY_INSTALLED's
# (default t6.12) as root on the suite's cache, with its --dkms.
# mokmanager (on TRY_MOKMANAGER, default the first of TRY_KERNELS, or
# none): --mokmanager enrolls through shim's MokManager; the signed module
# loads, the foreign-key one is refused.
# --dkms: a file that is not a .deb, a .deb that is not a -dkms package or
# has no dkms.conf, a folder without dkms.conf, a key that is not the
# certificate's, --kernel all, a --kernel release it cannot fetch, modules
# of two kernels (no QEMU in these); a DKMS tree whose build fails (the
# sandbox's DKMS, make.log's end), on 6.1 and on t7 (trixie's dkms in the
# trixie root's overlay, the root unchanged after).
# v4l2loopback_dkms (on TRY_DKMS, default the first of TRY_KERNELS when it
# is 6.1 or 6.12, or none): modsign-try --dkms builds backports'
# v4l2loopback-dkms and the kit's modules/ tree with Debian's DKMS in the
# VM suite's sandbox (try/dkms-box.sh), signs them with the suite's key,
# and tries the eleven modules in one boot: all load, v4l2loopback through
# modprobe with videodev and mc, and /dev/video0 appears.
# Each boot's seconds are printed as `# ...` lines. ACCEL=kvm is passed on.
# The test_* functions are called through the harness:
# shellcheck disable=SC2317
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/harness.sh
. "$here/../lib/harness.sh"

TRY=$TOP/try/modsign-try
FETCH=$TOP/vm/fetch-debian.sh
TRY_KERNELS=${TRY_KERNELS:-6.1 6.12 t6.12 t7}
read -r first_kernel _ <<<"$TRY_KERNELS"
TRY_MOKMANAGER=${TRY_MOKMANAGER:-$first_kernel}
# the kernel of the --dkms test: 6.1 or 6.12, or none
case "$first_kernel" in
6.1 | 6.12) TRY_DKMS=${TRY_DKMS:-$first_kernel} ;;
*) TRY_DKMS=${TRY_DKMS:-none} ;;
esac
# the kernel whose boot runs the installed modsign-try as the user nobody
# (default 6.12 when in TRY_KERNELS, else none)
case " $TRY_KERNELS " in
*" 6.12 "*) TRY_USER=${TRY_USER:-6.12} ;;
*) TRY_USER=${TRY_USER:-none} ;;
esac
# the kernel whose boot (with --dkms) runs the installed copy as root
# (default t6.12 when in TRY_KERNELS, else none)
case " $TRY_KERNELS " in
*" t6.12 "*) TRY_INSTALLED=${TRY_INSTALLED:-t6.12} ;;
*) TRY_INSTALLED=${TRY_INSTALLED:-none} ;;
esac
SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-try-suite.XXXXXX")
# the installed kit (installed_try), which every user can read
INST=$(mktemp -d /tmp/modsign-try-inst.XXXXXX)
chmod 0755 "$INST"
export SHARED INST
trap 'rm -rf "$SHARED" "$INST"' EXIT
# the suite's own cache (the tree's .cache, or MODSIGN_CACHE)
# shellcheck source=vm/cache.sh
. "$TOP/vm/cache.sh"
CACHE=$(cache_dir "$TOP")
# a command as the user nobody, with no cache chosen for it
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups
	env -u MODSIGN_CACHE -u MODSIGN_TRY_WORK -u XDG_CACHE_HOME -u XDG_DATA_HOME -u MODSIGN_KEYDIR)

make -s -C "$TOP/sign" >"$SHARED/modsign-build.log" 2>&1 || {
	cat "$SHARED/modsign-build.log"
	echo "FAIL try/build-modsign: make -C sign failed"
	echo "test-try: 0 passed, 1 failed"
	exit 1
}
MODSIGN=$TOP/sign/modsign

# fake_module FILE VERMAGIC [E_MACHINE]: an object file that has what
# modsign-try asks of a module before it boots (ELF, relocatable, x86-64,
# .modinfo with a vermagic, FILE's name), with E_MACHINE patched in when
# given.
fake_module() {
	local c=$T/fake.c
	local name=${1##*/}
	printf '__attribute__((section(".modinfo"), used)) static const char v[] = "vermagic=%s";\n__attribute__((section(".modinfo"), used)) static const char n[] = "name=%s";\n' \
		"$2" "${name%%.*}" >"$c"
	gcc -c -o "$1" "$c" || fail "gcc -c failed"
	if [ -n "${3:-}" ]; then
		printf '%b' "\\x$(printf %02x $(($3 & 255)))\\x$(printf %02x $(($3 >> 8)))" |
			dd of="$1" bs=1 seek=18 conv=notrunc 2>/dev/null
	fi
}

# some_cert: a certificate (DER) in $T/c.der, its PEM in $T/c.pem.
some_cert() {
	openssl req -new -x509 -nodes -batch -days 2 -subj "/CN=modsign-try test" \
		-newkey rsa:2048 -keyout "$T/k.pem" -out "$T/c.pem" 2>/dev/null || fail "openssl req failed"
	openssl x509 -in "$T/c.pem" -outform DER -out "$T/c.der"
}

# installed_try: make install-tool PREFIX=/usr into INST (the layout of
# the Debian package, whose rules run it), once per run.
installed_try() {
	[ ! -x "$INST/usr/bin/modsign-try" ] || return 0
	make -s -C "$TOP" install-tool DESTDIR="$INST" PREFIX=/usr >"$SHARED/install.log" 2>&1 ||
		fail "make install-tool: $(tail -n 5 "$SHARED/install.log")"
}

# user_dir: U, a new folder of nobody's under /tmp (which nobody can
# reach, unlike the test's own), removed when the test ends (called as
# is, not in $(...), for the trap to be the test's).
user_dir() {
	U=$(mktemp -d /tmp/modsign-try-user.XXXXXX)
	chmod 0755 "$U"
	chown nobody: "$U"
	trap 'rm -rf "$U"' EXIT
}

# release_61: Debian 12's 6.1 release (fetch-debian.sh kernel 6.1).
release_61() {
	sed -n 's/^RELEASE=//p' "$(bash "$FETCH" kernel 6.1)"
}

test_usage_no_module() {
	expect_exit 2 "$TRY"
	expect_file_contains "$T/err" "modsign-try: ERROR: no module: give one or more .ko files"
}

test_usage_unknown_option() {
	expect_exit 2 "$TRY" --frobnicate x.ko
	expect_file_contains "$T/err" "modsign-try: ERROR: --frobnicate: unknown option"
	expect_exit 2 "$TRY" --timeout soon x.ko
	expect_file_contains "$T/err" "modsign-try: ERROR: --timeout soon: not a number of seconds"
	expect_exit 0 "$TRY" --help
	expect_file_contains "$T/out" "Usage: modsign-try"
}

test_not_a_module() {
	echo "hello" >"$T/text.ko"
	expect_exit 2 "$TRY" "$T/text.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/text.ko: not a module: not an ELF file"
	expect_exit 2 "$TRY" /bin/true
	expect_file_contains "$T/err" "modsign-try: ERROR: /bin/true: not a module: an ELF file of type"
	echo 'int f(void) { return 1; }' >"$T/plain.c"
	gcc -c -o "$T/plain.ko" "$T/plain.c"
	expect_exit 2 "$TRY" "$T/plain.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/plain.ko: not a module: no .modinfo section"
	expect_exit 2 "$TRY" "$T/missing.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/missing.ko: no such file"
	printf 'not xz' >"$T/bad.ko.xz"
	expect_exit 2 "$TRY" "$T/bad.ko.xz"
	expect_file_contains "$T/err" "not a module: it does not decompress with xz"
}

test_other_architecture() {
	fake_module "$T/arm.ko" "6.1.0-1-arm64 SMP mod_unload aarch64" 183
	expect_exit 2 "$TRY" "$T/arm.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/arm.ko: a module for another architecture (AArch64, 64-bit): this boots Debian's x86-64 (amd64) kernels only"
}

test_release_it_cannot_boot() {
	some_cert
	fake_module "$T/old.ko" "5.10.0-99-amd64 SMP mod_unload modversions "
	# PEM and DER certificates both parse: the refusal is the release's
	expect_exit 2 "$TRY" --cert "$T/c.pem" "$T/old.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/old.ko: built for 5.10.0-99-amd64 (its vermagic), which no kernel here boots: the releases it can boot are $(release_61) (6.1), "
	expect_file_contains "$T/err" "(t7); rebuild it against one, or give --kernel"
	expect_exit 2 "$TRY" --cert "$T/c.der" --kernel 5.10.0-99-amd64 "$T/old.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: --kernel 5.10.0-99-amd64: not a kernel this can fetch: the releases it can boot are $(release_61) (6.1), "
}

test_bad_certificate() {
	fake_module "$T/m.ko" "$(release_61) SMP mod_unload modversions "
	head -c 600 /dev/urandom >"$T/junk.der"
	expect_exit 2 "$TRY" --cert "$T/junk.der" "$T/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/junk.der: not a certificate: openssl x509 reads it neither as DER nor as PEM"
	expect_exit 2 "$TRY" --cert "$T/none.der" "$T/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/none.der: no such file"
}

test_no_qemu() {
	local d f
	some_cert
	fake_module "$T/m.ko" "$(release_61) SMP mod_unload modversions "
	# PATH: every command of the host but QEMU's
	mkdir -p "$T/bin"
	for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		for f in "$d"/*; do
			[ -x "$f" ] && [ ! -e "$T/bin/${f##*/}" ] && ln -s "$f" "$T/bin/${f##*/}"
		done
	done
	rm -f "$T/bin/qemu-system-x86_64"
	expect_exit 1 env PATH="$T/bin" "$TRY" --cert "$T/c.der" "$T/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: qemu-system-x86_64: not installed: apt-get install qemu-system-x86"
}

test_no_ovmf() {
	some_cert
	fake_module "$T/m.ko" "$(release_61) SMP mod_unload modversions "
	expect_exit 1 env OVMF_DIR="$T/no-ovmf" "$TRY" --cert "$T/c.der" "$T/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/no-ovmf/OVMF_CODE_4M.secboot.fd: missing: apt-get install ovmf"
	expect_file_lacks "$T/err" "booting"
}

# The installed modsign-try (make install-tool's layout, as the package's)
# run by a user: its cache is the user's XDG cache (root's is
# /var/cache/modsign, a clone's its .cache), its default certificate
# modsign-kit's key folder, and the package lists it needs to name the
# kernels it can boot are fetched there as that user; nothing is written
# into the installed files.
test_installed_as_a_user() {
	local u stamp
	installed_try
	user_dir
	u=$U
	stamp=$T/stamp
	touch "$stamp"
	fake_module "$u/old.ko" "5.10.0-99-amd64 SMP mod_unload modversions "
	some_cert
	cp "$T/c.pem" "$u/c.pem"
	chown -R nobody: "$u"
	expect_exit 0 env -u MODSIGN_CACHE "$INST/usr/bin/modsign-try" --help
	expect_file_contains "$T/out" "Downloads are cached in /var/cache/modsign (MODSIGN_CACHE)."
	expect_exit 0 env -u MODSIGN_CACHE "$TRY" --help
	expect_file_contains "$T/out" "Downloads are cached in $TOP/.cache (MODSIGN_CACHE)."
	expect_exit 0 "${AS_NOBODY[@]}" HOME="$u/home" XDG_CACHE_HOME="$u/xdg" "$INST/usr/bin/modsign-try" --help
	expect_file_contains "$T/out" "Downloads are cached in $u/xdg/modsign (MODSIGN_CACHE)."
	# no certificate: the kit's, where modsign-kit keeps it
	expect_exit 2 "${AS_NOBODY[@]}" HOME="$u/home" "$INST/usr/bin/modsign-try" "$u/old.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $u/home/.local/share/modsign/keys/signing_key.x509: no such file: modsign-kit keys (the kit's key), or give --cert CERT"
	# the releases it can boot, from package lists nobody fetched
	expect_exit 2 "${AS_NOBODY[@]}" HOME="$u/home" "$INST/usr/bin/modsign-try" --cert "$u/c.pem" "$u/old.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: $u/old.ko: built for 5.10.0-99-amd64 (its vermagic), which no kernel here boots: the releases it can boot are $(release_61) (6.1), "
	expect_file_contains "$T/err" "(t7); rebuild it against one, or give --kernel"
	for f in apt/lists/.updated apt-trixie/lists/.updated kernels/t7.pin; do
		[ -e "$u/home/.cache/modsign/$f" ] || fail "no $f in nobody's cache $u/home/.cache/modsign"
	done
	expect_eq nobody "$(stat -c %U "$u/home/.cache/modsign/apt/lists")" "the owner of nobody's package lists"
	# naming the releases downloaded no kernel (pins only)
	expect_eq "" "$(find "$u/home/.cache/modsign/kernels" -mindepth 1 -type d)" "kernels downloaded to name the releases"
	expect_eq "" "$(find "$INST" -newer "$stamp")" "what changed in the installed files"
}

# ACCEL: kvm or tcg, else a wrong question; unset, KVM where /dev/kvm is
# usable and /proc/cpuinfo (here MODSIGN_TRY_CPUINFO, a file of ours)
# has no hypervisor flag, else TCG. --help says which; nothing boots.
test_accelerator() {
	local kvm=TCG
	some_cert
	fake_module "$T/m.ko" "$(release_61) SMP mod_unload modversions "
	expect_exit 2 env ACCEL=hvf "$TRY" --cert "$T/c.der" "$T/m.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: ACCEL=hvf: not an accelerator this knows: kvm or tcg (or leave it unset)"
	printf 'flags\t\t: fpu vme de pse hypervisor lahf_lm\n' >"$T/guest-cpuinfo"
	printf 'flags\t\t: fpu vme de pse lahf_lm\n' >"$T/bare-cpuinfo"
	[ ! -w /dev/kvm ] || kvm=KVM
	expect_exit 0 env -u ACCEL MODSIGN_TRY_CPUINFO="$T/guest-cpuinfo" "$TRY" --help
	expect_file_contains "$T/out" "QEMU runs with TCG (ACCEL=kvm or tcg;"
	expect_exit 0 env -u ACCEL MODSIGN_TRY_CPUINFO="$T/bare-cpuinfo" "$TRY" --help
	expect_file_contains "$T/out" "QEMU runs with $kvm (ACCEL=kvm or tcg;"
	expect_exit 0 env ACCEL=tcg MODSIGN_TRY_CPUINFO="$T/bare-cpuinfo" "$TRY" --help
	expect_file_contains "$T/out" "QEMU runs with TCG (ACCEL=kvm or tcg;"
}

# trixie_root: the trixie build root; trixie_release T612|T7: its release.
trixie_root() {
	sed -n 's/^ROOT=//p' "$(bash "$TOP/vm/trixie-root.sh" env)"
}
trixie_release() {
	sed -n "s/^RELEASE_$1=//p" "$(bash "$TOP/vm/trixie-root.sh" env)"
}

test_make_try() {
	expect_exit 2 make -s -C "$TOP" try
	expect_file_contains "$T/err" "modsign: ERROR: make try: no module: give MODULE=path/to/module.ko or DKMS=foo-dkms.deb"
	some_cert
	echo "hello" >"$T/text.ko"
	expect_exit 2 make -s -C "$TOP" try MODULE="$T/text.ko" CERT="$T/c.der" KERNEL=t7
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/text.ko: not a module: not an ELF file"
	fake_module "$T/m.ko" "$(release_61) SMP mod_unload modversions "
	expect_exit 2 make -s -C "$TOP" try MODULE="$T/m.ko" KEYDIR="$T/nokeys"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/nokeys/signing_key.x509: no such file"
	# KERNELS= is KERNEL='s other spelling
	expect_exit 2 make -s -C "$TOP" try MODULE="$T/m.ko" CERT="$T/c.der" KERNELS=5.10.0-99-amd64
	expect_file_contains "$T/err" "modsign-try: ERROR: --kernel 5.10.0-99-amd64: not a kernel this can fetch"
	# DKMS= alone is a question too: each is given as --dkms
	echo "hello" >"$T/text-dkms.deb"
	expect_exit 2 make -s -C "$TOP" try DKMS="$T/text-dkms.deb" CERT="$T/c.der"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/text-dkms.deb: not a .deb"
}

# ---- the boots ----

# suite_keys: the suite's fresh key pair ($SHARED/keys, make keys) and a
# certificate nobody enrolled ($SHARED/foreign.*), once per run.
suite_keys() {
	[ ! -e "$SHARED/keys/signing_key.pem" ] || return 0
	fresh_tree "$SHARED/keytree"
	make -C "$SHARED/keytree" keys KEYDIR="$SHARED/keys" >"$SHARED/keys.log" 2>&1 || fail "make keys: $(tail -n 3 "$SHARED/keys.log")"
	openssl req -new -x509 -nodes -batch -days 2 -subj "/CN=modsign-try key nobody enrolled" \
		-newkey rsa:2048 -keyout "$SHARED/foreign.pem" -outform DER -out "$SHARED/foreign.x509" 2>/dev/null
}

# kit_modules SERIES: the kit's modules built for SERIES' kernel and
# signed with the suite's fresh key ($SHARED/keys, make keys), once per
# run, in $SHARED/SERIES: signed/, unsigned/, tampered/, foreign/
# (hello-1 signed, hello-2 unsigned, hello-4 tampered, hello-3 signed by
# a key nobody enrolled).
kit_modules() {
	local s=$1 d=$SHARED/$1 env kdir size
	[ ! -e "$d/done" ] || return 0
	rm -rf "$d"
	mkdir -p "$d"/{signed,unsigned,tampered,foreign}
	fresh_tree "$d/tree"
	suite_keys
	if [[ "$s" == t* ]]; then
		bash "$TOP/vm/trixie-root.sh" make "$s" "$d/tree" modules >"$d/build.log" 2>&1 ||
			fail "make modules in the trixie root for $s: $(tail -n 5 "$d/build.log")"
	else
		env=$(bash "$FETCH" kernel "$s") || fail "fetch-debian.sh kernel $s failed"
		kdir=$(sed -n 's/^KDIR=//p' "$env")
		make -C "$d/tree" modules KDIR="$kdir" >"$d/build.log" 2>&1 ||
			fail "make modules KDIR=$kdir: $(tail -n 5 "$d/build.log")"
	fi
	cp "$d/tree/modules/hello-1.ko" "$d/signed/"
	cp "$d/tree/modules/hello-2.ko" "$d/unsigned/"
	cp "$d/tree/modules/hello-4.ko" "$d/tampered/"
	cp "$d/tree/modules/hello-3.ko" "$d/foreign/"
	"$MODSIGN" sign "$SHARED/keys/signing_key.pem" "$SHARED/keys/signing_key.x509" \
		"$d/signed/hello-1.ko" "$d/tampered/hello-4.ko" >/dev/null || fail "modsign sign failed"
	"$MODSIGN" sign "$SHARED/foreign.pem" "$SHARED/foreign.x509" "$d/foreign/hello-3.ko" >/dev/null ||
		fail "modsign sign (foreign) failed"
	# one byte of the code changed, the signature kept
	size=$(stat -c %s "$d/tampered/hello-4.ko")
	printf 'X' | dd of="$d/tampered/hello-4.ko" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
	touch "$d/done"
}

# leaks KEY FILE: KEY's PEM lines or a 48-byte run of its DER (from byte
# 500 on: the private exponent and primes of an RSA key) are in FILE.
leaks() {
	python3 - "$1" "$2" <<-'EOF'
		import subprocess, sys
		pem = open(sys.argv[1], "rb").read()
		der = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-outform", "DER"],
		                     capture_output=True, check=True).stdout
		data = open(sys.argv[2], "rb").read()
		lines = [l for l in pem.splitlines() if l and not l.startswith(b"-----")]
		windows = [der[i:i + 48] for i in range(500, len(der) - 48, 48)]
		sys.exit(0 if any(x in data for x in lines + windows) else 1)
	EOF
}

# json_get FILTER: jq FILTER on the last JSON answer ($T/out).
json_get() {
	jq -r "$1" "$T/out"
}

expect_json() { # FILTER WANT
	local got
	got=$(json_get "$1") || fail "jq '$1' failed on: $(head -c 600 "$T/out")"
	expect_eq "$2" "$got" "$1"
}

# one_boot SERIES: the kit's four hello modules (signed, unsigned,
# tampered, foreign-key) and Debian's own vivid, and on Debian 13's
# kernels sid's v4l2loopback-dkms built by trixie's dkms, in one run and
# one boot: no --kernel (the vermagic names it), the certificate in PEM
# after its private key in the same file (which must not reach the
# guest), the text answer on standard output and the JSON in
# WORK/answer.json.
one_boot() {
	local s=$1 d t0 f k rel leaked='' vivid moddir dkms=() deb='' n=5
	local run=("$TRY") work=$T/work bundle=$T/bundle.pem u env who=''
	kit_modules "$s"
	d=$SHARED/$s
	env=$(bash "$FETCH" kernel "$s")
	moddir=$(sed -n 's/^MODDIR=//p' "$env")
	vivid=$(find "$moddir/kernel/drivers/media" -name 'vivid.ko*' | sed -n 1p)
	[ -n "$vivid" ] || fail "no vivid module in $moddir"
	# on TRY_USER's kernel: the installed modsign-try, run by the user
	# nobody, with its own cache in its home (the kernel and the boot
	# chain linked from the suite's cache, the rest fetched by nobody),
	# the modules and answer in a folder of nobody's
	if [ "$s" == "$TRY_USER" ]; then
		user_dir
		u=$U
		mkdir -p "$u/mods" "$u/home/.cache/modsign/kernels"
		cp -r "$d"/{signed,unsigned,tampered,foreign} "$u/mods/"
		d=$u/mods work=$u/work bundle=$u/bundle.pem
		cp "$CACHE"/kernels/*.pin "$u/home/.cache/modsign/kernels/"
		ln -s "$(dirname "$env")" "$u/home/.cache/modsign/kernels/"
		ln -s "$CACHE/boot" "$u/home/.cache/modsign/boot"
		installed_try
		run=("${AS_NOBODY[@]}" -C "$u" HOME="$u/home" MODSIGN_TRY_WORK="$work" "$INST/usr/bin/modsign-try")
		who='the installed modsign-try as nobody, '
	elif [ "$s" == "$TRY_INSTALLED" ]; then
		# the installed copy as root, on the suite's cache (--dkms too)
		installed_try
		run=(env MODSIGN_CACHE="$CACHE" "$INST/usr/bin/modsign-try")
		who='the installed modsign-try as root, '
	fi
	{ cat "$SHARED/keys/signing_key.pem" &&
		openssl x509 -inform DER -in "$SHARED/keys/signing_key.x509"; } >"$bundle"
	[ -z "${u:-}" ] || chown -R -h nobody: "$u"
	# on Debian 13's kernels, sid's v4l2loopback-dkms too (fetch-debian.sh
	# dkms-trixie), built by trixie's dkms in the trixie root's overlay
	# and signed with the bundle's key: --dkms in the same boot
	if [[ "$s" == t* ]]; then
		deb=$(sed -n 's/^V4L2LOOPBACK_DEB=//p' "$(bash "$FETCH" dkms-trixie)")
		[ -f "$deb" ] || fail "fetch-debian.sh dkms-trixie gave no V4L2LOOPBACK_DEB"
		dkms=(--key "$SHARED/keys/signing_key.pem" --dkms "$deb")
		n=6
	fi
	export MODSIGN_TRY_WORK=$work
	t0=$SECONDS
	expect_exit 1 "${run[@]}" --cert "$bundle" "${dkms[@]}" \
		"$d/signed/hello-1.ko" "$d/unsigned/hello-2.ko" "$d/tampered/hello-4.ko" "$d/foreign/hello-3.ko" "$vivid"
	cp "$T/out" "$T/text"
	cp "$work/answer.json" "$T/out"
	note "try/kernel_${s//./}: ${who}one boot, pre-enrolled key, $n modules and $(json_get '.kernels[0].kernel_modules_in_guest') of the kernel's own they need: $((SECONDS - t0)) s ($(json_get '.kernels[0].boot_seconds') s from QEMU's start${deb:+, $(json_get '.dkms[0].build_seconds') s of DKMS build})"
	# the refusals (JSON)
	expect_json '.kernels | length' 1
	expect_json '.kernels[0].series' "$s"
	expect_json '.kernels[0].error' null
	expect_json '.kernels[0].enrollment' pre-enrolled
	expect_json '.kernels[0].accel | IN("kvm", "tcg")' true
	expect_file_contains "$T/text" " s under $(json_get '.kernels[0].accel | ascii_upcase')"
	expect_json '.kernels[0].machine.secure_boot' true
	expect_json '.kernels[0].machine.lockdown' integrity
	expect_json '.kernels[0].machine.cert_in_mok_list' true
	expect_json '.kernels[0].machine.cert_in_proc_keys' true
	expect_json '.kernels[0].machine.cert_keyring' .machine
	expect_json '.all_loaded' false
	expect_json '.kernels[0].modules | length' "$n"
	expect_json '[.kernels[0].modules[0:5][].result] | join(" ")' "loaded refused refused refused loaded"
	expect_json '[.kernels[0].modules[0:5][].name] | join(" ")' "hello_1 hello_2 hello_4 hello_3 vivid"
	expect_json '[.kernels[0].modules[0:4][].check.verdict] | join(" ")' "load rejected rejected rejected"
	expect_json '[.kernels[0].modules[0:4][].check.reason] | join(" ")' "trusted-key unsigned bad-signature untrusted-key"
	expect_json '[.kernels[0].modules[].check_agreed] | all' true
	expect_json '.kernels[0].modules[0].unloaded' true
	expect_json '.kernels[0].modules[0].kernel_messages | any(. == "hello_1: loaded")' true
	expect_json '.kernels[0].modules[0].taint_after - .kernels[0].modules[0].taint_before' 4096
	expect_json '[.kernels[0].modules[1:4][].loader_message | test("Key was rejected by service")] | all' true
	expect_json '.kernels[0].modules[1].kernel_messages | any(. == "Loading of unsigned module is rejected")' true
	expect_json '.kernels[0].modules[3].kernel_messages | any(. == "Loading of module with unavailable key is rejected")' true
	expect_json '[.kernels[0].modules[1:4][] | .taint_after == .taint_before] | all' true
	# the private keys are in nothing the guest gets; the search finds one
	# where it was planted
	rel=$(json_get '.kernels[0].release')
	for f in "$work/$rel/initrd.img" "$work/$rel/vars.fd" "$work/$rel/esp"/* "$work/$rel/esp/EFI/BOOT"/*; do
		[ -f "$f" ] || continue
		for k in "$SHARED/keys/signing_key.pem" "$SHARED/foreign.pem"; do
			! leaks "$k" "$f" || leaked+=" ${k##*/} in ${f#"$work/"}"
		done
	done
	[ -z "$leaked" ] || fail "private key found:$leaked"
	cat "$work/$rel/initrd.img" "$SHARED/keys/signing_key.pem" >"$T/planted"
	leaks "$SHARED/keys/signing_key.pem" "$T/planted" || fail "the key search misses a PEM key planted in the initramfs"
	{ cat "$work/$rel/initrd.img" && openssl pkey -in "$SHARED/keys/signing_key.pem" -outform DER; } >"$T/planted"
	leaks "$SHARED/keys/signing_key.pem" "$T/planted" || fail "the key search misses a DER key planted in the initramfs"
	# the loads (the text answer)
	expect_file_contains "$T/text" "($s): Secure Boot on, lockdown integrity, key \"$(openssl x509 -inform DER -in "$SHARED/keys/signing_key.x509" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')\" in MokList, keyring .machine, pre-enrolled in the OVMF variables"
	expect_file_contains "$T/text" "$d/signed/hello-1.ko: LOADED"
	expect_file_contains "$T/text" "$d/unsigned/hello-2.ko: REFUSED ("
	expect_file_contains "$T/text" "$vivid: LOADED"
	expect_file_contains "$T/text" "hello_1: loaded"
	expect_file_contains "$T/text" "modsign check said: load (trusted-key), and the kernel agreed"
	awk -v f="  $vivid: LOADED" '$0 == f { on = 1; next } /^  [^ ]/ { on = 0 } on' "$T/text" >"$T/vivid.txt"
	expect_file_contains "$T/vivid.txt" "videodev: Linux video capture interface"
	expect_file_contains "$T/vivid.txt" "V4L2 capture device registered as video0"
	grep -qE '^    new in /dev: .*\bvideo0\b' "$T/vivid.txt" || fail "no 'new in /dev: ... video0' line for vivid in: $(head -c 1500 "$T/text")"
	expect_file_contains "$T/text" "modsign-try: not every module loaded"
	[ -n "$deb" ] || return 0
	local kept
	kept=$work/dkms/$rel/v4l2loopback/v4l2loopback.ko.xz
	expect_file_contains "$T/text" "DKMS package v4l2loopback $(sed -n 's/^V4L2LOOPBACK_VERSION=//p' "$(bash "$FETCH" dkms-trixie)" | sed 's/-.*//') ($deb): built for $rel in "
	expect_file_contains "$T/text" "$kept: LOADED"
	# v4l2loopback's own lines: loaded through modprobe, which brings the
	# videodev and mc it needs (the kernel's own; on Debian 13's kernels
	# they stay loaded after vivid's unload, so no videodev line here),
	# and its video0
	expect_eq videodev "$(modinfo -F depends "$kept")" "what $kept depends on"
	awk -v f="  $kept: LOADED" '$0 == f { on = 1; next } /^  [^ ]/ { on = 0 } on' "$T/text" >"$T/v4l2.txt"
	expect_file_contains "$T/v4l2.txt" "v4l2-loopback driver version "
	grep -qE '^    new in /dev: .*\bvideo0\b' "$T/v4l2.txt" || fail "no 'new in /dev: ... video0' line for v4l2loopback in: $(head -c 1500 "$T/text")"
	expect_file_contains "$T/v4l2.txt" "modsign check said: load (trusted-key), and the kernel agreed"
	# the form trixie's dkms gave it: .ko.xz with the CRC32 check the
	# kernel's decoder reads; signed with the suite's key
	expect_eq CRC32 "$(xz --robot --list "$kept" | awk -F'\t' '$1 == "file" { print $7 }')" "the xz check of $kept"
	expect_eq "$(openssl x509 -inform DER -in "$SHARED/keys/signing_key.x509" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')" \
		"$(modinfo -F signer "$kept")" "the signer of $kept"
	for f in "$work/$rel/initrd.img" "$work/$rel/vars.fd"; do
		! leaks "$SHARED/keys/signing_key.pem" "$f" || fail "the private key of --cert's file is in ${f#"$T/"}"
	done
}

for s in $TRY_KERNELS; do
	case "$s" in
	6.1 | 6.12 | t6.12 | t7) ;;
	*)
		echo "test-try: ERROR: TRY_KERNELS: unknown series '$s' (6.1, 6.12, t6.12, t7)" >&2
		exit 2
		;;
	esac
	eval "test_kernel_${s//./}() { one_boot $s; }"
done

test_mokmanager() {
	local s=$TRY_MOKMANAGER d t0
	[ "$s" != none ] || return 0
	kit_modules "$s"
	d=$SHARED/$s
	export MODSIGN_TRY_WORK=$T/work
	t0=$SECONDS
	expect_exit 1 "$TRY" --json --mokmanager --kernel "$s" --cert "$SHARED/keys/signing_key.x509" \
		"$d/signed/hello-1.ko" "$d/foreign/hello-3.ko"
	note "try/mokmanager: $s, three boots (enroll, MokManager, tries): $((SECONDS - t0)) s"
	expect_json '.kernels[0].enrollment' mokmanager
	expect_json '.kernels[0].enroll_step.exit' 0
	expect_json '.kernels[0].mokmanager_enrolled' true
	expect_json '.kernels[0].machine.cert_in_mok_list' true
	expect_json '[.kernels[0].modules[].result] | join(" ")' "loaded refused"
	expect_json '[.kernels[0].modules[].check_agreed] | all' true
	# the one-time MokManager password is in no log
	local pw
	pw=$(cat "$T"/work/*/payload/mok-password)
	local hits
	hits=$(grep -haF -- "$pw" "$T"/work/*/serial-*.log "$T"/work/*/run-qemu-*.txt) || hits=
	[ -z "$hits" ] || fail "the MOK password is in a log: $(tr -d '\r' <<<"$hits" | sed "s/$pw/<password>/g" | cut -c 1-300 | sed -n 1,3p)"
}

# ---- --dkms: a DKMS package built in the sandbox, then tried ----

# a_deb NAME: a .deb of package NAME with no files ($T/NAME.deb).
a_deb() {
	mkdir -p "$T/deb-$1/DEBIAN"
	printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: modsign tests <tests@example.org>\nDescription: a test package\n' \
		"$1" >"$T/deb-$1/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$T/deb-$1" "$T/$1.deb" >/dev/null || fail "dpkg-deb -b failed"
}

test_dkms_wrong_package() {
	some_cert
	echo "hello" >"$T/text.deb"
	expect_exit 2 "$TRY" --dkms "$T/text.deb" --cert "$T/c.der" --key "$T/k.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/text.deb: not a .deb: dpkg-deb cannot read it"
	a_deb hello
	expect_exit 2 "$TRY" --dkms "$T/hello.deb" --cert "$T/c.der" --key "$T/k.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/hello.deb: not a DKMS package: its package, hello, is not a *-dkms one"
	a_deb hello-dkms
	expect_exit 2 "$TRY" --dkms "$T/hello-dkms.deb" --cert "$T/c.der" --key "$T/k.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/hello-dkms.deb: not a DKMS package: it has no usr/src/NAME-VERSION/dkms.conf"
	mkdir -p "$T/tree"
	expect_exit 2 "$TRY" --dkms "$T/tree" --cert "$T/c.der" --key "$T/k.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/tree: no dkms.conf in this folder: a DKMS source tree has one"
	expect_exit 2 "$TRY" --dkms "$T/none" --cert "$T/c.der" --key "$T/k.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/none: no such file or folder"
	expect_exit 2 "$TRY" --dkms "$T/text.deb" --dkms
	expect_file_contains "$T/err" "modsign-try: ERROR: --dkms: needs a *-dkms .deb or a DKMS source tree"
}

test_dkms_wrong_key() {
	some_cert
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2>/dev/null
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/other.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/other.pem: not the private key of $T/c.der (their public keys differ): give --key the certificate's own key"
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/missing.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/missing.pem: no such file"
	# the default: signing_key.pem beside the certificate
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/signing_key.pem: no such file: give --key KEY, the certificate's private key"
	echo "not a key" >"$T/junk.pem"
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/junk.pem"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/junk.pem: not a private key: openssl pkey cannot read it"
	# a key without --dkms: modules are tried as given
	expect_exit 2 "$TRY" --key "$T/k.pem" --cert "$T/c.der" "$TOP/modules/hello-1.c"
	expect_file_contains "$T/err" "modsign-try: ERROR: --key: only with --dkms (modules are tried as they are given)"
	# one kernel per run: DKMS builds for it, and the modules are its
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/k.pem" --kernel all
	expect_file_contains "$T/err" "modsign-try: ERROR: --kernel all: --dkms builds for one kernel: give --kernel 6.1, 6.12, t6.12 or t7 (one run for each)"
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/k.pem" --kernel 5.10.0-99-amd64
	expect_file_contains "$T/err" "modsign-try: ERROR: --kernel 5.10.0-99-amd64: not a kernel this can fetch: the releases it can boot are $(release_61) (6.1), "
	fake_module "$T/m61.ko" "$(release_61) SMP mod_unload modversions "
	fake_module "$T/m7.ko" "$(trixie_release T7) SMP preempt mod_unload modversions "
	expect_exit 2 "$TRY" --dkms "$TOP/modules" --cert "$T/c.der" --key "$T/k.pem" "$T/m61.ko" "$T/m7.ko"
	expect_file_contains "$T/err" "modsign-try: ERROR: --dkms: builds for one kernel, and the modules given are for 2 (6.1 t7): give --kernel, or try them in separate runs"
}

# A DKMS source tree whose build fails: the error, with the end of DKMS's
# make.log, before anything boots (the sandbox and its dkms, no QEMU).
test_dkms_build_fails() {
	dkms_build_fails 6.1 "$(release_61)"
}

# The same on Debian 13's 7.x: trixie's dkms in an overlay over the
# trixie build root; the root is unchanged after.
test_dkms_build_fails_t7() {
	local fp
	fp=$(find "$(trixie_root)" -xdev -printf '%p %y %s %T@ %m %l\n' | LC_ALL=C sort | sha256sum)
	dkms_build_fails t7 "$(trixie_release T7)"
	expect_eq "$fp" "$(find "$(trixie_root)" -xdev -printf '%p %y %s %T@ %m %l\n' | LC_ALL=C sort | sha256sum)" "the trixie root's fingerprint"
}

# dkms_build_fails SERIES RELEASE
dkms_build_fails() {
	some_cert
	mkdir -p "$T/broken"
	printf '%s\n' 'PACKAGE_NAME="broken"' 'PACKAGE_VERSION="1.0"' 'MAKE[0]="make"' \
		'BUILT_MODULE_NAME[0]="broken"' 'DEST_MODULE_LOCATION[0]="/updates/dkms"' >"$T/broken/dkms.conf"
	printf 'all:\n\t@echo "broken: this build fails on purpose"; exit 1\n' >"$T/broken/Makefile"
	export MODSIGN_TRY_WORK=$T/work
	expect_exit 1 "$TRY" --dkms "$T/broken" --cert "$T/c.der" --key "$T/k.pem" --kernel "$1"
	expect_file_contains "$T/err" "modsign-try: ERROR: $T/broken: dkms build of broken 1.0 for $2: "
	expect_file_contains "$T/err" "broken: this build fails on purpose"
	expect_file_lacks "$T/err" "booting"
}

# A third-party module that no one here wrote, from its Debian package:
# modsign-try --dkms builds backports' v4l2loopback-dkms (fetch-debian.sh
# dkms) with Debian 12's dkms in the sandbox, and the kit's own modules/
# as a DKMS source tree, signs them with the suite's key (the default:
# signing_key.pem beside the certificate), and tries all eleven in one
# boot: v4l2loopback loads through modprobe with videodev and mc, and
# /dev/video0 appears; the private key is in nothing the guest gets.
test_v4l2loopback_dkms() {
	local s=$TRY_DKMS rel t0 deb k f
	[ "$s" != none ] || return 0
	suite_keys
	deb=$(sed -n 's/^V4L2LOOPBACK_DEB=//p' "$(bash "$FETCH" dkms)")
	[ -f "$deb" ] || fail "fetch-debian.sh dkms gave no V4L2LOOPBACK_DEB"
	export MODSIGN_TRY_WORK=$T/work
	t0=$SECONDS
	expect_exit 0 "$TRY" --json --kernel "$s" --cert "$SHARED/keys/signing_key.x509" --dkms "$deb" --dkms "$TOP/modules"
	note "try/v4l2loopback_dkms: two DKMS builds in the sandbox and one boot, 11 modules: $((SECONDS - t0)) s ($(json_get '[.dkms[].build_seconds] | add') s of DKMS builds, $(json_get '.kernels[0].boot_seconds') s from QEMU's start)"
	rel=$(json_get '.kernels[0].release')
	expect_json '[.dkms[] | "\(.name) \(.version)"] | join(", ")' "v4l2loopback 0.13.2, modsign-modules 1.0"
	expect_json '.dkms[0].modules | length' 1
	expect_json '.dkms[1].modules | length' 10
	expect_json '.kernels[0].modules | length' 11
	expect_json '[.kernels[0].modules[].result] | unique | join(" ")' loaded
	expect_json '[.kernels[0].modules[].check.verdict] | unique | join(" ")' load
	expect_json '.kernels[0].modules[0].name' v4l2loopback
	expect_json '.kernels[0].modules[0].devices_added | index("video0") != null' true
	expect_json '.kernels[0].modules[0].kernel_messages | any(test("^videodev: Linux video capture interface"))' true
	expect_json '.kernels[0].kernel_modules_in_guest >= 2' true
	for f in "$T/work/$rel/initrd.img" "$T/work/$rel/vars.fd"; do
		! leaks "$SHARED/keys/signing_key.pem" "$f" || fail "the private key is in ${f#"$T/"}"
	done
	# the signed modules are kept, signed with the suite's key
	k=$(json_get '.kernels[0].modules[0].file')
	[ -f "$k" ] || fail "the signed module $k is not kept"
	expect_eq "$(openssl x509 -inform DER -in "$SHARED/keys/signing_key.x509" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')" \
		"$(modinfo -F signer "$k")" "the signer of $k"
}

run_tests "$@"
