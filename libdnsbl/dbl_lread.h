/* dbl_lread.h - line reader for zone files (rbldnsd-compatible input layer).
 *
 * Reads one file line by line: gzip detected by its magic bytes (zlib reads
 * plain files transparently), LF or CRLF (the CR is stripped, unlike
 * rbldnsd), lines of at most DBL_LINE_MAX - 1 bytes (rbldnsd's 32 KiB
 * ISTREAM_BUFSIZE/2; a longer line is cut and flagged), line numbers from 1.
 *
 * Integrity checks, reported by dbl_lread_close():
 *  - the file is fstat'ed when opened and after the last read: a different
 *    size or mtime means it was rewritten while we read it (DBL_ECHANGED);
 *  - Spamhaus CKSUM trailer: when the last non-empty line contains "CKSUM",
 *    its third whitespace-separated field must equal the POSIX cksum CRC of
 *    every byte before that line (`sed '$d' file | cksum`), else DBL_ECKSUM.
 *    That line is not returned as data; a line containing CKSUM that is
 *    not the last non-empty one is ordinary data.
 *
 * Blank lines (only spaces, tabs, CR) are not returned. Returned lines are
 * NUL-terminated, writable, and valid until the next call. The reader owns
 * its buffers; dbl_lread_close() frees them whatever it returns.
 */
#ifndef DBL_LREAD_H
#define DBL_LREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* 32768: rbldnsd's maximum line (ISTREAM_BUFSIZE / 2), newline included */
#define DBL_LINE_MAX 32768

#define DBL_LR_LONG  0x1u /* line was longer than DBL_LINE_MAX - 1 and was cut */
#define DBL_LR_NOEOL 0x2u /* last line of the file had no newline */

/* POSIX cksum state: CRC-32 (poly 0x04C11DB7, MSB first) plus byte count. */
struct dbl_cksum {
	uint32_t crc;
	uint64_t len;
};

void dbl_cksum_update(struct dbl_cksum *c, const void *p, size_t n);
/* The value `cksum` prints: the CRC extended by the length, complemented. */
uint32_t dbl_cksum_final(const struct dbl_cksum *c);

struct dbl_lhold {
	char *b;         /* owned, DBL_LINE_MAX bytes */
	size_t len;      /* line length */
	unsigned lineno; /* its line number */
	unsigned flags;
	struct dbl_cksum before; /* cksum state at the start of the line */
};

struct dbl_lread {
	const char *path; /* borrowed */
	int fd;
	void *gz; /* gzFile */
	struct stat st0;
	char *buf; /* owned */
	size_t cap, start, end;
	bool eof, skip_rest;
	unsigned lineno; /* raw lines consumed */
	struct dbl_cksum ck;
	/* CKSUM trailer candidate and the line after it (see above) */
	struct dbl_lhold hold[2];
	int held;     /* index into hold[] of the candidate, or -1 */
	bool pending; /* a raw line in buf waits to be returned */
	char *pend_line;
	size_t pend_len;
	unsigned pend_lineno, pend_flags;
	bool trailer; /* the last non-empty line was a CKSUM line */
	struct dbl_lhold *tr;
};

/* Open path for reading. Returns 0 or a negative errno (-ENOENT, ...). */
int dbl_lread_open(struct dbl_lread *r, const char *path);

/* Next non-blank line: returns 1 and sets line, len, lineno and flags,
 * 0 at end of file, or a negative code (-EIO, -ENOMEM). */
int dbl_lread_next(struct dbl_lread *r, char **line, size_t *len, unsigned *lineno,
                   unsigned *flags);

/* Finish: verify the CKSUM trailer (if reached EOF) and the file identity,
 * close and free. Returns 0, DBL_ECKSUM, DBL_ECHANGED or -EIO, with a
 * one-line reason (no file name) in why. *trailer_line is the trailer's line
 * number or 0. Safe to call after an error from dbl_lread_next. */
int dbl_lread_close(struct dbl_lread *r, bool reached_eof, char *why, size_t whycap,
                    unsigned *trailer_line);

#endif
