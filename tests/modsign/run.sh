#!/usr/bin/env bash
# The modsign test suite, as `make -C sign check` runs it:
#
#   tests/modsign/run.sh [NAME...]
#
# MODSIGN names the binary to test (default sign/modsign). The command tests
# live in modsign.sh (the harness names a suite after its file, so its lines
# read `PASS modsign/...` and `modsign: N passed, N failed`). The C unit
# tests of the trailer parser run from `make -C sign check` under ASan+UBSan,
# the fuzzers from fuzz.sh. Exits non-zero when any test failed.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/modsign.sh" "$@"
