/* dbl_baddr.h - the address half of a build (builder internals, used by
 * dbl_build.c): resolve one scope's IPv4 or IPv6 entries across its
 * datasets (dbl_sweep.h) and write them as "ip4" blocks or "ip6" records
 * (dbl_schema.h), with their value sets interned.
 */
#ifndef DBL_BADDR_H
#define DBL_BADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "dbl_bwriter.h"
#include "dbl_catalog.h"
#include "dbl_dataset.h"
#include "dbl_intern.h"

/* Scope being built: its datasets in command-line order. Caller-owned;
 * the datasets are borrowed. release[d]: no later scope of the build
 * reads ds[d]'s address and name entries and the build may free them
 * (dbl_build_opts.release_entries): dbl_build_addr then frees each family's
 * entries of ds[d] once it has resolved them (giving the IPv4 ones' pages
 * back as it sorts them), dbl_names_build the name entries. */
struct dbl_bscope {
	struct dbl_scope *sc;
	size_t nds;
	struct dbl_dsdata *ds[256];
	bool release[256];
};

/* Resolve bs's entries of family fam (4 or 6), merge its datasets and
 * append the records to w in key order; *nintervals grows by the merged
 * intervals written. Returns 0 or -ENOMEM / a negative dbl error. */
int dbl_build_addr(struct dbl_bwriter *w, struct dbl_intern *in, struct dbl_bscope *bs, int fam,
                   size_t *nintervals);

#endif
