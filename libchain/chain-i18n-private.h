/* chain-i18n-private.h — marking libchain's messages for translation
 *
 * Wrap each user-visible literal in _() where it is used, or in N_() where
 * it is stored and translated later with _(); a count's message goes
 * through chain_i18n_ngettext(). xgettext finds all three (po/meson.build).
 */
#pragma once

#include "chain-i18n.h"

G_BEGIN_DECLS

/* The translation of @msgid in CHAIN_GETTEXT_PACKAGE, or @msgid itself.
 * (transfer none) The format_arg attribute keeps printf checking on. */
const char *chain_i18n_gettext (const char *msgid) G_GNUC_FORMAT (1);

/* The form of @msgid / @msgid_plural for @n, in CHAIN_GETTEXT_PACKAGE.
 * (transfer none) */
const char *chain_i18n_ngettext (const char *msgid,
                                 const char *msgid_plural,
                                 gulong      n) G_GNUC_FORMAT (1) G_GNUC_FORMAT (2);

#define _(msgid) chain_i18n_gettext (msgid)
#define N_(msgid) (msgid)

G_END_DECLS
