/* verify_punch.c — indentation verification studies (make verify): refinement tables against
 * Sneddon / Hertz / Mossakovskii-Spence, domain-size checks, and the layered punch of the issue
 * with its grid-convergence study and Richardson extrapolation.
 *
 * Prints tables and "[       OK ]"/"[  FAILED  ]" lines (tests/run_verify.sh counts them).
 * Sections:
 *   1. flat punch, axisymmetric, nu = 0.3 / 0.45: frictionless levels 0-3 (400 a domain) and the
 *      domain check (800 a); bonded punch and its ratio to the exact bonded/frictionless ratio
 *   2. flat punch, 3D quarter model (40 a domain) vs the axisymmetric model on the same grid
 *   3. sphere and cone by contact, levels 0-2, nu = 0.3 / 0.45
 *   4. layered punch (small strain): levels 0-4, observed rate, Richardson, width 10 mm vs 15 mm,
 *      second grid family (finer edge), the finite-strain value for comparison, and the line
 *      "layered punch: F = ... N"
 * Threads: whatever OMP_NUM_THREADS says (results are thread-count independent).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/analytic.h"
#include "needlesim/punch.h"

/* pi (PI is not in strict C11). */
#define PI 3.14159265358979323846

static int nfail;

static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "[       OK ]" : "[  FAILED  ]", what);
  if (!ok) nfail++;
}

static double solve(const struct ns_punch_spec *s, const struct ns_punch_load *L, struct ns_punch_result *r) {
  struct ns_err err = NS_ERR_INIT;
  if (ns_punch_solve(s, L, r, &err) != NS_OK) {
    printf("solve failed: %s\n", err.msg);
    nfail++;
    return NAN;
  }
  return r->force;
}

static struct ns_punch_load load(enum ns_punch_indenter kind, double delta) {
  struct ns_punch_load L;
  memset(&L, 0, sizeof L);
  L.kind = kind;
  L.delta = delta;
  L.steps = 1;
  return L;
}

static void flat_axi(void) {
  const double a = 1e-3, E = 1e4, nus[2] = {0.3, 0.45};
  printf("\n== 1. Flat rigid punch, axisymmetric, delta/a = 1e-3, domain 400 a (bottom fixed, side free)\n");
  for (int i = 0; i < 2; i++) {
    const double nu = nus[i], delta = 1e-3 * a, F0 = ns_analytic_flat_punch_force(E, nu, a, delta);
    printf("nu = %.2f   Sneddon F0 = %.6e N\n", nu, F0);
    printf("  level  cells     h_edge/a  F_frictionless/F0  F_bonded/F0  bonded/frictionless  exact ratio\n");
    const double exact = (1.0 - nu) * log(3.0 - 4.0 * nu) / (1.0 - 2.0 * nu);
    double Ff[4] = {0}, Fb[4] = {0};
    for (int l = 0; l <= 3; l++) {
      struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nu);
      s.level = l;
      struct ns_punch_load L = load(NS_PUNCH_FLAT_FRICTIONLESS, delta);
      struct ns_punch_result r;
      Ff[l] = solve(&s, &L, &r);
      L.kind = NS_PUNCH_FLAT_BONDED;
      Fb[l] = solve(&s, &L, &r);
      printf("  %5d  %3dx%-4d  1/%-6.0f  %17.5f  %11.5f  %19.5f  %11.5f\n", l, r.cells[0], r.cells[1],
             a / (s.h_edge / (1 << l)), Ff[l] / F0, Fb[l] / F0, Fb[l] / Ff[l], exact);
    }
    const double p = log2((Ff[1] - Ff[2]) / (Ff[2] - Ff[3]));
    const double Fext = Ff[3] - (Ff[2] - Ff[3]) / (pow(2.0, p) - 1.0);
    struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nu);
    s.level = 2;
    s.width = s.thick[0] = 800.0 * a;
    struct ns_punch_load L = load(NS_PUNCH_FLAT_FRICTIONLESS, delta);
    struct ns_punch_result r;
    const double F800 = solve(&s, &L, &r);
    printf("  observed rate %.2f, extrapolated F/F0 = %.5f; domain 800 a (level 2): %.5f (400 a: %.5f, change "
           "%.3f %%)\n",
           p, Fext / F0, F800 / F0, Ff[2] / F0, 100.0 * (F800 / Ff[2] - 1.0));
    char msg[200];
    snprintf(msg, sizeof msg, "flat punch nu=%.2f: level 2 within 2 %% of Sneddon (%.2f %%)", nu,
             100.0 * (Ff[2] / F0 - 1.0));
    /* 2 %: the brief's tolerance for the resolved case. */
    check(fabs(Ff[2] / F0 - 1.0) < 0.02, msg);
    snprintf(msg, sizeof msg, "flat punch nu=%.2f: extrapolated within 0.5 %% of Sneddon (%.2f %%)", nu,
             100.0 * (Fext / F0 - 1.0));
    /* 0.5 %: the extrapolated value carries only the truncation error (+0.7 a/L = 0.2 %). */
    check(fabs(Fext / F0 - 1.0) < 0.005, msg);
    snprintf(msg, sizeof msg, "flat punch nu=%.2f: doubling the domain changes F by < 0.5 %%", nu);
    check(fabs(F800 / Ff[2] - 1.0) < 0.005, msg);
    snprintf(msg, sizeof msg, "bonded punch nu=%.2f: bonded/frictionless within 0.5 %% of the exact ratio", nu);
    /* 0.5 %: same grid, the errors largely cancel (measured < 0.1 %). */
    check(fabs(Fb[3] / Ff[3] / exact - 1.0) < 0.005, msg);
  }
}

static void flat_3d(void) {
  const double a = 1e-3, E = 1e4, nus[2] = {0.3, 0.45};
  printf("\n== 2. Flat rigid punch, 3D quarter model (symmetry planes x = 0, y = 0 sliding), domain 40 a\n");
  printf("  nu    level  cells        h_edge/a  F_3D/F0  F_axi/F0 (same grid)  F_3D/F_axi\n");
  for (int i = 0; i < 2; i++) {
    double ratio[2] = {0, 0};
    for (int l = 0; l <= 1; l++) {
      struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nus[i]);
      s.width = s.thick[0] = 40.0 * a;
      s.cells_out = 8;
      s.cells_z[0] = 16;
      s.level = l;
      const double delta = 1e-3 * a, F0 = ns_analytic_flat_punch_force(E, nus[i], a, delta);
      struct ns_punch_load L = load(NS_PUNCH_FLAT_FRICTIONLESS, delta);
      struct ns_punch_result r;
      const double Fa = solve(&s, &L, &r);
      s.geom = NS_GEOM_3D;
      const double F3 = solve(&s, &L, &r);
      ratio[l] = F3 / Fa;
      printf("  %.2f  %5d  %3dx%3dx%-3d  1/%-6.0f  %7.4f  %20.4f  %10.4f  (%.1f s)\n", nus[i], l, r.cells[0],
             r.cells[1], r.cells[2], a / (s.h_edge / (1 << l)), F3 / F0, Fa / F0, F3 / Fa, r.wall_s);
    }
    const double next = 1.0 - (1.0 - ratio[1]) * (1.0 - ratio[1]) / (1.0 - ratio[0]);
    printf("  staircase error halves per level (O(h)): predicted F_3D/F_axi at h_edge = a/32: %.4f\n", next);
    char msg[160];
    snprintf(msg, sizeof msg, "3D nu=%.2f: staircase error decreases with refinement (%.4f -> %.4f)", nus[i], ratio[0],
             ratio[1]);
    check(ratio[1] > ratio[0] && ratio[1] < 1.01, msg);
  }
  /* The acceptance point itself: resolved (h_edge = a/32, level 2) on the 400 a domain of the
   * axisymmetric checks (so the domain truncation, ~ +4 % at 40 a, does not mask the staircase
   * error), the 3D force is within 2 % of Sneddon. nu = 0.45 only (the skin's range); the
   * axisymmetric force on the same radial/vertical grid is printed to separate the errors. */
  {
    struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_3D, a, E, 0.45);
    s.cells_out = 12;
    s.level = 2;
    const double delta = 1e-3 * a, F0 = ns_analytic_flat_punch_force(E, 0.45, a, delta);
    struct ns_punch_load L = load(NS_PUNCH_FLAT_FRICTIONLESS, delta);
    struct ns_punch_result r;
    const double F3 = solve(&s, &L, &r);
    const double wall3 = r.wall_s;
    s.geom = NS_GEOM_AXISYMMETRIC;
    const double Fa = solve(&s, &L, &r);
    printf("  0.45  %5d  %3dx%3dx%-3d  1/%-6.0f  %7.4f  %20.4f  %10.4f  (resolved, domain %.0f a, %.1f s)\n", s.level,
           r.cells[0], r.cells[0], r.cells[1], a / (s.h_edge / (1 << s.level)), F3 / F0, Fa / F0, F3 / Fa,
           s.width / a, wall3);
    char msg[160];
    /* 2 %: the tolerance for a resolved flat punch. */
    snprintf(msg, sizeof msg, "3D nu=0.45 resolved (h_edge = a/32, 400 a): F/F_Sneddon = %.4f within 2 %%", F3 / F0);
    check(fabs(F3 / F0 - 1.0) < 0.02, msg);
  }
}

static void contact(void) {
  const double E = 1e4, R = 1e-3, th = 80.0 * PI / 180.0, nus[2] = {0.3, 0.45};
  printf("\n== 3. Rigid sphere (delta/R = 0.01) and cone (half-angle 80 deg, tip rounded 0.02 a) by "
         "contact, axisymmetric, domain 400 a\n");
  printf("  body    nu    level  cells    F/F_theory  a_node/a  a_next/a  penetration/delta  Newton  Krylov\n");
  for (int b = 0; b < 2; b++)
    for (int i = 0; i < 2; i++) {
      const double nu = nus[i];
      double delta, a0, F0;
      struct ns_punch_load L = load(NS_PUNCH_CONTACT, 0.0);
      if (b == 0) {
        delta = 0.01 * R;
        a0 = ns_analytic_hertz_contact_radius(R, delta);
        F0 = ns_analytic_hertz_force(E, nu, R, delta);
        L.body.kind = NS_BODY_SPHERE;
        L.body.radius = R;
      } else {
        delta = 1e-5;
        a0 = ns_analytic_cone_contact_radius(th, delta);
        F0 = ns_analytic_cone_force(E, nu, th, delta);
        L.body.kind = NS_BODY_CONE;
        L.body.half_angle = th;
        L.body.tip_radius = 0.02 * a0;
      }
      L.delta = delta;
      L.steps = 4;
      L.copts = ns_contact_opts_defaults();
      L.aug.max_updates = 3;
      double F[3] = {0};
      for (int l = 0; l <= 2; l++) {
        struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a0, E, nu);
        s.level = l;
        struct ns_punch_result r;
        F[l] = solve(&s, &L, &r);
        printf("  %-6s  %.2f  %5d  %3dx%-3d  %10.5f  %8.4f  %8.4f  %17.2e  %6ld  %6ld\n", b ? "cone" : "sphere", nu, l,
               r.cells[0], r.cells[1], F[l] / F0, r.contact_radius / a0, r.contact_radius_next / a0,
               r.max_penetration / delta, r.newton_iters, r.linear_iters);
      }
      char msg[160];
      snprintf(msg, sizeof msg, "%s nu=%.2f: level 2 within 3 %% of %s (%.2f %%)", b ? "cone" : "sphere", nu,
               b ? "Sneddon" : "Hertz", 100.0 * (F[2] / F0 - 1.0));
      /* 3 %: the brief's tolerance (finite strain and the neglected radial surface
       * displacement, Hay-Bolshakov-Pharr 1999, are of this order at nu = 0.3). */
      check(fabs(F[2] / F0 - 1.0) < 0.03, msg);
    }
}

/* The layered case. */
static struct ns_punch_spec layered_spec(int level, double width, double edge_frac) {
  struct ns_punch_spec s = ns_punch_spec_layered(level);
  s.width = width;
  s.h_edge = edge_frac * s.a;
  return s;
}

/* Small strain: the finite-strain model is solved at delta_lin = 1e-3 of the 5 um depth (strains
 * ~1e-4, where the nonlinear terms are ~1e-6 relative: 5e-8 m and 5e-10 m agree to 5e-5 and the
 * difference scales with delta) and the force scaled linearly to 5 um. finite = 1: the
 * neo-Hookean response at the full 5 um (for comparison). */
static double layered_force(int level, double width, double edge_frac, int finite, struct ns_punch_result *r) {
  struct ns_punch_spec s = layered_spec(level, width, edge_frac);
  const double delta = 5e-6, dlin = finite ? delta : 1e-3 * delta;
  struct ns_punch_load L = load(NS_PUNCH_FLAT_BONDED, dlin);
  return solve(&s, &L, r) * delta / dlin;
}

static void layered(void) {
  printf("\n== 4. Layered flat punch: layers 15 um (E = 10 MPa), 85 um (1 MPa), 2 mm (50 kPa), nu = 0.45, "
         "rigid base at 2.1 mm, bonded punch a = 50 um, delta = 5 um, side free\n");
  const int LMAX = 4;
  double F[5] = {0};
  printf("  small strain (linear elasticity: solved at delta = 5 nm, scaled to 5 um)\n");
  printf("  family A: width 10 mm, h_edge = a/8 at level 0, 4/8/12 cells in the layers at level 0\n");
  printf("  level  cells     cells in 15 um  h_edge [um]  F [N]          dF             rate   Richardson [N]\n");
  double ext = NAN, ext_prev = NAN, rate = NAN;
  for (int l = 0; l <= LMAX; l++) {
    struct ns_punch_result r;
    F[l] = layered_force(l, 10e-3, 0.125, 0, &r);
    printf("  %5d  %3dx%-4d  %14d  %11.4f  %.7e", l, r.cells[0], r.cells[1], 4 << l, 6.25 / (1 << l), F[l]);
    if (l >= 1) printf("  %+.5e", F[l] - F[l - 1]);
    if (l >= 2) {
      rate = log2((F[l - 2] - F[l - 1]) / (F[l - 1] - F[l]));
      ext_prev = ext;
      ext = F[l] - (F[l - 1] - F[l]) / (pow(2.0, rate) - 1.0);
      printf("  %5.2f  %.7e", rate, ext);
    }
    printf("   (%.2f s)\n", r.wall_s);
  }
  const double err_est = fabs(ext - ext_prev) + fabs(F[LMAX] - ext) * 0.1;
  /* Family B: a finer edge (a/16 at level 0): a different discretisation of the same problem. */
  double G[4] = {0};
  for (int l = 1; l <= 3; l++) {
    struct ns_punch_result r;
    G[l] = layered_force(l, 10e-3, 0.0625, 0, &r);
  }
  const double rB = log2((G[1] - G[2]) / (G[2] - G[3]));
  const double extB = G[3] - (G[2] - G[3]) / (pow(2.0, rB) - 1.0);
  /* Width check: 15 mm, levels 1-3. */
  double W[4] = {0};
  for (int l = 1; l <= 3; l++) {
    struct ns_punch_result r;
    W[l] = layered_force(l, 15e-3, 0.125, 0, &r);
  }
  const double rW = log2((W[1] - W[2]) / (W[2] - W[3]));
  const double extW = W[3] - (W[2] - W[3]) / (pow(2.0, rW) - 1.0);
  double A3[4] = {0};
  for (int l = 1; l <= 3; l++) A3[l] = F[l];
  const double rA3 = log2((A3[1] - A3[2]) / (A3[2] - A3[3]));
  const double extA3 = A3[3] - (A3[2] - A3[3]) / (pow(2.0, rA3) - 1.0);
  printf("  family B (h_edge = a/16 at level 0), levels 1-3: F = %.7e %.7e %.7e, rate %.2f, extrapolated %.7e N\n",
         G[1], G[2], G[3], rB, extB);
  printf("  width 15 mm, levels 1-3: F = %.7e %.7e %.7e, rate %.2f, extrapolated %.7e N (10 mm, same levels: "
         "%.7e N; difference %.3f %%)\n",
         W[1], W[2], W[3], rW, extW, extA3, 100.0 * (extW / extA3 - 1.0));
  printf("  finest grid error vs extrapolation: %.3f %%; coarsest grid within 0.5 %%: level ", 100.0 * (F[LMAX] / ext - 1.0));
  int lmin = -1;
  for (int l = 0; l <= LMAX && lmin < 0; l++)
    if (fabs(F[l] / ext - 1.0) <= 0.005) lmin = l;
  printf("%d\n", lmin);
  const double err_tot = fmax(err_est, fmax(fabs(extB - ext), fabs(extW - extA3)));
  /* For comparison: the finite-strain neo-Hookean force at the full 5 um, levels 2-4. */
  double N[5] = {0};
  for (int l = 2; l <= 4; l++) {
    struct ns_punch_result r;
    N[l] = layered_force(l, 10e-3, 0.125, 1, &r);
  }
  const double rN = log2((N[2] - N[3]) / (N[3] - N[4]));
  const double extN = N[4] - (N[3] - N[4]) / (pow(2.0, rN) - 1.0);
  printf("  finite strain (neo-Hookean at 5 um), levels 2-4: %.7e %.7e %.7e, extrapolated %.7e N (%.2f %% below "
         "small strain)\n",
         N[2], N[3], N[4], extN, 100.0 * (1.0 - extN / ext));
  printf("layered punch: F = %.6e N (small strain; finest grid %d x %d cells: %.6e N; extrapolated (levels 2-4, "
         "rate %.2f) %.6e N; estimated error %.1e N = %.3f %%)\n",
         ext, 24 << LMAX, 24 << LMAX, F[LMAX], rate, ext, err_tot, 100.0 * err_tot / ext);
  check(rate > 1.5 && rate < 2.2, "layered punch: observed convergence rate between 1.5 and 2.2 (asymptotic regime)");
  /* Independent discretisations and domains agree to better than 0.05 %. */
  check(fabs(extB / ext - 1.0) < 5e-4, "layered punch: second grid family extrapolates to the same force (0.05 %)");
  check(fabs(extW / extA3 - 1.0) < 5e-4, "layered punch: 15 mm domain gives the same force as 10 mm (0.05 %)");
}

int main(void) {
  flat_axi();
  flat_3d();
  contact();
  layered();
  printf("\nverify_punch: %d failed\n", nfail);
  return nfail ? 1 : 0;
}
