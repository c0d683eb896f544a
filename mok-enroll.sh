#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mok-enroll.sh: queue the kit's module-signing certificate for enrollment
# into shim's Machine Owner Key (MOK) list, check its state, or queue its
# removal. Run with --help for the interface.
#
# It only uses bash builtins, mokutil, openssl, mktemp, rm and stat (the
# password file's mode; without stat that warning is skipped), so that it
# also runs inside a minimal busybox initramfs.
#
# mokutil's exit codes are not trusted (mokutil 0.6.0 on Debian 12 returns
# 0 for "is not enrolled" and 1 for "is already enrolled"): every decision
# is taken from what mokutil prints.
#
# The one-time MokManager password is read from the terminal (no echo) or
# from the first line of --password-file, kept in a shell variable only,
# and given to mokutil on its standard input by bash's printf builtin: it
# never appears on a command line, in a file this script makes, in this
# script's output or in `bash -x` traces (tracing is switched off while the
# password is held).

set -euo pipefail

PROG=mok-enroll.sh
MOKUTIL=${MOKUTIL:-mokutil}
# mokutil accepts MokManager passwords of 1 to 256 bytes (PASSWORD_MIN and
# PASSWORD_MAX in mokutil.c; it prints "password should be 1~256 characters").
PW_MIN=1
PW_MAX=256

case ${BASH_SOURCE[0]} in
*/*) HERE=${BASH_SOURCE[0]%/*} ;;
*) HERE=. ;;
esac
HERE=$(cd "$HERE" && pwd)
DEFAULT_CERT=$HERE/keys/signing_key.x509

usage() {
	cat <<EOF
Usage: $PROG [--cert FILE] [--password-file FILE] [--dry-run]
       $PROG --status [--cert FILE]
       $PROG --revoke [--cert FILE] [--password-file FILE] [--dry-run]

Enrolls the kit's module-signing certificate as a Machine Owner Key (MOK),
so that a kernel booted through shim with UEFI Secure Boot trusts modules
signed with the kit's key. mokutil only queues the request: it is completed
at the next boot in shim's blue MokManager screen, where you confirm it with
a one-time password chosen now.

Options:
  --cert FILE           the certificate to enroll, DER or PEM (default:
                        keys/signing_key.x509 beside this script). A PEM
                        certificate is converted to DER in a private temporary
                        folder. Never pass the private key: files named like
                        one (*_key.pem, *-key.pem, key.pem, *.key) are refused
                        without being opened, and anything that does not parse
                        as an X.509 certificate is refused.
  --password-file FILE  read the one-time MokManager password from the first
                        line of FILE (for automation; a trailing CR is dropped)
                        instead of asking twice on the terminal. It must be
                        $PW_MIN to $PW_MAX bytes; MokManager reads it with a US keyboard
                        layout, so prefer plain ASCII.
  --dry-run             check everything and print what would be done; never
                        runs mokutil --import or --delete.
  --status              print one line, "status: enrolled", "status: pending"
                        or "status: not-enrolled", followed by
                        " (Secure Boot enabled)" or " (Secure Boot disabled)".
                        Does not require root.
  --revoke              queue the removal of the certificate from the MOK list
                        (confirmed with "Delete MOK" at the next boot).
  -h, --help            show this help.

Environment:
  MOKUTIL               the mokutil program to run (default: mokutil on PATH)
  TMPDIR                where the private temporary folder is made

Exit status: 0 done or nothing to do (already enrolled, already pending, or,
for --revoke, not enrolled); for --status, 0 when the state could be told;
1 a refusal or failure (the message says why); 2 a usage error.
Enrolling and revoking need root (run with sudo).
EOF
}

die() {
	printf '%s: ERROR: %s\n' "$PROG" "$*" >&2
	exit 1
}

usage_error() {
	printf '%s: ERROR: %s (try %s --help)\n' "$PROG" "$*" "$PROG" >&2
	exit 2
}

note() {
	printf '%s: note: %s\n' "$PROG" "$*" >&2
}

warn() {
	printf '%s: warning: %s\n' "$PROG" "$*" >&2
}

# ---------------------------------------------------------------------------
# Command line

ACTION=enroll
CERT=
PWFILE=
DRY_RUN=0
ORIG_ARGS=("$@")

set_action() {
	[ "$ACTION" = enroll ] || usage_error "--$ACTION and --$1 cannot be combined"
	ACTION=$1
}

while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--status) set_action status ;;
	--revoke) set_action revoke ;;
	--dry-run) DRY_RUN=1 ;;
	--cert)
		[ $# -ge 2 ] || usage_error "--cert needs a FILE"
		[ -n "$2" ] || usage_error "--cert needs a FILE"
		CERT=$2
		shift
		;;
	--cert=*)
		CERT=${1#--cert=}
		[ -n "$CERT" ] || usage_error "--cert needs a FILE"
		;;
	--password-file)
		[ $# -ge 2 ] || usage_error "--password-file needs a FILE"
		[ -n "$2" ] || usage_error "--password-file needs a FILE"
		PWFILE=$2
		shift
		;;
	--password-file=*)
		PWFILE=${1#--password-file=}
		[ -n "$PWFILE" ] || usage_error "--password-file needs a FILE"
		;;
	--)
		shift
		[ $# -eq 0 ] || usage_error "unexpected argument '$1'"
		break
		;;
	-*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done

if [ "$ACTION" = status ]; then
	[ -z "$PWFILE" ] || usage_error "--status does not take --password-file"
	[ "$DRY_RUN" = 0 ] || usage_error "--status does not take --dry-run (it changes nothing anyway)"
fi
[ -n "$CERT" ] || CERT=$DEFAULT_CERT

# A password file others can read gives the MokManager password away, like
# a private key: warned as ssh does (the run goes on).
if [ -n "$PWFILE" ] && command -v stat >/dev/null 2>&1 &&
	PWMODE=$(stat -L -c %a "$PWFILE" 2>/dev/null) && [[ "$PWMODE" =~ ^[0-7]+$ ]] &&
	(((8#$PWMODE) & 8#044)); then
	warn "$PWFILE is readable by others (mode $(printf '%04o' "$((8#$PWMODE))")): chmod 600 $PWFILE"
fi

# ---------------------------------------------------------------------------
# Temporary files: one private folder, removed on exit. It only ever holds
# the DER copy of a PEM certificate, never the password.

WORKDIR=
cleanup() {
	if [ -n "$WORKDIR" ]; then
		rm -rf "$WORKDIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

workdir() {
	if [ -z "$WORKDIR" ]; then
		WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mok-enroll.XXXXXX") ||
			die "cannot create a temporary folder in ${TMPDIR:-/tmp}"
	fi
}

# ---------------------------------------------------------------------------
# Checks

# The command line to suggest when root is needed (without --dry-run).
sudo_hint() {
	local a s=
	for a in "${ORIG_ARGS[@]}"; do
		[ "$a" = --dry-run ] || s+=$(printf ' %q' "$a")
	done
	printf 'sudo %q%s' "$0" "$s"
}

check_root() {
	if [ "$EUID" -ne 0 ]; then
		if [ "$DRY_RUN" = 1 ]; then
			note "not running as root: the real run must be started as root: $(sudo_hint)"
			return 0
		fi
		die "changing the MOK requests in the EFI variables needs root; run: $(sudo_hint)"
	fi
}

check_tools() {
	if ! command -v "$MOKUTIL" >/dev/null 2>&1; then
		if [ "$MOKUTIL" = mokutil ]; then
			die "mokutil not found on PATH; install the package 'mokutil' (apt-get install mokutil)"
		fi
		die "MOKUTIL=$MOKUTIL is not an executable program; install the package 'mokutil' (apt-get install mokutil) or fix MOKUTIL"
	fi
	command -v openssl >/dev/null 2>&1 ||
		die "openssl not found on PATH; install the package 'openssl' (apt-get install openssl)"
}

# Runs mokutil with its standard error merged into its output. Its exit code
# means nothing (see the header), so it is always ignored by the callers.
mok() {
	"$MOKUTIL" "$@" 2>&1
}

NOEFI_TEXT='EFI variables are not supported on this system'

explain_no_efi() {
	if [ -d /sys/firmware/efi ]; then
		die "mokutil says: $NOEFI_TEXT. This machine booted through UEFI, but the EFI variables are not available: mount them (mount -t efivarfs efivarfs /sys/firmware/efi/efivars) and run again."
	fi
	die "mokutil says: $NOEFI_TEXT. This machine booted in legacy BIOS mode, so there is no Secure Boot and no MOK list to enroll into; without Secure Boot the kernel loads unsigned modules anyway (unless booted with module.sig_enforce=1). Nothing to do here (Secure Boot needs the system installed and booted in UEFI mode)."
}

# Sets SB to enabled or disabled, from `mokutil --sb-state`.
SB=
read_sb_state() {
	local out line
	out=$(mok --sb-state) || true
	SB=
	while IFS= read -r line; do
		case $line in
		*"$NOEFI_TEXT"*) explain_no_efi ;;
		"SecureBoot enabled") SB=enabled ;;
		"SecureBoot disabled") SB=disabled ;;
		esac
	done <<<"$out"
	[ -n "$SB" ] || die "cannot tell the Secure Boot state: mokutil --sb-state printed: ${out:-nothing}"
}

# ---------------------------------------------------------------------------
# The certificate

# A name that looks like a private key is refused before the file is opened.
refuse_key_name() {
	local base=${1##*/}
	base=${base,,}
	case $base in
	*_key.pem | *-key.pem | key.pem | *.key | *privkey*.pem | *private*.pem)
		die "$1 looks like a private key; it is not opened. Pass the certificate instead (for this kit: keys/signing_key.x509; any .x509, .der or .crt certificate works)"
		;;
	esac
}

# Sets DER to a DER certificate file: CERT itself, or a converted copy.
DER=
prepare_cert() {
	refuse_key_name "$CERT"
	if [ ! -e "$CERT" ]; then
		if [ "$CERT" = "$DEFAULT_CERT" ]; then
			die "no certificate at $CERT: create the kit's signing key first, or pass --cert FILE"
		fi
		die "certificate not found: $CERT"
	fi
	[ -f "$CERT" ] || die "$CERT is not a regular file"
	[ -r "$CERT" ] || die "cannot read $CERT"
	if openssl x509 -inform DER -in "$CERT" -noout >/dev/null 2>&1; then
		DER=$CERT
	elif openssl x509 -inform PEM -in "$CERT" -noout >/dev/null 2>&1; then
		workdir
		DER=$WORKDIR/cert.der
		openssl x509 -inform PEM -in "$CERT" -outform DER -out "$DER" >/dev/null 2>&1 ||
			die "cannot convert the PEM certificate $CERT to DER"
		note "converted the PEM certificate $CERT to DER (mokutil takes DER only)"
	else
		die "$CERT is not an X.509 certificate (neither DER nor PEM); pass the certificate (.x509/.der/.crt), never the private key"
	fi
}

# How to name the DER file in a dry run, where a converted copy goes away.
der_label() {
	if [ "$DER" = "$CERT" ]; then
		printf '%s' "$DER"
	else
		printf '<a DER copy of %s>' "$CERT"
	fi
}

# One line naming the certificate, and its SHA-1 fingerprint in mokutil's
# spelling (lower case, colon separated) in FPR.
FPR=
CERT_NAME=
describe_cert() {
	local out line subject='?' serial='?'
	# -nameopt: one form whatever the OpenSSL (3.0 spaced "CN = x", 3.5 not)
	out=$(openssl x509 -inform DER -in "$DER" -noout -subject -nameopt utf8,sep_comma_plus_space,sname \
		-serial -fingerprint -sha1 2>/dev/null) ||
		die "cannot read the certificate $DER"
	while IFS= read -r line; do
		case $line in
		subject=*) subject=${line#subject=} ;;
		serial=*) serial=${line#serial=} ;;
		*[Ff]ingerprint=*) FPR=${line#*=} ;;
		esac
	done <<<"$out"
	FPR=${FPR,,}
	subject=${subject# }
	CERT_NAME="subject \"$subject\", serial $serial"
}

# ---------------------------------------------------------------------------
# The key's state

# Sets STATE from `mokutil --test-key DER`: enrolled, pending, not-enrolled,
# in-db (trusted by the firmware's db), builtin (in the kernel's built-in
# trusted keyring) or blocked (in dbx or MokListX).
STATE=
BLOCKED_IN=
test_key() {
	local out line
	out=$(mok --test-key "$DER") || true
	STATE=
	while IFS= read -r line; do
		case $line in
		*"$NOEFI_TEXT"*) explain_no_efi ;;
		"$DER is not enrolled") STATE=not-enrolled ;;
		"$DER is already enrolled") STATE=enrolled ;;
		"$DER is already in the enrollment request") STATE=pending ;;
		"$DER is already in db") STATE=in-db ;;
		"$DER is already in the built-in trusted keyring") STATE=builtin ;;
		"$DER is blocked in "*)
			STATE=blocked
			BLOCKED_IN=${line##* }
			;;
		*) continue ;;
		esac
		break
	done <<<"$out"
	if [ -z "$STATE" ]; then
		local hint=
		[ "$EUID" -eq 0 ] || hint=" (not running as root: try again with sudo)"
		die "unexpected output from mokutil --test-key${hint}: ${out:-nothing}"
	fi
}

# True when the certificate is in the pending deletion request (MokDel).
# `mokutil --test-key` cannot tell: it still says "is already enrolled" for
# a key whose deletion is queued, so this looks for the certificate's SHA-1
# fingerprint in `mokutil --list-delete`.
delete_queued() {
	local out line
	out=$(mok --list-delete) || true
	while IFS= read -r line; do
		line=${line,,}
		case $line in
		"sha1 fingerprint: $FPR") return 0 ;;
		esac
	done <<<"$out"
	return 1
}

# ---------------------------------------------------------------------------
# The one-time password

TRACE_WAS_ON=0
hide_trace() {
	case $- in
	*x*)
		TRACE_WAS_ON=1
		set +x
		;;
	esac
}

restore_trace() {
	if [ "$TRACE_WAS_ON" = 1 ]; then
		set -x
	fi
}

# Sets PW. Call hide_trace first.
PW=
get_password() {
	local again='' n
	if [ -n "$PWFILE" ]; then
		[ -f "$PWFILE" ] || die "password file not found: $PWFILE"
		[ -r "$PWFILE" ] || die "cannot read the password file $PWFILE"
		IFS= read -r PW <"$PWFILE" || true
		PW=${PW%$'\r'}
	else
		[ -t 0 ] ||
			die "no terminal on standard input to ask for the MokManager password; use --password-file FILE"
		echo "Choose a one-time password ($PW_MIN to $PW_MAX characters). MokManager asks for it"
		echo "once at the next boot to confirm the request; it is not needed afterwards."
		IFS= read -r -s -p "One-time MokManager password: " PW || true
		printf '\n' >&2
		IFS= read -r -s -p "The same password again: " again || true
		printf '\n' >&2
		if [ "$PW" != "$again" ]; then
			PW=
			again=
			die "the two passwords do not match; nothing was changed, run again"
		fi
		again=
	fi
	n=$(LC_ALL=C && printf '%s' "${#PW}")
	[ "$n" -ge "$PW_MIN" ] ||
		die "the password is empty; mokutil needs $PW_MIN to $PW_MAX characters"
	[ "$n" -le "$PW_MAX" ] ||
		die "the password is $n bytes long; mokutil accepts $PW_MIN to $PW_MAX"
	case $PW in
	*[!\ -~]*) note "the password has characters other than plain ASCII; MokManager may not let you type them" ;;
	esac
}

# mokutil OPTION DER, with the password twice on its standard input. Prints
# mokutil's output with any trace of the password replaced by ***.
run_with_password() {
	local out
	out=$(printf '%s\n%s\n' "$PW" "$PW" | "$MOKUTIL" "$1" "$2" 2>&1) || true
	printf '%s' "${out//"$PW"/***}"
}

# ---------------------------------------------------------------------------
# What the user sees at the next boot

reboot_steps() {
	local verb=$1 # Enroll or Delete
	cat <<EOF

Next: reboot this machine and confirm the request at its console (screen and
keyboard, or the serial console of a virtual machine):
  1. A blue "Shim UEFI key management" screen shows
     "Press any key to perform MOK management". Press a key within 10 seconds.
  2. In "Perform MOK management", choose "$verb MOK".
  3. In "[$verb MOK]", choose "Continue" ("View key 0" shows the certificate:
     $CERT_NAME).
  4. At "$verb the key(s)?", choose "Yes".
  5. At "Password:", type the one-time password chosen here (nothing is
     shown while typing) and press Enter.
  6. Back in "Perform MOK management", choose "Reboot".
If the 10-second prompt times out, or "Continue boot" is chosen, the request
is lost: boot normally and run $PROG again.
Afterwards, check with: $HERE/$PROG --status
EOF
}

# ---------------------------------------------------------------------------
# Actions

# read_state: the tools, the certificate and its description, and the
# Secure Boot state: what every action starts from.
read_state() {
	check_tools
	prepare_cert
	describe_cert
	read_sb_state
}

do_status() {
	local word
	read_state
	test_key
	case $STATE in
	enrolled)
		word=enrolled
		if delete_queued; then
			note "its deletion is queued (MokDel): it goes at the next boot if confirmed in MokManager"
		fi
		;;
	pending) word=pending ;;
	not-enrolled) word=not-enrolled ;;
	in-db)
		word=enrolled
		note "the certificate is in the firmware's db (not the MOK list): it is trusted already"
		;;
	builtin)
		word=enrolled
		note "the certificate is in the kernel's built-in trusted keyring: it is trusted already"
		;;
	blocked)
		word=not-enrolled
		note "the certificate is blocked in $BLOCKED_IN: it cannot be enrolled"
		;;
	esac
	echo "status: $word (Secure Boot $SB)"
}

do_enroll() {
	local said
	check_root
	read_state
	if [ "$SB" = disabled ]; then
		note "Secure Boot is disabled: enrolling works and is kept, but it is not needed until Secure Boot is turned on (until then the kernel loads unsigned modules too)"
	fi
	test_key
	case $STATE in
	enrolled)
		echo "The certificate ($CERT_NAME) is already enrolled: nothing to do."
		if delete_queued; then
			note "but its deletion is queued and happens at the next boot if confirmed in MokManager; to keep it, cancel that request with: mokutil --revoke-delete (this cancels the whole pending deletion request)"
		fi
		return 0
		;;
	pending)
		echo "The certificate ($CERT_NAME) is already in the enrollment request: it is pending."
		echo "Nothing to do now; the next boot asks to confirm it."
		reboot_steps Enroll
		return 0
		;;
	in-db)
		echo "The certificate ($CERT_NAME) is already in the firmware's db: it is trusted already, nothing to do."
		return 0
		;;
	builtin)
		echo "The certificate ($CERT_NAME) is already in the kernel's built-in trusted keyring: nothing to do."
		return 0
		;;
	blocked)
		die "the certificate ($CERT_NAME) is blocked in $BLOCKED_IN: the firmware or shim refuses it, enrolling would not help; make a new signing key"
		;;
	esac

	# not-enrolled
	if [ "$DRY_RUN" = 1 ]; then
		echo "The certificate ($CERT_NAME) is not enrolled."
		if [ -n "$PWFILE" ]; then
			echo "dry run: would read the one-time password from the first line of $PWFILE"
		else
			echo "dry run: would ask for a one-time password twice on the terminal"
		fi
		echo "dry run: would run: $MOKUTIL --import $(der_label) (password on standard input)"
		echo "dry run: then the next boot would ask to confirm it in MokManager (\"Enroll MOK\")."
		echo "dry run: nothing was changed."
		return 0
	fi

	hide_trace
	get_password
	echo "The certificate ($CERT_NAME) is not enrolled."
	echo "Queuing it for enrollment in the EFI variables: $MOKUTIL --import $DER"
	said=$(run_with_password --import "$DER")
	PW=
	restore_trace

	test_key
	[ "$STATE" = pending ] ||
		die "mokutil --import did not queue the certificate (mokutil --test-key now says: $STATE); mokutil --import printed: ${said:-nothing}"
	echo "Done: the certificate is in the enrollment request (pending)."
	reboot_steps Enroll
}

do_revoke() {
	local said
	check_root
	read_state
	test_key
	case $STATE in
	not-enrolled | blocked)
		echo "The certificate ($CERT_NAME) is not enrolled: nothing to revoke."
		return 0
		;;
	pending)
		echo "The certificate ($CERT_NAME) is not enrolled yet, only in the pending enrollment request: nothing to revoke."
		echo "To cancel that request instead, run: mokutil --revoke-import (this cancels the whole pending enrollment request)"
		return 0
		;;
	in-db)
		die "the certificate ($CERT_NAME) is in the firmware's db, not the MOK list: mokutil cannot remove it"
		;;
	builtin)
		die "the certificate ($CERT_NAME) is built into the kernel, not in the MOK list: mokutil cannot remove it"
		;;
	esac

	# enrolled
	if delete_queued; then
		echo "The certificate ($CERT_NAME) is already in the deletion request: it is pending deletion."
		reboot_steps Delete
		return 0
	fi
	if [ "$DRY_RUN" = 1 ]; then
		echo "The certificate ($CERT_NAME) is enrolled."
		if [ -n "$PWFILE" ]; then
			echo "dry run: would read the one-time password from the first line of $PWFILE"
		else
			echo "dry run: would ask for a one-time password twice on the terminal"
		fi
		echo "dry run: would run: $MOKUTIL --delete $(der_label) (password on standard input)"
		echo "dry run: then the next boot would ask to confirm it in MokManager (\"Delete MOK\")."
		echo "dry run: nothing was changed."
		return 0
	fi

	hide_trace
	get_password
	echo "The certificate ($CERT_NAME) is enrolled."
	echo "Queuing its deletion in the EFI variables: $MOKUTIL --delete $DER"
	said=$(run_with_password --delete "$DER")
	PW=
	restore_trace

	delete_queued ||
		die "mokutil --delete did not queue the deletion (the certificate is not in mokutil --list-delete); mokutil --delete printed: ${said:-nothing}"
	echo "Done: the certificate is in the deletion request (pending)."
	echo "Note: mokutil --test-key still says \"is already enrolled\" until the deletion is confirmed at boot."
	reboot_steps Delete
}

case $ACTION in
enroll) do_enroll ;;
status) do_status ;;
revoke) do_revoke ;;
esac
