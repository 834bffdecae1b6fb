/* dnsd_udp.h - UDP front end of one server thread: one socket per listen
 * address, batched receive (recvmmsg through libuv) and batched replies
 * (one sendmmsg per receive batch).
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
 *    the thread's sockets: libuv splits it into 64 KiB slots, one per
 *    datagram of a recvmmsg call, and hands every datagram of the call to
 *    on_recv before it reads again, so one buffer serves every socket;
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
 * slot of the buffer alloc_cb returns. A larger buffer would be unused. */
#define DNSD_UDP_BATCH 20
#define DNSD_UDP_SLOT  65536
#define DNSD_UDP_RBUF  (DNSD_UDP_BATCH * DNSD_UDP_SLOT)
/* A UDP answer is at most the advertised EDNS payload (<= DNSD_EDNS_MAX)
 * or 512 without EDNS (dbl_query response_limit). */
#define DNSD_UDP_RESP DNSD_EDNS_MAX
/* 4 MiB socket buffers (see set_buffers in dnsd_udp.c): at ~1 KiB of
 * kernel memory per queued small datagram, ~20 ms of queries at 200k qps. */
#define DNSD_UDP_SOCKBUF (4 << 20)

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
 * to w's loop and start receiving. Main thread, before w's thread runs.
 * Returns 0 or a negative libuv error. */
int dnsd_udp_adopt(struct dnsd_worker *w, int fd);

/* Send the replies collected in this batch: one sendmmsg(), then sendto()
 * for what it did not take; never blocks; failures are counted drops. */
void dnsd_udp_flush(struct dnsd_worker *w);

/* Stop receiving and uv_close every socket of u (w's thread). */
void dnsd_udp_stop(struct dnsd_udp *u);

#endif
