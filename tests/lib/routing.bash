# tests/lib/routing.bash - helpers of the routing tests (66, 68, 69):
# private vsftpd origins with files of their own, and a download through
# the relay as a given user.

# origin_named NAME: a private vsftpd on 127.0.0.1 holding NAME.txt and a
# random NAME.bin; sets PORT_<NAME> and LOG_<NAME>.
origin_named() {
	local name=$1 dir port lo hi
	_ensure_ftp_user || return 1
	dir=$(scratch_dir)/$name
	_origin_dirs "$dir"
	port=$(free_port) || return 1
	read -r lo hi < <(free_port_range 1000) || return 1
	ORIGIN_PASV_LOW=$lo ORIGIN_PASV_HIGH=$hi
	{
		_origin_conf "$dir"
		printf '%s\n' listen=YES listen_ipv6=NO listen_address=127.0.0.1 "listen_port=$port"
	} >"$dir/vsftpd.conf"
	echo "this is $name" >"$dir/root/$name.txt"
	make_random_bytes "$dir/root/$name.bin" 300000
	start_bg "$dir/vsftpd.out" vsftpd "$dir/vsftpd.conf"
	wait_listening "$port" 127.0.0.1 10 || return 1
	origin_wait_greeting "$port" || return 1
	printf -v "PORT_$name" '%s' "$port"
	printf -v "LOG_$name" '%s' "$dir/vsftpd.log"
}

# fetch USER FILE: download FILE through the relay as USER (password x).
fetch() {
	curl_ftp -u "$1:x" "ftp://127.0.0.1:$RELAY_PORT/$2"
}
