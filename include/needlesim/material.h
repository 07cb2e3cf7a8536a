/* needlesim/material.h — material laws per layer: hyperelasticity + QLV viscoelasticity.
 *
 * Decoupled (isochoric/volumetric) compressible hyperelasticity, Abaqus conventions so that
 * published fits transfer directly:
 *   neo-Hookean:     W = (mu/2) (I1bar - 3)                                + U(J)
 *   one-term Ogden:  W = (2 mu / alpha^2) (l1b^alpha + l2b^alpha + l3b^alpha - 3) + U(J)
 * with Fbar = J^(-1/3) F, I1bar = tr(Fbar^T Fbar), lib the principal stretches of Fbar. Ogden with
 * alpha = 2 equals neo-Hookean; mu is the initial shear modulus in both. The volumetric energy U(J)
 * is chosen by vol_law (enum ns_vol_law, config.h):
 *   quadratic (0, the default):  U = (kappa/2) (J - 1)^2        (Abaqus: 1/D1 (J-1)^2, D1 = 2/kappa)
 *       U' = kappa (J - 1), U'' = kappa; bounded as J -> 0 (U -> kappa/2, pressure -U' -> kappa),
 *       so a cell can be crushed to small J at finite energy;
 *   logarithmic:                 U = (kappa/4) (J^2 - 1 - 2 ln J)
 *       U' = (kappa/2) (J - 1/J), U'' = (kappa/2) (1 + 1/J^2); U -> infinity and -U' -> infinity as
 *       J -> 0, U'' > 0 for every J > 0 (Simo & Miehe 1992 CMAME 98:41; Ogden's 1972 volumetric
 *       function kappa beta^-2 (beta ln J + J^-beta - 1), Proc R Soc A 328:567, with beta = -2;
 *       compared with other volumetric functions by Doll & Schweizerhof 2000 J Appl Mech 67:17). Both laws have U(1) = U'(1) = 0 and U''(1) = kappa: they agree to second order in
 *       J - 1, so small-strain results (kappa the small-strain bulk modulus) are the same. For
 *       J <= 0, outside the domain, the logarithmic law returns the limits U = +inf, U' = -inf,
 *       U'' = +inf (never NaN); the mechanics rejects det F <= 0 at every Gauss point before it
 *       evaluates U at the cell mean Jbar, so those values never reach a residual.
 *
 * Collagen tension stiffening (optional, off when fibre_k1 = 0): an exponential fibre term is added
 * to the isochoric energy of either law, the Gasser-Ogden-Holzapfel (GOH, J R Soc Interface 2006)
 * fibre energy with a dispersion about the skin plane and the tension-only switch,
 *   W_f = (k1 / (2 k2)) (exp(k2 <E>^2) - 1),   <E> = max(E, 0)  (fibres carry no compression),
 *   E = H : Cbar - 1,   H = kappa_f I + (1 - 3 kappa_f) (I - n (x) n) / 2,
 *     = kappa_f (I1bar - 3) + (1 - 3 kappa_f) ((I1bar - I_n) / 2 - 1),   I_n = n . Cbar n,
 * Cbar = J^(-2/3) F^T F, n the skin normal in the reference configuration, kappa_f = fibre_dispersion
 * in [0, 1/3]. H is the GOH structure tensor kappa I + (1 - 3 kappa) a (x) a averaged over mean fibre
 * directions a spread uniformly in the skin plane (Holzapfel et al. 2015 J R Soc Interface 12:
 * 20150188 for planar dispersion), so the law is transversely isotropic about n: in-plane isotropic,
 * which is what the axisymmetric grid can represent. kappa_f = 0: all fibres in the skin plane;
 * kappa_f = 1/3: H = I/3, E = (I1bar - 3)/3 >= 0, the isotropic law of session 5 (E < 0 never
 * occurs, so the switch changes nothing there). At E = 0 (the rest state) the tangent is the
 * tension side's limit (stress and energy zero), so that loading from rest converges. With n_f GOH families of modulus k1_GOH, fibre_k1 =
 * n_f k1_GOH. At small strain eps, E = kappa_f O(eps^2) - (1 - 3 kappa_f) dev(eps)_nn + O(eps^2): at
 * kappa_f = 1/3 E is quadratic and W_f quartic (no small-strain stiffness), but for kappa_f < 1/3
 * E is LINEAR in the strain, so W_f = (k1/2)(1 - 3 kappa_f)^2 dev(eps)_nn^2 adds a small-strain
 * stiffness wherever dev(eps)_nn < 0 (in-plane stretch, e.g. k1 (1 - 3 kappa_f)^2 / 4 x e^2 / 2 for
 * incompressible in-plane uniaxial strain e) and none where the in-plane strain is compressive.
 * fibre_k1 is scaled like mu (instantaneous = long-term / g_inf in ns_material_from_layer) since the QLV
 * recursion acts on the whole isochoric stress, fibre term included.
 *
 * The skin normal n is the unit vector e_a with a = fibre_normal_axis, the index of the depth (z)
 * direction in the caller's ordering of F: the mechanics kernels (grid.h: the last grid direction
 * is z) use F in (r, z, theta) order axisymmetric, so a = 1, and in (x, y, z) order in 3D, so a = 2;
 * ns_mech_create sets a = ndim - 1 in its copies of the materials. ns_material_from_layer leaves
 * a = 0 (it does not know the grid); callers of ns_material_iso outside the mechanics module set it.
 * It is ignored while the law is isotropic (fibre_k1 = 0 or fibre_dispersion = 1/3).
 *
 * Quasi-linear viscoelasticity (Fung QLV, Prony series) on the isochoric part only (the bulk
 * response is elastic): with S_e the instantaneous isochoric 2nd Piola-Kirchhoff stress,
 *   S_iso(t) = g_inf S_e(t) + sum_i H_i(t),  g_inf = 1 - sum_i g_i,
 *   H_i^{n+1} = exp(-dt/tau_i) H_i^n + g_i (1 - exp(-dt/tau_i)) / (dt/tau_i) (S_e^{n+1} - S_e^n)
 * (the recursive update of Taylor, Pister & Goudreau 1970 / Simo & Hughes 1998 ch. 10:
 * unconditionally stable, exact for stress histories linear within a step). So mu is the
 * instantaneous shear modulus and g_inf*mu the long-term one.
 *
 * Tensors are 3x3 row-major (F[3*i+J]); 4th-order tangents A = dP/dF as A[(3*i+J)*9 + 3*k+L].
 * Axisymmetric kernels pass F with the hoop stretch in F[8] position (r, z, theta ordering is the
 * caller's business: the law is frame-indifferent and works on any 3x3 F with det F > 0; only the
 * planar fibre term needs to know which index is the skin normal: fibre_normal_axis above).
 */
#ifndef NEEDLESIM_MATERIAL_H
#define NEEDLESIM_MATERIAL_H

#include <stddef.h>

#include "needlesim/config.h"
#include "needlesim/status.h"

enum ns_hyper_model { NS_HYPER_NEOHOOKE = 0, NS_HYPER_OGDEN };

struct ns_material {
  enum ns_hyper_model model;
  double mu;      /* Pa, instantaneous initial shear modulus (> 0) */
  double kappa;   /* Pa, bulk modulus (> 0) */
  enum ns_vol_law vol_law; /* volumetric energy U(J) (above; config.h); 0 = quadratic, the default */
  double alpha;   /* 1, Ogden exponent (nonzero); ignored by neo-Hookean */
  double fibre_k1; /* Pa, instantaneous collagen fibre stiffness (>= 0; 0 = no fibre term, the default) */
  double fibre_k2; /* 1, collagen fibre exponent (> 0 when fibre_k1 > 0; ignored when fibre_k1 = 0) */
  double fibre_dispersion; /* 1, GOH dispersion kappa_f about the skin plane, in [0, 1/3] when fibre_k1 > 0
                            * (1/3 = isotropic; set it: a zeroed struct means all fibres in plane) */
  int fibre_normal_axis;   /* index 0..2 of the skin normal in the caller's F ordering (see above) */
  int nprony;     /* 0..NS_MAX_PRONY */
  double g[NS_MAX_PRONY];   /* relative moduli, each >= 0, sum < 1 */
  double tau[NS_MAX_PRONY]; /* s, relaxation times (> 0) */
  double density; /* kg/m^3 (inertia) */
  double prestretch;   /* 1, in-plane pre-stretch lambda of the grid configuration (in vivo); 0 or 1 with
                        * prestretch_z = 1: none (a zeroed struct has none); see "Pre-stretch" below */
  double prestretch_z; /* 1, through-thickness pre-stretch lambda_z (ns_material_set_prestretch solves it) */
};

/* Check a parameter set (positivity, sum g < 1, ...). NS_EINPUT with a message otherwise. */
enum ns_status ns_material_check(const struct ns_material *m, struct ns_err *err);

/* Isochoric elastic response at F (det F > 0): first Piola-Kirchhoff stress P (9), tangent
 * A = dP/dF (81, may be NULL), stored energy W (may be NULL). Returns nonzero when det F <= 0 or
 * the result is not finite (callers treat that as a failed Newton step). */
int ns_material_iso(const struct ns_material *m, const double F[9], double P[9], double A[81], double *W);

/* Volumetric response U(J), U'(J), U''(J) of m->vol_law (outputs may be NULL). For J <= 0 the
 * logarithmic law gives +inf, -inf, +inf (see above). */
void ns_material_vol(const struct ns_material *m, double J, double *U, double *dU, double *d2U);

/* The same, returning nonzero (outputs as above) when J <= 0 or J is not finite, or a result is not
 * finite: for callers that must reject a state rather than carry an infinite energy. */
int ns_material_vol_checked(const struct ns_material *m, double J, double *U, double *dU, double *d2U);

/* Name of a volumetric law: "quadratic", "logarithmic"; NULL when out of range. */
const char *ns_vol_law_name(enum ns_vol_law law);

/* Doubles of history per quadrature point for the QLV update: 6*(nprony+1) (H_i and the last
 * committed S_e, symmetric tensors as xx, yy, zz, xy, yz, zx); 0 when nprony == 0. */
size_t ns_material_state_size(const struct ns_material *m);

/* History of an undeformed, unstressed point (all zero). */
void ns_material_state_init(const struct ns_material *m, double *state);

/* Viscoelastic isochoric response over a step of length dt > 0 from the committed history
 * state_old (read only) to F: total isochoric P, consistent tangent A (may be NULL), and the
 * updated history in state_new (commit it by copying when the step is accepted). With
 * nprony == 0 this equals ns_material_iso. Returns nonzero like ns_material_iso. */
int ns_material_iso_visco(const struct ns_material *m, const double F[9], double dt, const double *state_old,
                          double *state_new, double P[9], double A[81]);

/* Energy bookkeeping of the QLV branches (mech energy ledger). The finite-strain QLV convolution
 * above has no Helmholtz potential (its branch stress H_i is a convolution of S_e, not the
 * derivative of an energy; Liu, Latorre & Marsden 2021), so the small-strain branch energy
 * |H_i|^2 / (4 mu g_i) and rate |H_i|^2 / (2 mu g_i tau_i) do not balance the stress work at finite
 * strain (uniaxial ramp to stretch 0.7: stored + dissipated = 1.9 x the work). The ledger is
 * therefore built from the branch STRESS WORK, which is exact:
 *   work:   sum_i int H_i : dE over a step, for the within-step history of the recursive update
 *           (S_e and E = (C - I)/2 linear in time: mean H_i = H_i^n phi(x) + g_i dS_e (1 - phi(x))/x,
 *           phi(x) = (1 - e^-x)/x, x = dt/tau_i);
 *   stored: sum_i rho(C) |H_i|^2 / (4 mu g_i), rho = 4 mu W_iso(C) / |S_e(C)|^2 (W_iso and S_e
 *           include the fibre term; rho -> 1 at small strain, where the quartic fibre energy
 *           vanishes faster than the neo-Hookean/Ogden one: the classical branch energy); it is exact for an instantaneous load from rest
 *           (H_i = g_i S_e gives g_i W_iso), vanishes with H_i, and is >= 0;
 *   dissipated = work - change of stored (tests/unit/test_energy.c; nondecreasing in
 *           ramp-and-hold, and in load reversals down to 5e-4 of the work).
 * The split between stored and dissipated is a definition; their sum is the work. */

/* Stored energy of the QLV branches [J/m^3 of reference volume] at F with history `state` (as
 * written by ns_material_iso_visco for that F). 0 without Prony terms or when det F <= 0. */
double ns_material_qlv_energy(const struct ns_material *m, const double F[9], const double *state);

/* Stress work of the QLV branches over a step of length dt > 0 from (F_old, state_old) to (F_new,
 * state_new) (state_new from ns_material_iso_visco at F_new) [J/m^3 of reference volume]. */
double ns_material_qlv_work(const struct ns_material *m, const double F_old[9], const double F_new[9], double dt,
                            const double *state_old, const double *state_new);

/* Pre-stretch (in-vivo pre-tension). The grid is the in-vivo, pre-stretched configuration; the
 * stress-free state lies behind it by the multiplicative initial deformation
 *   F0 = diag(lambda, lambda, lambda_z) with lambda_z on fibre_normal_axis (the skin normal),
 * so every function above, when the pre-stretch is on, evaluates the law at F F0 and returns values
 * per unit GRID volume (J0 = det F0 = lambda^2 lambda_z):
 *   W^(F) = (W(F F0) - W(F0)) / J0,   P^ = P(F F0) F0^T / J0,   A^_iJkL = A_iMkN(F F0) F0_JM F0_LN / J0,
 *   U^(J) = (U(J0 J) - U(J0)) / J0,   U^' = U'(J0 J),   U^'' = J0 U''(J0 J)
 * (J the grid Jacobian, the kernels' cell mean Jbar: J_total = J0 J). The energies are counted from
 * the pre-stressed state (W^(I) = U^(1) = 0), so ledgers that start at u = 0 stay closed: the
 * linear term P^(I) : Grad u integrates to the work of the pre-stress on the held boundary, zero
 * when the pre-stressed state is in equilibrium (lateral u_n held, top traction-free). QLV: the
 * history starts RELAXED, ns_material_state_init writes H_i = 0 and the last committed S_e = S_e(F0),
 * so the pre-stress is the long-term one, g_inf S_e(F0) + volumetric; ns_material_iso_visco,
 * qlv_energy and qlv_work see F F0 (their E is the total Green strain). ns_material_iso itself is
 * the instantaneous law at F F0 (with Prony terms its pre-stress is 1/g_inf of the relaxed one in
 * the isochoric part; the mechanics evaluates with dt > 0 whenever there is history). With the
 * pre-stretch off every function takes exactly the code path it took before (bitwise results). */

/* Switch the pre-stretch on: lambda >= 1 in-plane (equibiaxial), lambda_z from the plane-stress
 * condition sigma_zz = 0 of the LONG-TERM law (mu, fibre_k1 times g_inf, no Prony terms: the
 * in-vivo tension has relaxed long ago), solved by bisection in ln lambda_z to rounding. The normal
 * axis is m->fibre_normal_axis (the law is transversely isotropic about it, so lambda_z does not
 * depend on which index it is). lambda = 1 switches it off (prestretch = prestretch_z = 1).
 * NS_EINPUT for lambda < 1 or not finite, or when no lambda_z in [lambda^-2 / 4, 4 lambda^-2]
 * gives sigma_zz = 0 (a material that cannot be in plane stress there). */
enum ns_status ns_material_set_prestretch(struct ns_material *m, double lambda, struct ns_err *err);

/* Whether m carries a pre-stretch (prestretch and prestretch_z not both 1, prestretch > 0). */
int ns_material_has_prestretch(const struct ns_material *m);

/* Long-term (relaxed) Cauchy stress of the homogeneous pre-stressed state (F = I on the grid),
 * 6 entries (xx, yy, zz, xy, yz, zx) in the caller's ordering (the normal is fibre_normal_axis) [Pa];
 * all zero without pre-stretch. Nonzero when the law cannot be evaluated. */
int ns_material_prestress(const struct ns_material *m, double sigma[6]);

struct ns_skin_layer; /* skin.h */

/* Material of a resolved skin layer (skin.h): E there is the quasi-static long-term small-strain
 * modulus, so the long-term shear modulus is E/(2(1+nu)), the instantaneous one (mu here) is that
 * divided by g_inf = 1 - sum g_i, and kappa = E/(3(1-2nu)) (the bulk response does not relax).
 * alpha, the Prony terms, the volumetric law and the density are copied; the fibre stiffness k1 is a long-term value
 * like E (instantaneous fibre_k1 = k1/g_inf); k2 and the dispersion are copied and
 * fibre_normal_axis is set to 0 (the mechanics module sets it from the grid). `model` picks the energy.
 * A layer prestretch.value > 1 switches the pre-stretch on (ns_material_set_prestretch); a zeroed or
 * NAN value, or 1, leaves it off. NS_EINPUT with a
 * message naming the layer when the values are not a valid material (ns_material_check). */
enum ns_status ns_material_from_layer(const struct ns_skin_layer *L, enum ns_hyper_model model,
                                      struct ns_material *m, struct ns_err *err);

#endif /* NEEDLESIM_MATERIAL_H */
