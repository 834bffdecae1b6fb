/* dnsd_proc.c - pidfile, privilege drop, sd_notify (see dnsd_proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dnsd_proc.h"

int dnsd_proc_user(const char *user, struct dnsd_user *u)
{
	uid_t euid = geteuid();
	struct passwd *pw;

	memset(u, 0, sizeof *u);
	if (!user) {
		if (euid == 0) {
			dbl_log(DBL_LOG_ERR,
			        "refusing to run as root: give --user NAME (config: user NAME) to "
			        "drop privileges after binding, or --user root to keep root "
			        "(containers, tests)");
			return -1;
		}
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		dbl_log(DBL_LOG_ERR, "--user %s: %s", user,
		        errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (strlen(user) >= sizeof u->name) {
		dbl_log(DBL_LOG_ERR, "--user %s: name too long", user);
		return -1;
	}
	snprintf(u->name, sizeof u->name, "%s", user);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (euid != 0) {
		if (pw->pw_uid != euid) {
			dbl_log(DBL_LOG_ERR,
			        "--user %s: not started as root (uid %u), cannot switch to uid %u",
			        user, (unsigned)euid, (unsigned)pw->pw_uid);
			return -1;
		}
		return 0;
	}
	if (pw->pw_uid == 0) {
		dbl_log(DBL_LOG_WARNING,
		        "--user %s: keeping root privileges (meant for containers and tests)",
		        user);
		return 0;
	}
	u->drop = true;
	return 0;
}

int dnsd_proc_drop(const struct dnsd_user *u)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (!u->drop)
		return 0;
	if (initgroups(u->name, u->gid) != 0 || setresgid(u->gid, u->gid, u->gid) != 0 ||
	    setresuid(u->uid, u->uid, u->uid) != 0) {
		dbl_log(DBL_LOG_ERR, "cannot switch to user %s: %s", u->name, strerror(errno));
		return -1;
	}
	/* Verify: every id changed, and root cannot be taken back (a kernel
	 * or a capability setup that let it would defeat the drop). */
	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 || r != u->uid ||
	    e != u->uid || s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid ||
	    setresuid(0, 0, 0) == 0 || (u->gid != 0 && setegid(0) == 0)) {
		dbl_log(DBL_LOG_ERR, "privilege drop to user %s did not hold: refusing to run",
		        u->name);
		return -1;
	}
	dbl_log(DBL_LOG_NOTICE, "running as user %s (uid %u, gid %u)", u->name, (unsigned)u->uid,
	        (unsigned)u->gid);
	return 0;
}

int dnsd_pidfile_open(const char *path)
{
	char buf[32], old[32];
	ssize_t n;
	int fd, len;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		dbl_log(DBL_LOG_ERR, "pidfile %s: %s", path,
		        errno == ELOOP ? "is a symbolic link, refused" : strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		n = pread(fd, old, sizeof old - 1, 0);
		old[n > 0 ? n : 0] = 0;
		old[strcspn(old, "\n")] = 0;
		if (err == EWOULDBLOCK)
			dbl_log(DBL_LOG_ERR, "pidfile %s is locked by a running dnsbld (pid %s)",
			        path, old[0] ? old : "?");
		else
			dbl_log(DBL_LOG_ERR, "pidfile %s: cannot lock: %s", path, strerror(err));
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		dbl_log(DBL_LOG_ERR, "pidfile %s: cannot write: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void dnsd_pidfile_remove(const char *path, int fd)
{
	if (fd < 0)
		return;
	if (unlink(path) != 0 && ftruncate(fd, 0) != 0)
		dbl_log(DBL_LOG_WARNING, "pidfile %s: cannot remove: %s", path, strerror(errno));
	close(fd);
}

/* ---- systemd notification ---- */

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
