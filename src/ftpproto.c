/* ftpproto.c - pure FTP parsers and formatters: commands, reply lines,
 * 227/229 passive replies. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ftpproto.h"

static const struct {
	const char *verb;
	enum proto_cmd cmd;
} proto_verbs[] = {
	{ "USER", CMD_USER }, { "PASS", CMD_PASS }, { "ACCT", CMD_ACCT },
	{ "QUIT", CMD_QUIT }, { "PASV", CMD_PASV }, { "EPSV", CMD_EPSV },
	{ "PORT", CMD_PORT }, { "EPRT", CMD_EPRT }, { "RETR", CMD_RETR },
	{ "STOR", CMD_STOR }, { "STOU", CMD_STOU }, { "APPE", CMD_APPE },
	{ "LIST", CMD_LIST }, { "NLST", CMD_NLST }, { "MLSD", CMD_MLSD },
	{ "REST", CMD_REST }, { "ABOR", CMD_ABOR }, { "AUTH", CMD_AUTH },
	{ "REIN", CMD_REIN }, { "PBSZ", CMD_PBSZ }, { "PROT", CMD_PROT },
	{ "CCC", CMD_CCC }, { "FEAT", CMD_FEAT },
};

static int proto_upper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

enum proto_cmd proto_command(const char *line, size_t len, const char **arg,
			     size_t *arglen)
{
	size_t vlen = 0;

	while (vlen < len && line[vlen] != ' ')
		vlen++;
	*arg = line + (vlen < len ? vlen + 1 : len);
	*arglen = vlen < len ? len - vlen - 1 : 0;

	/* SECURITY: a verb is letters ended by a space or the end of the
	 * line, and no CR may stand anywhere.  An origin that splits the verb
	 * at any white space (ProFTPD) or a line at a bare CR would otherwise
	 * read a command we never saw: "PORT\t<third party>", "NOOP\rPORT ...",
	 * past the bounce check and the pending-reply bookkeeping. */
	if (vlen == 0 || memchr(line, '\r', len) != NULL)
		return CMD_INVALID;
	for (size_t j = 0; j < vlen; j++) {
		int c = proto_upper((unsigned char)line[j]);

		if (c < 'A' || c > 'Z')
			return CMD_INVALID;
	}

	/* SECURITY: a PROXY protocol header is honoured only from the
	 * peers in --proxy-protocol-from, and only before the greeting
	 * (ppio.c).  On the control channel "PROXY ..." is a client trying
	 * to choose its own address: refused here, never relayed (an origin
	 * that reads the PROXY protocol would believe it). */
	if (vlen == 5) {
		size_t j;

		for (j = 0; j < 5 && proto_upper((unsigned char)line[j]) == "PROXY"[j]; j++)
			;
		if (j == 5)
			return CMD_INVALID;
	}
	for (size_t i = 0; i < sizeof(proto_verbs) / sizeof(proto_verbs[0]); i++) {
		const char *v = proto_verbs[i].verb;
		size_t n = strlen(v);
		size_t j;

		if (n != vlen)
			continue;
		for (j = 0; j < n && proto_upper((unsigned char)line[j]) == v[j]; j++)
			;
		if (j == n)
			return proto_verbs[i].cmd;
	}
	return CMD_OTHER;
}

int proto_cmd_is_transfer(enum proto_cmd cmd)
{
	switch (cmd) {
	case CMD_RETR: case CMD_STOR: case CMD_STOU: case CMD_APPE:
	case CMD_LIST: case CMD_NLST: case CMD_MLSD:
		return 1;
	default:
		return 0;
	}
}

static int proto_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int proto_code(const char *line, size_t len)
{
	if (len < 3 || !proto_isdigit(line[0]) || !proto_isdigit(line[1]) ||
	    !proto_isdigit(line[2]) || line[0] < '1' || line[0] > '5')
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

enum proto_line proto_reply_line(struct proto_reply *r, const char *line,
				 size_t len)
{
	int code = proto_code(line, len);

	if (r->multiline) {
		/* RFC 959 4.2: the reply ends at a line that starts with the
		 * same code followed by a space; anything else is text. */
		if (code == r->code && (len == 3 || line[3] == ' ')) {
			r->multiline = 0;
			return PROTO_LINE_LAST;
		}
		return PROTO_LINE_MORE;
	}
	if (code < 0)
		return PROTO_LINE_BAD;
	r->code = code;
	if (len > 3 && line[3] == '-') {
		r->multiline = 1;
		return PROTO_LINE_MORE;
	}
	return PROTO_LINE_LAST;
}

/* Read a decimal number of at most 3 digits (5 for ports) at *i. */
static int proto_number(const char *s, size_t len, size_t *i, int maxdigits,
			long *out)
{
	long v = 0;
	int n = 0;

	while (*i < len && proto_isdigit(s[*i])) {
		if (++n > maxdigits)
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

int proto_parse_227(const char *line, size_t len, uint8_t addr[4],
		    uint16_t *port)
{
	/* RFC 1123 4.1.2.6: the numbers may appear anywhere in the text, with
	 * or without parentheses; scan for the first well-formed group. */
	for (size_t start = 0; start < len; start++) {
		long v[6];
		size_t i = start;
		int k;

		if (!proto_isdigit(line[start]) ||
		    (start > 0 && proto_isdigit(line[start - 1])))
			continue;
		for (k = 0; k < 6; k++) {
			if (proto_number(line, len, &i, 3, &v[k]) < 0 || v[k] > 255)
				break;
			if (k < 5) {
				if (i >= len || line[i] != ',')
					break;
				i++;
			}
		}
		if (k < 6)
			continue;
		if (i < len && proto_isdigit(line[i]))
			continue;
		for (k = 0; k < 4; k++)
			addr[k] = (uint8_t)v[k];
		*port = (uint16_t)(v[4] * 256 + v[5]);
		return 0;
	}
	return -1;
}

int proto_parse_229(const char *line, size_t len, uint16_t *port)
{
	for (size_t i = 0; i + 4 < len; i++) {
		char d = line[i];
		size_t j;
		long v;

		/* RFC 2428: the delimiter is any printable ASCII character
		 * (33..126) other than a digit. */
		if (d < 33 || d > 126 || proto_isdigit(d) ||
		    line[i + 1] != d || line[i + 2] != d)
			continue;
		j = i + 3;
		if (proto_number(line, len, &j, 5, &v) < 0 || v > 65535)
			continue;
		if (j >= len || line[j] != d)
			continue;
		*port = (uint16_t)v;
		return 0;
	}
	return -1;
}

int proto_format_227(char *buf, size_t cap, const uint8_t addr[4],
		     uint16_t port)
{
	int n = snprintf(buf, cap, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n",
			 addr[0], addr[1], addr[2], addr[3], port >> 8,
			 port & 0xff);
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int proto_format_229(char *buf, size_t cap, uint16_t port)
{
	int n = snprintf(buf, cap,
			 "229 Entering Extended Passive Mode (|||%u|)\r\n", port);
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int proto_parse_port(const char *arg, size_t len, uint8_t addr[4],
		     uint16_t *port)
{
	long v[6];
	size_t i = 0;

	for (int k = 0; k < 6; k++) {
		if (proto_number(arg, len, &i, 3, &v[k]) < 0 || v[k] > 255)
			return -1;
		if (k < 5) {
			if (i >= len || arg[i] != ',')
				return -1;
			i++;
		}
	}
	if (i != len)
		return -1;
	for (int k = 0; k < 4; k++)
		addr[k] = (uint8_t)v[k];
	*port = (uint16_t)(v[4] * 256 + v[5]);
	return 0;
}

int proto_parse_eprt(const char *arg, size_t len, int *proto, char *addr,
		     size_t addrcap, uint16_t *port)
{
	char d;
	size_t i = 1, a0, alen;
	long fam, v;

	if (len < 7)
		return -1;
	d = arg[0];
	if (d < 33 || d > 126 || proto_isdigit(d) || arg[len - 1] != d)
		return -1;
	if (proto_number(arg, len, &i, 1, &fam) < 0 || i >= len || arg[i] != d)
		return -1;
	i++;
	a0 = i;
	while (i < len && arg[i] != d)
		i++;
	alen = i - a0;
	if (i >= len || alen == 0 || alen >= addrcap)
		return -1;
	for (size_t k = a0; k < i; k++) {
		char c = arg[k];

		/* Address literals only: digits, hex, dots and colons. */
		if (!(proto_isdigit(c) || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F') || c == '.' || c == ':'))
			return -1;
	}
	i++;
	if (proto_number(arg, len, &i, 5, &v) < 0 || v > 65535 || i != len - 1)
		return -1;
	memcpy(addr, arg + a0, alen);
	addr[alen] = '\0';
	*port = (uint16_t)v;
	if (fam != 1 && fam != 2)
		return -2;
	*proto = (int)fam;
	return 0;
}

int proto_format_port(char *buf, size_t cap, const uint8_t addr[4],
		      uint16_t port)
{
	int n = snprintf(buf, cap, "PORT %u,%u,%u,%u,%u,%u\r\n", addr[0],
			 addr[1], addr[2], addr[3], port >> 8, port & 0xff);
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int proto_format_eprt(char *buf, size_t cap, int proto, const char *addr,
		      uint16_t port)
{
	int n = snprintf(buf, cap, "EPRT |%d|%s|%u|\r\n", proto, addr, port);
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

size_t proto_reply_bare_cr(char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\r') {
			line[i] = ' ';
			n++;
		}
	}
	return n;
}
