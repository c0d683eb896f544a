#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# README's two commands on a fresh Debian 13 (trixie) machine, run the way a
# new user runs them: a trixie root made with mmdebstrap (priority
# "important", plus git and sudo, as after a plain install), a user `dev`
# who may use sudo, and a copy of the tree as a clone has it in dev's home.
# As dev, in the copy:
#   1. scripts/setup.sh build && make sign
#      (apt-get through sudo installs gcc, the headers and the rest; the
#      modules are built for trixie's headers and signed; make verify
#      checks them against the key make sign made);
#   2. scripts/setup.sh test && scripts/setup.sh as-root env DEB_ROOTS=none make check SKIP="vm trixie openssl4 try dkms"
#      (README's test command, without the Secure Boot VM suite, which the
#      host runs on trixie's kernels itself, this suite, openssl4 and dkms,
#      whose Debian unstable root and Debian 12 sandbox are the same on any
#      host, try, which boots VMs, and the deb suite's apt flows in Debian
#      12 and 13 roots, which the host's deb suite runs).
# Each suite of the inner make check gives a `PASS trixie/check/<suite>`
# line; its tests count in this suite's total.
#
# The root lives under .cache/trixie-host and is made again on every run
# (about a minute; KEEP_TRIXIE_HOST=1 keeps it afterwards for a look).
# TRIXIE_SKIP="SUITE..." leaves more suites out of the inner make check
# (to look into one; a run that leaves suites out says so in its result).
# It is a chroot in a mount namespace of its own, with /proc, /dev and /sys
# mounted for the run only. The copy's suites download what they need into
# its own .cache, as on a new machine (the host's cache is Debian 12's: the
# packages a sandbox adds depend on the release).
# The host's apt sources, package lists and dpkg database are never
# touched (mmdebstrap writes only the root): checked, with the host's
# DKMS, module and header folders, before and after.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$here/../.." && pwd)
# shellcheck source=vm/sandbox.sh
. "$TOP/vm/sandbox.sh"
# shellcheck source=tests/lib/harness.sh
. "$TOP/tests/lib/harness.sh"

WORK=$TOP/.cache/trixie-host
ROOT=$WORK/root
KIT=/home/dev/modsign

passed=0 failed=0
pass() {
	echo "PASS trixie/$1"
	passed=$((passed + 1))
}
flunk() {
	echo "FAIL trixie/$1"
	failed=$((failed + 1))
}
finish() {
	echo "trixie: $passed passed, $failed failed"
	[ "$failed" == 0 ]
	exit
}

# host_state: what must not change on the host: its DKMS, module, header
# and dpkg files (sandbox.sh's list) and its apt sources and lists.
host_state() {
	host_fingerprint
	find /etc/apt /var/lib/apt/lists -xdev -printf '%p %y %s %T@\n' 2>/dev/null | LC_ALL=C sort
}

# as_dev LOG CMD: CMD (a shell line) as dev in the copy of the tree, in the
# root, with a login's environment; its output in LOG.
as_dev() {
	local log=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount --propagation private -- bash -euo pipefail -c '
		root=$1 kit=$2 line=$3
		# a mount of its own, as / is on a machine (a sandbox makes
		# its mounts private there)
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount --rbind /sys "$root/sys"
		cp -L /etc/resolv.conf "$root/etc/resolv.conf"
		exec chroot "$root" runuser -u dev -- /usr/bin/env -i HOME=/home/dev \
			USER=dev LOGNAME=dev LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/bin:/usr/bin:/bin \
			/bin/bash -c "cd \"\$1\" && $line" bash "$kit"
	' as_dev "$ROOT" "$KIT" "$*" >"$log" 2>&1
}

command -v mmdebstrap >/dev/null || {
	echo "FAIL trixie/mmdebstrap: not installed (scripts/setup.sh test installs it)"
	echo "trixie: 0 passed, 1 failed"
	exit 1
}
before=$(host_state | sha256sum)

# 1. A fresh Debian 13 machine.
t0=$SECONDS
rm -rf "$WORK"
mkdir -p "$WORK"
mirror=$(bash "$TOP/vm/fetch-debian.sh" archive debian)
security=$(bash "$TOP/vm/fetch-debian.sh" archive debian-security)
# shellcheck disable=SC2016 # the hooks' $1 is the root, set by mmdebstrap
if mmdebstrap --variant=important --mode=root --quiet \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	--include=git,sudo,ca-certificates \
	--customize-hook='chroot "$1" useradd --create-home --shell /bin/bash dev' \
	--customize-hook='echo "dev ALL=(ALL) NOPASSWD: ALL" >"$1/etc/sudoers.d/dev"' \
	trixie "$ROOT" "deb $mirror trixie main" "deb $mirror trixie-updates main" \
	"deb $security trixie-security main" >"$WORK/mmdebstrap.log" 2>&1; then
	pass "fresh-root ($(du -sh "$ROOT" | cut -f1), $((SECONDS - t0)) s)"
else
	tail -n 20 "$WORK/mmdebstrap.log"
	flunk "fresh-root: mmdebstrap failed (is Debian's archive reachable?)"
	finish
fi
# The machine's own way to the archive, as the host has it: where that is a
# frozen snapshot, its Release files are past their Valid-Until date (sid's
# last a week), and the host's apt is told not to check it; a machine there
# would be too. Only those two settings are carried over.
apt-config dump | grep -E '^Acquire::Check-(Valid-Until|Date) ' >"$ROOT/etc/apt/apt.conf.d/99modsign-host-archive" || true
# The tree as a clone has it (no build output, no keys, a git repository
# of its files), dev's.
fresh_tree "$ROOT$KIT"
chroot "$ROOT" chown -R dev:dev "$KIT"
if ! as_dev "$WORK/git.log" 'git init -q && git add -A && git -c user.name=dev -c user.email=dev@localhost commit -qm copy'; then
	cat "$WORK/git.log"
	flunk "copy-is-a-git-repository"
	finish
fi

# 2. README's first command.
t0=$SECONDS
if as_dev "$WORK/build.log" 'scripts/setup.sh build && make sign'; then
	pass "readme-build-and-sign ($((SECONDS - t0)) s)"
else
	tail -n 30 "$WORK/build.log"
	flunk "readme-build-and-sign: 'scripts/setup.sh build && make sign' failed"
	finish
fi
# the headers setup.sh installed are trixie's, and the modules are built
# for them: their vermagic names a +deb13 release
vermagic=$(chroot "$ROOT" modinfo -F vermagic "$KIT/modules/hello-1.ko" 2>&1) || true
if [[ "$vermagic" == *+deb13-* ]]; then
	pass "built-for-trixie-headers (${vermagic%% *})"
else
	flunk "built-for-trixie-headers: hello-1.ko's vermagic is '$vermagic'"
fi
if as_dev "$WORK/verify.log" 'make verify'; then
	pass "make-verify ($(grep -c '^OK ' "$WORK/verify.log") modules)"
else
	tail -n 20 "$WORK/verify.log"
	flunk "make-verify"
fi
# the key make sign made is dev's alone
perm=$(chroot "$ROOT" stat -c '%U %a' "$KIT/keys/signing_key.pem" 2>&1) || true
if [ "$perm" == "dev 600" ]; then
	pass "key-is-devs-alone"
else
	flunk "key-is-devs-alone: keys/signing_key.pem is '$perm', want 'dev 600'"
fi

# 3. README's second command, the VM suite left to the host.
t0=$SECONDS
rc=0
# openssl4 builds in a Debian unstable root of its own, and dkms makes a
# Debian 12 with Debian 12's dkms in its sandbox: the same on any host;
# try boots VMs, as vm does: the host runs them all (Debian 13's own dkms
# is the deb suite's and the VM suite's)
skip="vm trixie openssl4 try dkms${TRIXIE_SKIP:+ $TRIXIE_SKIP}"
# the deb suite's apt flows in Debian 12 and 13 roots: the host's deb
# suite runs them (inside, they would need a trixie build root of their
# own: 2 to 3 minutes)
as_dev "$WORK/check.log" "scripts/setup.sh test && scripts/setup.sh as-root env DEB_ROOTS=none make check SKIP=\"$skip\"" || rc=$?
secs=$((SECONDS - t0))
summary=$(sed -n '/^=== summary$/,$p' "$WORK/check.log")
lines=$(sed -n 's/^  \([a-z0-9-]*\): \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2 \3/p' <<<"$summary")
if [ -z "$lines" ]; then
	tail -n 40 "$WORK/check.log"
	flunk "readme-test-command: no summary (exit $rc)"
	finish
fi
while read -r suite p f; do
	passed=$((passed + p))
	if [ "$f" == 0 ]; then
		pass "check/$suite ($p passed)"
	else
		failed=$((failed + f - 1))
		flunk "check/$suite: $f failed"
	fi
done <<<"$lines"
grep -E '^(FAIL|    \|)' "$WORK/check.log" | sed -n '1,80p' || true
if [ "$rc" == 0 ]; then
	pass "readme-test-command ($(sed -n 's/^check: //p' <<<"$summary"), $secs s, SKIP=\"$skip\")"
else
	flunk "readme-test-command: exit $rc ($(sed -n 's/^check: //p' <<<"$summary"))"
fi

after=$(host_state | sha256sum)
if [ "$before" == "$after" ]; then
	pass host-unchanged
else
	flunk "host-unchanged: the host's apt, dpkg, DKMS, module or header files changed"
fi
[ -n "${KEEP_TRIXIE_HOST:-}" ] || rm -rf "$ROOT"
finish
