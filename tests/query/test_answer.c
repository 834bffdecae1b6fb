/* test_answer.c - dbl_query() answers from zone data: contract section 3
 * (keys, listed/NODATA/NXDOMAIN, apex, TTLs) and section 6 rows 5-10
 * (empty non-terminals, v4-mapped, negative TTL, NS in authority, leading
 * zeros, 255-byte TXT), plus combined subzones, dnset wildcards and
 * exclusions, generic data, TXT substitution and name compression. */
#include <string.h>

#include "check.h"
#include "dbl_schema.h"
#include "qtest.h"

#define T_A     1
#define T_NS    2
#define T_CNAME 5
#define T_SOA   6
#define T_MX    15
#define T_TXT   16
#define T_AAAA  28
#define T_ANY   255

#define BL_SOA "ns1.bl.test. hostmaster.bl.test. 1690000000 7200 1800 604800 300"

/* The 32 reversed nibbles of an IPv6 address written as 32 hex digits. */
static const char *nib(const char *hex32, const char *zone)
{
	static char buf[300];
	size_t o = 0;
	for (int i = 31; i >= 0; i--) {
		buf[o++] = hex32[i];
		buf[o++] = '.';
	}
	strcpy(buf + o, zone);
	return buf;
}

#define MAPPED_7F000002 "00000000000000000000ffff7f000002"

/* ---- contract 3: keys and listed answers ---- */

static void test_ip4_listed_a(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.bl.test", T_A);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->qr && !p->tc);
	CHECK(p->an == 1 && p->ns == 0 && p->ar == 0); /* contract 6.8: no NS by default */
	CHECK_INT(qt_sec(p, 0, 0)->type, T_A);
	CHECK_INT(qt_sec(p, 0, 0)->klass, 1);
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 2100); /* no $TTL: the server default */
	CHECK_STR(qt_sec(p, 0, 0)->text, "127.0.0.2");
	/* the owner is a pointer to the question name */
	CHECK(p->b[qt_sec(p, 0, 0)->off] == 0xC0 && p->b[qt_sec(p, 0, 0)->off + 1] == 0x0C);
	CHECK(p->parse_ok);
	qt_opts.default_ttl = 77;
	CHECK_INT(qt_sec(qt_q("2.0.0.127.bl.test", T_A), 0, 0)->ttl, 77);
	qt_reset_opts();
}

static void test_ip4_listed_txt(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.bl.test", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 1);
	CHECK_INT(qt_sec(p, 0, 0)->type, T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "Listed, see http://bl.test/lookup?ip=127.0.0.2");
	/* "$$" is "$" */
	p = qt_q("4.0.0.127.bl.test", T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "cost $5 for 127.0.0.4");
	/* a value without TXT: NODATA for TXT */
	p = qt_q("3.0.0.127.bl.test", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK(p->an == 0 && p->ns == 1);
	CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
	/* range entry: the subject is the queried address */
	p = qt_q("77.0.0.10.bl.test", T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "Listed, see http://bl.test/lookup?ip=10.0.0.77");
}

static void test_ip4_listed_any(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 1, 0x01, "2.0.0.127.bl.test", T_ANY, 1, -1, 0, 0);
	struct qt_resp *p = qt_run(req, n, 512);

	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 2);
	CHECK(qt_has(p, 0, T_A, "127.0.0.2"));
	CHECK(qt_has(p, 0, T_TXT, "Listed, see http://bl.test/lookup?ip=127.0.0.2"));
	p = qt_q("3.0.0.127.bl.test", T_ANY);
	CHECK(p->an == 1 && qt_has(p, 0, T_A, "127.0.0.3"));
}

static void test_listed_other_qtype_nodata(void)
{
	static const uint16_t types[] = {T_AAAA, T_MX, T_NS, T_SOA, T_CNAME, 257};
	for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct qt_resp *p = qt_q("2.0.0.127.bl.test", types[i]);
		CHECK_INT(p->rcode, 0);
		CHECK(p->aa && p->an == 0 && p->ns == 1 && p->ar == 0);
		CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
		CHECK_STR(qt_sec(p, 1, 0)->owner, "bl.test.");
		CHECK_STR(qt_sec(p, 1, 0)->text, BL_SOA);
		CHECK_INT(qt_sec(p, 1, 0)->ttl, 300);
	}
}

static void test_not_listed_nxdomain(void)
{
	struct qt_resp *p = qt_q("1.0.0.127.bl.test", T_A);
	CHECK_INT(p->rcode, 3);
	CHECK(p->aa && p->an == 0 && p->ns == 1 && p->ar == 0);
	CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
	CHECK_STR(qt_sec(p, 1, 0)->text, BL_SOA); /* serial 0 -> newest mtime */
	/* exclusion inside a listed range, and its neighbour */
	CHECK_INT(qt_q("5.0.0.10.bl.test", T_A)->rcode, 3);
	p = qt_q("6.0.0.10.bl.test", T_A);
	CHECK(p->rcode == 0 && p->an == 1);
	/* not a key at all */
	CHECK_INT(qt_q("foo.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("1.2.0.0.127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("256.0.0.127.bl.test", T_A)->rcode, 3);
}

static void test_ip6_key(void)
{
	struct qt_resp *p = qt_q(nib("20010db8000000000000000000000005", "v6.test"), T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 1);
	CHECK_STR(qt_sec(p, 0, 0)->text, "v6 2001:db8::5");
	p = qt_q(nib("20010db8000000000000000000000005", "v6.test"), T_A);
	CHECK(p->an == 1 && qt_has(p, 0, T_A, "127.0.0.2"));
	/* inside a /48: the subject is the queried address */
	p = qt_q(nib("20010db8000100000000000000000007", "v6.test"), T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "v6 2001:db8:1::7");
	/* upper-case nibbles are the same key; the owner keeps the case */
	p = qt_q(nib("20010DB8000000000000000000000005", "v6.test"), T_A);
	CHECK(p->rcode == 0 && p->an == 1);
	CHECK(strstr(p->qname, "B.D") != NULL);
	/* not listed */
	p = qt_q(nib("20010db8000000000000000000000006", "v6.test"), T_A);
	CHECK_INT(p->rcode, 3);
	CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
	/* 33 nibbles or a 2-character label are not keys */
	CHECK_INT(qt_q(nib("20010db8000000000000000000000005", "0.v6.test"), T_A)->rcode, 3);
}

static void test_dnset(void)
{
	struct qt_resp *p = qt_q("example.dbl.test", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK_STR(qt_sec(p, 0, 0)->text, "Domain example listed");
	/* RFC 5782 test points */
	CHECK_INT(qt_q("test.dbl.test", T_A)->an, 1);
	CHECK_INT(qt_q("invalid.dbl.test", T_A)->rcode, 3);
	/* *.wild.example: "$" is the matched entry, not the query name */
	p = qt_q("a.wild.example.dbl.test", T_ANY);
	CHECK(p->rcode == 0 && p->an == 2);
	CHECK(qt_has(p, 0, T_A, "127.0.1.2"));
	CHECK(qt_has(p, 0, T_TXT, "Domain wild.example listed"));
	p = qt_q("b.a.wild.example.dbl.test", T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "Domain wild.example listed");
	/* .dot.example: the name and below; an exact exclusion below */
	p = qt_q("dot.example.dbl.test", T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "dot dot.example");
	p = qt_q("z.dot.example.dbl.test", T_TXT);
	CHECK_STR(qt_sec(p, 0, 0)->text, "dot dot.example");
	CHECK_INT(qt_q("x.dot.example.dbl.test", T_A)->rcode, 3);
	/* a plain exclusion does not protect names below it (as rbldnsd) */
	p = qt_q("y.x.dot.example.dbl.test", T_A);
	CHECK(p->rcode == 0 && p->an == 1);
	/* a wildcard exclusion below a wildcard */
	p = qt_q("no.wild.example.dbl.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "Domain wild.example listed"));
	CHECK_INT(qt_q("a.no.wild.example.dbl.test", T_A)->rcode, 3);
	/* names of more than 8 labels walk from the scope down */
	p = qt_q("a.b.c.d.e.f.g.h.i.wild.example.dbl.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "Domain wild.example listed"));
	p = qt_q("a.b.c.d.e.f.g.h.i.y.x.dot.example.dbl.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "dot dot.example"));
	CHECK_INT(qt_q("a.b.c.d.e.f.g.h.i.no.wild.example.dbl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("1.2.3.4.5.6.7.8.9.nothere.dbl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("1.2.3.4.5.6.7.8.9.www.deep.example.dbl.test", T_A)->rcode, 3);
	/* case: matched case-insensitively, the question keeps its case,
	 * the subject is the lowercased entry */
	p = qt_q("UPPER.Example.NET.DBL.TEST", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK_STR(p->qname, "UPPER.Example.NET.DBL.TEST.");
	CHECK_STR(qt_sec(p, 0, 0)->owner, "UPPER.Example.NET.DBL.TEST.");
	CHECK_STR(qt_sec(p, 0, 0)->text, "Domain upper.example.net listed");
}

/* ---- contract 3: apex ---- */

static void test_apex_soa(void)
{
	struct qt_resp *p = qt_q("bl.test", T_SOA);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 1 && p->ns == 0);
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 3600);
	CHECK_STR(qt_sec(p, 0, 0)->text, BL_SOA);
	/* SOA TTL "default" */
	p = qt_q("gen.test", T_SOA);
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 2100);
	/* names compress into the question and take its case (as rbldnsd) */
	p = qt_q("BL.Test", T_SOA);
	CHECK_STR(qt_sec(p, 0, 0)->owner, "BL.Test.");
	CHECK_STR(qt_sec(p, 0, 0)->text,
	          "ns1.BL.Test. hostmaster.BL.Test. 1690000000 7200 1800 604800 300");
	CHECK(p->parse_ok);
}

static void test_apex_ns_glue(void)
{
	struct qt_resp *p = qt_q("bl.test", T_NS);
	/* default (rbldnsd -a): no glue */
	CHECK(p->rcode == 0 && p->an == 2 && p->ar == 0);
	qt_opts.ns_in_auth = true; /* non-lazy: glue in ADDITIONAL */
	p = qt_q("bl.test", T_NS);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 2 && p->ns == 0 && p->ar == 3);
	CHECK(qt_has(p, 0, T_NS, "ns1.bl.test."));
	CHECK(qt_has(p, 0, T_NS, "ns2.bl.test."));
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 86400);
	CHECK(qt_has(p, 2, T_A, "192.0.2.1"));
	CHECK(qt_has(p, 2, T_A, "192.0.2.2"));
	CHECK(qt_has(p, 2, T_AAAA, "2001:db8::2"));
	CHECK_STR(qt_sec(p, 2, 0)->owner, "ns1.bl.test.");
	CHECK(p->parse_ok);
	/* glue from another zone's data; NS TTL */
	p = qt_q("zen.test", T_NS);
	CHECK(p->an == 1 && p->ar == 1);
	CHECK(qt_has(p, 2, T_A, "192.0.2.1"));
	/* NS without glue */
	p = qt_q("dbl.test", T_NS);
	CHECK(p->an == 1 && p->ar == 0);
	qt_reset_opts();
}

static void test_apex_any(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 1, 0x01, "bl.test", T_ANY, 1, -1, 0, 0);
	struct qt_resp *p = qt_run(req, n, 512);

	CHECK_INT(p->rcode, 0);
	CHECK(p->aa);
	CHECK_INT(p->an, 6); /* SOA, 2 NS, A, MX, TXT (as rbldnsd) */
	CHECK(qt_has(p, 0, T_SOA, BL_SOA));
	CHECK(qt_has(p, 0, T_NS, "ns1.bl.test."));
	CHECK(qt_has(p, 0, T_A, "192.0.2.80"));
	CHECK(qt_has(p, 0, T_MX, "10 mail.bl.test."));
	CHECK(qt_has(p, 0, T_TXT, "bl.test list"));
	CHECK_INT(p->ar, 0); /* no glue by default (rbldnsd -a) */
	/* the BIND-style apex SOA does not repeat the zone's */
	p = qt_q("gen.test", T_ANY);
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 2); /* SOA + NS */
}

static void test_apex_other_types(void)
{
	struct qt_resp *p = qt_q("bl.test", T_A);
	CHECK(p->rcode == 0 && p->aa && p->an == 1);
	CHECK_STR(qt_sec(p, 0, 0)->text, "192.0.2.80");
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 600);
	p = qt_q("bl.test", T_MX);
	CHECK(p->an == 1 && qt_sec(p, 0, 0)->ttl == 2100);
	p = qt_q("bl.test", T_AAAA);
	CHECK(p->rcode == 0 && p->aa && p->an == 0 && p->ns == 1);
	CHECK_INT(qt_sec(p, 1, 0)->ttl, 300);
	p = qt_q("dbl.test", T_A);
	CHECK(p->rcode == 0 && p->an == 0 && p->ns == 1);
	p = qt_q("dbl.test", 257);
	CHECK(p->rcode == 0 && p->an == 0);
}

static void test_apex_refused(void)
{
	/* SOA but no NS (as rbldnsd): NS and ANY refused, SOA fine */
	struct qt_resp *p = qt_q("v6.test", T_NS);
	CHECK_INT(p->rcode, 5);
	CHECK(!p->aa && p->an == 0 && p->ns == 0 && p->ar == 0);
	CHECK_INT(qt_q("v6.test", T_ANY)->rcode, 5);
	CHECK_INT(qt_q("v6.test", T_SOA)->rcode, 0);
	CHECK_INT(qt_q("v6.test", T_A)->rcode, 0);
	/* no SOA: SOA refused; negative answers carry no SOA */
	p = qt_q("nosoa.test", T_SOA);
	CHECK(p->rcode == 5 && !p->aa);
	CHECK_INT(qt_q("nosoa.test", T_NS)->rcode, 5);
	p = qt_q("nosoa.test", T_A);
	CHECK(p->rcode == 0 && p->aa && p->an == 0 && p->ns == 0);
	p = qt_q("1.0.0.127.nosoa.test", T_A);
	CHECK(p->rcode == 3 && p->aa && p->ns == 0);
	p = qt_q("2.0.0.127.nosoa.test", T_A);
	CHECK(p->rcode == 0 && p->an == 1);
}

/* ---- combined subzones, TTL unification ---- */

static void test_combined(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.zen.test", T_A);
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 2);
	CHECK(qt_has(p, 0, T_A, "127.0.0.2") && qt_has(p, 0, T_A, "127.0.0.4"));
	/* $TTL 900 and 300: both 300 (as rbldnsd) */
	CHECK(qt_sec(p, 0, 0)->ttl == 300 && qt_sec(p, 0, 1)->ttl == 300);
	p = qt_q("2.0.0.127.zen.test", T_TXT);
	CHECK_INT(p->an, 2);
	CHECK(qt_has(p, 0, T_TXT, "SBL listed 127.0.0.2"));
	CHECK(qt_has(p, 0, T_TXT, "XBL listed 127.0.0.2"));
	/* one subzone */
	p = qt_q("2.0.0.127.sbl.zen.test", T_A);
	CHECK(p->an == 1 && qt_has(p, 0, T_A, "127.0.0.2") && qt_sec(p, 0, 0)->ttl == 900);
	p = qt_q("2.0.0.127.xbl.zen.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "XBL listed 127.0.0.2"));
	CHECK_INT(qt_q("3.2.0.192.xbl.zen.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("3.2.0.192.sbl.zen.test", T_A)->rcode, 0);
	/* a subzone's apex: NODATA (as rbldnsd) */
	p = qt_q("sbl.zen.test", T_A);
	CHECK(p->rcode == 0 && p->aa && p->an == 0 && p->ns == 1);
	CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
	/* a two-label subzone, and the name above it */
	p = qt_q("2.0.0.127.a.b.zen.test", T_A);
	CHECK(p->an == 1 && qt_has(p, 0, T_A, "127.0.0.5"));
	CHECK_INT(qt_q("b.zen.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("c.zen.test", T_A)->rcode, 3);
}

static void test_duplicates_and_ttl(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 1, 0x01, "2.0.0.127.dup.test", T_ANY, 1, -1, 0, 0);
	struct qt_resp *p = qt_run(req, n, 512);

	/* the same A and TXT from two datasets: once each, smallest TTL */
	CHECK_INT(p->an, 2);
	CHECK(qt_has(p, 0, T_A, "127.0.0.2"));
	CHECK(qt_has(p, 0, T_TXT, "same 127.0.0.2"));
	CHECK(qt_sec(p, 0, 0)->ttl == 60 && qt_sec(p, 0, 1)->ttl == 60);
	p = qt_q("3.0.0.127.dup.test", T_A);
	CHECK(p->an == 1 && qt_sec(p, 0, 0)->ttl == 60);
}

/* ---- contract 6.5: empty non-terminals ---- */

static void test_ent_ip4(void)
{
	static const char *ent[] = {"0.0.127.bl.test", "0.127.bl.test", "127.bl.test",
	                            "0.0.10.bl.test", "10.bl.test"};
	for (unsigned i = 0; i < sizeof ent / sizeof ent[0]; i++) {
		struct qt_resp *p = qt_q(ent[i], T_A);
		CHECK_INT(p->rcode, 0);
		CHECK(p->aa && p->an == 0 && p->ns == 1);
		CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
	}
	CHECK_INT(qt_q("1.0.127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("11.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("00.0.127.bl.test", T_A)->rcode, 3); /* not canonical */
	/* a complete key that is not listed is still NXDOMAIN */
	CHECK_INT(qt_q("1.0.0.127.bl.test", T_A)->rcode, 3);
}

static void test_ent_ip6(void)
{
	/* 2001:db8::/32 listed in zen.test; 2001:db8::5 in v6.test */
	CHECK_INT(qt_q("8.b.d.0.1.0.0.2.zen.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("2.zen.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("9.b.d.0.1.0.0.2.zen.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("0.0.0.0.8.b.d.0.1.0.0.2.v6.test", T_AAAA)->rcode, 0);
	CHECK_INT(qt_q("1.0.0.0.8.b.d.0.1.0.0.2.v6.test", T_AAAA)->rcode, 0); /* 2001:db8:1::/48 */
	CHECK_INT(qt_q("2.0.0.0.8.b.d.0.1.0.0.2.v6.test", T_AAAA)->rcode, 3);
	/* on the way down to ::ffff:127.0.0.2 in an IPv4-only zone */
	CHECK_INT(qt_q(nib(MAPPED_7F000002, "bl.test") + 2, T_A)->rcode, 0);
	CHECK_INT(qt_q(nib(MAPPED_7F000002, "bl.test") + 2 * 12, T_A)->rcode, 0);
	CHECK_INT(qt_q(nib("00000000000000000000ffff0b000002", "bl.test") + 2 * 6, T_A)->rcode, 3);
	CHECK_INT(qt_q("0.bl.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("1.bl.test", T_A)->rcode, 3); /* neither 1/8 nor ::/4 above IPv4 */
}

static void test_ent_names(void)
{
	CHECK_INT(qt_q("deep.example.dbl.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("example.net.dbl.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("net.dbl.test", T_TXT)->rcode, 0);
	CHECK_INT(qt_q("NET.dbl.test", T_TXT)->rcode, 0);
	CHECK_INT(qt_q("nothere.dbl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("x.www.deep.example.dbl.test", T_A)->rcode, 3);
	/* a wildcard lists the names below: the name itself exists */
	CHECK_INT(qt_q("wild.example.dbl.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("wild.example.dbl.test", T_A)->an, 0);
}

/* ---- contract 6.6: v4-mapped queries, and 6to4 ---- */

static void test_v4mapped(void)
{
	struct qt_resp *p = qt_q(nib(MAPPED_7F000002, "zen.test"), T_A);
	/* IPv4 data (SBL+XBL) and the IPv6 entry */
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 3);
	CHECK(qt_has(p, 0, T_A, "127.0.0.2") && qt_has(p, 0, T_A, "127.0.0.4") &&
	      qt_has(p, 0, T_A, "127.0.0.10"));
	p = qt_q(nib(MAPPED_7F000002, "zen.test"), T_TXT);
	CHECK(qt_has(p, 0, T_TXT, "SBL listed 127.0.0.2"));
	CHECK(qt_has(p, 0, T_TXT, "v6 ::ffff:7f00:2"));
	/* IPv4-only zone */
	p = qt_q(nib(MAPPED_7F000002, "bl.test"), T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "Listed, see http://bl.test/lookup?ip=127.0.0.2"));
	CHECK_INT(qt_q(nib("00000000000000000000ffff7f000001", "bl.test"), T_A)->rcode, 3);
	/* IPv6-only zone: the IPv6 entry */
	p = qt_q(nib(MAPPED_7F000002, "v6.test"), T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "v6 ::ffff:7f00:2"));
	/* 6to4 2002:7f00:0002::/48 consults the IPv4 data too */
	p = qt_q(nib("20027f00000200000000000000000001", "bl.test"), T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "Listed, see http://bl.test/lookup?ip=127.0.0.2"));
	/* ::127.0.0.2 (v4-compatible) is not mapped */
	CHECK_INT(qt_q(nib("0000000000000000000000007f000002", "bl.test"), T_A)->rcode, 3);
}

/* ---- contract 6.7: negative TTL ---- */

static void test_negative_ttl(void)
{
	/* min(3600, 300) */
	CHECK_INT(qt_sec(qt_q("1.0.0.127.bl.test", T_A), 1, 0)->ttl, 300);
	/* min(60, 300): rbldnsd would say 300 */
	struct qt_resp *p = qt_q("1.0.0.127.sub.bl.test", T_A);
	CHECK_INT(p->rcode, 3);
	CHECK_INT(qt_sec(p, 1, 0)->ttl, 60);
	CHECK_INT(qt_sec(qt_q("2.0.0.127.sub.bl.test", T_MX), 1, 0)->ttl, 60);
	/* SOA TTL "default" (2100): min(2100, 300) */
	CHECK_INT(qt_sec(qt_q("nothere.gen.test", T_MX), 1, 0)->ttl, 300);
}

/* ---- contract 6.8: NS in authority on request ---- */

static void test_ns_in_auth(void)
{
	struct qt_resp *p;

	qt_opts.ns_in_auth = true;
	p = qt_q("2.0.0.127.bl.test", T_A);
	CHECK(p->an == 1 && p->ns == 2 && p->ar == 3);
	CHECK(qt_has(p, 1, T_NS, "ns1.bl.test."));
	CHECK_INT(qt_sec(p, 1, 0)->ttl, 86400);
	CHECK_STR(qt_sec(p, 1, 0)->owner, "bl.test.");
	CHECK(qt_has(p, 2, T_A, "192.0.2.1"));
	CHECK(p->parse_ok);
	/* negative answers keep the SOA only */
	p = qt_q("1.0.0.127.bl.test", T_A);
	CHECK(p->ns == 1 && qt_sec(p, 1, 0)->type == T_SOA && p->ar == 0);
	/* the NS query does not repeat its answer in AUTHORITY */
	p = qt_q("bl.test", T_NS);
	CHECK(p->an == 2 && p->ns == 0);
	p = qt_q("bl.test", T_SOA);
	CHECK(p->an == 1 && p->ns == 2);
	/* a zone without NS */
	p = qt_q("2.0.0.127.sub.bl.test", T_A);
	CHECK(p->an == 1 && p->ns == 0);
	/* optional: left out rather than truncating */
	p = qt_q("2.0.0.127.big.test", T_A);
	CHECK(p->tc);
	qt_reset_opts();
}

/* ---- contract 6.9 and 6.10 ---- */

static void test_leading_zeros(void)
{
	CHECK_INT(qt_q("002.0.0.127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("02.0.0.127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("2.00.0.127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("2.0.0.0127.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->rcode, 0);
}

static void test_txt_255(void)
{
	struct qt_resp *p = qt_q("long.example.dbl.test", T_TXT);
	const struct qt_rr *rr = qt_sec(p, 0, 0);
	char want[300];

	CHECK_INT(rr->rdlen, 256);
	memset(want, 'a', 250);
	memcpy(want + 250, "long.", 5); /* the subject, cut at 255 */
	want[255] = 0;
	CHECK_STR(rr->text, want);
	p = qt_q("full.example.dbl.test", T_TXT);
	CHECK_INT(qt_sec(p, 0, 0)->rdlen, 256);
}

/* ---- generic / BIND data ---- */

static void test_generic(void)
{
	struct qt_resp *p = qt_q("host.gen.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "host"));
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 120);
	p = qt_q("host.gen.test", 257);
	CHECK(p->an == 1 && qt_has(p, 0, 257, "000569737375656361"));
	/* a wildcard at the apex */
	p = qt_q("anything.gen.test", T_TXT);
	CHECK(p->rcode == 0 && p->an == 1 && qt_has(p, 0, T_TXT, "wild"));
	p = qt_q("a.b.c.gen.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "wild"));
	p = qt_q("a.b.c.d.e.f.g.h.i.j.k.gen.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "wild"));
	p = qt_q("a.b.c.d.e.f.g.h.i.j.k.host.gen.test", T_TXT);
	CHECK(p->an == 1 && qt_has(p, 0, T_TXT, "wild"));
	p = qt_q("anything.gen.test", T_A);
	CHECK(p->rcode == 0 && p->an == 0 && p->ns == 1);
	/* CNAME answers any type, not chased */
	p = qt_q("alias.gen.test", T_A);
	CHECK(p->an == 1 && qt_has(p, 0, T_CNAME, "host.gen.test."));
	/* glue names are ordinary data */
	p = qt_q("ns2.bl.test", T_ANY);
	CHECK(p->an == 2 && qt_has(p, 0, T_AAAA, "2001:db8::2"));
	p = qt_q("www.bl.test", T_A);
	CHECK(p->an == 1 && qt_has(p, 0, T_A, "192.0.2.80") && !p->info.listed);
}

/* ---- name compression of SOA/NS owners ---- */

static void test_soa_owner_pointer(void)
{
	struct qt_resp *p = qt_q("1.0.0.127.BL.TEST", T_A);
	const struct qt_rr *soa = qt_sec(p, 1, 0);
	/* owner: pointer to offset 12 + 10 (after "1.0.0.127.") */
	CHECK(p->b[soa->off] == 0xC0 && p->b[soa->off + 1] == 22);
	CHECK_STR(soa->owner, "BL.TEST.");
	CHECK_STR(soa->text, "ns1.BL.TEST. hostmaster.BL.TEST. 1690000000 7200 1800 604800 300");
	/* SOA names outside the zone are written out */
	p = qt_q("1.0.0.127.zen.test", T_A);
	CHECK_STR(qt_sec(p, 1, 0)->text,
	          "ns1.bl.test. hostmaster.zen.test. 7 7200 1800 604800 300");
	CHECK(p->parse_ok);
}

static void setup(void)
{
	qt_open();
}

static void teardown(void)
{
	qt_close();
}

/* Freshness record at _dnsbl.<zone> (issue 3): answered even when the zone
 * itself answers SERVFAIL, so an operator can see why. */
static void test_status_record(void)
{
	struct qt_resp *p = qt_q("_DNSBL.bl.test", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK(p->aa && p->an == 1);
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 0);
	CHECK(strstr(qt_sec(p, 0, 0)->text, "state=ok") != NULL);
	CHECK(strstr(qt_sec(p, 0, 0)->text, "serial=1690000000") != NULL);
	CHECK(strstr(qt_sec(p, 0, 0)->text, "generation=") != NULL);
	CHECK(strstr(qt_sec(p, 0, 0)->text, "age=") != NULL);
	p = qt_q("_dnsbl.expired.test", T_TXT);
	CHECK_INT(p->rcode, 0);
	CHECK(p->an == 1 && strstr(qt_sec(p, 0, 0)->text, "state=expired") != NULL);
	CHECK_INT(qt_q("2.0.0.127.expired.test", T_A)->rcode, 2); /* data: SERVFAIL */
	p = qt_q("_dnsbl.failed.test", T_ANY);
	CHECK(p->an == 1 && strstr(qt_sec(p, 0, 0)->text, "state=failed") != NULL);
	p = qt_q("_dnsbl.bl.test", T_A); /* other types: NODATA */
	CHECK(p->rcode == 0 && p->an == 0 && p->ns == 1);
	/* only directly under the zone apex */
	CHECK_INT(qt_q("x._dnsbl.bl.test", T_TXT)->an, 0);
}

TEST_MAIN(setup, test_ip4_listed_a, test_ip4_listed_txt, test_ip4_listed_any,
          test_listed_other_qtype_nodata, test_not_listed_nxdomain, test_ip6_key, test_dnset,
          test_apex_soa, test_apex_ns_glue, test_apex_any, test_apex_other_types, test_apex_refused,
          test_combined, test_duplicates_and_ttl, test_ent_ip4, test_ent_ip6, test_ent_names,
          test_v4mapped, test_negative_ttl, test_ns_in_auth, test_leading_zeros, test_txt_255,
          test_generic, test_soa_owner_pointer, test_status_record, teardown)
