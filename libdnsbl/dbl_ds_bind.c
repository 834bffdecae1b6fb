/* dbl_ds_bind.c - dataset type "bind": a BIND master-format zone file (ldns).
 *
 * The file goes through the common line reader first (gzip, CRLF, CKSUM
 * trailer, changed-while-read check), then ldns parses the text with the
 * zone as the default $ORIGIN. The apex SOA becomes the dataset SOA, apex
 * NS records its NS set, "*.x" owners wildcard entries at x, every other
 * record an ordinary RR with uncompressed wire rdata. Records outside the
 * zone, of another class, or that ldns rejects are warned and skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dbl_dsb.h"
#include "dbl_lread.h"
#include "dbl_name.h"
#include "dbl_schema.h"

/* The whole file, line numbers preserved (blank lines re-inserted). */
static int slurp(struct dbl_pctx *pc, struct dbl_lread *r, char **out, size_t *outlen,
                 unsigned *nlines)
{
	char *buf = NULL, *line;
	size_t len = 0, cap = 0, n;
	unsigned at = 0, lineno, flags;
	int rc;

	while ((rc = dbl_lread_next(r, &line, &n, &lineno, &flags)) > 0) {
		size_t need = (lineno - at) + n + 1;
		pc->lineno = lineno;
		if (flags & DBL_LR_LONG)
			dbl_pwarn(pc, "long line (truncated to %d bytes)", DBL_LINE_MAX - 1);
		if (len + need + 1 > cap) {
			size_t nc = cap ? cap : 65536;
			char *p;
			while (nc < len + need + 1)
				nc *= 2;
			if (!(p = realloc(buf, nc))) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap = nc;
		}
		while (at + 1 < lineno) {
			buf[len++] = '\n';
			at++;
		}
		memcpy(buf + len, line, n);
		len += n;
		buf[len++] = '\n';
		at = lineno;
	}
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	*nlines = at;
	return 0;
}

/* Length of rel (the owner labels under the zone), or -1 if the owner
 * (lowercased wire name with root) is not at or below zone. */
static int owner_rel(const uint8_t *own, size_t olen, const struct dbl_wname *zone)
{
	size_t i = 0;

	/* at most 128 labels in 255 bytes; each step consumes >= 1 byte */
	while (i < olen) {
		if (olen - i == zone->len && memcmp(own + i, zone->b, zone->len) == 0)
			return (int)i;
		if (own[i] == 0)
			break;
		i += (size_t)own[i] + 1;
	}
	return -1;
}

static void rdf_name(const ldns_rdf *f, struct dbl_wname *w)
{
	size_t n = ldns_rdf_size(f);

	if (n > DBL_NAME_MAX)
		n = DBL_NAME_MAX;
	memcpy(w->b, ldns_rdf_data(f), n);
	w->len = (uint8_t)n;
	dbl_name_lower(w->b, n);
}

static int apex_soa(struct dbl_pctx *pc, struct dbl_dsb *b, const ldns_rr *rr)
{
	struct dbl_soa *soa = &b->ds->soa;
	uint32_t *v[5] = {&soa->serial, &soa->refresh, &soa->retry, &soa->expire, &soa->minimum};

	if (soa->present) {
		dbl_pwarn(pc, "second SOA record ignored");
		return 0;
	}
	if (ldns_rr_rd_count(rr) != 7) {
		dbl_pwarn(pc, "malformed SOA record");
		return 0;
	}
	rdf_name(ldns_rr_rdf(rr, 0), &soa->mname);
	rdf_name(ldns_rr_rdf(rr, 1), &soa->rname);
	for (int i = 0; i < 5; i++)
		*v[i] = ldns_rdf2native_int32(ldns_rr_rdf(rr, (size_t)i + 2));
	soa->ttl = ldns_rr_ttl(rr);
	soa->present = true;
	return 0;
}

static int apex_ns(struct dbl_pctx *pc, struct dbl_dsb *b, const ldns_rr *rr)
{
	struct dbl_dsdata *ds = b->ds;
	struct dbl_wname ns;

	if (ldns_rr_rd_count(rr) != 1)
		return 0;
	rdf_name(ldns_rr_rdf(rr, 0), &ns);
	for (unsigned i = 0; i < ds->nns; i++)
		if (ds->ns[i].len == ns.len && memcmp(ds->ns[i].b, ns.b, ns.len) == 0)
			return 0;
	if (ds->nns == DBL_NS_MAX) {
		dbl_pwarn(pc, "too many NS records, only the first %d are used", DBL_NS_MAX);
		return 0;
	}
	if (ds->nns == 0 || ldns_rr_ttl(rr) < ds->ns_ttl)
		ds->ns_ttl = ldns_rr_ttl(rr);
	ds->ns[ds->nns++] = ns;
	return 0;
}

static int one_rr(struct dbl_pctx *pc, struct dbl_dsb *b, const ldns_rr *rr, ldns_buffer *wb)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	uint8_t own[DBL_NAME_MAX], key[DBL_NAME_MAX];
	size_t olen = ldns_rdf_size(o);
	const uint8_t *rel;
	bool wild = false;
	int n;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		dbl_pwarn(pc, "record of a class other than IN skipped");
		return 0;
	}
	if (olen > DBL_NAME_MAX)
		return 0;
	memcpy(own, ldns_rdf_data(o), olen);
	dbl_name_lower(own, olen);
	n = owner_rel(own, olen, &pc->zs->zone);
	if (n < 0) {
		char txt[1024];
		dbl_wname_to_text(own, txt, sizeof txt);
		dbl_pwarn(pc, "owner %s is outside the zone, skipped", txt);
		return 0;
	}
	rel = own;
	if (n >= 2 && own[0] == 1 && own[1] == '*') {
		wild = true; /* "*.x": names strictly below x */
		rel += 2;
		n -= 2;
	}
	if (n == 0 && !wild) {
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			return apex_soa(pc, b, rr);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS)
			return apex_ns(pc, b, rr);
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
		dbl_pwarn(pc, "SOA record below the apex skipped");
		return 0;
	}
	ldns_buffer_clear(wb);
	if (ldns_rr_rdata2buffer_wire(wb, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(wb) > 65535) {
		dbl_pwarn(pc, "record data cannot be encoded, skipped");
		return 0;
	}
	dbl_namekey_from_rel(key, rel, (size_t)n);
	return dbl_dsb_add_rr(b, key, (size_t)n, wild, (uint16_t)ldns_rr_get_type(rr),
	                      ldns_rr_ttl(rr), ldns_buffer_begin(wb), ldns_buffer_position(wb));
}

static int bind_read(struct dbl_pctx *pc, struct dbl_dsb *b, struct dbl_lread *r)
{
	char *text = NULL, ztxt[1024];
	size_t len = 0;
	unsigned nlines = 0, iter = 0;
	FILE *fp = NULL;
	ldns_rdf *origin = NULL, *prev = NULL;
	ldns_buffer *wb = NULL;
	/* no TTL and no $TTL: the server default */
	uint32_t dttl = DBL_TTL_DEFAULT;
	int line_nr = 0, rc;

	if ((rc = slurp(pc, r, &text, &len, &nlines)))
		return rc;
	if (len == 0) {
		free(text);
		return 0;
	}
	dbl_wname_to_text(pc->zs->zone.b, ztxt, sizeof ztxt);
	fp = fmemopen(text, len, "r");
	origin = ldns_dname_new_frm_str(ztxt);
	prev = origin ? ldns_rdf_clone(origin) : NULL;
	wb = ldns_buffer_new(512);
	if (!fp || !origin || !prev || !wb) {
		rc = -ENOMEM;
		goto out;
	}
	/* each call consumes at least one line or hits EOF; the cap guards
	 * against a parser that would not advance */
	while (!feof(fp) && iter++ <= 2 * nlines + 16) {
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &dttl, &origin, &prev, &line_nr);
		pc->lineno = (unsigned)line_nr;
		switch (s) {
		case LDNS_STATUS_OK:
			rc = one_rr(pc, b, rr, wb);
			ldns_rr_free(rr);
			if (rc)
				goto out;
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			dbl_pwarn(pc, "$INCLUDE is not supported, skipped");
			break;
		default:
			if (!feof(fp) || s != LDNS_STATUS_SYNTAX_ERR)
				dbl_pwarn(pc, "%s", ldns_get_errorstr_by_id(s));
			break;
		}
	}
	rc = 0;
out:
	pc->lineno = 0;
	if (fp)
		fclose(fp);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (wb)
		ldns_buffer_free(wb);
	free(text);
	return rc;
}

const struct dbl_dsops dbl_ds_bind = {
    .name = "bind",
    .merge = DBL_MERGE_UNION,
    .read_file = bind_read,
};
