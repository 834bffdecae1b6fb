/* dbl_nameidx.c - in-memory hash index of the name key space (see
 * dbl_nameidx.h). */
#include <errno.h>
#include <string.h>

#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_ip4idx.h"
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

static void insert(struct dbl_nameidx *x, uint32_t e)
{
	const struct dbl_nidx_ent *en = &x->ent[e];
	uint64_t h = dbl_nameidx_hash(en->key, en->klen);
	size_t i = (size_t)h & x->mask;

	while (x->slot[i].entry)
		i = (i + 1) & x->mask;
	x->slot[i].tag = (uint32_t)(h >> 32);
	x->slot[i].entry = e + 1;
}

int dbl_nameidx_build(struct dbl_nameidx *x, MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, v;
	size_t nslots = 16, n = 0;
	int rc = mdb_stat(txn, dbi, &st);

	if (rc)
		return dbl_err_from_mdb(rc);
	/* entry + 1 is a u32 */
	if (st.ms_entries >= UINT32_MAX / 2)
		return -ENOMEM;
	while (nslots < 2 * st.ms_entries) /* at most half full */
		nslots <<= 1;
	x->mask = nslots - 1;
	x->slot = dbl_big_alloc(nslots * sizeof *x->slot);
	x->ent = st.ms_entries ? dbl_big_alloc(st.ms_entries * sizeof *x->ent) : NULL;
	x->n = st.ms_entries;
	if (!x->slot || (st.ms_entries && !x->ent)) {
		dbl_nameidx_free(x);
		return -ENOMEM;
	}
	memset(x->slot, 0, nslots * sizeof *x->slot);
	if ((rc = mdb_cursor_open(txn, dbi, &c))) {
		dbl_nameidx_free(x);
		return dbl_err_from_mdb(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dbl_nidx_ent *e = &x->ent[n];
		if (n == x->n || k.mv_size < 4 || k.mv_size > 4 + DBL_NAMEKEY_MAX ||
		    v.mv_size != 8) {
			rc = DBL_ECORRUPT;
			break;
		}
		e->key = k.mv_data;
		e->klen = (uint32_t)k.mv_size;
		e->exact = dbl_get_u32(v.mv_data);
		e->wild = dbl_get_u32((const uint8_t *)v.mv_data + 4);
		insert(x, (uint32_t)n++);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND || n != x->n) {
		dbl_nameidx_free(x);
		return rc == MDB_NOTFOUND || rc == DBL_ECORRUPT ? DBL_ECORRUPT
		                                                : dbl_err_from_mdb(rc);
	}
	x->ready = true;
	return 0;
}

int dbl_nameidx_get(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen,
                    struct dbl_namerec *rec)
{
	uint64_t h = dbl_nameidx_hash(kb, klen);
	uint32_t tag = (uint32_t)(h >> 32);

	/* At most half full: an empty slot ends every probe sequence. */
	for (size_t i = (size_t)h & x->mask;; i = (i + 1) & x->mask) {
		const struct dbl_nidx_slot *s = &x->slot[i];
		const struct dbl_nidx_ent *e;

		if (!s->entry)
			return DBL_ENOTFOUND;
		if (s->tag != tag)
			continue;
		e = &x->ent[s->entry - 1];
		if (e->klen == klen && memcmp(e->key, kb, klen) == 0) {
			rec->exact = e->exact;
			rec->wild = e->wild;
			return 0;
		}
	}
}
