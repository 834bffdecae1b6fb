/* dnsbl.h - direct DNSBL lookups in a dnsbl-load database, without DNS.
 *
 * For milters, policy daemons and tools on the machine that holds the data:
 * a lookup reads the same LMDB generation dnsbld serves and runs the same
 * lookup and TXT expansion code (libdnsbl's dbl_answer_lookup), so it gives
 * the A codes and TXT strings dnsbld would answer for the A and TXT queries
 * of that name - about two orders of magnitude cheaper than a DNS round
 * trip (bench/RESULTS.md).
 *
 * Link with `pkg-config --cflags --libs dnsbl`.
 *
 * Threads. One struct dnsbl per process and database directory, shared by
 * every thread (LMDB: an environment must not be opened twice in one
 * process). Each thread that looks up makes its own struct dnsbl_reader
 * (dnsbl_reader_new) and uses it alone: a reader holds that thread's LMDB
 * read transaction and scratch buffers and is not thread-safe itself. Any
 * number of readers look up concurrently without locks; the only shared
 * write on the lookup path is the refresh check below.
 *
 * Refresh. dnsbl-load publishes a new generation by replacing
 * DIR/current. A lookup checks DIR/current (readlink + stat) when the
 * check interval (dnsbl_open, default 1000 ms as dnsbld; 0 = every
 * lookup) has passed since the last check by any thread; that one lookup
 * opens the new generation (LMDB open + catalog, milliseconds) and
 * publishes it. Every reader moves to it at its next lookup; the old
 * generation is closed when no reader uses it any more (hazard pointers,
 * as in dnsbld). A reader never sees a mix of two generations within a
 * lookup. dnsbl_refresh() checks at once.
 *
 * No allocation per lookup: results go to a caller-provided struct.
 *
 * Errors: every function returning int returns 0 (or a documented positive
 * value) on success and a negative code on failure: -errno, or one of the
 * DNSBL_E* codes below; dnsbl_strerror() names any of them.
 */
#ifndef DNSBL_H
#define DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DNSBL_ENOZONE = -20000, /* no zone of the database contains the query name */
	DNSBL_EZONEDOWN,        /* zone has no usable data or $TIMESTAMP expired (DNS: SERVFAIL) */
	DNSBL_ENODATA,          /* no generation could be opened */
	DNSBL_EBADNAME,         /* address or domain not usable as a query name */
	DNSBL_ECORRUPT,         /* a record does not decode (DNS: SERVFAIL) */
	DNSBL_ESCHEMA,          /* the database was written by another schema version */
};

#define DNSBL_NOT_LISTED 0
#define DNSBL_LISTED     1

#define DNSBL_CODES_MAX 32  /* A codes kept per result */
#define DNSBL_TXTS_MAX  32  /* TXT strings kept per result (8 KiB) */
#define DNSBL_TXT_MAX   255 /* bytes of one TXT string (one DNS character-string) */

/* One lookup's answer. Caller-owned; filled completely by every lookup
 * (also on error: then empty). Nothing in it points elsewhere. */
struct dnsbl_result {
	uint64_t generation;               /* generation answered from (0 on error) */
	unsigned ncodes;                   /* A codes in codes[] */
	uint8_t codes[DNSBL_CODES_MAX][4]; /* e.g. {127,0,0,2}, in dnsbld's answer order */
	unsigned ntxt;                     /* TXT strings in txt[] (0 with DNSBL_NO_TXT) */
	uint16_t txtlen[DNSBL_TXTS_MAX];
	char txt[DNSBL_TXTS_MAX][DNSBL_TXT_MAX + 1]; /* NUL-terminated; may hold bytes < 0x20 */
	bool truncated; /* more codes or TXT strings than fit (or a TXT record
	                 * of several strings longer than DNSBL_TXT_MAX) */
};

/* Lookup flags. */
#define DNSBL_NO_TXT 0x1u /* A codes only: skips the TXT expansion */

struct dnsbl;
struct dnsbl_reader;

/* dnsbl_open flags. DNSBL_OPEN_RESIDENT, for long-running processes:
 * read each generation in completely when it is opened, on transparent
 * huge pages where the kernel allows it, and build the in-memory IPv4
 * index, value-set table and name index (as dnsbld does): no disk reads
 * in the first lookups, IPv4 lookups about 1.4x faster, at the cost of
 * reading the whole file (~100 MB at scale 1) and building the indexes
 * (about 13 bytes per IPv4 interval, ~35 MB at scale 1; 16 bytes per
 * value set, ~1 MB; about 40 bytes per name, ~20 MB) at every open,
 * inside the one lookup that
 * notices the new generation (the other threads go on meanwhile). Not for
 * one-shot tools. */
#define DNSBL_OPEN_RESIDENT 0x1u

/* Open the database directory dir (as given to dnsbl-load --db) read-only
 * and the generation DIR/current names. check_ms: minimum interval between
 * checks of DIR/current (see Refresh above); 0 = at every lookup. flags:
 * DNSBL_OPEN_* or 0. On success *out is a new handle owned by the caller,
 * to be released with dnsbl_close(); dir is copied. Errors: the reason the
 * generation cannot be opened (-ENOENT: no DIR/current yet, DNSBL_ESCHEMA,
 * DNSBL_ECORRUPT, ...), -EINVAL, -ENOMEM, -ENAMETOOLONG. */
int dnsbl_open(struct dnsbl **out, const char *dir, unsigned check_ms, unsigned flags);

/* The error of the last failed attempt to open a generation of h (0 if
 * none), e.g. -ENOENT for a missing DIR/current. Any thread. */
int dnsbl_open_error(const struct dnsbl *h);

/* Release h and every generation it opened. Every reader of h must have
 * been freed first (else -EBUSY and nothing is released). */
int dnsbl_close(struct dnsbl *h);

/* Check DIR/current now and move to a new generation if it changed.
 * Returns 0 (also when unchanged, or when the new file cannot be opened
 * and the old one keeps serving: see dnsbl_open_error). Any thread. */
int dnsbl_refresh(struct dnsbl *h);

/* A reader for the calling thread (it may be handed to another thread,
 * but used by one thread at a time). *out is owned by the caller and must
 * be freed with dnsbl_reader_free() before dnsbl_close(h); h is borrowed
 * for its life. About 70 KiB (one DNS message buffer). -ENOMEM. */
int dnsbl_reader_new(struct dnsbl *h, struct dnsbl_reader **out);

/* Release r (NULL: nothing), by the thread that uses it, before
 * dnsbl_close() of its handle. Its generation may be closed at once. */
void dnsbl_reader_free(struct dnsbl_reader *r);

/* Look up an address in zone (e.g. "zen.local", a trailing dot allowed):
 * the A/TXT answer dnsbld gives for d.c.b.a.<zone> (IPv4) or the 32
 * reversed nibbles (IPv6). addr is 4 (IPv4) or 16 (IPv6) bytes in network
 * order; family 4 or 6. Returns DNSBL_LISTED (A codes present),
 * DNSBL_NOT_LISTED (dnsbld: NXDOMAIN or NODATA), or a negative error
 * (DNSBL_ENOZONE: dnsbld answers REFUSED; DNSBL_EZONEDOWN, DNSBL_ECORRUPT:
 * SERVFAIL). res (caller-owned) is filled in every case: codes = the A
 * records of dnsbld's A answer, txt = those of its TXT answer (a TXT
 * record's strings concatenated; not with DNSBL_NO_TXT). r: the calling
 * thread's reader. zone and addr are borrowed for the call only. */
int dnsbl_lookup_addr(struct dnsbl_reader *r, const char *zone, int family, const uint8_t *addr,
                      unsigned flags, struct dnsbl_result *res);

/* The same with the address as text ("192.0.2.1", "2001:db8::1");
 * DNSBL_EBADNAME when it is neither. */
int dnsbl_lookup_ip(struct dnsbl_reader *r, const char *zone, const char *ip, unsigned flags,
                    struct dnsbl_result *res);

/* Look up a domain ("example.com", case-insensitive, a trailing dot
 * allowed) in zone: the answer for <domain>.<zone>. The name _dnsbl (the
 * freshness record) is not a listing and returns DNSBL_NOT_LISTED. */
int dnsbl_lookup_domain(struct dnsbl_reader *r, const char *zone, const char *domain,
                        unsigned flags, struct dnsbl_result *res);

/* Static English text for any code returned by this library (or any
 * -errno). Never NULL. */
const char *dnsbl_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
