/* test_bench_hist.c - histogram bucket math and percentiles against exact values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "bench_hist.h"

/* Precision promised in bench_hist.h: a percentile is the upper edge of
 * the bucket holding the exact sample, at most 1/128 above it. */
static int within(uint64_t got, uint64_t exact)
{
	return got >= exact && (double)(got - exact) <= (double)exact / 128.0 + 1e-9;
}

static struct bench_hist h1, h2, h3;

static void test_buckets_contiguous(void)
{
	size_t top = bench_hist_index(BENCH_HIST_MAX_NS);
	int bad = 0;

	CHECK(top < BENCH_HIST_BUCKETS);
	CHECK_INT(bench_hist_index(0), 0);
	CHECK_INT(bench_hist_index(255), 255);
	CHECK_INT(bench_hist_index(256), 256);
	CHECK_INT(bench_hist_index(257), 256); /* first 2-ns bucket */
	for (size_t i = 0; i < top; i++) {
		uint64_t lo = bench_hist_bucket_low(i), hi = bench_hist_bucket_high(i);

		/* no gaps, no overlaps, the index maps both edges back */
		if (bench_hist_bucket_high(i) + 1 != bench_hist_bucket_low(i + 1) ||
		    bench_hist_index(lo) != i || bench_hist_index(hi) != i || hi < lo)
			bad++;
		/* relative width <= 1/128 above the exact range */
		if (lo >= 256 && (double)(hi - lo + 1) > (double)lo / 128.0)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* everything above the range lands in the top bucket */
	CHECK_INT(bench_hist_index(BENCH_HIST_MAX_NS * 3), top);
}

static void test_empty_and_single(void)
{
	bench_hist_init(&h1);
	CHECK_INT(bench_hist_percentile(&h1, 50), 0);
	CHECK(bench_hist_mean(&h1) == 0.0);
	bench_hist_record(&h1, 123456);
	CHECK_INT(h1.count, 1);
	CHECK_INT(bench_hist_percentile(&h1, 0), 123456);
	CHECK_INT(bench_hist_percentile(&h1, 50), 123456); /* clamped to [min, max] */
	CHECK_INT(bench_hist_percentile(&h1, 99.9), 123456);
	CHECK_INT(bench_hist_percentile(&h1, 100), 123456);
	CHECK(bench_hist_mean(&h1) == 123456.0);
}

static void test_uniform(void)
{
	/* 1 us .. 100 ms in 1 us steps: the exact p-th percentile is known */
	const uint64_t n = 100000;

	bench_hist_init(&h1);
	for (uint64_t i = 1; i <= n; i++)
		bench_hist_record(&h1, i * 1000);
	CHECK_INT(h1.count, n);
	CHECK_INT(h1.min_ns, 1000);
	CHECK_INT(h1.max_ns, n * 1000);
	CHECK(within(bench_hist_percentile(&h1, 50), 50000 * 1000ull));
	CHECK(within(bench_hist_percentile(&h1, 90), 90000 * 1000ull));
	CHECK(within(bench_hist_percentile(&h1, 99), 99000 * 1000ull));
	CHECK(within(bench_hist_percentile(&h1, 99.9), 99900 * 1000ull));
	CHECK_INT(bench_hist_percentile(&h1, 100), n * 1000);
	CHECK(bench_hist_mean(&h1) == (double)(n + 1) * 500.0);
}

static void test_tail(void)
{
	/* 999 fast answers and one slow one: p99.9 is still fast, the
	 * 1000th rank (p100, max) is the slow one */
	bench_hist_init(&h1);
	for (int i = 0; i < 999; i++)
		bench_hist_record(&h1, 10000);
	bench_hist_record(&h1, 5000000);
	CHECK(within(bench_hist_percentile(&h1, 50), 10000));
	CHECK(within(bench_hist_percentile(&h1, 99.9), 10000));
	CHECK_INT(bench_hist_percentile(&h1, 99.95), 5000000);
	CHECK_INT(bench_hist_percentile(&h1, 100), 5000000);
	/* rank rounding: p50 of 1..10 is the 5th value, p51 the 6th */
	bench_hist_init(&h2);
	for (uint64_t i = 1; i <= 10; i++)
		bench_hist_record(&h2, i * 100000);
	CHECK(within(bench_hist_percentile(&h2, 50), 500000));
	CHECK(within(bench_hist_percentile(&h2, 51), 600000));
	CHECK(within(bench_hist_percentile(&h2, 10), 100000));
}

static void test_clamp(void)
{
	bench_hist_init(&h1);
	bench_hist_record(&h1, 1000);
	bench_hist_record(&h1, 20000000000ull); /* 20 s, above the 10 s range */
	CHECK_INT(h1.clamped, 1);
	CHECK_INT(h1.max_ns, 20000000000ull);
	CHECK_INT(bench_hist_percentile(&h1, 100), 20000000000ull);
	CHECK(bench_hist_percentile(&h1, 75) >= BENCH_HIST_MAX_NS);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_random_vs_sorted(void)
{
	/* skewed values over 6 decades, compared with exact order statistics */
	enum { N = 200000 };
	static uint64_t v[N];
	/* percentiles in hundredths, so the exact rank is integer math */
	static const unsigned ps[] = {100, 1000, 2500, 5000, 7500, 9000, 9900, 9990, 9999};
	uint64_t x = 88172645463325252ull;
	int bad = 0;

	bench_hist_init(&h1);
	bench_hist_init(&h2);
	bench_hist_init(&h3);
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* 1 us * 2^(0..20) * (1 + fraction) */
		v[i] = (1000ull << (x % 21)) + (x >> 40) % 1000;
		bench_hist_record(&h1, v[i]);
		bench_hist_record(i % 3 ? &h2 : &h3, v[i]);
	}
	qsort(v, N, sizeof v[0], cmp_u64);
	for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
		/* rank ceil(p/100 * N), 1-based */
		uint64_t rank = ((uint64_t)ps[k] * N + 9999) / 10000;
		uint64_t exact = v[rank - 1], got = bench_hist_percentile(&h1, ps[k] / 100.0);

		if (!within(got, exact)) {
			fprintf(stderr, "p%g: got %llu, exact %llu\n", ps[k] / 100.0,
			        (unsigned long long)got, (unsigned long long)exact);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	/* merging per-thread histograms gives the same histogram */
	bench_hist_merge(&h2, &h3);
	CHECK(memcmp(&h1, &h2, sizeof h1) == 0);
}

TEST_MAIN(test_buckets_contiguous, test_empty_and_single, test_uniform, test_tail, test_clamp,
          test_random_vs_sorted)
