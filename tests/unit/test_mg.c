/* test_mg.c — multigrid-preconditioned Krylov solvers on structured block-stencil operators.
 *
 * Operators come from tests/unit/testops.c (Q1 elasticity / diffusion / convection assembled
 * independently of the solver). Checks:
 *   - PCG iteration counts stay flat under refinement (axisymmetric 64..256 cells, 3D 8..16)
 *     and bounded as the layer contrast grows 1 -> 10^2 -> 10^4, on graded layered skin blocks;
 *   - exact discrete solutions: an affine displacement field (homogeneous material, patch test)
 *     and a layered 1D compression field (contrast 10^4) are recovered to 1e-10;
 *   - the coarse operators equal P^T A P from a brute-force dense triple product with P built
 *     from coarse hat functions, and are symmetric;
 *   - Dirichlet dofs are never changed by a V-cycle or a solve;
 *   - GMRES converges on a nonsymmetric (convection-diffusion) operator;
 *   - the stand-alone cycle's convergence factor on the layered skin block stays below 0.4;
 *   - 1 and 2 threads give bitwise identical solutions (on grids above the thread policy's
 *     serial size, so that the finest levels really run on two threads);
 *   - the thread policy ns_mg_threads: 1 below 4096 nodes, the caller's count from there on, and
 *     a solve leaves the caller's thread count as it found it;
 *   - error paths (solve before setup, mismatched operator, iteration cap).
 */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mg_impl.h"
#include "needlesim/mg.h"
#include "needlesim/vec.h"
#include "testops.h"

/* Realistic layer contrast of the skin model: stratum corneum ~10 MPa over hypodermis ~5 kPa. */
#define REAL_CONTRAST 2e3

struct solved {
  int iterations;
  double *x;
  size_t n;
};

/* Solve the skin problem with PCG to rtol 1e-8 from x = 0. */
static struct solved solve_skin(enum ns_geometry geom, int cells, double contrast, double nu) {
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
  /* The reported residual is the recomputed true one; it may exceed the recursively updated one
   * by rounding only, so 2x the tolerance is ample. */
  assert_true(info.rnorm <= 2 * o.rtol * info.rnorm0);
  print_message("  %s %d cells, contrast %g, nu %g: %d levels, max aspect %.0f, %d PCG iterations\n",
                geom == NS_GEOM_3D ? "3D" : "axisymmetric", cells, contrast, nu, ns_mg_levels(mg), p.aspect_max,
                info.iterations);
  struct solved s = {info.iterations, x, p.A->ndof};
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
  return s;
}

static int iters(enum ns_geometry geom, int cells, double contrast, double nu) {
  struct solved s = solve_skin(geom, cells, contrast, nu);
  ns_vec_free(s.x);
  return s.iterations;
}

static void check_flat(const int *it, int n, double ratio, int cap) {
  int lo = it[0], hi = it[0];
  for (int i = 1; i < n; i++) {
    lo = it[i] < lo ? it[i] : lo;
    hi = it[i] > hi ? it[i] : hi;
  }
  assert_true(hi <= cap);
  assert_true((double)hi <= ratio * (double)lo);
}

/* Refinement: 64 -> 128 -> 256 cells (aspect ratios 112 -> 118) at the realistic contrast.
 * Bound: max/min <= 1.5 and at most 20 iterations (measured: 9, 8, 8). */
static void test_refinement_axisym(void **state) {
  (void)state;
  int it[3] = {iters(NS_GEOM_AXISYMMETRIC, 64, REAL_CONTRAST, 0.45), iters(NS_GEOM_AXISYMMETRIC, 128, REAL_CONTRAST, 0.45),
               iters(NS_GEOM_AXISYMMETRIC, 256, REAL_CONTRAST, 0.45)};
  check_flat(it, 3, 1.5, 20);
}

/* 3D refinement 8^3 -> 16^3 (2187 -> 14739 unknowns, aspect 68 -> 90) with plane smoothing.
 * Bound: max/min <= 1.5 and at most 20 iterations (measured 6, 6 at contrast 2000 with the K-cycle
 * and flexible CG; 7, 8 with the earlier full-coarsening W-cycle and plain CG). */
static void test_refinement_3d(void **state) {
  (void)state;
  int it[2] = {iters(NS_GEOM_3D, 8, REAL_CONTRAST, 0.45), iters(NS_GEOM_3D, 16, REAL_CONTRAST, 0.45)};
  check_flat(it, 2, 1.5, 20);
}

/* Contrast 1 -> 10^2 -> 10^4 (stratum corneum E0 c, dermis E0 sqrt(c)). The geometric
 * interpolation does not see the layers, so a 10^4 jump costs some iterations; the bound is
 * max/min <= 2 and at most 20 (measured axisymmetric 128 cells: 6, 7, 10). */
static void test_contrast_axisym(void **state) {
  (void)state;
  int it[3] = {iters(NS_GEOM_AXISYMMETRIC, 128, 1.0, 0.45), iters(NS_GEOM_AXISYMMETRIC, 128, 1e2, 0.45),
               iters(NS_GEOM_AXISYMMETRIC, 128, 1e4, 0.45)};
  check_flat(it, 3, 2.0, 20);
}

/* Same in 3D on 16^3 cells (measured 5, 5, 7 with the K-cycle and FCG(4), single smoothing below
 * the finest level; 5, 5, 8 with doubled smoothing there; the earlier linear
 * W-cycle with plain CG took 5, 6, 9; the K-cycle with FCG(1), i.e. CG with the Polak-Ribiere
 * beta, took 5, 6, 11: a nonlinear preconditioner needs the explicit orthogonalisation).
 * Near-incompressibility nu = 0.49 adds a few. */
static void test_contrast_3d(void **state) {
  (void)state;
  int it[3] = {iters(NS_GEOM_3D, 16, 1.0, 0.45), iters(NS_GEOM_3D, 16, 1e2, 0.45), iters(NS_GEOM_3D, 16, 1e4, 0.45)};
  check_flat(it, 3, 2.0, 20);
  assert_true(iters(NS_GEOM_AXISYMMETRIC, 128, 1e4, 0.49) <= 25);
}

/* --- exact discrete solutions --------------------------------------------------------------- */

/* Impose `exact` on every boundary node, solve the rest, and return max |x - exact| / max|exact|. */
static double recover(const struct ns_grid *g, const double *E, const double *nu, const double *exact) {
  const int nd = g->ndim;
  struct ns_err err = NS_ERR_INIT;
  struct ns_smat *A = NULL;
  assert_int_equal(ns_smat_create(g, nd, &A, &err), NS_OK);
  ns_testops_elasticity(A, E, nu);
  const size_t n = A->ndof;
  uint8_t *mask = calloc(n, 1);
  double *b = ns_vec_alloc(n), *x = ns_vec_alloc(n), *work = ns_vec_alloc(n);
  assert_true(mask && b && x && work);
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3] = {(int)(node % (size_t)g->n[0]), (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]),
                  (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]))};
    int bnd = 0;
    for (int d = 0; d < nd; d++) bnd |= ijk[d] == 0 || ijk[d] == g->n[d] - 1;
    for (int c = 0; c < nd; c++) mask[node * (size_t)nd + (size_t)c] = (uint8_t)bnd;
  }
  ns_testops_lift(A, mask, exact, b, work);
  ns_smat_dirichlet(A, mask);
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(g, nd, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, A, &err), NS_OK);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  /* Drive the algebraic error far below the 1e-10 we check. The 2-norm residual is dominated by
   * the stiff layer's rows (entries up to the contrast, 1e4, larger than the soft rows'), so a
   * relative residual of 1e-14 still left 2.4e-10 error in the soft region with the z-first
   * hierarchy (measured; 1.1e-11 after one more CG iteration): ask for the rounding floor. */
  o.rtol = 1e-16;
  o.atol = 0.0;
  struct ns_linsolve_info info;
  enum ns_status s = ns_mg_solve(mg, b, x, &o, &info, &err);
  /* Rounding may stall the residual just above 1e-14 relative; accept NS_ECONV if it got below 1e-12. */
  assert_true(s == NS_OK || info.rnorm <= 1e-12 * info.rnorm0);
  double emax = 0.0, umax = 0.0;
  for (size_t i = 0; i < n; i++) {
    emax = fmax(emax, fabs(x[i] - exact[i]));
    umax = fmax(umax, fabs(exact[i]));
  }
  ns_mg_free(mg);
  ns_smat_free(A);
  free(mask);
  ns_vec_free(b);
  ns_vec_free(x);
  ns_vec_free(work);
  return emax / umax;
}

/* Q1 reproduces linear fields (patch test): axisymmetric u_r = a r, u_z = b z + d (uniform
 * hoop = radial strain keeps sigma_rr = sigma_tt, so the field is an exact solution), and a
 * general affine field in 3D; homogeneous material on the graded skin grids. */
static void test_linear_field_exact(void **state) {
  (void)state;
  for (int geom = 0; geom < 2; geom++) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, geom ? 8 : 32, geom ? 8 : 32, 1.0, 0.3, &p), 0);
    const struct ns_grid *g = p.g;
    const int nd = g->ndim;
    const size_t ncell = ns_testops_ncells(g);
    for (size_t c = 0; c < ncell; c++) {
      p.E[c] = 2.385e4; /* homogeneous [Pa] */
      p.nu[c] = 0.4137;
    }
    double *exact = malloc(g->nnodes * (size_t)nd * sizeof(double));
    assert_non_null(exact);
    for (size_t node = 0; node < g->nnodes; node++) {
      int ijk[3] = {(int)(node % (size_t)g->n[0]), (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]),
                    (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]))};
      double X[3] = {0, 0, 0};
      for (int d = 0; d < nd; d++) X[d] = g->x[d][ijk[d]];
      double *u = exact + node * (size_t)nd;
      if (nd == 2) {
        u[0] = 0.0123 * X[0];
        u[1] = -0.0371 * X[1] + 2.3e-5;
      } else {
        u[0] = 0.0123 * X[0] - 0.0071 * X[1] + 0.0213 * X[2] + 1.1e-5;
        u[1] = 0.0042 * X[0] + 0.0311 * X[1] - 0.0137 * X[2] - 0.7e-5;
        u[2] = -0.0093 * X[0] + 0.0057 * X[1] - 0.0371 * X[2] + 2.3e-5;
      }
    }
    double e = recover(g, p.E, p.nu, exact);
    print_message("  affine field, %s: max error / max |u| = %.2e\n", nd == 2 ? "axisymmetric" : "3D", e);
    assert_true(e < 1e-10); /* exact up to rounding and the 1e-14 algebraic tolerance */
    free(exact);
    ns_testops_problem_free(&p);
  }
}

/* Layered uniaxial compression: u_z = f(z) with slope C / (lambda + 2 mu) per cell, all other
 * components zero. sigma_zz = C is continuous across the interfaces and the lateral stresses
 * are constant per layer, so this is an exact solution of the discrete equations for any
 * contrast (here 10^4, interfaces on graded nodes). */
static void test_layered_field_exact(void **state) {
  (void)state;
  for (int geom = 0; geom < 2; geom++) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, geom ? 8 : 32, geom ? 16 : 64, 1e4, 0.45, &p), 0);
    const struct ns_grid *g = p.g;
    const int nd = g->ndim, zd = nd - 1;
    /* Cells of one z-layer share one material (the layers are horizontal): slope per k. */
    const int nz = g->n[zd];
    double *f = malloc((size_t)nz * sizeof(double));
    assert_non_null(f);
    f[0] = 0.0;
    for (int k = 0; k + 1 < nz; k++) {
      size_t cell = (size_t)k * (nd == 2 ? (size_t)(g->n[0] - 1) : (size_t)(g->n[0] - 1) * (size_t)(g->n[1] - 1));
      double E = p.E[cell], nu = p.nu[cell];
      double M = E * (1 - nu) / ((1 + nu) * (1 - 2 * nu)); /* P-wave modulus lambda + 2 mu */
      f[k + 1] = f[k] + (-1e3 / M) * (g->x[zd][k + 1] - g->x[zd][k]);
    }
    double *exact = calloc(g->nnodes * (size_t)nd, sizeof(double));
    assert_non_null(exact);
    for (size_t node = 0; node < g->nnodes; node++) {
      int k = (int)(node / (size_t)g->stride[zd]);
      exact[node * (size_t)nd + (size_t)zd] = f[k];
    }
    double e = recover(g, p.E, p.nu, exact);
    print_message("  layered field (contrast 1e4), %s: max error / max |u| = %.2e\n", nd == 2 ? "axisymmetric" : "3D", e);
    assert_true(e < 1e-10);
    free(f);
    free(exact);
    ns_testops_problem_free(&p);
  }
}

/* --- Galerkin property ------------------------------------------------------------------------ */

/* 1D coarse hat function of coarse node I (coordinates X, n nodes) at x. */
static double hat(const double *X, int n, int I, double x) {
  if (I > 0 && x >= X[I - 1] && x <= X[I]) return (x - X[I - 1]) / (X[I] - X[I - 1]);
  if (I < n - 1 && x >= X[I] && x <= X[I + 1]) return (X[I + 1] - x) / (X[I + 1] - X[I]);
  return x == X[I] ? 1.0 : 0.0;
}

static double *dense_of(const struct ns_smat *A) {
  const struct ns_grid *g = A->grid;
  const int nc = A->ncomp, nd = g->ndim;
  const size_t n = A->ndof;
  double *D = calloc(n * n, sizeof(double));
  assert_non_null(D);
  for (size_t node = 0; node < g->nnodes; node++) {
    int ijk[3] = {(int)(node % (size_t)g->n[0]), (int)((node / (size_t)g->n[0]) % (size_t)g->n[1]),
                  (int)(node / ((size_t)g->n[0] * (size_t)g->n[1]))};
    for (int s = 0; s < A->nstencil; s++) {
      int d[3] = {s % 3 - 1, (s / 3) % 3 - 1, nd == 3 ? s / 9 - 1 : 0}, nb[3] = {0, 0, 0}, in = 1;
      for (int q = 0; q < nd; q++) {
        nb[q] = ijk[q] + d[q];
        in &= nb[q] >= 0 && nb[q] < g->n[q];
      }
      if (!in) continue;
      size_t col = ns_grid_index(g, nb[0], nb[1], nb[2]);
      for (int r = 0; r < nc; r++)
        for (int c = 0; c < nc; c++)
          D[(node * (size_t)nc + (size_t)r) * n + col * (size_t)nc + (size_t)c] =
              A->a[node * A->bs + (size_t)(s * nc * nc + r * nc + c)];
    }
  }
  return D;
}

/* Index of coordinate v among x[0..n-1] (exact match), -1 when absent. */
static int coord_index(const double *x, int n, double v) {
  for (int i = 0; i < n; i++)
    if (x[i] == v) return i;
  return -1;
}

/* Brute-force P^T A P against level 1 of a hierarchy: with top == 0 every possible coarsening
 * (ns_mg_create_opts, coarse target 0, so level 1 exists even on tiny grids); with top == 1 the
 * default 3D hierarchy (ns_mg_create), whose z coarsening keeps the layer interfaces. */
static void galerkin_case(enum ns_geometry geom, int cells, int cells_z, int top) {
  struct ns_testops_problem p;
  assert_int_equal(ns_testops_skin(geom, cells, cells_z, 1e3, 0.4, &p), 0);
  const struct ns_grid *gf = p.g;
  const int nd = gf->ndim, nc = nd;
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  if (top) assert_int_equal(ns_mg_create(gf, nc, &mg, &err), NS_OK);
  else assert_int_equal(ns_mg_create_opts(gf, nc, 0, NS_MG_SMOOTH_LINES, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
  /* After the setup: a 3D ns_mg_create hierarchy builds its coarse levels there. */
  assert_true(ns_mg_levels(mg) >= 2);
  const struct ns_grid *gc = mg->lev[1].g;
  const size_t nf = p.A->ndof, ncd = gc->nnodes * (size_t)nc;
  if (top) {
    /* Some kept z index is odd: level 1 is not the every-other-node selection. */
    int odd = 0;
    for (int i = 0; i < mg->nzkeep; i++) odd |= mg->zkeep[i] & 1;
    print_message("  interface-keeping 3D %d x %d cells: %d levels, level 1 has %d z nodes, kept z index %d\n", cells,
                  cells_z, mg->nlev, gc->n[2], mg->nzkeep ? mg->zkeep[0] : -1);
    assert_true(odd);
    assert_true(gc->n[2] > (gf->n[2] - 1) / 2 + 1);
  }
  /* P from the coarse hat functions evaluated at the fine nodes; zero rows for fine Dirichlet
   * dofs and zero columns for coarse dofs sitting on a fine Dirichlet dof. */
  double *P = calloc(nf * ncd, sizeof(double));
  assert_non_null(P);
  uint8_t *cmask = calloc(ncd, 1);
  for (size_t I = 0; I < gc->nnodes; I++) {
    int Ic[3] = {(int)(I % (size_t)gc->n[0]), (int)((I / (size_t)gc->n[0]) % (size_t)gc->n[1]),
                 (int)(I / ((size_t)gc->n[0] * (size_t)gc->n[1]))};
    /* The fine node under coarse node I (coarse coordinates are fine ones). */
    int fi0[3] = {0, 0, 0};
    for (int d = 0; d < nd; d++) {
      fi0[d] = coord_index(gf->x[d], gf->n[d], gc->x[d][Ic[d]]);
      assert_true(fi0[d] >= 0);
    }
    size_t fc = ns_grid_index(gf, fi0[0], fi0[1], fi0[2]);
    for (int c = 0; c < nc; c++) cmask[I * (size_t)nc + (size_t)c] = p.mask[fc * (size_t)nc + (size_t)c];
    for (size_t i = 0; i < gf->nnodes; i++) {
      int fi[3] = {(int)(i % (size_t)gf->n[0]), (int)((i / (size_t)gf->n[0]) % (size_t)gf->n[1]),
                   (int)(i / ((size_t)gf->n[0] * (size_t)gf->n[1]))};
      double w = 1.0;
      for (int d = 0; d < nd; d++) w *= hat(gc->x[d], gc->n[d], Ic[d], gf->x[d][fi[d]]);
      for (int c = 0; c < nc; c++)
        if (!p.mask[i * (size_t)nc + (size_t)c] && !cmask[I * (size_t)nc + (size_t)c])
          P[(i * (size_t)nc + (size_t)c) * ncd + I * (size_t)nc + (size_t)c] = w;
    }
  }
  double *Af = dense_of(p.A), *Ac = dense_of(mg->lev[1].A);
  double *AP = calloc(nf * ncd, sizeof(double));
  assert_non_null(AP);
  for (size_t i = 0; i < nf; i++)
    for (size_t k = 0; k < nf; k++) {
      double a = Af[i * nf + k];
      if (a != 0.0)
        for (size_t J = 0; J < ncd; J++) AP[i * ncd + J] += a * P[k * ncd + J];
    }
  double amax = 0.0, dmax = 0.0;
  for (size_t I = 0; I < ncd; I++)
    for (size_t J = 0; J < ncd; J++) {
      double v = 0.0;
      for (size_t i = 0; i < nf; i++) v += P[i * ncd + I] * AP[i * ncd + J];
      if (cmask[I] || cmask[J]) v = I == J ? 1.0 : 0.0; /* coarse Dirichlet: unit row/column */
      amax = fmax(amax, fabs(v));
      dmax = fmax(dmax, fabs(v - Ac[I * ncd + J]));
    }
  print_message("  Galerkin %s %d x %d cells%s: max |A_c - P^T A P| / max |A_c| = %.2e\n",
                nd == 2 ? "axisymmetric" : "3D", cells, cells_z, top ? " (interface-keeping)" : "", dmax / amax);
  /* Both sides sum the same products in different orders: agreement to ~100 ulps. */
  assert_true(dmax <= 1e-13 * amax);
  /* Every coarse operator is symmetric (to rounding). */
  for (int l = 1; l < ns_mg_levels(mg); l++) assert_true(ns_smat_asymmetry(mg->lev[l].A) < 1e-13);
  free(P);
  free(cmask);
  free(Af);
  free(Ac);
  free(AP);
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
}

static void test_galerkin_bruteforce(void **state) {
  (void)state;
  galerkin_case(NS_GEOM_AXISYMMETRIC, 8, 8, 0);
  galerkin_case(NS_GEOM_3D, 4, 4, 0);
  /* 5 x 5 x 13 nodes (975 unknowns, above the coarse target): an interface-keeping z-only
   * coarsening with an interface on an odd z index (asserted in galerkin_case), so level 1 is a
   * non-uniform selection of the z nodes. */
  galerkin_case(NS_GEOM_3D, 4, 12, 1);
}

/* --- Dirichlet dofs untouched ----------------------------------------------------------------- */

static void test_dirichlet_untouched(void **state) {
  (void)state;
  for (int geom = 0; geom < 2; geom++) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, geom ? 8 : 32, geom ? 8 : 32, 1e3, 0.45, &p), 0);
    const size_t n = p.A->ndof;
    struct ns_err err = NS_ERR_INIT;
    struct ns_mg *mg = NULL;
    assert_int_equal(ns_mg_create(p.g, p.A->ncomp, &mg, &err), NS_OK);
    assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
    double *x = ns_vec_alloc(n);
    for (size_t i = 0; i < n; i++)
      if (p.mask[i]) p.b[i] = x[i] = 1e-4 * (ns_testops_hash01(i) - 0.5); /* prescribed values */
    assert_int_equal(ns_mg_vcycle(mg, p.b, x, &err), NS_OK);
    for (size_t i = 0; i < n; i++)
      if (p.mask[i]) assert_true(x[i] == p.b[i]); /* bitwise: never touched */
    struct ns_linsolve_info info;
    struct ns_linsolve_opts o = ns_linsolve_defaults();
    assert_int_equal(ns_mg_solve(mg, p.b, x, &o, &info, &err), NS_OK);
    for (size_t i = 0; i < n; i++)
      if (p.mask[i]) assert_true(fabs(x[i] - p.b[i]) <= 1e-12 * 1e-4); /* CG's updates vanish there */
    ns_vec_free(x);
    ns_mg_free(mg);
    ns_testops_problem_free(&p);
  }
}

/* --- GMRES on a nonsymmetric operator --------------------------------------------------------- */

/* The 16 x 16 axisymmetric layered skin operator (contrast 1e2, nu 0.4) with its Dirichlet rows,
 * shared by the Krylov stagnation and direct-solve tests. */
static struct ns_smat *skin16_operator(struct ns_testops_problem *p) {
  assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, 16, 16, 1e2, 0.4, p), 0);
  struct ns_err err = NS_ERR_INIT;
  struct ns_smat *A = NULL;
  assert_int_equal(ns_smat_create(p->g, p->g->ndim, &A, &err), NS_OK);
  ns_testops_elasticity(A, p->E, p->nu);
  ns_smat_dirichlet(A, p->mask);
  return A;
}

/* Krylov stopping at stagnation: GMRES asked for a tolerance below round-off (rtol 1e-30) reaches
 * the round-off floor and then stops at the first restart cycle that does not lower the true
 * residual (the same residual builds the same space, so it never would), with NS_ECONV, long
 * before max_iter = 2000 (without the guard it ran all 2000 iterations). */
static void test_krylov_stagnation(void **state) {
  (void)state;
  struct ns_testops_problem p;
  struct ns_smat *A = skin16_operator(&p);
  const struct ns_grid *g = p.g;
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(g, g->ndim, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, A, &err), NS_OK);
  double *x = ns_vec_alloc(A->ndof);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  o.rtol = 1e-30;
  o.atol = 0.0;
  o.max_iter = 2000;
  o.method = NS_KRYLOV_GMRES;
  o.gmres_restart = 5;
  struct ns_linsolve_info info;
  assert_int_equal(ns_mg_solve(mg, p.b, x, &o, &info, &err), NS_ECONV);
  print_message("  GMRES(5), rtol 1e-30: stopped after %d iterations at %.2e of %.2e\n", info.iterations, info.rnorm,
                info.rnorm0);
  assert_true(info.iterations < 200);            /* stagnation found, not max_iter */
  assert_true(info.rnorm <= 1e-10 * info.rnorm0); /* it did reach the round-off floor first */
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_smat_free(A);
  ns_testops_problem_free(&p);
}

/* Layered elasticity plus a Q1 convection term on every component (a stand-in for the
 * nonsymmetric tangents of friction and follower loads): convection entries ~ v h^2 against
 * stiffness entries ~ E h, with v chosen so that v h / E ~ 0.5 in the largest hypodermis cells. */
static void test_gmres_nonsymmetric(void **state) {
  (void)state;
  for (int geom = 0; geom < 2; geom++) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, geom ? 16 : 64, geom ? 16 : 64, 1e2, 0.4, &p), 0);
    const struct ns_grid *g = p.g;
    struct ns_err err = NS_ERR_INIT;
    struct ns_smat *A = NULL;
    assert_int_equal(ns_smat_create(g, g->ndim, &A, &err), NS_OK);
    ns_testops_elasticity(A, p.E, p.nu);
    const double vs = 0.5 * 5e3 / 2.5e-4; /* [Pa/m]: (v h / E) = 0.5 for E = 5 kPa, h = 0.25 mm */
    double v[3] = {vs, -0.75 * vs, 1.25 * vs};
    ns_testops_convection(A, v);
    ns_smat_dirichlet(A, p.mask);
    const double asym = ns_smat_asymmetry(A);
    assert_true(asym > 1e-5); /* relative to max|A|, which sits in the thin stiff layer */
    double *x = ns_vec_alloc(A->ndof);
    struct ns_mg *mg = NULL;
    assert_int_equal(ns_mg_create(g, g->ndim, &mg, &err), NS_OK);
    assert_int_equal(ns_mg_setup(mg, A, &err), NS_OK);
    struct ns_linsolve_opts o = ns_linsolve_defaults();
    o.method = NS_KRYLOV_GMRES;
    o.gmres_restart = 20; /* small restart so that restarting is exercised */
    o.max_iter = 100;
    struct ns_linsolve_info info;
    assert_int_equal(ns_mg_solve(mg, p.b, x, &o, &info, &err), NS_OK);
    print_message("  GMRES(20) nonsymmetric %s (asymmetry %.1e): %d iterations, residual %.2e -> %.2e\n",
                  geom ? "3D" : "axisymmetric", asym, info.iterations, info.rnorm0, info.rnorm);
    assert_true(info.rnorm <= 1e-8 * info.rnorm0);
    assert_true(info.iterations <= 40); /* measured well below; MG keeps it grid-robust */
    /* Independent check of the reported (true) residual. */
    double *r = ns_vec_alloc(A->ndof);
    ns_smat_residual(A, p.b, x, r);
    assert_true(ns_vec_norm2(A->ndof, r) <= 1.0001 * info.rnorm);
    ns_vec_free(r);
    ns_vec_free(x);
    ns_mg_free(mg);
    ns_smat_free(A);
    ns_testops_problem_free(&p);
  }
}

/* Direct fallback (ns_mg_solve_direct): the axisymmetric skin operator shifted by -sigma I on the
 * free dofs, sigma = half the mean free diagonal, is indefinite (the shift exceeds its smallest
 * eigenvalues), as the crushed-core penetration tangents are; with a manufactured solution x* (b =
 * A x*), the banded LU must return x* to 1e-8 relative (cond(A) of this 578-unknown operator is
 * far below 1e8, so LU with partial pivoting loses fewer than 8 digits) with a true residual at
 * rtol. A 3D grid's band matrix exceeds the 64 MiB limit: NS_EINPUT, not an attempt. */
static void test_direct_indefinite(void **state) {
  (void)state;
  struct ns_testops_problem p;
  struct ns_smat *A = skin16_operator(&p);
  const struct ns_grid *g = p.g;
  struct ns_err err = NS_ERR_INIT;
  const int nc = A->ncomp, sc = 4; /* centre entry of the 9-point stencil */
  double dsum = 0.0;
  size_t nfree = 0;
  for (size_t i = 0; i < A->ndof; i++)
    if (!p.mask[i]) {
      dsum += A->a[(i / (size_t)nc) * A->bs + (size_t)(sc * nc * nc) + (i % (size_t)nc) * (size_t)(nc + 1)];
      nfree++;
    }
  const double sigma = 0.5 * dsum / (double)nfree;
  for (size_t i = 0; i < A->ndof; i++)
    if (!p.mask[i]) A->a[(i / (size_t)nc) * A->bs + (size_t)(sc * nc * nc) + (i % (size_t)nc) * (size_t)(nc + 1)] -= sigma;
  double *xs = ns_vec_alloc(A->ndof), *b = ns_vec_alloc(A->ndof), *x = ns_vec_alloc(A->ndof);
  for (size_t i = 0; i < A->ndof; i++) xs[i] = p.mask[i] ? 0.0 : sin(0.37 * (double)i) + 0.5;
  ns_smat_apply(A, xs, b);
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(g, g->ndim, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, A, &err), NS_OK);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  struct ns_linsolve_info info;
  ns_vec_set(A->ndof, x, 0.0);
  const enum ns_status sg = ns_mg_solve(mg, b, x, &(struct ns_linsolve_opts){.method = NS_KRYLOV_CG, .rtol = 1e-8,
                                        .max_iter = 200, .pre_smooth = 2, .post_smooth = 2, .gmres_restart = 30},
                                        &info, &err);
  print_message("  indefinite (sigma %.3g): CG status %d, residual %.2e of %.2e\n", sigma, (int)sg, info.rnorm,
                info.rnorm0);
  ns_vec_set(A->ndof, x, 0.0);
  assert_int_equal(ns_mg_solve_direct(mg, b, x, &o, &info, &err), NS_OK);
  double e = 0.0, xn = 0.0;
  for (size_t i = 0; i < A->ndof; i++) {
    e += (x[i] - xs[i]) * (x[i] - xs[i]);
    xn += xs[i] * xs[i];
  }
  print_message("  direct: residual %.2e of %.2e, error %.2e relative\n", info.rnorm, info.rnorm0, sqrt(e / xn));
  assert_true(info.rnorm <= o.rtol * info.rnorm0);
  assert_true(sqrt(e / xn) <= 1e-8);
  ns_vec_free(xs);
  ns_vec_free(b);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_smat_free(A);
  ns_testops_problem_free(&p);
  /* 3D: refused by size. */
  assert_int_equal(ns_testops_skin(NS_GEOM_3D, 16, 16, 1e2, 0.4, &p), 0);
  assert_int_equal(ns_mg_create(p.g, p.A->ncomp, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
  x = ns_vec_alloc(p.A->ndof);
  ns_vec_set(p.A->ndof, x, 0.0);
  assert_int_equal(ns_mg_solve_direct(mg, p.b, x, &o, &info, &err), NS_EINPUT);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
}

/* --- stand-alone cycle factor ------------------------------------------------------------------ */

/* The cycle (V on the finest level, W below) as a stationary iteration on
 * the axisymmetric skin block, contrast 2000: the asymptotic factor (geometric mean of the residual
 * ratios over cycles 3..8, as bench_solver measures it) must stay below the benchmark target 0.2.
 * Measured 0.112 on 128 cells; a plain V-cycle with the same smoother gives 0.48, full coarsening
 * 0.29. On 256 cells the dermis / hypodermis interface falls on an odd z index (a fine-only node
 * of the z-only first coarsening), and the factor is 0.157 with the operator-dependent weights
 * there, 0.226 with linear interpolation: the bound detects a lost z-first coarsening, W-cycle or
 * interface weights, and leaves room for rounding-level changes in the kernels. */
static void test_cycle_factor(void **state) {
  (void)state;
  for (int cells = 128; cells <= 256; cells *= 2) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, cells, cells, REAL_CONTRAST, 0.45, &p), 0);
    struct ns_err err = NS_ERR_INIT;
    struct ns_mg *mg = NULL;
    assert_int_equal(ns_mg_create(p.g, p.A->ncomp, &mg, &err), NS_OK);
    assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
    const size_t n = p.A->ndof;
    double *x = ns_vec_alloc(n), *r = ns_vec_alloc(n), rn[9];
    assert_true(x && r);
    ns_vec_set(n, x, 0.0);
    ns_smat_residual(p.A, p.b, x, r);
    rn[0] = ns_vec_norm2(n, r);
    for (int c = 1; c <= 8; c++) {
      assert_int_equal(ns_mg_vcycle(mg, p.b, x, &err), NS_OK);
      ns_smat_residual(p.A, p.b, x, r);
      rn[c] = ns_vec_norm2(n, r);
    }
    const double factor = pow(rn[8] / rn[2], 1.0 / 6.0);
    print_message("  cycle factor, axisymmetric %d cells, contrast 2000: %.3f\n", cells, factor);
    assert_true(factor < 0.2);
    ns_vec_free(x);
    ns_vec_free(r);
    ns_mg_free(mg);
    ns_testops_problem_free(&p);
  }
}

/* --- thread-count independence ---------------------------------------------------------------- */

static void test_threads_bitwise(void **state) {
  (void)state;
  const int saved = omp_get_max_threads();
  for (int geom = 0; geom < 2; geom++) {
    /* 65^2 = 4225 and 17^3 = 4913 nodes: the finest level is above ns_mg_threads' 4096 nodes
     * and runs on two threads, the coarser ones in the one-thread scope. */
    const int cells = geom ? 16 : 64;
    omp_set_num_threads(1);
    struct solved a = solve_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, cells, 1e3, 0.45);
    omp_set_num_threads(2);
    struct solved b = solve_skin(geom ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, cells, 1e3, 0.45);
    assert_int_equal(a.iterations, b.iterations);
    assert_int_equal(memcmp(a.x, b.x, a.n * sizeof(double)), 0);
    /* The solve's one-thread scopes gave the caller's count back. */
    assert_int_equal(omp_get_max_threads(), 2);
    ns_vec_free(a.x);
    ns_vec_free(b.x);
  }
  omp_set_num_threads(saved);
}

/* The policy's threshold is 4096 nodes (sim/mg.c, NS_MG_PARALLEL_MIN_NODES): one thread below,
 * the caller's count at and above it, whatever that count is. */
static void test_thread_policy(void **state) {
  (void)state;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(2);
  assert_int_equal(ns_mg_threads(0), 1);
  assert_int_equal(ns_mg_threads(4095), 1);
  assert_int_equal(ns_mg_threads(4096), 2);
  assert_int_equal(ns_mg_threads((size_t)1 << 30), 2);
  /* The one-thread scope: sets 1 for a small grid and gives 2 back; no-op for a large one. */
  int prev = ns_mg_serial_begin(100);
  assert_int_equal(omp_get_max_threads(), 1);
  ns_mg_serial_end(prev);
  assert_int_equal(omp_get_max_threads(), 2);
  prev = ns_mg_serial_begin(100000);
  assert_int_equal(prev, 0);
  assert_int_equal(omp_get_max_threads(), 2);
  ns_mg_serial_end(prev);
  omp_set_num_threads(3);
  assert_int_equal(ns_mg_threads(5000), 3);
  omp_set_num_threads(saved);
}

/* --- error paths ---------------------------------------------------------------------------- */

static void test_errors(void **state) {
  (void)state;
  struct ns_testops_problem p, q;
  assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, 64, 64, 1e3, 0.45, &p), 0);
  assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, 32, 64, 1e3, 0.45, &q), 0);
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(p.g, 2, &mg, &err), NS_OK);
  double *x = ns_vec_alloc(p.A->ndof);
  struct ns_linsolve_info info;
  assert_int_equal(ns_mg_solve(mg, p.b, x, NULL, &info, &err), NS_EINTERNAL);
  ns_err_clear(&err);
  assert_int_equal(ns_mg_setup(mg, q.A, &err), NS_EINTERNAL); /* operator of another grid */
  ns_err_clear(&err);
  assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
  struct ns_linsolve_opts o = ns_linsolve_defaults();
  o.max_iter = 2;
  assert_int_equal(ns_mg_solve(mg, p.b, x, &o, &info, &err), NS_ECONV);
  assert_int_equal(info.iterations, 2);
  assert_false(info.converged);
  assert_true(strstr(err.msg, "did not reach") != NULL);
  struct ns_mg *bad = NULL;
  assert_int_equal(ns_mg_create(p.g, 4, &bad, &err), NS_EINTERNAL); /* ncomp out of range */
  assert_null(bad);
  ns_vec_free(x);
  ns_mg_free(mg);
  ns_mg_free(NULL);
  ns_testops_problem_free(&p);
  ns_testops_problem_free(&q);
}

/* --- Semi-coarsening ---------------------------------------------------------------------------- */

/* A top-level hierarchy halves z only on its first coarsening (the coarse nodes are the fine
 * nodes (i, 2k) / (i, j, 2k) at the same coordinates), every direction after that, in 2D and 3D
 * alike (3D used full coarsening before the K-cycle; see mg_impl.h). What this protects: the
 * coarse nodes are fine nodes, so the bilinear/trilinear interpolation is exact for linear fields
 * in physical coordinates; the z-only step takes the coarse cells' aspect ratio (r or x, y over z,
 * up to ~100 on the graded skin grids) from a to a / 2 at most once, and the later full coarsenings
 * keep it fixed, so no coarse level gets more anisotropic than the finest level's. */
/* Largest cell aspect ratio max(h) / min(h) over the cells of g. */
static double grid_aspect(const struct ns_grid *g) {
  double amax = 1.0;
  for (size_t cell = 0; cell < ns_testops_ncells(g); cell++) {
    size_t c = cell;
    double hmin = INFINITY, hmax = 0.0;
    for (int d = 0; d < g->ndim; d++) {
      const int i = (int)(c % (size_t)(g->n[d] - 1));
      c /= (size_t)(g->n[d] - 1);
      const double h = g->x[d][i + 1] - g->x[d][i];
      hmin = fmin(hmin, h);
      hmax = fmax(hmax, h);
    }
    amax = fmax(amax, hmax / hmin);
  }
  return amax;
}

/* The default 3D hierarchy keeps the layer interfaces as coarse z nodes: after setup on the skin
 * block of 32^3 and 48^3 cells, its kept z indices are exactly the planes where the cell modulus
 * changes (read from the problem's per-cell E, independent of the operator), every level above the
 * coarsest has those planes' z coordinates among its own, and no coarse z cell spans more than
 * two cells of the level above (the interpolation support). On 48^3 the dermis interface is at the
 * odd z index 9, which every-other-node coarsening dropped. */
static void test_interface_keeping(void **state) {
  (void)state;
  const int sizes[2] = {32, 48};
  for (int t = 0; t < 2; t++) {
    struct ns_testops_problem p;
    assert_int_equal(ns_testops_skin(NS_GEOM_3D, sizes[t], sizes[t], 2e3, 0.45, &p), 0);
    const struct ns_grid *g = p.g;
    int expect[8], ne = 0;
    const size_t cz = (size_t)(g->n[0] - 1) * (size_t)(g->n[1] - 1); /* cells per cell layer */
    for (int k = 1; k + 1 < g->n[2]; k++)
      if (p.E[(size_t)(k - 1) * cz] != p.E[(size_t)k * cz]) {
        assert_true(ne < 8);
        expect[ne++] = k;
      }
    assert_int_equal(ne, 2);
    struct ns_err err = NS_ERR_INIT;
    struct ns_mg *mg = NULL;
    assert_int_equal(ns_mg_create(g, 3, &mg, &err), NS_OK);
    assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
    assert_int_equal(mg->nzkeep, ne);
    for (int i = 0; i < ne; i++) assert_int_equal(mg->zkeep[i], expect[i]);
    print_message("  interface-keeping 3D %d cells: interfaces at z index %d, %d; z nodes per level", sizes[t],
                  expect[0], expect[1]);
    for (int l = 0; l < mg->nlev; l++) print_message(" %d", mg->lev[l].g->n[2]);
    print_message("\n");
    for (int l = 0; l + 1 < mg->nlev; l++) {
      const struct ns_grid *gl = mg->lev[l].g, *gn = mg->lev[l + 1].g;
      for (int i = 0; i < ne; i++) assert_true(coord_index(gl->x[2], gl->n[2], g->x[2][expect[i]]) >= 0);
      int prev = 0;
      for (int k = 1; k < gn->n[2]; k++) {
        const int kf = coord_index(gl->x[2], gl->n[2], gn->x[2][k]);
        assert_true(kf > prev && kf - prev <= 2);
        prev = kf;
      }
      assert_int_equal(prev, gl->n[2] - 1);
    }
    ns_mg_free(mg);
    ns_testops_problem_free(&p);
  }
}

static void test_semicoarsening_shape(void **state) {
  (void)state;
  struct ns_testops_problem p;
  assert_int_equal(ns_testops_skin(NS_GEOM_AXISYMMETRIC, 32, 32, 1e3, 0.45, &p), 0);
  struct ns_err err = NS_ERR_INIT;
  struct ns_mg *mg = NULL;
  assert_int_equal(ns_mg_create(p.g, 2, &mg, &err), NS_OK);
  assert_true(mg->nlev >= 3);
  const struct ns_grid *g0 = mg->lev[0].g, *g1 = mg->lev[1].g, *g2 = mg->lev[2].g;
  assert_int_equal(g1->n[0], g0->n[0]);
  assert_int_equal(g1->n[1], (g0->n[1] - 1) / 2 + 1);
  for (int i = 0; i < g1->n[0]; i++) assert_true(g1->x[0][i] == g0->x[0][i]);
  for (int k = 0; k < g1->n[1]; k++) assert_true(g1->x[1][k] == g0->x[1][2 * k]);
  assert_int_equal(g2->n[0], (g1->n[0] - 1) / 2 + 1);
  assert_int_equal(g2->n[1], (g1->n[1] - 1) / 2 + 1);
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
  /* 3D: a homogeneous block (contrast 1: no layer interfaces for the setup to keep), so the z
   * coarsening is the plain every-other-index one; the setup builds the levels. */
  assert_int_equal(ns_testops_skin(NS_GEOM_3D, 8, 8, 1.0, 0.45, &p), 0);
  assert_int_equal(ns_mg_create(p.g, 3, &mg, &err), NS_OK);
  assert_int_equal(ns_mg_setup(mg, p.A, &err), NS_OK);
  assert_true(mg->nlev >= 3);
  const struct ns_grid *h0 = mg->lev[0].g, *h1 = mg->lev[1].g, *h2 = mg->lev[2].g;
  for (int d = 0; d < 2; d++) {
    assert_int_equal(h1->n[d], h0->n[d]);
    for (int i = 0; i < h1->n[d]; i++) assert_true(h1->x[d][i] == h0->x[d][i]);
    assert_int_equal(h2->n[d], (h1->n[d] - 1) / 2 + 1);
  }
  assert_int_equal(h1->n[2], (h0->n[2] - 1) / 2 + 1);
  for (int k = 0; k < h1->n[2]; k++) assert_true(h1->x[2][k] == h0->x[2][2 * k]);
  assert_int_equal(h2->n[2], (h1->n[2] - 1) / 2 + 1);
  /* Coarse cell aspect ratios never exceed the finest level's (the z-only step lowers them). */
  for (int l = 1; l < mg->nlev; l++) assert_true(grid_aspect(mg->lev[l].g) <= grid_aspect(h0) * (1 + 1e-12));
  ns_mg_free(mg);
  ns_testops_problem_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refinement_axisym), cmocka_unit_test(test_refinement_3d),
      cmocka_unit_test(test_contrast_axisym),   cmocka_unit_test(test_contrast_3d),
      cmocka_unit_test(test_linear_field_exact), cmocka_unit_test(test_layered_field_exact),
      cmocka_unit_test(test_semicoarsening_shape), cmocka_unit_test(test_interface_keeping),
      cmocka_unit_test(test_galerkin_bruteforce), cmocka_unit_test(test_dirichlet_untouched),
      cmocka_unit_test(test_gmres_nonsymmetric),
      cmocka_unit_test(test_direct_indefinite), cmocka_unit_test(test_krylov_stagnation), cmocka_unit_test(test_threads_bitwise),
      cmocka_unit_test(test_thread_policy),
      cmocka_unit_test(test_cycle_factor),      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
