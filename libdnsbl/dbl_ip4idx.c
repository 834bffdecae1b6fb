/* dbl_ip4idx.c - dense in-memory IPv4 interval index (see dbl_ip4idx.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_bigmem.h"
#include "dbl_err.h"
#include "dbl_ip4blk.h"
#include "dbl_ip4idx.h"
#include "dbl_schema.h"

/* Directory bits: about DIR_PER entries per bucket, so a lookup reads one
 * directory word and then one or two cache lines of records; at least a
 * /16 per bucket, at most a /8 (24 bits: 64 MiB of directory). */
#define DIR_PER      4
#define DIR_BITS_MIN 16
#define DIR_BITS_MAX 24

static size_t dir_bytes(const struct dbl_ip4scope *s)
{
	return (((size_t)1 << (32 - s->shift)) + 1) * sizeof *s->dir;
}

static unsigned auto_bits(uint32_t count)
{
	unsigned bits = DIR_BITS_MIN;

	while (bits < DIR_BITS_MAX && ((uint64_t)DIR_PER << bits) < count)
		bits++;
	return bits;
}

void dbl_ip4idx_free(struct dbl_ip4idx *x)
{
	for (size_t i = 0; i < x->nsc; i++)
		dbl_big_free(x->sc[i].dir, x->sc[i].dir ? dir_bytes(&x->sc[i]) : 0);
	free(x->sc);
	dbl_big_free(x->rec, x->n_alloc * sizeof *x->rec);
	memset(x, 0, sizeof *x);
}

/* The directory of one large scope: one pass over its sorted records. */
static int make_dir(struct dbl_ip4scope *s, const struct dbl_ip4rec *r, unsigned bits)
{
	uint32_t i = 0, nb = 1u << bits;

	s->shift = (uint8_t)(32 - bits);
	if (!(s->dir = dbl_big_alloc(dir_bytes(s))))
		return -ENOMEM;
	for (uint32_t b = 0; b < nb; b++) {
		while (i < s->count && r[i].hi < (uint32_t)((uint64_t)b << s->shift))
			i++;
		s->dir[b] = i;
	}
	s->dir[nb] = s->count;
	return 0;
}

static int add_scope(struct dbl_ip4idx *x, size_t *cap, uint32_t id, size_t first)
{
	if (x->nsc == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dbl_ip4scope *ns = realloc(x->sc, nc * sizeof *ns);
		if (!ns)
			return -ENOMEM;
		x->sc = ns;
		*cap = nc;
	}
	x->sc[x->nsc++] = (struct dbl_ip4scope){id, (uint32_t)first, 0, NULL, 0};
	return 0;
}

/* Room for every listed run of the key space: at most DBL_IP4BLK_RUNS
 * per record (dbl_ip4blk_decode refuses more). A bound, not a count: the
 * server builds this index at start and at every generation switch, and
 * counting meant decoding each block twice (39 M runs at scale 10). The
 * rows past the last listed run are never touched, so they take no memory
 * (dbl_big_alloc maps them zero-filled). */
static int max_runs(MDB_txn *txn, MDB_dbi dbi, size_t *runs)
{
	MDB_stat st;
	int rc = mdb_stat(txn, dbi, &st);

	*runs = rc ? 0 : st.ms_entries * DBL_IP4BLK_RUNS;
	return rc ? dbl_err_from_mdb(rc) : 0;
}

static int fill(struct dbl_ip4idx *x, MDB_txn *txn, MDB_dbi dbi, size_t cap_runs)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 0;
	uint64_t prev = 0;
	bool bad = false;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return dbl_err_from_mdb(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !bad;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		struct dbl_ip4blk b;
		uint32_t id, lo, hi = 0, vsid;
		uint64_t key;
		if (k.mv_size != 8 || dbl_ip4blk_decode(v.mv_data, v.mv_size, &b))
			break;
		id = dbl_get_u32(kb);
		key = (uint64_t)id << 32 | dbl_get_u32(kb + 4);
		if (x->nsc && key <= prev)
			break;
		if ((!x->nsc || x->sc[x->nsc - 1].id != id) && add_scope(x, &cap, id, x->n)) {
			mdb_cursor_close(c);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < b.n && !bad; i++) {
			dbl_ip4blk_run(&b, i, &lo, &hi, &vsid);
			/* Sorted, disjoint runs per scope: the binary searches
			 * depend on it, so anything else is refused. */
			bad = lo > hi || (i && lo == 0) || /* lo 0 after run 0: a wrap */
			      (i == 0 && x->sc[x->nsc - 1].count && lo <= x->rec[x->n - 1].hi);
			if (bad || vsid == 0)
				continue;
			if (x->n == cap_runs) { /* more than the records can hold */
				bad = true;
				break;
			}
			x->rec[x->n++] = (struct dbl_ip4rec){hi, lo, vsid};
			x->sc[x->nsc - 1].count++;
		}
		if (hi != dbl_get_u32(kb + 4)) /* the key is the last run's end */
			bad = true;
		prev = key;
	}
	mdb_cursor_close(c);
	if (bad || rc != MDB_NOTFOUND)
		return rc && rc != MDB_NOTFOUND ? dbl_err_from_mdb(rc) : DBL_ECORRUPT;
	return 0;
}

int dbl_ip4idx_build(struct dbl_ip4idx *x, MDB_txn *txn, MDB_dbi dbi, unsigned dirbits)
{
	size_t runs;
	int rc = max_runs(txn, dbi, &runs);

	if (rc)
		return rc;
	/* 32-bit positions in the scope table: 268 M records (4 G runs of
	 * room) would not fit in memory anyway. */
	if (runs > UINT32_MAX)
		return -ENOMEM;
	if (runs && !(x->rec = dbl_big_alloc(runs * sizeof *x->rec)))
		return -ENOMEM;
	x->n_alloc = runs;
	rc = fill(x, txn, dbi, runs);
	for (size_t i = 0; rc == 0 && i < x->nsc; i++)
		if (x->sc[i].count >= DBL_IP4IDX_DIR_MIN)
			rc = make_dir(&x->sc[i], x->rec + x->sc[i].first,
			              dirbits ? dirbits : auto_bits(x->sc[i].count));
	if (rc) {
		dbl_ip4idx_free(x);
		return rc;
	}
	x->ready = true;
	return 0;
}

static const struct dbl_ip4scope *find_scope(const struct dbl_ip4idx *x, uint32_t id)
{
	size_t lo = 0, hi = x->nsc;

	while (lo < hi) {
		size_t mid = (lo + hi) >> 1;
		if (x->sc[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nsc && x->sc[lo].id == id ? &x->sc[lo] : NULL;
}

/* Index (relative to s->first) of the first interval of s whose hi >= a;
 * s->count if none. */
static uint32_t first_ge(const struct dbl_ip4idx *x, const struct dbl_ip4scope *s, uint32_t a)
{
	const struct dbl_ip4rec *r = x->rec + s->first;
	uint32_t lo = 0, hi = s->count;

	if (s->dir) {
		/* Bucket p = a >> shift. Every interval before dir[p] ends
		 * below p << shift <= a, and the one at dir[p + 1] ends at or
		 * above (p + 1) << shift > a: the
		 * answer is in [dir[p], dir[p + 1]], and the search below
		 * returns dir[p + 1] when every interval before it ends below a. */
		lo = s->dir[a >> s->shift];
		hi = s->dir[(a >> s->shift) + 1];
	}
	while (lo < hi) {
		uint32_t mid = (lo + hi) >> 1;
		if (r[mid].hi < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dbl_ip4idx_lookup(const struct dbl_ip4idx *x, uint32_t scope, uint32_t addr, uint32_t *vsid)
{
	const struct dbl_ip4scope *s = find_scope(x, scope);
	const struct dbl_ip4rec *r;
	uint32_t i;

	if (!s || (i = first_ge(x, s, addr)) == s->count)
		return DBL_ENOTFOUND;
	r = &x->rec[s->first + i];
	if (r->lo > addr)
		return DBL_ENOTFOUND; /* addr lies in a gap before this interval */
	*vsid = r->vsid;
	return 0;
}

int dbl_ip4idx_any(const struct dbl_ip4idx *x, uint32_t scope, uint32_t lo, uint32_t hi)
{
	const struct dbl_ip4scope *s = find_scope(x, scope);
	uint32_t i;

	if (!s || (i = first_ge(x, s, lo)) == s->count)
		return DBL_ENOTFOUND;
	return x->rec[s->first + i].lo <= hi ? 0 : DBL_ENOTFOUND;
}

void dbl_ip4idx_prefetch(const struct dbl_ip4idx *x, uint32_t addr, int stage)
{
	unsigned hinted = 0;

	for (size_t i = 0; i < x->nsc && hinted < DBL_IP4IDX_HINT_SCOPES; i++) {
		const struct dbl_ip4scope *s = &x->sc[i];
		const uint32_t *d;
		if (!s->dir)
			continue;
		hinted++;
		d = &s->dir[addr >> s->shift];
		if (stage == 0) {
			__builtin_prefetch(d);
		} else {
			/* 12-byte records: the bucket's first five span at most
			 * two lines */
			const struct dbl_ip4rec *r = x->rec + s->first + d[0];
			__builtin_prefetch(r);
			__builtin_prefetch((const uint8_t *)r + 48);
		}
	}
}
