/* dbl_intern.c - value-set interning (see dbl_intern.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_err.h"
#include "dbl_hash.h"
#include "dbl_intern.h"
#include "dbl_schema.h"

void dbl_intern_init(struct dbl_intern *in)
{
	memset(in, 0, sizeof *in);
	in->next = DBL_VSID_FIRST;
}

void dbl_intern_free(struct dbl_intern *in)
{
	free(in->arena);
	free(in->off);
	free(in->slots);
	memset(in, 0, sizeof *in);
}

/* Does vb already hold an item encoded exactly as item[0..n)? Items are
 * walked from the header so only whole items compare. */
static bool vb_has(const struct dbl_vset_buf *vb, const uint8_t *item, size_t n)
{
	struct dbl_vset_iter it = {vb->b + 2, vb->b + vb->len, vb->count};
	const uint8_t *start = it.p;
	struct dbl_item x;

	while (dbl_vset_next(&it, &x) == 1) {
		if ((size_t)(it.p - start) == n && memcmp(start, item, n) == 0)
			return true;
		start = it.p;
	}
	return false;
}

int dbl_intern_add_listing(struct dbl_vset_buf *vb, uint32_t ttl, const uint8_t a[4],
                           uint8_t subject, const char *txt, uint16_t txtlen)
{
	size_t before = vb->len;
	unsigned cnt = vb->count;
	int rc = dbl_vset_add_listing(vb, ttl, a, subject, txt, txtlen);

	if (rc)
		return rc;
	vb->count = cnt;
	vb->len = before;
	if (cnt && vb_has(vb, vb->b + before, (size_t)(12 + (txt ? txtlen : 0))))
		return 0;
	vb->len = before + 12 + (txt ? txtlen : 0);
	vb->count = cnt + 1;
	return 0;
}

int dbl_intern_add_rr(struct dbl_vset_buf *vb, uint32_t ttl, uint16_t type, const uint8_t *rdata,
                      uint16_t rdlen)
{
	size_t before = vb->len;
	unsigned cnt = vb->count;
	int rc = dbl_vset_add_rr(vb, ttl, type, rdata, rdlen);

	if (rc)
		return rc;
	vb->count = cnt;
	vb->len = before;
	if (cnt && vb_has(vb, vb->b + before, 9u + rdlen))
		return 0;
	vb->len = before + 9u + rdlen;
	vb->count = cnt + 1;
	return 0;
}

void dbl_intern_get(const struct dbl_intern *in, uint32_t vsid, const uint8_t **blob, size_t *len)
{
	uint64_t o = in->off[vsid - DBL_VSID_FIRST];
	*blob = in->arena + (o >> 16);
	*len = (size_t)(o & 0xFFFF);
}

static int grow_slots(struct dbl_intern *in)
{
	uint32_t size = in->slots ? (in->mask + 1) * 2 : 1024;
	uint64_t *s = calloc(size, sizeof *s);

	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; in->slots && i <= in->mask; i++) {
		uint32_t h;
		if (!in->slots[i])
			continue;
		h = (uint32_t)(in->slots[i] >> 32) & (size - 1);
		while (s[h])
			h = (h + 1) & (size - 1);
		s[h] = in->slots[i];
	}
	free(in->slots);
	in->slots = s;
	in->mask = size - 1;
	return 0;
}

int dbl_intern_vset(struct dbl_intern *in, struct dbl_vset_buf *vb, uint32_t *vsid)
{
	if (vb->count == 0) {
		*vsid = DBL_VSID_EMPTY;
		return 0;
	}
	dbl_vset_finish(vb);
	if (vb->count > 0xFFFF)
		return DBL_ETOOBIG;
	return dbl_intern_blob(in, vb->b, vb->len, vsid);
}

int dbl_intern_blob(struct dbl_intern *in, const uint8_t *blob, size_t len, uint32_t *vsid)
{
	struct dbl_vset_buf view = {(uint8_t *)blob, len, len, 0};
	struct dbl_vset_buf *vb = &view;
	uint32_t h, full;

	if (len > 0xFFFF) /* the offset table keeps 16 bits of length */
		return DBL_ETOOBIG;
	/* Runs of equal answers (2 million XBL addresses, one value) are the
	 * common case: compare with the last result before hashing. */
	if (in->last) {
		const uint8_t *b;
		size_t n;
		dbl_intern_get(in, in->last, &b, &n);
		if (n == len && memcmp(b, blob, len) == 0) {
			*vsid = in->last;
			return 0;
		}
	}
	if (!in->slots || (in->next - DBL_VSID_FIRST + 1) * 2 > in->mask)
		if (grow_slots(in))
			return -ENOMEM;
	full = dbl_hash_bytes(vb->b, vb->len);
	h = full & in->mask;
	for (; in->slots[h]; h = (h + 1) & in->mask) {
		uint32_t id = (uint32_t)in->slots[h];
		const uint8_t *b;
		size_t n;
		if ((uint32_t)(in->slots[h] >> 32) != full)
			continue; /* the stored hash spares a visit to the arena */
		dbl_intern_get(in, id, &b, &n);
		if (n == vb->len && memcmp(b, vb->b, n) == 0) {
			*vsid = in->last = id;
			return 0;
		}
	}
	if (in->alen + vb->len > in->acap) {
		size_t cap = in->acap ? in->acap * 2 : 65536;
		uint8_t *a;
		while (cap < in->alen + vb->len)
			cap *= 2;
		a = realloc(in->arena, cap);
		if (!a)
			return -ENOMEM;
		in->arena = a;
		in->acap = cap;
	}
	if (in->noff == in->capoff) {
		size_t cap = in->capoff ? in->capoff * 2 : 1024;
		uint64_t *o = realloc(in->off, cap * sizeof *o);
		if (!o)
			return -ENOMEM;
		in->off = o;
		in->capoff = cap;
	}
	memcpy(in->arena + in->alen, vb->b, vb->len);
	in->off[in->noff++] = ((uint64_t)in->alen << 16) | vb->len;
	in->alen += vb->len;
	in->slots[h] = (uint64_t)full << 32 | in->next;
	*vsid = in->last = in->next++;
	return 0;
}
