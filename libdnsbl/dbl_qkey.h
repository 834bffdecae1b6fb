/* dbl_qkey.h - DNSBL keys from query labels, and the text of a listed subject.
 *
 * Input everywhere is a "rel" name: the lowercased labels of the query name
 * under the scope (no root label), leftmost label first as on the wire.
 * Keys (contract sections 3 and 6.9, RFC 5782 2.1/2.4):
 *   IPv4: exactly 4 labels, each canonical decimal 0..255 ("0", "7", "255";
 *         never "02" or "002"), reversed: 2.0.0.127 -> 127.0.0.2.
 *   IPv6: exactly 32 labels, each one hex digit, nibble-reversed.
 * Partial keys (empty non-terminals, contract 6.5): 1-3 canonical decimal
 * labels = an IPv4 block, 1-31 nibble labels = an IPv6 block.
 */
#ifndef DBL_QKEY_H
#define DBL_QKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBL_IP6_TEXT_MAX 40 /* 39: 8 groups of 4 hex digits and 7 colons, + NUL */
#define DBL_IP4_TEXT_MAX 16 /* 15: "255.255.255.255", + NUL */

/* Full keys: true and *addr set when rel is one. */
bool dbl_key_ip4(const uint8_t *rel, size_t len, uint32_t *addr);
bool dbl_key_ip6(const uint8_t *rel, size_t len, uint8_t addr[16]);
/* The same rule for the first four labels of a name that goes on (a raw
 * question name, avail bytes readable): true and *addr when they are an
 * IPv4 key. */
bool dbl_key_ip4_lead(const uint8_t *name, size_t avail, uint32_t *addr);

/* Partial keys: true and the block [lo, hi] set when rel is one. */
bool dbl_key_ip4_block(const uint8_t *rel, size_t len, uint32_t *lo, uint32_t *hi);
bool dbl_key_ip6_block(const uint8_t *rel, size_t len, uint8_t lo[16], uint8_t hi[16]);

/* IPv4 addresses that IPv6 queries also look up in IPv4 data:
 * ::ffff:a.b.c.d (RFC 4291 2.5.5.2, contract 6.6) and 2002:V4::/16 (6to4,
 * RFC 3056, as rbldnsd). */
bool dbl_ip6_v4mapped(const uint8_t a[16], uint32_t *v4);
bool dbl_ip6_6to4(const uint8_t a[16], uint32_t *v4);
/* The same for a partial IPv6 key: the IPv4 block reachable through either
 * mapping below that IPv6 block (empty non-terminals on the way down to a
 * mapped address). rel as for dbl_key_ip6_block. Up to two blocks. */
unsigned dbl_key_ip6_v4blocks(const uint8_t *rel, size_t len, uint32_t lo[2], uint32_t hi[2]);

/* Subject texts (NUL-terminated; return the length). */
size_t dbl_ip4_text(uint32_t a, char *buf);
/* rbldnsd ip6atos(): lowercase hex groups without leading zeros, the
 * longest run (first one on ties) of two or more zero groups as "::". */
size_t dbl_ip6_text(const uint8_t a[16], char *buf);
/* The last k labels of rel (k 0 or > labels = all) in presentation form as
 * rbldnsd dns_dntop() prints it: dots between labels, no trailing dot,
 * `" . ; \ @ $` backslash-escaped, bytes <= 0x20 or >= 0x7f as \DDD. Output
 * is cut at cap - 1 bytes (callers need at most DBL_TXT_MAX). */
size_t dbl_rel_text(const uint8_t *rel, size_t len, unsigned k, char *buf, size_t cap);

/* Expand a TXT template (dbl_schema.h: "$" = subject, "$$" = "$") into
 * out, at most DBL_TXT_MAX bytes (contract 6.10; longer is cut, as rbldnsd
 * silently truncates). Returns the length. */
size_t dbl_txt_expand(const uint8_t *tpl, size_t tlen, const char *subj, size_t slen, uint8_t *out);

#endif
