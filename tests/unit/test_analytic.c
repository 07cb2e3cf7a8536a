/* test_analytic.c — unit tests of the analytical reference solutions (sim/analytic.c).
 *
 * Each reference is checked against something independent of its own formula:
 *   - indentation: Sneddon's general load/penetration integrals evaluated by quadrature, the
 *     contact-stiffness identity dF/dd = 2 E* a, and values computed by hand (Python);
 *   - elastic Lame: the displacement satisfies Hooke's law, equilibrium and both boundary
 *     conditions (finite differences), the incompressible limit and the thin-wall (Laplace) limit;
 *   - viscoelastic Lame: t -> 0 and t -> infinity equal the elastic solutions with the
 *     instantaneous and long-term moduli, the compliance satisfies the convolution identity with
 *     its relaxation function in closed form, the one-term case matches the standard-linear-solid
 *     retardation time, and a time-stepping solution of the Volterra equation converges to it at
 *     second order;
 *   - homogeneous finite strain: incompressible closed forms (neo-Hookean, Ogden), small-strain
 *     E and nu, and sim/material.c (a separate implementation of the same law).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four headers above first. */
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "needlesim/analytic.h"
#include "needlesim/material.h"

#define PI 3.14159265358979323846

static void check_le(const char *what, double err, double tol) {
  print_message("  %-62s err %.3e  (tol %.1e)\n", what, err, tol);
  assert_true(err <= tol);
}

static double rel(double got, double want) { return fabs(got - want) / fabs(want); }

/* ---- 1. indentation --------------------------------------------------------------------------- */

/* Sneddon's integrals for a profile f(x) (x = r/a, f in metres): d = int_0^1 f'(x)/sqrt(1-x^2),
 * F = 2 E* a int_0^1 x (d - f(x))/sqrt(1-x^2). With x = sin(phi) both become smooth integrals over
 * phi in [0, pi/2], done with composite Simpson (2000 panels: error ~1e-15 for these analytic,
 * periodic-like integrands). */
enum { PROFILE_CONE, PROFILE_PARABOLOID };
static double prof(int kind, double a, double c, double x, int deriv) {
  if (kind == PROFILE_CONE) return deriv ? a * c : a * c * x; /* c = cot(theta) */
  return deriv ? a * a * x / c : a * a * x * x / (2.0 * c);    /* c = R */
}

static void sneddon_quadrature(int kind, double a, double c, double Estar, double *d, double *F) {
  const int n = 2000;
  const double h = 0.5 * PI / n;
  double sd = 0.0;
  for (int k = 0; k <= n; k++) {
    double wgt = (k == 0 || k == n) ? 1.0 : (k % 2 ? 4.0 : 2.0);
    sd += wgt * prof(kind, a, c, sin(k * h), 1);
  }
  *d = sd * h / 3.0;
  double sf = 0.0;
  for (int k = 0; k <= n; k++) {
    double wgt = (k == 0 || k == n) ? 1.0 : (k % 2 ? 4.0 : 2.0);
    double x = sin(k * h);
    sf += wgt * x * (*d - prof(kind, a, c, x, 0));
  }
  *F = 2.0 * Estar * a * sf * h / 3.0;
}

static void test_indentation_sneddon_integrals(void **st) {
  (void)st;
  const double E = 23.7e3, nu = 0.43, Es = E / (1.0 - nu * nu);
  /* 1e-12: the quadrature error is ~1e-15 and the formulas are a few operations. */
  const double tol = 1e-12;
  double worst = 0.0;
  for (int k = 0; k < 3; k++) {
    double theta = (10.0 + 25.0 * k) * PI / 180.0, a = 31e-6 * (k + 1);
    double d, F;
    sneddon_quadrature(PROFILE_CONE, a, 1.0 / tan(theta), Es, &d, &F);
    worst = fmax(worst, rel(ns_analytic_cone_force(E, nu, theta, d), F));
    worst = fmax(worst, rel(ns_analytic_cone_contact_radius(theta, d), a));
  }
  check_le("cone: F(d) and a(d) vs Sneddon integrals", worst, tol);
  worst = 0.0;
  for (int k = 0; k < 3; k++) {
    double R = 40e-6 * (k + 1), a = 13e-6 * (k + 1);
    double d, F;
    sneddon_quadrature(PROFILE_PARABOLOID, a, R, Es, &d, &F);
    worst = fmax(worst, rel(ns_analytic_hertz_force(E, nu, R, d), F));
    worst = fmax(worst, rel(ns_analytic_hertz_contact_radius(R, d), a));
  }
  check_le("sphere: Hertz F(d) and a(d) vs Sneddon integrals (paraboloid)", worst, tol);
  /* Flat end: f = 0 inside the contact, so F = 2 E* a d int_0^1 x/sqrt(1-x^2) dx = 2 E* a d. */
  check_le("flat punch: F = 2 E* a d", rel(ns_analytic_flat_punch_force(E, nu, 40e-6, 1e-4), 2.0 * Es * 40e-6 * 1e-4),
           1e-15);
}

static void test_indentation_hand_values(void **st) {
  (void)st;
  /* E = 10 kPa, nu = 0.45, d = 100 um; cone half-angle 15 deg, sphere R = 50 um, punch a = 40 um.
   * Values evaluated by hand with Python from the literature formulas:
   *   cone  (2/pi) tan(15 deg) E/(1-nu^2) d^2   = 2.1389561616498883e-05 N
   *   Hertz (4/3) E/(1-nu^2) sqrt(R) d^1.5       = 1.1822056947737472e-04 N
   *   flat  2 E a d/(1-nu^2)                     = 1.0031347962382446e-04 N
   * (1e-14: last-digit rounding differences between the two evaluations.) */
  const double E = 10e3, nu = 0.45, d = 100e-6;
  check_le("cone hand value", rel(ns_analytic_cone_force(E, nu, 15.0 * PI / 180.0, d), 2.1389561616498883e-05),
           1e-14);
  check_le("Hertz hand value", rel(ns_analytic_hertz_force(E, nu, 50e-6, d), 1.1822056947737472e-04), 1e-14);
  check_le("flat punch hand value", rel(ns_analytic_flat_punch_force(E, nu, 40e-6, d), 1.0031347962382446e-04),
           1e-14);
  /* A sharper cone needs less force at the same depth (half-angle convention). */
  assert_true(ns_analytic_cone_force(E, nu, 10.0 * PI / 180.0, d) < ns_analytic_cone_force(E, nu, 30.0 * PI / 180.0, d));
}

static void test_indentation_stiffness(void **st) {
  (void)st;
  /* For any axisymmetric rigid punch on a half-space dF/dd = 2 E* a (Pharr, Oliver & Brotzen
   * 1992, J. Mater. Res. 7:613), an identity independent of the individual load formulas. Central
   * differences with h = 1e-5 d: truncation ~h^2 ~1e-10, rounding ~eps/h ~1e-11; tol 1e-8. */
  const double E = 17.3e3, nu = 0.38, Es = E / (1.0 - nu * nu), d = 73e-6, h = 1e-5 * d;
  double worst = 0.0;
  for (int k = 0; k < 3; k++) {
    double theta = (12.0 + 20.0 * k) * PI / 180.0;
    double dF = (ns_analytic_cone_force(E, nu, theta, d + h) - ns_analytic_cone_force(E, nu, theta, d - h)) / (2 * h);
    worst = fmax(worst, rel(dF, 2.0 * Es * ns_analytic_cone_contact_radius(theta, d)));
    double R = 25e-6 * (k + 1);
    dF = (ns_analytic_hertz_force(E, nu, R, d + h) - ns_analytic_hertz_force(E, nu, R, d - h)) / (2 * h);
    worst = fmax(worst, rel(dF, 2.0 * Es * ns_analytic_hertz_contact_radius(R, d)));
  }
  check_le("dF/dd = 2 E* a (cone, Hertz)", worst, 1e-8);
}

/* ---- 2. elastic Lame ------------------------------------------------------------------------------ */

static void test_lame_elastic_bvp(void **st) {
  (void)st;
  /* u(r) must give, through Hooke's law, the stresses of ns_analytic_lame_stress; those must
   * satisfy sigma_rr(a) = -p, sigma_rr(b) = 0 and equilibrium
   * d sigma_rr/dr + k (sigma_rr - sigma_tt)/r = 0 (k = 2 sphere, 1 cylinder). Derivatives by
   * central differences, h = 1e-5 r: error ~1e-10 relative; tol 1e-8 relative to p. */
  const double a = 1.3e-3, b = 2.9e-3, p = 4.7e3, K = 8.1e4, G = 1.9e4, lam = K - 2.0 * G / 3.0;
  for (int geom = 0; geom < 2; geom++) {
    enum ns_lame_geometry gm = geom == 0 ? NS_LAME_SPHERE : NS_LAME_CYLINDER_PLANE_STRAIN;
    double k = geom == 0 ? 2.0 : 1.0;
    double srr, stt, worst_hooke = 0.0, worst_eq = 0.0;
    ns_analytic_lame_stress(gm, a, b, p, a, &srr, &stt);
    double bc = fabs(srr + p) / p;
    ns_analytic_lame_stress(gm, a, b, p, b, &srr, &stt);
    bc = fmax(bc, fabs(srr) / p);
    for (int i = 0; i <= 10; i++) {
      double r = a + (b - a) * i / 10.0, h = 1e-5 * r;
      double up = ns_analytic_lame_u(gm, a, b, p, K, G, r + h), um = ns_analytic_lame_u(gm, a, b, p, K, G, r - h);
      double u = ns_analytic_lame_u(gm, a, b, p, K, G, r);
      double er = (up - um) / (2 * h), et = u / r, tr = er + k * et;
      double srr_h = lam * tr + 2 * G * er, stt_h = lam * tr + 2 * G * et;
      ns_analytic_lame_stress(gm, a, b, p, r, &srr, &stt);
      worst_hooke = fmax(worst_hooke, fmax(fabs(srr_h - srr), fabs(stt_h - stt)) / p);
      double sp, sm, dummy;
      ns_analytic_lame_stress(gm, a, b, p, r + h, &sp, &dummy);
      ns_analytic_lame_stress(gm, a, b, p, r - h, &sm, &dummy);
      worst_eq = fmax(worst_eq, fabs((sp - sm) / (2 * h) * r + k * (srr - stt)) / p);
    }
    print_message("  %s:\n", geom == 0 ? "sphere" : "cylinder (plane strain)");
    check_le("boundary conditions sigma_rr(a) = -p, sigma_rr(b) = 0", bc, 1e-14);
    check_le("Hooke's law from u(r) gives the stated stresses", worst_hooke, 1e-8);
    check_le("equilibrium residual (r-weighted)", worst_eq, 1e-8);
  }
}

static void test_lame_limits(void **st) {
  (void)st;
  const double p = 2.3e3, G = 1.1e4;
  /* Incompressible limit nu -> 0.5 (K = 1e9 G): sphere u = p a^3 b^3/(4 G (b^3 - a^3) r^2),
   * cylinder u = p a^2 b^2/(2 G (b^2 - a^2) r); the K-terms are O(G/K) = 1e-9 relative. */
  const double a = 1e-3, b = 3e-3, r = 1.7e-3, K = 1e9 * G;
  double us = ns_analytic_lame_u(NS_LAME_SPHERE, a, b, p, K, G, r);
  double uc = ns_analytic_lame_u(NS_LAME_CYLINDER_PLANE_STRAIN, a, b, p, K, G, r);
  check_le("sphere, incompressible limit", rel(us, p * a * a * a * b * b * b / (4 * G * (b * b * b - a * a * a) * r * r)),
           1e-8);
  check_le("cylinder, incompressible limit", rel(uc, p * a * a * b * b / (2 * G * (b * b - a * a) * r)), 1e-8);
  /* Thin wall, mid radius R, thickness t: Laplace's law gives the membrane stress p R/(2t)
   * (sphere) or p R/t (cylinder, with sigma_zz = nu sigma_tt in plane strain), hence
   *   sphere u = p R^2 (1 - nu)/(2 E t),  cylinder u = p R^2 (1 - nu^2)/(E t).
   * The thick-wall answer differs by O(t/R): check the error is below 2 t/R and falls by 10 when
   * t/R does (first-order convergence to Laplace). */
  const double Kt = 5.0e4, E = 9.0 * Kt * G / (3.0 * Kt + G), nu = (3.0 * Kt - 2.0 * G) / (2.0 * (3.0 * Kt + G));
  const double R = 2e-3;
  double err[2][2];
  for (int k = 0; k < 2; k++) {
    double t = R * (k == 0 ? 1e-3 : 1e-4);
    double ai = R - t / 2, bo = R + t / 2;
    double u1 = ns_analytic_lame_u(NS_LAME_SPHERE, ai, bo, p, Kt, G, ai);
    double u2 = ns_analytic_lame_u(NS_LAME_CYLINDER_PLANE_STRAIN, ai, bo, p, Kt, G, ai);
    err[0][k] = rel(u1, p * R * R * (1 - nu) / (2 * E * t));
    err[1][k] = rel(u2, p * R * R * (1 - nu * nu) / (E * t));
  }
  check_le("sphere thin wall (t/R = 1e-4) vs Laplace", err[0][1], 2e-4);
  check_le("cylinder thin wall (t/R = 1e-4) vs Laplace", err[1][1], 2e-4);
  print_message("  error ratios t/R 1e-3 -> 1e-4: sphere %.3f, cylinder %.3f (first order: 10)\n", err[0][0] / err[0][1],
                err[1][0] / err[1][1]);
  assert_true(fabs(err[0][0] / err[0][1] - 10.0) < 0.5 && fabs(err[1][0] / err[1][1] - 10.0) < 0.5);
}

/* ---- 2b. viscoelastic Lame -------------------------------------------------------------------------- */

static struct ns_material visco_material(void) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = 2.385e4;
  m.kappa = 1.9e5;
  m.alpha = 2.0;
  m.nprony = 3;
  m.g[0] = 0.3;
  m.g[1] = 0.25;
  m.g[2] = 0.1;
  m.tau[0] = 0.7;
  m.tau[1] = 13.0;
  m.tau[2] = 0.05;
  m.density = 1100.0;
  return m;
}

static void test_compliance_identities(void **st) {
  (void)st;
  struct ns_material m = visco_material();
  const double ginf = 1.0 - m.g[0] - m.g[1] - m.g[2];
  struct ns_err err = NS_ERR_INIT;
  const double c0s[2] = {0.0, m.kappa}, c1s[2] = {m.mu, m.mu / 3.0};
  for (int v = 0; v < 2; v++) {
    struct ns_compliance C;
    double c0 = c0s[v], c1 = c1s[v];
    assert_int_equal(ns_analytic_compliance(c0, c1, m.nprony, m.g, m.tau, &C, &err), NS_OK);
    assert_int_equal(C.n, 3);
    print_message("  %s: retardation times %.6g %.6g %.6g s\n", v == 0 ? "shear J(t)" : "plane-strain M(t)",
                  1 / C.rate[0], 1 / C.rate[1], 1 / C.rate[2]);
    /* Initial and final values: 1/(c0 + c1) and 1/(c0 + c1 g_inf) (rounding of a 3-term sum). */
    check_le("C(0) = 1/(c0 + c1) (instantaneous modulus)", rel(ns_analytic_compliance_eval(&C, 0.0), 1 / (c0 + c1)),
             1e-14);
    check_le("C(1e4 tau_max) = 1/(c0 + c1 g_inf) (long-term modulus)",
             rel(ns_analytic_compliance_eval(&C, 1.3e5), 1 / (c0 + c1 * ginf)), 1e-14);
    /* Convolution identity: the relaxation function h(t) = c0 + c1 (g_inf + sum g_i e^(-t/tau_i))
     * applied to the strain history C(t) gives a unit step of stress,
     *   h(t) C(0) + int_0^t h(t - s) C'(s) ds = 1,
     * with C' = -sum_j A_j r_j e^(-r_j s) and every integral in closed form. 1e-12: rounding of
     * O(20) terms of size up to ~10. */
    double worst = 0.0;
    for (int it = 0; it < 40; it++) {
      double t = 1e-3 * pow(1.5, it);
      double ht = c0 + c1 * ginf;
      for (int i = 0; i < 3; i++) ht += c1 * m.g[i] * exp(-t / m.tau[i]);
      double sum = ht * ns_analytic_compliance_eval(&C, 0.0);
      for (int j = 0; j < C.n; j++) {
        double rj = C.rate[j], dj = -C.amp[j] * rj;
        double term = (c0 + c1 * ginf) * -expm1(-rj * t) / rj;
        for (int i = 0; i < 3; i++) {
          double wi = 1.0 / m.tau[i];
          term += c1 * m.g[i] * (exp(-rj * t) - exp(-wi * t)) / (wi - rj);
        }
        sum += dj * term;
      }
      worst = fmax(worst, fabs(sum - 1.0));
    }
    check_le("convolution identity h * dC = 1 over t in [1e-3, 1e4] s", worst, 1e-12);
  }
  /* One term: the retardation time of the standard linear solid is tau (c0 + c1)/(c0 + c1 g_inf);
   * for shear creep (c0 = 0) it is tau/g_inf. Closed form, rounding only. */
  double g1[1] = {0.37}, t1[1] = {2.9};
  struct ns_compliance C1;
  assert_int_equal(ns_analytic_compliance(0.0, 5.0e3, 1, g1, t1, &C1, &err), NS_OK);
  check_le("one term, shear: retardation time tau/g_inf", rel(1.0 / C1.rate[0], 2.9 / 0.63), 1e-15);
  assert_int_equal(ns_analytic_compliance(4.0e4, 5.0e3, 1, g1, t1, &C1, &err), NS_OK);
  check_le("one term, c0 > 0: retardation time tau (c0+c1)/(c0+c1 g_inf)",
           rel(1.0 / C1.rate[0], 2.9 * 4.5e4 / (4.0e4 + 5.0e3 * 0.63)), 1e-15);
  /* Equal relaxation times merge; zero moduli drop out. */
  double g2[3] = {0.2, 0.0, 0.17}, t2[3] = {2.9, 7.0, 2.9};
  assert_int_equal(ns_analytic_compliance(0.0, 5.0e3, 3, g2, t2, &C1, &err), NS_OK);
  assert_int_equal(C1.n, 1);
  check_le("merged equal tau: retardation time tau/g_inf", rel(1.0 / C1.rate[0], 2.9 / 0.63), 1e-15);
  /* Invalid input. */
  double gb[2] = {0.6, 0.5}, tb[2] = {1.0, 2.0};
  ns_err_clear(&err);
  assert_int_equal(ns_analytic_compliance(0.0, 1.0, 2, gb, tb, &C1, &err), NS_EINPUT);
  ns_err_clear(&err);
  assert_int_equal(ns_analytic_compliance(0.0, 0.0, 0, gb, tb, &C1, &err), NS_EINPUT);
}

/* Time-stepping solution of the Volterra equation h * dy = 1 (h as above) with the recursive
 * Prony update of material.h (piecewise-linear y): returns y(T) with n uniform steps. */
static double volterra_step(const struct ns_material *m, double c0, double c1, double T, int n) {
  const double ginf = 1.0 - m->g[0] - m->g[1] - m->g[2];
  double y = 1.0 / (c0 + c1), q[3];
  for (int i = 0; i < 3; i++) q[i] = m->g[i] * y; /* the step is fully felt at t = 0+ */
  const double dt = T / n;
  double e[3], gam[3];
  for (int i = 0; i < 3; i++) {
    double x = dt / m->tau[i];
    e[i] = exp(-x);
    gam[i] = -expm1(-x) / x;
  }
  for (int k = 0; k < n; k++) {
    double num = 1.0, den = c0 + c1 * ginf;
    for (int i = 0; i < 3; i++) {
      num -= c1 * (e[i] * q[i] - m->g[i] * gam[i] * y);
      den += c1 * m->g[i] * gam[i];
    }
    double ynew = num / den;
    for (int i = 0; i < 3; i++) q[i] = e[i] * q[i] + m->g[i] * gam[i] * (ynew - y);
    y = ynew;
  }
  return y;
}

static void test_lame_visco(void **st) {
  (void)st;
  struct ns_material m = visco_material();
  const double ginf = 1.0 - m.g[0] - m.g[1] - m.g[2];
  const double a = 1.1e-3, b = 2.6e-3, p = 3.3e3;
  struct ns_err err = NS_ERR_INIT;
  for (int geom = 0; geom < 2; geom++) {
    enum ns_lame_geometry gm = geom == 0 ? NS_LAME_SPHERE : NS_LAME_CYLINDER_PLANE_STRAIN;
    struct ns_lame_visco L;
    assert_int_equal(ns_analytic_lame_visco_init(&L, gm, a, b, p, &m, &err), NS_OK);
    print_message("  %s:\n", geom == 0 ? "sphere" : "cylinder (plane strain)");
    /* t = 0: elastic with the instantaneous modulus G0; t -> infinity: with g_inf G0. Both are
     * consequences of the compliance limits, evaluated here through u(r, t): 1e-14. */
    double worst0 = 0.0, worstinf = 0.0;
    for (int i = 0; i <= 4; i++) {
      double r = a + (b - a) * i / 4.0;
      worst0 = fmax(worst0, rel(ns_analytic_lame_visco_u(&L, r, 0.0), ns_analytic_lame_u(gm, a, b, p, m.kappa, m.mu, r)));
      worstinf = fmax(worstinf, rel(ns_analytic_lame_visco_u(&L, r, 1.3e5),
                                    ns_analytic_lame_u(gm, a, b, p, m.kappa, ginf * m.mu, r)));
    }
    check_le("u(r, 0) = elastic with G0", worst0, 1e-14);
    check_le("u(r, 1e4 tau_max) = elastic with g_inf G0", worstinf, 1e-14);
    assert_true(ns_analytic_lame_visco_u(&L, a, -1e-9) == 0.0);
    assert_true(ns_analytic_lame_visco_u_inner(&L, 0.37) == ns_analytic_lame_visco_u(&L, a, 0.37));
    /* Monotone creep of the inner surface under constant pressure (non-decreasing; after
     * ~40 tau_max it is constant to rounding). */
    double prev = 0.0;
    for (int it = 0; it < 60; it++) {
      double u = ns_analytic_lame_visco_u_inner(&L, 1e-3 * pow(1.3, it));
      assert_true(u >= prev);
      prev = u;
    }
    assert_true(prev > 1.2 * ns_analytic_lame_visco_u_inner(&L, 0.0));
    /* Independent time stepping: u(a, T) from y = J (and M) solved by the recursive update with
     * n and 2n steps. Its error is O(dt^2): check that it is small and that the ratio of errors
     * is 4 within 5%, which confirms the analytic solution is the limit. T = 3 s covers the
     * transients of tau = 0.05 and 0.7 s and part of 13 s. */
    const double T = 3.0;
    double e_n[2];
    for (int lev = 0; lev < 2; lev++) {
      int n = 3000 * (1 << lev);
      double Jn = volterra_step(&m, 0.0, m.mu, T, n);
      double un;
      if (gm == NS_LAME_SPHERE) {
        un = p * a * a * a / (b * b * b - a * a * a) * (a / (3 * m.kappa) + b * b * b / (4 * a * a) * Jn);
      } else {
        double Mn = volterra_step(&m, m.kappa, m.mu / 3.0, T, n);
        un = p * a * a / (b * b - a * a) * (0.5 * a * Mn + b * b / (2 * a) * Jn);
      }
      e_n[lev] = rel(un, ns_analytic_lame_visco_u_inner(&L, T));
    }
    print_message("  time stepping: error %.3e (n = 3000), %.3e (n = 6000), ratio %.3f\n", e_n[0], e_n[1],
                  e_n[0] / e_n[1]);
    assert_true(e_n[0] < 1e-5);
    assert_true(fabs(e_n[0] / e_n[1] - 4.0) < 0.2);
  }
  /* Without Prony terms the viscoelastic solution is the elastic one at all times. */
  struct ns_material me = m;
  me.nprony = 0;
  struct ns_lame_visco L;
  assert_int_equal(ns_analytic_lame_visco_init(&L, NS_LAME_CYLINDER_PLANE_STRAIN, a, b, p, &me, &err), NS_OK);
  check_le("nprony = 0: elastic at t = 5 s",
           rel(ns_analytic_lame_visco_u(&L, 1.9e-3, 5.0),
               ns_analytic_lame_u(NS_LAME_CYLINDER_PLANE_STRAIN, a, b, p, me.kappa, me.mu, 1.9e-3)),
           1e-15);
  ns_err_clear(&err);
  assert_int_equal(ns_analytic_lame_visco_init(&L, NS_LAME_SPHERE, b, a, p, &m, &err), NS_EINPUT);
}

/* ---- 3. homogeneous finite-strain states --------------------------------------------------------- */

static struct ns_material hyper(enum ns_hyper_model model, double alpha, double kappa) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = model;
  m.mu = 3.7e3;
  m.kappa = kappa;
  m.alpha = alpha;
  m.density = 1100.0;
  return m;
}

static void test_uniaxial_equibiaxial_incompressible(void **st) {
  (void)st;
  /* kappa = 1e12 mu: J - 1 = O(sigma/kappa), at most ~3e-9 here (the stiffest case, Ogden
   * alpha = 7.3 under equibiaxial l = 0.6, has sigma ~ 3e3 mu), so the compressible answer is
   * within ~1e-8 of the incompressible closed forms (tol 1e-7)
   *   uniaxial:     P = (2 mu/alpha)(l^(alpha-1) - l^(-alpha/2-1)),  lateral l^(-1/2)
   *   equibiaxial:  P = (2 mu/alpha)(l^(alpha-1) - l^(-2 alpha-1)),  thickness l^(-2)
   * (neo-Hookean: alpha = 2, P = mu (l - l^-2) and mu (l - l^-5)). */
  struct ns_err err = NS_ERR_INIT;
  double worst = 0.0;
  const double alphas[4] = {2.0, 2.0, 7.3, -3.1};
  for (int k = 0; k < 4; k++) {
    struct ns_material m = hyper(k == 0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN, alphas[k], 1e12 * 3.7e3);
    double al = alphas[k];
    for (int s = 0; s < 4; s++) {
      double l = 0.6 + 0.35 * s, lat, P;
      assert_int_equal(ns_analytic_uniaxial(&m, l, &lat, &P, &err), NS_OK);
      double Pw = 2 * m.mu / al * (pow(l, al - 1) - pow(l, -al / 2 - 1));
      worst = fmax(worst, fmax(rel(P, Pw), rel(lat, 1 / sqrt(l))));
      assert_int_equal(ns_analytic_equibiaxial(&m, l, &lat, &P, &err), NS_OK);
      Pw = 2 * m.mu / al * (pow(l, al - 1) - pow(l, -2 * al - 1));
      worst = fmax(worst, fmax(rel(P, Pw), rel(lat, 1 / (l * l))));
    }
  }
  check_le("uniaxial/equibiaxial vs incompressible closed forms", worst, 1e-7);
}

static void test_uniaxial_small_strain(void **st) {
  (void)st;
  /* At strain eps = 1e-6: P = E eps and lateral strain -nu eps (uniaxial); P = E/(1-nu) eps and
   * thickness strain -2 nu/(1-nu) eps (equibiaxial), with E = 9 K mu/(3K + mu),
   * nu = (3K - 2mu)/(2(3K + mu)). Relative error O(eps) = 1e-6 from nonlinearity (tol 1e-5);
   * rounding of the strain, eps_mach/eps ~ 1e-10, is far smaller. */
  struct ns_err err = NS_ERR_INIT;
  const double eps = 1e-6;
  double worst = 0.0;
  for (int k = 0; k < 3; k++) {
    struct ns_material m = hyper(k == 0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN, k == 2 ? -4.2 : 6.1, 2.9e4 * (k + 1));
    double K = m.kappa, G = m.mu, E = 9 * K * G / (3 * K + G), nu = (3 * K - 2 * G) / (2 * (3 * K + G));
    double lat, P;
    assert_int_equal(ns_analytic_uniaxial(&m, 1 + eps, &lat, &P, &err), NS_OK);
    worst = fmax(worst, fmax(rel(P, E * eps), rel(lat - 1, -nu * eps)));
    assert_int_equal(ns_analytic_equibiaxial(&m, 1 + eps, &lat, &P, &err), NS_OK);
    worst = fmax(worst, fmax(rel(P, E / (1 - nu) * eps), rel(lat - 1, -2 * nu / (1 - nu) * eps)));
  }
  check_le("small strain: E, nu, biaxial modulus", worst, 1e-5);
}

static void test_uniaxial_vs_material(void **st) {
  (void)st;
  /* sim/material.c is a separate implementation of the same law (eigenbasis of C, 1st PK stress).
   * At the reference state its P_11 must equal the nominal stress and its free P component must
   * vanish, both to rounding (1e-12 of the stress scale max(|P_11|, mu)); the free principal
   * Cauchy stress itself is zero to the last bit of the stretch (1e-14 of kappa + mu). */
  struct ns_err err = NS_ERR_INIT;
  double worst = 0.0, worst_free = 0.0;
  const double alphas[3] = {2.0, 5.7, -2.2};
  for (int k = 0; k < 3; k++) {
    struct ns_material m = hyper(k == 0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN, alphas[k], 4.4e4);
    for (int s = 0; s < 5; s++) {
      double l = 0.55 + 0.3 * s;
      for (int bi = 0; bi < 2; bi++) {
        double x, Pn;
        if (bi)
          assert_int_equal(ns_analytic_equibiaxial(&m, l, &x, &Pn, &err), NS_OK);
        else
          assert_int_equal(ns_analytic_uniaxial(&m, l, &x, &Pn, &err), NS_OK);
        double F[9] = {l, 0, 0, 0, bi ? l : x, 0, 0, 0, x}, P[9];
        assert_int_equal(ns_material_iso(&m, F, P, NULL, NULL), 0);
        double J = F[0] * F[4] * F[8], dU;
        ns_material_vol(&m, J, NULL, &dU, NULL);
        for (int a = 0; a < 3; a++) P[4 * a] += J * dU / F[4 * a]; /* J U' F^-T, F diagonal */
        double scale = fmax(fabs(Pn), m.mu);
        worst = fmax(worst, fmax(fabs(P[0] - Pn), fabs(P[8])) / scale);
        if (bi) worst = fmax(worst, fabs(P[4] - Pn) / scale);
        double lv[3] = {F[0], F[4], F[8]}, sig[3];
        ns_analytic_principal_cauchy(&m, lv, sig);
        worst_free = fmax(worst_free, fabs(sig[2]) / (m.kappa + m.mu));
      }
    }
  }
  check_le("nominal stress and free traction vs sim/material.c", worst, 1e-12);
  check_le("free principal stress at the solved stretch", worst_free, 1e-14);
  /* Invalid input is refused. */
  struct ns_material m = hyper(NS_HYPER_NEOHOOKE, 2.0, 4.4e4);
  ns_err_clear(&err);
  assert_int_equal(ns_analytic_uniaxial(&m, -1.0, NULL, NULL, &err), NS_EINPUT);
  m.kappa = 0.0;
  ns_err_clear(&err);
  assert_int_equal(ns_analytic_equibiaxial(&m, 1.2, NULL, NULL, &err), NS_EINPUT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_indentation_sneddon_integrals),
      cmocka_unit_test(test_indentation_hand_values),
      cmocka_unit_test(test_indentation_stiffness),
      cmocka_unit_test(test_lame_elastic_bvp),
      cmocka_unit_test(test_lame_limits),
      cmocka_unit_test(test_compliance_identities),
      cmocka_unit_test(test_lame_visco),
      cmocka_unit_test(test_uniaxial_equibiaxial_incompressible),
      cmocka_unit_test(test_uniaxial_small_strain),
      cmocka_unit_test(test_uniaxial_vs_material),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
