/* needlesim/io.h — HDF5 results files. The only module that includes hdf5.h.
 *
 * Atomicity: ns_writer_open() creates a hidden temporary file in the target's directory
 * (".NAME.tmp.PID.XXXXXX"); everything is written there; ns_writer_commit() flushes, closes,
 * fsyncs and rename()s it onto the target. ns_writer_abort() closes and unlinks the temporary.
 * A crashed or killed run therefore never leaves a file under the target name; an older file at
 * the target name is replaced only on success.
 *
 * Every dataset gets a `units` attribute (UDUNITS-style text: "m", "Pa", "N", "s", "1" for
 * dimensionless numbers, "text" for text) and a `description` attribute. Text attributes and
 * text datasets are variable-length UTF-8 strings (h5py reads them as str).
 * Object paths are absolute ("/runs/0000/skin/thickness"); missing parent groups are created.
 */
#ifndef NEEDLESIM_IO_H
#define NEEDLESIM_IO_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/status.h"
#include "needlesim/table.h"

struct ns_writer; /* opaque */

enum ns_status ns_writer_open(const char *path, struct ns_writer **out, struct ns_err *err);
/* Finish and publish the file under its final name; frees w (also on failure, after unlinking). */
enum ns_status ns_writer_commit(struct ns_writer *w, struct ns_err *err);
/* Discard everything written; frees w. NULL is a no-op. Safe to call from an error path. */
void ns_writer_abort(struct ns_writer *w);
/* The temporary path being written (tests use it). */
const char *ns_writer_temp_path(const struct ns_writer *w);

enum ns_status ns_writer_group(struct ns_writer *w, const char *path, const char *description,
                               struct ns_err *err);

/* Numeric datasets, C order, rank 0..4 (rank 0 = scalar; dims may then be NULL). */
enum ns_status ns_writer_dataset(struct ns_writer *w, const char *path, int rank, const size_t *dims,
                                 const double *data, const char *units, const char *description,
                                 struct ns_err *err);
enum ns_status ns_writer_dataset_int(struct ns_writer *w, const char *path, int rank, const size_t *dims,
                                     const int64_t *data, const char *units, const char *description,
                                     struct ns_err *err);
/* 1D dataset of n UTF-8 strings (units "text"). */
enum ns_status ns_writer_strings(struct ns_writer *w, const char *path, size_t n, const char *const *strs,
                                 const char *description, struct ns_err *err);

/* Attributes on an existing object (group or dataset; "/" is the root). */
enum ns_status ns_writer_attr_text(struct ns_writer *w, const char *obj, const char *name, const char *value,
                                   struct ns_err *err);
enum ns_status ns_writer_attr_double(struct ns_writer *w, const char *obj, const char *name, double value,
                                     const char *units, struct ns_err *err);
enum ns_status ns_writer_attr_int(struct ns_writer *w, const char *obj, const char *name, int64_t value,
                                  struct ns_err *err);

/* A table as one compound dataset (fields = columns, in column order; text fields are
 * variable-length UTF-8). Attributes: `units` (array of strings, one per column, in order),
 * `description` (the given text), and `column_descriptions` (array of strings). */
enum ns_status ns_writer_table(struct ns_writer *w, const char *path, const struct ns_table *t,
                               const char *description, struct ns_err *err);

/* The HDF5 library version "1.10.8" (for provenance). */
const char *ns_io_hdf5_version(void);

/* Read-back helpers for tests and tools: rank-1 or scalar double dataset into a malloc'ed array. */
enum ns_status ns_io_read_doubles(const char *file, const char *path, double **data, size_t *n,
                                  struct ns_err *err);
/* A text attribute into a malloc'ed string. */
enum ns_status ns_io_read_attr_text(const char *file, const char *obj, const char *name, char **value,
                                    struct ns_err *err);

#endif /* NEEDLESIM_IO_H */
