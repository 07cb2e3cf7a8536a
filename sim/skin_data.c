/* skin_data.c — literature tables of the layered skin model, each value with its source.
 *
 * Public functions (declared in skin_data.h):
 *   ns_skin_data_thickness   base thickness of a layer at a body site (age 35 y)
 *   ns_skin_data_layer       site-independent base parameters of a layer
 *   ns_skin_data_age         age series (factors, or the slow relaxation time)
 *   ns_skin_data_hydration   stratum corneum hydration series
 *
 * Conventions (see docs/skin-model.md for the reasoning and the rejected alternatives):
 *   - Young's modulus E is the RELAXED (long-term, quasi-static) small-strain modulus for
 *     out-of-plane, indentation-like loading; the instantaneous modulus is E / (1 - sum g).
 *   - Base values hold at age NS_SKIN_REF_AGE = 35 y and hydration NS_SKIN_REF_HYDRATION = 0.5.
 *   - Age series are tabulated at 20, 30, ..., 80 y; the model refuses ages outside.
 *   - `derived` = 1 marks arithmetic on literature values; the source text shows it.
 *   - A Prony g or tau whose value is NAN is taken from a series (hydration for the stratum
 *     corneum's g1, age for the slow time constant).
 * Values tagged "[S]" in a source text were read in a secondary source (a review quoting the
 * primary paper); everything else was read in the primary paper's abstract or tables.
 * Invariant: every table abscissa is strictly increasing (tests/unit/test_skin.c checks it).
 */
#include "skin_data.h"

#include <math.h>
#include <stddef.h>

/* Micrometre and kilopascal in SI, for readable literals. */
#define UM 1e-6
#define MM 1e-3
#define KPA 1e3
#define MPA 1e6

/* ---- thickness at age 35 y, per layer and site --------------------------------------------- */
/* Sites: face, forearm, abdomen, thigh, back (enum ns_site order). */
static const struct ns_skin_value thickness[NS_NLAYERS][NS_NSITES] = {
    [NS_LAYER_STRATUM_CORNEUM] =
        {
            {14.1 * UM, "Tsugita 2013 Skin Res Technol: OCT, mean SC of 11 face+body sites, 116 women (face value not separated)", 0},
            {18.3 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, dorsal forearm SC 18.3 (SD 4.9) um, n=71", 0},
            {14.9 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, buttock SC 14.9 um, n=71 (proxy: no abdomen value)", 0},
            {14.9 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, buttock SC 14.9 um, n=71 (proxy: no thigh value)", 0},
            {11.0 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, shoulder SC 11.0 um, n=71 (proxy for back)", 0},
        },
    [NS_LAYER_EPIDERMIS] =
        {
            {46.1 * UM, "derived: midpoint of 29.6..62.6 um, Chopra 2015 Aesthet Surg J 35:1007, histology, 39 facial subunits, 10 cadavers", 1},
            {56.6 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, dorsal forearm cellular epidermis 56.6 (SD 11.5) um, n=71", 0},
            {81.5 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, buttock cellular epidermis 81.5 um (proxy for abdomen)", 0},
            {81.5 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, buttock cellular epidermis 81.5 um (proxy for thigh)", 0},
            {70.3 * UM, "Sandby-Moller 2003 Acta Derm Venereol 83:410: biopsy, shoulder cellular epidermis 70.3 um (proxy for back)", 0},
        },
    /* Papillary dermis = 0.2 x dermis, reticular = 0.8 x dermis ("upper fifth", textbook [S]). */
    [NS_LAYER_PAPILLARY_DERMIS] =
        {
            {273 * UM, "derived: 0.2 x 1364 um dermis (midpoint 758.9..1969.2 um, Chopra 2015 Aesthet Surg J, 39 facial subunits); 0.2 = textbook upper fifth [S]", 1},
            {159 * UM, "derived: 0.2 x 795 um dermis (870 um skin, Lawrence 1985 Br J Dermatol ultrasound forearm, minus epidermis); 0.2 = upper fifth [S]", 1},
            {421 * UM, "derived: 0.2 x 2104 um dermis (2.2 mm skin, Gibney 2010 Curr Med Res Opin ultrasound abdomen, n=388, minus epidermis); 0.2 [S]", 1},
            {361 * UM, "derived: 0.2 x 1804 um dermis (1.9 mm skin, Gibney 2010 Curr Med Res Opin ultrasound thigh, n=388, minus epidermis); 0.2 [S]", 1},
            {388 * UM, "derived: 0.2 x 1942 um dermis (Lee & Hwang 2002 Surg Radiol Anat 24:183, histology, back, Korean 16-50 y); 0.2 = upper fifth [S]", 1},
        },
    [NS_LAYER_RETICULAR_DERMIS] =
        {
            {1091 * UM, "derived: 0.8 x 1364 um dermis (midpoint 758.9..1969.2 um, Chopra 2015 Aesthet Surg J, 39 facial subunits)", 1},
            {636 * UM, "derived: 0.8 x 795 um dermis (870 um skin, Lawrence 1985 Br J Dermatol ultrasound forearm, minus 74.9 um epidermis)", 1},
            {1683 * UM, "derived: 0.8 x 2104 um dermis (2.2 mm skin, Gibney 2010 Curr Med Res Opin ultrasound abdomen, minus 96.4 um epidermis)", 1},
            {1443 * UM, "derived: 0.8 x 1804 um dermis (1.9 mm skin, Gibney 2010 Curr Med Res Opin ultrasound thigh, minus 96.4 um epidermis)", 1},
            {1554 * UM, "derived: 0.8 x 1942 um dermis (Lee & Hwang 2002 Surg Radiol Anat 24:183, histology, back, 452 biopsies)", 1},
        },
    [NS_LAYER_HYPODERMIS] =
        {
            {3.38 * MM, "derived: midpoint of 1.61..5.14 mm superficial fat over 7 facial regions, Kim 2019 Clin Anat, 3D scan, 53 cadavers", 1},
            {10.8 * MM, "Gibney 2010 Curr Med Res Opin 26:1519: ultrasound subcutaneous layer, upper arm 10.8 mm, n=388 (proxy: no forearm value)", 0},
            {13.9 * MM, "Gibney 2010 Curr Med Res Opin 26:1519: ultrasound subcutaneous layer, abdomen 13.9 mm, n=388 adults with diabetes", 0},
            {10.4 * MM, "Gibney 2010 Curr Med Res Opin 26:1519: ultrasound subcutaneous layer, thigh 10.4 mm, n=388 adults with diabetes", 0},
            {15.4 * MM, "Gibney 2010 Curr Med Res Opin 26:1519: ultrasound subcutaneous layer, buttocks 15.4 mm (proxy: no back value)", 0},
        },
};

/* ---- site-independent layer parameters ---------------------------------------------------- */
/* Shared texts. */
#define SRC_NU_E "derived: nu=(3K-2mu)/(2(3K+mu)), mu=2*C10=0.24 MPa, K=5.45 MPa (Tran 2007 CMBBE 10:401, in-vivo indentation+MRI, forearm)"
#define SRC_NU_D "derived: nu=(3K-2mu)/(2(3K+mu)), mu=2*C10=2.22 MPa, K=29.6 MPa (Tran 2007 CMBBE 10:401, in-vivo indentation+MRI, forearm)"
#define SRC_NU_H "derived: nu=(3K-2mu)/(2(3K+mu)), mu=2*C10=0.84 kPa, K=36.0 kPa (Tran 2007 CMBBE 10:401, in-vivo indentation+MRI, forearm)"
#define SRC_ALPHA "neo-Hookean (Ogden alpha=2): the verified in-vivo layer fits are neo-Hookean (Tran 2007, Hendriks 2006, Sims 2010)"
#define SRC_E_EPI "Geerligs 2011 J Biomech 44:1176: in-vitro micro-indentation perpendicular to surface + inverse FE, SC and VE both 1-2 MPa; midpoint"
#define SRC_E_DERMIS \
  "derived: 40 kPa x (1-0.72) relaxed; ~40 kPa dermis, Feng 2022 Acta Biomater 146:295, in-vivo forearm OCE 0.2-1 kHz (unrelaxed)"
#define SRC_G_FAST "derived: 0.72/2; sum g=1-G_inf, G_inf=0.28, Wang 2015 PLoS One e0120897 QLV compression; equal split between 2 terms assumed"
#define SRC_TAU_FAST "PMID 23604906 (2013): in-vivo pressure step, 32 subjects 20-58 y, fast exponential ~10 ms (rises with age; not encoded)"
#define SRC_TAU_SLOW "slow time constant: see age series (PMID 23604906)"
/* Toughness at needle-insertion scale (docs/skin-model.md section 4 explains the choice; the
 * micro-penetrator value of Meliga 2017, 10 J/m^2, is the lower end of the sensitivity range). */
#define SRC_GC_NEEDLE "CJME 2022 review (doi 10.1186/s10033-022-00767-4) Table 2: porcine skin, needle insertion, 1136 J/m^2 [S]"
#define SRC_GC_WHOLE " (whole-skin value; no layer-resolved needle-scale G_c found)"
/* Tensile strength: ultimate tensile strength of excised human skin (dermis-dominated). */
#define SRC_UTS "Ni Annaidh 2012 J Mech Behav Biomed Mater 5:139: excised back skin, tension 0.012/s, n=56, UTS 21.6 +- 8.4 MPa"
#define SRC_UTS_ASSUMED " (assumed: whole-skin UTS; no separate value for this layer retrieved)"
#define SRC_MU_F \
  "Veijgen 2012 Tribol Lett 49:251: skin vs steel/Al/PE/PTFE in vivo, 450 measurements, median dynamic 0.36 (steel highest)"
#define SRC_MU_F_IN "assumed = skin-surface value 0.36 (Veijgen 2012 Tribol Lett 49:251); no in-tissue needle friction coefficient found"
#define SRC_RHO_EPI "derived: midpoint of 1110-1190 kg/m^3, epidermis, Table 1 of Burns 2017 43:909 (review, PMC5459687)"
#define SRC_RHO_DERMIS "Burns 2017 43:909 (review, PMC5459687), Table 1: dermis 1116 kg/m^3"

/* Collagen fibre term (material.h): off in the reference table until the evidence of
 * docs/penetration_parameters.md section 6 decides; candidates per layer are listed there. */
#define SRC_FIBRE_OFF "off by default (no fibre term); candidates in docs/penetration_parameters.md section 6"
/* Dispersion 1/3 = isotropic fibres (material.h): the law of session 5, kept as the default so that
 * turning fibres on with k1 and k2 alone behaves as before; planar candidates in section 6.7. */
#define SRC_FIBRE_ISO "isotropic fibre dispersion 1/3 by default (GOH limit); planar candidates in docs/penetration_parameters.md section 6.7"

static const struct ns_skin_layer_data layer_data[NS_NLAYERS] = {
    [NS_LAYER_STRATUM_CORNEUM] =
        {
            .youngs_modulus = {1.5 * MPA, SRC_E_EPI " (as relaxed, h=0.5)", 0},
            .poisson_ratio = {0.478, SRC_NU_E " (epidermis value used for SC)", 1},
            .ogden_alpha = {2.0, SRC_ALPHA, 0},
            .fibre_k1 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_k2 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_dispersion = {1.0 / 3.0, SRC_FIBRE_ISO, 0},
            .nprony = 1,
            .prony_g = {{NAN, "see hydration series", 1}},
            .prony_tau = {{NAN, SRC_TAU_SLOW, 0}},
            .toughness = {1136.0, SRC_GC_NEEDLE SRC_GC_WHOLE, 0},
            .tensile_strength = {21.6 * MPA, SRC_UTS SRC_UTS_ASSUMED, 0},
            .friction_coefficient = {0.36, SRC_MU_F, 0},
            .density = {1150.0, SRC_RHO_EPI, 1},
        },
    [NS_LAYER_EPIDERMIS] =
        {
            .youngs_modulus = {1.5 * MPA, SRC_E_EPI " (as relaxed)", 0},
            .poisson_ratio = {0.478, SRC_NU_E, 1},
            .ogden_alpha = {2.0, SRC_ALPHA, 0},
            .fibre_k1 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_k2 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_dispersion = {1.0 / 3.0, SRC_FIBRE_ISO, 0},
            .nprony = 2,
            .prony_g = {{0.36, SRC_G_FAST, 1}, {0.36, SRC_G_FAST, 1}},
            .prony_tau = {{0.010, SRC_TAU_FAST, 0}, {NAN, SRC_TAU_SLOW, 0}},
            .toughness = {1136.0, SRC_GC_NEEDLE SRC_GC_WHOLE, 0},
            .tensile_strength = {21.6 * MPA, SRC_UTS SRC_UTS_ASSUMED, 0},
            .friction_coefficient = {0.36, SRC_MU_F_IN, 0},
            .density = {1150.0, SRC_RHO_EPI, 1},
        },
    [NS_LAYER_PAPILLARY_DERMIS] =
        {
            .youngs_modulus = {11.0 * KPA, SRC_E_DERMIS, 1},
            .poisson_ratio = {0.463, SRC_NU_D, 1},
            .ogden_alpha = {2.0, SRC_ALPHA, 0},
            .fibre_k1 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_k2 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_dispersion = {1.0 / 3.0, SRC_FIBRE_ISO, 0},
            .nprony = 2,
            .prony_g = {{0.36, SRC_G_FAST, 1}, {0.36, SRC_G_FAST, 1}},
            .prony_tau = {{0.010, SRC_TAU_FAST, 0}, {NAN, SRC_TAU_SLOW, 0}},
            .toughness = {1136.0, SRC_GC_NEEDLE " (dermis carries the whole-skin fracture)", 0},
            .tensile_strength = {21.6 * MPA, SRC_UTS, 0},
            .friction_coefficient = {0.36, SRC_MU_F_IN, 0},
            .density = {1116.0, SRC_RHO_DERMIS, 0},
        },
    [NS_LAYER_RETICULAR_DERMIS] =
        {
            .youngs_modulus = {11.0 * KPA, SRC_E_DERMIS, 1},
            .poisson_ratio = {0.463, SRC_NU_D, 1},
            .ogden_alpha = {2.0, SRC_ALPHA, 0},
            .fibre_k1 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_k2 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_dispersion = {1.0 / 3.0, SRC_FIBRE_ISO, 0},
            .nprony = 2,
            .prony_g = {{0.36, SRC_G_FAST, 1}, {0.36, SRC_G_FAST, 1}},
            .prony_tau = {{0.010, SRC_TAU_FAST, 0}, {NAN, SRC_TAU_SLOW, 0}},
            .toughness = {1136.0, SRC_GC_NEEDLE " (dermis carries the whole-skin fracture)", 0},
            .tensile_strength = {21.6 * MPA, SRC_UTS, 0},
            .friction_coefficient = {0.36, SRC_MU_F_IN, 0},
            .density = {1116.0, SRC_RHO_DERMIS, 0},
        },
    [NS_LAYER_HYPODERMIS] =
        {
            .youngs_modulus = {2.50 * KPA,
                               "derived: E=9K mu/(3K+mu), mu=2*C10=0.84 kPa, K=36.0 kPa, Tran 2007 CMBBE 10:401 in-vivo indentation+MRI, forearm",
                               1},
            .poisson_ratio = {0.488, SRC_NU_H, 1},
            .ogden_alpha = {2.0, SRC_ALPHA, 0},
            .fibre_k1 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_k2 = {0.0, SRC_FIBRE_OFF, 0},
            .fibre_dispersion = {1.0 / 3.0, SRC_FIBRE_ISO, 0},
            .nprony = 1,
            .prony_g = {{0.39, "Sims 2010 Biomech Model Mechanobiol 9:703: porcine subdermal fat, MRI + inverse FE, 1-term Prony 0.39 +- 0.03", 0}},
            .prony_tau = {{700.0, "Sims 2010 Biomech Model Mechanobiol 9:703: porcine subdermal fat, confined indentation, tau 700 +- 255 s", 0}},
            .toughness = {272.4,
                          "derived: 1136 J/m^2 (skin, needle) x 4100/17100, adipose/skin trouser-tear toughness, porcine, CJME 2022 review Table 2 [S]",
                          1},
            .tensile_strength = {5.18 * MPA,
                                 "derived: 21.6 MPa (Ni Annaidh 2012) x 4100/17100 (same ratio as G_c, so 2 G_c/sigma_c equals the skin's); "
                                 "no adipose UTS retrieved",
                                 1},
            .friction_coefficient = {0.36, SRC_MU_F_IN, 0},
            .density = {971.0, "Burns 2017 43:909 (review, PMC5459687), Table 1: subcutaneous fat 971 kg/m^3", 0},
        },
};

/* ---- age series (ages 20..80 y) ----------------------------------------------------------- */
#define SRC_AGE_NONE_SC "Sandby-Moller 2003 (71 biopsies) and Lock-Andersen 1997 (buttock, 20-85 y): SC thickness not correlated with age"
static const struct ns_skin_row age_sc_thickness[] = {
    {20, 1.0, SRC_AGE_NONE_SC, 0},
    {80, 1.0, SRC_AGE_NONE_SC, 0},
};

/* Branchet 1990: epidermis -7.2 %/decade (men), -5.7 %/decade (women) of the original value;
 * mean 6.45 %/decade, linear loss from age 20: g(a) = 1 - 0.00645 (a - 20); factor g(a)/g(35). */
#define SRC_AGE_VE "derived: (1-0.00645(a-20))/(1-0.00645*15), Branchet 1990 Gerontology 36:28 epidermis -7.2/-5.7 %/decade (men/women), mean"
static const struct ns_skin_row age_ve_thickness[] = {
    {20, 1.1071, SRC_AGE_VE, 1}, {30, 1.0357, SRC_AGE_VE, 1}, {40, 0.9643, SRC_AGE_VE, 1}, {50, 0.8929, SRC_AGE_VE, 1},
    {60, 0.8215, SRC_AGE_VE, 1}, {70, 0.7501, SRC_AGE_VE, 1}, {80, 0.6787, SRC_AGE_VE, 1},
};

/* Branchet 1990: total dermis -6 %/decade in men and women: g(a) = 1 - 0.006 (a - 20). */
#define SRC_AGE_D "derived: (1-0.006(a-20))/(1-0.006*15), Branchet 1990 Gerontology 36:28 total dermis -6 %/decade, upper inner arm biopsies"
static const struct ns_skin_row age_dermis_thickness[] = {
    {20, 1.0989, SRC_AGE_D, 1}, {30, 1.0330, SRC_AGE_D, 1}, {40, 0.9670, SRC_AGE_D, 1}, {50, 0.9011, SRC_AGE_D, 1},
    {60, 0.8352, SRC_AGE_D, 1}, {70, 0.7692, SRC_AGE_D, 1}, {80, 0.7033, SRC_AGE_D, 1},
};

#define SRC_AGE_NONE_H "no age trend of subcutaneous thickness retrieved; held constant"
static const struct ns_skin_row age_none_hypodermis[] = {
    {20, 1.0, SRC_AGE_NONE_H, 0},
    {80, 1.0, SRC_AGE_NONE_H, 0},
};

/* Agache 1980: Young's modulus (torsion, 138 subjects 3-89 y) doubles with age; Diridollou 2001:
 * E (suction, 206 subjects) rises linearly with age. Read as linear doubling from 20 to 80 y:
 * g(a) = 1 + (a - 20)/60; factor g(a)/g(35). */
#define SRC_AGE_E "derived: (1+(a-20)/60)/1.25: E doubles 20->80 y, linear; Agache 1980 Arch Dermatol Res 269:221, Diridollou 2001 Int J Cosmet Sci"
static const struct ns_skin_row age_dermis_modulus[] = {
    {20, 0.8000, SRC_AGE_E, 1}, {30, 0.9333, SRC_AGE_E, 1}, {40, 1.0667, SRC_AGE_E, 1}, {50, 1.2000, SRC_AGE_E, 1},
    {60, 1.3333, SRC_AGE_E, 1}, {70, 1.4667, SRC_AGE_E, 1}, {80, 1.6000, SRC_AGE_E, 1},
};

/* PMID 23604906: slow time constant 0.1..1 s over 20..58 y, rising with age. Read as log-linear
 * 0.1 s at 20 y to 1 s at 60 y, held at 1 s beyond (no data past 58 y). */
#define SRC_AGE_TAU "derived: 0.1 s x 10^((a-20)/40), held at 1 s past 60 y; PMID 23604906 in-vivo slow tau 0.1-1 s rising with age (20-58 y)"
static const struct ns_skin_row age_tau_slow[] = {
    {20, 0.100, SRC_AGE_TAU, 1}, {30, 0.178, SRC_AGE_TAU, 1}, {40, 0.316, SRC_AGE_TAU, 1}, {50, 0.562, SRC_AGE_TAU, 1},
    {60, 1.000, SRC_AGE_TAU, 1}, {70, 1.000, SRC_AGE_TAU, 1}, {80, 1.000, SRC_AGE_TAU, 1},
};

#define NROW(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const struct ns_skin_series s_age_sc_thickness = {"Sandby-Moller 2003", "1", NROW(age_sc_thickness), age_sc_thickness};
static const struct ns_skin_series s_age_ve_thickness = {"Branchet 1990", "1", NROW(age_ve_thickness),
                                                         age_ve_thickness};
static const struct ns_skin_series s_age_dermis_thickness = {"Branchet 1990", "1",
                                                             NROW(age_dermis_thickness), age_dermis_thickness};
static const struct ns_skin_series s_age_none_hypodermis = {"no age trend", "1", NROW(age_none_hypodermis),
                                                            age_none_hypodermis};
static const struct ns_skin_series s_age_dermis_modulus = {"Agache 1980", "1", NROW(age_dermis_modulus),
                                                           age_dermis_modulus};
static const struct ns_skin_series s_age_tau_slow = {"PMID 23604906", "s", NROW(age_tau_slow), age_tau_slow};

/* ---- stratum corneum hydration series (hydration 0..1) ------------------------------------ */
/* Yuan & Verma 2006: dry vs hydrated SC moduli differ by an order of magnitude (AFM and
 * nano-indentation, compression). Read as log-linear in hydration, factor 10^(0.5 - h). */
#define SRC_HYD_E "derived: 10^(0.5-h), one decade dry->hydrated, Yuan & Verma 2006 Colloids Surf B 48:6, AFM + nano-indentation of isolated SC"
static const struct ns_skin_row hyd_modulus[] = {
    {0.00, 3.1623, SRC_HYD_E, 1}, {0.25, 1.7783, SRC_HYD_E, 1}, {0.50, 1.0, SRC_HYD_E, 1},
    {0.75, 0.5623, SRC_HYD_E, 1}, {1.00, 0.3162, SRC_HYD_E, 1},
};

/* Wildnauer 1971: work of fracture of human SC +600 % (x7) from 0 to 100 % RH (tension).
 * Read as log-linear in hydration, factor 7^(h - 0.5), relative hydration = RH. */
#define SRC_HYD_GC "derived: 7^(h-0.5), work of fracture +600 % from 0 to 100 % RH, Wildnauer 1971 J Invest Dermatol 56:72, tension, human SC"
static const struct ns_skin_row hyd_toughness[] = {
    {0.00, 0.3780, SRC_HYD_GC, 1}, {0.25, 0.6148, SRC_HYD_GC, 1}, {0.50, 1.0, SRC_HYD_GC, 1},
    {0.75, 1.6266, SRC_HYD_GC, 1}, {1.00, 2.6458, SRC_HYD_GC, 1},
};

/* Yuan & Verma 2006: tan delta rises from ~0.1 (dry) to 0.25 (hydrated), nano-DMA. For one
 * Prony term (standard linear solid) the peak loss tangent is g / (2 sqrt(1 - g)); solving gives
 * g = 0.18 and 0.39 (lower bounds: a measured tan delta is at most the peak). */
#define SRC_HYD_G "derived: g/(2 sqrt(1-g)) = tan delta 0.1 (dry) / 0.25 (hydrated), Yuan & Verma 2006 Colloids Surf B 48:6, nano-DMA of SC"
static const struct ns_skin_row hyd_prony_g1[] = {
    {0.00, 0.18, SRC_HYD_G, 1},
    {1.00, 0.39, SRC_HYD_G, 1},
};

/* Wildnauer 1971: breaking strength of human SC -85 % (x0.15) from 0 to 100 % RH (tension).
 * Read as log-linear in hydration, factor 0.15^(h - 0.5). */
#define SRC_HYD_UTS "derived: 0.15^(h-0.5), breaking strength -85 % from 0 to 100 % RH, Wildnauer 1971 J Invest Dermatol 56:72, tension, human SC"
static const struct ns_skin_row hyd_strength[] = {
    {0.00, 2.5820, SRC_HYD_UTS, 1}, {0.25, 1.6069, SRC_HYD_UTS, 1}, {0.50, 1.0, SRC_HYD_UTS, 1},
    {0.75, 0.6223, SRC_HYD_UTS, 1}, {1.00, 0.3873, SRC_HYD_UTS, 1},
};

static const struct ns_skin_series s_hyd_modulus = {"Yuan & Verma 2006", "1", NROW(hyd_modulus), hyd_modulus};
static const struct ns_skin_series s_hyd_toughness = {"Wildnauer 1971", "1", NROW(hyd_toughness),
                                                      hyd_toughness};
static const struct ns_skin_series s_hyd_prony_g1 = {"Yuan & Verma 2006", "1", NROW(hyd_prony_g1), hyd_prony_g1};
static const struct ns_skin_series s_hyd_strength = {"Wildnauer 1971 strength", "1", NROW(hyd_strength), hyd_strength};

/* ---- accessors ---------------------------------------------------------------------------- */
const struct ns_skin_value *ns_skin_data_thickness(enum ns_layer_id layer, enum ns_site site) {
  if ((unsigned)layer >= NS_NLAYERS || (unsigned)site >= NS_NSITES) return NULL;
  return &thickness[layer][site];
}

const struct ns_skin_layer_data *ns_skin_data_layer(enum ns_layer_id layer) {
  if ((unsigned)layer >= NS_NLAYERS) return NULL;
  return &layer_data[layer];
}

const struct ns_skin_series *ns_skin_data_age(enum ns_skin_age_qty q, enum ns_layer_id layer) {
  if ((unsigned)layer >= NS_NLAYERS) return NULL;
  switch (q) {
  case NS_SKIN_AGE_THICKNESS:
    switch (layer) {
    case NS_LAYER_STRATUM_CORNEUM:
      return &s_age_sc_thickness;
    case NS_LAYER_EPIDERMIS:
      return &s_age_ve_thickness;
    case NS_LAYER_PAPILLARY_DERMIS:
    case NS_LAYER_RETICULAR_DERMIS:
      return &s_age_dermis_thickness;
    case NS_LAYER_HYPODERMIS:
      return &s_age_none_hypodermis;
    default:
      return NULL;
    }
  case NS_SKIN_AGE_MODULUS:
    /* Torsion and suction probe the dermis; no age series for the other layers' moduli. */
    if (layer == NS_LAYER_PAPILLARY_DERMIS || layer == NS_LAYER_RETICULAR_DERMIS) return &s_age_dermis_modulus;
    return NULL;
  case NS_SKIN_AGE_TAU_SLOW:
    return &s_age_tau_slow;
  default:
    return NULL;
  }
}

const struct ns_skin_series *ns_skin_data_hydration(enum ns_skin_hyd_qty q) {
  switch (q) {
  case NS_SKIN_HYD_MODULUS:
    return &s_hyd_modulus;
  case NS_SKIN_HYD_TOUGHNESS:
    return &s_hyd_toughness;
  case NS_SKIN_HYD_PRONY_G1:
    return &s_hyd_prony_g1;
  case NS_SKIN_HYD_STRENGTH:
    return &s_hyd_strength;
  default:
    return NULL;
  }
}
