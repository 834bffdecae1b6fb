/* dbl_btree.h - the query path's point and range lookups, done directly on
 * the pages of an open LMDB 0.9 generation file.
 *
 * Why: a random IPv4 lookup through mdb_cursor_get costs ~0.9 us on the
 * benchmark VM (bench/RESULTS.md), the largest single cost of answering a
 * query; LMDB's descent is generic (a compare callback per node, cursor
 * bookkeeping for writers) and this one is not: a specialised binary
 * search with inline compares and a prefetch of each page as it is
 * entered. Measured ~30 % faster per lookup, identical results.
 *
 * What it relies on: the LMDB 0.9 data format (MDB_DATA_VERSION 1), the
 * one liblmdb itself checked when it opened the file: page header
 * {pgno u64, pad u16, flags u16, lower u16, upper u16, ptrs u16[]}, nodes
 * {lo u16, hi u16, flags u16, ksize u16, key, data}, branch child = lo |
 * hi << 16 | flags << 32, the root of a named database in its MDB_db
 * record in the main database. Host byte order, as LMDB writes it.
 *
 * Safety: every page number is checked against the pages in use, every
 * page's stored number and type are checked, every offset stays inside its
 * page (or its overflow pages), and the depth is bounded, so a damaged
 * file gives DBL_ECORRUPT, never a read outside the map (LMDB itself
 * trusts its pages). dbl_bt_init also runs ~100 probes per key space
 * against LMDB's own cursor and keeps the fast path only if every result
 * is identical (same key and data addresses); otherwise callers use LMDB.
 *
 * Lifetime: struct dbl_btree lives in struct dbl_db; it borrows LMDB's
 * map, valid until mdb_env_close. Lookups are pure reads: any number of
 * threads may use one dbl_btree at once. Returned pointers are borrowed
 * from the map (valid while the generation is open).
 */
#ifndef DBL_BTREE_H
#define DBL_BTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

enum dbl_bt_tree { DBL_BT_IP4, DBL_BT_IP6, DBL_BT_NAME, DBL_BT_VSET, DBL_BT_NTREES };

struct dbl_btree {
	const uint8_t *map;           /* LMDB's mapping of the file, from page 0 */
	size_t psize;                 /* page size */
	uint64_t npages;              /* pages in use (last page number + 1) */
	uint64_t root[DBL_BT_NTREES]; /* root page, or UINT64_MAX: empty tree */
	bool ok;                      /* format verified against LMDB: lookups may use this */
};

/* Set up bt for the open environment env, read transaction txn and the
 * four databases dbi[DBL_BT_*]. map/maplen: the mapping that holds the
 * file (dbl_db.c finds it). Leaves bt->ok false (callers then use LMDB)
 * when anything does not match; never fails otherwise. */
void dbl_bt_init(struct dbl_btree *bt, MDB_env *env, MDB_txn *txn, const MDB_dbi dbi[DBL_BT_NTREES],
                 const void *map, size_t maplen);

/* First entry of tree t whose key is >= key (> key when strict), in
 * LMDB's key order (bytes unsigned, then shorter first). 0 with *k and *d
 * set, DBL_ENOTFOUND when there is none, DBL_ECORRUPT on a damaged page. */
int dbl_bt_range(const struct dbl_btree *bt, enum dbl_bt_tree t, const uint8_t *key, size_t klen,
                 bool strict, MDB_val *k, MDB_val *d);

/* The entry whose key is exactly key: 0 and *d, DBL_ENOTFOUND, or
 * DBL_ECORRUPT. */
int dbl_bt_get(const struct dbl_btree *bt, enum dbl_bt_tree t, const uint8_t *key, size_t klen,
               MDB_val *d);

/* LMDB's default key order (mdb_cmp_memn) without its two out-of-line
 * calls, for mdb_set_compare: the same order, so nothing changes on disk
 * (LMDB requires the same order from every reader, not the same code). */
int dbl_bt_cmp(const MDB_val *a, const MDB_val *b);

#endif
