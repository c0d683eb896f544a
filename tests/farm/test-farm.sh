#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Signing with a key that lives on another machine (issue #14,
# docs/build-farm.md): a SoftHSM2 token behind `p11-kit server` on a Unix
# socket, and modsign on the "build host" reaching it through
# p11-kit-client.so. The build host's side runs without SOFTHSM2_CONF and
# without a key file: only the certificate and the socket.
#
# Each test starts its own server in its temporary folder (setsid: the
# server and the p11-kit-remote it forks per connection are one process
# group) and kills that group when it ends, passed or not; the suite's own
# trap kills any group left. Modules: 200 of Debian's 6.1 modules, their
# signatures stripped; the reference is the same modules signed with the key
# file. Figures go to standard output as `# ...` lines.
# The test_* functions and their helpers are called through the harness:
# shellcheck disable=SC2317
set -uo pipefail

# make check builds no sign/modsign of its own (the modsign suite builds a
# sanitizer one elsewhere): build it when it is not there
if [ -z "${MODSIGN:-}" ] && [ ! -x "$(dirname "${BASH_SOURCE[0]}")/../../sign/modsign" ]; then
	nice make -s -C "$(dirname "${BASH_SOURCE[0]}")/../../sign" >&2 ||
		{ echo "test-farm: ERROR: cannot build sign/modsign" >&2; exit 1; }
fi
# shellcheck source=tests/modsign/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../modsign/common.sh"
need_tools p11-kit softhsm2-util openssl setsid
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
[ -e "$CLIENT" ] || suite_error "$CLIENT is missing (apt-get install p11-kit-modules)"
[ -e "$SOFTHSM" ] || suite_error "$SOFTHSM is missing (apt-get install softhsm2)"
[ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] ||
	suite_error "libengine-pkcs11-openssl is not installed"

# The tests before use_provider's are the engine's: where pkcs11-provider
# is installed (Debian 13, or setup.sh test on it), modsign would take the
# provider first, and some of their expectations are the engine's words
# ("object not found"); use_provider sets the provider's route for its own.
export MODSIGN_PKCS11=engine

SHARED=$(mktemp -d "${TMPDIR:-/tmp}/modsign-farm.XXXXXX")
export SHARED
# every server's process group, to be killed whatever happens
cleanup() {
	local g
	if [ -f "$SHARED/groups" ]; then
		while read -r g; do
			kill -KILL -- "-$g" 2>/dev/null || true
		done <"$SHARED/groups"
	fi
	rm -rf "$SHARED"
}
trap cleanup EXIT

# The signing host's token: the key made here, imported, then deleted.
KEY=$SHARED/key.pem CERT=$SHARED/cert.der
openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 30 \
	-subj "/CN=modsign farm test key" -keyout "$KEY" \
	-outform DER -out "$CERT" 2>"$SHARED/openssl.log" ||
	suite_error "openssl req: $(cat "$SHARED/openssl.log")"
mkdir -p "$SHARED/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$SHARED/hsm/tokens" >"$SHARED/hsm/softhsm2.conf"
HSM_CONF=$SHARED/hsm/softhsm2.conf
{
	SOFTHSM2_CONF=$HSM_CONF softhsm2-util --init-token --free --label farm \
		--pin 4321 --so-pin 87654321 &&
		openssl pkcs8 -topk8 -nocrypt -in "$KEY" -out "$SHARED/hsm/key8.pem" &&
		SOFTHSM2_CONF=$HSM_CONF softhsm2-util --import "$SHARED/hsm/key8.pem" \
			--token farm --label signer --id 01 --pin 4321
} >"$SHARED/hsm.log" 2>&1 || suite_error "cannot make the SoftHSM2 token: $(cat "$SHARED/hsm.log")"
rm -f "$SHARED/hsm/key8.pem"

URI="pkcs11:token=farm;object=signer;type=private"
RURI="$URI?module-path=$CLIENT"
export KEY CERT URI RURI CLIENT SOFTHSM HSM_CONF

# 200 modules spread over the tree, unsigned; the reference signed with
# the key file (the key file stays in $SHARED, the signing host's side).
mkdir "$SHARED/plain"
find "$MODDIR" -name '*.ko' | LC_ALL=C sort | awk 'NR % 20 == 3 && ++n <= 200' |
	xargs cp -t "$SHARED/plain/" || suite_error "cannot copy Debian's modules"
strip_plain
cp -a "$SHARED/plain" "$SHARED/ref"
"$MODSIGN" sign -j 2 -r "$SHARED/ref" "$KEY" "$CERT" >"$SHARED/ref.log" 2>&1 ||
	suite_error "signing the reference failed: $(cat "$SHARED/ref.log")"

# ---- helpers ----

# start_server: a p11-kit server for the token on $T/p11.sock; sets SOCK,
# ADDR, GROUP, and exports P11_KIT_SERVER_ADDRESS for the client side.
start_server() {
	SOCK=$T/p11.sock
	ADDR=unix:path=$SOCK
	SOFTHSM2_CONF=$HSM_CONF setsid p11-kit server -f --provider "$SOFTHSM" \
		-n "$SOCK" "pkcs11:token=farm" >"$T/server.log" 2>&1 &
	serving "p11-kit server" "$T/server.log"
}

# serving WHAT LOG: the server just started in the background (its own
# process group, killed with the test) has made $SOCK; exports
# P11_KIT_SERVER_ADDRESS for the client side.
serving() {
	GROUP=$!
	echo "$GROUP" >>"$SHARED/groups"
	trap 'kill -KILL -- "-$GROUP" 2>/dev/null || true' EXIT
	local tries=100
	while [ ! -S "$SOCK" ] && [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		sleep 0.05
	done
	[ -S "$SOCK" ] || fail "$1 made no socket: $(cat "$2")"
	export P11_KIT_SERVER_ADDRESS=$ADDR
}

# kill_server: the server and every connection it serves, at once.
kill_server() {
	kill -KILL -- "-$GROUP" 2>/dev/null || true
	while kill -0 -- "-$GROUP" 2>/dev/null; do sleep 0.01; done
	rm -f "$SOCK"
}

# client CMD...: CMD on the build host's side: no SoftHSM2 configuration
# (the token is only reachable through the socket), the PIN from the
# environment.
client() {
	env -u SOFTHSM2_CONF MODSIGN_PIN=4321 "$@"
}

# same_as DIR WHAT: every module below DIR is the reference's bytes.
same_as_ref() {
	diff -r "$SHARED/ref" "$1" >diff.out || fail "$2: the modules differ from the key file's: $(head -c 400 diff.out)"
}

# untouched DIR: every module below DIR is still the unsigned original,
# never rewritten (a mark older than the run on each).
untouched() {
	diff -r "$SHARED/plain" "$1" >diff.out || fail "a module changed: $(head -c 400 diff.out)"
	[ -z "$(find "$1" -name '*.ko' -newermt '2001-01-02')" ] || fail "a module was rewritten"
}

# signed_count DIR: how many modules below DIR are the reference's signed
# bytes; every other one must still be the unsigned original.
signed_count() {
	local f n=0
	for f in "$1"/*.ko; do
		if cmp -s "$f" "$SHARED/ref/${f#"$1"/}"; then
			n=$((n + 1))
		else
			cmp -s "$f" "$SHARED/plain/${f#"$1"/}" || fail "$f is neither the original nor the signed module"
		fi
	done
	echo "$n"
}

fresh_modules() {
	cp -a "$SHARED/plain" "$1"
	touch -d 2001-01-01 "$1"/*.ko
}

# secs CMD...: runs CMD (output in $T/out, $T/err), prints its seconds.
secs() {
	local s=${EPOCHREALTIME/./} e
	"$@" >"$T/out" 2>"$T/err" || fail "'$*' failed: $(head -c 600 "$T/err")"
	e=${EPOCHREALTIME/./}
	printf '%d.%02d' $(((e - s) / 1000000)) $(((e - s) % 1000000 / 10000))
}

# start_frozen_server: a FAKE p11-kit server on $T/frozen.sock (python3):
# it accepts every connection and keeps it open, and never answers, as a
# frozen signing host behind a live SSH forward would. A state the real
# server cannot be put in at the point of the key's loading. Sets SOCK,
# ADDR, GROUP and P11_KIT_SERVER_ADDRESS as start_server does.
start_frozen_server() {
	SOCK=$T/frozen.sock
	ADDR=unix:path=$SOCK
	setsid python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])' "$SOCK" >"$T/frozen.log" 2>&1 &
	serving "the fake frozen server" "$T/frozen.log"
}

# blocked_on_socket PID: waits (10 s at most) until a thread of PID waits
# in a read on a Unix socket, the token's connection.
blocked_on_socket() {
	local i state=
	for i in $(seq 100); do
		state=$(cat /proc/"$1"/task/*/wchan 2>/dev/null | tr '\0' ' ') || true
		[[ "$state" == *unix_stream* ]] && return 0
		sleep 0.1
	done
	fail "modsign never waited on the token's socket (wchan: $state)"
}

# stopped_within SIG PID [SECONDS]: sends SIG to PID, which must end within
# SECONDS (default 5); sets RC to its exit status and STOP_SECS to the
# seconds it took.
# (env --default-signal in the command that started PID: a shell starts
# background jobs with SIGINT ignored; env, not the function client, so
# that PID is modsign itself.)
stopped_within() {
	local i s=${EPOCHREALTIME/./} limit=${3:-5}
	kill -"$1" "$2"
	for i in $(seq $((limit * 10))); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$2" 2>/dev/null; then
		kill -KILL "$2" 2>/dev/null || true
		wait "$2" || true
		fail "still running $limit s after the first SIG$1"
	fi
	RC=0
	wait "$2" || RC=$?
	i=$((${EPOCHREALTIME/./} - s))
	STOP_SECS=$(printf '%d.%02d' $((i / 1000000)) $((i % 1000000 / 10000)))
}

# ---- the tests ----

# One module through the remote token: the bytes of the key file's
# signature; the module named in the URI or in MODSIGN_PKCS11_MODULE.
test_remote_signs_like_the_file_key() {
	local m=nf_conntrack.ko
	[ -f "$SHARED/plain/$m" ] || m=$(basename "$(find "$SHARED/plain" -name '*.ko' | sed -n 1p)")
	start_server
	cp "$SHARED/plain/$m" a.ko
	cp "$SHARED/plain/$m" b.ko
	expect_exit 0 client "$MODSIGN" sign "$RURI" "$CERT" a.ko
	cmp a.ko "$SHARED/ref/$m" || fail "the remote token's signature differs from the key file's"
	expect_exit 0 client MODSIGN_PKCS11_MODULE="$CLIENT" "$MODSIGN" sign "$URI" "$CERT" b.ko
	cmp b.ko "$SHARED/ref/$m" || fail "with MODSIGN_PKCS11_MODULE: the signature differs from the key file's"
	# the build host's side has no key file: only the certificate
	[ -z "$(find . -name '*.pem' -o -name '*.key')" ] || fail "a key file is on the client side"
	note "farm: $m signed through p11-kit-client.so = signed with the key file"
}

# A batch through the remote token, -j 2 and -j 1, equals the key file's.
test_remote_batch_equals_file_key() {
	local n t1 t2 tf
	n=$(find "$SHARED/plain" -name '*.ko' | wc -l)
	start_server
	cp -a "$SHARED/plain" file
	tf=$(secs "$MODSIGN" sign -j 2 -r file "$KEY" "$CERT")
	cp -a "$SHARED/plain" j2
	t2=$(secs client "$MODSIGN" sign -j 2 -r j2 "$RURI" "$CERT")
	expect_file_contains "$T/out" "modsign: $n signed, 0 skipped, 0 failed"
	same_as_ref j2 "-j 2"
	cp -a "$SHARED/plain" j1
	t1=$(secs client "$MODSIGN" sign -j 1 -r j1 "$RURI" "$CERT")
	same_as_ref j1 "-j 1"
	note "farm: $n modules: key file -j 2 ${tf} s; remote token -j 2 ${t2} s, -j 1 ${t1} s; the same bytes"
}

# A batch through the remote token at -j 2 signs over two connections
# (issue #25): `p11-kit server` runs one p11-kit-remote per connection,
# each signing in turn, so with one connection the second worker waits.
# Counted while modsign is paused mid-batch (SIGSTOP, then SIGCONT): the
# server's p11-kit-remote children; -j 1 keeps one. The bytes are the key
# file's.
test_remote_one_connection_per_worker() {
	local j pid n remotes t
	n=$(find "$SHARED/plain" -name '*.ko' | wc -l)
	start_server
	for j in 2 1; do
		rm -rf "d$j"
		fresh_modules "d$j"
		client "$MODSIGN" sign -j "$j" -r "d$j" "$RURI" "$CERT" >out 2>err &
		pid=$!
		while [ -z "$(find "d$j" -name '*.ko' -newermt 2001-01-02 | sed -n 1p)" ]; do
			kill -0 "$pid" 2>/dev/null || fail "-j $j ended before a module was signed: $(cat err)"
			sleep 0.005
		done
		kill -STOP "$pid"
		remotes=$(pgrep -c -g "$GROUP" -f p11-kit-remote) || remotes=0
		kill -CONT "$pid"
		wait "$pid" || fail "-j $j failed: $(cat err)"
		expect_eq "$j" "$remotes" "p11-kit-remote processes serving modsign -j $j"
		expect_file_contains out "modsign: $n signed, 0 skipped, 0 failed"
		same_as_ref "d$j" "-j $j"
	done
	cp -a "$SHARED/plain" f
	t=$(secs "$MODSIGN" sign -j 2 -r f "$KEY" "$CERT")
	rm -rf d2
	cp -a "$SHARED/plain" d2
	note "farm: $n modules at -j 2: key file $t s, remote token $(secs client "$MODSIGN" sign -j 2 -r d2 "$RURI" "$CERT") s"
}

# The same through the provider.
test_provider_remote_one_connection_per_worker() {
	use_provider
	test_remote_one_connection_per_worker
}

# No server at the address, or no address: one error naming the socket
# and what to check; nothing touched.
test_server_not_running() {
	fresh_modules d
	expect_exit 1 client P11_KIT_SERVER_ADDRESS="unix:path=$T/none.sock" "$MODSIGN" sign -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $RURI: cannot reach the p11-kit server at unix:path=$T/none.sock (P11_KIT_SERVER_ADDRESS)"
	expect_file_contains "$T/err" "check that 'p11-kit server' runs on the signing host and that the SSH forward of its socket"
	expect_file_contains "$T/err" "no module was touched"
	# a socket left by a server that died: refused
	start_server
	# %00 in the path would cut it to another socket (here the live one)
	expect_exit 1 client P11_KIT_SERVER_ADDRESS="unix:path=$SOCK%00x" "$MODSIGN" sign -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "P11_KIT_SERVER_ADDRESS has %00 (a NUL byte) in its socket path"
	untouched d
	kill_server
	perl -MSocket -e 'my $s; socket($s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
		bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!\n"' "$SOCK"
	expect_exit 1 client "$MODSIGN" sign -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "cannot reach the p11-kit server at $ADDR (P11_KIT_SERVER_ADDRESS): Connection refused"
	expect_exit 1 env -u P11_KIT_SERVER_ADDRESS MODSIGN_PIN=4321 "$MODSIGN" sign -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "P11_KIT_SERVER_ADDRESS is not set, and p11-kit-client.so needs it"
	untouched d
}

# A wrong PIN, a token without the key: refused before any module is
# touched, the server named; the PIN never printed.
test_wrong_pin_or_missing_key_touch_nothing() {
	start_server
	fresh_modules d
	expect_exit 1 env -u SOFTHSM2_CONF MODSIGN_PIN=1111 "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $RURI: wrong PIN: the token refused to log in"
	expect_file_contains "$T/err" "(through the p11-kit server at $ADDR)"
	expect_file_contains "$T/err" "no module was touched"
	expect_file_lacks "$T/err" "1111"
	expect_exit 1 client "$MODSIGN" sign -j 2 -r d "pkcs11:token=farm;object=nothere;type=private?module-path=$CLIENT" "$CERT"
	expect_file_contains "$T/err" "no private key at that URI: object not found"
	expect_file_contains "$T/err" "check its token= and object="
	expect_file_contains "$T/err" "(through the p11-kit server at $ADDR)"
	untouched d
}

# libp11 0.4.13 (Debian 13's libengine-pkcs11-openssl) waits forever for a
# session once the server's connection is gone (pkcs11_get_session; fixed
# in 0.4.14, libp11 commit 967fb11): no signal ends that wait. There the
# tests of a dead or frozen server mid-batch take modsign's default route,
# which must then be the provider; elsewhere the engine's, as the others.
engine_unless_it_hangs() {
	local v
	v=$(dpkg-query -W -f='${Version}' libengine-pkcs11-openssl 2>/dev/null) || v=
	DEFAULT_ROUTE=
	case "$v" in
	0.4.13-*)
		export MODSIGN_PKCS11=auto
		DEFAULT_ROUTE=1
		note "farm: libp11 $v waits forever once the server is gone (fixed in 0.4.14): $1 takes modsign's default route, which must be the provider"
		;;
	esac
}

# default_route_is_provider ERR: where engine_unless_it_hangs took the
# default route, it was the provider's.
default_route_is_provider() {
	[ -z "$DEFAULT_ROUTE" ] || expect_file_contains "$1" "through OpenSSL's pkcs11 provider"
}

# The server dies in the middle of a batch: the batch stops, says so
# once, and every module is either untouched or signed as with the key
# file; a second run, with the server back, finishes the job.
test_server_killed_mid_batch() {
	local pid rc=0 n changed
	engine_unless_it_hangs server_killed_mid_batch
	start_server
	cp -a "$SHARED/plain" d
	touch -d 2001-01-01 d/*.ko
	client "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT" >out 2>err &
	pid=$!
	# the moment the first module is replaced
	while [ -z "$(find d -name '*.ko' -newermt 2001-01-02 | sed -n 1p)" ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill_server
	wait "$pid" || rc=$?
	expect_eq 1 "$rc" "modsign's exit status after the server died"
	default_route_is_provider err
	expect_file_contains err "modsign: ERROR: $RURI: the token stopped signing"
	expect_file_contains err "it is reached through the p11-kit server at $ADDR: check that the server still runs on the signing host"
	expect_file_contains err "modules are unchanged: run the same command again to sign them"
	expect_file_contains out "not started (the token failed)"
	n=$(find d -name '*.ko' | wc -l)
	changed=$(signed_count d)
	if [ "$changed" == 0 ] || [ "$changed" == "$n" ]; then
		fail "the server was not killed mid-batch ($changed of $n signed)"
	fi
	expect_eq "" "$(find d -name '.*modsign*')" "temporary files left"
	note "farm: server killed after $changed of $n modules: the rest unchanged, $(grep -c 'cannot sign' err) failed, one error for the token"
	start_server
	expect_exit 0 client "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT"
	expect_file_contains "$T/out" "modsign: $((n - changed)) signed, $changed skipped, 0 failed"
	same_as_ref d "after the second run"
}

# make sign with KEY=pkcs11:...: modules built and signed through the
# remote token by modsign; no key file is made in keys/. Two of the kit's
# modules only (MODULES_DIR), to keep the build short.
test_make_sign_with_remote_key() {
	local t m n=0
	start_server
	fresh_tree kit
	cp -p "$MODSIGN" kit/sign/modsign
	mkdir mods
	cp kit/modules/hello-1.c kit/modules/hello-2.c mods/
	echo 'obj-m += hello-1.o hello-2.o' >mods/Kbuild
	t=$(secs client make -C kit KDIR="$KDIR" MODULES_DIR="$T/mods" KEY="$RURI" CERT="$CERT" sign)
	expect_file_contains "$T/err" "signing with modsign"
	expect_file_contains "$T/out" "modsign: 2 signed"
	[ -z "$(find kit/keys -name '*.pem')" ] || fail "make sign made a key file in keys/"
	for m in mods/*.ko; do
		"$MODSIGN" verify --cert "$CERT" "$m" >v.out 2>&1 || fail "$m does not verify: $(cat v.out)"
		expect_file_contains v.out "modsign farm test key"
		n=$((n + 1))
	done
	expect_eq 2 "$n" "modules built"
	# the script make sign runs, again (without a build): nothing changes;
	# without PIN or terminal it refuses before touching a module
	cp -a mods before
	expect_exit 0 client env SIGNER=sign-file kit/scripts/sign-modules.sh "$KDIR" "$RURI" "$CERT" mods/*.ko
	expect_file_contains "$T/out" "modsign: 0 signed, 2 already signed by this key"
	expect_exit 1 setsid -w env -u SOFTHSM2_CONF -u MODSIGN_PIN kit/scripts/sign-modules.sh "$KDIR" "$RURI" "$CERT" mods/*.ko
	expect_file_contains "$T/err" "no PIN for the token and no terminal to ask on"
	diff -r before mods >/dev/null || fail "a module changed"
	note "farm: make sign through the remote token: 2 modules in $t s (build included)"
}

# DKMS through the kit's drop-in, its key a pkcs11: URI, the server's
# address and the PIN file named in the drop-in: one `dkms build` of
# v4l2loopback for 6.1 in the DKMS suite's sandbox.
test_dkms_drop_in_with_remote_key() {
	[ "$EUID" == 0 ] || fail "needs root (the DKMS sandbox)"
	# shellcheck source=vm/sandbox.sh
	source "$TOP/vm/sandbox.sh"
	local envf deb v4l ver src rel61 image61 depmod61 deps debs=() t
	envf=$(bash "$TOP/vm/fetch-debian.sh" dkms) || fail "fetch-debian.sh dkms failed"
	deb=$(sed -n 's/^DKMS_DEB=//p' "$envf")
	v4l=$(sed -n 's/^V4L2LOOPBACK_DEB=//p' "$envf")
	deps=$(sed -n 's/^DEPS_DIR=//p' "$envf")
	rel61=$(sed -n 's/^RELEASE61=//p' "$envf")
	image61=$(sed -n 's/^IMAGE61=//p' "$envf")
	depmod61=$(sed -n 's/^DEPMOD61=//p' "$envf")
	host_fingerprint >host.before
	start_server
	fresh_tree kit
	cp -p "$MODSIGN" kit/sign/modsign
	sandbox_start "$T/box" || fail "cannot make the sandbox"
	trap 'kill -KILL -- "-$GROUP" 2>/dev/null || true; sandbox_stop || true' EXIT
	sandbox_layer "/usr/lib/modules/$rel61" "$depmod61" "$image61" || fail "cannot layer the 6.1 image"
	sandbox_as_debian12 "$(sed -n 's/^HEADERS61_DIR=//p' "$envf")" "$rel61" || fail "cannot make the sandbox a Debian 12 with 6.1"
	if ! grep -q '^install ok installed$' <<<"$(dpkg-query -W -f='${Status}\n' dkms 2>/dev/null)"; then
		# its dependencies first (dkms pre-depends on lsb-release)
		mapfile -t debs < <(find "$deps" -name '*.deb')
		[ ${#debs[@]} == 0 ] || sandbox_run dpkg -i "${debs[@]}" >dpkg.log 2>&1 ||
			fail "dpkg -i of dkms's dependencies: $(tail -n 5 dpkg.log)"
		sandbox_run dpkg -i "$deb" >dpkg.log 2>&1 || fail "dpkg -i dkms: $(tail -n 5 dpkg.log)"
	fi
	sandbox_run make -s -C kit install-tool >install.log 2>&1 || fail "make install-tool: $(tail -n 5 install.log)"
	# the build host's settings: the drop-in names the URI (with a PIN
	# file, root's), the server's address, the kit's sign program
	printf 4321 >pin
	chmod 600 pin
	cat >modsign.conf <<EOF
mok_signing_key="$RURI&pin-source=file:$T/pin"
mok_certificate="$CERT"
sign_file="/usr/local/lib/modsign/dkms-sign-file"
P11_KIT_SERVER_ADDRESS="$ADDR"
EOF
	# v4l2loopback's source where its package would put it, then one build
	dpkg-deb -x "$v4l" v4l
	src=$(echo v4l/usr/src/v4l2loopback-*)
	[ -f "$src/dkms.conf" ] || fail "no v4l2loopback source in $v4l"
	ver=${src##*/v4l2loopback-}
	sandbox_run sh -c "mkdir -p /etc/dkms/framework.conf.d &&
		cp '$T/modsign.conf' /etc/dkms/framework.conf.d/modsign.conf &&
		cp -a '$T/$src' /usr/src/ &&
		dkms add v4l2loopback/$ver" >add.log 2>&1 || fail "dkms add: $(tail -n 5 add.log)"
	t=$(secs sandbox_run env -u P11_KIT_SERVER_ADDRESS -u MODSIGN_PIN -u SOFTHSM2_CONF \
		parallel_jobs=1 nice -n 10 dkms build "v4l2loopback/$ver" -k "$rel61")
	cp "$T/out" build.log
	expect_file_contains build.log "Sign command: /usr/local/lib/modsign/dkms-sign-file"
	expect_file_lacks build.log "4321"
	sandbox_run cat "/var/lib/dkms/v4l2loopback/$ver/$rel61/x86_64/module/v4l2loopback.ko" >v4l2loopback.ko ||
		fail "DKMS built no v4l2loopback.ko"
	"$MODSIGN" verify --cert "$CERT" v4l2loopback.ko >v.out 2>&1 || fail "v4l2loopback.ko does not verify: $(cat v.out)"
	expect_file_contains v.out "modsign farm test key"
	sandbox_run sh -c 'ls /var/lib/dkms/mok.key 2>/dev/null' >made || true
	expect_eq "" "$(cat made)" "a DKMS key made in the sandbox"
	# the server gone: the sign program DKMS calls says why (no second
	# build: the same call, on a copy of the unsigned module)
	kill_server
	"$MODSIGN" strip v4l2loopback.ko >/dev/null
	cp v4l2loopback.ko unsigned.ko
	if sandbox_run env -u P11_KIT_SERVER_ADDRESS -u MODSIGN_PIN -u SOFTHSM2_CONF \
		/usr/local/lib/modsign/dkms-sign-file sha256 "$RURI&pin-source=file:$T/pin" "$CERT" "$T/v4l2loopback.ko" \
		</dev/null >out 2>err; then
		fail "dkms-sign-file succeeded with the server gone"
	fi
	expect_file_contains err "modsign: ERROR: dkms-sign-file: signing $T/v4l2loopback.ko failed, so it is NOT signed"
	expect_file_contains err "cannot reach the p11-kit server at $ADDR"
	cmp v4l2loopback.ko unsigned.ko || fail "the failed signing changed the module"
	sandbox_stop || fail "sandbox_stop failed"
	host_fingerprint >host.after
	diff host.before host.after >host.diff || fail "the host changed: $(head -c 600 host.diff)"
	note "farm: dkms build of v4l2loopback $ver for $rel61 through the drop-in and the remote token: $t s"
}

# A frozen server (issue #23): the connection is accepted and never
# answered. While the key is loaded, the first SIGTERM or SIGINT stops
# modsign within seconds with one error, and no module is touched.
test_frozen_server_while_loading_the_key() {
	local sig pid
	start_frozen_server
	fresh_modules d
	for sig in TERM INT; do
		env --default-signal=INT,TERM -u SOFTHSM2_CONF MODSIGN_PIN=4321 "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT" >out 2>err &
		pid=$!
		blocked_on_socket "$pid"
		stopped_within "$sig" "$pid"
		expect_eq 1 "$RC" "exit status after SIG$sig"
		expect_file_contains err "modsign: ERROR: $RURI: interrupted by SIG$sig while loading the key from the token (through the p11-kit server at $ADDR); no module was touched"
		untouched d
		note "farm: fake frozen server, SIG$sig while the key loads: stopped in $STOP_SECS s"
	done
}

# The real server frozen (SIGSTOP) in the middle of a batch: the first
# SIGTERM (then SIGINT) ends the batch within seconds, says how many are
# signed, and every module is the original or the key file's bytes, with
# no temporary file left.
test_frozen_server_mid_batch() {
	local sig pid n changed
	engine_unless_it_hangs frozen_server_mid_batch
	for sig in TERM INT; do
		start_server
		rm -rf d
		cp -a "$SHARED/plain" d
		touch -d 2001-01-01 d/*.ko
		env --default-signal=INT,TERM -u SOFTHSM2_CONF MODSIGN_PIN=4321 "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT" >out 2>err &
		pid=$!
		while [ -z "$(find d -name '*.ko' -newermt 2001-01-02)" ]; do
			kill -0 "$pid" 2>/dev/null || fail "modsign ended before the server was frozen: $(cat err)"
			sleep 0.005
		done
		kill -STOP -- "-$GROUP"
		blocked_on_socket "$pid"
		stopped_within "$sig" "$pid"
		expect_eq 1 "$RC" "exit status after SIG$sig"
		default_route_is_provider err
		n=$(find d -name '*.ko' | wc -l)
		changed=$(signed_count d)
		expect_file_contains err "modsign: ERROR: interrupted by SIG$sig: $changed of $n modules signed, the rest unchanged: run the same command again to sign them"
		expect_file_contains out "not started (interrupted)"
		expect_file_lacks err "the token stopped signing"
		expect_eq "" "$(find d -name '.*modsign*')" "temporary files left"
		kill_server
		note "farm: server frozen mid-batch, SIG$sig: stopped in $STOP_SECS s with $changed of $n signed"
	done
}

# fake_stuck_module: builds the FAKE PKCS#11 module of
# fake-stuck-pkcs11.c (SoftHSM2 behind it; C_Sign never returns after
# $FAKE_STUCK_AFTER signatures) into $T; prints its path.
fake_stuck_module() {
	cc -Wall -Wextra -Werror -shared -fPIC -I/usr/include/p11-kit-1 \
		-o "$T/fake-stuck-pkcs11.so" "$TOP/tests/farm/fake-stuck-pkcs11.c" -ldl \
		>"$T/cc.log" 2>&1 || fail "cannot build the fake module: $(cat "$T/cc.log")"
	echo "$T/fake-stuck-pkcs11.so"
}

# A token call that never returns (issue #25): after the first SIGTERM the
# batch waits a bounded time for the workers stuck in it, then ends with
# status 1: the modules signed before are committed (the key file's
# bytes), every other one is the original, none half written, no
# temporary file left, and the summary says how many are signed. The
# FAKE module blocks in C_Sign (a local token: no connection to shut).
test_token_stuck_in_sign_after_stop() {
	local fake pid i n changed
	fake=$(fake_stuck_module)
	fresh_modules d
	env --default-signal=INT,TERM SOFTHSM2_CONF="$HSM_CONF" FAKE_STUCK_MODULE="$SOFTHSM" \
		FAKE_STUCK_AFTER=12 MODSIGN_PIN=4321 "$MODSIGN" sign -j 2 -r d \
		"$URI?module-path=$fake" "$CERT" >out 2>err &
	pid=$!
	# both workers in the fake's C_Sign, or waiting for the token's lock
	for i in $(seq 100); do
		[[ "$(cat /proc/"$pid"/task/*/wchan 2>/dev/null | tr '\0' ' ')" == *pause* ]] && break
		sleep 0.1
	done
	# with a worker stuck in the token's C_Sign
	stopped_within TERM "$pid" 15
	expect_eq 1 "$RC" "exit status after SIGTERM with a worker stuck in the token"
	n=$(find d -name '*.ko' | wc -l)
	changed=$(signed_count d)
	if [ "$changed" == 0 ] || [ "$changed" == "$n" ]; then
		fail "$changed of $n signed: the fake did not block mid-batch"
	fi
	expect_file_contains err "modsign: ERROR: interrupted by SIGTERM: $changed of $n modules signed, the rest unchanged"
	expect_file_contains err "not finished within 5 s of SIGTERM: a call that does not return (a token that does not answer); the module is unchanged"
	expect_eq "" "$(find d -name '.*modsign*')" "temporary files left"
	note "farm: FAKE token stuck in C_Sign, SIGTERM: ended with $changed of $n signed"
}

# ---- the same through OpenSSL's pkcs11 provider ----

# use_provider: the rest of the test signs through pkcs11-provider
# (bookworm-backports' package under .cache, through OPENSSL_MODULES;
# MODSIGN_PKCS11=provider: an error, not the engine, if it does not load).
# Each test runs in its own subshell: the exports end with it.
use_provider() {
	local dir
	dir=$(bash "$TOP/vm/fetch-debian.sh" pkcs11-provider) ||
		fail "cannot fetch pkcs11-provider (vm/fetch-debian.sh pkcs11-provider)"
	export OPENSSL_MODULES=$dir MODSIGN_PKCS11=provider
}

# A batch through the remote token and the provider, -j 2 and -j 1, equals
# the key file's and the engine's; the times of both routes side by side.
test_provider_remote_batch_equals_engine() {
	local n te tp2 tp1
	n=$(find "$SHARED/plain" -name '*.ko' | wc -l)
	start_server
	cp -a "$SHARED/plain" engine
	te=$(secs client MODSIGN_PKCS11=engine "$MODSIGN" sign -j 2 -r engine "$RURI" "$CERT")
	expect_file_contains "$T/err" "through libp11's pkcs11 engine"
	same_as_ref engine "engine -j 2"
	use_provider
	cp -a "$SHARED/plain" j2
	tp2=$(secs client "$MODSIGN" sign -j 2 -r j2 "$RURI" "$CERT")
	expect_file_contains "$T/out" "modsign: $n signed, 0 skipped, 0 failed"
	expect_file_contains "$T/err" "modsign: $RURI: key in a PKCS#11 token, through OpenSSL's pkcs11 provider"
	same_as_ref j2 "provider -j 2"
	cp -a "$SHARED/plain" j1
	tp1=$(secs client "$MODSIGN" sign -j 1 -r j1 "$RURI" "$CERT")
	same_as_ref j1 "provider -j 1"
	# the PIN from the URI's pin-source, as in docs/build-farm.md
	printf '4321\n' >"$T/pin"
	cp -a "$SHARED/plain" src
	expect_exit 0 env -u SOFTHSM2_CONF -u MODSIGN_PIN -u KBUILD_SIGN_PIN "$MODSIGN" sign -j 2 -r src \
		"$RURI&pin-source=file:$T/pin" "$CERT"
	same_as_ref src "provider, pin-source"
	note "farm: $n modules through p11-kit server: engine -j 2 ${te} s; provider -j 2 ${tp2} s, -j 1 ${tp1} s; the same bytes"
}

# A wrong PIN, a missing key: refused through the provider, the server
# named, nothing touched, the PIN never printed.
test_provider_wrong_pin_or_missing_key_touch_nothing() {
	use_provider
	start_server
	fresh_modules d
	expect_exit 1 env -u SOFTHSM2_CONF MODSIGN_PIN=1111 "$MODSIGN" sign -j 2 -r d "$RURI" "$CERT"
	expect_file_contains "$T/err" "modsign: ERROR: $RURI: wrong PIN: the token refused to log in"
	expect_file_contains "$T/err" "(through the p11-kit server at $ADDR)"
	expect_file_lacks "$T/err" "1111"
	expect_exit 1 client "$MODSIGN" sign -j 2 -r d "pkcs11:token=farm;object=nothere;type=private?module-path=$CLIENT" "$CERT"
	expect_file_contains "$T/err" "no private key at that URI"
	expect_file_contains "$T/err" "(through the p11-kit server at $ADDR)"
	untouched d
	provider_signed running
}

# provider_signed [running]: after a test on the provider's route, modules
# signed through a new server (or the one running) say that route was the
# provider's
provider_signed() {
	[ "${1:-}" == running ] || start_server
	fresh_modules route
	expect_exit 0 client "$MODSIGN" sign -r route "$RURI" "$CERT"
	expect_file_contains "$T/err" "modsign: $RURI: key in a PKCS#11 token, through OpenSSL's pkcs11 provider"
}

# The server killed, or frozen, through the provider: the tests above as
# they are, on the provider's route.
test_provider_server_killed_mid_batch() {
	use_provider
	test_server_killed_mid_batch
	provider_signed
}

test_provider_frozen_server_while_loading_the_key() {
	use_provider
	test_frozen_server_while_loading_the_key
	provider_signed
}

test_provider_frozen_server_mid_batch() {
	use_provider
	test_frozen_server_mid_batch
	provider_signed
}

# The token stuck in C_Sign, through the provider.
test_provider_token_stuck_in_sign_after_stop() {
	use_provider
	test_token_stuck_in_sign_after_stop
}

# make sign KEY=pkcs11:... for Debian's 6.12 headers, whose sign-file
# loads pkcs11: keys through the pkcs11 provider and OSSL_STORE (no ENGINE
# left): the kernel's own sign-file, through the same provider and server
# (the PIN in the URI: it reads no KBUILD_SIGN_PIN there), is the
# reference, and modsign's bytes are its bytes.
test_provider_make_sign_612_equals_sign_file() {
	local env kdir signfile hash t m n=0
	env=$(bash "$TOP/vm/fetch-debian.sh" kernel 6.12) || fail "cannot fetch Debian's 6.12 headers"
	kdir=$(sed -n 's/^KDIR=//p' "$env")
	signfile=$kdir/scripts/sign-file
	[ -x "$signfile" ] || fail "$signfile is missing"
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\{0,1\}\([a-z0-9]*\)"\{0,1\}$/\1/p' "$kdir/include/config/auto.conf")
	[ -n "$hash" ] || fail "no CONFIG_MODULE_SIG_HASH in $kdir/include/config/auto.conf"
	use_provider
	start_server
	fresh_tree kit
	cp -p "$MODSIGN" kit/sign/modsign
	mkdir mods
	cp kit/modules/hello-1.c kit/modules/hello-2.c mods/
	echo 'obj-m += hello-1.o hello-2.o' >mods/Kbuild
	t=$(secs client make -C kit KDIR="$kdir" MODULES_DIR="$T/mods" KEY="$RURI" CERT="$CERT" sign)
	# (the route: MODSIGN_PKCS11=provider, from use_provider, admits
	# no other; sign-modules.sh keeps modsign's own notices to itself)
	expect_file_contains "$T/out" "modsign: 2 signed"
	mkdir ref
	for m in mods/*.ko; do
		cp "$m" ref/
		"$MODSIGN" strip "ref/${m#mods/}" >/dev/null || fail "cannot strip ref/${m#mods/}"
		cmp -s "ref/${m#mods/}" "$m" && fail "$m: stripping changed nothing"
		expect_exit 0 env -u SOFTHSM2_CONF -u MODSIGN_PIN -u KBUILD_SIGN_PIN -u MODSIGN_PKCS11 \
			PKCS11_PROVIDER_MODULE="$CLIENT" \
			"$signfile" "$hash" "$URI;pin-value=4321" "$CERT" "ref/${m#mods/}"
		cmp "ref/${m#mods/}" "$m" >cmp.out || fail "$m: make sign's bytes differ from 6.12's sign-file's: $(cat cmp.out)"
		n=$((n + 1))
	done
	expect_eq 2 "$n" "modules built"
	note "farm: make sign for 6.12 through the provider and the remote token: 2 modules in $t s (build included), the bytes of 6.12's own sign-file through the same provider"
}

if [ $# -eq 0 ]; then
	set -- remote_signs_like_the_file_key remote_batch_equals_file_key \
		remote_one_connection_per_worker provider_remote_one_connection_per_worker \
		server_not_running wrong_pin_or_missing_key_touch_nothing \
		server_killed_mid_batch make_sign_with_remote_key dkms_drop_in_with_remote_key \
		frozen_server_while_loading_the_key frozen_server_mid_batch \
		token_stuck_in_sign_after_stop \
		provider_remote_batch_equals_engine provider_wrong_pin_or_missing_key_touch_nothing \
		provider_server_killed_mid_batch provider_frozen_server_while_loading_the_key \
		provider_frozen_server_mid_batch provider_token_stuck_in_sign_after_stop \
		provider_make_sign_612_equals_sign_file
fi
run_tests "$@"
