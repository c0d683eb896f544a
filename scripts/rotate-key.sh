#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rotate-key.sh [next|status]: replace the kit's module-signing key without
# a day of broken modules (docs/key-rotation.md). Each `next` run (make
# rotate) says where the rotation stands, does the one step whose
# precondition holds, saves the step in $KEYDIR/rotation.state and says
# what comes next; it can be stopped anywhere and run again. `status` (make
# rotate-status) only says where things stand.
#
#   step      what `next` does                              then
#   (none)    old pair A to keys/retired/<stamp>-module/,    made
#             a new pair B in keys/
#   made      queue B for enrollment beside A (mok-enroll)   queued   reboot
#   queued    (B enrolled) re-sign with B, and verify, every resigned
#             module A signed: modules/, /lib/modules/*/
#             (through DKMS for DKMS's, and what DKMS set
#             aside), the DKMS drop-in's key copy becomes B
#   resigned  (no installed module needs A, for any kernel:  deleting reboot
#             modsign status --removing) queue A's deletion
#   deleting  (A gone) the end: B alone is enrolled           done
#
# Nothing is deleted or overwritten: A stays in keys/retired/, DKMS's copy
# of A goes to $DKMS_KEY_DIR/retired/. Only certificates are needed after
# the re-signing step, so the last two steps also run where the private
# key is not (the test VM).
#
# Environment: KEYDIR (the kit's keys/), KEY_TYPE, KEY_BITS, KEY_CURVE,
# KEY_DAYS (for B; no KEY_TYPE: B is of A's type and curve), ROOT
# (where /lib/modules and DKMS's tree are; default /), MODSIGN, MOK_ENROLL,
# MOKUTIL (through mok-enroll.sh), MOK_PASSWORD_FILE (the one-time
# MokManager password, instead of the terminal), DKMS, DKMS_TREE,
# DKMS_KEY_DIR, DKMS_DROPIN, PREFIX (through dkms-key.sh), AGAIN=1 (start
# a new rotation after a finished one).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/modsig-lib.sh
. "$HERE/scripts/modsig-lib.sh"
KEYDIR=${KEYDIR:-$HERE/keys}
ROOT=${ROOT:-/}
ROOT=${ROOT%/}
MOK_ENROLL=${MOK_ENROLL:-$HERE/mok-enroll.sh}
DKMS=${DKMS:-dkms}
DKMS_TREE=${DKMS_TREE:-$ROOT/var/lib/dkms}
DKMS_KEY_DIR=${DKMS_KEY_DIR:-$ROOT/var/lib/modsign}
DKMS_DROPIN=${DKMS_DROPIN:-$ROOT/etc/dkms/framework.conf.d/modsign.conf}
if [ -z "${MODSIGN:-}" ]; then
	MODSIGN=modsign
	[ ! -x "$HERE/sign/modsign" ] || MODSIGN=$HERE/sign/modsign
fi
STATE=$KEYDIR/rotation.state
KEY=$KEYDIR/signing_key.pem
CERT=$KEYDIR/signing_key.x509

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

say() {
	echo "rotate: $*"
}

# fingerprint CERT: its SHA-256 fingerprint (DER or PEM), empty if none.
fingerprint() {
	local out
	[ -f "$1" ] || return 0
	out=$(openssl x509 -inform DER -in "$1" -noout -fingerprint -sha256 2>/dev/null ||
		openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null) || return 0
	echo "${out#*=}"
}

subject() {
	openssl x509 -inform DER -in "$1" -noout -subject -nameopt multiline 2>/dev/null |
		sed -n 's/^ *commonName *= //p'
}

# old_dir: where the old pair is kept (the state file names it relative to
# KEYDIR, so that the certificates-only steps run from a copy elsewhere).
old_dir() {
	echo "$KEYDIR/$(get old)"
}

# The state file is written by whoever owns keys/, and `sudo make rotate`
# runs as root (issue #23): load_state reads it once and checks every
# value before any is used; get and put then work on that copy
# (STATE_TEXT), so the file changed under a run changes nothing in it.
STATE_TEXT=

# get NAME: a value of the state file (the last line that sets it).
get() {
	sed -n "s/^$1=//p" <<<"$STATE_TEXT" | tail -n 1
}

# bad_state WHAT: the state file is refused.
bad_state() {
	die "$STATE $*. $(kit_cmd rotate) wrote no such thing: someone edited it. Nothing was changed; fix or remove that line (each NAME=VALUE line and its form: docs/key-rotation.md), or move $STATE aside if no rotation is under way, then run again"
}

# load_state: STATE_TEXT from the state file, every line checked: a
# comment, or NAME=VALUE with a NAME this script writes and a VALUE of the
# form it writes; `old` (the retired folder) only as the script makes it,
# retired/<date>-<time>-module, so it cannot name a path out of keys/.
load_state() {
	local LC_ALL=C line n=0 name value form step
	STATE_TEXT=
	[ ! -L "$STATE" ] || die "$STATE is a symbolic link: remove it"
	[ -e "$STATE" ] || return 0
	[ -f "$STATE" ] || die "$STATE is not a regular file: move it aside"
	# The script's own is a few hundred bytes: no more than 64 KiB is read.
	IFS= read -r -d '' -N 65537 STATE_TEXT <"$STATE" || true
	[ ${#STATE_TEXT} -le 65536 ] || bad_state "is over 64 KiB"
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		"" | "#"*) continue ;;
		*=*) ;;
		*) bad_state "line $n: is neither a comment nor NAME=VALUE" ;;
		esac
		name=${line%%=*} value=${line#*=}
		case $name in
		step) form='new, made, queued, resigned, deleting or done' ;;
		old) form='retired/YYYYMMDD-HHMMSS-module (a folder in keys/retired/)' ;;
		old_fp | new_fp) form='a SHA-256 fingerprint (32 hexadecimal pairs joined by colons)' ;;
		old_cn | new_cn) form='a certificate name, printable ASCII' ;;
		started | finished) form='a UTC time, YYYY-MM-DDTHH:MM:SSZ' ;;
		*) bad_state "line $n: $name= is not a name $(kit_cmd rotate) writes" ;;
		esac
		case $name in
		step) [[ $value =~ ^(new|made|queued|resigned|deleting|done)$ ]] ;;
		old) [[ $value =~ ^retired/[0-9]{8}-[0-9]{6}-module$ ]] ;;
		old_fp | new_fp) [[ $value =~ ^[0-9A-F]{2}(:[0-9A-F]{2}){31}$ ]] ;;
		old_cn | new_cn) [[ $value != *[![:print:]]* ]] ;;
		started | finished) [[ $value =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ;;
		esac || bad_state "line $n: $name= is not $form"
	done <<<"$STATE_TEXT"
	# what each step needs (the values put alongside it)
	step=$(get step)
	[ -z "$step" ] || [ -n "$(get old)" ] || bad_state "has step=$step but no old= line"
	[ -z "$step" ] || [ -n "$(get old_fp)" ] || bad_state "has step=$step but no old_fp= line"
	case $step in
	"" | new) ;;
	*) [ -n "$(get new_fp)" ] || bad_state "has step=$step but no new_fp= line" ;;
	esac
}

# check_places: keys/retired and the retired folder the state names, when
# they are there, are folders (not links out of keys/) of root or of
# keys/'s owner, and the files the rotation keeps in it are no links.
check_places() {
	local d f
	for d in "$KEYDIR/retired" ${STATE_TEXT:+"$(old_dir)"}; do
		[ "$d" != "$KEYDIR/" ] || continue
		if [ -L "$d" ]; then
			die "$d is a symbolic link (to $(readlink -- "$d")): $(kit_cmd rotate) keeps the old keys in $KEYDIR/retired/ and follows no link out of $KEYDIR. Nothing was changed; put a folder of that name in its place (move what it holds into it), then run again"
		fi
		[ -e "$d" ] || continue
		[ -d "$d" ] || die "$d is not a folder: move it aside, then run again; nothing was changed"
		case $(stat -c %u -- "$d") in
		0 | "$(stat -c %u -- "$KEYDIR")") ;;
		*) die "$d belongs to $(stat -c %U -- "$d"), neither to root nor to $KEYDIR's owner ($(stat -c %U -- "$KEYDIR")): the old keys must stay where only they can change them. Nothing was changed; give it to $(stat -c %U -- "$KEYDIR") (chown), then run again" ;;
		esac
	done
	[ -n "$(get old)" ] || return 0
	for f in signing_key.pem signing_key.x509 rotation.state; do
		[ ! -L "$(old_dir)/$f" ] ||
			die "$(old_dir)/$f is a symbolic link (to $(readlink -- "$(old_dir)/$f")): the rotation keeps real files there. Nothing was changed; put the file itself in its place, then run again"
	done
}

# in_retired CMD...: CMD run in keys/retired, entered with cd -P and its
# physical path checked to be KEYS_REAL/retired (KEYDIR's real path, taken
# once at the start); in_old_dir CMD...: the same in the old pair's folder
# (made if need be). A folder swapped for a link after check_places cannot
# lead a file out of keys/: what CMD does through . stays in the folder
# that was checked. CMD names keys/'s files through KEYS_REAL.
in_retired() (
	enter_retired
	"$@"
)

in_old_dir() (
	local name
	name=$(basename "$(old_dir)")
	enter_retired
	[ -d "$name" ] || (umask 077 && mkdir -- "$name") || die "cannot make $KEYDIR/retired/$name"
	{ cd -P -- "$name" && [ "$(pwd -P)" == "$KEYS_REAL/retired/$name" ]; } ||
		die "$KEYDIR/retired/$name is no longer a folder in $KEYDIR (a link now?): nothing more was changed; look at it, then run again"
	"$@"
)

enter_retired() {
	{ cd -P -- "$KEYS_REAL/retired" && [ "$(pwd -P)" == "$KEYS_REAL/retired" ]; } ||
		die "$KEYDIR/retired is no longer a folder in $KEYDIR (a link now?): nothing more was changed; look at it, then run again"
}

# put NAME=VALUE...: the state file with these values, written whole
# (temporary file, rename): an interrupted write leaves the old one. The
# temporary file is made by this write itself (noclobber: a name already
# there, a link too, fails it) with its final mode, so nothing that
# appears in keys/ meanwhile is written or chmod'ed through.
put() {
	local tmp kv name lines
	lines=$STATE_TEXT
	for kv in "$@"; do
		name=${kv%%=*}
		lines=$(grep -v "^$name=" <<<"$lines" || true)
		lines+=$'\n'$kv
	done
	STATE_TEXT=$(grep -v '^#' <<<"$lines" | grep -v '^$' || true)
	tmp=$STATE.$$.$RANDOM
	(
		umask 022
		set -C
		{
			echo "# modsign key rotation (scripts/rotate-key.sh); $(MODSIGN_KIT_KEYDIR='' kit_cmd rotate) reads and writes it"
			[ -z "$STATE_TEXT" ] || printf '%s\n' "$STATE_TEXT"
		} >"$tmp"
	) || die "cannot write $tmp"
	mv -f -- "$tmp" "$STATE"
}

# mok_state CERT: enrolled, pending, not-enrolled (from mok-enroll.sh
# --status), with "+deleting" when its deletion is queued.
mok_state() {
	local out word
	out=$("$MOK_ENROLL" --status --cert "$1" 2>&1) ||
		die "mok-enroll.sh --status --cert $1 failed: $out"
	word=$(sed -n 's/^status: \([a-z-]*\) .*/\1/p' <<<"$out")
	[ -n "$word" ] || die "mok-enroll.sh --status said nothing it can be told by: $out"
	case $out in
	*"its deletion is queued"*) word+=+deleting ;;
	esac
	echo "$word"
}

mok() { # ARG...: mok-enroll.sh, with the password file when there is one
	"$MOK_ENROLL" "$@" ${MOK_PASSWORD_FILE:+--password-file "$MOK_PASSWORD_FILE"}
}

need_root() {
	[ "$EUID" == 0 ] || die "this step ($1) needs root: run 'sudo $(kit_cmd rotate)'"
}

# kernels: the releases in $ROOT/lib/modules, one a line.
kernels() {
	local d
	for d in "$ROOT"/lib/modules/*/; do
		[ -d "$d" ] && basename "$d"
	done
}

# new_key_type OLDCERT [NOTE]: the new key's type, KEY_TYPE and KEY_CURVE for
# make-keys.sh: as given, else those of the old key (an ECDSA pair stays
# one). An ECDSA key is refused, before anything is made, when a kernel in
# $ROOT/lib/modules has a config without CONFIG_CRYPTO_ECDSA (Debian 12's
# 6.1): it would refuse every module the new key signs (NOTE ends the
# message).
new_key_type() {
	local t no
	if [ -z "${KEY_TYPE:-}" ] && t=$(key_type "$1") && [[ "$t" == "ecdsa P-"* ]]; then
		export KEY_TYPE=ecdsa KEY_CURVE=${KEY_CURVE:-${t#ecdsa }}
		say "the old key is ECDSA ${t#ecdsa }: so is the new one ($(kit_opt KEY_TYPE=rsa) for an RSA key)"
	fi
	[ "${KEY_TYPE:-}" == ecdsa ] || return 0
	mapfile -t no < <(no_ecdsa_kernels "$ROOT/")
	[ ${#no[@]} == 0 ] ||
		die "the new key would be ECDSA, and these kernels cannot check ECDSA signatures (no CONFIG_CRYPTO_ECDSA in their config): $(printf '%s, ' "${no[@]}" | sed 's/, $//'); every module the new key signed would be refused there ('Key was rejected by service'). Rotate to an RSA key: sudo $(kit_cmd rotate KEY_TYPE=rsa)${2:-}"
}

# ---------------------------------------------------------------------------
# Step 1: the new pair. The old one is moved by hard link then unlink, so a
# run stopped half way has each file in one place or both, never none.

step_new() {
	local old_fp old_dir
	if [ ! -f "$KEY" ] || [ ! -f "$CERT" ]; then
		die "there is no key pair in $KEYDIR to rotate: make one with '$(kit_cmd keys)' (no rotation needed)"
	fi
	old_fp=$(fingerprint "$CERT")
	[ -n "$old_fp" ] || die "$CERT is not a certificate openssl can read: restore it, or start again with '$(kit_cmd rotate-keys)'"
	new_key_type "$CERT" "; nothing was changed"
	old_dir=retired/$(date +%Y%m%d-%H%M%S)-module
	put "step=new" "old_fp=$old_fp" "old=$old_dir" "old_cn=$(subject "$CERT")" "started=$(date -u +%FT%TZ)"
	say "starting: the current key ($(subject "$CERT")) is kept in $KEYDIR/$old_dir; a new one is made"
	resume_new
}

resume_new() {
	local old_dir old_fp f cur owner
	old_dir=$(old_dir) old_fp=$(get old_fp)
	cur=$(fingerprint "$CERT")
	if [ "$cur" == "$old_fp" ]; then
		in_old_dir keep_old_pair
	else
		in_old_dir true
	fi
	# the old pair is in old_dir: its names in keys/ can go
	for f in signing_key.pem signing_key.x509; do
		if [ -e "$KEYDIR/$f" ] && [ "$KEYDIR/$f" -ef "$old_dir/$f" ]; then
			rm -f "$KEYDIR/$f"
		fi
	done
	[ "$(fingerprint "$old_dir/signing_key.x509")" == "$old_fp" ] ||
		die "the old certificate is neither in $KEYDIR nor in $old_dir: rotation state and keys disagree; see $STATE"
	if [ ! -e "$KEY" ] && [ ! -e "$CERT" ]; then
		# the new key is of the old one's type (and curve), unless
		# KEY_TYPE says otherwise
		new_key_type "$old_dir/signing_key.x509"
		KEYDIR=$KEYDIR "$HERE/scripts/make-keys.sh" create
	fi
	cur=$(fingerprint "$CERT")
	if [ -z "$cur" ] || [ "$cur" == "$old_fp" ] || [ ! -f "$KEY" ]; then
		die "$KEYDIR holds half a pair: restore the missing half from a backup, or move it aside; the old pair is safe in $old_dir"
	fi
	# sudo make rotate: the new pair belongs to whoever owns keys/, so
	# that `make sign` as that user reads it
	owner=$(stat -c %u:%g -- "$KEYDIR")
	if [ "$EUID" == 0 ] && [ "${owner%%:*}" != 0 ]; then
		chown -h "$owner" "$KEY" "$CERT"
		# retired/ and the old pair's folder, as they were checked
		in_retired chown -h "$owner" . "$(basename "$old_dir")"
	fi
	put "step=made" "new_fp=$cur" "new_cn=$(subject "$CERT")"
	say "made the new key: $KEY, $CERT ($(subject "$CERT"))"
	say "next: 'sudo $(kit_cmd rotate)' queues it for enrollment beside the old one"
}

# keep_old_pair: in the old pair's folder (in_old_dir), a hard link to each
# file of the pair still in keys/.
keep_old_pair() {
	local f
	for f in signing_key.pem signing_key.x509; do
		[ -e "$KEYS_REAL/$f" ] || continue
		[ "$KEYS_REAL/$f" -ef "$f" ] || ln -- "$KEYS_REAL/$f" "$f" ||
			die "cannot keep $KEYDIR/$f in $(old_dir) (a file of that name is there): nothing was removed; look at $(old_dir)"
	done
}

# ---------------------------------------------------------------------------
# Step 2: B beside A, one MokManager visit.

step_made() {
	local st
	same_new_key
	st=$(mok_state "$CERT")
	case $st in
	enrolled*) ;;
	pending) say "the new certificate is already waiting in the enrollment request" ;;
	*)
		need_root "queue the new certificate"
		say "queuing the new certificate ($(get new_cn)) for enrollment; the old one stays enrolled"
		mok --cert "$CERT"
		;;
	esac
	put step=queued
	if [ "$st" == enrolled ]; then
		say "the new certificate is enrolled already: run 'sudo $(kit_cmd rotate)' again to re-sign"
	else
		say "next: reboot; in MokManager choose Enroll MOK, Continue, Yes and the password; then run 'sudo $(kit_cmd rotate)' again"
	fi
}

same_new_key() {
	[ "$(fingerprint "$CERT")" == "$(get new_fp)" ] ||
		die "$CERT is not the new certificate this rotation made ($(get new_cn)): the key was replaced during the rotation; put it back, or see $STATE"
}

# ---------------------------------------------------------------------------
# Step 3: re-sign what A signed, once B is enrolled.

step_queued() {
	local st old
	same_new_key
	st=$(mok_state "$CERT")
	case $st in
	enrolled*) ;;
	pending) die "the new certificate is not enrolled yet: it waits in MokManager's enrollment request. Reboot, confirm it (Enroll MOK, Continue, Yes, the password), then run 'sudo $(kit_cmd rotate)' again; nothing was re-signed" ;;
	*)
		put step=made
		die "the new certificate is not enrolled and no longer waits in the enrollment request (MokManager's question was not confirmed?): run 'sudo $(kit_cmd rotate)' again to queue it; nothing was re-signed"
		;;
	esac
	[ -f "$KEY" ] || die "the new private key $KEY is not here: re-signing needs it; run this step where keys/ is"
	old=$(old_dir)/signing_key.x509
	[ "$ROOT" != "" ] || need_root "re-sign the installed modules"
	resign_tree
	resign_dkms "$old"
	resign_installed "$old"
	put step=resigned
	say "every module the old key signed is signed by the new one and verified"
	say "next: 'sudo $(kit_cmd rotate)' queues the old certificate's deletion (refused while a module still needs it)"
}

# signed_by CERT FILE...|-r DIR: the files the certificate's key signed.
signed_by() {
	local cert=$1
	shift
	"$MODSIGN" verify -j "$(nproc 2>/dev/null || echo 1)" --cert "$cert" "$@" 2>/dev/null |
		sed -n 's/^OK \(.*\) (.*)$/\1/p' || true
}

# sign_verify WHAT FILE...: re-sign with B, then each must verify with B.
sign_verify() {
	local what=$1 out
	shift
	[ $# != 0 ] || return 0
	say "re-signing $# $what module(s) with the new key"
	out=$("$MODSIGN" sign "$KEY" "$CERT" "$@" 2>&1) || die "re-signing failed: $out"
	out=$("$MODSIGN" verify --cert "$CERT" "$@" 2>&1) ||
		die "a re-signed module does not verify with the new certificate: $out"
}

# modules/ of this tree, as its owner (sudo make rotate must not leave
# root's files in a user's clone).
resign_tree() {
	local files=() f owner
	for f in "$HERE"/modules/*.ko; do
		[ -e "$f" ] && files+=("$f")
	done
	[ ${#files[@]} != 0 ] || return 0
	mapfile -t files < <(signed_by "$(old_dir)/signing_key.x509" "${files[@]}")
	[ ${#files[@]} != 0 ] || return 0
	owner=$(stat -c %U -- "$HERE/modules")
	if [ "$EUID" == 0 ] && [ "$owner" != root ]; then
		say "re-signing ${#files[@]} module(s) in $HERE/modules as $owner"
		runuser -u "$owner" -- "$MODSIGN" sign "$KEY" "$CERT" "${files[@]}" >/dev/null ||
			die "re-signing $HERE/modules as $owner failed"
		"$MODSIGN" verify --cert "$CERT" "${files[@]}" >/dev/null ||
			die "a module in $HERE/modules does not verify with the new certificate"
	else
		sign_verify "$HERE/modules" "${files[@]}"
	fi
}

# DKMS's modules: rebuilt through DKMS, then what DKMS set aside.
resign_dkms() {
	[ -d "$DKMS_TREE" ] || return 0
	rebuild_dkms "$1"
	resign_set_aside "$1"
}

# DKMS's modules are rebuilt through DKMS, so that its records and the
# copies in its tree stay what is installed; first its drop-in's key copy
# becomes B (the copy of A goes to $DKMS_KEY_DIR/retired/).
rebuild_dkms() {
	local old=$1 d mv k arch built rebuild=() item
	for d in "$DKMS_TREE"/*/*/*/*/module; do
		[ -d "$d" ] || continue
		built=$(signed_by "$old" -r "$d")
		[ -n "$built" ] || continue
		arch=$(basename "$(dirname "$d")")
		k=$(basename "$(dirname "$(dirname "$d")")")
		mv=${d#"$DKMS_TREE"/}
		mv=${mv%/"$k"/"$arch"/module}
		rebuild+=("$mv $k $d")
	done
	[ ${#rebuild[@]} != 0 ] || return 0
	[ -f "$DKMS_DROPIN" ] ||
		die "DKMS built modules signed by the old key, but its drop-in $DKMS_DROPIN is gone: run 'sudo $(kit_cmd dkms-key)' (it points DKMS at the new key), then 'sudo $(kit_cmd rotate)' again"
	dkms_key_copy
	for item in "${rebuild[@]}"; do
		read -r mv k d <<<"$item"
		say "DKMS rebuilds $mv for $k with the new key"
		"$DKMS" build --force "$mv" -k "$k" </dev/null >/dev/null ||
			die "dkms build --force $mv -k $k failed: its module is still the one the old key signed; fix the build and run 'sudo $(kit_cmd rotate)' again"
		"$DKMS" install --force "$mv" -k "$k" </dev/null >/dev/null ||
			die "dkms install --force $mv -k $k failed; run 'sudo $(kit_cmd rotate)' again"
		# DKMS 3.0.10 exits 0 when its sign_file fails: check the result
		"$MODSIGN" verify --cert "$CERT" -r "$d" >/dev/null 2>&1 ||
			die "DKMS rebuilt $mv for $k, but its module in $d does not verify with the new certificate (its signing failed: see DKMS's messages above); fix that and run 'sudo $(kit_cmd rotate)' again"
	done
}

# What DKMS set aside: when it installs a module, dkms 3.2.2 (Debian 13;
# Debian's 3.0.10 did not) moves a module of the same name found under
# /lib/modules/R (the kit's `make install` copy, with the kit's DKMS
# package installed too) to NAME/original_module/R/ARCH/, and puts it
# back on `dkms remove`. Re-signed there, in place, so that what DKMS
# puts back still loads once the old key is deleted.
resign_set_aside() {
	local old=$1 d files=() f
	for d in "$DKMS_TREE"/*/original_module; do
		[ -d "$d" ] || continue
		while IFS= read -r f; do
			files+=("$f")
		done < <(signed_by "$old" -r "$d")
	done
	sign_verify "set aside by DKMS (original_module)" "${files[@]}"
}

dkms_key_copy() {
	local f keep
	if [ -f "$DKMS_KEY_DIR/signing_key.x509" ] &&
		[ "$(fingerprint "$DKMS_KEY_DIR/signing_key.x509")" != "$(get new_fp)" ]; then
		keep=$DKMS_KEY_DIR/retired/$(basename "$(old_dir)")
		say "keeping DKMS's copy of the old key in $keep"
		(umask 077 && mkdir -p "$keep")
		for f in signing_key.pem signing_key.x509; do
			[ -e "$DKMS_KEY_DIR/$f" ] || continue
			[ "$DKMS_KEY_DIR/$f" -ef "$keep/$f" ] || ln "$DKMS_KEY_DIR/$f" "$keep/$f" ||
				die "cannot keep $DKMS_KEY_DIR/$f in $keep: a file of that name is there; nothing was changed"
			rm -f "$DKMS_KEY_DIR/$f"
		done
	fi
	KEYDIR=$KEYDIR DKMS_KEY_DIR=$DKMS_KEY_DIR DKMS_DROPIN=$DKMS_DROPIN \
		"$HERE/scripts/dkms-key.sh" install >/dev/null ||
		die "$(kit_cmd dkms-key) could not give DKMS the new key"
}

# Every other module under /lib/modules/*/ that A signed (the kit's
# installed ones, in whatever form): signed in place by modsign, which
# keeps the compression and replaces each file atomically.
resign_installed() {
	local old=$1 k files=() f
	for k in $(kernels); do
		while IFS= read -r f; do
			case $f in
			*/updates/dkms/*) die "$f (DKMS's) is still signed by the old key after DKMS rebuilt its package: see 'dkms status'" ;;
			esac
			files+=("$f")
		done < <(signed_by "$old" -r "$ROOT/lib/modules/$k")
	done
	sign_verify "installed" "${files[@]}"
}

# ---------------------------------------------------------------------------
# Step 4: A's deletion, only when nothing installed needs it.

step_resigned() {
	local old k out line needs=() st
	old=$(old_dir)/signing_key.x509
	[ -f "$old" ] || die "the old certificate $old is missing: put it back (its deletion request needs it)"
	if ! command -v "$MODSIGN" >/dev/null; then
		# through modsign-kit the kit is installed: no make to run
		[ -z "${MODSIGN_KIT_CMD:-}" ] || die "modsign is missing ($MODSIGN): the kit is not installed whole; install it again (the modsign package, or 'sudo make install-tool' in a clone of the kit)"
		die "modsign is not built: run 'make modsign' (or 'sudo make install-tool')"
	fi
	for k in $(kernels); do
		out=$("$MODSIGN" status ${ROOT:+--root "$ROOT"} --release "$k" --removing "$old" 2>&1) || true
		# docs/status.md: "if MOK loses NAME (key id ID), these N modules
		# will stop loading: PATHS" or "..., no module will stop loading"
		line=$(grep -m 1 '^if MOK loses ' <<<"$out" || true)
		case $line in
		*"will stop loading: "*) needs+=("$k: ${line#*will stop loading: }") ;;
		*", no module will stop loading") ;;
		*) die "modsign status --release $k --removing $old did not answer: $(tail -n 3 <<<"$out")" ;;
		esac
	done
	if [ ${#needs[@]} != 0 ]; then
		die "refusing to queue the old key's deletion: these installed modules are signed by it and would stop loading: $(printf '%s; ' "${needs[@]}")re-sign each with the new key ('modsign sign $KEY $CERT FILE') or remove it, then run 'sudo $(kit_cmd rotate)' again"
	fi
	st=$(mok_state "$old")
	case $st in
	enrolled) mok --revoke --cert "$old" ;;
	enrolled+deleting) say "the old certificate's deletion is already queued" ;;
	*) say "the old certificate is not enrolled ($st): nothing to delete" ;;
	esac
	put step=deleting
	say "next: reboot; in MokManager choose Delete MOK, Continue, Yes and the password; then run 'sudo $(kit_cmd rotate)' to finish"
}

# ---------------------------------------------------------------------------
# Step 5: after the reboot.

step_deleting() {
	local old st
	old=$(old_dir)/signing_key.x509
	st=$(mok_state "$old")
	case $st in
	enrolled+deleting) die "the old certificate is still enrolled: its deletion waits in MokManager's request; reboot and confirm it (Delete MOK)" ;;
	enrolled)
		put step=resigned
		die "the old certificate is still enrolled and its deletion request is gone (MokManager's question was not confirmed?): run 'sudo $(kit_cmd rotate)' again to queue it"
		;;
	esac
	st=$(mok_state "$CERT")
	[ "$st" == enrolled ] || die "the new certificate is $st, not enrolled: check 'mok-enroll.sh --status'"
	put step=done "finished=$(date -u +%FT%TZ)"
	say "done: $(get new_cn) is enrolled, $(get old_cn) is not; the old pair stays in $(old_dir)"
}

where() {
	case $(get step) in
	"") echo "no rotation under way; '$(kit_cmd rotate)' starts one" ;;
	new) echo "making the new key (stopped half way: '$(kit_cmd rotate)' finishes it)" ;;
	made) echo "new key made ($(get new_cn)); next: queue it for enrollment" ;;
	queued) echo "new key queued for enrollment beside the old; next: reboot and confirm in MokManager, then re-sign" ;;
	resigned) echo "modules re-signed with the new key; next: queue the old key's deletion" ;;
	deleting) echo "the old key's deletion is queued; next: reboot and confirm in MokManager" ;;
	done) echo "finished $(get finished): $(get new_cn) replaced $(get old_cn) (kept in $(old_dir))" ;;
	*) echo "unknown step '$(get step)' in $STATE" ;;
	esac
}

case ${1:-next} in
status)
	load_state
	say "$(where)"
	exit 0
	;;
next) ;;
*)
	echo "usage: rotate-key.sh [next|status]" >&2
	exit 2
	;;
esac

# One rotation run at a time (on keys/retired/: make-keys.sh locks keys/
# itself, and this run calls it). Busybox (the test VM) has no flock.
[ -d "$KEYDIR" ] || die "$KEYDIR does not exist: there is no key to rotate; make one with '$(kit_cmd keys)'"
# run as root in a user's clone, a keys/ that is a link would lead root's
# mkdir, ln and chown into whatever folder it names
if [ "$EUID" == 0 ] && [ -L "$KEYDIR" ]; then
	die "$KEYDIR is a symbolic link (to $(readlink -- "$KEYDIR")): run as root, $(kit_cmd rotate) follows no link for the key folder. Nothing was changed; make it a real folder, or set $(kit_opt KEYDIR) to the folder it points to"
fi
KEYS_REAL=$(cd -P -- "$KEYDIR" && pwd)
load_state
check_places
(umask 077 && mkdir -p "$KEYDIR/retired")
if command -v flock >/dev/null; then
	exec {lockfd}<"$KEYDIR/retired"
	flock "$lockfd"
	# another run may have moved on meanwhile
	load_state
	check_places
fi
say "$(where)"
case $(get step) in
"") step_new ;;
new) resume_new ;;
made) step_made ;;
queued) step_queued ;;
resigned) step_resigned ;;
deleting) step_deleting ;;
done)
	[ "${AGAIN:-}" == 1 ] || {
		say "nothing to do; to rotate again: $(kit_cmd rotate AGAIN=1)"
		exit 0
	}
	in_old_dir mv -n -- "$KEYS_REAL/rotation.state" rotation.state
	STATE_TEXT=
	step_new
	;;
*) die "$STATE names an unknown step '$(get step)': restore it or move it aside" ;;
esac
