# haproxy.bash: Debian's haproxy for the PROXY protocol tests (sourced after
# common.bash with `load ../lib/haproxy`).
#
# haproxy_accept_proxy PORT TARGET: a haproxy in TCP mode on 127.0.0.1:PORT
# that requires a PROXY header (accept-proxy) from whoever connects, relays
# to TARGET (host:port), and logs, as soon as each connection is accepted,
# "pp-client <address>:<port>" to $HAPROXY_LOG: the address the
# header named (%ci/%cp), which is how an origin behind it sees the client.
# Sets HAPROXY_PID and HAPROXY_LOG.
haproxy_accept_proxy() {
	local port=$1 target=$2 dir
	require_cmd haproxy || return 1
	dir=$(scratch_dir)/haproxy-$port
	mkdir -p "$dir"
	HAPROXY_LOG=$dir/haproxy.log
	cat >"$dir/haproxy.cfg" <<EOF
global
	log stdout format raw daemon
	maxconn 256
defaults
	mode tcp
	log global
	option logasap
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend pp_in
	bind 127.0.0.1:$port accept-proxy
	log-format "pp-client %ci:%cp"
	default_backend origin
backend origin
	server origin $target
EOF
	haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/check.out" 2>&1 ||
		{ cat "$dir/check.out" >&2; fail "haproxy rejects its config"; return 1; }
	start_bg "$HAPROXY_LOG" haproxy -db -f "$dir/haproxy.cfg"
	HAPROXY_PID=$BG_PID
	wait_listening "$port" 127.0.0.1 10 || { cat "$HAPROXY_LOG" >&2; return 1; }
	export HAPROXY_PID HAPROXY_LOG
}
