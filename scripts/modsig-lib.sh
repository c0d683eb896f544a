# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shell helpers over the module signature trailer, shared by
# sign-modules.sh and verify-modules.sh; the key's type and a kernel's
# config, shared with dkms-key.sh, rotate-key.sh and dkms-sign-file
# (`make install-tool` installs this file beside it, in
# $PREFIX/lib/modsign). The layout, from the end of a signed module: the 28-byte magic "~Module signature appended~\n", before it the
# 12-byte struct module_signature (algo, hash, id_type, signer_len,
# key_id_len, 3 pad bytes, big-endian u32 sig_len), before it sig_len bytes
# of DER PKCS#7, before that the module the signature covers.

MODSIG_MAGIC='~Module signature appended~'

# kmod puts modinfo in /usr/sbin (/sbin on Debian 12), which a user's login
# PATH on Debian lacks: without it, make sign run as a user could not tell
# a signed module from an unsigned one.
case ":$PATH:" in
*:/usr/sbin:* | *:/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac

# kit_cmd VERB [NAME=VALUE | WORD]...: the command a message tells the
# user to run, in the words of the way they ran the kit. In a clone: `make
# VERB NAME=VALUE...` as given. Under modsign-kit, which exports
# MODSIGN_KIT_CMD (its name) and, when given --keydir, MODSIGN_KIT_KEYDIR:
# `modsign-kit [--keydir DIR] VERB` with the make variables as its options
# (KEYDIR= --keydir, KEY_TYPE= --type, KEY_BITS= --bits, KEY_CURVE=
# --curve, KEY_DAYS= --days, KDIR= --kdir, MOK_PASSWORD_FILE=
# --password-file, AGAIN=1 --again, FROM= and CERT= its arguments), and
# rotate for rotate-keys (its first step retires the pair and makes a new
# one). Other words are kept as they are.
kit_cmd() {
	local verb=$1 a keydir='' opts=''
	shift
	if [ -z "${MODSIGN_KIT_CMD:-}" ]; then
		echo "make $verb${*:+ $*}"
		return 0
	fi
	[ "$verb" != rotate-keys ] || verb=rotate
	[ -z "${MODSIGN_KIT_KEYDIR:-}" ] || keydir=$(printf ' --keydir %q' "$MODSIGN_KIT_KEYDIR")
	for a in "$@"; do
		case $a in
		KEYDIR=*) keydir=" $(kit_opt "$a")" ;;
		KEY_TYPE=* | KEY_BITS=* | KEY_CURVE=* | KEY_DAYS=* | KDIR=* | MOK_PASSWORD_FILE=*) opts+=" $(kit_opt "$a")" ;;
		AGAIN=1) opts+=" --again" ;;
		FROM=* | CERT=*) opts+=" ${a#*=}" ;;
		*) opts+=" $a" ;;
		esac
	done
	echo "$MODSIGN_KIT_CMD$keydir $verb$opts"
}

# kit_opt NAME[=VALUE]: how a message names a make variable the user sets:
# NAME[=VALUE] in a clone, modsign-kit's option (--keydir, --type, ...)
# [and VALUE] under modsign-kit.
kit_opt() {
	local name=${1%%=*} opt
	if [ -z "${MODSIGN_KIT_CMD:-}" ]; then
		echo "$1"
		return 0
	fi
	case $name in
	KEYDIR) opt=--keydir ;;
	KEY_TYPE) opt=--type ;;
	KEY_BITS) opt=--bits ;;
	KEY_CURVE) opt=--curve ;;
	KEY_DAYS) opt=--days ;;
	KDIR) opt=--kdir ;;
	MOK_PASSWORD_FILE) opt=--password-file ;;
	*) opt=$name ;;
	esac
	case $1 in
	*=*) echo "$opt ${1#*=}" ;;
	*) echo "$opt" ;;
	esac
}

# has_sig FILE: the file ends with the signature magic.
has_sig() {
	tail -c 28 "$1" | cmp -s - <(printf '%s\n' "$MODSIG_MAGIC")
}

# trailer FILE: sets id_type, sig_len and body_len; fails on a trailer that
# claims more bytes than the file has.
trailer() {
	local size b
	size=$(stat -c %s "$1")
	[ "$size" -ge 40 ] || return 1
	read -r -a b < <(od -An -v -tu1 -j $((size - 40)) -N 12 "$1")
	[ "${#b[@]}" == 12 ] || return 1
	id_type=${b[2]}
	sig_len=$(((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]))
	body_len=$((size - 40 - sig_len))
	[ "$body_len" -ge 0 ]
}

# check_sig FILE CERT WORKDIR: succeeds when FILE carries exactly one PKCS#7
# signature that openssl verifies against CERT (DER) over the bytes before
# it; otherwise fails with the reason in $why (read by the caller).
# shellcheck disable=SC2034
check_sig() {
	why=
	if ! has_sig "$1"; then
		why="not signed"
		return 1
	fi
	if ! trailer "$1"; then
		why="damaged signature trailer"
		return 1
	fi
	if [ "$id_type" != 2 ]; then
		why="signature is not PKCS#7 (id_type $id_type)"
		return 1
	fi
	head -c "$body_len" "$1" >"$3/body"
	if has_sig "$3/body"; then
		why="signed twice (a signature on top of a signature)"
		return 1
	fi
	dd if="$1" of="$3/sig" iflag=skip_bytes,count_bytes bs=64K status=none \
		skip=$(($(stat -c %s "$1") - sig_len - 40)) count="$sig_len"
	if ! openssl cms -verify -binary -inform DER -in "$3/sig" \
		-content "$3/body" -certfile "$2" -nointern -noverify \
		-out /dev/null 2>/dev/null; then
		why="signature does not verify with $(basename "$2") (another key, or the module changed after signing)"
		return 1
	fi
}

# elf_whole FILE LEN: the ELF image in the first LEN bytes of FILE has its
# section header table inside them (a .ko ends with it: a module cut short,
# or still being written, does not). Fails with the reason in $why.
# shellcheck disable=SC2034
elf_whole() {
	local b class end shoff shentsize shnum
	read -r -a b < <(head -c 64 "$1" | od -An -v -tu1 -w64)
	if [ "${#b[@]}" -lt 52 ] || [ "${b[0]}" != 127 ]; then
		why="not an ELF image"
		return 1
	fi
	class=${b[4]} end=${b[5]}
	# le FIRST COUNT: the little- or big-endian number at bytes FIRST..
	le() {
		local i v=0 n=$2
		for ((i = 0; i < n; i++)); do
			if [ "$end" == 2 ]; then
				v=$(((v << 8) | b[$1 + i]))
			else
				v=$(((v << 8) | b[$1 + n - 1 - i]))
			fi
		done
		echo "$v"
	}
	if [ "$class" == 2 ] && [ "${#b[@]}" == 64 ]; then
		shoff=$(le 40 8) shentsize=$(le 58 2) shnum=$(le 60 2)
	elif [ "$class" == 1 ]; then
		shoff=$(le 32 4) shentsize=$(le 46 2) shnum=$(le 48 2)
	else
		why="a damaged ELF header"
		return 1
	fi
	if [ $((shoff + shentsize * shnum)) -gt "$2" ]; then
		why="truncated: its section table ends at byte $((shoff + shentsize * shnum)) but the module has $2 bytes"
		return 1
	fi
}

# key_type CERT: the key of the certificate CERT (DER or PEM) as "rsa
# BITS", "ecdsa CURVE" (P-256, P-384: the NIST name, else the curve's OID
# name) or "other ALGORITHM"; fails when openssl cannot read CERT.
key_type() {
	local text alg curve
	text=$(openssl x509 -inform DER -in "$1" -noout -text 2>/dev/null ||
		openssl x509 -in "$1" -noout -text 2>/dev/null) || return 1
	alg=$(sed -n 's/^ *Public Key Algorithm: *//p' <<<"$text")
	case "$alg" in
	rsaEncryption)
		echo "rsa $(sed -n 's/^ *Public-Key: (\([0-9]*\) bit)$/\1/p' <<<"$text")"
		;;
	id-ecPublicKey)
		curve=$(sed -n 's/^ *NIST CURVE: *//p' <<<"$text")
		[ -n "$curve" ] || curve=$(sed -n 's/^ *ASN1 OID: *//p' <<<"$text")
		echo "ecdsa ${curve:-unknown}"
		;;
	*) echo "other ${alg:-unknown}" ;;
	esac
}

# kernel_config ROOT RELEASE: the config of kernel RELEASE below ROOT, the
# first of ROOT/boot/config-R, ROOT/usr/lib/modules/R/config and the
# headers' ROOT/lib/modules/R/build/.config that is there; fails when none
# is.
kernel_config() {
	local c
	for c in "${1%/}/boot/config-$2" "${1%/}/usr/lib/modules/$2/config" "${1%/}/lib/modules/$2/build/.config"; do
		if [ -f "$c" ]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# ecdsa_unfit CERT KCONFIG KERNEL: when CERT holds an ECDSA key and the
# kernel config KCONFIG lacks CONFIG_CRYPTO_ECDSA, prints why KERNEL ("the
# kernel of KDIR", "the kernel R") would refuse the modules it signs (one
# sentence, with no full stop: the caller says what to do) and succeeds;
# otherwise prints nothing and fails. make sign and DKMS's sign program
# (dkms-sign-file) refuse with it.
ecdsa_unfit() {
	local kt
	kt=$(key_type "$1") || return 1
	[[ "$kt" == ecdsa\ * ]] || return 1
	! grep -qE '^CONFIG_CRYPTO_ECDSA=[ym]$' "$2" || return 1
	echo "$1 is an ECDSA ${kt#ecdsa } key, and $3 cannot check ECDSA signatures (CONFIG_CRYPTO_ECDSA is not set in $2): it would refuse every module signed with it ('Key was rejected by service' under Secure Boot)"
}

# no_ecdsa_kernels ROOT: the kernels in ROOT/lib/modules whose config
# (kernel_config) lacks CONFIG_CRYPTO_ECDSA, so that they refuse every
# module an ECDSA key signs (Debian 12's 6.1): one "RELEASE (CONFIG)" a
# line. A kernel with no config is not listed.
no_ecdsa_kernels() {
	local d k c
	for d in "${1%/}"/lib/modules/*/; do
		[ -d "$d" ] || continue
		k=$(basename "$d")
		c=$(kernel_config "$1" "$k") || continue
		grep -qE '^CONFIG_CRYPTO_ECDSA=[ym]$' "$c" || echo "$k ($c)"
	done
}
