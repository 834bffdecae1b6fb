/* dbl_acl.c - client ACL lookups (see dbl_acl.h and dbl_schema.h). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "dbl_acl.h"
#include "dbl_err.h"
#include "dbl_schema.h"

/* An action item: A 0.0.0.0 and the keyword as TXT (dbl_ds_acl.c). */
static enum dbl_acl_action item_action(const struct dbl_item *x)
{
	if (x->a[0] | x->a[1] | x->a[2] | x->a[3])
		return DBL_ACL_ALWAYS;
	if (x->txtlen == DBL_TXT_NONE || x->txtlen == 0)
		return DBL_ACL_IGNORE; /* not written by our loader: the safe choice */
	switch (x->txt[0]) {
	case 'r':
		return DBL_ACL_REFUSE;
	case 'e':
		return DBL_ACL_EMPTY;
	default:
		return DBL_ACL_IGNORE;
	}
}

int dbl_acl_lookup(struct dbl_rtxn *r, uint32_t scope, const struct dbl_query_env *env,
                   struct dbl_acl_result *res)
{
	struct dbl_vset_iter it;
	struct dbl_item x;
	const uint8_t *blob;
	enum dbl_acl_action act;
	uint32_t vs = DBL_VSID_NONE;
	size_t len;
	int rc;

	if (!scope || !r || !r->db)
		return 0;
	if (env->client_family == 4)
		rc = dbl_lookup_ip4(r, scope, dbl_get_u32(env->client_addr), &vs);
	else if (env->client_family == 6)
		rc = dbl_lookup_ip6(r, scope, env->client_addr, &vs);
	else
		return 0;
	if (rc || vs < DBL_VSID_FIRST)
		return 0; /* not found (or `pass`): no action */
	if (dbl_vset_get(r, vs, &blob, &len) || dbl_vset_iter_init(&it, blob, len) ||
	    dbl_vset_next(&it, &x) != 1 || x.kind != DBL_ITEM_LISTING)
		return DBL_ECORRUPT;
	act = item_action(&x);
	if (act > res->action)
		res->action = act;
	if (act == DBL_ACL_ALWAYS && !res->has_always) {
		res->has_always = true;
		res->always = x;
		/* inet_ntop writes into the caller's buffer: no allocation. */
		if (!inet_ntop(env->client_family == 4 ? AF_INET : AF_INET6, env->client_addr,
		               res->client, sizeof res->client))
			res->client[0] = '\0';
		res->client_len = (uint8_t)strlen(res->client);
	}
	return 0;
}
