/* dnsd_worker.h - one server thread: its UDP socket(s), its data reader and
 * counters, and the one call every front end makes per request:
 * dnsd_worker_answer().
 *
 * Threads (dnsd_server.c sets them up). One worker runs on the main
 * thread, on the main loop, which also carries the signals, the data
 * watcher, /metrics and TCP. The others run on their own pthreads and
 * serve only UDP, in one of two ways (--udp-io):
 *  - blocking (default): the worker owns exactly one socket and sleeps in
 *    recvmmsg(MSG_WAITFORONE) on it (dnsd_udp_serve); the main worker then
 *    serves no UDP. A wake-up costs one system call instead of libuv's
 *    three (epoll_wait, recvmmsg, the recvmmsg that returns EAGAIN).
 *  - libuv: the worker runs its own loop over one socket per listen
 *    address; worker 0 is the main worker and also serves UDP.
 * Everything a worker owns is touched by its thread alone, except:
 *  - the main thread builds it (loop, handles, sockets) before the thread
 *    starts (pthread_create orders those writes before the thread runs);
 *  - `wake` is a uv_async the main thread signals after a generation was
 *    published or to stop the worker (libuv mode); a blocking worker
 *    instead wakes every DNSD_UDP_IDLE_MS when idle, and stop shuts its
 *    socket down for reading, which ends its recvmmsg at once;
 *  - `reader.hazard` is read by the main thread (dnsd_data.h);
 *  - `st` is read by the main thread after the thread was joined, and
 *    `m` (and a few `st` fields, with relaxed atomic loads of aligned
 *    64-bit words) when /metrics is scraped (dnsd_metrics.h).
 * So counters are plain integers and nothing on the query path locks.
 *
 * Lifetime: allocated by dnsd_worker_create (heap, ~1.4 MiB, mostly UDP
 * buffers that are touched only as traffic arrives), freed by
 * dnsd_worker_destroy after its thread was joined and its loop closed.
 */
#ifndef DNSD_WORKER_H
#define DNSD_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <uv.h>

#include "dnsd_data.h"
#include "dnsd_rrl.h"
#include "dnsd_metrics.h"
#include "dnsd_qlog.h"
#include "dnsd_udp.h"

struct dnsd_server;

struct dnsd_stats {
	uint64_t queries;     /* requests handed to dbl_query (UDP + TCP) */
	uint64_t answered;    /* responses fully handed to the kernel */
	uint64_t dropped;     /* requests that got no response, for any reason: */
	uint64_t malformed;   /*   dbl_query said drop (malformed, ACL ignore) */
	uint64_t send_failed; /*   reply not sent (UDP EAGAIN, TCP peer gone) */
	uint64_t errors;      /*   dbl_query internal error */
	uint64_t truncated;   /* UDP answers sent with TC */
	uint64_t tcp_accepted, tcp_refused, tcp_timeouts;
	uint64_t batches; /* UDP receive batches (recvmmsg calls with data) */
};

struct dnsd_worker {
	unsigned id;
	struct dnsd_server *srv;
	bool on_main;    /* runs on the main thread and loop (serves TCP) */
	bool blocking;   /* --udp-io blocking: one socket, dnsd_udp_serve */
	uv_loop_t *loop; /* on_main: the main loop; others: &own_loop */
	uv_loop_t own_loop;
	bool own_loop_init;
	uv_async_t wake;  /* main -> worker: new generation, or stop (libuv mode) */
	uv_check_t check; /* end of each loop iteration: close the batch */
	bool handles_init;
	atomic_bool stop_req; /* set by the main thread before signalling wake */
	bool stopping;        /* this thread is closing its handles */
	pthread_t thread;
	bool thread_started;
	struct dnsd_reader reader;
	/* Batch state: a batch is the packets of one recvmmsg (or of one loop
	 * iteration for TCP); `now` and the read transaction are taken once
	 * at its first query. */
	bool batch_open;
	struct dbl_rtxn *rtxn;
	time_t now;
	uint64_t err_log_last; /* rate limit for internal-error messages */
	struct dnsd_stats st;
	struct dnsd_rrl rrl;       /* UDP response-rate limiting (off: rrl.tab NULL) */
	struct dnsd_wmetrics m;    /* /metrics counters (dnsd_metrics.h) */
	struct dnsd_qlog_buf qlog; /* --query-log lines of this thread */
	struct dnsd_udp udp;       /* last: its buffers are most of the struct */
};

/* Allocate and set up worker id of s: its loop (on_main: s->loop), reader
 * and, unless blocking, its wake and check handles. A blocking worker's
 * own loop is never run: it only keeps the time for uv_now() (RRL, log
 * rate limits), updated once per batch. Main thread, before any thread
 * starts. Returns 0 or a negative libuv/errno code; *out is set even on
 * failure once allocated (so the caller can destroy it). */
int dnsd_worker_create(struct dnsd_worker **out, struct dnsd_server *s, unsigned id, bool on_main,
                       bool blocking);

/* Start the thread of a worker that is not on_main (runs its loop, or
 * dnsd_udp_serve, until stopped).
 * All signals are blocked in it: they are handled on the main loop.
 * Returns 0 or a negative errno. */
int dnsd_worker_start_thread(struct dnsd_worker *w);

/* Main thread: wake w (a generation was published; it lets go of the old
 * one even if no query arrives). Safe from any thread. */
void dnsd_worker_wake(struct dnsd_worker *w);

/* Main thread: ask w to close its handles. The main worker closes them at
 * once; other workers do so on their own thread, and their loop (or
 * dnsd_udp_serve) then ends. */
void dnsd_worker_stop(struct dnsd_worker *w);

/* Main thread: wait for w's thread (if started), then close its loop, its
 * blocking socket and release its reader. For the main worker, call after
 * the main loop ended. Never started workers have their handles closed
 * here. */
void dnsd_worker_join(struct dnsd_worker *w);

/* Free w (after dnsd_worker_join). NULL is ignored. */
void dnsd_worker_destroy(struct dnsd_worker *w);

/* Open the batch if it is not open: one clock read and one read
 * transaction (the newest generation) for every query until
 * dnsd_worker_batch_end. Returns the transaction, borrowed until then, or
 * NULL when no data is loaded. dnsd_worker_answer calls it itself. */
struct dbl_rtxn *dnsd_worker_batch_begin(struct dnsd_worker *w);

/* Answer one request (req/len borrowed for the call) into resp (cap bytes,
 * 512..65535) on w's thread. peer: the client address (AF_INET/AF_INET6),
 * borrowed. Opens the batch (time, read transaction) if needed; counts the
 * query and, when no reply is due, the drop. Returns the response length
 * (> 0) or a negative code: DBL_EDROP or an internal error, both meaning
 * "send nothing". Allocates nothing. */
int dnsd_worker_answer(struct dnsd_worker *w, const uint8_t *req, size_t len, uint8_t *resp,
                       size_t cap, bool tcp, const struct sockaddr *peer);

/* Close the batch: send the collected UDP replies, release the snapshot. */
void dnsd_worker_batch_end(struct dnsd_worker *w);

/* Log interval guard for messages that a flood could repeat: returns true
 * at most once per `seconds` for *last (caller-owned time stamp, in uv_now
 * milliseconds of loop). */
bool dnsd_ratelimit(uv_loop_t *loop, uint64_t *last, unsigned seconds);

#endif
