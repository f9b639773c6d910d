#!/usr/bin/env bats
# Data connections: every client data mode (PASV, EPSV, PORT, EPRT; IPv4
# and IPv6) against every --origin-data-mode (passive, active, client),
# mixed address families, and the address-safety rules: PORT/EPRT only to
# the client's own address and ports >= 1024, data connections only from
# the client or the origin, the origin's 227/229 address ignored and its
# privileged ports refused, a busy --pasv-ports range.

load ../lib/common

setup() {
	require_ftprelay
	require_cmd curl vsftpd systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
}

teardown() {
	# Put back the port range a test narrowed.
	local k
	for k in ip_local_port_range ip_local_reserved_ports; do
		if [ -f "$T/$k" ]; then
			cat "$T/$k" >"/proc/sys/net/ipv4/$k"
		fi
	done
	common_teardown
}

# ------------------------------------------------------------------ helpers

# client_kind KIND: how curl is told to use KIND, and what it must then
# send and be answered. Sets KIND_OPTS (array), KIND_HOST (URL host),
# KIND_SENDS and KIND_GETS (the start of a "> " and a "< " line of curl -v).
client_kind() {
	case $1 in
	v4-pasv) KIND_OPTS=(--disable-epsv) KIND_HOST=127.0.0.1 KIND_SENDS='PASV' KIND_GETS='227 ' ;;
	v4-epsv) KIND_OPTS=() KIND_HOST=127.0.0.1 KIND_SENDS='EPSV' KIND_GETS='229 ' ;;
	v4-port) KIND_OPTS=(--ftp-port 127.0.0.1 --disable-eprt) KIND_HOST=127.0.0.1 \
		KIND_SENDS='PORT 127,0,0,1,' KIND_GETS='200 PORT ' ;;
	v4-eprt) KIND_OPTS=(--ftp-port 127.0.0.1) KIND_HOST=127.0.0.1 \
		KIND_SENDS='EPRT |1|127.0.0.1|' KIND_GETS='200 EPRT ' ;;
	v6-epsv) KIND_OPTS=(-g) KIND_HOST='[::1]' KIND_SENDS='EPSV' KIND_GETS='229 ' ;;
	v6-eprt) KIND_OPTS=(-g --ftp-port ::1) KIND_HOST='[::1]' \
		KIND_SENDS='EPRT |2|::1|' KIND_GETS='200 EPRT ' ;;
	*) fail "unknown client kind $1" ;;
	esac
}

# curl_kind KIND NAME CURL_ARGS...: run curl -v in KIND against the relay,
# trace in $T/NAME.err, and check that curl used the data mode KIND stands
# for. An argument %PATH stands for the URL of PATH on the relay (several
# URLs: curl does them in one session).
curl_kind() {
	local kind=$1 name=$2 arg args=()
	shift 2
	client_kind "$kind" || return 1
	for arg in "$@"; do
		case $arg in
		%*) args+=("ftp://$KIND_HOST:$RELAY_PORT/${arg#%}") ;;
		*) args+=("$arg") ;;
		esac
	done
	curl_ftp -v "${KIND_OPTS[@]}" "${args[@]}" 2>"$T/$name.err" ||
		{ cat "$T/$name.err"; fail "curl ($kind) failed: $name"; return 1; }
	grep -qF "> $KIND_SENDS" "$T/$name.err" ||
		{ cat "$T/$name.err"; fail "curl did not send $KIND_SENDS ($kind)"; return 1; }
	grep -qF "< $KIND_GETS" "$T/$name.err" ||
		{ cat "$T/$name.err"; fail "curl did not get $KIND_GETS ($kind)"; return 1; }
}

# origin_data_cmds LOG: the data-channel commands the origin received, in
# order, one per line (the verb and, for EPRT/PORT, the argument).
origin_data_cmds() {
	sed -n 's/.*FTP command: Client "[^"]*", "\(\(EPSV\|PASV\|EPRT\|PORT\)[^"]*\)"$/\1/p' "$1"
}

# expect_origin_cmds LOG PATTERN...: the origin received exactly one
# data-channel command per PATTERN (grep -E, anchored), in that order.
expect_origin_cmds() {
	local log=$1 got pat i=0
	shift
	mapfile -t got < <(origin_data_cmds "$log")
	[ "${#got[@]}" -eq $# ] ||
		{ fail "origin got ${#got[@]} data commands, expected $#: ${got[*]}"; return 1; }
	for pat in "$@"; do
		[[ ${got[i]} =~ ^$pat$ ]] ||
			{ fail "origin data command $((i + 1)) is '${got[i]}', expected /$pat/"; return 1; }
		i=$((i + 1))
	done
}

# origin_cmd_for MODE KIND: the command ftprelay must send an IPv4 origin
# for a client in KIND under --origin-data-mode MODE (a pattern).
origin_cmd_for() {
	case $1:$2 in
	passive:* | client:*-pasv | client:*-epsv) printf '%s\n' 'EPSV' ;;
	active:* | client:*-port | client:*-eprt) printf '%s\n' 'EPRT \|1\|127\.0\.0\.1\|[0-9]+\|' ;;
	esac
}

# matrix MODE KIND: one origin, one relay with --origin-data-mode MODE, a
# download and an upload by curl in KIND, both checksums compared, and the
# origin saw the data command MODE calls for.
matrix() {
	local mode=$1 kind=$2 want
	origin_start
	relay_start --origin-data-mode "$mode"
	make_random_bytes "$ORIGIN_ROOT/down.bin" 1572869
	make_random_bytes "$T/up.bin" 1048583
	curl_kind "$kind" down -o "$T/down.bin" %down.bin
	[ "$(sha256_of "$T/down.bin")" = "$(sha256_of "$ORIGIN_ROOT/down.bin")" ] ||
		fail "the download differs"
	curl_kind "$kind" up -T "$T/up.bin" %upload/up.bin
	[ -f "$ORIGIN_ROOT/upload/up.bin" ] || fail "nothing landed on the origin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ] ||
		fail "the upload differs"
	want=$(origin_cmd_for "$mode" "$kind")
	expect_origin_cmds "$ORIGIN_LOG" "$want" "$want"
	wait_no_ftprelay
}

# watch_start ADDR:PORT...: tcp_watch.py on those addresses (port 0: any);
# sets WATCH_LOG and WATCH_PORT (the port of the first address).
watch_start() {
	WATCH_LOG=$T/watch.log
	start_bg "$WATCH_LOG" "$PYTHON" "$TEST_LIB_DIR/tcp_watch.py" "$@"
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qx ready "$WATCH_LOG" && break
		_alive "$BG_PID" || break
		sleep 0.05
	done
	grep -qx ready "$WATCH_LOG" || { cat "$WATCH_LOG"; fail "tcp_watch did not start"; return 1; }
	WATCH_PORT=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$WATCH_LOG")
}

# watch_quiet [SECONDS]: after SECONDS (default 1), nothing has connected
# to the watched addresses.
watch_quiet() {
	sleep "${1:-1}"
	! grep '^connect ' "$WATCH_LOG" || fail "something connected to a watched address"
}

# free_low_port: a privileged port (below 1024) nobody listens on.
free_low_port() {
	local p
	for p in $(seq 1001 -7 800); do
		if ! ss -Htln "sport = :$p" | grep -q .; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	fail "no free port below 1024"
}

# one_port_apart: a port below the ephemeral range (so that no client
# socket takes it), outside the origin's passive range, and without any
# socket on it (not even TIME_WAIT), for a one-port --pasv-ports.
one_port_apart() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + RANDOM % 22000))
		if [ "$p" -ge "$ORIGIN_PASV_LOW" ] && [ "$p" -le "$ORIGIN_PASV_HIGH" ]; then
			continue
		fi
		if ! ss -Htan "sport = :$p" | grep -q .; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	fail "no free port for --pasv-ports"
}

# filter_start ARGS...: ftp_filter.py on 127.0.0.1:$FILTER_PORT in front of
# the origin, with ARGS (--refuse VERB[:CODE], --fake-port N); its log of
# commands is $FILTER_LOG.
filter_start() {
	FILTER_PORT=$(free_port) || return 1
	FILTER_LOG=$T/filter.log
	start_bg "$T/filter.out" "$PYTHON" "$TEST_LIB_DIR/ftp_filter.py" --log "$FILTER_LOG" "$@" \
		127.0.0.1 "$FILTER_PORT" 127.0.0.1 "$ORIGIN_PORT"
	wait_listening "$FILTER_PORT" 127.0.0.1 10 || { cat "$T/filter.out"; return 1; }
}

# ------------------------------------------------- the matrix: passive origin

@test "origin-data-mode=passive: an IPv4 client in PASV mode downloads and uploads intact (EPSV to the origin)" {
	matrix passive v4-pasv
}

@test "origin-data-mode=passive: an IPv4 client in EPSV mode downloads and uploads intact (EPSV to the origin)" {
	matrix passive v4-epsv
}

@test "origin-data-mode=passive: an IPv4 client in PORT mode downloads and uploads intact (EPSV to the origin)" {
	matrix passive v4-port
}

@test "origin-data-mode=passive: an IPv4 client in EPRT mode downloads and uploads intact (EPSV to the origin)" {
	matrix passive v4-eprt
}

@test "origin-data-mode=passive: an IPv6 client in EPSV mode downloads and uploads intact (IPv4 origin, EPSV to it)" {
	matrix passive v6-epsv
}

@test "origin-data-mode=passive: an IPv6 client in EPRT mode downloads and uploads intact (IPv4 origin, EPSV to it)" {
	matrix passive v6-eprt
}

# -------------------------------------------------- the matrix: active origin

@test "origin-data-mode=active: an IPv4 client in PASV mode downloads and uploads intact (EPRT to the origin)" {
	matrix active v4-pasv
}

@test "origin-data-mode=active: an IPv4 client in EPSV mode downloads and uploads intact (EPRT to the origin)" {
	matrix active v4-epsv
}

@test "origin-data-mode=active: an IPv4 client in PORT mode downloads and uploads intact (EPRT to the origin)" {
	matrix active v4-port
}

@test "origin-data-mode=active: an IPv4 client in EPRT mode downloads and uploads intact (EPRT to the origin)" {
	matrix active v4-eprt
}

@test "origin-data-mode=active: an IPv6 client in EPSV mode downloads and uploads intact (IPv4 origin, EPRT to it)" {
	matrix active v6-epsv
}

@test "origin-data-mode=active: an IPv6 client in EPRT mode downloads and uploads intact (IPv4 origin, EPRT to it)" {
	matrix active v6-eprt
}

# ------------------------------------------ the matrix: the client's own kind

@test "origin-data-mode=client: an IPv4 client in PASV mode downloads and uploads intact (EPSV to the origin)" {
	matrix client v4-pasv
}

@test "origin-data-mode=client: an IPv4 client in EPSV mode downloads and uploads intact (EPSV to the origin)" {
	matrix client v4-epsv
}

@test "origin-data-mode=client: an IPv4 client in PORT mode downloads and uploads intact (EPRT to the origin)" {
	matrix client v4-port
}

@test "origin-data-mode=client: an IPv4 client in EPRT mode downloads and uploads intact (EPRT to the origin)" {
	matrix client v4-eprt
}

@test "origin-data-mode=client: an IPv6 client in EPSV mode downloads and uploads intact (IPv4 origin, EPSV to it)" {
	matrix client v6-epsv
}

@test "origin-data-mode=client: an IPv6 client in EPRT mode downloads and uploads intact (IPv4 origin, EPRT to it)" {
	matrix client v6-eprt
}

@test "the default origin data mode is passive: without the option ftprelay sends EPSV to the origin for a PORT client" {
	origin_start
	relay_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 300007
	curl_kind v4-port down -o "$T/f.bin" %f.bin
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	expect_origin_cmds "$ORIGIN_LOG" EPSV
}

@test "origin-data-mode in a --config file takes effect, the command line wins over it, and a bad value exits 100" {
	origin_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 300007
	printf 'origin = 127.0.0.1:%s\norigin-data-mode = active\n' "$ORIGIN_PORT" >"$T/ftprelay.conf"
	relay_start_raw --config "$T/ftprelay.conf"
	curl_kind v4-epsv file -o "$T/f1.bin" %f.bin
	stop_pid "$RELAY_PID"
	relay_start_raw --config "$T/ftprelay.conf" --origin-data-mode passive
	curl_kind v4-epsv cmdline -o "$T/f2.bin" %f.bin
	[ "$(sha256_of "$T/f1.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	[ "$(sha256_of "$T/f2.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	expect_origin_cmds "$ORIGIN_LOG" 'EPRT \|1\|127\.0\.0\.1\|[0-9]+\|' EPSV
	run "$FTPRELAY" --origin 127.0.0.1 --origin-data-mode Active </dev/null
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"origin-data-mode: 'Active' is not passive, active or client"* ]]
}

# ------------------------------------------------------------ mixed families

# mixed_v6_origin MODE: an IPv4 client (PASV download, PORT upload, both of
# which can carry only IPv4 addresses) in front of an IPv6 origin.
mixed_v6_origin() {
	local mode=$1 want
	origin_start6
	RELAY_ORIGIN="[::1]:$ORIGIN6_PORT" relay_start --origin-data-mode "$mode"
	make_random_bytes "$ORIGIN6_ROOT/down.bin" 1572869
	make_random_bytes "$T/up.bin" 1048583
	curl_kind v4-pasv down -o "$T/down.bin" %down.bin
	[ "$(sha256_of "$T/down.bin")" = "$(sha256_of "$ORIGIN6_ROOT/down.bin")" ] ||
		fail "the download differs"
	curl_kind v4-port up -T "$T/up.bin" %upload/up.bin
	[ "$(sha256_of "$ORIGIN6_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ] ||
		fail "the upload differs"
	case $mode in
	passive) want='EPSV' ;;
	active) want='EPRT \|2\|::1\|[0-9]+\|' ;;
	esac
	expect_origin_cmds "$ORIGIN6_DIR/vsftpd.log" "$want" "$want"
	wait_no_ftprelay
}

@test "origin-data-mode=passive: an IPv4 client (PASV down, PORT up) in front of an IPv6 origin transfers intact" {
	mixed_v6_origin passive
}

@test "origin-data-mode=active: an IPv4 client (PASV down, PORT up) in front of an IPv6 origin transfers intact (EPRT |2| to it)" {
	mixed_v6_origin active
}

@test "an IPv4 client behind a dual-stack listener ([::]:PORT, as the shipped ftprelay.socket) transfers in PASV, EPSV, PORT and EPRT mode" {
	# The client arrives as ::ffff:127.0.0.1 on an IPv6 socket: it must
	# still count as IPv4 (227 and PORT work, EPRT |1| is its own).
	origin_start
	RELAY_LOG=$T/relay.log
	RELAY_PORT=$(free_port)
	start_bg "$RELAY_LOG" systemd-socket-activate --accept --inetd -l "$RELAY_PORT" -- \
		"$FTPRELAY" --user nobody --origin "127.0.0.1:$ORIGIN_PORT" --origin-data-mode client
	RELAY_PID=$BG_PID
	# ss shows a dual-stack [::] socket as *:PORT
	wait_listening "$RELAY_PORT" '*' 10 || { cat "$RELAY_LOG"; false; }
	make_random_bytes "$ORIGIN_ROOT/f.bin" 700001
	local kind
	for kind in v4-pasv v4-epsv v4-port v4-eprt; do
		curl_kind "$kind" "$kind" -o "$T/$kind.bin" %f.bin
		[ "$(sha256_of "$T/$kind.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ] ||
			fail "$kind: the download differs"
	done
	grep -q 'client 127\.0\.0\.1:' "$RELAY_LOG" || fail "the client was not logged as 127.0.0.1"
	local eprt='EPRT \|1\|127\.0\.0\.1\|[0-9]+\|'
	expect_origin_cmds "$ORIGIN_LOG" EPSV EPSV "$eprt" "$eprt"
	wait_no_ftprelay
}

# -------------------------------------------------------------- FTP bounce

@test "PORT and EPRT naming another host (127.0.0.2) get 500, and nothing connects there even after RETR, in every origin data mode" {
	origin_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 100000
	watch_start 127.0.0.2:0
	local p=$WATCH_PORT mode
	for mode in passive active client; do
		relay_start --origin-data-mode "$mode"
		run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
			"PORT 127,0,0,2,$((p >> 8)),$((p & 255))" "RETR f.bin" \
			"EPRT |1|127.0.0.2|$p|" "RETR f.bin" NOOP
		echo "$mode: $output"
		[ "$status" -eq 0 ]
		[ "${lines[3]}" = "500 Illegal PORT command: the address must be your own." ]
		[[ ${lines[4]} == "425 "* ]]
		[ "${lines[5]}" = "500 Illegal EPRT command: the address must be your own." ]
		[[ ${lines[6]} == "425 "* ]]
		[ "${lines[7]}" = "200 NOOP ok." ]
		grep -qF "PORT to 127.0.0.2:$p refused: not the client's address" "$RELAY_LOG"
		grep -qF "EPRT to 127.0.0.2:$p refused: not the client's address" "$RELAY_LOG"
		wait_no_ftprelay
		stop_pid "$RELAY_PID"
	done
	watch_quiet 1
	# nothing of it reached the origin either
	! grep -Eq 'FTP command: .*"(PORT|EPRT|RETR)' "$ORIGIN_LOG" ||
		fail "PORT, EPRT or RETR reached the origin: $(grep -E '"(PORT|EPRT|RETR)' "$ORIGIN_LOG")"
}

@test "PORT and EPRT naming a port below 1024 (IPv4 and IPv6) get 500, and nothing connects there" {
	origin_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 100000
	local p
	p=$(free_low_port)
	watch_start "127.0.0.1:$p" "[::1]:$p"
	relay_start --origin-data-mode client
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"PORT 127,0,0,1,$((p >> 8)),$((p & 255))" "RETR f.bin" \
		"EPRT |1|127.0.0.1|$p|" "RETR f.bin" NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "500 Illegal PORT command: the port must be 1024 or above." ]
	[[ ${lines[4]} == "425 "* ]]
	[ "${lines[5]}" = "500 Illegal EPRT command: the port must be 1024 or above." ]
	[[ ${lines[6]} == "425 "* ]]
	[ "${lines[7]}" = "200 NOOP ok." ]
	run ftp_cmds -H ::1 "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"EPRT |2|::1|$p|" "RETR f.bin" NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "500 Illegal EPRT command: the port must be 1024 or above." ]
	[[ ${lines[4]} == "425 "* ]]
	[ "${lines[5]}" = "200 NOOP ok." ]
	[ "$(grep -c "to privileged port $p refused" "$RELAY_LOG")" -eq 3 ]
	watch_quiet 1
	! grep -Eq 'FTP command: .*"(PORT|EPRT|RETR)' "$ORIGIN_LOG" || fail "it reached the origin"
}

@test "an IPv6 client's PORT, EPRT |1| and EPSV 1 get 522 naming protocol 2; EPRT |2| to another address gets 500, to a mapped IPv4 address 501" {
	origin_start
	relay_start
	run ftp_cmds -H ::1 "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"PORT 127,0,0,1,200,10" "EPRT |1|127.0.0.1|51210|" "EPSV 1" "EPRT |2|::2|51210|" \
		"EPRT |2|::ffff:127.0.0.1|51210|" "EPRT |2|not-an-address|51210|" "EPSV 2" NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "522 Network protocol not supported, use (2)" ]
	[ "${lines[4]}" = "522 Network protocol not supported, use (2)" ]
	[ "${lines[5]}" = "522 Network protocol not supported, use (2)" ]
	[ "${lines[6]}" = "500 Illegal EPRT command: the address must be your own." ]
	[[ ${lines[7]} == "501 "* ]] # a mapped IPv4 address is no IPv6 address
	[[ ${lines[8]} == "501 "* ]]
	[[ ${lines[9]} == "229 "* ]]
	[ "${lines[10]}" = "200 NOOP ok." ]
	! grep -Eq 'FTP command: .*"(PORT|EPRT)' "$ORIGIN_LOG" || fail "it reached the origin"
}

@test "after EPSV ALL an active client's EPRT gets 500 and nothing reaches the origin" {
	origin_start
	relay_start --origin-data-mode client
	run ftp_cmds -H ::1 "$RELAY_PORT" "USER anonymous" "PASS test@example.com" \
		"EPSV ALL" "EPRT |2|::1|51210|" "PORT 127,0,0,1,200,10" PASV EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "200 EPSV ALL ok." ]
	[ "${lines[4]}" = "500 EPRT not allowed after EPSV ALL." ]
	[ "${lines[5]}" = "500 PORT not allowed after EPSV ALL." ]
	[ "${lines[6]}" = "500 PASV not allowed after EPSV ALL." ]
	[[ ${lines[7]} == "229 "* ]]
	[ "${lines[8]}" = "200 NOOP ok." ]
	! grep -Eq 'FTP command: .*"(PORT|EPRT)' "$ORIGIN_LOG" || fail "it reached the origin"
}

# --------------------------------------------------- what the origin offers

@test "an origin that refuses EPSV gets PASV from then on, and the foreign address in its 227 (192.0.2.1) is ignored" {
	origin_start pasv_address=192.0.2.1 pasv_addr_resolve=NO
	filter_start --refuse EPSV:502
	RELAY_ORIGIN=127.0.0.1:$FILTER_PORT relay_start --origin-data-mode client
	make_random_bytes "$ORIGIN_ROOT/a.bin" 1048573
	make_random_bytes "$ORIGIN_ROOT/b.bin" 524309
	make_random_bytes "$T/up.bin" 777777
	# two downloads in one session (curl reuses the control connection),
	# then an upload in another
	curl_kind v4-epsv down -o "$T/a.bin" %a.bin -o "$T/b.bin" %b.bin
	curl_kind v4-pasv up -T "$T/up.bin" %upload/up.bin
	[ "$(sha256_of "$T/a.bin")" = "$(sha256_of "$ORIGIN_ROOT/a.bin")" ]
	[ "$(sha256_of "$T/b.bin")" = "$(sha256_of "$ORIGIN_ROOT/b.bin")" ]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	cat "$FILTER_LOG"
	# one EPSV per session, refused; PASV for every transfer
	[ "$(grep -c '^refused EPSV$' "$FILTER_LOG")" -eq 2 ]
	expect_origin_cmds "$ORIGIN_LOG" PASV PASV PASV
	# the origin really named the foreign address...
	[ "$(grep -c '"227 Entering Passive Mode (192,0,2,1,' "$ORIGIN_LOG")" -eq 3 ]
	# ...and the client saw only ftprelay's own
	grep -q '^< 229 ' "$T/down.err"
	grep -q '^< 227 Entering Passive Mode (127,0,0,1,' "$T/up.err"
	grep -q 'origin refuses EPSV; using PASV from now on' "$RELAY_LOG"
	wait_no_ftprelay
}

@test "an origin that refuses EPRT gets PORT from then on (origin-data-mode=active)" {
	origin_start
	filter_start --refuse EPRT
	RELAY_ORIGIN=127.0.0.1:$FILTER_PORT relay_start --origin-data-mode active
	make_random_bytes "$ORIGIN_ROOT/a.bin" 1048573
	make_random_bytes "$ORIGIN_ROOT/b.bin" 524309
	make_random_bytes "$T/up.bin" 777777
	curl_kind v4-epsv down -o "$T/a.bin" %a.bin -o "$T/b.bin" %b.bin
	curl_kind v6-eprt up -T "$T/up.bin" %upload/up.bin
	[ "$(sha256_of "$T/a.bin")" = "$(sha256_of "$ORIGIN_ROOT/a.bin")" ]
	[ "$(sha256_of "$T/b.bin")" = "$(sha256_of "$ORIGIN_ROOT/b.bin")" ]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	cat "$FILTER_LOG"
	[ "$(grep -c '^refused EPRT ' "$FILTER_LOG")" -eq 2 ]
	local port='PORT 127,0,0,1,[0-9]+,[0-9]+'
	expect_origin_cmds "$ORIGIN_LOG" "$port" "$port" "$port"
	grep -q 'origin refuses EPRT; using PORT from now on' "$RELAY_LOG"
	wait_no_ftprelay
}

@test "an origin whose 227/229 offers a port below 1024 gets no connection, and the client gets 425" {
	origin_start
	local p
	p=$(free_low_port)
	watch_start "127.0.0.1:$p"
	filter_start --fake-port "$p"
	RELAY_ORIGIN=127.0.0.1:$FILTER_PORT relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" PASV EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "425 Origin offered an invalid data port." ]
	[ "${lines[4]}" = "425 Origin offered an invalid data port." ]
	[ "${lines[5]}" = "200 NOOP ok." ]
	grep -q "rewrote 229 .*(|||$p|)" "$FILTER_LOG"
	[ "$(grep -c "origin offered privileged data port $p; refused" "$RELAY_LOG")" -eq 2 ]
	watch_quiet 1
}

@test "once the origin has given a passive port, the next EPSV is answered at once; when the origin then offers a bad port, the transfer command gets the 425 and the session goes on" {
	origin_start
	local p
	p=$(free_low_port)
	watch_start "127.0.0.1:$p"
	# only the origin's second 229 names the privileged port
	filter_start --fake-port "$p" --fake-nth 2
	RELAY_ORIGIN=127.0.0.1:$FILTER_PORT relay_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 4096
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" EPSV EPSV "RETR f.bin" NOOP EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "229 "* ]]
	# answered before the origin's (bad) answer was in
	[[ ${lines[4]} == "229 "* ]]
	[ "${lines[5]}" = "425 Origin offered an invalid data port." ]
	[ "${lines[6]}" = "200 NOOP ok." ]
	# the next one waits for the origin again, and gets a good port
	[[ ${lines[7]} == "229 "* ]]
	[ "${lines[8]}" = "200 NOOP ok." ]
	grep -q "rewrote 229 .*(|||$p|)" "$FILTER_LOG"
	grep -q "origin offered privileged data port $p; refused" "$RELAY_LOG"
	! grep -q '^cmd RETR' "$FILTER_LOG" || fail "RETR reached the origin"
	watch_quiet 1
}

@test "after a new USER, EPSV waits for the origin again: an origin that refuses it gets its own refusal to the client" {
	origin_start
	# the first EPSV of the connection goes through, later ones get 530
	filter_start --refuse EPSV:530:1
	RELAY_ORIGIN=127.0.0.1:$FILTER_PORT relay_start
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS test@example.com" EPSV \
		"USER anonymous" "PASS test@example.com" EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[3]} == "229 "* ]]
	[ "${lines[6]}" = "530 EPSV not understood." ]
	[ "${lines[7]}" = "200 NOOP ok." ]
	[ "$(grep -c '^refused EPSV$' "$FILTER_LOG")" -eq 1 ]
}

@test "a client that pipelines USER, PASS, TYPE, PASV and NOOP in one write gets every reply, in order, without waiting for a timeout" {
	origin_start
	relay_start
	run timeout 60 "$PYTHON" - "$RELAY_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.sendall(b"USER anonymous\r\nPASS test@example.com\r\nTYPE I\r\nPASV\r\nNOOP\r\n")
s.settimeout(5)  # far below every timeout of ftprelay's
try:
    for _ in range(5):
        print(f.readline().decode().strip() or "<EOF>")
except socket.timeout:
    print("<TIMEOUT>")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "220 "* ]]
	[[ ${lines[1]} == "331 "* ]]
	[[ ${lines[2]} == "230 "* ]]
	[[ ${lines[3]} == "200 "* ]]
	[[ ${lines[4]} == "227 Entering Passive Mode (127,0,0,1,"* ]]
	[ "${lines[5]}" = "200 NOOP ok." ]
}

@test "an active client (PORT) fetches 20 files in one ftplib session intact, and the origin is asked with EPSV for each" {
	origin_start
	relay_start
	make_random_bytes "$ORIGIN_ROOT/s.bin" 70001
	run timeout 120 "$PYTHON" "$TEST_LIB_DIR/many_files.py" --active "$RELAY_PORT" s.bin 20 \
		"$(sha256_of "$ORIGIN_ROOT/s.bin")"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'intact=20' <<<"$output"
	grep -qx 'quit=221' <<<"$output"
	# the origin was asked in passive mode every time
	[ "$(grep -c 'FTP command: Client "127.0.0.1", "EPSV"' "$ORIGIN_LOG")" -eq 20 ]
	grep -q 'session end: 20 transfers, 1400020 bytes to client' "$RELAY_LOG"
}

@test "300 small files in one passive ftplib session arrive intact, each counted in the session-end log line" {
	origin_start
	relay_start
	make_random_bytes "$ORIGIN_ROOT/s.bin" 4099
	run timeout 120 "$PYTHON" "$TEST_LIB_DIR/many_files.py" "$RELAY_PORT" s.bin 300 \
		"$(sha256_of "$ORIGIN_ROOT/s.bin")"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'intact=300' <<<"$output"
	grep -qx 'quit=221' <<<"$output"
	grep -q 'session end: 300 transfers, 1229700 bytes to client' "$RELAY_LOG"
}

@test "origin-data-mode=active: a connection from another address (127.0.0.2) to the listener for the origin is refused while the origin's own transfer succeeds" {
	# One port in --pasv-ports and an active client: ftprelay's only
	# listener is the one for the origin, so its port is known once the
	# client's PORT has been answered (ftprelay's EPRT is done by then).
	origin_start
	local lport
	lport=$(one_port_apart)
	relay_start --origin-data-mode active --pasv-ports "$lport-$lport"
	make_random_file "$ORIGIN_ROOT/f.bin" 2
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/active_rogue.py" 127.0.0.1 "$RELAY_PORT" f.bin 127.0.0.2 "$lport"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^port=200 ' <<<"$output"
	grep -qx 'rogue_connect=connected' <<<"$output"
	grep -qx 'data_from=127.0.0.1' <<<"$output"
	grep -qx "bytes=$((2 * 1048576)) sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" <<<"$output"
	grep -q '^final=226' <<<"$output"
	grep -Eqx 'rogue=(closed|reset)' <<<"$output"
	grep -q "data connection from 127.0.0.2:[0-9]* refused: not the origin" "$RELAY_LOG"
	expect_origin_cmds "$ORIGIN_LOG" "EPRT \|1\|127\.0\.0\.1\|$lport\|"
}

# ------------------------------------------------------------ --pasv-ports

@test "--pasv-ports with its one port busy: PASV gets 425, the log says why, the session goes on, and once the port is free PASV uses it" {
	origin_start
	local lport
	lport=$(one_port_apart)
	relay_start --pasv-ports "$lport-$lport"
	make_random_bytes "$ORIGIN_ROOT/f.bin" 300007
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/busy_port.py" PASV "$RELAY_PORT" "$lport" f.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "busy=425 No passive port available; try again later." ]
	[ "${lines[1]}" = "noop=200 NOOP ok." ]
	[ "${lines[2]}" = "free=227 Entering Passive Mode (127,0,0,1,$((lport >> 8)),$((lport & 255)))." ]
	[[ ${lines[3]} == retr=150* ]]
	[[ ${lines[4]} == final=226* ]]
	[ "${lines[5]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	grep -q "no passive port free in $lport-$lport" "$RELAY_LOG"
	wait_no_ftprelay
}

@test "--pasv-ports with its one port busy (origin-data-mode=active): PORT gets 425, the log says why, the session goes on, and once the port is free the transfer works" {
	origin_start
	local lport
	lport=$(one_port_apart)
	relay_start --origin-data-mode active --pasv-ports "$lport-$lport"
	make_random_bytes "$ORIGIN_ROOT/f.bin" 300007
	run timeout 60 "$PYTHON" "$TEST_LIB_DIR/busy_port.py" PORT "$RELAY_PORT" "$lport" f.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "busy=425 No data port available; try again later." ]
	[ "${lines[1]}" = "noop=200 NOOP ok." ]
	[ "${lines[2]}" = "free=200 PORT command successful." ]
	[[ ${lines[3]} == retr=150* ]]
	[[ ${lines[4]} == final=226* ]]
	[ "${lines[5]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	grep -q "no port free in $lport-$lport for the origin" "$RELAY_LOG"
	# the refused attempt never reached the origin; the second did, on the one port
	expect_origin_cmds "$ORIGIN_LOG" "EPRT \|1\|127\.0\.0\.1\|$lport\|"
	wait_no_ftprelay
}

@test "without --pasv-ports the data listeners take ports of the kernel's ephemeral range, never a reserved one" {
	[ -w /proc/sys/net/ipv4/ip_local_reserved_ports ] || fail "needs root to set net.ipv4.ip_local_*"
	cat /proc/sys/net/ipv4/ip_local_port_range >"$T/ip_local_port_range"
	cat /proc/sys/net/ipv4/ip_local_reserved_ports >"$T/ip_local_reserved_ports"
	origin_start
	relay_start
	make_random_bytes "$ORIGIN_ROOT/f.bin" 70001
	# 1000 ports, the lower 900 reserved: a pick that ignored the
	# reservation would land there nine times in ten
	echo "40000 40999" >/proc/sys/net/ipv4/ip_local_port_range
	echo "40000-40899" >/proc/sys/net/ipv4/ip_local_reserved_ports
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$TEST_LIB_DIR" <<'PY'
import ftplib, socket, sys
sys.path.insert(0, sys.argv[2])
from rogue_common import read_all
for i in range(5):
    f = ftplib.FTP()
    f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
    f.login()
    f.voidcmd("TYPE I")
    for cmd in ("PASV", "EPSV"):
        resp = f.sendcmd(cmd)
        if cmd == "PASV":
            port = ftplib.parse227(resp)[1]
        else:
            port = ftplib.parse229(resp, ("127.0.0.1", 0))[1]
        data = socket.create_connection(("127.0.0.1", port), timeout=15)
        f.sendcmd("RETR f.bin")
        _, digest = read_all(data)
        f.voidresp()
        print("port=%d sha256=%s" % (port, digest))
    f.quit()
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	local line port
	for line in "${lines[@]}"; do
		port=${line#port=}
		port=${port%% *}
		((port >= 40900 && port <= 40999)) || fail "port $port is reserved or outside the range"
		[ "${line#* }" = "sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	done
}

# ------------------------------------------------------- PASV from IPv6

@test "PASV from an IPv6 client gets 425 naming EPSV, and EPSV works in the same session" {
	origin_start
	relay_start
	run ftp_cmds -H ::1 "$RELAY_PORT" "USER anonymous" "PASS test@example.com" PASV EPSV NOOP
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "425 PASV cannot name an IPv6 address; use EPSV." ]
	[[ ${lines[4]} == "229 Entering Extended Passive Mode (|||"* ]]
	[ "${lines[5]}" = "200 NOOP ok." ]
}

@test "with an IPv4 --pasv-address, PASV from an IPv6 client names that address, and a client that uses only the 227's port (like curl and ftplib) transfers over IPv6" {
	# The listener is on the address the client reached ([::1]); the
	# 227 can only name the IPv4 --pasv-address. A client that connects
	# to the 227's address would reach no listener there.
	origin_start
	relay_start --pasv-address 127.0.0.1
	make_random_bytes "$ORIGIN_ROOT/f.bin" 300007
	run timeout 60 "$PYTHON" - "$RELAY_PORT" <<'PY'
import ftplib, hashlib, socket, sys
f = ftplib.FTP()
f.connect("::1", int(sys.argv[1]), timeout=15)
f.login()
f.voidcmd("TYPE I")
resp = f.sendcmd("PASV")
print("pasv=" + resp)
_, port = ftplib.parse227(resp)
# what curl and ftplib do by default: the 227's port, the control peer's address
conn = socket.create_connection((f.sock.getpeername()[0], port), timeout=15)
print("retr=" + f.sendcmd("RETR f.bin"))
h = hashlib.sha256()
while True:
    b = conn.recv(65536)
    if not b:
        break
    h.update(b)
print("peer=" + conn.getpeername()[0])
conn.close()
print("final=" + f.voidresp())
print("sha256=" + h.hexdigest())
print("noop=" + f.sendcmd("NOOP"))
f.quit()
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "pasv=227 Entering Passive Mode (127,0,0,1,"* ]]
	[[ ${lines[1]} == retr=150* ]]
	[ "${lines[2]}" = "peer=::1" ]
	[[ ${lines[3]} == final=226* ]]
	[ "${lines[4]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	[ "${lines[5]}" = "noop=200 NOOP ok." ]
}
