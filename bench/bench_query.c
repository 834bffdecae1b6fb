/* bench_query.c - query list, name codec, dnsperf files (see bench_query.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench_query.h"

/* Longest dnsperf line we accept: a 255-byte name fully \DDD-escaped is
 * ~1000 characters; anything longer is certainly not a query line. */
#define LINE_MAX_LEN 2048

static const struct {
	const char *name;
	uint16_t type;
} type_names[] = {
    {"A", 1},      {"NS", 2},    {"CNAME", 5},   {"SOA", 6},   {"PTR", 12},   {"HINFO", 13},
    {"MX", 15},    {"TXT", 16},  {"AAAA", 28},   {"SRV", 33},  {"NAPTR", 35}, {"DS", 43},
    {"RRSIG", 46}, {"NSEC", 47}, {"DNSKEY", 48}, {"SVCB", 64}, {"HTTPS", 65}, {"IXFR", 251},
    {"AXFR", 252}, {"ANY", 255}, {"CAA", 257},
};

static const char *const rcode_names[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "RCODE11",  "RCODE12", "RCODE13", "RCODE14",  "RCODE15",
};

void bench_queries_init(struct bench_queries *q)
{
	memset(q, 0, sizeof *q);
}

void bench_queries_free(struct bench_queries *q)
{
	free(q->wire);
	free(q->off);
	free(q->qlen);
	memset(q, 0, sizeof *q);
}

int bench_type_parse(const char *s, uint16_t *type)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
		if (strcasecmp(s, type_names[i].name) == 0) {
			*type = type_names[i].type;
			return 0;
		}
	}
	if (strncasecmp(s, "TYPE", 4) == 0 && s[4] >= '0' && s[4] <= '9') {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(s + 4, &end, 10);
		if (!errno && !*end && v <= 65535) {
			*type = (uint16_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

const char *bench_type_name(uint16_t type, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
		if (type_names[i].type == type) {
			snprintf(buf, len, "%s", type_names[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "TYPE%u", (unsigned)type);
	return buf;
}

const char *bench_rcode_name(unsigned rcode)
{
	return rcode < 16 ? rcode_names[rcode] : NULL;
}

int bench_name_to_wire(const char *name, uint8_t *out, size_t cap)
{
	size_t pos = 0, lab = 0; /* lab: position of the current length byte */
	const char *p = name;

	if (!*name)
		return -EINVAL;
	if (strcmp(name, ".") == 0) {
		if (cap < 1)
			return -EINVAL;
		out[0] = 0;
		return 1;
	}
	if (cap < 1)
		return -EINVAL;
	out[pos++] = 0;
	while (*p) {
		int c = (unsigned char)*p++;

		if (c == '.') {
			if (pos - lab - 1 == 0)
				return -EINVAL; /* empty label */
			if (!*p)
				break; /* trailing dot */
			lab = pos;
			if (pos >= cap)
				return -EINVAL;
			out[pos++] = 0;
			continue;
		}
		if (c == '\\') {
			if (isdigit((unsigned char)p[0])) {
				if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
					return -EINVAL;
				c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
				if (c > 255)
					return -EINVAL;
				p += 3;
			} else if (*p) {
				c = (unsigned char)*p++;
			} else {
				return -EINVAL;
			}
		}
		if (pos - lab - 1 >= 63 || pos >= cap)
			return -EINVAL;
		out[pos++] = (uint8_t)c;
		out[lab] = (uint8_t)(pos - lab - 1);
	}
	if (out[lab] == 0)
		return -EINVAL;
	if (pos >= cap)
		return -EINVAL;
	out[pos++] = 0;
	if (pos > 255)
		return -EINVAL;
	return (int)pos;
}

static bool plain_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*' || c == '/' || c == '+' || c == '=';
}

int bench_name_from_wire(const uint8_t *w, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (!cap)
		return -EINVAL;
	while (i < len) {
		size_t l = w[i++];

		if (l == 0) {
			if (o == 0) {
				if (cap < 2)
					return -EINVAL;
				out[o++] = '.';
			}
			out[o] = 0;
			return (int)i;
		}
		if (l > 63 || i + l > len)
			return -EINVAL;
		if (o) {
			if (o + 1 >= cap)
				return -EINVAL;
			out[o++] = '.';
		}
		for (size_t k = 0; k < l; k++) {
			int c = w[i + k];

			if (plain_char(c)) {
				if (o + 1 >= cap)
					return -EINVAL;
				out[o++] = (char)c;
			} else {
				if (o + 4 >= cap)
					return -EINVAL;
				snprintf(out + o, 5, "\\%03d", c);
				o += 4;
			}
		}
		i += l;
	}
	return -EINVAL; /* no terminating root label */
}

static int grow(struct bench_queries *q, size_t need_wire)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 4096;
		uint32_t *off = realloc(q->off, nc * sizeof *off);

		if (!off)
			return -ENOMEM;
		q->off = off;
		uint16_t *ql = realloc(q->qlen, nc * sizeof *ql);

		if (!ql)
			return -ENOMEM;
		q->qlen = ql;
		q->cap = nc;
	}
	if (q->wire_len + need_wire > q->wire_cap) {
		size_t nc = q->wire_cap ? q->wire_cap * 2 : 65536;
		uint8_t *w;

		while (nc < q->wire_len + need_wire)
			nc *= 2;
		w = realloc(q->wire, nc);
		if (!w)
			return -ENOMEM;
		q->wire = w;
		q->wire_cap = nc;
	}
	return 0;
}

int bench_queries_add(struct bench_queries *q, const char *name, uint16_t qtype)
{
	uint8_t buf[BENCH_QUESTION_MAX];
	int n, rc;

	if (q->n >= BENCH_QUERIES_MAX)
		return -E2BIG;
	n = bench_name_to_wire(name, buf, 255);
	if (n < 0)
		return n;
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = 0;
	buf[n++] = 1; /* class IN */
	rc = grow(q, (size_t)n);
	if (rc < 0)
		return rc;
	memcpy(q->wire + q->wire_len, buf, (size_t)n);
	q->off[q->n] = (uint32_t)q->wire_len;
	q->qlen[q->n] = (uint16_t)n;
	q->wire_len += (size_t)n;
	q->n++;
	return 0;
}

/* Split off the next whitespace-delimited token: returns its start (NUL
 * terminated in place) or NULL at end of line. */
static char *next_token(char **cursor)
{
	char *p = *cursor, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	start = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*cursor = p;
	return start;
}

int bench_queries_read(struct bench_queries *q, FILE *f, const char *label, char *err,
                       size_t errlen)
{
	char line[LINE_MAX_LEN];
	unsigned long lineno = 0;

	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		char *cur = line, *name, *type_s;
		uint16_t type;
		int rc;

		lineno++;
		if (l == sizeof line - 1 && line[l - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s:%lu: line too long (limit %d)", label, lineno,
			         LINE_MAX_LEN - 2);
			return -EINVAL;
		}
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = 0;
		name = next_token(&cur);
		if (!name || name[0] == ';' || name[0] == '#')
			continue;
		type_s = next_token(&cur);
		if (!type_s) {
			snprintf(err, errlen, "%s:%lu: expected \"name TYPE\"", label, lineno);
			return -EINVAL;
		}
		if (next_token(&cur)) {
			snprintf(err, errlen, "%s:%lu: unexpected text after the type", label,
			         lineno);
			return -EINVAL;
		}
		if (bench_type_parse(type_s, &type) < 0) {
			snprintf(err, errlen, "%s:%lu: unknown query type \"%s\"", label, lineno,
			         type_s);
			return -EINVAL;
		}
		rc = bench_queries_add(q, name, type);
		if (rc == -EINVAL) {
			snprintf(err, errlen, "%s:%lu: invalid domain name \"%s\"", label, lineno,
			         name);
			return rc;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s:%lu: %s", label, lineno,
			         rc == -E2BIG ? "too many queries" : strerror(-rc));
			return rc;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", label);
		return -EIO;
	}
	return 0;
}

int bench_queries_load(struct bench_queries *q, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = bench_queries_read(q, f, path, err, errlen);
	fclose(f);
	if (rc == 0 && q->n == 0) {
		snprintf(err, errlen, "%s: no queries in file", path);
		rc = -EINVAL;
	}
	return rc;
}

int bench_queries_write(const struct bench_queries *q, FILE *f)
{
	char name[1024], type[16];

	for (size_t i = 0; i < q->n; i++) {
		const uint8_t *w = q->wire + q->off[i];
		int n = bench_name_from_wire(w, q->qlen[i], name, sizeof name);

		if (n < 0 || (size_t)n + 4 > q->qlen[i])
			return -EINVAL;
		bench_type_name((uint16_t)(w[n] << 8 | w[n + 1]), type, sizeof type);
		if (fprintf(f, "%s %s\n", name, type) < 0)
			return -EIO;
	}
	return fflush(f) == 0 ? 0 : -EIO;
}
