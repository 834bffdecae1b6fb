/* dbl_lread.c - line reader: gzip, CRLF, long lines, CKSUM trailer, stat check. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dbl_err.h"
#include "dbl_lread.h"

/* 256 KiB: several maximal lines per refill; gzread cost is per call */
#define LREAD_BUF (256u * 1024u)

/* crc_tab[k][b]: the CRC-32 (MSB first, the polynomial 0x04C11DB7 of
 * POSIX cksum) of byte b followed by k zero bytes. Eight tables let the
 * update fold 8 input bytes per step ("slicing-by-8"): the byte-wise loop
 * was 5 % of a feed load. */
static uint32_t crc_tab[8][256];
static bool crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
		crc_tab[0][i] = c;
	}
	for (int k = 1; k < 8; k++)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = crc_tab[k - 1][i];
			crc_tab[k][i] = (c << 8) ^ crc_tab[0][c >> 24];
		}
	crc_ready = true;
}

void dbl_cksum_update(struct dbl_cksum *c, const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t crc = c->crc;
	size_t i = 0;

	if (!crc_ready)
		crc_init();
	for (; i + 8 <= n; i += 8) {
		crc ^= (uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 | (uint32_t)s[i + 2] << 8 |
		       s[i + 3];
		crc = crc_tab[7][crc >> 24] ^ crc_tab[6][(crc >> 16) & 255] ^
		      crc_tab[5][(crc >> 8) & 255] ^ crc_tab[4][crc & 255] ^ crc_tab[3][s[i + 4]] ^
		      crc_tab[2][s[i + 5]] ^ crc_tab[1][s[i + 6]] ^ crc_tab[0][s[i + 7]];
	}
	for (; i < n; i++)
		crc = (crc << 8) ^ crc_tab[0][(crc >> 24) ^ s[i]];
	c->crc = crc;
	c->len += n;
}

uint32_t dbl_cksum_final(const struct dbl_cksum *c)
{
	uint32_t crc = c->crc;
	uint64_t n = c->len;

	if (!crc_ready)
		crc_init();
	/* POSIX: the length follows the data, least significant byte first,
	 * only as many bytes as needed. */
	for (; n; n >>= 8)
		crc = (crc << 8) ^ crc_tab[0][(crc >> 24) ^ (uint8_t)n];
	return ~crc;
}

int dbl_lread_open(struct dbl_lread *r, const char *path)
{
	int dfd;

	memset(r, 0, sizeof *r);
	r->path = path;
	r->held = -1;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (fstat(r->fd, &r->st0) < 0) {
		int e = -errno;
		close(r->fd);
		return e;
	}
	if (S_ISDIR(r->st0.st_mode)) {
		close(r->fd);
		return -EISDIR;
	}
	/* gz gets its own descriptor so fd stays usable for the final fstat. */
	dfd = dup(r->fd);
	if (dfd < 0 || !(r->gz = gzdopen(dfd, "rb"))) {
		if (dfd >= 0)
			close(dfd);
		close(r->fd);
		return -ENOMEM;
	}
	gzbuffer(r->gz, 128 * 1024);
	r->cap = LREAD_BUF;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		gzclose(r->gz);
		close(r->fd);
		return -ENOMEM;
	}
	return 0;
}

/* Move the unread part to the front and read more. 0, or -EIO. */
static int refill(struct dbl_lread *r)
{
	int n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	/* keep one byte for the NUL after an unterminated last line */
	n = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - 1 - r->end));
	if (n < 0)
		return -EIO;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return 0;
}

/* Next raw line (blank or not). 1 = line, 0 = EOF, <0 error. *before is
 * the cksum state at the start of the line. */
static int raw_next(struct dbl_lread *r, char **line, size_t *len, unsigned *flags,
                    struct dbl_cksum *before)
{
	int rc;

	/* Rest of a line that was too long: consumed for the cksum only. */
	while (r->skip_rest) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start)) + 1;
			dbl_cksum_update(&r->ck, r->buf + r->start, n);
			r->start += n;
			r->skip_rest = false;
			break;
		}
		dbl_cksum_update(&r->ck, r->buf + r->start, r->end - r->start);
		r->start = r->end;
		if (r->eof)
			return 0;
		if ((rc = refill(r)))
			return rc;
	}
	for (;;) {
		char *s = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(s, '\n', avail < DBL_LINE_MAX ? avail : DBL_LINE_MAX);
		size_t n;

		*flags = 0;
		if (nl) {
			n = (size_t)(nl - s);
			*before = r->ck;
			dbl_cksum_update(&r->ck, s, n + 1);
			r->start += n + 1;
		} else if (avail >= DBL_LINE_MAX) {
			/* too long: keep the first DBL_LINE_MAX - 1 bytes, the
			 * rest up to the newline only counts for the cksum */
			char *e = memchr(s + DBL_LINE_MAX, '\n', avail - DBL_LINE_MAX);
			size_t used = e ? (size_t)(e - s) + 1 : avail;
			n = DBL_LINE_MAX - 1;
			*before = r->ck;
			dbl_cksum_update(&r->ck, s, used);
			r->start += used;
			r->skip_rest = !e;
			*flags = DBL_LR_LONG;
		} else if (r->eof) {
			if (avail == 0)
				return 0;
			n = avail;
			*before = r->ck;
			dbl_cksum_update(&r->ck, s, n);
			r->start = r->end;
			*flags = DBL_LR_NOEOL;
		} else {
			if ((rc = refill(r)))
				return rc;
			continue;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--; /* CRLF */
		s[n] = '\0';
		r->lineno++;
		*line = s;
		*len = n;
		return 1;
	}
}

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Does the line contain "CKSUM" (a trailer candidate)? memchr for the 'C'
 * first: data lines rarely have one, and memmem's set-up per short line
 * cost 4 % of a load. */
static bool has_cksum(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while (end - p >= 5 && (p = memchr(p, 'C', (size_t)(end - p - 4))) != NULL) {
		if (memcmp(p, "CKSUM", 5) == 0)
			return true;
		p++;
	}
	return false;
}

static int hold_line(struct dbl_lread *r, int slot, const char *s, size_t n, unsigned flags,
                     const struct dbl_cksum *before)
{
	struct dbl_lhold *h = &r->hold[slot];

	if (!h->b && !(h->b = malloc(DBL_LINE_MAX)))
		return -ENOMEM;
	memcpy(h->b, s, n);
	h->b[n] = '\0';
	h->len = n;
	h->lineno = r->lineno;
	h->flags = flags;
	h->before = *before;
	return 0;
}

int dbl_lread_next(struct dbl_lread *r, char **line, size_t *len, unsigned *lineno, unsigned *flags)
{
	if (r->pending) {
		r->pending = false;
		*line = r->pend_line;
		*len = r->pend_len;
		*lineno = r->pend_lineno;
		*flags = r->pend_flags;
		return 1;
	}
	for (;;) {
		struct dbl_cksum before = {0, 0};
		char *s = NULL;
		size_t n = 0;
		unsigned fl = 0;
		int rc = raw_next(r, &s, &n, &fl, &before);

		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (r->held >= 0) {
				r->trailer = true;
				r->tr = &r->hold[r->held];
				r->held = -1;
			}
			return 0;
		}
		if (is_blank(s, n))
			continue;
		if (has_cksum(s, n)) {
			/* A candidate trailer: held until we know whether it is
			 * the last non-empty line. */
			int slot = r->held == 0 ? 1 : 0;
			int prev = r->held;
			if ((rc = hold_line(r, slot, s, n, fl, &before)))
				return rc;
			r->held = slot;
			if (prev < 0)
				continue;
			/* the previous candidate was data after all */
			*line = r->hold[prev].b;
			*len = r->hold[prev].len;
			*lineno = r->hold[prev].lineno;
			*flags = r->hold[prev].flags;
			return 1;
		}
		if (r->held >= 0) {
			/* the held candidate was data; this line comes next */
			struct dbl_lhold *h = &r->hold[r->held];
			r->held = -1;
			r->pending = true;
			r->pend_line = s;
			r->pend_len = n;
			r->pend_lineno = r->lineno;
			r->pend_flags = fl;
			*line = h->b;
			*len = h->len;
			*lineno = h->lineno;
			*flags = h->flags;
			return 1;
		}
		*line = s;
		*len = n;
		*lineno = r->lineno;
		*flags = fl;
		return 1;
	}
}

/* Third whitespace-separated field of s as a decimal uint32. */
static bool third_field(const char *s, uint32_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	int digits = 0;

	for (int f = 0; f < 2; f++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return false;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	/* 10: digits of UINT32_MAX */
	while (*p >= '0' && *p <= '9' && digits < 11) {
		v = v * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (!digits || digits > 10 || v > UINT32_MAX || (*p && *p != ' ' && *p != '\t'))
		return false;
	*out = (uint32_t)v;
	return true;
}

int dbl_lread_close(struct dbl_lread *r, bool reached_eof, char *why, size_t whycap,
                    unsigned *trailer_line)
{
	int rc = 0;
	struct stat st1;

	if (why && whycap)
		why[0] = '\0';
	if (trailer_line)
		*trailer_line = 0;
	if (reached_eof && r->trailer) {
		uint32_t want, have = dbl_cksum_final(&r->tr->before);
		if (trailer_line)
			*trailer_line = r->tr->lineno;
		if (!third_field(r->tr->b, &want)) {
			snprintf(why, whycap,
			         "malformed CKSUM trailer (third field is not a decimal CRC)");
			rc = DBL_ECKSUM;
		} else if (want != have) {
			snprintf(why, whycap,
			         "CKSUM mismatch: trailer says %" PRIu32 ", data has %" PRIu32
			         " (%" PRIu64 " bytes): file refused",
			         want, have, r->tr->before.len);
			rc = DBL_ECKSUM;
		}
	}
	if (reached_eof && rc == 0) {
		if (fstat(r->fd, &st1) < 0) {
			snprintf(why, whycap, "fstat: %s", strerror(errno));
			rc = -EIO;
		} else if (st1.st_size != r->st0.st_size ||
		           st1.st_mtim.tv_sec != r->st0.st_mtim.tv_sec ||
		           st1.st_mtim.tv_nsec != r->st0.st_mtim.tv_nsec) {
			snprintf(why, whycap,
			         "file changed while being read, load aborted (write a temp "
			         "file and rename(2) it into place)");
			rc = DBL_ECHANGED;
		}
	}
	if (r->gz)
		gzclose(r->gz);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->hold[0].b);
	free(r->hold[1].b);
	memset(r, 0, sizeof *r);
	r->fd = -1;
	return rc;
}
