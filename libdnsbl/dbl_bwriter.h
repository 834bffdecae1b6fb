/* dbl_bwriter.h - the writer of one generation file (builder internals,
 * used by dbl_build.c).
 *
 * A dbl_bwriter is caller-owned (zero it, then dbl_bwriter_open); it owns
 * the LMDB environment and write transaction until dbl_bwriter_finish or
 * dbl_bwriter_abort. The file is not published here: the loader renames it
 * afterwards, so a writer that fails or is killed leaves nothing visible.
 * Records must be put in ascending key order per key space when MDB_APPEND
 * is passed (dense pages, no splits).
 */
#ifndef DBL_BWRITER_H
#define DBL_BWRITER_H

#include <stddef.h>

#include <lmdb.h>

/* Records per write transaction: one transaction never exceeds LMDB's
 * dirty-page limit (MDB_TXN_FULL); partial commits stay invisible because
 * the file is unpublished. */
#define DBL_BUILD_TXN_PUTS 400000

struct dbl_bwriter {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, zone, ip4, ip6, name, vset;
	MDB_cursor *cur; /* open on curdbi in txn, or NULL; closed before every commit */
	MDB_dbi curdbi;
	size_t puts;
	size_t kill_at; /* fault injection: SIGKILL after this many puts (0 = off) */
};

/* Create path (removing a stale one) with a map of mapsize bytes (0: 64
 * GiB of address space, the most the file may grow to; it grows by the
 * pages written), open every key space and begin the first transaction.
 * Returns 0 or a negative dbl error; on error call dbl_bwriter_abort. */
int dbl_bwriter_open(struct dbl_bwriter *w, const char *path, size_t mapsize);

/* Put one record (k and v are copied). Commits and begins a new
 * transaction every DBL_BUILD_TXN_PUTS records. Returns 0 or a negative
 * dbl error. */
int dbl_bwriter_put(struct dbl_bwriter *w, MDB_dbi dbi, const void *k, size_t kl, const void *v,
                    size_t vl, unsigned flags);

/* Commit, sync and close; *bytes = final file size. The environment is
 * closed on return, whatever the result. Returns 0 or a negative dbl
 * error / -errno. */
int dbl_bwriter_finish(struct dbl_bwriter *w, const char *path, size_t *bytes);

/* Abort the transaction and close the environment if still open (safe
 * after finish, and on a zeroed writer). */
void dbl_bwriter_abort(struct dbl_bwriter *w);

#endif
