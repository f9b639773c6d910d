#!/usr/bin/env bats
# --origin-tls where login.c connects the origin: per-user routing (the
# origin chosen at USER, a second USER switching) and --origin A,B lists.
# Private vsftpd origins that require TLS for anonymous logins and data
# and session reuse on data connections, each with its own files and
# certificate; an origin whose TLS fails (wrong name, untrusted, AUTH TLS
# refused) is passed over, and gets nothing but AUTH TLS in clear.
# Certificates and keys are made here (ECDSA P-256); none is committed.

load ../lib/common
load ../lib/haproxy

setup_file() {
	local d=$BATS_FILE_TMPDIR who
	# Good certificates for 127.0.0.1 (what a route's literal names).
	for who in a b; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$d/$who-key.pem" -out "$d/$who-cert.pem" -days 2 \
			-subj "/CN=origin-$who" -addext "subjectAltName=IP:127.0.0.1" \
			2>/dev/null
	done
	# One for the name localhost only (no IP entry).
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/name-key.pem" -out "$d/name-cert.pem" -days 2 \
		-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null
	# Trusted, but for another name.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/wrong-key.pem" -out "$d/wrong-cert.pem" -days 2 \
		-subj "/CN=elsewhere.example" \
		-addext "subjectAltName=DNS:elsewhere.example" 2>/dev/null
	# Right name, but self-signed and trusted by nobody.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/self-key.pem" -out "$d/self-cert.pem" -days 2 \
		-subj "/CN=self" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	cat "$d/a-cert.pem" "$d/b-cert.pem" "$d/name-cert.pem" "$d/wrong-cert.pem" \
		>"$d/ca.pem"
	chmod 600 "$d"/*-key.pem
}

setup() {
	require_ftprelay
	require_cmd curl vsftpd openssl systemd-socket-activate ss
	T=$BATS_TEST_TMPDIR
	C=$BATS_FILE_TMPDIR
	TLSMOD=$TOP_BUILDDIR/src/ftprelay-tls.so
	[ -f "$TLSMOD" ] || fail "no TLS module at $TLSMOD (libssl-dev missing?)"
}

teardown() {
	common_teardown
}

# ------------------------------------------------------------------ helpers

# tls_origin NAME CERT [EXTRA vsftpd.conf LINES...]: a private vsftpd on
# 127.0.0.1 in $(scratch_dir)/NAME holding NAME.bin (64 KiB of random
# bytes), TLS with CERT ($C/CERT-cert.pem) required for logins and data,
# data connections must resume the control session; sets PORT_<NAME>,
# LOG_<NAME> and ROOT_<NAME>.  With implicit_ssl=YES among the lines it
# speaks TLS from the first byte.
tls_origin() {
	local name=$1 cert=$2 dir port lo hi implicit=0 line
	shift 2
	_ensure_ftp_user || return 1
	dir=$(scratch_dir)/$name
	_origin_dirs "$dir"
	port=$(free_port) || return 1
	read -r lo hi < <(free_port_range 1000) || return 1
	ORIGIN_PASV_LOW=$lo ORIGIN_PASV_HIGH=$hi
	{
		_origin_conf "$dir"
		printf '%s\n' listen=YES listen_ipv6=NO listen_address=127.0.0.1 \
			"listen_port=$port" ssl_enable=YES allow_anon_ssl=YES \
			force_anon_logins_ssl=YES force_anon_data_ssl=YES \
			require_ssl_reuse=YES ssl_ciphers=HIGH \
			"rsa_cert_file=$C/$cert-cert.pem" "rsa_private_key_file=$C/$cert-key.pem"
		for line in "$@"; do
			printf '%s\n' "$line"
			[ "$line" != implicit_ssl=YES ] || implicit=1
		done
	} >"$dir/vsftpd.conf"
	make_random_bytes "$dir/root/$name.bin" 65536
	start_bg "$dir/vsftpd.out" vsftpd "$dir/vsftpd.conf"
	wait_listening "$port" 127.0.0.1 10 || return 1
	# (An implicit TLS origin sends no plain greeting to wait for.)
	[ "$implicit" = 1 ] || origin_wait_greeting "$port" || return 1
	printf -v "PORT_$name" '%s' "$port"
	printf -v "LOG_$name" '%s' "$dir/vsftpd.log"
	printf -v "ROOT_$name" '%s' "$dir/root"
}

# The relay with TLS towards the origins, trusting $C/ca.pem.
relay_tls() {
	relay_start_raw --tls-module "$TLSMOD" --origin-tls-ca "$C/ca.pem" "$@"
}

url() { printf 'ftp://127.0.0.1:%s/%s' "$RELAY_PORT" "$1"; }

# same_bytes A B: the two files hold the same bytes.
same_bytes() {
	[ "$(sha256_of "$1")" = "$(sha256_of "$2")" ] || fail "$1 and $2 differ"
}

# no_tls_trouble LOG...: vsftpd saw every data connection resume the
# control session and end with close_notify, and failed no transfer.
no_tls_trouble() {
	! grep -Eq 'DATA connection terminated without SSL shutdown|session reuse required|"426 |"522 ' "$@"
}

# ------------------------------------------------------------------ tests

@test "routing with --origin-tls explicit: two TLS origins, each user's downloads and uploads (PASV and EPSV) reach their own" {
	tls_origin a a
	tls_origin b b
	printf '%s\n' "alice 127.0.0.1:$PORT_a user=anonymous" \
		"bob 127.0.0.1:$PORT_b user=anonymous" >"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin-tls explicit
	make_random_file "$T/up.bin" 2
	local who mode
	for who in alice:a bob:b; do
		local user=${who%%:*} o=${who#*:} root
		root=ROOT_$o
		for mode in --disable-epsv --epsv; do
			curl_ftp -u "$user:x" $mode -o "$T/$o$mode.bin" "$(url "$o.bin")"
			same_bytes "$T/$o$mode.bin" "${!root}/$o.bin"
			curl_ftp -u "$user:x" $mode -T "$T/up.bin" "$(url "upload/$user$mode.bin")"
			same_bytes "${!root}/upload/$user$mode.bin" "$T/up.bin"
		done
	done
	# Each user reached only their own origin.
	run curl_ftp -u alice:x -o /dev/null "$(url b.bin)"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT_b/upload/alice--epsv.bin" ] && [ ! -e "$ROOT_a/upload/bob--epsv.bin" ]
	# Anonymous logins need TLS at these origins: USER went over TLS,
	# and vsftpd had nothing to complain about on the data connections.
	grep -q '"USER anonymous"' "$LOG_a"
	grep -q '"USER anonymous"' "$LOG_b"
	grep -q 'OK UPLOAD.*alice--epsv.bin' "$LOG_a"
	grep -q 'OK UPLOAD.*bob--disable-epsv.bin' "$LOG_b"
	no_tls_trouble "$LOG_a" "$LOG_b"
	grep -q 'TLS with the origin: TLSv1.3' "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$PORT_b\$" "$RELAY_LOG"
}

@test "routing with --origin-tls implicit: the origin speaks TLS from its first byte; downloads and uploads intact with a passive, an active and a client-mode origin" {
	tls_origin a a implicit_ssl=YES
	echo "* 127.0.0.1:$PORT_a user=anonymous" >"$T/routes.map"
	make_random_file "$T/up.bin" 2
	local mode dm
	for dm in passive active client; do
		relay_tls --route-map "$T/routes.map" --origin-tls implicit --origin-data-mode "$dm"
		for mode in --disable-epsv --epsv; do
			curl_ftp -u carol:x $mode -o "$T/a$mode.bin" "$(url a.bin)" ||
				fail "download, origin $dm, curl $mode"
			same_bytes "$T/a$mode.bin" "$ROOT_a/a.bin"
			curl_ftp -u carol:x $mode -T "$T/up.bin" "$(url "upload/up-$dm$mode.bin")" ||
				fail "upload, origin $dm, curl $mode"
			same_bytes "$ROOT_a/upload/up-$dm$mode.bin" "$T/up.bin"
			rm -f "$T/a$mode.bin"
		done
		grep -q 'TLS with the origin: TLSv1.3' "$RELAY_LOG"
		stop_pid "$RELAY_PID"
	done
	no_tls_trouble "$LOG_a"
}

@test "routing: a second USER switches from one TLS origin to another, and transfers go on there" {
	tls_origin a a
	tls_origin b b
	printf '%s\n' "alice 127.0.0.1:$PORT_a user=anonymous" \
		"bob 127.0.0.1:$PORT_b user=anonymous" >"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin-tls explicit
	make_random_file "$T/up.bin" 1
	run timeout 90 "$PYTHON" - "$RELAY_PORT" "$T" <<'EOF'
import ftplib, hashlib, socket, sys
port, tmp = int(sys.argv[1]), sys.argv[2]

def get(f, name, epsv):
    """RETR name over PASV (ftplib's own) or EPSV; the reply code and
    the sha256 of the bytes."""
    h = hashlib.sha256()
    f.voidcmd("TYPE I")
    if not epsv:
        return f.retrbinary("RETR " + name, h.update)[:3], h.hexdigest()
    dport = int(f.sendcmd("EPSV").split("|")[3])
    s = socket.create_connection(("127.0.0.1", dport), timeout=30)
    f.sendcmd("RETR " + name)
    while (b := s.recv(65536)):
        h.update(b)
    s.close()
    return f.voidresp()[:3], h.hexdigest()

f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=30)
for i, (user, name) in enumerate((("alice", "a.bin"), ("bob", "b.bin"),
                                  ("alice", "a.bin"))):
    f.login(user, "x")
    for mode in ("pasv", "epsv"):
        print(user, mode, *get(f, name, mode == "epsv"))
    with open(tmp + "/up.bin", "rb") as up:
        f.storbinary("STOR upload/%s-%d.bin" % (user, i), up)
f.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ] || fail "$output"
	local a b
	a=$(sha256_of "$ROOT_a/a.bin")
	b=$(sha256_of "$ROOT_b/b.bin")
	[ "${lines[0]}" = "alice pasv 226 $a" ]
	[ "${lines[1]}" = "alice epsv 226 $a" ]
	[ "${lines[2]}" = "bob pasv 226 $b" ]
	[ "${lines[3]}" = "bob epsv 226 $b" ]
	[ "${lines[4]}" = "alice pasv 226 $a" ]
	[ "${lines[5]}" = "alice epsv 226 $a" ]
	same_bytes "$ROOT_a/upload/alice-0.bin" "$T/up.bin"
	same_bytes "$ROOT_b/upload/bob-1.bin" "$T/up.bin"
	same_bytes "$ROOT_a/upload/alice-2.bin" "$T/up.bin"
	[ "$(grep -c 'TLS with the origin: TLSv1.3' "$RELAY_LOG")" -ge 3 ]
	no_tls_trouble "$LOG_a" "$LOG_b"
	# b's QUIT, at the switch back to a, went inside TLS, where vsftpd
	# read it (its other one is origin_wait_greeting's, in plain FTP).
	[ "$(grep -c '"QUIT"' "$LOG_b")" -eq 2 ] || fail "$(grep QUIT "$LOG_b")"
}

@test "routing with --origin-proxy-protocol and --origin-tls implicit: the PROXY header, then TLS, then the greeting" {
	require_cmd haproxy
	tls_origin a a implicit_ssl=YES
	local hp
	hp=$(free_port)
	haproxy_accept_proxy "$hp" "127.0.0.1:$PORT_a"
	echo "* 127.0.0.1:$hp user=anonymous" >"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin-tls implicit --origin-proxy-protocol v2
	make_random_file "$T/up.bin" 1
	curl_ftp -u erin:x -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	curl_ftp -u erin:x -T "$T/up.bin" "$(url upload/pp.bin)"
	same_bytes "$ROOT_a/upload/pp.bin" "$T/up.bin"
	grep -q '^pp-client 127.0.0.1:' "$HAPROXY_LOG"
	no_tls_trouble "$LOG_a"
}

@test "routing to a TLS origin: a plain client and a TLS client (curl --ssl-reqd), TLS 1.2 and 1.3 on the origin leg" {
	tls_origin a a
	echo "* 127.0.0.1:$PORT_a user=anonymous" >"$T/routes.map"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/relay-key.pem" -out "$T/relay-cert.pem" -days 2 \
		-subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	relay_tls --route-map "$T/routes.map" --origin-tls explicit \
		--client-tls optional --tls-cert "$T/relay-cert.pem" --tls-key "$T/relay-key.pem"
	make_random_file "$T/up.bin" 2
	curl_ftp -u dave:x -o "$T/plain.bin" "$(url a.bin)"
	same_bytes "$T/plain.bin" "$ROOT_a/a.bin"
	curl_ftp -u dave:x -T "$T/up.bin" "$(url upload/plain.bin)"
	same_bytes "$ROOT_a/upload/plain.bin" "$T/up.bin"
	local v
	for v in 1.2 1.3; do
		curl_ftp --ssl-reqd --cacert "$T/relay-cert.pem" --tls-max "$v" -u dave:x \
			-o "$T/tls-$v.bin" "$(url a.bin)"
		same_bytes "$T/tls-$v.bin" "$ROOT_a/a.bin"
		curl_ftp --ssl-reqd --cacert "$T/relay-cert.pem" --tls-max "$v" -u dave:x \
			-T "$T/up.bin" "$(url "upload/tls-$v.bin")"
		same_bytes "$ROOT_a/upload/tls-$v.bin" "$T/up.bin"
	done
	grep -q 'TLS with the client: TLSv1.2' "$RELAY_LOG"
	grep -q 'TLS with the client: TLSv1.3' "$RELAY_LOG"
	[ "$(grep -c 'TLS with the origin: TLSv1.3' "$RELAY_LOG")" -ge 6 ]
	no_tls_trouble "$LOG_a"
	# The origin leg over TLS 1.2, from an OpenSSL configuration of the
	# relay's own.
	printf '%s\n' 'openssl_conf = c' '[c]' 'ssl_conf = s' '[s]' \
		'system_default = d' '[d]' 'MaxProtocol = TLSv1.2' >"$T/tls12.cnf"
	stop_pid "$RELAY_PID"
	RELAY_LOG=$T/relay12.log
	RELAY_PORT=$(free_port)
	start_bg "$RELAY_LOG" systemd-socket-activate --accept --inetd \
		-E "OPENSSL_CONF=$T/tls12.cnf" -l "127.0.0.1:$RELAY_PORT" -- \
		"$FTPRELAY" --user nobody --tls-module "$TLSMOD" --origin-tls-ca "$C/ca.pem" \
		--route-map "$T/routes.map" --origin-tls explicit
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT"
	curl_ftp -u dave:x -o "$T/plain12.bin" "$(url a.bin)"
	same_bytes "$T/plain12.bin" "$ROOT_a/a.bin"
	curl_ftp -u dave:x -T "$T/up.bin" "$(url upload/plain12.bin)"
	same_bytes "$ROOT_a/upload/plain12.bin" "$T/up.bin"
	grep -q 'TLS with the origin: TLSv1.2' "$RELAY_LOG"
	no_tls_trouble "$LOG_a"
}

@test "--origin list: the first origin's certificate is for another name, the second is good: the session reaches the second, and no USER reached the first" {
	tls_origin bad wrong
	tls_origin a a
	relay_tls --origin "127.0.0.1:$PORT_bad,127.0.0.1:$PORT_a" --origin-tls explicit
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y" QUIT
	[ "${lines[0]:0:4}" = "220 " ] && [ "${lines[2]:0:4}" = "230 " ] || fail "$output"
	curl_ftp -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	grep -q "origin 127.0.0.1:$PORT_bad: TLS handshake: certificate verification failed" "$RELAY_LOG"
	grep -q "session start: origin 127.0.0.1:$PORT_a" "$RELAY_LOG"
	# The first origin saw AUTH TLS, and nothing after it in clear.
	grep -q '"AUTH TLS"' "$LOG_bad"
	! grep -Eq '"(USER|PASS|PBSZ|PROT|QUIT)' "$LOG_bad"
	grep -q '"USER anonymous"' "$LOG_a"
}

@test "--origin-tls implicit with an --origin list: an untrusted (self-signed) first origin is passed over" {
	tls_origin self self implicit_ssl=YES
	tls_origin a a implicit_ssl=YES
	relay_tls --origin "127.0.0.1:$PORT_self,127.0.0.1:$PORT_a" --origin-tls implicit
	curl_ftp -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	grep -q "origin 127.0.0.1:$PORT_self: TLS handshake: certificate verification failed: self-signed certificate" "$RELAY_LOG"
	! grep -Eq '"(USER|PASS)' "$LOG_self"
	grep -q '"USER anonymous"' "$LOG_a"
}

@test "routing: origins whose TLS fails (AUTH TLS refused, wrong name) are passed over for the route's next; when all fail, 421 and exit 111" {
	# A plain origin refuses AUTH TLS.
	origin_start
	tls_origin bad wrong
	tls_origin a a
	echo "alice 127.0.0.1:$ORIGIN_PORT,127.0.0.1:$PORT_bad,127.0.0.1:$PORT_a user=anonymous" \
		>"$T/routes.map"
	echo "mallory 127.0.0.1:$ORIGIN_PORT,127.0.0.1:$PORT_bad user=anonymous" >>"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin-tls explicit
	curl_ftp -u alice:x -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	grep -q "origin 127.0.0.1:$ORIGIN_PORT refused AUTH TLS: 5" "$RELAY_LOG"
	grep -q "origin 127.0.0.1:$PORT_bad: TLS handshake: certificate verification failed" "$RELAY_LOG"
	run ftp_cmds --eof "$RELAY_PORT" "USER mallory" "PASS secret"
	grep -q '^421 ' <<<"$output" || fail "$output"
	[[ "$output" != *230* ]]
	grep -q 'every origin of the route failed' "$RELAY_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 111' "$RELAY_LOG"
	# Neither failed origin ever got a USER or a PASS: in clear or not.
	grep -q '"AUTH TLS"' "$ORIGIN_LOG"
	! grep -Eq '"(USER|PASS)' "$ORIGIN_LOG" "$LOG_bad"
}

@test "--origin list whose every origin fails TLS: 421 at once, exit 111, no USER anywhere" {
	tls_origin bad wrong
	tls_origin self self
	relay_tls --origin "127.0.0.1:$PORT_bad,127.0.0.1:$PORT_self" --origin-tls explicit
	run ftp_cmds --eof "$RELAY_PORT" "USER anonymous"
	[ "${lines[0]:0:4}" = "421 " ] || fail "$output"
	wait_no_ftprelay 10
	grep -q 'every origin of --origin failed' "$RELAY_LOG"
	grep -q 'died with code 111' "$RELAY_LOG"
	! grep -Eq '"(USER|PASS)' "$LOG_bad" "$LOG_self"
}

@test "the certificate is checked for each origin's host as --origin or the route names it, or for --origin-tls-name" {
	# A certificate for the name localhost only, and one for 127.0.0.1.
	tls_origin n name
	tls_origin a a
	# alice's route names an address, the route of last resort a name:
	# each origin is checked for its own.
	echo "alice 127.0.0.1:$PORT_a user=anonymous" >"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin "localhost:$PORT_n" --origin-tls explicit
	curl_ftp -u anonymous:x -o "$T/n.bin" "$(url n.bin)"
	same_bytes "$T/n.bin" "$ROOT_n/n.bin"
	curl_ftp -u alice:x -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	stop_pid "$RELAY_PID"
	# By address in a route: the name-only certificate does not carry it.
	echo "* 127.0.0.1:$PORT_n user=anonymous" >"$T/routes.map"
	relay_tls --route-map "$T/routes.map" --origin-tls explicit
	run curl_ftp -u bob:x -o "$T/n2.bin" "$(url n.bin)"
	[ "$status" -ne 0 ]
	grep -q "origin 127.0.0.1:$PORT_n: TLS handshake: certificate verification failed" "$RELAY_LOG"
	stop_pid "$RELAY_PID"
	# --origin-tls-name names it for every origin.
	relay_tls --route-map "$T/routes.map" --origin-tls explicit --origin-tls-name localhost
	curl_ftp -u bob:x -o "$T/n3.bin" "$(url n.bin)"
	same_bytes "$T/n3.bin" "$ROOT_n/n.bin"
}

@test "an origin that sends a reply in clear right after its 234 (STARTTLS injection) is passed over, and gets no USER" {
	tls_origin a a
	local evil
	evil=$(free_port)
	start_bg "$T/evil.out" "$PYTHON" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept(); c.settimeout(10); c.sendall(b"220 evil\r\n")
    try:
        while (b := c.recv(4096)):
            print("got", b.decode(errors="replace").strip(), flush=True)
            if b.startswith(b"AUTH"):
                c.sendall(b"234 go on\r\n230 Logged in (in clear)\r\n")
    except OSError:
        pass
    c.close()
' "$evil"
	wait_listening "$evil"
	relay_tls --origin "127.0.0.1:$evil,127.0.0.1:$PORT_a" --origin-tls explicit
	curl_ftp -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	grep -q "origin 127.0.0.1:$evil sent bytes in clear after 234" "$RELAY_LOG"
	grep -q '^got AUTH TLS' "$T/evil.out"
	! grep -v '^got AUTH TLS' "$T/evil.out" | grep -q '^got'
}

@test "an origin whose TLS handshake never completes (implicit, or after its 234) is passed over after --connect-timeout" {
	tls_origin a a
	tls_origin i a implicit_ssl=YES
	local mute silent
	mute=$(free_port)
	silent=$(free_port)
	# mute greets, says 234 to AUTH TLS, then never answers; silent
	# accepts and never says a thing (no ServerHello for implicit TLS).
	for port in "$mute" "$silent"; do
		start_bg "$T/mute-$port.out" "$PYTHON" -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); held = []
def serve(c):
    if sys.argv[2] == "mute":
        c.sendall(b"220 mute\r\n")
    while (b := c.recv(4096)):
        print("got", b[:8], flush=True)
        if b.startswith(b"AUTH"):
            c.sendall(b"234 go on\r\n")
while True:
    c, _ = s.accept(); held.append(c)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$port" "$([ "$port" = "$mute" ] && echo mute || echo silent)"
		wait_listening "$port"
	done
	relay_tls --origin "127.0.0.1:$mute,127.0.0.1:$PORT_a" --origin-tls explicit \
		--connect-timeout 2
	SECONDS=0
	curl_ftp -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -lt 30 ]
	grep -q "origin 127.0.0.1:$mute: TLS handshake did not complete within 2 s" "$RELAY_LOG"
	stop_pid "$RELAY_PID"
	relay_tls --origin "127.0.0.1:$silent,127.0.0.1:$PORT_i" --origin-tls implicit \
		--connect-timeout 2
	SECONDS=0
	curl_ftp -o "$T/i.bin" "$(url i.bin)"
	same_bytes "$T/i.bin" "$ROOT_i/i.bin"
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -lt 30 ]
	grep -q "origin 127.0.0.1:$silent: TLS handshake did not complete within 2 s" "$RELAY_LOG"
}

@test "--origin-tls-ca holding the whole system bundle and the origin's anchor last: verified (the anchors are parsed only when a chain needs them); the bundle without it: refused" {
	local sys=/etc/ssl/certs/ca-certificates.crt
	[ -s "$sys" ] || fail "no system CA bundle at $sys (package ca-certificates)"
	[ "$(grep -c 'BEGIN CERTIFICATE' "$sys")" -gt 100 ] || fail "a small $sys"
	cat "$sys" "$C/a-cert.pem" >"$T/bundle.pem"
	tls_origin a a
	relay_start_raw --tls-module "$TLSMOD" --origin-tls-ca "$T/bundle.pem" \
		--origin "127.0.0.1:$PORT_a" --origin-tls explicit
	curl_ftp -o "$T/a.bin" "$(url a.bin)"
	same_bytes "$T/a.bin" "$ROOT_a/a.bin"
	no_tls_trouble "$LOG_a"
	relay_start_raw --tls-module "$TLSMOD" --origin-tls-ca "$sys" \
		--origin "127.0.0.1:$PORT_a" --origin-tls explicit
	# One fixed origin: its greeting is relayed before our AUTH TLS.
	run ftp_cmds --eof "$RELAY_PORT" "USER anonymous"
	[[ $output == *"421 "* && $output != *"331 "* ]] || fail "$output"
	wait_no_ftprelay 10
	grep -q "certificate verification failed: self-signed certificate" "$RELAY_LOG"
	grep -q 'died with code 111' "$RELAY_LOG"
}
