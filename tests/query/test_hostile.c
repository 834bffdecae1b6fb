/* test_hostile.c - the hostile-packet list of issue 6 and the checks of
 * RFC 8906 section 8, one named row each, against dbl_query() and the
 * fixture database of qtest.c.
 *
 * Every row gives the exact expected outcome as one canonical string:
 *   "drop"                               no reply at all
 *   "RCODE[ op=N][ aa][ tc][ rd] qd=N an=[T,..] ns=[T,..] ar=[T,..]"
 * where the section lists are the RR types in order and the OPT RR shows
 * as OPT (or OPT+do when the DO bit is set in it). The outcome actually
 * produced is formatted the same way and compared, and the table of rows
 * is printed (name, outcome, PASS/FAIL) so the run documents itself.
 *
 * On top of the outcome, every reply is checked for the invariants that
 * hold whatever the row: ID echoed, QR set, RA/Z/AD/CD clear, the question
 * echoed byte for byte, never longer than the limit (512 without EDNS over
 * UDP, the client payload clamped to [512, 1232] with EDNS, 65535 over
 * TCP), and an OPT that is version 0, advertises 1232, carries no options
 * and no flag but DO. Requests are passed as exact-size heap copies, so
 * an ASan build catches any read past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbl_err.h"
#include "dbl_schema.h"
#include "qtest.h"

#define OPT_LEN  11 /* root owner + type + class + ttl + rdlength */
#define T_A      1
#define T_NS     2
#define T_SOA    6
#define T_TXT    16
#define T_DNSKEY 48
#define C_IN     1
#define C_CH     3
#define C_HS     4
#define C_NONE   254
#define C_ANY    255

#define LISTED   "2.0.0.127.bl.test" /* 127.0.0.2: A + TXT */
#define UNLISTED "1.0.0.127.bl.test" /* NXDOMAIN */

static int rows, rows_failed;

/* ---- formatting ---- */

static const char *rcode_name(unsigned rc)
{
	static const char *n[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                          "NXDOMAIN", "NOTIMP",  "REFUSED"};
	static char buf[16];
	if (rc < sizeof n / sizeof n[0])
		return n[rc];
	if (rc == 16)
		return "BADVERS";
	snprintf(buf, sizeof buf, "RCODE%u", rc);
	return buf;
}

static const char *type_name(uint16_t t)
{
	static char buf[16];
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	}
	snprintf(buf, sizeof buf, "TYPE%u", t);
	return buf;
}

static size_t put_sec(char *o, size_t cap, const struct qt_resp *p, int sec, int n, bool opt)
{
	size_t t = (size_t)snprintf(o, cap, "[");
	for (int k = 0; k < n; k++)
		t += (size_t)snprintf(o + t, cap - t, "%s%s", k ? "," : "",
		                      type_name(qt_sec(p, sec, k)->type));
	if (opt)
		t += (size_t)snprintf(o + t, cap - t, "%s%s", n ? "," : "",
		                      (p->opt_ttl & 0x8000) ? "OPT+do" : "OPT");
	t += (size_t)snprintf(o + t, cap - t, "]");
	return t;
}

static void describe(const struct qt_resp *p, char *o, size_t cap)
{
	size_t t;
	int nar;

	if (p->n == DBL_EDROP) {
		snprintf(o, cap, "drop");
		return;
	}
	if (p->n <= 0) {
		snprintf(o, cap, "error %d", p->n);
		return;
	}
	if (!p->parse_ok) {
		snprintf(o, cap, "unparsable reply (%d bytes)", p->n);
		return;
	}
	t = (size_t)snprintf(o, cap, "%s", rcode_name(p->rcode));
	if (p->opcode)
		t += (size_t)snprintf(o + t, cap - t, " op=%u", p->opcode);
	if (p->aa)
		t += (size_t)snprintf(o + t, cap - t, " aa");
	if (p->tc)
		t += (size_t)snprintf(o + t, cap - t, " tc");
	if (p->rd)
		t += (size_t)snprintf(o + t, cap - t, " rd");
	t += (size_t)snprintf(o + t, cap - t, " qd=%u an=", p->qd);
	t += put_sec(o + t, cap - t, p, 0, p->an, false);
	t += (size_t)snprintf(o + t, cap - t, " ns=");
	t += put_sec(o + t, cap - t, p, 1, p->ns, false);
	t += (size_t)snprintf(o + t, cap - t, " ar=");
	nar = p->nrr - p->an - p->ns;
	put_sec(o + t, cap - t, p, 2, nar, p->opt);
}

/* ---- requests ---- */

/* The length of a plain question at offset 12 (name + type + class), or 0. */
static size_t question_len(const uint8_t *b, size_t n)
{
	size_t o = 12;
	while (o < n && b[o] != 0 && b[o] < 64)
		o += 1u + b[o];
	if (o >= n || b[o] != 0 || n - o - 1 < 4)
		return 0;
	return o + 1 + 4 - 12;
}

/* IN query, RD set, no EDNS. */
static size_t q(uint8_t *b, const char *name, uint16_t qtype)
{
	return qt_req(b, 0x1234, 0x01, name, qtype, C_IN, -1, 0, 0);
}

/* With an OPT (payload, version, EDNS flags). */
static size_t qe(uint8_t *b, const char *name, uint16_t qtype, int payload, uint8_t ver,
                 uint16_t eflags)
{
	return qt_req(b, 0x1234, 0x01, name, qtype, C_IN, payload, ver, eflags);
}

/* Append an EDNS option to the OPT that ends the request (n bytes, the OPT
 * starting at optpos). */
static size_t add_option(uint8_t *b, size_t n, size_t optpos, uint16_t code, const void *data,
                         uint16_t dlen)
{
	dbl_put_u16(b + n, code);
	dbl_put_u16(b + n + 2, dlen);
	memcpy(b + n + 4, data, dlen);
	n += 4u + dlen;
	dbl_put_u16(b + optpos + 9, (uint16_t)(n - optpos - OPT_LEN));
	return n;
}

/* ---- one row ---- */

static struct qt_resp *row(const char *name, const uint8_t *req, size_t len, bool tcp,
                           const char *want)
{
	char got[512];
	uint8_t *h = malloc(len ? len : 1);
	struct qt_resp *p;
	size_t lim, ql;
	int failures = check_failures;
	bool ok;

	memcpy(h, req, len);
	qt_env.tcp = tcp;
	p = qt_run(h, len, 65535);
	qt_env.tcp = false;
	describe(p, got, sizeof got);
	CHECK_STR(got, want);
	if (p->n > 0) {
		/* invariants of every reply */
		CHECK(p->parse_ok);
		CHECK(p->qr);
		CHECK(len >= 2 && p->id == dbl_get_u16(h));
		CHECK_INT(p->f2 & 0xF0, 0); /* RA, Z, AD, CD */
		/* rows with a smaller EDNS payload check TC in their outcome */
		lim = tcp ? 65535 : p->opt ? 1232 : 512;
		CHECK((size_t)p->n <= lim);
		if (p->qd == 1) {
			ql = question_len(h, len);
			CHECK(ql > 0 && (size_t)p->n >= 12 + ql &&
			      memcmp(p->b + 12, h + 12, ql) == 0);
		}
		if (p->opt) {
			const uint8_t *o = p->b + p->n - OPT_LEN; /* the OPT ends the reply */
			CHECK(o[0] == 0 && dbl_get_u16(o + 1) == 41);
			CHECK_INT(p->opt_payload, 1232);
			CHECK_INT((p->opt_ttl >> 16) & 0xFF, 0); /* version 0 */
			CHECK_INT(p->opt_ttl & 0x7FFF, 0);       /* no flag but DO */
			CHECK_INT(dbl_get_u16(o + 9), 0);        /* no options */
		}
	}
	ok = check_failures == failures; /* the outcome and every invariant */
	rows++;
	if (!ok)
		rows_failed++;
	printf("| %-58s | %-62s | %s\n", name, got, ok ? "PASS" : "FAIL");
	free(h);
	return p;
}

/* Same, with the first answer's rdata text checked too. */
static void row_ans(const char *name, const uint8_t *req, size_t len, const char *want,
                    const char *ans)
{
	CHECK_STR(qt_sec(row(name, req, len, false, want), 0, 0)->text, ans);
}

/* ---- the rows ---- */

static void rows_header(void)
{
	uint8_t b[700];
	size_t n;
	char name[80];

	n = q(b, LISTED, T_A);
	row("empty datagram", b, 0, false, "drop");
	row("shorter than a header (11 bytes)", b, 11, false, "drop");
	row("header only, QDCOUNT=1, no question", b, 12, false, "drop");
	row("question cut inside the name", b, 20, false, "drop");
	row("question without QTYPE/QCLASS", b, n - 4, false, "drop");
	row("question with QCLASS cut", b, n - 1, false, "drop");
	row_ans("baseline: listed A, RD=1", b, n, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]",
	        "127.0.0.2");

	b[2] |= 0x80;
	row("QR=1 (a response)", b, n, false, "drop");
	b[2] = 0x84; /* QR + AA, answer-like */
	b[7] = 1;
	row("QR=1 with AA and ANCOUNT=1", b, n, false, "drop");

	/* every opcode, with a question */
	for (unsigned op = 0; op < 16; op++) {
		n = qt_req(b, 0x1234, (uint8_t)(op << 3 | 0x01), LISTED, T_A, C_IN, -1, 0, 0);
		snprintf(name, sizeof name, "opcode %u with a question", op);
		if (op == 0) {
			row(name, b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
		} else {
			char want[80];
			snprintf(want, sizeof want, "NOTIMP op=%u rd qd=1 an=[] ns=[] ar=[]", op);
			row(name, b, n, false, want);
		}
	}
	/* every opcode, header only (RFC 8906 8.1.4 sends opcode 15 so) */
	for (unsigned op = 0; op < 16; op++) {
		memset(b, 0, 12);
		b[0] = 0x12, b[1] = 0x34;
		b[2] = (uint8_t)(op << 3);
		snprintf(name, sizeof name, "opcode %u header only (QDCOUNT=0)", op);
		if (op == 0) {
			row(name, b, 12, false, "drop");
		} else {
			char want[80];
			snprintf(want, sizeof want, "NOTIMP op=%u qd=0 an=[] ns=[] ar=[]", op);
			row(name, b, 12, false, want);
		}
	}
	/* header-only unknown opcode with an OPT right after the header */
	memset(b, 0, 12);
	b[0] = 0x12, b[2] = 15 << 3, b[11] = 1;
	memcpy(b + 12, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
	row("opcode 15 header only + OPT", b, 23, false, "NOTIMP op=15 qd=0 an=[] ns=[] ar=[OPT]");
	b[18] = 1; /* EDNS version 1 */
	row("opcode 15 header only + OPT version 1", b, 23, false,
	    "BADVERS op=15 qd=0 an=[] ns=[] ar=[OPT]");
	b[11] = 2;
	row("opcode 15 header only, ARCOUNT=2, one OPT", b, 23, false,
	    "FORMERR op=15 qd=0 an=[] ns=[] ar=[]");

	/* QDCOUNT */
	n = q(b, LISTED, T_A);
	b[5] = 0;
	row("QDCOUNT=0 (question bytes present)", b, n, false, "drop");
	row("QDCOUNT=0, header only", b, 12, false, "drop");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	memmove(b + 12, b + n - 11, 11); /* OPT right after the header */
	b[5] = 0;
	row("QDCOUNT=0 + OPT (cookie-style probe)", b, 23, false, "drop");
	n = q(b, LISTED, T_A);
	memcpy(b + n, b + 12, n - 12); /* the same question twice */
	b[5] = 2;
	row("QDCOUNT=2 (two questions)", b, n + (n - 12), false, "drop");
	b[4] = 0xFF, b[5] = 0xFF;
	row("QDCOUNT=65535", b, n, false, "drop");

	/* other header bits */
	n = q(b, LISTED, T_A);
	b[3] = 0x40;
	row("Z bit set", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0x20;
	row("AD=1", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0x10;
	row("CD=1", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0x70;
	row("Z+AD+CD all set", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0x80;
	row("RA=1 in the query", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0x0F;
	row("RCODE=15 in the query", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	b[3] = 0;
	b[2] = 0x05;
	row("AA=1 in the query (as rbldnsd: NOTIMP)", b, n, false,
	    "NOTIMP rd qd=1 an=[] ns=[] ar=[]");
	b[2] = 0x03;
	row("TC=1 in the query (as rbldnsd: NOTIMP)", b, n, false,
	    "NOTIMP rd qd=1 an=[] ns=[] ar=[]");
	b[2] = 0x00;
	row("RD=0", b, n, false, "NOERROR aa qd=1 an=[A] ns=[] ar=[]");
}

static void rows_sections(void)
{
	static const uint8_t rr_a[] = "\xC0\x0C\0\x01\0\x01\0\0\0\x3C\0\x04\x7F\0\0\x02";
	uint8_t b[700];
	size_t n;

	/* ANCOUNT / NSCOUNT */
	n = q(b, LISTED, T_A);
	memcpy(b + n, rr_a, 16);
	b[7] = 1;
	row("ANCOUNT=1 with a well-formed RR (ignored)", b, n + 16, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	row("ANCOUNT=1, no record bytes", b, n, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	b[7] = 0, b[9] = 1;
	row("NSCOUNT=1 with a well-formed RR (ignored)", b, n + 16, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	row("NSCOUNT=1, no record bytes", b, n, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	b[6] = b[7] = b[8] = b[9] = 0xFF;
	row("ANCOUNT=NSCOUNT=65535, one RR", b, n + 16, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, T_A);
	memcpy(b + n, rr_a, 16);
	b[n + 10] = 0x40; /* RDLENGTH 0x4004: runs past the end */
	b[7] = 1;
	row("ANCOUNT=1, RDLENGTH past the end", b, n + 16, false,
	    "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, T_A);
	memcpy(b + n, "\xC0", 1);
	b[7] = 1;
	row("ANCOUNT=1, owner pointer as the last byte", b, n + 1, false,
	    "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, T_A);
	memcpy(b + n, rr_a, 16);
	b[11] = 1;
	row("ARCOUNT=1, a non-OPT additional RR (ignored)", b, n + 16, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");

	/* OPT placement and count */
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	memcpy(b + n, b + n - 11, 11);
	b[11] = 2;
	row("two OPT records", b, n + 11, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	b[11] = 0, b[7] = 1;
	row("OPT in the answer section", b, n, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	b[7] = 0, b[9] = 1;
	row("OPT in the authority section", b, n, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, T_A);
	memcpy(b + n, "\1x\0\0\x29\4\xD0\0\0\0\0\0\0", 13);
	b[11] = 1;
	row("OPT with a non-root owner", b, n + 13, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, T_A);
	memcpy(b + n, "\xC0\x0C\0\x29\4\xD0\0\0\0\0\0\0", 12);
	b[11] = 1;
	row("OPT owner a compression pointer", b, n + 12, false,
	    "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	b[n - 1] = 4; /* RDLENGTH 4, nothing follows */
	row("OPT RDLENGTH past the end", b, n, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	memcpy(b + n, "\0\x64\0\x08", 4); /* option 100, length 8: past the RDATA */
	row("OPT option longer than the RDATA", b, n + 4, false,
	    "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	memcpy(b + n, "\0\x64\0\0", 4);
	b[n - 1] = 3;
	row("OPT RDATA not a whole option (3 bytes)", b, n + 3, false,
	    "FORMERR rd qd=1 an=[] ns=[] ar=[]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	row("OPT cut in its fixed part", b, n - 3, false, "FORMERR rd qd=1 an=[] ns=[] ar=[]");

	/* trailing bytes */
	n = q(b, LISTED, T_A);
	memset(b + n, 0xEE, 40);
	row("40 trailing bytes after the question (ignored)", b, n + 40, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	memset(b + n, 0, 7);
	row("7 trailing bytes after the OPT (ignored)", b, n + 7, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = q(b, LISTED, T_A);
	memset(b + n, 0, 512);
	row("512 zero bytes after the question (ignored)", b, n + 512, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
}

/* A name of exactly total wire bytes (root included) ending in bl.test. */
static size_t long_name(uint8_t *b, size_t total)
{
	char name[600];
	size_t o = 0, left = total - 9; /* \2bl\4test\0 */

	while (left > 1) {
		size_t l = left - 1 > 63 ? 63 : left - 1;
		memset(name + o, 'x', l);
		o += l;
		name[o++] = '.';
		left -= l + 1;
	}
	strcpy(name + o, "bl.test");
	return q(b, name, T_A);
}

static void rows_names(void)
{
	uint8_t b[700];
	size_t n;
	char name[300];

	/* compression pointers in the question */
	memset(b, 0, 12);
	b[0] = 0x12, b[1] = 0x34, b[2] = 0x01, b[5] = 1;
	memcpy(b + 12, "\xC0\x12\0\x01\0\x01\1a\0", 9);
	row("pointer forward (to a name after QTYPE/QCLASS)", b, 21, false, "drop");
	memcpy(b + 12, "\xC0\x0C\0\x01\0\x01", 6);
	row("pointer to itself", b, 18, false, "drop");
	memcpy(b + 12, "\1a\xC0\x0E\0\x01\0\x01", 8);
	row("pointer to itself after a label", b, 20, false, "drop");
	memcpy(b + 12, "\1a\xC0\x00\0\x01\0\x01", 8);
	row("pointer back into the header", b, 20, false, "drop");
	memcpy(b + 12, "\1a\xC0", 3);
	row("pointer as the last byte of the packet", b, 15, false, "drop");
	memcpy(b + 12, "\xC0", 1);
	row("pointer as the only byte of the question", b, 13, false, "drop");
	n = q(b, "a.bl.test", T_A);
	b[14] = 0xC0, b[15] = 0x0C;
	row("label then pointer to offset 12", b, n, false, "drop");

	/* extended label types */
	n = q(b, LISTED, T_A);
	b[12] = 0x41; /* 0x40: RFC 6891 obsoleted EDNS0 extended label */
	row("label type 0x40 (extended)", b, n, false, "drop");
	b[12] = 0x81;
	row("label type 0x80 (reserved)", b, n, false, "drop");
	b[12] = 0x7F;
	row("label length 127", b, n, false, "drop");

	/* label and name lengths */
	memset(name, 'a', 63);
	strcpy(name + 63, ".bl.test");
	n = q(b, name, T_A);
	row("label of 63 bytes", b, n, false, "NXDOMAIN aa rd qd=1 an=[] ns=[SOA] ar=[]");
	memset(name, 'a', 64);
	strcpy(name + 64, ".bl.test");
	n = q(b, name, T_A);
	row("label of 64 bytes", b, n, false, "drop");
	n = long_name(b, 255);
	CHECK_INT(n, 12 + 255 + 4);
	row("name of 255 bytes", b, n, false, "NXDOMAIN aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = long_name(b, 256);
	CHECK_INT(n, 12 + 256 + 4);
	row("name of 256 bytes", b, n, false, "drop");
	{
		/* 127 one-byte labels + root = 255 bytes, then one more label */
		size_t o = 12;
		memset(b, 0, 12);
		b[0] = 0x12, b[2] = 0x01, b[5] = 1;
		for (int i = 0; i < 128; i++)
			b[o++] = 1, b[o++] = 'a';
		b[o++] = 0;
		memcpy(b + o, "\0\x01\0\x01", 4);
		row("name of 128 labels (257 bytes)", b, o + 4, false, "drop");
	}

	/* the root and odd names */
	n = q(b, ".", T_A);
	row("root name, A", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, ".", T_SOA);
	row("root name, SOA", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, ".", T_NS);
	row("root name, NS", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, ".", 255);
	row("root name, ANY", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, "2.0.0.127.BL.TeSt", T_A);
	row("mixed-case name (question echoed as sent)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[]");
	n = q(b, "2.0.0.127.bl.test", T_A);
	b[13] = 0; /* the label "2" becomes one NUL byte */
	row("label holding a NUL byte", b, n, false, "NXDOMAIN aa rd qd=1 an=[] ns=[SOA] ar=[]");

	/* out of zone */
	n = q(b, "2.0.0.127.example.org", T_A);
	row("out of zone", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, "bl.test.org", T_A);
	row("out of zone (zone name as a prefix)", b, n, false,
	    "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, "xbl.test", T_A);
	row("out of zone (zone name as a suffix of a label)", b, n, false,
	    "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qe(b, "2.0.0.127.example.org", T_A, 1232, 0, 0);
	row("out of zone with EDNS", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[OPT]");
}

static void rows_classes_types(void)
{
	uint8_t b[700];
	size_t n;
	char name[80];

	/* classes */
	n = qt_req(b, 0x1234, 0x01, "version.bind", T_TXT, C_CH, -1, 0, 0);
	row_ans("CH TXT version.bind", b, n, "NOERROR rd qd=1 an=[TXT] ns=[] ar=[]", "dnsbld test");
	n = qt_req(b, 0x1234, 0x01, "version.server", T_TXT, C_CH, -1, 0, 0);
	row("CH TXT version.server", b, n, false, "NOERROR rd qd=1 an=[TXT] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, "hostname.bind", T_TXT, C_CH, -1, 0, 0);
	row("CH TXT hostname.bind", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, LISTED, T_A, C_CH, -1, 0, 0);
	row("class CH, zone name", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, LISTED, T_A, C_HS, -1, 0, 0);
	row("class HS", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, LISTED, T_A, C_NONE, -1, 0, 0);
	row("class NONE", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, LISTED, T_A, 0, -1, 0, 0);
	row("class 0", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x01, LISTED, T_A, C_ANY, -1, 0, 0);
	row_ans("class ANY, listed (no AA)", b, n, "NOERROR rd qd=1 an=[A] ns=[] ar=[]",
	        "127.0.0.2");
	n = qt_req(b, 0x1234, 0x01, UNLISTED, T_A, C_ANY, -1, 0, 0);
	row("class ANY, not listed", b, n, false, "NXDOMAIN rd qd=1 an=[] ns=[SOA] ar=[]");

	/* qtypes */
	n = q(b, LISTED, 0);
	row("qtype 0, listed", b, n, false, "NOERROR aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = q(b, UNLISTED, 0);
	row("qtype 0, not listed", b, n, false, "NXDOMAIN aa rd qd=1 an=[] ns=[SOA] ar=[]");
	for (unsigned t = 250; t <= 255; t++) {
		static const char *tn[] = {"TSIG", "IXFR", "AXFR", "MAILB", "MAILA", "ANY"};
		static const char *out[] = {"NOTIMP rd qd=1 an=[] ns=[] ar=[]",
		                            "REFUSED rd qd=1 an=[] ns=[] ar=[]",
		                            "REFUSED rd qd=1 an=[] ns=[] ar=[]",
		                            "NOTIMP rd qd=1 an=[] ns=[] ar=[]",
		                            "NOTIMP rd qd=1 an=[] ns=[] ar=[]",
		                            "NOERROR aa rd qd=1 an=[A,TXT] ns=[] ar=[]"};
		n = q(b, LISTED, (uint16_t)t);
		snprintf(name, sizeof name, "qtype %u (%s), listed", t, tn[t - 250]);
		row(name, b, n, false, out[t - 250]);
	}
	n = q(b, "bl.test", 252);
	row("qtype 252 (AXFR) at the apex", b, n, false, "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, "bl.test", 252);
	row("qtype 252 (AXFR) at the apex over TCP", b, n, true,
	    "REFUSED rd qd=1 an=[] ns=[] ar=[]");
	n = q(b, LISTED, 1000);
	row("qtype 1000, listed", b, n, false, "NOERROR aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = q(b, UNLISTED, 1000);
	row("qtype 1000, not listed", b, n, false, "NXDOMAIN aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = q(b, LISTED, 41);
	row("qtype 41 (OPT) as a question", b, n, false, "NOERROR aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = q(b, LISTED, 65535);
	row("qtype 65535", b, n, false, "NOERROR aa rd qd=1 an=[] ns=[SOA] ar=[]");
	n = q(b, LISTED, T_TXT);
	row("qtype TXT, listed", b, n, false, "NOERROR aa rd qd=1 an=[TXT] ns=[] ar=[]");
}

static void rows_edns(void)
{
	static const uint8_t ecs[] = {0, 1, 0, 0}; /* family 1, source 0, scope 0 */
	uint8_t b[700];
	size_t n, optpos;

	n = qe(b, LISTED, T_A, 1232, 0, 0);
	row("EDNS version 0", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 1, 0);
	row("EDNS version 1", b, n, false, "BADVERS rd qd=1 an=[] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 255, 0);
	row("EDNS version 255", b, n, false, "BADVERS rd qd=1 an=[] ns=[] ar=[OPT]");
	n = qe(b, "2.0.0.127.example.org", T_A, 1232, 1, 0);
	row("EDNS version 1, out of zone (BADVERS first)", b, n, false,
	    "BADVERS rd qd=1 an=[] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 100, "abcd", 4);
	row("unknown EDNS option 100 (not echoed)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = add_option(b, n, optpos, 65001, "", 0);
	row("two unknown EDNS options, one empty", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0x0040);
	row("unknown EDNS flag 0x0040 (not echoed)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0x7FFF);
	row("every unknown EDNS flag (not echoed)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0xFFFF);
	row("every EDNS flag incl. DO (DO echoed only)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT+do]");
	n = qe(b, LISTED, T_A, 1232, 0, 0x8000);
	row("DO=1", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT+do]");
	n = qe(b, LISTED, T_A, 0, 0, 0);
	row("EDNS payload 0 (taken as 512)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 65535, 0, 0);
	row("EDNS payload 65535 (clamped to 1232)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, "2.0.0.127.big.test", T_A, 511, 0, 0);
	row("EDNS payload 511, 40 A records (TC)", b, n, false,
	    "NOERROR aa tc rd qd=1 an=[] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 10, "\1\2\3\4\5\6\7\x8", 8); /* COOKIE, client only */
	row("EDNS COOKIE option (not echoed: cookies unsupported)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 10, "\1\2\3", 3);
	row("EDNS COOKIE option, malformed length 3 (ignored)", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	b[n - OPT_LEN + 5] = 0x12; /* extended RCODE bits set in the query */
	row("EDNS extended RCODE bits set in the query", b, n, false,
	    "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
	n = qe(b, LISTED, T_A, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 3, "", 0);  /* NSID */
	n = add_option(b, n, optpos, 8, ecs, 4); /* ECS */
	n = add_option(b, n, optpos, 9, "", 0);  /* EXPIRE */
	row("NSID + ECS + EXPIRE options", b, n, false, "NOERROR aa rd qd=1 an=[A] ns=[] ar=[OPT]");
}

/* RFC 8906 section 8 ("Testing"), against the zone bl.test; the queries
 * dig sends for each check, and the expectations of the RFC (AA on
 * authoritative answers, no AA on NOTIMP/BADVERS, MBZ bits and unknown
 * options not echoed, OPT version 0 on every EDNS reply). */
static void rows_rfc8906(void)
{
	uint8_t b[700];
	size_t n, optpos;

	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, -1, 0, 0);
	row("RFC 8906 8.1.1 plain SOA (+norec)", b, n, false,
	    "NOERROR aa qd=1 an=[SOA] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", 1000, C_IN, -1, 0, 0);
	row("RFC 8906 8.1.2 unknown type 1000", b, n, false,
	    "NOERROR aa qd=1 an=[] ns=[SOA] ar=[]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, -1, 0, 0);
	b[3] = 0x10;
	row("RFC 8906 8.1.3.1 CD=1", b, n, false, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[]");
	b[3] = 0x20;
	row("RFC 8906 8.1.3.2 AD=1", b, n, false, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[]");
	b[3] = 0x40;
	row("RFC 8906 8.1.3.3 reserved Z flag (not echoed)", b, n, false,
	    "NOERROR aa qd=1 an=[SOA] ns=[] ar=[]");
	b[3] = 0;
	b[2] = 0x01;
	row("RFC 8906 8.1.3.4 RD=1", b, n, false, "NOERROR aa rd qd=1 an=[SOA] ns=[] ar=[]");
	memset(b, 0, 12);
	b[0] = 0x12, b[2] = 15 << 3;
	row("RFC 8906 8.1.4 opcode 15 (+header-only)", b, 12, false,
	    "NOTIMP op=15 qd=0 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 15 << 3, "bl.test", T_SOA, C_IN, -1, 0, 0);
	row("RFC 8906 8.1.4 opcode 15 with the question", b, n, false,
	    "NOTIMP op=15 qd=1 an=[] ns=[] ar=[]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, -1, 0, 0);
	row("RFC 8906 8.1.5 TCP", b, n, true, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[]");

	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0);
	row("RFC 8906 8.2.1 minimal EDNS", b, n, false, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 1, 0);
	row("RFC 8906 8.2.2 EDNS version 1", b, n, false, "BADVERS qd=1 an=[] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 100, "", 0);
	row("RFC 8906 8.2.3 unknown option 100", b, n, false,
	    "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0x0040);
	row("RFC 8906 8.2.4 unknown EDNS flag 0x40", b, n, false,
	    "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 1, 0x0040);
	row("RFC 8906 8.2.5 EDNS version 1 + unknown flag", b, n, false,
	    "BADVERS qd=1 an=[] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 1, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 100, "", 0);
	row("RFC 8906 8.2.6 EDNS version 1 + unknown option", b, n, false,
	    "BADVERS qd=1 an=[] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_DNSKEY, C_IN, 512, 0, 0x8000);
	row("RFC 8906 8.2.7 EDNS@512 DNSKEY DO=1 (fits: no TC)", b, n, false,
	    "NOERROR aa qd=1 an=[] ns=[SOA] ar=[OPT+do]");
	n = qt_req(b, 0x1234, 0x00, "2.0.0.127.big.test", T_TXT, C_IN, 512, 0, 0x8000);
	row("RFC 8906 8.2.7 EDNS@512, answer too big (TC)", b, n, false,
	    "NOERROR aa tc qd=1 an=[] ns=[] ar=[OPT+do]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0x8000);
	row("RFC 8906 8.2.8 DO=1", b, n, false, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT+do]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 1, 0x8000);
	row("RFC 8906 8.2.9 EDNS version 1 + DO=1", b, n, false,
	    "BADVERS qd=1 an=[] ns=[] ar=[OPT+do]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0);
	optpos = n - OPT_LEN;
	n = add_option(b, n, optpos, 3, "", 0);
	n = add_option(b, n, optpos, 9, "", 0);
	n = add_option(b, n, optpos, 8, "\0\1\0\0", 4);
	row("RFC 8906 8.2.10 NSID + EXPIRE + ECS", b, n, false,
	    "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT]");
	n = qt_req(b, 0x1234, 0x00, "bl.test", T_SOA, C_IN, 1232, 0, 0);
	row("RFC 8906 8.2 EDNS over TCP", b, n, true, "NOERROR aa qd=1 an=[SOA] ns=[] ar=[OPT]");
}

static void test_hostile(void)
{
	printf("| %-58s | %-62s | %s\n", "row", "outcome", "result");
	rows_header();
	rows_sections();
	rows_names();
	rows_classes_types();
	rows_edns();
	rows_rfc8906();
	printf("%d rows, %d failed\n", rows, rows_failed);
	qt_reset_opts();
}

static void setup(void)
{
	qt_open();
}

static void teardown(void)
{
	qt_close();
}

TEST_MAIN(setup, test_hostile, teardown)
