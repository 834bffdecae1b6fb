/* test_soaw.c - the precompiled SOA names (dbl_resp_soa_prepare and
 * dbl_resp_soa_names) against the writer they stand in for: two
 * dbl_resp_name calls. For random zones, SOA names and questions drawn
 * from a few labels (so that names share suffixes with the zone, with each
 * other and with the labels of the question above the zone), with or
 * without earlier names in the dictionary and with tight limits, both
 * paths must leave the same bytes, length, overflow flag and dictionary. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "dbl_err.h"
#include "dbl_schema.h"
#include "dbl_wire.h"

#define ROUNDS 20000

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Few labels, so that suffixes repeat; "ns" and "hostmaster" as in SOAs. */
static const char *const LABELS[] = {"a", "b", "ns", "ns1", "zen", "bench", "hostmaster", "x"};

/* Append k random labels (wire form, no root) to p; returns the length. */
static size_t labels(uint8_t *p, unsigned k)
{
	size_t n = 0;

	for (unsigned i = 0; i < k; i++) {
		const char *l = LABELS[rnd(sizeof LABELS / sizeof LABELS[0])];
		p[n++] = (uint8_t)strlen(l);
		memcpy(p + n, l, strlen(l));
		n += strlen(l);
	}
	return n;
}

/* An SOA name: random labels, then (often) a suffix of the zone name. */
static size_t soa_name(uint8_t *p, const uint8_t *zone, size_t zlen)
{
	size_t n = labels(p, rnd(3)), off = 0;
	unsigned skip = rnd(4); /* 0: the whole zone (an in-zone name) */

	while (skip-- && zone[off])
		off += 1u + zone[off];
	memcpy(p + n, zone + off, zlen - off);
	return n + zlen - off;
}

struct side {
	uint8_t buf[1024];
	struct dbl_resp w;
	int rc;
};

/* Start a response to req (parsed into m) holding `pre` names already and
 * limited to lim bytes. */
static void start(struct side *s, const struct dbl_msg *m, const uint8_t *req, size_t lim,
                  const uint8_t *pre, unsigned npre)
{
	memset(s->buf, 0xEE, sizeof s->buf);
	dbl_resp_init(&s->w, s->buf, lim, m, req);
	for (unsigned i = 0; i < npre; i++)
		dbl_resp_name(&s->w, pre);
	dbl_resp_rr_begin(&s->w, DBL_HDR_LEN, DBL_T_SOA, DBL_C_IN, 900);
}

static void test_template_equals_writer(void)
{
	unsigned used = 0;

	for (unsigned round = 0; round < ROUNDS; round++) {
		uint8_t zone[DBL_NAME_MAX], mname[DBL_NAME_MAX], rname[DBL_NAME_MAX],
		    pre[DBL_NAME_MAX], req[600];
		struct dbl_wname zn;
		struct dbl_soa_wire t;
		struct dbl_msg m;
		struct side g, f;
		size_t zlen = labels(zone, 1 + rnd(3)), rel, n = DBL_HDR_LEN, lim;
		unsigned npre = rnd(4) == 0;

		zone[zlen++] = 0;
		zn.len = (uint8_t)zlen;
		memcpy(zn.b, zone, zlen);
		soa_name(mname, zone, zlen);
		soa_name(rname, zone, zlen);
		soa_name(pre, zone, zlen);
		dbl_resp_soa_prepare(&t, &zn, mname, rname);
		used += t.len > 0;

		/* The question: a few labels above the zone (or none: the apex),
		 * in any case (the writer compares the lowercased copy). */
		memset(req, 0, DBL_HDR_LEN);
		req[5] = 1;
		rel = labels(req + n, rnd(4));
		if (rnd(2))
			for (size_t i = n; i < n + rel; i++)
				if (req[i] >= 'a' && req[i] <= 'z' && rnd(3) == 0)
					req[i] = (uint8_t)(req[i] - 32);
		n += rel;
		memcpy(req + n, zone, zlen);
		n += zlen + 4;
		if (dbl_msg_parse(&m, req, n) != 0) {
			CHECK(0);
			continue;
		}
		lim = rnd(8) == 0 ? n + 12 + rnd(40) : sizeof g.buf;
		start(&g, &m, req, lim, pre, npre);
		start(&f, &m, req, lim, pre, npre);
		g.rc = dbl_resp_name(&g.w, mname);
		if (g.rc != DBL_ECORRUPT)
			g.rc = dbl_resp_name(&g.w, rname);
		f.rc = dbl_resp_soa_names(&f.w, &t, (uint16_t)(DBL_HDR_LEN + rel), mname, rname);
		CHECK_INT(f.rc, g.rc);
		CHECK_INT(f.w.len, g.w.len);
		CHECK_INT(f.w.over, g.w.over);
		CHECK(memcmp(f.buf, g.buf, sizeof f.buf) == 0);
		CHECK_INT(f.w.ndict, g.w.ndict);
		for (unsigned k = 0; k < f.w.ndict && k < g.w.ndict; k++) {
			CHECK_INT(f.w.dict[k].pos, g.w.dict[k].pos);
			CHECK_INT(f.w.dict[k].len, g.w.dict[k].len);
			CHECK(memcmp(f.w.dict[k].name, g.w.dict[k].name, g.w.dict[k].len) == 0);
		}
		if (check_failures > 20)
			break;
	}
	/* The comparison means something only where a template was built
	 * (test_applies shows that it is then used). */
	CHECK(used > ROUNDS / 2);
}

/* Which path ran: the template holds the names it was built from, so a
 * different RNAME passed in shows up only when the writer ran. Returns
 * true when the template was used. */
static bool used_template(const char *qname_wire, size_t qlen, unsigned npre)
{
	static const uint8_t zone[] = "\3zen\5bench", mname[] = "\3ns1\3zen\5bench",
	                     rname[] = "\12hostmaster\5bench", other[] = "\5other\5bench";
	struct dbl_wname zn = {sizeof zone, {0}};
	struct dbl_soa_wire t;
	struct dbl_msg m;
	struct side s;
	uint8_t req[300] = {0};

	memcpy(zn.b, zone, sizeof zone);
	dbl_resp_soa_prepare(&t, &zn, mname, rname);
	CHECK(t.len > 0);
	req[5] = 1;
	memcpy(req + DBL_HDR_LEN, qname_wire, qlen);
	CHECK_INT(dbl_msg_parse(&m, req, DBL_HDR_LEN + qlen + 4), 0);
	start(&s, &m, req, sizeof s.buf, mname, npre); /* its first label enters the dictionary */
	CHECK_INT(dbl_resp_soa_names(&s.w, &t, (uint16_t)(DBL_HDR_LEN + qlen - sizeof zone), mname,
	                             other),
	          0);
	return memmem(s.buf, s.w.len, "hostmaster", 10) != NULL;
}

static void test_applies(void)
{
	/* An address query below the zone: the template. */
	CHECK(used_template("\0012\0010\0010\003127\3zen\5bench", 21, 0));
	/* The apex itself. */
	CHECK(used_template("\3zen\5bench", 11, 0));
	/* A name already in the dictionary: the writer. */
	CHECK(!used_template("\0012\3zen\5bench", 13, 1));
	/* The question holds MNAME, longer than the zone name: the writer
	 * (it points into the question there). */
	CHECK(!used_template("\1x\3ns1\3zen\5bench", 17, 0));
}

/* A suffix's bytes inside a label of the question are no place to point
 * at: the question "\5a\3com" (one label of 5 bytes) ends in the bytes of
 * "\3com", but no label starts there, so the name is written out. Both
 * paths rest on this rule of the writer. */
static void test_suffix_inside_label(void)
{
	static const uint8_t q[] = "\5a\3com", com[] = "\3com";
	uint8_t req[64] = {0};
	struct dbl_msg m;
	struct side s;

	req[5] = 1;
	memcpy(req + DBL_HDR_LEN, q, sizeof q);
	CHECK_INT(dbl_msg_parse(&m, req, DBL_HDR_LEN + sizeof q + 4), 0);
	start(&s, &m, req, sizeof s.buf, com, 0);
	CHECK_INT(dbl_resp_name(&s.w, com), 0);
	CHECK(memcmp(s.buf + s.w.len - sizeof com, com, sizeof com) == 0);
}

/* Names that do not decode: no template, and the writer's error. */
static void test_corrupt_name(void)
{
	const uint8_t zone[] = "\3zen\5bench", bad[] = "\100xx";
	struct dbl_wname zn = {11, {0}};
	struct dbl_soa_wire t;

	memcpy(zn.b, zone, 11);
	dbl_resp_soa_prepare(&t, &zn, bad, zone);
	CHECK_INT(t.len, 0);
	dbl_resp_soa_prepare(&t, &zn, zone, zone);
	CHECK(t.len > 0);
}

TEST_MAIN(test_template_equals_writer, test_applies, test_suffix_inside_label, test_corrupt_name)
