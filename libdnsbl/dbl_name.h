/* dbl_name.h - DNS names: text/wire conversion and the LMDB name key encoding.
 *
 * Wire names: RFC 1035 length-prefixed labels; "rel" names below are the
 * labels only, with no root label (length 0 = empty name).
 *
 * Name keys (schema "name" key space): the labels from the top down, each as
 * <len><bytes>, ASCII lowercased. "www.example" -> \7example\3www. A name's
 * descendants are the keys that have its key as a proper prefix.
 *
 * All functions write into caller-owned buffers of at least DBL_NAME_MAX
 * bytes and never allocate.
 */
#ifndef DBL_NAME_H
#define DBL_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbl_catalog.h"

/* ASCII lowercase in place (DNS names compare case-insensitively, 0x20 only
 * for A-Z, RFC 4343). */
void dbl_name_lower(uint8_t *p, size_t n);

/* Parse presentation text (absolute or relative; trailing dot optional;
 * "\\." and "\\DDD" escapes) into a wire name with root label, lowercased.
 * "@" or "" is the root. Returns 0 or DBL_ESYNTAX / DBL_ETOOBIG (label > 63:
 * RFC 1035; name > 255). */
int dbl_wname_from_text(struct dbl_wname *out, const char *text, size_t len);

/* Same, but produce a relative name (labels only, no root) into rel; returns
 * its length (>= 0) or a negative code. */
int dbl_rel_from_text(uint8_t *rel, const char *text, size_t len);

/* Presentation form of a wire name with root (for logs); buf >= 1024. */
void dbl_wname_to_text(const uint8_t *w, char *buf, size_t cap);

/* Number of labels in a rel name (labels only). */
unsigned dbl_rel_labels(const uint8_t *rel, size_t len);

/* Does a label of rel (len bytes, labels only) start at off, or is off its
 * end? At most 128 steps (255-byte names). */
bool dbl_rel_label_at(const uint8_t *rel, size_t len, size_t off);

/* Name key of a rel name (labels only). Returns key length (== len). */
size_t dbl_namekey_from_rel(uint8_t *key, const uint8_t *rel, size_t len);

/* Number of labels in a name key. */
unsigned dbl_namekey_labels(const uint8_t *key, size_t len);

#endif
