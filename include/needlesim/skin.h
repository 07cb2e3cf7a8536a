/* needlesim/skin.h — the layered, age- and site-dependent skin model.
 *
 * Layers (top down): stratum corneum, viable epidermis, papillary dermis, reticular dermis,
 * hypodermis. Every parameter is resolved from literature tables (sim/skin_data.c, each row with
 * author, year, table/figure) interpolated in age with GSL, then per-layer scenario overrides
 * are applied. Each resolved number keeps its source text so that `needlesim check` and the HDF5
 * provenance can print it beside the value.
 */
#ifndef NEEDLESIM_SKIN_H
#define NEEDLESIM_SKIN_H

#include <stdio.h>

#include "needlesim/config.h"
#include "needlesim/status.h"

#define NS_SOURCE_MAX 240

/* A resolved number with its SI unit and where it came from. */
struct ns_sourced {
  double value;
  const char *unit;            /* SI unit text: "m", "Pa", "1", "s", "J/m^2", "kg/m^3" */
  char source[NS_SOURCE_MAX];  /* "Sandby-Moller 2003, Table 2 (forearm), age-scaled by Branchet 1990"
                                  or "scenario override [layer.dermis] thickness_um" */
};

struct ns_skin_layer {
  enum ns_layer_id id;
  const char *name;            /* "stratum_corneum", ... (the scenario section suffix) */
  double top, bottom;          /* depth below the undeformed surface [m], bottom > top */
  struct ns_sourced thickness;             /* m */
  struct ns_sourced youngs_modulus;        /* Pa, small-strain E: the RELAXED (long-term, quasi-static)
                                              out-of-plane modulus; instantaneous = E/(1 - sum g) */
  struct ns_sourced poisson_ratio;         /* 1 */
  struct ns_sourced shear_modulus;         /* Pa, derived mu = E/(2(1+nu)) */
  struct ns_sourced bulk_modulus;          /* Pa, derived K = E/(3(1-2nu)) */
  struct ns_sourced ogden_alpha;           /* 1, one-term Ogden exponent (2 = neo-Hookean-like) */
  struct ns_sourced fibre_k1;              /* Pa, GOH collagen fibre stiffness, long-term
                                              (relaxed) value like E; 0 = no fibre term (material.h) */
  struct ns_sourced fibre_k2;              /* 1, collagen fibre exponent (> 0 when fibre_k1 > 0) */
  struct ns_sourced fibre_dispersion;      /* 1, GOH fibre dispersion kappa about the skin plane, in
                                              [0, 1/3]; 1/3 = isotropic (the default) (material.h) */
  enum ns_vol_law volumetric_law;          /* bulk energy U(J) (config.h, material.h); the same in
                                              every layer, from [skin] volumetric_law */
  int nprony;                              /* Prony terms in use (0..NS_MAX_PRONY) */
  struct ns_sourced prony_g[NS_MAX_PRONY]; /* 1, relative moduli; long-term fraction 1 - sum g */
  struct ns_sourced prony_tau[NS_MAX_PRONY]; /* s */
  struct ns_sourced toughness;             /* J/m^2, critical energy release rate G_c (needle scale) */
  struct ns_sourced tensile_strength;      /* Pa, cohesive strength sigma_c (peak traction of the cut) */
  struct ns_sourced friction_coefficient;  /* 1, against a stainless-steel needle */
  struct ns_sourced density;               /* kg/m^3 */
  struct ns_sourced prestretch;            /* 1, in-vivo in-plane pre-stretch (the same in every layer, from
                                              [skin] prestretch; 1 = none); the thicknesses are in vivo */
};

struct ns_skin {
  double age_years;
  enum ns_site site;
  double hydration;
  enum ns_vol_law volumetric_law;              /* bulk energy of every layer (config.h) */
  struct ns_skin_layer layer[NS_NLAYERS];
  struct ns_sourced capillary_loop_depth;      /* m, depth of the papillary capillary loops (bleeding starts) */
  struct ns_sourced superficial_plexus_depth;  /* m, depth of the superficial vascular plexus */
  double total_thickness;                      /* m, sum of layer thicknesses */
};

/* The in-vivo pre-tension of a resolved skin (material.h "Pre-stretch"): per layer the through-
 * thickness stretch from plane stress and the long-term in-plane Cauchy stress of the homogeneous
 * pre-stressed state, and the membrane tension T = sum_l sigma_l h_l over the layer thicknesses. */
struct ns_skin_prestress {
  double lambda;                  /* 1, in-plane pre-stretch */
  double lambda_z[NS_NLAYERS];    /* 1, through-thickness pre-stretch per layer (sigma_zz = 0) */
  double sigma[NS_NLAYERS];       /* Pa, in-plane long-term Cauchy pre-stress per layer */
  double tension;                 /* N/m, membrane tension sum_l sigma_l h_l */
  double mean_stress;             /* Pa, T over the total thickness */
};

/* Compute it (each layer's material as the mechanics builds it: neo-Hookean when alpha = 2, else
 * Ogden). All stresses zero and stretches 1 without pre-stretch. NS_EINPUT as ns_material_from_layer. */
enum ns_status ns_skin_prestress(const struct ns_skin *skin, struct ns_skin_prestress *out, struct ns_err *err);

struct ns_writer; /* io.h */

/* Write it under the HDF5 group `base` (the run's skin group): prestretch, prestretch_z[5],
 * prestress[5] (Pa), membrane_tension (N/m), mean_prestress (Pa), each with units. */
enum ns_status ns_skin_write_prestress(const struct ns_skin *skin, struct ns_writer *w, const char *base,
                                       struct ns_err *err);

/* For studies that write no skin group of their own (indentation, suction): when the skin is
 * pre-stretched (prestretch != 1), create the group `<run_group>/skin` and write the pre-tension
 * into it (ns_skin_write_prestress); otherwise write nothing, so other runs' files are unchanged. */
enum ns_status ns_skin_write_prestress_group(const struct ns_skin *skin, struct ns_writer *w, const char *run_group,
                                             struct ns_err *err);

/* Resolve the skin for a config. NS_EINPUT when an override makes the model impossible (e.g.
 * Prony g summing to >= 1) with a message naming the key. */
enum ns_status ns_skin_build(const struct ns_cfg_skin *cfg, struct ns_skin *out, struct ns_err *err);

/* A configuration at the model's reference state (age 35 y, forearm, hydration 0.5) with no
 * overrides (all NAN). For tests and tools; scenarios fill struct ns_cfg_skin themselves. */
void ns_skin_cfg_init(struct ns_cfg_skin *cfg);

/* Instantaneous small-strain modulus E / (1 - sum g) of a resolved layer [Pa]. */
double ns_skin_instantaneous_modulus(const struct ns_skin_layer *layer);

/* Layer containing `depth` (m below the surface); the hypodermis for depths beyond its top. */
enum ns_layer_id ns_skin_layer_at(const struct ns_skin *skin, double depth);

/* Human-readable table: each layer's values with units and sources (for `needlesim check`). */
void ns_skin_print(const struct ns_skin *skin, FILE *f);

/* Names: "face", ...; "stratum_corneum", ...; NULL when out of range. */
const char *ns_site_name(enum ns_site s);
const char *ns_layer_name(enum ns_layer_id l);

#endif /* NEEDLESIM_SKIN_H */
