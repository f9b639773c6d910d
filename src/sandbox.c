/* sandbox.c - lock-down after set-up: privilege drop, rlimits,
 * no-new-privs, and the seccomp allow-list that sandbox-gen.c compiled to
 * BPF at build time (kill by default). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSECCOMP
#include <linux/filter.h>
#include <linux/seccomp.h>
#endif

#include "defs.h"
#include "sandbox.h"
#include "xferlog.h"

#ifdef FTPR_TEST_HOOKS
#include <stdlib.h>
#endif

#ifdef FTPR_SANITIZERS
#include <sanitizer/common_interface_defs.h>

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

static int sandbox_lookup;

void sandbox_want_lookup(void)
{
	sandbox_lookup = 1;
}

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
	/* No file may grow, unless it is a log we append to: stderr as a
	 * file (ftprelay ... 2>>log), or the transfer log (--xferlog); no
	 * file can be opened anyway. */
	if (!(fstat(2, &st) == 0 && S_ISREG(st.st_mode)) && !xferlog_enabled() &&
	    setrlimit(RLIMIT_FSIZE, &zero) < 0)
		goto fail;
	return 0;
fail:
	snprintf(why, whycap, "setrlimit: %s", strerror(errno));
	return -1;
}

#ifdef HAVE_LIBSECCOMP
#include "sandbox-filter.h"

#ifdef FTPR_SANDBOX_DEBUG
/* Debug builds trap and say which call was refused, then die. */
#include <signal.h>
#include <stdlib.h>
#define SANDBOX_BPF sandbox_bpf_trap
#define SANDBOX_BPF_LOOKUP sandbox_bpf_lookup_trap

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
#define SANDBOX_BPF sandbox_bpf_kill
#define SANDBOX_BPF_LOOKUP sandbox_bpf_lookup_kill
#endif

/* Load the allow-list that sandbox-gen compiled at build time: the
 * lookup service's (a few calls more) only in sessions that ask one. */
static int sandbox_filter(char *why, size_t whycap)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(SANDBOX_BPF) / sizeof(SANDBOX_BPF[0])),
		.filter = (struct sock_filter *)SANDBOX_BPF,
	};

	if (sandbox_lookup) {
		prog.len = (unsigned short)(sizeof(SANDBOX_BPF_LOOKUP) /
					    sizeof(SANDBOX_BPF_LOOKUP[0]));
		prog.filter = (struct sock_filter *)SANDBOX_BPF_LOOKUP;
	}

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		snprintf(why, whycap, "seccomp filter: %s", strerror(errno));
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
#ifdef FTPR_SANITIZERS
	/* From here on LeakSanitizer's exit scan cannot run (no new
	 * process or thread under RLIMIT_NPROC 0, no ptrace under the
	 * filter); let the sanitizers cache what their reports need. */
	sandbox_on = 1;
	__sanitizer_sandbox_on_notify(NULL);
#endif
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
#ifdef FTPR_TEST_HOOKS
	/* Test-only binary (never installed): prove that a forbidden call
	 * after lock-down kills the process. */
	{
		const char *t = getenv("FTPRELAY_TEST_FORBIDDEN");

		if (t != NULL && strcmp(t, "fcntl") == 0) {
			/* allowed as a call, not with this command */
			(void)fcntl(0, F_SETOWN, 1);
		} else if (t != NULL) {
			int fd = open("/etc/passwd", O_RDONLY);

			(void)fd;
		}
	}
#endif
	return 0;
#else
	snprintf(why, whycap, "built without libseccomp: no syscall filter "
		 "(rebuild with --with-seccomp, or run with --no-sandbox)");
	return -1;
#endif
}
