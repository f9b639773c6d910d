#!/usr/bin/env bats
# Two ftprelay nodes behind Debian's haproxy, on one machine: network
# namespaces for the client, the balancer, each node and the origin, joined
# by veth pairs with the test's own addresses.  The balancer runs
# examples/haproxy.cfg (addresses substituted); each node runs ftprelay
# under its own systemd-socket-activate, once per data topology; the
# origin (vsftpd) sits behind a haproxy hop with accept-proxy that logs the
# client address it is told.
#
#   client 10.213.1.2 --- 10.213.1.1 balancer 10.213.2.1 --+-- 10.213.2.11 node 1
#                                                         +-- 10.213.2.12 node 2
#                                                         +-- 10.213.2.20 origin
#
# The balancer routes between its two sides (topology (a): the client
# connects straight to a node's --pasv-address).

load ../lib/common
load ../lib/haproxy
load ../lib/netns

export LB=10.213.1.1 CLIENT=10.213.1.2 ORIGIN_ADDR=10.213.2.20

# node_start N: node N's two launchers ((a) port 21, (b) port 2121).
node_start() {
	local n=$1 addr=10.213.2.1$1 r=$(($1 - 1)) gen
	gen=$(date +%s%N)
	start_bg "$W/n$n-a.$gen.log" ip netns exec "$NETNS_PREFIX-n$n" \
		systemd-socket-activate --accept --inetd -l "$addr:21" -- \
		"$FTPRELAY" --user nobody --origin "$ORIGIN_ADDR:21" \
		--origin-proxy-protocol v2 --proxy-protocol-from 10.213.2.1 \
		--pasv-address "$addr" --pasv-ports "30${r}00-30${r}99"
	eval "NODE${n}_A=$BG_PID"
	start_bg "$W/n$n-b.$gen.log" ip netns exec "$NETNS_PREFIX-n$n" \
		systemd-socket-activate --accept --inetd -l "$addr:2121" -- \
		"$FTPRELAY" --user nobody --origin "$ORIGIN_ADDR:21" \
		--origin-proxy-protocol v2 --proxy-protocol-from 10.213.2.1 \
		--pasv-ports "31${r}00-31${r}99"
	eval "NODE${n}_B=$BG_PID"
	ns_wait_listening "n$n" "$addr" 21 || return 1
	ns_wait_listening "n$n" "$addr" 2121 || return 1
}

# sessions_on N: sessions node N has started so far (both topologies).
sessions_on() {
	cat "$W"/n"$1"-*.log 2>/dev/null | grep -c 'session start' || true
}

# in_flight N: control connections node N holds in topology (b).
in_flight() {
	nsx "n$1" ss -Htn state established "( sport = :2121 )" | wc -l
}

# fetch TOPOLOGY NAME OUT [curl options]: one session, one download.
fetch() {
	local topo=$1 name=$2 out=$3
	shift 3
	if [ "$topo" = a ]; then
		# PASV, and the address in its reply (curl >= 7.74 would
		# otherwise use the balancer's, the control connection's).
		nsx cl timeout 60 curl -sS --fail --disable-epsv --no-ftp-skip-pasv-ip \
			--connect-timeout 10 \
			"$@" -o "$out" "ftp://$LB/$name"
	else
		nsx cl timeout 60 curl -sS --fail --connect-timeout 10 \
			"$@" -o "$out" "ftp://$LB:2121/$name"
	fi
}
export -f fetch nsx

setup_file() {
	require_ftprelay
	require_cmd haproxy vsftpd curl systemd-socket-activate ip
	W=$BATS_FILE_TMPDIR
	export W
	netns_init
	for ns in cl lb n1 n2 og; do netns_add "$ns"; done
	# client <-> balancer
	netns_link cl eth0 lb vcl
	nsx cl ip addr add "$CLIENT/24" dev eth0
	nsx cl ip link set eth0 up
	nsx cl ip route add default via "$LB"
	nsx lb ip addr add "$LB/24" dev vcl
	nsx lb ip link set vcl up
	# balancer <-> nodes and origin: one bridge in the balancer
	nsx lb ip link add br0 type bridge
	nsx lb ip addr add 10.213.2.1/24 dev br0
	nsx lb ip link set br0 up
	for peer in n1:10.213.2.11 n2:10.213.2.12 og:$ORIGIN_ADDR; do
		netns_link lb "v${peer%%:*}" "${peer%%:*}" eth0
		nsx lb ip link set "v${peer%%:*}" master br0
		nsx lb ip link set "v${peer%%:*}" up
		nsx "${peer%%:*}" ip addr add "${peer#*:}/24" dev eth0
		nsx "${peer%%:*}" ip link set eth0 up
		nsx "${peer%%:*}" ip route add 10.213.1.0/24 via 10.213.2.1
	done
	nsx lb sysctl -qw net.ipv4.ip_forward=1

	# The origin: vsftpd on 2121, behind a hop on 21 that wants a header.
	_ensure_ftp_user
	ORIGIN_DIR=$W/origin
	ORIGIN_ROOT=$ORIGIN_DIR/root
	ORIGIN_PASV_LOW=40000 ORIGIN_PASV_HIGH=40999
	_origin_dirs "$ORIGIN_DIR"
	{
		_origin_conf "$ORIGIN_DIR" | grep -v '^pasv_promiscuous='
		# The data connections come from the nodes, the control
		# connection from the hop.
		printf '%s\n' pasv_promiscuous=YES listen=YES listen_ipv6=NO \
			"listen_address=$ORIGIN_ADDR" listen_port=2121
	} >"$ORIGIN_DIR/vsftpd.conf"
	make_random_bytes "$ORIGIN_ROOT/small.bin" 65536
	make_random_bytes "$ORIGIN_ROOT/big.bin" 6000000
	chmod 644 "$ORIGIN_ROOT"/*.bin
	start_bg "$ORIGIN_DIR/vsftpd.out" ip netns exec "$NETNS_PREFIX-og" vsftpd "$ORIGIN_DIR/vsftpd.conf"
	ns_wait_listening og "$ORIGIN_ADDR" 2121
	mkdir -p "$W/hop"
	cat >"$W/hop/haproxy.cfg" <<EOF
global
	log stdout format raw daemon
defaults
	mode tcp
	log global
	option logasap
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend hop
	bind $ORIGIN_ADDR:21 accept-proxy
	log-format "pp-client %ci:%cp"
	default_backend vsftpd
backend vsftpd
	server v $ORIGIN_ADDR:2121
EOF
	start_bg "$W/hop.log" ip netns exec "$NETNS_PREFIX-og" haproxy -db -f "$W/hop/haproxy.cfg"
	ns_wait_listening og "$ORIGIN_ADDR" 21

	node_start 1
	node_start 2

	# The balancer: the shipped example, with the test's addresses.
	sed -e "s/192\.0\.2\.10/$LB/g" -e 's/198\.51\.100\.11/10.213.2.11/g' \
		-e 's/198\.51\.100\.12/10.213.2.12/g' \
		-e 's|log /dev/log local0|log stdout format raw daemon|' \
		"$TOP_SRCDIR/examples/haproxy.cfg" >"$W/lb.cfg"
	grep -q "$LB:21\$" "$W/lb.cfg" || fail "examples/haproxy.cfg: the balancer address was not found"
	start_bg "$W/lb.log" ip netns exec "$NETNS_PREFIX-lb" haproxy -db -f "$W/lb.cfg"
	ns_wait_listening lb "$LB" 21
	ns_wait_listening lb "$LB" 2121
	export NODE1_A NODE1_B NODE2_A NODE2_B
}

teardown_file() {
	cleanup_processes
	netns_cleanup
	# The nodes' logs (a sanitizer build writes its reports there).
	sanitizer_reports
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		for f in "$W"/lb.log "$W"/hop.log "$W"/n*.log; do
			printf '# --- %s\n' "$f" >&2
			tail -n 15 "$f" | cut -c1-240 | sed 's/^/#   /' >&2
		done
	fi
	cleanup_processes
	sanitizer_reports
}

@test "haproxy's health checks keep both nodes up and never reach the origin" {
	sleep 3
	! grep -q 'is DOWN' "$W/lb.log" || fail "a node was marked down"
	# Checks run every second on both backends, each one exits 0.
	[ "$(cat "$W"/n*-*.log | grep -c 'Child .* died with code 0')" -ge 4 ]
	! cat "$W"/n*-*.log | grep -q 'died with code [1-9]' ||
		fail "a health check was not answered as one"
	[ "$(sessions_on 1)" -eq 0 ]
	[ "$(sessions_on 2)" -eq 0 ]
	! grep -q pp-client "$W/hop.log" || fail "a health check reached the origin"
}

@test "200 checksummed transfers through the balancer, both data topologies, spread over both nodes" {
	local sum ok
	sum=$(sha256_of "$W/origin/root/small.bin")
	mkdir -p "$W/t200"
	before1=$(sessions_on 1) before2=$(sessions_on 2)
	hop_before=$(grep -c pp-client "$W/hop.log" || true)
	for i in $(seq 1 200); do
		if [ $((i % 2)) -eq 0 ]; then echo "a $i"; else echo "b $i"; fi
	done | xargs -P 8 -n 2 bash -c 'fetch "$0" small.bin "$W/t200/$1.bin"' ||
		fail "a download failed"
	ok=0
	for f in "$W"/t200/*.bin; do
		[ "$(sha256_of "$f")" = "$sum" ] && ok=$((ok + 1))
	done
	echo "intact: $ok"
	[ "$ok" -eq 200 ]
	n1=$(($(sessions_on 1) - before1)) n2=$(($(sessions_on 2) - before2))
	echo "node 1: $n1 sessions, node 2: $n2"
	[ $((n1 + n2)) -eq 200 ]
	[ "$n1" -ge 50 ]
	[ "$n2" -ge 50 ]
	# Both topologies on both nodes.
	for f in n1-a n1-b n2-a n2-b; do
		grep -q 'session start' "$W"/$f.*.log || fail "no session in $f"
	done
	# The nodes saw the client, not the balancer ...
	[ "$(cat "$W"/n*-*.log | grep -c "client $CLIENT:[0-9]*: session start")" -eq $((n1 + n2)) ]
	# ... and so did the origin's hop, in every session.
	hop=$(($(grep -c "^pp-client $CLIENT:" "$W/hop.log") - hop_before))
	[ "$hop" -eq 200 ] || fail "the origin hop saw $hop sessions from $CLIENT"
	! grep pp-client "$W/hop.log" | grep -qv "pp-client $CLIENT:" ||
		fail "the origin hop saw another client address"
}

@test "a node stopped mid-run: only its sessions end, new ones go to the survivor, and it takes sessions again once back" {
	local sum
	sum=$(sha256_of "$W/origin/root/small.bin")
	mkdir -p "$W/stop"
	# Six sessions in flight (logged in, through (b)), spread over both
	# nodes; after 8 s each downloads a file.
	for i in 1 2 3 4 5 6; do
		nsx cl timeout 60 "$PYTHON" "$TEST_LIB_DIR/pp_client.py" -H "$LB" -t 30 \
			none 2121 "USER anonymous" "PASS x" "@SLEEP 8" "TYPE I" \
			"@GET $CLIENT small.bin" QUIT >"$W/stop/held$i.out" 2>&1 &
	done
	for ((i = 0; i < 100; i++)); do
		s1=$(in_flight 1) s2=$(in_flight 2)
		[ $((s1 + s2)) -eq 6 ] && break
		sleep 0.1
	done
	echo "in flight: node 1 $s1, node 2 $s2"
	[ "$s1" -ge 1 ]
	[ "$s2" -ge 1 ]
	# Stop node 1 (both launchers and their sessions, as systemctl stop).
	stop_pid "$NODE1_A"
	stop_pid "$NODE1_B"
	# New sessions keep coming: none may fail.
	for i in $(seq 1 16); do
		if [ $((i % 2)) -eq 0 ]; then t=a; else t=b; fi
		fetch "$t" small.bin "$W/stop/new$i.bin" || fail "new session $i ($t) failed"
		[ "$(sha256_of "$W/stop/new$i.bin")" = "$sum" ]
		sleep 0.25
	done
	# (bash's wait returns early on the signals bats traps: poll.)
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -lE '^(<EOF>|421 )' "$W"/stop/held*.out | wc -l)" -eq 6 ] && break
		sleep 0.1
	done
	cat "$W"/stop/held*.out
	ended=$(cat "$W"/stop/held*.out | grep -c '^421 ' || true)
	intact=$(cat "$W"/stop/held*.out | grep -c "^DATA 65536 $sum\$" || true)
	echo "sessions in flight: $ended ended with 421, $intact went on"
	[ "$ended" -eq "$s1" ]
	[ "$intact" -eq "$s2" ]
	# Marked down, and no session sent to it after that.
	grep -q 'Server nodes_a/n1 is DOWN' "$W/lb.log"
	grep -q 'Server nodes_b/n1 is DOWN' "$W/lb.log"
	for b in nodes_a nodes_b; do
		after=$(awk -v b="$b" '$0 ~ "Server " b "/n1 is DOWN" {down = 1; next}
			down && index($0, " " b "/n1 ") {n++} END {print n + 0}' "$W/lb.log")
		[ "$after" -eq 0 ] || fail "$after session(s) sent to $b/n1 after it was down"
	done

	# Node 1 comes back, is marked up, and takes sessions again.
	before=$(sessions_on 1)
	node_start 1
	for ((i = 0; i < 200; i++)); do
		grep -q 'Server nodes_a/n1 is UP' "$W/lb.log" &&
			grep -q 'Server nodes_b/n1 is UP' "$W/lb.log" && break
		sleep 0.1
	done
	grep -q 'Server nodes_a/n1 is UP' "$W/lb.log"
	grep -q 'Server nodes_b/n1 is UP' "$W/lb.log"
	for i in $(seq 1 8); do
		if [ $((i % 2)) -eq 0 ]; then t=a; else t=b; fi
		fetch "$t" small.bin "$W/stop/back$i.bin" || fail "session $i after the return failed"
	done
	back=$(($(sessions_on 1) - before))
	echo "node 1 after its return: $back sessions"
	[ "$back" -ge 2 ]
}

@test "the balancer caps sessions per client address, which the nodes' per-source limits cannot see" {
	mkdir -p "$W/cap"
	for i in $(seq 1 17); do
		nsx cl timeout 30 "$PYTHON" "$TEST_LIB_DIR/pp_client.py" -H "$LB" -t 10 \
			none 2121 "USER anonymous" "@SLEEP 4" QUIT >"$W/cap/$i.out" 2>&1 &
		sleep 0.05
	done
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -lE '^(<EOF>|<REFUSED>|221 )' "$W"/cap/*.out | wc -l)" -eq 17 ] && break
		sleep 0.1
	done
	served=$(grep -l '^220 ' "$W"/cap/*.out | wc -l)
	refused=$(head -qn 1 "$W"/cap/*.out | grep -cE '^<(EOF|REFUSED)>$' || true)
	echo "served $served, refused $refused"
	grep -L '^220 ' "$W"/cap/*.out | xargs -r head -n 5
	[ "$served" -eq 16 ]
	[ "$refused" -eq 1 ]
}
