/* dnsd_tcp.c - TCP front end (see dnsd_tcp.h for framing and limits). */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dnsd_server.h"
#include "dnsd_tcp.h"
#include "dnsd_worker.h"

#define TCP_BUF     (2 + DNSD_MSG_MAX) /* one framed message of the largest size */
#define TCP_BACKLOG 128                /* accept queue; the cap is --tcp-max */

struct dnsd_tcp_conn {
	uv_tcp_t h;
	uv_timer_t idle;
	uv_write_t wreq;
	struct dnsd_tcp *t;
	struct dnsd_tcp_conn *prev, *next;
	struct sockaddr_storage peer;
	unsigned open_handles; /* handles whose close callback is still due */
	bool closing;
	bool reading;
	bool writing; /* wbuf is owned by libuv until on_write */
	bool eof;     /* client shut down its sending side */
	size_t rlen;  /* bytes received into rbuf */
	size_t rpos;  /* bytes of rbuf already consumed */
	/* Buffers last: only the header is initialised at accept, so the
	 * kernel maps buffer pages only when traffic touches them. */
	uint8_t rbuf[TCP_BUF];
	uint8_t wbuf[TCP_BUF];
};

static void conn_process(struct dnsd_tcp_conn *c);

static void on_conn_closed(uv_handle_t *h)
{
	struct dnsd_tcp_conn *c = h->data;

	if (--c->open_handles == 0)
		free(c);
}

static void conn_close(struct dnsd_tcp_conn *c, const char *why)
{
	struct dnsd_tcp *t = c->t;
	char a[80];

	if (c->closing)
		return;
	c->closing = true;
	if (dbl_log_enabled(DBL_LOG_DEBUG))
		dbl_log(DBL_LOG_DEBUG, "tcp %s: close (%s)",
		        dnsd_addr_str((struct sockaddr *)&c->peer, a, sizeof a), why);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->nconns--;
	/* uv_close cancels a pending write (on_write sees UV_ECANCELED)
	 * before the close callbacks run, so wbuf stays valid until then. */
	uv_close((uv_handle_t *)&c->h, on_conn_closed);
	uv_close((uv_handle_t *)&c->idle, on_conn_closed);
}

static void on_idle(uv_timer_t *tm)
{
	struct dnsd_tcp_conn *c = tm->data;

	c->t->w->st.tcp_timeouts++;
	conn_close(c, "idle timeout");
}

static void idle_restart(struct dnsd_tcp_conn *c)
{
	uv_timer_start(&c->idle, on_idle, (uint64_t)c->t->w->srv->opts->tcp_idle * 1000, 0);
}

static void on_write(uv_write_t *req, int status)
{
	struct dnsd_tcp_conn *c = req->data;
	struct dnsd_stats *st = &c->t->w->st;

	c->writing = false;
	if (status < 0) {
		st->dropped++;
		st->send_failed++;
		conn_close(c, uv_strerror(status));
		return;
	}
	st->answered++;
	if (c->closing)
		return;
	idle_restart(c);
	conn_process(c);
}

/* Send the response of n bytes already in wbuf+2. Fast path: the kernel
 * takes it all at once (uv_try_write, no request). Otherwise the rest is
 * queued with the connection's single write request and conn_process()
 * pauses until on_write. */
static void send_answer(struct dnsd_tcp_conn *c, int n)
{
	struct dnsd_stats *st = &c->t->w->st;
	size_t len = (size_t)n + 2, off;
	uv_buf_t b;
	int rc;

	c->wbuf[0] = (uint8_t)(n >> 8);
	c->wbuf[1] = (uint8_t)n;
	b = uv_buf_init((char *)c->wbuf, (unsigned)len);
	rc = uv_try_write((uv_stream_t *)&c->h, &b, 1);
	if (rc >= 0 && (size_t)rc == len) {
		st->answered++;
		return;
	}
	if (rc < 0 && rc != UV_EAGAIN) {
		st->dropped++;
		st->send_failed++;
		conn_close(c, uv_strerror(rc));
		return;
	}
	off = rc > 0 ? (size_t)rc : 0;
	b = uv_buf_init((char *)c->wbuf + off, (unsigned)(len - off));
	c->wreq.data = c;
	rc = uv_write(&c->wreq, (uv_stream_t *)&c->h, &b, 1, on_write);
	if (rc < 0) {
		st->dropped++;
		st->send_failed++;
		conn_close(c, uv_strerror(rc));
		return;
	}
	c->writing = true;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct dnsd_tcp_conn *c = h->data;

	/* 0 bytes free makes libuv report UV_ENOBUFS, which closes the
	 * connection; conn_process() guarantees it cannot happen (a full
	 * buffer always holds a complete message). */
	buf->base = (char *)c->rbuf + c->rlen;
	buf->len = TCP_BUF - c->rlen;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct dnsd_tcp_conn *c = st->data;

	if (nread > 0) {
		c->rlen += (size_t)nread;
		conn_process(c);
	} else if (nread == UV_EOF) {
		/* Half close: answer what is complete, then close. */
		c->eof = true;
		c->reading = false;
		conn_process(c);
	} else if (nread < 0) {
		conn_close(c, uv_strerror((int)nread));
	}
}

/* Answer every complete message in rbuf, in order, one write at a time,
 * then decide whether to read more, wait for a write, or close. */
static void conn_process(struct dnsd_tcp_conn *c)
{
	struct dnsd_worker *w = c->t->w;

	while (!c->writing && !c->closing) {
		size_t avail = c->rlen - c->rpos, mlen;
		const uint8_t *m = c->rbuf + c->rpos;
		int n;

		if (avail < 2)
			break;
		mlen = (size_t)m[0] << 8 | m[1];
		if (avail < 2 + mlen)
			break;
		c->rpos += 2 + mlen;
		idle_restart(c); /* a complete query: the client is alive */
		n = dnsd_worker_answer(w, m + 2, mlen, c->wbuf + 2, DNSD_MSG_MAX, true,
		                       (const struct sockaddr *)&c->peer);
		if (n > 0)
			send_answer(c, n);
	}
	if (c->closing)
		return;
	if (c->rpos) {
		/* Keep the partial message at the start of rbuf: at most one
		 * memmove per read, of less than one message. */
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->eof) {
		if (!c->writing)
			conn_close(c, c->rlen ? "eof inside a message" : "eof");
		return;
	}
	if (c->writing && c->reading) {
		uv_read_stop((uv_stream_t *)&c->h);
		c->reading = false;
	} else if (!c->writing && !c->reading) {
		int rc = uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read);
		if (rc) {
			conn_close(c, uv_strerror(rc));
			return;
		}
		c->reading = true;
	}
}

static void on_reject_closed(uv_handle_t *h)
{
	struct dnsd_tcp *t = h->data;

	if (h == (uv_handle_t *)&t->spare)
		t->spare_busy = false;
	else
		free(h);
}

/* Take the pending connection off the listener and close it at once. */
static void reject(struct dnsd_tcp_listener *l, const char *why)
{
	struct dnsd_tcp *t = l->t;
	struct dnsd_worker *w = t->w;
	uv_tcp_t *h = malloc(sizeof *h);

	w->st.tcp_refused++;
	if (!h) {
		if (t->spare_busy) {
			dbl_log(DBL_LOG_ERR, "tcp: out of memory, listener paused");
			return;
		}
		t->spare_busy = true;
		h = &t->spare;
	}
	if (uv_tcp_init(w->loop, h) != 0) {
		if (h == &t->spare)
			t->spare_busy = false;
		else
			free(h);
		dbl_log(DBL_LOG_ERR, "tcp: cannot refuse a connection, listener paused");
		return;
	}
	h->data = t;
	uv_accept((uv_stream_t *)&l->h, (uv_stream_t *)h);
	uv_close((uv_handle_t *)h, on_reject_closed);
	if (dnsd_ratelimit(w->loop, &t->log_last, 10))
		dbl_log(DBL_LOG_INFO, "tcp: refusing connections: %s (%llu refused so far)", why,
		        (unsigned long long)w->st.tcp_refused);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct dnsd_tcp_listener *l = server->data;
	struct dnsd_tcp *t = l->t;
	struct dnsd_worker *w = t->w;
	struct dnsd_server *s = w->srv;
	struct dnsd_tcp_conn *c;
	int len = sizeof c->peer, rc;
	char a[80];

	if (status < 0) {
		if (dnsd_ratelimit(w->loop, &t->log_last, 10))
			dbl_log(DBL_LOG_WARNING, "tcp accept: %s", uv_strerror(status));
		return;
	}
	if (s->stopping || t->nconns >= s->opts->tcp_max) {
		reject(l, s->stopping ? "stopping" : "--tcp-max reached");
		return;
	}
	c = malloc(sizeof *c);
	if (!c) {
		reject(l, "out of memory");
		return;
	}
	memset(c, 0, offsetof(struct dnsd_tcp_conn, rbuf));
	c->t = t;
	if (uv_tcp_init(w->loop, &c->h) != 0) {
		free(c);
		reject(l, "cannot create a socket handle");
		return;
	}
	uv_timer_init(w->loop, &c->idle); /* cannot fail: it only fills the struct */
	c->h.data = c;
	c->idle.data = c;
	c->open_handles = 2;
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
	t->nconns++;
	rc = uv_accept(server, (uv_stream_t *)&c->h);
	if (rc == 0)
		rc = uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer, &len);
	if (rc) {
		conn_close(c, uv_strerror(rc));
		return;
	}
	w->st.tcp_accepted++;
	uv_tcp_nodelay(&c->h, 1); /* each response is one write: send it now */
	if (dbl_log_enabled(DBL_LOG_DEBUG))
		dbl_log(DBL_LOG_DEBUG, "tcp %s: connected (%u open)",
		        dnsd_addr_str((struct sockaddr *)&c->peer, a, sizeof a), t->nconns);
	idle_restart(c);
	conn_process(c); /* starts reading */
}

int dnsd_tcp_socket(const struct sockaddr_storage *addr)
{
	socklen_t len =
	    addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int one = 1, fd, rc;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		goto fail;
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, TCP_BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

int dnsd_tcp_adopt(struct dnsd_tcp *t, struct dnsd_worker *w, int fd)
{
	struct dnsd_tcp_listener *l;
	int rc;

	if (t->n == DNSD_LISTEN_MAX) {
		close(fd);
		return UV_ENOBUFS;
	}
	t->w = w;
	l = &t->l[t->n];
	rc = uv_tcp_init(w->loop, &l->h);
	if (rc) {
		close(fd);
		return rc;
	}
	t->n++; /* initialised: dnsd_tcp_stop must close it */
	l->h.data = l;
	l->t = t;
	rc = uv_tcp_open(&l->h, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	return uv_listen((uv_stream_t *)&l->h, TCP_BACKLOG, on_connection);
}

void dnsd_tcp_stop(struct dnsd_tcp *t)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!uv_is_closing((uv_handle_t *)&t->l[i].h))
			uv_close((uv_handle_t *)&t->l[i].h, NULL);
	while (t->conns)
		conn_close(t->conns, "server stopping");
}
