/* test_index.c - the resident indexes (DBL_DB_RESIDENT: the dense IPv4
 * index, the value-set table, the name hash index) answer exactly as the
 * B-tree search over the same generation, at every interval edge, every
 * stored name and its prefixes, and where nothing is stored. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "dbl_build.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_ip4idx.h"
#include "dbl_name.h"
#include "dbl_nameidx.h"
#include "dbl_schema.h"
#include "dbl_vset.h"
#include "ds_fixture.h"

/* End both transactions, close both opens of one file, remove it. */
static void close_pair(struct dbl_rtxn *rp, struct dbl_rtxn *rr, struct dbl_db *plain,
                       struct dbl_db *res, const char *path, const char *dir)
{
	dbl_rtxn_end(rp);
	dbl_rtxn_end(rr);
	dbl_db_close(plain);
	dbl_db_close(res);
	unlink(path);
	rmdir(dir);
}

/* The dense IPv4 index (DBL_DB_RESIDENT) answers exactly as the B-tree:
 * one zone large enough for a /16 directory, one searched whole, at every
 * interval edge, at random addresses, and for scopes that do not exist. */
static void test_ip4idx(void)
{
	enum { NBIG = 12000, NSMALL = 40 };
	struct dbl_dsdata *big = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *small = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_build_zone z[2] = {{.nds = 1, .ds = &big}, {.nds = 1, .ds = &small}};
	struct dbl_build_opts o = {.generation = 1, .now = 1000};
	struct dbl_build_stats st;
	struct dbl_db *plain, *res;
	struct dbl_rtxn rp, rr;
	char dir[] = "/tmp/dbl-test-ip4idx-XXXXXX", path[256];
	int32_t bv[3] = {fix_val(big, 2, NULL), fix_val(big, 3, "x"), fix_val(big, 4, NULL)};
	int32_t sv = fix_val(small, 10, NULL);
	unsigned checked = 0;

	big->ip4 = realloc(big->ip4, (NBIG + 2) * sizeof *big->ip4);
	for (size_t i = 0; i < NBIG; i++) {
		uint32_t lo = fix_rnd(0xFFFF) << 16 | fix_rnd(0xFFFF),
		         len = i % 5 ? 0 : fix_rnd(70000);
		uint32_t hi = lo + len < lo ? 0xFFFFFFFFu : lo + len;
		fix_add4(big, lo, hi, len ? 24 : 32, i % 17 == 0 ? DBL_VID_EXCLUDE : bv[i % 3]);
	}
	fix_add4(big, 0, 0, 32, bv[0]);                     /* the first address */
	fix_add4(big, 0xFFFFFFFFu, 0xFFFFFFFFu, 32, bv[1]); /* and the last */
	for (size_t i = 0; i < NSMALL; i++)
		fix_add4(small, fix_ip(10, (unsigned)i, 0, 0), fix_ip(10, (unsigned)i, 0, 255), 24,
		         sv);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/gen-1.mdb", dir);
	CHECK(dbl_wname_from_text(&z[0].name, "big.test", 8) == 0);
	CHECK(dbl_wname_from_text(&z[1].name, "small.test", 10) == 0);
	CHECK_INT(dbl_build_write(path, z, 2, &o, &st), 0);
	CHECK_INT(dbl_db_open_file(&plain, path), 0);
	CHECK_INT(dbl_db_open_file_flags(&res, path, DBL_DB_RESIDENT), 0);
	CHECK(!plain->ip4idx.ready && res->ip4idx.ready);
	CHECK_INT(res->ip4idx.nsc, 2);
	CHECK(res->ip4idx.sc[0].dir != NULL && res->ip4idx.sc[1].dir == NULL);
	CHECK_INT(dbl_rtxn_begin(&rp, plain), 0);
	CHECK_INT(dbl_rtxn_begin(&rr, res), 0);
	for (uint32_t scope = 0; scope <= 3; scope++) {
		for (size_t i = 0; i < res->ip4idx.n + 3000; i++) {
			uint32_t a[4], n = 4, v1 = 0, v2 = 0;
			if (i < res->ip4idx.n) {
				const struct dbl_ip4rec *x = &res->ip4idx.rec[i];
				a[0] = x->lo - 1, a[1] = x->lo, a[2] = x->hi, a[3] = x->hi + 1;
			} else {
				a[0] = fix_rnd(0xFFFF) << 16 | fix_rnd(0xFFFF);
				n = 1;
			}
			for (uint32_t j = 0; j < n; j++) {
				uint32_t span = fix_rnd(3) ? fix_rnd(300) : fix_rnd(0x7FFFFFFF);
				uint32_t end = a[j] + span < a[j] ? 0xFFFFFFFFu : a[j] + span;
				int r1 = dbl_lookup_ip4(&rp, scope, a[j], &v1);
				int r2 = dbl_lookup_ip4(&rr, scope, a[j], &v2);
				CHECK_INT(r2, r1);
				if (r1 == 0)
					CHECK_INT(v2, v1);
				CHECK_INT(dbl_lookup_ip4_any(&rr, scope, a[j], end),
				          dbl_lookup_ip4_any(&rp, scope, a[j], end));
				checked++;
			}
		}
	}
	CHECK(checked > 4 * 4 * NBIG / 2);
	/* Prefetch hints read the directory: at its first and last word
	 * (ASan checks the bounds) */
	for (int stage = 0; stage <= 1; stage++) {
		dbl_ip4idx_prefetch(&res->ip4idx, 0, stage);
		dbl_ip4idx_prefetch(&res->ip4idx, 0xFFFFFFFFu, stage);
	}
	/* The same index with forced directory sizes (automatic: 16 bits
	 * here; large feeds get up to 24): same answers at every edge. */
	for (unsigned bits = 17; bits <= 24; bits += 7) {
		struct dbl_ip4idx x = {0};
		MDB_txn *txn;
		CHECK_INT(mdb_txn_begin(res->env, NULL, MDB_RDONLY, &txn), 0);
		CHECK_INT(dbl_ip4idx_build(&x, txn, res->dbi_ip4, bits), 0);
		mdb_txn_abort(txn);
		CHECK(x.ready && x.sc[0].dir && x.sc[0].shift == 32 - bits);
		for (size_t i = 0; i < x.n; i++) {
			const struct dbl_ip4rec *e = &x.rec[i];
			uint32_t a[4] = {e->lo - 1, e->lo, e->hi, e->hi + 1};
			for (unsigned j = 0; j < 4; j++) {
				uint32_t v1 = 0, v2 = 0;
				int r1 = dbl_lookup_ip4(&rp, 1, a[j], &v1);
				CHECK_INT(dbl_ip4idx_lookup(&x, 1, a[j], &v2), r1);
				if (r1 == 0)
					CHECK_INT(v2, v1);
				CHECK_INT(dbl_ip4idx_any(&x, 1, a[j],
				                         a[j] + 100 < a[j] ? a[j] : a[j] + 100),
				          dbl_lookup_ip4_any(
				              &rp, 1, a[j], a[j] + 100 < a[j] ? a[j] : a[j] + 100));
			}
		}
		dbl_ip4idx_free(&x);
	}
	/* The value-set table (also DBL_DB_RESIDENT): every stored set, the
	 * same bytes as the B-tree's; ids outside it are refused by both. */
	CHECK(plain->vs == NULL && res->vs != NULL && res->nvs >= 4);
	for (uint32_t id = 0; id < DBL_VSID_FIRST + res->nvs + 2; id++) {
		const uint8_t *b1, *b2;
		size_t l1, l2;
		int r1 = dbl_vset_get(&rp, id, &b1, &l1);
		CHECK_INT(dbl_vset_get(&rr, id, &b2, &l2), r1);
		CHECK_INT(
		    r1, id >= DBL_VSID_FIRST && id < DBL_VSID_FIRST + res->nvs ? 0 : DBL_ECORRUPT);
		if (r1 == 0)
			CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	}
	close_pair(&rp, &rr, plain, res, path, dir);
	fix_ds_free(big);
	fix_ds_free(small);
}

/* Every prefix of a name key, byte by byte: its parents (the lookups
 * nearest_wild makes) and keys that are not label-aligned, never stored. */
static void check_name_and_parents(struct dbl_rtxn *rp, struct dbl_rtxn *rr, uint32_t scope,
                                   const uint8_t *key, size_t kl, unsigned *checked)
{
	bool label_end[257] = {true}; /* pl = 0: the scope itself */

	for (size_t i = 0; i < kl; i += (size_t)key[i] + 1)
		label_end[i + key[i] + 1 <= kl ? i + key[i] + 1 : 0] = true;
	for (size_t pl = kl + 1; pl-- > 0;) {
		struct dbl_namerec a = {0}, b = {0};
		int r1 = dbl_lookup_name(rp, scope, key, pl, &a);
		CHECK_INT(dbl_lookup_name(rr, scope, key, pl, &b), r1);
		if (r1 == 0)
			CHECK(a.exact == b.exact && a.wild == b.wild);
		/* the empty non-terminal test, at whole labels (as queries ask) */
		if (label_end[pl])
			CHECK_INT(dbl_lookup_name_below(rr, scope, key, pl),
			          dbl_lookup_name_below(rp, scope, key, pl));
		(*checked)++;
	}
}

/* The name hash index (DBL_DB_RESIDENT) answers exactly as the B-tree for
 * every stored name, all their prefixes, names never stored, and other
 * scopes; thousands of names, so probe sequences collide. */
static void test_nameidx(void)
{
	enum { NNAMES = 3000 };
	struct dbl_dsdata *dn = fix_ds_new("dnset", DBL_MERGE_UNION);
	struct dbl_build_zone z = {.nds = 1, .ds = &dn};
	struct dbl_build_opts o = {.generation = 1, .now = 1000};
	struct dbl_build_stats st;
	struct dbl_db *plain, *res;
	struct dbl_rtxn rp, rr;
	char dir[] = "/tmp/dbl-test-nameidx-XXXXXX", path[256], text[64];
	int32_t v[3] = {fix_val(dn, 2, NULL), fix_val(dn, 3, "y"), fix_val(dn, 4, NULL)};
	unsigned checked = 0;

	dn->names = realloc(dn->names, (NNAMES + 8) * sizeof *dn->names);
	for (size_t i = 0; i < NNAMES; i++) {
		/* three levels under a few parents, so parents are shared */
		snprintf(text, sizeof text, "h%u.d%u.t%u", (unsigned)fix_rnd(100000),
		         (unsigned)fix_rnd(300), (unsigned)fix_rnd(5));
		fix_addname(dn, text, i % 4 == 0, i % 23 == 0 ? DBL_VID_EXCLUDE : v[i % 3]);
	}
	fix_addname(dn, "t1", true, v[0]); /* a wildcard at a parent */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/gen-1.mdb", dir);
	CHECK(dbl_wname_from_text(&z.name, "dbl.test", 8) == 0);
	CHECK_INT(dbl_build_write(path, &z, 1, &o, &st), 0);
	CHECK_INT(dbl_db_open_file(&plain, path), 0);
	CHECK_INT(dbl_db_open_file_flags(&res, path, DBL_DB_RESIDENT), 0);
	CHECK(!plain->nameidx.ready && res->nameidx.ready && res->nameidx.n > NNAMES / 2);
	CHECK_INT(dbl_rtxn_begin(&rp, plain), 0);
	CHECK_INT(dbl_rtxn_begin(&rr, res), 0);
	for (uint32_t scope = 0; scope <= 2; scope++) {
		for (size_t i = 0; i < dn->nnames; i++)
			check_name_and_parents(&rp, &rr, scope, dn->names[i].key,
			                       dn->names[i].keylen, &checked);
		for (size_t i = 0; i < 2000; i++) { /* names never stored */
			uint8_t rel[256], key[256];
			snprintf(text, sizeof text, "x%u.d%u.t%u", (unsigned)fix_rnd(100000),
			         (unsigned)fix_rnd(300), (unsigned)fix_rnd(5));
			size_t kl = dbl_namekey_from_rel(
			    key, rel, (size_t)dbl_rel_from_text(rel, text, strlen(text)));
			check_name_and_parents(&rp, &rr, scope, key, kl, &checked);
		}
	}
	CHECK(checked > 3 * NNAMES * 10);
	{
		/* A tag match is confirmed by the key: an entry for another key
		 * of the same length, placed where "abc" probes with its tag. */
		static const uint8_t ka[7] = {0, 0, 0, 1, 'a', 'b', 'c'};
		static const uint8_t kx[7] = {0, 0, 0, 1, 'a', 'b', 'd'};
		struct dbl_nidx_slot slots[16] = {{0}};
		struct dbl_nidx_ent ent = {kx, 7, 5, 6, DBL_NIDX_RECORD};
		struct dbl_nameidx x = {
		    .ready = true, .slot = slots, .mask = 15, .ent = &ent, .n = 1};
		struct dbl_namerec rec;
		uint64_t h = dbl_nameidx_hash(ka, 7);
		slots[h & 15] = (struct dbl_nidx_slot){(uint32_t)(h >> 32), 1};
		CHECK_INT(dbl_nameidx_get(&x, ka, 7, &rec), DBL_ENOTFOUND);
		ent.key = ka;
		CHECK_INT(dbl_nameidx_get(&x, ka, 7, &rec), 0);
		CHECK(rec.exact == 5 && rec.wild == 6);
	}
	close_pair(&rp, &rr, plain, res, path, dir);
	fix_ds_free(dn);
}

TEST_MAIN(test_ip4idx, test_nameidx)
