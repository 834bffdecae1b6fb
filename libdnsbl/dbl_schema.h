/* dbl_schema.h - the LMDB schema shared by dnsbl-load (writer) and dnsbld (reader).
 *
 * KEY-SPACE SUMMARY (schema version DBL_SCHEMA_VERSION)
 * ------------------------------------------------------
 * One LMDB environment per data generation, a single file (MDB_NOSUBDIR),
 * written once by the loader and never modified after it is published.
 * All integers in keys and values are big-endian so byte order = numeric order.
 *
 *   named db  key                                   value
 *   "meta"    "schema"                              u32 version
 *             "generation"                          u64 generation number
 *             "created"                             u64 unix time of the load
 *             "zones"                               u32 number of zone records
 *   "zone"    u32 zone id                           zone record (dbl_catalog.h)
 *   "ip4"     u32 scope | u32 last addr             u32 first | 1-16 x (varint span | varint vsid)
 *   "ip6"     u32 scope | u8[16] last addr          u8[16] first addr | u32 vsid
 *   "name"    u32 scope | namekey                   u32 exact vsid | u32 wild vsid
 *   "vset"    u32 vsid                              value-set blob (below)
 *   (ACLs use "ip4"/"ip6" under their own scope ids, see "ACL scopes")
 *
 * Scopes. A zone has one scope per lookup domain: scope "" is the zone apex
 * (plain datasets and combined `$DATASET ... @` sections); each combined
 * subzone ("sbl", "xbl") is its own scope. A query is answered from the most
 * specific scope whose name is a suffix of the query name, by one lookup per
 * key space, whatever the number of datasets: every dataset of a scope is
 * merged at load time.
 *
 * Address key spaces ("ip4", "ip6") are interval maps. The loader resolves
 * all precedence rules (ip4set octet levels, exclusions, trie longest prefix,
 * multi-value merge across datasets) into disjoint intervals [first, last]
 * each with one merged value set. Lookup: MDB_SET_RANGE on scope|addr finds
 * the first record whose last >= addr; addr is listed iff first <= addr.
 * Excluded and unlisted addresses are simply gaps. An "ip4" record holds a
 * block of up to 16 consecutive runs, gaps between them as runs of vsid 0,
 * each run as two varints (dbl_ip4blk.h: 15x more runs than entries at
 * scale 10, so 14x fewer records, 2-4 bytes a run); an "ip6" record holds
 * one interval.
 *
 * Name key space. namekey = the labels under the scope, from the top label
 * down, each as <len><lowercased bytes> (dbl_name.h). A name's descendants
 * are exactly the keys that have its key as a proper prefix, so "is there
 * data below this name" (empty non-terminal, RFC 8020) is one SET_RANGE.
 *   exact vsid: merged answer for a query of exactly this name (0 = none,
 *               DBL_VSID_EMPTY = matched but excluded everywhere: stop).
 *   wild  vsid: merged answer for names strictly below this name whose
 *               nearest wildcard is here (0 = none). The merge already folds
 *               in each dataset's nearer-or-equal wildcard ancestors, so the
 *               query only walks its own suffixes longest-first.
 *
 * ACL scopes (client access lists, `zone:acl:file` and the global
 * `:acl:file`). Each acl dataset gets one scope id of its own, stored in its
 * zone record's acl_scope (the global ACL: a zone record with the root name
 * and flag DBL_ZONE_GLOBAL_ACL, never matched by a query). Its entries are
 * intervals of CLIENT addresses in "ip4"/"ip6" under that scope, resolved
 * at load time like an ip4trie/ip6trie (longest prefix wins, `:pass` is a
 * gap, so a pass inside a larger entry punches a hole in it). The interval's
 * value set has one DBL_ITEM_LISTING item: A 0.0.0.0 (never a valid A
 * value, the parser rejects it) is an action named by its TXT, "ignore",
 * "refuse" or "empty"; any other A is "always listed" with that A/TXT
 * ("$" = the client address).
 * A query makes one lookup in the global ACL and one in its zone's ACL
 * (dbl_answer.h); precedence between the two (ignore > refuse > empty >
 * always, the global "always" value first) is a comparison of two actions.
 *
 * Value sets ("vset"), interned: identical merged answers share one vsid.
 *   u16 item count, then items:
 *   u8 kind = DBL_ITEM_LISTING: u32 ttl | u8 a[4] | u8 subject | u16 tlen | tlen bytes
 *       DNSBL listing: A record a, optional TXT template (tlen 0xFFFF = no TXT).
 *       Template syntax after load: "$" = the listed subject, "$$" = "$";
 *       variables and the $= base template are already expanded.
 *       subject: for name matches, 0 = the whole query name under the scope,
 *       k > 0 = its last k labels (the matched wildcard entry); ignored for
 *       address matches, whose subject is the queried address.
 *   u8 kind = DBL_ITEM_RR: u32 ttl | u16 type | u16 rdlen | rdata
 *       An ordinary RR (generic dataset, BIND master file); rdata is
 *       uncompressed wire format.
 *   ttl DBL_TTL_DEFAULT means "the server's default TTL" (dnsbld --ttl).
 *
 * Why one environment per generation (build new + atomic rename) rather than
 * write transactions on a live environment: a load builds a complete fresh
 * file with MDB_APPEND (dense pages, no free-list growth), readers open it
 * MDB_RDONLY|MDB_NOLOCK (immutable after publish, so no reader table, no stale
 * reader slots, works on a read-only directory), a failed or killed load
 * leaves only an unpublished temp file, and old generations are reclaimed by
 * unlinking them. See dbl_db.h for the publish protocol.
 */
#ifndef DBL_SCHEMA_H
#define DBL_SCHEMA_H

#include <stdint.h>
#include <string.h>

/* 2: ACL scopes, zone record acl_scope; 3: "ip4" values are blocks of runs;
 * 4: their runs as varints (dbl_ip4blk.h) */
#define DBL_SCHEMA_VERSION 4u

#define DBL_VSID_NONE  0u /* no record */
#define DBL_VSID_EMPTY 1u /* matched, but excluded: answer "not listed" */
#define DBL_VSID_FIRST 2u /* first interned value set */

#define DBL_ITEM_LISTING 1
#define DBL_ITEM_RR      2

#define DBL_TTL_DEFAULT 0xFFFFFFFFu
#define DBL_TXT_NONE    0xFFFFu

/* 255: RFC 1035 name limit; a namekey never exceeds the wire name. */
#define DBL_NAMEKEY_MAX 255
/* 255: one TXT character-string (contract section 6.10). */
#define DBL_TXT_MAX 255
/* A compiled template (dbl_value.h) is cut at DBL_TXT_MAX bytes of output,
 * and a literal "$" in it takes two bytes ("$$") for one of output. */
#define DBL_TXT_COMPILED_MAX (2 * DBL_TXT_MAX)

#define DBL_DBI_META "meta"
#define DBL_DBI_ZONE "zone"
#define DBL_DBI_IP4  "ip4"
#define DBL_DBI_IP6  "ip6"
#define DBL_DBI_NAME "name"
#define DBL_DBI_VSET "vset"

/* Big-endian helpers used by every encoder/decoder of this schema. The
 * stores go through one byte swap and one store: gcc 12 does not merge four
 * byte stores of shifted values into one (the SOA's five counters took 79
 * instructions on the answer path). */
static inline void dbl_put_u16(uint8_t *p, uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap16(v);
#endif
	memcpy(p, &v, 2);
}
static inline void dbl_put_u32(uint8_t *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	memcpy(p, &v, 4);
}
static inline void dbl_put_u64(uint8_t *p, uint64_t v)
{
	dbl_put_u32(p, (uint32_t)(v >> 32));
	dbl_put_u32(p + 4, (uint32_t)v);
}
static inline uint16_t dbl_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t dbl_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t dbl_get_u64(const uint8_t *p)
{
	return ((uint64_t)dbl_get_u32(p) << 32) | dbl_get_u32(p + 4);
}

#endif
