/* udp_echo.c - udp-echo: the I/O floor for DNS benchmarks.
 *
 * Answers every DNS query with the query itself, QR set and RCODE
 * NXDOMAIN: a minimal valid response, produced with no lookup at all, so
 * a load generator pointed at it measures the cost of moving packets
 * (what a perfect server could not go below). It batches like a good
 * server: one blocking recvmmsg (MSG_WAITFORONE: sleep for the first
 * datagram, then take whatever else is queued, up to --batch) and one
 * sendmmsg for the replies, on a single thread.
 *
 * It binds loopback only (127.0.0.0/8 or ::1, no override) and exits by
 * itself after --lifetime seconds, so a forgotten instance cannot linger.
 * Port 0 picks a free port; the bound address is printed on stdout as
 * "udp-echo: listening on ADDR:PORT" for scripts to read.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_addr.h"

/* Largest DNS-over-UDP message we echo; longer datagrams are dropped. */
#define BUF_SIZE  4096
#define MAX_BATCH 1024
#define SOCKBUF   (4 << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void usage(FILE *f)
{
	fputs("NAME\n"
	      "    udp-echo - minimal DNS responder for load-generator baselines\n"
	      "\n"
	      "SYNOPSIS\n"
	      "    udp-echo --listen ADDR:PORT [--batch N] [--lifetime SECONDS]\n"
	      "\n"
	      "DESCRIPTION\n"
	      "    Replies to each DNS query with the same bytes, QR set and RCODE\n"
	      "    NXDOMAIN, using recvmmsg/sendmmsg batches on one thread. Datagrams\n"
	      "    shorter than a DNS header, already marked as responses (QR set) or\n"
	      "    longer than 4096 bytes are dropped.\n"
	      "\n"
	      "OPTIONS\n"
	      "    --listen ADDR:PORT\n"
	      "        Address to bind: 127.0.0.0/8 or [::1] only. Port 0 picks a free\n"
	      "        port; the bound address is printed as\n"
	      "        \"udp-echo: listening on ADDR:PORT\".\n"
	      "    --batch N\n"
	      "        Datagrams per recvmmsg/sendmmsg call (default 64, 1..1024).\n"
	      "    --lifetime SECONDS\n"
	      "        Exit after this many seconds (default 3600, 1..86400).\n"
	      "    --help\n"
	      "\n"
	      "    SIGINT or SIGTERM ends it; counters go to stderr on exit.\n"
	      "\n"
	      "EXIT STATUS\n"
	      "    0 normal end, 1 socket error, 2 bad arguments.\n",
	      f);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*s >= '0' && *s <= '9' && !*end && !errno && *out >= min && *out <= max) ? 0
	                                                                                 : -EINVAL;
}

static int bad_args(const char *msg, const char *arg)
{
	fprintf(stderr, "udp-echo: %s%s%s\nTry 'udp-echo --help'.\n", msg, arg ? ": " : "",
	        arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"batch", required_argument, NULL, 'b'},
	    {"lifetime", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static uint8_t buf[MAX_BATCH][BUF_SIZE];
	static struct mmsghdr rmsg[MAX_BATCH], smsg[MAX_BATCH];
	static struct iovec riov[MAX_BATCH], siov[MAX_BATCH];
	static struct sockaddr_storage peer[MAX_BATCH];
	struct bench_addr addr;
	bool have_addr = false;
	unsigned long batch = 64, lifetime = 3600;
	unsigned long long rx = 0, tx = 0, dropped = 0, send_fail = 0;
	char shown[BENCH_ADDR_STRLEN];
	struct sigaction sa;
	int c, fd, sz = SOCKBUF;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (bench_addr_parse(optarg, 0, &addr) < 0)
				return bad_args("--listen: expected ADDR:PORT", optarg);
			if (!bench_addr_is_loopback(&addr))
				return bad_args("--listen: only 127.0.0.0/8 and [::1] are allowed",
				                optarg);
			have_addr = true;
			break;
		case 'b':
			if (parse_uint(optarg, 1, MAX_BATCH, &batch) < 0)
				return bad_args("--batch: expected 1..1024", optarg);
			break;
		case 't':
			if (parse_uint(optarg, 1, 86400, &lifetime) < 0)
				return bad_args("--lifetime: expected 1..86400 seconds", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return bad_args("missing argument", argv[optind - 1]);
		default:
			return bad_args("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_args("unexpected argument", argv[optind]);
	if (!have_addr)
		return bad_args("--listen ADDR:PORT is required", NULL);

	fd = socket(addr.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("udp-echo: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	if (bind(fd, (struct sockaddr *)&addr.ss, addr.len) < 0) {
		perror("udp-echo: bind");
		return 1;
	}
	addr.len = sizeof addr.ss;
	getsockname(fd, (struct sockaddr *)&addr.ss, &addr.len);
	bench_addr_format(&addr, shown, sizeof shown);
	printf("udp-echo: listening on %s\n", shown);
	fflush(stdout);

	/* no SA_RESTART: a signal must interrupt the blocking recvmmsg */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)lifetime);

	for (unsigned i = 0; i < batch; i++) {
		riov[i].iov_base = buf[i];
		riov[i].iov_len = BUF_SIZE;
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
		rmsg[i].msg_hdr.msg_name = &peer[i];
		smsg[i].msg_hdr.msg_iov = &siov[i];
		smsg[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop) {
		int n, k = 0, off = 0;

		/* the kernel overwrites msg_namelen with the peer's length */
		for (unsigned i = 0; i < batch; i++)
			rmsg[i].msg_hdr.msg_namelen = sizeof peer[i];
		n = recvmmsg(fd, rmsg, (unsigned)batch, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udp-echo: recvmmsg");
			break;
		}
		rx += (unsigned long long)n;
		for (int i = 0; i < n; i++) {
			uint8_t *p = buf[i];
			unsigned len = rmsg[i].msg_len;

			if (len < 12 || (p[2] & 0x80) || (rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
				dropped++;
				continue;
			}
			p[2] |= 0x80;                        /* QR: response */
			p[3] = (uint8_t)((p[3] & 0xf0) | 3); /* RCODE NXDOMAIN */
			siov[k].iov_base = p;
			siov[k].iov_len = len;
			smsg[k].msg_hdr.msg_name = &peer[i];
			smsg[k].msg_hdr.msg_namelen = rmsg[i].msg_hdr.msg_namelen;
			k++;
		}
		/* bounded: every pass either sends >= 1 reply or skips one */
		while (off < k) {
			int s = sendmmsg(fd, smsg + off, (unsigned)(k - off), 0);

			if (s < 0) {
				if (errno == EINTR && !stop)
					continue;
				send_fail++;
				off++; /* this reply cannot go out: drop it */
				continue;
			}
			tx += (unsigned long long)s;
			off += s;
		}
	}
	fprintf(stderr,
	        "udp-echo: received %llu, answered %llu, dropped %llu, send failures %llu\n", rx,
	        tx, dropped, send_fail);
	close(fd);
	return 0;
}
