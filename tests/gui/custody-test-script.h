/* custody-test-script.h — drive the real window from a script, for the tests
 *
 * `custody --test-script=FILE` runs FILE's steps, one a line, against the
 * window after it is shown, then quits with status 0 if every step
 * worked and nothing logged a warning or critical, 1 otherwise. Steps
 * use the window's own actions and functions, the ones its buttons, file
 * choosers and drag-and-drop use:
 *
 *   open DIR                 open a workspace (waits until it is open)
 *   size WIDTH HEIGHT        resize the main window
 *   style light|dark         force the light or dark style
 *   page NAME                show custody, requests, ledger, charts or audit
 *   select PAGE ROW          select row ROW (negative: from the end)
 *   artifact INDEX           show artifact INDEX of the selected record
 *   action NAME [STRING]     activate win.NAME or app.NAME
 *   import FILE              import a request file (as a drop does)
 *   passphrase FILE [WHO]    type the passphrase in FILE into the open
 *                            passphrase dialog (as officer WHO) and sign
 *   code TEXT                type a verification code in the export dialog
 *   fill TITLE = TEXT        type TEXT into the entry row titled TITLE
 *   choose TOOLTIP = ITEM    pick ITEM in the dropdown whose tooltip is TOOLTIP
 *   choose-row TITLE = N     choose item N of the combo row titled TITLE
 *   note TEXT                type TEXT into the note dialog
 *   folder DIR               choose DIR in the new-workspace or export dialog
 *   click LABEL              click the button labelled LABEL (mnemonic
 *                            underscores left out) in the top window
 *   expect-disabled LABEL    no enabled button labelled LABEL in the top window
 *   close                    close the top window
 *   dismiss                  dismiss the last toast
 *   publish-crl DIR, bundle-create FILE, bundle-import FILE
 *                            what those actions do once a file is chosen
 *   wait                     until no job or audit runs and a frame is drawn
 *   expect TEXT              some label or text view in the top window shows TEXT
 *   chart KIND MIN           the issued, validity or reconcile chart is on
 *                            show and draws at least MIN items
 *   screenshot NAME          save the top window as DIR/NAME.png, DIR from
 *                            $CUSTODY_SCREENSHOT_DIR (default ".")
 *
 * Lines starting with '#' and empty lines are skipped.
 */
#pragma once

#include "custody-window.h"

G_BEGIN_DECLS

typedef void (*CustodyTestScriptDone) (int      status,
                                       gpointer user_data);

/** custody_test_script_start: runs @path once the main loop is idle. */
void custody_test_script_start (CustodyWindow         *window,
                                const char            *path,
                                CustodyTestScriptDone  done,
                                gpointer               user_data);

/** custody_test_script_install_log_writer: counts warnings and criticals. */
void custody_test_script_install_log_writer (void);

G_END_DECLS
