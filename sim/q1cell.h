/* q1cell.h — geometry of one cell of a structured grid for the variationally derived stencils
 * (bilinear/trilinear interpolation, 2^ndim-point Gauss rule), shared by the mechanics kernels
 * (mech_kernels.c) and the phase-field damage kernels (damage.c). Private to sim/.
 *
 *   ns_q1cell_setup  node indices, shape functions and their reference gradients at the Gauss
 *                    points, point coordinates and weights (axisymmetric: weight 2 pi r) of cell
 *                    (i, j, k)
 *   ns_q1cell_dmap   dF/du_p at Gauss point q as (index, value) triples per local dof
 *                    p = a*ndim + comp (F row-major; axisymmetric in (r, z, theta) order with
 *                    F_thth = 1 + u_r / r, so Gauss points never sit on the axis)
 * static inline so that the kernels keep everything in registers.
 */
#ifndef NS_Q1CELL_H
#define NS_Q1CELL_H

#include <math.h>
#include <stddef.h>

#include "needlesim/grid.h"

/* Nodes (= Gauss points) per cell at most, and local displacement dofs at most (8 x 3). */
#define NS_Q1_NEN_MAX 8
#define NS_Q1_NLOC_MAX 24
/* 2 pi: the axisymmetric weight 2 pi r integrates over the full circumference. */
#define NS_Q1_TWO_PI 6.283185307179586476925286766559

struct ns_q1cell {
  size_t node[NS_Q1_NEN_MAX];
  double N[NS_Q1_NEN_MAX][NS_Q1_NEN_MAX];    /* shape function values [point][node] */
  double G[NS_Q1_NEN_MAX][NS_Q1_NEN_MAX][3]; /* reference-coordinate gradients [point][node][dir] */
  double X[NS_Q1_NEN_MAX][3];                /* reference coordinates of the points */
  double w[NS_Q1_NEN_MAX];                   /* weights (volume, axisymmetric incl. 2 pi r) */
  double vol;                                /* sum of the weights */
};

static inline void ns_q1cell_setup(const struct ns_grid *g, int i, int j, int k, struct ns_q1cell *c) {
  const int ndim = g->ndim, nen = 1 << ndim;
  const int ijk[3] = {i, j, k};
  double lo[3] = {0, 0, 0}, h[3] = {1, 1, 1};
  for (int d = 0; d < ndim; d++) {
    lo[d] = g->x[d][ijk[d]];
    h[d] = g->x[d][ijk[d] + 1] - lo[d];
  }
  for (int a = 0; a < nen; a++) c->node[a] = ns_grid_index(g, i + (a & 1), j + ((a >> 1) & 1), k + ((a >> 2) & 1));
  const double gpos = 1.0 / sqrt(3.0); /* Gauss point position on [-1, 1] */
  double vol = 1.0;
  for (int d = 0; d < ndim; d++) vol *= h[d];
  c->vol = 0.0;
  for (int q = 0; q < nen; q++) {
    double xi[3] = {0, 0, 0};
    for (int d = 0; d < ndim; d++) xi[d] = ((q >> d) & 1) ? gpos : -gpos;
    for (int d = 0; d < 3; d++) c->X[q][d] = d < ndim ? lo[d] + 0.5 * h[d] * (1.0 + xi[d]) : 0.0;
    for (int a = 0; a < nen; a++) {
      double f[3], s[3];
      for (int d = 0; d < ndim; d++) {
        s[d] = ((a >> d) & 1) ? 1.0 : -1.0;
        f[d] = 0.5 * (1.0 + s[d] * xi[d]);
      }
      double N = 1.0;
      for (int d = 0; d < ndim; d++) N *= f[d];
      c->N[q][a] = N;
      for (int d = 0; d < 3; d++) {
        double gd = 0.0;
        if (d < ndim) {
          gd = s[d] / h[d];
          for (int e = 0; e < ndim; e++)
            if (e != d) gd *= f[e];
        }
        c->G[q][a][d] = gd;
      }
    }
    double w = vol / (double)nen;
    if (g->geom == NS_GEOM_AXISYMMETRIC) w *= NS_Q1_TWO_PI * c->X[q][0];
    c->w[q] = w;
    c->vol += w;
  }
}

struct ns_q1dmap {
  int idx[NS_Q1_NLOC_MAX][3];
  double val[NS_Q1_NLOC_MAX][3];
};

static inline void ns_q1cell_dmap(int ndim, const struct ns_q1cell *c, int q, struct ns_q1dmap *M) {
  const int nen = 1 << ndim;
  if (ndim == 3) {
    for (int a = 0; a < nen; a++)
      for (int comp = 0; comp < 3; comp++)
        for (int J = 0; J < 3; J++) {
          M->idx[a * 3 + comp][J] = 3 * comp + J;
          M->val[a * 3 + comp][J] = c->G[q][a][J];
        }
    return;
  }
  const double rinv = 1.0 / c->X[q][0];
  for (int a = 0; a < nen; a++) {
    const int p = 2 * a;
    M->idx[p][0] = 0;
    M->val[p][0] = c->G[q][a][0];
    M->idx[p][1] = 1;
    M->val[p][1] = c->G[q][a][1];
    M->idx[p][2] = 8;
    M->val[p][2] = c->N[q][a] * rinv;
    M->idx[p + 1][0] = 3;
    M->val[p + 1][0] = c->G[q][a][0];
    M->idx[p + 1][1] = 4;
    M->val[p + 1][1] = c->G[q][a][1];
    M->idx[p + 1][2] = 8;
    M->val[p + 1][2] = 0.0;
  }
}

#endif /* NS_Q1CELL_H */
