/* custody-annotate-form.h — "Add Note": free text recorded in the ledger
 *
 * What `chain annotate` records (chain_workspace_annotate()): one note of
 * UTF-8 text, not empty, at most CHAIN_ANNOTATION_MAX_SIZE bytes — the
 * limit libchain's rules enforce on an annotation record. The dialog binds
 * its text view to this object and shows how much room is left.
 */
#pragma once

#include <gio/gio.h>

#include "custody-format.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_ANNOTATE_FORM (custody_annotate_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyAnnotateForm, custody_annotate_form, CUSTODY, ANNOTATE_FORM, GObject)

/** Returns: (transfer full): an empty form. */
CustodyAnnotateForm *custody_annotate_form_new (void);

/** Returns: (transfer none) (nullable): what is missing or wrong, one line. */
const char *custody_annotate_form_get_problem (CustodyAnnotateForm *self);

/** Returns: whether the note can be recorded as it is. */
gboolean custody_annotate_form_get_can_annotate (CustodyAnnotateForm *self);

/** Returns: the note's length in bytes. */
gsize custody_annotate_form_get_length (CustodyAnnotateForm *self);

/** Returns: (transfer full): "120 of 4096 bytes", what the counter shows. */
char *custody_annotate_form_dup_usage (CustodyAnnotateForm *self);

/**
 * custody_annotate_form_get_text:
 *
 * Returns: (transfer none) (nullable): the note to record, exactly as
 *   typed; %NULL unless custody_annotate_form_get_can_annotate().
 */
const char *custody_annotate_form_get_text (CustodyAnnotateForm *self);

G_END_DECLS
