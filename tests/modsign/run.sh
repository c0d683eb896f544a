#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command tests of modsign, one of the parts `make -C sign check` runs.
# The list of the parts, in order, is CHECK_PARTS in sign/Makefile (the only
# one): the unit tests tests/modsign/unit_*.c, this and the other scripts
# here.
#
#   tests/modsign/run.sh [NAME...]
#
# MODSIGN names the binary to test (default sign/modsign). The tests live in
# modsign.sh (the harness names a suite after its file, so its lines read
# `PASS modsign/...` and `modsign: N passed, N failed`). Exits non-zero when
# any test failed.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/modsign.sh" "$@"
