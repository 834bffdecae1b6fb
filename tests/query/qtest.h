/* qtest.h - helpers for the packet-level tests of dbl_query(): a fixture
 * database built with dbl_build_write() from hand-made datasets, request
 * packet builders, and a response parser that decodes every RR to text. */
#ifndef QTEST_H
#define QTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_db.h"
#include "dbl_query.h"

/* The fixture's notion of "now" for $TIMESTAMP expiry. */
#define QT_NOW 1700000000

/* Open the fixture database (built once per process, removed at exit). */
void qt_open(void);
void qt_close(void);
struct dbl_rtxn *qt_rtxn(void);

/* Default options: TTL 2100, no NS in authority, version "dnsbld test",
 * EDNS payload 1232. Tests may change them; qt_reset_opts() restores. */
extern struct dbl_query_opts qt_opts;
extern struct dbl_query_env qt_env;
/* When set, qt_run() queries this transaction instead of the fixture's
 * (tests with a database of their own, e.g. test_acl.c). */
extern struct dbl_rtxn *qt_rtxn_override;
void qt_reset_opts(void);

/* Build a query. name is presentation text (case kept, no escapes);
 * edns < 0 = no OPT, else the OPT payload with version/flags. */
size_t qt_req(uint8_t *buf, uint16_t id, uint8_t flags1, const char *name, uint16_t qtype,
              uint16_t qclass, int edns, uint8_t version, uint16_t eflags);

struct qt_rr {
	char owner[1100];
	uint16_t type, klass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t off;      /* offset of the RR in the response */
	char text[1100]; /* rdata in presentation-like form */
};

struct qt_resp {
	int n; /* dbl_query() return value */
	uint8_t b[65536];
	uint16_t id;
	uint8_t f1, f2;
	unsigned rcode; /* header rcode | extended bits from OPT */
	bool qr, aa, tc, rd, ra;
	unsigned opcode;
	uint16_t qd, an, ns, ar;
	char qname[1100]; /* as sent back */
	uint16_t qtype, qclass;
	int nrr; /* RRs parsed (OPT excluded) */
	struct qt_rr rr[512];
	bool opt;
	uint16_t opt_payload;
	uint32_t opt_ttl;
	bool parse_ok;
	struct dbl_query_info info;
};

/* Run dbl_query on req against the fixture (r NULL: use the fixture's
 * transaction), cap bytes of response room, and parse the result. */
struct qt_resp *qt_run(const uint8_t *req, size_t len, size_t cap);
/* The common case: IN query, RD set, no EDNS, 512-byte cap. */
struct qt_resp *qt_q(const char *name, uint16_t qtype);
/* Same with EDNS payload. */
struct qt_resp *qt_qe(const char *name, uint16_t qtype, int payload);

/* Index of the k-th RR of section 0 (answer), 1 (authority), 2 (additional). */
const struct qt_rr *qt_sec(const struct qt_resp *p, int sec, int k);
/* Does section sec contain an RR of type with rdata text? */
bool qt_has(const struct qt_resp *p, int sec, uint16_t type, const char *text);

#endif
