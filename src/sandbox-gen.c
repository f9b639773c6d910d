/* sandbox-gen.c - build time: ftprelay's seccomp allow-list, compiled to
 * BPF with libseccomp and printed as C (src/sandbox-filter.h).  The table
 * is here, one line per call with the code that needs it (after OpenSSH's
 * sandbox-seccomp-filter.c); sandbox.c loads the result with prctl(), so
 * no session pays for libseccomp (~30 KiB of Pss and 26 k instructions
 * each) and the filter is the same in every session. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

/* Allow a call outright. */
#define ALLOW(call) { SCMP_SYS(call), SCMP_ACT_ALLOW }

/* Every call below was seen after the lock-down (strace of the whole
 * integration suite), or is marked with the path that needs it that the
 * tests do not reach.  Anything else kills the session (SIGSYS).
 * TLS sessions (the TLS module, OpenSSL) need nothing more: read, write,
 * getpid, getrandom, brk, mmap/munmap after set-up (strace of
 * tests/integration/75-ftps.bats), so there is one filter for all; the
 * module skips OpenSSL's clean-up at exit, whose futex() would be the
 * one call more.  Sessions with --route-url get a second filter: this
 * list and sandbox_lookup_rules below. */
static const struct {
	int nr;
	uint32_t action;
} sandbox_rules[] = {
	/* session.c: the loop and the control connections. */
	ALLOW(pselect6),            /* the one loop; the signal mask is an argument */
	ALLOW(read),
	ALLOW(write),               /* ... and xferlog.c's records */
	ALLOW(close),
	ALLOW(shutdown),
	ALLOW(sendto),              /* send(): ABOR's Telnet IP as urgent data;
				     * journal.c's entries to journald's socket,
				     * connected before the lock-down */
	ALLOW(rt_sigreturn),        /* return from the SIGTERM/SIGINT/SIGHUP handler */
	ALLOW(clock_gettime),       /* not reached: sess_now() where the vDSO
				     * cannot read the clock source (some VMs) */
	ALLOW(exit_group),
	/* datachan.c dc_*(): data listeners and connections; login.c and
	 * routeurl.c (routing): the origin and the lookup service, connected
	 * at USER; resolver.c's DNS queries (UDP, TCP after a truncated
	 * answer).  socket() is limited to TCP and UDP below. */
	ALLOW(bind),
	ALLOW(listen),
	ALLOW(accept4),
	ALLOW(connect),
	ALLOW(getsockopt),          /* net_connect_result(): SO_ERROR */
	ALLOW(setsockopt),          /* SO_REUSEADDR, SO_LINGER, TCP_NODELAY */
	ALLOW(getsockname),         /* net_listen_range(): the port we got */
	ALLOW(getrandom),           /* net_listen_range(): a random port */
	/* relay.c: zero-copy data path. */
	ALLOW(splice),
	ALLOW(pipe2),
	/* log.c: syslog() (inetd) writes with sendto() (above); LOG_PID. */
	ALLOW(getpid),
	/* libc's allocator.  main.c's malloc_trim(0) right after the
	 * lock-down gives back what set-up left on the heap: brk shrinks
	 * it, madvise(MADV_DONTNEED) frees the pages inside it.  brk also
	 * grows the heap (syslog() formats through open_memstream(); in
	 * --enable-sanitizers builds glibc's malloc starts only after the
	 * lock-down).  munmap, and mmap below: not reached; malloc's
	 * fallback when brk cannot grow the heap, and the free() of such
	 * a chunk. */
	ALLOW(brk),
	ALLOW(madvise),
	ALLOW(munmap),
};

/* Sessions with --route-url (routelookup.c, the module urlmod.c: libcurl,
 * OpenSSL) need these too, and only they get them: strace -f of a session
 * driven by hand through a lookup after the lock-down, over http and https
 * (a service named by address and by name); 68-route-url.bats runs them
 * under the filter.
 * Everything else a lookup does is in the list above: the socket (made by
 * urlmod.c's CURLOPT_OPENSOCKETFUNCTION as net.c makes its own), connect,
 * fcntl F_GETFL/F_SETFL, setsockopt TCP_NODELAY, getsockopt SO_ERROR,
 * getsockname, send (sendto with MSG_NOSIGNAL), pselect6 (urlmod.c's own
 * bounded wait), getpid and getrandom (OpenSSL), close, brk/mmap.  What
 * set-up keeps out: the resolver (the service's name is resolved at
 * set-up, CURLOPT_RESOLVE: no thread, no clone), the CA file (read at
 * set-up, CURLOPT_CAINFO_BLOB), /etc/localtime (tzset() before the
 * lock-down), OpenSSL's one-time initialisations (futex; urlmod.c runs
 * them at set-up). */
static const struct {
	int nr;
	uint32_t action;
} sandbox_lookup_rules[] = {
	/* SECURITY: libcurl checks a socket with a zero timeout
	 * (Curl_socket_check()) before and between its steps; poll only
	 * waits on descriptors the session already has. */
	ALLOW(poll),
	ALLOW(ppoll),               /* not reached on x86_64: glibc's poll()
				     * where the kernel has no poll */
	/* SECURITY: libcurl names the connection's peer (for its info and
	 * error messages); it reveals nothing the session does not know. */
	ALLOW(getpeername),
};

/* Add every rule of the allow-list (and the lookup's, when lookup);
 * 0 or a negative errno. */
static int gen_rules(scmp_filter_ctx ctx, int lookup)
{
	int rc = 0;

	for (size_t i = 0; lookup && rc == 0 &&
	     i < sizeof(sandbox_lookup_rules) / sizeof(sandbox_lookup_rules[0]); i++)
		if (sandbox_lookup_rules[i].nr >= 0)
			rc = seccomp_rule_add(ctx, sandbox_lookup_rules[i].action,
					      sandbox_lookup_rules[i].nr, 0);
	/* SECURITY: libcurl's recv(): recvfrom on its connected socket with
	 * no flags and no source address, which is read(). */
	if (lookup && rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 2,
				      SCMP_A3(SCMP_CMP_EQ, 0), SCMP_A4(SCMP_CMP_EQ, 0));

	/* libseccomp checks the architecture first: a call made through
	 * another ABI (x32, i386 on x86_64) hits the default action. */
	for (size_t i = 0; rc == 0 && i < sizeof(sandbox_rules) / sizeof(sandbox_rules[0]); i++)
		if (sandbox_rules[i].nr >= 0)
			rc = seccomp_rule_add(ctx, sandbox_rules[i].action,
					      sandbox_rules[i].nr, 0);
	/* mmap for the allocator, never executable. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* socket(): TCP over IPv4 or IPv6, exactly as net.c creates them. */
	for (int fam = 0; rc == 0 && fam < 2; fam++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
				      SCMP_A0(SCMP_CMP_EQ, fam ? AF_INET6 : AF_INET),
				      SCMP_A1(SCMP_CMP_EQ, SOCK_STREAM | SOCK_NONBLOCK |
					      SOCK_CLOEXEC));
	/* SECURITY: socket() for UDP over IPv4 or IPv6, with the same
	 * flags: resolver.c's DNS queries for host names in routes
	 * (routing sessions only), to the nameservers of resolv.conf read
	 * at set-up.  The socket is connect()ed to the server, written with
	 * send() (sendto, above) and read with read(): nothing else is
	 * needed, and no other datagram socket can be made. */
	for (int fam = 0; rc == 0 && fam < 2; fam++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
				      SCMP_A0(SCMP_CMP_EQ, fam ? AF_INET6 : AF_INET),
				      SCMP_A1(SCMP_CMP_EQ, SOCK_DGRAM | SOCK_NONBLOCK |
					      SOCK_CLOEXEC));
	/* syslog() reconnecting to /dev/log: refused, not fatal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* fcntl(): net_set_nonblock() (F_GETFL, F_SETFL) and relay.c's
	 * F_SETPIPE_SZ; no locks, no F_SETOWN/F_SETSIG, no descriptor
	 * duplication. */
	for (size_t i = 0; rc == 0 && i < 3; i++) {
		static const int ops[3] = { F_GETFL, F_SETFL, F_SETPIPE_SZ };

		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				      SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ops[i]));
	}
	/* datachan.c dc_drained(): how much of a download the client has not
	 * acknowledged yet (SIOCOUTQ); no other ioctl. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, SIOCOUTQ));
	return rc;
}

/* Print one filter, with `deny` as the default action, as a C array. */
static int gen_emit(const char *name, uint32_t deny, int lookup)
{
	scmp_filter_ctx ctx = seccomp_init(deny);
	FILE *tmp = tmpfile();
	unsigned char insn[8];
	int rc, n = 0;

	if (ctx == NULL || tmp == NULL) {
		fprintf(stderr, "sandbox-gen: seccomp_init or tmpfile failed\n");
		return -1;
	}
	rc = gen_rules(ctx, lookup);
	if (rc == 0)
		rc = seccomp_export_bpf(ctx, fileno(tmp));
	seccomp_release(ctx);
	if (rc != 0) {
		fprintf(stderr, "sandbox-gen: %s: %d\n", name, rc);
		return -1;
	}
	rewind(tmp);
	printf("static const struct sock_filter %s[] = {\n", name);
	/* struct sock_filter: u16 code, u8 jt, u8 jf, u32 k, host order. */
	while (fread(insn, sizeof(insn), 1, tmp) == 1) {
		uint16_t code;
		uint32_t k;

		memcpy(&code, insn, 2);
		memcpy(&k, insn + 4, 4);
		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", code, insn[2], insn[3], k);
		n++;
	}
	printf("};\n\n");
	fclose(tmp);
	return n > 0 ? 0 : -1;
}

int main(void)
{
	printf("/* sandbox-filter.h - generated by sandbox-gen from the allow-list in\n"
	       " * sandbox-gen.c; do not edit. */\n\n");
	/* Normal builds kill the process; --enable-sandbox-debug traps and
	 * names the call instead. */
	if (gen_emit("sandbox_bpf_kill", SCMP_ACT_KILL_PROCESS, 0) < 0 ||
	    gen_emit("sandbox_bpf_trap", SCMP_ACT_TRAP, 0) < 0 ||
	    gen_emit("sandbox_bpf_lookup_kill", SCMP_ACT_KILL_PROCESS, 1) < 0 ||
	    gen_emit("sandbox_bpf_lookup_trap", SCMP_ACT_TRAP, 1) < 0)
		return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
