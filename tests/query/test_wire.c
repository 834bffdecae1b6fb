/* test_wire.c - dbl_query() protocol rules: every drop rule of contract
 * section 3, header handling, classes, meta qtypes, zone selection and
 * failure, EDNS(0) (6.3), truncation (6.2), NOTIMP (6.4), info. */
#include <string.h>

#include "check.h"
#include "dbl_err.h"
#include "dbl_schema.h"
#include "qtest.h"

#define T_A    1
#define T_NS   2
#define T_SOA  6
#define T_TXT  16
#define T_AAAA 28
#define T_ANY  255

static struct qt_resp *run(const uint8_t *req, size_t n)
{
	return qt_run(req, n, 512);
}

/* ---- drops (contract 3, last row) ---- */

static void test_drop_short(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);

	/* shorter than a header */
	for (size_t l = 0; l < 12; l++)
		CHECK_INT(run(req, l)->n, DBL_EDROP);
	/* a header and nothing else, or part of the question */
	CHECK_INT(run(req, 12)->n, DBL_EDROP);
	CHECK_INT(run(req, 20)->n, DBL_EDROP);
	CHECK(run(req, n)->n > 0);
	CHECK_INT(dbl_query(qt_rtxn(), &qt_opts, &qt_env, NULL, 0, req, 512, NULL), DBL_EDROP);
}

static void test_drop_qr(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x81, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	CHECK_INT(run(req, n)->n, DBL_EDROP);
}

static void test_drop_qdcount(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);

	req[5] = 0;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
	req[5] = 2;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
	req[4] = 1;
	req[5] = 1; /* 257 */
	CHECK_INT(run(req, n)->n, DBL_EDROP);
}

static void test_drop_label_over_63(void)
{
	char name[300];
	uint8_t req[600];
	size_t n;
	struct qt_resp *p;

	memset(name, 'a', 63);
	strcpy(name + 63, ".bl.test");
	n = qt_req(req, 7, 0x01, name, T_A, 1, -1, 0, 0);
	p = run(req, n);
	CHECK(p->n > 0);
	CHECK_INT(p->rcode, 3); /* 63 is fine: NXDOMAIN */
	memset(name, 'a', 64);
	strcpy(name + 64, ".bl.test");
	n = qt_req(req, 7, 0x01, name, T_A, 1, -1, 0, 0);
	CHECK_INT(run(req, n)->n, DBL_EDROP);
	/* 0x40 and 0x80: extended label types, also > 63 */
	n = qt_req(req, 7, 0x01, "bl.test", T_A, 1, -1, 0, 0);
	req[12] = 0x42;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
	req[12] = 0x82;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
}

/* A name of exactly total wire bytes (root included) under bl.test. */
static size_t long_name_req(uint8_t *req, size_t total)
{
	char name[600];
	size_t o = 0, left = total - 9; /* \2bl\4test\0 = 9 bytes */

	while (left > 0) {
		size_t l = left - 1 > 63 ? 63 : left - 1;
		if (l == 0) { /* a single byte left: widen the previous label */
			break;
		}
		memset(name + o, 'x', l);
		o += l;
		name[o++] = '.';
		left -= l + 1;
	}
	strcpy(name + o, "bl.test");
	return qt_req(req, 7, 0x01, name, T_A, 1, -1, 0, 0);
}

static void test_drop_name_over_255(void)
{
	uint8_t req[700];
	size_t n;

	n = long_name_req(req, 255);
	CHECK_INT(n, 12 + 255 + 4);
	CHECK(run(req, n)->n > 0);
	CHECK_INT(run(req, n)->rcode, 3);
	n = long_name_req(req, 256);
	CHECK_INT(n, 12 + 256 + 4);
	CHECK_INT(run(req, n)->n, DBL_EDROP);
}

static void test_drop_pointer(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x01, "a.bl.test", T_A, 1, -1, 0, 0);

	/* "a" then a pointer back to the header instead of bl.test */
	req[14] = 0xC0;
	req[15] = 0x0C;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
	/* a pointer as the whole name */
	n = qt_req(req, 7, 0x01, ".", T_A, 1, -1, 0, 0);
	req[12] = 0xC0;
	CHECK_INT(run(req, n + 1)->n, DBL_EDROP);
}

static void test_drop_truncated_question(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);

	/* name cut, root label missing, QTYPE/QCLASS partly missing */
	for (size_t l = 12; l < n; l++)
		CHECK_INT(run(req, l)->n, DBL_EDROP);
	/* a label that claims more bytes than the packet has */
	req[12] = 60;
	CHECK_INT(run(req, n)->n, DBL_EDROP);
}

static void test_trailing_garbage(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 7, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	struct qt_resp *p;

	memset(req + n, 0xEE, 20);
	p = run(req, n + 20);
	CHECK(p->n > 0);
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 1);
}

/* ---- header ---- */

static void test_header_flags(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 0xBEEF, 0x01, "2.0.0.127.Bl.TeSt", T_A, 1, -1, 0, 0);
	struct qt_resp *p;

	req[3] = 0x70 | 0x20 | 0x10; /* Z, AD, CD set in the query */
	p = run(req, n);
	CHECK_INT(p->id, 0xBEEF);
	CHECK(p->qr && p->aa && p->rd && !p->ra && !p->tc);
	CHECK_INT(p->f2, 0); /* RA, Z, AD, CD cleared; NOERROR */
	CHECK_INT(p->qd, 1);
	/* the question goes back exactly as received */
	CHECK(memcmp(p->b + 12, req + 12, n - 12) == 0);
	CHECK_STR(p->qname, "2.0.0.127.Bl.TeSt.");
	n = qt_req(req, 0xBEEF, 0x00, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	p = run(req, n);
	CHECK(!p->rd && p->aa);
	CHECK(p->parse_ok);
}

static void test_notimp_opcode(void)
{
	static const unsigned ops[] = {1, 2, 4, 5, 15};
	for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		uint8_t req[600];
		size_t n = qt_req(req, 9, (uint8_t)(ops[i] << 3 | 0x01), "2.0.0.127.bl.test", T_A,
		                  1, -1, 0, 0);
		struct qt_resp *p = run(req, n);
		CHECK_INT(p->rcode, 4);
		CHECK_INT(p->opcode, ops[i]); /* contract 6.4: echoed */
		CHECK(!p->aa && p->rd && p->qr);
		CHECK(p->qd == 1 && p->an == 0 && p->ns == 0 && p->ar == 0);
		CHECK_INT(p->info.rcode, 4);
	}
}

static void test_notimp_aa_tc_in_query(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 9, 0x04 | 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	struct qt_resp *p = run(req, n);

	CHECK_INT(p->rcode, 4);
	CHECK(!p->aa && !p->tc);
	n = qt_req(req, 9, 0x02, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	p = run(req, n);
	CHECK_INT(p->rcode, 4);
	CHECK(!p->aa && !p->tc && !p->rd);
}

/* ---- classes ---- */

static void test_class_any(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 255, -1, 0, 0);
	struct qt_resp *p = run(req, n);

	CHECK_INT(p->rcode, 0);
	CHECK(!p->aa);
	CHECK_INT(p->an, 1);
	CHECK_STR(qt_sec(p, 0, 0)->text, "127.0.0.2");
	CHECK_INT(qt_sec(p, 0, 0)->klass, 1);
	n = qt_req(req, 9, 0x01, "1.0.0.127.bl.test", T_A, 255, -1, 0, 0);
	p = run(req, n);
	CHECK_INT(p->rcode, 3);
	CHECK(!p->aa);
}

static void test_class_other_refused(void)
{
	static const uint16_t classes[] = {4, 254, 2, 0, 65535};
	for (unsigned i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		uint8_t req[600];
		size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, classes[i], -1, 0, 0);
		struct qt_resp *p = run(req, n);
		CHECK_INT(p->rcode, 5);
		CHECK(!p->aa && p->an == 0 && p->ns == 0 && p->ar == 0);
	}
}

static void test_chaos_version(void)
{
	static const char *names[] = {"version.bind", "version.server", "VERSION.Bind"};
	uint8_t req[600];
	size_t n;
	struct qt_resp *p;

	for (unsigned i = 0; i < 3; i++) {
		n = qt_req(req, 9, 0x01, names[i], T_TXT, 3, -1, 0, 0);
		p = run(req, n);
		CHECK_INT(p->rcode, 0);
		CHECK(!p->aa);
		CHECK_INT(p->an, 1);
		CHECK_INT(qt_sec(p, 0, 0)->klass, 3);
		CHECK_INT(qt_sec(p, 0, 0)->ttl, 0);
		CHECK_STR(qt_sec(p, 0, 0)->text, "dnsbld test");
		CHECK(p->b[n] == 0xC0 && p->b[n + 1] == 0x0C);
	}
	/* other CH names and types: REFUSED (as rbldnsd) */
	n = qt_req(req, 9, 0x01, "hostname.bind", T_TXT, 3, -1, 0, 0);
	CHECK_INT(run(req, n)->rcode, 5);
	n = qt_req(req, 9, 0x01, "id.server", T_TXT, 3, -1, 0, 0);
	CHECK_INT(run(req, n)->rcode, 5);
	n = qt_req(req, 9, 0x01, "version.bind", T_A, 3, -1, 0, 0);
	CHECK_INT(run(req, n)->rcode, 5);
	/* IN version.bind is an ordinary name outside every zone */
	n = qt_req(req, 9, 0x01, "version.bind", T_TXT, 1, -1, 0, 0);
	CHECK_INT(run(req, n)->rcode, 5);
	/* hidden */
	qt_opts.hide_version = true;
	n = qt_req(req, 9, 0x01, "version.bind", T_TXT, 3, -1, 0, 0);
	p = run(req, n);
	CHECK_INT(p->rcode, 5);
	CHECK_INT(p->an, 0);
	qt_reset_opts();
	qt_opts.version = NULL;
	CHECK_INT(run(req, n)->rcode, 5);
	qt_reset_opts();
}

/* ---- qtypes ---- */

static void test_qtype_xfr_refused(void)
{
	CHECK_INT(qt_q("bl.test", 252)->rcode, 5);
	CHECK(!qt_q("bl.test", 252)->aa);
	CHECK_INT(qt_q("bl.test", 251)->rcode, 5);
	CHECK_INT(qt_q("2.0.0.127.bl.test", 252)->rcode, 5);
}

static void test_qtype_meta_notimp(void)
{
	static const uint16_t t[] = {250, 253, 254};
	for (unsigned i = 0; i < 3; i++) {
		struct qt_resp *p = qt_q("2.0.0.127.bl.test", t[i]);
		CHECK_INT(p->rcode, 4);
		CHECK_INT(p->opcode, 0);
		CHECK(!p->aa && p->an == 0);
	}
}

static void test_qtype_ordinary_data(void)
{
	/* contract 6.4: CAA 257 and every other data type: NODATA/NXDOMAIN */
	static const uint16_t t[] = {257, 249, 65535, 0, 256, 41, 65280};
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct qt_resp *p = qt_q("2.0.0.127.bl.test", t[i]);
		CHECK_INT(p->rcode, 0);
		CHECK(p->aa && p->an == 0 && p->ns == 1);
		CHECK_INT(qt_sec(p, 1, 0)->type, T_SOA);
		p = qt_q("1.0.0.127.bl.test", t[i]);
		CHECK_INT(p->rcode, 3);
		CHECK(p->aa && p->ns == 1);
	}
}

/* ---- zones ---- */

static void test_refused_outside_zones(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.example.org", T_A);
	CHECK_INT(p->rcode, 5);
	CHECK(!p->aa && p->an == 0 && p->ns == 0 && p->ar == 0);
	CHECK(p->info.zone == NULL);
	CHECK_INT(qt_q("test", T_A)->rcode, 5);
	CHECK_INT(qt_q(".", T_NS)->rcode, 5);
	CHECK_INT(qt_q("bl.test.org", T_A)->rcode, 5);
	CHECK_INT(qt_q("xbl.test", T_A)->rcode, 5);
}

static void test_refused_no_data(void)
{
	uint8_t req[600], resp[512];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	struct dbl_query_info info;
	int rc = dbl_query(NULL, &qt_opts, &qt_env, req, n, resp, sizeof resp, &info);

	CHECK_INT(rc, (int)n);
	CHECK_INT(resp[3] & 0xF, 5);
	CHECK_INT(resp[2] & 0x04, 0);
	CHECK_INT(info.rcode, 5);
	/* version.bind needs no data */
	n = qt_req(req, 9, 0x01, "version.bind", T_TXT, 3, -1, 0, 0);
	rc = dbl_query(NULL, &qt_opts, &qt_env, req, n, resp, sizeof resp, &info);
	CHECK(rc > (int)n);
	CHECK_INT(resp[3] & 0xF, 0);
}

static void test_servfail(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.failed.test", T_A);
	CHECK_INT(p->rcode, 2);
	CHECK(!p->aa && p->an == 0 && p->ns == 0);
	CHECK(p->info.zone != NULL);
	CHECK_INT(qt_q("failed.test", T_SOA)->rcode, 2);
	/* $TIMESTAMP expiry */
	p = qt_q("2.0.0.127.expired.test", T_A);
	CHECK_INT(p->rcode, 2);
	CHECK(!p->aa);
	p = qt_q("2.0.0.127.future.test", T_A);
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 1);
	qt_env.now = QT_NOW + 1000; /* expires exactly now */
	CHECK_INT(qt_q("2.0.0.127.future.test", T_A)->rcode, 2);
	qt_reset_opts();
}

static void test_most_specific_zone(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.sub.bl.test", T_A);
	CHECK_INT(p->rcode, 0);
	CHECK_INT(p->an, 1);
	CHECK_STR(qt_sec(p, 0, 0)->text, "127.0.0.9");
	CHECK(p->info.zone && p->info.zone->name.len == 13);
}

/* ---- EDNS (contract 6.3) ---- */

static void test_edns_opt_back(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 4096, 0, 0x8000);
	struct qt_resp *p = run(req, n);

	CHECK_INT(p->rcode, 0);
	CHECK(p->opt);
	CHECK_INT(p->opt_payload, 1232);
	CHECK_INT(p->opt_ttl, 0x8000); /* ext rcode 0, version 0, DO copied */
	CHECK_INT(p->ar, 1);
	CHECK(p->parse_ok);
	/* no OPT in, none out */
	p = qt_q("2.0.0.127.bl.test", T_A);
	CHECK(!p->opt && p->ar == 0);
	/* Z flags are not echoed */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 1232, 0, 0x7FFF);
	p = run(req, n);
	CHECK(p->opt && p->opt_ttl == 0);
	/* OPT on errors too */
	n = qt_req(req, 9, 0x01, "example.org", T_A, 1, 1232, 0, 0);
	p = run(req, n);
	CHECK(p->rcode == 5 && p->opt);
}

static void test_edns_badvers(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 1232, 1, 0);
	struct qt_resp *p = run(req, n);

	CHECK_INT(p->f2 & 0xF, 0);
	CHECK_INT(p->rcode, 16); /* BADVERS = 16: 1 in the OPT's extended rcode */
	CHECK(p->opt && (p->opt_ttl >> 24) == 1 && ((p->opt_ttl >> 16) & 0xFF) == 0);
	CHECK(!p->aa && p->an == 0 && p->ns == 0 && p->ar == 1);
	CHECK_INT(p->info.rcode, 16);
}

static void test_edns_malformed_formerr(void)
{
	uint8_t req[600];
	size_t n;
	struct qt_resp *p;

	/* OPT owner not the root */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	memcpy(req + n, "\1x\0\0\x29\4\xD0\0\0\0\0\0\0", 13);
	req[11] = 1;
	p = run(req, n + 13);
	CHECK_INT(p->rcode, 1);
	CHECK(!p->opt && !p->aa && p->an == 0);
	/* an option running past the OPT rdata */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 1232, 0, 0);
	req[n - 1] = 4;                   /* rdlen 4 */
	memcpy(req + n, "\0\12\0\10", 4); /* option 10 (cookie), length 8: past the end */
	p = run(req, n + 4);
	CHECK_INT(p->rcode, 1);
	/* a well-formed option is fine (and not echoed) */
	memcpy(req + n, "\0\12\0\0", 4);
	p = run(req, n + 4);
	CHECK_INT(p->rcode, 0);
	CHECK(p->opt && p->parse_ok);
	/* two OPTs: RFC 6891 6.1.1 */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 1232, 0, 0);
	memcpy(req + n, req + n - 11, 11);
	req[11] = 2;
	p = run(req, n + 11);
	CHECK_INT(p->rcode, 1);
	CHECK(!p->opt);
	/* ARCOUNT says 1, nothing there */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	req[11] = 1;
	CHECK_INT(run(req, n)->rcode, 1);
	/* an OPT in the answer section */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, 1232, 0, 0);
	req[11] = 0;
	req[7] = 1;
	CHECK_INT(run(req, n)->rcode, 1);
	/* a non-OPT additional record (e.g. TSIG-like) is skipped */
	n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	memcpy(req + n, "\xC0\x0C\0\x10\0\1\0\0\0\0\0\1\0", 13);
	req[11] = 1;
	p = run(req, n + 13);
	CHECK_INT(p->rcode, 0);
	CHECK(!p->opt);
}

static void test_edns_payload_clamp(void)
{
	struct qt_resp *p;

	/* big.test A: 40 A records, 676 bytes + OPT */
	p = qt_qe("2.0.0.127.big.test", T_A, 700);
	CHECK(!p->tc && p->an == 40 && p->opt);
	CHECK(p->n <= 700);
	p = qt_qe("2.0.0.127.big.test", T_A, 600);
	CHECK(p->tc && p->an == 0 && p->opt);
	CHECK(p->n <= 600);
	/* below 512 counts as 512 (RFC 6891 6.2.5) */
	p = qt_qe("2.0.0.127.big.test", T_A, 100);
	CHECK(p->tc && p->opt);
	p = qt_qe("2.0.0.127.bl.test", T_A, 100);
	CHECK(!p->tc && p->an == 1);
	/* above ours: ours (1232) */
	p = qt_qe("2.0.0.127.big.test", T_TXT, 65000);
	CHECK(p->tc && p->an == 0);
	CHECK(p->n <= 1232);
	CHECK_INT(p->opt_payload, 1232);
}

/* ---- truncation (contract 6.2) ---- */

static void test_tc_udp(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.big.test", T_A);
	CHECK(p->tc && p->aa);
	CHECK_INT(p->rcode, 0);
	CHECK(p->qd == 1 && p->an == 0 && p->ns == 0 && p->ar == 0);
	CHECK_INT(p->n, 12 + 24);
	CHECK(p->info.truncated);
	p = qt_q("2.0.0.127.big.test", T_TXT);
	CHECK(p->tc && p->n <= 512);
}

static void test_tcp_full(void)
{
	uint8_t req[600];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.big.test", T_ANY, 1, -1, 0, 0);
	struct qt_resp *p;

	qt_env.tcp = true;
	p = qt_run(req, n, 65535);
	CHECK(!p->tc);
	CHECK_INT(p->an, 80);
	CHECK(p->n > 5000 && p->parse_ok);
	/* never more than cap */
	p = qt_run(req, n, 1000);
	CHECK(p->tc && p->n <= 1000);
	qt_reset_opts();
}

/* ---- info ---- */

static void test_info(void)
{
	struct qt_resp *p = qt_q("2.0.0.127.bl.test", T_TXT);
	CHECK(p->info.zone != NULL);
	CHECK_INT(p->info.qtype, T_TXT);
	CHECK_INT(p->info.qclass, 1);
	CHECK_INT(p->info.rcode, 0);
	CHECK(p->info.listed && !p->info.truncated);
	p = qt_q("1.0.0.127.bl.test", T_A);
	CHECK(!p->info.listed);
	CHECK_INT(p->info.rcode, 3);
	p = qt_q("bl.test", T_SOA);
	CHECK(!p->info.listed);
	/* listed with a qtype that has no data: still listed */
	p = qt_q("2.0.0.127.bl.test", T_AAAA);
	CHECK(p->info.listed);
	p = qt_q("2.0.0.127.big.test", T_TXT);
	CHECK(p->info.truncated && p->info.listed);
}

static void test_small_cap(void)
{
	uint8_t req[600], resp[64];
	size_t n = qt_req(req, 9, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);
	int rc = dbl_query(qt_rtxn(), &qt_opts, &qt_env, req, n, resp, 20, NULL);
	CHECK_INT(rc, DBL_ETOOBIG);
	rc = dbl_query(qt_rtxn(), &qt_opts, &qt_env, req, n, resp, 40, NULL);
	CHECK_INT(rc, (int)n); /* fits only the question: TC */
	CHECK(resp[2] & 0x02);
}

static void setup(void)
{
	qt_open();
}

/* The prefetch hint's parse: the address of the first four labels, or
 * nothing, never a read past the request. */
static void test_ip4_hint(void)
{
	uint8_t req[600];
	uint32_t a = 0;
	size_t n = qt_req(req, 7, 0x01, "2.0.0.127.bl.test", T_A, 1, -1, 0, 0);

	CHECK_INT(dbl_query_ip4_hint(req, n, &a), 0);
	CHECK(a == 0x7F000002u);
	n = qt_req(req, 7, 0x01, "255.254.1.10.zen.test", T_TXT, 1, -1, 0, 0);
	CHECK_INT(dbl_query_ip4_hint(req, n, &a), 0);
	CHECK(a == 0x0A01FEFFu);
	for (size_t l = 0; l < 12 + 10; l++) /* cut inside the four labels */
		CHECK_INT(dbl_query_ip4_hint(req, l, &a), -1);
	static const char *no[] = {
	    "256.0.0.127.bl.test",  "2.0.127.bl.test", "2.0.0.x.bl.test",   "0002.0.0.127.bl.test",
	    "example.com.dbl.test", "2.0.0",           "02.0.0.127.bl.test"};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		n = qt_req(req, 7, 0x01, no[i], T_A, 1, -1, 0, 0);
		CHECK_INT(dbl_query_ip4_hint(req, n, &a), -1);
	}
}

static void teardown(void)
{
	qt_close();
}

TEST_MAIN(setup, test_drop_short, test_drop_qr, test_drop_qdcount, test_drop_label_over_63,
          test_drop_name_over_255, test_drop_pointer, test_drop_truncated_question,
          test_trailing_garbage, test_header_flags, test_notimp_opcode, test_notimp_aa_tc_in_query,
          test_class_any, test_class_other_refused, test_chaos_version, test_qtype_xfr_refused,
          test_qtype_meta_notimp, test_qtype_ordinary_data, test_refused_outside_zones,
          test_refused_no_data, test_servfail, test_most_specific_zone, test_edns_opt_back,
          test_edns_badvers, test_edns_malformed_formerr, test_edns_payload_clamp, test_tc_udp,
          test_tcp_full, test_info, test_small_cap, test_ip4_hint, teardown)
