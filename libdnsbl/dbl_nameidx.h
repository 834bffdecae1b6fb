/* dbl_nameidx.h - an in-memory hash index of one generation's name key
 * space, for long-running readers (DBL_DB_RESIDENT: dnsbld and library
 * users that ask for it).
 *
 * Why: a domain query (DBL) costs up to three exact-key lookups (the name,
 * then its parents for a wildcard: dbl_answer.c nearest_wild), and each is
 * a descent of a 3-4 level B-tree whose pages the kernel's network path
 * has evicted between two queries: `perf` put that at 4.3 % of dnsbld's
 * CPU at 50k qps, with domains 20 % of the queries. A probe here reads one
 * 8-byte slot (the tag tells a miss, which most parent lookups are) and,
 * on a tag match, the entry and the key in the map to confirm it.
 *
 * The index also answers dbl_lookup_name_below, the empty non-terminal
 * test of every unlisted domain (NXDOMAIN or NODATA, contract 6.5), which
 * otherwise descends the B-tree: 2.2 % of dnsbld's CPU at 50k qps. Every
 * proper label prefix (ancestor) of a stored key that is not a stored key
 * itself gets an entry of its own (no record, "below" set); stored keys
 * with keys below them have "below" set.
 *
 * Layout: open addressing with linear probing over a power-of-two array
 * of slots {tag, entry + 1} at most half full, and an array of entries
 * {key pointer and length, exact and wild vsid, flags}. Keys are not
 * copied: they point into the generation's map (an ancestor's key is a
 * prefix of a stored key), which is immutable and stays mapped until
 * dbl_db_close. Cost: about 40 bytes per name and ancestor (scale 1: 500k
 * names, 20 MB), built once per generation by two cursor walks.
 *
 * Ownership: struct dbl_nameidx is caller-owned (struct dbl_db embeds
 * one); dbl_nameidx_build fills it with arrays that dbl_nameidx_free
 * releases. Lookups only read it: any number of threads at once.
 */
#ifndef DBL_NAMEIDX_H
#define DBL_NAMEIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

struct dbl_namerec; /* dbl_db.h */

struct dbl_nidx_slot {
	uint32_t tag;   /* high half of the key's hash */
	uint32_t entry; /* index into ent, plus one; 0: empty slot */
};

enum {
	DBL_NIDX_RECORD = 1, /* a stored key: exact and wild are its value */
	DBL_NIDX_BELOW = 2,  /* stored keys lie strictly below this one */
};

struct dbl_nidx_ent {
	const uint8_t *key; /* scope(4) namekey, in the map */
	uint32_t klen;
	uint32_t exact, wild; /* the record's value (dbl_schema.h "name") */
	uint32_t flags;       /* DBL_NIDX_* */
};

struct dbl_nameidx {
	bool ready; /* built: lookups may use it */
	struct dbl_nidx_slot *slot;
	size_t mask; /* number of slots - 1 */
	struct dbl_nidx_ent *ent;
	size_t n;
};

/* Build x (zeroed by the caller) from the name key space dbi, read in txn.
 * Keys are borrowed from the map: x must not outlive the environment.
 * Returns 0, -ENOMEM, or DBL_ECORRUPT (a record of another size); on
 * error x is left empty (not ready). */
int dbl_nameidx_build(struct dbl_nameidx *x, MDB_txn *txn, MDB_dbi dbi);
void dbl_nameidx_free(struct dbl_nameidx *x);

/* The hash of key (n bytes) that places it: slot hash & mask, tag hash >>
 * 32 (exposed for tests). */
uint64_t dbl_nameidx_hash(const uint8_t *key, size_t n);

/* As dbl_lookup_name (dbl_db.h) for the full key kb (scope(4) namekey,
 * klen bytes): 0 and *rec, or DBL_ENOTFOUND. x must be ready. */
int dbl_nameidx_get(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen,
                    struct dbl_namerec *rec);
/* As dbl_lookup_name_below for the full key kb, which must be a whole
 * label sequence (every query name's is): 0 when stored keys lie strictly
 * below it, else DBL_ENOTFOUND. x must be ready. */
int dbl_nameidx_below(const struct dbl_nameidx *x, const uint8_t *kb, size_t klen);

#endif
