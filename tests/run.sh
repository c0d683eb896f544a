#!/usr/bin/env bash
# Runs the test suites and adds up their results.
#
#   tests/run.sh [SUITE...]    SUITE: build enroll modsign fuzz vm (default all)
#
# Each suite prints PASS/FAIL lines and closes with `<name>: N passed,
# N failed`; this script prints every suite's output, its time, and closes
# with the total. It exits 1 when any suite failed or printed no result.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

declare -A suites=(
	[build]=$here/build/test-build.sh
	[enroll]=$here/enroll/test-enroll.sh
	[modsign]=$here/modsign/run.sh
	[fuzz]=$here/modsign/fuzz.sh
	[vm]=$here/vm/test-vm.sh
)
order=(build enroll modsign fuzz vm)
[ $# -eq 0 ] || order=("$@")

total_pass=0 total_fail=0 summary=()
for name in "${order[@]}"; do
	script=${suites[$name]:-}
	[ -n "$script" ] || {
		echo "tests/run.sh: unknown suite '$name' (one of: ${!suites[*]})" >&2
		exit 2
	}
	echo "=== suite $name ($script)"
	start=$SECONDS
	log=$(mktemp)
	rc=0
	bash "$script" 2>&1 | tee "$log" || rc=$?
	secs=$((SECONDS - start))
	line=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "FAIL $name: the suite printed no result line (exit $rc)"
		total_fail=$((total_fail + 1))
		summary+=("$name: no result (exit $rc), ${secs}s")
		continue
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
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
