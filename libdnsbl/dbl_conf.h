/* dbl_conf.h - the shared configuration file (dnsbl.conf(5)).
 *
 * One file serves every program. Each line is "key value...", where key is
 * the name of a long command-line option: "listen 127.0.0.1:53" means
 * "--listen 127.0.0.1:53". dbl_conf_merge() turns the lines that belong to
 * the calling program into "--key=value" arguments placed before the real
 * command line, so every option a program's getopt table knows works in the
 * file without extra code, and the program's own value checks apply.
 *
 * Keys of the other programs (the registry in dbl_conf.c) are
 * accepted and skipped; a key no program knows is an error. The registry
 * also marks repeatable keys and keys whose value is a path (resolved
 * against the config file's directory). tests/integration/test_config.py checks
 * that every long option in a program's --help is in the registry.
 *
 * Precedence: an option given on the command line replaces every line of
 * that key in the file (for repeatable keys too: --listen on the command
 * line drops the file's listen lines). Positional arguments count as the
 * key "zone" (dnsbl-load's zone specs).
 */
#ifndef DBL_CONF_H
#define DBL_CONF_H

#include <getopt.h>
#include <stdbool.h>

/* Programs, as bits of dbl_conf_key.progs. */
enum { DBL_PROG_DNSBLD = 1, DBL_PROG_LOAD = 2, DBL_PROG_BENCH = 4, DBL_PROG_CHECK = 8 };

/* Key flags. */
enum {
	DBL_KEY_REPEAT = 1,   /* may appear on several lines */
	DBL_KEY_PATH = 2,     /* relative value resolved against the file's directory */
	DBL_KEY_ZONESPEC = 4, /* zone:type:file[,file...]: files resolved as paths */
	DBL_KEY_CLI_ONLY = 8  /* command line only (--config, --help, ...) */
};

struct dbl_conf_key {
	const char *name;
	unsigned progs; /* DBL_PROG_* bits */
	unsigned flags; /* DBL_KEY_* bits */
};

/* The registry: every long option of every program, NULL-terminated. */
extern const struct dbl_conf_key dbl_conf_keys[];

/* Limits: a config file line, include nesting, files read in all. */
#define DBL_CONF_LINE_MAX    4096
#define DBL_CONF_INCLUDE_MAX 8
#define DBL_CONF_FILES_MAX   64

struct dbl_conf {
	int argc;
	char **argv;        /* merged: argv[0], file options, command line; owned */
	char **where;       /* [argc]: "FILE:LINE" for file options, else NULL; owned */
	const char *file;   /* the --config FILE (borrowed from argv), or NULL */
	unsigned nfile;     /* arguments that came from the file */
	int zones_from_cli; /* positional arguments on the command line */
};

/* Build c->argv from argv and, if argv holds --config FILE (or -c FILE
 * when shortopts has 'c:'), from FILE's lines for program prog, whose
 * getopt table is longopts (its entry "config" must exist). Only the
 * keys of prog are turned into arguments; a key another program uses is
 * skipped. Errors (I/O, unknown key, missing value, a single-valued key
 * twice, a flag with a value other than yes/no) are printed to stderr as
 * "PROG: FILE:LINE: what was expected". Returns 0, or -1 after printing.
 * c is caller-owned; free it with dbl_conf_free(). argv strings are
 * borrowed for the life of c. */
int dbl_conf_merge(struct dbl_conf *c, const char *prog_name, unsigned prog,
                   const struct option *longopts, const char *shortopts, int argc, char **argv);

void dbl_conf_free(struct dbl_conf *c);

/* "FILE:LINE" of c->argv[argi] if it came from the config file, else NULL.
 * After getopt_long returned an option with its argument, argi is
 * optind - 1 (file options are always one "--key=value" word). */
const char *dbl_conf_where(const struct dbl_conf *c, int argi);

/* Print "PROG: [FILE:LINE: ]invalid value 'ARG' for KEY: WHY" for the
 * option at c->argv[argi] (argi as for dbl_conf_where) to stderr. */
void dbl_conf_bad_value(const struct dbl_conf *c, const char *prog_name, int argi, const char *key,
                        const char *arg, const char *why);

/* The registry entry for name, or NULL. */
const struct dbl_conf_key *dbl_conf_key_find(const char *name);

#endif
