/* test_values.c - TXT template compilation (rbldnsd txtsubst semantics) and
 * the "$" specials: $SOA, $NS, $TTL, time suffixes, $TIMESTAMP, $n, $=. */
#include "dbl_qkey.h"
#include "dbl_schema.h"
#include "dbl_special.h"
#include "dbl_value.h"
#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

static const char *tc(const char *txt, char *const sub[DBL_NSUBST])
{
	static char out[DBL_TXT_COMPILED_MAX + 1];
	dbl_txt_compile(txt, strlen(txt), sub, out);
	return out;
}

/* The base template wraps an entry text with literal "$" in it, past 255
 * bytes of output (the differential test's seed 1104 found it: the text
 * was cut 2 bytes early, one per "$" before the cut). rbldnsd cuts the
 * expansion at 254 bytes, we at 255 (contract 6.10). */
static void test_compile_dollars_near_the_cut(void)
{
	char *base[DBL_NSUBST] = {[DBL_SUBST_BASE] = "[XBL] $= (see http://bl.test/xbl/$)"};
	char entry[239], want[300];
	const char *got;
	uint8_t out[DBL_TXT_MAX];
	size_t n;

	memset(entry, 'x', sizeof entry - 1);
	memcpy(entry, "costs $$5 ", 10);
	entry[237] = '$';
	entry[238] = 0;
	got = tc(entry, base);
	/* 6 + 238 bytes of output (3 "$" each written "$$"), then 11 of the
	 * tail: 255 */
	snprintf(want, sizeof want, "[XBL] costs $$$$5 %.227s$$ (see http:", entry + 10);
	CHECK_STR(got, want);
	n = dbl_txt_expand((const uint8_t *)got, strlen(got), "172.17.212.126", 14, out);
	CHECK_INT(n, DBL_TXT_MAX);
	CHECK(memcmp(out + n - 12, "$ (see http:", 12) == 0);
}

static void test_compile(void)
{
	char *none[DBL_NSUBST] = {0};
	char *vars[DBL_NSUBST] = {"zero", "one$", [9] = "nine", [DBL_SUBST_BASE] = NULL};
	char *base[DBL_NSUBST] = {"v0", [DBL_SUBST_BASE] = "Base [$=] for $ ($0)"};
	char long300[301];

	CHECK_STR(tc("plain", none), "plain");
	CHECK_STR(tc("", none), "");
	CHECK_STR(tc("ip $ listed", none), "ip $ listed");
	CHECK_STR(tc("cost $$5", none), "cost $$5"); /* "$$" stays a literal $ */
	CHECK_STR(tc("$x", none), "$x");             /* subject, then 'x' */
	CHECK_STR(tc("end $", none), "end $");
	CHECK_STR(tc("$0 $1 $9 $5", vars), "zero one$$ nine $$5"); /* undefined stays */
	CHECK_STR(tc("=bypass $", none), "bypass $");
	/* base template: $= is the entry text (inserted literally), the
	 * subject when the entry has none (the ":A:" quirk) */
	CHECK_STR(tc("entry $", base), "Base [entry $$] for $ (v0)");
	CHECK_STR(tc("", base), "Base [$] for $ (v0)");
	CHECK_STR(tc("=own $0", base), "own v0");
	CHECK_STR(tc("=", base), "");
	/* 255 bytes of output at most, never half of a "$$": a literal "$"
	 * is one byte of output (two of template), a subject at least one */
	memset(long300, 'a', 300);
	long300[300] = 0;
	CHECK_INT(strlen(tc(long300, none)), 255);
	long300[253] = '$';
	long300[254] = '$';
	CHECK_INT(strlen(tc(long300, none)), 256); /* 253 a, "$", 1 a: 255 of output */
	long300[253] = 'a';
	long300[255] = '$';
	CHECK_INT(strlen(tc(long300, none)), 256); /* 254 a and "$": 255 of output */
	long300[254] = 'a';
	long300[255] = 'a';
	long300[200] = '$';
	long300[201] = ' ';
	CHECK_INT(strlen(tc(long300, none)), 255); /* a subject counts one */
	test_compile_dollars_near_the_cut();
}

/* Model of rbldnsd's txtsubst: the whole text expanded at once (subject
 * and variables in place), then cut at 255 bytes (rbldnsd: 254, contract
 * 6.10). The loader compiles and the server expands in two steps; the two
 * must give the same text. One case cannot: "$=" standing for the subject
 * (an entry without text under a base template) right before a "$" of
 * output or another subject; *ambiguous tells (dbl_value.c). */
static size_t model_expand(const char *txt, char *const sub[DBL_NSUBST], const char *subj,
                           char *out, bool *ambiguous)
{
	/* 64 KiB: a 119-byte base holds at most 59 "$=" of a 299-byte text */
	static char big[64 * 1024];
	const char *t = txt, *sx = txt, *base = sub[DBL_SUBST_BASE];
	size_t o = 0, eq_end = SIZE_MAX; /* end of a "$=" subject */
	const char *add;

	if (*txt == '=') {
		t = sx = txt + 1;
	} else if (base && *base) {
		t = base;
	}
	for (; *t; t++) {
		bool subject = false;
		char lit[3] = {*t, 0, 0};
		add = lit;
		if (*t == '$' && t[1] == '$') {
			t++;
		} else if (*t == '$' && t[1] >= '0' && t[1] <= '9') {
			add = sub[t[1] - '0'];
			if (!add)
				lit[1] = t[1], add = lit;
			t++;
		} else if (*t == '$' && t[1] == '=') {
			subject = !*sx;
			add = *sx ? sx : subj;
			t++;
		} else if (*t == '$') {
			subject = true;
			add = subj;
		}
		*ambiguous |= o == eq_end && (subject || *add == '$');
		o += (size_t)sprintf(big + o, "%s", add);
		if (subject && t[0] == '=')
			eq_end = o;
	}
	o = o < DBL_TXT_MAX ? o : DBL_TXT_MAX;
	memcpy(out, big, o);
	return o;
}

/* Random texts of "$", "$$", "$n", "$=", "=" and letters, long enough to
 * be cut anywhere, under random variables and base templates. */
static void test_compile_matches_one_step_expansion(void)
{
	static const char alpha[] = "$$$$01=ab ";
	char *sub[DBL_NSUBST] = {0};
	char v0[80], v1[80], base[120], txt[300];
	char want[DBL_TXT_MAX], tpl[DBL_TXT_COMPILED_MAX + 1];
	uint8_t got[DBL_TXT_MAX];
	uint32_t seed = 1104;
	int bad = 0, skipped = 0;

	for (int round = 0; round < 20000; round++) {
		char *bufs[] = {v0, v1, base, txt};
		size_t caps[] = {sizeof v0, sizeof v1, sizeof base, sizeof txt};
		const char *subj = round % 3 ? "172.17.212.126" : "S";
		size_t n, m;
		for (int b = 0; b < 4; b++) {
			n = (pt_rnd(&seed) >> 8) % caps[b];
			for (size_t i = 0; i < n; i++) {
				uint32_t r = pt_rnd(&seed);
				bufs[b][i] =
				    (r >> 16) % 3 ? 'x' : alpha[(r >> 20) % (sizeof alpha - 1)];
			}
			bufs[b][n] = 0;
		}
		sub[0] = round % 2 ? v0 : NULL;
		sub[1] = v1;
		sub[DBL_SUBST_BASE] = round % 4 ? base : NULL;
		bool ambiguous = false;
		n = dbl_txt_compile(txt, strlen(txt), sub, tpl);
		m = model_expand(txt, sub, subj, want, &ambiguous);
		if (ambiguous) {
			skipped++;
			continue;
		}
		n = dbl_txt_expand((const uint8_t *)tpl, n, subj, strlen(subj), got);
		if ((n != m || memcmp(got, want, m)) && bad++ < 3) {
			CHECK_INT(n, m);
			CHECK_STR(txt, "(expanded as the model does)");
		}
	}
	CHECK_INT(bad, 0);
	CHECK(skipped < 100); /* 4 with this seed */
}

static void test_vars_in_files(void)
{
	int rc = pt_load("ip4set",
	                 "$1 first\n$1 second\n"
	                 "1.1.1.1 :3:$1 and $2 and $$ and $\n"
	                 "$2 late definitions apply too\n"
	                 "$3\n"     /* empty: invalid */
	                 "$31 x\n", /* no blank after the digit */
	                 &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_STR(pt_q4(ds[0], "1.1.1.1"),
	          "127.0.0.3:first and late definitions apply too and $$ and $");
	CHECK_INT(ds[0]->nwarnings, 2);
	done();
	/* $= wraps every text; the entry text goes in literally (rbldnsd does
	 * not expand variables inside it) */
	rc = pt_load("ip4set",
	             "$= [$=] $1\n$1 one\n"
	             "2.2.2.2 :4:\n"
	             "3.3.3.3 :5:=no base $1\n"
	             "4.4.4.4 :6:text $1\n"
	             "5.5.5.5\n",
	             &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_STR(pt_q4(ds[0], "2.2.2.2"), "127.0.0.4:[$] one");
	CHECK_STR(pt_q4(ds[0], "3.3.3.3"), "127.0.0.5:no base one");
	CHECK_STR(pt_q4(ds[0], "4.4.4.4"), "127.0.0.6:[text $$1] one");
	CHECK_STR(pt_q4(ds[0], "5.5.5.5"), "127.0.0.2:[$] one");
	done();
}

static void test_time(void)
{
	uint32_t t = 0;
	CHECK(dbl_parse_time("30", &t) && t == 30);
	CHECK(dbl_parse_time("30s", &t) && t == 30);
	CHECK(dbl_parse_time("2m", &t) && t == 120);
	CHECK(dbl_parse_time("3H", &t) && t == 10800);
	CHECK(dbl_parse_time("1d", &t) && t == 86400);
	CHECK(dbl_parse_time("2w", &t) && t == 1209600);
	CHECK(dbl_parse_time("5x", &t) == NULL);
	CHECK(dbl_parse_time("h", &t) == NULL);
	CHECK(dbl_parse_time("99999w", &t) == NULL); /* > 32 bits */
	CHECK(dbl_parse_time("4294967296", &t) == NULL);
}

static void test_soa_ns_ttl(void)
{
	int rc = pt_load("ip4set",
	                 "$ttl 35m\n"
	                 "$SOA 0 ns1.bl.test. Hostmaster.BL.test 0 2h 30m 1w 5m\n"
	                 "$SOA 60 other.test. x.test. 1 1 1 1 1\n"
	                 "$NS 1d ns1.bl.test -ns0.bl.test ns2.bl.test ns1.bl.test\n"
	                 "$NAMESERVER 60 ignored.test\n"
	                 "$SOA\n"
	                 "$FOO bar\n",
	                 &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	{
		struct dbl_dsdata *d = ds[0];
		char name[1024];
		CHECK_INT(d->ttl, 2100);
		CHECK(d->soa.present);
		CHECK_INT(d->soa.ttl, 2100); /* 0: the dataset TTL */
		dbl_wname_to_text(d->soa.mname.b, name, sizeof name);
		CHECK_STR(name, "ns1.bl.test.");
		dbl_wname_to_text(d->soa.rname.b, name, sizeof name);
		CHECK_STR(name, "hostmaster.bl.test.");
		CHECK_INT(d->soa.serial, 0);
		CHECK_INT(d->soa.refresh, 7200);
		CHECK_INT(d->soa.retry, 1800);
		CHECK_INT(d->soa.expire, 604800);
		CHECK_INT(d->soa.minimum, 300);
		CHECK_INT(d->nns, 2);
		CHECK_INT(d->ns_ttl, 86400);
		dbl_wname_to_text(d->ns[1].b, name, sizeof name);
		CHECK_STR(name, "ns2.bl.test.");
		CHECK_INT(d->nwarnings, 2);
		CHECK(strstr(pt_log, "data:6: invalid or unrecognized special entry") != NULL);
	}
	done();
	rc = pt_load("ip4set", "$TTL 0\n$TTL 1x\n", &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(ds[0]->ttl, DBL_TTL_DEFAULT);
		CHECK_INT(ds[0]->nwarnings, 1);
	}
	done();
}

static void test_timestamp(void)
{
	/* now = 1700000000 = 2023-11-14 22:13:20 UTC */
	int rc = pt_load("ip4set",
	                 "$TIMESTAMP 2023-11-14 2023:11:15:10\n$TIMESTAMP 202301010000 +1h\n"
	                 "$TIMESTAMP 0 2099-01-01\n1.1.1.1\n",
	                 &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(ds[0]->ts_created, 1699920000);
		CHECK_INT(ds[0]->ts_expires, 1672534800); /* the earliest expiry */
		CHECK_INT(ds[0]->nwarnings, 0);
	}
	done();
	rc = pt_load("ip4set", "$TIMESTAMP 20231114 20991231235959\n", &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc)
		CHECK_INT(ds[0]->ts_expires, 4102444799LL); /* past 2038 */
	done();
	rc = pt_load("ip4set", "$TIMESTAMP 2023-11-15\n1.1.1.1\n", &ds, &nds);
	CHECK_INT(rc, DBL_EFUTURE);
	CHECK(strstr(pt_log, "data:1: data timestamp is") != NULL);
	done();
	rc = pt_load("ip4set",
	             "$TIMESTAMP 1969-12-31\n$TIMESTAMP 2023-02-29\n"
	             "$TIMESTAMP 2023-01-01 +0\n$TIMESTAMP 2023-01-01 junk\n"
	             "$TIMESTAMP 2020-02-29 -\n",
	             &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(ds[0]->nwarnings, 4);
		CHECK_INT(ds[0]->ts_created, 1582934400); /* leap day 2020 */
	}
	done();
	{
		/* a full timestamp ends at the end of the line or a blank */
		int64_t ts;
		const char *p = dbl_parse_timestamp("20231114235959  +1h", &ts);
		CHECK(p && strcmp(p, "+1h") == 0 && ts == 1700006399);
		CHECK(dbl_parse_timestamp("20231114235959x", &ts) == NULL);
		CHECK((p = dbl_parse_timestamp("20231114235959", &ts)) && !*p);
	}
}

/* The parser's value table: 60,000 distinct values grow it through nine
 * rehashes, each is found again with the vid it got (the table keeps
 * every value's hash in its slot, so a rehash reads no value), and values
 * that differ only in A, only in text length or have no text are their
 * own. */
static void test_vtab_interning(void)
{
	enum { N = 60000 };
	struct dbl_vtab t = {0};
	const uint8_t a2[4] = {127, 0, 0, 2};
	char txt[32];
	int32_t vid = -1;
	int bad = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			const uint8_t a[4] = {127, 0, 0, (uint8_t)(2 + i % 3)};
			int n = snprintf(txt, sizeof txt, "SBL%d", i / 3);
			bad += dbl_vtab_add(&t, a, txt, (size_t)n, &vid) != 0 || vid != i;
		}
	}
	CHECK(bad == 0);
	CHECK(t.n == N);
	CHECK(dbl_vtab_add(&t, a2, "", 0, &vid) == 0 && vid == N);
	CHECK(dbl_vtab_add(&t, a2, "", 0, &vid) == 0 && vid == N);
	CHECK(dbl_vtab_add(&t, a2, "SBL", 3, &vid) == 0 && vid == N + 1);
	CHECK(dbl_vtab_add(&t, a2, "SBL1", 4, &vid) == 0 && vid == 3);
	CHECK(t.n == N + 2);
	dbl_vtab_free(&t);
}

int main(void)
{
	pt_init();
	test_compile();
	test_compile_matches_one_step_expansion();
	test_vars_in_files();
	test_time();
	test_soa_ns_ttl();
	test_timestamp();
	test_vtab_interning();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
