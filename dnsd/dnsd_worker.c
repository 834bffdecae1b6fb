/* dnsd_worker.c - server threads: loop set-up, answering, batches, wake-up
 * and stop (see dnsd_worker.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_err.h"
#include "dbl_log.h"
#include "dnsd_server.h"
#include "dnsd_worker.h"

/* ---- debug log of one query (--debug only) ---- */

static const char *class_name(unsigned c, char *buf, size_t cap)
{
	if (c == 1)
		return "IN";
	if (c == 3)
		return "CH";
	snprintf(buf, cap, "CLASS%u", c);
	return buf;
}

static void log_query(const struct sockaddr *peer, bool tcp, const uint8_t *req, size_t len, int n,
                      const struct dbl_query_info *info)
{
	char a[80], q[1100], tb[16], cb[16];

	dnsd_addr_str(peer, a, sizeof a);
	dnsd_qname_str(req, len, q, sizeof q);
	if (n > 0)
		dbl_log(DBL_LOG_DEBUG, "%s %s %s %s %s -> %s%s%s, %d bytes", tcp ? "tcp" : "udp", a,
		        q, class_name(info->qclass, cb, sizeof cb),
		        dnsd_qtype_name(info->qtype, tb, sizeof tb), dnsd_rcode_name(info->rcode),
		        info->listed ? " listed" : "", info->truncated ? " TC" : "", n);
	else
		dbl_log(DBL_LOG_DEBUG, "%s %s %s (%zu bytes) -> no reply: %s", tcp ? "tcp" : "udp",
		        a, q, len, dbl_strerror(n));
}

/* ---- answering ---- */

/* UDP response-rate limiting (dnsd_rrl.h): the response of n bytes is
 * sent as is, cut to a TC=1 reply (slip), or dropped (DBL_EDROP). TCP is
 * never limited: it is where slipped clients go. */
static int rate_limit(struct dnsd_worker *w, uint8_t *resp, int n, const struct sockaddr *peer)
{
	switch (dnsd_rrl_check(&w->rrl, peer, uv_now(w->loop))) {
	case DNSD_RRL_SEND:
		return n;
	case DNSD_RRL_SLIP: {
		size_t m = dnsd_rrl_slip(resp, (size_t)n);
		if (m > 0)
			return (int)m;
		break;
	}
	case DNSD_RRL_DROP:
		break;
	}
	w->st.dropped++;
	return DBL_EDROP;
}

struct dbl_rtxn *dnsd_worker_batch_begin(struct dnsd_worker *w)
{
	if (!w->batch_open) {
		/* First query of the batch: one clock read and one snapshot
		 * (picking up a new generation) serve the whole batch. */
		w->batch_open = true;
		w->now = time(NULL);
		if (w->blocking)
			uv_update_time(w->loop); /* its loop never runs: uv_now */
		w->rtxn = dnsd_reader_begin(&w->reader);
	}
	return w->rtxn;
}

int dnsd_worker_answer(struct dnsd_worker *w, const uint8_t *req, size_t len, uint8_t *resp,
                       size_t cap, bool tcp, const struct sockaddr *peer)
{
	struct dbl_query_env env;
	struct dbl_query_info info;
	int n;

	dnsd_worker_batch_begin(w);
	env.now = w->now;
	env.tcp = tcp;
	env.client_family = 0;
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
	w->st.queries++;
	n = dbl_query(w->rtxn, &w->srv->qopts, &env, req, len, resp, cap, &info);
	/* Counted as the query function answered it; a reply that --rrl then
	 * holds back is counted again in dnsbld_rrl_total. */
	dnsd_metrics_count(&w->m, n, &info, w->rtxn && w->rtxn->db ? &w->rtxn->db->cat : NULL);
	if (n <= 0) {
		w->st.dropped++;
		if (n == DBL_EDROP || n == 0)
			w->st.malformed++;
		else
			w->st.errors++;
		if (n != DBL_EDROP && n != 0 && dnsd_ratelimit(w->loop, &w->err_log_last, 10))
			dbl_log(DBL_LOG_ERR, "query failed: %s", dbl_strerror(n));
	} else {
		if (!tcp && w->rrl.tab)
			n = rate_limit(w, resp, n, peer);
		if (n > 0 && info.truncated)
			w->st.truncated++;
	}
	if (w->qlog.buf)
		dnsd_qlog_add(&w->qlog, w->now, peer, tcp, req, len, n, &info);
	if (dbl_log_enabled(DBL_LOG_DEBUG))
		log_query(peer, tcp, req, len, n, &info);
	return n > 0 ? n : (n == 0 ? DBL_EDROP : n);
}

void dnsd_worker_batch_end(struct dnsd_worker *w)
{
	dnsd_udp_flush(w);
	dnsd_metrics_batch_end(&w->m);
	dnsd_qlog_flush(&w->qlog, w->loop);
	if (w->batch_open) {
		dnsd_reader_end(&w->reader);
		w->batch_open = false;
		w->rtxn = NULL;
	}
}

bool dnsd_ratelimit(uv_loop_t *loop, uint64_t *last, unsigned seconds)
{
	uint64_t now = uv_now(loop);

	if (*last && now - *last < (uint64_t)seconds * 1000)
		return false;
	*last = now ? now : 1;
	return true;
}

/* ---- loop, thread, wake-up, stop ---- */

static void close_handles(struct dnsd_worker *w)
{
	if (w->stopping)
		return;
	w->stopping = true;
	dnsd_worker_batch_end(w);
	dnsd_udp_stop(&w->udp);
	if (w->handles_init) {
		uv_close((uv_handle_t *)&w->check, NULL);
		uv_close((uv_handle_t *)&w->wake, NULL);
	}
}

/* Runs once per loop iteration after the poll phase: whatever batch is
 * still open (TCP queries, or a UDP batch libuv did not close) ends here,
 * so no reply waits past the iteration and the next query starts a new
 * batch (which looks for a new generation first). */
static void on_check(uv_check_t *c)
{
	struct dnsd_worker *w = c->data;

	if (w->batch_open || w->udp.nout)
		dnsd_worker_batch_end(w);
}

static void on_wake(uv_async_t *a)
{
	struct dnsd_worker *w = a->data;

	if (atomic_load(&w->stop_req)) {
		close_handles(w);
		return;
	}
	/* A generation was published: move to it now, even if no query comes,
	 * so the old one can be closed. */
	if (!w->batch_open) {
		dnsd_reader_begin(&w->reader);
		dnsd_reader_end(&w->reader);
	}
}

int dnsd_worker_create(struct dnsd_worker **out, struct dnsd_server *s, unsigned id, bool on_main,
                       bool blocking)
{
	struct dnsd_worker *w = calloc(1, sizeof *w);
	int rc;

	*out = w;
	if (!w)
		return UV_ENOMEM;
	w->id = id;
	w->srv = s;
	w->on_main = on_main;
	w->blocking = blocking;
	w->udp.bfd = -1;
	atomic_init(&w->stop_req, false);
	dnsd_reader_init(&w->reader, &s->data);
	if (dnsd_rrl_init(&w->rrl, &s->opts->rrl))
		return UV_ENOMEM;
	if (on_main) {
		w->loop = s->loop;
	} else {
		rc = uv_loop_init(&w->own_loop);
		if (rc)
			return rc;
		w->own_loop_init = true;
		w->loop = &w->own_loop;
	}
	if (s->qlog.path && dnsd_qlog_buf_init(&w->qlog, &s->qlog))
		return UV_ENOMEM;
	if (blocking)
		return 0; /* no handles: dnsd_udp_serve is its loop */
	rc = uv_async_init(w->loop, &w->wake, on_wake);
	if (rc)
		return rc;
	uv_check_init(w->loop, &w->check); /* cannot fail: it only fills the struct */
	w->handles_init = true;
	w->wake.data = w;
	w->check.data = w;
	return uv_check_start(&w->check, on_check);
}

static void *thread_main(void *arg)
{
	struct dnsd_worker *w = arg;

	if (w->blocking) {
		dnsd_udp_serve(w); /* until dnsd_worker_stop */
		close_handles(w);  /* sends what is pending; the socket stays open */
	} else {
		uv_run(w->loop, UV_RUN_DEFAULT);
	}
	/* Every handle is closed (close_handles) and their callbacks ran. */
	dnsd_reader_release(&w->reader);
	return NULL;
}

int dnsd_worker_start_thread(struct dnsd_worker *w)
{
	sigset_t all, old;
	int rc;

	/* Signals go to the main loop (libuv's signal pipe); blocking them
	 * here keeps them from interrupting this thread's system calls. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, thread_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	w->thread_started = true;
	return 0;
}

void dnsd_worker_wake(struct dnsd_worker *w)
{
	/* A blocking worker moves on by itself within DNSD_UDP_IDLE_MS. */
	if (w->handles_init)
		uv_async_send(&w->wake);
}

void dnsd_worker_stop(struct dnsd_worker *w)
{
	if (w->on_main || !w->thread_started) {
		close_handles(w); /* on this (the main) thread */
		return;
	}
	atomic_store(&w->stop_req, true);
	if (w->blocking)
		dnsd_udp_interrupt(&w->udp); /* ends its recvmmsg now */
	else
		uv_async_send(&w->wake);
}

static void close_any(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void dnsd_worker_join(struct dnsd_worker *w)
{
	int rc;

	if (w->thread_started) {
		pthread_join(w->thread, NULL);
		w->thread_started = false;
	}
	if (w->own_loop_init) {
		/* A thread that ran has closed its handles; a worker whose thread
		 * never started (failed start) has them closed here. */
		uv_walk(w->loop, close_any, NULL);
		uv_run(w->loop, UV_RUN_DEFAULT);
		rc = uv_loop_close(w->loop);
		if (rc)
			dbl_log(DBL_LOG_WARNING, "thread %u: event loop not empty at exit: %s",
			        w->id, uv_strerror(rc));
		w->own_loop_init = false;
	}
	dnsd_udp_close(&w->udp); /* the blocking socket: only now is no thread on it */
	dnsd_reader_release(&w->reader);
}

void dnsd_worker_destroy(struct dnsd_worker *w)
{
	if (w) {
		dnsd_rrl_free(&w->rrl);
		dnsd_qlog_buf_free(&w->qlog);
	}
	free(w);
}
