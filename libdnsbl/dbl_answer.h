/* dbl_answer.h - answering a class IN/ANY query inside one zone.
 *
 * dbl_query.c has already handled everything that does not depend on the
 * zone data (drops, header rules, class, meta qtypes, zone match, SERVFAIL).
 * This module writes the answer, authority and additional sections: apex
 * SOA/NS, lookups in the key spaces the scope has (ip4, ip6, name), value-set
 * expansion with TXT substitution, empty non-terminals, negative answers.
 */
#ifndef DBL_ANSWER_H
#define DBL_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbl_acl.h"
#include "dbl_db.h"
#include "dbl_query.h"
#include "dbl_wire.h"

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
};

/* Returns the rcode (NOERROR, NXDOMAIN or REFUSED), or DBL_ECORRUPT when a
 * record of the zone does not decode. A required record that does not fit
 * leaves a->w->over set: the caller truncates (TC). */
int dbl_answer_zone(struct dbl_ans *a);

/* Freshness record: is the query name _dnsbl.<zone>? Then
 * dbl_answer_status() answers TXT/ANY with one TXT RR of key=value strings
 * (state, generation, version, serial, loaded, data-mtime, age, entries,
 * expires; TTL 0), NODATA otherwise. Answered even when the zone is
 * expired or failed, so operators can see why it answers SERVFAIL. */
bool dbl_answer_is_status(const struct dbl_ans *a);
int dbl_answer_status(struct dbl_ans *a, time_t now);

#endif
