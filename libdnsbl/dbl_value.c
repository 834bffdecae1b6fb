/* dbl_value.c - raw A+TXT values, rbldnsd parse_a_txt and txtsubst semantics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_dsb.h"
#include "dbl_hash.h"
#include "dbl_schema.h"
#include "dbl_value.h"

/* dbl_hash_bytes over the text (eight bytes a step), the A folded in.
 * SBL-like feeds give every entry its own TXT (400 k values at scale 10):
 * a byte-at-a-time FNV-1a here, and a rehash that hashed every text again,
 * were half of this table's instructions. */
static uint32_t val_hash(const uint8_t a[4], const char *s, size_t n)
{
	uint32_t a32;

	memcpy(&a32, a, 4);
	return dbl_hash_bytes(s, n) ^ (a32 * 0x9E3779B1u);
}

static bool val_eq(const struct dbl_vtab *t, int32_t vid, const uint8_t a[4], const char *s,
                   size_t n)
{
	const struct dbl_rawval *v = &t->v[vid];
	/* n == 0: t->txt may still be NULL (no TXT stored yet), and memcmp's
	 * arguments must not be NULL even for a zero length (C11 7.24.1). */
	return memcmp(v->a, a, 4) == 0 && v->len == n &&
	       (n == 0 || memcmp(t->txt + v->off, s, n) == 0);
}

/* A slot: the value's hash above its vid + 1 (0 = empty), so a probe
 * past another value and a rehash read no value or text (at scale 10 the
 * texts are 20 MB, out of cache). */
static uint64_t slot_make(uint32_t hash, int32_t vid)
{
	return (uint64_t)hash << 32 | (uint32_t)(vid + 1);
}

static int rehash(struct dbl_vtab *t)
{
	size_t cap = t->hcap ? t->hcap * 2 : 256;
	uint64_t *h = calloc(cap, sizeof *h);

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < t->hcap; i++) {
		size_t k;
		if (!t->h[i])
			continue;
		k = (t->h[i] >> 32) & (cap - 1);
		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = t->h[i];
	}
	free(t->h);
	t->h = h;
	t->hcap = cap;
	return 0;
}

int dbl_vtab_add(struct dbl_vtab *t, const uint8_t a[4], const char *txt, size_t len, int32_t *vid)
{
	uint32_t hash;
	size_t k;
	int rc;

	if (len > DBL_TXT_MAX)
		len = DBL_TXT_MAX;
	/* keep the load factor <= 1/2 so probe sequences stay short */
	if ((t->n + 1) * 2 > t->hcap && (rc = rehash(t)))
		return rc;
	hash = val_hash(a, txt, len);
	k = hash & (t->hcap - 1);
	while (t->h[k]) {
		int32_t v = (int32_t)(uint32_t)t->h[k] - 1;
		if (t->h[k] >> 32 == hash && val_eq(t, v, a, txt, len)) {
			*vid = v;
			return 0;
		}
		k = (k + 1) & (t->hcap - 1);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct dbl_rawval *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (t->tlen + len > t->tcap) {
		size_t cap = t->tcap ? t->tcap : 4096;
		char *p;
		while (cap < t->tlen + len)
			cap *= 2;
		if (!(p = realloc(t->txt, cap)))
			return -ENOMEM;
		t->txt = p;
		t->tcap = cap;
	}
	/* 2^31 values: far beyond any feed; vids are int32_t */
	if (t->n >= INT32_MAX - 1 || t->tlen + len > UINT32_MAX)
		return -ENOMEM;
	if (len)
		memcpy(t->txt + t->tlen, txt, len);
	memcpy(t->v[t->n].a, a, 4);
	t->v[t->n].len = (uint16_t)len;
	t->v[t->n].off = (uint32_t)t->tlen;
	t->tlen += len;
	t->h[k] = slot_make(hash, (int32_t)t->n);
	*vid = (int32_t)t->n++;
	return 0;
}

int dbl_value_parse(struct dbl_pctx *pc, struct dbl_vtab *t, const char *s, int32_t defvid,
                    int32_t *vid)
{
	const struct dbl_rawval *def = &t->v[defvid];
	uint8_t a[4];
	const char *txt;
	size_t len;
	int rc;

	if (*s == ':') {
		uint32_t ip;
		const char *e;
		int bits = dbl_ip4addr(s + 1, &ip, &e);
		if (bits <= 0 || ip == 0) {
			dbl_pwarn(pc, "invalid A RR");
			return 0;
		}
		if (bits == 8)
			ip |= 0x7f000000u; /* ":N" = 127.0.0.N */
		a[0] = (uint8_t)(ip >> 24);
		a[1] = (uint8_t)(ip >> 16);
		a[2] = (uint8_t)(ip >> 8);
		a[3] = (uint8_t)ip;
		while (DBL_ISSPACE(*e))
			e++;
		if (*e == ':') {
			/* ":A:TXT" (":A:" = this A, no TXT) */
			e++;
			while (DBL_ISSPACE(*e))
				e++;
			txt = e;
		} else if (*e) {
			dbl_pwarn(pc, "unrecognized value for an entry");
			return 0;
		} else {
			/* ":A": this A with the default's TXT (copied first:
			 * adding may move t->txt) */
			char dt[DBL_TXT_MAX];
			size_t dl = def->len;
			if (dl)
				memcpy(dt, t->txt + def->off, dl);
			rc = dbl_vtab_add(t, a, dt, dl, vid);
			return rc ? rc : 1;
		}
	} else {
		/* "TXT": the default's A with this TXT */
		memcpy(a, def->a, 4);
		txt = s;
	}
	len = strlen(txt);
	if (len > DBL_TXT_MAX) {
		dbl_pwarn(pc, "TXT RR truncated to %d bytes", DBL_TXT_MAX);
		len = DBL_TXT_MAX;
	}
	rc = dbl_vtab_add(t, a, txt, len, vid);
	return rc ? rc : 1;
}

/* Template writer: "$" = subject, "$$" = literal '$'. The cut counts bytes
 * of output, as rbldnsd cuts the expanded text: a literal '$' is one (two
 * in the template), a subject at least one (its text is cut at query time,
 * dbl_txt_expand). Counting template bytes instead cut texts with a "$" in
 * them short of the limit. At most DBL_TXT_COMPILED_MAX bytes. */
struct tw {
	char *out;
	size_t n;   /* template bytes written */
	size_t vis; /* bytes of output they stand for, subjects as one */
};

/* Every write is one byte of output: the template is complete when they
 * reach the limit. */
static bool tw_full(const struct tw *w)
{
	return w->vis == DBL_TXT_MAX;
}

static void tw_lit(struct tw *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !tw_full(w); i++) {
		w->out[w->n++] = s[i];
		if (s[i] == '$')
			w->out[w->n++] = '$';
		w->vis++;
	}
}

/* A subject right before a literal '$' or another subject ("$=" standing
 * for the subject, then "$$" or "$") reads back as "$$" + "$": this
 * encoding cannot hold that pair (README, "One known limitation"). */
static void tw_subject(struct tw *w)
{
	if (tw_full(w))
		return;
	w->out[w->n++] = '$';
	w->vis++;
}

size_t dbl_txt_compile(const char *txt, size_t len, char *const subst[DBL_NSUBST], char *out)
{
	/* txtsubst: sx is what "$=" stands for; the entry text itself, or the
	 * subject when the base template wraps an entry without text. */
	/* txt may be NULL with len 0 (a value without text): NULL + 0 is
	 * undefined behaviour in C, so point at an empty string instead */
	const char *t = txt ? txt : "", *te = t + len, *sx = t;
	size_t sxlen = len;
	bool sx_subject = false;
	const char *base = subst[DBL_SUBST_BASE];
	struct tw w = {out, 0, 0};

	if (len > 0 && txt[0] == '=') {
		/* "=text" bypasses the base template */
		t = sx = txt + 1;
		sxlen = len - 1;
	} else if (base && *base) {
		/* the base template wraps this entry (even ":A:" without text:
		 * rbldnsd quirk, "$=" then stands for the subject) */
		if (len == 0)
			sx_subject = true;
		t = base;
		te = base + strlen(base);
	}
	/* Every iteration consumes at least one byte of t. */
	while (t < te && !tw_full(&w)) {
		const char *d = memchr(t, '$', (size_t)(te - t));
		if (!d) {
			tw_lit(&w, t, (size_t)(te - t));
			break;
		}
		tw_lit(&w, t, (size_t)(d - t));
		t = d + 1;
		if (t < te && *t == '$') {
			tw_lit(&w, "$", 1);
			t++;
		} else if (t < te && *t >= '0' && *t <= '9') {
			const char *v = subst[*t - '0'];
			if (v)
				tw_lit(&w, v, strlen(v));
			else
				tw_lit(&w, t - 1, 2); /* undefined: stays "$n" */
			t++;
		} else if (t < te && *t == '=') {
			if (sx_subject)
				tw_subject(&w);
			else
				tw_lit(&w, sx, sxlen);
			t++;
		} else {
			/* "$" + anything else: the subject, the character stays */
			tw_subject(&w);
		}
	}
	out[w.n] = '\0';
	return w.n;
}

int dbl_vtab_compile(const struct dbl_vtab *t, char *const subst[DBL_NSUBST], struct dbl_dsdata *ds)
{
	char buf[DBL_TXT_COMPILED_MAX + 1];

	ds->values = calloc(t->n ? t->n : 1, sizeof *ds->values);
	if (!ds->values)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct dbl_rawval *rv = &t->v[i];
		struct dbl_value *v = &ds->values[i];
		size_t n = dbl_txt_compile(t->txt ? t->txt + rv->off : NULL, rv->len, subst, buf);
		memcpy(v->a, rv->a, 4);
		if (n > 0) {
			if (!(v->txt = dbl_pool_alloc(&ds->pool, n + 1)))
				return -ENOMEM;
			memcpy(v->txt, buf, n + 1);
			v->has_txt = true;
			v->txtlen = (uint16_t)n;
		}
	}
	ds->nvalues = t->n;
	return 0;
}

void dbl_vtab_free(struct dbl_vtab *t)
{
	free(t->v);
	free(t->txt);
	free(t->h);
	memset(t, 0, sizeof *t);
}
