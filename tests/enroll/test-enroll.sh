#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests for mok-enroll.sh, run against tests/enroll/fake-mokutil (a fake:
# this host has no EFI, and a real machine cannot be put into each state on
# demand; the Secure Boot VM test exercises the real mokutil).
#
# The script runs with PATH limited to bash, openssl, the fake mokutil and
# busybox's mktemp, rm and cat (when busybox is installed), as it would in
# the test VM's initramfs. Certificates are made at test time; no key
# material is kept.
#
# Needs: openssl, shellcheck; optional: busybox, setpriv (util-linux),
# expect, strace.

# shellcheck source-path=SCRIPTDIR source=../lib/harness.sh disable=SC1091
. "$(dirname "$0")/../lib/harness.sh"

SCRIPT=$TOP/mok-enroll.sh
FAKE=$TOP/tests/enroll/fake-mokutil
PW='Corr3ct horse:battery'

# One throwaway pair for the whole run (a key per test was a third of the
# suite's time), in a folder removed at exit; setup copies it.
PAIR=$(mktemp -d "${TMPDIR:-/tmp}/modsign-enroll.XXXXXX")
trap 'rm -rf "$PAIR"' EXIT
if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PAIR/signing_key.pem" \
	-out "$PAIR/cert.pem" -subj "/CN=modsign enroll test" -days 2 2>/dev/null ||
	! openssl x509 -in "$PAIR/cert.pem" -outform DER -out "$PAIR/cert.der"; then
	echo "test-enroll: ERROR: openssl cannot make the test certificate" >&2
	exit 1
fi

# setup: the throwaway certificate (cert.pem, cert.der, its key
# signing_key.pem) in $T, a fake mokutil state folder $T/mok with the key
# not enrolled and Secure Boot on, and a tool folder $T/bin.
setup() {
	cp "$PAIR/signing_key.pem" "$PAIR/cert.pem" "$PAIR/cert.der" "$T/"
	mkdir -p "$T/mok" "$T/tmp" "$T/bin"
	echo enabled >"$T/mok/sb"
	echo not-enrolled >"$T/mok/state"
	ln -s "$FAKE" "$T/bin/mokutil"
	ln -s "$BASH" "$T/bin/bash"
	ln -s "$(command -v openssl)" "$T/bin/openssl"
	local tool bb
	bb=$(command -v busybox || true)
	for tool in mktemp rm cat stat; do
		if [ -n "$bb" ]; then
			ln -s "$bb" "$T/bin/$tool"
		else
			ln -s "$(command -v "$tool")" "$T/bin/$tool"
		fi
	done
	printf '%s\n' "$PW" >"$T/pw"
	chmod 600 "$T/pw"
}

# enroll ARGS...: runs mok-enroll.sh in the test's environment.
enroll() {
	env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" "$BASH" "$SCRIPT" "$@"
}

# as_nobody ARGS...: runs mok-enroll.sh as the unprivileged user nobody (the
# real $EUID check, no test hook in the script).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" "$BASH" "$SCRIPT" "$@"
}

state_is() {
	expect_eq "$1" "$(cat "$T/mok/state")" "fake mokutil state"
}

no_change_calls() {
	if [ -e "$T/mok/calls" ]; then
		expect_file_lacks "$T/mok/calls" "--import"
		expect_file_lacks "$T/mok/calls" "--delete"
	fi
}

tmp_is_empty() {
	local left
	left=$(ls -A "$T/tmp")
	expect_eq "" "$left" "files left in TMPDIR"
}

# The password must appear in no output of the script and on no command line.
password_hidden() {
	expect_file_lacks "$T/out" "$PW"
	expect_file_lacks "$T/err" "$PW"
	[ ! -e "$T/mok/calls" ] || expect_file_lacks "$T/mok/calls" "$PW"
	[ ! -e "$T/mok/calls" ] || expect_file_lacks "$T/mok/calls" "Corr3ct"
}

# run_on_pty INPUT-LINE... -- ARGS...: runs mok-enroll.sh on a pseudo
# terminal (expect), typing each line once a password prompt is out (and
# half a second more: bash turns the echo off right after its prompt).
run_on_pty() {
	cat >"$T/pty.exp" <<'EOF'
set timeout 30
set sep [lsearch -exact $argv --]
spawn -noecho {*}[lrange $argv [expr {$sep + 1}] end]
foreach line [lrange $argv 0 [expr {$sep - 1}]] {
	expect {
		-re {(password|again): $} {}
		timeout { puts "no password prompt"; exit 3 }
		eof { puts "ended before a password prompt"; exit 3 }
	}
	sleep 0.5
	send -- "$line\r"
}
expect eof
exit [lindex [wait] 3]
EOF
	local lines=() rc=0
	while [ "$1" != -- ]; do
		lines+=("$1")
		shift
	done
	shift
	expect -f "$T/pty.exp" -- "${lines[@]}" -- \
		env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" "$BASH" "$SCRIPT" "$@" \
		>"$T/out" 2>"$T/err" || rc=$?
	echo "$rc"
}

# ---------------------------------------------------------------------------

test_help() {
	setup
	expect_exit 0 enroll --help
	expect_file_contains "$T/out" "Usage: mok-enroll.sh [--cert FILE] [--password-file FILE] [--dry-run]"
	expect_file_contains "$T/out" "--status"
	expect_file_contains "$T/out" "--revoke"
	expect_exit 0 enroll -h
}

test_usage_errors() {
	setup
	local args
	for args in "--bogus" "extra" "--cert" "--password-file" "--status --revoke" \
		"--status --dry-run" "--status --password-file pw" "--cert="; do
		# shellcheck disable=SC2086 # split on purpose
		expect_exit 2 enroll $args
		expect_eq 1 "$(wc -l <"$T/err")" "stderr lines for '$args'"
		expect_file_contains "$T/err" "mok-enroll.sh: ERROR: "
		expect_file_contains "$T/err" "--help"
	done
	[ ! -e "$T/mok/calls" ] || fail "mokutil was run on a usage error"
}

test_not_root() {
	setup
	command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed for this test"
	chmod 755 "$T"
	expect_exit 1 as_nobody --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "mok-enroll.sh: ERROR: "
	expect_file_contains "$T/err" "needs root"
	expect_file_contains "$T/err" "sudo "
	[ ! -e "$T/mok/calls" ] || fail "mokutil was run without root"
	# --revoke too
	expect_exit 1 as_nobody --revoke --cert "$T/cert.der"
	expect_file_contains "$T/err" "needs root"
}

test_status_without_root() {
	setup
	command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed for this test"
	chmod 755 "$T"
	chmod 777 "$T/mok"
	chmod 644 "$T/cert.der"
	echo pending >"$T/mok/state"
	expect_exit 0 as_nobody --status --cert "$T/cert.der"
	expect_eq "status: pending (Secure Boot enabled)" "$(cat "$T/out")" "status line"
}

test_mokutil_missing() {
	setup
	rm "$T/bin/mokutil"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "mok-enroll.sh: ERROR: mokutil not found"
	expect_file_contains "$T/err" "apt-get install mokutil"
	expect_exit 1 enroll --status --cert "$T/cert.der"
	expect_file_contains "$T/err" "apt-get install mokutil"
}

test_mokutil_env_var() {
	setup
	mv "$T/bin/mokutil" "$T/bin/other-mokutil"
	expect_exit 0 env MOKUTIL="$T/bin/other-mokutil" PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" \
		"$BASH" "$SCRIPT" --status --cert "$T/cert.der"
	expect_eq "status: not-enrolled (Secure Boot enabled)" "$(cat "$T/out")" "status line"
	expect_exit 1 env MOKUTIL="$T/nowhere/mokutil" PATH="$T/bin" FAKE_MOK_DIR="$T/mok" \
		"$BASH" "$SCRIPT" --status --cert "$T/cert.der"
	expect_file_contains "$T/err" "MOKUTIL=$T/nowhere/mokutil is not an executable program"
}

test_no_efi() {
	setup
	touch "$T/mok/noefi"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "EFI variables are not supported on this system"
	expect_file_contains "$T/err" "legacy BIOS"
	expect_file_contains "$T/err" "unsigned modules anyway"
	no_change_calls
	expect_exit 1 enroll --status --cert "$T/cert.der"
	expect_eq "" "$(cat "$T/out")" "status stdout without EFI"
	expect_exit 1 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	no_change_calls
}

test_secure_boot_disabled_note() {
	setup
	echo disabled >"$T/mok/sb"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "Secure Boot is disabled"
	expect_file_contains "$T/err" "not needed until Secure Boot is turned on"
	state_is pending
}

test_private_key_refused_unopened() {
	setup
	# A FIFO named like the kit's private key: opening it would block, so a
	# quick refusal proves the script never opened it.
	mkdir "$T/keys"
	mkfifo "$T/keys/signing_key.pem"
	expect_exit 1 timeout 20 env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" \
		"$BASH" "$SCRIPT" --cert "$T/keys/signing_key.pem" --password-file "$T/pw"
	expect_file_contains "$T/err" "mok-enroll.sh: ERROR: "
	expect_file_contains "$T/err" "private key"
	expect_file_contains "$T/err" ".x509"
	mkfifo "$T/keys/module.key"
	expect_exit 1 timeout 20 env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" \
		"$BASH" "$SCRIPT" --status --cert "$T/keys/module.key"
	expect_file_contains "$T/err" "private key"
	[ ! -e "$T/mok/calls" ] || fail "mokutil was run for a private key"
	# With strace, where it works: no open of the real key file at all.
	if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
		expect_exit 1 strace -f -e trace=open,openat -o "$T/trace" \
			env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" \
			"$BASH" "$SCRIPT" --cert "$T/signing_key.pem" --password-file "$T/pw"
		expect_file_contains "$T/err" "private key"
		expect_file_contains "$T/trace" "mok-enroll.sh"
		expect_file_lacks "$T/trace" "signing_key.pem"
	fi
}

test_non_certificate_refused() {
	setup
	# A private key under a neutral name is read by openssl x509 and refused.
	cp "$T/signing_key.pem" "$T/kit.pem"
	expect_exit 1 enroll --cert "$T/kit.pem" --password-file "$T/pw"
	expect_file_contains "$T/err" "mok-enroll.sh: ERROR: "
	expect_file_contains "$T/err" "is not an X.509 certificate"
	echo "hello" >"$T/notes.crt"
	expect_exit 1 enroll --cert "$T/notes.crt" --password-file "$T/pw"
	expect_file_contains "$T/err" "is not an X.509 certificate"
	expect_exit 1 enroll --cert "$T/missing.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "certificate not found"
	expect_exit 1 enroll --cert "$T" --password-file "$T/pw"
	expect_file_contains "$T/err" "not a regular file"
	[ ! -e "$T/mok/calls" ] || fail "mokutil was run for a non-certificate"
	tmp_is_empty
}

test_pem_converted_to_der() {
	setup
	expect_exit 0 enroll --cert "$T/cert.pem" --password-file "$T/pw"
	expect_file_contains "$T/err" "converted the PEM certificate"
	openssl x509 -inform DER -in "$T/mok/imported.der" -noout ||
		fail "the fake did not receive a DER certificate"
	cmp -s "$T/cert.der" "$T/mok/imported.der" || fail "the DER given to mokutil differs from the certificate"
	expect_file_lacks "$T/mok/calls" "cert.pem"
	state_is pending
	tmp_is_empty
}

test_der_used_as_is() {
	setup
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/mok/calls" "--import $T/cert.der"
	tmp_is_empty
}

test_default_certificate() {
	setup
	mkdir -p "$T/kit/keys"
	cp "$SCRIPT" "$T/kit/mok-enroll.sh"
	expect_exit 1 env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" "$BASH" "$T/kit/mok-enroll.sh" --status
	expect_file_contains "$T/err" "no certificate at $T/kit/keys/signing_key.x509"
	cp "$T/cert.der" "$T/kit/keys/signing_key.x509"
	expect_exit 0 env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" "$BASH" "$T/kit/mok-enroll.sh" --status
	expect_eq "status: not-enrolled (Secure Boot enabled)" "$(cat "$T/out")" "status line"
	expect_file_contains "$T/mok/calls" "--test-key $T/kit/keys/signing_key.x509"
}

test_already_enrolled() {
	setup
	echo enrolled >"$T/mok/state"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "already enrolled: nothing to do"
	no_change_calls
	state_is enrolled
}

test_already_pending() {
	setup
	echo pending >"$T/mok/state"
	expect_exit 0 enroll --cert "$T/cert.pem" --password-file "$T/pw"
	expect_file_contains "$T/out" "pending"
	expect_file_contains "$T/out" "Enroll MOK"
	expect_file_contains "$T/out" "Press any key"
	no_change_calls
	state_is pending
	tmp_is_empty
}

test_import_with_password_file() {
	setup
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	state_is pending
	expect_eq "$(printf '%s\n%s\n' "$PW" "$PW")" "$(cat "$T/mok/stdin-import")" "mokutil's standard input"
	local text
	for text in "Queuing it for enrollment" "mokutil --import" \
		"Press any key to perform MOK management" "within 10 seconds" \
		'"Enroll MOK"' '"Continue"' '"Enroll the key(s)?"' '"Yes"' '"Password:"' \
		'"Reboot"' '"Continue boot"' "the request" "is lost" "mok-enroll.sh --status" \
		'subject "CN=modsign enroll test"'; do
		expect_file_contains "$T/out" "$text"
	done
	password_hidden
	tmp_is_empty
	# The password file given by the user is left as it was.
	expect_eq "$PW" "$(cat "$T/pw")" "password file"
}

test_password_not_in_trace() {
	setup
	expect_exit 0 env PATH="$T/bin" TMPDIR="$T/tmp" FAKE_MOK_DIR="$T/mok" \
		"$BASH" -x "$SCRIPT" --cert "$T/cert.pem" --password-file "$T/pw"
	expect_file_contains "$T/err" "+ "
	state_is pending
	password_hidden
}

test_password_file_limits() {
	setup
	printf '\nsecond line\n' >"$T/empty-pw"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/empty-pw"
	expect_file_contains "$T/err" "password is empty"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/none"
	expect_file_contains "$T/err" "password file not found"
	printf '%0257d\n' 0 >"$T/long-pw"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/long-pw"
	expect_file_contains "$T/err" "257 bytes long"
	no_change_calls
	state_is not-enrolled
	# 256 bytes and no final newline is fine; a CRLF line end is dropped.
	printf '%0256d' 0 >"$T/max-pw"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/max-pw"
	state_is pending
	echo not-enrolled >"$T/mok/state"
	printf 'abc\r\n' >"$T/crlf-pw"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/crlf-pw"
	expect_eq "$(printf 'abc\nabc\n')" "$(cat "$T/mok/stdin-import")" "mokutil's standard input"
}

# A password file others can read is warned about (like ssh's keys); the
# run goes on. Only the mode is looked at, never the password.
test_password_file_readable_by_others_is_warned() {
	setup
	chmod 644 "$T/pw"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_eq 1 "$(grep -c "^mok-enroll.sh: warning: $T/pw is readable by others (mode 0644): chmod 600 $T/pw\$" "$T/err")" \
		"warnings in: $(cat "$T/err")"
	state_is pending
	password_hidden
	echo not-enrolled >"$T/mok/state"
	chmod 640 "$T/pw"
	expect_exit 0 enroll --dry-run --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "mok-enroll.sh: warning: $T/pw is readable by others (mode 0640): chmod 600 $T/pw"
	chmod 600 "$T/pw"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_lacks "$T/err" "warning"
	state_is pending
}

test_no_terminal_without_password_file() {
	setup
	expect_exit 1 enroll --cert "$T/cert.der" </dev/null
	expect_file_contains "$T/err" "no terminal"
	expect_file_contains "$T/err" "--password-file"
	no_change_calls
}

test_terminal_passwords() {
	setup
	command -v expect >/dev/null || fail "expect is needed for this test (apt-get install expect)"
	local rc
	rc=$(run_on_pty "first-one" "second-one" -- --cert "$T/cert.der")
	expect_eq 1 "$rc" "exit code with mismatched passwords"
	expect_file_contains "$T/out" "do not match"
	expect_file_lacks "$T/out" "first-one"
	expect_file_lacks "$T/out" "second-one"
	no_change_calls
	state_is not-enrolled
	rc=$(run_on_pty "same-one" "same-one" -- --cert "$T/cert.der")
	expect_eq 0 "$rc" "exit code with matching passwords; output: $(head -c 600 "$T/out")"
	expect_file_lacks "$T/out" "same-one"
	expect_eq "$(printf 'same-one\nsame-one\n')" "$(cat "$T/mok/stdin-import")" "mokutil's standard input"
	state_is pending
}

test_dry_run_changes_nothing() {
	setup
	expect_exit 0 enroll --dry-run --cert "$T/cert.pem" --password-file "$T/pw"
	expect_file_contains "$T/out" "dry run: would run: mokutil --import"
	expect_file_contains "$T/out" "nothing was changed"
	no_change_calls
	state_is not-enrolled
	expect_exit 0 enroll --dry-run --cert "$T/cert.der" </dev/null
	expect_file_contains "$T/out" "would ask for a one-time password"
	echo enrolled >"$T/mok/state"
	expect_exit 0 enroll --revoke --dry-run --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "dry run: would run: mokutil --delete"
	no_change_calls
	state_is enrolled
	[ ! -e "$T/mok/stdin-import" ] || fail "mokutil read a password in a dry run"
	tmp_is_empty
}

test_status_lines() {
	setup
	local st sb want
	for sb in enabled disabled; do
		echo "$sb" >"$T/mok/sb"
		for st in enrolled pending not-enrolled; do
			echo "$st" >"$T/mok/state"
			expect_exit 0 enroll --status --cert "$T/cert.pem"
			want="status: $st (Secure Boot $sb)"
			expect_eq "$want" "$(cat "$T/out")" "stdout of --status"
		done
	done
	no_change_calls
	tmp_is_empty
}

test_unknown_mokutil_output() {
	setup
	echo unknown >"$T/mok/state"
	expect_exit 1 enroll --status --cert "$T/cert.der"
	expect_file_contains "$T/err" "mok-enroll.sh: ERROR: unexpected output from mokutil --test-key"
	expect_eq "" "$(cat "$T/out")" "stdout of --status"
	expect_exit 1 enroll --cert "$T/cert.pem" --password-file "$T/pw"
	expect_file_contains "$T/err" "unexpected output from mokutil --test-key"
	expect_exit 1 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	no_change_calls
	tmp_is_empty
	# An --sb-state nobody knows is refused too.
	echo "in a mood" >"$T/mok/sb"
	echo not-enrolled >"$T/mok/state"
	expect_exit 1 enroll --status --cert "$T/cert.der"
	expect_file_contains "$T/err" "cannot tell the Secure Boot state"
}

test_import_result_checked_not_exit_code() {
	setup
	# mokutil exits 0 but queued nothing: a failure.
	touch "$T/mok/import-noop"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "did not queue"
	password_hidden
	# mokutil exits 1 but did queue the key: a success.
	rm "$T/mok/import-noop"
	echo 1 >"$T/mok/import-rc"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	state_is pending
}

test_other_trusted_states() {
	setup
	echo in-db >"$T/mok/state"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "db"
	echo builtin >"$T/mok/state"
	expect_exit 0 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "built-in trusted keyring"
	expect_exit 0 enroll --status --cert "$T/cert.der"
	expect_eq "status: enrolled (Secure Boot enabled)" "$(cat "$T/out")" "status line"
	echo blocked >"$T/mok/state"
	expect_exit 1 enroll --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "blocked in dbx"
	no_change_calls
}

test_revoke() {
	setup
	echo enrolled >"$T/mok/state"
	expect_exit 0 enroll --revoke --cert "$T/cert.pem" --password-file "$T/pw"
	state_is delete-pending
	expect_eq "$(printf '%s\n%s\n' "$PW" "$PW")" "$(cat "$T/mok/stdin-delete")" "mokutil's standard input"
	cmp -s "$T/cert.der" "$T/mok/deleted.der" || fail "mokutil --delete did not get the DER certificate"
	local text
	for text in "Queuing its deletion" '"Delete MOK"' '"Delete the key(s)?"' '"Password:"' \
		'"Reboot"' "Press any key" "mok-enroll.sh --status"; do
		expect_file_contains "$T/out" "$text"
	done
	password_hidden
	tmp_is_empty
	# --status still says enrolled (mokutil --test-key cannot see the
	# pending deletion) and notes the queued deletion.
	expect_exit 0 enroll --status --cert "$T/cert.der"
	expect_eq "status: enrolled (Secure Boot enabled)" "$(cat "$T/out")" "status line"
	expect_file_contains "$T/err" "deletion is queued"
	# Asked again: already queued, nothing run.
	: >"$T/mok/calls"
	expect_exit 0 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "already in the deletion request"
	no_change_calls
}

test_revoke_not_enrolled() {
	setup
	expect_exit 0 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "not enrolled: nothing to revoke"
	no_change_calls
	echo pending >"$T/mok/state"
	expect_exit 0 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/out" "mokutil --revoke-import"
	no_change_calls
	state_is pending
}

test_revoke_failure_detected() {
	setup
	echo enrolled >"$T/mok/state"
	touch "$T/mok/import-noop"
	expect_exit 1 enroll --revoke --cert "$T/cert.der" --password-file "$T/pw"
	expect_file_contains "$T/err" "did not queue the deletion"
	password_hidden
}

test_shellcheck() {
	command -v shellcheck >/dev/null || fail "shellcheck is not installed (apt-get install shellcheck)"
	(cd "$TOP" && shellcheck -x -S style mok-enroll.sh tests/enroll/test-enroll.sh tests/enroll/fake-mokutil) \
		>"$T/sc" 2>&1 || fail "shellcheck findings: $(head -c 1500 "$T/sc")"
}

run_tests "$@"
