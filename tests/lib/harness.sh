# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Tiny test harness shared by every shell test suite.
#
# A suite sources this file, defines functions named test_<name>, and ends
# with `run_tests "$@"`. Each test runs in its own subshell, inside a fresh
# temporary directory (its working directory, also in $T), with
# `set -euo pipefail`, so the first failing command fails the test.
# The harness prints one `PASS name` or `FAIL name: detail` line per test and
# closes with `<suite>: N passed, N failed`; it exits 1 when any test failed.
#
# `run_tests NAME...` runs only the named tests. TEST_TIMES=1 prints each
# test's seconds as a `# name: N s` line.

# The repository's top folder, whatever the caller's working directory.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TOP

# note TEXT: a timing or a figure for the suite's output, as `# TEXT`.
# A test's own output goes to its log; fd 3 is the suite's stdout.
exec 3>&1
note() {
	echo "# $*" >&3
}

# fail MESSAGE: stop the current test with a reason.
fail() {
	printf '%s\n' "$*" >"$T/.fail-reason"
	exit 1
}

# expect_eq WANT GOT [WHAT]
expect_eq() {
	[ "$1" == "$2" ] || fail "${3:-value}: want '$1', got '$2'"
}

# expect_file_contains FILE TEXT: TEXT (a fixed string) is in FILE.
expect_file_contains() {
	grep -qF -- "$2" "$1" || fail "'$2' not in $(basename "$1"): $(head -c 600 "$1")"
}

# expect_file_lacks FILE TEXT
expect_file_lacks() {
	! grep -qF -- "$2" "$1" || fail "'$2' unexpectedly in $(basename "$1")"
}

# expect_exit CODE CMD...: runs CMD with stdout in $T/out and stderr in
# $T/err, and checks its exit code.
expect_exit() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" == "$want" ] ||
		fail "'$*' exited $got, want $want; stderr: $(head -c 800 "$T/err"); stdout: $(head -c 400 "$T/out")"
}

# fresh_tree DIR: a copy of the repository as a fresh clone would have it
# (tracked and new, not ignored, files), without build output or keys.
# Files already in DIR are replaced (-u), keeping the tree's times (-m).
fresh_tree() {
	local f dest
	mkdir -p "$1"
	dest=$(cd "$1" && pwd)
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# Deleted but not yet committed files are not in a clone.
			[ ! -e "$f" ] || printf '%s\0' "$f"
		done | cpio -0 -pdmu --quiet "$dest")
}

run_tests() {
	local suite names name passed=0 failed=0 rc
	suite=$(basename "$0" .sh)
	if [ $# -gt 0 ]; then
		names=("$@")
	else
		mapfile -t names < <(declare -F | awk '{print $3}' | sed -n 's/^test_//p')
	fi
	for name in "${names[@]}"; do
		T=$(mktemp -d "${TMPDIR:-/tmp}/modsign-test.XXXXXX")
		export T
		rc=0
		# In the background, then waited for: a subshell whose status
		# is tested (`( ... ) || rc=$?`) runs with set -e switched off,
		# so a failing command would not end the test.
		local t0=$SECONDS
		(
			cd "$T"
			set -euo pipefail
			"test_$name"
		) <&0 >"$T/.log" 2>&1 &
		wait "$!" || rc=$?
		[ -z "${TEST_TIMES:-}" ] || echo "# $name: $((SECONDS - t0)) s"
		if [ "$rc" == 0 ]; then
			echo "PASS $suite/$name"
			passed=$((passed + 1))
		else
			local why="exit $rc"
			[ -s "$T/.fail-reason" ] && why=$(cat "$T/.fail-reason")
			echo "FAIL $suite/$name: $why"
			sed 's/^/    | /' "$T/.log" | tail -n 25
			failed=$((failed + 1))
		fi
		[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
	done
	echo "$suite: $passed passed, $failed failed"
	[ "$failed" == 0 ]
}
