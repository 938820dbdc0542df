/* custody-init-form.h — what "Create Workspace" asks, and whether it is complete
 *
 * The same choices as `chain init`: where, the organisation, the key
 * algorithm, the root's validity, the first officer, the policy (tiers,
 * path lengths, validities, name constraints, approval thresholds; edited
 * here or loaded from a JSON file) and the passphrase, typed twice. The
 * dialog binds its rows to this object and asks it what is missing.
 */
#pragma once

#include <gio/gio.h>

#include "custody-format.h"

G_BEGIN_DECLS

#define CUSTODY_TYPE_INIT_FORM (custody_init_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyInitForm, custody_init_form, CUSTODY, INIT_FORM, GObject)

CustodyInitForm *custody_init_form_new (void);

/** Returns: (transfer none): the key algorithms offered, in order ("ECDSA P-256", ...), %NULL-terminated. */
const char *const *custody_init_form_get_algorithm_labels (void);

/**
 * custody_init_form_get_policy:
 *
 * Returns: (transfer none): the policy being edited; after changing it
 *   with chain_policy_set_*(), call custody_init_form_policy_changed().
 */
ChainPolicy *custody_init_form_get_policy (CustodyInitForm *self);

/** custody_init_form_policy_changed: re-checks the form after a policy edit. */
void custody_init_form_policy_changed (CustodyInitForm *self);

/**
 * custody_init_form_load_policy:
 * @path: a policy JSON file, as `chain init --policy` reads.
 * @error: as chain_policy_parse(), or CHAIN_ERROR_IO.
 *
 * Replaces the policy being edited.
 */
gboolean custody_init_form_load_policy (CustodyInitForm *self,
                                        const char      *path,
                                        GError         **error);

/** Sets the passphrase (copied into wiped memory; never a property). */
void custody_init_form_set_passphrase (CustodyInitForm *self,
                                       const char      *text);

/**
 * custody_init_form_set_key_store:
 * @key_store: (nullable): where the CA and officer keys go: %NULL for
 *   files (the passphrases are then checked), a PKCS#11 URI (the PIN is),
 *   or "tpm2".
 */
void custody_init_form_set_key_store (CustodyInitForm *self,
                                      const char      *key_store);

/** Sets the token's PIN (copied into wiped memory; never a property). */
void custody_init_form_set_pin (CustodyInitForm *self,
                                const char      *text);

/** Sets the repeated passphrase. */
void custody_init_form_set_confirmation (CustodyInitForm *self,
                                         const char      *text);

/** Returns: the longest validity the policy allows the root, in days. */
gint64 custody_init_form_get_max_validity_days (CustodyInitForm *self);

/** Returns: whether everything needed is there and consistent. */
gboolean custody_init_form_get_valid (CustodyInitForm *self);

/** Returns: (transfer none) (nullable): what is missing or wrong, one line. */
const char *custody_init_form_get_problem (CustodyInitForm *self);

/** Returns: (transfer none) (nullable): the workspace directory. */
const char *custody_init_form_get_dir (CustodyInitForm *self);

/**
 * custody_init_form_get_options:
 * @self: a valid form.
 * @out_options: (out): filled with pointers into @self, valid while it lives.
 *
 * Returns: %TRUE if the form is valid; @out_options is set only then.
 */
gboolean custody_init_form_get_options (CustodyInitForm       *self,
                                        ChainWorkspaceOptions *out_options);

G_END_DECLS
