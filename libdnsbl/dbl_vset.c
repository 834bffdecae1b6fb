/* dbl_vset.c - value-set blob encoding and iteration (layout: dbl_schema.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_err.h"
#include "dbl_schema.h"
#include "dbl_vset.h"

int dbl_vset_iter_init(struct dbl_vset_iter *it, const uint8_t *blob, size_t len)
{
	if (len < 2)
		return DBL_ECORRUPT;
	it->left = dbl_get_u16(blob);
	it->p = blob + 2;
	it->end = blob + len;
	return 0;
}

int dbl_vset_next(struct dbl_vset_iter *it, struct dbl_item *item)
{
	const uint8_t *p = it->p;
	size_t avail = (size_t)(it->end - p);

	if (it->left == 0)
		return 0;
	if (avail < 5)
		return DBL_ECORRUPT;
	memset(item, 0, sizeof *item);
	item->kind = p[0];
	item->ttl = dbl_get_u32(p + 1);
	p += 5;
	avail -= 5;
	if (item->kind == DBL_ITEM_LISTING) {
		if (avail < 7)
			return DBL_ECORRUPT;
		memcpy(item->a, p, 4);
		item->subject = p[4];
		item->txtlen = dbl_get_u16(p + 5);
		p += 7;
		avail -= 7;
		if (item->txtlen != DBL_TXT_NONE) {
			if (avail < item->txtlen)
				return DBL_ECORRUPT;
			item->txt = p;
			p += item->txtlen;
		}
	} else if (item->kind == DBL_ITEM_RR) {
		if (avail < 4)
			return DBL_ECORRUPT;
		item->type = dbl_get_u16(p);
		item->rdlen = dbl_get_u16(p + 2);
		p += 4;
		avail -= 4;
		if (avail < item->rdlen)
			return DBL_ECORRUPT;
		item->rdata = p;
		p += item->rdlen;
	} else {
		return DBL_ECORRUPT;
	}
	it->p = p;
	it->left--;
	return 1;
}

void dbl_vset_buf_reset(struct dbl_vset_buf *vb)
{
	vb->len = 2; /* room for the count */
	vb->count = 0;
}

void dbl_vset_buf_free(struct dbl_vset_buf *vb)
{
	free(vb->b);
	memset(vb, 0, sizeof *vb);
}

static int vb_reserve(struct dbl_vset_buf *vb, size_t n)
{
	if (vb->len < 2)
		vb->len = 2;
	if (vb->len + n > vb->cap) {
		size_t cap = vb->cap ? vb->cap * 2 : 256;
		uint8_t *b;
		while (cap < vb->len + n)
			cap *= 2;
		b = realloc(vb->b, cap);
		if (!b)
			return -ENOMEM;
		vb->b = b;
		vb->cap = cap;
	}
	return 0;
}

int dbl_vset_add_listing(struct dbl_vset_buf *vb, uint32_t ttl, const uint8_t a[4], uint8_t subject,
                         const char *txt, uint16_t txtlen)
{
	size_t n = 12 + (txt ? txtlen : 0);
	uint8_t *p;

	if (vb_reserve(vb, n))
		return -ENOMEM;
	p = vb->b + vb->len;
	p[0] = DBL_ITEM_LISTING;
	dbl_put_u32(p + 1, ttl);
	memcpy(p + 5, a, 4);
	p[9] = subject;
	dbl_put_u16(p + 10, txt ? txtlen : DBL_TXT_NONE);
	if (txt)
		memcpy(p + 12, txt, txtlen);
	vb->len += n;
	vb->count++;
	return 0;
}

int dbl_vset_add_rr(struct dbl_vset_buf *vb, uint32_t ttl, uint16_t type, const uint8_t *rdata,
                    uint16_t rdlen)
{
	size_t n = 9 + (size_t)rdlen;
	uint8_t *p;

	if (vb_reserve(vb, n))
		return -ENOMEM;
	p = vb->b + vb->len;
	p[0] = DBL_ITEM_RR;
	dbl_put_u32(p + 1, ttl);
	dbl_put_u16(p + 5, type);
	dbl_put_u16(p + 7, rdlen);
	memcpy(p + 9, rdata, rdlen);
	vb->len += n;
	vb->count++;
	return 0;
}

void dbl_vset_finish(struct dbl_vset_buf *vb)
{
	if (vb_reserve(vb, 0) == 0)
		dbl_put_u16(vb->b, (uint16_t)vb->count);
}
