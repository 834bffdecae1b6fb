/* dbl_answer.c - the zone part of the answer path (see dbl_answer.h).
 *
 * Section order: answers first (dbl_resp_answer scans only the answer
 * section), then AUTHORITY, then ADDITIONAL glue. Required records (answers,
 * the SOA of a negative answer) that do not fit leave w->over set and the
 * caller truncates; optional ones (NS in AUTHORITY, glue) are rolled back.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dbl_answer.h"
#include "dbl_err.h"
#include "dbl_name.h"
#include "dbl_qkey.h"
#include "dbl_schema.h"
#include "dbl_vset.h"

#define NAME_LABELS_MAX 128 /* 128: labels of a 255-byte name, root included */
#define NAME_WALK_UP    8   /* names of up to 8 labels walk their suffixes bottom-up */

static uint32_t ttl_of(const struct dbl_ans *a, uint32_t t)
{
	return t == DBL_TTL_DEFAULT ? a->o->default_ttl : t;
}

/* The zone name inside the question: SOA/NS owners point there, so they
 * take the query's case, as rbldnsd's do. */
static uint16_t zone_ptr(const struct dbl_ans *a)
{
	return (uint16_t)(DBL_HDR_LEN + a->zoff);
}

/* ---- SOA, NS, glue ---- */

static int put_soa(struct dbl_ans *a, enum dbl_section sec, uint32_t ttl)
{
	const struct dbl_soa *s = &a->z->soa;
	size_t rd = dbl_resp_rr_begin(a->w, zone_ptr(a), DBL_T_SOA, DBL_C_IN, ttl);
	uint8_t t[20]; /* SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM */
	int rc;

	rc = dbl_resp_soa_names(a->w, &s->wire, zone_ptr(a), s->mname.b, s->rname.b);
	if (rc == DBL_ECORRUPT)
		return rc;
	dbl_put_u32(t, s->serial);
	dbl_put_u32(t + 4, s->refresh);
	dbl_put_u32(t + 8, s->retry);
	dbl_put_u32(t + 12, s->expire);
	dbl_put_u32(t + 16, s->minimum);
	dbl_resp_bytes(a->w, t, sizeof t);
	return dbl_resp_rr_end(a->w, sec, rd);
}

/* SOA in AUTHORITY of NXDOMAIN/NODATA, TTL min(SOA TTL, SOA minimum)
 * (contract 6.7, RFC 2308 3). No SOA in the zone: nothing (as rbldnsd). */
static int negative_soa(struct dbl_ans *a)
{
	const struct dbl_soa *s = &a->z->soa;
	uint32_t ttl;

	if (!s->present)
		return 0;
	ttl = ttl_of(a, s->ttl);
	if (s->minimum < ttl)
		ttl = s->minimum;
	return put_soa(a, DBL_SEC_NS, ttl);
}

static int put_ns_set(struct dbl_ans *a, enum dbl_section sec)
{
	const struct dbl_zone *z = a->z;
	uint32_t ttl = ttl_of(a, z->ns_ttl);

	/* At most DBL_NS_MAX (32). No rotation: dbl_query keeps no state. */
	for (unsigned i = 0; i < z->nns && i < DBL_NS_MAX; i++) {
		size_t rd = dbl_resp_rr_begin(a->w, zone_ptr(a), DBL_T_NS, DBL_C_IN, ttl);
		if (dbl_resp_name(a->w, z->ns[i].b) == DBL_ECORRUPT)
			return DBL_ECORRUPT;
		if (dbl_resp_rr_end(a->w, sec, rd))
			return -1;
	}
	return 0;
}

/* Glue A/AAAA for the NS names, all or nothing (optional data: RFC 2181 9
 * lets it be left out without TC). The owners compress to the NS names
 * just written. */
static int put_glue(struct dbl_ans *a)
{
	const struct dbl_zone *z = a->z;
	struct dbl_resp_mark mk;

	dbl_resp_mark(a->w, &mk);
	for (unsigned i = 0; i < z->nglue && i < DBL_GLUE_MAX; i++) {
		const struct dbl_glue *g = &z->glue[i];
		size_t rd;
		if (g->ns >= z->nns || (g->family != 4 && g->family != 6))
			continue;
		rd = dbl_resp_rr_begin_name(a->w, z->ns[g->ns].b,
		                            g->family == 4 ? DBL_T_A : DBL_T_AAAA, DBL_C_IN,
		                            ttl_of(a, g->ttl));
		dbl_resp_bytes(a->w, g->addr, g->family == 4 ? 4 : 16);
		if (dbl_resp_rr_end(a->w, DBL_SEC_AR, rd)) {
			dbl_resp_rollback(a->w, &mk);
			return 0;
		}
	}
	return 0;
}

/* NS in AUTHORITY of a positive answer (contract 6.8: only on request),
 * with glue; both optional. */
static int ns_authority(struct dbl_ans *a)
{
	struct dbl_resp_mark mk;
	int rc;

	if (!a->o->ns_in_auth || a->z->nns == 0)
		return 0;
	dbl_resp_mark(a->w, &mk);
	rc = put_ns_set(a, DBL_SEC_NS);
	if (rc == DBL_ECORRUPT)
		return rc;
	if (rc) {
		dbl_resp_rollback(a->w, &mk);
		return 0;
	}
	return put_glue(a);
}

/* ---- value sets ---- */

/* What "$" stands for: a text, an address, or (name hits) labels of the
 * key. An address is put in text form only when a TXT record needs it:
 * most answers are A records (1.6 % of dnsbld's user time at 50k qps
 * went into texts nobody read). */
struct subj {
	const char *text;
	size_t len;
	const uint8_t *rel; /* name hits: the key labels under the scope */
	size_t rellen;
	int fam; /* 4: v4, 6: v6 is the subject (text NULL) */
	uint32_t v4;
	const uint8_t *v6;
};

static bool want(uint16_t qtype, uint16_t type)
{
	/* A CNAME (BIND master data) answers every type; it is not chased. */
	return qtype == DBL_T_ANY || qtype == type || type == DBL_T_CNAME;
}

static void add_txt(struct dbl_ans *a, const struct dbl_item *x, const struct subj *sj)
{
	uint8_t rd[1 + DBL_TXT_MAX];
	char name[DBL_TXT_MAX + 1];
	const char *s = sj->text;
	_Static_assert(DBL_IP6_TEXT_MAX <= sizeof name, "an address text fits name");
	size_t slen = sj->len, n;

	if (!s) {
		if (sj->fam == 4)
			slen = dbl_ip4_text(sj->v4, name);
		else if (sj->fam == 6)
			slen = dbl_ip6_text(sj->v6, name);
		else
			slen = dbl_rel_text(sj->rel, sj->rellen, x->subject, name, sizeof name);
		s = name;
	}
	n = dbl_txt_expand(x->txt, x->txtlen, s, slen, rd + 1);
	if (n == 0)
		return; /* as rbldnsd: an empty expansion gives no TXT RR */
	rd[0] = (uint8_t)n;
	dbl_resp_answer(a->w, DBL_T_TXT, ttl_of(a, x->ttl), rd, n + 1);
}

/* Add the RRs of value set vsid that the qtype asks for. At most 65535
 * items (the count is a u16); stops once the answer is full. Under an ACL
 * empty/always (a->acl) DNSBL listings are skipped; *took: some item of
 * the set counts (NULL: not wanted). */
static int emit(struct dbl_ans *a, uint32_t vsid, const struct subj *sj, bool apex, bool *took)
{
	const struct dbl_zone *z = a->z;
	uint16_t qt = a->m->qtype;
	const uint8_t *blob;
	size_t len;
	struct dbl_vset_iter it;
	struct dbl_item x;
	int rc;

	if (dbl_vset_get(a->r, vsid, &blob, &len) || dbl_vset_iter_init(&it, blob, len))
		return DBL_ECORRUPT;
	while ((rc = dbl_vset_next(&it, &x)) == 1 && !a->w->over) {
		if (x.kind == DBL_ITEM_LISTING && a->acl)
			continue;
		if (took)
			*took = true;
		if (x.kind == DBL_ITEM_LISTING) {
			a->listed = true;
			if (qt == DBL_T_A || qt == DBL_T_ANY)
				dbl_resp_answer(a->w, DBL_T_A, ttl_of(a, x.ttl), x.a, 4);
			if ((qt == DBL_T_TXT || qt == DBL_T_ANY) && x.txtlen != DBL_TXT_NONE)
				add_txt(a, &x, sj);
		} else {
			/* The zone record's SOA/NS answer at the apex; the
			 * same RRs from a BIND master file would repeat them. */
			if (apex && ((x.type == DBL_T_SOA && z->soa.present) ||
			             (x.type == DBL_T_NS && z->nns)))
				continue;
			if (want(qt, x.type))
				dbl_resp_answer(a->w, x.type, ttl_of(a, x.ttl), x.rdata, x.rdlen);
		}
	}
	return rc < 0 ? DBL_ECORRUPT : 0;
}

/* ---- the apex ---- */

static int apex(struct dbl_ans *a)
{
	const struct dbl_zone *z = a->z;
	uint16_t qt = a->m->qtype;
	bool any = qt == DBL_T_ANY, soa = qt == DBL_T_SOA || any, ns = qt == DBL_T_NS || any;
	int rc;

	/* As rbldnsd: SOA without $SOA, NS without $NS, ANY without both. */
	if ((soa && !z->soa.present) || (ns && z->nns == 0)) {
		a->refused = true;
		return DBL_RC_REFUSED;
	}
	if (soa && (rc = put_soa(a, DBL_SEC_AN, ttl_of(a, z->soa.ttl))) == DBL_ECORRUPT)
		return rc;
	if (ns && (rc = put_ns_set(a, DBL_SEC_AN)) == DBL_ECORRUPT)
		return rc;
	if (qt != DBL_T_SOA && qt != DBL_T_NS) {
		/* Apex data (generic "@" records) of the apex scope. */
		size_t kl;
		const struct dbl_scope *sc = dbl_zone_scope(z, a->m->lname, 0, &kl);
		struct dbl_namerec rec;
		struct subj sj = {.rel = a->m->lname};
		if (sc && (sc->flags & DBL_SCOPE_NAME) &&
		    dbl_lookup_name(a->r, sc->id, a->m->lname, 0, &rec) == 0 &&
		    rec.exact >= DBL_VSID_FIRST && (rc = emit(a, rec.exact, &sj, true, NULL)))
			return rc;
	}
	if (a->w->over)
		return DBL_RC_NOERROR;
	/* Glue only in the non-lazy mode (--ns-in-auth, rbldnsd without -a):
	 * rbldnsd -a, our default, sends none. */
	if (ns)
		return a->o->ns_in_auth ? put_glue(a) : DBL_RC_NOERROR;
	if (a->w->an == 0)
		return negative_soa(a) == DBL_ECORRUPT ? DBL_ECORRUPT : DBL_RC_NOERROR;
	/* The NS query/ANY already carries the NS set: no copy in AUTHORITY. */
	return ns_authority(a);
}

/* ---- below the apex ---- */

/* Lookups in the IPv4 and IPv6 key spaces. */
static int addr_lookups(struct dbl_ans *a, const struct dbl_scope *sc, const uint8_t *key,
                        size_t keylen, bool *hit)
{
	uint8_t v6[16];
	uint32_t v4, vs;
	int rc;

	if (dbl_key_ip4(key, keylen, &v4)) {
		if ((sc->flags & DBL_SCOPE_IP4) && dbl_lookup_ip4(a->r, sc->id, v4, &vs) == 0 &&
		    vs >= DBL_VSID_FIRST) {
			struct subj sj = {.fam = 4, .v4 = v4};
			*hit = true;
			return emit(a, vs, &sj, false, NULL);
		}
		return 0;
	}
	if (!dbl_key_ip6(key, keylen, v6))
		return 0;
	/* IPv4 first (as rbldnsd, which maps these to IPv4 only), then the
	 * IPv6 data: v4-mapped consults both (contract 6.6), 6to4 both (as
	 * rbldnsd). Only when the scope has IPv4 data. */
	if ((sc->flags & DBL_SCOPE_IP4) && (dbl_ip6_v4mapped(v6, &v4) || dbl_ip6_6to4(v6, &v4)) &&
	    dbl_lookup_ip4(a->r, sc->id, v4, &vs) == 0 && vs >= DBL_VSID_FIRST) {
		struct subj sj = {.fam = 4, .v4 = v4};
		*hit = true;
		if ((rc = emit(a, vs, &sj, false, NULL)))
			return rc;
	}
	if ((sc->flags & DBL_SCOPE_IP6) && dbl_lookup_ip6(a->r, sc->id, v6, &vs) == 0 &&
	    vs >= DBL_VSID_FIRST) {
		struct subj sj = {.fam = 6, .v6 = v6};
		*hit = true;
		return emit(a, vs, &sj, false, NULL);
	}
	return 0;
}

/* The vsid of the nearest wildcard above the name (DBL_VSID_NONE: none,
 * DBL_VSID_EMPTY: excluded there). The proper suffixes of the name are the
 * prefixes of its key that end at a label end (ends[0..nl-2]), plus the
 * empty key (a BIND "*" at the scope apex); nearest = longest. */
static uint32_t nearest_wild(struct dbl_ans *a, uint32_t scope, const uint8_t *nk,
                             const size_t *ends, unsigned nl)
{
	struct dbl_namerec rec;
	uint32_t best = DBL_VSID_NONE;

	if (nl <= NAME_WALK_UP) {
		/* Short names (nearly every query): longest first, at most
		 * NAME_WALK_UP lookups. */
		for (int j = (int)nl - 2; j >= -1; j--) {
			size_t pl = j >= 0 ? ends[j] : 0;
			if (dbl_lookup_name(a->r, scope, nk, pl, &rec) == 0 &&
			    rec.wild != DBL_VSID_NONE)
				return rec.wild;
		}
		return DBL_VSID_NONE;
	}
	/* Long names: from the scope down, the deepest wildcard wins, and the
	 * walk stops where the data stops, so a 127-label query costs about
	 * twice the depth of the data, not 128 lookups. */
	for (unsigned j = 0; j < nl; j++) {
		size_t pl = j ? ends[j - 1] : 0;
		if (dbl_lookup_name(a->r, scope, nk, pl, &rec) == 0 && rec.wild != DBL_VSID_NONE)
			best = rec.wild;
		if (j + 1 < nl && dbl_lookup_name_below(a->r, scope, nk, pl) != 0)
			break;
	}
	return best;
}

/* The name key space: the exact record first (DBL_VSID_EMPTY: excluded,
 * stop), else the nearest wildcard among the proper suffixes. *wild_here:
 * a wildcard at this very name, i.e. listed names below it. */
static int name_lookup(struct dbl_ans *a, const struct dbl_scope *sc, const uint8_t *nk,
                       size_t keylen, const struct subj *sj, bool *hit, bool *wild_here)
{
	struct dbl_namerec rec;
	size_t ends[NAME_LABELS_MAX];
	unsigned nl = 0;
	uint32_t vs;

	if (dbl_lookup_name(a->r, sc->id, nk, keylen, &rec) == 0) {
		*wild_here = rec.wild >= DBL_VSID_FIRST;
		if (rec.exact == DBL_VSID_EMPTY)
			return 0;
		if (rec.exact >= DBL_VSID_FIRST)
			return emit(a, rec.exact, sj, false, hit);
	}
	for (size_t i = 0; i < keylen && nl < NAME_LABELS_MAX; i += (size_t)nk[i] + 1)
		ends[nl++] = i + nk[i] + 1;
	vs = nearest_wild(a, sc->id, nk, ends, nl);
	if (vs < DBL_VSID_FIRST)
		return 0;
	return emit(a, vs, sj, false, hit);
}

/* Empty non-terminal (contract 6.5): listed data strictly below a partial
 * key. */
static bool data_below(struct dbl_ans *a, const struct dbl_scope *sc, const uint8_t *key,
                       size_t keylen, const uint8_t *nk, bool wild_here)
{
	uint32_t lo, hi, lo4[2], hi4[2];
	uint8_t lo6[16], hi6[16];

	if ((sc->flags & DBL_SCOPE_IP4) && dbl_key_ip4_block(key, keylen, &lo, &hi) &&
	    dbl_lookup_ip4_any(a->r, sc->id, lo, hi) == 0)
		return true;
	if (dbl_key_ip6_block(key, keylen, lo6, hi6)) {
		if ((sc->flags & DBL_SCOPE_IP6) && dbl_lookup_ip6_any(a->r, sc->id, lo6, hi6) == 0)
			return true;
		/* On the way down to a v4-mapped or 6to4 address, whose
		 * queries consult the IPv4 data. */
		if (sc->flags & DBL_SCOPE_IP4) {
			unsigned n = dbl_key_ip6_v4blocks(key, keylen, lo4, hi4);
			for (unsigned i = 0; i < n; i++)
				if (dbl_lookup_ip4_any(a->r, sc->id, lo4[i], hi4[i]) == 0)
					return true;
		}
	}
	if (sc->flags & DBL_SCOPE_NAME) {
		/* A wildcard here lists the names below it: RFC 8020 resolvers
		 * must not see NXDOMAIN on the way down to them. */
		if (wild_here || dbl_lookup_name_below(a->r, sc->id, nk, keylen) == 0)
			return true;
	}
	return false;
}

/* rel (the labels under the zone) is a proper suffix of a subzone name
 * (`b.zone` when the subzone `a.b` exists): an empty non-terminal too. */
static bool subzone_below(const struct dbl_zone *z, const uint8_t *rel, size_t rellen)
{
	for (unsigned s = 0; s < z->nscopes && s < DBL_SCOPES_MAX; s++) {
		const struct dbl_scope *sc = &z->scopes[s];
		size_t d;
		if (sc->sublen <= rellen)
			continue;
		d = sc->sublen - rellen;
		if (dbl_rel_label_at(sc->sub, sc->sublen, d) &&
		    memcmp(sc->sub + d, rel, rellen) == 0)
			return true;
	}
	return false;
}

/* ACL "always listed" (rbldnsd check_query_overwrites): a key that one of
 * the scope's DNSBL datasets would look up gets the ACL's A/TXT, "$" = the
 * client address: a complete IPv4 or IPv6 key for address data (IPv4 data
 * also takes v4-mapped and 6to4 keys), any name for a dnset. */
static bool always_applies(const struct dbl_scope *sc, const uint8_t *key, size_t keylen)
{
	uint8_t v6[16];
	uint32_t v4;

	if ((sc->flags & DBL_SCOPE_DNSET) && keylen > 0)
		return true; /* a dnset takes any name, addresses included */
	if (dbl_key_ip4(key, keylen, &v4))
		return (sc->flags & DBL_SCOPE_IP4) != 0;
	if (dbl_key_ip6(key, keylen, v6) &&
	    ((sc->flags & DBL_SCOPE_IP6) ||
	     ((sc->flags & DBL_SCOPE_IP4) && (dbl_ip6_v4mapped(v6, &v4) || dbl_ip6_6to4(v6, &v4)))))
		return true;
	return false;
}

static void emit_always(struct dbl_ans *a)
{
	const struct dbl_acl_result *acl = a->acl;
	struct subj sj = {.text = acl->client, .len = acl->client_len};
	uint16_t qt = a->m->qtype;

	a->listed = true;
	if (qt == DBL_T_A || qt == DBL_T_ANY)
		dbl_resp_answer(a->w, DBL_T_A, ttl_of(a, acl->always.ttl), acl->always.a, 4);
	if ((qt == DBL_T_TXT || qt == DBL_T_ANY) && acl->always.txtlen != DBL_TXT_NONE)
		add_txt(a, &acl->always, &sj);
}

int dbl_answer_lookup(struct dbl_ans *a)
{
	const uint8_t *rel = a->m->lname;
	int rc;

	a->hit = a->wild_here = false;
	a->keylen = 0;
	a->sc = dbl_zone_scope(a->z, rel, a->zoff, &a->keylen);
	if (!a->sc || a->keylen == 0)
		return 0;
	/* The key: the labels left of the scope, i.e. rel[0, keylen). Under
	 * an empty/always ACL the address listings are not consulted. */
	if (!a->acl && (rc = addr_lookups(a, a->sc, rel, a->keylen, &a->hit)))
		return rc;
	if (a->sc->flags & DBL_SCOPE_NAME) {
		struct subj sj = {.rel = rel, .rellen = a->keylen};
		dbl_namekey_from_rel(a->nk, rel, a->keylen);
		if ((rc = name_lookup(a, a->sc, a->nk, a->keylen, &sj, &a->hit, &a->wild_here)))
			return rc;
	}
	if (a->acl && a->acl->action == DBL_ACL_ALWAYS && a->acl->has_always &&
	    always_applies(a->sc, rel, a->keylen)) {
		emit_always(a);
		a->hit = true;
	}
	return 0;
}

static int below(struct dbl_ans *a)
{
	const uint8_t *rel = a->m->lname;
	size_t rellen = a->zoff;
	bool exists = false;
	int rc;

	if ((rc = dbl_answer_lookup(a)))
		return rc;
	if (a->sc && a->keylen == 0)
		exists = true; /* a combined subzone's apex: NODATA (as rbldnsd) */
	/* Under an ACL the DNSBL data is hidden, and so is what lies below
	 * (as rbldnsd: partial keys are NXDOMAIN). */
	else if (a->sc && !a->hit && !a->w->over && !a->acl)
		exists = data_below(a, a->sc, rel, a->keylen, a->nk, a->wild_here);
	if (!a->hit && !exists)
		exists = subzone_below(a->z, rel, rellen);
	if (a->w->over)
		return DBL_RC_NOERROR;
	if (!a->hit && !exists) {
		rc = negative_soa(a);
		return rc == DBL_ECORRUPT ? rc : DBL_RC_NXDOMAIN;
	}
	if (a->w->an == 0) {
		rc = negative_soa(a);
		return rc == DBL_ECORRUPT ? rc : DBL_RC_NOERROR;
	}
	rc = ns_authority(a);
	return rc == DBL_ECORRUPT ? rc : DBL_RC_NOERROR;
}

/* ---- client ACLs (dbl_answer.h, dbl_schema.h "ACL scopes") ---- */

/* An action item: A 0.0.0.0 and the keyword as TXT (dbl_ds_acl.c). */
static enum dbl_acl_action item_action(const struct dbl_item *x)
{
	if (x->a[0] | x->a[1] | x->a[2] | x->a[3])
		return DBL_ACL_ALWAYS;
	if (x->txtlen == DBL_TXT_NONE || x->txtlen == 0)
		return DBL_ACL_IGNORE; /* not written by our loader: the safe choice */
	switch (x->txt[0]) {
	case 'r':
		return DBL_ACL_REFUSE;
	case 'e':
		return DBL_ACL_EMPTY;
	default:
		return DBL_ACL_IGNORE;
	}
}

int dbl_acl_lookup(struct dbl_rtxn *r, uint32_t scope, const struct dbl_query_env *env,
                   struct dbl_acl_result *res)
{
	struct dbl_vset_iter it;
	struct dbl_item x;
	const uint8_t *blob;
	enum dbl_acl_action act;
	uint32_t vs = DBL_VSID_NONE;
	size_t len;
	int rc;

	if (!scope || !r || !r->db)
		return 0;
	if (env->client_family == 4)
		rc = dbl_lookup_ip4(r, scope, dbl_get_u32(env->client_addr), &vs);
	else if (env->client_family == 6)
		rc = dbl_lookup_ip6(r, scope, env->client_addr, &vs);
	else
		return 0;
	if (rc || vs < DBL_VSID_FIRST)
		return 0; /* not found (or `pass`): no action */
	if (dbl_vset_get(r, vs, &blob, &len) || dbl_vset_iter_init(&it, blob, len) ||
	    dbl_vset_next(&it, &x) != 1 || x.kind != DBL_ITEM_LISTING)
		return DBL_ECORRUPT;
	act = item_action(&x);
	if (act > res->action)
		res->action = act;
	if (act == DBL_ACL_ALWAYS && !res->has_always) {
		res->has_always = true;
		res->always = x;
		/* inet_ntop writes into the caller's buffer: no allocation. */
		if (!inet_ntop(env->client_family == 4 ? AF_INET : AF_INET6, env->client_addr,
		               res->client, sizeof res->client))
			res->client[0] = '\0';
		res->client_len = (uint8_t)strlen(res->client);
	}
	return 0;
}

/* ---- freshness: TXT at _dnsbl.<zone> ---- */

bool dbl_answer_is_status(const struct dbl_ans *a)
{
	/* 6: strlen("_dnsbl"); the name is matched lowercased */
	return a->zoff == 7 && memcmp(a->m->lname, "\6_dnsbl", 7) == 0;
}

static size_t put_kv(uint8_t *rd, size_t o, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t put_kv(uint8_t *rd, size_t o, size_t cap, const char *fmt, ...)
{
	char s[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n > 255 || o + 1 + (size_t)n > cap)
		return o;
	rd[o] = (uint8_t)n;
	memcpy(rd + o + 1, s, (size_t)n);
	return o + 1 + (size_t)n;
}

static void iso_time(uint64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, cap, "never");
	else
		strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int dbl_answer_status(struct dbl_ans *a, time_t now)
{
	const struct dbl_zone *z = a->z;
	uint8_t rd[1024];
	char loaded[32], mtime[32], expires[32];
	const char *state = "ok";
	size_t o = 0;

	if (a->m->qtype != DBL_T_TXT && a->m->qtype != DBL_T_ANY)
		return negative_soa(a) == DBL_ECORRUPT ? DBL_ECORRUPT : DBL_RC_NOERROR;
	if (z->flags & DBL_ZONE_FAILED)
		state = "failed";
	else if (z->expires && (uint64_t)now >= z->expires)
		state = "expired";
	iso_time(z->loaded, loaded, sizeof loaded);
	iso_time(z->data_mtime, mtime, sizeof mtime);
	iso_time(z->expires, expires, sizeof expires);
	o = put_kv(rd, o, sizeof rd, "state=%s", state);
	o = put_kv(rd, o, sizeof rd, "generation=%llu", (unsigned long long)a->r->db->generation);
	o = put_kv(rd, o, sizeof rd, "version=%llu", (unsigned long long)z->version);
	o = put_kv(rd, o, sizeof rd, "serial=%u", z->soa.present ? z->soa.serial : 0u);
	o = put_kv(rd, o, sizeof rd, "loaded=%s", loaded);
	o = put_kv(rd, o, sizeof rd, "data-mtime=%s", mtime);
	o = put_kv(rd, o, sizeof rd, "age=%llds",
	           z->data_mtime ? (long long)now - (long long)z->data_mtime : -1ll);
	o = put_kv(rd, o, sizeof rd, "entries=%llu", (unsigned long long)z->entries);
	o = put_kv(rd, o, sizeof rd, "expires=%s", expires);
	/* TTL 0: the record describes this instant, caching it would lie. */
	dbl_resp_answer(a->w, DBL_T_TXT, 0, rd, o);
	return DBL_RC_NOERROR;
}

bool dbl_answer_zone_down(const struct dbl_zone *z, time_t now)
{
	return (z->flags & DBL_ZONE_FAILED) ||
	       (z->expires != 0 && now >= 0 && z->expires <= (uint64_t)now);
}

int dbl_answer_zone(struct dbl_ans *a)
{
	a->listed = false;
	a->refused = false;
	return a->zoff == 0 ? apex(a) : below(a);
}
