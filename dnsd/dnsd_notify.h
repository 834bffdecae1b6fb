/* dnsd_notify.h - systemd service notification (sd_notify(3)).
 *
 * With Type=notify, systemd waits for READY=1 (sent once the sockets are
 * bound, privileges dropped and the data opened), shows the STATUS= line
 * in `systemctl status`, restarts the service when WATCHDOG=1 stops
 * arriving for WatchdogSec (sent from a libuv timer on the main loop at
 * half that interval, so a stuck main loop is what gets caught), and
 * knows a stop or reload is in progress from STOPPING=1 / RELOADING=1.
 *
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op; so is every
 * call when built without libsystemd (meson: dependency not found).
 */
#ifndef DNSD_NOTIFY_H
#define DNSD_NOTIFY_H

#include <stdbool.h>
#include <uv.h>

struct dnsd_notify {
	uv_timer_t watchdog;
	bool timer_init;
};

/* READY=1 plus a STATUS= line; starts the watchdog timer on loop when
 * WATCHDOG_USEC is set for this process. n is caller-owned and must stay
 * put until dnsd_notify_stop()'s close callback ran. */
void dnsd_notify_ready(struct dnsd_notify *n, uv_loop_t *loop, const char *status);

/* STATUS=text (printf format). */
void dnsd_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* RELOADING=1 before a SIGHUP check, READY=1 after it. */
void dnsd_notify_reloading(bool start);

/* STOPPING=1 and stop the watchdog timer (closes its handle). */
void dnsd_notify_stop(struct dnsd_notify *n);

#endif
