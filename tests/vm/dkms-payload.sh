#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DKMS part of the Secure Boot VM's payload: Debian's real dkms builds
# bookworm-backports' real v4l2loopback-dkms for one kernel, in a sandbox
# (vm/sandbox.sh: nothing reaches the host), twice:
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
#   [KIT_PACKAGE=yes] [KIT_KEYDIR=D] [ROTATE_OUT=DIR ROTATE_INSTALL=DIR FAKE_MOK_DIR=DIR
#   [ROTATE_ARCHIVED=DIR]]
#   dkms-payload.sh OUT TREE TOOLS RELEASE
#
# TREE is the VM's copy of the repository with the key pair it enrolls
# (keys/, or KIT_KEYDIR: the old pair, when a rotation made a new one in
# keys/); TOOLS a built copy (make install-tool takes its sign/modsign).
# Modules keep the form DKMS gave them (.ko for 6.1, .ko.xz for 6.12 and
# 7.x). ROTATE_ARCHIVED (trixie) gets what dkms 3.2.2 set aside in its
# original_module folders during the rotation.
# Prints the seconds each DKMS build took.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=vm/sandbox.sh
. "$top/vm/sandbox.sh"
# shellcheck source=try/dkms-box.sh
. "$top/try/dkms-box.sh"
DKMS_BOX_TOP=$top

out=$1 tree=$2 tools=$3 rel=$4

die() {
	echo "dkms-payload: ERROR: $*" >&2
	exit 1
}

# Debian 13's 7.x kernel (t7): trixie's own dkms 3.2.2 in an overlay over
# the trixie build root (vm/trixie-root.sh; the root stays as it
# is, the overlay's upper folder is thrown away), and a kernel upgrade as
# Debian makes it: the t7 headers package is removed, the kit's drop-in
# set (make install-tool, make dkms-key: the key folder is bind-mounted
# for that command only), sid's v4l2loopback-dkms installed with dpkg -i
# (its postinst builds it for trixie's 6.12, the one kernel with headers),
# then the t7 headers installed with dpkg -i: their postinst runs
# /etc/kernel/header_postinst.d/dkms, which builds and signs v4l2loopback
# for 7.x with the kit's key (kit/). Then, the drop-in removed, DKMS
# signs with the key it makes for itself (self/), through its default
# sign_file: 3.2.2's Debian path, /usr/lib/linux-kbuild-7.x, is missing on
# trixie, so it falls back to /lib/modules/R/build/scripts/sign-file,
# which trixie's headers link to linux-kbuild-R (read in /usr/sbin/dkms,
# and seen: "Sign command:" in the build's output). Before that own-key
# build, as on Debian 12: KIT_PACKAGE's make dkms-install and ROTATE_OUT's
# re-signing step, with dkms 3.2.2 (ROTATE_ARCHIVED: see there).
trixie_dkms() {
	local renv tenv rel612 hdr ver tbox t0 m keydir
	renv=$(bash "$top/vm/trixie-root.sh" env) || die "vm/trixie-root.sh env failed"
	tget() {
		local v
		v=$(sed -n "s/^$1=//p" "$2")
		[ -n "$v" ] || die "$2 has no $1"
		echo "$v"
	}
	rel612=$(tget RELEASE_T612 "$renv")
	hdr=linux-headers-$rel
	keydir=${KIT_KEYDIR:-$tree/keys}
	tbox=$(mktemp -d "${TMPDIR:-/tmp}/modsign-vm-tdkms.XXXXXX")
	trap 'ROOTBOX_DIR=$tbox rootbox_stop || true' EXIT
	tin() {
		rootbox_run "$@"
	}
	t0=$SECONDS
	# The overlay over the trixie root (its fingerprint taken), the two
	# kernels as installed with only what v4l2loopback needs (videodev,
	# mc, in Debian's .ko.xz) and their depmod, trixie's dkms installed:
	# try/dkms-box.sh, which modsign-try --dkms shares. make dkms-install
	# finds what DKMS installed with modinfo -k, which reads modules.dep.
	dkms_trixie_open "$tbox" "$rel612" "$rel" || die "$dkms_error"
	tenv=$dkms_trixie_env
	ver=$(tget V4L2LOOPBACK_VERSION "$tenv")
	ver=${ver%%-*}
	local v4l hdeb
	v4l=$(tget V4L2LOOPBACK_DEB "$tenv")
	hdeb=$(tget HEADERS_T7_DEB "$tenv")
	tin dpkg -r "$hdr" >"$tbox/remove.log" 2>&1 ||
		die "dpkg -r $hdr: $(tail -n 20 "$tbox/remove.log")"
	tin --bind "$tools" make -s -C "$tools" install-tool >"$tbox/install-tool.log" 2>&1 ||
		die "make install-tool: $(cat "$tbox/install-tool.log")"
	tin --bind "$tools" --bind "$keydir" make -s -C "$tools" dkms-key KEYDIR="$keydir" \
		</dev/null >"$tbox/dkms-key.log" 2>&1 || die "make dkms-key: $(cat "$tbox/dkms-key.log")"
	echo "dkms-payload: $rel: dkms $(tget DKMS_VERSION "$tenv") installed, $hdr removed, the kit's drop-in set in $((SECONDS - t0)) s"
	t0=$SECONDS
	tin --bind "$(dirname "$v4l")" env parallel_jobs=1 nice -n 10 dpkg -i "$v4l" >"$tbox/v4l.log" 2>&1 ||
		die "dpkg -i v4l2loopback-dkms: $(tail -n 20 "$tbox/v4l.log")"
	echo "dkms-payload: $rel: dpkg -i v4l2loopback-dkms $ver (built for $rel612) took $((SECONDS - t0)) s"
	tin test -e "/var/lib/dkms/v4l2loopback/$ver/$rel612" ||
		die "v4l2loopback-dkms's postinst did not build for $rel612: $(tail -n 20 "$tbox/v4l.log")"
	! tin test -e "/var/lib/dkms/v4l2loopback/$ver/$rel" ||
		die "v4l2loopback was built for $rel before its headers were installed"
	t0=$SECONDS
	tin --bind "$(dirname "$hdeb")" env parallel_jobs=1 nice -n 10 dpkg -i "$hdeb" >"$tbox/upgrade.log" 2>&1 ||
		die "dpkg -i $hdr: $(tail -n 20 "$tbox/upgrade.log")"
	echo "dkms-payload: $rel: dpkg -i $hdr (header_postinst.d/dkms built v4l2loopback) took $((SECONDS - t0)) s"
	! grep -q 'Failed to sign' "$tbox/upgrade.log" "$tbox/v4l.log" ||
		die "DKMS could not sign: $(grep -h -B3 'Failed to sign' "$tbox/upgrade.log" "$tbox/v4l.log")"
	mkdir -p "$out/kit" "$out/self" "$out/deps"
	m=$(tin sh -c "ls /usr/lib/modules/$rel/updates/dkms/v4l2loopback.ko*") ||
		die "the hook did not install v4l2loopback for $rel: $(tail -n 20 "$tbox/upgrade.log")"
	tin cat "$m" >"$out/kit/$(basename "$m")"
	# The kit's own modules as a DKMS package, built by dkms 3.2.2 for
	# 7.x with the kit's key (the tree and its keys bind-mounted for
	# this command only).
	if [ "${KIT_PACKAGE:-}" == yes ]; then
		t0=$SECONDS
		tin --bind "$tree" --bind "$keydir" env parallel_jobs=1 nice -n 10 \
			make -s -C "$tree" dkms-install KERNELVER="$rel" KEYDIR="$keydir" \
			</dev/null >"$tbox/dkms-install.log" 2>&1 ||
			die "make dkms-install: $(tail -n 20 "$tbox/dkms-install.log")"
		! grep -q 'Failed to sign' "$tbox/dkms-install.log" ||
			die "DKMS could not sign the kit's package: $(grep -B3 'Failed to sign' "$tbox/dkms-install.log")"
		echo "dkms-payload: $rel: make dkms-install took $((SECONDS - t0)) s"
		mkdir -p "$out/kitmods"
		# shellcheck disable=SC2016 # expanded by the sandbox's shell
		tin sh -c 'cd "/usr/lib/modules/$1/updates/dkms" && tar -cf - --exclude="v4l2loopback.ko*" .' \
			sh "$rel" | tar -xf - -C "$out/kitmods"
	fi
	# The rotation's re-signing step, as on Debian 12: the kit's modules
	# installed under updates/kit/ (the old key's), then rotate-key.sh
	# with the fake mokutil saying the new key is enrolled: it re-signs
	# them and has dkms 3.2.2 rebuild what DKMS built with the old key
	# (v4l2loopback for both kernels, the kit's package), with the new
	# key through the drop-in. The tree (keys/ with both pairs), the
	# tools and the fake mokutil's folders are bind-mounted for this
	# command only.
	if [ -n "${ROTATE_OUT:-}" ]; then
		t0=$SECONDS
		# Not the .ko.zst copy: one .ko.zst under /lib/modules/R makes
		# dkms 3.2.2 compress that kernel's modules with zstd (its
		# set_module_suffix), and its rebuild then leaves the .ko.xz
		# it installed before, the old key's (seen: make rotate stops
		# there, "still signed by the old key after DKMS rebuilt").
		# Debian's own kernels have .ko.xz only.
		# shellcheck disable=SC2016 # expanded by the sandbox's shell
		tin --bind "$ROTATE_INSTALL" sh -c 'mkdir -p "/usr/lib/modules/$1/updates/kit" && cd "$2" && for f in *.ko*; do case "$f" in *.zst) ;; *) cp "$f" "/usr/lib/modules/$1/updates/kit/" || exit 1 ;; esac; done' \
			sh "$rel" "$ROTATE_INSTALL" || die "cannot install the kit's modules under updates/kit/ in the overlay"
		tin --bind "$tree" --bind "$tools" --bind "$top/tests/enroll" --bind "$FAKE_MOK_DIR" \
			env KEYDIR="$tree/keys" MODSIGN="$tools/sign/modsign" \
			MOKUTIL="$top/tests/enroll/fake-mokutil" FAKE_MOK_DIR="$FAKE_MOK_DIR" parallel_jobs=1 \
			nice -n 10 bash "$tree/scripts/rotate-key.sh" next </dev/null >"$tbox/rotate.log" 2>&1 ||
			die "make rotate (the re-signing step): $(tail -n 20 "$tbox/rotate.log")"
		sed 's/^/dkms-payload: /' "$tbox/rotate.log"
		echo "dkms-payload: $rel: the rotation's re-signing step took $((SECONDS - t0)) s"
		mkdir -p "$ROTATE_OUT"
		tin tar -C "/usr/lib/modules/$rel/updates" -cf - . | tar -xf - -C "$ROTATE_OUT"
		# dkms 3.2.2's install moves a module of the same name found
		# anywhere under /lib/modules/R (here the kit's updates/kit/
		# copies) to /var/lib/dkms/NAME/original_module/R/ARCH/, and
		# `dkms remove` puts it back (3.0.10 left it on Debian): those
		# copies too must be the new key's. ROTATE_ARCHIVED gets them.
		if [ -n "${ROTATE_ARCHIVED:-}" ]; then
			mkdir -p "$ROTATE_ARCHIVED"
			# shellcheck disable=SC2016 # expanded by the sandbox's shell
			tin sh -c 'cd /var/lib/dkms && find . -path "*/original_module/*" -name "*.ko*" ! -name "*.origin" -print0 | tar -cf - --null -T -' |
				tar -xf - -C "$ROTATE_ARCHIVED"
		fi
	fi
	# DKMS alone: the drop-in removed, DKMS's defaults.
	tin --bind "$tools" make -s -C "$tools" dkms-key-remove >"$tbox/remove-key.log" 2>&1 ||
		die "make dkms-key-remove: $(cat "$tbox/remove-key.log")"
	t0=$SECONDS
	tin env parallel_jobs=1 nice -n 10 dkms build --force -m v4l2loopback -v "$ver" -k "$rel" \
		>"$tbox/self.log" 2>&1 || die "dkms build (self): $(tail -n 20 "$tbox/self.log")"
	! grep -q 'Failed to sign' "$tbox/self.log" || die "DKMS could not sign with its own key: $(cat "$tbox/self.log")"
	echo "dkms-payload: $rel: dkms build of v4l2loopback (self) took $((SECONDS - t0)) s, $(grep -m1 '^Sign command:' "$tbox/self.log" || echo 'no sign command named')"
	m=$(tin sh -c "ls /var/lib/dkms/v4l2loopback/$ver/$rel/*/module/v4l2loopback.ko*")
	tin cat "$m" >"$out/self/$(basename "$m")"
	# the drop-in's copy of the kit's key (make dkms-key) is in the overlay
	# only, which rootbox_stop throws away
	[ -n "$(find "$tbox/upper/var/lib/modsign" -name signing_key.pem)" ] ||
		die "make dkms-key left no key in the overlay's /var/lib/modsign: where did it go?"
	[ -z "${TDKMS_KEEP_LOGS:-}" ] || cp "$tbox"/*.log "$TDKMS_KEEP_LOGS/"
	for m in drivers/media/mc/mc drivers/media/v4l2-core/videodev; do
		cp "${dkms_trixie_images[1]}/kernel/$m".ko* "$out/deps/"
	done
	rootbox_stop
	trap - EXIT
	dkms_box_host_unchanged || die "$dkms_error"
	echo "dkms-payload: $rel: the trixie root unchanged, the overlay thrown away"
}
case "$rel" in
7.*+deb13-amd64)
	# the host too stays as it was (the overlay is over the trixie root)
	hostfp=$(host_fingerprint | sha256sum)
	trixie_dkms
	[ "$hostfp" == "$(host_fingerprint | sha256sum)" ] ||
		die "the host's DKMS, module, header or dpkg files changed while DKMS ran in the trixie root's overlay"
	exit 0
	;;
*+deb13-amd64) die "DKMS on trixie's kernels runs on 7.x only (the upgrade from trixie's 6.12): not $rel" ;;
esac

box=$(mktemp -d "${TMPDIR:-/tmp}/modsign-vm-dkms.XXXXXX")
trap 'SANDBOX_DIR=$box sandbox_stop || true; rm -rf "$box.image"' EXIT
# The sandbox with Debian 12's dkms for the kernel, with only what
# v4l2loopback needs (videodev, mc): try/dkms-box.sh, which modsign-try
# --dkms shares.
dkms_box_open "$box" "$rel" videodev || die "$dkms_error"
v4l2_deb=$(dkms_env_get V4L2LOOPBACK_DEB) || die "$dkms_error"
v4l2_version=$(dkms_env_get V4L2LOOPBACK_VERSION) || die "$dkms_error"
v4l2_version=${v4l2_version%%-*}
image=$dkms_image
# The package's files, registered with DKMS but not yet built.
sandbox_run dpkg-deb -x "$v4l2_deb" /
dkms_box_add "/usr/src/v4l2loopback-$v4l2_version" || die "$dkms_error"

# build_v4l2 DEST: DKMS builds (and signs, and compresses as the kernel's
# modules are) v4l2loopback; DEST gets the result.
build_v4l2() {
	local t0=$SECONDS m
	dkms_box_build v4l2loopback "$v4l2_version" "$box/build-$1.log" || die "dkms build ($1): $dkms_error"
	echo "dkms-payload: $rel: dkms build of v4l2loopback ($1) took $((SECONDS - t0)) s"
	mkdir -p "$out/$1"
	m=$(dkms_box_built v4l2loopback "$v4l2_version") || die "$dkms_error"
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

dkms_box_host_unchanged || die "$dkms_error"
