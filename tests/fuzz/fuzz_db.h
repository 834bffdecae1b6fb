/* fuzz_db.h - a small real database for fuzzing and replay: rbldnsd-format
 * files written to a temp dir, loaded through the real parsers and builder.
 * Built once per process; the returned db lives until exit. */
#ifndef FUZZ_DB_H
#define FUZZ_DB_H

#include "dbl_db.h"

const struct dbl_db *fuzz_db(void);

#endif
