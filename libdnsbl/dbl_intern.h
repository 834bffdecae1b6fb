/* dbl_intern.h - interning of value-set blobs during a build.
 *
 * Identical merged answers (2 million XBL addresses all answering
 * 127.0.0.4 + the same template) share one vsid, so the "vset" key space
 * stays small and hot in cache. The table owns copies of every blob until
 * dbl_intern_free(); ids are dense from DBL_VSID_FIRST in creation order.
 */
#ifndef DBL_INTERN_H
#define DBL_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "dbl_vset.h"

struct dbl_intern {
	uint32_t next;  /* next vsid to hand out */
	uint32_t last;  /* vsid returned last (0 = none): fast path for runs */
	uint8_t *arena; /* all blobs back to back, owned */
	size_t alen, acap;
	uint64_t *off; /* vsid - DBL_VSID_FIRST -> offset<<16 | length, owned */
	size_t noff, capoff;
	/* Hash slots, owned: blob hash << 32 | vsid, 0 = empty (vsids start
	 * at 2). The hash sits in the slot so that a probe past another blob
	 * and a rehash read nothing else: at scale 10 (743 k value sets) a
	 * separate hash array cost a second cache miss per probe. */
	uint64_t *slots;
	uint32_t mask;
};

void dbl_intern_init(struct dbl_intern *in);
void dbl_intern_free(struct dbl_intern *in);

/* Append an item to vb unless an identical one is already there
 * (rbldnsd: "identical A+TXT duplicates collapse"). */
int dbl_intern_add_listing(struct dbl_vset_buf *vb, uint32_t ttl, const uint8_t a[4],
                           uint8_t subject, const char *txt, uint16_t txtlen);
int dbl_intern_add_rr(struct dbl_vset_buf *vb, uint32_t ttl, uint16_t type, const uint8_t *rdata,
                      uint16_t rdlen);

/* Finish vb and return its vsid in *vsid (DBL_VSID_EMPTY when vb has no
 * items). Returns 0 or -ENOMEM / DBL_ETOOBIG (blob over 65535 bytes). */
int dbl_intern_vset(struct dbl_intern *in, struct dbl_vset_buf *vb, uint32_t *vsid);

/* Intern an already finished blob (copied from another generation). */
int dbl_intern_blob(struct dbl_intern *in, const uint8_t *blob, size_t len, uint32_t *vsid);

/* Blob of an interned vsid, borrowed until dbl_intern_free(). */
void dbl_intern_get(const struct dbl_intern *in, uint32_t vsid, const uint8_t **blob, size_t *len);

#endif
