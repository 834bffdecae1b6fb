/* bench_zones.c - listed-key reader for rbldnsd zone files (see bench_zones.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench_zones.h"

/* rbldnsd truncates lines at 32 KiB (ISTREAM_BUFSIZE/2); a key is always
 * at the start, so reading the first 4 KiB of a line is plenty. */
#define LINE_BUF 4096

enum family { FAM_IP4, FAM_IP6, FAM_DN };

static const struct {
	const char *name;
	enum family fam;
} ds_types[] = {
    {"ip4set", FAM_IP4},  {"ip4tset", FAM_IP4}, {"ip4trie", FAM_IP4},
    {"ip6tset", FAM_IP6}, {"ip6trie", FAM_IP6}, {"dnset", FAM_DN},
};

void bench_zoneset_init(struct bench_zoneset *zs)
{
	memset(zs, 0, sizeof *zs);
}

void bench_zoneset_free(struct bench_zoneset *zs)
{
	for (size_t i = 0; i < zs->n; i++) {
		struct bench_zone *z = &zs->zones[i];

		free(z->name);
		free(z->ip4);
		free(z->ip4_maxhi);
		free(z->ip6);
		free(z->dn);
		free(z->names);
	}
	free(zs->zones);
	memset(zs, 0, sizeof *zs);
}

/* Make room for one more element of size el in *arr (cap doubles). */
static int reserve(void **arr, size_t *cap, size_t n, size_t el)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 1024;
	void *p = realloc(*arr, nc * el);

	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

/* Up to 4 dotted decimal octets; returns how many, 0 on syntax error. */
static int parse_octets(const char **sp, uint32_t oct[4])
{
	const char *s = *sp;
	int m = 0;

	for (;;) {
		unsigned v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		oct[m++] = v;
		if (*s != '.' || m == 4)
			break;
		s++;
	}
	*sp = s;
	return m;
}

static uint32_t pack(const uint32_t oct[4], int m, uint32_t fill)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | (i < m ? oct[i] : fill);
	return v;
}

int bench_parse_ip4_key(const char *s, uint32_t *lo, uint32_t *hi)
{
	uint32_t a[4], b[4];
	int m = parse_octets(&s, a), k;

	if (!m)
		return -EINVAL;
	if (*s == '/') {
		char *end;
		long n = strtol(s + 1, &end, 10);

		if (end == s + 1 || *end || n < 0 || n > 32)
			return -EINVAL;
		uint32_t mask = n ? ~0u << (32 - n) : 0;

		*lo = pack(a, m, 0) & mask;
		*hi = *lo | ~mask;
		return 0;
	}
	if (*s == '-') {
		s++;
		k = parse_octets(&s, b);
		if (!k || *s || m < 2)
			return -EINVAL;
		*lo = pack(a, m, 0);
		if (k == m) {
			*hi = pack(b, m, 255);
		} else if (k == 1) {
			a[m - 1] = b[0]; /* suffix form: 127.0.0.1-255, 127.16-31 */
			*hi = pack(a, m, 255);
		} else {
			return -EINVAL;
		}
		return *lo <= *hi ? 0 : -EINVAL;
	}
	if (*s || m < 2) /* rbldnsd rejects a bare number (write 10/8) */
		return -EINVAL;
	*lo = pack(a, m, 0);
	*hi = pack(a, m, 255);
	return 0;
}

int bench_parse_ip6_key(const char *s, uint8_t addr[16], uint8_t *len)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t l = slash ? (size_t)(slash - s) : strlen(s);
	int groups = 1, plen;

	if (l == 0 || l + 3 > sizeof buf)
		return -EINVAL;
	memcpy(buf, s, l);
	buf[l] = 0;
	for (size_t i = 0; i < l; i++)
		groups += buf[i] == ':';
	if (strstr(buf, "::")) {
		plen = 128;
	} else if (groups == 8) {
		plen = 128;
	} else if (groups >= 2) {
		strcat(buf, "::"); /* 2001:db8:1:2 = 2001:db8:1:2::/64 */
		plen = groups * 16;
	} else {
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return -EINVAL;
	if (slash) {
		char *end;
		long n = strtol(slash + 1, &end, 10);

		if (end == slash + 1 || *end || n < 0 || n > 128)
			return -EINVAL;
		plen = (int)n;
	}
	for (int bit = plen; bit < 128; bit++)
		addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	*len = (uint8_t)plen;
	return 0;
}

static struct bench_zone *zone_get(struct bench_zoneset *zs, const char *name, size_t nl)
{
	char *copy;

	while (nl && name[nl - 1] == '.')
		nl--;
	for (size_t i = 0; i < zs->n; i++)
		if (strlen(zs->zones[i].name) == nl &&
		    strncasecmp(zs->zones[i].name, name, nl) == 0)
			return &zs->zones[i];
	if (reserve((void **)&zs->zones, &zs->cap, zs->n, sizeof *zs->zones) < 0)
		return NULL;
	copy = strndup(name, nl);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < nl; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	struct bench_zone *z = &zs->zones[zs->n++];

	memset(z, 0, sizeof *z);
	z->name = copy;
	return z;
}

static int add_dn(struct bench_zone *z, char *tok)
{
	uint8_t form = BENCH_DN_EXACT;
	size_t l;

	if (tok[0] == '*' && tok[1] == '.') {
		form = BENCH_DN_WILD;
		tok += 2;
	} else if (tok[0] == '.') {
		form = BENCH_DN_BOTH;
		tok += 1;
	}
	l = strlen(tok);
	while (l && tok[l - 1] == '.')
		tok[--l] = 0;
	if (!l || l > 253)
		return -EINVAL;
	for (size_t i = 0; i < l; i++)
		tok[i] = (char)tolower((unsigned char)tok[i]);
	if (reserve((void **)&z->dn, &z->cap_dn, z->n_dn, sizeof *z->dn) < 0)
		return -ENOMEM;
	while (z->names_len + l + 1 > z->names_cap) {
		size_t nc = z->names_cap ? z->names_cap * 2 : 65536;
		char *p = realloc(z->names, nc);

		if (!p)
			return -ENOMEM;
		z->names = p;
		z->names_cap = nc;
	}
	if (z->names_len + l + 1 > UINT32_MAX)
		return -ENOMEM;
	memcpy(z->names + z->names_len, tok, l + 1);
	z->dn[z->n_dn].off = (uint32_t)z->names_len;
	z->dn[z->n_dn].form = form;
	z->n_dn++;
	z->names_len += l + 1;
	return 0;
}

enum { LINE_IGNORED, LINE_KEY, LINE_BAD };

/* One line: LINE_KEY (key added), LINE_IGNORED (comment, special,
 * default or exclusion), LINE_BAD (no key we can parse) or -ENOMEM. */
static int add_line(struct bench_zone *z, enum family fam, char *p)
{
	char *tok;
	size_t l;

	while (*p == ' ' || *p == '\t')
		p++;
	l = strcspn(p, "\r\n");
	p[l] = 0;
	/* comments, specials ($SOA, #$NS, ...), exclusions; a ':' line is the
	 * default value, except "::..." which is an IPv6 address */
	if (!*p || *p == '#' || *p == ';' || *p == '$' || *p == '!')
		return LINE_IGNORED;
	if (*p == ':' && !(fam == FAM_IP6 && p[1] == ':'))
		return LINE_IGNORED;
	tok = p;
	l = strcspn(tok, fam == FAM_IP6 ? " \t" : " \t:;#");
	tok[l] = 0;
	if (fam == FAM_IP4) {
		uint32_t lo, hi;

		if (bench_parse_ip4_key(tok, &lo, &hi) < 0)
			return LINE_BAD;
		if (reserve((void **)&z->ip4, &z->cap_ip4, z->n_ip4, sizeof *z->ip4) < 0)
			return -ENOMEM;
		z->ip4[z->n_ip4].lo = lo;
		z->ip4[z->n_ip4].hi = hi;
		z->n_ip4++;
		return LINE_KEY;
	}
	if (fam == FAM_IP6) {
		struct bench_ip6_prefix px;

		if (bench_parse_ip6_key(tok, px.addr, &px.len) < 0)
			return LINE_BAD;
		if (reserve((void **)&z->ip6, &z->cap_ip6, z->n_ip6, sizeof *z->ip6) < 0)
			return -ENOMEM;
		z->ip6[z->n_ip6++] = px;
		return LINE_KEY;
	}
	int rc = add_dn(z, tok);

	return rc == -ENOMEM ? rc : rc == 0 ? LINE_KEY : LINE_BAD;
}

static int read_file(struct bench_zoneset *zs, struct bench_zone *z, enum family fam,
                     const char *path, char *err, size_t errlen)
{
	char line[LINE_BUF];
	FILE *f = fopen(path, "r");
	bool midline = false;
	int c, rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	c = getc(f);
	if (c == 0x1f) {
		snprintf(err, errlen, "%s: gzip'ed files are not supported here; gunzip first",
		         path);
		fclose(f);
		return -ENOTSUP;
	}
	if (c != EOF)
		ungetc(c, f);
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		bool whole = l && line[l - 1] == '\n';

		/* The tail of an over-long line is not a line of its own. */
		if (midline) {
			midline = !whole;
			continue;
		}
		midline = !whole;
		zs->lines++;
		rc = add_line(z, fam, line);
		if (rc < 0)
			break;
		if (rc == LINE_KEY)
			zs->keys++;
		else if (rc == LINE_BAD)
			zs->skipped++;
		rc = 0;
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -EIO;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	fclose(f);
	return rc;
}

int bench_zoneset_add_spec(struct bench_zoneset *zs, const char *spec, const char *basedir,
                           char *err, size_t errlen)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	enum family fam = FAM_IP4;
	struct bench_zone *z;
	size_t tl;
	bool found = false;

	if (!c1 || !c2 || c1 == spec || !c2[1]) {
		snprintf(err, errlen, "zone spec \"%s\": expected zone:type:file[,file...]", spec);
		return -EINVAL;
	}
	tl = (size_t)(c2 - c1 - 1);
	for (size_t i = 0; i < sizeof ds_types / sizeof ds_types[0]; i++) {
		if (strlen(ds_types[i].name) == tl && strncmp(ds_types[i].name, c1 + 1, tl) == 0) {
			fam = ds_types[i].fam;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, errlen,
		         "zone spec \"%s\": type must be ip4set, ip4tset, ip4trie, ip6tset, "
		         "ip6trie or dnset",
		         spec);
		return -EINVAL;
	}
	z = zone_get(zs, spec, (size_t)(c1 - spec));
	if (!z) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	z->has_ip4 |= fam == FAM_IP4;
	z->has_ip6 |= fam == FAM_IP6;
	z->has_dn |= fam == FAM_DN;
	for (const char *f = c2 + 1; *f;) {
		size_t fl = strcspn(f, ",");
		char path[4096];
		int rc;

		if (fl == 0) {
			snprintf(err, errlen, "zone spec \"%s\": empty file name", spec);
			return -EINVAL;
		}
		if (f[0] != '/' && basedir)
			rc = snprintf(path, sizeof path, "%s/%.*s", basedir, (int)fl, f);
		else
			rc = snprintf(path, sizeof path, "%.*s", (int)fl, f);
		if (rc < 0 || (size_t)rc >= sizeof path) {
			snprintf(err, errlen, "zone spec \"%s\": path too long", spec);
			return -EINVAL;
		}
		rc = read_file(zs, z, fam, path, err, errlen);
		if (rc < 0)
			return rc;
		f += fl;
		if (*f == ',')
			f++;
	}
	return 0;
}

int bench_zoneset_add_conf(struct bench_zoneset *zs, const char *path, char *err, size_t errlen)
{
	char line[LINE_BUF], dir[4096];
	const char *slash = strrchr(path, '/');
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (slash && (size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	else
		snprintf(dir, sizeof dir, ".");
	while (!rc && fgets(line, sizeof line, f)) {
		char *cur, *tok;

		line[strcspn(line, "#\r\n")] = 0;
		for (cur = line; (tok = strtok_r(cur, " \t", &cur)) != NULL;) {
			rc = bench_zoneset_add_spec(zs, tok, dir, err, errlen);
			if (rc < 0)
				break;
		}
	}
	fclose(f);
	return rc;
}

int bench_zoneset_add_empty(struct bench_zoneset *zs, const char *zone)
{
	struct bench_zone *z = zone_get(zs, zone, strlen(zone));

	if (!z)
		return -ENOMEM;
	z->has_ip4 = true;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct bench_ip4_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

int bench_zoneset_finish(struct bench_zoneset *zs)
{
	for (size_t i = 0; i < zs->n; i++) {
		struct bench_zone *z = &zs->zones[i];
		uint32_t mx = 0;

		if (!z->n_ip4)
			continue;
		/* Sorted by (lo, hi): equal elements are identical, so the
		 * result does not depend on qsort's (in)stability and query
		 * generation stays reproducible for a given seed. */
		qsort(z->ip4, z->n_ip4, sizeof *z->ip4, cmp_range);
		free(z->ip4_maxhi);
		z->ip4_maxhi = malloc(z->n_ip4 * sizeof *z->ip4_maxhi);
		if (!z->ip4_maxhi)
			return -ENOMEM;
		for (size_t k = 0; k < z->n_ip4; k++) {
			if (z->ip4[k].hi > mx)
				mx = z->ip4[k].hi;
			z->ip4_maxhi[k] = mx;
		}
	}
	return 0;
}

bool bench_zone_ip4_listed(const struct bench_zone *z, uint32_t addr)
{
	size_t lo = 0, hi = z->n_ip4;

	/* last range with lo <= addr; any earlier range reaching addr shows
	 * in the running maximum of hi */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->ip4[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && z->ip4_maxhi[lo - 1] >= addr;
}
