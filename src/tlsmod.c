/* tlsmod.c - ftprelay's TLS module (ftprelay-tls.so): OpenSSL 3 behind
 * the table of tls-mod.h.  One process serves one session, so the module
 * keeps that session's contexts and TLS sessions in statics:
 *  - towards the client (we are the server): no session tickets, and a
 *    session cache of our own that takes only the sessions of this
 *    process's control connection (and of data connections that resumed
 *    one of them).  A data connection is accepted only when it resumed:
 *    another client's session, a fresh handshake, a session of another
 *    process cannot (vsftpd's require_ssl_reuse, without the shared
 *    ticket key that would make any client's ticket "resumed").
 *  - towards the origin (we are the client): the control connection's
 *    sessions are kept as they arrive (TLS 1.3 tickets come after the
 *    handshake), and every data connection offers the newest one. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls-mod.h"

/* No clean-up at exit: it would run after the lock-down (futex) for
 * nothing, the process ends anyway. */
#define TLSMOD_INIT (OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT)

/* Sessions of the client's control connection we keep for resumption. */
#define TLSMOD_CACHE 8

struct tls_conn {
	SSL *ssl;
	enum tls_role role;
	int want;
	int done;          /* handshake finished */
	int named;         /* towards an origin: the name to verify is set */
	char err[256];
};

static SSL_CTX *srv_ctx, *cli_ctx;
static int srv_reuse;
static SSL *srv_ctrl, *cli_ctrl;
static SSL_SESSION *srv_cache[TLSMOD_CACHE];
static unsigned srv_cache_next;
static SSL_SESSION *cli_session;
static char cli_name[256];
static int cli_verify;

static void tlsmod_why(char *why, size_t whycap, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(why, whycap, "%s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/* ---- the server side's session cache ---------------------------------- */

static int tlsmod_srv_new(SSL *ssl, SSL_SESSION *sess)
{
	/* SECURITY: only sessions of this control connection, or of data
	 * connections that resumed one of them, can ever be resumed. */
	if (ssl != srv_ctrl && !SSL_session_reused(ssl))
		return 0;
	if (srv_cache[srv_cache_next] != NULL)
		SSL_SESSION_free(srv_cache[srv_cache_next]);
	srv_cache[srv_cache_next] = sess;
	srv_cache_next = (srv_cache_next + 1) % TLSMOD_CACHE;
	return 1; /* we keep the reference */
}

static SSL_SESSION *tlsmod_srv_get(SSL *ssl, const unsigned char *id, int len,
				   int *copy)
{
	(void)ssl;
	for (int i = 0; i < TLSMOD_CACHE; i++) {
		unsigned int l;
		const unsigned char *sid;

		if (srv_cache[i] == NULL)
			continue;
		sid = SSL_SESSION_get_id(srv_cache[i], &l);
		if ((int)l == len && memcmp(sid, id, l) == 0) {
			*copy = 1;
			return srv_cache[i];
		}
	}
	return NULL;
}

static void tlsmod_srv_remove(SSL_CTX *ctx, SSL_SESSION *sess)
{
	(void)ctx;
	for (int i = 0; i < TLSMOD_CACHE; i++)
		if (srv_cache[i] == sess) {
			srv_cache[i] = NULL;
			SSL_SESSION_free(sess);
		}
}

/* A context for either side: OpenSSL set up once, TLS 1.2 at least. */
static SSL_CTX *tlsmod_ctx_new(const SSL_METHOD *method, char *why,
			       size_t whycap)
{
	SSL_CTX *ctx;

	if (OPENSSL_init_ssl(TLSMOD_INIT, NULL) != 1) {
		tlsmod_why(why, whycap, "OpenSSL initialisation");
		return NULL;
	}
	ctx = SSL_CTX_new(method);
	if (ctx == NULL) {
		tlsmod_why(why, whycap, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	return ctx;
}

/* The private key of path, decoded by the one decoder its PEM label (and,
 * for PKCS#8, its algorithm) names.  SSL_CTX_use_PrivateKey_file() asks
 * every decoder of every key type, which took 4.7 M of the 27 M
 * instructions of a whole TLS session; this takes a fraction of it.
 * NULL when the file holds no key we know this way (an encrypted one,
 * say): the caller then lets OpenSSL try everything. */
static EVP_PKEY *tlsmod_read_key(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *pkey = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len;

	if (b == NULL)
		return NULL;
	/* The key may share its file with the certificate chain. */
	while (pkey == NULL && PEM_read_bio(b, &name, &header, &der, &len) == 1) {
		const char *structure = NULL, *type = NULL;
		char oid[80];

		if (strcmp(name, "EC PRIVATE KEY") == 0) {
			structure = "type-specific";
			type = "EC";
		} else if (strcmp(name, "RSA PRIVATE KEY") == 0) {
			structure = "type-specific";
			type = "RSA";
		} else if (strcmp(name, "PRIVATE KEY") == 0) {
			const unsigned char *p = der;
			PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
			const ASN1_OBJECT *alg;

			if (p8 != NULL && PKCS8_pkey_get0(&alg, NULL, NULL, NULL, p8) == 1 &&
			    OBJ_obj2txt(oid, sizeof(oid), alg, 1) > 0) {
				structure = "PrivateKeyInfo";
				type = oid; /* every key manager answers to its OID */
			}
			PKCS8_PRIV_KEY_INFO_free(p8);
		}
		if (structure != NULL) {
			OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey(
				&pkey, "DER", structure, type, OSSL_KEYMGMT_SELECT_KEYPAIR,
				NULL, NULL);
			const unsigned char *p = der;
			size_t n = (size_t)len;

			if (d != NULL && OSSL_DECODER_from_data(d, &p, &n) != 1) {
				EVP_PKEY_free(pkey);
				pkey = NULL;
			}
			OSSL_DECODER_CTX_free(d);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, (size_t)len);
		name = header = NULL;
		der = NULL;
		if (structure != NULL)
			break;
	}
	BIO_free(b);
	ERR_clear_error(); /* the end of the file is not an error */
	return pkey;
}

static int tlsmod_server_init(const char *cert, const char *key, int reuse,
			      char *why, size_t whycap)
{
	SSL_CTX *ctx = tlsmod_ctx_new(TLS_server_method(), why, whycap);
	EVP_PKEY *pkey;
	char what[1100];

	if (ctx == NULL)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	snprintf(what, sizeof(what), "tls-cert %s", cert);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tlsmod_why(why, whycap, what);
		goto fail;
	}
	snprintf(what, sizeof(what), "tls-key %s", key);
	pkey = tlsmod_read_key(key);
	if ((pkey != NULL ? SSL_CTX_use_PrivateKey(ctx, pkey) :
	     SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM)) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		EVP_PKEY_free(pkey);
		tlsmod_why(why, whycap, what);
		goto fail;
	}
	EVP_PKEY_free(pkey); /* the context holds its own reference */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"ftprelay", 8);
	/* Stateful sessions (TLS 1.2 ids, TLS 1.3 stateful tickets) in our
	 * own cache, which only the control connection fills. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER |
				       SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_sess_set_new_cb(ctx, tlsmod_srv_new);
	SSL_CTX_sess_set_get_cb(ctx, tlsmod_srv_get);
	SSL_CTX_sess_set_remove_cb(ctx, tlsmod_srv_remove);
	srv_ctx = ctx;
	srv_reuse = reuse;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

/* ---- the client side (towards the origin) ----------------------------- */

static int tlsmod_cli_new(SSL *ssl, SSL_SESSION *sess)
{
	/* The newest session of the control connection; TLS 1.3 tickets
	 * arrive after the handshake, with the first replies. */
	if (ssl != cli_ctrl)
		return 0;
	if (cli_session != NULL)
		SSL_SESSION_free(cli_session);
	cli_session = sess;
	return 1;
}

/* ---- the origin's trust anchors ---------------------------------------- */

/* The CA file, read whole at set-up but parsed only where a handshake
 * needs it.  SSL_CTX_load_verify_file() parses every certificate of the
 * file: Debian's bundle (144) took 20-30 ms of CPU per session, more
 * than the rest of the session.  Here each certificate stays DER, and a
 * lookup by subject parses only the certificates in which that name's
 * encoding occurs (an issuer's name is copied byte for byte into what it
 * signs), then the store keeps them. */
struct tlsmod_anchor {
	unsigned char *der;
	long len;
	int aux; /* "TRUSTED CERTIFICATE": with OpenSSL's trust settings */
};

static struct tlsmod_anchor *anchors;
static size_t anchors_n;

static int tlsmod_anchors_read(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	size_t cap = 0;
	long len;

	if (b == NULL)
		return -1;
	while (PEM_read_bio(b, &name, &header, &der, &len) == 1) {
		int aux = strcmp(name, "TRUSTED CERTIFICATE") == 0;

		if ((aux || strcmp(name, "CERTIFICATE") == 0 ||
		     strcmp(name, "X509 CERTIFICATE") == 0) && len > 0) {
			if (anchors_n == cap) {
				size_t ncap = cap == 0 ? 64 : 2 * cap;
				struct tlsmod_anchor *n =
					realloc(anchors, ncap * sizeof(*n));

				if (n == NULL)
					break;
				anchors = n;
				cap = ncap;
			}
			anchors[anchors_n].der = der;
			anchors[anchors_n].len = len;
			anchors[anchors_n].aux = aux;
			anchors_n++;
			der = NULL;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
	}
	BIO_free(b);
	ERR_clear_error(); /* the end of the file is not an error */
	return anchors_n > 0 ? 0 : -1;
}

static int tlsmod_anchor_lookup(X509_LOOKUP *lu, X509_LOOKUP_TYPE type,
				const X509_NAME *name, X509_OBJECT *ret)
{
	unsigned char *want = NULL;
	int wlen, found = 0;

	if (type != X509_LU_X509)
		return 0;
	wlen = i2d_X509_NAME(name, &want);
	if (wlen <= 0)
		return 0;
	/* Every anchor with this subject (a renewed or cross-signed root
	 * has several): the chain builder picks among them. */
	for (size_t i = 0; i < anchors_n; i++) {
		const unsigned char *p = anchors[i].der;
		X509 *x;

		if (memmem(anchors[i].der, (size_t)anchors[i].len, want,
			   (size_t)wlen) == NULL)
			continue;
		x = anchors[i].aux ? d2i_X509_AUX(NULL, &p, anchors[i].len) :
				     d2i_X509(NULL, &p, anchors[i].len);
		if (x != NULL && X509_NAME_cmp(X509_get_subject_name(x), name) == 0 &&
		    X509_STORE_add_cert(X509_LOOKUP_get_store(lu), x) == 1) {
			if (!found)
				found = X509_OBJECT_set1_X509(ret, x);
		}
		X509_free(x);
	}
	OPENSSL_free(want);
	ERR_clear_error(); /* "already in the store" and the like */
	return found;
}

/* The anchors of path as ctx's trust store.  0, or -1 (unreadable, or
 * no certificate in it). */
static int tlsmod_anchors_use(SSL_CTX *ctx, const char *path)
{
	static X509_LOOKUP_METHOD *meth;

	if (tlsmod_anchors_read(path) < 0)
		return -1;
	if (meth == NULL) {
		meth = X509_LOOKUP_meth_new("ftprelay anchors");
		if (meth == NULL ||
		    X509_LOOKUP_meth_set_get_by_subject(meth, tlsmod_anchor_lookup) != 1)
			return -1;
	}
	return X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), meth) != NULL ?
		0 : -1;
}

static int tlsmod_client_init(const char *ca, const char *name, int verify,
			      char *why, size_t whycap)
{
	SSL_CTX *ctx = tlsmod_ctx_new(TLS_client_method(), why, whycap);
	char what[1100];

	if (ctx == NULL)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
				       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, tlsmod_cli_new);
	if (verify) {
		/* Read the whole CA file now: a hashed directory would be
		 * searched file by file during the handshake, after the
		 * lock-down, where open() is refused. */
		if (ca == NULL)
			ca = X509_get_default_cert_file();
		snprintf(what, sizeof(what), "CA file %s", ca);
		if (tlsmod_anchors_use(ctx, ca) < 0) {
			if (ERR_peek_error() == 0)
				snprintf(why, whycap, "%s: cannot read it, or it holds "
					 "no certificate", what);
			else
				tlsmod_why(why, whycap, what);
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	snprintf(cli_name, sizeof(cli_name), "%s", name);
	cli_verify = verify;
	cli_ctx = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

/* ---- connections ------------------------------------------------------- */

static int tlsmod_client_role(enum tls_role r)
{
	return r == TLS_ORIGIN_CTRL || r == TLS_ORIGIN_DATA;
}

/* The name an origin's certificate must carry: an address is checked
 * against the certificate's IP entries; a name against its DNS names,
 * and sent as SNI.  Whatever was set before is replaced. */
static int tlsmod_set_name(SSL *ssl, const char *name)
{
	X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
	unsigned char ip[16];
	int literal = inet_pton(AF_INET, name, ip) == 1 ||
		      inet_pton(AF_INET6, name, ip) == 1;

	if (name[0] == '\0' || strlen(name) >= sizeof(cli_name) ||
	    SSL_set1_host(ssl, NULL) != 1 ||
	    X509_VERIFY_PARAM_set1_ip(p, NULL, 0) != 1 ||
	    SSL_set_tlsext_host_name(ssl, NULL) != 1)
		return -1;
	if (literal)
		return X509_VERIFY_PARAM_set1_ip_asc(p, name) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, name) == 1 &&
	       SSL_set_tlsext_host_name(ssl, name) == 1 ? 0 : -1;
}

/* The origin connection c is to this host: its data connections made
 * from now on check the same name. */
static int tlsmod_conn_set_name(struct tls_conn *c, const char *name)
{
	if (!tlsmod_client_role(c->role) || tlsmod_set_name(c->ssl, name) < 0) {
		ERR_clear_error();
		errno = EINVAL;
		return -1;
	}
	c->named = 1;
	if (c->role == TLS_ORIGIN_CTRL)
		snprintf(cli_name, sizeof(cli_name), "%s", name);
	return 0;
}

static struct tls_conn *tlsmod_conn_new(enum tls_role role, int rfd, int wfd)
{
	SSL_CTX *ctx = tlsmod_client_role(role) ? cli_ctx : srv_ctx;
	struct tls_conn *c;

	if (ctx == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->role = role;
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_rfd(c->ssl, rfd) != 1 ||
	    SSL_set_wfd(c->ssl, wfd) != 1)
		goto fail;
	if (tlsmod_client_role(role)) {
		if (cli_name[0] != '\0') {
			if (tlsmod_set_name(c->ssl, cli_name) < 0)
				goto fail;
			c->named = 1;
		}
		if (role == TLS_ORIGIN_CTRL) {
			/* Another origin (a second USER with routing): the
			 * last one's session is not offered to it. */
			cli_ctrl = c->ssl;
			if (cli_session != NULL)
				SSL_SESSION_free(cli_session);
			cli_session = NULL;
		} else if (cli_session != NULL) {
			/* A copy: a connection that resumed a session and then
			 * gets a ticket of its own marks the session it used
			 * as not resumable, and the next data connection
			 * needs it again. */
			SSL_SESSION *d = SSL_SESSION_dup(cli_session);

			if (d == NULL || SSL_set_session(c->ssl, d) != 1) {
				SSL_SESSION_free(d);
				goto fail;
			}
			SSL_SESSION_free(d);
		}
		SSL_set_connect_state(c->ssl);
		c->want = TLS_WANT_WRITE;
	} else {
		if (role == TLS_CLIENT_CTRL)
			srv_ctrl = c->ssl;
		else
			/* No TLS 1.3 ticket on a data connection: a client
			 * that uploads never reads it, and closing with it
			 * unread sends a reset that destroys the end of the
			 * upload still in our receive queue (curl does). */
			SSL_set_num_tickets(c->ssl, 0);
		SSL_set_accept_state(c->ssl);
		c->want = TLS_WANT_READ;
	}
	return c;
fail:
	SSL_free(c->ssl);
	free(c);
	ERR_clear_error();
	return NULL;
}

/* Map an OpenSSL result to our convention. */
static long tlsmod_result(struct tls_conn *c, int r, const char *op)
{
	int e = SSL_get_error(c->ssl, r);
	unsigned long q;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		c->want = TLS_WANT_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		c->want = TLS_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			/* errno was cleared before the call: still 0, the
			 * socket said end of file. */
			if (errno == 0) {
				snprintf(c->err, sizeof(c->err), "%s: the peer "
					 "closed without TLS close_notify", op);
				errno = ENODATA;
				return -1;
			}
			snprintf(c->err, sizeof(c->err), "%s: %s", op,
				 strerror(errno));
			return -1;
		}
		/* fall through */
	default:
		q = ERR_get_error();
		if (q != 0 && ERR_GET_REASON(q) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			snprintf(c->err, sizeof(c->err), "%s: the peer closed "
				 "without TLS close_notify", op);
			ERR_clear_error();
			errno = ENODATA;
			return -1;
		}
		{
			char buf[160];
			long v = SSL_get_verify_result(c->ssl);

			ERR_error_string_n(q, buf, sizeof(buf));
			if (tlsmod_client_role(c->role) && v != X509_V_OK)
				snprintf(c->err, sizeof(c->err), "%s: certificate "
					 "verification failed: %s", op,
					 X509_verify_cert_error_string(v));
			else
				snprintf(c->err, sizeof(c->err), "%s: %s", op,
					 q != 0 ? buf : "TLS error");
		}
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

static int tlsmod_handshake(struct tls_conn *c)
{
	int r;

	if (c->done)
		return 1;
	/* SECURITY: a verified chain for no name in particular would take
	 * any certificate the CA ever signed. */
	if (tlsmod_client_role(c->role) && cli_verify && !c->named) {
		snprintf(c->err, sizeof(c->err), "TLS handshake: no name to "
			 "verify the origin's certificate for");
		errno = EPROTO;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	if (r != 1) {
		long x = tlsmod_result(c, r, "TLS handshake");

		if (x == 0) { /* close_notify during the handshake */
			snprintf(c->err, sizeof(c->err), "TLS handshake: the "
				 "peer closed");
			errno = EPROTO;
		}
		return -1;
	}
	c->done = 1;
	/* SECURITY: a client data connection must resume this control
	 * connection's session (our cache holds no other). */
	if (c->role == TLS_CLIENT_DATA && srv_reuse && !SSL_session_reused(c->ssl)) {
		snprintf(c->err, sizeof(c->err), "data connection did not "
			 "resume the control connection's TLS session");
		errno = EACCES;
		return -1;
	}
	return 1;
}

static long tlsmod_read(struct tls_conn *c, void *buf, size_t n)
{
	size_t got = 0;
	int r;

	if (!c->done && tlsmod_handshake(c) < 0)
		return -1;
	ERR_clear_error();
	errno = 0;
	r = SSL_read_ex(c->ssl, buf, n, &got);
	if (r == 1)
		return (long)got;
	return tlsmod_result(c, r, "TLS read");
}

static long tlsmod_write(struct tls_conn *c, const void *buf, size_t n)
{
	size_t put = 0;
	int r;

	if (!c->done && tlsmod_handshake(c) < 0)
		return -1;
	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(c->ssl, buf, n, &put);
	if (r == 1)
		return (long)put;
	return tlsmod_result(c, r, "TLS write");
}

static int tlsmod_shutdown(struct tls_conn *c)
{
	int r;

	if (!c->done) {
		errno = ENOTCONN;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	r = SSL_shutdown(c->ssl);
	if (r >= 0)
		return 0; /* close_notify sent (1: the peer's came too) */
	return tlsmod_result(c, r, "TLS shutdown") == 0 ? 0 : -1;
}

static int tlsmod_want(const struct tls_conn *c)
{
	return c->want;
}

static size_t tlsmod_pending(const struct tls_conn *c)
{
	int n = SSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

static const char *tlsmod_error(const struct tls_conn *c)
{
	return c->err[0] != '\0' ? c->err : "TLS error";
}

static const char *tlsmod_info(const struct tls_conn *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s%s", SSL_get_version(c->ssl),
		 SSL_get_cipher_name(c->ssl),
		 SSL_session_reused(c->ssl) ? ", resumed" : "");
	return buf;
}

static void tlsmod_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl == cli_ctrl)
		cli_ctrl = NULL;
	if (c->ssl == srv_ctrl)
		srv_ctrl = NULL;
	/* A connection freed without close_notify (an aborted or finished
	 * transfer) would mark its session as not resumable, and the
	 * session is the control connection's, which every later data
	 * connection resumes: keep it good. */
	SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c->ssl);
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
