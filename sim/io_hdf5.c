/* io_hdf5.c — HDF5 results files: atomic writer, unit-carrying datasets, compound tables.
 * The only file of needlesim that includes hdf5.h.
 *
 *   ns_writer_open / _commit / _abort   atomic file life cycle (hidden temp file, rename)
 *   ns_writer_temp_path                 the temporary file's name (tests)
 *   ns_writer_group                     a group (parents created) with a `description`
 *   ns_writer_delete                    unlink an object (a failed run's partial group) and the
 *                                       XDMF collections that reference datasets under it
 *   ns_writer_dataset / _dataset_int    numeric datasets of rank 0..4 with `units`, `description`
 *   ns_writer_strings                   1D dataset of UTF-8 strings (units "text")
 *   ns_writer_attr_text / _double / _int   attributes on existing objects
 *   ns_writer_table                     an ns_table as one compound dataset
 *   ns_writer_xdmf_snapshot             describe a field snapshot in the XDMF sidecar NAME.xmf
 *   ns_io_hdf5_version                  "1.10.8"
 *   ns_io_read_doubles, ns_io_read_attr_text   read-back helpers for tests and tools
 *
 * File layout conventions (see include/needlesim/io.h):
 *   - Format: libver bounds (V18, V18): version-2 object headers and compact/dense link and
 *     attribute storage, readable by HDF5 >= 1.8 (Debian 12's 1.10.8, h5py) and unlimited in
 *     attribute size.
 *   - Object paths are absolute, components are non-empty, contain no '/', and are not "." or
 *     "..". Missing parent groups are created; an existing object at a dataset's path is an error.
 *   - Numbers are stored as IEEE little-endian float64 and int64 in C (row-major) order.
 *   - Text is variable-length UTF-8 (H5T_CSET_UTF8); invalid UTF-8 is rejected (NS_EINPUT).
 *   - Every dataset has `units` and `description` text attributes. ns_writer_attr_double stores
 *     its units in a sibling text attribute NAME_units.
 *   - Compound tables: one field per column in column order, float64 / int64 / vlen UTF-8;
 *     attributes `units` and `column_descriptions` (1D arrays of strings, one per column) and
 *     `description`.
 *   - XDMF sidecar (ParaView): kept in memory as one XML fragment per temporal collection and
 *     written at commit; the layout is documented in include/needlesim/io.h.
 *
 * Handle discipline: every hid_t starts as H5I_INVALID_HID, every HDF5 call is checked (< 0 ->
 * NS_EIO naming the object path and the file, with HDF5's innermost message appended), and each
 * function has one cleanup label closing its handles in reverse order. The file is opened with
 * H5F_CLOSE_STRONG and commit verifies that no object other than the file is still open.
 *
 * HDF5's automatic error printing is switched off (H5Eset_auto2(H5E_DEFAULT, NULL, NULL)) by
 * ns_writer_open, by every other writer call and by the read helpers, so failures reach the user
 * only as our messages, never as HDF5 stack dumps. The setting is a side effect beyond this
 * module: it stays off afterwards for the calling thread (the whole process in a serial HDF5
 * build; per thread in Debian's thread-safe build, hence the call at every entry point). Nothing
 * else in needlesim uses HDF5. A writer has no lock of its own: use it from one thread at a time.
 */
#include "needlesim/io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

/* Highest dataset rank the writer accepts (C order; 4 covers node fields with components). */
#define NS_IO_MAX_RANK 4
/* Random characters in the temporary file's suffix and attempts before giving up on EEXIST. */
#define NS_IO_TMP_RANDOM 6
#define NS_IO_TMP_ATTEMPTS 100

#define NS_STR_(x) #x
#define NS_STR(x) NS_STR_(x)

/* A growing text buffer; `failed` records an allocation failure (checked once at the end). */
struct sbuf {
  char *s;
  size_t len, cap;
  int failed;
};

/* One XDMF temporal collection: the snapshots' XML, in call order. */
struct xdmf_coll {
  char *name;
  struct sbuf xml;
  double last_time; /* [s] */
  size_t count;
};

struct ns_writer {
  hid_t file;       /* the open temporary file, or H5I_INVALID_HID after close */
  char *target;     /* final path as given by the caller */
  char *tmp;        /* hidden temporary path in the target's directory */
  char *dir;        /* the target's directory ("." when the path has none) */
  char *base;       /* the target's final base name (referenced by the XDMF sidecar) */
  char *xmf_target; /* the sidecar's final path */
  char *xmf_tmp;    /* the sidecar's temporary path while commit writes it, else NULL */
  struct xdmf_coll *colls;
  size_t ncolls, colls_cap;
};

/* ---- error reporting ------------------------------------------------------------------------ */

/* Bytes kept of HDF5's own error description. */
#define NS_IO_H5MSG_MAX 256

/* Callback for H5Ewalk2 walking upward: keep the first (innermost, most specific) description. */
static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  char *buf = data;
  if (buf[0] == '\0' && e && e->desc && e->desc[0]) snprintf(buf, NS_IO_H5MSG_MAX, "%s", e->desc);
  return 0;
}

/* Record an HDF5 failure: our message, then the innermost HDF5 error text if there is one. The
 * HDF5 error stack is cleared. */
static enum ns_status h5_fail(struct ns_err *err, enum ns_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum ns_status h5_fail(struct ns_err *err, enum ns_status code, const char *fmt, ...) {
  char msg[NS_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char inner[NS_IO_H5MSG_MAX] = {0};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, inner);
  H5Eclear2(H5E_DEFAULT);
  if (inner[0]) return ns_err_set(err, code, "%s (HDF5: %s)", msg, inner);
  return ns_err_set(err, code, "%s", msg);
}

/* Checked HDF5 call inside a function with `enum ns_status st`, `struct ns_err *err` and a
 * `cleanup:` label: a negative result records NS_EIO with the given message and jumps there. */
#define H5CHK(call, ...)                          \
  do {                                            \
    if ((call) < 0) {                             \
      st = h5_fail(err, NS_EIO, __VA_ARGS__);     \
      goto cleanup;                               \
    }                                             \
  } while (0)

/* Close a handle if valid, with the matching close function. Errors while closing on an error
 * path are ignored (the first failure is already recorded); on the success path closes are
 * checked explicitly where a failure would lose data (the file). */
#define H5CLOSE(fn, id)                      \
  do {                                       \
    if ((id) >= 0) (void)fn(id);             \
    (id) = H5I_INVALID_HID;                  \
  } while (0)

static void errors_off(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* ---- text and path checks ------------------------------------------------------------------- */

/* Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or -1 when all of s is valid. */
static long utf8_invalid_at(const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (s[i]) {
    unsigned char c = s[i];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;      /* overlong */
      else if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;      /* overlong */
      else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
    } else {
      return (long)i;
    }
    if (s[i + 1] < lo || s[i + 1] > hi) return (long)i;
    for (size_t k = 2; k < len; k++)
      if ((s[i + k] & 0xC0u) != 0x80u) return (long)i;
    i += len;
  }
  return -1;
}

static enum ns_status check_utf8(const struct ns_writer *w, const char *obj, const char *what,
                                 const char *s, struct ns_err *err) {
  long at = utf8_invalid_at(s);
  if (at >= 0)
    return ns_err_set(err, NS_EINPUT, "%s: %s of '%s' is not valid UTF-8 (byte %ld)", w->target, what, obj,
                      at);
  return NS_OK;
}

/* An object path: "/" or "/a/b" with non-empty components, no "." or "..", no trailing '/'. */
static enum ns_status check_path(const struct ns_writer *w, const char *path, int allow_root,
                                 struct ns_err *err) {
  const char *file = w ? w->target : "";
  if (!path || path[0] != '/')
    return ns_err_set(err, NS_EINTERNAL, "%s: object path '%s' is not absolute", file, path ? path : "(null)");
  if (path[1] == '\0') {
    if (allow_root) return NS_OK;
    return ns_err_set(err, NS_EINTERNAL, "%s: object path '/' names the root group, not a dataset", file);
  }
  const char *p = path + 1;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
      return ns_err_set(err, NS_EINTERNAL, "%s: object path '%s' has an empty, '.' or '..' component", file,
                        path);
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)p[i] < 0x20u)
        return ns_err_set(err, NS_EINTERNAL, "%s: object path '%s' contains a control character", file, path);
    if (!slash) break;
    p = slash + 1;
  }
  if (utf8_invalid_at(path) >= 0)
    return ns_err_set(err, NS_EINTERNAL, "%s: object path '%s' is not valid UTF-8", file, path);
  return NS_OK;
}

/* Entry check of every writer call (also switches HDF5's error printing off for this thread). */
static enum ns_status check_writer(const struct ns_writer *w, const char *fn, struct ns_err *err) {
  errors_off();
  if (!w) return ns_err_set(err, NS_EINTERNAL, "%s: NULL writer", fn);
  if (w->file < 0) return ns_err_set(err, NS_EINTERNAL, "%s: writer for %s is closed", fn, w->target);
  return NS_OK;
}

/* ---- groups and attributes -------------------------------------------------------------------- */

/* *exists = 1 when an object is reachable at `path` ("/" always is). Walks the components, because
 * H5Lexists fails rather than answering 0 when an intermediate group is missing (HDF5 <= 1.10)
 * or names a dataset. */
static enum ns_status obj_exists(const struct ns_writer *w, const char *path, int *exists, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t obj = H5I_INVALID_HID;
  size_t n = strlen(path);
  *exists = 1;
  char *buf = malloc(n + 1);
  if (!buf) return ns_err_set(err, NS_ENOMEM, "%s: out of memory looking up '%s'", w->target, path);
  for (size_t end = 1; end <= n && *exists; end++) {
    if (end < n && path[end] != '/') continue;
    if (end == 1 && n == 1) break; /* the root */
    memcpy(buf, path, end);
    buf[end] = '\0';
    htri_t ex = H5Lexists(w->file, buf, H5P_DEFAULT);
    H5CHK(ex, "%s: cannot look up '%s'", w->target, buf);
    if (ex == 0) {
      *exists = 0;
    } else if (end < n) {
      obj = H5Oopen(w->file, buf, H5P_DEFAULT);
      H5CHK(obj, "%s: cannot open '%s'", w->target, buf);
      if (H5Iget_type(obj) != H5I_GROUP) *exists = 0;
      H5CLOSE(H5Oclose, obj);
    }
  }
cleanup:
  H5CLOSE(H5Oclose, obj);
  free(buf);
  return st;
}

/* Make sure the group `path` exists (creating missing parents and itself). Components that exist
 * but are not groups are an error. `upto` limits the check to the first `upto` bytes of path. */
static enum ns_status ensure_group_prefix(struct ns_writer *w, const char *path, size_t upto,
                                          struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t obj = H5I_INVALID_HID;
  char *buf = malloc(upto + 1);
  if (!buf) return ns_err_set(err, NS_ENOMEM, "%s: out of memory creating groups for '%s'", w->target, path);
  for (size_t end = 1; end <= upto; end++) {
    if (end < upto && path[end] != '/') continue;
    memcpy(buf, path, end);
    buf[end] = '\0';
    htri_t ex = H5Lexists(w->file, buf, H5P_DEFAULT);
    H5CHK(ex, "%s: cannot look up '%s'", w->target, buf);
    if (ex == 0) {
      obj = H5Gcreate2(w->file, buf, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5CHK(obj, "%s: cannot create group '%s'", w->target, buf);
    } else {
      obj = H5Oopen(w->file, buf, H5P_DEFAULT);
      H5CHK(obj, "%s: cannot open '%s'", w->target, buf);
      if (H5Iget_type(obj) != H5I_GROUP) {
        st = ns_err_set(err, NS_EINTERNAL, "%s: '%s' exists and is not a group (needed for '%s')", w->target,
                        buf, path);
        goto cleanup;
      }
    }
    H5CLOSE(H5Oclose, obj);
  }
cleanup:
  H5CLOSE(H5Oclose, obj);
  free(buf);
  return st;
}

/* Create the parent groups of `path` and check that nothing exists at `path` itself. */
static enum ns_status prepare_new_object(struct ns_writer *w, const char *path, struct ns_err *err) {
  enum ns_status st = NS_OK;
  const char *last = strrchr(path, '/');
  if (last > path) NS_TRY(ensure_group_prefix(w, path, (size_t)(last - path), err));
  htri_t ex = H5Lexists(w->file, path, H5P_DEFAULT);
  H5CHK(ex, "%s: cannot look up '%s'", w->target, path);
  if (ex > 0) st = ns_err_set(err, NS_EINTERNAL, "%s: object '%s' already exists", w->target, path);
cleanup:
  return st;
}

/* A new variable-length UTF-8 string type (caller closes). */
static hid_t utf8_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

/* Remove attribute `name` from `obj` if present (attributes are replaced, not duplicated). */
static enum ns_status drop_attr(const struct ns_writer *w, hid_t obj, const char *objpath, const char *name,
                                struct ns_err *err) {
  enum ns_status st = NS_OK;
  htri_t ex = H5Aexists(obj, name);
  H5CHK(ex, "%s: cannot look up attribute '%s' of '%s'", w->target, name, objpath);
  if (ex > 0) H5CHK(H5Adelete(obj, name), "%s: cannot replace attribute '%s' of '%s'", w->target, name, objpath);
cleanup:
  return st;
}

/* Write attribute `name` = `data` (type `memtype`, file type `ftype`) on open object `obj`:
 * a scalar when rank == 0, otherwise a 1D array of n elements (n may be 0). */
static enum ns_status put_attr(const struct ns_writer *w, hid_t obj, const char *objpath, const char *name,
                               hid_t ftype, hid_t memtype, int rank, size_t n, const void *data,
                               struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  NS_TRY(drop_attr(w, obj, objpath, name, err));
  hsize_t dim = (hsize_t)n;
  space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
  H5CHK(space, "%s: cannot create dataspace for attribute '%s' of '%s'", w->target, name, objpath);
  attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
  H5CHK(attr, "%s: cannot create attribute '%s' of '%s'", w->target, name, objpath);
  if (rank == 0 || n > 0)
    H5CHK(H5Awrite(attr, memtype, data), "%s: cannot write attribute '%s' of '%s'", w->target, name, objpath);
cleanup:
  H5CLOSE(H5Aclose, attr);
  H5CLOSE(H5Sclose, space);
  return st;
}

/* Text attribute (scalar variable-length UTF-8 string) on an open object. */
static enum ns_status put_attr_text(const struct ns_writer *w, hid_t obj, const char *objpath, const char *name,
                                    const char *value, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t str = H5I_INVALID_HID;
  if (!value) value = "";
  NS_TRY(check_utf8(w, objpath, name, value, err));
  str = utf8_type();
  H5CHK(str, "%s: cannot create string type for '%s'", w->target, objpath);
  st = put_attr(w, obj, objpath, name, str, str, 0, 1, &value, err);
cleanup:
  H5CLOSE(H5Tclose, str);
  return st;
}

/* Array-of-text attribute (1D variable-length UTF-8 strings) on an open object. */
static enum ns_status put_attr_strings(const struct ns_writer *w, hid_t obj, const char *objpath,
                                       const char *name, size_t n, const char **values, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t str = H5I_INVALID_HID;
  for (size_t i = 0; i < n; i++) NS_TRY(check_utf8(w, objpath, name, values[i], err));
  str = utf8_type();
  H5CHK(str, "%s: cannot create string type for '%s'", w->target, objpath);
  st = put_attr(w, obj, objpath, name, str, str, 1, n, values, err);
cleanup:
  H5CLOSE(H5Tclose, str);
  return st;
}

/* ---- writer life cycle ------------------------------------------------------------------------ */

/* splitmix64: a 64-bit mixing function used to draw the temporary file's random suffix. */
static uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Create the hidden temporary file DIR/.BASE.tmp.PID.XXXXXX with O_EXCL and mode 0666 (the
 * umask applies, so the published file gets the usual permissions, unlike mkstemp's 0600).
 * *path is malloc'ed; *fd is the open descriptor (write-only, close-on-exec). */
static enum ns_status create_temp(const char *dir, const char *base, const char *target, char **path, int *fd,
                                  struct ns_err *err) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  size_t cap = strlen(dir) + strlen(base) + 64;
  char *p = malloc(cap);
  if (!p) return ns_err_set(err, NS_ENOMEM, "%s: out of memory", target);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t seed = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 40) ^
                  (uint64_t)(uintptr_t)p;
  for (int attempt = 0; attempt < NS_IO_TMP_ATTEMPTS; attempt++) {
    char rnd[NS_IO_TMP_RANDOM + 1];
    uint64_t r = mix64(seed + (uint64_t)attempt);
    for (int i = 0; i < NS_IO_TMP_RANDOM; i++) {
      rnd[i] = alphabet[r % (sizeof alphabet - 1)];
      r /= sizeof alphabet - 1;
    }
    rnd[NS_IO_TMP_RANDOM] = '\0';
    snprintf(p, cap, "%s/.%s.tmp.%ld.%s", dir, base, (long)getpid(), rnd);
    int f = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (f >= 0) {
      *path = p;
      *fd = f;
      return NS_OK;
    }
    if (errno != EEXIST) {
      enum ns_status st =
          ns_err_set(err, NS_EIO, "%s: cannot create temporary file '%s': %s", target, p, strerror(errno));
      free(p);
      return st;
    }
  }
  free(p);
  return ns_err_set(err, NS_EIO, "%s: cannot create a temporary file in '%s' (%d names taken)", target, dir,
                    NS_IO_TMP_ATTEMPTS);
}

static void writer_free(struct ns_writer *w) {
  if (!w) return;
  for (size_t i = 0; i < w->ncolls; i++) {
    free(w->colls[i].name);
    free(w->colls[i].xml.s);
  }
  free(w->colls);
  free(w->target);
  free(w->tmp);
  free(w->dir);
  free(w->base);
  free(w->xmf_target);
  free(w->xmf_tmp);
  free(w);
}

/* Close the HDF5 file (if open) and remove the temporary files. */
static void writer_discard(struct ns_writer *w) {
  H5CLOSE(H5Fclose, w->file);
  H5Eclear2(H5E_DEFAULT);
  if (w->tmp) unlink(w->tmp);
  if (w->xmf_tmp) unlink(w->xmf_tmp);
}

enum ns_status ns_writer_open(const char *path, struct ns_writer **out, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t fapl = H5I_INVALID_HID;
  struct ns_writer *w = NULL;
  if (!out) return ns_err_set(err, NS_EINTERNAL, "ns_writer_open: NULL output pointer");
  *out = NULL;
  if (!path || !path[0]) return ns_err_set(err, NS_EIO, "output file name is empty");
  size_t len = strlen(path);
  if (path[len - 1] == '/') return ns_err_set(err, NS_EIO, "output file name '%s' names a directory", path);
  errors_off();

  w = calloc(1, sizeof *w);
  if (!w) return ns_err_set(err, NS_ENOMEM, "%s: out of memory", path);
  w->file = H5I_INVALID_HID;
  w->target = strdup(path);
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  w->dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  w->base = strdup(base);
  /* The sidecar: NAME.h5 -> NAME.xmf, anything else -> TARGET.xmf. */
  size_t stem = len >= 3 && strcmp(path + len - 3, ".h5") == 0 && len - 3 > (size_t)(base - path) ? len - 3 : len;
  w->xmf_target = malloc(stem + sizeof ".xmf");
  if (w->xmf_target) {
    memcpy(w->xmf_target, path, stem);
    memcpy(w->xmf_target + stem, ".xmf", sizeof ".xmf");
  }
  if (!w->target || !w->dir || !w->base || !w->xmf_target) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory", path);
    goto cleanup;
  }

  /* Check the directory and the target first, for clear messages. */
  struct stat sb;
  if (stat(w->dir, &sb) != 0) {
    st = ns_err_set(err, NS_EIO, "cannot write '%s': output directory '%s': %s", path, w->dir,
                    strerror(errno));
    goto cleanup;
  }
  if (!S_ISDIR(sb.st_mode)) {
    st = ns_err_set(err, NS_EIO, "cannot write '%s': '%s' is not a directory", path, w->dir);
    goto cleanup;
  }
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    st = ns_err_set(err, NS_EIO, "cannot write '%s': it is a directory", path);
    goto cleanup;
  }
  int fd = -1;
  st = create_temp(w->dir, base, path, &w->tmp, &fd, err);
  if (st != NS_OK) goto cleanup;
  close(fd); /* HDF5 reopens the file by name (same inode: H5F_ACC_TRUNC truncates in place) */

  fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5CHK(fapl, "%s: cannot create file access properties", path);
  H5CHK(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "%s: cannot set format version bounds",
        path);
  H5CHK(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "%s: cannot set close degree", path);
  w->file = H5Fcreate(w->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5CHK(w->file, "%s: cannot create HDF5 file '%s'", path, w->tmp);

cleanup:
  H5CLOSE(H5Pclose, fapl);
  if (st != NS_OK) {
    if (w) writer_discard(w);
    writer_free(w);
    return st;
  }
  *out = w;
  return NS_OK;
}

const char *ns_writer_temp_path(const struct ns_writer *w) { return w ? w->tmp : NULL; }

/* fsync a file or directory by name (read-only descriptor, which Linux allows). Directories on
 * file systems that cannot sync them (EINVAL) are accepted. */
static int fsync_path(const char *path, int is_dir) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));
  if (fd < 0) return -1;
  int rc = fsync(fd);
  if (rc != 0 && is_dir && (errno == EINVAL || errno == ENOTSUP)) rc = 0;
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* ---- XDMF text ---------------------------------------------------------------------------------- */

static void sb_grow(struct sbuf *b, size_t extra) {
  if (b->failed || b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->failed = 1;
    return;
  }
  b->s = s;
  b->cap = cap;
}

static void sb_append(struct sbuf *b, const char *s, size_t n) {
  sb_grow(b, n);
  if (b->failed) return;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  sb_grow(b, (size_t)n);
  if (b->failed) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* Append s with the five XML special characters replaced by entities. */
static void sb_xml(struct sbuf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&':
      sb_append(b, "&amp;", 5);
      break;
    case '<':
      sb_append(b, "&lt;", 4);
      break;
    case '>':
      sb_append(b, "&gt;", 4);
      break;
    case '"':
      sb_append(b, "&quot;", 6);
      break;
    case '\'':
      sb_append(b, "&apos;", 6);
      break;
    default:
      sb_append(b, s, 1);
    }
  }
}

/* Write all of buf to fd, retrying short writes. */
static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, buf, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Write the XDMF document into a new hidden temporary file next to the sidecar's target and
 * fsync it (w->xmf_tmp names it afterwards, so every failure path removes it). */
static enum ns_status write_sidecar_temp(struct ns_writer *w, struct ns_err *err) {
  struct sbuf doc = {NULL, 0, 0, 0};
  sb_printf(&doc, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
                  "<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
                  "  <Domain>\n");
  for (size_t i = 0; i < w->ncolls; i++) {
    if (w->colls[i].xml.failed) doc.failed = 1;
    sb_printf(&doc, "    <Grid Name=\"");
    sb_xml(&doc, w->colls[i].name);
    sb_printf(&doc, "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    if (w->colls[i].xml.s) sb_append(&doc, w->colls[i].xml.s, w->colls[i].xml.len);
    sb_printf(&doc, "    </Grid>\n");
  }
  sb_printf(&doc, "  </Domain>\n</Xdmf>\n");
  if (doc.failed) {
    free(doc.s);
    return ns_err_set(err, NS_ENOMEM, "%s: out of memory writing the XDMF sidecar", w->xmf_target);
  }
  const char *slash = strrchr(w->xmf_target, '/');
  const char *xbase = slash ? slash + 1 : w->xmf_target;
  int fd = -1;
  enum ns_status st = create_temp(w->dir, xbase, w->xmf_target, &w->xmf_tmp, &fd, err);
  if (st == NS_OK) {
    if (write_all(fd, doc.s, doc.len) != 0 || fsync(fd) != 0)
      st = ns_err_set(err, NS_EIO, "%s: cannot write '%s': %s", w->xmf_target, w->xmf_tmp, strerror(errno));
    if (close(fd) != 0 && st == NS_OK)
      st = ns_err_set(err, NS_EIO, "%s: cannot close '%s': %s", w->xmf_target, w->xmf_tmp, strerror(errno));
  }
  free(doc.s);
  return st;
}

/* Commit: (1) flush and close the HDF5 file, checking that no handle is left open; (2) fsync it;
 * (3) write and fsync the XDMF sidecar's temporary file, if snapshots were described; (4) rename
 * the .h5, then the .xmf, into place (or remove a stale .xmf); (5) fsync the directory. A failure
 * before (4) leaves any older target files untouched and removes the temporary files. */
enum ns_status ns_writer_commit(struct ns_writer *w, struct ns_err *err) {
  enum ns_status st = NS_OK;
  if (!w) return ns_err_set(err, NS_EINTERNAL, "ns_writer_commit: NULL writer");
  errors_off();
  if (w->file < 0) {
    st = ns_err_set(err, NS_EINTERNAL, "%s: writer is closed", w->target);
    goto cleanup;
  }
  /* (1) */
  H5CHK(H5Fflush(w->file, H5F_SCOPE_GLOBAL), "%s: cannot flush", w->target);
  ssize_t nopen = H5Fget_obj_count(w->file, H5F_OBJ_ALL);
  H5CHK(nopen, "%s: cannot count open objects", w->target);
  if (nopen != 1) {
    st = ns_err_set(err, NS_EINTERNAL, "%s: %zd HDF5 objects besides the file are still open at commit",
                    w->target, nopen - 1);
    goto cleanup;
  }
  herr_t rc = H5Fclose(w->file);
  w->file = H5I_INVALID_HID;
  H5CHK(rc, "%s: cannot close", w->target);
  /* (2) */
  if (fsync_path(w->tmp, 0) != 0) {
    st = ns_err_set(err, NS_EIO, "%s: cannot sync '%s': %s", w->target, w->tmp, strerror(errno));
    goto cleanup;
  }
  /* (3) */
  if (w->ncolls > 0) {
    st = write_sidecar_temp(w, err);
    if (st != NS_OK) goto cleanup;
  }
  /* (4) */
  if (rename(w->tmp, w->target) != 0) {
    st = ns_err_set(err, NS_EIO, "cannot rename '%s' to '%s': %s", w->tmp, w->target, strerror(errno));
    goto cleanup;
  }
  free(w->tmp);
  w->tmp = NULL; /* published: nothing left to unlink */
  if (w->xmf_tmp) {
    if (rename(w->xmf_tmp, w->xmf_target) != 0) {
      st = ns_err_set(err, NS_EIO, "%s: written, but its XDMF sidecar could not be renamed to '%s': %s", w->target,
                      w->xmf_target, strerror(errno));
      goto cleanup;
    }
    free(w->xmf_tmp);
    w->xmf_tmp = NULL;
  } else if (unlink(w->xmf_target) != 0 && errno != ENOENT) {
    st = ns_err_set(err, NS_EIO, "%s: written, but the stale XDMF sidecar '%s' could not be removed: %s", w->target,
                    w->xmf_target, strerror(errno));
    goto cleanup;
  }
  /* (5) */
  if (fsync_path(w->dir, 1) != 0)
    st = ns_err_set(err, NS_EIO, "%s: written, but its directory '%s' could not be synced: %s", w->target, w->dir,
                    strerror(errno));
cleanup:
  writer_discard(w);
  writer_free(w);
  return st;
}

void ns_writer_abort(struct ns_writer *w) {
  if (!w) return;
  errors_off();
  writer_discard(w);
  writer_free(w);
}

/* ---- datasets ---------------------------------------------------------------------------------- */

/* Create dataset `path` of type `ftype` and shape (rank, dims), write `data` (memory type
 * `mtype`) and attach `units` and `description`. */
static enum ns_status write_dataset(struct ns_writer *w, const char *path, int rank, const size_t *dims,
                                    hid_t ftype, hid_t mtype, const void *data, const char *units,
                                    const char *description, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t space = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  NS_TRY(check_writer(w, "ns_writer_dataset", err));
  NS_TRY(check_path(w, path, 0, err));
  if (rank < 0 || rank > NS_IO_MAX_RANK)
    return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s': rank %d outside 0..%d", w->target, path, rank,
                      NS_IO_MAX_RANK);
  if (rank > 0 && !dims)
    return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s': rank %d but no dimensions", w->target, path, rank);
  if (!units || !units[0])
    return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s' has no units (use \"1\" for dimensionless)",
                      w->target, path);
  if (!description)
    return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s' has no description", w->target, path);
  hsize_t hd[NS_IO_MAX_RANK] = {0};
  size_t count = 1;
  for (int d = 0; d < rank; d++) {
    hd[d] = (hsize_t)dims[d];
    count *= dims[d];
  }
  if (count > 0 && !data)
    return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s': NULL data", w->target, path);
  NS_TRY(prepare_new_object(w, path, err));

  space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, hd, NULL);
  H5CHK(space, "%s: cannot create dataspace for '%s'", w->target, path);
  dset = H5Dcreate2(w->file, path, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5CHK(dset, "%s: cannot create dataset '%s'", w->target, path);
  if (count > 0)
    H5CHK(H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "%s: cannot write dataset '%s'", w->target,
          path);
  st = put_attr_text(w, dset, path, "units", units, err);
  if (st == NS_OK) st = put_attr_text(w, dset, path, "description", description, err);
cleanup:
  H5CLOSE(H5Dclose, dset);
  H5CLOSE(H5Sclose, space);
  return st;
}

enum ns_status ns_writer_dataset(struct ns_writer *w, const char *path, int rank, const size_t *dims,
                                 const double *data, const char *units, const char *description,
                                 struct ns_err *err) {
  return write_dataset(w, path, rank, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, units, description, err);
}

enum ns_status ns_writer_dataset_int(struct ns_writer *w, const char *path, int rank, const size_t *dims,
                                     const int64_t *data, const char *units, const char *description,
                                     struct ns_err *err) {
  return write_dataset(w, path, rank, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, data, units, description, err);
}

enum ns_status ns_writer_strings(struct ns_writer *w, const char *path, size_t n, const char *const *strs,
                                 const char *description, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t str = H5I_INVALID_HID;
  const char **copy = NULL;
  NS_TRY(check_writer(w, "ns_writer_strings", err));
  NS_TRY(check_path(w, path, 0, err));
  if (n > 0 && !strs) return ns_err_set(err, NS_EINTERNAL, "%s: dataset '%s': NULL strings", w->target, path);
  /* NULL entries are written as "" so that every reader sees a string. */
  copy = malloc((n ? n : 1) * sizeof *copy);
  if (!copy) return ns_err_set(err, NS_ENOMEM, "%s: out of memory writing '%s'", w->target, path);
  for (size_t i = 0; i < n; i++) {
    copy[i] = strs[i] ? strs[i] : "";
    st = check_utf8(w, path, "string", copy[i], err);
    if (st != NS_OK) goto cleanup;
  }
  str = utf8_type();
  H5CHK(str, "%s: cannot create string type for '%s'", w->target, path);
  st = write_dataset(w, path, 1, &n, str, str, copy, "text", description, err);
cleanup:
  H5CLOSE(H5Tclose, str);
  free(copy);
  return st;
}

/* ---- attributes ---------------------------------------------------------------------------------- */

/* Open an existing object for attribute writing. */
static enum ns_status open_obj(struct ns_writer *w, const char *obj, hid_t *out, struct ns_err *err) {
  enum ns_status st = NS_OK;
  NS_TRY(check_writer(w, "ns_writer_attr", err));
  NS_TRY(check_path(w, obj, 1, err));
  int ex = 0;
  NS_TRY(obj_exists(w, obj, &ex, err));
  if (!ex) return ns_err_set(err, NS_EINTERNAL, "%s: no object '%s' to attach an attribute to", w->target, obj);
  *out = H5Oopen(w->file, obj, H5P_DEFAULT);
  H5CHK(*out, "%s: cannot open '%s'", w->target, obj);
cleanup:
  return st;
}

static enum ns_status check_attr_name(const struct ns_writer *w, const char *obj, const char *name,
                                      struct ns_err *err) {
  if (!name || !name[0])
    return ns_err_set(err, NS_EINTERNAL, "%s: empty attribute name on '%s'", w ? w->target : "", obj ? obj : "");
  if (utf8_invalid_at(name) >= 0)
    return ns_err_set(err, NS_EINTERNAL, "%s: attribute name on '%s' is not valid UTF-8", w->target, obj);
  return NS_OK;
}

enum ns_status ns_writer_attr_text(struct ns_writer *w, const char *obj, const char *name, const char *value,
                                   struct ns_err *err) {
  hid_t o = H5I_INVALID_HID;
  NS_TRY(open_obj(w, obj, &o, err));
  enum ns_status st = check_attr_name(w, obj, name, err);
  if (st == NS_OK) st = put_attr_text(w, o, obj, name, value, err);
  H5CLOSE(H5Oclose, o);
  return st;
}

enum ns_status ns_writer_attr_double(struct ns_writer *w, const char *obj, const char *name, double value,
                                     const char *units, struct ns_err *err) {
  hid_t o = H5I_INVALID_HID;
  if (!units || !units[0])
    return ns_err_set(err, NS_EINTERNAL, "attribute '%s' of '%s' has no units", name ? name : "", obj ? obj : "");
  NS_TRY(open_obj(w, obj, &o, err));
  enum ns_status st = check_attr_name(w, obj, name, err);
  char uname[256];
  if (st == NS_OK && (size_t)snprintf(uname, sizeof uname, "%s_units", name) >= sizeof uname)
    st = ns_err_set(err, NS_EINTERNAL, "%s: attribute name '%s' too long", w->target, name);
  if (st == NS_OK) st = put_attr(w, o, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, 1, &value, err);
  if (st == NS_OK) st = put_attr_text(w, o, obj, uname, units, err);
  H5CLOSE(H5Oclose, o);
  return st;
}

enum ns_status ns_writer_attr_int(struct ns_writer *w, const char *obj, const char *name, int64_t value,
                                  struct ns_err *err) {
  hid_t o = H5I_INVALID_HID;
  NS_TRY(open_obj(w, obj, &o, err));
  enum ns_status st = check_attr_name(w, obj, name, err);
  if (st == NS_OK) st = put_attr(w, o, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, 1, &value, err);
  H5CLOSE(H5Oclose, o);
  return st;
}

enum ns_status ns_writer_group(struct ns_writer *w, const char *path, const char *description,
                               struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t g = H5I_INVALID_HID;
  NS_TRY(check_writer(w, "ns_writer_group", err));
  NS_TRY(check_path(w, path, 1, err));
  if (strcmp(path, "/") != 0) NS_TRY(ensure_group_prefix(w, path, strlen(path), err));
  g = H5Gopen2(w->file, path, H5P_DEFAULT);
  H5CHK(g, "%s: cannot open group '%s'", w->target, path);
  st = put_attr_text(w, g, path, "description", description ? description : "", err);
cleanup:
  H5CLOSE(H5Gclose, g);
  return st;
}

/* Unlink `path` (HDF5 drops the group's members with it; the file space they used is not
 * returned to the file, which only h5repack would shrink) and drop every XDMF collection whose
 * snapshots reference a dataset at or under `path`, so the sidecar never points at a missing
 * dataset. A collection is matched by the escaped text ":PATH/" or ":PATH<" of its DataItems. */
enum ns_status ns_writer_delete(struct ns_writer *w, const char *path, struct ns_err *err) {
  enum ns_status st = NS_OK;
  struct sbuf under = {NULL, 0, 0, 0}, exact = {NULL, 0, 0, 0};
  NS_TRY(check_writer(w, "ns_writer_delete", err));
  NS_TRY(check_path(w, path, 0, err));
  int exists = 0;
  NS_TRY(obj_exists(w, path, &exists, err));
  if (!exists) return ns_err_set(err, NS_EINTERNAL, "%s: cannot delete '%s': no such object", w->target, path);
  H5CHK(H5Ldelete(w->file, path, H5P_DEFAULT), "%s: cannot delete '%s'", w->target, path);
  sb_append(&under, ":", 1);
  sb_xml(&under, path);
  sb_append(&exact, under.s ? under.s : "", under.len);
  sb_append(&under, "/", 1);
  sb_append(&exact, "<", 1);
  if (under.failed || exact.failed) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory deleting '%s'", w->target, path);
    goto cleanup;
  }
  for (size_t i = 0; i < w->ncolls;) {
    const char *xml = w->colls[i].xml.s;
    if (xml && (strstr(xml, under.s) || strstr(xml, exact.s))) {
      free(w->colls[i].name);
      free(w->colls[i].xml.s);
      memmove(&w->colls[i], &w->colls[i + 1], (w->ncolls - i - 1) * sizeof w->colls[0]);
      w->ncolls--;
    } else {
      i++;
    }
  }
cleanup:
  free(under.s);
  free(exact.s);
  return st;
}

/* ---- tables ------------------------------------------------------------------------------------------ */

enum ns_status ns_writer_table(struct ns_writer *w, const char *path, const struct ns_table *t,
                               const char *description, struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t str = H5I_INVALID_HID, mtype = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
  hid_t space = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  unsigned char *rows = NULL;
  size_t *offset = NULL;
  const char **units = NULL, **descs = NULL;
  NS_TRY(check_writer(w, "ns_writer_table", err));
  NS_TRY(check_path(w, path, 0, err));
  if (!t) return ns_err_set(err, NS_EINTERNAL, "%s: table '%s': NULL table", w->target, path);
  if (!description) return ns_err_set(err, NS_EINTERNAL, "%s: table '%s' has no description", w->target, path);
  const size_t nc = ns_table_cols(t), nr = ns_table_rows(t);
  if (nc == 0) return ns_err_set(err, NS_EINTERNAL, "%s: table '%s' has no columns", w->target, path);

  offset = malloc(nc * sizeof *offset);
  units = malloc(nc * sizeof *units);
  descs = malloc(nc * sizeof *descs);
  if (!offset || !units || !descs) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory writing table '%s'", w->target, path);
    goto cleanup;
  }
  str = utf8_type();
  H5CHK(str, "%s: cannot create string type for '%s'", w->target, path);

  /* Memory layout of one row: the columns in order, each cell as double, int64_t or a pointer to
   * the table's text (all 8 bytes on LP64, so the record has no padding). */
  size_t rowsize = 0;
  for (size_t c = 0; c < nc; c++) {
    const struct ns_column *col = ns_table_column(t, c);
    offset[c] = rowsize;
    rowsize += col->type == NS_COL_DOUBLE ? sizeof(double)
               : col->type == NS_COL_INT  ? sizeof(int64_t)
                                          : sizeof(const char *);
    units[c] = col->units;
    descs[c] = col->description;
  }
  mtype = H5Tcreate(H5T_COMPOUND, rowsize);
  H5CHK(mtype, "%s: cannot create compound type for '%s'", w->target, path);
  for (size_t c = 0; c < nc; c++) {
    const struct ns_column *col = ns_table_column(t, c);
    hid_t ct = col->type == NS_COL_DOUBLE ? H5T_NATIVE_DOUBLE : col->type == NS_COL_INT ? H5T_NATIVE_INT64 : str;
    H5CHK(H5Tinsert(mtype, col->name, offset[c], ct), "%s: cannot add field '%s' to table '%s'", w->target,
          col->name, path);
  }
  /* The file type is the packed memory type (identical on LP64 little-endian machines, but
   * explicit so a platform with padding writes a packed file record). */
  ftype = H5Tcopy(mtype);
  H5CHK(ftype, "%s: cannot copy compound type for '%s'", w->target, path);
  H5CHK(H5Tpack(ftype), "%s: cannot pack compound type for '%s'", w->target, path);

  rows = malloc(nr ? nr * rowsize : 1);
  if (!rows) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory writing table '%s'", w->target, path);
    goto cleanup;
  }
  for (size_t r = 0; r < nr; r++) {
    unsigned char *rec = rows + r * rowsize;
    for (size_t c = 0; c < nc; c++) {
      const struct ns_column *col = ns_table_column(t, c);
      if (col->type == NS_COL_DOUBLE) {
        double v = ns_table_get_double(t, r, c);
        memcpy(rec + offset[c], &v, sizeof v);
      } else if (col->type == NS_COL_INT) {
        int64_t v = ns_table_get_int(t, r, c);
        memcpy(rec + offset[c], &v, sizeof v);
      } else {
        const char *v = ns_table_get_text(t, r, c);
        char what[NS_COL_NAME_MAX + 64]; /* "column 'NAME' row N" */
        snprintf(what, sizeof what, "column '%s' row %zu", col->name, r);
        st = check_utf8(w, path, what, v, err);
        if (st != NS_OK) goto cleanup;
        memcpy(rec + offset[c], &v, sizeof v);
      }
    }
  }

  st = prepare_new_object(w, path, err);
  if (st != NS_OK) goto cleanup;
  hsize_t dim = (hsize_t)nr;
  space = H5Screate_simple(1, &dim, NULL);
  H5CHK(space, "%s: cannot create dataspace for table '%s'", w->target, path);
  dset = H5Dcreate2(w->file, path, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5CHK(dset, "%s: cannot create table '%s'", w->target, path);
  if (nr > 0)
    H5CHK(H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), "%s: cannot write table '%s'", w->target,
          path);
  st = put_attr_strings(w, dset, path, "units", nc, units, err);
  if (st == NS_OK) st = put_attr_text(w, dset, path, "description", description, err);
  if (st == NS_OK) st = put_attr_strings(w, dset, path, "column_descriptions", nc, descs, err);
cleanup:
  H5CLOSE(H5Dclose, dset);
  H5CLOSE(H5Sclose, space);
  H5CLOSE(H5Tclose, ftype);
  H5CLOSE(H5Tclose, mtype);
  H5CLOSE(H5Tclose, str);
  free(rows);
  free(descs);
  free(units);
  free(offset);
  return st;
}

/* ---- XDMF snapshots ------------------------------------------------------------------------------ */

/* "4 5 2" (sep " ") or "4, 5, 2" (sep ", ") from rank dims. */
static void dims_text(char *buf, size_t cap, int rank, const hsize_t *dims, const char *sep) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < rank && used < cap; k++) {
    int n = snprintf(buf + used, cap - used, "%s%llu", k ? sep : "", (unsigned long long)dims[k]);
    if (n < 0) break;
    used += (size_t)n;
  }
}

/* Capacity of a dims_text buffer: NS_IO_MAX_RANK numbers of up to 20 digits and separators. */
#define NS_IO_DIMS_TEXT 128

/* Check that dataset `path` exists in w with a numeric type and exactly the shape (rank, want);
 * returns its XDMF NumberType ("Float", "Int", "UInt") and Precision (bytes). */
static enum ns_status xdmf_check_dataset(struct ns_writer *w, const char *path, int rank, const hsize_t *want,
                                         const char *role, const char **numtype, size_t *precision,
                                         struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t dset = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
  if (!path) return ns_err_set(err, NS_EINTERNAL, "%s: XDMF %s: no dataset path", w->target, role);
  NS_TRY(check_path(w, path, 0, err));
  if (strchr(path, ':'))
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF %s: dataset path '%s' contains ':', which XDMF cannot reference",
                      w->target, role, path);
  int ex = 0;
  NS_TRY(obj_exists(w, path, &ex, err));
  if (!ex)
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF %s: dataset '%s' does not exist (write it first)", w->target, role,
                      path);
  dset = H5Dopen2(w->file, path, H5P_DEFAULT);
  H5CHK(dset, "%s: XDMF %s: cannot open dataset '%s'", w->target, role, path);
  type = H5Dget_type(dset);
  H5CHK(type, "%s: cannot get the type of '%s'", w->target, path);
  H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_FLOAT) {
    *numtype = "Float";
  } else if (cls == H5T_INTEGER) {
    *numtype = H5Tget_sign(type) == H5T_SGN_NONE ? "UInt" : "Int";
  } else {
    st = ns_err_set(err, NS_EINTERNAL, "%s: XDMF %s: dataset '%s' is not numeric", w->target, role, path);
    goto cleanup;
  }
  *precision = H5Tget_size(type);
  space = H5Dget_space(dset);
  H5CHK(space, "%s: cannot get the shape of '%s'", w->target, path);
  int got_rank = H5Sget_simple_extent_ndims(space);
  H5CHK(got_rank, "%s: cannot get the rank of '%s'", w->target, path);
  hsize_t got[H5S_MAX_RANK];
  if (got_rank > 0) H5CHK(H5Sget_simple_extent_dims(space, got, NULL), "%s: cannot get the shape of '%s'", w->target, path);
  int same = got_rank == rank;
  for (int k = 0; same && k < rank; k++) same = got[k] == want[k];
  if (!same) {
    char ws[NS_IO_DIMS_TEXT], gs[NS_IO_DIMS_TEXT];
    dims_text(ws, sizeof ws, rank, want, ", ");
    dims_text(gs, sizeof gs, got_rank > NS_IO_MAX_RANK ? NS_IO_MAX_RANK : got_rank, got, ", ");
    st = ns_err_set(err, NS_EINTERNAL, "%s: XDMF %s: dataset '%s' has shape (%s), expected (%s)", w->target, role,
                    path, gs, ws);
  }
cleanup:
  H5CLOSE(H5Sclose, space);
  H5CLOSE(H5Tclose, type);
  H5CLOSE(H5Dclose, dset);
  return st;
}

/* One <DataItem> referencing dataset `path` of the final file. */
static void xdmf_data_item(struct sbuf *b, const char *indent, const struct ns_writer *w, int rank,
                           const hsize_t *dims, const char *numtype, size_t precision, const char *path) {
  char ds[NS_IO_DIMS_TEXT];
  dims_text(ds, sizeof ds, rank, dims, " ");
  sb_printf(b, "%s<DataItem Dimensions=\"%s\" NumberType=\"%s\" Precision=\"%zu\" Format=\"HDF\">", indent, ds,
            numtype, precision);
  sb_xml(b, w->base);
  sb_append(b, ":", 1);
  sb_xml(b, path);
  sb_printf(b, "</DataItem>\n");
}

/* XDMF AttributeType for a component count (ParaView reads the count from the data). */
static const char *xdmf_attribute_type(int ncomp) {
  switch (ncomp) {
  case 1:
    return "Scalar";
  case 3:
    return "Vector";
  case 6:
    return "Tensor6";
  case 9:
    return "Tensor";
  default:
    return "Matrix";
  }
}

enum ns_status ns_writer_xdmf_snapshot(struct ns_writer *w, const char *grid_name, double time_s, int ndim,
                                       const size_t node_dims[3], const char *const coord_paths[3],
                                       size_t nfields, const struct ns_xdmf_field *fields,
                                       struct ns_err *err) {
  enum ns_status st = NS_OK;
  struct sbuf x = {NULL, 0, 0, 0};
  NS_TRY(check_writer(w, "ns_writer_xdmf_snapshot", err));
  if (!grid_name || !grid_name[0] || utf8_invalid_at(grid_name) >= 0)
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid name is empty or not UTF-8", w->target);
  for (const char *c = grid_name; *c; c++)
    if ((unsigned char)*c < 0x20u)
      return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid name contains a control character", w->target);
  if (ndim != 2 && ndim != 3)
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': ndim %d is not 2 or 3", w->target, grid_name, ndim);
  if (!node_dims || !coord_paths || (nfields > 0 && !fields))
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': NULL argument", w->target, grid_name);
  for (int d = 0; d < ndim; d++)
    if (node_dims[d] < 2)
      return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': %zu nodes in direction %d (need >= 2)", w->target,
                        grid_name, node_dims[d], d);
  if (!isfinite(time_s))
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': time is not finite", w->target, grid_name);
  if (strchr(w->base, ':'))
    return ns_err_set(err, NS_EINTERNAL, "%s: file name contains ':', which XDMF cannot reference", w->target);
  struct xdmf_coll *coll = NULL;
  for (size_t i = 0; i < w->ncolls; i++)
    if (strcmp(w->colls[i].name, grid_name) == 0) coll = &w->colls[i];
  if (coll && coll->xml.failed)
    return ns_err_set(err, NS_ENOMEM, "%s: XDMF grid '%s': an earlier snapshot ran out of memory", w->target,
                      grid_name);
  if (coll && !(time_s > coll->last_time))
    return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': time %.17g s is not after the previous snapshot's %.17g s",
                      w->target, grid_name, time_s, coll->last_time);
  for (size_t f = 0; f < nfields; f++) {
    if (!fields[f].name || !fields[f].name[0] || utf8_invalid_at(fields[f].name) >= 0)
      return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': field %zu has no valid name", w->target, grid_name, f);
    if (fields[f].ncomp < 1)
      return ns_err_set(err, NS_EINTERNAL, "%s: XDMF field '%s': ncomp %d < 1", w->target, fields[f].name,
                        fields[f].ncomp);
    for (size_t g = 0; g < f; g++)
      if (strcmp(fields[g].name, fields[f].name) == 0)
        return ns_err_set(err, NS_EINTERNAL, "%s: XDMF grid '%s': field name '%s' given twice", w->target, grid_name,
                          fields[f].name);
  }

  /* Topology: node counts, slowest direction first. */
  hsize_t topo[3];
  for (int k = 0; k < ndim; k++) topo[k] = (hsize_t)node_dims[ndim - 1 - k];
  char ts[NS_IO_DIMS_TEXT];
  dims_text(ts, sizeof ts, ndim, topo, " ");
  size_t index = coll ? coll->count : 0;
  sb_printf(&x, "      <Grid Name=\"");
  sb_xml(&x, grid_name);
  sb_printf(&x, "_%06zu\" GridType=\"Uniform\">\n", index);
  sb_printf(&x, "        <Time Value=\"%.17g\"/>\n", time_s);
  sb_printf(&x, "        <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n", ndim == 2 ? "2DRectMesh" : "3DRectMesh",
            ts);
  sb_printf(&x, "        <Geometry GeometryType=\"%s\">\n", ndim == 2 ? "VXVY" : "VXVYVZ");
  for (int d = 0; d < ndim; d++) {
    const char *nt = NULL;
    size_t prec = 0;
    hsize_t n = (hsize_t)node_dims[d];
    char role[48];
    snprintf(role, sizeof role, "coordinates of direction %d", d);
    st = xdmf_check_dataset(w, coord_paths[d], 1, &n, role, &nt, &prec, err);
    if (st != NS_OK) goto cleanup;
    xdmf_data_item(&x, "          ", w, 1, &n, nt, prec, coord_paths[d]);
  }
  sb_printf(&x, "        </Geometry>\n");
  for (size_t f = 0; f < nfields; f++) {
    const struct ns_xdmf_field *fd = &fields[f];
    hsize_t shape[4];
    int rank = ndim;
    for (int k = 0; k < ndim; k++) shape[k] = topo[k] - (fd->cell_centred ? 1 : 0);
    if (fd->ncomp > 1) shape[rank++] = (hsize_t)fd->ncomp;
    const char *nt = NULL;
    size_t prec = 0;
    char role[96]; /* "field 'NAME'", the name cut to fit */
    snprintf(role, sizeof role, "field '%.80s'", fd->name);
    st = xdmf_check_dataset(w, fd->h5_path, rank, shape, role, &nt, &prec, err);
    if (st != NS_OK) goto cleanup;
    sb_printf(&x, "        <Attribute Name=\"");
    sb_xml(&x, fd->name);
    sb_printf(&x, "\" AttributeType=\"%s\" Center=\"%s\">\n", xdmf_attribute_type(fd->ncomp),
              fd->cell_centred ? "Cell" : "Node");
    xdmf_data_item(&x, "          ", w, rank, shape, nt, prec, fd->h5_path);
    sb_printf(&x, "        </Attribute>\n");
  }
  sb_printf(&x, "      </Grid>\n");
  if (x.failed) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory describing XDMF grid '%s'", w->target, grid_name);
    goto cleanup;
  }

  /* Append to the grid's collection (created on first use). */
  if (!coll) {
    if (w->ncolls == w->colls_cap) {
      size_t cap = w->colls_cap ? 2 * w->colls_cap : 4;
      struct xdmf_coll *c = realloc(w->colls, cap * sizeof *c);
      if (!c) {
        st = ns_err_set(err, NS_ENOMEM, "%s: out of memory describing XDMF grid '%s'", w->target, grid_name);
        goto cleanup;
      }
      w->colls = c;
      w->colls_cap = cap;
    }
    char *name = strdup(grid_name);
    if (!name) {
      st = ns_err_set(err, NS_ENOMEM, "%s: out of memory describing XDMF grid '%s'", w->target, grid_name);
      goto cleanup;
    }
    coll = &w->colls[w->ncolls++];
    memset(coll, 0, sizeof *coll);
    coll->name = name;
  }
  sb_append(&coll->xml, x.s, x.len);
  if (coll->xml.failed) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory describing XDMF grid '%s'", w->target, grid_name);
    goto cleanup;
  }
  coll->last_time = time_s;
  coll->count++;
cleanup:
  free(x.s);
  return st;
}

/* ---- version and read-back ------------------------------------------------------------------------ */

/* HDF5 aborts at start-up when the library and header versions differ (H5check_version), so
 * the header's version is the running library's version. */
const char *ns_io_hdf5_version(void) {
  return NS_STR(H5_VERS_MAJOR) "." NS_STR(H5_VERS_MINOR) "." NS_STR(H5_VERS_RELEASE);
}

enum ns_status ns_io_read_doubles(const char *file, const char *path, double **data, size_t *n,
                                  struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t f = H5I_INVALID_HID, dset = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
  double *buf = NULL;
  if (!file || !path || !data || !n) return ns_err_set(err, NS_EINTERNAL, "ns_io_read_doubles: NULL argument");
  *data = NULL;
  *n = 0;
  errors_off();
  f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5CHK(f, "cannot open HDF5 file '%s'", file);
  dset = H5Dopen2(f, path, H5P_DEFAULT);
  H5CHK(dset, "%s: cannot open dataset '%s'", file, path);
  type = H5Dget_type(dset);
  H5CHK(type, "%s: cannot get the type of '%s'", file, path);
  if (H5Tget_class(type) != H5T_FLOAT) {
    st = ns_err_set(err, NS_EIO, "%s: dataset '%s' is not floating-point", file, path);
    goto cleanup;
  }
  space = H5Dget_space(dset);
  H5CHK(space, "%s: cannot get the shape of '%s'", file, path);
  int rank = H5Sget_simple_extent_ndims(space);
  H5CHK(rank, "%s: cannot get the rank of '%s'", file, path);
  if (rank > 1) {
    st = ns_err_set(err, NS_EIO, "%s: dataset '%s' has rank %d; expected a scalar or 1D dataset", file, path, rank);
    goto cleanup;
  }
  hsize_t dim = 1;
  if (rank == 1) H5CHK(H5Sget_simple_extent_dims(space, &dim, NULL), "%s: cannot get the size of '%s'", file, path);
  buf = malloc(dim ? (size_t)dim * sizeof *buf : sizeof *buf);
  if (!buf) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory reading '%s'", file, path);
    goto cleanup;
  }
  if (dim > 0)
    H5CHK(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "%s: cannot read '%s'", file, path);
  *data = buf;
  *n = (size_t)dim;
  buf = NULL;
cleanup:
  free(buf);
  H5CLOSE(H5Sclose, space);
  H5CLOSE(H5Tclose, type);
  H5CLOSE(H5Dclose, dset);
  H5CLOSE(H5Fclose, f);
  return st;
}

enum ns_status ns_io_read_attr_text(const char *file, const char *obj, const char *name, char **value,
                                    struct ns_err *err) {
  enum ns_status st = NS_OK;
  hid_t f = H5I_INVALID_HID, attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
  hid_t mtype = H5I_INVALID_HID, space = H5I_INVALID_HID;
  char *vlen = NULL, *buf = NULL;
  if (!file || !obj || !name || !value) return ns_err_set(err, NS_EINTERNAL, "ns_io_read_attr_text: NULL argument");
  *value = NULL;
  errors_off();
  f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5CHK(f, "cannot open HDF5 file '%s'", file);
  attr = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  H5CHK(attr, "%s: cannot open attribute '%s' of '%s'", file, name, obj);
  type = H5Aget_type(attr);
  H5CHK(type, "%s: cannot get the type of attribute '%s' of '%s'", file, name, obj);
  space = H5Aget_space(attr);
  H5CHK(space, "%s: cannot get the shape of attribute '%s' of '%s'", file, name, obj);
  hssize_t npts = H5Sget_simple_extent_npoints(space);
  H5CHK(npts, "%s: cannot get the size of attribute '%s' of '%s'", file, name, obj);
  if (H5Tget_class(type) != H5T_STRING || npts != 1) {
    st = ns_err_set(err, NS_EIO, "%s: attribute '%s' of '%s' is not a single string", file, name, obj);
    goto cleanup;
  }
  htri_t is_vlen = H5Tis_variable_str(type);
  H5CHK(is_vlen, "%s: cannot inspect attribute '%s' of '%s'", file, name, obj);
  mtype = H5Tcopy(type);
  H5CHK(mtype, "%s: cannot copy the type of attribute '%s' of '%s'", file, name, obj);
  if (is_vlen) {
    H5CHK(H5Aread(attr, mtype, &vlen), "%s: cannot read attribute '%s' of '%s'", file, name, obj);
    buf = strdup(vlen ? vlen : "");
  } else {
    size_t size = H5Tget_size(type);
    if (size == 0) {
      st = h5_fail(err, NS_EIO, "%s: cannot get the size of attribute '%s' of '%s'", file, name, obj);
      goto cleanup;
    }
    buf = calloc(size + 1, 1);
    if (buf) {
      H5CHK(H5Aread(attr, mtype, buf), "%s: cannot read attribute '%s' of '%s'", file, name, obj);
      /* Fixed-length strings may be space-padded; drop the padding. */
      if (H5Tget_strpad(type) == H5T_STR_SPACEPAD)
        for (size_t k = size; k > 0 && buf[k - 1] == ' '; k--) buf[k - 1] = '\0';
    }
  }
  if (!buf) {
    st = ns_err_set(err, NS_ENOMEM, "%s: out of memory reading attribute '%s' of '%s'", file, name, obj);
    goto cleanup;
  }
  *value = buf;
  buf = NULL;
cleanup:
  free(buf);
  if (vlen) H5free_memory(vlen);
  H5CLOSE(H5Sclose, space);
  H5CLOSE(H5Tclose, mtype);
  H5CLOSE(H5Tclose, type);
  H5CLOSE(H5Aclose, attr);
  H5CLOSE(H5Fclose, f);
  return st;
}
