/* krylov.c — multigrid-preconditioned Krylov solvers.
 *
 *   ns_linsolve_defaults  CG, rtol 1e-8, 200 iterations, 2+2 sweeps, GMRES restart 30
 *   ns_mg_solve           PCG (symmetric operators) or right-preconditioned restarted GMRES
 *
 * The preconditioner is one V-cycle from a zero guess (mg.c). All inner products and norms go
 * through vec.h (fixed-block, deterministic reductions), so iterates are bitwise identical for
 * any thread count. Workspace is allocated on the first solve (and when a larger GMRES restart
 * is asked for) and kept in the mg object; the kernels themselves never allocate.
 * The reported rnorm is the true residual ||b - A x|| of the returned x, recomputed at the end.
 */
#include <math.h>
#include <stdlib.h>

#include "mg_impl.h"
#include "needlesim/vec.h"

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
      if (!(pq > 0.0)) {
        info->iterations = it;
        info->rnorm = rn;
        return ns_err_set(err, NS_ECONV,
                          "mg: CG breakdown at iteration %d (p.Ap = %g): the operator or the preconditioner is "
                          "not positive definite",
                          it, pq);
      }
      const double alpha = rz / pq;
      ns_vec_axpy(n, alpha, p, x);
      ns_vec_axpy(n, -alpha, q, r);
      rn = ns_vec_norm2(n, r);
      info->iterations = it;
      if (rn <= tol) {
        info->converged = 1;
        break;
      }
      ns_mg_apply_prec(mg, r, z, o->pre_smooth, o->post_smooth);
      const double rz1 = ns_vec_dot(n, r, z);
      ns_vec_xpay(n, z, rz1 / rz, p);
      rz = rz1;
    }
  }
  ns_smat_residual(A, b, x, r);
  info->rnorm = ns_vec_norm2(n, r);
  if (!info->converged)
    return ns_err_set(err, NS_ECONV, "mg: CG did not reach rtol %g / atol %g in %d iterations (residual %g -> %g)",
                      o->rtol, o->atol, o->max_iter, r0, info->rnorm);
  return NS_OK;
}

/* Right-preconditioned GMRES(m): minimises ||b - A x|| over x0 + M K_m(A M, r0), modified
 * Gram-Schmidt Arnoldi with Givens rotations; restarts from the true residual. */
static enum ns_status gmres(struct ns_mg *mg, const double *b, double *x, const struct ns_linsolve_opts *o,
                            struct ns_linsolve_info *info, struct ns_err *err) {
  const struct ns_smat *A = mg->lev[0].A;
  const size_t n = A->ndof;
  const int m = o->gmres_restart > 0 ? o->gmres_restart : 30;
  NS_TRY(workspace(mg, (size_t)m + 3, m, err));
  double *V = mg->kw, *z = V + (size_t)(m + 1) * n, *u = z + n;
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
      ns_mg_apply_prec(mg, vj, z, o->pre_smooth, o->post_smooth);
      ns_smat_apply(A, z, w);
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
    /* Solve the j x j triangular system and update x += M (V y). */
    for (int i = j - 1; i >= 0; i--) {
      double s = gv[i];
      for (int k = i + 1; k < j; k++) s -= H[i * m + k] * y[k];
      y[i] = H[i * m + i] != 0.0 ? s / H[i * m + i] : 0.0;
    }
    ns_vec_set(n, u, 0.0);
    for (int i = 0; i < j; i++) ns_vec_axpy(n, y[i], V + (size_t)i * n, u);
    ns_mg_apply_prec(mg, u, z, o->pre_smooth, o->post_smooth);
    ns_vec_axpy(n, 1.0, z, x);
    ns_smat_residual(A, b, x, V);
    beta = ns_vec_norm2(n, V);
    info->iterations = it;
    info->converged = beta <= tol;
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
  if (!info) info = &dummy;
  info->iterations = 0;
  info->rnorm0 = info->rnorm = 0.0;
  info->converged = 0;
  if (!mg->ready) return ns_err_set(err, NS_EINTERNAL, "mg: ns_mg_solve before a successful ns_mg_setup");
  struct ns_linsolve_opts o = opts ? *opts : ns_linsolve_defaults();
  if (o.method == NS_KRYLOV_GMRES) return gmres(mg, b, x, &o, info, err);
  return pcg(mg, b, x, &o, info, err);
}
