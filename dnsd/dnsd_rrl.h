/* dnsd_rrl.h - response-rate limiting (RRL) per client prefix, off by default.
 *
 * With --rrl RATE, each UDP response is charged to the client's prefix
 * (IPv4 /24, IPv6 /56: the block one customer or one spoofing target
 * usually holds) in a token bucket that refills RATE tokens per second and
 * holds at most RATE (one second of burst). A response that finds the
 * bucket empty is "limited": every --rrl-slip Nth one is sent as a minimal
 * TC=1 reply (the question only), so a legitimate client behind a spoofed
 * flood retries over TCP, which is never limited; the others are dropped.
 * Slip 0 drops them all. Loopback clients (127/8, ::1) are exempt unless
 * --rrl-loopback (for tests).
 *
 * Memory and time: each worker thread owns one fixed table of
 * DNSD_RRL_SLOTS buckets, allocated when the worker is created; a lookup
 * probes at most DNSD_RRL_PROBE slots and, when the table is full there,
 * reuses the least recently used of them (that prefix starts again with a
 * full bucket: under a flood from many prefixes the limit gets looser,
 * never stricter). No allocation, no lock per query.
 */
#ifndef DNSD_RRL_H
#define DNSD_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* 16384 buckets x 24 bytes = 384 KiB per worker thread; enough distinct
 * prefixes for a busy mirror's mail servers many times over. */
#define DNSD_RRL_SLOTS    16384u
#define DNSD_RRL_PROBE    8u /* slots looked at per lookup */
#define DNSD_RRL_RATE_MAX 1000000u

struct dnsd_rrl_conf {
	uint32_t rate; /* responses per second per prefix; 0 = RRL off */
	uint32_t slip; /* every slip-th limited response sent with TC; 0 = drop all */
	bool loopback; /* also limit loopback clients */
};

/* Per-worker counters (read by the main thread after the join, and by
 * the /metrics exporter, dnsd_metrics.c). */
struct dnsd_rrl_stats {
	uint64_t rrl_limited; /* responses over the rate: slipped + dropped */
	uint64_t rrl_slipped; /* of those, sent as TC=1 */
	uint64_t rrl_dropped; /* of those, not sent */
	uint64_t rrl_evicted; /* buckets reused for another prefix (table full) */
};

struct dnsd_rrl_bucket;

struct dnsd_rrl {
	struct dnsd_rrl_conf conf;
	struct dnsd_rrl_bucket *tab; /* DNSD_RRL_SLOTS, owned; NULL when off */
	struct dnsd_rrl_stats st;
};

enum dnsd_rrl_verdict {
	DNSD_RRL_SEND = 0, /* under the rate (or exempt): send the response */
	DNSD_RRL_SLIP,     /* limited: send dnsd_rrl_slip()'s TC reply */
	DNSD_RRL_DROP,     /* limited: send nothing */
};

/* Set up r with conf (copied). Allocates the table when conf->rate > 0.
 * Returns 0 or -ENOMEM. Release with dnsd_rrl_free(). */
int dnsd_rrl_init(struct dnsd_rrl *r, const struct dnsd_rrl_conf *conf);
void dnsd_rrl_free(struct dnsd_rrl *r);

/* Charge one response to peer's prefix at time now_ms (a monotonic
 * millisecond clock). Counts limited/slipped/dropped responses. */
enum dnsd_rrl_verdict dnsd_rrl_check(struct dnsd_rrl *r, const struct sockaddr *peer,
                                     uint64_t now_ms);

/* Turn the response resp (len bytes, starting with the header and the
 * question as received) into a TC=1 reply with the question only. Returns
 * the new length, or 0 if resp does not hold a whole question. */
size_t dnsd_rrl_slip(uint8_t *resp, size_t len);

#endif
