/* urlmod.c - ftprelay-url.so, the lookup-service module: one HTTP(S) GET
 * with libcurl and the JSON parse of its answer with json-c, behind the
 * table of src/url-mod.h.  ftprelay dlopen()s it at set-up, and only
 * with --route-url.
 *
 * The GET happens at USER, after the lock-down, so everything that
 * opens files, resolves names or starts threads happens in init():
 * libcurl's and OpenSSL's global state (openssl.cnf), a multi handle
 * (its wake-up socketpair) and an easy handle with every option set, the
 * service's name given as CURLOPT_RESOLVE (no resolver thread later), the
 * CA certificates as an in-memory blob (no CA file or directory opened
 * later).  get() then drives the transfer with curl_multi_perform() and
 * our own pselect() with the session's signal mask, bounded by the
 * deadline. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

#include <sys/socket.h>

#ifdef URLMOD_OPENSSL
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#endif

#include "url-mod.h"

static struct {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *resolve;
	struct curl_slist *headers;
	char *body;            /* the answer, at most max bytes */
	size_t len, max;
	int overflow;
	char err[CURL_ERROR_SIZE];
} um;

static size_t urlmod_write(char *p, size_t size, size_t n, void *arg)
{
	size_t len = size * n;

	(void)arg;
	/* SECURITY: a bounded answer; more ends the transfer. */
	if (len > um.max - um.len) {
		um.overflow = 1;
		return 0;
	}
	memcpy(um.body + um.len, p, len);
	um.len += len;
	return len;
}

/* The service's socket, made the way the sandbox allows socket() after
 * the lock-down (non-blocking, close-on-exec, in one call). */
static curl_socket_t urlmod_socket(void *arg, curlsocktype purpose,
				   struct curl_sockaddr *a)
{
	(void)arg;
	if (purpose != CURLSOCKTYPE_IPCXN || a->socktype != SOCK_STREAM)
		return CURL_SOCKET_BAD;
	return socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		      a->protocol);
}

#define UM_SET(opt, val) do { \
	if ((rc = curl_easy_setopt(um.easy, (opt), (val))) != CURLE_OK) { \
		snprintf(why, whycap, "libcurl: %s: %s", #opt, \
			 curl_easy_strerror(rc)); \
		return -1; \
	} \
} while (0)

static int urlmod_init(const struct url_setup *s, char *why, size_t whycap)
{
	struct curl_blob ca;
	CURLcode rc;

#ifdef URLMOD_OPENSSL
	/* OpenSSL's clean-up at exit would run after the lock-down (futex)
	 * for nothing: the process ends anyway.  Loads openssl.cnf now. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
	/* libcurl makes its SSL_CTX at the first https connection, after the
	 * lock-down: one made and freed now runs OpenSSL's one-time
	 * initialisations (error strings, the TLS methods' tables), whose
	 * pthread_once() would otherwise call futex() there. */
	if (s->ca_pem != NULL) {
		SSL_CTX *ctx;

		OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
				 OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
				 OPENSSL_INIT_NO_ATEXIT, NULL);
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_free(ctx);
	}
#endif
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(why, whycap, "libcurl: %s", curl_easy_strerror(rc));
		return -1;
	}
	um.max = s->max_answer;
	um.body = malloc(um.max);
	um.multi = curl_multi_init();
	um.easy = curl_easy_init();
	um.headers = curl_slist_append(NULL, "Accept: application/json");
	if (um.body == NULL || um.multi == NULL || um.easy == NULL ||
	    um.headers == NULL) {
		snprintf(why, whycap, "libcurl: cannot make its handles");
		return -1;
	}
	if (s->resolve[0] != '\0' &&
	    (um.resolve = curl_slist_append(NULL, s->resolve)) == NULL) {
		snprintf(why, whycap, "libcurl: out of memory");
		return -1;
	}
	UM_SET(CURLOPT_ERRORBUFFER, um.err);
	/* No signals (no alarm(), no SIGPIPE handler): the session owns
	 * them; sends use MSG_NOSIGNAL. */
	UM_SET(CURLOPT_NOSIGNAL, 1L);
	/* SECURITY: http and https only, no redirects, no proxy (not even
	 * from http_proxy/https_proxy in the environment: a proxy would be
	 * a name to resolve after the lock-down, and a launcher's
	 * environment is not the operator's choice of route). */
	UM_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	UM_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	UM_SET(CURLOPT_FOLLOWLOCATION, 0L);
	UM_SET(CURLOPT_PROXY, "");
	/* SECURITY: the certificate and the host name are always verified,
	 * against the CA certificates read at set-up, never a CA file or
	 * directory opened later (Debian's libcurl has a default CA path). */
	UM_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	UM_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	UM_SET(CURLOPT_CAINFO, NULL);
	UM_SET(CURLOPT_CAPATH, NULL);
	if (s->ca_pem != NULL) {
		ca.data = (void *)s->ca_pem;
		ca.len = s->ca_len;
		ca.flags = CURL_BLOB_COPY;
		UM_SET(CURLOPT_CAINFO_BLOB, &ca);
	}
	/* HTTP/1.1 alone: no ALPN h2, one small GET. */
	UM_SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	UM_SET(CURLOPT_HTTPHEADER, um.headers);
	UM_SET(CURLOPT_USERAGENT, "ftprelay/" PACKAGE_VERSION);
	if (um.resolve != NULL)
		UM_SET(CURLOPT_RESOLVE, um.resolve);
	/* Cached for good: the only entries are ours (RESOLVE), and an
	 * expired one would send libcurl to its resolver. */
	UM_SET(CURLOPT_DNS_CACHE_TIMEOUT, -1L);
	UM_SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)um.max);
	UM_SET(CURLOPT_WRITEFUNCTION, urlmod_write);
	UM_SET(CURLOPT_OPENSOCKETFUNCTION, urlmod_socket);
	/* One connection per lookup, closed when it is done: no idle
	 * descriptor in the session. */
	UM_SET(CURLOPT_FORBID_REUSE, 1L);
	UM_SET(CURLOPT_FRESH_CONNECT, 1L);
	return 0;
}

#undef UM_SET

static int64_t urlmod_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int urlmod_parse(const char *body, size_t len, struct url_answer *a,
			char *why, size_t whycap)
{
	struct json_tokener *tok;
	struct json_object *root, *v;
	size_t end;
	int ok = 0;

	a->have_code = a->have_data = 0;
	a->code = 0;
	a->datalen = 0;
	if (len > (size_t)INT32_MAX) {
		snprintf(why, whycap, "the answer is too long");
		return -1;
	}
	tok = json_tokener_new_ex(16);
	if (tok == NULL) {
		snprintf(why, whycap, "json-c: out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* Only white space may follow the object. */
	while (end < len && (body[end] == ' ' || body[end] == '\t' ||
			     body[end] == '\r' || body[end] == '\n'))
		end++;
	if (root != NULL && json_object_is_type(root, json_type_object) &&
	    json_tokener_get_error(tok) == json_tokener_success && end == len)
		ok = 1;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(root);
		snprintf(why, whycap, "the answer is not JSON {\"code\": N, "
			 "\"data\": \"...\"}");
		return -1;
	}
	if (json_object_object_get_ex(root, "code", &v) &&
	    json_object_is_type(v, json_type_int)) {
		int64_t c = json_object_get_int64(v);

		a->code = c > 999999 ? 999999 : c < -999999 ? -999999 : (long)c;
		a->have_code = 1;
	}
	if (json_object_object_get_ex(root, "data", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *d = json_object_get_string(v);
		int dl = json_object_get_string_len(v);

		if (dl >= 0 && (size_t)dl < sizeof(a->data) &&
		    memchr(d, '\0', (size_t)dl) == NULL) {
			memcpy(a->data, d, (size_t)dl);
			a->data[dl] = '\0';
			a->datalen = (size_t)dl;
			a->have_data = 1;
		}
	}
	json_object_put(root);
	return 0;
}

static int urlmod_get(const char *url, int timeout_ms, const sigset_t *mask,
		      struct url_answer *a, char *why, size_t whycap)
{
	int64_t deadline = urlmod_now_ms() + timeout_ms;
	CURLcode res = CURLE_OK;
	int running = 1, done = 0, interrupted = 0, timedout = 0;
	long status = 0;
	char within[32];

	memset(a, 0, sizeof(*a));
	um.len = 0;
	um.overflow = 0;
	um.err[0] = '\0';
	if (timeout_ms % 1000 == 0)
		snprintf(within, sizeof(within), "%d s", timeout_ms / 1000);
	else
		snprintf(within, sizeof(within), "%d ms", timeout_ms);
	if (curl_easy_setopt(um.easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(um.easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
	    curl_multi_add_handle(um.multi, um.easy) != CURLM_OK) {
		snprintf(why, whycap, "libcurl: cannot start the request");
		return -1;
	}
	while (!done) {
		fd_set r, w, x;
		struct timespec ts;
		int maxfd = -1, n;
		long wait_ms = -1;
		int64_t left;
		CURLMsg *m;

		if (curl_multi_perform(um.multi, &running) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(um.multi, &n)) != NULL)
			if (m->msg == CURLMSG_DONE) {
				res = m->data.result;
				done = 1;
			}
		if (done || running == 0)
			break;
		left = deadline - urlmod_now_ms();
		if (left <= 0) {
			timedout = 1;
			break;
		}
		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&x);
		if (curl_multi_fdset(um.multi, &r, &w, &x, &maxfd) != CURLM_OK ||
		    curl_multi_timeout(um.multi, &wait_ms) != CURLM_OK)
			break;
		/* No descriptor yet (between two steps): look again soon. */
		if (wait_ms < 0 || (maxfd < 0 && wait_ms > 50))
			wait_ms = maxfd < 0 ? 50 : left;
		if (wait_ms > left)
			wait_ms = left;
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000;
		if (pselect(maxfd + 1, &r, &w, &x, &ts, mask) < 0 && errno == EINTR) {
			interrupted = 1;
			break;
		}
	}
	if (done && res == CURLE_OK)
		curl_easy_getinfo(um.easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(um.multi, um.easy);
	if (interrupted) {
		snprintf(why, whycap, "interrupted by a signal");
		return -1;
	}
	if (timedout || (done && res == CURLE_OPERATION_TIMEDOUT)) {
		snprintf(why, whycap, "no complete answer within %s", within);
		return -1;
	}
	if (!done) {
		snprintf(why, whycap, "libcurl: the transfer failed");
		return -1;
	}
	if (um.overflow || res == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, whycap, "answer over %zu bytes", um.max);
		return -1;
	}
	if (res != CURLE_OK) {
		snprintf(why, whycap, "%s", um.err[0] != '\0' ? um.err :
			 curl_easy_strerror(res));
		return -1;
	}
	a->http_status = status;
	if (status != 200)
		return 0;
	return urlmod_parse(um.body, um.len, a, why, whycap);
}

int ftprelay_url_module(struct url_ops *ops, int abi);

int ftprelay_url_module(struct url_ops *ops, int abi)
{
	if (abi != URL_MOD_ABI)
		return -1;
	memset(ops, 0, sizeof(*ops));
	ops->abi = URL_MOD_ABI;
	ops->init = urlmod_init;
	ops->get = urlmod_get;
	ops->parse = urlmod_parse;
	return 0;
}
