/* scenario_schema.c — the table of every scenario key, value checking, and the key reference.
 *
 * One entry per key: section, key, type, unit, default, range, allowed enum values, meaning and
 * the struct ns_config field it fills with the factor that converts it to SI. The table drives
 * parsing, range checks, defaults, the resolved parameter table and docs/scenarios.md.
 *
 * Private functions (sim/scenario_impl.h):
 *   ns_schema_nslots, ns_schema_slot, ns_schema_section, ns_schema_fullname, ns_schema_offset
 *                                   slots: the keys of concrete sections in schema order
 *   ns_schema_section_known, ns_schema_find, ns_schema_find_full, ns_schema_slot_of,
 *   ns_schema_layer_slot            look-up by name
 *   ns_schema_suggest_section, ns_schema_suggest_key, ns_schema_suggest_full, ns_schema_list_keys,
 *   ns_schema_sections_text         "did you mean" help for unknown names
 *   ns_schema_parse                 typed, fully checked conversion of one value
 *   ns_schema_range_text            "[0.05, 5] mm"
 *   ns_scen_err, ns_scen_quote      the one-line error message format
 * Public function (needlesim/scenario.h):
 *   ns_scenario_write_reference     the Markdown key reference (docs/scenarios.md)
 *
 * Invariant: every default text passes ns_schema_parse for its key (tested in test_scenario.c).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/config.h"
#include "needlesim/scenario.h"
#include "needlesim/skin.h"
#include "scenario_impl.h"

/* Degrees to radians. */
#define DEG_TO_RAD (3.14159265358979323846 / 180.0)
/* Unit conversions to SI: micrometres and millimetres to metres, kilopascals to pascals. */
#define UM_TO_M 1e-6
#define MM_TO_M 1e-3
#define KPA_TO_PA 1e3
/* Millibar to pascals (1 mbar = 100 Pa). */
#define MBAR_TO_PA 100.0
/* Megapascals to pascals. */
#define MPA_TO_PA 1e6
/* MPa/mm (a cohesive stiffness) to Pa/m. */
#define MPA_PER_MM_TO_PA_PER_M 1e9

/* Enum value names by index; NULL past the last one. */
static const char *study_name(int i) {
  static const char *const names[] = {"profile", "indentation", "suction", "penetration"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *site_name(int i) { return i >= 0 && i < NS_NSITES ? ns_site_name((enum ns_site)i) : NULL; }
static const char *vol_law_name(int i) {
  static const char *const names[] = {"quadratic", "logarithmic"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *device_name(int i) {
  static const char *const names[] = {"single", "stamp", "roller", "pen"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *indenter_name(int i) {
  static const char *const names[] = {"flat", "sphere", "cone"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *dynamics_name(int i) {
  static const char *const names[] = {"auto", "on", "off"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *cut_law_name(int i) {
  static const char *const names[] = {"cohesive", "griffith"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}
static const char *geometry_name(int i) {
  static const char *const names[] = {"axisymmetric", "3d"};
  return (i >= 0 && i < (int)(sizeof names / sizeof names[0])) ? names[i] : NULL;
}

/* The enum tables above follow the enum order of config.h; the config stores enums as ints. */
_Static_assert(NS_DEVICE_SINGLE == 0 && NS_DEVICE_STAMP == 1 && NS_DEVICE_ROLLER == 2 && NS_DEVICE_PEN == 3,
               "device names follow enum ns_device_type");
_Static_assert(NS_VOL_QUADRATIC == 0 && NS_VOL_LOGARITHMIC == 1 && NS_NVOL_LAWS == 2,
               "volumetric law names follow enum ns_vol_law");
_Static_assert(NS_GEOM_AXISYMMETRIC == 0 && NS_GEOM_3D == 1, "geometry names follow enum ns_geometry");
_Static_assert(NS_STUDY_PROFILE == 0 && NS_STUDY_INDENTATION == 1 && NS_STUDY_SUCTION == 2 &&
                   NS_STUDY_PENETRATION == 3,
               "study names follow enum ns_study_kind");
_Static_assert(NS_PEN_DYNAMICS_AUTO == 0 && NS_PEN_DYNAMICS_ON == 1 && NS_PEN_DYNAMICS_OFF == 2,
               "dynamics names follow enum ns_pen_dynamics");
_Static_assert(NS_PEN_CUT_COHESIVE == 0 && NS_PEN_CUT_GRIFFITH == 1, "cut law names follow enum ns_pen_cut_law");
_Static_assert(NS_INDENTER_FLAT == 0 && NS_INDENTER_SPHERE == 1 && NS_INDENTER_CONE == 2,
               "indenter names follow enum ns_indenter");
_Static_assert(sizeof(enum ns_site) == sizeof(int) && sizeof(enum ns_device_type) == sizeof(int) &&
                   sizeof(enum ns_geometry) == sizeof(int) && sizeof(enum ns_study_kind) == sizeof(int) &&
                   sizeof(enum ns_indenter) == sizeof(int) && sizeof(enum ns_vol_law) == sizeof(int),
               "enums are stored through int");

#define OFF(f) offsetof(struct ns_config, f)
#define LOFF(f) offsetof(struct ns_layer_override, f)
#define ROLLER NS_DEV_BIT(NS_DEVICE_ROLLER)
#define STAMP NS_DEV_BIT(NS_DEVICE_STAMP)
#define PEN NS_DEV_BIT(NS_DEVICE_PEN)

/* Keys of every section except the layers, in schema order; the layer keys follow in
 * layer_keys[] and are inserted after [skin] (see slot_map). */
static const struct ns_key_def keys[] = {
    /* [study] */
    {"study", "type", NS_KEY_ENUM, "", "profile", 0, 0, 0, 0, study_name, "study.kind", "", 1, OFF(study.kind),
     "what `needlesim run` computes: `profile` (the resolved layer profile), `indentation` (rigid indenter, "
     "force-depth-time), `suction` (Cutometer-style suction, displacement-time and R-parameters), `penetration` "
     "(the needle driven into the skin by the device: tenting, puncture, cut depth per layer)"},
    /* [skin] */
    {"skin", "age_years", NS_KEY_DOUBLE, "years", "35", 20, 80, 0, 0, NULL, "skin.age_years", "years", 1,
     OFF(skin.age_years), "age of the subject; the literature tables span 20-80 years, so no extrapolation"},
    {"skin", "site", NS_KEY_ENUM, "", "forearm", 0, 0, 0, 0, site_name, "skin.site", "", 1, OFF(skin.site),
     "body site whose layer thicknesses and moduli are used"},
    {"skin", "hydration", NS_KEY_DOUBLE, "1", "0.5", 0, 1, 0, 0, NULL, "skin.hydration", "1", 1, OFF(skin.hydration),
     "stratum corneum water content as a fraction of saturation"},
    {"skin", "volumetric_law", NS_KEY_ENUM, "", "quadratic", 0, 0, 0, 0, vol_law_name, "skin.volumetric_law", "", 1,
     OFF(skin.volumetric_law),
     "bulk energy U(J) of every layer: `quadratic` (kappa/2)(J - 1)^2, bounded as J -> 0 (a cell can be crushed at "
     "finite energy), or `logarithmic` (kappa/4)(J^2 - 1 - 2 ln J) (Simo & Miehe 1992), unbounded as J -> 0; both "
     "have U'' = kappa at J = 1, so small strains agree"},
    {"skin", "prestretch", NS_KEY_DOUBLE, "1", "1", 1, 1.5, 0, 0, NULL, "skin.prestretch", "1", 1, OFF(skin.prestretch),
     "in-vivo equibiaxial in-plane pre-stretch of every layer: the grid is the stretched living skin, the "
     "stress-free state lies behind it by F0 = diag(lambda, lambda, lambda_z), lambda_z per layer from plane stress "
     "of the long-term law (docs/penetration_parameters.md section 9). 1 = none. Living skin is under tension: "
     "in-vivo pre-stress 28-92 kPa (Flynn, Taberner & Nielsen 2011 Ann Biomed Eng 39:1935, forearm), excised skin "
     "retracts by 33 % in area, lambda ~ 1.22 (Deroy et al., arXiv 1609.07267, canine cadavers); in-vivo membrane "
     "tension 5.6-11.4 N/m (Flynn, Taberner & Nielsen 2011 Biomech Model Mechanobiol 10:27)"},
    /* [needle] */
    {"needle", "length_mm", NS_KEY_DOUBLE, "mm", "1.0", 0.05, 5, 0, 0, NULL, "needle.length", "m", MM_TO_M,
     OFF(needle.length), "exposed length of the needle"},
    {"needle", "shaft_diameter_um", NS_KEY_DOUBLE, "um", "250", 10, 2000, 0, 0, NULL, "needle.shaft_diameter", "m",
     UM_TO_M, OFF(needle.shaft_diameter), "shaft diameter (default: Schwarz & Laaff 2011, MF8 roller)"},
    {"needle", "tip_radius_um", NS_KEY_DOUBLE, "um", "4", 0.1, 500, 0, 0, NULL, "needle.tip_radius", "m", UM_TO_M,
     OFF(needle.tip_radius), "radius of the rounded tip (default: Kalluri 2011, SEM); at most the shaft radius"},
    {"needle", "tip_half_angle_deg", NS_KEY_DOUBLE, "deg", "15", 1, 89, 0, 0, NULL, "needle.tip_half_angle", "rad",
     DEG_TO_RAD, OFF(needle.tip_half_angle), "half-angle of the conical tip"},
    /* [device] */
    {"device", "type", NS_KEY_ENUM, "", "single", 0, 0, 0, 0, device_name, "device.type", "", 1, OFF(device.type),
     "one needle, a flat stamp of needles, a rolling drum, or a reciprocating pen"},
    {"device", "drum_diameter_mm", NS_KEY_DOUBLE, "mm", "20", 1, 200, 0, ROLLER, NULL, "device.drum_diameter", "m",
     MM_TO_M, OFF(device.drum_diameter), "roller only: drum diameter (Schwarz & Laaff 2011: 2 cm)"},
    {"device", "drum_width_mm", NS_KEY_DOUBLE, "mm", "20", 1, 200, 0, ROLLER, NULL, "device.drum_width", "m",
     MM_TO_M, OFF(device.drum_width), "roller only: drum width (Schwarz & Laaff 2011: 2 cm)"},
    {"device", "needle_rows", NS_KEY_INT, "1", "8", 1, 100, 0, ROLLER, NULL, "device.needle_rows", "1", 1,
     OFF(device.needle_rows), "roller only: rings of needles across the drum width (Schwarz & Laaff 2011: 8)"},
    {"device", "needles_per_row", NS_KEY_INT, "1", "24", 1, 1000, 0, ROLLER, NULL, "device.needles_per_row", "1", 1,
     OFF(device.needles_per_row), "roller only: needles around each ring (192 needles / 8 rows = 24)"},
    {"device", "pitch_um", NS_KEY_DOUBLE, "um", "2000", 20, 20000, 0, STAMP, NULL, "device.pitch", "m", UM_TO_M,
     OFF(device.pitch), "stamp only: needle spacing, also the periodic cell; more than the shaft diameter"},
    {"device", "stroke_depth_mm", NS_KEY_DOUBLE, "mm", "1.0", 0.05, 3, 0, PEN, NULL, "device.stroke_depth", "m",
     MM_TO_M, OFF(device.stroke_depth), "pen only: depth setting (SkinPen 0-2.5 mm, Dermapen 4 up to 3 mm)"},
    {"device", "stroke_rate_hz", NS_KEY_DOUBLE, "Hz", "117", 0, 1000, NS_KEY_MIN_OPEN, PEN, NULL, "device.stroke_rate",
     "Hz", 1, OFF(device.stroke_rate), "pen only: strokes per second (SkinPen 7000 rpm, one stroke per turn)"},
    {"device", "needle_count", NS_KEY_INT, "1", "36", 1, 10000, 0, STAMP, NULL, "device.needle_count", "1", 1,
     OFF(device.needle_count),
     "stamp only: needles on the stamp, sharing loading.force_N (no published count: 36 = a 6 x 6 array)"},
    /* [loading] */
    {"loading", "speed_mm_s", NS_KEY_DOUBLE, "mm/s", "1.0", 0, 20000, NS_KEY_MIN_OPEN, 0, NULL, "loading.speed",
     "m/s", MM_TO_M, OFF(loading.speed), "insertion speed"},
    {"loading", "force_N", NS_KEY_DOUBLE, "N", NULL, 1e-5, 500, 0, 0, NULL, "loading.force", "N", 1,
     OFF(loading.force), "total hand force: force control; not together with depth_mm"},
    {"loading", "depth_mm", NS_KEY_DOUBLE, "mm", NULL, 0.001, 10, 0, 0, NULL, "loading.depth", "m", MM_TO_M,
     OFF(loading.depth),
     "needle-holder travel past first contact: depth control; neither key given = depth control to the needle "
     "length"},
    {"loading", "dwell_s", NS_KEY_DOUBLE, "s", "0", 0, 3600, 0, 0, NULL, "loading.dwell", "s", 1, OFF(loading.dwell),
     "hold at maximum insertion"},
    {"loading", "slip_mm", NS_KEY_DOUBLE, "mm", "0", 0, 10, 0, ROLLER, NULL, "loading.slip", "m", MM_TO_M,
     OFF(loading.slip), "roller only: hand drag per drum revolution"},
    /* [closure] */
    {"closure", "duration_s", NS_KEY_DOUBLE, "s", "600", 0, 86400, 0, 0, NULL, "closure.duration", "s", 1,
     OFF(closure.duration), "tissue time simulated after withdrawal"},
    /* [indentation] (study.type = indentation only) */
    {"indentation", "indenter", NS_KEY_ENUM, "", "flat", 0, 0, 0, 0, indenter_name, "indentation.indenter", "", 1,
     OFF(indentation.indenter), "rigid indenter: flat-ended cylinder, sphere or cone (frictionless)"},
    {"indentation", "radius_um", NS_KEY_DOUBLE, "um", "1000", 10, 20000, 0, 0, NULL, "indentation.radius", "m",
     UM_TO_M, OFF(indentation.radius), "flat punch radius or sphere radius; not for a cone"},
    {"indentation", "half_angle_deg", NS_KEY_DOUBLE, "deg", "70.3", 10, 85, 0, 0, NULL, "indentation.half_angle",
     "rad", DEG_TO_RAD, OFF(indentation.half_angle),
     "cone only: half-angle between the axis and the face (70.3 = the Berkovich-equivalent cone)"},
    {"indentation", "depth_um", NS_KEY_DOUBLE, "um", "200", 0.1, 10000, 0, 0, NULL, "indentation.depth", "m", UM_TO_M,
     OFF(indentation.depth), "largest indentation depth past first contact"},
    {"indentation", "speed_um_s", NS_KEY_DOUBLE, "um/s", "100", 0, 1e5, NS_KEY_MIN_OPEN, 0, NULL, "indentation.speed",
     "m/s", UM_TO_M, OFF(indentation.speed), "loading speed (constant; the depth grows linearly in time)"},
    {"indentation", "hold_s", NS_KEY_DOUBLE, "s", "5", 0, 3600, 0, 0, NULL, "indentation.hold", "s", 1,
     OFF(indentation.hold), "hold at the largest depth (force relaxation)"},
    /* [suction] (study.type = suction only) */
    {"suction", "aperture_mm", NS_KEY_DOUBLE, "mm", "2", 0.2, 20, 0, 0, NULL, "suction.aperture", "m", MM_TO_M,
     OFF(suction.aperture), "diameter of the probe opening (Cutometer probes: 2, 4, 6, 8 mm)"},
    {"suction", "pressure_mbar", NS_KEY_DOUBLE, "mbar", "450", 0, 1000, NS_KEY_MIN_OPEN, 0, NULL, "suction.pressure",
     "Pa", MBAR_TO_PA, OFF(suction.pressure), "suction: pressure below ambient (Cutometer standard 450 mbar)"},
    {"suction", "on_s", NS_KEY_DOUBLE, "s", "2", 0, 3600, NS_KEY_MIN_OPEN, 0, NULL, "suction.on", "s", 1,
     OFF(suction.on), "suction time per cycle (Cutometer mode 1 standard: 2 s)"},
    {"suction", "off_s", NS_KEY_DOUBLE, "s", "2", 0, 3600, NS_KEY_MIN_OPEN, 0, NULL, "suction.off", "s", 1,
     OFF(suction.off), "relaxation time per cycle, pressure released (standard: 2 s)"},
    {"suction", "cycles", NS_KEY_INT, "1", "1", 1, 100, 0, 0, NULL, "suction.cycles", "1", 1, OFF(suction.cycles),
     "suction/relaxation cycles; the R-parameters are from the first"},
    /* [penetration] (study.type = penetration only) */
    {"penetration", "cutting", NS_KEY_BOOL, "", "true", 0, 0, 0, 0, NULL, "penetration.cutting", "", 1,
     OFF(penetration.cutting), "the needle cuts (cohesive path below the tip); false = tenting only, no puncture"},
    {"penetration", "cut_radius_um", NS_KEY_DOUBLE, "um", NULL, 0.1, 1000, 0, 0, NULL, "penetration.cut_radius", "m",
     UM_TO_M, OFF(penetration.cut_radius), "radius of the cut channel; none = the tip radius; at most the shaft radius"},
    {"penetration", "toughness_scale", NS_KEY_DOUBLE, "1", "1", 0, 100, NS_KEY_MIN_OPEN, 0, NULL,
     "penetration.toughness_scale", "1", 1, OFF(penetration.toughness_scale),
     "multiplies every layer's toughness G_c (sensitivity runs; 1 = the skin model)"},
    {"penetration", "cut_viscosity_s", NS_KEY_DOUBLE, "s", NULL, 0, 1, 0, 0, NULL, "penetration.cut_viscosity", "s", 1,
     OFF(penetration.cut_viscosity),
     "viscous regularisation time of the cut's cohesive ties (Gao & Bower 2004); none = 1e-4 of the insertion "
     "time (0 with inertia); 0 = rate independent"},
    {"penetration", "tie_stiffness_MPa_mm", NS_KEY_DOUBLE, "MPa/mm", NULL, 0, 1e6, 0, 0, NULL,
     "penetration.tie_stiffness", "Pa/m", MPA_PER_MM_TO_PA_PER_M, OFF(penetration.tie_stiffness),
     "initial stiffness of the cut's cohesive ties: peak opening sigma_c / K, at most delta_c / 2 (Mohammadi 2021: "
     "5000 for human skin); none or 0 = peak at delta_c / 10"},
    {"penetration", "dynamics", NS_KEY_ENUM, "", "auto", 0, 0, 0, 0, dynamics_name, "penetration.dynamics", "", 1,
     OFF(penetration.dynamics),
     "inertia: `auto` = on for a pen and at insertion speeds >= 100 mm/s, off below; `on`; `off`"},
    {"penetration", "output_steps", NS_KEY_INT, "1", "20", 1, 1000, 0, 0, NULL, "penetration.output_steps", "1", 1,
     OFF(penetration.output_steps), "recorded points of the insertion (equal steps of tip travel)"},
    {"penetration", "path_cell_um", NS_KEY_DOUBLE, "um", NULL, 0.05, 100, 0, 0, NULL, "penetration.path_cell", "m",
     UM_TO_M, OFF(penetration.path_cell), "cell height along the insertion path below the epidermis; none = automatic"},
    {"penetration", "cut_law", NS_KEY_ENUM, "", "cohesive", 0, 0, 0, 0, cut_law_name, "penetration.cut_law", "", 1,
     OFF(penetration.cut_law),
     "how the cut advances: `cohesive` = the wall ties soften and break by their strength; `griffith` = elastic "
     "ties, a row is released when the energy it releases with the needle held pays G_c of its area "
     "(quasi-static only; docs/penetration.md section 1)"},
    /* [grid] */
    {"grid", "geometry", NS_KEY_ENUM, "", "axisymmetric", 0, 0, 0, 0, geometry_name, "grid.geometry", "", 1,
     OFF(grid.geometry), "axisymmetric (r, z) or full 3d (x, y, z)"},
    {"grid", "width_mm", NS_KEY_DOUBLE, "mm", "4", 0.1, 50, 0, 0, NULL, "grid.width", "m", MM_TO_M, OFF(grid.width),
     "lateral extent: radius (axisymmetric) or half-width (3d); more than the shaft radius"},
    {"grid", "depth_mm", NS_KEY_DOUBLE, "mm", "5", 0.1, 50, 0, 0, NULL, "grid.depth", "m", MM_TO_M, OFF(grid.depth),
     "extent below the surface; at least 1.5 x the deepest needle travel"},
    {"grid", "cells_lateral", NS_KEY_INT, "1", "128", 8, 4096, NS_KEY_MULT8, 0, NULL, "grid.cells_lateral", "1", 1,
     OFF(grid.cells_lateral), "cells across width_mm; a multiple of 8 for multigrid"},
    {"grid", "cells_depth", NS_KEY_INT, "1", "128", 8, 4096, NS_KEY_MULT8, 0, NULL, "grid.cells_depth", "1", 1,
     OFF(grid.cells_depth), "cells across depth_mm; a multiple of 8 for multigrid"},
    {"grid", "surface_cell_um", NS_KEY_DOUBLE, "um", "3", 0.1, 1000, 0, 0, NULL, "grid.surface_cell", "m", UM_TO_M,
     OFF(grid.surface_cell), "cell height at the surface, where the grading starts"},
    {"grid", "axis_cell_um", NS_KEY_DOUBLE, "um", "2", 0.1, 1000, 0, 0, NULL, "grid.axis_cell", "m", UM_TO_M,
     OFF(grid.axis_cell), "cell width at the needle axis, where the grading starts"},
    /* [numerics] */
    {"numerics", "newton_rtol", NS_KEY_DOUBLE, "1", "1e-8", 1e-14, 1e-2, 0, 0, NULL, "numerics.newton_rtol", "1", 1,
     OFF(numerics.newton_rtol), "relative residual reduction that ends Newton"},
    {"numerics", "newton_max_iter", NS_KEY_INT, "1", "30", 1, 1000, 0, 0, NULL, "numerics.newton_max_iter", "1", 1,
     OFF(numerics.newton_max_iter), "Newton iterations before the step is retried smaller"},
    {"numerics", "linear_rtol", NS_KEY_DOUBLE, "1", "1e-8", 1e-14, 1e-2, 0, 0, NULL, "numerics.linear_rtol", "1", 1,
     OFF(numerics.linear_rtol), "relative residual reduction that ends the Krylov solve"},
    {"numerics", "linear_max_iter", NS_KEY_INT, "1", "500", 1, 100000, 0, 0, NULL, "numerics.linear_max_iter", "1", 1,
     OFF(numerics.linear_max_iter), "Krylov iterations per linear solve"},
    {"numerics", "dt_initial_s", NS_KEY_DOUBLE, "s", "1e-3", 1e-12, 3600, 0, 0, NULL, "numerics.dt_initial", "s", 1,
     OFF(numerics.dt_initial), "first time step; dt_min_s <= dt_initial_s <= dt_max_s"},
    {"numerics", "dt_min_s", NS_KEY_DOUBLE, "s", "1e-9", 1e-15, 3600, 0, 0, NULL, "numerics.dt_min", "s", 1,
     OFF(numerics.dt_min), "a step that must shrink below this stops the run"},
    {"numerics", "dt_max_s", NS_KEY_DOUBLE, "s", "60", 1e-12, 86400, 0, 0, NULL, "numerics.dt_max", "s", 1,
     OFF(numerics.dt_max), "largest time step"},
    /* [output] */
    {"output", "file", NS_KEY_STRING, "", "", 0, 0, 0, 0, NULL, "output.file", "", 1, OFF(output.file),
     "output path; empty = `out/<scenario basename>.h5`"},
    {"output", "snapshots", NS_KEY_BOOL, "", "true", 0, 0, 0, 0, NULL, "output.snapshots", "", 1,
     OFF(output.snapshots), "write field snapshots (true/false, yes/no, on/off, 1/0); false = summary data only"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* The keys of every [layer.<name>] section. All are optional: a key not given keeps the skin
 * model's literature value for that layer (NAN in struct ns_layer_override). */
static const struct ns_key_def layer_keys[] = {
    {"layer", "thickness_um", NS_KEY_DOUBLE, "um", NULL, 1, 20000, 0, 0, NULL, "thickness", "m", UM_TO_M,
     LOFF(thickness), "layer thickness"},
    {"layer", "youngs_modulus_kPa", NS_KEY_DOUBLE, "kPa", NULL, 0.01, 1e7, 0, 0, NULL, "youngs_modulus", "Pa",
     KPA_TO_PA, LOFF(youngs_modulus), "small-strain Young's modulus"},
    {"layer", "poisson_ratio", NS_KEY_DOUBLE, "1", NULL, 0, 0.4999, 0, 0, NULL, "poisson_ratio", "1", 1,
     LOFF(poisson_ratio), "small-strain Poisson ratio (0.5 would be incompressible, which the model cannot take)"},
    {"layer", "ogden_alpha", NS_KEY_DOUBLE, "1", NULL, -50, 50, NS_KEY_NONZERO, 0, NULL, "ogden_alpha", "1", 1,
     LOFF(ogden_alpha), "one-term Ogden exponent (2 behaves like neo-Hookean)"},
    {"layer", "fibre_k1_kPa", NS_KEY_DOUBLE, "kPa", NULL, 0, 1e7, 0, 0, NULL, "fibre_k1", "Pa", KPA_TO_PA,
     LOFF(fibre_k1),
     "collagen fibre stiffness k1 of the GOH term (k1/(2 k2))(exp(k2 <E>^2) - 1), long-term value; 0 = off; needs "
     "fibre_k2 > 0"},
    {"layer", "fibre_k2", NS_KEY_DOUBLE, "1", NULL, 0, 1e4, 0, 0, NULL, "fibre_k2", "1", 1, LOFF(fibre_k2),
     "collagen fibre exponent k2 of the GOH term (> 0 when fibre_k1_kPa > 0)"},
    {"layer", "fibre_dispersion", NS_KEY_DOUBLE, "1", NULL, 0, 1.0 / 3.0, 0, 0, NULL, "fibre_dispersion", "1", 1,
     LOFF(fibre_dispersion),
     "GOH fibre dispersion kappa about the skin plane (fibres in-plane isotropic, tension only): 0 = all fibres in "
     "the plane, 1/3 = isotropic (the default)"},
    {"layer", "prony_g1", NS_KEY_DOUBLE, "1", NULL, 0, 1, NS_KEY_MAX_OPEN, 0, NULL, "prony_g[0]", "1", 1,
     LOFF(prony_g[0]), "relative modulus of Prony term 1; needs prony_tau1_s; g1 + g2 + g3 < 1"},
    {"layer", "prony_g2", NS_KEY_DOUBLE, "1", NULL, 0, 1, NS_KEY_MAX_OPEN, 0, NULL, "prony_g[1]", "1", 1,
     LOFF(prony_g[1]), "relative modulus of Prony term 2; needs prony_tau2_s"},
    {"layer", "prony_g3", NS_KEY_DOUBLE, "1", NULL, 0, 1, NS_KEY_MAX_OPEN, 0, NULL, "prony_g[2]", "1", 1,
     LOFF(prony_g[2]), "relative modulus of Prony term 3; needs prony_tau3_s"},
    {"layer", "prony_tau1_s", NS_KEY_DOUBLE, "s", NULL, 1e-6, 1e6, 0, 0, NULL, "prony_tau[0]", "s", 1,
     LOFF(prony_tau[0]), "relaxation time of Prony term 1; needs prony_g1"},
    {"layer", "prony_tau2_s", NS_KEY_DOUBLE, "s", NULL, 1e-6, 1e6, 0, 0, NULL, "prony_tau[1]", "s", 1,
     LOFF(prony_tau[1]), "relaxation time of Prony term 2; needs prony_g2"},
    {"layer", "prony_tau3_s", NS_KEY_DOUBLE, "s", NULL, 1e-6, 1e6, 0, 0, NULL, "prony_tau[2]", "s", 1,
     LOFF(prony_tau[2]), "relaxation time of Prony term 3; needs prony_g3"},
    {"layer", "toughness_J_m2", NS_KEY_DOUBLE, "J/m^2", NULL, 0.01, 1e6, 0, 0, NULL, "toughness", "J/m^2", 1,
     LOFF(toughness), "critical energy release rate G_c"},
    {"layer", "tensile_strength_MPa", NS_KEY_DOUBLE, "MPa", NULL, 1e-4, 1000, 0, 0, NULL, "tensile_strength", "Pa",
     MPA_TO_PA, LOFF(tensile_strength), "cohesive (tensile) strength sigma_c of the cut (penetration study)"},
    {"layer", "friction_coefficient", NS_KEY_DOUBLE, "1", NULL, 0, 2, 0, 0, NULL, "friction_coefficient", "1", 1,
     LOFF(friction_coefficient), "Coulomb friction, stainless-steel needle on this layer"},
    {"layer", "density_kg_m3", NS_KEY_DOUBLE, "kg/m^3", NULL, 500, 3000, 0, 0, NULL, "density", "kg/m^3", 1,
     LOFF(density), "mass density"},
};
#define NLAYERKEYS (sizeof layer_keys / sizeof layer_keys[0])

/* Sections as they may appear in a file, for messages. */
static const char sections_text[] =
    "study, skin, layer.<layer>, needle, device, loading, closure, indentation, suction, penetration, grid, numerics, "
    "output, sweep";

/* ---- slots ---------------------------------------------------------------------------------- */

/* Number of keys[] entries before the layers: [study] type and [skin] age_years, site,
 * hydration, volumetric_law, prestretch (test_scenario.c checks that slot 6 is the first layer key). */
static size_t n_before_layers(void) { return 6; }

size_t ns_schema_nslots(void) { return NKEYS + (size_t)NS_NLAYERS * NLAYERKEYS; }

const struct ns_key_def *ns_schema_slot(size_t slot, int *layer) {
  size_t pre = n_before_layers(), nl = (size_t)NS_NLAYERS * NLAYERKEYS;
  if (layer) *layer = -1;
  if (slot < pre) return &keys[slot];
  if (slot < pre + nl) {
    if (layer) *layer = (int)((slot - pre) / NLAYERKEYS);
    return &layer_keys[(slot - pre) % NLAYERKEYS];
  }
  if (slot < NKEYS + nl) return &keys[slot - nl];
  return NULL;
}

size_t ns_schema_layer_slot(int layer, const char *key) {
  for (size_t k = 0; k < NLAYERKEYS; k++)
    if (strcmp(layer_keys[k].key, key) == 0) return n_before_layers() + (size_t)layer * NLAYERKEYS + k;
  return (size_t)-1;
}

void ns_schema_section(size_t slot, char *buf, size_t n) {
  int layer;
  const struct ns_key_def *d = ns_schema_slot(slot, &layer);
  if (!d)
    snprintf(buf, n, "?");
  else if (layer >= 0)
    snprintf(buf, n, "layer.%s", ns_layer_name((enum ns_layer_id)layer));
  else
    snprintf(buf, n, "%s", d->section);
}

void ns_schema_fullname(size_t slot, char *buf, size_t n) {
  char sec[64];
  ns_schema_section(slot, sec, sizeof sec);
  const struct ns_key_def *d = ns_schema_slot(slot, NULL);
  snprintf(buf, n, "%s.%s", sec, d ? d->key : "?");
}

size_t ns_schema_offset(size_t slot) {
  int layer;
  const struct ns_key_def *d = ns_schema_slot(slot, &layer);
  if (!d) return 0;
  if (layer < 0) return d->offset;
  return offsetof(struct ns_config, skin.layer) + (size_t)layer * sizeof(struct ns_layer_override) + d->offset;
}

/* Layer index of "layer.<name>", or -1. */
static int layer_of_section(const char *section) {
  if (strncmp(section, "layer.", 6) != 0) return -1;
  for (int l = 0; l < NS_NLAYERS; l++)
    if (strcmp(section + 6, ns_layer_name((enum ns_layer_id)l)) == 0) return l;
  return -1;
}

int ns_schema_section_known(const char *section) {
  if (layer_of_section(section) >= 0) return 1;
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(keys[i].section, section) == 0) return 1;
  return 0;
}

int ns_schema_find(const char *section, const char *key, size_t *slot) {
  int layer = layer_of_section(section);
  if (layer >= 0) {
    size_t s = ns_schema_layer_slot(layer, key);
    if (s == (size_t)-1) return 0;
    *slot = s;
    return 1;
  }
  size_t n = ns_schema_nslots();
  for (size_t s = 0; s < n; s++) {
    int l;
    const struct ns_key_def *d = ns_schema_slot(s, &l);
    if (l < 0 && strcmp(d->section, section) == 0 && strcmp(d->key, key) == 0) {
      *slot = s;
      return 1;
    }
  }
  return 0;
}

int ns_schema_find_full(const char *full, size_t *slot) {
  const char *dot = strrchr(full, '.');
  char sec[128];
  if (!dot || (size_t)(dot - full) >= sizeof sec) return 0;
  memcpy(sec, full, (size_t)(dot - full));
  sec[dot - full] = '\0';
  return ns_schema_find(sec, dot + 1, slot);
}

size_t ns_schema_slot_of(const char *section, const char *key) {
  size_t s = (size_t)-1;
  ns_schema_find(section, key, &s);
  return s;
}

const char *ns_schema_sections_text(void) { return sections_text; }

/* ---- suggestions ------------------------------------------------------------------------------ */

/* Longest name compared by edit_distance; longer names are never "close". */
#define SUGGEST_MAXLEN 95

/* Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > SUGGEST_MAXLEN || lb > SUGGEST_MAXLEN) return SIZE_MAX / 2;
  size_t row[SUGGEST_MAXLEN + 1];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* A candidate is close when at most a third of its characters (at least one) must change. */
static int close_enough(size_t dist, const char *cand) {
  size_t lim = strlen(cand) / 3;
  return dist <= (lim < 1 ? 1 : lim);
}

/* Keep the closest candidate seen so far. */
struct best_name {
  size_t dist;
  char name[128];
};
static void consider(struct best_name *b, const char *got, const char *cand) {
  size_t d = edit_distance(got, cand);
  if (close_enough(d, cand) && d < b->dist) {
    b->dist = d;
    snprintf(b->name, sizeof b->name, "%s", cand);
  }
}
static int emit(const struct best_name *b, char *buf, size_t n) {
  if (b->dist == SIZE_MAX) return 0;
  snprintf(buf, n, "%s", b->name);
  return 1;
}

int ns_schema_suggest_section(const char *section, char *buf, size_t n) {
  struct best_name b = {SIZE_MAX, {0}};
  for (size_t i = 0; i < NKEYS; i++) consider(&b, section, keys[i].section);
  consider(&b, section, "sweep");
  for (int l = 0; l < NS_NLAYERS; l++) {
    char name[64];
    snprintf(name, sizeof name, "layer.%s", ns_layer_name((enum ns_layer_id)l));
    consider(&b, section, name);
  }
  return emit(&b, buf, n);
}

int ns_schema_suggest_key(const char *section, const char *key, char *buf, size_t n) {
  int in_layer = layer_of_section(section) >= 0;
  /* The exact key in another section: the user put it under the wrong header. */
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(keys[i].key, key) == 0 && strcmp(keys[i].section, section) != 0) {
      snprintf(buf, n, "%s.%s", keys[i].section, key);
      return 1;
    }
  if (!in_layer)
    for (size_t k = 0; k < NLAYERKEYS; k++)
      if (strcmp(layer_keys[k].key, key) == 0) {
        snprintf(buf, n, "layer.<layer>.%s", key);
        return 1;
      }
  struct best_name b = {SIZE_MAX, {0}};
  if (in_layer) {
    for (size_t k = 0; k < NLAYERKEYS; k++) consider(&b, key, layer_keys[k].key);
  } else {
    for (size_t i = 0; i < NKEYS; i++)
      if (strcmp(keys[i].section, section) == 0) consider(&b, key, keys[i].key);
  }
  return emit(&b, buf, n);
}

int ns_schema_suggest_full(const char *full, char *buf, size_t n) {
  /* The key name alone, or under the wrong section: suggest the section it belongs to. */
  const char *dot = strrchr(full, '.');
  const char *key = dot ? dot + 1 : full;
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(keys[i].key, key) == 0) {
      snprintf(buf, n, "%s.%s", keys[i].section, key);
      return 1;
    }
  for (size_t k = 0; k < NLAYERKEYS; k++)
    if (strcmp(layer_keys[k].key, key) == 0 && strncmp(full, "layer.", 6) != 0) {
      snprintf(buf, n, "layer.<layer>.%s", key);
      return 1;
    }
  struct best_name b = {SIZE_MAX, {0}};
  size_t ns = ns_schema_nslots();
  for (size_t s = 0; s < ns; s++) {
    char name[128];
    ns_schema_fullname(s, name, sizeof name);
    consider(&b, full, name);
  }
  return emit(&b, buf, n);
}

void ns_schema_list_keys(const char *section, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  int in_layer = layer_of_section(section) >= 0;
  const struct ns_key_def *set = in_layer ? layer_keys : keys;
  size_t count = in_layer ? NLAYERKEYS : NKEYS;
  for (size_t i = 0; i < count; i++) {
    if (!in_layer && strcmp(set[i].section, section) != 0) continue;
    int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", set[i].key);
    if (w < 0 || (size_t)w >= n - used) break;
    used += (size_t)w;
  }
}

/* ---- messages --------------------------------------------------------------------------------- */

/* Longest value text quoted in a message, in bytes. */
#define QUOTE_MAX 80

void ns_scen_quote(const char *s, char *buf, size_t n) {
  size_t j = 0, i = 0;
  if (n == 0) return;
  for (; i < QUOTE_MAX && s[i] && j + 1 < n; i++) {
    unsigned char c = (unsigned char)s[i];
    buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  /* Do not cut a UTF-8 sequence: drop continuation bytes left at the end. */
  if (s[i]) {
    while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80) j--;
    if (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0xC0) j--;
    if (j + 4 <= n) {
      memcpy(buf + j, "...", 3);
      j += 3;
    }
  }
  buf[j] = '\0';
}

enum ns_status ns_scen_err(struct ns_err *err, const char *where, const char *key, const char *value,
                           const char *tail, const char *fmt, ...) {
  char expected[NS_ERR_MSG_MAX], q[QUOTE_MAX + 8];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(expected, sizeof expected, fmt, ap);
  va_end(ap);
  ns_scen_quote(value, q, sizeof q);
  return ns_err_set(err, NS_EINPUT, "%s: %s: expected %s, got '%s'%s", where, key, expected, q, tail ? tail : "");
}

void ns_schema_range_text(const struct ns_key_def *d, char *buf, size_t n) {
  if (!d || (d->type != NS_KEY_DOUBLE && d->type != NS_KEY_INT)) {
    buf[0] = '\0';
    return;
  }
  int has_unit = d->unit[0] && strcmp(d->unit, "1") != 0;
  snprintf(buf, n, "%c%.10g, %.10g%c%s%s", (d->flags & NS_KEY_MIN_OPEN) ? '(' : '[', d->min, d->max,
           (d->flags & NS_KEY_MAX_OPEN) ? ')' : ']', has_unit ? " " : "", has_unit ? d->unit : "");
}

/* ---- value parsing ---------------------------------------------------------------------------- */

static int in_range(const struct ns_key_def *d, double x) {
  int lo = (d->flags & NS_KEY_MIN_OPEN) ? x > d->min : x >= d->min;
  int hi = (d->flags & NS_KEY_MAX_OPEN) ? x < d->max : x <= d->max;
  return lo && hi;
}

static int parse_bool(const char *s, int *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    size_t ly = strlen(yes[i]), ln = strlen(no[i]);
    int match_yes = strlen(s) == ly, match_no = strlen(s) == ln;
    for (size_t k = 0; match_yes && k < ly; k++) match_yes = tolower((unsigned char)s[k]) == yes[i][k];
    for (size_t k = 0; match_no && k < ln; k++) match_no = tolower((unsigned char)s[k]) == no[i][k];
    if (match_yes) {
      *out = 1;
      return 1;
    }
    if (match_no) {
      *out = 0;
      return 1;
    }
  }
  return 0;
}

/* Report a bad value of `slot`: "WHERE: KEY: expected WHAT[ RANGE], got 'TEXT'TAIL". The key's
 * name and range are formatted here, only when a value fails. */
static enum ns_status bad_value(size_t slot, const char *where, const char *text, const char *tail, struct ns_err *err,
                                const char *what, int with_range) {
  char key[128], range[96] = "";
  ns_schema_fullname(slot, key, sizeof key);
  if (with_range) ns_schema_range_text(ns_schema_slot(slot, NULL), range, sizeof range);
  return ns_scen_err(err, where, key, text, tail, "%s%s%s", what, with_range ? " " : "", range);
}

enum ns_status ns_schema_parse(size_t slot, const char *text, const char *where, const char *tail,
                               struct ns_value *v, struct ns_err *err) {
  const struct ns_key_def *d = ns_schema_slot(slot, NULL);
  v->d = NAN;
  v->i = 0;
  if (!d) return ns_err_set(err, NS_EINTERNAL, "%s: no key with index %zu", where, slot);
  switch (d->type) {
  case NS_KEY_DOUBLE: {
    char *end = NULL;
    if (text[0] == '\0') return bad_value(slot, where, text, tail, err, "a number", 0);
    errno = 0;
    double x = strtod(text, &end);
    int range_error = errno == ERANGE;
    if (end == text) return bad_value(slot, where, text, tail, err, "a number", 0);
    if (*end != '\0')
      return bad_value(slot, where, text, tail, err, "a number with nothing after it (the unit is in the key name)", 0);
    if (strpbrk(text, "xX")) return bad_value(slot, where, text, tail, err, "a decimal number", 0);
    if (range_error) return bad_value(slot, where, text, tail, err, "a number within double precision range", 0);
    if (!isfinite(x)) return bad_value(slot, where, text, tail, err, "a finite number", 0);
    if (!in_range(d, x)) return bad_value(slot, where, text, tail, err, "a value in", 1);
    if ((d->flags & NS_KEY_NONZERO) && x == 0.0) return bad_value(slot, where, text, tail, err, "a nonzero value in", 1);
    v->d = x;
    return NS_OK;
  }
  case NS_KEY_INT: {
    char *end = NULL;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (text[0] == '\0' || end == text || *end != '\0') return bad_value(slot, where, text, tail, err, "an integer", 0);
    if (errno == ERANGE || !in_range(d, (double)x)) return bad_value(slot, where, text, tail, err, "an integer in", 1);
    if ((d->flags & NS_KEY_MULT8) && x % 8 != 0)
      return bad_value(slot, where, text, tail, err,
                       "a multiple of 8 (multigrid needs m*2^k cells to coarsen at least 3 times)", 0);
    v->i = (int)x;
    v->d = (double)x;
    return NS_OK;
  }
  case NS_KEY_BOOL:
    if (!parse_bool(text, &v->i)) return bad_value(slot, where, text, tail, err, "true/false, yes/no, on/off or 1/0", 0);
    v->d = v->i;
    return NS_OK;
  case NS_KEY_ENUM: {
    for (int i = 0; d->enum_name(i); i++)
      if (strcmp(text, d->enum_name(i)) == 0) {
        v->i = i;
        v->d = i;
        return NS_OK;
      }
    char what[256] = "one of ", best[128], t[256];
    struct best_name b = {SIZE_MAX, {0}};
    for (int i = 0; d->enum_name(i); i++) {
      if (i) strncat(what, ", ", sizeof what - strlen(what) - 1);
      strncat(what, d->enum_name(i), sizeof what - strlen(what) - 1);
      consider(&b, text, d->enum_name(i));
    }
    if (emit(&b, best, sizeof best)) {
      snprintf(t, sizeof t, "; did you mean '%s'?%s", best, tail ? tail : "");
      return bad_value(slot, where, text, t, err, what, 0);
    }
    return bad_value(slot, where, text, tail, err, what, 0);
  }
  case NS_KEY_STRING: {
    size_t len = strlen(text);
    if (len >= NS_PATH_MAX) {
      char what[96];
      snprintf(what, sizeof what, "a path of at most %d bytes (this one has %zu)", NS_PATH_MAX - 1, len);
      return bad_value(slot, where, "...", tail, err, what, 0);
    }
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
        return bad_value(slot, where, text, tail, err, "a path without control characters", 0);
    return NS_OK;
  }
  }
  return ns_err_set(err, NS_EINTERNAL, "%s: key with index %zu has an unknown type", where, slot);
}

/* ---- the key reference -------------------------------------------------------------------------- */

/* One Markdown table row for a key; `key` is the name as written in the file. */
static void write_row(FILE *f, const struct ns_key_def *d, const char *default_text) {
  static const char *const type_names[] = {"double", "int", "bool", "enum", "string"};
  char range[256] = "";
  if (d->type == NS_KEY_ENUM) {
    size_t used = 0;
    for (int i = 0; d->enum_name(i); i++) {
      int w = snprintf(range + used, sizeof range - used, "%s`%s`", i ? ", " : "", d->enum_name(i));
      if (w > 0 && (size_t)w < sizeof range - used) used += (size_t)w;
    }
  } else if (d->type == NS_KEY_BOOL) {
    snprintf(range, sizeof range, "true/false, yes/no, on/off, 1/0");
  } else if (d->type == NS_KEY_STRING) {
    snprintf(range, sizeof range, "path");
  } else {
    ns_schema_range_text(d, range, sizeof range);
    if (d->flags & NS_KEY_NONZERO) strncat(range, ", nonzero", sizeof range - strlen(range) - 1);
    if (d->flags & NS_KEY_MULT8) strncat(range, ", multiple of 8", sizeof range - strlen(range) - 1);
  }
  char conv[96];
  if (d->type == NS_KEY_DOUBLE && d->to_si != 1.0)
    snprintf(conv, sizeof conv, " [%s] = value x %.10g", d->si_unit, d->to_si);
  else if (d->si_unit[0] && strcmp(d->si_unit, "1") != 0)
    snprintf(conv, sizeof conv, " [%s]", d->si_unit);
  else
    conv[0] = '\0';
  fprintf(f, "| `%s` | %s | %s | %s | %s | %s | `%s`%s |\n", d->key, type_names[d->type], d->unit[0] ? d->unit : "-",
          default_text, range, d->meaning, d->field, conv);
}

static void write_table_head(FILE *f) {
  fputs("| key | type | unit | default | range | meaning | fills (SI) |\n", f);
  fputs("|---|---|---|---|---|---|---|\n", f);
}

void ns_scenario_write_reference(FILE *f) {
  fputs("# Scenario files\n\n"
        "<!-- Generated by ns_scenario_write_reference() (sim/scenario_schema.c). Do not edit by hand:\n"
        "     regenerate with `build/tests/test_scenario --write-reference > docs/scenarios.md`\n"
        "     (the CLI's `needlesim keys` prints the same text). tests/unit/test_scenario.c fails when\n"
        "     this file and the schema disagree. -->\n\n",
        f);
  fputs("A scenario is an INI file (parsed by libinih). Every key has its unit in its name\n"
        "(`length_mm`, `speed_mm_s`); the program converts each value to SI once, when it builds the\n"
        "run configuration (`struct ns_config`, column \"fills\" below).\n\n"
        "```ini\n"
        "; A 1.5 mm roller needle, forearm of a 60-year-old.\n"
        "[skin]\n"
        "age_years = 60\n"
        "site = forearm            # inline comment\n"
        "\n"
        "[layer.epidermis]\n"
        "thickness_um = 80         ; overrides the literature value\n"
        "\n"
        "[needle]\n"
        "length_mm = 1.5\n"
        "\n"
        "[device]\n"
        "type = roller\n"
        "\n"
        "[sweep]\n"
        "loading.speed_mm_s = 0.5, 5   # 2 x 2 = 4 runs\n"
        "grid.cells_depth = 64, 128\n"
        "```\n\n",
        f);
  fputs("## Syntax\n\n"
        "- `[section]` headers and `key = value` lines (libinih also accepts `key: value`). Leading\n"
        "  whitespace is ignored, so keys may be indented; a value cannot continue over several lines.\n"
        "- Comments: a line starting with `;` or `#`, and an inline comment starting with `;` or `#`\n"
        "  after whitespace (`length_mm = 1.5  # mm`). A `#` or `;` inside a value without whitespace\n"
        "  before it is part of the value.\n"
        "- A line may hold at most 198 characters (libinih's line buffer is 200 bytes); a longer line\n"
        "  is an error, never silently cut. Comment lines may be longer.\n"
        "- The file must be UTF-8 text without control characters other than tab, CR and LF, and at\n"
        "  most 1 MiB. A file that is empty (or only whitespace) is an error; a file of only comments\n"
        "  is valid and runs with every default.\n"
        "- Every key may appear once. Unknown sections and keys are errors (with a \"did you mean\"\n"
        "  suggestion). Section and key names and enum values are case-sensitive.\n"
        "- Numbers are decimal (`0.25`, `2.5e-3`); `nan`, `inf`, hexadecimal numbers, trailing text such\n"
        "  as a unit (`1.5mm`) and empty values are rejected. Integers take no fraction or exponent.\n"
        "  Booleans: `true/false`, `yes/no`, `on/off`, `1/0` (any case).\n"
        "- All layer keys and `loading.force_N`, `loading.depth_mm` are optional: a layer key not given\n"
        "  keeps the skin model's literature value (age- and site-dependent).\n\n",
        f);
  fputs("## Sweeps\n\n"
        "`[sweep]` lists `section.key = v1, v2, ...` for any key (layer keys as\n"
        "`layer.epidermis.thickness_um = 50, 80`). The runs are the Cartesian product of the lists, in\n"
        "row-major order: the first listed key varies slowest, the last fastest. Case 0 takes the first\n"
        "value of every list. A key may not appear both in its own section and in `[sweep]`; empty\n"
        "lists and empty elements (`1, , 2`) are errors. Every case is validated before any run starts.\n"
        "At most 100000 cases.\n\n"
        "### When a case fails (output file and exit status)\n\n"
        "A case that fails at run time (the solver does not converge, memory runs out) does not stop the\n"
        "sweep: every case runs, and the file holds the cases that succeeded. A failed case has no\n"
        "result values anywhere: no `/summary` row and no `/runs/NNNN` group (its partial group is\n"
        "deleted, and its snapshots are left out of the `.xmf` sidecar). It is listed in\n"
        "`/failed_runs`, a compound table like `/summary`, one row per failed case: `run` (case\n"
        "index, the NNNN it would have had), `label` (its swept keys), `study`, `status` (e.g.\n"
        "`solver did not converge`) and `error` (the message, cut at 319 bytes). `/failed_runs`\n"
        "exists only when a case failed; the root attributes `cases` and `failed_cases` always give\n"
        "the counts. `/summary` rows keep their case index in `run`, so `/runs/%04d` of a row's `run` is\n"
        "its group.\n\n"
        "```python\n"
        "with h5py.File(\"out/penetration_roller_sweep.h5\") as f:\n"
        "    ok = f[\"summary\"][()]                   # successful cases only\n"
        "    if f.attrs[\"failed_cases\"] > 0:\n"
        "        for r in f[\"failed_runs\"][()]:\n"
        "            print(r[\"run\"], r[\"label\"].decode(), r[\"error\"].decode())\n"
        "```\n\n"
        "MATLAB: `h5readatt(file, '/', 'failed_cases')`, `h5read(file, '/failed_runs')` (a struct of\n"
        "columns).\n\n"
        "Exit status of `needlesim run`: 0 every case succeeded; 3 some cases failed, the file was\n"
        "written with the others, and stderr lists each failed case (index, label, error); 1 no file\n"
        "was written: a single run failed, every case of a sweep failed (each listed on stderr), the\n"
        "run was interrupted, or the file could not be written (an I/O error stops the sweep at once);\n"
        "2 invalid input or usage, found before any case runs (the whole sweep is validated first).\n"
        "`--fail-fast` stops at the first failing case and writes no file (exit 1), as a single run\n"
        "does.\n\n",
        f);
  fputs("## Command-line overrides (`--set section.key=value`)\n\n"
        "- The section is everything before the last `.` (`--set layer.epidermis.thickness_um=60`).\n"
        "- A value replaces the file's value. If the key was swept, the sweep over it is removed and the\n"
        "  single value used.\n"
        "- A value with commas (`--set needle.length_mm=0.5,1,1.5`) makes the key a sweep: it replaces\n"
        "  the key's fixed value or its existing sweep list (keeping that list's position); a new sweep\n"
        "  key is added after the file's sweep keys (varies fastest). Consequently a path containing a\n"
        "  comma cannot be given to `output.file` with `--set`.\n"
        "- A later `--set` of the same key wins. Unknown keys and bad values are errors, reported with\n"
        "  `--set` in place of `FILE:LINE`.\n\n",
        f);
  fputs("## Errors\n\n"
        "Every error is one line, status NS_EINPUT (exit status 2):\n\n"
        "    FILE:LINE: section.key: expected <what>, got '<value>'\n\n"
        "`FILE` alone for whole-file problems (missing, unreadable, a directory, empty) and for a\n"
        "conflict between two keys whose values are both defaults; `--set` for command-line overrides.\n"
        "Errors found while checking a sweep case name the case: `(sweep case skin.age_years=60)`.\n"
        "Besides the range of each key below, these combinations are rejected:\n\n"
        "- `needle.tip_radius_um` larger than the shaft radius (`shaft_diameter_um / 2`);\n"
        "- `grid.depth_mm` below 1.5 x the deepest needle travel (`needle.length_mm`, and\n"
        "  `loading.depth_mm` or the pen's `device.stroke_depth_mm` when larger): the bottom of the\n"
        "  domain is held fixed, and a boundary that close to the tip would stiffen the response;\n"
        "- `grid.width_mm` not more than the shaft radius (the needle would not fit in the domain);\n"
        "- both `loading.force_N` and `loading.depth_mm`;\n"
        "- a device key that does not apply to `device.type` (e.g. `drum_diameter_mm` for a pen), and\n"
        "  `loading.slip_mm` for anything but a roller;\n"
        "- not `dt_min_s <= dt_initial_s <= dt_max_s`;\n"
        "- in a layer, `prony_gN` without `prony_tauN_s` or the reverse, and `prony_g1 + prony_g2 +\n"
        "  prony_g3 >= 1` (the long-term modulus fraction `1 - sum g` must stay positive);\n"
        "- neighbouring needles that would overlap: stamp `pitch_um` not more than the shaft diameter,\n"
        "  roller ring spacing (`drum_width_mm / needle_rows`) or spacing around a ring\n"
        "  (`pi drum_diameter_mm / needles_per_row`) not more than the shaft diameter;\n"
        "- `[indentation]` keys unless `study.type = indentation`, `[suction]` keys unless\n"
        "  `study.type = suction`; `indentation.radius_um` with a cone, `indentation.half_angle_deg`\n"
        "  with anything but a cone;\n"
        "- for the characterisation studies (`indentation`, `suction`): `grid.geometry = 3d` (they are\n"
        "  axisymmetric); `grid.width_mm` or `grid.depth_mm` below 4 contact radii at the largest\n"
        "  depth (flat punch: its radius; sphere: sqrt(R d); cone: (2/pi) d tan(half-angle), Sneddon\n"
        "  1965), a sphere pressed deeper than its radius, `grid.width_mm` below 2 x\n"
        "  `suction.aperture_mm` and `grid.depth_mm` below `suction.aperture_mm`. The needle checks above\n"
        "  (domain depth and width against the needle) do not apply to these studies;\n"
        "- `[penetration]` keys unless `study.type = penetration`; for the penetration study:\n"
        "  `grid.geometry = 3d` (it is axisymmetric), `loading.depth_mm` above `needle.length_mm` (the\n"
        "  holder stops when the needle is fully in), `penetration.cut_radius_um` above the shaft radius,\n"
        "  `loading.force_N` or `loading.depth_mm` with a pen (its motor drives the needles to\n"
        "  `device.stroke_depth_mm`), and `grid.width_mm` with a stamp or roller (the domain is the\n"
        "  periodic cell of one needle). A zero `loading.speed_mm_s` is outside the key's range: a\n"
        "  needle that does not move cannot load the skin, under displacement or force control.\n\n"
        "At run time the characterisation studies also need at least 4 grid cells across the stratum\n"
        "corneum (its thickness comes from the skin model, so this is checked when the run starts):\n"
        "`grid.surface_cell_um` at most a quarter of the SC thickness (less with strong grading).\n\n"
        "`grid.cells_lateral` and `grid.cells_depth` must be multiples of 8: the multigrid solver\n"
        "coarsens m*2^k cells, and 8 = 2^3 guarantees at least three levels.\n\n",
        f);
  fputs("## Choices made here (and why)\n\n"
        "- Device keys that do not apply are errors rather than ignored, so a scenario never carries\n"
        "  a value that silently does nothing. Their fields in `struct ns_config` are NAN (or 0).\n"
        "- Without `force_N` and `depth_mm` the run is depth-controlled to the needle length.\n"
        "- Ranges the issue left open: `stroke_depth_mm` [0.05, 3] (Dermapen 4 reaches 3 mm),\n"
        "  `stroke_rate_hz` (0, 1000], `pitch_um` [20, 20000], drum sizes [1, 200] mm, `needle_rows`\n"
        "  [1, 100], `needles_per_row` [1, 1000], `linear_rtol` [1e-14, 1e-2] like `newton_rtol`,\n"
        "  `linear_max_iter` [1, 100000], time steps as listed. The default `stroke_rate_hz = 117`\n"
        "  is 7000 rpm with one stroke per motor turn (the stroke-per-turn ratio is an assumption).\n"
        "- Study sections follow the device rule: keys of another study are errors, and their fields\n"
        "  are NAN (or 0) in `struct ns_config`. Defaults: a 2 mm flat punch (radius 1000 um) pressed\n"
        "  200 um at 100 um/s and held 5 s; the Cutometer standard measurement (2 mm probe, 450 mbar,\n"
        "  2 s on, 2 s off, one cycle). The cone default 70.3 deg is the Berkovich-equivalent cone.\n\n",
        f);

  fputs("## The penetration study: what each device means\n\n"
        "`study.type = penetration` drives one needle of the device into the skin (sim/study_penetration.c,\n"
        "docs/penetration.md); the device keys set that needle's load:\n\n"
        "- `single`: displacement control, the tip moves at `loading.speed_mm_s` for `loading.depth_mm`\n"
        "  past first contact (default: the needle length). With `loading.force_N`: force control, the\n"
        "  needle advances until its force reaches `force_N` or it is fully in. Domain radius:\n"
        "  `grid.width_mm`.\n"
        "- `pen`: displacement control at the stroke's peak speed, pi x `stroke_rate_hz` x\n"
        "  `stroke_depth_mm` for a sinusoidal stroke (unless `loading.speed_mm_s` is given); travel =\n"
        "  min(`stroke_depth_mm`, `needle.length_mm`); inertia on.\n"
        "- `stamp`: with `loading.force_N`, force control with force per needle = `force_N` /\n"
        "  `device.needle_count`; without it, displacement control as for `single`. The neighbours\n"
        "  enter through the periodic cell: the domain is a disc of one needle's share of the area,\n"
        "  radius `pitch_um` / sqrt(pi), with a sliding side.\n"
        "- `roller`: as the stamp, shared by the needles in contact at once: a tip at radius R + L (drum\n"
        "  radius R, needle length L) is in the skin within theta0 = acos(R / (R + L)) of the lowest\n"
        "  point (the drum surface rests on the skin at full insertion), so the arc 2 theta0 holds\n"
        "  `needles_per_row` x 2 theta0 / (2 pi) positions of each ring (nearest integer, at least 1)\n"
        "  and `needle_rows` needles at each: in contact = `needle_rows` x positions. Periodic cell:\n"
        "  (`drum_width_mm` / `needle_rows`) x (pi `drum_diameter_mm` / `needles_per_row`) as a disc.\n"
        "  Insertion speed: the tip's vertical speed on entry for a drum rolling without slip at\n"
        "  `loading.speed_mm_s`, v sqrt((R + L)^2 - R^2) / R.\n\n"
        "`penetration.dynamics = auto` turns inertia on for a pen and at insertion speeds of at least\n"
        "100 mm/s. The `[numerics]` keys do not apply to this study (the mechanics chooses its own time\n"
        "steps from `output_steps`). /summary gets the resolved load (`control`,\n"
        "`insertion_speed_mm_s`, `travel_mm`, `needles_in_contact`, `force_per_needle_N`,\n"
        "`cell_radius_mm`, `inertia`) and the results: `puncture_force_N`, `peak_force_N`, `tenting_um`,\n"
        "`max_cut_depth_um`, `embedded_length_um`, `penetration_fraction`, `deepest_layer` (a layer\n"
        "name, `none` when nothing was opened), `dermis_depth_um`, `reached_capillary_loops`,\n"
        "`reached_superficial_plexus` (0/1), `perforated_layers`, `energy_balance_error`; each run's\n"
        "group has `skin/` (layer boundaries, vessel depths) and `device/` (the load as attributes).\n\n",
        f);
  fputs("## Keys\n", f);
  const char *last = "";
  for (size_t i = 0; i < NKEYS; i++) {
    if (strcmp(keys[i].section, last) != 0) {
      fprintf(f, "\n### [%s]\n\n", keys[i].section);
      write_table_head(f);
      last = keys[i].section;
    }
    write_row(f, &keys[i], keys[i].def ? (keys[i].def[0] ? keys[i].def : "(empty)") : "none");
    if (strcmp(keys[i].section, "skin") == 0 && (i + 1 == NKEYS || strcmp(keys[i + 1].section, "skin") != 0)) {
      fputs("\n### [layer.&lt;layer&gt;]\n\nOne section per layer, top down: ", f);
      for (int l = 0; l < NS_NLAYERS; l++)
        fprintf(f, "%s`layer.%s`", l ? ", " : "", ns_layer_name((enum ns_layer_id)l));
      fputs(". Every key is optional; the default is the skin model's literature value for the\n"
            "layer, age and site. The fields are in `skin.layer[<layer>]`.\n\n",
            f);
      write_table_head(f);
      for (size_t k = 0; k < NLAYERKEYS; k++) write_row(f, &layer_keys[k], "skin model");
    }
  }
  fputs("\n### [sweep]\n\n`section.key = v1, v2, ...` for any key above; see \"Sweeps\".\n", f);
}
