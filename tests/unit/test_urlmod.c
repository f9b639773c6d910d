/* test_urlmod.c - the lookup module (ftprelay-url.so, built in the tree),
 * loaded as ftprelay loads it: its JSON reading (json-c) of answers good
 * and bad, and its GET against a canned HTTP server in a child process
 * (a chunked answer, an HTTP error, an answer too long, no answer). */
#include "config.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "url-mod.h"

static struct url_ops ops;
static struct url_answer a;
static char why[256];

static int parse(const char *body)
{
	return ops.parse(body, strlen(body), &a, why, sizeof(why));
}

/* A server on 127.0.0.1 that answers one connection with `answer` (NULL:
 * reads the request and never answers).  Its port; *child its pid. */
static int serve_once(const char *answer, pid_t *child)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(s, 1) < 0 || getsockname(s, (struct sockaddr *)&sin, &len) < 0)
		exit(99);
	*child = fork();
	if (*child == 0) {
		char req[4096];
		size_t have = 0;
		int c = accept(s, NULL, NULL);

		alarm(10);
		while (have < sizeof(req) - 1) {
			ssize_t n = read(c, req + have, sizeof(req) - 1 - have);

			if (n <= 0)
				break;
			have += (size_t)n;
			req[have] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		if (answer == NULL)
			pause();
		(void)!write(c, answer, strlen(answer));
		close(c);
		_exit(0);
	}
	close(s);
	return ntohs(sin.sin_port);
}

static int get(const char *answer, int timeout_ms)
{
	char url[64];
	sigset_t none;
	pid_t child;
	int port = serve_once(answer, &child), rc;

	sigemptyset(&none);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/r/x", port);
	rc = ops.get(url, timeout_ms, &none, &a, why, sizeof(why));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return rc;
}

int main(void)
{
	struct url_setup s;
	url_module_fn *fill;
	void *lib = dlopen(URLMOD_PATH, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL || (fill = (url_module_fn *)dlsym(lib, URL_MOD_SYMBOL)) == NULL ||
	    fill(&ops, URL_MOD_ABI) < 0) {
		printf("Bail out! cannot load %s\n", URLMOD_PATH);
		return 1;
	}
	TAP_OK(fill(&ops, URL_MOD_ABI + 1) < 0, "another ABI is refused");
	fill(&ops, URL_MOD_ABI);
	memset(&s, 0, sizeof(s));
	s.max_answer = FTPR_ROUTE_HTTP_MAX;
	TAP_OK(ops.init(&s, why, sizeof(why)) == 0, "init without CA (http only)");

	/* The JSON */
	TAP_OK(parse("{\"code\": 200, \"data\": \"127.0.0.1:2121\"}\n") == 0 &&
	       a.have_code && a.code == 200 && a.have_data &&
	       strcmp(a.data, "127.0.0.1:2121") == 0 && a.datalen == 14,
	       "code and data");
	TAP_OK(parse("{\"x\":[1,{\"code\":1}],\"data\":\"[::1]:21\",\"code\":200}") == 0 &&
	       a.code == 200 && strcmp(a.data, "[::1]:21") == 0,
	       "key order and other keys (nested ones too) do not matter");
	TAP_OK(parse("{\"code\": 404}") == 0 && a.have_code && a.code == 404 &&
	       !a.have_data, "a code without data");
	TAP_OK(parse("{\"code\": 2e2, \"data\": \"x\"}") == 0 && !a.have_code,
	       "a code that is not an integer is no code");
	TAP_OK(parse("{\"code\": \"200\"}") == 0 && !a.have_code, "a string is no code");
	TAP_OK(parse("{\"code\": 200, \"data\": 5}") == 0 && !a.have_data,
	       "data that is not a string is no data");
	TAP_OK(parse("{\"code\": 200, \"data\": \"a\\u0000b\"}") == 0 && !a.have_data,
	       "data with a NUL is no data");
	TAP_OK(parse("{\"code\": 200, \"data\": \"127.0.0.1\\u003a21\"}") == 0 &&
	       strcmp(a.data, "127.0.0.1:21") == 0, "JSON escapes in data");
	TAP_OK(parse("{\"code\": 99999999999}") == 0 && a.code == 999999,
	       "a huge code is clamped (still not 200)");
	TAP_OK(parse("<html>") < 0 && strstr(why, "not JSON"), "garbage");
	TAP_OK(parse("") < 0, "an empty body");
	TAP_OK(parse("[200, \"127.0.0.1:21\"]") < 0, "an array is not an object");
	TAP_OK(parse("{\"code\": 200, \"data\": \"127.0.0.1:21\"") < 0, "an unclosed object");
	TAP_OK(parse("{\"code\": 200} {\"code\": 404}") < 0, "something after the object");
	TAP_OK(parse("{\"code\": 200}  \r\n") == 0, "white space after the object");
	TAP_OK(parse("{\"code\": 200,}") < 0, "strict JSON: no trailing comma");
	{
		char deep[200];
		size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"code\": 200, \"x\": ");

		for (int d = 0; d < 40; d++)
			deep[n++] = '[';
		for (int d = 0; d < 40; d++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		TAP_OK(parse(deep) < 0, "nesting deeper than 16 is refused");
	}

	/* The GET, over http from a child */
	TAP_OK(get("HTTP/1.1 200 OK\r\nContent-Length: 36\r\n\r\n"
		   "{\"code\":200,\"data\":\"127.0.0.1:2121\"}", 5000) == 0 &&
	       a.http_status == 200 && a.code == 200 &&
	       strcmp(a.data, "127.0.0.1:2121") == 0, "a GET with Content-Length");
	TAP_OK(get("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "d\r\n{\"code\": 404}\r\n0\r\n\r\n", 5000) == 0 &&
	       a.http_status == 200 && a.code == 404, "a chunked answer");
	TAP_OK(get("HTTP/1.0 200 OK\r\n\r\n{\"code\": 200, \"data\": \"127.0.0.1:21\"}",
		   5000) == 0 && a.code == 200, "HTTP/1.0, the body until the close");
	TAP_OK(get("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 5000) == 0 &&
	       a.http_status == 500 && !a.have_code, "an HTTP error: its status, no code");
	{
		static char big[FTPR_ROUTE_HTTP_MAX + 200];
		int n = snprintf(big, sizeof(big), "HTTP/1.0 200 OK\r\n\r\n{\"code\": 404, \"d\": \"");

		memset(big + n, 'x', FTPR_ROUTE_HTTP_MAX);
		snprintf(big + n + FTPR_ROUTE_HTTP_MAX, sizeof(big) - (size_t)n -
			 FTPR_ROUTE_HTTP_MAX, "\"}");
		TAP_OK(get(big, 5000) < 0 && strstr(why, "answer over 8192 bytes"),
		       "an answer over the limit, without Content-Length");
	}
	TAP_OK(get("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{}", 5000) < 0 &&
	       strstr(why, "answer over 8192 bytes"), "a Content-Length over the limit");
	TAP_OK(get("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\n"
		   "Content-Length: 0\r\n\r\n", 5000) == 0 && a.http_status == 302,
	       "a redirect is not followed");
	TAP_OK(get(NULL, 1000) < 0 && strstr(why, "no complete answer within 1 s"),
	       "no answer: a failure within the timeout");
	TAP_OK(get("garbage\r\n\r\n", 5000) < 0, "not HTTP");
	{
		sigset_t none;

		sigemptyset(&none);
		TAP_OK(ops.get("file:///etc/passwd", 1000, &none, &a, why, sizeof(why)) < 0 &&
		       ops.get("ftp://127.0.0.1:1/x", 1000, &none, &a, why, sizeof(why)) < 0,
		       "SECURITY: http and https only");
	}
	return tap_done();
}
