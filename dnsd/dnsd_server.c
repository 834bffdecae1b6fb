/* dnsd_server.c - server context: answering, start/stop, signals, counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dbl_err.h"
#include "dbl_log.h"
#include "dnsd_server.h"

static const char *rcode_name(unsigned rc)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                              "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                              "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (rc < sizeof names / sizeof names[0])
		return names[rc];
	return rc == 16 ? "BADVERS" : "RCODE?";
}

/* Mnemonic of common qtypes/qclasses for debug lines, else TYPEnn/CLASSnn
 * (RFC 3597) in buf. */
static const char *type_name(unsigned t, char *buf, size_t cap)
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

static const char *class_name(unsigned c, char *buf, size_t cap)
{
	if (c == 1)
		return "IN";
	if (c == 3)
		return "CH";
	snprintf(buf, cap, "CLASS%u", c);
	return buf;
}

/* Presentation form of the question name of req, for debug logs only.
 * Never reads past len; stops at anything that is not a plain label. */
static void qname_str(const uint8_t *req, size_t len, char *out, size_t cap)
{
	size_t p = 12, o = 0, total = 0;

	out[0] = 0;
	if (len <= 12) {
		snprintf(out, cap, "(short)");
		return;
	}
	while (p < len && req[p] != 0) {
		unsigned l = req[p];
		if (l > 63 || p + 1 + l > len || (total += l + 1) > 255) {
			snprintf(out + o, cap - o, "(bad)");
			return;
		}
		for (unsigned i = 0; i < l; i++) {
			uint8_t ch = req[p + 1 + i];
			int w;
			if (ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\')
				w = snprintf(out + o, cap - o, "%c", ch);
			else if (ch == '.' || ch == '\\')
				w = snprintf(out + o, cap - o, "\\%c", ch);
			else
				w = snprintf(out + o, cap - o, "\\%03u", ch);
			if (w < 0 || (size_t)w >= cap - o)
				return;
			o += (size_t)w;
		}
		if (o + 1 < cap)
			out[o++] = '.', out[o] = 0;
		p += 1 + l;
	}
	if (o == 0)
		snprintf(out, cap, ".");
}

static void log_query(const struct sockaddr *peer, bool tcp, const uint8_t *req, size_t len, int n,
                      const struct dbl_query_info *info)
{
	char a[80], q[1100], tb[16], cb[16];

	dnsd_addr_str(peer, a, sizeof a);
	qname_str(req, len, q, sizeof q);
	if (n > 0)
		dbl_log(DBL_LOG_DEBUG, "%s %s %s %s %s -> %s%s%s, %d bytes", tcp ? "tcp" : "udp", a,
		        q, class_name(info->qclass, cb, sizeof cb),
		        type_name(info->qtype, tb, sizeof tb), rcode_name(info->rcode),
		        info->listed ? " listed" : "", info->truncated ? " TC" : "", n);
	else
		dbl_log(DBL_LOG_DEBUG, "%s %s %s (%zu bytes) -> no reply: %s", tcp ? "tcp" : "udp",
		        a, q, len, dbl_strerror(n));
}

int dnsd_server_answer(struct dnsd_server *s, const uint8_t *req, size_t len, uint8_t *resp,
                       size_t cap, bool tcp, const struct sockaddr *peer)
{
	struct dbl_query_env env;
	struct dbl_query_info info;
	int n;

	memset(&env, 0, sizeof env);
	env.now = time(NULL);
	env.tcp = tcp;
	if (peer->sa_family == AF_INET) {
		env.client_family = 4;
		memcpy(env.client_addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	} else if (peer->sa_family == AF_INET6) {
		const uint8_t *a6 = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a6, mapped, 12) == 0) {
			env.client_family = 4; /* ::ffff:a.b.c.d: ACLs see IPv4 */
			memcpy(env.client_addr, a6 + 12, 4);
		} else {
			env.client_family = 6;
			memcpy(env.client_addr, a6, 16);
		}
	}
	memset(&info, 0, sizeof info);
	s->st.queries++;
	n = dbl_query(dnsd_data_rtxn(&s->data), &s->qopts, &env, req, len, resp, cap, &info);
	if (n <= 0) {
		s->st.dropped++;
		if (n == DBL_EDROP || n == 0)
			s->st.malformed++;
		else
			s->st.errors++;
		if (n != DBL_EDROP && n != 0 && dnsd_ratelimit(s, &s->err_log_last, 10))
			dbl_log(DBL_LOG_ERR, "query failed: %s", dbl_strerror(n));
	} else if (info.truncated) {
		s->st.truncated++;
	}
	if (dbl_log_enabled(DBL_LOG_DEBUG))
		log_query(peer, tcp, req, len, n, &info);
	return n > 0 ? n : (n == 0 ? DBL_EDROP : n);
}

bool dnsd_ratelimit(struct dnsd_server *s, uint64_t *last, unsigned seconds)
{
	uint64_t now = uv_now(s->loop);

	if (*last && now - *last < (uint64_t)seconds * 1000)
		return false;
	*last = now ? now : 1;
	return true;
}

void dnsd_server_log_stats(const struct dnsd_server *s)
{
	const struct dnsd_stats *st = &s->st;

	dbl_log(DBL_LOG_NOTICE,
	        "stopped: queries %llu, answered %llu, dropped %llu (malformed/ignored %llu, "
	        "send failed %llu, errors %llu), truncated %llu; tcp accepted %llu, refused %llu, "
	        "timed out %llu; generation switches %llu",
	        (unsigned long long)st->queries, (unsigned long long)st->answered,
	        (unsigned long long)st->dropped, (unsigned long long)st->malformed,
	        (unsigned long long)st->send_failed, (unsigned long long)st->errors,
	        (unsigned long long)st->truncated, (unsigned long long)st->tcp_accepted,
	        (unsigned long long)st->tcp_refused, (unsigned long long)st->tcp_timeouts,
	        (unsigned long long)s->data.switches);
}

void dnsd_server_stop(struct dnsd_server *s, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = true;
	dbl_log(DBL_LOG_NOTICE, "stopping (%s)", why);
	dnsd_udp_stop(&s->udp);
	dnsd_tcp_stop(&s->tcp);
	dnsd_data_stop(&s->data);
	uv_close((uv_handle_t *)&s->sig_term, NULL);
	uv_close((uv_handle_t *)&s->sig_int, NULL);
	uv_close((uv_handle_t *)&s->sig_hup, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct dnsd_server *s = h->data;

	if (signum == SIGHUP) {
		dbl_log(DBL_LOG_INFO, "SIGHUP: checking %s/current", s->opts->db_dir);
		dnsd_data_check(&s->data, true);
		return;
	}
	dnsd_server_stop(s, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static bool port_is_zero(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port == 0;
	return ((const struct sockaddr_in6 *)a)->sin6_port == 0;
}

/* Each TCP connection and listener takes a descriptor; make sure --tcp-max
 * can be reached instead of failing accept() with EMFILE under load. */
static void check_nofile(const struct dnsd_opts *o)
{
	rlim_t need = (rlim_t)o->tcp_max + 2 * o->nlisten + 32; /* 32: stdio, loop, db, spare */
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need)
		rl.rlim_cur = need;
	else
		rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		dbl_log(DBL_LOG_WARNING,
		        "open file limit %llu is below --tcp-max %u + listeners: some connections "
		        "will fail",
		        (unsigned long long)rl.rlim_cur, o->tcp_max);
}

static int start_signals(struct dnsd_server *s)
{
	uv_signal_t *h[] = {&s->sig_term, &s->sig_int, &s->sig_hup};
	int signums[] = {SIGTERM, SIGINT, SIGHUP};
	int rc;

	for (int i = 0; i < 3; i++) {
		uv_signal_init(s->loop, h[i]);
		h[i]->data = s;
		rc = uv_signal_start(h[i], on_signal, signums[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int dnsd_server_start(struct dnsd_server *s, uv_loop_t *loop, const struct dnsd_opts *o)
{
	char a[80];
	int rc;

	s->loop = loop;
	s->opts = o;
	snprintf(s->version, sizeof s->version, "dnsbld %s", DNSBL_VERSION);
	s->qopts.default_ttl = o->ttl;
	s->qopts.ns_in_auth = o->ns_in_auth;
	s->qopts.hide_version = o->hide_version;
	s->qopts.version = s->version;
	s->qopts.edns_payload = o->edns_payload;

	/* A client that resets a TCP connection must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	check_nofile(o);
	rc = start_signals(s);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot install signal handlers: %s", uv_strerror(rc));
		return rc;
	}
	rc = dnsd_data_start(&s->data, loop, o->db_dir);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot start the data watcher: %s", uv_strerror(rc));
		return rc;
	}
	for (unsigned i = 0; i < o->nlisten; i++) {
		struct sockaddr_storage addr;
		unsigned attempt = 0;

	again:
		addr = o->listen[i];
		dnsd_addr_str((struct sockaddr *)&addr, a, sizeof a);
		rc = dnsd_udp_listen(&s->udp, s, &addr);
		if (rc) {
			dbl_log(DBL_LOG_ERR, "cannot listen on %s (udp): %s", a, uv_strerror(rc));
			return rc;
		}
		/* UDP first, so port 0 resolves to one port used for both. */
		rc = dnsd_tcp_listen(&s->tcp, s, (struct sockaddr *)&addr);
		dnsd_addr_str((struct sockaddr *)&addr, a, sizeof a);
		/* Port 0: the kernel's free UDP port may be taken for TCP; give
		 * both sockets back and ask again (8 tries; each costs a slot). */
		if (rc == UV_EADDRINUSE && port_is_zero(&o->listen[i]) && ++attempt < 8 &&
		    s->udp.n < DNSD_LISTEN_MAX && s->tcp.n < DNSD_LISTEN_MAX) {
			uv_udp_recv_stop(&s->udp.s[s->udp.n - 1].h);
			uv_close((uv_handle_t *)&s->udp.s[s->udp.n - 1].h, NULL);
			uv_close((uv_handle_t *)&s->tcp.l[s->tcp.n - 1].h, NULL);
			goto again;
		}
		if (rc) {
			dbl_log(DBL_LOG_ERR, "cannot listen on %s (tcp): %s", a, uv_strerror(rc));
			return rc;
		}
		dbl_log(DBL_LOG_NOTICE, "listening on %s (udp, tcp)", a);
	}
	dbl_log(DBL_LOG_NOTICE,
	        "%s started: db %s, ttl %u, edns payload %u, tcp max %u idle %us%s%s", s->version,
	        o->db_dir, o->ttl, o->edns_payload, o->tcp_max, o->tcp_idle,
	        o->ns_in_auth ? ", ns in auth" : "", o->hide_version ? ", version hidden" : "");
	return 0;
}
