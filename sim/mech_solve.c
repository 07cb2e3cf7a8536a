/* mech_solve.c — Newton's method with a backtracking line search, adaptive substeps,
 * commit/rollback of QLV history (private part of the mech module).
 *
 *   ns_mech_step   advance the committed state to a new time
 *
 * One substep t0 -> t1 = t0 + h:
 *   1. f_ext(t1) and the prescribed values u_D(t1); iterate u = committed u.
 *   2. Newton: R, K at u; stop when every Dirichlet dof holds its value and
 *      ||R_free||_2 <= rtol * max(||f_int||_2, ||f_ext||_2) + atol.
 *      Otherwise solve K du = -R on the free dofs with du_D = u_D - u_D(current) (the
 *      prescribed increment enters the right side through -K_FD du_D, then the Dirichlet rows and
 *      columns are eliminated symmetrically).
 *   3. Line search: u + alpha du with alpha = 1, 1/2, ...; accepted when every det F > 0 and
 *      the free residual decreased by the Armijo factor (1 - 1e-4 alpha) (or already meets the
 *      tolerance); an iteration that moves prescribed dofs is accepted on det F > 0 alone, since
 *      the residual of a new boundary position is not comparable with the old one.
 *   4. Converged: per-cell outputs from the committed history, swap trial/committed history and
 *      outputs, keep the residual for reactions. Failed: discard the iterate (the committed state
 *      is untouched) and halve h; below dt_min stop with NS_ECONV.
 * With dynamics (mech_dyn.c) the residual and tangent of step 2 carry the generalized-alpha
 * inertia terms, the committed acceleration is made consistent before the first substep (and
 * after changes of the constraint set), velocity and acceleration are committed with u (a
 * rejected substep leaves them untouched), and with opts.err_tol > 0 a converged substep whose
 * local error estimate exceeds ERR_REJECT * err_tol is rejected as well; accepted ones set the
 * next substep to at most ERR_SAFETY * h * sqrt(err_tol / eta) (eta ~ h^2).
 * Every accepted substep updates the energy bookkeeping (work, QLV dissipation).
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "mech_impl.h"
#include "needlesim/vec.h"

/* Armijo sufficient-decrease constant of the line search (dimensionless). */
#define ARMIJO_C 1e-4
/* A Newton iterate whose free residual exceeds this multiple of the first one is divergent. */
#define DIVERGENCE_FACTOR 1e6
/* An inexact linear solve (Krylov hit max_iter) is still used when it reduced the residual by at
 * least this factor; otherwise the substep fails. */
#define LINEAR_ACCEPT 1e-2
/* A remaining interval shorter than this fraction of the substep is merged into it (avoids
 * round-off sized final substeps). */
#define DT_MERGE 1e-9
/* Dynamics error control: reject a substep whose estimate exceeds the tolerance by this factor
 * (a factor > 1 avoids rejecting steps that the previous prediction sized just at the limit). */
#define ERR_REJECT 2.0
/* Safety factor of the predicted substep (aims below the tolerance). */
#define ERR_SAFETY 0.9
/* Smallest reduction factor of a substep rejected by the error estimate. */
#define ERR_MIN_FACTOR 0.2

/* Second convergence criterion, for iterates at a nonsmooth point (see newton()): when the line
 * search finds no decrease, the iterate is accepted if its free residual is within
 * STALL_RESIDUAL_FACTOR x the tolerance (Abaqus's alternative residual criterion R_p = 0.02 after
 * a stall, against its regular R_n = 0.005: a factor 4) and the rejected Newton correction is
 * below STALL_CORRECTION x the smallest cell size (the state is then equilibrated to within the
 * grid's resolution by a margin of 100). */
#define STALL_RESIDUAL_FACTOR 4.0
#define STALL_CORRECTION 1e-2

/* Smallest cell edge of the grid [m]. */
static double min_cell(const struct ns_grid *g) {
  double h = INFINITY;
  for (int d = 0; d < g->ndim; d++)
    for (int i = 0; i + 1 < g->n[d]; i++) h = fmin(h, g->x[d][i + 1] - g->x[d][i]);
  return h;
}

/* Norm of R over the free dofs; also the largest prescribed increment |u_D - u|. */
static double free_norm(const struct ns_mech *m, const double *R, double *tmp) {
  const size_t n = m->ndof;
  const uint8_t *mask = m->mask;
#pragma omp parallel for simd default(none) shared(R, tmp, mask) firstprivate(n) schedule(static)
  for (size_t i = 0; i < n; i++) tmp[i] = mask[i] ? 0.0 : R[i];
  return ns_vec_norm2(n, tmp);
}

static double dirichlet_gap(const struct ns_mech *m, const double *u, double *tmp) {
  const size_t n = m->ndof;
  const uint8_t *mask = m->mask;
  const double *ud = m->ud;
#pragma omp parallel for simd default(none) shared(u, ud, tmp, mask) firstprivate(n) schedule(static)
  for (size_t i = 0; i < n; i++) tmp[i] = mask[i] ? ud[i] - u[i] : 0.0;
  return ns_vec_norminf(n, tmp);
}

/* R and (optionally) K at u for the substep ending at t with length dt. Returns NS_OK, NS_ECONV
 * (det F <= 0, non-finite residual, extra contribution refused) with a reason, or a hard error. */
static enum ns_status evaluate(struct ns_mech *m, const double *u, double t, double dt, int tangent,
                               char *reason, size_t rlen, struct ns_err *err) {
  double t0 = omp_get_wtime();
  struct ns_mech_fail fail;
  int bad = ns_mech_kern_internal(m, u, dt, m->R, tangent ? m->K : NULL, &fail);
  m->stats.residual_evals++;
  if (tangent) m->stats.tangent_evals++;
  if (bad) {
    m->stats.t_assembly += omp_get_wtime() - t0;
    snprintf(reason, rlen, "det F <= 0 or non-finite stress in cell %zu", fail.cell);
    return NS_ECONV;
  }
  if (m->has_extra) ns_vec_copy(m->ndof, m->eb.fint, m->R); /* energy bookkeeping */
  if (m->has_extra) {
    struct ns_err e2 = NS_ERR_INIT;
    enum ns_status s = m->extra.eval(m->extra.ctx, m->g, u, t, dt, m->R, tangent ? m->K : NULL, &e2);
    if (s == NS_ECONV) {
      snprintf(reason, rlen, "extra contribution: %.200s", e2.msg);
      m->stats.t_assembly += omp_get_wtime() - t0;
      return NS_ECONV;
    }
    if (s != NS_OK) return ns_err_set(err, s, "%s", e2.msg);
  }
  ns_vec_axpy(m->ndof, -1.0, m->fext, m->R);
  if (m->dyn.on) ns_mech_dyn_residual(m, u, dt, m->R, tangent ? m->K : NULL);
  m->stats.t_assembly += omp_get_wtime() - t0;
  return NS_OK;
}

/* Largest ratio h / h_prev the predictor extrapolates with (substeps grow by at most dt_grow). */
#define PREDICT_RATIO_MAX 2.0

/* Quasi-static predictor: ut = u + r (u - u_prev) on the free dofs, r = h / h_prev (at most
 * PREDICT_RATIO_MAX); prescribed dofs start at their values at the end of the substep (ud, set by
 * ns_mech_dirichlet_values before this). */
static void predict(struct ns_mech *m, double h) {
  const size_t n = m->ndof;
  const double r = fmin(PREDICT_RATIO_MAX, h / m->h_prev);
  double *ut = m->ut;
  const double *u = m->u, *up = m->u_prev, *ud = m->ud;
  const uint8_t *mask = m->mask;
#pragma omp parallel for simd default(none) shared(ut, u, up, ud, mask) firstprivate(n, r) schedule(static)
  for (size_t i = 0; i < n; i++) ut[i] = mask[i] ? ud[i] : u[i] + r * (u[i] - up[i]);
}

/* Linear solve K du = rhs of a Newton iteration on a small 2D system: GMRES preconditioned with a
 * band LU of K itself (ns_mg_solve_band), which converges in one iteration (the Krylov tolerance is
 * the multigrid solve's, so Newton's iterates agree with it to that tolerance). Measured on the
 * roller sweep's grid (33 x 89 nodes, 5874 unknowns, bandwidth 69; 0.5 mm / 20 y, 754 Newton
 * iterations): one factorisation ~13 ms and one application ~0.8 ms (memory bound), against ~30 ms
 * per Newton iteration for the multigrid PCG / GMRES there (9.3 Krylov iterations per solve plus
 * 34 banded-LU fallbacks). Reusing the factor of an earlier tangent was slower: the tangent changes
 * so much between iterations (contact and tie states) that a reused factor needed 3-28 GMRES
 * iterations (user CPU 27.2 s refactoring after more than 3, 30-31 s after more than 1 or 8,
 * against 24.7 s refactoring always). du holds the initial guess. NS_OK when converged; otherwise
 * du is unspecified and the caller falls back to multigrid. */
static enum ns_status band_solve(struct ns_mech *m, struct ns_linsolve_info *info) {
  struct ns_linsolve_opts lo = m->opts.lin;
  lo.method = NS_KRYLOV_GMRES;
  struct ns_err e = NS_ERR_INIT;
  const enum ns_status s = ns_mg_solve_band(m->mg, m->K, 1, m->rhs, m->du, &lo, info, &e);
  return s == NS_OK ? NS_OK : NS_ECONV;
}

struct newton_result {
  int iters, lin_iters;
  double rnorm, tol;
  char reason[256];
};

/* Newton's method for the substep (t1, dt); the iterate is m->ut. NS_OK when converged, NS_ECONV
 * when the substep failed (reason in res), NS_EINTERRUPTED, or a hard error. */
static enum ns_status newton(struct ns_mech *m, double t1, double dt, struct newton_result *res, struct ns_err *err) {
  const size_t n = m->ndof;
  const struct ns_mech_opts *o = &m->opts;
  const double atol = o->newton_atol > 0.0 ? o->newton_atol : NS_MECH_ATOL_REL * m->mu_max * m->lref * m->lref;
  const double fext_norm = ns_vec_norm2(n, m->fext);
  res->iters = res->lin_iters = 0;
  res->rnorm = res->tol = NAN;
  res->reason[0] = '\0';
  enum ns_status s = evaluate(m, m->ut, t1, dt, 1, res->reason, sizeof res->reason, err);
  if (s != NS_OK) return s;
  double r0 = -1.0;
  /* Whether the line search's full step is evaluated with the tangent: the tangent is kept only
   * where the step is accepted, and a full step that the line search rejects wastes it (measured
   * in the roller sweep: the full step is rejected in 2 of 3 iterations, in runs of them). So the
   * tangent comes with the full step only when the previous iteration took its full step; else the
   * accepted point gets its own tangent evaluation. The iterates are the same either way. */
  int full_tangent = 1;
  for (;;) {
    /* Convergence test: the internal force norm is ||R + f_ext|| (with dynamics ||Rq + f_ext||,
     * the inertia-free part, since R itself tends to 0 when inertia balances f_int). */
    ns_vec_waxpy(n, m->tmp, 1.0, m->dyn.on ? m->dyn.Rqt : m->R, m->fext);
    const double fint_norm = ns_vec_norm2(n, m->tmp);
    const double rnorm = free_norm(m, m->R, m->tmp);
    const double gap = dirichlet_gap(m, m->ut, m->du);
    res->rnorm = rnorm;
    res->tol = o->newton_rtol * fmax(fint_norm, fext_norm) + atol;
    if (!isfinite(rnorm)) {
      snprintf(res->reason, sizeof res->reason, "non-finite residual");
      return NS_ECONV;
    }
    if (gap == 0.0 && rnorm <= res->tol) return NS_OK;
    if (r0 < 0.0 && gap == 0.0) r0 = rnorm;
    if (r0 >= 0.0 && rnorm > DIVERGENCE_FACTOR * fmax(r0, res->tol)) {
      snprintf(res->reason, sizeof res->reason, "Newton diverged");
      return NS_ECONV;
    }
    if (res->iters >= o->newton_max_iter) {
      snprintf(res->reason, sizeof res->reason, "no convergence in %d Newton iterations", o->newton_max_iter);
      return NS_ECONV;
    }
    if (m->cancel && *m->cancel)
      return ns_err_set(err, NS_EINTERRUPTED, "mech: interrupted at t = %.6g s during Newton iteration %d", t1,
                        res->iters);
    /* Linear system: du holds the prescribed increment on Dirichlet dofs (0 elsewhere). */
    ns_smat_apply(m->K, m->du, m->rhs);
    {
      double *rhs = m->rhs, *du = m->du;
      const double *R = m->R;
      const uint8_t *mask = m->mask;
#pragma omp parallel for simd default(none) shared(rhs, du, R, mask) firstprivate(n) schedule(static)
      for (size_t i = 0; i < n; i++) rhs[i] = mask[i] ? du[i] : -R[i] - rhs[i];
    }
    ns_smat_dirichlet(m->K, m->mask);
    double tl = omp_get_wtime();
    struct ns_err e2 = NS_ERR_INIT;
    struct ns_linsolve_opts lo = o->lin;
    struct ns_linsolve_info info;
    memset(&info, 0, sizeof info);
    s = NS_ECONV;
    if (o->band_lu && ns_mg_band_available(m->mg)) s = band_solve(m, &info);
    if (s != NS_OK) {
      /* Multigrid-preconditioned Krylov (3D and large grids; and a failed band solve). */
      for (size_t i = 0; i < n; i++)
        if (!m->mask[i]) m->du[i] = 0.0;
      memset(&info, 0, sizeof info);
      s = ns_mg_setup(m->mg, m->K, &e2);
      m->stats.t_mg_setup += omp_get_wtime() - tl;
      if (s != NS_OK) return ns_err_set(err, s, "%s", e2.msg);
      lo.method = (m->has_extra && !m->extra.symmetric) ? NS_KRYLOV_GMRES : NS_KRYLOV_CG;
      s = ns_mg_solve(m->mg, m->rhs, m->du, &lo, &info, &e2);
    }
    if (s == NS_ECONV && lo.method == NS_KRYLOV_CG && !(info.rnorm <= LINEAR_ACCEPT * info.rnorm0)) {
      /* CG breaks down on an indefinite tangent (contact curvature -p H on a sharp tip, or
       * compressive geometric softening, make a symmetric tangent indefinite): measured in the
       * frictionless needle insertion, residual 9e-5 of 3e-4 after 2 iterations, which used to
       * fail the substep. GMRES needs no definiteness: retry once with it (same preconditioner). */
      res->lin_iters += info.iterations;
      m->stats.linear_iters += info.iterations;
      lo.method = NS_KRYLOV_GMRES;
      memset(&info, 0, sizeof info);
      for (size_t i = 0; i < n; i++) /* the same initial guess as CG had: prescribed increments */
        if (!m->mask[i]) m->du[i] = 0.0;
      s = ns_mg_solve(m->mg, m->rhs, m->du, &lo, &info, &e2);
    }
    if (s == NS_ECONV && !(info.rnorm <= LINEAR_ACCEPT * info.rnorm0) && info.iterations < lo.max_iter) {
      /* The Krylov solve stopped early (breakdown, stagnation, divergence; a solve that used its
       * max_iter iterations fails as configured, numerics.linear_max_iter): on the crushed-core penetration states the multigrid
       * preconditioned operator A M has eigenvalues up to 1e12-1e14 (AM is ~1 elsewhere), so
       * GMRES's recurrence residual reaches 1e-15 while the true one stays at or above its start
       * (docs/penetration.md section 5 item 12). Small (axisymmetric) systems are solved once
       * more by a banded LU of the same operator, from the same initial guess. */
      res->lin_iters += info.iterations;
      m->stats.linear_iters += info.iterations;
      struct ns_linsolve_info dinfo;
      memset(&dinfo, 0, sizeof dinfo);
      double *x0 = m->tmp;
      ns_vec_copy(n, x0, m->du);
      for (size_t i = 0; i < n; i++)
        if (!m->mask[i]) x0[i] = 0.0;
      struct ns_err e3 = NS_ERR_INIT;
      const enum ns_status sd = ns_mg_solve_direct(m->mg, m->rhs, x0, &lo, &dinfo, &e3);
      if (sd == NS_OK || (sd == NS_ECONV && dinfo.rnorm <= LINEAR_ACCEPT * dinfo.rnorm0)) {
        ns_vec_copy(n, m->du, x0);
        info = dinfo;
        s = sd;
        m->stats.direct_solves++;
      }
    }
    m->stats.t_linear += omp_get_wtime() - tl;
    res->lin_iters += info.iterations;
    m->stats.linear_iters += info.iterations;
    res->iters++;
    m->stats.newton_iters++;
    if (s == NS_ECONV && !(info.rnorm <= LINEAR_ACCEPT * info.rnorm0)) {
      snprintf(res->reason, sizeof res->reason, "linear solver: residual %.3e of %.3e after %d iterations",
               info.rnorm, info.rnorm0, info.iterations);
      return NS_ECONV;
    }
    if (s != NS_OK && s != NS_ECONV) return ns_err_set(err, s, "%s", e2.msg);
    /* Line search on the free residual norm. */
    double alpha = 1.0;
    int accepted = 0, tangent_current = 0;
    for (int h = 0; h <= o->ls_max_halvings; h++, alpha *= 0.5) {
      ns_vec_waxpy(n, m->tmp, alpha, m->du, m->ut);
      char why[256];
      s = evaluate(m, m->tmp, t1, dt, alpha == 1.0 && full_tangent, why, sizeof why, err);
      if (s == NS_ECONV) {
        snprintf(res->reason, sizeof res->reason, "%s", why);
        continue;
      }
      if (s != NS_OK) return s;
      const double rn = free_norm(m, m->R, m->rhs);
      if (!isfinite(rn)) continue;
      if (gap > 0.0 || rn <= (1.0 - ARMIJO_C * alpha) * rnorm || rn <= res->tol) {
        accepted = 1;
        tangent_current = alpha == 1.0 && full_tangent;
        break;
      }
      snprintf(res->reason, sizeof res->reason, "line search: no decrease of the residual %.3e", rnorm);
    }
    if (!accepted && gap == 0.0 && rnorm <= STALL_RESIDUAL_FACTOR * res->tol) {
      const double dun = ns_vec_norminf(n, m->du);
      if (dun <= STALL_CORRECTION * min_cell(m->g)) {
        /* The iterate is kept (m->ut, m->R are re-evaluated there). */
        s = evaluate(m, m->ut, t1, dt, 0, res->reason, sizeof res->reason, err);
        if (s != NS_OK) return s;
        res->rnorm = rnorm;
        return NS_OK;
      }
    }
    if (!accepted) return NS_ECONV;
    full_tangent = alpha == 1.0;
    ns_vec_copy(n, m->ut, m->tmp);
    if (!tangent_current) {
      s = evaluate(m, m->ut, t1, dt, 1, res->reason, sizeof res->reason, err);
      if (s != NS_OK) return s;
    }
  }
}

/* Accept the substep: outputs, history and residual (with dynamics: the constraint forces
 * Rq + M a, velocity and acceleration) become the committed state; energy bookkeeping. */
static void commit(struct ns_mech *m, double t1, double dt) {
  double *Rc_new = m->R;
  if (m->dyn.on) {
    Rc_new = m->rhs;
    ns_mech_dyn_reaction(m, m->ut, dt, Rc_new);
  }
  ns_mech_energy_increment(m, m->ut, Rc_new, m->dyn.on ? m->dyn.Rqt : m->R, dt);
  ns_mech_kern_outputs(m, m->ut, dt);
  m->cur = 1 - m->cur;
  double *h = m->hist_old;
  m->hist_old = m->hist_new;
  m->hist_new = h;
  if (m->dyn.on) ns_mech_dyn_accept(m, dt);
  ns_vec_copy(m->ndof, m->u_prev, m->u);
  m->h_prev = dt;
  m->pred_valid = 1;
  ns_vec_copy(m->ndof, m->u, m->ut);
  ns_vec_copy(m->ndof, m->Rc, Rc_new);
  m->t = t1;
  if (m->has_extra && m->extra.commit) m->extra.commit(m->extra.ctx, m->u, t1);
}

/* History of a step with dt <= 0 (elastic evaluation) is not written by the kernels; the QLV
 * kernels always run with the substep length, which is > 0. */
enum ns_status ns_mech_step(struct ns_mech *m, double t_new, struct ns_err *err) {
  if (!(t_new > m->t) || !isfinite(t_new))
    return ns_err_set(err, NS_EINPUT, "mech: step to t = %.6g s, not after the current time %.6g s", t_new, m->t);
  double wall0 = omp_get_wtime();
  if (m->constraints_dirty) NS_TRY(ns_mech_build_constraints(m, err));
  if (!m->eb.fext_c_valid) {
    ns_mech_external(m, m->t);
    ns_vec_copy(m->ndof, m->eb.fext_c, m->fext);
    m->eb.fext_c_valid = 1;
  }
  if (m->dyn.on) {
    enum ns_status sp = ns_mech_dyn_prepare(m, err);
    if (sp != NS_OK) {
      m->stats.t_total += omp_get_wtime() - wall0;
      return sp;
    }
  }
  const struct ns_mech_opts *o = &m->opts;
  const double etol = m->dyn.on ? m->dyn.opts.err_tol : 0.0;
  while (m->t < t_new) {
    double h = fmin(m->dt, t_new - m->t);
    if (t_new - (m->t + h) <= DT_MERGE * h) h = t_new - m->t;
    const double t1 = (h == t_new - m->t) ? t_new : m->t + h;
    double ta = omp_get_wtime();
    m->nattempt++;
    ns_mech_external(m, t1);
    ns_mech_dirichlet_values(m, t1);
    struct newton_result res;
    enum ns_status s;
    if (o->predictor && !m->dyn.on && m->pred_valid) {
      predict(m, h);
      s = newton(m, t1, h, &res, err);
      if (s == NS_ECONV) {
        /* The extrapolation can overshoot where the response changes (a tie that starts to soften,
         * a node that leaves the needle): retry from the committed state before halving. */
        m->stats.predictor_retries++;
        ns_vec_copy(m->ndof, m->ut, m->u);
        s = newton(m, t1, h, &res, err);
      }
    } else {
      ns_vec_copy(m->ndof, m->ut, m->u);
      s = newton(m, t1, h, &res, err);
    }
    double eta = 0.0;
    if (s == NS_OK && etol > 0.0) {
      eta = ns_mech_dyn_error(m, m->ut, h);
      if (eta > ERR_REJECT * etol && 0.5 * h >= o->dt_min) {
        snprintf(res.reason, sizeof res.reason, "local error estimate %.3e > %g x tolerance %.3e", eta, ERR_REJECT,
                 etol);
        s = NS_ECONV;
      }
    }
    struct ns_mech_step_info info = {m->nattempt, t1, h, s == NS_OK, res.iters, res.lin_iters, res.rnorm,
                                     omp_get_wtime() - ta, s == NS_OK ? "" : res.reason};
    if (m->log) m->log(m->log_ctx, &info);
    if (s == NS_OK) {
      commit(m, t1, h);
      m->stats.steps_accepted++;
      if (res.iters <= o->fast_iters) m->dt = fmin(o->dt_max, fmax(m->dt, h) * o->dt_grow);
      if (etol > 0.0 && eta > 0.0) m->dt = fmax(o->dt_min, fmin(m->dt, ERR_SAFETY * h * sqrt(etol / eta)));
      continue;
    }
    if (s == NS_ECONV && eta > ERR_REJECT * etol && etol > 0.0) {
      m->stats.steps_rejected++;
      m->dt = fmax(o->dt_min, h * fmax(ERR_MIN_FACTOR, ERR_SAFETY * sqrt(etol / eta)));
      continue;
    }
    if (s != NS_ECONV) {
      m->stats.t_total += omp_get_wtime() - wall0;
      return s;
    }
    m->stats.steps_rejected++;
    if (0.5 * h < o->dt_min) {
      m->dt = fmax(0.5 * h, o->dt_min);
      m->stats.t_total += omp_get_wtime() - wall0;
      return ns_err_set(err, NS_ECONV,
                        "mech: step %ld at t = %.6g s (dt = %.3g s < dt_min = %.3g s): %s, residual %.3e N "
                        "(tolerance %.3e N)",
                        m->nattempt, t1, 0.5 * h, o->dt_min, res.reason, res.rnorm, res.tol);
    }
    m->dt = 0.5 * h;
  }
  m->stats.t_total += omp_get_wtime() - wall0;
  return NS_OK;
}
