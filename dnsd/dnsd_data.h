/* dnsd_data.h - the live data generation: open, watch DIR/current, swap.
 *
 * Generation switching is single-threaded: every step runs on the libuv loop
 * thread, so "no query is in flight" is simply "we are not inside a packet
 * callback". A uv_timer checks DIR/current every second (SIGHUP forces a
 * check); when it names another file, the new generation is opened and
 * verified first, then swapped in and the old one closed - the Knot RCU
 * pattern of reliability.md section 6 without the RCU, because there are no
 * other readers. A generation that fails to open is logged once and the old
 * one stays live (behaviour.md 6.1).
 *
 * Read transactions: one LMDB read transaction per batch of packets. The
 * first packet of a loop iteration renews the (reset) transaction; a
 * uv_check handle, which runs right after the poll phase that delivered the
 * batch, resets it again. Published files are immutable (dbl_db.h), so the
 * snapshot a batch sees is the generation itself.
 */
#ifndef DNSD_DATA_H
#define DNSD_DATA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "dbl_db.h"

struct dnsd_data {
	uv_loop_t *loop;
	const char *dir; /* borrowed, lives as long as the process */
	uv_timer_t timer;
	uv_check_t check;
	struct dbl_db *db;   /* live generation, NULL when none (answer REFUSED) */
	struct dbl_rtxn txn; /* begun on db, reset between batches */
	bool txn_active;     /* renewed for the current batch */
	dev_t dev;           /* identity of the live file (path may be reused) */
	ino_t ino;
	/* The last target that failed to open, so it is logged and tried
	 * only once until DIR/current changes again (or SIGHUP). Path and
	 * inode both: a deleted bad file's inode may be reused by the next
	 * generation, which must not be mistaken for it. (The live file
	 * cannot be: it stays mapped, so its inode stays allocated.) */
	dev_t bad_dev;
	ino_t bad_ino;
	char bad_path[PATH_MAX];
	int last_err; /* last "no data" error logged, to log changes only */
	uint64_t switches;
};

/* Initialise d (caller-owned storage that must stay put until the close
 * callbacks of dnsd_data_stop() ran), try to open DIR/current and start
 * the 1 s watch timer. Missing data is not an error: it is logged and the
 * server answers REFUSED until a generation appears. Returns 0 or a
 * negative libuv error. */
int dnsd_data_start(struct dnsd_data *d, uv_loop_t *loop, const char *dir);

/* Check DIR/current now and switch if it changed. force: also retry a
 * target that failed before (SIGHUP). Must not be called from inside a
 * packet callback (it may close the generation in use). */
void dnsd_data_check(struct dnsd_data *d, bool force);

/* The read transaction for the packet being answered, or NULL when no data
 * is loaded. Borrowed until the end of the current loop iteration. */
struct dbl_rtxn *dnsd_data_rtxn(struct dnsd_data *d);

/* Stop the timer and check handles (uv_close; d must stay valid until the
 * loop has run their close callbacks), then end the transaction and close
 * the generation. */
void dnsd_data_stop(struct dnsd_data *d);

#endif
