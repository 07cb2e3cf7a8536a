/* verify_pen_core.c — make verify: the annular cutting model's missing core r < r0 as the cut
 * radius r0 shrinks (docs/penetration.md sections 3.1 and 4).
 *
 * The full-axis tenting model (fracture = 0) and the annular model (fracture = 1, no tie broken)
 * are pressed 30 um into the table skin (35 y, elastic with the relaxed moduli, frictionless,
 * 10 um tip, 15 degrees) with r0 = 10, 5, 2.5, 1.25 and 0.625 um. Before any tie softens the
 * annulus is the full model with a radially rigid core that slides freely in z: as r0 -> 0 the
 * core shrinks to the axis and the tip's cap (r < rho cos theta) presses on the surface nodes
 * r0 < r as on the full grid, so the force ratio annulus / full must approach 1.
 * Criteria: the ratio at the two smallest radii within 5 % of each other (converged, the
 * acceptance tolerance of issue 4 for grid changes) and within 10 % of 1 (the two grids differ:
 * 32 stretched radial cells from the axis vs 32 geometric cells from r0).
 * Prints a table and "[       OK ]" / "[  FAILED  ]" lines. Slow (the small radii need
 * hundreds of Newton iterations: minutes), hence here and not in tests/unit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"
#include "pen_cases.h"

#define NRADII 5

int main(void) {
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  cfg.age_years = 35.0;
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  if (ns_skin_build(&cfg, &sk, &err) != NS_OK) {
    printf("[  FAILED  ] skin: %s\n", err.msg);
    return 1;
  }
  struct ns_pen_spec s = ns_test_press_spec(&sk, 0);
  struct ns_pen_result r;
  if (ns_pen_run(&s, &r, &err) != NS_OK) {
    printf("[  FAILED  ] full grid: %s\n", err.msg);
    return 1;
  }
  const double f_full = r.force[r.n - 1];
  printf("full-axis force at 30 um: %.4e N (%ld Newton, %.1f s)\n", f_full, r.newton_iters, r.wall_s);
  ns_pen_result_free(&r);
  /* Cut radii [m]: the tip radius and four halvings. */
  const double radii[NRADII] = {10e-6, 5e-6, 2.5e-6, 1.25e-6, 0.625e-6};
  double ratio[NRADII];
  printf("  r0 [um]   F [N]        annulus/full   Newton   wall [s]\n");
  s.fracture = 1;
  for (int i = 0; i < NRADII; i++) {
    s.cut_radius = radii[i];
    ratio[i] = NAN;
    if (ns_pen_run(&s, &r, &err) != NS_OK) {
      printf("  %6.3f   failed: %s\n", radii[i] * 1e6, err.msg);
      continue;
    }
    ratio[i] = r.force[r.n - 1] / f_full;
    printf("  %6.3f   %.4e   %.4f         %5ld   %.1f\n", radii[i] * 1e6, r.force[r.n - 1], ratio[i], r.newton_iters,
           r.wall_s);
    ns_pen_result_free(&r);
  }
  int ok = 1;
  const double a = ratio[NRADII - 2], b = ratio[NRADII - 1];
  if (isfinite(a) && isfinite(b) && fabs(b / a - 1.0) < 0.05) {
    printf("[       OK ] core: ratio converges as r0 halves (%.4f -> %.4f)\n", a, b);
  } else {
    printf("[  FAILED  ] core: ratio converges as r0 halves: %.4f -> %.4f\n", a, b);
    ok = 0;
  }
  if (isfinite(b) && fabs(b - 1.0) < 0.10) {
    printf("[       OK ] core: annulus / full -> 1 (%.4f at r0 = %.3g um)\n", b, radii[NRADII - 1] * 1e6);
  } else {
    printf("[  FAILED  ] core: annulus / full -> 1: %.4f at r0 = %.3g um\n", b, radii[NRADII - 1] * 1e6);
    ok = 0;
  }
  return ok ? 0 : 1;
}
