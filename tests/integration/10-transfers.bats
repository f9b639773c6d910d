#!/usr/bin/env bats
# Transfers through ftprelay: real clients (curl, lftp, python ftplib) talk
# to a private vsftpd origin through ftprelay run by systemd-socket-activate.

load ../lib/common

setup() {
	require_ftprelay
	require_cmd curl lftp vsftpd systemd-socket-activate
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

url() { printf 'ftp://127.0.0.1:%s/%s' "$RELAY_PORT" "$1"; }

# parse_227 LINE: print "ADDRESS PORT" of a 227 reply.
parse_227() {
	local nums
	nums=$(printf '%s\n' "$1" | sed -n 's/^227 .*(\([0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*\)).*/\1/p' | tr -d '\r')
	[ -n "$nums" ] || { fail "not a 227 reply: $1"; return 1; }
	local IFS=,
	set -- $nums
	printf '%s.%s.%s.%s %s\n' "$1" "$2" "$3" "$4" $(($5 * 256 + $6))
}

# parse_229 LINE: print the port of a 229 reply.
parse_229() {
	local port
	port=$(printf '%s\n' "$1" | sed -n 's/^229 .*(|||\([0-9]*\)|).*/\1/p')
	[ -n "$port" ] || { fail "not a 229 reply: $1"; return 1; }
	printf '%s\n' "$port"
}

@test "curl downloads an 8 MiB file through PASV with the right checksum" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/big.bin" 8
	curl_ftp -v --disable-epsv -o "$T/got.bin" "$(url big.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^< 227 ' "$T/curl.err" || { cat "$T/curl.err"; fail "curl did not get a 227 reply"; }
	[ "$(sha256_of "$T/got.bin")" = "$(sha256_of "$ORIGIN_ROOT/big.bin")" ]
	wait_no_ftprelay
}

@test "curl downloads an 8 MiB file through EPSV with the right checksum" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/big.bin" 8
	curl_ftp -v -o "$T/got.bin" "$(url big.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^< 229 ' "$T/curl.err" || { cat "$T/curl.err"; fail "curl did not get a 229 reply"; }
	[ "$(sha256_of "$T/got.bin")" = "$(sha256_of "$ORIGIN_ROOT/big.bin")" ]
	wait_no_ftprelay
}

@test "curl uploads an 8 MiB file through PASV and it lands intact on the origin" {
	origin_start
	relay_start
	make_random_file "$T/up.bin" 8
	curl_ftp -v --disable-epsv -T "$T/up.bin" "$(url upload/up.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^< 227 ' "$T/curl.err" || fail "curl did not get a 227 reply"
	grep -q '^< 226 ' "$T/curl.err" || fail "curl did not get a 226 reply"
	[ -f "$ORIGIN_ROOT/upload/up.bin" ] || fail "nothing landed on the origin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	wait_no_ftprelay
}

@test "curl uploads an 8 MiB file through EPSV and it lands intact on the origin" {
	origin_start
	relay_start
	make_random_file "$T/up.bin" 8
	curl_ftp -v -T "$T/up.bin" "$(url upload/up.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^< 229 ' "$T/curl.err" || fail "curl did not get a 229 reply"
	grep -q '^< 226 ' "$T/curl.err" || fail "curl did not get a 226 reply"
	[ -f "$ORIGIN_ROOT/upload/up.bin" ] || fail "nothing landed on the origin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	wait_no_ftprelay
}

@test "curl resumes a partial download (REST) and ends with the whole file" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/big.bin" 4
	head -c 1234567 "$ORIGIN_ROOT/big.bin" >"$T/got.bin"
	curl_ftp -v -C - -o "$T/got.bin" "$(url big.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^> REST 1234567' "$T/curl.err" || { cat "$T/curl.err"; fail "curl did not resume with REST"; }
	grep -q '^< 350 ' "$T/curl.err" || fail "REST was not accepted with 350"
	[ "$(stat -c %s "$T/got.bin")" -eq $((4 * 1048576)) ]
	[ "$(sha256_of "$T/got.bin")" = "$(sha256_of "$ORIGIN_ROOT/big.bin")" ]
}

@test "curl resumes a partial upload (APPE) and the origin ends with the whole file" {
	origin_start
	relay_start
	make_random_file "$T/up.bin" 4
	head -c 1000001 "$T/up.bin" >"$ORIGIN_ROOT/upload/up.bin"
	chown ftp:ftp "$ORIGIN_ROOT/upload/up.bin"
	curl_ftp -v -C - -T "$T/up.bin" "$(url upload/up.bin)" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^> APPE ' "$T/curl.err" || { cat "$T/curl.err"; fail "curl did not append"; }
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
}

@test "REST before STOR resumes an upload in the middle of the file" {
	origin_start
	relay_start
	make_random_file "$T/full.bin" 2
	head -c 700000 "$T/full.bin" >"$ORIGIN_ROOT/upload/r.bin"
	chown ftp:ftp "$ORIGIN_ROOT/upload/r.bin"
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$T/full.bin" <<'EOF'
import ftplib, io, sys
data = open(sys.argv[2], "rb").read()
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
f.login()
print(f.storbinary("STOR upload/r.bin", io.BytesIO(data[700000:]), rest=700000))
f.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == 226* ]]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/r.bin")" = "$(sha256_of "$T/full.bin")" ]
}

@test "curl directory listings show exactly the origin's file names" {
	origin_start
	relay_start
	make_random_bytes "$ORIGIN_ROOT/a.bin" 100
	make_random_bytes "$ORIGIN_ROOT/name with spaces.txt" 10
	: >"$ORIGIN_ROOT/empty"
	mkdir "$ORIGIN_ROOT/subdir"
	chmod -R a+rX "$ORIGIN_ROOT"
	curl_ftp -l "$(url '')" | tr -d '\r' | sort >"$T/nlst"
	(cd "$ORIGIN_ROOT" && ls -1A) | sort >"$T/want"
	diff -u "$T/want" "$T/nlst"
	# LIST (long form) too: the last field of every line is a name.
	curl_ftp --disable-epsv "$(url '')" | tr -d '\r' >"$T/list"
	[ "$(wc -l <"$T/list")" -eq "$(wc -l <"$T/want")" ]
	while read -r name; do
		grep -qF " $name" "$T/list" || fail "LIST lacks '$name'"
	done <"$T/want"
	wait_no_ftprelay
}

@test "lftp lists and mirrors a directory tree with every checksum equal" {
	origin_start
	relay_start
	mkdir -p "$ORIGIN_ROOT/tree/nested/deeper" "$ORIGIN_ROOT/tree/emptydir"
	make_random_file "$ORIGIN_ROOT/tree/one.bin" 1
	make_random_bytes "$ORIGIN_ROOT/tree/two.txt" 4097
	: >"$ORIGIN_ROOT/tree/zero"
	make_random_bytes "$ORIGIN_ROOT/tree/nested/three.bin" 300000
	make_random_file "$ORIGIN_ROOT/tree/nested/deeper/four.bin" 2
	chmod -R a+rX "$ORIGIN_ROOT"
	timeout 120 lftp -c "
		set ftp:passive-mode on; set net:max-retries 1; set net:timeout 10;
		set xfer:clobber on; set ftp:use-mlsd no; set cmd:fail-exit yes;
		open -u anonymous,test@example.com -p $RELAY_PORT 127.0.0.1;
		cls -1 /tree > $T/cls;
		ls /tree > $T/ls;
		mirror /tree $T/mirror;
		bye" 2>&1
	printf '%s\n' emptydir/ nested/ one.bin two.txt zero >"$T/cls.want"
	sed 's,^/tree/,,; s,^tree/,,' "$T/cls" | sort | diff -u "$T/cls.want" -
	[ "$(wc -l <"$T/ls")" -eq 5 ]
	(cd "$ORIGIN_ROOT/tree" && find . -type f -exec sha256sum {} + | sort -k2) >"$T/want.sums"
	(cd "$T/mirror" && find . -type f -exec sha256sum {} + | sort -k2) >"$T/got.sums"
	[ "$(wc -l <"$T/want.sums")" -eq 5 ]
	diff -u "$T/want.sums" "$T/got.sums"
	[ -d "$T/mirror/emptydir" ]
	wait_no_ftprelay
}

@test "one python ftplib session does 300 transfers (RETR, STOR, NLST; PASV and EPSV) all correct" {
	origin_start
	relay_start
	run timeout 150 "$PYTHON" "$TEST_LIB_DIR/ftp_many.py" 127.0.0.1 "$RELAY_PORT" "$ORIGIN_ROOT" 300
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "transfers=300 retr=100 stor=100 nlst=100" ]
	wait_no_ftprelay
}

@test "20 concurrent curl sessions (PASV and EPSV, down and up) all transfer intact, and every ftprelay process exits" {
	origin_start
	relay_start
	local i pids=()
	for i in $(seq 1 10); do
		make_random_bytes "$ORIGIN_ROOT/d$i.bin" $((300000 + i * 7919))
		make_random_bytes "$T/u$i.bin" $((200000 + i * 104729))
	done
	for i in $(seq 1 10); do
		local epsv=--disable-epsv
		((i % 2)) && epsv=--epsv
		curl_ftp $epsv -o "$T/d$i.got" "$(url "d$i.bin")" 2>"$T/d$i.err" &
		pids+=($!)
		curl_ftp $epsv -T "$T/u$i.bin" "$(url "upload/u$i.bin")" 2>"$T/u$i.err" &
		pids+=($!)
	done
	local failed=0 pid
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=$((failed + 1))
	done
	cat "$T"/*.err
	((failed == 0)) || fail "$failed curl run(s) failed"
	for i in $(seq 1 10); do
		[ "$(sha256_of "$T/d$i.got")" = "$(sha256_of "$ORIGIN_ROOT/d$i.bin")" ] || fail "d$i.bin differs"
		[ "$(sha256_of "$ORIGIN_ROOT/upload/u$i.bin")" = "$(sha256_of "$T/u$i.bin")" ] || fail "u$i.bin differs"
	done
	wait_no_ftprelay
}

@test "the origin's one-line 220 greeting reaches the client" {
	origin_start "ftpd_banner=Welcome to the test origin 4711"
	relay_start
	run ftp_cmds -v "$RELAY_PORT" QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "220 Welcome to the test origin 4711" ]
	[ "${lines[1]:0:4}" = "221 " ]
}

@test "the origin's multi-line 220 greeting reaches the client intact" {
	printf '%s\n' 'Line one of the banner' '230 this line looks like a final reply' '' \
		"$(printf 'x%.0s' {1..300})" 'last line' >"$T/banner"
	origin_start "banner_file=$T/banner"
	relay_start
	ftp_cmds -v "$ORIGIN_PORT" "USER anonymous" >"$T/direct"
	ftp_cmds -v "$RELAY_PORT" "USER anonymous" >"$T/relayed"
	cat "$T/relayed"
	# what vsftpd sends, to be sure the test sees a multi-line reply at all
	[ "$(head -n 1 "$T/direct")" = "220-Line one of the banner" ]
	grep -qx '220-230 this line looks like a final reply' "$T/direct"
	diff -u "$T/direct" "$T/relayed"
	[ "$(tail -n 1 "$T/relayed")" = "331 Please specify the password." ]
}

@test "after QUIT the client gets 221, the connection closes and the ftprelay process is gone" {
	origin_start
	relay_start
	exec 5<>"/dev/tcp/127.0.0.1/$RELAY_PORT"
	local line
	read -r -t 10 line <&5
	[[ $line == 220* ]]
	wait_sessions 1
	printf 'QUIT\r\n' >&5
	read -r -t 10 line <&5
	echo "$line"
	[[ $line == 221* ]]
	# then end-of-file
	run timeout 10 cat <&5
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	exec 5<&-
	wait_no_ftprelay
}

@test "when the origin ends the session (vsftpd's own idle timeout) the client gets its 421, the connection closes and ftprelay exits" {
	origin_start "idle_session_timeout=1"
	relay_start
	run ftp_cmds -t 20 --eof "$RELAY_PORT" "USER anonymous" "PASS test@example.com"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[2]} == "230 "* ]]
	[[ ${lines[3]} == "421 "* ]]
	[ "${lines[4]}" = "<EOF>" ]
	wait_no_ftprelay
}

@test "an idle session is closed after --idle-timeout and its ftprelay process exits" {
	origin_start
	relay_start --idle-timeout 2
	local t0=$EPOCHREALTIME
	run ftp_cmds -t 20 --eof "$RELAY_PORT" "USER anonymous" "PASS test@example.com"
	local ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
	echo "$output"
	echo "closed after $ms ms"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "<EOF>" ]
	((ms >= 1500 && ms < 10000))
	wait_no_ftprelay
}

@test "ABOR sent as TCP urgent data (python ftplib's abort()) after closing the data connection gets 426 then 225/226, and the session goes on" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/big.bin" 64
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/abor_client.py" ftplib "$RELAY_PORT" big.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^first=(426|225|226) ]]
	if [[ ${lines[0]} == first=426* ]]; then
		[[ ${lines[1]} =~ ^second=(225|226) ]] || fail "ABOR was not answered with 225/226"
	fi
	[ "${lines[-1]}" = "noop=200 NOOP ok." ]
	# the origin got the abort the RFC 959 way (Telnet IP, Synch, then
	# ABOR, which vsftpd logs as "????ABOR") and answered it
	grep -aq 'ABOR"$' "$ORIGIN_LOG" || fail "the origin never got ABOR: $(grep -a ABOR "$ORIGIN_LOG" | cut -c1-200 | cat -v)"
	grep -aEq '"22[56] ' "$ORIGIN_LOG" || fail "the origin did not answer the ABOR"
	wait_no_ftprelay
}

@test "ABOR after Telnet IP and Synch (RFC 959: IAC IP, urgent IAC, DM) gets 426 then 225/226, and the session goes on" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/big.bin" 64
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/abor_client.py" telnet "$RELAY_PORT" big.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == first=426* ]]
	[[ ${lines[1]} =~ ^second=(225|226) ]] || fail "ABOR was not answered with 225/226"
	[ "${lines[2]}" = "noop=200 NOOP ok." ]
	wait_no_ftprelay
}

@test "a client that never opens the data connection gets a 4xx after --data-timeout, and the session goes on" {
	origin_start
	relay_start --data-timeout 2
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	local t0=$EPOCHREALTIME
	run ftp_cmds -t 20 "$RELAY_PORT" "USER anonymous" "PASS test@example.com" PASV "RETR f.bin" NOOP
	local ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
	echo "$output"
	echo "took $ms ms"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "227 "* ]]
	[[ ${lines[-2]} =~ ^4[0-9][0-9]\  ]] || fail "the transfer did not end with a 4xx reply"
	[ "${lines[-1]}" = "200 NOOP ok." ]
	((ms >= 1500 && ms < 15000))
}

@test "PASV and EPSV replies name 127.0.0.1 and a port inside --pasv-ports" {
	origin_start
	local low high
	read -r low high < <(free_port_range 50)
	# keep the relay's range apart from the origin's
	while [ "$low" -ge "$ORIGIN_PASV_LOW" ] && [ "$low" -le "$ORIGIN_PASV_HIGH" ]; do
		read -r low high < <(free_port_range 50)
	done
	relay_start --pasv-ports "$low-$high"
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" PASV EPSV QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	local addr port
	read -r addr port < <(parse_227 "${lines[3]}")
	[ "$addr" = 127.0.0.1 ]
	(( port >= low && port <= high ))
	port=$(parse_229 "${lines[4]}")
	(( port >= low && port <= high ))
	# and a real transfer works through a port from that range
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	curl_ftp -v --disable-epsv -o "$T/f.bin" "$(url f.bin)" 2>"$T/curl.err"
	read -r addr port < <(parse_227 "$(grep '^< 227 ' "$T/curl.err" | sed 's/^< //')")
	[ "$addr" = 127.0.0.1 ]
	(( port >= low && port <= high ))
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
}

@test "an IPv6 client downloads and uploads through EPSV" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/f.bin" 2
	curl_ftp -v -g -o "$T/f.bin" "ftp://[::1]:$RELAY_PORT/f.bin" 2>"$T/curl.err" ||
		{ cat "$T/curl.err"; false; }
	grep -q '^< 229 ' "$T/curl.err"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	curl_ftp -g -T "$T/f.bin" "ftp://[::1]:$RELAY_PORT/upload/back.bin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/back.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
}

@test "an IPv4 client downloads from an IPv6 origin ([::1]:PORT) through PASV and EPSV" {
	origin_start6
	RELAY_ORIGIN="[::1]:$ORIGIN6_PORT" relay_start
	make_random_file "$ORIGIN6_ROOT/f.bin" 2
	curl_ftp --disable-epsv -o "$T/pasv.bin" "$(url f.bin)"
	curl_ftp -o "$T/epsv.bin" "$(url f.bin)"
	[ "$(sha256_of "$T/pasv.bin")" = "$(sha256_of "$ORIGIN6_ROOT/f.bin")" ]
	[ "$(sha256_of "$T/epsv.bin")" = "$(sha256_of "$ORIGIN6_ROOT/f.bin")" ]
}

@test "a data connection from another address (PASV) is refused while the client's own transfer succeeds" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/f.bin" 2
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/pasv_rogue.py" 127.0.0.1 "$RELAY_PORT" PASV f.bin 127.0.0.2
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "bytes=$((2 * 1048576)) sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" <<<"$output"
	grep -q '^final=226' <<<"$output"
	grep -Eqx 'rogue=(refused|closed|reset)' <<<"$output"
}

@test "a data connection from another address (EPSV) is refused while the client's own transfer succeeds" {
	origin_start
	relay_start
	make_random_file "$ORIGIN_ROOT/f.bin" 2
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/pasv_rogue.py" 127.0.0.1 "$RELAY_PORT" EPSV f.bin 127.0.0.2
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "bytes=$((2 * 1048576)) sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" <<<"$output"
	grep -q '^final=226' <<<"$output"
	grep -Eqx 'rogue=(refused|closed|reset)' <<<"$output"
}

@test "after EPSV ALL, PASV, PORT and EPRT are refused and EPSV transfers still work" {
	origin_start
	relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" "EPSV ALL" PASV \
		"PORT 127,0,0,1,200,10" "EPRT |1|127.0.0.1|51210|" EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "200 "* ]]
	[[ ${lines[4]} == 5* ]]
	[[ ${lines[5]} == 5* ]]
	[[ ${lines[6]} == 5* ]]
	[[ ${lines[7]} == "229 "* ]]
	[ "${lines[8]}" = "200 NOOP ok." ]
	make_random_file "$ORIGIN_ROOT/f.bin" 1
	run timeout 60 "$PYTHON" - "$RELAY_PORT" <<'PY'
import ftplib, hashlib, socket, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
f.login()
print(f.sendcmd("EPSV ALL"))
f.af = socket.AF_INET6  # makes ftplib use EPSV
h = hashlib.sha256()
print(f.retrbinary("RETR f.bin", h.update))
print("sha256=" + h.hexdigest())
f.quit()
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == 226* ]]
	[ "${lines[2]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
}

@test "PORT and EPRT to another host, a low port or the wrong family are refused and never reach the origin" {
	origin_start
	relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"PORT 127,0,0,2,200,10" "EPRT |1|127.0.0.2|51210|" "PORT 127,0,0,1,0,21" \
		"EPRT |2|::1|51210|" "EPRT |3|127.0.0.1|51210|" NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "500 "* ]]
	[[ ${lines[4]} == "500 "* ]]
	[[ ${lines[5]} == "500 "* ]]
	[[ ${lines[6]} == "522 "*"(1)"* ]]
	[[ ${lines[7]} == "522 "*"(1)"* ]]
	[ "${lines[8]}" = "200 NOOP ok." ]
	# the origin never saw them, and the refusals are logged
	! grep -Eq '"(PORT|EPRT) ' "$ORIGIN_LOG" || fail "an active-mode command reached the origin"
	grep -q "not the client's address" "$RELAY_LOG"
}
