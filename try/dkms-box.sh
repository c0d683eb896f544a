# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Debian's real dkms in a sandbox, for one kernel: the part that
# tests/vm/dkms-payload.sh (the VM suite) and modsign-try --dkms share.
# Two kinds of box, by the kernel:
#   Debian 12's (6.1, or bookworm-backports' 6.12): Debian 12's dkms in
#     the sandbox of vm/sandbox.sh (overlays over the host);
#   Debian 13's (t6.12, or trixie-backports' 7.x, t7): trixie's dkms
#     (fetch-debian.sh dkms-trixie) in an overlay over the trixie build
#     root (vm/trixie-root.sh, rootbox_* of sandbox.sh), whose
#     headers of both kernels are installed; the root is fingerprinted
#     before and compared after, and the overlay's upper folder is
#     thrown away.
# Nothing reaches the host: its DKMS, module, header and dpkg files are
# fingerprinted before and compared after.
#
#   . vm/sandbox.sh; . try/dkms-box.sh
#   dkms_box_open BOX RELEASE [MODULE...]
#                         BOX a new sandbox (an empty or missing folder),
#                         for RELEASE: on Debian 12's, the installed
#                         kernel with only the image's MODULEs (and what
#                         they need; default videodev), Debian 12's dkms
#                         (the host's, or fetch-debian.sh dkms's), and for
#                         6.12 its headers; sets dkms_image (the kernel's
#                         whole /lib/modules/RELEASE, unpacked). On
#                         Debian 13's: dkms_trixie_open BOX RELEASE
#   dkms_trixie_open BOX RELEASE... [-- PATH...]
#                         the trixie box, with trixie's dkms installed and
#                         for each RELEASE (6.12's and 7.x's of the root)
#                         the image's PATHs (relative to its /lib/modules/
#                         RELEASE; default mc and videodev, .ko.xz) and
#                         their depmod; sets dkms_trixie_images (each
#                         RELEASE's unpacked /lib/modules/RELEASE) and
#                         dkms_trixie_env (fetch-debian.sh dkms-trixie's
#                         env file)
#   dkms_box_run [--bind PATH]... CMD...
#                         CMD in the box (a host PATH bind-mounted for it
#                         in the trixie box; the host's files are seen as
#                         they are in Debian 12's)
#   dkms_box_add SRC      dkms add of a source tree (a folder with
#                         dkms.conf, as the sandbox sees it: a host folder,
#                         or /usr/src/NAME-VERSION from a .deb); sets
#                         dkms_name and dkms_version from its dkms.conf
#   dkms_box_build NAME VERSION LOG
#                         dkms build --force for RELEASE, its output in LOG
#                         (DKMS signs with the key it makes for itself,
#                         unless a drop-in says otherwise)
#   dkms_box_built NAME VERSION
#                         the paths, in the sandbox, of the modules built
#   dkms_box_host_unchanged
#                         the host's files (and the trixie root) as
#                         dkms_box_open found them
#   dkms_box_close        the box removed
# Each returns 1 with dkms_error set to what went wrong. dkms_env is
# fetch-debian.sh dkms's env file (the cached packages: V4L2LOOPBACK_DEB...),
# for Debian 12's kernels.

# dkms_env_get KEY: KEY's value in dkms_env.
dkms_env_get() {
	local v
	v=$(sed -n "s/^$1=//p" "$dkms_env")
	[ -n "$v" ] || {
		dkms_error="$dkms_env has no $1"
		echo "$dkms_error" >&2
		return 1
	}
	echo "$v"
}

# dkms_in_box CMD...: one job and a lower priority (the machine is shared).
dkms_in_box() {
	dkms_box_run env parallel_jobs=1 nice -n 10 "$@"
}

# dkms_trixie_release RELEASE: RELEASE is a Debian 13 kernel's (the
# trixie root's), by its name, without making the root.
dkms_trixie_release() {
	[[ "$1" == *+deb13-* ]]
}

dkms_box_run() {
	local binds=()
	while [ "${1:-}" == --bind ]; do
		binds+=("$1" "$2")
		shift 2
	done
	if [ "${dkms_box_kind:-}" == trixie ]; then
		rootbox_run "${binds[@]}" "$@"
	else
		sandbox_run "$@"
	fi
}

# dkms_box_dir: the box's own folder (its logs).
dkms_box_dir() {
	if [ "${dkms_box_kind:-}" == trixie ]; then
		echo "$ROOTBOX_DIR"
	else
		echo "$SANDBOX_DIR"
	fi
}

dkms_box_close() {
	if [ "${dkms_box_kind:-}" == trixie ]; then
		rootbox_stop
	else
		sandbox_stop
	fi
}

# dkms_trixie_get FILE KEY: KEY's value in an env file.
dkms_trixie_get() {
	local v
	v=$(sed -n "s/^$2=//p" "$1")
	[ -n "$v" ] || {
		dkms_error="$1 has no $2"
		return 1
	}
	echo "$v"
}

dkms_trixie_open() {
	local box=$1 renv root r rels=() paths=() mdir s
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		rels+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	paths=("$@")
	[ ${#paths[@]} -gt 0 ] || paths=(kernel/drivers/media/mc/mc.ko.xz kernel/drivers/media/v4l2-core/videodev.ko.xz)
	dkms_box_kind=trixie dkms_error='' dkms_rel=${rels[-1]} dkms_trixie_images=()
	renv=$(bash "$DKMS_BOX_TOP/vm/trixie-root.sh" env) || {
		dkms_error="vm/trixie-root.sh env failed"
		return 1
	}
	dkms_trixie_env=$(bash "$DKMS_BOX_TOP/vm/fetch-debian.sh" dkms-trixie) || {
		dkms_error="fetch-debian.sh dkms-trixie failed"
		return 1
	}
	root=$(dkms_trixie_get "$renv" ROOT) || return 1
	dkms_host_before=$(host_fingerprint)
	dkms_root_before=$(root_fingerprint "$root")
	dkms_trixie_root=$root
	rootbox_start "$box" "$root" || {
		dkms_error="cannot start the overlay over $root in $box (the reason is above)"
		return 1
	}
	# The kernels as installed, with only the PATHs (videodev and mc, in
	# Debian's .ko.xz, by default): dkms 3.2.2 compresses a module as the
	# installed kernel's modules are (it looks for *.ko.xz under
	# /lib/modules/R), and DKMS's depmod of a whole kernel takes seconds.
	# depmod writes modules.dep, as linux-image's postinst does: dkms
	# 3.2.2 runs no depmod for a kernel without one ("Skipping depmod",
	# its do_depmod).
	for r in "${rels[@]}"; do
		s=
		[ "$r" != "$(dkms_trixie_get "$renv" RELEASE_T612)" ] || s=t6.12
		[ "$r" != "$(dkms_trixie_get "$renv" RELEASE_T7)" ] || s=t7
		[ -n "$s" ] || {
			dkms_error="no trixie kernel $r in the trixie root"
			return 1
		}
		mdir=$(sed -n 's/^MODDIR=//p' "$(bash "$DKMS_BOX_TOP/vm/fetch-debian.sh" kernel "$s")")
		[ -d "$mdir/kernel" ] || {
			dkms_error="fetch-debian.sh kernel $s gave no modules"
			return 1
		}
		dkms_trixie_images+=("$mdir")
		# shellcheck disable=SC2016 # expanded by the sandbox's shell
		rootbox_run --bind "$mdir" sh -c 'd=$1 r=$2 && shift 2 && cd "$d" && for m in "$@"; do mkdir -p "/usr/lib/modules/$r/${m%/*}" && cp "$m" "/usr/lib/modules/$r/$m" || exit 1; done && depmod -a "$r"' \
			sh "$mdir" "$r" "${paths[@]}" || {
			dkms_error="cannot copy $s's ${paths[*]} into the overlay, or depmod failed"
			return 1
		}
	done
	rootbox_run rm -f /var/lib/man-db/auto-update
	local debs
	debs=$(dkms_trixie_get "$dkms_trixie_env" DEBS_DIR) || return 1
	# shellcheck disable=SC2016 # expanded by the sandbox's shell
	rootbox_run --bind "$debs" sh -c 'dpkg -i "$1"/*.deb' sh "$debs" >"$box/dpkg.log" 2>&1 || {
		dkms_error="dpkg -i dkms: $(tail -n 20 "$box/dpkg.log")"
		return 1
	}
}

dkms_box_open() {
	local box=$1 depmods headers debs
	dkms_rel=$2
	shift 2
	dkms_error=
	if dkms_trixie_release "$dkms_rel"; then
		dkms_trixie_open "$box" "$dkms_rel"
		return
	fi
	dkms_box_kind=host
	dkms_env=$(bash "$DKMS_BOX_TOP/vm/fetch-debian.sh" dkms) || {
		dkms_error="fetch-debian.sh dkms failed"
		return 1
	}
	case "$dkms_rel" in
	"$(dkms_env_get RELEASE61)") dkms_image=$(dkms_env_get IMAGE61) depmods=$(dkms_env_get DEPMOD61) headers= ;;
	"$(dkms_env_get RELEASE612)") dkms_image=$(dkms_env_get IMAGE612) depmods=$(dkms_env_get DEPMOD612) headers=$(dkms_env_get HEADERS612_DIR) ;;
	*)
		dkms_error="no DKMS files for kernel $dkms_rel (fetch-debian.sh dkms knows $(dkms_env_get RELEASE61) and $(dkms_env_get RELEASE612))"
		return 1
		;;
	esac
	# What the host must keep (DKMS's, module, header and dpkg files), as
	# the dkms suite's host_untouched compares it.
	dkms_host_before=$(host_fingerprint)
	# The kernel as installed, with only the MODULEs: DKMS's depmod, and
	# a scan of /lib/modules, then take seconds.
	# (at least one: depmod writes an empty modules.dep for none, which
	# small_image refuses; videodev, what v4l2loopback needs, by default)
	[ $# -gt 0 ] || set -- videodev
	small_image "$dkms_image" "$depmods" "$dkms_rel" "$box.image" "$@" || {
		dkms_error="cannot make the small image of $dkms_rel"
		return 1
	}
	sandbox_start "$box" || {
		dkms_error="cannot start the sandbox in $box (the reason is above)"
		return 1
	}
	sandbox_layer "/usr/lib/modules/$dkms_rel" "$box.image/lib/modules/$dkms_rel"
	no_man_index
	if ! grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' dkms 2>/dev/null)"; then
		# its dependencies first (dkms pre-depends on lsb-release)
		mapfile -t debs < <(find "$(dkms_env_get DEPS_DIR)" -name '*.deb')
		if [ ${#debs[@]} != 0 ]; then
			dkms_in_box dpkg -i "${debs[@]}" >"$box/dpkg.log" 2>&1 || {
				dkms_error="dpkg -i of dkms's dependencies: $(tail -n 20 "$box/dpkg.log")"
				return 1
			}
		fi
		dkms_in_box dpkg -i "$(dkms_env_get DKMS_DEB)" >"$box/dpkg.log" 2>&1 || {
			dkms_error="dpkg -i dkms: $(tail -n 20 "$box/dpkg.log")"
			return 1
		}
	fi
	if [ -n "$headers" ]; then
		# Not the host's kernel: its headers, as the upgrade test installs
		# them (the image's files are layered in, dpkg does not know it).
		sandbox_run mkdir -p /etc/dkms
		sandbox_run touch /etc/dkms/no-autoinstall
		dkms_in_box dpkg -i --force-depends "$headers"/*.deb >"$box/headers.log" 2>&1 || {
			dkms_error="dpkg -i headers: $(tail -n 20 "$box/headers.log")"
			return 1
		}
		sandbox_run rm /etc/dkms/no-autoinstall
	fi
}

# dkms_conf_get FILE KEY: KEY's value in a dkms.conf, read (not run: DKMS
# itself sources it, in the sandbox only) from its KEY=value line.
dkms_conf_get() {
	sed -n "s/^[[:space:]]*$2=[\"']\{0,1\}\([^\"' #]*\).*/\1/p" "$1" | sed -n '$p'
}

dkms_box_add() {
	local src=$1 what dir bind=()
	dir=$(dkms_box_dir)
	# a host folder is bind-mounted in the trixie box for dkms add, which
	# copies it to /usr/src/NAME-VERSION
	[ "${dkms_box_kind:-}" != trixie ] || [[ "$src" == /usr/src/* ]] || bind=(--bind "$src")
	dkms_box_run "${bind[@]}" cat "$src/dkms.conf" >"$dir/dkms.conf" 2>/dev/null || {
		dkms_error="$src: no dkms.conf"
		return 1
	}
	dkms_name=$(dkms_conf_get "$dir/dkms.conf" PACKAGE_NAME)
	dkms_version=$(dkms_conf_get "$dir/dkms.conf" PACKAGE_VERSION)
	if [ -z "$dkms_name" ] || [ -z "$dkms_version" ] || [[ "$dkms_name$dkms_version" == *'$'* ]]; then
		dkms_error="$src/dkms.conf: no plain PACKAGE_NAME=... and PACKAGE_VERSION=... lines"
		return 1
	fi
	# a package's files are in /usr/src/NAME-VERSION already
	what=$src
	[ "$src" != "/usr/src/$dkms_name-$dkms_version" ] || what=$dkms_name/$dkms_version
	dkms_box_run "${bind[@]}" dkms add "$what" >"$dir/add.log" 2>&1 || {
		dkms_error="dkms add: $(cat "$dir/add.log")"
		return 1
	}
}

dkms_box_build() {
	dkms_in_box dkms build --force -m "$1" -v "$2" -k "$dkms_rel" >"$3" 2>&1 || {
		local make_log
		make_log=$(dkms_box_run sh -c "tail -n 30 /var/lib/dkms/$1/$2/build/make.log" 2>/dev/null) || make_log=
		dkms_error="dkms build of $1 $2 for $dkms_rel: $(tail -n 20 "$3")"
		[ -z "$make_log" ] || dkms_error+=$'\n'"make.log's end:"$'\n'"$make_log"
		return 1
	}
}

dkms_box_built() {
	# shellcheck disable=SC2016 # expanded by the sandbox's shell
	dkms_box_run sh -c 'ls /var/lib/dkms/"$1"/"$2"/"$3"/*/module/*.ko*' sh "$1" "$2" "$dkms_rel" 2>/dev/null || {
		dkms_error="DKMS built no module for $dkms_rel (/var/lib/dkms/$1/$2/$dkms_rel/*/module/ is empty)"
		return 1
	}
}

dkms_box_host_unchanged() {
	local after
	after=$(host_fingerprint)
	if [ "$after" != "$dkms_host_before" ]; then
		dkms_error="the host's DKMS, module, header or dpkg files changed while DKMS ran in the sandbox:"
		dkms_error+=$'\n'$(diff <(echo "$dkms_host_before") <(echo "$after") | sed -n '1,20p') || true
		return 1
	fi
	if [ "${dkms_box_kind:-}" == trixie ] && [ "$dkms_root_before" != "$(root_fingerprint "$dkms_trixie_root")" ]; then
		dkms_error="the trixie root $dkms_trixie_root changed while DKMS ran in its overlay"
		return 1
	fi
}
