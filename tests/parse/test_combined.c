/* test_combined.c - combined datasets, BIND zone files (ldns) and zone specs. */
#include "dbl_schema.h"
#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

static bool has_sub(const struct dbl_dsdata *d, const char *sub)
{
	uint8_t rel[256];
	int n = strcmp(sub, "@") == 0 ? 0 : dbl_rel_from_text(rel, sub, strlen(sub));
	for (size_t i = 0; i < d->nsubs; i++)
		if (d->subs[i].len == n && memcmp(d->subs[i].b, rel, (size_t)n) == 0)
			return true;
	return false;
}

static void test_combined(void)
{
	int rc = pt_load("combined",
	                 "$SOA 1w ns1.zen.test admin.zen.test 0 2h 2h 1w 1h\n"
	                 "$NS 1w ns1.zen.test\n"
	                 "$TTL 15m\n"
	                 "$1 shared\n"
	                 "$DATASET ip4set:sbl-section-with-a-long-name sbl @ # comment\n"
	                 ":127.0.0.2:SBL $1 $\n"
	                 "127.0.0.2\n"
	                 "$SOA 60 ignored.test. x.test. 1 1 1 1 1\n" /* zone-level */
	                 "$DATASET ip4tset:xbl xbl @ bad..name\n"
	                 "$TTL 5m\n"
	                 "$2 local\n"
	                 ":127.0.0.4:XBL $2\n"
	                 "127.0.0.2\n"
	                 "$DATASET dnset dbl SBL\n"
	                 "Example.com\n"
	                 "$DATASET generic @\n"
	                 "@ A 127.0.0.1\n"
	                 "$DATASET ip4set\n" /* no subzones: ignored */
	                 "1.1.1.1\n",
	                 &ds, &nds);
	CHECK_INT(rc, 0);
	CHECK_INT(nds, 5);
	if (rc || nds != 5)
		return;
	/* the carrier: zone-level SOA/NS, no subzones */
	CHECK_STR(ds[0]->type, "combined");
	CHECK_INT(ds[0]->nsubs, 0);
	CHECK(ds[0]->soa.present);
	CHECK_INT(ds[0]->soa.ttl, 604800);
	CHECK_INT(ds[0]->soa.minimum, 3600);
	CHECK_INT(ds[0]->nns, 1);
	CHECK_INT(ds[0]->nwarnings, 2);
	CHECK_STR(ds[1]->type, "ip4set");
	CHECK(strstr(ds[1]->label, ":ip4set:sbl-section-with-a") != NULL);
	CHECK(strstr(ds[1]->label, "long-name") == NULL); /* cut to 20 */
	CHECK_INT(ds[1]->nsubs, 2);
	CHECK(has_sub(ds[1], "sbl") && has_sub(ds[1], "@"));
	CHECK_INT(ds[1]->ttl, 900);
	CHECK_STR(pt_q4(ds[1], "127.0.0.2"), "127.0.0.2:SBL shared $");
	CHECK_STR(ds[2]->type, "ip4tset");
	CHECK_INT(ds[2]->nsubs, 2);
	CHECK_INT(ds[2]->ttl, 300);
	CHECK_STR(pt_q4(ds[2], "127.0.0.2"), "127.0.0.4:XBL local");
	CHECK_STR(ds[3]->type, "dnset");
	CHECK_INT(ds[3]->nsubs, 2);
	CHECK(has_sub(ds[3], "dbl") && has_sub(ds[3], "sbl"));
	CHECK(pt_findname(ds[3], "example.com", false) >= 0);
	CHECK_STR(ds[4]->type, "generic");
	CHECK_INT(ds[4]->nrrs, 1);
	CHECK_INT(ds[4]->ttl, 900);
	for (size_t i = 0; i < nds; i++)
		CHECK(ds[i]->newest_mtime > 0);
	done();
}

static void test_combined_errors(void)
{
	CHECK_INT(pt_load("combined", "$TTL 1h\n1.2.3.4\n$DATASET ip4set @\n", &ds, &nds),
	          DBL_ESYNTAX);
	CHECK(strstr(pt_log, "data:2: data line before $DATASET") != NULL);
	done();
	CHECK_INT(pt_load("combined", "$DATASET combined @\n", &ds, &nds), DBL_ESYNTAX);
	done();
	CHECK_INT(pt_load("combined", "$DATASET acl @\n", &ds, &nds), DBL_ESYNTAX);
	done();
	CHECK_INT(pt_load("combined", "$DATASET bind @\n", &ds, &nds), DBL_ESYNTAX);
	done();
	CHECK_INT(pt_load("combined", "$DATASET nosuch @\n", &ds, &nds), DBL_ESYNTAX);
	CHECK(strstr(pt_log, "data:1: unknown dataset type 'nosuch'") != NULL);
	done();
	/* $DATASET outside combined is an invalid special, not an error */
	CHECK_INT(pt_load("ip4set", "$DATASET ip4set @\n", &ds, &nds), 0);
	if (nds)
		CHECK_INT(ds[0]->nwarnings, 1);
	done();
	/* an empty combined file is fine (no sections) */
	CHECK_INT(pt_load("combined", "# nothing\n", &ds, &nds), 0);
	CHECK_INT(nds, 1);
	done();
}

static void test_bind(void)
{
	int rc = pt_load("bind",
	                 "$TTL 1h\n"
	                 "@ IN SOA ns1.bl.test. hostmaster.bl.test. (\n"
	                 "        42 7200 1800 604800 300 )\n"
	                 "@ NS ns1\n"
	                 "@ NS ns2.other.test.\n"
	                 "ns1 A 127.0.0.53\r\n"
	                 "WWW 300 IN A 10.0.0.1\n"
	                 "*.wild MX 10 mail\n"
	                 "@ TXT \"hello\" \"world\"\n"
	                 "outside.example. A 1.2.3.4\n"
	                 "$ORIGIN sub.bl.test.\n"
	                 "x AAAA ::1\n"
	                 "bad line here\n"
	                 "y CH A 1.2.3.4\n",
	                 &ds, &nds);
	struct dbl_dsdata *d;
	char name[1024];

	CHECK_INT(rc, 0);
	if (rc)
		return;
	d = ds[0];
	CHECK(d->soa.present);
	CHECK_INT(d->soa.serial, 42);
	CHECK_INT(d->soa.ttl, 3600);
	CHECK_INT(d->soa.minimum, 300);
	dbl_wname_to_text(d->soa.rname.b, name, sizeof name);
	CHECK_STR(name, "hostmaster.bl.test.");
	CHECK_INT(d->nns, 2);
	dbl_wname_to_text(d->ns[0].b, name, sizeof name);
	CHECK_STR(name, "ns1.bl.test.");
	CHECK_INT(d->ns_ttl, 3600);
	CHECK_INT(d->nrrs, 5);
	CHECK_INT(d->nwarnings, 3);
	CHECK(strstr(pt_log, "outside.example. is outside the zone") != NULL);
	CHECK(strstr(pt_log, "data:10:") != NULL);
	for (size_t i = 0; i < d->nrrs; i++) {
		const struct dbl_rrent *r = &d->rrs[i];
		if (r->type == 15) {
			CHECK(r->wild);
			CHECK(r->keylen == 5 && memcmp(r->key, "\4wild", 5) == 0);
			CHECK(r->rdlen == 16 &&
			      memcmp(r->rdata, "\0\12\4mail\2bl\4test\0", 16) == 0);
		} else if (r->type == 16) {
			CHECK(!r->wild && r->keylen == 0);
			CHECK(r->rdlen == 12 && memcmp(r->rdata, "\5hello\5world", 12) == 0);
		} else if (r->type == 28) {
			CHECK(r->keylen == 6 && memcmp(r->key, "\3sub\1x", 6) == 0);
			CHECK_INT(r->rdlen, 16);
		} else if (r->type == 1 && r->keylen == 4 && memcmp(r->key, "\3www", 4) == 0) {
			CHECK_INT(r->ttl, 300);
			CHECK(r->rdlen == 4 && memcmp(r->rdata, "\12\0\0\1", 4) == 0);
		} else if (r->type == 1) {
			CHECK(r->keylen == 4 && memcmp(r->key, "\3ns1", 4) == 0);
			CHECK_INT(r->ttl, 3600);
		}
	}
	done();
	rc = pt_load("bind", "", &ds, &nds);
	CHECK_INT(rc, 0);
	done();
}

static void test_zonespec(void)
{
	struct dbl_zonespec zs;
	char err[256];
	char many[1024];
	int rc;

	rc = dbl_zonespec_parse(&zs, "BL.Test.:ip4set:a,b:c,,d", err, sizeof err);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(zs.nfiles, 4);
		CHECK_STR(zs.files[2], "c");
		CHECK_STR(zs.type, "ip4set");
		CHECK(zs.zone.len == 9 && memcmp(zs.zone.b, "\2bl\4test\0", 9) == 0);
		dbl_zonespec_free(&zs);
	}
	CHECK_INT(dbl_zonespec_parse(&zs, "nozone", err, sizeof err), DBL_ESYNTAX);
	CHECK_INT(dbl_zonespec_parse(&zs, ":ip4set:f", err, sizeof err), DBL_ESYNTAX);
	CHECK(strstr(err, "missing domain name") != NULL);
	/* acl: per zone, and with an empty zone name the global ACL */
	CHECK_INT(dbl_zonespec_parse(&zs, "bl.test:acl:f", err, sizeof err), 0);
	dbl_zonespec_free(&zs);
	CHECK_INT(dbl_zonespec_parse(&zs, ":acl:f", err, sizeof err), 0);
	CHECK(zs.zone.len == 1 && zs.zone.b[0] == 0);
	dbl_zonespec_free(&zs);
	CHECK_INT(dbl_zonespec_parse(&zs, ".:acl:f", err, sizeof err), DBL_ESYNTAX);
	CHECK_INT(dbl_zonespec_parse(&zs, "bl.test:ip4sett:f", err, sizeof err), DBL_ESYNTAX);
	CHECK(strstr(err, "unknown dataset type 'ip4sett'") != NULL);
	CHECK_INT(dbl_zonespec_parse(&zs, "bl.test:ip4set", err, sizeof err), DBL_ESYNTAX);
	CHECK_INT(dbl_zonespec_parse(&zs, "bl.test:ip4set:", err, sizeof err), DBL_ESYNTAX);
	CHECK_INT(dbl_zonespec_parse(&zs, "bl.test:ip4set:,:,", err, sizeof err), DBL_ESYNTAX);
	CHECK_INT(dbl_zonespec_parse(&zs, "bl..test:ip4set:f", err, sizeof err), DBL_ESYNTAX);
	strcpy(many, "bl.test:ip4set:");
	for (int i = 0; i < 65; i++)
		strcat(many, "f,");
	CHECK_INT(dbl_zonespec_parse(&zs, many, err, sizeof err), DBL_ESYNTAX);
	CHECK(dbl_dataset_type_known("ip4set") && dbl_dataset_type_known("ip4tset") &&
	      dbl_dataset_type_known("ip4trie") && dbl_dataset_type_known("ip6tset") &&
	      dbl_dataset_type_known("ip6trie") && dbl_dataset_type_known("dnset") &&
	      dbl_dataset_type_known("generic") && dbl_dataset_type_known("combined") &&
	      dbl_dataset_type_known("bind") && dbl_dataset_type_known("acl"));
	CHECK(!dbl_dataset_type_known("IP4SET"));
	/* a hand-made spec of an unknown type is refused by the loader */
	memset(&zs, 0, sizeof zs);
	strcpy(zs.type, "acl2");
	zs.zone.len = 1;
	pt_logreset();
	CHECK_INT(dbl_dataset_load(&zs, &pt_opts, &ds, &nds), DBL_ESYNTAX);
	CHECK(strstr(pt_log, "unknown dataset type") != NULL);
}

int main(void)
{
	pt_init();
	test_combined();
	test_combined_errors();
	test_bind();
	test_zonespec();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
