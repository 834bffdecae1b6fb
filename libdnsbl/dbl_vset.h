/* dbl_vset.h - value-set blobs ("vset" key space, see dbl_schema.h).
 *
 * The builder encodes merged answers with dbl_vset_add_*; the query path
 * walks them with dbl_vset_iter without copying: every pointer in a
 * struct dbl_item points into the blob and is borrowed for as long as the
 * blob (an LMDB value: until the read transaction ends).
 */
#ifndef DBL_VSET_H
#define DBL_VSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dbl_item {
	uint8_t kind; /* DBL_ITEM_LISTING or DBL_ITEM_RR */
	uint32_t ttl; /* DBL_TTL_DEFAULT = server default */
	/* DBL_ITEM_LISTING */
	uint8_t a[4];
	uint8_t subject; /* name matches: 0 = whole key, k = last k labels */
	uint16_t txtlen; /* DBL_TXT_NONE = no TXT */
	const uint8_t *txt;
	/* DBL_ITEM_RR */
	uint16_t type;
	uint16_t rdlen;
	const uint8_t *rdata;
};

struct dbl_vset_iter {
	const uint8_t *p, *end;
	unsigned left;
};

/* Start iterating blob. Returns 0 or DBL_ECORRUPT. */
int dbl_vset_iter_init(struct dbl_vset_iter *it, const uint8_t *blob, size_t len);
/* 1 = *item filled, 0 = end, DBL_ECORRUPT = blob truncated or bad kind. */
int dbl_vset_next(struct dbl_vset_iter *it, struct dbl_item *item);

/* Encoding: a growable caller-owned buffer. */
struct dbl_vset_buf {
	uint8_t *b; /* owned, malloc'ed */
	size_t len, cap;
	unsigned count;
};
void dbl_vset_buf_reset(struct dbl_vset_buf *vb);
void dbl_vset_buf_free(struct dbl_vset_buf *vb);
/* Append one item (returns 0 or -ENOMEM). txt NULL = no TXT. */
int dbl_vset_add_listing(struct dbl_vset_buf *vb, uint32_t ttl, const uint8_t a[4], uint8_t subject,
                         const char *txt, uint16_t txtlen);
int dbl_vset_add_rr(struct dbl_vset_buf *vb, uint32_t ttl, uint16_t type, const uint8_t *rdata,
                    uint16_t rdlen);
/* Finish: writes the count header; vb->b/vb->len is the blob. */
void dbl_vset_finish(struct dbl_vset_buf *vb);

#endif
