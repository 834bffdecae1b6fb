/* test_acl.c - dbl_query() with client addresses: every ACL action from
 * IPv4 and IPv6 clients, per-zone and global ACLs and their precedence
 * (contract section 4). The database is built from real zone files with
 * the parser and the builder, as dnsbl-load does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dbl_build.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_parse.h"
#include "qtest.h"

#define T_A    1
#define T_SOA  6
#define T_TXT  16
#define T_AAAA 28
#define T_ANY  255

static char dir[64];

static const char *const files[][2] = {
    {"data", "$SOA 1h ns1.bl.test hm.bl.test 5 2h 30m 1w 5m\n"
             "$NS 1d ns1.bl.test\n"
             "127.0.0.2 :2:Listed $\n"},
    {"v6", "2001:db8::/32 :3:v6 $\n"},
    {"gen", "www A 192.0.2.80\n"},
    {"dn", "$SOA 1h ns1.dbl.test hm.dbl.test 5 2h 30m 1w 5m\n"
           "example :4:dom $\n"},
    {"acl", "198.51.100.0/24 :refuse\n"
            "198.51.100.128/25 :pass\n"
            "198.51.100.2 :ignore\n"
            "198.51.100.3 :empty\n"
            "198.51.100.4 :127.0.0.9:Always listed for client $\n"
            "192.0.2.67 :127.0.0.9:zone always\n"
            "192.0.2.68 :refuse\n"
            "192.0.2.70 :127.0.0.9:zone always\n"
            "192.0.2.71 :ignore\n"
            "::1 :refuse\n"
            "2001:db8:a::/48 :127.0.0.11:v6 client $\n"
            "2001:db8:b::/48 :empty\n"},
    {"gacl", "$TTL 600\n"
             "192.0.2.66 :ignore\n"
             "192.0.2.67 :empty\n"
             "192.0.2.68 :127.0.0.10:global $\n"
             "192.0.2.70 :127.0.0.10:global $\n"
             "192.0.2.71 :refuse\n"
             "2001:db8:b::1 :ignore\n"},
};

/* zone, type, file; "" = the global ACL */
static const char *const specs[][3] = {
    {"bl.test", "ip4set", "data"}, {"bl.test", "ip6trie", "v6"}, {"bl.test", "generic", "gen"},
    {"bl.test", "acl", "acl"},     {"dbl.test", "dnset", "dn"},  {"", "acl", "gacl"},
};

static struct dbl_db *db;
static struct dbl_rtxn rtxn;
static struct dbl_dsdata **dsv[8];
static size_t ndsv[8];

/* Write the files, parse the specs, build gen-1.mdb, open it. */
static void build(void)
{
	struct dbl_build_zone zones[3];
	struct dbl_dsdata *zds[3][8];
	struct dbl_build_opts bo = {.generation = 1, .now = QT_NOW};
	struct dbl_build_stats st;
	struct dbl_parse_opts po = {.now = QT_NOW, .max_warnings = 5};
	const char *names[3] = {"bl.test", "dbl.test", ""};
	char path[256];

	memset(zones, 0, sizeof zones);
	if (!mkdtemp(strcpy(dir, "/tmp/dbl-test-acl-XXXXXX")))
		exit(2);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		FILE *f;
		snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
		if (!(f = fopen(path, "w")))
			exit(2);
		fputs(files[i][1], f);
		fclose(f);
	}
	for (size_t z = 0; z < 3; z++) {
		dbl_wname_from_text(&zones[z].name, names[z], strlen(names[z]));
		zones[z].ds = zds[z];
	}
	zones[2].flags = DBL_ZONE_GLOBAL_ACL;
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct dbl_zonespec zs;
		char spec[300], err[256];
		size_t z = strcmp(specs[i][0], "bl.test") == 0 ? 0 : specs[i][0][0] ? 1 : 2;
		snprintf(spec, sizeof spec, "%s:%s:%s/%s", specs[i][0], specs[i][1], dir,
		         specs[i][2]);
		CHECK_INT(dbl_zonespec_parse(&zs, spec, err, sizeof err), 0);
		CHECK_INT(dbl_dataset_load(&zs, &po, &dsv[i], &ndsv[i]), 0);
		dbl_zonespec_free(&zs);
		for (size_t k = 0; k < ndsv[i]; k++)
			zones[z].ds[zones[z].nds++] = dsv[i][k];
	}
	snprintf(path, sizeof path, "%s/gen-1.mdb", dir);
	if (dbl_build_write(path, zones, 3, &bo, &st) || dbl_db_open_file(&db, path) ||
	    dbl_rtxn_begin(&rtxn, db)) {
		fprintf(stderr, "cannot build the ACL fixture\n");
		exit(2);
	}
	qt_rtxn_override = &rtxn;
}

static void cleanup(void)
{
	char cmd[128];

	dbl_rtxn_end(&rtxn);
	dbl_db_close(db);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		for (size_t k = 0; k < ndsv[i]; k++)
			dbl_dsdata_free(dsv[i][k]);
		free(dsv[i]);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static void client(const char *addr)
{
	qt_reset_opts();
	if (!addr)
		return;
	if (strchr(addr, ':')) {
		qt_env.client_family = 6;
		inet_pton(AF_INET6, addr, qt_env.client_addr);
	} else {
		qt_env.client_family = 4;
		inet_pton(AF_INET, addr, qt_env.client_addr);
	}
}

static const char *txt(const struct qt_resp *p)
{
	const struct qt_rr *rr = qt_sec(p, 0, 0);
	return rr && rr->type == T_TXT ? rr->text : "(none)";
}

static void test_no_match(void)
{
	const char *who[] = {NULL, "10.9.9.9", "2001:db8:c::1", "198.51.100.200"};
	for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
		struct qt_resp *p;
		client(who[i]);
		p = qt_q("2.0.0.127.bl.test", T_A);
		CHECK(p->n > 0 && p->rcode == 0 && p->an == 1);
		CHECK(qt_has(p, 0, T_A, "127.0.0.2"));
		p = qt_q("1.1.1.1.bl.test", T_A);
		CHECK_INT(p->rcode, 3);
	}
}

static void test_ignore(void)
{
	/* zone ACL: the zone's queries are dropped, other zones answered */
	client("198.51.100.2");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->n, DBL_EDROP);
	CHECK_INT(qt_q("bl.test", T_SOA)->n, DBL_EDROP);
	CHECK_INT(qt_q("example.dbl.test", T_A)->rcode, 0);
	CHECK_INT(qt_q("out.of.zone", T_A)->rcode, 5);
	/* global ACL: everything is dropped, even out-of-zone and CH */
	client("192.0.2.66");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->n, DBL_EDROP);
	CHECK_INT(qt_q("example.dbl.test", T_A)->n, DBL_EDROP);
	CHECK_INT(qt_q("out.of.zone", T_A)->n, DBL_EDROP);
	{
		uint8_t req[100];
		size_t n = qt_req(req, 7, 0, "version.bind", T_TXT, 3, -1, 0, 0);
		CHECK_INT(qt_run(req, n, 512)->n, DBL_EDROP);
	}
	/* IPv6 client in the global ACL */
	client("2001:db8:b::1");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->n, DBL_EDROP);
}

static void test_refuse(void)
{
	const char *who[] = {"198.51.100.1", "::1"};
	for (size_t i = 0; i < 2; i++) {
		struct qt_resp *p;
		client(who[i]);
		p = qt_q("2.0.0.127.bl.test", T_A);
		CHECK(p->rcode == 5 && !p->aa && p->an == 0 && p->ns == 0);
		/* metadata too (rbldnsd): apex SOA, the freshness record */
		CHECK_INT(qt_q("bl.test", T_SOA)->rcode, 5);
		CHECK_INT(qt_q("_dnsbl.bl.test", T_TXT)->rcode, 5);
		CHECK_INT(qt_q("www.bl.test", T_A)->rcode, 5);
		/* only this zone */
		CHECK_INT(qt_q("example.dbl.test", T_A)->rcode, 0);
	}
	/* CH version.bind is not zone data: answered */
	{
		uint8_t req[100];
		size_t n = qt_req(req, 7, 0, "version.bind", T_TXT, 3, -1, 0, 0);
		CHECK_INT(qt_run(req, n, 512)->rcode, 0);
	}
}

static void test_empty(void)
{
	const char *who[] = {"198.51.100.3", "2001:db8:b::7"};
	for (size_t i = 0; i < 2; i++) {
		struct qt_resp *p;
		client(who[i]);
		p = qt_q("2.0.0.127.bl.test", T_A);
		CHECK(p->rcode == 3 && p->aa && p->an == 0);
		CHECK(qt_has(p, 1, T_SOA, "ns1.bl.test. hm.bl.test. 5 7200 1800 604800 300"));
		CHECK(!p->info.listed);
		/* v6 data hidden too; no empty non-terminal below */
		CHECK_INT(qt_q("0.0.127.bl.test", T_A)->rcode, 3);
		/* apex and generic data still work */
		p = qt_q("bl.test", T_SOA);
		CHECK(p->rcode == 0 && p->an == 1);
		p = qt_q("www.bl.test", T_A);
		CHECK(p->rcode == 0 && qt_has(p, 0, T_A, "192.0.2.80"));
		CHECK_INT(qt_q("_dnsbl.bl.test", T_TXT)->an, 1);
	}
}

static void test_always(void)
{
	struct qt_resp *p;

	client("198.51.100.4");
	p = qt_q("1.1.1.1.bl.test", T_A);
	CHECK(p->rcode == 0 && p->an == 1 && qt_has(p, 0, T_A, "127.0.0.9"));
	CHECK(p->info.listed);
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 2100);
	p = qt_q("2.0.0.127.bl.test", T_TXT); /* the data's own value is not used */
	CHECK(p->an == 1 && strcmp(txt(p), "Always listed for client 198.51.100.4") == 0);
	p = qt_q("1.1.1.1.bl.test", T_ANY);
	CHECK_INT(p->an, 2);
	p = qt_q("1.1.1.1.bl.test", T_AAAA); /* listed: NODATA */
	CHECK(p->rcode == 0 && p->an == 0 && p->ns == 1);
	/* an IPv6 key of the zone's v6 data, and a v4-mapped one */
	p = qt_q("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.9.9.9.f.f.f.f.bl.test", T_A);
	CHECK(p->rcode == 0 && qt_has(p, 0, T_A, "127.0.0.9"));
	/* not a key of any DNSBL dataset of the zone: not listed */
	CHECK_INT(qt_q("foo.bl.test", T_A)->rcode, 3);
	CHECK_INT(qt_q("1.1.1.bl.test", T_A)->rcode, 3);
	CHECK(qt_has(qt_q("www.bl.test", T_A), 0, T_A, "192.0.2.80"));
	CHECK_INT(qt_q("bl.test", T_SOA)->an, 1);
	/* IPv6 client: "$" is its address */
	client("2001:db8:a::5");
	p = qt_q("9.9.9.9.bl.test", T_TXT);
	CHECK_STR(txt(p), "v6 client 2001:db8:a::5");
	/* global always: any name of a dnset zone, TTL from the acl's $TTL */
	client("192.0.2.68");
	p = qt_q("anything.at.all.dbl.test", T_ANY);
	CHECK(p->rcode == 0 && qt_has(p, 0, T_A, "127.0.0.10"));
	CHECK(qt_has(p, 0, T_TXT, "global 192.0.2.68"));
	CHECK_INT(qt_sec(p, 0, 0)->ttl, 600);
	CHECK_INT(qt_q("dbl.test", T_SOA)->an, 1); /* the apex is no key */
}

static void test_precedence(void)
{
	/* global empty beats zone always */
	client("192.0.2.67");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->rcode, 3);
	/* zone refuse beats global always; other zones keep global always */
	client("192.0.2.68");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->rcode, 5);
	CHECK(qt_has(qt_q("example.dbl.test", T_A), 0, T_A, "127.0.0.10"));
	/* both always: the global ACL's value first */
	client("192.0.2.70");
	{
		struct qt_resp *p = qt_q("1.1.1.1.bl.test", T_A);
		CHECK(p->an == 1 && qt_has(p, 0, T_A, "127.0.0.10"));
	}
	/* zone ignore beats global refuse */
	client("192.0.2.71");
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->n, DBL_EDROP);
	CHECK_INT(qt_q("example.dbl.test", T_A)->rcode, 5);
	/* TCP: the same decisions */
	client("192.0.2.71");
	qt_env.tcp = true;
	CHECK_INT(qt_q("2.0.0.127.bl.test", T_A)->n, DBL_EDROP);
}

int main(void)
{
	build();
	test_no_match();
	test_ignore();
	test_refuse();
	test_empty();
	test_always();
	test_precedence();
	qt_rtxn_override = NULL;
	cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
