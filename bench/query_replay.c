/* query_replay.c - dnsbl-query-replay: the answer path alone. Every query
 * of a dnsperf-format file ("NAME TYPE" per line, as dnsbl-bench
 * --write-queries writes them) goes through dbl_query() against one
 * database generation, in one thread, with no sockets.
 *
 * Why: dnsbld's CPU per query at a fixed rate (issue 4, target 1) moves
 * with the host by more than a change to the answer path does. Under
 * `valgrind --tool=callgrind --toggle-collect=dbl_query` this tool gives
 * the instructions the answer path spends on the list, which repeat
 * exactly; its FNV-1a hash of every response shows that a change left the
 * answers byte for byte as they were. Not installed: a development tool.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_query.h"

#define QUERIES_MAX 10000000 /* a cap on what the file may make us hold */
#define PACKET_MAX  300      /* 12 header + 255 name + 4; the rest unused */

static const char USAGE[] =
    "Usage: dnsbl-query-replay --db DIR --queries FILE [--rounds N]\n"
    "\n"
    "Answer every query of FILE (dnsperf format: NAME TYPE per line; types A,\n"
    "TXT, AAAA, NS, SOA, ANY) through the answer path, dbl_query(), against\n"
    "the generation DIR/current points to, in this thread, without sockets.\n"
    "Prints the queries, the nanoseconds per query (wall time, all rounds),\n"
    "the response bytes and an FNV-1a hash of the first round's responses.\n"
    "\n"
    "  -d, --db DIR        database directory (as dnsbld --db)\n"
    "  -q, --queries FILE  query list (dnsbl-bench --write-queries)\n"
    "  -r, --rounds N      times the list is replayed (default 1)\n"
    "  -h, --help          this text\n"
    "\n"
    "Instructions per query, exactly repeatable:\n"
    "  valgrind --tool=callgrind --toggle-collect=dbl_query \\\n"
    "      dnsbl-query-replay --db DIR --queries FILE\n";

struct packet {
	uint8_t b[PACKET_MAX];
	size_t len;
};

static int qtype_of(const char *t)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {{"A", 1}, {"NS", 2}, {"SOA", 6}, {"TXT", 16}, {"AAAA", 28}, {"ANY", 255}};

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(t, types[i].name) == 0)
			return types[i].type;
	return -1;
}

/* A query for name (dotted text, no escapes) into p; 0 or -1 when a label
 * is empty or over 63 bytes or the name over 255. */
static int encode(struct packet *p, const char *name, int qtype, uint16_t id)
{
	size_t n = 12;
	const char *s = name;

	memset(p->b, 0, 12);
	p->b[0] = (uint8_t)(id >> 8);
	p->b[1] = (uint8_t)id;
	p->b[2] = 0x01; /* RD, as resolvers send it */
	p->b[5] = 1;    /* QDCOUNT */
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || n + 1 + l + 1 > 12 + 255)
			return -1;
		p->b[n++] = (uint8_t)l;
		memcpy(p->b + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	p->b[n++] = 0;
	p->b[n++] = (uint8_t)(qtype >> 8);
	p->b[n++] = (uint8_t)qtype;
	p->b[n++] = 0;
	p->b[n++] = 1; /* class IN */
	p->len = n;
	return 0;
}

/* Read the list; *out is malloc'd (caller frees). 0 or -1 (message printed). */
static int read_queries(const char *path, struct packet **out, size_t *count)
{
	FILE *f = fopen(path, "r");
	struct packet *v = NULL;
	size_t n = 0, cap = 0, lineno = 0;
	char line[1024], name[512], type[32];

	if (!f) {
		fprintf(stderr, "dnsbl-query-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		int qt;
		lineno++;
		if (line[0] == '#' || sscanf(line, "%511s %31s", name, type) != 2)
			continue;
		qt = qtype_of(type);
		if (n == cap) {
			struct packet *nv;
			cap = cap ? cap * 2 : 4096;
			if (cap > QUERIES_MAX || !(nv = realloc(v, cap * sizeof *nv))) {
				fprintf(stderr,
				        "dnsbl-query-replay: %s: more than %d queries or out of "
				        "memory\n",
				        path, QUERIES_MAX);
				goto fail;
			}
			v = nv;
		}
		if (qt < 0 || encode(&v[n], name, qt, (uint16_t)n) != 0) {
			fprintf(stderr,
			        "dnsbl-query-replay: %s:%zu: not a query this tool sends: %s", path,
			        lineno, line);
			goto fail;
		}
		n++;
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "dnsbl-query-replay: %s: no queries\n", path);
		free(v);
		return -1;
	}
	*out = v;
	*count = n;
	return 0;
fail:
	fclose(f);
	free(v);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"queries", required_argument, NULL, 'q'},
	                                     {"rounds", required_argument, NULL, 'r'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *qpath = NULL;
	long rounds = 1;
	struct dbl_query_opts o = {.default_ttl = 2100, .version = "dnsbld", .edns_payload = 1232};
	struct dbl_query_env env = {.now = time(NULL)};
	struct dbl_db *db = NULL;
	struct dbl_rtxn r;
	struct packet *qs = NULL;
	size_t nq = 0;
	uint64_t hash = 1469598103934665603ull, bytes = 0;
	uint8_t resp[1232];
	struct timespec t0, t1;
	char path[4096], *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:q:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'q':
			qpath = optarg;
			break;
		case 'r':
			errno = 0;
			rounds = strtol(optarg, &end, 10);
			if (errno || *end || rounds < 1 || rounds > 1000000) {
				fprintf(stderr,
				        "dnsbl-query-replay: --rounds: 1 to 1000000, not %s\n",
				        optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(USAGE, stdout);
			return 0;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (!dir || !qpath || optind != argc) {
		fputs(USAGE, stderr);
		return 2;
	}
	if ((rc = dbl_db_current(dir, path, sizeof path)) != 0 ||
	    (rc = dbl_db_open_file_flags(&db, path, DBL_DB_RESIDENT)) != 0) {
		fprintf(stderr, "dnsbl-query-replay: %s: %s\n", dir, dbl_strerror(rc));
		return 1;
	}
	if ((rc = dbl_rtxn_begin(&r, db)) != 0) {
		fprintf(stderr, "dnsbl-query-replay: %s: %s\n", path, dbl_strerror(rc));
		dbl_db_close(db);
		return 1;
	}
	if (read_queries(qpath, &qs, &nq) != 0) {
		dbl_rtxn_end(&r);
		dbl_db_close(db);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long k = 0; k < rounds; k++)
		for (size_t i = 0; i < nq; i++) {
			int n =
			    dbl_query(&r, &o, &env, qs[i].b, qs[i].len, resp, sizeof resp, NULL);
			if (n <= 0)
				continue; /* dropped: nothing to hash */
			bytes += (uint64_t)n;
			for (int j = 0; k == 0 && j < n; j++)
				hash = (hash ^ resp[j]) * 1099511628211ull;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu queries x %ld rounds: %.0f ns/query, %llu response bytes, hash %016llx\n", nq,
	       rounds,
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
	           ((double)nq * (double)rounds),
	       (unsigned long long)bytes, (unsigned long long)hash);
	free(qs);
	dbl_rtxn_end(&r);
	dbl_db_close(db);
	return 0;
}
