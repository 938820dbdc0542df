/* custody-export-form.h — the export dialog: a CA, a cloud, a verification code
 *
 * Which CA (this workspace's own or another of the ledger), which target
 * (Azure IoT Hub, Azure DPS, AWS IoT, plain PEM), the cloud's verification
 * code for the proof of possession, and the names the scripts use. The
 * preview (files and pre-flight warnings) comes from
 * chain_workspace_prepare_export() run as a session job; the form keeps it
 * and says whether the export can be written.
 */
#pragma once

#include <gio/gio.h>

#include "chain-export.h"
#include "custody-format.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_EXPORT_FORM (custody_export_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyExportForm, custody_export_form, CUSTODY, EXPORT_FORM, GObject)

/**
 * custody_export_form_new:
 * @self_id: the workspace's custodian id (only its CA can prove possession).
 *
 * Returns: (transfer full): a form for Azure IoT Hub and the own CA.
 */
CustodyExportForm *custody_export_form_new (const char *self_id);

/** Returns: (transfer none): the targets offered, labels in order, %NULL-terminated. */
const char *const *custody_export_form_get_target_labels (void);

ChainExportTarget custody_export_form_get_target (CustodyExportForm *self);

/** Returns: whether the target has a proof-of-possession step. */
gboolean custody_export_form_get_needs_code (CustodyExportForm *self);

/** Returns: (transfer none) (nullable): what is wrong with the choices now. */
const char *custody_export_form_get_problem (CustodyExportForm *self);

/**
 * custody_export_form_get_options:
 * @self: the form.
 * @with_code: include the verification code (for writing, not previewing).
 * @out_options: (out): pointers into @self.
 *
 * Returns: %TRUE if the choices are complete; @out_options is set only then.
 */
gboolean custody_export_form_get_options (CustodyExportForm  *self,
                                          gboolean            with_code,
                                          ChainExportOptions *out_options);

/**
 * custody_export_form_set_preview:
 * @self: the form.
 * @export: (transfer full) (nullable): a prepared export for the current
 *   choices, or %NULL while a new one is being prepared.
 * @error: (nullable): why preparing failed.
 */
void custody_export_form_set_preview (CustodyExportForm *self,
                                      ChainExport       *export,
                                      const GError      *error);

/** Returns: (transfer none) (element-type CustodyField): file name → size and digest. */
GPtrArray *custody_export_form_get_files (CustodyExportForm *self);

/** Returns: (transfer none) (element-type CustodyField): warning id → message. */
GPtrArray *custody_export_form_get_warnings (CustodyExportForm *self);

/** Returns: whether a preview for the current choices is there and the code is fine. */
gboolean custody_export_form_get_can_export (CustodyExportForm *self);

G_END_DECLS
