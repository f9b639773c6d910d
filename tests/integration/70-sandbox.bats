#!/usr/bin/env bats
# The lock-down of a session, seen from outside: the privilege drop, the
# rlimits, no-new-privs and the seccomp filter in /proc of a live session;
# what happens to a session that makes a forbidden call, and to one whose
# filter cannot be installed; and transfers in every data mode inside the
# filter.

load ../lib/common

setup() {
	require_ftprelay
	T=$BATS_TEST_TMPDIR
	NOBODY_UID=$(id -u nobody)
	NOBODY_GID=$(id -g nobody)
}

teardown() {
	common_teardown
}

# sandbox_debug_build: true if ftprelay was configured with
# --enable-sandbox-debug (a refused call then exits 111 instead of SIGSYS).
sandbox_debug_build() {
	grep -q '^#define FTPR_SANDBOX_DEBUG 1' "$TOP_BUILDDIR/config.h" 2>/dev/null
}

# launcher_start [--stderr-pipe] [--log NAME] [LAUNCHER OPTIONS...] --
# PROGRAM ARGS...: PROGRAM behind systemd-socket-activate on 127.0.0.1 and
# [::1], like relay_start_raw, with extra launcher options (-E NAME=VALUE).
# With --stderr-pipe the sessions' stderr is a pipe (read into $RELAY_LOG by
# a cat), not a file. The log is $T/NAME.log (default relay). Sets
# RELAY_PORT, RELAY_PID, RELAY_LOG.
launcher_start() {
	local pipe='' name=relay sa=()
	if [ "$1" = --stderr-pipe ]; then
		pipe=1
		shift
	fi
	if [ "$1" = --log ]; then
		name=$2
		shift 2
	fi
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		sa+=("$1")
		shift
	done
	shift
	require_cmd systemd-socket-activate ss || return 1
	RELAY_LOG=$T/$name.log
	RELAY_PORT=$(free_port) || return 1
	local out=$RELAY_LOG
	if [ -n "$pipe" ]; then
		out=$T/$name.pipe
		rm -f "$out"
		mkfifo "$out"
		start_bg "$RELAY_LOG" cat "$out"
	fi
	start_bg "$out" systemd-socket-activate --accept --inetd "${sa[@]}" \
		-l "127.0.0.1:$RELAY_PORT" -l "[::1]:$RELAY_PORT" -- "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT" 127.0.0.1 10 || { cat "$RELAY_LOG" >&2; return 1; }
	wait_listening "$RELAY_PORT" '[::1]' 10 || { cat "$RELAY_LOG" >&2; return 1; }
}

# The client of hold_session: log in, print every line the server sends
# (one per line, <READY> once logged in), then wait until the release
# file exists (at most 60 s) or the server closes; then QUIT.
HOLD_PY='
import os, socket, sys, time
port, out, release = int(sys.argv[1]), sys.argv[2], sys.argv[3]
log = open(out, "a", buffering=1)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
buf = b""
def pump(wait):
    """Log the lines that arrive within wait seconds: their number, or -1
    at end-of-file."""
    global buf
    s.settimeout(wait)
    try:
        data = s.recv(4096)
    except socket.timeout:
        return 0
    except ConnectionResetError:
        data = b""
    if not data:
        log.write("<EOF>\n")
        return -1
    buf += data
    n = 0
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        log.write(line.rstrip(b"\r").decode(errors="replace") + "\n")
        n += 1
    return n
def reply():
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        n = pump(1)
        if n < 0:
            sys.exit(0)
        if n > 0:
            return
    log.write("<TIMEOUT>\n")
    sys.exit(0)
reply()
for cmd in (b"USER anonymous", b"PASS sandbox@example.com"):
    s.sendall(cmd + b"\r\n")
    reply()
log.write("<READY>\n")
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not os.path.exists(release):
    if pump(0.05) < 0:
        sys.exit(0)
s.sendall(b"QUIT\r\n")
while pump(10) >= 0:
    pass
'

# hold_session NAME: open a session through $RELAY_PORT and keep it logged
# in; its transcript is $T/NAME.out. Waits for the login (230).
hold_session() {
	local name=$1 i
	start_bg "$T/$name.err" "$PYTHON" -c "$HOLD_PY" "$RELAY_PORT" "$T/$name.out" "$T/$name.release"
	for ((i = 0; i < 200; i++)); do
		grep -q '^<READY>$' "$T/$name.out" 2>/dev/null && break
		grep -q '^<EOF>$' "$T/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	cat "$T/$name.out"
	grep -q '^230 ' "$T/$name.out" || fail "session $name did not log in"
}

# release_session NAME: let the held session send QUIT and wait for its end.
release_session() {
	local name=$1 i
	touch "$T/$name.release"
	for ((i = 0; i < 200; i++)); do
		grep -q '^<EOF>$' "$T/$name.out" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "session $name did not end after QUIT"
}

# session_pid: the pid of the one live ftprelay session of our launcher.
session_pid() {
	wait_sessions 1 || return 1
	relay_sessions
}

# proc_field PID NAME: the value of NAME: in /proc/PID/status (tabs kept).
proc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# limit_of PID NAME: "SOFT HARD" of the limit NAME in /proc/PID/limits.
limit_of() {
	awk -v name="$2" 'index($0, name) == 1 {
		rest = substr($0, length(name) + 1); split(rest, f, " ")
		print f[1], f[2] }' "/proc/$1/limits"
}

@test "a logged-in session runs as nobody with no capabilities, under no-new-privs and the seccomp filter (Seccomp: 2)" {
	origin_start
	relay_start
	hold_session s1
	local pid
	pid=$(session_pid)
	grep -E '^(Name|Uid|Gid|Groups|Cap(Inh|Prm|Eff|Amb)|NoNewPrivs|Seccomp(_filters)?|Threads):' "/proc/$pid/status"
	[ "$(proc_field "$pid" Name)" = ftprelay ]
	[ "$(proc_field "$pid" Uid)" = "$NOBODY_UID	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID" ]
	[ "$(proc_field "$pid" Gid)" = "$NOBODY_GID	$NOBODY_GID	$NOBODY_GID	$NOBODY_GID" ]
	[ -z "$(proc_field "$pid" Groups)" ] || fail "supplementary groups left"
	[ "$(proc_field "$pid" CapPrm)" = 0000000000000000 ]
	[ "$(proc_field "$pid" CapEff)" = 0000000000000000 ]
	[ "$(proc_field "$pid" CapAmb)" = 0000000000000000 ]
	[ "$(proc_field "$pid" NoNewPrivs)" = 1 ]
	# 2 is SECCOMP_MODE_FILTER; the launcher installed none, so the one
	# filter is ftprelay's own.
	[ "$(proc_field "$pid" Seccomp)" = 2 ]
	local n
	n=$(proc_field "$pid" Seccomp_filters)
	[ -z "$n" ] || [ "$n" = 1 ]
	[ "$(proc_field "$pid" Threads)" = 1 ]
	# The session still works after being looked at.
	release_session s1
	grep -q '^221 ' "$T/s1.out"
	wait_no_ftprelay
	grep -q 'died with code 0' "$RELAY_LOG"
	! grep -q -- '--no-sandbox' "$RELAY_LOG" || fail "the session ran with --no-sandbox"
}

@test "a live session's rlimits: no processes, no core files, 32 open files, and no file may grow when stderr is not a file" {
	origin_start
	# stderr is a pipe here, as it is a socket under xinetd.
	launcher_start --stderr-pipe -- "$FTPRELAY" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	hold_session s1
	local pid
	pid=$(session_pid)
	cat "/proc/$pid/limits"
	ls -l "/proc/$pid/fd/2"
	[ "$(limit_of "$pid" 'Max processes')" = "0 0" ]
	[ "$(limit_of "$pid" 'Max open files')" = "32 32" ]
	[ "$(limit_of "$pid" 'Max core file size')" = "0 0" ]
	[ "$(limit_of "$pid" 'Max file size')" = "0 0" ]
	release_session s1
	wait_no_ftprelay
	grep -q 'session end' "$RELAY_LOG"
}

@test "with stderr appended to a log file, the log may still grow; the other rlimits stay" {
	origin_start
	relay_start
	hold_session s1
	local pid
	pid=$(session_pid)
	cat "/proc/$pid/limits"
	[ -f "$(readlink "/proc/$pid/fd/2")" ]
	[ "$(limit_of "$pid" 'Max file size')" = "unlimited unlimited" ]
	[ "$(limit_of "$pid" 'Max processes')" = "0 0" ]
	[ "$(limit_of "$pid" 'Max open files')" = "32 32" ]
	[ "$(limit_of "$pid" 'Max core file size')" = "0 0" ]
	release_session s1
	wait_no_ftprelay
	# The line written after the lock-down reached the file.
	grep -q 'session end' "$RELAY_LOG"
}

@test "--no-sandbox: the session still drops to nobody but runs without the filter (Seccomp: 0) and rlimits, and every session logs a warning" {
	origin_start
	relay_start --no-sandbox
	hold_session s1
	local pid
	pid=$(session_pid)
	grep -E '^(Uid|NoNewPrivs|Seccomp):' "/proc/$pid/status"
	[ "$(proc_field "$pid" Seccomp)" = 0 ]
	[ "$(proc_field "$pid" NoNewPrivs)" = 0 ]
	[ "$(proc_field "$pid" Uid)" = "$NOBODY_UID	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID" ]
	[ "$(limit_of "$pid" 'Max open files')" != "32 32" ]
	[ "$(limit_of "$pid" 'Max processes')" != "0 0" ]
	release_session s1
	wait_no_ftprelay
	run ftp_cmds "$RELAY_PORT" QUIT
	[ "$status" -eq 0 ]
	wait_no_ftprelay
	cat "$RELAY_LOG"
	# one warning per session, naming the switch
	[ "$(grep -c -- '--no-sandbox: running WITHOUT the seccomp filter' "$RELAY_LOG")" -eq 2 ]
}

@test "--no-sandbox is a command line switch only: a config file cannot turn the sandbox off" {
	printf 'origin = 127.0.0.1:21\nno-sandbox = yes\n' >"$T/ftprelay.conf"
	run --separate-stderr timeout 10 "$FTPRELAY" --config "$T/ftprelay.conf" </dev/null
	echo "status $status, stderr: $stderr"
	[ "$status" -eq 100 ]
	[[ $stderr == *no-sandbox* ]]
}

@test "a forbidden call after the lock-down (test hook: open /etc/passwd) kills the session with SIGSYS; the client sees the connection close without a greeting" {
	[ -x "${FTPRELAY_TESTHOOKS:-}" ] || fail "FTPRELAY_TESTHOOKS is not set or not executable (run through make check)"
	origin_start
	launcher_start -E FTPRELAY_TEST_FORBIDDEN=1 -- \
		"$FTPRELAY_TESTHOOKS" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	run ftp_cmds -v -t 10 --eof "$RELAY_PORT"
	echo "$output"
	# The lock-down comes before the loop that relays the origin's 220:
	# the client gets nothing at all, only the end of the connection.
	[ "$status" -eq 0 ]
	[ "$output" = "<EOF>" ]
	wait_no_ftprelay
	cat "$RELAY_LOG"
	# It got as far as the lock-down (connected to the origin) ...
	grep -q 'session start: origin' "$RELAY_LOG"
	# ... and never back to the loop.
	! grep -q 'session end' "$RELAY_LOG" || fail "the session went on after the forbidden call"
	if sandbox_debug_build; then
		# --enable-sandbox-debug traps instead: names the call, exits 111.
		grep -q 'sandbox: refused syscall' "$RELAY_LOG"
		grep -q 'died with code 111' "$RELAY_LOG"
	else
		# systemd-socket-activate reports the signal that killed its
		# child: 31 is SIGSYS, the seccomp kill.
		grep -q 'died with code 31' "$RELAY_LOG"
	fi
}

@test "the forbidden call is a signal, not an exit status: run directly, the test binary ends with SIGSYS" {
	sandbox_debug_build && skip "--enable-sandbox-debug build: a refused call exits 111"
	origin_start
	run run_attached -t 20 --stderr "$T/err" -- env FTPRELAY_TEST_FORBIDDEN=1 \
		"$FTPRELAY_TESTHOOKS" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	echo "$output"
	cat "$T/err"
	[ "$status" -eq 0 ]
	[ "$output" = "EXIT SIG31" ]
}

@test "fcntl is allowed only for F_GETFL, F_SETFL and F_SETPIPE_SZ: F_SETOWN after the lock-down (test hook) kills the session" {
	origin_start
	run run_attached -t 20 --stderr "$T/err" -- env FTPRELAY_TEST_FORBIDDEN=fcntl \
		"$FTPRELAY_TESTHOOKS" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	echo "$output"
	cat "$T/err"
	[ "$status" -eq 0 ]
	if sandbox_debug_build; then
		[ "$output" = "EXIT 111" ]
		grep -q "sandbox: refused syscall" "$T/err"
	else
		[ "$output" = "EXIT SIG31" ]
	fi
	grep -q 'session start: origin' "$T/err"
}

@test "the forbidden-call hook exists only in the test binary: ftprelay with FTPRELAY_TEST_FORBIDDEN=1 serves normally, and so does the test binary without it" {
	origin_start
	# The installed binary does not even contain the variable's name.
	! grep -q FTPRELAY_TEST_FORBIDDEN "$FTPRELAY" || fail "the hook is compiled into $FTPRELAY"
	grep -q FTPRELAY_TEST_FORBIDDEN "$FTPRELAY_TESTHOOKS"
	launcher_start -E FTPRELAY_TEST_FORBIDDEN=1 -- \
		"$FTPRELAY" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	run ftp_cmds -t 10 "$RELAY_PORT" "USER anonymous" "PASS x@example.com" QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "220 (vsFTPd 3.0.3)" ]
	[[ ${lines[2]} == "230 "* ]]
	[[ ${lines[3]} == "221 "* ]]
	wait_no_ftprelay
	grep -q 'died with code 0' "$RELAY_LOG"

	launcher_start --log hooks -- "$FTPRELAY_TESTHOOKS" --user nobody --origin "127.0.0.1:$ORIGIN_PORT"
	run ftp_cmds -t 10 "$RELAY_PORT" "USER anonymous" "PASS x@example.com" QUIT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[2]} == "230 "* ]]
	[[ ${lines[3]} == "221 "* ]]
	wait_no_ftprelay
	grep -q 'died with code 0' "$RELAY_LOG"
}

# Run the program in argv[1:] with a seccomp filter that refuses seccomp()
# and prctl(PR_SET_SECCOMP) with EPERM, as a unit whose SystemCallFilter=
# lacks seccomp does (x86_64 and aarch64 only).
NOSECCOMP_PY='
import ctypes, os, platform, struct, sys
nr = {"x86_64": (317, 157, 0xC000003E), "aarch64": (277, 167, 0xC00000B7)}
if platform.machine() not in nr:
    sys.exit(77)
seccomp_nr, prctl_nr, arch = nr[platform.machine()]
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
prog = [
    (LD_W_ABS, 0, 0, 4), (JEQ_K, 1, 0, arch), (RET_K, 0, 0, RET_ALLOW),
    (LD_W_ABS, 0, 0, 0),
    (JEQ_K, 0, 1, seccomp_nr), (RET_K, 0, 0, RET_EPERM),
    (JEQ_K, 0, 3, prctl_nr),
    (LD_W_ABS, 0, 0, 16), (JEQ_K, 0, 1, 22), (RET_K, 0, 0, RET_EPERM),
    (RET_K, 0, 0, RET_ALLOW),
]
code = b"".join(struct.pack("HBBI", *i) for i in prog)
buf = ctypes.create_string_buffer(code)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(len(prog), ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
    sys.exit("cannot install the filter: errno %d" % ctypes.get_errno())
os.execv(sys.argv[1], sys.argv[1:])
'

@test "when the seccomp filter cannot be installed the session is refused (421, exit 111), never served without it" {
	require_cmd setpriv
	origin_start
	# Started as nobody, like a unit's dynamic user.  In an
	# --enable-sanitizers build the leak check at exit cannot start its
	# thread once RLIMIT_NPROC is 0 (set before the filter failed): off.
	run run_attached -t 20 --stderr "$T/err" -- \
		env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		setpriv --reuid "$NOBODY_UID" --regid "$NOBODY_GID" --clear-groups \
		"$PYTHON" -c "$NOSECCOMP_PY" "$FTPRELAY" --origin "127.0.0.1:$ORIGIN_PORT"
	echo "$output"
	cat "$T/err"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" != "EXIT 77" ] || skip "no seccomp numbers for $(uname -m)"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "421 Service not available: proxy lock-down failed." ]
	[ "${lines[1]}" = "EXIT 111" ]
	grep -q 'sandbox: seccomp' "$T/err" || fail "the log does not say that the filter failed"
	# the origin's greeting never reached the client
	! grep -q '^220' <<<"$output" || fail "the client got the origin's greeting"
}

@test "SIGTERM ends a sandboxed session cleanly: the handler returns inside the filter, the client gets 421 and the session exits 0" {
	origin_start
	relay_start
	hold_session s1
	local pid
	pid=$(session_pid)
	[ "$(proc_field "$pid" Seccomp)" = 2 ]
	kill -TERM "$pid"
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^<EOF>$' "$T/s1.out" && break
		sleep 0.05
	done
	cat "$T/s1.out"
	grep -q '^421 Service shutting down' "$T/s1.out"
	wait_no_ftprelay
	cat "$RELAY_LOG"
	grep -q 'signal 15: ending session' "$RELAY_LOG"
	grep -q 'session end' "$RELAY_LOG"
	grep -q 'died with code 0' "$RELAY_LOG"
}

@test "the integration tests run with the sandbox on: only this file and the valgrind test pass --no-sandbox" {
	[ -n "${TOP_SRCDIR:-}" ] || fail "TOP_SRCDIR is not set (run through make check)"
	# relay_start (tests/lib) never turns it off, so every transfer test
	# runs sandboxed; valgrind's own calls would be killed by the filter.
	run grep -l -e '--no-sandbox' "$TOP_SRCDIR"/tests/integration/*.bats \
		"$TOP_SRCDIR"/tests/lib/common.bash
	echo "$output"
	local f
	for f in "${lines[@]}"; do
		case ${f##*/} in
		70-sandbox.bats | 90-valgrind.bats) ;;
		*) fail "$f runs ftprelay with --no-sandbox" ;;
		esac
	done
}

# transfer_all_client_modes: download and upload $ORIGIN_ROOT/m.bin through
# $RELAY_PORT with the client in PASV, EPSV, PORT and EPRT mode (IPv4), and
# EPSV and EPRT over IPv6; every checksum must match.
transfer_all_client_modes() {
	local tag=$1 mode opts url host
	local -A modes=(
		[pasv]="--disable-epsv"
		[epsv]=""
		[port]="--ftp-port 127.0.0.1 --disable-eprt"
		[eprt]="--ftp-port 127.0.0.1"
		[epsv6]="-g"
		[eprt6]="-g --ftp-port ::1"
	)
	for mode in pasv epsv port eprt epsv6 eprt6; do
		host=127.0.0.1
		[[ $mode == *6 ]] && host='[::1]'
		url="ftp://$host:$RELAY_PORT"
		# shellcheck disable=SC2206 # the options are words
		opts=(${modes[$mode]})
		echo "# $tag $mode: ${opts[*]}"
		curl_ftp "${opts[@]}" -o "$T/$tag-$mode.bin" "$url/m.bin" ||
			fail "$tag $mode: download failed" || return 1
		[ "$(sha256_of "$T/$tag-$mode.bin")" = "$(sha256_of "$ORIGIN_ROOT/m.bin")" ] ||
			fail "$tag $mode: downloaded file differs" || return 1
		curl_ftp "${opts[@]}" -T "$T/up.bin" "$url/upload/$tag-$mode.bin" ||
			fail "$tag $mode: upload failed" || return 1
		[ "$(sha256_of "$ORIGIN_ROOT/upload/$tag-$mode.bin")" = "$(sha256_of "$T/up.bin")" ] ||
			fail "$tag $mode: uploaded file differs" || return 1
	done
}

@test "transfers in every data mode run inside the filter: PASV, EPSV, PORT, EPRT (and IPv6) to the client, times passive, active and client mode to the origin" {
	origin_start
	make_random_file "$ORIGIN_ROOT/m.bin" 1
	make_random_file "$T/up.bin" 1
	local odm sessions seen before
	for odm in passive active client; do
		launcher_start --log "$odm" -- "$FTPRELAY" --user nobody \
			--origin "127.0.0.1:$ORIGIN_PORT" --origin-data-mode "$odm"
		before=$(wc -l <"$ORIGIN_LOG")
		transfer_all_client_modes "$odm"
		# The origin saw the data commands of this mode (vsftpd takes
		# EPSV and EPRT, so the proxy never falls back to PASV/PORT).
		seen=$(tail -n +"$((before + 1))" "$ORIGIN_LOG" |
			grep -oE '"(PASV|EPSV|PORT|EPRT)' | tr -d '"' | sort -u | paste -sd' ')
		echo "# $odm: the origin saw $seen"
		case $odm in
		passive) [ "$seen" = EPSV ] ;;
		active) [ "$seen" = EPRT ] ;;
		client) [ "$seen" = "EPRT EPSV" ] ;;
		esac
		wait_no_ftprelay
		# Every session ended by itself with status 0: none was
		# killed by the filter (31) or failed its lock-down (111).
		sessions=$(grep -c 'session start: origin' "$RELAY_LOG")
		echo "# $odm: $sessions sessions"
		[ "$sessions" -eq 12 ]
		[ "$(grep -c 'died with code 0$' "$RELAY_LOG")" -eq 12 ] || {
			grep 'died with code' "$RELAY_LOG"
			fail "$odm: a session did not exit 0"
		}
		! grep -q -e '--no-sandbox' -e 'sandbox:' "$RELAY_LOG" ||
			fail "$odm: a session ran without the sandbox or failed its lock-down"
	done
}
