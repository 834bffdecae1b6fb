/* dbl_conf.c - configuration file reader: lines to "--key=value" arguments,
 * and the registry of keys (see dbl_conf.h and man/dnsbl.conf.5). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbl_conf.h"

/* The registry: every long option of every program, with the programs that
 * take it. A program reads its own keys from its getopt table, so an option
 * missing here still works in the file for that program; the registry is
 * what lets the other programs skip the key and what marks repeatable and
 * path keys. tests/integration/test_config.py fails when a program's --help
 * names an option that is missing here. */
#define D DBL_PROG_DNSBLD
#define L DBL_PROG_LOAD
#define B DBL_PROG_BENCH
#define C DBL_PROG_CHECK

const struct dbl_conf_key dbl_conf_keys[] = {
    /* command line only */
    {"config", D | L | C, DBL_KEY_CLI_ONLY},
    {"check", D | L, DBL_KEY_CLI_ONLY},
    {"help", D | L | B | C, DBL_KEY_CLI_ONLY},
    {"version", D | L | B | C, DBL_KEY_CLI_ONLY},
    /* shared */
    {"db", D | L | C, DBL_KEY_PATH},
    {"log", D | L, 0},
    {"syslog", D | L, 0},
    /* dnsbld */
    {"listen", D, DBL_KEY_REPEAT},
    {"ttl", D, 0},
    {"ns-in-auth", D, 0},
    {"hide-version", D, 0},
    {"edns-payload", D, 0},
    {"tcp-idle", D, 0},
    {"tcp-max", D, 0},
    {"threads", D | B, 0},
    {"udp-io", D, 0},
    {"verbose", D, 0},
    {"debug", D, 0},
    {"user", D, 0},
    {"pidfile", D, DBL_KEY_PATH},
    {"rrl", D, 0},
    {"rrl-slip", D, 0},
    {"rrl-loopback", D, 0},
    {"metrics", D, 0},
    {"metrics-allow-remote", D, 0},
    {"query-log", D, DBL_KEY_PATH},
    /* dnsbl-load */
    {"zone", L | B, DBL_KEY_REPEAT | DBL_KEY_ZONESPEC},
    {"accept-host-bits", L, 0},
    {"max-warnings", L, 0},
    {"keep", L, 0},
    {"mapsize", L, 0},
    {"dry-run", L, 0},
    {"max-shrink", L, 0},
    {"force", L, 0},
    {"rebuild", L, 0},
    {"sync", L, DBL_KEY_REPEAT},
    {"staging", L, DBL_KEY_PATH},
    {"sync-timeout", L, 0},
    {"quiet", L, 0},
    /* dnsbl-bench (no --config: its --zone is a query-generator option,
     * and its target is chosen per run) */
    {"server", B | C, 0},
    {"allow-remote", B, 0},
    {"rate", B, 0},
    {"outstanding", B, 0},
    {"duration", B, 0},
    {"timeout", B | C, 0},
    {"batch", B, 0},
    {"queries", B, 0},
    {"from-zones", B, 0},
    {"count", B, 0},
    {"listed-share", B, 0},
    {"ipv6-share", B, 0},
    {"domain-share", B, 0},
    {"txt-share", B, 0},
    {"seed", B, 0},
    {"write-queries", B, 0},
    {"json", B | C, 0},
    {"progress", B, 0},
    {"no-progress", B, 0},
    /* dnsbl-check (the shared keys above: config, db, server, timeout,
     * json, help, version) */
    {"tries", C, 0},
    {"no-txt", C, 0},
    {NULL, 0, 0},
};

const struct dbl_conf_key *dbl_conf_key_find(const char *name)
{
	for (const struct dbl_conf_key *k = dbl_conf_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

#undef D
#undef L
#undef B
#undef C

#define TOKENS_MAX 64 /* values on one line: far more than any key needs */

struct seen {
	char *name;
	char *where;
};

/* Reader state for one dbl_conf_merge() call. */
struct reader {
	struct dbl_conf *c;
	const char *prog_name;
	unsigned prog;
	const struct option *longopts;
	const bool *on_cli; /* per longopts index: given on the command line */
	int cap;            /* allocated slots of c->argv / c->where */
	struct seen *seen;  /* single-valued keys seen so far, for duplicates */
	size_t nseen;
	unsigned nfiles; /* files opened so far (includes bound the total too) */
};

static int fail(const struct reader *r, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct reader *r, const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", r->prog_name, where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Append one argument (taking ownership of arg and where). */
static int push(struct reader *r, char *arg, char *where)
{
	struct dbl_conf *c = r->c;

	if (!arg)
		return -1;
	if (c->argc + 2 > r->cap) {
		int cap = r->cap ? r->cap * 2 : 32;
		char **a = realloc(c->argv, (size_t)cap * sizeof *a);
		if (!a)
			return -1;
		c->argv = a;
		char **w = realloc(c->where, (size_t)cap * sizeof *w);
		if (!w)
			return -1;
		c->where = w;
		r->cap = cap;
	}
	c->argv[c->argc] = arg;
	c->where[c->argc] = where;
	c->argc++;
	c->argv[c->argc] = NULL;
	c->where[c->argc] = NULL;
	return 0;
}

/* dir/path for a relative path; a copy of path otherwise. */
static char *resolve(const char *dir, const char *path, size_t len)
{
	char *out;

	if (path[0] == '/' || !dir[0]) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, path, len);
			out[len] = 0;
		}
		return out;
	}
	if (asprintf(&out, "%s/%.*s", dir, (int)len, path) < 0)
		return NULL;
	return out;
}

/* zone:type:file[,file...] with every file resolved against dir. */
static char *resolve_zonespec(const char *dir, const char *spec)
{
	const char *c1 = strchr(spec, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	size_t cap = strlen(spec) + 1, len;
	char *out;

	if (!c2)
		return strdup(spec); /* the program's parser names the error */
	for (const char *p = c2; p; p = strpbrk(p + 1, ",:"))
		cap += strlen(dir) + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	len = (size_t)(c2 + 1 - spec);
	memcpy(out, spec, len);
	for (const char *f = c2 + 1;;) {
		const char *end = strpbrk(f, ",:"); /* rbldnsd splits on both */
		size_t flen = end ? (size_t)(end - f) : strlen(f);
		if (f[0] != '/' && dir[0] && flen > 0)
			len += (size_t)sprintf(out + len, "%s/", dir);
		memcpy(out + len, f, flen);
		len += flen;
		if (!end)
			break;
		out[len++] = *end;
		f = end + 1;
	}
	out[len] = 0;
	return out;
}

static int find_opt(const struct option *longopts, const char *name)
{
	for (int i = 0; longopts[i].name; i++)
		if (strcmp(longopts[i].name, name) == 0)
			return i;
	return -1;
}

/* A single-valued key twice is an error wherever it belongs: a typo'd
 * duplicate would otherwise silently win or lose. */
static int check_duplicate(struct reader *r, const char *key, const char *where)
{
	for (size_t i = 0; i < r->nseen; i++)
		if (strcmp(r->seen[i].name, key) == 0)
			return fail(r, where,
			            "duplicate key '%s' (already set at %s); only repeatable keys "
			            "(listen, zone, sync, include) may appear twice",
			            key, r->seen[i].where);
	struct seen *s = realloc(r->seen, (r->nseen + 1) * sizeof *s);
	if (!s)
		return fail(r, where, "out of memory");
	r->seen = s;
	s[r->nseen].name = strdup(key);
	s[r->nseen].where = strdup(where);
	if (!s[r->nseen].name || !s[r->nseen].where) {
		free(s[r->nseen].name);
		free(s[r->nseen].where);
		return fail(r, where, "out of memory");
	}
	r->nseen++;
	return 0;
}

static int parse_bool(const char *v)
{
	static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int read_file(struct reader *r, const char *path, int depth, const char *from);

/* One "key value..." line. */
static int do_line(struct reader *r, const char *dir, const char *where, char **tok, int ntok,
                   int depth)
{
	const char *key = tok[0];
	const struct dbl_conf_key *k = dbl_conf_key_find(key);
	int oi = find_opt(r->longopts, key), nval = ntok - 1;
	bool repeat = k && (k->flags & DBL_KEY_REPEAT);

	if (strcmp(key, "include") == 0) {
		if (nval != 1)
			return fail(r, where, "expected 'include FILE' (one file name)");
		char *p = resolve(dir, tok[1], strlen(tok[1]));
		if (!p)
			return fail(r, where, "out of memory");
		int rc = read_file(r, p, depth + 1, where);
		free(p);
		return rc;
	}
	if (oi < 0 && !k)
		return fail(r, where,
		            "unknown key '%s' (expected a long option of dnsbld or dnsbl-load, "
		            "see dnsbl.conf(5))",
		            key);
	if (k && (k->flags & DBL_KEY_CLI_ONLY))
		return fail(r, where, "'%s' is a command-line option, not a configuration key",
		            key);
	if (!repeat && check_duplicate(r, key, where))
		return -1;
	if (oi < 0 && !(k->progs & r->prog))
		return 0; /* another program's key */
	if (oi < 0)
		return fail(r, where, "key '%s' is not supported by this version of %s", key,
		            r->prog_name);
	if (r->longopts[oi].has_arg == no_argument) {
		int on = nval == 0 ? 1 : nval == 1 ? parse_bool(tok[1]) : -1;
		if (on < 0)
			return fail(r, where, "expected '%s' alone or '%s yes|no'", key, key);
		if (!on || r->on_cli[oi])
			return 0;
		char *arg, *w = strdup(where);
		if (asprintf(&arg, "--%s", key) < 0 || !w) {
			free(w);
			return fail(r, where, "out of memory");
		}
		r->c->nfile++;
		return push(r, arg, w) ? fail(r, where, "out of memory") : 0;
	}
	if (nval == 0)
		return fail(r, where, "missing value: expected '%s VALUE'", key);
	if (nval > 1 && !repeat)
		return fail(r, where, "expected one value for '%s', found %d", key, nval);
	if (r->on_cli[oi])
		return 0; /* the command line replaces the file's lines of this key */
	for (int i = 1; i < ntok; i++) {
		char *v, *arg, *w = strdup(where);
		if (k && (k->flags & DBL_KEY_ZONESPEC))
			v = resolve_zonespec(dir, tok[i]);
		else if (k && (k->flags & DBL_KEY_PATH))
			v = resolve(dir, tok[i], strlen(tok[i]));
		else
			v = strdup(tok[i]);
		if (!v || !w || asprintf(&arg, "--%s=%s", key, v) < 0) {
			free(v);
			free(w);
			return fail(r, where, "out of memory");
		}
		free(v);
		r->c->nfile++;
		if (push(r, arg, w))
			return fail(r, where, "out of memory");
	}
	return 0;
}

static int read_file(struct reader *r, const char *path, int depth, const char *from)
{
	char line[DBL_CONF_LINE_MAX + 2], where[4200], *dir, *slash;
	unsigned lineno = 0;
	int rc = 0;
	FILE *f;

	if (depth > DBL_CONF_INCLUDE_MAX)
		return fail(r, from, "include nested deeper than %d files", DBL_CONF_INCLUDE_MAX);
	/* Without a total, a file including itself on many lines would be
	 * read lines^depth times. */
	if (++r->nfiles > DBL_CONF_FILES_MAX)
		return fail(r, from, "more than %d files included in all", DBL_CONF_FILES_MAX);
	f = fopen(path, "re");
	if (!f)
		return from ? fail(r, from, "include %s: cannot open: %s", path, strerror(errno))
		            : fail(r, path, "cannot open config file: %s", strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		return from ? fail(r, from, "include %s: not a regular file", path)
		            : fail(r, path, "config file is not a regular file");
	}
	dir = strdup(path);
	if (!dir) {
		fclose(f);
		return fail(r, path, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = 0;
	else
		dir[0] = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char *tok[TOKENS_MAX], *save = NULL;
		int ntok = 0;
		size_t len = strlen(line);

		lineno++;
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		if (len > DBL_CONF_LINE_MAX && line[len - 1] != '\n') {
			rc = fail(r, where, "line longer than %d bytes", DBL_CONF_LINE_MAX);
			break;
		}
		for (char *t = strtok_r(line, " \t\r\n", &save); t;
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			if (t[0] == '#')
				break; /* comment to the end of the line */
			if (ntok == TOKENS_MAX) {
				rc = fail(r, where, "more than %d values on one line",
				          TOKENS_MAX - 1);
				break;
			}
			tok[ntok++] = t;
		}
		if (rc == 0 && ntok > 0)
			rc = do_line(r, dir, where, tok, ntok, depth);
	}
	if (rc == 0 && ferror(f))
		rc = fail(r, path, "read error: %s", strerror(errno));
	fclose(f);
	free(dir);
	return rc;
}

/* Which options the command line gives, and its --config FILE. Runs
 * getopt_long over a scratch copy (it permutes argv) without messages:
 * the real parse reports bad options. */
static int scan_cli(struct dbl_conf *c, const struct option *longopts, const char *shortopts,
                    int argc, char **argv, bool *on_cli)
{
	char **tmp = malloc(((size_t)argc + 1) * sizeof *tmp);
	int cfg = find_opt(longopts, "config"), opt, li, saved_opterr = opterr;

	if (!tmp)
		return -1;
	memcpy(tmp, argv, ((size_t)argc + 1) * sizeof *tmp);
	opterr = 0;
	optind = 0; /* glibc: full re-initialisation */
	for (;;) {
		li = -1;
		opt = getopt_long(argc, tmp, shortopts, longopts, &li);
		if (opt == -1)
			break;
		if (li < 0 && opt != '?' && opt != ':')
			for (int i = 0; longopts[i].name && li < 0; i++)
				if (longopts[i].val == opt && !longopts[i].flag)
					li = i;
		if (li < 0)
			continue;
		on_cli[li] = true;
		if (li == cfg && optarg)
			c->file = optarg;
	}
	c->zones_from_cli = argc - optind;
	optind = 0;
	opterr = saved_opterr;
	free(tmp);
	return 0;
}

int dbl_conf_merge(struct dbl_conf *c, const char *prog_name, unsigned prog,
                   const struct option *longopts, const char *shortopts, int argc, char **argv)
{
	struct reader r = {.c = c, .prog_name = prog_name, .prog = prog, .longopts = longopts};
	int nopts = 0, rc = 0, zone = find_opt(longopts, "zone");
	bool *on_cli;

	memset(c, 0, sizeof *c);
	while (longopts[nopts].name)
		nopts++;
	on_cli = calloc((size_t)nopts + 1, sizeof *on_cli);
	if (!on_cli || scan_cli(c, longopts, shortopts, argc, argv, on_cli) ||
	    push(&r, argv[0], NULL)) {
		free(on_cli);
		fprintf(stderr, "%s: out of memory\n", prog_name);
		return -1;
	}
	/* Zone specs on the command line replace the file's zone lines. */
	if (zone >= 0 && c->zones_from_cli > 0)
		on_cli[zone] = true;
	r.on_cli = on_cli;
	if (c->file)
		rc = read_file(&r, c->file, 0, NULL);
	for (int i = 1; rc == 0 && i < argc; i++)
		if (push(&r, argv[i], NULL))
			rc = fail(&r, "command line", "out of memory");
	for (size_t i = 0; i < r.nseen; i++) {
		free(r.seen[i].name);
		free(r.seen[i].where);
	}
	free(r.seen);
	free(on_cli);
	return rc;
}

void dbl_conf_free(struct dbl_conf *c)
{
	for (unsigned i = 1; c->argv && i <= c->nfile; i++) {
		free(c->argv[i]);
		free(c->where[i]);
	}
	free(c->argv);
	free(c->where);
	memset(c, 0, sizeof *c);
}

const char *dbl_conf_where(const struct dbl_conf *c, int argi)
{
	if (argi < 1 || (unsigned)argi > c->nfile)
		return NULL;
	return c->where[argi];
}

void dbl_conf_bad_value(const struct dbl_conf *c, const char *prog_name, int argi, const char *key,
                        const char *arg, const char *why)
{
	const char *w = dbl_conf_where(c, argi);

	if (w)
		fprintf(stderr, "%s: %s: invalid value '%s' for %s: %s\n", prog_name, w, arg, key,
		        why);
	else
		fprintf(stderr, "%s: invalid argument '%s' for --%s: %s\n", prog_name, arg, key,
		        why);
}
