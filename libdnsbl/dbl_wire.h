/* dbl_wire.h - DNS wire format for the answer path (dbl_query.c).
 *
 * Request side: dbl_msg_parse() checks an untrusted request the NSD way
 * (cheap header checks first, then the question byte by byte, never reading
 * past the end) and applies every drop rule of the contract (section 3):
 * shorter than a header, QR=1, QDCOUNT != 1 (except a header-only message
 * with an opcode other than QUERY: NOTIMP, RFC 8906 8.1.4), a label > 63 or
 * an extended label type, a compression pointer in the question, a name >
 * 255 bytes, a truncated question. It also finds and checks the EDNS(0)
 * OPT record.
 *
 * Response side: struct dbl_resp writes into the caller's buffer up to a
 * limit, with owner names as compression pointers into the question and a
 * small dictionary for the other names it writes. Every write that does not
 * fit sets `over` and writes nothing; callers take a mark before optional
 * records and roll back to it. No allocation anywhere.
 */
#ifndef DBL_WIRE_H
#define DBL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_catalog.h"

#define DBL_HDR_LEN 12 /* 12: RFC 1035 4.1.1 header */

/* RR types and classes used by the answer path (RFC 1035, 3596, 6891, 8945, 1995, 5936). */
#define DBL_T_A     1
#define DBL_T_NS    2
#define DBL_T_CNAME 5
#define DBL_T_SOA   6
#define DBL_T_TXT   16
#define DBL_T_AAAA  28
#define DBL_T_OPT   41
#define DBL_T_TSIG  250
#define DBL_T_IXFR  251
#define DBL_T_AXFR  252
#define DBL_T_MAILB 253
#define DBL_T_MAILA 254
#define DBL_T_ANY   255

#define DBL_C_IN  1
#define DBL_C_CH  3
#define DBL_C_ANY 255

#define DBL_RC_NOERROR  0
#define DBL_RC_FORMERR  1
#define DBL_RC_SERVFAIL 2
#define DBL_RC_NXDOMAIN 3
#define DBL_RC_NOTIMP   4
#define DBL_RC_REFUSED  5
#define DBL_RC_BADVERS  16 /* extended RCODE, carried in the OPT (RFC 6891 6.1.3) */

/* Header flag bits, first flags byte (RFC 1035 4.1.1). */
#define DBL_F1_QR     0x80
#define DBL_F1_OPCODE 0x78
#define DBL_F1_AA     0x04
#define DBL_F1_TC     0x02
#define DBL_F1_RD     0x01

#define DBL_OPT_LEN 11 /* 11: root owner + type + class + ttl + rdlen, no options */
#define DBL_EDNS_DO 0x8000u

enum dbl_edns { DBL_EDNS_NONE, DBL_EDNS_OK, DBL_EDNS_BAD };

struct dbl_msg {
	uint8_t flags1;   /* first flags byte as received */
	uint16_t qdcount; /* 1, or 0 for a header-only message with opcode != 0 */
	uint16_t ancount, nscount, arcount;
	uint16_t qtype, qclass;
	size_t qnamelen;             /* wire length of the question name, root included */
	size_t qend;                 /* offset just past QTYPE/QCLASS */
	unsigned nlabels;            /* labels of the question name, root excluded */
	uint8_t lname[DBL_NAME_MAX]; /* the question name lowercased (same layout) */
	enum dbl_edns edns;          /* DBL_EDNS_BAD: malformed OPT or more than one */
	uint16_t edns_payload;       /* client UDP payload, already raised to 512 */
	uint8_t edns_version;
	uint16_t edns_flags; /* DO bit and Z as received */
};

/* Parse req. Returns 0, or DBL_EDROP when no reply must be sent. */
int dbl_msg_parse(struct dbl_msg *m, const uint8_t *req, size_t len);

/* ---- response writer ---- */

#define DBL_DICT_MAX    64   /* remembered name suffixes besides the question */
#define DBL_ANSWERS_MAX 2048 /* caps the duplicate scan (quadratic) of the answer section */

struct dbl_dictent {
	uint16_t pos;        /* offset of the suffix in the response */
	uint8_t len;         /* its wire length, root included */
	const uint8_t *name; /* lowercased wire name, borrowed */
};

struct dbl_resp {
	uint8_t *b;
	size_t len;     /* bytes written */
	size_t lim;     /* the sections may not grow past this (OPT room excluded) */
	size_t anstart; /* first byte of the answer section (= end of question) */
	uint16_t an, ns, ar;
	bool over;             /* some write did not fit (nothing of it was written) */
	const uint8_t *qlname; /* lowercased question name, same offsets as in b */
	size_t qnamelen;
	bool qbound_set; /* qbound is filled in (on first use: most answers need none) */
	unsigned ndict;
	struct dbl_dictent dict[DBL_DICT_MAX]; /* dbl_resp_init clears what comes before */
	uint8_t qbound[32];                    /* bitmap: label starts in the question name */
};

struct dbl_resp_mark {
	size_t len;
	unsigned ndict;
	uint16_t an, ns, ar;
};

enum dbl_section { DBL_SEC_AN, DBL_SEC_NS, DBL_SEC_AR };

/* Start a response in buf: header (ID echoed, counts 0) and the question
 * copied exactly as received. The caller has checked that buf holds at
 * least m->qend bytes and that lim >= m->qend. w borrows m's lowercased
 * name: m must outlive every use of w. */
void dbl_resp_init(struct dbl_resp *w, uint8_t *buf, size_t lim, const struct dbl_msg *m,
                   const uint8_t *req);

void dbl_resp_mark(const struct dbl_resp *w, struct dbl_resp_mark *mk);
/* Forget everything written after mk (and clear `over`). */
void dbl_resp_rollback(struct dbl_resp *w, const struct dbl_resp_mark *mk);

/* Write one RR: owner = compression pointer to offset owner (< 0x4000),
 * rdata as given. Counted in section sec. 0, or -1 if it does not fit. */
int dbl_resp_rr(struct dbl_resp *w, enum dbl_section sec, uint16_t owner, uint16_t type,
                uint16_t klass, uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/* An answer RR owned by the question name (pointer 0xC00C), as rbldnsd
 * adds them: an RR already present (same type and rdata) is not repeated,
 * and all RRs of one type end with the smallest TTL among them. Returns 0
 * (added or duplicate) or -1 (does not fit, or DBL_ANSWERS_MAX reached). */
int dbl_resp_answer(struct dbl_resp *w, uint16_t type, uint32_t ttl, const uint8_t *rdata,
                    size_t rdlen);

/* Piecewise RR with names in its rdata: begin returns the rdlength
 * offset to pass to end (0 if it did not fit; then end does nothing). */
size_t dbl_resp_rr_begin(struct dbl_resp *w, uint16_t owner, uint16_t type, uint16_t klass,
                         uint32_t ttl);
/* Owner given as a name (compressed) rather than a pointer. */
size_t dbl_resp_rr_begin_name(struct dbl_resp *w, const uint8_t *owner, uint16_t type,
                              uint16_t klass, uint32_t ttl);
/* A lowercased wire name (root included), compressed against the question
 * and the names written so far. 0 or -1. */
int dbl_resp_name(struct dbl_resp *w, const uint8_t *name);
/* Precompile the SOA names of zone into t (caller-owned; t->len stays 0
 * when the names do not decode or need more than the template holds). */
void dbl_resp_soa_prepare(struct dbl_soa_wire *t, const struct dbl_wname *zone,
                          const uint8_t *mname, const uint8_t *rname);
/* Write MNAME then RNAME as two dbl_resp_name calls would, byte for byte
 * and with the same dictionary entries, from t when it applies (no
 * dictionary entries yet, none of t's long suffixes in the question, room
 * for all of it), else by those calls. zone_at: the zone name's offset in
 * the question. t and the names are borrowed for the call (the dictionary
 * keeps pointers into the names, as dbl_resp_name's does). Returns what
 * the second dbl_resp_name would, or DBL_ECORRUPT from the first. */
int dbl_resp_soa_names(struct dbl_resp *w, const struct dbl_soa_wire *t, uint16_t zone_at,
                       const uint8_t *mname, const uint8_t *rname);
int dbl_resp_bytes(struct dbl_resp *w, const void *p, size_t n);
/* Patch rdlength and count the RR in sec. 0, or -1 if anything of it did
 * not fit (the caller rolls back). */
int dbl_resp_rr_end(struct dbl_resp *w, enum dbl_section sec, size_t rdpos);

/* Set the header flags/rcode and the counts. rcode may be extended (>15):
 * its low 4 bits go to the header, the rest to the OPT (dbl_resp_opt). */
void dbl_resp_finish(struct dbl_resp *w, uint8_t flags1, unsigned rcode);

/* Append the OPT RR (RFC 6891 6.1.2) in the room reserved past lim:
 * payload advertised, extended rcode bits, version 0, flags (DO copied). */
void dbl_resp_opt(struct dbl_resp *w, uint16_t payload, unsigned rcode, uint16_t flags);

#endif
