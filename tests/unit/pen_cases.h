/* pen_cases.h — the cutting test case (CUT_CASE) of the penetration study, shared by
 * tests/unit/test_penetration.c and the make verify programs (tests/verify/verify_pen_*.c).
 *
 *   ns_test_cut_skin  the skin of CUT_CASE at an age (NS_OK or the skin model's error)
 *   ns_test_cut_spec  CUT_CASE's ns_pen_spec on that skin
 *   ns_test_press_spec the 30 um elastic, frictionless press of the table skin (pen_core,
 *                     verify_pen_core: full-axis grid vs core + annulus before any tie softens)
 *   ns_test_cut_skin_or_report  ns_test_cut_skin for a make-verify main(): prints the failure
 *                     line and returns 0 when the skin cannot be built, 1 otherwise
 *   ns_test_check     print a make-verify result line ("[       OK ]" / "[  FAILED  ]"), return ok
 *
 * A "micro-scale" skin so that the stratum corneum is cut within a few hundred um of travel:
 * toughness x 0.01 (11 J/m^2, the micro-penetrator scale of Meliga 2017, docs/fracture.md
 * section 5) and tensile strength 1 MPa in every layer, i.e. delta_c = 2 G_c / sigma_c = 23 um
 * and a loaded zone delta_0 / tan(theta) = 8.5 um on the wall (two surface cells of SC/4).
 * Frictionless: with Coulomb friction (mu 0.36) the cone wedges the wall open only after more
 * tenting, and the stratum corneum is perforated at 512 um, beyond these 450 um
 * (tests/unit/test_pen_friction.c; docs/penetration.md section 5 item 8). 1 mm needle (the default), 16 radial cells, surface cell SC/4, path cell 10 um,
 * 450 um of travel in at least 4 output steps, no snapshots.
 */
#ifndef NS_TEST_PEN_CASES_H
#define NS_TEST_PEN_CASES_H

#include <stdio.h>

#include "needlesim/penetration.h"
#include "needlesim/skin.h"

#define CUT_STRENGTH 1e6          /* Pa, every layer */
#define CUT_TOUGHNESS_SCALE 0.01  /* x the skin model's G_c */
#define CUT_TRAVEL 450e-6         /* m */

static inline enum ns_status ns_test_cut_skin(double age, struct ns_skin *sk, struct ns_err *err) {
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  cfg.age_years = age;
  for (int l = 0; l < NS_NLAYERS; l++) cfg.layer[l].tensile_strength = CUT_STRENGTH;
  return ns_skin_build(&cfg, sk, err);
}

static inline int ns_test_cut_skin_or_report(double age, struct ns_skin *sk) {
  struct ns_err err = NS_ERR_INIT;
  if (ns_test_cut_skin(age, sk, &err) == NS_OK) return 1;
  printf("[  FAILED  ] skin: %s\n", err.msg);
  return 0;
}

static inline struct ns_pen_spec ns_test_cut_spec(const struct ns_skin *sk) {
  struct ns_pen_spec s = ns_pen_spec_defaults(sk);
  s.fracture = 1;
  s.toughness_scale = CUT_TOUGHNESS_SCALE;
  s.friction = 0.0;
  s.travel = CUT_TRAVEL;
  s.steps = 4;
  s.cells_r = 16;
  s.surface_cell = 0.0; /* SC / 4 */
  s.path_cell = 10e-6;
  s.snapshots = 0;
  return s;
}

/* The 30 um press: elastic, frictionless, 3 output steps, no snapshots; fracture as given. */
static inline struct ns_pen_spec ns_test_press_spec(const struct ns_skin *sk, int fracture) {
  struct ns_pen_spec s = ns_pen_spec_defaults(sk);
  s.travel = 30e-6;
  s.steps = 3;
  s.snapshots = 0;
  s.elastic = 1;
  s.friction = 0.0;
  s.fracture = fracture;
  return s;
}

/* One result line of a tests/verify program, in the format run.sh and `make verify` read. */
static inline int ns_test_check(int ok, const char *what) {
  printf("%s %s\n", ok ? "[       OK ]" : "[  FAILED  ]", what);
  return ok;
}

#endif
