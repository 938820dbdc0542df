/* gui-fixture.h — a supply chain for Custody's tests, made with libchain
 *
 * gui_fixture_make() builds, under a fresh directory, the OEM workspace an
 * officer would open, in every state the custody tree and the inbox show:
 *
 *   oem/          the OEM: policy with delegation threshold 2, officers
 *                 "officer" and "oscar"
 *   cm-a/         CM A: delegated (valid 60 days: expires within the
 *                 default 90-day window), accepted, delegated Dist X,
 *                 whose devices are issued; its records reach the OEM by
 *                 a bundle, as from an air-gapped site
 *   dist-x/       Dist X under CM A: issued devices
 *   cm-b.request  CM B's request: recorded by the OEM, waiting for a
 *                 second officer's approval
 *   cm-c.request  CM C's request file: not imported yet
 *   cm-d          delegated, never accepted (awaiting acceptance)
 *   cm-e          delegated, then revoked
 *   passphrase    the passphrase of every key, mode 0600
 *
 * Every party uses ECDSA P-256 and the test passphrase. Each step fails
 * the running Check test on error.
 */
#pragma once

#include "test-support.h"

typedef struct {
  char *dir;
  char *oem;
  char *cm_a;
  char *cm_b_request;
  char *cm_c_request;
  char *passphrase_file;
} GuiFixture;

/* Builds the story under @dir (which must exist and be empty). */
void gui_fixture_make (GuiFixture *fixture,
                       const char *dir);

void gui_fixture_clear (GuiFixture *fixture);

/* Makes a request file for a new custodian @id under @dir, its CA named
 * inside @namespace (NULL: its own O); returns the file's path. */
char *gui_fixture_request (const char *dir,
                           const char *id,
                           const char *org,
                           const char *tier,
                           const char *namespace);

/* Carries @from's ledger to @to by a bundle file, as an air-gapped site would. */
void gui_fixture_carry_bundle (const char *from,
                               const char *to,
                               const char *bundle);

/* Runs the main loop until @done is set. */
void gui_fixture_wait (gboolean *done);
