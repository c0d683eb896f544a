#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How fast does modsign sign and verify a whole kernel's modules, next to
# the kernel's own scripts/sign-file and next to what the CPU allows?
#
#   bench/run.sh            (make bench)   writes docs/benchmarks.md
#
# The modules are Debian 12's own: all of the 6.1 linux-image package
# (vm/fetch-debian.sh; downloaded once, cached), copied to a
# temporary folder and stripped of Debian's signatures with modsign strip.
# A throwaway RSA-2048 key signs them with sha256. In one run, RUNS times
# each (median reported):
#
#   (a) a loop of $KDIR/scripts/sign-file, one process per module
#   (b) modsign sign -j 1 -r TREE
#   (c) modsign sign -j $(nproc) -r TREE
#   (d) modsign verify -r TREE, with -j 1 and with -j $(nproc) (its default)
#   (e) modsign status over Debian's installed 6.1 tree (4023 .ko) and 6.12
#       tree (all .ko.xz), each next to modsign verify -r over the same tree
#       (both -j $(nproc), both given the certificate built into that
#       kernel's image); status reads a fake root whose lib/modules/RELEASE
#       is a hard-linked copy of the cached tree and whose /proc/keys holds that key
#   (g) the disk's floor: `cp -a` of the unsigned tree plus `sync`, next
#       to (b) and (c) of the same run (issue #25's target: -j N within
#       1.3x of it), and modsign sign -j N with ECDSA P-256 and P-384 key
#       files, next to (c)
#   (f) modsign sign with the key in a SoftHSM2 token, with -j 1 and -j N:
#       the token on this machine (libsofthsm2.so), and the same token
#       behind `p11-kit server` on a Unix socket, through p11-kit-client.so
#       (docs/build-farm.md), by both routes: libp11's engine, and
#       OpenSSL's pkcs11 provider (bookworm-backports' pkcs11-provider,
#       vm/fetch-debian.sh pkcs11-provider); next to (b) and (c) of
#       the same run (issue #25's target: the remote token at -j N within
#       1.5x of the key file at -j N)
#
# and, from `openssl speed` on this machine, measured in each run, the
# floor: RSA-2048 sign time x modules + module bytes / SHA-256 throughput
# (verify: the bytes alone). Ratios are taken within a run; the medians of
# the times and of the ratios are reported.
# Every signing run starts from a fresh copy of the unsigned tree, after a
# sync, so that none pays for the previous one's write-back. The outputs of
# (a), (b) and (c) are compared byte for byte.
#
# ONLY=token runs (b), (c) and (f) alone, and rewrites only the section
# "Keys in a token" of $OUT (its rows and its targets).
#
# Environment: RUNS (default 5, at least 3), MODSIGN (default sign/modsign,
# brought up to date with make first), OUT (default docs/benchmarks.md), BENCH_TMP (where the
# two copies of the tree go, about 800 MB; default $TMPDIR or /tmp).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
OUT=${OUT:-$TOP/docs/benchmarks.md}
OWN_BUILD=${MODSIGN:+no}
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
# the code measured: the checkout as it is when the bench starts, built
# from it (unless MODSIGN names another binary)
rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain -- sign 2>/dev/null)" ]; then
	rev="$rev with uncommitted changes in sign/"
fi
if [ "${OWN_BUILD:-yes}" == yes ]; then
	make -s -C "$TOP/sign" >&2 || die "cannot build modsign (make -C sign)"
else
	rev="$MODSIGN (not built from this checkout)"
fi
[ -x "$MODSIGN" ] || die "$MODSIGN is not an executable"
for tool in openssl /usr/bin/time awk sort xz zstd; do
	command -v "$tool" >/dev/null || die "$tool is missing (package: ${tool##*/})"
done
env_file=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.1) ||
	die "cannot fetch Debian's 6.1 kernel (vm/fetch-debian.sh kernel 6.1)"
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
for curve in P-256 P-384; do
	openssl req -new -x509 -nodes -newkey ec -pkeyopt "ec_paramgen_curve:$curve" \
		-sha256 -days 2 -subj "/CN=modsign bench key $curve" \
		-keyout "$W/key-$curve.pem" -outform DER -out "$W/cert-$curve.der" \
		2>"$W/openssl.log" || die "openssl req ($curve) failed: $(cat "$W/openssl.log")"
done

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

# speed: this machine's RSA-2048 sign rate and SHA-256 bytes/s right now,
# from openssl speed (the floor is measured in every run, next to the runs
# it is compared with: a shared machine's speed drifts)
speed() {
	local rsa sha
	rsa=$(openssl speed -seconds 1 -mr rsa2048 2>/dev/null | awk -F: '$1 == "+F2" { print $4 }')
	sha=$(openssl speed -seconds 1 -mr -evp sha256 2>/dev/null | awk -F: '$1 == "+F" { print $NF }')
	if [ -z "$rsa" ] || [ -z "$sha" ]; then
		echo "bench: ERROR: cannot read openssl speed's output" >&2
		return 1
	fi
	echo "$rsa $sha"
}

# ---- (e) keys in a token: local SoftHSM2, and the same behind p11-kit
# server (issue #14). Kept in this one block.
TOKEN_CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
TOKEN_SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
TOKEN_URI="pkcs11:token=bench;object=signer;type=private"
TOKEN_GROUP=
TOKEN_PROVIDER=

# token_setup: the bench key imported into a SoftHSM2 token in $W/hsm, and
# a p11-kit server for it on $W/p11.sock (killed at exit)
token_setup() {
	local t=100 f
	for f in softhsm2-util p11-kit "$TOKEN_CLIENT" "$TOKEN_SOFTHSM"; do
		[ -e "$f" ] || command -v "$f" >/dev/null ||
			die "$f is missing (apt-get install softhsm2 p11-kit p11-kit-modules)"
	done
	mkdir -p "$W/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$W/hsm/tokens" >"$W/hsm/softhsm2.conf"
	export SOFTHSM2_CONF=$W/hsm/softhsm2.conf
	if ! { softhsm2-util --init-token --free --label bench --pin 4321 --so-pin 87654321 &&
		openssl pkcs8 -topk8 -nocrypt -in "$KEY" -out "$W/hsm/key8.pem" &&
		softhsm2-util --import "$W/hsm/key8.pem" --token bench --label signer \
			--id 01 --pin 4321; } >"$W/hsm.log" 2>&1; then
		die "cannot make the SoftHSM2 token: $(tail -n 3 "$W/hsm.log")"
	fi
	rm -f "$W/hsm/key8.pem"
	setsid p11-kit server -f --provider "$TOKEN_SOFTHSM" -n "$W/p11.sock" \
		"pkcs11:token=bench" >"$W/p11.log" 2>&1 &
	TOKEN_GROUP=$!
	trap 'kill -KILL -- "-$TOKEN_GROUP" 2>/dev/null || true; rm -rf "$W"' EXIT
	while [ ! -S "$W/p11.sock" ] && [ "$t" -gt 0 ]; do
		t=$((t - 1))
		sleep 0.05
	done
	[ -S "$W/p11.sock" ] || die "p11-kit server made no socket: $(cat "$W/p11.log")"
	TOKEN_PROVIDER=$(bash "$TOP/vm/fetch-debian.sh" pkcs11-provider) ||
		die "cannot fetch pkcs11-provider (vm/fetch-debian.sh pkcs11-provider)"
}

# token_runs RUN: the six token cases of one run (local: the default
# route; remote: the engine's and the provider's), each compared with
# sign-file's bytes in the first run; a line of times to $W/token.runs
token_runs() {
	local c j uri route
	for c in local remote provider; do
		for j in 1 "$JOBS"; do
			uri="$TOKEN_URI?module-path=$TOKEN_SOFTHSM"
			[ "$c" == local ] || uri="$TOKEN_URI?module-path=$TOKEN_CLIENT"
			# the local token by modsign's default route; OPENSSL_MODULES
			# for the provider's alone
			route=(env MODSIGN_PKCS11=auto)
			[ "$c" != remote ] || route=(env MODSIGN_PKCS11=engine)
			[ "$c" != provider ] || route=(env MODSIGN_PKCS11=provider "OPENSSL_MODULES=$TOKEN_PROVIDER")
			log "run $1/$RUNS: modsign sign -j $j, key in the $c token"
			fresh_copy
			P11_KIT_SERVER_ADDRESS=unix:path=$W/p11.sock MODSIGN_PIN=4321 \
				timed "$c$j" "${route[@]}" "$MODSIGN" sign -j "$j" -r "$W/tree" "$uri" "$CERT"
			grep -q "modsign: $N signed, 0 skipped, 0 failed" "$W/cmd.out" ||
				die "$c token -j $j: $(cat "$W/cmd.out")"
			if [ "$1" == 1 ]; then
				diff -r "$W/tree" "$W/by-token" >/dev/null ||
					die "modsign sign with the $c token (-j $j) and with the key file differ"
			fi
		done
	done
	[ "$1" != 1 ] || rm -rf "$W/by-token"
	echo "$(last j1) $(last jn) $(last local1) $(last "local$JOBS") $(last remote1) $(last "remote$JOBS")" \
		"$(last provider1) $(last "provider$JOBS") $(cut -d' ' -f1 /proc/loadavg)" >>"$W/token.runs"
}

# The awk functions every report uses: the median of a[1..k], all of
# a[1..k] printed with fmt, and a target's verdict.
AWK_STATS='
function median(a, k,   i, j, t, c) {
	for (i = 1; i <= k; i++) c[i] = a[i]
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && c[j - 1] > c[j]; j--) { t = c[j]; c[j] = c[j - 1]; c[j - 1] = t }
	return c[int((k + 1) / 2)]
}
function all(a, k, fmt,   i, s) {
	for (i = 1; i <= k; i++) s = s (i > 1 ? ", " : "") sprintf(fmt, a[i])
	return s
}
function yes(c) { return c ? "met" : "**not met**" }
'

# token_report: the section of benchmarks.md, from $W/token.runs
token_report() {
	awk -v n="$N" -v jobs="$JOBS" "$AWK_STATS"'
function row(name, t, r) {
	printf "| %s | %.2f | %.0f | %.3f | %s |\n", name, median(t, k), n / median(t, k),
		1000 * median(t, k) / n, r == "" ? "" : sprintf("%.2fx", r)
}
{
	k++
	f1[k] = $1; fn[k] = $2; l1[k] = $3; ln[k] = $4; r1[k] = $5; rn[k] = $6
	p1[k] = $7; pn[k] = $8; load[k] = $9
	l1f[k] = $3 / $1; lnf[k] = $4 / $2; r1f[k] = $5 / $1; rnf[k] = $6 / $2
	p1f[k] = $7 / $1; pnf[k] = $8 / $2
}
END {
	printf "\n## Keys in a token\n\n"
	printf "The same key imported into a SoftHSM2 token: on this machine (`module-path=` libsofthsm2.so),\n"
	printf "and behind `p11-kit server` on a Unix socket, reached through p11-kit-client.so\n"
	printf "(the remote token of docs/build-farm.md, here without a network in between),\n"
	printf "through libp11'\''s engine and through OpenSSL'\''s pkcs11 provider (bookworm-backports'\'' 1.0).\n"
	printf "A local token signs one module at a time (one session). A remote one gets a\n"
	printf "connection per worker, and the server a p11-kit-remote process per connection,\n"
	printf "so the signatures are made side by side; the rest runs on -j workers.\n"
	printf "Ratios are to the key file at the same -j, in the same run.\n"
	printf "Load average (1 min) at each run: %s.\n\n", all(load, k, "%.2f")
	printf "| case | seconds | modules/s | ms/module | vs key file |\n| --- | ---: | ---: | ---: | ---: |\n"
	row("key file, -j 1", f1, 1)
	row("key file, -j " jobs, fn, 1)
	row("local SoftHSM2 token, -j 1", l1, median(l1f, k))
	row("local SoftHSM2 token, -j " jobs, ln, median(lnf, k))
	row("remote token (p11-kit server), engine, -j 1", r1, median(r1f, k))
	row("remote token (p11-kit server), engine, -j " jobs, rn, median(rnf, k))
	row("remote token (p11-kit server), provider, -j 1", p1, median(p1f, k))
	row("remote token (p11-kit server), provider, -j " jobs, pn, median(pnf, k))
	printf "\n| target | median | each run | |\n| --- | --- | --- | --- |\n"
	printf "| remote token at -j %d within 1.5x of the key file at -j %d (issue #25), engine | %.2fx | %s | %s |\n",
		jobs, jobs, median(rnf, k), all(rnf, k, "%.2fx"), yes(median(rnf, k) <= 1.5)
	printf "| the same, provider | %.2fx | %s | %s |\n",
		median(pnf, k), all(pnf, k, "%.2fx"), yes(median(pnf, k) <= 1.5)
}' "$W/token.runs"
}

# last NAME: the seconds of NAME's latest run
last() {
	tail -n 1 "$W/$1.times" | cut -d' ' -f1
}

token_setup

# ONLY=token: the key file at -j 1 and -j N next to the token cases, and
# the section "Keys in a token" of $OUT replaced: its lines up to the next
# section, or to the rows of the targets that (e) adds to its table
if [ "${ONLY:-}" == token ]; then
	[ -f "$OUT" ] || die "ONLY=token rewrites a section of $OUT, which is not there: run make bench"
	for run in $(seq 1 "$RUNS"); do
		for j in 1 "$JOBS"; do
			log "run $run/$RUNS: modsign sign -j $j"
			fresh_copy
			name=j1
			[ "$j" == 1 ] || name=jn
			timed "$name" "$MODSIGN" sign -j "$j" -r "$W/tree" "$KEY" "$CERT"
			grep -q "modsign: $N signed, 0 skipped, 0 failed" "$W/cmd.out" || die "-j $j: $(cat "$W/cmd.out")"
			[ "$run$j" != 11 ] || cp -a "$W/tree" "$W/by-token"
		done
		token_runs "$run"
	done
	token_report >"$W/token.md"
	awk -v new="$W/token.md" '
		/^## Keys in a token$/ {
			skip = 1
			while ((getline l < new) > 0)
				if (l != "" || printed++) print l
			next
		}
		skip && (/^## / || /^\| `modsign status` over/) { skip = 0 }
		!skip { print }' "$OUT" >"$W/out.md"
	grep -q '^## Keys in a token$' "$W/out.md" || die "no section 'Keys in a token' in $OUT"
	cp "$W/out.md" "$OUT"
	cat "$W/token.md"
	log "the section 'Keys in a token' of ${OUT#"$TOP/"} rewritten"
	exit 0
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
	[ "$run" != 1 ] || cp -a "$W/tree" "$W/by-token"

	log "run $run/$RUNS: the floor (openssl speed, RSA-2048 sign and SHA-256, 1 s each)"
	rates=$(speed) || die "openssl speed failed"
	read -r rate_rsa rate_sha <<<"$rates"

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

	# (g) the disk's floor, next to -j N: the same bytes copied and synced
	log "run $run/$RUNS: cp -a of the tree and sync"
	rm -rf "$W/tree"
	sync
	# shellcheck disable=SC2016 # the inner shell expands them
	timed cpsync sh -c 'cp -a "$1" "$2" && sync' sh "$W/unsigned" "$W/tree"
	for curve in P-256 P-384; do
		log "run $run/$RUNS: modsign sign -j $JOBS, ECDSA $curve key file"
		fresh_copy
		timed "ec$curve" "$MODSIGN" sign -j "$JOBS" -r "$W/tree" "$W/key-$curve.pem" "$W/cert-$curve.der"
		grep -q "modsign: $N signed, 0 skipped, 0 failed" "$W/cmd.out" ||
			die "ECDSA $curve -j $JOBS: $(cat "$W/cmd.out")"
	done
	echo "$(last cpsync) $(last j1) $(last jn) $(last ecP-256) $(last ecP-384) $(cut -d' ' -f1 /proc/loadavg)" >>"$W/disk.runs"

	token_runs "$run"

	log "run $run/$RUNS: modsign verify -j 1"
	timed verify1 "$MODSIGN" verify -j 1 --cert "$CERT" -r "$W/tree"
	[ "$(grep -c '^OK ' "$W/cmd.out")" == "$N" ] || die "verify -j 1: not all $N OK"
	log "run $run/$RUNS: modsign verify -j $JOBS"
	timed verifyn "$MODSIGN" verify -j "$JOBS" --cert "$CERT" -r "$W/tree"
	[ "$(grep -c '^OK ' "$W/cmd.out")" == "$N" ] || die "verify -j $JOBS: not all $N OK"

	# one line per run: the five times, then the floor's two rates
	echo "$(last signfile) $(last j1) $(last jn) $(last verify1) $(last verifyn) $rate_rsa $rate_sha" \
		>>"$W/runs"
done

# ---- (e) modsign status next to verify -r ----

# builtin_cert VMLINUZ OUT: the DER certificate built into a Debian kernel
# image (what its modules are signed with), from the image's xz (6.1) or
# zstd (6.12) payload; the decompressor's complaint about the padding after
# the payload is ignored
builtin_cert() {
	local bin=$2.bin off cand len
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | sed -n 1p | cut -d: -f1)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$1" | xz -dc >"$bin" 2>/dev/null || true
	else
		off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$1" | sed -n 1p | cut -d: -f1)
		[ -n "$off" ] || return 1
		tail -c +$((off + 1)) "$1" | zstd -dcq >"$bin" 2>/dev/null || true
	fi
	while read -r cand; do
		len=$(od -An -tu1 -j $((cand + 2)) -N2 "$bin" | awk '{ print $1 * 256 + $2 + 4 }')
		dd if="$bin" of="$2" iflag=skip_bytes,count_bytes skip="$cand" count="$len" bs=64K status=none
		if grep -q 'Build time autogenerated kernel key' \
			<<<"$(openssl x509 -inform DER -in "$2" -noout -subject 2>/dev/null)"; then
			rm -f "$bin"
			return 0
		fi
	done < <(LC_ALL=C grep -obUaP '(?s)\x30\x82..\x30\x82' "$bin" | cut -d: -f1)
	rm -f "$bin" "$2"
	return 1
}

# status_root SERIES: $W/st-SERIES/ with root/ (the fake root), cert.der,
# and the env of that kernel (RELEASE, MODDIR) in env; prints the folder
status_root() {
	local d=$W/st-$1 env skid
	mkdir -p "$d"
	env=$(bash "$TOP/vm/fetch-debian.sh" kernel "$1") ||
		die "cannot fetch Debian's $1 kernel (vm/fetch-debian.sh kernel $1)"
	(
		# shellcheck disable=SC1090
		source "$env"
		builtin_cert "$VMLINUZ" "$d/cert.der" || die "no certificate in $VMLINUZ"
		mkdir -p "$d/root/lib/modules" "$d/root/proc/sys/kernel" "$d/root/boot"
		# hard links, not a symbolic link: status resolves every link
		# inside the root (a link to the host's tree would not be
		# followed out of it)
		cp -al "$MODDIR" "$d/root/lib/modules/$RELEASE" 2>/dev/null ||
			cp -a "$MODDIR" "$d/root/lib/modules/$RELEASE"
		echo "$RELEASE" >"$d/root/proc/sys/kernel/osrelease"
		cp "$CONFIG" "$d/root/boot/"
		skid=$(openssl x509 -inform DER -in "$d/cert.der" -noout -ext subjectKeyIdentifier |
			sed -n 2p | tr -d ' :' | tr '[:upper:]' '[:lower:]')
		printf '%s\n' \
			"0b1c2d3e I------     1 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: 1" \
			"1d2e3f4a I------     1 perm 1f030000     0     0 asymmetri Build time autogenerated kernel key: $skid X509.rsa ${skid: -8} []" \
			>"$d/root/proc/keys"
		printf 'S_RELEASE=%q\nS_MODDIR=%q\n' "$RELEASE" "$MODDIR" >"$d/env"
	)
	echo "$d"
}

# status_pair SERIES RUN: verify -r, then status, over SERIES' tree
status_pair() {
	local d=$W/st-$1 n
	# shellcheck disable=SC1091
	source "$d/env"
	log "run $2/$RUNS: modsign verify -r and modsign status, $S_RELEASE"
	timed "sv$1" "$MODSIGN" verify -j "$JOBS" --cert "$d/cert.der" -r "$S_MODDIR"
	n=$(grep -c '^OK ' "$W/cmd.out") || true
	[ "$n" -gt 0 ] || die "verify over $S_RELEASE: no module OK"
	timed "ss$1" "$MODSIGN" status -j "$JOBS" --root "$d/root" --cert "$d/cert.der"
	grep -q "^$n modules will load: $n signed by " "$W/cmd.out" ||
		die "status over $S_RELEASE: not all $n modules load: $(grep 'will load' "$W/cmd.out")"
	echo "$n" >"$d/n"
}

status_root 6.1 >/dev/null
status_root 6.12 >/dev/null
for run in $(seq 1 "$RUNS"); do
	status_pair 6.1 "$run"
	status_pair 6.12 "$run"
	echo "$(last sv6.1) $(last ss6.1) $(last sv6.12) $(last ss6.12)" >>"$W/status-runs"
done

# the peak RSS (KiB) of NAME's median run
median_rss() {
	sort -n "$W/$1.times" | awk '{ r[NR] = $2 } END { print r[int((NR + 1) / 2)] }'
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)

# Every ratio is taken within one run, then the median over the runs is
# reported: a time and the time it is compared with were measured together.
awk -v n="$N" -v bytes="$BYTES" -v largest="$LARGEST" -v jobs="$JOBS" \
	-v runs="$RUNS" -v rss_sf="$(median_rss signfile)" -v rss_j1="$(median_rss j1)" \
	-v rss_jn="$(median_rss jn)" -v rss_v1="$(median_rss verify1)" \
	-v rss_vn="$(median_rss verifyn)" \
	-v release="$RELEASE" -v cpu="$cpu" -v rev="$rev" \
	-v date="$(date -u +%Y-%m-%d)" "$AWK_STATS"'
# a row: median seconds, then the medians of the per-run ratios
function row(name, t, rss, r_sf, r_floor) {
	printf "| %s | %.2f | %.0f | %.3f | %s | %s | %s |\n", name, median(t, k),
		n / median(t, k), 1000 * median(t, k) / n,
		r_sf == "" ? "" : sprintf("%.1fx", r_sf), sprintf("%.2fx", r_floor),
		rss == "" ? "" : sprintf("%.1f", rss / 1024)
}
{
	k++
	sf[k] = $1; j1[k] = $2; jn[k] = $3; v1[k] = $4; vn[k] = $5
	hash[k] = bytes / $7; floor[k] = n / $6 + hash[k]
	sf_jn[k] = $1 / $3; sf_j1[k] = $1 / $2; sf_floor[k] = $1 / floor[k]
	sf_v1[k] = $1 / $4; sf_vn[k] = $1 / $5
	j1_floor[k] = $2 / floor[k]; jn_floor[k] = $3 / floor[k]
	v1_hash[k] = $4 / hash[k]; vn_hash[k] = $5 / hash[k]
	rsa_ms[k] = 1000 / $6; sha_mb[k] = $7 / 1e6
}
END {
	mb = 1024 * 1024
	printf "# modsign benchmarks\n\n"
	printf "Written by `bench/run.sh` (`make bench`) on %s, modsign %s.\n", date, rev
	printf "Machine: %s, %d online CPUs. Modules: all %d of Debian'\''s %s\n", cpu, jobs, n, release
	printf "linux-image package, Debian'\''s signatures stripped (%.1f MB to hash, largest\n", bytes / 1e6
	printf "module %.1f MiB); a throwaway RSA-2048 key, sha256. %d runs; every signing\n", largest / mb, runs
	printf "run starts from a fresh, synced copy of the tree. Seconds are medians over the\n"
	printf "runs; each ratio is taken within a run (a time and the one it is compared\n"
	printf "with were measured together), and its median is shown.\n\n"
	printf "| case | seconds | modules/s | ms/module | vs sign-file | vs floor | peak RSS (MiB) |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
	row("sign-file loop (a process per module)", sf, rss_sf, 1, median(sf_floor, k))
	row("modsign sign -j 1", j1, rss_j1, median(sf_j1, k), median(j1_floor, k))
	row("modsign sign -j " jobs, jn, rss_jn, median(sf_jn, k), median(jn_floor, k))
	row("floor: RSA-2048 sign x " n " + SHA-256 of the bytes", floor, "", median(sf_floor, k), 1)
	row("modsign verify -j 1 (vs floor: hashing the bytes once)", v1, rss_v1, median(sf_v1, k), median(v1_hash, k))
	row("modsign verify -j " jobs " (the default)", vn, rss_vn, median(sf_vn, k), median(vn_hash, k))
	row("floor for verify: SHA-256 of the bytes", hash, "", "", 1)
	printf "\nFrom `openssl speed` here, in each run: RSA-2048 sign %s ms; SHA-256 %s MB/s\n", all(rsa_ms, k, "%.3f"), all(sha_mb, k, "%.0f")
	printf "(16 KB blocks).\n"
	printf "The peak RSS of the sign-file loop is that of one sign-file process on the\n"
	printf "largest module.\n"
	printf "modsign makes every module and its rename durable before counting it\n"
	printf "signed (in groups: a syncfs before and after the renames); sign-file does\n"
	printf "not sync at all.\n"
	printf "The floor for verify is one core hashing; a verify also parses each\n"
	printf "PKCS#7 message and does one RSA public-key operation per module, which\n"
	printf "that floor leaves out.\n\n"
	printf "## Targets\n\n"
	printf "| target | median | each run | |\n| --- | --- | --- | --- |\n"
	printf "| `-j %d` at least 15x faster than the sign-file loop | %.1fx | %s | %s |\n", jobs, median(sf_jn, k), all(sf_jn, k, "%.1fx"), yes(median(sf_jn, k) >= 15)
	printf "| `-j 1` within 2x of the floor | %.2fx | %s | %s |\n", median(j1_floor, k), all(j1_floor, k, "%.2fx"), yes(median(j1_floor, k) <= 2)
	printf "| verify (as run: `modsign verify -r`, -j %d) within 2x of hashing the bytes once | %.2fx | %s | %s |\n", jobs, median(vn_hash, k), all(vn_hash, k, "%.2fx"), yes(median(vn_hash, k) <= 2)
	printf "| the same with -j 1 | %.2fx | %s | %s |\n", median(v1_hash, k), all(v1_hash, k, "%.2fx"), yes(median(v1_hash, k) <= 2)
	printf "| memory bounded by largest module x jobs (-j %d: %.1f MiB x %d = %.1f MiB, over a baseline of -j 1 minus one module) | %.1f MiB at -j %d, %.1f MiB at -j 1 | | %s |\n",
		jobs, largest / mb, jobs, largest * jobs / mb, rss_jn / 1024, jobs, rss_j1 / 1024,
		yes(rss_jn * 1024 - (rss_j1 * 1024 - largest) <= largest * jobs * 1.1)
}' "$W/runs" >"$W/benchmarks.md"
token_report >>"$W/benchmarks.md"


# (e): two more rows of the targets, then the times
# shellcheck disable=SC1091
awk -v jobs="$JOBS" -v n61="$(cat "$W/st-6.1/n")" -v n612="$(cat "$W/st-6.12/n")" \
	-v r61="$(source "$W/st-6.1/env" && echo "$S_RELEASE")" \
	-v r612="$(source "$W/st-6.12/env" && echo "$S_RELEASE")" \
	-v rss1="$(median_rss ss6.1)" -v rss2="$(median_rss ss6.12)" \
	-v rssv1="$(median_rss sv6.1)" -v rssv2="$(median_rss sv6.12)" "$AWK_STATS"'
function row(name, t, n, rss, ratio) {
	printf "| %s | %.2f | %.0f | %.3f | %s | %.1f |\n", name, median(t, k),
		n / median(t, k), 1000 * median(t, k) / n,
		ratio == "" ? "" : sprintf("%.2fx", ratio), rss / 1024
}
{
	k++
	v1[k] = $1; s1[k] = $2; v2[k] = $3; s2[k] = $4
	q1[k] = $2 / $1; q2[k] = $4 / $3
}
END {
	printf "| `modsign status` over %d modules of %s (.ko) within 2x of `modsign verify -r` over them | %.2fx | %s | %s |\n", n61, r61, median(q1, k), all(q1, k, "%.2fx"), yes(median(q1, k) <= 2)
	printf "| the same over %d modules of %s (.ko.xz) | %.2fx | %s | %s |\n", n612, r612, median(q2, k), all(q2, k, "%.2fx"), yes(median(q2, k) <= 2)
	printf "\n## modsign status next to verify -r\n\n"
	printf "Debian'\''s installed trees as they are (Debian'\''s signatures), both -j %d and\n", jobs
	printf "given the certificate built into the kernel image; status reads a fake root\n"
	printf "whose lib/modules/RELEASE is a hard-linked copy of the tree and whose /proc/keys holds that\n"
	printf "key, and decides every module as `modsign check` would (all load). Medians\n"
	printf "over the runs; the ratio is taken within each run.\n\n"
	printf "| case | seconds | modules/s | ms/module | vs verify -r | peak RSS (MiB) |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: |\n"
	row("modsign verify -r, " r61, v1, n61, rssv1, "")
	row("modsign status, " r61, s1, n61, rss1, median(q1, k))
	row("modsign verify -r, " r612 " (.ko.xz)", v2, n612, rssv2, "")
	row("modsign status, " r612 " (.ko.xz)", s2, n612, rss2, median(q2, k))
}' "$W/status-runs" >>"$W/benchmarks.md"

# (g): against the disk, from $W/disk.runs
awk -v n="$N" -v jobs="$JOBS" "$AWK_STATS"'
function row(name, t, r, q) {
	printf "| %s | %.2f | %.0f | %.3f | %s | %s |\n", name, median(t, k), n / median(t, k),
		1000 * median(t, k) / n, sprintf("%.2fx", r), q == "" ? "" : sprintf("%.2fx", q)
}
{
	k++
	cp[k] = $1; j1[k] = $2; jn[k] = $3; e2[k] = $4; e3[k] = $5; load[k] = $6
	j1c[k] = $2 / $1; jnc[k] = $3 / $1; e2c[k] = $4 / $1; e3c[k] = $5 / $1
	e2r[k] = $4 / $3; e3r[k] = $5 / $3
}
END {
	printf "\n## Against the disk: cp -a and sync\n\n"
	printf "The floor a signing run cannot beat here: `cp -a` of the same unsigned tree into\n"
	printf "a new folder, then `sync` (the same bytes written as new files, made durable),\n"
	printf "timed in each run next to the modsign runs it is compared with. Ratios are\n"
	printf "taken within a run. Load average (1 min) at each run: %s.\n\n", all(load, k, "%.2f")
	printf "| case | seconds | modules/s | ms/module | vs cp -a + sync | vs RSA-2048 at -j %d |\n", jobs
	printf "| --- | ---: | ---: | ---: | ---: | ---: |\n"
	row("floor: cp -a + sync", cp, 1, "")
	row("modsign sign -j 1, RSA-2048 key file", j1, median(j1c, k), "")
	row("modsign sign -j " jobs ", RSA-2048 key file", jn, median(jnc, k), 1)
	row("modsign sign -j " jobs ", ECDSA P-256 key file", e2, median(e2c, k), median(e2r, k))
	row("modsign sign -j " jobs ", ECDSA P-384 key file", e3, median(e3c, k), median(e3r, k))
	printf "\n| target | median | each run | |\n| --- | --- | --- | --- |\n"
	printf "| `-j %d` within 1.3x of cp -a + sync (issue #25) | %.2fx | %s | %s |\n",
		jobs, median(jnc, k), all(jnc, k, "%.2fx"), yes(median(jnc, k) <= 1.3)
}' "$W/disk.runs" >"$W/disk.md"

mkdir -p "$(dirname "$OUT")"
# then the profile, written by hand from perf and strace (bench/profile.md)
cat "$W/benchmarks.md" "$W/disk.md" "$TOP/bench/profile.md" >"$OUT"
cat "$OUT"
log "written to ${OUT#"$TOP/"}"
