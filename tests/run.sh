#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the test suites and adds up their results.
#
#   tests/run.sh [SUITE...]    SUITE: docs build faults keys install enroll kernel dkms modsign fuzz openssl4 farm rotate vm
#                              (default: all, in that order)
#
# Each suite prints PASS/FAIL lines and result lines `<name>: N passed,
# N failed` (modsign has one per part of sign/Makefile's CHECK_PARTS); this
# script prints every suite's output and time, adds up the result lines, and
# closes with the total. It exits 1 when any suite failed or printed no
# result.
set -euo pipefail

# The suites run make themselves: nothing of the make that called this
# (its flags, command-line variables, exported settings) may leak into them.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KEYDIR KEY_BITS KEY_DAYS SIGNER \
	REPLACE_SIGNATURES KDIR
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

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
	[vm]="bash $here/vm/test-vm.sh"
)
order=(docs build faults keys install enroll kernel dkms modsign fuzz openssl4 farm rotate vm)
[ $# -eq 0 ] || order=("$@")

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
printf '  %s\n' "${summary[@]}"
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" == 0 ]
