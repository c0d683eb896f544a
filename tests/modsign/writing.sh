#!/usr/bin/env bash
# Fault tests of modsign (writing side, issue #12): what modsign writes and with which key: the PIN kept out of every message, folder locks between runs, attributes of the replaced module (xattrs, links, owner), key and certificate hygiene, no core dump with a key in memory.
#
#   tests/modsign/writing.sh [NAME...]   run all tests, or the named ones
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_tests "$@"
