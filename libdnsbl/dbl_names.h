/* dbl_names.h - merge the name entries (dnset, generic, BIND) of one scope
 * into "name" key-space records (semantics: dbl_schema.h).
 *
 * Per dataset d (rbldnsd dnset): a query name n matches d's exact entry at
 * n if there is one (an exclusion there means "not listed", wildcards are not
 * consulted), else d's wildcard entry at the nearest proper ancestor of n.
 * The merged record at key n carries, for every dataset, what that rule
 * gives, so the query needs no per-dataset work.
 */
#ifndef DBL_NAMES_H
#define DBL_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "dbl_dataset.h"
#include "dbl_intern.h"

struct dbl_namerec_out {
	const uint8_t *key; /* borrowed from the datasets */
	uint8_t keylen;
	uint32_t exact, wild;
};

struct dbl_namerecs {
	struct dbl_namerec_out *v; /* owned, ascending key order */
	size_t n, cap;
};

/* Build records for ds[0..nds) (one scope). Value sets are interned in in.
 * Returns 0 or -ENOMEM / DBL_ETOOBIG. */
int dbl_names_build(struct dbl_dsdata *const *ds, size_t nds, struct dbl_intern *in,
                    struct dbl_namerecs *out);
void dbl_namerecs_free(struct dbl_namerecs *r);

#endif
