/* voldeg.h — removing part of a cell's mean-dilatation volumetric energy, shared by the
 * phase-field damage (damage.c: the tensile part of cracked cells) and the penetration study's
 * sacrificial core (penetration.c: the whole volumetric part of cut core cells). Private to sim/.
 *
 *   ns_voldeg_cell  V U(Jbar) of one cell and, scaled by -fac, its residual and tangent
 *                   contributions (the mechanics' mean-dilatation term of mech_kernels.c)
 */
#ifndef NS_VOLDEG_H
#define NS_VOLDEG_H

#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/smat.h"

/* Which part of U(Jbar) is removed: all of it, or only the tensile part (Jbar > 1). */
enum ns_voldeg_part { NS_VOLDEG_ALL, NS_VOLDEG_TENSION };

/* Cell (i, j, k) of g (ndim 2: axisymmetric, 3: 3D; displacements node-major, ndim per node):
 * *energy = V U(Jbar) (0 for NS_VOLDEG_TENSION when Jbar <= 1), and, when residual is given and
 * fac != 0, the contributions of E_c = -fac V U(Jbar):
 *   f_p -= fac U'(Jbar) b_p,  b_p = sum_q w_q cof F_q : D_p,
 *   K_pr = -fac [U''(Jbar) / V b_p b_r + U'(Jbar) sum_q w_q D_p : d2J/dF2 : D_r],
 *   d2J/dF_iJ dF_kL = (cof_iJ cof_kL - cof_iL cof_kJ) / J,
 * added to residual and (when not NULL) to the block-stencil matrix K. Returns 1 (nothing added,
 * *energy NAN) when det F <= 0 at a Gauss point, else 0. */
int ns_voldeg_cell(const struct ns_grid *g, int ndim, const struct ns_material *mat, int i, int j, int k,
                   const double *u, double fac, enum ns_voldeg_part part, double *residual, struct ns_smat *K,
                   double *energy);

/* Tensile part of the volumetric energy with the switch at J = 1 smoothed over 0 < J - 1 < eps
 * (eps > 0): U_+'' = s((J - 1) / eps) U'' with the ramp s(t) = 3 t^2 - 2 t^3 (0 for J <= 1, 1
 * for J >= 1 + eps), U_+(1) = U_+'(1) = 0. Beyond the ramp U_+ = U + a + b (J - 1 - eps) with the
 * ramp's deficits a = U_+(1 + eps) - U(1 + eps), b = U_+'(1 + eps) - U'(1 + eps): for the quadratic
 * law of material.h (U'' = kappa constant) U_+ = (kappa/2) ((J-1)^2 - eps (J-1) + 0.3 eps^2) in closed
 * form; for the logarithmic law (U'' varies) the ramp's integrals are evaluated by Gauss-Legendre
 * quadrature to rounding (voldeg.c), consistently in U_+, U_+' and U_+''.
 * 0 <= U_+'' <= U'', so U - c U_+ stays convex in J for 0 <= c <= 1, and compression (J <= 1) is
 * untouched. */
void ns_voldeg_tension(const struct ns_material *mat, double J, double eps, double *U, double *dU, double *d2U);

/* ns_voldeg_cell with part NS_VOLDEG_TENSION and U_+ of ns_voldeg_tension(eps) in place of U. */
int ns_voldeg_cell_smooth(const struct ns_grid *g, int ndim, const struct ns_material *mat, int i, int j, int k,
                          const double *u, double fac, double eps, double *residual, struct ns_smat *K,
                          double *energy);

#endif
