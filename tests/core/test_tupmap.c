/* test_tupmap.c - the loader's short-tuple map (dbl_tupmap.h): every tuple
 * keeps its own id across growth, tuples that differ in one word, in order
 * or in length are different keys, bad lengths are refused. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "dbl_tupmap.h"

/* Tuple i: length 1-4, words derived from i so that many share prefixes. */
static size_t tuple(uint32_t i, uint32_t *w)
{
	size_t n = 1 + i % 4;
	for (size_t k = 0; k < n; k++)
		w[k] = (i / 4) << 8 | (uint32_t)k;
	return n;
}

static void test_ids_survive_growth(void)
{
	struct dbl_tupmap m;
	uint32_t w[DBL_TUPMAP_MAXLEN], *id;
	const uint32_t n = 200000; /* many doublings from the first 1024 slots */
	int bad_new = 0, bad_old = 0;

	dbl_tupmap_init(&m);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = tuple(i, w);
		CHECK_INT(dbl_tupmap_find(&m, w, len, &id), 0);
		bad_new += *id != 0; /* every tuple is new the first time */
		*id = i + 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t len = tuple(i, w);
		CHECK_INT(dbl_tupmap_find(&m, w, len, &id), 0);
		bad_old += *id != i + 1;
	}
	CHECK_INT(bad_new, 0);
	CHECK_INT(bad_old, 0);
	CHECK_INT(m.used, n);
	dbl_tupmap_free(&m);
	CHECK(m.slot == NULL && m.arena == NULL);
}

static void test_distinct_keys(void)
{
	struct dbl_tupmap m;
	const uint32_t a[] = {1, 2, 3}, b[] = {3, 2, 1}, c[] = {1, 2}, d[] = {1, 2, 4};
	uint32_t *id;

	dbl_tupmap_init(&m);
	CHECK_INT(dbl_tupmap_find(&m, a, 3, &id), 0);
	*id = 10;
	CHECK_INT(dbl_tupmap_find(&m, b, 3, &id), 0); /* order matters */
	CHECK_INT(*id, 0);
	*id = 11;
	CHECK_INT(dbl_tupmap_find(&m, c, 2, &id), 0); /* a prefix is another key */
	CHECK_INT(*id, 0);
	*id = 12;
	CHECK_INT(dbl_tupmap_find(&m, d, 3, &id), 0); /* last word differs */
	CHECK_INT(*id, 0);
	*id = 13;
	CHECK_INT(dbl_tupmap_find(&m, a, 3, &id), 0);
	CHECK_INT(*id, 10);
	CHECK_INT(dbl_tupmap_find(&m, c, 2, &id), 0);
	CHECK_INT(*id, 12);
	CHECK_INT(m.used, 4);
	dbl_tupmap_free(&m);
}

static void test_bad_length(void)
{
	struct dbl_tupmap m;
	uint32_t w[DBL_TUPMAP_MAXLEN + 1] = {0}, *id = NULL;

	dbl_tupmap_init(&m);
	CHECK_INT(dbl_tupmap_find(&m, w, 0, &id), -EINVAL);
	CHECK_INT(dbl_tupmap_find(&m, w, DBL_TUPMAP_MAXLEN + 1, &id), -EINVAL);
	CHECK(id == NULL);
	CHECK_INT(dbl_tupmap_find(&m, w, DBL_TUPMAP_MAXLEN, &id), 0);
	CHECK(id != NULL && *id == 0);
	dbl_tupmap_free(&m);
}

TEST_MAIN(test_ids_survive_growth, test_distinct_keys, test_bad_length)
