/* testops.c — test-only Q1 operator assembly (elasticity, diffusion, convection) and the layered,
 * graded skin-block test problem used by tests/unit/test_mg.c and tests/bench/bench_solver.c.
 * See testops.h for the list of functions. Serial and simple on purpose: it is the independent
 * reference the solver is tested against, not a kernel.
 */
#include "testops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/vec.h"

/* 2-point Gauss abscissae on [0, 1]: (1 -+ 1/sqrt(3)) / 2, each with weight 1/2. */
/* 2 pi, the circumference factor of the axisymmetric measure. */
#define TWO_PI 6.28318530717958647692

static const double GAUSS01[2] = {0.21132486540518711775, 0.78867513459481288225};

size_t ns_testops_ncells(const struct ns_grid *g) {
  size_t n = 1;
  for (int d = 0; d < g->ndim; d++) n *= (size_t)(g->n[d] - 1);
  return n;
}

/* Shape functions and physical gradients of the 2^ndim nodes of cell c0 at the Gauss point
 * (q0, q1, q2); returns the quadrature weight (including 2 pi r when axisymmetric) and the
 * radius at the point. */
static double shape(const struct ns_grid *g, const int c0[3], const int q[3], double N[8], double G[8][3],
                    double *rq) {
  const int nd = g->ndim, nen = 1 << nd;
  double xi[3] = {0, 0, 0}, h[3] = {1, 1, 1};
  double w = 1.0;
  for (int d = 0; d < nd; d++) {
    xi[d] = GAUSS01[q[d]];
    h[d] = g->x[d][c0[d] + 1] - g->x[d][c0[d]];
    w *= 0.5 * h[d];
  }
  for (int a = 0; a < nen; a++) {
    double f[3], df[3];
    for (int d = 0; d < 3; d++) {
      int bit = (a >> d) & 1;
      f[d] = d < nd ? (bit ? xi[d] : 1.0 - xi[d]) : 1.0;
      df[d] = d < nd ? (bit ? 1.0 : -1.0) / h[d] : 0.0;
    }
    N[a] = f[0] * f[1] * f[2];
    G[a][0] = df[0] * f[1] * f[2];
    G[a][1] = f[0] * df[1] * f[2];
    G[a][2] = f[0] * f[1] * df[2];
  }
  *rq = g->x[0][c0[0]] + xi[0] * h[0];
  if (g->geom == NS_GEOM_AXISYMMETRIC) w *= TWO_PI * *rq;
  return w;
}

/* Scatter an element matrix Ke[(a*nc + r)*(nen*nc) + b*nc + c] into A. */
static void scatter(struct ns_smat *A, const int c0[3], const double *Ke) {
  const struct ns_grid *g = A->grid;
  const int nd = g->ndim, nen = 1 << nd, nc = A->ncomp, m = nen * nc;
  for (int a = 0; a < nen; a++) {
    int ia[3] = {0, 0, 0};
    for (int d = 0; d < nd; d++) ia[d] = c0[d] + ((a >> d) & 1);
    size_t na = ns_grid_index(g, ia[0], ia[1], ia[2]);
    for (int b = 0; b < nen; b++) {
      int off[3] = {0, 0, 0};
      for (int d = 0; d < nd; d++) off[d] = ((b >> d) & 1) - ((a >> d) & 1);
      int s = ns_smat_stencil_index(nd, off);
      double *blk = A->a + na * A->bs + (size_t)s * (size_t)(nc * nc);
      for (int r = 0; r < nc; r++)
        for (int c = 0; c < nc; c++) blk[r * nc + c] += Ke[(a * nc + r) * m + b * nc + c];
    }
  }
}

static void cell_index(const struct ns_grid *g, size_t cell, int c0[3]) {
  const size_t m0 = (size_t)(g->n[0] - 1), m1 = (size_t)(g->n[1] - 1);
  c0[0] = (int)(cell % m0);
  c0[1] = (int)((cell / m0) % m1);
  c0[2] = g->ndim == 3 ? (int)(cell / (m0 * m1)) : 0;
}

void ns_testops_elasticity(struct ns_smat *A, const double *E, const double *nu) {
  const struct ns_grid *g = A->grid;
  const int nd = g->ndim, nen = 1 << nd, nc = A->ncomp, m = nen * nc;
  const int axi = g->geom == NS_GEOM_AXISYMMETRIC;
  const int nstr = axi ? 4 : 6;
  const size_t ncell = ns_testops_ncells(g);
  double Ke[24 * 24], B[6][24], D[6][6];
  for (size_t cell = 0; cell < ncell; cell++) {
    int c0[3];
    cell_index(g, cell, c0);
    const double lam = E[cell] * nu[cell] / ((1 + nu[cell]) * (1 - 2 * nu[cell]));
    const double mu = E[cell] / (2 * (1 + nu[cell]));
    memset(D, 0, sizeof D);
    const int nnorm = axi ? 3 : 3; /* normal strains: (rr, zz, tt) or (xx, yy, zz) */
    for (int s = 0; s < nnorm; s++)
      for (int t = 0; t < nnorm; t++) D[s][t] = lam + (s == t ? 2 * mu : 0.0);
    for (int s = nnorm; s < nstr; s++) D[s][s] = mu; /* engineering shear strains */
    memset(Ke, 0, sizeof Ke);
    for (int q = 0; q < nen; q++) {
      int qq[3] = {q & 1, (q >> 1) & 1, (q >> 2) & 1};
      double N[8], G[8][3], r;
      double w = shape(g, c0, qq, N, G, &r);
      memset(B, 0, sizeof B);
      for (int a = 0; a < nen; a++) {
        if (axi) { /* strains (rr, zz, tt, rz); dofs (u_r, u_z) */
          B[0][a * 2 + 0] = G[a][0];
          B[1][a * 2 + 1] = G[a][1];
          B[2][a * 2 + 0] = N[a] / r;
          B[3][a * 2 + 0] = G[a][1];
          B[3][a * 2 + 1] = G[a][0];
        } else { /* strains (xx, yy, zz, xy, yz, xz) */
          B[0][a * 3 + 0] = G[a][0];
          B[1][a * 3 + 1] = G[a][1];
          B[2][a * 3 + 2] = G[a][2];
          B[3][a * 3 + 0] = G[a][1];
          B[3][a * 3 + 1] = G[a][0];
          B[4][a * 3 + 1] = G[a][2];
          B[4][a * 3 + 2] = G[a][1];
          B[5][a * 3 + 0] = G[a][2];
          B[5][a * 3 + 2] = G[a][0];
        }
      }
      double DB[6][24];
      for (int s = 0; s < nstr; s++)
        for (int j = 0; j < m; j++) {
          double v = 0.0;
          for (int t = 0; t < nstr; t++) v += D[s][t] * B[t][j];
          DB[s][j] = v;
        }
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
          double v = 0.0;
          for (int s = 0; s < nstr; s++) v += B[s][i] * DB[s][j];
          Ke[i * m + j] += w * v;
        }
    }
    scatter(A, c0, Ke);
  }
}

void ns_testops_diffusion(struct ns_smat *A, const double *k) {
  const struct ns_grid *g = A->grid;
  const int nd = g->ndim, nen = 1 << nd;
  const size_t ncell = ns_testops_ncells(g);
  double Ke[64];
  for (size_t cell = 0; cell < ncell; cell++) {
    int c0[3];
    cell_index(g, cell, c0);
    memset(Ke, 0, sizeof Ke);
    for (int q = 0; q < nen; q++) {
      int qq[3] = {q & 1, (q >> 1) & 1, (q >> 2) & 1};
      double N[8], G[8][3], r;
      double w = shape(g, c0, qq, N, G, &r);
      for (int a = 0; a < nen; a++)
        for (int b = 0; b < nen; b++)
          Ke[a * nen + b] += w * k[cell] * (G[a][0] * G[b][0] + G[a][1] * G[b][1] + G[a][2] * G[b][2]);
    }
    scatter(A, c0, Ke);
  }
}

void ns_testops_convection(struct ns_smat *A, const double v[3]) {
  const struct ns_grid *g = A->grid;
  const int nd = g->ndim, nen = 1 << nd, nc = A->ncomp, m = nen * nc;
  const size_t ncell = ns_testops_ncells(g);
  double Ke[24 * 24];
  for (size_t cell = 0; cell < ncell; cell++) {
    int c0[3];
    cell_index(g, cell, c0);
    memset(Ke, 0, sizeof Ke);
    for (int q = 0; q < nen; q++) {
      int qq[3] = {q & 1, (q >> 1) & 1, (q >> 2) & 1};
      double N[8], G[8][3], r;
      double w = shape(g, c0, qq, N, G, &r);
      for (int a = 0; a < nen; a++)
        for (int b = 0; b < nen; b++) {
          double vg = v[0] * G[b][0] + v[1] * G[b][1] + v[2] * G[b][2];
          for (int c = 0; c < nc; c++) Ke[(a * nc + c) * m + b * nc + c] += w * N[a] * vg;
        }
    }
    scatter(A, c0, Ke);
  }
}

void ns_testops_lift(const struct ns_smat *A, const uint8_t *mask, const double *g, double *b, double *work) {
  const size_t n = A->ndof;
  for (size_t i = 0; i < n; i++) work[i] = mask[i] ? g[i] : 0.0;
  double *Ag = malloc(n * sizeof *Ag);
  if (!Ag) return;
  ns_smat_apply(A, work, Ag);
  for (size_t i = 0; i < n; i++) b[i] = mask[i] ? g[i] : b[i] - Ag[i];
  free(Ag);
}

double ns_testops_hash01(uint64_t i) {
  /* splitmix64 finaliser: a fixed, platform-independent scramble of the index. */
  uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

void ns_testops_problem_free(struct ns_testops_problem *p) {
  ns_smat_free(p->A);
  ns_grid_free(p->g);
  ns_vec_free(p->b);
  free(p->mask);
  free(p->E);
  free(p->nu);
  memset(p, 0, sizeof *p);
}

/* Geometry of the skin block [m] and its material, see testops.h. */
#define SKIN_WIDTH 4e-3
#define SKIN_DEPTH 4e-3
#define SKIN_SC 20e-6      /* stratum corneum thickness [m] */
#define SKIN_DERMIS 1.5e-3 /* dermis thickness [m] */
#define SKIN_E0 5e3        /* hypodermis Young's modulus [Pa] */
#define SKIN_BETA_Z 5.0    /* stretching towards the surface: first/last cell ~ 1/35 at 32 cells */
#define SKIN_BETA_LAT 4.0  /* stretching towards the axis / corner */
#define SKIN_LOAD_R 0.5e-3 /* loaded disc radius [m] */
#define SKIN_P 1e3         /* surface traction [Pa] */

int ns_testops_skin(enum ns_geometry geom, int cells_lat, int cells_z, double contrast, double nu,
                    struct ns_testops_problem *p) {
  memset(p, 0, sizeof *p);
  const int nd = geom == NS_GEOM_AXISYMMETRIC ? 2 : 3, zd = nd - 1;
  int n[3] = {1, 1, 1};
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < nd; d++) {
    int cells = d == zd ? cells_z : cells_lat;
    n[d] = cells + 1;
    x[d] = malloc((size_t)n[d] * sizeof(double));
    if (!x[d]) goto fail;
    if (d == zd) ns_grid_coords_stretched(cells, -SKIN_DEPTH, 0.0, SKIN_BETA_Z, 0, x[d]);
    else ns_grid_coords_stretched(cells, 0.0, SKIN_WIDTH, SKIN_BETA_LAT, 1, x[d]);
  }
  struct ns_err err = NS_ERR_INIT;
  if (ns_grid_create(geom, n, (const double *const *)x, &p->g, &err) != NS_OK) goto fail;
  for (int d = 0; d < 3; d++) {
    free(x[d]);
    x[d] = NULL;
  }
  const struct ns_grid *g = p->g;
  const size_t ncell = ns_testops_ncells(g);
  p->E = malloc(ncell * sizeof(double));
  p->nu = malloc(ncell * sizeof(double));
  if (!p->E || !p->nu) goto fail;
  p->aspect_max = 1.0;
  for (size_t cell = 0; cell < ncell; cell++) {
    int c0[3];
    cell_index(g, cell, c0);
    double zc = 0.5 * (g->x[zd][c0[zd]] + g->x[zd][c0[zd] + 1]);
    double depth = -zc;
    p->E[cell] = depth < SKIN_SC ? SKIN_E0 * contrast : depth < SKIN_SC + SKIN_DERMIS ? SKIN_E0 * sqrt(contrast) : SKIN_E0;
    p->nu[cell] = nu;
    double hmin = INFINITY, hmax = 0.0;
    for (int d = 0; d < nd; d++) {
      double h = g->x[d][c0[d] + 1] - g->x[d][c0[d]];
      hmin = fmin(hmin, h);
      hmax = fmax(hmax, h);
    }
    p->aspect_max = fmax(p->aspect_max, hmax / hmin);
  }
  if (ns_smat_create(g, nd, &p->A, &err) != NS_OK) goto fail;
  ns_testops_elasticity(p->A, p->E, p->nu);
  const size_t ndof = p->A->ndof;
  p->b = ns_vec_alloc(ndof);
  p->mask = calloc(ndof, 1);
  if (!p->b || !p->mask) goto fail;
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3] = {(int)(node % (size_t)g->n[0]), (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]),
                  (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]))};
    uint8_t *m = p->mask + node * (size_t)nd;
    if (ijk[zd] == 0)
      for (int c = 0; c < nd; c++) m[c] = 1; /* bottom clamped */
    for (int d = 0; d < zd; d++)
      if (ijk[d] == 0 || ijk[d] == g->n[d] - 1) m[d] = 1; /* axis / symmetry planes and outer walls: rollers */
    /* Tributary extent of the node along each direction (half the adjacent cells). */
    double trib[3] = {1, 1, 1}, rad2 = 0.0;
    for (int d = 0; d < nd; d++) {
      const double *xd = g->x[d];
      int i = ijk[d];
      trib[d] = 0.5 * ((i + 1 < g->n[d] ? xd[i + 1] : xd[i]) - (i > 0 ? xd[i - 1] : xd[i]));
      if (d < zd) rad2 += xd[i] * xd[i];
    }
    double vol = trib[0] * trib[1] * trib[2], area = trib[0] * (nd == 3 ? trib[1] : 1.0);
    if (geom == NS_GEOM_AXISYMMETRIC) {
      vol *= TWO_PI * fmax(g->x[0][ijk[0]], 0.25 * trib[0]);
      area *= TWO_PI * fmax(g->x[0][ijk[0]], 0.25 * trib[0]);
    }
    for (int c = 0; c < nd; c++) {
      /* Body force density of amplitude SKIN_P per mm (so comparable to the surface load). */
      p->b[node * (size_t)nd + (size_t)c] = (ns_testops_hash01(node * 3 + (uint64_t)c) - 0.5) * SKIN_P / 1e-3 * vol;
    }
    if (ijk[zd] == g->n[zd] - 1 && rad2 < SKIN_LOAD_R * SKIN_LOAD_R) p->b[node * (size_t)nd + (size_t)zd] -= SKIN_P * area;
  }
  for (size_t i = 0; i < ndof; i++)
    if (p->mask[i]) p->b[i] = 0.0;
  ns_smat_dirichlet(p->A, p->mask);
  return 0;
fail:
  for (int d = 0; d < 3; d++) free(x[d]);
  ns_testops_problem_free(p);
  return 1;
}
