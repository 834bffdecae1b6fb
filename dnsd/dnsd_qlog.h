/* dnsd_qlog.h - the optional query log (--query-log FILE): one line per
 * request,
 *
 *   2026-11-23T03:30:00Z 127.0.0.1 udp 2.0.0.127.zen.local. A NOERROR listed
 *   2026-11-23T03:30:00Z ::1 tcp 1.0.0.127.zen.local. TXT NXDOMAIN -
 *   2026-11-23T03:30:01Z 127.0.0.1 udp (bad) - DROP -
 *
 * (UTC time of the batch, client address, transport, query name, qtype,
 * rcode or DROP, "listed" or "-").
 *
 * Query path. Each worker formats lines into its own buffer (allocated
 * when the worker is created, DNSD_QLOG_BUF bytes) and writes the buffer
 * with one write(2) at the end of each batch, or earlier when it is full:
 * no lock, no allocation per query. The file is opened O_APPEND, so the
 * threads' writes never overwrite each other and each batch's lines stay
 * together. A regular file's write does not wait for the network; a slow
 * disk does slow the writing thread down (that is the cost of turning the
 * log on). A failed write loses that buffer's lines, which are counted and
 * reported at most every 10 s.
 *
 * Rotation. The main thread checks the path every second: when the file
 * was renamed or deleted (logrotate's default "create" mode) it opens
 * FILE again, and SIGHUP reopens it too. The new file is installed with
 * dup2(2) on the same descriptor number, so the workers never see a
 * closed descriptor. After the privilege drop the new file is created as
 * --user, so its directory must be writable by that user; otherwise the
 * old file keeps being written and a warning is logged.
 */
#ifndef DNSD_QLOG_H
#define DNSD_QLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <uv.h>

#include "dbl_query.h"

/* 64 KiB per worker: a recvmmsg batch of 64 queries at ~100 bytes a line;
 * a line is at most DNSD_QLOG_LINE (a 255-byte name, every byte escaped). */
#define DNSD_QLOG_BUF  65536
#define DNSD_QLOG_LINE 1300

/* Process-wide state: main thread only, except fd, which workers read
 * (it never changes after dnsd_qlog_open). Embedded in struct dnsd_server. */
struct dnsd_qlog {
	const char *path; /* borrowed from the options; NULL: log off */
	int fd;
	uv_timer_t timer;
	bool timer_init;
	uint64_t warn_last;
};

/* Per-worker buffer, embedded in struct dnsd_worker; its thread only. */
struct dnsd_qlog_buf {
	char *buf; /* NULL: log off */
	size_t len;
	int fd;
	time_t tcache;
	char tstr[24];
	uint64_t lost_lines, pending_lines, lost_reported;
	uint64_t warn_last;
};

/* Open q->path for appending (before the privilege drop) and start the
 * rotation check on loop. Returns 0 or a negative errno (logged). */
int dnsd_qlog_open(struct dnsd_qlog *q, uv_loop_t *loop, const char *path);

/* Open the path again now (SIGHUP). Main thread. */
void dnsd_qlog_reopen(struct dnsd_qlog *q);

/* Stop the rotation check (close its handle). The descriptor stays open
 * until dnsd_qlog_close, after the workers were joined. */
void dnsd_qlog_stop(struct dnsd_qlog *q);
void dnsd_qlog_close(struct dnsd_qlog *q);

/* Set up b for writing to q (allocates the buffer). 0 or -ENOMEM. */
int dnsd_qlog_buf_init(struct dnsd_qlog_buf *b, const struct dnsd_qlog *q);
/* Flush and free b's buffer. */
void dnsd_qlog_buf_free(struct dnsd_qlog_buf *b);

/* Append the line of one request (n: dbl_query's result, info its info);
 * writes the buffer first if it is nearly full. */
void dnsd_qlog_add(struct dnsd_qlog_buf *b, time_t now, const struct sockaddr *peer, bool tcp,
                   const uint8_t *req, size_t len, int n, const struct dbl_query_info *info);

/* Write out the buffered lines (end of a batch). loop: for the rate limit
 * of the lost-lines warning. */
void dnsd_qlog_flush(struct dnsd_qlog_buf *b, uv_loop_t *loop);

/* Presentation form of the question name of the request req (len bytes)
 * into out (cap >= DNSD_QLOG_LINE - 80): never reads past len; "(short)"
 * or "(bad)" for what is not a plain name. */
void dnsd_qname_str(const uint8_t *req, size_t len, char *out, size_t cap);

#endif
