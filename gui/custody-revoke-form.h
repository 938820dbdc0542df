/* custody-revoke-form.h — the revoke dialog: what to revoke and why
 *
 * Sub-CA custodians and devices (ids or serials, one per line), a reason,
 * and the plan chain_workspace_plan_revocation() made for them (run as a
 * session job): exactly which certificates would be revoked, shown before
 * anything is signed.
 */
#pragma once

#include <gio/gio.h>

#include "chain-revoke.h"
#include "custody-format.h"
#include "custody-tree-model.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_REVOKE_FORM (custody_revoke_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyRevokeForm, custody_revoke_form, CUSTODY, REVOKE_FORM, GObject)

/**
 * custody_revoke_form_new:
 * @custodian: (nullable): a sub-CA custodian to start with.
 *
 * Returns: (transfer full): the form.
 */
CustodyRevokeForm *custody_revoke_form_new (const char *custodian);

/** Returns: (transfer none): the reasons offered, labels in order, %NULL-terminated. */
const char *const *custody_revoke_form_get_reason_labels (void);

/**
 * custody_revoke_form_get_targets:
 * @out_devices: (out) (transfer full): device ids and serials, %NULL if none.
 * @out_custodians: (out) (transfer full): custodian ids, %NULL if none.
 *
 * Returns: whether anything is named.
 */
gboolean custody_revoke_form_get_targets (CustodyRevokeForm *self,
                                          GStrv             *out_devices,
                                          GStrv             *out_custodians);

/** Fills @out_options with the reason. */
void custody_revoke_form_get_options (CustodyRevokeForm  *self,
                                      ChainRevokeOptions *out_options);

/**
 * custody_revoke_form_set_plan:
 * @plan: (transfer full) (nullable): the plan for the current targets.
 * @error: (nullable): why there is none.
 */
void custody_revoke_form_set_plan (CustodyRevokeForm *self,
                                   ChainRevocation   *plan,
                                   const GError      *error);

/** Returns: (transfer none) (element-type CustodyField): serial → what it is. */
GPtrArray *custody_revoke_form_get_items (CustodyRevokeForm *self);

/** Returns: (transfer none) (nullable): why nothing can be revoked now. */
const char *custody_revoke_form_get_problem (CustodyRevokeForm *self);

/** Returns: whether a plan for the current targets is there. */
gboolean custody_revoke_form_get_can_revoke (CustodyRevokeForm *self);

/** Returns: (transfer none) (nullable): the plan counted by kind ("1 sub-CA"), %NULL before one. */
const char *custody_revoke_form_get_count (CustodyRevokeForm *self);

/**
 * custody_revoke_form_set_tree:
 * @tree: (nullable): the custody tree, to say by name what goes with a
 *   sub-CA ("Dist X and its 8 devices").
 */
void custody_revoke_form_set_tree (CustodyRevokeForm *self,
                                   CustodyTreeModel  *tree);

/**
 * custody_revocation_dup_count:
 * @plan: a revocation.
 *
 * Returns: (transfer full): what it revokes, counted by kind: "1 sub-CA",
 *   "2 devices", "1 sub-CA and 2 devices".
 */
char *custody_revocation_dup_count (const ChainRevocation *plan);

G_END_DECLS
