/* dbl_log.c - logging sink. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "dbl_log.h"

static const char *log_prog = "dnsbl";
static int log_max = DBL_LOG_INFO;
static dbl_log_sink log_sink;
static void *log_arg;

void dbl_log_init(const char *prog, int max_level)
{
	log_prog = prog;
	log_max = max_level;
}

void dbl_log_set_sink(dbl_log_sink sink, void *arg)
{
	log_sink = sink;
	log_arg = arg;
}

static void syslog_sink(int level, const char *msg, void *arg)
{
	syslog(level, "%s", msg);
}

void dbl_log_use_syslog(void)
{
	openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	dbl_log_set_sink(syslog_sink, NULL);
}

int dbl_log_enabled(int level)
{
	return level <= log_max;
}

void dbl_log(int level, const char *fmt, ...)
{
	static const char *names[] = {"emerg",   "alert",  "crit", "error",
	                              "warning", "notice", "info", "debug"};
	char msg[2048];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (log_sink) {
		log_sink(level, msg, log_arg);
		return;
	}
	fprintf(stderr, "%s: %s: %s\n", log_prog, names[level & 7], msg);
}
