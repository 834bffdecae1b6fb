/* ds_fixture.c - in-memory datasets for the builder tests (ds_fixture.h). */
#include <stdlib.h>
#include <string.h>

#include "dbl_dsb.h"
#include "dbl_name.h"
#include "dbl_schema.h"
#include "ds_fixture.h"

struct dbl_dsdata *fix_ds_new(const char *type, enum dbl_merge m)
{
	struct dbl_dsdata *ds = calloc(1, sizeof *ds);
	ds->type = strdup(type);
	ds->label = strdup(type);
	ds->ttl = DBL_TTL_DEFAULT;
	ds->merge = m;
	ds->nsubs = 1;
	ds->subs = calloc(1, sizeof *ds->subs);
	ds->values = calloc(16, sizeof *ds->values);
	ds->ip4 = calloc(64, sizeof *ds->ip4);
	ds->ip6 = calloc(16, sizeof *ds->ip6);
	ds->names = calloc(64, sizeof *ds->names);
	return ds;
}

int32_t fix_val(struct dbl_dsdata *ds, unsigned a4, const char *txt)
{
	struct dbl_value *v = &ds->values[ds->nvalues];
	v->a[0] = 127;
	v->a[3] = (uint8_t)a4;
	if (txt) {
		v->has_txt = true;
		v->txt = strdup(txt);
		v->txtlen = (uint16_t)strlen(txt);
	}
	return (int32_t)ds->nvalues++;
}

void fix_add4(struct dbl_dsdata *ds, uint32_t lo, uint32_t hi, int prio, int32_t vid)
{
	ds->ip4[ds->nip4++] = (struct dbl_ip4ent){lo, hi, (uint8_t)prio, vid};
}

void fix_addname(struct dbl_dsdata *ds, const char *text, bool wild, int32_t vid)
{
	uint8_t rel[256];
	struct dbl_nameent *e = &ds->names[ds->nnames++];
	int n = dbl_rel_from_text(rel, text, strlen(text));
	e->key = dbl_pool_alloc(&ds->pool, (size_t)n); /* as the parsers store keys */
	e->keylen = (uint8_t)dbl_namekey_from_rel(e->key, rel, (size_t)n);
	e->wild = wild;
	e->vid = vid;
}

void fix_ds_free(struct dbl_dsdata *ds)
{
	for (size_t i = 0; i < ds->nvalues; i++)
		free(ds->values[i].txt);
	dbl_pool_free(ds->pool); /* the name keys */
	free(ds->values), free(ds->ip4), free(ds->ip6), free(ds->names), free(ds->subs);
	free(ds->type), free(ds->label), free(ds);
}

/* The LCG of rand()'s C standard example; bits 8 and up (the low bits of
 * an LCG cycle quickly). One state per test program: reproducible data. */
static uint32_t rnd_state = 1;

void fix_seed(uint32_t seed)
{
	rnd_state = seed;
}

uint32_t fix_rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

uint32_t fix_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}
