# shellcheck shell=bash
# The start that modsign's command suites (modsign.sh, batch.sh, verdicts.sh)
# share, sourced right after their `set -uo pipefail`: the harness, MODSIGN
# (default sign/modsign) as an absolute path, the sanitizer options, and
# Debian's 6.1 kernel (KDIR, MODDIR, RELEASE, ... from its env file, and
# SIGN_FILE, its scripts/sign-file). What goes wrong here ends the run with
# `<suite>: ERROR: ...`, the suite named after its file as the harness does.
# Also the helpers more than one suite uses: suite_error, fetch_kernel,
# need_tools, make_pair and vmlinuz_payload, and the fake roots of
# fakeroot.sh.

# shellcheck source=tests/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SUITE=$(basename "$0" .sh)

# shellcheck source=tests/modsign/fakeroot.sh
source "$(dirname "${BASH_SOURCE[0]}")/fakeroot.sh"

# suite_error MESSAGE: `<suite>: ERROR: MESSAGE` on stderr, and exit 1.
suite_error() {
	echo "$SUITE: ERROR: $*" >&2
	exit 1
}

# fetch_kernel SERIES: sources the env file of Debian's SERIES kernel
# (tests/lib/fetch-debian.sh downloads it once and caches it).
fetch_kernel() {
	local env_file
	env_file=$(bash "$TOP/tests/lib/fetch-debian.sh" kernel "$1") ||
		suite_error "cannot fetch Debian's $1 kernel (tests/lib/fetch-debian.sh kernel $1)"
	# shellcheck disable=SC1090
	source "$env_file"
}

# need_tools TOOL...: every TOOL is a command (or an executable path).
need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null ||
			suite_error "$tool is missing (see scripts/setup.sh test)"
	done
}

# make_pair NAME CN: a throwaway key pair in $SHARED (the suite's work area),
# NAME.key (PEM) and NAME.der (certificate, with a subjectKeyIdentifier).
make_pair() {
	openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 30 \
		-subj "/CN=$2" -addext "subjectKeyIdentifier=hash" \
		-keyout "$SHARED/$1.key" -outform DER -out "$SHARED/$1.der" \
		2>"$SHARED/openssl.log" || {
		cat "$SHARED/openssl.log" >&2
		exit 1
	}
}

# vmlinuz_payload OUT: the xz payload of Debian's kernel image ($VMLINUZ),
# decompressed into OUT; fails the test when the image has none.
vmlinuz_payload() {
	local off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || fail "no xz payload in $VMLINUZ"
	# xz stops at the padding after the stream and says so: ignore that
	tail -c +$((off + 1)) "$VMLINUZ" | xz -dc >"$1" 2>/dev/null || true
}

MODSIGN=${MODSIGN:-$TOP/sign/modsign}
[ -x "$MODSIGN" ] || suite_error "$MODSIGN is not built: run 'make -C sign' first"
MODSIGN=$(cd "$(dirname "$MODSIGN")" && pwd)/$(basename "$MODSIGN")
export MODSIGN
# A sanitizer report must never pass for modsign's own exit codes (1 and 2).
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=87:print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-exitcode=88}

fetch_kernel 6.1
# KDIR comes from the env file; the suites run SIGN_FILE
# shellcheck disable=SC2034
SIGN_FILE=$KDIR/scripts/sign-file
