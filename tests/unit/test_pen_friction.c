/* test_pen_friction.c — the cutting needle insertion (sim/penetration.c) with
 * Coulomb friction on the needle's contact (sim/contact.c), issue 4's "Coulomb friction on the
 * shaft, stick/slip consistent, ledger within 2 %".
 *
 * CUT_CASE (tests/unit/pen_cases.h: 35 y forearm, 1 mm needle, 15 degrees, 1 mm/s, toughness x
 * 0.01, strength 1 MPa in every layer; 16 radial cells, surface cell SC/4, 10 um path cells)
 * with the skin model's layer value mu = 0.36 on every contact node of the surface and the cut's
 * wall, to 600 um of travel. Expectations:
 *   - the whole travel runs and the stratum corneum is perforated first;
 *   - friction dissipates (> 0, never decreasing);
 *   - the friction part of the axial force resists insertion and, node by node |tau| <= mu p,
 *     is at most mu cot(theta) times the normal part while no node touches the shaft (on the
 *     cone a node adds A p sin(theta) to the normal part and at most mu A p cos(theta) to the
 *     friction part; on the tip's arc the ratio is smaller; the cone is 430 um long and the
 *     embedded length stays far below it, printed);
 *   - the energy ledger closes within 2 % of the maximum work (the acceptance).
 * Friction delays the perforation (docs/penetration.md section 5 item 8: the cone wedges the wall
 * open only where the wall slides up the cone, which with friction needs a vertical resistance
 * tan(theta + atan mu) / tan(theta) = 2.6 x larger, i.e. more tenting): frictionless at 422 um,
 * with friction measured at 512 um, beyond the 450 um of test_penetration's cases. The run took
 * 2-3 minutes (over 1500 Newton iterations) and lived in make verify until the quasi-static
 * predictor and the cut's automatic viscous regularisation (session 4): 225 Newton iterations,
 * 3.4 s, the same perforation (512 um, 9.58 mN) and ledger (3.3e-3).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"
#include "pen_cases.h"

/* Coulomb coefficient of skin against steel (Veijgen 2012; skin.h's layer value). */
#define FRICTION 0.36
/* Travel [m]: the measured perforation at 512 um plus 88 um (9 path cells) of margin; the ledger
 * was measured within 0.3 % to 650 um (beyond it, at 660 um, the stored energy jumps and the QLV
 * dissipation turns negative: open, docs/penetration.md section 5 item 8). */
#define TRAVEL 600e-6

static void pen_friction(void **state) {
  (void)state;
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  if (ns_test_cut_skin(35.0, &sk, &err) != NS_OK) fail_msg("skin: %s", err.msg);
  struct ns_pen_spec s = ns_test_cut_spec(&sk);
  s.friction = FRICTION;
  s.travel = TRAVEL;
  struct ns_pen_result r;
  if (ns_pen_run(&s, &r, &err) != NS_OK) fail_msg("friction run: %s", err.msg);
  const size_t k = r.n - 1;
  const double theta = s.needle.tip_half_angle;
  int ratio_ok = 1, mono = 1;
  for (size_t i = 1; i < r.n; i++) {
    const double ff = r.force_friction[i], fn = r.force[i] - r.force_friction[i];
    print_message("  tip %6.1f um  F %.4e N  friction %.4e N (share %.3f)  normal %.4e N  ratio %.3f  cut %.1f um\n",
           r.tip_depth[i] * 1e6, r.force[i], ff, r.force[i] > 0.0 ? ff / r.force[i] : NAN, fn,
           fn > 0.0 ? ff / fn : NAN, r.cut_depth[i] * 1e6);
    /* 1e-9: round-off of the sums. */
    ratio_ok &= ff >= 0.0 && ff <= FRICTION / tan(theta) * fn * (1.0 + 1e-9);
    mono &= r.friction[i] >= r.friction[i - 1];
  }
  const int ev = r.nevents >= 1;
  print_message("  mu %.2f: puncture %.4e N at tip %.1f um (tenting %.1f um), max cut %.1f um, peak %.4e N, embedded "
         "%.1f um, %ld Newton, %.1f s\n",
         FRICTION, r.puncture_force, ev ? r.events[0].tip_depth * 1e6 : NAN, r.tenting * 1e6, r.max_cut_depth * 1e6,
         r.peak_force, r.embedded_length * 1e6, r.newton_iters, r.wall_s);
  print_message("  work %.4e J = stored %.4e + viscous %.4e + ties %.4e + fracture %.4e + interface %.4e + friction %.4e "
         "+ core release %.4e + jump loss %.4e; max relative error %.2e (raw %.2e)\n",
         r.work[k], r.stored[k], r.viscous[k], r.tie_energy[k], r.fracture_energy[k], r.interface[k], r.friction[k],
         r.core_release[k], r.jump_loss[k], r.energy_error, r.energy_error_raw);
  assert_true(fabs(r.tip_depth[k] - TRAVEL) < 1e-9); /* the whole travel was run */
  assert_true(ev && r.events[0].layer == 0 && isfinite(r.puncture_force) && r.puncture_force > 0.0); /* the
                                                   stratum corneum is perforated first */
  assert_true(r.friction[k] > 0.0 && mono); /* friction dissipates, never decreasing */
  assert_true(ratio_ok && r.force_friction[k] > 0.0); /* friction part resists, <= mu cot(theta) x normal part */
  assert_true(r.energy_error < 0.02); /* ledger within 2 % of the maximum work (issue 4) */
  ns_pen_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(pen_friction)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
