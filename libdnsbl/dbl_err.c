/* dbl_err.c - dbl_strerror(). */
#include <string.h>
#include "dbl_err.h"

const char *dbl_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case DBL_ENOTFOUND:
		return "not found";
	case DBL_ESCHEMA:
		return "database schema version mismatch";
	case DBL_ECORRUPT:
		return "database record is corrupt";
	case DBL_ESYNTAX:
		return "syntax error";
	case DBL_ECKSUM:
		return "CKSUM trailer does not match file contents";
	case DBL_ECHANGED:
		return "file changed while being read (write to a temp file and rename(2))";
	case DBL_EFUTURE:
		return "$TIMESTAMP lies in the future";
	case DBL_EDROP:
		return "packet dropped";
	case DBL_ESPACE:
		return "database is full (map size or disk)";
	case DBL_ETOOBIG:
		return "value exceeds a protocol limit";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}
