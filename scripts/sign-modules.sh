#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Signs kernel modules in place with the kernel's own scripts/sign-file.
#
#   sign-modules.sh KDIR KEY CERT MODULE.ko...
#
# The hash is the target kernel's CONFIG_MODULE_SIG_HASH (HASH overrides it),
# for RSA and ECDSA keys alike. An ECDSA key (make keys KEY_TYPE=ecdsa) is
# refused, before any module is touched, for a kernel whose config lacks
# CONFIG_CRYPTO_ECDSA (Debian 12's 6.1).
# Idempotent: a module already signed by CERT's key with that hash is left
# as it is, byte for byte; one signed by another key (or twice, or with
# another hash) is stripped and signed again, never signed on top.
# SIGNER=sign-file (default, the kernel's reference) or SIGNER=modsign (the
# kit's sign/modsign; the same bytes). KEY may be a pkcs11: URI (a token,
# on this machine or behind a p11-kit server, docs/build-farm.md): then
# modsign signs, since Debian 12's sign-file cannot, and the PIN comes from
# the URI's pin-source, $MODSIGN_PIN, or is asked once on the terminal.
#
# Each module is stripped and signed in a private work folder
# ($TMPDIR/modsign-sign.XXXXXX), and the signer's output is checked before
# it comes near the module: the module's own bytes, then one signature that
# CERT verifies, with the hash. Only then is it copied into a temporary file
# beside the module (.NAME.modsign-XXXXXX) that carries the module's owner,
# group, mode, inode flags and extended attributes, compared, synced and
# renamed over the module (an immutable or append-only one is refused); so
# an interruption or a full disk leaves the old module or the new one,
# never a cut one. A symbolic link is kept and its target signed.
#
# Locks, the protocol sign/modsign follows too: a run holds an flock on each
# folder whose modules it replaces (taken in the byte order of their real
# paths; a second run waits), on its work folder and on each temporary file
# while it exists. At start, a run removes the temporary files and work
# folders that nobody holds: the leftovers of killed runs.
set -euo pipefail

# shellcheck source=scripts/modsig-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/modsig-lib.sh"

die() {
	echo "modsign: ERROR: $*" >&2
	exit 1
}

warn() {
	echo "modsign: warning: $*" >&2
}

[ $# -ge 4 ] || {
	echo "usage: sign-modules.sh KDIR KEY CERT MODULE.ko..." >&2
	exit 2
}
kdir=$1 key=$2 cert=$3
shift 3

signer=${SIGNER:-sign-file}
token=
case "$key" in
pkcs11:*)
	token=1
	# Debian 12's sign-file tries the OpenSSL 3 pkcs11 provider, which is
	# not packaged there: OSSL_PROVIDER_try_load(pkcs11)
	if [ "$signer" == sign-file ] && [ -n "${SIGNER:-}" ]; then
		echo "modsign: notice: the key is a pkcs11: URI, which the kernel's sign-file cannot use on Debian 12; signing with modsign (the same bytes)" >&2
	fi
	signer=modsign
	;;
esac
case "$signer" in
sign-file)
	signfile=$kdir/scripts/sign-file
	[ -x "$signfile" ] ||
		die "$signfile: not found: the headers in $kdir lack scripts/sign-file; install the complete headers package (linux-headers-<release>)"
	;;
modsign)
	modsign=${MODSIGN:-$(dirname "${BASH_SOURCE[0]}")/../sign/modsign}
	[ -x "$modsign" ] || die "$modsign: not built: run 'make modsign' first"
	;;
*) die "SIGNER=$signer: choose sign-file or modsign" ;;
esac

if [ -n "$token" ]; then
	# every module is a modsign run, each logs in: ask once, keep it in
	# the environment (never on a command line)
	if [ -z "${MODSIGN_PIN:-}${KBUILD_SIGN_PIN:-}" ] &&
		[[ "$key" != *pin-value=* && "$key" != *pin-source=* ]]; then
		{ exec {tty}<>/dev/tty; } 2>/dev/null ||
			die "no PIN for the token and no terminal to ask on: set MODSIGN_PIN, or put pin-source=file:PATH in the URI; no module was touched"
		printf 'PIN for the token of %s: ' "${key%%\?*}" >&$tty
		IFS= read -rs MODSIGN_PIN <&$tty || MODSIGN_PIN=
		printf '\n' >&$tty
		exec {tty}<&-
		export MODSIGN_PIN
	fi
else
	[ -r "$key" ] || die "$key: cannot read the private key: run '$(kit_cmd keys)' first"
fi
[ -r "$cert" ] || die "$cert: cannot read the certificate: run '$(kit_cmd keys)' first"
openssl x509 -inform DER -in "$cert" -noout 2>/dev/null ||
	die "$cert: not a DER X.509 certificate"
for tool in getfattr setfattr flock; do
	command -v "$tool" >/dev/null ||
		die "$tool is not installed: apt-get install $([ "$tool" == flock ] && echo util-linux || echo attr)"
done

# Key hygiene, once per run: warnings, the run goes on.
mode=0600
[ -n "$token" ] || mode=$(stat -L -c %a -- "$key")
if (((8#$mode) & 8#044)); then
	warn "$key is readable by others (mode $(printf '%04o' "$((8#$mode))")): chmod 600 $key"
fi
not_after=$(openssl x509 -inform DER -in "$cert" -noout -enddate | cut -d= -f2)
if ! openssl x509 -inform DER -in "$cert" -noout -checkend 0 >/dev/null; then
	warn "$cert expired on $not_after: tools that check dates refuse it; make a new key with '$(kit_cmd rotate)' (docs/key-rotation.md) and enroll it"
elif ! openssl x509 -inform DER -in "$cert" -noout -checkend 2592000 >/dev/null; then
	# within 30 days: time to make and enroll the next key (whole days
	# left, rounded up, as modsign status counts them)
	left=
	if na=$(date -d "$not_after" +%s 2>/dev/null); then
		days=$(((na - $(date +%s) + 86399) / 86400))
		left=" (in $days day$([ "$days" == 1 ] || echo s))"
	fi
	warn "$cert expires on $not_after$left: make a new key with '$(kit_cmd rotate)' (docs/key-rotation.md) and enroll it before then"
fi
not_before=$(openssl x509 -inform DER -in "$cert" -noout -startdate | cut -d= -f2)
if nb=$(date -d "$not_before" +%s 2>/dev/null) && [ "$nb" -gt "$(date +%s)" ]; then
	warn "$cert is not valid before $not_before: check this machine's clock, or make a new pair ('$(kit_cmd rotate-keys)')"
fi
eku=$(openssl x509 -inform DER -in "$cert" -noout -ext extendedKeyUsage 2>/dev/null) || eku=
if [[ "$eku" == *"Extended Key Usage"* ]] &&
	! grep -qE 'Code Signing|1\.3\.6\.1\.4\.1\.2312\.16\.1\.2' <<<"$eku"; then
	warn "$cert has an extendedKeyUsage ($(sed -n '2{s/^ *//;p}' <<<"$eku")) that lists neither codeSigning nor the module-signing OID 1.3.6.1.4.1.2312.16.1.2: it was made for something else, and checks that honour the extension refuse it for modules; make a module key ('$(kit_cmd rotate-keys)')"
elif [[ "$eku" != *"Code Signing"* ]]; then
	# The kit's profile before codeSigning was added (the module OID
	# alone), or no extended key usage at all (DKMS's own key): a note,
	# as Debian's and Ubuntu's kernels take it as it is.
	if [[ "$eku" == *"Extended Key Usage"* ]]; then
		has="only the module-signing OID 1.3.6.1.4.1.2312.16.1.2, the kit's profile before codeSigning was added"
	else
		has="no extended key usage at all, as DKMS's own key"
	fi
	echo "modsign: notice: $cert lacks the codeSigning extended key usage (it has $has): kernels that require codeSigning of a module's signer, such as SUSE's ('PKCS7: ... key is not CodeSigning'), refuse the modules it signs; Debian's and Ubuntu's do not check, so there nothing needs to change. To move to a certificate with codeSigning: '$(kit_cmd rotate-keys)' (the old pair stays in $(dirname "$cert")/retired/), then enroll the new certificate ('sudo $(kit_cmd enroll)', reboot) and sign again ('$(kit_cmd sign)')" >&2
fi

# An ECDSA key, for a kernel that cannot check ECDSA signatures (Debian
# 12's 6.1: CONFIG_CRYPTO_ECDSA unset): it would refuse every module
# ("Key was rejected by service" under Secure Boot). Refused before any
# module is touched. The kernel's config: KDIR's .config, else Kbuild's
# include/config/auto.conf; neither: said, and signed all the same.
if kt=$(key_type "$cert") && [[ "$kt" == ecdsa\ * ]]; then
	kconf=
	for c in "$kdir/.config" "$kdir/include/config/auto.conf"; do
		if [ -r "$c" ]; then
			kconf=$c
			break
		fi
	done
	if [ -z "$kconf" ]; then
		warn "$cert is an ECDSA ${kt#ecdsa } key, and $kdir has no .config nor include/config/auto.conf to tell whether that kernel can check ECDSA signatures (CONFIG_CRYPTO_ECDSA): signing all the same; a kernel without it refuses these modules"
	elif why=$(ecdsa_unfit "$cert" "$kconf" "the kernel of $kdir"); then
		die "$why. Sign for that kernel with an RSA key, kept in a key folder of its own: $(kit_cmd keys KEYDIR='<folder>') (RSA is the default), then $(kit_cmd sign KDIR="$kdir" KEYDIR='<folder>'), and enroll that certificate too ($(kit_cmd enroll KEYDIR='<folder>')); no module was touched"
	fi
fi

hash=${HASH:-}
if [ -z "$hash" ]; then
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$kdir/.config")
	if [ -z "$hash" ]; then
		hash=sha256
		echo "modsign: notice: $kdir/.config sets no CONFIG_MODULE_SIG_HASH (that kernel does not check module signatures); signing with $hash anyway" >&2
	fi
fi

tmpdir=${TMPDIR:-/tmp}
work='' tmp='' tmpfd=''
lockfds=()
cleanup() {
	[ -z "$work" ] || rm -rf "$work"
	[ -z "$tmp" ] || rm -f "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# open_locked FILE: opens FILE read-only into $fd and takes its flock
# without waiting; fails (and closes it) when another process holds it.
open_locked() {
	{ exec {fd}<"$1"; } 2>/dev/null || return 1
	flock -n "$fd" && return 0
	exec {fd}<&-
	return 1
}

# unlocked CMD...: runs CMD without this run's lock descriptors, so that a
# signer still running after this script was killed holds no lock.
unlocked() (
	for l in "${lockfds[@]}"; do
		exec {l}<&-
	done
	exec "$@"
)

# The work folder: stale ones of this user (nobody holds their lock) go
# first. Locked right after mktemp; one removed in between is made again.
for d in "$tmpdir"/modsign-sign.*; do
	if [ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] && open_locked "$d"; then
		rm -rf "$d"
		exec {fd}<&-
	fi
done
for try in 1 2 3 4; do
	work=$(mktemp -d "$tmpdir/modsign-sign.XXXXXX") ||
		die "cannot create a work folder in $tmpdir: set TMPDIR to a writable folder"
	if open_locked "$work"; then
		if [ -d "$work" ]; then
			lockfds+=("$fd")
			break
		fi
		exec {fd}<&-
	fi
	[ "$try" != 4 ] || die "cannot lock the work folder $work: run again"
done
mkdir "$work/m"

# free_bytes DIR: what this user may still write in DIR's file system.
free_bytes() {
	local f=%a
	[ "$EUID" != 0 ] || f=%f
	echo $(($(stat -f -c "$f * %S" -- "$1")))
}

# is_full DIR NEED LOG: DIR's file system cannot take NEED more bytes or a
# file, or the failing command's LOG says so.
is_full() {
	local inodes free_inodes
	grep -qs 'No space left on device' "$3" && return 0
	[ "$(free_bytes "$1")" -ge "$2" ] || return 0
	read -r inodes free_inodes < <(stat -f -c '%c %d' -- "$1")
	[ "$inodes" -gt 0 ] && [ "$free_inodes" == 0 ]
}

# signed_by_us FILE: exactly one signature, by CERT's key (openssl checks
# it, not a name match), with the wanted hash.
signed_by_us() {
	check_sig "$1" "$cert" "$work" &&
		[ "$(modinfo -F sig_hashalgo "$1" 2>/dev/null)" == "$hash" ]
}

# check_output FILE: FILE is the stripped module ($work/in.ko, $in_len
# bytes) followed by one signature that CERT verifies over exactly those
# bytes, with the hash. Otherwise fails with the reason in $why.
check_output() {
	check_sig "$1" "$cert" "$work" || return 1
	if [ "$body_len" != "$in_len" ] || ! cmp -s "$work/body" "$work/in.ko"; then
		why="the signed bytes are not the module's"
		return 1
	fi
	if [ "$(modinfo -F sig_hashalgo "$1" 2>/dev/null)" != "$hash" ]; then
		why="not signed with $hash"
		return 1
	fi
}

# copy_xattrs FROM TO: every extended attribute of FROM (ACLs too) onto TO,
# except security.ima and security.evm, which describe FROM's bytes: their
# names go to $dropped.
copy_xattrs() {
	local line name value
	dropped=()
	if ! getfattr -d -m - -e hex --absolute-names -- "$1" >"$work/xattrs" 2>"$work/err"; then
		grep -q 'Operation not supported' "$work/err" && return 0
		die "$mod: cannot read its extended attributes: $(cat "$work/err"): the module is unchanged"
	fi
	while IFS= read -r line; do
		case "$line" in '' | '#'*) continue ;; esac
		name=${line%=*} value=${line##*=}
		case "$name" in
		security.ima | security.evm)
			dropped+=("$name")
			continue
			;;
		esac
		setfattr -n "$name" -v "$value" -- "$2" 2>"$work/err" ||
			die "$mod: cannot keep its extended attribute $name ($(cat "$work/err")): sign it as root; the module is unchanged"
	done <"$work/xattrs"
}

# inode_flags FILE: FILE's inode flags (chattr), as lsattr's letters; none
# where its file system has none, or without lsattr (e2fsprogs).
inode_flags() {
	local out
	command -v lsattr >/dev/null || return 0
	out=$(lsattr -d "$1" 2>/dev/null) || return 0
	out=${out%% *}
	echo "${out//-/}"
}

# keep_flags TMP FLAGS: gives TMP, still empty (chattr +C takes only
# then), the module's inode flags FLAGS of those a new file can take, and
# clears those TMP took from its folder that the module did not have; i
# and a are refused before (sign_one), e, E, V, N and the folders' flags
# belong to the file system. TMP is an absolute path: chattr knows no --.
# What cannot be set goes to $flags_warning.
keep_flags() {
	local have l change=() plus=
	flags_warning=
	have=$(inode_flags "$1")
	for l in s u S d A c m j t C x; do
		if [[ "$2" == *"$l"* ]]; then
			plus+=$l
			[[ "$have" == *"$l"* ]] || change+=("+$l")
		elif [[ "$have" == *"$l"* ]]; then
			change+=("-$l")
		fi
	done
	[ ${#change[@]} -gt 0 ] || return 0
	chattr "${change[@]}" "$1" 2>"$work/err" ||
		flags_warning="its inode flags (chattr +$plus) could not be kept: $(cat "$work/err"); set them again with chattr"
}

# The folders whose modules are replaced: a link's target's folder.
reals=() dirs=()
for mod in "$@"; do
	[ -f "$mod" ] || die "$mod: no such module: run 'make' first"
	real=$(realpath -e -- "$mod")
	reals+=("$real")
	dirs+=("${real%/*}")
done
while IFS= read -r -d '' d; do
	{ exec {fd}<"$d"; } 2>/dev/null || die "$d: cannot open the folder to lock it"
	if ! flock -n "$fd"; then
		echo "modsign: waiting for another signing run in $d (it holds the folder's lock)" >&2
		flock "$fd"
	fi
	lockfds+=("$fd")
	# a killed run's temporary files: nobody holds them
	for f in "$d"/.*.modsign-??????; do
		if [ -f "$f" ] && [ ! -L "$f" ] && open_locked "$f"; then
			rm -f -- "$f"
			exec {fd}<&-
		fi
	done
done < <(printf '%s\0' "${dirs[@]}" | LC_ALL=C sort -zu)

# sign_one MODULE REAL: signs REAL (MODULE, or the target of the link
# MODULE) through the work folder and a temporary file beside it.
sign_one() {
	local mod=$1 real=$2 dir=${2%/*} uid gid mode links size what="SIGN  " out n flags
	read -r uid gid mode links size < <(stat -c '%u %g %a %h %s' -- "$real")
	if [ "$EUID" != 0 ] && { [ "$uid" != "$EUID" ] || ! grep -qx "$gid" <<<"$(id -G | tr ' ' '\n')"; }; then
		die "$mod: owned by uid $uid gid $gid, which only root can keep: sign it as root or as its owner; the module is unchanged"
	fi
	# no rename replaces an immutable or append-only file, even as root
	flags=$(inode_flags "$real")
	case "$flags" in
	*i*) die "$mod: immutable (chattr +i): it cannot be replaced; run 'chattr -i $mod' first if it should be; the module is unchanged" ;;
	*a*) die "$mod: append-only (chattr +a): it cannot be replaced; run 'chattr -a $mod' first if it should be; the module is unchanged" ;;
	esac

	# In the work folder: strip, sign, check what the signer wrote.
	rm -f "$work/in.ko" "$work/out.ko" "$work/m/out.ko"
	cp -- "$real" "$work/in.ko" 2>"$work/err" || {
		rm -f "$work/in.ko"
		is_full "$tmpdir" "$size" "$work/err" && die_tmp_full "$mod"
		die "$mod: cannot copy it into $work: $(cat "$work/err")"
	}
	in_len=$size
	while has_sig "$work/in.ko"; do
		trailer "$work/in.ko" ||
			die "$mod: its signature trailer is damaged: rebuild the module$([ -n "${MODSIGN_KIT_CMD:-}" ] || echo " ('make clean all')") and sign again"
		truncate -s "$body_len" "$work/in.ko"
		in_len=$body_len
		what=RESIGN
	done
	elf_whole "$work/in.ko" "$in_len" ||
		die "$mod: $why; is it still being built or copied? Rebuild it ('make'); the module is unchanged"
	if [ "$signer" == modsign ]; then
		out=$work/m/out.ko
		cp -- "$work/in.ko" "$out" 2>"$work/err" &&
			MODSIGN_NO_LOCK=1 unlocked "$modsign" sign --hash "$hash" "$key" "$cert" "$out" >/dev/null 2>>"$work/err"
	else
		out=$work/out.ko
		unlocked "$signfile" "$hash" "$key" "$cert" "$work/in.ko" "$out" 2>"$work/err"
	fi || {
		cat "$work/err" >&2
		rm -f "$work/out.ko" "$work/m/out.ko"
		is_full "$tmpdir" $((in_len + 4096)) "$work/err" && die_tmp_full "$mod"
		die "$mod: $signer failed (the module is unchanged)"
	}
	if ! check_output "$out"; then
		cat "$work/err" >&2
		rm -f "$work/out.ko" "$work/m/out.ko"
		is_full "$tmpdir" $((in_len + 4096)) "$work/err" && die_tmp_full "$mod"
		die "$mod: $signer wrote no valid signed module ($why): the module is unchanged; run again, and report it if it persists"
	fi
	size=$((body_len + sig_len + 40))

	# Beside the module: a temporary file, locked as soon as it exists (a
	# modsign run removes unlocked ones); the bytes, compared, then the
	# module's owner, group, extended attributes and mode (in this order:
	# chown may clear set-ID bits, and a read-only mode first would stop a
	# non-root owner from writing), then fsync and rename.
	for n in 1 2 3 4; do
		tmp=$(mktemp -- "$dir/.${real##*/}.modsign-XXXXXX" 2>"$work/err") || {
			tmp=
			is_full "$dir" "$size" "$work/err" && die_full "$mod" "$dir"
			die "$mod: cannot create a temporary file in $dir: $(cat "$work/err")"
		}
		if open_locked "$tmp"; then
			tmpfd=$fd
			[ ! -f "$tmp" ] || break
			exec {tmpfd}<&-
		fi
		[ "$n" != 4 ] || die "$mod: cannot lock a temporary file in $dir: run again"
	done
	keep_flags "$tmp" "$flags"
	# cmp checks the size too: a short copy ends early ("EOF on")
	if ! cat -- "$out" 2>"$work/err" >"$tmp" || ! cmp -s "$out" "$tmp"; then
		rm -f "$tmp"
		tmp=
		exec {tmpfd}<&-
		is_full "$dir" "$size" "$work/err" && die_full "$mod" "$dir"
		die "$mod: cannot write the signed copy in $dir: $(cat "$work/err"): the module is unchanged"
	fi
	if [ "$EUID" == 0 ]; then
		chown -- "$uid:$gid" "$tmp"
	else
		chgrp -- "$gid" "$tmp"
	fi
	copy_xattrs "$real" "$tmp"
	chmod -- "$mode" "$tmp"
	[ "$(stat -c '%u %g %a' "$tmp")" == "$uid $gid $mode" ] ||
		die "$mod: the file system of $dir does not keep its owner, group and mode ($uid $gid $mode): the module is unchanged"
	sync -- "$tmp" 2>"$work/err" || {
		is_full "$dir" "$size" "$work/err" && die_full "$mod" "$dir"
		die "$mod: cannot write the signed copy in $dir: $(cat "$work/err"): the module is unchanged"
	}
	mv -fT -- "$tmp" "$real"
	tmp=
	exec {tmpfd}<&-
	sync -- "$dir" 2>/dev/null || true

	if [ -L "$mod" ]; then
		echo "  $what  $mod -> $real ($hash)"
	else
		echo "  $what  $mod ($hash)"
	fi
	[ -z "$flags_warning" ] || warn "$mod: $flags_warning"
	for n in "${dropped[@]}"; do
		warn "$mod: its $n described the unsigned bytes and was dropped; sign it again with evmctl"
	done
	[ "$links" == 1 ] ||
		warn "$mod had $links hard links; only this name holds the signed module, the other names keep the old bytes"
}

die_full() {
	die "$1: the file system of $2 is full ($(free_bytes "$2") bytes free): the module is unchanged; free some space and run again"
}

die_tmp_full() {
	die "$1: the file system of $tmpdir (TMPDIR, where each module is signed first) is full ($(free_bytes "$tmpdir") bytes free): the module is unchanged; free some space there, or set TMPDIR to a folder with room, and run again"
}

signed=0 kept=0 i=0
for mod in "$@"; do
	real=${reals[i]}
	i=$((i + 1))
	[ -f "$real" ] || die "$mod: no such module: run 'make' first"
	[ "$(head -c 4 "$real" | od -An -tx1 | tr -d ' ')" == 7f454c46 ] ||
		die "$mod: not an ELF kernel module"
	if signed_by_us "$real"; then
		echo "  KEEP    $mod (already signed by this key, $hash)"
		kept=$((kept + 1))
		continue
	fi
	sign_one "$mod" "$real"
	signed=$((signed + 1))
done
echo "modsign: $signed signed, $kept already signed by this key"
