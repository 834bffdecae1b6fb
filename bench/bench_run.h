/* bench_run.h - the load generator: worker threads, sockets, query matching.
 *
 * bench_run_create allocates everything a run needs up front (per thread:
 * one connected UDP socket per server, a 65536-entry in-flight table per
 * socket, send/receive batch buffers, a latency histogram), so the send
 * and receive loop never allocates. bench_run_start spawns the threads;
 * they stop sending at --duration, wait at most --timeout for the last
 * answers and exit. bench_run_finish joins them and sums their results.
 *
 * Ownership: struct bench_run is opaque and owned by the caller;
 * bench_run_free closes the sockets and frees all memory (after finish,
 * or instead of start). The options and query list are borrowed and must
 * outlive the run; the query list is shared read-only by all threads.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_hist.h"
#include "bench_opts.h"
#include "bench_query.h"

/* Everything a finished run measured, summed over threads. */
struct bench_totals {
	uint64_t sent;
	uint64_t answered;           /* matched, within the timeout */
	uint64_t answered_in_window; /* ... received during the sending phase */
	uint64_t lost;               /* no answer within the timeout */
	uint64_t late;               /* answer after the timeout */
	uint64_t mismatched;         /* known ID, different question */
	uint64_t unexpected;         /* ID not in flight (duplicate answer) */
	uint64_t malformed;          /* shorter than a header, or QR clear */
	uint64_t truncated;          /* TC bit set */
	uint64_t skipped;            /* open loop: due but no free query ID */
	uint64_t send_errors, recv_errors;
	uint64_t rcode[16];
	double send_s;  /* length of the sending phase (longest thread) */
	double drain_s; /* waiting for the last answers after it */
	struct bench_hist hist;
};

/* Live counters for the progress line (approximate: read while the
 * threads run). */
struct bench_progress {
	uint64_t sent, answered, lost, late;
	unsigned running; /* threads not yet finished */
};

struct bench_run;

/* Returns 0 or -errno (message in err). */
int bench_run_create(struct bench_run **out, const struct bench_opts *o,
                     const struct bench_queries *q, char *err, size_t errlen);
int bench_run_start(struct bench_run *r, char *err, size_t errlen);
/* Ask the threads to stop sending now (e.g. on SIGINT); they still drain.
 * Safe to call from any thread, not from a signal handler. */
void bench_run_stop(struct bench_run *r);
void bench_run_progress(const struct bench_run *r, struct bench_progress *p);
/* Join the threads and fill t. */
void bench_run_finish(struct bench_run *r, struct bench_totals *t);
void bench_run_free(struct bench_run *r);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

#endif
