/* table.c — an in-memory table of named, typed, unit-carrying columns (plain memory, no HDF5).
 *
 *   ns_table_create / ns_table_free        empty table; free(NULL) is a no-op
 *   ns_table_add_column                    add a typed column (earlier rows get NaN / 0 / "")
 *   ns_table_add_row                       append an empty row
 *   ns_table_set_double / _int / _text     type-checked cell setters (text truncated at UTF-8)
 *   ns_table_rows / _cols / _column        shape and column metadata
 *   ns_table_get_double / _int / _text     cell access by (row, column index)
 *
 * Storage: one contiguous array per column (double, int64_t, or NS_TEXT_MAX-byte text slots),
 * all with the same row capacity, grown geometrically. Invariants: every cell below `nrows`
 * holds a valid value (NaN, 0 or "" until set); every text slot is NUL-terminated; column names
 * are identifiers ([A-Za-z_][A-Za-z0-9_]*, shorter than NS_COL_NAME_MAX) and unique. Units must
 * fit struct ns_column.units (an error otherwise, since a cut unit would be wrong); descriptions
 * and text cells are cut to fit at a UTF-8 character boundary.
 */
#include "needlesim/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Initial row and column capacities; arrays double when full. */
enum { TABLE_ROW_CAP0 = 16, TABLE_COL_CAP0 = 8 };

struct table_col {
  struct ns_column meta;
  void *data; /* double[cap], int64_t[cap] or char[cap][NS_TEXT_MAX] */
};

struct ns_table {
  struct table_col *cols;
  size_t ncols, col_cap;
  size_t nrows, row_cap;
};

/* Size in bytes of one cell of a column of type `type`. */
static size_t cell_size(enum ns_col_type type) {
  switch (type) {
  case NS_COL_DOUBLE:
    return sizeof(double);
  case NS_COL_INT:
    return sizeof(int64_t);
  case NS_COL_TEXT:
    return NS_TEXT_MAX;
  }
  return 0;
}

static const char *type_name(enum ns_col_type type) {
  switch (type) {
  case NS_COL_DOUBLE:
    return "double";
  case NS_COL_INT:
    return "int";
  case NS_COL_TEXT:
    return "text";
  }
  return "unknown";
}

/* Give rows [from, to) of column `c` their empty value (NaN, 0 or ""). */
static void fill_empty(struct table_col *c, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) {
    switch (c->meta.type) {
    case NS_COL_DOUBLE:
      ((double *)c->data)[i] = NAN;
      break;
    case NS_COL_INT:
      ((int64_t *)c->data)[i] = 0;
      break;
    case NS_COL_TEXT:
      ((char *)c->data)[i * NS_TEXT_MAX] = '\0';
      break;
    }
  }
}

/* Length of the longest prefix of s that has at most `max` bytes and does not end inside a
 * UTF-8 multi-byte sequence (continuation bytes are 10xxxxxx). */
static size_t utf8_prefix_len(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) return n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) n--;
  return n;
}

/* Copy src into dst[cap] with truncation at a UTF-8 boundary; always NUL-terminates. */
static void copy_text(char *dst, size_t cap, const char *src) {
  size_t n = utf8_prefix_len(src ? src : "", cap - 1);
  memcpy(dst, src ? src : "", n);
  dst[n] = '\0';
}

static int valid_identifier(const char *s) {
  if (!s || !s[0]) return 0;
  for (size_t i = 0; s[i]; i++) {
    unsigned char ch = (unsigned char)s[i];
    int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
    int digit = ch >= '0' && ch <= '9';
    if (!(alpha || (i > 0 && digit))) return 0;
  }
  return 1;
}

static struct table_col *find_col(const struct ns_table *t, const char *name) {
  if (!t || !name) return NULL;
  for (size_t c = 0; c < t->ncols; c++)
    if (strcmp(t->cols[c].meta.name, name) == 0) return &t->cols[c];
  return NULL;
}

enum ns_status ns_table_create(struct ns_table **out, struct ns_err *err) {
  if (!out) return ns_err_set(err, NS_EINTERNAL, "ns_table_create: NULL output pointer");
  *out = NULL;
  struct ns_table *t = calloc(1, sizeof *t);
  if (!t) return ns_err_set(err, NS_ENOMEM, "ns_table_create: out of memory");
  *out = t;
  return NS_OK;
}

void ns_table_free(struct ns_table *t) {
  if (!t) return;
  for (size_t c = 0; c < t->ncols; c++) free(t->cols[c].data);
  free(t->cols);
  free(t);
}

enum ns_status ns_table_add_column(struct ns_table *t, const char *name, enum ns_col_type type,
                                   const char *units, const char *description, struct ns_err *err) {
  if (!t) return ns_err_set(err, NS_EINTERNAL, "ns_table_add_column: NULL table");
  if (!valid_identifier(name))
    return ns_err_set(err, NS_EINTERNAL,
                      "table column name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
                      name ? name : "(null)");
  if (strlen(name) >= NS_COL_NAME_MAX)
    return ns_err_set(err, NS_EINTERNAL, "table column name '%s' is longer than %d bytes", name,
                      NS_COL_NAME_MAX - 1);
  if (type != NS_COL_DOUBLE && type != NS_COL_INT && type != NS_COL_TEXT)
    return ns_err_set(err, NS_EINTERNAL, "table column '%s': unknown type %d", name, (int)type);
  if ((!units || !units[0]) && type == NS_COL_TEXT) units = "text";
  if (!units || !units[0])
    return ns_err_set(err, NS_EINTERNAL, "table column '%s' has no units (use \"1\" for dimensionless)",
                      name);
  struct ns_column probe;
  if (strlen(units) >= sizeof probe.units)
    return ns_err_set(err, NS_EINTERNAL, "table column '%s': units '%s' longer than %zu bytes", name,
                      units, sizeof probe.units - 1);

  struct table_col *old = find_col(t, name);
  if (old) {
    if (old->meta.type == type && strcmp(old->meta.units, units) == 0) return NS_OK;
    return ns_err_set(err, NS_EINTERNAL,
                      "table column '%s' already exists as %s [%s]; cannot re-add it as %s [%s]", name,
                      type_name(old->meta.type), old->meta.units, type_name(type), units);
  }

  if (t->ncols == t->col_cap) {
    size_t cap = t->col_cap ? 2 * t->col_cap : TABLE_COL_CAP0;
    struct table_col *cols = realloc(t->cols, cap * sizeof *cols);
    if (!cols) return ns_err_set(err, NS_ENOMEM, "table column '%s': out of memory", name);
    t->cols = cols;
    t->col_cap = cap;
  }
  struct table_col c;
  memset(&c, 0, sizeof c);
  copy_text(c.meta.name, sizeof c.meta.name, name);
  c.meta.type = type;
  copy_text(c.meta.units, sizeof c.meta.units, units);
  copy_text(c.meta.description, sizeof c.meta.description, description);
  if (t->row_cap > 0) {
    c.data = malloc(t->row_cap * cell_size(type));
    if (!c.data) return ns_err_set(err, NS_ENOMEM, "table column '%s': out of memory", name);
    fill_empty(&c, 0, t->nrows);
  }
  t->cols[t->ncols++] = c;
  return NS_OK;
}

enum ns_status ns_table_add_row(struct ns_table *t, size_t *row, struct ns_err *err) {
  if (!t) return ns_err_set(err, NS_EINTERNAL, "ns_table_add_row: NULL table");
  if (t->nrows == t->row_cap) {
    size_t cap = t->row_cap ? 2 * t->row_cap : TABLE_ROW_CAP0;
    /* Grow every column; a failure part-way leaves the grown columns larger than row_cap,
     * which is harmless because row_cap stays the common lower bound. */
    for (size_t c = 0; c < t->ncols; c++) {
      void *p = realloc(t->cols[c].data, cap * cell_size(t->cols[c].meta.type));
      if (!p) return ns_err_set(err, NS_ENOMEM, "table: out of memory adding row %zu", t->nrows);
      t->cols[c].data = p;
    }
    t->row_cap = cap;
  }
  for (size_t c = 0; c < t->ncols; c++) fill_empty(&t->cols[c], t->nrows, t->nrows + 1);
  if (row) *row = t->nrows;
  t->nrows++;
  return NS_OK;
}

/* Look up column `col` for a setter: it must exist, have type `type`, and `row` must exist. */
static enum ns_status setter_col(struct ns_table *t, size_t row, const char *col, enum ns_col_type type,
                                 struct table_col **out, struct ns_err *err) {
  if (!t) return ns_err_set(err, NS_EINTERNAL, "table setter: NULL table");
  struct table_col *c = find_col(t, col);
  if (!c) return ns_err_set(err, NS_EINTERNAL, "table has no column '%s'", col ? col : "(null)");
  if (c->meta.type != type)
    return ns_err_set(err, NS_EINTERNAL, "table column '%s' is %s, not %s", col, type_name(c->meta.type),
                      type_name(type));
  if (row >= t->nrows)
    return ns_err_set(err, NS_EINTERNAL, "table column '%s': row %zu does not exist (%zu rows)", col, row,
                      t->nrows);
  *out = c;
  return NS_OK;
}

enum ns_status ns_table_set_double(struct ns_table *t, size_t row, const char *col, double v,
                                   struct ns_err *err) {
  struct table_col *c = NULL;
  NS_TRY(setter_col(t, row, col, NS_COL_DOUBLE, &c, err));
  ((double *)c->data)[row] = v;
  return NS_OK;
}

enum ns_status ns_table_set_int(struct ns_table *t, size_t row, const char *col, int64_t v,
                                struct ns_err *err) {
  struct table_col *c = NULL;
  NS_TRY(setter_col(t, row, col, NS_COL_INT, &c, err));
  ((int64_t *)c->data)[row] = v;
  return NS_OK;
}

enum ns_status ns_table_set_text(struct ns_table *t, size_t row, const char *col, const char *v,
                                 struct ns_err *err) {
  struct table_col *c = NULL;
  NS_TRY(setter_col(t, row, col, NS_COL_TEXT, &c, err));
  copy_text((char *)c->data + row * NS_TEXT_MAX, NS_TEXT_MAX, v);
  return NS_OK;
}

size_t ns_table_rows(const struct ns_table *t) { return t ? t->nrows : 0; }

size_t ns_table_cols(const struct ns_table *t) { return t ? t->ncols : 0; }

const struct ns_column *ns_table_column(const struct ns_table *t, size_t c) {
  if (!t || c >= t->ncols) return NULL;
  return &t->cols[c].meta;
}

double ns_table_get_double(const struct ns_table *t, size_t row, size_t c) {
  if (!t || row >= t->nrows || c >= t->ncols || t->cols[c].meta.type != NS_COL_DOUBLE) return NAN;
  return ((const double *)t->cols[c].data)[row];
}

int64_t ns_table_get_int(const struct ns_table *t, size_t row, size_t c) {
  if (!t || row >= t->nrows || c >= t->ncols || t->cols[c].meta.type != NS_COL_INT) return 0;
  return ((const int64_t *)t->cols[c].data)[row];
}

const char *ns_table_get_text(const struct ns_table *t, size_t row, size_t c) {
  if (!t || row >= t->nrows || c >= t->ncols || t->cols[c].meta.type != NS_COL_TEXT) return NULL;
  return (const char *)t->cols[c].data + row * NS_TEXT_MAX;
}
