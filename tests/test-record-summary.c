/* test-record-summary.c — the one line `chain log` and Custody's timeline
 * show for a record */
#include "test-support.h"

#include <string.h>

#define LEDGER_ID "0123456789abcdef0123456789abcdef"
#define POLICY "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TIME 1764200000
#define CA "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

typedef struct {
  ChainRecordType type;
  const char     *body;      /* JSON */
  guint           max_chars;
  const char     *summary;
} SummaryCase;

static const SummaryCase cases[] = {
  { CHAIN_RECORD_TYPE_GENESIS, "{\"custodian\": {\"id\": \"oem\", \"name\": \"Widget Ltd\", \"tier\": \"oem\"}}",
    0, "new ledger: root custodian oem (Widget Ltd), tier oem" },
  { CHAIN_RECORD_TYPE_POLICY, "{\"policy\": {\"tiers\": [\"oem\", \"manufacturer\", \"distributor\"]}}",
    0, "policy change: 3 tier(s)" },
  { CHAIN_RECORD_TYPE_OFFICER, "{\"custodian\": \"cm-a\"}", 0, "officer enrolled for cm-a" },
  { CHAIN_RECORD_TYPE_DELEGATION_REQUEST,
    "{\"custodian\": {\"id\": \"cm-a\", \"name\": \"CM A\", \"tier\": \"manufacturer\"}, \"parent\": \"oem\"}",
    0, "cm-a (CM A) asks oem for a manufacturer sub-CA" },
  { CHAIN_RECORD_TYPE_APPROVAL, "{\"target\": \"" CA "\", \"decision\": \"approve\"}",
    0, "approve request abcdef012345" },
  { CHAIN_RECORD_TYPE_APPROVAL, "{\"target\": \"" CA "\", \"decision\": \"reject\"}",
    0, "reject request abcdef012345" },
  { CHAIN_RECORD_TYPE_DELEGATION, "{\"child\": \"cm-a\", \"path_len\": 1, \"not_after\": 1893456000}",
    0, "sub-CA for cm-a, path length 1, until 2030-01-01T00:00:00Z" },
  { CHAIN_RECORD_TYPE_ACCEPTANCE, "{\"delegation\": \"" CA "\"}", 0, "accepts delegation abcdef012345" },
  { CHAIN_RECORD_TYPE_DEVICE_BATCH, "{\"issuer\": \"" CA "\", \"count\": 5}",
    0, "5 device(s) under CA abcdef012345" },
  { CHAIN_RECORD_TYPE_POP, "{\"ca\": \"" CA "\", \"target\": \"azure-iothub\", \"code\": \"C0DE\"}",
    0, "proof of possession of CA abcdef012345 for azure-iothub, code C0DE" },
  { CHAIN_RECORD_TYPE_EXPORT, "{\"ca\": \"" CA "\", \"target\": \"aws-iot\", \"files\": {\"a\": 1, \"b\": 2}}",
    0, "export for aws-iot: 2 file(s), CA abcdef012345" },
  /* The reason in words, as Custody says it elsewhere. */
  { CHAIN_RECORD_TYPE_REVOCATION,
    "{\"issuer\": \"" CA "\", \"serials\": [\"01\", \"02\"], \"reason\": \"key-compromise\"}",
    0, "2 serial(s) revoked under CA abcdef012345 (Key compromise)" },
  { CHAIN_RECORD_TYPE_REVOCATION,
    "{\"issuer\": \"" CA "\", \"serials\": [\"01\"], \"reason\": \"cessation-of-operation\"}",
    0, "1 serial(s) revoked under CA abcdef012345 (Cessation of operation)" },
  /* A reason this version does not know shows as recorded, not as a guess. */
  { CHAIN_RECORD_TYPE_REVOCATION,
    "{\"issuer\": \"" CA "\", \"serials\": [\"01\", \"02\"], \"reason\": \"keyCompromise\"}",
    0, "2 serial(s) revoked under CA abcdef012345 (keyCompromise)" },
  { CHAIN_RECORD_TYPE_KEY_ROTATION, "{\"old\": \"" CA "\", \"new\": \"0000000000000000\"}",
    0, "CA abcdef012345 rotated to 000000000000" },
  { CHAIN_RECORD_TYPE_ANNOTATION, "{\"text\": \"Line 3 retooled\"}", 0, "Line 3 retooled" },
  /* Another custodian's text: no line breaks, terminal controls or bidi
   * overrides reach a terminal or a timeline row. */
  { CHAIN_RECORD_TYPE_ANNOTATION, "{\"text\": \"ok\\n  policy: allows it\\u001b[2J\\u007f\\u009b\\u202e\"}",
    0, "ok   policy: allows it?[2J???" },
  { CHAIN_RECORD_TYPE_GENESIS, "{\"custodian\": {\"id\": \"oem\", \"name\": \"Evil\\u0007\\r\", \"tier\": \"oem\"}}",
    0, "new ledger: root custodian oem (Evil? ), tier oem" },
  /* A member missing or of another type reads as "?". */
  { CHAIN_RECORD_TYPE_OFFICER, "{\"custodian\": 7}", 0, "officer enrolled for ?" },
  /* Cut to the width asked for. */
  { CHAIN_RECORD_TYPE_ANNOTATION, "{\"text\": \"0123456789abcdef\"}", 10, "0123456789..." },
  { CHAIN_RECORD_TYPE_ANNOTATION, "{\"text\": \"0123456789\"}", 10, "0123456789" },
};

START_TEST (test_summary)
{
  const SummaryCase *c = &cases[_i];
  g_autoptr(GError) error = NULL;
  g_autoptr(ChainJson) body = chain_json_parse (c->body, strlen (c->body), 4096, &error);
  g_autoptr(ChainStatement) statement = NULL;
  g_autofree char *summary = NULL;

  test_assert_no_error (error);
  statement = chain_statement_new (c->type, "oem", LEDGER_ID, POLICY, TIME, body, &error);
  test_assert_no_error (error);
  summary = chain_record_summary_new (statement, c->max_chars);
  ck_assert_str_eq (summary, c->summary);
}
END_TEST

static Suite *
record_summary_suite (void)
{
  Suite *suite = suite_create ("record-summary");
  TCase *tc = tcase_create ("summary");

  tcase_add_loop_test (tc, test_summary, 0, G_N_ELEMENTS (cases));
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (record_summary_suite ());
}
