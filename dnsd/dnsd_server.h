/* dnsd_server.h - the server: options, data generations, server threads
 * (workers), TCP, signals, start/stop and the final counters.
 *
 * Threads (dnsd_worker.h): the main worker runs on the main thread's loop,
 * which also carries the signals, the data watcher (dnsd_data.h) and every
 * TCP listener and connection. With --udp-io blocking (default) workers
 * 0..T*L-1 (--threads T, L listen addresses) each serve one SO_REUSEPORT
 * UDP socket on their own thread (address a, thread t: worker a*T + t) and
 * the main worker is the last one, serving no UDP; with --udp-io libuv,
 * worker 0 is the main worker and workers 0..T-1 each have their own
 * socket per listen address.
 *
 * Ownership: struct dnsd_server is caller-owned (main(), zeroed, must stay
 * put from dnsd_server_start until dnsd_server_finish returned); it owns
 * the workers and the generations. Everything in it except the workers'
 * private state is touched by the main thread only; qopts and opts are
 * read-only once threads run.
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
#include "dnsd_http.h"
#include "dnsd_proc.h"
#include "dnsd_tcp.h"
#include "dnsd_worker.h"

/* 65535: largest DNS message (RFC 1035 4.2.2 length field), UDP or TCP. */
#define DNSD_MSG_MAX 65535

struct dnsd_server {
	uv_loop_t *loop; /* the main loop (the main worker's) */
	const struct dnsd_opts *opts;
	struct dbl_query_opts qopts;
	struct dnsd_data data;
	struct dnsd_tcp tcp;
	struct dnsd_notify notify;
	struct dnsd_http http;        /* --metrics endpoint */
	struct dnsd_qlog qlog;        /* --query-log file */
	const struct dnsd_user *user; /* set by main() before start: the drop target */
	uv_signal_t sig_term, sig_int, sig_hup;
	bool signals_init;
	bool stopping;
	char version[64];
	unsigned nworkers;            /* created so far */
	unsigned nwant;               /* workers to create (see Threads above) */
	struct dnsd_worker *main;     /* the worker on the main loop (TCP) */
	struct dnsd_worker **workers; /* [nwant] */
	struct dnsd_reader **readers; /* [nwant], for dnsd_data */
};

/* Set up the server in *s on loop (the main loop): signals, workers and
 * their loops, sockets on every listen address (UDP on every worker, TCP
 * on the main worker), the privilege drop to s->user (dnsd_proc.h), the data
 * watcher, then start the worker threads and tell systemd READY=1. Returns 0 or a
 * negative libuv/errno code (already logged); in both cases the caller
 * runs the loop (on failure only to let handles close, see main()) and
 * then calls dnsd_server_finish. */
int dnsd_server_start(struct dnsd_server *s, uv_loop_t *loop, const struct dnsd_opts *o);

/* Begin a clean stop: close every handle of the main loop and tell every
 * worker thread to close its own; uv_run() then returns once the close
 * callbacks ran. Safe to call twice. why: logged ("stopping (why)"), or
 * NULL after a failed start (already logged). */
void dnsd_server_stop(struct dnsd_server *s, const char *why);

/* After the main loop ended: join every worker thread, close their loops
 * and every generation, free the workers. log_stats: log the final
 * counters line, summed over the workers. */
void dnsd_server_finish(struct dnsd_server *s, bool log_stats);

#endif
