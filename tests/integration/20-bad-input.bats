#!/usr/bin/env bats
# Bad input: dirty control lines, a dead origin, bad options and config
# files. What a user sees: reply codes, exit status, one-line messages.

load ../lib/common

setup() {
	require_ftprelay
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# a_line N: N 'A's.
a_line() { printf 'A%.0s' $(seq 1 "$1"); }

# dead_port: a loopback port with nothing listening.
dead_port() { free_port; }

# expect_usage_error ARGS...: ftprelay ARGS exits 100 with one line on
# stderr, with no client attached and with one attached (which gets 421).
# Leaves the stderr text in $usage_msg.
expect_usage_error() {
	run --separate-stderr timeout 10 "$FTPRELAY" "$@" </dev/null
	echo "args: $* -> status $status, stdout: '$output', stderr: '$stderr'"
	[ "$status" -eq 100 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "expected exactly one line on stderr"
	usage_msg=$stderr

	run run_attached -t 10 --stderr "$T/err2" -- "$FTPRELAY" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "421 "* ]] || fail "the attached client got no 421 line"
	[ "${lines[-1]}" = "EXIT 100" ]
	[ "${#lines[@]}" -eq 2 ]
	cat "$T/err2"
	[ "$(grep -c . "$T/err2")" -eq 1 ] || fail "expected exactly one line on stderr"
}

@test "an overlong command line (5000 bytes) gets 500, is not forwarded, and the session goes on" {
	origin_start
	relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"NOOP $(a_line 5000)" NOOP QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "500"* ]]
	[ "${lines[4]}" = "200 NOOP ok." ]
	[[ ${lines[5]} == "221"* ]]
	# vsftpd logs every command it gets: the long line never arrived.
	! grep -q AAAAAAAAAAAAAAAAAAAA "$ORIGIN_LOG" || fail "the overlong line reached the origin"
	wait_no_ftprelay
}

@test "a line of exactly 4096 bytes with CRLF is relayed, one of 4097 bytes gets 500" {
	origin_start
	relay_start
	# "USER " + name + CRLF; vsftpd answers any non-anonymous USER with 530.
	run ftp_cmds "$RELAY_PORT" "USER $(printf 'u%.0s' $(seq 1 4089))" \
		"USER $(printf 'v%.0s' $(seq 1 4090))" "USER anonymous"
	echo "$output" | cut -c1-100
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "530 "* ]] || fail "the 4096-byte line was not relayed to the origin"
	[[ ${lines[2]} == "500"* ]]
	[[ ${lines[3]} == "331 "* ]]
	grep -q uuuuuuuuuuuuuuuuuuuuuu "$ORIGIN_LOG"
	! grep -q vvvvvvvvvvvvvvvvvvvvvvvv "$ORIGIN_LOG" || fail "the 4097-byte line reached the origin"
}

@test "a command line with a NUL byte gets 500, is not forwarded, and the session goes on" {
	origin_start
	relay_start
	# vsftpd would answer the first with 500 too, but would turn the NUL of
	# the second into a newline and create a directory.
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		'NOOP\x00nulmarker' 'MKD upload/nul\x00marker' NOOP QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "500"* ]]
	[[ ${lines[4]} == "500"* ]]
	[ "${lines[5]}" = "200 NOOP ok." ]
	[[ ${lines[6]} == "221"* ]]
	! grep -qi nulmarker "$ORIGIN_LOG" || fail "a line with a NUL reached the origin"
	[ -z "$(ls -A "$ORIGIN_ROOT/upload")" ] || fail "the origin created: $(ls -A "$ORIGIN_ROOT/upload")"
	wait_no_ftprelay
}

@test "a verb ended by a tab or a line with a bare CR gets 500 and never reaches the origin" {
	origin_start
	relay_start
	# ProFTPD splits the verb at any white space: relayed, the first would
	# be a PORT to a third party there; the second hides a PORT behind CR.
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		'PORT\t127,0,0,2,0,25' 'NOOP\rPORT 127,0,0,2,0,25' 'MKD\tupload/tabmarker' NOOP QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "500 "* ]]
	[[ ${lines[4]} == "500 "* ]]
	[[ ${lines[5]} == "500 "* ]]
	[ "${lines[6]}" = "200 NOOP ok." ]
	! grep -aq "PORT\|tabmarker" "$ORIGIN_LOG" || fail "a smuggled command reached the origin"
	[ -z "$(ls -A "$ORIGIN_ROOT/upload")" ] || fail "the origin created: $(ls -A "$ORIGIN_ROOT/upload")"
	grep -q "malformed command line refused" "$RELAY_LOG"
	wait_no_ftprelay
}

@test "passwords never appear in ftprelay's log, not even in rejected lines" {
	origin_start
	relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS Secret-Pw-1-9f3a" \
		"PASS Secret-Pw-2-9f3a\x00tail" "PASS Secret-Pw-3-9f3a$(a_line 5000)" \
		"pass Secret-Pw-4-9f3a" QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[2]} == "230"* ]]
	[[ ${lines[3]} == "500"* ]]
	[[ ${lines[4]} == "500"* ]]
	cat "$RELAY_LOG"
	! grep -q 'Secret-Pw' "$RELAY_LOG" || fail "a password is in the log"
	wait_no_ftprelay
	! grep -q 'Secret-Pw' "$RELAY_LOG" || fail "a password is in the log"
}

@test "a dead origin: the client gets a 421 line and ftprelay exits with status 111" {
	local port
	port=$(dead_port)
	run run_attached -t 20 --stderr "$T/err" -- "$FTPRELAY" --user nobody --origin "127.0.0.1:$port" --connect-timeout 5
	echo "$output"
	cat "$T/err"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "421 "* ]]
	[ "${lines[-1]}" = "EXIT 111" ]
	[ -s "$T/err" ] || fail "no log line says why"
}

@test "an origin given by name goes through the resolver and serves a download" {
	# Address literals skip the resolver; a name must still work.
	getent ahosts localhost | grep -q '^127\.0\.0\.1' || fail "localhost does not resolve to 127.0.0.1 on this machine"
	origin_start
	RELAY_ORIGIN="localhost:$ORIGIN_PORT" relay_start
	make_random_file "$ORIGIN_ROOT/n.bin" 1
	curl_ftp -o "$T/n.bin" "ftp://127.0.0.1:$RELAY_PORT/n.bin"
	[ "$(sha256_of "$T/n.bin")" = "$(sha256_of "$ORIGIN_ROOT/n.bin")" ]
	grep -q "session start: origin 127.0.0.1:$ORIGIN_PORT" "$RELAY_LOG"
	wait_no_ftprelay
}

@test "an origin name that does not resolve: the client gets 421, the log names it, exit 111" {
	# Bound the resolver's wait where no name server answers.
	RES_OPTIONS="timeout:1 attempts:1" \
		run run_attached -t 20 --stderr "$T/err" -- "$FTPRELAY" --user nobody --origin "no-such-origin.invalid:21"
	echo "$output"
	cat "$T/err"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "421 "* ]]
	[ "${lines[-1]}" = "EXIT 111" ]
	grep -q "cannot resolve no-such-origin.invalid" "$T/err"
}

@test "an origin that accepts but never greets: after --connect-timeout the client gets 421 and ftprelay exits 111" {
	local port
	port=$(free_port)
	start_bg "$T/silent.log" "$PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
' "$port"
	wait_listening "$port"
	local t0=$EPOCHREALTIME
	run run_attached -t 30 --stderr "$T/err" -- "$FTPRELAY" --user nobody --origin "127.0.0.1:$port" --connect-timeout 2
	local ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
	echo "$output"
	cat "$T/err"
	echo "took $ms ms"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "421 "* ]]
	[ "${lines[-1]}" = "EXIT 111" ]
	((ms >= 1500 && ms < 10000))
}

@test "a dead origin behind the launcher: the client reads 421, then the connection closes" {
	ORIGIN_PORT=$(dead_port)
	relay_start --connect-timeout 5
	run ftp_cmds -t 20 --eof "$RELAY_PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "421 "* ]]
	[ "${lines[1]}" = "<EOF>" ]
	wait_no_ftprelay
	# systemd-socket-activate reports the exit status of its child.
	grep -q 'died with code 111' "$RELAY_LOG"
}

@test "an unknown option exits 100 with one line on stderr, and an attached client gets 421" {
	expect_usage_error --origin 127.0.0.1:21 --bogus
	[[ $usage_msg == *bogus* ]] || fail "the message does not name the option"
}

@test "--idle-timeout abc is rejected with exit status 100" {
	expect_usage_error --origin 127.0.0.1:21 --idle-timeout abc
	[[ $usage_msg == *abc* || $usage_msg == *idle-timeout* ]]
}

@test "--pasv-ports 5000-4000 (low above high) is rejected with exit status 100" {
	expect_usage_error --origin 127.0.0.1:21 --pasv-ports 5000-4000
}

@test "an empty --origin is rejected with exit status 100" {
	expect_usage_error --origin ''
}

@test "an origin port above 65535 is rejected with exit status 100" {
	expect_usage_error --origin 127.0.0.1:99999
}

@test "an option without its value is rejected with exit status 100" {
	expect_usage_error --origin 127.0.0.1:21 --connect-timeout
}

@test "started as root without --user, ftprelay refuses to serve: 421 and exit status 100" {
	[ "$(id -u)" -eq 0 ] || fail "this test must run as root"
	expect_usage_error --origin 127.0.0.1:21
	[[ $usage_msg == *root* && $usage_msg == *--user* ]] || fail "the message does not say why"
}

@test "--user naming no existing user is rejected with exit status 100" {
	expect_usage_error --origin 127.0.0.1:21 --user no-such-user-ftprelay
	[[ $usage_msg == *no-such-user-ftprelay* ]]
}

@test "no origin at all is rejected with exit status 100" {
	expect_usage_error --idle-timeout 60
}

@test "a missing config file is rejected with exit status 100, naming the file" {
	expect_usage_error --config "$T/does-not-exist.conf"
	[[ $usage_msg == *does-not-exist.conf* ]]
}

@test "an unknown key in the config file is rejected with exit status 100, naming the key" {
	printf '%s\n' '# test config' 'origin = 127.0.0.1:21' 'frobnicate = 3' >"$T/ftprelay.conf"
	expect_usage_error --config "$T/ftprelay.conf"
	[[ $usage_msg == *frobnicate* ]]
}

@test "a bad value in the config file is rejected with exit status 100" {
	printf '%s\n' 'origin = 127.0.0.1:21' 'idle-timeout = soon' >"$T/ftprelay.conf"
	expect_usage_error --config "$T/ftprelay.conf"
}

@test "settings from the config file are used (origin, pasv-ports)" {
	origin_start
	local low high
	read -r low high < <(free_port_range 50)
	while ((low >= ORIGIN_PASV_LOW && low <= ORIGIN_PASV_HIGH)); do
		read -r low high < <(free_port_range 50)
	done
	cat >"$T/ftprelay.conf" <<EOF
# the origin for this test
origin = 127.0.0.1:$ORIGIN_PORT

pasv-ports = $low-$high
EOF
	relay_start_raw --config "$T/ftprelay.conf"
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	curl_ftp -v --disable-epsv -o "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/f.bin" 2>"$T/curl.err" ||
		{ cat "$T/curl.err" "$RELAY_LOG"; false; }
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	local nums port
	nums=$(sed -n 's/^< 227 .*(\(.*\)).*/\1/p' "$T/curl.err")
	port=$(($(cut -d, -f5 <<<"$nums") * 256 + $(cut -d, -f6 <<<"$nums")))
	echo "227: $nums -> port $port, range $low-$high"
	((port >= low && port <= high))
}

@test "the command line overrides the config file" {
	origin_start
	local dead
	dead=$(dead_port)
	printf 'origin = 127.0.0.1:%s\n' "$dead" >"$T/ftprelay.conf"
	relay_start_raw --config "$T/ftprelay.conf" --origin "127.0.0.1:$ORIGIN_PORT"
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	curl_ftp -o "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/f.bin"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	# and the other order on the command line too
	stop_pid "$RELAY_PID"
	relay_start_raw --origin "127.0.0.1:$ORIGIN_PORT" --config "$T/ftprelay.conf"
	rm -f "$T/f.bin"
	curl_ftp -o "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/f.bin"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
}

@test "--version prints the version and exits 0" {
	run timeout 10 "$FTPRELAY" --version </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ ^ftprelay\ [0-9]+\.[0-9]+ ]]
	local want
	want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "${TOP_BUILDDIR:-/nonexistent}/config.h" 2>/dev/null || true)
	if [ -n "$want" ]; then
		[ "$output" = "ftprelay $want" ]
	fi
}

@test "--help prints the usage and exits 0" {
	run timeout 10 "$FTPRELAY" --help </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *--origin* ]]
	[[ $output == *--pasv-ports* ]]
}
