#!/usr/bin/env bats
# The Debian package (debian/): built with dpkg-buildpackage from a copy of
# the source tree, checked with lintian, then installed, configured, used,
# upgraded under a running session and purged in a booted systemd-nspawn
# container, as an admin would on a Debian 12 machine.
#
# The container is the host's own system, with every place the package
# writes to copy-on-write: /usr and /etc are overlays (the host's trees
# below, an upper layer in this file's scratch directory above), /var is
# the container's tmpfs (--volatile=yes) with /var/lib from the scratch
# directory and /var/lib/dpkg an overlay of the host's dpkg database.  dpkg
# inside sees the host's packages (libc6, man-db, init-system-helpers),
# and the host is never touched (checked).  nspawn refuses
# --volatile=overlay on the root directory, hence the single overlays.  The
# container boots basic.target with timers.target masked: the host's
# enabled services (an FTP server on port 21, apt's timers, which would
# take dpkg's lock) stay off.

load ../lib/common
load ../lib/nspawn

# dpkg-buildpackage and dpkg -i inside the container take longer.
CT_CMD_TIMEOUT=120

# The shipped ftprelay.socket's port, unchanged: the container has its own
# network.  The origin, a vsftpd inside the container:
ORIGIN_CT_PORT=2100

# host_state: what the host has of the package (files, unit links, dpkg's
# record), to compare before and after.
host_state() {
	local p
	for p in /usr/sbin/ftprelay /etc/ftprelay.conf /etc/xinetd.d/ftprelay \
		/lib/systemd/system/ftprelay.socket /lib/systemd/system/ftprelay@.service \
		/etc/systemd/system/sockets.target.wants/ftprelay.socket \
		/var/lib/systemd/deb-systemd-helper-enabled/ftprelay.socket.dsh-also \
		/usr/share/doc/ftprelay; do
		if [ -e "$p" ]; then
			printf '%s %s\n' "$p" "$(stat -c '%i %Y' "$p")"
		else
			printf '%s absent\n' "$p"
		fi
	done
	printf 'dpkg: %s\n' "$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' ftprelay 2>/dev/null || true)"
}

# ct_files: every file or directory named *ftprelay* below /etc, /usr and
# /var in the container (sorted).
ct_files() {
	in_ct find /etc /usr /var -name '*ftprelay*' 2>/dev/null | LC_ALL=C sort
}

# copy_source DEST: a copy of $TOP_SRCDIR to build the package in, without
# build trees and git's data; a tree configured in place is cleaned (its
# objects would be found through VPATH by the package's build).
copy_source() {
	local dest=$1
	mkdir -p "$dest"
	tar -C "$TOP_SRCDIR" --exclude=./_build --exclude=./.git -cf - . |
		tar -C "$dest" -xf -
	# make distcheck's source tree is read-only
	chmod -R u+w "$dest"
	if [ -f "$dest/config.status" ]; then
		make -C "$dest" distclean >/dev/null
	fi
}

# build_deb DIR LOG: dpkg-buildpackage -b in DIR, in the background
# (sets BG_PID).  The outer make's variables must not reach debian/rules.
build_deb() {
	BG_STOP_SECONDS=10 start_bg "$2" \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES --chdir="$1" \
		timeout 900 dpkg-buildpackage -us -uc -b
}

setup_file() {
	require_cmd dpkg-buildpackage dpkg-parsechangelog lintian systemd-nspawn nsenter \
		vsftpd curl
	[ -n "${TOP_SRCDIR:-}" ] || fail "TOP_SRCDIR is not set (run through make check)"
	[ -f "$TOP_SRCDIR/debian/control" ] ||
		fail "$TOP_SRCDIR/debian/control is missing (debian/ must be in the tarball: debian_files in Makefile.am)"
	# The container starts from the host's system: a host with the package
	# installed, or with a "make install"ed ftprelay.socket enabled (which
	# the container would start at boot), cannot show a first installation.
	if [ "$(dpkg-query -W -f='${db:Status-Status}' ftprelay 2>/dev/null)" = installed ]; then
		skip "the ftprelay package is installed on this host"
	fi
	if [ -e /etc/systemd/system/sockets.target.wants/ftprelay.socket ]; then
		skip "ftprelay.socket is enabled on this host"
	fi
	W=$BATS_FILE_TMPDIR/pkg
	CT=$BATS_FILE_TMPDIR/ct
	mkdir -p "$W" "$CT/usr" "$CT/etc" "$CT/dpkg" "$CT/varlib/dpkg" \
		"$CT/srv/root/upload" "$CT/srv/empty"
	chmod 755 "$CT/srv" "$CT/srv/root" "$CT/srv/empty"
	host_state >"$W/host.before"
	ls -a "$TOP_SRCDIR" "$TOP_SRCDIR/debian" >"$W/srcdir.before"

	# --- two source trees: as shipped, and with a higher version on top
	copy_source "$W/v1/ftprelay"
	mkdir -p "$W/v2"
	cp -a "$W/v1/ftprelay" "$W/v2/"
	V1=$(dpkg-parsechangelog -l "$W/v1/ftprelay/debian/changelog" -S Version)
	V2=$V1+pkgtest1
	{
		printf 'ftprelay (%s) unstable; urgency=medium\n\n' "$V2"
		printf '  * Rebuilt by tests/integration/95-debian-package.bats.\n\n'
		printf ' -- ftprelay tests <tests@example.invalid>  %s\n\n' "$(date -R)"
		cat "$W/v1/ftprelay/debian/changelog"
	} >"$W/v2/ftprelay/debian/changelog.new"
	mv "$W/v2/ftprelay/debian/changelog.new" "$W/v2/ftprelay/debian/changelog"
	[ "$(dpkg-parsechangelog -l "$W/v2/ftprelay/debian/changelog" -S Version)" = "$V2" ]
	ARCH=$(dpkg --print-architecture)

	# --- both builds in the background, while the container boots
	build_deb "$W/v1/ftprelay" "$W/v1.log"
	local b1=$BG_PID
	build_deb "$W/v2/ftprelay" "$W/v2.log"
	local b2=$BG_PID

	# --- the origin's files and config, the container's machine
	make_random_file "$CT/srv/root/f.bin" 3
	chmod 644 "$CT/srv/root/f.bin"
	cat >"$CT/srv/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$ORIGIN_CT_PORT
background=NO
anonymous_enable=YES
local_enable=NO
anon_root=/srv/test/root
ftp_username=ftp
secure_chroot_dir=/srv/test/empty
write_enable=YES
anon_upload_enable=YES
anon_umask=022
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30999
seccomp_sandbox=NO
xferlog_enable=YES
xferlog_std_format=NO
vsftpd_log_file=/srv/test/vsftpd.log
log_ftp_protocol=YES
max_clients=0
max_per_ip=0
EOF
	CT_NAME=ftprelay-pkg-$$
	BG_STOP_SECONDS=20 start_bg "$BATS_FILE_TMPDIR/nspawn.log" \
		systemd-nspawn --register=no --keep-unit --private-network -M "$CT_NAME" \
		-D / --volatile=yes \
		--overlay=/usr:"$CT/usr":/usr \
		--overlay=/etc:"$CT/etc":/etc \
		--bind="$CT/varlib":/var/lib \
		--overlay=/var/lib/dpkg:"$CT/dpkg":/var/lib/dpkg \
		--bind-ro="$W":/srv/pkg \
		--bind="$CT/srv":/srv/test \
		-b systemd.firstboot=off systemd.unit=basic.target \
		systemd.mask=timers.target fstab=no
	ct_wait_booted
	# A host that forbids maintainer scripts to start services (Docker
	# images ship /usr/sbin/policy-rc.d with "exit 101") would hide what
	# the package's scripts do: remove it, in the container's /usr only.
	in_ct rm -f /usr/sbin/policy-rc.d
	# Files a "make install --prefix=/usr --sysconfdir=/etc" left on the
	# host would make dpkg ask about a conffile it did not install: the
	# container's copy of the host starts without them.
	in_ct rm -f /usr/sbin/ftprelay /etc/ftprelay.conf /etc/xinetd.d/ftprelay \
		/lib/systemd/system/ftprelay.socket /lib/systemd/system/ftprelay@.service
	# The origin: the ftp user (the host's, or a new one in the
	# container's /etc) needs a home directory that exists.
	in_ct sh -c 'getent passwd ftp >/dev/null ||
		useradd --system --no-create-home --home-dir /srv/test/root --shell /usr/sbin/nologin ftp
		mkdir -p "$(getent passwd ftp | cut -d: -f6)"
		chown ftp /srv/test/root/upload'
	in_ct systemd-run --quiet --unit=ftprelay-test-origin \
		/usr/sbin/vsftpd /srv/test/vsftpd.conf
	for ((i = 0; i < 100; i++)); do
		in_ct ss -Htln "sport = :$ORIGIN_CT_PORT" | grep -q . && break
		sleep 0.1
	done
	in_ct ss -Htln "sport = :$ORIGIN_CT_PORT" | grep -q . ||
		fail "the origin does not listen in the container"

	# --- the builds
	local st1=0 st2=0
	wait "$b1" || st1=$?
	wait "$b2" || st2=$?
	[ "$st1" -eq 0 ] || { tail -n 40 "$W/v1.log"; fail "dpkg-buildpackage (version $V1) failed: $st1"; }
	[ "$st2" -eq 0 ] || { tail -n 40 "$W/v2.log"; fail "dpkg-buildpackage (version $V2) failed: $st2"; }
	DEB1=v1/ftprelay_${V1}_$ARCH.deb
	DEB2=v2/ftprelay_${V2}_$ARCH.deb
	export W CT CT_LEADER NSPAWN_PID V1 V2 DEB1 DEB2
}

teardown_file() {
	cleanup_processes
}

setup() {
	[ -n "${CT_LEADER:-}" ] || fail "no container"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -n "${CT_LEADER:-}" ] || return 0
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "# --- container journal (ftprelay, origin)" >&2
		in_ct journalctl --no-pager -n 60 -u ftprelay.socket -u 'ftprelay@*' \
			-u ftprelay-test-origin 2>&1 | cut -c1-300 | sed 's/^/#   /' >&2 || true
		echo "# --- dpkg.log" >&2
		in_ct tail -n 20 /var/log/dpkg.log 2>&1 | sed 's/^/#   /' >&2 || true
	fi
	cleanup_processes
}

# active_session_unit: the name of the one running ftprelay@ instance.
active_session_unit() {
	in_ct systemctl list-units --no-legend --plain --state=active 'ftprelay@*.service' |
		awk '{print $1}'
}

@test "dpkg-buildpackage builds the .deb from a copy of the source tree, and lintian reports no error and no warning" {
	[ -f "$W/$DEB1" ] || fail "no $DEB1"
	[ -f "$W/$DEB2" ] || fail "no $DEB2"
	[ "$(dpkg-deb -f "$W/$DEB1" Package Version)" = "Package: ftprelay
Version: $V1" ]
	# the --route-url module is shipped, and its libraries are named
	dpkg-deb -c "$W/$DEB1" | grep -q '/ftprelay/ftprelay-url\.so$'
	dpkg-deb -f "$W/$DEB1" Depends | grep -q 'libcurl4'
	# the C unit tests ran inside the package build
	grep -E '^# PASS: +[1-9]' "$W/v1.log"
	grep -E '^# FAIL: +0$' "$W/v1.log"
	run lintian "$W/$DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -E '^[EW]: ' <<<"$output" || fail "lintian: errors or warnings"
	# the source tree was left alone (the builds ran in copies)
	ls -a "$TOP_SRCDIR" "$TOP_SRCDIR/debian" | diff "$W/srcdir.before" -
}

@test "dpkg -i installs ftprelay.socket disabled and stopped, a conffile without origin, the xinetd entry disabled, and leaves the host alone" {
	ct_files >"$W/ct-files.before"
	run in_ct dpkg -i "/srv/pkg/$DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	run in_ct dpkg-query -W -f='${db:Status-Abbrev} ${Version}' ftprelay
	[ "$output" = "ii  $V1" ]
	# not enabled, not started, nothing on port 21
	run in_ct systemctl is-enabled ftprelay.socket
	[ "$output" = disabled ]
	run in_ct systemctl is-active ftprelay.socket
	[ "$output" = inactive ]
	run in_ct ss -Htln "sport = :21"
	[ -z "$output" ]
	# the units, as generated for /usr and /etc
	run in_ct systemctl cat ftprelay@.service
	grep -qx 'ExecStart=/usr/sbin/ftprelay --config /etc/ftprelay.conf' <<<"$output"
	# the conffiles: /etc/ftprelay.conf names no origin, the xinetd entry
	# is off
	run in_ct dpkg-query -W -f='${Conffiles}' ftprelay
	echo "$output"
	grep -q '^ /etc/ftprelay.conf ' <<<"$output"
	grep -q '^ /etc/xinetd.d/ftprelay ' <<<"$output"
	run in_ct grep -E '^[[:space:]]*origin[[:space:]]*=' /etc/ftprelay.conf
	[ "$status" -eq 1 ]
	in_ct grep -Eq '^[[:space:]]*disable[[:space:]]*=[[:space:]]*yes$' /etc/xinetd.d/ftprelay
	in_ct grep -Eq '^[[:space:]]*server[[:space:]]*=[[:space:]]*/usr/sbin/ftprelay$' /etc/xinetd.d/ftprelay
	# documentation
	in_ct test -f /usr/share/man/man8/ftprelay.8.gz
	in_ct test -f /usr/share/man/man5/ftprelay.conf.5.gz
	in_ct test -f /usr/share/doc/ftprelay/examples/ftprelay.conf
	in_ct test -f /usr/share/doc/ftprelay/README.gz
	in_ct test -f /usr/share/doc/ftprelay/ChangeLog.gz
	in_ct zgrep -q "^ftprelay ($V1)" /usr/share/doc/ftprelay/changelog.gz
	in_ct /usr/sbin/ftprelay --version
	# the container has it all, the host nothing of it
	host_state | diff "$W/host.before" -
	[ ! -e /usr/sbin/ftprelay ]
}

@test "with an origin in /etc/ftprelay.conf and systemctl enable --now ftprelay.socket, curl moves files through port 21 with the right checksums" {
	in_ct sh -c "printf 'origin = 127.0.0.1:$ORIGIN_CT_PORT\n' >>/etc/ftprelay.conf"
	run in_ct systemctl enable --now ftprelay.socket
	echo "$output"
	[ "$status" -eq 0 ]
	run in_ct systemctl is-active ftprelay.socket
	[ "$output" = active ]
	rm -f "$CT/srv/got.bin"
	run in_ct curl --silent --show-error --fail --max-time 50 \
		-o /srv/test/got.bin ftp://127.0.0.1/f.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sha256_of "$CT/srv/got.bin")" = "$(sha256_of "$CT/srv/root/f.bin")" ]
	run in_ct curl --silent --show-error --fail --max-time 50 \
		-T /srv/test/got.bin ftp://127.0.0.1/upload/up.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sha256_of "$CT/srv/root/upload/up.bin")" = "$(sha256_of "$CT/srv/root/f.bin")" ]
}

@test "an upgrade to a rebuilt package with a higher version restarts the socket, keeps the admin's config, and a session logged in before it downloads after it" {
	local script='
import ftplib, hashlib, os, sys, time
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", 21, timeout=60)
ftp.login()
print("logged-in", flush=True)
deadline = time.monotonic() + 300
while not os.path.exists("/srv/test/go"):
    if time.monotonic() > deadline:
        sys.exit("no go")
    time.sleep(0.1)
h = hashlib.sha256()
ftp.retrbinary("RETR f.bin", h.update)
print("sha256=" + h.hexdigest(), flush=True)
print("quit=" + ftp.quit(), flush=True)
'
	rm -f "$CT/srv/go"
	start_bg "$T/client.out" timeout 400 nsenter -t "$CT_LEADER" -a /usr/bin/python3 -c "$script"
	local client=$BG_PID i
	for ((i = 0; i < 200; i++)); do
		grep -q '^logged-in' "$T/client.out" && break
		_alive "$client" || break
		sleep 0.1
	done
	cat "$T/client.out"
	grep -q '^logged-in' "$T/client.out" || fail "the client did not log in"
	local unit pid since
	unit=$(active_session_unit)
	[ -n "$unit" ] || fail "no ftprelay@ instance for the session"
	pid=$(in_ct systemctl show -p MainPID --value "$unit")
	since=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value ftprelay.socket)
	echo "session $unit, pid $pid; socket active since $since"

	run in_ct dpkg -i "/srv/pkg/$DEB2"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "Unpacking ftprelay ($V2) over ($V1)" <<<"$output"
	run in_ct dpkg-query -W -f='${db:Status-Abbrev} ${Version}' ftprelay
	[ "$output" = "ii  $V2" ]
	# the postinst restarted the enabled socket
	run in_ct systemctl is-enabled ftprelay.socket
	[ "$output" = enabled ]
	run in_ct systemctl is-active ftprelay.socket
	[ "$output" = active ]
	local now
	now=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value ftprelay.socket)
	echo "socket active since $now"
	[ "$now" -gt "$since" ] || fail "the upgrade did not restart ftprelay.socket"
	# the session still runs, on the binary the upgrade replaced
	[ "$(in_ct systemctl show -p MainPID --value "$unit")" = "$pid" ]
	run in_ct readlink "/proc/$pid/exe"
	echo "exe: $output"
	[ "$output" = "/usr/sbin/ftprelay (deleted)" ]
	# the admin's conffile is kept, without a prompt or a .dpkg-dist
	in_ct grep -qx "origin = 127.0.0.1:$ORIGIN_CT_PORT" /etc/ftprelay.conf
	run in_ct sh -c 'ls /etc/ftprelay.conf.* /etc/xinetd.d/ftprelay.* 2>/dev/null'
	[ -z "$output" ]

	touch "$CT/srv/go"
	for ((i = 0; i < 600; i++)); do
		_alive "$client" || break
		sleep 0.1
	done
	cat "$T/client.out"
	grep -qx "sha256=$(sha256_of "$CT/srv/root/f.bin")" "$T/client.out"
	grep -q '^quit=221' "$T/client.out"

	# and a new session runs the new binary
	rm -f "$CT/srv/got2.bin"
	run in_ct curl --silent --show-error --fail --max-time 50 \
		-o /srv/test/got2.bin ftp://127.0.0.1/f.bin
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sha256_of "$CT/srv/got2.bin")" = "$(sha256_of "$CT/srv/root/f.bin")" ]
}

@test "dpkg --purge stops the socket and leaves nothing behind: binary, units, conffiles, enable link, state" {
	run in_ct dpkg --purge ftprelay
	echo "$output"
	[ "$status" -eq 0 ]
	run in_ct dpkg-query -W -f='${db:Status-Status}' ftprelay
	[ "$output" != installed ]
	run in_ct systemctl is-active ftprelay.socket
	[ "$output" = inactive ]
	run in_ct ss -Htln "sport = :21"
	[ -z "$output" ]
	local p
	for p in /usr/sbin/ftprelay /etc/ftprelay.conf /etc/xinetd.d/ftprelay \
		/lib/systemd/system/ftprelay.socket /lib/systemd/system/ftprelay@.service \
		/etc/systemd/system/sockets.target.wants/ftprelay.socket \
		/usr/share/doc/ftprelay; do
		! in_ct test -e "$p" -o -L "$p" || fail "$p is left after purge"
	done
	# no file of that name anywhere below /etc, /usr, /var that was not
	# there before the installation (dpkg's and deb-systemd-helper's
	# state, logs, links included)
	ct_files | diff "$W/ct-files.before" -
	# and the host never had any of it
	host_state | diff "$W/host.before" -
}
