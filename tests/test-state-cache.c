/* test-state-cache.c — the replayed state kept on disk, and what opens it
 *
 * A workspace keeps its state in WS/state-cache, keyed by the commit it was
 * replayed to. These tests open real workspaces (test-custody.h) with the
 * cache hit, behind main (the new records replayed on top), keyed to a
 * commit main does not hold, of another ledger, corrupt, truncated and
 * deleted, and check each time that the state, and every device lookup,
 * equals what a replay from nothing gives.
 */
#include "test-custody.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/sha.h>

#include "chain-device-lookup.h"
#include "chain-ledger-state-private.h"
#include "chain-revoke.h"
#include "chain-state-cache-private.h"

static TestCustody *base;
static TestCustody *custody;

static const char *const batch_ids[] = { "cache-0001", "cache-0002", "cache-0003", NULL };
static const char *const later_ids[] = { "cache-0004", "cache-0005", NULL };
static const char *const all_ids[] = { "cache-0001", "cache-0002", "cache-0003", "cache-0004", "cache-0005", NULL };

static void
base_setup (void)
{
  base = test_custody_new ();
  g_ptr_array_unref (test_custody_issue (base->dist, batch_ids, NULL, TRUE));
}

static void
base_teardown (void)
{
  g_clear_pointer (&base, test_custody_free);
}

static void
setup (void)
{
  custody = test_custody_copy (base);
}

static void
teardown (void)
{
  g_clear_pointer (&custody, test_custody_free);
}

static char *
dist_path (const char *name)
{
  return g_build_filename (custody->dir, "dist", name, NULL);
}

/* Closes dist (which saves its cache) and reopens it. */
static void
reopen_dist (void)
{
  g_autofree char *ws = dist_path (NULL);

  g_clear_pointer (&custody->dist, chain_workspace_free);
  custody->dist = test_custody_open (ws);
}

/* The state dist has when it replays from nothing, the cache removed
 * first and put back after. */
static ChainWorkspace *
open_replayed (void)
{
  g_autofree char *ws = dist_path (NULL);
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  g_autofree char *aside = dist_path ("state-cache.aside");
  gboolean had = g_file_test (cache, G_FILE_TEST_EXISTS);
  ChainWorkspace *replayed;

  if (had)
    ck_assert_int_eq (g_rename (cache, aside), 0);
  replayed = test_custody_open (ws);
  if (had)
    ck_assert_int_eq (g_rename (aside, cache), 0);
  else
    g_unlink (cache);
  return replayed;
}

static void
assert_same_seen (GHashTable *a,
                  GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  ck_assert_uint_eq (g_hash_table_size (a), g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const ChainLedgerSeen *x = value;
      const ChainLedgerSeen *y = g_hash_table_lookup (b, key);

      ck_assert_msg (y != NULL, "%s missing", (const char *) key);
      ck_assert_int_eq (x->type, y->type);
      ck_assert_uint_eq (x->seq, y->seq);
    }
}

/* Everything the state answers, compared. */
static void
assert_same_state (const ChainLedgerState *a,
                   const ChainLedgerState *b)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  ck_assert_uint_eq (chain_ledger_state_get_n_records (a), chain_ledger_state_get_n_records (b));
  ck_assert_str_eq (chain_ledger_state_get_ledger_id (a), chain_ledger_state_get_ledger_id (b));
  ck_assert_str_eq (chain_ledger_state_get_policy_digest (a), chain_ledger_state_get_policy_digest (b));
  ck_assert (chain_policy_equal (chain_ledger_state_get_policy (a), chain_ledger_state_get_policy (b)));
  ck_assert_int_eq (a->last_commit_time, b->last_commit_time);
  ck_assert_uint_eq (chain_ledger_state_get_n_issued (a), chain_ledger_state_get_n_issued (b));
  ck_assert_uint_eq (chain_ledger_state_get_n_revoked (a), chain_ledger_state_get_n_revoked (b));
  ck_assert_uint_eq (chain_ledger_state_get_n_custodians (a), chain_ledger_state_get_n_custodians (b));
  for (guint i = 0; i < chain_ledger_state_get_n_custodians (a); i++)
    {
      const ChainCustodian *x = chain_ledger_state_get_custodian (a, i);
      const ChainCustodian *y = chain_ledger_state_get_custodian (b, i);

      ck_assert_str_eq (x->id, y->id);
      ck_assert_str_eq (x->name, y->name);
      ck_assert_str_eq (x->tier, y->tier);
      ck_assert_str_eq (chain_custodian_get_parent_id (x) != NULL ? chain_custodian_get_parent_id (x) : "-",
                        chain_custodian_get_parent_id (y) != NULL ? chain_custodian_get_parent_id (y) : "-");
      ck_assert_int_eq (x->accepted, y->accepted);
      ck_assert_str_eq (x->delegation_id != NULL ? x->delegation_id : "-",
                        y->delegation_id != NULL ? y->delegation_id : "-");
      ck_assert_int_eq (x->request == NULL, y->request == NULL);
      if (x->request != NULL)
        ck_assert_str_eq (x->request->id, y->request->id);
      ck_assert_int_eq (chain_custodian_get_status (x, now), chain_custodian_get_status (y, now));
      ck_assert_uint_eq (x->n_devices, y->n_devices);
      ck_assert_uint_eq (x->n_revoked_devices, y->n_revoked_devices);
      ck_assert_uint_eq (chain_custodian_get_n_cas (x), chain_custodian_get_n_cas (y));
      for (guint j = 0; j < chain_custodian_get_n_cas (x); j++)
        {
          ck_assert (chain_cert_equal (chain_custodian_get_ca (x, j), chain_custodian_get_ca (y, j)));
          ck_assert_int_eq (chain_custodian_get_ca_status (x, j, now), chain_custodian_get_ca_status (y, j, now));
        }
      ck_assert_uint_eq (chain_custodian_get_n_officers (x), chain_custodian_get_n_officers (y));
      for (guint j = 0; j < chain_custodian_get_n_officers (x); j++)
        {
          ck_assert_str_eq (chain_custodian_get_officer_key_id (x, j), chain_custodian_get_officer_key_id (y, j));
          ck_assert_int_eq (chain_custodian_is_officer_revoked (x, j), chain_custodian_is_officer_revoked (y, j));
        }
    }
  ck_assert_uint_eq (chain_ledger_state_get_n_cas (a), chain_ledger_state_get_n_cas (b));
  for (guint i = 0; i < chain_ledger_state_get_n_cas (a); i++)
    {
      const ChainLedgerCa *x = chain_ledger_state_get_ca (a, i);
      const ChainLedgerCa *y = chain_ledger_state_get_ca (b, i);

      ck_assert_str_eq (x->thumbprint, y->thumbprint);
      ck_assert_int_eq (x->issuer == NULL, y->issuer == NULL);
      if (x->issuer != NULL)
        ck_assert_uint_eq (x->issuer->index, y->issuer->index);
      ck_assert_uint_eq (x->n_devices, y->n_devices);
      ck_assert_uint_eq (x->crl_number, y->crl_number);
      ck_assert_uint_eq (x->revoked_serials->len, y->revoked_serials->len);
      for (guint j = 0; j < x->revoked_serials->len; j++)
        ck_assert_str_eq (g_ptr_array_index (x->revoked_serials, j), g_ptr_array_index (y->revoked_serials, j));
    }
  ck_assert_uint_eq (chain_ledger_state_get_n_requests (a), chain_ledger_state_get_n_requests (b));
  for (guint i = 0; i < chain_ledger_state_get_n_requests (a); i++)
    {
      const ChainLedgerRequest *x = chain_ledger_state_get_request (a, i);
      const ChainLedgerRequest *y = chain_ledger_state_get_request (b, i);

      ck_assert_str_eq (x->id, y->id);
      ck_assert_int_eq (x->status, y->status);
      ck_assert_uint_eq (x->approvals->len, y->approvals->len);
      ck_assert_str_eq (chain_ledger_request_get_parent_id (x), chain_ledger_request_get_parent_id (y));
    }
  ck_assert_uint_eq (chain_ledger_state_get_n_exports (a), chain_ledger_state_get_n_exports (b));
  ck_assert_uint_eq (g_hash_table_size (a->delegations), g_hash_table_size (b->delegations));
  ck_assert_uint_eq (g_hash_table_size (a->ca_serials), g_hash_table_size (b->ca_serials));
  ck_assert_uint_eq (g_hash_table_size (a->officer_serials), g_hash_table_size (b->officer_serials));
  assert_same_seen (a->seen, b->seen);
  assert_same_seen (a->policy_history, b->policy_history);
  ck_assert_uint_eq (chain_ledger_state_get_n_device_ids (a), chain_ledger_state_get_n_device_ids (b));
  for (guint i = 0; all_ids[i] != NULL; i++)
    {
      ChainSerialKey id_key;
      ChainSerialKey sa = { { 0 } };
      ChainSerialKey sb = { { 0 } };
      guint64 seq_a = 0;
      guint64 seq_b = 0;
      gboolean found;

      chain_ledger_device_id_key (all_ids[i], &id_key);
      found = chain_ledger_state_find_device (a, &id_key, &sa);
      ck_assert_int_eq (found, chain_ledger_state_find_device (b, &id_key, &sb));
      ck_assert_int_eq (found, chain_ledger_state_find_device_batch (a, &id_key, &seq_a));
      ck_assert_int_eq (found, chain_ledger_state_find_device_batch (b, &id_key, &seq_b));
      ck_assert (memcmp (&sa, &sb, sizeof sa) == 0);
      ck_assert_uint_eq (seq_a, seq_b);
      if (found)
        {
          ChainLedgerCa *ia = NULL;
          ChainLedgerCa *ib = NULL;

          ck_assert_int_eq (chain_ledger_state_serial_in_force (a, &sa, &ia),
                            chain_ledger_state_serial_in_force (b, &sb, &ib));
          ck_assert_uint_eq (ia->index, ib->index);
        }
    }
}

/* Every device lookup of @a equals @b's. */
static void
assert_same_lookups (ChainWorkspace *a,
                     ChainWorkspace *b)
{
  for (guint i = 0; all_ids[i] != NULL; i++)
    {
      g_autoptr(GError) ea = NULL;
      g_autoptr(GError) eb = NULL;
      g_autoptr(ChainDeviceLookup) x = chain_workspace_lookup_device (a, all_ids[i], NULL, &ea);
      g_autoptr(ChainDeviceLookup) y = chain_workspace_lookup_device (b, all_ids[i], NULL, &eb);

      ck_assert_int_eq (x == NULL, y == NULL);
      if (x == NULL)
        {
          ck_assert_str_eq (ea->message, eb->message);
          continue;
        }
      ck_assert_str_eq (chain_device_lookup_get_serial (x), chain_device_lookup_get_serial (y));
      ck_assert_uint_eq (chain_device_lookup_get_batch_seq (x), chain_device_lookup_get_batch_seq (y));
      ck_assert_str_eq (chain_device_lookup_get_issuer_id (x), chain_device_lookup_get_issuer_id (y));
      ck_assert_int_eq (chain_device_lookup_is_revoked (x), chain_device_lookup_is_revoked (y));
      ck_assert_uint_eq (chain_device_lookup_get_revocation_seq (x), chain_device_lookup_get_revocation_seq (y));
      ck_assert_int_eq (chain_device_lookup_get_revocation_reason (x),
                        chain_device_lookup_get_revocation_reason (y));
    }
}

/* dist as it is now equals dist replayed from nothing. */
static void
assert_dist_as_replayed (void)
{
  g_autoptr(ChainWorkspace) replayed = open_replayed ();

  assert_same_state (chain_workspace_get_state (custody->dist), chain_workspace_get_state (replayed));
  assert_same_lookups (custody->dist, replayed);
}

/* The commit the cache on disk ends at, or NULL if it is unusable. */
static char *
cache_tip (void)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  const char *ledger_id = chain_ledger_get_id (chain_workspace_get_ledger (custody->dist));
  g_autoptr(ChainLedgerState) state = NULL;
  char *tip = NULL;

  state = chain_state_cache_read (cache, ledger_id, &tip, NULL);
  return state != NULL ? tip : NULL;
}

static const char *
main_tip (void)
{
  return chain_ledger_get_tip_commit_id (chain_workspace_get_ledger (custody->dist));
}

static GBytes *
read_cache (void)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  char *data = NULL;
  gsize len = 0;

  ck_assert (g_file_get_contents (cache, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static void
write_cache (const void *data,
             gsize       len)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);

  ck_assert (g_file_set_contents (cache, data, (gssize) len, NULL));
}

START_TEST (test_open_writes_cache)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  g_autofree char *tip = NULL;
  struct stat st;

  reopen_dist ();
  ck_assert_int_eq (g_stat (cache, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);
  tip = cache_tip ();
  ck_assert_str_eq (tip, main_tip ());
  assert_dist_as_replayed ();
}
END_TEST

/* A valid cache at main's tip is what open reads: a marker planted in it
 * (a count no record changes) shows through. */
START_TEST (test_cache_hit)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *tip = NULL;
  ChainCustodian *dist;

  reopen_dist ();
  state = chain_state_cache_read (cache, chain_ledger_get_id (chain_workspace_get_ledger (custody->dist)), &tip, NULL);
  ck_assert_ptr_nonnull (state);
  dist = (ChainCustodian *) chain_ledger_state_find_custodian (state, "dist");
  dist->n_devices = 4242;
  ck_assert (chain_state_cache_write (cache, state, tip, NULL));
  reopen_dist ();
  ck_assert_uint_eq (chain_custodian_get_n_devices (chain_workspace_get_custodian (custody->dist)), 4242);
}
END_TEST

/* A cache behind main: the records after it are replayed on top, and the
 * cache moves to the tip. */
START_TEST (test_cache_behind_main)
{
  g_autoptr(GBytes) old = NULL;
  g_autofree char *old_tip = NULL;
  g_autofree char *tip = NULL;

  reopen_dist ();
  old = read_cache ();
  old_tip = cache_tip ();
  g_ptr_array_unref (test_custody_issue (custody->dist, later_ids, NULL, TRUE));
  ck_assert_str_ne (old_tip, main_tip ());
  write_cache (g_bytes_get_data (old, NULL), g_bytes_get_size (old));
  reopen_dist ();
  tip = cache_tip ();
  ck_assert_str_eq (tip, main_tip ());
  assert_dist_as_replayed ();
}
END_TEST

/* What closing a workspace that appended leaves: a cache at its tip. */
START_TEST (test_close_saves_appends)
{
  g_autofree char *tip = NULL;

  reopen_dist ();
  g_ptr_array_unref (test_custody_issue (custody->dist, later_ids, NULL, TRUE));
  reopen_dist ();
  tip = cache_tip ();
  ck_assert_str_eq (tip, main_tip ());
  assert_dist_as_replayed ();
}
END_TEST

/* A cache of exactly one device, then more devices: the state read from
 * it holds its table at one entry, which must still grow. */
START_TEST (test_cache_of_one_device_grows)
{
  static const char *const one[] = { "single-0001", NULL };
  static const char *const more[] = { "single-0002", "single-0003", "single-0004", NULL };
  g_autofree char *tip = NULL;

  g_clear_pointer (&custody, test_custody_free);
  custody = test_custody_new ();
  g_ptr_array_unref (test_custody_issue (custody->dist, one, NULL, TRUE));
  reopen_dist ();   /* replays, and writes the cache of one device */
  reopen_dist ();   /* reads it */
  g_ptr_array_unref (test_custody_issue (custody->dist, more, NULL, TRUE));
  reopen_dist ();
  tip = cache_tip ();
  ck_assert_str_eq (tip, main_tip ());
  assert_dist_as_replayed ();
}
END_TEST

typedef enum {
  SPOIL_DELETE,
  SPOIL_FLIP_BYTE,
  SPOIL_TRUNCATE,
  SPOIL_EMPTY,
  SPOIL_GARBAGE,
  SPOIL_OTHER_TIP,
  SPOIL_OTHER_LEDGER,
  SPOIL_OTHER_VERSION,
  SPOIL_DIRECTORY,
} Spoil;

static void
rewrite_cache (gboolean other_tip,
               gboolean other_ledger)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  g_autoptr(ChainLedgerState) state = NULL;
  g_autofree char *tip = NULL;

  state = chain_state_cache_read (cache, chain_ledger_get_id (chain_workspace_get_ledger (custody->dist)), &tip, NULL);
  ck_assert_ptr_nonnull (state);
  if (other_ledger)
    {
      g_free (state->ledger_id);
      state->ledger_id = g_strdup ("another-ledger");
    }
  ck_assert (chain_state_cache_write (cache, state, other_tip ? "0123456789abcdef0123456789abcdef01234567" : tip,
                                      NULL));
}

/* Whatever is wrong with the cache, open replays and comes to the same
 * state; the cache it leaves is good again. */
START_TEST (test_spoiled_cache_ignored)
{
  g_autofree char *cache = dist_path (CHAIN_STATE_CACHE_FILE);
  g_autoptr(GBytes) good = NULL;
  g_autofree guint8 *copy = NULL;
  g_autofree char *tip = NULL;
  gsize len;

  reopen_dist ();
  good = read_cache ();
  len = g_bytes_get_size (good);
  copy = g_memdup2 (g_bytes_get_data (good, NULL), len);
  switch ((Spoil) _i)
    {
    case SPOIL_DELETE:
      ck_assert_int_eq (g_unlink (cache), 0);
      break;
    case SPOIL_FLIP_BYTE:
      copy[len / 2] ^= 0x40;
      write_cache (copy, len);
      break;
    case SPOIL_TRUNCATE:
      write_cache (copy, len / 3);
      break;
    case SPOIL_EMPTY:
      write_cache ("", 0);
      break;
    case SPOIL_GARBAGE:
      memset (copy, 'x', len);
      write_cache (copy, len);
      break;
    case SPOIL_OTHER_TIP:
      rewrite_cache (TRUE, FALSE);
      break;
    case SPOIL_OTHER_LEDGER:
      rewrite_cache (FALSE, TRUE);
      break;
    case SPOIL_OTHER_VERSION:
      /* The version follows the 16-byte magic; the checksum is made good. */
      copy[16] = 99;
      SHA256 (copy, len - SHA256_DIGEST_LENGTH, copy + len - SHA256_DIGEST_LENGTH);
      write_cache (copy, len);
      break;
    case SPOIL_DIRECTORY:
      ck_assert_int_eq (g_unlink (cache), 0);
      ck_assert_int_eq (g_mkdir (cache, 0700), 0);
      break;
    }
  reopen_dist ();
  ck_assert_uint_eq (chain_ledger_state_get_n_records (chain_workspace_get_state (custody->dist)),
                     chain_ledger_get_length (chain_workspace_get_ledger (custody->dist)));
  if ((Spoil) _i != SPOIL_DIRECTORY)
    {
      tip = cache_tip ();
      ck_assert_str_eq (tip, main_tip ());
    }
  else
    g_rmdir (cache);
  assert_dist_as_replayed ();
}
END_TEST

/* Lookups read through a cached state, for a device in force and one
 * revoked, equal those of a replay. */
START_TEST (test_lookup_cached_equals_replayed)
{
  g_autoptr(GError) error = NULL;
  ChainRevokeOptions options = CHAIN_REVOKE_OPTIONS_INIT;
  g_autoptr(ChainRevocation) plan = NULL;
  const char *const revoke[] = { "cache-0002", NULL };

  plan = chain_workspace_plan_revocation (custody->dist, revoke, NULL, NULL, &error);
  ck_assert_msg (plan != NULL, "%s", error != NULL ? error->message : "");
  options.reason = CHAIN_REVOCATION_KEY_COMPROMISE;
  ck_assert_msg (chain_workspace_revoke (custody->dist, plan, &options, NULL, &error), "%s",
                 error != NULL ? error->message : "");
  reopen_dist ();
  assert_dist_as_replayed ();
}
END_TEST

/* Every prefix of a good cache, and every byte of it changed (checksum
 * made good), is refused or read without harm. */
START_TEST (test_decode_prefixes_and_flips)
{
  g_autoptr(GBytes) good = NULL;
  g_autofree guint8 *copy = NULL;
  gsize len;

  reopen_dist ();
  good = read_cache ();
  len = g_bytes_get_size (good);
  copy = g_malloc (len);
  for (gsize cut = 0; cut < len; cut += 1 + cut / 8)
    {
      g_autoptr(ChainLedgerState) state = NULL;
      g_autofree char *tip = NULL;

      memcpy (copy, g_bytes_get_data (good, NULL), len);
      state = chain_state_cache_decode (copy, cut, &tip, NULL);
      ck_assert_ptr_null (state);
    }
  for (gsize at = 0; at + SHA256_DIGEST_LENGTH < len; at += 1 + at / 64)
    {
      g_autoptr(ChainLedgerState) state = NULL;
      g_autofree char *tip = NULL;

      memcpy (copy, g_bytes_get_data (good, NULL), len);
      copy[at] ^= 0xff;
      SHA256 (copy, len - SHA256_DIGEST_LENGTH, copy + len - SHA256_DIGEST_LENGTH);
      state = chain_state_cache_decode (copy, len, &tip, NULL);
      if (state != NULL)
        ck_assert_ptr_nonnull (tip);
    }
}
END_TEST

static Suite *
state_cache_suite (void)
{
  Suite *suite = suite_create ("state-cache");
  TCase *tc = tcase_create ("open");

  tcase_add_unchecked_fixture (tc, base_setup, base_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_open_writes_cache);
  tcase_add_test (tc, test_cache_hit);
  tcase_add_test (tc, test_cache_behind_main);
  tcase_add_test (tc, test_close_saves_appends);
  tcase_add_test (tc, test_cache_of_one_device_grows);
  tcase_add_loop_test (tc, test_spoiled_cache_ignored, SPOIL_DELETE, SPOIL_DIRECTORY + 1);
  tcase_add_test (tc, test_lookup_cached_equals_replayed);
  tcase_add_test (tc, test_decode_prefixes_and_flips);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (state_cache_suite ());
}
