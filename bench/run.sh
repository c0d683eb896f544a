#!/usr/bin/env bash
# How fast does modsign sign and verify a whole kernel's modules, next to
# the kernel's own scripts/sign-file and next to what the CPU allows?
#
#   bench/run.sh            (make bench)   writes docs/benchmarks.md
#
# The modules are Debian 12's own: all of the 6.1 linux-image package
# (tests/lib/fetch-debian.sh; downloaded once, cached), copied to a
# temporary folder and stripped of Debian's signatures with modsign strip.
# A throwaway RSA-2048 key signs them with sha256. In one run, RUNS times
# each (median reported):
#
#   (a) a loop of $KDIR/scripts/sign-file, one process per module
#   (b) modsign sign -j 1 -r TREE
#   (c) modsign sign -j $(nproc) -r TREE
#   (d) modsign verify -r TREE, with -j 1 and with -j $(nproc) (its default)
#
# and, from `openssl speed` on this machine, the floor: RSA-2048 sign time
# x modules + module bytes / SHA-256 throughput (verify: the bytes alone).
# Every signing run starts from a fresh copy of the unsigned tree, after a
# sync, so that none pays for the previous one's write-back. The outputs of
# (a), (b) and (c) are compared byte for byte.
#
# Environment: RUNS (default 5, at least 3), MODSIGN (default sign/modsign,
# built if missing), OUT (default docs/benchmarks.md), BENCH_TMP (where the
# two copies of the tree go, about 800 MB; default $TMPDIR or /tmp).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
OUT=${OUT:-$TOP/docs/benchmarks.md}
MODSIGN=${MODSIGN:-$TOP/sign/modsign}
JOBS=$(nproc)

die() {
	echo "bench: ERROR: $*" >&2
	exit 1
}
log() {
	echo "bench: $*" >&2
}

[ "$RUNS" -ge 3 ] 2>/dev/null || die "RUNS=$RUNS: at least 3 runs, for a median"
if [ ! -x "$MODSIGN" ]; then
	log "building modsign (make -C sign)"
	make -s -C "$TOP/sign" >&2 || die "cannot build modsign"
fi
for tool in openssl /usr/bin/time awk sort; do
	command -v "$tool" >/dev/null || die "$tool is missing (package: ${tool##*/})"
done
env_file=$(bash "$TOP/tests/lib/fetch-debian.sh" kernel 6.1) ||
	die "cannot fetch Debian's 6.1 kernel (tests/lib/fetch-debian.sh kernel 6.1)"
# shellcheck disable=SC1090
source "$env_file"
SIGN_FILE=$KDIR/scripts/sign-file
[ -x "$SIGN_FILE" ] || die "no $SIGN_FILE (install linux-headers-amd64)"

W=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/modsign-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

log "key: throwaway RSA-2048, sha256"
openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 2 \
	-subj "/CN=modsign bench key" -keyout "$W/key.pem" \
	-outform DER -out "$W/cert.der" 2>"$W/openssl.log" ||
	die "openssl req failed: $(cat "$W/openssl.log")"
KEY=$W/key.pem CERT=$W/cert.der

log "copying the modules of $RELEASE and stripping Debian's signatures"
mkdir "$W/unsigned"
(cd "$MODDIR" && find . -name '*.ko' -print0 | cpio -0 -pdm --quiet "$W/unsigned")
find "$W/unsigned" -name '*.ko' | LC_ALL=C sort >"$W/list"
N=$(wc -l <"$W/list")
xargs -a "$W/list" -d '\n' "$MODSIGN" strip >/dev/null ||
	die "modsign strip failed"
BYTES=$(xargs -a "$W/list" -d '\n' stat -c %s | awk '{ s += $1 } END { printf "%d", s }')
LARGEST=$(xargs -a "$W/list" -d '\n' stat -c %s | sort -n | tail -n 1)
log "$N modules, $BYTES bytes unsigned, largest $LARGEST bytes"

# fresh_copy: $W/tree is a copy of the unsigned modules, written back
fresh_copy() {
	rm -rf "$W/tree"
	cp -a "$W/unsigned" "$W/tree"
	sync
}

# timed NAME CMD...: runs CMD, appends "seconds peak_rss_kib" to
# $W/NAME.times (peak RSS of the largest process, from /usr/bin/time)
timed() {
	local name=$1 start end
	shift
	start=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$W/rss" "$@" >"$W/cmd.out" 2>"$W/cmd.err" ||
		die "$name failed: $(tail -n 5 "$W/cmd.err")"
	end=$(date +%s%N)
	echo "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.4f", ns / 1e9 }') $(tail -n 1 "$W/rss")" \
		>>"$W/$name.times"
}

# the sign-file loop, as a user would write it: one process per module
signfile_loop() {
	local f
	while read -r f; do
		"$SIGN_FILE" sha256 "$KEY" "$CERT" "$f" || return 1
	done < <(sed "s#^$W/unsigned/#$W/tree/#" "$W/list")
}

# sign-file's peak RSS, on the largest module (timing each process of the
# loop through /usr/bin/time would slow the loop down)
cp "$(xargs -a "$W/list" -d '\n' stat -c '%s %n' | sort -n | tail -n 1 | cut -d' ' -f2-)" "$W/largest.ko"
/usr/bin/time -f '%M' -o "$W/rss1" "$SIGN_FILE" sha256 "$KEY" "$CERT" "$W/largest.ko" ||
	die "sign-file failed on the largest module"
RSS_SIGNFILE=$(tail -n 1 "$W/rss1")

log "floor: openssl speed (RSA-2048 sign, SHA-256), 3 s each"
speed_rsa=$(openssl speed -seconds 3 -mr rsa2048 2>/dev/null | awk -F: '$1 == "+F2" { print $4 }')
speed_sha=$(openssl speed -seconds 3 -mr -evp sha256 2>/dev/null | awk -F: '$1 == "+F" { print $NF }')
if [ -z "$speed_rsa" ] || [ -z "$speed_sha" ]; then
	die "cannot read openssl speed's output"
fi

for run in $(seq 1 "$RUNS"); do
	log "run $run/$RUNS: sign-file loop"
	fresh_copy
	start=$(date +%s%N)
	signfile_loop || die "sign-file failed"
	end=$(date +%s%N)
	echo "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.4f", ns / 1e9 }') $RSS_SIGNFILE" \
		>>"$W/signfile.times"
	[ "$run" != 1 ] || cp -a "$W/tree" "$W/by-signfile"

	log "run $run/$RUNS: modsign sign -j 1"
	fresh_copy
	timed j1 "$MODSIGN" sign -j 1 -r "$W/tree" "$KEY" "$CERT"
	grep -q "modsign: $N signed, 0 skipped, 0 failed" "$W/cmd.out" || die "-j 1: $(cat "$W/cmd.out")"
	if [ "$run" == 1 ]; then
		diff -r "$W/tree" "$W/by-signfile" >/dev/null ||
			die "modsign sign -j 1 and sign-file differ"
	fi

	log "run $run/$RUNS: modsign sign -j $JOBS"
	fresh_copy
	timed jn "$MODSIGN" sign -j "$JOBS" -r "$W/tree" "$KEY" "$CERT"
	grep -q "modsign: $N signed, 0 skipped, 0 failed" "$W/cmd.out" || die "-j $JOBS: $(cat "$W/cmd.out")"
	if [ "$run" == 1 ]; then
		diff -r "$W/tree" "$W/by-signfile" >/dev/null ||
			die "modsign sign -j $JOBS and sign-file differ"
		rm -rf "$W/by-signfile"
	fi

	log "run $run/$RUNS: modsign verify -j 1"
	timed verify1 "$MODSIGN" verify -j 1 --cert "$CERT" -r "$W/tree"
	[ "$(grep -c '^OK ' "$W/cmd.out")" == "$N" ] || die "verify -j 1: not all $N OK"
	log "run $run/$RUNS: modsign verify -j $JOBS"
	timed verifyn "$MODSIGN" verify -j "$JOBS" --cert "$CERT" -r "$W/tree"
	[ "$(grep -c '^OK ' "$W/cmd.out")" == "$N" ] || die "verify -j $JOBS: not all $N OK"
done

# median of column 1 (seconds) and its peak RSS (column 2, KiB)
median() {
	sort -n "$W/$1.times" | awk '{ t[NR] = $1; r[NR] = $2 }
		END { m = int((NR + 1) / 2); print t[m], r[m] }'
}
read -r t_sf rss_sf < <(median signfile)
read -r t_j1 rss_j1 < <(median j1)
read -r t_jn rss_jn < <(median jn)
read -r t_v1 rss_v1 < <(median verify1)
read -r t_vn rss_vn < <(median verifyn)

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain -- sign 2>/dev/null)" ]; then
	rev="$rev with uncommitted changes in sign/"
fi

awk -v n="$N" -v bytes="$BYTES" -v largest="$LARGEST" -v jobs="$JOBS" \
	-v rsa="$speed_rsa" -v sha="$speed_sha" -v runs="$RUNS" \
	-v t_sf="$t_sf" -v t_j1="$t_j1" -v t_jn="$t_jn" -v t_v1="$t_v1" -v t_vn="$t_vn" \
	-v rss_sf="$rss_sf" -v rss_j1="$rss_j1" -v rss_jn="$rss_jn" \
	-v rss_v1="$rss_v1" -v rss_vn="$rss_vn" \
	-v release="$RELEASE" -v cpu="$cpu" -v rev="$rev" \
	-v date="$(date -u +%Y-%m-%d)" '
function row(name, t, rss, floor) {
	printf "| %s | %.2f | %.0f | %.3f | %.1fx | %.2fx | %.1f |\n", name, t,
		n / t, 1000 * t / n, t_sf / t, t / floor, rss / 1024
}
function yes(c) { return c ? "met" : "**not met**" }
BEGIN {
	t_rsa = 1 / rsa; t_hash = bytes / sha
	floor = n * t_rsa + t_hash
	mb = 1024 * 1024
	printf "# modsign benchmarks\n\n"
	printf "Written by `bench/run.sh` (`make bench`) on %s, modsign %s.\n", date, rev
	printf "Machine: %s, %d online CPUs. Modules: all %d of Debian'\''s %s\n", cpu, jobs, n, release
	printf "linux-image package, Debian'\''s signatures stripped (%.1f MB to hash, largest\n", bytes / 1e6
	printf "module %.1f MiB); a throwaway RSA-2048 key, sha256. Each figure is the median\n", largest / mb
	printf "of %d runs; every signing run starts from a fresh, synced copy of the tree.\n\n", runs
	printf "| case | seconds | modules/s | ms/module | vs sign-file | vs floor | peak RSS (MiB) |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
	row("sign-file loop (a process per module)", t_sf, rss_sf, floor)
	row("modsign sign -j 1", t_j1, rss_j1, floor)
	row("modsign sign -j " jobs, t_jn, rss_jn, floor)
	printf "| floor: RSA-2048 sign x %d + SHA-256 of the bytes | %.2f | %.0f | %.3f | %.1fx | 1.00x | |\n",
		n, floor, n / floor, 1000 * floor / n, t_sf / floor
	row("modsign verify -j 1 (vs floor: hashing the bytes once)", t_v1, rss_v1, t_hash)
	row("modsign verify -j " jobs " (the default)", t_vn, rss_vn, t_hash)
	printf "| floor for verify: SHA-256 of the bytes | %.2f | %.0f | %.3f | | 1.00x | |\n\n",
		t_hash, n / t_hash, 1000 * t_hash / n
	printf "From `openssl speed` here: RSA-2048 sign %.3f ms, SHA-256 %.0f MB/s (16 KB blocks).\n", 1000 * t_rsa, sha / 1e6
	printf "The peak RSS of the sign-file loop is that of one sign-file process on the\n"
	printf "largest module.\n"
	printf "modsign fsyncs every module and its folder before counting it signed;\n"
	printf "sign-file does not sync at all.\n"
	printf "The floor for verify is one core hashing; a verify also parses each\n"
	printf "PKCS#7 message and does one RSA public-key operation per module, which\n"
	printf "that floor leaves out.\n\n"
	printf "## Targets\n\n"
	printf "| target | measured | |\n| --- | --- | --- |\n"
	printf "| `-j %d` at least 15x faster than the sign-file loop | %.1fx | %s |\n", jobs, t_sf / t_jn, yes(t_sf / t_jn >= 15)
	printf "| `-j 1` within 2x of the floor | %.2fx | %s |\n", t_j1 / floor, yes(t_j1 / floor <= 2)
	printf "| verify (as run: `modsign verify -r`, -j %d) within 2x of hashing the bytes once | %.2fx (-j 1: %.2fx) | %s |\n", jobs, t_vn / t_hash, t_v1 / t_hash, yes(t_vn / t_hash <= 2)
	printf "| memory bounded by largest module x jobs (-j %d: %.1f MiB x %d = %.1f MiB, over a baseline of -j 1 minus one module) | %.1f MiB at -j %d, %.1f MiB at -j 1 | %s |\n",
		jobs, largest / mb, jobs, largest * jobs / mb, rss_jn / 1024, jobs, rss_j1 / 1024,
		yes(rss_jn * 1024 - (rss_j1 * 1024 - largest) <= largest * jobs * 1.1)
}' >"$W/benchmarks.md"

mkdir -p "$(dirname "$OUT")"
cp "$W/benchmarks.md" "$OUT"
cat "$OUT"
log "written to ${OUT#"$TOP/"}"
