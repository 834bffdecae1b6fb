/* dbl_err.h - error codes shared by every layer.
 *
 * Every function that can fail returns int: 0 on success, a negative errno
 * value (-ENOMEM, -EIO, ...) or one of the negative project codes below.
 * LMDB return codes are mapped at the boundary (dbl_err_from_mdb) so no
 * MDB_* value escapes libdnsbl. dbl_strerror() names any of them.
 */
#ifndef DBL_ERR_H
#define DBL_ERR_H

enum {
	DBL_EBASE = -10000,
	DBL_ENOTFOUND = DBL_EBASE, /* key not present (not an error for lookups) */
	DBL_ESCHEMA,               /* database has another schema version */
	DBL_ECORRUPT,              /* record does not decode */
	DBL_ESYNTAX,               /* bad zone spec, line or argument */
	DBL_ECKSUM,                /* CKSUM trailer does not verify */
	DBL_ECHANGED,              /* input file changed while being read */
	DBL_EFUTURE,               /* $TIMESTAMP created in the future */
	DBL_EDROP,                 /* query: drop the packet, send no reply */
	DBL_ESPACE,                /* database map full / disk full */
	DBL_ETOOBIG,               /* value or name exceeds a protocol limit */
	DBL_ELAST
};

/* Static string for any code returned by this project (never NULL). */
const char *dbl_strerror(int err);

/* Map an LMDB return code (MDB_SUCCESS, MDB_NOTFOUND, MDB_MAP_FULL, ...)
 * to a project code. Declared here, defined in dbl_db.c. */
int dbl_err_from_mdb(int rc);

#endif
