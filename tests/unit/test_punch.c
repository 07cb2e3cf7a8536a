/* test_punch.c — indentation of an elastic half-space against closed-form solutions (fast
 * versions of tests/verify/verify_punch.c, which has the refinement studies and tables).
 *
 *   flat_axi        frictionless flat punch (u_z = -delta on r <= a, u_r free), nu = 0.3 and
 *                   0.45: force within 2 % of Sneddon 2 a E delta / (1 - nu^2)
 *   bonded_axi      bonded flat punch: ratio bonded / frictionless on the same grid against the
 *                   exact ratio (1 - nu) ln(3 - 4 nu) / (1 - 2 nu) (Mossakovskii 1954, Spence 1968)
 *   flat_3d         quarter model with symmetry planes: within the staircase bound of the
 *                   axisymmetric result on the same radial/vertical grid
 *   sphere_axi      rigid sphere by contact, delta/R = 0.01: Hertz force within 3 %, contact
 *                   radius sqrt(R delta) between the last node in contact and the next one
 *   cone_axi        rigid 80-degree cone by contact: Sneddon force within 3 %, contact radius
 *   layered_punch   the layered case on a coarse grid: within its estimated
 *                   discretisation error of the converged (extrapolated) force
 * Domain: 400 a wide and deep (punch.h), where the truncation error is ~0.1 % (verified there).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "needlesim/analytic.h"
#include "needlesim/punch.h"

/* pi (PI is not in strict C11). */
#define PI 3.14159265358979323846

/* Converged small-strain force of the layered punch [N]: Richardson extrapolation of levels 2-4
 * in tests/verify/verify_punch.c (recorded in docs/verification.md). */
#define LAYERED_CONVERGED 1.639267e-4

static struct ns_punch_load flat_load(enum ns_punch_indenter kind, double delta) {
  struct ns_punch_load L;
  memset(&L, 0, sizeof L);
  L.kind = kind;
  L.delta = delta;
  L.steps = 1;
  return L;
}

static double solve(const struct ns_punch_spec *s, const struct ns_punch_load *L, struct ns_punch_result *r) {
  struct ns_err err = NS_ERR_INIT;
  enum ns_status st = ns_punch_solve(s, L, r, &err);
  if (st != NS_OK) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(st, NS_OK);
  return r->force;
}

static void flat_axi(void **state) {
  (void)state;
  const double a = 1e-3, E = 1e4, nus[2] = {0.3, 0.45};
  for (int i = 0; i < 2; i++) {
    struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nus[i]);
    s.level = 2; /* h_edge = a/32 */
    struct ns_punch_load L = flat_load(NS_PUNCH_FLAT_FRICTIONLESS, 1e-3 * a);
    struct ns_punch_result r;
    const double F = solve(&s, &L, &r), F0 = ns_analytic_flat_punch_force(E, nus[i], a, L.delta);
    printf("flat punch nu = %.2f: F/F_Sneddon = %.5f\n", nus[i], F / F0);
    /* 2 % (the brief's tolerance): the discretisation error at h_edge = a/32 is about +0.8 % and
     * the truncation +0.1 % (verify_punch), small strain delta/a = 1e-3 adds < 0.1 %. */
    assert_true(fabs(F / F0 - 1.0) < 0.02);
  }
}

static void bonded_axi(void **state) {
  (void)state;
  const double a = 1e-3, E = 1e4, nus[2] = {0.3, 0.45};
  for (int i = 0; i < 2; i++) {
    const double nu = nus[i];
    struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nu);
    s.level = 2;
    struct ns_punch_load L = flat_load(NS_PUNCH_FLAT_FRICTIONLESS, 1e-3 * a);
    struct ns_punch_result r;
    const double Ff = solve(&s, &L, &r);
    L.kind = NS_PUNCH_FLAT_BONDED;
    const double Fb = solve(&s, &L, &r);
    const double exact = (1.0 - nu) * log(3.0 - 4.0 * nu) / (1.0 - 2.0 * nu);
    printf("bonded punch nu = %.2f: F_bonded/F_Sneddon = %.5f, bonded/frictionless %.5f (exact %.5f)\n", nu,
           Fb / ns_analytic_flat_punch_force(E, nu, a, L.delta), Fb / Ff, exact);
    /* The ratio on one grid cancels most of the discretisation and truncation error (both
     * problems share grid and domain); the remainder is the edge singularity's different
     * strength (r^-1/2 with an oscillatory part when bonded): measured 0.1-0.2 %, bound 1 %. */
    assert_true(fabs(Fb / Ff / exact - 1.0) < 0.01);
    assert_true(Fb > Ff);
  }
}

static void flat_3d(void **state) {
  (void)state;
  const double a = 1e-3, E = 1e4, nu = 0.3;
  /* A small domain (40 a) and level 0 keep this under a few seconds; the same grid in the
   * axisymmetric model gives the reference with identical truncation error. */
  struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a, E, nu);
  s.width = s.thick[0] = 40.0 * a;
  s.cells_out = 8;
  s.cells_z[0] = 16;
  struct ns_punch_load L = flat_load(NS_PUNCH_FLAT_FRICTIONLESS, 1e-3 * a);
  struct ns_punch_result r;
  const double Faxi = solve(&s, &L, &r);
  s.geom = NS_GEOM_3D;
  const double F3 = solve(&s, &L, &r);
  printf("3D quarter model, h_edge = a/8: F_3D/F_axi = %.5f\n", F3 / Faxi);
  /* The prescribed nodes form a staircase inside the disc: its effective radius lies between
   * a - sqrt(2) h_edge (a cell diagonal, h_edge = a/8) and a, and the force is proportional to
   * the radius, so F_3D/F_axi lies in [1 - sqrt(2)/8, 1] up to the difference of the two
   * discretisations (< 1 % at this grid, verify_punch): measured 0.913. */
  assert_true(F3 / Faxi > 1.0 - sqrt(2.0) / 8.0 - 0.01);
  assert_true(F3 / Faxi < 1.01);
}

static void contact_case(const struct ns_body *b, double nu, double delta, double F0, double a0, int level,
                         const char *name) {
  const double E = 1e4;
  struct ns_punch_spec s = ns_punch_spec_default(NS_GEOM_AXISYMMETRIC, a0, E, nu);
  s.level = level;
  struct ns_punch_load L = flat_load(NS_PUNCH_CONTACT, delta);
  L.steps = 4; /* the contact radius grows with depth: follow it in 4 load steps */
  L.body = *b;
  L.copts = ns_contact_opts_defaults();
  L.aug.max_updates = 3;
  struct ns_punch_result r;
  const double F = solve(&s, &L, &r);
  printf("%s nu = %.2f: F/F_theory = %.5f, contact radius in [%.4f, %.4f] a_theory, penetration %.2e delta\n", name,
         nu, F / F0, r.contact_radius / a0, r.contact_radius_next / a0, r.max_penetration / delta);
  /* 3 % (the brief's tolerance): discretisation ~1 % at this level (verify_punch), finite
   * strain (a/R = 0.1, cone slope 10 degrees) and the surface's radial displacement, which
   * the small-strain theories neglect, add up to ~1 % at nu = 0.45 and more at nu = 0.3. */
  assert_true(fabs(F / F0 - 1.0) < 0.03);
  /* Contact edge: between the outermost node in contact and the next node, with a margin of
   * 2 % of a for the radial displacement (~(1-2nu) delta/a) the theory neglects. */
  assert_true(r.contact_radius <= 1.02 * a0);
  assert_true(r.contact_radius_next >= 0.98 * a0);
  /* Augmented Lagrangian: the remaining penetration is negligible against the depth. */
  assert_true(r.max_penetration < 1e-6 * delta);
}

static void sphere_axi(void **state) {
  (void)state;
  const double R = 1e-3, E = 1e4, nu = 0.3, delta = 0.01 * R;
  struct ns_body b = {NS_BODY_SPHERE, R, 0.0, 0.0, {0, 0}};
  contact_case(&b, nu, delta, ns_analytic_hertz_force(E, nu, R, delta), ns_analytic_hertz_contact_radius(R, delta), 1,
               "sphere");
}

static void cone_axi(void **state) {
  (void)state;
  const double E = 1e4, nu = 0.45, delta = 1e-5, th = 80.0 * PI / 180.0;
  const double a0 = ns_analytic_cone_contact_radius(th, delta);
  /* Tip rounded by 2 % of the contact radius: a sharp tip pins the axis node on the vertex,
   * where the distance has a kink and Newton cycles; the rounding changes the force by
   * ~(rho/a)^2-order amounts (measured +0.2 %). */
  struct ns_body b = {NS_BODY_CONE, 0.0, th, 0.02 * a0, {0, 0}};
  contact_case(&b, nu, delta, ns_analytic_cone_force(E, nu, th, delta), a0, 1, "cone 80 deg");
}

static void layered_punch(void **state) {
  (void)state;
  struct ns_punch_spec s = ns_punch_spec_layered(2);
  /* Small strain: solve at 1e-3 of the depth (nonlinear terms ~1e-6 relative) and scale. */
  struct ns_punch_load L = flat_load(NS_PUNCH_FLAT_BONDED, 5e-9);
  struct ns_punch_result r;
  const double F = solve(&s, &L, &r) * 1e3;
  printf("layered punch (level 2, %d x %d cells): F = %.6e N, %.3f %% above the converged %.6e N\n", r.cells[0],
         r.cells[1], F, 100.0 * (F / LAYERED_CONVERGED - 1.0), LAYERED_CONVERGED);
  /* The refinement study (verify_punch) converges monotonically from above at rate ~1.9, and
   * its Richardson estimate of the level-2 error is +0.77 %; the guard accepts [0, +1 %]
   * (the estimate plus 30 % of itself), so any change of the discrete problem larger than a
   * quarter of the discretisation error fails. */
  assert_true(F >= LAYERED_CONVERGED);
  assert_true(F <= 1.01 * LAYERED_CONVERGED);
  /* Physical bracket independent of the study: stiffer than the bonded punch on the softest
   * layer alone (Spence: 2 a E* delta x the bonded ratio at nu = 0.45), softer than on the
   * stiffest (10 MPa) half-space. */
  const double soft = ns_analytic_flat_punch_force(50e3, 0.45, 50e-6, 5e-6);
  const double stiff = ns_analytic_flat_punch_force(10e6, 0.45, 50e-6, 5e-6) * 1.01;
  assert_true(F > soft && F < stiff);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(flat_axi),   cmocka_unit_test(bonded_axi), cmocka_unit_test(flat_3d),
      cmocka_unit_test(sphere_axi), cmocka_unit_test(cone_axi),   cmocka_unit_test(layered_punch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
