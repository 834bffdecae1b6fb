/* bench_hist.h - latency histogram with log-linear buckets (HdrHistogram-like).
 *
 * Values are nanoseconds. Each power-of-two range [2^k, 2^(k+1)) is cut
 * into BENCH_HIST_SUB linear buckets, so a bucket is at most 1/128 of its
 * lower bound wide: every reported percentile is within 0.8% above the
 * exact sample value (values below 256 ns are exact). The range ends at
 * BENCH_HIST_MAX_NS (10 s); larger values are counted in the top bucket
 * and in `clamped`, while min/max/sum stay exact.
 *
 * The struct is a fixed-size value (about 28 KiB, no pointers): the owner
 * embeds or allocates it once, and recording never allocates, so it is
 * safe to use in the send/receive loop. Not thread-safe: one histogram per
 * thread, merged at the end with bench_hist_merge.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB      (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_MAX_NS   10000000000ull
/* 1e10 < 2^34, so the largest shift is 34 - 1 - SUB_BITS = 26; the index
 * formula (see bench_hist.c) then needs (26 + 2) * SUB buckets. */
#define BENCH_HIST_MAX_SHIFT 26
#define BENCH_HIST_BUCKETS   ((BENCH_HIST_MAX_SHIFT + 2) << BENCH_HIST_SUB_BITS)

struct bench_hist {
	uint64_t count;
	uint64_t sum_ns; /* overflows only after ~584 years of summed latency */
	uint64_t min_ns; /* UINT64_MAX while empty */
	uint64_t max_ns;
	uint64_t clamped; /* samples above BENCH_HIST_MAX_NS */
	uint64_t bucket[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_record(struct bench_hist *h, uint64_t ns);
/* dst += src. */
void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);

/* Value at percentile p (0..100): the upper edge of the bucket holding the
 * sample of rank ceil(p/100 * count), clamped to [min, max] so p=0 gives
 * the exact minimum and p=100 the exact maximum. 0 when empty. */
uint64_t bench_hist_percentile(const struct bench_hist *h, double p);
double bench_hist_mean(const struct bench_hist *h);

/* Bucket arithmetic, exposed for the unit test. */
size_t bench_hist_index(uint64_t ns);
uint64_t bench_hist_bucket_low(size_t idx);
uint64_t bench_hist_bucket_high(size_t idx);

#endif
