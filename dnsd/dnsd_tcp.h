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

struct dnsd_worker;
struct dnsd_tcp_conn;

struct dnsd_tcp_listener {
	uv_tcp_t h;
	struct dnsd_tcp *t;
};

/* Threads: every listener and connection lives on one worker's loop (the
 * main loop, the main worker): TCP carries the rare truncated-answer retries, so
 * one thread is plenty, and connection limits stay process-wide without
 * shared counters. Its counters are that worker's. */
struct dnsd_tcp {
	struct dnsd_worker *w;
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

/* Create a listening TCP socket on addr (port taken as given; IPV6_V6ONLY
 * for IPv6; SO_REUSEADDR so a restart is not blocked by TIME_WAIT, which on
 * Linux never lets two listeners share a port). Returns the fd or a
 * negative errno (a libuv error code on Linux), UV_EADDRINUSE when taken. */
int dnsd_tcp_socket(const struct sockaddr_storage *addr);

/* Hand fd (owned from here on, closed on failure) to worker w's loop and
 * start accepting. t lives in the caller-owned server and must stay put
 * until the close callbacks of dnsd_tcp_stop() ran. Returns 0 or a
 * negative libuv error. */
int dnsd_tcp_adopt(struct dnsd_tcp *t, struct dnsd_worker *w, int fd);

/* Close every listener and connection; connection memory is freed by the
 * close callbacks while the loop drains. */
void dnsd_tcp_stop(struct dnsd_tcp *t);

#endif
