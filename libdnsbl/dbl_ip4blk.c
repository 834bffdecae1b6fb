/* dbl_ip4blk.c - "ip4" value blocks (see dbl_ip4blk.h). */
#include "dbl_ip4blk.h"
#include "dbl_err.h"
#include "dbl_schema.h"

bool dbl_ip4blk_add(struct dbl_ip4blk *b, uint32_t lo, uint32_t hi, uint32_t vsid)
{
	if (b->n == 0) {
		b->first = lo;
	} else if (lo == b->last[b->n - 1] + 1) {
		if (b->n == DBL_IP4BLK_RUNS)
			return false;
	} else {
		if (b->n + 2 > DBL_IP4BLK_RUNS)
			return false;
		b->last[b->n] = lo - 1; /* the gap up to this run */
		b->vsid[b->n++] = 0;
	}
	b->last[b->n] = hi;
	b->vsid[b->n++] = vsid;
	return true;
}

static uint8_t *put_varint(uint8_t *p, uint32_t x)
{
	while (x >= 0x80) {
		*p++ = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	*p++ = (uint8_t)x;
	return p;
}

/* The varint at p (before end) in *x; the byte after it, or NULL when it
 * is cut short or above 32 bits. */
static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint32_t *x)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 35 && p < end; shift += 7) { /* 5 bytes at most */
		uint8_t c = *p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*x = (uint32_t)v;
			return v > UINT32_MAX ? NULL : p;
		}
	}
	return NULL;
}

size_t dbl_ip4blk_encode(const struct dbl_ip4blk *b, uint8_t *v)
{
	uint8_t *p = v + 4;
	uint32_t start = b->first;

	dbl_put_u32(v, b->first);
	for (uint32_t i = 0; i < b->n; i++) {
		p = put_varint(p, b->last[i] - start);
		p = put_varint(p, b->vsid[i]);
		start = b->last[i] + 1;
	}
	return (size_t)(p - v);
}

int dbl_ip4blk_decode(const uint8_t *v, size_t len, struct dbl_ip4blk *b)
{
	const uint8_t *p = v + 4, *end = v + len;
	uint64_t start;

	if (len < 6 || len > DBL_IP4BLK_MAX) /* 6: first and one run of one-byte varints */
		return DBL_ECORRUPT;
	b->n = 0;
	b->first = dbl_get_u32(v);
	start = b->first;
	while (p < end) {
		uint32_t span, vsid;
		if (b->n == DBL_IP4BLK_RUNS || !(p = get_varint(p, end, &span)) ||
		    !(p = get_varint(p, end, &vsid)) || start + span > UINT32_MAX)
			return DBL_ECORRUPT; /* also a run after one that ended at the top */
		b->last[b->n] = (uint32_t)(start + span);
		b->vsid[b->n++] = vsid;
		start += (uint64_t)span + 1;
	}
	return 0;
}

/* Index of the run holding addr (addr >= first), n if none does. */
static uint32_t run_of(const struct dbl_ip4blk *b, uint32_t addr)
{
	uint32_t i = 0;

	while (i < b->n && b->last[i] < addr)
		i++;
	return i;
}

int dbl_ip4blk_find(const uint8_t *v, size_t len, uint32_t addr, uint32_t *vsid)
{
	struct dbl_ip4blk b;
	uint32_t i;

	if (dbl_ip4blk_decode(v, len, &b) || b.first > addr || (i = run_of(&b, addr)) == b.n)
		return DBL_ENOTFOUND;
	if (b.vsid[i] == 0)
		return DBL_ENOTFOUND; /* a gap inside the block */
	*vsid = b.vsid[i];
	return 0;
}

int dbl_ip4blk_any(const uint8_t *v, size_t len, uint32_t lo, uint32_t hi)
{
	struct dbl_ip4blk b;
	uint32_t i;

	if (dbl_ip4blk_decode(v, len, &b))
		return DBL_ENOTFOUND;
	if (b.first > lo) /* the block's first run is listed */
		return b.first <= hi ? 0 : DBL_ENOTFOUND;
	if ((i = run_of(&b, lo)) == b.n)
		return DBL_ENOTFOUND;
	if (b.vsid[i] != 0)
		return 0;
	/* lo is in a gap; the run after a gap is listed */
	return i + 1 < b.n && b.last[i] < hi ? 0 : DBL_ENOTFOUND;
}
