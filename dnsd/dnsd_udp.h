/* dnsd_udp.h - UDP front end of one server thread: batched receive
 * (recvmmsg) and batched replies (one sendmmsg per receive batch), in one
 * of two modes (--udp-io, dnsd_worker.h):
 *  - blocking: the thread's one socket is a blocking socket and the thread
 *    sleeps in recvmmsg(MSG_WAITFORONE) on it (dnsd_udp_serve): one system
 *    call per wake-up, as the udp-echo floor (bench/udp_echo.c) does;
 *  - libuv: one socket per listen address on the thread's event loop,
 *    read by libuv's UV_UDP_RECVMMSG (epoll_wait, then recvmmsg until it
 *    returns EAGAIN: three system calls per wake-up at low rates).
 *
 * Sockets are created here (socket/setsockopt/bind), not by libuv, so that
 * every thread can bind its own socket to the same address with
 * SO_REUSEPORT (libuv's UV_UDP_REUSEADDR is SO_REUSEADDR on Linux, which
 * does not spread load). The kernel then hashes each client (address and
 * port) to one of the sockets. Only processes of the same user can join
 * such a group, and each dnsbld also holds the TCP port of the address
 * exclusively, so a second dnsbld on the same address fails to start
 * instead of silently taking a share of the queries.
 *
 * Memory, all preallocated in struct dnsd_worker (no malloc per query):
 *  - one receive buffer of DNSD_UDP_BATCH x 64 KiB per thread, shared by
 *    the thread's sockets: split into 64 KiB slots, one per datagram of a
 *    recvmmsg call (libuv: every datagram of the call goes to on_recv
 *    before it reads again, so one buffer serves every socket);
 *  - DNSD_UDP_BATCH reply slots of DNSD_UDP_RESP bytes with their peer
 *    addresses and mmsghdrs, sent with one sendmmsg() when libuv reports
 *    the end of the receive batch (UV_UDP_MMSG_FREE).
 * Replies that the kernel does not take at once (send buffer full) are
 * dropped and counted, never queued: a flood must not grow an unbounded
 * queue (reliability.md section 5), and a DNS client retries anyway.
 */
#ifndef DNSD_UDP_H
#define DNSD_UDP_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "dnsd_cli.h"

struct dnsd_worker;

/* libuv 1.44 (src/unix/udp.c): recvmmsg reads at most UV__MMSG_MAXWIDTH =
 * 20 datagrams per call, each into its own UV__UDP_DGRAM_MAXSIZE = 64 KiB
 * slot of the buffer alloc_cb returns. A larger buffer would be unused.
 * The blocking mode uses the same batch and slots: a datagram never
 * exceeds a slot, and only the pages a datagram lands on are touched. */
#define DNSD_UDP_BATCH 20
#define DNSD_UDP_SLOT  65536
#define DNSD_UDP_RBUF  (DNSD_UDP_BATCH * DNSD_UDP_SLOT)
/* A UDP answer is at most the advertised EDNS payload (<= DNSD_EDNS_MAX)
 * or 512 without EDNS (dbl_query response_limit). */
#define DNSD_UDP_RESP DNSD_EDNS_MAX
/* 4 MiB socket buffers (see set_buffers in dnsd_udp.c): at ~1 KiB of
 * kernel memory per queued small datagram, ~20 ms of queries at 200k qps. */
#define DNSD_UDP_SOCKBUF (4 << 20)
/* Blocking mode: an idle thread wakes this often (SO_RCVTIMEO) to move to a
 * newly published generation, so the old file is not held by a thread
 * that sees no traffic (the libuv mode is woken by an async instead). */
#define DNSD_UDP_IDLE_MS 200

struct dnsd_udp_sock {
	uv_udp_t h;
	struct dnsd_worker *w;
	int fd;
};

union dnsd_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct dnsd_udp {
	unsigned n;
	struct dnsd_udp_sock s[DNSD_LISTEN_MAX];
	/* replies of the current batch, all for one socket */
	unsigned nout;
	int out_fd;
	struct mmsghdr msgs[DNSD_UDP_BATCH];
	struct iovec iov[DNSD_UDP_BATCH];
	union dnsd_sockaddr peers[DNSD_UDP_BATCH];
	uint64_t log_last; /* rate limit for receive/send error messages */
	/* blocking mode: the one socket (-1: none) and its receive headers */
	int bfd;
	struct mmsghdr rmsgs[DNSD_UDP_BATCH];
	struct iovec riov[DNSD_UDP_BATCH];
	union dnsd_sockaddr rpeers[DNSD_UDP_BATCH];
	uint8_t resp[DNSD_UDP_BATCH][DNSD_UDP_RESP];
	uint8_t rbuf[DNSD_UDP_RBUF];
};

/* Create a non-blocking UDP socket bound to *addr (IPV6_V6ONLY for IPv6, so
 * "[::]" does not take IPv4 traffic meant for another --listen;
 * SO_REUSEPORT when reuseport, i.e. with more than one thread). *addr is
 * updated with the bound address (port 0 resolved). Returns the fd or a
 * negative errno (also a libuv error code on Linux). */
int dnsd_udp_socket(struct sockaddr_storage *addr, bool reuseport);

/* Hand fd (from dnsd_udp_socket; owned from here on, closed on failure)
 * to w: libuv mode, to w's loop, receiving from now on; blocking mode,
 * made blocking (with the DNSD_UDP_IDLE_MS receive timeout) for
 * dnsd_udp_serve, and a second socket is refused (UV_EINVAL). Main
 * thread, before w's thread runs. Returns 0 or a negative libuv error. */
int dnsd_udp_adopt(struct dnsd_worker *w, int fd);

/* Blocking mode, on w's thread: answer what arrives on w's socket, batch
 * by batch, until w->stop_req is set (and dnsd_udp_interrupt woke it).
 * When idle it wakes every DNSD_UDP_IDLE_MS to move to a newly published
 * generation. */
void dnsd_udp_serve(struct dnsd_worker *w);

/* Blocking mode, any thread: make the recvmmsg that dnsd_udp_serve sleeps
 * in return now (shutdown(SHUT_RD), which wakes readers of an unconnected
 * UDP socket too; every later read returns 0). The caller sets stop_req
 * first. No-op without a blocking socket. */
void dnsd_udp_interrupt(struct dnsd_udp *u);

/* Close the blocking socket, once no thread uses it (after the join). */
void dnsd_udp_close(struct dnsd_udp *u);

/* Send the replies collected in this batch: one sendmmsg(), then sendto()
 * for what it did not take; never blocks; failures are counted drops. */
void dnsd_udp_flush(struct dnsd_worker *w);

/* Stop receiving and uv_close every socket of u (w's thread). */
void dnsd_udp_stop(struct dnsd_udp *u);

#endif
