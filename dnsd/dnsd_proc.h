/* dnsd_proc.h - the process and the system: pidfile, privilege drop and
 * systemd service notification (sd_notify(3)).
 *
 * Order in main(): dnsd_proc_user() validates --user against the real
 * identity before anything is opened; dnsd_pidfile_open() runs while still
 * root (the pidfile usually lives in root-owned /run); the server binds its
 * sockets; dnsd_proc_drop() then gives up root for good, before any worker
 * thread starts and before the database is opened (so a database the
 * unprivileged user cannot read shows up at once).
 *
 * Notification: with Type=notify, systemd waits for READY=1 (sent once the sockets are
 * bound, privileges dropped and the data opened), shows the STATUS= line
 * in `systemctl status`, restarts the service when WATCHDOG=1 stops
 * arriving for WatchdogSec (sent from a libuv timer on the main loop at
 * half that interval, so a stuck main loop is what gets caught), and
 * knows a stop or reload is in progress from STOPPING=1 / RELOADING=1.
 *
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op; so is every
 * call when built without libsystemd (meson: dependency not found).
 */
#ifndef DNSD_PROC_H
#define DNSD_PROC_H

#include <stdbool.h>
#include <sys/types.h>
#include <uv.h>

struct dnsd_user {
	bool drop; /* started as root with a non-root --user: switch */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Check --user (NULL: not given) against the process identity and fill
 * *u. Root needs --user (refused otherwise: root is never kept by
 * accident); "--user root" is accepted with a warning (containers, tests).
 * Without root, --user must name the current user (nothing to switch).
 * Returns 0 or -1 (logged). */
int dnsd_proc_user(const char *user, struct dnsd_user *u);

/* initgroups -> setresgid -> setresuid to u, then verify that real,
 * effective and saved ids all changed and that root cannot be regained.
 * No-op unless u->drop. Returns 0 or -1 (logged). */
int dnsd_proc_drop(const struct dnsd_user *u);

/* Create or take over path: opened with O_NOFOLLOW (a symlink planted in
 * a shared directory is refused), locked with flock(LOCK_EX|LOCK_NB) (a
 * live dnsbld holding it makes this fail with its pid in the message),
 * then truncated and the pid written. Returns the descriptor, kept open
 * (the lock lives as long as the process), or -1 (logged). */
int dnsd_pidfile_open(const char *path);

/* On a clean exit: unlink path (it is only ours while fd holds the lock);
 * when the directory no longer lets us (privileges dropped), empty the
 * file instead. Closes fd. */
void dnsd_pidfile_remove(const char *path, int fd);

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
