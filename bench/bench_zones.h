/* bench_zones.h - a simplified reader of rbldnsd zone files, for query generation.
 *
 * It collects the *listed keys* of each zone so the generator can build
 * queries that hit them: IPv4 ranges (ip4set/ip4tset/ip4trie syntax:
 * CIDR, a.b.c prefixes, a-b and suffix ranges), IPv6 prefixes
 * (ip6tset/ip6trie) and dnset names with their form (exact, *.wild,
 * .both). It is not a validating loader: value parts, specials ($SOA,
 * $NS, ...), default lines, exclusions (!key) and lines it cannot parse
 * are skipped and only counted, because a benchmark needs plausible
 * listed names, not rbldnsd's exact answer set.
 *
 * Ownership: a bench_zoneset owns its zones, their names and key arrays
 * (all malloc'ed); bench_zoneset_free releases everything. IPv4 ranges
 * are sorted after bench_zoneset_finish, which the generator relies on.
 */
#ifndef BENCH_ZONES_H
#define BENCH_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bench_dn_form {
	BENCH_DN_EXACT = 0, /* name     : the name only */
	BENCH_DN_WILD = 1,  /* *.name   : subdomains only */
	BENCH_DN_BOTH = 2,  /* .name    : the name and its subdomains */
};

struct bench_ip4_range {
	uint32_t lo, hi; /* host order, inclusive */
};

struct bench_ip6_prefix {
	uint8_t addr[16];
	uint8_t len; /* 0..128 */
};

struct bench_dn {
	uint32_t off; /* into bench_zone.names: NUL-terminated, lowercase */
	uint8_t form; /* enum bench_dn_form */
};

struct bench_zone {
	char *name;                    /* owned, without trailing dot */
	bool has_ip4, has_ip6, has_dn; /* a dataset of that family exists */
	struct bench_ip4_range *ip4;
	uint32_t *ip4_maxhi; /* after finish: max(ip4[0..i].hi), for "is listed" */
	size_t n_ip4, cap_ip4;
	struct bench_ip6_prefix *ip6;
	size_t n_ip6, cap_ip6;
	struct bench_dn *dn;
	size_t n_dn, cap_dn;
	char *names;
	size_t names_len, names_cap;
};

struct bench_zoneset {
	struct bench_zone *zones;
	size_t n, cap;
	uint64_t lines, keys, skipped; /* reader statistics */
};

void bench_zoneset_init(struct bench_zoneset *zs);
void bench_zoneset_free(struct bench_zoneset *zs);

/* Add a zone spec "zone:type:file[,file...]" (rbldnsd/dnsbl-load syntax).
 * Relative file names are taken relative to basedir (NULL = current
 * directory). Types: ip4set ip4tset ip4trie ip6tset ip6trie dnset.
 * Returns 0, -EINVAL (bad spec or type; reason in err), -errno for a
 * file that cannot be read, -ENOTSUP for a gzip'ed file (message in err)
 * or -ENOMEM. */
int bench_zoneset_add_spec(struct bench_zoneset *zs, const char *spec, const char *basedir,
                           char *err, size_t errlen);
/* Add every spec listed in a file (whitespace-separated, '#' comments),
 * with file names relative to that file's directory: the zones.conf that
 * gen_feed.py writes. */
int bench_zoneset_add_conf(struct bench_zoneset *zs, const char *path, char *err, size_t errlen);
/* Add a zone with no keys (the synthetic source: unlisted IPv4 only). */
int bench_zoneset_add_empty(struct bench_zoneset *zs, const char *zone);
/* Sort IPv4 ranges and build ip4_maxhi. Call once after the last add. */
int bench_zoneset_finish(struct bench_zoneset *zs);

/* True if addr falls in a listed IPv4 range of z (after finish). */
bool bench_zone_ip4_listed(const struct bench_zone *z, uint32_t addr);

/* Key parsers, exposed for tests. Return 0 or -EINVAL. */
int bench_parse_ip4_key(const char *s, uint32_t *lo, uint32_t *hi);
int bench_parse_ip6_key(const char *s, uint8_t addr[16], uint8_t *len);

#endif
