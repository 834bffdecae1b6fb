/* dnsbl_lookup.c - one direct lookup: the query name dnsbld would get, the
 * shared lookup (dbl_answer_lookup, the code dnsbld's dbl_query runs) into
 * the reader's scratch message, and the A/TXT records read back from it.
 *
 * Going through the answer writer keeps every rule of the answer in one
 * place: duplicate RRs are dropped, TXT templates are expanded with the
 * same subject text, v4-mapped and 6to4 addresses consult the IPv4 data,
 * combined subzones pick their datasets - exactly as for a DNS query. The
 * cost is writing ~20 bytes per record into a buffer the CPU cache holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dbl_answer.h"
#include "dbl_err.h"
#include "dbl_qkey.h"
#include "dnsbl_int.h"

/* Append the labels of a presentation name (no escapes; a trailing dot
 * allowed) to wire, lowercased. Returns the new offset or -1. */
static int put_text_name(uint8_t *wire, size_t off, const char *s, unsigned *nlabels)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '.')
		n--;
	while (n) {
		const char *dot = memchr(s, '.', n);
		size_t l = dot ? (size_t)(dot - s) : n;
		if (l == 0 || l > 63 || off + 1 + l > DBL_NAME_MAX - 1)
			return -1; /* empty label, RFC 1035 label and name limits */
		wire[off++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			unsigned char c = (unsigned char)s[i];
			wire[off++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		(*nlabels)++;
		if (!dot)
			break;
		s += l + 1;
		n -= l + 1;
	}
	return (int)off;
}

static size_t put_label(uint8_t *wire, size_t off, const char *s, size_t l)
{
	wire[off] = (uint8_t)l;
	memcpy(wire + off + 1, s, l);
	return off + 1 + l;
}

/* The key labels of an address: d.c.b.a, or 32 reversed nibbles. */
static size_t put_addr(uint8_t *wire, int family, const uint8_t *a, unsigned *nlabels)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;
	char buf[4];

	if (family == 4) {
		for (int i = 3; i >= 0; i--) {
			unsigned v = a[i], l = 0;
			if (v >= 100)
				buf[l++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[l++] = (char)('0' + v / 10 % 10);
			buf[l++] = (char)('0' + v % 10);
			off = put_label(wire, off, buf, l);
		}
		*nlabels = 4;
		return off;
	}
	for (int i = 15; i >= 0; i--) {
		off = put_label(wire, off, &hex[a[i] & 15], 1);
		off = put_label(wire, off, &hex[a[i] >> 4], 1);
	}
	*nlabels = 32;
	return off;
}

/* The wire labels of zone, from the reader's cache or parsed into it.
 * NULL when zone is not a valid name. */
static const struct dnsbl_zcache *zone_wire(struct dnsbl_reader *r, const char *zone)
{
	struct dnsbl_zcache *c;
	size_t n;
	int off;

	for (unsigned i = 0; i < DNSBL_ZCACHE; i++)
		if (r->zc[i].used && strcmp(zone, r->zc[i].text) == 0)
			return &r->zc[i];
	c = &r->zc[r->zc_next];
	c->used = false;
	c->labels = 0;
	n = strlen(zone);
	off = put_text_name(c->wire, 0, zone, &c->labels);
	if (off < 0 || n >= sizeof c->text)
		return NULL;
	memcpy(c->text, zone, n + 1);
	c->wlen = (size_t)off;
	c->used = true;
	r->zc_next = (r->zc_next + 1) % DNSBL_ZCACHE;
	return c;
}

/* Finish r->m and r->req as dbl_msg_parse() would have for the query
 * <key labels (klen bytes, already in m->lname)>.<zone> IN qtype. */
static int make_question(struct dnsbl_reader *r, size_t klen, unsigned nlabels, const char *zone,
                         uint16_t qtype)
{
	const struct dnsbl_zcache *zc = zone_wire(r, zone);
	struct dbl_msg *m = &r->m;
	int off;

	if (!zc || klen == 0 || klen + zc->wlen > DBL_NAME_MAX - 1)
		return DNSBL_EBADNAME; /* RFC 1035 name limit, root label included */
	memcpy(m->lname + klen, zc->wire, zc->wlen);
	off = (int)(klen + zc->wlen);
	nlabels += zc->labels;
	m->lname[off++] = 0; /* root */
	m->qnamelen = (size_t)off;
	m->nlabels = nlabels;
	m->qtype = qtype;
	m->qclass = DBL_C_IN;
	m->qdcount = 1;
	m->qend = DBL_HDR_LEN + (size_t)off + 4;
	memset(r->req, 0, DBL_HDR_LEN);
	memcpy(r->req + DBL_HDR_LEN, m->lname, (size_t)off);
	r->req[DBL_HDR_LEN + off] = (uint8_t)(qtype >> 8);
	r->req[DBL_HDR_LEN + off + 1] = (uint8_t)qtype;
	r->req[DBL_HDR_LEN + off + 2] = 0;
	r->req[DBL_HDR_LEN + off + 3] = DBL_C_IN;
	return 0;
}

static void add_txt(struct dnsbl_result *res, const uint8_t *rd, size_t rdlen)
{
	char *t = res->txt[res->ntxt];
	size_t n = 0;

	if (res->ntxt == DNSBL_TXTS_MAX) {
		res->truncated = true;
		return;
	}
	/* Several character-strings (BIND data) are concatenated, as DNSBL
	 * clients read them; listings always have one. */
	for (size_t i = 0; i < rdlen; i += (size_t)rd[i] + 1) {
		size_t l = rd[i];
		if (i + 1 + l > rdlen)
			break;
		if (n + l > DNSBL_TXT_MAX) {
			l = DNSBL_TXT_MAX - n;
			res->truncated = true;
		}
		memcpy(t + n, rd + i + 1, l);
		n += l;
	}
	t[n] = 0;
	res->txtlen[res->ntxt++] = (uint16_t)n;
}

/* Read the answer section dbl_answer_lookup wrote: A and TXT records
 * (other types of generic data are not DNSBL answers). Every answer RR
 * has a 2-byte pointer owner (dbl_resp_answer). */
static void collect(const struct dbl_resp *w, struct dnsbl_result *res)
{
	size_t c = w->anstart;

	for (unsigned k = 0; k < w->an; k++) {
		const uint8_t *rr = w->b + c;
		uint16_t type = (uint16_t)(rr[2] << 8 | rr[3]);
		size_t rdlen = (size_t)(rr[10] << 8 | rr[11]);
		if (type == DBL_T_A && rdlen == 4) {
			if (res->ncodes < DNSBL_CODES_MAX)
				memcpy(res->codes[res->ncodes++], rr + 12, 4);
			else
				res->truncated = true;
		} else if (type == DBL_T_TXT) {
			add_txt(res, rr + 12, rdlen);
		}
		c += 12 + rdlen;
	}
}

/* The lookup of the question in r->m on the reader's generation. */
static int run(struct dnsbl_reader *r, struct dnsbl_result *res)
{
	static const struct dbl_query_opts opts = {.default_ttl = 2100, .edns_payload = 1232};
	struct dbl_rtxn *txn;
	const struct dbl_zone *z;
	struct dbl_resp w;
	struct dbl_ans a;
	struct timespec now;
	size_t zoff = 0;
	int err = 0, rc;

	txn = dnsbl_reader_txn(r, &err);
	if (!txn)
		return err;
	z = dbl_catalog_find(&txn->db->cat, r->m.lname, &zoff);
	if (!z)
		return DNSBL_ENOZONE;
	if (zoff == 0)
		return DNSBL_EBADNAME; /* the zone apex is no key */
	res->generation = txn->db->generation;
	a.zoff = zoff;
	a.m = &r->m;
	if (dbl_answer_is_status(&a))
		return DNSBL_NOT_LISTED; /* _dnsbl.<zone>: freshness, not a listing */
	/* COARSE: a few ns instead of ~20; $TIMESTAMP expiry is in seconds */
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (dbl_answer_zone_down(z, now.tv_sec))
		return DNSBL_EZONEDOWN;
	memset(&a, 0, offsetof(struct dbl_ans, nk));
	a.r = txn;
	a.o = &opts;
	a.z = z;
	a.m = &r->m;
	a.w = &w;
	a.zoff = zoff;
	dbl_resp_init(&w, r->resp, sizeof r->resp, &r->m, r->req);
	rc = dbl_answer_lookup(&a);
	if (rc)
		return dnsbl_err_public(rc);
	collect(&w, res);
	return res->ncodes ? DNSBL_LISTED : DNSBL_NOT_LISTED;
}

static void result_clear(struct dnsbl_result *res)
{
	res->generation = 0;
	res->ncodes = 0;
	res->ntxt = 0;
	res->truncated = false;
}

/* Every public lookup: an error leaves res empty. */
static int finish(struct dnsbl_result *res, int rc)
{
	if (rc < 0)
		result_clear(res);
	return rc;
}

int dnsbl_lookup_addr(struct dnsbl_reader *r, const char *zone, int family, const uint8_t *addr,
                      unsigned flags, struct dnsbl_result *res)
{
	unsigned nl = 0;
	size_t klen;
	int rc;

	result_clear(res);
	if (!r || !zone || !addr || (family != 4 && family != 6))
		return finish(res, -EINVAL);
	klen = put_addr(r->m.lname, family, addr, &nl);
	rc = make_question(r, klen, nl, zone, flags & DNSBL_NO_TXT ? DBL_T_A : DBL_T_ANY);
	if (rc == 0)
		rc = run(r, res);
	return finish(res, rc);
}

int dnsbl_lookup_ip(struct dnsbl_reader *r, const char *zone, const char *ip, unsigned flags,
                    struct dnsbl_result *res)
{
	uint8_t a[16];

	if (ip && inet_pton(AF_INET, ip, a) == 1)
		return dnsbl_lookup_addr(r, zone, 4, a, flags, res);
	if (ip && inet_pton(AF_INET6, ip, a) == 1)
		return dnsbl_lookup_addr(r, zone, 6, a, flags, res);
	result_clear(res);
	return ip ? DNSBL_EBADNAME : -EINVAL;
}

int dnsbl_lookup_domain(struct dnsbl_reader *r, const char *zone, const char *domain,
                        unsigned flags, struct dnsbl_result *res)
{
	unsigned nl = 0;
	int klen, rc;

	result_clear(res);
	if (!r || !zone || !domain)
		return finish(res, -EINVAL);
	klen = put_text_name(r->m.lname, 0, domain, &nl);
	if (klen <= 0)
		return finish(res, DNSBL_EBADNAME);
	rc = make_question(r, (size_t)klen, nl, zone, flags & DNSBL_NO_TXT ? DBL_T_A : DBL_T_ANY);
	if (rc == 0)
		rc = run(r, res);
	return finish(res, rc);
}

const char *dnsbl_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case DNSBL_ENOZONE:
		return "no such zone in the database";
	case DNSBL_EZONEDOWN:
		return "zone has no usable data or its $TIMESTAMP expired (DNS: SERVFAIL)";
	case DNSBL_ENODATA:
		return "no database generation is open";
	case DNSBL_EBADNAME:
		return "not a valid address or domain name";
	case DNSBL_ECORRUPT:
		return "database record does not decode";
	case DNSBL_ESCHEMA:
		return "database has another schema version";
	}
	return dbl_strerror(err); /* -errno and anything else */
}
