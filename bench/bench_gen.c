/* bench_gen.c - query generation (see bench_gen.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_gen.h"

/* Bound on redraws when a random "unlisted" IPv4 address turns out to be
 * listed: with PBL-like data ~1% of the space is listed, so 16 draws
 * practically never run out; if they do the query is simply listed. */
#define UNLISTED_TRIES 16

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void bench_rng_seed(struct bench_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t bench_rng_next(struct bench_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t bench_rng_below(struct bench_rng *r, uint64_t n)
{
	/* reject the top partial copy of [0, n) so every value is equally
	 * likely */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = bench_rng_next(r);
	while (v >= limit);
	return v % n;
}

double bench_rng_unit(struct bench_rng *r)
{
	return (double)(bench_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Zones holding one family, and the total number of keys they list. */
struct family_set {
	size_t zone[64];
	size_t nz;
	uint64_t keys;
};

static void random_label(struct bench_rng *r, char *out, size_t min, size_t max)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t l = min + (size_t)bench_rng_below(r, max - min + 1);

	/* first character a letter: looks like a real hostname */
	out[0] = alnum[bench_rng_below(r, 26)];
	for (size_t i = 1; i < l; i++)
		out[i] = alnum[bench_rng_below(r, sizeof alnum - 1)];
	out[l] = 0;
}

/* Pick key number k of a family: which zone, and the index inside it. */
static const struct bench_zone *locate(const struct bench_zoneset *zs, const struct family_set *fs,
                                       uint64_t k, size_t (*count)(const struct bench_zone *),
                                       size_t *idx)
{
	for (size_t i = 0; i < fs->nz; i++) {
		const struct bench_zone *z = &zs->zones[fs->zone[i]];

		if (k < count(z)) {
			*idx = (size_t)k;
			return z;
		}
		k -= count(z);
	}
	return NULL;
}

static size_t count4(const struct bench_zone *z)
{
	return z->n_ip4;
}

static size_t count6(const struct bench_zone *z)
{
	return z->n_ip6;
}

static size_t countdn(const struct bench_zone *z)
{
	return z->n_dn;
}

static bool public_ip4(uint32_t a)
{
	unsigned o = a >> 24;

	return o != 0 && o != 10 && o != 127 && o < 224;
}

static void name_ip4(char *buf, size_t len, uint32_t a, const char *zone)
{
	snprintf(buf, len, "%u.%u.%u.%u.%s", a & 255, (a >> 8) & 255, (a >> 16) & 255, a >> 24,
	         zone);
}

static void name_ip6(char *buf, size_t len, const uint8_t a[16], const char *zone)
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	for (int i = 15; i >= 0; i--) {
		*p++ = hex[a[i] & 15];
		*p++ = '.';
		*p++ = hex[a[i] >> 4];
		*p++ = '.';
	}
	snprintf(p, len - (size_t)(p - buf), "%s", zone);
}

static void gen_ip4(const struct bench_zoneset *zs, const struct family_set *fs,
                    struct bench_rng *r, bool listed, char *buf, size_t len)
{
	const struct bench_zone *z;
	uint32_t a = 0;
	size_t i;

	if (listed) {
		z = locate(zs, fs, bench_rng_below(r, fs->keys), count4, &i);
		a = z->ip4[i].lo +
		    (uint32_t)bench_rng_below(r, (uint64_t)z->ip4[i].hi - z->ip4[i].lo + 1);
	} else {
		z = &zs->zones[fs->zone[bench_rng_below(r, fs->nz)]];
		for (int t = 0; t < UNLISTED_TRIES; t++) {
			do
				a = (uint32_t)bench_rng_next(r);
			while (!public_ip4(a));
			if (!z->n_ip4 || !bench_zone_ip4_listed(z, a))
				break;
		}
	}
	name_ip4(buf, len, a, z->name);
}

static void gen_ip6(const struct bench_zoneset *zs, const struct family_set *fs,
                    struct bench_rng *r, bool listed, char *buf, size_t len)
{
	const struct bench_zone *z;
	uint8_t a[16];
	uint64_t hi = bench_rng_next(r), lo = bench_rng_next(r);
	size_t i;

	for (int b = 0; b < 8; b++) {
		a[b] = (uint8_t)(hi >> (56 - 8 * b));
		a[8 + b] = (uint8_t)(lo >> (56 - 8 * b));
	}
	if (listed) {
		z = locate(zs, fs, bench_rng_below(r, fs->keys), count6, &i);
		const struct bench_ip6_prefix *px = &z->ip6[i];

		/* prefix bits from the key, host bits random */
		for (int bit = 0; bit < px->len; bit++) {
			uint8_t m = (uint8_t)(0x80u >> (bit % 8));

			a[bit / 8] = (uint8_t)((a[bit / 8] & ~m) | (px->addr[bit / 8] & m));
		}
	} else {
		z = &zs->zones[fs->zone[bench_rng_below(r, fs->nz)]];
		a[0] = (uint8_t)(0x20 | (a[0] & 0x1f)); /* 2000::/3, global unicast */
	}
	name_ip6(buf, len, a, z->name);
}

static void gen_dn(const struct bench_zoneset *zs, const struct family_set *fs, struct bench_rng *r,
                   bool listed, char *buf, size_t len)
{
	static const char *const tlds[] = {"com", "net", "org", "info", "xyz",
	                                   "top", "de",  "ru",  "cn",   "io"};
	const struct bench_zone *z;
	char label[16];
	size_t i;

	if (listed) {
		z = locate(zs, fs, bench_rng_below(r, fs->keys), countdn, &i);
		const char *name = z->names + z->dn[i].off;
		bool sub = z->dn[i].form == BENCH_DN_WILD ||
		           (z->dn[i].form == BENCH_DN_BOTH && bench_rng_below(r, 2));

		if (sub) {
			random_label(r, label, 1, 8);
			snprintf(buf, len, "%s.%s.%s", label, name, z->name);
		} else {
			snprintf(buf, len, "%s.%s", name, z->name);
		}
		return;
	}
	z = &zs->zones[fs->zone[bench_rng_below(r, fs->nz)]];
	random_label(r, label, 6, 14);
	snprintf(buf, len, "%s.%s.%s", label, tlds[bench_rng_below(r, 10)], z->name);
}

static int collect(const struct bench_zoneset *zs, struct family_set *fs, int fam, char *err,
                   size_t errlen)
{
	memset(fs, 0, sizeof *fs);
	for (size_t i = 0; i < zs->n; i++) {
		const struct bench_zone *z = &zs->zones[i];
		bool has = fam == 4 ? z->has_ip4 : fam == 6 ? z->has_ip6 : z->has_dn;

		if (!has)
			continue;
		if (fs->nz == sizeof fs->zone / sizeof fs->zone[0]) {
			snprintf(err, errlen, "too many zones (limit %zu per family)", fs->nz);
			return -EINVAL;
		}
		fs->zone[fs->nz++] = i;
		fs->keys += fam == 4 ? z->n_ip4 : fam == 6 ? z->n_ip6 : z->n_dn;
	}
	return 0;
}

int bench_gen_queries(const struct bench_zoneset *zs, const struct bench_gen_opts *o,
                      struct bench_queries *out, struct bench_gen_stats *st, char *err,
                      size_t errlen)
{
	struct family_set f4, f6, fdn;
	struct bench_rng r;
	char name[1024];
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = collect(zs, &f4, 4, err, errlen)) < 0 ||
	    (rc = collect(zs, &f6, 6, err, errlen)) < 0 ||
	    (rc = collect(zs, &fdn, 0, err, errlen)) < 0)
		return rc;
	if (!f4.nz && !f6.nz && !fdn.nz) {
		snprintf(err, errlen, "no zones to generate queries for");
		return -EINVAL;
	}
	bench_rng_seed(&r, o->seed);
	for (size_t n = 0; n < o->count; n++) {
		bool ip = f4.nz || f6.nz, dn = fdn.nz > 0, v6 = false, listed;
		const struct family_set *fs;
		uint16_t type;

		/* Every decision draws from the RNG whether or not it matters,
		 * so changing one share does not reshuffle the others. */
		double u_dn = bench_rng_unit(&r), u_v6 = bench_rng_unit(&r);
		double u_listed = bench_rng_unit(&r), u_txt = bench_rng_unit(&r);

		if (ip && dn)
			dn = u_dn < o->domain_share;
		if (!dn)
			v6 = f4.nz && f6.nz ? u_v6 < o->ipv6_share : f6.nz > 0;
		fs = dn ? &fdn : v6 ? &f6 : &f4;
		listed = fs->keys > 0 && u_listed < o->listed_share;
		type = u_txt < o->txt_share ? 16 : 1;

		if (dn)
			gen_dn(zs, fs, &r, listed, name, sizeof name);
		else if (v6)
			gen_ip6(zs, fs, &r, listed, name, sizeof name);
		else
			gen_ip4(zs, fs, &r, listed, name, sizeof name);
		rc = bench_queries_add(out, name, type);
		if (rc == -EINVAL && listed && dn) {
			/* key + zone longer than a DNS name allows */
			listed = false;
			gen_dn(zs, fs, &r, false, name, sizeof name);
			rc = bench_queries_add(out, name, type);
		}
		if (rc < 0) {
			snprintf(err, errlen, "generated query \"%s\": %s", name,
			         rc == -E2BIG ? "too many queries" : strerror(-rc));
			return rc;
		}
		st->listed += listed;
		st->unlisted += !listed;
		st->domain += dn;
		st->ip6 += !dn && v6;
		st->ip4 += !dn && !v6;
		st->txt += type == 16;
	}
	return 0;
}
