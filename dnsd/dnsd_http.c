/* dnsd_http.c - minimal HTTP server for /metrics (see dnsd_http.h). */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_log.h"
#include "dnsd_cli.h"
#include "dnsd_http.h"
#include "dnsd_metrics.h"
#include "dnsd_server.h"

struct dnsd_http_conn {
	uv_tcp_t h;
	uv_timer_t idle;
	uv_write_t wr;
	struct dnsd_http *srv;
	struct dnsd_http_conn *prev, *next;
	unsigned open_handles;
	bool closing, replied;
	char *resp; /* malloc'd reply being written */
	size_t rlen;
	char rbuf[DNSD_HTTP_REQ_MAX];
};

static void on_closed(uv_handle_t *hd)
{
	struct dnsd_http_conn *c = hd->data;

	if (--c->open_handles == 0) {
		free(c->resp);
		free(c);
	}
}

static void conn_close(struct dnsd_http_conn *c)
{
	struct dnsd_http *h = c->srv;

	if (c->closing)
		return;
	c->closing = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nconns--;
	uv_close((uv_handle_t *)&c->h, on_closed);
	uv_close((uv_handle_t *)&c->idle, on_closed);
}

static void on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_written(uv_write_t *req, int status)
{
	struct dnsd_http_conn *c = req->data;

	(void)status;
	/* Everything was sent (or the peer went away): half-close so the
	 * client sees the end of the reply, then close. */
	conn_close(c);
}

/* Queue the reply: status line, headers, then body (may be NULL). */
static void reply(struct dnsd_http_conn *c, int code, const char *reason, const char *ctype,
                  const char *body, size_t blen, bool head_only, const char *extra)
{
	char hdr[512];
	int n;

	c->replied = true;
	uv_read_stop((uv_stream_t *)&c->h);
	n = snprintf(hdr, sizeof hdr,
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n%s\r\n",
	             code, reason, ctype, blen, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof hdr || !(c->resp = malloc((size_t)n + blen))) {
		conn_close(c);
		return;
	}
	memcpy(c->resp, hdr, (size_t)n);
	if (!head_only && blen)
		memcpy(c->resp + n, body, blen);
	uv_buf_t buf = uv_buf_init(c->resp, (unsigned)((size_t)n + (head_only ? 0 : blen)));
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->h, &buf, 1, on_written) != 0)
		conn_close(c);
}

static void reply_text(struct dnsd_http_conn *c, int code, const char *reason, bool head_only,
                       const char *extra)
{
	char body[64];
	int n = snprintf(body, sizeof body, "%d %s\n", code, reason);

	reply(c, code, reason, "text/plain; charset=utf-8", body, (size_t)n, head_only, extra);
}

/* The whole header block is in rbuf[0..end): answer it. */
static void handle_request(struct dnsd_http_conn *c, size_t end)
{
	char *line = c->rbuf, *eol, *method, *target, *version, *q, *save = NULL;
	bool head_only;

	c->srv->requests++;
	c->rbuf[end] = 0;
	eol = strchr(line, '\n');
	if (eol)
		*eol = 0;
	if (eol && eol > line && eol[-1] == '\r')
		eol[-1] = 0;
	method = strtok_r(line, " ", &save);
	target = strtok_r(NULL, " ", &save);
	version = strtok_r(NULL, " ", &save);
	if (!method || !target || !version || strtok_r(NULL, " ", &save) ||
	    strncmp(version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1') ||
	    version[8] || target[0] != '/') {
		reply_text(c, 400, "Bad Request", false, NULL);
		return;
	}
	head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		reply_text(c, 405, "Method Not Allowed", false, "Allow: GET, HEAD\r\n");
		return;
	}
	if ((q = strchr(target, '?')))
		*q = 0;
	if (strcmp(target, "/metrics") != 0) {
		reply_text(c, 404, "Not Found", head_only, NULL);
		return;
	}
	char *body;
	size_t blen;
	if (dnsd_metrics_render(c->srv->srv, &body, &blen) != 0) {
		reply_text(c, 500, "Internal Server Error", head_only, NULL);
		return;
	}
	reply(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, blen, head_only,
	      NULL);
	free(body);
}

static void on_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
	struct dnsd_http_conn *c = hd->data;

	(void)hint;
	/* One byte kept for the terminating NUL of the parser. */
	buf->base = c->rbuf + c->rlen;
	buf->len = sizeof c->rbuf - 1 - c->rlen;
}

/* End of the header block (blank line) in rbuf[0..rlen), or 0. */
static size_t header_end(const struct dnsd_http_conn *c)
{
	for (size_t i = 0; i + 1 < c->rlen; i++) {
		if (c->rbuf[i] == '\n' && c->rbuf[i + 1] == '\n')
			return i + 1;
		if (c->rbuf[i] == '\n' && c->rbuf[i + 1] == '\r' && i + 2 < c->rlen &&
		    c->rbuf[i + 2] == '\n')
			return i + 1;
	}
	return 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct dnsd_http_conn *c = st->data;
	size_t end;

	(void)buf;
	if (c->replied)
		return;
	if (nread < 0 || nread == UV_ENOBUFS) {
		conn_close(c); /* EOF before a complete request, or error */
		return;
	}
	c->rlen += (size_t)nread;
	if ((end = header_end(c)) != 0) {
		handle_request(c, end);
		return;
	}
	if (c->rlen >= sizeof c->rbuf - 1)
		reply_text(c, 431, "Request Header Fields Too Large", false, NULL);
}

static void free_handle(uv_handle_t *hd)
{
	free(hd);
}

static void refuse(uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof *t);

	/* libuv keeps a pending connection until it is accepted: take it
	 * and close it, or close nothing when memory is out (the kernel's
	 * backlog then fills and refuses for us). */
	if (!t)
		return;
	uv_tcp_init(server->loop, t);
	uv_accept(server, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, free_handle);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct dnsd_http *h = server->data;
	struct dnsd_http_conn *c;

	if (status < 0)
		return;
	if (h->nconns >= DNSD_HTTP_CONNS || !(c = malloc(sizeof *c))) {
		h->refused++;
		refuse(server);
		return;
	}
	memset(c, 0, offsetof(struct dnsd_http_conn, rbuf));
	c->srv = h;
	uv_tcp_init(server->loop, &c->h);
	uv_timer_init(server->loop, &c->idle);
	c->h.data = c;
	c->idle.data = c;
	c->open_handles = 2;
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->h) != 0 ||
	    uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read) != 0) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->idle, on_idle, DNSD_HTTP_IDLE_MS, 0);
}

int dnsd_http_start(struct dnsd_http *h, struct dnsd_server *s, const struct sockaddr_storage *addr)
{
	struct sockaddr_storage bound;
	int len = sizeof bound, rc;
	char a[80];

	h->srv = s;
	dnsd_addr_str((const struct sockaddr *)addr, a, sizeof a);
	uv_tcp_init(s->loop, &h->listener);
	h->listening = true;
	h->listener.data = h;
	rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)addr,
	                 addr->ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&h->listener, 16, on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(&h->listener, (struct sockaddr *)&bound, &len);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot serve metrics on %s: %s", a, uv_strerror(rc));
		return rc;
	}
	dnsd_addr_str((const struct sockaddr *)&bound, a, sizeof a);
	dbl_log(DBL_LOG_NOTICE, "metrics on http://%s/metrics", a);
	return 0;
}

void dnsd_http_stop(struct dnsd_http *h)
{
	if (!h->listening)
		return;
	h->listening = false;
	uv_close((uv_handle_t *)&h->listener, NULL);
	while (h->conns)
		conn_close(h->conns);
}
