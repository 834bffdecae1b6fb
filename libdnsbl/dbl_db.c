/* dbl_db.c - open a published generation read-only; lookups; publish a new one.
 * LMDB return codes are mapped to project codes here (dbl_err_from_mdb) and
 * nowhere else. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_log.h"
#include "dbl_schema.h"

int dbl_err_from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return DBL_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_PAGE_FULL:
		return DBL_ESPACE;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_BAD_VALSIZE:
		return DBL_ECORRUPT;
	}
	if (rc > 0 && rc < 4096)
		return rc == ENOSPC ? DBL_ESPACE : -rc;
	return DBL_ECORRUPT;
}

int dbl_db_current(const char *dir, char *path, size_t cap)
{
	char link[PATH_MAX], tgt[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "%s/current", dir);
	n = readlink(link, tgt, sizeof tgt - 1);
	if (n < 0)
		return -errno;
	tgt[n] = 0;
	if (tgt[0] == '/')
		snprintf(path, cap, "%s", tgt);
	else
		snprintf(path, cap, "%s/%s", dir, tgt);
	return 0;
}

static int meta_get(MDB_txn *txn, MDB_dbi dbi, const char *k, MDB_val *v)
{
	MDB_val key = {strlen(k), (void *)k};
	return dbl_err_from_mdb(mdb_get(txn, dbi, &key, v));
}

static int load_catalog(struct dbl_db *db, MDB_txn *txn)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t n = 0, cap = 16;
	int rc;

	db->cat.zones = malloc(cap * sizeof *db->cat.zones);
	if (!db->cat.zones)
		return -ENOMEM;
	rc = dbl_err_from_mdb(mdb_cursor_open(txn, db->dbi_zone, &c));
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (n == cap) {
			struct dbl_zone *z = realloc(db->cat.zones, 2 * cap * sizeof *z);
			if (!z) {
				mdb_cursor_close(c);
				return -ENOMEM;
			}
			db->cat.zones = z;
			cap *= 2;
		}
		rc = dbl_zone_decode(&db->cat.zones[n], v.mv_data, v.mv_size);
		if (rc) {
			mdb_cursor_close(c);
			return rc;
		}
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return dbl_err_from_mdb(rc);
	db->cat.nzones = n;
	return dbl_catalog_index(&db->cat);
}

int dbl_db_open_file(struct dbl_db **out, const char *path)
{
	struct dbl_db *db = calloc(1, sizeof *db);
	MDB_txn *txn = NULL;
	MDB_val v;
	int rc;

	if (!db)
		return -ENOMEM;
	snprintf(db->path, sizeof db->path, "%s", path);
	rc = dbl_err_from_mdb(mdb_env_create(&db->env));
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(db->env, 8);
	/* RDONLY|NOLOCK: published generations are immutable (dbl_schema.h),
	 * so readers need no lock file and no reader table. */
	rc = dbl_err_from_mdb(
	    mdb_env_open(db->env, path, MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS, 0));
	if (rc)
		goto fail;
	rc = dbl_err_from_mdb(mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn));
	if (rc)
		goto fail;
	if ((rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_META, 0, &db->dbi_meta))) ||
	    (rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_ZONE, 0, &db->dbi_zone))) ||
	    (rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_IP4, 0, &db->dbi_ip4))) ||
	    (rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_IP6, 0, &db->dbi_ip6))) ||
	    (rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_NAME, 0, &db->dbi_name))) ||
	    (rc = dbl_err_from_mdb(mdb_dbi_open(txn, DBL_DBI_VSET, 0, &db->dbi_vset)))) {
		if (rc == DBL_ENOTFOUND)
			rc = DBL_ESCHEMA; /* not one of our databases */
		goto fail;
	}
	rc = meta_get(txn, db->dbi_meta, "schema", &v);
	if (rc == 0 && (v.mv_size != 4 || dbl_get_u32(v.mv_data) != DBL_SCHEMA_VERSION)) {
		dbl_log(DBL_LOG_ERR,
		        "%s: database schema version %u, this program reads version %u", path,
		        v.mv_size == 4 ? dbl_get_u32(v.mv_data) : 0u, DBL_SCHEMA_VERSION);
		rc = DBL_ESCHEMA;
	}
	if (rc == DBL_ENOTFOUND)
		rc = DBL_ESCHEMA;
	if (rc)
		goto fail;
	if (meta_get(txn, db->dbi_meta, "generation", &v) == 0 && v.mv_size == 8)
		db->generation = dbl_get_u64(v.mv_data);
	if (meta_get(txn, db->dbi_meta, "created", &v) == 0 && v.mv_size == 8)
		db->created = dbl_get_u64(v.mv_data);
	rc = load_catalog(db, txn);
	if (rc)
		goto fail;
	/* Commit, not abort: LMDB keeps dbi handles opened in a committed
	 * transaction (an abort would close them). */
	rc = dbl_err_from_mdb(mdb_txn_commit(txn));
	txn = NULL;
	if (rc)
		goto fail;
	*out = db;
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	dbl_db_close(db);
	return rc;
}

int dbl_db_open(struct dbl_db **out, const char *dir)
{
	char path[PATH_MAX];
	int rc = dbl_db_current(dir, path, sizeof path);

	if (rc)
		return rc;
	return dbl_db_open_file(out, path);
}

void dbl_db_close(struct dbl_db *db)
{
	if (!db)
		return;
	if (db->env)
		mdb_env_close(db->env);
	dbl_catalog_free(&db->cat);
	free(db);
}

/* ---- read transactions ---- */

int dbl_rtxn_begin(struct dbl_rtxn *r, const struct dbl_db *db)
{
	int rc;

	memset(r, 0, sizeof *r);
	r->db = db;
	rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &r->txn);
	if (rc == 0)
		rc = mdb_cursor_open(r->txn, db->dbi_ip4, &r->c_ip4);
	if (rc == 0)
		rc = mdb_cursor_open(r->txn, db->dbi_ip6, &r->c_ip6);
	if (rc == 0)
		rc = mdb_cursor_open(r->txn, db->dbi_name, &r->c_name);
	if (rc) {
		dbl_rtxn_end(r);
		return dbl_err_from_mdb(rc);
	}
	return 0;
}

void dbl_rtxn_end(struct dbl_rtxn *r)
{
	if (r->c_ip4)
		mdb_cursor_close(r->c_ip4);
	if (r->c_ip6)
		mdb_cursor_close(r->c_ip6);
	if (r->c_name)
		mdb_cursor_close(r->c_name);
	if (r->txn)
		mdb_txn_abort(r->txn);
	r->c_ip4 = r->c_ip6 = r->c_name = NULL;
	r->txn = NULL;
}

void dbl_rtxn_reset(struct dbl_rtxn *r)
{
	if (r->txn)
		mdb_txn_reset(r->txn);
}

int dbl_rtxn_renew(struct dbl_rtxn *r)
{
	int rc = mdb_txn_renew(r->txn);

	if (rc == 0)
		rc = mdb_cursor_renew(r->txn, r->c_ip4);
	if (rc == 0)
		rc = mdb_cursor_renew(r->txn, r->c_ip6);
	if (rc == 0)
		rc = mdb_cursor_renew(r->txn, r->c_name);
	return dbl_err_from_mdb(rc);
}

/* ---- lookups ---- */

int dbl_lookup_ip4(struct dbl_rtxn *r, uint32_t scope, uint32_t addr, uint32_t *vsid)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	dbl_put_u32(kb, scope);
	dbl_put_u32(kb + 4, addr);
	if (mdb_cursor_get(r->c_ip4, &k, &v, MDB_SET_RANGE) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 8 || v.mv_size != 8 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	if (dbl_get_u32(v.mv_data) > addr)
		return DBL_ENOTFOUND; /* addr lies in a gap before this interval */
	*vsid = dbl_get_u32((const uint8_t *)v.mv_data + 4);
	return 0;
}

int dbl_lookup_ip4_any(struct dbl_rtxn *r, uint32_t scope, uint32_t lo, uint32_t hi)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	dbl_put_u32(kb, scope);
	dbl_put_u32(kb + 4, lo);
	if (mdb_cursor_get(r->c_ip4, &k, &v, MDB_SET_RANGE) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 8 || v.mv_size != 8 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	return dbl_get_u32(v.mv_data) <= hi ? 0 : DBL_ENOTFOUND;
}

int dbl_lookup_ip6(struct dbl_rtxn *r, uint32_t scope, const uint8_t addr[16], uint32_t *vsid)
{
	uint8_t kb[20];
	MDB_val k = {20, kb}, v;

	dbl_put_u32(kb, scope);
	memcpy(kb + 4, addr, 16);
	if (mdb_cursor_get(r->c_ip6, &k, &v, MDB_SET_RANGE) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 20 || v.mv_size != 20 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	if (memcmp(v.mv_data, addr, 16) > 0)
		return DBL_ENOTFOUND;
	*vsid = dbl_get_u32((const uint8_t *)v.mv_data + 16);
	return 0;
}

int dbl_lookup_ip6_any(struct dbl_rtxn *r, uint32_t scope, const uint8_t lo[16],
                       const uint8_t hi[16])
{
	uint8_t kb[20];
	MDB_val k = {20, kb}, v;

	dbl_put_u32(kb, scope);
	memcpy(kb + 4, lo, 16);
	if (mdb_cursor_get(r->c_ip6, &k, &v, MDB_SET_RANGE) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 20 || v.mv_size != 20 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	return memcmp(v.mv_data, hi, 16) <= 0 ? 0 : DBL_ENOTFOUND;
}

int dbl_lookup_name(struct dbl_rtxn *r, uint32_t scope, const uint8_t *key, size_t keylen,
                    struct dbl_namerec *rec)
{
	uint8_t kb[4 + DBL_NAMEKEY_MAX];
	MDB_val k = {4 + keylen, kb}, v;

	if (keylen > DBL_NAMEKEY_MAX)
		return DBL_ENOTFOUND;
	dbl_put_u32(kb, scope);
	memcpy(kb + 4, key, keylen);
	if (mdb_get(r->txn, r->db->dbi_name, &k, &v) != 0 || v.mv_size != 8)
		return DBL_ENOTFOUND;
	rec->exact = dbl_get_u32(v.mv_data);
	rec->wild = dbl_get_u32((const uint8_t *)v.mv_data + 4);
	return 0;
}

int dbl_lookup_name_below(struct dbl_rtxn *r, uint32_t scope, const uint8_t *key, size_t keylen)
{
	uint8_t kb[4 + DBL_NAMEKEY_MAX];
	MDB_val k = {4 + keylen, kb}, v;
	int rc;

	if (keylen > DBL_NAMEKEY_MAX)
		return DBL_ENOTFOUND;
	dbl_put_u32(kb, scope);
	memcpy(kb + 4, key, keylen);
	rc = mdb_cursor_get(r->c_name, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == 4 + keylen && memcmp(k.mv_data, kb, 4 + keylen) == 0)
		rc = mdb_cursor_get(r->c_name, &k, &v, MDB_NEXT); /* skip the name itself */
	if (rc != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size > 4 + keylen && memcmp(k.mv_data, kb, 4 + keylen) == 0)
		return 0;
	return DBL_ENOTFOUND;
}

int dbl_vset_get(struct dbl_rtxn *r, uint32_t vsid, const uint8_t **blob, size_t *len)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;

	dbl_put_u32(kb, vsid);
	if (mdb_get(r->txn, r->db->dbi_vset, &k, &v) != 0)
		return DBL_ECORRUPT; /* every referenced vsid is stored */
	*blob = v.mv_data;
	*len = v.mv_size;
	return 0;
}

/* ---- writer side ---- */

int dbl_db_lock(const char *dir, int nonblock)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof path, "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* gen-<N>.mdb -> N, 0 if the name does not have that form. */
static uint64_t gen_of(const char *name)
{
	char *end;
	uint64_t g;

	if (strncmp(name, "gen-", 4) != 0)
		return 0;
	g = strtoull(name + 4, &end, 10);
	return strcmp(end, ".mdb") == 0 ? g : 0;
}

uint64_t dbl_db_next_generation(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t max = 0;

	if (!d)
		return 1;
	while ((e = readdir(d))) {
		uint64_t g = gen_of(e->d_name);
		if (g > max)
			max = g;
	}
	closedir(d);
	return max + 1;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int cmp_u64_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

int dbl_db_publish(const char *dir, uint64_t gen, unsigned keep)
{
	char tmp[PATH_MAX], cur[PATH_MAX], tgt[64], prevpath[PATH_MAX];
	uint64_t gens[4096], prev = 0;
	size_t n = 0;
	unsigned kept = 0;
	DIR *d;
	struct dirent *e;
	int rc;

	/* The generation live until now is the first one worth keeping, not
	 * merely the highest number (a killed run may have left a higher,
	 * never published file). */
	if (dbl_db_current(dir, prevpath, sizeof prevpath) == 0) {
		const char *base = strrchr(prevpath, '/');
		prev = gen_of(base ? base + 1 : prevpath);
	}
	snprintf(tgt, sizeof tgt, "gen-%" PRIu64 ".mdb", gen);
	snprintf(tmp, sizeof tmp, "%s/.current.tmp", dir);
	snprintf(cur, sizeof cur, "%s/current", dir);
	unlink(tmp);
	if (symlink(tgt, tmp) != 0)
		return -errno;
	/* rename(2) replaces "current" atomically: a reader sees the old or
	 * the new generation, never neither. */
	if (rename(tmp, cur) != 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	rc = fsync_dir(dir);
	if (rc)
		return rc;
	/* Reclaim older generations; a server still mapping one keeps the
	 * unlinked inode alive until it switches. */
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < sizeof gens / sizeof gens[0]) {
		uint64_t g = gen_of(e->d_name);
		size_t l = strlen(e->d_name);
		if (g && g != gen && g != prev)
			gens[n++] = g;
		/* Leftovers of killed loader runs (we hold DIR/.lock). */
		if (strncmp(e->d_name, "gen-", 4) == 0 && l > 8 &&
		    strcmp(e->d_name + l - 8, ".mdb.tmp") == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	if (prev && prev != gen && keep > 0)
		kept = 1; /* the previous live generation */
	qsort(gens, n, sizeof gens[0], cmp_u64_desc);
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX];
		if (gens[i] < gen && kept < keep) {
			kept++;
			continue;
		}
		snprintf(p, sizeof p, "%s/gen-%" PRIu64 ".mdb", dir, gens[i]);
		unlink(p);
	}
	if (prev && prev != gen && keep == 0) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/gen-%" PRIu64 ".mdb", dir, prev);
		unlink(p);
	}
	return 0;
}
