/* needlesim/grid.h — structured, graded, tensor-product node grids (axisymmetric or 3D).
 *
 * Geometry is a choice of grid, not a second code: every kernel sees the same struct.
 *   - ndim spatial index directions, the last one is vertical (z):
 *       axisymmetric: ndim = 2, direction 0 = r (>= 0, axis at r = 0 when x[0][0] == 0), 1 = z
 *       3D:           ndim = 3, directions 0 = x, 1 = y, 2 = z
 *   - z = 0 is the undeformed skin surface, tissue occupies z in [-depth, 0]; depth below the
 *     surface is -z. Node k = n[ndim-1]-1 lies on the surface.
 *   - Node (i, j, k) has index i + j*stride[1] + k*stride[2] (unused directions have n = 1).
 *   - Displacement-like fields carry ndim components per node, interleaved: dof = node*ncomp + c,
 *     component c along direction c (axisymmetric: u_r, u_z).
 *   - Coordinates are physical [m], strictly increasing, stored per direction (x[d][0..n[d]-1]).
 *   - ns_grid_coarsen keeps every other node: n[d] = m*2^L + 1 allows L coarsenings (the 3D
 *     multigrid selects its coarse z planes itself to keep layer interfaces: sim/mg.c).
 */
#ifndef NEEDLESIM_GRID_H
#define NEEDLESIM_GRID_H

#include <stddef.h>

#include "needlesim/config.h"
#include "needlesim/status.h"

struct ns_grid {
  enum ns_geometry geom;
  int ndim;              /* 2 (axisymmetric r,z) or 3 (x,y,z) */
  int n[3];              /* nodes per direction; n[d] = 1 for d >= ndim */
  double *x[3];          /* node coordinates [m]; owned by the grid */
  ptrdiff_t stride[3];   /* index strides: 1, n[0], n[0]*n[1] */
  size_t nnodes;         /* n[0]*n[1]*n[2] */
};

/* Node coordinates for one direction, exponentially stretched:
 *   x(s) = a + (b-a) * (exp(beta*s) - 1) / (exp(beta) - 1),  s = i/cells   (fine end at a)
 *   (mirrored when fine_at_a == 0; beta == 0 gives uniform spacing).
 * A fixed beta is a fixed smooth mapping, so doubling `cells` bisects every cell: refinement
 * studies keep beta and change cells. out has cells+1 entries. */
void ns_grid_coords_stretched(int cells, double a, double b, double beta, int fine_at_a, double *out);

/* The stretching beta >= 0 for which the first cell at the fine end has size h_fine (beta = 0
 * when h_fine >= (b-a)/cells). NS_EINPUT when h_fine <= 0 or cells < 1. */
enum ns_status ns_grid_stretch_for(int cells, double a, double b, double h_fine, double *beta,
                                   struct ns_err *err);

/* Create a grid that owns copies of the coordinate arrays (x[d] has n[d] entries; x[d] for
 * d >= ndim is ignored). Caller frees with ns_grid_free(). */
enum ns_status ns_grid_create(enum ns_geometry geom, const int n[3], const double *const x[3],
                              struct ns_grid **out, struct ns_err *err);

/* Coarse grid holding every other node; NS_EINPUT if some n[d]-1 (d < ndim) is odd or < 2. */
enum ns_status ns_grid_coarsen(const struct ns_grid *fine, struct ns_grid **out, struct ns_err *err);

/* How many times the grid can be coarsened while every direction keeps >= min_cells cells. */
int ns_grid_max_levels(const struct ns_grid *g, int min_cells);

void ns_grid_free(struct ns_grid *g);

static inline size_t ns_grid_index(const struct ns_grid *g, int i, int j, int k) {
  return (size_t)i + (size_t)j * (size_t)g->stride[1] + (size_t)k * (size_t)g->stride[2];
}

#endif /* NEEDLESIM_GRID_H */
