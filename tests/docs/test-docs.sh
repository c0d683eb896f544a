#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The docs held to the tree (issue #23): every `modsign: ...` message, make
# target, modsign option, repository path and relative link quoted in
# README.md, docs/ and the folders' READMEs exists, and docs/design.md's
# layout table matches the tree (tests/docs/check-docs.py does the reading).
# Each check also runs on a copy of the tree with one planted error, and
# must fail there. Blocks marked `<!-- output: NAME -->` are compared with
# what the command prints on a fixture (output_NAME below).
#
#   tests/docs/test-docs.sh [NAME...]   run all tests, or the named ones
#
# The suite prints `docs: N passed, N failed`.
# The test_* functions are called through the harness:
# (SC2016: the backticks in single quotes are markdown, not shell.)
# shellcheck disable=SC2317,SC2016
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/harness.sh
. "$here/../lib/harness.sh"
CHECKER=$here/check-docs.py
# python3 writes no __pycache__ into the clone
export PYTHONDONTWRITEBYTECODE=1

# The options check asks sign/modsign itself.
make -s -C "$TOP/sign" modsign >/dev/null 2>&1 || make -s -C "$TOP/sign" || {
	echo "FAIL docs/build-modsign: make -C sign failed"
	echo "docs: 0 passed, 1 failed"
	exit 1
}
MODSIGN=$TOP/sign/modsign

# docs_ok CHECK: the check finds nothing in the tree.
docs_ok() {
	python3 "$CHECKER" --tree "$TOP" --modsign "$MODSIGN" "$1" >"$T/out" 2>&1 ||
		fail "$(cat "$T/out")"
}

# copy_tree: a copy of the tree in $T/tree, a git repository with every
# file added (the checker asks git which files are tracked or ignored).
copy_tree() {
	fresh_tree "$T/tree"
	(cd "$T/tree" && git init -q && git add -A) || fail "cannot make the copy a git repository"
}

# planted CHECK WANT: the check, on the copy, fails and names WANT.
planted() {
	local rc=0
	python3 "$CHECKER" --tree "$T/tree" --modsign "$MODSIGN" "$1" >"$T/out" 2>&1 || rc=$?
	[ "$rc" == 1 ] || fail "$1 exited $rc on the planted error, want 1: $(cat "$T/out")"
	expect_file_contains "$T/out" "$2"
}

# add FILE TEXT: TEXT appended to FILE of the copy (after a blank line).
add() {
	printf '\n%s\n' "$2" >>"$T/tree/$1"
}

test_messages_exist() { docs_ok messages; }
test_targets_exist() { docs_ok targets; }
test_options_exist() { docs_ok options; }
test_paths_exist() { docs_ok paths; }
test_links_resolve() { docs_ok links; }
test_layout_matches_tree() { docs_ok layout; }

test_messages_catches_a_wrong_one() {
	copy_tree
	# a real message, one word changed
	add docs/user-guide.md '```
modsign: ERROR: KDIR=/nonexistent is not a kernel build directory (no Makefile and .config there): point KDIR at installed headers, for example /usr/src/linux-headers-<release>
```'
	planted messages "docs/user-guide.md:"
	expect_file_contains "$T/out" "is not a kernel build directory"
	# in a code span, a message composed of two (NAME: and the reason)
	copy_tree
	add docs/modsign.md '`modsign: warning: old.x509: the certificate ran out on 2021-01-31`'
	planted messages "the certificate ran out on 2021-01-31"
}

test_targets_catches_a_missing_one() {
	copy_tree
	add docs/dkms.md 'Then run `sudo make dkms-frobnicate KERNELVER=6.1`.'
	planted targets "'make dkms-frobnicate': no target dkms-frobnicate"
}

test_options_catches_a_missing_one() {
	copy_tree
	add docs/modsign.md '```sh
modsign verify --cert keys/signing_key.x509 --frobnicate modules/*.ko
```'
	planted options "'--frobnicate' of 'modsign verify'"
	copy_tree
	add README.md '`modsign frobnicate`'
	planted options "'modsign frobnicate': no such command"
}

test_paths_catches_a_missing_one() {
	copy_tree
	add docs/testing.md 'See `tests/vm/no-such-helper.sh`.'
	planted paths "\`tests/vm/no-such-helper.sh\` is not in the tree"
}

test_links_catch_a_broken_one() {
	copy_tree
	add docs/status.md 'See [the guide](no-such-guide.md).'
	planted links "'no-such-guide.md': docs/no-such-guide.md does not exist"
	copy_tree
	add docs/status.md 'See [the table](testing.md#no-such-heading).'
	planted links "no heading #no-such-heading in docs/testing.md"
}

test_layout_catches_a_missing_row_and_path() {
	copy_tree
	# a top-level folder without its row
	sed -i '/^| `bench\/` |/d' "$T/tree/docs/design.md"
	planted layout "the tree's \`bench/\` has no row"
	# a tests/ folder the row does not name
	copy_tree
	mkdir -p "$T/tree/tests/newsuite"
	echo '#!/bin/bash' >"$T/tree/tests/newsuite/test-new.sh"
	(cd "$T/tree" && git add -A)
	planted layout "the \`tests/\` row does not name \`newsuite/\`"
	# a script named that is not in the tree
	copy_tree
	sed -i 's/`kdir.sh` (which headers)/`kdir.sh` (which headers), `gone.sh`/' "$T/tree/docs/design.md"
	planted layout "\`gone.sh\` is named but not in the tree"
}

# ---- claims issue #23 found wrong, each held to what it is about

DOCS=(README.md docs/*.md keys/README.md modules/README.md sign/README.md tests/dkms/README.md bench/README.md)

# number WORD: the number an English number word names (one to twenty)
number() {
	local words=(zero one two three four five six seven eight nine ten eleven twelve
		thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty) i
	for i in "${!words[@]}"; do
		[ "${words[$i]}" != "$1" ] || {
			echo "$i"
			return
		}
	done
	echo "not-a-number-word:$1"
}

test_claims_retired_folder_one_way() {
	local got
	# keys/README.md's spelling: retired/<date>-<kind>/
	got=$(
		cd "$TOP" || exit
		grep -no 'retired/<[^`]*' "${DOCS[@]}" | grep -v 'retired/<date>-<kind>/$' || true
	)
	[ -z "$got" ] || fail "the retired folder spelled another way than keys/README.md's retired/<date>-<kind>/: $got"
}

test_claims_readme_tests_row_names_every_suite() {
	local row order name missing=
	row=$(grep '^| `tests/` |' "$TOP/README.md")
	order=$(sed -n 's/^order=(\(.*\))$/\1/p' "$TOP/tests/run.sh")
	[ -n "$order" ] || fail "no order=(...) in tests/run.sh"
	for name in $order; do
		grep -q "\`$name\`" <<<"$row" || missing+=" $name"
	done
	[ -z "$missing" ] || fail "README's tests/ row does not name the suites:$missing ($row)"
	grep -qF "\`$order\`" "$TOP/docs/testing.md" || fail "docs/testing.md does not give run.sh's order '$order'"
}

test_claims_readme_sign_row_names_every_command() {
	local row cmds c missing=
	row=$(grep '^| `sign/` |' "$TOP/README.md")
	cmds=$("$MODSIGN" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }')
	[ -n "$cmds" ] || fail "modsign --help lists no command"
	for c in $cmds; do
		grep -q "\`$c\`" <<<"$row" || missing+=" $c"
	done
	[ -z "$missing" ] || fail "README's sign/ row does not name the commands:$missing ($row)"
}

test_claims_testing_counts() {
	local parts fuzzers w
	parts=$(grep -c '^CHECK_PARTS += ' "$TOP/sign/Makefile")
	fuzzers=$(make -s --no-print-directory -C "$TOP/sign" -f Makefile -f - print-fuzzers <<<'print-fuzzers: ; @echo $(FUZZ_NAMES)' | wc -w)
	w=$(sed -n 's/.*prints one per part of `CHECK_PARTS` in `sign\/Makefile`: \([a-z]*\)).*/\1/p' "$TOP/docs/testing.md")
	expect_eq "$parts" "$(number "${w:-none}")" "testing.md's count of the modsign suite's result lines"
	w=$(sed -n 's/.*shared by its \([a-z]*\) targets.*/\1/p' "$TOP/docs/testing.md")
	expect_eq "$fuzzers" "$(number "${w:-none}")" "testing.md's count of FUZZ_SECONDS's targets"
	w=$(sed -n 's/.*libFuzzer, with ASan and UBSan, runs \([a-z]*\) targets.*/\1/p' "$TOP/docs/testing.md")
	expect_eq "$fuzzers" "$(number "${w:-none}")" "testing.md's count of fuzz targets"
}

# A command block that runs a target which needs root runs it with sudo
# (`make help` marks them "(root)"; install and enroll write /lib/modules
# and EFI variables).
test_claims_root_targets_with_sudo() {
	local roots got
	roots=$(make -s --no-print-directory -C "$TOP" help | sed -n 's/^  make \([a-z-]*\) *(root).*/\1/p' | tr '\n' ' ')
	roots+="install enroll enroll-kernel"
	got=$(cd "$TOP" && python3 - "$roots" "${DOCS[@]}" <<'PY'
import re, sys
roots = set(sys.argv[1].split())
for f in sys.argv[2:]:
    fence = None
    for n, l in enumerate(open(f), 1):
        m = re.match(r"^\s*(```+)\s*(\S*)", l)
        if m and fence is None:
            fence = m.group(2)
            continue
        if m:
            fence = None
            continue
        if fence not in ("sh", "bash", "shell"):
            continue
        cmd = l.split("#", 1)[0]
        for part in re.split(r"&&|;|\|\|", cmd):
            w = part.split()
            if "make" not in w or "DESTDIR" in part or "-C" in w:
                continue
            i = w.index("make")
            targets = [x for x in w[i + 1:] if not x.startswith("-") and "=" not in x]
            if targets and targets[0] in roots and not ({"sudo", "as-root"} & set(w[:i])):
                print(f"{f}:{n}: {l.strip()}")
PY
)
	[ -z "$got" ] || fail "a target that needs root, run without sudo: $got"
}

# 6.12's module count, one way: every count of Debian's modules in the docs
# is the number of modules in the 6.1 or the 6.12 image the suites fetch.
test_claims_module_counts() {
	local env61 env612 n61 n612 got
	env61=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1) || fail "cannot fetch Debian's 6.1 kernel"
	env612=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12) || fail "cannot fetch bookworm-backports' 6.12 kernel"
	# shellcheck source=/dev/null
	n61=$(. "$env61" && find "$MODDIR" -name '*.ko*' | wc -l)
	# shellcheck source=/dev/null
	n612=$(. "$env612" && find "$MODDIR" -name '*.ko*' | wc -l)
	# a count of Debian's modules: 4000 to 4999 before "modules" or ".ko",
	# or after "Debian's" (a line break read as a space)
	got=$(cd "$TOP" && python3 - "$n61" "$n612" "${DOCS[@]}" <<'PY'
import re, sys
ok = set(sys.argv[1:3])
for f in sys.argv[3:]:
    text = open(f).read()
    for m in re.finditer(r"(?:Debian's\s+|\b)(4\d{3})\b(?=\s+(?:compressed\s+)?(?:modules|`\.ko))|Debian's\s+(\d+)\s+modules", text):
        n = m.group(1) or m.group(2)
        if n not in ok:
            print(f"{f}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}")
PY
	)
	[ -z "$got" ] || fail "module counts other than 6.1's $n61 and 6.12's $n612: $got"
}

# ---- quoted output: each block marked `<!-- output: NAME -->` is what
# output_NAME prints, on a fake machine (tests/modsign/fakeroot.sh) whose
# modules are small ELF files made with gcc (a .modinfo with the name and
# vermagic is all modsign reads of a module) and signed by sign/modsign
# with keys made here.

# shellcheck source=tests/modsign/fakeroot.sh
. "$TOP/tests/modsign/fakeroot.sh"

# elf_module OUT NAME RELEASE
elf_module() {
	printf '%s\n' \
		"static const char v[] __attribute__((used, section(\".modinfo\"))) = \"vermagic=$3 SMP preempt mod_unload modversions\";" \
		"static const char n[] __attribute__((used, section(\".modinfo\"))) = \"name=$2\";" >"$T/elf.c"
	gcc -c -o "$1" "$T/elf.c" || fail "gcc cannot make the module $2"
}

# new_key NAME CN: $T/NAME.key and $T/NAME.der
new_key() {
	openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 3650 -subj "/CN=$2" \
		-addext subjectKeyIdentifier=hash -keyout "$T/$1.key" -outform DER -out "$T/$1.der" \
		2>"$T/openssl.log" || fail "openssl req: $(cat "$T/openssl.log")"
}

# machine ROOT RELEASE: Debian under Secure Boot (lockdown integrity,
# sig_enforce Y), its config asking for sha256 signatures, /proc/keys with
# Debian's build key and the trusted keyrings a Debian kernel has
machine() {
	set_secure_boot "$1" 1
	set_setup_mode "$1" 0
	set_lockdown "$1" integrity
	set_sig_enforce "$1" Y
	mkdir -p "$1/proc/sys/kernel" "$1/boot"
	echo "$2" >"$1/proc/sys/kernel/osrelease"
	printf '%s\n' CONFIG_MODULE_SIG=y CONFIG_MODULE_SIG_ALL=y 'CONFIG_MODULE_SIG_HASH="sha256"' >"$1/boot/config-$2"
	mkdir -p "$1/var/lib/dpkg" # Debian 12's kmod
	printf '%s\n' 'Package: kmod' 'Status: install ok installed' 'Version: 30+20221128-1' >"$1/var/lib/dpkg/status"
	{
		keyring_line 0b1c2d3e .builtin_trusted_keys 1
		printf '1d2e3f4a I------     1 perm 1f030000     0     0 asymmetri Build time autogenerated kernel key: 5a1e0c0ffee0ddba11de7ec7ab1e5eed0fab1e00 X509.rsa 0fab1e00 []\n'
		keyring_line 2a3b4c5d .secondary_trusted_keys 2
		keyring_line 2a3b4c5f .machine "${3:-1}"
		keyring_line 2a3b4c5e .platform 2
	} >"$1/proc/keys"
}

# output_status_modules: docs/status.md's modules part of `modsign status`
# (the kit's key enrolled, Acme's key waiting in MokNew, DKMS's own key not
# enrolled)
output_status_modules() {
	local r=$T/root rel=6.1.0-57-amd64 kit="modsign module signing key for myhost 2026-12-06"
	local m=$T/root/lib/modules/6.1.0-57-amd64
	machine "$r" "$rel" 2
	new_key kit "$kit"
	new_key acme "Acme Corp driver signing key"
	new_key dkms "DKMS module signing key"
	key_line 3c4d5e10 "$kit" "$T/kit.der" >>"$r/proc/keys"
	set_moklist "$r" "$T/kit.der"
	set_moknew "$r" "$T/acme.der"
	mkdir -p "$r/var/lib/modsign" "$r/var/lib/dkms" "$m/updates/dkms" "$m/extra"
	cp "$T/kit.der" "$r/var/lib/modsign/signing_key.x509"
	cp "$T/dkms.der" "$r/var/lib/dkms/mok.pub"
	elf_module "$m/updates/hello.ko" hello "$rel"
	elf_module "$m/updates/greet.ko" greet "$rel"
	elf_module "$m/extra/acme.ko" acme "$rel"
	elf_module "$m/extra/mydriver.ko" mydriver "$rel"
	elf_module "$m/updates/dkms/v4l2loopback.ko" v4l2loopback "$rel"
	elf_module "$m/updates/dkms/vboxdrv.ko" vboxdrv "$rel"
	printf 'junk' >"$m/extra/junk.ko"
	{
		"$MODSIGN" sign "$T/kit.key" "$T/kit.der" "$m/updates/hello.ko" "$m/updates/greet.ko" &&
			"$MODSIGN" sign "$T/acme.key" "$T/acme.der" "$m/extra/acme.ko" &&
			"$MODSIGN" sign "$T/dkms.key" "$T/dkms.der" "$m"/updates/dkms/*.ko
	} >"$T/sign.log" 2>&1 || fail "modsign sign: $(cat "$T/sign.log")"
	"$MODSIGN" status --root "$r" --release "$rel" >"$T/status.out" 2>&1 || true
	sed -n '/^modules in /,$p' "$T/status.out"
}

# check_unsigned: `modsign check` of an unsigned module on Debian's 6.1
# under Secure Boot, the kit's key enrolled
check_unsigned() {
	local r=$T/root rel=6.1.0-56-amd64
	machine "$r" "$rel" 1
	new_key kit "modsign module signing key for myhost 2026-12-06"
	key_line 3c4d5e10 "modsign module signing key for myhost 2026-12-06" "$T/kit.der" >>"$r/proc/keys"
	set_moklist "$r" "$T/kit.der"
	elf_module "$T/u.ko" u "$rel"
	(cd "$T" && "$MODSIGN" check --root "$r" u.ko) >"$T/check.out" 2>&1 || true
}

# output_check_machine: docs/why-wont-it-load.md's machine block
output_check_machine() {
	check_unsigned
	sed -n '1,/^$/p' "$T/check.out" | sed '/^$/d'
}

# output_check_unsigned: docs/why-wont-it-load.md's unsigned module
output_check_unsigned() {
	check_unsigned
	sed -n '/^u.ko:/,$p' "$T/check.out"
}

# output_verify_cut: docs/user-guide.md's `make verify` lines (its
# verify-modules.sh) for a signed module cut inside the closing marker,
# one cut inside the signature, and one whose signature length is too big
output_verify_cut() {
	local n
	new_key kit "modsign module signing key for myhost 2026-12-06"
	mkdir -p "$T/v"
	elf_module "$T/v/m.ko" m 6.1.0-57-amd64
	"$MODSIGN" sign "$T/kit.key" "$T/kit.der" "$T/v/m.ko" >"$T/sign.log" 2>&1 || fail "modsign sign: $(cat "$T/sign.log")"
	n=$(stat -c %s "$T/v/m.ko")
	head -c $((n - 10)) "$T/v/m.ko" >"$T/v/cut-in-marker.ko"
	head -c $((n - 100)) "$T/v/m.ko" >"$T/v/cut-in-signature.ko"
	cp "$T/v/m.ko" "$T/v/bad-length.ko"
	# the top byte of the big-endian sig_len, 8 bytes into the 12-byte struct
	printf '\377' | dd of="$T/v/bad-length.ko" bs=1 seek=$((n - 40 + 8)) conv=notrunc status=none
	(cd "$T/v" && bash "$TOP/scripts/verify-modules.sh" "$T/kit.der" cut-in-marker.ko cut-in-signature.ko bad-length.ko 2>/dev/null) || true
}

# output_check_json_error: why-wont-it-load.md's `check --json` object of
# a file that is not a module, pretty-printed
output_check_json_error() {
	machine "$T/root" 6.1.0-56-amd64 1
	printf 'junk' >"$T/junk.ko"
	(
		cd "$T" || exit
		"$MODSIGN" check --json --root root junk.ko 2>/dev/null || true
	) | python3 -m json.tool
}

# same_output TREE NAME: the block NAME of TREE's docs is what output_NAME
# prints.
same_output() {
	python3 "$CHECKER" --tree "$1" --extract "$2" >"$T/want-$2" 2>&1 || fail "$(cat "$T/want-$2")"
	"output_${2//-/_}" >"$T/got-$2"
	diff -u "$T/want-$2" "$T/got-$2" >"$T/diff-$2" ||
		fail "the block <!-- output: $2 --> differs from what the command prints (- doc, + output): $(cat "$T/diff-$2")"
}

test_output_blocks_match() {
	local names name n=0
	names=$(cd "$TOP" && git grep -ho '<!-- output: [a-z-]* -->' -- '*.md' | sed 's/<!-- output: \(.*\) -->/\1/' | sort -u)
	for name in $names; do
		declare -F "output_${name//-/_}" >/dev/null || fail "no output_${name//-/_} in test-docs.sh for the block <!-- output: $name -->"
		same_output "$TOP" "$name"
		rm -rf "$T/root"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n marked output blocks: $names"
}

test_output_catches_a_changed_block() {
	copy_tree
	sed -i 's/^2 modules will load: 2 signed by the kit.s key$/3 modules will load: 3 signed by the kit'"'"'s key/' "$T/tree/docs/status.md"
	! cmp -s "$TOP/docs/status.md" "$T/tree/docs/status.md" || fail "the plant did not change docs/status.md"
	if (same_output "$T/tree" status-modules); then
		fail "a changed line of the status-modules block was not caught"
	fi
	expect_file_contains "$T/diff-status-modules" "-3 modules will load"
}

run_tests "$@"
