/* pen_params.c — parameter study driver for the cutting model (docs/penetration_parameters.md).
 *
 * Runs one ns_pen_run of the default problem (35 y forearm, 1 mm needle, tip 10 um, 15 degrees,
 * 1 mm/s), frictionless, quasi-static, cutting on, with per-layer Ogden exponents, a toughness
 * scale and an optional uniform cohesive strength, and prints the series and the summary.
 * Not built by the Makefile (a study tool, not a test). Build after `make`:
 *   cc -std=c11 -D_XOPEN_SOURCE=700 -fopenmp -O2 -Iinclude -Isim analysis/pen_params/pen_params.c \
 *      build/libneedlesim.a $(pkg-config --cflags --libs gsl hdf5 inih) -lm -o build/pen_params
 * Usage:
 *   pen_params age alpha_sc alpha_epi alpha_dermis alpha_hypo toughness_scale strength_Pa travel_um
 *   (strength_Pa 0: the skin table's strength). Environment: CELLS_R, PATH_CELL [um], SURF_CELL
 *   [um, 0 = SC/4] override the grid (the study used 16, 10, 0: the grid of test_penetration.c).
 * Public functions: main only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"

/* Micrometre and millinewton in SI, for the printout. */
#define UM 1e-6
#define MN 1e-3
/* Output points every 50 um of travel (the adaptive steps are finer). */
#define OUTPUT_TRAVEL (50.0 * UM)

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: %s age a_sc a_epi a_dermis a_hypo toughness_scale strength_Pa travel_um\n", argv[0]);
    return 2;
  }
  const double age = atof(argv[1]);
  const double alpha[4] = {atof(argv[2]), atof(argv[3]), atof(argv[4]), atof(argv[5])};
  const double tscale = atof(argv[6]), strength = atof(argv[7]), travel = atof(argv[8]) * UM;
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  cfg.age_years = age;
  cfg.layer[NS_LAYER_STRATUM_CORNEUM].ogden_alpha = alpha[0];
  cfg.layer[NS_LAYER_EPIDERMIS].ogden_alpha = alpha[1];
  cfg.layer[NS_LAYER_PAPILLARY_DERMIS].ogden_alpha = alpha[2];
  cfg.layer[NS_LAYER_RETICULAR_DERMIS].ogden_alpha = alpha[2];
  cfg.layer[NS_LAYER_HYPODERMIS].ogden_alpha = alpha[3];
  if (strength > 0.0)
    for (int l = 0; l < NS_NLAYERS; l++) cfg.layer[l].tensile_strength = strength;
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  if (ns_skin_build(&cfg, &sk, &err) != NS_OK) {
    fprintf(stderr, "skin: %s\n", err.msg);
    return 1;
  }
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  s.fracture = 1;
  s.friction = 0.0;
  s.dynamics = 0;
  s.toughness_scale = tscale;
  s.travel = travel;
  s.steps = (int)lround(travel / OUTPUT_TRAVEL);
  s.snapshots = 0;
  if (getenv("CELLS_R")) s.cells_r = atoi(getenv("CELLS_R"));
  if (getenv("PATH_CELL")) s.path_cell = atof(getenv("PATH_CELL")) * UM;
  if (getenv("SURF_CELL")) s.surface_cell = atof(getenv("SURF_CELL")) * UM;
  struct ns_pen_result r;
  const enum ns_status st = ns_pen_run(&s, &r, &err);
  printf("# age %g alpha %g %g %g %g toughness_scale %g strength %g travel %g status %d %s\n", age, alpha[0],
         alpha[1], alpha[2], alpha[3], tscale, strength, travel, (int)st, st == NS_OK ? "" : err.msg);
  if (st != NS_OK) return 1;
  printf("# tip_um deflection_um force_mN cut_um fraction\n");
  for (size_t k = 0; k < r.n; k++)
    printf("%8.2f %8.2f %9.4f %8.2f %6.4f\n", r.tip_depth[k] / UM, r.deflection[k] / UM, r.force[k] / MN,
           r.cut_depth[k] / UM, r.cut_depth[k] / s.needle.length);
  printf("# SUMMARY puncture_mN %.4f tenting_um %.2f peak_mN %.4f maxcut_um %.2f fraction %.4f embedded_um %.2f "
         "layer %d newton %ld wall %.1f s events %zu\n",
         r.puncture_force / MN, r.tenting / UM, r.peak_force / MN, r.max_cut_depth / UM, r.penetration_fraction,
         r.embedded_length / UM, r.deepest_layer, r.newton_iters, r.wall_s, r.nevents);
  for (size_t e = 0; e < r.nevents; e++)
    printf("# EVENT layer %d tip %.1f um force %.3f mN deflection %.1f um cut %.1f um\n", r.events[e].layer,
           r.events[e].tip_depth / UM, r.events[e].force / MN, r.events[e].deflection / UM,
           r.events[e].cut_depth / UM);
  ns_pen_result_free(&r);
  return 0;
}
