#!/usr/bin/env bats
# FTPS through ftprelay: TLS on the client leg (--client-tls), on the
# origin leg (--origin-tls), or both, with curl, lftp and python's ftplib
# against a private vsftpd.  Certificates and keys are made here (ECDSA
# P-256, openssl req); none is committed.

load ../lib/common

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# The proxy's certificate, for the client leg; and the origin's.
	for who in relay origin; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$d/$who-key.pem" -out "$d/$who-cert.pem" -days 2 \
			-subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
			2>/dev/null
	done
	# An origin certificate for another name.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/wrong-key.pem" -out "$d/wrong-cert.pem" -days 2 \
		-subj "/CN=elsewhere.example" \
		-addext "subjectAltName=DNS:elsewhere.example" 2>/dev/null
	# An expired one (January 2020), self-signed with openssl ca, whose
	# dates can lie in the past.
	mkdir -p "$d/ca/new"
	: >"$d/ca/index.txt"
	printf '%s\n' '[ca]' 'default_ca = c' '[c]' "database = $d/ca/index.txt" \
		"new_certs_dir = $d/ca/new" "serial = $d/ca/serial" 'default_md = sha256' \
		'policy = p' 'x509_extensions = x' '[p]' 'commonName = supplied' \
		'[x]' 'subjectAltName = IP:127.0.0.1' 'basicConstraints = CA:TRUE' >"$d/ca/ca.cnf"
	echo 01 >"$d/ca/serial"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/expired-key.pem" -out "$d/ca/expired.csr" -subj /CN=localhost 2>/dev/null
	openssl ca -batch -config "$d/ca/ca.cnf" -selfsign -keyfile "$d/expired-key.pem" \
		-in "$d/ca/expired.csr" -out "$d/expired-cert.pem" \
		-startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
	# The key stays root's alone: sessions read it before dropping to
	# nobody.
	chmod 600 "$d"/*-key.pem
}

setup() {
	require_ftprelay
	require_cmd curl lftp vsftpd openssl systemd-socket-activate
	T=$BATS_TEST_TMPDIR
	C=$BATS_FILE_TMPDIR
	TLSMOD=$TOP_BUILDDIR/src/ftprelay-tls.so
	[ -f "$TLSMOD" ] || fail "no TLS module at $TLSMOD (libssl-dev missing?)"
}

teardown() {
	common_teardown
}

# vsftpd as a TLS origin: TLS required for anonymous logins and data,
# data connections must resume the control session (vsftpd's default).
TLS_ORIGIN=(ssl_enable=YES allow_anon_ssl=YES force_anon_logins_ssl=YES
	force_anon_data_ssl=YES require_ssl_reuse=YES ssl_ciphers=HIGH)

tls_origin_start() {
	origin_start "${TLS_ORIGIN[@]}" "rsa_cert_file=$C/origin-cert.pem" \
		"rsa_private_key_file=$C/origin-key.pem" "$@"
}

# The relay with TLS: the module from the build tree.
tls_relay_start() {
	relay_start --tls-module "$TLSMOD" "$@"
}

client_tls_args() {
	printf '%s\n' --client-tls "$1" --tls-cert "$C/relay-cert.pem" --tls-key "$C/relay-key.pem"
}

url() { printf 'ftp://127.0.0.1:%s/%s' "$RELAY_PORT" "$1"; }

# ftps_curl ARGS...: curl over explicit FTPS, trusting the relay's cert.
ftps_curl() {
	curl_ftp --ssl-reqd --cacert "$C/relay-cert.pem" "$@"
}

@test "curl --ssl-reqd downloads and uploads through TLS on the client leg (plain origin)" {
	origin_start
	tls_relay_start $(client_tls_args optional)
	make_random_file "$ORIGIN_ROOT/dl.bin" 4
	make_random_file "$T/up.bin" 3
	ftps_curl -o "$T/dl.bin" "$(url dl.bin)"
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	ftps_curl -T "$T/up.bin" "$(url upload/up.bin)"
	[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
	grep -q 'TLS with the client: TLSv1.3' "$RELAY_LOG"
}

ftps_py() {
	timeout 90 "$PYTHON" "$TEST_LIB_DIR/ftps_client.py" "$@"
}

@test "curl ftps:// (implicit TLS) downloads through --client-tls implicit" {
	origin_start
	tls_relay_start $(client_tls_args implicit)
	make_random_file "$ORIGIN_ROOT/dl.bin" 2
	curl_ftp --cacert "$C/relay-cert.pem" -o "$T/dl.bin" \
		"ftps://127.0.0.1:$RELAY_PORT/dl.bin"
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
}

@test "TLS on both legs: curl over TLS 1.2 and 1.3 through a vsftpd that requires TLS and session reuse" {
	tls_origin_start
	tls_relay_start $(client_tls_args required) --origin-tls explicit \
		--origin-tls-ca "$C/origin-cert.pem"
	make_random_file "$ORIGIN_ROOT/dl.bin" 4
	make_random_file "$T/up.bin" 3
	for v in 1.2 1.3; do
		ftps_curl --tls-max "$v" -o "$T/dl-$v.bin" "$(url dl.bin)"
		[ "$(sha256_of "$T/dl-$v.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
		ftps_curl --tls-max "$v" -T "$T/up.bin" "$(url "upload/up-$v.bin")"
		[ "$(sha256_of "$ORIGIN_ROOT/upload/up-$v.bin")" = "$(sha256_of "$T/up.bin")" ]
	done
	grep -q 'TLS with the client: TLSv1.2' "$RELAY_LOG"
	grep -q 'TLS with the client: TLSv1.3' "$RELAY_LOG"
	grep -q 'TLS with the origin: TLSv1.3' "$RELAY_LOG"
	# vsftpd saw every login and data connection over TLS, resumed, and
	# every upload closed with close_notify.
	! grep -Eq 'DATA connection terminated without SSL shutdown|session reuse required|"426 ' "$ORIGIN_LOG"
	grep -q 'OK UPLOAD.*up-1.3.bin' "$ORIGIN_LOG"
}

@test "a plain client reaches a TLS-only origin (--origin-tls explicit), the origin leg over TLS 1.2 too" {
	tls_origin_start
	make_random_file "$ORIGIN_ROOT/dl.bin" 2
	make_random_file "$T/up.bin" 2
	# TLS 1.2 towards the origin, from an OpenSSL configuration of our own.
	printf '%s\n' 'openssl_conf = c' '[c]' 'ssl_conf = s' '[s]' \
		'system_default = d' '[d]' 'MaxProtocol = TLSv1.2' >"$T/tls12.cnf"
	for cnf in "" "$T/tls12.cnf"; do
		RELAY_ENV=$cnf tls12_relay --origin-tls explicit \
			--origin-tls-ca "$C/origin-cert.pem"
		curl_ftp -o "$T/dl.bin" "$(url dl.bin)"
		[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
		curl_ftp -T "$T/up.bin" "$(url upload/up.bin)"
		[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
		rm -f "$ORIGIN_ROOT/upload/up.bin"
		stop_pid "$RELAY_PID"
	done
	grep -q 'TLS with the origin: TLSv1.3' "$T/relay-1.log"
	grep -q 'TLS with the origin: TLSv1.2' "$T/relay-2.log"
	! grep -Eq 'DATA connection terminated without SSL shutdown|session reuse required|"426 ' "$ORIGIN_LOG"
}

# tls12_relay ARGS: the relay, with OPENSSL_CONF=$RELAY_ENV when set; its
# log is kept as $T/relay-N.log.
tls12_relay() {
	RELAY_N=$((${RELAY_N:-0} + 1))
	RELAY_LOG=$T/relay-$RELAY_N.log
	RELAY_PORT=$(free_port)
	local env=()
	[ -z "$RELAY_ENV" ] || env=(-E "OPENSSL_CONF=$RELAY_ENV")
	start_bg "$RELAY_LOG" systemd-socket-activate --accept --inetd "${env[@]}" \
		-l "127.0.0.1:$RELAY_PORT" -- "$FTPRELAY" --user nobody \
		--origin "127.0.0.1:$ORIGIN_PORT" --tls-module "$TLSMOD" "$@"
	RELAY_PID=$BG_PID
	wait_listening "$RELAY_PORT"
}

@test "--origin-tls implicit: the origin speaks TLS from its first byte" {
	# No plain greeting to wait for: the port listening is enough.
	origin_wait_greeting() { :; }
	tls_origin_start implicit_ssl=YES
	tls12_relay --origin-tls implicit --origin-tls-ca "$C/origin-cert.pem"
	make_random_file "$ORIGIN_ROOT/dl.bin" 1
	curl_ftp -o "$T/dl.bin" "$(url dl.bin)"
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
}

@test "an origin certificate that is self-signed and untrusted, or for another name: 421, and no USER reaches the origin" {
	tls_origin_start
	# Not trusted: the system store does not know the origin's cert.
	tls_relay_start --origin-tls explicit
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y"
	[[ "$output" == *421* ]]
	[[ "$output" != *230* ]]
	grep -q 'certificate verification failed' "$RELAY_LOG"
	stop_pid "$RELAY_PID"
	# Trusted, but for another name.
	tls_relay_start --origin-tls explicit --origin-tls-ca "$C/origin-cert.pem" \
		--origin-tls-name elsewhere.example
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y"
	[[ "$output" == *421* ]]
	grep -q 'certificate verification failed' "$RELAY_LOG"
	! grep -q 'USER' "$ORIGIN_LOG"
	# --origin-tls-verify no lets it through, with a warning.
	stop_pid "$RELAY_PID"
	tls_relay_start --origin-tls explicit --origin-tls-verify no
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y"
	[[ "$output" == *230* ]]
	grep -q 'NOT verified' "$RELAY_LOG"
}

@test "an origin certificate that has expired: 421, and no USER reaches the origin" {
	origin_start "${TLS_ORIGIN[@]}" "rsa_cert_file=$C/expired-cert.pem" \
		"rsa_private_key_file=$C/expired-key.pem"
	tls_relay_start --origin-tls explicit --origin-tls-ca "$C/expired-cert.pem"
	run ftp_cmds "$RELAY_PORT" "USER anonymous" "PASS x@y"
	[[ "$output" == *421* ]]
	[[ "$output" != *230* ]]
	grep -q 'certificate verification failed: certificate has expired' "$RELAY_LOG"
	! grep -q 'USER' "$ORIGIN_LOG"
}

@test "lftp with ftp:ssl-force and ssl:ca-file mirrors a tree over TLS on both legs" {
	tls_origin_start
	tls_relay_start $(client_tls_args required) --origin-tls explicit \
		--origin-tls-ca "$C/origin-cert.pem"
	mkdir -p "$ORIGIN_ROOT/tree/sub"
	make_random_file "$ORIGIN_ROOT/tree/a.bin" 1
	make_random_bytes "$ORIGIN_ROOT/tree/sub/b.bin" 1000
	timeout 90 lftp -c "set ftp:ssl-force true; set ftp:ssl-protect-data true;
		set ssl:ca-file $C/relay-cert.pem; set ssl:check-hostname no;
		set net:max-retries 1; set net:timeout 20;
		open -u anonymous,x@y ftp://127.0.0.1:$RELAY_PORT; mirror tree $T/tree"
	[ "$(sha256_of "$T/tree/a.bin")" = "$(sha256_of "$ORIGIN_ROOT/tree/a.bin")" ]
	[ "$(sha256_of "$T/tree/sub/b.bin")" = "$(sha256_of "$ORIGIN_ROOT/tree/sub/b.bin")" ]
}

@test "python ftplib FTP_TLS (fresh data handshakes) works with --client-tls-reuse no and is refused with the default" {
	origin_start
	make_random_file "$ORIGIN_ROOT/dl.bin" 1
	tls_relay_start $(client_tls_args optional) --client-tls-reuse no
	run ftps_py --ca "$C/relay-cert.pem" get "$RELAY_PORT" dl.bin
	[ "$status" -eq 0 ]
	[ "$output" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	run ftps_py --ca "$C/relay-cert.pem" put "$RELAY_PORT" upload/up.bin "$ORIGIN_ROOT/dl.bin"
	[ "$output" = 226 ]
	stop_pid "$RELAY_PID"
	tls_relay_start $(client_tls_args optional)
	run ftps_py --ca "$C/relay-cert.pem" get "$RELAY_PORT" dl.bin
	[ "$status" -ne 0 ]
	[[ "$output" == error:* ]]
	grep -q 'transfer RETR "dl.bin": 0 bytes.*result 426' "$RELAY_LOG"
	grep -q "did not resume the control connection's TLS session" "$RELAY_LOG"
	# A client that resumes its session is served.
	run ftps_py --ca "$C/relay-cert.pem" --reuse get "$RELAY_PORT" dl.bin
	[ "$status" -eq 0 ]
	[ "$output" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	run ftps_py --ca "$C/relay-cert.pem" --tls12 --reuse get "$RELAY_PORT" dl.bin
	[ "$output" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
}

@test "another TLS client that takes the data port gets nothing (not this control session's TLS)" {
	origin_start
	make_random_file "$ORIGIN_ROOT/big.bin" 2
	tls_relay_start $(client_tls_args optional)
	run ftps_py --ca "$C/relay-cert.pem" steal "$RELAY_PORT"
	[ "${lines[0]}" = "stranger got 0 bytes" ]
	[[ "${lines[1]}" == 4* ]]
	grep -q "did not resume the control connection's TLS session" "$RELAY_LOG"
}

@test "a plain data connection under PROT P gets nothing" {
	origin_start
	make_random_file "$ORIGIN_ROOT/big.bin" 1
	tls_relay_start $(client_tls_args optional) --data-timeout 2
	run ftps_py --ca "$C/relay-cert.pem" plain-data "$RELAY_PORT" big.bin
	[ "${lines[0]}" = "plain data connection got 0 bytes" ]
	[[ "${lines[1]}" == 4* ]]
}

@test "plaintext after AUTH TLS ends the session; it never reaches the origin" {
	origin_start
	tls_relay_start $(client_tls_args optional)
	run ftps_py plaintext-after-auth "$RELAY_PORT"
	[ "${lines[1]:0:3}" = 234 ]
	[ "${lines[2]}" = closed ]
	! grep -q 'USER' "$ORIGIN_LOG"
	grep -q 'TLS handshake' "$RELAY_LOG"
}

@test "garbage instead of a ClientHello, and a handshake that never comes, end the session" {
	origin_start
	tls_relay_start $(client_tls_args implicit) --connect-timeout 2
	run ftps_py garbage "$RELAY_PORT"
	[ "$output" = closed ]
	grep -q 'TLS handshake' "$RELAY_LOG"
	# Silence: the handshake deadline (--connect-timeout) closes it.
	run timeout 20 "$PYTHON" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
print(len(s.recv(100)), int(time.time() - t < 15))' "$RELAY_PORT"
	[ "$output" = "0 1" ]
	grep -q 'did not complete within 2 s' "$RELAY_LOG"
	! grep -q 'USER' "$ORIGIN_LOG"
}

@test "client-tls required: USER and PASS before AUTH get 530, a transfer under PROT C gets 521; FEAT offers AUTH TLS" {
	origin_start
	tls_relay_start $(client_tls_args required)
	run ftp_cmds -v "$RELAY_PORT" "FEAT" "USER anonymous" "PASS x@y" "AUTH XYZ"
	[[ "$output" == *$'\n AUTH TLS\n'* ]]
	[[ "$output" == *$'\n PBSZ\n'* ]]
	[[ "$output" == *$'\n PROT\n'* ]]
	[[ "$output" == *"530 TLS required"* ]]
	[[ "$output" == *"504"* ]]
	! grep -q 'USER' "$ORIGIN_LOG"
	# With TLS but PROT C: no transfer; CCC refused; AUTH again refused.
	run timeout 60 "$PYTHON" -c '
import ftplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
f = ftplib.FTP_TLS(context=ctx, timeout=20)
f.connect("127.0.0.1", int(sys.argv[1]))
f.auth()
f.login("anonymous", "x@y")
for c in ("PBSZ 0", "PROT C", "AUTH TLS", "CCC", "PROT S"):
    try:
        print(f.sendcmd(c)[:3])
    except ftplib.error_perm as e:
        print(str(e)[:3])
try:
    f.retrlines("LIST", print)
except ftplib.error_perm as e:
    print(str(e)[:3])
' "$RELAY_PORT" "$C/relay-cert.pem"
	[ "$output" = "$(printf '200\n200\n503\n534\n536\n521')" ]
}

@test "client-tls off: AUTH still gets 534 and FEAT does not offer TLS, even from a TLS origin" {
	tls_origin_start
	tls_relay_start --origin-tls explicit --origin-tls-ca "$C/origin-cert.pem"
	run ftp_cmds -v "$RELAY_PORT" "FEAT" "AUTH TLS"
	[[ "$output" == *"211 End"* ]]
	[[ "$output" != *" AUTH TLS"* ]]
	[[ "$output" != *" PBSZ"* ]]
	[[ "$output" == *"534 AUTH is not supported"* ]]
}

@test "a TLS transfer runs inside the seccomp filter (Seccomp: 2) with libssl mapped; a plain session never maps libssl" {
	tls_origin_start
	tls_relay_start $(client_tls_args optional) --origin-tls explicit \
		--origin-tls-ca "$C/origin-cert.pem"
	make_random_file "$ORIGIN_ROOT/dl.bin" 3
	ftps_curl --limit-rate 1M -o "$T/dl.bin" "$(url dl.bin)" &
	local curl_pid=$! pid i
	for ((i = 0; i < 100; i++)); do
		pid=$(relay_sessions | head -n 1)
		[ -n "$pid" ] && grep -q libssl "/proc/$pid/maps" 2>/dev/null && break
		sleep 0.05
	done
	[ -n "$pid" ]
	sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status" >"$T/seccomp"
	grep -c libssl "/proc/$pid/maps" >"$T/ssl-maps"
	wait "$curl_pid"
	[ "$(cat "$T/seccomp")" = 2 ]
	[ "$(cat "$T/ssl-maps")" -gt 0 ]
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	grep -q 'died with code 0' "$RELAY_LOG"
	! grep -q 'died with code 31' "$RELAY_LOG"
	# A plain session of a plain relay: no libssl, no libcrypto.
	stop_pid "$RELAY_PID"
	origin_start
	relay_start
	ftp_cmds --hold 5 "$RELAY_PORT" "USER anonymous" "PASS x@y" >/dev/null &
	curl_pid=$!
	pid=
	for ((i = 0; i < 100; i++)); do
		pid=$(relay_sessions | head -n 1)
		[ -n "$pid" ] && grep -q 'Seccomp:.*2' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.05
	done
	[ -n "$pid" ]
	! grep -Eq 'libssl|libcrypto|ftprelay-tls' "/proc/$pid/maps"
	wait "$curl_pid"
}

@test "a forbidden call after the lock-down kills a TLS session with SIGSYS (test hook)" {
	[ -x "${FTPRELAY_TESTHOOKS:-}" ] || fail "FTPRELAY_TESTHOOKS is not set (run through make check)"
	grep -q 'FTPR_SANDBOX_DEBUG 1' "$TOP_BUILDDIR/config.h" &&
		skip "--enable-sandbox-debug build: a refused call exits 111"
	tls_origin_start
	run run_attached -t 20 --stderr "$T/err" -- env FTPRELAY_TEST_FORBIDDEN=1 \
		"$FTPRELAY_TESTHOOKS" --user nobody --origin "127.0.0.1:$ORIGIN_PORT" \
		--tls-module "$TLSMOD" $(client_tls_args implicit) \
		--origin-tls explicit --origin-tls-ca "$C/origin-cert.pem"
	cat "$T/err"
	[ "$output" = "EXIT SIG31" ]
}

# hostile_tls_start [OPTIONS]: tests/lib/hostile_origin.py with implicit
# TLS (the origin's certificate) on $HOSTILE_PORT.
hostile_tls_start() {
	HOSTILE_PORT=$(free_port)
	start_bg "$T/hostile.out" "$PYTHON" "$TEST_LIB_DIR/hostile_origin.py" \
		--tls "$C/origin-cert.pem,$C/origin-key.pem" "$@" "$HOSTILE_PORT"
	wait_listening "$HOSTILE_PORT"
}

@test "an origin that ends a TLS download without close_notify: the client gets 426, not 226" {
	hostile_tls_start --truncate
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT tls_relay_start --origin-tls implicit \
		--origin-tls-ca "$C/origin-cert.pem"
	run timeout 60 "$PYTHON" -c '
import ftplib, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=20)
f.login()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR file.bin")
got = 0
try:
    while True:
        b = conn.recv(65536)
        if not b:
            break
        got += len(b)
except OSError:
    pass
conn.close()
try:
    print(f.voidresp()[:3])
except ftplib.all_errors as e:
    print(str(e)[:3])
print(got <= 70536)
' "$RELAY_PORT"
	[ "${lines[0]}" = 426 ]
	[ "${lines[1]}" = True ]
	grep -q 'without TLS close_notify' "$RELAY_LOG"
	# The same origin with close_notify: 226, all 70536 bytes.
	cleanup_processes
	hostile_tls_start
	RELAY_ORIGIN=127.0.0.1:$HOSTILE_PORT tls_relay_start --origin-tls implicit \
		--origin-tls-ca "$C/origin-cert.pem"
	curl_ftp -o "$T/dl.bin" "$(url file.bin)"
	[ "$(stat -c %s "$T/dl.bin")" = 70536 ]
}

@test "TLS on both legs in every client data mode (PASV, EPSV, PORT, EPRT over IPv6) with a passive, an active and a client-mode origin" {
	tls_origin_start
	make_random_file "$ORIGIN_ROOT/dl.bin" 1
	make_random_file "$T/up.bin" 1
	local mode opts sum
	sum=$(sha256_of "$ORIGIN_ROOT/dl.bin")
	for mode in passive active client; do
		tls_relay_start $(client_tls_args optional) --origin-tls explicit \
			--origin-tls-ca "$C/origin-cert.pem" --origin-data-mode "$mode"
		# Passive clients: curl, PASV then EPSV.
		for opts in --disable-epsv --epsv; do
			ftps_curl "$opts" -o "$T/dl.bin" "$(url dl.bin)" ||
				fail "download, origin $mode, curl $opts"
			[ "$(sha256_of "$T/dl.bin")" = "$sum" ]
			ftps_curl "$opts" -T "$T/up.bin" "$(url upload/up.bin)" ||
				fail "upload, origin $mode, curl $opts"
			[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
			rm -f "$ORIGIN_ROOT/upload/up.bin" "$T/dl.bin"
		done
		# Active clients (curl 7.88 cannot do active FTPS at all):
		# ftplib, PORT over IPv4 and EPRT over IPv6.
		for host in 127.0.0.1 ::1; do
			run ftps_py --ca "$C/relay-cert.pem" --reuse --active --host "$host" \
				get "$RELAY_PORT" dl.bin
			[ "$output" = "$sum" ] || fail "active download, origin $mode, $host: $output"
			run ftps_py --ca "$C/relay-cert.pem" --reuse --active --host "$host" \
				put "$RELAY_PORT" upload/up.bin "$T/up.bin"
			[ "$output" = 226 ] || fail "active upload, origin $mode, $host: $output"
			[ "$(sha256_of "$ORIGIN_ROOT/upload/up.bin")" = "$(sha256_of "$T/up.bin")" ]
			rm -f "$ORIGIN_ROOT/upload/up.bin"
		done
		stop_pid "$RELAY_PID"
	done
	! grep -Eq 'DATA connection terminated without SSL shutdown|session reuse required|"426 ' "$ORIGIN_LOG"
}

@test "--check-config loads the TLS module, certificate and key: a key that does not match, or is missing, is named (exit 100)" {
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --tls-module "$TLSMOD" \
		$(client_tls_args required) --origin-tls explicit
	[ "$status" -eq 0 ]
	[[ "$output" == *"client-tls = required"* ]]
	[[ "$output" == *"tls-key = $C/relay-key.pem"* ]]
	[[ "$output" == *"origin-tls = explicit"* ]]
	[[ "$output" == *"origin-tls-verify = yes"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --tls-module "$TLSMOD" \
		--client-tls optional --tls-cert "$C/relay-cert.pem" --tls-key "$C/origin-key.pem"
	[ "$status" -eq 100 ]
	[[ "$output" == *"tls-key $C/origin-key.pem"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --tls-module "$TLSMOD" \
		--client-tls optional --tls-cert "$C/nonexistent.pem"
	[ "$status" -eq 100 ]
	[[ "$output" == *"tls-cert $C/nonexistent.pem"* ]]
	run "$FTPRELAY" --check-config --origin 127.0.0.1 --tls-module "$T/none.so" \
		--origin-tls implicit
	[ "$status" -eq 100 ]
	[[ "$output" == *"TLS module"* ]]
	# A session with a bad key: 421, exit 100, never served.
	run run_attached -t 20 --stderr "$T/err" -- "$FTPRELAY" --user nobody \
		--origin 127.0.0.1:1 --tls-module "$TLSMOD" --client-tls optional \
		--tls-cert "$C/relay-cert.pem" --tls-key "$C/origin-key.pem"
	[[ "${lines[0]}" == "421 "* ]]
	[ "${lines[-1]}" = "EXIT 100" ]
	grep -q "tls-key $C/origin-key.pem" "$T/err"
}

@test "a TLS 1.2 client that asks for renegotiation is refused (no_renegotiation alert), and the session ends cleanly" {
	origin_start
	tls_relay_start $(client_tls_args implicit)
	# s_client sends a renegotiation request for an "R" line.
	( sleep 1; printf 'USER anonymous\r\n'; sleep 1; printf 'R\n'; sleep 1
	  printf 'PASS x@y\r\n'; sleep 1 ) |
		timeout 20 openssl s_client -tls1_2 -CAfile "$C/relay-cert.pem" \
			-connect "127.0.0.1:$RELAY_PORT" >"$T/out" 2>&1 || true
	grep -q '^331 ' "$T/out"
	grep -q 'no renegotiation' "$T/out"
	! grep -q '^230 ' "$T/out"
	! grep -q 'PASS' "$ORIGIN_LOG"
	wait_no_ftprelay 10
	grep -q 'died with code 0' "$RELAY_LOG"
}

@test "a corrupt TLS record in the middle of an upload: 426, and the origin does not take the upload as complete" {
	origin_start
	tls_relay_start $(client_tls_args optional)
	run timeout 60 "$PYTHON" - "$RELAY_PORT" "$C/relay-cert.pem" <<'PY'
import ftplib, os, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
class F(ftplib.FTP_TLS):
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        return self.context.wrap_socket(conn, server_hostname=self.host,
                                        session=self.sock.session), size
f = F(context=ctx, timeout=20)
f.connect("127.0.0.1", int(sys.argv[1]))
f.auth()
f.login()
f.prot_p()
f.voidcmd("TYPE I")
conn = f.transfercmd("STOR upload/broken.bin")
conn.sendall(b"x" * 200000)
time.sleep(0.5)
# An application-data record whose authentication cannot succeed.
raw = socket.socket(fileno=os.dup(conn.fileno()))
raw.sendall(b"\x17\x03\x03\x00\x40" + b"\x00" * 64)
time.sleep(0.5)
raw.close()
conn.close()
try:
    print(f.voidresp()[:3])
except ftplib.all_errors as e:
    print(str(e)[:3])
PY
	echo "$output"
	[ "$output" = 426 ]
	grep -q 'data transfer aborted: TLS read' "$RELAY_LOG"
	! grep -q 'OK UPLOAD.*broken.bin' "$ORIGIN_LOG"
}

@test "client-tls optional: plain clients are still served; PBSZ and PROT need AUTH first, and AUTH after USER gets 503" {
	origin_start
	tls_relay_start $(client_tls_args optional)
	make_random_file "$ORIGIN_ROOT/dl.bin" 1
	curl_ftp -o "$T/dl.bin" "$(url dl.bin)"
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	run ftp_cmds "$RELAY_PORT" "PBSZ 0" "PROT P" "USER anonymous" "AUTH TLS" "PASS x@y"
	[ "${lines[0]:0:3}" = 220 ]
	[ "${lines[1]:0:3}" = 503 ]
	[ "${lines[2]:0:3}" = 503 ]
	[ "${lines[3]:0:3}" = 331 ]
	[ "${lines[4]}" = "503 AUTH must come before USER." ]
	[ "${lines[5]:0:3}" = 230 ]
}

@test "with per-user routing, AUTH TLS comes before USER: curl --ssl-reqd and ftps:// reach the user's origin over TLS; --check-config takes origin-tls with routing" {
	origin_start
	make_random_file "$ORIGIN_ROOT/dl.bin" 2
	printf 'alice 127.0.0.1:%s user=anonymous\n' "$ORIGIN_PORT" >"$T/routes.map"
	RELAY_ORIGIN= relay_start_raw --tls-module "$TLSMOD" --route-map "$T/routes.map" \
		$(client_tls_args required)
	ftps_curl -u alice:x -o "$T/dl.bin" "$(url dl.bin)"
	[ "$(sha256_of "$T/dl.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	grep -q 'TLS with the client: TLSv1.3' "$RELAY_LOG"
	# FEAT before USER, answered by ftprelay itself, offers AUTH TLS
	run ftp_cmds -v "$RELAY_PORT" FEAT QUIT
	echo "$output"
	grep -qx ' AUTH TLS' <<<"$output"
	# required: USER before AUTH gets 530, and no origin is chosen
	run ftp_cmds "$RELAY_PORT" "USER alice" QUIT
	echo "$output"
	[[ ${lines[1]} == 530* ]]
	# implicit TLS in front of a routed session
	relay_start_raw --tls-module "$TLSMOD" --route-map "$T/routes.map" \
		$(client_tls_args implicit)
	curl_ftp --cacert "$C/relay-cert.pem" -u alice:x -o "$T/dl2.bin" \
		"ftps://127.0.0.1:$RELAY_PORT/dl.bin"
	[ "$(sha256_of "$T/dl2.bin")" = "$(sha256_of "$ORIGIN_ROOT/dl.bin")" ]
	# (TLS towards routed origins: 76-origin-tls-routing.bats.)
	run "$FTPRELAY" --check-config --tls-module "$TLSMOD" --route-map "$T/routes.map" \
		--origin-tls explicit
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "# origin-tls-name: each origin's host, as --origin or the route names it" <<<"$output"
}
