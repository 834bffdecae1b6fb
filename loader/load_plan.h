/* load_plan.h - what one dnsbl-load run does to each zone.
 *
 * The specs on the command line are grouped by zone (first appearance
 * order). Each zone gets a fingerprint of its specs and of the identity of
 * every input file (device, inode, size, mtime with nanoseconds): rsync and
 * the Spamhaus scripts replace files by rename, so any new data changes it.
 * Against the live generation a zone is then
 *   LOAD_COPY     unchanged: its records are copied, not re-parsed;
 *   LOAD_BUILD    changed or new: parsed and built;
 *   LOAD_KEEP     refused (parse error, CKSUM, shrink gate...): the live
 *                 generation's data for it is copied unchanged;
 *   LOAD_FAILED   refused and no previous data: served as SERVFAIL.
 * A run where every zone is LOAD_COPY and the zone list is unchanged
 * publishes nothing (a cheap no-op from cron).
 */
#ifndef LOAD_PLAN_H
#define LOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_build.h"
#include "dbl_db.h"
#include "dbl_parse.h"

enum load_action { LOAD_BUILD, LOAD_COPY, LOAD_KEEP, LOAD_FAILED };

struct load_zone {
	struct dbl_wname name;
	char text[1024]; /* presentation form, for logs */
	size_t nspecs;
	struct dbl_zonespec *specs; /* owned */
	uint64_t fingerprint;
	enum load_action action;
	const struct dbl_zone *old; /* zone in the live generation, or NULL */
	char why[512];              /* reason for KEEP/FAILED */
};

struct load_plan {
	size_t nzones;
	struct load_zone *zones; /* owned */
	struct dbl_db *old;      /* live generation (owned), or NULL */
};

/* Group specs by zone and fingerprint them. Errors (bad spec, missing
 * file) are logged with the spec and file; returns 0, DBL_ESYNTAX or -errno. */
int load_plan_make(struct load_plan *p, char **specs, int nspecs);

/* Open dir's live generation (if any) and decide each zone's action
 * (LOAD_COPY when unchanged, else LOAD_BUILD; rebuild_all forces BUILD).
 * Returns true when nothing changed at all. */
bool load_plan_compare(struct load_plan *p, const char *dir, bool rebuild_all);

/* Refuse zone z: keep its live data if there is any. */
void load_plan_refuse(struct load_zone *z, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void load_plan_free(struct load_plan *p);

#endif
