/* dbl_special.c - "$" special lines (see dbl_special.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_dsb.h"
#include "dbl_err.h"
#include "dbl_load.h"
#include "dbl_name.h"
#include "dbl_schema.h"
#include "dbl_special.h"

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/* Digits to a 32-bit value; NULL on overflow or no digit. */
static const char *uint32_s(const char *s, uint32_t *v)
{
	uint64_t n = 0;

	if (!DIGIT(*s))
		return NULL;
	do {
		n = n * 10 + (uint64_t)(*s++ - '0');
		if (n > UINT32_MAX)
			return NULL;
	} while (DIGIT(*s));
	*v = (uint32_t)n;
	return s;
}

/* After a field: the end of the line, or whitespace, skipped (rbldnsd's
 * numbers and timestamps end so). NULL when anything else follows. */
static const char *field_end(const char *s)
{
	if (*s) {
		if (!DBL_ISSPACE(*s))
			return NULL;
		while (DBL_ISSPACE(*s))
			s++;
	}
	return s;
}

/* rbldnsd parse_uint32: a number, then the end or whitespace (skipped). */
static const char *parse_uint32(const char *s, uint32_t *v)
{
	if (!(s = uint32_s(s, v)))
		return NULL;
	return field_end(s);
}

const char *dbl_parse_time(const char *s, uint32_t *t)
{
	uint32_t m = 1;

	if (!(s = uint32_s(s, t)))
		return NULL;
	switch (*s) {
	case 'w':
	case 'W':
		m = 7 * 24 * 3600;
		break;
	case 'd':
	case 'D':
		m = 24 * 3600;
		break;
	case 'h':
	case 'H':
		m = 3600;
		break;
	case 'm':
	case 'M':
		m = 60;
		break;
	case 's':
	case 'S':
		break;
	default:
		m = 0; /* no suffix */
		break;
	}
	if (m) {
		if (UINT32_MAX / m < *t)
			return NULL;
		*t *= m;
		s++;
	}
	if (*s && *s != ':') {
		if (!DBL_ISSPACE(*s))
			return NULL;
		while (DBL_ISSPACE(*s))
			s++;
	}
	return s;
}

/* ttl field: 0 means "the dataset's TTL" (rbldnsd parse_ttl). */
static const char *parse_ttl(const char *s, uint32_t *t, uint32_t dflt)
{
	if (!(s = dbl_parse_time(s, t)))
		return NULL;
	if (*t == 0)
		*t = dflt;
	return s;
}

/* One timestamp component of at most w digits in [min, max], then an
 * optional ':' or '-'. */
static const char *tsp(const char *s, unsigned *v, unsigned min, unsigned max, unsigned w)
{
	unsigned n = 0;

	if (!DIGIT(*s))
		return NULL;
	do
		n = n * 10 + (unsigned)(*s++ - '0');
	while (DIGIT(*s) && --w);
	if (n < min || n > max)
		return NULL;
	if (*s == ':' || *s == '-')
		s++;
	*v = n;
	return s;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

const char *dbl_parse_timestamp(const char *s, int64_t *ts)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned year, mon, day, hour = 0, min = 0, sec = 0, dmax;

	if ((*s == '0' || *s == '-' || *s == ':') && (DBL_ISSPACE(s[1]) || !s[1])) {
		*ts = 0;
		s++;
		while (DBL_ISSPACE(*s))
			s++;
		return s;
	}
	/* 9999: four digits, as rbldnsd reads them; rbldnsd's own cap is 2038 */
	if (!(s = tsp(s, &year, 1970, 9999, 4)) || !(s = tsp(s, &mon, 1, 12, 2)))
		return NULL;
	dmax = mdays[mon - 1];
	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		dmax = 29;
	if (!(s = tsp(s, &day, 1, dmax, 2)))
		return NULL;
	if (*s && !DBL_ISSPACE(*s) && !(s = tsp(s, &hour, 0, 23, 2)))
		return NULL;
	if (*s && !DBL_ISSPACE(*s) && !(s = tsp(s, &min, 0, 59, 2)))
		return NULL;
	if (*s && !DBL_ISSPACE(*s) && !(s = tsp(s, &sec, 0, 59, 2)))
		return NULL;
	if (!(s = field_end(s)))
		return NULL;
	*ts = ((days_from_civil(year, mon, day) * 24 + hour) * 60 + min) * 60 + sec;
	return s;
}

/* Keyword (lowercase) then whitespace: the rest, or NULL. */
static char *firstword(char *s, const char *kw)
{
	for (; *kw; kw++, s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != *kw)
			return NULL;
	}
	if (!DBL_ISSPACE(*s))
		return NULL;
	return dbl_skipspace(s);
}

/* One whitespace-delimited absolute domain name (rbldnsd parse_dn). */
static const char *parse_dn(const char *s, struct dbl_wname *dn)
{
	const char *e = s;

	while (*e && !DBL_ISSPACE(*e))
		e++;
	if (e == s || dbl_wname_from_text(dn, s, (size_t)(e - s)) < 0)
		return NULL;
	while (DBL_ISSPACE(*e))
		e++;
	return e;
}

static int sp_soa(struct dbl_pctx *pc, const char *w)
{
	struct dbl_dsdata *ds = pc->base->ds;
	struct dbl_soa soa = {0};

	if (ds->soa.present)
		return 1; /* the first $SOA wins */
	if (!(w = parse_ttl(w, &soa.ttl, pc->base->ttl)) || !(w = parse_dn(w, &soa.mname)) ||
	    !(w = parse_dn(w, &soa.rname)) || !(w = parse_uint32(w, &soa.serial)) ||
	    !(w = dbl_parse_time(w, &soa.refresh)) || !(w = dbl_parse_time(w, &soa.retry)) ||
	    !(w = dbl_parse_time(w, &soa.expire)) || !(w = dbl_parse_time(w, &soa.minimum)) || *w)
		return 0;
	soa.present = true;
	ds->soa = soa;
	return 1;
}

static int sp_ns(struct dbl_pctx *pc, const char *w)
{
	struct dbl_dsdata *ds = pc->base->ds;
	struct dbl_wname ns[DBL_NS_MAX];
	unsigned nns = 0;
	uint32_t ttl;
	bool warned = false;

	if (pc->base->ns_seen)
		return 1; /* only the first $NS line counts */
	if (!(w = parse_ttl(w, &ttl, pc->base->ttl)))
		return 0;
	/* Each iteration consumes one word; the line is at most 32 KiB. */
	do {
		struct dbl_wname dn;
		bool dup = false;
		if (*w == '-') {
			/* "-name": a disabled (commented-out) nameserver */
			while (*w && !DBL_ISSPACE(*w))
				w++;
			while (DBL_ISSPACE(*w))
				w++;
			continue;
		}
		if (!(w = parse_dn(w, &dn)))
			return 0;
		for (unsigned i = 0; i < nns && !dup; i++)
			dup = ns[i].len == dn.len && memcmp(ns[i].b, dn.b, dn.len) == 0;
		if (dup)
			continue;
		if (nns == DBL_NS_MAX) {
			if (!warned)
				dbl_pwarn(pc, "too many NS records, only the first %d are used",
				          DBL_NS_MAX);
			warned = true;
			continue;
		}
		ns[nns++] = dn;
	} while (*w);
	if (nns) {
		memcpy(ds->ns, ns, nns * sizeof ns[0]);
		ds->nns = (uint8_t)nns;
		ds->ns_ttl = ttl;
		pc->base->ns_seen = true;
	}
	return 1;
}

static int sp_maxrange4(struct dbl_pctx *pc, const char *w)
{
	bool cidr = *w == '/';
	uint32_t r;
	uint64_t n;

	if (cidr)
		w++;
	if (!(w = parse_uint32(w, &r)) || *w || !r)
		return 0;
	if (cidr && r > 32)
		return 0;
	n = cidr ? (uint64_t)1 << (32 - r) : r;
	if (pc->maxrange4 && pc->maxrange4 < n)
		dbl_pwarn(pc, "ignoring attempt to increase $MAXRANGE4 from %llu to %llu",
		          (unsigned long long)pc->maxrange4, (unsigned long long)n);
	else
		pc->maxrange4 = n;
	return 1;
}

static int sp_timestamp(struct dbl_pctx *pc, const char *w)
{
	struct dbl_dsdata *ds = pc->base->ds;
	int64_t stamp, expires;

	if (!(w = dbl_parse_timestamp(w, &stamp)))
		return 0;
	if (!*w) {
		expires = 0;
	} else if (*w == '+') {
		uint32_t rel;
		if (!(w = dbl_parse_time(w + 1, &rel)) || *w || !stamp || !rel)
			return 0;
		expires = stamp + rel;
	} else if (!(w = dbl_parse_timestamp(w, &expires)) || *w) {
		return 0;
	}
	if (stamp && stamp > (int64_t)pc->o->now)
		return dbl_perr(pc, DBL_EFUTURE,
		                "data timestamp is %lld sec in the future, load aborted",
		                (long long)(stamp - (int64_t)pc->o->now));
	if (stamp > ds->ts_created)
		ds->ts_created = stamp;
	if (expires && (!ds->ts_expires || ds->ts_expires > expires))
		ds->ts_expires = expires;
	return 1;
}

int dbl_special(struct dbl_pctx *pc, char *s)
{
	struct dbl_dsb *scope = pc->cur ? pc->cur : pc->base;
	char *w;

	if ((w = firstword(s, "soa")) || (w = firstword(s, "ns")) ||
	    (w = firstword(s, "nameserver"))) {
		if (pc->base && pc->base->ops == &dbl_ds_acl) {
			/* as rbldnsd: an ACL has no zone data of its own */
			dbl_pwarn(pc, "$SOA and $NS are not allowed in an acl dataset");
			return 1;
		}
		return (s[0] | 0x20) == 's' ? sp_soa(pc, w) : sp_ns(pc, w);
	}
	if ((w = firstword(s, "ttl"))) {
		uint32_t ttl;
		const char *e = parse_ttl(w, &ttl, DBL_TTL_DEFAULT);
		if (!e || *e)
			return 0;
		scope->ttl = ttl;
		return 1;
	}
	if ((w = firstword(s, "maxrange4")))
		return sp_maxrange4(pc, w);
	if ((DIGIT(s[0]) || s[0] == '=') && DBL_ISSPACE(s[1])) {
		/* $0..$9, $=: substitution variables, the first one wins */
		int n = s[0] == '=' ? DBL_SUBST_BASE : s[0] - '0';
		if (scope->subst[n])
			return 1;
		w = dbl_skipspace(s + 2);
		if (!*w)
			return 0;
		if (!(scope->subst[n] = strdup(w)))
			return -ENOMEM;
		return 1;
	}
	if ((w = firstword(s, "dataset"))) {
		if (!pc->combined)
			return 0; /* only valid in combined */
		return dbl_combined_newset(pc, w);
	}
	if ((w = firstword(s, "timestamp")))
		return sp_timestamp(pc, w);
	return 0;
}
