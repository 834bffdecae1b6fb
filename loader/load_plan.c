/* load_plan.c - zone grouping, input fingerprints, copy/rebuild decisions. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbl_err.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "load_plan.h"

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int fingerprint(struct load_zone *z)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t s = 0; s < z->nspecs; s++) {
		const struct dbl_zonespec *zs = &z->specs[s];
		h = fnv64(h, zs->type, strlen(zs->type) + 1);
		for (size_t f = 0; f < zs->nfiles; f++) {
			struct stat sb;
			uint64_t id[5];
			if (stat(zs->files[f], &sb) != 0) {
				int e = errno;
				dbl_log(DBL_LOG_ERR, "%s: %s (zone %s)", zs->files[f], strerror(e),
				        z->text);
				return -e;
			}
			id[0] = (uint64_t)sb.st_dev;
			id[1] = (uint64_t)sb.st_ino;
			id[2] = (uint64_t)sb.st_size;
			id[3] = (uint64_t)sb.st_mtim.tv_sec;
			id[4] = (uint64_t)sb.st_mtim.tv_nsec;
			h = fnv64(h, zs->files[f], strlen(zs->files[f]) + 1);
			h = fnv64(h, id, sizeof id);
		}
	}
	z->fingerprint = h;
	return 0;
}

/* As rbldnsd: at most one acl per zone (and one global ACL), and a zone
 * needs data besides its ACL. */
static int check_acls(const struct load_zone *z)
{
	size_t nacl = 0;

	for (size_t s = 0; s < z->nspecs; s++)
		nacl += strcmp(z->specs[s].type, "acl") == 0;
	if (nacl > 1) {
		dbl_log(DBL_LOG_ERR, "zone %s: more than one acl dataset (%s)",
		        z->name.len > 1 ? z->text : "'' (global ACL)", "rbldnsd allows one");
		return DBL_ESYNTAX;
	}
	if (z->name.len > 1 && nacl == z->nspecs) {
		dbl_log(DBL_LOG_ERR, "zone %s: missing data for zone (only an acl dataset)",
		        z->text);
		return DBL_ESYNTAX;
	}
	return 0;
}

int load_plan_make(struct load_plan *p, char **specs, int nspecs)
{
	memset(p, 0, sizeof *p);
	p->zones = calloc((size_t)nspecs, sizeof *p->zones);
	if (!p->zones)
		return -ENOMEM;
	for (int i = 0; i < nspecs; i++) {
		struct dbl_zonespec zs;
		struct load_zone *z = NULL;
		char err[256];
		if (dbl_zonespec_parse(&zs, specs[i], err, sizeof err)) {
			dbl_log(DBL_LOG_ERR, "zone spec '%s': %s", specs[i], err);
			return DBL_ESYNTAX;
		}
		for (size_t k = 0; k < p->nzones && !z; k++)
			if (p->zones[k].name.len == zs.zone.len &&
			    memcmp(p->zones[k].name.b, zs.zone.b, zs.zone.len) == 0)
				z = &p->zones[k];
		if (!z) {
			z = &p->zones[p->nzones++];
			z->name = zs.zone;
			dbl_wname_to_text(zs.zone.b, z->text, sizeof z->text);
			z->specs = calloc((size_t)nspecs, sizeof *z->specs);
			if (!z->specs) {
				dbl_zonespec_free(&zs);
				return -ENOMEM;
			}
		}
		z->specs[z->nspecs++] = zs; /* ownership moves to the plan */
	}
	for (size_t k = 0; k < p->nzones; k++) {
		int rc = check_acls(&p->zones[k]);
		if (rc)
			return rc;
		rc = fingerprint(&p->zones[k]);
		if (rc)
			return rc;
	}
	return 0;
}

bool load_plan_compare(struct load_plan *p, const char *dir, bool rebuild_all)
{
	bool same;
	int rc = dbl_db_open(&p->old, dir);

	if (rc == -ENOENT) {
		p->old = NULL;
	} else if (rc) {
		dbl_log(DBL_LOG_WARNING,
		        "%s/current: cannot read the live generation (%s); "
		        "every zone is rebuilt",
		        dir, dbl_strerror(rc));
		p->old = NULL;
	}
	same = p->old && p->old->cat.nzones == p->nzones;
	for (size_t i = 0; i < p->nzones; i++) {
		struct load_zone *z = &p->zones[i];
		size_t off;
		z->old = NULL;
		if (p->old) {
			const struct dbl_zone *oz = dbl_catalog_find(&p->old->cat, z->name.b, &off);
			if (oz && off == 0)
				z->old = oz;
		}
		z->action = (z->old && !rebuild_all && z->old->fingerprint == z->fingerprint &&
		             !(z->old->flags & DBL_ZONE_FAILED))
		                ? LOAD_COPY
		                : LOAD_BUILD;
		if (z->action != LOAD_COPY || z->old != &p->old->cat.zones[i])
			same = false;
	}
	return same;
}

void load_plan_refuse(struct load_zone *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->why, sizeof z->why, fmt, ap);
	va_end(ap);
	z->action = z->old ? LOAD_KEEP : LOAD_FAILED;
	dbl_log(DBL_LOG_ERR, "zone %s: %s; %s", z->text, z->why,
	        z->old ? "previous data kept" : "no previous data: zone answers SERVFAIL");
}

void load_plan_free(struct load_plan *p)
{
	for (size_t i = 0; i < p->nzones; i++) {
		for (size_t s = 0; s < p->zones[i].nspecs; s++)
			dbl_zonespec_free(&p->zones[i].specs[s]);
		free(p->zones[i].specs);
	}
	free(p->zones);
	dbl_db_close(p->old);
	memset(p, 0, sizeof *p);
}
