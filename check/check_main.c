/* check_main.c - dnsbl-check: is an address or domain listed in a DNSBL
 * zone? Through the direct-lookup library (lookup/dnsbl.h) or, with
 * --server, over DNS (check_dns.h). One-shot or batch (stdin). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_dns.h"
#include "dbl_conf.h"
#include "dnsbl.h"

#define PROG           "dnsbl-check"
#define DEFAULT_CONFIG "/etc/dnsbl.conf"
#define DEFAULT_DB     "/var/lib/dnsbl/db"
#define NAME_TEXT_MAX  1024 /* a query name in presentation form, with room to spare */

/* Exit codes (as grep): */
enum { EXIT_LISTED = 0, EXIT_NOT_LISTED = 1, EXIT_ERROR = 2 };

static const char usage_text[] =
    "Usage: " PROG " [OPTION]... ZONE ADDRESS|DOMAIN...\n"
    "       " PROG " [OPTION]... ZONE < INPUTS\n"
    "\n"
    "Check addresses (IPv4, IPv6) or domains against a DNSBL zone served by\n"
    "dnsbld: directly in the database written by dnsbl-load (no DNS, the same\n"
    "answers dnsbld gives), or over DNS with --server. Each input gives one\n"
    "line: INPUT listed CODES \"TXT\"..., INPUT not-listed, or INPUT error WHY.\n"
    "Without inputs on the command line they are read from standard input,\n"
    "one per line (blank lines and lines starting with # are skipped).\n"
    "\n"
    "Options:\n"
    "  -d, --db DIR         database directory (default: the db line of the\n"
    "                       config file, else " DEFAULT_DB ")\n"
    "  -c, --config FILE    configuration file (dnsbl.conf(5)); default\n"
    "                       " DEFAULT_CONFIG " when it exists and no --db is given\n"
    "  -s, --server ADDR[:PORT]  ask this DNS server instead of the database\n"
    "                       (127.0.0.1:5300, [::1]:53; port 53 by default)\n"
    "      --timeout MS     --server: wait per attempt, 1..60000 (default 2000)\n"
    "      --tries N        --server: attempts over UDP, 1..10 (default 3);\n"
    "                       a truncated answer is asked again over TCP\n"
    "  -j, --json           one JSON object per line instead of text\n"
    "      --no-txt         A codes only: no TXT (one query instead of two)\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version\n"
    "\n"
    "Exit status: 0 if some input is listed, 1 if none is, 2 if any input\n"
    "could not be checked (bad input, unknown zone, server failure, no\n"
    "database) - its line says why - or on a usage error.\n";

static const struct option longopts[] = {
    {"db", required_argument, NULL, 'd'},     {"config", required_argument, NULL, 'c'},
    {"server", required_argument, NULL, 's'}, {"timeout", required_argument, NULL, 'o'},
    {"tries", required_argument, NULL, 'r'},  {"json", no_argument, NULL, 'j'},
    {"no-txt", no_argument, NULL, 'n'},       {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
};
#define SHORTOPTS "d:c:s:jhV"

struct opts {
	const char *db, *server, *zone;
	unsigned timeout_ms, tries;
	bool json, no_txt;
	char **inputs;
	int ninputs;
};

/* The backend: the library, or a DNS server. */
struct backend {
	struct dnsbl *h;
	struct dnsbl_reader *r;
	struct chk_dns *dns;
};

static int uint_arg(const struct dbl_conf *c, const char *key, const char *arg, unsigned lo,
                    unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > hi || arg[0] == '-') {
		char why[64];
		snprintf(why, sizeof why, "expected a number %u..%u", lo, hi);
		dbl_conf_bad_value(c, PROG, optind - 1, key, arg, why);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* Parse argv (config file lines first). Returns -1 to exit 0 (--help),
 * 0 to go on, or 2 for a usage error (printed). */
static int parse(struct opts *o, struct dbl_conf *c, int argc, char **argv)
{
	int opt;

	memset(o, 0, sizeof *o);
	o->timeout_ms = 2000;
	o->tries = 3;
	if (dbl_conf_merge(c, PROG, DBL_PROG_CHECK, longopts, SHORTOPTS, argc, argv))
		return EXIT_ERROR;
	optind = 0;
	while ((opt = getopt_long(c->argc, c->argv, SHORTOPTS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o->db = optarg;
			break;
		case 'c':
			break; /* merged by dbl_conf_merge() */
		case 's':
			o->server = optarg;
			break;
		case 'o':
			if (uint_arg(c, "timeout", optarg, 1, 60000, &o->timeout_ms))
				return EXIT_ERROR;
			break;
		case 'r':
			if (uint_arg(c, "tries", optarg, 1, 10, &o->tries))
				return EXIT_ERROR;
			break;
		case 'j':
			o->json = true;
			break;
		case 'n':
			o->no_txt = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			printf(PROG " " DNSBL_VERSION "\n");
			return -1;
		default:
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			return EXIT_ERROR;
		}
	}
	if (optind >= c->argc) {
		fprintf(stderr, PROG ": missing ZONE (see --help)\n");
		return EXIT_ERROR;
	}
	o->zone = c->argv[optind++];
	o->inputs = c->argv + optind;
	o->ninputs = c->argc - optind;
	if (!o->db)
		o->db = DEFAULT_DB;
	return 0;
}

/* Result lines: text and JSON lines.
 *
 * Text:  INPUT listed 127.0.0.2,127.0.0.4 "reason one" "reason two"
 *        INPUT not-listed
 *        INPUT error MESSAGE
 * TXT strings are quoted as dig prints them (\" \\ and \DDD for bytes
 * outside printable ASCII). JSON, one object per line:
 *   {"input":"1.2.3.4","zone":"zen.local","listed":true,
 *    "codes":["127.0.0.2"],"txt":["..."]}   (+ "truncated":true when more
 *    codes or TXT strings than a struct dnsbl_result holds were answered)
 *   {"input":"x","zone":"zen.local","error":"MESSAGE"}
 * Strings are JSON-escaped (bytes >= 0x80 as \u00XX, i.e. Latin-1).
 */
/* A quoted string: JSON (\u00XX) or dig's presentation form (\DDD) for
 * bytes outside printable ASCII; " and \ backslash-escaped in both. */
static void quoted(FILE *f, const char *s, size_t n, bool json)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, json ? "\\u%04x" : "\\%03u", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void codes(FILE *f, const struct dnsbl_result *res, bool json)
{
	for (unsigned i = 0; i < res->ncodes; i++) {
		const uint8_t *a = res->codes[i];
		fprintf(f, json ? "%s\"%u.%u.%u.%u\"" : "%s%u.%u.%u.%u", i ? "," : "", a[0], a[1],
		        a[2], a[3]);
	}
}

static void print_result(FILE *f, bool json, const char *zone, const char *input, int rc,
                         const struct dnsbl_result *res, const char *err)
{
	if (!json) {
		/* the input as read: a line holds no newline, and an odd byte
		 * in it is the caller's own */
		fputs(input, f);
		if (rc == DNSBL_LISTED) {
			fputs(" listed ", f);
			codes(f, res, false);
			for (unsigned i = 0; i < res->ntxt; i++) {
				fputc(' ', f);
				quoted(f, res->txt[i], res->txtlen[i], false);
			}
		} else if (rc == DNSBL_NOT_LISTED) {
			fputs(" not-listed", f);
		} else {
			fprintf(f, " error %s", err);
		}
		fputc('\n', f);
		return;
	}
	fputs("{\"input\":", f);
	quoted(f, input, strlen(input), true);
	fputs(",\"zone\":", f);
	quoted(f, zone, strlen(zone), true);
	if (rc == DNSBL_LISTED || rc == DNSBL_NOT_LISTED) {
		fprintf(f, ",\"listed\":%s,\"codes\":[", rc == DNSBL_LISTED ? "true" : "false");
		codes(f, res, true);
		fputs("],\"txt\":[", f);
		for (unsigned i = 0; i < res->ntxt; i++) {
			if (i)
				fputc(',', f);
			quoted(f, res->txt[i], res->txtlen[i], true);
		}
		fputc(']', f);
		if (res->truncated)
			fputs(",\"truncated\":true", f);
	} else {
		fputs(",\"error\":", f);
		quoted(f, err, strlen(err), true);
	}
	fputs("}\n", f);
}

/* The query name dnsbld gets for input in zone (--server mode). */
static int qname_of(const char *zone, const char *input, char *out, size_t cap)
{
	uint8_t a[16];
	int n;

	if (inet_pton(AF_INET, input, a) == 1)
		n = snprintf(out, cap, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0], zone);
	else if (inet_pton(AF_INET6, input, a) == 1) {
		static const char hex[] = "0123456789abcdef";
		size_t o = 0;
		for (int i = 15; i >= 0; i--) {
			out[o++] = hex[a[i] & 15];
			out[o++] = '.';
			out[o++] = hex[a[i] >> 4];
			out[o++] = '.';
		}
		n = (int)o + snprintf(out + o, cap - o, "%s", zone);
	} else {
		size_t l = strlen(input);
		if (l && input[l - 1] == '.')
			l--;
		n = snprintf(out, cap, "%.*s.%s", (int)l, input, zone);
	}
	return n > 0 && (size_t)n < cap ? 0 : DNSBL_EBADNAME;
}

static int check_one(struct backend *b, const struct opts *o, const char *input,
                     struct dnsbl_result *res, const char **err)
{
	static char msg[64];
	char qname[NAME_TEXT_MAX];
	unsigned fl = o->no_txt ? DNSBL_NO_TXT : 0;
	int rc;

	if (!b->dns) {
		rc = dnsbl_lookup_ip(b->r, o->zone, input, fl, res);
		if (rc == DNSBL_EBADNAME && !strchr(input, ':'))
			rc = dnsbl_lookup_domain(b->r, o->zone, input, fl, res);
		*err = dnsbl_strerror(rc);
		if (rc == DNSBL_NOT_LISTED)
			res->ntxt = 0; /* as over DNS: TXT is asked only when listed */
		return rc;
	}
	rc = qname_of(o->zone, input, qname, sizeof qname);
	if (rc == 0)
		rc = chk_dns_lookup(b->dns, qname, o->no_txt, res);
	if (rc == CHK_ERCODE) {
		static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
		                                    "NXDOMAIN", "NOTIMP",  "REFUSED"};
		snprintf(msg, sizeof msg, "server answered %s",
		         b->dns->rcode < 6 ? names[b->dns->rcode] : "an error");
		*err = msg;
	} else if (rc == -ETIMEDOUT) {
		*err = "no answer from the server (timed out)";
	} else {
		*err = dnsbl_strerror(rc);
	}
	return rc;
}

/* One input; updates the exit status the way grep does. */
static void run_one(struct backend *b, const struct opts *o, const char *input, int *status)
{
	struct dnsbl_result res;
	const char *err = "";
	int rc = check_one(b, o, input, &res, &err);

	print_result(stdout, o->json, o->zone, input, rc, &res, err);
	if (rc < 0)
		*status = EXIT_ERROR;
	else if (rc == DNSBL_LISTED && *status != EXIT_ERROR)
		*status = EXIT_LISTED;
}

/* Inputs from stdin, one per line; surrounding blanks are ignored. */
static void run_stdin(struct backend *b, const struct opts *o, int *status)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char *s = line, *e = line + n;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = 0;
		if (*s == 0 || *s == '#')
			continue;
		run_one(b, o, s, status);
	}
	free(line);
}

static int open_backend(struct backend *b, const struct opts *o)
{
	int rc;

	memset(b, 0, sizeof *b);
	if (o->server) {
		b->dns = malloc(sizeof *b->dns);
		if (!b->dns)
			return -ENOMEM;
		rc = chk_dns_open(b->dns, o->server, o->timeout_ms, o->tries);
		if (rc)
			fprintf(stderr, PROG ": --server %s: %s\n", o->server,
			        rc == -EINVAL ? "expected a numeric ADDR[:PORT]" : strerror(-rc));
		return rc;
	}
	rc = dnsbl_open(&b->h, o->db, 1000, 0);
	if (rc == 0)
		rc = dnsbl_reader_new(b->h, &b->r);
	if (rc)
		fprintf(stderr, PROG ": database %s: %s\n", o->db, dnsbl_strerror(rc));
	return rc;
}

static void close_backend(struct backend *b)
{
	if (b->dns) {
		chk_dns_close(b->dns);
		free(b->dns);
	}
	dnsbl_reader_free(b->r);
	dnsbl_close(b->h);
}

/* No --db and no --config on the command line: read DEFAULT_CONFIG if it
 * exists, so a plain `dnsbl-check ZONE ADDR` finds the served database. */
static char **with_default_config(int *argc, char **argv)
{
	char **v;

	for (int i = 1; i < *argc; i++)
		if (!strncmp(argv[i], "--db", 4) || !strncmp(argv[i], "--config", 8) ||
		    !strncmp(argv[i], "-d", 2) || !strncmp(argv[i], "-c", 2) ||
		    !strncmp(argv[i], "--server", 8) || !strncmp(argv[i], "-s", 2))
			return argv;
	if (access(DEFAULT_CONFIG, R_OK) != 0 || !(v = calloc((size_t)*argc + 3, sizeof *v)))
		return argv;
	v[0] = argv[0];
	v[1] = "--config";
	v[2] = DEFAULT_CONFIG;
	memcpy(v + 3, argv + 1, (size_t)*argc * sizeof *v); /* with the NULL */
	*argc += 2;
	return v;
}

int main(int argc, char **argv)
{
	struct dbl_conf conf;
	struct backend b;
	struct opts o;
	char **args = with_default_config(&argc, argv);
	int rc, status = EXIT_NOT_LISTED;

	rc = parse(&o, &conf, argc, args);
	if (rc == 0 && open_backend(&b, &o) != 0) {
		close_backend(&b);
		rc = EXIT_ERROR;
	} else if (rc == 0) {
		if (o.ninputs == 0)
			run_stdin(&b, &o, &status);
		for (int i = 0; i < o.ninputs; i++)
			run_one(&b, &o, o.inputs[i], &status);
		close_backend(&b);
		rc = status;
	} else if (rc < 0) {
		rc = 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": writing the results: %s\n", strerror(errno));
		rc = EXIT_ERROR;
	}
	dbl_conf_free(&conf);
	if (args != argv)
		free(args);
	return rc;
}
