/* defs.h - every limit, default and exit code of ftprelay in one place. */
#ifndef FTPR_DEFS_H
#define FTPR_DEFS_H

/* Exit codes, after the djb/s6 convention: 100 is a permanent usage or
 * configuration error, 111 a temporary failure (origin unreachable, ...). */
#define FTPR_EXIT_OK 0
#define FTPR_EXIT_USAGE 100
#define FTPR_EXIT_TEMP 111

/* SECURITY: the longest control line we accept, CRLF included.  RFC 959
 * sets no limit; vsftpd reads at most 4096 bytes per command.  Longer lines
 * are answered with 500 and never parsed or forwarded. */
#define FTPR_LINE_MAX 4096

/* Replies from the origin are relayed line by line; a single reply line
 * longer than this (no server sends one) ends the session. */
#define FTPR_REPLY_LINE_MAX 8192

/* Bytes queued towards one control peer.  A peer that does not read while
 * this is full simply stops the relay in that direction. */
#define FTPR_CTRL_OUT_MAX 16384

/* SECURITY: bytes a client may send without completing a single valid
 * line (an endless line, binary noise) before the session is closed. */
#define FTPR_JUNK_MAX (16 * FTPR_LINE_MAX)

/* Invalid lines (overlong, NUL) in a row before the session is closed. */
#define FTPR_BAD_LINES_MAX 8

/* What a data direction's pipe grows to (F_SETPIPE_SZ) once it fills with
 * small fragments: a pipe opens at the kernel's default of 64 KiB (16
 * slots, one per socket buffer fragment).  1 MiB is the most an
 * unprivileged process may ask (fs.pipe-max-size); bench/run measured
 * 0.22 s of proxy CPU per GiB downloaded at 256 KiB and 0.175 s at 1 MiB. */
#define FTPR_PIPE_SIZE 1048576

/* One buffer per data direction: it carries the first FTPR_DATA_BUF bytes
 * of each transfer (small ones need no pipe), and everything when no pipe
 * can be had or splice is refused. */
#define FTPR_DATA_BUF 65536

/* Defaults and ranges of the timeouts, in seconds. */
#define FTPR_IDLE_TIMEOUT_DEFAULT 900
#define FTPR_DATA_TIMEOUT_DEFAULT 300
#define FTPR_CONNECT_TIMEOUT_DEFAULT 10
#define FTPR_TIMEOUT_MIN 1
#define FTPR_TIMEOUT_MAX 86400

/* Length of an address rendered as text, port included ("[v6]:65535"). */
#define FTPR_ADDRSTR_MAX 64

/* Length of a host name or literal in --origin. */
#define FTPR_HOST_MAX 256

/* Longest config file line. */
#define FTPR_CONF_LINE_MAX 1024

/* Listen backlog of a passive data listener: one client, a few strays. */
#define FTPR_PASV_BACKLOG 4

#define FTPR_DEFAULT_FTP_PORT 21

/* The TLS module (ftprelay-tls.so): the build passes its installed path
 * (pkglibdir); builds that do not (the fuzz build) get this one. */
#ifndef FTPR_TLS_MODULE
#define FTPR_TLS_MODULE "/usr/lib/ftprelay/ftprelay-tls.so"
#endif
/* The lookup module (ftprelay-url.so, --route-url), the same way. */
#ifndef FTPR_URL_MODULE
#define FTPR_URL_MODULE "/usr/lib/ftprelay/ftprelay-url.so"
#endif

/* A transfer record (xferlog(5)): the path as the client named it is cut
 * to this many bytes, the user name to FTPR_XFER_USER_MAX; the whole
 * record then always fits FTPR_XFER_RECORD_MAX and goes out in one
 * write(). */
#define FTPR_XFER_PATH_MAX 1024
#define FTPR_XFER_USER_MAX 64
#define FTPR_XFER_RECORD_MAX 1400

/* One journal entry (log.c, journal.c): message and fields, sent as one
 * datagram to journald's native socket. */
#define FTPR_JOURNAL_ENTRY_MAX 8192
/* PROXY protocol (HAProxy's doc/proxy-protocol.txt).  SECURITY: a v1
 * header is one line of at most 107 bytes, CRLF included; a v2 header
 * (16 fixed bytes plus its length field) is refused when longer than
 * 536 bytes, the size the specification advises a sender to stay under
 * (it always fits the smallest TCP segment), TLVs included. */
#define FTPR_PP_V1_MAX 107
#define FTPR_PP_V2_MAX 536

/* SECURITY: a peer listed in --proxy-protocol-from has this long, in
 * total, to deliver its header (the specification's advice: 3 s); one
 * that sends nothing, or dribbles, is closed without a greeting. */
#define FTPR_PP_TIMEOUT_MS 3000

/* Networks in --proxy-protocol-from. */
#define FTPR_PP_FROM_MAX 16

/* A health check (PROXY v2 LOCAL) is answered by ftprelay alone: the
 * checker may take this long and send this many bytes before we close. */
#define FTPR_PP_CHECK_TIMEOUT_MS 10000
#define FTPR_PP_CHECK_BYTES_MAX 1024

/* RLIMIT_NOFILE after lock-down: fds 0-3, the origin, syslog, two
 * listeners, two data sockets and two pipes per direction fit easily. */
#define FTPR_SANDBOX_NOFILE 32

/* Routing (route.c, login.c).  Origins one route may list, tried in
 * order. */
#define FTPR_ROUTE_ORIGINS_MAX 8
/* Longest user name a map line may hold (NAME, *@DOMAIN, user=NEWNAME);
 * a USER argument over it is looked up by name only (it cannot be in a
 * map) and never forwarded renamed. */
#define FTPR_ROUTE_NAME_MAX 256
/* Longest route map line, newline included. */
#define FTPR_ROUTE_LINE_MAX 1024
/* Longest --forward-to, --route-map, --route-url and --welcome value. */
#define FTPR_ROUTE_OPT_MAX 1024
/* The lookup service's answer (the body; libcurl bounds the headers). */
#define FTPR_ROUTE_HTTP_MAX 8192
/* --route-url-ca (or the system store) for an https service, read whole
 * at set-up: Debian's bundle is about 200 KiB. */
#define FTPR_ROUTE_CA_MAX (4 * 1024 * 1024)
#define FTPR_ROUTE_CA_DEFAULT "/etc/ssl/certs/ca-certificates.crt"

/* Host names in routes (dns.c, resolver.c): resolved after the lock-down
 * from what set-up read into memory.  /etc/hosts is read up to this many
 * bytes (a longer file is used as far as this, with a warning), and
 * /etc/resolv.conf up to FTPR_DNS_CONF_MAX. */
#define FTPR_DNS_HOSTS_MAX 65536
#define FTPR_DNS_CONF_MAX 8192
/* Nameservers from resolv.conf: glibc's MAXNS. */
#define FTPR_DNS_NS_MAX 3
/* resolv.conf's "options timeout:N attempts:N": glibc's defaults, and
 * glibc's caps (RES_MAXRETRANS 30 s, RES_MAXRETRY 5). */
#define FTPR_DNS_TIMEOUT_DEFAULT 5
#define FTPR_DNS_TIMEOUT_MAX 30
#define FTPR_DNS_ATTEMPTS_DEFAULT 2
#define FTPR_DNS_ATTEMPTS_MAX 5
/* Addresses one name may give (from the hosts table or an answer). */
#define FTPR_DNS_ADDRS_MAX 8
/* The EDNS0 payload size we announce, and so the largest UDP answer we
 * read: the DNS flag day 2020 value, which avoids IP fragmentation. */
#define FTPR_DNS_UDP_MAX 1232
/* SECURITY: the largest answer read over TCP (after a truncated UDP one);
 * an A/AAAA answer that needs more is refused. */
#define FTPR_DNS_TCP_MAX 16384
/* CNAMEs followed inside one answer, and answer records looked at. */
#define FTPR_DNS_CNAME_MAX 8
#define FTPR_DNS_RR_MAX 64

#endif
