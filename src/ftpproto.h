/* ftpproto.h - pure FTP parsers and formatters: commands, reply lines,
 * 227/229 passive replies.  No I/O; every input has an explicit length. */
#ifndef FTPR_FTPPROTO_H
#define FTPR_FTPPROTO_H

#include <stddef.h>
#include <stdint.h>

enum proto_cmd {
	CMD_OTHER = 0,
	CMD_USER, CMD_PASS, CMD_ACCT, CMD_QUIT,
	CMD_PASV, CMD_EPSV, CMD_PORT, CMD_EPRT,
	CMD_RETR, CMD_STOR, CMD_STOU, CMD_APPE,
	CMD_LIST, CMD_NLST, CMD_MLSD, CMD_REST, CMD_ABOR, CMD_AUTH, CMD_REIN,
	CMD_PBSZ, CMD_PROT, CMD_CCC, CMD_FEAT,
	CMD_INVALID, /* not a command line at all, or PROXY: answer 500,
			never forward */
};

/* Split a control line into its verb and argument.  The verb is matched
 * case-insensitively; *arg points into line (after the single space that
 * separates it from the verb) and may be empty.  CMD_INVALID: the verb is
 * empty or not letters only, or a CR stands in the line, or the verb is
 * PROXY (a PROXY protocol header is read only from listed peers, before
 * the session: on the control channel it is never honoured). */
enum proto_cmd proto_command(const char *line, size_t len,
			     const char **arg, size_t *arglen);
/* Does this command open a data transfer? */
int proto_cmd_is_transfer(enum proto_cmd cmd);

/* Tracks where replies begin and end in a stream of reply lines
 * ("NNN text", or "NNN-text" ... "NNN text"). */
struct proto_reply {
	int code;      /* code of the reply in progress, 0 between replies */
	int multiline; /* inside a NNN- reply */
};

enum proto_line {
	PROTO_LINE_BAD = -1, /* no reply code where one must be */
	PROTO_LINE_MORE = 0, /* the reply goes on */
	PROTO_LINE_LAST = 1, /* this line ends the reply */
};

/* Feed one reply line (without CRLF).  On return r->code holds the code of
 * the reply this line belongs to. */
enum proto_line proto_reply_line(struct proto_reply *r, const char *line,
				 size_t len);

/* Find the six numbers of a 227 reply ("h1,h2,h3,h4,p1,p2"), with or
 * without parentheses, anywhere in the line.  Returns 0 and fills addr and
 * port, or -1 when there is no such well-formed group. */
/* SECURITY: a bare CR inside a reply line could make a client that splits
 * lines at CR see a line the origin never sent as one: turn each into a
 * space, in place.  Returns how many there were. */
size_t proto_reply_bare_cr(char *line, size_t len);

int proto_parse_227(const char *line, size_t len, uint8_t addr[4],
		    uint16_t *port);
/* Find the "(|||port|)" of a 229 reply (any delimiter in 33..126, RFC 2428;
 * parentheses optional).  Returns 0 and the port, or -1. */
int proto_parse_229(const char *line, size_t len, uint16_t *port);

/* PORT argument "h1,h2,h3,h4,p1,p2", nothing else.  Returns 0 or -1. */
int proto_parse_port(const char *arg, size_t len, uint8_t addr[4],
		     uint16_t *port);

/* EPRT argument "<d><proto><d><addr><d><port><d>" (RFC 2428; d is any of
 * 33..126).  On success: *proto is 1 (IPv4) or 2 (IPv6), addr holds the
 * address text (NUL-terminated), and 0 is returned.  An unknown protocol
 * number returns -2 (the caller answers 522); other errors -1.  The
 * address text is not validated here beyond its characters. */
int proto_parse_eprt(const char *arg, size_t len, int *proto, char *addr,
		     size_t addrcap, uint16_t *port);

/* Format the rewritten replies, CRLF included.  Return the length, or -1 if
 * cap is too small. */
int proto_format_227(char *buf, size_t cap, const uint8_t addr[4],
		     uint16_t port);
int proto_format_229(char *buf, size_t cap, uint16_t port);
/* Format the commands we send an origin in active mode, CRLF included. */
int proto_format_port(char *buf, size_t cap, const uint8_t addr[4],
		      uint16_t port);
int proto_format_eprt(char *buf, size_t cap, int proto, const char *addr,
		      uint16_t port);

#endif
