# common.bash: helpers for ftprelay's integration tests (sourced by every .bats
# file with `load ../lib/common`).
#
# Every process a test starts is started in its own session (setsid) and its
# pid is recorded; cleanup_processes kills those process groups and waits for
# them, bounded. Call it from teardown (test scope) and teardown_file (file
# scope). Every wait in here is bounded.
#
# Variables the helpers set:
#   ORIGIN_PORT ORIGIN_ROOT ORIGIN_DIR ORIGIN_PID ORIGIN_LOG
#   ORIGIN_PASV_LOW ORIGIN_PASV_HIGH                   (origin_start)
#   ORIGIN6_PORT ORIGIN6_ROOT ORIGIN6_DIR ORIGIN6_PID  (origin_start6)
#   RELAY_PORT RELAY_PID RELAY_LOG                     (relay_start, relay_start_raw)
#
# The python helpers (run with /usr/bin/python3, never a python earlier on
# PATH): ftpchat.py (raw control chat), run_attached.py (run a program with
# a client attached, report its exit status), ftp_many.py (many transfers in
# one session), pasv_rogue.py (data connection from a foreign address),
# active_rogue.py (the same against the listener for an active origin),
# ftp_filter.py (an origin that refuses EPSV/EPRT or offers a low port),
# tcp_watch.py (proves that nothing connects to an address).

TEST_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON=/usr/bin/python3

bats_require_minimum_version 1.5.0

# ---------------------------------------------------------------- basics

# fail MESSAGE: print to the test output and fail the current test.
fail() {
	printf '# FAIL: %s\n' "$*" >&2
	return 1
}

# require_cmd CMD...: fail loudly when a prerequisite is not installed.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			fail "prerequisite '$c' is not installed (CI must install it)" || return 1
	done
}

# require_ftprelay: $FTPRELAY must name the built binary.
require_ftprelay() {
	[ -n "${FTPRELAY:-}" ] ||
		fail "FTPRELAY is not set: run the tests with 'make check' or export FTPRELAY=/path/to/src/ftprelay" || return 1
	[ -x "$FTPRELAY" ] || fail "FTPRELAY=$FTPRELAY is not an executable file" || return 1
	[ -f "$FTPRELAY" ] || fail "FTPRELAY=$FTPRELAY is not a regular file" || return 1
}

# scratch_dir: the per-test scratch directory (per-file in setup_file).
scratch_dir() {
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		printf '%s\n' "$BATS_TEST_TMPDIR"
	else
		printf '%s\n' "$BATS_FILE_TMPDIR"
	fi
}

# free_port: print an unused loopback TCP port, free on 127.0.0.1 and ::1.
free_port() {
	"$PYTHON" - <<'EOF'
import socket
for _ in range(100):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", port))
        s6.close()
    except OSError:
        s4.close()
        continue
    s4.close()
    print(port)
    break
else:
    raise SystemExit("no free port")
EOF
}

# free_port_range SIZE: print "LOW HIGH", a block of SIZE ports below the
# kernel's ephemeral range (so that client sockets never take them) with no
# listener in it. Blocks are picked at random to keep concurrent runs apart.
free_port_range() {
	local size=${1:-1000} low high tries=0
	while [ $tries -lt 50 ]; do
		tries=$((tries + 1))
		low=$((10000 + (RANDOM % 22) * 1000))
		high=$((low + size - 1))
		if ! ss -Htln "( sport >= :$low and sport <= :$high )" | grep -q .; then
			printf '%s %s\n' "$low" "$high"
			return 0
		fi
	done
	fail "no free port range of $size ports"
}

# wait_listening PORT [ADDR] [SECONDS]: wait until something listens on
# ADDR:PORT (default 127.0.0.1) without connecting to it.
wait_listening() {
	local port=$1 addr=${2:-127.0.0.1} secs=${3:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		if ss -Htln "sport = :$port" | awk '{print $4}' | grep -qxF "$addr:$port"; then
			return 0
		fi
		sleep 0.05
	done
	fail "nothing listens on $addr:$port after ${secs}s"
}

# --------------------------------------------------------- process tracking

_pid_file() { printf '%s/.pids\n' "$(scratch_dir)"; }

# track_pid PID [STOP_SECONDS]: remember PID (a process group leader) for
# cleanup, and how long it may take to stop after SIGTERM (default 5 s).
track_pid() { printf '%s %s\n' "$1" "${2:-5}" >>"$(_pid_file)"; }

# start_bg LOGFILE CMD...: run CMD in the background in its own session
# (process group), stdout+stderr to LOGFILE, fd 3 (bats) closed; records the
# pid for cleanup and sets $BG_PID. $BG_STOP_SECONDS (default 5) is how long
# cleanup waits after SIGTERM before SIGKILL.
start_bg() {
	local log=$1
	shift
	setsid "$@" </dev/null >"$log" 2>&1 3>&- &
	BG_PID=$!
	track_pid "$BG_PID" "${BG_STOP_SECONDS:-5}"
}

# _alive PID: true if PID exists and is not a zombie.
_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# _start_time PID: the start time of PID (field 22 of /proc/PID/stat), to
# tell a process from a later one that got the same pid.
_start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	printf '%s\n' "${20}"
}

# _descendants PID: print "PID:STARTTIME" for every descendant of PID.
_descendants() {
	local child start
	for child in $(pgrep -P "$1" 2>/dev/null); do
		start=$(_start_time "$child") || continue
		printf '%s:%s\n' "$child" "$start"
		_descendants "$child"
	done
}

# stop_pid PID [SECONDS]: TERM the process group of PID, wait up to SECONDS
# (default 5) for PID to exit, then KILL. Descendants that outlive it (some
# launchers, like xinetd, put their children in sessions of their own and
# leave them running) are killed too.
stop_pid() {
	local pid=$1 secs=${2:-5} i kids
	kids=$(_descendants "$pid")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < secs * 20; i++)); do
		_alive "$pid" || break
		sleep 0.05
	done
	if _alive "$pid"; then
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 40; i++)); do
			_alive "$pid" || break
			sleep 0.05
		done
	fi
	# Anything left in the group (children that ignored TERM).
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# Orphans: descendants seen before that still run (the same pid and
	# start time, so never a newer process that reused the pid).
	local kid left=
	for kid in $kids; do
		if _alive "${kid%%:*}" && [ "$(_start_time "${kid%%:*}")" = "${kid#*:}" ]; then
			left="$left ${kid%%:*}"
		fi
	done
	if [ -n "$left" ]; then
		# shellcheck disable=SC2086
		kill -TERM $left 2>/dev/null || true
		sleep 0.2
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
	fi
	return 0
}

# cleanup_processes: stop everything tracked in the current scope.
cleanup_processes() {
	local f pid secs
	f=$(_pid_file)
	[ -f "$f" ] || return 0
	while read -r pid secs; do
		[ -n "$pid" ] && stop_pid "$pid" "$secs"
	done < <(tac "$f")
	rm -f "$f"
}

# --------------------------------------------------------------- files

# make_random_file PATH SIZE_MiB
make_random_file() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1"
}

# make_random_bytes PATH BYTES
make_random_bytes() {
	head -c "$2" /dev/urandom >"$1"
}

# sha256_of FILE: print the hex digest only.
sha256_of() {
	local sum
	sum=$(sha256sum <"$1") || return 1
	printf '%s\n' "${sum%% *}"
}

# ----------------------------------------------------------- the origin

_ensure_ftp_user() {
	if ! getent passwd ftp >/dev/null; then
		useradd --system --home-dir /srv/ftp --no-create-home --shell /usr/sbin/nologin ftp ||
			fail "cannot create user ftp" || return 1
	fi
	local home
	home=$(getent passwd ftp | cut -d: -f6)
	[ -d "$home" ] || mkdir -p "$home"
}

# _origin_conf DIR: write the common part of a private vsftpd config.
_origin_conf() {
	local dir=$1
	cat <<EOF
background=NO
anonymous_enable=YES
local_enable=NO
anon_root=$dir/root
ftp_username=ftp
secure_chroot_dir=$dir/empty
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
anon_umask=022
pasv_enable=YES
pasv_promiscuous=NO
pasv_min_port=$ORIGIN_PASV_LOW
pasv_max_port=$ORIGIN_PASV_HIGH
connect_from_port_20=NO
seccomp_sandbox=NO
xferlog_enable=YES
xferlog_std_format=NO
dual_log_enable=NO
syslog_enable=NO
log_ftp_protocol=YES
vsftpd_log_file=$dir/vsftpd.log
max_clients=0
max_per_ip=0
idle_session_timeout=120
data_connection_timeout=60
EOF
}

# _origin_dirs DIR: data root (read-only for ftp) with an upload dir owned
# by ftp, and an empty root-owned secure_chroot_dir.
_origin_dirs() {
	local dir=$1
	mkdir -p "$dir/root/upload" "$dir/empty"
	chown root:root "$dir" "$dir/root" "$dir/empty"
	chmod 755 "$dir" "$dir/root" "$dir/empty"
	chown ftp:ftp "$dir/root/upload"
	chmod 755 "$dir/root/upload"
}

# origin_wait_greeting PORT [HOST]: bounded wait for a 220 greeting.
origin_wait_greeting() {
	local port=$1 host=${2:-127.0.0.1} i out
	for ((i = 0; i < 50; i++)); do
		out=$(timeout 5 "$PYTHON" "$TEST_LIB_DIR/ftpchat.py" -t 2 -H "$host" "$port" QUIT 2>/dev/null) || true
		case $out in 220*) return 0 ;; esac
		sleep 0.1
	done
	fail "origin on $host:$port gave no 220 greeting: '$out'"
}

# origin_start [EXTRA vsftpd.conf LINES...]: a private vsftpd on
# 127.0.0.1:$ORIGIN_PORT serving $ORIGIN_ROOT (uploads land in
# $ORIGIN_ROOT/upload).
origin_start() {
	require_cmd vsftpd ss || return 1
	_ensure_ftp_user || return 1
	ORIGIN_DIR=$(scratch_dir)/origin
	ORIGIN_ROOT=$ORIGIN_DIR/root
	ORIGIN_LOG=$ORIGIN_DIR/vsftpd.log
	_origin_dirs "$ORIGIN_DIR"
	ORIGIN_PORT=$(free_port) || return 1
	read -r ORIGIN_PASV_LOW ORIGIN_PASV_HIGH < <(free_port_range 1000) || return 1
	{
		_origin_conf "$ORIGIN_DIR"
		printf '%s\n' listen=YES listen_ipv6=NO listen_address=127.0.0.1 "listen_port=$ORIGIN_PORT"
		local line
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$ORIGIN_DIR/vsftpd.conf"
	start_bg "$ORIGIN_DIR/vsftpd.out" vsftpd "$ORIGIN_DIR/vsftpd.conf"
	ORIGIN_PID=$BG_PID
	wait_listening "$ORIGIN_PORT" 127.0.0.1 10 || { cat "$ORIGIN_DIR/vsftpd.out" >&2; return 1; }
	origin_wait_greeting "$ORIGIN_PORT" || return 1
	export ORIGIN_PORT ORIGIN_ROOT ORIGIN_DIR ORIGIN_PID ORIGIN_LOG ORIGIN_PASV_LOW ORIGIN_PASV_HIGH
}

# origin_start6 [EXTRA LINES...]: the same on [::1]:$ORIGIN6_PORT, serving
# $ORIGIN6_ROOT.
origin_start6() {
	require_cmd vsftpd ss || return 1
	_ensure_ftp_user || return 1
	ORIGIN6_DIR=$(scratch_dir)/origin6
	ORIGIN6_ROOT=$ORIGIN6_DIR/root
	_origin_dirs "$ORIGIN6_DIR"
	ORIGIN6_PORT=$(free_port) || return 1
	read -r ORIGIN_PASV_LOW ORIGIN_PASV_HIGH < <(free_port_range 1000) || return 1
	{
		_origin_conf "$ORIGIN6_DIR"
		printf '%s\n' listen=NO listen_ipv6=YES listen_address6=::1 "listen_port=$ORIGIN6_PORT"
		local line
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$ORIGIN6_DIR/vsftpd.conf"
	start_bg "$ORIGIN6_DIR/vsftpd.out" vsftpd "$ORIGIN6_DIR/vsftpd.conf"
	ORIGIN6_PID=$BG_PID
	wait_listening "$ORIGIN6_PORT" '[::1]' 10 || { cat "$ORIGIN6_DIR/vsftpd.out" >&2; return 1; }
	origin_wait_greeting "$ORIGIN6_PORT" ::1 || return 1
	export ORIGIN6_PORT ORIGIN6_ROOT ORIGIN6_DIR ORIGIN6_PID
}

# ------------------------------------------------------------ the relay

# relay_start [FTPRELAY ARGS...]: ftprelay behind systemd-socket-activate
# (one process per connection, socket on fds 0 and 1) on
# 127.0.0.1:$RELAY_PORT and [::1]:$RELAY_PORT, relaying to the origin
# (--origin 127.0.0.1:$ORIGIN_PORT, or $RELAY_ORIGIN if set).
# ftprelay's stderr (its log) and the launcher's messages go to $RELAY_LOG.
relay_start() {
	relay_start_raw --origin "${RELAY_ORIGIN:-127.0.0.1:$ORIGIN_PORT}" "$@"
}

# relay_start_raw [FTPRELAY ARGS...]: the same without an --origin argument.
# The launcher runs as root here, and ftprelay refuses to serve as root
# without --user, so every session drops to nobody (as under xinetd).
relay_start_raw() {
	require_ftprelay || return 1
	require_cmd systemd-socket-activate ss || return 1
	RELAY_LOG=$(scratch_dir)/relay.log
	RELAY_PORT=$(free_port) || return 1
	start_bg "$RELAY_LOG" systemd-socket-activate --accept --inetd \
		-l "127.0.0.1:$RELAY_PORT" -l "[::1]:$RELAY_PORT" -- \
		"$FTPRELAY" --user nobody "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT" 127.0.0.1 10 || { cat "$RELAY_LOG" >&2; return 1; }
	wait_listening "$RELAY_PORT" '[::1]' 10 || { cat "$RELAY_LOG" >&2; return 1; }
	export RELAY_PORT RELAY_PID RELAY_LOG
}

# relay_sessions: print the pids of live ftprelay sessions of our launcher.
relay_sessions() {
	local pid
	for pid in $(pgrep -P "$RELAY_PID" 2>/dev/null); do
		_alive "$pid" && printf '%s\n' "$pid"
	done
	return 0
}

# wait_no_ftprelay [SECONDS]: assert that every ftprelay session process of
# this test's launcher has exited (default: within 5 s).
wait_no_ftprelay() {
	local secs=${1:-5} i left
	for ((i = 0; i < secs * 20; i++)); do
		left=$(relay_sessions)
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	fail "ftprelay session process(es) still running ${secs}s after the session ended: $(ps -o pid=,args= -p "$(paste -sd, <<<"$left")")"
}

# wait_sessions N [SECONDS]: wait until exactly N sessions run.
wait_sessions() {
	local n=$1 secs=${2:-5} i count
	for ((i = 0; i < secs * 20; i++)); do
		count=$(relay_sessions | wc -l)
		[ "$count" -eq "$n" ] && return 0
		sleep 0.05
	done
	fail "expected $n ftprelay session(s), found $count"
}

# ------------------------------------------------------------- clients

# ftp_cmds PORT CMD...: raw control-connection chat (see ftpchat.py); prints
# one line per reply. Extra ftpchat options may come before PORT.
ftp_cmds() {
	timeout 60 "$PYTHON" "$TEST_LIB_DIR/ftpchat.py" "$@"
}

# run_attached [OPTIONS] -- PROGRAM ARGS: see run_attached.py.
run_attached() {
	timeout 60 "$PYTHON" "$TEST_LIB_DIR/run_attached.py" "$@"
}

# curl_ftp ARGS...: curl with bounded time and no retries.
curl_ftp() {
	timeout 120 curl --silent --show-error --fail --connect-timeout 10 --max-time 100 "$@"
}

# show_logs: print the logs a failing test needs (call from teardown).
show_logs() {
	local f
	for f in "${RELAY_LOG:-}" "${ORIGIN_LOG:-}"; do
		if [ -z "$f" ] || [ ! -s "$f" ]; then continue; fi
		printf '# --- %s (last 40 lines)\n' "$f" >&2
		tail -n 40 "$f" | cut -c1-300 | sed 's/^/#   /' >&2
	done
}

# sanitizer_reports: fail if a log of this test holds an ASan/UBSan/LSan
# report (ftprelay built with --enable-sanitizers writes them to stderr).
sanitizer_reports() {
	local dir hits
	dir=$(scratch_dir)
	hits=$(grep -rlsE 'ERROR: (Address|Leak)Sanitizer|runtime error: ' \
		--include='*.log' --include='*err*' "$dir" 2>/dev/null) || true
	[ -z "$hits" ] || {
		# shellcheck disable=SC2086 # one file name per word
		grep -hE -A20 'ERROR: (Address|Leak)Sanitizer|runtime error: ' $hits | head -n 60 | sed 's/^/#   /' >&2
		fail "sanitizer report(s) in: $hits"
	}
}

# common_teardown: the usual teardown of a test.
common_teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		show_logs
	fi
	cleanup_processes
	sanitizer_reports
}
