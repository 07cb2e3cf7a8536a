/* test_pen_friction.c — the cutting needle insertion (sim/penetration.c) with Coulomb friction
 * on the needle's contact (sim/contact.c), the skin model's layer value mu = 0.36.
 *
 *   pen_friction   CUT_CASE of test_penetration.c with friction 0.36 on every contact node, to
 *                  the full 450 um travel: the stratum corneum is perforated, friction
 *                  dissipates energy, the friction part of the force is positive and bounded by
 *                  mu times the normal part, and the energy ledger closes within 2 %.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"

/* CUT_CASE (test_penetration.c): toughness x 0.01 (11 J/m^2), tensile strength 1 MPa in every
 * layer, 1 mm needle, 16 radial cells, surface cell SC/4, path cell 10 um, 450 um of travel. */
#define CUT_STRENGTH 1e6
#define CUT_TOUGHNESS_SCALE 0.01
#define CUT_TRAVEL 450e-6
/* Coulomb coefficient of skin against steel (Veijgen 2012; skin.h's layer value). */
#define CUT_FRICTION 0.36

static struct ns_skin cut_skin(double age) {
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  cfg.age_years = age;
  for (int l = 0; l < NS_NLAYERS; l++) cfg.layer[l].tensile_strength = CUT_STRENGTH;
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_skin_build(&cfg, &sk, &err), NS_OK);
  return sk;
}

static struct ns_pen_spec cut_spec(const struct ns_skin *sk) {
  struct ns_pen_spec s = ns_pen_spec_defaults(sk);
  s.fracture = 1;
  s.toughness_scale = CUT_TOUGHNESS_SCALE;
  s.friction = CUT_FRICTION;
  s.travel = CUT_TRAVEL;
  s.steps = 4;
  s.cells_r = 16;
  s.surface_cell = 0.0; /* SC / 4 */
  s.path_cell = 10e-6;
  s.snapshots = 0;
  return s;
}

static void pen_friction(void **state) {
  (void)state;
  const struct ns_skin sk = cut_skin(35.0);
  assert_true(fabs(sk.layer[0].friction_coefficient.value - CUT_FRICTION) < 1e-12);
  struct ns_pen_spec s = cut_spec(&sk);
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  const enum ns_status st = ns_pen_run(&s, &r, &err);
  if (st != NS_OK) printf("  friction run: %s\n", err.msg);
  fflush(stdout);
  assert_int_equal(st, NS_OK);
  const size_t k = r.n - 1;
  printf("  mu %.2f: puncture %.4e N at tip %.1f um (tenting %.1f um), max cut %.1f um, fraction %.4f, peak "
         "%.4e N, %ld Newton, %.1f s\n",
         CUT_FRICTION, r.puncture_force, r.nevents ? r.events[0].tip_depth * 1e6 : NAN, r.tenting * 1e6,
         r.max_cut_depth * 1e6, r.penetration_fraction, r.peak_force, r.newton_iters, r.wall_s);
  printf("  embedded length %.1f um\n", r.embedded_length * 1e6);
  printf("  work %.4e J = stored %.4e + viscous %.4e + ties %.4e + fracture %.4e + interface %.4e + friction "
         "%.4e + jump loss %.4e; max relative error %.2e (raw %.2e)\n",
         r.work[k], r.stored[k], r.viscous[k], r.tie_energy[k], r.fracture_energy[k], r.interface[k], r.friction[k],
         r.jump_loss[k], r.energy_error, r.energy_error_raw);
  /* The whole travel was run. */
  assert_true(fabs(r.tip_depth[k] - CUT_TRAVEL) < 1e-9);
  /* The stratum corneum is perforated first. */
  assert_true(r.nevents >= 1);
  assert_int_equal(r.events[0].layer, 0);
  assert_true(isfinite(r.puncture_force) && r.puncture_force > 0.0);
  /* Friction dissipates (>= 0 in every substep by construction; > 0 once the wall slides along
   * the cone and the shaft) and never decreases. */
  assert_true(r.friction[k] > 0.0);
  for (size_t i = 1; i < r.n; i++) assert_true(r.friction[i] >= r.friction[i - 1]);
  /* The friction part of the axial force resists insertion (the tissue drags the needle up),
   * and node by node |tau| <= mu p. A node on the cone (normal (cos theta, -sin theta)) adds
   * A p sin(theta) to the normal part and at most mu A p cos(theta) to the friction part; on the
   * tip's arc the normal is steeper, so the ratio is smaller. While no node touches the shaft
   * (the cone is 430 um long; the test prints the embedded length, far less), the friction part
   * is therefore at most mu cot(theta) times the normal part (1e-9: round-off of the sums). */
  const double theta = s.needle.tip_half_angle;
  for (size_t i = 1; i < r.n; i++) {
    const double ff = r.force_friction[i], fn = r.force[i] - r.force_friction[i];
    printf("  tip %6.1f um  F %.4e N  friction %.4e N  normal %.4e N  ratio %.3f\n", r.tip_depth[i] * 1e6, r.force[i],
           ff, fn, fn > 0.0 ? ff / fn : NAN);
    assert_true(ff >= 0.0);
    assert_true(ff <= CUT_FRICTION / tan(theta) * fn * (1.0 + 1e-9));
  }
  assert_true(r.force_friction[k] > 0.0);
  /* The acceptance: the ledger closes within 2 % of the maximum work. */
  assert_true(r.energy_error < 0.02);
  ns_pen_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pen_friction),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
