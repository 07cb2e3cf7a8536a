/* test_table.c — unit tests of the in-memory table (sim/table.c).
 *
 * Checks: columns added before and after rows (earlier rows get NaN / 0 / ""), type-checked
 * setters and getters, duplicate columns (same definition is a no-op, a different one an error),
 * identifier validation of column names, text truncation at a UTF-8 boundary, growth past the
 * initial capacities, and out-of-range access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/table.h"

static void test_columns_and_rows(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "needle_length_mm", NS_COL_DOUBLE, "mm", "needle length", &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "run", NS_COL_INT, "1", "run index", &err), NS_OK);
  size_t r0 = 99, r1 = 99;
  assert_int_equal(ns_table_add_row(t, &r0, &err), NS_OK);
  assert_int_equal(ns_table_add_row(t, &r1, &err), NS_OK);
  assert_int_equal(r0, 0);
  assert_int_equal(r1, 1);
  assert_int_equal(ns_table_set_double(t, 1, "needle_length_mm", 12.375, &err), NS_OK);
  assert_int_equal(ns_table_set_int(t, 0, "run", -9007199254740993LL, &err), NS_OK);
  /* A column added after rows exist: earlier rows get the empty value. */
  assert_int_equal(ns_table_add_column(t, "site", NS_COL_TEXT, NULL, "body site", &err), NS_OK);
  assert_int_equal(ns_table_rows(t), 2);
  assert_int_equal(ns_table_cols(t), 3);
  assert_true(isnan(ns_table_get_double(t, 0, 0)));
  /* Exact comparison: the value is stored, not computed. */
  assert_true(ns_table_get_double(t, 1, 0) == 12.375);
  assert_true(ns_table_get_int(t, 0, 1) == -9007199254740993LL);
  assert_true(ns_table_get_int(t, 1, 1) == 0);
  assert_string_equal(ns_table_get_text(t, 0, 2), "");
  assert_int_equal(ns_table_set_text(t, 1, "site", "volar forearm", &err), NS_OK);
  assert_string_equal(ns_table_get_text(t, 1, 2), "volar forearm");

  const struct ns_column *c = ns_table_column(t, 2);
  assert_non_null(c);
  assert_string_equal(c->name, "site");
  assert_int_equal(c->type, NS_COL_TEXT);
  assert_string_equal(c->units, "text"); /* NULL units on a text column default to "text" */
  assert_string_equal(c->description, "body site");
  assert_string_equal(ns_table_column(t, 0)->units, "mm");
  assert_null(ns_table_column(t, 3));
  assert_int_equal(err.code, NS_OK);
  ns_table_free(t);
}

static void test_type_checks(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "force", NS_COL_DOUBLE, "N", "peak force", &err), NS_OK);
  assert_int_equal(ns_table_add_row(t, NULL, &err), NS_OK);

  assert_int_equal(ns_table_set_int(t, 0, "force", 3, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "force"));
  ns_err_clear(&err);
  assert_int_equal(ns_table_set_text(t, 0, "force", "x", &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_table_set_double(t, 0, "nonexistent", 1.0, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "nonexistent"));
  ns_err_clear(&err);
  assert_int_equal(ns_table_set_double(t, 1, "force", 1.0, &err), NS_EINTERNAL); /* row 1 absent */
  ns_err_clear(&err);

  /* Getters with the wrong type or out of range return the documented empty values. */
  assert_true(ns_table_get_int(t, 0, 0) == 0);
  assert_null(ns_table_get_text(t, 0, 0));
  assert_true(isnan(ns_table_get_double(t, 5, 0)));
  assert_true(isnan(ns_table_get_double(t, 0, 7)));

  /* Same definition again: no-op. Different type or units: error naming both definitions. */
  assert_int_equal(ns_table_add_column(t, "force", NS_COL_DOUBLE, "N", "other text", &err), NS_OK);
  assert_int_equal(ns_table_cols(t), 1);
  assert_int_equal(ns_table_add_column(t, "force", NS_COL_DOUBLE, "mN", "peak force", &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "mN"));
  ns_err_clear(&err);
  assert_int_equal(ns_table_add_column(t, "force", NS_COL_INT, "N", "peak force", &err), NS_EINTERNAL);
  ns_err_clear(&err);
  /* Numeric columns need units. */
  assert_int_equal(ns_table_add_column(t, "depth", NS_COL_DOUBLE, "", "d", &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_table_add_column(t, "depth", NS_COL_DOUBLE, NULL, "d", &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_table_cols(t), 1);
  ns_table_free(t);
}

static void test_identifiers(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  const char *good[] = {"a", "_", "x1", "Needle_Length_mm", "_2d"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_int_equal(ns_table_add_column(t, good[i], NS_COL_DOUBLE, "1", "", &err), NS_OK);
  const char *bad[] = {"", "1x", "needle length", "a-b", "a.b", "caf\xc3\xa9", "x/y"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ns_err_clear(&err);
    assert_int_equal(ns_table_add_column(t, bad[i], NS_COL_DOUBLE, "1", "", &err), NS_EINTERNAL);
    assert_non_null(strstr(err.msg, "identifier"));
  }
  ns_err_clear(&err);
  assert_int_equal(ns_table_add_column(t, NULL, NS_COL_DOUBLE, "1", "", &err), NS_EINTERNAL);
  /* A name of exactly NS_COL_NAME_MAX-1 characters fits; one more does not. */
  char name[NS_COL_NAME_MAX + 1];
  memset(name, 'a', NS_COL_NAME_MAX - 1);
  name[NS_COL_NAME_MAX - 1] = '\0';
  ns_err_clear(&err);
  assert_int_equal(ns_table_add_column(t, name, NS_COL_INT, "1", "", &err), NS_OK);
  name[NS_COL_NAME_MAX - 1] = 'b';
  name[NS_COL_NAME_MAX] = '\0';
  assert_int_equal(ns_table_add_column(t, name, NS_COL_INT, "1", "", &err), NS_EINTERNAL);
  assert_int_equal(ns_table_cols(t), sizeof good / sizeof good[0] + 1);
  ns_table_free(t);
}

static void test_text_truncation_utf8(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "note", NS_COL_TEXT, "text", "free text", &err), NS_OK);
  assert_int_equal(ns_table_add_row(t, NULL, &err), NS_OK);

  /* "ab" followed by two-byte characters U+00B5 (0xC2 0xB5): character k occupies bytes 2+2k
   * and 3+2k, so the byte limit NS_TEXT_MAX-1 = 319 (odd) falls inside a character and the
   * truncation must back off by one byte. */
  char s[2 * NS_TEXT_MAX];
  size_t n = 0;
  s[n++] = 'a';
  s[n++] = 'b';
  while (n + 2 < sizeof s) {
    s[n++] = (char)0xC2;
    s[n++] = (char)0xB5;
  }
  s[n] = '\0';
  assert_int_equal(ns_table_set_text(t, 0, "note", s, &err), NS_OK);
  const char *got = ns_table_get_text(t, 0, 0);
  size_t len = strlen(got);
  /* Independent expectation: the largest 2 + 2k <= NS_TEXT_MAX - 1. */
  size_t want = 2 + 2 * (size_t)((NS_TEXT_MAX - 1 - 2) / 2);
  assert_true(want < NS_TEXT_MAX - 1); /* the case really truncates mid-character */
  assert_int_equal(len, want);
  assert_memory_equal(got, s, len);
  assert_true(((unsigned char)got[len - 1] & 0xC0u) == 0x80u); /* ends on a complete character */

  /* A three-byte character (U+20AC, E2 82 AC) straddling the limit is dropped whole. */
  char e[NS_TEXT_MAX + 8];
  memset(e, 'x', NS_TEXT_MAX - 2); /* 318 ASCII bytes, then the euro sign at bytes 318..320 */
  e[NS_TEXT_MAX - 2] = (char)0xE2;
  e[NS_TEXT_MAX - 1] = (char)0x82;
  e[NS_TEXT_MAX] = (char)0xAC;
  e[NS_TEXT_MAX + 1] = '\0';
  assert_int_equal(ns_table_set_text(t, 0, "note", e, &err), NS_OK);
  assert_int_equal(strlen(ns_table_get_text(t, 0, 0)), NS_TEXT_MAX - 2);

  /* Short text is kept whole, NULL is stored as "". */
  assert_int_equal(ns_table_set_text(t, 0, "note", "\xce\xbcm", &err), NS_OK);
  assert_string_equal(ns_table_get_text(t, 0, 0), "\xce\xbcm");
  assert_int_equal(ns_table_set_text(t, 0, "note", NULL, &err), NS_OK);
  assert_string_equal(ns_table_get_text(t, 0, 0), "");
  ns_table_free(t);
}

static void test_growth(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  /* Rows before any column, then columns added: capacities must follow. 1000 rows and 20
   * columns pass several doublings of both initial capacities. */
  enum { NR = 1000, NC = 20 };
  for (int i = 0; i < NR / 2; i++) assert_int_equal(ns_table_add_row(t, NULL, &err), NS_OK);
  for (int c = 0; c < NC; c++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", c);
    assert_int_equal(ns_table_add_column(t, name, c % 2 ? NS_COL_INT : NS_COL_DOUBLE, "1", "", &err), NS_OK);
  }
  for (int i = NR / 2; i < NR; i++) assert_int_equal(ns_table_add_row(t, NULL, &err), NS_OK);
  for (size_t r = 0; r < NR; r++)
    for (int c = 0; c < NC; c++) {
      char name[16];
      snprintf(name, sizeof name, "c%d", c);
      if (c % 2)
        assert_int_equal(ns_table_set_int(t, r, name, (int64_t)(r * 1000 + (size_t)c), &err), NS_OK);
      else
        assert_int_equal(ns_table_set_double(t, r, name, 0.5 * (double)r + (double)c, &err), NS_OK);
    }
  for (size_t r = 0; r < NR; r++)
    for (size_t c = 0; c < NC; c++) {
      if (c % 2)
        assert_true(ns_table_get_int(t, r, c) == (int64_t)(r * 1000 + c));
      else
        assert_true(ns_table_get_double(t, r, c) == 0.5 * (double)r + (double)c);
    }
  ns_table_free(t);
  ns_table_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_columns_and_rows), cmocka_unit_test(test_type_checks),
      cmocka_unit_test(test_identifiers),      cmocka_unit_test(test_text_truncation_utf8),
      cmocka_unit_test(test_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
