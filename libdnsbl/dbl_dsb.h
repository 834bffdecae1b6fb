/* dbl_dsb.h - internal to the parser: load context, dataset builders, type table.
 *
 * One struct dbl_pctx lives for one dbl_dataset_load() call. Each dataset
 * being produced has a struct dbl_dsb that owns its growing arrays and raw
 * values until dbl_dsb_finish() hands the finished struct dbl_dsdata over.
 * A combined file has a base builder (zone-level $SOA/$NS/$TIMESTAMP, the
 * common $TTL and $n) and one builder per $DATASET section.
 */
#ifndef DBL_DSB_H
#define DBL_DSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_dataset.h"
#include "dbl_parse.h"
#include "dbl_value.h"

struct dbl_lread;
struct dbl_dsb;
struct dbl_pctx;

#define DBL_DSF_IP4     0x1u /* $MAXRANGE4 applies */
#define DBL_DSF_TSET    0x2u /* one dataset-wide default: the first ':' line */
#define DBL_DSF_SPECIAL 0x4u /* combined: not allowed inside combined */

struct dbl_dsops {
	const char *name;
	unsigned flags;
	enum dbl_merge merge;
	/* start of each file (top-level dataset only): reset the default */
	void (*file_start)(struct dbl_pctx *pc, struct dbl_dsb *b);
	/* one data line (trimmed, not a comment or special): 0 or a hard
	 * error (negative); bad lines are warned and skipped by the type */
	int (*line)(struct dbl_pctx *pc, struct dbl_dsb *b, char *s);
	/* whole-file reader instead of line() (bind): 0 or negative */
	int (*read_file)(struct dbl_pctx *pc, struct dbl_dsb *b, struct dbl_lread *r);
	/* end of the dataset, before values are compiled: 0 or negative */
	int (*finish)(struct dbl_pctx *pc, struct dbl_dsb *b);
};

extern const struct dbl_dsops dbl_ds_ip4set, dbl_ds_ip4tset, dbl_ds_ip4trie;
extern const struct dbl_dsops dbl_ds_ip6tset, dbl_ds_ip6trie;
extern const struct dbl_dsops dbl_ds_dnset, dbl_ds_generic, dbl_ds_bind;
extern const struct dbl_dsops dbl_ds_combined, dbl_ds_acl;

/* Type by name, NULL if unknown. */
const struct dbl_dsops *dbl_dsops_find(const char *name);

struct dbl_dsb {
	struct dbl_dsdata *ds; /* owned until dbl_dsb_finish */
	const struct dbl_dsops *ops;
	size_t cap_ip4, cap_ip6, cap_names, cap_rrs;
	struct dbl_vtab vt;
	char *subst[DBL_NSUBST]; /* $0..$9, $=; owned; first definition wins */
	int32_t defvid;          /* current default value (0 = built-in) */
	int32_t tsetvid;         /* tsets: first ':' line's value, -1 = none */
	uint32_t ttl;            /* current $TTL, DBL_TTL_DEFAULT if none */
	bool ns_seen;            /* a $NS line was read (later ones ignored) */
	void *aux;               /* type-private state, freed by the type */
	void (*aux_free)(void *aux);
};

struct dbl_pctx {
	const struct dbl_parse_opts *o;
	const struct dbl_zonespec *zs;
	const char *file;     /* current file, NULL between files */
	unsigned lineno;      /* current line, 0 = none */
	unsigned fwarn;       /* warnings in the current file */
	size_t nwarn;         /* warnings of the whole load */
	uint64_t maxrange4;   /* $MAXRANGE4 in addresses, 0 = no limit */
	struct dbl_dsb *base; /* $SOA, $NS, $TIMESTAMP go here */
	struct dbl_dsb *cur;  /* data lines, $TTL, $n; NULL: combined, no section */
	bool combined;
	bool special_seen;        /* combined: a special line in this file */
	struct dbl_dsdata **sect; /* finished combined sections, owned */
	size_t nsect, capsect;
	char label[512]; /* "zone:type:file,..." */
};

/* Bad line: "file:line: reason" at DBL_LOG_WARNING (at most max_warnings
 * per file), counted in nwarn. */
void dbl_pwarn(struct dbl_pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hard error: "file:line: reason" (or "file: reason", or the label) at
 * DBL_LOG_ERR. Returns code. */
int dbl_perr(struct dbl_pctx *pc, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Builder of type ops, label copied. NULL on -ENOMEM. */
struct dbl_dsb *dbl_dsb_new(const struct dbl_dsops *ops, const char *label);
/* Resolve the tset default, run ops->finish, compile values, shrink arrays;
 * hands the dsdata to *out and frees b. b is freed on failure too. */
int dbl_dsb_finish(struct dbl_pctx *pc, struct dbl_dsb *b, struct dbl_dsdata **out);
void dbl_dsb_free(struct dbl_dsb *b);

/* Entry appenders (arrays grow geometrically). 0 or -ENOMEM. */
int dbl_dsb_add_ip4(struct dbl_dsb *b, uint32_t lo, uint32_t hi, uint8_t prio, int32_t vid);
int dbl_dsb_add_ip6(struct dbl_dsb *b, const uint8_t lo[16], const uint8_t hi[16], uint8_t prio,
                    int32_t vid);
/* key is a name key (dbl_name.h), copied into the pool */
int dbl_dsb_add_name(struct dbl_dsb *b, const uint8_t *key, size_t keylen, bool wild, int32_t vid);
int dbl_dsb_add_rr(struct dbl_dsb *b, const uint8_t *key, size_t keylen, bool wild, uint16_t type,
                   uint32_t ttl, const void *rdata, size_t rdlen);

/* The trie types keep the first of entries with the same prefix (rbldnsd
 * does) and warn about each later one: drop from arr[0..*n) (elements of
 * sz bytes, in file order) every element whose key equals an earlier
 * one's, in place, the others keeping their order. key orders two
 * elements by their key alone; warn is called for each dropped element,
 * in key order. Strictly ascending input is returned at once. 0 or
 * -ENOMEM (arr unchanged). */
int dbl_dsb_drop_dups(struct dbl_pctx *pc, void *arr, size_t *n, size_t sz,
                      int (*key)(const void *a, const void *b),
                      void (*warn)(struct dbl_pctx *pc, const void *dropped));

/* Shared line helpers. reset_default: file_start of types whose ':' line
 * holds to the end of the file. default_line: a ':A:TXT' line (parsed
 * against the built-in default) becomes b->defvid. entry_value: the value
 * after a key (blanks skipped; absent or a comment = the default); returns
 * 1, 0 (bad value, warned) or negative. Both others return 0 or negative. */
void dbl_ds_reset_default(struct dbl_pctx *pc, struct dbl_dsb *b);
int dbl_ds_default_line(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s);
/* tset_default_line: the ':A:TXT' line of ip4tset/ip6tset, of which only
 * the first counts, for the whole dataset (b->tsetvid). 0 or negative. */
int dbl_ds_tset_default_line(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s);
/* key_end_ok: c may end an address key (end of line, blank, comment, the
 * ':' of a value). */
bool dbl_ds_key_end_ok(char c);
int dbl_ds_entry_value(struct dbl_pctx *pc, struct dbl_dsb *b, const char *s, int32_t *vid);

/* Host bits: a prefix a/bits with bits set past its length (10.0.0.1/24)
 * is cleared to its network under accept_host_bits, else warned about
 * ("invalid range (non-zero host part)", rbldnsd's words) and refused:
 * false, skip the line. */
bool dbl_ds_host_bits4_ok(struct dbl_pctx *pc, uint32_t *a, int bits);
bool dbl_ds_host_bits6_ok(struct dbl_pctx *pc, uint8_t a[16], int bits);

/* $MAXRANGE4: an IPv4 entry [first, last] covering more addresses than
 * the limit is warned about ("too large range") and returns true: skip it. */
bool dbl_ds_maxrange4_exceeded(struct dbl_pctx *pc, uint32_t first, uint32_t last);

/* Pool: chunked bump allocator whose head is a dsdata's pool field. */
void *dbl_pool_alloc(void **pool, size_t n);
void dbl_pool_free(void *pool);

/* Whitespace of data files: space and TAB only (rbldnsd ISSPACE). */
#define DBL_ISSPACE(c)   ((c) == ' ' || (c) == '\t')
#define DBL_ISCOMMENT(c) ((c) == '#' || (c) == ';')
static inline char *dbl_skipspace(char *s)
{
	while (DBL_ISSPACE(*s))
		s++;
	return s;
}

#endif
