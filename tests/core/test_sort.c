/* test_sort.c - the loader's IPv4 entry sort (dbl_sort_ip4ent) against a
 * comparison sort by (lo, file position): random addresses, every entry in
 * one /16 (one top bucket holds all: the two-pass path on a large bucket),
 * few distinct addresses (stability), small inputs (insertion path),
 * already sorted and reversed input, and the empty input; each with src
 * kept and consumed (its read pages given back: zeros after). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbl_sweep.h"

static uint32_t rnd_state = 11;
static uint32_t rnd32(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static int ord_cmp(const void *x, const void *y)
{
	const struct dbl_ip4ord *a = x, *b = y;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

enum shape { RANDOM, ONE_16, FEW, SORTED, REVERSED };

static uint32_t addr(enum shape sh, size_t i, size_t n)
{
	switch (sh) {
	case ONE_16:
		return 0x0a140000u | (rnd32() & 0xffff);
	case FEW:
		return 0xc0a80000u + (rnd32() % 7) * 65536u + rnd32() % 3;
	case SORTED:
		return (uint32_t)(i * 4099u);
	case REVERSED:
		return (uint32_t)((n - i) * 4099u);
	default:
		return rnd32();
	}
}

/* Does src hold a whole page of zeros (a page given back)? */
static int zero_page(const struct dbl_ip4ent *src, size_t n)
{
	uintptr_t b = (uintptr_t)src, p = (b + n * sizeof *src / 2 + 4095) & ~(uintptr_t)4095;
	const unsigned char *c = (const unsigned char *)p;

	if (p + 4096 > b + n * sizeof *src)
		return 0;
	for (size_t i = 0; i < 4096; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Sort n entries of shape sh; the result must equal the reference. */
static void check_shape(enum shape sh, size_t n, bool consume)
{
	struct dbl_ip4ent *src = calloc(n + 1, sizeof *src);
	struct dbl_ip4ord *got = calloc(n + 1, sizeof *got), *want = calloc(n + 1, sizeof *want);

	for (size_t i = 0; i < n; i++) {
		uint32_t lo = addr(sh, i, n) | 1; /* | 1: no entry is all zeros */
		src[i] =
		    (struct dbl_ip4ent){lo, lo + rnd32() % 5, (uint8_t)(i % 3), (int32_t)(i % 9)};
		want[i] = (struct dbl_ip4ord){lo, src[i].hi, src[i].vid, (uint32_t)i};
	}
	qsort(want, n, sizeof *want, ord_cmp);
	CHECK_INT(dbl_sort_ip4ent(src, n, got, consume), 0);
	CHECK(memcmp(got, want, n * sizeof *got) == 0);
	/* 200,000 entries: 3.2 MB, whole pages in the middle */
	if (n >= 200000)
		CHECK_INT(zero_page(src, n), consume);
	free(src);
	free(got);
	free(want);
}

static void test_sort_ip4ent(void)
{
	static const size_t sizes[] = {0, 1, 2, 31, 33, 1000, 200000};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (int sh = RANDOM; sh <= REVERSED; sh++)
			for (int consume = 0; consume < 2; consume++)
				check_shape((enum shape)sh, sizes[s], consume);
}

TEST_MAIN(test_sort_ip4ent)
