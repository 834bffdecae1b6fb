/* dbl_ds_acl.c - dataset type acl: client access lists (rbldnsd semantics).
 *
 * Keys are CLIENT addresses: IPv4 CIDR/prefix as in ip4trie (a trailing
 * "/n", or 2..4 octets; no ranges, no '!' exclusions, as rbldnsd's acl) and
 * IPv6 CIDR as in ip6trie. Longest prefix wins; the first entry for a
 * prefix is kept (duplicates warned). $MAXRANGE4 applies to IPv4 entries.
 *
 * Values (rbldnsd ds_acl_parse_val):
 *   ":keyword" or "=keyword"   ignore (alias blackhole), refuse, empty, pass;
 *                              a keyword may be abbreviated ("=ign"), as
 *                              rbldnsd matches any prefix of it
 *   ":A:TXT", ":A", "TXT"      "always listed" (value syntax of every type;
 *                              "$" in the TXT = the client address)
 *   nothing                    the current default action
 * A line starting with ':' (but not "::", an IPv6 address) or '=' sets the
 * default action for the rest of the file; at each file start it is
 * `ignore` and the A/TXT default is the built-in one.
 *
 * Storage (dbl_schema.h "ACL scopes"): `pass` is an exclusion (a gap in
 * the resolved intervals); keywords are values with A 0.0.0.0 (which the
 * value parser never produces) and the keyword as TXT. $SOA and $NS are
 * refused in acl files (dbl_special.c), as in rbldnsd.
 *
 * Difference from rbldnsd: a keyword default line does not become the
 * A/TXT default of later "TXT"-only or ":A" entries (rbldnsd then reads
 * its keyword marker as an A/TXT value, which crashes it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_dsb.h"
#include "dbl_err.h"

enum acl_kw { KW_NONE, KW_IGNORE, KW_REFUSE, KW_EMPTY, KW_PASS };

static const struct {
	const char *name;
	enum acl_kw kw;
} keywords[] = {
    {"ignore", KW_IGNORE}, {"blackhole", KW_IGNORE}, {"refuse", KW_REFUSE},
    {"empty", KW_EMPTY},   {"pass", KW_PASS},
};

/* Type-private state: the current default action (a vid, or
 * DBL_VID_EXCLUDE for pass). */
struct acl_state {
	int32_t defact;
};

static bool word_end(char c)
{
	return !c || c == ':' || DBL_ISSPACE(c) || DBL_ISCOMMENT(c);
}

/* rbldnsd keyword(): s starts with a letter and, up to the end of the
 * word, matches the start of a keyword (case-insensitive). */
static enum acl_kw keyword(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return KW_NONE;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		const char *k = keywords[i].name, *p = s;
		for (;;) {
			char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			if (c != *k++)
				break;
			if (word_end(*++p))
				return keywords[i].kw;
		}
	}
	return KW_NONE;
}

/* The vid of an action keyword: A 0.0.0.0, TXT = its name. */
static int keyword_vid(struct dbl_dsb *b, enum acl_kw kw, int32_t *vid)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};
	static const char *const names[] = {"", "ignore", "refuse", "empty"};

	if (kw == KW_PASS) {
		*vid = DBL_VID_EXCLUDE;
		return 0;
	}
	return dbl_vtab_add(&b->vt, zero, names[kw], strlen(names[kw]), vid);
}

/* A value: "=kw", ":kw", or an A/TXT value. 1 with *vid, 0 (warned), or
 * negative. */
static int acl_value(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s, int32_t *vid)
{
	enum acl_kw kw;
	int rc;

	if (*s == '=') {
		if ((kw = keyword(s + 1)) == KW_NONE) {
			dbl_pwarn(pc, "invalid keyword");
			return 0;
		}
		return (rc = keyword_vid(b, kw, vid)) ? rc : 1;
	}
	if (*s == ':' && (kw = keyword(s + 1)) != KW_NONE)
		return (rc = keyword_vid(b, kw, vid)) ? rc : 1;
	return dbl_value_parse(pc, &b->vt, s, b->defvid, vid);
}

static void acl_file_start(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	struct acl_state *st = b->aux;

	dbl_ds_reset_default(pc, b);
	if (st)
		keyword_vid(b, KW_IGNORE, &st->defact); /* interned at the first line */
}

static struct acl_state *state(struct dbl_dsb *b)
{
	struct acl_state *st = b->aux;

	if (st)
		return st;
	if (!(st = calloc(1, sizeof *st)))
		return NULL;
	if (keyword_vid(b, KW_IGNORE, &st->defact)) {
		free(st);
		return NULL;
	}
	b->aux = st;
	b->aux_free = free;
	return st;
}

static int acl_add_ip4(struct dbl_pctx *pc, struct dbl_dsb *b, uint32_t a, int bits, int32_t vid)
{
	uint32_t last = a | ~dbl_ip4mask(bits);

	if (dbl_ds_maxrange4_exceeded(pc, a, last))
		return 0;
	return dbl_dsb_add_ip4(b, a, last, (uint8_t)bits, vid);
}

static int acl_add_ip6(struct dbl_dsb *b, const uint8_t a[16], int bits, int32_t vid)
{
	uint8_t hi[16];

	dbl_ip6_prefix_last(a, bits, hi);
	return dbl_dsb_add_ip6(b, a, hi, (uint8_t)bits, vid);
}

static int acl_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	struct acl_state *st = state(b);
	uint8_t a6[16];
	const char *e;
	uint32_t a4;
	int32_t vid;
	int bits, rc;
	bool v4;

	if (!st)
		return -ENOMEM;
	/* "::1" is an address, not a default line */
	if ((*s == ':' && s[1] != ':') || *s == '=') {
		if ((rc = acl_value(pc, b, s, &vid)) <= 0)
			return rc;
		if (b->vt.v && vid >= 0 &&
		    (b->vt.v[vid].a[0] | b->vt.v[vid].a[1] | b->vt.v[vid].a[2] |
		     b->vt.v[vid].a[3]) != 0)
			b->defvid = vid; /* an A/TXT default also sets the A/TXT default */
		st->defact = vid;
		return 0;
	}
	if ((bits = dbl_ip4cidr(s, &a4, &e)) >= 0 && word_end(*e)) {
		v4 = true;
		if (!dbl_ds_host_bits4_ok(pc, &a4, bits))
			return 0;
	} else if ((bits = dbl_ip6cidr(s, a6, &e)) >= 0 && word_end(*e)) {
		v4 = false;
		if (!dbl_ds_host_bits6_ok(pc, a6, bits))
			return 0;
	} else {
		dbl_pwarn(pc, "invalid address");
		return 0;
	}
	e = dbl_skipspace((char *)e);
	if (!*e || DBL_ISCOMMENT(*e))
		vid = st->defact;
	else if ((rc = acl_value(pc, b, e, &vid)) <= 0)
		return rc;
	return v4 ? acl_add_ip4(pc, b, a4, bits, vid) : acl_add_ip6(b, a6, bits, vid);
}

/* Duplicate prefixes: the first one is kept (the trie types' finish). */
static int acl_finish(struct dbl_pctx *pc, struct dbl_dsb *b)
{
	int rc = dbl_ds_ip4trie.finish(pc, b);

	if (rc == 0)
		rc = dbl_ds_ip6trie.finish(pc, b);
	/* No query name maps to an ACL: it serves no subzone (dbl_build.c
	 * gives it a scope of its own). */
	b->ds->nsubs = 0;
	return rc;
}

const struct dbl_dsops dbl_ds_acl = {
    .name = "acl",
    .flags = DBL_DSF_IP4 | DBL_DSF_SPECIAL,
    .merge = DBL_MERGE_FIRST,
    .file_start = acl_file_start,
    .line = acl_line,
    .finish = acl_finish,
};
