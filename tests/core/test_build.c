/* test_build.c - builder + reader round trip: precedence resolved at load
 * time (ip4set octet levels and exclusions, trie longest prefix, dataset
 * merge, dnset exact/wildcard/exclusion folding), name-key encoding, dbl_sweep
 * against a brute-force model, and the early release of address entries. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ds_fixture.h"
#include "dbl_build.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_schema.h"
#include "dbl_sweep.h"
#include "dbl_vset.h"

static char tmpdir[] = "/tmp/dbl-test-build-XXXXXX";

/* A answers (last octets, in order) of a vset, as "2,4". */
static void vset_str(struct dbl_rtxn *r, uint32_t vsid, char *out)
{
	const uint8_t *b;
	size_t len;
	struct dbl_vset_iter it;
	struct dbl_item x;
	out[0] = 0;
	if (vsid == DBL_VSID_EMPTY) {
		strcpy(out, "empty");
		return;
	}
	if (dbl_vset_get(r, vsid, &b, &len) || dbl_vset_iter_init(&it, b, len)) {
		strcpy(out, "corrupt");
		return;
	}
	while (dbl_vset_next(&it, &x) == 1)
		sprintf(out + strlen(out), "%s%u", out[0] ? "," : "", x.a[3]);
}

static const char *look4(struct dbl_rtxn *r, uint32_t scope, uint32_t a)
{
	static char buf[256];
	uint32_t vs;
	if (dbl_lookup_ip4(r, scope, a, &vs))
		return "-";
	vset_str(r, vs, buf);
	return buf;
}

static const char *lookname(struct dbl_rtxn *r, uint32_t scope, const char *text, int wild)
{
	static char buf[256];
	uint8_t rel[256], key[256];
	struct dbl_namerec rec;
	int n = dbl_rel_from_text(rel, text, strlen(text));
	size_t kl = dbl_namekey_from_rel(key, rel, (size_t)n);
	if (dbl_lookup_name(r, scope, key, kl, &rec))
		return "-";
	if ((wild ? rec.wild : rec.exact) == DBL_VSID_NONE)
		return "none";
	vset_str(r, wild ? rec.wild : rec.exact, buf);
	return buf;
}

static void test_roundtrip(void)
{
	struct dbl_dsdata *set = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *trie = fix_ds_new("ip4trie", DBL_MERGE_FIRST);
	struct dbl_dsdata *dn1 = fix_ds_new("dnset", DBL_MERGE_UNION);
	struct dbl_dsdata *dn2 = fix_ds_new("dnset", DBL_MERGE_UNION);
	struct dbl_dsdata *zen[] = {set, trie, dn1, dn2};
	struct dbl_build_zone z = {.nds = 4, .ds = zen};
	struct dbl_build_opts o = {.generation = 7, .now = 1000};
	struct dbl_build_stats st;
	struct dbl_db *db;
	struct dbl_rtxn r;
	char path[256];
	int32_t v2 = fix_val(set, 2, "listed $"), v3 = fix_val(set, 3, NULL);
	int32_t t5 = fix_val(trie, 5, "trie"), t6 = fix_val(trie, 6, NULL);
	int32_t d2 = fix_val(dn1, 2, "dn1 $"), d3 = fix_val(dn2, 3, "dn2 $");
	uint32_t scope, vs;
	const struct dbl_zone *zone;
	size_t zoff;

	/* ip4set: /24 listed, /32 exclusion beats a /32 listing at its level */
	fix_add4(set, fix_ip(10, 0, 0, 0), fix_ip(10, 0, 0, 255), 24, v2);
	fix_add4(set, fix_ip(10, 0, 0, 5), fix_ip(10, 0, 0, 5), 32, DBL_VID_EXCLUDE);
	fix_add4(set, fix_ip(10, 0, 0, 5), fix_ip(10, 0, 0, 5), 32, v3);
	/* a /32 listing beats a /24 exclusion */
	fix_add4(set, fix_ip(10, 1, 0, 0), fix_ip(10, 1, 0, 255), 24, DBL_VID_EXCLUDE);
	fix_add4(set, fix_ip(10, 1, 0, 7), fix_ip(10, 1, 0, 7), 32, v3);
	/* two values at one key, duplicates collapse */
	fix_add4(set, fix_ip(127, 0, 0, 2), fix_ip(127, 0, 0, 2), 32, v2);
	fix_add4(set, fix_ip(127, 0, 0, 2), fix_ip(127, 0, 0, 2), 32, v3);
	fix_add4(set, fix_ip(127, 0, 0, 2), fix_ip(127, 0, 0, 2), 32, v2);
	/* /8 under /16 */
	fix_add4(set, fix_ip(20, 0, 0, 0), fix_ip(20, 255, 255, 255), 8, v2);
	fix_add4(set, fix_ip(20, 1, 0, 0), fix_ip(20, 1, 255, 255), 16, v3);
	/* trie: longest prefix; more specific listing under an exclusion */
	fix_add4(trie, fix_ip(10, 1, 1, 0), fix_ip(10, 1, 1, 255), 24, DBL_VID_EXCLUDE);
	fix_add4(trie, fix_ip(10, 1, 1, 128), fix_ip(10, 1, 1, 255), 25, t5);
	fix_add4(trie, fix_ip(127, 0, 0, 0), fix_ip(127, 255, 255, 255), 8, t6);
	fix_add4(trie, fix_ip(127, 0, 0, 0), fix_ip(127, 255, 255, 255), 8,
	         t5); /* duplicate: first wins */
	fix_add4(trie, fix_ip(255, 255, 255, 255), fix_ip(255, 255, 255, 255), 32, t5);
	/* one value from each dataset (the builder's pair cache): every pair
	 * differs from another in just one of its two values */
	fix_add4(trie, fix_ip(30, 0, 0, 0), fix_ip(30, 0, 0, 255), 24, t6);
	fix_add4(trie, fix_ip(30, 0, 1, 0), fix_ip(30, 0, 1, 255), 24, t5);
	fix_add4(set, fix_ip(30, 0, 0, 1), fix_ip(30, 0, 0, 1), 32, v2);
	fix_add4(set, fix_ip(30, 0, 0, 2), fix_ip(30, 0, 0, 2), 32, v3);
	fix_add4(set, fix_ip(30, 0, 0, 3), fix_ip(30, 0, 0, 3), 32, v2);
	fix_add4(set, fix_ip(30, 0, 1, 1), fix_ip(30, 0, 1, 1), 32, v2);
	fix_add4(set, fix_ip(30, 0, 1, 2), fix_ip(30, 0, 1, 2), 32, v3);
	/* dnset: exact, wildcard, dot form, exclusions, cross-dataset folding */
	fix_addname(dn1, "example", false, d2);
	fix_addname(dn1, "wild.example", true, d2);
	fix_addname(dn1, "x.wild.example", false, DBL_VID_EXCLUDE);
	fix_addname(dn2, "example", true, d3);
	fix_addname(dn2, "deep.wild.example", true, DBL_VID_EXCLUDE);
	fix_addname(dn2, "a.deep.wild.example", false, d3);

	CHECK(mkdtemp(tmpdir) != NULL);
	snprintf(path, sizeof path, "%s/gen-7.mdb", tmpdir);
	CHECK(dbl_wname_from_text(&z.name, "zen.test", 8) == 0);
	CHECK_INT(dbl_build_write(path, &z, 1, &o, &st), 0);
	CHECK_INT(dbl_db_open_file(&db, path), 0);
	CHECK_INT(db->generation, 7);
	CHECK_INT(db->cat.nzones, 1);
	{
		struct dbl_wname q;
		dbl_wname_from_text(&q, "2.0.0.127.ZEN.test.", 19);
		zone = dbl_catalog_find(&db->cat, q.b, &zoff);
		CHECK(zone != NULL);
		CHECK_INT(zoff, 10);
		dbl_wname_from_text(&q, "zen.test.other", 14);
		CHECK(dbl_catalog_find(&db->cat, q.b, &zoff) == NULL);
	}
	scope = db->cat.zones[0].scopes[0].id;
	CHECK_INT(db->cat.zones[0].scopes[0].flags,
	          DBL_SCOPE_IP4 | DBL_SCOPE_NAME | DBL_SCOPE_DNSET);
	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	CHECK_STR(look4(&r, scope, fix_ip(10, 0, 0, 4)), "2");
	CHECK_STR(look4(&r, scope, fix_ip(10, 0, 0, 5)), "-");
	CHECK_STR(look4(&r, scope, fix_ip(10, 0, 0, 6)), "2");
	CHECK_STR(look4(&r, scope, fix_ip(10, 0, 1, 0)), "-");
	CHECK_STR(look4(&r, scope, fix_ip(10, 1, 0, 6)), "-");
	CHECK_STR(look4(&r, scope, fix_ip(10, 1, 0, 7)), "3");
	CHECK_STR(look4(&r, scope, fix_ip(10, 1, 1, 1)), "-");
	CHECK_STR(look4(&r, scope, fix_ip(10, 1, 1, 200)), "5");
	CHECK_STR(look4(&r, scope, fix_ip(127, 0, 0, 2)), "2,3,6"); /* set values, then trie */
	CHECK_STR(look4(&r, scope, fix_ip(127, 0, 0, 3)), "6");
	CHECK_STR(look4(&r, scope, fix_ip(20, 0, 0, 1)), "2");
	CHECK_STR(look4(&r, scope, fix_ip(20, 1, 2, 3)), "3");
	CHECK_STR(look4(&r, scope, fix_ip(20, 2, 0, 0)), "2");
	CHECK_STR(look4(&r, scope, fix_ip(255, 255, 255, 255)), "5");
	CHECK_STR(look4(&r, scope, 0), "-");
	{
		/* 30.0.c.d: the value pairs (builder's pair cache) */
		static const struct {
			unsigned c, d;
			const char *want;
		} pairs[] = {{0, 0, "6"},   {0, 1, "2,6"}, {0, 2, "3,6"}, {0, 3, "2,6"},
		             {1, 1, "2,5"}, {1, 2, "3,5"}, {1, 3, "5"}};
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
			CHECK_STR(look4(&r, scope, fix_ip(30, 0, pairs[i].c, pairs[i].d)),
			          pairs[i].want);
	}
	CHECK_INT(dbl_lookup_ip4_any(&r, scope, fix_ip(127, 0, 0, 0), fix_ip(127, 0, 0, 255)), 0);
	CHECK_INT(dbl_lookup_ip4_any(&r, scope, fix_ip(10, 0, 1, 0), fix_ip(10, 0, 1, 255)),
	          DBL_ENOTFOUND);
	CHECK_INT(dbl_lookup_ip4(&r, scope + 1, fix_ip(127, 0, 0, 2), &vs), DBL_ENOTFOUND);
	/* names: exact of dn1 + dn2's wildcard at "example"? no: "example" is
	 * not below itself; dn2 only lists names below example. */
	CHECK_STR(lookname(&r, scope, "example", 0), "2");
	CHECK_STR(lookname(&r, scope, "example", 1), "3");
	CHECK_STR(lookname(&r, scope, "wild.example", 1), "2,3");
	CHECK_STR(lookname(&r, scope, "x.wild.example", 0), "3"); /* dn1 excluded, dn2 wildcard */
	CHECK_STR(lookname(&r, scope, "deep.wild.example", 1), "2"); /* dn2 excluded below */
	CHECK_STR(lookname(&r, scope, "a.deep.wild.example", 0), "2,3");
	{
		uint8_t rel[64], key[64];
		int n = dbl_rel_from_text(rel, "wild.example", 12);
		size_t kl = dbl_namekey_from_rel(key, rel, (size_t)n);
		CHECK_INT(dbl_lookup_name_below(&r, scope, key, kl), 0);
		n = dbl_rel_from_text(rel, "a.deep.wild.example", 19);
		kl = dbl_namekey_from_rel(key, rel, (size_t)n);
		CHECK_INT(dbl_lookup_name_below(&r, scope, key, kl), DBL_ENOTFOUND);
	}
	dbl_rtxn_end(&r);

	/* Generation 8: zen.test copied unchanged from generation 7, plus a
	 * rebuilt zone sharing a value set with it. */
	{
		struct dbl_build_zone z2[2] = {{.copy_db = db, .copy_zone = &db->cat.zones[0]},
		                               {.nds = 1, .ds = &set, .fingerprint = 42}};
		struct dbl_build_opts o2 = {.generation = 8, .now = 2000};
		struct dbl_db *db2;
		char path2[256];
		z2[0].name = db->cat.zones[0].name;
		dbl_wname_from_text(&z2[1].name, "other.test", 10);
		snprintf(path2, sizeof path2, "%s/gen-8.mdb", tmpdir);
		CHECK_INT(dbl_build_write(path2, z2, 2, &o2, &st), 0);
		CHECK_INT(st.zones_copied, 1);
		CHECK_INT(dbl_db_open_file(&db2, path2), 0);
		CHECK_INT(db2->cat.nzones, 2);
		CHECK_INT(db2->cat.zones[0].version, 7); /* data built in generation 7 */
		CHECK_INT(db2->cat.zones[1].version, 8);
		CHECK_INT(db2->cat.zones[1].fingerprint, 42);
		CHECK_INT(db2->cat.zones[0].entries, db->cat.zones[0].entries);
		scope = db2->cat.zones[0].scopes[0].id;
		CHECK_INT(dbl_rtxn_begin(&r, db2), 0);
		CHECK_STR(look4(&r, scope, fix_ip(127, 0, 0, 2)), "2,3,6");
		CHECK_STR(look4(&r, scope, fix_ip(10, 0, 0, 5)), "-");
		CHECK_STR(look4(&r, scope, fix_ip(10, 1, 1, 200)), "5");
		CHECK_STR(lookname(&r, scope, "x.wild.example", 0), "3");
		CHECK_STR(lookname(&r, scope, "deep.wild.example", 1), "2");
		scope = db2->cat.zones[1].scopes[0].id;
		CHECK_STR(look4(&r, scope, fix_ip(127, 0, 0, 2)), "2,3");
		CHECK_STR(look4(&r, scope, fix_ip(10, 1, 1, 200)), "-");
		dbl_rtxn_end(&r);
		dbl_db_close(db2);
		unlink(path2);
	}
	dbl_db_close(db);
	unlink(path);
	rmdir(tmpdir);
	for (int i = 0; i < 4; i++)
		fix_ds_free(zen[i]);
	(void)t6;
}

/* Build zones z[0..nz) into a new temporary directory (dir, a mkdtemp
 * template; the file's path into path) and open the result. */
static struct dbl_db *build_tmp(char *dir, char *path, size_t pathlen, struct dbl_build_zone *z,
                                size_t nz)
{
	struct dbl_build_opts o = {.generation = 1, .now = 1000};
	struct dbl_build_stats st;
	struct dbl_db *db = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, pathlen, "%s/gen-1.mdb", dir);
	CHECK_INT(dbl_build_write(path, z, nz, &o, &st), 0);
	CHECK_INT(dbl_db_open_file(&db, path), 0);
	return db;
}

static void drop_tmp(struct dbl_db *db, const char *path, const char *dir)
{
	dbl_db_close(db);
	unlink(path);
	rmdir(dir);
}

/* Two datasets whose ranges touch (A's last ends where B's first starts)
 * and whose first values have the same index: the sweep once coalesced
 * B's first range into A's last, so B's addresses answered A's value
 * (rbldnsd answers B's). */
static void test_adjacent_datasets(void)
{
	char dir[] = "/tmp/dbl-test-adjacent-XXXXXX", path[256];
	struct dbl_dsdata *a = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *b = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *sets[] = {a, b};
	struct dbl_build_zone z = {.nds = 2, .ds = sets};
	struct dbl_db *db;
	struct dbl_rtxn r;
	uint32_t scope;

	CHECK_INT(fix_val(a, 2, "A"), fix_val(b, 3, "B")); /* both index 0 */
	fix_add4(a, fix_ip(1, 2, 3, 0), fix_ip(1, 2, 3, 255), 24, 0);
	fix_add4(b, fix_ip(1, 2, 4, 0), fix_ip(1, 2, 4, 255), 24, 0);
	CHECK(dbl_wname_from_text(&z.name, "t.test", 6) == 0);
	db = build_tmp(dir, path, sizeof path, &z, 1);
	scope = db->cat.zones[0].scopes[0].id;
	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	CHECK_STR(look4(&r, scope, fix_ip(1, 2, 3, 255)), "2");
	CHECK_STR(look4(&r, scope, fix_ip(1, 2, 4, 0)), "3");
	CHECK_STR(look4(&r, scope, fix_ip(1, 2, 4, 255)), "3");
	CHECK_STR(look4(&r, scope, fix_ip(1, 2, 5, 0)), "-");
	dbl_rtxn_end(&r);
	drop_tmp(db, path, dir);
	fix_ds_free(a);
	fix_ds_free(b);
}

static void test_namekey(void)
{
	uint8_t rel[256], k1[256], k2[256], k3[256];
	int n;
	size_t l1, l2, l3;

	n = dbl_rel_from_text(rel, "WWW.Example", 11);
	CHECK_INT(n, 12);
	l1 = dbl_namekey_from_rel(k1, rel, (size_t)n);
	CHECK(memcmp(k1, "\7example\3www", 12) == 0);
	n = dbl_rel_from_text(rel, "example", 7);
	l2 = dbl_namekey_from_rel(k2, rel, (size_t)n);
	n = dbl_rel_from_text(rel, "examplex", 8);
	l3 = dbl_namekey_from_rel(k3, rel, (size_t)n);
	/* a name's key is a prefix of its descendants' keys, not of siblings' */
	CHECK(l2 < l1 && memcmp(k1, k2, l2) == 0);
	CHECK(l3 == 9 && memcmp(k3, k2, l2) != 0);
	CHECK_INT(dbl_namekey_labels(k1, l1), 2);
	CHECK_INT(dbl_rel_from_text(rel, "a..b", 4), DBL_ESYNTAX);
	{
		char l64[80];
		memset(l64, 'a', 64);
		CHECK_INT(dbl_rel_from_text(rel, l64, 64), DBL_ETOOBIG); /* 63: RFC 1035 */
		CHECK_INT(dbl_rel_from_text(rel, l64, 63), 64);
	}
}

static void test_sweep_order(void)
{
	/* IPv6-width positions incl. the top address (no overflow). */
	struct dbl_swent e[2] = {{0, ~(dbl_u128)0, 0, 0, 1},
	                         {~(dbl_u128)0, ~(dbl_u128)0, 1, 128, 2}};
	struct dbl_swout o = {0}, n4 = {.narrow = true};
	struct dbl_swent f[2];
	memcpy(f, e, sizeof f);
	CHECK_INT(dbl_sweep(e, 2, DBL_MERGE_FIRST, &o), 0);
	CHECK_INT(o.nseg, 2);
	CHECK(dbl_swout_get(&o, 1).lo == ~(dbl_u128)0 && o.pool[dbl_swout_get(&o, 1).first] == 2);
	dbl_swout_free(&o);
	/* 32-bit segments refuse what does not fit instead of truncating */
	CHECK_INT(dbl_sweep(f, 2, DBL_MERGE_FIRST, &n4), -ERANGE);
	CHECK_INT(dbl_swout_add1(&n4, 0, 7, (dbl_u128)1 << 32, 1), -ERANGE);
	CHECK_INT(dbl_swout_add1(&n4, 0, 0, UINT32_MAX, 1), 0);
	CHECK(dbl_swout_get(&n4, n4.nseg - 1).hi == UINT32_MAX);
	dbl_swout_free(&n4);
	CHECK(n4.narrow);
}

/* dbl_sweep against a brute-force model: random overlapping,
 * prioritised entries with exclusions and repeated starts, enough of them
 * (> 256) for the radix sort; positions as IPv4-like keys and keys
 * varying in up to 64 bits (the packed sort), and spread over 128 bits
 * (the digit-by-digit sort). Every
 * position of the universe must get the payload list the model computes:
 * the highest priority covering it decides, in file order, duplicates
 * dropped (UNION) or the first entry only (FIRST); an exclusion or no
 * entry is a gap. */
#define UNIVERSE 3000
#define NENT     700

/* Model: payloads at universe position x, into out; returns the count
 * (-1 = gap). */
static int model(const struct dbl_swent *e, const uint32_t *a, const uint32_t *b, size_t n,
                 enum dbl_merge m, uint32_t x, int32_t *out)
{
	int maxp = -1, cnt = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i] <= x && x <= b[i] && e[i].prio > maxp)
			maxp = e[i].prio;
	if (maxp < 0)
		return -1;
	for (size_t i = 0; i < n; i++) { /* e is in ord order */
		bool dup = false;
		if (!(a[i] <= x && x <= b[i] && e[i].prio == maxp))
			continue;
		if (m == DBL_MERGE_FIRST)
			return e[i].pay == DBL_VID_EXCLUDE ? -1 : (out[0] = e[i].pay, 1);
		if (e[i].pay == DBL_VID_EXCLUDE)
			return -1;
		for (int j = 0; j < cnt; j++)
			dup |= out[j] == e[i].pay;
		if (!dup)
			out[cnt++] = e[i].pay;
	}
	return cnt;
}

/* Entry i of a model input, universe points [a[i], b[i]]: mostly single
 * points (the isolated fast path), some ranges, repeated starts (every
 * seventh entry starts where the one before it does). */
static void model_span(size_t i, uint32_t *a, uint32_t *b)
{
	a[i] = i % 7 == 3 && i > 0 ? a[i - 1] : fix_rnd(UNIVERSE);
	b[i] = i % 3 == 0 ? a[i] + fix_rnd(40) : a[i];
	if (b[i] >= UNIVERSE)
		b[i] = UNIVERSE - 1;
}

/* Payload of entry i: one of five values, a few exclusions. */
static int32_t model_pay(size_t i)
{
	return i % 11 == 5 ? DBL_VID_EXCLUDE : (int32_t)fix_rnd(5);
}

/* Position of universe point x. Spread out (shift > 0), bit 0 varies as
 * well, so with shift 80 the keys vary in more than 64 bits (the
 * digit-by-digit sort); point x still lies in [pos(x), pos(x + 1)). */
static dbl_u128 pos(dbl_u128 base, unsigned shift, uint32_t x)
{
	return base + ((dbl_u128)x << shift) + (shift ? (x & 1) : 0);
}

static void run(dbl_u128 base, unsigned shift, enum dbl_merge m, bool narrow)
{
	struct dbl_swent e[NENT], work[NENT];
	uint32_t a[NENT], b[NENT];
	struct dbl_swout o = {.narrow = narrow};
	size_t seg = 0;

	for (size_t i = 0; i < NENT; i++) {
		model_span(i, a, b);
		e[i] = (struct dbl_swent){pos(base, shift, a[i]),
		                          base + ((dbl_u128)b[i] << shift) +
		                              (((dbl_u128)1 << shift) - 1),
		                          (uint32_t)i, (uint8_t)fix_rnd(3), model_pay(i)};
	}
	memcpy(work, e, sizeof e);
	CHECK_INT(dbl_sweep(work, NENT, m, &o), 0);
	for (uint32_t x = 0; x < UNIVERSE; x++) {
		dbl_u128 p = pos(base, shift, x);
		int32_t want[NENT];
		int n = model(e, a, b, NENT, m, x, want);
		while (seg < o.nseg && dbl_swout_get(&o, seg).hi < p)
			seg++;
		if (seg == o.nseg || dbl_swout_get(&o, seg).lo > p) {
			CHECK_INT(n, -1);
			continue;
		}
		CHECK_INT((int)dbl_swout_get(&o, seg).count, n);
		if (n > 0 && (int)dbl_swout_get(&o, seg).count == n)
			CHECK(memcmp(o.pool + dbl_swout_get(&o, seg).first, want,
			             (size_t)n * sizeof *want) == 0);
	}
	dbl_swout_free(&o);
}

static void test_sweep_model(void)
{
	for (int r = 0; r < 3; r++) {
		run(0, 0, DBL_MERGE_UNION, false); /* IPv4-like */
		run(0, 0, DBL_MERGE_FIRST, false);
		run(0, 0, DBL_MERGE_UNION, true); /* the same in 16-byte segments */
		run(0, 0, DBL_MERGE_FIRST, true);
		run((dbl_u128)0x20010db8u << 96, 80, DBL_MERGE_UNION, false); /* 128-bit spread */
		run((dbl_u128)0x20010db8u << 96, 80, DBL_MERGE_FIRST, false);
		run((dbl_u128)0x20010db8u << 96, 48, DBL_MERGE_UNION, false); /* 49 bits: packed */
	}
}

/* The same model through dbl_build_write and a lookup: build_addr puts
 * unsorted IPv4 entries in (address, file position) order itself, so
 * repeated starts must keep file order (UNION lists values in it, FIRST
 * keeps the first). Five values, 127.0.0.2-6, distinct per payload. */
/* Disjoint spans in shuffled file order (the loader's path for a dataset
 * whose entries overlap nothing, like XBL): every fourth touches the next
 * one, so equal neighbours coalesce and unequal ones do not. */
static void disjoint_span(size_t i, uint32_t *a, uint32_t *b)
{
	size_t s = (i * 337) % NENT; /* 337: prime, a permutation of 0..699 */
	a[i] = (uint32_t)(3 * s);
	b[i] = a[i] + (s % 4 == 0 ? 2 : s % 4 == 1 ? 1 : 0);
}

static void build_model(enum dbl_merge m, bool disjoint)
{
	struct dbl_dsdata *ds = fix_ds_new("ip4set", m);
	struct dbl_build_zone z = {.nds = 1, .ds = &ds};
	struct dbl_swent e[NENT];
	uint32_t a[NENT], b[NENT], base = fix_ip(10, 0, 0, 0);
	struct dbl_db *db;
	struct dbl_rtxn r;
	char dir[] = "/tmp/dbl-test-order-XXXXXX", path[256];
	uint32_t scope;

	for (unsigned v = 0; v < 5; v++)
		fix_val(ds, 2 + v, NULL);
	ds->ip4 = realloc(ds->ip4, NENT * sizeof *ds->ip4);
	for (size_t i = 0; i < NENT; i++) {
		if (disjoint)
			disjoint_span(i, a, b);
		else
			model_span(i, a, b);
		e[i] = (struct dbl_swent){a[i], b[i], (uint32_t)i, (uint8_t)(24 + fix_rnd(3)),
		                          model_pay(i)};
		fix_add4(ds, base + a[i], base + b[i], e[i].prio, e[i].pay);
	}
	CHECK(dbl_wname_from_text(&z.name, "order.test", 10) == 0);
	db = build_tmp(dir, path, sizeof path, &z, 1);
	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	scope = db->cat.zones[0].scopes[0].id;
	for (uint32_t x = 0; x < UNIVERSE; x++) {
		int32_t want[NENT];
		char ws[256] = "-";
		int n = model(e, a, b, NENT, m, x, want);
		if (n > 0) {
			ws[0] = 0;
			for (int j = 0; j < n; j++)
				sprintf(ws + strlen(ws), "%s%d", j ? "," : "", 2 + want[j]);
		}
		if (strcmp(look4(&r, scope, base + x), ws) != 0) {
			fprintf(stderr, "10.0.%u.%u: got %s, want %s\n", x >> 8, x & 255,
			        look4(&r, scope, base + x), ws);
			CHECK(0);
			break;
		}
	}
	dbl_rtxn_end(&r);
	drop_tmp(db, path, dir);
	fix_ds_free(ds);
}

static void test_build_model(void)
{
	build_model(DBL_MERGE_UNION, false);
	build_model(DBL_MERGE_FIRST, false);
	build_model(DBL_MERGE_UNION, true);
	build_model(DBL_MERGE_FIRST, true);
}

/* Dataset d of a many-value test: an ip4set (union) of nval values whose A
 * answers end in 2 + d * nval + v (distinct across datasets), with room
 * for nip4 entries. */
static struct dbl_dsdata *values_ds(int d, unsigned nval, size_t nip4)
{
	struct dbl_dsdata *ds = fix_ds_new("ip4set", DBL_MERGE_UNION);

	ds->values = realloc(ds->values, nval * sizeof *ds->values);
	ds->ip4 = realloc(ds->ip4, nip4 * sizeof *ds->ip4);
	memset(ds->values, 0, nval * sizeof *ds->values);
	for (unsigned v = 0; v < nval; v++)
		fix_val(ds, 2 + (unsigned)d * nval + v, NULL);
	return ds;
}

/* Three merged datasets of 30 values each over 12,000 addresses: the
 * address build caches a merged segment's vsid by its (dataset, value)
 * list in a table of 1024 entries, and here more distinct lists occur than
 * it holds (checked), so entries are reused and lists recur after being
 * evicted. Every address must answer what the model gives: each dataset's
 * covering values in file order, datasets in zone order. */
#define CMB_DS  3
#define CMB_VAL 30
#define CMB_N   1500
#define CMB_U   12000

static void test_many_combinations(void)
{
	struct dbl_dsdata *ds[CMB_DS];
	struct dbl_build_zone z = {.nds = CMB_DS, .ds = ds};
	static struct dbl_swent e[CMB_DS][CMB_N];
	static uint32_t a[CMB_DS][CMB_N], b[CMB_DS][CMB_N], seen[CMB_U];
	uint32_t base = fix_ip(10, 1, 0, 0), nseen = 0, scope;
	char dir[] = "/tmp/dbl-test-combos-XXXXXX", path[256];
	struct dbl_db *db;
	struct dbl_rtxn r;

	for (int d = 0; d < CMB_DS; d++) {
		ds[d] = values_ds(d, CMB_VAL, CMB_N);
		for (size_t i = 0; i < CMB_N; i++) {
			a[d][i] = fix_rnd(CMB_U);
			b[d][i] = a[d][i] + fix_rnd(12);
			if (b[d][i] >= CMB_U)
				b[d][i] = CMB_U - 1;
			e[d][i] = (struct dbl_swent){a[d][i], b[d][i], (uint32_t)i, 24,
			                             (int32_t)fix_rnd(CMB_VAL)};
			fix_add4(ds[d], base + a[d][i], base + b[d][i], 24, e[d][i].pay);
		}
	}
	CHECK(dbl_wname_from_text(&z.name, "combos.test", 11) == 0);
	db = build_tmp(dir, path, sizeof path, &z, 1);
	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	scope = db->cat.zones[0].scopes[0].id;
	for (uint32_t x = 0; x < CMB_U; x++) {
		char ws[512] = "", got[512];
		uint32_t vs;
		for (int d = 0; d < CMB_DS; d++) {
			int32_t want[CMB_N];
			int n = model(e[d], a[d], b[d], CMB_N, DBL_MERGE_UNION, x, want);
			for (int j = 0; j < n; j++)
				sprintf(ws + strlen(ws), "%s%d", ws[0] ? "," : "",
				        2 + d * CMB_VAL + want[j]);
		}
		snprintf(got, sizeof got, "%s", look4(&r, scope, base + x));
		if (strcmp(got, ws[0] ? ws : "-") != 0) {
			fprintf(stderr, "10.1.%u.%u: got %s, want %s\n", x >> 8, x & 255, got,
			        ws[0] ? ws : "-");
			CHECK(0);
			break;
		}
		if (dbl_lookup_ip4(&r, scope, base + x, &vs) == 0 && strchr(got, ',')) {
			bool dup = false;
			for (uint32_t i = 0; i < nseen && !dup; i++)
				dup = seen[i] == vs;
			if (!dup)
				seen[nseen++] = vs;
		}
	}
	CHECK(nseen > 2 * 1024); /* more lists than the table holds */
	dbl_rtxn_end(&r);
	drop_tmp(db, path, dir);
	for (int d = 0; d < CMB_DS; d++)
		fix_ds_free(ds[d]);
}

/* A list of values followed at once by its own prefix: address x holds
 * (d0 p, d1 q, d2 r), x + 1 only (d0 p, d1 q), x + 2 nothing. The table
 * entry of a 3-word list also matches the first two words of the next
 * lookup, so wherever the two lists share an entry (about one pair in
 * 1024; 10,000 distinct pairs make that certain whatever the hash) only
 * the entry's length tells them apart: without it x + 1 answers x's three
 * values. */
#define PFX_VAL 40
#define PFX_N   10000

static void test_prefix_lists(void)
{
	struct dbl_dsdata *ds[3];
	struct dbl_build_zone z = {.nds = 3, .ds = ds};
	uint32_t base = fix_ip(10, 2, 0, 0), scope;
	char dir[] = "/tmp/dbl-test-prefix-XXXXXX", path[256];
	struct dbl_db *db;
	struct dbl_rtxn r;

	for (int d = 0; d < 3; d++)
		ds[d] = values_ds(d, PFX_VAL, PFX_N);
	for (uint32_t i = 0; i < PFX_N; i++) { /* (p, q, r) distinct for every i */
		uint32_t x = base + 3 * i;
		fix_add4(ds[0], x, x + 1, 24, (int32_t)(i % PFX_VAL));
		fix_add4(ds[1], x, x + 1, 24, (int32_t)(i / PFX_VAL % PFX_VAL));
		fix_add4(ds[2], x, x, 24, (int32_t)(i / (PFX_VAL * PFX_VAL)));
	}
	CHECK(dbl_wname_from_text(&z.name, "prefix.test", 11) == 0);
	db = build_tmp(dir, path, sizeof path, &z, 1);
	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	scope = db->cat.zones[0].scopes[0].id;
	for (uint32_t i = 0; i < PFX_N; i++) {
		unsigned p = 2 + i % PFX_VAL, q = 2 + PFX_VAL + i / PFX_VAL % PFX_VAL,
		         s = 2 + 2 * PFX_VAL + i / (PFX_VAL * PFX_VAL);
		char want[3][32];
		snprintf(want[0], sizeof want[0], "%u,%u,%u", p, q, s);
		snprintf(want[1], sizeof want[1], "%u,%u", p, q);
		strcpy(want[2], "-");
		for (uint32_t k = 0; k < 3; k++) {
			const char *got = look4(&r, scope, base + 3 * i + k);
			if (strcmp(got, want[k]) != 0) {
				fprintf(stderr, "pair %u, address +%u: got %s, want %s\n", i, k,
				        got, want[k]);
				CHECK(0);
				i = PFX_N;
				break;
			}
		}
	}
	dbl_rtxn_end(&r);
	drop_tmp(db, path, dir);
	for (int d = 0; d < 3; d++)
		fix_ds_free(ds[d]);
}

/* The incremental merge of per-dataset segment lists: every point is
 * covered by exactly the input segments that contain it, in list order,
 * and the result does not depend on the chunk size (build_addr writes it
 * out chunk by chunk; a chunk boundary must not drop or split anything). */
static void merge_chunks(bool narrow)
{
	enum { NL = 3 };
	struct dbl_swout per = {.narrow = narrow}, one = {.narrow = narrow},
	                 part = {.narrow = narrow};
	size_t first[NL], count[NL];
	struct dbl_swmerge m;

	for (size_t l = 0; l < NL; l++) {
		struct dbl_swent e[NENT];
		for (size_t i = 0; i < NENT; i++) {
			uint32_t a = fix_rnd(UNIVERSE), b = a + (i % 4 == 0 ? fix_rnd(60) : 0);
			e[i] = (struct dbl_swent){a, b < UNIVERSE ? b : UNIVERSE - 1, (uint32_t)i,
			                          0, (int32_t)fix_rnd(5)};
		}
		first[l] = per.nseg;
		CHECK_INT(dbl_sweep(e, NENT, DBL_MERGE_UNION, &per), 0);
		count[l] = per.nseg - first[l];
	}
	CHECK_INT(dbl_sweep_merge_init(&m, &per, first, count, NL), 0);
	CHECK_INT(dbl_sweep_merge_next(&m, &one, SIZE_MAX), 0);
	for (size_t s = 0, seg = 0; s < UNIVERSE; s++) {
		int32_t want[NL];
		uint32_t n = 0;
		for (size_t l = 0; l < NL; l++)
			for (size_t i = first[l]; i < first[l] + count[l]; i++)
				if (dbl_swout_get(&per, i).lo <= s &&
				    s <= dbl_swout_get(&per, i).hi)
					want[n++] = (int32_t)i;
		while (seg < one.nseg && dbl_swout_get(&one, seg).hi < s)
			seg++;
		if (seg == one.nseg || dbl_swout_get(&one, seg).lo > s) {
			CHECK_INT((int)n, 0);
			continue;
		}
		CHECK_INT((int)dbl_swout_get(&one, seg).count, (int)n);
		if (dbl_swout_get(&one, seg).count == n)
			CHECK(memcmp(one.pool + dbl_swout_get(&one, seg).first, want,
			             n * sizeof *want) == 0);
	}
	for (size_t chunk = 1; chunk <= 7; chunk += 3) {
		size_t k = 0, calls = 0;
		int more;
		CHECK_INT(dbl_sweep_merge_init(&m, &per, first, count, NL), 0);
		do {
			dbl_swout_reset(&part);
			more = dbl_sweep_merge_next(&m, &part, chunk);
			CHECK(more >= 0 && part.nseg <= chunk);
			calls++;
			for (size_t s = 0; s < part.nseg && k < one.nseg; s++, k++) {
				const struct dbl_swseg x = dbl_swout_get(&part, s),
				                       y = dbl_swout_get(&one, k);
				CHECK(x.lo == y.lo && x.hi == y.hi && x.count == y.count);
				CHECK(memcmp(part.pool + x.first, one.pool + y.first,
				             x.count * sizeof *part.pool) == 0);
			}
		} while (more > 0 && calls <= one.nseg + 1);
		CHECK_INT((int)k, (int)one.nseg);
		CHECK(calls >= one.nseg / chunk);
	}
	CHECK_INT(dbl_sweep_merge_init(&m, &per, first, count, 257), -EINVAL);
	dbl_swout_free(&per);
	dbl_swout_free(&one);
	dbl_swout_free(&part);
}

/* The top of the IPv4 space: the last merged interval ends at
 * 255.255.255.255, covered by both lists, and the merge then ends; the
 * same into an output of the other width. */
static void merge_top(bool narrow, bool out_narrow)
{
	struct dbl_swout per = {.narrow = narrow}, out = {.narrow = out_narrow};
	struct dbl_swent a = {0xFFFFFFF0u, 0xFFFFFFFFu, 0, 0, 1},
	                 b = {0xFFFFFFFFu, 0xFFFFFFFFu, 0, 0, 2}, c = {0, 0, 1, 0, 3};
	size_t first[2], count[2];
	struct dbl_swmerge m;
	struct dbl_swseg x;

	CHECK_INT(dbl_sweep(&c, 1, DBL_MERGE_UNION, &per), 0);
	CHECK_INT(dbl_sweep(&a, 1, DBL_MERGE_UNION, &per), 0);
	first[0] = 0;
	count[0] = 2;
	first[1] = per.nseg;
	CHECK_INT(dbl_sweep(&b, 1, DBL_MERGE_UNION, &per), 0);
	count[1] = 1;
	CHECK_INT(dbl_sweep_merge_init(&m, &per, first, count, 2), 0);
	CHECK_INT(dbl_sweep_merge_next(&m, &out, SIZE_MAX), 0);
	CHECK_INT((int)out.nseg, 3);
	if (out.nseg != 3)
		goto out;
	x = dbl_swout_get(&out, 0);
	CHECK(x.lo == 0 && x.hi == 0 && x.count == 1 && out.pool[x.first] == 0);
	x = dbl_swout_get(&out, 1);
	CHECK(x.lo == 0xFFFFFFF0u && x.hi == 0xFFFFFFFEu && x.count == 1 && out.pool[x.first] == 1);
	x = dbl_swout_get(&out, 2);
	CHECK(x.lo == 0xFFFFFFFFu && x.hi == 0xFFFFFFFFu && x.count == 2 &&
	      out.pool[x.first] == 1 && out.pool[x.first + 1] == 2);
	/* done: another call adds nothing */
	CHECK_INT(dbl_sweep_merge_next(&m, &out, SIZE_MAX), 0);
	CHECK_INT((int)out.nseg, 3);
out:
	dbl_swout_free(&per);
	dbl_swout_free(&out);
}

static void test_sweep_merge_chunks(void)
{
	merge_chunks(false);
	merge_chunks(true); /* IPv4's 16-byte segments */
	merge_top(false, false);
	merge_top(true, true);
	merge_top(true, false);
	merge_top(false, true);
}

/* What zones a (solo, shared, names, both, acl) and b (shared, both, acl)
 * answer: the addresses of both zones, the names and both zones' client
 * ACL. */
static void check_release_answers(struct dbl_db *db)
{
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
	uint32_t a = db->cat.zones[0].scopes[0].id, b = db->cat.zones[1].scopes[0].id, vs;
	struct dbl_rtxn r;

	CHECK_INT(dbl_rtxn_begin(&r, db), 0);
	CHECK_STR(look4(&r, db->cat.zones[0].acl_scope, fix_ip(192, 0, 2, 1)), "5");
	CHECK_STR(look4(&r, db->cat.zones[1].acl_scope, fix_ip(192, 0, 2, 1)), "5");
	CHECK_STR(look4(&r, a, fix_ip(10, 0, 0, 1)), "2");
	CHECK_STR(look4(&r, a, fix_ip(10, 0, 0, 9)), "2,3"); /* solo + shared */
	CHECK_STR(look4(&r, b, fix_ip(10, 0, 0, 9)), "3");   /* shared, read again */
	CHECK_STR(look4(&r, b, fix_ip(10, 0, 0, 1)), "-");
	CHECK_INT(dbl_lookup_ip6(&r, b, v6, &vs), 0);
	CHECK_STR(lookname(&r, a, "listed.example", 0), "4");
	CHECK_STR(lookname(&r, a, "both.example", 0), "6");
	CHECK_STR(lookname(&r, b, "both.example", 0), "6"); /* names read again */
	dbl_rtxn_end(&r);
}

/* dbl_build_opts.release_entries: each dataset's address and name entries
 * are freed after the last scope that reads them (a dataset shared by two
 * zones only after the second), and the answers are those of a build that
 * keeps everything. Without the option nothing is freed. */
static void test_release_entries(void)
{
	char dir[] = "/tmp/dbl-test-release-XXXXXX", path[256];
	struct dbl_dsdata *solo = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *shared = fix_ds_new("ip4set", DBL_MERGE_UNION);
	struct dbl_dsdata *dn = fix_ds_new("dnset", DBL_MERGE_UNION);
	struct dbl_dsdata *acl = fix_ds_new("acl", DBL_MERGE_FIRST);
	struct dbl_dsdata *both = fix_ds_new("dnset", DBL_MERGE_UNION);
	struct dbl_dsdata *za[] = {solo, shared, dn, both, acl}, *zb[] = {shared, both, acl};
	struct dbl_build_zone z[2] = {{.nds = 5, .ds = za}, {.nds = 3, .ds = zb}};
	struct dbl_build_opts o = {.generation = 1, .now = 1000, .release_entries = true};
	struct dbl_build_stats st;
	struct dbl_db *db;

	fix_add4(solo, fix_ip(10, 0, 0, 0), fix_ip(10, 0, 0, 255), 24, fix_val(solo, 2, NULL));
	fix_add4(shared, fix_ip(10, 0, 0, 9), fix_ip(10, 0, 0, 9), 32, fix_val(shared, 3, NULL));
	shared->ip6[shared->nip6++] = (struct dbl_ip6ent){.lo = {0x20, 0x01, 0x0d, 0xb8},
	                                                  .hi = {0x20, 0x01, 0x0d, 0xb8, 0xff}};
	fix_addname(dn, "listed.example", false, fix_val(dn, 4, NULL));
	fix_addname(both, "both.example", false, fix_val(both, 6, NULL));
	acl->nsubs = 0; /* as the acl parser leaves it: read by the ACL step only */
	fix_add4(acl, fix_ip(192, 0, 2, 0), fix_ip(192, 0, 2, 255), 24, fix_val(acl, 5, "refuse"));
	CHECK(dbl_wname_from_text(&z[0].name, "a.test", 6) == 0);
	CHECK(dbl_wname_from_text(&z[1].name, "b.test", 6) == 0);

	db = build_tmp(dir, path, sizeof path, z, 2); /* without the option */
	check_release_answers(db);
	drop_tmp(db, path, dir);
	CHECK(solo->ip4 != NULL && solo->nip4 == 1 && shared->nip4 == 1 && shared->nip6 == 1);
	CHECK(dn->nnames == 1 && both->nnames == 1 && both->names != NULL);

	strcpy(dir, "/tmp/dbl-test-release-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/gen-1.mdb", dir);
	CHECK_INT(dbl_build_write(path, z, 2, &o, &st), 0);
	CHECK(solo->ip4 == NULL && solo->nip4 == 0);
	CHECK(shared->ip4 == NULL && shared->nip4 == 0 && shared->ip6 == NULL && shared->nip6 == 0);
	CHECK(acl->ip4 == NULL && acl->nip4 == 0);
	CHECK(dn->names == NULL && dn->nnames == 0 && both->names == NULL && both->nnames == 0);
	CHECK_INT(st.entries, 1 + 2 + 1 + 1 + 2 + 1); /* counted before anything was freed */
	CHECK_INT(dbl_db_open_file(&db, path), 0);
	check_release_answers(db);
	drop_tmp(db, path, dir);
	fix_ds_free(solo);
	fix_ds_free(shared);
	fix_ds_free(dn);
	fix_ds_free(both);
	fix_ds_free(acl);
}

TEST_MAIN(test_roundtrip, test_adjacent_datasets, test_namekey, test_sweep_order, test_sweep_model,
          test_build_model, test_many_combinations, test_prefix_lists, test_sweep_merge_chunks,
          test_release_entries)
