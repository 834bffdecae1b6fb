/* bench_run.c - worker threads: batched UDP send/receive and matching (see bench_run.h).
 *
 * Per socket ("conn"), query IDs index a 65536-entry slot table. A slot
 * is FREE, INFLIGHT (linked into a list in send order, oldest first) or
 * EXPIRED (timed out; kept so a late answer is recognised as late). Free
 * IDs wait in a FIFO ring, so an ID comes back into use only after every
 * other free ID has been used: a late answer therefore almost always
 * finds its own expired slot rather than a newer query. Because the
 * timeout is the same for every query, the oldest in-flight query is
 * always at the list head and expiry is O(1) per query.
 *
 * The loop: take the time, expire, receive what is there (non-blocking
 * recvmmsg), send what is due (sendmmsg), and when neither happened sleep
 * in ppoll until a reply, the next due send, the next expiry or the end.
 * Latency uses one clock reading per batch on each side: the error is
 * the time one sendmmsg/recvmmsg call takes, far below loopback RTT.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_run.h"

#define ID_SPACE 65536u
#define NONE     0xffffffffu
/* Receive buffer per message: a reply only needs its header and question
 * checked (12 + 259 bytes); anything longer is truncated by the kernel
 * and flagged, which is fine. */
#define RBUF 2048
/* Socket buffers: 4 MiB absorbs a burst of thousands of replies while the
 * thread is busy sending (capped by net.core.rmem_max/wmem_max). */
#define SOCKBUF (4 << 20)
/* Bounded work per loop turn so sending, receiving and expiry interleave. */
#define MAX_BATCHES_PER_TURN 4
/* Longest sleep, so a stop request is noticed promptly. */
#define MAX_WAIT_NS 100000000ull

enum { SLOT_FREE, SLOT_INFLIGHT, SLOT_EXPIRED };

struct slot {
	uint64_t sent_ns;
	uint32_t query;
	uint32_t prev, next;
	uint8_t state;
};

struct conn {
	int fd;
	struct slot *slots;
	uint16_t *free_ids; /* FIFO ring of ID_SPACE */
	uint32_t free_head, free_count;
	uint32_t head, tail; /* in-flight list, oldest first */
	uint32_t inflight;
	bool send_blocked; /* last send hit a full socket buffer */
};

struct pub {
	uint64_t sent, answered, lost, late;
	int done;
} __attribute__((aligned(64)));

struct worker {
	struct bench_run *run;
	pthread_t tid;
	bool joinable;
	struct conn *conns;
	size_t n_conns, rr;
	uint32_t target;   /* closed loop: outstanding for this thread */
	double rate;       /* open loop: queries/s for this thread */
	size_t next_query; /* index into the list, cycling */
	bool sending;      /* in the sending phase */
	uint64_t timeout_ns;
	/* batch buffers, `batch` entries each */
	uint8_t (*hdr)[12];
	uint16_t *ids;
	struct iovec *siov;
	struct mmsghdr *smsg;
	uint8_t *rbuf;
	struct iovec *riov;
	struct mmsghdr *rmsg;
	struct pollfd *pfd;
	uint64_t t0, t_send_end, t_end;
	struct bench_totals t;
	struct pub pub;
};

struct bench_run {
	const struct bench_opts *o;
	const struct bench_queries *q;
	struct worker **w;
	unsigned n;
	int stop;
};

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int conn_open(struct conn *c, const struct bench_addr *server, char *err, size_t errlen)
{
	int sz = SOCKBUF;

	c->fd = socket(server->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	/* best effort: the kernel caps these silently */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	if (connect(c->fd, (const struct sockaddr *)&server->ss, server->len) < 0) {
		int e = errno;
		char a[BENCH_ADDR_STRLEN];

		bench_addr_format(server, a, sizeof a);
		snprintf(err, errlen, "connect %s: %s", a, strerror(e));
		return -e;
	}
	c->slots = calloc(ID_SPACE, sizeof *c->slots);
	c->free_ids = malloc(ID_SPACE * sizeof *c->free_ids);
	if (!c->slots || !c->free_ids) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < ID_SPACE; i++)
		c->free_ids[i] = (uint16_t)i;
	c->free_count = ID_SPACE;
	c->head = c->tail = NONE;
	return 0;
}

static void link_tail(struct conn *c, uint32_t id)
{
	struct slot *s = &c->slots[id];

	s->prev = c->tail;
	s->next = NONE;
	if (c->tail != NONE)
		c->slots[c->tail].next = id;
	else
		c->head = id;
	c->tail = id;
	c->inflight++;
}

static void unlink_slot(struct conn *c, uint32_t id)
{
	struct slot *s = &c->slots[id];

	if (s->prev != NONE)
		c->slots[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next != NONE)
		c->slots[s->next].prev = s->prev;
	else
		c->tail = s->prev;
	c->inflight--;
}

static void push_id(struct conn *c, uint32_t id)
{
	c->free_ids[(c->free_head + c->free_count) & (ID_SPACE - 1)] = (uint16_t)id;
	c->free_count++;
}

static uint32_t pop_id(struct conn *c)
{
	uint32_t id = c->free_ids[c->free_head];

	c->free_head = (c->free_head + 1) & (ID_SPACE - 1);
	c->free_count--;
	return id;
}

/* Send k queries on c (k <= batch and <= free IDs). Returns how many the
 * kernel took; the IDs of the rest go back to the front of the ring. */
static unsigned send_batch(struct worker *w, struct conn *c, unsigned k, uint64_t now)
{
	const struct bench_queries *q = w->run->q;
	int sent;

	for (unsigned i = 0; i < k; i++) {
		uint32_t id = pop_id(c), qi = (uint32_t)w->next_query;
		uint8_t *h = w->hdr[i];

		if (++w->next_query == q->n)
			w->next_query = 0;
		w->ids[i] = (uint16_t)id;
		c->slots[id].query = qi;
		c->slots[id].sent_ns = now;
		/* ID, flags 0 (standard query, RD clear: DNSBL servers are
		 * authoritative), QDCOUNT 1; the other counts stay 0 */
		h[0] = (uint8_t)(id >> 8);
		h[1] = (uint8_t)id;
		w->siov[2 * i + 1].iov_base = q->wire + q->off[qi];
		w->siov[2 * i + 1].iov_len = q->qlen[qi];
	}
	sent = sendmmsg(c->fd, w->smsg, k, 0);
	if (sent < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			c->send_blocked = true;
		else if (errno != EINTR)
			w->t.send_errors++; /* e.g. ECONNREFUSED from an earlier ICMP */
		sent = 0;
	} else if ((unsigned)sent < k) {
		c->send_blocked = true;
	}
	for (int i = 0; i < sent; i++) {
		c->slots[w->ids[i]].state = SLOT_INFLIGHT;
		link_tail(c, w->ids[i]);
	}
	if ((unsigned)sent < k) {
		unsigned back = k - (unsigned)sent;

		c->free_head = (c->free_head - back) & (ID_SPACE - 1);
		c->free_count += back;
		w->next_query = (w->next_query + q->n - back % q->n) % q->n;
	}
	w->t.sent += (uint64_t)sent;
	return (unsigned)sent;
}

static void expire(struct worker *w, struct conn *c, uint64_t now)
{
	while (c->head != NONE && c->slots[c->head].sent_ns + w->timeout_ns <= now) {
		uint32_t id = c->head;

		unlink_slot(c, id);
		c->slots[id].state = SLOT_EXPIRED;
		push_id(c, id);
		w->t.lost++;
	}
}

/* Does the reply repeat the question? Servers echo the query name's case,
 * but a 0x20-randomising middlebox might not, so fall back to an ASCII
 * case-insensitive compare (label length bytes are <= 63, never letters). */
static bool same_question(const uint8_t *p, size_t len, const uint8_t *qw, size_t ql)
{
	if (len < 12 + ql || p[4] != 0 || p[5] != 1)
		return false;
	p += 12;
	if (memcmp(p, qw, ql) == 0)
		return true;
	for (size_t i = 0; i + 4 < ql; i++) {
		uint8_t a = p[i], b = qw[i];

		if (a >= 'A' && a <= 'Z')
			a |= 0x20;
		if (b >= 'A' && b <= 'Z')
			b |= 0x20;
		if (a != b)
			return false;
	}
	return memcmp(p + ql - 4, qw + ql - 4, 4) == 0;
}

static void handle_reply(struct worker *w, struct conn *c, const uint8_t *p, size_t len,
                         uint64_t now)
{
	const struct bench_queries *q = w->run->q;
	struct slot *s;
	uint32_t id;
	uint64_t lat;

	if (len < 12 || !(p[2] & 0x80)) {
		w->t.malformed++;
		return;
	}
	id = (uint32_t)p[0] << 8 | p[1];
	s = &c->slots[id];
	if (s->state == SLOT_FREE) {
		w->t.unexpected++;
		return;
	}
	if (!same_question(p, len, q->wire + q->off[s->query], q->qlen[s->query])) {
		w->t.mismatched++;
		return;
	}
	if (s->state == SLOT_EXPIRED) {
		w->t.late++;
		s->state = SLOT_FREE; /* a duplicate now counts as unexpected */
		return;
	}
	lat = now - s->sent_ns;
	unlink_slot(c, id);
	s->state = SLOT_FREE;
	push_id(c, id);
	if (lat >= w->timeout_ns) {
		/* past its deadline, just not yet expired by the loop: lost,
		 * and its answer late, exactly as if expiry had run first */
		w->t.late++;
		w->t.lost++;
		return;
	}
	w->t.answered++;
	w->t.answered_in_window += w->sending;
	w->t.rcode[p[3] & 15]++;
	w->t.truncated += (p[2] & 0x02) != 0;
	bench_hist_record(&w->t.hist, lat);
}

/* Receive what is queued on c, up to MAX_BATCHES_PER_TURN batches. */
static unsigned recv_conn(struct worker *w, struct conn *c)
{
	unsigned batch = w->run->o->batch, total = 0;

	for (int round = 0; round < MAX_BATCHES_PER_TURN; round++) {
		int n = recvmmsg(c->fd, w->rmsg, batch, MSG_DONTWAIT, NULL);
		uint64_t now;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno != EINTR)
				w->t.recv_errors++; /* ECONNREFUSED: server port closed */
			continue;
		}
		now = bench_now_ns();
		for (int i = 0; i < n; i++)
			handle_reply(w, c, w->rbuf + (size_t)i * RBUF, w->rmsg[i].msg_len, now);
		total += (unsigned)n;
		if ((unsigned)n < batch)
			break;
	}
	return total;
}

static uint32_t inflight_total(const struct worker *w)
{
	uint32_t n = 0;

	for (size_t i = 0; i < w->n_conns; i++)
		n += w->conns[i].inflight;
	return n;
}

/* Closed loop: top up to the target. Open loop: send what the schedule
 * says is due by now; *next_due gets the time the next query is due.
 * Returns the number sent. */
static unsigned send_due(struct worker *w, uint64_t now, uint64_t *issued, uint64_t *next_due)
{
	unsigned batch = w->run->o->batch, total = 0;
	uint64_t want;

	if (w->run->o->mode == BENCH_CLOSED) {
		uint32_t in = inflight_total(w);

		want = in < w->target ? w->target - in : 0;
	} else {
		uint64_t due = (uint64_t)((double)(now - w->t0) * w->rate / 1e9);

		want = due > *issued ? due - *issued : 0;
	}
	for (int round = 0; round < MAX_BATCHES_PER_TURN && want; round++) {
		struct conn *c = &w->conns[w->rr];
		unsigned k = want < batch ? (unsigned)want : batch, s = 0, avail = k;

		w->rr = (w->rr + 1) % w->n_conns;
		if (avail > c->free_count)
			avail = c->free_count;
		if (avail)
			s = send_batch(w, c, avail, now);
		if (w->run->o->mode == BENCH_OPEN && avail < k) {
			/* every ID of this socket is in flight: drop what is due
			 * rather than fall behind the schedule forever */
			w->t.skipped += k - avail;
			*issued += k - avail;
		}
		*issued += s;
		total += s;
		want -= s + (k - avail);
		if (s < avail)
			break; /* socket buffer full or error: retry next turn */
	}
	if (w->run->o->mode == BENCH_OPEN)
		*next_due = w->t0 + (uint64_t)((double)(*issued + 1) * 1e9 / w->rate);
	return total;
}

static void wait_io(struct worker *w, uint64_t now, uint64_t wake)
{
	struct timespec ts;

	for (size_t i = 0; i < w->n_conns; i++) {
		struct conn *c = &w->conns[i];

		if (c->head != NONE && c->slots[c->head].sent_ns + w->timeout_ns < wake)
			wake = c->slots[c->head].sent_ns + w->timeout_ns;
		w->pfd[i].fd = c->fd;
		w->pfd[i].events = (short)(POLLIN | (c->send_blocked ? POLLOUT : 0));
		w->pfd[i].revents = 0;
	}
	if (wake > now + MAX_WAIT_NS)
		wake = now + MAX_WAIT_NS;
	if (wake <= now)
		return;
	ts.tv_sec = (time_t)((wake - now) / 1000000000ull);
	ts.tv_nsec = (long)((wake - now) % 1000000000ull);
	if (ppoll(w->pfd, w->n_conns, &ts, NULL) > 0)
		for (size_t i = 0; i < w->n_conns; i++)
			if (w->pfd[i].revents & (POLLOUT | POLLERR))
				w->conns[i].send_blocked = false;
}

static void publish(struct worker *w)
{
	__atomic_store_n(&w->pub.sent, w->t.sent, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.answered, w->t.answered, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.lost, w->t.lost, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.late, w->t.late, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench_opts *o = w->run->o;
	uint64_t now = bench_now_ns(), send_end, drain_end = 0, issued = 0, next_due = 0;

	/* precise ppoll wake-ups for open-loop pacing (default slack 50 us) */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	w->t0 = now;
	send_end = now + (uint64_t)(o->duration_s * 1e9);
	w->sending = true;
	for (;;) {
		unsigned did = 0, got = 0;

		now = bench_now_ns();
		if (w->sending &&
		    (now >= send_end || __atomic_load_n(&w->run->stop, __ATOMIC_RELAXED))) {
			w->sending = false;
			w->t_send_end = now;
			drain_end = now + w->timeout_ns;
		}
		if (!w->sending && (inflight_total(w) == 0 || now >= drain_end))
			break;
		for (size_t i = 0; i < w->n_conns; i++)
			expire(w, &w->conns[i], now);
		for (size_t i = 0; i < w->n_conns; i++)
			got += recv_conn(w, &w->conns[i]);
		if (w->sending)
			did = send_due(w, now, &issued, &next_due);
		publish(w);
		if (did || got)
			continue;
		uint64_t wake = w->sending ? send_end : drain_end;

		if (w->sending && o->mode == BENCH_OPEN && next_due < wake)
			wake = next_due;
		wait_io(w, now, wake);
	}
	/* drain ended with queries still out: they are lost */
	w->t.lost += inflight_total(w);
	w->t_end = bench_now_ns();
	publish(w);
	__atomic_store_n(&w->pub.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int worker_init(struct worker *w, struct bench_run *r, unsigned idx, char *err,
                       size_t errlen)
{
	const struct bench_opts *o = r->o;
	unsigned b = o->batch;
	int rc;

	w->run = r;
	w->timeout_ns = (uint64_t)o->timeout_ms * 1000000ull;
	w->target = o->outstanding / r->n + (idx < o->outstanding % r->n);
	w->rate = o->rate / r->n;
	w->next_query = (size_t)((uint64_t)idx * r->q->n / r->n);
	bench_hist_init(&w->t.hist);
	w->conns = calloc(o->n_servers, sizeof *w->conns);
	w->hdr = calloc(b, sizeof *w->hdr);
	w->ids = calloc(b, sizeof *w->ids);
	w->siov = calloc(2 * (size_t)b, sizeof *w->siov);
	w->smsg = calloc(b, sizeof *w->smsg);
	w->rbuf = malloc((size_t)b * RBUF);
	w->riov = calloc(b, sizeof *w->riov);
	w->rmsg = calloc(b, sizeof *w->rmsg);
	w->pfd = calloc(o->n_servers, sizeof *w->pfd);
	if (!w->conns || !w->hdr || !w->ids || !w->siov || !w->smsg || !w->rbuf || !w->riov ||
	    !w->rmsg || !w->pfd) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->n_servers; i++)
		w->conns[i].fd = -1;
	for (size_t i = 0; i < o->n_servers; i++) {
		rc = conn_open(&w->conns[i], &o->servers[i], err, errlen);
		if (rc < 0)
			return rc;
		w->n_conns++;
	}
	for (unsigned i = 0; i < b; i++) {
		w->hdr[i][5] = 1; /* QDCOUNT */
		w->siov[2 * i].iov_base = w->hdr[i];
		w->siov[2 * i].iov_len = 12;
		w->smsg[i].msg_hdr.msg_iov = &w->siov[2 * i];
		w->smsg[i].msg_hdr.msg_iovlen = 2;
		w->riov[i].iov_base = w->rbuf + (size_t)i * RBUF;
		w->riov[i].iov_len = RBUF;
		w->rmsg[i].msg_hdr.msg_iov = &w->riov[i];
		w->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

int bench_run_create(struct bench_run **out, const struct bench_opts *o,
                     const struct bench_queries *q, char *err, size_t errlen)
{
	struct bench_run *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r || !q->n) {
		free(r);
		snprintf(err, errlen, q->n ? "out of memory" : "no queries");
		return q->n ? -ENOMEM : -EINVAL;
	}
	r->o = o;
	r->q = q;
	r->n = o->threads;
	r->w = calloc(r->n, sizeof *r->w);
	if (!r->w) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < r->n; i++) {
		/* aligned so each thread's published counters own their cache
		 * line */
		if (posix_memalign((void **)&r->w[i], 64, sizeof *r->w[i]) != 0) {
			snprintf(err, errlen, "out of memory");
			bench_run_free(r);
			return -ENOMEM;
		}
		memset(r->w[i], 0, sizeof *r->w[i]);
		rc = worker_init(r->w[i], r, i, err, errlen);
		if (rc < 0) {
			bench_run_free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

int bench_run_start(struct bench_run *r, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc = 0;

	/* workers inherit a mask blocking the signals: SIGINT/SIGTERM go to
	 * the main thread, which asks the workers to stop */
	sigemptyset(&all);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < r->n; i++) {
		rc = pthread_create(&r->w[i]->tid, NULL, worker_main, r->w[i]);
		if (rc) {
			snprintf(err, errlen, "pthread_create: %s", strerror(rc));
			bench_run_stop(r);
			rc = -rc;
			break;
		}
		r->w[i]->joinable = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void bench_run_stop(struct bench_run *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
}

void bench_run_progress(const struct bench_run *r, struct bench_progress *p)
{
	memset(p, 0, sizeof *p);
	for (unsigned i = 0; i < r->n; i++) {
		const struct pub *u = &r->w[i]->pub;

		p->sent += __atomic_load_n(&u->sent, __ATOMIC_RELAXED);
		p->answered += __atomic_load_n(&u->answered, __ATOMIC_RELAXED);
		p->lost += __atomic_load_n(&u->lost, __ATOMIC_RELAXED);
		p->late += __atomic_load_n(&u->late, __ATOMIC_RELAXED);
		p->running += r->w[i]->joinable && !__atomic_load_n(&u->done, __ATOMIC_ACQUIRE);
	}
}

void bench_run_finish(struct bench_run *r, struct bench_totals *t)
{
	memset(t, 0, sizeof *t);
	bench_hist_init(&t->hist);
	for (unsigned i = 0; i < r->n; i++) {
		struct worker *w = r->w[i];
		const struct bench_totals *s = &w->t;

		if (!w->joinable)
			continue;
		pthread_join(w->tid, NULL);
		w->joinable = false;
		t->sent += s->sent;
		t->answered += s->answered;
		t->answered_in_window += s->answered_in_window;
		t->lost += s->lost;
		t->late += s->late;
		t->mismatched += s->mismatched;
		t->unexpected += s->unexpected;
		t->malformed += s->malformed;
		t->truncated += s->truncated;
		t->skipped += s->skipped;
		t->send_errors += s->send_errors;
		t->recv_errors += s->recv_errors;
		for (int k = 0; k < 16; k++)
			t->rcode[k] += s->rcode[k];
		bench_hist_merge(&t->hist, &s->hist);
		double send_s = (double)(w->t_send_end - w->t0) / 1e9;
		double drain_s = (double)(w->t_end - w->t_send_end) / 1e9;

		if (send_s > t->send_s)
			t->send_s = send_s;
		if (drain_s > t->drain_s)
			t->drain_s = drain_s;
	}
}

void bench_run_free(struct bench_run *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n && r->w; i++) {
		struct worker *w = r->w[i];

		if (!w)
			continue;
		if (w->joinable) {
			bench_run_stop(r);
			pthread_join(w->tid, NULL);
		}
		for (size_t k = 0; w->conns && k < r->o->n_servers; k++) {
			if (w->conns[k].fd >= 0)
				close(w->conns[k].fd);
			free(w->conns[k].slots);
			free(w->conns[k].free_ids);
		}
		free(w->conns);
		free(w->hdr);
		free(w->ids);
		free(w->siov);
		free(w->smsg);
		free(w->rbuf);
		free(w->riov);
		free(w->rmsg);
		free(w->pfd);
		free(w);
	}
	free(r->w);
	free(r);
}
