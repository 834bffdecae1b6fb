/* dnsd_tcp.h - TCP front end (RFC 7766).
 *
 * Messages are framed by a 2-byte length. A connection may carry many
 * queries, pipelined or not; a query split over several segments is
 * reassembled. Answers go out in order, one at a time: while a response
 * is still being written the connection stops reading, so a client that
 * does not read its answers cannot make the server buffer more than one
 * response (TCP flow control pushes back on it instead).
 *
 * Limits (DoS hardening, reliability.md section 5):
 *  - at most --tcp-max connections; beyond that a new connection is
 *    accepted and closed at once (libuv pauses the listener until an
 *    accepted socket is taken, so it must be taken);
 *  - per-connection buffers are fixed at accept: 2+65535 bytes in (the
 *    largest framed message) and 2+65535 out; nothing is allocated per
 *    query;
 *  - --tcp-idle: a connection that completes no query (and has no answer
 *    being written) within that time is closed. Partial bytes do not
 *    restart the timer, so sending a query one byte at a time
 *    (slowloris) does not hold a connection open.
 */
#ifndef DNSD_TCP_H
#define DNSD_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "dnsd_cli.h"

struct dnsd_server;
struct dnsd_tcp_conn;

struct dnsd_tcp_listener {
	uv_tcp_t h;
	struct dnsd_server *srv;
};

struct dnsd_tcp {
	unsigned n;
	struct dnsd_tcp_listener l[DNSD_LISTEN_MAX];
	struct dnsd_tcp_conn *conns; /* open connections, doubly linked */
	unsigned nconns;
	uint64_t log_last; /* rate limit for refusal messages */
	/* Fallback handle to accept-and-close with when malloc fails, so a
	 * full heap cannot stall a listener. */
	uv_tcp_t spare;
	bool spare_busy;
};

/* Bind a TCP listener to addr (port taken as given) and start accepting.
 * t lives in the caller-owned server and must stay put until the close
 * callbacks of dnsd_tcp_stop() ran. Returns 0 or a negative libuv error. */
int dnsd_tcp_listen(struct dnsd_tcp *t, struct dnsd_server *s, const struct sockaddr *addr);

/* Close every listener and connection; connection memory is freed by the
 * close callbacks while the loop drains. */
void dnsd_tcp_stop(struct dnsd_tcp *t);

#endif
