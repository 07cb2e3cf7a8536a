/* mg_planes.c — alternating plane relaxation for 3D grids (the default 3D smoother).
 *
 *   ns_mg_planes_create  plane grid, per-plane operators and 2D hierarchies for one orientation
 *   ns_mg_planes_setup   copy the in-plane stencil entries, set up the 2D hierarchies
 *   ns_mg_planes_sweep   one zebra plane sweep: every plane of one parity, then the other
 *   ns_mg_planes_free
 *
 * Why planes: on grids graded towards a surface (z) and an axis/corner (x, y), cells are thin in
 * two directions at once in some regions (near x = 0 under the surface: dx, dz << dy), i.e. the
 * anisotropy is planar. Line relaxation removes only one strong direction and the V-cycle then
 * degrades with refinement and layer contrast (measured: 24 -> 49 -> 74 PCG iterations for
 * 8^3 -> 32^3 cells at contrast 10^4); plane relaxation with the planes normal to each direction
 * in turn covers every combination of strong directions (Llorente & Melson 2000, robust
 * smoothers for 3D anisotropic problems). Each plane is solved approximately by one V-cycle of
 * its own 2D hierarchy (Galerkin, line smoother — robust in 2D), which is symmetric, so the
 * smoother stays symmetric.
 *
 * The 27-point stencil couples a plane only to its two neighbours, so planes of one parity are
 * independent: they are relaxed in parallel, one thread per plane (the 2D kernels inside run in
 * a nested, hence serial, region). Results do not depend on the thread count.
 * Plane update: rhs_p = b_p - (off-plane entries) x, then x_p <- x_p + V_p(rhs_p - A_p x_p).
 */
#include <stdlib.h>
#include <string.h>

#include "mg_impl.h"
#include "needlesim/vec.h"

void ns_mg_planes_free(struct ns_mg_planes *P) {
  if (!P) return;
  for (int p = 0; p < P->np; p++) {
    if (P->mg2) ns_mg_free(P->mg2[p]);
    if (P->A2) ns_smat_free(P->A2[p]);
  }
  free(P->mg2);
  free(P->A2);
  ns_vec_free(P->xb);
  ns_grid_free(P->g2);
  free(P);
}

enum ns_status ns_mg_planes_create(const struct ns_grid *g, int nc, int m, struct ns_mg_planes **out,
                                   struct ns_err *err) {
  *out = NULL;
  struct ns_mg_planes *P = calloc(1, sizeof *P);
  if (!P) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  P->m = m;
  /* In-plane directions, the vertical one last when it is in the plane. */
  P->a = m == 0 ? 1 : 0;
  P->b = m == 2 ? 1 : 2;
  P->np = g->n[m];
  enum ns_status s = NS_OK;
  int n2[3] = {g->n[P->a], g->n[P->b], 1};
  double *x2[3] = {malloc((size_t)n2[0] * sizeof(double)), malloc((size_t)n2[1] * sizeof(double)), NULL};
  if (!x2[0] || !x2[1]) {
    s = ns_err_set(err, NS_ENOMEM, "mg: out of memory");
    goto done;
  }
  /* The plane grid is a 2D grid; coordinates are shifted to start at 0 (only differences matter
   * to the interpolation, and a 2D grid must have non-negative first coordinates). */
  for (int i = 0; i < n2[0]; i++) x2[0][i] = g->x[P->a][i] - g->x[P->a][0];
  for (int i = 0; i < n2[1]; i++) x2[1][i] = g->x[P->b][i] - g->x[P->b][0];
  s = ns_grid_create(NS_GEOM_AXISYMMETRIC, n2, (const double *const *)x2, &P->g2, err);
  if (s != NS_OK) goto done;
  P->A2 = calloc((size_t)P->np, sizeof *P->A2);
  P->mg2 = calloc((size_t)P->np, sizeof *P->mg2);
  P->xb = ns_vec_alloc((size_t)P->np * 2 * P->g2->nnodes * (size_t)nc);
  if (!P->A2 || !P->mg2 || !P->xb) {
    s = ns_err_set(err, NS_ENOMEM, "mg: out of memory for %d planes", P->np);
    goto done;
  }
  for (int p = 0; p < P->np && s == NS_OK; p++) {
    s = ns_smat_create(P->g2, nc, &P->A2[p], err);
    if (s == NS_OK)
      s = ns_mg_create_opts(P->g2, nc, NS_MG_PLANE_COARSE_TARGET, NS_MG_SMOOTH_LINES, &P->mg2[p], err);
  }
done:
  free(x2[0]);
  free(x2[1]);
  if (s != NS_OK) {
    ns_mg_planes_free(P);
    return s;
  }
  *out = P;
  return NS_OK;
}

/* 3D node of plane p, in-plane indices (ia, ib). */
static inline size_t node3(const struct ns_grid *g, const struct ns_mg_planes *P, int p, int ia, int ib) {
  return (size_t)((ptrdiff_t)p * g->stride[P->m] + (ptrdiff_t)ia * g->stride[P->a] + (ptrdiff_t)ib * g->stride[P->b]);
}

enum ns_status ns_mg_planes_setup(struct ns_mg_planes *P, const struct ns_smat *A, struct ns_err *err) {
  const struct ns_grid *g = A->grid;
  const int nc = A->ncomp, nb = nc * nc, np = P->np;
  const int n2a = P->g2->n[0], n2b = P->g2->n[1];
  /* Map of the 9 in-plane 2D stencil entries to 3D stencil entries. */
  int map[9];
  for (int s2 = 0; s2 < 9; s2++) {
    int d3[3] = {0, 0, 0};
    d3[P->a] = s2 % 3 - 1;
    d3[P->b] = s2 / 3 - 1;
    map[s2] = ns_smat_stencil_index(3, d3);
  }
  enum ns_status st[1024];
  enum ns_status *stat = np <= 1024 ? st : malloc((size_t)np * sizeof *stat);
  if (!stat) return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  struct ns_err *perr = calloc((size_t)np, sizeof *perr);
  if (!perr) {
    if (stat != st) free(stat);
    return ns_err_set(err, NS_ENOMEM, "mg: out of memory");
  }
  /* Setup kernel: one plane per iteration (its copy and its 2D hierarchy). */
#pragma omp parallel for default(none) shared(P, A, g, map, stat, perr) firstprivate(nc, nb, np, n2a, n2b) \
    schedule(static)
  for (int p = 0; p < np; p++) {
    struct ns_smat *A2 = P->A2[p];
    for (int ib = 0; ib < n2b; ib++)
      for (int ia = 0; ia < n2a; ia++) {
        const size_t n3 = node3(g, P, p, ia, ib), n2 = (size_t)ia + (size_t)ib * (size_t)n2a;
        for (int s2 = 0; s2 < 9; s2++)
          memcpy(A2->a + n2 * A2->bs + (size_t)(s2 * nb), A->a + n3 * A->bs + (size_t)(map[s2] * nb),
                 (size_t)nb * sizeof(double));
      }
    stat[p] = ns_mg_setup(P->mg2[p], A2, &perr[p]);
  }
  enum ns_status s = NS_OK;
  for (int p = 0; p < np && s == NS_OK; p++)
    if (stat[p] != NS_OK) s = ns_err_set(err, stat[p], "plane %d normal to direction %d: %s", p, P->m, perr[p].msg);
  if (stat != st) free(stat);
  free(perr);
  return s;
}

void ns_mg_planes_sweep(struct ns_mg_planes *P, const struct ns_smat *A, int reverse, const double *b, double *x) {
  const struct ns_grid *g = A->grid;
  const int nc = A->ncomp, nb = nc * nc, np = P->np, m = P->m;
  const int n2a = P->g2->n[0], n2b = P->g2->n[1];
  const size_t nn2 = P->g2->nnodes, bs = A->bs;
  /* Off-plane stencil entries (offset +-1 along m), with their direction triples. */
  int offs[18], dir[18][3];
  ptrdiff_t offo[18];
  int noff = 0;
  for (int s = 0; s < 27; s++) {
    int d[3] = {s % 3 - 1, (s / 3) % 3 - 1, s / 9 - 1};
    if (d[m] == 0) continue;
    offs[noff] = s;
    for (int q = 0; q < 3; q++) dir[noff][q] = d[q];
    offo[noff] = d[0] * g->stride[0] + d[1] * g->stride[1] + d[2] * g->stride[2];
    noff++;
  }
  const int gn[3] = {g->n[0], g->n[1], g->n[2]};
  const double *a = A->a;
  for (int ci = 0; ci < 2; ci++) {
    const int col = reverse ? 1 - ci : ci;
    const int npc = (np - col + 1) / 2;
    /* Planes of one parity are independent: one thread per plane. */
#pragma omp parallel for default(none) shared(P, g, a, b, x, offs, dir, offo, gn) \
    firstprivate(nc, nb, m, n2a, n2b, nn2, bs, noff, col, npc) schedule(static)
    for (int t = 0; t < npc; t++) {
      const int p = 2 * t + col;
      double *xp = P->xb + (size_t)p * 2 * nn2 * (size_t)nc, *bp = xp + nn2 * (size_t)nc;
      for (int ib = 0; ib < n2b; ib++)
        for (int ia = 0; ia < n2a; ia++) {
          const size_t n3 = node3(g, P, p, ia, ib), n2 = (size_t)ia + (size_t)ib * (size_t)n2a;
          int ijk[3];
          ijk[m] = p;
          ijk[P->a] = ia;
          ijk[P->b] = ib;
          double acc[3] = {0.0, 0.0, 0.0};
          for (int r = 0; r < nc; r++) {
            acc[r] = b[n3 * (size_t)nc + (size_t)r];
            xp[n2 * (size_t)nc + (size_t)r] = x[n3 * (size_t)nc + (size_t)r];
          }
          for (int e = 0; e < noff; e++) {
            int ok = 1;
            for (int q = 0; q < 3; q++) {
              int v = ijk[q] + dir[e][q];
              ok &= v >= 0 && v < gn[q];
            }
            if (!ok) continue;
            const double *blk = a + n3 * bs + (size_t)(offs[e] * nb);
            const double *xs = x + (size_t)((ptrdiff_t)n3 + offo[e]) * (size_t)nc;
            for (int r = 0; r < nc; r++)
              for (int c = 0; c < nc; c++) acc[r] -= blk[r * nc + c] * xs[c];
          }
          for (int r = 0; r < nc; r++) bp[n2 * (size_t)nc + (size_t)r] = acc[r];
        }
      ns_mg_vcycle_sweeps(P->mg2[p], bp, xp, NS_MG_PLANE_SWEEPS, NS_MG_PLANE_SWEEPS);
      for (int ib = 0; ib < n2b; ib++)
        for (int ia = 0; ia < n2a; ia++) {
          const size_t n3 = node3(g, P, p, ia, ib), n2 = (size_t)ia + (size_t)ib * (size_t)n2a;
          for (int r = 0; r < nc; r++) x[n3 * (size_t)nc + (size_t)r] = xp[n2 * (size_t)nc + (size_t)r];
        }
    }
  }
}
