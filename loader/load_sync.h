/* load_sync.h - fetch feed files with the real rsync client before a load.
 *
 * Each source (rsync://host/module/[path], or anything rsync accepts) is
 * mirrored into the staging directory with
 *   rsync --recursive --times --delay-updates --timeout=T --contimeout=T
 *         --exclude=.* SOURCE STAGING/
 * rsync writes each file under a temporary name and, with --delay-updates,
 * renames all of a source's updated files into place together at the end:
 * a load never sees a half-written file or a mix of old and new files of one
 * transfer. --partial/--inplace are never used. Dot-files (rsync's and
 * other tools' temporary names) are not fetched.
 */
#ifndef LOAD_SYNC_H
#define LOAD_SYNC_H

#include <stddef.h>

/* Run rsync for every source into staging. Returns the number of sources
 * that failed (each logged with rsync's exit status), or -errno when rsync
 * cannot be started at all. timeout: seconds of I/O inactivity. */
int load_sync(char *const *sources, size_t nsources, const char *staging, unsigned timeout);

#endif
