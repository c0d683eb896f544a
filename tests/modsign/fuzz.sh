#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzzes modsign's parsers with libFuzzer: the trailer parser, `info` on whole
# files, `check`'s machine-state parsers, and the decompress/compress round
# trip of .ko.xz, .ko.zst and .ko.gz, and the certificates of a kernel image
# (sign/fuzz/).
#
#   tests/modsign/fuzz.sh            FUZZ_SECONDS (default 30) in all,
#                                    split between the targets
#
# In CI the fuzzers are smoke tests: 30 s from the seed corpus (Debian's
# smallest modules and the crafted seeds, `make -C sign fuzz`) finds a
# parser that crashes on the seeds or near them. A longer search stays one
# variable away: FUZZ_SECONDS=600 tests/modsign/fuzz.sh (or make -C sign
# fuzz, whose default is 60).
#
# Needs clang and the libclang-rt-N-dev of that clang (scripts/setup.sh test
# installs them: N is 14 on Debian 12, 19 on Debian 13).
# Fails when a target crashes; the input is kept in sign/build/fuzz/crashes-*.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || {
	echo "modsign: ERROR: FUZZ_SECONDS=$seconds: give a whole number of seconds" >&2
	exit 2
}
echo "fuzz: building and running the modsign fuzzers for $seconds s"
# One result line for tests/run.sh: the fuzz run is one test.
if nice make -C "$top/sign" -j2 fuzz FUZZ_SECONDS="$seconds"; then
	echo "fuzz: 1 passed, 0 failed"
else
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
