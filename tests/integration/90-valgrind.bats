#!/usr/bin/env bats
# ftprelay under valgrind memcheck: real sessions (transfers both ways, a
# listing, ABOR, QUIT; a client that vanishes; garbage; SIGTERM) without a single
# memory error or definite leak. The seccomp filter would kill valgrind's
# own system calls, so these sessions run with --no-sandbox.

load ../lib/common

setup() {
	require_ftprelay
	require_cmd vsftpd systemd-socket-activate valgrind
	if grep -aq -e __asan_init -e __ubsan_handle "$FTPRELAY"; then
		skip "ftprelay is built with sanitizers; valgrind cannot run it"
	fi
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# relay_start_valgrind [FTPRELAY ARGS...]: like relay_start, with every
# session under valgrind; each session's report goes to $T/vg.PID.log.
# shellcheck disable=SC2120 # the arguments are optional
relay_start_valgrind() {
	RELAY_LOG=$T/relay.log
	RELAY_PORT=$(free_port)
	start_bg "$RELAY_LOG" systemd-socket-activate --accept --inetd \
		-l "127.0.0.1:$RELAY_PORT" -- \
		valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --track-fds=no \
		--log-file="$T/vg.%p.log" \
		"$FTPRELAY" --no-sandbox --user nobody \
		--origin "127.0.0.1:$ORIGIN_PORT" "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT" 127.0.0.1 10
}

@test "valgrind memcheck: downloads, an upload, a listing, ABOR, QUIT, a client that vanishes, garbage and SIGTERM give no memory error and no leak; every session exits 0" {
	origin_start
	relay_start_valgrind
	make_random_file "$ORIGIN_ROOT/f.bin" 4
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	make_random_file "$T/up.bin" 2
	run timeout 120 "$PYTHON" - "$RELAY_PORT" "$T/up.bin" "$RELAY_PID" <<'PY'
import ftplib, hashlib, os, signal, socket, struct, subprocess, sys
port = int(sys.argv[1])
def login():
    f = ftplib.FTP()
    f.connect("127.0.0.1", port, timeout=60)
    f.login()
    f.voidcmd("TYPE I")
    return f
# 1: a download (PASV and EPSV), an upload, a listing, ABOR, QUIT
f = login()
for af in (socket.AF_INET, socket.AF_INET6):
    f.af = af
    h = hashlib.sha256()
    f.retrbinary("RETR f.bin", h.update)
    print("retr=" + h.hexdigest())
f.af = socket.AF_INET
print("stor=" + f.storbinary("STOR upload/up.bin", open(sys.argv[2], "rb")))
print("list=%d lines" % len(f.nlst()))
data, _ = f.ntransfercmd("RETR big.bin")
data.recv(65536)
first = f.abort()
print("abort=" + first)
if first.startswith("426"):
    print("abor=" + f.getmultiline())
data.close()
print("quit=" + f.quit())
# 2: a client that resets everything in the middle of a download
f = login()
data, _ = f.ntransfercmd("RETR big.bin")
data.recv(65536)
for s in (f.sock, data):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
# 3: garbage: lines with NUL bytes until ftprelay gives up
s = socket.create_connection(("127.0.0.1", port), timeout=60)
s.sendall(b"USER anonymous\r\n" + b"\x00junk\r\n" * 8)
buf = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    buf += b
print("garbage=" + buf.splitlines()[-1].decode())
# 4: SIGTERM to the session
f = login()
pid = subprocess.run(["pgrep", "-n", "-P", sys.argv[3]], capture_output=True,
                     text=True).stdout.split()[0]
os.kill(int(pid), signal.SIGTERM)
print("sigterm=" + f.getline())
PY
	echo "$output"
	[ "$status" -eq 0 ]
	local want
	want=$(sha256_of "$ORIGIN_ROOT/f.bin")
	[ "${lines[0]}" = "retr=$want" ] && [ "${lines[1]}" = "retr=$want" ]
	[[ ${lines[2]} == stor=226\ * ]]
	[[ ${lines[4]} =~ ^abort=(426|22[56]) ]]
	[[ ${lines[-3]} == quit=221\ * ]]
	[ "${lines[-2]}" = "garbage=421 Too many invalid commands; closing." ]
	[ "${lines[-1]}" = "sigterm=421 Service shutting down." ]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	wait_no_ftprelay 30
	cat "$RELAY_LOG"
	local logs=("$T"/vg.*.log) f
	[ "${#logs[@]}" -eq 4 ] || fail "expected 4 valgrind reports, found ${#logs[@]}"
	for f in "${logs[@]}"; do
		echo "--- $f"
		grep -E 'ERROR SUMMARY|definitely lost|in use at exit|All heap blocks' "$f" || true
		grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$f" || { cat "$f"; fail "valgrind found errors: $f"; }
	done
	[ "$(grep -c '^Child [0-9]* died with code 0$' "$RELAY_LOG")" -eq 4 ] ||
		fail "not every session exited 0"
}

@test "valgrind memcheck: FTPS on both legs (a download and an upload through TLS, vsftpd requiring TLS and session reuse) gives no memory error and no leak" {
	[ -f "$TOP_BUILDDIR/src/ftprelay-tls.so" ] || fail "no TLS module in the build"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=localhost \
		-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	origin_start ssl_enable=YES allow_anon_ssl=YES force_anon_logins_ssl=YES \
		force_anon_data_ssl=YES require_ssl_reuse=YES ssl_ciphers=HIGH \
		"rsa_cert_file=$T/cert.pem" "rsa_private_key_file=$T/key.pem"
	relay_start_valgrind --tls-module "$TOP_BUILDDIR/src/ftprelay-tls.so" \
		--client-tls required --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
		--origin-tls explicit --origin-tls-ca "$T/cert.pem"
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	curl_ftp --ssl-reqd --cacert "$T/cert.pem" -o "$T/f.bin" \
		"ftp://127.0.0.1:$RELAY_PORT/f.bin"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	curl_ftp --ssl-reqd --cacert "$T/cert.pem" -T "$T/f.bin" \
		"ftp://127.0.0.1:$RELAY_PORT/upload/up.bin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/f.bin")" ]
	wait_no_ftprelay 30
	local logs=("$T"/vg.*.log) f
	[ "${#logs[@]}" -eq 2 ] || fail "expected 2 valgrind reports, found ${#logs[@]}"
	for f in "${logs[@]}"; do
		grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$f" || { cat "$f"; fail "valgrind found errors: $f"; }
		! grep -q 'definitely lost: [1-9]' "$f" || { cat "$f"; fail "definite leak: $f"; }
	done
	! grep -E 'Child [0-9]+ died' "$RELAY_LOG" | grep -v 'died with code 0$'
}
