/* lame_problem.h — the pressurised thick-walled cylinder in plane strain, set up on the
 * axisymmetric mechanics grid (shared by tests/unit/test_lame.c and tests/verify/verify_lame.c).
 *
 *   lame_setup_default   a hollow cylinder a = 1 mm, b = 2 mm of a skin-like QLV material
 *   lame_run             solve it under a (quickly ramped) step pressure; inner-radius
 *                        displacement at requested times, step counts
 *   lame_reference_u     analytic u(a, t) for the same ramp-then-hold load
 *
 * The problem: r in [a, b] (a > 0, so the axis is not part of the grid), z in [-H, 0] with H a few
 * cells; top and bottom faces sliding (u_z = 0: plane strain, the solution does not depend on z),
 * outer face r = b traction-free, inner face r = a loaded by a pressure region. The pressure
 * p(t) = p min(t/t_ramp, 1) rises over t_ramp (one substep, much shorter than every relaxation
 * time) and is then held; the reference is the analytic step response (analytic.h,
 * ns_analytic_lame_visco_u_inner) convolved with the same ramp, so the comparison does not
 * contain the O(t_ramp/tau) difference between a ramp and a true step.
 *
 * Header-only (static functions) because the verification program links the library only.
 */
#ifndef NEEDLESIM_TESTS_LAME_PROBLEM_H
#define NEEDLESIM_TESTS_LAME_PROBLEM_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/analytic.h"
#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"

struct lame_setup {
  double a, b, height;       /* inner and outer radius, axial extent [m] */
  int nr, nz;                /* cells in r and z */
  double beta;               /* grading of r towards the inner face (grid.h stretching; 0 uniform) */
  struct ns_material mat;    /* material (Prony terms optional) */
  double p;                  /* held pressure [Pa] */
  double t_ramp;             /* ramp duration [s] (the first substep) */
  double dt_grow, dt_max;    /* substep growth factor after a converged step, largest substep [s] */
  double dt_fixed;           /* > 0: after the ramp, every substep has this length [s] (no adaptivity) */
};

/* Outputs of one run. */
struct lame_result {
  long steps;           /* accepted substeps (including the ramp) */
  long rejected;        /* rejected substeps */
  long newton;          /* Newton iterations in all */
  double max_rel_u;     /* elastic runs: max over nodes of |u_r - u_exact(r)| / u_exact(a) at the end */
  double max_rel_srr;   /* max over cells of |sigma_rr - exact(r_c)| / p at the end (any material) */
  double max_rel_stt;   /* the same for the hoop stress sigma_thth */
};

/* A skin-like dermis material: instantaneous shear modulus 20 kPa, Poisson's ratio 0.45
 * (kappa = 2 mu (1 + nu) / (3 (1 - 2 nu)) = 193 kPa), two Prony terms spanning a decade
 * (g = 0.3, 0.2 at tau = 0.5 s, 5 s: the dermis values of the skin model are of this size).
 * nprony = 0 makes it elastic. */
static inline struct ns_material lame_material(int nprony) {
  struct ns_material m;
  memset(&m, 0, sizeof m);
  m.model = NS_HYPER_NEOHOOKE;
  m.mu = 20e3;
  m.kappa = 2.0 * m.mu * (1.0 + 0.45) / (3.0 * (1.0 - 2.0 * 0.45));
  m.alpha = 2.0;
  m.density = 1100.0;
  m.nprony = nprony;
  m.g[0] = 0.3;
  m.tau[0] = 0.5;
  m.g[1] = 0.2;
  m.tau[1] = 5.0;
  return m;
}

static inline struct lame_setup lame_setup_default(int nprony) {
  struct lame_setup s;
  memset(&s, 0, sizeof s);
  s.a = 1e-3;
  s.b = 2e-3;
  s.height = 0.25e-3;
  s.nr = 32;
  s.nz = 2;
  s.beta = 1.0;
  s.mat = lame_material(nprony);
  /* p/mu = 1e-4: strains ~1e-4, so the finite-strain model and the linear theory differ by
   * ~1e-4 relative (geometric and material nonlinearity are both first order in the strain). */
  s.p = 2.0;
  s.t_ramp = 1e-3;   /* 1/500 of the shortest relaxation time */
  s.dt_grow = 1.5;
  s.dt_max = 1.0;
  return s;
}

struct lame_ramp {
  double t_ramp;
};

static inline double lame_ramp_scale(double t, void *ctx) {
  const struct lame_ramp *r = (const struct lame_ramp *)ctx;
  return t >= r->t_ramp ? 1.0 : t / r->t_ramp;
}

/* Analytic u(a, t) for the load p min(t/t_ramp, 1): (1/t_ramp) int_0^min(t,t_ramp) u_step(t - s) ds
 * by 8-point Gauss-Legendre quadrature (the integrand is a sum of exponentials with rates
 * << 1/t_ramp, so the quadrature error is far below 1e-12 relative). */
static inline double lame_reference_u(const struct ns_lame_visco *L, double t_ramp, double t) {
  static const double xg[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
  static const double wg[4] = {0.3626837833783620, 0.3137066053720544, 0.2223810344533745, 0.1012285362903763};
  const double len = fmin(t, t_ramp);
  if (len <= 0.0) return 0.0;
  double sum = 0.0;
  for (int k = 0; k < 4; k++)
    for (int sg = -1; sg <= 1; sg += 2) {
      double s = 0.5 * len * (1.0 + sg * xg[k]);
      sum += wg[k] * ns_analytic_lame_visco_u_inner(L, t - s);
    }
  return 0.5 * len * sum / t_ramp;
}

/* Solve the problem, stopping at times[0..ntimes-1] (increasing, the first >= t_ramp) and storing
 * the mean u_r over the inner-face nodes in u_inner[]. Returns NS_OK or the mech error. */
static inline enum ns_status lame_run(const struct lame_setup *s, const double *times, int ntimes, double *u_inner,
                                      struct lame_result *res, struct ns_err *err) {
  memset(res, 0, sizeof *res);
  int n[3] = {s->nr + 1, s->nz + 1, 1};
  double *xr = malloc((size_t)n[0] * sizeof(double)), *xz = malloc((size_t)n[1] * sizeof(double));
  uint8_t *ids = calloc((size_t)s->nr * (size_t)s->nz, 1);
  struct ns_grid *g = NULL;
  struct ns_mech *m = NULL;
  enum ns_status st = NS_ENOMEM;
  if (!xr || !xz || !ids) {
    ns_err_set(err, NS_ENOMEM, "lame: out of memory");
    goto done;
  }
  ns_grid_coords_stretched(s->nr, s->a, s->b, s->beta, 1, xr);
  ns_grid_coords_stretched(s->nz, -s->height, 0.0, 0.0, 1, xz);
  {
    const double *x[3] = {xr, xz, NULL};
    st = ns_grid_create(NS_GEOM_AXISYMMETRIC, n, x, &g, err);
    if (st != NS_OK) goto done;
  }
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.newton_rtol = 1e-10; /* residual 1e-10 of the load: far below the 1e-3 comparisons */
  o.lin.rtol = 1e-11;
  o.dt_initial = s->t_ramp;
  o.dt_min = 1e-3 * s->t_ramp;
  o.dt_max = s->dt_max;
  o.dt_grow = s->dt_grow;
  st = ns_mech_create(g, &s->mat, 1, ids, &o, &m, err);
  if (st != NS_OK) goto done;
  if ((st = ns_mech_set_face(m, NS_FACE_AXI_BOTTOM, NS_BC_SLIDING, err)) != NS_OK) goto done;
  if ((st = ns_mech_set_face(m, NS_FACE_AXI_TOP, NS_BC_SLIDING, err)) != NS_OK) goto done;
  struct lame_ramp ramp = {s->t_ramp};
  struct ns_mech_region r;
  memset(&r, 0, sizeof r);
  r.kind = NS_REGION_PRESSURE;
  r.face = NS_FACE_AXI_RMIN;
  r.shape = NS_SHAPE_BOX;
  for (int d = 0; d < 3; d++) {
    r.lo[d] = -HUGE_VAL;
    r.hi[d] = HUGE_VAL;
  }
  r.pressure = s->p;
  r.scale = lame_ramp_scale;
  r.scale_ctx = &ramp;
  if ((st = ns_mech_add_region(m, &r, NULL, err)) != NS_OK) goto done;
  /* The ramp is one substep, so the load history is exactly linear within it. */
  if ((st = ns_mech_step(m, s->t_ramp, err)) != NS_OK) goto done;
  if (s->dt_fixed > 0.0) {
    o.dt_min = o.dt_max = s->dt_fixed;
    ns_mech_set_opts(m, &o);
  }
  for (int k = 0; k < ntimes; k++) {
    if (times[k] > ns_mech_time(m) && (st = ns_mech_step(m, times[k], err)) != NS_OK) goto done;
    const double *u = ns_mech_displacement(m);
    double sum = 0.0;
    for (int j = 0; j < n[1]; j++) sum += u[ns_grid_index(g, 0, j, 0) * 2];
    u_inner[k] = sum / n[1];
  }
  if (s->mat.nprony == 0) {
    const double K = s->mat.kappa, G = s->mat.mu;
    const double ua = ns_analytic_lame_u(NS_LAME_CYLINDER_PLANE_STRAIN, s->a, s->b, s->p, K, G, s->a);
    const double *u = ns_mech_displacement(m);
    for (int j = 0; j < n[1]; j++)
      for (int i = 0; i < n[0]; i++) {
        double want = ns_analytic_lame_u(NS_LAME_CYLINDER_PLANE_STRAIN, s->a, s->b, s->p, K, G, xr[i]);
        double dev = fabs(u[ns_grid_index(g, i, j, 0) * 2] - want) / ua;
        if (dev > res->max_rel_u) res->max_rel_u = dev;
      }
  }
  {
    /* Cell stresses against the Lame stresses at the cell-centre radius (the stresses do not
     * depend on the material, so this holds for the viscoelastic runs at every time as well). */
    const double *sig = ns_mech_cell_stress(m);
    for (int j = 0; j < s->nz; j++)
      for (int i = 0; i < s->nr; i++) {
        const size_t c = (size_t)i + (size_t)j * (size_t)s->nr;
        double srr, stt;
        ns_analytic_lame_stress(NS_LAME_CYLINDER_PLANE_STRAIN, s->a, s->b, s->p, 0.5 * (xr[i] + xr[i + 1]), &srr,
                                &stt);
        res->max_rel_srr = fmax(res->max_rel_srr, fabs(sig[6 * c + 0] - srr) / s->p);
        res->max_rel_stt = fmax(res->max_rel_stt, fabs(sig[6 * c + 2] - stt) / s->p);
      }
  }
  {
    const struct ns_mech_stats *stt = ns_mech_get_stats(m);
    res->steps = stt->steps_accepted;
    res->rejected = stt->steps_rejected;
    res->newton = stt->newton_iters;
  }
  st = NS_OK;
done:
  ns_mech_free(m);
  ns_grid_free(g);
  free(xr);
  free(xz);
  free(ids);
  return st;
}

#endif /* NEEDLESIM_TESTS_LAME_PROBLEM_H */
