/* skin.c — resolve the layered skin model for one configuration, print it, locate depths.
 *
 * Public functions (include/needlesim/skin.h):
 *   ns_skin_cfg_init                    a configuration with the reference state and no overrides
 *   ns_skin_build                       tables (sim/skin_data.c) -> age/site/hydration -> overrides
 *                                       -> validation -> derived moduli and layer depths
 *   ns_skin_layer_at                    the layer containing a depth
 *   ns_skin_instantaneous_modulus       E / (1 - sum g) of a resolved layer
 *   ns_skin_print                       one line per value: layer, quantity, value, unit, source
 *   ns_skin_prestress                   in-vivo pre-tension: lambda_z, pre-stress per layer, tension
 *   ns_skin_write_prestress             the same into the run's HDF5 skin group
 *   ns_skin_write_prestress_group       the same into a new `skin` group of a run (indentation, suction)
 *
 * Resolution rules, in order (docs/skin-model.md explains each):
 *   1. Base values are the table rows for the site (thickness) or the layer (everything else);
 *      they hold at age 35 y and hydration 0.5.
 *   2. Age: thickness and dermal modulus are multiplied by a factor, the slow Prony relaxation
 *      time is taken from its table; all are interpolated linearly in age with GSL. At a
 *      tabulated age the table row is used as is (no arithmetic), so it is reproduced exactly.
 *      Ages outside the tables are refused (NS_EINPUT), never extrapolated.
 *   3. Hydration (stratum corneum only): modulus, toughness and tensile-strength factors and the
 *      Prony g1 are interpolated linearly in hydration over 0..1.
 *   4. Per-layer overrides (not NAN) replace the resolved value; source "scenario override: ...".
 *   5. Validation (NS_EINPUT, message names the key), then mu = E/(2(1+nu)), K = E/(3(1-2nu)) and
 *      the depths top/bottom of each layer (contiguous from 0).
 * Invariant: every resolved ns_sourced has a finite value and a non-empty source.
 */
#include "needlesim/skin.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/io.h"
#include "needlesim/material.h"
#include "skin_data.h"

/* Largest accepted [skin] prestretch: 1.5 is well past the in-vivo range (area retraction of excised
 * skin up to 33 %, lambda ~ 1.22, Deroy et al., arXiv 1609.07267), beyond it the plane-stress state is a guess. */
#define NS_SKIN_MAX_PRESTRETCH 1.5

/* Longest series in sim/skin_data.c (rows); interpolation copies a series into local arrays. */
#define SERIES_MAX_ROWS 16

/* Scenario key names of the per-layer overrides, as written in [layer.NAME] sections. */
static const char *const key_prony_g[NS_MAX_PRONY] = {"prony_g1", "prony_g2", "prony_g3"};
static const char *const key_prony_tau[NS_MAX_PRONY] = {"prony_tau1_s", "prony_tau2_s", "prony_tau3_s"};

/* ---- small helpers ------------------------------------------------------------------------ */

/* Write a source text; NS_EINTERNAL when it does not fit (a table text is too long). */
static enum ns_status set_src(struct ns_sourced *s, struct ns_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum ns_status set_src(struct ns_sourced *s, struct ns_err *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s->source, sizeof s->source, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof s->source)
    return ns_err_set(err, NS_EINTERNAL, "skin: source text longer than %d characters: %.60s...", NS_SOURCE_MAX - 1,
                      s->source);
  return NS_OK;
}

static enum ns_status from_value(struct ns_sourced *s, const struct ns_skin_value *v, const char *unit, struct ns_err *err) {
  s->value = v->value;
  s->unit = unit;
  return set_src(s, err, "%s", v->source);
}

/* Value of series `s` at x. *node is set to the row index when x is a tabulated abscissa
 * (the row value is returned unchanged), else to -1 and the value is the GSL linear
 * interpolant. *src is the source text of the row (or of the lower neighbour). `key` names the
 * scenario key of x for the out-of-range message. */
static enum ns_status series_eval(const struct ns_skin_series *s, double x, const char *key, double *y, int *node,
                                  const char **src, struct ns_err *err) {
  int n = s->nrow;
  if (n < 2 || n > SERIES_MAX_ROWS) return ns_err_set(err, NS_EINTERNAL, "skin: series '%s' has %d rows", s->name, n);
  double lo = s->row[0].x, hi = s->row[n - 1].x;
  if (!isfinite(x) || x < lo || x > hi)
    return ns_err_set(err, NS_EINPUT, "%s: expected %g..%g (span of the literature table '%s'; no extrapolation), got %g",
                      key, lo, hi, s->name, x);
  for (int i = 0; i < n; i++) {
    if (x == s->row[i].x) {
      *y = s->row[i].value;
      *node = i;
      *src = s->row[i].source;
      return NS_OK;
    }
  }
  double xa[SERIES_MAX_ROWS], ya[SERIES_MAX_ROWS];
  int below = 0;
  for (int i = 0; i < n; i++) {
    xa[i] = s->row[i].x;
    ya[i] = s->row[i].value;
    if (xa[i] < x) below = i;
  }
  gsl_interp *interp = gsl_interp_alloc(gsl_interp_linear, (size_t)n);
  if (!interp) return ns_err_set(err, NS_ENOMEM, "skin: cannot allocate the interpolation of '%s'", s->name);
  int rc = gsl_interp_init(interp, xa, ya, (size_t)n);
  if (rc == GSL_SUCCESS) rc = gsl_interp_eval_e(interp, xa, ya, x, NULL, y);
  gsl_interp_free(interp);
  if (rc != GSL_SUCCESS)
    return ns_err_set(err, NS_EINTERNAL, "skin: interpolation of '%s' at %g failed: %s", s->name, x, gsl_strerror(rc));
  *node = -1;
  *src = s->row[below].source;
  return NS_OK;
}

/* Multiply `s` (already holding a base value and its source) by the factor of series `f` at x.
 * The appended note names the series, the abscissa and the factor. */
static enum ns_status apply_factor(struct ns_sourced *s, const struct ns_skin_series *f, double x, const char *key,
                                   const char *xname, struct ns_err *err) {
  double fac = NAN;
  int node = -1;
  const char *fsrc = NULL;
  NS_TRY(series_eval(f, x, key, &fac, &node, &fsrc, err));
  s->value *= fac;
  char base[NS_SOURCE_MAX];
  memcpy(base, s->source, sizeof base);
  return set_src(s, err, "%s | x%.4g (%s, %s %g%s)", base, fac, f->name, xname, x, node < 0 ? ", interp." : "");
}

/* Set `s` to the absolute value of series `f` at x. */
static enum ns_status from_series(struct ns_sourced *s, const struct ns_skin_series *f, double x, const char *key,
                                  const char *xname, const char *unit, struct ns_err *err) {
  int node = -1;
  const char *fsrc = NULL;
  NS_TRY(series_eval(f, x, key, &s->value, &node, &fsrc, err));
  s->unit = unit;
  return set_src(s, err, "%s | %s %g%s", fsrc, xname, x, node < 0 ? ", interp." : "");
}

/* Replace `s` by an override when one was given. */
static enum ns_status apply_override(struct ns_sourced *s, double v, const char *layer, const char *key, struct ns_err *err) {
  if (!ns_cfg_given(v)) return NS_OK;
  s->value = v;
  return set_src(s, err, "scenario override: [layer.%s] %s", layer, key);
}

/* ---- validation --------------------------------------------------------------------------- */

static enum ns_status check_positive(const struct ns_sourced *s, const char *layer, const char *key, double scale,
                                     const char *unit, struct ns_err *err) {
  if (isfinite(s->value) && s->value > 0) return NS_OK;
  return ns_err_set(err, NS_EINPUT, "layer.%s.%s: expected a positive finite value, got %g %s", layer, key, s->value / scale,
                    unit);
}

static enum ns_status validate_layer(const struct ns_skin_layer *L, struct ns_err *err) {
  const char *nm = L->name;
  NS_TRY(check_positive(&L->thickness, nm, "thickness_um", 1e-6, "um", err));
  NS_TRY(check_positive(&L->youngs_modulus, nm, "youngs_modulus_kPa", 1e3, "kPa", err));
  double nu = L->poisson_ratio.value;
  if (!(isfinite(nu) && nu > -1.0 && nu < 0.5))
    return ns_err_set(err, NS_EINPUT, "layer.%s.poisson_ratio: expected -1 < nu < 0.5, got %g", nm, nu);
  double a = L->ogden_alpha.value;
  if (!(isfinite(a) && a != 0.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.ogden_alpha: expected a nonzero finite value, got %g", nm, a);
  double k1 = L->fibre_k1.value, k2 = L->fibre_k2.value;
  if (!(isfinite(k1) && k1 >= 0.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.fibre_k1_kPa: expected a finite value >= 0, got %g kPa", nm, k1 / 1e3);
  if (k1 > 0.0 && !(isfinite(k2) && k2 > 0.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.fibre_k2: expected a positive finite value when fibre_k1_kPa > 0, got %g", nm,
                      k2);
  double kf = L->fibre_dispersion.value;
  if (k1 > 0.0 && !(kf >= 0.0 && kf <= 1.0 / 3.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.fibre_dispersion: expected a value in [0, 1/3] when fibre_k1_kPa > 0, got %g",
                      nm, kf);
  double gsum = 0.0;
  for (int i = 0; i < L->nprony; i++) {
    double g = L->prony_g[i].value;
    if (!(isfinite(g) && g >= 0.0 && g < 1.0))
      return ns_err_set(err, NS_EINPUT, "layer.%s.%s: expected 0 <= g < 1, got %g", nm, key_prony_g[i], g);
    NS_TRY(check_positive(&L->prony_tau[i], nm, key_prony_tau[i], 1.0, "s", err));
    gsum += g;
  }
  if (!(gsum < 1.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.prony_g1..%d: expected a sum of relative moduli < 1, got %g", nm, L->nprony, gsum);
  NS_TRY(check_positive(&L->toughness, nm, "toughness_J_m2", 1.0, "J/m^2", err));
  NS_TRY(check_positive(&L->tensile_strength, nm, "tensile_strength_MPa", 1e6, "MPa", err));
  double mu_f = L->friction_coefficient.value;
  if (!(isfinite(mu_f) && mu_f >= 0.0))
    return ns_err_set(err, NS_EINPUT, "layer.%s.friction_coefficient: expected a finite value >= 0, got %g", nm, mu_f);
  NS_TRY(check_positive(&L->density, nm, "density_kg_m3", 1.0, "kg/m^3", err));
  return NS_OK;
}

/* ---- one layer ---------------------------------------------------------------------------- */

static enum ns_status build_layer(const struct ns_cfg_skin *cfg, enum ns_layer_id id, struct ns_skin_layer *L,
                                  struct ns_err *err) {
  const struct ns_skin_layer_data *d = ns_skin_data_layer(id);
  const struct ns_layer_override *o = &cfg->layer[id];
  const int is_sc = (id == NS_LAYER_STRATUM_CORNEUM);
  const char *nm = ns_layer_name(id);
  const struct ns_skin_series *s;
  memset(L, 0, sizeof *L);
  L->id = id;
  L->name = nm;

  /* 1-3. Tables, age, hydration. */
  NS_TRY(from_value(&L->thickness, ns_skin_data_thickness(id, cfg->site), "m", err));
  if ((s = ns_skin_data_age(NS_SKIN_AGE_THICKNESS, id)))
    NS_TRY(apply_factor(&L->thickness, s, cfg->age_years, "skin.age_years", "age", err));

  NS_TRY(from_value(&L->youngs_modulus, &d->youngs_modulus, "Pa", err));
  if ((s = ns_skin_data_age(NS_SKIN_AGE_MODULUS, id)))
    NS_TRY(apply_factor(&L->youngs_modulus, s, cfg->age_years, "skin.age_years", "age", err));
  if (is_sc)
    NS_TRY(apply_factor(&L->youngs_modulus, ns_skin_data_hydration(NS_SKIN_HYD_MODULUS), cfg->hydration, "skin.hydration",
                        "h", err));

  NS_TRY(from_value(&L->poisson_ratio, &d->poisson_ratio, "1", err));
  NS_TRY(from_value(&L->ogden_alpha, &d->ogden_alpha, "1", err));
  NS_TRY(from_value(&L->fibre_k1, &d->fibre_k1, "Pa", err));
  NS_TRY(from_value(&L->fibre_k2, &d->fibre_k2, "1", err));
  NS_TRY(from_value(&L->fibre_dispersion, &d->fibre_dispersion, "1", err));

  L->nprony = d->nprony;
  for (int i = 0; i < d->nprony; i++) {
    if (isnan(d->prony_g[i].value)) {
      if (!(is_sc && i == 0)) return ns_err_set(err, NS_EINTERNAL, "skin: %s prony_g%d has no table", nm, i + 1);
      NS_TRY(from_series(&L->prony_g[i], ns_skin_data_hydration(NS_SKIN_HYD_PRONY_G1), cfg->hydration, "skin.hydration", "h",
                         "1", err));
    } else {
      NS_TRY(from_value(&L->prony_g[i], &d->prony_g[i], "1", err));
    }
    if (isnan(d->prony_tau[i].value))
      NS_TRY(from_series(&L->prony_tau[i], ns_skin_data_age(NS_SKIN_AGE_TAU_SLOW, id), cfg->age_years, "skin.age_years", "age",
                         "s", err));
    else
      NS_TRY(from_value(&L->prony_tau[i], &d->prony_tau[i], "s", err));
  }

  NS_TRY(from_value(&L->toughness, &d->toughness, "J/m^2", err));
  if (is_sc)
    NS_TRY(apply_factor(&L->toughness, ns_skin_data_hydration(NS_SKIN_HYD_TOUGHNESS), cfg->hydration, "skin.hydration", "h",
                        err));
  NS_TRY(from_value(&L->tensile_strength, &d->tensile_strength, "Pa", err));
  if (is_sc)
    NS_TRY(apply_factor(&L->tensile_strength, ns_skin_data_hydration(NS_SKIN_HYD_STRENGTH), cfg->hydration, "skin.hydration",
                        "h", err));
  NS_TRY(from_value(&L->friction_coefficient, &d->friction_coefficient, "1", err));
  NS_TRY(from_value(&L->density, &d->density, "kg/m^3", err));

  /* 4. Overrides. A Prony term beyond the table's count needs both its g and its tau. */
  NS_TRY(apply_override(&L->thickness, o->thickness, nm, "thickness_um", err));
  NS_TRY(apply_override(&L->youngs_modulus, o->youngs_modulus, nm, "youngs_modulus_kPa", err));
  NS_TRY(apply_override(&L->poisson_ratio, o->poisson_ratio, nm, "poisson_ratio", err));
  NS_TRY(apply_override(&L->ogden_alpha, o->ogden_alpha, nm, "ogden_alpha", err));
  NS_TRY(apply_override(&L->fibre_k1, o->fibre_k1, nm, "fibre_k1_kPa", err));
  NS_TRY(apply_override(&L->fibre_k2, o->fibre_k2, nm, "fibre_k2", err));
  NS_TRY(apply_override(&L->fibre_dispersion, o->fibre_dispersion, nm, "fibre_dispersion", err));
  for (int i = 0; i < NS_MAX_PRONY; i++) {
    int gg = ns_cfg_given(o->prony_g[i]), gt = ns_cfg_given(o->prony_tau[i]);
    if (i >= L->nprony && (gg || gt)) {
      if (!gg)
        return ns_err_set(err, NS_EINPUT, "layer.%s.%s: given without %s (the table has %d Prony term%s)", nm, key_prony_tau[i],
                          key_prony_g[i], L->nprony, L->nprony == 1 ? "" : "s");
      if (!gt)
        return ns_err_set(err, NS_EINPUT, "layer.%s.%s: given without %s (the table has %d Prony term%s)", nm, key_prony_g[i],
                          key_prony_tau[i], L->nprony, L->nprony == 1 ? "" : "s");
      if (i > L->nprony)
        return ns_err_set(err, NS_EINPUT, "layer.%s.%s: Prony term %d given but term %d is missing", nm, key_prony_g[i], i + 1,
                          L->nprony + 1);
      L->nprony = i + 1;
      L->prony_g[i].unit = "1";
      L->prony_tau[i].unit = "s";
    }
    if (i < L->nprony) {
      NS_TRY(apply_override(&L->prony_g[i], o->prony_g[i], nm, key_prony_g[i], err));
      NS_TRY(apply_override(&L->prony_tau[i], o->prony_tau[i], nm, key_prony_tau[i], err));
    }
  }
  NS_TRY(apply_override(&L->toughness, o->toughness, nm, "toughness_J_m2", err));
  NS_TRY(apply_override(&L->tensile_strength, o->tensile_strength, nm, "tensile_strength_MPa", err));
  NS_TRY(apply_override(&L->friction_coefficient, o->friction_coefficient, nm, "friction_coefficient", err));
  NS_TRY(apply_override(&L->density, o->density, nm, "density_kg_m3", err));

  /* 5. Validation and derived moduli. */
  NS_TRY(validate_layer(L, err));
  double E = L->youngs_modulus.value, nu = L->poisson_ratio.value;
  L->shear_modulus.value = E / (2.0 * (1.0 + nu));
  L->shear_modulus.unit = "Pa";
  NS_TRY(set_src(&L->shear_modulus, err, "derived: mu = E/(2(1+nu)) from this layer's E and nu"));
  L->bulk_modulus.value = E / (3.0 * (1.0 - 2.0 * nu));
  L->bulk_modulus.unit = "Pa";
  NS_TRY(set_src(&L->bulk_modulus, err, "derived: K = E/(3(1-2nu)) from this layer's E and nu"));
  return NS_OK;
}

/* ---- public ------------------------------------------------------------------------------- */

void ns_skin_cfg_init(struct ns_cfg_skin *cfg) {
  cfg->age_years = NS_SKIN_REF_AGE;
  cfg->site = NS_SITE_FOREARM;
  cfg->hydration = NS_SKIN_REF_HYDRATION;
  cfg->volumetric_law = NS_VOL_QUADRATIC;
  cfg->prestretch = 1.0;
  for (int l = 0; l < NS_NLAYERS; l++) {
    struct ns_layer_override *o = &cfg->layer[l];
    o->thickness = o->youngs_modulus = o->poisson_ratio = o->ogden_alpha = NAN;
    o->fibre_k1 = o->fibre_k2 = o->fibre_dispersion = NAN;
    o->toughness = o->tensile_strength = o->friction_coefficient = o->density = NAN;
    for (int i = 0; i < NS_MAX_PRONY; i++) o->prony_g[i] = o->prony_tau[i] = NAN;
  }
}

enum ns_status ns_skin_build(const struct ns_cfg_skin *cfg, struct ns_skin *out, struct ns_err *err) {
  if (!cfg || !out) return ns_err_set(err, NS_EINTERNAL, "ns_skin_build: NULL argument");
  if ((unsigned)cfg->site >= NS_NSITES)
    return ns_err_set(err, NS_EINPUT, "skin.site: expected face, forearm, abdomen, thigh or back, got site #%d", (int)cfg->site);
  if (!(isfinite(cfg->hydration) && cfg->hydration >= 0.0 && cfg->hydration <= 1.0))
    return ns_err_set(err, NS_EINPUT, "skin.hydration: expected 0..1 (fraction of saturation), got %g", cfg->hydration);
  if ((unsigned)cfg->volumetric_law >= NS_NVOL_LAWS)
    return ns_err_set(err, NS_EINPUT, "skin.volumetric_law: expected quadratic or logarithmic, got law #%d",
                      (int)cfg->volumetric_law);
  if (!(isfinite(cfg->prestretch) && cfg->prestretch >= 1.0 && cfg->prestretch <= NS_SKIN_MAX_PRESTRETCH))
    return ns_err_set(err, NS_EINPUT, "skin.prestretch: expected 1..%g (in-plane stretch of the living skin), got %g",
                      NS_SKIN_MAX_PRESTRETCH, cfg->prestretch);
  /* The age range is checked against each table's span by series_eval. */
  memset(out, 0, sizeof *out);
  out->age_years = cfg->age_years;
  out->site = cfg->site;
  out->hydration = cfg->hydration;
  out->volumetric_law = cfg->volumetric_law;

  double depth = 0.0;
  for (int l = 0; l < NS_NLAYERS; l++) {
    struct ns_skin_layer *L = &out->layer[l];
    NS_TRY(build_layer(cfg, (enum ns_layer_id)l, L, err));
    L->volumetric_law = cfg->volumetric_law;
    L->prestretch.value = cfg->prestretch;
    L->prestretch.unit = "1";
    NS_TRY(set_src(&L->prestretch, err,
                   cfg->prestretch == 1.0 ? "none (prestretch = 1, the default)"
                                          : "scenario [skin] prestretch (in-vivo pre-stretch: Flynn et al. 2011; "
                                            "Deroy et al., arXiv 1609.07267)"));
    L->top = depth;
    depth += L->thickness.value;
    L->bottom = depth;
  }
  out->total_thickness = depth;

  /* Bleeding indicators. The capillary loops rise into the dermal papillae directly under the
   * epidermis, so bleeding can start once the papillary dermis is reached; the superficial
   * plexus marks the papillary/reticular junction. */
  const struct ns_skin_layer *pap = &out->layer[NS_LAYER_PAPILLARY_DERMIS];
  out->capillary_loop_depth.value = pap->top;
  out->capillary_loop_depth.unit = "m";
  NS_TRY(set_src(&out->capillary_loop_depth, err,
                 "derived: top of papillary dermis; loops lie in the dermal papillae under the epidermis "
                 "(Braverman & Yen 1977 J Invest Dermatol 68:44, forearm EM)"));
  out->superficial_plexus_depth.value = pap->bottom;
  out->superficial_plexus_depth.unit = "m";
  NS_TRY(set_src(&out->superficial_plexus_depth, err,
                 "derived: papillary/reticular junction; the upper plexus lies in the papillary dermis (Yen & Braverman "
                 "1976 J Invest Dermatol doi 10.1111/1523-1747.ep12481678, forearm EM; Braverman 1983 Br J Dermatol 109 S25:89)"));
  return NS_OK;
}

enum ns_layer_id ns_skin_layer_at(const struct ns_skin *skin, double depth) {
  for (int l = 0; l < NS_NLAYERS - 1; l++)
    if (depth < skin->layer[l].bottom) return (enum ns_layer_id)l;
  return NS_LAYER_HYPODERMIS;
}

double ns_skin_instantaneous_modulus(const struct ns_skin_layer *L) {
  double gsum = 0.0;
  for (int i = 0; i < L->nprony; i++) gsum += L->prony_g[i].value;
  return L->youngs_modulus.value / (1.0 - gsum);
}

/* One printed line: the value is shown in `scale`d units with `unit`. */
static void print_line(FILE *f, const char *layer, const char *qty, const struct ns_sourced *s, double scale, const char *unit) {
  fprintf(f, "  %-17s %-22s %12.5g %-7s %s\n", layer, qty, s->value / scale, unit, s->source);
}

void ns_skin_print(const struct ns_skin *skin, FILE *f) {
  const char *site = ns_site_name(skin->site);
  fprintf(f, "skin model: age %g y, site %s, stratum corneum hydration %g (fraction of saturation)\n", skin->age_years,
          site ? site : "?", skin->hydration);
  fprintf(f, "  E is the relaxed small-strain out-of-plane modulus; instantaneous E = E/(1 - sum g); bulk energy %s\n",
          skin->volumetric_law == NS_VOL_LOGARITHMIC ? "logarithmic (kappa/4)(J^2 - 1 - 2 ln J)" : "quadratic (kappa/2)(J - 1)^2");
  fprintf(f, "  %-17s %-22s %12s %-7s %s\n", "layer", "quantity", "value", "unit", "source");
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &skin->layer[l];
    const char *n = L->name;
    fprintf(f, "  %-17s %-22s %12.5g %-7s %s\n", n, "top", L->top * 1e6, "um", "sum of the thicknesses above");
    print_line(f, n, "thickness", &L->thickness, 1e-6, "um");
    print_line(f, n, "youngs_modulus", &L->youngs_modulus, 1e3, "kPa");
    print_line(f, n, "poisson_ratio", &L->poisson_ratio, 1.0, "1");
    print_line(f, n, "shear_modulus", &L->shear_modulus, 1e3, "kPa");
    print_line(f, n, "bulk_modulus", &L->bulk_modulus, 1e3, "kPa");
    print_line(f, n, "ogden_alpha", &L->ogden_alpha, 1.0, "1");
    print_line(f, n, "fibre_k1", &L->fibre_k1, 1e3, "kPa");
    print_line(f, n, "fibre_k2", &L->fibre_k2, 1.0, "1");
    if (L->fibre_k1.value > 0.0) print_line(f, n, "fibre_dispersion", &L->fibre_dispersion, 1.0, "1");
    for (int i = 0; i < L->nprony; i++) {
      char q[32];
      snprintf(q, sizeof q, "prony_g%d", i + 1);
      print_line(f, n, q, &L->prony_g[i], 1.0, "1");
      snprintf(q, sizeof q, "prony_tau%d", i + 1);
      print_line(f, n, q, &L->prony_tau[i], 1.0, "s");
    }
    print_line(f, n, "toughness", &L->toughness, 1.0, "J/m^2");
    print_line(f, n, "tensile_strength", &L->tensile_strength, 1e6, "MPa");
    print_line(f, n, "friction_coefficient", &L->friction_coefficient, 1.0, "1");
    print_line(f, n, "density", &L->density, 1.0, "kg/m^3");
  }
  print_line(f, "vasculature", "capillary_loop_depth", &skin->capillary_loop_depth, 1e-6, "um");
  print_line(f, "vasculature", "superficial_plexus", &skin->superficial_plexus_depth, 1e-6, "um");
  fprintf(f, "  %-17s %-22s %12.5g %-7s %s\n", "total", "thickness", skin->total_thickness * 1e6, "um",
          "sum of the layer thicknesses");
  /* The pre-tension, only when it is on (the listing of every other run is unchanged). */
  if (skin->layer[0].prestretch.value == 1.0) return;
  struct ns_skin_prestress p;
  struct ns_err err = NS_ERR_INIT;
  if (ns_skin_prestress(skin, &p, &err) != NS_OK) {
    fprintf(f, "  pre-stretch: %s\n", err.msg);
    return;
  }
  fprintf(f, "  in-vivo pre-stretch %g (%s)\n", p.lambda, skin->layer[0].prestretch.source);
  for (int l = 0; l < NS_NLAYERS; l++)
    fprintf(f, "  %-17s %-22s %12.5g %-7s lambda_z %.5g (plane stress of the long-term law)\n", skin->layer[l].name,
            "prestress", p.sigma[l] * 1e-3, "kPa", p.lambda_z[l]);
  fprintf(f, "  %-17s %-22s %12.5g %-7s %s\n", "total", "membrane_tension", p.tension, "N/m",
          "sum of pre-stress x thickness over every layer (the hypodermis whole)");
  fprintf(f, "  %-17s %-22s %12.5g %-7s %s\n", "total", "mean_prestress", p.mean_stress * 1e-3, "kPa",
          "membrane tension / total thickness");
}

enum ns_status ns_skin_prestress(const struct ns_skin *skin, struct ns_skin_prestress *out, struct ns_err *err) {
  memset(out, 0, sizeof *out);
  out->lambda = skin->layer[0].prestretch.value;
  double h = 0.0;
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &skin->layer[l];
    const enum ns_hyper_model model = L->ogden_alpha.value == 2.0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN;
    struct ns_material m;
    NS_TRY(ns_material_from_layer(L, model, &m, err));
    double sig[6];
    if (ns_material_prestress(&m, sig))
      return ns_err_set(err, NS_EINPUT, "skin.prestretch: layer %s: pre-stress not finite", L->name);
    out->lambda_z[l] = m.prestretch_z;
    /* ns_material_from_layer puts the normal on axis 0; axis 1 is in the plane. */
    out->sigma[l] = sig[1];
    out->tension += sig[1] * L->thickness.value;
    h += L->thickness.value;
  }
  out->mean_stress = h > 0.0 ? out->tension / h : 0.0;
  return NS_OK;
}

enum ns_status ns_skin_write_prestress(const struct ns_skin *skin, struct ns_writer *w, const char *base,
                                       struct ns_err *err) {
  struct ns_skin_prestress p;
  NS_TRY(ns_skin_prestress(skin, &p, err));
  char path[256];
  const size_t n = NS_NLAYERS;
  snprintf(path, sizeof path, "%s/prestretch", base);
  NS_TRY(ns_writer_dataset(w, path, 0, NULL, &p.lambda, "1",
                           "in-vivo equibiaxial in-plane pre-stretch ([skin] prestretch)", err));
  snprintf(path, sizeof path, "%s/prestretch_z", base);
  NS_TRY(ns_writer_dataset(w, path, 1, &n, p.lambda_z, "1",
                           "through-thickness pre-stretch per layer (plane stress of the long-term law)", err));
  snprintf(path, sizeof path, "%s/prestress", base);
  NS_TRY(ns_writer_dataset(w, path, 1, &n, p.sigma, "Pa",
                           "in-plane long-term Cauchy pre-stress per layer (homogeneous pre-stressed state)", err));
  snprintf(path, sizeof path, "%s/membrane_tension", base);
  NS_TRY(ns_writer_dataset(w, path, 0, NULL, &p.tension, "N/m",
                           "membrane tension sum of pre-stress x in-vivo layer thickness, all layers", err));
  snprintf(path, sizeof path, "%s/mean_prestress", base);
  return ns_writer_dataset(w, path, 0, NULL, &p.mean_stress, "Pa", "membrane tension / total skin thickness", err);
}

enum ns_status ns_skin_write_prestress_group(const struct ns_skin *skin, struct ns_writer *w, const char *run_group,
                                             struct ns_err *err) {
  if (skin->layer[0].prestretch.value == 1.0) return NS_OK;
  char path[256];
  snprintf(path, sizeof path, "%s/skin", run_group);
  NS_TRY(ns_writer_group(w, path, "in-vivo pre-tension of the skin ([skin] prestretch)", err));
  return ns_skin_write_prestress(skin, w, path, err);
}
