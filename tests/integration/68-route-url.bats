#!/usr/bin/env bats
# --route-url through the lookup module (ftprelay-url.so: libcurl, json-c):
# an https lookup service in pftp's format (tests/lib/route_service.py,
# python's http.server with ssl; its certificate made here with openssl
# req and given to ftprelay with --route-url-ca) answering a route (to a
# real vsftpd origin), no route, garbage, nothing, and a certificate that
# does not verify; the session stays inside its seccomp filter, and
# sessions without --route-url never map libcurl or json-c.

load ../lib/common

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# The service's certificate (self-signed: it is its own CA), another
	# one that nothing here signed, and one for another name.
	for who in svc other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$d/$who-key.pem" -out "$d/$who-cert.pem" -days 2 \
			-subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/wrong-key.pem" -out "$d/wrong-cert.pem" -days 2 \
		-subj "/CN=elsewhere.example" \
		-addext "subjectAltName=DNS:elsewhere.example" 2>/dev/null
}

setup() {
	require_ftprelay
	require_cmd curl vsftpd openssl systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
	C=$BATS_FILE_TMPDIR
	URLMOD=$TOP_BUILDDIR/src/ftprelay-url.so
	[ -f "$URLMOD" ] || fail "no lookup module at $URLMOD (libcurl4-openssl-dev or libjson-c-dev missing?)"
	echo '{}' >"$T/answers.json"
}

teardown() {
	common_teardown
}

# ------------------------------------------------------------------ helpers

# answer PATH STATUS BODY: the service answers GET PATH with STATUS, BODY.
answer() {
	"$PYTHON" -c '
import json, sys
p = sys.argv[1]
a = json.load(open(p))
a[sys.argv[2]] = [int(sys.argv[3]), sys.argv[4]] + sys.argv[5:]
json.dump(a, open(p, "w"))
' "$T/answers.json" "$@"
}

# service_start [route_service.py OPTIONS]: the lookup service on
# 127.0.0.1:<free port>; sets SVC_PORT, SVC_PID and SVC_OUT (one "GET
# PATH" line per request).
service_start() {
	SVC_N=$((${SVC_N:-0} + 1))
	SVC_OUT=$T/service-$SVC_N.out
	start_bg "$SVC_OUT" "$PYTHON" "$TEST_LIB_DIR/route_service.py" "$@" \
		127.0.0.1:0 "$T/answers.json"
	SVC_PID=$BG_PID
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$SVC_OUT" 2>/dev/null && break
		sleep 0.05
	done
	SVC_PORT=$(sed -n 's/^listening 127.0.0.1://p' "$SVC_OUT")
	[ -n "$SVC_PORT" ] || fail "route_service did not start: $(cat "$SVC_OUT")"
}

# https_service_start [CERT-NAME]: over https with C/NAME-cert.pem (svc).
https_service_start() {
	local who=${1:-svc}
	service_start --cert "$C/$who-cert.pem" --key "$C/$who-key.pem"
}

# url_relay_start URL [FTPRELAY ARGS...]: the relay asking URL, with the
# module from the build tree and the service's CA.
url_relay_start() {
	local url=$1
	shift
	relay_start_raw --url-module "$URLMOD" --route-url "$url" \
		--route-url-ca "$C/svc-cert.pem" "$@"
}

route_to_origin() {
	answer /r/anonymous 200 "{\"code\": 200, \"data\": \"127.0.0.1:$ORIGIN_PORT\"}"
}

# ------------------------------------------------------------------ tests

@test "route-url https: the service routes the user to a real origin and the file arrives intact" {
	origin_start
	make_random_file "$ORIGIN_ROOT/f.bin" 2
	route_to_origin
	https_service_start
	# A name, not an address: resolved at set-up, given to libcurl.
	url_relay_start "https://localhost:$SVC_PORT/r/%s"
	curl_ftp -u anonymous:x -o "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/f.bin"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	grep -qx 'GET /r/anonymous' "$SVC_OUT"
	wait_no_ftprelay 10
	grep -q 'died with code 0' "$RELAY_LOG"
}

@test "route-url https: code 404 is no route: 331 then 530, like a wrong password" {
	answer /r/bob%40example.com 200 '{"code": 404, "data": "no such user"}'
	https_service_start
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s"
	run ftp_cmds "$RELAY_PORT" "USER bob@example.com" "PASS x" QUIT
	[ "$status" -eq 0 ] || fail "ftpchat: $output"
	[ "${lines[1]}" = "331 Please specify the password." ]
	[ "${lines[2]}" = "530 Login incorrect." ]
	grep -qx 'GET /r/bob%40example.com' "$SVC_OUT"
	grep -q 'no route for user bob@example.com' "$RELAY_LOG"
}

@test "route-url https: garbage, an HTTP error, a redirect, a route-less 200, an overlong answer: 421 and exit 111, the reason in the log" {
	origin_start
	answer /r/eve 200 '<html>oops</html>'
	answer /r/trunc 200 '{"code": 200, "data": "127.0.0.1:21"'
	answer /r/err 503 '{"code": 200, "data": "127.0.0.1:21"}'
	answer /r/nodata 200 '{"code": 200}'
	answer /r/big 200 "{\"code\": 404, \"data\": \"$(head -c 9000 /dev/zero | tr '\0' x)\"}"
	route_to_origin
	https_service_start
	# SECURITY: a redirect is not followed, not even to a good answer.
	answer /r/moved 302 '' "https://127.0.0.1:$SVC_PORT/r/anonymous"
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s" --connect-timeout 5
	local u
	for u in eve trunc err moved nodata big; do
		run ftp_cmds --eof "$RELAY_PORT" "USER $u" "PASS x"
		[ "${lines[1]:0:4}" = "421 " ] || fail "$u: $output"
	done
	grep -q 'route lookup service: the answer is not JSON' "$RELAY_LOG"
	[ "$(grep -c 'route lookup service: the answer is not JSON' "$RELAY_LOG")" -eq 2 ]
	grep -q 'route lookup service: HTTP status 503' "$RELAY_LOG"
	grep -q 'route lookup service: HTTP status 302' "$RELAY_LOG"
	grep -q 'route lookup service: code 200 without a usable "data"' "$RELAY_LOG"
	grep -q 'route lookup service: answer over 8192 bytes' "$RELAY_LOG"
	! grep -qx 'GET /r/anonymous' "$SVC_OUT"
	wait_no_ftprelay 10
	[ "$(grep -c 'died with code 111' "$RELAY_LOG")" -eq 6 ]
}

@test "route-url https: a service that accepts and never answers: 421 within --connect-timeout, exit 111" {
	service_start --hold
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s" --connect-timeout 2
	SECONDS=0
	run ftp_cmds --eof "$RELAY_PORT" "USER alice"
	grep -q '^421 ' <<<"$output" || fail "nothing: $output"
	[ "$SECONDS" -lt 20 ]
	grep -q '^held' "$SVC_OUT"
	grep -q 'route lookup service: no complete answer within 2 s' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "route-url https: a certificate from another CA, or for another name, is refused: 421, exit 111, the reason in the log" {
	origin_start
	route_to_origin
	# The service's certificate is not signed by the CA given.
	https_service_start other
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s"
	run ftp_cmds --eof "$RELAY_PORT" "USER anonymous" "PASS x"
	[ "${lines[1]:0:4}" = "421 " ] || fail "another CA: $output"
	grep -q 'route lookup service: SSL certificate problem: self-signed certificate' "$RELAY_LOG"
	stop_pid "$RELAY_PID"
	stop_pid "$SVC_PID"
	# The right CA, but the certificate names another host.
	https_service_start wrong
	relay_start_raw --url-module "$URLMOD" --route-url "https://localhost:$SVC_PORT/r/%s" \
		--route-url-ca "$C/wrong-cert.pem"
	run ftp_cmds --eof "$RELAY_PORT" "USER anonymous" "PASS x"
	[ "${lines[1]:0:4}" = "421 " ] || fail "another name: $output"
	grep -q "route lookup service: SSL: no alternative certificate subject name matches target host name 'localhost'" "$RELAY_LOG"
	# No request went out over either connection.
	! grep -q '^GET' "$T"/service-*.out
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "route-url https: after the lookup the session is still under seccomp (Seccomp: 2), with libcurl mapped, and a transfer completes" {
	origin_start
	make_random_file "$ORIGIN_ROOT/dl.bin" 3
	route_to_origin
	https_service_start
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s"
	# Log in (the lookup), wait for the go file, then download.
	start_bg "$T/client.out" "$PYTHON" -c '
import ftplib, hashlib, os, sys, time
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=30)
print(f.login("anonymous", "x"), flush=True)
for _ in range(600):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.05)
h = hashlib.sha256()
f.retrbinary("RETR dl.bin", h.update)
print("sha256 " + h.hexdigest(), flush=True)
print(f.quit(), flush=True)
' "$RELAY_PORT" "$T/go"
	local pid i
	for ((i = 0; i < 200; i++)); do
		grep -q '^230' "$T/client.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^230' "$T/client.out" || fail "login: $(cat "$T/client.out")"
	grep -qx 'GET /r/anonymous' "$SVC_OUT"
	pid=$(relay_sessions | head -n 1)
	[ -n "$pid" ] || fail "no session"
	[ "$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")" = 2 ]
	grep -q libcurl "/proc/$pid/maps"
	touch "$T/go"
	for ((i = 0; i < 400; i++)); do
		grep -q '^221' "$T/client.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -qx "sha256 $(sha256_of "$ORIGIN_ROOT/dl.bin")" "$T/client.out" ||
		fail "transfer: $(cat "$T/client.out")"
	wait_no_ftprelay 10
	grep -q 'died with code 0' "$RELAY_LOG"
	! grep -qE 'died with code (31|159)|killed' "$RELAY_LOG"
}

# maps_of_a_session: the /proc/PID/maps of a live session after its
# lock-down (the client holds the connection a few seconds).
maps_of_a_session() {
	local pid i chat
	ftp_cmds --hold 5 "$RELAY_PORT" NOOP >/dev/null &
	chat=$!
	pid=
	for ((i = 0; i < 100; i++)); do
		pid=$(relay_sessions | head -n 1)
		[ -n "$pid" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.05
	done
	[ -n "$pid" ] || fail "no session"
	cat "/proc/$pid/maps"
	wait "$chat"
}

@test "only sessions with --route-url map libcurl and json-c: not a plain one, not one with a route map" {
	origin_start
	https_service_start
	url_relay_start "https://127.0.0.1:$SVC_PORT/r/%s"
	maps_of_a_session >"$T/maps-url"
	grep -q libcurl "$T/maps-url"
	grep -q libjson-c "$T/maps-url"
	grep -q ftprelay-url.so "$T/maps-url"
	stop_pid "$RELAY_PID"
	relay_start_raw --origin "127.0.0.1:$ORIGIN_PORT" --url-module "$URLMOD"
	maps_of_a_session >"$T/maps-plain"
	echo "alice 127.0.0.1:$ORIGIN_PORT" >"$T/routes.map"
	stop_pid "$RELAY_PID"
	relay_start_raw --route-map "$T/routes.map" --url-module "$URLMOD"
	maps_of_a_session >"$T/maps-map"
	[ -s "$T/maps-plain" ] && [ -s "$T/maps-map" ]
	! grep -Eq 'libcurl|libjson-c|ftprelay-url|libnghttp2' "$T/maps-plain" "$T/maps-map"
}

@test "route-url without its module: refused at start with a clear message, 421, exit 100; --check-config says so" {
	relay_start_raw --url-module "$T/none.so" --route-url "https://127.0.0.1:1/r/%s"
	run ftp_cmds --eof "$RELAY_PORT"
	grep -q '^421 ' <<<"$output" || fail "$output"
	grep -q -- '--route-url needs the lookup module (ftprelay built with libcurl and json-c)' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 100' "$RELAY_LOG"
	run "$FTPRELAY" --check-config --url-module "$T/none.so" --route-url "http://127.0.0.1:1/%s"
	[ "$status" -eq 100 ]
	[[ "$output" == *"needs the lookup module"* ]]
	run "$FTPRELAY" --check-config --url-module "$URLMOD" --route-url "https://127.0.0.1:1/%s" \
		--route-url-ca "$T/no-such-ca.pem"
	[ "$status" -eq 100 ]
	[[ "$output" == *"--route-url-ca $T/no-such-ca.pem: No such file"* ]]
}
