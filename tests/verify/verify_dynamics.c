/* verify_dynamics.c — make verify: refinement studies of the mechanics core's inertia.
 *
 *   1. First-mode frequency of the laterally constrained column (axisymmetric, lumped and
 *      consistent mass) on 8..128 cells at Courant number 1/2: error against pi c / (2L) and its
 *      observed order (>= 1.9 required).
 *   2. Time order: large-amplitude (peak strain 0.1) vibration, u_top(T1) with T1/10 .. T1/160
 *      against T1/1280, rho_inf = 1, 0.8, 0.5, 0 (orders >= 1.8 required).
 *   3. Wave front: top velocity -0.01 m/s on 128 / 256 / 512 cells, stress plateau mean and
 *      front position against rho c v and c t (printed).
 * Each study prints a table and one "[       OK ]" / "[  FAILED  ]" line. Problems as in
 * tests/unit/dyn_problem.h (neo-Hookean mu 3e4 Pa, kappa 1e5 Pa, rho 1000 kg/m^3, c = 11.83 m/s).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/dyn_problem.h"

static struct ns_material vib_mat(void) { return dyn_neo(3e4, 1e5, 1000.0); }

static struct ns_mech_opts opts(double dt) {
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.newton_rtol = 1e-11;
  o.newton_atol = 1e-14; /* above the stress round-off floor, see test_dynamics.c */
  o.lin.rtol = 1e-14;
  o.lin.max_iter = 2000;
  o.dt_initial = o.dt_max = dt;
  o.dt_min = 1e-6 * dt;
  return o;
}

static struct ns_mech *setup(const struct dyn_column *c, double dt, double rho_inf, enum ns_mech_mass mass,
                             struct ns_grid **g) {
  const struct ns_material mat = vib_mat();
  const struct ns_mech_opts o = opts(dt);
  struct ns_err err = NS_ERR_INIT;
  struct ns_mech *m = dyn_column_create(c, &mat, 1, NULL, &o, g, &err);
  if (!m) {
    fprintf(stderr, "setup: %s\n", err.msg);
    exit(1);
  }
  struct ns_mech_dyn_opts d = ns_mech_dyn_defaults();
  d.rho_inf = rho_inf;
  d.mass = mass;
  if (ns_mech_set_dynamics(m, 1, &d, &err) != NS_OK) {
    fprintf(stderr, "dynamics: %s\n", err.msg);
    exit(1);
  }
  return m;
}

static int step(struct ns_mech *m, double t) {
  struct ns_err err = NS_ERR_INIT;
  if (ns_mech_step(m, t, &err) == NS_OK) return 0;
  fprintf(stderr, "step: %s\n", err.msg);
  return 1;
}

/* First-mode free vibration: top displacement history x[0..n]. */
static int vibrate(const struct dyn_column *c, enum ns_mech_mass mass, double rho_inf, double A, double dt, int n,
                   double *x) {
  struct ns_grid *g = NULL;
  struct ns_mech *m = setup(c, dt, rho_inf, mass, &g);
  double *u = malloc(ns_mech_ndof(m) * sizeof *u);
  dyn_mode_displacement(g, c->L, 0.5 * DYN_PI / c->L, A, u);
  ns_mech_set_displacement(m, u);
  const size_t top = dyn_top_node(g) * (size_t)c->ndim + (size_t)(c->ndim - 1);
  x[0] = ns_mech_displacement(m)[top];
  int bad = 0;
  for (int k = 1; k <= n && !bad; k++) {
    bad = step(m, k * dt);
    x[k] = ns_mech_displacement(m)[top];
  }
  free(u);
  ns_mech_free(m);
  ns_grid_free(g);
  return bad;
}

static int study_period(void) {
  const struct ns_material mat = vib_mat();
  const double cp = dyn_cp(&mat);
  int ok = 1;
  printf("Column first mode, Courant 1/2, error of omega against pi c / (2L)\n");
  printf("  mass         nz   omega/omega_c - 1   order   discrete prediction match\n");
  for (int q = 0; q < 2; q++) {
    const enum ns_mech_mass mass = q ? NS_MASS_CONSISTENT : NS_MASS_LUMPED;
    double prev = NAN;
    for (int nz = 8; nz <= 128; nz *= 2) {
      const struct dyn_column c = {2, nz, 1, 0.01, 0.002};
      const double h = c.L / nz, dt = 0.5 * h / cp, k = 0.5 * DYN_PI / c.L, w = k * cp;
      const int n = 16 * nz;
      double *x = malloc((size_t)(n + 1) * sizeof *x);
      if (vibrate(&c, mass, 1.0, 1e-7, dt, n, x)) return 1;
      const double wm = acos(dyn_fit_cos(x, n + 1)) / dt;
      const double err = wm / w - 1.0, pred = dyn_omega_trapezoid(dyn_omega_h(cp, h, k, mass), dt);
      const double order = log2(fabs(prev / err));
      printf("  %-10s %4d   %+.4e        %5.2f   %.1e\n", q ? "consistent" : "lumped", nz, err, order,
             fabs(wm / pred - 1.0));
      if (nz > 8 && !(order >= 1.9)) ok = 0;
      prev = err;
      free(x);
    }
  }
  printf("[  %s ] dynamics_period: orders >= 1.9\n", ok ? "     OK" : "FAILED ");
  return !ok;
}

static int study_time(void) {
  const struct dyn_column c = {2, 8, 1, 0.01, 0.002};
  const struct ns_material mat = vib_mat();
  const double T1 = 4.0 * c.L / dyn_cp(&mat), A = 0.1 * 2.0 * c.L / DYN_PI;
  const double rhos[4] = {1.0, 0.8, 0.5, 0.0};
  int ok = 1;
  printf("Time order, peak strain 0.1, |u_top(T1) - u_ref| [m] (reference T1/1280)\n");
  printf("  rho_inf   T1/10       T1/20       T1/40       T1/80       T1/160      orders\n");
  for (int q = 0; q < 4; q++) {
    double ref = 0.0, e[5];
    const int ns[6] = {1280, 10, 20, 40, 80, 160};
    for (int i = 0; i < 6; i++) {
      double *x = malloc((size_t)(ns[i] + 1) * sizeof *x);
      if (vibrate(&c, NS_MASS_LUMPED, rhos[q], A, T1 / ns[i], ns[i], x)) return 1;
      if (i == 0) ref = x[ns[i]];
      else e[i - 1] = fabs(x[ns[i]] - ref);
      free(x);
    }
    printf("  %.1f       %.3e   %.3e   %.3e   %.3e   %.3e  ", rhos[q], e[0], e[1], e[2], e[3], e[4]);
    for (int i = 1; i < 5; i++) printf(" %.2f", log2(e[i - 1] / e[i]));
    printf("\n");
    for (int i = 2; i < 5; i++)
      if (!(log2(e[i - 1] / e[i]) >= 1.8)) ok = 0;
  }
  printf("[  %s ] dynamics_time_order: orders >= 1.8 from T1/20 on\n", ok ? "     OK" : "FAILED ");
  return !ok;
}

static double lin_time(double t, void *ctx) {
  (void)ctx;
  return t;
}

static int study_wave(void) {
  const struct ns_material mat = vib_mat();
  const double cp = dyn_cp(&mat), v0 = -0.01, plateau = mat.density * cp * v0;
  printf("Wave front, top velocity %.2f m/s, rho_inf 0.5, Courant 1/2, t = 0.6 L/c, plateau rho c v = %.4f Pa\n", v0,
         plateau);
  printf("    nz   plateau mean rel.   max dev (10-60 %%)   front - c t [cells]   [front depth]\n");
  for (int nz = 128; nz <= 512; nz *= 2) {
    const struct dyn_column c = {2, nz, 4, 0.05, 0.001};
    const double h = c.L / nz, dt = 0.5 * h / cp;
    struct ns_grid *g = NULL;
    struct ns_mech *m = setup(&c, dt, 0.5, NS_MASS_LUMPED, &g);
    struct ns_err err = NS_ERR_INIT;
    struct ns_mech_region r = {0};
    r.kind = NS_REGION_DISPLACEMENT;
    r.face = ns_mech_face_top(2);
    r.shape = NS_SHAPE_BOX;
    for (int d = 0; d < 3; d++) {
      r.lo[d] = -HUGE_VAL;
      r.hi[d] = HUGE_VAL;
    }
    r.comp_mask = 2u;
    r.value[1] = v0;
    r.scale = lin_time;
    int id;
    if (ns_mech_add_region(m, &r, &id, &err) != NS_OK) return 1;
    const double vel[3] = {0.0, v0, 0.0};
    if (ns_mech_set_region_velocity(m, id, vel, &err) != NS_OK) return 1;
    const int n = (int)(0.6 * nz / 0.5 + 0.5);
    for (int k = 1; k <= n; k++)
      if (step(m, k * dt)) return 1;
    const double front = cp * n * dt;
    const double *st = ns_mech_cell_stress(m);
    double mean = 0.0, dmax = 0.0, zf = NAN;
    int cnt = 0;
    for (int k = 0; k < nz; k++) {
      const double s = st[((size_t)(nz - 1 - k) * 4) * 6 + 1] / plateau, zc = (k + 0.5) * h;
      if (k + 1 < nz) {
        const double s1 = st[((size_t)(nz - 2 - k) * 4) * 6 + 1] / plateau;
        if (s >= 0.5 && s1 < 0.5) zf = (k + 0.5 + (s - 0.5) / (s - s1)) * h;
      }
      if (zc < 0.1 * front || zc > 0.6 * front) continue;
      mean += s;
      dmax = fmax(dmax, fabs(s - 1.0));
      cnt++;
    }
    printf("  %4d   %+.3e          %.3e            %+.2f                  %.4e m\n", nz, mean / cnt - 1.0, dmax,
           (zf - front) / h, front);
    ns_mech_free(m);
    ns_grid_free(g);
  }
  printf("[       OK ] dynamics_wave (table only)\n");
  return 0;
}

int main(void) {
  int bad = 0;
  bad |= study_period();
  bad |= study_time();
  bad |= study_wave();
  return bad;
}
