/* test_btree.c - dbl_btree (direct page lookups) against LMDB's own search.
 *
 * A generation big enough for three-level trees in every key space (50k
 * IPv4 entries, 10k IPv6, 20k names with wildcards, value sets large
 * enough to need overflow pages) is built through the real parser and
 * builder. Then: the self-check passed (db->bt.ok); 200k random range,
 * strict-range and exact lookups give exactly LMDB's results (same key and
 * data addresses); and lookups over a copy of the file with damaged pages
 * return errors or results but never read outside the copy (run under
 * ASan by tests/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dbl_build.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_parse.h"

static char tmpdir[] = "/tmp/dbl-test-btree-XXXXXX";
static struct dbl_db *db;
static char dbpath[256];
static uint64_t seed = 12345;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void write_file(const char *name, void (*fill)(FILE *))
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	fill(f);
	fclose(f);
}

static void fill_ip4(FILE *f)
{
	/* Distinct TXT per entry: many value sets; some long ones (close to
	 * the 255-byte limit, several per set through merges) for overflow
	 * pages in the vset space. */
	for (int i = 0; i < 200000; i++) {
		uint32_t a = (uint32_t)rnd();
		if (i % 10 == 0)
			fprintf(f, "%u.%u.%u.0/24 :127.0.0.%d:range %d\n", a >> 24, (a >> 16) & 255,
			        (a >> 8) & 255, 2 + i % 8, i);
		else if (i % 97 == 0)
			fprintf(f, "%u.%u.%u.%u :127.0.0.3:%0250d\n", a >> 24, (a >> 16) & 255,
			        (a >> 8) & 255, a & 255, i);
		else
			fprintf(f, "%u.%u.%u.%u :127.0.0.2:entry %d\n", a >> 24, (a >> 16) & 255,
			        (a >> 8) & 255, a & 255, i);
	}
}

static void fill_ip4b(FILE *f)
{
	/* A second dataset in the same zone: merged answers (longer sets). */
	for (int i = 0; i < 3000; i++) {
		uint32_t a = (uint32_t)rnd();
		fprintf(f, "%u.%u.0.0/16 :127.0.0.10:%0200d\n", a >> 24, (a >> 16) & 255, i);
	}
}

static void fill_ip6(FILE *f)
{
	/* ip6tset: /64 prefixes as their four leading groups. */
	fprintf(f, ":127.0.0.2:v6 $\n");
	for (int i = 0; i < 10000; i++) {
		uint64_t a = rnd();
		fprintf(f, "2001:%x:%x:%x\n", (unsigned)(a & 0xffff),
		        (unsigned)((a >> 16) & 0xffff), (unsigned)((a >> 32) & 0xffff));
	}
}

/* Eleven datasets over 10.0.0.0/8 with long TXT values: their merged value
 * set (~2.7 KB) needs overflow pages. */
static void fill_big(FILE *f)
{
	static int n;

	fprintf(f, "10.0.0.0/8 :127.0.0.%d:%0240d\n", 20 + n, n);
	n++;
}

static void fill_names(FILE *f)
{
	for (int i = 0; i < 20000; i++) {
		uint64_t a = rnd();
		fprintf(f, "%s%llx-%d.%s :127.0.1.2:name %d\n", i % 3 == 0 ? "*." : "",
		        (unsigned long long)(a & 0xffffffffff), i, i % 2 ? "com" : "example.net",
		        i);
	}
}

static void build(void)
{
	static const char *specs[] = {
	    "bl.test:ip4set:ip4",  "bl.test:ip4set:ip4b",  "bl.test:ip6tset:ip6",
	    "bl.test:ip4set:big0", "bl.test:ip4set:big1",  "bl.test:ip4set:big2",
	    "bl.test:ip4set:big3", "bl.test:ip4set:big4",  "bl.test:ip4set:big5",
	    "bl.test:ip4set:big6", "bl.test:ip4set:big7",  "bl.test:ip4set:big8",
	    "bl.test:ip4set:big9", "bl.test:ip4set:big10", "dbl.test:dnset:names"};
	enum { NSPECS = sizeof specs / sizeof specs[0] };
	struct dbl_build_zone bz[2];
	struct dbl_parse_opts po = {.now = time(NULL), .max_warnings = 5};
	struct dbl_build_opts bo = {.generation = 1, .now = time(NULL)};
	struct dbl_build_stats st;
	struct dbl_dsdata **ds[NSPECS];
	size_t nds[NSPECS];
	char cwd[512], err[256], name[16];

	CHECK(mkdtemp(tmpdir) != NULL);
	write_file("ip4", fill_ip4);
	write_file("ip4b", fill_ip4b);
	write_file("ip6", fill_ip6);
	write_file("names", fill_names);
	for (int i = 0; i <= 10; i++) {
		snprintf(name, sizeof name, "big%d", i);
		write_file(name, fill_big);
	}
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(tmpdir) == 0);
	memset(bz, 0, sizeof bz);
	for (int i = 0; i < NSPECS; i++) {
		struct dbl_zonespec zs;
		struct dbl_build_zone *z = &bz[i < NSPECS - 1 ? 0 : 1];
		CHECK_INT(dbl_zonespec_parse(&zs, specs[i], err, sizeof err), 0);
		CHECK_INT(dbl_dataset_load(&zs, &po, &ds[i], &nds[i]), 0);
		z->name = zs.zone;
		z->ds = realloc(z->ds, (z->nds + nds[i]) * sizeof *z->ds);
		for (size_t k = 0; k < nds[i]; k++)
			z->ds[z->nds++] = ds[i][k];
		dbl_zonespec_free(&zs);
	}
	snprintf(dbpath, sizeof dbpath, "%s/gen-1.mdb", tmpdir);
	CHECK_INT(dbl_build_write(dbpath, bz, 2, &bo, &st), 0);
	CHECK(chdir(cwd) == 0);
	for (int i = 0; i < NSPECS; i++) {
		for (size_t k = 0; k < nds[i]; k++)
			dbl_dsdata_free(ds[i][k]);
		free(ds[i]);
	}
	free(bz[0].ds);
	free(bz[1].ds);
	CHECK_INT(dbl_db_open_file(&db, dbpath), 0);
}

static void test_format_verified(void)
{
	MDB_stat ms;
	MDB_txn *txn;

	CHECK(db->bt.ok);
	/* The fixture must exercise real trees: several levels everywhere. */
	CHECK_INT(mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), 0);
	for (int t = 0; t < 4; t++) {
		MDB_dbi d[] = {db->dbi_ip4, db->dbi_ip6, db->dbi_name, db->dbi_vset};
		mdb_stat(txn, d[t], &ms);
		printf("tree %d: %zu entries, depth %u, %zu overflow pages\n", t, ms.ms_entries,
		       ms.ms_depth, ms.ms_overflow_pages);
	}
	CHECK(mdb_stat(txn, db->dbi_ip4, &ms) == 0 && ms.ms_depth >= 3);
	CHECK(mdb_stat(txn, db->dbi_ip6, &ms) == 0 && ms.ms_depth >= 2);
	CHECK(mdb_stat(txn, db->dbi_name, &ms) == 0 && ms.ms_depth >= 3);
	CHECK(mdb_stat(txn, db->dbi_vset, &ms) == 0 && ms.ms_overflow_pages > 0);
	mdb_txn_abort(txn);
}

static bool same(int rc1, const MDB_val *k1, const MDB_val *d1, int rc2, const MDB_val *k2,
                 const MDB_val *d2)
{
	return rc1 == rc2 &&
	       (rc1 != 0 || (k1->mv_data == k2->mv_data && k1->mv_size == k2->mv_size &&
	                     d1->mv_data == d2->mv_data && d1->mv_size == d2->mv_size));
}

/* A random key of the space's shape: scope ids 0..3 first (the fixture
 * uses 1 and 2), small value-set ids. */
static size_t make_key(enum dbl_bt_tree t, uint8_t *key)
{
	static const size_t len[] = {8, 20, 0, 4};
	size_t kl = len[t] ? len[t] : 5 + rnd() % 40;

	for (size_t j = 0; j < kl; j++)
		key[j] = (uint8_t)rnd();
	if (t != DBL_BT_VSET) {
		memset(key, 0, 3);
		key[3] = (uint8_t)(rnd() % 4);
	} else {
		memset(key, 0, 2);
	}
	return kl;
}

static void test_same_as_lmdb(void)
{
	const MDB_dbi dbi[DBL_BT_NTREES] = {db->dbi_ip4, db->dbi_ip6, db->dbi_name, db->dbi_vset};
	MDB_txn *txn;
	unsigned found = 0, exact = 0, bad = 0;

	CHECK_INT(mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn), 0);
	for (int t = 0; t < DBL_BT_NTREES; t++) {
		MDB_cursor *c;
		CHECK_INT(mdb_cursor_open(txn, dbi[t], &c), 0);
		for (int i = 0; i < 200000; i++) {
			uint8_t key[64];
			size_t kl = make_key((enum dbl_bt_tree)t, key);
			MDB_val lk = {kl, key}, ld, bk, bd;
			int lrc, brc;
			if (i % 3 == 0 && mdb_cursor_get(c, &lk, &ld, MDB_SET_RANGE) == 0 &&
			    lk.mv_size <= sizeof key) {
				/* an existing key, sometimes with its last byte bumped */
				kl = lk.mv_size;
				memcpy(key, lk.mv_data, kl);
				if (i % 2)
					key[kl - 1]++;
				lk = (MDB_val){kl, key};
			}
			lrc = mdb_cursor_get(c, &lk, &ld, MDB_SET_RANGE) == 0 ? 0 : DBL_ENOTFOUND;
			brc = dbl_bt_range(&db->bt, (enum dbl_bt_tree)t, key, kl, false, &bk, &bd);
			bad += !same(lrc, &lk, &ld, brc, &bk, &bd);
			if (lrc != 0)
				continue;
			found++;
			if (lk.mv_size == kl && memcmp(lk.mv_data, key, kl) == 0) {
				MDB_val g = lk, gd;
				exact++;
				lrc =
				    mdb_cursor_get(c, &lk, &ld, MDB_NEXT) == 0 ? 0 : DBL_ENOTFOUND;
				brc = dbl_bt_range(&db->bt, (enum dbl_bt_tree)t, key, kl, true, &bk,
				                   &bd);
				bad += !same(lrc, &lk, &ld, brc, &bk, &bd);
				CHECK_INT(mdb_get(txn, dbi[t], &g, &gd), 0);
				CHECK_INT(dbl_bt_get(&db->bt, (enum dbl_bt_tree)t, key, kl, &bd),
				          0);
				bad += gd.mv_data != bd.mv_data || gd.mv_size != bd.mv_size;
			} else {
				bad += dbl_bt_get(&db->bt, (enum dbl_bt_tree)t, key, kl, &bd) !=
				       DBL_ENOTFOUND;
			}
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	CHECK_INT(bad, 0);
	CHECK(found > 50000 && exact > 10000);
	printf("%u found, %u exact, %u different\n", found, exact, bad);
}

/* Damaged copies: random bytes of random pages overwritten. Every lookup
 * must come back (ENOTFOUND, ECORRUPT or an entry inside the copy); ASan
 * turns any read outside the copy into a failure. */
static void test_damaged_pages(void)
{
	struct dbl_btree bt = db->bt;
	size_t size = bt.npages * bt.psize;
	uint8_t *copy = malloc(size);
	unsigned errors = 0;

	CHECK(copy != NULL);
	for (int round = 0; round < 200; round++) {
		memcpy(copy, bt.map, size);
		bt.map = copy;
		bt.ok = true;
		for (int j = 0; j < 64; j++) {
			size_t pg = 2 + rnd() % (bt.npages - 2), off = rnd() % bt.psize;
			copy[pg * bt.psize + off] = (uint8_t)rnd();
			if (round % 2) /* hit the header and index, where pointers live */
				copy[pg * bt.psize + rnd() % 64] = (uint8_t)rnd();
		}
		for (int i = 0; i < 500; i++) {
			enum dbl_bt_tree t = (enum dbl_bt_tree)(rnd() % DBL_BT_NTREES);
			uint8_t key[24];
			MDB_val k, d;
			int rc;
			for (size_t b = 0; b < sizeof key; b++)
				key[b] = (uint8_t)rnd();
			key[0] = key[1] = key[2] = 0;
			rc = dbl_bt_range(&bt, t, key, t == DBL_BT_IP6 ? 20 : 8, i & 1, &k, &d);
			if (rc == 0) {
				const uint8_t *kp = k.mv_data, *dp = d.mv_data;
				CHECK(kp >= copy && kp + k.mv_size <= copy + size);
				CHECK(dp >= copy && dp + d.mv_size <= copy + size);
			} else {
				CHECK(rc == DBL_ENOTFOUND || rc == DBL_ECORRUPT);
				errors += rc == DBL_ECORRUPT;
			}
		}
	}
	free(copy);
	CHECK(errors > 0); /* the damage was seen, not silently skipped */
}

static void cleanup(void)
{
	char p[512];

	dbl_db_close(db);
	for (const char **n = (const char *[]){"ip4", "ip4b", "ip6", "names", "gen-1.mdb", NULL};
	     *n; n++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, *n);
		unlink(p);
	}
	for (int i = 0; i <= 10; i++) {
		snprintf(p, sizeof p, "%s/big%d", tmpdir, i);
		unlink(p);
	}
	rmdir(tmpdir);
}

TEST_MAIN(build, test_format_verified, test_same_as_lmdb, test_damaged_pages, cleanup)
