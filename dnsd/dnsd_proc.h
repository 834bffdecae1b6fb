/* dnsd_proc.h - process identity: the pidfile and the privilege drop.
 *
 * Order in main(): dnsd_proc_user() validates --user against the real
 * identity before anything is opened; dnsd_pidfile_open() runs while still
 * root (the pidfile usually lives in root-owned /run); the server binds its
 * sockets; dnsd_proc_drop() then gives up root for good, before any worker
 * thread starts and before the database is opened (so a database the
 * unprivileged user cannot read shows up at once).
 */
#ifndef DNSD_PROC_H
#define DNSD_PROC_H

#include <stdbool.h>
#include <sys/types.h>

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

#endif
