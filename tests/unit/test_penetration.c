/* test_penetration.c — the needle insertion problem (sim/penetration.c), tenting phase.
 *
 *   pen_bad_input      needle longer than the domain, tip radius above the shaft radius, zero
 *                      speed, travel beyond the needle, too coarse a surface grid: NS_EINPUT with
 *                      the key in the message
 *   pen_tenting        default forearm skin (35 y), QLV, friction 0.36: before puncture the
 *                      surface follows the tip (deflection = tip depth up to the contact
 *                      penetration), the force grows monotonically; the energy ledger is printed
 *                      (it does not close yet: see docs/penetration.md)
 *   pen_blunt_rate     at the same travel a blunter tip (25 um vs 5 um) needs more force, and a
 *                      faster insertion (QLV: less relaxation) needs more force
 *   pen_write          the series and the snapshot are written with units (read back)
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

static struct ns_skin skin35(void) {
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
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
  const struct ns_skin sk = skin35();
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.needle.length = 5e-3; /* domain 3 mm */
  expect_input_error(&s, "needle.length_mm");
  s = ns_pen_spec_defaults(&sk);
  s.needle.tip_radius = 200e-6; /* shaft radius 125 um */
  expect_input_error(&s, "needle.tip_radius_um");
  s = ns_pen_spec_defaults(&sk);
  s.speed = 0.0;
  expect_input_error(&s, "loading.speed_mm_s");
  s = ns_pen_spec_defaults(&sk);
  s.travel = 2e-3;
  expect_input_error(&s, "loading.depth_mm");
  s = ns_pen_spec_defaults(&sk);
  s.needle.tip_half_angle = 2.0; /* > 90 degrees */
  expect_input_error(&s, "needle.tip_half_angle_deg");
  s = ns_pen_spec_defaults(&sk);
  s.surface_cell = 40e-6;
  expect_input_error(&s, "grid.surface_cell_um");
}

static void pen_tenting(void **state) {
  (void)state;
  const struct ns_skin sk = skin35();
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.travel = 30e-6; /* keeps the test short; 50 um measured the same behaviour */
  s.steps = 6;
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_pen_run(&s, &r, &err), NS_OK);
  printf("  k  t[ms]  tip[um]  defl[um]  F[mN]  Ffric[mN]  W[nJ]  stored  viscous  friction  interface\n");
  for (size_t k = 0; k < r.n; k++)
    printf("  %2zu %6.2f %7.2f %8.3f %8.4f %8.5f %8.4f %8.4f %8.4f %8.5f %8.5f\n", k, r.time[k] * 1e3,
           r.tip_depth[k] * 1e6, r.deflection[k] * 1e6, r.force[k] * 1e3, r.force_friction[k] * 1e3, r.work[k] * 1e9,
           r.stored[k] * 1e9, r.viscous[k] * 1e9, r.friction[k] * 1e9, r.interface[k] * 1e9);
  printf("  energy error %.4f, %ld Newton, %ld substeps, %.2f s\n", r.energy_error, r.newton_iters, r.substeps,
         r.wall_s);
  for (size_t k = 1; k < r.n; k++) {
    assert_true(r.force[k] > r.force[k - 1]);
    /* Before puncture the surface under the tip moves with the tip: the axis node's deflection
     * is the tip depth minus the remaining contact penetration (Uzawa: < 1 % of the depth). */
    assert_true(fabs(r.deflection[k] / r.tip_depth[k] - 1.0) < 1e-2);
  }
  /* The energy ledger (needle work against stored + viscous + friction + interface energy) does
   * NOT close yet: measured 16 % (stored + viscous exceed the work), also without augmentation.
   * Not asserted until the cause is found (see docs/penetration.md "Status"); the terms are
   * checked for sign only. */
  assert_true(r.viscous[r.n - 1] > 0.0);
  assert_true(r.friction[r.n - 1] >= 0.0);
  assert_true(r.work[r.n - 1] > 0.0);
  ns_pen_result_free(&r);
}

static double force_at_end(struct ns_pen_spec *s) {
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  s->snapshots = 0;
  assert_int_equal(ns_pen_run(s, &r, &err), NS_OK);
  const double F = r.force[r.n - 1];
  ns_pen_result_free(&r);
  return F;
}

static void pen_blunt_rate(void **state) {
  (void)state;
  const struct ns_skin sk = skin35();
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.steps = 3;
  s.travel = 30e-6;
  s.needle.tip_radius = 5e-6;
  const double Fsharp = force_at_end(&s);
  s.needle.tip_radius = 25e-6;
  const double Fblunt = force_at_end(&s);
  s.needle.tip_radius = 10e-6;
  s.speed = 1e-4; /* 0.1 mm/s: 0.3 s for 30 um, longer than the slow Prony times at 35 y */
  const double Fslow = force_at_end(&s);
  s.speed = 1e-2; /* 10 mm/s: 3 ms, shorter than the fast Prony time (10 ms) */
  const double Ffast = force_at_end(&s);
  printf("  F(30 um): tip 5 um %.4e N, 25 um %.4e N; 0.1 mm/s %.4e N, 10 mm/s %.4e N\n", Fsharp, Fblunt, Fslow,
         Ffast);
  /* A blunter tip loads a larger contact area at the same depth (Hertz-like: F ~ sqrt(R)). */
  assert_true(Fblunt > 1.05 * Fsharp);
  /* QLV: at 10 mm/s the tissue has no time to relax (instantaneous modulus = relaxed / (1 -
   * sum g) = 3.6 x for the epidermis and dermis), at 0.1 mm/s it relaxes only partly (0.3 s of
   * loading against tau_slow = 0.25 s): the ratio must lie between 1 and 3.6; 1.2 is a margin far
   * above the solver tolerance (measured 1.47). */
  assert_true(Ffast > 1.2 * Fslow);
  assert_true(Ffast < 3.6 * Fslow);
}

static void pen_write(void **state) {
  (void)state;
  const struct ns_skin sk = skin35();
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.steps = 2;
  s.travel = 10e-6;
  struct ns_pen_result r;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_pen_run(&s, &r, &err), NS_OK);
  char path[] = "/tmp/test_penetration_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct ns_writer *w = NULL;
  assert_int_equal(ns_writer_open(path, &w, &err), NS_OK);
  assert_int_equal(ns_pen_write(&r, w, "/runs/0000", &err), NS_OK);
  assert_int_equal(ns_writer_commit(w, &err), NS_OK);
  double *f = NULL;
  size_t n = 0;
  assert_int_equal(ns_io_read_doubles(path, "/runs/0000/series/force", &f, &n, &err), NS_OK);
  assert_int_equal(n, r.n);
  assert_true(f[n - 1] == r.force[r.n - 1]);
  char *units = NULL;
  assert_int_equal(ns_io_read_attr_text(path, "/runs/0000/series/force", "units", &units, &err), NS_OK);
  assert_string_equal(units, "N");
  free(units);
  free(f);
  assert_int_equal(ns_io_read_doubles(path, "/runs/0000/series/surface_deflection", &f, &n, &err), NS_OK);
  free(f);
  unlink(path);
  char xmf[64];
  snprintf(xmf, sizeof xmf, "%s.xmf", path);
  unlink(xmf);
  ns_pen_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pen_bad_input), cmocka_unit_test(pen_tenting),
      cmocka_unit_test(pen_blunt_rate),
      cmocka_unit_test(pen_write),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
