/* url-mod.h - the interface between ftprelay and its lookup-service
 * module (ftprelay-url.so, src/urlmod.c): libcurl and json-c live in the
 * module, which is dlopen()ed at set-up only when --route-url is set, so
 * that other sessions never map them.  The module does the GET and the
 * JSON parse; what the answer means is ours (routeurl.c). */
#ifndef FTPR_URL_MOD_H
#define FTPR_URL_MOD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define URL_MOD_ABI 1
#define URL_MOD_SYMBOL "ftprelay_url_module"

/* Everything the module may need after the lock-down, given at set-up. */
struct url_setup {
	/* "HOST:PORT:ADDR[,ADDR...]" for CURLOPT_RESOLVE (the service's
	 * name, resolved by us at set-up), or "" for an address literal. */
	char resolve[FTPR_HOST_MAX + 16 + 8 * 56];
	const char *ca_pem;     /* the CA certificates (PEM), in memory */
	size_t ca_len;
	size_t max_answer;      /* the body, at most */
};

/* What the service answered: the HTTP status, and its JSON's "code" and
 * "data" when it had them. */
struct url_answer {
	long http_status;
	int have_code;          /* "code" was an integer */
	long code;
	int have_data;          /* "data" was a string without NUL */
	char data[FTPR_ROUTE_LINE_MAX];
	size_t datalen;
};

struct url_ops {
	int abi;
	/* Set-up, before the lock-down: libcurl's global state, the handles,
	 * the options.  0, or -1 with why. */
	int (*init)(const struct url_setup *s, char *why, size_t whycap);
	/* GET url (complete), within timeout_ms in all; the signals that
	 * mask does not block end the wait.  0 with a filled in (an HTTP
	 * status other than 200 leaves code and data unset), -1 with why
	 * (network, TLS, timeout, an answer too long, a body that is not a
	 * JSON object). */
	int (*get)(const char *url, int timeout_ms, const sigset_t *mask,
		   struct url_answer *a, char *why, size_t whycap);
	/* The JSON part alone (unit tests, fuzzing): 0, or -1 with why. */
	int (*parse)(const char *body, size_t len, struct url_answer *a,
		     char *why, size_t whycap);
};

typedef int url_module_fn(struct url_ops *ops, int abi);

#endif
