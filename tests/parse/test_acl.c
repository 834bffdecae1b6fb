/* test_acl.c - the acl dataset parser: every action, IPv4 and IPv6 keys,
 * longest-prefix precedence, pass inside a larger entry, default lines,
 * $MAXRANGE4, refused specials and bad lines reported as file:line. */
#include <arpa/inet.h>

#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static struct dbl_dsdata *L(const char *content)
{
	int rc = pt_load("acl", content, &ds, &nds);
	CHECK_INT(rc, 0);
	CHECK_INT(nds, 1);
	return rc ? NULL : ds[0];
}

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

#define q6 pt_q6s

/* Keyword actions are stored as A 0.0.0.0 + the keyword (dbl_schema.h). */
#define IGNORE "0.0.0.0:ignore"
#define REFUSE "0.0.0.0:refuse"
#define EMPTY  "0.0.0.0:empty"

static void test_actions(void)
{
	struct dbl_dsdata *d = L("10.0.0.1 :ignore\n"
	                         "10.0.0.2 :refuse\n"
	                         "10.0.0.3 :empty\n"
	                         "10.0.0.4 :127.0.0.9:Always listed for client $\n"
	                         "10.0.0.5\n"             /* the default action: ignore */
	                         "10.0.0.6 =blackhole\n"  /* alias, '=' form */
	                         "10.0.0.7 :Refuse\n"     /* case-insensitive */
	                         "10.0.0.8 =emp\n"        /* abbreviated, as rbldnsd */
	                         "10.0.0.9 just a text\n" /* default A, this TXT */
	                         "10.0.0.10 :3\n");
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "10.0.0.1"), IGNORE);
	CHECK_STR(pt_q4(d, "10.0.0.2"), REFUSE);
	CHECK_STR(pt_q4(d, "10.0.0.3"), EMPTY);
	CHECK_STR(pt_q4(d, "10.0.0.4"), "127.0.0.9:Always listed for client $");
	CHECK_STR(pt_q4(d, "10.0.0.5"), IGNORE);
	CHECK_STR(pt_q4(d, "10.0.0.6"), IGNORE);
	CHECK_STR(pt_q4(d, "10.0.0.7"), REFUSE);
	CHECK_STR(pt_q4(d, "10.0.0.8"), EMPTY);
	CHECK_STR(pt_q4(d, "10.0.0.9"), "127.0.0.2:just a text");
	CHECK_STR(pt_q4(d, "10.0.0.10"), "127.0.0.3:-");
	CHECK_STR(pt_q4(d, "10.0.0.11"), "");
	CHECK_INT(d->nwarnings, 0);
	CHECK(d->nsubs == 0); /* no query name maps to an ACL */
	done();
}

static void test_precedence(void)
{
	/* Longest prefix wins; pass punches a hole in a larger entry; an
	 * entry inside the hole wins again. */
	struct dbl_dsdata *d = L("10.0.0.0/8 :refuse\n"
	                         "10.1.0.0/16 :pass\n"
	                         "10.1.2.0/24 :empty\n"
	                         "10.1.2.3 :ignore\n"
	                         "10.1.2.0/24 :ignore\n"); /* duplicate: first kept */
	if (!d)
		return;
	CHECK_STR(pt_q4(d, "10.200.0.1"), REFUSE);
	CHECK_STR(pt_q4(d, "10.1.9.9"), "");
	CHECK_STR(pt_q4(d, "10.1.2.9"), EMPTY);
	CHECK_STR(pt_q4(d, "10.1.2.3"), IGNORE);
	CHECK_STR(pt_q4(d, "11.0.0.1"), "");
	CHECK_INT(d->nwarnings, 1);
	/* reported by the trie finish, without a line number (README) */
	CHECK(strstr(pt_log, "duplicated entry for 10.1.2.0/24 (the first one is kept)"));
	done();
}

static void test_ipv6(void)
{
	struct dbl_dsdata *d = L("::1 :refuse\n" /* "::1" is a key, not a default line */
	                         "2001:db8::/32 :empty\n"
	                         "2001:db8:1::/48 :pass\n"
	                         "2001:db8:1:2::/64 :127.0.0.4:v6 client $\n"
	                         "fe80::/10\n");
	if (!d)
		return;
	CHECK_STR(q6(d, "::1"), REFUSE);
	CHECK_STR(q6(d, "::2"), "");
	CHECK_STR(q6(d, "2001:db8:ffff::1"), EMPTY);
	CHECK_STR(q6(d, "2001:db8:1:5::1"), "");
	CHECK_STR(q6(d, "2001:db8:1:2::77"), "127.0.0.4:v6 client $");
	CHECK_STR(q6(d, "fe80::1"), IGNORE);
	CHECK_INT(d->nip6, 5);
	CHECK_INT(d->nip4, 0);
	CHECK_INT(d->nwarnings, 0);
	done();
}

static void test_defaults(void)
{
	/* A default line holds to the end of the file; each file starts
	 * again with ignore (rbldnsd ds_acl_start). */
	const char *f2 = pt_write("second", "10.9.0.1\n", (size_t)-1);
	char spec[600];
	struct dbl_dsdata *d;

	pt_write("data",
	         "10.0.0.1\n"
	         ":refuse\n"
	         "10.0.0.2\n"
	         "=empty\n"
	         "10.0.0.3\n"
	         ":127.0.0.5:dflt $\n"
	         "10.0.0.4\n"
	         "10.0.0.5 other text\n" /* TXT only: the default's A */
	         ":pass\n"
	         "10.0.0.0/24 :refuse\n"
	         "10.0.0.6\n", /* pass inside the /24 */
	         (size_t)-1);
	snprintf(spec, sizeof spec, "bl.test:acl:%s/data,%s", pt_dir, f2);
	pt_logreset();
	CHECK_INT(pt_load_spec(spec, &ds, &nds), 0);
	if (nds != 1)
		return;
	d = ds[0];
	CHECK_STR(pt_q4(d, "10.0.0.1"), IGNORE);
	CHECK_STR(pt_q4(d, "10.0.0.2"), REFUSE);
	CHECK_STR(pt_q4(d, "10.0.0.3"), EMPTY);
	CHECK_STR(pt_q4(d, "10.0.0.4"), "127.0.0.5:dflt $");
	CHECK_STR(pt_q4(d, "10.0.0.5"), "127.0.0.5:other text");
	CHECK_STR(pt_q4(d, "10.0.0.6"), "");
	CHECK_STR(pt_q4(d, "10.0.0.7"), REFUSE);
	CHECK_STR(pt_q4(d, "10.9.0.1"), IGNORE); /* second file: ignore again */
	done();
}

static void test_bad_lines(void)
{
	struct dbl_dsdata *d = L("$SOA 1h ns hm 1 1h 1h 1h 1h\n"
	                         "$NS 1h ns1.bl.test\n"
	                         "10.0.0.1-10.0.0.5 :refuse\n" /* no ranges in acl */
	                         "!10.0.0.1\n"                 /* no exclusions */
	                         "10.0.0.1/24 :refuse\n"       /* host bits */
	                         "10.0.0.1 =nonsense\n"
	                         "10.0.0.2 :0.0.0.0:x\n" /* 0.0.0.0 is not an A value */
	                         "2001:db8::1/64\n"
	                         "nothing\n"
	                         "$MAXRANGE4 /24\n"
	                         "10.0.0.0/23 :refuse\n" /* wider than $MAXRANGE4 */
	                         "10.0.0.0/24 :refuse\n"
	                         "2001::/16 :refuse\n"   /* $MAXRANGE4 is IPv4 only */
	                         "10.0.0.9 :ignored\n"); /* "ignore" + "d": not a keyword */
	if (!d)
		return;
	CHECK(strstr(pt_log, "data:1: $SOA and $NS are not allowed in an acl dataset"));
	CHECK(strstr(pt_log, "data:2: $SOA and $NS are not allowed in an acl dataset"));
	CHECK(strstr(pt_log, "data:3: invalid address"));
	CHECK(strstr(pt_log, "data:4: invalid address"));
	CHECK(strstr(pt_log, "data:5: invalid range (non-zero host part)"));
	CHECK(strstr(pt_log, "data:6: invalid keyword"));
	CHECK(strstr(pt_log, "data:7: "));
	CHECK(strstr(pt_log, "data:8: invalid range (non-zero host part)"));
	CHECK(strstr(pt_log, "data:9: invalid address"));
	CHECK(strstr(pt_log, "data:11: too large range (512) ignored (256 max)"));
	CHECK(strstr(pt_log, "data:14: "));
	CHECK_INT(d->nwarnings, 11);
	CHECK(!d->soa.present && d->nns == 0);
	CHECK_STR(pt_q4(d, "10.0.0.1"), REFUSE);
	CHECK_STR(pt_q4(d, "10.0.1.1"), "");
	CHECK_STR(q6(d, "2001:1::1"), REFUSE);
	CHECK_INT(d->nip4, 1);
	done();
	/* acl cannot be a $DATASET of combined */
	CHECK_INT(pt_load("combined", "$DATASET acl @\n1.2.3.4\n", &ds, &nds), DBL_ESYNTAX);
	CHECK(strstr(pt_log, "'acl' cannot be used inside combined"));
}

int main(void)
{
	pt_init();
	test_actions();
	test_precedence();
	test_ipv6();
	test_defaults();
	test_bad_lines();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
