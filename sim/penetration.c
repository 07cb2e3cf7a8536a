/* penetration.c — a rigid needle driven into the layered axisymmetric skin (see penetration.h).
 *
 *   ns_pen_spec_defaults  default single-needle problem
 *   ns_pen_check          input validation
 *   ns_pen_run            grid, materials, mechanics, frictional needle contact, displacement-
 *                         controlled insertion, series and energy ledger
 *   ns_pen_result_free
 *   ns_pen_write          HDF5 datasets with units, snapshot at maximum insertion (+ XDMF)
 *
 * The grid builder here is local (graded r towards the axis, z towards the surface, layer
 * interfaces moved onto the nearest z line when that changes neither neighbouring cell by more
 * than half); it will give way to the shared skin-grid helper of the characterisation studies.
 */
#include "needlesim/penetration.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/contact.h"
#include "needlesim/grid.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"

/* pi/2 (M_PI_2 is not in strict C11). */
#define HALF_PI 1.5707963267948966192313216916398
/* Degrees to radians. */
#define DEG 0.017453292519943295769236907684886
/* Cells required across the stratum corneum: below two its bending cannot be represented at all
 * (the indentation studies ask for four; two is the hard floor for a run to mean anything). */
#define MIN_SC_CELLS 2
/* A grid line may move onto a layer interface by at most this fraction of a neighbouring cell. */
#define SNAP_FRACTION 0.5
/* Pseudo-time of an augmentation re-equilibration as a fraction of an output step: << the
 * shortest Prony time at the speeds of interest, and above dt_min. */
#define AUG_DT_REL 1e-3

struct ns_pen_spec ns_pen_spec_defaults(const struct ns_skin *skin) {
  struct ns_pen_spec s;
  memset(&s, 0, sizeof s);
  s.skin = skin;
  s.needle.length = 1e-3;
  s.needle.shaft_diameter = 250e-6;
  s.needle.tip_radius = 10e-6;
  s.needle.tip_half_angle = 15.0 * DEG;
  s.speed = 1e-3;
  s.travel = 50e-6;
  s.steps = 10;
  s.width = 1.5e-3;
  s.depth = 3e-3;
  s.cells_r = 32;
  s.cells_z = 48;
  s.axis_cell = 2e-6;
  s.surface_cell = 2e-6;
  s.friction = NAN;
  s.elastic = 0;
  s.dynamics = 0;
  s.aug_updates = 0; /* pure penalty: measured remaining penetration 0.05 % of the depth */
  s.snapshots = 1;
  s.fracture = 0; /* cutting not implemented yet: tenting only */
  s.cut_radius = NAN;
  s.toughness_scale = 1.0;
  s.path_cell = 0.0;
  s.force_limit = NAN;
  return s;
}

enum ns_status ns_pen_check(const struct ns_pen_spec *s, struct ns_err *err) {
  const struct ns_cfg_needle *n = &s->needle;
  if (!s->skin) return ns_err_set(err, NS_EINPUT, "penetration: no skin model");
  if (!(n->length > 0.0) || !isfinite(n->length))
    return ns_err_set(err, NS_EINPUT, "needle.length_mm: expected > 0, got %g", n->length * 1e3);
  if (!(n->shaft_diameter > 0.0) || !isfinite(n->shaft_diameter))
    return ns_err_set(err, NS_EINPUT, "needle.shaft_diameter_um: expected > 0, got %g", n->shaft_diameter * 1e6);
  if (!(n->tip_radius > 0.0) || !isfinite(n->tip_radius))
    return ns_err_set(err, NS_EINPUT, "needle.tip_radius_um: expected > 0, got %g", n->tip_radius * 1e6);
  if (!(n->tip_half_angle > 0.0 && n->tip_half_angle < HALF_PI))
    return ns_err_set(err, NS_EINPUT, "needle.tip_half_angle_deg: expected 0 < angle < 90, got %g",
                      n->tip_half_angle / DEG);
  const double Rs = 0.5 * n->shaft_diameter;
  if (n->tip_radius > Rs)
    return ns_err_set(err, NS_EINPUT,
                      "needle.tip_radius_um: expected at most the shaft radius %g um, got %g um (a tip wider than "
                      "the shaft)",
                      Rs * 1e6, n->tip_radius * 1e6);
  if (n->tip_radius * cos(n->tip_half_angle) > Rs)
    return ns_err_set(err, NS_EINPUT,
                      "needle.tip_radius_um: the rounded tip (radius %g um, half-angle %g deg) is wider than the "
                      "shaft radius %g um",
                      n->tip_radius * 1e6, n->tip_half_angle / DEG, Rs * 1e6);
  if (!(s->depth > 0.0) || !(s->width > 0.0))
    return ns_err_set(err, NS_EINPUT, "grid: expected positive width and depth, got %g mm and %g mm", s->width * 1e3,
                      s->depth * 1e3);
  if (n->length >= s->depth)
    return ns_err_set(err, NS_EINPUT,
                      "needle.length_mm: the needle (%g mm) must be shorter than the domain depth grid.depth_mm = "
                      "%g mm",
                      n->length * 1e3, s->depth * 1e3);
  if (Rs >= s->width)
    return ns_err_set(err, NS_EINPUT, "grid.width_mm: expected more than the shaft radius %g mm, got %g mm",
                      Rs * 1e3, s->width * 1e3);
  if (!(s->speed > 0.0) || !isfinite(s->speed))
    return ns_err_set(err, NS_EINPUT,
                      "loading.speed_mm_s: expected > 0 for displacement control (a needle that does not move and "
                      "no force cannot load the skin), got %g",
                      s->speed * 1e3);
  if (!(s->travel > 0.0) || s->travel > n->length)
    return ns_err_set(err, NS_EINPUT, "loading.depth_mm: expected 0 < travel <= needle length %g mm, got %g mm",
                      n->length * 1e3, s->travel * 1e3);
  if (s->steps < 1) return ns_err_set(err, NS_EINPUT, "penetration: expected >= 1 output steps, got %d", s->steps);
  if (s->cells_r < 2 || s->cells_z < 2 || !(s->axis_cell > 0.0) || !(s->surface_cell > 0.0))
    return ns_err_set(err, NS_EINPUT, "grid: expected >= 2 cells per direction and positive first cells");
  if (s->aug_updates < 0) return ns_err_set(err, NS_EINPUT, "penetration: negative augmentation count");
  if (ns_cfg_given(s->friction) && !(s->friction >= 0.0))
    return ns_err_set(err, NS_EINPUT, "penetration: friction coefficient %g must be >= 0", s->friction);
  return NS_OK;
}

void ns_pen_result_free(struct ns_pen_result *r) {
  if (!r) return;
  double **arrs[] = {&r->time,    &r->tip_z,  &r->force,   &r->force_friction, &r->tip_depth,
                     &r->deflection, &r->work, &r->stored, &r->kinetic,        &r->viscous,
                     &r->friction, &r->interface, &r->r,   &r->z,              &r->u,
                     &r->stress,  &r->cut_depth, &r->fracture_energy, &r->force_fracture};
  for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
    free(*arrs[i]);
    *arrs[i] = NULL;
  }
  free(r->layer);
  r->layer = NULL;
  free(r->events);
  r->events = NULL;
  r->nevents = 0;
}

/* Move the interior coordinate nearest to target onto it if the move is at most SNAP_FRACTION
 * of both neighbouring cells and the line was not moved before. */
static void snap(double *x, int n, unsigned char *moved, double target) {
  int best = -1;
  double bd = HUGE_VAL;
  for (int k = 1; k < n - 1; k++)
    if (fabs(x[k] - target) < bd) {
      bd = fabs(x[k] - target);
      best = k;
    }
  if (best < 0 || moved[best]) return;
  if (bd > SNAP_FRACTION * fmin(x[best] - x[best - 1], x[best + 1] - x[best])) return;
  x[best] = target;
  moved[best] = 1;
}

/* The problem's grid, layer per cell and materials. */
struct pen_grid {
  struct ns_grid *g;
  uint8_t *cell_layer;
  struct ns_material mat[NS_NLAYERS];
  int sc_cells;
};

static void pen_grid_free(struct pen_grid *pg) {
  ns_grid_free(pg->g);
  free(pg->cell_layer);
}

static enum ns_status pen_grid_build(const struct ns_pen_spec *s, struct pen_grid *pg, struct ns_err *err) {
  memset(pg, 0, sizeof *pg);
  const int nr = s->cells_r, nz = s->cells_z;
  double *xr = malloc((size_t)(nr + 1) * sizeof *xr), *xz = malloc((size_t)(nz + 1) * sizeof *xz);
  unsigned char *mz = calloc((size_t)nz + 1, 1);
  enum ns_status st = NS_OK;
  double beta = 0.0;
  if (!xr || !xz || !mz) {
    st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    goto done;
  }
  if ((st = ns_grid_stretch_for(nr, 0.0, s->width, s->axis_cell, &beta, err)) != NS_OK) goto done;
  ns_grid_coords_stretched(nr, 0.0, s->width, beta, 1, xr);
  if ((st = ns_grid_stretch_for(nz, -s->depth, 0.0, s->surface_cell, &beta, err)) != NS_OK) goto done;
  ns_grid_coords_stretched(nz, -s->depth, 0.0, beta, 0, xz);
  for (int l = 1; l < NS_NLAYERS; l++)
    if (s->skin->layer[l].top < s->depth) snap(xz, nz + 1, mz, -s->skin->layer[l].top);
  pg->cell_layer = malloc((size_t)nr * (size_t)nz);
  if (!pg->cell_layer) {
    st = ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
    goto done;
  }
  for (int j = 0; j < nz; j++) {
    const enum ns_layer_id l = ns_skin_layer_at(s->skin, -0.5 * (xz[j] + xz[j + 1]));
    if (l == NS_LAYER_STRATUM_CORNEUM) pg->sc_cells++;
    memset(pg->cell_layer + (size_t)j * (size_t)nr, (int)l, (size_t)nr);
  }
  if (pg->sc_cells < MIN_SC_CELLS) {
    st = ns_err_set(err, NS_EINPUT,
                    "grid.surface_cell_um: expected at least %d cells across the stratum corneum (%.3g um), got %d "
                    "with a %.3g um surface cell and %d cells",
                    MIN_SC_CELLS, s->skin->layer[0].thickness.value * 1e6, pg->sc_cells, s->surface_cell * 1e6, nz);
    goto done;
  }
  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &s->skin->layer[l];
    const enum ns_hyper_model model = L->ogden_alpha.value == 2.0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN;
    if ((st = ns_material_from_layer(L, model, &pg->mat[l], err)) != NS_OK) goto done;
    if (s->elastic) {
      /* Elastic tissue with the relaxed modulus: mu_long = g_inf mu_inst. */
      double ginf = 1.0;
      for (int i = 0; i < pg->mat[l].nprony; i++) ginf -= pg->mat[l].g[i];
      pg->mat[l].mu *= ginf;
      pg->mat[l].nprony = 0;
    }
  }
  {
    const int n[3] = {nr + 1, nz + 1, 1};
    const double *const x[3] = {xr, xz, NULL};
    st = ns_grid_create(NS_GEOM_AXISYMMETRIC, n, x, &pg->g, err);
  }
done:
  free(xr);
  free(xz);
  free(mz);
  if (st != NS_OK) pen_grid_free(pg);
  return st;
}

struct tip_path {
  double speed;   /* [m/s] */
  double t_end;   /* insertion time at full travel [s] */
  double t_shift; /* pseudo-time spent in augmentation re-equilibrations so far [s] */
};

/* Tip height: first contact at t = 0, then down at constant speed until the travel is done; the
 * clock of the mechanics runs ahead of the insertion time by the augmentation pseudo-time. */
static double tip_of(double t, void *ctx) {
  const struct tip_path *p = ctx;
  return -p->speed * fmin(fmax(t - p->t_shift, 0.0), p->t_end);
}

static enum ns_status alloc_series(struct ns_pen_result *r, size_t n, struct ns_err *err) {
  double **arrs[] = {&r->time,       &r->tip_z, &r->force,  &r->force_friction, &r->tip_depth, &r->deflection,
                     &r->work,       &r->stored, &r->kinetic, &r->viscous,       &r->friction,  &r->interface};
  for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
    *arrs[i] = calloc(n, sizeof(double));
    if (!*arrs[i]) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  }
  r->n = n;
  return NS_OK;
}

/* Record output point k of the committed state. */
static void record(struct ns_pen_result *r, size_t k, const struct ns_mech *m, const struct ns_contact *c, double t,
                   double stored0) {
  const struct ns_contact_result *cr = ns_contact_result(c);
  const struct ns_grid *g = ns_mech_grid(m);
  const double *u = ns_mech_displacement(m);
  struct ns_mech_energy e;
  ns_mech_energy(m, &e);
  const size_t axis_top = ns_grid_index(g, 0, g->n[1] - 1, 0);
  r->time[k] = t;
  r->tip_z[k] = cr->z_tip;
  r->force[k] = cr->force_z;
  r->force_friction[k] = cr->force_friction_z;
  r->tip_depth[k] = -cr->z_tip;
  r->deflection[k] = -u[2 * axis_top + 1];
  r->work[k] = cr->work;
  r->stored[k] = e.stored - stored0;
  r->kinetic[k] = e.kinetic;
  r->viscous[k] = e.viscous;
  r->friction[k] = cr->friction_dissipation;
  r->interface[k] = cr->interface_energy;
}

static enum ns_status keep_fields(struct ns_pen_result *r, const struct pen_grid *pg, const struct ns_mech *m,
                                  struct ns_err *err) {
  const struct ns_grid *g = pg->g;
  r->nr = g->n[0] - 1;
  r->nz = g->n[1] - 1;
  const size_t nn = g->nnodes, nc = (size_t)r->nr * (size_t)r->nz;
  r->r = malloc((size_t)g->n[0] * sizeof *r->r);
  r->z = malloc((size_t)g->n[1] * sizeof *r->z);
  r->u = malloc(3 * nn * sizeof *r->u);
  r->stress = malloc(6 * nc * sizeof *r->stress);
  r->layer = malloc(nc * sizeof *r->layer);
  if (!r->r || !r->z || !r->u || !r->stress || !r->layer)
    return ns_err_set(err, NS_ENOMEM, "penetration: out of memory for the snapshot");
  memcpy(r->r, g->x[0], (size_t)g->n[0] * sizeof *r->r);
  memcpy(r->z, g->x[1], (size_t)g->n[1] * sizeof *r->z);
  const double *u = ns_mech_displacement(m);
  for (size_t i = 0; i < nn; i++) {
    r->u[3 * i] = u[2 * i];
    r->u[3 * i + 1] = u[2 * i + 1];
    r->u[3 * i + 2] = 0.0;
  }
  memcpy(r->stress, ns_mech_cell_stress(m), 6 * nc * sizeof *r->stress);
  for (size_t i = 0; i < nc; i++) r->layer[i] = pg->cell_layer[i];
  return NS_OK;
}

enum ns_status ns_pen_run(const struct ns_pen_spec *s, struct ns_pen_result *res, struct ns_err *err) {
  memset(res, 0, sizeof *res);
  NS_TRY(ns_pen_check(s, err));
  const double t0w = omp_get_wtime();
  struct pen_grid pg;
  NS_TRY(pen_grid_build(s, &pg, err));
  struct ns_mech *m = NULL;
  struct ns_contact *c = NULL;
  enum ns_status st = NS_OK;
  const double t_end = s->travel / s->speed, dt_out = t_end / s->steps;
  struct tip_path path = {s->speed, t_end, 0.0};
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.dt_initial = o.dt_max = dt_out;
  o.dt_min = 1e-6 * dt_out;
  o.lin.max_iter = 1000;
  if ((st = ns_mech_create(pg.g, pg.mat, NS_NLAYERS, pg.cell_layer, &o, &m, err)) != NS_OK) goto done;
  if ((st = ns_mech_set_face(m, NS_FACE_AXI_BOTTOM, NS_BC_FIXED, err)) != NS_OK) goto done;
  if ((st = ns_mech_set_face(m, NS_FACE_AXI_RMAX, NS_BC_SLIDING, err)) != NS_OK) goto done;
  if (s->dynamics) {
    struct ns_mech_dyn_opts d = ns_mech_dyn_defaults();
    d.rho_inf = 1.0; /* no numerical dissipation: the energy ledger stays exact to O(dt^2) */
    if ((st = ns_mech_set_dynamics(m, 1, &d, err)) != NS_OK) goto done;
  }
  {
    struct ns_body b;
    memset(&b, 0, sizeof b);
    b.kind = NS_BODY_NEEDLE;
    b.radius = 0.5 * s->needle.shaft_diameter;
    b.half_angle = s->needle.tip_half_angle;
    b.tip_radius = s->needle.tip_radius;
    struct ns_contact_opts co = ns_contact_opts_defaults();
    if ((st = ns_contact_create(pg.g, pg.mat, NS_NLAYERS, pg.cell_layer, &b, &co, &c, err)) != NS_OK) goto done;
    if ((st = ns_contact_add_face(c, NS_FACE_AXI_TOP, err)) != NS_OK) goto done;
    /* Friction of each surface node: the given value or that of the stratum corneum (the layer
     * the surface nodes belong to). */
    const double mu = ns_cfg_given(s->friction) ? s->friction
                                                : s->skin->layer[NS_LAYER_STRATUM_CORNEUM].friction_coefficient.value;
    for (size_t i = 0; i < ns_contact_count(c); i++)
      if ((st = ns_contact_set_friction(c, i, mu, err)) != NS_OK) goto done;
    ns_contact_set_tip_fn(c, tip_of, &path);
    struct ns_mech_extra x = ns_contact_extra(c);
    ns_mech_set_extra(m, &x);
  }
  if ((st = alloc_series(res, (size_t)s->steps + 1, err)) != NS_OK) goto done;
  ns_mech_energy_reset(m);
  struct ns_mech_energy e0;
  ns_mech_energy(m, &e0);
  record(res, 0, m, c, 0.0, e0.stored);
  struct ns_contact_aug aug = {s->aug_updates, 0.0, AUG_DT_REL * dt_out};
  double wmax = 0.0;
  for (int k = 1; k <= s->steps; k++) {
    /* Augmentation re-equilibrations (tip frozen) advance the mechanics clock by dt_aug each
     * (<< every Prony time); the insertion time is the clock minus that pseudo-time. */
    if ((st = ns_contact_step(m, c, ns_mech_time(m) + dt_out, &aug, NULL, err)) != NS_OK) goto done;
    path.t_shift = ns_mech_time(m) - (double)k * dt_out;
    record(res, (size_t)k, m, c, (double)k * dt_out, e0.stored);
    res->peak_force = fmax(res->peak_force, res->force[k]);
    wmax = fmax(wmax, fabs(res->work[k]));
  }
  for (size_t k = 0; k < res->n; k++) {
    const double bal = res->stored[k] + res->kinetic[k] + res->viscous[k] + res->friction[k] + res->interface[k];
    if (wmax > 0.0) res->energy_error = fmax(res->energy_error, fabs(res->work[k] - bal) / wmax);
  }
  if (s->snapshots && (st = keep_fields(res, &pg, m, err)) != NS_OK) goto done;
  {
    const struct ns_mech_stats *ms = ns_mech_get_stats(m);
    res->newton_iters = ms->newton_iters;
    res->linear_iters = ms->linear_iters;
    res->substeps = ms->steps_accepted;
  }
  res->wall_s = omp_get_wtime() - t0w;
done:
  ns_contact_free(c);
  ns_mech_free(m);
  pen_grid_free(&pg);
  if (st != NS_OK) ns_pen_result_free(res);
  return st;
}

enum ns_status ns_pen_write(const struct ns_pen_result *r, struct ns_writer *w, const char *group,
                            struct ns_err *err) {
  char p[200], q[320];
  snprintf(p, sizeof p, "%s/series", group);
  NS_TRY(ns_writer_group(w, p, "needle insertion history, one entry per output step", err));
  struct {
    const char *name;
    const double *data;
    const char *units, *desc;
  } ds[] = {
      {"time", r->time, "s", "time since first contact"},
      {"tip_z", r->tip_z, "m", "needle tip position (0 = undeformed surface, < 0 below)"},
      {"force", r->force, "N", "axial force of the tissue on the needle (> 0 resists insertion)"},
      {"force_friction", r->force_friction, "N", "friction part of the axial force"},
      {"force_deformation", NULL, "N", "non-frictional part of the axial force (normal contact pressure)"},
      {"tip_depth", r->tip_depth, "m", "tip depth below the undeformed surface"},
      {"surface_deflection", r->deflection, "m", "surface deflection at the needle axis (downward > 0)"},
      {"work", r->work, "J", "cumulative work of the needle on the tissue"},
      {"stored_energy", r->stored, "J", "stored (free) energy change since first contact"},
      {"kinetic_energy", r->kinetic, "J", "kinetic energy"},
      {"viscous_dissipation", r->viscous, "J", "cumulative QLV dissipation"},
      {"friction_dissipation", r->friction, "J", "cumulative frictional dissipation"},
      {"interface_energy", r->interface, "J", "penalty (interface) energy of the contact"},
  };
  double *tmp = malloc(r->n * sizeof *tmp);
  if (!tmp) return ns_err_set(err, NS_ENOMEM, "penetration: out of memory");
  for (size_t k = 0; k < r->n; k++) tmp[k] = r->force[k] - r->force_friction[k];
  enum ns_status st = NS_OK;
  for (size_t i = 0; i < sizeof ds / sizeof ds[0] && st == NS_OK; i++) {
    snprintf(q, sizeof q, "%s/%s", p, ds[i].name);
    st = ns_writer_dataset(w, q, 1, &r->n, ds[i].data ? ds[i].data : tmp, ds[i].units, ds[i].desc, err);
  }
  free(tmp);
  NS_TRY(st);
  NS_TRY(ns_writer_attr_double(w, p, "peak_force", r->peak_force, "N", err));
  NS_TRY(ns_writer_attr_double(w, p, "energy_balance_error", r->energy_error, "1", err));
  NS_TRY(ns_writer_attr_int(w, p, "newton_iterations", r->newton_iters, err));
  NS_TRY(ns_writer_attr_int(w, p, "substeps", r->substeps, err));
  if (!r->u) return NS_OK;
  char pr[240], pz[240], pl[240], pu[240], ps[240];
  snprintf(pr, sizeof pr, "%s/grid/r", group);
  snprintf(pz, sizeof pz, "%s/grid/z", group);
  snprintf(pl, sizeof pl, "%s/grid/layer", group);
  const size_t n0 = (size_t)r->nr + 1, n1 = (size_t)r->nz + 1;
  NS_TRY(ns_writer_dataset(w, pr, 1, &n0, r->r, "m", "radial node coordinates (0 = axis)", err));
  NS_TRY(ns_writer_dataset(w, pz, 1, &n1, r->z, "m", "vertical node coordinates (0 = skin surface)", err));
  const size_t cd[3] = {(size_t)r->nz, (size_t)r->nr, 6}, nd[3] = {n1, n0, 3};
  NS_TRY(ns_writer_dataset_int(w, pl, 2, cd, r->layer, "1", "layer id per cell [z][r]", err));
  snprintf(p, sizeof p, "%s/snapshots/max_insertion", group);
  NS_TRY(ns_writer_group(w, p, "fields at maximum insertion", err));
  NS_TRY(ns_writer_attr_double(w, p, "time", r->time[r->n - 1], "s", err));
  snprintf(pu, sizeof pu, "%s/u", p);
  snprintf(ps, sizeof ps, "%s/stress", p);
  NS_TRY(ns_writer_dataset(w, pu, 3, nd, r->u, "m", "nodal displacement [z][r][u_r, u_z, 0]", err));
  NS_TRY(ns_writer_dataset(w, ps, 3, cd, r->stress, "Pa", "Cauchy stress per cell [z][r][rr, zz, thth, rz, 0, 0]",
                           err));
  const struct ns_xdmf_field f[] = {{"u", pu, 3, 0}, {"stress", ps, 6, 1}, {"layer", pl, 1, 1}};
  const size_t ndims[3] = {n0, n1, 1};
  const char *const coords[3] = {pr, pz, NULL};
  char gname[64];
  const char *slash = strrchr(group, '/');
  snprintf(gname, sizeof gname, "pen_%s", slash ? slash + 1 : group);
  return ns_writer_xdmf_snapshot(w, gname, r->time[r->n - 1], 2, ndims, coords, 3, f, err);
}
