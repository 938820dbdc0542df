/* chain-i18n.h — translated messages
 *
 * libchain's error messages, the `chain` command and Custody share one
 * gettext domain, CHAIN_GETTEXT_PACKAGE.
 */
#pragma once

#include <glib.h>
#include "chain-macros.h"

G_BEGIN_DECLS

#define CHAIN_GETTEXT_PACKAGE "libchain"

/**
 * chain_i18n_init:
 *
 * Binds CHAIN_GETTEXT_PACKAGE to its message catalogs, with UTF-8 output:
 * those under $CHAIN_LOCALEDIR when it is set (an uninstalled build, e.g.
 * BUILDDIR/po), else the installed ones. Call it after setlocale(); an
 * application that uses the domain for its own strings also calls
 * textdomain (CHAIN_GETTEXT_PACKAGE). Safe to call more than once and from
 * any thread; libchain calls it itself before its first translated message.
 */
CHAIN_PUBLIC
void chain_i18n_init (void);

G_END_DECLS
