/* custody-actions.c — which of the window's actions can run now */
#include "custody-actions.h"

typedef gboolean (*EnabledFunc) (const CustodyActionContext *context);

static gboolean
idle (const CustodyActionContext *c)
{
  return !c->busy;
}

static gboolean
open_idle (const CustodyActionContext *c)
{
  return c->open && !c->busy;
}

static gboolean
joined_idle (const CustodyActionContext *c)
{
  return c->joined && !c->busy;
}

static gboolean
recorded_request (const CustodyActionContext *c)
{
  return joined_idle (c) && c->request != NULL && custody_request_get_request_id (c->request) != NULL;
}

static gboolean
approvable (const CustodyActionContext *c)
{
  return recorded_request (c) && custody_request_get_verdict (c->request) != CUSTODY_REQUEST_REFUSED;
}

/* Delegating needs the file and the policy's consent; a request that
 * still needs approvals can be delegated once, which records it. */
static gboolean
delegable (const CustodyActionContext *c)
{
  CustodyRequestVerdict verdict;

  if (!joined_idle (c) || c->request == NULL || custody_request_get_file (c->request) == NULL)
    return FALSE;
  verdict = custody_request_get_verdict (c->request);
  if (verdict == CUSTODY_REQUEST_READY)
    return TRUE;
  return verdict == CUSTODY_REQUEST_NEEDS_APPROVAL && custody_request_get_request_id (c->request) == NULL;
}

static gboolean
dismissable (const CustodyActionContext *c)
{
  return joined_idle (c) && c->request != NULL && custody_request_get_file (c->request) != NULL
         && custody_request_get_request_id (c->request) == NULL;
}

static gboolean
auditable (const CustodyActionContext *c)
{
  return joined_idle (c) && !c->audit_running;
}

static gboolean
audit_running (const CustodyActionContext *c)
{
  return c->audit_running;
}

static gboolean
busy (const CustodyActionContext *c)
{
  return c->busy;
}

static const struct {
  const char  *name;
  EnabledFunc  enabled;
} actions[] = {
  { "open", idle },
  { "create", idle },
  { "close", open_idle },
  { "refresh", joined_idle },
  { "import-request", joined_idle },
  { "approve", approvable },
  { "reject", recorded_request },
  { "delegate", delegable },
  { "dismiss-request", dismissable },
  { "export", joined_idle },
  { "export-custodian", joined_idle },
  { "revoke", joined_idle },
  { "publish-crl", joined_idle },
  { "officers", open_idle },
  { "annotate", joined_idle },
  { "find", open_idle },
  { "go-to-record", open_idle },
  { "lookup-device", joined_idle },
  { "audit", auditable },
  { "cancel-audit", audit_running },
  { "sync", joined_idle },
  { "bundle-create", joined_idle },
  { "bundle-import", joined_idle },
  { "cancel-job", busy },
};

const char *const *
custody_actions_list (void)
{
  static const char *names[G_N_ELEMENTS (actions) + 1];
  gsize i;

  if (names[0] == NULL)
    for (i = 0; i < G_N_ELEMENTS (actions); i++)
      names[i] = actions[i].name;
  return names;
}

gboolean
custody_actions_is_enabled (const CustodyActionContext *context,
                            const char                 *action)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (actions[i].name, action) == 0)
      return actions[i].enabled (context);
  return FALSE;
}

const char *
custody_actions_revocable_custodian (const CustodyActionContext *context)
{
  CustodyHealth health;

  if (context->node == NULL || context->self_id == NULL
      || g_strcmp0 (custody_node_get_parent_id (context->node), context->self_id) != 0)
    return NULL;
  health = custody_node_get_health (context->node);
  if (health == CUSTODY_HEALTH_REVOKED || health == CUSTODY_HEALTH_REQUESTED)
    return NULL;
  return custody_node_get_id (context->node);
}
