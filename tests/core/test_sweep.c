/* test_sweep.c - dbl_sweep against a brute-force model: random overlapping,
 * prioritised entries with exclusions and repeated starts, enough of them
 * (> 256) for the radix sort; positions as IPv4-like keys and keys
 * varying in up to 64 bits (the packed sort), and spread over 128 bits
 * (the digit-by-digit sort). Every
 * position of the universe must get the payload list the model computes:
 * the highest priority covering it decides, in file order, duplicates
 * dropped (UNION) or the first entry only (FIRST); an exclusion or no
 * entry is a gap. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbl_sweep.h"

#define UNIVERSE 3000
#define NENT     700

static uint32_t rnd_state = 1;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Model: payloads at universe position x, into out; returns the count
 * (-1 = gap). */
static int model(const struct dbl_swent *e, const uint32_t *a, const uint32_t *b, size_t n,
                 enum dbl_merge m, uint32_t x, int32_t *out)
{
	int maxp = -1, cnt = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i] <= x && x <= b[i] && e[i].prio > maxp)
			maxp = e[i].prio;
	if (maxp < 0)
		return -1;
	for (size_t i = 0; i < n; i++) { /* e is in ord order */
		bool dup = false;
		if (!(a[i] <= x && x <= b[i] && e[i].prio == maxp))
			continue;
		if (m == DBL_MERGE_FIRST)
			return e[i].pay == DBL_VID_EXCLUDE ? -1 : (out[0] = e[i].pay, 1);
		if (e[i].pay == DBL_VID_EXCLUDE)
			return -1;
		for (int j = 0; j < cnt; j++)
			dup |= out[j] == e[i].pay;
		if (!dup)
			out[cnt++] = e[i].pay;
	}
	return cnt;
}

/* Position of universe point x. Spread out (shift > 0), bit 0 varies as
 * well, so with shift 80 the keys vary in more than 64 bits (the
 * digit-by-digit sort); point x still lies in [pos(x), pos(x + 1)). */
static dbl_u128 pos(dbl_u128 base, unsigned shift, uint32_t x)
{
	return base + ((dbl_u128)x << shift) + (shift ? (x & 1) : 0);
}

static void run(dbl_u128 base, unsigned shift, enum dbl_merge m)
{
	struct dbl_swent e[NENT], work[NENT];
	uint32_t a[NENT], b[NENT];
	struct dbl_swout o = {0};
	size_t seg = 0;

	for (size_t i = 0; i < NENT; i++) {
		/* mostly single positions (the isolated fast path), some
		 * ranges, repeated starts, a few exclusions */
		a[i] = i % 7 == 3 && i > 0 ? a[i - 1] : rnd(UNIVERSE);
		b[i] = i % 3 == 0 ? a[i] + rnd(40) : a[i];
		if (b[i] >= UNIVERSE)
			b[i] = UNIVERSE - 1;
		e[i] = (struct dbl_swent){
		    pos(base, shift, a[i]),
		    base + ((dbl_u128)b[i] << shift) + (((dbl_u128)1 << shift) - 1), (uint32_t)i,
		    (uint8_t)rnd(3), i % 11 == 5 ? DBL_VID_EXCLUDE : (int32_t)rnd(5)};
	}
	memcpy(work, e, sizeof e);
	CHECK_INT(dbl_sweep(work, NENT, m, &o), 0);
	for (uint32_t x = 0; x < UNIVERSE; x++) {
		dbl_u128 p = pos(base, shift, x);
		int32_t want[NENT];
		int n = model(e, a, b, NENT, m, x, want);
		while (seg < o.nseg && o.seg[seg].hi < p)
			seg++;
		if (seg == o.nseg || o.seg[seg].lo > p) {
			CHECK_INT(n, -1);
			continue;
		}
		CHECK_INT((int)o.seg[seg].count, n);
		if (n > 0 && (int)o.seg[seg].count == n)
			CHECK(memcmp(o.pool + o.seg[seg].first, want, (size_t)n * sizeof *want) ==
			      0);
	}
	dbl_swout_free(&o);
}

static void test_sweep_model(void)
{
	for (int r = 0; r < 3; r++) {
		run(0, 0, DBL_MERGE_UNION); /* IPv4-like */
		run(0, 0, DBL_MERGE_FIRST);
		run((dbl_u128)0x20010db8u << 96, 80, DBL_MERGE_UNION); /* 128-bit spread */
		run((dbl_u128)0x20010db8u << 96, 80, DBL_MERGE_FIRST);
		run((dbl_u128)0x20010db8u << 96, 48, DBL_MERGE_UNION); /* 49 bits: packed */
	}
}

TEST_MAIN(test_sweep_model)
