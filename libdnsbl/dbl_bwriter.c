/* dbl_bwriter.c - the writer of one generation file (see dbl_bwriter.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbl_bwriter.h"
#include "dbl_err.h"
#include "dbl_fault.h"
#include "dbl_schema.h"

static void cursor_drop(struct dbl_bwriter *w)
{
	if (w->cur)
		mdb_cursor_close(w->cur);
	w->cur = NULL;
}

/* After a partial commit: start writing the file's dirty pages to disk
 * now (SYNC_FILE_RANGE_WRITE: queued, not waited for), while the build
 * goes on, so the sync before publish (dbl_bwriter_finish) finds little
 * left: at scale 10 that fdatasync waited 0.16 s for 517 MB. Advice only:
 * an error here is the final sync's to report. */
static void start_writeback(struct dbl_bwriter *w)
{
	int fd;

	if (mdb_env_get_fd(w->env, &fd) == 0)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* One cursor kept across puts: mdb_put opens a fresh cursor per call, and
 * with MDB_APPEND that cursor walks from the root to the last leaf before
 * every record; a cursor left on the last leaf does not (LMDB's
 * mdb_cursor_last keeps an initialised cursor at the end where it is). At
 * 45 M records per scale-10 load that walk was a large part of LMDB's
 * share. */
int dbl_bwriter_put(struct dbl_bwriter *w, MDB_dbi dbi, const void *k, size_t kl, const void *v,
                    size_t vl, unsigned flags)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
	int rc;

	if (!w->cur || w->curdbi != dbi) {
		cursor_drop(w);
		if ((rc = mdb_cursor_open(w->txn, dbi, &w->cur)) != 0)
			return dbl_err_from_mdb(rc); /* w->cur stays NULL */
		w->curdbi = dbi;
	}
	if ((rc = mdb_cursor_put(w->cur, &key, &val, flags)) != 0)
		return dbl_err_from_mdb(rc);
	if (++w->puts == w->kill_at)
		raise(SIGKILL);
	if (w->puts % DBL_BUILD_TXN_PUTS == 0) {
		cursor_drop(w);
		rc = mdb_txn_commit(w->txn);
		w->txn = NULL;
		if (rc == 0) {
			start_writeback(w);
			rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
		}
		return dbl_err_from_mdb(rc);
	}
	return 0;
}

/* A new environment for w: 8 named databases (6 used), a map of mapsize
 * bytes that only reserves address space (the file grows as written). */
static int env_create(struct dbl_bwriter *w, size_t mapsize)
{
	int rc = mdb_env_create(&w->env);

	if (rc)
		return rc;
	mdb_env_set_maxdbs(w->env, 8);
	mdb_env_set_mapsize(w->env, mapsize ? mapsize : (size_t)64 << 30);
	return 0;
}

int dbl_bwriter_open(struct dbl_bwriter *w, const char *path, size_t mapsize)
{
	const struct {
		const char *name;
		MDB_dbi *dbi;
	} spaces[] = {{DBL_DBI_META, &w->meta}, {DBL_DBI_ZONE, &w->zone}, {DBL_DBI_IP4, &w->ip4},
	              {DBL_DBI_IP6, &w->ip6},   {DBL_DBI_NAME, &w->name}, {DBL_DBI_VSET, &w->vset}};
	int rc;

	unlink(path);
	w->kill_at = dbl_fault_point("mid-write") ? 3 : 0;
	if ((rc = env_create(w, mapsize)))
		return dbl_err_from_mdb(rc);
	/* NOLOCK: only this process ever opens the unpublished file (the
	 * loader holds DIR/.lock). NOSYNC: one explicit sync before publish.
	 * No WRITEMAP: LMDB builds each transaction's pages in memory and
	 * writes them with pwritev at commit, so the file grows by whole
	 * pages written, never by faults on a sparse map (each one a zeroed
	 * page cache page, 195 k of them at scale 10): on kernel 6.18 a
	 * scale-1 load takes 11 % and a scale-10 load 8 % less time than
	 * through the map, with 400 MB less resident at scale 10
	 * (bench/RESULTS.md, stop 23), and a full disk is an error returned
	 * by the commit (ENOSPC, or EIO for a short write), not a SIGBUS. */
	rc = mdb_env_open(w->env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644);
	if (rc == 0)
		rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
	for (size_t i = 0; rc == 0 && i < sizeof spaces / sizeof spaces[0]; i++)
		rc = mdb_dbi_open(w->txn, spaces[i].name, MDB_CREATE, spaces[i].dbi);
	return dbl_err_from_mdb(rc);
}

/* Commit, write out, sync and close. */
int dbl_bwriter_finish(struct dbl_bwriter *w, const char *path, size_t *bytes)
{
	struct stat sb;
	int rc;

	cursor_drop(w);
	rc = mdb_txn_commit(w->txn);
	w->txn = NULL;
	if (rc == 0)
		rc = mdb_env_sync(w->env, 1);
	mdb_env_close(w->env);
	w->env = NULL;
	if (rc)
		return dbl_err_from_mdb(rc);
	if (stat(path, &sb) != 0)
		return -errno;
	*bytes = (size_t)sb.st_size;
	return 0;
}

void dbl_bwriter_abort(struct dbl_bwriter *w)
{
	if (w->txn) {
		cursor_drop(w);
		mdb_txn_abort(w->txn);
	}
	w->txn = NULL;
	if (w->env)
		mdb_env_close(w->env);
	w->env = NULL;
}
