/* needlesim/table.h — an in-memory table of named, typed, unit-carrying columns.
 *
 * Built row by row by the studies (the /summary table: one row per run) and by provenance (the
 * resolved parameter table), then written by the HDF5 module as one compound dataset whose field
 * names are the column names. Plain memory; no HDF5 here.
 */
#ifndef NEEDLESIM_TABLE_H
#define NEEDLESIM_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/status.h"

enum ns_col_type { NS_COL_DOUBLE = 0, NS_COL_INT, NS_COL_TEXT };

#define NS_COL_NAME_MAX 64
#define NS_TEXT_MAX 320 /* longest text cell, including the terminating NUL */

struct ns_column {
  char name[NS_COL_NAME_MAX];   /* a valid identifier: "needle_length_mm" */
  enum ns_col_type type;
  char units[32];               /* "mm", "N", "1" (dimensionless), "text" for text columns */
  char description[160];
};

struct ns_table; /* opaque */

enum ns_status ns_table_create(struct ns_table **out, struct ns_err *err);
void ns_table_free(struct ns_table *t);

/* Add a column (before or after rows exist; earlier rows get NaN / 0 / ""). Adding an existing
 * name with the same type and units is a no-op; with a different one it is NS_EINTERNAL. */
enum ns_status ns_table_add_column(struct ns_table *t, const char *name, enum ns_col_type type,
                                   const char *units, const char *description, struct ns_err *err);

/* Append an empty row; returns its index through *row. */
enum ns_status ns_table_add_row(struct ns_table *t, size_t *row, struct ns_err *err);

/* Set a cell; the column must exist with that type (NS_EINTERNAL otherwise). Text is truncated
 * to NS_TEXT_MAX-1 bytes at a UTF-8 boundary. */
enum ns_status ns_table_set_double(struct ns_table *t, size_t row, const char *col, double v, struct ns_err *err);
enum ns_status ns_table_set_int(struct ns_table *t, size_t row, const char *col, int64_t v, struct ns_err *err);
enum ns_status ns_table_set_text(struct ns_table *t, size_t row, const char *col, const char *v, struct ns_err *err);

size_t ns_table_rows(const struct ns_table *t);
size_t ns_table_cols(const struct ns_table *t);
const struct ns_column *ns_table_column(const struct ns_table *t, size_t c);
/* Cell access (row < rows, c < cols, type must match; otherwise NaN / 0 / NULL). */
double ns_table_get_double(const struct ns_table *t, size_t row, size_t c);
int64_t ns_table_get_int(const struct ns_table *t, size_t row, size_t c);
const char *ns_table_get_text(const struct ns_table *t, size_t row, size_t c);

#endif /* NEEDLESIM_TABLE_H */
