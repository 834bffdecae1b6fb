/* dbl_ds_name.c - dataset types dnset and generic (rbldnsd semantics).
 *
 * Names are relative to the zone (or to the combined subzone), lowercased,
 * a trailing dot ignored, and stored as name keys (dbl_name.h).
 * dnset: "name" exact, "*.name" strictly below, ".name" both; "!" excludes.
 * generic: "name [ttl] [IN] TYPE data" for A, TXT, MX; "@" is the apex.
 */
#include <errno.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_dsb.h"
#include "dbl_name.h"
#include "dbl_schema.h"
#include "dbl_special.h"

/* The whitespace-delimited word at s as a rel name: its length (> 0), or
 * -1 when empty/invalid. *end is set past the word and its blanks. */
static int rel_word(const char *s, uint8_t rel[DBL_NAME_MAX], const char **end)
{
	const char *e = s;
	int n;

	while (*e && !DBL_ISSPACE(*e))
		e++;
	if (e == s)
		return -1;
	n = dbl_rel_from_text(rel, s, (size_t)(e - s));
	if (n <= 0 || (e - s == 1 && (*s == '@' || *s == '.')))
		return -1;
	while (DBL_ISSPACE(*e))
		e++;
	*end = e;
	return n;
}

static int dnset_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	uint8_t rel[DBL_NAME_MAX], key[DBL_NAME_MAX];
	const char *e;
	int32_t vid = DBL_VID_EXCLUDE;
	bool excl = false, wild, plain;
	int n, rc;

	if (*s == ':')
		return dbl_ds_default_line(pc, b, s);
	if (*s == '!') {
		excl = true;
		s = dbl_skipspace(s + 1);
	}
	if (s[0] == '.') {
		wild = plain = true; /* ".name": the name and everything below */
		s++;
	} else if (s[0] == '*' && s[1] == '.') {
		wild = true; /* "*.name": strictly below */
		plain = false;
		s += 2;
	} else {
		wild = false;
		plain = true;
	}
	if ((n = rel_word(s, rel, &e)) < 0) {
		dbl_pwarn(pc, "invalid domain name");
		return 0;
	}
	if (!excl && (rc = dbl_ds_entry_value(pc, b, e, &vid)) <= 0)
		return rc;
	dbl_namekey_from_rel(key, rel, (size_t)n);
	if (plain && (rc = dbl_dsb_add_name(b, key, (size_t)n, false, vid)))
		return rc;
	if (wild && (rc = dbl_dsb_add_name(b, key, (size_t)n, true, vid)))
		return rc;
	return 0;
}

/* rbldnsd parse_uint32 for the MX preference: digits, then end or blanks */
static const char *mx_pref(const char *s, uint32_t *v)
{
	uint32_t n = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (uint32_t)(*s - '0');
		if (n > 65535)
			return NULL; /* 16-bit preference */
	}
	if (*s && !DBL_ISSPACE(*s))
		return NULL;
	while (DBL_ISSPACE(*s))
		s++;
	*v = n;
	return s;
}

static int generic_line(struct dbl_pctx *pc, struct dbl_dsb *b, char *s)
{
	uint8_t rel[DBL_NAME_MAX], key[DBL_NAME_MAX], rd[2 + DBL_NAME_MAX + 1];
	const char *p = s;
	char type[8];
	size_t tl = 0, rdlen;
	uint16_t rtype;
	uint32_t ttl = b->ttl;
	int n = 0;

	if (s[0] == '@' && DBL_ISSPACE(s[1])) {
		p = dbl_skipspace(s + 1); /* the apex */
	} else if ((n = rel_word(s, rel, &p)) < 0) {
		goto bad;
	}
	if (*p >= '0' && *p <= '9') {
		/* ttl; 0 = the dataset's. rbldnsd aborts the load on a bad
		 * ttl here; we only skip the line. */
		if (!(p = dbl_parse_time(p, &ttl)) || *p == ':')
			goto bad;
		if (ttl == 0)
			ttl = b->ttl;
	}
	if ((p[0] == 'i' || p[0] == 'I') && (p[1] == 'n' || p[1] == 'N') && DBL_ISSPACE(p[2]))
		for (p += 2; DBL_ISSPACE(*p);)
			p++;
	/* the type word must be followed by blanks and data */
	while (*p && !DBL_ISSPACE(*p)) {
		if (tl + 1 >= sizeof type)
			goto bad;
		type[tl++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		p++;
	}
	type[tl] = '\0';
	if (!*p)
		goto bad;
	while (DBL_ISSPACE(*p))
		p++;
	if (strcmp(type, "a") == 0) {
		uint32_t a;
		const char *e;
		if (dbl_ip4addr(p, &a, &e) <= 0)
			goto bad;
		rtype = 1; /* RFC 1035 A */
		rd[0] = (uint8_t)(a >> 24), rd[1] = (uint8_t)(a >> 16);
		rd[2] = (uint8_t)(a >> 8), rd[3] = (uint8_t)a;
		rdlen = 4;
	} else if (strcmp(type, "txt") == 0) {
		size_t len = strlen(p);
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
			p++; /* quotes only when at both ends */
			len -= 2;
		}
		if (len > DBL_TXT_MAX) {
			dbl_pwarn(pc, "TXT RR truncated to %d bytes", DBL_TXT_MAX);
			len = DBL_TXT_MAX;
		}
		rtype = 16; /* RFC 1035 TXT: one character-string */
		rd[0] = (uint8_t)len;
		memcpy(rd + 1, p, len);
		rdlen = len + 1;
	} else if (strcmp(type, "mx") == 0) {
		struct dbl_wname mx;
		uint32_t pref;
		const char *e;
		if (!(p = mx_pref(p, &pref)))
			goto bad;
		for (e = p; *e && !DBL_ISSPACE(*e);)
			e++;
		if (e == p || *e || dbl_wname_from_text(&mx, p, (size_t)(e - p)) < 0)
			goto bad;
		rtype = 15; /* RFC 1035 MX */
		rd[0] = (uint8_t)(pref >> 8);
		rd[1] = (uint8_t)pref;
		memcpy(rd + 2, mx.b, mx.len);
		rdlen = 2u + mx.len;
	} else {
		goto bad;
	}
	dbl_namekey_from_rel(key, rel, (size_t)n);
	return dbl_dsb_add_rr(b, key, (size_t)n, false, rtype, ttl, rd, rdlen);
bad:
	dbl_pwarn(pc, "invalid/unrecognized entry");
	return 0;
}

const struct dbl_dsops dbl_ds_dnset = {
    .name = "dnset",
    .merge = DBL_MERGE_UNION,
    .file_start = dbl_ds_reset_default,
    .line = dnset_line,
};

const struct dbl_dsops dbl_ds_generic = {
    .name = "generic",
    .merge = DBL_MERGE_UNION,
    .line = generic_line,
};
