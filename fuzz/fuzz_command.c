/* fuzz_command.c - libFuzzer target for client commands: the verb split,
 * PORT and EPRT arguments, each checked against a plain grammar and
 * round-tripped through the formatters. */
/* FUZZ_SOURCES: ftpproto.c */
#include "config.h"

#include <strings.h>

#include "defs.h"
#include "ftpproto.h"
#include "fuzz.h"

/* The verbs the proxy must recognise: taking one of them for another, or
 * missing it, lets a PORT or a transfer past its checks.  proto_command
 * may learn new verbs without this table (they only must not be taken
 * for one of these). */
static const char *const cmd_verbs[] = {
	[CMD_USER] = "USER", [CMD_PASS] = "PASS", [CMD_ACCT] = "ACCT",
	[CMD_QUIT] = "QUIT", [CMD_PASV] = "PASV", [CMD_EPSV] = "EPSV",
	[CMD_PORT] = "PORT", [CMD_EPRT] = "EPRT", [CMD_RETR] = "RETR",
	[CMD_STOR] = "STOR", [CMD_STOU] = "STOU", [CMD_APPE] = "APPE",
	[CMD_LIST] = "LIST", [CMD_NLST] = "NLST", [CMD_MLSD] = "MLSD",
	[CMD_REST] = "REST", [CMD_ABOR] = "ABOR", [CMD_AUTH] = "AUTH",
};
#define CMD_NVERBS (sizeof(cmd_verbs) / sizeof(cmd_verbs[0]))

/* FUZZ_STRICT_VERB (on unless =0): the verb must also be what an origin that splits at
 * any whitespace would read (see README). */
static int cmd_strict_verb;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_STRICT_VERB");

	(void)argc;
	(void)argv;
	/* On by default since proto_command refuses such verbs;
	 * FUZZ_STRICT_VERB=0 turns the check off. */
	cmd_strict_verb = !(e != NULL && *e == '0');
	return 0;
}

static int cmd_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int cmd_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* The verb is everything before the first space, matched without regard
 * to ASCII case. */
static FUZZ_ORACLE enum proto_cmd cmd_model(const char *line, size_t vlen)
{
	for (size_t k = 1; k < CMD_NVERBS; k++) {
		size_t j = 0;

		if (cmd_verbs[k] == NULL || strlen(cmd_verbs[k]) != vlen)
			continue;
		while (j < vlen && cmd_upper((unsigned char)line[j]) ==
		       (unsigned char)cmd_verbs[k][j])
			j++;
		if (j == vlen)
			return (enum proto_cmd)k;
	}
	return CMD_OTHER;
}

/* A run of 1..maxdigits digits at *i: its value, or -1. */
static FUZZ_ORACLE long cmd_digits(const char *s, size_t len, size_t *i,
				   size_t maxdigits)
{
	size_t start = *i;
	long v = 0;

	while (*i < len && cmd_isdigit((unsigned char)s[*i]))
		(*i)++;
	if (*i == start || *i - start > maxdigits)
		return -1;
	for (size_t k = start; k < *i; k++)
		v = v * 10 + (s[k] - '0');
	return v;
}

/* PORT: "n,n,n,n,n,n", each 1-3 digits and at most 255, nothing else. */
static FUZZ_ORACLE int cmd_port_model(const char *a, size_t len,
				      uint8_t addr[4], uint16_t *port)
{
	long v[6];
	size_t i = 0;

	for (int k = 0; k < 6; k++) {
		v[k] = cmd_digits(a, len, &i, 3);
		if (v[k] < 0 || v[k] > 255)
			return -1;
		if (k < 5 && (i >= len || a[i++] != ','))
			return -1;
	}
	if (i != len)
		return -1;
	for (int k = 0; k < 4; k++)
		addr[k] = (uint8_t)v[k];
	*port = (uint16_t)(v[4] << 8 | v[5]);
	return 0;
}

static void cmd_check_port(const char *arg, size_t arglen)
{
	uint8_t addr[4], maddr[4], addr2[4];
	uint16_t port = 0, mport = 0, port2 = 0;
	char buf[128], *tight, *a2;
	const char *arg2;
	size_t n2;
	int rc, m;

	rc = proto_parse_port(arg, arglen, addr, &port);
	FUZZ_CHECK(rc == 0 || rc == -1, "proto_parse_port returns 0 or -1");
	FUZZ_CHECK(rc == cmd_port_model(arg, arglen, maddr, &mport),
		   "proto_parse_port accepts exactly the PORT grammar");
	if (rc != 0)
		return;
	FUZZ_CHECK(memcmp(addr, maddr, 4) == 0 && port == mport,
		   "PORT address and port match the grammar");

	m = proto_format_port(buf, sizeof(buf), addr, port);
	FUZZ_CHECK(m > 7 && (size_t)m < sizeof(buf) && strlen(buf) == (size_t)m,
		   "proto_format_port fits and returns its length");
	FUZZ_CHECK(memcmp(buf, "PORT ", 5) == 0 && memcmp(buf + m - 2, "\r\n", 2) == 0,
		   "proto_format_port writes PORT ... CRLF");
	FUZZ_CHECK(memchr(buf, '\r', (size_t)m - 2) == NULL,
		   "proto_format_port writes one line");
	FUZZ_CHECK(proto_command(buf, (size_t)m - 2, &arg2, &n2) == CMD_PORT,
		   "a formatted PORT is a PORT command");
	a2 = fuzz_dup(arg2, n2);
	FUZZ_CHECK(proto_parse_port(a2, n2, addr2, &port2) == 0 &&
		   memcmp(addr, addr2, 4) == 0 && port == port2,
		   "PORT round-trips through proto_format_port");
	free(a2);

	/* A buffer one byte short must be refused, not overrun. */
	tight = fuzz_alloc((size_t)m);
	FUZZ_CHECK(proto_format_port(tight, (size_t)m, addr, port) == -1,
		   "proto_format_port refuses a buffer without room for NUL");
	free(tight);
	tight = fuzz_alloc((size_t)m + 1);
	FUZZ_CHECK(proto_format_port(tight, (size_t)m + 1, addr, port) == m,
		   "proto_format_port fits a buffer of exactly its length + 1");
	free(tight);
}

/* EPRT: d F d ADDR d PORT d, d in 33..126 and no digit, F one digit,
 * ADDR of [0-9a-fA-F.:] shorter than cap, PORT 1-5 digits <= 65535.
 * Returns what proto_parse_eprt should. */
static FUZZ_ORACLE int cmd_eprt_model(const char *a, size_t len, size_t cap,
				      int *proto, char *addr, uint16_t *port)
{
	unsigned char d;
	size_t i = 1, a0;
	long fam, v;

	if (len == 0)
		return -1;
	d = (unsigned char)a[0];
	if (d < 33 || d > 126 || cmd_isdigit(d) || (unsigned char)a[len - 1] != d)
		return -1;
	fam = cmd_digits(a, len, &i, 1);
	if (fam < 0 || i >= len || (unsigned char)a[i] != d)
		return -1;
	a0 = ++i;
	while (i < len && (unsigned char)a[i] != d) {
		if (strchr("0123456789abcdefABCDEF.:", a[i]) == NULL || a[i] == '\0')
			return -1;
		i++;
	}
	if (i >= len || i == a0 || i - a0 >= cap)
		return -1;
	memcpy(addr, a + a0, i - a0);
	addr[i - a0] = '\0';
	i++;
	v = cmd_digits(a, len, &i, 5);
	if (v < 0 || v > 65535 || i != len - 1)
		return -1;
	*port = (uint16_t)v;
	if (fam != 1 && fam != 2)
		return -2;
	*proto = (int)fam;
	return 0;
}

static void cmd_check_eprt(const char *arg, size_t arglen, size_t cap)
{
	char *addr = fuzz_alloc(cap), maddr[FTPR_ADDRSTR_MAX + 1];
	char buf[160], addr2[FTPR_ADDRSTR_MAX], *tight, *a2;
	uint16_t port = 0, mport = 0, port2 = 0;
	int proto = 0, mproto = 0, proto2 = 0, rc, mrc, m;
	const char *arg2;
	size_t n2;

	rc = proto_parse_eprt(arg, arglen, &proto, addr, cap, &port);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2,
		   "proto_parse_eprt returns 0, -1 or -2");
	mrc = cmd_eprt_model(arg, arglen, cap, &mproto, maddr, &mport);
	FUZZ_CHECK(rc == mrc, "proto_parse_eprt accepts exactly the EPRT grammar");
	if (rc == -1)
		goto out;
	FUZZ_CHECK(memchr(addr, '\0', cap) != NULL,
		   "EPRT address is NUL-terminated within its buffer");
	FUZZ_CHECK(addr[0] != '\0' &&
		   strspn(addr, "0123456789abcdefABCDEF.:") == strlen(addr),
		   "EPRT address is non-empty and only [0-9a-fA-F.:]");
	FUZZ_CHECK(strcmp(addr, maddr) == 0 && port == mport,
		   "EPRT address and port match the grammar");
	if (rc == -2)
		goto out;
	FUZZ_CHECK(proto == 1 || proto == 2, "EPRT protocol is 1 or 2");
	FUZZ_CHECK(proto == mproto, "EPRT protocol matches the grammar");

	m = proto_format_eprt(buf, sizeof(buf), proto, addr, port);
	FUZZ_CHECK(m > 0 && (size_t)m < sizeof(buf) && strlen(buf) == (size_t)m,
		   "proto_format_eprt fits and returns its length");
	FUZZ_CHECK(memcmp(buf, "EPRT ", 5) == 0 && memcmp(buf + m - 2, "\r\n", 2) == 0,
		   "proto_format_eprt writes EPRT ... CRLF");
	FUZZ_CHECK(memchr(buf, '\r', (size_t)m - 2) == NULL &&
		   memchr(buf, '\n', (size_t)m - 2) == NULL,
		   "proto_format_eprt writes one line");
	FUZZ_CHECK(proto_command(buf, (size_t)m - 2, &arg2, &n2) == CMD_EPRT,
		   "a formatted EPRT is an EPRT command");
	a2 = fuzz_dup(arg2, n2);
	FUZZ_CHECK(proto_parse_eprt(a2, n2, &proto2, addr2, sizeof(addr2),
				    &port2) == 0 &&
		   proto2 == proto && strcmp(addr2, addr) == 0 && port2 == port,
		   "EPRT round-trips through proto_format_eprt");
	free(a2);

	tight = fuzz_alloc((size_t)m);
	FUZZ_CHECK(proto_format_eprt(tight, (size_t)m, proto, addr, port) == -1,
		   "proto_format_eprt refuses a buffer without room for NUL");
	free(tight);
	tight = fuzz_alloc((size_t)m + 1);
	FUZZ_CHECK(proto_format_eprt(tight, (size_t)m + 1, proto, addr, port) == m,
		   "proto_format_eprt fits a buffer of exactly its length + 1");
	free(tight);
out:
	free(addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data, *arg = NULL;
	size_t arglen = 99, vlen = 0;
	enum proto_cmd cmd, known;
	int t;

	/* libFuzzer's buffer is exactly size bytes: a read past the line
	 * (and so past the argument, which ends it) is an ASan report. */
	cmd = proto_command(line, size, &arg, &arglen);
	while (vlen < size && line[vlen] != ' ')
		vlen++;
	FUZZ_CHECK(arg != NULL && arg >= line && arg <= line + size &&
		   arg + arglen == line + size,
		   "the argument is the rest of the line");
	FUZZ_CHECK(vlen < size ? arg == line + vlen + 1 : arglen == 0,
		   "the argument starts after the first space");
	known = cmd_model(line, vlen);
	if (cmd == CMD_INVALID) {
		/* Refused and never forwarded: only for an empty verb, a verb
		 * that is not letters only, or a CR in the line. */
		int letters = vlen > 0;

		for (size_t k = 0; k < vlen; k++)
			if (cmd_upper((unsigned char)line[k]) < 'A' ||
			    cmd_upper((unsigned char)line[k]) > 'Z')
				letters = 0;
		FUZZ_CHECK(!letters || memchr(line, '\r', size) != NULL ||
			   (vlen == 5 && strncasecmp(line, "PROXY", 5) == 0),
			   "only a malformed verb, a CR or PROXY makes a line invalid");
	} else if (known != CMD_OTHER) {
		FUZZ_CHECK(cmd == known,
			   "proto_command knows the verb, case-insensitively");
	} else if (cmd != CMD_OTHER) {
		/* A verb this target does not list (added later). */
		FUZZ_CHECK((size_t)cmd >= CMD_NVERBS || cmd_verbs[cmd] == NULL,
			   "an unlisted verb is not taken for a listed command");
		for (size_t k = 0; k < vlen; k++)
			FUZZ_CHECK(cmd_upper((unsigned char)line[k]) >= 'A' &&
				   cmd_upper((unsigned char)line[k]) <= 'Z',
				   "a recognised verb is letters only");
	}
	if (vlen > 0 && vlen <= 16 && memchr(line, '\r', size) == NULL) {
		/* The same verb in the other case is the same command (the
		 * verb alone: a CR in the argument makes the line invalid). */
		char flip[16];
		const char *a2;
		size_t n2;

		for (size_t k = 0; k < vlen; k++) {
			unsigned char c = (unsigned char)line[k];

			flip[k] = (char)(c >= 'a' && c <= 'z' ? c - 32 :
					 c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		FUZZ_CHECK(proto_command(flip, vlen, &a2, &n2) == cmd,
			   "verbs are matched without regard to case");
	}
	if (cmd_strict_verb) {
		/* ProFTPD splits the verb at any isspace() byte: a "PORT\t..."
		 * the proxy passes on as CMD_OTHER would be a PORT there. */
		size_t ovlen = 0;

		/* (A line with a NUL never gets here: linebuf drops it.) */
		while (ovlen < size && (line[ovlen] == '\0' ||
					strchr(" \t\n\v\f\r", line[ovlen]) == NULL))
			ovlen++;
		FUZZ_CHECK(cmd == CMD_INVALID || cmd_model(line, ovlen) == CMD_OTHER ||
			   cmd_model(line, ovlen) == cmd,
			   "an origin splitting at any whitespace reads the same verb");
	}
	t = proto_cmd_is_transfer(cmd);
	FUZZ_CHECK(t == (cmd == CMD_RETR || cmd == CMD_STOR || cmd == CMD_STOU ||
			 cmd == CMD_APPE || cmd == CMD_LIST || cmd == CMD_NLST ||
			 cmd == CMD_MLSD),
		   "proto_cmd_is_transfer knows the transfer commands");

	/* Whatever the verb: the argument parsers must hold up to anything. */
	cmd_check_port(arg, arglen);
	cmd_check_eprt(arg, arglen, FTPR_ADDRSTR_MAX);
	cmd_check_eprt(arg, arglen, 1 + size % 48);
	return 0;
}
