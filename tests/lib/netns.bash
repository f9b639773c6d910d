# netns.bash: a private network of network namespaces for multi-node tests
# (sourced after common.bash with `load ../lib/netns`).
#
# Every namespace is named "$NETNS_PREFIX-<name>" and holds only addresses
# of the test's own (10.213.x.y); no interface is ever put into the
# namespace the tests run in, so no packet can leave the test's network.
# netns_cleanup deletes every namespace with the prefix (teardown_file).

# netns_init: pick a prefix unique to this run.
netns_init() {
	require_cmd ip || return 1
	NETNS_PREFIX=ftpr$$x$RANDOM
	export NETNS_PREFIX
}

# netns_add NAME: a namespace with its loopback up.
netns_add() {
	ip netns add "$NETNS_PREFIX-$1" || return 1
	ip -n "$NETNS_PREFIX-$1" link set lo up
}

# netns_link NS1 IF1 NS2 IF2: a veth pair between two namespaces.
netns_link() {
	ip link add "$2" netns "$NETNS_PREFIX-$1" type veth \
		peer name "$4" netns "$NETNS_PREFIX-$3"
}

# nsx NAME CMD...: run CMD in namespace NAME.
nsx() {
	local ns=$NETNS_PREFIX-$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_wait_listening NAME ADDR PORT [SECONDS]: wait for a listener in NAME.
ns_wait_listening() {
	local ns=$1 addr=$2 port=$3 secs=${4:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		if nsx "$ns" ss -Htln "sport = :$port" | awk '{print $4}' | grep -qxF "$addr:$port"; then
			return 0
		fi
		sleep 0.05
	done
	fail "nothing listens on $addr:$port in namespace $ns after ${secs}s"
}

# netns_cleanup: delete the namespaces of this run (after their processes
# were stopped).
netns_cleanup() {
	local ns
	[ -n "${NETNS_PREFIX:-}" ] || return 0
	for ns in $(ip netns list | awk '{print $1}' | grep "^$NETNS_PREFIX-"); do
		ip netns del "$ns" 2>/dev/null || true
	done
}
