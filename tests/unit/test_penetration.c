/* test_penetration.c — the needle insertion problem (sim/penetration.c): tenting on the full grid
 * and cutting along the needle path (cohesive wall ties).
 *
 *   pen_bad_input      needle longer than the domain, tip radius above the shaft radius, zero
 *                      speed with and without a force limit, cut radius above the shaft radius,
 *                      travel beyond the needle, too coarse a surface grid, negative tie
 *                      stiffness: NS_EINPUT with the key
 *   pen_tenting        full grid (fracture = 0): the surface follows the tip, the force grows
 *   pen_core           the cutting model (sacrificial core r < r0 + tied annulus) before any tie
 *                      softens against the full-axis model at 30 um: within 10 %, force > 0
 *                      from the first output point
 *   pen_cut            CUT_CASE: the stratum corneum is perforated; events in layer order, cut
 *                      front monotone, summary consistent with the series
 *   pen_grid           puncture force on two grids (every cell size halved) within 5 %
 *   pen_energy         QLV: work = stored + viscous + ties + fracture + interface + core
 *                      release (+ jump loss, reported) within 2 %
 *   pen_blunt          issue 4: a blunter tip (20 um vs 10 um, cut radius = tip radius) needs a
 *                      larger puncture force (the peak before the stratum corneum's perforation)
 *   pen_rate           slow press (1 mm/s) vs impact (3 m/s), QLV and inertia in both: less
 *                      tenting and a larger penetration fraction at impact; the impact's
 *                      ledger with kinetic energy within 2 %
 *   pen_rate_dashpot   the 3 m/s impact with the tie dashpot (eta 1e-4 t_end): ledger within
 *                      2 %, puncture force within 1 % of the run without it
 *   pen_age            80 y vs 20 y skin: the direction documented in docs/penetration.md
 *   pen_write          series, summary, events and snapshots are written with units (read back)
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "needlesim/io.h"
#include "needlesim/penetration.h"
#include "needlesim/skin.h"
#include "pen_cases.h"

static struct ns_skin skin_at(double age) {
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  cfg.age_years = age;
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_skin_build(&cfg, &sk, &err), NS_OK);
  return sk;
}

static void expect_input_error(const struct ns_pen_spec *s, const char *key) {
  struct ns_err err = NS_ERR_INIT;
  struct ns_pen_result r;
  assert_int_equal(ns_pen_run(s, &r, &err), NS_EINPUT);
  printf("  %s\n", err.msg);
  assert_non_null(strstr(err.msg, key));
}

static void pen_bad_input(void **state) {
  (void)state;
  const struct ns_skin sk = skin_at(35.0);
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.needle.length = 5e-3; /* domain 3 mm */
  expect_input_error(&s, "needle.length_mm");
  s = ns_pen_spec_defaults(&sk);
  s.needle.tip_radius = 200e-6; /* shaft radius 125 um */
  expect_input_error(&s, "needle.tip_radius_um");
  s = ns_pen_spec_defaults(&sk);
  s.speed = 0.0;
  expect_input_error(&s, "loading.speed_mm_s");
  s.force_limit = 0.1; /* force control still advances at the speed */
  expect_input_error(&s, "loading.speed_mm_s");
  s = ns_pen_spec_defaults(&sk);
  s.cut_radius = 150e-6; /* shaft radius 125 um */
  expect_input_error(&s, "penetration.cut_radius_um");
  s = ns_pen_spec_defaults(&sk);
  s.travel = 2e-3;
  expect_input_error(&s, "loading.depth_mm");
  s = ns_pen_spec_defaults(&sk);
  s.needle.tip_half_angle = 2.0; /* > 90 degrees */
  expect_input_error(&s, "needle.tip_half_angle_deg");
  s = ns_pen_spec_defaults(&sk);
  s.surface_cell = 40e-6;
  expect_input_error(&s, "grid.surface_cell_um");
  s = ns_pen_spec_defaults(&sk);
  s.tie_stiffness = -5e12; /* a negative stiffness (0 selects the delta_c / 10 rule) */
  expect_input_error(&s, "penetration.tie_stiffness_MPa_mm");
}

static void pen_tenting(void **state) {
  (void)state;
  const struct ns_skin sk = skin_at(35.0);
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.fracture = 0;
  s.travel = 20e-6;
  s.steps = 4;
  s.snapshots = 0;
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_pen_run(&s, &r, &err), NS_OK);
  for (size_t k = 1; k < r.n; k++) {
    printf("  tip %6.2f um  deflection %6.3f um  F %.4e N (friction %.3e)\n", r.tip_depth[k] * 1e6,
           r.deflection[k] * 1e6, r.force[k], r.force_friction[k]);
    assert_true(r.force[k] > r.force[k - 1]);
    /* Before puncture the surface under the tip moves with the tip: the axis node's deflection
     * is the tip depth minus the remaining penalty penetration (< 1 % of the depth). */
    assert_true(fabs(r.deflection[k] / r.tip_depth[k] - 1.0) < 1e-2);
  }
  printf("  %ld Newton, %.2f s\n", r.newton_iters, r.wall_s);
  ns_pen_result_free(&r);
}

/* The cutting test case (CUT_CASE): tests/unit/pen_cases.h. */
static struct ns_skin cut_skin(double age) {
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_test_cut_skin(age, &sk, &err), NS_OK);
  return sk;
}

static struct ns_pen_spec cut_spec(const struct ns_skin *sk) { return ns_test_cut_spec(sk); }

static void run_ok(const struct ns_pen_spec *s, struct ns_pen_result *r, const char *label) {
  struct ns_err err = NS_ERR_INIT;
  const enum ns_status st = ns_pen_run(s, r, &err);
  if (st != NS_OK) printf("  %s: %s\n", label, err.msg);
  assert_int_equal(st, NS_OK);
  printf("  %-22s puncture %.4e N at tip %.1f um (tenting %.1f um), max cut %.1f um, fraction %.4f, emb %.1f um, "
         "peak %.4e N, ledger %.4f (raw %.4f), %ld Newton, %.1f s\n",
         label, r->puncture_force, r->nevents ? r->events[0].tip_depth * 1e6 : NAN, r->tenting * 1e6,
         r->max_cut_depth * 1e6, r->penetration_fraction, r->embedded_length * 1e6, r->peak_force, r->energy_error,
         r->energy_error_raw, r->newton_iters, r->wall_s);
}

/* Shared results of the base case (35 y): computed once. */
static struct ns_pen_result base;
static int base_done;

static const struct ns_pen_result *base_case(void) {
  if (!base_done) {
    static struct ns_skin sk;
    sk = cut_skin(35.0);
    struct ns_pen_spec s = cut_spec(&sk);
    s.snapshots = 1;
    run_ok(&s, &base, "base (35 y)");
    base_done = 1;
  }
  return &base;
}

static void pen_core(void **state) {
  (void)state;
  /* Before any tie softens the cutting model is the full model with the core r < r0 = rho as
   * sacrificial material (one cell column, intact here) and the wall r = r0 tied radially. At
   * 30 um (elastic, frictionless, table skin) the cap presses on the core from the first step
   * and the two forces must agree. Not to 2 %, for two measured reasons (docs/penetration.md
   * 3.1): the single core column carries the cap's load on the axis node alone (the full grid
   * has 2 um cells there): 0.932; with core cells as wide as the first annulus cell (5 columns)
   * the ratio is 1.087, i.e. the ties (stiffness 2e12 Pa/m) hold the wall's radial displacement
   * that the full model lets out under the cap. Both deviations are below 10 %: the bound. */
  const struct ns_skin sk = skin_at(35.0);
  struct ns_pen_spec s = ns_test_press_spec(&sk, 0);
  struct ns_pen_result full, cut;
  run_ok(&s, &full, "full grid (axis)");
  s.fracture = 1;
  run_ok(&s, &cut, "core + annulus, r0 = 10 um");
  const double ratio = cut.force[cut.n - 1] / full.force[full.n - 1];
  printf("  force at 30 um: (core + annulus) / full = %.4f\n", ratio);
  assert_true(fabs(ratio - 1.0) < 0.1);
  /* The cap touches material from the first output point on (no force-free travel). */
  assert_true(cut.force[1] > 0.0);
  ns_pen_result_free(&full);
  ns_pen_result_free(&cut);
}

static void pen_cut(void **state) {
  (void)state;
  const struct ns_pen_result *r = base_case();
  assert_true(r->nevents >= 1);
  assert_int_equal(r->events[0].layer, 0); /* the stratum corneum first */
  for (size_t i = 1; i < r->nevents; i++) assert_true(r->events[i].layer > r->events[i - 1].layer);
  for (size_t k = 1; k < r->n; k++) {
    assert_true(r->cut_depth[k] >= r->cut_depth[k - 1]);             /* irreversible */
    assert_true(r->fracture_energy[k] >= r->fracture_energy[k - 1]); /* dissipation grows */
  }
  assert_true(isfinite(r->puncture_force) && r->puncture_force > 0.0);
  assert_true(r->max_cut_depth >= 0.0 && r->max_cut_depth <= r->tip_depth[r->n - 1]);
  assert_true(fabs(r->penetration_fraction - r->max_cut_depth / 1e-3) < 1e-12);
  /* The fracture energy of the broken ties is at least G_c 2 pi r0 per unit cut depth. */
  const double gc = 1136.0 * CUT_TOUGHNESS_SCALE;
  printf("  fracture energy %.4e J, G_c 2 pi r0 x cut depth %.4e J\n", r->fracture_energy[r->n - 1],
         gc * 2.0 * M_PI * r->cut_radius * r->max_cut_depth);
}

static void pen_grid(void **state) {
  (void)state;
  const struct ns_pen_result *b = base_case();
  const struct ns_skin sk = cut_skin(35.0);
  struct ns_pen_spec s = cut_spec(&sk);
  /* Every cell size doubled: 8 radial cells (the geometric ratio squared), SC / 2 at the
   * surface, 20 um along the path. */
  s.cells_r = 8;
  s.surface_cell = sk.layer[0].thickness.value / 2.0;
  s.path_cell = 20e-6;
  struct ns_pen_result r;
  run_ok(&s, &r, "coarse grid");
  assert_true(isfinite(r.puncture_force) && isfinite(b->puncture_force));
  const double rel = fabs(r.puncture_force / b->puncture_force - 1.0);
  printf("  puncture force coarse / base - 1 = %+.4f\n", r.puncture_force / b->puncture_force - 1.0);
  /* The acceptance criterion of issue 4: < 5 % under refinement. */
  assert_true(rel < 0.05);
  ns_pen_result_free(&r);
}

static void pen_energy(void **state) {
  (void)state;
  /* The base case (QLV, frictionless, through the SC perforation and the cut): work =
   * stored + viscous + tie_energy + fracture_energy + interface + core_release (+ kinetic and friction, both 0
   * here; + jump loss, printed) within 2 % of the maximum work (the acceptance). The
   * needle work is trapezoidal per committed substep, the ties' energies are state functions, so
   * the remaining error is the time discretisation of the work and of the QLV dissipation. */
  const struct ns_pen_result *r = base_case();
  const size_t k = r->n - 1;
  printf("  work %.4e J = stored %.4e + viscous %.4e + ties %.4e + fracture %.4e + interface %.4e + core release "
         "%.4e + jump loss %.4e; residual %.4e; max relative error %.2e (raw %.2e)\n",
         r->work[k], r->stored[k], r->viscous[k], r->tie_energy[k], r->fracture_energy[k], r->interface[k],
         r->core_release[k], r->jump_loss[k],
         r->work[k] - r->stored[k] - r->viscous[k] - r->tie_energy[k] - r->fracture_energy[k] - r->interface[k] -
             r->core_release[k],
         r->energy_error, r->energy_error_raw);
  /* The core's release is a real part of the balance (it is 8 % of the work here): without it
   * the check would not test the sacrificial core's bookkeeping. */
  assert_true(r->core_release[k] > 0.0);
  assert_true(r->nevents >= 1); /* the balance is checked across a perforation */
  assert_true(r->fracture_energy[k] > 0.0);
  assert_true(r->energy_error < 0.02);
  assert_true(r->energy_error_raw < 0.02);
}

/* Issue 4: "a blunter tip needs more force" (Roemgens et al. 2014 J Mech Behav Biomed Mater 40:397:
 * the microneedle puncture force rises with the tip diameter; Davis et al. 2004 J Biomech 37:1155:
 * the insertion force rises with the tip's interfacial area). CUT_CASE with a 20 um tip (cut radius
 * = tip radius, the default) against the base case's 10 um tip, same grid and output points. The
 * puncture force is the peak before the stratum corneum's perforation (penetration.h); only the
 * direction is tested (the literature gives no number for this micro-scale skin). Measured: 6.07 vs
 * 5.94 mN (+2.2 %): the wider cap tents the skin with more force (+3 to +6 % between 200 and 390 um
 * of travel) and both tips perforate at the same travel. The margin is small: above the grid
 * dependence of the puncture force (pen_grid: +1.5 % with every cell doubled) but of the order of
 * the force's sawtooth between output points as single ties break (3-5 %), so this test can fail
 * on another grid or output spacing (docs/penetration.md section 4). The blunter tip's ledger is checked too (its
 * run at 600 um of travel was off by 17 %, after the cut stalled at the dermis top: not reached
 * here). */
static void pen_blunt(void **state) {
  (void)state;
  const struct ns_pen_result *sharp = base_case();
  const struct ns_skin sk = cut_skin(35.0);
  struct ns_pen_spec s = cut_spec(&sk);
  s.needle.tip_radius = 2.0 * 10e-6; /* the base case's 10 um, doubled */
  struct ns_pen_result blunt;
  run_ok(&s, &blunt, "tip 20 um");
  assert_true(isfinite(blunt.puncture_force) && isfinite(sharp->puncture_force));
  printf("  puncture force 20 um tip %.4e N, 10 um tip %.4e N (%+.2f %%)\n", blunt.puncture_force,
         sharp->puncture_force, 100.0 * (blunt.puncture_force / sharp->puncture_force - 1.0));
  assert_true(blunt.puncture_force > sharp->puncture_force);
  /* The 2 % ledger, as pen_energy. */
  assert_true(blunt.energy_error < 0.02);
  ns_pen_result_free(&blunt);
}

/* Slow press versus impact (issue 4: "impact insertion at 1-10 m/s and pen strokes behave
 * differently from slow pressing"; "faster insertion gives a larger penetration_fraction").
 * Both runs have the same physics switches (QLV and inertia on, frictionless) on the same grid,
 * the coarse grid of pen_grid (8 radial cells, SC / 2, 20 um path cells: the impact run needs
 * several substeps per output step and the fine grid costs 30 s); only the speed differs:
 * 1 mm/s (a slow press, inertia negligible) and 3 m/s (an impact applicator or a fast pen
 * stroke, at the shear wave speed sqrt(mu / rho) ~ 3 m/s of the dermis). */
#define RATE_SLOW 1e-3
#define RATE_FAST 3.0

/* The spec of the rate cases: CUT_CASE on pen_grid's coarse grid with inertia on. */
static struct ns_pen_spec rate_spec(const struct ns_skin *sk) {
  struct ns_pen_spec s = cut_spec(sk);
  s.cells_r = 8;
  s.surface_cell = sk->layer[0].thickness.value / 2.0;
  s.path_cell = 20e-6;
  s.dynamics = 1;
  return s;
}

static void pen_rate(void **state) {
  (void)state;
  const struct ns_skin sk = cut_skin(35.0);
  struct ns_pen_spec s = rate_spec(&sk);
  struct ns_pen_result slow, fast;
  s.speed = RATE_SLOW;
  run_ok(&s, &slow, "1 mm/s (inertia on)");
  s.speed = RATE_FAST;
  run_ok(&s, &fast, "3 m/s (inertia on)");
  const size_t k = fast.n - 1;
  printf("  impact at %.1f um: work %.4e J = stored %.4e + kinetic %.4e + viscous %.4e + ties %.4e + fracture %.4e "
         "+ interface %.4e + numerical %.4e\n",
         fast.tip_depth[k] * 1e6, fast.work[k], fast.stored[k], fast.kinetic[k], fast.viscous[k], fast.tie_energy[k],
         fast.fracture_energy[k], fast.interface[k], fast.numerical[k]);
  assert_true(slow.nevents >= 1 && fast.nevents >= 1);
  /* The tissue ahead of the tip cannot move away at speeds near its shear wave speed: the skin
   * tents less before the stratum corneum is cut (Mahvash & Dupont 2010, IEEE TBME 57:934: the
   * deflection at rupture falls with the insertion speed). */
  assert_true(fast.tenting < slow.tenting);
  /* Less tenting: the cut starts earlier and goes deeper at the same travel. */
  assert_true(fast.penetration_fraction > slow.penetration_fraction);
  /* The impact's ledger with the kinetic energy (and the integrator's algorithmic dissipation as
   * its own entry) within the 2 %, without the jump-loss correction of quasi-static
   * runs; the kinetic energy must be a real part of it (above 1 % of the work) for the check to
   * test the inertia bookkeeping at all. */
  assert_true(fast.kinetic[k] > 0.01 * fast.work[k]);
  assert_true(fast.energy_error_raw < 0.02);
  /* The slow press with inertia is the quasi-static problem: kinetic energy negligible. */
  assert_true(slow.kinetic[slow.n - 1] < 1e-6 * slow.work[slow.n - 1]);
  ns_pen_result_free(&slow);
  ns_pen_result_free(&fast);
}

/* Inertia with the tie dashpot (cut_viscosity > 0): the 3 m/s impact of pen_rate with the
 * viscosity the quasi-static rule would give it, 1e-4 of the insertion time (1.5e-8 s). The
 * ledger (dashpot dissipation inside fracture_energy, kinetic and algorithmic entries) must close
 * within the 2 %, as without the dashpot, and the dashpot must not move the puncture
 * force by more than the 1 % its traction can account for (0.2 % of sigma_c at the nominal
 * opening rate eta speed / l, l ~ 20 um the loaded zone; 1 % leaves room for the sawtooth of
 * single ties). Before the fix (the consistent tie tangent whenever eta > 0, also with inertia)
 * this run's ledger was off by 53 % (docs/penetration.md section 5 item 11). */
static void pen_rate_dashpot(void **state) {
  (void)state;
  const struct ns_skin sk = cut_skin(35.0);
  struct ns_pen_spec s = rate_spec(&sk);
  s.speed = RATE_FAST;
  struct ns_pen_result plain, visc;
  s.cut_viscosity = 0.0;
  run_ok(&s, &plain, "3 m/s, eta 0");
  s.cut_viscosity = 1e-4 * s.travel / s.speed;
  run_ok(&s, &visc, "3 m/s, eta 1e-4 t_end");
  assert_true(plain.nevents >= 1 && visc.nevents >= 1);
  assert_true(visc.energy_error_raw < 0.02);
  assert_true(visc.energy_error < 0.02);
  assert_true(fabs(visc.puncture_force / plain.puncture_force - 1.0) < 0.01);
  ns_pen_result_free(&plain);
  ns_pen_result_free(&visc);
}

static void pen_age(void **state) {
  (void)state;
  const struct ns_skin s20 = cut_skin(20.0), s80 = cut_skin(80.0);
  struct ns_pen_spec s = cut_spec(&s20);
  struct ns_pen_result r20, r80;
  run_ok(&s, &r20, "20 y");
  s = cut_spec(&s80);
  run_ok(&s, &r80, "80 y");
  /* docs/penetration.md section 4: at 80 y the dermis is twice as stiff (Agache 1980) and relaxes
   * more slowly (tau_slow 1 s vs 0.1 s), with strength and toughness unchanged: the skin tents
   * less before the wall's ties reach their strength, so the cut goes deeper at the same
   * travel. */
  assert_true(r80.penetration_fraction > r20.penetration_fraction);
  ns_pen_result_free(&r20);
  ns_pen_result_free(&r80);
}

static void pen_write(void **state) {
  (void)state;
  const struct ns_pen_result *r = base_case();
  char path[] = "/tmp/test_penetration_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct ns_err err = NS_ERR_INIT;
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(path, &w, &err), NS_OK);
  assert_int_equal(ns_pen_write(r, w, "/runs/0000", &err), NS_OK);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  double *f = NULL;
  size_t n = 0;
  assert_int_equal(ns_io_read_doubles(path, "/runs/0000/series/force", &f, &n, &err), NS_OK);
  assert_int_equal(n, r->n);
  assert_true(f[n - 1] == r->force[r->n - 1]);
  free(f);
  char *units = NULL;
  assert_int_equal(ns_io_read_attr_text(path, "/runs/0000/series/cut_depth", "units", &units, &err), NS_OK);
  assert_string_equal(units, "m");
  free(units);
  assert_int_equal(ns_io_read_doubles(path, "/runs/0000/events/force", &f, &n, &err), NS_OK);
  assert_int_equal(n, r->nevents);
  free(f);
  assert_int_equal(ns_io_read_doubles(path, "/runs/0000/snapshots/max_insertion/tie_damage", &f, &n, &err), NS_OK);
  assert_int_equal(n, r->ntie);
  free(f);
  unlink(path);
  char xmf[64];
  snprintf(xmf, sizeof xmf, "%s.xmf", path);
  unlink(xmf);
}

static int teardown(void **state) {
  (void)state;
  if (base_done) ns_pen_result_free(&base);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pen_bad_input), cmocka_unit_test(pen_tenting), cmocka_unit_test(pen_core),
      cmocka_unit_test(pen_cut),       cmocka_unit_test(pen_grid),    cmocka_unit_test(pen_energy),
      cmocka_unit_test(pen_blunt),     cmocka_unit_test(pen_rate),    cmocka_unit_test(pen_rate_dashpot), cmocka_unit_test(pen_age),
      cmocka_unit_test(pen_write),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
