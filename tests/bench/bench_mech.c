/* bench_mech.c — cost of the mechanics core: seconds per Newton iteration per unknown.
 *
 * Problem: a punch (disc of prescribed vertical displacement, radius 1/4 of the width, pressed
 * 5 % of the depth) on a two-layer neo-Hookean block (stiff top fifth, mu 50 / 5 kPa, nu 0.45),
 * bottom fixed, symmetry planes sliding, graded towards the punch axis and the surface; one load
 * step of two substeps. Three sizes per geometry (axisymmetric and 3D).
 * Output: a table, and out/bench-mech.json ({"mech": [one object per size]}) for tests/bench/run.sh:
 * dofs, Newton and Krylov iterations, seconds in assembly / multigrid set-up / linear solves,
 * seconds per Newton iteration and per Newton iteration and unknown.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/grid.h"
#include "needlesim/mech.h"

static double ramp(double t, void *ctx) {
  (void)ctx;
  return t;
}

static int run(int ndim, int N, FILE *json, int first) {
  const double W = 2e-3, D = 2e-3; /* m: width (radius or half-width) and depth */
  int n[3] = {1, 1, 1};
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < ndim; d++) {
    n[d] = N + 1;
    x[d] = malloc((size_t)n[d] * sizeof(double));
    if (d < ndim - 1) ns_grid_coords_stretched(N, 0.0, W, 1.5, 1, x[d]);
    else ns_grid_coords_stretched(N, -D, 0.0, 1.5, 0, x[d]);
  }
  struct ns_grid *g = NULL;
  struct ns_mech *m = NULL;
  struct ns_err err = NS_ERR_INIT;
  enum ns_status s = ns_grid_create(ndim == 3 ? NS_GEOM_3D : NS_GEOM_AXISYMMETRIC, n, (const double *const *)x, &g, &err);
  for (int d = 0; d < 3; d++) free(x[d]);
  if (s != NS_OK) {
    fprintf(stderr, "bench_mech: %s\n", err.msg);
    return 1;
  }
  struct ns_material mats[2];
  memset(mats, 0, sizeof mats);
  for (int i = 0; i < 2; i++) {
    const double mu = i ? 5e3 : 5e4, nu = 0.45; /* Pa, 1 */
    mats[i].model = NS_HYPER_NEOHOOKE;
    mats[i].mu = mu;
    mats[i].kappa = 2.0 * mu * (1.0 + nu) / (3.0 * (1.0 - 2.0 * nu));
    mats[i].alpha = 2.0;
    mats[i].density = 1100.0;
  }
  size_t ncell = 1;
  for (int d = 0; d < ndim; d++) ncell *= (size_t)N;
  uint8_t *ids = malloc(ncell);
  const size_t layer = ncell / (size_t)N; /* cells per horizontal layer */
  for (size_t c = 0; c < ncell; c++) {
    const size_t kz = c / layer;
    ids[c] = g->x[ndim - 1][kz] >= -0.2 * D ? 0 : 1;
  }
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.dt_initial = 0.5;
  s = ns_mech_create(g, mats, 2, ids, &o, &m, &err);
  free(ids);
  if (s == NS_OK) s = ns_mech_set_face(m, ns_mech_face_bottom(ndim), NS_BC_FIXED, &err);
  for (int d = 0; s == NS_OK && d < ndim - 1; d++) s = ns_mech_set_face(m, 2 * d, NS_BC_SLIDING, &err);
  struct ns_mech_region r;
  memset(&r, 0, sizeof r);
  r.kind = NS_REGION_DISPLACEMENT;
  r.face = ns_mech_face_top(ndim);
  r.shape = NS_SHAPE_DISC;
  r.radius = 0.25 * W;
  r.comp_mask = 1u << (ndim - 1);
  r.value[ndim - 1] = -0.05 * D;
  r.scale = ramp;
  if (s == NS_OK) s = ns_mech_add_region(m, &r, NULL, &err);
  if (s == NS_OK) s = ns_mech_step(m, 1.0, &err);
  if (s != NS_OK) {
    fprintf(stderr, "bench_mech: %s\n", err.msg);
    ns_mech_free(m);
    ns_grid_free(g);
    return 1;
  }
  const struct ns_mech_stats *st = ns_mech_get_stats(m);
  const size_t ndof = ns_mech_ndof(m);
  const double per = st->t_total / (double)st->newton_iters;
  printf("%-6s %5d %9zu %6ld %6ld %9.3f %9.3f %9.3f %9.3f %10.3e %10.3e\n", ndim == 3 ? "3d" : "axisym", N, ndof,
         st->newton_iters, st->linear_iters, st->t_assembly, st->t_mg_setup, st->t_linear, st->t_total, per,
         per / (double)ndof);
  if (json) fprintf(json, "%s\n    {\"geometry\": \"%s\", \"cells_per_direction\": %d, \"dofs\": %zu, \"threads\": %d, "
         "\"newton_iters\": %ld, \"linear_iters\": %ld, \"t_assembly_s\": %.6g, \"t_mg_setup_s\": %.6g, "
         "\"t_linear_s\": %.6g, \"t_total_s\": %.6g, \"s_per_newton\": %.6g, \"s_per_newton_per_dof\": %.6g}",
         first ? "" : ",", ndim == 3 ? "3d" : "axisym", N, ndof, omp_get_max_threads(), st->newton_iters, st->linear_iters,
         st->t_assembly, st->t_mg_setup, st->t_linear, st->t_total, per, per / (double)ndof);
  ns_mech_free(m);
  ns_grid_free(g);
  return 0;
}

int main(void) {
  printf("geom       N      dofs newton krylov  assem[s]  mgset[s] linear[s]  total[s]  s/newton  s/newton/dof\n");
  int fails = 0;
  const int n2[3] = {64, 128, 256}, n3[3] = {16, 32, 48};
  FILE *json = fopen("out/bench-mech.json", "w");
  if (json) fprintf(json, "{\"mech\": [");
  for (int i = 0; i < 3; i++) fails += run(2, n2[i], json, i == 0);
  for (int i = 0; i < 3; i++) fails += run(3, n3[i], json, 0);
  if (json) {
    fprintf(json, "\n]}\n");
    fclose(json);
  } else {
    fprintf(stderr, "bench_mech: cannot write out/bench-mech.json\n");
    fails++;
  }
  return fails ? 1 : 0;
}
