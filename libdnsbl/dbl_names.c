/* dbl_names.c - name key-space merge (see dbl_names.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_bigmem.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_names.h"
#include "dbl_schema.h"
#include "dbl_sweep.h"

/* One entry of any dataset: a dnset name (rr < 0) or an RR. */
struct nent {
	uint64_t head; /* the key's first 8 bytes, big-endian, zero-padded */
	const uint8_t *key;
	uint8_t keylen;
	bool wild;
	uint16_t ds;
	uint32_t ord; /* global order: datasets in order, entries in file order */
	int32_t vid;  /* dnset value or DBL_VID_EXCLUDE; unused for RRs */
	int32_t rr;   /* index into ds->rrs, or -1 */
};

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Where heads differ they order the keys as key_cmp does (a key that ends
 * sorts first, and its padding is 0); the sort of 600k DBL names then
 * rarely follows the key pointers (a cache miss each). */
static uint64_t key_head(const uint8_t *k, size_t n)
{
	uint64_t h = 0;
	for (size_t i = 0; i < 8; i++)
		h = h << 8 | (i < n ? k[i] : 0);
	return h;
}

static struct nent nent_make(const uint8_t *key, uint8_t keylen, bool wild, uint16_t ds,
                             uint32_t ord, int32_t vid, int32_t rr)
{
	return (struct nent){key_head(key, keylen), key, keylen, wild, ds, ord, vid, rr};
}

static int nent_cmp(const void *x, const void *y)
{
	const struct nent *a = x, *b = y;
	int c;

	if (a->head != b->head)
		return a->head < b->head ? -1 : 1;
	c = key_cmp(a->key, a->keylen, b->key, b->keylen);
	if (c)
		return c;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/* Runs of entries whose keys agree in their first bytes are sorted by
 * the next 8 bytes (dbl_sort_keyed) from this size on, smaller ones by
 * nent_cmp. The 8-byte heads of DBL names are their top-level domain
 * ("\6online\5"): at scale 10 the runs are 280 k names each, and glibc's
 * merge sort of them, a memcmp of two keys at random places per step,
 * was a tenth of the load. */
#define NAMES_RADIX_MIN 1024

/* Sort s[0..n) by nent_cmp, where every key agrees with the others in its
 * first off bytes (or ends there) and s is in ord order within equal keys:
 * by the 8 bytes at off (zero-padded: they order keys as key_cmp does
 * where they differ), stable, then each run of equal such bytes one level
 * deeper. tmp and k: scratch of n entries. 0 or -ENOMEM. */
static int sort_from(struct nent *s, size_t n, size_t off, struct nent *tmp, struct dbl_keyidx *k)
{
	bool longer = false; /* a key goes on past these 8 bytes */
	int rc;

	if (n < NAMES_RADIX_MIN || off >= DBL_NAMEKEY_MAX) {
		qsort(s, n, sizeof *s, nent_cmp);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct nent *x = &s[i];
		uint64_t h = x->head; /* the bytes at 0, kept in the entry */
		if (off) {
			if (i + DBL_PREFETCH_AHEAD < n) /* keys lie at random: see dbl_bigmem.h */
				__builtin_prefetch(s[i + DBL_PREFETCH_AHEAD].key + off);
			h = x->keylen > off ? key_head(x->key + off, x->keylen - off) : 0;
		}
		k[i] = (struct dbl_keyidx){h, (uint32_t)i};
		longer |= x->keylen > off + 8;
	}
	if ((rc = dbl_sort_keyed(k, n)))
		return rc;
	for (size_t i = 0; i < n; i++)
		tmp[i] = s[k[i].idx];
	memcpy(s, tmp, n * sizeof *s);
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		for (j = i + 1; j < n && k[j].key == k[i].key;)
			j++;
		if (j - i < 2)
			continue;
		/* keys that agree up to their ends differ only in length */
		if (!longer)
			qsort(s + i, j - i, sizeof *s, nent_cmp);
		else
			rc = sort_from(s + i, j - i, off + 8, tmp + i, k + i);
	}
	return rc;
}

/* Sort *e (n entries, in ord order) by nent_cmp: a stable pass on the
 * heads' top 16 bits (a key's first two bytes) from *e into a new array,
 * then each of those buckets by sort_from, with scratch and (key, index)
 * pairs of the largest bucket's size: pairs for every name and their
 * radix scratch were 190 MB of fresh pages at scale 10 (this VM pays a
 * host fault for each). *e's pages are given back as the pass reads them
 * (dbl_big_drop_read): the new array fills at the same pace (its pages
 * are touched bucket by bucket, and DBL names start with a few top-level
 * domains), so the two are not resident together (2 x 190 MB at scale
 * 10, the name phase's peak). 600k DBL names: glibc's merge sort with a
 * callback per comparison was a tenth of the load. Replaces *e (also on
 * failure, with entries in no order); 0 or -ENOMEM. */
static int sort_entries(struct nent **e, size_t n)
{
	struct dbl_bucket16 *b = calloc(1, sizeof *b);
	struct nent *s = malloc(n * sizeof *s), *tmp = NULL;
	struct dbl_keyidx *k = NULL;
	size_t done = 0, max;
	int rc = -ENOMEM;

	if (!b || !s || n > UINT32_MAX)
		goto out;
	for (size_t i = 0; i < n; i++)
		b->start[((*e)[i].head >> 48) + 1]++;
	max = dbl_bucket_index(b->start, b->pos, 65536);
	if (!(k = malloc((max ? max : 1) * sizeof *k)) ||
	    !(tmp = malloc((max ? max : 1) * sizeof *tmp)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		s[b->pos[(*e)[i].head >> 48]++] = (*e)[i];
		dbl_big_drop_item(*e, i, sizeof **e, &done);
	}
	free(*e);
	*e = s;
	s = NULL;
	rc = 0;
	for (size_t d = 0; d < 65536 && rc == 0; d++) {
		size_t m = b->start[d + 1] - b->start[d];
		if (m > 1)
			rc = sort_from(*e + b->start[d], m, 0, tmp, k);
	}
out:
	free(b);
	free(k);
	free(tmp);
	free(s);
	return rc;
}

/* A key with wildcard entries, kept on the ancestor stack. */
struct frame {
	const struct nent *first; /* entries of this key */
	size_t n;
	uint8_t labels;
	uint32_t wild; /* merged wild vsid of this key */
};

/* Does entry group g (one key) hold a wild (or plain) entry of dataset d?
 * Sets *excl when that dataset's entries there include an exclusion. */
static bool group_has(const struct nent *g, size_t n, uint16_t d, bool wild, bool *excl)
{
	bool has = false;
	*excl = false;
	for (size_t i = 0; i < n; i++)
		if (g[i].ds == d && g[i].wild == wild) {
			has = true;
			if (g[i].rr < 0 && g[i].vid == DBL_VID_EXCLUDE)
				*excl = true;
		}
	return has;
}

/* Add dataset d's entries of kind wild from group g to vb. */
static int group_add(struct dbl_vset_buf *vb, struct dbl_dsdata *const *ds, const struct nent *g,
                     size_t n, uint16_t d, bool wild, uint8_t subject)
{
	for (size_t i = 0; i < n; i++) {
		const struct nent *e = &g[i];
		int rc;
		if (e->ds != d || e->wild != wild)
			continue;
		if (e->rr >= 0) {
			const struct dbl_rrent *r = &ds[d]->rrs[e->rr];
			rc = dbl_intern_add_rr(vb, r->ttl, r->type, r->rdata, r->rdlen);
		} else {
			const struct dbl_value *v = &ds[d]->values[e->vid];
			rc = dbl_intern_add_listing(vb, ds[d]->ttl, v->a, subject,
			                            v->has_txt ? v->txt : NULL, v->txtlen);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Dataset d's contribution from its nearest wildcard ancestor on the stack. */
static int add_ancestor(struct dbl_vset_buf *vb, struct dbl_dsdata *const *ds,
                        const struct frame *st, size_t nst, uint16_t d)
{
	for (size_t f = nst; f-- > 0;) {
		bool excl;
		if (!group_has(st[f].first, st[f].n, d, true, &excl))
			continue;
		if (excl)
			return 0;
		return group_add(vb, ds, st[f].first, st[f].n, d, true, st[f].labels);
	}
	return 0;
}

/* Merged vsid for one kind (exact or wild) at group g. */
static int merge_kind(struct dbl_intern *in, struct dbl_vset_buf *vb, struct dbl_dsdata *const *ds,
                      size_t nds, const struct nent *g, size_t n, bool wild, const struct frame *st,
                      size_t nst, uint32_t *vsid)
{
	uint8_t labels = (uint8_t)dbl_namekey_labels(g->key, g->keylen);
	bool any = false, excl;
	int rc = 0;

	for (uint16_t d = 0; d < nds && !any; d++)
		any = group_has(g, n, d, wild, &excl);
	if (!any) {
		*vsid = DBL_VSID_NONE;
		return 0;
	}
	dbl_vset_buf_reset(vb);
	for (uint16_t d = 0; d < nds && rc == 0; d++) {
		if (group_has(g, n, d, wild, &excl))
			rc = excl ? 0 : group_add(vb, ds, g, n, d, wild, wild ? labels : 0);
		else
			rc = add_ancestor(vb, ds, st, nst, d);
	}
	return rc ? rc : dbl_intern_vset(in, vb, vsid);
}

int dbl_names_build(struct dbl_dsdata *const *ds, size_t nds, const bool *release,
                    struct dbl_intern *in, dbl_namerec_fn fn, void *ctx)
{
	struct nent *e;
	struct frame st[DBL_NAME_MAX]; /* 127 labels at most: RFC 1035 */
	struct dbl_vset_buf vb = {0};
	size_t n = 0, nst = 0, total = 0;
	uint32_t ord = 0;
	int rc = 0;

	for (size_t d = 0; d < nds; d++)
		total += ds[d]->nnames + ds[d]->nrrs;
	if (total == 0)
		return 0;
	e = malloc(total * sizeof *e);
	if (!e)
		return -ENOMEM;
	for (size_t d = 0; d < nds; d++) {
		for (size_t i = 0; i < ds[d]->nnames; i++) {
			const struct dbl_nameent *x = &ds[d]->names[i];
			e[n++] =
			    nent_make(x->key, x->keylen, x->wild, (uint16_t)d, ord++, x->vid, -1);
		}
		for (size_t i = 0; i < ds[d]->nrrs; i++) {
			const struct dbl_rrent *x = &ds[d]->rrs[i];
			e[n++] = nent_make(x->key, x->keylen, x->wild, (uint16_t)d, ord++, 0,
			                   (int32_t)i);
		}
		if (release && release[d] && ds[d]->pool) { /* the keys stay, in the pool */
			free(ds[d]->names);
			ds[d]->names = NULL;
			ds[d]->nnames = 0;
		}
	}
	if ((rc = sort_entries(&e, n))) {
		free(e);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0;) {
		size_t j = i + 1;
		uint32_t exact, wild;
		bool has_wild = false;
		/* Keys are read in key order, which is no order in memory (5 M
		 * names at scale 10): ask for the ones ahead early. */
		if (i + DBL_PREFETCH_AHEAD < n)
			__builtin_prefetch(e[i + DBL_PREFETCH_AHEAD].key);
		while (j < n && e[j].head == e[i].head &&
		       key_cmp(e[i].key, e[i].keylen, e[j].key, e[j].keylen) == 0)
			j++;
		/* Pre-order: pop frames that are not ancestors of this key. */
		while (nst > 0 &&
		       !(st[nst - 1].first->keylen < e[i].keylen &&
		         memcmp(st[nst - 1].first->key, e[i].key, st[nst - 1].first->keylen) == 0))
			nst--;
		rc = merge_kind(in, &vb, ds, nds, &e[i], j - i, false, st, nst, &exact);
		if (rc == 0)
			rc = merge_kind(in, &vb, ds, nds, &e[i], j - i, true, st, nst, &wild);
		/* A record that answers nothing (only exclusions) is the same
		 * as no record when the nearest wildcard above it (which folds
		 * in every dataset's) answers nothing either: leave it out, so
		 * it does not count as data below its ancestors (the empty
		 * non-terminal rule needs listed data, contract 6.5). */
		if (rc == 0 && !(exact <= DBL_VSID_EMPTY && wild <= DBL_VSID_EMPTY &&
		                 (nst == 0 || st[nst - 1].wild <= DBL_VSID_EMPTY)))
			rc = fn(ctx, e[i].key, e[i].keylen, exact, wild);
		for (size_t k = i; k < j; k++)
			has_wild |= e[k].wild;
		if (has_wild && nst < sizeof st / sizeof st[0])
			st[nst++] = (struct frame){
			    &e[i], j - i, (uint8_t)dbl_namekey_labels(e[i].key, e[i].keylen), wild};
		i = j;
	}
	free(e);
	dbl_vset_buf_free(&vb);
	return rc;
}
