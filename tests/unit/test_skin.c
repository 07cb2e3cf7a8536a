/* test_skin.c — unit tests of the layered skin model (sim/skin.c, sim/skin_data.c).
 *
 * Independent expectations used here:
 *   - the literature table rows themselves (via the skin_data.h accessors) and numbers copied by
 *     hand from the cited abstracts (Sandby-Moller 2003: dorsal forearm SC 18.3 um, cellular
 *     epidermis 56.6 um; Sims 2010: g = 0.39, tau = 700 s; Braverman 1997: plexus 1-1.5 mm);
 *   - linear interpolation computed by hand between neighbouring rows;
 *   - the published directions of change (Branchet 1990: thinner epidermis and dermis with age;
 *     Agache 1980 / Diridollou 2001: stiffer dermis with age; PMID 23604906: slow time constant
 *     rises with age; Yuan & Verma 2006: hydration lowers the SC modulus; Wildnauer 1971:
 *     hydration raises the SC work of fracture and lowers its breaking strength by 85 %);
 *   - failure values copied from the sources: Ni Annaidh 2012 UTS 21.6 MPa; CJME 2022 review
 *     Table 2: porcine skin needle-insertion toughness 1136 J/m^2, adipose/skin trouser-tear
 *     toughness 4100/17100;
 *   - elasticity identities mu = E/(2(1+nu)), K = E/(3(1-2nu)).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "needlesim/skin.h"
#include "skin_data.h"

/* Relative tolerance for values that go through one or two floating-point operations
 * (a product, a linear interpolation): a few ulps of double precision, generously bounded. */
#define TOL_ARITH 1e-12

static struct ns_skin build_ok(const struct ns_cfg_skin *cfg) {
  struct ns_skin s;
  struct ns_err e = NS_ERR_INIT;
  enum ns_status st = ns_skin_build(cfg, &s, &e);
  if (st != NS_OK) fail_msg("ns_skin_build failed: %s", e.msg);
  return s;
}

static struct ns_cfg_skin cfg_at(double age, enum ns_site site, double hydration) {
  struct ns_cfg_skin c;
  ns_skin_cfg_init(&c);
  c.age_years = age;
  c.site = site;
  c.hydration = hydration;
  return c;
}

static void assert_rel(double got, double want, double tol, const char *what) {
  double d = fabs(got - want), scale = fabs(want) > 0 ? fabs(want) : 1.0;
  if (!(d <= tol * scale)) fail_msg("%s: got %.17g, want %.17g (rel tol %g)", what, got, want, tol);
}

/* Row value of series s at abscissa x (x must be tabulated). */
static double row_at(const struct ns_skin_series *s, double x) {
  for (int i = 0; i < s->nrow; i++)
    if (s->row[i].x == x) return s->row[i].value;
  fail_msg("series %s has no row at %g", s->name, x);
  return NAN;
}

static void each_sourced(const struct ns_skin *s, void (*fn)(const struct ns_sourced *, const char *)) {
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &s->layer[l];
    fn(&L->thickness, "thickness");
    fn(&L->youngs_modulus, "youngs_modulus");
    fn(&L->poisson_ratio, "poisson_ratio");
    fn(&L->shear_modulus, "shear_modulus");
    fn(&L->bulk_modulus, "bulk_modulus");
    fn(&L->ogden_alpha, "ogden_alpha");
    fn(&L->fibre_k1, "fibre_k1");
    fn(&L->fibre_k2, "fibre_k2");
    for (int i = 0; i < L->nprony; i++) {
      fn(&L->prony_g[i], "prony_g");
      fn(&L->prony_tau[i], "prony_tau");
    }
    fn(&L->toughness, "toughness");
    fn(&L->tensile_strength, "tensile_strength");
    fn(&L->friction_coefficient, "friction_coefficient");
    fn(&L->density, "density");
  }
  fn(&s->capillary_loop_depth, "capillary_loop_depth");
  fn(&s->superficial_plexus_depth, "superficial_plexus_depth");
}

static void check_finite_sourced(const struct ns_sourced *v, const char *what) {
  if (!isfinite(v->value)) fail_msg("%s not finite", what);
  if (v->source[0] == '\0') fail_msg("%s has no source", what);
  if (!v->unit || v->unit[0] == '\0') fail_msg("%s has no unit", what);
}

/* ---- tables ------------------------------------------------------------------------------- */

/* Every series is strictly increasing in x, spans the documented range, and every row has a
 * source; age series span exactly 20..80 y (the config's documented range). */
static void test_tables_well_formed(void **state) {
  (void)state;
  for (int q = 0; q < NS_SKIN_NAGE_QTY; q++)
    for (int l = 0; l < NS_NLAYERS; l++) {
      const struct ns_skin_series *s = ns_skin_data_age((enum ns_skin_age_qty)q, (enum ns_layer_id)l);
      if (!s) continue;
      assert_true(s->nrow >= 2);
      assert_true(s->row[0].x == 20.0 && s->row[s->nrow - 1].x == 80.0);
      for (int i = 0; i < s->nrow; i++) {
        assert_non_null(s->row[i].source);
        assert_true(strlen(s->row[i].source) > 10);
        if (i) assert_true(s->row[i].x > s->row[i - 1].x);
      }
    }
  for (int q = 0; q < NS_SKIN_NHYD_QTY; q++) {
    const struct ns_skin_series *s = ns_skin_data_hydration((enum ns_skin_hyd_qty)q);
    assert_non_null(s);
    assert_true(s->row[0].x == 0.0 && s->row[s->nrow - 1].x == 1.0);
    for (int i = 1; i < s->nrow; i++) assert_true(s->row[i].x > s->row[i - 1].x);
  }
}

/* Numbers hand-copied from the abstracts reach the tables unchanged. */
static void test_tables_match_papers(void **state) {
  (void)state;
  /* Sandby-Moller 2003 Acta Derm Venereol 83:410, abstract: dorsal forearm SC 18.3 um,
   * cellular epidermis 56.6 um; shoulder SC 11.0 um. */
  assert_rel(ns_skin_data_thickness(NS_LAYER_STRATUM_CORNEUM, NS_SITE_FOREARM)->value, 18.3e-6, TOL_ARITH, "SC forearm");
  assert_rel(ns_skin_data_thickness(NS_LAYER_EPIDERMIS, NS_SITE_FOREARM)->value, 56.6e-6, TOL_ARITH, "VE forearm");
  assert_rel(ns_skin_data_thickness(NS_LAYER_STRATUM_CORNEUM, NS_SITE_BACK)->value, 11.0e-6, TOL_ARITH, "SC shoulder");
  /* Sims 2010 Biomech Model Mechanobiol 9:703, abstract: alpha = 0.39, tau = 700 s. */
  const struct ns_skin_layer_data *h = ns_skin_data_layer(NS_LAYER_HYPODERMIS);
  assert_rel(h->prony_g[0].value, 0.39, TOL_ARITH, "Sims g");
  assert_rel(h->prony_tau[0].value, 700.0, TOL_ARITH, "Sims tau");
  /* Gibney 2010 Curr Med Res Opin 26:1519, abstract: abdomen subcutaneous layer 13.9 mm. */
  assert_rel(ns_skin_data_thickness(NS_LAYER_HYPODERMIS, NS_SITE_ABDOMEN)->value, 13.9e-3, TOL_ARITH, "Gibney abdomen");
  /* Ni Annaidh 2012 J Mech Behav Biomed Mater 5:139, abstract: UTS 21.6 MPa (dermis rows). */
  const struct ns_skin_layer_data *rd = ns_skin_data_layer(NS_LAYER_RETICULAR_DERMIS);
  assert_rel(rd->tensile_strength.value, 21.6e6, TOL_ARITH, "Ni Annaidh UTS");
  assert_rel(ns_skin_data_layer(NS_LAYER_PAPILLARY_DERMIS)->tensile_strength.value, 21.6e6, TOL_ARITH, "UTS papillary");
  /* CJME 2022 review Table 2: porcine skin, needle insertion, 1136 J/m^2 (needle-scale table). */
  assert_rel(rd->toughness.value, 1136.0, TOL_ARITH, "needle-scale G_c");
  /* Hypodermis: the skin values times 4100/17100 (adipose / skin trouser tear, same table);
   * tolerance 1e-3: the table rounds 272.37 J/m^2 to 272.4 and 5.1789 MPa to 5.18. */
  assert_rel(h->toughness.value, 1136.0 * 4100.0 / 17100.0, 1e-3, "hypodermis G_c");
  assert_rel(h->tensile_strength.value, 21.6e6 * 4100.0 / 17100.0, 1e-3, "hypodermis strength");
  /* Wildnauer 1971 J Invest Dermatol 56:72, abstract: breaking strength -85 % from 0 to 100 % RH,
   * so dry/wet = 1/0.15 (tolerance 1e-3: 4-decimal factors). */
  const struct ns_skin_series *hs = ns_skin_data_hydration(NS_SKIN_HYD_STRENGTH);
  assert_rel(row_at(hs, 1.0) / row_at(hs, 0.0), 0.15, 1e-3, "Wildnauer strength wet/dry");
}

/* ---- resolution at tabulated ages --------------------------------------------------------- */

/* At tabulated ages the resolved value is base row x factor row (thickness, dermal modulus) or
 * the row itself (slow relaxation time), exactly. */
static void test_tabulated_ages_exact(void **state) {
  (void)state;
  for (int site = 0; site < NS_NSITES; site++)
    for (int age = 20; age <= 80; age += 10) {
      struct ns_cfg_skin c = cfg_at(age, (enum ns_site)site, NS_SKIN_REF_HYDRATION);
      struct ns_skin s = build_ok(&c);
      for (int l = 0; l < NS_NLAYERS; l++) {
        const struct ns_skin_series *ft = ns_skin_data_age(NS_SKIN_AGE_THICKNESS, (enum ns_layer_id)l);
        double base = ns_skin_data_thickness((enum ns_layer_id)l, (enum ns_site)site)->value;
        /* Series without a row at this age (2-row constant tables) interpolate a constant. */
        double f = ft->nrow == 7 ? row_at(ft, age) : ft->row[0].value;
        assert_true(s.layer[l].thickness.value == base * f);
        const struct ns_skin_series *fe = ns_skin_data_age(NS_SKIN_AGE_MODULUS, (enum ns_layer_id)l);
        if (fe)
          assert_true(s.layer[l].youngs_modulus.value == ns_skin_data_layer((enum ns_layer_id)l)->youngs_modulus.value * row_at(fe, age));
      }
      const struct ns_skin_series *tau = ns_skin_data_age(NS_SKIN_AGE_TAU_SLOW, NS_LAYER_RETICULAR_DERMIS);
      assert_true(s.layer[NS_LAYER_RETICULAR_DERMIS].prony_tau[1].value == row_at(tau, age));
      assert_true(s.layer[NS_LAYER_STRATUM_CORNEUM].prony_tau[0].value == row_at(tau, age));
    }
}

/* Between tabulated ages: the value lies between the neighbours and equals the linear
 * interpolant computed by hand. */
static void test_between_ages_linear(void **state) {
  (void)state;
  const double ages[] = {23.7, 35.0, 45.0, 58.25, 79.9};
  for (size_t k = 0; k < sizeof ages / sizeof ages[0]; k++) {
    double a = ages[k];
    double a0 = 10.0 * floor(a / 10.0), a1 = a0 + 10.0, w = (a - a0) / 10.0;
    struct ns_cfg_skin c = cfg_at(a, NS_SITE_FOREARM, NS_SKIN_REF_HYDRATION);
    struct ns_skin s = build_ok(&c);
    /* Viable epidermis thickness, Branchet 1990 factor. */
    const struct ns_skin_series *ft = ns_skin_data_age(NS_SKIN_AGE_THICKNESS, NS_LAYER_EPIDERMIS);
    double f0 = row_at(ft, a0), f1 = row_at(ft, a1);
    double base = ns_skin_data_thickness(NS_LAYER_EPIDERMIS, NS_SITE_FOREARM)->value;
    double got = s.layer[NS_LAYER_EPIDERMIS].thickness.value;
    assert_rel(got, base * (f0 + w * (f1 - f0)), TOL_ARITH, "epidermis thickness interpolant");
    assert_true(got <= base * f0 && got >= base * f1);
    /* Slow relaxation time. */
    const struct ns_skin_series *tau = ns_skin_data_age(NS_SKIN_AGE_TAU_SLOW, NS_LAYER_EPIDERMIS);
    double t0 = row_at(tau, a0), t1 = row_at(tau, a1);
    assert_rel(s.layer[NS_LAYER_EPIDERMIS].prony_tau[1].value, t0 + w * (t1 - t0), TOL_ARITH, "tau interpolant");
    /* Dermal modulus. */
    const struct ns_skin_series *fe = ns_skin_data_age(NS_SKIN_AGE_MODULUS, NS_LAYER_RETICULAR_DERMIS);
    double e0 = row_at(fe, a0), e1 = row_at(fe, a1);
    double Eb = ns_skin_data_layer(NS_LAYER_RETICULAR_DERMIS)->youngs_modulus.value;
    assert_rel(s.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus.value, Eb * (e0 + w * (e1 - e0)), TOL_ARITH, "E interpolant");
    assert_non_null(strstr(s.layer[NS_LAYER_EPIDERMIS].thickness.source, "interp."));
  }
}

/* At the reference age 35 y the factors are 1 to the 4-decimal rounding of the tables, so the
 * default forearm skin reproduces the base rows (Sandby-Moller 2003 forearm values). */
static void test_reference_state(void **state) {
  (void)state;
  struct ns_cfg_skin c;
  ns_skin_cfg_init(&c);
  struct ns_skin s = build_ok(&c);
  /* Tolerance 1e-4: the age factors are tabulated to 4 decimals. */
  assert_rel(s.layer[NS_LAYER_STRATUM_CORNEUM].thickness.value, 18.3e-6, 1e-4, "SC at 35 y");
  assert_rel(s.layer[NS_LAYER_EPIDERMIS].thickness.value, 56.6e-6, 1e-4, "VE at 35 y");
  /* Hydration 0.5 is a tabulated node with factor 1 exactly. */
  assert_true(s.layer[NS_LAYER_STRATUM_CORNEUM].youngs_modulus.value ==
              ns_skin_data_layer(NS_LAYER_STRATUM_CORNEUM)->youngs_modulus.value);
}

/* ---- documented directions ---------------------------------------------------------------- */

static void test_age_directions(void **state) {
  (void)state;
  for (int site = 0; site < NS_NSITES; site++) {
    struct ns_cfg_skin cy = cfg_at(20, (enum ns_site)site, 0.5), co = cfg_at(80, (enum ns_site)site, 0.5);
    struct ns_skin y = build_ok(&cy), o = build_ok(&co);
    /* Branchet 1990: epidermis and dermis thin with age. */
    assert_true(o.layer[NS_LAYER_EPIDERMIS].thickness.value < y.layer[NS_LAYER_EPIDERMIS].thickness.value);
    assert_true(o.layer[NS_LAYER_PAPILLARY_DERMIS].thickness.value < y.layer[NS_LAYER_PAPILLARY_DERMIS].thickness.value);
    assert_true(o.layer[NS_LAYER_RETICULAR_DERMIS].thickness.value < y.layer[NS_LAYER_RETICULAR_DERMIS].thickness.value);
    /* Branchet's rates: 6 %/decade of the age-20 value for the dermis: at 80 y, 1 - 0.36 = 0.64 of
     * the age-20 value (tolerance 1e-3: 4-decimal factors). Epidermis: 1 - 6 x 0.0645 = 0.613. */
    assert_rel(o.layer[NS_LAYER_RETICULAR_DERMIS].thickness.value / y.layer[NS_LAYER_RETICULAR_DERMIS].thickness.value, 0.64,
               1e-3, "dermis 80/20");
    assert_rel(o.layer[NS_LAYER_EPIDERMIS].thickness.value / y.layer[NS_LAYER_EPIDERMIS].thickness.value, 0.613, 1e-3,
               "epidermis 80/20");
    /* Sandby-Moller 2003 / Lock-Andersen 1997: SC thickness does not change with age. */
    assert_true(o.layer[NS_LAYER_STRATUM_CORNEUM].thickness.value == y.layer[NS_LAYER_STRATUM_CORNEUM].thickness.value);
    /* Agache 1980: the modulus doubles with age (20 -> 80 y read as the doubling span). */
    assert_rel(o.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus.value / y.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus.value,
               2.0, TOL_ARITH, "E 80/20");
    /* PMID 23604906: the slow time constant rises with age; 0.1 s at 20 y, 1 s at 60 y. */
    assert_true(o.layer[NS_LAYER_RETICULAR_DERMIS].prony_tau[1].value > y.layer[NS_LAYER_RETICULAR_DERMIS].prony_tau[1].value);
    /* Capillary loops and the superficial plexus get shallower as the epidermis and dermis thin. */
    assert_true(o.capillary_loop_depth.value < y.capillary_loop_depth.value);
    assert_true(o.superficial_plexus_depth.value < y.superficial_plexus_depth.value);
    /* Vogel 1994 gives no magnitude for the fall of strength in senescence: strength and
     * toughness are held constant in age (docs/skin-model.md section 4). */
    for (int l = 0; l < NS_NLAYERS; l++) {
      assert_true(o.layer[l].tensile_strength.value == y.layer[l].tensile_strength.value);
      assert_true(o.layer[l].toughness.value == y.layer[l].toughness.value);
    }
  }
}

static void test_hydration_directions(void **state) {
  (void)state;
  double prevE = INFINITY, prevG = 0.0, prevS = INFINITY;
  for (int k = 0; k <= 20; k++) {
    double h = k / 20.0;
    struct ns_cfg_skin c = cfg_at(47.0, NS_SITE_FACE, h);
    struct ns_skin s = build_ok(&c);
    const struct ns_skin_layer *sc = &s.layer[NS_LAYER_STRATUM_CORNEUM];
    /* Yuan & Verma 2006: hydration lowers the SC modulus; Wildnauer 1971: raises its work of
     * fracture; Yuan & Verma 2006: loss tangent (so g) rises with hydration. */
    assert_true(sc->youngs_modulus.value < prevE);
    assert_true(sc->toughness.value > prevG);
    /* Wildnauer 1971: the breaking strength falls with hydration. */
    assert_true(sc->tensile_strength.value < prevS);
    prevE = sc->youngs_modulus.value;
    prevG = sc->toughness.value;
    prevS = sc->tensile_strength.value;
    /* The other layers do not depend on hydration. */
    struct ns_cfg_skin c0 = cfg_at(47.0, NS_SITE_FACE, 0.0);
    struct ns_skin s0 = build_ok(&c0);
    assert_true(s.layer[NS_LAYER_EPIDERMIS].youngs_modulus.value == s0.layer[NS_LAYER_EPIDERMIS].youngs_modulus.value);
    assert_true(s.layer[NS_LAYER_EPIDERMIS].tensile_strength.value == s0.layer[NS_LAYER_EPIDERMIS].tensile_strength.value);
  }
  /* Dry vs saturated: one decade in modulus (Yuan & Verma 2006), x7 in toughness (Wildnauer
   * 1971: +600 %). Tolerance 1e-4: 4-decimal table factors. */
  struct ns_cfg_skin cd = cfg_at(47.0, NS_SITE_FACE, 0.0), cw = cfg_at(47.0, NS_SITE_FACE, 1.0);
  struct ns_skin d = build_ok(&cd), w = build_ok(&cw);
  const struct ns_skin_layer *scd = &d.layer[NS_LAYER_STRATUM_CORNEUM], *scw = &w.layer[NS_LAYER_STRATUM_CORNEUM];
  assert_rel(scd->youngs_modulus.value / scw->youngs_modulus.value, 10.0, 1e-4, "E dry/wet");
  assert_rel(scw->toughness.value / scd->toughness.value, 7.0, 1e-4, "Gc wet/dry");
  /* Wildnauer 1971: breaking strength -85 % dry -> saturated (tolerance 1e-3: 4-decimal factors). */
  assert_rel(scw->tensile_strength.value / scd->tensile_strength.value, 0.15, 1e-3, "strength wet/dry");
  assert_true(scw->prony_g[0].value > scd->prony_g[0].value);
}

/* ---- every site, every value -------------------------------------------------------------- */

static void test_all_sites_resolve(void **state) {
  (void)state;
  const double ages[] = {20.0, 33.3, 80.0};
  for (int site = 0; site < NS_NSITES; site++)
    for (size_t k = 0; k < 3; k++) {
      struct ns_cfg_skin c = cfg_at(ages[k], (enum ns_site)site, 0.37);
      struct ns_skin s = build_ok(&c);
      each_sourced(&s, check_finite_sourced);
      /* Layers contiguous from the surface: top of i+1 is exactly bottom of i. */
      assert_true(s.layer[0].top == 0.0);
      double sum = 0.0;
      for (int l = 0; l < NS_NLAYERS; l++) {
        assert_true(s.layer[l].bottom > s.layer[l].top);
        if (l) assert_true(s.layer[l].top == s.layer[l - 1].bottom);
        sum += s.layer[l].thickness.value;
        /* Derived moduli obey the isotropic identities. */
        double E = s.layer[l].youngs_modulus.value, nu = s.layer[l].poisson_ratio.value;
        assert_rel(s.layer[l].shear_modulus.value, E / (2 * (1 + nu)), TOL_ARITH, "mu");
        assert_rel(s.layer[l].bulk_modulus.value, E / (3 * (1 - 2 * nu)), TOL_ARITH, "K");
        /* Instantaneous modulus: E / (1 - sum g) > E. */
        assert_true(ns_skin_instantaneous_modulus(&s.layer[l]) > E);
        /* Failure parameters: positive, and the cohesive opening 2 G_c / sigma_c of a linear
         * softening law lies between 1 um and 1 mm, i.e. above the cell size a needle-tip grid
         * can afford and below the skin thickness (bounds of the use, not of the literature). */
        double gc = s.layer[l].toughness.value, sig = s.layer[l].tensile_strength.value;
        assert_true(gc > 0.0 && sig > 0.0);
        assert_true(2.0 * gc / sig > 1e-6 && 2.0 * gc / sig < 1e-3);
      }
      assert_true(s.layer[NS_NLAYERS - 1].bottom == s.total_thickness);
      assert_rel(s.total_thickness, sum, TOL_ARITH, "total");
      /* Expected contrast 10^2..10^3 between SC and hypodermis. */
      double ratio = s.layer[0].youngs_modulus.value / s.layer[NS_LAYER_HYPODERMIS].youngs_modulus.value;
      assert_true(ratio >= 1e2 && ratio <= 1e3); /* at h = 0.37; dry SC (h = 0) reaches ~1.9e3 */
      /* Bleeding indicators: loops at the dermal papillae, plexus below them, both in the dermis. */
      assert_true(s.capillary_loop_depth.value == s.layer[NS_LAYER_PAPILLARY_DERMIS].top);
      assert_true(s.superficial_plexus_depth.value > s.capillary_loop_depth.value);
      assert_true(s.superficial_plexus_depth.value < s.layer[NS_LAYER_HYPODERMIS].top);
    }
}

static void test_layer_at(void **state) {
  (void)state;
  struct ns_cfg_skin c = cfg_at(61.0, NS_SITE_THIGH, 0.5);
  struct ns_skin s = build_ok(&c);
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &s.layer[l];
    assert_int_equal(ns_skin_layer_at(&s, L->top), l);
    assert_int_equal(ns_skin_layer_at(&s, 0.5 * (L->top + L->bottom)), l);
  }
  assert_int_equal(ns_skin_layer_at(&s, -1e-6), NS_LAYER_STRATUM_CORNEUM);
  assert_int_equal(ns_skin_layer_at(&s, s.total_thickness * 2.0), NS_LAYER_HYPODERMIS);
}

/* ---- overrides and validation ------------------------------------------------------------- */

static void test_overrides_win(void **state) {
  (void)state;
  struct ns_cfg_skin c = cfg_at(52.0, NS_SITE_BACK, 0.8);
  c.layer[NS_LAYER_EPIDERMIS].thickness = 123.4e-6;
  c.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus = 87.6e3;
  c.layer[NS_LAYER_RETICULAR_DERMIS].poisson_ratio = 0.4;
  c.layer[NS_LAYER_STRATUM_CORNEUM].toughness = 10.0;
  c.layer[NS_LAYER_PAPILLARY_DERMIS].tensile_strength = 2.0e6;
  c.layer[NS_LAYER_STRATUM_CORNEUM].tensile_strength = 3.5e6;
  c.layer[NS_LAYER_HYPODERMIS].prony_g[1] = 0.2;
  c.layer[NS_LAYER_HYPODERMIS].prony_tau[1] = 1.5;
  struct ns_skin s = build_ok(&c);
  assert_true(s.layer[NS_LAYER_EPIDERMIS].thickness.value == 123.4e-6);
  assert_string_equal(s.layer[NS_LAYER_EPIDERMIS].thickness.source, "scenario override: [layer.epidermis] thickness_um");
  assert_true(s.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus.value == 87.6e3);
  assert_string_equal(s.layer[NS_LAYER_RETICULAR_DERMIS].youngs_modulus.source,
                      "scenario override: [layer.reticular_dermis] youngs_modulus_kPa");
  /* Derived moduli follow the overridden E and nu: mu = 87.6/2.8 kPa, K = 87.6/0.6 kPa. */
  assert_rel(s.layer[NS_LAYER_RETICULAR_DERMIS].shear_modulus.value, 87.6e3 / 2.8, TOL_ARITH, "mu override");
  assert_rel(s.layer[NS_LAYER_RETICULAR_DERMIS].bulk_modulus.value, 87.6e3 / 0.6, TOL_ARITH, "K override");
  assert_true(s.layer[NS_LAYER_STRATUM_CORNEUM].toughness.value == 10.0);
  assert_string_equal(s.layer[NS_LAYER_STRATUM_CORNEUM].toughness.source,
                      "scenario override: [layer.stratum_corneum] toughness_J_m2");
  /* Strength overrides win over the table and, for the SC, over the hydration factor. */
  assert_true(s.layer[NS_LAYER_PAPILLARY_DERMIS].tensile_strength.value == 2.0e6);
  assert_string_equal(s.layer[NS_LAYER_PAPILLARY_DERMIS].tensile_strength.source,
                      "scenario override: [layer.papillary_dermis] tensile_strength_MPa");
  assert_true(s.layer[NS_LAYER_STRATUM_CORNEUM].tensile_strength.value == 3.5e6);
  /* Layers without an override keep the table value (Ni Annaidh 2012, 21.6 MPa). */
  assert_rel(s.layer[NS_LAYER_RETICULAR_DERMIS].tensile_strength.value, 21.6e6, TOL_ARITH, "no override");
  /* A second Prony term added to the hypodermis (Sims 2010 has one). */
  assert_int_equal(s.layer[NS_LAYER_HYPODERMIS].nprony, 2);
  assert_true(s.layer[NS_LAYER_HYPODERMIS].prony_g[0].value == 0.39);
  assert_true(s.layer[NS_LAYER_HYPODERMIS].prony_tau[1].value == 1.5);
  assert_string_equal(s.layer[NS_LAYER_HYPODERMIS].prony_tau[1].source, "scenario override: [layer.hypodermis] prony_tau2_s");
  /* Depths follow the overridden thickness. */
  assert_rel(s.layer[NS_LAYER_PAPILLARY_DERMIS].top, s.layer[0].thickness.value + 123.4e-6, TOL_ARITH, "depth");
}

/* Expect NS_EINPUT with a message containing `want`. */
static void expect_input_error(const struct ns_cfg_skin *c, const char *want) {
  struct ns_skin s;
  struct ns_err e = NS_ERR_INIT;
  enum ns_status st = ns_skin_build(c, &s, &e);
  if (st != NS_EINPUT) fail_msg("expected NS_EINPUT containing '%s', got status %d (%s)", want, (int)st, e.msg);
  if (!strstr(e.msg, want)) fail_msg("message '%s' does not contain '%s'", e.msg, want);
  if (strchr(e.msg, '\n')) fail_msg("message is not one line: '%s'", e.msg);
}

static void test_invalid_overrides(void **state) {
  (void)state;
  struct ns_cfg_skin c;

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_RETICULAR_DERMIS].prony_g[0] = 0.7; /* 0.7 + 0.36 >= 1 */
  expect_input_error(&c, "layer.reticular_dermis.prony_g1..2: expected a sum of relative moduli < 1, got 1.06");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_EPIDERMIS].youngs_modulus = -5e3;
  expect_input_error(&c, "layer.epidermis.youngs_modulus_kPa: expected a positive finite value, got -5 kPa");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_STRATUM_CORNEUM].thickness = 0.0;
  expect_input_error(&c, "layer.stratum_corneum.thickness_um: expected a positive finite value, got 0 um");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_HYPODERMIS].poisson_ratio = 0.5;
  expect_input_error(&c, "layer.hypodermis.poisson_ratio: expected -1 < nu < 0.5, got 0.5");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_PAPILLARY_DERMIS].ogden_alpha = 0.0;
  expect_input_error(&c, "layer.papillary_dermis.ogden_alpha");

  /* Fibre stiffness without an exponent: the table's k2 is 0 (term off). */
  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_RETICULAR_DERMIS].fibre_k1 = 1e4;
  expect_input_error(&c, "layer.reticular_dermis.fibre_k2: expected a positive finite value when fibre_k1_kPa > 0, got 0");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_RETICULAR_DERMIS].fibre_k1 = -1e3;
  expect_input_error(&c, "layer.reticular_dermis.fibre_k1_kPa: expected a finite value >= 0, got -1 kPa");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_HYPODERMIS].prony_g[1] = 0.1; /* no tau2 */
  expect_input_error(&c, "layer.hypodermis.prony_g2: given without prony_tau2_s");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_HYPODERMIS].prony_g[2] = 0.1;
  c.layer[NS_LAYER_HYPODERMIS].prony_tau[2] = 3.0; /* term 3 without term 2 */
  expect_input_error(&c, "layer.hypodermis.prony_g3: Prony term 3 given but term 2 is missing");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_EPIDERMIS].prony_tau[0] = -1.0;
  expect_input_error(&c, "layer.epidermis.prony_tau1_s: expected a positive finite value");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_EPIDERMIS].friction_coefficient = -0.1;
  expect_input_error(&c, "layer.epidermis.friction_coefficient");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_EPIDERMIS].density = 0.0;
  expect_input_error(&c, "layer.epidermis.density_kg_m3");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_EPIDERMIS].toughness = -1.0;
  expect_input_error(&c, "layer.epidermis.toughness_J_m2");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_PAPILLARY_DERMIS].tensile_strength = -2.0e6;
  expect_input_error(&c, "layer.papillary_dermis.tensile_strength_MPa: expected a positive finite value, got -2 MPa");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_HYPODERMIS].tensile_strength = 0.0;
  expect_input_error(&c, "layer.hypodermis.tensile_strength_MPa: expected a positive finite value, got 0 MPa");

  ns_skin_cfg_init(&c);
  c.layer[NS_LAYER_STRATUM_CORNEUM].tensile_strength = INFINITY;
  expect_input_error(&c, "layer.stratum_corneum.tensile_strength_MPa");
}

/* Ages outside the tables are refused, not extrapolated; hydration and site are checked. */
static void test_out_of_range(void **state) {
  (void)state;
  struct ns_cfg_skin c = cfg_at(19.9, NS_SITE_FOREARM, 0.5);
  expect_input_error(&c, "skin.age_years: expected 20..80");
  c = cfg_at(80.1, NS_SITE_FOREARM, 0.5);
  expect_input_error(&c, "skin.age_years: expected 20..80");
  c = cfg_at(NAN, NS_SITE_FOREARM, 0.5);
  expect_input_error(&c, "skin.age_years");
  c = cfg_at(40, NS_SITE_FOREARM, 1.2);
  expect_input_error(&c, "skin.hydration: expected 0..1");
  c = cfg_at(40, NS_NSITES, 0.5);
  expect_input_error(&c, "skin.site");
  /* The endpoints themselves are accepted. */
  c = cfg_at(20, NS_SITE_FOREARM, 0.0);
  (void)build_ok(&c);
  c = cfg_at(80, NS_SITE_FOREARM, 1.0);
  (void)build_ok(&c);
}

/* ---- print -------------------------------------------------------------------------------- */

static void test_print(void **state) {
  (void)state;
  struct ns_cfg_skin c;
  ns_skin_cfg_init(&c);
  struct ns_skin s = build_ok(&c);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  ns_skin_print(&s, f);
  fclose(f);
  /* One line per layer quantity: 5 layers x (top, thickness, E, nu, mu, K, alpha, fibre k1,
   * fibre k2, toughness, tensile strength, friction, density = 13) + 2 per Prony term
   * (1 + 2 + 2 + 2 + 1 = 8 terms -> 16) + 2 vascular + 1 total + 3 header lines = 87. */
  int lines = 0;
  for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
  assert_int_equal(lines, 87);
  assert_non_null(strstr(buf, "stratum_corneum   thickness"));
  assert_non_null(strstr(buf, "18.3 um      Sandby-Moller 2003"));
  assert_non_null(strstr(buf, " kPa "));
  assert_non_null(strstr(buf, " J/m^2 "));
  assert_non_null(strstr(buf, "reticular_dermis  tensile_strength               21.6 MPa     Ni Annaidh 2012"));
  assert_non_null(strstr(buf, "capillary_loop_depth"));
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tables_well_formed),  cmocka_unit_test(test_tables_match_papers),
      cmocka_unit_test(test_tabulated_ages_exact), cmocka_unit_test(test_between_ages_linear),
      cmocka_unit_test(test_reference_state),     cmocka_unit_test(test_age_directions),
      cmocka_unit_test(test_hydration_directions), cmocka_unit_test(test_all_sites_resolve),
      cmocka_unit_test(test_layer_at),            cmocka_unit_test(test_overrides_win),
      cmocka_unit_test(test_invalid_overrides),   cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_print),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
