/* test_scenario.c — scenario files: parsing, every error message, defaults, SI conversion, sweeps,
 * --set, the parameter table, the example files in tests/data/scenarios/, and docs/scenarios.md.
 *
 * Expected messages and values are written out by hand from the format in scenario.h and the key
 * list of the issue (not copied from program output). Run from the repository root (tests/run.sh
 * does), since the example files and docs/scenarios.md are found by relative path.
 *
 *   build/tests/test_scenario                     run the tests
 *   build/tests/test_scenario --write-reference   print the key reference (docs/scenarios.md)
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "needlesim/config.h"
#include "needlesim/scenario.h"
#include "needlesim/skin.h"
#include "scenario_impl.h"

#define PI 3.14159265358979323846
/* Relative tolerance for unit conversions: value * factor is one rounded multiplication, so the
 * result may differ from the literal SI number by one ulp (2.2e-16 relative); 1e-15 allows that. */
#define CONV_RTOL 1e-15

#define GOOD_DIR "tests/data/scenarios/good"
#define BAD_DIR "tests/data/scenarios/bad"
#define REFERENCE "docs/scenarios.md"

/* ---- helpers ---------------------------------------------------------------------------------- */

static void assert_close(double got, double want, const char *what) {
  if (!(fabs(got - want) <= CONV_RTOL * fabs(want))) fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* Load text as "t.ini", apply the --set overrides, validate. Returns the status; *sc_out (if not
 * NULL) receives the scenario on success. */
static enum ns_status run_text(const char *text, const char *const *sets, size_t nsets, struct ns_scenario **sc_out,
                               struct ns_err *err) {
  struct ns_scenario *sc = NULL;
  ns_err_clear(err);
  enum ns_status s = ns_scenario_load_string("t.ini", text, &sc, err);
  for (size_t i = 0; s == NS_OK && i < nsets; i++) s = ns_scenario_set(sc, sets[i], err);
  if (s == NS_OK) s = ns_scenario_validate(sc, err);
  if (s == NS_OK && sc_out)
    *sc_out = sc;
  else
    ns_scenario_free(sc);
  return s;
}

static struct ns_scenario *load_ok(const char *text) {
  struct ns_scenario *sc = NULL;
  struct ns_err err = NS_ERR_INIT;
  enum ns_status s = run_text(text, NULL, 0, &sc, &err);
  if (s != NS_OK) fail_msg("unexpected error: %s", err.msg);
  return sc;
}

static void resolve_ok(const struct ns_scenario *sc, size_t icase, struct ns_config *cfg) {
  struct ns_err err = NS_ERR_INIT;
  if (ns_scenario_resolve(sc, icase, cfg, &err) != NS_OK) fail_msg("resolve(%zu): %s", icase, err.msg);
}

/* ---- every error message, one test each --------------------------------------------------------- */

struct err_case {
  const char *name;
  const char *text;
  const char *set[3]; /* --set overrides applied after loading, NULL-terminated */
  const char *msg;    /* the exact message */
};

static void run_err_case(void **state) {
  const struct err_case *c = *state;
  struct ns_err err = NS_ERR_INIT;
  size_t nsets = 0;
  while (nsets < 3 && c->set[nsets]) nsets++;
  enum ns_status s = run_text(c->text, c->set, nsets, NULL, &err);
  assert_int_equal(s, NS_EINPUT);
  assert_int_equal(ns_status_exit_code(s), 2);
  assert_string_equal(err.msg, c->msg);
  assert_null(strchr(err.msg, '\n'));
}

#define KNOWN_SECTIONS \
  "a known section (study, skin, layer.<layer>, needle, device, loading, closure, indentation, suction, penetration, " \
  "grid, numerics, " \
  "output, sweep)"
#define BOTTOM_REASON \
  "(the bottom of the domain is held fixed; closer to the needle tip it would stiffen the response)"
#define DT_CHAIN "(dt_min_s <= dt_initial_s <= dt_max_s)"
#define OVERLAP "(neighbouring needles would overlap)"

/* ---- defaults and conversion to SI ------------------------------------------------------------- */

static void test_defaults(void **state) {
  (void)state;
  struct ns_scenario *sc = load_ok("; a file of only comments is valid: every key takes its default\n# really\n");
  struct ns_config cfg;
  assert_int_equal(ns_scenario_case_count(sc), 1);
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.study.kind, NS_STUDY_PROFILE);
  assert_close(cfg.skin.age_years, 35, "age");
  assert_int_equal(cfg.skin.site, NS_SITE_FOREARM);
  assert_close(cfg.skin.hydration, 0.5, "hydration");
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_layer_override *o = &cfg.skin.layer[l];
    assert_true(isnan(o->thickness) && isnan(o->youngs_modulus) && isnan(o->poisson_ratio) && isnan(o->ogden_alpha));
    assert_true(isnan(o->toughness) && isnan(o->friction_coefficient) && isnan(o->density));
    for (int k = 0; k < NS_MAX_PRONY; k++) assert_true(isnan(o->prony_g[k]) && isnan(o->prony_tau[k]));
  }
  assert_close(cfg.needle.length, 1.0e-3, "needle length");
  assert_close(cfg.needle.shaft_diameter, 250e-6, "shaft diameter");
  assert_close(cfg.needle.tip_radius, 4e-6, "tip radius");
  assert_close(cfg.needle.tip_half_angle, 15.0 * PI / 180.0, "tip half angle");
  assert_int_equal(cfg.device.type, NS_DEVICE_SINGLE);
  /* Device keys of other device types do not apply to `single`: NAN / 0. */
  assert_true(isnan(cfg.device.drum_diameter) && isnan(cfg.device.drum_width) && isnan(cfg.device.pitch));
  assert_true(isnan(cfg.device.stroke_depth) && isnan(cfg.device.stroke_rate));
  assert_int_equal(cfg.device.needle_rows, 0);
  assert_int_equal(cfg.device.needles_per_row, 0);
  assert_int_equal(cfg.loading.control, NS_CONTROL_DEPTH);
  assert_close(cfg.loading.speed, 1e-3, "speed");
  assert_true(isnan(cfg.loading.force));
  assert_close(cfg.loading.depth, 1.0e-3, "depth = needle length");
  assert_close(cfg.loading.dwell, 0, "dwell");
  assert_true(isnan(cfg.loading.slip));
  assert_close(cfg.closure.duration, 600, "closure");
  assert_int_equal(cfg.grid.geometry, NS_GEOM_AXISYMMETRIC);
  assert_close(cfg.grid.width, 4e-3, "width");
  assert_close(cfg.grid.depth, 5e-3, "depth");
  assert_int_equal(cfg.grid.cells_lateral, 128);
  assert_int_equal(cfg.grid.cells_depth, 128);
  assert_close(cfg.grid.surface_cell, 3e-6, "surface cell");
  assert_close(cfg.grid.axis_cell, 2e-6, "axis cell");
  assert_close(cfg.numerics.newton_rtol, 1e-8, "newton rtol");
  assert_int_equal(cfg.numerics.newton_max_iter, 30);
  assert_close(cfg.numerics.linear_rtol, 1e-8, "linear rtol");
  assert_int_equal(cfg.numerics.linear_max_iter, 500);
  assert_close(cfg.numerics.dt_initial, 1e-3, "dt initial");
  assert_close(cfg.numerics.dt_min, 1e-9, "dt min");
  assert_close(cfg.numerics.dt_max, 60, "dt max");
  assert_string_equal(cfg.output.file, "");
  assert_int_equal(cfg.output.snapshots, 1);
  ns_scenario_free(sc);
}

/* [penetration]: defaults and SI conversions for its study, NAN / 0 for the others; the layer
 * tensile strength (MPa -> Pa, NAN when not given); the pen's default speed is the peak speed of
 * its sinusoidal stroke, pi f s, and a given speed wins; the stamp's needle count. */
static void test_penetration_config(void **state) {
  (void)state;
  struct ns_config cfg;
  struct ns_scenario *sc = load_ok("[study]\ntype = penetration\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.study.kind, NS_STUDY_PENETRATION);
  assert_int_equal(cfg.penetration.cutting, 1);
  assert_true(isnan(cfg.penetration.cut_radius)); /* none: the tip radius */
  assert_close(cfg.penetration.toughness_scale, 1.0, "toughness scale 1");
  assert_int_equal(cfg.penetration.dynamics, NS_PEN_DYNAMICS_AUTO);
  assert_int_equal(cfg.penetration.output_steps, 20);
  assert_true(isnan(cfg.penetration.path_cell));
  for (int l = 0; l < NS_NLAYERS; l++) assert_true(isnan(cfg.skin.layer[l].tensile_strength));
  ns_scenario_free(sc);

  sc = load_ok("[study]\ntype = penetration\n[penetration]\ncutting = no\ncut_radius_um = 20\ntoughness_scale = 2.5\n"
               "dynamics = off\noutput_steps = 7\npath_cell_um = 1.5\n[layer.reticular_dermis]\n"
               "tensile_strength_MPa = 2.5\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.penetration.cutting, 0);
  assert_close(cfg.penetration.cut_radius, 20e-6, "20 um");
  assert_close(cfg.penetration.toughness_scale, 2.5, "scale 2.5");
  assert_int_equal(cfg.penetration.dynamics, NS_PEN_DYNAMICS_OFF);
  assert_int_equal(cfg.penetration.output_steps, 7);
  assert_close(cfg.penetration.path_cell, 1.5e-6, "1.5 um");
  assert_close(cfg.skin.layer[NS_LAYER_RETICULAR_DERMIS].tensile_strength, 2.5e6, "2.5 MPa = 2.5e6 Pa");
  assert_true(isnan(cfg.skin.layer[NS_LAYER_EPIDERMIS].tensile_strength));
  ns_scenario_free(sc);

  /* Other studies: the [penetration] fields are NAN / 0. */
  sc = load_ok("[study]\ntype = profile\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.penetration.output_steps, 0);
  assert_true(isnan(cfg.penetration.toughness_scale));
  ns_scenario_free(sc);

  /* Pen: 2 mm stroke at 100 Hz peaks at pi x 100 x 2 = 628.3 mm/s; a given speed is kept. */
  sc = load_ok("[device]\ntype = pen\nstroke_depth_mm = 2\nstroke_rate_hz = 100\n[grid]\ndepth_mm = 3\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.loading.speed, PI * 100 * 2e-3, "pi f s");
  ns_scenario_free(sc);
  sc = load_ok("[device]\ntype = pen\n[loading]\nspeed_mm_s = 50\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.loading.speed, 0.05, "given 50 mm/s");
  ns_scenario_free(sc);

  sc = load_ok("[device]\ntype = stamp\nneedle_count = 140\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.device.needle_count, 140);
  ns_scenario_free(sc);
}

/* [indentation] and [suction]: defaults and conversions to SI for their study, NAN / 0 for the
 * other studies and for the indenter keys of other shapes; the needle checks do not apply. */
static void test_characterisation_config(void **state) {
  (void)state;
  struct ns_config cfg;
  struct ns_scenario *sc = load_ok("[study]\ntype = indentation\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.study.kind, NS_STUDY_INDENTATION);
  assert_int_equal(cfg.indentation.indenter, NS_INDENTER_FLAT);
  assert_close(cfg.indentation.radius, 1000e-6, "punch radius 1000 um");
  assert_true(isnan(cfg.indentation.half_angle)); /* not a cone */
  assert_close(cfg.indentation.depth, 200e-6, "depth 200 um");
  assert_close(cfg.indentation.speed, 100e-6, "speed 100 um/s");
  assert_close(cfg.indentation.hold, 5, "hold 5 s");
  assert_true(isnan(cfg.suction.aperture) && isnan(cfg.suction.pressure) && isnan(cfg.suction.on));
  assert_int_equal(cfg.suction.cycles, 0);
  ns_scenario_free(sc);

  sc = load_ok("[study]\ntype = indentation\n[indentation]\nindenter = cone\nhalf_angle_deg = 60\ndepth_um = 150\n"
               "speed_um_s = 12.5\nhold_s = 0\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.indentation.indenter, NS_INDENTER_CONE);
  assert_true(isnan(cfg.indentation.radius)); /* a cone has no radius */
  assert_close(cfg.indentation.half_angle, PI / 3.0, "60 deg");
  assert_close(cfg.indentation.depth, 150e-6, "150 um");
  assert_close(cfg.indentation.speed, 12.5e-6, "12.5 um/s");
  assert_close(cfg.indentation.hold, 0, "no hold");
  ns_scenario_free(sc);

  sc = load_ok("[study]\ntype = suction\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.study.kind, NS_STUDY_SUCTION);
  /* Cutometer standard: 2 mm probe, 450 mbar, 2 s on / 2 s off, one cycle. */
  assert_close(cfg.suction.aperture, 2e-3, "aperture 2 mm");
  assert_close(cfg.suction.pressure, 45000, "450 mbar = 45000 Pa");
  assert_close(cfg.suction.on, 2, "on 2 s");
  assert_close(cfg.suction.off, 2, "off 2 s");
  assert_int_equal(cfg.suction.cycles, 1);
  assert_true(isnan(cfg.indentation.radius) && isnan(cfg.indentation.depth));
  ns_scenario_free(sc);

  /* Needle checks do not apply: a 1.2 mm deep, 0.6 mm wide domain is fine for a 0.3 mm aperture
   * although the default 1 mm needle would need 1.5 mm of depth. */
  sc = load_ok("[study]\ntype = suction\n[grid]\ndepth_mm = 1.2\nwidth_mm = 0.6\n[suction]\naperture_mm = 0.3\n"
               "pressure_mbar = 300\non_s = 1.5\noff_s = 0.5\ncycles = 4\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.suction.aperture, 0.3e-3, "0.3 mm");
  assert_close(cfg.suction.pressure, 30000, "300 mbar");
  assert_close(cfg.suction.on, 1.5, "on");
  assert_close(cfg.suction.off, 0.5, "off");
  assert_int_equal(cfg.suction.cycles, 4);
  ns_scenario_free(sc);

  /* The parameter table marks the indenter key of another shape. */
  sc = load_ok("[study]\ntype = indentation\n[indentation]\nindenter = sphere\nradius_um = 500\n");
  struct ns_param_row *p = NULL;
  size_t n = 0;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_scenario_params(sc, 0, &p, &n, &err), NS_OK);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(p[i].key, "indentation.half_angle_deg") == 0) {
      assert_string_equal(p[i].value, "n/a (indentation.indenter = sphere)");
      seen++;
    }
    if (strcmp(p[i].key, "indentation.radius_um") == 0) {
      assert_string_equal(p[i].value, "500");
      seen++;
    }
    if (strcmp(p[i].key, "suction.aperture_mm") == 0) {
      assert_string_equal(p[i].value, "n/a (study.type = indentation)");
      seen++;
    }
  }
  assert_int_equal(seen, 3);
  free(p);
  ns_scenario_free(sc);
}

static void test_roller_defaults(void **state) {
  (void)state;
  struct ns_scenario *sc = load_ok("[device]\ntype = roller\n");
  struct ns_config cfg;
  resolve_ok(sc, 0, &cfg);
  /* Schwarz & Laaff 2011: 2 cm x 2 cm drum, 8 rows x 24 = 192 needles. */
  assert_close(cfg.device.drum_diameter, 20e-3, "drum diameter");
  assert_close(cfg.device.drum_width, 20e-3, "drum width");
  assert_int_equal(cfg.device.needle_rows, 8);
  assert_int_equal(cfg.device.needles_per_row, 24);
  assert_close(cfg.loading.slip, 0, "slip");
  assert_true(isnan(cfg.device.pitch) && isnan(cfg.device.stroke_depth));
  ns_scenario_free(sc);
  sc = load_ok("[device]\ntype = pen\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.device.stroke_depth, 1.0e-3, "stroke depth");
  assert_close(cfg.device.stroke_rate, 117, "stroke rate (7000 rpm / 60)");
  assert_true(isnan(cfg.device.drum_diameter) && isnan(cfg.loading.slip));
  ns_scenario_free(sc);
  sc = load_ok("[device]\ntype = stamp\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.device.pitch, 2e-3, "pitch");
  ns_scenario_free(sc);
}

static void test_conversion(void **state) {
  (void)state;
  struct ns_scenario *sc = load_ok("[study]\ntype = profile\n"
                                   "[skin]\nage_years = 47.5\nsite = face\nhydration = 0.35\n"
                                   "[layer.epidermis]\nthickness_um = 62.5\nyoungs_modulus_kPa = 137.5\n"
                                   "poisson_ratio = 0.485\nogden_alpha = -4.5\n"
                                   "prony_g1 = 0.25\nprony_tau1_s = 0.015\nprony_g2 = 0.125\nprony_tau2_s = 1.75\n"
                                   "toughness_J_m2 = 850\nfriction_coefficient = 0.42\ndensity_kg_m3 = 1105\n"
                                   "[needle]\nlength_mm = 1.37\nshaft_diameter_um = 187.5\ntip_radius_um = 2.25\n"
                                   "tip_half_angle_deg = 22.5\n"
                                   "[device]\ntype = roller\ndrum_diameter_mm = 18.5\ndrum_width_mm = 16.25\n"
                                   "needle_rows = 6\nneedles_per_row = 19\n"
                                   "[loading]\nspeed_mm_s = 12.5\ndepth_mm = 0.85\ndwell_s = 2.5\nslip_mm = 0.35\n"
                                   "[closure]\nduration_s = 1234.5\n"
                                   "[grid]\ngeometry = 3d\nwidth_mm = 3.25\ndepth_mm = 4.75\ncells_lateral = 96\n"
                                   "cells_depth = 64\nsurface_cell_um = 2.5\naxis_cell_um = 1.5\n"
                                   "[numerics]\nnewton_rtol = 2.5e-9\nnewton_max_iter = 17\nlinear_rtol = 3.5e-7\n"
                                   "linear_max_iter = 250\ndt_initial_s = 2.5e-4\ndt_min_s = 1.5e-8\ndt_max_s = 12.5\n"
                                   "[output]\nfile = out/x.h5\nsnapshots = off\n");
  struct ns_config cfg;
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.skin.age_years, 47.5, "age");
  assert_int_equal(cfg.skin.site, NS_SITE_FACE);
  assert_close(cfg.skin.hydration, 0.35, "hydration");
  const struct ns_layer_override *o = &cfg.skin.layer[NS_LAYER_EPIDERMIS];
  assert_close(o->thickness, 62.5e-6, "thickness um -> m");
  assert_close(o->youngs_modulus, 137.5e3, "kPa -> Pa");
  assert_close(o->poisson_ratio, 0.485, "poisson");
  assert_close(o->ogden_alpha, -4.5, "ogden");
  assert_close(o->prony_g[0], 0.25, "g1");
  assert_close(o->prony_tau[0], 0.015, "tau1");
  assert_close(o->prony_g[1], 0.125, "g2");
  assert_close(o->prony_tau[1], 1.75, "tau2");
  assert_true(isnan(o->prony_g[2]) && isnan(o->prony_tau[2]));
  assert_close(o->toughness, 850, "toughness");
  assert_close(o->friction_coefficient, 0.42, "friction");
  assert_close(o->density, 1105, "density");
  assert_true(isnan(cfg.skin.layer[NS_LAYER_HYPODERMIS].thickness));
  assert_close(cfg.needle.length, 1.37e-3, "mm -> m");
  assert_close(cfg.needle.shaft_diameter, 187.5e-6, "um -> m");
  assert_close(cfg.needle.tip_radius, 2.25e-6, "tip");
  assert_close(cfg.needle.tip_half_angle, PI / 8, "22.5 deg = pi/8 rad");
  assert_int_equal(cfg.device.type, NS_DEVICE_ROLLER);
  assert_close(cfg.device.drum_diameter, 18.5e-3, "drum diameter");
  assert_close(cfg.device.drum_width, 16.25e-3, "drum width");
  assert_int_equal(cfg.device.needle_rows, 6);
  assert_int_equal(cfg.device.needles_per_row, 19);
  assert_int_equal(cfg.loading.control, NS_CONTROL_DEPTH);
  assert_close(cfg.loading.speed, 12.5e-3, "mm/s -> m/s");
  assert_close(cfg.loading.depth, 0.85e-3, "depth");
  assert_true(isnan(cfg.loading.force));
  assert_close(cfg.loading.dwell, 2.5, "dwell");
  assert_close(cfg.loading.slip, 0.35e-3, "slip");
  assert_close(cfg.closure.duration, 1234.5, "closure");
  assert_int_equal(cfg.grid.geometry, NS_GEOM_3D);
  assert_close(cfg.grid.width, 3.25e-3, "width");
  assert_close(cfg.grid.depth, 4.75e-3, "depth");
  assert_int_equal(cfg.grid.cells_lateral, 96);
  assert_int_equal(cfg.grid.cells_depth, 64);
  assert_close(cfg.grid.surface_cell, 2.5e-6, "surface cell");
  assert_close(cfg.grid.axis_cell, 1.5e-6, "axis cell");
  assert_close(cfg.numerics.newton_rtol, 2.5e-9, "newton rtol");
  assert_int_equal(cfg.numerics.newton_max_iter, 17);
  assert_close(cfg.numerics.linear_rtol, 3.5e-7, "linear rtol");
  assert_int_equal(cfg.numerics.linear_max_iter, 250);
  assert_close(cfg.numerics.dt_initial, 2.5e-4, "dt0");
  assert_close(cfg.numerics.dt_min, 1.5e-8, "dtmin");
  assert_close(cfg.numerics.dt_max, 12.5, "dtmax");
  assert_string_equal(cfg.output.file, "out/x.h5");
  assert_int_equal(cfg.output.snapshots, 0);
  ns_scenario_free(sc);

  sc = load_ok("[loading]\nforce_N = 0.35\n[device]\ntype = pen\nstroke_depth_mm = 1.25\nstroke_rate_hz = 116.7\n");
  resolve_ok(sc, 0, &cfg);
  assert_int_equal(cfg.loading.control, NS_CONTROL_FORCE);
  assert_close(cfg.loading.force, 0.35, "force");
  assert_true(isnan(cfg.loading.depth));
  assert_close(cfg.device.stroke_depth, 1.25e-3, "stroke depth");
  assert_close(cfg.device.stroke_rate, 116.7, "stroke rate");
  ns_scenario_free(sc);

  sc = load_ok("[device]\ntype = stamp\npitch_um = 1500\n");
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.device.pitch, 1.5e-3, "pitch");
  ns_scenario_free(sc);
}

/* Booleans in every accepted spelling. */
static void test_bools(void **state) {
  (void)state;
  const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes"}, *no[] = {"false", "no", "off", "0", "Off"};
  char text[128];
  struct ns_config cfg;
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    snprintf(text, sizeof text, "[output]\nsnapshots = %s\n", yes[i]);
    struct ns_scenario *sc = load_ok(text);
    resolve_ok(sc, 0, &cfg);
    assert_int_equal(cfg.output.snapshots, 1);
    ns_scenario_free(sc);
  }
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
    snprintf(text, sizeof text, "[output]\nsnapshots = %s\n", no[i]);
    struct ns_scenario *sc = load_ok(text);
    resolve_ok(sc, 0, &cfg);
    assert_int_equal(cfg.output.snapshots, 0);
    ns_scenario_free(sc);
  }
}

/* Comments, indentation, CRLF, a byte-order mark; '#' inside a value is kept. */
static void test_syntax_variants(void **state) {
  (void)state;
  const char *text = "\xEF\xBB\xBF; byte-order mark, then a comment\r\n"
                     "# hash comment\r\n"
                     "  [needle]   \r\n"
                     "    length_mm = 0.75 ; semicolon comment\r\n"
                     "\ttip_radius_um = 3.5 # hash comment\r\n"
                     "[output]\r\n"
                     "file = out/run#1;a.h5\r\n";
  struct ns_scenario *sc = load_ok(text);
  struct ns_config cfg;
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.needle.length, 0.75e-3, "length");
  assert_close(cfg.needle.tip_radius, 3.5e-6, "tip");
  assert_string_equal(cfg.output.file, "out/run#1;a.h5");
  assert_string_equal(ns_scenario_text(sc), text);
  assert_string_equal(ns_scenario_path(sc), "t.ini");
  ns_scenario_free(sc);

  /* A comment line may exceed the 198-character limit for key lines. */
  char longc[512];
  snprintf(longc, sizeof longc, "; %0300d\n[needle]\nlength_mm = 0.5\n", 0);
  sc = load_ok(longc);
  resolve_ok(sc, 0, &cfg);
  assert_close(cfg.needle.length, 0.5e-3, "length after a long comment");
  ns_scenario_free(sc);
}

/* ---- sweeps ------------------------------------------------------------------------------------ */

static void test_sweep_order(void **state) {
  (void)state;
  struct ns_scenario *sc = load_ok("[sweep]\nskin.age_years = 30, 45, 60\ngrid.cells_depth = 64,128\n");
  assert_int_equal(ns_scenario_case_count(sc), 6);
  /* Row-major: the first listed key varies slowest. */
  const double age[6] = {30, 30, 45, 45, 60, 60};
  const int cells[6] = {64, 128, 64, 128, 64, 128};
  struct ns_config cfg;
  for (size_t i = 0; i < 6; i++) {
    resolve_ok(sc, i, &cfg);
    assert_close(cfg.skin.age_years, age[i], "age");
    assert_int_equal(cfg.grid.cells_depth, cells[i]);
  }
  struct ns_param_row rows[4];
  assert_int_equal(ns_scenario_swept(sc, 3, rows, 4), 2);
  assert_string_equal(rows[0].key, "skin.age_years");
  assert_string_equal(rows[0].value, "45");
  assert_string_equal(rows[0].unit, "years");
  assert_string_equal(rows[0].origin, "[sweep] t.ini:2");
  assert_string_equal(rows[1].key, "grid.cells_depth");
  assert_string_equal(rows[1].value, "128");
  assert_string_equal(rows[1].origin, "[sweep] t.ini:3");
  /* max = 1 fills only the first row but still counts both. */
  memset(rows, 0, sizeof rows);
  assert_int_equal(ns_scenario_swept(sc, 5, rows, 1), 2);
  assert_string_equal(rows[0].value, "60");
  assert_string_equal(rows[1].key, "");
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_scenario_resolve(sc, 6, &cfg, &err), NS_EUSAGE);
  assert_string_equal(err.msg, "t.ini: expected a sweep case number below 6, got 6");
  ns_scenario_free(sc);

  /* Three lists of 2, 3 and 4 values: 24 cases; case 17 = 1*12 + 1*4 + 1 -> indices (1, 1, 1). */
  sc = load_ok("[sweep]\ndevice.type = single, pen\nlayer.epidermis.thickness_um = 50, 80, 110\n"
               "closure.duration_s = 0, 10, 20, 30\n");
  assert_int_equal(ns_scenario_case_count(sc), 24);
  resolve_ok(sc, 17, &cfg);
  assert_int_equal(cfg.device.type, NS_DEVICE_PEN);
  assert_close(cfg.skin.layer[NS_LAYER_EPIDERMIS].thickness, 80e-6, "thickness");
  assert_close(cfg.closure.duration, 10, "duration");
  resolve_ok(sc, 23, &cfg);
  assert_int_equal(cfg.device.type, NS_DEVICE_PEN);
  assert_close(cfg.skin.layer[NS_LAYER_EPIDERMIS].thickness, 110e-6, "thickness");
  assert_close(cfg.closure.duration, 30, "duration");
  ns_scenario_free(sc);
}

/* The first failing case is reported, named by its swept values. */
static void test_sweep_validate_first_error(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  enum ns_status s = run_text("[grid]\ndepth_mm = 3\n[sweep]\nneedle.length_mm = 1, 2.5, 3\nskin.site = face, back\n",
                              NULL, 0, NULL, &err);
  assert_int_equal(s, NS_EINPUT);
  assert_string_equal(err.msg, "t.ini:2: grid.depth_mm: expected at least 1.5 x needle.length_mm = 3.75 mm " BOTTOM_REASON
                               ", got '3' (sweep case needle.length_mm=2.5, skin.site=face)");
}

static void test_sweep_limit(void **state) {
  (void)state;
  /* 50 x 50 x 50 = 125000 cases > 100000. */
  char text[2048], list[256];
  size_t used = 0;
  for (int i = 0; i < 50; i++) used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "", i);
  snprintf(text, sizeof text, "[sweep]\nloading.dwell_s = %s\nclosure.duration_s = %s\nskin.hydration = %s\n", list,
           list, "0,0.02,0.04,0.06,0.08,0.1,0.12,0.14,0.16,0.18,0.2,0.22,0.24,0.26,0.28,0.3,0.32,0.34,0.36,0.38,"
                 "0.4,0.42,0.44,0.46,0.48,0.5,0.52,0.54,0.56,0.58,0.6,0.62,0.64,0.66,0.68,0.7,0.72,0.74,0.76,0.78,"
                 "0.8,0.82,0.84,0.86,0.88,0.9,0.92,0.94,0.96,0.98");
  struct ns_err err = NS_ERR_INIT;
  /* The hydration line is longer than libinih's 198-character limit, which is caught first. */
  assert_int_equal(run_text(text, NULL, 0, NULL, &err), NS_EINPUT);
  assert_non_null(strstr(err.msg, "t.ini:4: expected a line of at most 198 characters"));
  snprintf(text, sizeof text, "[sweep]\nloading.dwell_s = %s\nclosure.duration_s = %s\nskin.age_years = %s\n", list,
           list, "20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,"
                 "51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69");
  assert_int_equal(run_text(text, NULL, 0, NULL, &err), NS_EINPUT);
  const char *head = "t.ini:4: skin.age_years: expected at most 100000 sweep cases in total, got '20,21,";
  const char *tail = "...' (the sweep would exceed the limit)";
  assert_int_equal(strncmp(err.msg, head, strlen(head)), 0);
  assert_string_equal(err.msg + strlen(err.msg) - strlen(tail), tail);
}

/* ---- --set ------------------------------------------------------------------------------------- */

static void test_set(void **state) {
  (void)state;
  struct ns_err err = NS_ERR_INIT;
  struct ns_scenario *sc = NULL;
  assert_int_equal(ns_scenario_load_string("s.ini",
                                           "[needle]\nlength_mm = 1.2\n[sweep]\nskin.age_years = 30, 60\n"
                                           "grid.cells_depth = 64, 128\n",
                                           &sc, &err),
                   NS_OK);
  assert_int_equal(ns_scenario_case_count(sc), 4);
  /* A single value replaces the file's value. */
  assert_int_equal(ns_scenario_set(sc, "needle.length_mm=0.6", &err), NS_OK);
  /* A single value for a swept key removes that sweep. */
  assert_int_equal(ns_scenario_set(sc, " skin.age_years = 42 ", &err), NS_OK);
  assert_int_equal(ns_scenario_case_count(sc), 2);
  /* A list turns a fixed key into a sweep, added after the existing sweep keys. */
  assert_int_equal(ns_scenario_set(sc, "layer.epidermis.thickness_um=50,70,90", &err), NS_OK);
  assert_int_equal(ns_scenario_case_count(sc), 6);
  /* A list for an already swept key replaces its list and keeps its position (first, slowest). */
  assert_int_equal(ns_scenario_set(sc, "grid.cells_depth=32,64", &err), NS_OK);
  assert_int_equal(ns_scenario_case_count(sc), 6);
  /* A later --set of the same key wins. */
  assert_int_equal(ns_scenario_set(sc, "loading.speed_mm_s=2", &err), NS_OK);
  assert_int_equal(ns_scenario_set(sc, "loading.speed_mm_s=3", &err), NS_OK);
  /* A failed --set leaves the scenario unchanged. */
  assert_int_equal(ns_scenario_set(sc, "grid.cells_depth=32,65", &err), NS_EINPUT);
  assert_string_equal(err.msg, "--set: grid.cells_depth: expected a multiple of 8 (multigrid needs m*2^k cells to "
                               "coarsen at least 3 times), got '65'");
  assert_int_equal(ns_scenario_case_count(sc), 6);
  ns_err_clear(&err);
  assert_int_equal(ns_scenario_validate(sc, &err), NS_OK);

  struct ns_config cfg;
  resolve_ok(sc, 4, &cfg); /* cells index 4/3 = 1 -> 64; thickness index 4%3 = 1 -> 70 */
  assert_close(cfg.needle.length, 0.6e-3, "length from --set");
  assert_close(cfg.skin.age_years, 42, "age from --set");
  assert_int_equal(cfg.grid.cells_depth, 64);
  assert_close(cfg.skin.layer[NS_LAYER_EPIDERMIS].thickness, 70e-6, "thickness");
  assert_close(cfg.loading.speed, 3e-3, "speed: last --set");

  struct ns_param_row rows[4];
  assert_int_equal(ns_scenario_swept(sc, 4, rows, 4), 2);
  assert_string_equal(rows[0].key, "grid.cells_depth");
  assert_string_equal(rows[0].origin, "[sweep] --set");
  assert_string_equal(rows[1].key, "layer.epidermis.thickness_um");
  assert_string_equal(rows[1].value, "70");
  assert_string_equal(rows[1].unit, "um");

  struct ns_param_row *p = NULL;
  size_t n = 0;
  assert_int_equal(ns_scenario_params(sc, 4, &p, &n, &err), NS_OK);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(p[i].key, "needle.length_mm") == 0) {
      assert_string_equal(p[i].value, "0.6");
      assert_string_equal(p[i].origin, "--set");
      seen++;
    }
    if (strcmp(p[i].key, "skin.age_years") == 0) {
      assert_string_equal(p[i].value, "42");
      assert_string_equal(p[i].origin, "--set");
      seen++;
    }
  }
  assert_int_equal(seen, 2);
  free(p);
  ns_scenario_free(sc);
}

/* ---- parameter table ---------------------------------------------------------------------------- */

static void test_params(void **state) {
  (void)state;
  struct ns_scenario *sc = load_ok("[needle]\n; comment\nlength_mm = 0.50\n[device]\ntype = pen\n"
                                   "[layer.hypodermis]\ndensity_kg_m3 = 918\n[sweep]\nskin.site = face, back\n");
  struct ns_param_row *p = NULL;
  size_t n = 0;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_scenario_params(sc, 1, &p, &n, &err), NS_OK);
  /* Keys of the issue: study 1, skin 5, 5 layers x 17, needle 4, device 9, loading 5, closure 1,
   * indentation 6, suction 5, penetration 9, grid 7, numerics 7, output 2. */
  assert_int_equal(n, 1 + 5 + 5 * 17 + 4 + 9 + 5 + 1 + 6 + 5 + 9 + 7 + 7 + 2);
  assert_string_equal(p[0].key, "study.type");
  assert_string_equal(p[1].key, "skin.age_years");
  assert_string_equal(p[3].key, "skin.hydration");
  assert_string_equal(p[4].key, "skin.volumetric_law");
  assert_string_equal(p[5].key, "skin.prestretch");
  assert_string_equal(p[6].key, "layer.stratum_corneum.thickness_um");
  assert_string_equal(p[6 + 5 * 17 - 1].key, "layer.hypodermis.density_kg_m3");
  assert_string_equal(p[6 + 5 * 17].key, "needle.length_mm");
  assert_string_equal(p[n - 1].key, "output.snapshots");
  struct expect {
    const char *key, *value, *unit, *origin;
  } want[] = {
      {"study.type", "profile", "", "default"},
      {"skin.age_years", "35", "years", "default"},
      {"skin.site", "back", "", "[sweep] t.ini:9"},
      {"skin.volumetric_law", "quadratic", "", "default"},
      {"skin.prestretch", "1", "1", "default"},
      {"layer.hypodermis.density_kg_m3", "918", "kg/m^3", "t.ini:7"},
      {"layer.epidermis.thickness_um", "skin model", "um", "default"},
      {"needle.length_mm", "0.50", "mm", "t.ini:3"},
      {"needle.tip_half_angle_deg", "15", "deg", "default"},
      {"device.type", "pen", "", "t.ini:5"},
      {"device.stroke_rate_hz", "117", "Hz", "default"},
      {"device.drum_diameter_mm", "n/a (device.type = pen)", "mm", "default"},
      {"loading.force_N", "none", "N", "default"},
      {"loading.depth_mm", "0.50", "mm", "default (= needle.length_mm)"},
      {"loading.slip_mm", "n/a (device.type = pen)", "mm", "default"},
      /* The pen's stroke peak speed pi f s = pi x 117 Hz x 1.0 mm (the default stroke). */
      {"loading.speed_mm_s", "367.5663405", "mm/s", "default (= pi x device.stroke_rate_hz x device.stroke_depth_mm)"},
      {"device.needle_count", "n/a (device.type = pen)", "1", "default"},
      {"penetration.cutting", "n/a (study.type = profile)", "", "default"},
      {"indentation.depth_um", "n/a (study.type = profile)", "um", "default"},
      {"suction.cycles", "n/a (study.type = profile)", "1", "default"},
      {"grid.cells_depth", "128", "1", "default"},
      {"output.file", "", "", "default"},
      {"output.snapshots", "true", "", "default"},
  };
  for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
    size_t i = 0;
    while (i < n && strcmp(p[i].key, want[w].key) != 0) i++;
    if (i == n) fail_msg("row %s missing", want[w].key);
    assert_string_equal(p[i].value, want[w].value);
    assert_string_equal(p[i].unit, want[w].unit);
    assert_string_equal(p[i].origin, want[w].origin);
  }
  free(p);
  ns_scenario_free(sc);
}

/* ---- the schema ---------------------------------------------------------------------------------- */

/* Every default is a valid value of its key; every unit is the one the key name carries, and
 * the factor to SI is the one that unit needs. */
static void test_schema(void **state) {
  (void)state;
  struct unit_rule {
    const char *suffix, *unit; /* key name ending, unit */
    double to_si;
  } rules[] = {
      {"_mm_s", "mm/s", 1e-3}, {"_um_s", "um/s", 1e-6},    {"_mbar", "mbar", 100},
      {"_MPa_mm", "MPa/mm", 1e9}, /* a cohesive stiffness; before "_mm" */
      {"_mm", "mm", 1e-3},     {"_um", "um", 1e-6},         {"_kPa", "kPa", 1e3},
      {"_deg", "deg", PI / 180}, {"_s", "s", 1},           {"_hz", "Hz", 1},            {"_N", "N", 1},
      {"_J_m2", "J/m^2", 1},     {"_MPa", "MPa", 1e6},   {"_kg_m3", "kg/m^3", 1},    {"_years", "years", 1},
  };
  size_t nslots = ns_schema_nslots();
  assert_int_equal(nslots, 146);
  for (size_t s = 0; s < nslots; s++) {
    const struct ns_key_def *d = ns_schema_slot(s, NULL);
    char name[128];
    ns_schema_fullname(s, name, sizeof name);
    assert_non_null(d->meaning);
    assert_true(strlen(d->meaning) > 10);
    if (d->def) {
      struct ns_value v;
      struct ns_err err = NS_ERR_INIT;
      if (ns_schema_parse(s, d->def, "schema", "", &v, &err) != NS_OK) fail_msg("default of %s: %s", name, err.msg);
    }
    if (d->type != NS_KEY_DOUBLE) continue;
    const struct unit_rule *r = NULL;
    for (size_t k = 0; k < sizeof rules / sizeof rules[0] && !r; k++) {
      size_t ls = strlen(rules[k].suffix), lk = strlen(d->key);
      if (lk > ls && strcmp(d->key + lk - ls, rules[k].suffix) == 0) r = &rules[k];
    }
    if (!r) {
      /* Dimensionless keys carry no unit suffix. */
      if (strcmp(d->unit, "1") != 0 || d->to_si != 1.0) fail_msg("%s: unit %s without a suffix", name, d->unit);
      continue;
    }
    if (strcmp(d->unit, r->unit) != 0) fail_msg("%s: unit %s, want %s", name, d->unit, r->unit);
    if (fabs(d->to_si - r->to_si) > CONV_RTOL * r->to_si) fail_msg("%s: factor %g, want %g", name, d->to_si, r->to_si);
  }
}

/* ---- whole-file errors through ns_scenario_load ------------------------------------------------ */

static void expect_load_error(const char *path, const char *msg) {
  struct ns_scenario *sc = NULL;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_scenario_load(path, &sc, &err), NS_EINPUT);
  assert_null(sc);
  assert_string_equal(err.msg, msg);
}

/* Write `len` bytes to a fresh temporary file; its path goes to `path`. */
static void write_temp(char *path, size_t n, const char *data, size_t len) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, n, "%s/ns_scenario_XXXXXX", dir && dir[0] ? dir : "/tmp");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
}

static void test_load_file_errors(void **state) {
  (void)state;
  expect_load_error("tests/data/scenarios/does_not_exist.ini",
                    "tests/data/scenarios/does_not_exist.ini: expected a readable scenario file, got 'No such file or "
                    "directory'");
  expect_load_error("tests/data/scenarios", "tests/data/scenarios: expected a scenario file, got a directory");
  char path[512], msg[1024];
  /* NUL bytes. */
  write_temp(path, sizeof path, "[skin]\nage_years = 4\0" "0\n", 23);
  snprintf(msg, sizeof msg, "%s:2: expected text, got control byte 0x00 in column 14 (binary file?)", path);
  expect_load_error(path, msg);
  unlink(path);
  /* Empty file. */
  write_temp(path, sizeof path, "", 0);
  snprintf(msg, sizeof msg, "%s: expected at least one [section] or comment, got an empty file", path);
  expect_load_error(path, msg);
  unlink(path);
  /* Larger than 1 MiB. */
  size_t big = 1024 * 1024 + 1;
  char *data = malloc(big);
  assert_non_null(data);
  memset(data, ';', big);
  write_temp(path, sizeof path, data, big);
  free(data);
  snprintf(msg, sizeof msg, "%s: expected a scenario file of at most 1048576 bytes, got more", path);
  expect_load_error(path, msg);
  unlink(path);
}

static void test_load_unreadable(void **state) {
  (void)state;
  if (geteuid() == 0) {
    /* root reads any file whatever its mode, so this error cannot be provoked. */
    print_message("running as root: an unreadable file cannot be made; skipped\n");
    skip();
  }
  char path[512], msg[1024];
  write_temp(path, sizeof path, "[skin]\n", 7);
  assert_int_equal(chmod(path, 0), 0);
  snprintf(msg, sizeof msg, "%s: expected a readable scenario file, got 'Permission denied'", path);
  expect_load_error(path, msg);
  unlink(path);
}

/* ---- the example files ------------------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Sorted list of the *.ini files of a directory; returns the count (0 if none). */
static size_t list_ini(const char *dir, char names[][256], size_t max) {
  DIR *d = opendir(dir);
  if (!d) fail_msg("cannot open %s (tests run from the repository root)", dir);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < max)
    if (ends_with(e->d_name, ".ini") && strlen(dir) + 1 + strlen(e->d_name) < 256) {
      strcpy(names[n], dir);
      strcat(names[n], "/");
      strcat(names[n++], e->d_name);
    }
  closedir(d);
  qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
  return n;
}

static void test_good_files(void **state) {
  (void)state;
  char names[64][256];
  size_t n = list_ini(GOOD_DIR, names, 64);
  assert_true(n >= 8);
  for (size_t i = 0; i < n; i++) {
    struct ns_scenario *sc = NULL;
    struct ns_err err = NS_ERR_INIT;
    enum ns_status s = ns_scenario_load(names[i], &sc, &err);
    if (s == NS_OK) s = ns_scenario_validate(sc, &err);
    if (s != NS_OK) fail_msg("%s: %s", names[i], err.msg);
    print_message("ok %s (%zu cases)\n", names[i], ns_scenario_case_count(sc));
    ns_scenario_free(sc);
  }
}

/* Each bad file fails with NS_EINPUT and a one-line message naming the file. A file whose first
 * line is "; expect: MESSAGE" must give exactly that message. */
static void test_bad_files(void **state) {
  (void)state;
  char names[128][256];
  size_t n = list_ini(BAD_DIR, names, 128);
  assert_true(n >= 20);
  size_t exact = 0;
  for (size_t i = 0; i < n; i++) {
    struct ns_scenario *sc = NULL;
    struct ns_err err = NS_ERR_INIT;
    enum ns_status s = ns_scenario_load(names[i], &sc, &err);
    if (s == NS_OK) s = ns_scenario_validate(sc, &err);
    ns_scenario_free(sc);
    if (s != NS_EINPUT) fail_msg("%s: status %d (%s), want NS_EINPUT", names[i], s, err.msg);
    if (strchr(err.msg, '\n')) fail_msg("%s: message has several lines: %s", names[i], err.msg);
    if (strncmp(err.msg, names[i], strlen(names[i])) != 0 || (err.msg[strlen(names[i])] != ':'))
      fail_msg("%s: message does not start with the file name: %s", names[i], err.msg);
    FILE *f = fopen(names[i], "rb");
    assert_non_null(f);
    char first[1024] = "";
    if (!fgets(first, sizeof first, f)) first[0] = '\0';
    fclose(f);
    const char *tag = "; expect: ";
    if (strncmp(first, tag, strlen(tag)) == 0) {
      char *want = first + strlen(tag);
      want[strcspn(want, "\r\n")] = '\0';
      if (strcmp(err.msg, want) != 0) fail_msg("%s:\n  got  %s\n  want %s", names[i], err.msg, want);
      exact++;
    }
    print_message("ok %s: %s\n", names[i], err.msg);
  }
  assert_true(exact + 2 >= n); /* all but the empty and whitespace-only files carry their message */
}

/* ---- docs/scenarios.md ------------------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      char *p = realloc(buf, 2 * cap);
      if (!p) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = p;
      cap *= 2;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static void test_reference_up_to_date(void **state) {
  (void)state;
  char *gen = NULL;
  size_t glen = 0, clen = 0;
  FILE *f = open_memstream(&gen, &glen);
  assert_non_null(f);
  ns_scenario_write_reference(f);
  fclose(f);
  char *committed = read_all(REFERENCE, &clen);
  if (!committed) fail_msg("cannot read " REFERENCE " (tests run from the repository root)");
  int same = glen == clen && memcmp(gen, committed, glen) == 0;
  free(committed);
  /* Every key of the schema appears in the reference. */
  for (size_t s = 0; s < ns_schema_nslots(); s++) {
    char key[128];
    snprintf(key, sizeof key, "| `%s` |", ns_schema_slot(s, NULL)->key);
    if (!strstr(gen, key)) fail_msg("reference lacks %s", key);
  }
  /* The example in the reference is a valid scenario with the number of runs it claims. */
  const char *start = strstr(gen, "```ini\n"), *end = start ? strstr(start + 7, "```") : NULL;
  assert_non_null(end);
  char *example = strndup(start + 7, (size_t)(end - start - 7));
  assert_non_null(example);
  struct ns_scenario *sc = load_ok(example);
  assert_int_equal(ns_scenario_case_count(sc), 4);
  ns_scenario_free(sc);
  free(example);
  free(gen);
  if (!same)
    fail_msg(REFERENCE " is out of date with the schema in sim/scenario_schema.c; regenerate it with\n"
                       "  make tests-build && build/tests/test_scenario --write-reference > " REFERENCE);
}

/* ---- main ---------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--write-reference") == 0) {
    ns_scenario_write_reference(stdout);
    return 0;
  }
  char long_line[400];
  snprintf(long_line, sizeof long_line, "[output]\nfile = %0250d\n", 0);

  struct err_case cases[] = {
      /* syntax and structure */
      {"syntax_no_equals", "[needle]\nlength_mm 2\n", {0},
       "t.ini:2: expected 'key = value', '[section]' or a comment, got 'length_mm 2'"},
      {"syntax_open_section", "[needle\nlength_mm = 2\n", {0},
       "t.ini:1: expected 'key = value', '[section]' or a comment, got '[needle'"},
      {"key_before_section", "length_mm = 2\n", {0},
       "t.ini:1: length_mm: expected a [section] header before the first key, got 'length_mm'"},
      {"unknown_section", "[nedle]\nlength_mm = 2\n", {0},
       "t.ini:1: [nedle]: expected " KNOWN_SECTIONS ", got 'nedle'; did you mean 'needle'?"},
      {"unknown_empty_section", "[skin]\nage_years = 40\n[bogus]\n", {0},
       "t.ini:3: [bogus]: expected " KNOWN_SECTIONS ", got 'bogus'"},
      {"unknown_layer", "[layer.dermis]\nthickness_um = 900\n", {0},
       "t.ini:1: [layer.dermis]: expected " KNOWN_SECTIONS ", got 'layer.dermis'; did you mean 'layer.epidermis'?"},
      {"unknown_key", "[needle]\nlenght_mm = 2\n", {0},
       "t.ini:2: needle.lenght_mm: expected a key of [needle], got 'lenght_mm'; did you mean 'length_mm'?"},
      {"key_in_wrong_section", "[needle]\nspeed_mm_s = 2\n", {0},
       "t.ini:2: needle.speed_mm_s: expected a key of [needle], got 'speed_mm_s'; did you mean 'loading.speed_mm_s'?"},
      {"unknown_key_no_match", "[needle]\nzzz = 1\n", {0},
       "t.ini:2: needle.zzz: expected a key of [needle], got 'zzz' (valid keys: length_mm, shaft_diameter_um, "
       "tip_radius_um, tip_half_angle_deg)"},
      {"duplicate_key", "[needle]\nlength_mm = 2\ntip_radius_um = 3\nlength_mm = 3\n", {0},
       "t.ini:4: needle.length_mm: expected one value per key (first given on line 2), got a second value '3'"},
      {"duplicate_across_headers", "[needle]\nlength_mm = 2\n[skin]\n[needle]\nlength_mm = 2\n", {0},
       "t.ini:5: needle.length_mm: expected one value per key (first given on line 2), got a second value '2'"},
      /* values */
      {"wrong_type", "[needle]\nlength_mm = long\n", {0}, "t.ini:2: needle.length_mm: expected a number, got 'long'"},
      {"wrong_type_int", "[grid]\ncells_depth = 64.0\n", {0},
       "t.ini:2: grid.cells_depth: expected an integer, got '64.0'"},
      {"trailing_junk", "[needle]\nlength_mm = 1.5mm\n", {0},
       "t.ini:2: needle.length_mm: expected a number with nothing after it (the unit is in the key name), got "
       "'1.5mm'"},
      {"trailing_junk_int", "[numerics]\nnewton_max_iter = 12x\n", {0},
       "t.ini:2: numerics.newton_max_iter: expected an integer, got '12x'"},
      {"nan", "[needle]\nlength_mm = nan\n", {0}, "t.ini:2: needle.length_mm: expected a finite number, got 'nan'"},
      {"inf", "[loading]\nspeed_mm_s = -inf\n", {0},
       "t.ini:2: loading.speed_mm_s: expected a finite number, got '-inf'"},
      {"overflow", "[closure]\nduration_s = 1e999\n", {0},
       "t.ini:2: closure.duration_s: expected a number within double precision range, got '1e999'"},
      {"underflow", "[skin]\nhydration = 1e-400\n", {0},
       "t.ini:2: skin.hydration: expected a number within double precision range, got '1e-400'"},
      {"overflow_int", "[numerics]\nnewton_max_iter = 99999999999999999999\n", {0},
       "t.ini:2: numerics.newton_max_iter: expected an integer in [1, 1000], got '99999999999999999999'"},
      {"hex", "[needle]\nlength_mm = 0x1p0\n", {0}, "t.ini:2: needle.length_mm: expected a decimal number, got '0x1p0'"},
      {"empty_value", "[needle]\nlength_mm =\n", {0}, "t.ini:2: needle.length_mm: expected a number, got ''"},
      {"empty_value_comment", "[needle]\nlength_mm = # none\n", {0},
       "t.ini:2: needle.length_mm: expected a number, got ''"},
      {"empty_value_int", "[grid]\ncells_depth = ; none\n", {0}, "t.ini:2: grid.cells_depth: expected an integer, got ''"},
      {"out_of_range", "[skin]\nage_years = 95\n", {0},
       "t.ini:2: skin.age_years: expected a value in [20, 80] years, got '95'"},
      {"out_of_range_open", "[layer.epidermis]\nprony_g1 = 1\nprony_tau1_s = 1\n", {0},
       "t.ini:2: layer.epidermis.prony_g1: expected a value in [0, 1), got '1'"},
      {"out_of_range_open_min", "[loading]\nspeed_mm_s = 0\n", {0},
       "t.ini:2: loading.speed_mm_s: expected a value in (0, 20000] mm/s, got '0'"},
      {"poisson_half", "[layer.reticular_dermis]\npoisson_ratio = 0.5\n", {0},
       "t.ini:2: layer.reticular_dermis.poisson_ratio: expected a value in [0, 0.4999], got '0.5'"},
      {"ogden_zero", "[layer.hypodermis]\nogden_alpha = 0\n", {0},
       "t.ini:2: layer.hypodermis.ogden_alpha: expected a nonzero value in [-50, 50], got '0'"},
      {"ogden_large", "[layer.hypodermis]\nogden_alpha = -51\n", {0},
       "t.ini:2: layer.hypodermis.ogden_alpha: expected a value in [-50, 50], got '-51'"},
      {"enum", "[device]\ntype = rollr\n", {0},
       "t.ini:2: device.type: expected one of single, stamp, roller, pen, got 'rollr'; did you mean 'roller'?"},
      {"enum_study", "[study]\ntype = indentaton\n", {0},
       "t.ini:2: study.type: expected one of profile, indentation, suction, penetration, got 'indentaton'; did you mean "
       "'indentation'?"},
      /* Characterisation studies ([indentation], [suction]). */
      {"indentation_key_for_profile", "[indentation]\ndepth_um = 100\n", {0},
       "t.ini:2: indentation.depth_um: expected this key only with study.type = indentation (here study.type = "
       "profile), got '100'"},
      {"suction_key_for_indentation", "[study]\ntype = indentation\n[suction]\ncycles = 3\n", {0},
       "t.ini:4: suction.cycles: expected this key only with study.type = suction (here study.type = indentation), "
       "got '3'"},
      {"cone_radius", "[study]\ntype = indentation\n[indentation]\nindenter = cone\nradius_um = 100\n", {0},
       "t.ini:5: indentation.radius_um: expected this key only with indentation.indenter = flat or sphere (here "
       "cone), got '100'"},
      {"flat_half_angle", "[study]\ntype = indentation\n[indentation]\nhalf_angle_deg = 60\n", {0},
       "t.ini:4: indentation.half_angle_deg: expected this key only with indentation.indenter = cone (here flat), "
       "got '60'"},
      {"sphere_too_deep", "[study]\ntype = indentation\n[indentation]\nindenter = sphere\nradius_um = 100\n"
       "depth_um = 200\n", {0},
       "t.ini:6: indentation.depth_um: expected at most indentation.radius_um = 100 um (a sphere deeper than its "
       "radius), got '200'"},
      {"punch_wider_than_domain", "[study]\ntype = indentation\n[indentation]\nradius_um = 1500\n", {0},
       "t.ini:4: indentation.radius_um: expected a contact radius of at most grid.width_mm / 4 = 1000 um (here "
       "1500 um at the largest depth; a closer boundary dominates the measured stiffness), got '1500'"},
      {"domain_narrow_for_punch", "[study]\ntype = indentation\n[grid]\nwidth_mm = 3\n", {0},
       "t.ini:4: grid.width_mm: expected at least 4 contact radii = 4 mm (contact radius 1000 um at the largest "
       "depth; a closer boundary dominates the measured stiffness), got '3'"},
      {"domain_shallow_for_punch", "[study]\ntype = indentation\n[grid]\ndepth_mm = 3.5\n", {0},
       "t.ini:4: grid.depth_mm: expected at least 4 contact radii = 4 mm (contact radius 1000 um at the largest "
       "depth; a closer boundary dominates the measured stiffness), got '3.5'"},
      {"cone_contact_wider_than_domain", "[study]\ntype = indentation\n[indentation]\nindenter = cone\n"
       "half_angle_deg = 45\ndepth_um = 2000\n", {0},
       /* a = (2/pi) d tan(45 deg) = 4000/pi um = 1273.24 um > 4 mm / 4. */
       "t.ini:5: indentation.half_angle_deg: expected a contact radius of at most grid.width_mm / 4 = 1000 um (here "
       "1273.24 um at the largest depth; a closer boundary dominates the measured stiffness), got '45'"},
      {"aperture_wider_than_domain", "[study]\ntype = suction\n[suction]\naperture_mm = 4\n", {0},
       "t.ini:4: suction.aperture_mm: expected at most grid.width_mm / 2 = 2 mm (a domain edge closer than two "
       "aperture radii from the rim stiffens the response), got '4'"},
      {"domain_narrow_for_aperture", "[study]\ntype = suction\n[grid]\nwidth_mm = 3\n", {0},
       "t.ini:4: grid.width_mm: expected at least 2 x suction.aperture_mm = 4 mm (the probe face around the opening "
       "holds the skin; a domain edge closer than two aperture radii from the rim stiffens the response), got '3'"},
      {"domain_shallow_for_aperture", "[study]\ntype = suction\n[grid]\ndepth_mm = 1.5\n", {0},
       "t.ini:4: grid.depth_mm: expected at least suction.aperture_mm = 2 mm (the suction deforms the tissue to "
       "about one aperture diameter below the surface; the bottom is held fixed), got '1.5'"},
      {"suction_3d", "[study]\ntype = suction\n[grid]\ngeometry = 3d\n", {0},
       "t.ini:4: grid.geometry: expected axisymmetric for study.type = suction (the characterisation studies are "
       "axisymmetric), got '3d'"},
      /* The penetration study. */
      {"penetration_key_for_profile", "[study]\ntype = profile\n[penetration]\noutput_steps = 3\n", {0},
       "t.ini:4: penetration.output_steps: expected this key only with study.type = penetration (here study.type = "
       "profile), got '3'"},
      {"penetration_3d", "[study]\ntype = penetration\n[grid]\ngeometry = 3d\n", {0},
       "t.ini:4: grid.geometry: expected axisymmetric for study.type = penetration (the penetration study is "
       "axisymmetric), got '3d'"},
      {"penetration_travel_beyond_needle", "[study]\ntype = penetration\n[loading]\ndepth_mm = 1.2\n", {0},
       "t.ini:4: loading.depth_mm: expected at most needle.length_mm = 1 mm (the needle holder stops when the needle "
       "is fully in), got '1.2'"},
      {"penetration_cut_wider_than_shaft", "[study]\ntype = penetration\n[penetration]\ncut_radius_um = 200\n", {0},
       "t.ini:4: penetration.cut_radius_um: expected at most the shaft radius, needle.shaft_diameter_um / 2 = 125 um "
       "(the cut channel cannot be wider than the needle), got '200'"},
      {"penetration_pen_force", "[study]\ntype = penetration\n[device]\ntype = pen\n[loading]\nforce_N = 1\n", {0},
       "t.ini:6: loading.force_N: expected no value with device.type = pen (the pen's motor drives the needles to "
       "device.stroke_depth_mm: displacement control), got '1'"},
      {"penetration_pen_depth", "[study]\ntype = penetration\n[device]\ntype = pen\n[loading]\ndepth_mm = 0.5\n", {0},
       "t.ini:6: loading.depth_mm: expected no value with device.type = pen (its travel is device.stroke_depth_mm), "
       "got '0.5'"},
      {"penetration_stamp_width", "[study]\ntype = penetration\n[device]\ntype = stamp\n[grid]\nwidth_mm = 2\n", {0},
       "t.ini:6: grid.width_mm: expected no value with device.type = stamp in the penetration study (the domain is "
       "the periodic cell of one needle, its radius set by the needle spacing), got '2'"},
      {"penetration_dynamics_enum", "[study]\ntype = penetration\n[penetration]\ndynamics = yes\n", {0},
       "t.ini:4: penetration.dynamics: expected one of auto, on, off, got 'yes'"},
      {"penetration_toughness_zero", "[study]\ntype = penetration\n[penetration]\ntoughness_scale = 0\n", {0},
       "t.ini:4: penetration.toughness_scale: expected a value in (0, 100], got '0'"},
      {"tensile_strength_range", "[layer.epidermis]\ntensile_strength_MPa = 0\n", {0},
       "t.ini:2: layer.epidermis.tensile_strength_MPa: expected a value in [0.0001, 1000] MPa, got '0'"},
      {"needle_count_for_roller", "[device]\ntype = roller\nneedle_count = 10\n", {0},
       "t.ini:3: device.needle_count: expected this key only with device.type = stamp (here device.type = roller), "
       "got '10'"},
      {"suction_pressure_zero", "[study]\ntype = suction\n[suction]\npressure_mbar = 0\n", {0},
       "t.ini:4: suction.pressure_mbar: expected a value in (0, 1000] mbar, got '0'"},
      {"suction_cycles_zero", "[study]\ntype = suction\n[suction]\ncycles = 0\n", {0},
       "t.ini:4: suction.cycles: expected an integer in [1, 100], got '0'"},
      {"indenter_enum", "[study]\ntype = indentation\n[indentation]\nindenter = sphre\n", {0},
       "t.ini:4: indentation.indenter: expected one of flat, sphere, cone, got 'sphre'; did you mean 'sphere'?"},
      {"bool", "[output]\nsnapshots = maybe\n", {0},
       "t.ini:2: output.snapshots: expected true/false, yes/no, on/off or 1/0, got 'maybe'"},
      {"cells_not_mult8", "[grid]\ncells_lateral = 100\n", {0},
       "t.ini:2: grid.cells_lateral: expected a multiple of 8 (multigrid needs m*2^k cells to coarsen at least 3 "
       "times), got '100'"},
      {"cells_too_few", "[grid]\ncells_depth = 4\n", {0},
       "t.ini:2: grid.cells_depth: expected an integer in [8, 4096], got '4'"},
      {"path_control_char", "[output]\nfile = a\tb\n", {0},
       "t.ini:2: output.file: expected a path without control characters, got 'a?b'"},
      /* whole-file text problems */
      {"empty_file", "", {0}, "t.ini: expected at least one [section] or comment, got an empty file"},
      {"whitespace_file", "  \n\t\n\n", {0}, "t.ini: expected at least one [section] or comment, got an empty file"},
      {"long_line", long_line, {0}, "t.ini:2: expected a line of at most 198 characters, got 257 characters"},
      {"control_byte", "[needle]\nlength_mm = 1\x01\n", {0},
       "t.ini:2: expected text, got control byte 0x01 in column 14 (binary file?)"},
      {"invalid_utf8", "[skin]\n# caf\xe9\n", {0},
       "t.ini:2: expected UTF-8 text, got byte 0xE9 in column 6 (binary file?)"},
      {"overlong_utf8", "[skin]\nsite = \xc0\xaf\n", {0},
       "t.ini:2: expected UTF-8 text, got byte 0xC0 in column 8 (binary file?)"},
      {"truncated_utf8", "[skin]\n# \xe2\x82", {0},
       "t.ini:2: expected UTF-8 text, got byte 0xE2 in column 3 (binary file?)"},
      {"surrogate_utf8", "[skin]\n# \xed\xa0\x80\n", {0},
       "t.ini:2: expected UTF-8 text, got byte 0xED in column 3 (binary file?)"},
      /* [sweep] */
      {"section_and_sweep", "[needle]\nlength_mm = 1\n[sweep]\nneedle.length_mm = 0.5, 1\n", {0},
       "t.ini:4: needle.length_mm: expected a value either in [needle] or in [sweep], not both (other on line 2), got "
       "'0.5, 1'"},
      {"sweep_and_section", "[sweep]\nneedle.length_mm = 0.5, 1\n[needle]\nlength_mm = 1\n", {0},
       "t.ini:4: needle.length_mm: expected a value either in [needle] or in [sweep], not both (other on line 2), got "
       "'1'"},
      {"sweep_duplicate", "[sweep]\nskin.age_years = 30, 40\nskin.age_years = 50\n", {0},
       "t.ini:3: skin.age_years: expected one value per key (first given on line 2), got a second value '50'"},
      {"sweep_empty_list", "[sweep]\nneedle.length_mm =\n", {0},
       "t.ini:2: needle.length_mm: expected a comma-separated list of values in [sweep], got ''"},
      {"sweep_empty_element", "[sweep]\nneedle.length_mm = 0.5, , 1\n", {0},
       "t.ini:2: needle.length_mm: expected a comma-separated list without empty elements, got '0.5, , 1'"},
      {"sweep_trailing_comma", "[sweep]\nneedle.length_mm = 0.5, 1,\n", {0},
       "t.ini:2: needle.length_mm: expected a comma-separated list without empty elements, got '0.5, 1,'"},
      {"sweep_unknown_key", "[sweep]\nneedle.lenght_mm = 1, 2\n", {0},
       "t.ini:2: sweep.needle.lenght_mm: expected section.key naming a known key, got 'needle.lenght_mm'; did you "
       "mean 'needle.length_mm'?"},
      {"sweep_no_section", "[sweep]\nlength_mm = 1, 2\n", {0},
       "t.ini:2: sweep.length_mm: expected section.key naming a known key, got 'length_mm'; did you mean "
       "'needle.length_mm'?"},
      {"sweep_bad_element", "[sweep]\nneedle.length_mm = 0.5, 7\n", {0},
       "t.ini:2: needle.length_mm: expected a value in [0.05, 5] mm, got '7'"},
      {"sweep_case_invalid", "[grid]\ndepth_mm = 5\n[sweep]\nneedle.length_mm = 1, 4\n", {0},
       "t.ini:2: grid.depth_mm: expected at least 1.5 x needle.length_mm = 6 mm " BOTTOM_REASON
       ", got '5' (sweep case needle.length_mm=4)"},
      /* combinations */
      {"tip_larger_than_shaft", "[needle]\ntip_radius_um = 200\n", {0},
       "t.ini:2: needle.tip_radius_um: expected at most the shaft radius, needle.shaft_diameter_um / 2 = 125 um, "
       "got '200'"},
      {"needle_longer_than_domain", "[needle]\nlength_mm = 4\n", {0},
       "t.ini:2: needle.length_mm: expected at most grid.depth_mm / 1.5 = 3.333333333 mm " BOTTOM_REASON
       ", got '4'"},
      {"domain_too_shallow", "[grid]\ndepth_mm = 1.2\n", {0},
       "t.ini:2: grid.depth_mm: expected at least 1.5 x needle.length_mm = 1.5 mm " BOTTOM_REASON ", got '1.2'"},
      {"travel_deeper_than_domain", "[loading]\ndepth_mm = 4\n", {0},
       "t.ini:2: loading.depth_mm: expected at most grid.depth_mm / 1.5 = 3.333333333 mm " BOTTOM_REASON
       ", got '4'"},
      {"pen_stroke_deeper_than_domain", "[grid]\ndepth_mm = 2\n[device]\ntype = pen\nstroke_depth_mm = 2\n", {0},
       "t.ini:2: grid.depth_mm: expected at least 1.5 x device.stroke_depth_mm = 3 mm " BOTTOM_REASON ", got '2'"},
      {"domain_narrower_than_needle", "[needle]\nshaft_diameter_um = 400\n[grid]\nwidth_mm = 0.2\n", {0},
       "t.ini:4: grid.width_mm: expected more than the needle shaft radius, 0.2 mm, got '0.2'"},
      {"force_and_depth", "[loading]\nforce_N = 1\ndepth_mm = 0.5\n", {0},
       "t.ini:3: loading.depth_mm: expected either loading.force_N (given at t.ini:2) or loading.depth_mm, not both, "
       "got '0.5'"},
      {"roller_key_for_pen", "[device]\ntype = pen\ndrum_diameter_mm = 20\n", {0},
       "t.ini:3: device.drum_diameter_mm: expected this key only with device.type = roller (here device.type = pen), "
       "got '20'"},
      {"stamp_key_for_single", "[device]\npitch_um = 500\n", {0},
       "t.ini:2: device.pitch_um: expected this key only with device.type = stamp (here device.type = single), got "
       "'500'"},
      {"slip_for_stamp", "[device]\ntype = stamp\n[loading]\nslip_mm = 1\n", {0},
       "t.ini:4: loading.slip_mm: expected this key only with device.type = roller (here device.type = stamp), got "
       "'1'"},
      {"dt_min_above_initial", "[numerics]\ndt_min_s = 0.01\n", {0},
       "t.ini:2: numerics.dt_min_s: expected at most numerics.dt_initial_s = 0.001 s " DT_CHAIN ", got '0.01'"},
      {"dt_initial_below_min", "[numerics]\ndt_initial_s = 1e-10\n", {0},
       "t.ini:2: numerics.dt_initial_s: expected at least numerics.dt_min_s = 1e-09 s " DT_CHAIN ", got '1e-10'"},
      {"dt_initial_above_max", "[numerics]\ndt_initial_s = 100\n", {0},
       "t.ini:2: numerics.dt_initial_s: expected at most numerics.dt_max_s = 60 s " DT_CHAIN ", got '100'"},
      {"dt_max_below_initial", "[numerics]\ndt_max_s = 1e-4\n", {0},
       "t.ini:2: numerics.dt_max_s: expected at least numerics.dt_initial_s = 0.001 s " DT_CHAIN ", got '1e-4'"},
      {"prony_sum", "[layer.papillary_dermis]\nprony_g1 = 0.6\nprony_tau1_s = 0.01\nprony_g2 = 0.4\nprony_tau2_s = 1\n",
       {0},
       "t.ini:4: layer.papillary_dermis.prony_g2: expected prony_g1 + prony_g2 + prony_g3 < 1 (the long-term modulus "
       "fraction 1 - sum g must stay positive; here the sum is 1), got '0.4'"},
      {"prony_g_without_tau", "[layer.epidermis]\nprony_g2 = 0.3\n", {0},
       "t.ini:2: layer.epidermis.prony_g2: expected layer.epidermis.prony_tau2_s as well (a Prony term needs both its "
       "weight and its time), got '0.3'"},
      {"prony_tau_without_g", "[layer.hypodermis]\nprony_tau1_s = 700\n", {0},
       "t.ini:2: layer.hypodermis.prony_tau1_s: expected layer.hypodermis.prony_g1 as well (a Prony term needs both "
       "its weight and its time), got '700'"},
      {"stamp_pitch_overlap", "[device]\ntype = stamp\npitch_um = 200\n", {0},
       "t.ini:3: device.pitch_um: expected more than needle.shaft_diameter_um = 250 um " OVERLAP ", got '200'"},
      {"roller_rows_overlap", "[device]\ntype = roller\nneedle_rows = 100\n", {0},
       "t.ini:3: device.needle_rows: expected a ring spacing drum_width_mm / needle_rows = 200 um larger than "
       "needle.shaft_diameter_um = 250 um " OVERLAP ", got '100'"},
      {"roller_ring_overlap", "[device]\ntype = roller\nneedles_per_row = 300\n", {0},
       "t.ini:3: device.needles_per_row: expected a spacing pi x drum_diameter_mm / needles_per_row = 209.44 um "
       "larger than needle.shaft_diameter_um = 250 um " OVERLAP ", got '300'"},
      /* --set */
      {"set_no_equals", "[needle]\n", {"needle.length_mm"}, "--set: expected section.key=value, got 'needle.length_mm'"},
      {"set_no_section", "[needle]\n", {"length_mm=1"},
       "--set: expected section.key=value, got 'length_mm=1'; did you mean 'needle.length_mm'?"},
      {"set_unknown_key", "[needle]\n", {"needle.lenght_mm=1"},
       "--set: needle.lenght_mm: expected a key of [needle], got 'lenght_mm'; did you mean 'length_mm'?"},
      {"set_unknown_section", "[needle]\n", {"nedle.length_mm=1"},
       "--set: nedle.length_mm: expected " KNOWN_SECTIONS ", got 'nedle'; did you mean 'needle'?"},
      {"set_sweep_section", "[needle]\n", {"sweep.needle.length_mm=1,2"},
       "--set: sweep.needle.length_mm: expected section.key=value (a comma-separated value sweeps the key; there is "
       "no [sweep] key to set), got 'sweep.needle.length_mm'"},
      {"set_bad_value", "[needle]\n", {"needle.length_mm=abc"}, "--set: needle.length_mm: expected a number, got 'abc'"},
      {"set_empty_value", "[needle]\n", {"needle.length_mm="}, "--set: needle.length_mm: expected a number, got ''"},
      {"set_bad_list", "[needle]\n", {"needle.length_mm=0.5,,1"},
       "--set: needle.length_mm: expected a comma-separated list without empty elements, got '0.5,,1'"},
      {"set_cross_check", "[needle]\n", {"needle.length_mm=4"},
       "--set: needle.length_mm: expected at most grid.depth_mm / 1.5 = 3.333333333 mm " BOTTOM_REASON ", got '4'"},
      {"set_sweep_cross_check", "[needle]\n", {"needle.length_mm=1,4"},
       "--set: needle.length_mm: expected at most grid.depth_mm / 1.5 = 3.333333333 mm " BOTTOM_REASON
       ", got '4' (sweep case needle.length_mm=4)"},
      {"set_device_key", "[device]\ntype = roller\ndrum_width_mm = 25\n", {"device.type=pen"},
       "t.ini:3: device.drum_width_mm: expected this key only with device.type = roller (here device.type = pen), "
       "got '25'"},
  };
  size_t ncases = sizeof cases / sizeof cases[0];

  struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_roller_defaults),
      cmocka_unit_test(test_characterisation_config),
      cmocka_unit_test(test_penetration_config),
      cmocka_unit_test(test_conversion),
      cmocka_unit_test(test_bools),
      cmocka_unit_test(test_syntax_variants),
      cmocka_unit_test(test_sweep_order),
      cmocka_unit_test(test_sweep_validate_first_error),
      cmocka_unit_test(test_sweep_limit),
      cmocka_unit_test(test_set),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_schema),
      cmocka_unit_test(test_load_file_errors),
      cmocka_unit_test(test_load_unreadable),
      cmocka_unit_test(test_good_files),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_reference_up_to_date),
  };
  size_t nfixed = sizeof fixed / sizeof fixed[0];
  struct CMUnitTest *tests = calloc(nfixed + ncases, sizeof *tests);
  if (!tests) return 1;
  memcpy(tests, fixed, sizeof fixed);
  char(*names)[96] = calloc(ncases, sizeof *names);
  if (!names) {
    free(tests);
    return 1;
  }
  for (size_t i = 0; i < ncases; i++) {
    snprintf(names[i], sizeof names[i], "error_%s", cases[i].name);
    tests[nfixed + i] = (struct CMUnitTest){names[i], run_err_case, NULL, NULL, &cases[i]};
  }
  int rc = _cmocka_run_group_tests("scenario", tests, nfixed + ncases, NULL, NULL);
  free(names);
  free(tests);
  return rc;
}
