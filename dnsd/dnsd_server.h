/* dnsd_server.h - the server context shared by the UDP and TCP front ends,
 * and the one call both make per request: dnsd_server_answer().
 *
 * Everything runs on one libuv loop thread; counters are plain integers.
 */
#ifndef DNSD_SERVER_H
#define DNSD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "dbl_query.h"
#include "dnsd_cli.h"
#include "dnsd_data.h"
#include "dnsd_tcp.h"
#include "dnsd_udp.h"

/* 65535: largest DNS message (RFC 1035 4.2.2 length field), UDP or TCP. */
#define DNSD_MSG_MAX 65535

struct dnsd_stats {
	uint64_t queries;     /* requests handed to dbl_query (UDP + TCP) */
	uint64_t answered;    /* responses fully handed to the kernel */
	uint64_t dropped;     /* requests that got no response, for any reason: */
	uint64_t malformed;   /*   dbl_query said drop (malformed, ACL ignore) */
	uint64_t send_failed; /*   reply not sent (UDP EAGAIN, TCP peer gone) */
	uint64_t errors;      /*   dbl_query internal error */
	uint64_t truncated;   /* UDP answers sent with TC */
	uint64_t tcp_accepted, tcp_refused, tcp_timeouts;
};

struct dnsd_server {
	uv_loop_t *loop;
	const struct dnsd_opts *opts;
	struct dbl_query_opts qopts;
	struct dnsd_data data;
	struct dnsd_udp udp;
	struct dnsd_tcp tcp;
	struct dnsd_stats st;
	uv_signal_t sig_term, sig_int, sig_hup;
	bool stopping;
	uint64_t err_log_last; /* rate limit for internal-error messages */
	char version[64];
	/* UDP answers are built here and copied to the kernel by
	 * uv_udp_try_send before the next packet is read, so one buffer
	 * serves every UDP socket. */
	uint8_t resp[DNSD_MSG_MAX];
};

/* Answer one request (req/len borrowed for the call) into resp (cap bytes,
 * 512..65535). peer: the client address (family AF_INET/AF_INET6), borrowed.
 * Counts the query and, when no reply is due, the drop. Returns the response
 * length (> 0) or a negative code: DBL_EDROP or an internal error, both
 * meaning "send nothing". Allocates nothing. */
int dnsd_server_answer(struct dnsd_server *s, const uint8_t *req, size_t len, uint8_t *resp,
                       size_t cap, bool tcp, const struct sockaddr *peer);

/* Log interval guard for messages that a flood could repeat: returns true
 * at most once per `seconds` for *last (caller-owned time stamp, in uv_now
 * milliseconds). */
bool dnsd_ratelimit(struct dnsd_server *s, uint64_t *last, unsigned seconds);

/* Set up the server in *s (caller-owned, zeroed, must stay put while the
 * loop runs): signals, data watcher, sockets on every listen address.
 * Returns 0 or a negative libuv/errno code (already logged); after a
 * failure the process is expected to exit (handles are left open). */
int dnsd_server_start(struct dnsd_server *s, uv_loop_t *loop, const struct dnsd_opts *o);

/* Begin a clean stop: close every handle; uv_run() then returns once the
 * close callbacks ran. Safe to call twice. */
void dnsd_server_stop(struct dnsd_server *s, const char *why);

/* Log the final counters line. */
void dnsd_server_log_stats(const struct dnsd_server *s);

#endif
