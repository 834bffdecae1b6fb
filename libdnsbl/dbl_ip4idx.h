/* dbl_ip4idx.h - a dense in-memory index of one generation's IPv4
 * intervals, for long-running readers (DBL_DB_RESIDENT: dnsbld and
 * library users that ask for it).
 *
 * Why: an IPv4 lookup in the B-tree is three or four dependent binary
 * searches in 4 KiB pages, and in a server the kernel's network path has
 * evicted those pages from the cache between two queries. The index keeps
 * the listed runs of the records' blocks (dbl_ip4blk.h) as 12-byte {hi,
 * lo, vsid} entries, sorted, per scope, with a directory on the top 16-24
 * address bits for large scopes (about four intervals per bucket): a
 * lookup reads one directory word and then one or two cache lines of
 * records. Measured at scale 1 (2.6 M intervals, hot loop,
 * bench/RESULTS.md): 566 -> 160 ns per lookup.
 *
 * Cost: 12 bytes per interval (31 MB at scale 1, 470 MB at scale 10) plus
 * a directory of 1-2 bytes per interval (4 MiB at scale 1, 64 MiB at
 * scale 10) per scope of at least DBL_IP4IDX_DIR_MIN intervals, built once
 * when the generation is opened (one cursor walk of the ip4 key space,
 * into an array with room for DBL_IP4BLK_RUNS runs a record, of which
 * only the filled rows are ever touched).
 *
 * Ownership: struct dbl_ip4idx is caller-owned (struct dbl_db embeds one);
 * dbl_ip4idx_build fills it with heap arrays that dbl_ip4idx_free
 * releases. Immutable once built, so any number of threads may look up
 * concurrently without locking. Lookups return exactly what the B-tree
 * search over the same records returns (tests/core/test_build.c).
 */
#ifndef DBL_IP4IDX_H
#define DBL_IP4IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

/* Scopes with fewer intervals are searched whole (at most 12 steps). */
#define DBL_IP4IDX_DIR_MIN 4096

struct dbl_ip4rec {
	uint32_t hi, lo, vsid; /* one interval [lo, hi] and its value set */
};

struct dbl_ip4scope {
	uint32_t id;
	uint32_t first, count; /* rec[first .. first + count) */
	/* NULL, or (1 << (32 - shift)) + 1 entries: dir[p] = index (relative
	 * to first) of the first interval whose hi >= p << shift; the last
	 * entry = count. */
	uint32_t *dir;
	uint8_t shift; /* 32 - directory bits (8..16) */
};

struct dbl_ip4idx {
	bool ready; /* built: lookups may use it */
	struct dbl_ip4rec *rec;
	size_t n, n_alloc;
	struct dbl_ip4scope *sc; /* ascending id */
	size_t nsc;
};

/* Build x (zeroed by the caller) from the ip4 key space dbi, read in txn
 * (keys: scope(4) hi(4), values: blocks of runs, dbl_ip4blk.h; each listed
 * run becomes one entry).
 * dirbits: directory bits for large scopes (16..24), 0 = chosen from the
 * scope's size (about 4 intervals per bucket). Returns 0, -ENOMEM, or
 * DBL_ECORRUPT (a record of another size, or keys out of order); on error
 * x is left empty (not ready). */
int dbl_ip4idx_build(struct dbl_ip4idx *x, MDB_txn *txn, MDB_dbi dbi, unsigned dirbits);
void dbl_ip4idx_free(struct dbl_ip4idx *x);

/* As dbl_lookup_ip4 (dbl_db.h): 0 and *vsid when addr is inside an
 * interval of scope, DBL_ENOTFOUND otherwise. x must be ready. */
int dbl_ip4idx_lookup(const struct dbl_ip4idx *x, uint32_t scope, uint32_t addr, uint32_t *vsid);
/* As dbl_lookup_ip4_any: 0 if an interval of scope meets [lo, hi]. */
int dbl_ip4idx_any(const struct dbl_ip4idx *x, uint32_t scope, uint32_t lo, uint32_t hi);

/* Prefetch hints for a batch of lookups (a server's recvmmsg batch), so
 * that their cache misses overlap instead of following one another: stage
 * 0 asks for the directory word of addr, stage 1 (after stage 0 for the
 * whole batch) reads it and asks for the first records of the bucket.
 * Hints only: no effect on any result, no fault on any address. Every
 * scope with a directory is hinted (the scope of a query is known only
 * after its zone is found), at most DBL_IP4IDX_HINT_SCOPES of them. */
#define DBL_IP4IDX_HINT_SCOPES 4
void dbl_ip4idx_prefetch(const struct dbl_ip4idx *x, uint32_t addr, int stage);

#endif
