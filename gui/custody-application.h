/* custody-application.h — Custody, the app: windows, app actions, settings */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CUSTODY_TYPE_APPLICATION (custody_application_get_type ())
G_DECLARE_FINAL_TYPE (CustodyApplication, custody_application, CUSTODY, APPLICATION, AdwApplication)

CustodyApplication *custody_application_new (void);

/** Returns: the exit status the test script asks for (0 without one). */
int custody_application_get_test_status (CustodyApplication *self);

G_END_DECLS
