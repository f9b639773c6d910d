/* tlsmod-wolfssl.c - MEASUREMENT PROTOTYPE, not part of ftprelay: the
 * TLS module (tls-mod.h) with Debian's wolfSSL 5.5.4 instead of OpenSSL 3,
 * written to decide which library ftprelay uses (README, "Why OpenSSL 3").
 * bench/run --compare-wolfssl builds it and measures it next to
 * ftprelay-tls.so in the same run.  It serves FTPS well enough to be
 * measured (TLS 1.3 on both legs, resumed data connections, inside the
 * seccomp filter), and is NOT fit for use; known gaps, each found by
 * tests/integration/75-ftps.bats run against it:
 *  - TLS 1.2 client data connections cannot resume (wolfSSL_NoTicketTLSv12()
 *    also stops reading tickets; an own ticket callback would be needed);
 *  - an expired self-signed origin certificate that is itself the
 *    configured trust anchor is accepted;
 *  - wolfSSL_CTX_check_private_key() does not catch an ECDSA key that
 *    does not match the certificate;
 *  - renegotiation is ended with a fatal alert, not no_renegotiation.
 * (Two more tests fail for their own reasons: one limits the relay to
 * TLS 1.2 through OPENSSL_CONF, one looks for libssl in the maps.)
 * Run them with: sed 's|TLSMOD=\$TOP_BUILDDIR/src/ftprelay-tls.so|TLSMOD=MODULE|'
 * on a copy of tests/integration/75-ftps.bats.
 * The design, for the record:
 *  - towards the client (we are the server): no session cache.
 *    Resumption is by ticket only, encrypted under a key that wolfSSL
 *    draws when the context is made, in this process, and only the
 *    control connection gets TLS 1.3 tickets.
 *  - towards the origin: every data connection offers the control
 *    connection's newest session (TLS 1.3 tickets come after the
 *    handshake, with the first replies).
 *  - Debian's wolfSSL keeps precomputed ECC tables after a handshake
 *    (FP_ECC): freed after set-up and after each handshake, see
 *    tlsmod_ecc_trim(); and it seeds by open("/dev/urandom"): see
 *    tlsmod_open().
 *  - bytes move through our own read()/write() callbacks: no syscall
 *    beyond the plain session's, and an end of file is told apart from
 *    close_notify without guessing from error codes.
 * Build: bench/run --compare-wolfssl, or
 *   gcc -O2 -fPIC -shared -Isrc -o ftprelay-tls-wolfssl.so \
 *       bench/tlsmod-wolfssl.c -lwolfssl */
#define _GNU_SOURCE /* dl_iterate_phdr, pipe2 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "tls-mod.h"

/* The system CA store as one file, read whole at set-up (a hashed
 * directory would be searched during the handshake, after the lock-down,
 * where open() is refused); Debian's ca-certificates. */
#define TLSMOD_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

struct tls_conn {
	WOLFSSL *ssl;
	enum tls_role role;
	int rfd, wfd;
	int want;
	int done;          /* handshake finished */
	int eof;           /* read() returned 0: the peer closed TCP */
	int sys;           /* errno of a failed read() or write() */
	char name[256];    /* origin: the name the certificate must carry */
	char err[256];
};

static WOLFSSL_CTX *srv_ctx, *cli_ctx;
static int srv_reuse, cli_verify, lib_ready;
static struct tls_conn *cli_ctrl;
static char cli_name[256];

/* ---- set-up ------------------------------------------------------------ */

/* SECURITY: wolfSSL seeds a random generator by open("/dev/urandom"),
 * read(), close() (Debian's build has no getrandom() and no seed hook),
 * and not only at set-up: for every WOLFSSL object (one per connection,
 * data connections too) and for every public key it decodes (the
 * origin's certificate, in every handshake), all after the lock-down,
 * where open() is refused and must stay so.  The one reference that
 * libwolfssl has to open() (its GOT slot) is pointed at tlsmod_open()
 * before wolfSSL runs: for "/dev/urandom" it returns the read end of a
 * pipe that holds TLSMOD_SEED_MAX bytes from getrandom() (pipe2, write,
 * getrandom, close: all in the plain session's allow-list), and it fails
 * any other path with EACCES, so no file can be opened through it.
 * Nothing else in the process is touched: libc's open() is unchanged for
 * the rest of ftprelay.  Not RTLD_DEEPBIND (a module-wide open() of our
 * own): ASan refuses it, and CI runs the TLS tests under ASan.  Not
 * wolfSSL's crypto-callback device (a seed service through
 * wolfSSL_CTX_SetDevId()): it reaches the connections' generators but not
 * those of decoded keys (wolfSSL_EVP_PKEY_new() seeds without a device). */
#define TLSMOD_SEED_MAX 4096 /* wolfSSL reads 64 bytes at most; a read past
			      * the end would see end of file */

static int tlsmod_open(const char *path, int flags, ...)
{
	unsigned char buf[TLSMOD_SEED_MAX];
	size_t got = 0;
	int p[2];

	if (strcmp(path, "/dev/urandom") != 0 || (flags & O_ACCMODE) != O_RDONLY) {
		errno = EACCES;
		return -1;
	}
	while (got < sizeof(buf)) {
		ssize_t r = getrandom(buf + got, sizeof(buf) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (write(p[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		close(p[0]);
		close(p[1]);
		errno = EIO;
		return -1;
	}
	explicit_bzero(buf, sizeof(buf));
	close(p[1]);
	return p[0];
}

#if __ELF_NATIVE_CLASS == 64
#define TLSMOD_R_SYM(i) ELF64_R_SYM(i)
#else
#define TLSMOD_R_SYM(i) ELF32_R_SYM(i)
#endif

struct tlsmod_hook {
	int found;   /* libwolfssl seen */
	int patched; /* slots pointed at tlsmod_open() */
};

/* The address of a dynamic entry: relocated by ld.so on most
 * architectures, a file offset on the few that keep .dynamic read-only. */
static uintptr_t tlsmod_dynptr(const struct dl_phdr_info *info, uintptr_t p)
{
	return p < info->dlpi_addr ? p + info->dlpi_addr : p;
}

/* Point libwolfssl's GOT slot(s) for open() at tlsmod_open(). */
static int tlsmod_hook_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct tlsmod_hook *h = arg;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	uintptr_t relro = 0, relro_end = 0, rel[2] = { 0, 0 };
	size_t relsz[2] = { 0, 0 };
	long pltrel = DT_RELA;
	long page = sysconf(_SC_PAGESIZE);

	(void)size;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "/libwolfssl.so") == NULL)
		return 0;
	h->found = 1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		else if (ph->p_type == PT_GNU_RELRO) {
			relro = info->dlpi_addr + ph->p_vaddr;
			relro_end = relro + ph->p_memsz;
		}
	}
	if (dyn == NULL || page <= 0)
		return 1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			symtab = (const ElfW(Sym) *)tlsmod_dynptr(info, dyn->d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = (const char *)tlsmod_dynptr(info, dyn->d_un.d_ptr);
			break;
		case DT_JMPREL:
			rel[0] = tlsmod_dynptr(info, dyn->d_un.d_ptr);
			break;
		case DT_PLTRELSZ:
			relsz[0] = dyn->d_un.d_val;
			break;
		case DT_PLTREL:
			pltrel = (long)dyn->d_un.d_val;
			break;
		case DT_RELA:
		case DT_REL:
			rel[1] = tlsmod_dynptr(info, dyn->d_un.d_ptr);
			break;
		case DT_RELASZ:
		case DT_RELSZ:
			relsz[1] = dyn->d_un.d_val;
			break;
		default:
			break;
		}
	}
	if (symtab == NULL || strtab == NULL)
		return 1;
	for (int t = 0; t < 2; t++) {
		size_t ent = pltrel == DT_REL ? sizeof(ElfW(Rel)) : sizeof(ElfW(Rela));

		for (size_t off = 0; rel[t] != 0 && off + ent <= relsz[t]; off += ent) {
			/* Rel and Rela begin alike: r_offset, r_info. */
			const ElfW(Rel) *r = (const ElfW(Rel) *)(rel[t] + off);
			size_t sym = TLSMOD_R_SYM(r->r_info);
			void **slot;
			uintptr_t pg;
			int ro;

			if (sym == 0 || strcmp(strtab + symtab[sym].st_name, "open") != 0)
				continue;
			slot = (void **)(info->dlpi_addr + r->r_offset);
			pg = (uintptr_t)slot & ~((uintptr_t)page - 1);
			ro = (uintptr_t)slot >= relro && (uintptr_t)slot < relro_end;
			if (ro && mprotect((void *)pg, (size_t)page,
					   PROT_READ | PROT_WRITE) < 0)
				return 1;
			*slot = (void *)tlsmod_open;
			if (ro)
				(void)mprotect((void *)pg, (size_t)page, PROT_READ);
			h->patched++;
		}
	}
	return 1;
}

/* Debian builds wolfSSL with FP_ECC: the first scalar multiplications
 * of a point (the key check at set-up, each handshake) leave a table of
 * precomputed points for it, about 800 KiB per point, which a process
 * that makes one or two handshakes never profits from.  Give it back
 * (and the heap pages it held) after set-up and after each handshake. */
static void tlsmod_ecc_trim(void)
{
	wc_ecc_fp_free();
	malloc_trim(0);
}

static void tlsmod_why(char *why, size_t whycap, const char *what, int e)
{
	char buf[WOLFSSL_MAX_ERROR_SZ];

	if (e == 0)
		snprintf(why, whycap, "%s: failed", what);
	else
		snprintf(why, whycap, "%s: %s", what,
			 wolfSSL_ERR_error_string((unsigned long)e, buf));
}

static int tlsmod_lib(char *why, size_t whycap)
{
	struct tlsmod_hook h;
	int r;

	if (lib_ready)
		return 0;
	h.found = h.patched = 0;
	dl_iterate_phdr(tlsmod_hook_lib, &h);
	if (h.patched == 0) {
		snprintf(why, whycap, "wolfSSL: %s", h.found ? "cannot route "
			 "its /dev/urandom reads (no open() slot)" :
			 "libwolfssl is not loaded");
		return -1;
	}
	if ((r = wolfSSL_Init()) != WOLFSSL_SUCCESS) {
		tlsmod_why(why, whycap, "wolfSSL initialisation", r);
		return -1;
	}
	lib_ready = 1;
	return 0;
}

/* A context for either side: TLS 1.2 at least. */
static WOLFSSL_CTX *tlsmod_ctx_new(WOLFSSL_METHOD *method, char *why,
				   size_t whycap)
{
	WOLFSSL_CTX *ctx;

	if (tlsmod_lib(why, whycap) < 0)
		return NULL;
	if (method == NULL || (ctx = wolfSSL_CTX_new(method)) == NULL) {
		snprintf(why, whycap, "wolfSSL_CTX_new: failed");
		return NULL;
	}
	if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
		snprintf(why, whycap, "wolfSSL context set-up: failed");
		wolfSSL_CTX_free(ctx);
		return NULL;
	}
	wolfSSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	return ctx;
}

static int tlsmod_server_init(const char *cert, const char *key, int reuse,
			      char *why, size_t whycap)
{
	WOLFSSL_CTX *ctx = tlsmod_ctx_new(wolfSSLv23_server_method(), why, whycap);
	char what[1100];
	int r;

	if (ctx == NULL)
		return -1;
	snprintf(what, sizeof(what), "tls-cert %s", cert);
	r = wolfSSL_CTX_use_certificate_chain_file(ctx, cert);
	if (r != WOLFSSL_SUCCESS) {
		tlsmod_why(why, whycap, what, r);
		goto fail;
	}
	snprintf(what, sizeof(what), "tls-key %s", key);
	r = wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM);
	if (r == WOLFSSL_SUCCESS)
		r = wolfSSL_CTX_check_private_key(ctx);
	if (r != WOLFSSL_SUCCESS) {
		tlsmod_why(why, whycap, what, r);
		goto fail;
	}
	/* No session cache: a session id of a fresh (refused) data
	 * connection would otherwise be resumable by the next one.
	 * Tickets only, see the top of the file. */
	wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
	srv_ctx = ctx;
	tlsmod_ecc_trim();
	srv_reuse = reuse;
	return 0;
fail:
	wolfSSL_CTX_free(ctx);
	return -1;
}

static int tlsmod_client_init(const char *ca, const char *name, int verify,
			      char *why, size_t whycap)
{
	WOLFSSL_CTX *ctx = tlsmod_ctx_new(wolfSSLv23_client_method(), why, whycap);
	char what[1100];
	int r;

	if (ctx == NULL)
		return -1;
	if (verify) {
		if (ca == NULL)
			ca = TLSMOD_SYSTEM_CA;
		snprintf(what, sizeof(what), "CA file %s", ca);
		r = wolfSSL_CTX_load_verify_locations(ctx, ca, NULL);
		if (r != WOLFSSL_SUCCESS) {
			tlsmod_why(why, whycap, what, r);
			goto fail;
		}
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	} else {
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	snprintf(cli_name, sizeof(cli_name), "%s", name);
	cli_verify = verify;
	cli_ctx = ctx;
	tlsmod_ecc_trim();
	return 0;
fail:
	wolfSSL_CTX_free(ctx);
	return -1;
}

/* ---- I/O on the descriptors -------------------------------------------- */

static int tlsmod_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	ssize_t r;

	(void)ssl;
	do
		r = read(c->rfd, buf, (size_t)sz);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return (int)r;
	if (r == 0) {
		c->eof = 1;
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	c->sys = errno;
	return errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST
				   : WOLFSSL_CBIO_ERR_GENERAL;
}

static int tlsmod_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	ssize_t r;

	(void)ssl;
	do
		r = write(c->wfd, buf, (size_t)sz);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return (int)r;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	c->sys = errno;
	return errno == ECONNRESET || errno == EPIPE ? WOLFSSL_CBIO_ERR_CONN_RST
						     : WOLFSSL_CBIO_ERR_GENERAL;
}

/* ---- connections ------------------------------------------------------- */

static int tlsmod_client_role(enum tls_role r)
{
	return r == TLS_ORIGIN_CTRL || r == TLS_ORIGIN_DATA;
}

/* The origin's name on this connection: checked against the
 * certificate's IP entries for an address, its DNS names (and sent as
 * SNI) for a name. */
static int tlsmod_name(struct tls_conn *c, const char *name)
{
	unsigned char ip[16];

	snprintf(c->name, sizeof(c->name), "%s", name);
	if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1)
		return wolfSSL_X509_VERIFY_PARAM_set1_ip_asc(
			wolfSSL_get0_param(c->ssl), name) == WOLFSSL_SUCCESS ? 0 : -1;
	if (wolfSSL_check_domain_name(c->ssl, name) != WOLFSSL_SUCCESS ||
	    wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, name,
			   (unsigned short)strlen(name)) != WOLFSSL_SUCCESS)
		return -1;
	return 0;
}

static struct tls_conn *tlsmod_conn_new(enum tls_role role, int rfd, int wfd)
{
	WOLFSSL_CTX *ctx = tlsmod_client_role(role) ? cli_ctx : srv_ctx;
	struct tls_conn *c;

	if (ctx == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->role = role;
	c->rfd = rfd;
	c->wfd = wfd;
	c->ssl = wolfSSL_new(ctx);
	if (c->ssl == NULL)
		goto fail;
	wolfSSL_SSLSetIORecv(c->ssl, tlsmod_recv);
	wolfSSL_SSLSetIOSend(c->ssl, tlsmod_send);
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	if (tlsmod_client_role(role)) {
		const char *name = cli_name;

		if (role == TLS_ORIGIN_DATA && cli_ctrl != NULL)
			name = cli_ctrl->name;
		if (tlsmod_name(c, name) < 0)
			goto fail;
		if (role == TLS_ORIGIN_CTRL) {
			cli_ctrl = c;
		} else if (cli_ctrl != NULL) {
			/* The control connection's newest session: a copy,
			 * taken now, after the replies that brought the
			 * TLS 1.3 tickets. */
			WOLFSSL_SESSION *s = wolfSSL_get1_session(cli_ctrl->ssl);

			if (s != NULL && wolfSSL_set_session(c->ssl, s) !=
			    WOLFSSL_SUCCESS) {
				wolfSSL_SESSION_free(s);
				goto fail;
			}
			wolfSSL_SESSION_free(s);
		}
		wolfSSL_set_connect_state(c->ssl);
		c->want = TLS_WANT_WRITE;
	} else {
		/* SECURITY: only the control connection gets tickets; a data
		 * connection resumes one of them or is refused.  (And a
		 * ticket left unread by an uploading client would make it
		 * reset the connection, losing the end of the upload.) */
		if (role == TLS_CLIENT_DATA &&
		    (wolfSSL_no_ticket_TLSv13(c->ssl) != 0 || /* 0: done */
		     wolfSSL_NoTicketTLSv12(c->ssl) != WOLFSSL_SUCCESS))
			goto fail;
		wolfSSL_set_accept_state(c->ssl);
		c->want = TLS_WANT_READ;
	}
	return c;
fail:
	if (c->ssl != NULL)
		wolfSSL_free(c->ssl);
	free(c);
	return NULL;
}

static int tlsmod_conn_set_name(struct tls_conn *c, const char *name)
{
	if (!tlsmod_client_role(c->role) || c->done) {
		errno = EINVAL;
		return -1;
	}
	if (tlsmod_name(c, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static const char *tlsmod_verify_text(int e)
{
	switch (e) {
	case ASN_AFTER_DATE_E:
		return "certificate has expired";
	case ASN_BEFORE_DATE_E:
		return "certificate is not yet valid";
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
		return "unable to get local issuer certificate";
	case DOMAIN_NAME_MISMATCH:
		return "the name does not match the certificate";
	case IPADDR_MISMATCH:
		return "the address does not match the certificate";
	case ASN_SIG_CONFIRM_E:
		return "certificate signature failure";
	default:
		return NULL;
	}
}

/* Map a wolfSSL result to our convention. */
static long tlsmod_result(struct tls_conn *c, int r, const char *op)
{
	int e = wolfSSL_get_error(c->ssl, r);
	char buf[WOLFSSL_MAX_ERROR_SZ];
	const char *v;

	switch (e) {
	case WOLFSSL_ERROR_WANT_READ:
		c->want = TLS_WANT_READ;
		errno = EAGAIN;
		return -1;
	case WOLFSSL_ERROR_WANT_WRITE:
		c->want = TLS_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case WOLFSSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		break;
	}
	if (c->eof) {
		snprintf(c->err, sizeof(c->err), "%s: the peer closed without "
			 "TLS close_notify", op);
		errno = ENODATA;
		return -1;
	}
	if (c->sys != 0) {
		snprintf(c->err, sizeof(c->err), "%s: %s", op, strerror(c->sys));
		errno = c->sys;
		return -1;
	}
	/* The library's own code: the error that wolfSSL_get_error() maps
	 * to SSL_ERROR_SSL is kept in the object. */
	if (e == WOLFSSL_ERROR_SSL || e == WOLFSSL_ERROR_SYSCALL)
		e = wolfSSL_get_error(c->ssl, 0) < 0 ? wolfSSL_get_error(c->ssl, 0) : e;
	v = tlsmod_client_role(c->role) && cli_verify ? tlsmod_verify_text(e) : NULL;
	if (v != NULL)
		snprintf(c->err, sizeof(c->err), "%s: certificate verification "
			 "failed: %s", op, v);
	else
		snprintf(c->err, sizeof(c->err), "%s: %s", op,
			 wolfSSL_ERR_error_string((unsigned long)e, buf));
	errno = EPROTO;
	return -1;
}

static int tlsmod_handshake(struct tls_conn *c)
{
	int r;

	if (c->done)
		return 1;
	r = wolfSSL_negotiate(c->ssl);
	if (r != WOLFSSL_SUCCESS) {
		long x = tlsmod_result(c, r, "TLS handshake");

		if (x == 0) { /* close_notify during the handshake */
			snprintf(c->err, sizeof(c->err), "TLS handshake: the "
				 "peer closed");
			errno = EPROTO;
		}
		return -1;
	}
	c->done = 1;
	tlsmod_ecc_trim();
	/* SECURITY: a client data connection must resume this control
	 * connection's session (only it has tickets under our key). */
	if (c->role == TLS_CLIENT_DATA && srv_reuse &&
	    !wolfSSL_session_reused(c->ssl)) {
		snprintf(c->err, sizeof(c->err), "data connection did not "
			 "resume the control connection's TLS session");
		errno = EACCES;
		return -1;
	}
	return 1;
}

static long tlsmod_read(struct tls_conn *c, void *buf, size_t n)
{
	int r;

	if (!c->done && tlsmod_handshake(c) < 0)
		return -1;
	r = wolfSSL_read(c->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0)
		return r;
	return tlsmod_result(c, r, "TLS read");
}

static long tlsmod_write(struct tls_conn *c, const void *buf, size_t n)
{
	int r;

	if (!c->done && tlsmod_handshake(c) < 0)
		return -1;
	if (n == 0)
		return 0;
	r = wolfSSL_write(c->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0)
		return r;
	return tlsmod_result(c, r, "TLS write");
}

static int tlsmod_shutdown(struct tls_conn *c)
{
	int r;

	if (!c->done) {
		errno = ENOTCONN;
		return -1;
	}
	r = wolfSSL_shutdown(c->ssl);
	if (r == WOLFSSL_SUCCESS || r == WOLFSSL_SHUTDOWN_NOT_DONE)
		return 0; /* close_notify sent (SUCCESS: the peer's came too) */
	return tlsmod_result(c, r, "TLS shutdown") == 0 ? 0 : -1;
}

static int tlsmod_want(const struct tls_conn *c)
{
	return c->want;
}

static size_t tlsmod_pending(const struct tls_conn *c)
{
	int n = wolfSSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

static const char *tlsmod_error(const struct tls_conn *c)
{
	return c->err[0] != '\0' ? c->err : "TLS error";
}

static const char *tlsmod_info(const struct tls_conn *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s%s", wolfSSL_get_version(c->ssl),
		 wolfSSL_get_cipher_name(c->ssl),
		 wolfSSL_session_reused(c->ssl) ? ", resumed" : "");
	return buf;
}

static void tlsmod_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c == cli_ctrl)
		cli_ctrl = NULL;
	wolfSSL_free(c->ssl);
	free(c);
}

int ftprelay_tls_module(struct tls_ops *ops, int abi);

int ftprelay_tls_module(struct tls_ops *ops, int abi)
{
	if (abi != TLS_MOD_ABI)
		return -1;
	memset(ops, 0, sizeof(*ops));
	ops->abi = TLS_MOD_ABI;
	ops->server_init = tlsmod_server_init;
	ops->client_init = tlsmod_client_init;
	ops->conn_new = tlsmod_conn_new;
	ops->handshake = tlsmod_handshake;
	ops->read = tlsmod_read;
	ops->write = tlsmod_write;
	ops->shutdown = tlsmod_shutdown;
	ops->want = tlsmod_want;
	ops->pending = tlsmod_pending;
	ops->error = tlsmod_error;
	ops->info = tlsmod_info;
	ops->conn_free = tlsmod_conn_free;
	ops->conn_set_name = tlsmod_conn_set_name;
	return 0;
}
