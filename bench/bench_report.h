/* bench_report.h - dnsbl-bench output: text report, JSON object, progress line.
 *
 * Pure formatting: everything is read from the arguments (borrowed for
 * the call), nothing is kept.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "bench_gen.h"
#include "bench_opts.h"
#include "bench_run.h"

struct bench_report_info {
	const char *source;                /* "file", "zones" or "synthetic" */
	size_t n_queries;                  /* distinct queries in the list */
	const struct bench_gen_stats *gen; /* NULL for a query file */
};

void bench_report_text(FILE *f, const struct bench_opts *o, const struct bench_report_info *ri,
                       const struct bench_totals *t);
void bench_report_json(FILE *f, const struct bench_opts *o, const struct bench_report_info *ri,
                       const struct bench_totals *t);

/* One progress line, rewritten in place ("\r" + clear to end of line):
 * elapsed seconds, totals, and the answer rate since `prev` over dt_s. */
void bench_report_progress(FILE *f, double elapsed_s, const struct bench_progress *now,
                           const struct bench_progress *prev, double dt_s);
/* Erase the progress line before the final report. */
void bench_report_progress_clear(FILE *f);

#endif
