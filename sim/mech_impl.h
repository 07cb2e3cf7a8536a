/* mech_impl.h — private layout of struct ns_mech, shared by the mechanics sources:
 *   sim/mech.c          set-up, boundary conditions, constraint set, external loads, accessors
 *   sim/mech_kernels.c  cell kernels: internal force, tangent, body force, per-cell outputs
 *   sim/mech_solve.c    Newton with line search, adaptive substeps, commit/rollback
 *   sim/mech_dyn.c      dynamics: mass matrix, generalized-alpha terms, energy bookkeeping
 * Nothing outside these files includes this header.
 */
#ifndef NEEDLESIM_MECH_IMPL_H
#define NEEDLESIM_MECH_IMPL_H

#include <stdint.h>

#include "needlesim/mech.h"

/* Where the value of a constrained dof comes from. */
enum { NS_MECH_SRC_NONE = -3, NS_MECH_SRC_ZERO = -2, NS_MECH_SRC_FN = -1 }; /* >= 0: region index */

/* Relative floor of the automatic Newton absolute tolerance: atol = this * mu_max * L^2 [N],
 * i.e. a force 1e-12 of the force that a unit strain of the stiffest material exerts on a face
 * of the domain's size; far below any physically meaningful residual, above round-off. */
#define NS_MECH_ATOL_REL 1e-12

/* Dynamics state (generalized-alpha, Chung & Hulbert 1993, forces averaged at the alpha level). */
struct ns_mech_dynstate {
  int on;                    /* inertia switched on */
  int allocated;             /* v, a, Rq, Rqt, mass storage exist */
  struct ns_mech_dyn_opts opts;
  double am, af, beta, gamma; /* generalized-alpha parameters from rho_inf */
  int mass_kind;             /* kind of the assembled mass, -1 none */
  int need_accel;            /* recompute the committed acceleration before the next substep */
  double *v, *a;             /* committed velocity and acceleration */
  double *Rq;                /* committed quasi-static residual f_int + f_extra - f_ext */
  double *Rqt;               /* quasi-static residual of the last evaluation (trial) */
  double *at;                /* trial acceleration (scratch) */
  double *y;                 /* scratch */
  double *mlump;             /* lumped mass (ndof) */
  struct ns_smat *M;         /* consistent mass */
  uint8_t *mask_prev;        /* constraint mask of the last substep (detects changes) */
  double h;                  /* length of the substep being solved [s] */
};

/* Energy bookkeeping (cumulative over accepted substeps). */
struct ns_mech_ebook {
  double viscous, work_region[NS_MECH_MAX_REGIONS], work_dirichlet, work_load, work_extra;
  double numerical;          /* algorithmic dissipation of generalized-alpha (mech_dyn.c) */
  double *fext_c;            /* f_ext at the committed time */
  int fext_c_valid;
  double *fx_c;              /* f_extra at the committed state (0 before the first substep) */
  double *fint;              /* f_int of the last evaluation (to separate f_extra) */
  double *cellbuf;           /* per-cell partial sums (deterministic serial total) */
  const unsigned char *sel;  /* borrowed mask of ncells selected cells (NULL: none; ns_mech_energy_select) */
  double sel_viscous;        /* QLV dissipation of the selected cells since the selection [J] */
};

struct ns_mech {
  const struct ns_grid *g; /* borrowed */
  int ndim, nc;            /* dimension and displacement components (equal) */
  int nen, ngp;            /* nodes per cell, Gauss points per cell (both 2^ndim) */
  int ncell[3];            /* cells per direction (1 for unused directions) */
  size_t ncells, ndof;
  int axis;                /* axisymmetric grid whose first radius is 0 */

  struct ns_material *mats; /* owned copy */
  int nmat;
  uint8_t *cell_mat;        /* owned copy, one per cell */
  size_t *hist_off;         /* ncells+1 offsets into the history arrays (doubles) */
  size_t *hist_ss;          /* per material: doubles of history per Gauss point */
  double *hist_old, *hist_new; /* committed and trial QLV history */
  double *degr;             /* ncells*ngp degradation factors */

  struct ns_mech_opts opts;
  enum ns_mech_bc face_bc[NS_MECH_MAX_FACES];
  struct ns_mech_region region[NS_MECH_MAX_REGIONS];
  int nregion;
  size_t *region_nodes;     /* nodes of every region, concatenated */
  size_t region_start[NS_MECH_MAX_REGIONS + 1];
  ns_mech_body_fn body;
  void *body_ctx;
  ns_mech_dirichlet_fn dfn;
  void *dfn_ctx;
  struct ns_mech_extra extra;
  int has_extra;
  const volatile sig_atomic_t *cancel;
  ns_mech_log_fn log;
  void *log_ctx;

  uint8_t *mask;      /* ndof: 1 = Dirichlet dof */
  int8_t *src;        /* ndof: NS_MECH_SRC_* or region index */
  int constraints_dirty;

  double *u;          /* committed displacement */
  double *ut;         /* Newton iterate */
  double *u_prev;     /* committed displacement before the last accepted substep (predictor) */
  double h_prev;      /* length of the last accepted substep [s] */
  int pred_valid;     /* 1: u_prev and h_prev describe the last accepted substep */
  double *du, *R, *Rc, *rhs, *tmp, *fext, *ud;
  double fext_t;      /* time fext was computed for */
  int fext_valid;

  double *stress[2], *energy[2], *jac[2]; /* per-cell outputs; [cur] is committed */
  int cur;

  struct ns_smat *K;
  struct ns_mg *mg;

  double t, dt;       /* committed time, next substep size */
  long nattempt;      /* attempted substeps */
  double mu_max, lref;
  struct ns_mech_stats stats;

  struct ns_mech_dynstate dyn;
  struct ns_mech_ebook eb;
};

/* Information about the first quadrature point (in cell order) where det F <= 0. */
struct ns_mech_fail {
  size_t cell; /* SIZE_MAX when nothing failed */
};

/* f_int(u) into R (overwritten) and, when K != NULL, its tangent (K overwritten), using the
 * committed history and a substep dt (dt <= 0: elastic response without history). Writes the
 * trial history. Returns 0, or nonzero when det F <= 0 / a non-finite stress occurred (fail
 * filled). */
int ns_mech_kern_internal(struct ns_mech *m, const double *u, double dt, double *R, struct ns_smat *K,
                          struct ns_mech_fail *fail);

/* Per-cell outputs (stress, energy, jacobian) of displacement u with the committed history and
 * substep dt into the non-committed output slot (1 - cur). */
void ns_mech_kern_outputs(struct ns_mech *m, const double *u, double dt);

/* Body-force part of f_ext(t), added to f (ndof). */
void ns_mech_kern_body(struct ns_mech *m, double t, double *f);

/* Rebuild mask/src/region node lists after boundary conditions changed. */
enum ns_status ns_mech_build_constraints(struct ns_mech *m, struct ns_err *err);

/* f_ext(t) (body force and pressure regions) into m->fext, cached by time. */
void ns_mech_external(struct ns_mech *m, double t);

/* Prescribed values at time t of every constrained dof into m->ud (free dofs untouched). */
void ns_mech_dirichlet_values(struct ns_mech *m, double t);

/* ---- dynamics and energy (mech_dyn.c, mech_kernels.c) ---- */

/* Assemble the mass of kind m->dyn.opts.mass if not yet done. NS_ENOMEM. */
enum ns_status ns_mech_dyn_mass(struct ns_mech *m, struct ns_err *err);
/* y = M x with the assembled mass. */
void ns_mech_dyn_apply_mass(const struct ns_mech *m, const double *x, double *y);
/* Consistent or lumped mass M (kind) into K (consistent) or diag (lumped); density from cells. */
void ns_mech_kern_mass(struct ns_mech *m, struct ns_smat *M, double *diag);
/* Trial acceleration of iterate u for the substep of length h: at = c0 (u - u_n - h v_n) - c1 a_n. */
void ns_mech_dyn_trial_accel(struct ns_mech *m, const double *u, double h, double *at);
/* Add the inertia terms to R (= quasi-static residual on entry, copied to Rqt) and K. */
void ns_mech_dyn_residual(struct ns_mech *m, const double *u, double h, double *R, struct ns_smat *K);
/* Before a substep: recompute the committed acceleration from the equation of motion when
 * needed (start, new initial conditions, changed constraints). */
enum ns_status ns_mech_dyn_prepare(struct ns_mech *m, struct ns_err *err);
/* Converged substep ending at u_new: trial acceleration into at and the constraint forces
 * Rq + M a_new into Rc_new (does not change the committed state). */
void ns_mech_dyn_reaction(struct ns_mech *m, const double *u_new, double h, double *Rc_new);
/* Commit v, a, Rq of the substep (after ns_mech_dyn_reaction). */
void ns_mech_dyn_accept(struct ns_mech *m, double h);
/* Local error estimate eta of the converged trial state u_new (Zienkiewicz & Xie 1991). */
double ns_mech_dyn_error(struct ns_mech *m, const double *u_new, double h);
/* Energy increments of the substep u -> u_new, before the commit changes anything: Rc_new the
 * new constraint forces, Rq_new the new quasi-static residual, m->fext the new external force,
 * m->eb.fint the new internal force (with an extra contribution), dt the substep. */
void ns_mech_energy_increment(struct ns_mech *m, const double *u_new, const double *Rc_new, const double *Rq_new,
                              double dt);
/* Cell kernels: QLV dissipation of the trial state (u_new, trial history) over a substep dt into
 * cell[] (J), and the free energy / instantaneous energy of the committed state into cell[] /
 * cell2[] (J). */
void ns_mech_kern_dissipation(const struct ns_mech *m, const double *u_new, double dt, double *cell);
void ns_mech_kern_free_energy(const struct ns_mech *m, double *cell, double *cell2);

/* Cell index and node index helpers. */
static inline size_t ns_mech_cell_index(const struct ns_mech *m, int i, int j, int k) {
  return (size_t)i + (size_t)m->ncell[0] * ((size_t)j + (size_t)m->ncell[1] * (size_t)k);
}

#endif /* NEEDLESIM_MECH_IMPL_H */
