/* dbl_bigmem.h - memory for large tables read at random: transparent huge
 * pages where the kernel allows them.
 *
 * A lookup in a table of tens of MB (the server's IPv4 and name indexes
 * and value-set table, the loader's name keys) touches a page at random,
 * and with 4 KiB pages each touch is a TLB miss: at scale 10 those misses
 * made the loader's name walk 13.5x as long as at scale 1 for 10x the
 * names (bench/RESULTS.md, stop 23). One 2 MiB page covers 512 times as
 * much. (The loader's value-set intern and tuple tables on huge pages
 * showed no gain: not used there.)
 */
#ifndef DBL_BIGMEM_H
#define DBL_BIGMEM_H

#include <stddef.h>

/* 2 MiB: an x86-64 huge page, and the size from which tables are mapped
 * on their own. */
#define DBL_BIG_PAGE ((size_t)2 << 20)

/* size bytes, zero-filled: below DBL_BIG_PAGE from calloc, from there on
 * mapped on its own (2 MiB aligned, MADV_HUGEPAGE: advice, so a kernel
 * without THP maps 4 KiB pages as usual), which dbl_big_free returns to
 * the system at once (from malloc, freed chunks of this size stayed in
 * the process and a server's RSS crept up over refreshes). The caller
 * owns the memory; free it with dbl_big_free and the same size. NULL on
 * failure. */
void *dbl_big_alloc(size_t size);
void dbl_big_free(void *p, size_t size);

/* Give the whole pages of the bytes base[*done, upto) back to the system
 * (MADV_DONTNEED) and advance *done: for an array read once front to
 * back and then freed, whose pages can serve the output written while it
 * is read instead of fresh ones. The caller must not read those bytes
 * again (they read as zeros after; a partial page at either end is kept)
 * and still frees the block as usual. base is any heap or mapped block of
 * at least upto bytes; start with *done = 0. */
void dbl_big_drop_read(void *base, size_t upto, size_t *done);

/* Loops that read a large table at random in an order known ahead (items
 * at sorted positions, hash slots of the next keys) prefetch the item this
 * many steps ahead: about one memory latency of their per-item work, so
 * that many misses are in flight at once. */
#define DBL_PREFETCH_AHEAD 16

/* Bytes read between two dbl_big_drop_read calls in a loop over an array:
 * 1 MiB, one madvise per 256 pages (320 calls for the 320 MB of XBL-like
 * entries at scale 10). */
#define DBL_DROP_STEP ((size_t)1 << 20)

/* In a loop over the items of base (size bytes each) read in order: after
 * reading item i, give the pages read so far back once per DBL_DROP_STEP
 * bytes (dbl_big_drop_read; same rules, *done starts at 0). */
static inline void dbl_big_drop_item(void *base, size_t i, size_t size, size_t *done)
{
	if ((i + 1) % (DBL_DROP_STEP / size) == 0)
		dbl_big_drop_read(base, (i + 1) * size, done);
}

#endif
