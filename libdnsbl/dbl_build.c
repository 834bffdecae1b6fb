/* dbl_build.c - merge datasets into scopes and write one generation file.
 *
 * Order of work per scope: IPv4 intervals, IPv6 intervals (dbl_baddr.c),
 * names (dbl_names.c). Every key space is written in ascending key order
 * with MDB_APPEND (dense pages, no page splits); value sets are interned in
 * memory and written last.
 * The file itself (LMDB environment, transactions, sync) is
 * dbl_bwriter's; the file is not published until the loader renames it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "dbl_baddr.h"
#include "dbl_build.h"
#include "dbl_bwriter.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_intern.h"
#include "dbl_ip4blk.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "dbl_names.h"
#include "dbl_schema.h"
#include "dbl_vset.h"

/* ---- zones ---- */

/* Is rel name n (labels, no root) of zone z? Returns the rel length or -1. */
static int rel_in_zone(const struct dbl_wname *name, const struct dbl_wname *zone)
{
	size_t off = 0;

	while (off < name->len) {
		if (name->len - off == zone->len && memcmp(name->b + off, zone->b, zone->len) == 0)
			return (int)off;
		if (name->b[off] == 0)
			break;
		off += (size_t)name->b[off] + 1;
	}
	return -1;
}

static void add_glue(struct dbl_zone *z, const struct dbl_build_zone *zones, size_t nzones)
{
	for (unsigned n = 0; n < z->nns; n++) {
		const struct dbl_build_zone *best = NULL;
		int bestrel = -1;
		uint8_t key[DBL_NAME_MAX];
		for (size_t i = 0; i < nzones; i++) {
			int rel = rel_in_zone(&z->ns[n], &zones[i].name);
			if (rel >= 0 && (!best || zones[i].name.len > best->name.len)) {
				best = &zones[i];
				bestrel = rel;
			}
		}
		if (!best)
			continue;
		dbl_namekey_from_rel(key, z->ns[n].b, (size_t)bestrel);
		for (size_t d = 0; d < best->nds; d++) {
			const struct dbl_dsdata *ds = best->ds[d];
			for (size_t r = 0; r < ds->nrrs && z->nglue < DBL_GLUE_MAX; r++) {
				const struct dbl_rrent *rr = &ds->rrs[r];
				struct dbl_glue *g = &z->glue[z->nglue];
				if (rr->wild || rr->keylen != bestrel ||
				    memcmp(rr->key, key, (size_t)bestrel) != 0)
					continue;
				if (rr->type == 1 && rr->rdlen == 4)
					g->family = 4;
				else if (rr->type == 28 && rr->rdlen == 16)
					g->family = 6;
				else
					continue;
				g->ns = (uint8_t)n;
				memcpy(g->addr, rr->rdata, rr->rdlen);
				g->ttl = rr->ttl;
				z->nglue++;
			}
		}
	}
}

static bool is_acl(const struct dbl_dsdata *ds)
{
	return strcmp(ds->type, "acl") == 0;
}

/* Fill zone record z from bz. Scope ids are left 0 and acl_scope 1 when
 * the zone has a client ACL: number_scopes gives both their ids at the
 * zone's turn. */
static int make_zone(struct dbl_zone *z, const struct dbl_build_zone *bz, uint32_t id,
                     const struct dbl_build_opts *o)
{
	time_t newest = 0;
	bool has_acl = false;

	memset(z, 0, sizeof *z);
	z->id = id;
	z->flags = bz->flags;
	z->name = bz->name;
	z->nlabels = (uint8_t)dbl_rel_labels(bz->name.b, bz->name.len - 1u);
	z->loaded = (uint64_t)o->now;
	/* The apex scope always exists, so scopes[0] is "". */
	z->nscopes = 1;
	for (size_t d = 0; d < bz->nds; d++) {
		const struct dbl_dsdata *ds = bz->ds[d];
		if (is_acl(ds)) {
			has_acl = true; /* no zone data: its own scope, below */
			continue;
		}
		if (ds->newest_mtime > newest)
			newest = ds->newest_mtime;
		if (!z->soa.present && ds->soa.present)
			z->soa = ds->soa;
		if (z->nns == 0 && ds->nns > 0) {
			z->nns = ds->nns;
			z->ns_ttl = ds->ns_ttl;
			memcpy(z->ns, ds->ns, sizeof z->ns);
		}
		if (ds->ts_expires > 0 &&
		    (z->expires == 0 || (uint64_t)ds->ts_expires < z->expires))
			z->expires = (uint64_t)ds->ts_expires;
		for (size_t s = 0; s < ds->nsubs; s++) {
			const struct dbl_wname *sub = &ds->subs[s];
			struct dbl_scope *sc = NULL;
			for (unsigned k = 0; k < z->nscopes && !sc; k++)
				if (z->scopes[k].sublen == sub->len &&
				    memcmp(z->scopes[k].sub, sub->b, sub->len) == 0)
					sc = &z->scopes[k];
			if (!sc) {
				if (z->nscopes == DBL_SCOPES_MAX) {
					dbl_log(DBL_LOG_ERR, "%s: more than %d subzones", ds->label,
					        DBL_SCOPES_MAX - 1);
					return DBL_ETOOBIG;
				}
				sc = &z->scopes[z->nscopes++];
				sc->sublen = sub->len;
				memcpy(sc->sub, sub->b, sub->len);
				sc->nlabels = (uint8_t)dbl_rel_labels(sub->b, sub->len);
			}
			if (ds->nip4)
				sc->flags |= DBL_SCOPE_IP4;
			if (ds->nip6)
				sc->flags |= DBL_SCOPE_IP6;
			if (ds->nnames || ds->nrrs)
				sc->flags |= DBL_SCOPE_NAME;
			if (strcmp(ds->type, "dnset") == 0)
				sc->flags |= DBL_SCOPE_DNSET;
		}
	}
	if (has_acl)
		z->acl_scope = 1; /* numbered by number_scopes */
	/* rbldnsd: SOA serial 0 = newest mtime of the zone's files; TTL 0 =
	 * the server default. */
	if (z->soa.present && z->soa.serial == 0)
		z->soa.serial = (uint32_t)newest;
	if (z->soa.present && z->soa.ttl == 0)
		z->soa.ttl = DBL_TTL_DEFAULT;
	if (z->ns_ttl == 0)
		z->ns_ttl = DBL_TTL_DEFAULT;
	z->version = o->generation;
	z->data_mtime = (uint64_t)newest;
	z->fingerprint = bz->fingerprint;
	for (size_t d = 0; d < bz->nds; d++)
		if (!is_acl(bz->ds[d]))
			z->entries +=
			    bz->ds[d]->nip4 + bz->ds[d]->nip6 + bz->ds[d]->nnames + bz->ds[d]->nrrs;
	return 0;
}

/* ---- unchanged zones: copy from the live generation ---- */

/* Old vsid -> new vsid, filled lazily (0 = not yet interned). */
struct remap {
	uint32_t *v;
	size_t n;
};

static int remap_vsid(struct remap *m, struct dbl_intern *in, struct dbl_rtxn *r, uint32_t old,
                      uint32_t *out)
{
	const uint8_t *blob;
	size_t len;
	int rc;

	if (old < DBL_VSID_FIRST) {
		*out = old;
		return 0;
	}
	if (old >= m->n) {
		size_t n = m->n ? m->n : 1024;
		uint32_t *v;
		while (n <= old)
			n *= 2;
		v = realloc(m->v, n * sizeof *v);
		if (!v)
			return -ENOMEM;
		memset(v + m->n, 0, (n - m->n) * sizeof *v);
		m->v = v;
		m->n = n;
	}
	if (m->v[old]) {
		*out = m->v[old];
		return 0;
	}
	if ((rc = dbl_vset_get(r, old, &blob, &len)))
		return rc;
	/* Re-intern the blob as is: content-addressed, so a value set shared
	 * with rebuilt zones keeps one id. */
	rc = dbl_intern_blob(in, blob, len, out);
	if (rc == 0)
		m->v[old] = *out;
	return rc;
}

/* Decode the "ip4" block in v into *b with each listed run's vsid
 * remapped; *listed = the listed runs. Returns 0 or a negative dbl error
 * (DBL_ECORRUPT for a value that is no block). */
static int copy_ip4(struct dbl_ip4blk *b, const MDB_val *v, struct remap *m, struct dbl_intern *in,
                    struct dbl_rtxn *r, size_t *listed)
{
	int rc = dbl_ip4blk_decode(v->mv_data, v->mv_size, b);

	for (uint32_t i = 0; rc == 0 && i < b->n; i++) {
		if (b->vsid[i] == 0)
			continue; /* a gap */
		rc = remap_vsid(m, in, r, b->vsid[i], &b->vsid[i]);
		++*listed;
	}
	return rc;
}

/* Copy every record of old scope `from` in one key space as scope `to`,
 * remapping the vsids in the value (ip4: each listed run's; ip6: the last
 * 4 bytes; name: both). *count grows by the intervals (ip4: listed runs)
 * or names copied. */
static int copy_space(struct dbl_bwriter *w, MDB_dbi dst, struct dbl_rtxn *r, MDB_dbi src,
                      uint32_t from, uint32_t to, struct remap *m, struct dbl_intern *in,
                      size_t *count)
{
	MDB_cursor *c;
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;
	int rc;

	dbl_put_u32(kb, from);
	if ((rc = mdb_cursor_open(r->txn, src, &c)))
		return dbl_err_from_mdb(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t nk[4 + DBL_NAMEKEY_MAX + 16], nv[DBL_IP4BLK_MAX];
		size_t nvs = v.mv_size >= 8 && v.mv_size <= sizeof nv ? v.mv_size : 0;
		size_t offs[2], noff = 0, listed = 0;
		struct dbl_ip4blk b;
		if (k.mv_size < 4 || k.mv_size > sizeof nk || dbl_get_u32(k.mv_data) != from)
			break;
		if (dst == w->ip4) {
			/* a dbl error already, not an LMDB code: past the mapping */
			if ((rc = copy_ip4(&b, &v, m, in, r, &listed)))
				goto out;
			nvs = dbl_ip4blk_encode(&b, nv); /* the new vsids may take other lengths */
		} else if (!nvs) {
			rc = DBL_ECORRUPT;
			break;
		} else {
			memcpy(nv, v.mv_data, nvs);
			/* Where the vsids are: name exact and wild, ip6 at the
			 * end. 0 (no answer) stays. */
			if (dst == w->name) {
				offs[noff++] = 0;
				offs[noff++] = 4;
			} else {
				offs[noff++] = nvs - 4;
			}
		}
		memcpy(nk, k.mv_data, k.mv_size);
		dbl_put_u32(nk, to);
		for (size_t i = 0; i < noff; i++) {
			uint32_t old = dbl_get_u32(nv + offs[i]), nid;
			if (old == 0)
				continue;
			if ((rc = remap_vsid(m, in, r, old, &nid)))
				goto out;
			dbl_put_u32(nv + offs[i], nid);
			listed++;
		}
		if ((rc = dbl_bwriter_put(w, dst, nk, k.mv_size, nv, nvs, MDB_APPEND)))
			goto out;
		*count += dst == w->ip4 ? listed : 1; /* ip4: listed runs; else records */
	}
	rc = rc == MDB_NOTFOUND ? 0 : dbl_err_from_mdb(rc);
out:
	mdb_cursor_close(c);
	return rc;
}

static int copy_zone(struct dbl_bwriter *w, struct dbl_intern *in, const struct dbl_build_zone *bz,
                     struct dbl_zone *z, struct dbl_build_stats *st)
{
	struct dbl_rtxn r;
	struct remap m = {0};
	int rc = dbl_rtxn_begin(&r, bz->copy_db);

	for (unsigned s = 0; rc == 0 && s < z->nscopes; s++) {
		uint32_t from = bz->copy_zone->scopes[s].id, to = z->scopes[s].id;
		const struct dbl_db *db = bz->copy_db;
		if ((rc = copy_space(w, w->ip4, &r, db->dbi_ip4, from, to, &m, in,
		                     &st->ip4_intervals)) ||
		    (rc = copy_space(w, w->ip6, &r, db->dbi_ip6, from, to, &m, in,
		                     &st->ip6_intervals)))
			break;
		rc = copy_space(w, w->name, &r, db->dbi_name, from, to, &m, in, &st->names);
	}
	if (rc == 0 && z->acl_scope) {
		uint32_t from = bz->copy_zone->acl_scope, to = z->acl_scope;
		rc = copy_space(w, w->ip4, &r, bz->copy_db->dbi_ip4, from, to, &m, in,
		                &st->ip4_intervals);
		if (rc == 0)
			rc = copy_space(w, w->ip6, &r, bz->copy_db->dbi_ip6, from, to, &m, in,
			                &st->ip6_intervals);
	}
	if (r.txn)
		dbl_rtxn_end(&r);
	free(m.v);
	return rc;
}

/* Does the build step of scope sc (acl: the zone's client ACL scope) read
 * dataset ds of its zone? The ACL step reads the zone's acl datasets (one
 * per zone; the loader refuses a second), a scope step those whose
 * subzones include the scope's. */
static bool step_reads(const struct dbl_scope *sc, bool acl, const struct dbl_dsdata *ds)
{
	if (acl)
		return is_acl(ds);
	for (size_t s = 0; s < ds->nsubs; s++)
		if (ds->subs[s].len == sc->sublen &&
		    memcmp(ds->subs[s].b, sc->sub, sc->sublen) == 0)
			return true;
	return false;
}

/* Collect into bs the datasets of bz that the step of scope sc reads. */
static void collect(struct dbl_bscope *bs, struct dbl_scope *sc, bool acl,
                    const struct dbl_build_zone *bz)
{
	bs->sc = sc;
	bs->nds = 0;
	for (size_t d = 0; d < bz->nds && bs->nds < sizeof bs->ds / sizeof bs->ds[0]; d++)
		if (step_reads(sc, acl, bz->ds[d])) {
			bs->release[bs->nds] = false;
			bs->ds[bs->nds++] = bz->ds[d];
		}
}

/* Is ds read by a build step after step k of zone i? A zone's steps are
 * its scopes in order (k = scope index), then its ACL (k = nscopes);
 * copied zones have none. Zones and datasets are a few dozen. */
static bool read_later(const struct dbl_build_zone *zones, size_t nzones, const struct dbl_zone *zr,
                       size_t i, unsigned k, const struct dbl_dsdata *ds)
{
	for (size_t j = i; j < nzones; j++) {
		if (zones[j].copy_zone)
			continue;
		for (size_t d = 0; d < zones[j].nds; d++) {
			if (zones[j].ds[d] != ds)
				continue;
			for (unsigned s = j == i ? k + 1 : 0; s < zr[j].nscopes; s++)
				if (step_reads(&zr[j].scopes[s], false, ds))
					return true;
			if (zr[j].acl_scope && (j > i || k < zr[j].nscopes) &&
			    step_reads(NULL, true, ds))
				return true;
		}
	}
	return false;
}

/* Collect the datasets of step k of zone i into bs, with their release
 * flags (dbl_build_opts.release_entries). */
static void collect_step(struct dbl_bscope *bs, struct dbl_scope *sc,
                         const struct dbl_build_zone *zones, size_t nzones,
                         const struct dbl_zone *zr, size_t i, unsigned k,
                         const struct dbl_build_opts *o)
{
	collect(bs, sc, k == zr[i].nscopes, &zones[i]);
	for (size_t d = 0; d < bs->nds && o->release_entries; d++) {
		bool again = false; /* a spec given twice in the zone: one dataset */
		for (size_t e = d + 1; e < bs->nds && !again; e++)
			again = bs->ds[e] == bs->ds[d];
		bs->release[d] = !again && !read_later(zones, nzones, zr, i, k, bs->ds[d]);
	}
}

/* ---- the whole file ---- */

static int put_meta(struct dbl_bwriter *w, const struct dbl_build_opts *o, size_t nzones)
{
	uint8_t b[8];
	int rc;

	dbl_put_u32(b, DBL_SCHEMA_VERSION);
	if ((rc = dbl_bwriter_put(w, w->meta, "schema", 6, b, 4, 0)))
		return rc;
	dbl_put_u64(b, o->generation);
	if ((rc = dbl_bwriter_put(w, w->meta, "generation", 10, b, 8, 0)))
		return rc;
	dbl_put_u64(b, (uint64_t)o->now);
	if ((rc = dbl_bwriter_put(w, w->meta, "created", 7, b, 8, 0)))
		return rc;
	dbl_put_u32(b, (uint32_t)nzones);
	return dbl_bwriter_put(w, w->meta, "zones", 5, b, 4, 0);
}

struct name_writer {
	struct dbl_bwriter *w;
	uint32_t scope;
	size_t *count;
};

static int put_name(void *ctx, const uint8_t *key, uint8_t keylen, uint32_t exact, uint32_t wild)
{
	struct name_writer *nw = ctx;
	uint8_t k[4 + DBL_NAMEKEY_MAX], v[8];

	dbl_put_u32(k, nw->scope);
	memcpy(k + 4, key, keylen);
	dbl_put_u32(v, exact);
	dbl_put_u32(v + 4, wild);
	(*nw->count)++;
	return dbl_bwriter_put(nw->w, nw->w->name, k, 4u + keylen, v, 8, MDB_APPEND);
}

static int write_names(struct dbl_bwriter *w, struct dbl_intern *in, struct dbl_bscope *bs,
                       size_t *count)
{
	struct name_writer nw = {w, bs->sc->id, count};

	return dbl_names_build(bs->ds, bs->nds, bs->release, in, put_name, &nw);
}

static int write_vsets(struct dbl_bwriter *w, const struct dbl_intern *in)
{
	for (uint32_t id = DBL_VSID_FIRST; id < in->next; id++) {
		uint8_t k[4];
		const uint8_t *blob;
		size_t len;
		int rc;
		dbl_intern_get(in, id, &blob, &len);
		dbl_put_u32(k, id);
		if ((rc = dbl_bwriter_put(w, w->vset, k, 4, blob, len, MDB_APPEND)))
			return rc;
	}
	return 0;
}

double dbl_build_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Both address families of the scope collected in bs, timed as the
 * published line's address phase. */
static int build_addrs(struct dbl_bwriter *w, struct dbl_intern *in, struct dbl_bscope *bs,
                       struct dbl_build_stats *st)
{
	double t = dbl_build_now();
	int rc = dbl_build_addr(w, in, bs, 4, &st->ip4_intervals);

	if (rc == 0)
		rc = dbl_build_addr(w, in, bs, 6, &st->ip6_intervals);
	st->addr_s += dbl_build_now() - t;
	return rc;
}

/* Zone i's record in zr (scope ids not yet numbered): a copy of its live
 * record, or made from its datasets. */
static int zone_record(struct dbl_zone *zr, const struct dbl_build_zone *bz, size_t i,
                       const struct dbl_build_opts *o)
{
	if (!bz->copy_zone)
		return make_zone(zr, bz, (uint32_t)i + 1, o);
	*zr = *bz->copy_zone;
	zr->id = (uint32_t)i + 1;
	return 0;
}

/* Scope ids ascend with (zone, scope index), the acl scope last, so each
 * key space is appended in key order across all zones. */
static void number_scopes(struct dbl_zone *z, uint32_t *next_scope)
{
	for (unsigned s = 0; s < z->nscopes; s++)
		z->scopes[s].id = (*next_scope)++;
	if (z->acl_scope)
		z->acl_scope = (*next_scope)++;
}

/* The key spaces of zone i, whose record zr[i] is numbered. */
static int build_zone(struct dbl_bwriter *w, struct dbl_intern *in, struct dbl_bscope *bs,
                      const struct dbl_build_zone *zones, size_t nzones, struct dbl_zone *zr,
                      size_t i, const struct dbl_build_opts *o, struct dbl_build_stats *st)
{
	double t;
	int rc;

	if (zones[i].copy_zone) {
		st->zones_copied++;
		return copy_zone(w, in, &zones[i], &zr[i], st);
	}
	for (unsigned s = 0; s < zr[i].nscopes; s++) {
		collect_step(bs, &zr[i].scopes[s], zones, nzones, zr, i, s, o);
		if ((rc = build_addrs(w, in, bs, st)))
			return rc;
		t = dbl_build_now();
		if ((rc = write_names(w, in, bs, &st->names)))
			return rc;
		st->names_s += dbl_build_now() - t;
	}
	if (zr[i].acl_scope) {
		struct dbl_scope acl = {.id = zr[i].acl_scope};
		collect_step(bs, &acl, zones, nzones, zr, i, zr[i].nscopes, o);
		return build_addrs(w, in, bs, st);
	}
	return 0;
}

/* The zone records, after every zone is built: glue comes from any
 * zone's datasets, and a deferred zone's are parsed only at its turn. */
static int write_zones(struct dbl_bwriter *w, const struct dbl_build_zone *zones, size_t nzones,
                       struct dbl_zone *zr)
{
	for (size_t i = 0; i < nzones; i++) {
		uint8_t k[4], buf[65536];
		int len, rc;
		if (!zones[i].copy_zone)
			add_glue(&zr[i], zones, nzones);
		len = dbl_zone_encode(&zr[i], buf, sizeof buf);
		if (len < 0)
			return len;
		dbl_put_u32(k, zr[i].id);
		if ((rc = dbl_bwriter_put(w, w->zone, k, 4, buf, (size_t)len, MDB_APPEND)))
			return rc;
	}
	return 0;
}

int dbl_build_write(const char *path, const struct dbl_build_zone *zones, size_t nzones,
                    const struct dbl_build_opts *o, struct dbl_build_stats *st)
{
	struct dbl_bwriter w = {0};
	struct dbl_intern in;
	struct dbl_zone *zr = calloc(nzones ? nzones : 1, sizeof *zr);
	struct dbl_bscope *bs = malloc(sizeof *bs);
	uint32_t next_scope = 1;
	double t;
	int rc;

	memset(st, 0, sizeof *st);
	dbl_intern_init(&in);
	if (!zr || !bs) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = dbl_bwriter_open(&w, path, o->mapsize)) || (rc = put_meta(&w, o, nzones)))
		goto out;
	/* Every record that can be made now: read_later looks at the later
	 * zones' scopes (a deferred zone's datasets are its own). */
	for (size_t i = 0; i < nzones; i++)
		if (!zones[i].deferred && (rc = zone_record(&zr[i], &zones[i], i, o)))
			goto out;
	for (size_t i = 0; i < nzones; i++) {
		if (zones[i].deferred &&
		    ((rc = o->prepare_zone ? o->prepare_zone(o->ctx, i) : -EINVAL) ||
		     (rc = zone_record(&zr[i], &zones[i], i, o))))
			goto out;
		number_scopes(&zr[i], &next_scope);
		st->entries += zr[i].entries;
		if ((rc = build_zone(&w, &in, bs, zones, nzones, zr, i, o, st)))
			goto out;
		if (o->zone_built)
			o->zone_built(o->ctx, i);
	}
	if ((rc = write_zones(&w, zones, nzones, zr)))
		goto out;
	t = dbl_build_now();
	if ((rc = write_vsets(&w, &in)))
		goto out;
	st->vsets = in.next - DBL_VSID_FIRST;
	rc = dbl_bwriter_finish(&w, path, &st->bytes);
	st->finish_s = dbl_build_now() - t;
out:
	dbl_bwriter_abort(&w);
	if (rc)
		unlink(path);
	dbl_intern_free(&in);
	free(bs);
	free(zr);
	return rc;
}
