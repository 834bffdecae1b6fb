/* dbl_special.h - rbldnsd "$" special lines and their value syntaxes.
 *
 * $SOA ttl origin person serial refresh retry expire minimum (first wins),
 * $NS / $NAMESERVER ttl name... (first line with a name wins; "-name" is
 * disabled; at most DBL_NS_MAX), $TTL t, $MAXRANGE4 N|/len (may only
 * shrink), $TIMESTAMP created [expires|+rel], $0..$9 text and $= text
 * (first definition wins), $DATASET (combined only). Keywords are
 * case-insensitive and must be followed by whitespace. Times take an
 * s/m/h/d/w suffix. $TIMESTAMP accepts years 1970-9999 (contract 6.10:
 * rbldnsd stops at 2038).
 */
#ifndef DBL_SPECIAL_H
#define DBL_SPECIAL_H

#include <stdint.h>

struct dbl_pctx;

/* s: the text after "$" (or "#$", ";$", ":$"), trimmed. Returns 1 when
 * handled, 0 when invalid (the caller warns "invalid or unrecognized
 * special entry"), or a negative hard error that was already logged
 * (DBL_EFUTURE, DBL_ESYNTAX from $DATASET, -ENOMEM). */
int dbl_special(struct dbl_pctx *pc, char *s);

/* Time value: decimal seconds with an optional s/m/h/d/w suffix, then the
 * end, ':' or whitespace (skipped). Returns the rest or NULL (syntax,
 * overflow of 32 bits). */
const char *dbl_parse_time(const char *s, uint32_t *t);

/* $TIMESTAMP date: "yyyy[:-]mm[:-]dd[[:-]hh[[:-]mi[[:-]ss]]]" (UTC) or
 * "0"/"-"/":" for none (*ts = 0). Returns the rest (after whitespace) or
 * NULL. */
const char *dbl_parse_timestamp(const char *s, int64_t *ts);

#endif
