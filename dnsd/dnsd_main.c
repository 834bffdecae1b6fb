/* dnsd_main.c - dnsbld: DNSBL server answering from LMDB generations.
 *
 * main() only wires the pieces: command line and config file (dnsd_cli),
 * pidfile and privileges (dnsd_proc), server (dnsd_server) with its worker
 * threads, UDP/TCP front ends and data watcher, and the main libuv loop.
 * See dnsd_cli.c and man/dnsbld.8 for the user documentation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_log.h"
#include "dnsd_cli.h"
#include "dnsd_proc.h"
#include "dnsd_server.h"

static void close_handle(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* --check as root with --user: open the database as that user, in a child
 * that drops privileges as the server would, so a database the service
 * user cannot read fails the check instead of the first start. */
static int check_as_user(const struct dnsd_opts *o, const struct dnsd_user *u)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		dbl_log(DBL_LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct dbl_db *db = NULL;
		int rc;

		dbl_log_init("dnsbld", DBL_LOG_WARNING); /* no "running as" line */
		if (dnsd_proc_drop(u))
			_exit(1);
		rc = dbl_db_open(&db, o->db_dir);
		if (rc) {
			dbl_log(DBL_LOG_ERR, "database %s as user %s: %s", o->db_dir, u->name,
			        dbl_strerror(rc));
			_exit(1);
		}
		dbl_db_close(db);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/* --check: options were valid; also the user and the database (opened as
 * the --user it will run as). */
static int check(const struct dnsd_opts *o)
{
	struct dnsd_user u;
	struct dbl_db *db = NULL;
	char a[80];
	int rc;

	if (dnsd_proc_user(o->user, &u))
		return 1;
	if (u.drop && check_as_user(o, &u))
		return 1;
	rc = dbl_db_open(&db, o->db_dir);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "database %s: %s", o->db_dir, dbl_strerror(rc));
		return 1;
	}
	printf("dnsbld: configuration OK: database %s generation %llu (%u zones); listen",
	       o->db_dir, (unsigned long long)db->generation, db->cat.nzones);
	for (unsigned i = 0; i < o->nlisten; i++)
		printf(" %s", dnsd_addr_str((const struct sockaddr *)&o->listen[i], a, sizeof a));
	printf("; threads %u; udp-io %s; user %s\n", o->threads,
	       o->udp_libuv ? "libuv" : "blocking", o->user ? o->user : "(current, not root)");
	dbl_db_close(db);
	return 0;
}

static int run(struct dnsd_opts *opts)
{
	static struct dnsd_server srv; /* zeroed; lives until exit */
	struct dnsd_user user;
	uv_loop_t loop;
	int rc, started, pidfd = -1;

	if (dnsd_proc_user(opts->user, &user))
		return 1;
	if (opts->pidfile && (pidfd = dnsd_pidfile_open(opts->pidfile)) < 0)
		return 1;
	rc = uv_loop_init(&loop);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot create the event loop: %s", uv_strerror(rc));
		dnsd_pidfile_remove(opts->pidfile, pidfd);
		return 1;
	}
	srv.user = &user;
	started = dnsd_server_start(&srv, &loop, opts) == 0;
	if (!started) {
		/* Logged. Stop what was started (threads included) and close
		 * whatever else was opened (uv_walk visits only initialised
		 * handles), so the exit is clean under LeakSanitizer. */
		dnsd_server_stop(&srv, NULL);
		uv_walk(&loop, close_handle, NULL);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	/* uv_run returns once dnsd_server_stop() closed every handle of the
	 * main loop and their close callbacks ran (TCP connection memory is
	 * freed there); the worker threads end on their own loops. */
	dnsd_server_finish(&srv, started);
	rc = uv_loop_close(&loop);
	if (rc)
		dbl_log(DBL_LOG_WARNING, "event loop not empty at exit: %s", uv_strerror(rc));
	dnsd_pidfile_remove(opts->pidfile, pidfd);
	return started ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct dnsd_opts opts;
	bool check_mode = false;
	int rc;

	for (int i = 1; i < argc; i++)
		check_mode |= strcmp(argv[i], "--check") == 0;
	rc = dnsd_cli_parse(&opts, argc, argv);
	if (rc == DNSD_CLI_RUN) {
		dbl_log_init("dnsbld", opts.log_level);
		if (opts.log_syslog && !opts.check)
			dbl_log_use_syslog();
		rc = opts.check ? check(&opts) : run(&opts);
		if (opts.check)
			fprintf(rc ? stderr : stdout, "dnsbld: check %s\n",
			        rc ? "FAILED" : "passed");
	} else if (rc == DNSD_CLI_EXIT) {
		rc = 0;
	} else {
		if (check_mode)
			fprintf(stderr, "dnsbld: check FAILED\n");
		rc = check_mode ? 1 : 2;
	}
	dnsd_cli_free(&opts);
	return rc;
}
