/* dnsd_data.h - the live data generation: open, watch DIR/current, publish
 * to the server threads, and close a replaced generation once no thread
 * uses it any more.
 *
 * Ownership. One struct dnsd_data per process, owned by the main thread
 * (the one running the main libuv loop): only it opens, publishes and
 * closes generations, and only it touches every field below except
 * `live`. A generation is opened once per process (LMDB: an environment
 * must not be opened twice in one process) as one struct dnsd_gen, shared
 * by every thread.
 *
 * Hand-over without locks (hazard pointers, one slot per thread):
 *  - `live` is an atomic pointer to the current generation (NULL: no data,
 *    every zone query is REFUSED).
 *  - Each server thread owns one struct dnsd_reader. At the start of a
 *    batch of packets (dnsd_reader_begin) it loads `live`; if that is the
 *    generation it already uses, it keeps its LMDB read transaction.
 *    Otherwise it ends the old transaction, announces the new generation
 *    in its `hazard` slot, re-reads `live` to make sure it was not replaced
 *    meanwhile (else it retries), and begins a transaction on it.
 *  - Publishing swaps `live` and puts the old generation on the retired
 *    list. dnsd_data_reclaim() closes a retired generation as soon as no
 *    reader's hazard slot names it. With sequentially consistent atomics a
 *    reader either sees the swap (and never touches the old generation) or
 *    its announcement is visible to the reclaim scan, so a generation is
 *    never closed under a reader.
 *  - Readers tell the main thread they let go of a generation through a
 *    uv_async (reclaim runs at once), and the server wakes idle threads
 *    after a publish (dnsd_data.on_publish), so an old file is unmapped
 *    within a loop iteration of the last thread moving on, not held by a
 *    thread that sees no traffic.
 * The query path costs one atomic load per batch; nothing blocks.
 *
 * Read transactions: one LMDB read transaction per reader and generation,
 * begun when the thread moves to the generation and ended when it moves on.
 * It is not reset and renewed between batches: a published file is
 * immutable and opened MDB_NOLOCK, so a long-lived read transaction pins
 * nothing (no reader table, no writer), while mdb_txn_renew marks every
 * named database stale and the next lookups re-read their roots from the
 * main tree - measured at ~2000 instructions per batch (callgrind), as much
 * as a whole lookup.
 */
#ifndef DNSD_DATA_H
#define DNSD_DATA_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <uv.h>

#include "dbl_db.h"

/* One opened generation, shared by every thread; freed by the main thread
 * (dnsd_data_reclaim / dnsd_data_close) when no hazard slot names it. */
struct dnsd_gen {
	struct dbl_db *db;
	dev_t dev; /* identity of the file (the path may be reused) */
	ino_t ino;
	struct dnsd_gen *next; /* retired list link (main thread only) */
	uv_work_t close_work;  /* unmapped on the thread pool once unused */
};

struct dnsd_data;

/* Per-thread reader state, embedded in the thread's struct dnsd_worker;
 * only that thread touches it, except `hazard`, which the main thread
 * reads when reclaiming. */
struct dnsd_reader {
	_Atomic(struct dnsd_gen *) hazard; /* generation this thread may touch */
	struct dnsd_data *data;
	struct dnsd_gen *gen; /* generation txn was begun on (== hazard) */
	struct dbl_rtxn txn;
	bool txn_open; /* txn begun on gen */
};

struct dnsd_data {
	uv_loop_t *loop; /* the main loop */
	const char *dir; /* borrowed, lives as long as the process */
	uv_timer_t timer;
	uv_async_t reclaim; /* a reader let go of a generation */
	_Atomic(struct dnsd_gen *) live;
	struct dnsd_gen *retired;     /* replaced, maybe still named by a hazard slot */
	struct dnsd_reader **readers; /* every thread's reader (borrowed array) */
	unsigned nreaders;
	/* Called on the main thread after a new generation was published:
	 * the server wakes idle threads so they let go of the old one. */
	void (*on_publish)(void *arg);
	void *on_publish_arg;
	/* The last target that failed to open, so it is logged and tried
	 * only once until DIR/current changes again (or SIGHUP). Path and
	 * inode both: a deleted bad file's inode may be reused by the next
	 * generation, which must not be mistaken for it. (The live file
	 * cannot be: it stays mapped, so its inode stays allocated.) */
	dev_t bad_dev;
	ino_t bad_ino;
	char bad_path[PATH_MAX];
	int last_err; /* last "no data" error logged, to log changes only */
	/* Opening a generation reads the whole file (DBL_DB_RESIDENT): done
	 * on libuv's thread pool, not on the main loop, whose thread also
	 * serves the main worker's sockets (an open on it stalled those queries for
	 * the length of the read). The swap itself stays on the main thread. Main-thread fields
	 * except open_db / open_rc, which the pool thread writes before completion. */
	uv_work_t open_work;
	bool opening;       /* open_work is queued or running */
	bool stopping;      /* dnsd_data_stop() ran: publish nothing more */
	bool recheck;       /* a check came in while opening: run it after */
	bool recheck_force; /* ... and it was forced (SIGHUP) */
	char open_path[PATH_MAX];
	struct stat open_st;
	struct dbl_db *open_db; /* result of the pool thread's open */
	int open_rc;
	uint64_t switches;
	uint64_t closed; /* retired generations closed so far */
};

/* Initialise d (caller-owned, must stay put until the close callbacks of
 * dnsd_data_stop() ran) on the main loop, try to open DIR/current and
 * start the 1 s watch timer. Missing data is not an error: it is logged
 * and the server answers REFUSED until a generation appears. readers:
 * array of nreaders slots, filled by the caller before any thread runs
 * (dnsd_reader_init); borrowed until dnsd_data_close(). Returns 0 or a
 * negative libuv error. */
int dnsd_data_start(struct dnsd_data *d, uv_loop_t *loop, const char *dir,
                    struct dnsd_reader **readers, unsigned nreaders);

/* Main thread: check DIR/current now and publish it if it changed.
 * force: also retry a target that failed before (SIGHUP). The new
 * generation is opened on the thread pool and published from its
 * completion callback on the main loop (within the same second); a check
 * while an open runs is repeated when it completes. */
void dnsd_data_check(struct dnsd_data *d, bool force);

/* Main thread: close every retired generation no reader uses (the
 * unmapping runs on the thread pool). */
void dnsd_data_reclaim(struct dnsd_data *d);

/* Main thread: stop the timer and the reclaim handle (uv_close; d must stay
 * valid until the loop ran their close callbacks). Generations stay open
 * until dnsd_data_close(). */
void dnsd_data_stop(struct dnsd_data *d);

/* Main thread, after every other thread has exited and released its
 * reader: close the live and every retired generation. */
void dnsd_data_close(struct dnsd_data *d);

/* Prepare r (caller-owned, embedded in a worker) for d. Main thread, before
 * the worker's thread starts. */
void dnsd_reader_init(struct dnsd_reader *r, struct dnsd_data *d);

/* Owning thread: the read transaction for the batch being answered (picks
 * up a newly published generation first), or NULL when no data is loaded
 * (answer REFUSED). Borrowed until the next dnsd_reader_begin() (which may
 * switch generations) or dnsd_reader_release(). */
struct dbl_rtxn *dnsd_reader_begin(struct dnsd_reader *r);

/* Owning thread: end of batch. Nothing to release today (the transaction
 * lives as long as the generation); kept so batches stay bracketed. */
void dnsd_reader_end(struct dnsd_reader *r);

/* Owning thread, before it exits: end the transaction and clear the hazard
 * slot, so the main thread may close every generation. */
void dnsd_reader_release(struct dnsd_reader *r);

#endif
