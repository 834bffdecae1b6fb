/* test_ip4blk.c - "ip4" value blocks (dbl_ip4blk.h): random runs are
 * written as blocks the way the loader writes them, and every address's
 * lookup, and random range tests, must agree with a plain array model;
 * dnsbld's resident index (dbl_ip4idx.h) takes well-formed blocks and
 * refuses malformed ones. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "dbl_err.h"
#include "dbl_ip4blk.h"
#include "dbl_ip4idx.h"
#include "dbl_schema.h"
#include "ds_fixture.h"

#define SPACE  4000u /* addresses modelled: base .. base + SPACE */
#define MAXBLK 4000

static uint32_t model[SPACE]; /* vsid per address, 0 = not listed */
static uint8_t val[MAXBLK][DBL_IP4BLK_MAX];
static size_t vlen[MAXBLK];
static uint32_t vkey[MAXBLK];
static size_t nblk;

static void flush(struct dbl_ip4blk *b)
{
	if (!b->n)
		return;
	vkey[nblk] = b->last[b->n - 1];
	vlen[nblk] = dbl_ip4blk_encode(b, val[nblk]);
	nblk++;
	memset(b, 0, sizeof *b);
}

/* Random runs from base: adjacent ones (different vsids, like the
 * loader's coalesced output) and gaps of 1-40 addresses. */
static void make(uint32_t base)
{
	struct dbl_ip4blk b = {0};
	uint32_t a = fix_rnd(3);

	memset(model, 0, sizeof model);
	nblk = 0;
	while (a < SPACE - 50) {
		uint32_t len = 1 + (fix_rnd(4) ? 0 : fix_rnd(30)), vsid = 2 + fix_rnd(1000);
		if (a && model[a - 1] == vsid)
			vsid++; /* adjacent runs have different answers */
		for (uint32_t i = 0; i < len; i++)
			model[a + i] = vsid;
		if (!dbl_ip4blk_add(&b, base + a, base + a + len - 1, vsid)) {
			flush(&b);
			CHECK(dbl_ip4blk_add(&b, base + a, base + a + len - 1, vsid));
		}
		a += len + (fix_rnd(2) ? 0 : 1 + fix_rnd(40));
	}
	flush(&b);
}

/* The block a B-tree SET_RANGE would find: the first with key >= addr. */
static int find_at(uint32_t addr)
{
	for (size_t i = 0; i < nblk; i++)
		if (vkey[i] >= addr)
			return (int)i;
	return -1;
}

static void check_space(uint32_t base)
{
	int bad_find = 0, bad_any = 0;

	make(base);
	CHECK(nblk > 10);
	for (uint32_t a = 0; a < SPACE; a++) {
		int i = find_at(base + a);
		uint32_t vs = 0;
		int rc = i < 0 ? DBL_ENOTFOUND : dbl_ip4blk_find(val[i], vlen[i], base + a, &vs);
		bad_find += model[a] ? (rc != 0 || vs != model[a]) : rc != DBL_ENOTFOUND;
	}
	for (int t = 0; t < 20000; t++) {
		uint32_t lo = fix_rnd(SPACE), hi = lo + fix_rnd(60), want = 0;
		int i = find_at(base + lo);
		if (hi >= SPACE)
			hi = SPACE - 1;
		for (uint32_t a = lo; a <= hi && !want; a++)
			want = model[a] != 0;
		bad_any += (i >= 0 && dbl_ip4blk_any(val[i], vlen[i], base + lo, base + hi) == 0) !=
		           (want != 0);
	}
	CHECK_INT(bad_find, 0);
	CHECK_INT(bad_any, 0);
}

static void test_model(void)
{
	fix_seed(7);
	check_space(0);
	check_space(0x7F000000u);
	check_space(UINT32_MAX - SPACE + 1); /* near the top: no wrap-around */
}

static void test_layout(void)
{
	struct dbl_ip4blk b = {0}, d;
	uint8_t v[DBL_IP4BLK_MAX], w[DBL_IP4BLK_MAX];
	uint32_t lo, hi, vs, a;
	size_t len;

	CHECK(dbl_ip4blk_add(&b, 10, 10, 5));
	CHECK(dbl_ip4blk_add(&b, 11, 20, 6));   /* follows on: no gap run */
	CHECK(dbl_ip4blk_add(&b, 30, 30, 200)); /* gap 21-29 first */
	CHECK_INT(b.n, 4);
	/* first, then (span, vsid) per run: 0 5 | 9 6 | 8 0 | 0 200 (two bytes) */
	CHECK_INT(dbl_ip4blk_encode(&b, v), 13);
	CHECK(memcmp(v, "\0\0\0\x0a\x00\x05\x09\x06\x08\x00\x00\xc8\x01", 13) == 0);
	CHECK_INT(dbl_ip4blk_decode(v, 13, &d), 0);
	CHECK_INT(d.n, 4);
	CHECK_INT(d.first, 10);
	dbl_ip4blk_run(&d, 2, &lo, &hi, &vs);
	CHECK(lo == 21 && hi == 29 && vs == 0);
	dbl_ip4blk_run(&d, 3, &lo, &hi, &vs);
	CHECK(lo == 30 && hi == 30 && vs == 200);
	for (a = 31; b.n < DBL_IP4BLK_RUNS - 1; a++)
		CHECK(dbl_ip4blk_add(&b, a, a, 7 + a));
	CHECK(!dbl_ip4blk_add(&b, a + 5, a + 5, 11)); /* gap + run: no room for two */
	CHECK_INT(b.n, DBL_IP4BLK_RUNS - 1);
	CHECK(dbl_ip4blk_add(&b, a, a, UINT32_MAX));  /* one more adjacent run fits */
	CHECK(!dbl_ip4blk_add(&b, a + 1, a + 1, 13)); /* full */
	len = dbl_ip4blk_encode(&b, v);
	/* vsid 200 takes 2 bytes, 2^32 - 1 five */
	CHECK_INT(len, 4 + 2 * (DBL_IP4BLK_RUNS - 1) + 1 + 1 + 5);
	CHECK_INT(dbl_ip4blk_decode(v, len, &d), 0);
	CHECK(memcmp(&d, &b, sizeof d) == 0);
	/* values that are no blocks are refused, never read past */
	CHECK_INT(dbl_ip4blk_decode(v, 5, &d), DBL_ECORRUPT);  /* no run */
	CHECK_INT(dbl_ip4blk_decode(v, 12, &d), DBL_ECORRUPT); /* 200's varint cut short */
	CHECK_INT(dbl_ip4blk_decode(v, len - 1, &d), DBL_ECORRUPT);
	CHECK_INT(dbl_ip4blk_decode(v, DBL_IP4BLK_MAX + 1, &d), DBL_ECORRUPT);
	memcpy(w, "\0\0\0\x01\x00\xff\xff\xff\xff\x0f", 10); /* vsid 2^32 - 1 */
	CHECK_INT(dbl_ip4blk_decode(w, 10, &d), 0);
	CHECK_INT(d.vsid[0], UINT32_MAX);
	w[9] = 0x1f; /* 2^33 - 1 */
	CHECK_INT(dbl_ip4blk_decode(w, 10, &d), DBL_ECORRUPT);
	memcpy(w + 5, "\x80\x80\x80\x80\x80\x00", 6); /* 0 in six bytes */
	CHECK_INT(dbl_ip4blk_decode(w, 11, &d), DBL_ECORRUPT);
	memset(w + 4, 0, 2 * (DBL_IP4BLK_RUNS + 1)); /* one run too many */
	CHECK_INT(dbl_ip4blk_decode(w, 4 + 2 * DBL_IP4BLK_RUNS, &d), 0);
	CHECK_INT(dbl_ip4blk_decode(w, 4 + 2 * (DBL_IP4BLK_RUNS + 1), &d), DBL_ECORRUPT);
	memcpy(w, "\xff\xff\xff\xfe\x01\x05\x00\x06", 8); /* a run after the top address */
	CHECK_INT(dbl_ip4blk_decode(w, 6, &d), 0);
	CHECK_INT(d.last[0], UINT32_MAX);
	CHECK_INT(dbl_ip4blk_decode(w, 8, &d), DBL_ECORRUPT);
	CHECK_INT(dbl_ip4blk_find(v, 5, 10, &vs), DBL_ENOTFOUND);
	CHECK_INT(dbl_ip4blk_any(v, 5, 0, 100), DBL_ENOTFOUND);
}

/* One "ip4" key space of nrec records (scope 1) in a fresh environment;
 * dbl_ip4idx_build's result on it. Record r: key last = bkey[r], value
 * bv[r] of blen[r] bytes. */
static int index_of(const uint32_t *bkey, uint8_t bv[][DBL_IP4BLK_MAX], const size_t *blen,
                    size_t nrec, size_t *entries)
{
	char dir[] = "/tmp/dbl-test-ip4idx-XXXXXX", path[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	struct dbl_ip4idx x = {0};
	int rc;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/db", dir);
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 2);
	CHECK_INT(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, DBL_DBI_IP4, MDB_CREATE, &dbi), 0);
	for (size_t r = 0; r < nrec; r++) {
		uint8_t k[8];
		MDB_val mk = {8, k}, mv = {blen[r], bv[r]};
		dbl_put_u32(k, 1);
		dbl_put_u32(k + 4, bkey[r]);
		CHECK_INT(mdb_put(txn, dbi, &mk, &mv, 0), 0);
	}
	rc = dbl_ip4idx_build(&x, txn, dbi, 0);
	*entries = x.n;
	dbl_ip4idx_free(&x);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	unlink(path);
	snprintf(path, sizeof path, "%s/db-lock", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}

/* The resident index takes the listed runs of well-formed blocks and
 * refuses a file whose blocks are not: a length that is no block, a bkey
 * that is not the last run's end, blocks that overlap, runs that wrap
 * past the top address. */
static void test_index(void)
{
	uint8_t bv[2][DBL_IP4BLK_MAX];
	uint32_t bkey[2];
	size_t blen[2], n;
	struct dbl_ip4blk b = {0};

	CHECK(dbl_ip4blk_add(&b, 10, 12, 5) && dbl_ip4blk_add(&b, 20, 20, 6)); /* 3 runs, one gap */
	bkey[0] = 20;
	blen[0] = dbl_ip4blk_encode(&b, bv[0]);
	memset(&b, 0, sizeof b);
	CHECK(dbl_ip4blk_add(&b, 30, 40, 7));
	bkey[1] = 40;
	blen[1] = dbl_ip4blk_encode(&b, bv[1]);
	CHECK_INT(index_of(bkey, bv, blen, 2, &n), 0);
	CHECK_INT(n, 3); /* listed runs: 10-12, 20, 30-40 */

	CHECK_INT(index_of(bkey, bv, (size_t[]){blen[0], 5}, 2, &n), DBL_ECORRUPT);
	CHECK_INT(index_of((uint32_t[]){20, 39}, bv, blen, 2, &n), DBL_ECORRUPT);
	dbl_put_u32(bv[1], 15); /* second block starts inside the first */
	CHECK_INT(index_of(bkey, bv, blen, 2, &n), DBL_ECORRUPT);
	memset(&b, 0, sizeof b);
	CHECK(dbl_ip4blk_add(&b, UINT32_MAX - 1, UINT32_MAX, 5));
	b.last[1] = 3; /* a second run after the top address */
	b.vsid[1] = 6;
	b.n = 2;
	bkey[0] = 3;
	blen[0] = dbl_ip4blk_encode(&b, bv[0]);
	CHECK_INT(index_of(bkey, bv, blen, 1, &n), DBL_ECORRUPT);
}

TEST_MAIN(test_layout, test_model, test_index)
