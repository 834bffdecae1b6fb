/* dbl_acl.h - client access lists on the answer path (contract section 4).
 *
 * The loader stores each acl dataset as resolved client-address intervals
 * under a scope of its own (dbl_schema.h "ACL scopes"). dbl_query() looks
 * the client up once in the global ACL (before anything else: `ignore`
 * there drops every packet, as rbldnsd) and once in the zone's ACL after
 * the zone is known, and folds both results with dbl_acl_lookup():
 * ignore > refuse > empty > always > none; the "always listed" value comes
 * from the first ACL that gave one (the global ACL first, as rbldnsd).
 */
#ifndef DBL_ACL_H
#define DBL_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "dbl_db.h"
#include "dbl_query.h"
#include "dbl_vset.h"

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

#endif
