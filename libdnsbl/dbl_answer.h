/* dbl_answer.h - answering a class IN/ANY query inside one zone.
 *
 * dbl_query.c has already handled everything that does not depend on the
 * zone data (drops, header rules, class, meta qtypes, zone match, SERVFAIL).
 * This module writes the answer, authority and additional sections: apex
 * SOA/NS, lookups in the key spaces the scope has (ip4, ip6, name), value-set
 * expansion with TXT substitution, empty non-terminals, negative answers;
 * and the client ACL lookups of the answer path.
 */
#ifndef DBL_ANSWER_H
#define DBL_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbl_db.h"
#include "dbl_query.h"
#include "dbl_schema.h"
#include "dbl_vset.h"
#include "dbl_wire.h"

/* ---- client access lists (contract section 4) ----
 *
 * The loader stores each acl dataset as resolved client-address intervals
 * under a scope of its own (dbl_schema.h "ACL scopes"). dbl_query() looks
 * the client up once in the global ACL (before anything else: `ignore`
 * there drops every packet, as rbldnsd) and once in the zone's ACL after
 * the zone is known, and folds both results with dbl_acl_lookup():
 * ignore > refuse > empty > always > none; the "always listed" value comes
 * from the first ACL that gave one (the global ACL first, as rbldnsd).
 * dbl_answer_zone() then applies empty/always (struct dbl_ans.acl).
 */

/* Ordered by precedence: a larger value wins. */
enum dbl_acl_action {
	DBL_ACL_NONE = 0, /* no entry, or `pass` */
	DBL_ACL_ALWAYS,   /* every valid DNSBL key is listed with `always` */
	DBL_ACL_EMPTY,    /* DNSBL data looks empty; apex and generic data work */
	DBL_ACL_REFUSE,   /* REFUSED for everything in the zone, metadata too */
	DBL_ACL_IGNORE,   /* no reply */
};

/* 46: INET6_ADDRSTRLEN, the longest inet_ntop() text (+ NUL). */
#define DBL_ACL_CLIENT_TEXT_MAX 46

struct dbl_acl_result {
	enum dbl_acl_action action;
	bool has_always;
	/* The "always listed" A/TXT: points into the read transaction's
	 * data, valid until it ends. */
	struct dbl_item always;
	char client[DBL_ACL_CLIENT_TEXT_MAX]; /* "$" of the always TXT */
	uint8_t client_len;
};

/* Look env's client address up in the ACL of scope `scope` (0 = none:
 * nothing to do) and fold the result into *res (zero-initialise it before
 * the first call). One interval lookup and, on a hit, one value-set read;
 * no allocation. A client of unknown family (env->client_family 0)
 * matches nothing. Returns 0 or DBL_ECORRUPT (a record that does not
 * decode: the caller answers SERVFAIL). */
int dbl_acl_lookup(struct dbl_rtxn *r, uint32_t scope, const struct dbl_query_env *env,
                   struct dbl_acl_result *res);

struct dbl_ans {
	/* in */
	struct dbl_rtxn *r;
	const struct dbl_query_opts *o;
	const struct dbl_zone *z;
	const struct dbl_msg *m;
	struct dbl_resp *w;
	size_t zoff; /* offset of the zone name in the question name */
	/* The client's ACL result when it is empty or always (NULL: none).
	 * empty: the DNSBL data (ip4/ip6/dnset listings) is not consulted;
	 * always: every valid DNSBL key of the scope gets acl->always.
	 * Apex SOA/NS and ordinary RRs (generic, BIND) are answered as usual. */
	const struct dbl_acl_result *acl;
	/* out */
	bool listed;  /* a DNSBL listing matched */
	bool refused; /* apex SOA/NS/ANY without SOA/NS: REFUSED, no AA */
	/* dbl_answer_lookup() results (below() goes on from them) */
	const struct dbl_scope *sc;  /* scope of the name, NULL: none */
	size_t keylen;               /* key length under the scope */
	bool hit;                    /* some key space had a record for the key */
	bool wild_here;              /* a wildcard at this very name */
	uint8_t nk[DBL_NAMEKEY_MAX]; /* the name key (scopes with name data) */
};

/* Returns the rcode (NOERROR, NXDOMAIN or REFUSED), or DBL_ECORRUPT when a
 * record of the zone does not decode. A required record that does not fit
 * leaves a->w->over set: the caller truncates (TC). */
int dbl_answer_zone(struct dbl_ans *a);

/* The DNSBL lookup proper, below the apex (a->zoff > 0): find the scope,
 * look the key up in its IPv4, IPv6 and name key spaces and write every
 * matching RR the qtype asks for (A codes, expanded TXT, generic data) to
 * the answer section of a->w. Sets the result fields above; writes nothing
 * else (no SOA, no NS). Shared by dbl_answer_zone() (dnsbld) and the
 * direct-lookup library (lookup/), so both give the same answers. Returns
 * 0 or DBL_ECORRUPT. */
int dbl_answer_lookup(struct dbl_ans *a);

/* Zone unusable at time now: no data (failed load) or $TIMESTAMP expired.
 * Queries are answered SERVFAIL (except the freshness record). */
bool dbl_answer_zone_down(const struct dbl_zone *z, time_t now);

/* Freshness record: is the query name _dnsbl.<zone>? Then
 * dbl_answer_status() answers TXT/ANY with one TXT RR of key=value strings
 * (state, generation, version, serial, loaded, data-mtime, age, entries,
 * expires; TTL 0), NODATA otherwise. Answered even when the zone is
 * expired or failed, so operators can see why it answers SERVFAIL. */
bool dbl_answer_is_status(const struct dbl_ans *a);
int dbl_answer_status(struct dbl_ans *a, time_t now);

#endif
