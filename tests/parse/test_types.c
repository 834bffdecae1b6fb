/* test_types.c - ip6tset, ip6trie, dnset and generic datasets. */
#include <arpa/inet.h>

#include "dbl_schema.h"
#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static struct dbl_dsdata *L(const char *type, const char *content)
{
	int rc = pt_load(type, content, &ds, &nds);
	CHECK_INT(rc, 0);
	return rc ? NULL : ds[0];
}

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

#define q6 pt_q6s

static void test_ip6tset(void)
{
	struct dbl_dsdata *d = L("ip6tset", "2001:db8:1:2\n"
	                                    "!2001:db8:1:2::5\n"
	                                    "2001:db8::\n"    /* 128 bits: not a /64 */
	                                    "2001:db8:1\n"    /* 48 bits */
	                                    "!2001:db8:1:3\n" /* exclusion must be /128 */
	                                    "::1\n"           /* a ':' line: bad default */
	                                    ":127.0.0.3:v6 $\n"
	                                    "2001:db8:ffff:ffff :9:ignored\n");
	if (!d)
		return;
	CHECK_STR(q6(d, "2001:db8:1:2::1"), "127.0.0.3:v6 $");
	CHECK_STR(q6(d, "2001:db8:1:2:ffff:ffff:ffff:ffff"), "127.0.0.3:v6 $");
	CHECK_STR(q6(d, "2001:db8:1:2::5"), "");
	CHECK_STR(q6(d, "2001:db8:1:3::1"), "");
	CHECK_STR(q6(d, "2001:db8:ffff:ffff::"), "127.0.0.3:v6 $");
	CHECK_INT(d->nwarnings, 4);
	CHECK(strstr(pt_log, "data:3: invalid address for regular entry (should be 64 bits)"));
	CHECK(strstr(pt_log, "data:6: invalid A RR"));
	CHECK_INT(d->nip6, 3);
	done();
}

static void test_ip6trie(void)
{
	struct dbl_dsdata *d = L("ip6trie", ":127.0.1.2:Listed $\n"
	                                    "2001:21ab:c000/36\n"
	                                    "2001:21ab:def7:4242 :127.0.1.3:smelly\n"
	                                    "!2605:6001:42::bead\n"
	                                    "2605:6001:42::/48\n"
	                                    "::1\n" /* an address, not a default */
	                                    "::ffff:7f00:2\n"
	                                    "2001\n"           /* bare single group */
	                                    "2001:db8::1/64\n" /* host bits */
	                                    "2001:db8::/129\n"
	                                    "1:2:3:4:5:6:7:8:9\n"
	                                    "2001:21ab:c000/36 :5\n" /* duplicate */
	                                    "gggg::\n");
	if (!d)
		return;
	CHECK_INT(d->merge, DBL_MERGE_FIRST);
	CHECK_STR(q6(d, "2001:21ab:c123::1"), "127.0.1.2:Listed $");
	CHECK_STR(q6(d, "2001:21ab:d000::1"), "");
	CHECK_STR(q6(d, "2001:21ab:def7:4242:1::"), "127.0.1.3:smelly");
	CHECK_STR(q6(d, "2605:6001:42::bead"), "");
	CHECK_STR(q6(d, "2605:6001:42::beef"), "127.0.1.2:Listed $");
	CHECK_STR(q6(d, "::1"), "127.0.1.2:Listed $");
	CHECK_STR(q6(d, "::ffff:127.0.0.2"), "127.0.1.2:Listed $");
	/* rbldnsd quirk: 8 groups end the address, ":9" is then a value */
	CHECK_STR(q6(d, "1:2:3:4:5:6:7:8"), "127.0.0.9:Listed $");
	CHECK_INT(d->nwarnings, 5);
	CHECK(strstr(pt_log, "data:9: invalid range (non-zero host part)"));
	CHECK(strstr(pt_log, "duplicated IPv6 entry"));
	for (size_t i = 0; i < d->nip6; i++)
		if (d->ip6[i].lo[0] == 0x20 && d->ip6[i].lo[1] == 0x01 && d->ip6[i].lo[2] == 0x21)
			CHECK(d->ip6[i].prio == 36 || d->ip6[i].prio == 64);
	done();
	pt_opts.accept_host_bits = true;
	d = L("ip6trie", "2001:db8::1/64\n");
	pt_opts.accept_host_bits = false;
	if (d) {
		CHECK_INT(d->nwarnings, 0);
		CHECK_STR(q6(d, "2001:db8::77"), "127.0.0.2:-");
	}
	done();
}

static const char *nv(const struct dbl_dsdata *d, const char *name, bool wild)
{
	int i = pt_findname(d, name, wild);
	return i < 0 ? "none" : pt_val(d, d->names[i].vid);
}

static void test_dnset(void)
{
	struct dbl_dsdata *d = L("dnset", ":127.0.1.2:Domain $ listed\n"
	                                  "Example.COM\n"
	                                  "*.wild.example :3\n"
	                                  ".dot.example :4:dot\n"
	                                  "!excluded.dot.example\n"
	                                  "! *.ex2.example\n"
	                                  "trailing.dot.\n"
	                                  "test\n"
	                                  "\n"
	                                  ".\n" /* empty name */
	                                  "*.\n"
	                                  "a..b\n"
	                                  "x.example :0\n" /* bad value: skipped */
	                                  "this-label-is-longer-than-sixty-three-characters-which-"
	                                  "rfc1035-forbids.example\n");
	if (!d)
		return;
	CHECK_STR(nv(d, "example.com", false), "127.0.1.2:Domain $ listed");
	CHECK_STR(nv(d, "example.com", true), "none");
	CHECK_STR(nv(d, "wild.example", false), "none");
	CHECK_STR(nv(d, "wild.example", true), "127.0.0.3:Domain $ listed");
	CHECK_STR(nv(d, "dot.example", false), "127.0.0.4:dot");
	CHECK_STR(nv(d, "dot.example", true), "127.0.0.4:dot");
	CHECK_STR(nv(d, "excluded.dot.example", false), "EXCL");
	CHECK_STR(nv(d, "ex2.example", true), "EXCL");
	CHECK_STR(nv(d, "trailing.dot", false), "127.0.1.2:Domain $ listed");
	CHECK_STR(nv(d, "test", false), "127.0.1.2:Domain $ listed");
	CHECK_INT(d->nnames, 8);
	CHECK_INT(d->nwarnings, 5);
	/* keys are name keys: top label first */
	{
		int i = pt_findname(d, "example.com", false);
		CHECK(i >= 0 && memcmp(d->names[i].key, "\3com\7example", 12) == 0);
	}
	done();
}

static int find_rr(const struct dbl_dsdata *d, const char *name, uint16_t type, int nth)
{
	uint8_t rel[256], key[256];
	int n = name[0] == '@' ? 0 : dbl_rel_from_text(rel, name, strlen(name));
	dbl_namekey_from_rel(key, rel, (size_t)n);
	for (size_t i = 0; i < d->nrrs; i++)
		if (d->rrs[i].type == type && d->rrs[i].keylen == n &&
		    memcmp(d->rrs[i].key, key, (size_t)n) == 0 && nth-- == 0)
			return (int)i;
	return -1;
}

static void test_generic(void)
{
	struct dbl_dsdata *d = L("generic", "@ A 127.0.0.1\n"
	                                    "@ 300 IN TXT \"hello world\"\n"
	                                    "@ mx 10 mail.bl.test.\n"
	                                    "WWW in a 127.1\n"
	                                    "$TTL 1h\n"
	                                    "txt TXT \"only left\n"
	                                    "txt 0 TXT x\n"
	                                    "bad AAAA ::1\n"
	                                    "bad2 A\n"
	                                    "bad3 MX 70000 x.test\n"
	                                    "bad4 MX 10 a.test junk\n"
	                                    "bad5 12x A 1.2.3.4\n"
	                                    "@\n");
	int i;

	if (!d)
		return;
	CHECK_INT(d->nrrs, 6);
	CHECK_INT(d->nwarnings, 6);
	i = find_rr(d, "@", 1, 0);
	CHECK(i >= 0 && d->rrs[i].rdlen == 4 && memcmp(d->rrs[i].rdata, "\177\0\0\1", 4) == 0);
	if (i >= 0)
		CHECK_INT(d->rrs[i].ttl, DBL_TTL_DEFAULT);
	i = find_rr(d, "@", 16, 0);
	CHECK(i >= 0 && d->rrs[i].rdlen == 12 &&
	      memcmp(d->rrs[i].rdata, "\13hello world", 12) == 0);
	if (i >= 0)
		CHECK_INT(d->rrs[i].ttl, 300);
	i = find_rr(d, "@", 15, 0);
	CHECK(i >= 0 && d->rrs[i].rdlen == 2 + 14 &&
	      memcmp(d->rrs[i].rdata, "\0\12\4mail\2bl\4test\0", 16) == 0);
	i = find_rr(d, "www", 1, 0);
	CHECK(i >= 0 && memcmp(d->rrs[i].rdata, "\177\0\0\1", 4) == 0);
	i = find_rr(d, "txt", 16, 0);
	CHECK(i >= 0 && d->rrs[i].rdlen == 11 &&
	      memcmp(d->rrs[i].rdata, "\12\"only left", 11) == 0);
	if (i >= 0)
		CHECK_INT(d->rrs[i].ttl, 3600); /* the $TTL in effect */
	i = find_rr(d, "txt", 16, 1);
	CHECK(i >= 0 && d->rrs[i].ttl == 3600 && d->rrs[i].rdlen == 2);
	done();
}

int main(void)
{
	pt_init();
	test_ip6tset();
	test_ip6trie();
	test_dnset();
	test_generic();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
