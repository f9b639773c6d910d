/* fuzz_config.c - libFuzzer target for the pure parts of the config
 * parser: "key = value" lines, HOST[:PORT] and LOW-HIGH, and cfg_set(),
 * each checked against a plain model of what conf.h documents. */
/* FUZZ_SOURCES: conf.c net.c ports.c cidr.c */
#include "config.h"

#include <sys/socket.h>

#include "conf.h"
#include "defs.h"
#include "fuzz.h"

static int cf_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A decimal number, digits only, lo..hi (cfg_number). */
static FUZZ_ORACLE int cf_number(const char *s, size_t n, long lo, long hi,
				 long *out)
{
	long v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= hi)
			v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "key = value" after cutting the line at CR or LF; blanks around both. */
static void cf_check_split(const char *orig, char *line, size_t cap)
{
	char *key = NULL, *value = NULL;
	int rc = cfg_split_line(line, &key, &value);
	size_t n = strcspn(orig, "\r\n"), b = 0, e, k0, k1, v0, v1;
	const char *eq;

	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1,
		   "cfg_split_line returns -1, 0 or 1");
	while (b < n && cf_blank(orig[b]))
		b++;
	if (b == n || orig[b] == '#') {
		FUZZ_CHECK(rc == 0, "blank and comment lines are skipped");
		return;
	}
	eq = memchr(orig + b, '=', n - b);
	k0 = b;
	k1 = eq != NULL ? (size_t)(eq - orig) : 0;
	while (k1 > k0 && cf_blank(orig[k1 - 1]))
		k1--;
	if (eq == NULL || k1 == k0) {
		FUZZ_CHECK(rc == -1, "a line without 'key =' is malformed");
		return;
	}
	FUZZ_CHECK(rc == 1, "a 'key = value' line is a setting");
	v0 = (size_t)(eq - orig) + 1;
	while (v0 < n && cf_blank(orig[v0]))
		v0++;
	v1 = n;
	while (v1 > v0 && cf_blank(orig[v1 - 1]))
		v1--;
	FUZZ_CHECK(key >= line && key < line + cap && value >= line &&
		   value < line + cap, "key and value point into the line");
	e = strlen(key);
	FUZZ_CHECK(e == k1 - k0 && memcmp(key, orig + k0, e) == 0,
		   "the key is the text before '=', blanks trimmed");
	e = strlen(value);
	FUZZ_CHECK(e == v1 - v0 && memcmp(value, orig + v0, e) == 0,
		   "the value is the text after '=', blanks trimmed");
}

/* What cfg_parse_hostport should make of s: -1, or 0 with host and port. */
static FUZZ_ORACLE int cf_model_hostport(const char *s, size_t hostcap,
					 const char **h, size_t *hlen,
					 long *port)
{
	const char *p, *end = s + strlen(s);

	*port = FTPR_DEFAULT_FTP_PORT;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close == s + 1)
			return -1;
		*h = s + 1;
		*hlen = (size_t)(close - s - 1);
		p = close + 1;
		if (*p != '\0' && *p != ':')
			return -1;
	} else {
		const char *colon = strchr(s, ':');

		*h = s;
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*hlen = (size_t)(colon - s);
			p = colon;
		} else {
			*hlen = strlen(s); /* no port, or a bare IPv6 literal */
			p = end;
		}
	}
	if (*hlen == 0 || *hlen >= hostcap)
		return -1;
	for (size_t i = 0; i < *hlen; i++)
		if ((*h)[i] == ' ' || (*h)[i] == '\t' || (*h)[i] == '/')
			return -1;
	if (*p == ':' && cf_number(p + 1, strlen(p + 1), 1, 65535, port) < 0)
		return -1;
	return 0;
}

static void cf_check_hostport(const char *s, size_t hostcap)
{
	char *host = fuzz_alloc(hostcap);
	uint16_t port = 0;
	const char *mh = NULL;
	size_t mhlen = 0;
	long mport = 0;
	int rc = cfg_parse_hostport(s, host, hostcap, &port);

	FUZZ_CHECK(rc == 0 || rc == -1, "cfg_parse_hostport returns 0 or -1");
	FUZZ_CHECK(rc == cf_model_hostport(s, hostcap, &mh, &mhlen, &mport),
		   "cfg_parse_hostport accepts exactly HOST[:PORT] / [V6][:PORT]");
	if (rc == 0) {
		FUZZ_CHECK(memchr(host, '\0', hostcap) != NULL,
			   "host is NUL-terminated within its buffer");
		FUZZ_CHECK(host[0] != '\0', "host is not empty");
		FUZZ_CHECK(strcspn(host, " \t/") == strlen(host),
			   "host has no blank or slash");
		FUZZ_CHECK(strlen(host) == mhlen && memcmp(host, mh, mhlen) == 0,
			   "host is the text before the port");
		FUZZ_CHECK(port >= 1 && port == mport, "port is 1..65535, 21 by default");
	}
	free(host);
}

static void cf_check_range(const char *s)
{
	uint16_t lo = 0, hi = 0;
	int rc = cfg_parse_range(s, &lo, &hi);
	const char *dash = strchr(s, '-');
	long a = 0, b = 0;
	int mrc = -1;

	if (strlen(s) < 32 && dash != NULL &&
	    cf_number(s, (size_t)(dash - s), 1, 65535, &a) == 0 &&
	    cf_number(dash + 1, strlen(dash + 1), 1, 65535, &b) == 0 && a <= b)
		mrc = 0;
	FUZZ_CHECK(rc == mrc, "cfg_parse_range accepts exactly LOW-HIGH");
	if (rc == 0)
		FUZZ_CHECK(lo >= 1 && lo <= hi && lo == a && hi == b,
			   "range is 1 <= lo <= hi, as written");
}

static void cf_check_set(const char *key, const char *value, size_t errcap)
{
	struct conf c;
	char *err = fuzz_alloc(errcap);
	enum conf_result rc;

	cfg_defaults(&c);
	memset(err, 'x', errcap);
	rc = cfg_set(&c, key, value, err, errcap);
	FUZZ_CHECK(rc == CONF_OK || rc == CONF_ERROR, "cfg_set returns OK or ERROR");
	/* SECURITY: cfg_set is what a config file line reaches. */
	FUZZ_CHECK(c.no_sandbox == 0, "no key = value switches the sandbox off");
	if (rc == CONF_ERROR) {
		FUZZ_CHECK(memchr(err, '\0', errcap) != NULL,
			   "the error message is NUL-terminated within errcap");
		FUZZ_CHECK(c.set == 0, "a refused setting is not marked as set");
	} else {
		FUZZ_CHECK(c.set != 0, "an accepted setting is marked as set");
		FUZZ_CHECK(c.origin_host[0] == '\0' ||
			   memchr(c.origin_host, '\0', sizeof(c.origin_host)) != NULL,
			   "origin host is NUL-terminated");
		FUZZ_CHECK(c.origin_port >= 1, "origin port is 1..65535");
		FUZZ_CHECK(c.pasv_lo <= c.pasv_hi, "pasv-ports lo <= hi");
		FUZZ_CHECK(c.idle_timeout >= FTPR_TIMEOUT_MIN &&
			   c.idle_timeout <= FTPR_TIMEOUT_MAX &&
			   c.data_timeout >= FTPR_TIMEOUT_MIN &&
			   c.data_timeout <= FTPR_TIMEOUT_MAX &&
			   c.connect_timeout >= FTPR_TIMEOUT_MIN &&
			   c.connect_timeout <= FTPR_TIMEOUT_MAX,
			   "timeouts stay within their range");
		FUZZ_CHECK(memchr(c.config_file, '\0', sizeof(c.config_file)) != NULL,
			   "config file name is NUL-terminated");
		FUZZ_CHECK(memchr(c.user, '\0', sizeof(c.user)) != NULL,
			   "user name is NUL-terminated");
		FUZZ_CHECK(c.origin_data_mode == ORIGIN_DATA_PASSIVE ||
			   c.origin_data_mode == ORIGIN_DATA_ACTIVE ||
			   c.origin_data_mode == ORIGIN_DATA_CLIENT,
			   "origin-data-mode is passive, active or client");
		FUZZ_CHECK(c.pp_from_n >= 0 && c.pp_from_n <= FTPR_PP_FROM_MAX,
			   "proxy-protocol-from holds at most its limit");
		for (int i = 0; i < c.pp_from_n; i++)
			FUZZ_CHECK((c.pp_from[i].family == AF_INET && c.pp_from[i].prefix <= 32) ||
				   (c.pp_from[i].family == AF_INET6 &&
				    c.pp_from[i].prefix <= 128),
				   "every network has a family and a valid prefix");
		FUZZ_CHECK(c.origin_pp >= 0 && c.origin_pp <= 2,
			   "origin-proxy-protocol is off, v1 or v2");
	}
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Text up to the first NUL, as fgets() and argv would give it. */
	char *orig = fuzz_strdup(data, size);
	size_t n = strlen(orig);
	char *line = fuzz_strdup(orig, n);
	char *key = NULL, *value = NULL;

	cf_check_split(orig, line, n + 1);
	cf_check_hostport(orig, FTPR_HOST_MAX);
	cf_check_hostport(orig, 1 + size % 24);
	cf_check_range(orig);

	memcpy(line, orig, n + 1);
	if (cfg_split_line(line, &key, &value) == 1) {
		cf_check_hostport(value, FTPR_HOST_MAX);
		cf_check_range(value);
		cf_check_set(key, value, 1 + size % 96);
	}
	free(line);
	free(orig);
	return 0;
}
