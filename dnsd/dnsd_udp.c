/* dnsd_udp.c - UDP front end (see dnsd_udp.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dbl_db.h"
#include "dbl_ip4idx.h"
#include "dbl_log.h"
#include "dbl_query.h"
#include "dnsd_server.h"
#include "dnsd_udp.h"
#include "dnsd_worker.h"

static socklen_t addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Socket buffers of DNSD_UDP_SOCKBUF: the default (net.core.rmem_default,
 * 208 KiB) holds a few hundred queries, which a busy core's scheduling
 * delay of a few milliseconds overflows at 100k qps; the kernel then drops
 * queries we never see. The *FORCE variants pass net.core.rmem_max when
 * we have CAP_NET_ADMIN; otherwise the kernel caps the plain request at
 * that maximum. A limit, not an allocation: memory is only used by queued
 * packets. */
static void set_buffers(int fd)
{
	int sz = DNSD_UDP_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

int dnsd_udp_socket(struct sockaddr_storage *addr, bool reuseport)
{
	socklen_t len = addr_len(addr->ss_family);
	int one = 1, fd, rc;

	fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
		goto fail;
	set_buffers(fd);
	if (bind(fd, (const struct sockaddr *)addr, len) != 0)
		goto fail;
	len = sizeof *addr;
	if (getsockname(fd, (struct sockaddr *)addr, &len) != 0)
		goto fail;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

/* Every read of every socket of the thread goes into the thread's one
 * buffer: libuv delivers all datagrams of a recvmmsg call (and the final
 * UV_UDP_MMSG_FREE) before it asks for a buffer again, and we answer each
 * datagram synchronously. */
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct dnsd_udp_sock *us = h->data;

	buf->base = (char *)us->w->udp.rbuf;
	buf->len = sizeof us->w->udp.rbuf;
}

/* Queue the reply in slot u->nout (its bytes are already there). */
static void queue_reply(struct dnsd_udp *u, int fd, const struct sockaddr *peer, int n)
{
	unsigned i = u->nout++;
	socklen_t plen = addr_len(peer->sa_family);

	memcpy(&u->peers[i], peer, plen);
	u->iov[i].iov_base = u->resp[i];
	u->iov[i].iov_len = (size_t)n;
	memset(&u->msgs[i], 0, sizeof u->msgs[i]);
	u->msgs[i].msg_hdr.msg_name = &u->peers[i];
	u->msgs[i].msg_hdr.msg_namelen = plen;
	u->msgs[i].msg_hdr.msg_iov = &u->iov[i];
	u->msgs[i].msg_hdr.msg_iovlen = 1;
	u->out_fd = fd;
}

/* A datagram cut to its slot (cannot happen with 64 KiB slots) or an
 * empty one: malformed, counted like any dropped request. */
static void count_unreadable(struct dnsd_worker *w)
{
	w->st.queries++;
	w->st.dropped++;
	w->st.malformed++;
	dnsd_metrics_drop_malformed(&w->m);
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
	struct dnsd_udp_sock *us = h->data;
	struct dnsd_worker *w = us->w;
	struct dnsd_udp *u = &w->udp;
	int n;

	if (flags & UV_UDP_MMSG_FREE) {
		/* End of one recvmmsg batch: send its replies together. */
		w->st.batches++;
		dnsd_worker_batch_end(w);
		return;
	}
	if (nread == 0 && !addr) {
		dnsd_worker_batch_end(w); /* libuv: nothing more to read */
		return;
	}
	if (nread < 0) {
		dnsd_worker_batch_end(w);
		if (dnsd_ratelimit(w->loop, &u->log_last, 10))
			dbl_log(DBL_LOG_WARNING, "udp receive: %s", uv_strerror((int)nread));
		return;
	}
	if (w->stopping || !addr)
		return;
	if (!(flags & UV_UDP_MMSG_CHUNK)) {
		/* recvmmsg unavailable (very old kernel): libuv falls back to
		 * one recvmsg per datagram and never sends MMSG_FREE, so every
		 * datagram is a batch of one. */
		w->st.batches++;
	}
	if (flags & UV_UDP_PARTIAL || nread == 0) {
		count_unreadable(w);
		return;
	}
	/* One batch, one socket: flush first if the slots are full or the
	 * replies pending belong to another socket (neither happens with
	 * libuv's batching; kept as a guard). */
	if (u->nout && (u->nout == DNSD_UDP_BATCH || u->out_fd != us->fd))
		dnsd_udp_flush(w);
	n = dnsd_worker_answer(w, (const uint8_t *)buf->base, (size_t)nread, u->resp[u->nout],
	                       sizeof u->resp[0], false, addr);
	if (n > 0)
		queue_reply(u, us->fd, addr, n);
	if (!(flags & UV_UDP_MMSG_CHUNK))
		dnsd_worker_batch_end(w);
}

static void send_failed(struct dnsd_worker *w, int err)
{
	w->st.dropped++;
	w->st.send_failed++;
	/* EAGAIN/ENOBUFS: the socket send buffer is full under load. Queueing
	 * would need a copy per reply and an unbounded queue; the client
	 * retries. Anything else is worth a (rate-limited) line. */
	if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS &&
	    dnsd_ratelimit(w->loop, &w->udp.log_last, 10))
		dbl_log(DBL_LOG_WARNING, "udp send: %s", strerror(err));
}

void dnsd_udp_flush(struct dnsd_worker *w)
{
	struct dnsd_udp *u = &w->udp;
	unsigned n = u->nout, sent = 0;
	int rc;

	if (n == 0)
		return;
	u->nout = 0;
	do
		rc = sendmmsg(u->out_fd, u->msgs, n, MSG_DONTWAIT);
	while (rc < 0 && errno == EINTR);
	if (rc > 0)
		sent = (unsigned)rc;
	w->st.answered += sent;
	/* Partial send: sendmmsg(2) stops at the first message the kernel
	 * refused and does not report why; send the rest one by one so one
	 * bad destination does not cost the others their answers. */
	for (unsigned i = sent; i < n; i++) {
		const struct msghdr *m = &u->msgs[i].msg_hdr;
		ssize_t r;

		do
			r = sendto(u->out_fd, u->iov[i].iov_base, u->iov[i].iov_len, MSG_DONTWAIT,
			           m->msg_name, m->msg_namelen);
		while (r < 0 && errno == EINTR);
		if (r >= 0)
			w->st.answered++;
		else
			send_failed(w, errno);
	}
}

/* ---- blocking mode ---- */

static int adopt_blocking(struct dnsd_udp *u, int fd)
{
	struct timeval tv = {0, DNSD_UDP_IDLE_MS * 1000};
	int fl = fcntl(fd, F_GETFL);

	if (u->bfd >= 0) {
		close(fd);
		return UV_EINVAL; /* one socket per blocking thread */
	}
	/* Blocking reads (sendmmsg passes MSG_DONTWAIT: replies never wait). */
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	u->bfd = fd;
	for (unsigned i = 0; i < DNSD_UDP_BATCH; i++) {
		u->riov[i].iov_base = u->rbuf + (size_t)i * DNSD_UDP_SLOT;
		u->riov[i].iov_len = DNSD_UDP_SLOT;
		memset(&u->rmsgs[i], 0, sizeof u->rmsgs[i]);
		u->rmsgs[i].msg_hdr.msg_name = &u->rpeers[i];
		u->rmsgs[i].msg_hdr.msg_namelen = sizeof u->rpeers[i];
		u->rmsgs[i].msg_hdr.msg_iov = &u->riov[i];
		u->rmsgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

/* Idle (receive timeout) or interrupted: move to a newly published
 * generation, as on_wake does for the libuv mode. */
static void idle(struct dnsd_worker *w)
{
	dnsd_reader_begin(&w->reader);
	dnsd_reader_end(&w->reader);
}

/* Prefetch hints over a batch of r datagrams before it is answered: the
 * IPv4 index's directory words of every DNSBL query, then their records,
 * so the batch's cache misses overlap (at capacity the index search was
 * the largest user-space item: 5 % of the server's CPU). */
static void prefetch_batch(struct dnsd_worker *w, int r)
{
	struct dnsd_udp *u = &w->udp;
	const struct dbl_rtxn *t = dnsd_worker_batch_begin(w);
	uint32_t addr[DNSD_UDP_BATCH];
	bool ok[DNSD_UDP_BATCH];

	if (!t || !t->db->ip4idx.ready)
		return;
	for (int i = 0; i < r; i++) {
		ok[i] = !(u->rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) &&
		        dbl_query_ip4_hint(u->riov[i].iov_base, u->rmsgs[i].msg_len, &addr[i]) == 0;
		if (ok[i])
			dbl_ip4idx_prefetch(&t->db->ip4idx, addr[i], 0);
	}
	for (int i = 0; i < r; i++)
		if (ok[i])
			dbl_ip4idx_prefetch(&t->db->ip4idx, addr[i], 1);
}

void dnsd_udp_serve(struct dnsd_worker *w)
{
	struct dnsd_udp *u = &w->udp;

	while (!atomic_load(&w->stop_req)) {
		/* Sleeps for the first datagram, then takes what else is
		 * queued without waiting (MSG_WAITFORONE). */
		int r = recvmmsg(u->bfd, u->rmsgs, DNSD_UDP_BATCH, MSG_WAITFORONE, NULL);

		/* Shut down: the read returns 0 bytes, which recvmmsg reports as
		 * one empty datagram. Stopping drops what else came with it, as
		 * the libuv mode does. */
		if (atomic_load(&w->stop_req))
			break;
		if (r <= 0) {
			/* EAGAIN: idle timeout. Anything else (ENOMEM) is logged
			 * and waited out for a millisecond, so a lasting failure
			 * does not spin the core. */
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				int e = errno;
				uv_update_time(w->loop); /* the rate limit's clock */
				if (dnsd_ratelimit(w->loop, &u->log_last, 10))
					dbl_log(DBL_LOG_WARNING, "udp receive: %s", strerror(e));
				usleep(1000);
			}
			idle(w);
			continue;
		}
		w->st.batches++;
		if (r > 1)
			prefetch_batch(w, r);
		for (int i = 0; i < r; i++) {
			struct mmsghdr *m = &u->rmsgs[i];
			const struct sockaddr *peer = &u->rpeers[i].sa;
			int n;

			if ((m->msg_hdr.msg_flags & MSG_TRUNC) || m->msg_len == 0) {
				count_unreadable(w);
			} else {
				n = dnsd_worker_answer(w, u->riov[i].iov_base, m->msg_len,
				                       u->resp[u->nout], sizeof u->resp[0], false,
				                       peer);
				if (n > 0)
					queue_reply(u, u->bfd, peer, n);
			}
			m->msg_hdr.msg_namelen = sizeof u->rpeers[i]; /* the kernel set it */
		}
		dnsd_worker_batch_end(w);
	}
}

void dnsd_udp_interrupt(struct dnsd_udp *u)
{
	/* ENOTCONN for an unconnected UDP socket, but readers are woken and
	 * see the shutdown (Linux inet_shutdown): the result is ignored. */
	if (u->bfd >= 0)
		shutdown(u->bfd, SHUT_RD);
}

void dnsd_udp_close(struct dnsd_udp *u)
{
	if (u->bfd >= 0)
		close(u->bfd);
	u->bfd = -1;
}

/* ---- libuv mode ---- */

int dnsd_udp_adopt(struct dnsd_worker *w, int fd)
{
	struct dnsd_udp *u = &w->udp;
	struct dnsd_udp_sock *us;
	int zero = 0, rc;

	if (u->n == DNSD_LISTEN_MAX) {
		close(fd);
		return UV_ENOBUFS;
	}
	if (w->blocking)
		return adopt_blocking(u, fd);
	us = &u->s[u->n];
	/* AF_UNSPEC: no socket of libuv's own; RECVMMSG: batched reads. */
	rc = uv_udp_init_ex(w->loop, &us->h, AF_UNSPEC | UV_UDP_RECVMMSG);
	if (rc) {
		close(fd);
		return rc;
	}
	u->n++; /* initialised: dnsd_udp_stop must close it */
	us->h.data = us;
	us->w = w;
	us->fd = fd;
	rc = uv_udp_open(&us->h, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	/* uv_udp_open() turns SO_REUSEADDR on (libuv's uv__set_reuse). On
	 * Linux that would let another process bind the same address and
	 * silently take over its traffic (reliability.md section 5): off. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &zero, sizeof zero) != 0)
		return -errno;
	return uv_udp_recv_start(&us->h, on_alloc, on_recv);
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
