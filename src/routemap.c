/* routemap.c - per-user routing: the route map files.  A text map is
 * checked whole and compiled into a memfd; a compiled .cdb is mapped as
 * it is; --compile-routes writes one (route.c parses the lines). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "route.h"

static char route_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- the map ----------------------------------------------------------- */

/* Duplicate names at 1,000,000 lines: tinycdb's own check scans its
 * record list, so a hash set of our own finds candidates, and
 * cdb_make_exists() confirms them. */
struct route_seen {
	uint64_t *h;
	unsigned *line;
	size_t cap, n;
};

static uint64_t route_hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h | 1; /* 0 marks a free slot */
}

static int route_seen_grow(struct route_seen *s)
{
	struct route_seen g = { NULL, NULL, s->cap ? s->cap * 2 : 1024, s->n };

	g.h = calloc(g.cap, sizeof(*g.h));
	g.line = calloc(g.cap, sizeof(*g.line));
	if (g.h == NULL || g.line == NULL) {
		free(g.h);
		free(g.line);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->h[i] == 0)
			continue;
		for (j = s->h[i] & (g.cap - 1); g.h[j] != 0; j = (j + 1) & (g.cap - 1))
			;
		g.h[j] = s->h[i];
		g.line[j] = s->line[i];
	}
	free(s->h);
	free(s->line);
	*s = g;
	return 0;
}

/* The line of an earlier key with the same hash, or 0 (and remembered). */
static long route_seen_add(struct route_seen *s, uint64_t h, unsigned line)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap && route_seen_grow(s) < 0)
		return -1;
	for (j = h & (s->cap - 1); s->h[j] != 0; j = (j + 1) & (s->cap - 1))
		if (s->h[j] == h)
			return s->line[j];
	s->h[j] = h;
	s->line[j] = line;
	s->n++;
	return 0;
}

/* Parse the text map at path into a cdb written to fd. */
static int route_build(const char *path, int fd, char *err, size_t errcap)
{
	struct route_seen seen = { NULL, NULL, 0, 0 };
	struct cdb_make cm;
	static struct route_entry e;
	char line[FTPR_ROUTE_LINE_MAX + 1], why[256];
	unsigned lineno = 0;
	int rc = -1;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		snprintf(err, errcap, "route map %s: %s", path, strerror(errno));
		return -1;
	}
	if (cdb_make_start(&cm, fd) < 0) {
		snprintf(err, errcap, "route map %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line);
		long first;
		int r;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		else if (!feof(f)) {
			snprintf(err, errcap, "%s:%u: line too long (limit %d bytes)",
				 path, lineno, FTPR_ROUTE_LINE_MAX - 1);
			goto out;
		}
		r = route_parse_line(line, n, &e, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errcap, "%s:%u: %s", path, lineno, why);
			goto out;
		}
		if (r == 0)
			continue;
		first = route_seen_add(&seen, route_hash(e.key, e.keylen), lineno);
		if (first < 0) {
			snprintf(err, errcap, "%s: out of memory", path);
			goto out;
		}
		if (first > 0 && cdb_make_exists(&cm, e.key, (unsigned)e.keylen) != 0) {
			snprintf(err, errcap, "%s:%u: duplicate name '%.80s' (first on "
				 "line %ld)", path, lineno,
				 e.kind == ROUTE_KEY_DEFAULT ? "*" : e.key + 1, first);
			goto out;
		}
		if (cdb_make_add(&cm, e.key, (unsigned)e.keylen, e.value,
				 (unsigned)e.valuelen) < 0) {
			snprintf(err, errcap, "%s: writing the database: %s", path,
				 strerror(errno));
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errcap, "route map %s: read error", path);
		goto out;
	}
	if (cdb_make_finish(&cm) < 0) {
		snprintf(err, errcap, "%s: writing the database: %s", path,
			 strerror(errno));
		goto out_nofree;
	}
	rc = 0;
	goto out_nofree;
out:
	(void)cdb_make_finish(&cm); /* frees; the output is discarded */
out_nofree:
	free(seen.h);
	free(seen.line);
	fclose(f);
	return rc;
}

static int route_is_cdb(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && strcmp(path + n - 4, ".cdb") == 0;
}

int route_map_open(struct route_map *m, const char *path, char *err,
		   size_t errcap)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (route_is_cdb(path)) {
		m->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0) {
			snprintf(err, errcap, "route map %s: %s", path, strerror(errno));
			return -1;
		}
	} else {
		/* A text map: checked whole, then compiled into memory. */
		m->fd = memfd_create("ftprelay-routes", MFD_CLOEXEC);
		if (m->fd < 0) {
			snprintf(err, errcap, "route map %s: memfd: %s", path,
				 strerror(errno));
			return -1;
		}
		if (route_build(path, m->fd, err, errcap) < 0) {
			close(m->fd);
			m->fd = -1;
			return -1;
		}
	}
	if (cdb_init(&m->cdb, m->fd) < 0) {
		/* An empty or short file is EPROTO; a mapping over the
		 * address space limit (xinetd's rlimit_as) ENOMEM. */
		snprintf(err, errcap, "route map %s: %s", path, errno == EPROTO ?
			 "not a constant database" : strerror(errno));
		close(m->fd);
		m->fd = -1;
		return -1;
	}
	/* The mapping stays; the descriptor is not needed after it. */
	close(m->fd);
	m->fd = -1;
	m->open = 1;
	return 0;
}

/* 1 and the route for key, 0 when absent, -1 for a damaged value. */
static int route_get(struct route_map *m, const char *key, size_t keylen,
		     struct route *out)
{
	char why[128];
	const char *v;
	unsigned vlen;

	if (cdb_find(&m->cdb, key, (unsigned)keylen) <= 0)
		return 0;
	vlen = cdb_datalen(&m->cdb);
	v = cdb_get(&m->cdb, vlen, cdb_datapos(&m->cdb));
	if (v == NULL || route_parse_value(v, vlen, out, why, sizeof(why)) < 0)
		return -1;
	return 1;
}

enum route_result route_lookup(struct route_map *m, const char *user,
			       size_t len, struct route *out)
{
	char key[FTPR_ROUTE_NAME_MAX + 2];
	const char *at = NULL;
	int r;

	if (!m->open)
		return ROUTE_NONE;
	if (len <= FTPR_ROUTE_NAME_MAX) {
		key[0] = '=';
		memcpy(key + 1, user, len);
		r = route_get(m, key, len + 1, out);
		if (r != 0)
			return r > 0 ? ROUTE_FOUND : ROUTE_TEMPFAIL;
	}
	for (size_t i = 0; i < len; i++)
		if (user[i] == '@')
			at = user + i;
	if (at != NULL && (size_t)(user + len - at - 1) <= FTPR_ROUTE_NAME_MAX) {
		size_t dlen = (size_t)(user + len - at - 1), off = 0;
		char dom[FTPR_ROUTE_NAME_MAX];

		for (size_t i = 0; i < dlen; i++)
			dom[i] = route_lower(at[1 + i]);
		/* The whole domain, then without its first label, ... */
		while (off < dlen) {
			const char *dot;

			key[0] = '@';
			memcpy(key + 1, dom + off, dlen - off);
			r = route_get(m, key, dlen - off + 1, out);
			if (r != 0)
				return r > 0 ? ROUTE_FOUND : ROUTE_TEMPFAIL;
			dot = memchr(dom + off, '.', dlen - off);
			if (dot == NULL)
				break;
			off = (size_t)(dot - dom) + 1;
		}
	}
	r = route_get(m, "*", 1, out);
	if (r != 0)
		return r > 0 ? ROUTE_FOUND : ROUTE_TEMPFAIL;
	return ROUTE_NONE;
}

int route_compile(const char *textpath, const char *cdbpath, char *err,
		  size_t errcap)
{
	char tmp[FTPR_ROUTE_OPT_MAX + 32];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", cdbpath) >= (int)sizeof(tmp)) {
		snprintf(err, errcap, "%s: name too long", cdbpath);
		return -1;
	}
	/* The temporary file is in the same directory, so rename() replaces
	 * the map in one step: a session opens the old or the new one. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (route_build(textpath, fd, err, errcap) < 0)
		goto fail;
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, cdbpath) < 0) {
		snprintf(err, errcap, "rename %s to %s: %s", tmp, cdbpath,
			 strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
