/* voldeg.c — removing part of a cell's mean-dilatation volumetric energy (voldeg.h), shared by
 * damage.c and penetration.c.
 *
 *   ns_voldeg_cell          V U(Jbar) of one cell and, scaled by -fac, its residual and tangent
 *   ns_voldeg_cell_smooth   the same for the tensile part with a smoothed switch at Jbar = 1
 *   ns_voldeg_tension       the smoothed tensile part U_+(J) and its derivatives (closed form for the
 *                           quadratic law, Gauss-Legendre quadrature of the ramp for the logarithmic)
 */
#include "voldeg.h"

#include <math.h>

#include "needlesim/tensor3.h"
#include "q1cell.h"

/* Gauss-Legendre rule with 8 points on [-1, 1] (nodes, weights): exact for polynomials of degree 15. */
enum { NS_VOLDEG_GL_N = 8 };
static const double gl_x[NS_VOLDEG_GL_N] = {-0.96028985649753618, -0.79666647741362673, -0.52553240991632899,
                                            -0.18343464249564978, 0.18343464249564978,  0.52553240991632899,
                                            0.79666647741362673,  0.96028985649753618};
static const double gl_w[NS_VOLDEG_GL_N] = {0.10122853629037669, 0.22238103445337434, 0.31370664587788705,
                                            0.36268378337836177, 0.36268378337836177, 0.31370664587788705,
                                            0.22238103445337434, 0.10122853629037669};

/* Largest width in J of one Gauss-Legendre panel of the ramp's integrals (below). */
#define NS_VOLDEG_GL_PANEL 0.2

/* The ramp's integrals for a law with U'' not constant, at t = (J - 1)/eps in [0, 1]:
 *   U_+'(J) = eps int_0^t s(r) U''(1 + eps r) dr,   U_+(J) = eps^2 int_0^t (t - r) s(r) U''(1 + eps r) dr,
 * by the 8-point Gauss-Legendre rule on panels of [0, t], each at most 0.2 wide in J. The
 * integrands are a polynomial of degree <= 4 times U''; for the logarithmic law U'' =
 * (kappa/2)(1 + J^-2) is analytic except for its double pole at J = 0, at least 5 panel widths
 * away from every panel (J >= 1), so the rule is accurate to rounding there (measured against a
 * 30-digit quadrature: <= 5e-16 relative for panels of 0.2; one panel of 0.9 would give 1e-10). */
static void ramp_integrals(const struct ns_material *mat, double t, double eps, double *U, double *dU) {
  double i0 = 0.0, i1 = 0.0;
  const int npanel = (int)ceil(eps * t / NS_VOLDEG_GL_PANEL) > 1 ? (int)ceil(eps * t / NS_VOLDEG_GL_PANEL) : 1;
  const double hw = 0.5 * t / npanel; /* half width of a panel in r */
  for (int p = 0; p < npanel; p++) {
    const double mid = (2 * p + 1) * hw;
    for (int q = 0; q < NS_VOLDEG_GL_N; q++) {
      const double r = mid + hw * gl_x[q], w = hw * gl_w[q];
      double u2;
      ns_material_vol(mat, 1.0 + eps * r, NULL, NULL, &u2);
      const double f = w * r * r * (3.0 - 2.0 * r) * u2;
      i1 += f;
      i0 += (t - r) * f;
    }
  }
  *dU = eps * i1;
  *U = eps * eps * i0;
}

void ns_voldeg_tension(const struct ns_material *mat, double J, double eps, double *U, double *dU, double *d2U) {
  double u0, u1, u2;
  ns_material_vol(mat, J, &u0, &u1, &u2);
  const double x = J - 1.0;
  const int quad = mat->vol_law == NS_VOL_QUADRATIC; /* U'' constant: closed forms */
  if (!(x > 0.0)) {
    *U = *dU = *d2U = 0.0;
  } else if (!(x < eps)) {
    /* Beyond the ramp: U'' in full, U and U' shifted by the ramp's deficit at its end J = 1 + eps. */
    if (quad) {
      *U = u0 - 0.5 * eps * u1 + 0.15 * eps * eps * u2;
      *dU = u1 - 0.5 * eps * u2;
    } else {
      double e0, e1, v0, v1;
      ramp_integrals(mat, 1.0, eps, &e0, &e1);
      ns_material_vol(mat, 1.0 + eps, &v0, &v1, NULL);
      *U = u0 + (e0 - v0) + (e1 - v1) * (x - eps);
      *dU = u1 + (e1 - v1);
    }
    *d2U = u2;
  } else {
    /* Inside the ramp, t = x / eps: U_+'' = s(t) U'', s = 3 t^2 - 2 t^3 (C1 in t), integrated twice
     * from U_+(1) = U_+'(1) = 0. */
    const double t = x / eps, t2 = t * t;
    if (quad) {
      *U = u2 * eps * eps * t2 * t2 * (0.25 - 0.1 * t);
      *dU = u2 * eps * t2 * t * (1.0 - 0.5 * t);
    } else {
      ramp_integrals(mat, t, eps, U, dU);
    }
    *d2U = u2 * t2 * (3.0 - 2.0 * t);
  }
}

/* Shared body: part ALL or TENSION (eps = 0: sharp switch; eps > 0: ns_voldeg_tension). */
static int voldeg_cell(const struct ns_grid *g, int ndim, const struct ns_material *mat, int i, int j, int k,
                       const double *u, double fac, enum ns_voldeg_part part, double eps, double *residual,
                       struct ns_smat *K, double *energy) {
  struct ns_q1cell c;
  ns_q1cell_setup(g, i, j, k, &c);
  const int nd = ndim, nen = 1 << ndim, nloc = nen * nd;
  double ue[NS_Q1_NLOC_MAX], F[NS_Q1_NEN_MAX][9], C[NS_Q1_NEN_MAX][9], Jq[NS_Q1_NEN_MAX], jb = 0.0;
  struct ns_q1dmap M[NS_Q1_NEN_MAX];
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nd; comp++) ue[a * nd + comp] = u[c.node[a] * (size_t)nd + (size_t)comp];
  for (int q = 0; q < nen; q++) {
    ns_q1cell_dmap(ndim, &c, q, &M[q]);
    for (int e = 0; e < 9; e++) F[q][e] = 0.0;
    F[q][0] = F[q][4] = F[q][8] = 1.0;
    for (int p = 0; p < nloc; p++)
      for (int t = 0; t < 3; t++) F[q][M[q].idx[p][t]] += M[q].val[p][t] * ue[p];
    Jq[q] = ns_det3(F[q]);
    if (!(Jq[q] > 0.0)) {
      *energy = NAN;
      return 1;
    }
    ns_cof3(F[q], C[q]);
    jb += c.w[q] * Jq[q];
  }
  jb /= c.vol;
  *energy = 0.0;
  if (part == NS_VOLDEG_TENSION && !(jb > 1.0)) return 0;
  double U, dU, d2U;
  if (part == NS_VOLDEG_TENSION && eps > 0.0) ns_voldeg_tension(mat, jb, eps, &U, &dU, &d2U);
  else ns_material_vol(mat, jb, &U, &dU, &d2U);
  *energy = c.vol * U;
  if (!residual || fac == 0.0) return 0;
  double bv[NS_Q1_NLOC_MAX];
  for (int p = 0; p < nloc; p++) {
    double s = 0.0;
    for (int q = 0; q < nen; q++)
      for (int t = 0; t < 3; t++) s += c.w[q] * M[q].val[p][t] * C[q][M[q].idx[p][t]];
    bv[p] = s;
  }
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nd; comp++) residual[c.node[a] * (size_t)nd + (size_t)comp] -= fac * dU * bv[a * nd + comp];
  if (!K) return 0;
  double Ke[NS_Q1_NLOC_MAX * NS_Q1_NLOC_MAX];
  for (int p = 0; p < nloc; p++)
    for (int r = p; r < nloc; r++) {
      double s = d2U / c.vol * bv[p] * bv[r];
      for (int q = 0; q < nen; q++) {
        const double *Cq = C[q];
        double t2 = 0.0;
        for (int s1 = 0; s1 < 3; s1++) {
          const double v1 = M[q].val[p][s1];
          if (v1 == 0.0) continue;
          const int iJ = M[q].idx[p][s1], ii = iJ / 3, JJ = iJ % 3;
          for (int s2 = 0; s2 < 3; s2++) {
            const double v2 = M[q].val[r][s2];
            if (v2 == 0.0) continue;
            const int kL = M[q].idx[r][s2], kk = kL / 3, LL = kL % 3;
            t2 += v1 * v2 * (Cq[iJ] * Cq[kL] - Cq[3 * ii + LL] * Cq[3 * kk + JJ]) / Jq[q];
          }
        }
        s += dU * c.w[q] * t2;
      }
      Ke[p * nloc + r] = Ke[r * nloc + p] = -fac * s;
    }
  for (int a = 0; a < nen; a++) {
    double *row = K->a + c.node[a] * K->bs;
    for (int b = 0; b < nen; b++) {
      int off[3];
      for (int e = 0; e < 3; e++) off[e] = ((b >> e) & 1) - ((a >> e) & 1);
      double *blk = row + (size_t)ns_smat_stencil_index(nd, off) * (size_t)(nd * nd);
      for (int r = 0; r < nd; r++)
        for (int s = 0; s < nd; s++) blk[r * nd + s] += Ke[(a * nd + r) * nloc + b * nd + s];
    }
  }
  return 0;
}

int ns_voldeg_cell(const struct ns_grid *g, int ndim, const struct ns_material *mat, int i, int j, int k,
                   const double *u, double fac, enum ns_voldeg_part part, double *residual, struct ns_smat *K,
                   double *energy) {
  return voldeg_cell(g, ndim, mat, i, j, k, u, fac, part, 0.0, residual, K, energy);
}

int ns_voldeg_cell_smooth(const struct ns_grid *g, int ndim, const struct ns_material *mat, int i, int j, int k,
                          const double *u, double fac, double eps, double *residual, struct ns_smat *K,
                          double *energy) {
  return voldeg_cell(g, ndim, mat, i, j, k, u, fac, NS_VOLDEG_TENSION, eps, residual, K, energy);
}
