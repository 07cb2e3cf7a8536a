/* material.c — hyperelastic laws (compressible neo-Hookean, one-term Ogden, optional GOH collagen
 * fibre term with planar dispersion and tension-only switch) and QLV viscoelasticity.
 *
 * Public functions (see include/needlesim/material.h for the conventions):
 *   ns_material_check        validate a parameter set
 *   ns_material_from_layer   build a material from a resolved skin layer (E, nu, alpha, Prony)
 *   ns_material_iso          isochoric stress P = dW/dF, tangent A = dP/dF, energy W
 *   ns_material_vol          volumetric U(J) (quadratic or logarithmic law) and its derivatives
 *   ns_material_vol_checked  the same, nonzero for J <= 0 or a non-finite result
 *   ns_vol_law_name          "quadratic", "logarithmic"
 *   ns_material_state_size   doubles of QLV history per quadrature point
 *   ns_material_state_init   history of an undeformed point
 *   ns_material_iso_visco    QLV (Prony) isochoric stress with its consistent tangent
 *   ns_material_qlv_energy   stored energy of the QLV branches (energy ledger)
 *   ns_material_qlv_work     stress work of the QLV branches over a step (energy ledger)
 *   ns_material_set_prestretch, ns_material_has_prestretch, ns_material_prestress
 *                            in-vivo pre-stretch F0 (header): every public evaluation wraps the law
 *                            at F F0 per unit grid volume; the *_raw functions are the law itself
 *
 * Neo-Hookean, W = (mu/2)(J^(-2/3) I1 - 3), is coded in closed form:
 *   P = mu J^(-2/3) (F - (I1/3) F^-T),
 *   A_iJkL = mu J^(-2/3) [ d_ik d_JL - (2/3) F^-T_kL (F_iJ - (I1/3) F^-T_iJ)
 *                          - (2/3) F_kL F^-T_iJ + (I1/3) F^-T_iL F^-T_kJ ].
 *
 * Ogden, W = (2 mu/alpha^2)(g Phi - 3) with g = J^(-alpha/3), Phi = tr(C^p) = sum_a c_a^p, p = alpha/2
 * and c_a the eigenvalues of C = F^T F, is coded as a function of C through matrix functions:
 *   S = 2 dW/dC = (2 mu/alpha) g X,  X = C^(p-1) - (Phi/3) C^-1,  P = F S.
 * Everything is evaluated in the eigenbasis V of C (C = V diag(c) V^T, computed by cyclic Jacobi,
 * which is backward stable and returns V = I for a diagonal C, so equal stretches are exact). The
 * tangent is the directional derivative of P = F S along each of the nine unit directions
 * dF = e_k e_L^T: dP = dF S + F dS, with dC = dF^T F + F^T dF. In the eigenbasis
 * dC^ = V^T dC V = u v^T + v u^T (u = row L of V, v = row k of F V), and the derivative of the
 * matrix function C^(p-1) is the Daleckii-Krein formula (dC^(p-1))^_ab = D_ab dC^_ab, where
 * D_ab = (c_a^(p-1) - c_b^(p-1))/(c_a - c_b) for c_a != c_b and (p-1) c_a^(p-2) for c_a = c_b. The
 * divided difference is evaluated as hi^(q-1) expm1(q log1p(e))/e with e = (lo-hi)/hi, which is
 * accurate to rounding for all e in (-1, 0] and continuous at coinciding eigenvalues, so no
 * perturbation of equal stretches is needed. With dg = -(alpha/3) g tr(C^-1 dC)/2 and
 * dPhi = p tr(C^(p-1) dC):
 *   dX^ = D o dC^ + (Phi/3) C^-1 dC^ C^-1 - (dPhi/3) C^-1,  dS = (2 mu/alpha)(dg X + g dX).
 *
 * Collagen fibre term (header): W_f = (k1/(2 k2))(exp(k2 <E>^2) - 1), E = J^(-2/3) h - 1 with
 * h = H : C = F : (F H), H = diag(Hd) (n = e_a: Hd_a = kappa_f, the in-plane entries (1 - kappa_f)/2).
 * With G = dE/dF = 2 J^(-2/3) (F H - (h/3) F^-T) (dJ^(-2/3)/dF = -(2/3) J^(-2/3) F^-T,
 * dh/dF = 2 F H) and, for E > 0,
 *   w1  = dW_f/dE   = k1 E exp(k2 E^2),
 *   w11 = d2W_f/dE2 = k1 exp(k2 E^2) (1 + 2 k2 E^2),
 *   P_f = w1 G,   A_f = w1 dG/dF + w11 G (x) G,
 *   dG_iJ/dF_kL = 2 J^(-2/3) [ d_ik H_LJ - (2/3)(F^-T_kL (FH)_iJ + (FH)_kL F^-T_iJ)
 *                              + (2/9) h F^-T_kL F^-T_iJ + (h/3) F^-T_iL F^-T_kJ ]
 * (symmetric under iJ <-> kL: the Hessian of J^(-2/3) h). For H = I these are the neo-Hookean
 * expressions above with mu = 2. For E < 0 the term contributes nothing (slack fibres); W_f, P_f
 * are continuous at E = 0, A_f jumps by k1 G (x) G. At the kink itself (|E| < 1e-12, the rest state)
 * the tangent takes the tension side's value k1 G (x) G while P_f = W_f = 0, so Newton steps from
 * rest see the fibres. The fibre S_f = F^-1 P_f =
 * 2 w1 J^(-2/3) (H - (h/3) C^-1) adds to the instantaneous isochoric S_e that QLV sees.
 *
 * Volumetric laws (header): quadratic U = (kappa/2) d^2 with d = J - 1; logarithmic
 * U = (kappa/4)(J^2 - 1 - 2 ln J) = (kappa/4)(d^2 + 2 (d - ln(1 + d))), U' = (kappa/2) d (J + 1)/J
 * (no cancellation near J = 1), U'' = (kappa/2)(1 + 1/J^2). d - ln(1 + d) = d^2/2 - d^3/3 + ... loses
 * digits to cancellation as d -> 0, so below |d| = 0.1 it is summed as that series; above, U is
 * evaluated from J and ln J directly.
 *
 * QLV: S_iso = g_inf S_e + sum_i H_i with the recursive Prony update in the header. Writing
 * gamma_i = (1 - exp(-dt/tau_i))/(dt/tau_i), the new stress is S = beta S_e(F) + R with
 * beta = g_inf + sum_i g_i gamma_i and R = sum_i (exp(-dt/tau_i) H_i^n - g_i gamma_i S_e^n) fixed
 * by the history, so P = beta P_e + F R and A_iJkL = beta A_e,iJkL + d_ik R_JL (exact, symmetric).
 */
#include "needlesim/tensor3.h"
#include "needlesim/material.h"

#include <math.h>
#include <string.h>

#include "needlesim/skin.h"

/* Jacobi sweeps allowed; a 3x3 symmetric matrix converges quadratically in 4-6 sweeps. */
enum { NS_JACOBI_MAX_SWEEPS = 60 };

/* Factor by which an off-diagonal entry must be smaller than both diagonal entries to be
 * treated as zero (Numerical Recipes' test: 100 |a_pq| vanishes when added to |a_pp|), i.e. it is
 * below the rounding of the diagonal and rotating would not change anything. */
#define NS_JACOBI_NEGLIGIBLE 100.0

/* ---- small dense helpers -------------------------------------------------------------------- */

/* Inverse transpose F^-T of a 3x3 matrix with determinant J != 0 (cofactor matrix / J). */
static void inv_transpose3(const double F[9], double J, double FiT[9]) {
  ns_cof3(F, FiT);
  for (int k = 0; k < 9; k++) FiT[k] /= J;
}

static int all_finite(const double *x, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* Eigen-decomposition of a symmetric 3x3 matrix a = V diag(w) V^T by cyclic Jacobi rotations
 * (Rutishauser's formulation, as in Numerical Recipes' jacobi). V[3*i+a] is component i of
 * eigenvector a. Backward stable; a diagonal input returns V = I exactly. */
static void eig_sym3(const double a_in[9], double w[3], double V[9]) {
  double a[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      a[i][j] = 0.5 * (a_in[3 * i + j] + a_in[3 * j + i]);
      V[3 * i + j] = i == j ? 1.0 : 0.0;
    }
  static const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  for (int sweep = 0; sweep < NS_JACOBI_MAX_SWEEPS; sweep++) {
    if (a[0][1] == 0.0 && a[0][2] == 0.0 && a[1][2] == 0.0) break;
    for (int pr = 0; pr < 3; pr++) {
      int p = pairs[pr][0], q = pairs[pr][1];
      double apq = a[p][q];
      if (apq == 0.0) continue;
      double gg = NS_JACOBI_NEGLIGIBLE * fabs(apq);
      if (fabs(a[p][p]) + gg == fabs(a[p][p]) && fabs(a[q][q]) + gg == fabs(a[q][q])) {
        a[p][q] = a[q][p] = 0.0;
        continue;
      }
      double theta = 0.5 * (a[q][q] - a[p][p]) / apq;
      double t;
      if (fabs(theta) > 1e150) /* theta^2 would overflow: t = 1/(2 theta) to rounding */
        t = 0.5 / theta;
      else
        t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
      double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
      a[p][p] -= t * apq;
      a[q][q] += t * apq;
      a[p][q] = a[q][p] = 0.0;
      int r = 3 - p - q; /* the third index */
      double arp = a[r][p], arq = a[r][q];
      a[r][p] = a[p][r] = c * arp - s * arq;
      a[r][q] = a[q][r] = s * arp + c * arq;
      for (int i = 0; i < 3; i++) {
        double vp = V[3 * i + p], vq = V[3 * i + q];
        V[3 * i + p] = c * vp - s * vq;
        V[3 * i + q] = s * vp + c * vq;
      }
    }
  }
  for (int i = 0; i < 3; i++) w[i] = a[i][i];
}

/* Relative gap (hi - lo)/hi above which the plain divided difference (x^q - y^q)/(x - y) loses at
 * most a factor 1/gap = 4 to cancellation, i.e. stays accurate to a few rounding errors. */
#define NS_DIVDIFF_PLAIN_GAP 0.25

/* Divided difference (x^q - y^q)/(x - y) for x, y > 0 with xq = x^q, yq = y^q given; q x^(q-1)
 * when x == y. Accurate to rounding for all x, y: well-separated values use the plain quotient,
 * close ones hi^(q-1) expm1(q log1p(e))/e with e = (lo - hi)/hi, which has no cancellation as
 * x -> y and tends continuously to q x^(q-1). */
static double pow_divdiff(double x, double y, double xq, double yq, double q) {
  if (x == y) return q * xq / x;
  double hi = fmax(x, y), lo = fmin(x, y);
  double e = (lo - hi) / hi; /* in (-1, 0) */
  if (-e > NS_DIVDIFF_PLAIN_GAP) return (xq - yq) / (x - y);
  double hiq = x > y ? xq : yq;
  return hiq / hi * expm1(q * log1p(e)) / e;
}

/* Largest fibre dispersion, the isotropic limit 1/3; a value entered as 1/3 in decimal (0.3333...)
 * rounds to 1.0/3.0 or just below it, so the closed bound admits it. */
#define NS_FIBRE_ISOTROPIC (1.0 / 3.0)

/* Half-width of the fibre kink: |E| below it is E = 0 to rounding (E = J^(-2/3) H : C - 1 is a
 * sum of O(1) terms, rounding ~1e-16; 1e-12 leaves four digits of margin and is far below any
 * strain the solvers resolve). */
#define NS_FIBRE_KINK 1e-12

/* ---- parameter checks ------------------------------------------------------------------------ */

enum ns_status ns_material_check(const struct ns_material *m, struct ns_err *err) {
  if (!m) return ns_err_set(err, NS_EINTERNAL, "material: NULL parameter set");
  if (m->model != NS_HYPER_NEOHOOKE && m->model != NS_HYPER_OGDEN)
    return ns_err_set(err, NS_EINPUT, "material: unknown hyperelastic model %d", (int)m->model);
  if (!(isfinite(m->mu) && m->mu > 0.0))
    return ns_err_set(err, NS_EINPUT, "material: shear modulus mu must be finite and > 0 Pa, got %g", m->mu);
  if (!(isfinite(m->kappa) && m->kappa > 0.0))
    return ns_err_set(err, NS_EINPUT, "material: bulk modulus kappa must be finite and > 0 Pa, got %g", m->kappa);
  if ((unsigned)m->vol_law >= NS_NVOL_LAWS)
    return ns_err_set(err, NS_EINPUT, "material: unknown volumetric law %d", (int)m->vol_law);
  if (m->model == NS_HYPER_OGDEN && !(isfinite(m->alpha) && m->alpha != 0.0))
    return ns_err_set(err, NS_EINPUT, "material: Ogden exponent alpha must be finite and nonzero, got %g", m->alpha);
  if (!(isfinite(m->fibre_k1) && m->fibre_k1 >= 0.0))
    return ns_err_set(err, NS_EINPUT, "material: fibre stiffness k1 must be finite and >= 0 Pa, got %g", m->fibre_k1);
  if (m->fibre_k1 > 0.0 && !(isfinite(m->fibre_k2) && m->fibre_k2 > 0.0))
    return ns_err_set(err, NS_EINPUT, "material: fibre exponent k2 must be finite and > 0 when k1 > 0, got %g",
                      m->fibre_k2);
  if (m->fibre_k1 > 0.0 && !(m->fibre_dispersion >= 0.0 && m->fibre_dispersion <= NS_FIBRE_ISOTROPIC))
    return ns_err_set(err, NS_EINPUT, "material: fibre dispersion must be in [0, 1/3] when k1 > 0, got %g",
                      m->fibre_dispersion);
  if (m->fibre_normal_axis < 0 || m->fibre_normal_axis > 2)
    return ns_err_set(err, NS_EINPUT, "material: fibre normal axis must be 0, 1 or 2, got %d", m->fibre_normal_axis);
  if (m->nprony < 0 || m->nprony > NS_MAX_PRONY)
    return ns_err_set(err, NS_EINPUT, "material: number of Prony terms must be in 0..%d, got %d", NS_MAX_PRONY,
                      m->nprony);
  double gsum = 0.0;
  for (int i = 0; i < m->nprony; i++) {
    if (!(isfinite(m->g[i]) && m->g[i] >= 0.0))
      return ns_err_set(err, NS_EINPUT, "material: Prony g%d must be finite and >= 0, got %g", i + 1, m->g[i]);
    if (!(isfinite(m->tau[i]) && m->tau[i] > 0.0))
      return ns_err_set(err, NS_EINPUT, "material: Prony tau%d must be finite and > 0 s, got %g", i + 1, m->tau[i]);
    gsum += m->g[i];
  }
  if (!(gsum < 1.0))
    return ns_err_set(err, NS_EINPUT, "material: Prony moduli must sum to < 1 (long-term fraction > 0), got %g", gsum);
  if (!(isfinite(m->density) && m->density >= 0.0))
    return ns_err_set(err, NS_EINPUT, "material: density must be finite and >= 0 kg/m^3, got %g", m->density);
  if (ns_material_has_prestretch(m) &&
      !(isfinite(m->prestretch) && isfinite(m->prestretch_z) && m->prestretch_z > 0.0))
    return ns_err_set(err, NS_EINPUT, "material: pre-stretch (%g, %g) must be finite and > 0", m->prestretch,
                      m->prestretch_z);
  return NS_OK;
}

enum ns_status ns_material_from_layer(const struct ns_skin_layer *L, enum ns_hyper_model model,
                                      struct ns_material *m, struct ns_err *err) {
  if (!L || !m) return ns_err_set(err, NS_EINTERNAL, "material: NULL layer or output");
  memset(m, 0, sizeof *m);
  const char *name = L->name ? L->name : "?";
  double E = L->youngs_modulus.value, nu = L->poisson_ratio.value;
  if (!(isfinite(E) && E > 0.0))
    return ns_err_set(err, NS_EINPUT, "material: layer %s: Young's modulus must be > 0 Pa, got %g", name, E);
  if (!(isfinite(nu) && nu > -1.0 && nu < 0.5))
    return ns_err_set(err, NS_EINPUT, "material: layer %s: Poisson ratio must be in (-1, 0.5), got %g", name, nu);
  if (L->nprony < 0 || L->nprony > NS_MAX_PRONY)
    return ns_err_set(err, NS_EINPUT, "material: layer %s: %d Prony terms, at most %d allowed", name, L->nprony,
                      NS_MAX_PRONY);
  m->model = model;
  m->alpha = L->ogden_alpha.value;
  m->nprony = L->nprony;
  double gsum = 0.0;
  for (int i = 0; i < L->nprony; i++) {
    m->g[i] = L->prony_g[i].value;
    m->tau[i] = L->prony_tau[i].value;
    gsum += m->g[i];
  }
  /* E is the quasi-static (long-term) small-strain modulus: the long-term shear modulus is
   * E/(2(1+nu)) and the instantaneous one, which the QLV law calls mu, is larger by 1/g_inf. The
   * bulk modulus does not relax (the Prony series acts on the isochoric part only). */
  double g_inf = 1.0 - gsum;
  double mu_inf = E / (2.0 * (1.0 + nu));
  m->mu = g_inf > 0.0 ? mu_inf / g_inf : NAN;
  m->kappa = E / (3.0 * (1.0 - 2.0 * nu));
  /* The fibre stiffness is a quasi-static (long-term) value like E and is scaled the same way; the
   * exponent k2 is dimensionless and is not scaled. */
  m->fibre_k1 = g_inf > 0.0 ? L->fibre_k1.value / g_inf : NAN;
  m->fibre_k2 = L->fibre_k2.value;
  m->fibre_dispersion = L->fibre_dispersion.value;
  m->fibre_normal_axis = 0; /* set by the mechanics module from the grid (material.h) */
  m->density = L->density.value;
  m->vol_law = L->volumetric_law;
  m->prestretch = m->prestretch_z = 1.0;
  enum ns_status s = ns_material_check(m, err);
  if (s == NS_OK && isfinite(L->prestretch.value) && L->prestretch.value != 1.0 && L->prestretch.value != 0.0)
    s = ns_material_set_prestretch(m, L->prestretch.value, err);
  if (s != NS_OK) return ns_err_prefix(err, "layer %s: ", name);
  return NS_OK;
}

/* ---- isochoric elastic response ---------------------------------------------------------------- */

/* Neo-Hookean: P, optional A and W, and the isochoric 2nd PK stress S (for the QLV update). */
static void neohooke_iso(double mu, const double F[9], double J, double P[9], double A[81], double *W, double S[9]) {
  double FiT[9];
  inv_transpose3(F, J, FiT);
  double I1 = 0.0;
  for (int i = 0; i < 9; i++) I1 += F[i] * F[i];
  double Jm23 = pow(J, -2.0 / 3.0);
  double f = mu * Jm23;
  for (int i = 0; i < 9; i++) P[i] = f * (F[i] - I1 / 3.0 * FiT[i]);
  if (W) *W = 0.5 * mu * (Jm23 * I1 - 3.0);
  if (S) {
    /* S = F^-1 P = mu J^(-2/3) (I - (I1/3) C^-1), C^-1 = F^-1 F^-T, F^-1_IJ = FiT_JI. */
    for (int I = 0; I < 3; I++)
      for (int K = 0; K < 3; K++) {
        double ci = 0.0;
        for (int j = 0; j < 3; j++) ci += FiT[3 * j + I] * FiT[3 * j + K];
        S[3 * I + K] = f * ((I == K ? 1.0 : 0.0) - I1 / 3.0 * ci);
      }
  }
  if (A) {
    for (int i = 0; i < 3; i++)
      for (int Jj = 0; Jj < 3; Jj++) {
        int iJ = 3 * i + Jj;
        double dev = F[iJ] - I1 / 3.0 * FiT[iJ];
        for (int k = 0; k < 3; k++)
          for (int L = 0; L < 3; L++) {
            int kL = 3 * k + L;
            double v = -2.0 / 3.0 * FiT[kL] * dev - 2.0 / 3.0 * F[kL] * FiT[iJ] + I1 / 3.0 * FiT[3 * i + L] * FiT[3 * k + Jj];
            if (i == k && Jj == L) v += 1.0;
            A[iJ * 9 + kL] = f * v;
          }
      }
  }
}

/* One-term Ogden through the eigenbasis of C (see the file comment). Returns nonzero when an
 * eigenvalue of C is not positive (F numerically singular). */
static int ogden_iso(double mu, double alpha, const double F[9], double J, double P[9], double A[81], double *W,
                     double S[9]) {
  double C[9];
  for (int I = 0; I < 3; I++)
    for (int K = 0; K < 3; K++) C[3 * I + K] = F[I] * F[K] + F[3 + I] * F[3 + K] + F[6 + I] * F[6 + K];
  double c[3], V[9];
  eig_sym3(C, c, V);
  if (!(c[0] > 0.0 && c[1] > 0.0 && c[2] > 0.0)) return 1;
  const double p = 0.5 * alpha, q = p - 1.0;
  const double g = pow(J, -alpha / 3.0);
  const double k2 = 2.0 * mu / alpha; /* S = k2 g X */
  double cq[3], Phi = 0.0;
  for (int a = 0; a < 3; a++) {
    cq[a] = pow(c[a], q);
    Phi += cq[a] * c[a];
  }
  double x[3], s[3]; /* X^ and S^ are diagonal in the eigenbasis */
  for (int a = 0; a < 3; a++) {
    x[a] = cq[a] - Phi / (3.0 * c[a]);
    s[a] = k2 * g * x[a];
  }
  if (W) *W = 2.0 * mu / (alpha * alpha) * (g * Phi - 3.0);
  double FV[9]; /* F V: row k is v for direction (k, L) */
  for (int i = 0; i < 3; i++)
    for (int a = 0; a < 3; a++) FV[3 * i + a] = F[3 * i] * V[a] + F[3 * i + 1] * V[3 + a] + F[3 * i + 2] * V[6 + a];
  double Sm[9]; /* S = V diag(s) V^T */
  for (int I = 0; I < 3; I++)
    for (int K = 0; K < 3; K++)
      Sm[3 * I + K] = s[0] * V[3 * I] * V[3 * K] + s[1] * V[3 * I + 1] * V[3 * K + 1] + s[2] * V[3 * I + 2] * V[3 * K + 2];
  /* P = F S = (F V) diag(s) V^T. */
  for (int i = 0; i < 3; i++)
    for (int Jj = 0; Jj < 3; Jj++)
      P[3 * i + Jj] = FV[3 * i] * s[0] * V[3 * Jj] + FV[3 * i + 1] * s[1] * V[3 * Jj + 1] + FV[3 * i + 2] * s[2] * V[3 * Jj + 2];
  if (S) memcpy(S, Sm, sizeof Sm);
  if (!A) return 0;
  /* K_ab = D_ab + Phi/(3 c_a c_b) multiplies dC^_ab in dX^ (both terms act entrywise). */
  double Kab[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = a; b < 3; b++)
      Kab[a][b] = Kab[b][a] = pow_divdiff(c[a], c[b], cq[a], cq[b], q) + Phi / (3.0 * c[a] * c[b]);
  for (int k = 0; k < 3; k++)
    for (int L = 0; L < 3; L++) {
      const double *u = V + 3 * L, *v = FV + 3 * k;
      double dC[3][3];
      double trCi = 0.0, trCq = 0.0;
      for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) dC[a][b] = u[a] * v[b] + v[a] * u[b];
        trCi += dC[a][a] / c[a];
        trCq += dC[a][a] * cq[a];
      }
      double dg = -alpha / 6.0 * g * trCi;
      double dPhi = p * trCq;
      double dS[3][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
          double dx = Kab[a][b] * dC[a][b];
          if (a == b) dx += -dPhi / (3.0 * c[a]);
          dS[a][b] = k2 * (g * dx + (a == b ? dg * x[a] : 0.0));
        }
      /* F dS = (F V) dS^ V^T; then add dF S = e_k (row L of S). */
      double T[3][3]; /* (F V) dS^ */
      for (int i = 0; i < 3; i++)
        for (int b = 0; b < 3; b++) T[i][b] = FV[3 * i] * dS[0][b] + FV[3 * i + 1] * dS[1][b] + FV[3 * i + 2] * dS[2][b];
      for (int i = 0; i < 3; i++)
        for (int Jj = 0; Jj < 3; Jj++) {
          double val = T[i][0] * V[3 * Jj] + T[i][1] * V[3 * Jj + 1] + T[i][2] * V[3 * Jj + 2];
          if (i == k) val += Sm[3 * L + Jj];
          A[(3 * i + Jj) * 9 + 3 * k + L] = val;
        }
    }
  return 0;
}

/* Collagen fibre term (file comment): ADDS P_f, A_f (optional), W_f (optional) and S_f (optional)
 * to the outputs of the base law. */
static void fibre_add(const struct ns_material *m, const double F[9], double J, double P[9], double A[81], double *W,
                      double S[9]) {
  const double k1 = m->fibre_k1, k2 = m->fibre_k2, kap = m->fibre_dispersion;
  /* H = kap I + (1 - 3 kap)(I - n n)/2 with n = e_a: diagonal, kap on the normal, (1 - kap)/2 in
   * the plane (tr H = 1). At kap = 1/3 all three are 1/3 to rounding. */
  const int a = m->fibre_normal_axis;
  double Hd[3];
  for (int i = 0; i < 3; i++) Hd[i] = i == a ? kap : 0.5 * (1.0 - kap);
  double FiT[9], FH[9], h = 0.0;
  inv_transpose3(F, J, FiT);
  for (int i = 0; i < 9; i++) {
    FH[i] = F[i] * Hd[i % 3];
    h += F[i] * FH[i];
  }
  const double Jm23 = pow(J, -2.0 / 3.0);
  const double E = Jm23 * h - 1.0;
  /* Fibres slack (E < 0): no stress, no tangent, no energy (tension-only switch). At the kink
   * itself (the reference state, where E = 0 up to rounding) the tangent takes the tension side's
   * limit k1 G (x) G, so that a Newton step from rest sees the fibres' stiffness (with the slack
   * side's zero, the first step of a load from rest overshoots by k1/mu ~ 1e4 and the line search
   * stalls: suction_cutometer.ini with dermis fibres, measured). */
  if (!(E > -NS_FIBRE_KINK)) return;
  const double Ep = E > 0.0 ? E : 0.0;
  const double kE2 = k2 * Ep * Ep, ex = exp(kE2);
  const double w1 = k1 * Ep * ex, w11 = k1 * ex * (1.0 + 2.0 * kE2);
  double G[9];
  for (int i = 0; i < 9; i++) G[i] = 2.0 * Jm23 * (FH[i] - h / 3.0 * FiT[i]);
  for (int i = 0; i < 9; i++) P[i] += w1 * G[i];
  if (W) *W += 0.5 * k1 / k2 * expm1(kE2);
  if (S) {
    /* S_f = F^-1 P_f = 2 w1 J^(-2/3) (H - (h/3) C^-1), C^-1 = F^-1 F^-T, F^-1_IJ = FiT_JI. */
    const double f = 2.0 * w1 * Jm23;
    for (int I = 0; I < 3; I++)
      for (int K = 0; K < 3; K++) {
        double ci = FiT[I] * FiT[K] + FiT[3 + I] * FiT[3 + K] + FiT[6 + I] * FiT[6 + K];
        S[3 * I + K] += f * ((I == K ? Hd[I] : 0.0) - h / 3.0 * ci);
      }
  }
  if (A) {
    const double f = 2.0 * w1 * Jm23;
    for (int i = 0; i < 3; i++)
      for (int Jj = 0; Jj < 3; Jj++) {
        const int iJ = 3 * i + Jj;
        for (int k = 0; k < 3; k++)
          for (int L = 0; L < 3; L++) {
            const int kL = 3 * k + L;
            double v = -2.0 / 3.0 * (FiT[kL] * FH[iJ] + FH[kL] * FiT[iJ]) + 2.0 / 9.0 * h * FiT[kL] * FiT[iJ] +
                       h / 3.0 * FiT[3 * i + L] * FiT[3 * k + Jj];
            if (i == k && Jj == L) v += Hd[Jj];
            A[iJ * 9 + kL] += f * v + w11 * G[iJ] * G[kL];
          }
      }
  }
}

/* Isochoric elastic response with the 2nd PK stress S as an extra (optional) output. */
static int iso_eval(const struct ns_material *m, const double F[9], double P[9], double A[81], double *W, double S[9]) {
  double J = ns_det3(F);
  if (!(J > 0.0) || !isfinite(J)) return 1;
  if (m->model == NS_HYPER_OGDEN) {
    if (ogden_iso(m->mu, m->alpha, F, J, P, A, W, S)) return 1;
  } else {
    neohooke_iso(m->mu, F, J, P, A, W, S);
  }
  if (m->fibre_k1 > 0.0) fibre_add(m, F, J, P, A, W, S);
  if (!all_finite(P, 9)) return 1;
  if (A && !all_finite(A, 81)) return 1;
  if (W && !isfinite(*W)) return 1;
  return 0;
}

/* Below this |J - 1| the logarithmic law sums d - ln(1 + d) as its series (file comment): the closed
 * form loses about log10(1/|d|) digits there, the series converges like 0.1^k. */
#define NS_VOL_LOG_SERIES_D 0.1
/* Terms of that series after d^2/2 (up to d^17/17): the first one left out, d^18/18, is below
 * 0.1^16 / 9 ~ 1e-17 relative to d^2/2. */
#define NS_VOL_LOG_SERIES_TERMS 16

/* (J^2 - 1 - 2 ln J)/2 = d^2/2 + d - ln(1 + d) with d = J - 1, accurate to rounding for all J > 0:
 * near J = 1 through the series of d - ln(1 + d) (file comment); elsewhere from J itself (not from
 * d, since 1 + d loses the low digits of a tiny J: J = 1e-12 would give ln J wrong by ~1e-4). */
static double vol_log_half(double J) {
  const double d = J - 1.0;
  if (fabs(d) >= NS_VOL_LOG_SERIES_D) return 0.5 * d * (J + 1.0) - log(J);
  /* sum_{k >= 2} (-1)^k d^k / k, summed from the smallest term up. */
  double s = 0.0;
  for (int k = NS_VOL_LOG_SERIES_TERMS + 1; k >= 2; k--) s = s * d + ((k % 2) ? -1.0 : 1.0) / (double)k;
  return 0.5 * d * d + s * d * d;
}

static void vol_raw(const struct ns_material *m, double J, double *U, double *dU, double *d2U) {
  const double d = J - 1.0, k = m->kappa;
  if (m->vol_law != NS_VOL_LOGARITHMIC) {
    if (U) *U = 0.5 * k * d * d;
    if (dU) *dU = k * d;
    if (d2U) *d2U = k;
    return;
  }
  if (!(J > 0.0)) {
    /* Outside the domain: the limits as J -> 0+ (header), also for a NaN J (never a NaN out). */
    if (U) *U = HUGE_VAL;
    if (dU) *dU = -HUGE_VAL;
    if (d2U) *d2U = HUGE_VAL;
    return;
  }
  if (U) *U = 0.5 * k * vol_log_half(J);
  if (dU) *dU = 0.5 * k * d * (J + 1.0) / J;
  if (d2U) *d2U = 0.5 * k * (1.0 + 1.0 / (J * J));
}

int ns_material_vol_checked(const struct ns_material *m, double J, double *U, double *dU, double *d2U) {
  double u0, u1, u2;
  ns_material_vol(m, J, &u0, &u1, &u2);
  if (U) *U = u0;
  if (dU) *dU = u1;
  if (d2U) *d2U = u2;
  return !(J > 0.0 && isfinite(J) && isfinite(u0) && isfinite(u1) && isfinite(u2));
}

const char *ns_vol_law_name(enum ns_vol_law law) {
  switch (law) {
  case NS_VOL_QUADRATIC: return "quadratic";
  case NS_VOL_LOGARITHMIC: return "logarithmic";
  default: return NULL;
  }
}

/* ---- QLV viscoelasticity ------------------------------------------------------------------------ */

size_t ns_material_state_size(const struct ns_material *m) {
  return m->nprony > 0 ? (size_t)6 * (size_t)(m->nprony + 1) : 0;
}

/* Symmetric tensor <-> 6-vector (xx, yy, zz, xy, yz, zx). */
static void sym_to6(const double S[9], double v[6]) {
  v[0] = S[0];
  v[1] = S[4];
  v[2] = S[8];
  v[3] = 0.5 * (S[1] + S[3]);
  v[4] = 0.5 * (S[5] + S[7]);
  v[5] = 0.5 * (S[2] + S[6]);
}

static void sym_from6(const double v[6], double S[9]) {
  S[0] = v[0];
  S[4] = v[1];
  S[8] = v[2];
  S[1] = S[3] = v[3];
  S[5] = S[7] = v[4];
  S[2] = S[6] = v[5];
}

/* Below this dt/tau the factor (1 - exp(-x))/x equals 1 - x/2 to rounding; at x = 0 it is 1. */
#define NS_QLV_TINY_STEP 1e-300

static int visco_raw(const struct ns_material *m, const double F[9], double dt, const double *state_old,
                     double *state_new, double P[9], double A[81]) {
  if (m->nprony == 0) return iso_eval(m, F, P, A, NULL, NULL);
  if (!(dt >= 0.0)) return 1;
  double Pe[9], Se[9];
  if (iso_eval(m, F, Pe, A, NULL, Se)) return 1;
  double se[6], se_old[6];
  sym_to6(Se, se);
  const int n = m->nprony;
  memcpy(se_old, state_old + 6 * n, sizeof se_old);
  double g_inf = 1.0, beta, R[6] = {0, 0, 0, 0, 0, 0}, Hnew[NS_MAX_PRONY][6];
  for (int i = 0; i < n; i++) g_inf -= m->g[i];
  beta = g_inf;
  for (int i = 0; i < n; i++) {
    double x = dt / m->tau[i];
    double e = exp(-x);
    double gam = x > NS_QLV_TINY_STEP ? -expm1(-x) / x : 1.0;
    double gg = m->g[i] * gam;
    beta += gg;
    for (int c = 0; c < 6; c++) {
      double h = e * state_old[6 * i + c] - gg * se_old[c];
      R[c] += h;
      Hnew[i][c] = h + gg * se[c];
    }
  }
  double Rm[9];
  sym_from6(R, Rm);
  for (int i = 0; i < 3; i++)
    for (int Jj = 0; Jj < 3; Jj++)
      P[3 * i + Jj] = beta * Pe[3 * i + Jj] + F[3 * i] * Rm[Jj] + F[3 * i + 1] * Rm[3 + Jj] + F[3 * i + 2] * Rm[6 + Jj];
  if (A) {
    for (int r = 0; r < 81; r++) A[r] *= beta;
    for (int i = 0; i < 3; i++)
      for (int Jj = 0; Jj < 3; Jj++)
        for (int L = 0; L < 3; L++) A[(3 * i + Jj) * 9 + 3 * i + L] += Rm[3 * L + Jj];
  }
  for (int i = 0; i < n; i++) memcpy(state_new + 6 * i, Hnew[i], sizeof Hnew[i]);
  memcpy(state_new + 6 * n, se, sizeof se);
  if (!all_finite(P, 9)) return 1;
  if (A && !all_finite(A, 81)) return 1;
  return 0;
}

/* ---- QLV energy bookkeeping --------------------------------------------------------------------- */

/* Symmetric-tensor inner product in the (xx, yy, zz, xy, yz, zx) storage. */
static double sym6_dot(const double *a, const double *b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + 2.0 * (a[3] * b[3] + a[4] * b[4] + a[5] * b[5]);
}

/* Below this |S_e| / mu the ratio rho = 4 mu W / |S_e|^2 is taken as its small-strain limit 1 (W and
 * |S_e|^2 are both O(strain^2) there; at 1e-12 relative strain the limit is exact to 1e-12). */
#define NS_QLV_RHO_TINY 1e-12
/* Below this x = dt/tau the series of (1 - phi(x))/x = (x - 1 + e^-x)/x^2 is used (the closed form
 * loses digits as x^2 / x^2 of cancellation; at x = 0.5 the loss is < 2 digits). */
#define NS_QLV_MEAN_SERIES_X 0.5
/* Terms of that series: the k-th term is below 0.5^k / k! < 1e-19 relative for k = 20. */
#define NS_QLV_MEAN_SERIES_TERMS 20

static double qlv_energy_raw(const struct ns_material *m, const double F[9], const double *state) {
  if (m->nprony == 0) return 0.0;
  double P[9], S[9], W = 0.0, se[6];
  if (iso_eval(m, F, P, NULL, &W, S)) return 0.0;
  sym_to6(S, se);
  const double s2 = sym6_dot(se, se), tiny = NS_QLV_RHO_TINY * m->mu;
  const double rho = s2 > tiny * tiny ? 4.0 * m->mu * W / s2 : 1.0;
  double e = 0.0;
  for (int i = 0; i < m->nprony; i++)
    if (m->g[i] > 0.0) e += sym6_dot(state + 6 * i, state + 6 * i) / (4.0 * m->mu * m->g[i]);
  return rho * e;
}

/* (1 - phi(x))/x = (x - 1 + e^-x)/x^2 for x > 0: sum_{k>=2} (-1)^k x^(k-2) / k!. */
static double qlv_mean_weight(double x) {
  if (x >= NS_QLV_MEAN_SERIES_X) return (x + expm1(-x)) / (x * x);
  double s = 0.0, xp = 1.0, fact = 2.0;
  for (int k = 2; k < 2 + NS_QLV_MEAN_SERIES_TERMS; k++) {
    s += ((k % 2) ? -1.0 : 1.0) * xp / fact;
    xp *= x;
    fact *= (double)(k + 1);
  }
  return s;
}

/* Green-Lagrange strain E = (F^T F - I)/2 in the 6-vector storage. */
static void green6(const double F[9], double E[6]) {
  double C[9];
  for (int I = 0; I < 3; I++)
    for (int K = 0; K < 3; K++) C[3 * I + K] = F[I] * F[K] + F[3 + I] * F[3 + K] + F[6 + I] * F[6 + K];
  C[0] -= 1.0;
  C[4] -= 1.0;
  C[8] -= 1.0;
  sym_to6(C, E);
  for (int c = 0; c < 6; c++) E[c] *= 0.5;
}

static double qlv_work_raw(const struct ns_material *m, const double F_old[9], const double F_new[9], double dt,
                           const double *state_old, const double *state_new) {
  const int n = m->nprony;
  if (n == 0 || !(dt > 0.0)) return 0.0;
  double Eo[6], En[6], dE[6], dS[6];
  green6(F_old, Eo);
  green6(F_new, En);
  for (int c = 0; c < 6; c++) {
    dE[c] = En[c] - Eo[c];
    dS[c] = state_new[6 * n + c] - state_old[6 * n + c];
  }
  /* Branch i over the step (s in [0, dt]): H(s) = H^n e^(-s/tau) + g dS_e tau/dt (1 - e^(-s/tau)),
   * whose mean is H^n phi(x) + g dS_e (1 - phi(x))/x; with E linear in time the work is dE : mean. */
  double w = 0.0;
  for (int i = 0; i < n; i++) {
    const double x = dt / m->tau[i];
    const double phi = x > NS_QLV_TINY_STEP ? -expm1(-x) / x : 1.0, q = qlv_mean_weight(x);
    double Hm[6];
    for (int c = 0; c < 6; c++) Hm[c] = state_old[6 * i + c] * phi + m->g[i] * dS[c] * q;
    w += sym6_dot(Hm, dE);
  }
  return w;
}

/* ---- in-vivo pre-stretch (header: F0 = diag(lambda, lambda, lambda_z), grid = in-vivo state) ----- */

int ns_material_has_prestretch(const struct ns_material *m) {
  return m->prestretch > 0.0 && !(m->prestretch == 1.0 && m->prestretch_z == 1.0);
}

/* Diagonal of F0 (lambda_z on the normal axis) and J0 = det F0. */
static double pre_diag(const struct ns_material *m, double f0[3]) {
  for (int a = 0; a < 3; a++) f0[a] = a == m->fibre_normal_axis ? m->prestretch_z : m->prestretch;
  return f0[0] * f0[1] * f0[2];
}

/* F F0: column J of F scaled by f0[J]. */
static void pre_total(const double f0[3], const double F[9], double Ft[9]) {
  for (int i = 0; i < 9; i++) Ft[i] = F[i] * f0[i % 3];
}

/* Pull P(F F0) and A(F F0) back to the grid: P^ = P F0^T / J0, A^_iJkL = A_iJkL f0_J f0_L / J0. */
static void pre_pull(const double f0[3], double J0, double P[9], double A[81]) {
  for (int i = 0; i < 9; i++) P[i] *= f0[i % 3] / J0;
  if (!A)
    return;
  for (int r = 0; r < 81; r++) A[r] *= f0[(r / 9) % 3] * f0[r % 3] / J0;
}

int ns_material_iso(const struct ns_material *m, const double F[9], double P[9], double A[81], double *W) {
  if (!ns_material_has_prestretch(m)) return iso_eval(m, F, P, A, W, NULL);
  double f0[3], Ft[9], F0[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, P0[9], W0 = 0.0;
  const double J0 = pre_diag(m, f0);
  pre_total(f0, F, Ft);
  if (iso_eval(m, Ft, P, A, W, NULL)) return 1;
  if (W) {
    F0[0] = f0[0];
    F0[4] = f0[1];
    F0[8] = f0[2];
    if (iso_eval(m, F0, P0, NULL, &W0, NULL)) return 1;
    *W = (*W - W0) / J0;
  }
  pre_pull(f0, J0, P, A);
  return 0;
}

void ns_material_vol(const struct ns_material *m, double J, double *U, double *dU, double *d2U) {
  if (!ns_material_has_prestretch(m)) {
    vol_raw(m, J, U, dU, d2U);
    return;
  }
  double f0[3], u0 = 0.0, u = 0.0, d2 = 0.0;
  const double J0 = pre_diag(m, f0);
  vol_raw(m, J0 * J, U ? &u : NULL, dU, d2U ? &d2 : NULL);
  if (U) {
    vol_raw(m, J0, &u0, NULL, NULL);
    *U = (u - u0) / J0;
  }
  if (d2U) *d2U = J0 * d2;
}

void ns_material_state_init(const struct ns_material *m, double *state) {
  size_t n = ns_material_state_size(m);
  for (size_t i = 0; i < n; i++) state[i] = 0.0;
  if (n == 0 || !ns_material_has_prestretch(m)) return;
  /* Relaxed pre-stress: H_i = 0, last committed S_e = S_e(F0). */
  double f0[3], F0[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, P0[9], S0[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  (void)pre_diag(m, f0);
  F0[0] = f0[0];
  F0[4] = f0[1];
  F0[8] = f0[2];
  if (iso_eval(m, F0, P0, NULL, NULL, S0)) return;
  sym_to6(S0, state + 6 * (size_t)m->nprony);
}

int ns_material_iso_visco(const struct ns_material *m, const double F[9], double dt, const double *state_old,
                          double *state_new, double P[9], double A[81]) {
  if (!ns_material_has_prestretch(m)) return visco_raw(m, F, dt, state_old, state_new, P, A);
  double f0[3], Ft[9];
  const double J0 = pre_diag(m, f0);
  pre_total(f0, F, Ft);
  if (visco_raw(m, Ft, dt, state_old, state_new, P, A)) return 1;
  pre_pull(f0, J0, P, A);
  return 0;
}

double ns_material_qlv_energy(const struct ns_material *m, const double F[9], const double *state) {
  if (!ns_material_has_prestretch(m)) return qlv_energy_raw(m, F, state);
  double f0[3], Ft[9];
  const double J0 = pre_diag(m, f0);
  pre_total(f0, F, Ft);
  return qlv_energy_raw(m, Ft, state) / J0;
}

double ns_material_qlv_work(const struct ns_material *m, const double F_old[9], const double F_new[9], double dt,
                            const double *state_old, const double *state_new) {
  if (!ns_material_has_prestretch(m)) return qlv_work_raw(m, F_old, F_new, dt, state_old, state_new);
  double f0[3], Fo[9], Fn[9];
  const double J0 = pre_diag(m, f0);
  pre_total(f0, F_old, Fo);
  pre_total(f0, F_new, Fn);
  return qlv_work_raw(m, Fo, Fn, dt, state_old, state_new) / J0;
}

/* Long-term copy of m: relaxed moduli (mu and fibre_k1 times g_inf), no Prony terms, no pre-stretch. */
static struct ns_material long_term(const struct ns_material *m) {
  struct ns_material l = *m;
  double g_inf = 1.0;
  for (int i = 0; i < m->nprony; i++) g_inf -= m->g[i];
  l.mu *= g_inf;
  l.fibre_k1 *= g_inf;
  l.nprony = 0;
  l.prestretch = l.prestretch_z = 1.0;
  return l;
}

/* Long-term Cauchy stress (9) at F0 = diag(lambda, lambda, lambda_z) of the law l (no pre-stretch). */
static int long_term_cauchy(const struct ns_material *l, double lambda, double lz, double sig[9]) {
  double F0[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0}, P[9], dU = 0.0;
  for (int a = 0; a < 3; a++) F0[4 * a] = a == l->fibre_normal_axis ? lz : lambda;
  const double J0 = lambda * lambda * lz;
  if (iso_eval(l, F0, P, NULL, NULL, NULL)) return 1;
  vol_raw(l, J0, NULL, &dU, NULL);
  /* sigma = P F0^T / J0 + U'(J0) I (F0 diagonal). */
  for (int i = 0; i < 9; i++) sig[i] = P[i] * F0[4 * (i % 3)] / J0 + (i % 4 == 0 ? dU : 0.0);
  return !all_finite(sig, 9);
}

/* The bracket of the lambda_z search, a factor on either side of the incompressible lambda^-2 (a
 * Poisson ratio down to about -0.5 stays inside: lambda_z = lambda^(-2 nu/(1-nu)) at small strain). */
#define NS_PRESTRETCH_BRACKET 4.0
/* Bisection steps in ln lambda_z: the bracket of width ln 16 halves below 1e-16 relative in 60. */
#define NS_PRESTRETCH_BISECT 200

enum ns_status ns_material_set_prestretch(struct ns_material *m, double lambda, struct ns_err *err) {
  if (!(isfinite(lambda) && lambda >= 1.0))
    return ns_err_set(err, NS_EINPUT, "material: pre-stretch must be finite and >= 1, got %g", lambda);
  if (lambda == 1.0) {
    m->prestretch = m->prestretch_z = 1.0;
    return NS_OK;
  }
  const struct ns_material l = long_term(m);
  const int a = m->fibre_normal_axis;
  double lo = log(1.0 / (lambda * lambda * NS_PRESTRETCH_BRACKET));
  double hi = log(NS_PRESTRETCH_BRACKET / (lambda * lambda));
  double sig[9];
  if (long_term_cauchy(&l, lambda, exp(lo), sig) || !(sig[4 * a] < 0.0) || long_term_cauchy(&l, lambda, exp(hi), sig) ||
      !(sig[4 * a] > 0.0))
    return ns_err_set(err, NS_EINPUT,
                      "material: no through-thickness stretch in [%g, %g] makes the pre-stretched state (lambda = "
                      "%g) plane-stress",
                      exp(lo), exp(hi), lambda);
  for (int it = 0; it < NS_PRESTRETCH_BISECT && hi - lo > 0.0; it++) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (long_term_cauchy(&l, lambda, exp(mid), sig))
      return ns_err_set(err, NS_EINPUT, "material: pre-stretch %g: law not finite", lambda);
    if (sig[4 * a] < 0.0)
      lo = mid;
    else
      hi = mid;
  }
  m->prestretch = lambda;
  m->prestretch_z = exp(0.5 * (lo + hi));
  return NS_OK;
}

int ns_material_prestress(const struct ns_material *m, double sigma[6]) {
  for (int c = 0; c < 6; c++) sigma[c] = 0.0;
  if (!ns_material_has_prestretch(m)) return 0;
  const struct ns_material l = long_term(m);
  double sig[9];
  if (long_term_cauchy(&l, m->prestretch, m->prestretch_z, sig)) return 1;
  sym_to6(sig, sigma);
  return 0;
}
