/* dbl_sweep.h - resolve prioritised, possibly overlapping address entries
 * into disjoint intervals (the load-time half of every address lookup).
 *
 * Input: entries [lo, hi] with a priority, an order (file order) and a
 * payload. For every address, the covering entries of the highest priority
 * decide: DBL_MERGE_UNION returns all their payloads in order (one payload
 * DBL_VID_EXCLUDE among them makes the address unlisted: rbldnsd's "an
 * exclusion beats any listing at one level"); DBL_MERGE_FIRST returns only
 * the first entry's (trie: one value per prefix). Addresses covered by
 * nothing, or excluded, are gaps. Adjacent intervals of one call with
 * equal payload lists are coalesced (never with what out held before).
 *
 * Positions are 128-bit so one implementation serves IPv4 (zero-extended)
 * and IPv6; an output vector for IPv4 stores them in 32 bits (narrow).
 * Runs in O(n log n); memory is caller-owned growable vectors.
 */
#ifndef DBL_SWEEP_H
#define DBL_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_dataset.h"

typedef unsigned __int128 dbl_u128;

struct dbl_swent {
	dbl_u128 lo, hi;
	uint32_t ord;
	uint8_t prio;
	int32_t pay; /* payload, or DBL_VID_EXCLUDE */
};

/* One resolved interval, as dbl_swout_get returns it. */
struct dbl_swseg {
	dbl_u128 lo, hi;
	uint32_t first, count; /* slice of dbl_swout.pool */
};

/* The same, stored in 16 bytes instead of 48 when every position fits in
 * 32 bits (IPv4): at scale 10 one scope's segments are 23 M, and on the
 * benchmark VM every fresh page costs a host fault (dbl_swout.narrow). */
struct dbl_swseg4 {
	uint32_t lo, hi, first, count;
};

/* Segments and their payload lists. narrow: set by the caller while the
 * vector is empty; the segments are then struct dbl_swseg4 and a position
 * of 2^32 or more is refused (-ERANGE). Read segments with dbl_swout_get. */
struct dbl_swout {
	bool narrow;
	void *seg; /* owned: struct dbl_swseg, or dbl_swseg4 when narrow */
	size_t nseg, capseg;
	int32_t *pool; /* owned: payload lists */
	size_t npool, cappool;
};

/* Segment i (< o->nseg) of o, by value, for o->narrow == narrow: a loop
 * that passes a constant carries no width test. */
static inline __attribute__((always_inline)) struct dbl_swseg
dbl_swout_at(const struct dbl_swout *o, size_t i, bool narrow)
{
	if (narrow) {
		const struct dbl_swseg4 *s = (const struct dbl_swseg4 *)o->seg + i;
		return (struct dbl_swseg){s->lo, s->hi, s->first, s->count};
	}
	return ((const struct dbl_swseg *)o->seg)[i];
}

/* Segment i (< o->nseg) of o, by value. */
static inline struct dbl_swseg dbl_swout_get(const struct dbl_swout *o, size_t i)
{
	return dbl_swout_at(o, i, o->narrow);
}

/* Resolve e[0..n) (reordered in place) and append the intervals to out.
 * Returns 0, -ENOMEM, or -ERANGE (a position over 32 bits for a narrow
 * out). */
int dbl_sweep(struct dbl_swent *e, size_t n, enum dbl_merge policy, struct dbl_swout *out);
/* Merge of nlists sorted, internally disjoint lists of intervals (list i
 * is in->seg[first[i] .. first[i] + count[i])) into disjoint intervals
 * whose payload lists name, in list order, the input segments covering
 * them (payload = index into in->seg). O(n * nlists), no sorting: this is
 * how the datasets of one scope are combined. Adjacent outputs are not
 * coalesced (their payloads differ by construction). Incremental, so the
 * caller writes each chunk out and reuses one small buffer instead of
 * holding every merged interval (39 M at scale 10, 1.9 GB of 48-byte
 * segments). The state borrows in, which must outlive it. */
struct dbl_swmerge {
	const struct dbl_swout *in;
	size_t nlists;
	size_t cur[256], end[256]; /* 256: datasets per scope (struct bscope) */
	dbl_u128 pos;
	bool started, done;
};
/* Returns 0 or -EINVAL (more than 256 lists). */
int dbl_sweep_merge_init(struct dbl_swmerge *m, const struct dbl_swout *in, const size_t *first,
                         const size_t *count, size_t nlists);
/* Append up to maxseg (>= 1) merged intervals to out. Returns 1 when more
 * follow, 0 when the merge is complete, -ENOMEM, or -ERANGE (as dbl_sweep). */
int dbl_sweep_merge_next(struct dbl_swmerge *m, struct dbl_swout *out, size_t maxseg);
/* Append [lo, hi] with the one payload pay (nothing for DBL_VID_EXCLUDE: a
 * gap), extending the last segment instead when it has index base or more,
 * ends at lo - 1 and carries pay alone: what dbl_sweep does for an entry
 * that overlaps nothing. Returns 0, -ENOMEM or -ERANGE (as dbl_sweep). */
int dbl_swout_add1(struct dbl_swout *out, size_t base, dbl_u128 lo, dbl_u128 hi, int32_t pay);
/* Make room for segs more segments and pays more payloads, so that
 * appending that many moves nothing: pointers into the free room past
 * o->seg[o->nseg - 1] stay valid until then. Returns 0 or -ENOMEM. */
int dbl_swout_reserve(struct dbl_swout *o, size_t segs, size_t pays);
/* Empty out (memory and narrow kept). */
void dbl_swout_reset(struct dbl_swout *out);
/* Release out's vectors; out is then empty (narrow kept). */
void dbl_swout_free(struct dbl_swout *out);

/* Stable sort of v[0..n) by key (LSD radix, 16-bit digits; digits equal
 * in every key cost nothing). idx is the caller's payload. Returns 0 or
 * -ENOMEM (v unchanged). */
struct dbl_keyidx {
	uint64_t key;
	uint32_t idx;
};
int dbl_sort_keyed(struct dbl_keyidx *v, size_t n);
/* The first pass of the loader's large sorts: a stable scatter into nb
 * buckets by a digit. Count each item with start[digit + 1]++ (start[0 ..
 * nb] zeroed first), call dbl_bucket_index, then put item i at
 * pos[digit]++; bucket d is [start[d], start[d + 1]). Turns the counts
 * into bucket starts, copies them to pos[0 .. nb) and returns the largest
 * bucket's size. Both arrays are the caller's. */
size_t dbl_bucket_index(size_t *start, size_t *pos, size_t nb);

/* Room for a scatter by a 16-bit digit (the name sort's first pass): 1 MB,
 * so allocate it (calloc). */
struct dbl_bucket16 {
	size_t start[65537];
	size_t pos[65536];
};

/* An IPv4 entry with its position in the dataset (ord). */
struct dbl_ip4ord {
	uint32_t lo, hi;
	int32_t vid;
	uint32_t ord;
};
/* Write src[0..n) to out[0..n) as dbl_ip4ord records (ord = position),
 * sorted by lo, stable. A pass on the top 10 bits of lo from src straight
 * into out, then each of its 1024 buckets by the low 22 bits through a
 * scratch of the largest bucket's size: no second array of n records (a
 * plain LSD sort needs one: 320 MB at scale 10, fresh pages that this VM
 * pays a host fault for). consume: the caller gives src up (it frees src
 * next and reads nothing of it again): its pages are given back to the
 * system as the first pass reads them (dbl_big_drop_read; they read as
 * zeros after), so src and out are not resident together: at scale 10
 * the XBL-like list's 320 MB each, the load's peak. src and out are the
 * caller's. n < 2^32. Returns 0 or -ENOMEM (out unfilled, src intact). */
int dbl_sort_ip4ent(struct dbl_ip4ent *src, size_t n, struct dbl_ip4ord *out, bool consume);

dbl_u128 dbl_u128_from_bytes(const uint8_t b[16]);
void dbl_u128_to_bytes(dbl_u128 v, uint8_t b[16]);

#endif
