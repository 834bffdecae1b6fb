/* dnsd_metrics.c - per-thread query counters and the Prometheus text
 * rendering (see dnsd_metrics.h). */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "dbl_err.h"
#include "dbl_name.h"
#include "dnsd_metrics.h"
#include "dnsd_server.h"

/* ---- names ---- */

const char *dnsd_rcode_name(unsigned rc)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                              "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                              "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (rc < sizeof names / sizeof names[0])
		return names[rc];
	return rc == 16 ? "BADVERS" : "RCODE?";
}

/* Mnemonic of common qtypes, else TYPEnn (RFC 3597) in buf. */
const char *dnsd_qtype_name(unsigned t, char *buf, size_t cap)
{
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 6:
		return "SOA";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	case 252:
		return "AXFR";
	case 255:
		return "ANY";
	}
	snprintf(buf, cap, "TYPE%u", t);
	return buf;
}

static const uint16_t qtype_slot_types[DNSD_MQTYPES - 1] = {1, 2, 6, 15, 16, 28, 255};

static unsigned qtype_slot(unsigned t)
{
	for (unsigned i = 0; i < DNSD_MQTYPES - 1; i++)
		if (qtype_slot_types[i] == t)
			return i;
	return DNSD_MQTYPES - 1;
}

static unsigned rcode_slot(unsigned rc)
{
	if (rc <= 10)
		return rc;
	return rc == 16 ? 11 : 12;
}

static const double bucket_le[DNSD_MBUCKETS - 1] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                    0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

/* ---- counting (worker threads) ---- */

/* Slot of zone z (a member of cat): cached per catalog position; a name
 * seen for the first time takes a free slot, else "other". */
static unsigned zone_slot(struct dnsd_wmetrics *m, const struct dbl_zone *z,
                          const struct dbl_catalog *cat)
{
	size_t pos = (size_t)(z - cat->zones);
	unsigned i, slot;

	if (!cat->zones || z < cat->zones || pos >= cat->nzones)
		return DNSD_MZ_OTHER;
	if (m->zmap_base != cat->zones) {
		/* New generation: positions may mean other zones now. */
		memset(m->zmap, 0xff, sizeof m->zmap);
		m->zmap_base = cat->zones;
	}
	if (pos < DNSD_METRICS_ZMAP && m->zmap[pos] != 0xffff)
		return m->zmap[pos];
	for (i = 0; i < m->nzones; i++)
		if (m->names[i].len == z->name.len &&
		    memcmp(m->names[i].b, z->name.b, z->name.len) == 0)
			break;
	if (i < m->nzones) {
		slot = i;
	} else if (m->nzones < DNSD_METRICS_ZONES) {
		m->names[m->nzones] = z->name;
		slot = m->nzones;
		__atomic_store_n(&m->nzones, m->nzones + 1, __ATOMIC_RELEASE);
	} else {
		slot = DNSD_MZ_OTHER;
	}
	if (pos < DNSD_METRICS_ZMAP)
		m->zmap[pos] = (uint16_t)slot;
	return slot;
}

void dnsd_metrics_count(struct dnsd_wmetrics *m, int n, const struct dbl_query_info *info,
                        const struct dbl_catalog *cat)
{
	unsigned zs = DNSD_MZ_NONE;

	if (m->batch_n++ == 0)
		m->batch_t0 = uv_hrtime();
	if (n > 0 && info->zone && cat)
		zs = zone_slot(m, info->zone, cat);
	DNSD_MINC(&m->zone_queries[zs]);
	if (n <= 0) {
		if (n == 0 || n == DBL_EDROP)
			DNSD_MINC(&m->malformed);
		else
			DNSD_MINC(&m->errors);
		return;
	}
	DNSD_MINC(&m->rcode[rcode_slot(info->rcode)]);
	DNSD_MINC(&m->qtype[qtype_slot(info->qtype)]);
	if (zs != DNSD_MZ_NONE) {
		if (info->listed) {
			DNSD_MINC(&m->listed);
			DNSD_MINC(&m->zone_listed[zs]);
		} else {
			DNSD_MINC(&m->unlisted);
		}
	}
}

void dnsd_metrics_drop_malformed(struct dnsd_wmetrics *m)
{
	DNSD_MINC(&m->zone_queries[DNSD_MZ_NONE]);
	DNSD_MINC(&m->malformed);
	if (m->batch_n++ == 0)
		m->batch_t0 = uv_hrtime();
}

void dnsd_metrics_batch_end(struct dnsd_wmetrics *m)
{
	uint64_t ns;
	double s;
	unsigned b = 0;

	if (m->batch_n == 0)
		return;
	ns = uv_hrtime() - m->batch_t0;
	s = (double)ns / 1e9;
	while (b < DNSD_MBUCKETS - 1 && s > bucket_le[b])
		b++;
	DNSD_MADD(&m->lat_bucket[b], m->batch_n);
	DNSD_MADD(&m->lat_count, m->batch_n);
	DNSD_MADD(&m->lat_sum_ns, ns * m->batch_n);
	m->batch_n = 0;
}

/* ---- rendering (main thread) ---- */

struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void out(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

static void head(struct mbuf *b, const char *name, const char *type, const char *help)
{
	out(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label value of a zone: its name without the final dot, with \ " and
 * newline escaped as the text format requires. cap >= 2048. */
static void zone_label(const struct dbl_wname *w, char *lab, size_t cap)
{
	char t[1100];
	size_t o = 0, n;

	dbl_wname_to_text(w->b, t, sizeof t);
	n = strlen(t);
	if (n > 1 && t[n - 1] == '.')
		t[--n] = 0;
	for (size_t i = 0; i < n && o + 3 < cap; i++) {
		if (t[i] == '\\' || t[i] == '"')
			lab[o++] = '\\';
		lab[o++] = t[i];
	}
	lab[o] = 0;
}

/* Per-zone gauges of the live catalog: a uint64_t field of struct
 * dbl_zone, or the age of such a time stamp. */
static const struct zone_gauge {
	const char *name, *help;
	size_t off;
	bool age;
} zone_gauges[] = {
    {"dnsbld_zone_version", "Generation in which the zone's served data was last rebuilt.",
     offsetof(struct dbl_zone, version), false},
    {"dnsbld_zone_data_age_seconds", "Seconds since the newest input file of the zone changed.",
     offsetof(struct dbl_zone, data_mtime), true},
    {"dnsbld_zone_loaded_timestamp_seconds",
     "Unix time of the load that built the zone's served data.", offsetof(struct dbl_zone, loaded),
     false},
    {"dnsbld_zone_entries", "Input entries of the zone's served data.",
     offsetof(struct dbl_zone, entries), false},
};

struct zrow {
	struct dbl_wname name;
	uint64_t queries, listed;
	const struct dbl_zone *live; /* its record in the live catalog, or NULL */
};

static struct zrow *zrow_find(struct zrow *rows, size_t *n, const struct dbl_wname *w)
{
	for (size_t i = 0; i < *n; i++)
		if (rows[i].name.len == w->len && memcmp(rows[i].name.b, w->b, w->len) == 0)
			return &rows[i];
	memset(&rows[*n], 0, sizeof rows[*n]);
	rows[*n].name = *w;
	return &rows[(*n)++];
}

static void render_zones(struct mbuf *b, struct dnsd_server *s, const struct dbl_catalog *cat)
{
	size_t nmax = (size_t)s->nworkers * DNSD_METRICS_ZONES + (cat ? cat->nzones : 0);
	struct zrow *rows = calloc(nmax ? nmax : 1, sizeof *rows);
	uint64_t none_q = 0, other_q = 0, other_l = 0, now = (uint64_t)time(NULL);
	size_t n = 0;
	char lab[2048];

	if (!rows) {
		b->oom = true;
		return;
	}
	/* Zones being served first (so they show with 0 before any query). */
	for (uint32_t i = 0; cat && i < cat->nzones; i++)
		zrow_find(rows, &n, &cat->zones[i].name)->live = &cat->zones[i];
	for (unsigned wi = 0; wi < s->nworkers; wi++) {
		struct dnsd_wmetrics *m = &s->workers[wi]->m;
		uint32_t nz = __atomic_load_n(&m->nzones, __ATOMIC_ACQUIRE);
		for (uint32_t i = 0; i < nz; i++) {
			struct zrow *r = zrow_find(rows, &n, &m->names[i]);
			r->queries += DNSD_MGET(&m->zone_queries[i]);
			r->listed += DNSD_MGET(&m->zone_listed[i]);
		}
		none_q += DNSD_MGET(&m->zone_queries[DNSD_MZ_NONE]);
		other_q += DNSD_MGET(&m->zone_queries[DNSD_MZ_OTHER]);
		other_l += DNSD_MGET(&m->zone_listed[DNSD_MZ_OTHER]);
	}
	head(b, "dnsbld_queries_total", "counter",
	     "Requests handed to the query engine, by zone (\"\": no zone matched or dropped).");
	for (size_t i = 0; i < n; i++) {
		zone_label(&rows[i].name, lab, sizeof lab);
		out(b, "dnsbld_queries_total{zone=\"%s\"} %llu\n", lab,
		    (unsigned long long)rows[i].queries);
	}
	out(b, "dnsbld_queries_total{zone=\"other\"} %llu\n", (unsigned long long)other_q);
	out(b, "dnsbld_queries_total{zone=\"\"} %llu\n", (unsigned long long)none_q);
	head(b, "dnsbld_listed_total", "counter", "Answers that reported a listing, by zone.");
	for (size_t i = 0; i < n; i++) {
		zone_label(&rows[i].name, lab, sizeof lab);
		out(b, "dnsbld_listed_total{zone=\"%s\"} %llu\n", lab,
		    (unsigned long long)rows[i].listed);
	}
	out(b, "dnsbld_listed_total{zone=\"other\"} %llu\n", (unsigned long long)other_l);

	for (unsigned g = 0; g < sizeof zone_gauges / sizeof zone_gauges[0]; g++) {
		const struct zone_gauge *zg = &zone_gauges[g];
		head(b, zg->name, "gauge", zg->help);
		for (size_t i = 0; i < n; i++) {
			uint64_t v;
			if (!rows[i].live)
				continue;
			v = *(const uint64_t *)((const char *)rows[i].live + zg->off);
			if (zg->age) /* seconds since; 0 for a clock that went back */
				v = now > v ? now - v : 0;
			zone_label(&rows[i].name, lab, sizeof lab);
			out(b, "%s{zone=\"%s\"} %llu\n", zg->name, lab, (unsigned long long)v);
		}
	}
	free(rows);
}

/* Sum over every worker of the uint64_t counter at byte offset off of
 * struct dnsd_worker (plus i elements for arrays). */
static uint64_t sum_at(const struct dnsd_server *s, size_t off, unsigned i)
{
	uint64_t t = 0;

	for (unsigned w = 0; w < s->nworkers; w++)
		t += DNSD_MGET((const uint64_t *)((const char *)s->workers[w] + off) + i);
	return t;
}
#define SUM(field)     sum_at(s, offsetof(struct dnsd_worker, field), 0)
#define SUMI(field, i) sum_at(s, offsetof(struct dnsd_worker, field), (i))

static void render_counters(struct mbuf *b, struct dnsd_server *s)
{
	char tb[16];
	uint64_t cum = 0;

	head(b, "dnsbld_responses_total", "counter", "Replies by response code.");
	for (unsigned r = 0; r < DNSD_MRCODES; r++)
		out(b, "dnsbld_responses_total{rcode=\"%s\"} %llu\n",
		    r <= 10   ? dnsd_rcode_name(r)
		    : r == 11 ? "BADVERS"
		              : "other",
		    (unsigned long long)SUMI(m.rcode, r));
	head(b, "dnsbld_qtype_total", "counter", "Replies by query type.");
	for (unsigned q = 0; q < DNSD_MQTYPES; q++)
		out(b, "dnsbld_qtype_total{qtype=\"%s\"} %llu\n",
		    q < DNSD_MQTYPES - 1 ? dnsd_qtype_name(qtype_slot_types[q], tb, sizeof tb)
		                         : "other",
		    (unsigned long long)SUMI(m.qtype, q));
	head(b, "dnsbld_hits_total", "counter", "Zone answers with and without a listing.");
	out(b, "dnsbld_hits_total{result=\"listed\"} %llu\n", (unsigned long long)SUM(m.listed));
	out(b, "dnsbld_hits_total{result=\"unlisted\"} %llu\n",
	    (unsigned long long)SUM(m.unlisted));
	head(b, "dnsbld_dropped_total", "counter", "Requests that got no reply, by reason.");
	out(b, "dnsbld_dropped_total{reason=\"malformed\"} %llu\n",
	    (unsigned long long)SUM(m.malformed));
	out(b, "dnsbld_dropped_total{reason=\"error\"} %llu\n", (unsigned long long)SUM(m.errors));
	out(b, "dnsbld_dropped_total{reason=\"send_failed\"} %llu\n",
	    (unsigned long long)SUM(st.send_failed));
	/* --rrl: replies the query function made but the limiter held back
	 * (counted above by rcode; "dropped" ones were not sent). */
	head(b, "dnsbld_rrl_total", "counter", "Response-rate limiting (--rrl) by outcome.");
	out(b, "dnsbld_rrl_total{action=\"slipped\"} %llu\n",
	    (unsigned long long)SUM(rrl.st.rrl_slipped));
	out(b, "dnsbld_rrl_total{action=\"dropped\"} %llu\n",
	    (unsigned long long)SUM(rrl.st.rrl_dropped));
	head(b, "dnsbld_truncated_total", "counter", "UDP answers sent with TC set.");
	out(b, "dnsbld_truncated_total %llu\n", (unsigned long long)SUM(st.truncated));

	/* TCP lives on the main worker, which is this (the main) thread. */
	head(b, "dnsbld_tcp_connections_accepted_total", "counter", "TCP connections accepted.");
	out(b, "dnsbld_tcp_connections_accepted_total %llu\n",
	    (unsigned long long)SUM(st.tcp_accepted));
	head(b, "dnsbld_tcp_connections_refused_total", "counter",
	     "TCP connections closed at once (--tcp-max reached, stopping).");
	out(b, "dnsbld_tcp_connections_refused_total %llu\n",
	    (unsigned long long)SUM(st.tcp_refused));
	head(b, "dnsbld_tcp_connections", "gauge", "TCP connections open now.");
	out(b, "dnsbld_tcp_connections %u\n", s->tcp.nconns);

	head(b, "dnsbld_answer_latency_seconds", "histogram",
	     "Time from the start of a receive batch to its replies handed to the kernel.");
	for (unsigned i = 0; i < DNSD_MBUCKETS; i++) {
		cum += SUMI(m.lat_bucket, i);
		if (i < DNSD_MBUCKETS - 1)
			out(b, "dnsbld_answer_latency_seconds_bucket{le=\"%g\"} %llu\n",
			    bucket_le[i], (unsigned long long)cum);
		else
			out(b, "dnsbld_answer_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	out(b, "dnsbld_answer_latency_seconds_sum %.9f\n", (double)SUM(m.lat_sum_ns) / 1e9);
	/* The count is the +Inf bucket, so a scrape never shows them apart. */
	out(b, "dnsbld_answer_latency_seconds_count %llu\n", (unsigned long long)cum);
}

int dnsd_metrics_render(struct dnsd_server *s, char **res, size_t *len)
{
	struct mbuf b = {0};
	struct dnsd_gen *g = atomic_load(&s->data.live);
	const struct dbl_catalog *cat = g ? &g->db->cat : NULL;

	head(&b, "dnsbld_build_info", "gauge", "Always 1; the version as a label.");
	out(&b, "dnsbld_build_info{version=\"%s\"} 1\n", DNSBL_VERSION);
	head(&b, "dnsbld_threads", "gauge", "Server threads (--threads).");
	out(&b, "dnsbld_threads %u\n", s->opts->threads);
	head(&b, "dnsbld_data_generation", "gauge", "Generation served (0: no data).");
	out(&b, "dnsbld_data_generation %llu\n", (unsigned long long)(g ? g->db->generation : 0));
	head(&b, "dnsbld_data_switches_total", "counter", "Generation switches since start.");
	out(&b, "dnsbld_data_switches_total %llu\n", (unsigned long long)s->data.switches);
	render_zones(&b, s, cat);
	render_counters(&b, s);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*res = b.p;
	*len = b.len;
	return 0;
}
