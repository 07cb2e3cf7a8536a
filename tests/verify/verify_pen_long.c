/* verify_pen_long.c — make verify: the cutting needle insertion (sim/penetration.c) at long
 * travel, after the cut has stopped at the dermis top, with a cost profile of the run.
 *
 * CUT_CASE (tests/unit/pen_cases.h: 35 y forearm, 1 mm needle, 15 degrees, 1 mm/s, toughness x
 * 0.01, strength 1 MPa, frictionless; 16 radial cells, surface cell SC/4, 10 um path cells) with
 * a 20 um tip, to 700 um of travel in output steps of 10 um. The cut front stops at the dermis top (74.9 um) from ~492 um of travel on; below it the
 * intact core column under the cap is crushed (J down to 0.17, docs/penetration.md section 5
 * item 10). Three runs: elastic; QLV with the core's crushing failure (core_crush_j 0.3);
 * QLV without it (the default). Expectations:
 *   - every run completes the travel;
 *   - the energy ledger closes within 2 % of the maximum work (issue 4) in every run.
 * The elastic run goes to 520 um only (it stalls in the line search at 538 um). Measured
 * (session 4): elastic 0.94 % at 520 um (passes, 100 s); QLV with crushing 0.29 % (raw 0.88 %,
 * passes, 7 s); QLV without crushing 63 % (FAILS, kept as the open expectation of the default):
 * in the one substep after the cut stops the QLV dissipation jumps by 2.4e-6 J (1.2 x the work
 * done so far) while the crushed core column re-arranges (16-21 Newton iterations in that
 * substep); with 2.5 um output steps the jump is larger (6.6e-6 J), so it is not a time-step
 * error of the QLV quadrature that shrinks with the step. The profile (substeps, rollbacks,
 * Newton per substep, Krylov per Newton, seconds per Newton iteration) is printed from the
 * mechanics' log (ns_pen_spec.log).
 */
#include <math.h>
#include <stdio.h>

#include "needlesim/mech.h"
#include "needlesim/penetration.h"
#include "needlesim/skin.h"
#include "pen_cases.h"

#define TIP_RADIUS 20e-6 /* m: the blunt tip of test_penetration's pen_blunt */
#define TRAVEL 700e-6    /* m: 200 um beyond the stop of the cut at ~492 um */
/* m: the elastic run, past the QLV run's jump at 492-506 um; beyond ~538 um the elastic run
 * stalls in the line search (6.7e-7 N against a tolerance of 1.7e-7 N, measured). */
#define TRAVEL_ELASTIC 520e-6
#define OUT_STEP 10e-6   /* m of travel per output step (one path cell) */
#define LEDGER_TOL 0.02  /* issue 4's acceptance: 2 % of the maximum work */
#define CRUSH_J 0.3      /* core_crush_j of the third run: the solid volume fraction of dermis */

/* Cost profile collected from the mechanics' log. */
struct profile {
  long attempts, rejected, newton, krylov, krylov_fail;
  double wall, wall_rejected, dt_min;
};

static void log_fn(void *ctx, const struct ns_mech_step_info *in) {
  struct profile *p = ctx;
  p->attempts++;
  p->newton += in->newton_iters;
  p->krylov += in->linear_iters;
  p->wall += in->wall_s;
  if (!in->accepted) {
    p->rejected++;
    p->wall_rejected += in->wall_s;
    if (in->reason && in->reason[0] == 'l' && in->reason[1] == 'i') p->krylov_fail++; /* "linear solver: ..." */
  } else if (in->dt < p->dt_min) {
    p->dt_min = in->dt;
  }
}

static int run(const struct ns_skin *sk, int elastic, double crush, double travel, const char *name) {
  struct ns_pen_spec s = ns_test_cut_spec(sk);
  struct profile p = {0, 0, 0, 0, 0, 0.0, 0.0, INFINITY};
  s.needle.tip_radius = TIP_RADIUS;
  s.travel = travel;
  s.steps = (int)lround(travel / OUT_STEP);
  s.elastic = elastic;
  s.core_crush_j = crush;
  s.threads = 1;
  s.log = log_fn;
  s.log_ctx = &p;
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  if (ns_pen_run(&s, &r, &err) != NS_OK) {
    printf("[  FAILED  ] %s run: %s\n", name, err.msg);
    return 0;
  }
  const size_t k = r.n - 1;
  double wmax = 0.0;
  for (size_t i = 0; i < r.n; i++) wmax = fmax(wmax, fabs(r.work[i]));
  for (size_t i = 1; i < r.n; i++) {
    const double res = r.work[i] - (r.stored[i] + r.kinetic[i] + r.viscous[i] + r.friction[i] + r.interface[i] +
                                    r.tie_energy[i] + r.fracture_energy[i] + r.numerical[i] + r.core_release[i]);
    printf("  %s tip %6.1f um  F %.4e N  cut %5.1f um  work %.4e  stored %.4e  viscous %.4e  residual/max work %+.4f\n",
           name, r.tip_depth[i] * 1e6, r.force[i], r.cut_depth[i] * 1e6, r.work[i], r.stored[i], r.viscous[i],
           res / wmax);
  }
  printf("  %s: puncture %.4e N, tenting %.1f um, max cut %.1f um, ledger %.2e (raw %.2e)\n", name, r.puncture_force,
         r.tenting * 1e6, r.max_cut_depth * 1e6, r.energy_error, r.energy_error_raw);
  printf("  %s profile: %ld substeps attempted, %ld rolled back (%ld by Krylov failures, %.1f s of %.1f s), smallest "
         "accepted dt %.2e s; %.1f Newton per substep, %.1f Krylov per Newton, %.3f s per Newton iteration\n",
         name, p.attempts, p.rejected, p.krylov_fail, p.wall_rejected, p.wall, p.dt_min,
         (double)p.newton / (double)(p.attempts > 0 ? p.attempts : 1), (double)p.krylov / (double)(p.newton > 0 ? p.newton : 1),
         p.wall / (double)(p.newton > 0 ? p.newton : 1));
  int ok = 1;
  ok &= ns_test_check(fabs(r.tip_depth[k] - travel) < 1e-9, "the whole travel was run");
  ok &= ns_test_check(r.energy_error < LEDGER_TOL, "the energy ledger closes within 2 % of the maximum work");
  ns_pen_result_free(&r);
  return ok;
}

int main(void) {
  struct ns_skin sk;
  if (!ns_test_cut_skin_or_report(35.0, &sk)) return 1;
  int ok = run(&sk, 1, 0.0, TRAVEL_ELASTIC, "elastic");
  ok &= run(&sk, 0, CRUSH_J, TRAVEL, "QLV crush");
  ok &= run(&sk, 0, 0.0, TRAVEL, "QLV");
  printf("%s\n", ok ? "verify_pen_long: passed" : "verify_pen_long: FAILED");
  return ok ? 0 : 1;
}
