/* test_ip4.c - ip4set / ip4tset / ip4trie keys, values and defaults
 * (behaviour contract section 2, rbldnsd semantics). */
#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static struct dbl_dsdata *L(const char *type, const char *content)
{
	int rc = pt_load(type, content, &ds, &nds);
	CHECK_INT(rc, 0);
	CHECK_INT(nds, rc ? 0 : 1);
	return rc ? NULL : ds[0];
}

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

static void test_ip4set_keys(void)
{
	struct dbl_dsdata *d = L("ip4set", "127.0.0.2\n"
	                                   "10.1.2\n"            /* /24 prefix */
	                                   "11/8\n"              /* /8 */
	                                   "12.0.0.0/15\n"       /* aligned CIDR */
	                                   "13.0.0.8-13.0.0.9\n" /* range */
	                                   "14.0.0.1-3\n"        /* last-octet suffix */
	                                   "15.16-31\n"          /* 15.16.0.0-15.31.255.255 */
	                                   "16.0.0.0/24 :3\n"
	                                   "!16.0.0.5\n"
	                                   "17.1.1.1:4\n" /* value right after key */
	                                   "20-21\n");    /* a range of /8s */
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "127.0.0.2"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "127.0.0.3"), "");
	CHECK_STR(pt_q4(d, "10.1.2.77"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "10.1.3.0"), "");
	CHECK_STR(pt_q4(d, "11.200.3.4"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "12.1.255.255"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "12.2.0.0"), "");
	CHECK_STR(pt_q4(d, "13.0.0.7"), "");
	CHECK_STR(pt_q4(d, "13.0.0.9"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "14.0.0.0"), "");
	CHECK_STR(pt_q4(d, "14.0.0.3"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "14.0.0.4"), "");
	CHECK_STR(pt_q4(d, "15.15.255.255"), "");
	CHECK_STR(pt_q4(d, "15.16.0.0"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "15.31.255.255"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "15.32.0.0"), "");
	CHECK_STR(pt_q4(d, "16.0.0.4"), "127.0.0.3:-");
	CHECK_STR(pt_q4(d, "16.0.0.5"), ""); /* /32 exclusion beats the /24 */
	CHECK_STR(pt_q4(d, "17.1.1.1"), "127.0.0.4:-");
	CHECK_STR(pt_q4(d, "21.255.255.255"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "22.0.0.0"), "");
	CHECK_INT(d->nwarnings, 0);
	CHECK_INT(d->merge, DBL_MERGE_UNION);
	done();
}

static void test_ip4set_bad_keys(void)
{
	struct dbl_dsdata *d = L("ip4set", "10\n"        /* bare number */
	                                   "1.2.3.4/0\n" /* /0 rejected in ip4set */
	                                   "0/0\n"
	                                   "10.6.0.0/12\n"     /* host bits */
	                                   "1.2-1.2.3.4\n"     /* unequal octets */
	                                   "1.2.3.9-1.2.3.1\n" /* reversed */
	                                   "256.1.1.1\n"
	                                   "1.2.3.4x\n"
	                                   "1.2.3.4.5\n"
	                                   "1.2.3.\n"
	                                   "1.2.3.4/33\n"
	                                   "1.2.3.4 :0:zero\n" /* A 0 rejected */
	                                   "1.2.3.5 :x\n"
	                                   "1.2.3.6 :127.0.0.2 junk\n");
	if (!d)
		return;
	CHECK_INT(d->nwarnings, 14);
	CHECK_INT(d->nip4, 0);
	CHECK(strstr(pt_log, "data:1: invalid address") != NULL);
	CHECK(strstr(pt_log, "data:4: invalid range (non-zero host part)") != NULL);
	CHECK(strstr(pt_log, "data:12: invalid A RR") != NULL);
	CHECK(strstr(pt_log, "data:14: unrecognized value for an entry") != NULL);
	done();
	/* -e: the host part is cleared instead */
	pt_opts.accept_host_bits = true;
	d = L("ip4set", "10.6.0.0/12\n");
	pt_opts.accept_host_bits = false;
	if (!d)
		return;
	CHECK_INT(d->nwarnings, 0);
	CHECK_STR(pt_q4(d, "10.0.0.1"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "10.15.255.255"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "10.16.0.0"), "");
	done();
}

/* rbldnsd splits ranges into /32, /24, /16, /8 blocks: prio = the level. */
static void test_ip4set_split(void)
{
	struct dbl_dsdata *d = L("ip4set", "1.2.3.5-1.2.4.6\n10.0.0.0/25\n20.0.0.0/12\n"
	                                   "30.0.0.0-30.255.255.255\n40.0.0.0/23\n");
	if (!d)
		return;
	/* 1.2.3.5-255 and 1.2.4.0-6 at /32; 10.0.0.0-127 at /32; 20.0-15 at
	 * /16; 30 at /8; 40.0.0 and 40.0.1 at /24 */
	CHECK_INT(d->nip4, 6);
	if (d->nip4 == 6) {
		CHECK_INT(d->ip4[0].lo, pt_ip("1.2.3.5"));
		CHECK_INT(d->ip4[0].hi, pt_ip("1.2.3.255"));
		CHECK_INT(d->ip4[0].prio, 32);
		CHECK_INT(d->ip4[1].lo, pt_ip("1.2.4.0"));
		CHECK_INT(d->ip4[1].hi, pt_ip("1.2.4.6"));
		CHECK_INT(d->ip4[1].prio, 32);
		CHECK_INT(d->ip4[2].hi, pt_ip("10.0.0.127"));
		CHECK_INT(d->ip4[2].prio, 32);
		CHECK_INT(d->ip4[3].lo, pt_ip("20.0.0.0"));
		CHECK_INT(d->ip4[3].hi, pt_ip("20.15.255.255"));
		CHECK_INT(d->ip4[3].prio, 16);
		CHECK_INT(d->ip4[4].prio, 8);
		CHECK_INT(d->ip4[4].hi, pt_ip("30.255.255.255"));
		CHECK_INT(d->ip4[5].prio, 24);
		CHECK_INT(d->ip4[5].hi, pt_ip("40.0.1.255"));
	}
	done();
	/* a /32 listing beats a /24 exclusion; a /25 exclusion is 128 /32s
	 * and beats the /24 listing */
	d = L("ip4set", "!10.1.0.0/24\n10.1.0.7\n10.2.0.0/24 :3\n!10.2.0.0/25\n"
	                "10.3.0.0/24 :5:five\n10.3.0.0/24 :6:six\n10.3.0.0/24 :5:five\n");
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "10.1.0.7"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "10.1.0.8"), "");
	CHECK_STR(pt_q4(d, "10.2.0.127"), "");
	CHECK_STR(pt_q4(d, "10.2.0.128"), "127.0.0.3:-");
	/* several values at one key: all of them, duplicates collapse */
	CHECK_STR(pt_q4(d, "10.3.0.1"), "127.0.0.5:five + 127.0.0.6:six");
	done();
}

static void test_maxrange4(void)
{
	struct dbl_dsdata *d = L("ip4set", "$MAXRANGE4 256\n10.0.0.0/24\n10.1.0.0/23\n"
	                                   "$MAXRANGE4 /16\n" /* may not grow */
	                                   "10.2.0.0/23\n$MAXRANGE4 /25\n10.3.0.0/24\n"
	                                   "10.4.0.0/25\n");
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "10.0.0.1"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "10.1.0.1"), "");
	CHECK_STR(pt_q4(d, "10.2.0.1"), "");
	CHECK_STR(pt_q4(d, "10.3.0.1"), "");
	CHECK_STR(pt_q4(d, "10.4.0.1"), "127.0.0.2:-");
	CHECK(strstr(pt_log, "too large range (512) ignored (256 max)") != NULL);
	CHECK(strstr(pt_log, "ignoring attempt to increase $MAXRANGE4") != NULL);
	CHECK_INT(d->nwarnings, 4);
	done();
	/* ip4trie too */
	d = L("ip4trie", "$MAXRANGE4 /24\n10.0.0.0/23\n10.0.0.0/24\n");
	if (!d)
		return;
	CHECK_INT(d->nip4, 1);
	done();
}

static void test_values(void)
{
	struct dbl_dsdata *d = L("ip4set", "1.0.0.1\n"
	                                   "1.0.0.2 :127.0.0.3:A and TXT\n"
	                                   "1.0.0.3 :5\n"
	                                   "1.0.0.4 :127.0.0.6:\n"
	                                   "1.0.0.5 Just text $\n"
	                                   "1.0.0.6 :127.7\n"   /* 2-octet inet_aton */
	                                   "1.0.0.7 :127.1.8\n" /* 3-octet */
	                                   "1.0.0.8 :10.0.0.1:outside 127/8\n"
	                                   ":127.0.0.9:Default $\n"
	                                   "1.0.0.9\n"
	                                   "1.0.0.10 :4\n"       /* the default's TXT */
	                                   "1.0.0.11 :4:\n"      /* no TXT */
	                                   "1.0.0.12 txt only\n" /* the default's A */
	                                   "1.0.0.13 # comment, default value\n"
	                                   ":3\n" /* A only: no TXT */
	                                   "1.0.0.14\n");
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "1.0.0.1"), "127.0.0.2:-");
	CHECK_STR(pt_q4(d, "1.0.0.2"), "127.0.0.3:A and TXT");
	CHECK_STR(pt_q4(d, "1.0.0.3"), "127.0.0.5:-");
	CHECK_STR(pt_q4(d, "1.0.0.4"), "127.0.0.6:-");
	CHECK_STR(pt_q4(d, "1.0.0.5"), "127.0.0.2:Just text $");
	CHECK_STR(pt_q4(d, "1.0.0.6"), "127.0.0.7:-");
	CHECK_STR(pt_q4(d, "1.0.0.7"), "127.1.0.8:-");
	CHECK_STR(pt_q4(d, "1.0.0.8"), "10.0.0.1:outside 127/8");
	CHECK_STR(pt_q4(d, "1.0.0.9"), "127.0.0.9:Default $");
	CHECK_STR(pt_q4(d, "1.0.0.10"), "127.0.0.4:Default $");
	CHECK_STR(pt_q4(d, "1.0.0.11"), "127.0.0.4:-");
	CHECK_STR(pt_q4(d, "1.0.0.12"), "127.0.0.9:txt only");
	CHECK_STR(pt_q4(d, "1.0.0.13"), "127.0.0.9:Default $");
	CHECK_STR(pt_q4(d, "1.0.0.14"), "127.0.0.3:-");
	CHECK_INT(d->nwarnings, 0);
	done();
}

/* The default line holds to the end of its file (ip4set, ip4trie). */
static void test_default_per_file(void)
{
	char spec[600];
	const char *a = pt_write("fa", ":127.0.0.5:from a\n1.1.1.1\n", (size_t)-1);
	const char *b = pt_write("fb", "2.2.2.2\n", (size_t)-1);
	int rc;

	snprintf(spec, sizeof spec, "bl.test:ip4set:%s,%s", a, b);
	rc = pt_load_spec(spec, &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_STR(pt_q4(ds[0], "1.1.1.1"), "127.0.0.5:from a");
	CHECK_STR(pt_q4(ds[0], "2.2.2.2"), "127.0.0.2:-");
	done();
	/* ip4tset: the first default line, for the whole dataset */
	snprintf(spec, sizeof spec, "bl.test:ip4tset:%s,%s", b, a);
	rc = pt_load_spec(spec, &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_STR(pt_q4(ds[0], "2.2.2.2"), "127.0.0.5:from a");
	CHECK_STR(pt_q4(ds[0], "1.1.1.1"), "127.0.0.5:from a");
	done();
}

static void test_ip4tset(void)
{
	struct dbl_dsdata *d = L("ip4tset", "1.2.3.4\n1.2.3.5 :9:ignored text\n10.0.0.0/24\n"
	                                    "1.2.3\n!1.2.3.6\n:127.0.0.4:first\n:127.0.0.5:second\n"
	                                    "1.2.3.4\n");
	if (!d)
		return;
	CHECK_INT(d->nwarnings, 3);
	CHECK_STR(pt_q4(d, "1.2.3.4"), "127.0.0.4:first");
	CHECK_STR(pt_q4(d, "1.2.3.5"), "127.0.0.4:first");
	CHECK_STR(pt_q4(d, "1.2.3.6"), "");
	CHECK_INT(d->ip4[0].prio, 32);
	done();
	d = L("ip4tset", "1.2.3.4\n");
	if (d)
		CHECK_STR(pt_q4(d, "1.2.3.4"), "127.0.0.2:-");
	done();
}

static void test_ip4trie(void)
{
	struct dbl_dsdata *d = L("ip4trie", ":127.0.0.5:trie\n"
	                                    "0/0 :1:everything\n"
	                                    "10.1.1.0/24\n"
	                                    "10.1.1.128/25 :6\n"
	                                    "!10.1.1.192/26\n"
	                                    "10.2\n"           /* prefix = /16 */
	                                    "10.2.0.0/16 :7\n" /* duplicate: first kept */
	                                    "10.3.0.1\n"
	                                    "10.4.0.0-10.4.0.1\n" /* ranges are not CIDR */
	                                    "10.5.0.1/24\n");
	if (!d)
		return;
	CHECK_INT(d->merge, DBL_MERGE_FIRST);
	CHECK_STR(pt_q4(d, "9.9.9.9"), "127.0.0.1:everything");
	CHECK_STR(pt_q4(d, "10.1.1.1"), "127.0.0.5:trie");
	CHECK_STR(pt_q4(d, "10.1.1.129"), "127.0.0.6:trie");
	CHECK_STR(pt_q4(d, "10.1.1.200"), "");
	CHECK_STR(pt_q4(d, "10.2.3.4"), "127.0.0.5:trie");
	CHECK_STR(pt_q4(d, "10.3.0.1"), "127.0.0.5:trie");
	CHECK(strstr(pt_log, "duplicated entry for 10.2.0.0/16") != NULL);
	CHECK_INT(d->nwarnings, 3);
	for (size_t i = 0; i < d->nip4; i++)
		if (d->ip4[i].lo == pt_ip("10.1.1.128"))
			CHECK_INT(d->ip4[i].prio, 25);
	done();
}

/* ":A" copies the default's text while the text store grows: many
 * distinct A-only values after a long default (run under ASan). */
static void test_default_text_growth(void)
{
	size_t cap = 400000, o = 0;
	char *f = malloc(cap);
	struct dbl_dsdata *d;

	o += (size_t)snprintf(f + o, cap - o, ":127.0.0.2:");
	memset(f + o, 'd', 250);
	o += 250;
	f[o++] = '\n';
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(f + o, cap - o, "10.%d.%d.1 :127.%d.%d.9\n", i / 250, i % 250,
		                      i / 250, i % 250);
	f[o] = 0;
	d = L("ip4set", f);
	free(f);
	if (!d)
		return;
	CHECK_INT(d->nvalues, 1002);
	CHECK_INT(strlen(pt_q4(d, "10.3.200.1")), 12 + 250);
	CHECK(strncmp(pt_q4(d, "10.3.200.1"), "127.3.200.9:ddd", 15) == 0);
	done();
}

int main(void)
{
	pt_init();
	test_ip4set_keys();
	test_ip4set_bad_keys();
	test_ip4set_split();
	test_maxrange4();
	test_values();
	test_default_per_file();
	test_ip4tset();
	test_ip4trie();
	test_default_text_growth();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
