#!/usr/bin/env bats
# The PROXY protocol: a balancer at 127.0.0.1 (--proxy-protocol-from)
# puts a v1 or v2 header in front of each connection, and ftprelay takes
# the client's address from it (log, data peer check, PORT/EPRT, 227);
# direct clients (::1 here, not listed) can never choose their address;
# health checks never reach the origin; and --origin-proxy-protocol tells
# an origin behind haproxy's accept-proxy who the client is.

load ../lib/common
load ../lib/haproxy

PP=$TEST_LIB_DIR/pp_client.py

setup() {
	require_ftprelay
	require_cmd haproxy
	T=$BATS_TEST_TMPDIR
	origin_start
	make_random_bytes "$ORIGIN_ROOT/file.bin" 300000
	chmod 644 "$ORIGIN_ROOT/file.bin"
	SUM=$(sha256_of "$ORIGIN_ROOT/file.bin")
}

teardown() {
	common_teardown
}

# pp HEADER [pp_client options and commands...]: talk to the relay.
pp() {
	timeout 60 "$PYTHON" "$PP" "$@"
}

# origin_connects: how many control connections the origin has seen
# (origin_start's own check is one of them).
origin_connects() {
	grep -c 'CONNECT: Client' "$ORIGIN_LOG" || true
}

@test "a v1 header's client address is the session's: log, and a data connection from it" {
	relay_start --proxy-protocol-from 127.0.0.1 --data-timeout 10
	run pp v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
		"TYPE I" "@GET 127.0.0.2 file.bin" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	grep -qx "DATA 300000 $SUM" <<<"$output" || fail "the download is not intact"
	[[ ${lines[-2]} == 221* ]]
	grep -q 'session [0-9a-f]* client 127.0.0.2:4242: session start' "$RELAY_LOG" ||
		fail "the log does not name the header's client"
	grep -q 'client 127.0.0.2:4242: session start: origin [^ ]* (PROXY v1 header from 127.0.0.1:[0-9]*)$' "$RELAY_LOG"
}

@test "a v2 header's client address is the session's: log, and a data connection from it" {
	relay_start --proxy-protocol-from 127.0.0.1 --data-timeout 10
	run pp v2:127.0.0.3:4343:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
		"TYPE I" "@GET 127.0.0.3 file.bin" QUIT
	echo "$output"
	grep -qx "DATA 300000 $SUM" <<<"$output" || fail "the download is not intact"
	grep -q 'session [0-9a-f]* client 127.0.0.3:4343: session start' "$RELAY_LOG"
	grep -q 'client 127.0.0.3:4343: session start: origin [^ ]* (PROXY v2 header from 127.0.0.1:[0-9]*)$' "$RELAY_LOG"
}

@test "a data connection from any other address than the header's client is refused" {
	relay_start --proxy-protocol-from 127.0.0.1 --data-timeout 10
	run pp v2:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
		"@TRY 127.0.0.4" "@TRY 127.0.0.2" QUIT
	echo "$output"
	[ "$(grep -c '^DATA' <<<"$output")" -eq 2 ]
	[ "$(grep '^DATA' <<<"$output" | head -n 1)" = "DATA refused" ]
	[ "$(grep '^DATA' <<<"$output" | tail -n 1)" = "DATA accepted" ]
	grep -q 'data connection from 127.0.0.4:[0-9]* refused: not the client' "$RELAY_LOG"
}

@test "data connections forwarded by the balancer carry a header, and its client is the one checked" {
	relay_start --proxy-protocol-from 127.0.0.1 --data-timeout 10
	# The balancer (127.0.0.1) forwards the data port with a header.
	run pp v2:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
		"TYPE I" "@GET 127.0.0.1 file.bin v2:127.0.0.2:5000:127.0.0.1:30000" \
		"@GET 127.0.0.1 file.bin v1:127.0.0.2:5001:127.0.0.1:30000" \
		"@TRY 127.0.0.1 v2:127.0.0.5:5002:127.0.0.1:30000" \
		"@TRY 127.0.0.1 raw:55534552207820" QUIT
	echo "$output"
	[ "$(grep -c "^DATA 300000 $SUM\$" <<<"$output")" -eq 2 ] ||
		fail "the forwarded data connections did not carry the file"
	[ "$(grep '^DATA' <<<"$output" | sed -n 3p)" = "DATA refused" ]
	[ "$(grep '^DATA' <<<"$output" | sed -n 4p)" = "DATA refused" ]
	grep -q 'data connection from 127.0.0.5:5002 refused: not the client' "$RELAY_LOG"
	grep -q 'data connection: PROXY header: not a PROXY protocol header; closed' "$RELAY_LOG"
}

@test "EPRT and PORT must name the header's client address, not the balancer's" {
	relay_start --proxy-protocol-from 127.0.0.1
	run pp v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
		"EPRT |1|127.0.0.1|40000|" "PORT 127,0,0,1,156,64" \
		"EPRT |1|127.0.0.2|40000|" "PORT 127,0,0,2,156,64" QUIT
	echo "$output"
	[[ ${lines[3]} == "500 Illegal EPRT"* ]]
	[[ ${lines[4]} == "500 Illegal PORT"* ]]
	[[ ${lines[5]} == "200 EPRT"* ]]
	[[ ${lines[6]} == "200 PORT"* ]]
}

@test "EPSV and EPRT follow the family of the header's client (IPv6 behind an IPv4 hop)" {
	relay_start --proxy-protocol-from 127.0.0.1
	run pp "v1:[2001:db8::7]:4242:[2001:db8::1]:21" "$RELAY_PORT" "USER anonymous" \
		"PASS x" "EPSV 1" "EPSV 2" "PASV" "EPRT |1|127.0.0.1|40000|" "PORT 127,0,0,1,156,64" QUIT
	echo "$output"
	[[ ${lines[3]} == "522 "*"(2)"* ]]
	[[ ${lines[4]} == 229* ]]
	[[ ${lines[5]} == "425 PASV cannot name an IPv6 address"* ]]
	[[ ${lines[6]} == "522 "*"(2)"* ]]
	[[ ${lines[7]} == "522 "*"(2)"* ]]
	grep -q 'client \[2001:db8::7\]:4242: session start' "$RELAY_LOG"
}

@test "227 names the header's destination (the balancer), and --pasv-address still wins" {
	relay_start --proxy-protocol-from 127.0.0.1
	run pp v2:127.0.0.2:4242:127.0.0.9:21 "$RELAY_PORT" "USER anonymous" "PASS x" PASV QUIT
	echo "$output"
	[[ ${lines[3]} == "227 "*"(127,0,0,9,"* ]]
	relay_start --proxy-protocol-from 127.0.0.1 --pasv-address 127.0.0.11
	run pp v2:127.0.0.2:4242:127.0.0.9:21 "$RELAY_PORT" "USER anonymous" "PASS x" PASV QUIT
	echo "$output"
	[[ ${lines[3]} == "227 "*"(127,0,0,11,"* ]]
}

@test "a header split into small pieces is fine once complete" {
	relay_start --proxy-protocol-from 127.0.0.1
	run pp --split 3 --gap 0.05 v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 331* ]]
	run pp --split 1 --gap 0.02 v2:127.0.0.3:4243:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 331* ]]
	grep -q 'client 127.0.0.2:4242: session start' "$RELAY_LOG"
	grep -q 'client 127.0.0.3:4243: session start' "$RELAY_LOG"
}

@test "the first command right behind the header in the same packet is not eaten" {
	relay_start --proxy-protocol-from 127.0.0.1
	# Header and USER in one write: the reader must stop at the header's end.
	hdr=$(printf 'PROXY TCP4 127.0.0.2 127.0.0.1 4242 21\r\nUSER anonymous\r\n' | od -An -v -tx1 | tr -d ' \n')
	run pp --no-greeting "raw:$hdr" "$RELAY_PORT" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 331* ]]
	[[ ${lines[2]} == 221* ]]
	v2=$(printf '\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x02\x7f\x00\x00\x01\x10\x92\x00\x15USER anonymous\r\n' | od -An -v -tx1 | tr -d ' \n')
	run pp --no-greeting "raw:$v2" "$RELAY_PORT" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 331* ]]
}

# bad_header NAME HEX: a listed peer sends these bytes (then closes its
# side if $close is set):
# it gets no greeting, the connection is closed, the log says why, and the
# origin never hears of it.
bad_header() {
	local name=$1 hex=$2 before
	before=$(origin_connects)
	run pp --hold 0.2 ${close:+--close} "raw:$hex" "$RELAY_PORT" QUIT
	echo "$name: $output"
	[ "${lines[0]}" = "<EOF>" ] || fail "$name: expected a close without greeting"
	[ "$(origin_connects)" -eq "$before" ] || fail "$name: the origin was contacted"
}

hex() { printf "$1" | od -An -v -tx1 | tr -d ' \n'; }

@test "a listed peer without a valid header is closed without a greeting, and logged" {
	relay_start --proxy-protocol-from 127.0.0.1
	sig='\r\n\r\n\0\r\nQUIT\n'
	bad_header missing "$(hex 'USER anonymous\r\n')"
	bad_header v1-leading-zero "$(hex 'PROXY TCP4 127.0.0.02 127.0.0.1 1 21\r\n')"
	bad_header v1-port-65536 "$(hex 'PROXY TCP4 127.0.0.2 127.0.0.1 65536 21\r\n')"
	bad_header v1-bare-lf "$(hex 'PROXY TCP4 127.0.0.2 127.0.0.1 1 21\n')"
	bad_header v1-overlong "$(hex "PROXY UNKNOWN $(printf 'x%.0s' $(seq 1 100))\r\n")"
	bad_header v2-version-3 "$(hex "$sig"'\x31\x11\x00\x0c\x7f\x00\x00\x02\x7f\x00\x00\x01\x10\x92\x00\x15')"
	bad_header v2-short-length "$(hex "$sig"'\x21\x11\x00\x0b\x7f\x00\x00\x02\x7f\x00\x00\x01\x10\x92\x00')"
	bad_header v2-unix-family "$(hex "$sig"'\x21\x31\x00\x0c\x7f\x00\x00\x02\x7f\x00\x00\x01\x10\x92\x00\x15')"
	bad_header v2-too-long "$(hex "$sig"'\x21\x11\x02\x19')"
	close=1 bad_header truncated "$(hex 'PROXY TCP4 127.0.0.2 127.0.0.1')"
	cat "$RELAY_LOG"
	[ "$(grep -c 'closing without a greeting' "$RELAY_LOG")" -eq 10 ]
	grep -q 'PROXY header: not a PROXY protocol header' "$RELAY_LOG"
	grep -q 'PROXY header: v1: bad source address' "$RELAY_LOG"
	grep -q 'PROXY header: v1: bad source port' "$RELAY_LOG"
	grep -q 'PROXY header: v1: control or non-ASCII byte' "$RELAY_LOG"
	grep -q 'PROXY header: v1: no CRLF within 107 bytes' "$RELAY_LOG"
	grep -q 'PROXY header: v2: version is not 2' "$RELAY_LOG"
	grep -q 'PROXY header: v2: length too short' "$RELAY_LOG"
	grep -q 'PROXY header: v2: address family is not INET or INET6' "$RELAY_LOG"
	grep -q 'PROXY header: v2: header longer than the limit' "$RELAY_LOG"
	grep -q 'PROXY header: connection closed inside the header' "$RELAY_LOG"
	wait_no_ftprelay 5
}

@test "a bad header ends ftprelay with exit status 111 and nothing sent to the peer" {
	run run_attached -t 15 --stderr "$T/err" --send "USER anonymous" -- \
		"$FTPRELAY" --user nobody --origin "127.0.0.1:$ORIGIN_PORT" \
		--proxy-protocol-from 127.0.0.1
	echo "$output"
	cat "$T/err"
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "EXIT 111" ]
	grep -q 'not a PROXY protocol header' "$T/err"
}

@test "a header dribbled a byte at a time is cut off after about 3 seconds" {
	relay_start --proxy-protocol-from 127.0.0.1
	before=$(origin_connects)
	start=$(date +%s.%N)
	run pp --split 1 --gap 0.5 v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" QUIT
	end=$(date +%s.%N)
	echo "$output"
	[ "${lines[0]}" = "<EOF>" ]
	took=$(echo "$end - $start" | bc -l 2>/dev/null || awk "BEGIN{print $end - $start}")
	echo "took $took s"
	awk "BEGIN{exit !($took >= 2.5 && $took < 12)}" || fail "closed after $took s, not about 3"
	grep -q 'PROXY header: not complete within the time limit' "$RELAY_LOG"
	# A listed peer that sends nothing at all meets the same limit.
	run pp --hold 5 none "$RELAY_PORT" QUIT
	echo "$output"
	[ "${lines[0]}" = "<EOF>" ]
	[ "$(grep -c 'not complete within the time limit after 0 bytes' "$RELAY_LOG")" -eq 1 ]
	[ "$(origin_connects)" -eq "$before" ] || fail "the origin was contacted"
}

@test "an unlisted client's PROXY line gets 500 and never reaches the origin" {
	relay_start --proxy-protocol-from 127.0.0.1
	# ::1 is not listed: no header is read, the greeting comes at once.
	run pp -H ::1 none "$RELAY_PORT" "PROXY TCP4 127.0.0.2 127.0.0.1 4242 21" \
		"proxy TCP4 127.0.0.2 127.0.0.1 4242 21" "USER anonymous" QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 500* ]]
	[[ ${lines[2]} == 500* ]]
	[[ ${lines[3]} == 331* ]]
	grep -q 'client \[::1\]:[0-9]*: session start' "$RELAY_LOG"
	grep -q 'USER anonymous' "$ORIGIN_LOG"
	! grep -qi 'PROXY' "$ORIGIN_LOG" || fail "the origin saw the PROXY line"
}

@test "a v2 LOCAL health check is answered by ftprelay alone, and the origin is never contacted" {
	relay_start --proxy-protocol-from 127.0.0.1
	before=$(origin_connects)
	run pp v2local "$RELAY_PORT" QUIT
	echo "$output"
	[ "${lines[0]}" = "220 ftprelay ready (health check)." ]
	[[ ${lines[1]} == 221* ]]
	[ "${lines[2]}" = "<EOF>" ]
	# haproxy's checker closes right after the 220.
	run pp v2local "$RELAY_PORT"
	[[ ${lines[0]} == 220* ]]
	# haproxy's checks with v1 send-proxy say "PROXY UNKNOWN".
	run pp raw:$(hex 'PROXY UNKNOWN\r\n') "$RELAY_PORT" NOOP QUIT
	echo "$output"
	[[ ${lines[0]} == 220* ]]
	[[ ${lines[1]} == 530* ]]
	[[ ${lines[2]} == 221* ]]
	wait_no_ftprelay 5
	[ "$(origin_connects)" -eq "$before" ] || fail "a health check reached the origin"
	# ftprelay itself logs nothing for a check (the launcher does).
	! grep -q '^ftprelay:' "$RELAY_LOG" || fail "a health check left log lines"
	grep -c 'died with code 0' "$RELAY_LOG" | grep -qx 3
}

@test "--origin-proxy-protocol v1 and v2: haproxy in front of the origin sees the real client" {
	local hp
	for v in v1 v2; do
		hp=$(free_port)
		haproxy_accept_proxy "$hp" "127.0.0.1:$ORIGIN_PORT"
		relay_start_raw --origin "127.0.0.1:$hp" --origin-proxy-protocol "$v" \
			--proxy-protocol-from 127.0.0.1 --data-timeout 10
		run pp v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" \
			"TYPE I" "@GET 127.0.0.2 file.bin" QUIT
		echo "$output"
		grep -qx "DATA 300000 $SUM" <<<"$output" || fail "$v: the download is not intact"
		# A direct client (IPv6, not listed) through the same relay.
		run pp -H ::1 none "$RELAY_PORT" "USER anonymous" QUIT
		echo "$output"
		[[ ${lines[1]} == 331* ]]
		cat "$HAPROXY_LOG"
		grep -qx 'pp-client 127.0.0.2:4242' "$HAPROXY_LOG" ||
			fail "$v: the origin's hop did not see the header's client"
		grep -q '^pp-client ::1:[0-9]*$' "$HAPROXY_LOG" ||
			fail "$v: the origin's hop did not see the direct IPv6 client"
	done
}

@test "--origin-proxy-protocol with an origin chosen at USER (route map) or from an --origin list: the header comes before the greeting" {
	local hp
	hp=$(free_port)
	haproxy_accept_proxy "$hp" "127.0.0.1:$ORIGIN_PORT"
	printf 'alice 127.0.0.1:%s user=anonymous\n' "$hp" >"$T/routes.map"
	relay_start_raw --route-map "$T/routes.map" --origin-proxy-protocol v2 \
		--proxy-protocol-from 127.0.0.1 --data-timeout 10
	run pp v1:127.0.0.2:4242:127.0.0.1:21 "$RELAY_PORT" "USER alice" "PASS x" \
		"TYPE I" "@GET 127.0.0.2 file.bin" QUIT
	echo "$output"
	grep -qx "DATA 300000 $SUM" <<<"$output" || fail "routed: the download is not intact"
	grep -qx 'pp-client 127.0.0.2:4242' "$HAPROXY_LOG" ||
		fail "routed: the origin's hop did not see the header's client"
	# An --origin list whose first entry refuses: the second gets the header.
	relay_start_raw --origin "127.0.0.1:$(free_port),127.0.0.1:$hp" \
		--origin-proxy-protocol v1 --proxy-protocol-from 127.0.0.1
	run pp v1:127.0.0.3:4343:127.0.0.1:21 "$RELAY_PORT" "USER anonymous" "PASS x" QUIT
	echo "$output"
	[[ ${lines[2]} == 230* ]]
	grep -qx 'pp-client 127.0.0.3:4343' "$HAPROXY_LOG" ||
		fail "origin list: the origin's hop did not see the header's client"
}
