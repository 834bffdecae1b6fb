/* dbl_baddr.c - the address half of a build (see dbl_baddr.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "dbl_baddr.h"
#include "dbl_bigmem.h"
#include "dbl_ip4blk.h"
#include "dbl_schema.h"
#include "dbl_sweep.h"
#include "dbl_vset.h"

/* The scope's datasets as lists of segments in per (the k-way merge's
 * input): list l is per's segments [first[l], first[l + 1]), all from
 * dataset ds[l]; a dataset that resolved to no segment has no list. */
struct dslists {
	size_t first[257];
	uint32_t ds[256]; /* 256: datasets per scope (struct dbl_bscope) */
	size_t n;
};

/* The dataset of per's segment ref (lists ascend; a scope has a few). */
static uint32_t ref_ds(const struct dslists *L, int32_t ref)
{
	size_t l = L->n - 1;

	while (L->first[l] > (size_t)ref)
		l--;
	return L->ds[l];
}

static int addr_vset_encode(struct dbl_intern *in, struct dbl_vset_buf *vb, struct dbl_bscope *bs,
                            const struct dbl_swout *per, const struct dslists *L,
                            const int32_t *refs, uint32_t nrefs, uint32_t *vsid)
{
	dbl_vset_buf_reset(vb);
	for (uint32_t r = 0; r < nrefs; r++) {
		const struct dbl_swseg s = dbl_swout_get(per, (size_t)refs[r]);
		const struct dbl_dsdata *ds = bs->ds[ref_ds(L, refs[r])];
		for (uint32_t j = 0; j < s.count; j++) {
			const struct dbl_value *v = &ds->values[per->pool[s.first + j]];
			int rc = dbl_intern_add_listing(vb, ds->ttl, v->a, 0,
			                                v->has_txt ? v->txt : NULL, v->txtlen);
			if (rc)
				return rc;
		}
	}
	return dbl_intern_vset(in, vb, vsid);
}

/* vsid of each single value, per dataset of the scope (0 = not interned
 * yet): most merged segments carry exactly one value (2 M XBL addresses
 * share one), and encoding + hashing it again per segment was a tenth of
 * the load time. Every other segment (an XBL address inside a PBL range,
 * or inside both a PBL range and an SBL block) is looked up by its list of
 * (dataset, value) words in a small table of tuples seen lately: the
 * answer depends on nothing else, and at scale 10 encoding and interning
 * each such segment again was the largest user-space cost of the load
 * (dbl_intern_blob and its memcmp, 12 % of the samples). The ids are what
 * dbl_intern returns, so the file is the same with or without the table.
 *
 * The table is direct-mapped, indexed by a multiplicative hash of the
 * words: in address order the same few combinations recur close together
 * (inside a PBL range, XBL addresses and the gaps between them; where PBL
 * ranges overlap, the tuples of XBL and the two PBL codes; inside one SBL
 * block, its value with each of those). At scale 10, 643 k distinct tuples
 * and 72 k lookups of a tuple the table no longer held (encoded and
 * interned again) against 23.8 M segments; a map of every tuple behind it
 * (a tuple map, until this table replaced it) cost more to fill (a 32 MB
 * table growing in fresh memory, a cache miss per insert: 275 of 5,500
 * samples of the address phase) than those 72 k encodings. 1024 x 32
 * bytes: it stays in the L1 and L2 caches. */
#define VWORD_VID_MAX (1u << 24) /* vid in the low 24 bits, dataset in the top 8 */
#define VFRONT_BITS   10
#define VFRONT_MAXLEN 6 /* longer tuples (none in real zones) are encoded each time */

struct vfront {
	uint32_t key[VFRONT_MAXLEN];
	uint32_t len, vsid; /* len 0: empty */
};

struct vcache {
	uint32_t *v[256];
	struct vfront front[1u << VFRONT_BITS];
};

static void vcache_free(struct vcache *c)
{
	for (size_t d = 0; d < 256; d++)
		free(c->v[d]);
}

/* The (dataset, value) words of a segment covered by several values, in
 * key[0..*n); *n = 0 when they do not fit a table entry (a vid over 24
 * bits, or more than VFRONT_MAXLEN values). */
static void multi_key(const struct dbl_swout *per, const struct dslists *L, const int32_t *refs,
                      uint32_t nrefs, uint32_t *key, size_t *n)
{
	*n = 0;
	for (uint32_t r = 0; r < nrefs; r++) {
		const struct dbl_swseg s = dbl_swout_get(per, (size_t)refs[r]);
		for (uint32_t j = 0; j < s.count; j++) {
			uint32_t vid = (uint32_t)per->pool[s.first + j];
			if (vid >= VWORD_VID_MAX || *n == VFRONT_MAXLEN) {
				*n = 0;
				return;
			}
			key[(*n)++] = ref_ds(L, refs[r]) << 24 | vid;
		}
	}
}

/* a[0..n) == b[0..n): the tuples are two or three words, and memcmp's
 * call cost more than the compare (23.8 M segments at scale 10 are looked
 * up here; memcmp under dbl_build_addr was 2.8 % of a load). */
static inline bool words_eq(const uint32_t *a, const uint32_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The table entry for key[0..n) (1 <= n <= VFRONT_MAXLEN). */
static struct vfront *front_slot(struct vcache *vc, const uint32_t *key, size_t n)
{
	uint32_t h = (uint32_t)n;

	for (size_t i = 0; i < n; i++)
		h = (h ^ key[i]) * 0x9E3779B1u; /* 2^32 / golden ratio: Knuth's multiplier */
	return &vc->front[h >> (32 - VFRONT_BITS)];
}

/* The cache slot holding a segment's vsid (*slot = 0: not known yet), or
 * *slot = NULL when the segment's vsid is not cached (then *fill: the
 * table entry to give it once known, or NULL). */
static int vcache_slot(struct vcache *vc, const struct dbl_bscope *bs, const struct dbl_swout *per,
                       const struct dslists *L, const int32_t *refs, uint32_t nrefs, uint32_t *key,
                       size_t *n, uint32_t **slot, struct vfront **fill)
{
	const struct dbl_swseg s0 = dbl_swout_get(per, (size_t)refs[0]);
	struct vfront *f;

	*slot = NULL;
	*fill = NULL;
	if (nrefs == 1 && s0.count == 1) {
		uint32_t d = ref_ds(L, refs[0]);
		int32_t vid = per->pool[s0.first];
		if (!vc->v[d] && !(vc->v[d] = calloc(bs->ds[d]->nvalues + 1, sizeof(uint32_t))))
			return -ENOMEM;
		*slot = &vc->v[d][vid];
		return 0;
	}
	multi_key(per, L, refs, nrefs, key, n);
	if (*n == 0)
		return 0;
	f = front_slot(vc, key, *n);
	/* The length too: a longer list shares its first words with its
	 * prefix (test_build.c::test_prefix_lists). */
	if (f->len == *n && words_eq(f->key, key, *n))
		*slot = &f->vsid;
	else
		*fill = f;
	return 0;
}

/* The value set of one merged segment, through the cache where it applies. */
static int addr_vset(struct dbl_intern *in, struct dbl_vset_buf *vb, struct dbl_bscope *bs,
                     const struct dbl_swout *per, const struct dslists *L, const int32_t *refs,
                     uint32_t nrefs, struct vcache *vc, uint32_t *vsid)
{
	uint32_t *slot, key[VFRONT_MAXLEN];
	struct vfront *fill;
	size_t n = 0;
	int rc = vcache_slot(vc, bs, per, L, refs, nrefs, key, &n, &slot, &fill);

	if (rc)
		return rc;
	if (slot && *slot) {
		*vsid = *slot;
		return 0;
	}
	if ((rc = addr_vset_encode(in, vb, bs, per, L, refs, nrefs, vsid)) != 0)
		return rc;
	if (slot)
		*slot = *vsid;
	if (fill) { /* a tuple not in the table: it takes the entry */
		memcpy(fill->key, key, n * sizeof *key);
		fill->len = (uint32_t)n;
		fill->vsid = *vsid;
	}
	return 0;
}

/* Write the IPv4 block b (if it holds runs) and empty it. */
static int flush_ip4(struct dbl_bwriter *w, uint32_t scope, struct dbl_ip4blk *b)
{
	uint8_t k[8], v[DBL_IP4BLK_MAX];
	size_t vl;

	if (b->n == 0)
		return 0;
	dbl_put_u32(k, scope);
	dbl_put_u32(k + 4, b->last[b->n - 1]);
	vl = dbl_ip4blk_encode(b, v);
	b->n = 0;
	return dbl_bwriter_put(w, w->ip4, k, 8, v, vl, MDB_APPEND);
}

/* One interval, in ascending order: IPv4 ones go into blocks of runs,
 * IPv6 ones are a record each. */
static int put_interval(struct dbl_bwriter *w, int fam, uint32_t scope, struct dbl_ip4blk *b,
                        dbl_u128 lo, dbl_u128 hi, uint32_t vsid)
{
	uint8_t k[20], v[20], bytes[16];
	int rc;

	if (fam == 4) {
		if (dbl_ip4blk_add(b, (uint32_t)lo, (uint32_t)hi, vsid))
			return 0;
		if ((rc = flush_ip4(w, scope, b)))
			return rc;
		dbl_ip4blk_add(b, (uint32_t)lo, (uint32_t)hi, vsid); /* an empty block takes it */
		return 0;
	}
	dbl_put_u32(k, scope);
	dbl_u128_to_bytes(hi, bytes);
	memcpy(k + 4, bytes, 16);
	dbl_u128_to_bytes(lo, bytes);
	memcpy(v, bytes, 16);
	dbl_put_u32(v + 16, vsid);
	return dbl_bwriter_put(w, w->ip6, k, 20, v, 20, MDB_APPEND);
}

/* The dataset's IPv4 entries with their file positions, in (lo, file
 * order), written to r[0..n): 16-byte records, read in order by both
 * paths below. Sorting (key, index) pairs and reading the entries through
 * them instead was 20 M cache and TLB misses at scale 10, and sorting
 * records rather than the 48-byte sweep entries touches 960 MB less
 * memory there. *prio = the priority all entries share, or -1. When they
 * share one and release is set (nothing reads ds->ip4 after the build
 * step), ds->ip4's pages are given back as they are read
 * (dbl_sort_ip4ent's consume): the caller must then only free them.
 * Returns 0 or -ENOMEM. */
static int ip4_sorted(struct dbl_dsdata *ds, size_t n, struct dbl_ip4ord *r, bool release,
                      int *prio)
{
	bool sorted = true;
	size_t done = 0;

	if (n > UINT32_MAX) /* 32-bit positions: 4 G entries would not fit in memory anyway */
		return -ENOMEM;
	*prio = ds->ip4[0].prio;
	for (size_t i = 1; i < n; i++) {
		sorted = sorted && ds->ip4[i - 1].lo <= ds->ip4[i].lo;
		if (ds->ip4[i].prio != *prio)
			*prio = -1;
	}
	release = release && *prio >= 0; /* else fill_entries reads the priorities */
	if (!sorted)                     /* stable: equal lo stay in file order */
		return dbl_sort_ip4ent(ds->ip4, n, r, release);
	for (size_t i = 0; i < n; i++) {
		const struct dbl_ip4ent *x = &ds->ip4[i];
		r[i] = (struct dbl_ip4ord){x->lo, x->hi, x->vid, (uint32_t)i};
		if (release)
			dbl_big_drop_item(ds->ip4, i, sizeof *x, &done);
	}
	return 0;
}

/* Do the sorted entries r[0..n) overlap nothing (and none is inverted)? */
static bool ip4_disjoint(const struct dbl_ip4ord *r, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (r[j].lo > r[j].hi || (j && r[j].lo <= r[j - 1].hi))
			return false;
	return true;
}

/* A dataset whose IPv4 entries overlap nothing, like an XBL list of
 * single addresses, resolves to its own entries: append them to per as
 * dbl_sweep would, without the 48-byte sweep entries (960 MB at scale 10)
 * or the sweep. r lies in per's reserved room, where per's next segments
 * go: segment k is written after record k is read (a 16-byte record
 * becomes at most one 16-byte segment). Returns 0 or dbl_swout_add1's
 * error. */
static int ip4_own_segments(struct dbl_swout *per, const struct dbl_ip4ord *r, size_t n)
{
	size_t base = per->nseg;

	for (size_t j = 0; j < n; j++) {
		const struct dbl_ip4ord x = r[j];
		int rc = dbl_swout_add1(per, base, x.lo, x.hi, x.vid);
		if (rc)
			return rc;
	}
	return 0;
}

/* Fill e[0..n) with the dataset's entries, ord = file position, IPv4 ones
 * in r's order, so dbl_sweep finds them sorted (the priority: prio4 when
 * all share it, else read from the parser's entry: at random, so
 * prefetched ahead). IPv6 lists (tens of thousands) are left to dbl_sweep
 * to sort. */
static void fill_entries(struct dbl_swent *e, const struct dbl_dsdata *ds, int fam,
                         const struct dbl_ip4ord *r, int prio4, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		if (fam == 4) {
			uint8_t prio = (uint8_t)prio4;
			if (prio4 < 0) {
				if (j + DBL_PREFETCH_AHEAD < n)
					__builtin_prefetch(&ds->ip4[r[j + DBL_PREFETCH_AHEAD].ord]);
				prio = ds->ip4[r[j].ord].prio;
			}
			e[j] = (struct dbl_swent){r[j].lo, r[j].hi, r[j].ord, prio, r[j].vid};
		} else {
			const struct dbl_ip6ent *x = &ds->ip6[j];
			e[j] = (struct dbl_swent){dbl_u128_from_bytes(x->lo),
			                          dbl_u128_from_bytes(x->hi), (uint32_t)j, x->prio,
			                          x->vid};
		}
		if (e[j].lo > e[j].hi) { /* parser bug guard: never an inverted interval */
			e[j].hi = e[j].lo;
			e[j].pay = DBL_VID_EXCLUDE;
		}
	}
}

/* Append one dataset's resolved segments to per: directly when its IPv4
 * entries overlap nothing, else through the sweep entries (*e, grown to
 * *cap as needed, reused across datasets). The sorted IPv4 records are
 * written into per's free room (narrow segments are 16 bytes too): the
 * first path turns them into segments where they lie, the second has read
 * them into *e before the sweep writes there, and neither needs a sorted
 * copy of its own (320 MB of fresh pages for XBL at scale 10). Returns 0,
 * -ENOMEM or -ERANGE. */
static int resolve(struct dbl_swout *per, struct dbl_dsdata *ds, int fam, size_t n, bool release,
                   struct dbl_swent **e, size_t *cap)
{
	struct dbl_ip4ord *r = NULL;
	int rc = 0, prio4 = -1;

	_Static_assert(sizeof(struct dbl_ip4ord) == sizeof(struct dbl_swseg4),
	               "sorted records are written in the room of narrow segments");
	if (fam == 4) {
		if ((rc = dbl_swout_reserve(per, n, n)))
			return rc;
		r = (struct dbl_ip4ord *)((struct dbl_swseg4 *)per->seg + per->nseg);
		if ((rc = ip4_sorted(ds, n, r, release, &prio4)))
			return rc;
		if (ip4_disjoint(r, n))
			return ip4_own_segments(per, r, n);
	}
	if (n > *cap) {
		struct dbl_swent *ne = realloc(*e, n * sizeof *ne);
		if (!ne)
			return -ENOMEM;
		*e = ne;
		*cap = n;
	}
	fill_entries(*e, ds, fam, r, prio4, n);
	return dbl_sweep(*e, n, ds->merge, per);
}

/* Free ds's entries of family fam (resolved, read by no later scope):
 * at scale 10 the XBL-like list's 20 M IPv4 entries are 320 MB that would
 * stay allocated through the merge and the name phase. */
static void release_family(struct dbl_dsdata *ds, int fam)
{
	if (fam == 4) {
		free(ds->ip4);
		ds->ip4 = NULL;
		ds->nip4 = 0;
	} else {
		free(ds->ip6);
		ds->ip6 = NULL;
		ds->nip6 = 0;
	}
}

/* Merged intervals held at once: 64 Ki segments (1 MB for IPv4, 3 MB for
 * IPv6), reused. */
#define MERGE_CHUNK 65536

int dbl_build_addr(struct dbl_bwriter *w, struct dbl_intern *in, struct dbl_bscope *bs, int fam,
                   size_t *nintervals)
{
	struct dbl_swout per = {0}, all = {0};
	struct dbl_swmerge merge;
	struct dbl_swent *e = NULL;
	struct dslists lists = {.n = 0};
	struct dbl_vset_buf vb = {0};
	struct vcache vc = {0};
	struct dbl_ip4blk blk = {0};
	size_t cap = 0;
	int rc = 0;
	dbl_u128 plo = 0, phi = 0;
	uint32_t pvs = 0;
	int have = 0, more;

	per.narrow = all.narrow = fam == 4; /* 16-byte segments */
	for (size_t d = 0; d < bs->nds; d++) {
		struct dbl_dsdata *ds = bs->ds[d];
		size_t n = fam == 4 ? ds->nip4 : ds->nip6, before = per.nseg;
		if (n == 0)
			continue;
		if ((rc = resolve(&per, ds, fam, n, bs->release[d], &e, &cap)))
			goto out;
		if (bs->release[d])
			release_family(ds, fam);
		if (per.nseg > before) {
			lists.first[lists.n] = before;
			lists.ds[lists.n++] = (uint32_t)d;
		}
	}
	lists.first[lists.n] = per.nseg;
	free(e); /* the entries are resolved into per: give the memory back before merging */
	e = NULL;
	if (lists.n == 0)
		goto out;
	/* Merge across datasets: each dataset's segments are sorted and
	 * disjoint, so a k-way merge keeps dataset order without sorting. */
	{
		size_t count[256];
		for (size_t l = 0; l < lists.n; l++)
			count[l] = lists.first[l + 1] - lists.first[l];
		if ((rc = dbl_sweep_merge_init(&merge, &per, lists.first, count, lists.n)))
			goto out;
	}
	do {
		dbl_swout_reset(&all);
		if ((more = dbl_sweep_merge_next(&merge, &all, MERGE_CHUNK)) < 0) {
			rc = more;
			goto out;
		}
		for (size_t s = 0; s < all.nseg; s++) {
			const struct dbl_swseg g = dbl_swout_get(&all, s);
			uint32_t vsid;
			rc = addr_vset(in, &vb, bs, &per, &lists, all.pool + g.first, g.count, &vc,
			               &vsid);
			if (rc)
				goto out;
			if (have && phi + 1 == g.lo && pvs == vsid) {
				phi = g.hi; /* same answer: one interval */
				continue;
			}
			if (have && (rc = put_interval(w, fam, bs->sc->id, &blk, plo, phi, pvs)))
				goto out;
			(*nintervals)++;
			plo = g.lo;
			phi = g.hi;
			pvs = vsid;
			have = 1;
		}
	} while (more > 0);
	if (have && (rc = put_interval(w, fam, bs->sc->id, &blk, plo, phi, pvs)) == 0)
		rc = flush_ip4(w, bs->sc->id, &blk);
out:
	free(e);
	dbl_swout_free(&per);
	dbl_swout_free(&all);
	dbl_vset_buf_free(&vb);
	vcache_free(&vc);
	return rc;
}
