/* bench_hist.c - log-linear latency histogram (see bench_hist.h).
 *
 * Index of value v: with k = floor(log2 v) and s = max(0, k - SUB_BITS),
 * idx = (s << SUB_BITS) + (v >> s). For v < 2^(SUB_BITS+1) s is 0 and the
 * index is v itself (exact buckets); above, each doubling of v adds SUB
 * buckets of width 2^s, whose top SUB_BITS+1 bits are v >> s in
 * [SUB, 2*SUB). The mapping is monotonic and has no gaps, which the unit
 * test checks over the whole range.
 */
#include <string.h>

#include "bench_hist.h"

_Static_assert(BENCH_HIST_MAX_NS < (1ull << (BENCH_HIST_MAX_SHIFT + BENCH_HIST_SUB_BITS + 1)),
               "top value must fit under the largest shift");

void bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min_ns = UINT64_MAX;
}

size_t bench_hist_index(uint64_t ns)
{
	unsigned k, s;

	if (ns > BENCH_HIST_MAX_NS)
		ns = BENCH_HIST_MAX_NS;
	if (ns < (2u << BENCH_HIST_SUB_BITS))
		return (size_t)ns;
	k = 63u - (unsigned)__builtin_clzll(ns);
	s = k - BENCH_HIST_SUB_BITS;
	return ((size_t)s << BENCH_HIST_SUB_BITS) + (size_t)(ns >> s);
}

uint64_t bench_hist_bucket_low(size_t idx)
{
	size_t s, m;

	if (idx < (2u << BENCH_HIST_SUB_BITS))
		return idx;
	s = (idx >> BENCH_HIST_SUB_BITS) - 1;
	m = idx - (s << BENCH_HIST_SUB_BITS);
	return (uint64_t)m << s;
}

uint64_t bench_hist_bucket_high(size_t idx)
{
	size_t s, m;

	if (idx < (2u << BENCH_HIST_SUB_BITS))
		return idx;
	s = (idx >> BENCH_HIST_SUB_BITS) - 1;
	m = idx - (s << BENCH_HIST_SUB_BITS);
	return (((uint64_t)m + 1) << s) - 1;
}

void bench_hist_record(struct bench_hist *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (ns > BENCH_HIST_MAX_NS)
		h->clamped++;
	h->bucket[bench_hist_index(ns)]++;
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	if (!src->count)
		return;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	dst->clamped += src->clamped;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (size_t i = 0; i < BENCH_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

uint64_t bench_hist_percentile(const struct bench_hist *h, double p)
{
	uint64_t rank, cum = 0, v;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min_ns;
	if (p >= 100)
		return h->max_ns;
	/* rank = ceil(p/100 * count) without float rounding surprises at
	 * exact multiples: compute in long double and step back by one ulp's
	 * worth before rounding up. */
	long double r = (long double)p / 100.0L * (long double)h->count;
	rank = (uint64_t)r;
	if ((long double)rank < r - 1e-9L)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (size_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
		cum += h->bucket[i];
		if (cum >= rank) {
			v = bench_hist_bucket_high(i);
			if (v > h->max_ns)
				v = h->max_ns;
			if (v < h->min_ns)
				v = h->min_ns;
			return v;
		}
	}
	return h->max_ns;
}

double bench_hist_mean(const struct bench_hist *h)
{
	return h->count ? (double)h->sum_ns / (double)h->count : 0.0;
}
