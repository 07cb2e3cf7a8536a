/* krylov.c — multigrid-preconditioned Krylov solvers.
 *
 *   ns_linsolve_defaults  CG, rtol 1e-8, 200 iterations, 2+2 sweeps, GMRES restart 30
 *   ns_mg_solve_band      GMRES preconditioned by a (possibly reused) band LU (mg_band.c)
 *   ns_mg_solve           PCG (symmetric operators) or right-preconditioned restarted GMRES;
 *                         flexible CG (FCG(m), Notay 2000) and flexible GMRES (Saad 1993) when the
 *                         preconditioner is variable (3D K-cycle, ns_mg_prec_variable)
 *
 * The preconditioner is one multigrid cycle from a zero guess (mg.c). All inner products and norms go
 * through vec.h (fixed-block, deterministic reductions), so iterates are bitwise identical for
 * any thread count. Workspace is allocated on the first solve (and when a larger GMRES restart
 * is asked for) and kept in the mg object; the kernels themselves never allocate.
 * The reported rnorm is the true residual ||b - A x|| of the returned x, recomputed at the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mg_impl.h"
#include "needlesim/vec.h"

/* Directions each flexible-CG direction is explicitly A-orthogonalised against (FCG(m), below).
 * Measured on the 3D skin block, 16^3 cells, PCG iterations at contrast 1 / 10^2 / 10^4 with the
 * K-cycle preconditioner: m = 1: 5 / 6 / 11, m = 2: 5 / 5 / 9, m = 4: 5 / 5 / 7 (plain CG with the
 * old linear W-cycle: 5 / 6 / 9). Costs 2 + 2m vectors and m + 3 inner products per iteration. */
#define NS_FCG_TRUNCATION 4

/* Default relative tolerance of the linear solve (dimensionless), iteration cap, and the number
 * of smoothing sweeps per level before/after the coarse correction (2+2 is the usual balance of
 * smoothing work against convergence factor for line smoothers). */
struct ns_linsolve_opts ns_linsolve_defaults(void) {
  struct ns_linsolve_opts o;
  o.method = NS_KRYLOV_CG;
  o.rtol = 1e-8;
  o.atol = 0.0;
  o.max_iter = 200;
  o.pre_smooth = 2;
  o.post_smooth = 2;
  o.gmres_restart = 30;
  return o;
}

/* CG / FCG stop as diverged once the residual exceeds this multiple of the initial one (their
 * residual is not monotone, so the bound is loose; an indefinite or garbage-conditioned system is
 * what reaches it: measured in a penetration run with a crushed core, 1000 iterations ending at
 * 7e6 x the initial residual, 4-12 s each, before the substep was halved). */
#define KRYLOV_DIVERGENCE 1e6

static enum ns_status workspace(struct ns_mg *mg, size_t nvec, int m, struct ns_err *err) {
  const size_t ndof = mg->lev[0].g->nnodes * (size_t)mg->ncomp;
  if (mg->kw_vectors < nvec) {
    ns_vec_free(mg->kw);
    mg->kw = ns_vec_alloc(nvec * ndof);
    mg->kw_vectors = mg->kw ? nvec : 0;
    if (!mg->kw) return ns_err_set(err, NS_ENOMEM, "mg: out of memory for %zu Krylov vectors", nvec);
  }
  if (m > mg->hess_m) {
    free(mg->hess);
    /* H ((m+1) x m), cosines, sines, g (m+1), y (m). */
    mg->hess = malloc(((size_t)(m + 1) * (size_t)m + 4 * (size_t)(m + 1)) * sizeof(double));
    mg->hess_m = mg->hess ? m : 0;
    if (!mg->hess) return ns_err_set(err, NS_ENOMEM, "mg: out of memory for GMRES(%d)", m);
  }
  return NS_OK;
}

/* Breakdown of CG / FCG at iteration it (p.Ap = pq <= 0): info and the error. */
static enum ns_status cg_breakdown(const char *name, int it, double rn, double pq, struct ns_linsolve_info *info,
                                   struct ns_err *err) {
  info->iterations = it;
  info->rnorm = rn;
  return ns_err_set(err, NS_ECONV,
                    "mg: %s breakdown at iteration %d (p.Ap = %g): the operator or the preconditioner is "
                    "not positive definite",
                    name, it, pq);
}

/* End of CG / FCG: the true residual into info (r is overwritten), NS_ECONV unless converged. */
static enum ns_status cg_finish(const char *name, const struct ns_smat *A, const double *b, const double *x, double *r,
                                const struct ns_linsolve_opts *o, double r0, struct ns_linsolve_info *info,
                                struct ns_err *err) {
  ns_smat_residual(A, b, x, r);
  info->rnorm = ns_vec_norm2(A->ndof, r);
  if (!info->converged)
    return ns_err_set(err, NS_ECONV, "mg: %s did not reach rtol %g / atol %g in %d iterations (residual %g -> %g)",
                      name, o->rtol, o->atol, o->max_iter, r0, info->rnorm);
  return NS_OK;
}

static enum ns_status pcg(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *o,
                          struct ns_linsolve_info *info, struct ns_err *err) {
  const struct ns_smat *A = mg->lev[0].A;
  const size_t n = A->ndof;
  NS_TRY(workspace(mg, 4, 0, err));
  double *r = mg->kw, *z = r + n, *p = z + n, *q = p + n;
  ns_smat_residual(A, b, x, r);
  const double r0 = ns_vec_norm2(n, r);
  const double tol = fmax(o->rtol * r0, o->atol);
  info->rnorm0 = r0;
  info->iterations = 0;
  info->converged = r0 <= tol;
  double rn = r0;
  if (!info->converged) {
    ns_mg_apply_prec(mg, r, z, o->pre_smooth, o->post_smooth);
    ns_vec_copy(n, p, z);
    double rz = ns_vec_dot(n, r, z);
    for (int it = 1; it <= o->max_iter; it++) {
      ns_smat_apply(A, p, q);
      const double pq = ns_vec_dot(n, p, q);
      if (!(pq > 0.0)) return cg_breakdown("CG", it, rn, pq, info, err);
      const double alpha = rz / pq;
      ns_vec_axpy(n, alpha, p, x);
      ns_vec_axpy(n, -alpha, q, r);
      rn = ns_vec_norm2(n, r);
      info->iterations = it;
      if (rn <= tol) {
        info->converged = 1;
        break;
      }
      if (!(rn <= KRYLOV_DIVERGENCE * r0)) break; /* diverged (or not finite): report it now */
      ns_mg_apply_prec(mg, r, z, o->pre_smooth, o->post_smooth);
      const double rz1 = ns_vec_dot(n, r, z);
      ns_vec_xpay(n, z, rz1 / rz, p);
      rz = rz1;
    }
  }
  return cg_finish("CG", A, b, x, r, o, r0, info, err);
}

/* Flexible CG, FCG(m) of Notay (2000), for a variable (K-cycle) preconditioner: each new direction
 * is made A-orthogonal to the last m directions explicitly,
 *   p_i = z_i - sum_{j = i-m}^{i-1} (z_i . A p_j / p_j . A p_j) p_j,   alpha_i = p_i . r_i / p_i . A p_i,
 * instead of relying on CG's implicit orthogonality, which a nonlinear preconditioner breaks. With
 * a fixed SPD preconditioner and m = 1 this is CG in exact arithmetic (Polak-Ribiere form of beta).
 * The m directions and their A-products are kept in a ring of m slots; the oldest slot receives the
 * new direction (2 + 2m vectors). */
static enum ns_status fcg(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *o,
                          struct ns_linsolve_info *info, struct ns_err *err) {
  const struct ns_smat *A = mg->lev[0].A;
  const size_t n = A->ndof;
  const int m = NS_FCG_TRUNCATION;
  NS_TRY(workspace(mg, 2 + 2 * (size_t)m, 0, err));
  double *r = mg->kw, *z = r + n, *P = z + n, *Q = P + (size_t)m * n;
  double pAp[NS_FCG_TRUNCATION], beta[NS_FCG_TRUNCATION];
  ns_smat_residual(A, b, x, r);
  const double r0 = ns_vec_norm2(n, r);
  const double tol = fmax(o->rtol * r0, o->atol);
  info->rnorm0 = r0;
  info->iterations = 0;
  info->converged = r0 <= tol;
  double rn = r0;
  for (int it = 1; !info->converged && it <= o->max_iter; it++) {
    ns_mg_apply_prec(mg, r, z, o->pre_smooth, o->post_smooth);
    /* Previous directions j = 1..min(it - 1, m) back sit in slot (it - 1 - j) mod m; the new one
     * goes to slot (it - 1) mod m, the oldest (or an unused) one. */
    const int nprev = it - 1 < m ? it - 1 : m, cur = (it - 1) % m;
    for (int j = 1; j <= nprev; j++) {
      const int sl = (it - 1 - j) % m;
      beta[j - 1] = -ns_vec_dot(n, z, Q + (size_t)sl * n) / pAp[sl];
    }
    double *p = P + (size_t)cur * n, *q = Q + (size_t)cur * n;
    if (nprev == m) ns_vec_xpay(n, z, beta[m - 1], p); /* the oldest direction is in the new slot */
    else ns_vec_copy(n, p, z);
    for (int j = 1; j <= nprev && j < m; j++) ns_vec_axpy(n, beta[j - 1], P + (size_t)((it - 1 - j) % m) * n, p);
    ns_smat_apply(A, p, q);
    const double pq = ns_vec_dot(n, p, q);
    if (!(pq > 0.0)) return cg_breakdown("flexible CG", it, rn, pq, info, err);
    pAp[cur] = pq;
    const double alpha = ns_vec_dot(n, p, r) / pq;
    ns_vec_axpy(n, alpha, p, x);
    ns_vec_axpy(n, -alpha, q, r);
    rn = ns_vec_norm2(n, r);
    info->iterations = it;
    info->converged = rn <= tol;
    if (!(rn <= KRYLOV_DIVERGENCE * r0)) break; /* diverged (or not finite): report it now */
  }
  return cg_finish("flexible CG", A, b, x, r, o, r0, info, err);
}

/* Right-preconditioned GMRES(m): minimises ||b - A x|| over x0 + M K_m(A M, r0), modified
 * Gram-Schmidt Arnoldi with Givens rotations; restarts from the true residual. */
static enum ns_status gmres(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *o,
                            struct ns_linsolve_info *info, struct ns_err *err) {
  const struct ns_smat *A = mg->lev[0].A;
  const size_t n = A->ndof;
  const int m = o->gmres_restart > 0 ? o->gmres_restart : 30;
  /* Variable (K-cycle) preconditioner: flexible GMRES (Saad 1993) keeps the m preconditioned
   * vectors z_j = M(v_j) and updates x += Z y, since M(V y) != sum_j y_j M(v_j) when M is not
   * linear; m more vectors. A fixed preconditioner keeps the plain form x += M(V y). */
  const int flexible = ns_mg_prec_variable(mg);
  NS_TRY(workspace(mg, (size_t)m + 3 + (flexible ? (size_t)m : 0), m, err));
  double *V = mg->kw, *z = V + (size_t)(m + 1) * n, *u = z + n, *Z = u + n;
  double *H = mg->hess, *cs = H + (size_t)(m + 1) * (size_t)m, *sn = cs + m + 1, *gv = sn + m + 1, *y = gv + m + 1;
  ns_smat_residual(A, b, x, V);
  double beta = ns_vec_norm2(n, V);
  const double r0 = beta;
  const double tol = fmax(o->rtol * r0, o->atol);
  info->rnorm0 = r0;
  info->iterations = 0;
  info->converged = beta <= tol;
  int it = 0;
  while (!info->converged && it < o->max_iter) {
    ns_vec_scale(n, 1.0 / beta, V);
    for (int i = 0; i <= m; i++) gv[i] = 0.0;
    gv[0] = beta;
    int j = 0;
    double res = beta;
    for (; j < m && it < o->max_iter; j++) {
      double *vj = V + (size_t)j * n, *w = V + (size_t)(j + 1) * n;
      double *zj = flexible ? Z + (size_t)j * n : z;
      ns_mg_apply_prec(mg, vj, zj, o->pre_smooth, o->post_smooth);
      ns_smat_apply(A, zj, w);
      for (int i = 0; i <= j; i++) {
        double h = ns_vec_dot(n, w, V + (size_t)i * n);
        H[i * m + j] = h;
        ns_vec_axpy(n, -h, V + (size_t)i * n, w);
      }
      double hn = ns_vec_norm2(n, w);
      H[(j + 1) * m + j] = hn;
      if (hn > 0.0) ns_vec_scale(n, 1.0 / hn, w);
      for (int i = 0; i < j; i++) {
        double t = cs[i] * H[i * m + j] + sn[i] * H[(i + 1) * m + j];
        H[(i + 1) * m + j] = -sn[i] * H[i * m + j] + cs[i] * H[(i + 1) * m + j];
        H[i * m + j] = t;
      }
      double den = hypot(H[j * m + j], hn);
      cs[j] = den > 0.0 ? H[j * m + j] / den : 1.0;
      sn[j] = den > 0.0 ? hn / den : 0.0;
      H[j * m + j] = den;
      H[(j + 1) * m + j] = 0.0;
      gv[j + 1] = -sn[j] * gv[j];
      gv[j] = cs[j] * gv[j];
      res = fabs(gv[j + 1]);
      it++;
      if (res <= tol || hn == 0.0) {
        j++;
        break;
      }
    }
    /* Solve the j x j triangular system and update x += M (V y) (flexible: x += Z y). */
    for (int i = j - 1; i >= 0; i--) {
      double s = gv[i];
      for (int k = i + 1; k < j; k++) s -= H[i * m + k] * y[k];
      y[i] = H[i * m + i] != 0.0 ? s / H[i * m + i] : 0.0;
    }
    if (flexible) {
      for (int i = 0; i < j; i++) ns_vec_axpy(n, y[i], Z + (size_t)i * n, x);
    } else {
      ns_vec_set(n, u, 0.0);
      for (int i = 0; i < j; i++) ns_vec_axpy(n, y[i], V + (size_t)i * n, u);
      ns_mg_apply_prec(mg, u, z, o->pre_smooth, o->post_smooth);
      ns_vec_axpy(n, 1.0, z, x);
    }
    ns_smat_residual(A, b, x, V);
    const double beta_prev = beta;
    beta = ns_vec_norm2(n, V);
    info->iterations = it;
    info->converged = beta <= tol;
    /* A restart cycle from the same residual builds the same space (the preconditioner is a
     * deterministic function of its input), so a cycle that did not lower the true residual
     * will not do so later: stagnated (or, above r0, lost to round-off). Stop instead of running
     * to max_iter (measured: 1000 iterations, 4-12 s per failing substep in a penetration run). */
    if (!info->converged && !(beta < beta_prev)) break;
  }
  info->rnorm = beta;
  if (!info->converged)
    return ns_err_set(err, NS_ECONV,
                      "mg: GMRES(%d) did not reach rtol %g / atol %g in %d iterations (residual %g -> %g)", m,
                      o->rtol, o->atol, o->max_iter, r0, beta);
  return NS_OK;
}

enum ns_status ns_mg_solve(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *opts,
                           struct ns_linsolve_info *info, struct ns_err *err) {
  struct ns_linsolve_info dummy;
  const enum ns_status s0 = ns_mg_solve_begin(mg, "ns_mg_solve", &info, &dummy, err);
  if (s0 != NS_OK) return s0;
  struct ns_linsolve_opts o = opts ? *opts : ns_linsolve_defaults();
  /* A small finest grid is solved on one thread (ns_mg_threads); the result is the same. */
  const int saved = ns_mg_serial_begin(mg->lev[0].g->nnodes);
  enum ns_status s;
  if (o.method == NS_KRYLOV_GMRES) s = gmres(mg, b, x, &o, info, err);
  else if (ns_mg_prec_variable(mg)) s = fcg(mg, b, x, &o, info, err);
  else s = pcg(mg, b, x, &o, info, err);
  ns_mg_serial_end(saved);
  return s;
}

enum ns_status ns_mg_solve_band(struct ns_mg *mg, const struct ns_smat *A, int refactor, const double *b, double *x,
                                const struct ns_linsolve_opts *opts, struct ns_linsolve_info *info,
                                struct ns_err *err) {
  struct ns_linsolve_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  const struct ns_grid *g = mg->lev[0].g;
  if (A->ncomp != mg->ncomp || A->grid->ndim != g->ndim || A->grid->n[0] != g->n[0] || A->grid->n[1] != g->n[1])
    return ns_err_set(err, NS_EINTERNAL, "mg: operator does not match the hierarchy");
  /* The multigrid data now belong to no operator: a later multigrid solve needs ns_mg_setup. */
  mg->ready = 0;
  mg->lev[0].A = A;
  if (refactor || !mg->bnd.valid) NS_TRY(ns_mg_band_factor(mg, A, err));
  struct ns_linsolve_opts o = opts ? *opts : ns_linsolve_defaults();
  mg->bnd.active = 1;
  const enum ns_status s = gmres(mg, b, x, &o, info, err);
  mg->bnd.active = 0;
  return s;
}
