/* needlesim/analytic.h — analytical reference solutions for the verification tests.
 *
 * Closed-form (or machine-precision semi-analytical) answers that the mechanics tests compare the
 * simulator against. Each function names its source; the derivations are in sim/analytic.c.
 * All quantities SI. E is Young's modulus, nu Poisson's ratio, E* = E/(1 - nu^2) the plane-strain
 * modulus of the half-space (rigid indenters, frictionless contact, small strain).
 *
 * 1. Rigid axisymmetric indenters on an elastic half-space (Sneddon 1965, Int. J. Eng. Sci.
 *    3:47-57, whose general formulas give all three; Hertz 1882 for the sphere):
 *      flat-ended cylinder, radius a:      F = 2 a E* d
 *      cone of half-angle theta (between the axis and the face):
 *                                          F = (2/pi) E* tan(theta) d^2,   contact radius
 *                                          a = (2/pi) d tan(theta)
 *      sphere (paraboloid) of radius R:    F = (4/3) E* R^(1/2) d^(3/2),   a = (R d)^(1/2)
 *    In terms of the angle beta = pi/2 - theta between the cone face and the undeformed surface,
 *    F = (2/pi) E* cot(beta) d^2: a sharper cone (small theta) needs less force.
 *
 * 2. Lame problems under internal pressure p (inner radius a, outer radius b, outer surface
 *    traction-free), small strain: thick spherical shell, and thick cylinder in plane strain.
 *    Linear elastic (bulk modulus K, shear modulus G) and linear viscoelastic with a Prony shear
 *    relaxation G(t) = G0 (g_inf + sum_i g_i exp(-t/tau_i)) and constant K under a step pressure
 *    p H(t) (elastic-viscoelastic correspondence principle, Lee 1955, Q. Appl. Math. 13:183; the
 *    answer is an exact sum of exponentials).
 *
 * 3. Homogeneous finite-strain states of the decoupled compressible neo-Hookean / one-term Ogden
 *    law of material.h, computed independently of sim/material.c from principal stretches:
 *    uniaxial stress and equibiaxial stress (the free stretch solved by bisection to the last bit).
 */
#ifndef NEEDLESIM_ANALYTIC_H
#define NEEDLESIM_ANALYTIC_H

#include "needlesim/config.h"
#include "needlesim/material.h"
#include "needlesim/status.h"

/* ---- 1. indentation of an elastic half-space ------------------------------------------------ */

/* Force [N] on a flat-ended rigid cylinder of radius `radius` [m] pressed `depth` [m] into a
 * half-space (E [Pa], nu): F = 2 a E d/(1 - nu^2). Boussinesq 1885; Sneddon 1965. */
double ns_analytic_flat_punch_force(double E, double nu, double radius, double depth);

/* Force [N] on a rigid cone of half-angle `half_angle` [rad] (between the axis and the face) at
 * tip depth `depth` [m]: F = (2/pi) tan(theta) E d^2/(1 - nu^2). Sneddon 1948 (Proc. Camb. Phil.
 * Soc. 44:492, "Boussinesq's problem for a rigid cone"), Sneddon 1965; Love 1939. */
double ns_analytic_cone_force(double E, double nu, double half_angle, double depth);

/* Contact radius [m] of that cone: a = (2/pi) d tan(theta). Sneddon 1965. */
double ns_analytic_cone_contact_radius(double half_angle, double depth);

/* Force [N] on a rigid sphere of radius R [m] at depth d [m]: F = (4/3) E/(1-nu^2) R^(1/2) d^(3/2).
 * Hertz 1882 (J. reine angew. Math. 92:156-171); Johnson 1985, Contact Mechanics, ch. 4; Sneddon 1965
 * (paraboloid). */
double ns_analytic_hertz_force(double E, double nu, double R, double depth);

/* Hertz contact radius [m]: a = (R d)^(1/2). */
double ns_analytic_hertz_contact_radius(double R, double depth);

/* ---- 2. Lame problems ------------------------------------------------------------------------ */

enum ns_lame_geometry {
  NS_LAME_SPHERE = 0,          /* thick spherical shell */
  NS_LAME_CYLINDER_PLANE_STRAIN /* thick cylinder, axial strain zero */
};

/* Radial displacement [m] at radius r (a <= r <= b) of a linear elastic shell/cylinder (bulk K,
 * shear G [Pa]) under internal pressure p [Pa]:
 *   sphere:    u = p a^3/(b^3 - a^3) [ r/(3K) + b^3/(4 G r^2) ]
 *   cylinder:  u = p a^2/(b^2 - a^2) [ r/(2(K + G/3)) + b^2/(2 G r) ]   (plane strain)
 * Lame 1852; Timoshenko & Goodier 1970, Theory of Elasticity (thick cylinder; spherical shell). */
double ns_analytic_lame_u(enum ns_lame_geometry geom, double a, double b, double p, double K, double G, double r);

/* Radial and hoop stress [Pa] at r; independent of the material (statically determinate given
 * the pressure), hence valid for the viscoelastic problem at every time as well:
 *   sphere:    s_rr = -p a^3 (b^3/r^3 - 1)/(b^3 - a^3),  s_tt = p a^3 (b^3/(2 r^3) + 1)/(b^3 - a^3)
 *   cylinder:  s_rr = -p a^2 (b^2/r^2 - 1)/(b^2 - a^2),  s_tt = p a^2 (b^2/r^2 + 1)/(b^2 - a^2) */
void ns_analytic_lame_stress(enum ns_lame_geometry geom, double a, double b, double p, double r, double *srr,
                             double *stt);

/* Step-response compliance C(t) = C_inf + sum_j amp_j exp(-rate_j t) (t >= 0), the inverse
 * Laplace transform of 1/(s h(s)) with h(s) = c0 + c1 s Gbar(s)/G0 and G(t)/G0 the normalised
 * Prony relaxation function. c0 = 0, c1 = G0 gives the shear creep compliance J(t). */
struct ns_compliance {
  int n;                        /* exponential terms (distinct, nonzero Prony terms) */
  double c_inf;                 /* C(infinity) = 1/(c0 + c1 g_inf) */
  double amp[NS_MAX_PRONY];     /* amp_j < 0 */
  double rate[NS_MAX_PRONY];    /* 1/s, inverse retardation times, > 0 */
};

/* Compliance for h(s) = c0 + c1 (g_inf + sum_i g_i s/(s + 1/tau_i)), g_inf = 1 - sum g_i
 * (c0 >= 0, c1 > 0, the Prony terms as in struct ns_material). NS_EINPUT for invalid data. */
enum ns_status ns_analytic_compliance(double c0, double c1, int nprony, const double *g, const double *tau,
                                      struct ns_compliance *out, struct ns_err *err);

/* C(t); 0 for t < 0 (before the step). */
double ns_analytic_compliance_eval(const struct ns_compliance *c, double t);

/* Viscoelastic Lame problem: step pressure p H(t) on a shell/cylinder of the small-strain limit of
 * a QLV material (G0 = m->mu instantaneous shear modulus, K = m->kappa, Prony terms of m). */
struct ns_lame_visco {
  enum ns_lame_geometry geom;
  double a, b, p, K;
  struct ns_compliance shear; /* J(t): inverse of 1/(s * s Gbar(s)) */
  struct ns_compliance bulk;  /* cylinder: M(t), inverse of 1/(s (K + s Gbar(s)/3)); sphere: unused */
};

enum ns_status ns_analytic_lame_visco_init(struct ns_lame_visco *L, enum ns_lame_geometry geom, double a, double b,
                                           double p, const struct ns_material *m, struct ns_err *err);

/* u(r, t) [m]:
 *   sphere:    u = p a^3/(b^3 - a^3) [ r/(3K) + (b^3/(4 r^2)) J(t) ]
 *   cylinder:  u = p a^2/(b^2 - a^2) [ (r/2) M(t) + (b^2/(2 r)) J(t) ]
 * 0 for t < 0; at t = 0 the elastic answer with G0, as t -> infinity the one with g_inf G0. */
double ns_analytic_lame_visco_u(const struct ns_lame_visco *L, double r, double t);

/* Inner-surface displacement u(a, t) [m]. */
double ns_analytic_lame_visco_u_inner(const struct ns_lame_visco *L, double t);

/* ---- 3. homogeneous finite-strain states ------------------------------------------------------ */

/* Principal Cauchy stresses [Pa] of the (elastic, instantaneous) material m for principal
 * stretches l[3] (closed form, independent of sim/material.c):
 *   sigma_a = (2 mu/(alpha J)) (lbar_a^alpha - (1/3) sum_b lbar_b^alpha) + U'(J),
 * lbar_a = J^(-1/3) l_a, alpha = 2 for neo-Hookean, U'(J) = kappa (J - 1) for the quadratic and
 * (kappa/2)(J - 1/J) for the logarithmic volumetric law (m->vol_law). */
void ns_analytic_principal_cauchy(const struct ns_material *m, const double l[3], double sig[3]);

/* Uniaxial stress: F = diag(stretch, lat, lat) with sigma_22 = sigma_33 = 0. Outputs the lateral
 * stretch `lat` and the nominal (1st Piola-Kirchhoff) stress P_11 = J sigma_11/stretch [Pa]
 * (either output may be NULL). NS_EINPUT for stretch <= 0 or an invalid material. */
enum ns_status ns_analytic_uniaxial(const struct ns_material *m, double stretch, double *lat, double *nominal,
                                    struct ns_err *err);

/* Equibiaxial stress: F = diag(stretch, stretch, l3) with sigma_33 = 0; outputs the thickness
 * stretch l3 and the nominal stress P_11 = P_22 [Pa]. */
enum ns_status ns_analytic_equibiaxial(const struct ns_material *m, double stretch, double *l3, double *nominal,
                                       struct ns_err *err);

#endif /* NEEDLESIM_ANALYTIC_H */
