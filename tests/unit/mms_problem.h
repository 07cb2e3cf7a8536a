/* mms_problem.h — manufactured finite-strain solutions on layered media (axisymmetric and 3D),
 * shared by tests/unit/test_mms.c (coarse, make test) and tests/verify/verify_mms.c (fine).
 * Header-only (static functions) so that both programs stay self-contained.
 *
 * Problem: three horizontal layers (interfaces z = -1/4 and z = -1/2 of a unit-depth box, on
 * grid lines at every refinement), compressible neo-Hookean with shear moduli jumping by 10 and
 * 100 across the interfaces, nu = 0.45 / 0.30 / 0.40. Dirichlet data u* on the whole boundary,
 * body force b = -Div P(F(u*)).
 *
 * Manufactured field u* = u_aff + u_bub:
 *   u_aff: piecewise affine, continuous, with a kink at the interfaces. Its in-plane gradient is
 *     the same in every layer; its vertical derivative f_l = F e_z in layer l is solved (Newton,
 *     to round-off) from P_l(F_l) e_z = T, one common traction T. So F_l is homogeneous inside a
 *     layer (no body force) and the traction on the interfaces is continuous although the strain
 *     jumps: the exact solution of a layered stack. 3D: F_t = [[1.06, 0.04], [0, 0.95], [0, 0]]
 *     (in-plane stretch and shear), T = (0, 0, -500 Pa) gives all three components of f_l.
 *     Axisymmetric: u_r = 0.06 r, T_z = -500 Pa (u_r vanishes on the axis like r).
 *   u_bub: smooth bubble w(z) * trig(X), w(z) = (z + 1/4)^2 (z + 1/2)^2 / w_max, which vanishes
 *     with its gradient on both interfaces, so F = F_l and the traction stays continuous there
 *     while the field is genuinely non-homogeneous (gradients ~0.1) everywhere else.
 *     Axisymmetric: u_r = r a(r, z) with a even in r, u_z = c(r, z).
 * Body force: b_i = -dP_iJ/dX_J = -A_iJkL d2u_k/dX_L dX_J (chain rule with the analytic second
 * derivatives of u* and the material's consistent tangent A = dP/dF), axisymmetric with the
 * cylindrical terms (Div P)_r = dP_rR/dR + dP_rZ/dZ + (P_rR - P_tt)/R, (Div P)_z = dP_zR/dR +
 * dP_zZ/dZ + P_zR/R. Exact to round-off (no truncation error); mms_check_divergence() compares it
 * with a 4th-order central difference of P(X) to show that the tangent and the second derivatives
 * are right. Loading path: u*_t = t u*, b_t = -Div P(F(t u*)) for t in (0, 1]; only t = 1 is a
 * manufactured solution (the path just helps Newton if it needs substeps).
 */
#ifndef NEEDLESIM_TESTS_MMS_PROBLEM_H
#define NEEDLESIM_TESTS_MMS_PROBLEM_H

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/tensor3.h"
#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/vec.h"

#define MMS_NLAYER 3
/* Interfaces (m below the surface, unit-depth box) and the fraction of cells per layer. */
static const double mms_ztop[MMS_NLAYER + 1] = {0.0, -0.25, -0.5, -1.0};

/* Function value with gradient and Hessian in (X, Y, Z) (axisymmetric: (R, Z, unused)). */
struct fd2 {
  double v, g[3], H[3][3];
};

static inline struct fd2 fd2_mul(const struct fd2 *a, const struct fd2 *b) {
  struct fd2 r;
  r.v = a->v * b->v;
  for (int i = 0; i < 3; i++) {
    r.g[i] = a->g[i] * b->v + a->v * b->g[i];
    for (int j = 0; j < 3; j++)
      r.H[i][j] = a->H[i][j] * b->v + a->g[i] * b->g[j] + a->g[j] * b->g[i] + a->v * b->H[i][j];
  }
  return r;
}

static inline struct fd2 fd2_scale(struct fd2 a, double s) {
  a.v *= s;
  for (int i = 0; i < 3; i++) {
    a.g[i] *= s;
    for (int j = 0; j < 3; j++) a.H[i][j] *= s;
  }
  return a;
}

/* cos(k . X + phi). */
static inline struct fd2 fd2_cos(const double k[3], double phi, const double X[3]) {
  struct fd2 r;
  double th = phi;
  for (int i = 0; i < 3; i++) th += k[i] * X[i];
  const double c = cos(th), s = sin(th);
  r.v = c;
  for (int i = 0; i < 3; i++) {
    r.g[i] = -k[i] * s;
    for (int j = 0; j < 3; j++) r.H[i][j] = -k[i] * k[j] * c;
  }
  return r;
}

/* Bubble weight w(z) = (z + 1/4)^2 (z + 1/2)^2 / w_max along direction zdir. */
static inline struct fd2 fd2_bubble(const double X[3], int zdir) {
  const double wmax = 0.140625; /* w at z = -1 without normalisation: 0.75^2 0.5^2 */
  const double z = X[zdir], p = z + 0.25, q = z + 0.5;
  struct fd2 r;
  memset(&r, 0, sizeof r);
  r.v = p * p * q * q / wmax;
  r.g[zdir] = (2.0 * p * q * q + 2.0 * p * p * q) / wmax;
  r.H[zdir][zdir] = (2.0 * q * q + 8.0 * p * q + 2.0 * p * p) / wmax;
  return r;
}

struct mms {
  int ndim;
  struct ns_material mat[MMS_NLAYER];
  double Ft[9];                 /* in-plane part of F_aff (columns x, y in 3D; r, theta axisym) */
  double T[3];                  /* interface traction (P e_z) [Pa] */
  double f[MMS_NLAYER][3];      /* F_aff e_z per layer (3D: (F_xz, F_yz, F_zz); axisym: (0, F_zz, 0)) */
  double gz[MMS_NLAYER + 1][3]; /* u_aff(z = ztop[l]) - in-plane part: the vertical offsets */
};

static inline int mms_layer_of(double z) {
  for (int l = 0; l < MMS_NLAYER - 1; l++)
    if (z > mms_ztop[l + 1]) return l;
  return MMS_NLAYER - 1;
}

/* Total P = P_iso + U'(J) cof F and its tangent (A may be NULL). Returns nonzero on failure. */
static inline int mms_stress(const struct ns_material *m, const double F[9], double P[9], double *A) {
  if (ns_material_iso(m, F, P, A, NULL)) return 1;
  double C[9];
  ns_cof3(F, C);
  const double J = F[0] * C[0] + F[1] * C[1] + F[2] * C[2];
  double U, dU, d2U;
  ns_material_vol(m, J, &U, &dU, &d2U);
  for (int i = 0; i < 9; i++) P[i] += dU * C[i];
  if (A)
    for (int i = 0; i < 3; i++)
      for (int Jj = 0; Jj < 3; Jj++)
        for (int k = 0; k < 3; k++)
          for (int L = 0; L < 3; L++)
            A[(3 * i + Jj) * 9 + 3 * k + L] += (d2U + dU / J) * C[3 * i + Jj] * C[3 * k + L] -
                                                (dU / J) * C[3 * i + L] * C[3 * k + Jj];
  return 0;
}

static inline struct ns_material mms_neo(double mu, double nu) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = mu;
  m.kappa = 2.0 * mu * (1.0 + nu) / (3.0 * (1.0 - 2.0 * nu)); /* small-strain bulk modulus */
  m.alpha = 2.0;
  m.density = 1100.0;
  return m;
}

/* Set up the problem: materials, F_t, T and the per-layer vertical column f_l (Newton on
 * P(F_t + f (x) e_z) e_z = T with the exact tangent; converges to round-off). */
static inline int mms_init(struct mms *p, int ndim) {
  memset(p, 0, sizeof *p);
  p->ndim = ndim;
  p->mat[0] = mms_neo(2.0e4, 0.45); /* top: stiff */
  p->mat[1] = mms_neo(2.0e3, 0.30); /* middle: 10x softer */
  p->mat[2] = mms_neo(2.0e5, 0.40); /* bottom: 100x stiffer than the middle */
  const int zd = ndim - 1;          /* the vertical direction */
  for (int i = 0; i < 9; i++) p->Ft[i] = 0.0;
  if (ndim == 3) {
    p->Ft[0] = 1.06;
    p->Ft[1] = 0.04;
    p->Ft[4] = 0.95;
  } else {
    p->Ft[0] = 1.06; /* F_rr */
    p->Ft[8] = 1.06; /* F_thth = 1 + u_r / r */
  }
  p->T[zd] = -500.0;
  for (int l = 0; l < MMS_NLAYER; l++) {
    double f[3] = {0, 0, 0};
    f[zd] = 1.0;
    for (int it = 0; it < 50; it++) {
      double F[9], P[9], A[81];
      memcpy(F, p->Ft, sizeof F);
      for (int i = 0; i < 3; i++) F[3 * i + zd] = f[i];
      if (mms_stress(&p->mat[l], F, P, A)) return 1;
      /* Unknowns: the components of f that may vary (3D: all; axisym: f_z only). */
      double r[3], M[3][3];
      for (int i = 0; i < 3; i++) {
        r[i] = P[3 * i + zd] - p->T[i];
        for (int k = 0; k < 3; k++) M[i][k] = A[(3 * i + zd) * 9 + 3 * k + zd];
      }
      double df[3] = {0, 0, 0};
      if (ndim == 2) {
        df[zd] = -r[zd] / M[zd][zd];
      } else { /* Cramer's rule for the 3x3 system M df = -r */
        const double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
                           M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                           M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
        for (int c = 0; c < 3; c++) {
          double Mc[3][3];
          memcpy(Mc, M, sizeof Mc);
          for (int i = 0; i < 3; i++) Mc[i][c] = -r[i];
          df[c] = (Mc[0][0] * (Mc[1][1] * Mc[2][2] - Mc[1][2] * Mc[2][1]) -
                   Mc[0][1] * (Mc[1][0] * Mc[2][2] - Mc[1][2] * Mc[2][0]) +
                   Mc[0][2] * (Mc[1][0] * Mc[2][1] - Mc[1][1] * Mc[2][0])) /
                  det;
        }
      }
      for (int i = 0; i < 3; i++) f[i] += df[i];
    }
    for (int i = 0; i < 3; i++) p->f[l][i] = f[i];
  }
  /* Vertical offsets: u_aff = (F_t - I) X_t + g(z), g(0) = 0, g' = f_l - e_z in layer l. */
  for (int i = 0; i < 3; i++) p->gz[0][i] = 0.0;
  for (int l = 0; l < MMS_NLAYER; l++)
    for (int i = 0; i < 3; i++)
      p->gz[l + 1][i] = p->gz[l][i] + (p->f[l][i] - (i == zd ? 1.0 : 0.0)) * (mms_ztop[l + 1] - mms_ztop[l]);
  return 0;
}

/* Displacement components with derivatives at X (3D: u_x, u_y, u_z; axisymmetric: a = u_r / r
 * and c = u_z as functions of (r, z)), scaled by s. */
static inline void mms_fields(const struct mms *p, const double X[3], double s, struct fd2 out[3]) {
  const int zd = p->ndim - 1, l = mms_layer_of(X[zd]);
  const struct fd2 w = fd2_bubble(X, zd);
  memset(out, 0, 3 * sizeof out[0]);
  if (p->ndim == 3) {
    static const double k[3][3] = {{1.1, 0.9, 1.7}, {1.3, 0.7, 2.1}, {1.0, 2.0, 1.5}};
    static const double phi[3] = {0.4, 0.2, -0.3}, B[3] = {0.02, -0.015, 0.02};
    for (int i = 0; i < 3; i++) {
      struct fd2 t = fd2_cos(k[i], phi[i], X);
      struct fd2 b = fd2_mul(&w, &t);
      out[i] = fd2_scale(b, B[i]);
      /* affine part */
      out[i].v += p->gz[l][i] + (p->f[l][i] - (i == zd ? 1.0 : 0.0)) * (X[zd] - mms_ztop[l]);
      out[i].g[zd] += p->f[l][i] - (i == zd ? 1.0 : 0.0);
      for (int J = 0; J < 2; J++) {
        const double e = p->Ft[3 * i + J] - (i == J ? 1.0 : 0.0);
        out[i].v += e * X[J];
        out[i].g[J] += e;
      }
      out[i] = fd2_scale(out[i], s);
    }
  } else {
    static const double ka[3] = {1.3, 0.0, 0.0}, kaz[3] = {0.0, 1.9, 0.0};
    static const double kc[3] = {1.7, 0.0, 0.0}, kcz[3] = {0.0, 2.3, 0.0};
    struct fd2 t1 = fd2_cos(ka, 0.0, X), t2 = fd2_cos(kaz, 0.5, X);
    struct fd2 ta = fd2_mul(&t1, &t2), a = fd2_mul(&w, &ta);
    a = fd2_scale(a, 0.02);
    a.v += p->Ft[0] - 1.0;
    struct fd2 t3 = fd2_cos(kc, 0.0, X), t4 = fd2_cos(kcz, -1.2, X);
    struct fd2 tc = fd2_mul(&t3, &t4), c = fd2_mul(&w, &tc);
    c = fd2_scale(c, -0.025);
    c.v += p->gz[l][1] + (p->f[l][1] - 1.0) * (X[1] - mms_ztop[l]);
    c.g[1] += p->f[l][1] - 1.0;
    out[0] = fd2_scale(a, s);
    out[1] = fd2_scale(c, s);
  }
}

/* u*(X) scaled by s (axisymmetric: (u_r, u_z)). */
static inline void mms_u(const struct mms *p, const double X[3], double s, double u[3]) {
  struct fd2 f[3];
  mms_fields(p, X, s, f);
  if (p->ndim == 3) {
    for (int i = 0; i < 3; i++) u[i] = f[i].v;
  } else {
    u[0] = X[0] * f[0].v;
    u[1] = f[1].v;
    u[2] = 0.0;
  }
}

/* F(X) and dF/dX_K (dF[K][9]) of s u*. */
static inline void mms_F(const struct mms *p, const double X[3], double s, double F[9], double dF[3][9]) {
  struct fd2 f[3];
  mms_fields(p, X, s, f);
  memset(F, 0, 9 * sizeof F[0]);
  memset(dF, 0, 27 * sizeof dF[0][0]);
  if (p->ndim == 3) {
    for (int i = 0; i < 3; i++)
      for (int J = 0; J < 3; J++) {
        F[3 * i + J] = (i == J) + f[i].g[J];
        for (int K = 0; K < 3; K++) dF[K][3 * i + J] = f[i].H[J][K];
      }
    return;
  }
  const struct fd2 *a = &f[0], *c = &f[1];
  const double R = X[0];
  F[0] = 1.0 + a->v + R * a->g[0];
  F[1] = R * a->g[1];
  F[3] = c->g[0];
  F[4] = 1.0 + c->g[1];
  F[8] = 1.0 + a->v;
  /* d/dR */
  dF[0][0] = 2.0 * a->g[0] + R * a->H[0][0];
  dF[0][1] = a->g[1] + R * a->H[0][1];
  dF[0][3] = c->H[0][0];
  dF[0][4] = c->H[0][1];
  dF[0][8] = a->g[0];
  /* d/dZ */
  dF[1][0] = a->g[1] + R * a->H[0][1];
  dF[1][1] = R * a->H[1][1];
  dF[1][3] = c->H[0][1];
  dF[1][4] = c->H[1][1];
  dF[1][8] = a->g[1];
}

/* Div P at X for the field s u* (chain rule). Returns nonzero on a material failure. */
static inline int mms_divP(const struct mms *p, const double X[3], double s, double div[3]) {
  double F[9], dF[3][9], P[9], A[81];
  mms_F(p, X, s, F, dF);
  const int l = mms_layer_of(X[p->ndim - 1]);
  memset(A, 0, sizeof A);
  if (mms_stress(&p->mat[l], F, P, A)) return 1;
  double dP[3][9]; /* dP/dX_K */
  for (int K = 0; K < 3; K++)
    for (int e = 0; e < 9; e++) {
      double v = 0.0;
      for (int q = 0; q < 9; q++) v += A[e * 9 + q] * dF[K][q];
      dP[K][e] = v;
    }
  if (p->ndim == 3) {
    for (int i = 0; i < 3; i++) div[i] = dP[0][3 * i] + dP[1][3 * i + 1] + dP[2][3 * i + 2];
  } else {
    const double R = X[0];
    div[0] = dP[0][0] + dP[1][1] + (P[0] - P[8]) / R;
    div[1] = dP[0][3] + dP[1][4] + P[3] / R;
    div[2] = 0.0;
  }
  return 0;
}

/* Same divergence from a 4th-order central difference of P(X) (step h): the independent check. */
static inline void mms_divP_fd(const struct mms *p, const double X[3], double s, double h, double div[3]) {
  const int nd = p->ndim, l = mms_layer_of(X[nd - 1]);
  double dP[3][9];
  memset(dP, 0, sizeof dP);
  static const double wt[4] = {1.0, -8.0, 8.0, -1.0}, off[4] = {-2.0, -1.0, 1.0, 2.0};
  for (int K = 0; K < nd; K++)
    for (int q = 0; q < 4; q++) {
      double Y[3] = {X[0], X[1], X[2]}, F[9], dF[3][9], P[9];
      Y[K] += off[q] * h;
      mms_F(p, Y, s, F, dF);
      mms_stress(&p->mat[l], F, P, NULL);
      for (int e = 0; e < 9; e++) dP[K][e] += wt[q] * P[e] / (12.0 * h);
    }
  double F[9], dF[3][9], P[9];
  mms_F(p, X, s, F, dF);
  mms_stress(&p->mat[l], F, P, NULL);
  if (nd == 3) {
    for (int i = 0; i < 3; i++) div[i] = dP[0][3 * i] + dP[1][3 * i + 1] + dP[2][3 * i + 2];
  } else {
    div[0] = dP[0][0] + dP[1][1] + (P[0] - P[8]) / X[0];
    div[1] = dP[0][3] + dP[1][4] + P[3] / X[0];
    div[2] = 0.0;
  }
}

/* Callbacks for ns_mech: time t is the load scale s. */
static inline void mms_body(const double X[3], double t, void *ctx, double b[3]) {
  double d[3] = {0, 0, 0};
  if (mms_divP(ctx, X, t, d)) d[0] = d[1] = d[2] = NAN;
  for (int i = 0; i < 3; i++) b[i] = -d[i];
}

static inline unsigned mms_dirichlet(const double X[3], double t, void *ctx, double u[3]) {
  const struct mms *p = ctx;
  mms_u(p, X, t, u);
  return p->ndim == 3 ? 7u : 3u;
}

/* Grid for N cells per direction: lateral graded towards 0 (beta 0.8), vertical split into the
 * three layers with N/4, N/4, N/2 cells, each graded towards its top (beta 0.5). Same mapping at
 * every N, so doubling N bisects every cell. Caller frees. */
static inline struct ns_grid *mms_grid(int ndim, int N) {
  int n[3] = {1, 1, 1};
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < ndim; d++) {
    n[d] = N + 1;
    x[d] = malloc((size_t)n[d] * sizeof(double));
    if (!x[d]) return NULL;
  }
  for (int d = 0; d < ndim - 1; d++) ns_grid_coords_stretched(N, 0.0, 1.0, 0.8, 1, x[d]);
  const int nl[MMS_NLAYER] = {N / 4, N / 4, N / 2};
  double *z = x[ndim - 1];
  int pos = N; /* fill from the top (index N) downwards */
  for (int l = 0; l < MMS_NLAYER; l++) {
    double tmp[513];
    ns_grid_coords_stretched(nl[l], mms_ztop[l + 1], mms_ztop[l], 0.5, 0, tmp);
    for (int i = nl[l]; i >= 0; i--) z[pos - (nl[l] - i)] = tmp[i];
    pos -= nl[l];
  }
  struct ns_grid *g = NULL;
  struct ns_err err = NS_ERR_INIT;
  ns_grid_create(ndim == 3 ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, n, (const double *const *)x, &g, &err);
  for (int d = 0; d < 3; d++) free(x[d]);
  return g;
}

struct mms_result {
  int N;
  size_t ndof;
  double err_max, err_l2, umax; /* nodal max error, discrete RMS error, max |u*| [m] */
  int newton, linear;           /* total iterations */
  double seconds;
  enum ns_status status;
  char msg[NS_ERR_MSG_MAX];
};

static inline void mms_log(void *ctx, const struct ns_mech_step_info *info) {
  struct mms_result *r = ctx;
  r->newton += info->newton_iters;
  r->linear += info->linear_iters;
}

/* Solve the manufactured problem on N cells per direction and measure the nodal error. */
static inline struct mms_result mms_solve(struct mms *p, int N) {
  struct mms_result res;
  memset(&res, 0, sizeof res);
  res.N = N;
  struct ns_grid *g = mms_grid(p->ndim, N);
  size_t ncell = 1;
  for (int d = 0; d < p->ndim; d++) ncell *= (size_t)N;
  uint8_t *ids = malloc(ncell);
  const int zd = p->ndim - 1;
  for (size_t c = 0; c < ncell; c++) {
    size_t kz = p->ndim == 3 ? c / ((size_t)N * (size_t)N) : c / (size_t)N;
    ids[c] = (uint8_t)mms_layer_of(0.5 * (g->x[zd][kz] + g->x[zd][kz + 1]));
  }
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.newton_rtol = 1e-10; /* far below the discretisation error */
  o.lin.rtol = 1e-10;
  o.dt_initial = 1.0;
  o.dt_min = 1e-3;
  struct ns_mech *m = NULL;
  struct ns_err err = NS_ERR_INIT;
  double t0 = omp_get_wtime();
  res.status = ns_mech_create(g, p->mat, MMS_NLAYER, ids, &o, &m, &err);
  if (res.status == NS_OK) {
    ns_mech_set_body_force(m, mms_body, p);
    ns_mech_set_dirichlet(m, mms_dirichlet, p);
    ns_mech_set_log(m, mms_log, &res);
    res.status = ns_mech_step(m, 1.0, &err);
  }
  res.seconds = omp_get_wtime() - t0;
  snprintf(res.msg, sizeof res.msg, "%s", err.msg);
  if (res.status == NS_OK) {
    const double *u = ns_mech_displacement(m);
    const int nc = p->ndim;
    double s2 = 0.0;
    res.ndof = ns_mech_ndof(m);
    for (int k = 0; k < g->n[2]; k++)
      for (int j = 0; j < g->n[1]; j++)
        for (int i = 0; i < g->n[0]; i++) {
          const int ijk[3] = {i, j, k};
          double X[3] = {0, 0, 0}, ue[3];
          for (int d = 0; d < nc; d++) X[d] = g->x[d][ijk[d]];
          mms_u(p, X, 1.0, ue);
          const size_t node = ns_grid_index(g, i, j, k);
          for (int c = 0; c < nc; c++) {
            const double e = u[node * (size_t)nc + (size_t)c] - ue[c];
            res.err_max = fmax(res.err_max, fabs(e));
            res.umax = fmax(res.umax, fabs(ue[c]));
            s2 += e * e;
          }
        }
    res.err_l2 = sqrt(s2 / (double)res.ndof);
  }
  ns_mech_free(m);
  free(ids);
  ns_grid_free(g);
  return res;
}

#endif /* NEEDLESIM_TESTS_MMS_PROBLEM_H */
