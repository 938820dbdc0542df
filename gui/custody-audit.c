/* custody-audit.c — the "Audit" action: chain_audit off the main thread */
#include "custody-audit.h"

#include <glib/gi18n.h>

struct _CustodyAudit {
  GObject            parent_instance;
  CustodyAuditState  state;
  GCancellable      *cancellable;
  GThread           *thread;
  GMutex             progress_lock;
  guint64            thread_done;     /* progress_lock: as the auditing thread left it */
  guint64            thread_total;
  int                progress_queued; /* atomic: an idle will deliver it */
  guint64            done;
  guint64            total;
  char              *progress_text;
  char              *summary;
  char              *report_text;
  ChainAuditReport  *report;
  char              *ledger_path;
};

G_DEFINE_FINAL_TYPE (CustodyAudit, custody_audit, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_RUNNING,
  PROP_FRACTION,
  PROP_PROGRESS_TEXT,
  PROP_SUMMARY,
  PROP_REPORT_TEXT,
  N_PROPS
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
custody_audit_dispose (GObject *object)
{
  CustodyAudit *self = CUSTODY_AUDIT (object);

  /* A running audit holds a reference: this runs only when it is over. */
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (custody_audit_parent_class)->dispose (object);
}

static void
custody_audit_finalize (GObject *object)
{
  CustodyAudit *self = CUSTODY_AUDIT (object);

  g_free (self->progress_text);
  g_free (self->summary);
  g_free (self->report_text);
  g_clear_pointer (&self->report, chain_audit_report_unref);
  g_free (self->ledger_path);
  g_mutex_clear (&self->progress_lock);
  G_OBJECT_CLASS (custody_audit_parent_class)->finalize (object);
}

static void
custody_audit_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CustodyAudit *self = CUSTODY_AUDIT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, custody_audit_get_running (self));
      break;
    case PROP_FRACTION:
      g_value_set_double (value, custody_audit_get_fraction (self));
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_REPORT_TEXT:
      g_value_set_string (value, self->report_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
custody_audit_class_init (CustodyAuditClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = custody_audit_dispose;
  object_class->finalize = custody_audit_finalize;
  object_class->get_property = custody_audit_get_property;

  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, CUSTODY_AUDIT_ERROR, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS_TEXT] = g_param_spec_string ("progress-text", NULL, NULL, NULL,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REPORT_TEXT] = g_param_spec_string ("report-text", NULL, NULL, NULL,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CustodyAudit::finished:
   *
   * The audit ended: passed, failed, cancelled or could not run.
   */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
custody_audit_init (CustodyAudit *self)
{
  g_mutex_init (&self->progress_lock);
  self->summary = g_strdup (_("The ledger has not been audited in this session"));
}

CustodyAudit *
custody_audit_new (void)
{
  return g_object_new (CUSTODY_TYPE_AUDIT, NULL);
}

static void
set_state (CustodyAudit      *self,
           CustodyAuditState  state,
           char              *summary)
{
  gboolean was_running = custody_audit_get_running (self);

  self->state = state;
  g_free (self->summary);
  self->summary = summary;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPORT_TEXT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  if (was_running != custody_audit_get_running (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* In the main thread: the latest progress the auditing thread reported. */
static gboolean
deliver_progress (gpointer user_data)
{
  CustodyAudit *self = user_data;

  g_atomic_int_set (&self->progress_queued, 0);
  if (self->state == CUSTODY_AUDIT_RUNNING)
    {
      g_mutex_lock (&self->progress_lock);
      self->done = self->thread_done;
      self->total = self->thread_total;
      g_mutex_unlock (&self->progress_lock);
      g_free (self->progress_text);
      /* TRANSLATORS: audit progress: records audited of records in the ledger */
      self->progress_text = g_strdup_printf (_("%'llu of %'llu records"),
                                             (unsigned long long) self->done, (unsigned long long) self->total);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
    }
  return G_SOURCE_REMOVE;
}

/* In the auditing thread, after each record: at most one update queued. */
static void
on_progress (guint64  done,
             guint64  total,
             gpointer user_data)
{
  CustodyAudit *self = user_data;

  g_mutex_lock (&self->progress_lock);
  self->thread_done = done;
  self->thread_total = total;
  g_mutex_unlock (&self->progress_lock);
  if (g_atomic_int_compare_and_exchange (&self->progress_queued, 0, 1))
    g_idle_add_full (G_PRIORITY_DEFAULT, deliver_progress, g_object_ref (self), g_object_unref);
}

typedef struct {
  char *path;
  char *pinned_tip;
  char *trusted_root;
} AuditRun;

static void
audit_run_free (gpointer data)
{
  AuditRun *run = data;

  g_free (run->path);
  g_free (run->pinned_tip);
  g_free (run->trusted_root);
  g_free (run);
}

/* The audit runs on a thread of its own, joined when it ends, so nothing
 * per-thread (libgit2's state) outlives it. */
static gpointer
audit_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  CustodyAudit *self = g_task_get_source_object (task);
  AuditRun *run = g_task_get_task_data (task);
  ChainAuditOptions options = CHAIN_AUDIT_OPTIONS_INIT;
  ChainAuditReport *report = NULL;
  GError *error = NULL;

  options.pinned_tip = run->pinned_tip;
  options.trusted_root = run->trusted_root;
  options.progress = on_progress;
  options.progress_data = self;
  if (chain_audit_repository (run->path, &options, &report, g_task_get_cancellable (task), &error))
    g_task_return_pointer (task, report, (GDestroyNotify) chain_audit_report_unref);
  else
    g_task_return_error (task, error);
  return NULL;
}

static void
on_audit_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CustodyAudit *self = CUSTODY_AUDIT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainAuditReport) report = g_task_propagate_pointer (G_TASK (result), &error);
  guint64 n_records;
  guint64 n_failed;

  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_object (&self->cancellable);
  if (report == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_state (self, CUSTODY_AUDIT_CANCELLED, g_strdup (_("The audit was cancelled")));
      else
        set_state (self, CUSTODY_AUDIT_ERROR,
                   /* TRANSLATORS: %s is libchain's error message */
                   g_strdup_printf (_("The audit could not run: %s"), error->message));
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      return;
    }

  g_clear_pointer (&self->report, chain_audit_report_unref);
  self->report = g_steal_pointer (&report);
  g_free (self->report_text);
  self->report_text = chain_audit_report_to_text (self->report, TRUE);
  n_records = chain_audit_report_get_n_records (self->report);
  n_failed = chain_audit_report_get_n_failed_records (self->report);
  self->done = self->total = n_records;
  g_free (self->progress_text);
  self->progress_text = g_strdup_printf (_("%'llu of %'llu records"),
                                         (unsigned long long) n_records, (unsigned long long) n_records);
  if (chain_audit_report_is_ok (self->report))
    set_state (self, CUSTODY_AUDIT_PASSED,
               g_strdup_printf (ngettext ("The audit found nothing wrong in %'llu record",
                                          "The audit found nothing wrong in %'llu records",
                                          (gulong) n_records),
                                (unsigned long long) n_records));
  else
    set_state (self, CUSTODY_AUDIT_FAILED,
               g_strdup_printf (ngettext ("The audit found problems in %'llu of %'llu record",
                                          "The audit found problems in %'llu of %'llu records",
                                          (gulong) n_records),
                                (unsigned long long) n_failed, (unsigned long long) n_records));
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

void
custody_audit_start (CustodyAudit *self,
                     const char   *ledger_path,
                     const char   *pinned_tip,
                     const char   *trusted_root)
{
  AuditRun *run = NULL;
  GTask *task = NULL;

  g_return_if_fail (CUSTODY_IS_AUDIT (self));
  g_return_if_fail (!custody_audit_get_running (self));

  g_free (self->ledger_path);
  self->ledger_path = g_strdup (ledger_path);
  run = g_new0 (AuditRun, 1);
  run->path = g_strdup (ledger_path);
  run->pinned_tip = g_strdup (pinned_tip);
  run->trusted_root = g_strdup (trusted_root);
  self->cancellable = g_cancellable_new ();
  self->done = 0;
  self->total = 0;
  g_clear_pointer (&self->progress_text, g_free);
  g_clear_pointer (&self->report_text, g_free);
  g_clear_pointer (&self->report, chain_audit_report_unref);
  set_state (self, CUSTODY_AUDIT_RUNNING, g_strdup (_("Auditing the ledger…")));
  /* The task holds @self, which the thread's progress reports point at. */
  task = g_task_new (self, self->cancellable, on_audit_done, NULL);
  g_task_set_task_data (task, run, audit_run_free);
  self->thread = g_thread_new ("custody-audit", audit_thread, task);
}

void
custody_audit_cancel (CustodyAudit *self)
{
  g_return_if_fail (CUSTODY_IS_AUDIT (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
custody_audit_reset (CustodyAudit *self)
{
  g_return_if_fail (CUSTODY_IS_AUDIT (self));
  g_return_if_fail (!custody_audit_get_running (self));

  g_clear_pointer (&self->report, chain_audit_report_unref);
  g_clear_pointer (&self->report_text, g_free);
  g_clear_pointer (&self->progress_text, g_free);
  self->done = self->total = 0;
  set_state (self, CUSTODY_AUDIT_IDLE,
             g_strdup (_("The ledger has not been audited in this session")));
}

const char *
custody_audit_get_ledger_path (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), NULL);
  return self->ledger_path;
}

CustodyAuditState
custody_audit_get_state (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), CUSTODY_AUDIT_IDLE);
  return self->state;
}

gboolean
custody_audit_get_running (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), FALSE);
  return self->state == CUSTODY_AUDIT_RUNNING;
}

double
custody_audit_get_fraction (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), 0.0);

  if (self->state == CUSTODY_AUDIT_PASSED || self->state == CUSTODY_AUDIT_FAILED)
    return 1.0;
  if (self->total == 0)
    return 0.0;
  return CLAMP ((double) self->done / (double) self->total, 0.0, 1.0);
}

const char *
custody_audit_get_progress_text (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), NULL);
  return self->progress_text;
}

const char *
custody_audit_get_summary (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), NULL);
  return self->summary;
}

const char *
custody_audit_get_report_text (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), NULL);
  return self->report_text;
}

ChainAuditReport *
custody_audit_get_report (CustodyAudit *self)
{
  g_return_val_if_fail (CUSTODY_IS_AUDIT (self), NULL);
  return self->report;
}
