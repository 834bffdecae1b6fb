/* dbl_db.h - reading a published generation, and publishing one.
 *
 * On-disk layout of a database directory DIR:
 *   DIR/gen-<N>.mdb   one complete generation (single-file LMDB environment)
 *   DIR/current       symlink to the live gen-<N>.mdb, replaced by rename(2)
 *   DIR/.lock         flock()ed by the loader while it writes/publishes
 * Readers open "current" MDB_RDONLY|MDB_NOLOCK: a published file is never
 * written again, so no lock file or reader table is needed.
 *
 * Lifetime rules (LMDB style): struct dbl_db is opened once per generation
 * and is immutable; any number of threads may hold dbl_rtxn on it. A
 * struct dbl_rtxn is caller-owned storage used by one thread; every pointer
 * returned through it is borrowed until dbl_rtxn_end()/dbl_rtxn_reset().
 */
#ifndef DBL_DB_H
#define DBL_DB_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "dbl_btree.h"
#include "dbl_catalog.h"
#include "dbl_ip4idx.h"
#include "dbl_nameidx.h"

/* One value set of the resident table: the blob in the map. */
struct dbl_vsref {
	const uint8_t *blob;
	size_t len;
};

struct dbl_db {
	MDB_env *env;
	MDB_dbi dbi_meta, dbi_zone, dbi_ip4, dbi_ip6, dbi_name, dbi_vset;
	uint64_t generation;
	uint64_t created;
	char path[4096]; /* resolved gen-N.mdb path */
	struct dbl_catalog cat;
	struct dbl_btree bt;      /* direct page lookups, when bt.ok (dbl_btree.h) */
	struct dbl_ip4idx ip4idx; /* DBL_DB_RESIDENT: IPv4 lookups, when ready */
	/* DBL_DB_RESIDENT: value set DBL_VSID_FIRST + i is vs[i], i < nvs
	 * (NULL: read through the B-tree). Borrowed from the map, valid until
	 * dbl_db_close: the file is immutable and stays mapped. */
	struct dbl_vsref *vs;
	uint32_t nvs;
	struct dbl_nameidx nameidx; /* DBL_DB_RESIDENT: name lookups, when ready */
};

/* Open the generation DIR/current points to. *out is heap-allocated and
 * owned by the caller (dbl_db_close). Errors: -errno, DBL_ESCHEMA (message
 * logged names both versions), DBL_ECORRUPT. */
int dbl_db_open(struct dbl_db **out, const char *dir);
/* Open one generation file directly (tests, tools). */
int dbl_db_open_file(struct dbl_db **out, const char *path);

/* dbl_db_open_file with options for a long-running reader (the server):
 * DBL_DB_RESIDENT maps the file with transparent huge pages where the
 * kernel allows it (file THP: Linux 6.x on filesystems with large folios,
 * e.g. ext4) and reads it all in before returning. Lookups then cost about
 * one TLB miss less per B-tree level touched, and the first queries do not
 * wait for the disk. Costs: the file's page cache is dropped and read back
 * once (unless another process maps it), and the whole file is resident
 * from the start. Best effort: any step the kernel refuses is skipped.
 * It also builds the dense IPv4 index (dbl_ip4idx.h: about 13 bytes per
 * IPv4 interval, about 3.5x faster lookups), a table of the value sets
 * (16 bytes per set: an answer's values without a B-tree descent) and a
 * hash index of the names (dbl_nameidx.h, about 40 bytes per name); if
 * one fails, those lookups use the B-tree as without the flag. */
#define DBL_DB_RESIDENT 0x1u
int dbl_db_open_file_flags(struct dbl_db **out, const char *path, unsigned flags);
void dbl_db_close(struct dbl_db *db);

/* Resolve DIR/current to the generation file path (for change detection).
 * Returns 0 or -errno. */
int dbl_db_current(const char *dir, char *path, size_t cap);

struct dbl_rtxn {
	const struct dbl_db *db;
	MDB_txn *txn;
	MDB_cursor *c_ip4, *c_ip6, *c_name;
};

int dbl_rtxn_begin(struct dbl_rtxn *r, const struct dbl_db *db);
void dbl_rtxn_end(struct dbl_rtxn *r);
/* Release the snapshot but keep the handle for dbl_rtxn_renew (cheap). */
void dbl_rtxn_reset(struct dbl_rtxn *r);
int dbl_rtxn_renew(struct dbl_rtxn *r);

/* Address lookups. 0 + *vsid when addr is listed (vsid may be
 * DBL_VSID_EMPTY never: gaps are unlisted), DBL_ENOTFOUND otherwise. */
int dbl_lookup_ip4(struct dbl_rtxn *r, uint32_t scope, uint32_t addr, uint32_t *vsid);
int dbl_lookup_ip6(struct dbl_rtxn *r, uint32_t scope, const uint8_t addr[16], uint32_t *vsid);
/* 0 if any address in [lo, hi] is listed (empty non-terminal test). */
int dbl_lookup_ip4_any(struct dbl_rtxn *r, uint32_t scope, uint32_t lo, uint32_t hi);
int dbl_lookup_ip6_any(struct dbl_rtxn *r, uint32_t scope, const uint8_t lo[16],
                       const uint8_t hi[16]);

struct dbl_namerec {
	uint32_t exact; /* DBL_VSID_NONE / DBL_VSID_EMPTY / vsid */
	uint32_t wild;
};
/* Name record at key (dbl_name.h). 0 or DBL_ENOTFOUND. */
int dbl_lookup_name(struct dbl_rtxn *r, uint32_t scope, const uint8_t *key, size_t keylen,
                    struct dbl_namerec *rec);
/* 0 if some record lies strictly below key, DBL_ENOTFOUND otherwise. */
int dbl_lookup_name_below(struct dbl_rtxn *r, uint32_t scope, const uint8_t *key, size_t keylen);

/* Value-set blob of vsid, borrowed until the transaction ends. */
int dbl_vset_get(struct dbl_rtxn *r, uint32_t vsid, const uint8_t **blob, size_t *len);

/* ---- writer side (dnsbl-load) ---- */

/* Take the loader lock DIR/.lock (blocking unless nonblock). Returns an fd
 * to close to release, or -errno (-EWOULDBLOCK when busy and nonblock). */
int dbl_db_lock(const char *dir, int nonblock);
/* Next generation number (1 + the highest gen-N in DIR). */
uint64_t dbl_db_next_generation(const char *dir);
/* Atomically make DIR/gen-<gen>.mdb (already fsync'ed) the live generation:
 * new symlink + rename(2) over DIR/current + fsync(DIR); then unlink every
 * other gen-*.mdb except the newest `keep` older ones. Returns 0 or -errno. */
int dbl_db_publish(const char *dir, uint64_t gen, unsigned keep);

#endif
