/* dbl_nameidx.c - in-memory hash index of the name key space (see
 * dbl_nameidx.h). */
#include <errno.h>
#include <string.h>

#include "dbl_bigmem.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_nameidx.h"
#include "dbl_schema.h"

/* 64-bit hash of a short key: 8-byte words mixed by multiplication, then
 * murmur3's finaliser (every input bit reaches every output bit). Keys are
 * names, not chosen by an attacker in a position to hurt us: the data
 * comes from the list operator, and a query only probes. */
uint64_t dbl_nameidx_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x94D049BB133111EBull;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

void dbl_nameidx_free(struct dbl_nameidx *x)
{
	dbl_big_free(x->slot, x->slot ? (x->mask + 1) * sizeof *x->slot : 0);
	dbl_big_free(x->ent, x->n * sizeof *x->ent);
	memset(x, 0, sizeof *x);
}

/* Slot for entry e, whose key hashes to h: the first empty one from h. */
static void place(struct dbl_nameidx *x, uint32_t e, uint64_t h)
{
	size_t i = (size_t)h & x->mask;

	while (x->slot[i].entry)
		i = (i + 1) & x->mask;
	x->slot[i].tag = (uint32_t)(h >> 32);
	x->slot[i].entry = e + 1;
}

/* Entries hashed DBL_PREFETCH_AHEAD ahead of their insert, their slot
 * prefetched: each slot is a cache miss at random in a table of 2-4 slots
 * an entry (128 MB at scale 10), and taken one at a time those misses were
 * two thirds of the build (5.5 M entries, about 0.65 of 1.0 s). */
static void insert_all(struct dbl_nameidx *x)
{
	uint64_t h[DBL_PREFETCH_AHEAD];

	for (size_t i = 0; i < x->n + DBL_PREFETCH_AHEAD; i++) {
		uint64_t *hi = &h[i % DBL_PREFETCH_AHEAD]; /* i - AHEAD's hash, then i's */
		if (i >= DBL_PREFETCH_AHEAD)
			place(x, (uint32_t)(i - DBL_PREFETCH_AHEAD), *hi);
		if (i < x->n) {
			*hi = dbl_nameidx_hash(x->ent[i].key, x->ent[i].klen);
			__builtin_prefetch(&x->slot[*hi & x->mask], 1);
		}
	}
}

/* Length of the longest label prefix that keys a and b (scope(4) namekey)
 * share: 0 for different scopes, else 4 plus whole equal labels. A label
 * running past its key ends the walk (the map is checked, not trusted). */
static size_t shared_labels(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 4;

	if (alen < 4 || blen < 4 || memcmp(a, b, 4) != 0)
		return 0;
	while (i < alen && i < blen && i + 1u + a[i] <= alen && i + 1u + a[i] <= blen &&
	       memcmp(a + i, b + i, 1u + a[i]) == 0)
		i += 1u + a[i];
	return i;
}

/* One walk of the name key space in key order. Keys sort before the keys
 * below them, so the ancestors of key K not yet seen are its proper label
 * prefixes longer than what K shares with the key before it (P); if P is
 * itself such a prefix, P is marked. x->ent == NULL: count only. */
static int walk(struct dbl_nameidx *x, MDB_txn *txn, MDB_dbi dbi, size_t *count)
{
	MDB_cursor *c;
	MDB_val k, v, prev = {0, NULL};
	size_t n = 0, prevent = 0;
	int rc = mdb_cursor_open(txn, dbi, &c);

	if (rc)
		return dbl_err_from_mdb(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		size_t shared, i;
		if (k.mv_size < 4 || k.mv_size > 4 + DBL_NAMEKEY_MAX || v.mv_size != 8) {
			rc = DBL_ECORRUPT;
			break;
		}
		shared =
		    prev.mv_data ? shared_labels(prev.mv_data, prev.mv_size, kb, k.mv_size) : 0;
		if (x->ent && prev.mv_data && shared == prev.mv_size)
			x->ent[prevent].flags |= DBL_NIDX_BELOW;
		/* 4: the scope's own key (the zone apex) is the first prefix */
		for (i = 4; i < k.mv_size; i += 1u + kb[i]) {
			if (i > shared) { /* i >= 4: every prefix when shared is 0 */
				if (x->ent && n < *count)
					x->ent[n] =
					    (struct dbl_nidx_ent){kb, (uint32_t)i, DBL_VSID_NONE,
					                          DBL_VSID_NONE, DBL_NIDX_BELOW};
				n++;
			}
			if (i + 1u + kb[i] > k.mv_size)
				break; /* a label past the key's end: no deeper prefix */
		}
		if (x->ent && n < *count)
			x->ent[n] = (struct dbl_nidx_ent){
			    kb, (uint32_t)k.mv_size, dbl_get_u32(v.mv_data),
			    dbl_get_u32((const uint8_t *)v.mv_data + 4), DBL_NIDX_RECORD};
		prevent = n++;
		prev = k;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc == DBL_ECORRUPT ? rc : dbl_err_from_mdb(rc);
	if (x->ent && n != *count)
		return DBL_ECORRUPT; /* the key space changed under a read transaction */
	*count = n;
	return 0;
}

int dbl_nameidx_build(struct dbl_nameidx *x, MDB_txn *txn, MDB_dbi dbi)
{
	size_t nslots = 16, n = 0;
	int rc = walk(x, txn, dbi, &n);

	if (rc)
		return rc;
	/* entry + 1 is a u32 */
	if (n >= UINT32_MAX / 2)
		return -ENOMEM;
	while (nslots < 2 * n) /* at most half full */
		nslots <<= 1;
	x->mask = nslots - 1;
	x->slot = dbl_big_alloc(nslots * sizeof *x->slot);
	x->ent = n ? dbl_big_alloc(n * sizeof *x->ent) : NULL;
	x->n = n;
	if (!x->slot || (n && !x->ent)) {
		dbl_nameidx_free(x);
		return -ENOMEM;
	}
	memset(x->slot, 0, nslots * sizeof *x->slot);
	if (n && (rc = walk(x, txn, dbi, &n))) {
		dbl_nameidx_free(x);
		return rc;
	}
	insert_all(x);
	x->ready = true;
	return 0;
}

/* The entry for key kb, or NULL. */
static const struct dbl_nidx_ent *find(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen)
{
	uint64_t h = dbl_nameidx_hash(kb, klen);
	uint32_t tag = (uint32_t)(h >> 32);

	/* At most half full: an empty slot ends every probe sequence. */
	for (size_t i = (size_t)h & x->mask;; i = (i + 1) & x->mask) {
		const struct dbl_nidx_slot *s = &x->slot[i];
		const struct dbl_nidx_ent *e;

		if (!s->entry)
			return NULL;
		if (s->tag != tag)
			continue;
		e = &x->ent[s->entry - 1];
		if (e->klen == klen && memcmp(e->key, kb, klen) == 0)
			return e;
	}
}

int dbl_nameidx_get(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen,
                    struct dbl_namerec *rec)
{
	const struct dbl_nidx_ent *e = find(x, kb, klen);

	if (!e || !(e->flags & DBL_NIDX_RECORD))
		return DBL_ENOTFOUND;
	rec->exact = e->exact;
	rec->wild = e->wild;
	return 0;
}

int dbl_nameidx_below(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen)
{
	const struct dbl_nidx_ent *e = find(x, kb, klen);

	return e && (e->flags & DBL_NIDX_BELOW) ? 0 : DBL_ENOTFOUND;
}
