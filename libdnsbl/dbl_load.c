/* dbl_load.c - zone specs, the load driver (files -> lines -> types), combined. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_dsb.h"
#include "dbl_err.h"
#include "dbl_load.h"
#include "dbl_log.h"
#include "dbl_lread.h"
#include "dbl_name.h"
#include "dbl_parse.h"
#include "dbl_special.h"

/* combined: no data of its own; lines before $DATASET are refused below */
const struct dbl_dsops dbl_ds_combined = {
    .name = "combined",
    .flags = DBL_DSF_SPECIAL,
    .merge = DBL_MERGE_UNION,
};

static const struct dbl_dsops *const types[] = {
    &dbl_ds_ip4set, &dbl_ds_ip4tset, &dbl_ds_ip4trie,  &dbl_ds_ip6tset, &dbl_ds_ip6trie,
    &dbl_ds_dnset,  &dbl_ds_generic, &dbl_ds_combined, &dbl_ds_bind,    &dbl_ds_acl,
};

const struct dbl_dsops *dbl_dsops_find(const char *name)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

bool dbl_dataset_type_known(const char *type)
{
	return dbl_dsops_find(type) != NULL;
}

/* ---- zone specs ----------------------------------------------------------- */

static int spec_err(char *err, size_t cap, const char *fmt, const char *arg)
{
	if (err && cap)
		snprintf(err, cap, fmt, arg);
	return DBL_ESYNTAX;
}

int dbl_zonespec_parse(struct dbl_zonespec *out, const char *spec, char *err, size_t errcap)
{
	const char *p = strchr(spec, ':'), *t, *f;
	size_t tlen;

	memset(out, 0, sizeof *out);
	if (!p)
		return spec_err(err, errcap, "invalid zone spec '%.60s' (want zone:type:file)",
		                spec);
	/* 1024: rbldnsd DNS_MAXDOMAIN, a presentation name never needs more */
	if (p - spec >= 1024 || dbl_wname_from_text(&out->zone, spec, (size_t)(p - spec)) < 0)
		return spec_err(err, errcap, "invalid domain name in zone spec '%.60s'", spec);
	t = p + 1;
	f = strchr(t, ':');
	if (!f)
		return spec_err(err, errcap, "missing dataset type or file in '%.60s'", spec);
	tlen = (size_t)(f - t);
	if (tlen == 0 || tlen >= sizeof out->type)
		return spec_err(err, errcap, "invalid dataset type in '%.60s'", spec);
	memcpy(out->type, t, tlen);
	out->type[tlen] = '\0';
	if (!dbl_dataset_type_known(out->type))
		return spec_err(err, errcap, "unknown dataset type '%.32s'", out->type);
	/* An empty zone name is the global ACL (rbldnsd: acl only). */
	if (out->zone.len <= 1 && (p != spec || strcmp(out->type, "acl") != 0))
		return spec_err(err, errcap, "missing domain name in '%.60s'", spec);
	/* rbldnsd splits the file list on both ',' and ':' */
	for (f++; *f;) {
		size_t n = strcspn(f, ",:");
		if (n > 0) {
			if (out->nfiles == DBL_SPEC_FILES_MAX) {
				dbl_zonespec_free(out);
				return spec_err(err, errcap, "more than 64 files in '%.60s'", spec);
			}
			if (!(out->files[out->nfiles] = strndup(f, n))) {
				dbl_zonespec_free(out);
				return -ENOMEM;
			}
			out->nfiles++;
		}
		f += n;
		if (*f)
			f++;
	}
	if (out->nfiles == 0)
		return spec_err(err, errcap, "missing file names in '%.60s'", spec);
	return 0;
}

void dbl_zonespec_free(struct dbl_zonespec *zs)
{
	for (size_t i = 0; i < zs->nfiles && i < DBL_SPEC_FILES_MAX; i++)
		free(zs->files[i]);
	zs->nfiles = 0;
}

/* ---- combined ------------------------------------------------------------- */

/* Finish the current section and keep it if it has subzones. */
static int section_end(struct dbl_pctx *pc)
{
	struct dbl_dsdata *ds;
	int rc;

	if (!pc->cur)
		return 0;
	rc = dbl_dsb_finish(pc, pc->cur, &ds);
	pc->cur = NULL;
	if (rc)
		return rc;
	if (ds->nsubs == 0) {
		dbl_dsdata_free(ds); /* "data will be ignored" (warned at $DATASET) */
		return 0;
	}
	if (pc->nsect == pc->capsect) {
		size_t cap = pc->capsect ? pc->capsect * 2 : 8;
		void *p = realloc(pc->sect, cap * sizeof *pc->sect);
		if (!p) {
			dbl_dsdata_free(ds);
			return -ENOMEM;
		}
		pc->sect = p;
		pc->capsect = cap;
	}
	pc->sect[pc->nsect++] = ds;
	return 0;
}

static int add_sub(struct dbl_dsdata *ds, size_t *cap, const uint8_t *rel, int len)
{
	for (size_t i = 0; i < ds->nsubs; i++)
		if (ds->subs[i].len == len && memcmp(ds->subs[i].b, rel, (size_t)len) == 0)
			return 0;
	if (ds->nsubs == *cap) {
		size_t nc = *cap * 2;
		void *p = realloc(ds->subs, nc * sizeof *ds->subs);
		if (!p)
			return -ENOMEM;
		ds->subs = p;
		*cap = nc;
	}
	ds->subs[ds->nsubs].len = (uint8_t)len;
	memcpy(ds->subs[ds->nsubs].b, rel, (size_t)len);
	ds->nsubs++;
	return 0;
}

int dbl_combined_newset(struct dbl_pctx *pc, char *line)
{
	const struct dbl_dsops *ops;
	struct dbl_dsb *b;
	char *tok, *save = NULL, *name, label[600];
	size_t cap = 1;
	int rc;

	if ((rc = section_end(pc)))
		return rc;
	/* a comment counts only after whitespace */
	for (char *p = line; *p; p++)
		if (DBL_ISCOMMENT(*p) && (p == line || DBL_ISSPACE(p[-1]))) {
			*p = '\0';
			break;
		}
	if (!(tok = strtok_r(line, " \t", &save)))
		return 0;
	if ((name = strchr(tok, ':')))
		*name++ = '\0';
	ops = dbl_dsops_find(tok);
	if (!ops) {
		if (strcmp(tok, "acl") == 0)
			return dbl_perr(pc, DBL_ESYNTAX,
			                "dataset type 'acl' cannot be used inside "
			                "combined");
		return dbl_perr(pc, DBL_ESYNTAX, "unknown dataset type '%.60s' in $DATASET", tok);
	}
	if (ops->flags & DBL_DSF_SPECIAL || ops->read_file)
		return dbl_perr(pc, DBL_ESYNTAX, "dataset type '%s' cannot be used inside combined",
		                ops->name);
	/* 20: rbldnsd cuts the section name (it is for logs only) */
	if (name && strlen(name) > 20)
		name[20] = '\0';
	snprintf(label, sizeof label, "%s:%s%s%s", pc->label, ops->name, name && *name ? ":" : "",
	         name && *name ? name : "");
	if (!(b = dbl_dsb_new(ops, label)))
		return -ENOMEM;
	b->ds->nsubs = 0;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		uint8_t rel[DBL_NAME_MAX];
		int n = strcmp(tok, "@") == 0 ? 0 : dbl_rel_from_text(rel, tok, strlen(tok));
		if (n < 0 || (n == 0 && strcmp(tok, "@") != 0)) {
			dbl_pwarn(pc, "invalid domain name '%.60s'", tok);
			continue;
		}
		if ((rc = add_sub(b->ds, &cap, rel, n))) {
			dbl_dsb_free(b);
			return rc;
		}
	}
	if (b->ds->nsubs == 0)
		dbl_pwarn(pc, "no subzone(s) specified for dataset, data will be ignored");
	/* the common $TTL and $n are copied now: they must come first */
	b->ttl = pc->base->ttl;
	for (int i = 0; i < DBL_NSUBST; i++)
		if (pc->base->subst[i] && !(b->subst[i] = strdup(pc->base->subst[i]))) {
			dbl_dsb_free(b);
			return -ENOMEM;
		}
	if (ops->file_start)
		ops->file_start(pc, b);
	pc->cur = b;
	return 1;
}

/* ---- the driver ------------------------------------------------------------ */

static void make_label(struct dbl_pctx *pc)
{
	const struct dbl_zonespec *zs = pc->zs;
	char zone[1024];
	size_t o, zl;

	dbl_wname_to_text(zs->zone.b, zone, sizeof zone);
	zl = strlen(zone);
	if (zl > 1 && zone[zl - 1] == '.')
		zone[zl - 1] = '\0';
	o = (size_t)snprintf(pc->label, sizeof pc->label, "%s:%s:", zone, zs->type);
	for (size_t i = 0; i < zs->nfiles && o < sizeof pc->label; i++)
		o += (size_t)snprintf(pc->label + o, sizeof pc->label - o, "%s%s", i ? "," : "",
		                      zs->files[i]);
}

static int read_lines(struct dbl_pctx *pc, struct dbl_lread *r, bool *eof)
{
	char *line;
	size_t len;
	unsigned lineno, flags;
	int rc;

	*eof = false;
	/* Each iteration consumes one line; dbl_lread ends at EOF. */
	while ((rc = dbl_lread_next(r, &line, &len, &lineno, &flags)) > 0) {
		char *s = line, *e = line + len;

		pc->lineno = lineno;
		if (flags & DBL_LR_LONG)
			dbl_pwarn(pc, "long line (truncated to %d bytes)", DBL_LINE_MAX - 1);
		while (e > s && DBL_ISSPACE(e[-1]))
			e--;
		*e = '\0';
		s = dbl_skipspace(s);
		if (s[0] == '$' || ((DBL_ISCOMMENT(s[0]) || s[0] == ':') && s[1] == '$')) {
			int r2 = dbl_special(pc, s[0] == '$' ? s + 1 : s + 2);
			if (r2 == 0)
				dbl_pwarn(pc, "invalid or unrecognized special entry");
			else if (r2 < 0)
				return r2;
			pc->special_seen = true;
			continue;
		}
		if (!s[0] || DBL_ISCOMMENT(s[0]))
			continue;
		if (pc->combined && (!pc->cur || !pc->special_seen))
			return dbl_perr(pc, DBL_ESYNTAX,
			                "data line before $DATASET in a combined file");
		if ((rc = pc->cur->ops->line(pc, pc->cur, s)))
			return rc;
	}
	if (rc == 0)
		*eof = true;
	else
		dbl_perr(pc, rc, "read error: %s", strerror(-rc));
	return rc;
}

static int load_file(struct dbl_pctx *pc, const char *path, time_t *mtime)
{
	struct dbl_lread r;
	char why[256];
	unsigned trl;
	bool eof = false;
	int rc, rc2;

	pc->file = path;
	pc->lineno = 0;
	pc->fwarn = 0;
	pc->special_seen = false;
	rc = dbl_lread_open(&r, path);
	if (rc)
		return dbl_perr(pc, rc, "cannot open: %s", strerror(-rc));
	if (r.st0.st_mtime > *mtime)
		*mtime = r.st0.st_mtime;
	if (!pc->combined && pc->cur->ops->file_start)
		pc->cur->ops->file_start(pc, pc->cur);
	if (!pc->combined && pc->cur->ops->read_file) {
		rc = pc->cur->ops->read_file(pc, pc->cur, &r);
		eof = rc == 0;
	} else {
		rc = read_lines(pc, &r, &eof);
	}
	rc2 = dbl_lread_close(&r, eof, why, sizeof why, &trl);
	if (!rc && rc2) {
		pc->lineno = trl;
		rc = dbl_perr(pc, rc2, "%s", why);
	}
	pc->lineno = 0;
	if (pc->fwarn > pc->o->max_warnings)
		dbl_log(DBL_LOG_WARNING, "%s: %u more warning(s) suppressed", path,
		        pc->fwarn - pc->o->max_warnings);
	return rc;
}

static void pctx_free(struct dbl_pctx *pc)
{
	dbl_dsb_free(pc->base);
	if (pc->cur != pc->base)
		dbl_dsb_free(pc->cur);
	for (size_t i = 0; i < pc->nsect; i++)
		dbl_dsdata_free(pc->sect[i]);
	free(pc->sect);
}

int dbl_dataset_load(const struct dbl_zonespec *zs, const struct dbl_parse_opts *o,
                     struct dbl_dsdata ***out, size_t *nout)
{
	const struct dbl_dsops *ops = dbl_dsops_find(zs->type);
	struct dbl_pctx pc = {.o = o, .zs = zs};
	struct dbl_dsdata **res = NULL, *first = NULL;
	time_t mtime = 0;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	make_label(&pc);
	if (!ops)
		return dbl_perr(&pc, DBL_ESYNTAX, "%s", "unknown dataset type");
	pc.combined = ops == &dbl_ds_combined;
	if (!(pc.base = dbl_dsb_new(ops, pc.label)))
		return -ENOMEM;
	pc.cur = pc.combined ? NULL : pc.base;
	for (size_t f = 0; f < zs->nfiles && !rc; f++)
		rc = load_file(&pc, zs->files[f], &mtime);
	pc.file = NULL;
	if (!rc && pc.combined)
		rc = section_end(&pc);
	if (rc) {
		pctx_free(&pc);
		return rc;
	}
	res = calloc(pc.nsect + 1, sizeof *res);
	if (!res) {
		pctx_free(&pc);
		return -ENOMEM;
	}
	/* The base: the dataset itself, or for combined a carrier of the
	 * zone-level $SOA/$NS/$TIMESTAMP with no subzones of its own. */
	if (pc.combined)
		pc.base->ds->nsubs = 0;
	rc = dbl_dsb_finish(&pc, pc.base, &first);
	pc.base = NULL;
	pc.cur = NULL;
	if (rc) {
		pctx_free(&pc);
		free(res);
		return rc;
	}
	res[n++] = first;
	for (size_t i = 0; i < pc.nsect; i++)
		res[n++] = pc.sect[i];
	pc.nsect = 0;
	pctx_free(&pc);
	first->nwarnings = pc.nwarn;
	for (size_t i = 0; i < n; i++)
		res[i]->newest_mtime = mtime;
	*out = res;
	*nout = n;
	return 0;
}
