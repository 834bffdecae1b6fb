/* dbl_load.h - internal to the parser: the combined dataset's $DATASET handler.
 *
 * dbl_load.c drives a load (files -> lines -> specials / the type's line
 * parser) and implements the public API of dbl_parse.h; this header only
 * exposes what dbl_special.c needs from it.
 */
#ifndef DBL_LOAD_H
#define DBL_LOAD_H

struct dbl_pctx;

/* "$DATASET type[:name] subzone... | @" in a combined file: finishes the
 * current section and starts a new one. Returns 1, 0 (invalid special), or
 * a negative hard error (unknown or nested type), already logged. */
int dbl_combined_newset(struct dbl_pctx *pc, char *line);

#endif
