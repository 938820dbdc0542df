/* custody-session.c — the workspace Custody has open, and the work on it */
#include "custody-session.h"

#include <glib/gi18n.h>

#include "custody-revoke-form.h"
#include "custody-unlock.h"

struct _CustodySession {
  GObject           parent_instance;
  ChainWorkspace   *workspace;
  gboolean          busy;
  char             *busy_label;
  GCancellable     *job_cancellable;
  GThread          *job_thread;
  char             *title;
  char             *subtitle;
  guint             expiry_window_days;
  CustodyTreeModel *tree;
  CustodyInbox     *inbox;
  CustodyTimeline  *timeline;
  CustodyAudit     *audit;
  char             *timeline_path;
  char             *trusted_root;    /* the root's thumbprint, as of the last rebuild */
  ChainSecret      *pin;             /* (nullable) for the next job that unlocks */
};

G_DEFINE_FINAL_TYPE (CustodySession, custody_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IS_OPEN,
  PROP_JOINED,
  PROP_BUSY,
  PROP_BUSY_LABEL,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_EXPIRY_WINDOW_DAYS,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_NOTICE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Jobs ----------------------------------------------------------------------
 * One job at a time runs in a worker with the workspace; the fields below
 * are its parameters (each kind of job uses some) and its outcome. */

typedef struct _Job Job;
typedef gboolean (*JobFunc) (Job *job, GCancellable *cancellable, GError **error);

struct _Job {
  JobFunc               func;
  ChainWorkspace       *workspace;       /* borrowed: the session's, NULL to open one */
  ChainWorkspace       *new_workspace;   /* from open and create */
  char                 *officer;
  ChainSecret          *passphrase;
  ChainSecret          *pin;             /* typed besides the passphrase */
  GPtrArray            *notices;         /* what dead issuing runs left, and what became of it */
  gboolean              unlocked;        /* the keys were opened: dead runs were finished */
  gboolean              rebuild;         /* the ledger may have changed */
  char                 *forget_request;  /* drop this custodian's request file on success */
  char                 *message;
  gpointer              result;
  GDestroyNotify        result_free;

  char                 *dir;
  char                 *path;
  char                 *remote;
  char                 *remember;
  char                 *request_id;
  char                 *trusted_root;
  gboolean              approve;
  ChainWorkspaceOptions init;
  ChainSecret          *init_passphrase;
  char                 *org;
  char                 *id;
  char                 *tier;
  ChainPolicy          *policy;
  ChainRequestFile     *request;
  ChainDelegateOptions  delegate;
  ChainNameConstraints *constraints;
  ChainExportOptions    export;
  char                 *export_strings[8];
  GStrv                 devices;
  GStrv                 custodians;
  ChainRevokeOptions    revoke;
  char                 *name;
  ChainSecret          *new_passphrase;  /* the new officer's (a PIN when in a token) */
  char                 *key_store;       /* (nullable) the new keys' home */
  ChainSecret          *init_pin;
  char                 *text;
};

static void
job_free (gpointer data)
{
  Job *job = data;
  gsize i;

  chain_workspace_free (job->new_workspace);
  g_free (job->officer);
  chain_secret_free (job->passphrase);
  chain_secret_free (job->pin);
  g_clear_pointer (&job->notices, g_ptr_array_unref);
  g_free (job->forget_request);
  g_free (job->message);
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  g_free (job->dir);
  g_free (job->path);
  g_free (job->remote);
  g_free (job->remember);
  g_free (job->request_id);
  g_free (job->trusted_root);
  chain_secret_free (job->init_passphrase);
  g_free (job->org);
  g_free (job->id);
  g_free (job->tier);
  chain_policy_free (job->policy);
  chain_request_file_free (job->request);
  chain_name_constraints_free (job->constraints);
  for (i = 0; i < G_N_ELEMENTS (job->export_strings); i++)
    g_free (job->export_strings[i]);
  g_strfreev (job->devices);
  g_strfreev (job->custodians);
  g_free (job->name);
  chain_secret_free (job->new_passphrase);
  g_free (job->key_store);
  chain_secret_free (job->init_pin);
  g_free (job->text);
  g_free (job);
}

/* What the caller's task carries once the job is over. */
typedef struct {
  char           *message;
  gpointer        result;
  GDestroyNotify  result_free;
} Outcome;

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_free (outcome->message);
  if (outcome->result != NULL && outcome->result_free != NULL)
    outcome->result_free (outcome->result);
  g_free (outcome);
}

/* ---- GObject ------------------------------------------------------------------ */

static void
custody_session_dispose (GObject *object)
{
  CustodySession *self = CUSTODY_SESSION (object);

  g_clear_object (&self->tree);
  g_clear_object (&self->inbox);
  g_clear_object (&self->timeline);
  if (self->audit != NULL)
    g_signal_handlers_disconnect_by_data (self->audit, self);
  g_clear_object (&self->audit);
  G_OBJECT_CLASS (custody_session_parent_class)->dispose (object);
}

static void
custody_session_finalize (GObject *object)
{
  CustodySession *self = CUSTODY_SESSION (object);

  /* A running job holds a reference to the session: none runs now. */
  g_clear_pointer (&self->workspace, chain_workspace_free);
  g_clear_object (&self->job_cancellable);
  g_free (self->busy_label);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->timeline_path);
  g_free (self->trusted_root);
  chain_secret_free (self->pin);
  G_OBJECT_CLASS (custody_session_parent_class)->finalize (object);
}

static void
custody_session_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CustodySession *self = CUSTODY_SESSION (object);

  switch (prop_id)
    {
    case PROP_IS_OPEN:
      g_value_set_boolean (value, custody_session_get_is_open (self));
      break;
    case PROP_JOINED:
      g_value_set_boolean (value, custody_session_get_joined (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_BUSY_LABEL:
      g_value_set_string (value, self->busy_label);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    case PROP_EXPIRY_WINDOW_DAYS:
      g_value_set_uint (value, self->expiry_window_days);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_session_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CustodySession *self = CUSTODY_SESSION (object);

  switch (prop_id)
    {
    case PROP_EXPIRY_WINDOW_DAYS:
      custody_session_set_expiry_window_days (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_session_class_init (CustodySessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = custody_session_dispose;
  object_class->finalize = custody_session_finalize;
  object_class->get_property = custody_session_get_property;
  object_class->set_property = custody_session_set_property;

  properties[PROP_IS_OPEN] = g_param_spec_boolean ("is-open", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_JOINED] = g_param_spec_boolean ("joined", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY_LABEL] = g_param_spec_string ("busy-label", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPIRY_WINDOW_DAYS] =
    g_param_spec_uint ("expiry-window-days", NULL, NULL, 1, 3650, CUSTODY_DEFAULT_EXPIRY_WINDOW_DAYS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodySession::changed:
   *
   * The workspace was opened, closed, or its ledger changed; the models
   * have been rebuilt.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * CustodySession::notice:
   * @text: what a job found besides its own work, one line per finding.
   * @finished: whether the runs were finished (unlocked), or only found.
   *
   * A job found issuing runs that died (on opening) or finished them (on
   * unlocking); emitted after the job's own callback.
   */
  signals[SIGNAL_NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
on_audit_finished (CustodyAudit   *audit,
                   CustodySession *self)
{
  /* An audit of a ledger closed meanwhile says nothing about this one. */
  if (g_strcmp0 (custody_audit_get_ledger_path (audit), self->timeline_path) != 0)
    {
      custody_audit_reset (audit);
      return;
    }
  custody_timeline_set_report (self->timeline, custody_audit_get_report (audit));
}

static void
custody_session_init (CustodySession *self)
{
  self->expiry_window_days = CUSTODY_DEFAULT_EXPIRY_WINDOW_DAYS;
  self->tree = custody_tree_model_new ();
  self->inbox = custody_inbox_new ();
  self->timeline = custody_timeline_new ();
  self->audit = custody_audit_new ();
  g_signal_connect (self->audit, "finished", G_CALLBACK (on_audit_finished), self);
}

CustodySession *
custody_session_new (void)
{
  return g_object_new (CUSTODY_TYPE_SESSION, NULL);
}

/* ---- Models --------------------------------------------------------------------- */

CustodyTreeModel *
custody_session_get_tree (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->tree;
}

CustodyInbox *
custody_session_get_inbox (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->inbox;
}

CustodyTimeline *
custody_session_get_timeline (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->timeline;
}

CustodyAudit *
custody_session_get_audit (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->audit;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static const char *
ledger_path (CustodySession *self)
{
  ChainLedger *ledger = self->workspace != NULL ? chain_workspace_get_ledger (self->workspace) : NULL;

  return ledger != NULL ? chain_ledger_get_path (ledger) : NULL;
}

/* Lower-case hex SHA-256 of the ledger's root, what audits trust. */
static char *
root_thumbprint (const ChainLedgerState *state)
{
  ChainCert *root = state != NULL ? chain_ledger_state_get_root (state) : NULL;

  if (root == NULL)
    return NULL;
  return chain_cert_dup_thumbprint_hex (root, CHAIN_DIGEST_SHA256);
}

static void
rebuild_tree (CustodySession *self)
{
  const ChainLedgerState *state = self->workspace != NULL ? chain_workspace_get_state (self->workspace) : NULL;

  custody_tree_model_rebuild (self->tree, state,
                              self->workspace != NULL ? chain_workspace_get_custodian_id (self->workspace) : NULL,
                              now_seconds (), self->expiry_window_days);
}

/* Takes a new snapshot of everything the widgets show. */
static void
rebuild (CustodySession *self,
         gboolean        reopened)
{
  const ChainLedgerState *state = self->workspace != NULL ? chain_workspace_get_state (self->workspace) : NULL;
  const char *path = ledger_path (self);
  g_autoptr(GError) error = NULL;

  g_free (self->title);
  g_free (self->subtitle);
  self->title = NULL;
  self->subtitle = NULL;
  if (self->workspace != NULL)
    {
      self->title = g_strdup (chain_workspace_get_org (self->workspace));
      /* TRANSLATORS: the window subtitle: tier · custodian id */
      self->subtitle = g_strdup_printf (_("%s · %s"), chain_workspace_get_tier (self->workspace),
                                        chain_workspace_get_custodian_id (self->workspace));
    }
  g_free (self->trusted_root);
  self->trusted_root = root_thumbprint (state);
  rebuild_tree (self);
  custody_inbox_rebuild (self->inbox, self->workspace);

  if (reopened || g_strcmp0 (path, self->timeline_path) != 0)
    {
      g_free (self->timeline_path);
      self->timeline_path = g_strdup (path);
      /* The workspace opened this very ledger a moment ago; if the
       * timeline cannot, it shows nothing and the audit will say why. */
      if (!custody_timeline_open (self->timeline, path, &error))
        g_debug ("timeline: %s", error->message);
    }
  else if (!custody_timeline_refresh (self->timeline, &error))
    g_debug ("timeline: %s", error->message);
  custody_timeline_set_checked (self->timeline, state != NULL ? chain_ledger_state_get_n_records (state) : 0);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_OPEN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOINED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- State ------------------------------------------------------------------- */

gboolean
custody_session_get_is_open (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), FALSE);
  return self->workspace != NULL;
}

gboolean
custody_session_get_joined (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), FALSE);
  return self->workspace != NULL && chain_workspace_has_ledger (self->workspace);
}

gboolean
custody_session_get_busy (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), FALSE);
  return self->busy;
}

const char *
custody_session_get_busy_label (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->busy_label;
}

const char *
custody_session_get_dir (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->workspace != NULL ? chain_workspace_get_dir (self->workspace) : NULL;
}

const char *
custody_session_get_title (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->title;
}

const char *
custody_session_get_subtitle (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->subtitle;
}

const char *
custody_session_get_custodian_id (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->workspace != NULL ? chain_workspace_get_custodian_id (self->workspace) : NULL;
}


void
custody_session_set_expiry_window_days (CustodySession *self,
                                        guint           days)
{
  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (self->expiry_window_days == days)
    return;
  self->expiry_window_days = days;
  if (!self->busy)
    rebuild_tree (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRY_WINDOW_DAYS]);
}

ChainWorkspace *
custody_session_get_workspace (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return self->busy ? NULL : self->workspace;
}

GStrv
custody_session_list_officers (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);

  if (self->workspace == NULL || self->busy)
    return g_new0 (char *, 1);
  return chain_workspace_list_officers (self->workspace);
}

char *
custody_session_dup_trusted_root (CustodySession *self)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), NULL);
  return g_strdup (self->trusted_root);
}

void
custody_session_set_pin (CustodySession *self,
                         ChainSecret    *pin)
{
  g_return_if_fail (CUSTODY_IS_SESSION (self));

  chain_secret_free (self->pin);
  self->pin = pin;
}

ChainWorkspaceSecrets
custody_session_get_unlock_secrets (CustodySession *self,
                                    const char     *officer)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), CHAIN_WORKSPACE_SECRET_PASSPHRASE);

  /* Busy or closed: a passphrase, what most workspaces need. */
  if (self->workspace == NULL || self->busy)
    return CHAIN_WORKSPACE_SECRET_PASSPHRASE;
  return chain_workspace_get_unlock_secrets (self->workspace, officer);
}

/* ---- Running jobs ------------------------------------------------------------ */

static void
set_busy (CustodySession *self,
          const char     *label)
{
  gboolean busy = label != NULL;

  g_free (self->busy_label);
  self->busy_label = g_strdup (label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY_LABEL]);
  if (self->busy != busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

static void
run_job (GTask        *task,
         gpointer      source_object,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  gboolean ok = TRUE;

  if (job->passphrase != NULL)
    ok = job->unlocked = custody_unlock_workspace (job->workspace, job->officer, job->passphrase, job->pin,
                                                   job->notices, &error);
  /* Wiped as soon as the keys are open. */
  g_clear_pointer (&job->passphrase, chain_secret_free);
  g_clear_pointer (&job->pin, chain_secret_free);
  if (ok)
    ok = job->func (job, cancellable, &error);
  if (job->workspace != NULL)
    {
      chain_workspace_set_pin (job->workspace, NULL);
      chain_workspace_lock (job->workspace);
    }
  if (job->new_workspace != NULL)
    chain_workspace_lock (job->new_workspace);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Jobs run on a thread of their own, joined when they end: no thread
 * lingers with per-thread state (libgit2's) after the work is done. */
static gpointer
job_thread (gpointer data)
{
  g_autoptr(GTask) task = data;

  run_job (task, g_task_get_source_object (task), g_task_get_task_data (task), g_task_get_cancellable (task));
  return NULL;
}

static void
job_finished (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CustodySession *self = CUSTODY_SESSION (source);
  g_autoptr(GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  Outcome *outcome = g_new0 (Outcome, 1);
  gboolean reopened = FALSE;

  g_clear_object (&self->job_cancellable);
  g_thread_join (g_steal_pointer (&self->job_thread));
  if (ok && job->new_workspace != NULL)
    {
      g_clear_pointer (&self->workspace, chain_workspace_free);
      self->workspace = g_steal_pointer (&job->new_workspace);
      custody_audit_cancel (self->audit);
      if (!custody_audit_get_running (self->audit))
        custody_audit_reset (self->audit);
      custody_inbox_rebuild (self->inbox, NULL);
      reopened = TRUE;
    }
  if (ok && job->forget_request != NULL)
    custody_inbox_forget (self->inbox, job->forget_request);
  set_busy (self, NULL);
  if (reopened || job->rebuild)
    rebuild (self, reopened);

  outcome->message = g_steal_pointer (&job->message);
  outcome->result = g_steal_pointer (&job->result);
  outcome->result_free = job->result_free;
  g_task_set_task_data (outer, outcome, outcome_free);
  if (ok)
    g_task_return_boolean (outer, TRUE);
  else
    g_task_return_error (outer, error);
  /* After the job's own message, so that it is the one left to read. */
  if (job->notices != NULL && job->notices->len > 0)
    {
      g_autofree char *text = NULL;

      g_ptr_array_add (job->notices, NULL);
      text = g_strjoinv ("\n", (char **) job->notices->pdata);
      g_signal_emit (self, signals[SIGNAL_NOTICE], 0, text, job->unlocked);
    }
}

/* Fails @outer (and drops it) when a job runs: one at a time. */
static gboolean
refuse_when_busy (CustodySession *self,
                  GTask          *outer)
{
  if (!self->busy)
    return FALSE;
  g_task_set_task_data (outer, g_new0 (Outcome, 1), outcome_free);
  g_task_return_new_error (outer, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                           _("Custody is still busy with the last step; try again when it is done"));
  g_object_unref (outer);
  return TRUE;
}

/* Starts @job; @label says what it does while it runs. */
static void
start_job (CustodySession      *self,
           Job                 *job,
           const char          *label,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *outer = g_task_new (self, NULL, callback, user_data);
  g_autoptr(GTask) inner = NULL;

  g_task_set_source_tag (outer, start_job);
  if (refuse_when_busy (self, outer))
    {
      job_free (job);
      return;
    }
  if (job->notices == NULL)
    job->notices = g_ptr_array_new_with_free_func (g_free);
  self->job_cancellable = g_cancellable_new ();
  inner = g_task_new (self, self->job_cancellable, job_finished, outer);
  g_task_set_task_data (inner, job, job_free);
  set_busy (self, label);
  self->job_thread = g_thread_new ("custody-job", job_thread, g_steal_pointer (&inner));
}

/* ---- Work libchain runs in a worker ---------------------------------------------
 * What only reads the workspace and needs no keys (preparing an export,
 * planning a revocation) is one of libchain's _async calls: the session
 * is busy meanwhile, and hands the _finish's result on as a job's. */

typedef gpointer (*LibraryFinish) (ChainWorkspace *workspace, GAsyncResult *result, GError **error);

typedef struct {
  GTask          *outer;
  LibraryFinish   finish;
  GDestroyNotify  result_free;
} LibraryCall;

static void
library_call_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LibraryCall *call = user_data;
  CustodySession *self = g_task_get_source_object (call->outer);
  Outcome *outcome = g_new0 (Outcome, 1);
  GError *error = NULL;

  (void) source;
  outcome->result = call->finish (self->workspace, result, &error);
  outcome->result_free = call->result_free;
  g_clear_object (&self->job_cancellable);
  set_busy (self, NULL);
  g_task_set_task_data (call->outer, outcome, outcome_free);
  if (outcome->result != NULL)
    g_task_return_boolean (call->outer, TRUE);
  else
    g_task_return_error (call->outer, error);
  g_object_unref (call->outer);
  g_free (call);
}

/* Marks @self busy with @label for a libchain _async whose result
 * @finish takes; returns what to pass it as user data with
 * library_call_done(), or NULL when a job runs (@callback has failed). */
static LibraryCall *
library_call_begin (CustodySession      *self,
                    const char          *label,
                    LibraryFinish        finish,
                    GDestroyNotify       result_free,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *outer = g_task_new (self, NULL, callback, user_data);
  LibraryCall *call = NULL;

  g_task_set_source_tag (outer, start_job);
  if (refuse_when_busy (self, outer))
    return NULL;
  self->job_cancellable = g_cancellable_new ();
  set_busy (self, label);
  call = g_new0 (LibraryCall, 1);
  call->outer = outer;
  call->finish = finish;
  call->result_free = result_free;
  return call;
}

/* A job on the open workspace; with @passphrase it is unlocked first. */
static Job *
job_new (CustodySession *self,
         JobFunc         func,
         const char     *officer,
         ChainSecret    *passphrase)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->workspace = self->workspace;
  job->officer = g_strdup (officer);
  job->passphrase = passphrase;
  /* A PIN typed besides the passphrase is for this job only. */
  if (passphrase != NULL)
    job->pin = g_steal_pointer (&self->pin);
  return job;
}

/* Fails @callback at once: no workspace is open (or it has no ledger). */
static gboolean
check_open (CustodySession      *self,
            gboolean             need_ledger,
            ChainSecret         *passphrase,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  if (self->workspace != NULL && (!need_ledger || chain_workspace_has_ledger (self->workspace)))
    return TRUE;
  chain_secret_free (passphrase);
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_task_data (task, g_new0 (Outcome, 1), outcome_free);
  g_task_return_new_error (task, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                           self->workspace == NULL ? _("No workspace is open; open or create one first")
                                                   : _("This workspace has not joined a ledger yet"));
  return FALSE;
}

gboolean
custody_session_finish (CustodySession *self,
                        GAsyncResult   *result,
                        char          **out_message,
                        GError        **error)
{
  Outcome *outcome = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  outcome = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (out_message != NULL)
    *out_message = g_strdup (outcome->message);
  return TRUE;
}

gpointer
custody_session_finish_result (CustodySession *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  Outcome *outcome = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  outcome = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_steal_pointer (&outcome->result);
}

void
custody_session_cancel (CustodySession *self)
{
  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);
}

/* ---- Opening and closing ------------------------------------------------------ */

static gboolean
do_open (Job          *job,
         GCancellable *cancellable,
         GError      **error)
{
  job->new_workspace = chain_workspace_open (job->dir, cancellable, error);
  if (job->new_workspace == NULL)
    return FALSE;
  /* Locked: a dead issuing run is said now and finished by the next signing. */
  custody_unlock_survey_dead_runs (job->new_workspace, job->notices);
  job->message = g_strdup_printf (_("Opened %s"), chain_workspace_get_org (job->new_workspace));
  return TRUE;
}

void
custody_session_open_async (CustodySession      *self,
                            const char          *dir,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));

  job = g_new0 (Job, 1);
  job->func = do_open;
  job->dir = g_strdup (dir);
  start_job (self, job, _("Opening the workspace…"), callback, user_data);
}

static gboolean
do_create (Job          *job,
           GCancellable *cancellable,
           GError      **error)
{
  job->new_workspace = chain_workspace_init (job->dir, &job->init, cancellable, error);
  if (job->new_workspace == NULL)
    return FALSE;
  job->message = g_strdup_printf (_("Created the ledger of %s"), chain_workspace_get_org (job->new_workspace));
  return TRUE;
}

void
custody_session_create_async (CustodySession              *self,
                              const char                  *dir,
                              const ChainWorkspaceOptions *options,
                              GAsyncReadyCallback          callback,
                              gpointer                     user_data)
{
  Job *job = NULL;
  const guint8 *secret = NULL;
  gsize secret_len = 0;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (options != NULL);
  g_return_if_fail (options->passphrase != NULL || options->key_store != NULL);

  job = g_new0 (Job, 1);
  job->func = do_create;
  job->dir = g_strdup (dir);
  job->init = *options;
  job->org = g_strdup (options->org);
  job->id = g_strdup (options->id);
  job->tier = g_strdup (options->tier);
  job->officer = g_strdup (options->officer);
  job->policy = options->policy != NULL ? chain_policy_copy (options->policy) : NULL;
  job->key_store = g_strdup (options->key_store);
  job->init.key_store = job->key_store;
  if (options->pin != NULL)
    {
      secret = chain_secret_get_data (options->pin, &secret_len);
      job->init_pin = chain_secret_new (secret, secret_len);
    }
  job->init.pin = job->init_pin;
  job->init.org = job->org;
  job->init.id = job->id;
  job->init.tier = job->tier;
  job->init.officer = job->officer;
  job->init.policy = job->policy;
  if (options->passphrase != NULL)
    {
      secret = chain_secret_get_data (options->passphrase, &secret_len);
      job->init_passphrase = chain_secret_new (secret, secret_len);
    }
  job->init.passphrase = job->init_passphrase;
  start_job (self, job, _("Creating the root CA and the ledger…"), callback, user_data);
}

void
custody_session_close (CustodySession *self)
{
  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (!self->busy);

  if (self->workspace == NULL)
    return;
  custody_audit_cancel (self->audit);
  g_clear_pointer (&self->workspace, chain_workspace_free);
  if (!custody_audit_get_running (self->audit))
    custody_audit_reset (self->audit);
  rebuild (self, TRUE);
}

static gboolean
do_refresh (Job          *job,
            GCancellable *cancellable,
            GError      **error)
{
  guint64 added = 0;

  if (!chain_workspace_refresh (job->workspace, &added, cancellable, error))
    return FALSE;
  if (added == 0)
    job->message = g_strdup (_("The ledger is up to date"));
  else
    job->message = g_strdup_printf (ngettext ("%llu new record", "%llu new records", (gulong) added),
                                    (unsigned long long) added);
  return TRUE;
}

void
custody_session_refresh_async (CustodySession      *self,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  job = job_new (self, do_refresh, NULL, NULL);
  job->rebuild = TRUE;
  start_job (self, job, _("Reading the ledger…"), callback, user_data);
}

/* ---- Requests and delegation ------------------------------------------------------ */

gboolean
custody_session_import_request (CustodySession *self,
                                const char     *path,
                                char          **out_custodian_id,
                                GError        **error)
{
  g_return_val_if_fail (CUSTODY_IS_SESSION (self), FALSE);

  if (self->busy)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_CONFLICT,
                   _("Custody is still busy with the last step; import the request when it is done"));
      return FALSE;
    }
  if (self->workspace == NULL || !chain_workspace_has_ledger (self->workspace))
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("Open a workspace with a ledger before importing requests"));
      return FALSE;
    }
  return custody_inbox_import (self->inbox, self->workspace, path, out_custodian_id, error);
}

void
custody_session_dismiss_request (CustodySession *self,
                                 const char     *custodian_id)
{
  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (!self->busy);

  custody_inbox_forget (self->inbox, custodian_id);
  custody_inbox_rebuild (self->inbox, self->workspace);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
do_approve (Job          *job,
            GCancellable *cancellable,
            GError      **error)
{
  guint64 seq = 0;

  if (!chain_workspace_approve (job->workspace, job->request_id, job->approve, &seq, cancellable, error))
    return FALSE;
  job->message = g_strdup_printf (job->approve ? _("Approval recorded as record %llu")
                                               : _("Rejection recorded as record %llu"),
                                  (unsigned long long) seq);
  return TRUE;
}

void
custody_session_approve_async (CustodySession      *self,
                               const char          *request_id,
                               gboolean             approve,
                               const char          *officer,
                               ChainSecret         *passphrase,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  const ChainLedgerRequest *recorded = NULL;
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (request_id != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_approve, officer, passphrase);
  job->request_id = g_strdup (request_id);
  job->approve = approve;
  job->rebuild = TRUE;
  recorded = chain_ledger_state_find_request (chain_workspace_get_state (self->workspace), request_id);
  if (!approve && recorded != NULL)
    job->forget_request = g_strdup (chain_ledger_request_get_custodian_id (recorded));
  start_job (self, job, approve ? _("Recording the approval…") : _("Recording the rejection…"),
             callback, user_data);
}

static gboolean
do_delegate (Job          *job,
             GCancellable *cancellable,
             GError      **error)
{
  const char *custodian_id = chain_request_file_get_custodian_id (job->request);
  g_autofree char *org = NULL;
  ChainDelegateOutcome outcome;

  if (!chain_workspace_delegate (job->workspace, job->request, &job->delegate, job->path, &outcome,
                                 cancellable, error))
    return FALSE;
  if (outcome.status == CHAIN_DELEGATE_AWAITING_APPROVALS)
    {
      /* The request is recorded, which is what this step achieves until
       * more officers have agreed: libchain counts them. */
      guint missing = outcome.threshold - outcome.agreed;

      job->message = g_strdup_printf (ngettext ("Request recorded; %u more officer must approve it before the sub-CA is issued",
                                                "Request recorded; %u more officers must approve it before the sub-CA is issued",
                                                missing),
                                      missing);
      return TRUE;
    }
  org = chain_text_sanitize (chain_request_file_get_org (job->request), CHAIN_TEXT_ONE_LINE);
  job->message = g_strdup_printf (_("Sub-CA issued to %s (record %llu); send them %s"),
                                  org, (unsigned long long) outcome.seq, job->path);
  job->forget_request = g_strdup (custodian_id);
  return TRUE;
}

void
custody_session_delegate_async (CustodySession             *self,
                                const ChainRequestFile     *request,
                                const ChainDelegateOptions *options,
                                const char                 *grant_path,
                                const char                 *officer,
                                ChainSecret                *passphrase,
                                GAsyncReadyCallback         callback,
                                gpointer                    user_data)
{
  ChainDelegateOptions defaults = CHAIN_DELEGATE_OPTIONS_INIT;
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (request != NULL && grant_path != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_delegate, officer, passphrase);
  job->request = chain_request_file_parse (chain_request_file_get_bytes (request), NULL);
  job->delegate = options != NULL ? *options : defaults;
  if (job->delegate.name_constraints != NULL)
    job->constraints = chain_name_constraints_copy (job->delegate.name_constraints);
  job->delegate.name_constraints = job->constraints;
  job->path = g_strdup (grant_path);
  job->rebuild = TRUE;
  start_job (self, job, _("Signing the sub-CA…"), callback, user_data);
}

/* ---- Export, revocation ---------------------------------------------------------- */

/* Copies @options into @job, strings included. */
static void
copy_export_options (Job                      *job,
                     const ChainExportOptions *options)
{
  const char *strings[] = { options->ca, options->code, options->hub, options->dps,
                            options->resource_group, options->region, options->role_arn };
  gsize i;

  G_STATIC_ASSERT (G_N_ELEMENTS (strings) <= G_N_ELEMENTS (job->export_strings));
  for (i = 0; i < G_N_ELEMENTS (strings); i++)
    job->export_strings[i] = g_strdup (strings[i]);
  job->export = *options;
  job->export.ca = job->export_strings[0];
  job->export.code = job->export_strings[1];
  job->export.hub = job->export_strings[2];
  job->export.dps = job->export_strings[3];
  job->export.resource_group = job->export_strings[4];
  job->export.region = job->export_strings[5];
  job->export.role_arn = job->export_strings[6];
}

void
custody_session_prepare_export_async (CustodySession           *self,
                                      const ChainExportOptions *options,
                                      GAsyncReadyCallback       callback,
                                      gpointer                  user_data)
{
  LibraryCall *call = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (options != NULL && options->code == NULL);

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  call = library_call_begin (self, _("Preparing the export…"), (LibraryFinish) chain_workspace_prepare_export_finish,
                             (GDestroyNotify) chain_export_free, callback, user_data);
  if (call != NULL)
    chain_workspace_prepare_export_async (self->workspace, options, self->job_cancellable, library_call_done, call);
}

static gboolean
do_export (Job          *job,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(ChainExport) export = chain_workspace_prepare_export (job->workspace, &job->export,
                                                                   cancellable, error);
  g_autofree char *where = NULL;
  guint64 seq = 0;

  if (export == NULL || !chain_workspace_write_export (job->workspace, export, job->dir, &seq,
                                                        cancellable, error))
    return FALSE;
  where = g_build_filename (job->dir, chain_export_target_to_string (job->export.target), NULL);
  job->message = g_strdup_printf (_("Export recorded as record %llu and written to %s"),
                                  (unsigned long long) seq, where);
  return TRUE;
}

void
custody_session_export_async (CustodySession           *self,
                              const ChainExportOptions *options,
                              const char               *dir,
                              const char               *officer,
                              ChainSecret              *passphrase,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (options != NULL && dir != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_export, officer, passphrase);
  copy_export_options (job, options);
  job->dir = g_strdup (dir);
  job->rebuild = TRUE;
  start_job (self, job, _("Exporting…"), callback, user_data);
}

static ChainRevocation *
plan (Job          *job,
      GCancellable *cancellable,
      GError      **error)
{
  return chain_workspace_plan_revocation (job->workspace, (const char *const *) job->devices,
                                          (const char *const *) job->custodians, cancellable, error);
}

static GStrv
copy_names (const char *const *names)
{
  return names != NULL && names[0] != NULL ? g_strdupv ((char **) names) : NULL;
}

void
custody_session_plan_revocation_async (CustodySession     *self,
                                       const char *const  *devices,
                                       const char *const  *custodians,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  LibraryCall *call = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  call = library_call_begin (self, _("Finding what to revoke…"), (LibraryFinish) chain_workspace_plan_revocation_finish,
                             (GDestroyNotify) chain_revocation_free, callback, user_data);
  if (call != NULL)
    chain_workspace_plan_revocation_async (self->workspace, devices, custodians, self->job_cancellable,
                                           library_call_done, call);
}

static gboolean
do_lookup_device (Job          *job,
                  GCancellable *cancellable,
                  GError      **error)
{
  job->result = chain_workspace_lookup_device (job->workspace, job->devices[0], cancellable, error);
  job->result_free = (GDestroyNotify) chain_device_lookup_free;
  return job->result != NULL;
}

void
custody_session_lookup_device_async (CustodySession      *self,
                                     const char          *device_id,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  const char *ids[] = { device_id, NULL };
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (device_id != NULL);

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  job = job_new (self, do_lookup_device, NULL, NULL);
  job->devices = copy_names (ids);
  start_job (self, job, _("Looking up the device…"), callback, user_data);
}

static gboolean
do_revoke (Job          *job,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(ChainRevocation) revocation = plan (job, cancellable, error);
  g_autofree char *count = NULL;

  if (revocation == NULL || !chain_workspace_revoke (job->workspace, revocation, &job->revoke, cancellable, error))
    return FALSE;
  count = custody_revocation_dup_count (revocation);
  /* TRANSLATORS: %s counts what was revoked by kind, e.g. "1 sub-CA and 2 devices" */
  job->message = g_strdup_printf (_("Revoked %s (record %lld); publish the CRL next"), count,
                                  (long long) chain_revocation_get_seq (revocation));
  return TRUE;
}

void
custody_session_revoke_async (CustodySession           *self,
                              const char *const        *devices,
                              const char *const        *custodians,
                              const ChainRevokeOptions *options,
                              const char               *officer,
                              ChainSecret              *passphrase,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  ChainRevokeOptions defaults = CHAIN_REVOKE_OPTIONS_INIT;
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_revoke, officer, passphrase);
  job->devices = copy_names (devices);
  job->custodians = copy_names (custodians);
  job->revoke = options != NULL ? *options : defaults;
  job->rebuild = TRUE;
  start_job (self, job, _("Revoking…"), callback, user_data);
}

static gboolean
do_publish_crl (Job          *job,
                GCancellable *cancellable,
                GError      **error)
{
  ChainCrlOptions options = CHAIN_CRL_OPTIONS_INIT;
  g_autoptr(ChainCrlExport) crl = NULL;
  guint64 disabled;

  options.sign = job->approve;
  crl = chain_workspace_prepare_crl (job->workspace, &options, cancellable, error);
  if (crl == NULL || !chain_crl_export_write (crl, job->dir, error))
    return FALSE;
  disabled = chain_crl_export_get_n_disabled (crl);
  job->message = g_strdup_printf (ngettext ("CRL and disable lists (%llu device) written to %s",
                                            "CRL and disable lists (%llu devices) written to %s",
                                            (gulong) disabled),
                                  (unsigned long long) disabled, job->dir);
  return TRUE;
}

void
custody_session_publish_crl_async (CustodySession      *self,
                                   const char          *dir,
                                   const char          *officer,
                                   ChainSecret         *passphrase,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (dir != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_publish_crl, officer, passphrase);
  job->approve = passphrase != NULL;   /* re-sign the CRL now */
  job->dir = g_strdup (dir);
  start_job (self, job, _("Writing the CRL…"), callback, user_data);
}

/* ---- Officers, notes ------------------------------------------------------------- */

static gboolean
do_add_officer (Job          *job,
                GCancellable *cancellable,
                GError      **error)
{
  guint64 seq = 0;
  gboolean ok;

  /* In a token, the new officer's secret is that token's PIN. */
  if (job->key_store != NULL && g_str_has_prefix (job->key_store, "pkcs11:"))
    {
      chain_workspace_set_pin (job->workspace, job->new_passphrase);
      ok = chain_workspace_add_officer_in (job->workspace, job->name, job->key_store, NULL, &seq,
                                           cancellable, error);
    }
  else
    ok = chain_workspace_add_officer_in (job->workspace, job->name, job->key_store, job->new_passphrase, &seq,
                                         cancellable, error);

  /* Wiped as soon as the new key is saved (or not). */
  g_clear_pointer (&job->new_passphrase, chain_secret_free);
  if (!ok)
    return FALSE;
  job->message = g_strdup_printf (_("Enrolled officer %s (record %llu)"), job->name, (unsigned long long) seq);
  return TRUE;
}

void
custody_session_add_officer_async (CustodySession      *self,
                                   const char          *name,
                                   ChainSecret         *new_passphrase,
                                   const char          *officer,
                                   ChainSecret         *passphrase,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (new_passphrase != NULL);

  custody_session_add_officer_in_async (self, name, NULL, new_passphrase, officer, passphrase, callback, user_data);
}

void
custody_session_add_officer_in_async (CustodySession      *self,
                                      const char          *name,
                                      const char          *key_store,
                                      ChainSecret         *new_secret,
                                      const char          *officer,
                                      ChainSecret         *passphrase,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Job *job = NULL;
  ChainSecret *new_passphrase = new_secret;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (name != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    {
      chain_secret_free (new_passphrase);
      return;
    }
  job = job_new (self, do_add_officer, officer, passphrase);
  job->name = g_strdup (name);
  job->key_store = g_strdup (key_store);
  job->new_passphrase = new_passphrase;
  job->rebuild = TRUE;
  start_job (self, job, _("Enrolling the officer…"), callback, user_data);
}

static gboolean
do_annotate (Job          *job,
             GCancellable *cancellable,
             GError      **error)
{
  guint64 seq = 0;

  if (!chain_workspace_annotate (job->workspace, job->text, &seq, cancellable, error))
    return FALSE;
  job->message = g_strdup_printf (_("Note recorded as record %llu"), (unsigned long long) seq);
  return TRUE;
}

void
custody_session_annotate_async (CustodySession      *self,
                                const char          *text,
                                const char          *officer,
                                ChainSecret         *passphrase,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (text != NULL);

  if (!check_open (self, TRUE, passphrase, callback, user_data))
    return;
  job = job_new (self, do_annotate, officer, passphrase);
  job->text = g_strdup (text);
  job->rebuild = TRUE;
  start_job (self, job, _("Recording the note…"), callback, user_data);
}

/* ---- Sync ----------------------------------------------------------------------- */

/* The library's workspace sync: fetched records are audited before main
 * moves, and our unshared records are re-appended if the two diverged. */
static gboolean
do_sync (Job          *job,
         GCancellable *cancellable,
         GError      **error)
{
  const char *repo = chain_ledger_get_path (chain_workspace_get_ledger (job->workspace));
  const char *remote = job->remember != NULL ? job->remember : job->remote;
  g_autoptr(ChainWorkspaceSyncResult) result = NULL;

  if (job->remember != NULL && !chain_sync_remote_set (repo, job->remember, job->remote, error))
    return FALSE;
  if (!chain_workspace_sync (job->workspace, remote, NULL, &result, cancellable, error))
    return FALSE;
  /* TRANSLATORS: libchain's summary of what fetching and pushing did */
  job->message = g_strdup_printf (_("Synced: %s"), chain_workspace_sync_result_get_summary (result));
  return TRUE;
}

void
custody_session_sync_async (CustodySession      *self,
                            const char          *remote,
                            const char          *remember,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (remote != NULL);

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  job = job_new (self, do_sync, NULL, NULL);
  job->remote = g_strdup (remote);
  job->remember = remember != NULL && remember[0] != '\0' ? g_strdup (remember) : NULL;
  job->trusted_root = custody_session_dup_trusted_root (self);
  job->rebuild = TRUE;
  start_job (self, job, _("Syncing…"), callback, user_data);
}

static gboolean
do_bundle_create (Job          *job,
                  GCancellable *cancellable,
                  GError      **error)
{
  const char *repo = chain_ledger_get_path (chain_workspace_get_ledger (job->workspace));
  g_autofree char *pin = chain_workspace_dup_pin_path (job->workspace);
  ChainSyncOptions options = CHAIN_SYNC_OPTIONS_INIT;
  guint64 records = 0;

  options.pin_path = pin;
  if (!chain_sync_bundle_create (repo, job->path, NULL, &options, &records, cancellable, error))
    return FALSE;
  job->message = g_strdup_printf (ngettext ("Bundle of %llu record written to %s",
                                            "Bundle of %llu records written to %s", (gulong) records),
                                  (unsigned long long) records, job->path);
  return TRUE;
}

void
custody_session_bundle_create_async (CustodySession      *self,
                                     const char          *path,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (path != NULL);

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  job = job_new (self, do_bundle_create, NULL, NULL);
  job->path = g_strdup (path);
  start_job (self, job, _("Writing the bundle…"), callback, user_data);
}

static gboolean
do_bundle_import (Job          *job,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(ChainSyncResult) result = NULL;

  /* libchain audits against the workspace's root and pin, then refreshes. */
  if (!chain_workspace_import_bundle (job->workspace, job->path, NULL, NULL, &result, cancellable, error))
    return FALSE;
  job->message = g_strdup_printf (_("Bundle imported: %s"), chain_sync_result_get_summary (result));
  return TRUE;
}

void
custody_session_bundle_import_async (CustodySession      *self,
                                     const char          *path,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Job *job = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));
  g_return_if_fail (path != NULL);

  if (!check_open (self, TRUE, NULL, callback, user_data))
    return;
  job = job_new (self, do_bundle_import, NULL, NULL);
  job->path = g_strdup (path);
  job->rebuild = TRUE;
  start_job (self, job, _("Importing the bundle…"), callback, user_data);
}

/* ---- Audit ------------------------------------------------------------------ */

void
custody_session_start_audit (CustodySession *self)
{
  g_autofree char *pin = NULL;
  g_autofree char *pinned = NULL;
  g_autofree char *root = NULL;

  g_return_if_fail (CUSTODY_IS_SESSION (self));

  if (self->busy || ledger_path (self) == NULL || custody_audit_get_running (self->audit))
    return;
  pin = chain_workspace_dup_pin_path (self->workspace);
  if (!chain_sync_pin_read (pin, &pinned, NULL, NULL))
    pinned = NULL;
  root = custody_session_dup_trusted_root (self);
  custody_audit_start (self->audit, ledger_path (self), pinned, root);
}
