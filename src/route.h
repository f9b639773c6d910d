/* route.h - per-user routing: the route map (text and compiled cdb), the
 * "name@host[:port]" splitter and the --forward-to pattern match.  The
 * parsers are pure (explicit lengths, no I/O); the map is opened at
 * set-up and looked up after the lock-down without a system call. */
#ifndef FTPR_ROUTE_H
#define FTPR_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include <cdb.h>

#include "defs.h"
#include "net.h"

/* Where one user goes: origins in the order they are tried, and the name
 * the origin sees ("" keeps the client's).  An origin is an address
 * literal (origin[i], ready to connect) or a host name (named[i]: only
 * port[i] is set; resolver.c resolves host[i] when it is connected, after
 * the lock-down).  host[i] is the host as the route names it, either
 * way: the name, or the literal's text (no brackets). */
struct route {
	unsigned n;
	struct net_addr origin[FTPR_ROUTE_ORIGINS_MAX];
	char host[FTPR_ROUTE_ORIGINS_MAX][FTPR_HOST_MAX];
	uint16_t port[FTPR_ROUTE_ORIGINS_MAX];
	unsigned char named[FTPR_ROUTE_ORIGINS_MAX];
	char user[FTPR_ROUTE_NAME_MAX + 1];
};

enum route_result {
	ROUTE_FOUND = 0,
	ROUTE_NONE = 1,     /* no route: the client gets 331, then 530 */
	ROUTE_TEMPFAIL = 2, /* the source failed: 421, exit 111 */
};

enum route_kind {
	ROUTE_KEY_NAME,    /* NAME: the exact user name */
	ROUTE_KEY_DOMAIN,  /* *@DOMAIN */
	ROUTE_KEY_DEFAULT, /* * */
};

/* One parsed map line.  key is the database key ("=name", "@domain"
 * lowercased, "*"); value the canonical text of the route
 * ("1.2.3.4:21,[::1]:2121 user=bob"), which route_parse_value() reads
 * back. */
struct route_entry {
	enum route_kind kind;
	char key[FTPR_ROUTE_NAME_MAX + 2];
	size_t keylen;
	char value[FTPR_ROUTE_LINE_MAX];
	size_t valuelen;
	struct route r;
};

/* One map line (no newline).  1: an entry in e; 0: blank or comment;
 * -1: an error, described in err (without file and line). */
int route_parse_line(const char *line, size_t len, struct route_entry *e,
		     char *err, size_t errcap);
/* "ORIGIN[,ORIGIN...] [user=NEWNAME]": the fields after the name.  0 or
 * -1 with err.  ORIGIN is HOST[:PORT] or [IPv6][:PORT], HOST an address
 * literal or a host name (dns_valid_name(): checked, kept, never resolved
 * here). */
int route_parse_value(const char *v, size_t len, struct route *r, char *err,
		      size_t errcap);

/* "name@host[:port]", "name@[v6]:port": the LAST @ separates.  On 0,
 * *namelen is the length of the name part, host the host as written
 * (without brackets), port the port (21 when none), and hostport
 * "host:port" as the client wrote it with the port made explicit
 * ("[::1]:21" for a bracketed host).  -1: no @, an empty part, or a host
 * part that is not HOST[:PORT]. */
int route_split_user(const char *user, size_t len, size_t *namelen,
		     char *host, size_t hostcap, uint16_t *port,
		     char *hostport, size_t hpcap);
/* One origin, host (a literal or a host name) and port, as route r's
 * next origin.  0, or -1 (not an address nor a host name, or r full). */
int route_add_origin(struct route *r, const char *host, uint16_t port);
/* Does hostport match one of the comma-separated shell patterns
 * (fnmatch(3), case-insensitive)? */
int route_pattern_match(const char *patterns, const char *hostport);

/* A map opened at set-up: a compiled .cdb mapped from its file, or a
 * text map parsed into a cdb in memory (memfd). */
struct route_map {
	struct cdb cdb;
	int fd;
	int open;
};

/* Open path (".cdb": compiled; anything else: a text map, parsed and
 * checked whole).  0, or -1 with "file:line: why" in err. */
int route_map_open(struct route_map *m, const char *path, char *err,
		   size_t errcap);
/* Exact name, then the longest *@DOMAIN, then *.  No system call. */
enum route_result route_lookup(struct route_map *m, const char *user,
			       size_t len, struct route *out);
/* Check the text map and write it compiled to cdbpath through a
 * temporary file in the same directory, fsync and rename().  0, or -1
 * with err. */
int route_compile(const char *textpath, const char *cdbpath, char *err,
		  size_t errcap);

#endif
