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
 * Layout: open addressing with linear probing over a power-of-two array
 * of slots {tag, entry + 1} at most half full, and an array of entries
 * {key pointer and length, exact and wild vsid}. Keys are not copied:
 * they point into the generation's map, which is immutable and stays
 * mapped until dbl_db_close. Cost: about 40 bytes per name (20 MB at
 * scale 1, 500k names), built once per generation by a cursor walk.
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

struct dbl_nidx_ent {
	const uint8_t *key; /* scope(4) namekey, in the map */
	uint32_t klen;
	uint32_t exact, wild; /* the record's value (dbl_schema.h "name") */
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

#endif
