/* dbl_wire.c - request parsing (drop rules, EDNS) and the bounded response writer. */
#include <string.h>

#include "dbl_err.h"
#include "dbl_schema.h"
#include "dbl_wire.h"

/* ---- request ---- */

/* Skip the owner name of an RR after the question: labels, ending in the
 * root label or a compression pointer (never followed: the name is not
 * needed). Returns the offset past the name, or 0 when it is malformed or
 * runs past len. Each pass consumes at least one byte of a name of at most
 * 255 bytes, so there are at most 128 passes. */
static size_t skip_name(const uint8_t *p, size_t off, size_t len)
{
	size_t n = 0;

	for (;;) {
		uint8_t l;
		if (off >= len)
			return 0;
		l = p[off];
		if ((l & 0xC0) == 0xC0)
			return len - off >= 2 ? off + 2 : 0;
		if (l & 0xC0)
			return 0; /* 0x40/0x80: extended label types (RFC 6891 obsoletes them) */
		n += 1u + l;
		if (n > DBL_NAME_MAX)
			return 0; /* 255: RFC 1035 name limit */
		off += 1u + l;
		if (l == 0)
			return off;
	}
}

/* Walk the answer, authority and additional records of a query looking for
 * the OPT RR (RFC 6891). Choice (the contract is silent): a query whose
 * counted records do not parse up to the end of the packet, an OPT outside
 * the additional section or with a non-root owner, options that do not tile
 * the OPT rdata exactly, or a second OPT (RFC 6891 6.1.1 "MUST") makes the
 * message malformed: FORMERR. rbldnsd looks only at a lone OPT right after
 * the question and ignores everything else; bytes after the last counted
 * record are ignored here too. Every record takes at least 11 bytes, so
 * the loop ends within len / 11 passes whatever the counts say. */
static void parse_edns(struct dbl_msg *m, const uint8_t *p, size_t len)
{
	uint32_t total = (uint32_t)m->ancount + m->nscount + m->arcount;
	uint32_t before_ar = (uint32_t)m->ancount + m->nscount;
	size_t off = m->qend;
	bool seen = false;

	m->edns = DBL_EDNS_NONE;
	m->edns_payload = 512;
	m->edns_version = 0;
	m->edns_flags = 0;
	for (uint32_t i = 0; i < total; i++) {
		size_t owner = off, rdlen;
		uint16_t type, klass;
		uint32_t ttl;

		off = skip_name(p, off, len);
		if (off == 0 || len - off < 10)
			goto bad;
		type = dbl_get_u16(p + off);
		klass = dbl_get_u16(p + off + 2);
		ttl = dbl_get_u32(p + off + 4);
		rdlen = dbl_get_u16(p + off + 8);
		off += 10;
		if (len - off < rdlen)
			goto bad;
		if (type == DBL_T_OPT) {
			size_t o = off, e = off + rdlen;
			if (seen || i < before_ar || p[owner] != 0)
				goto bad;
			while (o < e) { /* each option: u16 code, u16 length, data */
				size_t olen;
				if (e - o < 4)
					goto bad;
				olen = dbl_get_u16(p + o + 2);
				if (e - o - 4 < olen)
					goto bad;
				o += 4 + olen;
			}
			seen = true;
			/* RFC 6891 6.2.5: values below 512 are treated as 512. */
			m->edns_payload = klass < 512 ? 512 : klass;
			m->edns_version = (uint8_t)(ttl >> 16);
			m->edns_flags = (uint16_t)ttl;
		}
		off += rdlen;
	}
	m->edns = seen ? DBL_EDNS_OK : DBL_EDNS_NONE;
	return;
bad:
	m->edns = DBL_EDNS_BAD;
}

/* ASCII lowercase of 8 bytes at once: a byte b < 0x80 with 'A' <= b <=
 * 'Z' gets 0x20 added, every other byte is kept. Per byte, h = b & 0x7f
 * plus 0x3f (resp. 0x25) sets bit 7 iff h >= 'A' (resp. h > 'Z'), and
 * never carries into the next byte (h <= 0x7f). */
static inline uint64_t lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t h = x & ~high;
	uint64_t ge_a = h + ones * (0x80 - 'A'), gt_z = h + ones * (0x80 - 'Z' - 1);

	return x | ((ge_a & ~gt_z & ~x & high) >> 2);
}

/* dst = src (n bytes) lowercased. A wire name can be done whole: its
 * length bytes are < 64, never letters. With the label checks done first,
 * dbl_msg_parse went from ~420 to ~300 instructions per DNSBL query
 * (callgrind, bench/RESULTS.md). */
static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, src + i, 8);
		x = lower8(x);
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (uint8_t)(src[i] + 32) : src[i];
}

int dbl_msg_parse(struct dbl_msg *m, const uint8_t *p, size_t len)
{
	size_t off = DBL_HDR_LEN, n = 0;
	uint16_t qd;

	/* Cheap header checks first (NSD order): no reply to anything that is
	 * not one plain question, so we never answer answers (loops) or
	 * amplify garbage. */
	if (!p || len < DBL_HDR_LEN)
		return DBL_EDROP;
	if (p[2] & DBL_F1_QR)
		return DBL_EDROP;
	qd = dbl_get_u16(p + 4);
	/* QDCOUNT 0 is a header-only message: with an opcode other than
	 * QUERY it gets NOTIMP (RFC 8906 8.1.4 sends exactly that, and other
	 * opcodes may define their own sections: RFC 8490 DSO has none). */
	if (qd != 1 && !(qd == 0 && (p[2] & DBL_F1_OPCODE)))
		return DBL_EDROP;
	memset(m, 0, offsetof(struct dbl_msg, lname));
	m->flags1 = p[2];
	m->qdcount = qd;
	m->ancount = dbl_get_u16(p + 6);
	m->nscount = dbl_get_u16(p + 8);
	m->arcount = dbl_get_u16(p + 10);
	if (m->qdcount == 0) {
		m->lname[0] = 0;
		m->qend = DBL_HDR_LEN;
		parse_edns(m, p, len);
		return 0;
	}

	/* The question name: labels checked first (each pass consumes at
	 * least one byte and n stays <= 255, so at most 128 passes), then
	 * copied into m->lname lowercased. */
	for (;;) {
		uint8_t l;
		if (off >= len)
			return DBL_EDROP; /* truncated question */
		l = p[off];
		/* 0xC0 = compression pointer, 0x40/0x80 = extended label types:
		 * all > 63 (RFC 1035 label limit) and never valid in a question. */
		if (l & 0xC0)
			return DBL_EDROP;
		if (n + 1u + l > DBL_NAME_MAX)
			return DBL_EDROP; /* 255: RFC 1035 name limit, root included */
		if (len - off < 1u + l)
			return DBL_EDROP;
		n += 1u + l;
		off += 1u + l;
		if (l == 0)
			break;
		m->nlabels++;
	}
	lower_copy(m->lname, p + DBL_HDR_LEN, n);
	if (len - off < 4)
		return DBL_EDROP; /* no room for QTYPE and QCLASS */
	m->qnamelen = n;
	m->qtype = dbl_get_u16(p + off);
	m->qclass = dbl_get_u16(p + off + 2);
	m->qend = off + 4;
	parse_edns(m, p, len);
	return 0;
}

/* ---- response ---- */

void dbl_resp_init(struct dbl_resp *w, uint8_t *buf, size_t lim, const struct dbl_msg *m,
                   const uint8_t *req)
{
	memset(w, 0, offsetof(struct dbl_resp, dict));
	w->b = buf;
	w->lim = lim;
	memcpy(buf, req, 2); /* ID echoed */
	memset(buf + 2, 0, DBL_HDR_LEN - 2);
	buf[5] = (uint8_t)m->qdcount; /* 1, or 0: header-only NOTIMP */
	/* The question exactly as received (original case). */
	memcpy(buf + DBL_HDR_LEN, req + DBL_HDR_LEN, m->qend - DBL_HDR_LEN);
	w->len = w->anstart = m->qend;
	w->qlname = m->lname;
	w->qnamelen = m->qnamelen;
}

/* The question's label starts, for name compression: built by the first
 * lookup of one (q_label_at); an answer of A and TXT records or an SOA
 * from its template needs none. */
static void need_qbound(struct dbl_resp *w)
{
	if (w->qbound_set)
		return;
	memset(w->qbound, 0, sizeof w->qbound);
	for (size_t i = 0; i < w->qnamelen; i += (size_t)w->qlname[i] + 1) {
		w->qbound[i >> 3] |= (uint8_t)(1u << (i & 7));
		if (w->qlname[i] == 0)
			break;
	}
	w->qbound_set = true;
}

/* Does a label of the question name start at off? */
static bool q_label_at(struct dbl_resp *w, size_t off)
{
	need_qbound(w);
	return w->qbound[off >> 3] & (1u << (off & 7));
}

void dbl_resp_mark(const struct dbl_resp *w, struct dbl_resp_mark *mk)
{
	mk->len = w->len;
	mk->ndict = w->ndict;
	mk->an = w->an;
	mk->ns = w->ns;
	mk->ar = w->ar;
}

void dbl_resp_rollback(struct dbl_resp *w, const struct dbl_resp_mark *mk)
{
	w->len = mk->len;
	w->ndict = mk->ndict;
	w->an = mk->an;
	w->ns = mk->ns;
	w->ar = mk->ar;
	w->over = false;
}

static bool room(struct dbl_resp *w, size_t n)
{
	if (w->over || w->lim < w->len || w->lim - w->len < n) {
		w->over = true;
		return false;
	}
	return true;
}

int dbl_resp_bytes(struct dbl_resp *w, const void *p, size_t n)
{
	if (!room(w, n))
		return -1;
	memcpy(w->b + w->len, p, n);
	w->len += n;
	return 0;
}

/* The fixed-size writes (a pointer here, an RR head below) store in
 * place: a response takes about ten of them, and each dbl_resp_bytes was
 * a call into libc's memcpy for a few bytes (a sixth of dbl_query's
 * instructions). Same semantics. */
static int put_u16(struct dbl_resp *w, uint16_t v)
{
	if (!room(w, 2))
		return -1;
	dbl_put_u16(w->b + w->len, v);
	w->len += 2;
	return 0;
}

static void count(struct dbl_resp *w, enum dbl_section sec)
{
	if (sec == DBL_SEC_AN)
		w->an++;
	else if (sec == DBL_SEC_NS)
		w->ns++;
	else
		w->ar++;
}

/* Owner pointer + type + class + ttl; returns the rdlength offset or 0. */
static size_t rr_head(struct dbl_resp *w, uint16_t type, uint16_t klass, uint32_t ttl)
{
	uint8_t *h;

	if (!room(w, 10))
		return 0;
	h = w->b + w->len;
	dbl_put_u16(h, type);
	dbl_put_u16(h + 2, klass);
	dbl_put_u32(h + 4, ttl);
	dbl_put_u16(h + 8, 0);
	w->len += 10;
	return w->len - 2;
}

size_t dbl_resp_rr_begin(struct dbl_resp *w, uint16_t owner, uint16_t type, uint16_t klass,
                         uint32_t ttl)
{
	if (put_u16(w, (uint16_t)(0xC000u | owner)))
		return 0;
	return rr_head(w, type, klass, ttl);
}

size_t dbl_resp_rr_begin_name(struct dbl_resp *w, const uint8_t *owner, uint16_t type,
                              uint16_t klass, uint32_t ttl)
{
	if (dbl_resp_name(w, owner))
		return 0;
	return rr_head(w, type, klass, ttl);
}

int dbl_resp_rr_end(struct dbl_resp *w, enum dbl_section sec, size_t rdpos)
{
	if (w->over || rdpos == 0)
		return -1;
	dbl_put_u16(w->b + rdpos, (uint16_t)(w->len - rdpos - 2));
	count(w, sec);
	return 0;
}

int dbl_resp_rr(struct dbl_resp *w, enum dbl_section sec, uint16_t owner, uint16_t type,
                uint16_t klass, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	size_t rdpos;

	/* 12: pointer + fixed RR fields; all-or-nothing. */
	if (rdlen > 0xFFFF || !room(w, 12 + rdlen))
		return -1;
	rdpos = dbl_resp_rr_begin(w, owner, type, klass, ttl);
	dbl_resp_bytes(w, rdata, rdlen);
	return dbl_resp_rr_end(w, sec, rdpos);
}

/* a[0..n) == b[0..n): names of a few dozen bytes that mostly differ in
 * their first bytes, where libc's memcmp costs more in the call. */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Offset of an earlier copy of suffix s (slen bytes, root included), or -1:
 * the question name first, then the dictionary of names written. */
static int find_suffix(struct dbl_resp *w, const uint8_t *s, size_t slen)
{
	if (slen <= w->qnamelen) {
		size_t off = w->qnamelen - slen;
		if (q_label_at(w, off) && same(w->qlname + off, s, slen))
			return (int)(DBL_HDR_LEN + off);
	}
	for (unsigned k = 0; k < w->ndict; k++)
		if (w->dict[k].len == slen && same(w->dict[k].name, s, slen))
			return w->dict[k].pos;
	return -1;
}

int dbl_resp_name(struct dbl_resp *w, const uint8_t *name)
{
	size_t nlen = 0, i = 0;

	/* Validate first: names come from the zone record. 63: RFC 1035
	 * label limit; 255: name limit. At most 128 passes. */
	for (;;) {
		uint8_t l;
		if (nlen >= DBL_NAME_MAX)
			return DBL_ECORRUPT;
		l = name[nlen];
		if (l > 63 || nlen + 1u + l > DBL_NAME_MAX)
			return DBL_ECORRUPT;
		nlen += 1u + l;
		if (l == 0)
			break;
	}
	/* One pass per label, longest suffix first: the first suffix seen
	 * before becomes a pointer (RFC 1035 4.1.4). */
	while (name[i] != 0) {
		size_t slen = nlen - i;
		int pos = find_suffix(w, name + i, slen);
		if (pos >= 0)
			return put_u16(w, (uint16_t)(0xC000u | (unsigned)pos));
		if (!room(w, 1u + name[i]))
			return -1;
		/* 0x3FFF: the largest offset a pointer can hold. */
		if (w->len < 0x4000 && w->ndict < DBL_DICT_MAX)
			w->dict[w->ndict++] =
			    (struct dbl_dictent){(uint16_t)w->len, (uint8_t)slen, name + i};
		dbl_resp_bytes(w, name + i, 1u + name[i]);
		i += 1u + name[i];
	}
	return dbl_resp_bytes(w, "", 1);
}

/* ---- the SOA's names, precompiled ---- */

/* Every NXDOMAIN and NODATA carries the zone's SOA, and compressing its two
 * names was a quarter of dbl_query's instructions. How dbl_resp_name
 * compresses them depends on the question only through the suffixes it
 * shares with them: those no longer than the zone name are the zone's own
 * (the same in every question of the zone), and a longer one can occur
 * only in some questions. So the names are written once after a question
 * that is the zone name alone; for a real question the pointers move with
 * the zone name (into the question) or with the RR (into the names
 * themselves), and the template applies unless the question holds one of
 * the longer suffixes the writer looked for, or the dictionary is not
 * empty. */

static bool soaw_ref(struct dbl_soaw_ref *v, uint8_t *n, size_t at, size_t len, unsigned name,
                     size_t off)
{
	if (*n == DBL_SOAW_REFS)
		return false;
	v[(*n)++] = (struct dbl_soaw_ref){(uint16_t)at, (uint8_t)len, (uint8_t)name, (uint8_t)off};
	return true;
}

/* Walk one name as written at b + i (t0: where the template's names began):
 * a label for each suffix that was looked for and not found (remembered in
 * the dictionary), then a pointer or the root. Returns the offset past it,
 * or 0 when the template cannot hold what it needs. */
static size_t soaw_walk(struct dbl_soa_wire *t, const uint8_t *b, size_t i, size_t t0,
                        const uint8_t *name, unsigned which, size_t zonelen)
{
	size_t nlen = 0, off = 0;

	while (name[nlen])
		nlen += 1u + name[nlen];
	nlen++;
	for (;;) {
		uint8_t l = b[i];
		if (l == 0)
			return i + 1;
		/* This suffix was looked for: a question longer than the zone
		 * name may hold it where this one could not. */
		if (nlen - off > zonelen &&
		    !soaw_ref(t->check, &t->ncheck, 0, nlen - off, which, off))
			return 0;
		if ((l & 0xC0) == 0xC0) {
			t->ptr[t->nptr++] = (uint16_t)(i - t0);
			return i + 2;
		}
		if (!soaw_ref(t->dict, &t->ndict, i - t0, nlen - off, which, off))
			return 0;
		i += 1u + l;
		off += 1u + l;
	}
}

void dbl_resp_soa_prepare(struct dbl_soa_wire *t, const struct dbl_wname *zone,
                          const uint8_t *mname, const uint8_t *rname)
{
	uint8_t req[DBL_HDR_LEN + DBL_NAME_MAX + 4],
	    buf[DBL_HDR_LEN + DBL_NAME_MAX + 4 + 12 + 2 * DBL_NAME_MAX];
	const uint8_t *names[2] = {mname, rname};
	struct dbl_msg m;
	struct dbl_resp w;
	size_t n = DBL_HDR_LEN, t0, i;

	memset(t, 0, sizeof *t);
	if (zone->len == 0)
		return;
	memset(req, 0, sizeof req);
	req[5] = 1; /* QDCOUNT */
	memcpy(req + n, zone->b, zone->len);
	n += zone->len + 4u; /* QTYPE, QCLASS: 0 */
	if (dbl_msg_parse(&m, req, n) || m.qnamelen != zone->len)
		return;
	dbl_resp_init(&w, buf, sizeof buf, &m, req);
	if (dbl_resp_rr_begin(&w, DBL_HDR_LEN, DBL_T_SOA, DBL_C_IN, 0) == 0)
		return;
	t0 = i = w.len;
	if (dbl_resp_name(&w, mname) || dbl_resp_name(&w, rname))
		return;
	for (unsigned k = 0; k < 2; k++)
		if ((i = soaw_walk(t, buf, i, t0, names[k], k, zone->len)) == 0) {
			memset(t, 0, sizeof *t);
			return;
		}
	t->len = (uint16_t)(w.len - t0);
	t->t0 = (uint16_t)t0;
	memcpy(t->b, buf + t0, t->len);
}

int dbl_resp_soa_names(struct dbl_resp *w, const struct dbl_soa_wire *t, uint16_t zone_at,
                       const uint8_t *mname, const uint8_t *rname)
{
	const uint8_t *names[2] = {mname, rname};
	size_t r0 = w->len;
	int rc;

	/* 0x4000: every position stays one a pointer and the dictionary take. */
	if (t->len == 0 || w->ndict != 0 || w->over || w->lim < r0 || w->lim - r0 < t->len ||
	    r0 + t->len >= 0x4000 || zone_at < DBL_HDR_LEN)
		goto generic;
	/* The bytes first: they rarely agree, and then the label map is
	 * not needed. */
	for (unsigned k = 0; k < t->ncheck; k++) {
		const struct dbl_soaw_ref *c = &t->check[k];
		size_t off = w->qnamelen - c->len;
		if (c->len <= w->qnamelen &&
		    same(w->qlname + off, names[c->name] + c->off, c->len) && q_label_at(w, off))
			goto generic;
	}
	memcpy(w->b + r0, t->b, t->len);
	for (unsigned k = 0; k < t->nptr; k++) {
		uint8_t *p = w->b + r0 + t->ptr[k];
		size_t v = dbl_get_u16(p) & 0x3FFFu;
		v = v >= t->t0 ? v - t->t0 + r0 : v + (zone_at - DBL_HDR_LEN);
		dbl_put_u16(p, (uint16_t)(0xC000u | v));
	}
	for (unsigned k = 0; k < t->ndict; k++) {
		const struct dbl_soaw_ref *d = &t->dict[k];
		w->dict[w->ndict++] =
		    (struct dbl_dictent){(uint16_t)(r0 + d->at), d->len, names[d->name] + d->off};
	}
	w->len += t->len;
	return 0;
generic:
	if ((rc = dbl_resp_name(w, mname)) == DBL_ECORRUPT)
		return rc;
	return dbl_resp_name(w, rname);
}

int dbl_resp_answer(struct dbl_resp *w, uint16_t type, uint32_t ttl, const uint8_t *rdata,
                    size_t rdlen)
{
	size_t c = w->anstart;
	uint32_t min = ttl;
	bool dup = false;

	/* Every answer RR we write has a 2-byte pointer owner, so the section
	 * walks in fixed steps; at most DBL_ANSWERS_MAX RRs. */
	for (unsigned k = 0; k < w->an; k++) {
		const uint8_t *rr = w->b + c;
		size_t rl = dbl_get_u16(rr + 10);
		if (dbl_get_u16(rr + 2) == type) {
			uint32_t t = dbl_get_u32(rr + 6);
			if (t < min)
				min = t;
			if (rl == rdlen && memcmp(rr + 12, rdata, rdlen) == 0)
				dup = true;
		}
		c += 12 + rl;
	}
	/* rbldnsd checkrr_present(): one RRset, one TTL - the smallest. */
	c = w->anstart;
	for (unsigned k = 0; k < w->an; k++) {
		uint8_t *rr = w->b + c;
		if (dbl_get_u16(rr + 2) == type)
			dbl_put_u32(rr + 6, min);
		c += 12 + dbl_get_u16(rr + 10);
	}
	if (dup)
		return 0;
	if (w->an >= DBL_ANSWERS_MAX) {
		w->over = true;
		return -1;
	}
	return dbl_resp_rr(w, DBL_SEC_AN, DBL_HDR_LEN, type, DBL_C_IN, min, rdata, rdlen);
}

void dbl_resp_finish(struct dbl_resp *w, uint8_t flags1, unsigned rcode)
{
	w->b[2] = (uint8_t)(flags1 | DBL_F1_QR);
	/* RA, Z, AD and CD are 0: the second flags byte is the rcode only. */
	w->b[3] = (uint8_t)(rcode & 0x0F);
	dbl_put_u16(w->b + 6, w->an);
	dbl_put_u16(w->b + 8, w->ns);
	dbl_put_u16(w->b + 10, w->ar);
}

void dbl_resp_opt(struct dbl_resp *w, uint16_t payload, unsigned rcode, uint16_t flags)
{
	uint8_t *o = w->b + w->len;

	o[0] = 0; /* root owner */
	dbl_put_u16(o + 1, DBL_T_OPT);
	dbl_put_u16(o + 3, payload);
	/* TTL: extended rcode (upper 8 of 12 bits), version 0, flags. */
	dbl_put_u32(o + 5, ((uint32_t)((rcode >> 4) & 0xFF) << 24) | flags);
	dbl_put_u16(o + 9, 0);
	w->len += DBL_OPT_LEN;
	w->ar++;
	dbl_put_u16(w->b + 10, w->ar);
}
