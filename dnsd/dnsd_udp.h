/* dnsd_udp.h - UDP front end: one uv_udp_t per listen address.
 *
 * All memory is preallocated: each socket owns a 64 KiB receive buffer, the
 * response is built in the server's shared buffer and handed to the kernel
 * with uv_udp_try_send(). When the socket send buffer is full (UV_EAGAIN)
 * the reply is dropped and counted rather than queued: a flood must not
 * grow an unbounded send queue (reliability.md section 5), and a DNS client
 * retries anyway.
 */
#ifndef DNSD_UDP_H
#define DNSD_UDP_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "dnsd_cli.h"

struct dnsd_server;

/* 65536: any UDP payload fits (65507 max for IPv4), so no datagram is ever
 * truncated by our buffer (UV_UDP_PARTIAL is still checked). */
#define DNSD_UDP_RBUF 65536

struct dnsd_udp_sock {
	uv_udp_t h;
	struct dnsd_server *srv;
	uint8_t rbuf[DNSD_UDP_RBUF];
};

struct dnsd_udp {
	unsigned n;
	uint64_t log_last; /* rate limit for send-error messages */
	struct dnsd_udp_sock s[DNSD_LISTEN_MAX];
};

/* Bind a UDP socket to addr and start receiving. *addr is updated with the
 * bound address (port 0 resolved). u is part of the caller-owned server and
 * must stay put until dnsd_udp_stop()'s close callbacks ran. Returns 0 or a
 * negative libuv error (logged by the caller). */
int dnsd_udp_listen(struct dnsd_udp *u, struct dnsd_server *s, struct sockaddr_storage *addr);

/* Stop receiving and uv_close every socket. */
void dnsd_udp_stop(struct dnsd_udp *u);

#endif
