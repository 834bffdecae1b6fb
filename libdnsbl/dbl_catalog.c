/* dbl_catalog.c - zone record encoding and query-name -> zone/scope matching. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_catalog.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_schema.h"

/* ---- encoding: a flat byte sequence, big-endian integers, names as u8 len + bytes ---- */

struct zbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void zb_put(struct zbuf *b, const void *src, size_t n)
{
	if (b->err || b->len + n > b->cap) {
		b->err = DBL_ETOOBIG;
		return;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void zb_u8(struct zbuf *b, uint8_t v)
{
	zb_put(b, &v, 1);
}

static void zb_u32(struct zbuf *b, uint32_t v)
{
	uint8_t t[4];
	dbl_put_u32(t, v);
	zb_put(b, t, 4);
}

static void zb_u64(struct zbuf *b, uint64_t v)
{
	uint8_t t[8];
	dbl_put_u64(t, v);
	zb_put(b, t, 8);
}

static void zb_name(struct zbuf *b, const struct dbl_wname *n)
{
	zb_u8(b, n->len);
	zb_put(b, n->b, n->len);
}

int dbl_zone_encode(const struct dbl_zone *z, uint8_t *buf, size_t cap)
{
	struct zbuf b = {buf, 0, cap, 0};

	zb_u32(&b, z->id);
	zb_u32(&b, z->flags);
	zb_u8(&b, z->nlabels);
	zb_name(&b, &z->name);
	zb_u64(&b, z->expires);
	zb_u64(&b, z->loaded);
	zb_u8(&b, z->soa.present);
	zb_u32(&b, z->soa.ttl);
	zb_name(&b, &z->soa.mname);
	zb_name(&b, &z->soa.rname);
	zb_u32(&b, z->soa.serial);
	zb_u32(&b, z->soa.refresh);
	zb_u32(&b, z->soa.retry);
	zb_u32(&b, z->soa.expire);
	zb_u32(&b, z->soa.minimum);
	zb_u32(&b, z->ns_ttl);
	zb_u8(&b, z->nns);
	for (unsigned i = 0; i < z->nns; i++)
		zb_name(&b, &z->ns[i]);
	zb_u8(&b, z->nglue);
	for (unsigned i = 0; i < z->nglue; i++) {
		const struct dbl_glue *g = &z->glue[i];
		zb_u8(&b, g->ns);
		zb_u8(&b, g->family);
		zb_put(&b, g->addr, g->family == 6 ? 16 : 4);
		zb_u32(&b, g->ttl);
	}
	zb_u8(&b, z->nscopes);
	for (unsigned i = 0; i < z->nscopes; i++) {
		const struct dbl_scope *s = &z->scopes[i];
		zb_u32(&b, s->id);
		zb_u32(&b, s->flags);
		zb_u8(&b, s->nlabels);
		zb_u8(&b, s->sublen);
		zb_put(&b, s->sub, s->sublen);
	}
	zb_u64(&b, z->version);
	zb_u64(&b, z->data_mtime);
	zb_u64(&b, z->entries);
	zb_u64(&b, z->fingerprint);
	zb_u32(&b, z->acl_scope);
	return b.err ? b.err : (int)b.len;
}

struct zrd {
	const uint8_t *p, *end;
	int err;
};

static const uint8_t *zr_take(struct zrd *r, size_t n)
{
	const uint8_t *q = r->p;
	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = DBL_ECORRUPT;
		return NULL;
	}
	r->p += n;
	return q;
}

static uint8_t zr_u8(struct zrd *r)
{
	const uint8_t *q = zr_take(r, 1);
	return q ? q[0] : 0;
}

static uint32_t zr_u32(struct zrd *r)
{
	const uint8_t *q = zr_take(r, 4);
	return q ? dbl_get_u32(q) : 0;
}

static uint64_t zr_u64(struct zrd *r)
{
	const uint8_t *q = zr_take(r, 8);
	return q ? dbl_get_u64(q) : 0;
}

static void zr_name(struct zrd *r, struct dbl_wname *n)
{
	const uint8_t *q;

	n->len = zr_u8(r);
	q = zr_take(r, n->len);
	if (q)
		memcpy(n->b, q, n->len);
}

int dbl_zone_decode(struct dbl_zone *z, const uint8_t *buf, size_t len)
{
	struct zrd r = {buf, buf + len, 0};

	memset(z, 0, sizeof *z);
	z->id = zr_u32(&r);
	z->flags = zr_u32(&r);
	z->nlabels = zr_u8(&r);
	zr_name(&r, &z->name);
	z->expires = zr_u64(&r);
	z->loaded = zr_u64(&r);
	z->soa.present = zr_u8(&r) != 0;
	z->soa.ttl = zr_u32(&r);
	zr_name(&r, &z->soa.mname);
	zr_name(&r, &z->soa.rname);
	z->soa.serial = zr_u32(&r);
	z->soa.refresh = zr_u32(&r);
	z->soa.retry = zr_u32(&r);
	z->soa.expire = zr_u32(&r);
	z->soa.minimum = zr_u32(&r);
	z->ns_ttl = zr_u32(&r);
	z->nns = zr_u8(&r);
	if (z->nns > DBL_NS_MAX)
		return DBL_ECORRUPT;
	for (unsigned i = 0; i < z->nns; i++)
		zr_name(&r, &z->ns[i]);
	z->nglue = zr_u8(&r);
	if (z->nglue > DBL_GLUE_MAX)
		return DBL_ECORRUPT;
	for (unsigned i = 0; i < z->nglue; i++) {
		struct dbl_glue *g = &z->glue[i];
		const uint8_t *q;
		g->ns = zr_u8(&r);
		g->family = zr_u8(&r);
		q = zr_take(&r, g->family == 6 ? 16 : 4);
		if (q)
			memcpy(g->addr, q, g->family == 6 ? 16 : 4);
		g->ttl = zr_u32(&r);
		if (g->ns >= z->nns)
			return DBL_ECORRUPT;
	}
	z->nscopes = zr_u8(&r);
	if (z->nscopes > DBL_SCOPES_MAX)
		return DBL_ECORRUPT;
	for (unsigned i = 0; i < z->nscopes; i++) {
		struct dbl_scope *s = &z->scopes[i];
		const uint8_t *q;
		s->id = zr_u32(&r);
		s->flags = zr_u32(&r);
		s->nlabels = zr_u8(&r);
		s->sublen = zr_u8(&r);
		q = zr_take(&r, s->sublen);
		if (q)
			memcpy(s->sub, q, s->sublen);
	}
	z->version = zr_u64(&r);
	z->data_mtime = zr_u64(&r);
	z->entries = zr_u64(&r);
	z->fingerprint = zr_u64(&r);
	z->acl_scope = zr_u32(&r);
	if (r.err)
		return r.err;
	if (z->name.len == 0 || z->name.b[z->name.len - 1] != 0)
		return DBL_ECORRUPT;
	return 0;
}

/* ---- index: open addressing over FNV-1a of the wire name ---- */

static uint32_t name_hash(const uint8_t *w, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ w[i]) * 16777619u;
	return h;
}

int dbl_catalog_index(struct dbl_catalog *cat)
{
	uint32_t size = 16;

	while (size < cat->nzones * 2u)
		size <<= 1;
	cat->index = calloc(size, sizeof *cat->index);
	if (!cat->index)
		return -ENOMEM;
	cat->index_mask = size - 1;
	memset(cat->lens, 0, sizeof cat->lens);
	cat->acl_scope = 0;
	for (uint32_t i = 0; i < cat->nzones; i++) {
		const struct dbl_wname *n = &cat->zones[i].name;
		uint32_t h = name_hash(n->b, n->len) & cat->index_mask;
		if (cat->zones[i].flags & DBL_ZONE_GLOBAL_ACL) {
			cat->acl_scope = cat->zones[i].acl_scope; /* no query name finds it */
			continue;
		}
		cat->lens[n->len >> 6] |= 1ull << (n->len & 63);
		while (cat->index[h])
			h = (h + 1) & cat->index_mask;
		cat->index[h] = i + 1;
	}
	return 0;
}

void dbl_catalog_free(struct dbl_catalog *cat)
{
	free(cat->zones);
	free(cat->index);
	memset(cat, 0, sizeof *cat);
}

static const struct dbl_zone *catalog_get(const struct dbl_catalog *cat, const uint8_t *w,
                                          size_t len)
{
	uint32_t h = name_hash(w, len) & cat->index_mask;

	/* Terminates: the table is at most half full. */
	while (cat->index[h]) {
		const struct dbl_zone *z = &cat->zones[cat->index[h] - 1];
		if (z->name.len == len && memcmp(z->name.b, w, len) == 0)
			return z;
		h = (h + 1) & cat->index_mask;
	}
	return NULL;
}

const struct dbl_zone *dbl_catalog_find(const struct dbl_catalog *cat, const uint8_t *lname,
                                        size_t *zoff)
{
	size_t off = 0, len = 0;

	if (!cat || !cat->index)
		return NULL;
	while (lname[len])
		len += (size_t)lname[len] + 1;
	len++; /* root label */
	/* Longest suffix first: the most specific zone wins. At most 128
	 * iterations (255-byte names). */
	for (;;) {
		size_t sl = len - off; /* <= 255: wire names are checked on parse */
		const struct dbl_zone *z = NULL;
		if (sl < 256 && (cat->lens[sl >> 6] >> (sl & 63) & 1))
			z = catalog_get(cat, lname + off, sl);
		if (z) {
			*zoff = off;
			return z;
		}
		if (lname[off] == 0)
			return NULL;
		off += (size_t)lname[off] + 1;
	}
}

const struct dbl_scope *dbl_zone_scope(const struct dbl_zone *z, const uint8_t *rel, size_t rellen,
                                       size_t *keylen)
{
	const struct dbl_scope *best = NULL;

	for (unsigned i = 0; i < z->nscopes; i++) {
		const struct dbl_scope *s = &z->scopes[i];
		size_t off;
		if (s->sublen > rellen)
			continue;
		off = rellen - s->sublen;
		/* A label walk per candidate (a zone has a few): cheaper than
		 * clearing a 256-byte map of label starts for every query. */
		if (memcmp(rel + off, s->sub, s->sublen) != 0 ||
		    !dbl_rel_label_at(rel, rellen, off))
			continue;
		if (!best || s->nlabels > best->nlabels)
			best = s;
	}
	if (best)
		*keylen = rellen - best->sublen;
	return best;
}
