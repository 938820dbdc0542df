/* custody-delegate-form.h — the delegate dialog's choices and live preview
 *
 * Path length, validity and name constraints for the sub-CA, bounded by
 * what the policy and the issuing CA allow, and an optional device quota
 * (the delegation's max_devices; an invalid one refuses to sign); every change asks
 * chain_workspace_preview_delegation() again, so the dialog always shows
 * exactly what signing would issue and whether the policy allows it.
 */
#pragma once

#include <gio/gio.h>

#include "custody-request.h"
#include "custody-session.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_DELEGATE_FORM (custody_delegate_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyDelegateForm, custody_delegate_form, CUSTODY, DELEGATE_FORM, GObject)

/**
 * custody_delegate_form_new:
 * @session: the session, not busy.
 * @request: an inbox item with a request file.
 *
 * Starts from what the library would choose: the longest path length and
 * validity allowed, the default name constraints.
 *
 * Returns: (transfer full): the form.
 */
CustodyDelegateForm *custody_delegate_form_new (CustodySession *session,
                                                CustodyRequest *request);

CustodyRequest *custody_delegate_form_get_request (CustodyDelegateForm *self);

int custody_delegate_form_get_max_path_len (CustodyDelegateForm *self);
int custody_delegate_form_get_max_validity_days (CustodyDelegateForm *self);

/** Returns: whether the device quota typed ("max-devices-text") is one:
 * empty (none), or a whole number from 1 to %CHAIN_QUOTA_MAX. */
gboolean custody_delegate_form_get_max_devices_valid (CustodyDelegateForm *self);

/** Returns: whether the policy allows the delegation as chosen now. */
gboolean custody_delegate_form_get_allowed (CustodyDelegateForm *self);

/** Returns: (transfer none): "The policy allows this delegation", or why not. */
const char *custody_delegate_form_get_verdict (CustodyDelegateForm *self);

/**
 * custody_delegate_form_get_fields:
 *
 * Returns: (transfer none) (element-type CustodyField): what signing would
 *   issue now.
 */
GPtrArray *custody_delegate_form_get_fields (CustodyDelegateForm *self);

/**
 * custody_delegate_form_get_options:
 * @self: the form.
 * @out_options: (out): the choices; the name constraints belong to @self.
 *
 * Returns: %TRUE if the choices can be signed (the constraints parse and
 *   the policy allows them); @out_options is set only then.
 */
gboolean custody_delegate_form_get_options (CustodyDelegateForm  *self,
                                            ChainDelegateOptions *out_options);

/** Returns: (transfer full): a file name for the grant, "CUSTODIAN.grant". */
char *custody_delegate_form_suggest_grant_name (CustodyDelegateForm *self);

G_END_DECLS
