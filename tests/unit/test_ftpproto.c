/* test_ftpproto.c - commands, reply framing, 227/229 parsing and formatting. */
#include "config.h"

#include "ftpproto.h"
#include "tap.h"

#define S(x) x, sizeof(x) - 1

static void commands(void)
{
	const char *arg;
	size_t n;

	TAP_OK(proto_command(S("PASV"), &arg, &n) == CMD_PASV && n == 0, "PASV");
	TAP_OK(proto_command(S("epsv"), &arg, &n) == CMD_EPSV, "verbs are case-insensitive");
	TAP_OK(proto_command(S("EPSV ALL"), &arg, &n) == CMD_EPSV && n == 3 &&
	       memcmp(arg, "ALL", 3) == 0, "EPSV argument");
	TAP_OK(proto_command(S("RETR dir/a file"), &arg, &n) == CMD_RETR && n == 10,
	       "argument keeps its spaces");
	TAP_OK(proto_command(S("PORT 127,0,0,1,4,1"), &arg, &n) == CMD_PORT && n == 13 &&
	       memcmp(arg, "127,0,0,1,4,1", 13) == 0, "PORT and its argument");
	TAP_OK(proto_command(S("eprt |2|::1|1025|"), &arg, &n) == CMD_EPRT && n == 12,
	       "EPRT in lower case");
	TAP_OK(proto_command(S("rein"), &arg, &n) == CMD_REIN && n == 0, "REIN");
	TAP_OK(proto_command(S("PASVX"), &arg, &n) == CMD_OTHER, "longer verb is not PASV");
	TAP_OK(proto_command(S("PAS"), &arg, &n) == CMD_OTHER, "shorter verb is not PASV");
	TAP_OK(proto_command(S(""), &arg, &n) == CMD_INVALID, "empty line is not a command");
	TAP_OK(proto_command(S("PROXY TCP4 1.2.3.4 5.6.7.8 1 21"), &arg, &n) == CMD_INVALID,
	       "a PROXY line on the control channel is refused, never relayed");
	TAP_OK(proto_command(S("proxy"), &arg, &n) == CMD_INVALID, "proxy in lower case too");
	TAP_OK(proto_command(S("PROXYX"), &arg, &n) == CMD_OTHER, "PROXYX is another verb");
	TAP_OK(proto_command(S("PORT\t127,0,0,2,0,25"), &arg, &n) == CMD_INVALID,
	       "a verb ended by a tab is refused (ProFTPD would read PORT)");
	TAP_OK(proto_command(S("NOOP\rPORT 10,0,0,5,0,25"), &arg, &n) == CMD_INVALID,
	       "a bare CR inside a line is refused");
	TAP_OK(proto_command(S("RETR\r"), &arg, &n) == CMD_INVALID, "a CR after the verb is refused");
	TAP_OK(proto_command(S(" NOOP"), &arg, &n) == CMD_INVALID, "a leading space is refused");
	TAP_OK(proto_command(S("X-1"), &arg, &n) == CMD_INVALID, "a verb with a digit is refused");
	TAP_OK(proto_command(S("RETR a\tb"), &arg, &n) == CMD_RETR && n == 3,
	       "a tab inside the argument is fine");
	TAP_OK(proto_command(S("XCUP"), &arg, &n) == CMD_OTHER, "an unknown verb of letters is relayed");
	TAP_OK(proto_cmd_is_transfer(CMD_MLSD) && proto_cmd_is_transfer(CMD_APPE) &&
	       !proto_cmd_is_transfer(CMD_REST), "transfer commands");
}

static void replies(void)
{
	struct proto_reply r = { 0, 0 };

	TAP_OK(proto_reply_line(&r, S("200 ok")) == PROTO_LINE_LAST && r.code == 200,
	       "single-line reply");
	r.code = 0;
	TAP_OK(proto_reply_line(&r, S("220-Welcome")) == PROTO_LINE_MORE, "multi-line starts");
	TAP_OK(proto_reply_line(&r, S("  text 220 not the end")) == PROTO_LINE_MORE,
	       "indented text line");
	TAP_OK(proto_reply_line(&r, S("221 other code")) == PROTO_LINE_MORE,
	       "another code does not end it");
	TAP_OK(proto_reply_line(&r, S("220-still going")) == PROTO_LINE_MORE,
	       "same code with dash does not end it");
	TAP_OK(proto_reply_line(&r, S("220 done")) == PROTO_LINE_LAST && r.code == 220,
	       "same code with space ends it");
	r.code = 0;
	TAP_OK(proto_reply_line(&r, S("hello")) == PROTO_LINE_BAD, "text outside a reply is bad");
	TAP_OK(proto_reply_line(&r, S("600 x")) == PROTO_LINE_BAD, "code 600 is bad");
	TAP_OK(proto_reply_line(&r, S("20")) == PROTO_LINE_BAD, "short code is bad");
	TAP_OK(proto_reply_line(&r, S("226")) == PROTO_LINE_LAST, "bare code is a reply");
}

static void parse227(void)
{
	uint8_t a[4];
	uint16_t p;

	TAP_OK(proto_parse_227(S("227 Entering Passive Mode (192,168,1,2,19,137)."), a, &p) == 0 &&
	       a[0] == 192 && a[3] == 2 && p == 19 * 256 + 137, "227 with parentheses");
	TAP_OK(proto_parse_227(S("227 Entering Passive Mode 10,0,0,1,4,1"), a, &p) == 0 &&
	       p == 1025, "227 without parentheses");
	TAP_OK(proto_parse_227(S("227 =127,0,0,1,255,255"), a, &p) == 0 && p == 65535,
	       "227 with the highest port");
	TAP_OK(proto_parse_227(S("227 (127,0,0,256,4,1)"), a, &p) < 0, "256 in the address is refused");
	TAP_OK(proto_parse_227(S("227 (127,0,0,1,4,300)"), a, &p) < 0, "300 in the port is refused");
	TAP_OK(proto_parse_227(S("227 (127,0,0,1,4)"), a, &p) < 0, "five numbers are not enough");
	TAP_OK(proto_parse_227(S("227 (1270,0,0,1,4,1)"), a, &p) < 0, "four digits are refused");
	TAP_OK(proto_parse_227(S("227 (127,0,0,1,4,1,9)"), a, &p) < 0 ||
	       p == 4 * 256 + 1, "seven numbers: the first six or nothing");
	TAP_OK(proto_parse_227(S("227 (127,,0,1,4,1)"), a, &p) < 0, "empty field is refused");
	TAP_OK(proto_parse_227(S("227 Passive"), a, &p) < 0, "no numbers at all");
	TAP_OK(proto_parse_227(S("227 (0,0,0,0,0,0)"), a, &p) == 0 && p == 0,
	       "port 0 parses (the caller refuses it)");
	TAP_OK(proto_parse_227(S("227 Ok 2 go (9,8,7,6,0,21)"), a, &p) == 0 && p == 21 &&
	       a[0] == 9, "stray number before the group is skipped");
}

static void parse229(void)
{
	uint16_t p;

	TAP_OK(proto_parse_229(S("229 Entering Extended Passive Mode (|||6446|)"), &p) == 0 &&
	       p == 6446, "229 standard form");
	TAP_OK(proto_parse_229(S("229 Entering Extended Passive Mode |||6446|"), &p) == 0 &&
	       p == 6446, "229 without parentheses");
	TAP_OK(proto_parse_229(S("229 (!!!1025!)"), &p) == 0 && p == 1025, "other delimiter (!)");
	TAP_OK(proto_parse_229(S("229 (~~~65535~)"), &p) == 0 && p == 65535, "delimiter 126 (~)");
	TAP_OK(proto_parse_229(S("229 (|||65536|)"), &p) < 0, "port over 65535 refused");
	TAP_OK(proto_parse_229(S("229 (|||6446!)"), &p) < 0, "mismatched delimiters refused");
	TAP_OK(proto_parse_229(S("229 (|||)"), &p) < 0, "missing port refused");
	TAP_OK(proto_parse_229(S("229 (111222|)"), &p) < 0, "digits are not delimiters");
	TAP_OK(proto_parse_229(S("229 (|||123456|)"), &p) < 0, "six digits refused");
}

static void format(void)
{
	char buf[128];
	const uint8_t a[4] = { 127, 0, 0, 1 };
	int n;

	n = proto_format_227(buf, sizeof(buf), a, 30001);
	TAP_STR(buf, (size_t)n, "227 Entering Passive Mode (127,0,0,1,117,49).\r\n",
		"227 format");
	n = proto_format_229(buf, sizeof(buf), 30001);
	TAP_STR(buf, (size_t)n, "229 Entering Extended Passive Mode (|||30001|)\r\n",
		"229 format");
	TAP_OK(proto_format_229(buf, 10, 1) == -1, "short buffer is reported");

	uint8_t b[4];
	uint16_t p;

	n = proto_format_227(buf, sizeof(buf), a, 65535);
	TAP_OK(proto_parse_227(buf, (size_t)n, b, &p) == 0 && p == 65535 &&
	       memcmp(a, b, 4) == 0, "227 round trip");
	n = proto_format_229(buf, sizeof(buf), 1024);
	TAP_OK(proto_parse_229(buf, (size_t)n, &p) == 0 && p == 1024, "229 round trip");
}

static void parse_port(void)
{
	uint8_t a[4];
	uint16_t p;

	TAP_OK(proto_parse_port(S("127,0,0,1,117,49"), a, &p) == 0 && a[0] == 127 &&
	       a[3] == 1 && p == 30001, "PORT argument");
	TAP_OK(proto_parse_port(S("127,0,0,1,256,1"), a, &p) < 0, "PORT number over 255");
	TAP_OK(proto_parse_port(S("300,0,0,1,4,1"), a, &p) < 0, "PORT address byte over 255");
	TAP_OK(proto_parse_port(S("127,0,0,1,4"), a, &p) < 0, "PORT with a missing field");
	TAP_OK(proto_parse_port(S("127,0,0,1,4,1,"), a, &p) < 0, "PORT with a trailing comma");
	TAP_OK(proto_parse_port(S("127,0,0,1,4,1 x"), a, &p) < 0, "PORT with trailing junk");
	TAP_OK(proto_parse_port(S("127,0,0,-1,4,1"), a, &p) < 0, "PORT with a sign");
	TAP_OK(proto_parse_port(S(""), a, &p) < 0, "PORT without argument");
	TAP_OK(proto_parse_port(S("0,0,0,0,0,0"), a, &p) == 0 && p == 0,
	       "PORT 0 parses (the session refuses it)");
	TAP_OK(proto_parse_port(S("127,0,0,1,255,255"), a, &p) == 0 && p == 65535,
	       "PORT with the highest port");
	TAP_OK(proto_parse_port(S("127,000,000,001,004,001"), a, &p) == 0 && a[0] == 127 &&
	       a[1] == 0 && a[3] == 1 && p == 1025, "PORT with leading zeros");
	TAP_OK(proto_parse_port(S("0127,0,0,1,4,1"), a, &p) < 0, "PORT four-digit number refused");
	TAP_OK(proto_parse_port(S("127,,0,1,4,1"), a, &p) < 0, "PORT with an empty field");
	TAP_OK(proto_parse_port(S("127, 0,0,1,4,1"), a, &p) < 0, "PORT with a space inside");
	TAP_OK(proto_parse_port(S(" 127,0,0,1,4,1"), a, &p) < 0, "PORT with a leading space");
	TAP_OK(proto_parse_port(S("127.0.0.1,4,1"), a, &p) < 0, "PORT with a dotted address");
}

static void parse_eprt(void)
{
	char addr[64];
	uint16_t p;
	int proto;

	TAP_OK(proto_parse_eprt(S("|1|132.235.1.2|6275|"), &proto, addr, sizeof(addr), &p) == 0 &&
	       proto == 1 && strcmp(addr, "132.235.1.2") == 0 && p == 6275, "EPRT IPv4");
	TAP_OK(proto_parse_eprt(S("|2|1080::8:800:200C:417A|5282|"), &proto, addr, sizeof(addr), &p) == 0 &&
	       proto == 2 && strcmp(addr, "1080::8:800:200C:417A") == 0 && p == 5282, "EPRT IPv6");
	TAP_OK(proto_parse_eprt(S("!2!::1!5282!"), &proto, addr, sizeof(addr), &p) == 0 &&
	       proto == 2 && p == 5282, "EPRT with ! as delimiter");
	TAP_OK(proto_parse_eprt(S("~1~10.0.0.1~1025~"), &proto, addr, sizeof(addr), &p) == 0,
	       "EPRT with ~ (126) as delimiter");
	TAP_OK(proto_parse_eprt(S("|3|10.0.0.1|1025|"), &proto, addr, sizeof(addr), &p) == -2,
	       "EPRT unknown family: -2 for 522");
	TAP_OK(proto_parse_eprt(S("1|1|10.0.0.1|1025|1"), &proto, addr, sizeof(addr), &p) == -1,
	       "digit as delimiter refused");
	TAP_OK(proto_parse_eprt(S(" 1 10.0.0.1 1025 "), &proto, addr, sizeof(addr), &p) == -1,
	       "space (32) as delimiter refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025!"), &proto, addr, sizeof(addr), &p) == -1,
	       "mixed delimiters refused");
	TAP_OK(proto_parse_eprt(S("|1||1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "empty address refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|65536|"), &proto, addr, sizeof(addr), &p) == -1,
	       "port over 65535 refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1||"), &proto, addr, sizeof(addr), &p) == -1,
	       "empty port refused");
	TAP_OK(proto_parse_eprt(S("|1|evil.example|1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "host names refused");
	TAP_OK(proto_parse_eprt(S("|12|10.0.0.1|1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "two-digit family refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025|x"), &proto, addr, sizeof(addr), &p) == -1,
	       "junk after the last delimiter refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|0|"), &proto, addr, sizeof(addr), &p) == 0 &&
	       p == 0, "EPRT port 0 parses (the session refuses it)");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|65535|"), &proto, addr, sizeof(addr), &p) == 0 &&
	       p == 65535, "EPRT highest port");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|123456|"), &proto, addr, sizeof(addr), &p) == -1,
	       "six-digit port refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|-1|"), &proto, addr, sizeof(addr), &p) == -1,
	       "negative port refused");
	TAP_OK(proto_parse_eprt(S("|0|10.0.0.1|1025|"), &proto, addr, sizeof(addr), &p) == -2,
	       "EPRT family 0: -2 for 522");
	TAP_OK(proto_parse_eprt(S("||10.0.0.1|1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "missing family refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025"), &proto, addr, sizeof(addr), &p) == -1,
	       "missing last delimiter refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025||"), &proto, addr, sizeof(addr), &p) == -1,
	       "extra delimiter refused");
	TAP_OK(proto_parse_eprt(S("\x7f" "1\x7f" "10.0.0.1\x7f" "1025\x7f"), &proto, addr,
				sizeof(addr), &p) == -1, "DEL (127) as delimiter refused");
	TAP_OK(proto_parse_eprt(S("a1a10.0.0.1a1025a"), &proto, addr, sizeof(addr), &p) == 0 &&
	       strcmp(addr, "10.0.0.1") == 0 && p == 1025, "letter a as delimiter, IPv4");
	TAP_OK(proto_parse_eprt(S("|2|fe80::1%eth0|1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "IPv6 zone id refused");
	TAP_OK(proto_parse_eprt(S("|2|[::1]|1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "IPv6 address in brackets refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1 |1025|"), &proto, addr, sizeof(addr), &p) == -1,
	       "space in the address refused");
	TAP_OK(proto_parse_eprt(S("|2|::ffff:127.0.0.1|1025|"), &proto, addr, sizeof(addr), &p) == 0 &&
	       proto == 2 && strcmp(addr, "::ffff:127.0.0.1") == 0,
	       "mapped IPv4 address as |2| parses (the session refuses it)");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025|"), &proto, addr, 8, &p) == -1,
	       "address longer than the buffer refused");
	TAP_OK(proto_parse_eprt(S("|1|10.0.0.1|1025|"), &proto, addr, 9, &p) == 0 &&
	       strcmp(addr, "10.0.0.1") == 0, "address that just fits the buffer");
}

static void format_active(void)
{
	char buf[128];
	const uint8_t a[4] = { 10, 1, 2, 3 };
	int n;

	n = proto_format_port(buf, sizeof(buf), a, 1025);
	TAP_STR(buf, (size_t)n, "PORT 10,1,2,3,4,1\r\n", "PORT format");
	n = proto_format_eprt(buf, sizeof(buf), 2, "::1", 40000);
	TAP_STR(buf, (size_t)n, "EPRT |2|::1|40000|\r\n", "EPRT format");
	n = proto_format_port(buf, sizeof(buf), a, 65535);
	TAP_STR(buf, (size_t)n, "PORT 10,1,2,3,255,255\r\n", "PORT format, highest port");
	TAP_OK(proto_format_port(buf, 10, a, 1025) == -1, "PORT format: short buffer reported");
	TAP_OK(proto_format_eprt(buf, 10, 1, "10.1.2.3", 1025) == -1,
	       "EPRT format: short buffer reported");

	uint8_t b[4];
	uint16_t p;
	char addr[64];
	int proto;

	n = proto_format_port(buf, sizeof(buf), a, 40001);
	TAP_OK(n > 7 && proto_parse_port(buf + 5, (size_t)n - 7, b, &p) == 0 &&
	       memcmp(a, b, 4) == 0 && p == 40001, "PORT round trip");
	n = proto_format_eprt(buf, sizeof(buf), 1, "10.1.2.3", 1024);
	TAP_OK(n > 7 && proto_parse_eprt(buf + 5, (size_t)n - 7, &proto, addr, sizeof(addr),
					 &p) == 0 && proto == 1 &&
	       strcmp(addr, "10.1.2.3") == 0 && p == 1024, "EPRT round trip");
}

int main(void)
{
	parse_port();
	parse_eprt();
	format_active();
	commands();
	replies();
	parse227();
	parse229();
	format();
	{
		char l[] = "257 \"/\" is cwd.\r227 Entering (10,9,9,9,4,1)";

		TAP_OK(proto_reply_bare_cr(l, strlen(l)) == 1 &&
		       strchr(l, '\r') == NULL && l[15] == ' ',
		       "a bare CR in a reply becomes a space");
	}
	return tap_done();
}
