/* test_energy.c — the QLV energy ledger at finite strain (material.h "Energy bookkeeping of the
 * QLV branches", mech.h ns_mech_energy).
 *
 *   qlv_ledger_uniaxial   one material point in isochoric uniaxial stretch (0.7 and 1.5), ramp and
 *                         hold with two Prony terms: stored + dissipated of the recursive update
 *                         against the stress work of an independent reference (the branch ODE
 *                         integrated by RK4 with the neo-Hookean stress written out by hand);
 *                         dissipation nondecreasing; the limits (instantaneous ramp: stored = W;
 *                         long hold: stored = g_inf W)
 *   qlv_ledger_column     the mechanics: a QLV cylinder compressed by 30 % in uniaxial stress
 *                         (ramp and hold): work of the loading region = stored change + viscous,
 *                         and second order in the substep
 *   qlv_ledger_needle     the needle insertion's ledger (penetration.h defaults: 35 y forearm, QLV,
 *                         layer friction 0.36, 10 um tip, cutting model, 1 mm/s, 20 um in 4 output
 *                         steps, friction from about 12 um on): needle work = stored + ties +
 *                         viscous + friction + interface energy (+ fracture, core release: 0 here)
 *                         within 2 % (the acceptance)
 *
 * The small-strain formulas used before (branch energy |H|^2/(4 mu g), rate |H|^2/(2 mu g tau))
 * gave stored + dissipated = 1.79 x the work at stretch 0.7 and 1.16 x at 1.5 (one branch g = 0.6,
 * ramp over tau), and 1.745 x the work in qlv_ledger_column (residual 0.745 at 40 and 80
 * substeps, not converging), far outside every tolerance here.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dyn_problem.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/penetration.h"
#include "needlesim/skin.h"

/* Two Prony terms (relative moduli, times [s]); the shear modulus [Pa] and bulk modulus [Pa] of
 * a soft tissue (the bulk part does not enter the isochoric point test). */
#define MU 1e3
static struct ns_material qlv_material(void) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = MU;
  m.kappa = 50.0 * MU;
  m.alpha = 2.0;
  m.nprony = 2;
  m.g[0] = 0.4;
  m.tau[0] = 0.1;
  m.g[1] = 0.25;
  m.tau[1] = 1.0;
  m.density = 1000.0;
  return m;
}

/* ---- independent reference: isochoric uniaxial stretch of neo-Hookean QLV ------------------- */

/* F = diag(l, l^-1/2, l^-1/2), J = 1: S_e = mu (I - (I1/3) C^-1), I1 = l^2 + 2/l; the power per
 * reference volume of a stress S = diag(s1, s2, s2) is S : dE/dt = (s1 l - s2 / l^2) dl/dt. */
static void se_uniaxial(double l, double *s1, double *s2) {
  const double I1 = l * l + 2.0 / l;
  *s1 = MU * (1.0 - I1 / (3.0 * l * l));
  *s2 = MU * (1.0 - I1 * l / 3.0);
}
static double w_uniaxial(double l) { return 0.5 * MU * (l * l + 2.0 / l - 3.0); }

/* Ramp l(t) = 1 + (L - 1) t / T for t < T, then L. */
struct path {
  double L, T;
};
static double lam_of(const struct path *p, double t) { return t < p->T ? 1.0 + (p->L - 1.0) * t / p->T : p->L; }
static double lamdot_of(const struct path *p, double t) { return t < p->T ? (p->L - 1.0) / p->T : 0.0; }

/* State y = (H1_11, H1_22, H2_11, H2_22, work): dH_i/dt = g_i dS_e/dt - H_i / tau_i, dW/dt = power. */
static void rhs(const struct ns_material *m, const struct path *p, double t, const double *y, double *f) {
  const double l = lam_of(p, t), ld = lamdot_of(p, t), dl = 1e-6;
  double a1, a2, b1, b2, s1, s2;
  se_uniaxial(l + dl, &a1, &a2);
  se_uniaxial(l - dl, &b1, &b2);
  se_uniaxial(l, &s1, &s2);
  const double ds1 = (a1 - b1) / (2.0 * dl) * ld, ds2 = (a2 - b2) / (2.0 * dl) * ld;
  const double ginf = 1.0 - m->g[0] - m->g[1];
  double S1 = ginf * s1, S2 = ginf * s2;
  for (int i = 0; i < 2; i++) {
    f[2 * i] = m->g[i] * ds1 - y[2 * i] / m->tau[i];
    f[2 * i + 1] = m->g[i] * ds2 - y[2 * i + 1] / m->tau[i];
    S1 += y[2 * i];
    S2 += y[2 * i + 1];
  }
  f[4] = (S1 * l - S2 / (l * l)) * ld;
}

/* Work to time t_end by RK4 with n steps (the ramp end is a step boundary when n is a multiple of
 * the ratio, which the callers ensure). */
static double reference_work(const struct ns_material *m, const struct path *p, double t_end, int n) {
  double y[5] = {0, 0, 0, 0, 0}, k1[5], k2[5], k3[5], k4[5], yt[5];
  const double h = t_end / n;
  for (int s = 0; s < n; s++) {
    const double t = s * h;
    rhs(m, p, t, y, k1);
    for (int c = 0; c < 5; c++) yt[c] = y[c] + 0.5 * h * k1[c];
    rhs(m, p, t + 0.5 * h, yt, k2);
    for (int c = 0; c < 5; c++) yt[c] = y[c] + 0.5 * h * k2[c];
    rhs(m, p, t + 0.5 * h, yt, k3);
    for (int c = 0; c < 5; c++) yt[c] = y[c] + h * k3[c];
    rhs(m, p, t + h, yt, k4);
    for (int c = 0; c < 5; c++) y[c] += h / 6.0 * (k1[c] + 2.0 * k2[c] + 2.0 * k3[c] + k4[c]);
  }
  return y[4];
}

/* The library's ledger to t_end: stored (g_inf W + branch energy) and the cumulative dissipation
 * (branch work - branch energy change); *dmin the smallest increment. Steps: nr equal ones over
 * the ramp, nh equal ones over the hold (t_end > T) or nr to t_end (t_end <= T, nh = 0). */
static void library_ledger(const struct ns_material *m, const struct path *p, double t_end, int nr, int nh,
                           double *stored, double *dissipated, double *dmin) {
  double st[18], sn[18], P[9], Fo[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  assert_true(ns_material_state_size(m) <= 18);
  ns_material_state_init(m, st);
  const double t_r = fmin(p->T, t_end);
  double D = 0.0, t_prev = 0.0;
  *dmin = HUGE_VAL;
  for (int s = 1; s <= nr + nh; s++) {
    const double t = s <= nr ? t_r * s / nr : t_r + (t_end - t_r) * (s - nr) / nh, h = t - t_prev;
    t_prev = t;
    const double l = lam_of(p, t);
    const double F[9] = {l, 0, 0, 0, 1.0 / sqrt(l), 0, 0, 0, 1.0 / sqrt(l)};
    assert_int_equal(ns_material_iso_visco(m, F, h, st, sn, P, NULL), 0);
    const double dD = ns_material_qlv_work(m, Fo, F, h, st, sn) -
                      (ns_material_qlv_energy(m, F, sn) - ns_material_qlv_energy(m, Fo, st));
    D += dD;
    *dmin = fmin(*dmin, dD);
    memcpy(st, sn, sizeof st);
    memcpy(Fo, F, sizeof Fo);
  }
  const double ginf = 1.0 - m->g[0] - m->g[1];
  *stored = ginf * w_uniaxial(lam_of(p, t_end)) + ns_material_qlv_energy(m, Fo, st);
  *dissipated = D;
}

static void qlv_ledger_uniaxial(void **state) {
  (void)state;
  const struct ns_material m = qlv_material();
  const double stretch[2] = {0.7, 1.5};
  for (int c = 0; c < 2; c++) {
    /* Ramp over tau_2 (both branches relax during it), hold for 2 tau_2. */
    const struct path p = {stretch[c], 1.0};
    const double t_end = 3.0;
    const double Wref = reference_work(&m, &p, t_end, 30000);
    double Ps, D, dmin;
    library_ledger(&m, &p, t_end, 200, 400, &Ps, &D, &dmin);
    const double err = fabs(Ps + D - Wref) / Wref;
    printf("  stretch %.1f: reference work %.6e J/m^3, stored %.6e + dissipated %.6e, error %.2e, min dD %.1e\n",
           stretch[c], Wref, Ps, D, err, dmin);
    /* The recursive update is second order in the step: 600 steps give dt/tau_1 = 0.05, whose
     * (dt/tau)^2/12 = 2e-4 relative error of the fast branch's stress history is the bound;
     * the RK4 reference (30000 steps) is exact to ~1e-12. Measured 3.8e-5 (0.7) and 2.7e-5 (1.5). */
    assert_true(err < 2e-4);
    /* In ramp-and-hold the dissipation never decreases (to round-off of the work, 1e-12). */
    assert_true(dmin > -1e-12 * Wref);
    /* Instantaneous ramp (T = 1e-6 tau_1) and short look: nothing relaxed, stored = W (the
     * dissipation is O(T/tau) = 1e-5). */
    const struct path fast = {stretch[c], 1e-7};
    library_ledger(&m, &fast, 1e-7, 1000, 0, &Ps, &D, &dmin);
    assert_true(fabs(Ps / w_uniaxial(stretch[c]) - 1.0) < 1e-4);
    /* Long hold (40 tau_2 after the ramp): fully relaxed, stored = g_inf W (e^-40 left), and
     * all the work W (the ramp's: no relaxation in it) is stored or dissipated; 1e-4 for the
     * O(T/tau_1) relaxation during the ramp. */
    library_ledger(&m, &fast, 40.0, 1000, 4000, &Ps, &D, &dmin);
    assert_true(fabs(Ps / ((1.0 - m.g[0] - m.g[1]) * w_uniaxial(stretch[c])) - 1.0) < 1e-9);
    assert_true(fabs(Ps + D - w_uniaxial(stretch[c])) < 1e-4 * w_uniaxial(stretch[c]));
  }
}

/* ---- the mechanics: laterally constrained column ---------------------------------------------- */

static double ramp_hold(double t, void *ctx) { return fmin(t / *(const double *)ctx, 1.0); }

/* Relative balance residual |W - dPsi - D| / W of the column compressed by 30 % over t_ramp, held
 * to t_end, n equal substeps. */
static double column_balance(int n, double *dshare) {
  const struct ns_material mat = qlv_material();
  struct dyn_column c = {2, 4, 8, 1e-3, 2e-3};
  struct ns_mech_opts o = ns_mech_opts_defaults();
  const double t_ramp = 0.5, t_end = 1.0, dt = t_end / n;
  o.newton_rtol = 1e-11;
  o.lin.rtol = 1e-13;
  o.dt_initial = o.dt_max = dt;
  o.dt_min = 1e-6 * dt;
  struct ns_grid *g = NULL;
  struct ns_err err = NS_ERR_INIT;
  struct ns_mech *m = dyn_column_create(&c, &mat, 1, NULL, &o, &g, &err);
  if (!m) fail_msg("column: %s", err.msg);
  struct ns_mech_region r;
  memset(&r, 0, sizeof r);
  r.kind = NS_REGION_DISPLACEMENT;
  r.face = NS_FACE_AXI_TOP;
  r.shape = NS_SHAPE_BOX;
  for (int d = 0; d < 3; d++) {
    r.lo[d] = -HUGE_VAL;
    r.hi[d] = HUGE_VAL;
  }
  r.comp_mask = 2u; /* u_z */
  r.value[1] = -0.3 * c.L;
  double tr = t_ramp;
  r.scale = ramp_hold;
  r.scale_ctx = &tr;
  int id;
  assert_int_equal(ns_mech_add_region(m, &r, &id, &err), NS_OK);
  /* Uniaxial stress (free side, sliding bottom): the deformation is mostly isochoric, so the QLV
   * branches carry a large share of the work (a laterally constrained column would be mostly
   * volumetric). */
  assert_int_equal(ns_mech_set_face(m, NS_FACE_AXI_RMAX, NS_BC_FREE, &err), NS_OK);
  assert_int_equal(ns_mech_set_face(m, NS_FACE_AXI_BOTTOM, NS_BC_SLIDING, &err), NS_OK);
  struct ns_mech_energy e0, e;
  ns_mech_energy(m, &e0);
  for (int s = 1; s <= n; s++)
    if (ns_mech_step(m, s * dt, &err) != NS_OK) fail_msg("step %d: %s", s, err.msg);
  ns_mech_energy(m, &e);
  const double W = e.work_total - e0.work_total, dPsi = e.stored - e0.stored, D = e.viscous - e0.viscous;
  printf("  %d substeps: work %.6e J = stored %.6e + viscous %.6e; residual %.2e of the work\n", n, W, dPsi, D,
         fabs(W - dPsi - D) / W);
  *dshare = D / W;
  ns_mech_free(m);
  ns_grid_free(g);
  return fabs(W - dPsi - D) / W;
}

static void qlv_ledger_column(void **state) {
  (void)state;
  double d1, d2;
  const double r1 = column_balance(40, &d1), r2 = column_balance(80, &d2);
  printf("  viscous share %.3f; residual ratio %.2f\n", d2, r1 / r2);
  assert_true(d2 > 0.1); /* the dissipation is a sizeable part of the balance */
  /* Trapezoidal work and the within-step QLV history are second order: (dt/tau_1)^2/12 = 5e-3 at
   * 40 substeps for the fast branch alone (a fraction of the work): 2e-3 bounds it (measured
   * 3.2e-4 and 8.0e-5 at 40 and 80 substeps, ratio 3.99). */
  assert_true(r1 < 2e-3);
  assert_true(r1 / r2 > 3.0);
}

/* ---- the needle insertion ------------------------------------------------------------------------ */

static void qlv_ledger_needle(void **state) {
  (void)state;
  struct ns_cfg_skin cfg;
  ns_skin_cfg_init(&cfg);
  struct ns_skin sk;
  struct ns_err err = NS_ERR_INIT;
  assert_int_equal(ns_skin_build(&cfg, &sk, &err), NS_OK);
  struct ns_pen_spec s = ns_pen_spec_defaults(&sk);
  /* 20 um: the cap presses on the frictionless core first; the cone reaches the wall and the
   * surface nodes beside it (friction) at about 12 um. */
  s.travel = 20e-6;
  s.steps = 4;
  s.snapshots = 0;
  struct ns_pen_result r;
  if (ns_pen_run(&s, &r, &err) != NS_OK) fail_msg("ns_pen_run: %s", err.msg);
  for (size_t k = 1; k < r.n; k++) {
    const double bal = r.stored[k] + r.kinetic[k] + r.viscous[k] + r.friction[k] + r.interface[k] + r.tie_energy[k] +
                       r.fracture_energy[k] + r.core_release[k];
    printf("  tip %5.2f um: work %.5e J, stored %.5e + ties %.5e + viscous %.5e + friction %.5e + interface %.5e, "
           "(balance - work) / work %+.4f\n",
           r.tip_depth[k] * 1e6, r.work[k], r.stored[k], r.tie_energy[k], r.viscous[k], r.friction[k], r.interface[k],
           (bal - r.work[k]) / r.work[k]);
  }
  printf("  energy error %.4f (max over points / max work)\n", r.energy_error);
  /* The acceptance: 2 % of the (maximum) work. The remaining residual is the O(dt^2)
   * trapezoid of the needle work over the substeps (max over points / max work measured 1.5e-3
   * here, 1.9e-3 at 50 um in 10 steps). Before the QLV ledger fix stored + viscous exceeded the
   * work by 10 % at 30 um and 16 % at 50 um; before contact.c started a node's friction history
   * at its first commit in contact, the slip of a node touching within a substep was measured
   * from its off-body position (3.8e-3 here; on the earlier model without the core, commit
   * 171c927, friction 4.195e-12 J exceeded the whole work 4.03e-12 J at 9 um: 0.117). */
  assert_true(r.energy_error < 0.02);
  assert_true(r.viscous[r.n - 1] > 0.0);
  /* The friction part of the ledger is exercised. */
  assert_true(r.friction[r.n - 1] > 0.0);
  ns_pen_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(qlv_ledger_uniaxial),
      cmocka_unit_test(qlv_ledger_column),
      cmocka_unit_test(qlv_ledger_needle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
