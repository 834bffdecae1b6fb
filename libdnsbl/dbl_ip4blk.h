/* dbl_ip4blk.h - the value format of the "ip4" key space: a block of up to
 * DBL_IP4BLK_RUNS consecutive runs of addresses (dbl_schema.h).
 *
 *   key   u32 scope | u32 last       last address of the block's last run
 *   value u32 first | n x (u32 last_i | u32 vsid_i), 1 <= n <= 8
 *
 * Run 0 is [first, last_0], run i is [last_(i-1) + 1, last_i]; last_(n-1)
 * equals the key's last. vsid_i 0 is a gap (not listed) between two listed
 * runs; the first and last runs are listed, and no two gaps are adjacent.
 * Addresses between two blocks are not listed.
 *
 * Why blocks: the loader resolves overlapping lists into disjoint runs,
 * and where they overlap densely (an XBL address inside a PBL range splits
 * it in three) the runs grow faster than the data: 2.6 M at scale 1, 39 M
 * at scale 10, one LMDB record each, and writing them was a quarter of a
 * scale-10 load. Eight runs per record write 8x fewer records, and a
 * lookup still reads one record (at most 68 bytes, two cache lines).
 *
 * No allocation anywhere here; values are read from caller buffers (LMDB
 * values, borrowed until their transaction ends).
 */
#ifndef DBL_IP4BLK_H
#define DBL_IP4BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBL_IP4BLK_RUNS 8
#define DBL_IP4BLK_MAX  (4 + 8 * DBL_IP4BLK_RUNS) /* bytes of the largest value */
/* Byte offsets in a value of run i's last address and of its vsid. */
#define DBL_IP4BLK_LAST(i) (4 + 8 * (size_t)(i))
#define DBL_IP4BLK_VSID(i) (8 + 8 * (size_t)(i))

/* Writer state, caller-owned; zero it to start. */
struct dbl_ip4blk {
	uint32_t n; /* runs held */
	uint32_t first;
	uint32_t last[DBL_IP4BLK_RUNS], vsid[DBL_IP4BLK_RUNS];
};

/* Append the listed run [lo, hi] (vsid != 0; lo above the block's last
 * address), with a gap run before it when it does not follow on. Returns
 * false, changing nothing, when the block has no room: the caller writes
 * the block out (dbl_ip4blk_encode), zeroes it and adds the run again. */
bool dbl_ip4blk_add(struct dbl_ip4blk *b, uint32_t lo, uint32_t hi, uint32_t vsid);

/* Encode a block of n >= 1 runs into v (DBL_IP4BLK_MAX bytes); returns
 * the value's length. The record's key address is b->last[b->n - 1]. */
size_t dbl_ip4blk_encode(const struct dbl_ip4blk *b, uint8_t *v);

/* Runs in a value of len bytes, or 0 if len is not a block's length. */
uint32_t dbl_ip4blk_runs(size_t len);

/* Run i (< dbl_ip4blk_runs(len)) of value v: [*lo, *hi] and its vsid. */
void dbl_ip4blk_run(const uint8_t *v, uint32_t i, uint32_t *lo, uint32_t *hi, uint32_t *vsid);

/* Lookup in the block found for addr (the first whose key is >= addr):
 * 0 and *vsid when addr is in a listed run, DBL_ENOTFOUND otherwise (a
 * gap, or before first, or a malformed length). */
int dbl_ip4blk_find(const uint8_t *v, size_t len, uint32_t addr, uint32_t *vsid);

/* 0 when a listed run of the block found for lo meets [lo, hi], else
 * DBL_ENOTFOUND. */
int dbl_ip4blk_any(const uint8_t *v, size_t len, uint32_t lo, uint32_t hi);

#endif
