/* dnsd_worker.h - one server thread: its libuv loop, its UDP sockets, its
 * data reader and counters, and the one call every front end makes per
 * request: dnsd_worker_answer().
 *
 * Threads. Worker 0 runs on the main thread, on the main loop, which also
 * carries the signals, the data watcher and TCP. Workers 1..N-1 each run
 * their own loop on their own pthread and serve only UDP. Everything a
 * worker owns is touched by its thread alone, except:
 *  - the main thread builds it (loop, handles, sockets) before the thread
 *    starts (pthread_create orders those writes before the thread runs);
 *  - `wake` is a uv_async the main thread signals after a generation was
 *    published or to stop the worker;
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
	uv_loop_t *loop; /* worker 0: the main loop; others: &own_loop */
	uv_loop_t own_loop;
	bool own_loop_init;
	uv_async_t wake;  /* main -> worker: new generation, or stop */
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

/* Allocate and set up worker id of s: its loop (worker 0 uses s->loop),
 * wake and check handles, reader. Main thread, before any thread starts.
 * Returns 0 or a negative libuv/errno code; *out is set even on failure
 * once allocated (so the caller can destroy it). */
int dnsd_worker_create(struct dnsd_worker **out, struct dnsd_server *s, unsigned id);

/* Start the thread of a worker with id > 0 (runs its loop until stopped).
 * All signals are blocked in it: they are handled on the main loop.
 * Returns 0 or a negative errno. */
int dnsd_worker_start_thread(struct dnsd_worker *w);

/* Main thread: wake w (a generation was published; it lets go of the old
 * one even if no query arrives). Safe from any thread. */
void dnsd_worker_wake(struct dnsd_worker *w);

/* Main thread: ask w to close its handles. Worker 0 closes them at once;
 * other workers do so on their own thread, and their loop then ends. */
void dnsd_worker_stop(struct dnsd_worker *w);

/* Main thread: wait for w's thread (if started), then close its loop and
 * release its reader. For worker 0, call after the main loop ended. Never
 * started workers have their handles closed here. */
void dnsd_worker_join(struct dnsd_worker *w);

/* Free w (after dnsd_worker_join). NULL is ignored. */
void dnsd_worker_destroy(struct dnsd_worker *w);

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
