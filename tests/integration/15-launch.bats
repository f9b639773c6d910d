#!/usr/bin/env bats
# How ftprelay is handed its client: LISTEN_FDS (systemd Accept=yes without
# StandardInput=socket) as well as stdin/stdout (inetd style).

load ../lib/common

setup() {
	require_ftprelay
	require_cmd curl vsftpd systemd-socket-activate
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# relay_start_listen_fds ARGS...: like relay_start, but without --inetd:
# the connection arrives as fd 3 with LISTEN_FDS=1 and LISTEN_PID set.
relay_start_listen_fds() {
	RELAY_LOG=$(scratch_dir)/relay.log
	RELAY_PORT=$(free_port) || return 1
	start_bg "$RELAY_LOG" systemd-socket-activate --accept \
		-l "127.0.0.1:$RELAY_PORT" -- \
		"$FTPRELAY" --user nobody --origin "127.0.0.1:$ORIGIN_PORT" "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT" 127.0.0.1 10 || { cat "$RELAY_LOG" >&2; return 1; }
}

@test "with LISTEN_FDS=1 (fd 3, no --inetd) a download and an upload arrive intact" {
	origin_start
	relay_start_listen_fds
	make_random_file "$ORIGIN_ROOT/f.bin" 3
	curl_ftp -o "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/f.bin"
	[ "$(sha256_of "$T/f.bin")" = "$(sha256_of "$ORIGIN_ROOT/f.bin")" ]
	curl_ftp -T "$T/f.bin" "ftp://127.0.0.1:$RELAY_PORT/upload/back.bin"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/back.bin")" = "$(sha256_of "$T/f.bin")" ]
	# the launcher really used LISTEN_FDS, and ftprelay logged to stderr
	grep -q "LISTEN_FDS\|Communication attempt on fd 3\|Connection from" "$RELAY_LOG"
	grep -q "session start: origin 127.0.0.1:$ORIGIN_PORT" "$RELAY_LOG"
	wait_no_ftprelay
}

@test "with LISTEN_FDS naming two descriptors ftprelay refuses with exit status 100" {
	# Two sockets at fds 3 and 4: not what Accept=yes hands over.
	run timeout 10 "$PYTHON" - "$FTPRELAY" <<'PY'
import os, socket, subprocess, sys
a, b = socket.socketpair()
c, d = socket.socketpair()
os.dup2(a.fileno(), 3)
os.dup2(c.fileno(), 4)
# LISTEN_PID must be ftprelay's own pid: the shell exports its pid and
# execs ftprelay in its place.
p = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"',
                      sys.argv[1], "--origin", "127.0.0.1:21", "--user", "nobody"],
                     pass_fds=(3, 4),
                     env=dict(os.environ, LISTEN_FDS="2"),
                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, err = p.communicate(timeout=8)
print("EXIT", p.returncode)
print(err.decode().strip())
PY
	echo "$output"
	[ "${lines[0]}" = "EXIT 100" ]
	[[ ${lines[1]} == *"LISTEN_FDS=2"* ]]
}
