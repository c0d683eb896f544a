#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DKMS part of the Secure Boot VM's payload: Debian's real dkms builds
# bookworm-backports' real v4l2loopback-dkms for one kernel, in a sandbox
# (tests/dkms/sandbox.sh: nothing reaches the host), twice:
#   self/  signed with the key DKMS makes for itself (no kit drop-in), the
#          key nobody enrolled: the kernel must reject it;
#   kit/   signed with the kit's key through `make dkms-key` (the kit's
#          dkms-sign-file), the key the VM enrolls: the kernel must load it;
# plus, with KIT_PACKAGE=yes, the kit's own modules built through DKMS
# (`make dkms-install`: kitmods/), and deps/: videodev and mc, which
# v4l2loopback needs, from Debian's image (signed by Debian).
# With ROTATE_OUT=DIR (the rotation kernel), the key rotation's re-signing
# step then runs in the sandbox as on a real machine: the modules in
# ROTATE_INSTALL are installed under updates/kit/ (signed by the old key, as
# `make install` leaves them), and scripts/rotate-key.sh, with TREE's keys/
# at step "queued" and FAKE_MOK_DIR's fake mokutil saying the new key is
# enrolled, re-signs them and has the real DKMS rebuild its modules with the
# new key; DIR gets /lib/modules/RELEASE/updates as it is afterwards.
#
#   [KIT_PACKAGE=yes] [KIT_KEYDIR=D] [ROTATE_OUT=DIR ROTATE_INSTALL=DIR FAKE_MOK_DIR=DIR]
#   dkms-payload.sh OUT TREE TOOLS RELEASE
#
# TREE is the VM's copy of the repository with the key pair it enrolls
# (keys/, or KIT_KEYDIR: the old pair, when a rotation made a new one in
# keys/); TOOLS a built copy (make install-tool takes its sign/modsign).
# Modules keep the form DKMS gave them (.ko for 6.1, .ko.xz for 6.12).
# Prints the seconds each DKMS build took.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/dkms/sandbox.sh
. "$top/tests/dkms/sandbox.sh"

out=$1 tree=$2 tools=$3 rel=$4

die() {
	echo "dkms-payload: ERROR: $*" >&2
	exit 1
}

envf=$(bash "$top/tests/lib/fetch-debian.sh" dkms) || die "fetch-debian.sh dkms failed"
denv() {
	local v
	v=$(sed -n "s/^$1=//p" "$envf")
	[ -n "$v" ] || die "$envf has no $1"
	echo "$v"
}
v4l2_deb=$(denv V4L2LOOPBACK_DEB)
v4l2_version=$(denv V4L2LOOPBACK_VERSION)
v4l2_version=${v4l2_version%%-*}
case "$rel" in
"$(denv RELEASE61)") image=$(denv IMAGE61) depmods=$(denv DEPMOD61) headers= ;;
"$(denv RELEASE612)") image=$(denv IMAGE612) depmods=$(denv DEPMOD612) headers=$(denv HEADERS612_DIR) ;;
*) die "no DKMS files for kernel $rel (fetch-debian.sh dkms knows $(denv RELEASE61) and $(denv RELEASE612))" ;;
esac

box=$(mktemp -d "${TMPDIR:-/tmp}/modsign-vm-dkms.XXXXXX")
trap 'SANDBOX_DIR=$box sandbox_stop || true; rm -rf "$box.host-before" "$box.host-after" "$box.image"' EXIT
# What the host must keep (DKMS's, module, header and dpkg files), as the
# dkms suite's host_untouched compares it.
host_fingerprint >"$box.host-before"
# The kernel as installed, with only what v4l2loopback needs (videodev,
# mc): DKMS's depmod, and the rotation's scan of /lib/modules, then take
# seconds.
small_image "$image" "$depmods" "$rel" "$box.image" videodev ||
	die "cannot make the small image of $rel"
sandbox_start "$box"
sandbox_layer "/usr/lib/modules/$rel" "$box.image/lib/modules/$rel"
no_man_index

# One job and a lower priority: the machine is shared.
in_box() {
	sandbox_run env parallel_jobs=1 nice -n 10 "$@"
}

if ! grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' dkms 2>/dev/null)"; then
	mapfile -t debs < <(find "$(denv DEPS_DIR)" -name '*.deb')
	in_box dpkg -i "${debs[@]}" "$(denv DKMS_DEB)" >"$box/dpkg.log" 2>&1 ||
		die "dpkg -i dkms: $(tail -n 20 "$box/dpkg.log")"
fi
if [ -n "$headers" ]; then
	# Not the host's kernel: its headers, as the upgrade test installs
	# them (the image's files are layered in, dpkg does not know it).
	sandbox_run mkdir -p /etc/dkms
	sandbox_run touch /etc/dkms/no-autoinstall
	in_box dpkg -i --force-depends "$headers"/*.deb >"$box/headers.log" 2>&1 ||
		die "dpkg -i headers: $(tail -n 20 "$box/headers.log")"
	sandbox_run rm /etc/dkms/no-autoinstall
fi
# The package's files, registered with DKMS but not yet built.
sandbox_run dpkg-deb -x "$v4l2_deb" /
sandbox_run dkms add "v4l2loopback/$v4l2_version" >"$box/add.log" 2>&1 ||
	die "dkms add: $(cat "$box/add.log")"

# build_v4l2 DEST: DKMS builds (and signs, and compresses as the kernel's
# modules are) v4l2loopback; DEST gets the result.
build_v4l2() {
	local t0=$SECONDS m
	in_box dkms build --force -m v4l2loopback -v "$v4l2_version" -k "$rel" \
		>"$box/build-$1.log" 2>&1 || die "dkms build ($1): $(tail -n 20 "$box/build-$1.log")"
	echo "dkms-payload: $rel: dkms build of v4l2loopback ($1) took $((SECONDS - t0)) s"
	mkdir -p "$out/$1"
	m=$(sandbox_run sh -c "ls /var/lib/dkms/v4l2loopback/$v4l2_version/$rel/*/module/v4l2loopback.ko*")
	sandbox_run cat "$m" >"$out/$1/$(basename "$m")"
}

# DKMS alone: it makes its own key (/var/lib/dkms/mok.key) and signs.
build_v4l2 self
# The kit on the system, DKMS pointed at the key the VM enrolls.
sandbox_run make -s -C "$tools" install-tool >"$box/install-tool.log" 2>&1 ||
	die "make install-tool: $(cat "$box/install-tool.log")"
keydir=${KIT_KEYDIR:-$tree/keys}
sandbox_run make -s -C "$tools" dkms-key KEYDIR="$keydir" </dev/null >"$box/dkms-key.log" 2>&1 ||
	die "make dkms-key: $(cat "$box/dkms-key.log")"
build_v4l2 kit

# The kit's own modules as a DKMS package.
if [ "${KIT_PACKAGE:-}" == yes ]; then
	t0=$SECONDS
	sandbox_run make -s -C "$tree" dkms-install KERNELVER="$rel" KEYDIR="$keydir" </dev/null >"$box/dkms-install.log" 2>&1 ||
		die "make dkms-install: $(tail -n 20 "$box/dkms-install.log")"
	echo "dkms-payload: $rel: make dkms-install took $((SECONDS - t0)) s"
	mkdir -p "$out/kitmods"
	# shellcheck disable=SC2016 # expanded by the sandbox's shell
	sandbox_run sh -c 'cd "/usr/lib/modules/$1/updates/dkms" && tar -cf - --exclude="v4l2loopback.ko*" .' \
		sh "$rel" | tar -xf - -C "$out/kitmods"
fi

if [ -n "${ROTATE_OUT:-}" ]; then
	t0=$SECONDS
	sandbox_run mkdir -p "/lib/modules/$rel/updates/kit"
	sandbox_run cp "$ROTATE_INSTALL"/. "/lib/modules/$rel/updates/kit/" -R
	sandbox_run env KEYDIR="$tree/keys" MODSIGN="$tools/sign/modsign" \
		MOKUTIL="$top/tests/enroll/fake-mokutil" FAKE_MOK_DIR="$FAKE_MOK_DIR" \
		nice -n 10 bash "$tree/scripts/rotate-key.sh" next </dev/null >"$box/rotate.log" 2>&1 ||
		die "make rotate (the re-signing step): $(tail -n 20 "$box/rotate.log")"
	sed 's/^/dkms-payload: /' "$box/rotate.log"
	echo "dkms-payload: $rel: the rotation's re-signing step took $((SECONDS - t0)) s"
	mkdir -p "$ROTATE_OUT"
	sandbox_run tar -C "/lib/modules/$rel/updates" -cf - . | tar -xf - -C "$ROTATE_OUT"
fi

mkdir -p "$out/deps"
for m in drivers/media/mc/mc drivers/media/v4l2-core/videodev; do
	cp "$image/kernel/$m".ko* "$out/deps/"
done

host_fingerprint >"$box.host-after"
if ! cmp -s "$box.host-before" "$box.host-after"; then
	diff "$box.host-before" "$box.host-after" | sed -n '1,20p' >&2
	rm -f "$box.host-before" "$box.host-after"
	die "the host's DKMS, module, header or dpkg files changed while DKMS ran in the sandbox"
fi
rm -f "$box.host-before" "$box.host-after"
