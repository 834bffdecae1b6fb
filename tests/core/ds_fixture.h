/* ds_fixture.h - in-memory datasets for the builder tests, filled the way
 * the parser fills them (dbl_dataset.h), without a zone file.
 *
 * fix_ds_new returns a dataset with room for 16 values, 64 IPv4 entries,
 * 16 IPv6 entries and 64 names (tests that need more realloc the arrays
 * and keep the counts); every key and text is its own malloc, released by
 * fix_ds_free. Also small helpers for test data (fix_rnd, fix_ip). */
#ifndef DS_FIXTURE_H
#define DS_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "dbl_dataset.h"

struct dbl_dsdata *fix_ds_new(const char *type, enum dbl_merge m);
/* A value 127.0.0.a4 with TXT txt (NULL: none); returns its vid. */
int32_t fix_val(struct dbl_dsdata *ds, unsigned a4, const char *txt);
void fix_add4(struct dbl_dsdata *ds, uint32_t lo, uint32_t hi, int prio, int32_t vid);
/* A dnset entry for the name text (relative, e.g. "a.example"). */
void fix_addname(struct dbl_dsdata *ds, const char *text, bool wild, int32_t vid);
void fix_ds_free(struct dbl_dsdata *ds);

/* Test data: fix_rnd(n) is a pseudo-random number in [0, n), n > 0, from a
 * sequence that starts at 1 in every test program or at fix_seed's seed. */
void fix_seed(uint32_t seed);
uint32_t fix_rnd(uint32_t n);
/* The IPv4 address a.b.c.d as a host-order number. */
uint32_t fix_ip(unsigned a, unsigned b, unsigned c, unsigned d);

#endif
