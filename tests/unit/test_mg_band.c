/* test_mg_band.c — the band-LU-preconditioned solve ns_mg_solve_band (sim/mg_band.c, krylov.c).
 *
 * Operators come from tests/unit/testops.c (Q1 elasticity assembled independently of the solver).
 * Checks:
 *   - a fresh factor of the operator itself: the manufactured solution x* (b = A x*) is returned
 *     to 1e-10 relative, in at most 2 GMRES iterations (an exact LU preconditioner makes A M the
 *     identity up to round-off), on a definite and on an indefinite operator (the definite one
 *     shifted by half its mean diagonal: partial pivoting is needed, as on the penetration study's
 *     crushed-core tangents);
 *   - a reused factor of another operator (the definite one's, for that operator with its rows
 *     scaled by 1 +- 5 %) still solves to the requested tolerance: only the
 *     iteration count depends on the factor;
 *   - ns_mg_band_available: yes for the axisymmetric grid, no for a 3D grid (refused by size).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "needlesim/mg.h"
#include "needlesim/smat.h"
#include "needlesim/vec.h"
#include "testops.h"

/* Axisymmetric 16 x 16-cell layered skin block (contrast 1e2), Dirichlet rows eliminated. */
static struct ns_smat *skin16_operator(struct ns_testops_problem *p) {
  assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, 16, 16, 1e2, 0.4, p), 0);
  struct ns_err err = NS_ERR_INIT;
  struct ns_smat *A = NULL;
  assert_int_equal(ns_smat_create(p->g, p->g->ndim, &A, &err), NS_OK);
  ns_testops_elasticity(A, p->E, p->nu);
  ns_smat_dirichlet(A, p->mask);
  return A;
}

/* Shift the free diagonal of A by -sigma, sigma = frac x the mean free diagonal; returns sigma.
 * With frac = 0.5 the shift exceeds the smallest eigenvalues: the shifted operator is indefinite. */
static double shift_fraction(struct ns_smat *A, const uint8_t *mask, double frac) {
  const int nc = A->ncomp, sc = 4; /* centre entry of the 9-point stencil */
  double dsum = 0.0;
  size_t nfree = 0;
  for (size_t i = 0; i < A->ndof; i++)
    if (!mask[i]) {
      dsum += A->a[(i / (size_t)nc) * A->bs + (size_t)(sc * nc * nc) + (i % (size_t)nc) * (size_t)(nc + 1)];
      nfree++;
    }
  const double sigma = frac * dsum / (double)nfree;
  for (size_t i = 0; i < A->ndof; i++)
    if (!mask[i]) A->a[(i / (size_t)nc) * A->bs + (size_t)(sc * nc * nc) + (i % (size_t)nc) * (size_t)(nc + 1)] -= sigma;
  return sigma;
}

static double rel_error(size_t n, const double *x, const double *xs) {
  double e = 0.0, xn = 0.0;
  for (size_t i = 0; i < n; i++) {
    e += (x[i] - xs[i]) * (x[i] - xs[i]);
    xn += xs[i] * xs[i];
  }
  return sqrt(e / xn);
}

static void test_band_solve(void **state) {
  (void)state;
  struct ns_testops_problem p, q;
  struct ns_smat *A = skin16_operator(&p), *S = skin16_operator(&q);
  const double sigma = shift_fraction(S, q.mask, 0.5);
  const size_t n = A->ndof;
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(p.g, p.g->ndim, &mg, &err), NS_OK);
  assert_true(ns_mg_band_available(mg));
  double *xs = ns_vec_alloc(n), *b = ns_vec_alloc(n), *bs = ns_vec_alloc(n), *x = ns_vec_alloc(n);
  for (size_t i = 0; i < n; i++) xs[i] = p.mask[i] ? 0.0 : sin(0.37 * (double)i) + 0.5;
  ns_smat_apply(A, xs, b);
  ns_smat_apply(S, xs, bs);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  o.method = NS_KRYLOV_GMRES;
  o.rtol = 1e-12; /* far below the tolerance of any caller, to test the solution itself */
  struct ns_linsolve_info info;
  /* Fresh factor, indefinite operator (partial pivoting). */
  ns_vec_set(n, x, 0.0);
  assert_int_equal(ns_mg_solve_band(mg, S, 1, bs, x, &o, &info, &err), NS_OK);
  print_message("  indefinite (sigma %.3g), fresh: %d iterations, error %.2e\n", sigma, info.iterations,
                rel_error(n, x, xs));
  assert_true(info.iterations <= 2);
  assert_true(rel_error(n, x, xs) <= 1e-10);
  /* Fresh factor, definite operator. The error bound 1e-10: cond(A) of this 578-unknown operator
   * (contrast 1e2) is far below 1e2 / 1e-12, so a residual at 1e-12 relative bounds the error
   * well below it. */
  ns_vec_set(n, x, 0.0);
  assert_int_equal(ns_mg_solve_band(mg, A, 1, b, x, &o, &info, &err), NS_OK);
  print_message("  definite, fresh: %d iterations, residual %.2e of %.2e, error %.2e\n", info.iterations, info.rnorm,
                info.rnorm0, rel_error(n, x, xs));
  assert_true(info.iterations <= 2);
  assert_true(rel_error(n, x, xs) <= 1e-10);
  /* Reused factor (A's, the last one) for a nearby operator N = D A, its rows scaled by
   * D = 1 + 0.05 sin(0.1 row) (as consecutive Newton tangents differ): N A^-1 = D has its
   * eigenvalues in [0.95, 1.05], so GMRES converges to the tolerance, in more than one iteration
   * (the factor is not N's) but few. */
  struct ns_testops_problem r;
  struct ns_smat *N = skin16_operator(&r);
  for (size_t i = 0; i < n; i++) {
    const double d = 1.0 + 0.05 * sin(0.1 * (double)i);
    const size_t node = i / (size_t)N->ncomp, row = i % (size_t)N->ncomp;
    for (int st = 0; st < 9; st++)
      for (int c = 0; c < N->ncomp; c++)
        N->a[node * N->bs + (size_t)(st * N->ncomp * N->ncomp) + row * (size_t)N->ncomp + (size_t)c] *= d;
  }
  double *bn = ns_vec_alloc(n);
  ns_smat_apply(N, xs, bn);
  ns_vec_set(n, x, 0.0);
  assert_int_equal(ns_mg_solve_band(mg, N, 0, bn, x, &o, &info, &err), NS_OK);
  print_message("  nearby operator with the old factor: %d iterations, error %.2e\n", info.iterations,
                rel_error(n, x, xs));
  assert_true(info.iterations > 1 && info.iterations <= 30);
  assert_true(info.rnorm <= o.rtol * info.rnorm0);
  assert_true(rel_error(n, x, xs) <= 1e-10);
  ns_vec_free(bn);
  ns_smat_free(N);
  ns_testops_problem_free(&r);
  ns_vec_free(xs);
  ns_vec_free(b);
  ns_vec_free(bs);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_smat_free(A);
  ns_smat_free(S);
  ns_testops_problem_free(&p);
  ns_testops_problem_free(&q);
  /* 3D: not available (the band matrix exceeds the size limit); the solve refuses. */
  assert_int_equal(ns_testops_skin(NS_GEOM_3D, 16, 16, 1e2, 0.4, &p), 0);
  assert_int_equal(ns_mg_create(p.g, p.A->ncomp, &mg, &err), NS_OK);
  assert_false(ns_mg_band_available(mg));
  x = ns_vec_alloc(p.A->ndof);
  ns_vec_set(p.A->ndof, x, 0.0);
  assert_int_equal(ns_mg_solve_band(mg, p.A, 1, p.b, x, NULL, NULL, &err), NS_EINPUT);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_band_solve)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
