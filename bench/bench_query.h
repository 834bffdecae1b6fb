/* bench_query.h - the query list: DNS questions in wire format, ready to send.
 *
 * A query is stored once as its question section (QNAME, QTYPE, QCLASS=IN)
 * in one contiguous buffer; the sender points an iovec at it behind a
 * 12-byte header, and the receiver compares the reply's question with the
 * same bytes. The list is built before the run and read-only during it,
 * so all threads share it without locks.
 *
 * Ownership: struct bench_queries owns its three arrays (malloc'ed);
 * bench_queries_free releases them. Pointers into `wire` stay valid until
 * the next add or free.
 */
#ifndef BENCH_QUERY_H
#define BENCH_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Upper bound on the list size: offsets are 32-bit and 50 M questions of
 * the longest kind stay well below 4 GiB. */
#define BENCH_QUERIES_MAX 50000000u
/* A question: wire name (<= 255) + QTYPE + QCLASS. */
#define BENCH_QUESTION_MAX (255 + 4)

struct bench_queries {
	uint8_t *wire; /* questions back to back */
	size_t wire_len, wire_cap;
	uint32_t *off;  /* off[i]: question i starts at wire + off[i] */
	uint16_t *qlen; /* qlen[i]: its length in bytes */
	size_t n, cap;
};

void bench_queries_init(struct bench_queries *q);
void bench_queries_free(struct bench_queries *q);

/* Append `name` (presentation form, trailing dot optional, \. and \DDD
 * escapes) with qtype. Returns 0, -EINVAL (bad name), -E2BIG (list full)
 * or -ENOMEM. */
int bench_queries_add(struct bench_queries *q, const char *name, uint16_t qtype);

/* Read a dnsperf data file: one "name TYPE" per line; blank lines and
 * lines starting with ';' or '#' are skipped. `label` names the input in
 * messages. On error returns -EINVAL (syntax, with "label:line: reason"
 * in err), -EIO or -ENOMEM; queries read so far stay in q. */
int bench_queries_read(struct bench_queries *q, FILE *f, const char *label, char *err,
                       size_t errlen);
/* Same, opening path. Also fails when the file holds no query. */
int bench_queries_load(struct bench_queries *q, const char *path, char *err, size_t errlen);

/* Write the list in dnsperf format (the inverse of bench_queries_read).
 * Returns 0 or -EIO. */
int bench_queries_write(const struct bench_queries *q, FILE *f);

/* Type mnemonics (A, AAAA, TXT, ...) and TYPEnnn, case-insensitive.
 * Returns 0 or -EINVAL. */
int bench_type_parse(const char *s, uint16_t *type);
/* Mnemonic or "TYPEnnn" into buf (>= 12 bytes); returns buf. */
const char *bench_type_name(uint16_t type, char *buf, size_t len);
/* RCODE mnemonic (0..15) or NULL. */
const char *bench_rcode_name(unsigned rcode);

/* Presentation name -> uncompressed wire name. Returns the length (>= 1)
 * or -EINVAL (empty label, label > 63, name > 255, bad escape). */
int bench_name_to_wire(const char *name, uint8_t *out, size_t cap);
/* Wire name -> presentation form without the trailing dot (the root is
 * "."), escaping '.', '\\' and bytes outside printable ASCII as \DDD.
 * Returns the wire length consumed or -EINVAL (also when out is short). */
int bench_name_from_wire(const uint8_t *w, size_t len, char *out, size_t cap);

#endif
