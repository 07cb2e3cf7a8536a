/* test_io.c — unit tests of the HDF5 writer (sim/io_hdf5.c).
 *
 * Checks, each against the raw HDF5 API or an outside reader rather than the writer's helpers:
 *   - round trip of scalars, 1D/2D/3D doubles, int64, strings, text/double/int attributes, groups;
 *   - every dataset carries `units` and `description` as variable-length UTF-8 text (H5Ovisit);
 *   - the compound summary table (field names, order, classes, values, `units` array);
 *   - `h5dump -H` accepts the file and shows `units` and the compound fields;
 *   - Debian's /usr/bin/python3 with h5py reads table columns by name and text attributes as str;
 *   - atomicity: abort removes the temporary file, an old target survives an aborted write and is
 *     replaced by a committed one, a writer killed with SIGKILL leaves no file at the target name;
 *   - ns_writer_delete: a deleted group or dataset is gone, its neighbours (also one whose name
 *     extends the deleted one's) stay, and exactly the XDMF collections referencing it are dropped;
 *   - error paths (missing directory, bad object paths, wrong rank, duplicates, bad UTF-8, reads
 *     of missing objects) return NS_EIO / NS_EINTERNAL / NS_EINPUT with messages, print nothing
 *     on stderr, and leave the writer usable (commit still finds no open HDF5 handle).
 * Each test works in its own fresh directory under $TMPDIR (or /tmp), removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "needlesim/io.h"
#include "needlesim/table.h"

/* Capacities of the fixture directory name and of file paths built in it (bytes). */
#define DIR_CAP 256
#define PATH_CAP 512

struct fixture {
  char dir[DIR_CAP];
};

/* ---- fixture and small helpers ------------------------------------------------------------------ */

static int setup_dir(void **state) {
  struct fixture *fx = calloc(1, sizeof *fx);
  if (!fx) return -1;
  const char *tmp = getenv("TMPDIR");
  int len = snprintf(fx->dir, sizeof fx->dir, "%s/ns_test_io.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (len < 0 || (size_t)len >= sizeof fx->dir || !mkdtemp(fx->dir)) {
    free(fx);
    return -1;
  }
  *state = fx;
  return 0;
}

/* Remove every plain file in the fixture directory, then the directory. */
static int teardown_dir(void **state) {
  struct fixture *fx = *state;
  DIR *d = opendir(fx->dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char p[2 * PATH_CAP];
      snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
      if (unlink(p) != 0) rmdir(p);
    }
    closedir(d);
  }
  rmdir(fx->dir);
  free(fx);
  return 0;
}

static void path_in(const struct fixture *fx, const char *name, char *out) {
  snprintf(out, PATH_CAP, "%s/%s", fx->dir, name);
}

/* Number of directory entries other than "." and "..". */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

/* Number of entries other than "." and ".." whose name starts with `prefix`. */
static int count_prefixed(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
        strncmp(e->d_name, prefix, strlen(prefix)) == 0)
      n++;
  closedir(d);
  return n;
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* Run a shell command, capture up to cap-1 bytes of its output; returns the exit status or -1. */
static int run_capture(const char *cmd, char *out, size_t cap) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  while (fgetc(p) != EOF) {
  }
  int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Write a file with a single scalar dataset /x = v through the writer and commit it. */
static void commit_scalar(const char *file, double v) {
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/x", 0, NULL, &v, "m", "a scalar", &err), NS_OK);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
}

/* /x of a committed file, read with the raw HDF5 API. */
static double raw_scalar(const char *file) {
  double v = NAN;
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(f >= 0);
  hid_t d = H5Dopen2(f, "/x", H5P_DEFAULT);
  assert_true(d >= 0);
  assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

/* Read a scalar or 1D text attribute with the raw API; checks it is vlen UTF-8. out[i] are
 * malloc'ed copies. Returns the number of strings. */
static size_t raw_attr_strings(hid_t obj, const char *name, char **out, size_t cap) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  assert_true(a >= 0);
  hid_t t = H5Aget_type(a);
  assert_int_equal(H5Tget_class(t), H5T_STRING);
  assert_true(H5Tis_variable_str(t) > 0);
  assert_int_equal(H5Tget_cset(t), H5T_CSET_UTF8);
  hid_t s = H5Aget_space(a);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  assert_true(n >= 0 && (size_t)n <= cap);
  char *buf[64] = {0};
  assert_true((size_t)n <= sizeof buf / sizeof buf[0]);
  hid_t mt = H5Tcopy(t);
  if (n > 0) assert_true(H5Aread(a, mt, buf) >= 0);
  for (hssize_t i = 0; i < n; i++) {
    out[i] = strdup(buf[i] ? buf[i] : "");
    H5free_memory(buf[i]);
  }
  H5Tclose(mt);
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return (size_t)n;
}

static void assert_attr_text(hid_t obj, const char *name, const char *want) {
  char *got[1] = {NULL};
  assert_int_equal(raw_attr_strings(obj, name, got, 1), 1);
  assert_string_equal(got[0], want);
  free(got[0]);
}

/* Redirect stderr to a file while `fn` runs; returns the number of bytes written to stderr. */
static long stderr_bytes_during(void (*fn)(void *), void *arg, const char *scratch) {
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  int fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, STDERR_FILENO);
  fn(arg);
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  struct stat sb;
  fstat(fd, &sb);
  close(fd);
  unlink(scratch);
  return (long)sb.st_size;
}

/* ---- the sample file used by several tests ---------------------------------------------------- */

/* Non-ASCII text: "Ωmega µm" (U+03A9, U+00B5) and an em dash (U+2014). */
#define TEXT_UNICODE "\xce\xa9mega \xc2\xb5m \xe2\x80\x94 ok"

static void fill_table(struct ns_table *t) {
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_table_add_column(t, "needle_length_mm", NS_COL_DOUBLE, "mm", "needle length", &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "run", NS_COL_INT, "1", "run index", &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "site", NS_COL_TEXT, "text", "body site", &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "force", NS_COL_DOUBLE, "N", "peak force \xc2\xb5", &err), NS_OK);
  const double len[3] = {12.5, 7.25, 30.0};
  const int64_t run[3] = {0, 1, -7};
  const char *site[3] = {"volar forearm", "\xc2\xb5-site", ""};
  for (size_t r = 0; r < 3; r++) {
    size_t row;
    assert_int_equal(ns_table_add_row(t, &row, &err), NS_OK);
    assert_int_equal(ns_table_set_double(t, row, "needle_length_mm", len[r], &err), NS_OK);
    assert_int_equal(ns_table_set_int(t, row, "run", run[r], &err), NS_OK);
    assert_int_equal(ns_table_set_text(t, row, "site", site[r], &err), NS_OK);
  }
  assert_int_equal(ns_table_set_double(t, 0, "force", 0.125, &err), NS_OK);
  assert_int_equal(ns_table_set_double(t, 2, "force", -3.5, &err), NS_OK); /* row 1 stays NaN */
}

/* Values of the sample file, each a "high-entropy" number exactly representable in binary. */
static const double V1[5] = {2.385, -1.0e-300, 6.02214076e23, 0.0, -7.5};
#define N2A 3
#define N2B 4
#define N3A 2
#define N3B 3
#define N3C 4

/* Datasets in the sample file (H5Ovisit must find exactly these). */
#define SAMPLE_NDATASETS 9

static void write_sample(const char *file) {
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  double scalar = 1.0 / 3.0;
  double a2[N2A * N2B], a3[N3A * N3B * N3C];
  for (int i = 0; i < N2A * N2B; i++) a2[i] = 0.5 * i - 1.25;
  for (int i = 0; i < N3A * N3B * N3C; i++) a3[i] = 1000.0 + i;
  const int64_t ints[4] = {INT64_MIN, -1, 42, INT64_MAX};
  const int64_t iscalar = 1234567890123LL;
  const char *strs[3] = {"alpha", TEXT_UNICODE, NULL};
  const size_t d1 = 5, d2[2] = {N2A, N2B}, d3[3] = {N3A, N3B, N3C}, di = 4, d0 = 0;
  struct ns_table *t = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  fill_table(t);

  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  assert_int_equal(ns_writer_group(w, "/runs/0000", "first run", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/runs/0000/scalar", 0, NULL, &scalar, "Pa", "a scalar", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/runs/0000/skin/thickness", 1, &d1, V1, "m", "1D", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/fields/a2", 2, d2, a2, "1", "2D", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/fields/a3", 3, d3, a3, "N", "3D", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/fields/empty", 1, &d0, NULL, "s", "zero length", &err), NS_OK);
  assert_int_equal(ns_writer_dataset_int(w, "/ints/vec", 1, &di, ints, "1", "int64 extremes", &err), NS_OK);
  assert_int_equal(ns_writer_dataset_int(w, "/ints/one", 0, NULL, &iscalar, "1", "int scalar", &err), NS_OK);
  assert_int_equal(ns_writer_strings(w, "/text/names", 3, strs, "names", &err), NS_OK);
  assert_int_equal(ns_writer_table(w, "/summary", t, "one row per run", &err), NS_OK);
  assert_int_equal(ns_writer_attr_text(w, "/", "title", TEXT_UNICODE, &err), NS_OK);
  assert_int_equal(ns_writer_attr_text(w, "/", "title", TEXT_UNICODE, &err), NS_OK); /* replaced, not duplicated */
  assert_int_equal(ns_writer_attr_double(w, "/runs/0000", "depth", 1.5e-3, "m", &err), NS_OK);
  assert_int_equal(ns_writer_attr_int(w, "/fields/a2", "step", -17, &err), NS_OK);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  assert_int_equal(err.code, NS_OK);
  ns_table_free(t);
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static void test_roundtrip(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "sample.h5", file);
  write_sample(file);
  assert_int_equal(count_entries(fx->dir), 1); /* only the target: the temporary file was renamed */

  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(f >= 0);
  /* Scalar. */
  hid_t d = H5Dopen2(f, "/runs/0000/scalar", H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  assert_int_equal(H5Sget_simple_extent_type(s), H5S_SCALAR);
  double x = 0;
  assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &x) >= 0);
  assert_true(x == 1.0 / 3.0); /* bitwise round trip */
  assert_attr_text(d, "units", "Pa");
  assert_attr_text(d, "description", "a scalar");
  H5Sclose(s);
  H5Dclose(d);

  /* 1D, 2D, 3D: shape, IEEE float64 type and values. */
  struct {
    const char *path;
    int rank;
    hsize_t dims[3];
  } cases[] = {{"/runs/0000/skin/thickness", 1, {5, 0, 0}},
               {"/fields/a2", 2, {N2A, N2B, 0}},
               {"/fields/a3", 3, {N3A, N3B, N3C}}};
  for (size_t c = 0; c < 3; c++) {
    d = H5Dopen2(f, cases[c].path, H5P_DEFAULT);
    assert_true(d >= 0);
    s = H5Dget_space(d);
    assert_int_equal(H5Sget_simple_extent_ndims(s), cases[c].rank);
    hsize_t dims[3] = {0};
    H5Sget_simple_extent_dims(s, dims, NULL);
    size_t count = 1;
    for (int k = 0; k < cases[c].rank; k++) {
      assert_int_equal(dims[k], cases[c].dims[k]);
      count *= (size_t)dims[k];
    }
    hid_t t = H5Dget_type(d);
    assert_true(H5Tequal(t, H5T_IEEE_F64LE) > 0);
    H5Tclose(t);
    double buf[64];
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    for (size_t i = 0; i < count; i++) {
      double want = c == 0 ? V1[i] : c == 1 ? 0.5 * (double)i - 1.25 : 1000.0 + (double)i;
      assert_true(buf[i] == want);
    }
    H5Sclose(s);
    H5Dclose(d);
  }
  /* int64 (both extremes survive, so no conversion through double or int32 happened). */
  d = H5Dopen2(f, "/ints/vec", H5P_DEFAULT);
  hid_t t = H5Dget_type(d);
  assert_true(H5Tequal(t, H5T_STD_I64LE) > 0);
  H5Tclose(t);
  int64_t iv[4];
  assert_true(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) >= 0);
  assert_true(iv[0] == INT64_MIN && iv[1] == -1 && iv[2] == 42 && iv[3] == INT64_MAX);
  H5Dclose(d);
  d = H5Dopen2(f, "/ints/one", H5P_DEFAULT);
  assert_true(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) >= 0);
  assert_true(iv[0] == 1234567890123LL);
  H5Dclose(d);

  /* Strings: vlen UTF-8, NULL stored as "". */
  d = H5Dopen2(f, "/text/names", H5P_DEFAULT);
  t = H5Dget_type(d);
  assert_true(H5Tis_variable_str(t) > 0);
  assert_int_equal(H5Tget_cset(t), H5T_CSET_UTF8);
  char *sv[3] = {NULL};
  assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, sv) >= 0);
  assert_string_equal(sv[0], "alpha");
  assert_string_equal(sv[1], TEXT_UNICODE);
  assert_string_equal(sv[2], "");
  for (int i = 0; i < 3; i++) H5free_memory(sv[i]);
  assert_attr_text(d, "units", "text");
  H5Tclose(t);
  H5Dclose(d);

  /* Attributes. */
  assert_attr_text(f, "title", TEXT_UNICODE);
  hid_t g = H5Gopen2(f, "/runs/0000", H5P_DEFAULT);
  assert_attr_text(g, "description", "first run");
  hid_t a = H5Aopen(g, "depth", H5P_DEFAULT);
  assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &x) >= 0);
  assert_true(x == 1.5e-3);
  H5Aclose(a);
  assert_attr_text(g, "depth_units", "m");
  H5Gclose(g);
  d = H5Dopen2(f, "/fields/a2", H5P_DEFAULT);
  a = H5Aopen(d, "step", H5P_DEFAULT);
  assert_true(H5Aread(a, H5T_NATIVE_INT64, iv) >= 0);
  assert_true(iv[0] == -17);
  H5Aclose(a);
  H5Dclose(d);
  /* The root has exactly one attribute: writing "title" twice replaced it. */
  H5O_info_t oi;
  assert_true(H5Oget_info(f, &oi) >= 0);
  assert_int_equal(oi.num_attrs, 1);
  assert_int_equal(H5Fget_obj_count(f, H5F_OBJ_ALL), 1);
  H5Fclose(f);

  /* The read-back helpers agree with the raw reads. */
  struct ns_err err = NS_ERR_INIT;
  double *data = NULL;
  size_t n = 0;
  assert_int_equal(ns_io_read_doubles(file, "/runs/0000/skin/thickness", &data, &n, &err), NS_OK);
  assert_int_equal(n, 5);
  assert_memory_equal(data, V1, sizeof V1);
  free(data);
  assert_int_equal(ns_io_read_doubles(file, "/runs/0000/scalar", &data, &n, &err), NS_OK);
  assert_int_equal(n, 1);
  assert_true(data[0] == 1.0 / 3.0);
  free(data);
  assert_int_equal(ns_io_read_doubles(file, "/fields/empty", &data, &n, &err), NS_OK);
  assert_int_equal(n, 0);
  free(data);
  char *txt = NULL;
  assert_int_equal(ns_io_read_attr_text(file, "/", "title", &txt, &err), NS_OK);
  assert_string_equal(txt, TEXT_UNICODE);
  free(txt);
  assert_int_equal(ns_io_read_attr_text(file, "/runs/0000/skin/thickness", "units", &txt, &err), NS_OK);
  assert_string_equal(txt, "m");
  free(txt);
  assert_int_equal(err.code, NS_OK);
  /* The version string agrees with what the running library reports. */
  unsigned maj = 0, min = 0, rel = 0;
  assert_true(H5get_libversion(&maj, &min, &rel) >= 0);
  char want[32];
  snprintf(want, sizeof want, "%u.%u.%u", maj, min, rel);
  assert_string_equal(ns_io_hdf5_version(), want);
}

/* H5Ovisit callback: count datasets and check each has units and description as UTF-8 text. */
struct visit_state {
  int datasets;
  int missing;
  char first_missing[256];
};

#if H5_VERSION_GE(1, 12, 0)
static herr_t visit_cb(hid_t root, const char *name, const H5O_info2_t *info, void *data)
#else
static herr_t visit_cb(hid_t root, const char *name, const H5O_info_t *info, void *data)
#endif
{
  struct visit_state *vs = data;
  if (info->type != H5O_TYPE_DATASET) return 0;
  vs->datasets++;
  hid_t d = H5Dopen2(root, name, H5P_DEFAULT);
  const char *need[2] = {"units", "description"};
  for (int k = 0; k < 2; k++) {
    int ok = 0;
    if (H5Aexists(d, need[k]) > 0) {
      hid_t a = H5Aopen(d, need[k], H5P_DEFAULT);
      hid_t t = H5Aget_type(a);
      ok = H5Tget_class(t) == H5T_STRING && H5Tget_cset(t) == H5T_CSET_UTF8 && H5Tis_variable_str(t) > 0;
      H5Tclose(t);
      H5Aclose(a);
    }
    if (!ok && vs->missing++ == 0) snprintf(vs->first_missing, sizeof vs->first_missing, "%s@%s", need[k], name);
  }
  H5Dclose(d);
  return 0;
}

static void test_units_everywhere(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "sample.h5", file);
  write_sample(file);
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(f >= 0);
  struct visit_state vs = {0, 0, {0}};
#if H5_VERSION_GE(1, 12, 0)
  assert_true(H5Ovisit3(f, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &vs, H5O_INFO_BASIC) >= 0);
#else
  assert_true(H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &vs, H5O_INFO_BASIC) >= 0);
#endif
  H5Fclose(f);
  if (vs.missing) fail_msg("%d missing or non-UTF-8 attributes, first %s", vs.missing, vs.first_missing);
  assert_int_equal(vs.datasets, SAMPLE_NDATASETS);
}

/* The summary table read back with the raw API into a C struct of the same layout. */
struct row {
  double len;
  int64_t run;
  char *site;
  double force;
};

static void test_table_compound(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "sample.h5", file);
  write_sample(file);
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, "/summary", H5P_DEFAULT);
  assert_true(d >= 0);
  hid_t ft = H5Dget_type(d);
  assert_int_equal(H5Tget_class(ft), H5T_COMPOUND);
  assert_int_equal(H5Tget_nmembers(ft), 4);
  const char *names[4] = {"needle_length_mm", "run", "site", "force"};
  const H5T_class_t classes[4] = {H5T_FLOAT, H5T_INTEGER, H5T_STRING, H5T_FLOAT};
  for (unsigned i = 0; i < 4; i++) {
    char *nm = H5Tget_member_name(ft, i);
    assert_string_equal(nm, names[i]);
    H5free_memory(nm);
    assert_int_equal(H5Tget_member_class(ft, i), classes[i]);
    hid_t mt = H5Tget_member_type(ft, i);
    if (classes[i] == H5T_STRING) {
      assert_true(H5Tis_variable_str(mt) > 0);
      assert_int_equal(H5Tget_cset(mt), H5T_CSET_UTF8);
    } else {
      assert_int_equal(H5Tget_size(mt), 8);
    }
    H5Tclose(mt);
  }
  H5Tclose(ft);

  hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, H5T_VARIABLE);
  H5Tset_cset(str, H5T_CSET_UTF8);
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(struct row));
  H5Tinsert(mt, "needle_length_mm", HOFFSET(struct row, len), H5T_NATIVE_DOUBLE);
  H5Tinsert(mt, "run", HOFFSET(struct row, run), H5T_NATIVE_INT64);
  H5Tinsert(mt, "site", HOFFSET(struct row, site), str);
  H5Tinsert(mt, "force", HOFFSET(struct row, force), H5T_NATIVE_DOUBLE);
  hid_t sp = H5Dget_space(d);
  hsize_t nr = 0;
  H5Sget_simple_extent_dims(sp, &nr, NULL);
  assert_int_equal(nr, 3);
  struct row rows[3];
  assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
  assert_true(rows[0].len == 12.5 && rows[1].len == 7.25 && rows[2].len == 30.0);
  assert_true(rows[0].run == 0 && rows[1].run == 1 && rows[2].run == -7);
  assert_string_equal(rows[0].site, "volar forearm");
  assert_string_equal(rows[1].site, "\xc2\xb5-site");
  assert_string_equal(rows[2].site, "");
  assert_true(rows[0].force == 0.125 && isnan(rows[1].force) && rows[2].force == -3.5);
  H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, rows);

  char *u[8] = {NULL};
  assert_int_equal(raw_attr_strings(d, "units", u, 8), 4);
  const char *want_units[4] = {"mm", "1", "text", "N"};
  for (int i = 0; i < 4; i++) {
    assert_string_equal(u[i], want_units[i]);
    free(u[i]);
  }
  assert_int_equal(raw_attr_strings(d, "column_descriptions", u, 8), 4);
  assert_string_equal(u[0], "needle length");
  assert_string_equal(u[3], "peak force \xc2\xb5");
  for (int i = 0; i < 4; i++) free(u[i]);
  assert_attr_text(d, "description", "one row per run");
  H5Sclose(sp);
  H5Tclose(mt);
  H5Tclose(str);
  H5Dclose(d);
  H5Fclose(f);
}

static void test_table_edge_cases(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "edge.h5", file);
  struct ns_err err = NS_ERR_INIT;
  struct ns_table *t = NULL, *empty = NULL;
  assert_int_equal(ns_table_create(&t, &err), NS_OK);
  assert_int_equal(ns_table_create(&empty, &err), NS_OK);
  assert_int_equal(ns_table_add_column(t, "x", NS_COL_DOUBLE, "m", "x", &err), NS_OK);
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  /* Zero rows: a valid, empty compound dataset. */
  assert_int_equal(ns_writer_table(w, "/t0", t, "no rows yet", &err), NS_OK);
  /* Zero columns: an error (a compound type needs a field). */
  assert_int_equal(ns_writer_table(w, "/t1", empty, "nothing", &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "no columns"));
  ns_err_clear(&err);
  /* Text that is not UTF-8 (a Latin-1 byte) is refused with the offending offset. */
  assert_int_equal(ns_table_add_column(t, "s", NS_COL_TEXT, "text", "s", &err), NS_OK);
  assert_int_equal(ns_table_add_row(t, NULL, &err), NS_OK);
  assert_int_equal(ns_table_set_text(t, 0, "s", "caf\xe9", &err), NS_OK);
  assert_int_equal(ns_writer_table(w, "/t2", t, "bad text", &err), NS_EINPUT);
  assert_non_null(strstr(err.msg, "UTF-8"));
  assert_non_null(strstr(err.msg, "byte 3"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(H5Lexists(f, "/t0", H5P_DEFAULT) > 0);
  assert_int_equal(H5Lexists(f, "/t2", H5P_DEFAULT), 0);
  H5Fclose(f);
  ns_table_free(t);
  ns_table_free(empty);
}

static void test_h5dump(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], cmd[2 * PATH_CAP];
  path_in(fx, "sample.h5", file);
  write_sample(file);
  snprintf(cmd, sizeof cmd, "h5dump -H '%s' 2>&1", file);
  static char out[1 << 16];
  int rc = run_capture(cmd, out, sizeof out);
  if (rc != 0) fail_msg("h5dump -H exited %d: %.500s", rc, out);
  const char *need[] = {"ATTRIBUTE \"units\"", "ATTRIBUTE \"description\"", "H5T_COMPOUND",
                        "\"needle_length_mm\"", "\"run\"", "\"site\"", "H5T_STD_I64LE",
                        "H5T_IEEE_F64LE", "STRSIZE H5T_VARIABLE", "CSET H5T_CSET_UTF8",
                        "ATTRIBUTE \"column_descriptions\""};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    if (!strstr(out, need[i])) fail_msg("h5dump -H output lacks %s", need[i]);
}

/* Python run by /usr/bin/python3: the ways analysis scripts read results. Non-ASCII text is
 * written with \u escapes so the script itself is ASCII. */
static const char H5PY_SCRIPT[] =
    "import sys, h5py, numpy as np\n"
    "f = h5py.File(sys.argv[1], 'r')\n"
    "s = f['/summary']\n"
    "assert s.dtype.names == ('needle_length_mm', 'run', 'site', 'force'), s.dtype.names\n"
    "col = s['needle_length_mm']\n"
    "assert col.dtype == np.float64 and col.tolist() == [12.5, 7.25, 30.0], col\n"
    "assert s['run'].dtype == np.int64 and s['run'].tolist() == [0, 1, -7]\n"
    "site = [x.decode('utf-8') if isinstance(x, bytes) else x for x in s['site'].tolist()]\n"
    "assert site == ['volar forearm', '\\u00b5-site', ''], site\n"
    "force = s['force']\n"
    "assert force[0] == 0.125 and np.isnan(force[1]) and force[2] == -3.5\n"
    "rec = s[()]\n"
    "assert rec['needle_length_mm'][1] == 7.25\n"
    "d = s.attrs['description']\n"
    "assert isinstance(d, str) and d == 'one row per run', repr(d)\n"
    "u = list(s.attrs['units'])\n"
    "assert all(isinstance(x, str) for x in u) and u == ['mm', '1', 'text', 'N'], u\n"
    "t = f.attrs['title']\n"
    "assert isinstance(t, str) and t == '\\u03a9mega \\u00b5m \\u2014 ok', repr(t)\n"
    "un = f['/fields/a3'].attrs['units']\n"
    "assert isinstance(un, str) and un == 'N', repr(un)\n"
    "a3 = f['/fields/a3'][()]\n"
    "assert a3.shape == (2, 3, 4) and a3[1, 2, 3] == 1023.0\n"
    "names = f['/text/names'].asstr()[()].tolist()\n"
    "assert names == ['alpha', '\\u03a9mega \\u00b5m \\u2014 ok', ''], names\n"
    "print('h5py-ok')\n";

static void test_h5py_reads(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], script[PATH_CAP], cmd[3 * PATH_CAP];
  path_in(fx, "sample.h5", file);
  path_in(fx, "check.py", script);
  write_sample(file);
  FILE *fp = fopen(script, "w");
  assert_non_null(fp);
  fputs(H5PY_SCRIPT, fp);
  fclose(fp);
  /* Debian's interpreter explicitly: the python3 on PATH may lack h5py (make test installs
   * python3-h5py, so a missing module is a failure, not a skip). */
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' 2>&1", script, file);
  static char out[1 << 14];
  int rc = run_capture(cmd, out, sizeof out);
  if (rc != 0 || !strstr(out, "h5py-ok")) fail_msg("h5py check failed (exit %d):\n%s", rc, out);
}

static void test_abort_removes_temp(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "a.h5", file);
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  /* The temporary file: hidden, in the target's directory, named .a.h5.tmp.PID.XXXXXX. */
  const char *tmp = ns_writer_temp_path(w);
  char prefix[PATH_CAP];
  snprintf(prefix, sizeof prefix, "%s/.a.h5.tmp.%ld.", fx->dir, (long)getpid());
  assert_true(strncmp(tmp, prefix, strlen(prefix)) == 0);
  assert_int_equal(strlen(tmp), strlen(prefix) + 6);
  assert_true(exists(tmp));
  assert_false(exists(file));
  double v = 4.5;
  assert_int_equal(ns_writer_dataset(w, "/x", 0, NULL, &v, "m", "x", &err), NS_OK);
  ns_writer_abort(w);
  assert_false(exists(file));
  assert_int_equal(count_entries(fx->dir), 0);
  ns_writer_abort(NULL); /* a no-op */
}

static void test_replace_only_on_commit(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "r.h5", file);
  mode_t old_mask = umask(022);
  commit_scalar(file, 1.25);
  struct stat sb;
  assert_int_equal(stat(file, &sb), 0);
  /* Published with 0666 & ~umask, not the 0600 a bare mkstemp would leave. */
  assert_int_equal(sb.st_mode & 0777, 0644);
  umask(old_mask);

  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  double v = 2.5;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/x", 0, NULL, &v, "m", "x", &err), NS_OK);
  assert_true(raw_scalar(file) == 1.25); /* the old file is intact while the new one is written */
  ns_writer_abort(w);
  assert_true(raw_scalar(file) == 1.25);
  assert_int_equal(count_entries(fx->dir), 1);

  commit_scalar(file, 3.75);
  assert_true(raw_scalar(file) == 3.75);
  assert_int_equal(count_entries(fx->dir), 1);
}

/* The child process of test_killed_writer: writes datasets until it is killed. Reports readiness
 * through the pipe after the first dataset. Never returns (no atexit handlers run: _exit). */
static void killed_child(const char *file, int wfd) {
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  if (ns_writer_open(file, &w, &err) != NS_OK) _exit(3);
  static double buf[4096];
  for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++) buf[i] = (double)i;
  size_t n = sizeof buf / sizeof buf[0];
  for (long k = 0;; k++) {
    char path[64];
    snprintf(path, sizeof path, "/d/%08ld", k);
    if (ns_writer_dataset(w, path, 1, &n, buf, "1", "filler", &err) != NS_OK) _exit(4);
    if (k == 0 && write(wfd, "r", 1) != 1) _exit(5);
  }
}

static void test_killed_writer(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "k.h5", file);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    killed_child(file, fds[1]);
  }
  close(fds[1]);
  char c = 0;
  assert_int_equal(read(fds[0], &c, 1), 1); /* the child has written at least one dataset */
  close(fds[0]);
  /* 50 ms more of writing, so the kill lands in the middle of the stream of datasets. */
  struct timespec pause_ts = {0, 50 * 1000 * 1000};
  nanosleep(&pause_ts, NULL);
  assert_int_equal(kill(pid, SIGKILL), 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  assert_false(exists(file));
  /* What a killed run leaves is its hidden temporary file, named after the child's pid. */
  char prefix[64];
  snprintf(prefix, sizeof prefix, ".k.h5.tmp.%ld.", (long)pid);
  assert_int_equal(count_prefixed(fx->dir, prefix), 1);
  assert_int_equal(count_entries(fx->dir), 1);
}

/* Error-path calls run with stderr redirected (HDF5 must not print its error stack). */
struct err_ctx {
  const struct fixture *fx;
  int failures;
  char report[2048];
};

#define EXPECT(cond)                                                                             \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      size_t used_ = strlen(ctx->report);                                                        \
      snprintf(ctx->report + used_, sizeof ctx->report - used_, "line %d: %s [%s]\n", __LINE__, \
               #cond, err.msg);                                                                  \
      ctx->failures++;                                                                           \
    }                                                                                            \
    ns_err_clear(&err);                                                                          \
  } while (0)

static void error_calls(void *arg) {
  struct err_ctx *ctx = arg;
  struct ns_err err = NS_ERR_INIT;
  char file[PATH_CAP], bad[PATH_CAP];
  struct ns_writer *w = NULL;

  /* Missing output directory, a directory as target, a file as directory, empty name. */
  path_in(ctx->fx, "no_such_dir/out.h5", bad);
  EXPECT(ns_writer_open(bad, &w, &err) == NS_EIO && strstr(err.msg, "no_such_dir") &&
         strstr(err.msg, "No such file or directory") && w == NULL);
  EXPECT(ns_writer_open(ctx->fx->dir, &w, &err) == NS_EIO && strstr(err.msg, "is a directory"));
  path_in(ctx->fx, "plain", file);
  FILE *fp = fopen(file, "w");
  if (fp) fclose(fp);
  path_in(ctx->fx, "plain/out.h5", bad);
  EXPECT(ns_writer_open(bad, &w, &err) == NS_EIO && strstr(err.msg, "not a directory"));
  unlink(file);
  EXPECT(ns_writer_open("", &w, &err) == NS_EIO);

  path_in(ctx->fx, "e.h5", file);
  EXPECT(ns_writer_open(file, &w, &err) == NS_OK);
  if (!w) return;
  double v[6] = {1, 2, 3, 4, 5, 6};
  size_t dims[5] = {1, 1, 1, 1, 6};
  /* Bad object paths. */
  const char *bad_paths[] = {"relative", "/a//b", "/a/", "/", "/a/../b", "/./a", "", "/a\tb"};
  for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
    EXPECT(ns_writer_dataset(w, bad_paths[i], 1, dims + 4, v, "m", "d", &err) == NS_EINTERNAL &&
           strstr(err.msg, "object path"));
  EXPECT(ns_writer_dataset(w, NULL, 1, dims + 4, v, "m", "d", &err) == NS_EINTERNAL);
  /* Wrong rank, missing dims, units, description, data. */
  EXPECT(ns_writer_dataset(w, "/r5", 5, dims, v, "m", "d", &err) == NS_EINTERNAL && strstr(err.msg, "rank 5"));
  EXPECT(ns_writer_dataset(w, "/rm", -1, dims, v, "m", "d", &err) == NS_EINTERNAL && strstr(err.msg, "rank -1"));
  EXPECT(ns_writer_dataset(w, "/nd", 2, NULL, v, "m", "d", &err) == NS_EINTERNAL);
  EXPECT(ns_writer_dataset(w, "/nu", 1, dims + 4, v, NULL, "d", &err) == NS_EINTERNAL && strstr(err.msg, "units"));
  EXPECT(ns_writer_dataset(w, "/nu", 1, dims + 4, v, "", "d", &err) == NS_EINTERNAL);
  EXPECT(ns_writer_dataset(w, "/ndsc", 1, dims + 4, v, "m", NULL, &err) == NS_EINTERNAL);
  EXPECT(ns_writer_dataset(w, "/nodata", 1, dims + 4, NULL, "m", "d", &err) == NS_EINTERNAL);
  /* Duplicates and datasets used as groups. */
  EXPECT(ns_writer_dataset(w, "/g/x", 1, dims + 4, v, "m", "d", &err) == NS_OK);
  EXPECT(ns_writer_dataset(w, "/g/x", 1, dims + 4, v, "m", "d", &err) == NS_EINTERNAL &&
         strstr(err.msg, "already exists"));
  EXPECT(ns_writer_dataset(w, "/g/x/y", 1, dims + 4, v, "m", "d", &err) == NS_EINTERNAL &&
         strstr(err.msg, "not a group"));
  EXPECT(ns_writer_group(w, "/g/x", "d", &err) == NS_EINTERNAL && strstr(err.msg, "not a group"));
  EXPECT(ns_writer_group(w, "/g", "group g", &err) == NS_OK); /* existing group: description set */
  /* Attributes on missing objects, bad names, missing units, invalid UTF-8. */
  EXPECT(ns_writer_attr_text(w, "/nope", "a", "b", &err) == NS_EINTERNAL && strstr(err.msg, "/nope"));
  EXPECT(ns_writer_attr_text(w, "/nope/deeper", "a", "b", &err) == NS_EINTERNAL && strstr(err.msg, "no object"));
  EXPECT(ns_writer_attr_text(w, "/g/x/under_dataset", "a", "b", &err) == NS_EINTERNAL && strstr(err.msg, "no object"));
  EXPECT(ns_writer_attr_int(w, "/", "root_ok", 3, &err) == NS_OK);
  EXPECT(ns_writer_attr_text(w, "/g", "", "b", &err) == NS_EINTERNAL);
  EXPECT(ns_writer_attr_double(w, "/g", "a", 1.0, NULL, &err) == NS_EINTERNAL);
  EXPECT(ns_writer_attr_text(w, "/g", "a", "\xc0\xaf", &err) == NS_EINPUT && strstr(err.msg, "byte 0"));
  EXPECT(ns_writer_attr_text(w, "/g", "a", "ok \xed\xa0\x80", &err) == NS_EINPUT && strstr(err.msg, "byte 3"));
  const char *bad_strs[2] = {"fine", "\xff"};
  EXPECT(ns_writer_strings(w, "/s", 2, bad_strs, "d", &err) == NS_EINPUT);
  /* Reads of missing files, objects, wrong rank and wrong type. */
  double *data = NULL;
  size_t n = 0;
  char *txt = NULL;
  path_in(ctx->fx, "missing.h5", bad);
  EXPECT(ns_io_read_doubles(bad, "/x", &data, &n, &err) == NS_EIO && strstr(err.msg, "missing.h5"));
  EXPECT(ns_io_read_attr_text(bad, "/", "a", &txt, &err) == NS_EIO);
  EXPECT(ns_writer_commit(w, &err) == NS_OK); /* no handle leaked on any error path above */
  const size_t d2[2] = {2, 3};
  const int64_t iv[1] = {5};
  const size_t one = 1;
  struct ns_writer *w2 = NULL;
  path_in(ctx->fx, "f.h5", bad);
  EXPECT(ns_writer_open(bad, &w2, &err) == NS_OK);
  if (!w2) return;
  EXPECT(ns_writer_dataset(w2, "/m", 2, d2, v, "m", "2D", &err) == NS_OK);
  EXPECT(ns_writer_dataset_int(w2, "/i", 1, &one, iv, "1", "int", &err) == NS_OK);
  EXPECT(ns_writer_commit(w2, &err) == NS_OK);
  EXPECT(ns_io_read_doubles(bad, "/m", &data, &n, &err) == NS_EIO && strstr(err.msg, "rank 2") && !data);
  EXPECT(ns_io_read_doubles(bad, "/i", &data, &n, &err) == NS_EIO && strstr(err.msg, "floating"));
  EXPECT(ns_io_read_doubles(bad, "/absent", &data, &n, &err) == NS_EIO && strstr(err.msg, "/absent"));
  EXPECT(ns_io_read_attr_text(bad, "/m", "nope", &txt, &err) == NS_EIO && strstr(err.msg, "nope"));
  EXPECT(ns_io_read_attr_text(file, "/g", "description", &txt, &err) == NS_OK && strcmp(txt, "group g") == 0);
  free(txt);
}

static void test_error_paths(void **state) {
  struct fixture *fx = *state;
  struct err_ctx ctx = {fx, 0, {0}};
  char scratch[PATH_CAP];
  snprintf(scratch, sizeof scratch, "%s.stderr", fx->dir);
  long printed = stderr_bytes_during(error_calls, &ctx, scratch);
  if (ctx.failures) fail_msg("%d error-path checks failed:\n%s", ctx.failures, ctx.report);
  /* HDF5's automatic error printing is off: all failures came back only as our messages. */
  assert_int_equal(printed, 0);
  assert_int_equal(count_prefixed(fx->dir, "."), 0); /* no temporary file left behind */
}

/* A fixed-length string attribute (as other tools write them) is read by ns_io_read_attr_text. */
static void test_read_fixed_string_attr(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP];
  path_in(fx, "fixed.h5", file);
  commit_scalar(file, 0.5);
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, 8);
  H5Tset_strpad(t, H5T_STR_SPACEPAD);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, "fixed", t, s, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(H5Awrite(a, t, "abc     ") >= 0);
  H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  H5Fclose(f);
  struct ns_err err = NS_ERR_INIT;
  char *txt = NULL;
  assert_int_equal(ns_io_read_attr_text(file, "/", "fixed", &txt, &err), NS_OK);
  assert_string_equal(txt, "abc");
  free(txt);
}

/* ---- XDMF sidecar ----------------------------------------------------------------------------- */

/* Axisymmetric test grid: NR x NZ nodes; 3D test grid: NX x NY x NZ3 nodes. */
#define NR 5
#define NZ 4
#define NX 3
#define NY 4
#define NZ3 5

/* Node value of component c at node (i, j, k): digits encode the indices, so a transposed or
 * mis-strided reader would see different numbers. */
static double node_value(int c, int i, int j, int k, double t) { return 1000.0 * c + 100.0 * k + 10.0 * j + i + t; }

/* Write the fields of the XDMF test file and describe them; returns the writer still open. */
static struct ns_writer *write_fields(const char *file, struct ns_err *err) {
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, err), NS_OK);
  /* Axisymmetric (r, z): graded coordinates, z = 0 on the surface. */
  const double r[NR] = {0.0, 0.1e-3, 0.25e-3, 0.5e-3, 1.0e-3};
  const double z[NZ] = {-2.0e-3, -1.0e-3, -0.4e-3, 0.0};
  const size_t nr = NR, nz = NZ;
  assert_int_equal(ns_writer_dataset(w, "/grid/axi/r", 1, &nr, r, "m", "radial node coordinates", err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/grid/axi/z", 1, &nz, z, "m", "vertical node coordinates", err), NS_OK);
  static double u[NZ][NR][2], p[NZ][NR], st[NZ - 1][NR - 1][4];
  static int64_t mat[NZ - 1][NR - 1];
  const double times[2] = {0.0, 0.25};
  for (int s = 0; s < 2; s++) {
    for (int k = 0; k < NZ; k++)
      for (int i = 0; i < NR; i++) {
        for (int c = 0; c < 2; c++) u[k][i][c] = node_value(c, i, 0, k, times[s]);
        p[k][i] = -node_value(0, i, 0, k, times[s]);
      }
    for (int k = 0; k < NZ - 1; k++)
      for (int i = 0; i < NR - 1; i++) {
        mat[k][i] = k < 1 ? 1 : 2;
        for (int c = 0; c < 4; c++) st[k][i][c] = 0.5 * node_value(c, i, 0, k, times[s]);
      }
    char pu[64], pp[64], ps[64];
    snprintf(pu, sizeof pu, "/snap/%04d/u", s);
    snprintf(pp, sizeof pp, "/snap/%04d/p", s);
    snprintf(ps, sizeof ps, "/snap/%04d/stress", s);
    const size_t du[3] = {NZ, NR, 2}, dp[2] = {NZ, NR}, dc[3] = {NZ - 1, NR - 1, 4};
    assert_int_equal(ns_writer_dataset(w, pu, 3, du, &u[0][0][0], "m", "displacement (u_r, u_z)", err), NS_OK);
    assert_int_equal(ns_writer_dataset(w, pp, 2, dp, &p[0][0], "Pa", "pressure", err), NS_OK);
    assert_int_equal(ns_writer_dataset(w, ps, 3, dc, &st[0][0][0], "Pa", "stress (rr, zz, tt, rz)", err), NS_OK);
    if (s == 0) assert_int_equal(ns_writer_dataset_int(w, "/grid/axi/material", 2, dc, &mat[0][0], "1", "layer id", err), NS_OK);
    const size_t nd[3] = {NR, NZ, 0};
    const char *const coords[3] = {"/grid/axi/r", "/grid/axi/z", NULL};
    const struct ns_xdmf_field f[4] = {
        {"u", pu, 2, 0}, {"p", pp, 1, 0}, {"material", "/grid/axi/material", 1, 1}, {"stress", ps, 4, 1}};
    assert_int_equal(ns_writer_xdmf_snapshot(w, "axi", times[s], 2, nd, coords, 4, f, err), NS_OK);
  }
  /* 3D (x, y, z). */
  const double x[NX] = {-1.0e-3, 0.0, 1.0e-3}, y[NY] = {-1.0e-3, -0.2e-3, 0.2e-3, 1.0e-3};
  const double z3[NZ3] = {-3.0e-3, -2.0e-3, -1.0e-3, -0.5e-3, 0.0};
  const size_t nx = NX, ny = NY, nz3 = NZ3;
  assert_int_equal(ns_writer_dataset(w, "/grid/box/x", 1, &nx, x, "m", "x", err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/grid/box/y", 1, &ny, y, "m", "y", err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/grid/box/z", 1, &nz3, z3, "m", "z", err), NS_OK);
  static double u3[NZ3][NY][NX][3], s3[NZ3 - 1][NY - 1][NX - 1][6];
  for (int k = 0; k < NZ3; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++)
        for (int c = 0; c < 3; c++) u3[k][j][i][c] = node_value(c, i, j, k, 1.5);
  for (int k = 0; k < NZ3 - 1; k++)
    for (int j = 0; j < NY - 1; j++)
      for (int i = 0; i < NX - 1; i++)
        for (int c = 0; c < 6; c++) s3[k][j][i][c] = node_value(c, i, j, k, 0.0);
  const size_t du3[4] = {NZ3, NY, NX, 3}, ds3[4] = {NZ3 - 1, NY - 1, NX - 1, 6};
  assert_int_equal(ns_writer_dataset(w, "/box/u", 4, du3, &u3[0][0][0][0], "m", "displacement", err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/box/s", 4, ds3, &s3[0][0][0][0], "Pa", "stress (Voigt)", err), NS_OK);
  const size_t nd3[3] = {NX, NY, NZ3};
  const char *const coords3[3] = {"/grid/box/x", "/grid/box/y", "/grid/box/z"};
  const struct ns_xdmf_field f3[2] = {{"u", "/box/u", 3, 0}, {"s", "/box/s", 6, 1}};
  assert_int_equal(ns_writer_xdmf_snapshot(w, "box", 1.5, 3, nd3, coords3, 2, f3, err), NS_OK);
  return w;
}

/* Independent check of the sidecar with Python's xml.etree and h5py: structure, every
 * referenced dataset exists in the .h5 (by its final base name) with the declared dims and
 * number type, coordinates match the topology, and node values sit where the layout says. */
static const char XDMF_SCRIPT[] =
    "import sys, os, h5py, numpy as np\n"
    "import xml.etree.ElementTree as ET\n"
    "xmf, h5 = sys.argv[1], sys.argv[2]\n"
    "text = open(xmf, encoding='utf-8').read()\n"
    "assert text.startswith('<?xml') and '<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>' in text\n"
    "root = ET.parse(xmf).getroot()\n"
    "assert root.tag == 'Xdmf' and root.get('Version') == '3.0', root.attrib\n"
    "doms = root.findall('Domain')\n"
    "assert len(doms) == 1\n"
    "colls = {g.get('Name'): g for g in doms[0].findall('Grid')}\n"
    "assert sorted(colls) == ['axi', 'box'], sorted(colls)\n"
    "expect = {'axi': (2, [0.0, 0.25], {'u': ('Node', 2, 'Matrix'), 'p': ('Node', 1, 'Scalar'),\n"
    "                                  'material': ('Cell', 1, 'Scalar'), 'stress': ('Cell', 4, 'Matrix')}),\n"
    "          'box': (3, [1.5], {'u': ('Node', 3, 'Vector'), 's': ('Cell', 6, 'Tensor6')})}\n"
    "f = h5py.File(h5, 'r')\n"
    "base = os.path.basename(h5)\n"
    "nref = 0\n"
    "def item(di):\n"
    "    global nref\n"
    "    fn, path = di.text.strip().split(':', 1)\n"
    "    assert fn == base, (fn, base)\n"
    "    ds = f[path]\n"
    "    dims = tuple(int(v) for v in di.get('Dimensions').split())\n"
    "    assert ds.shape == dims, (path, ds.shape, dims)\n"
    "    kind = {'f': 'Float', 'i': 'Int', 'u': 'UInt'}[ds.dtype.kind]\n"
    "    assert di.get('NumberType') == kind and int(di.get('Precision')) == ds.dtype.itemsize, path\n"
    "    assert di.get('Format') == 'HDF'\n"
    "    nref += 1\n"
    "    return ds\n"
    "for name, (ndim, times, fields) in expect.items():\n"
    "    c = colls[name]\n"
    "    assert c.get('GridType') == 'Collection' and c.get('CollectionType') == 'Temporal'\n"
    "    snaps = c.findall('Grid')\n"
    "    assert [float(s.find('Time').get('Value')) for s in snaps] == times\n"
    "    assert len({s.get('Name') for s in snaps}) == len(snaps)\n"
    "    for s, t in zip(snaps, times):\n"
    "        assert s.get('GridType') == 'Uniform'\n"
    "        topo = s.find('Topology')\n"
    "        assert topo.get('TopologyType') == '%dDRectMesh' % ndim\n"
    "        tdims = [int(v) for v in topo.get('Dimensions').split()]\n"
    "        geo = s.find('Geometry')\n"
    "        assert geo.get('GeometryType') == 'VXVYVZ'[:2 * ndim]\n"
    "        coords = [item(di) for di in geo.findall('DataItem')]\n"
    "        assert [len(x) for x in coords] == tdims[::-1], (tdims, [len(x) for x in coords])\n"
    "        assert all(np.all(np.diff(x[()]) > 0) for x in coords)\n"
    "        attrs = {a.get('Name'): a for a in s.findall('Attribute')}\n"
    "        assert sorted(attrs) == sorted(fields), sorted(attrs)\n"
    "        for an, (center, ncomp, atype) in fields.items():\n"
    "            a = attrs[an]\n"
    "            assert a.get('Center') == center and a.get('AttributeType') == atype, (an, a.attrib)\n"
    "            ds = item(a.find('DataItem'))\n"
    "            want = [d - (center == 'Cell') for d in tdims] + ([ncomp] if ncomp > 1 else [])\n"
    "            assert list(ds.shape) == want, (an, ds.shape, want)\n"
    "        u = f[attrs['u'].find('DataItem').text.split(':', 1)[1]][()]\n"
    "        if ndim == 2:\n"
    "            assert u[3, 4, 1] == 1000 + 300 + 4 + t and u[2, 1, 0] == 200 + 1 + t\n"
    "        else:\n"
    "            assert u[4, 3, 2, 2] == 2000 + 400 + 30 + 2 + t\n"
    "assert nref == 2 * (2 + 4) + 3 + 2, nref\n"
    "print('xdmf-ok')\n";

static void read_file_text(const char *path, char *buf, size_t cap) {
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  size_t n = fread(buf, 1, cap - 1, fp);
  buf[n] = '\0';
  fclose(fp);
}

static void test_xdmf_sidecar(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], xmf[PATH_CAP], script[PATH_CAP], cmd[4 * PATH_CAP];
  path_in(fx, "fields.h5", file);
  path_in(fx, "fields.xmf", xmf);
  path_in(fx, "check_xdmf.py", script);
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = write_fields(file, &err);
  assert_false(exists(xmf)); /* nothing published before commit */
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  assert_true(exists(file));
  assert_true(exists(xmf));
  assert_int_equal(count_entries(fx->dir), 2); /* no temporary files left */

  FILE *fp = fopen(script, "w");
  assert_non_null(fp);
  fputs(XDMF_SCRIPT, fp);
  fclose(fp);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s' 2>&1", script, xmf, file);
  static char out[1 << 14];
  int rc = run_capture(cmd, out, sizeof out);
  if (rc != 0 || !strstr(out, "xdmf-ok")) fail_msg("XDMF check failed (exit %d):\n%s", rc, out);
  /* The sidecar references the final base name, never the temporary one. */
  static char text[1 << 16];
  read_file_text(xmf, text, sizeof text);
  assert_non_null(strstr(text, ">fields.h5:/snap/0001/u<"));
  assert_null(strstr(text, ".tmp."));
}

static void test_xdmf_errors(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], xmf[PATH_CAP];
  path_in(fx, "bad.h5", file);
  path_in(fx, "bad.xmf", xmf);
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  const double r[3] = {0.0, 1.0, 2.0}, z[2] = {-1.0, 0.0};
  const size_t nr = 3, nz = 2, du[3] = {2, 3, 2}, dt[3] = {3, 2, 2};
  double u[12] = {0};
  assert_int_equal(ns_writer_dataset(w, "/r", 1, &nr, r, "m", "r", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/z", 1, &nz, z, "m", "z", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/u", 3, du, u, "m", "u", &err), NS_OK);
  assert_int_equal(ns_writer_dataset(w, "/ut", 3, dt, u, "m", "u transposed", &err), NS_OK);
  assert_int_equal(ns_writer_strings(w, "/names", 1, (const char *const[]){"a"}, "text", &err), NS_OK);
  const size_t nd[3] = {3, 2, 0};
  const char *const coords[3] = {"/r", "/z", NULL};
  const char *const swapped[3] = {"/z", "/r", NULL};
  struct ns_xdmf_field good = {"u", "/u", 2, 0};
  struct ns_xdmf_field transposed = {"u", "/ut", 2, 0};
  struct ns_xdmf_field missing = {"v", "/no/such/group", 1, 0};
  struct ns_xdmf_field cellwrong = {"c", "/u", 2, 1};
  struct ns_xdmf_field textf = {"n", "/names", 1, 0};
  struct ns_xdmf_field dup[2] = {{"u", "/u", 2, 0}, {"u", "/u", 2, 0}};
  struct ns_xdmf_field nocomp = {"u", "/u", 0, 0};

  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 1, &transposed, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "/ut"));
  assert_non_null(strstr(err.msg, "has shape (3, 2, 2), expected (2, 3, 2)"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, swapped, 1, &good, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "coordinates of direction 0"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 1, &missing, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "does not exist"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 1, &cellwrong, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "expected (1, 2, 2)"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 1, &textf, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "not numeric"));
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 2, dup, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, nd, coords, 1, &nocomp, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 1, nd, coords, 1, &good, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "ndim 1"));
  ns_err_clear(&err);
  const size_t flat[3] = {3, 1, 0};
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", 0.0, 2, flat, coords, 1, &good, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g", NAN, 2, nd, coords, 1, &good, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "", 0.0, 2, nd, coords, 1, &good, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  /* Valid, then a time that does not increase. The grid name needs XML escaping. */
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g<&>\"'", 0.5, 2, nd, coords, 1, &good, &err), NS_OK);
  assert_int_equal(ns_writer_xdmf_snapshot(w, "g<&>\"'", 0.5, 2, nd, coords, 1, &good, &err), NS_EINTERNAL);
  assert_non_null(strstr(err.msg, "not after"));
  ns_err_clear(&err);
  /* No handle leaked on the error paths; only the valid snapshot is in the sidecar. */
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  static char text[1 << 14];
  read_file_text(xmf, text, sizeof text);
  assert_non_null(strstr(text, "Name=\"g&lt;&amp;&gt;&quot;&apos;\""));
  assert_non_null(strstr(text, "Name=\"g&lt;&amp;&gt;&quot;&apos;_000000\""));
  assert_null(strstr(text, "_000001"));
}

static void test_xdmf_atomic(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], xmf[PATH_CAP];
  path_in(fx, "fields.h5", file);
  path_in(fx, "fields.xmf", xmf);
  commit_scalar(file, 1.25);
  FILE *fp = fopen(xmf, "w");
  assert_non_null(fp);
  fputs("old sidecar\n", fp);
  fclose(fp);
  static char text[1 << 16];

  /* Aborted write with snapshots: old .h5 and .xmf untouched, no temporary files. */
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = write_fields(file, &err);
  ns_writer_abort(w);
  assert_true(raw_scalar(file) == 1.25);
  read_file_text(xmf, text, sizeof text);
  assert_string_equal(text, "old sidecar\n");
  assert_int_equal(count_entries(fx->dir), 2);

  /* Committed write with snapshots: both replaced. */
  w = write_fields(file, &err);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  read_file_text(xmf, text, sizeof text);
  assert_non_null(strstr(text, "<Xdmf Version=\"3.0\""));
  assert_int_equal(count_entries(fx->dir), 2);

  /* Committed write without snapshots: the stale sidecar is removed. */
  commit_scalar(file, 2.5);
  assert_false(exists(xmf));
  assert_int_equal(count_entries(fx->dir), 1);

  /* A target without the .h5 suffix gets TARGET.xmf. */
  char other[PATH_CAP], other_xmf[PATH_CAP];
  path_in(fx, "run.out", other);
  path_in(fx, "run.out.xmf", other_xmf);
  w = write_fields(other, &err);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  assert_true(exists(other_xmf));
  read_file_text(other_xmf, text, sizeof text);
  assert_non_null(strstr(text, ">run.out:/box/u<"));
}

/* Three runs /runs/0000, /runs/0001, /runs/00010 (the last's name extends the second's), each
 * with coordinates, a field and its own XDMF grid; delete the dataset /runs/0000/u and the group
 * /runs/0001. */
static void test_writer_delete(void **state) {
  struct fixture *fx = *state;
  char file[PATH_CAP], xmf[PATH_CAP];
  path_in(fx, "del.h5", file);
  path_in(fx, "del.xmf", xmf);
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(file, &w, &err), NS_OK);
  const char *const runs[3] = {"/runs/0000", "/runs/0001", "/runs/00010"};
  const char *const grids[3] = {"grid_a", "grid_b", "grid_c"};
  const double r[3] = {0.0, 1.0, 2.0}, z[2] = {-1.0, 0.0};
  double u[12] = {0};
  const size_t nr = 3, nz = 2, du[3] = {2, 3, 2}, nd[3] = {3, 2, 0};
  for (int k = 0; k < 3; k++) {
    char pr[64], pz[64], pu[64];
    snprintf(pr, sizeof pr, "%s/r", runs[k]);
    snprintf(pz, sizeof pz, "%s/z", runs[k]);
    snprintf(pu, sizeof pu, "%s/u", runs[k]);
    assert_int_equal(ns_writer_dataset(w, pr, 1, &nr, r, "m", "r", &err), NS_OK);
    assert_int_equal(ns_writer_dataset(w, pz, 1, &nz, z, "m", "z", &err), NS_OK);
    assert_int_equal(ns_writer_dataset(w, pu, 3, du, u, "m", "u", &err), NS_OK);
    const char *const coords[3] = {pr, pz, NULL};
    struct ns_xdmf_field f = {"u", pu, 2, 0};
    assert_int_equal(ns_writer_xdmf_snapshot(w, grids[k], 0.0, 2, nd, coords, 1, &f, &err), NS_OK);
  }
  assert_int_equal(ns_writer_delete(w, "/runs/0000/u", &err), NS_OK);
  assert_int_equal(ns_writer_delete(w, "/runs/0001", &err), NS_OK);
  /* Deleting what is no longer there, or was never there, is misuse. */
  struct ns_err e2 = NS_ERR_INIT;
  assert_int_equal(ns_writer_delete(w, "/runs/0001", &e2), NS_EINTERNAL);
  assert_non_null(strstr(e2.msg, "no such object"));
  ns_err_clear(&e2);
  assert_int_equal(ns_writer_delete(w, "/", &e2), NS_EINTERNAL);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);

  double *data = NULL;
  size_t n = 0;
  assert_int_equal(ns_io_read_doubles(file, "/runs/0000/r", &data, &n, &err), NS_OK);
  assert_int_equal(n, 3);
  free(data);
  assert_int_equal(ns_io_read_doubles(file, "/runs/00010/r", &data, &n, &err), NS_OK);
  free(data);
  ns_err_clear(&e2);
  assert_int_not_equal(ns_io_read_doubles(file, "/runs/0000/u", &data, &n, &e2), NS_OK);
  ns_err_clear(&e2);
  assert_int_not_equal(ns_io_read_doubles(file, "/runs/0001/r", &data, &n, &e2), NS_OK);
  /* The sidecar keeps only grid_c: grid_a referenced the deleted dataset, grid_b the group. */
  static char text[1 << 16];
  read_file_text(xmf, text, sizeof text);
  assert_null(strstr(text, "\"grid_a\""));
  assert_null(strstr(text, "\"grid_b\""));
  assert_non_null(strstr(text, "\"grid_c\""));
  assert_non_null(strstr(text, "del.h5:/runs/00010/u<"));
  assert_null(strstr(text, ":/runs/0001/"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_units_everywhere, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_table_compound, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_table_edge_cases, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_h5dump, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_h5py_reads, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_abort_removes_temp, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_replace_only_on_commit, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_killed_writer, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_error_paths, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_read_fixed_string_attr, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_xdmf_sidecar, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_xdmf_errors, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_xdmf_atomic, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_writer_delete, setup_dir, teardown_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
