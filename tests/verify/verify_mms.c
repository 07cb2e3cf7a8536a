/* verify_mms.c — make verify: manufactured-solution refinement study of the mechanics core on
 * finer grids than make test (axisymmetric 8..128, 3D 4..64 cells per direction).
 *
 * Problem (tests/unit/mms_problem.h): three neo-Hookean layers with shear moduli 2e4 / 2e3 / 2e5
 * Pa and nu 0.45 / 0.30 / 0.40, finite strain (displacement gradients ~0.1-0.2), a piecewise-
 * affine part with continuous traction and kinked strain at the interfaces plus a smooth bubble;
 * Dirichlet data on the whole boundary, body force -Div P by the chain rule.
 * Prints the error table and one "[       OK ]" / "[  FAILED  ]" line per geometry: every
 * observed max-norm order >= 1.9 (second-order scheme).
 */
#include <math.h>
#include <stdio.h>

#include "../unit/mms_problem.h"

static int study(int ndim, const int *Ns, int nN) {
  struct mms p;
  if (mms_init(&p, ndim)) {
    printf("[  FAILED  ] mms_%s: set-up\n", ndim == 3 ? "3d" : "axisym");
    return 1;
  }
  printf("MMS %s, layered neo-Hookean (mu 2e4 / 2e3 / 2e5 Pa), %d threads\n", ndim == 3 ? "3D" : "axisymmetric",
         omp_get_max_threads());
  printf("   N      dofs   max|u*| [m]  max error [m]  order  RMS error [m]  order  Newton  Krylov  time [s]\n");
  double prev_max = NAN, prev_l2 = NAN, worst = HUGE_VAL;
  int ok = 1;
  for (int q = 0; q < nN; q++) {
    struct mms_result r = mms_solve(&p, Ns[q]);
    if (r.status != NS_OK) {
      printf("N = %d: %s\n", Ns[q], r.msg);
      ok = 0;
      break;
    }
    const double om = log2(prev_max / r.err_max), o2 = log2(prev_l2 / r.err_l2);
    if (q) worst = fmin(worst, om);
    printf("%4d %9zu   %.4e   %.4e    %5.2f   %.4e   %5.2f  %6d  %6d  %8.2f\n", r.N, r.ndof, r.umax, r.err_max,
           q ? om : NAN, r.err_l2, q ? o2 : NAN, r.newton, r.linear, r.seconds);
    fflush(stdout);
    prev_max = r.err_max;
    prev_l2 = r.err_l2;
  }
  /* Second order in the displacement: every observed max-norm order >= 1.9. */
  ok = ok && worst >= 1.9;
  printf("[  %s ] mms_%s: worst observed order %.3f (>= 1.9 required)\n", ok ? "     OK" : "FAILED ",
         ndim == 3 ? "3d" : "axisym", worst);
  return !ok;
}

int main(void) {
  const int n2[] = {8, 16, 32, 64, 128};
  const int n3[] = {4, 8, 16, 32, 64};
  int fails = study(2, n2, 5);
  fails += study(3, n3, 5);
  return fails ? 1 : 0;
}
