/* dnsd_qlog.c - the query log (see dnsd_qlog.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dnsd_metrics.h"
#include "dnsd_qlog.h"
#include "dnsd_worker.h"

#define QLOG_CHECK_MS 1000 /* rotation check interval */

void dnsd_qname_str(const uint8_t *req, size_t len, char *out, size_t cap)
{
	size_t p = 12, o = 0, total = 0;

	out[0] = 0;
	if (len <= 12) {
		snprintf(out, cap, "(short)");
		return;
	}
	while (p < len && req[p] != 0) {
		unsigned l = req[p];
		if (l > 63 || p + 1 + l > len || (total += l + 1) > 255) {
			snprintf(out + o, cap - o, "(bad)");
			return;
		}
		for (unsigned i = 0; i < l; i++) {
			uint8_t ch = req[p + 1 + i];
			int n;
			if (ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\')
				n = snprintf(out + o, cap - o, "%c", ch);
			else if (ch == '.' || ch == '\\')
				n = snprintf(out + o, cap - o, "\\%c", ch);
			else
				n = snprintf(out + o, cap - o, "\\%03u", ch);
			if (n < 0 || (size_t)n >= cap - o)
				return;
			o += (size_t)n;
		}
		if (o + 1 < cap)
			out[o++] = '.', out[o] = 0;
		p += 1 + l;
	}
	if (o == 0)
		snprintf(out, cap, ".");
}

/* ---- file (main thread) ---- */

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	return fd < 0 ? -errno : fd;
}

static void reopen(struct dnsd_qlog *q, const char *why)
{
	int nfd = open_file(q->path);

	if (nfd < 0) {
		if (dnsd_ratelimit(q->timer.loop, &q->warn_last, 60))
			dbl_log(DBL_LOG_WARNING, "query log %s: cannot reopen (%s): %s", q->path,
			        why, strerror(-nfd));
		return;
	}
	/* Same descriptor number: a worker writing right now writes to the
	 * old file or the new one, never to a closed or reused descriptor. */
	if (dup2(nfd, q->fd) < 0)
		dbl_log(DBL_LOG_WARNING, "query log %s: dup2: %s", q->path, strerror(errno));
	else
		dbl_log(DBL_LOG_INFO, "query log %s reopened (%s)", q->path, why);
	close(nfd);
}

static void on_check(uv_timer_t *t)
{
	struct dnsd_qlog *q = t->data;
	struct stat a, b;

	if (fstat(q->fd, &b) != 0)
		return;
	if (stat(q->path, &a) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		reopen(q, "file was rotated");
}

int dnsd_qlog_open(struct dnsd_qlog *q, uv_loop_t *loop, const char *path)
{
	int fd = open_file(path);

	q->path = path;
	q->fd = -1;
	if (fd < 0) {
		dbl_log(DBL_LOG_ERR, "cannot open query log %s: %s", path, strerror(-fd));
		return fd;
	}
	q->fd = fd;
	uv_timer_init(loop, &q->timer);
	q->timer.data = q;
	q->timer_init = true;
	uv_timer_start(&q->timer, on_check, QLOG_CHECK_MS, QLOG_CHECK_MS);
	/* Not a reason to keep the loop alive on its own. */
	uv_unref((uv_handle_t *)&q->timer);
	dbl_log(DBL_LOG_NOTICE, "query log %s", path);
	return 0;
}

void dnsd_qlog_reopen(struct dnsd_qlog *q)
{
	if (q->path && q->fd >= 0)
		reopen(q, "SIGHUP");
}

void dnsd_qlog_stop(struct dnsd_qlog *q)
{
	if (q->timer_init && !uv_is_closing((uv_handle_t *)&q->timer))
		uv_close((uv_handle_t *)&q->timer, NULL);
}

void dnsd_qlog_close(struct dnsd_qlog *q)
{
	if (q->path && q->fd >= 0)
		close(q->fd);
	q->path = NULL;
	q->fd = -1;
}

/* ---- per-worker buffer ---- */

int dnsd_qlog_buf_init(struct dnsd_qlog_buf *b, const struct dnsd_qlog *q)
{
	memset(b, 0, sizeof *b);
	b->fd = q->fd;
	b->buf = malloc(DNSD_QLOG_BUF);
	return b->buf ? 0 : -ENOMEM;
}

static void write_out(struct dnsd_qlog_buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t r = write(b->fd, b->buf + off, b->len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			b->lost_lines += b->pending_lines;
			break;
		}
		off += (size_t)r;
	}
	b->len = 0;
	b->pending_lines = 0;
}

void dnsd_qlog_buf_free(struct dnsd_qlog_buf *b)
{
	if (b->buf && b->len)
		write_out(b);
	free(b->buf);
	b->buf = NULL;
}

void dnsd_qlog_flush(struct dnsd_qlog_buf *b, uv_loop_t *loop)
{
	if (!b->buf || b->len == 0)
		return;
	write_out(b);
	if (b->lost_lines != b->lost_reported && dnsd_ratelimit(loop, &b->warn_last, 10)) {
		dbl_log(DBL_LOG_WARNING, "query log: %llu lines lost (write failed)",
		        (unsigned long long)(b->lost_lines - b->lost_reported));
		b->lost_reported = b->lost_lines;
	}
}

static const char *client_str(const struct sockaddr *peer, char *buf, size_t cap)
{
	const void *a = NULL;

	if (peer->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)peer)->sin_addr;
	else if (peer->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
	if (!a || !inet_ntop(peer->sa_family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

void dnsd_qlog_add(struct dnsd_qlog_buf *b, time_t now, const struct sockaddr *peer, bool tcp,
                   const uint8_t *req, size_t len, int n, const struct dbl_query_info *info)
{
	char name[1100], cli[64], tb[16];
	int k;

	if (!b->buf)
		return;
	if (b->len + DNSD_QLOG_LINE > DNSD_QLOG_BUF)
		write_out(b);
	if (now != b->tcache) {
		struct tm tm;
		b->tcache = now;
		if (!gmtime_r(&now, &tm) ||
		    !strftime(b->tstr, sizeof b->tstr, "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(b->tstr, sizeof b->tstr, "%lld", (long long)now);
	}
	dnsd_qname_str(req, len, name, sizeof name);
	if (n > 0)
		k = snprintf(b->buf + b->len, DNSD_QLOG_BUF - b->len, "%s %s %s %s %s %s %s\n",
		             b->tstr, client_str(peer, cli, sizeof cli), tcp ? "tcp" : "udp", name,
		             dnsd_qtype_name(info->qtype, tb, sizeof tb),
		             dnsd_rcode_name(info->rcode), info->listed ? "listed" : "-");
	else
		k = snprintf(b->buf + b->len, DNSD_QLOG_BUF - b->len, "%s %s %s %s - DROP -\n",
		             b->tstr, client_str(peer, cli, sizeof cli), tcp ? "tcp" : "udp",
		             name[0] ? name : "-");
	if (k > 0 && (size_t)k < DNSD_QLOG_BUF - b->len) {
		b->len += (size_t)k;
		b->pending_lines++;
	}
}
