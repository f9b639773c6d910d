#!/usr/bin/env bats
# The defects an attack review found (issue 15), each as its reproduction:
# urgent data on a data connection, timers that stopped counting, a
# complete download reported as failed, a log flood from refused data
# connections, the line limit after Telnet escaping, an IPv4-mapped EPRT,
# and a hostile origin's unsolicited replies and bare CRs.  Real vsftpd
# where it can show the defect, tests/lib/hostile_origin.py where it
# cannot misbehave; ftprelay under systemd-socket-activate.

load ../lib/common

setup() {
	require_ftprelay
	require_cmd vsftpd systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

attack() {
	timeout 90 "$PYTHON" "$TEST_LIB_DIR/attack_client.py" "$@"
}

# hostile_start [OPTIONS]: tests/lib/hostile_origin.py on $HOSTILE_PORT.
hostile_start() {
	HOSTILE_PORT=$(free_port)
	start_bg "$T/hostile.out" "$PYTHON" "$TEST_LIB_DIR/hostile_origin.py" \
		--log "$T/hostile.cmds" "$@" "$HOSTILE_PORT"
	wait_listening "$HOSTILE_PORT"
}

# cpu_ticks PID: user + system CPU time of PID, in clock ticks (1/100 s).
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $(($12 + $13))
}

# wait_file FILE: bounded wait (20 s) for FILE to exist.
wait_file() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "$1 never appeared"
}

# session_cpu_while MARK SECONDS: the CPU ticks the one running session
# used in SECONDS after MARK appeared.
session_cpu_while() {
	local pid a b
	wait_file "$1" || return 1
	pid=$(relay_sessions | head -n 1)
	[ -n "$pid" ] || fail "no session running" || return 1
	a=$(cpu_ticks "$pid")
	sleep "$2"
	b=$(cpu_ticks "$pid")
	echo $((b - a))
}

# line_at_time OUTPUT PATTERN: the time (seconds, 2 decimals) of the first
# timeline line matching PATTERN.
line_at_time() {
	awk -v p="$2" '$0 ~ p { print $1; exit }' <<<"$1"
}

# between VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed).
between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }' ||
		fail "$1 is not between $2 and $3"
}

# ------------------------------------------------------ 1. urgent data

@test "urgent data (MSG_OOB) in an upload: no busy loop, and the origin stores every in-band byte, as it does without ftprelay" {
	origin_start
	relay_start
	attack oob-upload "$RELAY_PORT" oob.bin 3 "$T/mark" >"$T/out" &
	local client=$!
	cpu=$(session_cpu_while "$T/mark" 2)
	wait "$client" || { cat "$T/out"; fail "client failed"; }
	cat "$T/out"
	grep -qx 'final=226 .*' "$T/out"
	{ head -c 131072 /dev/zero | tr '\0' A; head -c 1000 /dev/zero | tr '\0' B; } >"$T/expect"
	[ "$(stat -c %s "$ORIGIN_ROOT/upload/oob.bin")" -eq 132072 ]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/oob.bin")" = "$(sha256_of "$T/expect")" ]
	# 2 s of a busy loop would be 200 ticks; an idle relay uses none.
	[ "$cpu" -le 20 ] || fail "the session used $cpu ticks of CPU in 2 s"
}

@test "urgent data (MSG_OOB) in a download from a hostile origin: no busy loop, and the client gets every in-band byte and the 226" {
	hostile_start --oob
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT relay_start
	attack oob-download "$RELAY_PORT" file.bin 0 "$T/mark" >"$T/out" &
	local client=$!
	cpu=$(session_cpu_while "$T/mark" 0.3)
	wait "$client" || { cat "$T/out"; fail "client failed"; }
	cat "$T/out"
	{ head -c 65536 /dev/zero | tr '\0' A; head -c 5000 /dev/zero | tr '\0' B; } >"$T/expect"
	grep -qx "bytes=70536 sha256=$(sha256_of "$T/expect")" "$T/out"
	grep -qx 'final=226 .*' "$T/out"
	[ "$cpu" -le 10 ] || fail "the session used $cpu ticks of CPU in 0.3 s"
}

# ------------------------------------------------------------- 2. timers

@test "a RETR whose data port is never connected: 426 after --data-timeout 3, then the idle 421 --idle-timeout 4 after that" {
	origin_start
	# Small enough for the origin to send it all and say 226 at once:
	# the 426 is then ftprelay's own.
	make_random_bytes "$ORIGIN_ROOT/small.bin" 102400
	relay_start --data-timeout 3 --idle-timeout 4
	run attack timeline "$RELAY_PORT" 15 "USER anonymous" "PASS x@y" "TYPE I" EPSV "RETR! small.bin"
	echo "$output"
	t426=$(line_at_time "$output" '^[0-9.]+ 426 ')
	t421=$(line_at_time "$output" '^[0-9.]+ 421 ')
	between "$t426" 2.5 5
	between "$t421" "$(awk -v t="$t426" 'BEGIN { print t + 3.5 }')" "$(awk -v t="$t426" 'BEGIN { print t + 6 }')"
	[[ $output == *"<EOF>"* ]]
}

@test "after a normal download with --data-timeout 20 --idle-timeout 3, the idle 421 comes about 3 s after the 226, not 20 s" {
	origin_start
	make_random_bytes "$ORIGIN_ROOT/small.bin" 102400
	relay_start --data-timeout 20 --idle-timeout 3
	run attack timeline "$RELAY_PORT" 15 "USER anonymous" "PASS x@y" "TYPE I" EPSV "RETR small.bin"
	echo "$output"
	t226=$(line_at_time "$output" '^[0-9.]+ 226 ')
	t421=$(line_at_time "$output" '^[0-9.]+ 421 Idle')
	[ -n "$t226" ]
	between "$t421" "$(awk -v t="$t226" 'BEGIN { print t + 2.5 }')" "$(awk -v t="$t226" 'BEGIN { print t + 5 }')"
}

# ------------------------------------------ 3. a reset after the whole file

@test "downloads read to the end, then reset by the client (SO_LINGER 0): every one ends with the origin's 226" {
	origin_start
	make_random_file "$ORIGIN_ROOT/big.bin" 1
	make_random_bytes "$ORIGIN_ROOT/small.bin" 3072
	relay_start
	attack reset-after-eof "$RELAY_PORT" big.bin 20 >"$T/big"
	attack reset-after-eof "$RELAY_PORT" small.bin 20 >"$T/small"
	sort "$T/big" "$T/small" | uniq -c
	grep -qx 'bad=0' "$T/big"
	grep -qx 'bad=0' "$T/small"
	[ "$(grep -c '^final=226 ' "$T/big")" -eq 20 ]
	[ "$(grep -c '^final=226 ' "$T/small")" -eq 20 ]
}

@test "a download reset by the client long before its end gets 426, and the log says the client reset it" {
	origin_start
	make_random_file "$ORIGIN_ROOT/huge.bin" 64
	relay_start
	run "$PYTHON" - "$RELAY_PORT" <<'EOF'
import ftplib, socket, struct, sys
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", int(sys.argv[1]), timeout=30)
ftp.login("anonymous", "x@y")
ftp.voidcmd("TYPE I")
conn = ftp.transfercmd("RETR huge.bin")
conn.recv(65536)
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
conn.close()
try:
    print("final=" + ftp.getresp())
except ftplib.Error as e:
    print("final=" + str(e))
ftp.quit()
EOF
	echo "$output"
	[[ $output == *"final=426 "* ]]
	grep -q 'data transfer aborted: .*reset by the client' "$RELAY_LOG"
}

# ------------------------------------------ 4. refused data connections

@test "a stranger hammering a passive listener: the refusals are logged in summary, and the listener closes after --data-timeout when no transfer follows" {
	origin_start
	relay_start --data-timeout 3
	attack hold-pasv "$RELAY_PORT" 5 >"$T/out" &
	local client=$!
	for ((i = 0; i < 100; i++)); do grep -q '^port=' "$T/out" && break; sleep 0.05; done
	port=$(sed -n 's/^port=//p' "$T/out")
	[ -n "$port" ]
	run "$PYTHON" - "$port" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
n = 0
end = time.monotonic() + 2
while time.monotonic() < end and n < 1000:
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port))
        n += 1
    except OSError:
        pass
    s.close()
print("connects=%d" % n)
time.sleep(max(0, end + 2 - time.monotonic()))
s = socket.socket()
try:
    s.connect(("127.0.0.1", port))
    print("after=open")
except ConnectionRefusedError:
    print("after=refused")
EOF
	echo "$output"
	wait "$client"
	cat "$T/out"
	connects=$(sed -n 's/^connects=//p' <<<"$output")
	# more than the three logged one by one (how many more depends on the
	# machine's load), so a summary must follow
	[ "$connects" -ge 5 ]
	[[ $output == *"after=refused"* ]]
	refused=$(grep -c 'data connection from .* refused' "$RELAY_LOG" || true)
	[ "$refused" -le 3 ] || fail "$refused refusal lines for $connects connections"
	grep -q 'more data connection.* refused' "$RELAY_LOG"
	grep -q '^final=425 ' "$T/out"
}

# ---------------------------------------------- 5. Telnet escaping

@test "a line within the limit that Telnet escaping makes longer than 4096 bytes gets 500 from ftprelay, and the session goes on" {
	origin_start
	relay_start
	long=$(printf 'SIZE '; for ((i = 0; i < 2100; i++)); do printf '\\xff\\xff'; done)
	fits=$(printf 'SIZE '; for ((i = 0; i < 2040; i++)); do printf '\\xff\\xff'; done)
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y" "$long" NOOP "$fits" NOOP
	echo "$output"
	[ "${lines[3]:0:4}" = "500 " ]
	[[ ${lines[3]} == *"too long"* ]]
	[ "${lines[4]:0:4}" = "200 " ]
	# 5 + 4080 + 2 bytes once escaped: vsftpd gets it and answers it.
	[ "${lines[5]:0:4}" = "550 " ]
	[ "${lines[6]:0:4}" = "200 " ]
	! grep -q 'too long' "$ORIGIN_LOG"
}

# ---------------------------------------------------- 6. smaller things

@test "EPRT |1| with an IPv4-mapped IPv6 address is refused at EPRT with 501" {
	origin_start
	relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y" "EPRT |1|::ffff:127.0.0.1|40000|" NOOP
	echo "$output"
	[ "${lines[3]:0:4}" = "501 " ]
	[ "${lines[4]:0:4}" = "200 " ]
}

@test "a hostile origin's reply to no command (an extra 227 naming 10.9.9.9) is dropped and logged; the client's replies stay in step" {
	hostile_start --extra 'TYPE=227 Entering Passive Mode (10,9,9,9,4,1)'
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT relay_start
	run attack timeline "$RELAY_PORT" 2 "USER a" "PASS b" "TYPE I" SLEEP:0.5 NOOP PWD SYST QUIT
	echo "$output"
	[[ $output != *"10,9,9,9"* ]]
	grep -q ' 200 OK' <<<"$output"
	grep -q ' 257 "/"' <<<"$output"
	grep -q ' 215 UNIX' <<<"$output"
	grep -q 'reply to no command.*227' "$RELAY_LOG"
}

@test "a hostile origin's 227 as the reply to another command never reaches the client" {
	hostile_start --reply 'NOOP=227 Entering Passive Mode (10,9,9,9,4,1)'
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT relay_start
	run attack timeline "$RELAY_PORT" 2 "USER a" "PASS b" NOOP PWD QUIT
	echo "$output"
	[[ $output != *"10,9,9,9"* ]]
	grep -q ' 257 "/"' <<<"$output"
}

@test "a bare CR inside an origin reply reaches the client as a space, never as a line break" {
	hostile_start --reply 'PWD=257 "/" is cwd.\r227 Entering Passive Mode (10,9,9,9,4,1)'
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT relay_start
	run attack timeline "$RELAY_PORT" 2 "USER a" "PASS b" PWD QUIT
	echo "$output"
	grep -q ' 257 "/" is cwd. 227 Entering' <<<"$output"
	! grep -q $'\r' <<<"$output"
}
