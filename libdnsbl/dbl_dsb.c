/* dbl_dsb.c - dataset builders, storage pool, parse diagnostics, dbl_dsdata_free. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_bigmem.h"
#include "dbl_dsb.h"
#include "dbl_err.h"
#include "dbl_log.h"
#include "dbl_schema.h"

/* ---- pool ---------------------------------------------------------------- */

struct pool_chunk {
	struct pool_chunk *next;
	size_t used, cap;
	bool mapped; /* a POOL_HUGE chunk from dbl_big_alloc */
	unsigned char data[];
};

/* 64 KiB: the first chunk (one malloc per ~2000 name keys); each next
 * one twice the last, up to POOL_HUGE. */
#define POOL_CHUNK (64u * 1024u)
/* 2 MiB chunks on huge pages (dbl_bigmem.h): the name merge reads the
 * keys in key order, which is no order in memory, and at scale 10 (5 M
 * names, 100 MB of keys) a TLB miss per key made that walk 13.5x as long
 * as at scale 1; with huge pages the names phase took 1.73 against 2.02 s
 * (4 alternating loads, bench/RESULTS.md, stop 23). A small dataset never
 * grows a chunk that large. */
#define POOL_HUGE DBL_BIG_PAGE

/* A new chunk with room for n, after last (the pool's current chunk, or
 * NULL); used, cap and mapped set. NULL when out of memory. */
static struct pool_chunk *chunk_new(const struct pool_chunk *last, size_t n)
{
	size_t size = POOL_CHUNK;
	struct pool_chunk *c;

	if (n > POOL_CHUNK / 4) /* a big block gets a chunk of its own */
		size = sizeof *c + n;
	else if (last && sizeof *last + last->cap >= POOL_CHUNK)
		size = sizeof *last + last->cap >= POOL_HUGE / 2 ? POOL_HUGE
		                                                 : (sizeof *last + last->cap) * 2;
	c = size == POOL_HUGE ? dbl_big_alloc(POOL_HUGE) : malloc(size);
	if (c) {
		c->used = 0;
		c->cap = size - sizeof *c;
		c->mapped = size == POOL_HUGE;
	}
	return c;
}

void *dbl_pool_alloc(void **pool, size_t n)
{
	struct pool_chunk *c = *pool;

	if (!c || c->cap - c->used < n) {
		struct pool_chunk *nc = chunk_new(c, n);
		if (!nc)
			return NULL;
		if (c && n > POOL_CHUNK / 4) {
			/* a big block: keep filling the current chunk */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			*pool = nc;
		}
		c = nc;
	}
	c->used += n;
	return c->data + c->used - n;
}

void dbl_pool_free(void *pool)
{
	struct pool_chunk *c = pool;
	while (c) {
		struct pool_chunk *n = c->next;
		if (c->mapped)
			dbl_big_free(c, POOL_HUGE);
		else
			free(c);
		c = n;
	}
}

/* ---- diagnostics --------------------------------------------------------- */

static void vlogat(struct dbl_pctx *pc, int level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (pc->file && pc->lineno)
		dbl_log(level, "%s:%u: %s", pc->file, pc->lineno, msg);
	else if (pc->file)
		dbl_log(level, "%s: %s", pc->file, msg);
	else
		dbl_log(level, "%s: %s", pc->label, msg);
}

void dbl_pwarn(struct dbl_pctx *pc, const char *fmt, ...)
{
	va_list ap;

	pc->nwarn++;
	if (++pc->fwarn > pc->o->max_warnings)
		return; /* counted, summarised at the end of the file */
	va_start(ap, fmt);
	vlogat(pc, DBL_LOG_WARNING, fmt, ap);
	va_end(ap);
}

int dbl_perr(struct dbl_pctx *pc, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogat(pc, DBL_LOG_ERR, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- builders ------------------------------------------------------------ */

struct dbl_dsb *dbl_dsb_new(const struct dbl_dsops *ops, const char *label)
{
	static const uint8_t def_a[4] = {127, 0, 0, 2}; /* rbldnsd built-in default */
	struct dbl_dsb *b = calloc(1, sizeof *b);
	int32_t vid;

	if (!b)
		return NULL;
	b->ops = ops;
	b->ttl = DBL_TTL_DEFAULT;
	b->tsetvid = -1;
	b->ds = calloc(1, sizeof *b->ds);
	if (!b->ds)
		goto fail;
	b->ds->type = strdup(ops->name);
	b->ds->label = strdup(label);
	b->ds->subs = calloc(1, sizeof *b->ds->subs); /* the apex: rel length 0 */
	if (!b->ds->type || !b->ds->label || !b->ds->subs)
		goto fail;
	b->ds->nsubs = 1;
	b->ds->ttl = DBL_TTL_DEFAULT;
	b->ds->merge = ops->merge;
	/* vid 0 is the built-in default: A 127.0.0.2, no TXT */
	if (dbl_vtab_add(&b->vt, def_a, "", 0, &vid))
		goto fail;
	b->defvid = vid;
	return b;
fail:
	dbl_dsb_free(b);
	return NULL;
}

void dbl_dsb_free(struct dbl_dsb *b)
{
	if (!b)
		return;
	if (b->ds)
		dbl_dsdata_free(b->ds);
	dbl_vtab_free(&b->vt);
	for (int i = 0; i < DBL_NSUBST; i++)
		free(b->subst[i]);
	if (b->aux && b->aux_free)
		b->aux_free(b->aux);
	free(b);
}

int dbl_dsb_finish(struct dbl_pctx *pc, struct dbl_dsb *b, struct dbl_dsdata **out)
{
	int rc = 0;

	/* ip4tset/ip6tset: the first ':' line is the value of every entry,
	 * even those before it (entries were stored with vid 0) */
	if ((b->ops->flags & DBL_DSF_TSET) && b->tsetvid > 0)
		b->vt.v[0] = b->vt.v[b->tsetvid];
	if (b->ops->finish)
		rc = b->ops->finish(pc, b);
	if (!rc)
		rc = dbl_vtab_compile(&b->vt, b->subst, b->ds);
	if (!rc) {
		b->ds->ttl = b->ttl;
		*out = b->ds;
		b->ds = NULL;
	}
	dbl_dsb_free(b);
	return rc;
}

/* ---- duplicate keys: keep the first ------------------------------------ */

struct dup_order {
	const unsigned char *base;
	size_t sz;
	int (*key)(const void *a, const void *b);
};

/* Indexes by their element's key, equal keys in file order. */
static int dup_cmp(const void *x, const void *y, void *arg)
{
	const struct dup_order *o = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int r = o->key(o->base + i * o->sz, o->base + j * o->sz);

	if (r)
		return r;
	return i < j ? -1 : i > j;
}

int dbl_dsb_drop_dups(struct dbl_pctx *pc, void *arr, size_t *n, size_t sz,
                      int (*key)(const void *a, const void *b),
                      void (*warn)(struct dbl_pctx *pc, const void *dropped))
{
	unsigned char *e = arr;
	struct dup_order o = {e, sz, key};
	size_t *idx, kept = 0;
	bool sorted = true;
	uint8_t *dead;

	/* Feeds are usually sorted: strictly ascending keys repeat none. */
	for (size_t i = 1; i < *n && sorted; i++)
		sorted = key(e + (i - 1) * sz, e + i * sz) < 0;
	if (sorted)
		return 0;
	idx = malloc(*n * sizeof *idx);
	dead = calloc(*n, 1);
	if (!idx || !dead) {
		free(idx);
		free(dead);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		idx[i] = i;
	qsort_r(idx, *n, sizeof *idx, dup_cmp, &o);
	for (size_t i = 1; i < *n; i++) {
		if (key(e + idx[i - 1] * sz, e + idx[i] * sz) != 0)
			continue;
		dead[idx[i]] = 1;
		warn(pc, e + idx[i] * sz);
	}
	for (size_t i = 0; i < *n; i++)
		if (!dead[i])
			memmove(e + kept++ * sz, e + i * sz, sz);
	*n = kept;
	free(idx);
	free(dead);
	return 0;
}

/* Grow *arr (element size sz) so that n + 1 elements fit. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 256;
	if (nc > SIZE_MAX / sz || !(p = realloc(*arr, nc * sz)))
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

int dbl_dsb_add_ip4(struct dbl_dsb *b, uint32_t lo, uint32_t hi, uint8_t prio, int32_t vid)
{
	struct dbl_dsdata *ds = b->ds;

	if (grow((void **)&ds->ip4, &b->cap_ip4, ds->nip4, sizeof *ds->ip4))
		return -ENOMEM;
	ds->ip4[ds->nip4++] = (struct dbl_ip4ent){lo, hi, prio, vid};
	return 0;
}

int dbl_dsb_add_ip6(struct dbl_dsb *b, const uint8_t lo[16], const uint8_t hi[16], uint8_t prio,
                    int32_t vid)
{
	struct dbl_dsdata *ds = b->ds;
	struct dbl_ip6ent *e;

	if (grow((void **)&ds->ip6, &b->cap_ip6, ds->nip6, sizeof *ds->ip6))
		return -ENOMEM;
	e = &ds->ip6[ds->nip6++];
	memcpy(e->lo, lo, 16);
	memcpy(e->hi, hi, 16);
	e->prio = prio;
	e->vid = vid;
	return 0;
}

int dbl_dsb_add_name(struct dbl_dsb *b, const uint8_t *key, size_t keylen, bool wild, int32_t vid)
{
	struct dbl_dsdata *ds = b->ds;
	struct dbl_nameent *e;
	uint8_t *k;

	if (keylen > DBL_NAMEKEY_MAX)
		return DBL_ETOOBIG;
	if (grow((void **)&ds->names, &b->cap_names, ds->nnames, sizeof *ds->names))
		return -ENOMEM;
	if (!(k = dbl_pool_alloc(&ds->pool, keylen ? keylen : 1)))
		return -ENOMEM;
	memcpy(k, key, keylen);
	e = &ds->names[ds->nnames++];
	e->keylen = (uint8_t)keylen;
	e->wild = wild;
	e->vid = vid;
	e->key = k;
	return 0;
}

int dbl_dsb_add_rr(struct dbl_dsb *b, const uint8_t *key, size_t keylen, bool wild, uint16_t type,
                   uint32_t ttl, const void *rdata, size_t rdlen)
{
	struct dbl_dsdata *ds = b->ds;
	struct dbl_rrent *e;
	uint8_t *k, *d;

	if (keylen > DBL_NAMEKEY_MAX || rdlen > 65535)
		return DBL_ETOOBIG;
	if (grow((void **)&ds->rrs, &b->cap_rrs, ds->nrrs, sizeof *ds->rrs))
		return -ENOMEM;
	if (!(k = dbl_pool_alloc(&ds->pool, keylen + rdlen + 1)))
		return -ENOMEM;
	d = k + keylen;
	memcpy(k, key, keylen);
	if (rdlen)
		memcpy(d, rdata, rdlen);
	e = &ds->rrs[ds->nrrs++];
	e->keylen = (uint8_t)keylen;
	e->wild = wild;
	e->type = type;
	e->rdlen = (uint16_t)rdlen;
	e->ttl = ttl;
	e->key = k;
	e->rdata = d;
	return 0;
}

/* ---- helpers shared by the rbldnsd-style types ------------------------- */

void dbl_ds_reset_default(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	(void)pc;
	b->defvid = 0; /* the default line applies to the rest of the file */
}

/* ":A:TXT" default line, parsed against the built-in default, into *into
 * (a bad one is warned about and leaves *into as it was). */
static int parse_default(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s, int32_t *into)
{
	int32_t vid;
	int rc = dbl_value_parse(pc, &b->vt, s, 0, &vid);

	if (rc < 0)
		return rc;
	if (rc > 0)
		*into = vid;
	return 0;
}

int dbl_ds_default_line(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s)
{
	return parse_default(pc, b, s, &b->defvid);
}

int dbl_ds_tset_default_line(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s)
{
	if (b->tsetvid >= 0)
		return 0; /* a later default line: ignored, as rbldnsd does */
	return parse_default(pc, b, s, &b->tsetvid);
}

bool dbl_ds_key_end_ok(char c)
{
	return !c || DBL_ISSPACE(c) || DBL_ISCOMMENT(c) || c == ':';
}

/* Value after a key: the default when absent or a comment. 1, 0 (bad
 * value, warned), or negative. */
int dbl_ds_entry_value(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s, int32_t *vid)
{
	while (DBL_ISSPACE(*s))
		s++;
	if (!*s || DBL_ISCOMMENT(*s)) {
		*vid = b->defvid;
		return 1;
	}
	return dbl_value_parse(pc, &b->vt, s, b->defvid, vid);
}

void dbl_dsdata_free(struct dbl_dsdata *ds)
{
	if (!ds)
		return;
	if (!ds->pool) {
		/* built elsewhere: every pointer is its own block */
		for (size_t i = 0; i < ds->nvalues; i++)
			free(ds->values[i].txt);
		for (size_t i = 0; i < ds->nnames; i++)
			free(ds->names[i].key);
		for (size_t i = 0; i < ds->nrrs; i++) {
			free(ds->rrs[i].key);
			free(ds->rrs[i].rdata);
		}
	}
	dbl_pool_free(ds->pool);
	free(ds->values);
	free(ds->ip4);
	free(ds->ip6);
	free(ds->names);
	free(ds->rrs);
	free(ds->subs);
	free(ds->type);
	free(ds->label);
	free(ds);
}

bool dbl_ds_host_bits4_ok(struct dbl_pctx *pc, uint32_t *a, int bits)
{
	if (pc->o->accept_host_bits) {
		*a &= dbl_ip4mask(bits);
	} else if (*a & ~dbl_ip4mask(bits)) {
		dbl_pwarn(pc, "invalid range (non-zero host part)");
		return false;
	}
	return true;
}

bool dbl_ds_host_bits6_ok(struct dbl_pctx *pc, uint8_t a[16], int bits)
{
	/* dbl_ip6mask clears the host bits and says whether any were set */
	if (dbl_ip6mask(a, bits) && !pc->o->accept_host_bits) {
		dbl_pwarn(pc, "invalid range (non-zero host part)");
		return false;
	}
	return true;
}

bool dbl_ds_maxrange4_exceeded(struct dbl_pctx *pc, uint32_t first, uint32_t last)
{
	/* rbldnsd: ignored when maxrange <= last - first */
	if (pc->maxrange4 && pc->maxrange4 <= (uint64_t)(last - first)) {
		dbl_pwarn(pc, "too large range (%llu) ignored (%llu max)",
		          (unsigned long long)(last - first) + 1,
		          (unsigned long long)pc->maxrange4);
		return true;
	}
	return false;
}
