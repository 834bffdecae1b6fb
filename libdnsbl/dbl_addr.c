/* dbl_addr.c - IPv4/IPv6 key syntax (see dbl_addr.h). */
#include <string.h>

#include "dbl_addr.h"

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/* One decimal octet <= 255 (any number of leading zeros). */
static const char *octet(const char *s, uint32_t *o)
{
	uint32_t v;

	if (!DIGIT(*s))
		return NULL;
	v = (uint32_t)(*s++ - '0');
	while (DIGIT(*s)) {
		v = v * 10 + (uint32_t)(*s++ - '0');
		if (v > 255)
			return NULL;
	}
	*o = v;
	return s;
}

int dbl_ip4prefix(const char *s, uint32_t *a, const char **end)
{
	uint32_t v = 0, o;
	int bits;

	*a = 0;
	*end = s;
	for (bits = 8; bits <= 32; bits += 8) {
		if (!(s = octet(s, &o)))
			return -1;
		v |= o << (32 - bits);
		if (bits == 32 || *s != '.')
			break;
		s++;
	}
	*a = v;
	*end = s;
	return bits;
}

/* "/n" with n <= max; returns n or -1 (s points at the '/'). */
static int mbits(const char *s, int max, const char **end)
{
	int v;

	s++;
	if (!DIGIT(*s))
		return -1;
	v = *s++ - '0';
	while (DIGIT(*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > max)
			return -1;
	}
	*end = s;
	return v;
}

int dbl_ip4cidr(const char *s, uint32_t *a, const char **end)
{
	int bits = dbl_ip4prefix(s, a, end);

	if (bits < 0)
		return -1;
	if (**end == '/')
		return mbits(*end, 32, end);
	if (bits == 8)
		return -1; /* a bare number: rbldnsd wants "10/8" */
	return bits;
}

int dbl_ip4range(const char *s, uint32_t *a, uint32_t *b, const char **end)
{
	int bits = dbl_ip4prefix(s, a, end);

	if (bits < 0)
		return -1;
	if (**end == '-') {
		int bb = dbl_ip4prefix(*end + 1, b, end);
		if (bb < 0)
			return -1;
		if (bb == 8) {
			/* "127.0.0.1-255", "127.16-31": the end replaces the
			 * last given octet of the start */
			*b = (*b >> (bits - 8)) | (*a & dbl_ip4mask(bits - 8));
			bb = bits;
		} else if (bb != bits) {
			return -1; /* "1.2-1.2.3.4" */
		}
		*b |= ~dbl_ip4mask(bb);
		if (*a > *b)
			return -1;
		return 32;
	}
	if (**end == '/') {
		bits = mbits(*end, 32, end);
		if (bits < 0)
			return -1;
	} else if (bits == 8) {
		return -1;
	}
	*b = *a | ~dbl_ip4mask(bits);
	return bits;
}

int dbl_ip4addr(const char *s, uint32_t *a, const char **end)
{
	int bits = dbl_ip4prefix(s, a, end);

	/* inet_aton: the last given number is the last octet */
	switch (bits) {
	case 8:
		*a >>= 24;
		break;
	case 16:
		*a = (*a & 0xff000000u) | ((*a >> 16) & 255);
		break;
	case 24:
		*a = (*a & 0xffff0000u) | ((*a >> 8) & 255);
		break;
	default:
		break;
	}
	return bits;
}

int dbl_ip6prefix(const char *s, uint8_t a[16], const char **end)
{
	unsigned bytes = 0;
	int zstart = -1, ret = -1;

	memset(a, 0, 16);
	if (s[0] == ':' && s[1] == ':') {
		zstart = 0;
		s += 2;
	}
	/* 8 groups of 16 bits at most: the loop ends by then */
	for (;;) {
		unsigned v = 0;
		const char *ss = s;
		int h;

		while ((h = dbl_hexval(*s)) >= 0) {
			v = (v << 4) + (unsigned)h;
			if (v > 0xffff)
				break;
			s++;
		}
		if (ss == s || v > 0xffff)
			break;
		a[bytes++] = (uint8_t)(v >> 8);
		a[bytes++] = (uint8_t)v;
		if (*s != ':' || bytes + 2 > 16) {
			ret = (int)bytes * 8;
			break;
		}
		s++;
		if (zstart < 0 && *s == ':') {
			zstart = (int)bytes;
			s++;
		}
	}
	if (zstart >= 0) {
		unsigned nz = 16 - bytes;
		if (nz == 0) {
			ret = -1; /* "::" with 8 groups: no room for zeros */
		} else {
			memmove(a + zstart + nz, a + zstart, bytes - (unsigned)zstart);
			memset(a + zstart, 0, nz);
			ret = 128;
		}
	}
	*end = s;
	return ret;
}

int dbl_ip6cidr(const char *s, uint8_t a[16], const char **end)
{
	int bits = dbl_ip6prefix(s, a, end);

	if (bits >= 0 && **end == '/')
		return mbits(*end, 128, end);
	if (bits == 16)
		return -1; /* a bare single group */
	return bits;
}

int dbl_ip6mask(uint8_t a[16], int bits)
{
	int r = 0;
	unsigned i = (unsigned)bits / 8;

	if (bits < 0 || bits >= 128)
		return 0;
	if (bits % 8) {
		uint8_t keep = (uint8_t)(0xff << (8 - bits % 8));
		if (a[i] & (uint8_t)~keep)
			r = 1;
		a[i] &= keep;
		i++;
	}
	for (; i < 16; i++) {
		if (a[i])
			r = 1;
		a[i] = 0;
	}
	return r;
}

void dbl_ip6_prefix_last(const uint8_t lo[16], int bits, uint8_t hi[16])
{
	memcpy(hi, lo, 16);
	for (int i = 0; i < 16; i++) {
		int keep = bits - 8 * i; /* network bits in this byte */
		if (keep <= 0)
			hi[i] = 0xff;
		else if (keep < 8)
			hi[i] |= (uint8_t)(0xff >> keep);
	}
}
