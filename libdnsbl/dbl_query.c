/* dbl_query.c - dbl_query(): request bytes in, response bytes out.
 *
 * Order of decisions (contract sections 3 and 6; rbldnsd where silent):
 *   1. drops (dbl_msg_parse): short, QR=1, QDCOUNT != 1, bad question name
 *      (a header-only message, QDCOUNT 0, with opcode != 0 is not dropped:
 *      it gets NOTIMP with no question, RFC 8906 8.1.4);
 *   2. FORMERR: malformed OPT or a second OPT (dbl_wire.c parse_edns);
 *   3. BADVERS: EDNS version != 0 (contract 6.3), no data;
 *   4. NOTIMP: opcode != 0 (echoed, contract 6.4), or AA/TC set in the
 *      query (as rbldnsd);
 *   5. class: CH TXT version.bind/version.server, other CH and other
 *      classes REFUSED; IN answered with AA, ANY without AA;
 *   6. qtype: AXFR/IXFR REFUSED, TSIG/MAILB/MAILA NOTIMP (as rbldnsd);
 *      every other type is ordinary data (CAA, 249, 65535...);
 *   7. zone: none (or no data loaded) REFUSED; the zone's ACL (ignore:
 *      drop); failed/expired SERVFAIL; ACL refuse REFUSED; else
 *      dbl_answer_zone() (ACL empty/always change the DNSBL data there).
 * Before all of these, the global ACL's ignore drops the packet
 * (contract section 4, dbl_answer.h).
 * Every response carries the question as received; a query with a valid
 * OPT gets OPT back. A response whose required records do not fit the
 * limit is cut back to the question (and OPT) with TC set (contract 6.2).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dbl_answer.h"
#include "dbl_err.h"
#include "dbl_qkey.h"
#include "dbl_query.h"
#include "dbl_wire.h"

/* 512: RFC 1035 4.2.1 UDP limit without EDNS; 65535: RFC 1035 4.2.2 TCP
 * length prefix. With EDNS, the client's payload clamped to [512, ours]. */
static size_t response_limit(const struct dbl_query_opts *o, const struct dbl_query_env *env,
                             const struct dbl_msg *m)
{
	size_t ours = o->edns_payload < 512 ? 512 : o->edns_payload;

	if (env->tcp)
		return 65535;
	if (m->edns != DBL_EDNS_OK)
		return 512;
	return m->edns_payload > ours ? ours : m->edns_payload;
}

/* CHAOS TXT version.bind / version.server (as rbldnsd: TTL 0, class CH, no
 * AA); anything else in a class other than IN/ANY is REFUSED. */
static unsigned chaos(struct dbl_resp *w, const struct dbl_query_opts *o, const struct dbl_msg *m)
{
	static const uint8_t vbind[] = "\7version\4bind", vserver[] = "\7version\6server";
	uint8_t rd[256];
	size_t n;

	if (m->qclass != DBL_C_CH || m->qtype != DBL_T_TXT || o->hide_version || !o->version)
		return DBL_RC_REFUSED;
	/* sizeof includes the string's NUL: the root label. */
	if (!(m->qnamelen == sizeof vbind && memcmp(m->lname, vbind, sizeof vbind) == 0) &&
	    !(m->qnamelen == sizeof vserver && memcmp(m->lname, vserver, sizeof vserver) == 0))
		return DBL_RC_REFUSED;
	n = strnlen(o->version, 255); /* 255: one character-string */
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, o->version, n);
	dbl_resp_rr(w, DBL_SEC_AN, DBL_HDR_LEN, DBL_T_TXT, DBL_C_CH, 0, rd, n + 1);
	return DBL_RC_NOERROR;
}

/* FORMERR and BADVERS are ours (contract 6.3); rbldnsd answers those
 * queries as ordinary ones, so a client its zone ACL ignores gets nothing:
 * we drop them too. */
static bool zone_acl_ignores(struct dbl_rtxn *r, const struct dbl_query_env *env,
                             const struct dbl_msg *m, struct dbl_acl_result acl)
{
	const struct dbl_zone *z;
	size_t zoff;

	if (!r || !r->db || (m->qclass != DBL_C_IN && m->qclass != DBL_C_ANY))
		return false;
	z = dbl_catalog_find(&r->db->cat, m->lname, &zoff);
	return z && dbl_acl_lookup(r, z->acl_scope, env, &acl) == 0 && acl.action == DBL_ACL_IGNORE;
}

/* Class IN/ANY data query: find the zone and answer from it. acl holds
 * the global ACL's result; the zone's ACL is folded in here. Returns an
 * rcode or DBL_EDROP (ACL ignore). */
static int zone_query(struct dbl_rtxn *r, const struct dbl_query_opts *o,
                      const struct dbl_query_env *env, const struct dbl_msg *m, struct dbl_resp *w,
                      struct dbl_query_info *info, bool *aa, struct dbl_acl_result *acl)
{
	const struct dbl_zone *z;
	struct dbl_ans a;
	size_t zoff = 0;
	bool status;
	int rc;

	if (!r || !r->db)
		return DBL_RC_REFUSED; /* no data loaded at all */
	z = dbl_catalog_find(&r->db->cat, m->lname, &zoff);
	if (!z)
		return DBL_RC_REFUSED;
	info->zone = z;
	/* As rbldnsd: the zone ACL's ignore drops, then an unusable zone is
	 * SERVFAIL, then refuse refuses everything (metadata too). */
	if (dbl_acl_lookup(r, z->acl_scope, env, acl))
		return DBL_RC_SERVFAIL;
	if (acl->action == DBL_ACL_IGNORE)
		return DBL_EDROP;
	memset(&a, 0, offsetof(struct dbl_ans, nk)); /* nk is written before it is read */
	a.r = r;
	a.o = o;
	a.z = z;
	a.m = m;
	a.w = w;
	a.zoff = zoff;
	a.acl = acl->action == DBL_ACL_NONE ? NULL : acl;
	status = dbl_answer_is_status(&a);
	if (!status && dbl_answer_zone_down(z, env->now))
		return DBL_RC_SERVFAIL;
	if (acl->action == DBL_ACL_REFUSE)
		return DBL_RC_REFUSED;
	rc = status ? dbl_answer_status(&a, env->now) : dbl_answer_zone(&a);
	if (rc < 0)
		return DBL_RC_SERVFAIL; /* a record of this zone does not decode */
	info->listed = a.listed;
	if (rc == DBL_RC_REFUSED)
		return rc;
	/* AA on authoritative class IN answers; class ANY is not answered
	 * authoritatively (as rbldnsd). */
	*aa = m->qclass == DBL_C_IN;
	return rc;
}

int dbl_query(struct dbl_rtxn *r, const struct dbl_query_opts *o, const struct dbl_query_env *env,
              const uint8_t *req, size_t reqlen, uint8_t *resp, size_t cap,
              struct dbl_query_info *info)
{
	struct dbl_query_info scratch;
	struct dbl_acl_result acl;
	struct dbl_msg m;
	struct dbl_resp w;
	struct dbl_resp_mark question;
	size_t lim, optlen;
	uint8_t flags1;
	unsigned rcode;
	bool aa = false, acl_bad;
	int zrc;

	if (!info)
		info = &scratch;
	memset(info, 0, sizeof *info);
	if (!o || !env || !resp)
		return -EINVAL;
	/* The global ACL first: its ignore drops every packet (rbldnsd
	 * checks it before parsing). A record that does not decode leaves
	 * the result as it is; zone queries then answer SERVFAIL below. */
	memset(&acl, 0, sizeof acl);
	acl_bad = r && r->db && dbl_acl_lookup(r, r->db->cat.acl_scope, env, &acl) != 0;
	if (acl.action == DBL_ACL_IGNORE)
		return DBL_EDROP;
	if (dbl_msg_parse(&m, req, reqlen))
		return DBL_EDROP;
	info->qtype = m.qtype;
	info->qclass = m.qclass;

	lim = response_limit(o, env, &m);
	if (lim > cap)
		lim = cap;
	optlen = m.edns == DBL_EDNS_OK ? DBL_OPT_LEN : 0;
	if (lim < m.qend + optlen)
		return DBL_ETOOBIG; /* cap below the documented 512 */
	dbl_resp_init(&w, resp, lim - optlen, &m, req);
	dbl_resp_mark(&w, &question);
	/* Opcode echoed (contract 6.4), RD copied; QR set by finish; RA, Z,
	 * AD, CD always 0. */
	flags1 = m.flags1 & (DBL_F1_OPCODE | DBL_F1_RD);

	if ((m.edns == DBL_EDNS_BAD || (m.edns == DBL_EDNS_OK && m.edns_version != 0)) &&
	    zone_acl_ignores(r, env, &m, acl))
		return DBL_EDROP;
	if (m.edns == DBL_EDNS_BAD)
		rcode = DBL_RC_FORMERR; /* no OPT back: we could not read it */
	else if (m.edns == DBL_EDNS_OK && m.edns_version != 0)
		rcode = DBL_RC_BADVERS; /* RFC 6891 6.1.3 */
	else if (m.flags1 & (DBL_F1_OPCODE | DBL_F1_AA | DBL_F1_TC))
		rcode = DBL_RC_NOTIMP;
	else if (m.qclass != DBL_C_IN && m.qclass != DBL_C_ANY)
		rcode = chaos(&w, o, &m);
	else if (m.qtype == DBL_T_AXFR || m.qtype == DBL_T_IXFR)
		rcode = DBL_RC_REFUSED; /* contract 6.4: data moves by rsync */
	else if (m.qtype == DBL_T_TSIG || m.qtype == DBL_T_MAILB || m.qtype == DBL_T_MAILA)
		rcode = DBL_RC_NOTIMP;
	else if (acl_bad)
		rcode = DBL_RC_SERVFAIL;
	else if ((zrc = zone_query(r, o, env, &m, &w, info, &aa, &acl)) == DBL_EDROP)
		return DBL_EDROP; /* the zone's ACL: ignore */
	else
		rcode = (unsigned)zrc;

	if (rcode != DBL_RC_NOERROR && rcode != DBL_RC_NXDOMAIN)
		dbl_resp_rollback(&w, &question); /* errors carry the question only */
	if (w.over) {
		dbl_resp_rollback(&w, &question);
		flags1 |= DBL_F1_TC;
		info->truncated = true;
	}
	if (aa)
		flags1 |= DBL_F1_AA;
	dbl_resp_finish(&w, flags1, rcode);
	if (optlen)
		dbl_resp_opt(&w, (uint16_t)(o->edns_payload < 512 ? 512 : o->edns_payload), rcode,
		             m.edns_flags & DBL_EDNS_DO);
	info->rcode = (uint8_t)rcode;
	return (int)w.len;
}

int dbl_query_ip4_hint(const uint8_t *req, size_t len, uint32_t *addr)
{
	/* 12: the DNS header; the question's name follows */
	return len > 12 && dbl_key_ip4_lead(req + 12, len - 12, addr) ? 0 : -1;
}
