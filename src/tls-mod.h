/* tls-mod.h - the interface between ftprelay and its TLS module
 * (ftprelay-tls.so, src/tlsmod.c): OpenSSL lives in the module, which is
 * dlopen()ed only when a leg speaks TLS, so that plain sessions never map
 * libssl and libcrypto.  The module exports one function that fills a
 * table of operations. */
#ifndef FTPR_TLS_MOD_H
#define FTPR_TLS_MOD_H

#include <stddef.h>

#define TLS_MOD_ABI 1
#define TLS_MOD_SYMBOL "ftprelay_tls_module"

/* Which connection: we are the TLS server towards the client, and the TLS
 * client towards the origin, on control and data connections alike. */
enum tls_role {
	TLS_CLIENT_CTRL, /* the client's control connection */
	TLS_CLIENT_DATA, /* a client data connection (PROT P) */
	TLS_ORIGIN_CTRL,
	TLS_ORIGIN_DATA,
};

enum { TLS_WANT_READ = 1, TLS_WANT_WRITE = 2 };

struct tls_conn;

/* Every call that moves bytes returns >= 0, or -1 with errno: EAGAIN (see
 * want()), EPROTO (a TLS failure, see error()), EACCES (a client data
 * connection that did not resume this control connection's session),
 * ENODATA (the peer closed without close_notify), or the socket's own. */
struct tls_ops {
	int abi;
	/* Set-up, before the lock-down: read the certificate chain and key
	 * (the key defaults to the certificate file); reuse: client data
	 * connections must resume this process's control session. */
	int (*server_init)(const char *cert, const char *key, int reuse,
			   char *why, size_t whycap);
	/* ca: a PEM file, or NULL for the system store; name: the host
	 * name or address the origin's certificate must carry. */
	int (*client_init)(const char *ca, const char *name, int verify,
			   char *why, size_t whycap);
	struct tls_conn *(*conn_new)(enum tls_role role, int rfd, int wfd);
	/* 1 when the handshake is done, -1 with errno. */
	int (*handshake)(struct tls_conn *c);
	/* 0: the peer's close_notify. */
	long (*read)(struct tls_conn *c, void *buf, size_t n);
	long (*write)(struct tls_conn *c, const void *buf, size_t n);
	/* Send close_notify: 0 when sent, -1 with errno. */
	int (*shutdown)(struct tls_conn *c);
	int (*want)(const struct tls_conn *c);
	/* Bytes decrypted and buffered inside TLS: select() cannot see them. */
	size_t (*pending)(const struct tls_conn *c);
	const char *(*error)(const struct tls_conn *c);
	/* "TLSv1.3 TLS_AES_256_GCM_SHA384, resumed" */
	const char *(*info)(const struct tls_conn *c, char *buf, size_t cap);
	void (*conn_free)(struct tls_conn *c);
	int (*conn_set_name)(struct tls_conn *c, const char *name);
};

typedef int tls_module_fn(struct tls_ops *ops, int abi);

#endif
