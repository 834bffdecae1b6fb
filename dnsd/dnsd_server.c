/* dnsd_server.c - server start/stop: signals, workers, sockets, counters
 * (see dnsd_server.h). */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dnsd_server.h"
#include "dnsd_udp.h"

static void log_stats(const struct dnsd_server *s)
{
	struct dnsd_stats t;

	memset(&t, 0, sizeof t);
	for (unsigned i = 0; i < s->nworkers; i++) {
		const struct dnsd_stats *st = &s->workers[i]->st;
		t.queries += st->queries;
		t.answered += st->answered;
		t.dropped += st->dropped;
		t.malformed += st->malformed;
		t.send_failed += st->send_failed;
		t.errors += st->errors;
		t.truncated += st->truncated;
		t.tcp_accepted += st->tcp_accepted;
		t.tcp_refused += st->tcp_refused;
		t.tcp_timeouts += st->tcp_timeouts;
		t.batches += st->batches;
	}
	dbl_log(DBL_LOG_NOTICE,
	        "stopped: queries %llu, answered %llu, dropped %llu (malformed/ignored %llu, "
	        "send failed %llu, errors %llu), truncated %llu; tcp accepted %llu, refused %llu, "
	        "timed out %llu; generation switches %llu; threads %u, udp batches %llu",
	        (unsigned long long)t.queries, (unsigned long long)t.answered,
	        (unsigned long long)t.dropped, (unsigned long long)t.malformed,
	        (unsigned long long)t.send_failed, (unsigned long long)t.errors,
	        (unsigned long long)t.truncated, (unsigned long long)t.tcp_accepted,
	        (unsigned long long)t.tcp_refused, (unsigned long long)t.tcp_timeouts,
	        (unsigned long long)s->data.switches, s->opts ? s->opts->threads : s->nworkers,
	        (unsigned long long)t.batches);
	if (s->opts && s->opts->rrl.rate) {
		struct dnsd_rrl_stats r = {0};
		for (unsigned i = 0; i < s->nworkers; i++) {
			const struct dnsd_rrl_stats *x = &s->workers[i]->rrl.st;
			r.rrl_limited += x->rrl_limited;
			r.rrl_slipped += x->rrl_slipped;
			r.rrl_dropped += x->rrl_dropped;
			r.rrl_evicted += x->rrl_evicted;
		}
		dbl_log(DBL_LOG_NOTICE,
		        "rrl: limited %llu (slipped %llu, dropped %llu), buckets reused %llu",
		        (unsigned long long)r.rrl_limited, (unsigned long long)r.rrl_slipped,
		        (unsigned long long)r.rrl_dropped, (unsigned long long)r.rrl_evicted);
	}
	if (dbl_log_enabled(DBL_LOG_INFO) && s->nworkers > 1)
		for (unsigned i = 0; i < s->nworkers; i++) {
			const struct dnsd_worker *w = s->workers[i];
			/* "thread N" for UDP threads only: the blocking mode's
			 * main worker serves TCP alone. */
			dbl_log(DBL_LOG_INFO, "%s%u: queries %llu, answered %llu, batches %llu",
			        w == s->main && !s->opts->udp_libuv ? "main thread (tcp only) "
			                                            : "thread ",
			        i, (unsigned long long)w->st.queries,
			        (unsigned long long)w->st.answered,
			        (unsigned long long)w->st.batches);
		}
}

void dnsd_server_stop(struct dnsd_server *s, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = true;
	if (why)
		dbl_log(DBL_LOG_NOTICE, "stopping (%s)", why);
	if (why)
		dnsd_notify_stop(&s->notify);
	dnsd_tcp_stop(&s->tcp);
	dnsd_http_stop(&s->http);
	dnsd_qlog_stop(&s->qlog);
	dnsd_data_stop(&s->data);
	if (s->signals_init) {
		uv_close((uv_handle_t *)&s->sig_term, NULL);
		uv_close((uv_handle_t *)&s->sig_int, NULL);
		uv_close((uv_handle_t *)&s->sig_hup, NULL);
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		dnsd_worker_stop(s->workers[i]);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct dnsd_server *s = h->data;

	if (signum == SIGHUP) {
		dbl_log(DBL_LOG_INFO, "SIGHUP: checking %s/current", s->opts->db_dir);
		dnsd_notify_reloading(true);
		dnsd_data_check(&s->data, true);
		dnsd_qlog_reopen(&s->qlog);
		dnsd_notify_reloading(false);
		return;
	}
	dnsd_server_stop(s, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* The systemd STATUS= line: what is being served. */
static void data_status(struct dnsd_server *s, char *buf, size_t cap)
{
	struct dnsd_gen *g = atomic_load(&s->data.live);

	if (g)
		snprintf(buf, cap, "serving generation %llu (%u zones) from %s",
		         (unsigned long long)g->db->generation, g->db->cat.nzones, s->opts->db_dir);
	else
		snprintf(buf, cap, "no data yet in %s: answering REFUSED", s->opts->db_dir);
}

/* dnsd_data: a generation was published; wake every worker so an idle one
 * also lets go of the old generation. */
static void on_publish(void *arg)
{
	struct dnsd_server *s = arg;
	char status[256];

	for (unsigned i = 0; i < s->nworkers; i++)
		dnsd_worker_wake(s->workers[i]);
	data_status(s, status, sizeof status);
	dnsd_notify_status("%s", status);
}

static bool port_is_zero(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port == 0;
	return ((const struct sockaddr_in6 *)a)->sin6_port == 0;
}

/* Each TCP connection and listener and each UDP socket takes a descriptor;
 * make sure --tcp-max can be reached instead of failing accept() with
 * EMFILE under load. */
static void check_nofile(const struct dnsd_opts *o)
{
	/* 32 + 4 per loop: stdio, loops (epoll, eventfds), db, spare. Blocking
	 * mode: a loop (never run, for its clock) per UDP thread and the main. */
	rlim_t loops = o->udp_libuv ? o->threads : (rlim_t)o->threads * o->nlisten + 1;
	rlim_t need = (rlim_t)o->tcp_max + (rlim_t)(o->threads + 1) * o->nlisten + 32 + 4 * loops;
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

	for (int i = 0; i < 3; i++)
		uv_signal_init(s->loop, h[i]);
	s->signals_init = true;
	for (int i = 0; i < 3; i++) {
		h[i]->data = s;
		rc = uv_signal_start(h[i], on_signal, signums[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Bind listen address number li: the first UDP socket (port 0 resolves
 * there), TCP on the same port, then the other UDP sockets on that
 * resolved address. Sockets are plain fds until the first two exist, so a
 * retry costs no handle. The UDP sockets go to workers 0..T-1 (libuv mode:
 * every worker has one per address) or li*T..li*T+T-1 (blocking mode: one
 * socket per worker). */
static int listen_one(struct dnsd_server *s, unsigned li, const struct sockaddr_storage *want)
{
	unsigned t = s->opts->threads ? s->opts->threads : 1;
	unsigned base = s->opts->udp_libuv ? 0 : li * t;
	bool reuseport = s->opts->threads > 1;
	struct sockaddr_storage addr;
	char a[80];
	int ufd = -1, tfd = -1, rc;

	for (unsigned attempt = 0;; attempt++) {
		addr = *want;
		dnsd_addr_str((struct sockaddr *)&addr, a, sizeof a);
		ufd = dnsd_udp_socket(&addr, reuseport);
		if (ufd < 0) {
			dbl_log(DBL_LOG_ERR, "cannot listen on %s (udp): %s", a, uv_strerror(ufd));
			return ufd;
		}
		dnsd_addr_str((struct sockaddr *)&addr, a, sizeof a);
		tfd = dnsd_tcp_socket(&addr);
		/* Port 0: the kernel's free UDP port may be taken for TCP (or,
		 * with SO_REUSEPORT, be another dnsbld's UDP group, whose TCP
		 * port is then taken): ask again, 8 tries. */
		if (tfd == UV_EADDRINUSE && port_is_zero(want) && attempt < 7) {
			close(ufd);
			continue;
		}
		break;
	}
	if (tfd < 0) {
		close(ufd);
		dbl_log(DBL_LOG_ERR, "cannot listen on %s (tcp): %s", a, uv_strerror(tfd));
		return tfd;
	}
	rc = dnsd_udp_adopt(s->workers[base], ufd);
	if (rc == 0)
		rc = dnsd_tcp_adopt(&s->tcp, s->main, tfd);
	else
		close(tfd);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot listen on %s: %s", a, uv_strerror(rc));
		return rc;
	}
	for (unsigned i = 1; i < t; i++) {
		struct sockaddr_storage same = addr;
		ufd = dnsd_udp_socket(&same, true);
		rc = ufd < 0 ? ufd : dnsd_udp_adopt(s->workers[base + i], ufd);
		if (rc) {
			dbl_log(DBL_LOG_ERR, "cannot listen on %s (udp, thread %u): %s", a, i,
			        uv_strerror(rc));
			return rc;
		}
	}
	dbl_log(DBL_LOG_NOTICE, "listening on %s (udp, tcp)", a);
	return 0;
}

int dnsd_server_start(struct dnsd_server *s, uv_loop_t *loop, const struct dnsd_opts *o)
{
	unsigned t = o->threads ? o->threads : 1;
	/* Blocking: one thread per socket plus the main worker (TCP). */
	unsigned n = o->udp_libuv ? t : t * o->nlisten + 1;
	char status[256], rrl[80] = "";
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
	/* Before the workers (they size their buffers by it) and before
	 * the privilege drop (the file may be root's, in /var/log). */
	if (o->query_log && (rc = dnsd_qlog_open(&s->qlog, loop, o->query_log)))
		return rc;
	s->workers = calloc(n, sizeof *s->workers);
	s->readers = calloc(n, sizeof *s->readers);
	if (!s->workers || !s->readers) {
		dbl_log(DBL_LOG_ERR, "out of memory");
		return UV_ENOMEM;
	}
	s->nwant = n;
	for (unsigned i = 0; i < n; i++) {
		bool on_main = o->udp_libuv ? i == 0 : i == n - 1;
		rc = dnsd_worker_create(&s->workers[i], s, i, on_main, !o->udp_libuv && !on_main);
		if (s->workers[i] && on_main)
			s->main = s->workers[i];
		if (s->workers[i]) {
			s->nworkers++;
			s->readers[i] = &s->workers[i]->reader;
		}
		if (rc) {
			dbl_log(DBL_LOG_ERR, "cannot set up thread %u: %s", i, uv_strerror(rc));
			return rc;
		}
	}
	for (unsigned i = 0; i < o->nlisten; i++) {
		rc = listen_one(s, i, &o->listen[i]);
		if (rc)
			return rc;
	}
	if (o->metrics_on && (rc = dnsd_http_start(&s->http, s, &o->metrics)))
		return rc;
	/* Root is only needed to bind: drop it before opening data (so an
	 * unreadable database shows now) and before threads exist. */
	if (s->user && dnsd_proc_drop(s->user))
		return UV_EPERM;
	s->data.on_publish = on_publish;
	s->data.on_publish_arg = s;
	rc = dnsd_data_start(&s->data, loop, o->db_dir, s->readers, n);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot start the data watcher: %s", uv_strerror(rc));
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		if (s->workers[i] == s->main)
			continue;
		rc = dnsd_worker_start_thread(s->workers[i]);
		if (rc) {
			dbl_log(DBL_LOG_ERR, "cannot start thread %u: %s", i, strerror(-rc));
			return rc;
		}
	}
	if (o->rrl.rate)
		snprintf(rrl, sizeof rrl, ", rrl %u/s per prefix slip %u%s", o->rrl.rate,
		         o->rrl.slip, o->rrl.loopback ? " incl. loopback" : "");
	dbl_log(DBL_LOG_NOTICE,
	        "%s started: db %s, threads %u (udp-io %s), ttl %u, edns payload %u, tcp max %u "
	        "idle %us%s%s%s",
	        s->version, o->db_dir, t, o->udp_libuv ? "libuv" : "blocking", o->ttl,
	        o->edns_payload, o->tcp_max, o->tcp_idle, o->ns_in_auth ? ", ns in auth" : "",
	        o->hide_version ? ", version hidden" : "", rrl);
	data_status(s, status, sizeof status);
	dnsd_notify_ready(&s->notify, loop, status);
	return 0;
}

void dnsd_server_finish(struct dnsd_server *s, bool log)
{
	/* The main worker last: its reader is released after the main loop
	 * ended; the others release theirs when their thread exits. */
	for (unsigned i = s->nworkers; i-- > 0;)
		if (s->workers[i] != s->main)
			dnsd_worker_join(s->workers[i]);
	if (s->main)
		dnsd_worker_join(s->main);
	if (log)
		log_stats(s);
	dnsd_data_close(&s->data);
	for (unsigned i = 0; i < s->nworkers; i++)
		dnsd_worker_destroy(s->workers[i]);
	dnsd_qlog_close(&s->qlog);
	free(s->workers);
	free(s->readers);
	s->workers = NULL;
	s->readers = NULL;
	s->nworkers = 0;
	s->main = NULL;
}
