/* dbl_name.c - DNS name text/wire conversion and name keys. */
#include <stdio.h>
#include <string.h>

#include "dbl_err.h"
#include "dbl_name.h"

void dbl_name_lower(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (uint8_t)(p[i] + 32);
}

int dbl_rel_from_text(uint8_t *rel, const char *text, size_t len)
{
	size_t o = 0, i = 0;

	if (len == 1 && (text[0] == '@' || text[0] == '.'))
		return 0;
	while (i < len) {
		size_t lpos = o++;
		unsigned ll = 0;

		if (text[i] == '.')
			return DBL_ESYNTAX; /* empty label */
		while (i < len && text[i] != '.') {
			int c = (unsigned char)text[i++];
			if (c == '\\' && i < len) {
				if (i + 2 < len && text[i] >= '0' && text[i] <= '9' &&
				    text[i + 1] >= '0' && text[i + 1] <= '9' &&
				    text[i + 2] >= '0' && text[i + 2] <= '9') {
					c = (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 +
					    (text[i + 2] - '0');
					if (c > 255)
						return DBL_ESYNTAX;
					i += 3;
				} else {
					c = (unsigned char)text[i++];
				}
			}
			/* 63: RFC 1035 label limit; 254: leave room for the root label */
			if (++ll > 63 || o >= DBL_NAME_MAX - 1)
				return DBL_ETOOBIG;
			rel[o++] = (uint8_t)c;
		}
		rel[lpos] = (uint8_t)ll;
		if (i < len)
			i++; /* the dot; a trailing dot ends the name */
	}
	dbl_name_lower(rel, o);
	return (int)o;
}

int dbl_wname_from_text(struct dbl_wname *out, const char *text, size_t len)
{
	int n;

	if (len == 0) {
		out->len = 1;
		out->b[0] = 0;
		return 0;
	}
	n = dbl_rel_from_text(out->b, text, len);
	if (n < 0)
		return n;
	out->b[n] = 0;
	out->len = (uint8_t)(n + 1);
	return 0;
}

void dbl_wname_to_text(const uint8_t *w, char *buf, size_t cap)
{
	size_t o = 0;

	if (cap < 2)
		return;
	if (*w == 0) {
		buf[0] = '.';
		buf[1] = 0;
		return;
	}
	while (*w && o + 6 < cap) {
		unsigned ll = *w++;
		for (unsigned j = 0; j < ll && o + 6 < cap; j++) {
			unsigned char c = w[j];
			if (c == '.' || c == '\\') {
				buf[o++] = '\\';
				buf[o++] = (char)c;
			} else if (c <= ' ' || c >= 127) {
				o += (size_t)snprintf(buf + o, cap - o, "\\%03u", c);
			} else {
				buf[o++] = (char)c;
			}
		}
		w += ll;
		buf[o++] = '.';
	}
	buf[o] = 0;
}

unsigned dbl_rel_labels(const uint8_t *rel, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i += (size_t)rel[i] + 1)
		n++;
	return n;
}

bool dbl_rel_label_at(const uint8_t *rel, size_t len, size_t off)
{
	size_t i = 0;

	while (i < off && i < len)
		i += (size_t)rel[i] + 1;
	return i == off;
}

size_t dbl_namekey_from_rel(uint8_t *key, const uint8_t *rel, size_t len)
{
	/* Labels are copied in reverse order; each keeps its length byte. */
	size_t i = 0, o = len;

	while (i < len) {
		size_t l = (size_t)rel[i] + 1;
		o -= l;
		memcpy(key + o, rel + i, l);
		i += l;
	}
	return len;
}

unsigned dbl_namekey_labels(const uint8_t *key, size_t len)
{
	return dbl_rel_labels(key, len);
}
