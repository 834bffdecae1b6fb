/* dbl_bwriter.c - the writer of one generation file (see dbl_bwriter.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbl_bwriter.h"
#include "dbl_err.h"
#include "dbl_fault.h"
#include "dbl_schema.h"

/* Disk full while LMDB writes through the shared map (WRITEMAP) cannot
 * return an error: the kernel raises SIGBUS at the write fault. The guard
 * turns that into the loader's usual failure: a message naming the file,
 * the unpublished file removed, exit status 1 (nothing published; the
 * live generation is untouched, as after any crash). Only async-signal-
 * safe calls in the handler. */
static const char *bus_path;
static char bus_msg[PATH_MAX + 128];
static size_t bus_msglen;

static void on_sigbus(int sig)
{
	(void)sig;
	if (write(2, bus_msg, bus_msglen) < 0) {
		/* nothing more to do: exiting anyway */
	}
	unlink(bus_path);
	_exit(1);
}

void dbl_bwriter_guard(const char *path, struct sigaction *old)
{
	struct sigaction sa;
	int n = snprintf(bus_msg, sizeof bus_msg,
	                 "%s: error: %s: cannot write database: SIGBUS on a write to the map "
	                 "(disk full?); nothing published\n",
	                 program_invocation_short_name, path);

	bus_msglen = n > 0 && (size_t)n < sizeof bus_msg ? (size_t)n : 0;
	bus_path = path;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, old);
}

static void cursor_drop(struct dbl_bwriter *w)
{
	if (w->cur)
		mdb_cursor_close(w->cur);
	w->cur = NULL;
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
		raise(w->kill_sig);
	if (w->puts % DBL_BUILD_TXN_PUTS == 0) {
		cursor_drop(w);
		rc = mdb_txn_commit(w->txn);
		w->txn = NULL;
		if (rc == 0)
			rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
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
	w->kill_at = dbl_fault_point("mid-write") || dbl_fault_point("disk-full") ? 3 : 0;
	w->kill_sig = dbl_fault_point("disk-full") ? SIGBUS : SIGKILL;
	if ((rc = env_create(w, mapsize)))
		return dbl_err_from_mdb(rc);
	/* NOLOCK: only this process ever opens the unpublished file (the
	 * loader holds DIR/.lock). NOSYNC: one explicit sync before publish.
	 * WRITEMAP: pages are written in the shared map, not malloc'ed,
	 * looked up in the dirty list and copied by writev at each commit
	 * (12 % less CPU for a scale-1 load); LMDB then extends the file
	 * (sparse) to the map size, so dbl_bwriter_finish truncates it to the
	 * pages used. A file system that refuses that size gets the plain
	 * mode. Disk full shows as SIGBUS on a write fault: see
	 * dbl_bwriter_guard. */
	w->writemap = true;
	/* NORDAHEAD (LMDB madvises its whole map MADV_RANDOM): a write fault
	 * in a hole would otherwise read ahead, the kernel zero-filling large
	 * folios of the sparse file around it (9 % of a scale-10 load in
	 * memset). One page per fault. mdb_env_info's me_mapaddr cannot be
	 * used for this: it is NULL unless MDB_FIXEDMAP. */
	rc = mdb_env_open(w->env, path,
	                  MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC | MDB_WRITEMAP | MDB_NORDAHEAD,
	                  0644);
	if (rc == EFBIG || rc == EINVAL || rc == ENOSPC) {
		mdb_env_close(w->env);
		w->env = NULL;
		unlink(path);
		if ((rc = env_create(w, mapsize)))
			return dbl_err_from_mdb(rc);
		w->writemap = false;
		rc = mdb_env_open(w->env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644);
	}
	if (rc == 0)
		rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
	for (size_t i = 0; rc == 0 && i < sizeof spaces / sizeof spaces[0]; i++)
		rc = mdb_dbi_open(w->txn, spaces[i].name, MDB_CREATE, spaces[i].dbi);
	return dbl_err_from_mdb(rc);
}

/* Commit, flush the map to disk, close; in WRITEMAP mode cut the sparse
 * tail (beyond the last page written) and make the new size durable too. */
int dbl_bwriter_finish(struct dbl_bwriter *w, const char *path, size_t *bytes)
{
	struct stat sb;
	MDB_envinfo info;
	MDB_stat ms;
	off_t used = 0;
	int rc;

	cursor_drop(w);
	rc = mdb_txn_commit(w->txn);

	w->txn = NULL;
	if (rc == 0)
		rc = mdb_env_sync(w->env, 1);
	if (rc == 0 && w->writemap && (rc = mdb_env_info(w->env, &info)) == 0 &&
	    (rc = mdb_env_stat(w->env, &ms)) == 0)
		used = (off_t)(info.me_last_pgno + 1) * (off_t)ms.ms_psize;
	mdb_env_close(w->env);
	w->env = NULL;
	if (rc)
		return dbl_err_from_mdb(rc);
	if (used > 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (ftruncate(fd, used) != 0 || fsync(fd) != 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
		close(fd);
	}
	if (stat(path, &sb) == 0)
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
