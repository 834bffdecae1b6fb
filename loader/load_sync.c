/* load_sync.c - rsync fetch into the staging directory (see load_sync.h). */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "dbl_log.h"
#include "load_sync.h"

extern char **environ;

static int run_rsync(const char *src, const char *staging, unsigned timeout)
{
	char tmo[32], ctmo[32], dest[4096];
	char *argv[] = {"rsync", "--recursive",  "--times", "--delay-updates", tmo,
	                ctmo,    "--exclude=.*", "--quiet", (char *)src,       dest,
	                NULL};
	pid_t pid;
	int st, rc;

	snprintf(tmo, sizeof tmo, "--timeout=%u", timeout);
	snprintf(ctmo, sizeof ctmo, "--contimeout=%u", timeout < 60 ? timeout : 60);
	snprintf(dest, sizeof dest, "%s/", staging);
	rc = posix_spawnp(&pid, "rsync", NULL, NULL, argv, environ);
	if (rc)
		return -rc;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int load_sync(char *const *sources, size_t nsources, const char *staging, unsigned timeout)
{
	int failed = 0;

	for (size_t i = 0; i < nsources; i++) {
		struct timespec t0, t1;
		int rc;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = run_rsync(sources[i], staging, timeout);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc < 0) {
			dbl_log(DBL_LOG_ERR, "rsync: cannot run: %s (install the rsync package)",
			        strerror(-rc));
			return rc;
		}
		if (rc) {
			/* 5: authorisation refused; 10/35: connection; 23/24:
			 * partial transfer; 30: timeout (rsync(1) EXIT VALUES). */
			dbl_log(DBL_LOG_ERR,
			        "rsync %s -> %s failed with exit status %d; files from earlier "
			        "fetches are used",
			        sources[i], staging, rc);
			failed++;
			continue;
		}
		dbl_log(DBL_LOG_INFO, "rsync %s -> %s: ok (%.1f s)", sources[i], staging,
		        (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	return failed;
}
