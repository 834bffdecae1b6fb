/* dbl_tupmap.c - short-tuple map (see dbl_tupmap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_hash.h"
#include "dbl_tupmap.h"

void dbl_tupmap_init(struct dbl_tupmap *m)
{
	memset(m, 0, sizeof *m);
}

void dbl_tupmap_free(struct dbl_tupmap *m)
{
	free(m->slot);
	free(m->arena);
	memset(m, 0, sizeof *m);
}

static int grow(struct dbl_tupmap *m)
{
	size_t size = m->slot ? ((size_t)m->mask + 1) * 2 : 1024;
	struct dbl_tupslot *s;

	if (size > (size_t)UINT32_MAX + 1)
		return -ENOMEM;
	if (!(s = calloc(size, sizeof *s)))
		return -ENOMEM;
	for (size_t i = 0; m->slot && i <= m->mask; i++) {
		size_t h;
		if (!m->slot[i].hash)
			continue;
		h = m->slot[i].hash & (size - 1);
		while (s[h].hash)
			h = (h + 1) & (size - 1);
		s[h] = m->slot[i];
	}
	free(m->slot);
	m->slot = s;
	m->mask = (uint32_t)(size - 1);
	return 0;
}

int dbl_tupmap_find(struct dbl_tupmap *m, const uint32_t *key, size_t len, uint32_t **id)
{
	uint32_t hash;
	size_t h;

	if (len == 0 || len > DBL_TUPMAP_MAXLEN)
		return -EINVAL;
	if ((!m->slot || (m->used + 1) * 2 > (size_t)m->mask + 1) && grow(m))
		return -ENOMEM;
	hash = dbl_hash_bytes(key, len * sizeof *key);
	hash += !hash; /* 0 marks an empty slot */
	for (h = hash & m->mask; m->slot[h].hash; h = (h + 1) & m->mask) {
		const struct dbl_tupslot *s = &m->slot[h];
		if (s->hash == hash && s->len == len &&
		    memcmp(m->arena + s->off, key, len * sizeof *key) == 0) {
			*id = &m->slot[h].id;
			return 0;
		}
	}
	if (m->alen + len > UINT32_MAX) /* offsets are 32-bit: 16 GiB of keys */
		return -ENOMEM;
	if (m->alen + len > m->acap) {
		size_t cap = m->acap ? m->acap * 2 : 4096;
		uint32_t *a;
		while (cap < m->alen + len)
			cap *= 2;
		if (!(a = realloc(m->arena, cap * sizeof *a)))
			return -ENOMEM;
		m->arena = a;
		m->acap = cap;
	}
	memcpy(m->arena + m->alen, key, len * sizeof *key);
	m->slot[h] = (struct dbl_tupslot){hash, (uint32_t)len, (uint32_t)m->alen, 0};
	m->alen += len;
	m->used++;
	*id = &m->slot[h].id;
	return 0;
}
