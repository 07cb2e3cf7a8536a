/* test_mg.c — multigrid-preconditioned Krylov solvers on structured block-stencil operators.
 *
 * Operators come from tests/unit/testops.c (Q1 elasticity / diffusion, independent of the
 * solver). Checks: convergence of PCG on the layered graded skin block (axisymmetric and 3D).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "needlesim/mg.h"
#include "needlesim/vec.h"
#include "testops.h"

/* Solve the skin problem with PCG to rtol 1e-8; returns the iteration count. */
static int solve_skin(enum ns_geometry geom, int cells, double contrast, double nu) {
  struct ns_testops_problem p;
  assert_int_equal(ns_testops_skin(geom, cells, cells, contrast, nu, &p), 0);
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(p.g, p.A->ncomp, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
  double *x = ns_vec_alloc(p.A->ndof);
  assert_non_null(x);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  struct ns_linsolve_info info;
  assert_int_equal(ns_mg_solve(mg, p.b, x, &o, &info, &err), NS_OK);
  /* The reported residual is the true one and must meet the tolerance (small slack 2x for the
   * difference between the recursively updated and the recomputed residual). */
  assert_true(info.rnorm <= 2 * o.rtol * info.rnorm0);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
  return info.iterations;
}

static void test_axisym_converges(void **state) {
  (void)state;
  int it = solve_skin(NS_GEOM_AXISYMMETRIC, 64, 1e4, 0.45);
  assert_true(it <= 30);
}

static void test_3d_converges(void **state) {
  (void)state;
  int it = solve_skin(NS_GEOM_3D, 16, 1e4, 0.45);
  assert_true(it <= 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_axisym_converges),
      cmocka_unit_test(test_3d_converges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
