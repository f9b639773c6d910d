#!/usr/bin/env bats
# Load: many sessions at once through ftprelay run by systemd-socket-activate
# (one process per session, no cap), against a private vsftpd origin
# (max_clients=0, max_per_ip=0, 1000 passive ports).

load ../lib/common

setup() {
	require_ftprelay
	require_cmd vsftpd systemd-socket-activate
}

teardown() {
	common_teardown
}

@test "200 concurrent sessions each download and upload a distinct 64-256 KiB file with the right checksums, and every ftprelay process exits" {
	origin_start
	relay_start
	local t0=$EPOCHREALTIME
	run timeout 240 "$PYTHON" "$TEST_LIB_DIR/ftp_load.py" 127.0.0.1 "$RELAY_PORT" "$ORIGIN_ROOT" 200
	echo "$output"
	[ "$status" -eq 0 ]
	# all 200 were logged in at the same time
	[ "${lines[0]}" = "sessions=200 concurrent=200 ok=200 failed=0" ]
	wait_no_ftprelay 60
	echo "all ftprelay processes gone after $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms"
	[ "$(grep -c '^Child [0-9]* died with code 0$' "$RELAY_LOG")" -eq 200 ] ||
		fail "not every session exited 0: $(grep '^Child ' "$RELAY_LOG" | grep -v 'code 0$' | head)"
	[ "$(find "$ORIGIN_ROOT/upload" -type f | wc -l)" -eq 200 ]
}
