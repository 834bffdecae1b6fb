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
#include <time.h>

#include "bench_query.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_query.h"

#define PACKET_MAX (12 + BENCH_QUESTION_MAX) /* header + question */

static const char USAGE[] =
    "Usage: dnsbl-query-replay --db DIR --queries FILE [--rounds N]\n"
    "\n"
    "Answer every query of FILE (dnsperf format: NAME TYPE per line, read as\n"
    "dnsbl-bench --queries reads it) through the answer path, dbl_query(), against\n"
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

/* The list read by dnsbl-bench's own reader (bench_query.h: the same
 * format, types and name syntax), each question behind a query header.
 * *out is malloc'd (caller frees). 0 or -1 (message printed). */
static int read_queries(const char *path, struct packet **out, size_t *count)
{
	struct bench_queries q;
	struct packet *v;
	char err[512];

	bench_queries_init(&q);
	if (bench_queries_load(&q, path, err, sizeof err) != 0) {
		fprintf(stderr, "dnsbl-query-replay: %s\n", err);
		bench_queries_free(&q);
		return -1;
	}
	if (!(v = calloc(q.n, sizeof *v))) {
		fprintf(stderr, "dnsbl-query-replay: %s: out of memory\n", path);
		bench_queries_free(&q);
		return -1;
	}
	for (size_t i = 0; i < q.n; i++) {
		v[i].b[0] = (uint8_t)(i >> 8); /* ID */
		v[i].b[1] = (uint8_t)i;
		v[i].b[2] = 0x01; /* RD, as resolvers send it */
		v[i].b[5] = 1;    /* QDCOUNT */
		memcpy(v[i].b + 12, q.wire + q.off[i], q.qlen[i]);
		v[i].len = 12u + q.qlen[i];
	}
	*out = v;
	*count = q.n;
	bench_queries_free(&q);
	return 0;
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
