/* bench_opts.h - dnsbl-bench command line.
 *
 * bench_opts_parse fills a struct bench_opts from argv and checks every
 * value and combination (ranges, mutually exclusive modes, the loopback
 * rule for --server). String fields point into argv (borrowed, valid for
 * the life of the process); zone_specs is an array the struct owns,
 * released by bench_opts_free.
 */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_addr.h"

#define BENCH_MAX_SERVERS 16
#define BENCH_MAX_THREADS 64
/* Each socket carries a 1.6 MiB in-flight table (65536 slots + ID ring),
 * all of it touched as IDs cycle: cap threads x servers at 256 sockets
 * (~400 MiB). */
#define BENCH_MAX_SOCKETS 256
/* One in-flight table per socket holds 65536 query IDs; half of them are
 * kept free so an ID is reused only long after its query was answered or
 * expired, which keeps late answers from matching a newer query. */
#define BENCH_MAX_OUTSTANDING_PER_THREAD 32768
#define BENCH_MAX_DURATION_S             3600.0
#define BENCH_MAX_TIMEOUT_MS             10000u
#define BENCH_MAX_BATCH                  1024u

enum bench_mode {
	BENCH_CLOSED, /* keep `outstanding` queries in flight */
	BENCH_OPEN,   /* send at `rate` queries per second */
};

struct bench_opts {
	struct bench_addr servers[BENCH_MAX_SERVERS];
	size_t n_servers;
	bool allow_remote;
	enum bench_mode mode;
	double rate;          /* BENCH_OPEN: total queries/s over all threads */
	uint32_t outstanding; /* BENCH_CLOSED: total over all threads */
	double duration_s;
	unsigned threads;
	unsigned timeout_ms;
	unsigned batch; /* messages per sendmmsg/recvmmsg call */

	/* query source: a file, zone specs, or the synthetic default */
	const char *queries_file;
	const char **zone_specs; /* owned array of borrowed strings */
	size_t n_zone_specs;
	const char *zone; /* synthetic source: zone name */
	size_t count;     /* generated queries */
	double listed_share, ipv6_share, domain_share, txt_share;
	uint64_t seed;

	const char *write_queries;
	bool json;
	int progress; /* -1 auto (stdout is a terminal), 0 off, 1 on */
};

/* Parse argv. Returns 0 (run), 1 (--help or --version was printed: exit
 * 0) or -EINVAL (message in err: exit 2). */
int bench_opts_parse(struct bench_opts *o, int argc, char **argv, char *err, size_t errlen);
void bench_opts_free(struct bench_opts *o);
void bench_opts_usage(FILE *f);

#endif
