/* dnsd_notify.c - sd_notify(3) messages and the watchdog timer. */
#include <stdarg.h>
#include <stdio.h>

#include "dbl_log.h"
#include "dnsd_notify.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

static void notify_send(const char *msg)
{
	/* unset_environment 0: the worker threads never read it, and a
	 * failed send (no systemd) is not worth a log line per call. */
	int rc = sd_notify(0, msg);
	if (rc < 0)
		dbl_log(DBL_LOG_WARNING, "sd_notify: %s", uv_strerror(rc));
}

static void on_watchdog(uv_timer_t *t)
{
	notify_send("WATCHDOG=1");
}

void dnsd_notify_ready(struct dnsd_notify *n, uv_loop_t *loop, const char *status)
{
	char msg[512];
	uint64_t usec = 0;

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
	notify_send(msg);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		/* Half the interval (sd_watchdog_enabled(3)); at least 1 ms. */
		uint64_t ms = usec / 2000 ? usec / 2000 : 1;
		uv_timer_init(loop, &n->watchdog);
		n->timer_init = true;
		uv_timer_start(&n->watchdog, on_watchdog, 0, ms);
		dbl_log(DBL_LOG_INFO, "systemd watchdog: WATCHDOG=1 every %llu ms",
		        (unsigned long long)ms);
	}
}

void dnsd_notify_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int len = snprintf(msg, sizeof msg, "STATUS=");

	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof msg - (size_t)len, fmt, ap);
	va_end(ap);
	notify_send(msg);
}

void dnsd_notify_reloading(bool start)
{
	notify_send(start ? "RELOADING=1" : "READY=1");
}

void dnsd_notify_stop(struct dnsd_notify *n)
{
	notify_send("STOPPING=1");
	if (n->timer_init && !uv_is_closing((uv_handle_t *)&n->watchdog))
		uv_close((uv_handle_t *)&n->watchdog, NULL);
}

#else /* !HAVE_SYSTEMD */

void dnsd_notify_ready(struct dnsd_notify *n, uv_loop_t *loop, const char *status)
{
}

void dnsd_notify_status(const char *fmt, ...)
{
}

void dnsd_notify_reloading(bool start)
{
}

void dnsd_notify_stop(struct dnsd_notify *n)
{
}

#endif
