/* dbl_catalog.h - zone records: what a zone is, how it is stored, how a query finds it.
 *
 * A zone record holds everything the answer path needs besides the data
 * lookups: the zone name, SOA, NS (+ glue), expiry and its scopes. The loader
 * fills struct dbl_zone and stores dbl_zone_encode() output under "zone"; the
 * server decodes every zone once per opened generation into a dbl_catalog and
 * then matches query names against it without touching LMDB or allocating.
 *
 * Names in this header are DNS wire format (length-prefixed labels ending in
 * the root label 0), lowercased, uncompressed.
 */
#ifndef DBL_CATALOG_H
#define DBL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBL_NAME_MAX   255 /* 255: RFC 1035 wire name limit */
#define DBL_NS_MAX     32  /* 32: rbldnsd MAX_NS */
#define DBL_GLUE_MAX   64
#define DBL_SCOPES_MAX 64 /* combined subzones per zone, plus the apex */

struct dbl_wname {
	uint8_t len; /* wire length including the root label */
	uint8_t b[DBL_NAME_MAX];
};

/* One place in a precompiled SOA name pair (struct dbl_soa_wire): `at` in
 * its bytes, a suffix of `len` bytes starting `off` bytes into MNAME (name
 * 0) or RNAME (name 1). */
struct dbl_soaw_ref {
	uint16_t at;
	uint8_t len, name, off;
};

#define DBL_SOAW_REFS 8 /* dictionary entries or checks a template holds: more -> none */

/* The SOA's MNAME and RNAME as the response writer compresses them after a
 * question that is the zone name alone, so that every NXDOMAIN need not do
 * it again (dbl_resp_soa_prepare and dbl_resp_soa_names in dbl_wire.h).
 * Not stored: built when the catalog is opened. len 0: no template. */
struct dbl_soa_wire {
	uint16_t len, t0;            /* bytes; where they began in the template response */
	uint8_t b[2 * DBL_NAME_MAX]; /* the two names, compressed */
	uint8_t nptr, ndict, ncheck;
	uint16_t ptr[2];                          /* offsets in b of the compression pointers */
	struct dbl_soaw_ref dict[DBL_SOAW_REFS];  /* the suffixes the writer remembers */
	struct dbl_soaw_ref check[DBL_SOAW_REFS]; /* suffixes a longer question could hold */
};

struct dbl_soa {
	bool present;
	uint32_t ttl; /* DBL_TTL_DEFAULT = server default */
	struct dbl_wname mname, rname;
	uint32_t serial, refresh, retry, expire, minimum;
	struct dbl_soa_wire wire;
};

#define DBL_SCOPE_IP4   0x1u /* scope has IPv4 data */
#define DBL_SCOPE_IP6   0x2u /* scope has IPv6 data */
#define DBL_SCOPE_NAME  0x4u /* scope has name data (dnset, generic, BIND) */
#define DBL_SCOPE_DNSET 0x8u /* scope has a dnset (ACL "always listed" applies) */

struct dbl_scope {
	uint32_t id;     /* key prefix in "ip4"/"ip6"/"name" */
	uint32_t flags;  /* DBL_SCOPE_* */
	uint8_t nlabels; /* labels of sub (0 = zone apex scope) */
	/* Relative subzone name: labels only, no root label (len 0 = apex). */
	uint8_t sublen;
	uint8_t sub[DBL_NAME_MAX];
};

#define DBL_ZONE_FAILED     0x1u /* no usable data: answer SERVFAIL */
#define DBL_ZONE_GLOBAL_ACL 0x2u /* not a zone: the global ACL (`:acl:file`), root name */

struct dbl_glue {
	uint8_t ns;       /* index into ns[] */
	uint8_t family;   /* 4 or 6 */
	uint8_t addr[16]; /* 4 or 16 bytes used */
	uint32_t ttl;
};

struct dbl_zone {
	uint32_t id;
	uint32_t flags;  /* DBL_ZONE_* */
	uint8_t nlabels; /* labels in name, root excluded */
	struct dbl_wname name;
	uint64_t expires;     /* $TIMESTAMP expiry, unix time; 0 = never */
	uint64_t loaded;      /* unix time of the load that built this zone's data */
	uint64_t version;     /* generation in which this zone's data was built */
	uint64_t data_mtime;  /* newest mtime of the zone's input files */
	uint64_t entries;     /* input entries (for the shrink gate) */
	uint64_t fingerprint; /* hash of zone specs and file identities (no-op runs) */
	struct dbl_soa soa;
	uint32_t ns_ttl;
	uint8_t nns;
	struct dbl_wname ns[DBL_NS_MAX];
	uint8_t nglue;
	struct dbl_glue glue[DBL_GLUE_MAX];
	uint8_t nscopes;
	struct dbl_scope scopes[DBL_SCOPES_MAX];
	/* The zone's ACL (dbl_answer.h): its scope id in "ip4"/"ip6", 0 = none.
	 * Not one of scopes[]: no query name maps to it. */
	uint32_t acl_scope;
};

/* Serialise z into buf (capacity cap). Returns bytes written, or
 * -DBL_ETOOBIG-style negative code if cap is too small. */
int dbl_zone_encode(const struct dbl_zone *z, uint8_t *buf, size_t cap);

/* Decode a zone record. z is caller-owned; nothing points into buf after
 * return. Returns 0 or DBL_ECORRUPT. */
int dbl_zone_decode(struct dbl_zone *z, const uint8_t *buf, size_t len);

/* Immutable set of zones of one generation, with a name index. */
struct dbl_catalog {
	uint32_t nzones;
	struct dbl_zone *zones; /* owned */
	uint32_t *index;        /* open-addressing hash of zone names, owned */
	uint32_t index_mask;
	/* Bit n set: some zone name is n bytes long (wire, root included). A
	 * query name has up to 128 suffixes and usually one or two zone
	 * name lengths match, so the others are skipped without hashing. */
	uint64_t lens[4];
	/* The global ACL's scope (the DBL_ZONE_GLOBAL_ACL record, which is
	 * left out of the index), 0 = none. */
	uint32_t acl_scope;
};

/* Build the name index over cat->zones (which the caller allocated with
 * malloc and hands over). Returns 0 or -ENOMEM. */
int dbl_catalog_index(struct dbl_catalog *cat);
void dbl_catalog_free(struct dbl_catalog *cat);

/* Most specific zone whose name is a suffix of lname (lowercased wire name
 * of nlabels labels). *zoff receives the offset of the zone name inside
 * lname. Returns NULL when no zone matches. No allocation. */
const struct dbl_zone *dbl_catalog_find(const struct dbl_catalog *cat, const uint8_t *lname,
                                        size_t *zoff);

/* Most specific scope of z whose subzone is a suffix of rel, the query name
 * labels under the zone (rel/rellen: labels only, no root). *soff receives
 * the length of rel that lies under the scope (the key part). */
const struct dbl_scope *dbl_zone_scope(const struct dbl_zone *z, const uint8_t *rel, size_t rellen,
                                       size_t *keylen);

#endif
