/* dnsd_metrics.h - query counters kept per worker thread, and their
 * Prometheus text rendering (exposition format 0.0.4) for GET /metrics.
 *
 * Threads. Every worker owns one struct dnsd_wmetrics (embedded in its
 * struct dnsd_worker) and is its only writer. The main thread reads them
 * all when /metrics is scraped and sums them. Writes are single-writer
 * "load, add, store" with relaxed atomics (DNSD_MINC): the same plain
 * instructions as `x++` on x86-64 and arm64, no lock prefix, but no data
 * race for the reader either. A scrape may see one thread's counters a
 * few queries apart from another's; every counter is monotonic.
 *
 * Zones. A worker maps the catalog's zones to at most DNSD_METRICS_ZONES
 * label slots by name (so counters survive generation switches and zone
 * renumbering); zones beyond that count under zone="other", queries that
 * matched no zone (CHAOS, REFUSED names, malformed) under zone="".
 */
#ifndef DNSD_METRICS_H
#define DNSD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "dbl_catalog.h"
#include "dbl_query.h"

struct dnsd_server;

#define DNSD_MINC(p)                                                                               \
	__atomic_store_n((p), __atomic_load_n((p), __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED)
#define DNSD_MADD(p, v)                                                                            \
	__atomic_store_n((p), __atomic_load_n((p), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define DNSD_MGET(p) __atomic_load_n((p), __ATOMIC_RELAXED)

/* 64 labelled zones: a mirror serves a handful (zen, dbl, zrd, ...); the
 * cap bounds both the label set and the per-thread memory (~17 KiB). */
#define DNSD_METRICS_ZONES 64
/* Catalog positions mapped per generation; zones past this use a search. */
#define DNSD_METRICS_ZMAP 256
#define DNSD_MZ_NONE      DNSD_METRICS_ZONES       /* no zone matched: zone="" */
#define DNSD_MZ_OTHER     (DNSD_METRICS_ZONES + 1) /* slots full: zone="other" */
#define DNSD_MZ_SLOTS     (DNSD_METRICS_ZONES + 2)

/* rcodes 0..10 each, 16 (BADVERS), then anything else. */
#define DNSD_MRCODES 13
/* A NS SOA MX TXT AAAA ANY other */
#define DNSD_MQTYPES 8
/* Latency buckets (upper bounds in seconds, +Inf last): answers from LMDB
 * take microseconds, a full recvmmsg batch under load up to milliseconds;
 * rspamd's DNS timeout is 1 s. */
#define DNSD_MBUCKETS 13

struct dnsd_wmetrics {
	uint64_t zone_queries[DNSD_MZ_SLOTS];
	uint64_t zone_listed[DNSD_MZ_SLOTS];
	uint64_t rcode[DNSD_MRCODES];
	uint64_t qtype[DNSD_MQTYPES];
	uint64_t listed, unlisted;          /* replies from a zone, with/without listing */
	uint64_t malformed;                 /* dropped: malformed (or told to drop) */
	uint64_t errors;                    /* dropped: internal error */
	uint64_t lat_bucket[DNSD_MBUCKETS]; /* not cumulative; summed at render */
	uint64_t lat_count;
	uint64_t lat_sum_ns;
	/* Zone slot names: written by the worker before it publishes nzones
	 * (release); the scraper reads nzones (acquire), then names. */
	uint32_t nzones;
	struct dbl_wname names[DNSD_METRICS_ZONES];
	/* Worker-private: catalog position -> slot for the catalog zmap_base
	 * belongs to (0xffff: not looked up yet). */
	const struct dbl_zone *zmap_base;
	uint16_t zmap[DNSD_METRICS_ZMAP];
	/* Worker-private batch clock. */
	uint64_t batch_t0; /* uv_hrtime() at the first query of the batch */
	uint32_t batch_n;  /* queries in the batch so far */
};

/* Count one dbl_query() call on the worker owning m: n is its result (> 0
 * reply length, else dropped), info its filled-in info, cat the catalog of
 * the generation it ran on (NULL without data). No allocation. */
void dnsd_metrics_count(struct dnsd_wmetrics *m, int n, const struct dbl_query_info *info,
                        const struct dbl_catalog *cat);

/* A request dropped before dbl_query() (empty datagram). */
void dnsd_metrics_drop_malformed(struct dnsd_wmetrics *m);

/* End of a batch whose replies were just handed to the kernel: every query
 * of it gets the batch's elapsed time in the latency histogram. */
void dnsd_metrics_batch_end(struct dnsd_wmetrics *m);

/* Main thread: render every metric of s into *out (malloc'd, caller frees)
 * of *len bytes. Returns 0 or -ENOMEM. */
int dnsd_metrics_render(struct dnsd_server *s, char **out, size_t *len);

/* Mnemonic of a qtype slot / rcode (shared with the query log). */
const char *dnsd_rcode_name(unsigned rc);
const char *dnsd_qtype_name(unsigned t, char *buf, size_t cap);

#endif
