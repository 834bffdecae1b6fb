/* dnsd_rrl.c - response-rate limiting per client prefix (see dnsd_rrl.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd_rrl.h"

/* Tokens are counted in thousandths of a response, so a refill of
 * rate * elapsed_ms stays an integer for every rate. */
#define MILLI 1000u

struct dnsd_rrl_bucket {
	uint8_t key[8];   /* family byte + prefix bytes (v4: 3, v6: 7) */
	uint64_t last_ms; /* last charge; 0 = empty slot */
	uint32_t tokens;  /* thousandths of a response, at most rate * 1000 */
	uint32_t limited; /* limited responses since the bucket was made, for slip */
};

int dnsd_rrl_init(struct dnsd_rrl *r, const struct dnsd_rrl_conf *conf)
{
	memset(r, 0, sizeof *r);
	r->conf = *conf;
	if (conf->rate == 0)
		return 0;
	r->tab = calloc(DNSD_RRL_SLOTS, sizeof *r->tab);
	return r->tab ? 0 : -ENOMEM;
}

void dnsd_rrl_free(struct dnsd_rrl *r)
{
	free(r->tab);
	r->tab = NULL;
}

/* The prefix key of peer; false for a loopback client that is exempt or
 * an unknown family. */
static bool prefix_key(const struct dnsd_rrl *r, const struct sockaddr *peer, uint8_t key[8])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	const uint8_t *a;

	memset(key, 0, 8);
	if (peer->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	} else if (peer->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, 12) != 0) {
			if (!r->conf.loopback && memcmp(a, loop6, 16) == 0)
				return false;
			key[0] = 6;
			memcpy(key + 1, a, 7); /* /56 */
			return true;
		}
		a += 12;
	} else {
		return false;
	}
	if (!r->conf.loopback && a[0] == 127)
		return false;
	key[0] = 4;
	memcpy(key + 1, a, 3); /* /24 */
	return true;
}

static uint32_t hash_key(const uint8_t key[8])
{
	uint64_t k;

	memcpy(&k, key, 8);
	k *= 0x9E3779B97F4A7C15ull; /* Fibonacci hashing: the high bits mix every byte */
	return (uint32_t)(k >> 40);
}

/* The bucket of key: found, a free slot, or the least recently used of
 * the DNSD_RRL_PROBE slots (reset). */
static struct dnsd_rrl_bucket *find(struct dnsd_rrl *r, const uint8_t key[8], uint64_t now_ms)
{
	uint32_t h = hash_key(key);
	struct dnsd_rrl_bucket *lru = NULL;

	for (uint32_t i = 0; i < DNSD_RRL_PROBE; i++) {
		struct dnsd_rrl_bucket *b = &r->tab[(h + i) & (DNSD_RRL_SLOTS - 1)];
		if (b->last_ms && memcmp(b->key, key, 8) == 0)
			return b;
		if (!b->last_ms) {
			lru = b;
			break;
		}
		if (!lru || b->last_ms < lru->last_ms)
			lru = b;
	}
	if (lru->last_ms)
		r->st.rrl_evicted++;
	memcpy(lru->key, key, 8);
	lru->tokens = r->conf.rate * MILLI; /* a new prefix starts with a full bucket */
	lru->limited = 0;
	lru->last_ms = now_ms ? now_ms : 1;
	return lru;
}

enum dnsd_rrl_verdict dnsd_rrl_check(struct dnsd_rrl *r, const struct sockaddr *peer,
                                     uint64_t now_ms)
{
	struct dnsd_rrl_bucket *b;
	uint64_t cap, t;
	uint8_t key[8];

	if (!r->tab || !prefix_key(r, peer, key))
		return DNSD_RRL_SEND;
	b = find(r, key, now_ms);
	cap = (uint64_t)r->conf.rate * MILLI;
	if (now_ms > b->last_ms) {
		t = b->tokens + (now_ms - b->last_ms) * (uint64_t)r->conf.rate;
		b->tokens = (uint32_t)(t > cap ? cap : t);
		b->last_ms = now_ms;
	}
	if (b->tokens >= MILLI) {
		b->tokens -= MILLI;
		return DNSD_RRL_SEND;
	}
	r->st.rrl_limited++;
	if (r->conf.slip && ++b->limited % r->conf.slip == 0) {
		r->st.rrl_slipped++;
		return DNSD_RRL_SLIP;
	}
	r->st.rrl_dropped++;
	return DNSD_RRL_DROP;
}

size_t dnsd_rrl_slip(uint8_t *resp, size_t len)
{
	size_t o = 12; /* 12: DNS header */

	/* The question as received: labels, no compression (dbl_query drops
	 * requests with a pointer in the question), then type and class. */
	while (o < len && resp[o] != 0) {
		if (resp[o] > 63)
			return 0;
		o += (size_t)resp[o] + 1;
	}
	if (o + 5 > len || resp[4] != 0 || resp[5] != 1)
		return 0;
	resp[2] |= 0x02;           /* TC */
	resp[2] &= (uint8_t)~0x04; /* not authoritative: no data */
	memset(resp + 6, 0, 6);    /* AN, NS, AR counts */
	return o + 5;
}
