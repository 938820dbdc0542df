/* test-progress-relay.c — worker progress coalesced into a main context */
#include "test-support.h"

#include "chain-progress-relay-private.h"

#include <string.h>

#define N_POSTERS 4
#define N_POSTS 2000

/* What deliveries saw; written in the context's thread only (notify may
 * run anywhere, hence atomic). */
typedef struct {
  GMainContext *context;
  GMainLoop    *loop;                 /* quit when values[0] == quit_at */
  guint64       quit_at;
  guint         n_deliveries;
  guint64       values[CHAIN_PROGRESS_RELAY_MAX_VALUES];
  guint         n_values;
  GThread      *thread;               /* that ran the latest delivery */
  gboolean      outside_context;      /* a delivery ran without owning it */
  gboolean      went_back;            /* values[0] did not increase */
  gint          n_notified;
} Seen;

static void
seen_init (Seen         *seen,
           GMainContext *context)
{
  memset (seen, 0, sizeof *seen);
  seen->context = context;
}

static void
on_deliver (const guint64 *values,
            guint          n_values,
            gpointer       data)
{
  Seen *seen = data;

  ck_assert_uint_ge (n_values, 1);
  ck_assert_uint_le (n_values, CHAIN_PROGRESS_RELAY_MAX_VALUES);
  if (seen->n_deliveries > 0 && values[0] <= seen->values[0])
    seen->went_back = TRUE;
  seen->n_deliveries++;
  memcpy (seen->values, values, n_values * sizeof *values);
  seen->n_values = n_values;
  seen->thread = g_thread_self ();
  if (!g_main_context_is_owner (seen->context))
    seen->outside_context = TRUE;
  if (seen->loop != NULL && values[0] == seen->quit_at)
    g_main_loop_quit (seen->loop);
}

static void
on_notify (gpointer data)
{
  Seen *seen = data;

  g_atomic_int_inc (&seen->n_notified);
}

static void
drain (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* ---- Posting threads ------------------------------------------------------------ */

typedef struct {
  ChainProgressRelay *relay;
  guint64             first;
  guint64             n_posts;
  guint               n_values;
  gboolean            unref_after;    /* drop the relay from this thread */
} Poster;

static gpointer
post_thread (gpointer data)
{
  Poster *poster = data;

  for (guint64 i = 0; i < poster->n_posts; i++)
    {
      const guint64 values[CHAIN_PROGRESS_RELAY_MAX_VALUES] = {
        poster->first + i, i, poster->n_posts, poster->first
      };

      chain_progress_relay_post (poster->relay, values, poster->n_values);
    }
  if (poster->unref_after)
    chain_progress_relay_unref (poster->relay);
  return NULL;
}

static void
run_posters (Poster *posters,
             guint   n)
{
  GThread *threads[N_POSTERS + 1];

  ck_assert_uint_le (n, G_N_ELEMENTS (threads));
  for (guint i = 0; i < n; i++)
    threads[i] = g_thread_new ("poster", post_thread, &posters[i]);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
}

/* ---- Cases ------------------------------------------------------------------------ */

/* Thousands of posts from several threads while the context is not
 * iterated make one delivery, in the iterating thread, of the last post
 * (with its own count of values); another context sees nothing. */
START_TEST (test_posts_coalesce)
{
  GMainContext *context = g_main_context_new ();
  ChainProgressRelay *relay = NULL;
  Poster posters[N_POSTERS];
  Poster last = { NULL, 1000000, 1, 2, FALSE };
  Seen seen;

  seen_init (&seen, context);
  relay = chain_progress_relay_new (context, "[test] relay", on_deliver, &seen, on_notify);
  for (guint i = 0; i < N_POSTERS; i++)
    posters[i] = (Poster) { relay, i * N_POSTS, N_POSTS, 3, FALSE };
  run_posters (posters, N_POSTERS);
  drain (NULL);
  ck_assert_uint_eq (seen.n_deliveries, 0);

  last.relay = relay;
  run_posters (&last, 1);
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 1);
  ck_assert_uint_eq (seen.n_values, 2);
  ck_assert_uint_eq (seen.values[0], 1000000);
  ck_assert_uint_eq (seen.values[1], 0);
  ck_assert_ptr_eq (seen.thread, g_thread_self ());
  ck_assert (!seen.outside_context);

  /* Nothing more is waiting; a new post makes a new delivery. */
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 1);
  chain_progress_relay_post (relay, (const guint64[]) { 5, 6, 7, 8 }, 4);
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 2);
  ck_assert_uint_eq (seen.n_values, 4);
  ck_assert_uint_eq (seen.values[3], 8);

  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 0);
  chain_progress_relay_unref (relay);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 1);
  g_main_context_unref (context);
}
END_TEST

typedef struct {
  GMainContext *context;
  Seen         *seen;
} LoopThread;

static gpointer
loop_thread (gpointer data)
{
  LoopThread *lt = data;

  g_main_context_push_thread_default (lt->context);
  g_main_loop_run (lt->seen->loop);
  g_main_context_pop_thread_default (lt->context);
  return NULL;
}

/* A context run by its own thread while a worker posts a rising count:
 * every delivery runs in that thread, counts never go back or repeat,
 * and the last one posted arrives. */
START_TEST (test_delivered_in_context_thread)
{
  GMainContext *context = g_main_context_new ();
  ChainProgressRelay *relay = NULL;
  Poster poster = { NULL, 1, 100000, 1, FALSE };
  LoopThread lt = { context, NULL };
  GThread *thread = NULL;
  Seen seen;

  seen_init (&seen, context);
  seen.loop = g_main_loop_new (context, FALSE);
  seen.quit_at = poster.first + poster.n_posts - 1;
  lt.seen = &seen;
  relay = chain_progress_relay_new (context, "[test] relay", on_deliver, &seen, on_notify);
  poster.relay = relay;
  thread = g_thread_new ("context", loop_thread, &lt);
  run_posters (&poster, 1);
  g_thread_join (g_thread_ref (thread));

  ck_assert_uint_ge (seen.n_deliveries, 1);
  ck_assert_uint_le (seen.n_deliveries, poster.n_posts);
  ck_assert_uint_eq (seen.values[0], seen.quit_at);
  ck_assert_ptr_eq (seen.thread, thread);
  ck_assert (!seen.outside_context);
  ck_assert (!seen.went_back);
  g_thread_unref (thread);
  chain_progress_relay_unref (relay);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 1);
  g_main_loop_unref (seen.loop);
  g_main_context_unref (context);
}
END_TEST

typedef struct {
  Seen               *seen;
  ChainProgressRelay *relay;
  guint64             seen_at_callback;
  gboolean            called;
  GMutex              lock;
  GCond               cond;
  gboolean            returned;     /* by the worker */
  gboolean            finalized;    /* the task, maybe in its worker thread */
} TaskRun;

/* The task's data: dropped when the task is finalized. */
static void
task_run_release (gpointer data)
{
  TaskRun *run = data;

  g_clear_pointer (&run->relay, chain_progress_relay_unref);
  g_mutex_lock (&run->lock);
  run->finalized = TRUE;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
}

static void
task_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TaskRun *run = task_data;

  (void) source_object;
  (void) cancellable;
  for (guint64 i = 1; i <= N_POSTS; i++)
    chain_progress_relay_post (run->relay, &i, 1);
  g_task_return_boolean (task, TRUE);
  g_mutex_lock (&run->lock);
  run->returned = TRUE;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
}

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  TaskRun *run = data;

  (void) source;
  ck_assert (g_task_propagate_boolean (G_TASK (result), NULL));
  run->called = TRUE;
  run->seen_at_callback = run->seen->n_deliveries > 0 ? run->seen->values[0] : 0;
}

/* What a GTask's worker posted arrives before the task's callback, in the
 * context the task was started from: the ordering the _async APIs rely on.
 * The context is iterated only once the worker returned, so the last
 * delivery and the task's return wait there together. */
START_TEST (test_final_values_before_task_callback)
{
  GMainContext *context = g_main_context_new ();
  GTask *task = NULL;
  Seen seen;
  TaskRun run = { &seen, NULL, 0, FALSE, { 0 }, { 0 }, FALSE, FALSE };

  seen_init (&seen, context);
  g_mutex_init (&run.lock);
  g_cond_init (&run.cond);
  g_main_context_push_thread_default (context);
  task = g_task_new (NULL, NULL, on_task_done, &run);
  run.relay = chain_progress_relay_new (context, "[test] relay", on_deliver, &seen, on_notify);
  g_task_set_task_data (task, &run, task_run_release);
  g_task_run_in_thread (task, task_worker);
  g_object_unref (task);
  /* Both the last delivery and the task's return wait in the context. */
  g_mutex_lock (&run.lock);
  while (!run.returned)
    g_cond_wait (&run.cond, &run.lock);
  g_mutex_unlock (&run.lock);
  while (!run.called)
    g_main_context_iteration (context, TRUE);
  drain (context);
  g_main_context_pop_thread_default (context);
  /* The worker thread may hold the task (and so the relay) a moment longer. */
  g_mutex_lock (&run.lock);
  while (!run.finalized)
    g_cond_wait (&run.cond, &run.lock);
  g_mutex_unlock (&run.lock);

  ck_assert_uint_eq (run.seen_at_callback, N_POSTS);
  ck_assert_uint_eq (seen.values[0], N_POSTS);
  ck_assert (!seen.went_back);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 1);
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.cond);
  g_main_context_unref (context);
}
END_TEST

/* Once closed, neither a waiting delivery nor a later post calls back. */
START_TEST (test_close)
{
  GMainContext *context = g_main_context_new ();
  ChainProgressRelay *relay = NULL;
  Seen seen;

  seen_init (&seen, context);
  relay = chain_progress_relay_new (context, "[test] relay", on_deliver, &seen, on_notify);
  chain_progress_relay_post (relay, (const guint64[]) { 1 }, 1);
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 1);
  chain_progress_relay_post (relay, (const guint64[]) { 2 }, 1);
  chain_progress_relay_close (relay);
  chain_progress_relay_post (relay, (const guint64[]) { 3 }, 1);
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 1);
  ck_assert_uint_eq (seen.values[0], 1);
  chain_progress_relay_unref (relay);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 1);
  g_main_context_unref (context);
}
END_TEST

/* The caller stops iterating its context; the worker then drops the last
 * reference, with or without a delivery waiting. Nothing is delivered,
 * nothing crashes, and dropping the context frees everything (ASan's leak
 * check sees it): a waiting delivery must not keep the context alive. */
static const gboolean post_before_unref_cases[] = { FALSE, TRUE };

START_TEST (test_unref_after_context_stops)
{
  GMainContext *context = g_main_context_new ();
  ChainProgressRelay *relay = NULL;
  Poster poster = { NULL, 10, 0, 1, TRUE };
  Seen seen;

  seen_init (&seen, context);
  relay = chain_progress_relay_new (context, "[test] relay", on_deliver, &seen, on_notify);
  chain_progress_relay_post (relay, (const guint64[]) { 1 }, 1);
  drain (context);
  ck_assert_uint_eq (seen.n_deliveries, 1);

  /* The context is not iterated from here on. */
  poster.relay = chain_progress_relay_ref (relay);
  poster.n_posts = post_before_unref_cases[_i] ? N_POSTS : 0;
  chain_progress_relay_unref (relay);
  run_posters (&poster, 1);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), post_before_unref_cases[_i] ? 0 : 1);
  g_main_context_unref (context);
  ck_assert_int_eq (g_atomic_int_get (&seen.n_notified), 1);
  ck_assert_uint_eq (seen.n_deliveries, 1);
}
END_TEST

/* ---- The suite -------------------------------------------------------------------- */

static Suite *
progress_relay_suite (void)
{
  Suite *suite = suite_create ("progress-relay");
  TCase *relay = tcase_create ("relay");

  tcase_add_test (relay, test_posts_coalesce);
  tcase_add_test (relay, test_delivered_in_context_thread);
  tcase_add_test (relay, test_final_values_before_task_callback);
  tcase_add_test (relay, test_close);
  tcase_add_loop_test (relay, test_unref_after_context_stops, 0,
                       G_N_ELEMENTS (post_before_unref_cases));
  suite_add_tcase (suite, relay);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (progress_relay_suite ());
}
