/* bench_report.c - text, JSON and progress output (see bench_report.h). */
#include <inttypes.h>
#include <string.h>

#include "bench_report.h"

static const struct {
	const char *json, *text;
	double p;
} pcts[] = {
    {"p50", "p50", 50},
    {"p90", "p90", 90},
    {"p99", "p99", 99},
    {"p99_9", "p99.9", 99.9},
};

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double per_s(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0.0;
}

void bench_report_text(FILE *f, const struct bench_opts *o, const struct bench_report_info *ri,
                       const struct bench_totals *t)
{
	const struct bench_hist *h = &t->hist;
	char addr[BENCH_ADDR_STRLEN];

	if (o->mode == BENCH_CLOSED)
		fprintf(f, "dnsbl-bench: closed loop, %u outstanding", o->outstanding);
	else
		fprintf(f, "dnsbl-bench: open loop at %.0f qps", o->rate);
	fprintf(f, ", %u thread%s, batch %u, timeout %u ms\n", o->threads,
	        o->threads == 1 ? "" : "s", o->batch, o->timeout_ms);
	fprintf(f, "  servers      ");
	for (size_t i = 0; i < o->n_servers; i++) {
		bench_addr_format(&o->servers[i], addr, sizeof addr);
		fprintf(f, "%s%s", i ? " " : "", addr);
	}
	fprintf(f, "\n  queries      %zu distinct (%s)", ri->n_queries, ri->source);
	if (ri->gen) {
		const struct bench_gen_stats *g = ri->gen;
		uint64_t n = g->listed + g->unlisted;

		fprintf(f, ": %.1f%% listed, %.1f%% IPv4, %.1f%% IPv6, %.1f%% domain, %.1f%% TXT",
		        pct(g->listed, n), pct(g->ip4, n), pct(g->ip6, n), pct(g->domain, n),
		        pct(g->txt, n));
	}
	fprintf(f, "\n  time         %.3f s sending + %.3f s waiting for the last answers\n",
	        t->send_s, t->drain_s);
	fprintf(f, "  sent         %" PRIu64 " (%.1f/s)\n", t->sent, per_s(t->sent, t->send_s));
	fprintf(f, "  answered     %" PRIu64 " (%.2f%%)\n", t->answered, pct(t->answered, t->sent));
	fprintf(f, "  qps          %.1f (answers during the sending phase per second)\n",
	        per_s(t->answered_in_window, t->send_s));
	fprintf(f, "  lost         %" PRIu64 " (%.2f%%), late %" PRIu64 "\n", t->lost,
	        pct(t->lost, t->sent), t->late);
	if (t->mismatched || t->unexpected || t->malformed || t->truncated || t->skipped ||
	    t->send_errors || t->recv_errors)
		fprintf(f,
		        "  anomalies    mismatched %" PRIu64 ", unexpected %" PRIu64
		        ", malformed %" PRIu64 ", truncated %" PRIu64 ", skipped %" PRIu64
		        ", send errors %" PRIu64 ", receive errors %" PRIu64 "\n",
		        t->mismatched, t->unexpected, t->malformed, t->truncated, t->skipped,
		        t->send_errors, t->recv_errors);
	fprintf(f, "  rcodes      ");
	for (unsigned r = 0; r < 16; r++)
		if (t->rcode[r])
			fprintf(f, " %s %" PRIu64 " (%.2f%%)", bench_rcode_name(r), t->rcode[r],
			        pct(t->rcode[r], t->answered));
	if (!t->answered)
		fprintf(f, " -");
	fprintf(f, "\n  latency us   ");
	if (h->count) {
		fprintf(f, "min %.1f", us(h->min_ns));
		for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
			fprintf(f, "  %s %.1f", pcts[i].text,
			        us(bench_hist_percentile(h, pcts[i].p)));
		fprintf(f, "  max %.1f  mean %.1f\n", us(h->max_ns), bench_hist_mean(h) / 1000.0);
	} else {
		fprintf(f, "-\n");
	}
}

/* Zone and server strings come from the command line: escape them. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void bench_report_json(FILE *f, const struct bench_opts *o, const struct bench_report_info *ri,
                       const struct bench_totals *t)
{
	const struct bench_hist *h = &t->hist;
	char addr[BENCH_ADDR_STRLEN];
	bool first = true;

	fprintf(f, "{\"tool\":\"dnsbl-bench\",\"version\":\"%s\",\"mode\":\"%s\",\"servers\":[",
	        DNSBL_VERSION, o->mode == BENCH_CLOSED ? "closed" : "open");
	for (size_t i = 0; i < o->n_servers; i++) {
		bench_addr_format(&o->servers[i], addr, sizeof addr);
		if (i)
			fputc(',', f);
		json_str(f, addr);
	}
	fprintf(f, "],\"threads\":%u,", o->threads);
	if (o->mode == BENCH_CLOSED)
		fprintf(f, "\"outstanding\":%u,\"rate\":null,", o->outstanding);
	else
		fprintf(f, "\"outstanding\":null,\"rate\":%.3f,", o->rate);
	fprintf(f,
	        "\"batch\":%u,\"timeout_ms\":%u,\"duration_s\":%.6f,\"elapsed_s\":%.6f,"
	        "\"drain_s\":%.6f,",
	        o->batch, o->timeout_ms, o->duration_s, t->send_s, t->drain_s);
	fprintf(f, "\"source\":");
	json_str(f, ri->source);
	fprintf(f, ",\"queries\":%zu,", ri->n_queries);
	if (ri->gen)
		fprintf(f,
		        "\"query_mix\":{\"listed\":%" PRIu64 ",\"unlisted\":%" PRIu64
		        ",\"ip4\":%" PRIu64 ",\"ip6\":%" PRIu64 ",\"domain\":%" PRIu64
		        ",\"txt\":%" PRIu64 "},",
		        ri->gen->listed, ri->gen->unlisted, ri->gen->ip4, ri->gen->ip6,
		        ri->gen->domain, ri->gen->txt);
	fprintf(f,
	        "\"sent\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"answered_in_window\":%" PRIu64
	        ",\"lost\":%" PRIu64 ",\"late\":%" PRIu64 ",\"mismatched\":%" PRIu64
	        ",\"unexpected\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"truncated\":%" PRIu64
	        ",\"skipped\":%" PRIu64 ",\"send_errors\":%" PRIu64 ",\"recv_errors\":%" PRIu64 ",",
	        t->sent, t->answered, t->answered_in_window, t->lost, t->late, t->mismatched,
	        t->unexpected, t->malformed, t->truncated, t->skipped, t->send_errors,
	        t->recv_errors);
	fprintf(f, "\"qps\":%.3f,\"sent_qps\":%.3f,\"rcodes\":{",
	        per_s(t->answered_in_window, t->send_s), per_s(t->sent, t->send_s));
	for (unsigned r = 0; r < 16; r++) {
		if (!t->rcode[r])
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", bench_rcode_name(r), t->rcode[r]);
		first = false;
	}
	fprintf(f, "},\"latency_us\":");
	if (h->count) {
		fprintf(f, "{\"min\":%.3f,\"mean\":%.3f", us(h->min_ns),
		        bench_hist_mean(h) / 1000.0);
		for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
			fprintf(f, ",\"%s\":%.3f", pcts[i].json,
			        us(bench_hist_percentile(h, pcts[i].p)));
		fprintf(f, ",\"max\":%.3f}", us(h->max_ns));
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "}\n");
}

void bench_report_progress(FILE *f, double elapsed_s, const struct bench_progress *now,
                           const struct bench_progress *prev, double dt_s)
{
	fprintf(f,
	        "\r\033[K[%6.1fs] sent %" PRIu64 "  answered %" PRIu64 "  %.0f qps  lost %" PRIu64
	        "  late %" PRIu64,
	        elapsed_s, now->sent, now->answered,
	        dt_s > 0 ? (double)(now->answered - prev->answered) / dt_s : 0.0, now->lost,
	        now->late);
	fflush(f);
}

void bench_report_progress_clear(FILE *f)
{
	fputs("\r\033[K", f);
	fflush(f);
}
