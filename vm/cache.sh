# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# cache_dir TOP: the folder the downloads (Debian's kernels, firmware, boot
# chain, build roots) and modsign-try's work files go to, shared by
# fetch-debian.sh, trixie-root.sh and modsign-try so that they agree:
#   - $MODSIGN_CACHE when set;
#   - in a clone of the kit (TOP holds its Makefile and tests/): TOP/.cache,
#     which git ignores;
#   - installed (TOP is PREFIX/lib/modsign, not writable by a user): root's
#     /var/cache/modsign, a user's ${XDG_CACHE_HOME:-~/.cache}/modsign.
cache_dir() {
	if [ -n "${MODSIGN_CACHE:-}" ]; then
		echo "$MODSIGN_CACHE"
	elif kit_is_clone "$1"; then
		echo "$1/.cache"
	elif [ "$(id -u)" == 0 ]; then
		echo /var/cache/modsign
	else
		echo "${XDG_CACHE_HOME:-${HOME:?HOME is not set: set MODSIGN_CACHE}/.cache}/modsign"
	fi
}

# kit_is_clone TOP: TOP is a clone of the kit (its Makefile and tests/),
# not an installed kit (PREFIX/lib/modsign, which has neither).
kit_is_clone() {
	[ -f "$1/Makefile" ] && [ -d "$1/tests" ]
}
