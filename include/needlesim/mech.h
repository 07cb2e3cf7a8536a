/* needlesim/mech.h — finite-strain mechanics (quasi-static or with inertia) on structured grids.
 *
 * The engine under every study (indentation, penetration, closure, roller drag): a total-
 * Lagrangian discretisation of the stored-energy functional with nodal displacements on a graded
 * tensor-product grid (grid.h), its residual and consistent tangent, boundary conditions, Newton
 * with a backtracking line search and adaptive time/load stepping with QLV history.
 *
 * Discretisation (docs/architecture.md "Mechanics discretisation"):
 *   - unknowns: nodal displacement, interleaved dof = node*ndim + c (axisymmetric: u_r, u_z;
 *     3D: u_x, u_y, u_z); bilinear/trilinear interpolation inside each cell;
 *   - isochoric energy W_iso(F) at the 2^ndim Gauss points (+-1/sqrt(3)); volumetric energy
 *     V_cell U(Jbar) with Jbar the cell average of det F (mean dilatation: the energy form of
 *     selective reduced integration, one volumetric constraint per cell; no volumetric locking,
 *     symmetric tangent). For rectangular cells and small strain Jbar is J at the cell centre;
 *     the average is what keeps homogeneous states exact on axisymmetric grids (weight r);
 *   - axisymmetric: weight 2*pi*r, F in (r, z, theta) order with F_thth = (r + u_r)/r at the
 *     Gauss points (never on the axis); u_r = 0 on axis nodes (r = 0) always;
 *   - one material per cell (uint8 id into an array of struct ns_material), QLV history per Gauss
 *     point (committed and trial copies; the trial copy is computed from the committed one);
 *   - assembly loops over cells in 2^ndim colours (index parity), so no two cells of one colour
 *     share a node and results are bitwise identical for any thread count;
 *   - Dirichlet dofs are eliminated symmetrically; linear solves with ns_mg_solve (mg.h): CG when
 *     the operator is symmetric, GMRES when an extra contribution declares itself nonsymmetric.
 *
 * Sign convention: the residual is R(u) = f_int(u) + f_extra(u) - f_ext(t), f_int = dPi/du [N].
 * Reaction on a constraint = sum of R over its constrained dofs = the force the constraint
 * exerts on the body (a punch pressing down on the top surface gives a negative z component).
 *
 * Loads: face conditions (free / fixed / sliding), regions of a face with prescribed displacement
 * components or prescribed pressure, a body-force callback b(X, t) [N/m^3 of reference volume],
 * a Dirichlet callback for arbitrary boundary data (manufactured solutions). Pressure is a DEAD
 * load: traction -p N on the reference face (N the outward reference normal); no follower term.
 *
 * Time: ns_mech_step(m, t_new) advances the committed state from ns_mech_time(m) to t_new in
 * adaptive substeps: each substep runs Newton; after convergence in <= opts.fast_iters iterations
 * the next substep grows by opts.dt_grow (capped by dt_max); after a failure (no convergence,
 * det F <= 0 at any quadrature point, line search failure, linear solver failure) the substep is
 * rolled back and halved; below dt_min the run stops with NS_ECONV and a message of the form
 *   "mech: step N at t = T s (dt = DT s < dt_min): REASON, residual R N (tolerance TOL N)".
 * The committed state is never NaN: on any failure it is the last accepted state.
 *
 * Dynamics (off by default; ns_mech_set_dynamics, sim/mech_dyn.c): inertia M a with a lumped
 * (row-sum, default) or consistent Q1 mass, generalized-alpha time integration (Chung & Hulbert
 * 1993; rho_inf = 1 is the trapezoidal rule) inside the same Newton: the effective tangent
 * K + (1 - am)/((1 - af) beta dt^2) M is added before Dirichlet elimination and stays symmetric
 * (CG). Velocity and acceleration are committed and rolled back with u. Substeps: the Newton
 * rule above capped by dt_max, and optionally a local error estimate (Zienkiewicz & Xie 1991,
 * ns_mech_dyn_opts.err_tol). With dynamics off every result is bit-identical to the
 * quasi-static core. Energy bookkeeping (ns_mech_energy) in both modes: kinetic, stored (free)
 * energy, QLV dissipation, work of each constraint region, loads and the extra contribution.
 *
 * Hooks for later studies:
 *   - ns_mech_degradation(): per-Gauss-point factor g in [0, 1] multiplying the isochoric stress
 *     and tangent (damage/phase field), default 1; write it between steps;
 *   - struct ns_mech_extra: a callback adding to the residual and tangent (needle contact), with
 *     a commit callback for its own history (friction) and a symmetric flag.
 *
 * Threading: callbacks (body force, Dirichlet data, scale functions) may be called from several
 * OpenMP threads at once and must be thread-safe (pure functions of their arguments).
 */
#ifndef NEEDLESIM_MECH_H
#define NEEDLESIM_MECH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mg.h"
#include "needlesim/smat.h"
#include "needlesim/status.h"

/* Faces of the grid box: face = 2*direction + side (side 0: minimum coordinate, 1: maximum).
 * Axisymmetric: direction 0 = r, 1 = z; 3D: 0 = x, 1 = y, 2 = z. */
enum ns_mech_face {
  NS_FACE_AXI_RMIN = 0,   /* axisymmetric r = r_min (the axis when r_min = 0) */
  NS_FACE_AXI_RMAX = 1,   /* axisymmetric r = r_max */
  NS_FACE_AXI_BOTTOM = 2, /* axisymmetric z = -depth */
  NS_FACE_AXI_TOP = 3,    /* axisymmetric z = 0 (skin surface) */
  NS_FACE_XMIN = 0,       /* 3D */
  NS_FACE_XMAX = 1,
  NS_FACE_YMIN = 2,
  NS_FACE_YMAX = 3,
  NS_FACE_BOTTOM = 4,     /* 3D z = -depth */
  NS_FACE_TOP = 5         /* 3D z = 0 (skin surface) */
};
#define NS_MECH_MAX_FACES 6

/* Top / bottom face of a grid, whatever its dimension. */
static inline int ns_mech_face_top(int ndim) { return 2 * (ndim - 1) + 1; }
static inline int ns_mech_face_bottom(int ndim) { return 2 * (ndim - 1); }

enum ns_mech_bc {
  NS_BC_FREE = 0, /* traction-free (natural) */
  NS_BC_FIXED,    /* all displacement components 0 */
  NS_BC_SLIDING   /* normal component 0, tangential free (also symmetry planes) */
};

/* Region of a face: the face nodes/points inside a disc or a box. Disc: distance from `centre`
 * measured in the face's tangential coordinates (axisymmetric top/bottom: |r - centre[0]|, i.e.
 * r <= radius for centre 0). Box: lo[d] <= X[d] <= hi[d] for the tangential directions d (use
 * +-HUGE_VAL for unbounded). Node membership uses a tolerance of 1e-9 of the domain size. */
enum ns_mech_shape { NS_SHAPE_DISC = 0, NS_SHAPE_BOX };
enum ns_mech_region_kind { NS_REGION_DISPLACEMENT = 0, NS_REGION_PRESSURE };

/* Time scale of a region's load: value(t) = base value * scale(t, ctx); NULL scale means 1. */
typedef double (*ns_mech_scale_fn)(double t, void *ctx);

struct ns_mech_region {
  enum ns_mech_region_kind kind;
  int face;                 /* enum ns_mech_face value for the grid's dimension */
  enum ns_mech_shape shape;
  double centre[3], radius; /* disc [m] */
  double lo[3], hi[3];      /* box [m] */
  unsigned comp_mask;       /* displacement: bit c set = component c prescribed */
  double value[3];          /* displacement: prescribed u_c [m] at scale 1 */
  double pressure;          /* pressure: [Pa] at scale 1 (positive pushes into the body) */
  ns_mech_scale_fn scale;
  void *scale_ctx;
};
#define NS_MECH_MAX_REGIONS 8

/* Body force per unit reference volume at reference point X (X[2] = 0 in 2D), time t: b[ndim]. */
typedef void (*ns_mech_body_fn)(const double X[3], double t, void *ctx, double b[3]);

/* General Dirichlet data on boundary nodes (every node on any grid face is offered): return the
 * mask of prescribed components (bit c) and write their values into u[c]. The mask must not
 * depend on t (it is read at t = 0 when the constraint set is built). */
typedef unsigned (*ns_mech_dirichlet_fn)(const double X[3], double t, void *ctx, double u[3]);

/* Extra contribution (needle contact, interface loads): add f_extra(u) to `residual` (ndof, same
 * sign as f_int) and, when K != NULL, its derivative to K (before Dirichlet elimination).
 * Return NS_ECONV to make the current substep fail and retry smaller (e.g. excessive
 * penetration); any other error aborts ns_mech_step. commit() is called when a substep is
 * accepted (may be NULL). symmetric = 0 switches the linear solver to GMRES. */
struct ns_mech_extra {
  enum ns_status (*eval)(void *ctx, const struct ns_grid *g, const double *u, double t, double dt,
                         double *residual, struct ns_smat *K, struct ns_err *err);
  void (*commit)(void *ctx, const double *u, double t);
  void *ctx;
  int symmetric;
};

struct ns_mech_opts {
  double newton_rtol;  /* ||R_free||_2 <= rtol * max(||f_int||_2, ||f_ext||_2) + atol ... */
  double newton_atol;  /* [N] ... absolute floor; 0 = 1e-12 * mu_max * (domain size)^2 */
  int newton_max_iter; /* Newton iterations per substep before it counts as failed */
  int ls_max_halvings; /* backtracking line search: at most this many step halvings */
  struct ns_linsolve_opts lin; /* Krylov options (method is overridden: CG or GMRES) */
  double dt_initial, dt_min, dt_max; /* [s] substep sizes (time is a load parameter for elastic problems) */
  double dt_grow;      /* growth factor after fast convergence (> 1) */
  int fast_iters;      /* "fast": converged in at most this many Newton iterations */
  int predictor;       /* 1: a quasi-static substep starts Newton from the linear extrapolation
                          u + (h / h_prev)(u - u_prev) of the last two committed states (free
                          dofs); a substep that fails from it is retried from u before halving.
                          Off by default: where the equilibrium is not unique (a softening bar
                          just past its elastic limit, test_damage) the extrapolated start picks
                          the localised branch instead of the homogeneous one */
  int band_lu;         /* 1: where the band matrix is small (2D grids, ns_mg_band_available) the
                          Newton systems are solved by GMRES preconditioned with a band LU of the
                          tangent (ns_mg_solve_band; one iteration) instead of multigrid; a failed
                          band solve falls back to multigrid. Off by default (multigrid; the
                          penetration study turns it on: docs/penetration.md section 5 item 15) */
};

/* Defaults: rtol 1e-8, atol 0 (automatic), 25 iterations, 10 halvings, linear rtol 1e-8 and
 * 500 iterations, dt_initial 1, dt_min 1e-6, dt_max 1e30, grow 1.5, fast 5, predictor off, band_lu off. */
struct ns_mech_opts ns_mech_opts_defaults(void);

/* One attempted substep, reported to the log callback. */
struct ns_mech_step_info {
  long step;          /* attempted substeps so far (1-based) */
  double t, dt;       /* end time of the substep and its length [s] */
  int accepted;       /* 1 accepted, 0 rolled back */
  int newton_iters;   /* Newton iterations (linear solves) */
  int linear_iters;   /* Krylov iterations summed over the Newton iterations */
  double residual;    /* final ||R_free||_2 [N] */
  double wall_s;      /* wall time of the attempt [s] */
  const char *reason; /* why it failed ("" when accepted) */
};
typedef void (*ns_mech_log_fn)(void *ctx, const struct ns_mech_step_info *info);

/* Cumulative counters (benchmarks). */
struct ns_mech_stats {
  long steps_accepted, steps_rejected;
  long newton_iters, linear_iters, residual_evals, tangent_evals;
  long predictor_retries; /* substeps that failed from the predictor and were retried from u */
  double t_assembly;  /* wall seconds in residual/tangent assembly (incl. extra contribution) */
  double t_linear;    /* wall seconds in linear solves, multigrid set-up included */
  double t_mg_setup;  /* of which multigrid set-up (coarse operators, smoother data) */
  double t_total;     /* wall seconds inside ns_mech_step */
  long direct_solves; /* failed Krylov solves replaced by a banded LU (ns_mg_solve_direct) */
};

struct ns_mech; /* opaque */

/* Create the mechanics state on `grid` (borrowed, must outlive m). mats[0..nmat-1] are copied;
 * cell_mat[cell] (cells ordered like nodes with n[d]-1 per direction) is copied and must be
 * < nmat. All faces start traction-free (plus u_r = 0 on the axis); u = 0, t = 0.
 * NS_EINPUT for bad materials or ids, NS_ENOMEM. Free with ns_mech_free. */
enum ns_status ns_mech_create(const struct ns_grid *grid, const struct ns_material *mats, int nmat,
                              const uint8_t *cell_mat, const struct ns_mech_opts *opts,
                              struct ns_mech **out, struct ns_err *err);
void ns_mech_free(struct ns_mech *m);

/* Boundary conditions; may be changed between steps (the constraint set is rebuilt). */
enum ns_status ns_mech_set_face(struct ns_mech *m, int face, enum ns_mech_bc bc, struct ns_err *err);
/* Add a region; *id (may be NULL) receives its index for ns_mech_reaction / _set_region. */
enum ns_status ns_mech_add_region(struct ns_mech *m, const struct ns_mech_region *r, int *id,
                                  struct ns_err *err);
/* Replace region id (e.g. move a punch, release a constraint by comp_mask = 0). */
enum ns_status ns_mech_set_region(struct ns_mech *m, int id, const struct ns_mech_region *r,
                                  struct ns_err *err);
void ns_mech_set_body_force(struct ns_mech *m, ns_mech_body_fn fn, void *ctx);
void ns_mech_set_dirichlet(struct ns_mech *m, ns_mech_dirichlet_fn fn, void *ctx);
void ns_mech_set_extra(struct ns_mech *m, const struct ns_mech_extra *extra); /* NULL clears */
/* Cancellation flag checked between Newton iterations (NS_EINTERRUPTED); NULL clears. */
void ns_mech_set_cancel(struct ns_mech *m, const volatile sig_atomic_t *flag);
void ns_mech_set_log(struct ns_mech *m, ns_mech_log_fn fn, void *ctx);
void ns_mech_set_opts(struct ns_mech *m, const struct ns_mech_opts *opts);
/* The options in force (e.g. to keep a caller's own substeps above dt_min). */
struct ns_mech_opts ns_mech_get_opts(const struct ns_mech *m);

/* Advance to t_new > ns_mech_time(m) (see the header comment). NS_ECONV, NS_EINTERRUPTED,
 * NS_EINPUT (t_new not after the current time), NS_ENOMEM, or errors of the extra callback. */
enum ns_status ns_mech_step(struct ns_mech *m, double t_new, struct ns_err *err);

double ns_mech_time(const struct ns_mech *m);
/* Substep length the next ns_mech_step starts with (adapted). */
double ns_mech_dt(const struct ns_mech *m);

/* Committed nodal displacement (ndof = nnodes*ndim, interleaved), borrowed. */
const double *ns_mech_displacement(const struct ns_mech *m);
/* Overwrite the committed displacement (restart, initial guess); history is kept. */
void ns_mech_set_displacement(struct ns_mech *m, const double *u);
size_t ns_mech_ndof(const struct ns_mech *m);
const struct ns_grid *ns_mech_grid(const struct ns_mech *m);

/* Force the constraints of region id exert on the body [N] at the committed state: f[c] = sum
 * of R over the region's nodes (component c), for all components whether constrained or not
 * (unconstrained ones are ~0 at equilibrium). Axisymmetric: f[1] is the total axial force; f[0]
 * is the radial force integrated around the circumference (not a net force: it cancels by
 * symmetry). With dynamics R includes the inertia M a of the constrained nodes (the force the
 * constraint must exert to move them). NS_EINPUT for a bad id, and between a change of the
 * constraints and the next step (the stored residual would belong to the old constraints). */
enum ns_status ns_mech_reaction(const struct ns_mech *m, int id, double f[3], struct ns_err *err);

/* Committed per-cell fields, borrowed (valid until the next ns_mech_step):
 *   stress[cell*6 + q]: Cauchy stress [Pa] averaged over the cell's Gauss points, components
 *     3D (xx, yy, zz, xy, yz, zx), axisymmetric (rr, zz, thth, rz, 0, 0);
 *   energy[cell]: stored energy density per reference volume [J/m^3], g*W_iso (instantaneous
 *     elastic isochoric energy, Gauss-point average, degraded) + U(J);
 *   jac[cell]: J = det F at the cell centre. */
const double *ns_mech_cell_stress(const struct ns_mech *m);
const double *ns_mech_cell_energy(const struct ns_mech *m);
const double *ns_mech_cell_jacobian(const struct ns_mech *m);

/* Per-Gauss-point isochoric degradation factors, writable between steps (default 1). Layout:
 * [cell * 2^ndim + gp], gp = a + 2b (+ 4c) with a, b, c = 0 (-1/sqrt 3) or 1 (+1/sqrt 3). */
double *ns_mech_degradation(struct ns_mech *m);
size_t ns_mech_ngauss(const struct ns_mech *m); /* cells * 2^ndim */

/* Undegraded instantaneous elastic isochoric energy density W_iso(F) [J/m^3 of reference volume]
 * at every Gauss point of the committed state, into psi[ns_mech_ngauss] (layout as
 * ns_mech_degradation): the driving force of a damage / phase-field model. */
void ns_mech_gauss_energy(const struct ns_mech *m, double *psi);

const struct ns_mech_stats *ns_mech_get_stats(const struct ns_mech *m);

/* ---- dynamics (inertia) -------------------------------------------------------------------- */

/* Mass matrix of the dynamics: M_ab = int rho N_a N_b dV (axisymmetric dV = 2 pi r dr dz), one
 * copy per displacement component. Consistent: the full 3^ndim-point stencil (exact with the
 * 2^ndim Gauss rule). Lumped: its row sums on the diagonal (positive, the mass of a node sits
 * at the node). Q1 dispersion of a plane wave with wavenumber k on cells h (1D chain):
 * lumped omega_h = omega (1 - (kh)^2/24 + ...), consistent omega_h = omega (1 + (kh)^2/24 + ...). */
enum ns_mech_mass { NS_MASS_LUMPED = 0, NS_MASS_CONSISTENT };

struct ns_mech_dyn_opts {
  double rho_inf;        /* spectral radius of the generalized-alpha map as omega dt -> infinity,
                            in [0, 1]; 1 = trapezoidal rule (no numerical dissipation) */
  enum ns_mech_mass mass;
  double err_tol;        /* > 0: adaptive substeps from the local error estimate (Zienkiewicz &
                            Xie 1991) eta = |(beta - 1/6) dt^2 (a_new - a_old)|_2 / |u_new - u_old|_2,
                            kept <= err_tol; 0: substeps from the Newton rule and dt_max only */
};

/* Defaults: rho_inf 0.8, lumped mass, err_tol 0. */
struct ns_mech_dyn_opts ns_mech_dyn_defaults(void);

/* Switch inertia on (enable != 0, opts NULL = defaults) or off (quasi-static, the behaviour of
 * a state that never had dynamics on, bit for bit). Requires density > 0 for every material
 * (NS_EINPUT otherwise). Velocity and acceleration are 0 at creation, unchanged by switching and
 * not updated while switched off. The free dofs' acceleration at the committed state is
 * recomputed from the equation of motion M a = -(f_int + f_extra - f_ext) before the next step
 * after switching on, after ns_mech_set_displacement and after the constraint set changed
 * (constrained dofs keep theirs). */
enum ns_status ns_mech_set_dynamics(struct ns_mech *m, int enable, const struct ns_mech_dyn_opts *opts,
                                    struct ns_err *err);
int ns_mech_dynamics_on(const struct ns_mech *m);

/* Committed nodal velocity / acceleration (ndof, interleaved; zeros without dynamics), borrowed. */
const double *ns_mech_velocity(const struct ns_mech *m);
const double *ns_mech_acceleration(const struct ns_mech *m);
/* Initial conditions: overwrite the committed velocity (all dofs, constrained ones included: a
 * prescribed-displacement region that moves at velocity V from now on must start with V). */
void ns_mech_set_velocity(struct ns_mech *m, const double *v);
/* Set the committed velocity of the dofs that region id constrains to v[c] (components in its
 * comp_mask), acceleration 0: the initial condition of a region whose scale makes it move at
 * constant velocity, u = u_now + v (t - t_now). Prescribed dofs follow the same Newmark
 * relations as free ones (their u from the region, v and a from the scheme), which reproduce a
 * motion at most quadratic in time exactly when it starts with its own v and a. NS_EINPUT for
 * a bad id. */
enum ns_status ns_mech_set_region_velocity(struct ns_mech *m, int id, const double v[3], struct ns_err *err);

/* Energy bookkeeping (both quasi-static and dynamic). Work terms are cumulative over accepted
 * substeps since creation or ns_mech_energy_reset, trapezoidal in time:
 *   dW_region = sum over the region's constrained dofs of (Rc_old + Rc_new)/2 (u_new - u_old),
 * Rc the constraint force on the body (ns_mech_reaction; with dynamics it includes M a), likewise
 * dW_load with the external forces (pressure regions, body force) on all dofs and
 * dW_extra = -(f_extra_old + f_extra_new)/2 . (u_new - u_old) (f_extra of the extra contribution,
 * taken as 0 before the first substep after ns_mech_set_extra). Axisymmetric values are for the
 * full 360 degree body. Balance: work_total = (stored + kinetic)_now - (stored + kinetic)_reset
 * + viscous + numerical, exact for linear elasticity and O(dt^2) otherwise; numerical is the
 * algorithmic dissipation of generalized-alpha (0 for rho_inf = 1 and without dynamics). */
struct ns_mech_energy {
  double kinetic;  /* (1/2) v . M v [J] (0 without dynamics) */
  double stored;   /* stored energy [J]: sum over Gauss points of w g (g_inf W_iso(F) + Psi_QLV)
                      plus V U(Jbar) per cell, Psi_QLV = ns_material_qlv_energy (the branch
                      energy rho |H_i|^2 / (4 mu g_i), material.h) */
  double strain;   /* integral of ns_mech_cell_energy (instantaneous elastic energy) [J] */
  double viscous;  /* cumulative QLV dissipation [J]: per substep the branches' stress work
                      (exact for the within-substep history of the recursive update,
                      ns_material_qlv_work) minus the change of Psi_QLV; stored + viscous is the
                      stress work at any strain (the small-strain rate |H|^2/(2 mu g tau) with
                      |H|^2/(4 mu g) was off by tens of % at 30 % strain; tests/unit/test_energy.c) */
  double numerical; /* cumulative algorithmic dissipation of generalized-alpha [J]: per substep,
                       over the free dofs, du . M a_alpha - (K_new - K_old)
                       + (1/2 - alpha_f) du . (Rq_new - Rq_old), the amount by which the scheme's
                       balance at the alpha level differs from the trapezoidal energy balance
                       (Rq = f_int + f_extra - f_ext, du = u_new - u_old, a_alpha = (1 - alpha_m)
                       a_new + alpha_m a_old); 0 for rho_inf = 1, > 0 on average for rho_inf < 1 */
  double work_region[NS_MECH_MAX_REGIONS]; /* cumulative work on the body by each displacement
                                              region's constraints [J] */
  double work_dirichlet; /* ... by dofs of the Dirichlet callback [J] */
  double work_load;      /* ... by pressure regions and the body force [J] */
  double work_extra;     /* ... by the extra contribution [J] */
  double work_total;     /* sum of the four work terms [J] */
};
/* Fill e at the committed state (stored and strain are computed here: one pass over the cells). */
void ns_mech_energy(const struct ns_mech *m, struct ns_mech_energy *e);
/* Zero the cumulative work and dissipation terms. */
void ns_mech_energy_reset(struct ns_mech *m);
/* Select cells (mask: one byte per cell in ns_mech_cell_index order, nonzero selected; borrowed:
 * the caller keeps it alive and unchanged until it selects NULL, i.e. none) whose QLV dissipation
 * is also summed apart from the next accepted substep on, starting from 0. The ledger itself
 * (ns_mech_energy) is unchanged. */
void ns_mech_energy_select(struct ns_mech *m, const unsigned char *mask);
/* The selected cells' share of ns_mech_energy's stored energy at the committed state [J] and
 * their QLV dissipation since ns_mech_energy_select [J] (both 0 with no selection). */
void ns_mech_energy_selected(const struct ns_mech *m, double *stored, double *viscous);

/* Checkpoint of the committed state (trial-and-restore, later restart): everything that
 * ns_mech_step reads of the past and that a step changes, i.e. time and the next substep length,
 * displacement (and the predictor's previous one), QLV history, degradation factors, committed
 * per-cell outputs and constraint forces, the energy bookkeeping (work, QLV and algorithmic
 * dissipation, f_ext and f_extra at the commit), velocity and acceleration (with dynamics: the
 * committed quasi-static residual and the acceleration flag). Not in it: the problem (grid,
 * materials, boundary conditions, regions, extra contribution, options; restore into the object
 * that saved, or one set up identically) and the statistics (ns_mech_stats keep counting the work
 * of a step that was undone). The buffer is caller-owned, ns_mech_state_size(m) bytes, a flat
 * copy (no pointers: it may be written to a file by the same build); it starts with a header
 * (kind, dof, cell and history counts) that ns_mech_state_restore checks (NS_EINPUT for another
 * problem or size). A step after a restore is bitwise the step that the saved state would have
 * taken. */
size_t ns_mech_state_size(const struct ns_mech *m);
void ns_mech_state_save(const struct ns_mech *m, void *buf);
enum ns_status ns_mech_state_restore(struct ns_mech *m, const void *buf, size_t size, struct ns_err *err);

/* The next substep's length (clamped to [dt_min, dt_max]); the quasi-static predictor starts
 * afresh from the committed state (after a change that the last substep's motion does not
 * describe, e.g. a release re-equilibrated in a short pseudo-time). */
void ns_mech_set_substep(struct ns_mech *m, double dt);

/* Low level (tests, contact development): residual R(u) at time t with the trial history of a
 * substep of length dt > 0 from the committed history (dt <= 0: elastic, no history), and when
 * K != NULL the tangent dR/du, with no boundary conditions applied. R has ndof entries. Returns
 * NS_ECONV when det F <= 0 somewhere. Does not change the committed state. */
enum ns_status ns_mech_eval(struct ns_mech *m, const double *u, double t, double dt, double *R,
                            struct ns_smat *K, struct ns_err *err);

#endif /* NEEDLESIM_MECH_H */
