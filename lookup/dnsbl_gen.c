/* dnsbl_gen.c - the handle: open, watch DIR/current, move readers to a new
 * generation and close the old one once no reader uses it (dnsbl.h,
 * "Threads" and "Refresh"; the scheme is dnsd/dnsd_data.h's).
 *
 * Safety of the hand-over (sequentially consistent atomics): a publisher
 * swaps `live`, then scans the hazard slots under h->mu before freeing the
 * old generation; a reader stores its hazard, then re-reads `live` and
 * retries if it changed. Either the reader sees the swap (and never touches
 * the old generation) or the scan sees its hazard (and keeps it open).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dbl_err.h"
#include "dnsbl_int.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	/* COARSE: a vDSO read without a counter access (a few ns); its
	 * resolution (1-4 ms) is far below the check interval. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dnsbl_err_public(int rc)
{
	switch (rc) {
	case DBL_ECORRUPT:
		return DNSBL_ECORRUPT;
	case DBL_ESCHEMA:
		return DNSBL_ESCHEMA;
	case DBL_ETOOBIG:
	case DBL_ESYNTAX:
		return DNSBL_EBADNAME;
	}
	return rc < DBL_EBASE + 1000 && rc >= DBL_EBASE ? DNSBL_ECORRUPT : rc;
}

static void gen_free(struct dnsbl_gen *g)
{
	dbl_db_close(g->db);
	free(g);
}

/* Under h->mu: close every retired generation no reader names. */
static void reclaim_locked(struct dnsbl *h)
{
	struct dnsbl_gen **pp = &h->retired;

	while (*pp) {
		struct dnsbl_gen *g = *pp;
		bool used = false;

		for (struct dnsbl_reader *r = h->readers; r && !used; r = r->next)
			used = atomic_load(&r->hazard) == g;
		if (used) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		gen_free(g);
	}
}

/* Under h->mu: open DIR/current if it is not the live generation and
 * publish it. The new file is opened and a transaction tried on it before
 * anything is swapped, so a failure leaves the old one serving. */
static int check_locked(struct dnsbl *h, bool force)
{
	struct dnsbl_gen *live = atomic_load(&h->live), *ng = NULL, *old;
	struct dbl_db *db = NULL;
	struct dbl_rtxn probe;
	char path[PATH_MAX];
	struct stat st;
	int rc;

	rc = dbl_db_current(h->dir, path, sizeof path);
	if (rc == 0 && stat(path, &st) != 0)
		rc = -errno;
	if (rc) {
		atomic_store(&h->open_err, rc);
		return rc;
	}
	if (live && st.st_dev == live->dev && st.st_ino == live->ino)
		return 0;
	if (!force && st.st_dev == h->bad_dev && st.st_ino == h->bad_ino)
		return atomic_load(&h->open_err);
	rc = dbl_db_open_file_flags(&db, path, h->open_flags);
	if (rc == 0) {
		rc = dbl_rtxn_begin(&probe, db);
		if (rc == 0)
			dbl_rtxn_end(&probe);
		else
			dbl_db_close(db);
	}
	if (rc == 0 && !(ng = calloc(1, sizeof *ng))) {
		dbl_db_close(db);
		rc = -ENOMEM;
	}
	if (rc) {
		rc = dnsbl_err_public(rc);
		h->bad_dev = st.st_dev;
		h->bad_ino = st.st_ino;
		atomic_store(&h->open_err, rc);
		return rc;
	}
	ng->db = db;
	ng->dev = st.st_dev;
	ng->ino = st.st_ino;
	old = atomic_exchange(&h->live, ng);
	if (old) {
		old->next = h->retired;
		h->retired = old;
	}
	h->bad_dev = 0;
	h->bad_ino = 0;
	atomic_store(&h->open_err, 0);
	reclaim_locked(h);
	return 0;
}

int dnsbl_open(struct dnsbl **out, const char *dir, unsigned check_ms, unsigned flags)
{
	struct dnsbl *h;
	int rc;

	*out = NULL;
	if (!dir || !*dir)
		return -EINVAL;
	if (strlen(dir) >= sizeof h->dir - sizeof "/current")
		return -ENAMETOOLONG;
	h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	snprintf(h->dir, sizeof h->dir, "%s", dir);
	h->check_ms = check_ms;
	h->open_flags = flags & DNSBL_OPEN_RESIDENT ? DBL_DB_RESIDENT : 0;
	atomic_init(&h->live, NULL);
	atomic_init(&h->next_check_ms, now_ms() + check_ms);
	atomic_init(&h->open_err, 0);
	if ((rc = pthread_mutex_init(&h->mu, NULL)) != 0) {
		free(h);
		return -rc;
	}
	rc = check_locked(h, true); /* no other thread knows h yet */
	if (rc) {
		dnsbl_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

int dnsbl_open_error(const struct dnsbl *h)
{
	return atomic_load(&((struct dnsbl *)h)->open_err);
}

int dnsbl_close(struct dnsbl *h)
{
	struct dnsbl_gen *g;

	if (!h)
		return 0;
	if (h->nreaders)
		return -EBUSY;
	if ((g = atomic_exchange(&h->live, NULL)))
		gen_free(g);
	while ((g = h->retired)) {
		h->retired = g->next;
		gen_free(g);
	}
	pthread_mutex_destroy(&h->mu);
	free(h);
	return 0;
}

int dnsbl_refresh(struct dnsbl *h)
{
	pthread_mutex_lock(&h->mu);
	check_locked(h, true);
	atomic_store(&h->next_check_ms, now_ms() + h->check_ms);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

int dnsbl_reader_new(struct dnsbl *h, struct dnsbl_reader **out)
{
	struct dnsbl_reader *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r)
		return -ENOMEM;
	atomic_init(&r->hazard, NULL);
	r->h = h;
	pthread_mutex_lock(&h->mu);
	r->next = h->readers;
	if (h->readers)
		h->readers->prev = r;
	h->readers = r;
	h->nreaders++;
	pthread_mutex_unlock(&h->mu);
	*out = r;
	return 0;
}

void dnsbl_reader_free(struct dnsbl_reader *r)
{
	struct dnsbl *h;

	if (!r)
		return;
	h = r->h;
	if (r->txn_open)
		dbl_rtxn_end(&r->txn);
	pthread_mutex_lock(&h->mu);
	if (r->prev)
		r->prev->next = r->next;
	else
		h->readers = r->next;
	if (r->next)
		r->next->prev = r->prev;
	h->nreaders--;
	atomic_store(&r->hazard, NULL);
	reclaim_locked(h);
	pthread_mutex_unlock(&h->mu);
	free(r);
}

/* The refresh check on the lookup path: one relaxed load and a compare
 * unless the interval has passed; then the first thread to get the lock
 * checks, the others go on with the generation they have. */
static void maybe_check(struct dnsbl *h)
{
	int64_t now;

	if (h->check_ms) {
		now = now_ms();
		if (now < atomic_load_explicit(&h->next_check_ms, memory_order_relaxed))
			return;
	} else {
		now = 0;
	}
	if (pthread_mutex_trylock(&h->mu) != 0)
		return;
	if (h->check_ms)
		atomic_store_explicit(&h->next_check_ms, now + h->check_ms, memory_order_relaxed);
	check_locked(h, false);
	pthread_mutex_unlock(&h->mu);
}

/* Move r to the generation `live` names now (validated hazard). */
static struct dbl_rtxn *switch_gen(struct dnsbl_reader *r, int *err)
{
	struct dnsbl *h = r->h;
	struct dnsbl_gen *g, *old = r->gen;
	int rc;

	if (r->txn_open) {
		dbl_rtxn_end(&r->txn);
		r->txn_open = false;
	}
	do {
		g = atomic_load(&h->live);
		atomic_store(&r->hazard, g);
	} while (atomic_load(&h->live) != g);
	r->gen = g;
	if (old && old != g) {
		/* we may have been the last user of the old one */
		pthread_mutex_lock(&h->mu);
		reclaim_locked(h);
		pthread_mutex_unlock(&h->mu);
	}
	if (!g) {
		*err = DNSBL_ENODATA;
		return NULL;
	}
	rc = dbl_rtxn_begin(&r->txn, g->db);
	if (rc) {
		*err = dnsbl_err_public(rc);
		return NULL;
	}
	r->txn_open = true;
	return &r->txn;
}

struct dbl_rtxn *dnsbl_reader_txn(struct dnsbl_reader *r, int *err)
{
	struct dnsbl_gen *live;

	maybe_check(r->h);
	live = atomic_load_explicit(&r->h->live, memory_order_acquire);
	if (live == r->gen && r->txn_open)
		return &r->txn; /* the common case */
	return switch_gen(r, err);
}
