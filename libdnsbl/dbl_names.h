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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_dataset.h"
#include "dbl_intern.h"

/* Called once per record, in ascending key order. key[0..keylen) is
 * borrowed from the datasets for the duration of the call. A nonzero
 * return stops the build and is returned by dbl_names_build. */
typedef int (*dbl_namerec_fn)(void *ctx, const uint8_t *key, uint8_t keylen, uint32_t exact,
                              uint32_t wild);

/* Build the records for ds[0..nds) (one scope) and hand each to fn as soon
 * as it is merged, while its key is still in the CPU cache: at scale 10
 * (5 M names) reading the keys again afterwards, in key order and so in no
 * order in memory, was a tenth of the load. Value sets are interned in in.
 * release (NULL: none): release[d] says nothing reads ds[d]'s name entries
 * after this call; when ds[d]'s keys are in its pool (parser output),
 * the entry array is then freed (names NULL, nnames 0) as soon as the
 * merge has its own copy (the keys and the values stay): 96 MB at scale
 * 10, held through the sort otherwise. Returns 0, -ENOMEM / DBL_ETOOBIG, or
 * fn's nonzero return. */
int dbl_names_build(struct dbl_dsdata *const *ds, size_t nds, const bool *release,
                    struct dbl_intern *in, dbl_namerec_fn fn, void *ctx);

#endif
