/* needlesim/damage.h — phase-field fracture (variational, AT1 / AT2) coupled to the mechanics.
 *
 * The energy-based fracture law shared by the penetration, closure and drag studies
 * (docs/fracture.md): a nodal damage field d in [0, 1] on the mechanics grid, and the total energy
 *   E(u, d) = int g(d) psi_+(F) + psi_-(F) dV + Gamma(d),
 *   Gamma(d) = int G_c / c_w (w(d) / l + l |grad d|^2) dV,
 *   g(d) = (1 - k) (1 - d)^2 + k                                     (residual stiffness k),
 *   AT1: w(d) = d,   c_w = 8/3 (elastic phase up to a threshold; damage support 2 l per side),
 *   AT2: w(d) = d^2, c_w = 2   (damage grows from zero load on; profile exp(-|x|/l)),
 * with psi_+ = W_iso(F) + U(Jbar) for Jbar > 1 (isochoric + tensile volumetric energy) and
 * psi_- = U(Jbar) for Jbar <= 1 (compression is never degraded, so broken cells still resist
 * interpenetration). G_c [J/m^2] and l [m] are given per material id (= per layer).
 *
 * Discretisation (same as the mechanics, docs/architecture.md): d bilinear/trilinear in each
 * cell, the 2^ndim Gauss points of mech.h with the weight 2 pi r on axisymmetric grids. At Gauss
 * point q the isochoric degradation written into ns_mech_degradation() is g(d_q); the tensile
 * volumetric energy of a cell (mean dilatation: one Jbar per cell) is degraded by the cell's
 * volume-weighted mean g_c = sum_q w_q g(d_q) / V. The mechanics core degrades only W_iso, so
 * the volumetric part is applied through an ns_mech_extra contribution from this module
 * (ns_damage_mech_extra: f = -(1 - g_c) d/du [V U_+(Jbar)], with its exact tangent); it can wrap
 * another extra contribution (contact). The driving force per Gauss point is therefore
 *   psi_q = W_iso(F_q) + U_+(Jbar_cell),
 * which makes the discrete problem the exact stationarity condition of the discrete E(u, d).
 *
 * Damage sub-problem (u fixed): minimise the discrete E over d subject to d_n <= d <= 1 (d_n the
 * damage committed at the last load step: irreversibility; the upper bound is needed in the
 * discrete problem only). It is a convex quadratic program with the SPD matrix
 *   A = sum_q w_q [2 (1-k) H_q N N^T + 2 G_c l / c_w grad N grad N^T + (AT2) 2 G_c / (c_w l) N N^T]
 * and right side b = sum_q w_q [2 (1-k) H_q - (AT1) G_c / (c_w l)] N, solved by a projected
 * Newton method: symmetric projected Gauss-Seidel sweeps, then the Newton step on the nodes not
 * bound (one multigrid-PCG solve, mg.h, ncomp = 1), then a projected line search on the energy
 * (monotone, cannot cycle; see sim/damage.c). H_q is the driving
 * force psi_q, or its maximum over the committed history (Miehe, Hofacker & Welschinger 2010)
 * when params.history is set; the default (0) keeps the formulation variational so that the
 * energy balance W_ext = stored + Gamma holds for stable crack growth.
 *
 * Staggered (alternate-minimisation) coupling, driven by the study between mechanics steps:
 *   ns_damage_stagger: mech step to t_new with g(d) fixed -> solve d -> write g -> re-solve the
 *   mechanics -> ... until max_i |d_i^(k+1) - d_i^(k)| <= params.stagger_tol, then commit d.
 *   The mechanics API can only step forward in time, so re-solves advance the clock by a
 *   pseudo-time dt_iter (documented at ns_damage_stagger).
 *
 * Threading: assembly is coloured like the mechanics (2^ndim cell colours in fixed order),
 * energies are per-cell arrays summed serially in cell order: results are bitwise identical for
 * any thread count.
 */
#ifndef NEEDLESIM_DAMAGE_H
#define NEEDLESIM_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/mg.h"
#include "needlesim/status.h"

enum ns_damage_model { NS_DAMAGE_AT1 = 0, NS_DAMAGE_AT2 };

/* Fracture parameters of one material id (layer). */
struct ns_damage_layer {
  double gc;  /* J/m^2, critical energy release rate G_c (> 0) */
  double ell; /* m, regularisation length l (> 0); AT1: sigma_c = sqrt(3 G_c E / (8 l)) */
};

struct ns_damage_params {
  enum ns_damage_model model;
  double k_res;          /* 1, residual stiffness k of g(d) (0 <= k < 1) */
  double broken_d;       /* 1, a cell is "broken" when d > broken_d at all its nodes */
  int degrade_volumetric;/* 1: degrade the tensile volumetric energy U(Jbar > 1) too (needs the
                            extra contribution ns_damage_mech_extra installed); 0: W_iso only */
  int history;           /* 1: driving force = max over committed history (Miehe 2010) */
  double vol_smooth;     /* 1, width eps in Jbar of the smoothed tension/compression switch of the
                            volumetric degradation (U_+'' ramps from 0 at Jbar = 1 to U'' at
                            1 + eps, see sim/voldeg.h); 0: sharp switch at Jbar = 1 */
  double stagger_tol;    /* 1, staggered convergence: max nodal |d^(k+1) - d^(k)| */
  int stagger_max;       /* staggered iterations per load step before NS_ECONV */
  int active_max;        /* outer (Newton) iterations per damage solve before NS_ECONV */
  double solve_tol;      /* 1, damage solve converged when the projected Jacobi step
                            max_i |d_i - clamp(d_i - (A d - b)_i / A_ii)| <= solve_tol */
  struct ns_linsolve_opts lin; /* PCG options of the reduced linear systems */
};

/* Defaults: AT1, k = 1e-6, broken 0.95, volumetric degradation on, no history field, stagger
 * tolerance 1e-3 (at most 200 iterations), 100 outer iterations, solve_tol 1e-9, PCG rtol 1e-10. */
struct ns_damage_params ns_damage_params_defaults(void);

/* Normalisation c_w = 4 int_0^1 sqrt(w(s)) ds of the model (8/3 or 2). */
double ns_damage_cw(enum ns_damage_model model);

/* Degradation g(d) = (1 - k)(1 - d)^2 + k. */
static inline double ns_damage_g(double d, double k) { return (1.0 - k) * (1.0 - d) * (1.0 - d) + k; }

/* Result of one damage solve / staggered step. */
struct ns_damage_info {
  int active_iters;   /* outer (reduced Newton) iterations of the last solve */
  double kkt;         /* final projected Jacobi step of the last solve (see solve_tol) */
  int linear_iters;   /* PCG iterations summed (last solve) */
  int stagger_iters;  /* staggered iterations of the last ns_damage_stagger (mechanics solves) */
  double change;      /* max nodal |d - d_before| of the last solve */
  double d_max;       /* max nodal d */
  size_t n_active_lo, n_active_hi; /* nodes on the lower / upper bound */
};

struct ns_damage; /* opaque */

/* Create the damage state on `grid` (borrowed; must outlive dmg). mats[0..nmat-1] and
 * layers[0..nmat-1] are indexed by the material id cell_mat[cell] (the arrays given to
 * ns_mech_create; copied). d = 0, committed d = 0, history 0. NS_EINPUT for bad parameters,
 * NS_ENOMEM. Free with ns_damage_free. */
enum ns_status ns_damage_create(const struct ns_grid *grid, const struct ns_damage_params *params,
                                const struct ns_material *mats, const struct ns_damage_layer *layers, int nmat,
                                const uint8_t *cell_mat, struct ns_damage **out, struct ns_err *err);
void ns_damage_free(struct ns_damage *dmg);

/* Initial damage (pre-crack, notch): copies d0[nnodes] (clamped to [0, 1]) into the current and
 * committed field; committed values are lower bounds for all later solves. */
void ns_damage_set_field(struct ns_damage *dmg, const double *d0);

/* Current nodal damage [nnodes], borrowed. */
const double *ns_damage_field(const struct ns_damage *dmg);

/* Per-cell flags (1 = d > broken_d at every node of the cell), borrowed, cells ordered like the
 * mechanics (i fastest); refreshed by every solve / ns_damage_set_field. */
const uint8_t *ns_damage_broken(const struct ns_damage *dmg);
size_t ns_damage_ncells(const struct ns_damage *dmg);

/* Damage sub-problem for a given driving force psi[ngauss] [J/m^3 of reference volume] (layout
 * of ns_mech_degradation): minimise over d_committed <= d <= 1 (see the header comment). The
 * result becomes the current field; info (may be NULL) is filled. NS_ECONV when the active set
 * does not settle in params.active_max iterations or PCG fails; NS_EINPUT for a bad psi. */
enum ns_status ns_damage_solve(struct ns_damage *dmg, const double *psi, struct ns_damage_info *info,
                               struct ns_err *err);

/* Driving force psi_q = W_iso(F_q) (+ U_+(Jbar) when degrading the volumetric part) of the
 * mechanics' committed state into psi[ngauss]. */
void ns_damage_driving_force(struct ns_damage *dmg, const struct ns_mech *m, double *psi);

/* Write the degradation of the current field into the mechanics (ns_mech_degradation, and the
 * per-cell volumetric factors the extra contribution uses). */
void ns_damage_apply(struct ns_damage *dmg, struct ns_mech *m);

/* One damage update on the committed mechanics state: driving force, solve, apply. info->change
 * is the largest nodal change of d. */
enum ns_status ns_damage_update(struct ns_damage *dmg, struct ns_mech *m, struct ns_damage_info *info,
                                struct ns_err *err);

/* Commit the current field (end of a load step): new lower bound, history maximum updated. */
void ns_damage_commit(struct ns_damage *dmg);

/* Extra contribution degrading the tensile volumetric energy (see the header comment), chained
 * with `inner` (may be NULL; its eval is called first, its commit and symmetric flag are kept).
 * Install it with ns_mech_set_extra(m, &returned). The inner struct is copied. */
struct ns_mech_extra ns_damage_mech_extra(struct ns_damage *dmg, const struct ns_mech_extra *inner);

/* One staggered load step: ns_mech_step(m, t_new), then alternate damage solves and mechanics
 * re-solves until the damage changes by at most stagger_tol, then ns_damage_commit. Mechanics
 * re-solves step the clock from t to t + dt_iter (> 0) because mech.h has no re-solve at a fixed
 * time: for elastic materials with boundary data that do not change between t_new and the end
 * of the iterations (set regions with scale NULL before the call, or scale functions constant
 * there), any dt_iter gives the fixed-load re-solve exactly; for QLV materials choose
 * dt_iter << the shortest Prony time (the re-equilibration after damage growth is then
 * instantaneous, the glassy response). NS_ECONV when stagger_max is reached, or errors from the
 * mechanics / damage solves. */
enum ns_status ns_damage_stagger(struct ns_damage *dmg, struct ns_mech *m, double t_new, double dt_iter,
                                 struct ns_damage_info *info, struct ns_err *err);

/* Energies of the current state [J] (axisymmetric: of the full body of revolution). */
struct ns_damage_energy {
  double stored;   /* sum_q w_q g_q W_iso + sum_cells V (g_c U_+ + U_-)(Jbar), elastic */
  double fracture; /* Gamma(d) */
  double broken_volume; /* m^3, reference volume of broken cells */
  const double *stored_by_mat, *fracture_by_mat; /* [nmat], borrowed, per material id */
};

/* Compute the energies of the mechanics' committed state with the current damage field. For QLV
 * materials `stored` is the instantaneous elastic energy (the viscous part is not included). */
void ns_damage_energies(struct ns_damage *dmg, const struct ns_mech *m, struct ns_damage_energy *e);

/* Energy ledger of a quasi-static study: external work by trapezoidal integration of
 * force . displacement of the loading points, against stored + fracture + other dissipation
 * (viscous, friction: the study adds them). */
struct ns_damage_ledger {
  double work;     /* J, int f . du */
  double stored, fracture, dissipated_other; /* J, last values set by the study */
  double f_prev[3], u_prev[3];
  int started;
};

/* Start a ledger at the state (f, u) (force of the constraint on the body [N], displacement of
 * the loading point [m]; components that are not loaded must be 0 in f or constant in u). */
void ns_damage_ledger_init(struct ns_damage_ledger *L, const double f[3], const double u[3]);
/* Add the work of the increment from the previous (f, u) to this one (trapezoidal rule). */
void ns_damage_ledger_work(struct ns_damage_ledger *L, const double f[3], const double u[3]);
/* Relative balance error (W - stored - fracture - other) / max(|W|, stored + fracture + other). */
double ns_damage_ledger_error(const struct ns_damage_ledger *L);

#endif /* NEEDLESIM_DAMAGE_H */
