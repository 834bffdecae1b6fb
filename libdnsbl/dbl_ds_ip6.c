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

static int ip6tset_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	uint8_t a[16], hi[16];
	const char *e;
	bool excl;
	int bits;

	if (*s == ':')
		return dbl_ds_tset_default_line(pc, b, s);
	excl = *s == '!';
	if (excl)
		s = dbl_skipspace(s + 1);
	bits = dbl_ip6prefix(s, a, &e);
	if (bits < 0 || !dbl_ds_key_end_ok(*e)) {
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
	if (bits < 0 || !dbl_ds_key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	if (!dbl_ds_host_bits6_ok(pc, a, bits))
		return 0;
	if (!excl && (rc = dbl_ds_entry_value(pc, b, e, &vid)) <= 0)
		return rc;
	dbl_ip6_prefix_last(a, bits, hi);
	return dbl_dsb_add_ip6(b, a, hi, (uint8_t)bits, vid);
}

static int ip6_key(const void *x, const void *y)
{
	const struct dbl_ip6ent *a = x, *b = y;
	int r = memcmp(a->lo, b->lo, 16);

	if (r)
		return r;
	return a->prio < b->prio ? -1 : a->prio > b->prio;
}

static void ip6_dup(struct dbl_pctx *pc, const void *dropped)
{
	const struct dbl_ip6ent *c = dropped;

	dbl_pwarn(pc, "duplicated IPv6 entry (prefix length %u), the first one is kept", c->prio);
}

static int ip6trie_finish(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	return dbl_dsb_drop_dups(pc, b->ds->ip6, &b->ds->nip6, sizeof *b->ds->ip6, ip6_key,
	                         ip6_dup);
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
