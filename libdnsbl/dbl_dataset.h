/* dbl_dataset.h - parsed datasets: the contract between zone-file parsers and the builder.
 *
 * A dataset parser (one module per rbldnsd dataset type, dbl_ds_*.c) reads
 * the files of one zone spec `zone:type:file[,file...]` and produces one or
 * more struct dbl_dsdata (combined produces one per $DATASET section). The
 * dsdata holds fully normalised entries: every rbldnsd syntax form and every
 * special has already been applied, so the builder (dbl_build.c) only has to
 * resolve precedence and merge datasets.
 *
 * Ownership: a dsdata and every array in it are heap-allocated by the parser
 * and owned by the dsdata; dbl_dsdata_free() releases everything.
 */
#ifndef DBL_DATASET_H
#define DBL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dbl_catalog.h"

/* One A+TXT value of a dataset. txt is the compiled template: "$" stands for
 * the listed subject and "$$" for a literal "$"; $0..$9 and the $= base
 * template are already expanded; at most DBL_TXT_MAX bytes of output with
 * each "$" counted as one (so up to DBL_TXT_COMPILED_MAX bytes here).
 * has_txt false = no TXT record for this value. */
struct dbl_value {
	uint8_t a[4];
	bool has_txt;
	uint16_t txtlen;
	char *txt; /* owned, NUL-terminated, NULL when !has_txt */
};

#define DBL_VID_EXCLUDE (-1) /* an exclusion entry (!key) */

/* How entries of equal priority covering the same address combine. */
enum dbl_merge {
	DBL_MERGE_UNION, /* ip4set/dnset: all values; an exclusion beats them */
	DBL_MERGE_FIRST, /* ip4trie/ip6trie: first entry for a prefix wins */
};

/* Address entry: the interval [lo, hi] at priority prio. For one address,
 * the entries with the highest prio covering it decide (ip4set: octet level
 * 8/16/24/32 after rbldnsd's range splitting; tries: prefix length; tsets:
 * 32 or 64/128). vid indexes values[] or is DBL_VID_EXCLUDE. */
struct dbl_ip4ent {
	uint32_t lo, hi;
	uint8_t prio;
	int32_t vid;
};

struct dbl_ip6ent {
	uint8_t lo[16], hi[16];
	uint8_t prio;
	int32_t vid;
};

/* Name entry (dnset): key is a name key (dbl_name.h) relative to the
 * scope. wild false = this exact name; wild true = names strictly below it
 * ("*.name"); ".name" produces both. vid as above. */
struct dbl_nameent {
	uint8_t keylen;
	bool wild;
	int32_t vid;
	uint8_t *key; /* owned */
};

/* Ordinary RR (generic, BIND). key/wild as for dbl_nameent. rdata is
 * uncompressed wire format. ttl DBL_TTL_DEFAULT = server default. */
struct dbl_rrent {
	uint8_t keylen;
	bool wild;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint8_t *key;   /* owned */
	uint8_t *rdata; /* owned */
};

struct dbl_dsdata {
	char *type;   /* dataset type name, owned ("ip4set", ...) */
	char *label;  /* for logs: "zone:type:file" or $DATASET name, owned */
	uint32_t ttl; /* $TTL of the dataset, DBL_TTL_DEFAULT if none */
	enum dbl_merge merge;

	/* Subzones this dataset serves, as rel names (labels only, no root;
	 * length 0 = the zone apex). Plain datasets: one, the apex. */
	size_t nsubs;
	struct dbl_wname *subs; /* owned; .len = rel length, .b = labels */

	size_t nvalues;
	struct dbl_value *values;
	size_t nip4, nip6, nnames, nrrs;
	struct dbl_ip4ent *ip4;
	struct dbl_ip6ent *ip6;
	struct dbl_nameent *names;
	struct dbl_rrent *rrs;

	struct dbl_soa soa; /* soa.present false if no $SOA (serial 0 kept as 0) */
	uint32_t ns_ttl;
	uint8_t nns;
	struct dbl_wname ns[DBL_NS_MAX];

	int64_t ts_created;  /* $TIMESTAMP, 0 = none */
	int64_t ts_expires;  /* 0 = never */
	time_t newest_mtime; /* newest mtime of the files read (SOA serial 0) */
	size_t nwarnings;    /* bad lines skipped */

	/* Storage pool (added by the parser, backwards compatible): NULL means
	 * every names[].key, rrs[].key/rdata and values[].txt is its own malloc
	 * block. When set (parser output), those point into this owned chunk
	 * list instead, so a load makes no per-line malloc; dbl_dsdata_free()
	 * releases the pool rather than the individual pointers. */
	void *pool;
};

void dbl_dsdata_free(struct dbl_dsdata *ds);

#endif
