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

size_t dbl_ip4blk_encode(const struct dbl_ip4blk *b, uint8_t *v)
{
	dbl_put_u32(v, b->first);
	for (uint32_t i = 0; i < b->n; i++) {
		dbl_put_u32(v + DBL_IP4BLK_LAST(i), b->last[i]);
		dbl_put_u32(v + DBL_IP4BLK_VSID(i), b->vsid[i]);
	}
	return 4 + 8 * (size_t)b->n;
}

uint32_t dbl_ip4blk_runs(size_t len)
{
	if (len < 12 || len > DBL_IP4BLK_MAX || (len - 4) % 8)
		return 0;
	return (uint32_t)((len - 4) / 8);
}

void dbl_ip4blk_run(const uint8_t *v, uint32_t i, uint32_t *lo, uint32_t *hi, uint32_t *vsid)
{
	*lo = i ? dbl_get_u32(v + DBL_IP4BLK_LAST(i - 1)) + 1 : dbl_get_u32(v);
	*hi = dbl_get_u32(v + DBL_IP4BLK_LAST(i));
	*vsid = dbl_get_u32(v + DBL_IP4BLK_VSID(i));
}

/* Index of the run holding addr (addr >= first), n if none does. */
static uint32_t run_of(const uint8_t *v, uint32_t n, uint32_t addr)
{
	uint32_t i = 0;

	while (i < n && dbl_get_u32(v + DBL_IP4BLK_LAST(i)) < addr)
		i++;
	return i;
}

int dbl_ip4blk_find(const uint8_t *v, size_t len, uint32_t addr, uint32_t *vsid)
{
	uint32_t n = dbl_ip4blk_runs(len), i, s;

	if (n == 0 || dbl_get_u32(v) > addr || (i = run_of(v, n, addr)) == n)
		return DBL_ENOTFOUND;
	if ((s = dbl_get_u32(v + DBL_IP4BLK_VSID(i))) == 0)
		return DBL_ENOTFOUND; /* a gap inside the block */
	*vsid = s;
	return 0;
}

int dbl_ip4blk_any(const uint8_t *v, size_t len, uint32_t lo, uint32_t hi)
{
	uint32_t n = dbl_ip4blk_runs(len), i;

	if (n == 0)
		return DBL_ENOTFOUND;
	if (dbl_get_u32(v) > lo) /* the block's first run is listed */
		return dbl_get_u32(v) <= hi ? 0 : DBL_ENOTFOUND;
	if ((i = run_of(v, n, lo)) == n)
		return DBL_ENOTFOUND;
	if (dbl_get_u32(v + DBL_IP4BLK_VSID(i)) != 0)
		return 0;
	/* lo is in a gap; the run after a gap is listed */
	return i + 1 < n && dbl_get_u32(v + DBL_IP4BLK_LAST(i)) < hi ? 0 : DBL_ENOTFOUND;
}
