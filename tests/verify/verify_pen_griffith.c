/* verify_pen_griffith.c — make verify: grid dependence of the Griffith cut's puncture force
 * (penetration.cut_law = griffith, docs/penetration.md section 1 "Griffith cut", section 5 items 13 and 14).
 *
 * CUT_CASE (tests/unit/pen_cases.h) with the griffith law, 10 um tip = cut radius, on its base
 * grid (16 radial cells, SC / 4 at the surface, 10 um path cells), its fine grid (every cell
 * halved: 32 radial cells, SC / 8, 5 um) and its coarse grid (every cell doubled, as pen_grid in
 * tests/unit/test_penetration.c: 8 radial cells, SC / 2, 20 um), output points every 2.5 um of
 * travel (the release trials follow them) to 180 um, past the stratum corneum's perforation
 * (92.5 / 112.5 / 122 um of travel on the coarse / base / fine grid). The same grids with no
 * release at all (griffith_rows < 0: the elastic-tie tenting) are printed beside them at the
 * travel of the base grid's puncture: how much of a difference the tenting before any cut already
 * has. 180 um, not 200: at 200 um the coarse grid's run stops at 189 um, after the puncture, in an
 * ordinary substep (line search at 1.4 x the tolerance; docs/penetration.md section 5 item 14).
 * Criterion: puncture force fine / base within 5 % (issue 4's acceptance for grid refinement).
 * The coarse grid is printed, not judged: with two cells across the stratum corneum (the hard
 * floor of ns_pen_check; the studies ask for four) its tenting force before any cut is already
 * 27 % above the base grid's, so coarse vs base measures the coarse grid's bending error, not
 * the fracture law's grid dependence. Measured: with one row per release trial (session 6)
 * fine / base +17 % (1.61 against 1.37 mN; the tenting without release -8 %); with a group of
 * rows about r0 tall per trial (penetration.c GRIFFITH_ADVANCE, session 7) +3.6 % (1.424 against
 * 1.374 mN; coarse 1.377). Prints "[       OK ]" / "[  FAILED  ]" lines. About a minute and a
 * half, hence here and not in tests/unit/test_pen_griffith.c.
 */
#include <math.h>
#include <stdio.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"
#include "pen_cases.h"

/* Travel [m] and output step [m] of the runs. */
#define TRAVEL 180e-6
#define STEP 2.5e-6

/* Grid levels of the runs: the base grid of CUT_CASE, every cell doubled, every cell halved. */
enum { BASE, COARSE, FINE, NLEVEL };
static const char *const level_name[NLEVEL] = {"base", "coarse", "fine"};

/* Run CUT_CASE on grid level lev with the griffith law; rows < 0: no release. */
static int run(const struct ns_skin *sk, int lev, int rows, struct ns_pen_result *r) {
  struct ns_pen_spec s = ns_test_cut_spec(sk);
  s.cut_law = NS_PEN_CUT_GRIFFITH;
  s.griffith_rows = rows;
  s.travel = TRAVEL;
  s.steps = (int)(TRAVEL / STEP + 0.5);
  if (lev != BASE) {
    /* Cell size factor against the base grid: 2 coarse, 1/2 fine. */
    const double f = lev == COARSE ? 2.0 : 0.5;
    s.cells_r = (int)(s.cells_r / f + 0.5);
    s.surface_cell = sk->layer[0].thickness.value / 4.0 * f;
    s.path_cell = 10e-6 * f;
  }
  struct ns_err err = NS_ERR_INIT;
  if (ns_pen_run(&s, r, &err) != NS_OK) {
    printf("  %s grid: %s\n", level_name[lev], err.msg);
    return 0;
  }
  return 1;
}

/* Force at tip depth d by linear interpolation of the series (NAN outside). */
static double force_at(const struct ns_pen_result *r, double d) {
  for (size_t k = 1; k < r->n; k++)
    if (r->tip_depth[k] >= d && r->tip_depth[k - 1] <= d) {
      const double w = (d - r->tip_depth[k - 1]) / (r->tip_depth[k] - r->tip_depth[k - 1]);
      return (1.0 - w) * r->force[k - 1] + w * r->force[k];
    }
  return NAN;
}

int main(void) {
  struct ns_skin sk;
  if (!ns_test_cut_skin_or_report(35.0, &sk)) return 1;
  struct ns_pen_result g[NLEVEL], t[NLEVEL];
  for (int c = 0; c < NLEVEL; c++)
    if (!run(&sk, c, 0, &g[c]) || !run(&sk, c, -1, &t[c])) {
      printf("[  FAILED  ] griffith puncture force, %s grid: the run failed\n", level_name[c]);
      return 1;
    }
  const double d_p = g[BASE].nevents ? g[BASE].events[0].tip_depth : NAN;
  printf("  grid     puncture [mN]  at tip [um]  releases/trials (not converged)  Newton  wall [s]  tenting at %.1f um [mN]\n",
         d_p * 1e6);
  for (int c = 0; c < NLEVEL; c++)
    printf("  %-7s  %12.4f  %11.1f  %6ld/%-6ld (%ld)               %6ld  %8.1f  %10.4f\n", level_name[c],
           g[c].puncture_force * 1e3, g[c].nevents ? g[c].events[0].tip_depth * 1e6 : NAN, g[c].griffith_releases,
           g[c].griffith_trials, g[c].griffith_failed, g[c].newton_iters, g[c].wall_s, force_at(&t[c], d_p) * 1e3);
  for (int c = COARSE; c < NLEVEL; c++)
    printf("  puncture %s / base - 1 = %+.4f; tenting without release %s / base - 1 = %+.4f\n", level_name[c],
           g[c].puncture_force / g[BASE].puncture_force - 1.0, level_name[c],
           force_at(&t[c], d_p) / force_at(&t[BASE], d_p) - 1.0);
  const double rel = g[FINE].puncture_force / g[BASE].puncture_force - 1.0;
  /* Issue 4's acceptance for grid refinement: 5 %. */
  const int ok = ns_test_check(isfinite(rel) && fabs(rel) < 0.05, "griffith puncture force fine vs base grid within 5 %");
  for (int c = 0; c < NLEVEL; c++) {
    ns_pen_result_free(&g[c]);
    ns_pen_result_free(&t[c]);
  }
  return ok ? 0 : 1;
}
