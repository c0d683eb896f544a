#!/usr/bin/env bash
# Fault tests of modsign (reading side, issue #12): what modsign reads: FIFOs and other non-regular files, modules still being written, truncated ELF images, the size limit on reads and on decompression, and signals while a call blocks.
#
#   tests/modsign/reading.sh [NAME...]   run all tests, or the named ones
#
# MODSIGN names the binary under test (default sign/modsign; `make -C sign
# check` passes its ASan+UBSan build).
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run_tests "$@"
