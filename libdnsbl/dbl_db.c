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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dbl_bigmem.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_ip4blk.h"
#include "dbl_log.h"
#include "dbl_schema.h"
#include "dbl_wire.h"

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
		struct dbl_zone *z;
		if (n == cap) {
			z = realloc(db->cat.zones, 2 * cap * sizeof *z);
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
		z = &db->cat.zones[n];
		if (z->soa.present) /* every negative answer writes it */
			dbl_resp_soa_prepare(&z->soa.wire, &z->name, z->soa.mname.b,
			                     z->soa.rname.b);
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return dbl_err_from_mdb(rc);
	db->cat.nzones = n;
	return dbl_catalog_index(&db->cat);
}

/* LMDB maps the whole data size its meta page claims; in a file cut short
 * (a truncated copy, a full disk) the pages past the end are still in the
 * map and the first read of one is SIGBUS, which kills the process. So the
 * file must hold every page up to the last one in use (the meta page's
 * last_pgno) before anything else is read. (LMDB does not defend against
 * corrupted pages inside a complete file; generations are written by
 * dnsbl-load and published only complete, so truncation is the case that
 * reaches us: a copy cut short, a restore, a full disk.) */
static int check_size(MDB_env *env)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fs;
	int fd;

	if (mdb_env_info(env, &info) || mdb_env_stat(env, &st) || mdb_env_get_fd(env, &fd) ||
	    fstat(fd, &fs) != 0)
		return DBL_ECORRUPT;
	if ((uint64_t)fs.st_size / st.ms_psize < (uint64_t)info.me_last_pgno + 1)
		return DBL_ECORRUPT;
	return 0;
}

/* LMDB does not expose where it mapped the file (MDB_envinfo.me_mapaddr is
 * only set for MDB_FIXEDMAP): find the shared mapping of inode ino in
 * /proc/self/maps. Returns 0 and the range, or -1. */
static int find_map(dev_t dev, ino_t ino, void **addr, size_t *len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int rc = -1;

	if (!f)
		return -1;
	while (rc && fgets(line, sizeof line, f)) {
		unsigned long lo, hi, off, i;
		unsigned maj, min;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perm, &off, &maj, &min,
		           &i) == 7 &&
		    i == (unsigned long)ino && off == 0 && perm[3] == 's' &&
		    makedev(maj, min) == dev) {
			*addr = (void *)lo;
			*len = hi - lo;
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* Where LMDB mapped env's file (0), or -1. The search is by inode, so a
 * second mapping of the same file elsewhere in the process could be
 * found instead: harmless for the advice below, and dbl_bt_init compares
 * addresses with LMDB's and turns itself off on any difference. */
static int locate_map(MDB_env *env, void **addr, size_t *len)
{
	struct stat fs;
	int fd;

	if (mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &fs) != 0)
		return -1;
	return find_map(fs.st_dev, fs.st_ino, addr, len);
}

/* DBL_DB_RESIDENT (dbl_db.h), right after mdb_env_open: LMDB has only
 * pread the meta pages so far and not touched the map. The page cache the
 * writer left is made of small folios, which can never be mapped with a
 * PMD, so it is dropped first (only pages nobody maps); read back under
 * MADV_HUGEPAGE it comes in as 2 MiB folios (the kernel aligns large file
 * mappings to 2 MiB). MADV_POPULATE_READ: Linux 5.14. */
static void make_resident(MDB_env *env, void *addr, size_t len)
{
	int fd;

	if (mdb_env_get_fd(env, &fd) != 0)
		return;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	madvise(addr, len, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_READ
	madvise(addr, len, MADV_POPULATE_READ);
#endif
}

int dbl_db_open_file(struct dbl_db **out, const char *path)
{
	return dbl_db_open_file_flags(out, path, 0);
}

/* DBL_DB_RESIDENT: the table vsid -> blob (struct dbl_db.vs). Every
 * listed answer reads its value set, and a B-tree descent for it costs
 * cache misses on three pages (53k sets at scale 1: 0.85 MB of table).
 * Value sets are interned densely from DBL_VSID_FIRST (dbl_schema.h); a
 * file where they are not gets no table (DBL_ECORRUPT, logged by the
 * caller) and is read through the B-tree. */
static int build_vs_table(struct dbl_db *db, MDB_txn *txn)
{
	MDB_stat st;
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t n = 0;
	int rc = mdb_stat(txn, db->dbi_vset, &st);

	if (rc)
		return dbl_err_from_mdb(rc);
	if (st.ms_entries == 0)
		return 0;
	if (st.ms_entries > UINT32_MAX - DBL_VSID_FIRST)
		return -ENOMEM;
	if (!(db->vs = dbl_big_alloc(st.ms_entries * sizeof *db->vs)))
		return -ENOMEM;
	if ((rc = mdb_cursor_open(txn, db->dbi_vset, &c)))
		goto fail;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (n == st.ms_entries || k.mv_size != 4 ||
		    dbl_get_u32(k.mv_data) != DBL_VSID_FIRST + n) {
			rc = DBL_ECORRUPT;
			break;
		}
		db->vs[n].blob = v.mv_data;
		db->vs[n].len = v.mv_size;
		n++;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND && n == st.ms_entries) {
		db->nvs = n;
		return 0;
	}
fail:
	dbl_big_free(db->vs, st.ms_entries * sizeof *db->vs);
	db->vs = NULL;
	return rc == DBL_ECORRUPT || rc == MDB_NOTFOUND ? DBL_ECORRUPT : dbl_err_from_mdb(rc);
}

int dbl_db_open_file_flags(struct dbl_db **out, const char *path, unsigned flags)
{
	void *map = NULL;
	size_t maplen = 0;
	struct dbl_db *db = calloc(1, sizeof *db);
	MDB_txn *txn = NULL;
	MDB_val v;
	struct stat fs;
	int rc;

	if (!db)
		return -ENOMEM;
	snprintf(db->path, sizeof db->path, "%s", path);
	/* An empty file would make LMDB try to initialise it (and fail with
	 * EBADF on the read-only descriptor): say what it is instead. */
	if (stat(path, &fs) == 0 && S_ISREG(fs.st_mode) && fs.st_size == 0) {
		dbl_log(DBL_LOG_ERR, "%s: empty file", path);
		rc = DBL_ECORRUPT;
		goto fail;
	}
	rc = dbl_err_from_mdb(mdb_env_create(&db->env));
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(db->env, 8);
	/* Map the file, not the writer's map size (64 GiB by default): a
	 * published file never grows, and a 64 GiB mapping per generation
	 * (two while a server switches) trips address-space limits (ulimit -v,
	 * valgrind). LMDB raises the size to the last used page if needed. */
	if (stat(path, &fs) == 0 && fs.st_size > 0)
		mdb_env_set_mapsize(db->env, (size_t)fs.st_size);
	/* RDONLY|NOLOCK: published generations are immutable (dbl_schema.h),
	 * so readers need no lock file and no reader table. */
	rc = dbl_err_from_mdb(
	    mdb_env_open(db->env, path, MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS, 0));
	if (rc)
		goto fail;
	rc = check_size(db->env);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "%s: file is shorter than its data (truncated)", path);
		goto fail;
	}
	if (locate_map(db->env, &map, &maplen) != 0)
		map = NULL;
	if (map && (flags & DBL_DB_RESIDENT))
		make_resident(db->env, map, maplen);
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
	/* Same order as LMDB's default, computed inline (dbl_btree.h): LMDB
	 * calls it ~35 times per query when it searches itself. */
	mdb_set_compare(txn, db->dbi_ip4, dbl_bt_cmp);
	mdb_set_compare(txn, db->dbi_ip6, dbl_bt_cmp);
	mdb_set_compare(txn, db->dbi_name, dbl_bt_cmp);
	mdb_set_compare(txn, db->dbi_vset, dbl_bt_cmp);
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
	{
		const MDB_dbi dbi[DBL_BT_NTREES] = {db->dbi_ip4, db->dbi_ip6, db->dbi_name,
		                                    db->dbi_vset};
		dbl_bt_init(&db->bt, db->env, txn, dbi, map, maplen);
		if (!db->bt.ok && map)
			dbl_log(DBL_LOG_INFO, "%s: page format not verified, using LMDB's search",
			        path);
	}
	if (flags & DBL_DB_RESIDENT) {
		int xrc = dbl_ip4idx_build(&db->ip4idx, txn, db->dbi_ip4, 0);
		if (xrc)
			dbl_log(DBL_LOG_WARNING, "%s: no IPv4 index (%s), using the B-tree", path,
			        dbl_strerror(xrc));
		if ((xrc = build_vs_table(db, txn)))
			dbl_log(DBL_LOG_WARNING, "%s: no value-set table (%s), using the B-tree",
			        path, dbl_strerror(xrc));
		if ((xrc = dbl_nameidx_build(&db->nameidx, txn, db->dbi_name)))
			dbl_log(DBL_LOG_WARNING, "%s: no name index (%s), using the B-tree", path,
			        dbl_strerror(xrc));
	}
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
	dbl_ip4idx_free(&db->ip4idx);
	dbl_big_free(db->vs, (size_t)db->nvs * sizeof *db->vs);
	dbl_nameidx_free(&db->nameidx);
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

/* SET_RANGE at k->mv_data: the page walker when the generation's format
 * was verified (dbl_btree.h), else LMDB's cursor. 0 or non-zero. */
static inline int get_range(struct dbl_rtxn *r, enum dbl_bt_tree t, MDB_cursor *c, MDB_val *k,
                            MDB_val *v)
{
	if (r->db->bt.ok)
		return dbl_bt_range(&r->db->bt, t, k->mv_data, k->mv_size, false, k, v);
	return mdb_cursor_get(c, k, v, MDB_SET_RANGE);
}

int dbl_lookup_ip4(struct dbl_rtxn *r, uint32_t scope, uint32_t addr, uint32_t *vsid)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	if (r->db->ip4idx.ready)
		return dbl_ip4idx_lookup(&r->db->ip4idx, scope, addr, vsid);
	dbl_put_u32(kb, scope);
	dbl_put_u32(kb + 4, addr);
	if (get_range(r, DBL_BT_IP4, r->c_ip4, &k, &v) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 8 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	return dbl_ip4blk_find(v.mv_data, v.mv_size, addr, vsid);
}

int dbl_lookup_ip4_any(struct dbl_rtxn *r, uint32_t scope, uint32_t lo, uint32_t hi)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	if (r->db->ip4idx.ready)
		return dbl_ip4idx_any(&r->db->ip4idx, scope, lo, hi);
	dbl_put_u32(kb, scope);
	dbl_put_u32(kb + 4, lo);
	if (get_range(r, DBL_BT_IP4, r->c_ip4, &k, &v) != 0)
		return DBL_ENOTFOUND;
	if (k.mv_size != 8 || dbl_get_u32(k.mv_data) != scope)
		return DBL_ENOTFOUND;
	return dbl_ip4blk_any(v.mv_data, v.mv_size, lo, hi);
}

int dbl_lookup_ip6(struct dbl_rtxn *r, uint32_t scope, const uint8_t addr[16], uint32_t *vsid)
{
	uint8_t kb[20];
	MDB_val k = {20, kb}, v;

	dbl_put_u32(kb, scope);
	memcpy(kb + 4, addr, 16);
	if (get_range(r, DBL_BT_IP6, r->c_ip6, &k, &v) != 0)
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
	if (get_range(r, DBL_BT_IP6, r->c_ip6, &k, &v) != 0)
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
	if (r->db->nameidx.ready)
		return dbl_nameidx_get(&r->db->nameidx, kb, k.mv_size, rec);
	if ((r->db->bt.ok ? dbl_bt_get(&r->db->bt, DBL_BT_NAME, kb, k.mv_size, &v)
	                  : mdb_get(r->txn, r->db->dbi_name, &k, &v)) != 0 ||
	    v.mv_size != 8)
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
	if (r->db->nameidx.ready)
		return dbl_nameidx_below(&r->db->nameidx, kb, k.mv_size);
	if (r->db->bt.ok) {
		/* First key strictly greater: skips the name itself. */
		rc = dbl_bt_range(&r->db->bt, DBL_BT_NAME, kb, k.mv_size, true, &k, &v);
	} else {
		rc = mdb_cursor_get(r->c_name, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == 4 + keylen && memcmp(k.mv_data, kb, 4 + keylen) == 0)
			rc = mdb_cursor_get(r->c_name, &k, &v, MDB_NEXT); /* skip the name */
	}
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

	if (r->db->vs) {
		uint32_t i = vsid - DBL_VSID_FIRST; /* wraps for vsid < FIRST */
		if (i >= r->db->nvs)
			return DBL_ECORRUPT; /* every referenced vsid is stored */
		*blob = r->db->vs[i].blob;
		*len = r->db->vs[i].len;
		return 0;
	}
	dbl_put_u32(kb, vsid);
	if ((r->db->bt.ok ? dbl_bt_get(&r->db->bt, DBL_BT_VSET, kb, 4, &v)
	                  : mdb_get(r->txn, r->db->dbi_vset, &k, &v)) != 0)
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
