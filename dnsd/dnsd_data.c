/* dnsd_data.c - open, watch and swap data generations (see dnsd_data.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dbl_err.h"
#include "dbl_log.h"
#include "dnsd_data.h"

#define CHECK_INTERVAL_MS 1000 /* brief: a new generation is live within ~1 s */

static void no_data(struct dnsd_data *d, int err)
{
	if (err == d->last_err)
		return;
	d->last_err = err;
	if (d->db)
		dbl_log(DBL_LOG_WARNING, "%s/current: %s; still serving generation %llu (%s)",
		        d->dir, dbl_strerror(err), (unsigned long long)d->db->generation,
		        d->db->path);
	else
		dbl_log(DBL_LOG_WARNING,
		        "no data: %s/current: %s; answering REFUSED until dnsbl-load publishes a "
		        "generation",
		        d->dir, dbl_strerror(err));
}

/* Open path and make it the live generation. The new generation and its
 * read transaction are fully set up before the old one is touched, so any
 * failure leaves the old one serving. */
static int switch_to(struct dnsd_data *d, const char *path, const struct stat *st)
{
	struct dbl_db *ndb = NULL;
	struct dbl_rtxn ntxn;
	int rc;

	rc = dbl_db_open_file(&ndb, path);
	if (rc == 0) {
		rc = dbl_rtxn_begin(&ntxn, ndb);
		if (rc)
			dbl_db_close(ndb);
	}
	if (rc) {
		d->bad_dev = st->st_dev;
		d->bad_ino = st->st_ino;
		snprintf(d->bad_path, sizeof d->bad_path, "%s", path);
		if (d->db)
			dbl_log(DBL_LOG_ERR, "cannot open %s: %s; keeping generation %llu (%s)",
			        path, dbl_strerror(rc), (unsigned long long)d->db->generation,
			        d->db->path);
		else
			dbl_log(DBL_LOG_ERR, "cannot open %s: %s; answering REFUSED", path,
			        dbl_strerror(rc));
		return rc;
	}
	dbl_rtxn_reset(&ntxn);
	if (d->db) {
		dbl_rtxn_end(&d->txn);
		dbl_db_close(d->db);
	}
	d->db = ndb;
	d->txn = ntxn;
	d->txn_active = false;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->bad_dev = 0;
	d->bad_ino = 0;
	d->bad_path[0] = 0;
	d->last_err = 0;
	d->switches++;
	dbl_log(DBL_LOG_NOTICE, "loaded generation %llu (%s), %u zone%s",
	        (unsigned long long)ndb->generation, ndb->path, ndb->cat.nzones,
	        ndb->cat.nzones == 1 ? "" : "s");
	return 0;
}

void dnsd_data_check(struct dnsd_data *d, bool force)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	/* Timers and signals never run inside a packet callback, but a batch's
	 * transaction may still be active if the check handle has not run yet
	 * (SIGHUP delivered in the same iteration): release it first. */
	if (d->txn_active) {
		dbl_rtxn_reset(&d->txn);
		d->txn_active = false;
	}
	rc = dbl_db_current(d->dir, path, sizeof path);
	if (rc == 0 && stat(path, &st) != 0)
		rc = -errno;
	if (rc) {
		no_data(d, rc);
		return;
	}
	if (d->db && st.st_dev == d->dev && st.st_ino == d->ino) {
		d->last_err = 0;
		return; /* unchanged */
	}
	if (!force && st.st_dev == d->bad_dev && st.st_ino == d->bad_ino &&
	    strcmp(path, d->bad_path) == 0)
		return; /* already failed and logged */
	dbl_log(DBL_LOG_INFO, "%s/current -> %s: opening", d->dir, path);
	switch_to(d, path, &st);
}

static void on_timer(uv_timer_t *t)
{
	dnsd_data_check(t->data, false);
}

/* Runs once per loop iteration right after I/O polling: the batch of packets
 * delivered by that poll is done, so end its snapshot. */
static void on_check(uv_check_t *c)
{
	struct dnsd_data *d = c->data;

	if (d->txn_active) {
		dbl_rtxn_reset(&d->txn);
		d->txn_active = false;
	}
}

struct dbl_rtxn *dnsd_data_rtxn(struct dnsd_data *d)
{
	int rc;

	if (!d->db)
		return NULL;
	if (d->txn_active)
		return &d->txn;
	rc = dbl_rtxn_renew(&d->txn);
	if (rc) {
		/* Renew cannot fail on an immutable read-only file short of
		 * memory corruption; start a fresh transaction once. */
		dbl_log(DBL_LOG_ERR, "read transaction renew failed: %s", dbl_strerror(rc));
		dbl_rtxn_end(&d->txn);
		rc = dbl_rtxn_begin(&d->txn, d->db);
		if (rc) {
			dbl_log(DBL_LOG_ERR, "read transaction begin failed: %s", dbl_strerror(rc));
			return NULL;
		}
	}
	d->txn_active = true;
	return &d->txn;
}

int dnsd_data_start(struct dnsd_data *d, uv_loop_t *loop, const char *dir)
{
	struct stat st;
	int rc;

	memset(d, 0, sizeof *d);
	d->loop = loop;
	d->dir = dir;
	if (stat(dir, &st) != 0)
		dbl_log(DBL_LOG_WARNING, "database directory %s: %s (waiting for it to appear)",
		        dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		dbl_log(DBL_LOG_WARNING, "database directory %s is not a directory", dir);
	rc = uv_timer_init(loop, &d->timer);
	if (rc == 0)
		rc = uv_check_init(loop, &d->check);
	if (rc)
		return rc;
	d->timer.data = d;
	d->check.data = d;
	dnsd_data_check(d, true);
	rc = uv_timer_start(&d->timer, on_timer, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS);
	if (rc == 0)
		rc = uv_check_start(&d->check, on_check);
	return rc;
}

void dnsd_data_stop(struct dnsd_data *d)
{
	if (!uv_is_closing((uv_handle_t *)&d->timer))
		uv_close((uv_handle_t *)&d->timer, NULL);
	if (!uv_is_closing((uv_handle_t *)&d->check))
		uv_close((uv_handle_t *)&d->check, NULL);
	if (d->db) {
		dbl_rtxn_end(&d->txn);
		dbl_db_close(d->db);
		d->db = NULL;
	}
	d->txn_active = false;
}
