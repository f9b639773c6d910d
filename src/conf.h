/* conf.h - ftprelay's settings: command line and config file. */
#ifndef FTPR_CONF_H
#define FTPR_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "defs.h"
#include "net.h"

/* Who opens the origin's data connection. */
enum origin_data_mode {
	ORIGIN_DATA_PASSIVE = 0, /* we connect to the origin (EPSV/PASV) */
	ORIGIN_DATA_ACTIVE,      /* the origin connects to us (EPRT/PORT) */
	ORIGIN_DATA_CLIENT,      /* whatever the client asked for */
};

/* TLS on the client leg (ftps.c). */
enum client_tls {
	CLIENT_TLS_OFF = 0, /* AUTH gets 534 */
	CLIENT_TLS_OPTIONAL,
	CLIENT_TLS_REQUIRED, /* no login, no transfer without TLS */
	CLIENT_TLS_IMPLICIT, /* TLS from the first byte (port 990) */
};

/* TLS on the origin leg. */
enum origin_tls {
	ORIGIN_TLS_OFF = 0,
	ORIGIN_TLS_EXPLICIT, /* AUTH TLS after the greeting */
	ORIGIN_TLS_IMPLICIT,
};

struct conf {
	char origin_host[FTPR_HOST_MAX];  /* the first of --origin A,B,... */
	uint16_t origin_port;
	char origin_list[FTPR_ROUTE_OPT_MAX]; /* --origin as given */
	unsigned origin_n;                /* origins in it */
	int has_pasv_address;
	struct net_addr pasv_address;
	uint16_t pasv_lo, pasv_hi; /* 0-0: the kernel chooses; both sides */
	enum origin_data_mode origin_data_mode;
	int idle_timeout;
	int data_timeout;
	int connect_timeout;
	char config_file[FTPR_CONF_LINE_MAX];
	char user[FTPR_HOST_MAX];  /* drop to this user when started as root */
	char xferlog[FTPR_CONF_LINE_MAX]; /* transfer log file; "" for none */
	enum client_tls client_tls;
	char tls_cert[FTPR_CONF_LINE_MAX]; /* PEM: certificate (and chain) */
	char tls_key[FTPR_CONF_LINE_MAX];  /* PEM key; "": in tls_cert */
	int client_tls_reuse;      /* data connections resume the control's */
	enum origin_tls origin_tls;
	char origin_tls_ca[FTPR_CONF_LINE_MAX]; /* "": the system store */
	char origin_tls_name[FTPR_HOST_MAX];    /* "": origin_host */
	int origin_tls_verify;
	char tls_module[FTPR_CONF_LINE_MAX];    /* ftprelay-tls.so */
	int no_sandbox;            /* debugging only */
	int check_config;          /* --check-config: check, summarise, exit */
	/* Per-user routing (route.c, login.c): on when any source is set. */
	char route_map[FTPR_ROUTE_OPT_MAX];
	char forward_to[FTPR_ROUTE_OPT_MAX];
	char route_url[FTPR_ROUTE_OPT_MAX];
	char route_url_ca[FTPR_CONF_LINE_MAX];  /* "": the system store */
	char url_module[FTPR_CONF_LINE_MAX];    /* ftprelay-url.so */
	char welcome[256];
	int routing;
	/* Peers whose connections begin with a PROXY protocol header. */
	struct cidr pp_from[FTPR_PP_FROM_MAX];
	int pp_from_n;
	int origin_pp;             /* header towards the origin: 0 off, 1, 2 */
	unsigned set; /* bit per option given on the command line */
	unsigned line[32]; /* config file line that set each option, or 0 */
};

enum conf_result {
	CONF_OK = 0,
	CONF_EXIT = 1,   /* --help or --version was printed */
	CONF_ERROR = -1, /* message in the error buffer */
};

void cfg_defaults(struct conf *c);
/* Set one option by its long name (no dashes).  Pure: no I/O. */
enum conf_result cfg_set(struct conf *c, const char *key, const char *value,
			 char *err, size_t errcap);
/* Split one config file line into key and value, in place.  Returns 1 for
 * a setting, 0 for a blank or comment line, -1 for a malformed line. */
int cfg_split_line(char *line, char **key, char **value);
/* Parse "host", "host:port", "[v6]" or "[v6]:port".  Pure. */
int cfg_parse_hostport(const char *s, char *host, size_t hostcap,
		       uint16_t *port);
/* Parse "LOW-HIGH".  Pure. */
int cfg_parse_range(const char *s, uint16_t *lo, uint16_t *hi);
/* Command line, then the config file for what the command line left
 * unset, then the final checks. */
enum conf_result cfg_load(struct conf *c, int argc, char **argv, char *err,
			  size_t errcap);
/* The config file line that set option key, or 0 (the command line, the
 * default). */
unsigned cfg_line_of(const struct conf *c, const char *key);
/* "host:port", "[v6]:port": the origin as configured (not resolved). */
const char *cfg_origin_str(const struct conf *c, char *buf, size_t cap);
/* Read a config file; options already in c->set are kept. */
enum conf_result cfg_read_file(struct conf *c, const char *path, char *err,
			       size_t errcap);

#endif
