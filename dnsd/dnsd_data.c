/* dnsd_data.c - open, watch, publish and reclaim data generations (see
 * dnsd_data.h for the hand-over between threads). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbl_err.h"
#include "dbl_log.h"
#include "dnsd_data.h"

#define CHECK_INTERVAL_MS 1000 /* brief: a new generation is live within ~1 s */

static void no_data(struct dnsd_data *d, int err)
{
	struct dnsd_gen *g = atomic_load(&d->live);

	if (err == d->last_err)
		return;
	d->last_err = err;
	if (g)
		dbl_log(DBL_LOG_WARNING, "%s/current: %s; still serving generation %llu (%s)",
		        d->dir, dbl_strerror(err), (unsigned long long)g->db->generation,
		        g->db->path);
	else
		dbl_log(DBL_LOG_WARNING,
		        "no data: %s/current: %s; answering REFUSED until dnsbl-load publishes a "
		        "generation",
		        d->dir, dbl_strerror(err));
}

/* Errors that go away by themselves (descriptors or memory exhausted for a
 * moment): the generation is tried again at the next check. Anything else
 * (corrupt file, other schema) is remembered and not retried until
 * DIR/current changes or SIGHUP, so it is logged once, not every second. */
static bool transient(int rc)
{
	return rc == -EMFILE || rc == -ENFILE || rc == -ENOMEM || rc == -EAGAIN || rc == -EINTR ||
	       rc == -ENOSPC;
}

static void gen_free(struct dnsd_gen *g)
{
	if (g->db)
		dbl_db_close(g->db);
	free(g);
}

/* Open path and try a read transaction on it: any failure leaves the old
 * generation serving. Resident (dbl_db.h): the disk reads of a new
 * generation happen here, while the old one still serves, instead of as
 * page faults in the first queries after the switch; on huge pages where
 * the kernel allows it (~3 % less CPU per query at 50k qps, scale 1,
 * bench/RESULTS.md). Runs on a pool thread (or the main thread at start);
 * touches nothing shared. */
static int open_gen(const char *path, struct dbl_db **out)
{
	struct dbl_db *ndb = NULL;
	struct dbl_rtxn probe;
	int rc = dbl_db_open_file_flags(&ndb, path, DBL_DB_RESIDENT);

	if (rc == 0) {
		rc = dbl_rtxn_begin(&probe, ndb);
		if (rc == 0)
			dbl_rtxn_end(&probe);
		else
			dbl_db_close(ndb);
	}
	*out = rc == 0 ? ndb : NULL;
	return rc;
}

/* Main thread: publish the opened ndb (rc 0), or log why path failed. */
static int publish(struct dnsd_data *d, const char *path, const struct stat *st, int rc,
                   struct dbl_db *ndb)
{
	struct dnsd_gen *ng = NULL, *old;

	if (rc == 0 && !(ng = calloc(1, sizeof *ng))) {
		dbl_db_close(ndb);
		rc = -ENOMEM;
	}
	old = atomic_load(&d->live);
	if (rc) {
		if (transient(rc)) {
			/* retried at every check; logged once per error */
			if (rc == d->last_err)
				return rc;
			d->last_err = rc;
		} else {
			d->bad_dev = st->st_dev;
			d->bad_ino = st->st_ino;
			snprintf(d->bad_path, sizeof d->bad_path, "%s", path);
		}
		if (old)
			dbl_log(DBL_LOG_ERR, "cannot open %s: %s; keeping generation %llu (%s)",
			        path, dbl_strerror(rc), (unsigned long long)old->db->generation,
			        old->db->path);
		else
			dbl_log(DBL_LOG_ERR, "cannot open %s: %s; answering REFUSED", path,
			        dbl_strerror(rc));
		return rc;
	}
	ng->db = ndb;
	ng->dev = st->st_dev;
	ng->ino = st->st_ino;
	/* seq_cst: ordered against the readers' hazard announcements. */
	old = atomic_exchange(&d->live, ng);
	if (old) {
		old->next = d->retired;
		d->retired = old;
	}
	d->bad_dev = 0;
	d->bad_ino = 0;
	d->bad_path[0] = 0;
	d->last_err = 0;
	d->switches++;
	dbl_log(DBL_LOG_NOTICE, "loaded generation %llu (%s), %u zone%s",
	        (unsigned long long)ndb->generation, ndb->path, ndb->cat.nzones,
	        ndb->cat.nzones == 1 ? "" : "s");
	if (d->on_publish)
		d->on_publish(d->on_publish_arg);
	dnsd_data_reclaim(d);
	return 0;
}

static void on_open_work(uv_work_t *w)
{
	struct dnsd_data *d = w->data;

	d->open_rc = open_gen(d->open_path, &d->open_db);
}

static void on_open_done(uv_work_t *w, int status)
{
	struct dnsd_data *d = w->data;
	struct dbl_db *ndb = d->open_db;

	d->opening = false;
	d->open_db = NULL;
	if (status != 0 || d->stopping) { /* cancelled, or shutting down */
		if (ndb)
			dbl_db_close(ndb);
		return;
	}
	publish(d, d->open_path, &d->open_st, d->open_rc, ndb);
	if (d->recheck) {
		d->recheck = false;
		dnsd_data_check(d, d->recheck_force);
	}
}

/* What DIR/current names, when it needs opening: 1 (path, st filled),
 * 0 nothing to do. */
static int wanted(struct dnsd_data *d, bool force, char *path, size_t size, struct stat *st)
{
	struct dnsd_gen *live = atomic_load(&d->live);
	int rc = dbl_db_current(d->dir, path, size);

	if (rc == 0 && stat(path, st) != 0)
		rc = -errno;
	if (rc) {
		no_data(d, rc);
		return 0;
	}
	if (live && st->st_dev == live->dev && st->st_ino == live->ino) {
		d->last_err = 0;
		return 0; /* unchanged */
	}
	if (!force && st->st_dev == d->bad_dev && st->st_ino == d->bad_ino &&
	    strcmp(path, d->bad_path) == 0)
		return 0; /* already failed and logged */
	return 1;
}

void dnsd_data_check(struct dnsd_data *d, bool force)
{
	if (d->stopping)
		return;
	if (d->opening) {
		d->recheck = true;
		d->recheck_force |= force;
		return;
	}
	d->recheck_force = false;
	if (!wanted(d, force, d->open_path, sizeof d->open_path, &d->open_st))
		return;
	dbl_log(DBL_LOG_INFO, "%s/current -> %s: opening", d->dir, d->open_path);
	d->open_work.data = d;
	d->open_db = NULL;
	if (uv_queue_work(d->loop, &d->open_work, on_open_work, on_open_done) == 0) {
		d->opening = true;
		return;
	}
	/* no thread pool: open here */
	d->open_rc = open_gen(d->open_path, &d->open_db);
	publish(d, d->open_path, &d->open_st, d->open_rc, d->open_db);
	d->open_db = NULL;
}

static void on_close_work(uv_work_t *w)
{
	struct dnsd_gen *g = w->data;

	dbl_db_close(g->db);
	g->db = NULL;
}

static void on_close_done(uv_work_t *w, int status)
{
	struct dnsd_gen *g = w->data;

	(void)status; /* cancelled: close it here */
	gen_free(g);
}

void dnsd_data_reclaim(struct dnsd_data *d)
{
	struct dnsd_gen **pp = &d->retired;

	while (*pp) {
		struct dnsd_gen *g = *pp;
		bool used = false;

		for (unsigned i = 0; i < d->nreaders && !used; i++)
			used = atomic_load(&d->readers[i]->hazard) == g;
		if (used) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		dbl_log(DBL_LOG_INFO, "closed generation %llu (%s): no thread uses it",
		        (unsigned long long)g->db->generation, g->db->path);
		d->closed++;
		/* munmap of a resident 100 MB map takes milliseconds: not on
		 * the main loop, which also serves the main worker */
		g->close_work.data = g;
		if (uv_queue_work(d->loop, &g->close_work, on_close_work, on_close_done) != 0)
			gen_free(g);
	}
}

static void on_timer(uv_timer_t *t)
{
	struct dnsd_data *d = t->data;

	dnsd_data_check(d, false);
	dnsd_data_reclaim(d); /* cheap backstop; normally done on the async */
}

static void on_reclaim(uv_async_t *a)
{
	dnsd_data_reclaim(a->data);
}

int dnsd_data_start(struct dnsd_data *d, uv_loop_t *loop, const char *dir,
                    struct dnsd_reader **readers, unsigned nreaders)
{
	struct stat st;
	int rc;

	d->loop = loop;
	d->dir = dir;
	d->readers = readers;
	d->nreaders = nreaders;
	atomic_init(&d->live, NULL);
	if (stat(dir, &st) != 0)
		dbl_log(DBL_LOG_WARNING, "database directory %s: %s (waiting for it to appear)",
		        dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		dbl_log(DBL_LOG_WARNING, "database directory %s is not a directory", dir);
	rc = uv_timer_init(loop, &d->timer);
	if (rc)
		return rc;
	d->timer.data = d;
	rc = uv_async_init(loop, &d->reclaim, on_reclaim);
	if (rc)
		return rc;
	d->reclaim.data = d;
	/* The first generation is opened here, before any thread serves. */
	{
		struct dbl_db *ndb = NULL;
		if (wanted(d, true, d->open_path, sizeof d->open_path, &d->open_st)) {
			dbl_log(DBL_LOG_INFO, "%s/current -> %s: opening", d->dir, d->open_path);
			rc = open_gen(d->open_path, &ndb);
			publish(d, d->open_path, &d->open_st, rc, ndb);
		}
	}
	return uv_timer_start(&d->timer, on_timer, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS);
}

void dnsd_data_stop(struct dnsd_data *d)
{
	/* An open on the pool finishes (the loop waits for it) and its
	 * generation is closed unpublished. */
	d->stopping = true;
	if (d->opening)
		uv_cancel((uv_req_t *)&d->open_work);
	if (d->timer.loop && !uv_is_closing((uv_handle_t *)&d->timer))
		uv_close((uv_handle_t *)&d->timer, NULL);
	if (d->reclaim.loop && !uv_is_closing((uv_handle_t *)&d->reclaim))
		uv_close((uv_handle_t *)&d->reclaim, NULL);
}

void dnsd_data_close(struct dnsd_data *d)
{
	struct dnsd_gen *g = atomic_exchange(&d->live, NULL);

	if (g)
		gen_free(g);
	while ((g = d->retired)) {
		d->retired = g->next;
		gen_free(g);
	}
}

/* ---- reader side: runs on the owning server thread ---- */

void dnsd_reader_init(struct dnsd_reader *r, struct dnsd_data *d)
{
	memset(r, 0, sizeof *r);
	atomic_init(&r->hazard, NULL);
	r->data = d;
}

/* Move to the generation `live` names now: end the old transaction, take
 * a validated hazard on the new generation, begin a transaction on it. */
static struct dbl_rtxn *switch_gen(struct dnsd_reader *r)
{
	struct dnsd_data *d = r->data;
	struct dnsd_gen *g, *old = r->gen;
	int rc;

	if (r->txn_open) {
		dbl_rtxn_end(&r->txn);
		r->txn_open = false;
	}
	/* Announce, then confirm it is still live: if the main thread swapped
	 * in between, it may not have seen the announcement, so retry. Bounded
	 * in practice by the publish rate (at most one per second). */
	do {
		g = atomic_load(&d->live);
		atomic_store(&r->hazard, g);
	} while (atomic_load(&d->live) != g);
	r->gen = g;
	if (old && old != g)
		uv_async_send(&d->reclaim); /* let the main thread close it */
	if (!g)
		return NULL;
	rc = dbl_rtxn_begin(&r->txn, g->db);
	if (rc) {
		/* Only ENOMEM can get here (the main thread tried a transaction
		 * on this file before publishing it): answer REFUSED for this
		 * batch and try again on the next. */
		if (dbl_log_enabled(DBL_LOG_ERR))
			dbl_log(DBL_LOG_ERR, "read transaction begin failed: %s", dbl_strerror(rc));
		return NULL;
	}
	r->txn_open = true;
	return &r->txn;
}

struct dbl_rtxn *dnsd_reader_begin(struct dnsd_reader *r)
{
	/* acquire: the generation's contents were written before the
	 * release half of the publisher's exchange. */
	struct dnsd_gen *live = atomic_load_explicit(&r->data->live, memory_order_acquire);

	if (live == r->gen && r->txn_open)
		return &r->txn; /* the common case: one load, one compare */
	if (!live && !r->gen)
		return NULL;
	return switch_gen(r);
}

void dnsd_reader_end(struct dnsd_reader *r)
{
	/* Nothing to release: the transaction stays open on its generation
	 * (see dnsd_data.h), so the next batch starts without a renew. */
	(void)r;
}

void dnsd_reader_release(struct dnsd_reader *r)
{
	if (r->txn_open)
		dbl_rtxn_end(&r->txn);
	r->txn_open = false;
	r->gen = NULL;
	atomic_store(&r->hazard, NULL);
}
