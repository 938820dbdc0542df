/* test-support.h — what every Check suite of libchain shares */
#pragma once

#include <check.h>
#include <glib.h>

#include "chain.h"

/* Runs @suite with TAP on stdout (meson reads it); returns main()'s exit code. */
int test_support_run_suite (Suite *suite);

/* A fresh directory (mode 0700) under the build tree's temp space; removed by
 * test_support_tmpdir_remove(). */
char *test_support_tmpdir_new (void);
void test_support_tmpdir_remove (const char *path);

/* The passphrase tests use for keys. */
ChainSecret *test_support_passphrase (void);

/* Writes @len bytes of @data to @path, failing the test on error. */
void test_support_write_file (const char *path, const void *data, gsize len);

/* Runs @argv (argv[0] looked up in PATH) with @stdin_data (may be NULL);
 * returns its exit status (or -1 if it could not run); output is captured
 * into @out_stdout / @out_stderr when non-NULL. */
int test_support_run (const char *const *argv,
                      const char        *stdin_data,
                      char             **out_stdout,
                      char             **out_stderr);

/* Asserts that @error is set in CHAIN_ERROR with @code, printing the message
 * on mismatch, then clears it. */
#define test_assert_error(error, code) \
  test_support_assert_error (&(error), (code), __FILE__, __LINE__)
void test_support_assert_error (GError **error, int code, const char *file, int line);

/* Asserts that no error is set, printing its message otherwise. */
#define test_assert_no_error(error) \
  test_support_assert_no_error ((error), __FILE__, __LINE__)
void test_support_assert_no_error (GError *error, const char *file, int line);
