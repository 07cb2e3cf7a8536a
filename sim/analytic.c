/* analytic.c — analytical reference solutions (see include/needlesim/analytic.h for sources).
 *
 * Public functions:
 *   ns_analytic_flat_punch_force, ns_analytic_cone_force, ns_analytic_cone_contact_radius,
 *   ns_analytic_hertz_force, ns_analytic_hertz_contact_radius     rigid indenters on a half-space
 *   ns_analytic_lame_u, ns_analytic_lame_stress                     elastic Lame problems
 *   ns_analytic_compliance, ns_analytic_compliance_eval             Prony step-response compliances
 *   ns_analytic_lame_visco_init, _u, _u_inner                        viscoelastic Lame problems
 *   ns_analytic_principal_cauchy, ns_analytic_uniaxial, ns_analytic_equibiaxial
 *                                                                   homogeneous finite-strain states
 *
 * Indentation. Sneddon (1965) gives, for a rigid axisymmetric punch of profile z = f(r) whose
 * contact radius is a, with x = r/a:
 *   depth  d = int_0^1 f'(x) dx / sqrt(1 - x^2),
 *   load   F = 2 E* a int_0^1 x (d - f(x)) dx / sqrt(1 - x^2),   E* = E/(1 - nu^2)
 * (his 4 mu/(1 - nu) = 2 E*). A flat end (f = 0, x < 1) gives F = 2 E* a d. A cone of half-angle
 * theta, f = a x cot(theta), gives d = (pi/2) a cot(theta), F = (pi/2) E* a^2 cot(theta)
 * = (2/pi) E* tan(theta) d^2. A paraboloid f = a^2 x^2/(2R) gives d = a^2/R,
 * F = (4/3) E* a^3/R = (4/3) E* R^(1/2) d^(3/2), Hertz's result for a sphere of radius R. The
 * unit test recomputes the two integrals by quadrature as an independent check.
 *
 * Lame. With u = A r + B/r^2 (sphere) or u = A r + B/r (cylinder, plane strain), Hooke's law and
 * sigma_rr(a) = -p, sigma_rr(b) = 0 give
 *   sphere:    3K A = p a^3/(b^3 - a^3),          4G B = p a^3 b^3/(b^3 - a^3)
 *   cylinder:  2(K + G/3) A = p a^2/(b^2 - a^2),  2G B = p a^2 b^2/(b^2 - a^2)
 * (2(lambda + G) = 2(K + G/3) in plane strain). The stresses depend on p and the geometry only.
 *
 * Viscoelastic Lame (derivation). Take G(t) = G0 (g_inf + sum_i g_i e^(-t/tau_i)), K constant,
 * small strain, p(t) = p H(t). By the correspondence principle (Lee 1955) the Laplace transform of
 * the solution is the elastic solution with p -> p/s and each modulus M -> s Mbar(s); here
 * s Gbar(s) = G0 f(s), f(s) = g_inf + sum_i g_i s/(s + w_i), w_i = 1/tau_i. The elastic u is
 * linear in 1/K, 1/G (sphere) or 1/(K + G/3), 1/G (cylinder), so
 *   ubar(s) = p [ alpha/(s K) + beta/(s G0 f(s)) ]                     sphere
 *   ubar(s) = p [ alpha'/(s (K + G0 f(s)/3)) + beta/(s G0 f(s)) ]      cylinder
 * and each term is the step response C(t) of 1/(s h(s)) with h(s) = c0 + c1 f(s), c1 > 0, c0 >= 0.
 * f is a rational function with simple poles at -w_i and f'(s) = sum g_i w_i/(s + w_i)^2 > 0, so
 * h increases strictly between consecutive poles, from -infinity (just right of a pole, where
 * g_i s/(s + w_i) -> -infinity since s < 0) to +infinity (just left of the next pole), and on
 * (-w_min, 0] from -infinity to h(0) = c0 + c1 g_inf > 0. Hence h has exactly one real root s_j
 * in each of those n intervals, n roots for n distinct nonzero Prony terms, all negative; these
 * are all the zeros of the numerator polynomial of h (degree n), so 1/(s h(s)) has simple poles at
 * 0 and s_j only and the residue theorem gives
 *   C(t) = 1/h(0) + sum_j e^(s_j t)/(s_j h'(s_j)),     t >= 0.
 * Checks: C(0) = 1/h(infinity) = 1/(c0 + c1) (initial-value theorem: the instantaneous response
 * with G0) and C(infinity) = 1/(c0 + c1 g_inf) (the long-term response with g_inf G0). For one
 * term the root is s_1 = -w (c0 + c1 g_inf)/(c0 + c1), the standard-linear-solid retardation rate.
 * The roots are found by bisection inside each interval (never evaluating at a pole), which
 * converges to the last representable bit since h is monotone there.
 *
 * Homogeneous states. The principal Cauchy stresses of the decoupled law are
 *   sigma_a = (2 mu/(alpha J)) (lbar_a^alpha - (1/3) sum_b lbar_b^alpha) + U'(J)
 * (derived from W = (2 mu/alpha^2) sum (lbar^alpha - 1) + U(J) via sigma_a = (l_a/J) dW/dl_a;
 * alpha = 2 is neo-Hookean; U'(J) = kappa (J - 1) for the quadratic volumetric law and
 * (kappa/2)(J - 1/J) for the logarithmic one, material.h). The free stretch of uniaxial or
 * equibiaxial stress is the root of the free principal stress, bracketed by doubling/halving from
 * the isochoric guess and found by bisection to the last bit. The nominal stress is evaluated as
 * J (sigma_1 - sigma_free)/l_1, which is exact at the root and free of the cancellation in
 * U'(J) when kappa >> mu.
 */
#include "needlesim/analytic.h"

#include <math.h>
#include <string.h>

/* pi (M_PI is not in ISO C). */
#define NS_PI 3.14159265358979323846

/* Bracket expansions (factor 2 each) before giving up on finding a sign change; 2^200 covers any
 * stretch representable in double precision many times over. */
enum { NS_ANALYTIC_MAX_EXPAND = 200 };

/* Bisection steps: each halves the bracket, so 2100 steps exhaust any double interval (the loop
 * stops earlier, when the midpoint equals an end). */
enum { NS_ANALYTIC_MAX_BISECT = 2100 };

/* ---- 1. indentation ------------------------------------------------------------------------- */

double ns_analytic_flat_punch_force(double E, double nu, double radius, double depth) {
  return 2.0 * radius * E * depth / (1.0 - nu * nu);
}

double ns_analytic_cone_force(double E, double nu, double half_angle, double depth) {
  return 2.0 / NS_PI * tan(half_angle) * E / (1.0 - nu * nu) * depth * depth;
}

double ns_analytic_cone_contact_radius(double half_angle, double depth) { return 2.0 / NS_PI * depth * tan(half_angle); }

double ns_analytic_hertz_force(double E, double nu, double R, double depth) {
  return 4.0 / 3.0 * E / (1.0 - nu * nu) * sqrt(R) * depth * sqrt(depth);
}

double ns_analytic_hertz_contact_radius(double R, double depth) { return sqrt(R * depth); }

/* ---- 2. Lame ---------------------------------------------------------------------------------- */

double ns_analytic_lame_u(enum ns_lame_geometry geom, double a, double b, double p, double K, double G, double r) {
  if (geom == NS_LAME_SPHERE) {
    double b3 = b * b * b, a3 = a * a * a;
    return p * a3 / (b3 - a3) * (r / (3.0 * K) + b3 / (4.0 * G * r * r));
  }
  double b2 = b * b, a2 = a * a;
  return p * a2 / (b2 - a2) * (r / (2.0 * (K + G / 3.0)) + b2 / (2.0 * G * r));
}

void ns_analytic_lame_stress(enum ns_lame_geometry geom, double a, double b, double p, double r, double *srr,
                             double *stt) {
  if (geom == NS_LAME_SPHERE) {
    double c = p * a * a * a / (b * b * b - a * a * a), q = b * b * b / (r * r * r);
    if (srr) *srr = c * (1.0 - q);
    if (stt) *stt = c * (1.0 + 0.5 * q);
    return;
  }
  double c = p * a * a / (b * b - a * a), q = b * b / (r * r);
  if (srr) *srr = c * (1.0 - q);
  if (stt) *stt = c * (1.0 + q);
}

/* h(s) = c0 + c1 (g_inf + sum g_i s/(s + w_i)) and h'(s). */
static double h_eval(double c0, double c1, double ginf, int n, const double *g, const double *w, double s) {
  double f = ginf;
  for (int i = 0; i < n; i++) f += g[i] * s / (s + w[i]);
  return c0 + c1 * f;
}

static double h_deriv(double c1, int n, const double *g, const double *w, double s) {
  double d = 0.0;
  for (int i = 0; i < n; i++) d += g[i] * w[i] / ((s + w[i]) * (s + w[i]));
  return c1 * d;
}

enum ns_status ns_analytic_compliance(double c0, double c1, int nprony, const double *g, const double *tau,
                                      struct ns_compliance *out, struct ns_err *err) {
  memset(out, 0, sizeof *out);
  if (!(isfinite(c0) && c0 >= 0.0 && isfinite(c1) && c1 > 0.0))
    return ns_err_set(err, NS_EINPUT, "analytic: compliance needs c0 >= 0 and c1 > 0, got %g and %g", c0, c1);
  if (nprony < 0 || nprony > NS_MAX_PRONY)
    return ns_err_set(err, NS_EINPUT, "analytic: %d Prony terms, expected 0..%d", nprony, NS_MAX_PRONY);
  /* Distinct nonzero terms, merged by relaxation time and sorted by rate w = 1/tau ascending. */
  double gg[NS_MAX_PRONY], w[NS_MAX_PRONY], gsum = 0.0;
  int n = 0;
  for (int i = 0; i < nprony; i++) {
    if (!(isfinite(g[i]) && g[i] >= 0.0 && isfinite(tau[i]) && tau[i] > 0.0))
      return ns_err_set(err, NS_EINPUT, "analytic: Prony term %d (g %g, tau %g s) invalid", i + 1, g[i], tau[i]);
    gsum += g[i];
    if (g[i] == 0.0) continue;
    int k = 0;
    while (k < n && w[k] != 1.0 / tau[i]) k++;
    if (k < n) {
      gg[k] += g[i];
      continue;
    }
    int pos = n;
    while (pos > 0 && w[pos - 1] > 1.0 / tau[i]) {
      w[pos] = w[pos - 1];
      gg[pos] = gg[pos - 1];
      pos--;
    }
    w[pos] = 1.0 / tau[i];
    gg[pos] = g[i];
    n++;
  }
  if (!(gsum < 1.0)) return ns_err_set(err, NS_EINPUT, "analytic: Prony moduli sum to %g, must be < 1", gsum);
  const double ginf = 1.0 - gsum;
  out->n = n;
  out->c_inf = 1.0 / (c0 + c1 * ginf);
  for (int j = 0; j < n; j++) {
    /* Root in (-w_j, -w_{j-1}) (with w_{-1} = 0): h runs from -inf to a positive value. */
    double lo = -w[j], hi = j == 0 ? 0.0 : -w[j - 1];
    double mid = 0.5 * (lo + hi);
    for (int it = 0; it < NS_ANALYTIC_MAX_BISECT; it++) {
      mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      if (h_eval(c0, c1, ginf, n, gg, w, mid) < 0.0)
        lo = mid;
      else
        hi = mid;
    }
    out->rate[j] = -mid;
    out->amp[j] = 1.0 / (mid * h_deriv(c1, n, gg, w, mid));
  }
  return NS_OK;
}

double ns_analytic_compliance_eval(const struct ns_compliance *c, double t) {
  if (t < 0.0) return 0.0;
  double v = c->c_inf;
  for (int j = 0; j < c->n; j++) v += c->amp[j] * exp(-c->rate[j] * t);
  return v;
}

enum ns_status ns_analytic_lame_visco_init(struct ns_lame_visco *L, enum ns_lame_geometry geom, double a, double b,
                                           double p, const struct ns_material *m, struct ns_err *err) {
  memset(L, 0, sizeof *L);
  if (!(a > 0.0 && b > a && isfinite(b) && isfinite(p)))
    return ns_err_set(err, NS_EINPUT, "analytic: Lame problem needs 0 < a < b and finite p, got a %g, b %g, p %g", a,
                      b, p);
  NS_TRY(ns_material_check(m, err));
  L->geom = geom;
  L->a = a;
  L->b = b;
  L->p = p;
  L->K = m->kappa;
  NS_TRY(ns_analytic_compliance(0.0, m->mu, m->nprony, m->g, m->tau, &L->shear, err));
  if (geom == NS_LAME_CYLINDER_PLANE_STRAIN)
    NS_TRY(ns_analytic_compliance(m->kappa, m->mu / 3.0, m->nprony, m->g, m->tau, &L->bulk, err));
  return NS_OK;
}

double ns_analytic_lame_visco_u(const struct ns_lame_visco *L, double r, double t) {
  if (t < 0.0) return 0.0;
  double a = L->a, b = L->b, p = L->p;
  double J = ns_analytic_compliance_eval(&L->shear, t);
  if (L->geom == NS_LAME_SPHERE) {
    double b3 = b * b * b, a3 = a * a * a;
    return p * a3 / (b3 - a3) * (r / (3.0 * L->K) + b3 / (4.0 * r * r) * J);
  }
  double b2 = b * b, a2 = a * a;
  double M = ns_analytic_compliance_eval(&L->bulk, t);
  return p * a2 / (b2 - a2) * (0.5 * r * M + b2 / (2.0 * r) * J);
}

double ns_analytic_lame_visco_u_inner(const struct ns_lame_visco *L, double t) {
  return ns_analytic_lame_visco_u(L, L->a, t);
}

/* ---- 3. homogeneous finite-strain states ------------------------------------------------------ */

void ns_analytic_principal_cauchy(const struct ns_material *m, const double l[3], double sig[3]) {
  double J = l[0] * l[1] * l[2];
  double alpha = m->model == NS_HYPER_OGDEN ? m->alpha : 2.0;
  double Jm13 = 1.0 / cbrt(J), pw[3], mean = 0.0;
  for (int a = 0; a < 3; a++) {
    pw[a] = pow(l[a] * Jm13, alpha);
    mean += pw[a] / 3.0;
  }
  /* Pressure U'(J) of the volumetric law, written out here (not taken from material.c). */
  const double dU = m->vol_law == NS_VOL_LOGARITHMIC ? 0.5 * m->kappa * (J - 1.0 / J) : m->kappa * (J - 1.0);
  for (int a = 0; a < 3; a++) sig[a] = 2.0 * m->mu / (alpha * J) * (pw[a] - mean) + dU;
}

/* Free principal stress sigma_free as a function of the free stretch x: the loading pattern is
 * l = (s, x, x) (uniaxial, free index 1) or (s, s, x) (equibiaxial, free index 2). */
static double free_stress(const struct ns_material *m, int biaxial, double s, double x) {
  double l[3] = {s, biaxial ? s : x, x}, sig[3];
  ns_analytic_principal_cauchy(m, l, sig);
  return sig[2];
}

static enum ns_status solve_free(const struct ns_material *m, int biaxial, double s, double *x_out,
                                 double *nominal, struct ns_err *err) {
  NS_TRY(ns_material_check(m, err));
  if (!(isfinite(s) && s > 0.0)) return ns_err_set(err, NS_EINPUT, "analytic: stretch must be > 0, got %g", s);
  /* Isochoric guess: x = s^(-1/2) (uniaxial) or s^(-2) (equibiaxial). sigma_free increases with
   * x (more lateral stretch means more lateral tension), so expand lo down until the stress is
   * negative and hi up until it is positive. */
  double x0 = biaxial ? 1.0 / (s * s) : 1.0 / sqrt(s);
  double lo = x0, hi = x0;
  int it = 0;
  while (free_stress(m, biaxial, s, lo) > 0.0 && it++ < NS_ANALYTIC_MAX_EXPAND) lo *= 0.5;
  it = 0;
  while (free_stress(m, biaxial, s, hi) < 0.0 && it++ < NS_ANALYTIC_MAX_EXPAND) hi *= 2.0;
  double flo = free_stress(m, biaxial, s, lo), fhi = free_stress(m, biaxial, s, hi);
  if (!(flo <= 0.0 && fhi >= 0.0))
    return ns_err_set(err, NS_EINTERNAL, "analytic: no sign change of the free stress for stretch %g", s);
  double x = 0.5 * (lo + hi);
  if (flo == 0.0) x = lo;
  else if (fhi == 0.0) x = hi;
  else
    for (it = 0; it < NS_ANALYTIC_MAX_BISECT; it++) {
      x = 0.5 * (lo + hi);
      if (x <= lo || x >= hi) break;
      double f = free_stress(m, biaxial, s, x);
      if (f == 0.0) break;
      if (f < 0.0)
        lo = x;
      else
        hi = x;
    }
  double l[3] = {s, biaxial ? s : x, x}, sig[3];
  ns_analytic_principal_cauchy(m, l, sig);
  if (x_out) *x_out = x;
  /* sigma_free vanishes at the root up to rounding of U'(J), which for nearly
   * incompressible materials (kappa >> mu) is large compared with the stress itself; subtracting
   * it removes the volumetric term exactly, so the nominal stress keeps full relative accuracy. */
  if (nominal) *nominal = l[0] * l[1] * l[2] * (sig[0] - sig[2]) / s;
  return NS_OK;
}

enum ns_status ns_analytic_uniaxial(const struct ns_material *m, double stretch, double *lat, double *nominal,
                                    struct ns_err *err) {
  return solve_free(m, 0, stretch, lat, nominal, err);
}

enum ns_status ns_analytic_equibiaxial(const struct ns_material *m, double stretch, double *l3, double *nominal,
                                       struct ns_err *err) {
  return solve_free(m, 1, stretch, l3, nominal, err);
}
