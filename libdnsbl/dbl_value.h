/* dbl_value.h - A+TXT values of rbldnsd data lines and TXT template compilation.
 *
 * While a dataset is read, values are kept raw (A + the TXT text as written,
 * "" = no TXT, at most 255 bytes) and interned, so the many entries that
 * share a value (default lines, repeated texts) share one vid and a load
 * makes no per-line allocation. At the end of the dataset, when every $n
 * and $= is known (rbldnsd reads them at query time, so a definition after
 * the entries still applies), dbl_vtab_compile() turns each raw text into
 * the template form of dbl_dataset.h: "$" = the listed subject, "$$" = "$",
 * variables and the base template expanded (rbldnsd txtsubst semantics).
 */
#ifndef DBL_VALUE_H
#define DBL_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "dbl_dataset.h"

struct dbl_pctx;

#define DBL_SUBST_BASE 10 /* index of $= in the 11 substitution slots */
#define DBL_NSUBST     11

struct dbl_rawval {
	uint8_t a[4];
	uint16_t len; /* text length, 0 = no text */
	uint32_t off; /* text offset in dbl_vtab.txt */
};

/* Interned raw values of one dataset. Owned arrays; zero-init = empty. */
struct dbl_vtab {
	struct dbl_rawval *v;
	size_t n, cap;
	char *txt;
	size_t tlen, tcap;
	uint64_t *h; /* open addressing: hash << 32 | (vid + 1), 0 = empty */
	size_t hcap;
};

/* Intern (a, txt[0..len)); len <= DBL_TXT_MAX. 0 or -ENOMEM. */
int dbl_vtab_add(struct dbl_vtab *t, const uint8_t a[4], const char *txt, size_t len, int32_t *vid);

/* rbldnsd parse_a_txt: s is the value text (no leading blanks), defvid the
 * scope's current default (its A for "TXT", its text for ":A"). Returns 1
 * with *vid set, 0 after a warning (line to be skipped), or -ENOMEM. */
int dbl_value_parse(struct dbl_pctx *pc, struct dbl_vtab *t, const char *s, int32_t defvid,
                    int32_t *vid);

/* Compile every raw value into ds->values (texts in ds->pool) with the
 * substitution variables subst[0..9] and base template subst[DBL_SUBST_BASE]
 * (NULL = undefined). 0 or -ENOMEM. */
int dbl_vtab_compile(const struct dbl_vtab *t, char *const subst[DBL_NSUBST],
                     struct dbl_dsdata *ds);

/* Compile one text (exposed for tests): the template of at most
 * DBL_TXT_MAX bytes of output (a "$$" counts one, a subject "$" one), at
 * most DBL_TXT_COMPILED_MAX bytes. out has room for DBL_TXT_COMPILED_MAX + 1
 * bytes; returns the template length (0 = no TXT). */
size_t dbl_txt_compile(const char *txt, size_t len, char *const subst[DBL_NSUBST], char *out);

void dbl_vtab_free(struct dbl_vtab *t);

#endif
