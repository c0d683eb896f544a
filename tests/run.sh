#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the test suites and adds up their results.
#
#   tests/run.sh [SUITE...]    SUITE: docs build faults keys install enroll kernel dkms modsign fuzz openssl4 farm rotate deb trixie vm try
#                              (default: all, in that order)
#
# SKIP="SUITE..." (make check SKIP=...) leaves those suites out.
#
# Each suite prints PASS/FAIL lines and result lines `<name>: N passed,
# N failed` (modsign has one per part of sign/Makefile's CHECK_PARTS); this
# script prints every suite's output and time, adds up the result lines, and
# closes with the total. It exits 1 when any suite failed or printed no
# result.
set -euo pipefail

# The suites run make themselves: nothing of the make that called this
# (its flags, command-line variables, exported settings) may leak into them.
skip=${SKIP:-}
unset SKIP MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KEYDIR KEY_BITS KEY_DAYS SIGNER \
	REPLACE_SIGNATURES KDIR
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

# Suites run the kit's tools as the user nobody (setpriv), who must reach
# the tree: a clone in a home folder of mode 0700 (Debian 13's default for
# new users) is out of its reach. Run as root, such a tree is bind-mounted at
# /run/modsign-check/<hash of its path>/tree (root's, readable by all; the
# same path every run, since the suites' cache records absolute paths), in
# a mount namespace of this run's own, and the suites run from there.
if [ "$EUID" == 0 ] && [ "${MODSIGN_CHECK_VIEW:-}" != "$top" ] &&
	! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$top/tests/run.sh" 2>/dev/null; then
	view=/run/modsign-check/$(printf '%s' "$top" | sha256sum | cut -c1-16)/tree
	mkdir -p "$view"
	chmod 755 /run/modsign-check "${view%/tree}" "$view"
	echo "tests/run.sh: the user nobody cannot reach $top: the suites run from $view, a view of it in a private mount namespace"
	rc=0
	# in a chroot / is no mount point and cannot be made private: the new
	# namespace keeps the propagation the chroot's has
	prop=private
	mountpoint -q / || prop=unchanged
	# shellcheck disable=SC2016 # expanded by the inner shell
	SKIP=$skip MODSIGN_CHECK_VIEW=$view unshare --mount --propagation "$prop" -- \
		sh -c 'mount --bind "$1" "$2" && shift 2 && exec bash "$0" "$@"' \
		"$view/tests/run.sh" "$top" "$view" "$@" || rc=$?
	exit "$rc"
fi

declare -A suites=(
	[docs]="bash $here/docs/test-docs.sh"
	[build]="bash $here/build/test-build.sh"
	[faults]="bash $here/build/test-sign-faults.sh"
	[keys]="bash $here/build/test-keys.sh"
	[install]="bash $here/build/test-install.sh"
	[enroll]="bash $here/enroll/test-enroll.sh"
	[kernel]="bash $here/kernel/test-sign-kernel.sh"
	[dkms]="bash $here/dkms/test-dkms.sh"
	[modsign]="make -s -C $top/sign check"
	[fuzz]="bash $here/modsign/fuzz.sh"
	[openssl4]="bash $here/lib/openssl4-root.sh check"
	[farm]="bash $here/farm/test-farm.sh"
	[rotate]="bash $here/rotate/test-rotate.sh"
	[deb]="bash $here/deb/test-deb.sh"
	[trixie]="bash $here/trixie/test-trixie-host.sh"
	[vm]="bash $here/vm/test-vm.sh"
	[try]="bash $here/try/test-try.sh"
)
order=(docs build faults keys install enroll kernel dkms modsign fuzz openssl4 farm rotate deb trixie vm try)
[ $# -eq 0 ] || order=("$@")
for name in ${skip}; do
	[ -n "${suites[$name]:-}" ] || {
		echo "tests/run.sh: SKIP names an unknown suite '$name' (one of: ${!suites[*]})" >&2
		exit 2
	}
	for i in "${!order[@]}"; do
		[ "${order[$i]}" != "$name" ] || unset 'order[i]'
	done
done

total_pass=0 total_fail=0 summary=()
for name in "${order[@]}"; do
	cmd=${suites[$name]:-}
	[ -n "$cmd" ] || {
		echo "tests/run.sh: unknown suite '$name' (one of: ${!suites[*]})" >&2
		exit 2
	}
	echo "=== suite $name ($cmd)"
	start=$SECONDS
	log=$(mktemp)
	rc=0
	# shellcheck disable=SC2086  # the command is words without spaces
	$cmd 2>&1 | tee "$log" || rc=$?
	secs=$((SECONDS - start))
	lines=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" || true)
	rm -f "$log"
	if [ -z "$lines" ]; then
		echo "FAIL $name: the suite printed no result line (exit $rc)"
		total_fail=$((total_fail + 1))
		summary+=("$name: no result (exit $rc), ${secs}s")
		continue
	fi
	p=$(awk '{ for (i = 2; i <= NF; i++) if ($i == "passed,") n += $(i - 1) } END { print n + 0 }' <<<"$lines")
	f=$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^failed/) n += $(i - 1) } END { print n + 0 }' <<<"$lines")
	if [ "$rc" != 0 ] && [ "$f" == 0 ]; then
		echo "FAIL $name: the suite exited $rc"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary+=("$name: $p passed, $f failed, ${secs}s")
done

echo "=== summary"
[ ${#summary[@]} == 0 ] || printf '  %s\n' "${summary[@]}"
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" == 0 ]
