/* dbl_build.h - merge parsed datasets and write one generation file.
 *
 * The builder resolves every precedence rule at load time (see
 * dbl_schema.h): per dataset, address entries become disjoint intervals
 * (highest priority wins; equal priority merges per dataset policy; an
 * exclusion is a gap); per scope, datasets are merged into one interval map
 * per family and one name map; merged answers are interned as value sets.
 */
#ifndef DBL_BUILD_H
#define DBL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbl_dataset.h"

struct dbl_db;
struct dbl_zone;

struct dbl_build_zone {
	struct dbl_wname name; /* lowercased wire name */
	size_t nds;
	struct dbl_dsdata **ds; /* borrowed, in command-line order */
	uint32_t flags;         /* DBL_ZONE_FAILED for a zone with no usable data */
	uint64_t fingerprint;   /* stored in the zone record (dbl_loadplan.h) */
	/* Unchanged zone: copy its records from this zone of the live
	 * generation instead of building from ds (both borrowed; the caller
	 * keeps the db open during dbl_build_write). */
	const struct dbl_db *copy_db;
	const struct dbl_zone *copy_zone;
	/* Filled later: nds, ds, flags and copy_* are set by
	 * dbl_build_opts.prepare_zone just before the zone is built, not
	 * before dbl_build_write. Only for a zone whose datasets no other zone
	 * reads (dbl_build_write does not look for them in later zones). */
	bool deferred;
};

struct dbl_build_opts {
	uint64_t generation;
	time_t now;
	size_t mapsize; /* 0 = automatic */
	/* Free each dataset's address entries (ds->ip4 and ds->ip6: NULL, with
	 * counts 0 afterwards) as soon as the last scope that reads them has
	 * resolved them, and its name entries (ds->names, for a dataset whose
	 * keys are in its pool) once that scope's name merge has copied them,
	 * rather than leave them allocated to the end. The datasets are then
	 * changed: set this only when nothing reads those entries after
	 * dbl_build_write (dnsbl-load frees them next; keys, values, ordinary
	 * records and counts taken before the build are untouched). Why: at
	 * scale 10 the IPv4 entries take 0.36 GB (16 bytes each), held through
	 * the merge and the name phase otherwise; given back, their pages
	 * serve the rest of the build and the new file's page cache
	 * (dnsbl-load's peak resident memory 1.27 -> 1.03 GB); the DBL-like
	 * zone's name entries 96 MB, held through its name sort. */
	bool release_entries;
	/* Called for each zone marked deferred, in zone order, after every
	 * zone before it has been written: fill zones[i] there (dnsbl-load
	 * parses the zone's files at this point). 0, or a negative code that
	 * stops the write. Why: a zone's parsed data is then not resident
	 * while the zones before it are built; at scale 10 the DBL-like
	 * zone's 190 MB of names were held through the ZEN-like zone's
	 * address phase, the build's peak (bench/RESULTS.md, stop 28). */
	int (*prepare_zone)(void *ctx, size_t i);
	/* Called after zone i's key spaces are written, for every zone in
	 * order (NULL: not called). The caller may then free datasets of
	 * zones[i] that no later zone reads, taking them out of zones[i].ds;
	 * the datasets left there at the end give the zone records' glue
	 * (ordinary A/AAAA records), so keep those. Why: dnsbl-load frees a
	 * zone's parsed data before the next zone is parsed, and the last
	 * zone's before the value sets and the sync. */
	void (*zone_built)(void *ctx, size_t i);
	void *ctx; /* for prepare_zone and zone_built */
};

struct dbl_build_stats {
	size_t ip4_intervals, ip6_intervals, names, vsets, entries;
	size_t zones_copied;
	size_t bytes; /* size of the written file */
	/* Wall seconds of the build's phases, summed over zones, for the
	 * loader's log (where a slow load spends its time): the address key
	 * spaces (resolve, merge, write), the name key spaces (sort, merge,
	 * write), and the end (value sets, commit, sync to disk). */
	double addr_s, names_s, finish_s;
};

/* Seconds on CLOCK_MONOTONIC: the clock of the phase times above, for a
 * caller that times its own phases (the loader's parse and total). */
double dbl_build_now(void);

/* Write a complete generation to path (a new file; replaced if it exists),
 * fsync'ed and closed on success. Zones are built in order; a deferred
 * zone is filled by o->prepare_zone at its turn (zones is the caller's
 * array, which that callback may change). Returns 0 or a negative code
 * (DBL_ESPACE when the map or disk is full); on failure the file is
 * removed. */
int dbl_build_write(const char *path, const struct dbl_build_zone *zones, size_t nzones,
                    const struct dbl_build_opts *o, struct dbl_build_stats *st);

#endif
