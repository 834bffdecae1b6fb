/* dbl_ds_ip4.c - dataset types ip4set, ip4tset, ip4trie (rbldnsd semantics).
 *
 * ip4set: every key is a range that rbldnsd splits into octet-aligned
 * blocks kept in four arrays (/32, /24, /16, /8); a query takes the first
 * level that has the address. We emit one entry per aligned run of blocks
 * per level with prio = the level (32/24/16/8), which the builder resolves
 * identically (highest prio covering the address, union at equal prio, an
 * exclusion beats listings).
 * ip4tset: single addresses, prio 32, every entry takes the dataset value.
 * ip4trie: CIDR prefixes, prio = prefix length, first value per prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_dsb.h"
#include "dbl_err.h"

/* count blocks of level idx (0 = /32 .. 3 = /8) from address addr */
static int emit(struct dbl_dsb *b, unsigned idx, uint32_t addr, uint32_t count, int32_t vid)
{
	uint64_t hi;

	if (count == 0)
		return 0;
	hi = (uint64_t)addr + ((uint64_t)count << (8 * idx)) - 1;
	return dbl_dsb_add_ip4(b, addr, (uint32_t)hi, (uint8_t)(32 - 8 * idx), vid);
}

/* rbldnsd ip4range_expand: peel unaligned /32 edges, then /24, /16, the
 * rest in /8s. a and b are in units of the current level. */
static int expand(struct dbl_dsb *b, uint32_t a, uint32_t z, int32_t vid)
{
	int rc;

	for (unsigned idx = 0; idx < 3; idx++) {
		unsigned sh = 8 * idx;
		if ((a | 255u) >= z) {
			if (z - a == 255u)
				return emit(b, idx + 1, a << sh, 1, vid);
			return emit(b, idx, a << sh, z - a + 1, vid);
		}
		if (a & 255u) {
			if ((rc = emit(b, idx, a << sh, 256u - (a & 255u), vid)))
				return rc;
			a = (a >> 8) + 1;
		} else {
			a >>= 8;
		}
		if ((z & 255u) != 255u) {
			if ((rc = emit(b, idx, (z & ~255u) << sh, (z & 255u) + 1, vid)))
				return rc;
			z = (z >> 8) - 1;
		} else {
			z >>= 8;
		}
	}
	return emit(b, 3, a << 24, z - a + 1, vid);
}

static int ip4set_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	const char *e;
	uint32_t a, z;
	int32_t vid = DBL_VID_EXCLUDE;
	bool excl = false;
	int bits, rc;

	if (*s == ':')
		return dbl_ds_default_line(pc, b, s);
	if (*s == '!') {
		excl = true;
		s = dbl_skipspace(s + 1);
	}
	bits = dbl_ip4range(s, &a, &z, &e);
	if (bits <= 0 || !dbl_ds_key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	if (!dbl_ds_host_bits4_ok(pc, &a, bits))
		return 0;
	if (dbl_ds_maxrange4_exceeded(pc, a, z))
		return 0;
	if (!excl && (rc = dbl_ds_entry_value(pc, b, e, &vid)) <= 0)
		return rc;
	return expand(b, a, z, vid);
}

static int ip4tset_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	const char *e;
	uint32_t a;

	if (*s == ':')
		return dbl_ds_tset_default_line(pc, b, s);
	if (dbl_ip4prefix(s, &a, &e) != 32 || !dbl_ds_key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	/* text after the address is ignored, as in rbldnsd */
	return dbl_dsb_add_ip4(b, a, a, 32, 0);
}

static int ip4trie_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	const char *e;
	uint32_t a;
	int32_t vid = DBL_VID_EXCLUDE;
	bool excl = false;
	int bits, rc;

	if (*s == ':')
		return dbl_ds_default_line(pc, b, s);
	if (*s == '!') {
		excl = true;
		s = dbl_skipspace(s + 1);
	}
	bits = dbl_ip4cidr(s, &a, &e);
	if (bits < 0 || !dbl_ds_key_end_ok(*e)) {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	if (!dbl_ds_host_bits4_ok(pc, &a, bits))
		return 0;
	if (dbl_ds_maxrange4_exceeded(pc, a, a | ~dbl_ip4mask(bits)))
		return 0;
	if (!excl && (rc = dbl_ds_entry_value(pc, b, e, &vid)) <= 0)
		return rc;
	return dbl_dsb_add_ip4(b, a, a | ~dbl_ip4mask(bits), (uint8_t)bits, vid);
}

/* ---- duplicate prefixes in tries: warn, keep the first ------------------- */

static int ip4_key(const void *x, const void *y)
{
	const struct dbl_ip4ent *a = x, *b = y;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->hi < b->hi ? -1 : a->hi > b->hi;
}

static void ip4_dup(struct dbl_pctx *pc, const void *dropped)
{
	const struct dbl_ip4ent *c = dropped;
	uint32_t a = c->lo;

	dbl_pwarn(pc, "duplicated entry for %u.%u.%u.%u/%u (the first one is kept)", a >> 24,
	          (a >> 16) & 255, (a >> 8) & 255, a & 255, c->prio);
}

static int ip4trie_finish(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	return dbl_dsb_drop_dups(pc, b->ds->ip4, &b->ds->nip4, sizeof *b->ds->ip4, ip4_key,
	                         ip4_dup);
}

const struct dbl_dsops dbl_ds_ip4set = {
    .name = "ip4set",
    .flags = DBL_DSF_IP4,
    .merge = DBL_MERGE_UNION,
    .file_start = dbl_ds_reset_default,
    .line = ip4set_line,
};

const struct dbl_dsops dbl_ds_ip4tset = {
    .name = "ip4tset",
    .flags = DBL_DSF_IP4 | DBL_DSF_TSET,
    .merge = DBL_MERGE_UNION,
    .line = ip4tset_line,
};

const struct dbl_dsops dbl_ds_ip4trie = {
    .name = "ip4trie",
    .flags = DBL_DSF_IP4,
    .merge = DBL_MERGE_FIRST,
    .file_start = dbl_ds_reset_default,
    .line = ip4trie_line,
    .finish = ip4trie_finish,
};
