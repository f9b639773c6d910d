# tests/lib/nspawn.bash - a container booted with systemd-nspawn (real
# systemd as its PID 1) for 50-systemd-nspawn and 95-debian-package.

# in_ct CMD...: run CMD inside the container (bounded by CT_CMD_TIMEOUT
# seconds, 60 unless the file sets it; stdin /dev/null).
in_ct() {
	timeout "${CT_CMD_TIMEOUT:-60}" nsenter -t "$CT_LEADER" -a "$@" </dev/null
}

# ct_leader NSPAWN_PID: print the pid of the container's systemd.
ct_leader() {
	local child
	for child in $(pgrep -P "$1"); do
		if [ "$(readlink "/proc/$child/exe")" = /usr/lib/systemd/systemd ]; then
			printf '%s
' "$child"
			return 0
		fi
	done
	return 1
}

# ct_wait_booted: the nspawn just started with start_bg (BG_PID) has a
# running (or degraded: its failed units are shown) system; sets
# NSPAWN_PID and CT_LEADER, and fails the file's set-up otherwise, with
# nspawn's output ($BATS_FILE_TMPDIR/nspawn.log).
ct_wait_booted() {
	NSPAWN_PID=$BG_PID
	local i
	CT_LEADER=
	for ((i = 0; i < 300; i++)); do
		CT_LEADER=$(ct_leader "$NSPAWN_PID") && break
		_alive "$NSPAWN_PID" || break
		sleep 0.1
	done
	[ -n "$CT_LEADER" ] || {
		cat "$BATS_FILE_TMPDIR/nspawn.log"
		fail "the container's systemd did not start"
	}
	# systemctl fails until systemd's private bus socket exists.
	local state=
	for ((i = 0; i < 100; i++)); do
		state=$(in_ct systemctl is-system-running --wait 2>/dev/null) || true
		[ -n "$state" ] && break
		sleep 0.1
	done
	echo "# container: $state" >&3
	case $state in
	running) ;;
	degraded)
		echo "# failed units in the container:" >&3
		in_ct systemctl --failed --no-legend --plain | sed 's/^/#   /' >&3
		;;
	*)
		cat "$BATS_FILE_TMPDIR/nspawn.log" >&3
		fail "the container did not boot: '$state'"
		;;
	esac
}
