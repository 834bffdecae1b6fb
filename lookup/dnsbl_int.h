/* dnsbl_int.h - internals of the direct-lookup library (lookup/): the
 * handle, its generations and the per-thread readers. Not installed.
 *
 * dnsbl_gen.c owns the generation hand-over (the same hazard-pointer
 * scheme as dnsd/dnsd_data.h, without an event loop: the check runs inside
 * a lookup, at most once per check interval); dnsbl_lookup.c builds the
 * query name and runs libdnsbl's lookup on the reader's transaction.
 */
#ifndef DNSBL_INT_H
#define DNSBL_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dbl_db.h"
#include "dbl_wire.h"
#include "dnsbl.h"

/* One opened generation, shared by every reader of the handle; freed
 * under h->mu when it is retired and no reader's hazard slot names it. */
struct dnsbl_gen {
	struct dbl_db *db;
	dev_t dev; /* identity of the file (the path may be reused) */
	ino_t ino;
	struct dnsbl_gen *next; /* retired list link (under h->mu) */
};

struct dnsbl {
	char dir[PATH_MAX];
	unsigned check_ms;
	unsigned open_flags; /* DBL_DB_* for dbl_db_open_file_flags */
	_Atomic(struct dnsbl_gen *) live;
	_Atomic int64_t next_check_ms; /* CLOCK_MONOTONIC_COARSE, ms */
	_Atomic int open_err;          /* last failed open, 0 = none */
	pthread_mutex_t mu;            /* held to open/publish, reclaim, (un)register readers */
	struct dnsbl_gen *retired;     /* replaced, maybe still named by a hazard slot */
	struct dnsbl_reader *readers;  /* registered readers (list under mu) */
	unsigned nreaders;
	dev_t bad_dev; /* the last file that failed to open: not retried until */
	ino_t bad_ino; /* DIR/current changes (or dnsbl_refresh) */
};

#define DNSBL_ZCACHE 4 /* zones remembered per reader (ZEN + DBL + a few) */

struct dnsbl_zcache {
	char text[DBL_NAME_MAX + 1];
	uint8_t wire[DBL_NAME_MAX];
	size_t wlen;
	unsigned labels;
	bool used;
};

struct dnsbl_reader {
	_Atomic(struct dnsbl_gen *) hazard; /* generation this reader may touch */
	struct dnsbl *h;
	struct dnsbl_gen *gen; /* generation txn was begun on (== hazard) */
	struct dbl_rtxn txn;
	bool txn_open;
	struct dnsbl_reader *prev, *next; /* h->readers list (under h->mu) */
	/* the last zone names parsed (callers use one or a few zones): text
	 * and wire labels (no root), so most lookups copy instead of parsing */
	struct dnsbl_zcache zc[DNSBL_ZCACHE];
	unsigned zc_next; /* slot replaced next (round robin) */
	/* scratch of one lookup: the question and the answer it gets */
	struct dbl_msg m;
	uint8_t req[DBL_HDR_LEN + DBL_NAME_MAX + 4];
	uint8_t resp[65535]; /* 65535: the TCP limit, so nothing is cut */
};

/* The reader's read transaction on the live generation, after the refresh
 * check (at most once per check interval, any thread). NULL when no
 * generation is open or a transaction cannot begin (*err set). Borrowed
 * until the next call on r. */
__attribute__((visibility("hidden"))) struct dbl_rtxn *dnsbl_reader_txn(struct dnsbl_reader *r,
                                                                        int *err);

/* Map a libdnsbl code to the public one (DBL_ECORRUPT -> DNSBL_ECORRUPT...). */
__attribute__((visibility("hidden"))) int dnsbl_err_public(int rc);

#endif
