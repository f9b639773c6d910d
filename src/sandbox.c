/* sandbox.c - lock-down after set-up: rlimits, no-new-privs, and a
 * libseccomp allow-list (after OpenSSH's sandbox-seccomp-filter.c: one line
 * per call, each with the code that needs it; kill by default). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSECCOMP
#include <seccomp.h>
#endif

#include "defs.h"
#include "sandbox.h"

#ifdef FTPR_TEST_HOOKS
#include <stdlib.h>
#endif

#ifdef FTPR_SANITIZERS
static int sandbox_on;

/* LeakSanitizer's scan at exit needs ptrace, clone and /proc, which the
 * filter rightly kills; sandboxed sanitizer runs skip only that scan (the
 * unit tests and --no-sandbox runs still look for leaks). */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return sandbox_on;
}
#endif

static int sandbox_rlimits(char *why, size_t whycap)
{
	struct rlimit zero = { 0, 0 }, files = { FTPR_SANDBOX_NOFILE, FTPR_SANDBOX_NOFILE };
	struct stat st;

	/* No new processes, no core files with session data in them. */
	if (setrlimit(RLIMIT_NPROC, &zero) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0)
		goto fail;
	/* A session needs its control sockets, one listener, two data
	 * sockets and their pipes: far below this. */
	if (setrlimit(RLIMIT_NOFILE, &files) < 0)
		goto fail;
	/* No file may grow, unless stderr is a log file we append to
	 * (ftprelay ... 2>>log); no file can be opened anyway. */
	if (!(fstat(2, &st) == 0 && S_ISREG(st.st_mode)) &&
	    setrlimit(RLIMIT_FSIZE, &zero) < 0)
		goto fail;
	return 0;
fail:
	snprintf(why, whycap, "setrlimit: %s", strerror(errno));
	return -1;
}

#ifdef HAVE_LIBSECCOMP

#ifdef FTPR_SANDBOX_DEBUG
/* Debug builds trap and say which call was refused, then die. */
#include <signal.h>
#include <stdlib.h>
#define SANDBOX_DENY SCMP_ACT_TRAP

static void sandbox_sigsys(int sig, siginfo_t *info, void *ctx)
{
	char msg[80];
	int n;

	(void)sig;
	(void)ctx;
	n = snprintf(msg, sizeof(msg), "ftprelay: sandbox: refused syscall %d\n",
		     info->si_syscall);
	if (n > 0)
		(void)write(2, msg, (size_t)n);
	_exit(FTPR_EXIT_TEMP);
}
#else
#define SANDBOX_DENY SCMP_ACT_KILL_PROCESS
#endif

/* Allow a call outright. */
#define ALLOW(call) { SCMP_SYS(call), SCMP_ACT_ALLOW }

/* Every call below was seen after the lock-down (strace of the whole
 * integration suite), or is marked with the path that needs it that the
 * tests do not reach.  Anything else kills the session (SIGSYS). */
static const struct {
	int nr;
	uint32_t action;
} sandbox_rules[] = {
	/* session.c: the loop and the control connections. */
	ALLOW(pselect6),            /* the one loop; the signal mask is an argument */
	ALLOW(read),
	ALLOW(write),
	ALLOW(close),
	ALLOW(shutdown),
	ALLOW(sendto),              /* send(): ABOR's Telnet IP as urgent data */
	ALLOW(rt_sigreturn),        /* return from the SIGTERM/SIGINT/SIGHUP handler */
	ALLOW(clock_gettime),       /* not reached: sess_now() where the vDSO
				     * cannot read the clock source (some VMs) */
	ALLOW(exit_group),
	/* session.c dc_*(): data listeners and connections; socket() is
	 * limited to TCP below. */
	ALLOW(bind),
	ALLOW(listen),
	ALLOW(accept4),
	ALLOW(connect),
	ALLOW(getsockopt),          /* net_connect_result(): SO_ERROR */
	ALLOW(setsockopt),          /* SO_REUSEADDR, SO_LINGER, TCP_NODELAY */
	ALLOW(getsockname),         /* net_listen_range(): the port we got */
	ALLOW(getrandom),           /* net_listen_range(): random start */
	ALLOW(fcntl),               /* O_NONBLOCK; relay.c: F_SETPIPE_SZ */
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

static int sandbox_filter(char *why, size_t whycap)
{
	scmp_filter_ctx ctx = seccomp_init(SANDBOX_DENY);
	int rc = 0;

	if (ctx == NULL) {
		snprintf(why, whycap, "seccomp_init failed");
		return -1;
	}
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
	/* syslog() reconnecting to /dev/log: refused, not fatal. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* session.c dc_drained(): how much of a download the client has not
	 * acknowledged yet (SIOCOUTQ); no other ioctl. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, SIOCOUTQ));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		snprintf(why, whycap, "seccomp filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}
#endif /* HAVE_LIBSECCOMP */

int sandbox_find_user(const char *name, uid_t *uid, gid_t *gid, char *why,
		      size_t whycap)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL) {
		snprintf(why, whycap, "user '%s' does not exist", name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(why, whycap, "user '%s' is root: give an unprivileged user",
			 name);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int sandbox_drop_privileges(uid_t uid, gid_t gid, char *why, size_t whycap)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		snprintf(why, whycap, "cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	/* SECURITY: make sure there is no way back. */
	if (setuid(0) == 0 || geteuid() != uid) {
		snprintf(why, whycap, "privileges could be regained");
		return -1;
	}
	return 0;
}

int sandbox_lockdown(char *why, size_t whycap)
{
	/* glibc reads the time zone once; do it now, while files can be
	 * opened, so that syslog() never needs to. */
	tzset();
	if (sandbox_rlimits(why, whycap) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(why, whycap, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
#ifdef HAVE_LIBSECCOMP
#ifdef FTPR_SANDBOX_DEBUG
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
	}
#endif
	if (sandbox_filter(why, whycap) < 0)
		return -1;
#ifdef FTPR_SANITIZERS
	sandbox_on = 1;
#endif
#ifdef FTPR_TEST_HOOKS
	/* Test-only binary (never installed): prove that a forbidden call
	 * after lock-down kills the process. */
	if (getenv("FTPRELAY_TEST_FORBIDDEN") != NULL) {
		int fd = open("/etc/passwd", O_RDONLY);

		(void)fd;
	}
#endif
	return 0;
#else
	snprintf(why, whycap, "built without libseccomp: no syscall filter "
		 "(rebuild with --with-seccomp, or run with --no-sandbox)");
	return -1;
#endif
}
