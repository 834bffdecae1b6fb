/* dnsd_http.h - a minimal HTTP/1.0 and 1.1 server for GET /metrics
 * (Prometheus), on the main thread's libuv loop.
 *
 * One request per connection: the reply carries "Connection: close" and
 * the connection is closed once it was written (Prometheus opens a new
 * connection per scrape when told so; no keep-alive state to bound).
 * Only the request line is interpreted; headers are skipped.
 *
 *   GET|HEAD /metrics[?...]  200, text/plain; version=0.0.4
 *   GET|HEAD other path      404
 *   other method             405 (Allow: GET, HEAD)
 *   not "M /path HTTP/1.x"   400
 *   request > 4 KiB          431, before the end of the headers is seen
 *
 * Limits (the endpoint must not become a way to hurt the DNS service):
 * DNSD_HTTP_CONNS connections at once (more are accepted and closed at
 * once), DNSD_HTTP_REQ_MAX bytes of request, and DNSD_HTTP_IDLE_MS from
 * accept to a complete request, not restarted by partial reads
 * (slowloris). The listener binds loopback only unless the operator
 * asked otherwise (dnsd_cli.c: --metrics-allow-remote).
 */
#ifndef DNSD_HTTP_H
#define DNSD_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define DNSD_HTTP_CONNS   16
#define DNSD_HTTP_REQ_MAX 4096
#define DNSD_HTTP_IDLE_MS 5000

struct dnsd_server;
struct dnsd_http_conn;

/* Embedded in struct dnsd_server (caller-owned, must stay put until the
 * close callbacks of dnsd_http_stop ran). Main thread only. */
struct dnsd_http {
	struct dnsd_server *srv;
	uv_tcp_t listener;
	bool listening;
	struct dnsd_http_conn *conns; /* open connections, doubly linked */
	unsigned nconns;
	uint64_t requests, refused;
};

/* Bind addr (port 0: any free port, logged) and start serving on
 * s->loop. Returns 0 or a negative libuv error (logged). */
int dnsd_http_start(struct dnsd_http *h, struct dnsd_server *s,
                    const struct sockaddr_storage *addr);

/* Close the listener and every connection (memory freed by the close
 * callbacks while the loop drains). Safe when never started. */
void dnsd_http_stop(struct dnsd_http *h);

#endif
