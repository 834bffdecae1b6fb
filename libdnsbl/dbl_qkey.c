/* dbl_qkey.c - DNSBL keys from query labels; subject text; TXT expansion. */
#include <string.h>

#include "dbl_addr.h"
#include "dbl_name.h"
#include "dbl_qkey.h"
#include "dbl_schema.h"

/* ---- IPv4 ---- */

/* Value of the label at p (p[0] = length, avail bytes readable) as a
 * canonical decimal octet, or -1. Contract 6.9: "02" and "002" are not
 * octets (rbldnsd accepts them), "0" is. */
static int dec_label(const uint8_t *p, size_t avail)
{
	unsigned l = p[0], v = 0;

	if (l < 1 || l > 3 || avail < 1u + l)
		return -1;
	if (l > 1 && p[1] == '0')
		return -1;
	for (unsigned i = 1; i <= l; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v > 255 ? -1 : (int)v;
}

/* The labels of rel as octets, wire order (least significant first).
 * Returns their number (at most 4) or -1. */
static int dec_labels(const uint8_t *rel, size_t len, unsigned oct[4])
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		int v;
		if (n == 4)
			return -1;
		v = dec_label(rel + i, len - i);
		if (v < 0)
			return -1;
		oct[n++] = (unsigned)v;
		i += 1u + rel[i];
	}
	return n;
}

/* The first four labels of p (avail bytes readable) as an address, more
 * labels may follow. Returns the bytes they take, or -1. */
static long lead_ip4(const uint8_t *p, size_t avail, uint32_t *addr)
{
	size_t i = 0;
	uint32_t a = 0;

	for (unsigned n = 0; n < 4; n++) {
		int v = i < avail ? dec_label(p + i, avail - i) : -1;
		if (v < 0)
			return -1;
		a |= (uint32_t)v << (8 * n);
		i += 1u + p[i];
	}
	*addr = a;
	return (long)i;
}

bool dbl_key_ip4(const uint8_t *rel, size_t len, uint32_t *addr)
{
	return lead_ip4(rel, len, addr) == (long)len;
}

bool dbl_key_ip4_lead(const uint8_t *name, size_t avail, uint32_t *addr)
{
	return lead_ip4(name, avail, addr) >= 0;
}

bool dbl_key_ip4_block(const uint8_t *rel, size_t len, uint32_t *lo, uint32_t *hi)
{
	unsigned oct[4];
	uint32_t v = 0;
	unsigned shift, labels = dbl_rel_labels(rel, len);
	int n;

	/* A key of four labels or more is no block (the usual case: every
	 * NXDOMAIN of a full address asks): count before parsing. */
	if (labels == 0 || labels > 3)
		return false;
	n = dec_labels(rel, len, oct);
	if (n < 1 || n > 3)
		return false;
	for (int j = n - 1; j >= 0; j--)
		v = (v << 8) | oct[j];
	shift = 8u * (4u - (unsigned)n); /* 8..24 */
	*lo = v << shift;
	*hi = *lo | ((1u << shift) - 1u);
	return true;
}

/* ---- IPv6 ---- */

/* The nibbles of rel, most significant first (t[0] is the label next to
 * the scope). Returns their number (at most 32) or -1. */
static int nib_labels(const uint8_t *rel, size_t len, uint8_t t[32])
{
	uint8_t w[32];
	size_t i = 0;
	int n = 0;

	while (i < len) {
		int v;
		if (n == 32 || rel[i] != 1 || len - i < 2)
			return -1;
		v = dbl_hexval(rel[i + 1]);
		if (v < 0)
			return -1;
		w[n++] = (uint8_t)v;
		i += 2;
	}
	for (int j = 0; j < n; j++)
		t[j] = w[n - 1 - j];
	return n;
}

bool dbl_key_ip6(const uint8_t *rel, size_t len, uint8_t addr[16])
{
	uint8_t t[32];

	if (nib_labels(rel, len, t) != 32)
		return false;
	for (int i = 0; i < 16; i++)
		addr[i] = (uint8_t)((t[2 * i] << 4) | t[2 * i + 1]);
	return true;
}

bool dbl_key_ip6_block(const uint8_t *rel, size_t len, uint8_t lo[16], uint8_t hi[16])
{
	uint8_t t[32];
	int n = nib_labels(rel, len, t);

	if (n < 1 || n > 31)
		return false;
	for (int j = n; j < 32; j++)
		t[j] = 0;
	for (int i = 0; i < 16; i++)
		lo[i] = (uint8_t)((t[2 * i] << 4) | t[2 * i + 1]);
	for (int j = n; j < 32; j++)
		t[j] = 0xF;
	for (int i = 0; i < 16; i++)
		hi[i] = (uint8_t)((t[2 * i] << 4) | t[2 * i + 1]);
	return true;
}

/* ::ffff:0:0/96 as 24 nibbles, 2002::/16 as 4. */
static const uint8_t mapped_pfx[24] = {0, 0, 0, 0, 0, 0, 0, 0, 0,   0,   0,   0,
                                       0, 0, 0, 0, 0, 0, 0, 0, 0xF, 0xF, 0xF, 0xF};
static const uint8_t sixtofour_pfx[4] = {2, 0, 0, 2};

bool dbl_ip6_v4mapped(const uint8_t a[16], uint32_t *v4)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

	if (memcmp(a, pfx, 12) != 0)
		return false;
	*v4 = dbl_get_u32(a + 12);
	return true;
}

bool dbl_ip6_6to4(const uint8_t a[16], uint32_t *v4)
{
	if (a[0] != 0x20 || a[1] != 0x02)
		return false;
	*v4 = dbl_get_u32(a + 2);
	return true;
}

/* IPv4 block below the n-nibble prefix t when t lies under (or above) the
 * mapping prefix pat of plen nibbles, the IPv4 address starting at nibble
 * plen. */
static bool v4_via(const uint8_t *t, unsigned n, const uint8_t *pat, unsigned plen, uint32_t *lo,
                   uint32_t *hi)
{
	unsigned m = n < plen ? n : plen, k = n > plen ? n - plen : 0, shift;
	uint32_t v = 0;

	if (memcmp(t, pat, m) != 0)
		return false;
	if (k > 8)
		k = 8; /* nibbles past the IPv4 address do not narrow it */
	for (unsigned i = 0; i < k; i++)
		v = (v << 4) | t[plen + i];
	shift = 4u * (8u - k);
	if (shift == 32) {
		*lo = 0;
		*hi = 0xFFFFFFFFu;
	} else {
		*lo = v << shift;
		*hi = *lo | (shift ? (1u << shift) - 1u : 0u);
	}
	return true;
}

unsigned dbl_key_ip6_v4blocks(const uint8_t *rel, size_t len, uint32_t lo[2], uint32_t hi[2])
{
	uint8_t t[32];
	int n = nib_labels(rel, len, t);
	unsigned c = 0;

	if (n < 1 || n > 31)
		return 0;
	if (v4_via(t, (unsigned)n, mapped_pfx, 24, &lo[c], &hi[c]))
		c++;
	if (v4_via(t, (unsigned)n, sixtofour_pfx, 4, &lo[c], &hi[c]))
		c++;
	return c;
}

/* ---- subject text ---- */

static size_t put_dec(unsigned v, char *buf)
{
	char t[3];
	size_t n = 0, o = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < 3);
	while (n)
		buf[o++] = t[--n];
	return o;
}

size_t dbl_ip4_text(uint32_t a, char *buf)
{
	size_t o = 0;

	for (int s = 24; s >= 0; s -= 8) {
		o += put_dec((a >> s) & 0xFF, buf + o);
		if (s)
			buf[o++] = '.';
	}
	buf[o] = 0;
	return o;
}

static size_t put_hex16(unsigned v, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	int s = 12;

	while (s > 0 && ((v >> s) & 0xF) == 0)
		s -= 4; /* no leading zeros */
	for (; s >= 0; s -= 4)
		buf[o++] = hx[(v >> s) & 0xF];
	return o;
}

size_t dbl_ip6_text(const uint8_t a[16], char *buf)
{
	unsigned w[8], zs = 0, zn = 0;
	size_t o = 0;

	for (unsigned i = 0; i < 8; i++)
		w[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
	for (unsigned i = 0; i < 8;) {
		unsigned j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i >= 2 && j - i > zn) { /* strictly longer: first run wins ties */
			zs = i;
			zn = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (unsigned i = 0; i < 8; i++) {
		if (zn && i == zs) {
			buf[o++] = ':';
			buf[o++] = ':';
			i += zn - 1;
			continue;
		}
		if (o > 0 && buf[o - 1] != ':')
			buf[o++] = ':';
		o += put_hex16(w[i], buf + o);
	}
	buf[o] = 0;
	return o;
}

size_t dbl_rel_text(const uint8_t *rel, size_t len, unsigned k, char *buf, size_t cap)
{
	unsigned n = 0;
	size_t i = 0, o = 0;

	if (cap == 0)
		return 0;
	for (size_t j = 0; j < len; j += (size_t)rel[j] + 1)
		n++;
	if (k > 0 && k < n)
		for (unsigned s = 0; s < n - k; s++)
			i += (size_t)rel[i] + 1;
	while (i < len) {
		size_t l = rel[i];
		if (len - i < 1 + l)
			break;
		if (o > 0) {
			if (o + 1 >= cap)
				break;
			buf[o++] = '.';
		}
		for (size_t j = 1; j <= l; j++) {
			uint8_t c = rel[i + j];
			char t[4];
			size_t tn = 0;
			if (c == '"' || c == '.' || c == ';' || c == '\\' || c == '@' || c == '$') {
				t[tn++] = '\\';
				t[tn++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7F) {
				t[tn++] = '\\';
				t[tn++] = (char)('0' + c / 100);
				t[tn++] = (char)('0' + (c / 10) % 10);
				t[tn++] = (char)('0' + c % 10);
			} else {
				t[tn++] = (char)c;
			}
			if (o + tn >= cap)
				goto out;
			memcpy(buf + o, t, tn);
			o += tn;
		}
		i += 1 + l;
	}
out:
	buf[o] = 0;
	return o;
}

size_t dbl_txt_expand(const uint8_t *tpl, size_t tlen, const char *subj, size_t slen, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < tlen && o < DBL_TXT_MAX; i++) {
		size_t n;
		if (tpl[i] != '$') {
			out[o++] = tpl[i];
			continue;
		}
		if (i + 1 < tlen && tpl[i + 1] == '$') {
			out[o++] = '$';
			i++;
			continue;
		}
		n = slen < DBL_TXT_MAX - o ? slen : DBL_TXT_MAX - o;
		memcpy(out + o, subj, n);
		o += n;
	}
	return o;
}
