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

run_tests "$@"
