#!/usr/bin/env bats
# Host names in routes: resolved after the lock-down, from /etc/hosts read
# at set-up, else by ftprelay's own DNS stub.  A small DNS server
# (tests/lib/dns_server.py) answers for *.routes.test on a loopback
# address of the test's own; ftprelay is made to use it honestly: its
# launcher runs in a private mount namespace (unshare -m) where the test's
# resolv.conf is bind-mounted over /etc/resolv.conf.  The origins are
# private vsftpd servers with different files, as in 66-routing.bats.

load ../lib/common
load ../lib/routing

setup() {
	require_ftprelay
	require_cmd curl vsftpd systemd-socket-activate ss unshare mount
	# Port 53 and a mount namespace: root, as CI runs.
	[ "$(id -u)" -eq 0 ] || skip "needs root (port 53, unshare -m)"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# ------------------------------------------------------------------ helpers

# dns_start NAME=SPEC...: dns_server.py on a random 127.53.x.y, port 53;
# sets DNS_ADDR and DNS_OUT (its "query NAME TYPE" lines) and writes
# $T/resolv.conf naming it, with $DNS_OPTIONS (an "options" line) if set.
# DNS_BIND: listen there instead; DNS_FIRST: a nameserver listed before.
dns_start() {
	local i
	DNS_ADDR=${DNS_BIND:-127.53.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))}
	DNS_OUT=$T/dns.out
	start_bg "$DNS_OUT" "$PYTHON" "$TEST_LIB_DIR/dns_server.py" "$DNS_ADDR" "$@"
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$DNS_OUT" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^ready' "$DNS_OUT" || fail "dns_server did not start: $(cat "$DNS_OUT")"
	{
		printf '# the test resolver\nsearch example.invalid\n'
		[ -z "${DNS_FIRST:-}" ] || printf 'nameserver %s\n' "$DNS_FIRST"
		printf 'nameserver %s\n%s\n' "$DNS_ADDR" "${DNS_OPTIONS:-}"
	} >"$T/resolv.conf"
}

# relay_start_ns FTPRELAY ARGS...: relay_start_raw, with the launcher (and
# so every session) in a private mount namespace that sees $T/resolv.conf
# as /etc/resolv.conf.
relay_start_ns() {
	# The mount point must exist (a symlink is followed to its target).
	[ -e /etc/resolv.conf ] || fail "/etc/resolv.conf is missing: nothing to bind-mount over" ||
		return 1
	RELAY_LOG=$T/relay.log
	RELAY_PORT=$(free_port) || return 1
	start_bg "$RELAY_LOG" unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$T/resolv.conf" \
		systemd-socket-activate --accept --inetd \
		-l "127.0.0.1:$RELAY_PORT" -l "[::1]:$RELAY_PORT" -- \
		"$FTPRELAY" --user nobody "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT" 127.0.0.1 10 || { cat "$RELAY_LOG" >&2; return 1; }
	export RELAY_PORT RELAY_PID RELAY_LOG
}

# ------------------------------------------------------------------ tests

@test "route names: a map route to localhost:PORT reaches its origin through /etc/hosts" {
	grep -qE '^[[:space:]]*127\.0\.0\.1[[:space:]].*\blocalhost\b' /etc/hosts ||
		fail "/etc/hosts does not map localhost to 127.0.0.1"
	origin_named a
	echo "alice localhost:$PORT_a user=anonymous" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map"
	run fetch alice a.bin
	[ "$status" -eq 0 ] || fail "alice: $output"
	curl_ftp -u alice:x "ftp://127.0.0.1:$RELAY_PORT/a.bin" -o "$T/got.bin"
	[ "$(sha256_of "$T/got.bin")" = "$(sha256_of "$(scratch_dir)/a/root/a.bin")" ]
	grep -q "origin localhost:$PORT_a is 127.0.0.1" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$PORT_a\$" "$RELAY_LOG"
}

@test "route names: map entries by name (A, AAAA, a CNAME) reach the right origins, asked of resolv.conf's server" {
	origin_named a
	origin_named b
	origin_start6
	echo "v6 file" >"$ORIGIN6_ROOT/six.txt"
	dns_start a.routes.test=127.0.0.1 B.Routes.Test=127.0.0.1 \
		www.routes.test=cname:b.routes.test v6.routes.test=::1
	cat >"$T/routes.map" <<EOF
alice   a.routes.test:$PORT_a      user=anonymous
bob     www.routes.test:$PORT_b    user=anonymous
carol   V6.routes.test:$ORIGIN6_PORT user=anonymous
EOF
	relay_start_ns --route-map "$T/routes.map"
	curl_ftp -u alice:x "ftp://127.0.0.1:$RELAY_PORT/a.bin" -o "$T/a.bin"
	[ "$(sha256_of "$T/a.bin")" = "$(sha256_of "$(scratch_dir)/a/root/a.bin")" ]
	curl_ftp -u bob:x "ftp://127.0.0.1:$RELAY_PORT/b.bin" -o "$T/b.bin"
	[ "$(sha256_of "$T/b.bin")" = "$(sha256_of "$(scratch_dir)/b/root/b.bin")" ]
	run fetch carol six.txt
	[ "$status" -eq 0 ] && [ "$output" = "v6 file" ] || fail "carol: $output"
	# alice is not on b.
	run fetch alice b.txt
	[ "$status" -ne 0 ]
	grep -q "query a.routes.test A udp" "$DNS_OUT"
	grep -q "query a.routes.test AAAA udp" "$DNS_OUT"
	grep -q "origin www.routes.test:$PORT_b is 127.0.0.1\$" "$RELAY_LOG"
	grep -q "origin V6.routes.test:$ORIGIN6_PORT is ::1\$" "$RELAY_LOG"
	grep -q "origin \[::1\]:$ORIGIN6_PORT\$" "$RELAY_LOG"
	# Names are taken as written: the search list is not applied.
	! grep -q "example.invalid" "$DNS_OUT"
}

@test "route names: a name that does not resolve (NXDOMAIN, garbage, SERVFAIL) fails over to the next ORIGIN" {
	origin_named b
	dns_start b.routes.test=127.0.0.1 gone.routes.test=nxdomain \
		junk.routes.test=garbage broken.routes.test=servfail
	echo "dave gone.routes.test:21,junk.routes.test:21,broken.routes.test,b.routes.test:$PORT_b user=anonymous" \
		>"$T/routes.map"
	relay_start_ns --route-map "$T/routes.map"
	run fetch dave b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "dave: $output"
	grep -q "origin gone.routes.test:21: cannot resolve the name: NXDOMAIN from nameserver $DNS_ADDR" "$RELAY_LOG"
	grep -q "origin junk.routes.test:21: cannot resolve the name: garbage from nameserver $DNS_ADDR" "$RELAY_LOG"
	grep -q "origin broken.routes.test:21: cannot resolve the name: SERVFAIL from nameserver $DNS_ADDR" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$PORT_b\$" "$RELAY_LOG"
}

@test "route names: when no name resolves the client gets 421 and the session exits 111" {
	dns_start gone.routes.test=nxdomain junk.routes.test=garbage
	echo "erin gone.routes.test:21,junk.routes.test:21" >"$T/routes.map"
	relay_start_ns --route-map "$T/routes.map"
	run ftp_cmds --eof "$RELAY_PORT" "USER erin"
	grep -q '^421 ' <<<"$output" || fail "$output"
	grep -q 'every origin of the route failed' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "route names: a silent nameserver is bounded by --connect-timeout, then the next ORIGIN" {
	origin_named b
	# resolv.conf allows 30 s per server and 2 rounds: the whole
	# resolution must still end within --connect-timeout.
	DNS_OPTIONS='options timeout:30 attempts:2' dns_start hush.routes.test=silent
	echo "fred hush.routes.test:21,127.0.0.1:$PORT_b user=anonymous" >"$T/routes.map"
	relay_start_ns --route-map "$T/routes.map" --connect-timeout 2
	SECONDS=0
	run fetch fred b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "fred: $output"
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -lt 25 ] || fail "took ${SECONDS}s"
	grep -q "origin hush.routes.test:21: cannot resolve the name: timeout: no answer from nameserver $DNS_ADDR" "$RELAY_LOG"
	grep -q "query hush.routes.test A udp" "$DNS_OUT"
}

@test "route names: nameservers are asked in turn: a dead one is skipped, an IPv6 one answers" {
	origin_named a
	# Nothing listens on the first one: its queries are refused
	# (ICMP) or go unanswered for resolv.conf's timeout of 1 s.
	DNS_BIND=::1 DNS_FIRST=127.53.$((RANDOM % 250 + 1)).251 DNS_OPTIONS='options timeout:1' \
		dns_start a.routes.test=127.0.0.1
	echo "hank a.routes.test:$PORT_a user=anonymous" >"$T/routes.map"
	relay_start_ns --route-map "$T/routes.map"
	run fetch hank a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "hank: $output"
	grep -q "query a.routes.test A udp" "$DNS_OUT"
	grep -q "origin a.routes.test:$PORT_a is 127.0.0.1\$" "$RELAY_LOG"
}

@test "route names: a truncated answer is asked again over TCP" {
	origin_named a
	dns_start big.routes.test=127.0.0.1,tc
	echo "gina big.routes.test:$PORT_a user=anonymous" >"$T/routes.map"
	relay_start_ns --route-map "$T/routes.map"
	run fetch gina a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "gina: $output"
	grep -q "query big.routes.test A udp" "$DNS_OUT"
	grep -q "query big.routes.test A tcp" "$DNS_OUT"
}

@test "route names: --forward-to a host name when allowed; a refused one is never asked nor connected" {
	origin_named a
	local wport
	start_bg "$T/watch.out" "$PYTHON" "$TEST_LIB_DIR/tcp_watch.py" 127.0.0.1:0
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$T/watch.out" 2>/dev/null && break
		sleep 0.05
	done
	wport=$(sed -n 's/^listening 127.0.0.1://p' "$T/watch.out")
	dns_start a.routes.test=127.0.0.1 refused.example.org=127.0.0.1
	relay_start_ns --forward-to '*.routes.test:*'
	# curl -u would split at the first colon: the name goes in the URL.
	run curl_ftp "ftp://anonymous%40a.routes.test%3A$PORT_a:x@127.0.0.1:$RELAY_PORT/a.txt"
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "allowed: $output"
	grep -q '"USER anonymous"' "$LOG_a"
	run ftp_cmds "$RELAY_PORT" "USER anonymous@refused.example.org:$wport" "PASS x" QUIT
	[ "${lines[1]}" = "331 Please specify the password." ] &&
		[ "${lines[2]}" = "530 Login incorrect." ] || fail "refused: $output"
	grep -q 'no route for user anonymous@refused.example.org' "$RELAY_LOG"
	sleep 0.3
	! grep -q 'refused.example.org' "$DNS_OUT" || fail "the refused name was asked: $(cat "$DNS_OUT")"
	! grep -q '^connect' "$T/watch.out" || fail "the refused host was contacted"
}

@test "route names: a compiled map (--compile-routes) keeps the names and resolves them per session" {
	origin_named a
	origin_named b
	dns_start a.routes.test=127.0.0.1 b.routes.test=127.0.0.1
	cat >"$T/routes.map" <<EOF
alice       a.routes.test:$PORT_a  user=anonymous
*@b.example gone.routes.test,b.routes.test:$PORT_b  user=anonymous
EOF
	"$FTPRELAY" --compile-routes "$T/routes.map" "$T/routes.cdb"
	grep -q "a.routes.test:$PORT_a" "$T/routes.cdb"
	relay_start_ns --route-map "$T/routes.cdb"
	curl_ftp -u alice:x "ftp://127.0.0.1:$RELAY_PORT/a.bin" -o "$T/a.bin"
	[ "$(sha256_of "$T/a.bin")" = "$(sha256_of "$(scratch_dir)/a/root/a.bin")" ]
	run fetch bob@b.example b.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is b" ] || fail "bob: $output"
	grep -q "origin gone.routes.test:21: cannot resolve the name: NXDOMAIN" "$RELAY_LOG"
	# A name that is no host name is refused at compile time.
	printf 'alice ftp_x.example.net\n' >"$T/bad.map"
	run "$FTPRELAY" --compile-routes "$T/bad.map" "$T/bad.cdb"
	[ "$status" -eq 100 ] && [[ $output == *"bad.map:1: bad address 'ftp_x.example.net'"* ]]
}

@test "route names: the lookup service (--route-url) may answer host:port with a host name" {
	origin_named a
	local port
	port=$(free_port)
	dns_start a.routes.test=127.0.0.1
	start_bg "$T/http.out" "$PYTHON" -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = "{\"code\": 200, \"data\": \"a.routes.test:%s\"}" % sys.argv[2]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *a):
        sys.stderr.write("GET %s\n" % self.path)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$port" "$PORT_a"
	wait_listening "$port" 127.0.0.1 10
	relay_start_ns --route-url "http://127.0.0.1:$port/r/%s" \
		--url-module "$TOP_BUILDDIR/src/ftprelay-url.so"
	run fetch anonymous a.txt
	[ "$status" -eq 0 ] && [ "$output" = "this is a" ] || fail "route: $output"
	grep -q 'GET /r/anonymous' "$T/http.out"
	grep -q "query a.routes.test A udp" "$DNS_OUT"
	grep -q "origin a.routes.test:$PORT_a is 127.0.0.1\$" "$RELAY_LOG"
}
