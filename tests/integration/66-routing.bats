#!/usr/bin/env bats
# Per-user routing: three private vsftpd origins with different files; a
# user reaches the origin the route map, --forward-to or the lookup
# service names, and only that one.  Anonymous vsftpd accepts
# "anonymous", so routes rename (user=anonymous) and the file a user can
# fetch shows which origin they reached.

load ../lib/common
load ../lib/routing

setup() {
	require_ftprelay
	require_cmd curl vsftpd systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# ------------------------------------------------------------------ helpers

# watch_start: tcp_watch.py on 127.0.0.1:<free port>; sets WATCH_PORT and
# WATCH_OUT (one "connect" line per connection attempt).
watch_start() {
	WATCH_OUT=$T/watch.out
	start_bg "$WATCH_OUT" "$PYTHON" "$TEST_LIB_DIR/tcp_watch.py" 127.0.0.1:0
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$WATCH_OUT" 2>/dev/null && break
		sleep 0.05
	done
	WATCH_PORT=$(sed -n 's/^listening 127.0.0.1://p' "$WATCH_OUT")
	[ -n "$WATCH_PORT" ] || fail "tcp_watch did not start"
}

three_origins() {
	origin_named a && origin_named b && origin_named c
}

# ------------------------------------------------------------------ tests

@test "routing: exact name, *@DOMAIN (longest, any case), * and user= each reach their origin" {
	three_origins
	cat >"$T/routes.map" <<EOF
# the test's map
alice              127.0.0.1:$PORT_a   user=anonymous
*@b.example        127.0.0.1:$PORT_b   user=anonymous
*@sub.b.example    127.0.0.1:$PORT_c   user=anonymous
*                  127.0.0.1:$PORT_c   user=anonymous
EOF
	relay_start_raw --route-map "$T/routes.map"
	run fetch alice a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "alice: $output"
	run fetch bob@B.Example b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "bob@B.Example: $output"
	run fetch bob@x.sub.b.example c.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is c" ] || fail "longest domain: $output"
	run fetch carol c.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is c" ] || fail "carol via *: $output"
	# alice is not on b: her file is not there.
	run fetch alice b.txt
	[ "$status" -ne 0 ]
	# Each origin saw USER anonymous, never the client's name.
	grep -q '"USER anonymous"' "$LOG_a"
	! grep -qE '"USER (alice|bob|carol)' "$LOG_a" "$LOG_b" "$LOG_c"
}

@test "routing: before USER the proxy greets and answers itself, and no origin is contacted" {
	watch_start
	echo "alice 127.0.0.1:$WATCH_PORT" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --welcome "Example FTP gateway"
	run ftp_cmds -v "$RELAY_PORT" FEAT SYST NOOP "OPTS UTF8 ON" HELP LIST PASV "PASS x" \
		AUTH\ TLS QUIT
	[ "$status" -eq 0 ] || fail "ftpchat: $output"
	[ "${lines[0]}" = "220 Example FTP gateway" ]
	grep -qx '211 End' <<<"$output"
	grep -qx '215 UNIX Type: L8' <<<"$output"
	grep -qx '200 NOOP ok.' <<<"$output"
	grep -qx '200 Always in UTF8 mode.' <<<"$output"
	grep -q '^214 ' <<<"$output"
	[ "$(grep -c '^530 Please log in with USER first.' <<<"$output")" -eq 2 ]
	grep -q '^503 ' <<<"$output"
	grep -q '^534 ' <<<"$output"
	grep -qx '221 Goodbye.' <<<"$output"
	sleep 0.3
	! grep -q '^connect' "$WATCH_OUT"
}

@test "routing: an unknown user gets 331 then 530, and no origin sees a connection" {
	watch_start
	echo "alice 127.0.0.1:$WATCH_PORT" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map"
	run ftp_cmds "$RELAY_PORT" "USER mallory" "PASS secret" QUIT
	[ "$status" -eq 0 ] || fail "ftpchat: $output"
	[ "${lines[1]}" = "331 Please specify the password." ]
	[ "${lines[2]}" = "530 Login incorrect." ]
	grep -q 'no route for user mallory' "$RELAY_LOG"
	sleep 0.3
	! grep -q '^connect' "$WATCH_OUT" || fail "a connection reached the origin: $(cat "$WATCH_OUT")"
}

@test "routing: a second USER to another origin QUITs the first and switches; the same origin is kept" {
	three_origins
	cat >"$T/routes.map" <<EOF
alice  127.0.0.1:$PORT_a  user=anonymous
alice2 127.0.0.1:$PORT_a  user=ftp
bob    127.0.0.1:$PORT_b  user=anonymous
EOF
	relay_start_raw --route-map "$T/routes.map"
	local before
	before=$(grep -c 'CONNECT: Client' "$LOG_a")
	run ftp_cmds "$RELAY_PORT" "USER alice" "PASS x" "TYPE I" "SIZE a.txt" \
		"USER alice2" "PASS x" "SIZE a.txt" \
		"USER bob" "PASS x" "TYPE I" "SIZE a.txt" "SIZE b.txt" QUIT
	[ "$status" -eq 0 ] || fail "ftpchat: $output"
	[ "${lines[2]:0:3}" = 230 ] && [ "${lines[4]}" = "213 10" ] || fail "$output"
	[ "${lines[6]:0:3}" = 230 ] && [ "${lines[7]}" = "213 10" ] || fail "$output"
	[ "${lines[9]:0:3}" = 230 ] && [ "${lines[11]:0:3}" = 550 ] &&
		[ "${lines[12]}" = "213 10" ] || fail "$output"
	# One connection to a (alice2 stayed on it), ended by our QUIT.
	[ "$(grep -c 'CONNECT: Client' "$LOG_a")" -eq $((before + 1)) ] || fail "$(cat "$LOG_a")"
	grep -q '"QUIT"' "$LOG_a"
	grep -q '"USER ftp"' "$LOG_a"
}

@test "routing: a second USER without a route ends the origin session; --forward-to reaches [::1]" {
	origin_named a
	origin_start6
	echo "v6 file" >"$ORIGIN6_ROOT/six.txt"
	echo "alice 127.0.0.1:$PORT_a user=anonymous" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --forward-to '[[]::1]:*'
	run ftp_cmds "$RELAY_PORT" "USER alice" "PASS x" "USER mallory" "PASS x" "PWD" QUIT
	[ "${lines[2]:0:3}" = 230 ] && [ "${lines[3]}" = "331 Please specify the password." ] &&
		[ "${lines[4]}" = "530 Login incorrect." ] &&
		[ "${lines[5]}" = "530 Please log in with USER first." ] || fail "$output"
	grep -q '"QUIT"' "$LOG_a"
	run curl_ftp "ftp://anonymous%40%5B%3A%3A1%5D%3A$ORIGIN6_PORT:x@127.0.0.1:$RELAY_PORT/six.txt"
	[ "$status" -eq 0 ] && [ "$output" = "v6 file" ] || fail "[::1]: $output"
	grep -q "origin \[::1\]:$ORIGIN6_PORT\$" "$RELAY_LOG"
}

@test "routing: failover past a refused port and a listener that never greets, within --connect-timeout" {
	three_origins
	local refused silent
	refused=$(free_port)
	silent=$(free_port)
	start_bg "$T/silent.out" "$PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); print("ready", flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$silent"
	wait_listening "$silent" 127.0.0.1 10
	echo "dave 127.0.0.1:$refused,127.0.0.1:$silent,127.0.0.1:$PORT_b user=anonymous" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --connect-timeout 2
	SECONDS=0
	run fetch dave b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "dave: $output"
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -lt 30 ]
	grep -q "origin 127.0.0.1:$refused: Connection refused" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$silent sent no greeting within 2 s" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$PORT_b\$" "$RELAY_LOG"
}

@test "--origin A,B,C without routing: the first that greets is used, and the client sees its greeting" {
	origin_named a
	local refused silent
	refused=$(free_port)
	silent=$(free_port)
	start_bg "$T/silent.out" "$PYTHON" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); held = []
while True:
    c, _ = s.accept(); c.sendall(b"421 Too busy\r\n"); held.append(c)
' "$silent"
	wait_listening "$silent" 127.0.0.1 10
	relay_start_raw --origin "127.0.0.1:$refused,127.0.0.1:$silent,127.0.0.1:$PORT_a" \
		--connect-timeout 2
	run ftp_cmds -v "$RELAY_PORT" "USER anonymous" "PASS x" QUIT
	[ "${lines[0]}" = "220 (vsFTPd 3.0.3)" ] && [ "${lines[2]:0:3}" = 230 ] || fail "$output"
	run fetch anonymous a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "$output"
	grep -q "origin 127.0.0.1:$refused: Connection refused" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$silent greeted with: 421 Too busy" "$RELAY_LOG"
	cleanup_processes
	relay_start_raw --origin "127.0.0.1:$refused,127.0.0.1:$refused" --connect-timeout 2
	run ftp_cmds --eof "$RELAY_PORT"
	[ "${lines[0]:0:4}" = "421 " ] || fail "$output"
	wait_no_ftprelay 10
	grep -q 'every origin of --origin failed' "$RELAY_LOG"
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "routing: --origin A,B is the route of last resort, tried in order" {
	origin_named c
	local refused
	refused=$(free_port)
	echo "alice 127.0.0.1:$refused" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --origin "127.0.0.1:$refused,127.0.0.1:$PORT_c"
	run fetch anonymous c.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is c" ] || fail "$output"
	grep -q "origin 127.0.0.1:$refused: Connection refused" "$RELAY_LOG"
}

@test "routing: every origin failing gives 421 and exit 111" {
	local refused
	refused=$(free_port)
	echo "* 127.0.0.1:$refused" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --connect-timeout 2
	run ftp_cmds --eof "$RELAY_PORT" "USER anyone"
	grep -q '^421 ' <<<"$output" || fail "$output"
	grep -q 'every origin of the route failed' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "routing: --forward-to connects name@host:port when allowed, and never when refused" {
	three_origins
	local w2 out
	# The refused host: a listener on 127.0.0.2 that must see nothing.
	start_bg "$T/watch2.out" "$PYTHON" "$TEST_LIB_DIR/tcp_watch.py" 127.0.0.2:0
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$T/watch2.out" 2>/dev/null && break
		sleep 0.05
	done
	w2=$(sed -n 's/^listening 127.0.0.2://p' "$T/watch2.out")
	relay_start_raw --forward-to "127.0.0.1:*,*.example.net:21"
	# curl -u would split at the first colon: the name goes in the URL.
	run curl_ftp "ftp://anonymous%40127.0.0.1%3A$PORT_a:x@127.0.0.1:$RELAY_PORT/a.txt"
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "allowed: $output"
	grep -q '"USER anonymous"' "$LOG_a"
	run ftp_cmds "$RELAY_PORT" "USER anonymous@127.0.0.2:$w2" "PASS x" QUIT
	[ "${lines[1]}" = "331 Please specify the password." ] && [ "${lines[2]}" = "530 Login incorrect." ] ||
		fail "refused: $output"
	# A matching host that is no valid host name is refused too (names
	# are resolved: 69-route-names.bats).
	run ftp_cmds "$RELAY_PORT" "USER anonymous@ftp_x.example.net" "PASS x" QUIT
	[ "${lines[2]}" = "530 Login incorrect." ]
	grep -q 'ftp_x.example.net:21 is not an address nor a host name' "$RELAY_LOG"
	sleep 0.3
	! grep -q '^connect' "$T/watch2.out" || fail "refused host was contacted: $(cat "$T/watch2.out")"
}

@test "routing: a bad map line refuses the session with file:line, exit 100 and 421" {
	printf 'alice 127.0.0.1\n\nbob 127.0.0.1 quota=5\n' >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map"
	run ftp_cmds --eof "$RELAY_PORT"
	[ "${lines[0]:0:4}" = "421 " ] || fail "$output"
	wait_no_ftprelay 10
	grep -q "routes.map:3: unknown field 'quota=5'" "$RELAY_LOG"
	grep -q 'died with code 100' "$RELAY_LOG"
	run "$FTPRELAY" --compile-routes "$T/routes.map" "$T/routes.cdb"
	[ "$status" -eq 100 ] && [[ $output == *"routes.map:3: unknown field 'quota=5'"* ]]
	[ ! -e "$T/routes.cdb" ]
	printf 'alice 127.0.0.1\nalice 127.0.0.2\n' >"$T/dup.map"
	run "$FTPRELAY" --compile-routes "$T/dup.map" "$T/routes.cdb"
	[ "$status" -eq 100 ] && [[ $output == *"dup.map:2: duplicate name 'alice' (first on line 1)"* ]]
	printf 'alice ftp_x.example.net\n' >"$T/name.map"
	run "$FTPRELAY" --compile-routes "$T/name.map" "$T/routes.cdb"
	[ "$status" -eq 100 ] && [[ $output == *"name.map:1: bad address 'ftp_x.example.net'"* ]]
	[ -z "$(ls "$T" | grep tmp)" ]
}

@test "routing: a 1,000,000-entry map, text and compiled; --compile-routes replaces the map atomically" {
	three_origins
	awk -v p="$PORT_a" 'BEGIN { for (i = 0; i < 1000000; i++)
		printf "user%07d 127.0.0.1:%s user=anonymous\n", i, p }' >"$T/big.map"
	echo "zed 127.0.0.1:$PORT_b user=anonymous" >>"$T/big.map"
	SECONDS=0
	"$FTPRELAY" --compile-routes "$T/big.map" "$T/big.cdb"
	echo "# compile: ${SECONDS}s, $(stat -c %s "$T/big.cdb") bytes" >&3
	relay_start_raw --route-map "$T/big.cdb"
	run fetch user0999999 a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "cdb: $output"
	run fetch zed b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "cdb zed: $output"
	# Recompiled with zed elsewhere: a new inode, renamed into place.
	local ino
	ino=$(stat -c %i "$T/big.cdb")
	sed -i "s/^zed .*/zed 127.0.0.1:$PORT_c user=anonymous/" "$T/big.map"
	"$FTPRELAY" --compile-routes "$T/big.map" "$T/big.cdb"
	[ "$(stat -c %i "$T/big.cdb")" != "$ino" ]
	[ -z "$(ls "$T" | grep tmp)" ]
	run fetch zed c.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is c" ] || fail "new cdb: $output"
	stop_pid "$RELAY_PID"
	# The same map as text: read whole by the session (slower, works).
	relay_start_raw --route-map "$T/big.map" --connect-timeout 60
	SECONDS=0
	run fetch user0500000 a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "text: $output"
	echo "# a session with the 1,000,000-line text map: ${SECONDS}s" >&3
}

@test "routing: a map replaced while a session runs: that session keeps its map, a new one sees the new map" {
	three_origins
	echo "alice 127.0.0.1:$PORT_a user=anonymous" >"$T/v1.map"
	echo "alice 127.0.0.1:$PORT_b user=anonymous" >"$T/v2.map"
	"$FTPRELAY" --compile-routes "$T/v1.map" "$T/routes.cdb"
	relay_start_raw --route-map "$T/routes.cdb"
	# Session 1 is up (greeted) before the map changes; it logs in after.
	start_bg "$T/s1.out" "$PYTHON" -c '
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
f = s.makefile("rb")
print(f.readline().decode().strip(), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
for cmd in ("USER alice", "PASS x", "TYPE I", "SIZE a.txt", "QUIT"):
    s.sendall((cmd + "\r\n").encode())
    print(f.readline().decode().strip(), flush=True)
' "$RELAY_PORT" "$T/go"
	for ((i = 0; i < 100; i++)); do
		grep -q '^220' "$T/s1.out" 2>/dev/null && break
		sleep 0.05
	done
	"$FTPRELAY" --compile-routes "$T/v2.map" "$T/routes.cdb"
	run fetch alice b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "new session: $output"
	touch "$T/go"
	for ((i = 0; i < 200; i++)); do
		grep -q '^221' "$T/s1.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -qx '213 10' "$T/s1.out" || fail "old session: $(cat "$T/s1.out")"
}

@test "routing: --route-url answers a route, no route, garbage and nothing" {
	three_origins
	local port
	port=$(free_port)
	start_bg "$T/http.out" "$PYTHON" -c '
import http.server, sys, time
PORT_A = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/slow/"):
            time.sleep(30)
        body = {
            "/r/anonymous": "{\"code\": 200, \"data\": \"127.0.0.1:%s\"}" % PORT_A,
            "/r/bob%40example.com": "{\"code\": 404, \"data\": \"no such user\"}",
            "/r/eve": "<html>oops</html>",
        }.get(self.path)
        if body is None:
            self.send_response(500); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *a):
        sys.stderr.write("GET %s\n" % self.path)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$port" "$PORT_a"
	HTTP_PID=$BG_PID
	wait_listening "$port" 127.0.0.1 10
	relay_start_raw --route-url "http://127.0.0.1:$port/r/%s" --connect-timeout 2 \
		--url-module "$TOP_BUILDDIR/src/ftprelay-url.so"
	# pftp's answer carries no new name: the service routes "anonymous".
	run fetch anonymous a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "route: $output"
	run ftp_cmds "$RELAY_PORT" "USER bob@example.com" "PASS x" QUIT
	[ "${lines[1]:0:4}" = "331 " ] && [ "${lines[2]}" = "530 Login incorrect." ] || fail "no route: $output"
	grep -q 'GET /r/bob%40example.com' "$T/http.out"
	run ftp_cmds --eof "$RELAY_PORT" "USER eve"
	grep -q '^421 ' <<<"$output" || fail "garbage: $output"
	grep -q 'route lookup service: the answer is not JSON' "$RELAY_LOG"
	stop_pid "$RELAY_PID"
	stop_pid "$HTTP_PID"
	start_bg "$T/http2.out" "$PYTHON" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$port"
	wait_listening "$port" 127.0.0.1 10
	relay_start_raw --route-url "http://127.0.0.1:$port/r/%s" --connect-timeout 2 \
		--url-module "$TOP_BUILDDIR/src/ftprelay-url.so"
	SECONDS=0
	run ftp_cmds --eof "$RELAY_PORT" "USER alice"
	grep -q '^421 ' <<<"$output" || fail "nothing: $output"
	[ "$SECONDS" -lt 20 ]
	grep -q 'route lookup service: no complete answer within 2 s' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
}
