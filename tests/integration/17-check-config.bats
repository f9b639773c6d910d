#!/usr/bin/env bats
# ftprelay --check-config: loads what a session would, prints the effective
# settings and exits 0, or the first problem (file:line) and exits 100.

load ../lib/common

setup() {
	require_ftprelay
	T=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

@test "--check-config with a good config file prints the effective settings and exits 0" {
	cat >"$T/good.conf" <<EOF
# a comment
origin = ftp.invalid:2121
pasv-address = 192.0.2.1
pasv-ports = 40000-40999
idle-timeout = 60
xferlog = $T/xferlog
EOF
	# ftp.invalid cannot resolve: the check must not try (a session
	# resolves the origin when it starts)
	run "$FTPRELAY" --check-config --config "$T/good.conf" --data-timeout 30
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"configuration OK"* ]]
	grep -qx 'origin = ftp.invalid:2121' <<<"$output"
	grep -qx 'pasv-address = 192.0.2.1' <<<"$output"
	grep -qx 'pasv-ports = 40000-40999' <<<"$output"
	grep -qx 'idle-timeout = 60' <<<"$output"
	grep -qx 'data-timeout = 30' <<<"$output"
	grep -qx 'connect-timeout = 10' <<<"$output"
	grep -qx "xferlog = $T/xferlog" <<<"$output"
	# nothing was created
	[ ! -e "$T/xferlog" ]
	# the summary is itself a valid config file
	grep -v '^#' <<<"$output" >"$T/again.conf"
	run "$FTPRELAY" --check-config --config "$T/again.conf"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--check-config names the file and line of a bad value and exits 100" {
	printf 'origin = 127.0.0.1\n\nidle-timeout = soon\n' >"$T/bad.conf"
	run "$FTPRELAY" --check-config --config "$T/bad.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"$T/bad.conf:3: idle-timeout: 'soon' is not a number of seconds"* ]]
	[[ $output != *"configuration OK"* ]]
}

@test "--check-config names the line of an unknown key, and a missing config file" {
	printf 'origin = 127.0.0.1\norign = x\n' >"$T/typo.conf"
	run "$FTPRELAY" --check-config --config "$T/typo.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"$T/typo.conf:2: unknown key 'orign'"* ]]
	run "$FTPRELAY" --check-config --config "$T/missing.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"config file $T/missing.conf: No such file or directory"* ]]
}

@test "--check-config looks up --user: an unknown user is the problem, with its line in the file" {
	printf 'origin = 127.0.0.1\nuser = no-such-user-ftprelay\n' >"$T/user.conf"
	run "$FTPRELAY" --check-config --config "$T/user.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"$T/user.conf:2: user 'no-such-user-ftprelay' does not exist"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --user root
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"user 'root' is root"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --user nobody
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'user = nobody' <<<"$output"
}

@test "--check-config checks where the transfer log goes: not a directory, or a directory not made yet (a warning)" {
	mkdir "$T/dir"
	printf 'origin = 127.0.0.1\nxferlog = %s\n' "$T/dir" >"$T/x1.conf"
	run "$FTPRELAY" --check-config --config "$T/x1.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"$T/x1.conf:2: xferlog $T/dir: not a regular file"* ]]
	# LogsDirectory= makes the directory only when the first session
	# starts: a warning on stderr, still good
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --xferlog "$T/later/xferlog"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: xferlog $T/later/xferlog: directory $T/later does not exist"* ]]
}

@test "--check-config without an origin, or with a bad option, exits 100 and says why" {
	run "$FTPRELAY" --check-config
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"no origin"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --pasv-ports 2000-1000
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"pasv-ports: invalid value '2000-1000'"* ]]
}

@test "--check-config reads the route map as a session would: a bad map line is named with the map's file and line, exit 100" {
	printf 'alice 127.0.0.1:2121\n# fine so far\nbob 127.0.0.1:99999\n' >"$T/routes.map"
	printf 'route-map = %s\n' "$T/routes.map" >"$T/routed.conf"
	run "$FTPRELAY" --check-config --config "$T/routed.conf"
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"routes.map:3"* ]]
	printf 'alice 127.0.0.1:2121 user=anonymous\n* 127.0.0.1:2122\n' >"$T/routes.map"
	run "$FTPRELAY" --check-config --config "$T/routed.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "route-map = $T/routes.map" <<<"$output"
	grep -qx 'welcome = FTP proxy ready' <<<"$output"
}
