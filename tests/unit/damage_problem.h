/* damage_problem.h — phase-field test problems shared by tests/unit/test_damage.c (coarse) and
 * tests/verify/verify_damage.c (refinement studies). Header-only (static functions) so that the
 * verify programs, which link only the library, can use it.
 *
 *   dp_grid             graded (r, z) or (x, y, z) grid from per-direction coordinate arrays
 *   dp_profile          1D damage profile next to a fully broken plane (no mechanics, psi = 0):
 *                       fracture energy per area and max nodal error against the closed forms
 *   dp_uniaxial_*       homogeneous uniaxial-stress state of the decoupled neo-Hookean law
 *                       (lateral stretch by bisection, energy, nominal stress) for the bar test
 *   dp_notch            axisymmetric notched cylinder pulled to failure (upper half, symmetry
 *                       plane through the notch): force-displacement curve, peak force,
 *                       dissipated fracture energy, energy balance per step
 */
#ifndef NEEDLESIM_TEST_DAMAGE_PROBLEM_H
#define NEEDLESIM_TEST_DAMAGE_PROBLEM_H

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/damage.h"
#include "needlesim/grid.h"
#include "needlesim/mech.h"
#include "needlesim/vec.h"

/* pi (not in strict C11). */
#define DP_PI 3.14159265358979323846

static inline struct ns_grid *dp_grid(enum ns_geometry geom, const int cells[3], double *const x[3]) {
  int n[3] = {1, 1, 1};
  const int ndim = geom == NS_GEOM_AXISYMMETRIC ? 2 : 3;
  for (int d = 0; d < ndim; d++) n[d] = cells[d] + 1;
  struct ns_grid *g = NULL;
  struct ns_err err = NS_ERR_INIT;
  if (ns_grid_create(geom, n, (const double *const *)x, &g, &err) != NS_OK) {
    fprintf(stderr, "dp_grid: %s\n", err.msg);
    return NULL;
  }
  return g;
}

static inline size_t dp_ncells(const struct ns_grid *g) {
  if (!g) return 0;
  size_t c = 1;
  for (int d = 0; d < g->ndim; d++) c *= (size_t)(g->n[d] - 1);
  return c;
}

static inline struct ns_material dp_neo(double mu, double nu) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = mu;
  m.kappa = 2.0 * mu * (1.0 + nu) / (3.0 * (1.0 - 2.0 * nu)); /* small-strain bulk modulus */
  m.alpha = 2.0;
  m.density = 1100.0;
  return m;
}

/* ---- 1. profile next to a broken plane --------------------------------------------------- */

struct dp_profile_result {
  int status;          /* 0 ok */
  double gamma_per_area; /* J/m^2 */
  double gamma_exact;    /* J/m^2 */
  double err_max;        /* max nodal |d - d_exact| */
  int active_iters;
};

/* Column of half-height a = span * l on each side of the broken plane z = -a (d = 1 imposed as
 * the committed field there), h = l / ref in z, 2 cells across. Closed forms with natural
 * boundary conditions at z = 0 and z = -2a:
 *   AT2: d = cosh((a - |x|)/l) / cosh(a/l), Gamma / A = G_c tanh(a/l)  (-> exp(-|x|/l), G_c),
 *   AT1: d = (1 - |x| / (2 l))^2 for |x| < 2l, 0 beyond, Gamma / A = G_c (needs a >= 2l). */
static inline struct dp_profile_result dp_profile(enum ns_geometry geom, enum ns_damage_model model, int ref,
                                                  double span) {
  struct dp_profile_result res;
  memset(&res, 0, sizeof res);
  const double l = 1.0e-4, gc = 2.5; /* m, J/m^2: arbitrary scales (results are relative) */
  const double a = span * l, W = 2.0e-4;
  const int nz = (int)lround(2.0 * span * ref), nl = 2;
  const int ndim = geom == NS_GEOM_AXISYMMETRIC ? 2 : 3;
  int cells[3] = {nl, ndim == 3 ? nl : nz, nz};
  double *x[3] = {NULL, NULL, NULL};
  for (int d = 0; d < ndim; d++) {
    x[d] = malloc((size_t)(cells[d] + 1) * sizeof(double));
    if (d < ndim - 1) ns_grid_coords_stretched(cells[d], 0.0, W, 0.0, 1, x[d]);
    else ns_grid_coords_stretched(nz, -2.0 * a, 0.0, 0.0, 1, x[d]);
  }
  struct ns_grid *g = dp_grid(geom, cells, x);
  for (int d = 0; d < 3; d++) free(x[d]);
  if (!g) {
    res.status = 1;
    return res;
  }
  const size_t nc = (size_t)cells[0] * (size_t)cells[1] * (size_t)(ndim == 3 ? cells[2] : 1);
  uint8_t *ids = calloc(nc, 1);
  struct ns_material mat = dp_neo(1.0e4, 0.3);
  struct ns_damage_layer lay = {gc, l};
  struct ns_damage_params p = ns_damage_params_defaults();
  p.model = model;
  p.lin.rtol = 1e-12;
  struct ns_damage *D = NULL;
  struct ns_err err = NS_ERR_INIT;
  if (ns_damage_create(g, &p, &mat, &lay, 1, ids, &D, &err) != NS_OK) {
    fprintf(stderr, "dp_profile: %s\n", err.msg);
    res.status = 1;
    free(ids);
    ns_grid_free(g);
    return res;
  }
  double *d0 = calloc(g->nnodes, sizeof(double));
  const int kmid = nz / 2, kz = ndim - 1;
  for (size_t i = 0; i < g->nnodes; i++) {
    const size_t k = i / (size_t)g->stride[kz];
    if ((int)k == kmid) d0[i] = 1.0;
  }
  ns_damage_set_field(D, d0);
  double *psi = calloc((size_t)nc << ndim, sizeof(double));
  struct ns_damage_info info;
  if (ns_damage_solve(D, psi, &info, &err) != NS_OK) {
    fprintf(stderr, "dp_profile: %s\n", err.msg);
    res.status = 1;
  } else {
    res.active_iters = info.active_iters;
    /* Energy without mechanics: the fracture part does not need a mech state; evaluate it on a
     * throw-away mechanics object at u = 0 (stored energy 0). */
    struct ns_mech *m = NULL;
    struct ns_mech_opts mo = ns_mech_opts_defaults();
    if (ns_mech_create(g, &mat, 1, ids, &mo, &m, &err) != NS_OK) {
      res.status = 1;
    } else {
      struct ns_damage_energy e;
      ns_damage_energies(D, m, &e);
      const double area = ndim == 2 ? DP_PI * W * W : W * W;
      res.gamma_per_area = e.fracture / area;
      ns_mech_free(m);
    }
    res.gamma_exact = model == NS_DAMAGE_AT2 ? gc * tanh(a / l) : gc;
    const double *d = ns_damage_field(D);
    for (size_t i = 0; i < g->nnodes; i++) {
      const size_t k = i / (size_t)g->stride[kz];
      const double xx = fabs(g->x[kz][k] + a);
      double ex;
      if (model == NS_DAMAGE_AT2) ex = cosh((a - xx) / l) / cosh(a / l);
      else ex = xx < 2.0 * l ? (1.0 - xx / (2.0 * l)) * (1.0 - xx / (2.0 * l)) : 0.0;
      res.err_max = fmax(res.err_max, fabs(d[i] - ex));
    }
  }
  free(psi);
  free(d0);
  free(ids);
  ns_damage_free(D);
  ns_grid_free(g);
  return res;
}

/* ---- 2. homogeneous uniaxial stress ------------------------------------------------------- */

/* Decoupled neo-Hookean (material.h) at principal stretches (lam, lt, lt): total energy
 * W = mu/2 (I1bar - 3) + kappa/2 (J - 1)^2 and the axial / lateral nominal stresses
 *   P_i = mu J^(-2/3) (l_i - I1 / (3 l_i)) + kappa (J - 1) J / l_i   (I1 = sum l_j^2). */
static inline void dp_neo_principal(const struct ns_material *m, double lam, double lt, double *W, double *Pax,
                                    double *Plat) {
  const double J = lam * lt * lt, I1 = lam * lam + 2.0 * lt * lt, c = pow(J, -2.0 / 3.0);
  if (W) *W = 0.5 * m->mu * (c * I1 - 3.0) + 0.5 * m->kappa * (J - 1.0) * (J - 1.0);
  if (Pax) *Pax = m->mu * c * (lam - I1 / (3.0 * lam)) + m->kappa * (J - 1.0) * J / lam;
  if (Plat) *Plat = m->mu * c * (lt - I1 / (3.0 * lt)) + m->kappa * (J - 1.0) * J / lt;
}

/* Lateral stretch of uniaxial stress (P_lat = 0) by bisection (P_lat increases with lt). */
static inline double dp_uniaxial_lateral(const struct ns_material *m, double lam) {
  double lo = 0.2, hi = 2.0;
  for (int it = 0; it < 200; it++) {
    const double mid = 0.5 * (lo + hi);
    double Pl;
    dp_neo_principal(m, lam, mid, NULL, NULL, &Pl);
    if (Pl > 0.0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/* Stretch at which the uniaxial energy reaches w (bisection on [1, 3]; W increases with lam). */
static inline double dp_uniaxial_stretch_at_energy(const struct ns_material *m, double w) {
  double lo = 1.0, hi = 3.0;
  for (int it = 0; it < 200; it++) {
    const double mid = 0.5 * (lo + hi);
    double W;
    dp_neo_principal(m, mid, dp_uniaxial_lateral(m, mid), &W, NULL, NULL);
    if (W > w) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/* ---- 3/4. notched cylinder ----------------------------------------------------------------- */

struct dp_notch_opts {
  int blister;       /* 0: notched cylinder; 1: blister (penny pre-crack r <= notch, top disc pulled) */
  double r_load;     /* m, blister: radius of the pulled disc on the top face */
  double tough_above; /* m: cells whose centre lies this far above the symmetry plane or more get
                         G_c x 100 (keeps the crack on the plane; 0: homogeneous) */
  enum ns_damage_model model;
  double ref;        /* l / h in the fracture zone */
  double ell;        /* m */
  double gc;         /* J/m^2 */
  double mu, nu;     /* neo-Hookean */
  double R, Hh;      /* m, radius and half height */
  double notch;      /* m, notch depth from the outer surface */
  double du;         /* m, displacement increment */
  double u_max;      /* m, stop at this displacement ... */
  double stop_frac;  /* ... or when the force fell below this fraction of the peak */
  int verbose;       /* print the curve */
  const char *dump;  /* NULL, or a file for the final field: "r z d" per node */
  double k_res;      /* residual stiffness (0: the module default) */
  double vol_smooth; /* width of the smoothed volumetric switch (params.vol_smooth; 0: sharp) */
};

struct dp_notch_result {
  int status;
  char msg[NS_ERR_MSG_MAX + 64];
  double peak_force, u_peak;  /* N, m */
  double gamma0, gamma_end;   /* J, fracture energy of the initial notch and at the end (half model) */
  double dissipated_full;     /* J, 2 (gamma_end - gamma0): both halves */
  double ligament_area;       /* m^2, pi (R - notch)^2 */
  double crack_radius;        /* m, blister: largest r with d > 0.95 on the symmetry plane */
  double max_balance_err_late; /* the same over the steps after the first 10 % of the final work */
  double max_balance_err;     /* max over steps of |W - (stored + Gamma - Gamma0)| / W (steps with W > 0) */
  double balance_err_end;
  double balance_err_peak;    /* at the peak force */
  double work_end;            /* J, half model */
  int steps, stagger_total, stagger_max_step;
  long newton, linear, dmg_outer; /* mechanics Newton / Krylov iterations, damage outer iterations */
  double t_mech;                  /* s inside ns_mech_step */
  double seconds;
  size_t ndof;
};

/* Blister: disc of radius R = 2 mm, half thickness 0.25 mm, penny pre-crack of radius 0.5 mm
 * on the symmetry plane, top disc r <= 0.3 mm pulled: the half plate above the crack bends
 * and the crack grows outward; at fixed opening G falls with the crack radius (thin-plate
 * estimate G ~ delta^2 / a^4), so the growth is stable under displacement control. */
static inline struct dp_notch_opts dp_blister_defaults(void) {
  struct dp_notch_opts o;
  memset(&o, 0, sizeof o);
  o.blister = 1;
  o.model = NS_DAMAGE_AT1;
  o.ref = 2.0;
  o.R = 2.0e-3;
  o.Hh = 0.25e-3;
  o.ell = 62.5e-6;
  o.mu = 1.0e6;
  o.nu = 0.45;
  o.gc = 5.0;
  o.notch = 0.5e-3;
  o.r_load = 0.3e-3;
  o.tough_above = 0.15e-3;
  o.du = 5.0e-6;
  o.u_max = 0.25e-3;
  o.stop_frac = 0.0;
  return o;
}

static inline struct dp_notch_opts dp_notch_defaults(void) {
  struct dp_notch_opts o;
  memset(&o, 0, sizeof o);
  o.model = NS_DAMAGE_AT1;
  o.ref = 2.0;
  o.R = 1.0e-3;
  o.Hh = 1.0e-3;
  o.ell = o.R / 16.0;
  o.mu = 1.0e6;
  o.nu = 0.45;
  o.gc = 5.0;
  o.notch = 0.25e-3;
  o.du = 2.0e-6;
  o.u_max = 0.3e-3;
  o.stop_frac = 0.02;
  return o;
}

/* Upper half of a cylinder (r <= R, -Hh <= z <= 0), the plane z = -Hh is the symmetry plane
 * (sliding) through a circumferential notch of depth `notch` (d = 1 on the plane for
 * r >= R - notch), the top face pulled by u_z = u (sliding: u_r free), the outer surface free.
 * Grid: uniform h = l / ref in r and in the zone z < -Hh + 3 l; above it cells grow geometrically
 * to the top. Displacement control in increments du, staggered to stagger_tol. */
static inline struct dp_notch_result dp_notch(const struct dp_notch_opts *o) {
  struct dp_notch_result res;
  memset(&res, 0, sizeof res);
  const double t_start = omp_get_wtime();
  const double h = o->ell / o->ref, zf = o->blister ? o->Hh : 3.0 * o->ell;
  const int nr = (int)lround(o->R / h), nz1 = (int)lround(zf / h);
  int nz2 = o->blister ? 0 : (int)lround(5.0 * o->ref); /* graded part above the fracture zone */
  if (!o->blister && nz2 < 4) nz2 = 4;
  int cells[3] = {nr, nz1 + nz2, 1};
  double *x[3] = {malloc((size_t)(nr + 1) * sizeof(double)), malloc((size_t)(cells[1] + 1) * sizeof(double)), NULL};
  ns_grid_coords_stretched(nr, 0.0, o->R, 0.0, 1, x[0]);
  for (int k = 0; k <= nz1; k++) x[1][k] = -o->Hh + h * k;
  double beta = 0.0;
  struct ns_err err = NS_ERR_INIT;
  if (nz2 > 0) {
    ns_grid_stretch_for(nz2, -o->Hh + zf, 0.0, h, &beta, &err);
    ns_grid_coords_stretched(nz2, -o->Hh + zf, 0.0, beta, 1, x[1] + nz1);
  }
  struct ns_grid *g = dp_grid(NS_GEOM_AXISYMMETRIC, cells, x);
  free(x[0]);
  free(x[1]);
  if (!g) {
    res.status = 1;
    snprintf(res.msg, sizeof res.msg, "grid");
    return res;
  }
  const size_t nc = (size_t)cells[0] * (size_t)cells[1];
  uint8_t *ids = calloc(nc, 1);
  struct ns_material mats[2] = {dp_neo(o->mu, o->nu), dp_neo(o->mu, o->nu)};
  /* Material 1: the same solid, 100 times tougher (the "grip" zone of the blister). */
  struct ns_damage_layer lays[2] = {{o->gc, o->ell}, {100.0 * o->gc, o->ell}};
  if (o->tough_above > 0.0)
    for (int j = 0; j < cells[1]; j++)
      for (int i = 0; i < cells[0]; i++)
        if (0.5 * (g->x[1][j] + g->x[1][j + 1]) + o->Hh >= o->tough_above) ids[(size_t)j * (size_t)cells[0] + (size_t)i] = 1;
  struct ns_mech_opts mo = ns_mech_opts_defaults();
  mo.newton_rtol = 1e-9;
  mo.dt_initial = 1.0;
  mo.dt_max = 1.0;
  mo.dt_min = 1e-3;
  struct ns_mech *m = NULL;
  struct ns_damage *D = NULL;
  struct ns_damage_params dpar = ns_damage_params_defaults();
  dpar.model = o->model;
  if (o->k_res > 0.0) dpar.k_res = o->k_res;
  dpar.vol_smooth = o->vol_smooth;
  dpar.stagger_tol = 1e-4;
  dpar.stagger_max = 2000;
  if (ns_mech_create(g, mats, 2, ids, &mo, &m, &err) != NS_OK ||
      ns_damage_create(g, &dpar, mats, lays, 2, ids, &D, &err) != NS_OK) {
    res.status = 1;
    snprintf(res.msg, sizeof res.msg, "%s", err.msg);
    goto done;
  }
  res.ndof = ns_mech_ndof(m);
  ns_mech_set_face(m, NS_FACE_AXI_BOTTOM, NS_BC_SLIDING, &err);
  struct ns_mech_region top;
  memset(&top, 0, sizeof top);
  top.kind = NS_REGION_DISPLACEMENT;
  top.face = NS_FACE_AXI_TOP;
  top.shape = NS_SHAPE_DISC;
  top.radius = o->blister ? o->r_load : 2.0 * o->R;
  top.comp_mask = 2u; /* u_z only */
  int rid = -1;
  ns_mech_add_region(m, &top, &rid, &err);
  struct ns_mech_extra ex = ns_damage_mech_extra(D, NULL);
  ns_mech_set_extra(m, &ex);
  {
    double *d0 = calloc(g->nnodes, sizeof(double));
    for (int i = 0; i < g->n[0]; i++)
      if (o->blister ? g->x[0][i] <= o->notch + 1e-9 * o->R : g->x[0][i] >= o->R - o->notch - 1e-9 * o->R)
        d0[ns_grid_index(g, i, 0, 0)] = 1.0;
    ns_damage_set_field(D, d0);
    free(d0);
  }
  /* The pre-crack alone: relax the damage around it (psi = 0) so that Gamma0 is the notch's
   * equilibrium profile, not the sharp initial one. */
  {
    double *psi = calloc(ns_mech_ngauss(m), sizeof(double));
    struct ns_damage_info inf;
    if (ns_damage_solve(D, psi, &inf, &err) != NS_OK) {
      res.status = 1;
      snprintf(res.msg, sizeof res.msg, "%s", err.msg);
      free(psi);
      goto done;
    }
    free(psi);
    ns_damage_commit(D);
    ns_damage_apply(D, m);
  }
  struct ns_damage_energy e;
  ns_damage_energies(D, m, &e);
  res.gamma0 = e.fracture;
  res.ligament_area = o->blister ? 0.0 : DP_PI * (o->R - o->notch) * (o->R - o->notch);
  struct ns_damage_ledger L;
  const double z3[3] = {0, 0, 0};
  ns_damage_ledger_init(&L, z3, z3);
  double t = 0.0, u = 0.0;
  enum { HIST_MAX = 8192 }; /* steps whose (work, balance error) are kept for the late maximum */
  double *hw = malloc(HIST_MAX * sizeof(double)), *he = malloc(HIST_MAX * sizeof(double));
  if (o->verbose) printf("#   u [um]     F [N]    stored [J]  Gamma-G0 [J]   work [J]  balance  stagger\n");
  for (;;) {
    u += o->du;
    top.value[1] = u;
    ns_mech_set_region(m, rid, &top, &err);
    t += 1.0;
    struct ns_damage_info info;
    enum ns_status s = ns_damage_stagger(D, m, t, 1.0, &info, &err);
    if (s != NS_OK) {
      res.status = 1;
      snprintf(res.msg, sizeof res.msg, "u = %g m: %s", u, err.msg);
      break;
    }
    t = ns_mech_time(m);
    double f[3];
    ns_mech_reaction(m, rid, f, &err);
    const double fz[3] = {0, f[1], 0}, uz[3] = {0, u, 0};
    ns_damage_ledger_work(&L, fz, uz);
    ns_damage_energies(D, m, &e);
    L.stored = e.stored;
    L.fracture = e.fracture - res.gamma0;
    const double berr = ns_damage_ledger_error(&L);
    if (hw && he && res.steps < HIST_MAX) {
      hw[res.steps] = L.work;
      he[res.steps] = berr;
    }
    res.steps++;
    res.dmg_outer += info.active_iters;
    res.stagger_total += info.stagger_iters;
    if (info.stagger_iters > res.stagger_max_step) res.stagger_max_step = info.stagger_iters;
    if (fabs(berr) > res.max_balance_err) res.max_balance_err = fabs(berr);
    if (f[1] > res.peak_force) {
      res.peak_force = f[1];
      res.u_peak = u;
      res.balance_err_peak = berr;
    }
    if (o->verbose)
      printf("%10.3f %10.4e %12.5e %12.5e %12.5e %8.2e %4d\n", u * 1e6, f[1], e.stored, L.fracture, L.work, berr,
             info.stagger_iters);
    res.gamma_end = e.fracture;
    res.work_end = L.work;
    res.balance_err_end = berr;
    if (u >= o->u_max || (res.peak_force > 0.0 && f[1] < o->stop_frac * res.peak_force)) break;
  }
  res.dissipated_full = 2.0 * (res.gamma_end - res.gamma0);
  for (int q = 0; q < res.steps && q < HIST_MAX && hw && he; q++)
    if (hw[q] >= 0.1 * res.work_end) res.max_balance_err_late = fmax(res.max_balance_err_late, fabs(he[q]));
  free(hw);
  free(he);
  {
    const struct ns_mech_stats *st = ns_mech_get_stats(m);
    res.newton = st->newton_iters;
    res.linear = st->linear_iters;
    res.t_mech = st->t_total;
  }
  {
    const double *dd = ns_damage_field(D);
    for (int i = 0; i < g->n[0]; i++)
      if (dd[ns_grid_index(g, i, 0, 0)] > 0.95) res.crack_radius = fmax(res.crack_radius, g->x[0][i]);
  }
  if (o->dump) {
    FILE *fp = fopen(o->dump, "w");
    if (fp) {
      const double *dd = ns_damage_field(D);
      for (int j = 0; j < g->n[1]; j++)
        for (int i = 0; i < g->n[0]; i++)
          fprintf(fp, "%.6e %.6e %.6e\n", g->x[0][i], g->x[1][j], dd[ns_grid_index(g, i, j, 0)]);
      fclose(fp);
    }
  }
done:
  res.seconds = omp_get_wtime() - t_start;
  ns_damage_free(D);
  ns_mech_free(m);
  free(ids);
  ns_grid_free(g);
  return res;
}

#endif /* NEEDLESIM_TEST_DAMAGE_PROBLEM_H */
