#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of modsign-try's guest (try/modsign-try; make-initramfs.sh puts it
# in place of the VM suite's guest-init.sh). The kernel is Debian's signed
# kernel booted by shim and grub under OVMF with Secure Boot on, so the
# kernel itself decides what loads. The host picks the step on the kernel
# command line:
#
#   modsign_try=enroll  queue the certificate with mok-enroll.sh (MokNew),
#                       for the next boot's MokManager (--mokmanager)
#   modsign_try=run     report the machine (Secure Boot, lockdown, where
#                       the certificate is: MokListRT through mokutil, the
#                       kernel's keyrings through modsign status), then try
#                       every module of /opt/modsign/try.list
#
# Each result is one line on the console, which the host reads:
#   TRY-ENROLL {json}   what mok-enroll.sh did
#   TRY-MACHINE {json}  the machine and the key
#   TRY-MODULE {json}   one module: modsign check's verdict, then the load
#                       through the release's own kmod (modprobe, which
#                       brings in the kernel's own modules it depends on),
#                       the kernel's message, the taint before and after,
#                       the device nodes the load made
#   TRY-DONE            the guest got to the end
# then the guest powers off.
# try.list holds one line per module: NAME<TAB>FILE (FILE under
# /lib/modules/RELEASE/updates/try/, where depmod finds it).

export PATH=/sbin:/bin:/opt/modsign/bin
KIT=/opt/modsign
CERT=$KIT/keys/try.der

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t securityfs securityfs /sys/kernel/security
# Keep kernel messages off the console so the result lines stay whole.
dmesg -n 1
rel=$(uname -r)
mods=/lib/modules/$rel
# efivarfs: a module in Debian's kernels (make-initramfs.sh put it beside
# the tree), loaded by kmod's insmod; mokutil needs the variables
/sbin/insmod "$mods"/efivarfs.ko* 2>/run/efivarfs.err || true
mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>>/run/efivarfs.err || true

step=$(sed -n 's/.*modsign_try=\([a-z]*\).*/\1/p' /proc/cmdline)

finish() {
	echo "TRY-DONE"
	sync
	poweroff -f
}

# dmesg_new: the kernel's lines since the last dmesg -c, as a JSON array.
dmesg_new() {
	dmesg | sed 's/^\[[ 0-9.]*\] //' | jq -R . | jq -cs .
}

# dev_names: the names in /dev, one a line.
dev_names() {
	local f
	for f in /dev/*; do
		echo "${f#/dev/}"
	done
}

if [ "$step" == enroll ]; then
	out=$("$KIT/mok-enroll.sh" --cert "$CERT" --password-file "$KIT/mok-password" 2>&1)
	rc=$?
	jq -cn --argjson rc "$rc" --arg out "$out" '{exit: $rc, output: $out}' | sed 's/^/TRY-ENROLL /'
	finish
fi

# The tree: the kernel's own modules that the tried ones depend on, the
# tried ones under updates/try/, and depmod (the release's kmod) over them.
cp -a "$KIT/tree/." "$mods/"
mkdir -p /boot
cp "$KIT"/boot/* /boot/
depmod_out=$(/sbin/depmod -a 2>&1) || echo "TRY-WARN depmod: $depmod_out"

sb=$(mokutil --sb-state 2>&1 | sed -n 1p)
lockdown=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
fpr=$(openssl x509 -inform DER -in "$CERT" -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d ':' | tr 'A-F' 'a-f')
cn=$(openssl x509 -inform DER -in "$CERT" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')
# mokutil --list-enrolled prints each key's SHA1 fingerprint
listed=$(mokutil --list-enrolled 2>&1 | tr -d ':' | tr 'A-F' 'a-f')
in_mok=false
case "$listed" in *"$fpr"*) in_mok=true ;; esac
# the keyring the kernel put the certificate in (.machine, .platform...),
# as modsign status reads it with keyctl
keyring=$(modsign status --json 2>/dev/null |
	jq -r --arg cn "$cn" '[.machine.key_list[]? | select(.name == $cn) | .keyring // "none"] | unique | join(",")' 2>/dev/null)
in_keys=$(grep -cF "$cn: " /proc/keys)
jq -cn --arg rel "$rel" --arg sb "$sb" --arg lockdown "$lockdown" --arg cn "$cn" \
	--argjson in_mok "$in_mok" --arg keyring "$keyring" --argjson in_keys "$in_keys" \
	--arg kmod "$(/sbin/modprobe --version 2>&1 | sed -n 1p)" \
	'{release: $rel, secure_boot: ($sb | test("SecureBoot enabled")), secure_boot_state: $sb,
	  lockdown: $lockdown, cert_cn: $cn, cert_in_mok_list: $in_mok,
	  cert_keyring: (if $keyring == "" then null else $keyring end),
	  cert_in_proc_keys: ($in_keys > 0), kmod: $kmod}' | sed 's/^/TRY-MACHINE /'

while IFS=$'\t' read -r name file; do
	[ -n "$name" ] || continue
	path=$mods/updates/try/$file
	check=$(modsign check --json --cert "$CERT" "$path" 2>/dev/null | jq -c 'del(.machine)' 2>/dev/null | sed -n 1p)
	[ -n "$check" ] || check=null
	taint0=$(cat /proc/sys/kernel/tainted)
	dev_names >/run/dev-before
	dmesg -c >/dev/null
	loaded=false unloaded=false
	if out=$(/sbin/modprobe "$name" 2>&1); then
		loaded=true
	fi
	sleep 1
	kmsg=$(dmesg_new)
	taint1=$(cat /proc/sys/kernel/tainted)
	# the device nodes the load made (a driver's /dev/video0)
	devs=$(dev_names | grep -vxF -f /run/dev-before | jq -R . | jq -cs .)
	if [ "$loaded" == true ] && /sbin/modprobe -r "$name" >/dev/null 2>&1; then
		unloaded=true
	fi
	jq -cn --arg name "$name" --arg file "$file" --argjson loaded "$loaded" \
		--arg loader "$out" --argjson kmsg "$kmsg" --argjson t0 "$taint0" \
		--argjson t1 "$taint1" --argjson unloaded "$unloaded" --argjson check "$check" \
		--argjson devs "$devs" \
		'{name: $name, file: $file, loaded: $loaded, loader_message: $loader,
		  kernel_messages: $kmsg, taint_before: $t0, taint_after: $t1, devices_added: $devs,
		  unloaded: $unloaded, check: $check}' | sed 's/^/TRY-MODULE /'
done <"$KIT/try.list"
finish
