#!/usr/bin/env bats
# The transfer log (--xferlog FILE): one xferlog(5) record per transfer,
# appended by every session process, through ftprelay under
# systemd-socket-activate against a private vsftpd.

load ../lib/common

setup() {
	require_ftprelay
	require_cmd vsftpd systemd-socket-activate
	T=$BATS_TEST_TMPDIR
	# Root-owned, like /var/log: the sessions drop to nobody only after
	# opening the log.
	XDIR=$T/log
	mkdir -p "$XDIR"
	chmod 755 "$XDIR"
	XFERLOG=$XDIR/xferlog
}

teardown() {
	common_teardown
}

# well_formed FILE: every line is an xferlog(5) record: a date, then 13
# fields (service ftp, authentication 0 *, status c or i).
well_formed() {
	awk 'NF != 18 || $1 !~ /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)$/ || $5 !~ /^[0-9][0-9][0-9][0-9]$/ ||
	     $6 !~ /^[0-9]+$/ || $8 !~ /^[0-9]+$/ || $10 !~ /^[ab]$/ || $11 != "_" ||
	     $12 !~ /^[io]$/ || $13 !~ /^[ar]$/ || $15 != "ftp" || $16 != "0" ||
	     $17 != "*" || $18 !~ /^[ci]$/ { print "bad record " NR ": " $0; bad = 1 }
	     END { exit bad }' "$1"
}

@test "50 concurrent sessions of 20 transfers each leave exactly 1000 well-formed records whose byte counts match the files" {
	origin_start
	relay_start --xferlog "$XFERLOG"
	run timeout 120 "$PYTHON" "$TEST_LIB_DIR/xfer_load.py" 127.0.0.1 "$RELAY_PORT" \
		"$ORIGIN_ROOT" 50 20 "$T/manifest"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "transfers=1000 failed=0" ]
	wait_no_ftprelay 30
	# the file was made before the privilege drop: root's, 0640
	[ "$(stat -c '%U %a' "$XFERLOG")" = "root 640" ]
	[ "$(wc -l <"$XFERLOG")" -eq 1000 ] || fail "$(wc -l <"$XFERLOG") records instead of 1000"
	well_formed "$XFERLOG"
	# direction, path and bytes of every record, as a multiset, are
	# exactly those of the transfers the clients made; all complete, all
	# binary, all by the anonymous user from 127.0.0.1
	diff <(sort "$T/manifest") <(awk '{ print $12, $9, $8 }' "$XFERLOG" | sort)
	[ "$(awk '$18 == "c" && $10 == "b" && $13 == "a" && $14 == "anonymous" &&
		$7 == "127.0.0.1"' "$XFERLOG" | wc -l)" -eq 1000 ]
	# the same transfers, one log line each
	[ "$(grep -c ': transfer \(RETR\|STOR\) "' "$RELAY_LOG")" -eq 1000 ]
}

@test "an aborted download, a refused one and a listing each get a record, and only the listing is complete" {
	origin_start
	make_random_file "$ORIGIN_ROOT/big.bin" 32
	chmod 644 "$ORIGIN_ROOT/big.bin"
	relay_start --xferlog "$XFERLOG"
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/abor_client.py" ftplib "$RELAY_PORT" big.bin
	echo "$output"
	[ "$status" -eq 0 ]
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@example.com" "PASV" "RETR no such file"
	echo "$output"
	[[ $output == *"550"* ]]
	run curl_ftp --list-only "ftp://127.0.0.1:$RELAY_PORT/"
	echo "$output"
	[ "$status" -eq 0 ]
	wait_no_ftprelay 10
	cat "$XFERLOG"
	[ "$(wc -l <"$XFERLOG")" -eq 3 ]
	well_formed "$XFERLOG"
	# the abort: fewer bytes than the file, incomplete
	local big
	big=$(stat -c %s "$ORIGIN_ROOT/big.bin")
	run awk -v big="$big" '$9 == "big.bin" && $12 == "o" && $8 < big && $18 == "i"' "$XFERLOG"
	[ -n "$output" ] || fail "no incomplete record of big.bin"
	# the refused RETR: its spaces became '_', nothing moved, incomplete
	run awk '$9 == "no_such_file" && $8 == 0 && $18 == "i"' "$XFERLOG"
	[ -n "$output" ] || fail "no incomplete record of the refused RETR"
	# the listing (NLST without a path): '-' for the path, complete
	run awk '$9 == "-" && $12 == "o" && $18 == "c"' "$XFERLOG"
	[ -n "$output" ] || fail "no complete record of the listing"
	# the log lines say the same, with the reply codes
	grep -q 'transfer RETR "big.bin": [0-9]* bytes in [0-9.]* s, result 4[0-9][0-9] (incomplete)' "$RELAY_LOG"
	grep -q 'transfer RETR "no such file": 0 bytes in [0-9.]* s, result 550 (incomplete)' "$RELAY_LOG"
	grep -q 'transfer NLST "": [0-9]* bytes in [0-9.]* s, result 226 (complete)' "$RELAY_LOG"
}

@test "a transfer log that cannot be opened ends the session with 421 and a log line naming the file" {
	origin_start
	relay_start --xferlog "$T/no/such/dir/xferlog"
	run ftp_cmds "$RELAY_PORT" QUIT
	echo "$output"
	[[ ${lines[0]} == "421 "* ]]
	grep -q "xferlog $T/no/such/dir/xferlog: No such file or directory" "$RELAY_LOG"
}

@test "a download cut by the end of the session (SIGTERM) is recorded as incomplete, with no result code" {
	origin_start
	make_random_file "$ORIGIN_ROOT/big.bin" 32
	chmod 644 "$ORIGIN_ROOT/big.bin"
	relay_start --xferlog "$XFERLOG"
	# a slow client: the transfer is still running when the session ends
	start_bg "$T/curl.out" curl --silent --show-error --limit-rate 200k --max-time 60 \
		-o "$T/part.bin" "ftp://127.0.0.1:$RELAY_PORT/big.bin"
	local curl_pid=$BG_PID i
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/part.bin" ] && break
		sleep 0.05
	done
	[ -s "$T/part.bin" ] || fail "the download did not start"
	local pid
	pid=$(relay_sessions)
	[ -n "$pid" ]
	kill -TERM $pid
	wait_no_ftprelay 10
	stop_pid "$curl_pid"
	cat "$XFERLOG"
	[ "$(wc -l <"$XFERLOG")" -eq 1 ]
	well_formed "$XFERLOG"
	local big
	big=$(stat -c %s "$ORIGIN_ROOT/big.bin")
	awk -v big="$big" '$9 == "big.bin" && $8 > 0 && $8 < big && $18 == "i" { ok = 1 } END { exit !ok }' "$XFERLOG"
	grep -q 'transfer RETR "big.bin": [0-9]* bytes in [0-9.]* s, result none (incomplete)' "$RELAY_LOG"
}
