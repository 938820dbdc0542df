/* custody-officer-form.h — the officers dialog: who can sign, and a new one
 *
 * The officers with a key in this workspace (chain_workspace_list_officers(),
 * what `chain officer list` prints), each with the subject and validity of
 * the certificate the ledger enrolled for it; and what "Add Officer" asks,
 * as `chain officer add` does: the name (checked by libchain's own rule as
 * it is typed) and the new officer's passphrase, typed twice. The
 * passphrases live in wiped memory (ChainSecret), never in properties.
 *
 * Whether the name is taken is libchain's to say when the enrolment runs:
 * custody_officer_form_set_error() shows its refusal until the name
 * changes.
 */
#pragma once

#include <gio/gio.h>

#include "custody-format.h"

G_BEGIN_DECLS

/**
 * CustodyOfficer:
 * @name: the officer's name, as its key file and certificate CN have it.
 * @subject: (nullable): the subject of its certificate; %NULL when the
 *   ledger enrolled none for this key.
 * @validity: (nullable): the certificate's validity, as people read it.
 * @health: valid, expiring, expired or revoked; %CUSTODY_HEALTH_AWAITING
 *   without a certificate.
 *
 * One officer of this workspace.
 */
typedef struct {
  char          *name;
  char          *subject;
  char          *validity;
  CustodyHealth  health;
} CustodyOfficer;

#define CUSTODY_TYPE_OFFICER_FORM (custody_officer_form_get_type ())
G_DECLARE_FINAL_TYPE (CustodyOfficerForm, custody_officer_form, CUSTODY, OFFICER_FORM, GObject)

/** Returns: (transfer full): an empty form with no officers listed. */
CustodyOfficerForm *custody_officer_form_new (void);

/**
 * custody_officer_form_rebuild:
 * @workspace: (nullable): the open workspace, on the main thread; %NULL
 *   lists nobody.
 * @now: Unix seconds, for the validity.
 * @expiry_window_days: a certificate expiring within this many days is
 *   "expires soon".
 *
 * Lists the workspace's officers again (after an enrolment, a sync).
 */
void custody_officer_form_rebuild (CustodyOfficerForm   *self,
                                   const ChainWorkspace *workspace,
                                   gint64                now,
                                   guint                 expiry_window_days);

/** Returns: (transfer none) (element-type CustodyOfficer): the officers, by name. */
GPtrArray *custody_officer_form_get_officers (CustodyOfficerForm *self);

/** Returns: (transfer none) (nullable): officer @name, if listed. */
const CustodyOfficer *custody_officer_form_find (CustodyOfficerForm *self,
                                                 const char         *name);

/** Sets the new officer's passphrase (copied into wiped memory). */
void custody_officer_form_set_passphrase (CustodyOfficerForm *self,
                                          const char         *text);

/** Sets the repeated passphrase. */
void custody_officer_form_set_confirmation (CustodyOfficerForm *self,
                                            const char         *text);

/**
 * custody_officer_form_set_error:
 * @error: (nullable): why the last enrolment failed (libchain's message),
 *   shown as the problem until the name changes; %NULL clears it.
 */
void custody_officer_form_set_error (CustodyOfficerForm *self,
                                     const GError       *error);

/** Returns: (transfer none) (nullable): what is missing or wrong, one line. */
const char *custody_officer_form_get_problem (CustodyOfficerForm *self);

/** Returns: whether the problem is the last enrolment's error (libchain refused it). */
gboolean custody_officer_form_get_refused (CustodyOfficerForm *self);

/** Returns: whether the name and the passphrases are complete and consistent. */
gboolean custody_officer_form_get_can_add (CustodyOfficerForm *self);

/** Returns: (transfer none) (nullable): the new officer's name, without surrounding blanks. */
const char *custody_officer_form_get_name (CustodyOfficerForm *self);

/**
 * custody_officer_form_dup_passphrase:
 *
 * Returns: (transfer full) (nullable): a copy of the new officer's
 *   passphrase for the enrolment job, which wipes it; %NULL unless
 *   custody_officer_form_get_can_add().
 */
ChainSecret *custody_officer_form_dup_passphrase (CustodyOfficerForm *self);

/**
 * custody_officer_form_set_key_store:
 * @key_store: (nullable): where the new key goes: %NULL for a file (the
 *   passphrases are then checked), a PKCS#11 URI (the PIN is), or "tpm2".
 */
void custody_officer_form_set_key_store (CustodyOfficerForm *self,
                                         const char         *key_store);

/** Sets the token's PIN for a key in a token (copied into wiped memory). */
void custody_officer_form_set_pin (CustodyOfficerForm *self,
                                   const char         *text);

/** Returns: (transfer none) (nullable): the key store chosen; %NULL for a file. */
const char *custody_officer_form_get_key_store (CustodyOfficerForm *self);

/**
 * custody_officer_form_dup_key_secret:
 *
 * Returns: (transfer full) (nullable): what the enrolment job takes with
 *   the key store: the passphrase for a file, the PIN for a token, %NULL
 *   for the TPM (or when the form cannot add yet).
 */
ChainSecret *custody_officer_form_dup_key_secret (CustodyOfficerForm *self);

/** custody_officer_form_clear: forgets the name and wipes the passphrases. */
void custody_officer_form_clear (CustodyOfficerForm *self);

G_END_DECLS
