/* test_mms.c — manufactured-solution verification of the mechanics discretisation (coarse).
 *
 *   mms_body_force_axisym / _3d   the chain-rule body force equals a 4th-order finite difference
 *                                 of P(X) (so the manufactured problem itself is right)
 *   mms_interface_traction        P e_z is continuous across both layer interfaces
 *   mms_order_axisym              nodal max error of the layered axisymmetric problem on
 *                                 8/16/32/64 cells per direction: observed order >= 1.9
 *   mms_order_3d                  the same in 3D on 4/8/16/24 cells per direction
 * The problem is described in mms_problem.h; tests/verify/verify_mms.c runs finer grids.
 */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mms_problem.h"

static void body_force_check(int ndim) {
  struct mms p;
  assert_int_equal(mms_init(&p, ndim), 0);
  double worst = 0.0, scale = 0.0;
  /* Points in every layer, away from the interfaces by more than the stencil (2h). */
  const double pts[6][3] = {{0.13, 0.71, -0.07}, {0.61, 0.22, -0.18}, {0.37, 0.55, -0.33},
                            {0.92, 0.81, -0.46}, {0.05, 0.44, -0.62}, {0.71, 0.09, -0.93}};
  for (int q = 0; q < 6; q++) {
    double X[3] = {pts[q][0], pts[q][1], pts[q][2]};
    if (ndim == 2) {
      X[1] = X[2];
      X[2] = 0.0;
    }
    double d1[3] = {0, 0, 0}, d2[3] = {0, 0, 0};
    assert_int_equal(mms_divP(&p, X, 1.0, d1), 0);
    /* h = 1e-3: truncation ~h^4 |P^(5)| ~ 1e-12 |P|, round-off ~1e-16 |P| / h = 1e-13 |P|. */
    mms_divP_fd(&p, X, 1.0, 1e-3, d2);
    for (int i = 0; i < ndim; i++) {
      worst = fmax(worst, fabs(d1[i] - d2[i]));
      scale = fmax(scale, fabs(d1[i]));
    }
  }
  printf("# body force %s: max |Div P (chain rule) - Div P (FD)| = %.3e of max %.3e Pa/m\n",
         ndim == 3 ? "3D" : "axisym", worst, scale);
  assert_true(scale > 100.0); /* the field is not trivial: |Div P| ~ 10^3..10^4 Pa/m */
  /* Both are accurate to ~1e-10 relative; 1e-7 catches any wrong derivative term (O(1) errors). */
  assert_true(worst <= 1e-7 * scale);
}

static void mms_body_force_axisym(void **state) {
  (void)state;
  body_force_check(2);
}
static void mms_body_force_3d(void **state) {
  (void)state;
  body_force_check(3);
}

static void mms_interface_traction(void **state) {
  (void)state;
  for (int ndim = 2; ndim <= 3; ndim++) {
    struct mms p;
    assert_int_equal(mms_init(&p, ndim), 0);
    const int zd = ndim - 1;
    double worst = 0.0;
    for (int i = 1; i < MMS_NLAYER; i++)
      for (int side = 0; side < 2; side++) {
        double X[3] = {0.37, 0.58, 0.0};
        X[zd] = mms_ztop[i] + (side ? 1e-10 : -1e-10); /* just above / below the interface */
        double F[9], dF[3][9], P[9];
        mms_F(&p, X, 1.0, F, dF);
        assert_int_equal(mms_stress(&p.mat[mms_layer_of(X[zd])], F, P, NULL), 0);
        for (int c = 0; c < 3; c++) worst = fmax(worst, fabs(P[3 * c + zd] - p.T[c]));
      }
    printf("# interface traction %dD: max |P e_z - T| = %.3e Pa (T = %.0f Pa); layer f_zz = %.5f %.5f %.5f\n",
           ndim, worst, p.T[zd], p.f[0][zd], p.f[1][zd], p.f[2][zd]);
    /* Newton on the 3x3 traction equations converges to round-off; the 1e-10 offset from the
     * interface changes P by ~1e-10 |grad P| ~ 1e-6 Pa. */
    assert_true(worst <= 1e-4);
    /* The layers really have different normal strains (a kink). */
    assert_true(fabs(p.f[0][zd] - p.f[1][zd]) > 0.01);
  }
}

static void order_study(int ndim, const int *Ns, int nN) {
  struct mms p;
  assert_int_equal(mms_init(&p, ndim), 0);
  struct mms_result r[8];
  printf("# MMS %s layered neo-Hookean (mu 2e4 / 2e3 / 2e5 Pa)\n", ndim == 3 ? "3D" : "axisymmetric");
  printf("#   N     dofs   max|u*| [m]   max error [m]  order   RMS error [m]  order  Newton  Krylov   time [s]\n");
  for (int q = 0; q < nN; q++) {
    r[q] = mms_solve(&p, Ns[q]);
    if (r[q].status != NS_OK) fail_msg("N = %d: %s", Ns[q], r[q].msg);
    const double lr = q ? log((double)Ns[q] / Ns[q - 1]) : NAN; /* log of the refinement ratio */
    double om = q ? log(r[q - 1].err_max / r[q].err_max) / lr : NAN;
    double o2 = q ? log(r[q - 1].err_l2 / r[q].err_l2) / lr : NAN;
    printf("# %4d %8zu   %.4e    %.4e     %5.2f   %.4e     %5.2f  %6d  %6d  %8.2f\n", r[q].N, r[q].ndof, r[q].umax,
           r[q].err_max, om, r[q].err_l2, o2, r[q].newton, r[q].linear, r[q].seconds);
  }
  /* Second order in the displacement (bilinear/trilinear interpolation; the kinks lie on grid
   * lines): every observed max-norm order over the three refinements >= 1.9 (measured 1.99-2.04;
   * the margin covers the pre-asymptotic coarsest pair). */
  for (int q = 1; q < nN; q++)
    assert_true(log(r[q - 1].err_max / r[q].err_max) / log((double)Ns[q] / Ns[q - 1]) >= 1.9);
}

static void mms_order_axisym(void **state) {
  (void)state;
  const int Ns[] = {8, 16, 32, 64};
  order_study(2, Ns, 4);
}

static void mms_order_3d(void **state) {
  (void)state;
  /* 24 instead of 32 keeps the program well under 30 s on two cores; the grid mapping is the
   * same at every N, so the ratio-1.5 refinement measures the order as well. */
  const int Ns[] = {4, 8, 16, 24};
  order_study(3, Ns, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mms_body_force_axisym), cmocka_unit_test(mms_body_force_3d),
      cmocka_unit_test(mms_interface_traction), cmocka_unit_test(mms_order_axisym),
      cmocka_unit_test(mms_order_3d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
