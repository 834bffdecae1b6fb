/* bench_gen.h - reproducible DNSBL query generation from listed keys.
 *
 * Given the keys of a bench_zoneset, bench_gen_queries builds a query
 * list whose mix follows the requested shares: domain vs IP zones, IPv6
 * vs IPv4 among IP queries, listed vs unlisted, TXT vs A. Listed queries
 * take a random key (uniform over all keys of that family, so a 2 M-entry
 * XBL dominates a 40 k SBL as it does in real traffic) and a random
 * address inside it; unlisted IPv4 queries are random public-looking
 * addresses checked against the zone's ranges, unlisted IPv6 and domain
 * queries are random (a collision with a listed key is astronomically
 * unlikely). The same seed, options and files give the same list.
 *
 * The RNG is xoshiro256** seeded through splitmix64: fast, and its output
 * does not depend on the C library, so lists are reproducible across
 * machines. State is a plain value owned by the caller.
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "bench_query.h"
#include "bench_zones.h"

struct bench_rng {
	uint64_t s[4];
};

void bench_rng_seed(struct bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(struct bench_rng *r);
/* Uniform in [0, n), n >= 1, without modulo bias. */
uint64_t bench_rng_below(struct bench_rng *r, uint64_t n);
/* Uniform in [0, 1). */
double bench_rng_unit(struct bench_rng *r);

struct bench_gen_opts {
	size_t count;        /* queries to generate */
	double listed_share; /* of all queries, where the family has keys */
	double ipv6_share;   /* of IP queries, when IPv6 and IPv4 zones exist */
	double domain_share; /* of all queries, when domain and IP zones exist */
	double txt_share;    /* of all queries */
	uint64_t seed;
};

struct bench_gen_stats {
	uint64_t listed, unlisted, ip4, ip6, domain, txt;
};

/* Append o->count queries to out. zs must be finished
 * (bench_zoneset_finish) and hold at least one zone. Returns 0, -EINVAL
 * (message in err) or -ENOMEM. */
int bench_gen_queries(const struct bench_zoneset *zs, const struct bench_gen_opts *o,
                      struct bench_queries *out, struct bench_gen_stats *st, char *err,
                      size_t errlen);

#endif
