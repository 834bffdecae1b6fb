/* dbl_ds_ip6.c - dataset types ip6tset and ip6trie (rbldnsd semantics).
 *
 * ip6tset: /64s written as exactly 4 groups (prio 64, the dataset value)
 * and exclusions of single /128s (prio 128, which beats the /64).
 * ip6trie: CIDR prefixes ("::" allowed, trailing groups may be omitted:
 * 2001:db8:1 = /48), prio = prefix length, first value per prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_dsb.h"
#include "dbl_err.h"

static bool key_end_ok(char c)
{
	return !c || DBL_ISSPACE(c) || DBL_ISCOMMENT(c) || c == ':';
}

static int ip6tset_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	uint8_t a[16], hi[16];
	const char *e;
	bool excl;
	int bits;

	if (*s == ':') {
		/* only the first default line counts, for the whole dataset */
		if (b->tsetvid < 0) {
			int32_t vid;
			int rc = dbl_value_parse(pc, &b->vt, s, 0, &vid);
			if (rc < 0)
				return rc;
			if (rc > 0)
				b->tsetvid = vid;
		}
		return 0;
	}
	excl = *s == '!';
	if (excl)
		s = dbl_skipspace(s + 1);
	bits = dbl_ip6prefix(s, a, &e);
	if (bits < 0 || !key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	if (bits != (excl ? 128 : 64)) {
		dbl_pwarn(pc, "invalid address for %s (should be %d bits)",
		          excl ? "exclusion" : "regular entry", excl ? 128 : 64);
		return 0;
	}
	if (excl)
		return dbl_dsb_add_ip6(b, a, a, 128, DBL_VID_EXCLUDE);
	dbl_ip6_prefix_last(a, 64, hi);
	return dbl_dsb_add_ip6(b, a, hi, 64, 0);
}

static int ip6trie_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	uint8_t a[16], hi[16];
	const char *e;
	int32_t vid = DBL_VID_EXCLUDE;
	bool excl;
	int bits, rc;

	/* "::1" is an address, not a default line */
	if (*s == ':' && s[1] != ':')
		return dbl_ds_default_line(pc, b, s);
	excl = *s == '!';
	if (excl)
		s = dbl_skipspace(s + 1);
	bits = dbl_ip6cidr(s, a, &e);
	if (bits < 0 || !key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	if (dbl_ip6mask(a, bits) && !pc->o->accept_host_bits) {
		dbl_pwarn(pc, "invalid range (non-zero host part)");
		return 0;
	}
	if (!excl && (rc = dbl_ds_entry_value(pc, b, e, &vid)) <= 0)
		return rc;
	dbl_ip6_prefix_last(a, bits, hi);
	return dbl_dsb_add_ip6(b, a, hi, (uint8_t)bits, vid);
}

static int cmp_ip6idx(const void *x, const void *y, void *arg)
{
	const struct dbl_ip6ent *e = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int r = memcmp(e[i].lo, e[j].lo, 16);

	if (!r)
		r = e[i].prio - e[j].prio;
	if (!r)
		r = i < j ? -1 : 1;
	return r;
}

static int ip6trie_finish(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	struct dbl_dsdata *ds = b->ds;
	struct dbl_ip6ent *e = ds->ip6;
	size_t n = ds->nip6, *idx, o = 0;
	bool sorted = true;
	uint8_t *dead;

	/* strictly increasing (lo, prio): no duplicate prefix */
	for (size_t i = 1; i < n && sorted; i++) {
		int r = memcmp(e[i - 1].lo, e[i].lo, 16);
		sorted = r < 0 || (r == 0 && e[i - 1].prio < e[i].prio);
	}
	if (sorted)
		return 0;
	idx = malloc(n * sizeof *idx);
	dead = calloc(n, 1);
	if (!idx || !dead) {
		free(idx);
		free(dead);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof *idx, cmp_ip6idx, e);
	for (size_t i = 1; i < n; i++) {
		const struct dbl_ip6ent *p = &e[idx[i - 1]], *c = &e[idx[i]];
		if (p->prio == c->prio && memcmp(p->lo, c->lo, 16) == 0) {
			dead[idx[i]] = 1;
			dbl_pwarn(pc,
			          "duplicated IPv6 entry (prefix length %u), the first one is kept",
			          c->prio);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!dead[i])
			e[o++] = e[i];
	ds->nip6 = o;
	free(idx);
	free(dead);
	return 0;
}

const struct dbl_dsops dbl_ds_ip6tset = {
    .name = "ip6tset",
    .flags = DBL_DSF_TSET,
    .merge = DBL_MERGE_UNION,
    .line = ip6tset_line,
};

const struct dbl_dsops dbl_ds_ip6trie = {
    .name = "ip6trie",
    .merge = DBL_MERGE_FIRST,
    .file_start = dbl_ds_reset_default,
    .line = ip6trie_line,
    .finish = ip6trie_finish,
};
