/* dbl_tupmap.h - a map from short tuples of 32-bit words to nonzero 32-bit
 * ids, for the loader's value-set cache.
 *
 * Why: a merged address interval's answer is fully determined by the list
 * of (dataset, value) pairs covering it. Encoding that answer and interning
 * the encoded blob (tens to hundreds of bytes of A + TXT per value) costs
 * far more than hashing the few words of the list, and at scale 10 the
 * combinations of three datasets (an XBL address inside a PBL range inside
 * an SBL block) are common enough that encoding each one again was the
 * largest user-space cost of a load. The map remembers the id each list
 * interned to.
 *
 * Open addressing with linear probing, load factor at most 1/2, keys copied
 * into one owned arena. All memory is owned by the map; the caller owns the
 * struct itself. Not thread-safe.
 */
#ifndef DBL_TUPMAP_H
#define DBL_TUPMAP_H

#include <stddef.h>
#include <stdint.h>

/* Longest tuple the map takes; callers bypass it for longer ones. 64: far
 * above the 1-4 datasets a real zone merges at one address. */
#define DBL_TUPMAP_MAXLEN 64

struct dbl_tupslot {
	uint32_t hash; /* 0: empty slot */
	uint32_t len;  /* words */
	uint32_t off;  /* first word in arena */
	uint32_t id;   /* 0 until the caller stores one */
};

struct dbl_tupmap {
	struct dbl_tupslot *slot; /* owned, mask + 1 entries */
	uint32_t mask;
	size_t used;
	uint32_t *arena; /* owned: every key's words back to back */
	size_t alen, acap;
};

void dbl_tupmap_init(struct dbl_tupmap *m);
/* Frees everything the map owns; the map can be initialised again. */
void dbl_tupmap_free(struct dbl_tupmap *m);

/* Find key[0..len) (1 <= len <= DBL_TUPMAP_MAXLEN), inserting it with id 0
 * when absent. *id points at the entry's id: nonzero = found, 0 = new (the
 * caller stores the id there). The pointer is borrowed and valid only until
 * the next call on the map. Returns 0, -EINVAL (len out of range) or
 * -ENOMEM (the map is unchanged). */
int dbl_tupmap_find(struct dbl_tupmap *m, const uint32_t *key, size_t len, uint32_t **id);

#endif
