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

/* Errors: NS_EIO with a message naming the file (missing or unwritable directory, HDF5 failures),
 * NS_EINTERNAL for misuse (bad object path, rank outside 0..4, missing units, existing object),
 * NS_EINPUT for text that is not valid UTF-8, NS_ENOMEM. Side effect: every writer call and read
 * helper switches HDF5's automatic error-stack printing off (H5Eset_auto2), so HDF5 failures
 * appear only as these messages. */
enum ns_status ns_writer_open(const char *path, struct ns_writer **out, struct ns_err *err);
/* Finish and publish the file under its final name; frees w (also on failure, after unlinking). */
enum ns_status ns_writer_commit(struct ns_writer *w, struct ns_err *err);
/* Discard everything written; frees w. NULL is a no-op. Safe to call from an error path. */
void ns_writer_abort(struct ns_writer *w);
/* The temporary path being written (tests use it). */
const char *ns_writer_temp_path(const struct ns_writer *w);

enum ns_status ns_writer_group(struct ns_writer *w, const char *path, const char *description,
                               struct ns_err *err);

/* Remove the object at `path` (a group with everything under it, or a dataset) and every XDMF
 * collection (ns_writer_xdmf_snapshot) that references a dataset at or under it. The runner uses
 * it to drop the partial group of a sweep case that failed. The file space is not reclaimed.
 * NS_EINTERNAL when nothing is at `path`. */
enum ns_status ns_writer_delete(struct ns_writer *w, const char *path, struct ns_err *err);

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

/* ---- ParaView: XDMF 3 sidecar describing field snapshots on structured grids ----------------
 *
 * ns_writer_xdmf_snapshot() records one time level of fields that are already written as datasets
 * in this file. At commit a sidecar NAME.xmf (for target NAME.h5; otherwise TARGET.xmf) is
 * written next to the .h5 through its own hidden temporary file and renamed into place with it;
 * ParaView opens the .xmf (reader "Xdmf3ReaderS" / "XDMF Reader"). The sidecar references the
 * datasets as "BASENAME.h5:/path" by the .h5's FINAL base name, so the pair can be moved
 * together. Abort removes the temporary sidecar; an older NAME.xmf is replaced only on commit,
 * and a commit without snapshots removes a stale NAME.xmf left by an earlier run.
 *
 * Layout (XDMF 3, Xdmf.dtd): one Domain; per grid_name one Grid of GridType "Collection",
 * CollectionType "Temporal"; each snapshot a Uniform Grid named GRIDNAME_NNNNNN with
 * <Time Value>, a 2DRectMesh (ndim 2) or 3DRectMesh (ndim 3) topology whose Dimensions list the
 * node counts slowest first ("nz nr", "nz ny nx"), and a VXVY / VXVYVZ geometry whose DataItems
 * are the 1D coordinate datasets in direction order 0, 1(, 2).
 *
 * Grid conventions (grid.h): direction 0 varies fastest; axisymmetric grids are 2D (r, z)
 * rectilinear meshes with X = r and Y = z in ParaView; 3D grids are (x, y, z). A field dataset is
 * stored in C order with the slowest direction first and the components last:
 *   node-centred: [n[ndim-1]] ... [n[0]] (+ [ncomp] when ncomp > 1)
 *   cell-centred: [n[ndim-1]-1] ... [n[0]-1] (+ [ncomp] when ncomp > 1)
 * i.e. exactly the interleaved layout dof = node*ncomp + c of grid.h. Components keep the
 * caller's order; for displacements that is (u_r, u_z) axisymmetric and (u_x, u_y, u_z) in 3D,
 * so ParaView's component 0 is along X. AttributeType is Scalar (ncomp 1), Vector (3),
 * Tensor6 (6), Tensor (9), otherwise Matrix (ParaView takes the component count from the data;
 * a 2-component axisymmetric displacement appears as a 2-component array: build a 3-vector with
 * the Calculator, u_X*iHat + u_Y*jHat, to warp by it).
 */
struct ns_xdmf_field {
  const char *name;    /* name shown in ParaView ("u", "von_mises") */
  const char *h5_path; /* absolute path of the dataset in this file */
  int ncomp;           /* components per node or cell, >= 1 */
  int cell_centred;    /* 0: one value per node, 1: one value per cell */
};

/* Record one snapshot of grid `grid_name` at time `time_s` [s] (strictly increasing per grid
 * name). node_dims[d] >= 2 nodes per direction d < ndim (ndim 2 or 3); coord_paths[d] names the
 * 1D coordinate dataset [m] of direction d. The coordinate and field datasets must already be
 * written; their existence, numeric type and shape are checked now (NS_EINTERNAL naming the
 * dataset, the expected and the actual shape). Nothing is written to the .h5 by this call. */
enum ns_status ns_writer_xdmf_snapshot(struct ns_writer *w, const char *grid_name, double time_s, int ndim,
                                       const size_t node_dims[3], const char *const coord_paths[3],
                                       size_t nfields, const struct ns_xdmf_field *fields,
                                       struct ns_err *err);

/* The HDF5 library version "1.10.8" (for provenance). */
const char *ns_io_hdf5_version(void);

/* Read-back helpers for tests and tools: rank-1 or scalar double dataset into a malloc'ed array. */
enum ns_status ns_io_read_doubles(const char *file, const char *path, double **data, size_t *n,
                                  struct ns_err *err);
/* A text attribute into a malloc'ed string. */
enum ns_status ns_io_read_attr_text(const char *file, const char *obj, const char *name, char **value,
                                    struct ns_err *err);

#endif /* NEEDLESIM_IO_H */
