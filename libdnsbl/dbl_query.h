/* dbl_query.h - the answer path: request bytes in, response bytes out.
 *
 * dbl_query() is a pure function of (database snapshot, options, request):
 * no I/O, no allocation, no global state, so it is unit-tested, fuzzed and
 * replayed directly. Its behaviour is ../shared/spec/behaviour.md sections 3
 * and 6.
 */
#ifndef DBL_QUERY_H
#define DBL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbl_db.h"

struct dbl_query_opts {
	uint32_t default_ttl;  /* record TTL when the data has none (2100) */
	bool ns_in_auth;       /* NS in AUTHORITY of positive answers (off = rbldnsd -a) */
	bool hide_version;     /* CH TXT version.bind/version.server -> REFUSED */
	const char *version;   /* TXT for version.bind, e.g. "dnsbld 0.1" */
	uint16_t edns_payload; /* advertised UDP payload size (1232) */
};

struct dbl_query_env {
	time_t now;        /* for $TIMESTAMP expiry */
	bool tcp;          /* response limit 65535 instead of the UDP size */
	int client_family; /* 4, 6 or 0 (unknown), for ACLs */
	uint8_t client_addr[16];
};

/* What happened, for statistics and logs (filled whenever non-NULL). */
struct dbl_query_info {
	const struct dbl_zone *zone; /* NULL when no zone matched */
	uint16_t qtype, qclass;
	uint8_t rcode;
	bool listed;    /* a DNSBL listing answered */
	bool truncated; /* TC set */
};

/* Answer req (reqlen bytes) into resp (capacity cap, at least 512).
 * r: an open read transaction, or NULL when no data is loaded (every zone
 * query is then REFUSED). Returns the response length (> 0), DBL_EDROP when
 * no reply must be sent, or another negative code on an internal error
 * (the caller answers nothing): -EINVAL for a NULL o/env/resp, DBL_ETOOBIG
 * when cap cannot hold even the question (and OPT). A zone record or value
 * set that does not decode is answered SERVFAIL, not an error.
 * Implementation: dbl_query.c (decision order), dbl_wire.c (parsing, drop
 * rules, EDNS, response writer), dbl_answer.c (zone data), dbl_qkey.c
 * (keys, subject texts, TXT expansion). */
int dbl_query(struct dbl_rtxn *r, const struct dbl_query_opts *o, const struct dbl_query_env *env,
              const uint8_t *req, size_t reqlen, uint8_t *resp, size_t cap,
              struct dbl_query_info *info);

/* The IPv4 address a DNSBL query names in its first four labels
 * (d.c.b.a.zone: 2.0.0.127 -> 127.0.0.2), parsed from the raw request for
 * prefetch hints (dbl_ip4idx_prefetch) before the batch is answered, by
 * the answer path's own octet rule (dbl_key_ip4_lead); the zone is not
 * looked at. Returns 0 and *addr, or -1. */
int dbl_query_ip4_hint(const uint8_t *req, size_t len, uint32_t *addr);

#endif
