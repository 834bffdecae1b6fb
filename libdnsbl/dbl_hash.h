/* dbl_hash.h - the loader's one hash for in-memory tables (value-set
 * interning, dbl_intern.c; the parser's raw values, dbl_value.c). Not
 * stored anywhere: tables are rebuilt per load, so it may change freely.
 *
 * Multiply-xorshift, eight bytes per step: value sets are about a hundred
 * bytes, and a byte-at-a-time hash over 750 k of them at scale 10 was most
 * of the interning cost.
 */
#ifndef DBL_HASH_H
#define DBL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t dbl_hash_bytes(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t h = 0x9E3779B97F4A7C15u ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9u;
		h ^= h >> 31;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		h = (h ^ w) * 0xBF58476D1CE4E5B9u;
		h ^= h >> 31;
	}
	return (uint32_t)(h ^ h >> 32);
}

#endif
