/* test_names.c - the name merge (dbl_names.h) on runs of keys that share
 * their first 8, 16 and 24 bytes, as DBL names under one top-level domain
 * do: thousands of them, so the sort goes through its radix levels, not
 * only the comparison sort of small runs. Records must come in strictly
 * ascending key order (a key that ends sorts before its extensions, also
 * when the extension is a 0 byte), one per distinct key, and a key listed
 * in both datasets must carry both values. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbl_intern.h"
#include "dbl_names.h"
#include "dbl_schema.h"
#include "ds_fixture.h"

enum { NNAMES = 6000 };

struct rec {
	uint8_t key[DBL_NAMEKEY_MAX];
	uint8_t len;
	uint32_t exact, wild;
};

struct out {
	struct rec *r;
	size_t n;
};

static int collect(void *ctx, const uint8_t *key, uint8_t keylen, uint32_t exact, uint32_t wild)
{
	struct out *o = ctx;
	struct rec *r = &o->r[o->n++];
	memcpy(r->key, key, keylen);
	r->len = keylen;
	r->exact = exact;
	r->wild = wild;
	return 0;
}

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : al < bl ? -1 : al > bl;
}

static int rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	return key_cmp(a->key, a->len, b->key, b->len);
}

/* Name i: most under one long shared parent, so the first 22 key bytes
 * ("\3com\21sharedprefixlabel") are the same for them: a few lengths, 0
 * bytes inside labels, names one label below others, the parent itself,
 * and repeats within one list; the rest under other top-level names. */
static void name_text(size_t i, char *t, size_t cap)
{
	static const char *const shared = "sharedprefixlabel.com";
	uint32_t x = fix_rnd(NNAMES / 2);

	switch (i % 6) {
	case 0:
		if (i == 0)
			snprintf(t, cap, "%s", shared); /* a prefix of every other key */
		else
			snprintf(t, cap, "a%u.%s", x, shared);
		break;
	case 1:
		snprintf(t, cap, "\\000a%u.%s", x, shared);
		break;
	case 2:
		snprintf(t, cap, "sub.a%u.%s", x, shared);
		break;
	case 3:
		snprintf(t, cap, "a%u.%s", x % 50, shared); /* many equal keys */
		break;
	case 4:
		snprintf(t, cap, "long-label-%u-xxxxxxxxxxxxxxxx.%s", x, shared);
		break;
	default: /* other parents: "\3cat" shares its first two bytes with "\3com" */
		snprintf(t, cap, "n%u.%s", x,
		         (const char *[]){"cat", "com", "org", "c", "net"}[x % 5]);
		break;
	}
}

/* The vsid interning would give the values of datasets ds[0..n) that
 * list a key (in dataset order). */
static uint32_t want_vsid(struct dbl_intern *in, struct dbl_dsdata **ds, const bool *has, size_t n)
{
	struct dbl_vset_buf vb = {0};
	uint32_t id = 0;

	dbl_vset_buf_reset(&vb);
	for (size_t d = 0; d < n; d++)
		if (has[d])
			CHECK_INT(
			    dbl_intern_add_listing(&vb, ds[d]->ttl, ds[d]->values[0].a, 0, NULL, 0),
			    0);
	CHECK_INT(dbl_intern_vset(in, &vb, &id), 0);
	dbl_vset_buf_free(&vb);
	return id;
}

static void test_sorted_and_grouped(void)
{
	struct dbl_dsdata *ds[2] = {fix_ds_new("dnset", DBL_MERGE_UNION),
	                            fix_ds_new("dnset", DBL_MERGE_UNION)};
	struct dbl_intern in;
	struct out o = {calloc(2 * NNAMES, sizeof *o.r), 0};
	uint32_t only0, only1, both;
	size_t distinct = 0, bad_order = 0, bad_value = 0;
	char t[256];

	fix_seed(7);
	fix_val(ds[0], 2, NULL);
	fix_val(ds[1], 3, NULL);
	for (int d = 0; d < 2; d++)
		ds[d]->names = realloc(ds[d]->names, NNAMES * sizeof *ds[d]->names);
	for (size_t i = 0; i < NNAMES; i++) {
		name_text(i, t, sizeof t);
		if (i % 3 != 1)
			fix_addname(ds[0], t, false, 0);
		if (i % 3 != 0)
			fix_addname(ds[1], t, false, 0);
	}
	dbl_intern_init(&in);
	CHECK_INT(dbl_names_build(ds, 2, NULL, &in, collect, &o), 0);
	only0 = want_vsid(&in, ds, (bool[]){true, false}, 2);
	only1 = want_vsid(&in, ds, (bool[]){false, true}, 2);
	both = want_vsid(&in, ds, (bool[]){true, true}, 2);
	CHECK(only0 != only1 && only0 != both && only1 != both);

	/* one record per distinct key, ascending */
	for (size_t i = 1; i < o.n; i++)
		bad_order += key_cmp(o.r[i - 1].key, o.r[i - 1].len, o.r[i].key, o.r[i].len) >= 0;
	CHECK_INT((int)bad_order, 0);
	{
		/* distinct input keys, counted by sorting copies with qsort */
		struct rec *all = calloc(2 * NNAMES, sizeof *all);
		size_t n = 0;
		for (int d = 0; d < 2; d++)
			for (size_t i = 0; i < ds[d]->nnames; i++, n++) {
				memcpy(all[n].key, ds[d]->names[i].key, ds[d]->names[i].keylen);
				all[n].len = ds[d]->names[i].keylen;
				all[n].exact = (uint32_t)d; /* which list */
			}
		qsort(all, n, sizeof *all, rec_cmp);
		for (size_t i = 0, j; i < n; i = j) {
			bool has[2] = {false, false};
			uint32_t want;
			for (j = i; j < n && rec_cmp(&all[i], &all[j]) == 0; j++)
				has[all[j].exact] = true;
			want = has[0] && has[1] ? both : has[0] ? only0 : only1;
			/* the record at the same position must be this key */
			if (distinct < o.n) {
				const struct rec *r = &o.r[distinct];
				bad_value += rec_cmp(r, &all[i]) != 0 || r->exact != want ||
				             r->wild != DBL_VSID_NONE;
			}
			distinct++;
		}
		free(all);
	}
	CHECK_INT((int)o.n, (int)distinct);
	CHECK_INT((int)bad_value, 0);
	CHECK(distinct > NNAMES / 2); /* the mix really has thousands of keys */

	dbl_intern_free(&in);
	free(o.r);
	fix_ds_free(ds[0]);
	fix_ds_free(ds[1]);
}

TEST_MAIN(test_sorted_and_grouped)
