/* qtest.c - fixture database, packet builders and response parser for the
 * tests of dbl_query() (see qtest.h for the zones' contents). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbl_build.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_schema.h"
#include "qtest.h"

struct dbl_query_opts qt_opts;
struct dbl_query_env qt_env;
struct dbl_rtxn *qt_rtxn_override;

static char tmpdir[64];
static char dbpath[128];
static struct dbl_db *db;
static struct dbl_rtxn rtxn;
static bool rtxn_open;

#define QT_MAXDS 32
static struct dbl_dsdata *all_ds[QT_MAXDS];
static size_t nall_ds;

void qt_reset_opts(void)
{
	memset(&qt_opts, 0, sizeof qt_opts);
	qt_opts.default_ttl = 2100;
	qt_opts.version = "dnsbld test";
	qt_opts.edns_payload = 1232;
	memset(&qt_env, 0, sizeof qt_env);
	qt_env.now = QT_NOW;
}

/* ---- fixture datasets ---- */

static struct dbl_dsdata *ds_new(const char *type, enum dbl_merge m, uint32_t ttl)
{
	struct dbl_dsdata *ds = calloc(1, sizeof *ds);
	ds->type = strdup(type);
	ds->label = strdup(type);
	ds->ttl = ttl;
	ds->merge = m;
	ds->subs = calloc(4, sizeof *ds->subs);
	ds->values = calloc(64, sizeof *ds->values);
	ds->ip4 = calloc(64, sizeof *ds->ip4);
	ds->ip6 = calloc(16, sizeof *ds->ip6);
	ds->names = calloc(64, sizeof *ds->names);
	ds->rrs = calloc(64, sizeof *ds->rrs);
	all_ds[nall_ds++] = ds;
	return ds;
}

static void ds_free(struct dbl_dsdata *ds)
{
	for (size_t i = 0; i < ds->nvalues; i++)
		free(ds->values[i].txt);
	for (size_t i = 0; i < ds->nnames; i++)
		free(ds->names[i].key);
	for (size_t i = 0; i < ds->nrrs; i++)
		free(ds->rrs[i].key), free(ds->rrs[i].rdata);
	free(ds->values), free(ds->ip4), free(ds->ip6), free(ds->names), free(ds->rrs);
	free(ds->subs), free(ds->type), free(ds->label), free(ds);
}

static void sub(struct dbl_dsdata *ds, const char *rel)
{
	struct dbl_wname *w = &ds->subs[ds->nsubs++];
	int n = dbl_rel_from_text(w->b, rel, strlen(rel));
	w->len = (uint8_t)(n < 0 ? 0 : n);
}

static int32_t val(struct dbl_dsdata *ds, const char *a, const char *txt)
{
	struct dbl_value *v = &ds->values[ds->nvalues];
	inet_pton(AF_INET, a, v->a);
	if (txt) {
		v->has_txt = true;
		v->txt = strdup(txt);
		v->txtlen = (uint16_t)strlen(txt);
	}
	return (int32_t)ds->nvalues++;
}

static uint32_t ip4(const char *s)
{
	uint8_t b[4];
	inet_pton(AF_INET, s, b);
	return dbl_get_u32(b);
}

static void add4(struct dbl_dsdata *ds, const char *lo, const char *hi, int prio, int32_t vid)
{
	ds->ip4[ds->nip4++] = (struct dbl_ip4ent){ip4(lo), ip4(hi), (uint8_t)prio, vid};
}

static void add6(struct dbl_dsdata *ds, const char *lo, const char *hi, int prio, int32_t vid)
{
	struct dbl_ip6ent *e = &ds->ip6[ds->nip6++];
	inet_pton(AF_INET6, lo, e->lo);
	inet_pton(AF_INET6, hi, e->hi);
	e->prio = (uint8_t)prio;
	e->vid = vid;
}

static uint8_t keyof(const char *text, uint8_t **key)
{
	uint8_t rel[256];
	int n = dbl_rel_from_text(rel, text, strlen(text));
	if (n < 0)
		n = 0;
	*key = malloc((size_t)n + 1);
	dbl_namekey_from_rel(*key, rel, (size_t)n);
	return (uint8_t)n;
}

static void addname(struct dbl_dsdata *ds, const char *text, bool wild, int32_t vid)
{
	struct dbl_nameent *e = &ds->names[ds->nnames++];
	e->keylen = keyof(text, &e->key);
	e->wild = wild;
	e->vid = vid;
}

static void addrr(struct dbl_dsdata *ds, const char *text, bool wild, uint16_t type, uint32_t ttl,
                  const void *rdata, uint16_t rdlen)
{
	struct dbl_rrent *e = &ds->rrs[ds->nrrs++];
	e->keylen = keyof(text, &e->key);
	e->wild = wild;
	e->type = type;
	e->ttl = ttl;
	e->rdlen = rdlen;
	e->rdata = malloc(rdlen ? rdlen : 1);
	memcpy(e->rdata, rdata, rdlen);
}

static void addtxt(struct dbl_dsdata *ds, const char *name, bool wild, uint32_t ttl, const char *s)
{
	uint8_t rd[256];
	size_t n = strlen(s);
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, s, n);
	addrr(ds, name, wild, 16, ttl, rd, (uint16_t)(n + 1));
}

static void wname(struct dbl_wname *w, const char *text)
{
	dbl_wname_from_text(w, text, strlen(text));
}

static void soa(struct dbl_dsdata *ds, uint32_t ttl, const char *mname, const char *rname,
                uint32_t serial, uint32_t minimum)
{
	ds->soa.present = true;
	ds->soa.ttl = ttl;
	wname(&ds->soa.mname, mname);
	wname(&ds->soa.rname, rname);
	ds->soa.serial = serial;
	ds->soa.refresh = 7200;
	ds->soa.retry = 1800;
	ds->soa.expire = 604800;
	ds->soa.minimum = minimum;
}

static void ns(struct dbl_dsdata *ds, uint32_t ttl, const char *n1, const char *n2)
{
	ds->ns_ttl = ttl;
	wname(&ds->ns[ds->nns++], n1);
	if (n2)
		wname(&ds->ns[ds->nns++], n2);
}

#define QT_MAXZ 16
static struct dbl_build_zone zones[QT_MAXZ];
static struct dbl_dsdata *zds[QT_MAXZ][8];
static size_t nzones;

static struct dbl_build_zone *zone(const char *name)
{
	struct dbl_build_zone *z = &zones[nzones];
	wname(&z->name, name);
	z->ds = zds[nzones];
	nzones++;
	return z;
}

static void zadd(struct dbl_build_zone *z, struct dbl_dsdata *ds)
{
	z->ds[z->nds++] = ds;
}

/* Zones (all data hand-made, see the tests for what each one exercises):
 *   bl.test      ip4set + generic; SOA 3600/min 300, serial 0 (-> mtime);
 *                NS ns1/ns2.bl.test with glue (A, A + AAAA)
 *   sub.bl.test  more specific zone; SOA ttl 60 < minimum 300; no NS
 *   zen.test     combined: sbl ($TTL 900) and xbl ($TTL 300) both also at
 *                the apex, ip6 data, subzone a.b; NS ns1.bl.test (glue
 *                from bl.test)
 *   dbl.test     dnset: exact, wildcard, dot form, exclusions (exact and
 *                wildcard), long TXT
 *   v6.test      ip6 only; SOA without NS
 *   nosoa.test   no SOA, no NS
 *   failed.test  DBL_ZONE_FAILED;  expired.test / future.test: $TIMESTAMP
 *   big.test     40 values at one address (truncation)
 *   gen.test     generic data with a wildcard at the apex, CNAME, CAA; SOA
 *                TTL "default"
 *   dup.test     one value from two datasets with TTLs 600 and 60 */
static void build_fixture(void)
{
	struct dbl_build_opts bo = {.generation = 1, .now = QT_NOW};
	struct dbl_build_stats st;
	struct dbl_build_zone *z;
	struct dbl_dsdata *ds, *g;
	int32_t v, w, x;

	/* bl.test */
	z = zone("bl.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, 3600, "ns1.bl.test", "hostmaster.bl.test", 0, 300);
	ns(ds, 86400, "ns1.bl.test", "ns2.bl.test");
	ds->newest_mtime = 1690000000;
	v = val(ds, "127.0.0.2", "Listed, see http://bl.test/lookup?ip=$");
	w = val(ds, "127.0.0.3", NULL);
	x = val(ds, "127.0.0.4", "cost $$5 for $");
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	add4(ds, "127.0.0.3", "127.0.0.3", 32, w);
	add4(ds, "127.0.0.4", "127.0.0.4", 32, x);
	add4(ds, "10.0.0.0", "10.0.0.255", 24, v);
	add4(ds, "10.0.0.5", "10.0.0.5", 32, DBL_VID_EXCLUDE);
	zadd(z, ds);
	g = ds_new("generic", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(g, "");
	{
		uint8_t a80[4] = {192, 0, 2, 80}, a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
		uint8_t aaaa2[16], mx[32] = {0, 10};
		inet_pton(AF_INET6, "2001:db8::2", aaaa2);
		memcpy(mx + 2, "\4mail\2bl\4test", 14);
		addrr(g, "@", false, 1, 600, a80, 4);
		addrr(g, "@", false, 15, DBL_TTL_DEFAULT, mx, 16);
		addtxt(g, "@", false, 600, "bl.test list");
		addrr(g, "ns1", false, 1, 86400, a1, 4);
		addrr(g, "ns2", false, 1, 86400, a2, 4);
		addrr(g, "ns2", false, 28, 86400, aaaa2, 16);
		addrr(g, "www", false, 1, 600, a80, 4);
	}
	zadd(z, g);

	/* sub.bl.test */
	z = zone("sub.bl.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, 60, "ns1.bl.test", "hostmaster.bl.test", 42, 300);
	v = val(ds, "127.0.0.9", "sub");
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);

	/* zen.test */
	z = zone("zen.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, 900);
	sub(ds, "sbl");
	sub(ds, "");
	soa(ds, 3600, "ns1.bl.test", "hostmaster.zen.test", 7, 300);
	ns(ds, 3600, "ns1.bl.test", NULL);
	v = val(ds, "127.0.0.2", "SBL listed $");
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	add4(ds, "192.0.2.0", "192.0.2.255", 24, v);
	zadd(z, ds);
	ds = ds_new("ip4set", DBL_MERGE_UNION, 300);
	sub(ds, "xbl");
	sub(ds, "");
	v = val(ds, "127.0.0.4", "XBL listed $");
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);
	ds = ds_new("ip6trie", DBL_MERGE_FIRST, DBL_TTL_DEFAULT);
	sub(ds, "");
	v = val(ds, "127.0.0.10", "v6 $");
	add6(ds, "::ffff:7f00:2", "::ffff:7f00:2", 128, v);
	add6(ds, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 32, v);
	zadd(z, ds);
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "a.b");
	v = val(ds, "127.0.0.5", NULL);
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);

	/* dbl.test */
	z = zone("dbl.test");
	ds = ds_new("dnset", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, 3600, "ns1.dbl.test", "hostmaster.dbl.test", 9, 600);
	ns(ds, 3600, "ns1.dbl.test", NULL);
	v = val(ds, "127.0.1.2", "Domain $ listed");
	w = val(ds, "127.0.1.3", "dot $");
	addname(ds, "example", false, v);
	addname(ds, "wild.example", true, v);
	addname(ds, "dot.example", false, w);
	addname(ds, "dot.example", true, w);
	addname(ds, "x.dot.example", false, DBL_VID_EXCLUDE);
	addname(ds, "no.wild.example", true, DBL_VID_EXCLUDE);
	addname(ds, "www.deep.example", false, v);
	addname(ds, "test", false, v);
	addname(ds, "upper.example.net", false, v);
	{
		char t[300];
		memset(t, 'a', 250);
		strcpy(t + 250, "$");
		x = val(ds, "127.0.1.4", t);
		addname(ds, "long.example", false, x);
		memset(t, 'b', 255);
		t[255] = 0;
		x = val(ds, "127.0.1.5", t);
		addname(ds, "full.example", false, x);
	}
	zadd(z, ds);

	/* v6.test */
	z = zone("v6.test");
	ds = ds_new("ip6trie", DBL_MERGE_FIRST, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, 3600, "ns1.bl.test", "hostmaster.v6.test", 5, 300);
	v = val(ds, "127.0.0.2", "v6 $");
	add6(ds, "::ffff:7f00:2", "::ffff:7f00:2", 128, v);
	add6(ds, "2001:db8::5", "2001:db8::5", 128, v);
	add6(ds, "2001:db8:1::", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 48, v);
	zadd(z, ds);

	/* nosoa.test */
	z = zone("nosoa.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	v = val(ds, "127.0.0.2", NULL);
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);

	/* failed.test */
	z = zone("failed.test");
	z->flags = DBL_ZONE_FAILED;
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	zadd(z, ds);

	/* expired.test, future.test */
	z = zone("expired.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	ds->ts_expires = QT_NOW - 10;
	v = val(ds, "127.0.0.2", NULL);
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);
	z = zone("future.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	ds->ts_expires = QT_NOW + 1000;
	v = val(ds, "127.0.0.2", NULL);
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);

	/* big.test: 40 values at 127.0.0.2, 120-byte TXTs */
	z = zone("big.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, 3600, "ns1.bl.test", "hostmaster.big.test", 1, 300);
	for (int i = 0; i < 40; i++) {
		char a[32], t[200];
		snprintf(a, sizeof a, "127.0.1.%d", i + 1);
		memset(t, 'a' + i % 26, 120);
		t[0] = (char)('0' + i / 10); /* distinct texts */
		t[1] = (char)('0' + i % 10);
		t[120] = 0;
		v = val(ds, a, t);
		add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	}
	zadd(z, ds);

	/* gen.test */
	z = zone("gen.test");
	ds = ds_new("bind", DBL_MERGE_UNION, DBL_TTL_DEFAULT);
	sub(ds, "");
	soa(ds, DBL_TTL_DEFAULT, "ns1.gen.test", "hostmaster.gen.test", 3, 300);
	ns(ds, 3600, "ns1.gen.test", NULL);
	addtxt(ds, "@", true, 120, "wild");
	addtxt(ds, "host", false, 120, "host");
	{
		uint8_t caa[] = {0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a'};
		uint8_t cname[] = "\4host\3gen\4test";
		uint8_t soarr[64] = "\3ns1\3gen\4test";
		addrr(ds, "host", false, 257, 120, caa, sizeof caa);
		addrr(ds, "alias", false, 5, 120, cname, sizeof cname);
		/* an apex SOA as a BIND file has it: the zone record's wins */
		addrr(ds, "@", false, 6, 120, soarr, 15 + 1 + 20);
	}
	zadd(z, ds);

	/* dup.test: the same value from two datasets with other TTLs */
	z = zone("dup.test");
	ds = ds_new("ip4set", DBL_MERGE_UNION, 600);
	sub(ds, "");
	soa(ds, 3600, "ns1.bl.test", "hostmaster.dup.test", 1, 300);
	v = val(ds, "127.0.0.2", "same $");
	add4(ds, "127.0.0.2", "127.0.0.2", 32, v);
	zadd(z, ds);
	ds = ds_new("ip4trie", DBL_MERGE_FIRST, 60);
	sub(ds, "");
	v = val(ds, "127.0.0.2", "same $");
	add4(ds, "127.0.0.0", "127.0.0.255", 24, v);
	zadd(z, ds);

	if (!mkdtemp(strcpy(tmpdir, "/tmp/dbl-test-query-XXXXXX"))) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(dbpath, sizeof dbpath, "%s/gen-1.mdb", tmpdir);
	if (dbl_build_write(dbpath, zones, nzones, &bo, &st) != 0) {
		fprintf(stderr, "dbl_build_write failed\n");
		exit(2);
	}
}

void qt_open(void)
{
	qt_reset_opts();
	if (db)
		return;
	build_fixture();
	if (dbl_db_open_file(&db, dbpath) != 0 || dbl_rtxn_begin(&rtxn, db) != 0) {
		fprintf(stderr, "cannot open the fixture database\n");
		exit(2);
	}
	rtxn_open = true;
}

void qt_close(void)
{
	if (rtxn_open)
		dbl_rtxn_end(&rtxn);
	rtxn_open = false;
	if (db)
		dbl_db_close(db);
	db = NULL;
	for (size_t i = 0; i < nall_ds; i++)
		ds_free(all_ds[i]);
	nall_ds = 0;
	unlink(dbpath);
	rmdir(tmpdir);
}

struct dbl_rtxn *qt_rtxn(void)
{
	return &rtxn;
}

/* ---- requests ---- */

size_t qt_req(uint8_t *b, uint16_t id, uint8_t flags1, const char *name, uint16_t qtype,
              uint16_t qclass, int edns, uint8_t version, uint16_t eflags)
{
	size_t o = 12;
	const char *p = name;

	memset(b, 0, 12);
	dbl_put_u16(b, id);
	b[2] = flags1;
	b[5] = 1;
	while (*p && strcmp(p, ".") != 0) {
		const char *e = strchr(p, '.');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		b[o++] = (uint8_t)l;
		memcpy(b + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	b[o++] = 0;
	dbl_put_u16(b + o, qtype);
	dbl_put_u16(b + o + 2, qclass);
	o += 4;
	if (edns >= 0) {
		b[11] = 1;
		b[o] = 0;
		dbl_put_u16(b + o + 1, 41);
		dbl_put_u16(b + o + 3, (uint16_t)edns);
		dbl_put_u32(b + o + 5, ((uint32_t)version << 16) | eflags);
		dbl_put_u16(b + o + 9, 0);
		o += 11;
	}
	return o;
}

/* ---- response parsing ---- */

/* Decode the name at *off (pointers followed, at most 64 jumps); text with
 * a trailing dot. Returns false on a malformed name. */
static bool get_name(const uint8_t *b, size_t len, size_t *off, char *out, size_t cap)
{
	size_t o = *off, t = 0;
	bool jumped = false;
	int jumps = 0;

	out[0] = 0;
	for (;;) {
		uint8_t l;
		if (o >= len)
			return false;
		l = b[o];
		if ((l & 0xC0) == 0xC0) {
			if (o + 1 >= len || ++jumps > 64)
				return false;
			if (!jumped)
				*off = o + 2;
			jumped = true;
			o = ((size_t)(l & 0x3F) << 8) | b[o + 1];
			continue;
		}
		if (l == 0) {
			if (!jumped)
				*off = o + 1;
			if (t == 0)
				snprintf(out, cap, ".");
			return true;
		}
		if (o + 1 + l > len || t + l + 2 >= cap)
			return false;
		memcpy(out + t, b + o + 1, l);
		t += l;
		out[t++] = '.';
		out[t] = 0;
		o += 1 + (size_t)l;
	}
}

static void rdata_text(const uint8_t *b, size_t len, size_t off, uint16_t type, uint16_t rdlen,
                       char *out, size_t cap)
{
	const uint8_t *r = b + off;
	size_t o = off, t;
	char n1[300], n2[300]; /* names are at most 255 bytes */

	out[0] = 0;
	switch (type) {
	case 1:
		if (rdlen == 4)
			snprintf(out, cap, "%u.%u.%u.%u", r[0], r[1], r[2], r[3]);
		return;
	case 28:
		if (rdlen == 16)
			inet_ntop(AF_INET6, r, out, (socklen_t)cap);
		return;
	case 2:
	case 5:
		get_name(b, len, &o, out, cap);
		return;
	case 15:
		o += 2;
		get_name(b, len, &o, n1, sizeof n1);
		snprintf(out, cap, "%u %s", dbl_get_u16(r), n1);
		return;
	case 6:
		if (!get_name(b, len, &o, n1, sizeof n1) || !get_name(b, len, &o, n2, sizeof n2) ||
		    o + 20 > len)
			return;
		snprintf(out, cap, "%s %s %u %u %u %u %u", n1, n2, dbl_get_u32(b + o),
		         dbl_get_u32(b + o + 4), dbl_get_u32(b + o + 8), dbl_get_u32(b + o + 12),
		         dbl_get_u32(b + o + 16));
		return;
	case 16:
		t = 0;
		for (size_t i = 0; i < rdlen && t + 1 < cap;) {
			size_t l = r[i];
			if (t && t + 1 < cap)
				out[t++] = '|';
			for (size_t j = 0; j < l && i + 1 + j < rdlen && t + 1 < cap; j++)
				out[t++] = (char)r[i + 1 + j];
			i += 1 + l;
		}
		out[t] = 0;
		return;
	default:
		t = 0;
		for (size_t i = 0; i < rdlen && t + 3 < cap; i++)
			t += (size_t)snprintf(out + t, cap - t, "%02x", r[i]);
		return;
	}
}

static void parse(struct qt_resp *p)
{
	const uint8_t *b = p->b;
	size_t len = (size_t)p->n, o = 12;
	unsigned total;

	p->parse_ok = false;
	p->nrr = 0;
	p->opt = false;
	if (p->n < 12)
		return;
	p->id = dbl_get_u16(b);
	p->f1 = b[2];
	p->f2 = b[3];
	p->qr = b[2] & 0x80;
	p->opcode = (b[2] >> 3) & 0xF;
	p->aa = b[2] & 0x04;
	p->tc = b[2] & 0x02;
	p->rd = b[2] & 0x01;
	p->ra = b[3] & 0x80;
	p->rcode = b[3] & 0xF;
	p->qd = dbl_get_u16(b + 4);
	p->an = dbl_get_u16(b + 6);
	p->ns = dbl_get_u16(b + 8);
	p->ar = dbl_get_u16(b + 10);
	if (p->qd == 1) {
		if (!get_name(b, len, &o, p->qname, sizeof p->qname) || o + 4 > len)
			return;
		p->qtype = dbl_get_u16(b + o);
		p->qclass = dbl_get_u16(b + o + 2);
		o += 4;
	}
	total = (unsigned)p->an + p->ns + p->ar;
	for (unsigned i = 0; i < total; i++) {
		struct qt_rr *rr = &p->rr[p->nrr];
		size_t start = o;
		if (p->nrr >= (int)(sizeof p->rr / sizeof p->rr[0]))
			return;
		if (!get_name(b, len, &o, rr->owner, sizeof rr->owner) || o + 10 > len)
			return;
		rr->off = start;
		rr->type = dbl_get_u16(b + o);
		rr->klass = dbl_get_u16(b + o + 2);
		rr->ttl = dbl_get_u32(b + o + 4);
		rr->rdlen = dbl_get_u16(b + o + 8);
		o += 10;
		if (o + rr->rdlen > len)
			return;
		if (rr->type == 41) {
			p->opt = true;
			p->opt_payload = rr->klass;
			p->opt_ttl = rr->ttl;
			p->rcode |= (rr->ttl >> 24) << 4;
		} else {
			rdata_text(b, len, o, rr->type, rr->rdlen, rr->text, sizeof rr->text);
			p->nrr++;
		}
		o += rr->rdlen;
	}
	p->parse_ok = o == len;
}

struct qt_resp *qt_run(const uint8_t *req, size_t len, size_t cap)
{
	static struct qt_resp resp;

	memset(&resp.info, 0xAB, sizeof resp.info);
	resp.n = dbl_query(qt_rtxn_override ? qt_rtxn_override
	                   : db             ? &rtxn
	                                    : NULL,
	                   &qt_opts, &qt_env, req, len, resp.b, cap, &resp.info);
	if (resp.n > 0)
		parse(&resp);
	else
		resp.parse_ok = false, resp.nrr = 0;
	return &resp;
}

struct qt_resp *qt_q(const char *name, uint16_t qtype)
{
	uint8_t req[600];
	size_t n = qt_req(req, 0x1234, 0x01, name, qtype, 1, -1, 0, 0);
	return qt_run(req, n, 512);
}

struct qt_resp *qt_qe(const char *name, uint16_t qtype, int payload)
{
	uint8_t req[600];
	size_t n = qt_req(req, 0x1234, 0x01, name, qtype, 1, payload, 0, 0);
	return qt_run(req, n, 65535);
}

const struct qt_rr *qt_sec(const struct qt_resp *p, int sec, int k)
{
	static const struct qt_rr none;
	int base = sec == 0 ? 0 : sec == 1 ? p->an : p->an + p->ns;
	int n = sec == 0 ? p->an : sec == 1 ? p->ns : p->nrr - p->an - p->ns;
	if (k < 0 || k >= n || base + k >= p->nrr)
		return &none;
	return &p->rr[base + k];
}

bool qt_has(const struct qt_resp *p, int sec, uint16_t type, const char *text)
{
	int n = sec == 0 ? p->an : sec == 1 ? p->ns : p->nrr - p->an - p->ns;
	for (int k = 0; k < n; k++) {
		const struct qt_rr *rr = qt_sec(p, sec, k);
		if (rr->type == type && strcmp(rr->text, text) == 0)
			return true;
	}
	return false;
}
