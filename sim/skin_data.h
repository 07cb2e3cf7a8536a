/* skin_data.h — private interface of the skin model's literature tables (sim/skin_data.c).
 *
 * The tables hold every number the skin model (sim/skin.c) starts from, each with its source text.
 * Three kinds of data:
 *   - base values at the reference state (age NS_SKIN_REF_AGE years, hydration
 *     NS_SKIN_REF_HYDRATION): layer thickness per body site, and the site-independent material
 *     parameters of each layer;
 *   - age series: a multiplicative factor (or, for the slow relaxation time, an absolute value)
 *     tabulated at ages 20, 30, ..., 80 years and interpolated in age;
 *   - hydration series for the stratum corneum, tabulated over hydration 0..1.
 * A row marked `derived` is arithmetic on literature values (the source text shows the
 * derivation), not a value printed in the cited paper.
 *
 * Accessors (all return pointers into static constant tables; never NULL for valid arguments):
 *   ns_skin_data_thickness   base thickness of a layer at a site
 *   ns_skin_data_layer       site-independent base parameters of a layer
 *   ns_skin_data_age         an age series (NULL when the quantity has no age dependence)
 *   ns_skin_data_hydration   a hydration series of the stratum corneum
 *
 * Used by sim/skin.c and by tests/unit/test_skin.c (which compare resolved values with rows).
 */
#ifndef NEEDLESIM_SKIN_DATA_H
#define NEEDLESIM_SKIN_DATA_H

#include "needlesim/config.h"

/* Age in years at which the base values apply; every age factor table equals 1 here (to the
 * rounding of the tabulated factors). */
#define NS_SKIN_REF_AGE 35.0
/* Stratum corneum hydration (fraction of saturation) at which the base values apply. */
#define NS_SKIN_REF_HYDRATION 0.5

/* One literature value with its source. */
struct ns_skin_value {
  double value;       /* SI units (m, Pa, 1, s, J/m^2, kg/m^3) */
  const char *source; /* author year, journal, table/figure, what was measured */
  int derived;        /* 1 when the value is arithmetic on literature values */
};

/* One row of a series: the value at abscissa x (age in years or hydration 0..1). */
struct ns_skin_row {
  double x;
  double value;
  const char *source;
  int derived;
};

/* A tabulated function of age or hydration, x strictly increasing. */
struct ns_skin_series {
  const char *name;   /* short name used in composed source texts */
  const char *unit;   /* "1" for factors, otherwise the SI unit of the value */
  int nrow;
  const struct ns_skin_row *row;
};

/* Site-independent base parameters of one layer. */
struct ns_skin_layer_data {
  struct ns_skin_value youngs_modulus; /* Pa, relaxed small-strain out-of-plane modulus */
  struct ns_skin_value poisson_ratio;
  struct ns_skin_value ogden_alpha;
  struct ns_skin_value fibre_k1; /* Pa, GOH collagen fibre stiffness (0 = off) */
  struct ns_skin_value fibre_k2; /* 1, collagen fibre exponent */
  struct ns_skin_value fibre_dispersion; /* 1, GOH dispersion about the skin plane, [0, 1/3] */
  int nprony;
  struct ns_skin_value prony_g[NS_MAX_PRONY];
  struct ns_skin_value prony_tau[NS_MAX_PRONY];
  struct ns_skin_value toughness;            /* J/m^2, needle-insertion scale */
  struct ns_skin_value tensile_strength;     /* Pa, cohesive strength sigma_c */
  struct ns_skin_value friction_coefficient; /* 1 */
  struct ns_skin_value density;              /* kg/m^3 */
};

/* Quantities with an age series. */
enum ns_skin_age_qty {
  NS_SKIN_AGE_THICKNESS = 0, /* factor on the base thickness, per layer */
  NS_SKIN_AGE_MODULUS,       /* factor on the base Young's modulus, per layer */
  NS_SKIN_AGE_TAU_SLOW,      /* absolute slow relaxation time [s] (same for all layers that use it) */
  NS_SKIN_NAGE_QTY
};

/* Quantities with a hydration series (stratum corneum only). */
enum ns_skin_hyd_qty {
  NS_SKIN_HYD_MODULUS = 0, /* factor on the base Young's modulus */
  NS_SKIN_HYD_TOUGHNESS,   /* factor on the base toughness */
  NS_SKIN_HYD_PRONY_G1,    /* absolute relative modulus of the single Prony term */
  NS_SKIN_HYD_STRENGTH,    /* factor on the base tensile strength */
  NS_SKIN_NHYD_QTY
};

const struct ns_skin_value *ns_skin_data_thickness(enum ns_layer_id layer, enum ns_site site);
const struct ns_skin_layer_data *ns_skin_data_layer(enum ns_layer_id layer);

/* Age series of `q` for `layer`; NULL when that quantity of that layer does not change with age.
 * For NS_SKIN_AGE_TAU_SLOW the series is returned for every layer whose Prony term i has a
 * prony_tau[i].value that is NAN (meaning "take the slow time constant from the age series"). */
const struct ns_skin_series *ns_skin_data_age(enum ns_skin_age_qty q, enum ns_layer_id layer);

const struct ns_skin_series *ns_skin_data_hydration(enum ns_skin_hyd_qty q);

#endif /* NEEDLESIM_SKIN_DATA_H */
