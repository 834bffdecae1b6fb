/* dbl_log.h - one logging sink for every program and layer.
 *
 * Default sink: stderr, "prog: level: message". Programs may redirect it
 * (syslog) with dbl_log_set_sink(). Messages at DBL_LOG_DEBUG are dropped
 * unless enabled, so debug calls on hot paths cost one compare.
 */
#ifndef DBL_LOG_H
#define DBL_LOG_H

enum {
	DBL_LOG_ERR = 3,
	DBL_LOG_WARNING = 4,
	DBL_LOG_NOTICE = 5,
	DBL_LOG_INFO = 6,
	DBL_LOG_DEBUG = 7
};

typedef void (*dbl_log_sink)(int level, const char *msg, void *arg);

/* prog is borrowed for the life of the process. */
void dbl_log_init(const char *prog, int max_level);
void dbl_log_set_sink(dbl_log_sink sink, void *arg);
int dbl_log_enabled(int level);
/* Send messages to syslog(3), facility daemon, tagged with prog and the
 * pid, instead of stderr. The levels above are syslog's. The log socket
 * is opened now (LOG_NDELAY), while the process may still be root. */
void dbl_log_use_syslog(void);
void dbl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
