/* test_intern.c - value-set interning (dbl_intern.h): ids are dense in
 * creation order and every blob keeps its id across the slot table's
 * growth; blobs that differ in one byte or only in length are different
 * value sets; an empty set is DBL_VSID_EMPTY; too long a blob is refused. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dbl_err.h"
#include "dbl_intern.h"
#include "dbl_schema.h"

/* Blob i: 8-40 bytes, most of them shared with its neighbours, so that
 * only a few bytes tell blobs apart (as TXT templates of SBL entries). */
static size_t blob(uint32_t i, uint8_t *b)
{
	size_t n = 8 + i % 33;

	memset(b, 'x', n);
	memcpy(b, &i, sizeof i);
	return n;
}

static void test_ids_survive_growth(void)
{
	struct dbl_intern in;
	const uint32_t n = 60000; /* the slot table doubles from 1024 six times */
	uint8_t b[64];
	uint32_t id;
	int bad_new = 0, bad_old = 0, bad_get = 0;

	dbl_intern_init(&in);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = blob(i, b);
		CHECK_INT(dbl_intern_blob(&in, b, len, &id), 0);
		bad_new += id != DBL_VSID_FIRST + i; /* dense, in creation order */
	}
	/* Found again in another order (not the last-result fast path). */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (uint32_t)((k * 7919ull) % n);
		size_t len = blob(i, b), got_len;
		const uint8_t *got;
		CHECK_INT(dbl_intern_blob(&in, b, len, &id), 0);
		bad_old += id != DBL_VSID_FIRST + i;
		dbl_intern_get(&in, DBL_VSID_FIRST + i, &got, &got_len);
		bad_get += got_len != len || memcmp(got, b, len) != 0;
	}
	CHECK_INT(bad_new, 0);
	CHECK_INT(bad_old, 0);
	CHECK_INT(bad_get, 0);
	CHECK_INT(in.next, DBL_VSID_FIRST + n);
	dbl_intern_free(&in);
	CHECK(in.slots == NULL && in.arena == NULL);
}

static void test_distinct_blobs(void)
{
	struct dbl_intern in;
	const uint8_t a[] = "abcdefgh", b[] = "abcdefgi", c[] = "abcdefg";
	uint32_t ia, ib, ic, id;

	dbl_intern_init(&in);
	CHECK_INT(dbl_intern_blob(&in, a, 8, &ia), 0);
	CHECK_INT(dbl_intern_blob(&in, b, 8, &ib), 0); /* last byte differs */
	CHECK_INT(dbl_intern_blob(&in, c, 7, &ic), 0); /* a prefix is another blob */
	CHECK(ia != ib && ib != ic && ia != ic);
	CHECK_INT(dbl_intern_blob(&in, c, 7, &id), 0);
	CHECK_INT(id, ic);
	CHECK_INT(dbl_intern_blob(&in, a, 8, &id), 0);
	CHECK_INT(id, ia);
	dbl_intern_free(&in);
}

static void test_empty_and_too_long(void)
{
	static uint8_t big[0x10000];
	struct dbl_intern in;
	struct dbl_vset_buf vb = {0};
	const uint8_t a[4] = {127, 0, 0, 2};
	uint32_t id = 0, first = 0;

	dbl_intern_init(&in);
	dbl_vset_buf_reset(&vb);
	CHECK_INT(dbl_intern_vset(&in, &vb, &id), 0);
	CHECK_INT(id, DBL_VSID_EMPTY);
	CHECK_INT(dbl_intern_add_listing(&vb, 3600, a, 0, "listed", 6), 0);
	CHECK_INT(dbl_intern_add_listing(&vb, 3600, a, 0, "listed", 6), 0); /* collapses */
	CHECK_INT(vb.count, 1);
	CHECK_INT(dbl_intern_vset(&in, &vb, &first), 0);
	CHECK_INT(first, DBL_VSID_FIRST);
	CHECK_INT(dbl_intern_blob(&in, big, sizeof big, &id), DBL_ETOOBIG);
	CHECK_INT(in.next, DBL_VSID_FIRST + 1); /* the refused blob took no id */
	dbl_vset_buf_free(&vb);
	dbl_intern_free(&in);
}

TEST_MAIN(test_ids_survive_growth, test_distinct_blobs, test_empty_and_too_long)
