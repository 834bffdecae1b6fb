/* dbl_ip4blk.h - the value format of the "ip4" key space: a block of up to
 * DBL_IP4BLK_RUNS consecutive runs of addresses (dbl_schema.h).
 *
 *   key   u32 scope | u32 last       last address of the block's last run
 *   value u32 first | n x (varint span_i | varint vsid_i), 1 <= n <= 16
 *
 * Run 0 starts at first, run i at the end of run i - 1 plus one; run i is
 * [start_i, start_i + span_i] (span = length - 1) and the last run ends at
 * the key's last. A varint is an unsigned LEB128 number below 2^32 (7 bits
 * a byte, low bits first, at most 5 bytes). vsid_i 0 is a gap (not listed)
 * between two listed runs; the first and last runs are listed, and no two
 * gaps are adjacent. Addresses between two blocks are not listed.
 *
 * Why blocks: the loader resolves overlapping lists into disjoint runs,
 * and where they overlap densely (an XBL address inside a PBL range splits
 * it in three) the runs grow faster than the data: 2.6 M at scale 1, 39 M
 * at scale 10, one LMDB record each, and writing them was a quarter of a
 * scale-10 load. Why varints (schema 4): most spans are 0 (single
 * addresses) or short gaps, and most vsids are small, so a run takes 2-4
 * bytes instead of 8: the "ip4" space shrank from 462 to 182 MB at
 * scale 10, and a generation file is written, checksummed, synced and
 * paged in by the server once per load (bench/RESULTS.md, stop 27).
 *
 * No allocation anywhere here; values are read from caller buffers (LMDB
 * values, borrowed until their transaction ends) and never read past len.
 */
#ifndef DBL_IP4BLK_H
#define DBL_IP4BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBL_IP4BLK_RUNS 16
/* 5: bytes of a varint of 32 bits, 7 bits a byte */
#define DBL_IP4BLK_MAX (4 + 2 * 5 * DBL_IP4BLK_RUNS) /* bytes of the largest value */

/* A block in the open: the writer's state and the reader's result.
 * Caller-owned; zero it to start writing. */
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

/* Decode the len bytes at v into *b. Returns 0, or DBL_ECORRUPT (b
 * undefined) for a value that is no block: shorter than one run, a
 * varint cut short or above 2^32 - 1, more than DBL_IP4BLK_RUNS runs, or
 * a run that would pass the top address. */
int dbl_ip4blk_decode(const uint8_t *v, size_t len, struct dbl_ip4blk *b);

/* Run i (< b->n) of a decoded block: [*lo, *hi] and its vsid. */
static inline void dbl_ip4blk_run(const struct dbl_ip4blk *b, uint32_t i, uint32_t *lo,
                                  uint32_t *hi, uint32_t *vsid)
{
	*lo = i ? b->last[i - 1] + 1 : b->first;
	*hi = b->last[i];
	*vsid = b->vsid[i];
}

/* Lookup in the block found for addr (the first whose key is >= addr):
 * 0 and *vsid when addr is in a listed run, DBL_ENOTFOUND otherwise (a
 * gap, or before first, or a malformed value). */
int dbl_ip4blk_find(const uint8_t *v, size_t len, uint32_t addr, uint32_t *vsid);

/* 0 when a listed run of the block found for lo meets [lo, hi], else
 * DBL_ENOTFOUND. */
int dbl_ip4blk_any(const uint8_t *v, size_t len, uint32_t lo, uint32_t hi);

#endif
