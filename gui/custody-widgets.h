/* custody-widgets.h — small widget helpers the pages and dialogs share */
#pragma once

#include <adwaita.h>

#include "custody-format.h"
#include "custody-session.h"

G_BEGIN_DECLS

/**
 * custody_fields_fill:
 * @list: a GtkListBox (style "boxed-list").
 * @fields: (element-type CustodyField): the fields.
 *
 * Replaces the rows of @list with one row per field: the title small and
 * dim, the value below it, selectable (thumbprints get copied) and
 * wrapped so a narrow window shows it whole.
 */
void custody_fields_fill (GtkListBox *list,
                          GPtrArray  *fields);

/**
 * custody_list_row_new:
 *
 * Returns: (transfer full): a row for the lists (tree, inbox, timeline):
 *   an icon, a title, a subtitle and a status label at the end.
 */
GtkWidget *custody_list_row_new (void);

/**
 * custody_list_row_set:
 * @row: from custody_list_row_new().
 * @depth: indentation steps (the custody tree's depth).
 * @icon_name: the icon.
 * @style_class: (nullable): a CSS class for the icon and status ("success", ...).
 * @title: the title.
 * @subtitle: (nullable): the line below.
 * @status: (nullable): the label at the end.
 */
void custody_list_row_set (GtkWidget  *row,
                           guint       depth,
                           const char *icon_name,
                           const char *style_class,
                           const char *title,
                           const char *subtitle,
                           const char *status);

/**
 * custody_list_row_set_status_icon:
 * @row: from custody_list_row_new(), after custody_list_row_set().
 * @icon_name: the status as an icon.
 * @status: what it means, for the tooltip and screen readers.
 *
 * Shows the status as an icon rather than words, so the title and the
 * lines below it keep the row's width.
 */
void custody_list_row_set_status_icon (GtkWidget  *row,
                                       const char *icon_name,
                                       const char *status);

/**
 * custody_spin_row_new:
 * @title: the row title.
 * @subtitle: (nullable): the row subtitle.
 * @min: lowest value.
 * @max: highest value.
 * @value: the value.
 * @out_spin: (out) (transfer none): the spin button.
 *
 * Returns: (transfer full): an AdwActionRow with a spin button (libadwaita
 *   1.2 has no spin row).
 */
GtkWidget *custody_spin_row_new (const char     *title,
                                 const char     *subtitle,
                                 double          min,
                                 double          max,
                                 double          value,
                                 GtkSpinButton **out_spin);

/** Returns: (transfer full): a GtkStringList of @labels (a %NULL-terminated array). */
GListModel *custody_string_list_new (const char *const *labels);

/**
 * custody_show_error:
 * @widget: any widget of the window.
 * @heading: what failed, e.g. "Could not delegate".
 * @error: libchain's error.
 *
 * An AdwMessageDialog with libchain's one-line message.
 */
void custody_show_error (GtkWidget    *widget,
                         const char   *heading,
                         const GError *error);

/** custody_toast: shows @message in the window's toast overlay. */
void custody_toast (GtkWidget  *widget,
                    const char *message);

/**
 * custody_dialog_finish_job:
 * @dialog: the dialog that started the job.
 * @session: the session that ran it.
 * @result: the job's result.
 * @failure_heading: what failed, for custody_show_error().
 *
 * Ends a dialog's session job: on success, toasts the job's message in the
 * main window and closes @dialog; on failure, shows the error over @dialog,
 * which stays open for another try.
 *
 * Returns: %TRUE on success (@dialog is destroyed).
 */
gboolean custody_dialog_finish_job (GtkWidget      *dialog,
                                    CustodySession *session,
                                    GAsyncResult   *result,
                                    const char     *failure_heading);

/**
 * custody_dialog_finish_output_job:
 * @dialog: as custody_dialog_finish_job().
 * @session: as custody_dialog_finish_job().
 * @result: as custody_dialog_finish_job().
 * @failure_heading: as custody_dialog_finish_job().
 * @folder: (nullable): where the job wrote its files: the toast offers to
 *   open it.
 *
 * custody_dialog_finish_job() for a job whose outcome is files.
 *
 * Returns: %TRUE on success (@dialog is destroyed).
 */
gboolean custody_dialog_finish_output_job (GtkWidget      *dialog,
                                           CustodySession *session,
                                           GAsyncResult   *result,
                                           const char     *failure_heading,
                                           const char     *folder);

/**
 * custody_dialog_set_primary:
 * @dialog: a dialog, its content built.
 * @primary: its primary button: Enter in any of its entries presses it.
 * @first: (nullable): the field with the focus when the dialog opens
 *   (rather than the Cancel button GTK would pick).
 */
void custody_dialog_set_primary (GtkWindow *dialog,
                                 GtkWidget *primary,
                                 GtkWidget *first);

/**
 * custody_mark_mismatch:
 * @passphrase: the passphrase row.
 * @confirmation: the row repeating it (an editable).
 *
 * Marks @confirmation as an error while it holds something other than
 * @passphrase, so the field that differs is the one shown.
 */
void custody_mark_mismatch (GtkEditable *passphrase,
                            GtkWidget   *confirmation);

G_END_DECLS
