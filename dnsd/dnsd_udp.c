/* dnsd_udp.c - UDP front end (see dnsd_udp.h). */
#include <string.h>

#include "dbl_log.h"
#include "dnsd_server.h"
#include "dnsd_udp.h"

/* Every read goes into the socket's own buffer: libuv hands datagrams to
 * on_recv one at a time and we answer synchronously, so it is free again
 * before the next alloc. */
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct dnsd_udp_sock *us = h->data;

	buf->base = (char *)us->rbuf;
	buf->len = sizeof us->rbuf;
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
	struct dnsd_udp_sock *us = h->data;
	struct dnsd_server *s = us->srv;
	uv_buf_t out;
	int n, rc;

	if (nread == 0 && !addr)
		return; /* libuv: nothing more to read this round */
	if (nread < 0) {
		if (dnsd_ratelimit(s, &s->udp.log_last, 10))
			dbl_log(DBL_LOG_WARNING, "udp receive: %s", uv_strerror((int)nread));
		return;
	}
	if (s->stopping || !addr)
		return;
	if (flags & UV_UDP_PARTIAL || nread == 0) {
		/* Cannot happen with a 64 KiB buffer; an empty datagram is
		 * malformed. Count it like any dropped request. */
		s->st.queries++;
		s->st.dropped++;
		s->st.malformed++;
		return;
	}
	n = dnsd_server_answer(s, (const uint8_t *)buf->base, (size_t)nread, s->resp,
	                       sizeof s->resp, false, addr);
	if (n <= 0)
		return;
	out = uv_buf_init((char *)s->resp, (unsigned)n);
	rc = uv_udp_try_send(h, &out, 1, addr);
	if (rc == n) {
		s->st.answered++;
		return;
	}
	/* UV_EAGAIN: socket send buffer full under load. Queueing would need
	 * a copy per reply and an unbounded queue; the client retries. */
	s->st.dropped++;
	s->st.send_failed++;
	if (rc != UV_EAGAIN && dnsd_ratelimit(s, &s->udp.log_last, 10))
		dbl_log(DBL_LOG_WARNING, "udp send: %s", uv_strerror(rc < 0 ? rc : UV_EIO));
}

int dnsd_udp_listen(struct dnsd_udp *u, struct dnsd_server *s, struct sockaddr_storage *addr)
{
	struct dnsd_udp_sock *us;
	unsigned flags = 0;
	int len = sizeof *addr;
	int rc;

	if (u->n == DNSD_LISTEN_MAX)
		return UV_ENOBUFS;
	us = &u->s[u->n];
	rc = uv_udp_init(s->loop, &us->h);
	if (rc)
		return rc;
	u->n++; /* initialised: dnsd_udp_stop must close it */
	us->h.data = us;
	us->srv = s;
	/* IPV6ONLY: "[::]" must not also take IPv4 traffic meant for another
	 * --listen. No UV_UDP_REUSEADDR: on Linux it lets a second process
	 * silently steal the port (reliability.md section 5). */
	if (addr->ss_family == AF_INET6)
		flags |= UV_UDP_IPV6ONLY;
	rc = uv_udp_bind(&us->h, (const struct sockaddr *)addr, flags);
	if (rc == 0)
		rc = uv_udp_getsockname(&us->h, (struct sockaddr *)addr, &len);
	if (rc == 0)
		rc = uv_udp_recv_start(&us->h, on_alloc, on_recv);
	return rc;
}

void dnsd_udp_stop(struct dnsd_udp *u)
{
	for (unsigned i = 0; i < u->n; i++) {
		uv_handle_t *h = (uv_handle_t *)&u->s[i].h;
		if (!uv_is_closing(h)) {
			uv_udp_recv_stop(&u->s[i].h);
			uv_close(h, NULL);
		}
	}
}
