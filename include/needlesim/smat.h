/* needlesim/smat.h — structured block-stencil matrices on an ns_grid.
 *
 * A linear operator coupling every node to its 3^ndim neighbours (offsets -1..1 per direction),
 * with ncomp x ncomp blocks: what a bilinear/trilinear (Q1-equivalent) vertex-centred
 * discretisation produces on a tensor-product grid, and what Galerkin coarsening preserves.
 *
 * Storage (node-major, so a smoother streams it once):
 *   a[node*bs + s*ncomp*ncomp + r*ncomp + c]
 *     = coupling of (node, component r) to (node + offset(s), component c),
 *   s = (dx+1) + 3*(dy+1) [+ 9*(dz+1)] with (dx, dy[, dz]) in {-1,0,1}^ndim; for axisymmetric grids
 *   (ndim 2) the offsets are (dr, dz) and s = (dr+1) + 3*(dz+1). Entries that point outside the
 *   grid are zero. bs = nstencil*ncomp*ncomp.
 * Vectors are interleaved: dof = node*ncomp + c.
 * Dirichlet dofs are eliminated symmetrically: unit diagonal, zero row and column (see
 * ns_smat_dirichlet); the caller puts the prescribed increment (usually 0) in the right side.
 */
#ifndef NEEDLESIM_SMAT_H
#define NEEDLESIM_SMAT_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/grid.h"
#include "needlesim/status.h"

struct ns_smat {
  const struct ns_grid *grid; /* borrowed; must outlive the matrix */
  int ncomp;                  /* unknowns per node: 1, 2 or 3 */
  int nstencil;               /* 9 (ndim 2) or 27 (ndim 3) */
  size_t bs;                  /* doubles per node: nstencil*ncomp*ncomp */
  size_t ndof;                /* nnodes*ncomp */
  double *a;                  /* owned, 64-byte aligned, zero-initialised */
};

/* Allocate a zero matrix for `grid` with `ncomp` unknowns per node. Free with ns_smat_free. */
enum ns_status ns_smat_create(const struct ns_grid *grid, int ncomp, struct ns_smat **out,
                              struct ns_err *err);
void ns_smat_free(struct ns_smat *A);
void ns_smat_zero(struct ns_smat *A);

/* Stencil index of offset (d[0], d[1], d[2]) (entries beyond ndim ignored). */
static inline int ns_smat_stencil_index(int ndim, const int d[3]) {
  return ndim == 2 ? (d[0] + 1) + 3 * (d[1] + 1) : (d[0] + 1) + 3 * (d[1] + 1) + 9 * (d[2] + 1);
}

/* y = A x (OpenMP over nodes; no reductions, so bitwise identical for any thread count). */
void ns_smat_apply(const struct ns_smat *A, const double *x, double *y);

/* r = b - A x. */
void ns_smat_residual(const struct ns_smat *A, const double *b, const double *x, double *r);

/* Eliminate the dofs with mask[dof] != 0: row and column zeroed, diagonal set to 1. */
void ns_smat_dirichlet(struct ns_smat *A, const uint8_t *mask);

/* max over entries of |A_ij - A_ji| / max|A|: 0 for a symmetric operator (tests use it). */
double ns_smat_asymmetry(const struct ns_smat *A);

#endif /* NEEDLESIM_SMAT_H */
