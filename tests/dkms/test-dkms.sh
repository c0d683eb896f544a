#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DKMS as a user meets it, in a sandbox (vm/sandbox.sh): Debian's
# real dkms and bookworm-backports' real v4l2loopback-dkms installed with
# dpkg -i, whose maintainer scripts run DKMS; then a kernel upgrade, where
# installing 6.12's headers runs Debian's /etc/kernel/header_postinst.d/dkms
# hook. Nothing is faked, and nothing reaches the host: host_untouched
# compares the host's DKMS, module, header and dpkg files with what they
# were when the suite started.
#
# The tests share one sandbox and run in the order at the end; a test whose
# predecessors were not run (a single test named on the command line) runs
# their steps first. Timings go to the output as `# ...` lines.
set -euo pipefail
# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
# shellcheck source=vm/sandbox.sh
. "$TOP/vm/sandbox.sh"

suite_error() {
	echo "dkms: ERROR: $*" >&2
	echo "test-dkms: 0 passed, 1 failed"
	exit 1
}

[ "$EUID" == 0 ] || suite_error "the DKMS suite needs root (mount namespaces, overlayfs, dpkg -i in the sandbox)"
ENVF=$(bash "$TOP/vm/fetch-debian.sh" dkms) || suite_error "fetch-debian.sh dkms failed"
# denv NAME: a value from the env file.
denv() {
	local v
	v=$(sed -n "s/^$1=//p" "$ENVF")
	[ -n "$v" ] || suite_error "$ENVF has no $1"
	echo "$v"
}
DKMS_DEB=$(denv DKMS_DEB)
V4L2LOOPBACK_DEB=$(denv V4L2LOOPBACK_DEB)
V4L2LOOPBACK_VERSION=$(denv V4L2LOOPBACK_VERSION)
DEPS_DIR=$(denv DEPS_DIR)
HEADERS612_DIR=$(denv HEADERS612_DIR)
HEADERS612_ROOT=$(denv HEADERS612_ROOT)
HEADERS61_DIR=$(denv HEADERS61_DIR)
REL61=$(denv RELEASE61)
REL612=$(denv RELEASE612)
IMAGE61=$(denv IMAGE61)
IMAGE612=$(denv IMAGE612)
DEPMOD61=$(denv DEPMOD61)
DEPMOD612=$(denv DEPMOD612)
export DKMS_DEB V4L2LOOPBACK_DEB V4L2LOOPBACK_VERSION DEPS_DIR HEADERS612_DIR HEADERS612_ROOT \
	REL61 REL612 IMAGE61 IMAGE612 DEPMOD61 DEPMOD612

SUITE=$(mktemp -d "${TMPDIR:-/tmp}/modsign-dkms.XXXXXX")
export SUITE

# The kernels' modules the sandboxes show as installed: videodev, the one
# v4l2loopback needs, and what it needs in turn (mc). DKMS runs depmod on
# every install and remove (eight times in the suite); over the whole image
# that takes about 9 s for 6.1 and 17 s for 6.12 (4200 .ko.xz to unpack),
# over these few modules a moment. What DKMS decides from modules.dep stays
# the same: 6.12's lists .ko.xz modules, 6.1's .ko ones.
# deps_on_line checks that v4l2loopback needs no other module.
NEEDED_MODULES=(videodev)

cleanup() {
	if [ -z "${KEEP_TMP:-}" ]; then
		SANDBOX_DIR=$SUITE/sandbox sandbox_stop || true
		[ ! -d "$SUITE/kitbox" ] || SANDBOX_DIR=$SUITE/kitbox sandbox_stop || true
		rm -rf "$SUITE"
	fi
}
trap cleanup EXIT
host_fingerprint >"$SUITE/host.before"
small_image "$IMAGE61" "$DEPMOD61" "$REL61" "$SUITE/image61" "${NEEDED_MODULES[@]}" || suite_error "cannot make the small 6.1 image in $SUITE/image61"
small_image "$IMAGE612" "$DEPMOD612" "$REL612" "$SUITE/image612" "${NEEDED_MODULES[@]}" || suite_error "cannot make the small 6.12 image in $SUITE/image612"
SMALL61=$SUITE/image61/lib/modules/$REL61
SMALL612=$SUITE/image612/lib/modules/$REL612


# The shared sandbox: the host's files, plus Debian 12's 6.1 image as
# installed (the modules the tests need and what depmod writes). A Debian
# 12 host has the 6.1 headers installed, so the sandbox does too; on
# another release the sandbox gets them, and hides the host's kernels.
sandbox_start "$SUITE/sandbox" || suite_error "cannot make the sandbox in $SUITE"
sandbox_layer "/usr/lib/modules/$REL61" "$SMALL61" || suite_error "cannot layer the 6.1 image"
sandbox_as_debian12 "$HEADERS61_DIR" "$REL61" || suite_error "cannot make the sandbox a Debian 12 with 6.1"
no_man_index || suite_error "cannot switch man-db's index off in the sandbox"

# One job and a lower priority for every build: the machine is shared.
# dkms reads parallel_jobs from the environment (dpkg passes it on).
in_sandbox() {
	sandbox_run env parallel_jobs=1 nice -n 10 "$@"
}

# in_dpkg ARGS...: dpkg in the sandbox, as in_sandbox, without the fsync
# after each file it unpacks (--force-unsafe-io): a sandbox is thrown away
# with its files, and that halves dpkg -i of 6.12's headers (17000 files).
in_dpkg() {
	in_sandbox dpkg --force-unsafe-io "$@"
}

# timed LOG CMD...: runs CMD with its output in LOG; prints the seconds.
timed() {
	local log=$1 start rc=0
	shift
	start=$(date +%s.%N)
	"$@" >"$log" 2>&1 || rc=$?
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", e - s }' >"$log.secs"
	return "$rc"
}

# stamped LOG CMD...: as timed, and every line of CMD's output starts with
# the seconds since CMD started (bash's own clock: no process per line), so
# that one module's share of a hook's run can be read off (module_secs).
stamped() {
	local log=$1 start rc=0
	shift
	start=${EPOCHREALTIME//[!0-9]/}
	"$@" 2>&1 | stamp_lines "$start" >"$log" || rc=$?
	stamp_lines "$start" </dev/null
	echo "$LAST_STAMP" >"$log.secs"
	return "$rc"
}

# stamp_lines START: each line of stdin prefixed with "SECS "; then
# LAST_STAMP is the seconds at the end.
stamp_lines() {
	local line d
	while IFS= read -r line; do
		d=$((${EPOCHREALTIME//[!0-9]/} - $1))
		printf '%d.%06d %s\n' $((d / 1000000)) $((d % 1000000)) "$line"
	done
	d=$((${EPOCHREALTIME//[!0-9]/} - $1))
	LAST_STAMP=$(printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)))
}

# module_secs LOG MODULE: in a stamped `dkms autoinstall` log, the seconds
# from DKMS's "Sign command:" line that starts MODULE's build to the depmod
# line that ends its install: build, sign, compress, install, depmod.
module_secs() {
	awk -v m="/var/lib/dkms/$2/" '
		$2 == "Sign" && $3 == "command:" { start = $1; mine = 0 }
		index($0, m) { mine = 1 }
		mine && $2 ~ /^depmod/ { printf "%.1f\n", $1 - start; found = 1; exit }
		END { if (!found) exit 1 }' "$1"
}

# step NAME: runs step_NAME once per suite; a step that failed fails every
# test that needs it. Steps run where errexit is off (in an if): each
# command that can fail says so itself.
step() {
	if [ -e "$SUITE/step-$1.failed" ]; then
		fail "an earlier step, $1, failed: $(tail -n 15 "$SUITE/step-$1.log")"
	fi
	[ -e "$SUITE/step-$1.done" ] && return 0
	if "step_$1" >"$SUITE/step-$1.log" 2>&1; then
		touch "$SUITE/step-$1.done"
	else
		touch "$SUITE/step-$1.failed"
		fail "step $1 failed: $(tail -n 15 "$SUITE/step-$1.log")"
	fi
}

# dkms, if the host lacks it, with whatever else the host lacks, then
# v4l2loopback-dkms, whose postinst builds and installs for 6.1.
step_install_61() {
	local debs=()
	if ! grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' dkms 2>/dev/null)"; then
		# what dkms needs first: it pre-depends on lsb-release, which
		# must be configured before dkms unpacks
		mapfile -t debs < <(find "$DEPS_DIR" -name '*.deb')
		[ ${#debs[@]} == 0 ] || in_dpkg -i "${debs[@]}" || return 1
		in_dpkg -i "$DKMS_DEB" || return 1
	fi
	timed "$SUITE/v4l2loopback-61.log" in_dpkg -i "$V4L2LOOPBACK_DEB" || {
		cat "$SUITE/v4l2loopback-61.log"
		return 1
	}
}

# The kernel upgrade: 6.12's image shows up as installed (modules and
# depmod's files), then its headers are installed with dpkg -i; their
# postinst runs /etc/kernel/header_postinst.d/*, DKMS's hook among them.
# The hook is then run by hand, as `HOOK RELEASE`, the way the postinst
# ran it, to time the rebuild alone; while dpkg runs, DKMS's own switch
# /etc/dkms/no-autoinstall keeps the postinst's call from building (it
# would build the same thing twice). --force-depends: the headers depend
# on the image package, whose files are there but which dpkg does not know.
# In the shared sandbox: logs $SUITE/headers-612.log and
# $SUITE/hook-612.log (stamped).
step_upgrade_612() {
	step_ok install_61 || return 1
	sandbox_layer "/usr/lib/modules/$REL612" "$SMALL612" || return 1
	sandbox_run touch /etc/dkms/no-autoinstall || return 1
	timed "$SUITE/headers-612.log" in_dpkg -i --force-depends "$HEADERS612_DIR"/*.deb || {
		cat "$SUITE/headers-612.log"
		return 1
	}
	sandbox_run rm /etc/dkms/no-autoinstall || return 1
	stamped "$SUITE/hook-612.log" in_sandbox /etc/kernel/header_postinst.d/dkms "$REL612" || {
		cat "$SUITE/hook-612.log"
		return 1
	}
}

# step_ok NAME: inside a step, a step it needs (no `fail`: not in a test).
step_ok() {
	[ ! -e "$SUITE/step-$1.failed" ] || return 1
	[ ! -e "$SUITE/step-$1.done" ] || return 0
	if "step_$1" >"$SUITE/step-$1.log" 2>&1; then
		touch "$SUITE/step-$1.done"
	else
		touch "$SUITE/step-$1.failed"
		return 1
	fi
}

# from_sandbox PATH DEST: a copy of a file of the sandbox.
from_sandbox() {
	sandbox_run cat "$1" >"$2" || fail "$1 is not in the sandbox"
}

# deps_on_line MODULE DEPLINE: every module that MODULE needs (modinfo's
# depends, from modpost) is on its modules.dep line, in the file DEPLINE:
# the small images (NEEDED_MODULES) hold what it needs.
deps_on_line() {
	local d
	for d in $(modinfo -F depends "$1" | tr ',' ' '); do
		grep -qE "/${d//[-_]/[-_]}\.ko(\.xz)?( |\$)" "$2" ||
			fail "$1 needs $d, which is not on its modules.dep line (add it to NEEDED_MODULES): $(cat "$2")"
	done
}

# signature_verifies MODULE CERT_DER: the module's appended PKCS#7
# signature holds over its bytes for that certificate.
signature_verifies() {
	local size len
	size=$(stat -c %s "$1")
	tail -c 28 "$1" | cmp -s - <(printf '~Module signature appended~\n') || fail "$1 has no signature"
	len=$((0x$(od -An -tx1 -j $((size - 32)) -N 4 "$1" | tr -d ' \n')))
	head -c $((size - 40 - len)) "$1" >body
	dd if="$1" of=sig iflag=skip_bytes,count_bytes skip=$((size - 40 - len)) count="$len" bs=64K status=none
	openssl cms -verify -binary -inform DER -in sig -content body \
		-certfile "$2" -nointern -noverify -out /dev/null 2>err ||
		fail "openssl cms -verify rejects $1 with $2: $(cat err)"
}

test_sandbox_keeps_writes_to_itself() {
	sandbox_start "$T/box"
	# shellcheck disable=SC2016 # $d is the sandbox's shell's
	sandbox_run sh -c 'for d in /etc /var/lib /usr/lib/modules /usr/src /boot; do echo x >"$d/modsign-probe"; done'
	local d
	for d in /etc /var/lib /usr/lib/modules /usr/src /boot; do
		[ ! -e "$d/modsign-probe" ] || fail "$d/modsign-probe reached the host"
		sandbox_run test -e "$d/modsign-probe" || fail "$d/modsign-probe did not persist to a second run"
	done
	[ -e "$T/box/root/usr/upper/lib/modules/modsign-probe" ] || fail "the /usr write is not in the upper folder"
	! grep -q modsign-sandbox /proc/self/mountinfo || fail "a sandbox mount is visible on the host"
	sandbox_stop
	[ ! -e "$T/box" ] || fail "sandbox_stop left $T/box"
}

test_v4l2loopback_installs_for_61() {
	# Only 6.1 is a kernel here, and only its headers are installed.
	expect_eq "$REL61" "$(sandbox_run ls /lib/modules)" "kernels in the fresh sandbox"
	[ ! -e "/usr/src/linux-headers-$REL612" ] || fail "the host has 6.12's headers"
	step install_61
	local log=$SUITE/v4l2loopback-61.log mods
	note "dpkg -i v4l2loopback-dkms $V4L2LOOPBACK_VERSION (build for $REL61): $(cat "$log.secs") s"
	expect_file_contains "$log" "Setting up v4l2loopback-dkms ($V4L2LOOPBACK_VERSION)"
	expect_file_contains "$log" "Building for $REL61"
	expect_file_contains "$log" "Installing to /lib/modules/$REL61/updates/dkms/"
	mods=$(sandbox_run ls "/lib/modules/$REL61/updates/dkms")
	expect_eq v4l2loopback.ko "$mods" "DKMS's modules for 6.1 (6.1's own are not compressed)"
	from_sandbox "/lib/modules/$REL61/updates/dkms/v4l2loopback.ko" v61.ko
	from_sandbox /var/lib/dkms/mok.pub mok.pub
	sandbox_run test -s /var/lib/dkms/mok.key || fail "no /var/lib/dkms/mok.key in the sandbox"
	expect_eq "DKMS module signing key" "$(modinfo -F signer v61.ko)" "signer"
	expect_eq sha256 "$(modinfo -F sig_hashalgo v61.ko)" "hash"
	grep -q "^$REL61 " <<<"$(modinfo -F vermagic v61.ko)" || fail "not built for $REL61: $(modinfo -F vermagic v61.ko)"
	signature_verifies v61.ko mok.pub
	sandbox_run grep "^updates/dkms/v4l2loopback.ko:" "/lib/modules/$REL61/modules.dep" >dep ||
		fail "depmod did not index the module"
	expect_file_contains dep "kernel/drivers/media/v4l2-core/videodev.ko"
	deps_on_line v61.ko dep
	sandbox_run dkms status >dkms-status
	grep -q "^v4l2loopback/[^,]*, $REL61, x86_64: installed" dkms-status ||
		fail "dkms status: $(cat dkms-status)"
	[ ! -e "/usr/lib/modules/$REL61/updates" ] || fail "the host got /lib/modules/$REL61/updates"
}

test_kernel_upgrade_to_612() {
	step install_61
	sandbox_run test ! -e "/usr/src/linux-headers-$REL612" || fail "6.12's headers were there before the upgrade"
	step upgrade_612
	local log=$SUITE/headers-612.log hook=$SUITE/hook-612.log mods check intree sig61
	note "dpkg -i of 6.12's headers (kbuild, -common, -amd64; DKMS's hook switched off): $(cat "$log.secs") s"
	note "/etc/kernel/header_postinst.d/dkms $REL612 (build v4l2loopback, sign, xz, depmod): $(cat "$hook.secs") s"
	# The headers' postinst calls DKMS's hook with the new release.
	expect_file_contains "$log" "Setting up linux-headers-$REL612 "
	expect_file_contains "$log" "/etc/kernel/header_postinst.d/dkms:"
	expect_file_contains "$log" "dkms: autoinstall for dkms modules has been disabled"
	expect_file_contains "$hook" "dkms: running auto installation service for kernel $REL612"
	expect_file_contains "$hook" "Signing module /var/lib/dkms/v4l2loopback/"
	expect_file_contains "$hook" "Installing to /lib/modules/$REL612/updates/dkms/"
	expect_file_contains "$hook" "dkms: autoinstall for kernel: $REL612."
	sandbox_run test -L "/lib/modules/$REL612/build" || fail "no /lib/modules/$REL612/build"
	# 6.12's modules.dep lists .ko.xz modules, so DKMS compresses with xz.
	mods=$(sandbox_run ls "/lib/modules/$REL612/updates/dkms")
	expect_eq v4l2loopback.ko.xz "$mods" "DKMS's modules for 6.12"
	from_sandbox "/lib/modules/$REL612/updates/dkms/v4l2loopback.ko.xz" v612.ko.xz
	from_sandbox "/lib/modules/$REL61/updates/dkms/v4l2loopback.ko" v61.ko
	from_sandbox /var/lib/dkms/mok.pub mok.pub
	xz -t v612.ko.xz || fail "not a valid xz file"
	check=$(xz --list --robot v612.ko.xz | awk -F'\t' '$1 == "file" { print $7 }')
	intree=$(xz --list --robot "$IMAGE612/kernel/fs/efivarfs/efivarfs.ko.xz" | awk -F'\t' '$1 == "file" { print $7 }')
	note "xz check of DKMS's 6.12 module: $check (Debian's own 6.12 modules: $intree)"
	expect_eq CRC64 "$check" "xz check of DKMS's module (its plain xz -f)"
	expect_eq CRC32 "$intree" "xz check of Debian's modules"
	xz -dc v612.ko.xz >v612.ko
	expect_eq "DKMS module signing key" "$(modinfo -F signer v612.ko)" "signer"
	grep -q "^$REL612 " <<<"$(modinfo -F vermagic v612.ko)" || fail "not built for $REL612"
	signature_verifies v612.ko mok.pub
	sig61=$(modinfo -F sig_key v61.ko)
	[ -n "$sig61" ] || fail "the 6.1 module is not signed"
	expect_eq "$sig61" "$(modinfo -F sig_key v612.ko)" "key of the 6.12 module (the 6.1 one's)"
	sandbox_run grep "^updates/dkms/v4l2loopback.ko.xz:" "/lib/modules/$REL612/modules.dep" >dep ||
		fail "depmod did not index the 6.12 module"
	expect_file_contains dep "kernel/drivers/media/v4l2-core/videodev.ko.xz"
	deps_on_line v612.ko dep
	sandbox_run dkms status >dkms-status
	expect_file_contains dkms-status "$REL61, x86_64: installed"
	expect_file_contains dkms-status "$REL612, x86_64: installed"
}

# The kit's own sandbox, kept apart from the shared one so that DKMS never
# made its own key in it: 6.1 as the only kernel, dkms installed, and the
# kit installed with its `make install-tool` from a fresh copy of the
# repository ($SUITE/kit, with a key pair from `make keys`).
KITBOX=$SUITE/kitbox
KIT=$SUITE/kit

step_kit_tree() {
	fresh_tree "$KIT" || return 1
	# The built tool, if there is one, spares a rebuild (make decides).
	[ ! -x "$TOP/sign/modsign" ] || cp -p "$TOP/sign/modsign" "$KIT/sign/modsign" || return 1
	nice -n 10 make -s -C "$KIT/sign" || return 1
	make -s -C "$KIT" keys || return 1
}

step_kit_box() {
	local debs=()
	step_ok kit_tree || return 1
	sandbox_start "$KITBOX" || return 1
	sandbox_layer "/usr/lib/modules/$REL61" "$SMALL61" || return 1
	sandbox_as_debian12 "$HEADERS61_DIR" "$REL61" || return 1
	no_man_index || return 1
	if ! grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' dkms 2>/dev/null)"; then
		# what dkms needs first: it pre-depends on lsb-release, which
		# must be configured before dkms unpacks
		mapfile -t debs < <(find "$DEPS_DIR" -name '*.deb')
		[ ${#debs[@]} == 0 ] || in_dpkg -i "${debs[@]}" || return 1
		in_dpkg -i "$DKMS_DEB" || return 1
	fi
	sandbox_run make -s -C "$KIT" install-tool || return 1
}

# In the kit's sandbox, DKMS pointed at the kit's key, then
# v4l2loopback-dkms installed: its postinst builds and signs for 6.1.
step_kit_v4l2() {
	step_ok kit_box || return 1
	SANDBOX_DIR=$KITBOX
	sandbox_run make -s -C "$KIT" dkms-key </dev/null || return 1
	timed "$SUITE/kit-v4l2loopback.log" in_dpkg -i "$V4L2LOOPBACK_DEB" || {
		cat "$SUITE/kit-v4l2loopback.log"
		return 1
	}
}

# kit_sandbox: the kit's sandbox, made if need be, for this test.
kit_sandbox() {
	step kit_box
	SANDBOX_DIR=$KITBOX
	export SANDBOX_DIR
}

# kit_state: type, mode, owner, mtime and hash of every file DKMS's
# configuration and keys (its own and the kit's copy) are made of.
kit_state() {
	# shellcheck disable=SC2016 # expanded by the sandbox's shell
	sandbox_run sh -c 'for d in /etc/dkms /var/lib/dkms /var/lib/modsign; do
		[ ! -e "$d" ] || find "$d" -xdev -printf "%p %y %m %u:%g %s %T@\n"
		[ ! -e "$d" ] || find "$d" -xdev -type f -exec sha256sum {} +
	done' | LC_ALL=C sort
}

# The cert's CN, as modinfo's signer shows it.
kit_cn() {
	openssl x509 -inform DER -in "$KIT/keys/signing_key.x509" -noout -subject -nameopt multiline |
		sed -n 's/^ *commonName *= //p'
}

test_install_tool_and_uninstall() {
	step kit_tree
	local want got
	make -s -C "$KIT" install-tool DESTDIR="$T/root" PREFIX=/usr/local >out 2>&1 || fail "install-tool: $(cat out)"
	# and modsign-kit's scripts below lib/modsign, laid out as in a clone
	# (links for mok-enroll.sh, sign/modsign and scripts/modsig-lib.sh);
	# modsign-try with its VM parts in lib/modsign/try and vm, and
	# bin/modsign-try a link to it
	want='usr/local/bin/modsign 755
usr/local/bin/modsign-kit 755
usr/local/bin/modsign-try 777
usr/local/bin/mok-enroll.sh 755
usr/local/lib/modsign/dkms-sign-file 755
usr/local/lib/modsign/keys/openssl.cnf 644
usr/local/lib/modsign/modsig-lib.sh 644
usr/local/lib/modsign/mok-enroll.sh 777
usr/local/lib/modsign/scripts/adopt-key.sh 755
usr/local/lib/modsign/scripts/dkms-key.sh 755
usr/local/lib/modsign/scripts/kdir.sh 755
usr/local/lib/modsign/scripts/make-keys.sh 755
usr/local/lib/modsign/scripts/modsig-lib.sh 777
usr/local/lib/modsign/scripts/rotate-key.sh 755
usr/local/lib/modsign/scripts/setup.sh 755
usr/local/lib/modsign/scripts/sign-modules.sh 755
usr/local/lib/modsign/sign/modsign 777
usr/local/lib/modsign/try/dkms-box.sh 644
usr/local/lib/modsign/try/guest-try.sh 755
usr/local/lib/modsign/try/modsign-try 755
usr/local/lib/modsign/vm/cache.sh 644
usr/local/lib/modsign/vm/fetch-debian.sh 755
usr/local/lib/modsign/vm/in-root.sh 644
usr/local/lib/modsign/vm/make-initramfs.sh 755
usr/local/lib/modsign/vm/run-qemu.exp 755
usr/local/lib/modsign/vm/sandbox.sh 644
usr/local/lib/modsign/vm/trixie-root.sh 755
usr/local/share/bash-completion/completions/modsign 644
usr/local/share/bash-completion/completions/modsign-kit 644
usr/local/share/man/man1/modsign-kit.1 644
usr/local/share/man/man1/modsign-try.1 644
usr/local/share/man/man1/modsign.1 644
usr/local/share/man/man1/mok-enroll.sh.1 644'
	got=$(cd "$T/root" && find . ! -type d -printf '%P %m\n' | LC_ALL=C sort)
	expect_eq "$want" "$got" "files install-tool installed"
	"$T/root/usr/local/bin/modsign" --help >help || fail "the installed modsign does not run"
	expect_file_contains help "Usage: modsign COMMAND"
	cmp -s "$KIT/scripts/dkms-sign-file" "$T/root/usr/local/lib/modsign/dkms-sign-file" || fail "dkms-sign-file differs"
	bash -n "$T/root/usr/local/share/bash-completion/completions/modsign" || fail "the completion does not parse"
	expect_eq ../lib/modsign/try/modsign-try "$(readlink "$T/root/usr/local/bin/modsign-try")" "the link bin/modsign-try"
	make -s -C "$KIT" uninstall-tool DESTDIR="$T/root" PREFIX=/usr/local >out 2>&1 || fail "uninstall-tool: $(cat out)"
	got=$(cd "$T/root" && find . ! -type d -printf '%P\n')
	expect_eq "" "$got" "files left after uninstall-tool"
	[ ! -e "$T/root/usr/local/lib/modsign" ] || fail "uninstall-tool left lib/modsign"
}

test_dkms_key_drop_in() {
	kit_sandbox
	local dkms_before conf first second
	# Folders' times change when the drop-in's folder gets a file: files only.
	dkms_before=$(kit_state | awk '$2 != "d"' | grep -v ' /var/lib/modsign\|^/var/lib/modsign')
	# An Ubuntu-style MOK, to be reported.
	sandbox_run install -D -m 0644 "$KIT/keys/signing_key.x509" /var/lib/shim-signed/mok/MOK.der
	sandbox_run make -s -C "$KIT" dkms-key </dev/null >out 2>&1 || fail "make dkms-key: $(cat out)"
	expect_file_contains out "existing key: /var/lib/shim-signed/mok/MOK.der"
	expect_file_contains out "cannot be checked here (no EFI variables)"
	conf=/etc/dkms/framework.conf.d/modsign.conf
	from_sandbox "$conf" dropin
	expect_file_contains dropin 'mok_signing_key="/var/lib/modsign/signing_key.pem"'
	expect_file_contains dropin 'mok_certificate="/var/lib/modsign/signing_key.x509"'
	expect_file_contains dropin 'sign_file="/usr/local/lib/modsign/dkms-sign-file"'
	expect_eq "root:root 700" "$(sandbox_run stat -c '%U:%G %a' /var/lib/modsign)" "the key folder"
	expect_eq "root:root 600" "$(sandbox_run stat -c '%U:%G %a' /var/lib/modsign/signing_key.pem)" "the key copy"
	from_sandbox /var/lib/modsign/signing_key.pem key.copy
	cmp -s "$KIT/keys/signing_key.pem" key.copy || fail "the key copy differs from the kit's key"
	expect_eq "$dkms_before" "$(kit_state | awk '$2 != "d"' | grep -v ' /var/lib/modsign\|^/var/lib/modsign' | grep -v "$conf")" \
		"DKMS's own files (framework.conf, /var/lib/dkms) after make dkms-key"
	first=$(kit_state)
	sandbox_run make -s -C "$KIT" dkms-key </dev/null >out2 2>&1 || fail "second make dkms-key: $(cat out2)"
	second=$(kit_state)
	expect_eq "$first" "$second" "files after a second make dkms-key"
	expect_file_lacks out2 "writing "
	sandbox_run make -s -C "$KIT" dkms-key-remove </dev/null >out3 2>&1 || fail "make dkms-key-remove: $(cat out3)"
	sandbox_run test ! -e "$conf" || fail "make dkms-key-remove left $conf"
	expect_file_contains out3 "removing $conf"
	[ ! -e /var/lib/modsign ] || fail "/var/lib/modsign reached the host"
}

test_v4l2loopback_signed_with_kit_key() {
	kit_sandbox
	local log=$SUITE/kit-v4l2loopback.log mod=/lib/modules/$REL61/updates/dkms/v4l2loopback.ko
	step kit_v4l2
	note "dpkg -i v4l2loopback-dkms signed with the kit's key (build for $REL61): $(cat "$log.secs") s"
	expect_file_contains "$log" "Installing to /lib/modules/$REL61/updates/dkms/"
	expect_file_lacks "$log" "modsign: ERROR"
	from_sandbox "$mod" v.ko
	expect_eq "$(kit_cn)" "$(modinfo -F signer v.ko)" "signer of DKMS's module"
	sandbox_run /usr/local/bin/modsign verify --cert /var/lib/modsign/signing_key.x509 "$mod" >verify.out 2>&1 ||
		fail "modsign verify: $(cat verify.out)"
	expect_file_contains verify.out "OK $mod"
	signature_verifies v.ko "$KIT/keys/signing_key.x509"
	sandbox_run test ! -e /var/lib/dkms/mok.key || fail "DKMS made its own key although the kit's is configured"
}

# DKMS 3.0.10 drops sign_file's exit status and `dkms build` in a
# postinst hides standard output: the error must still show on stderr.
test_dkms_shows_sign_failure() {
	kit_sandbox
	local ver=${V4L2LOOPBACK_VERSION%%-*} rc=0
	step kit_v4l2
	sandbox_run make -s -C "$KIT" dkms-key </dev/null >out 2>&1 || fail "make dkms-key: $(cat out)"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
	sandbox_run install -m 0600 "$T/other.pem" /var/lib/modsign/signing_key.pem
	in_sandbox dkms build --force "v4l2loopback/$ver" -k "$REL61" </dev/null >/dev/null 2>err || rc=$?
	note "dkms build with a key that is not the certificate's exits $rc (DKMS 3.0.10 drops sign_file's status)"
	expect_file_contains err "modsign: ERROR: dkms-sign-file: signing /var/lib/dkms/v4l2loopback/$ver/build/v4l2loopback.ko failed, so it is NOT signed"
	expect_file_contains err "the private key does not match the certificate /var/lib/modsign/signing_key.x509"
	# make dkms-key puts the kit's key back.
	sandbox_run make -s -C "$KIT" dkms-key </dev/null >out 2>&1 || fail "make dkms-key: $(cat out)"
	expect_file_contains out "writing /var/lib/modsign/signing_key.pem"
}

test_encrypted_key_refused() {
	kit_sandbox
	local conf=/etc/dkms/framework.conf.d/modsign.conf
	mkdir enc
	openssl req -new -x509 -newkey rsa:2048 -keyout enc/signing_key.pem -passout pass:secret \
		-subj /CN=locked -days 1 -outform DER -out enc/signing_key.x509 2>/dev/null
	sandbox_run make -s -C "$KIT" dkms-key-remove >/dev/null 2>&1 || fail "make dkms-key-remove failed"
	if sandbox_run make -s -C "$KIT" dkms-key KEYDIR="$T/enc" </dev/null >out 2>err; then
		fail "make dkms-key accepted a passphrase-protected key: $(cat out)"
	fi
	expect_file_contains err "modsign: ERROR: $T/enc/signing_key.pem is protected by a passphrase, and DKMS cannot use such a key"
	sandbox_run test ! -e "$conf" || fail "a drop-in was written for the encrypted key"
	from_sandbox /var/lib/modsign/signing_key.pem key.copy
	cmp -s "$KIT/keys/signing_key.pem" key.copy || fail "the kit's key copy was replaced"
}

test_sign_failure_is_loud() {
	step kit_tree
	local prog=$KIT/scripts/dkms-sign-file sum
	cp "$IMAGE61/kernel/fs/efivarfs/efivarfs.ko" m.ko
	chmod u+w m.ko
	sum=$(sha256sum <m.ko)
	expect_exit 1 "$prog" sha256 "$T/missing.pem" "$KIT/keys/signing_key.x509" "$T/m.ko"
	expect_file_contains err "modsign: ERROR: dkms-sign-file: the signing key $T/missing.pem does not exist, so $T/m.ko is NOT signed"
	expect_eq "$sum" "$(sha256sum <m.ko)" "the module after a failed signing"
	# A key that is not the certificate's: modsign itself refuses.
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
	expect_exit 1 "$prog" sha256 "$T/other.pem" "$KIT/keys/signing_key.x509" "$T/m.ko"
	expect_file_contains err "modsign: ERROR: dkms-sign-file: signing $T/m.ko failed, so it is NOT signed"
	expect_eq "$sum" "$(sha256sum <m.ko)" "the module after a refused key"
	# And the good pair signs and verifies.
	expect_exit 0 "$prog" sha256 "$KIT/keys/signing_key.pem" "$KIT/keys/signing_key.x509" "$T/m.ko"
	expect_eq "$(kit_cn)" "$(modinfo -F signer m.ko)" "signer after a good run"
}

# Module names that look like options (DKMS passes whatever the package's
# file is called): each is signed by the kit's key and verified, not taken
# for --help or an unknown option. No sandbox: the program on its own.
test_sign_file_takes_any_module_name() {
	step kit_tree
	local prog=$KIT/scripts/dkms-sign-file name
	mkdir mods
	for name in --help -x.ko -; do
		cp "$IMAGE61/kernel/fs/efivarfs/efivarfs.ko" "mods/$name"
		chmod u+w "mods/$name"
		"$KIT/sign/modsign" strip -- "mods/$name" >/dev/null || fail "cannot strip mods/$name"
		(cd mods && expect_exit 0 "$prog" sha256 "$KIT/keys/signing_key.pem" "$KIT/keys/signing_key.x509" "$name")
		"$KIT/sign/modsign" verify --cert "$KIT/keys/signing_key.x509" -- "mods/$name" >verify.out 2>&1 ||
			fail "mods/$name is not signed by the kit's key after dkms-sign-file: $(cat verify.out)"
		expect_file_contains verify.out "OK mods/$name ($(kit_cn))"
	done
}

# The kit's own modules as a DKMS package (modules/dkms.conf), built by
# `make dkms-install` in the kit's sandbox, where v4l2loopback is already
# signed with the kit's key; make dkms-key first, as a user would (a test
# before took the drop-in away).
KIT_MODULES=(chardev hello-1 hello-2 hello-3 hello-4 hello-5 procfs startstop sysfs workqueue_demo)

step_kit_dkms_install() {
	step_ok kit_v4l2 || return 1
	SANDBOX_DIR=$KITBOX
	sandbox_run make -s -C "$KIT" dkms-key </dev/null || return 1
	timed "$SUITE/kit-dkms-install.log" in_sandbox make -C "$KIT" dkms-install </dev/null || {
		cat "$SUITE/kit-dkms-install.log"
		return 1
	}
}

# The kernel upgrade in the kit's sandbox: 6.12's image and headers show
# up as installed, the headers as the files dpkg -i unpacks (HEADERS612_ROOT,
# layered; their dpkg -i and its postinst's call of the hook are tested in
# the shared sandbox, and here they cost 17000 files to write and to delete
# again), then DKMS's hook, run as the headers' postinst runs it, rebuilds
# v4l2loopback and the kit's modules for 6.12 with the kit's key.
step_kit_upgrade_612() {
	local kbuild
	step_ok kit_dkms_install || return 1
	SANDBOX_DIR=$KITBOX
	kbuild=$(cd "$HEADERS612_ROOT/usr/lib" && echo linux-kbuild-*)
	sandbox_layer "/usr/lib/modules/$REL612" "$SMALL612" "$HEADERS612_ROOT/lib/modules/$REL612" || return 1
	sandbox_layer /usr/src "$HEADERS612_ROOT/usr/src" || return 1
	sandbox_layer "/usr/lib/$kbuild" "$HEADERS612_ROOT/usr/lib/$kbuild" || return 1
	stamped "$SUITE/kit-hook-612.log" in_sandbox /etc/kernel/header_postinst.d/dkms "$REL612" || {
		cat "$SUITE/kit-hook-612.log"
		return 1
	}
}

kit_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$KIT/modules/dkms.conf"
}

# kit_files SUFFIX: the kit's module files, and v4l2loopback's, sorted.
kit_files() {
	printf '%s\n' "${KIT_MODULES[@]}" v4l2loopback | sed "s/\$/$1/" | LC_ALL=C sort
}

# dkms_files: what DKMS's package and its results are made of in the
# kit's sandbox (type, size, mtime, mode).
dkms_files() {
	# shellcheck disable=SC2016 # expanded by the sandbox's shell
	sandbox_run sh -c 'find /var/lib/dkms /usr/src/modsign-modules-* /lib/modules/*/updates \
		/lib/modules/*/modules.dep -xdev -printf "%p %y %s %T@ %m\n" 2>/dev/null' | LC_ALL=C sort
}

test_dkms_install_needs_kit_key() {
	kit_sandbox
	step kit_v4l2
	sandbox_run make -s -C "$KIT" dkms-key-remove </dev/null >/dev/null 2>&1 || fail "make dkms-key-remove failed"
	if sandbox_run make -s -C "$KIT" dkms-install </dev/null >out 2>err; then
		fail "make dkms-install ran although DKMS signs with its own key: $(cat out)"
	fi
	expect_file_contains err "modsign: ERROR: DKMS does not sign with the kit's key"
	expect_file_contains err "Run 'sudo make dkms-key' first; nothing was changed"
	sandbox_run sh -c 'ls -d /usr/src/modsign-modules-* /var/lib/dkms/modsign-modules 2>/dev/null' >left || true
	expect_eq "" "$(cat left)" "what the refused make dkms-install left"
	# A release without headers is refused before anything changes.
	sandbox_run make -s -C "$KIT" dkms-key </dev/null >/dev/null 2>&1 || fail "make dkms-key failed"
	if sandbox_run make -s -C "$KIT" dkms-install KERNELVER="$REL61 6.0.0-nothere" </dev/null >out 2>err; then
		fail "make dkms-install took a kernel without headers: $(cat out)"
	fi
	expect_file_contains err "modsign: ERROR: kernel 6.0.0-nothere has no headers"
	sandbox_run sh -c 'ls -d /usr/src/modsign-modules-* 2>/dev/null' >left || true
	expect_eq "" "$(cat left)" "what make dkms-install with a missing kernel left"
}

test_kit_modules_dkms_install() {
	kit_sandbox
	step kit_dkms_install
	local log=$SUITE/kit-dkms-install.log ver m before
	ver=$(kit_version)
	note "make dkms-install (the kit's 10 modules, built for $REL61 and signed with the kit's key): $(cat "$log.secs") s"
	expect_file_contains "$log" "files of $KIT/modules to /usr/src/modsign-modules-$ver"
	expect_eq "$(cd "$KIT/modules" && printf '%s\n' *.c Kbuild Makefile dkms.conf dkms-post-build.sh | LC_ALL=C sort)" \
		"$(sandbox_run ls "/usr/src/modsign-modules-$ver" | LC_ALL=C sort)" "the package's sources"
	expect_file_contains "$log" "building modsign-modules/$ver for $REL61"
	expect_file_contains "$log" "Signing module /var/lib/dkms/modsign-modules/$ver/build/hello-1.ko"
	expect_file_contains "$log" "dkms-install: $REL61: the 10 modules verify with /var/lib/modsign/signing_key.x509"
	expect_file_lacks "$log" "modsign: ERROR"
	sandbox_run dkms status >dkms-status
	expect_file_contains dkms-status "modsign-modules/$ver, $REL61, x86_64: installed"
	expect_eq "$(kit_files .ko)" "$(sandbox_run ls "/lib/modules/$REL61/updates/dkms")" "DKMS's modules for $REL61"
	# One copy of the folder (a sandbox run per file costs seconds).
	sandbox_run tar -C "/lib/modules/$REL61/updates/dkms" -cf - . | tar -xf - || fail "cannot copy $REL61's updates/dkms"
	for m in "${KIT_MODULES[@]}"; do
		expect_eq "$(kit_cn)" "$(modinfo -F signer "$m.ko")" "signer of $m.ko"
		grep -q "^$REL61 " <<<"$(modinfo -F vermagic "$m.ko")" || fail "$m.ko is not built for $REL61"
	done
	"$KIT/sign/modsign" verify --cert "$KIT/keys/signing_key.x509" "${KIT_MODULES[@]/%/.ko}" >verify.out 2>&1 ||
		fail "modsign verify --cert: $(cat verify.out)"
	sandbox_run test ! -e /var/lib/dkms/mok.key || fail "DKMS made its own key"
	# A second run (the release named, as the VM suite does) changes nothing.
	before=$(dkms_files)
	sandbox_run make -C "$KIT" dkms-install KERNELVER="$REL61" </dev/null >again 2>&1 || fail "second make dkms-install: $(cat again)"
	expect_eq "$before" "$(dkms_files)" "DKMS's files after a second make dkms-install"
	expect_file_contains again "modsign-modules/$ver is already installed for $REL61; nothing rebuilt"
	expect_file_lacks again "Building module"
	# Other sources under the same version: refused (DKMS would go on
	# building the old ones), nothing changed.
	fresh_tree tree
	echo '/* changed */' >>tree/modules/hello-1.c
	if sandbox_run make -s -C "$T/tree" dkms-install KEYDIR="$KIT/keys" </dev/null >out 2>err; then
		fail "make dkms-install took changed sources under the same version: $(cat out)"
	fi
	expect_file_contains err "modsign: ERROR: /usr/src/modsign-modules-$ver holds other sources than $T/tree/modules (hello-1.c differs) under the same version $ver: raise PACKAGE_VERSION"
	expect_eq "$before" "$(dkms_files)" "DKMS's files after the refused make dkms-install"
}

# xz_check FILE: the integrity check an .xz file was written with.
xz_check() {
	xz --robot --list "$1" | awk -F'\t' '$1 == "file" { print $7 }'
}

test_kit_upgrade_to_612() {
	kit_sandbox
	step kit_dkms_install
	sandbox_run test ! -e "/usr/src/linux-headers-$REL612" || fail "6.12's headers were there before the upgrade"
	step kit_upgrade_612
	local hook=$SUITE/kit-hook-612.log dir=/lib/modules/$REL612/updates/dkms ver m f
	ver=$(kit_version)
	note "in the kit's sandbox, /etc/kernel/header_postinst.d/dkms $REL612 (v4l2loopback and the kit's 10 modules): $(cat "$hook.secs") s"
	expect_file_contains "$hook" "dkms: running auto installation service for kernel $REL612"
	expect_file_contains "$hook" "Sign command: /usr/local/lib/modsign/dkms-sign-file"
	expect_file_contains "$hook" "Signing module /var/lib/dkms/v4l2loopback/"
	expect_file_contains "$hook" "Signing module /var/lib/dkms/modsign-modules/$ver/build/workqueue_demo.ko"
	expect_file_contains "$hook" "dkms: autoinstall for kernel: $REL612."
	expect_file_lacks "$hook" "modsign: ERROR"
	# 6.12's form: every module .ko.xz, signed before DKMS compressed it.
	expect_eq "$(kit_files .ko.xz)" "$(sandbox_run ls "$dir")" "DKMS's modules for $REL612"
	sandbox_run tar -C "$dir" -cf - . | tar -xf - || fail "cannot copy $dir"
	for m in "${KIT_MODULES[@]}" v4l2loopback; do
		xz -t "$m.ko.xz" || fail "$m.ko.xz is not a valid xz file"
		xz -dc "$m.ko.xz" >"$m.ko"
		expect_eq "$(kit_cn)" "$(modinfo -F signer "$m.ko")" "signer of $m.ko.xz"
		grep -q "^$REL612 " <<<"$(modinfo -F vermagic "$m.ko")" || fail "$m.ko.xz is not built for $REL612"
	done
	"$KIT/sign/modsign" verify --cert "$KIT/keys/signing_key.x509" "${KIT_MODULES[@]/%/.ko.xz}" v4l2loopback.ko.xz >verify.out 2>&1 ||
		fail "modsign verify --cert: $(cat verify.out)"
	sandbox_run dkms status >dkms-status
	expect_file_contains dkms-status "modsign-modules/$ver, $REL612, x86_64: installed"
	expect_file_contains dkms-status "v4l2loopback/${V4L2LOOPBACK_VERSION%%-*}, $REL612, x86_64: installed"
	sandbox_run test ! -e /var/lib/dkms/mok.key || fail "DKMS made a key of its own (/var/lib/dkms/mok.key) on the upgrade"
	sandbox_run test ! -e /var/lib/dkms/mok.pub || fail "DKMS made a certificate of its own on the upgrade"
	# DKMS's plain `xz -f` writes a CRC64 check (Debian's modules: CRC32),
	# which kmod 30 reads (modinfo and depmod decompress it, modprobe
	# finds it) but the kernel's own decoder refuses (the VM shows it).
	# The kit's package writes its modules again with CRC32 (POST_BUILD,
	# modules/dkms-post-build.sh), before DKMS installs them.
	expect_eq CRC64 "$(xz_check v4l2loopback.ko.xz)" "xz check of DKMS's v4l2loopback.ko.xz"
	for m in "${KIT_MODULES[@]}"; do
		expect_eq CRC32 "$(xz_check "$m.ko.xz")" "xz check of the kit's $m.ko.xz"
	done
	expect_file_contains "$hook" "Running the post_build script"
	sandbox_run sh -c "cmp /var/lib/dkms/modsign-modules/$ver/$REL612/x86_64/module/hello-1.ko.xz $dir/hello-1.ko.xz" ||
		fail "DKMS's copy of hello-1.ko.xz and the installed one differ"
	# (v4l2loopback's 6.1 line may carry it: dkms_shows_sign_failure
	# rebuilt it with a wrong key and did not install it.)
	grep "^modsign-modules/" dkms-status >kit-status || fail "no modsign-modules in dkms status: $(cat dkms-status)"
	expect_file_lacks kit-status "Diff between built and installed"
	note "xz check of DKMS's 6.12 modules with the kit's key: v4l2loopback $(xz_check v4l2loopback.ko.xz), the kit's own $(xz_check hello-1.ko.xz) ($(modinfo --version | sed -n 1p) reads both: modinfo, depmod, modprobe below)"
	expect_eq "$(kit_cn)" "$(modinfo -F signer v4l2loopback.ko.xz)" "modinfo's signer of the compressed file"
	expect_eq "$(kit_cn)" "$(sandbox_run modinfo -k "$REL612" -F signer hello-1)" "modinfo -k $REL612 hello-1"
	sandbox_run grep "^updates/dkms/v4l2loopback.ko.xz:" "/lib/modules/$REL612/modules.dep" >dep ||
		fail "depmod did not index v4l2loopback.ko.xz"
	expect_file_contains dep "kernel/drivers/media/v4l2-core/videodev.ko.xz"
	sandbox_run modprobe -S "$REL612" --show-depends v4l2loopback >deps 2>&1 || fail "modprobe --show-depends: $(cat deps)"
	expect_file_contains deps "insmod /lib/modules/$REL612/kernel/drivers/media/mc/mc.ko.xz"
	expect_file_contains deps "insmod /lib/modules/$REL612/updates/dkms/v4l2loopback.ko.xz"
}

# DKMS's rebuild of v4l2loopback alone for 6.12 (build, sign, xz, install,
# depmod), read from the two hooks' stamped logs: DKMS's own key in the
# shared sandbox, the kit's drop-in in the kit's.
test_v4l2loopback_rebuild_seconds() {
	kit_sandbox
	step kit_upgrade_612
	SANDBOX_DIR=$SUITE/sandbox step upgrade_612
	local own kit sign
	own=$(module_secs "$SUITE/hook-612.log" v4l2loopback) || fail "no v4l2loopback build in the shared sandbox's hook log"
	kit=$(module_secs "$SUITE/kit-hook-612.log" v4l2loopback) || fail "no v4l2loopback build in the kit's hook log"
	# The kit's signing alone: DKMS's "Signing module" line to the "OK"
	# line dkms-sign-file prints after its verify.
	sign=$(awk '$2 == "Signing" && $3 == "module" && index($4, "/v4l2loopback/") { s = $1 }
		s != "" && $2 == "OK" { printf "%.2f\n", $1 - s; exit }' "$SUITE/kit-hook-612.log")
	[ -n "$sign" ] || fail "no dkms-sign-file OK line for v4l2loopback in the kit's hook log"
	note "DKMS rebuilds v4l2loopback for $REL612 (build, sign, xz, install, depmod) with its own key: $own s; with the kit's drop-in: $kit s (dkms-sign-file's sign and verify: $sign s)"
	grep -q 'Sign command: /usr/local/lib/modsign/dkms-sign-file' "$SUITE/kit-hook-612.log" || fail "the kit's hook did not sign with dkms-sign-file"
	grep -q "Signing key: /var/lib/dkms/mok.key" "$SUITE/hook-612.log" || fail "the shared hook did not sign with DKMS's key"
}

test_kit_modules_dkms_remove() {
	kit_sandbox
	step kit_upgrade_612
	local ver
	ver=$(kit_version)
	sandbox_run make -s -C "$KIT" dkms-remove </dev/null >out 2>&1 || fail "make dkms-remove: $(cat out)"
	expect_file_contains out "removing modsign-modules/$ver from DKMS (every kernel)"
	expect_file_contains out "deleting /usr/src/modsign-modules-$ver"
	sandbox_run dkms status >dkms-status
	expect_file_lacks dkms-status modsign-modules
	expect_file_contains dkms-status "v4l2loopback/${V4L2LOOPBACK_VERSION%%-*}, $REL612, x86_64: installed"
	expect_eq v4l2loopback.ko "$(sandbox_run ls "/lib/modules/$REL61/updates/dkms")" "left for $REL61"
	expect_eq v4l2loopback.ko.xz "$(sandbox_run ls "/lib/modules/$REL612/updates/dkms")" "left for $REL612"
	sandbox_run sh -c 'ls -d /usr/src/modsign-modules-* /var/lib/dkms/modsign-modules 2>/dev/null' >left || true
	expect_eq "" "$(cat left)" "what make dkms-remove left"
	sandbox_run grep -c hello "/lib/modules/$REL612/modules.dep" >n || true
	expect_eq 0 "$(cat n)" "the kit's modules in $REL612's modules.dep"
	sandbox_run make -s -C "$KIT" dkms-remove </dev/null >out 2>&1 || fail "second make dkms-remove: $(cat out)"
	expect_file_contains out "modsign-modules is not installed; nothing to remove"
}

test_host_untouched() {
	! grep -q modsign-sandbox /proc/self/mountinfo || fail "a sandbox overlay is mounted on the host"
	host_fingerprint >host.after
	diff "$SUITE/host.before" host.after >host.diff ||
		fail "the host changed: $(head -c 1200 host.diff)"
	[ ! -e /var/lib/dkms ] || dpkg-query -W dkms >/dev/null 2>&1 ||
		fail "/var/lib/dkms exists on the host, though dkms is not installed there"
}

if [ $# -eq 0 ]; then
	set -- sandbox_keeps_writes_to_itself v4l2loopback_installs_for_61 \
		kernel_upgrade_to_612 install_tool_and_uninstall dkms_key_drop_in \
		v4l2loopback_signed_with_kit_key dkms_shows_sign_failure encrypted_key_refused sign_failure_is_loud \
		dkms_install_needs_kit_key kit_modules_dkms_install kit_upgrade_to_612 v4l2loopback_rebuild_seconds \
		kit_modules_dkms_remove host_untouched
fi
run_tests "$@"
