#!/usr/bin/env bats
# Robustness: every failure has a defined outcome, and nothing is lost.
# Clients and origins that vanish, ABOR, the Telnet layer, timeouts, stalled
# readers, garbage, signals and long sessions, against a real vsftpd origin
# through ftprelay run by systemd-socket-activate. What is checked is what a
# user or an operator would see: reply codes, checksums, exit codes in the
# launcher's log, processes and sockets left behind (none).

load ../lib/common

setup() {
	require_ftprelay
	require_cmd vsftpd systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
}

teardown() {
	# Put back the pipe quota the pipe-quota test lowered.
	local k
	for k in pipe-user-pages-soft pipe-user-pages-hard; do
		if [ -f "$T/$k" ]; then
			cat "$T/$k" >"/proc/sys/fs/$k"
		fi
	done
	common_teardown
}

# ------------------------------------------------------------------ helpers

# ms_since T0: milliseconds since $EPOCHREALTIME was T0.
ms_since() { echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000)); }

# origin_sessions: pids of the origin's session processes (every vsftpd
# process below the listener: one privileged, one unprivileged per session).
origin_sessions() {
	local kid
	for kid in $(_descendants "$ORIGIN_PID"); do
		_alive "${kid%%:*}" && printf '%s\n' "${kid%%:*}"
	done
	return 0
}

# wait_no_origin_sessions [SECONDS]: every vsftpd session process has
# exited (default: within 5 s); the origin is not left with a hanging
# session.
wait_no_origin_sessions() {
	local secs=${1:-5} i left
	for ((i = 0; i < secs * 20; i++)); do
		left=$(origin_sessions)
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	fail "vsftpd session process(es) still running ${secs}s later: $(ps -o pid=,user=,args= -p "$(paste -sd, <<<"$left")")"
}

# no_sockets_left PID...: no socket is left of the given (ended) ftprelay
# sessions, and none of the test's control and data connections lingers on
# either side (ESTABLISHED, CLOSE_WAIT, FIN_WAIT...: anything but TIME_WAIT)
# after a short grace period.
no_sockets_left() {
	local pid left i
	for pid in "$@"; do
		left=$(ss -Htanp | grep -F "pid=$pid," || true)
		[ -z "$left" ] || fail "sockets of ftprelay $pid left: $left" || return 1
	done
	for ((i = 0; i < 60; i++)); do
		left=$(ss -Htan exclude listening exclude time-wait \
			"( sport = :$RELAY_PORT or dport = :$RELAY_PORT or sport = :$ORIGIN_PORT or dport = :$ORIGIN_PORT or ( sport >= :$ORIGIN_PASV_LOW and sport <= :$ORIGIN_PASV_HIGH ) )" || true)
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	fail "connections left 3 s after the session ended: $left"
}

# session_exit_code PID: the exit code systemd-socket-activate logged for
# its child PID ("Child PID died with code N"); waits up to 5 s.
session_exit_code() {
	local i code
	for ((i = 0; i < 100; i++)); do
		code=$(sed -n "s/^Child $1 died with code \([0-9]*\)\$/\1/p" "$RELAY_LOG")
		[ -n "$code" ] && { printf '%s\n' "$code"; return 0; }
		sleep 0.05
	done
	fail "the launcher logged no exit for child $1"
}

# last_session_pid: the pid of the ftprelay the launcher spawned last.
last_session_pid() {
	sed -n 's/^Spawned .* as PID \([0-9]*\)\.$/\1/p' "$RELAY_LOG" | tail -n 1
}

# sanitized: is $FTPRELAY built with ASan/UBSan (memory figures and
# valgrind mean nothing then)?
sanitized() {
	grep -aq -e __asan_init -e __ubsan_handle "$FTPRELAY"
}

# ---------------------------------------------------- the client vanishes

# client_vanishes RETR|STOR close|rst: a client starts a large transfer,
# moves some data, then drops its control and data connections (a plain
# close, or a reset with SO_LINGER 0), the way a killed client does.
# Checks that ftprelay exits within a few seconds with code 0, that the
# origin's session ends, and that no socket is left behind.
client_vanishes() {
	local verb=$1 how=$2
	origin_start
	relay_start
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$verb" "$how" <<'PY'
import ftplib, socket, struct, sys, time
port, verb, how = int(sys.argv[1]), sys.argv[2], sys.argv[3]
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=15)
f.login()
f.voidcmd("TYPE I")
if verb == "RETR":
    data, _ = f.ntransfercmd("RETR big.bin")
    got = 0
    while got < 4 << 20:
        got += len(data.recv(65536))
else:
    data, _ = f.ntransfercmd("STOR upload/part.bin")
    chunk = b"x" * 65536
    for _ in range(64):
        data.sendall(chunk)
    got = 64 * 65536
    time.sleep(0.3)  # let it reach the origin
for s in (f.sock, data):
    if how == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print("vanished after %d bytes" % got)
PY
	local t0=$EPOCHREALTIME
	echo "$output"
	[ "$status" -eq 0 ]
	local pid
	pid=$(last_session_pid)
	[ -n "$pid" ]
	wait_no_ftprelay 10
	echo "ftprelay gone $(ms_since "$t0") ms after the client vanished"
	[ "$(session_exit_code "$pid")" -eq 0 ]
	wait_no_origin_sessions 5
	echo "origin session gone $(ms_since "$t0") ms after the client vanished"
	(($(ms_since "$t0") < 7000)) || fail "too slow"
	no_sockets_left "$pid"
	cat "$RELAY_LOG"
}

@test "a client that closes control and data in the middle of a download: ftprelay exits 0, the origin's session ends, no socket is left" {
	client_vanishes RETR close
	# the origin saw the download fail, not complete
	grep -q 'FAIL DOWNLOAD' "$ORIGIN_LOG"
}

@test "a client that resets control and data (SO_LINGER 0) in the middle of a download: ftprelay exits 0, the origin's session ends, no socket is left" {
	client_vanishes RETR rst
	grep -q 'FAIL DOWNLOAD' "$ORIGIN_LOG"
}

@test "a client that closes control and data in the middle of an upload: ftprelay exits 0, the origin keeps what arrived, no socket is left" {
	client_vanishes STOR close
	# a plain close of the data connection is the end of an upload in
	# stream mode: the origin keeps the (short) file.
	[ "$(stat -c %s "$ORIGIN_ROOT/upload/part.bin")" -eq $((64 * 65536)) ]
}

@test "a client that resets control and data in the middle of an upload: ftprelay resets the origin's data connection and the origin logs a failed upload" {
	client_vanishes STOR rst
	# the reset is passed on: the origin must not take the part for the
	# whole file
	grep -q 'FAIL UPLOAD' "$ORIGIN_LOG"
	! grep -q 'OK UPLOAD' "$ORIGIN_LOG" || fail "the origin took the part for a whole upload"
}

# ---------------------------------------------------- the origin vanishes

@test "the origin's session is killed (kill -9) in the middle of a download: the client gets 421 or 426 with a reason, then end-of-file, and ftprelay exits 111" {
	origin_start
	relay_start
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$ORIGIN_PID" <<'PY'
import ftplib, os, signal, subprocess, sys, time
port = int(sys.argv[1])
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=15)
f.login()
f.voidcmd("TYPE I")
data, _ = f.ntransfercmd("RETR big.bin")
got = 0
while got < 4 << 20:
    got += len(data.recv(65536))
# the origin vanishes: every process of its session at once
def descendants(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                         text=True).stdout.split()
    return [d for kid in out for d in [kid] + descendants(kid)]
pids = descendants(sys.argv[2])
for pid in pids:
    os.kill(int(pid), signal.SIGKILL)
print("killed the origin's session processes %s after %d bytes" % (pids, got))
t0 = time.monotonic()
data.settimeout(10)
try:
    while True:
        b = data.recv(1 << 20)
        if not b:
            print("data: end-of-file")
            break
        got += len(b)
except OSError as e:
    print("data: %s" % e)
print("received %d of %d bytes" % (got, 1 << 30))
try:
    print("reply=" + f.getmultiline())
except ftplib.all_errors as e:
    print("reply=error: %r" % e)
f.sock.settimeout(10)
print("then=%r" % f.sock.recv(100))
print("took %.3f s" % (time.monotonic() - t0))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE '^reply=42[16] [A-Z]' <<<"$output" || fail "no 421 or 426 reply with a reason"
	grep -qx "then=b''" <<<"$output" || fail "the control connection did not close"
	local pid
	pid=$(last_session_pid)
	wait_no_ftprelay 10
	[ "$(session_exit_code "$pid")" -eq 111 ]
	wait_no_origin_sessions 5
	no_sockets_left "$pid"
	cat "$RELAY_LOG"
}

@test "the origin's session is killed (kill -9) while the client is logged in and idle: the client reads 421 and end-of-file, and ftprelay exits 111" {
	origin_start
	relay_start
	exec 5<>"/dev/tcp/127.0.0.1/$RELAY_PORT"
	local line
	read -r -t 10 line <&5
	[[ $line == 220* ]]
	printf 'USER anonymous\r\nPASS x@example.com\r\n' >&5
	read -r -t 10 line <&5
	[[ $line == 331* ]]
	read -r -t 10 line <&5
	[[ $line == 230* ]]
	local t0=$EPOCHREALTIME pid
	# the origin vanishes: every process of its session at once
	# shellcheck disable=SC2046 # one pid per word
	kill -KILL $(origin_sessions)
	read -r -t 10 line <&5
	echo "client read: $line ($(ms_since "$t0") ms after the kill)"
	[ "$line" = $'421 Origin closed the connection.\r' ]
	run timeout 10 cat <&5
	[ "$status" -eq 0 ]
	[ -z "$output" ] || fail "more after the 421: $output"
	exec 5<&-
	pid=$(last_session_pid)
	wait_no_ftprelay 5
	[ "$(session_exit_code "$pid")" -eq 111 ]
	wait_no_origin_sessions 5
	no_sockets_left "$pid"
	cat "$RELAY_LOG"
}

# ------------------------------------------------------------------- ABOR

# abor_midstream ftplib|synch: ABOR while the download still runs and the
# client's data connection is open; then a whole RETR in the same session.
abor_midstream() {
	origin_start
	relay_start
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	make_random_file "$ORIGIN_ROOT/after.bin" 8
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$1" <<'PY'
import ftplib, hashlib, socket, sys, time
port, how = int(sys.argv[1]), sys.argv[2]
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=15)
f.login()
f.voidcmd("TYPE I")
data, _ = f.ntransfercmd("RETR big.bin")
got = 0
while got < 2 << 20:
    got += len(data.recv(65536))
# the data connection stays open: ftprelay has to cut it
if how == "ftplib":
    # "ABOR\r\n" sent with MSG_OOB (its LF is the urgent byte); no
    # Telnet IP or Synch
    first = f.abort()
    print("first=" + first)
    if first.startswith("426"):
        print("second=" + f.getmultiline())
else:
    # RFC 959 by hand: IAC IP, IAC (urgent), DM, ABOR
    f.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)
    f.sock.sendall(b"\xf2ABOR\r\n")
    print("first=" + f.getmultiline())
    print("second=" + f.getmultiline())
data.settimeout(10)
try:
    while data.recv(1 << 20):
        pass
    print("data=closed")
except OSError as e:
    print("data=%s" % e.strerror)
data.close()
chunks = []
print("retr=" + f.retrbinary("RETR after.bin", chunks.append))
print("sha256=" + hashlib.sha256(b"".join(chunks)).hexdigest())
print("quit=" + f.quit())
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == first=426\ * ]] || fail "the transfer did not end with 426"
	[[ ${lines[1]} =~ ^second=22[56]\  ]] || fail "ABOR was not answered with 225/226"
	[[ ${lines[2]} =~ ^data=(closed|Connection\ reset\ by\ peer)$ ]]
	[[ ${lines[3]} == retr=226\ * ]]
	[ "${lines[4]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/after.bin")" ]
	[[ ${lines[5]} == quit=221\ * ]]
	grep -q 'data transfer aborted: client sent ABOR' "$RELAY_LOG"
	# the origin got the abort the RFC 959 way (IP, Synch, then ABOR)
	grep -aq 'ABOR"$' "$ORIGIN_LOG"
	wait_no_ftprelay
}

@test "ABOR with python ftplib's abort() while a download is running and its data connection open: 426, then 225/226, then a whole RETR in the same session has the right checksum" {
	abor_midstream ftplib
}

@test "ABOR after Telnet IP and Synch (urgent IAC, DM) while a download is running: 426, then 225/226, then a whole RETR in the same session has the right checksum" {
	abor_midstream synch
}

@test "ABOR with python ftplib's abort() while an upload is running: 426, then 225/226, then a whole STOR in the same session lands intact" {
	origin_start
	relay_start
	make_random_file "$T/after.bin" 8
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$T/after.bin" <<'PY'
import ftplib, io, sys
port = int(sys.argv[1])
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=15)
f.login()
f.voidcmd("TYPE I")
data, _ = f.ntransfercmd("STOR upload/cut.bin")
for _ in range(32):
    data.sendall(b"u" * 65536)
first = f.abort()
print("first=" + first)
if first.startswith("426"):
    print("second=" + f.getmultiline())
data.close()
print("stor=" + f.storbinary("STOR upload/after.bin", open(sys.argv[2], "rb")))
print("quit=" + f.quit())
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == first=426\ * ]] || fail "the upload did not end with 426"
	[[ ${lines[1]} =~ ^second=22[56]\  ]] || fail "ABOR was not answered with 225/226"
	[[ ${lines[2]} == stor=226\ * ]]
	[[ ${lines[3]} == quit=221\ * ]]
	[ "$(sha256_of "$ORIGIN_ROOT/upload/after.bin")" = "$(sha256_of "$T/after.bin")" ]
	# the cut upload was reported as failed on the origin, never as complete
	grep -q 'FAIL UPLOAD: .*"/upload/cut.bin"' "$ORIGIN_LOG"
	wait_no_ftprelay
}

# ----------------------------------------------------------------- Telnet

# telnet_option BYTES: log in after sending the Telnet option request
# BYTES; prints everything the client received, as python bytes repr, one
# item per line: Telnet answers apart from reply lines.
telnet_option() {
	timeout 30 "$PYTHON" - "$RELAY_PORT" "$1" <<'PY'
import re, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
request = bytes.fromhex(sys.argv[2])
buf = b""
def until(pattern):
    global buf
    while not re.search(pattern, buf):
        b = s.recv(4096)
        if not b:
            break
        buf += b
until(rb"^220 .*\r\n")
s.sendall(request)
s.sendall(b"USER anonymous\r\nPASS x@example.com\r\nNOOP\r\nQUIT\r\n")
until(rb"221 .*\r\n")
for item in re.findall(rb"\xff[\xfb-\xfe].|[^\xff]*?\r\n", buf):
    print(repr(item))
PY
}

@test "Telnet: IAC WILL ECHO from the client is answered IAC DONT ECHO, and the session works" {
	origin_start
	relay_start
	run telnet_option fffb01
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qxF "b'\\xff\\xfe\\x01'" <<<"$output" || fail "no IAC DONT ECHO"
	grep -q "^b'230 " <<<"$output"
	grep -qF "b'200 NOOP ok.\\r\\n'" <<<"$output"
	grep -q "^b'221 " <<<"$output"
	# the option request never reached the origin
	! grep -a 'FTP command' "$ORIGIN_LOG" | grep -avE '"(USER anonymous|PASS <password>|NOOP|QUIT)"$' ||
		fail "the origin got something else"
	wait_no_ftprelay
}

@test "Telnet: IAC DO SGA from the client is answered IAC WONT SGA, and the session works" {
	origin_start
	relay_start
	run telnet_option fffd03
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qxF "b'\\xff\\xfc\\x03'" <<<"$output" || fail "no IAC WONT SGA"
	grep -qF "b'200 NOOP ok.\\r\\n'" <<<"$output"
	grep -q "^b'221 " <<<"$output"
	wait_no_ftprelay
}

# retr_name PORT NAME-HEX: RETR of the file name given as hex bytes, exactly
# as sent on the wire; prints the final reply and the data's sha256.
retr_name() {
	timeout 30 "$PYTHON" - "$1" "$2" <<'PY'
import ftplib, hashlib, sys
f = ftplib.FTP(encoding="latin-1")
f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
f.login()
f.voidcmd("TYPE I")
name = bytes.fromhex(sys.argv[2]).decode("latin-1")
chunks = []
try:
    print(f.retrbinary("RETR " + name, chunks.append))
except ftplib.all_errors as e:
    print(e)
print(hashlib.sha256(b"".join(chunks)).hexdigest())
f.quit()
PY
}

@test "Telnet: IAC IAC in a command reaches the origin as IAC IAC, so RETR a<IAC><IAC>b gets the same file with and without ftprelay" {
	origin_start
	relay_start
	# vsftpd does not undo Telnet escaping: the name it opens for
	# "RETR a\xff\xffb" is a\xff\xffb. ftprelay turns the client's IAC IAC
	# into one 0xFF byte and escapes it again towards the origin: the
	# origin gets the client's bytes unchanged.
	"$PYTHON" -c 'import os, sys; open(os.path.join(os.fsencode(sys.argv[1]), b"a\xff\xffb"), "wb").write(os.urandom(300000))' "$ORIGIN_ROOT"
	local want
	want=$("$PYTHON" -c 'import hashlib, os, sys; print(hashlib.sha256(open(os.path.join(os.fsencode(sys.argv[1]), b"a\xff\xffb"), "rb").read()).hexdigest())' "$ORIGIN_ROOT")
	run retr_name "$ORIGIN_PORT" 61ffff62
	echo "direct: $output"
	[[ ${lines[0]} == 226\ * ]]
	[ "${lines[1]}" = "$want" ]
	run retr_name "$RELAY_PORT" 61ffff62
	echo "through ftprelay: $output"
	[[ ${lines[0]} == 226\ * ]]
	[ "${lines[1]}" = "$want" ]
	wait_no_ftprelay
}

@test "Telnet: a lone 0xFF from a client that does not escape it is a Telnet command (RFC 854): RETR a<0xFF>b reaches the origin as RETR a" {
	origin_start
	relay_start
	"$PYTHON" -c 'import os, sys; open(os.path.join(os.fsencode(sys.argv[1]), b"a\xffb"), "wb").write(b"x")' "$ORIGIN_ROOT"
	run retr_name "$ORIGIN_PORT" 61ff62
	echo "direct: $output"
	[[ ${lines[0]} == 226\ * ]]
	run retr_name "$RELAY_PORT" 61ff62
	echo "through ftprelay: $output"
	[[ ${lines[0]} == 550\ * ]]
	grep -aq 'FTP command: Client "127.0.0.1", "RETR a"$' "$ORIGIN_LOG"
	wait_no_ftprelay
}

# --------------------------------------------------------------- timeouts

@test "an idle logged-in session gets '421 Idle timeout (2 seconds)' after --idle-timeout 2 (not before), then end-of-file, and ftprelay exits 0" {
	origin_start
	relay_start --idle-timeout 2
	local t0=$EPOCHREALTIME
	run ftp_cmds -t 20 --eof "$RELAY_PORT" "USER anonymous" "PASS test@example.com"
	local ms
	ms=$(ms_since "$t0")
	echo "$output"
	echo "closed after $ms ms"
	[ "$status" -eq 0 ]
	[[ ${lines[2]} == "230 "* ]]
	[ "${lines[3]}" = "421 Idle timeout (2 seconds): closing control connection." ]
	[ "${lines[4]}" = "<EOF>" ]
	((ms >= 1900 && ms < 6000))
	local pid
	pid=$(last_session_pid)
	wait_no_ftprelay
	[ "$(session_exit_code "$pid")" -eq 0 ]
	wait_no_origin_sessions
}

@test "a slow download (8 s at 1 MiB/s) and upload (4 s) with --idle-timeout 2 are not cut, and the session is still alive after the 226" {
	origin_start
	relay_start --idle-timeout 2
	# Both are paced at 1 MiB/s. At the end of the download several MiB
	# still sit in ftprelay's send buffer (it grows to 4 MiB); the 226
	# must wait until the client has acknowledged them, or the idle clock
	# would start while the client is still reading and NOOP would get a
	# 421 (vsftpd itself lingers on close for the same reason).
	make_random_file "$ORIGIN_ROOT/slow.bin" 8
	make_random_file "$T/up.bin" 4
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$T/up.bin" <<'PY'
import ftplib, hashlib, io, sys, time
port = int(sys.argv[1])
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=15)
f.login()
f.voidcmd("TYPE I")
t0 = time.monotonic()
data, _ = f.ntransfercmd("RETR slow.bin")
h, n = hashlib.sha256(), 0
while True:
    b = data.recv(32768)
    if not b:
        break
    h.update(b)
    n += len(b)
    time.sleep(max(0, t0 + n / (1 << 20) - time.monotonic()))
data.close()
print("retr=%s after %.1f s" % (f.voidresp(), time.monotonic() - t0))
print("sha256=" + h.hexdigest())
t0 = time.monotonic()
up = open(sys.argv[2], "rb").read()
data, _ = f.ntransfercmd("STOR upload/slow.bin")
for off in range(0, len(up), 32768):
    data.sendall(up[off:off + 32768])
    time.sleep(max(0, t0 + (off + 32768) / (1 << 20) - time.monotonic()))
data.close()
print("stor=%s after %.1f s" % (f.voidresp(), time.monotonic() - t0))
print("noop=" + f.sendcmd("NOOP"))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^retr=226\ .*\ after\ ([0-9]+)\.[0-9]\ s$ ]]
	((BASH_REMATCH[1] >= 7)) || fail "the download was not slow enough to test anything"
	[ "${lines[1]}" = "sha256=$(sha256_of "$ORIGIN_ROOT/slow.bin")" ]
	[[ ${lines[2]} =~ ^stor=226\ .*\ after\ ([0-9]+)\.[0-9]\ s$ ]]
	((BASH_REMATCH[1] >= 3)) || fail "the upload was not slow enough to test anything"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/slow.bin")" = "$(sha256_of "$T/up.bin")" ]
	[ "${lines[3]}" = "noop=200 NOOP ok." ]
	! grep -q 'idle for' "$RELAY_LOG" || fail "the idle timer ran during a transfer"
}

@test "a client that stops reading a download gets the origin's 426 after --data-timeout, and the session goes on" {
	origin_start
	relay_start --data-timeout 2
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	run timeout 60 "$PYTHON" - "$RELAY_PORT" <<'PY'
import ftplib, sys, time
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
f.login()
f.voidcmd("TYPE I")
data, _ = f.ntransfercmd("RETR big.bin")
data.recv(65536)
t0 = time.monotonic()  # and never read again
print("reply=%s after %.1f s" % (f.getmultiline(), time.monotonic() - t0))
data.close()
print("noop=" + f.sendcmd("NOOP"))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^reply=426\ .*\ after\ ([0-9.]+)\ s$ ]]
	local secs=${BASH_REMATCH[1]}
	[ "${secs%.*}" -ge 2 ] && [ "${secs%.*}" -lt 10 ]
	[ "${lines[1]}" = "noop=200 NOOP ok." ]
	grep -q 'data transfer aborted: no progress for 2 s' "$RELAY_LOG"
	wait_no_ftprelay
}

@test "a client that never reads a download the origin has already finished (226) gets ftprelay's own 426 after --data-timeout, never the 226" {
	origin_start
	relay_start --data-timeout 2
	# More than the client's side can hold (its 4 KiB receive buffer and
	# ftprelay's send buffer, up to 4 MiB), less than the origin's side
	# (ftprelay's pipe and receive buffer, vsftpd's send buffer): vsftpd
	# sends it all and says 226 while the data is still on its way.
	make_random_bytes "$ORIGIN_ROOT/held.bin" 5800000
	run timeout 60 "$PYTHON" - "$RELAY_PORT" <<'PY'
import ftplib, re, socket, sys, time
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=15)
f.login()
f.voidcmd("TYPE I")
p = [int(n) for n in re.search(r"\((.*)\)", f.sendcmd("PASV")).group(1).split(",")]
data = socket.socket()
data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
data.connect(("127.0.0.1", p[4] * 256 + p[5]))
f.putcmd("RETR held.bin")
print("first=" + f.getmultiline())
t0 = time.monotonic()  # never read
print("reply=%s after %.1f s" % (f.getmultiline(), time.monotonic() - t0))
data.close()
print("noop=" + f.sendcmd("NOOP"))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == first=150\ * ]]
	[[ ${lines[1]} =~ ^reply=426\ Data\ connection\ timed\ out\;\ transfer\ aborted\.\ after\ ([0-9.]+)\ s$ ]]
	local secs=${BASH_REMATCH[1]}
	[ "${secs%.*}" -ge 1 ] && [ "${secs%.*}" -lt 10 ]
	[ "${lines[2]}" = "noop=200 NOOP ok." ]
	# the origin had sent it all and said 226
	grep -q 'OK DOWNLOAD: .*held.bin' "$ORIGIN_LOG"
	grep -q '"226 Transfer complete."' "$ORIGIN_LOG"
	wait_no_ftprelay
}

# ---------------------------------------------------- slow and stalled readers

@test "a client that stops reading a 1 GiB download: ftprelay's memory (VmRSS) stays under 8 MiB while stalled, and --data-timeout ends the transfer with 426" {
	sanitized && skip "VmRSS means nothing under ASan (shadow memory)"
	origin_start
	relay_start --data-timeout 4
	truncate -s 1G "$ORIGIN_ROOT/big.bin"
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$RELAY_PID" <<'PY'
import ftplib, select, subprocess, sys, time
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=20)
f.login()
f.voidcmd("TYPE I")
pid = subprocess.run(["pgrep", "-n", "-P", sys.argv[2]], capture_output=True,
                     text=True).stdout.split()[0]
def rss_kib():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
print("rss_before=%d" % rss_kib())
data, _ = f.ntransfercmd("RETR big.bin")
got = 0
while got < 16 << 20:  # read 16 MiB at full speed
    got += len(data.recv(1 << 20))
peak = 0
t0 = time.monotonic()  # then never read again
reply = "<no reply>"
while time.monotonic() - t0 < 20:
    peak = max(peak, rss_kib())
    if select.select([f.sock], [], [], 0.1)[0]:
        reply = f.getmultiline()
        break
print("rss_peak_stalled=%d" % peak)
print("reply=%s after %.1f s" % (reply, time.monotonic() - t0))
data.close()
print("noop=" + f.sendcmd("NOOP"))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	local peak
	peak=$(sed -n 's/^rss_peak_stalled=//p' <<<"$output")
	((peak > 0 && peak < 8192)) || fail "VmRSS peaked at $peak KiB"
	local before
	before=$(sed -n 's/^rss_before=//p' <<<"$output")
	((peak - before < 1024)) || fail "VmRSS grew by $((peak - before)) KiB during the transfer"
	[[ ${lines[2]} =~ ^reply=426\ .*\ after\ ([0-9]+)\.[0-9]\ s$ ]]
	((BASH_REMATCH[1] >= 3 && BASH_REMATCH[1] < 15))
	[ "${lines[3]}" = "noop=200 NOOP ok." ]
	wait_no_ftprelay
}

# ---------------------------------------------------------------- garbage

# raw_session PYTHON-CODE: run PYTHON-CODE with `s`, a socket connected to
# the relay, and helpers: send(bytes), drain() -> everything until
# end-of-file (or 15 s), lines(bytes) -> the reply lines with Telnet
# answers (IAC WILL/WONT/DO/DONT x) taken out, greeting() reads and prints
# the one-line greeting.
raw_session() {
	timeout 60 "$PYTHON" - "$RELAY_PORT" "$1" <<'PY'
import re, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
def send(b):
    try:
        s.sendall(b)
    except OSError as e:
        print("send: %s" % e.strerror)
def drain():
    buf, t0 = b"", time.monotonic()
    while time.monotonic() - t0 < 15:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            print("<RESET>")
            return buf
        except TimeoutError:
            print("<TIMEOUT>")
            return buf
        if not b:
            print("<EOF>")
            return buf
        buf += b
    print("<OPEN>")
    return buf
def lines(buf):
    return re.sub(rb"\xff[\xfb-\xfe].", b"", buf).split(b"\r\n")
def greeting():
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += s.recv(1)
    print(buf.decode("latin-1").rstrip())
exec(sys.argv[2])
PY
}

# ended_cleanly CODE: the session's ftprelay exited with CODE, the origin's
# session ended too, and no socket is left.
ended_cleanly() {
	local pid
	pid=$(last_session_pid)
	wait_no_ftprelay 5
	[ "$(session_exit_code "$pid")" -eq "$1" ]
	wait_no_origin_sessions 5
	no_sockets_left "$pid"
}

@test "a TLS ClientHello as the first bytes (implicit FTPS on the plain port) gets '421 TLS is not supported on this port; use plain FTP.' and the connection closes" {
	origin_start
	relay_start
	# a real ClientHello, made by python's ssl module
	run raw_session '
import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = ssl.MemoryBIO()
tls = ctx.wrap_bio(ssl.MemoryBIO(), out, server_hostname="ftp.example")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = out.read()
print("hello=%s... (%d bytes)" % (hello[:3].hex(), len(hello)))
send(hello)
for line in lines(drain()):
    print(line.decode("latin-1"))
'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "hello=160301... "* ]]
	[ "${lines[1]}" = "<EOF>" ]
	# the origin's 220 may have come first; nothing else may
	local rest=("${lines[@]:2}")
	[[ ${rest[0]} == "220 "* ]] && rest=("${rest[@]:1}")
	[ "${rest[0]}" = "421 TLS is not supported on this port; use plain FTP." ]
	[ -z "${rest[1]:-}" ] && [ "${#rest[@]}" -le 2 ]
	grep -q 'client started a TLS handshake: closing' "$RELAY_LOG"
	ended_cleanly 0
}

@test "binary noise without a line end (NULs, 0xFF, 100 KiB) after login: 500, then '421 Command line too long; closing.', and the origin's session ends" {
	origin_start
	relay_start
	run raw_session '
import random
rnd = random.Random(4711)
noise = bytes(rnd.randrange(256) for _ in range(100 * 1024)).replace(b"\n", b"\0")
send(b"USER anonymous\r\nPASS x@example.com\r\n")
time.sleep(0.3)
send(noise)
for line in lines(drain()):
    print(line.decode("latin-1"))
'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^\<(EOF|RESET)\>$ ]]
	[[ ${lines[1]} == "220 "* ]] && [[ ${lines[2]} == "331 "* ]] && [[ ${lines[3]} == "230 "* ]]
	[ "${lines[4]}" = "500 Command line too long (limit 4096 bytes)." ]
	[ "${lines[5]}" = "421 Command line too long; closing." ]
	# none of it reached the origin
	[ "$(grep -ac 'FTP command' "$ORIGIN_LOG")" -eq 3 ] # QUIT of the readiness check, USER, PASS
	ended_cleanly 0
}

@test "binary noise in lines (each with a NUL) after login: seven 500s, then '421 Too many invalid commands; closing.', and the origin's session ends" {
	origin_start
	relay_start
	run raw_session '
import random
rnd = random.Random(4712)
def junk():
    b = bytearray(rnd.randrange(256) for _ in range(rnd.randrange(20, 300)))
    b = b.replace(b"\n", b"x")
    b[rnd.randrange(len(b))] = 0
    return bytes(b) + b"\r\n"
send(b"USER anonymous\r\nPASS x@example.com\r\n")
time.sleep(0.3)
send(b"".join(junk() for _ in range(50)))
for line in lines(drain()):
    print(line.decode("latin-1"))
'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^\<(EOF|RESET)\>$ ]]
	[[ ${lines[3]} == "230 "* ]]
	local i
	for i in 4 5 6 7 8 9 10; do
		[ "${lines[i]}" = "500 Command line contains a NUL byte." ]
	done
	[ "${lines[11]}" = "421 Too many invalid commands; closing." ]
	[ "$(grep -ac 'FTP command' "$ORIGIN_LOG")" -eq 3 ]
	ended_cleanly 0
}

@test "an endless line (200 KiB without a line end) gets 500, then '421 Command line too long; closing.', and the connection closes" {
	origin_start
	relay_start
	run raw_session '
greeting()
s.settimeout(5)
send(b"NOOP " + b"A" * (200 * 1024))
s.settimeout(15)
for line in lines(drain()):
    print(line.decode("latin-1"))
'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "220 "* ]]
	[[ ${lines[1]} =~ ^\<(EOF|RESET)\>$ ]]
	[ "${lines[2]}" = "500 Command line too long (limit 4096 bytes)." ]
	[ "${lines[3]}" = "421 Command line too long; closing." ]
	! grep -aq AAAAAAAAAAAAAAAA "$ORIGIN_LOG" || fail "the endless line reached the origin"
	ended_cleanly 0
}

# ---------------------------------------------------------------- signals

@test "SIGTERM, SIGINT and SIGHUP to a session's ftprelay: the client reads '421 Service shutting down.' within 2 s, then end-of-file, and ftprelay exits 0" {
	origin_start
	relay_start
	local sig
	for sig in TERM INT HUP; do
		run timeout 30 "$PYTHON" - "$RELAY_PORT" "$RELAY_PID" "$sig" <<'PY'
import ftplib, os, signal, subprocess, sys, time
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=10)
f.login()
pid = int(subprocess.run(["pgrep", "-n", "-P", sys.argv[2]], capture_output=True,
                         text=True).stdout.split()[0])
print("pid=%d" % pid)
t0 = time.monotonic()
os.kill(pid, getattr(signal, "SIG" + sys.argv[3]))
print("reply=" + f.getline())
print("then=%r" % f.sock.recv(100))
print("ms=%d" % ((time.monotonic() - t0) * 1000))
PY
		echo "SIG$sig: $output"
		[ "$status" -eq 0 ]
		[ "${lines[1]}" = "reply=421 Service shutting down." ]
		[ "${lines[2]}" = "then=b''" ]
		[ "${lines[3]#ms=}" -lt 2000 ]
		wait_no_ftprelay 5
		[ "$(session_exit_code "${lines[0]#pid=}")" -eq 0 ]
		grep -q "signal $(kill -l "$sig"): ending session" "$RELAY_LOG"
	done
	wait_no_origin_sessions
}

@test "SIGPIPE: clients that reset the connection while ftprelay writes a large listing (data) or a large reply (control) never kill it; every session exits 0" {
	origin_start
	relay_start
	mkdir "$ORIGIN_ROOT/many"
	"$PYTHON" -c '
import os, sys
for i in range(3000):
    open(os.path.join(sys.argv[1], "a-rather-long-file-name-to-make-the-listing-big-%05d.txt" % i), "w").close()' "$ORIGIN_ROOT/many"
	run timeout 120 "$PYTHON" - "$RELAY_PORT" <<'PY'
import ftplib, socket, struct, sys, time
port = int(sys.argv[1])
def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
for i in range(10):
    # a listing on the data connection: read a little, then reset both
    f = ftplib.FTP()
    f.connect("127.0.0.1", port, timeout=10)
    f.login()
    data, _ = f.ntransfercmd("LIST many")
    data.recv(1000)
    rst(data) if i % 2 else data.close()
    rst(f.sock)
    # a large reply on the control connection: STAT of a directory
    f = ftplib.FTP()
    f.connect("127.0.0.1", port, timeout=10)
    f.login()
    f.putcmd("STAT many")
    f.sock.recv(1000)
    rst(f.sock) if i % 2 else f.sock.close()
print("20 sessions dropped")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	wait_no_ftprelay 10
	local spawned died
	spawned=$(grep -c '^Spawned ' "$RELAY_LOG")
	died=$(grep -c '^Child [0-9]* died with code 0$' "$RELAY_LOG")
	grep '^Child ' "$RELAY_LOG"
	[ "$spawned" -eq 20 ] && [ "$died" -eq 20 ] || fail "$spawned sessions, $died exited 0"
	echo "write errors ftprelay saw:"
	grep -oE '(data connection|client control connection): .*' "$RELAY_LOG" | sort | uniq -c
	# a write that failed with EPIPE is one that raised SIGPIPE
	grep -q 'Broken pipe' "$RELAY_LOG" || fail "no write failed with EPIPE: SIGPIPE was not tested"
}

# ------------------------------------------------------------ long sessions

@test "one session does 1000 transfers in a row (RETR, STOR, LIST, NLST; PASV and EPSV), every one correct, and ends with 221" {
	origin_start
	relay_start
	run timeout 300 "$PYTHON" - "$RELAY_PORT" "$ORIGIN_ROOT" <<'PY'
import ftplib, hashlib, io, os, random, socket, sys, time
port, root = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1000)
files = {}
os.makedirs(os.path.join(root, "m"))
for i in range(16):
    body = os.urandom(rnd.choice([0, 1, 1000, 4096, 65537, rnd.randrange(100, 40000)]))
    name = "m%02d.bin" % i
    with open(os.path.join(root, "m", name), "wb") as fh:
        fh.write(body)
    files[name] = hashlib.sha256(body).hexdigest()
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=20)
f.login()
f.voidcmd("TYPE I")
counts = {"RETR": 0, "STOR": 0, "LIST": 0, "NLST": 0}
def check(ok, what):
    if not ok:
        sys.exit("transfer %d: %s" % (i, what))
t0 = time.monotonic()
for i in range(1000):
    # ftplib says EPSV when it takes the connection for IPv6
    f.af = socket.AF_INET6 if i % 2 else socket.AF_INET
    op = ("RETR", "STOR", "LIST", "NLST")[i % 4]
    if op == "RETR":
        name = rnd.choice(sorted(files))
        h = hashlib.sha256()
        f.retrbinary("RETR m/" + name, h.update)
        check(h.hexdigest() == files[name], "RETR %s differs" % name)
    elif op == "STOR":
        body = os.urandom(rnd.randrange(0, 30000))
        name = "u%04d.bin" % i
        f.storbinary("STOR upload/" + name, io.BytesIO(body))
        with open(os.path.join(root, "upload", name), "rb") as fh:
            check(fh.read() == body, "STOR %s differs" % name)
    elif op == "LIST":
        out = []
        f.retrlines("LIST m", out.append)
        got = sorted(line.split()[-1] for line in out)
        check(got == sorted(files), "LIST gave %r" % got)
    else:
        got = sorted(os.path.basename(n) for n in f.nlst("m"))
        check(got == sorted(files), "NLST gave %r" % got)
    counts[op] += 1
print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))
print("quit=" + f.quit())
print("took %.1f s" % (time.monotonic() - t0))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "LIST=250 NLST=250 RETR=250 STOR=250" ]
	[[ ${lines[1]} == quit=221\ * ]]
	wait_no_ftprelay
	grep -q 'session end: 1000 transfers' "$RELAY_LOG"
}

@test "with the per-user pipe quota used up (small pipes, then none at all), downloads and uploads still arrive intact" {
	# Every session of a unit with DynamicUser=yes runs as the same user and
	# shares one pipe quota.  Past the soft limit new pipes get 2 slots and
	# cannot grow; past the hard limit there are none, and the relay copies.
	[ -w /proc/sys/fs/pipe-user-pages-soft ] || fail "needs root to set fs.pipe-user-pages-*"
	cat /proc/sys/fs/pipe-user-pages-soft >"$T/pipe-user-pages-soft"
	cat /proc/sys/fs/pipe-user-pages-hard >"$T/pipe-user-pages-hard"
	# The limits are system-wide: vsftpd's sendfile() needs a pipe too.
	origin_start use_sendfile=NO
	relay_start
	make_random_file "$ORIGIN_ROOT/q.bin" 8
	local limit
	for limit in soft hard; do
		echo 1 >"/proc/sys/fs/pipe-user-pages-$limit"
		curl_ftp -o "$T/q.$limit" "ftp://127.0.0.1:$RELAY_PORT/q.bin"
		[ "$(sha256_of "$T/q.$limit")" = "$(sha256_of "$ORIGIN_ROOT/q.bin")" ] ||
			fail "download over the $limit limit is damaged"
		curl_ftp -T "$T/q.$limit" "ftp://127.0.0.1:$RELAY_PORT/upload/q.$limit"
		[ "$(sha256_of "$ORIGIN_ROOT/upload/q.$limit")" = "$(sha256_of "$ORIGIN_ROOT/q.bin")" ] ||
			fail "upload over the $limit limit is damaged"
	done
	wait_no_ftprelay
}
