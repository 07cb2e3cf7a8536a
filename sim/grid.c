/* grid.c — structured graded grids and their multigrid coarsening.
 *
 *   ns_grid_coords_stretched  exponentially stretched 1D node coordinates
 *   ns_grid_stretch_for       stretching that gives a requested first-cell size
 *   ns_grid_create / _free    grid owning its coordinate arrays
 *   ns_grid_coarsen           every-other-node coarse grid (vertex-centred multigrid)
 *   ns_grid_max_levels        how deep a multigrid hierarchy can go
 */
#include "needlesim/grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ns_grid_coords_stretched(int cells, double a, double b, double beta, int fine_at_a, double *out) {
  const double L = b - a;
  for (int i = 0; i <= cells; i++) {
    double s = (double)i / (double)cells;
    double f;
    if (beta < 1e-12) {
      f = s;
    } else {
      double sf = fine_at_a ? s : 1.0 - s;
      f = expm1(beta * sf) / expm1(beta);
      if (!fine_at_a) f = 1.0 - f;
    }
    out[i] = a + L * f;
  }
  out[0] = a;
  out[cells] = b;
}

/* First cell size at the fine end for a given beta. */
static double first_cell(int cells, double L, double beta) {
  if (beta < 1e-12) return L / cells;
  return L * expm1(beta / cells) / expm1(beta);
}

enum ns_status ns_grid_stretch_for(int cells, double a, double b, double h_fine, double *beta,
                                   struct ns_err *err) {
  const double L = b - a;
  if (!(cells >= 1) || !(L > 0.0) || !(h_fine > 0.0) || !isfinite(h_fine))
    return ns_err_set(err, NS_EINPUT, "grid: cannot grade %d cells over %g m to a first cell of %g m",
                      cells, L, h_fine);
  if (h_fine >= L / cells) {
    *beta = 0.0;
    return NS_OK;
  }
  /* first_cell() decreases monotonically in beta; bisect on [0, hi]. */
  double lo = 0.0, hi = 1.0;
  while (first_cell(cells, L, hi) > h_fine) {
    hi *= 2.0;
    if (hi > 700.0)
      return ns_err_set(err, NS_EINPUT,
                        "grid: a first cell of %g m over %g m needs more than %d cells", h_fine, L, cells);
  }
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi);
    if (first_cell(cells, L, mid) > h_fine) lo = mid; else hi = mid;
  }
  *beta = 0.5 * (lo + hi);
  return NS_OK;
}

enum ns_status ns_grid_create(enum ns_geometry geom, const int n[3], const double *const x[3],
                              struct ns_grid **out, struct ns_err *err) {
  *out = NULL;
  int ndim = geom == NS_GEOM_AXISYMMETRIC ? 2 : 3;
  for (int d = 0; d < ndim; d++) {
    if (n[d] < 2) return ns_err_set(err, NS_EINPUT, "grid: direction %d needs at least 2 nodes (got %d)", d, n[d]);
    for (int i = 1; i < n[d]; i++)
      if (!(x[d][i] > x[d][i - 1]))
        return ns_err_set(err, NS_EINPUT, "grid: coordinates along direction %d are not increasing at node %d", d, i);
  }
  if (geom == NS_GEOM_AXISYMMETRIC && x[0][0] < 0.0)
    return ns_err_set(err, NS_EINPUT, "grid: axisymmetric radius must be >= 0 (got %g)", x[0][0]);
  struct ns_grid *g = calloc(1, sizeof *g);
  if (!g) return ns_err_set(err, NS_ENOMEM, "grid: out of memory");
  g->geom = geom;
  g->ndim = ndim;
  for (int d = 0; d < 3; d++) {
    g->n[d] = d < ndim ? n[d] : 1;
    g->x[d] = malloc((size_t)g->n[d] * sizeof(double));
    if (!g->x[d]) {
      ns_grid_free(g);
      return ns_err_set(err, NS_ENOMEM, "grid: out of memory");
    }
    if (d < ndim) memcpy(g->x[d], x[d], (size_t)n[d] * sizeof(double));
    else g->x[d][0] = 0.0;
  }
  g->stride[0] = 1;
  g->stride[1] = g->n[0];
  g->stride[2] = (ptrdiff_t)g->n[0] * g->n[1];
  g->nnodes = (size_t)g->n[0] * (size_t)g->n[1] * (size_t)g->n[2];
  *out = g;
  return NS_OK;
}

enum ns_status ns_grid_coarsen(const struct ns_grid *f, struct ns_grid **out, struct ns_err *err) {
  *out = NULL;
  int nc[3] = {1, 1, 1};
  double *xc[3] = {NULL, NULL, NULL};
  enum ns_status s = NS_OK;
  for (int d = 0; d < f->ndim; d++) {
    int cells = f->n[d] - 1;
    if (cells < 2 || cells % 2) {
      s = ns_err_set(err, NS_EINPUT, "grid: cannot coarsen %d cells along direction %d", cells, d);
      goto done;
    }
    nc[d] = cells / 2 + 1;
    xc[d] = malloc((size_t)nc[d] * sizeof(double));
    if (!xc[d]) {
      s = ns_err_set(err, NS_ENOMEM, "grid: out of memory");
      goto done;
    }
    for (int i = 0; i < nc[d]; i++) xc[d][i] = f->x[d][2 * i];
  }
  s = ns_grid_create(f->geom, nc, (const double *const *)xc, out, err);
done:
  for (int d = 0; d < 3; d++) free(xc[d]);
  return s;
}

int ns_grid_max_levels(const struct ns_grid *g, int min_cells) {
  int levels = 0;
  int cells[3];
  for (int d = 0; d < g->ndim; d++) cells[d] = g->n[d] - 1;
  for (;;) {
    for (int d = 0; d < g->ndim; d++)
      if (cells[d] % 2 || cells[d] / 2 < min_cells) return levels;
    for (int d = 0; d < g->ndim; d++) cells[d] /= 2;
    levels++;
  }
}

void ns_grid_free(struct ns_grid *g) {
  if (!g) return;
  for (int d = 0; d < 3; d++) free(g->x[d]);
  free(g);
}
