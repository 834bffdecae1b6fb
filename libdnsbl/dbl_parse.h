/* dbl_parse.h - zone specs and dataset loading (the parser side of the loader).
 *
 * A zone spec is rbldnsd's `zone:type:file[,file...]` (the file list is split
 * on ',' and ':'). dbl_dataset_load() reads the files of one spec with the
 * parser module of its type and returns normalised datasets (dbl_dataset.h).
 *
 * Input handling common to every type (rbldnsd-compatible, see
 * ../shared/spec/behaviour.md section 1): gzip detected by magic bytes, LF or
 * CRLF, '#'/';' comments, specials ($SOA $NS $TTL $MAXRANGE4 $TIMESTAMP $0-$9
 * $= $DATASET, also as '#$' ';$' ':$'), time suffixes s/m/h/d/w, Spamhaus
 * `#RSYNC:` headers and `CKSUM` trailers (verified: mismatch = file refused).
 * Bad lines are logged as `file:line: reason` through dbl_log (at most
 * max_warnings per file, the rest counted) and skipped.
 */
#ifndef DBL_PARSE_H
#define DBL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dbl_dataset.h"

#define DBL_SPEC_FILES_MAX 64

struct dbl_zonespec {
	struct dbl_wname zone; /* lowercased wire name; root (len 1) for the global acl */
	char type[32];
	size_t nfiles;
	char *files[DBL_SPEC_FILES_MAX]; /* owned */
};

/* Parse "zone:type:file[,file...]". spec is borrowed. Returns 0 or
 * DBL_ESYNTAX with a reason in err (errcap bytes): no ':' separators, bad
 * or empty zone name (allowed for acl: the global ACL), unknown type, no file, more
 * than DBL_SPEC_FILES_MAX files. On success the caller owns out->files and
 * releases them with dbl_zonespec_free(). */
int dbl_zonespec_parse(struct dbl_zonespec *out, const char *spec, char *err, size_t errcap);
void dbl_zonespec_free(struct dbl_zonespec *zs);

struct dbl_parse_opts {
	time_t now;            /* for $TIMESTAMP checks */
	bool accept_host_bits; /* rbldnsd -e: mask CIDRs with host bits set */
	unsigned max_warnings; /* per file; rbldnsd uses 5 */
};

/* Is type a dataset type this build supports? ip4set ip4tset ip4trie
 * ip6tset ip6trie dnset generic combined bind acl. */
bool dbl_dataset_type_known(const char *type);

/* Load the files of one zone spec. On success returns 0 and sets *out to a
 * malloc'ed array of *nout datasets (caller frees each with
 * dbl_dsdata_free() and the array with free()). A file that cannot be used
 * (I/O error, CKSUM mismatch, changed while read, $TIMESTAMP in the future,
 * data before $DATASET in combined, unknown type) returns a negative code
 * after logging `file:line: reason`; nothing is returned then.
 *
 * Plain types give one dataset. combined gives a carrier first (type
 * "combined", no subzones, no entries: the zone-level $SOA, $NS and
 * $TIMESTAMP) followed by one dataset per $DATASET section that named at
 * least one subzone, in file order. The load's bad-line count is in the
 * first dataset's nwarnings; every dataset gets the newest file mtime. */
int dbl_dataset_load(const struct dbl_zonespec *zs, const struct dbl_parse_opts *o,
                     struct dbl_dsdata ***out, size_t *nout);

#endif
