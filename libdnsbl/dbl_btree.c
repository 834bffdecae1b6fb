/* dbl_btree.c - lookups on the pages of an LMDB 0.9 file (see dbl_btree.h). */
#include <string.h>

#include "dbl_btree.h"
#include "dbl_err.h"
#include "dbl_schema.h"

/* LMDB 0.9 on-disk constants (mdb.c; 64-bit build, PAGEBASE 0). */
#define PAGEHDRSZ  16u
#define NODESZ     8u
#define P_BRANCH   0x01u
#define P_LEAF     0x02u
#define P_OVERFLOW 0x04u
#define P_LEAF2    0x20u
#define P_SUBP     0x40u
#define F_BIGDATA  0x01u
#define F_SUBDATA  0x02u
#define F_DUPDATA  0x04u
#define MDB_DB_SZ  48u /* struct MDB_db: pad u32, flags u16, depth u16, 4 x u64, root u64 */
#define DEPTH_MAX  32u /* LMDB's CURSOR_STACK: no tree it writes is deeper */
#define NO_ROOT    UINT64_MAX

/* Host-order reads (LMDB writes its headers in host order). */
static inline uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t be64(const uint8_t *p)
{
	return __builtin_bswap64(rd64(p));
}

/* LMDB's default key order (mdb_cmp_memn): bytes unsigned, then the
 * shorter key first. 8-byte keys (the IPv4 space) compare as one word. */
static inline int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl, i = 0;

	if (al == 8 && bl == 8) {
		uint64_t x = be64(a), y = be64(b);
		return (x > y) - (x < y);
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t x = be64(a + i), y = be64(b + i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (i + 4 <= n) {
		uint32_t x, y;
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		if (x != y)
			return __builtin_bswap32(x) < __builtin_bswap32(y) ? -1 : 1;
		i += 4;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (al > bl) - (al < bl);
}

/* Page pg, checked: in use, its stored number, a branch or a plain leaf
 * page with a sane node index. NULL when damaged. *n: number of nodes. */
static const uint8_t *get_page(const struct dbl_btree *bt, uint64_t pg, unsigned *n)
{
	const uint8_t *p;
	uint16_t flags, lower, upper;

	if (pg >= bt->npages)
		return NULL;
	p = bt->map + pg * bt->psize;
	flags = rd16(p + 10);
	lower = rd16(p + 12);
	upper = rd16(p + 14);
	if (rd64(p) != pg || !(flags & (P_BRANCH | P_LEAF)) ||
	    (flags & (P_OVERFLOW | P_LEAF2 | P_SUBP)) || lower < PAGEHDRSZ + 2 || lower > upper ||
	    upper > bt->psize)
		return NULL;
	*n = (lower - PAGEHDRSZ) >> 1;
	return p;
}

/* Node i of page p (i < n), its key checked to lie inside the page. */
static inline const uint8_t *get_node(const struct dbl_btree *bt, const uint8_t *p, unsigned i)
{
	size_t off = rd16(p + PAGEHDRSZ + 2 * i);

	if (off < PAGEHDRSZ || off + NODESZ > bt->psize ||
	    off + NODESZ + rd16(p + off + 6) > bt->psize)
		return NULL;
	return p + off;
}

static inline uint64_t child_of(const uint8_t *nd)
{
	return (uint64_t)rd16(nd) | (uint64_t)rd16(nd + 2) << 16 | (uint64_t)rd16(nd + 4) << 32;
}

/* Key and data of leaf node nd of page p, data on overflow pages
 * followed. */
static int leaf_entry(const struct dbl_btree *bt, const uint8_t *p, const uint8_t *nd, MDB_val *k,
                      MDB_val *d)
{
	size_t off = (size_t)(nd - p), ks = rd16(nd + 6);
	size_t ds = (size_t)rd16(nd) | (size_t)rd16(nd + 2) << 16;
	uint16_t flags = rd16(nd + 4);

	if (flags & (F_SUBDATA | F_DUPDATA))
		return DBL_ECORRUPT; /* no sub-databases in our schema */
	k->mv_data = (void *)(nd + NODESZ);
	k->mv_size = ks;
	if (!(flags & F_BIGDATA)) {
		if (off + NODESZ + ks + ds > bt->psize)
			return DBL_ECORRUPT;
		d->mv_data = (void *)(nd + NODESZ + ks);
		d->mv_size = ds;
		return 0;
	}
	/* Overflow: the node holds the first page number; the pages follow
	 * it, the data after the first page's header. */
	if (off + NODESZ + ks + 8 > bt->psize)
		return DBL_ECORRUPT;
	uint64_t op = rd64(nd + NODESZ + ks);
	if (op >= bt->npages || (bt->npages - op) * bt->psize < PAGEHDRSZ + ds)
		return DBL_ECORRUPT;
	const uint8_t *o = bt->map + op * bt->psize;
	if (rd64(o) != op || !(rd16(o + 10) & P_OVERFLOW))
		return DBL_ECORRUPT;
	d->mv_data = (void *)(o + PAGEHDRSZ);
	d->mv_size = ds;
	return 0;
}

/* Prefetch page p: its lines arrive in parallel instead of one miss per
 * binary-search probe (the leaf level is the one that misses). */
static inline void prefetch_page(const struct dbl_btree *bt, const uint8_t *p)
{
	for (size_t o = 0; o < bt->psize; o += 64)
		__builtin_prefetch(p + o);
}

/* The first entry after the leaf at the bottom of path: up to the nearest
 * branch with a right sibling, then down its leftmost edge. */
static int next_first(const struct dbl_btree *bt, const uint64_t *path, const unsigned *at,
                      unsigned depth, MDB_val *k, MDB_val *d)
{
	const uint8_t *p, *nd;
	uint64_t pg;
	unsigned n;

	for (;;) {
		if (depth == 0)
			return DBL_ENOTFOUND; /* key is past the last entry */
		depth--;
		if (!(p = get_page(bt, path[depth], &n)))
			return DBL_ECORRUPT;
		if (at[depth] + 1 < n)
			break;
	}
	if (!(nd = get_node(bt, p, at[depth] + 1)))
		return DBL_ECORRUPT;
	pg = child_of(nd);
	for (unsigned g = 0; g < DEPTH_MAX; g++) {
		if (!(p = get_page(bt, pg, &n)) || !(nd = get_node(bt, p, 0)))
			return DBL_ECORRUPT;
		if (rd16(p + 10) & P_LEAF)
			return leaf_entry(bt, p, nd, k, d);
		pg = child_of(nd);
	}
	return DBL_ECORRUPT;
}

/* The descent shared by range and exact lookups. mode: 0 = first key >=
 * key, 1 = first key > key, 2 = exact. */
static int search(const struct dbl_btree *bt, enum dbl_bt_tree t, const uint8_t *key, size_t klen,
                  int mode, MDB_val *k, MDB_val *d)
{
	uint64_t path[DEPTH_MAX];
	unsigned at[DEPTH_MAX], depth = 0, n, lo, hi;
	uint64_t pg = bt->root[t];
	const uint8_t *p, *nd;

	if (pg == NO_ROOT)
		return DBL_ENOTFOUND;
	for (;;) {
		if (depth == DEPTH_MAX || !(p = get_page(bt, pg, &n)))
			return DBL_ECORRUPT;
		if (rd16(p + 10) & P_LEAF)
			break;
		/* Branch: the child whose range holds key is the last node
		 * i >= 1 with key(i) <= key, else node 0, whose key is never
		 * compared (as LMDB's mdb_page_search_root). */
		lo = 1;
		hi = n;
		while (lo < hi) {
			unsigned mid = (lo + hi) >> 1;
			if (!(nd = get_node(bt, p, mid)))
				return DBL_ECORRUPT;
			if (key_cmp(nd + NODESZ, rd16(nd + 6), key, klen) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!(nd = get_node(bt, p, lo - 1)))
			return DBL_ECORRUPT;
		path[depth] = pg;
		at[depth++] = lo - 1;
		pg = child_of(nd);
	}
	prefetch_page(bt, p);
	/* Leaf: the first node whose key is >= key (> key in mode 1). */
	lo = 0;
	hi = n;
	while (lo < hi) {
		unsigned mid = (lo + hi) >> 1;
		int c;
		if (!(nd = get_node(bt, p, mid)))
			return DBL_ECORRUPT;
		c = key_cmp(nd + NODESZ, rd16(nd + 6), key, klen);
		if (c < 0 || (c == 0 && mode == 1))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n) {
		if (!(nd = get_node(bt, p, lo)))
			return DBL_ECORRUPT;
		if (mode == 2 && key_cmp(nd + NODESZ, rd16(nd + 6), key, klen) != 0)
			return DBL_ENOTFOUND;
		return leaf_entry(bt, p, nd, k, d);
	}
	if (mode == 2)
		return DBL_ENOTFOUND;
	return next_first(bt, path, at, depth, k, d);
}

int dbl_bt_range(const struct dbl_btree *bt, enum dbl_bt_tree t, const uint8_t *key, size_t klen,
                 bool strict, MDB_val *k, MDB_val *d)
{
	return search(bt, t, key, klen, strict ? 1 : 0, k, d);
}

int dbl_bt_get(const struct dbl_btree *bt, enum dbl_bt_tree t, const uint8_t *key, size_t klen,
               MDB_val *d)
{
	MDB_val k;

	return search(bt, t, key, klen, 2, &k, d);
}

int dbl_bt_cmp(const MDB_val *a, const MDB_val *b)
{
	return key_cmp(a->mv_data, a->mv_size, b->mv_data, b->mv_size);
}

/* ---- set-up and the self-check against LMDB ---- */

static bool same(int rc1, const MDB_val *k1, const MDB_val *d1, int rc2, const MDB_val *k2,
                 const MDB_val *d2)
{
	if (rc1 != rc2)
		return false;
	return rc1 != 0 || (k1->mv_data == k2->mv_data && k1->mv_size == k2->mv_size &&
	                    d1->mv_data == d2->mv_data && d1->mv_size == d2->mv_size);
}

/* One probe key: range, strict range and (on what range found) exact
 * lookups must give exactly what LMDB's cursor and mdb_get give. */
static bool probe(const struct dbl_btree *bt, enum dbl_bt_tree t, MDB_txn *txn, MDB_dbi dbi,
                  MDB_cursor *c, const uint8_t *key, size_t klen)
{
	MDB_val lk = {klen, (void *)key}, ld, bk, bd;
	int lrc, brc;

	lrc = mdb_cursor_get(c, &lk, &ld, MDB_SET_RANGE) == 0 ? 0 : DBL_ENOTFOUND;
	brc = dbl_bt_range(bt, t, key, klen, false, &bk, &bd);
	if (!same(lrc, &lk, &ld, brc, &bk, &bd))
		return false;
	if (lrc == 0 && lk.mv_size == klen && memcmp(lk.mv_data, key, klen) == 0) {
		MDB_val g = lk, gd;
		lrc = mdb_cursor_get(c, &lk, &ld, MDB_NEXT) == 0 ? 0 : DBL_ENOTFOUND;
		brc = dbl_bt_range(bt, t, key, klen, true, &bk, &bd);
		if (!same(lrc, &lk, &ld, brc, &bk, &bd))
			return false;
		lrc = mdb_get(txn, dbi, &g, &gd) == 0 ? 0 : DBL_ENOTFOUND;
		brc = dbl_bt_get(bt, t, g.mv_data, g.mv_size, &bd);
		return lrc == brc &&
		       (lrc != 0 || (gd.mv_data == bd.mv_data && gd.mv_size == bd.mv_size));
	}
	return true;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ~100 probes: every existing key at the first and last entry, random
 * keys of the key space's usual shape (scope ids 0..3 first), and each
 * entry they land on looked up exactly. */
static bool self_check(const struct dbl_btree *bt, enum dbl_bt_tree t, MDB_txn *txn, MDB_dbi dbi)
{
	static const size_t klen[DBL_BT_NTREES] = {8, 20, 0, 4};
	uint8_t key[32];
	uint64_t seed = 0x9E3779B97F4A7C15ull ^ (uint64_t)t;
	MDB_cursor *c;
	MDB_val k, d;
	bool ok = true;

	if (mdb_cursor_open(txn, dbi, &c) != 0)
		return false;
	for (int edge = 0; edge < 2 && ok; edge++)
		if (mdb_cursor_get(c, &k, &d, edge ? MDB_LAST : MDB_FIRST) == 0 &&
		    k.mv_size <= sizeof key) {
			size_t kl = k.mv_size;
			memcpy(key, k.mv_data, kl);
			ok = probe(bt, t, txn, dbi, c, key, kl);
		}
	for (int i = 0; i < 96 && ok; i++) {
		size_t kl = klen[t] ? klen[t] : 5 + xorshift(&seed) % 24;
		for (size_t j = 0; j < kl; j++)
			key[j] = (uint8_t)xorshift(&seed);
		if (t != DBL_BT_VSET)
			memcpy(key, (uint8_t[]){0, 0, 0, (uint8_t)(i & 3)}, 4);
		ok = probe(bt, t, txn, dbi, c, key, kl);
	}
	/* Past the end and before the start. */
	memset(key, 0xff, sizeof key);
	ok = ok && probe(bt, t, txn, dbi, c, key, klen[t] ? klen[t] : 24);
	memset(key, 0, sizeof key);
	ok = ok && probe(bt, t, txn, dbi, c, key, klen[t] ? klen[t] : 1);
	mdb_cursor_close(c);
	return ok;
}

void dbl_bt_init(struct dbl_btree *bt, MDB_env *env, MDB_txn *txn, const MDB_dbi dbi[DBL_BT_NTREES],
                 const void *map, size_t maplen)
{
	static const char *names[DBL_BT_NTREES] = {DBL_DBI_IP4, DBL_DBI_IP6, DBL_DBI_NAME,
	                                           DBL_DBI_VSET};
	MDB_envinfo info;
	MDB_stat st;
	MDB_dbi main_dbi;

	memset(bt, 0, sizeof *bt);
	if (!map || mdb_env_stat(env, &st) != 0 || mdb_env_info(env, &info) != 0 ||
	    st.ms_psize < 512 || st.ms_psize > 65536 || mdb_dbi_open(txn, NULL, 0, &main_dbi) != 0)
		return;
	bt->map = map;
	bt->psize = st.ms_psize;
	bt->npages = (uint64_t)info.me_last_pgno + 1;
	if (bt->npages > maplen / bt->psize)
		return; /* the map must hold every page in use */
	for (int t = 0; t < DBL_BT_NTREES; t++) {
		MDB_val k = {strlen(names[t]), (void *)names[t]}, v;
		uint64_t root;
		if (mdb_get(txn, main_dbi, &k, &v) != 0 || v.mv_size != MDB_DB_SZ)
			return;
		/* md_flags 0: plain keys (no DUPSORT, INTEGERKEY, REVERSEKEY). */
		if (rd16((const uint8_t *)v.mv_data + 4) != 0)
			return;
		root = rd64((const uint8_t *)v.mv_data + 40);
		bt->root[t] = root == UINT64_MAX ? NO_ROOT : root; /* P_INVALID: empty */
		if (bt->root[t] != NO_ROOT && root >= bt->npages)
			return;
	}
	for (int t = 0; t < DBL_BT_NTREES; t++)
		if (!self_check(bt, (enum dbl_bt_tree)t, txn, dbi[t]))
			return;
	bt->ok = true;
}
