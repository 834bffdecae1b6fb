/* dbl_addr.h - IPv4/IPv6 key syntax of rbldnsd data files.
 *
 * Same acceptance rules as rbldnsd's ip4parse.c and ip6addr.c (behaviour
 * contract section 2), re-implemented. Every function takes a NUL-terminated
 * string, stops at the first character that is not part of the address and
 * stores its position in *end (callers check what follows). They never read
 * past the terminating NUL and never allocate.
 */
#ifndef DBL_ADDR_H
#define DBL_ADDR_H

#include <stdint.h>

/* Network mask of a prefix length 0..32 (0 -> 0, no undefined shift). */
static inline uint32_t dbl_ip4mask(int bits)
{
	return bits <= 0 ? 0u : bits >= 32 ? 0xffffffffu : ~0u << (32 - bits);
}

/* 1 to 4 dotted decimal octets ("1.2.3" = 1.2.3.0). Returns the prefix
 * length 8/16/24/32, or -1. Leading zeros are accepted, octets <= 255. */
int dbl_ip4prefix(const char *s, uint32_t *a, const char **end);

/* CIDR "a.b.c.d/n" (n 0..32) or a prefix of 2..4 octets (a bare number
 * needs "/n"). Returns n (the host part is NOT cleared) or -1. */
int dbl_ip4cidr(const char *s, uint32_t *a, const char **end);

/* ip4set key: CIDR/prefix as above (returns its length, *b = last address)
 * or a range "a-b" with the same number of octets on both sides, or a
 * last-octet suffix "127.0.0.1-255" / "127.16-31" (returns 32). A range
 * end is completed with .255; a > b is rejected. -1 on error. */
int dbl_ip4range(const char *s, uint32_t *a, uint32_t *b, const char **end);

/* inet_aton-style value address: "N" = 0.0.0.N, "a.N" = a.0.0.N,
 * "a.b.N" = a.b.0.N, or a full address. Returns 8/16/24/32 or -1. */
int dbl_ip4addr(const char *s, uint32_t *a, const char **end);

/* IPv6 address or prefix: up to 8 hex groups, "::" once; fewer than 8
 * groups without "::" is a prefix of 16 bits per group. Returns the bit
 * count (16..128) or -1; a[16] is zero-filled past the groups. */
int dbl_ip6prefix(const char *s, uint8_t a[16], const char **end);

/* IPv6 CIDR: prefix as above, optionally "/n" (0..128); a single group
 * without "/n" is rejected. Returns n or -1. */
int dbl_ip6cidr(const char *s, uint8_t a[16], const char **end);

/* Clear the bits of a past prefix length bits. Returns 1 if any were set. */
int dbl_ip6mask(uint8_t a[16], int bits);

/* The last address hi of the prefix lo/bits (lo already masked). */
void dbl_ip6_prefix_last(const uint8_t lo[16], int bits, uint8_t hi[16]);

/* Value of one hex digit (either case), -1 if c is not one. Shared by the
 * zone-file parser and the query-name decoder. */
static inline int dbl_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
