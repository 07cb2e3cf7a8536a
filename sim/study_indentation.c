/* study_indentation.c — [study] type = indentation: a rigid indenter pressed into the layered,
 * age-dependent skin at constant speed, then held.
 *
 *   ns_study_indentation   run one case: grid, load history, series, snapshots, summary
 *
 * Model: the axisymmetric layered grid of skin_grid.h (bottom fixed, far side sliding). The
 * indenter is frictionless and rigid:
 *   flat    a displacement region on the top face, r <= radius (the punch edge on a grid line):
 *           u_z = -d(t) prescribed, u_r free (frictionless); the force is the region's reaction;
 *   sphere, cone   a rigid body of revolution in frictionless contact with the top face
 *           (contact.h: penalty with Uzawa augmentation, the tip at z = -d(t)); after each sample
 *           the penetration is reduced below AUG_PEN_REL of the largest depth by at most
 *           AUG_UPDATES re-equilibrations with the body held (each AUG_DT_S of tissue time, far
 *           below every relaxation time); the force is the contact force on the body.
 * Load history: d(t) = speed t up to depth (t_load = depth / speed), then held for hold_s.
 * Sampling: 40 equal depth increments while loading (4 of them in the first 10 % of the depth,
 * used for the small-depth fits), 20 times spaced geometrically over the hold (1e-3 hold .. hold,
 * to resolve the fast Prony terms), each reached by ns_mech_step with adaptive substeps.
 *
 * Output under /runs/NNNN:
 *   series/time [n] s, series/depth [n] m (indenter travel past first contact), series/force [n]
 *   N (force the tissue exerts on the indenter, positive pushing it back), series/contact_radius
 *   [n] m, n = 1 + 40 + 20 (no hold samples when hold_s = 0; sample 0 is t = 0); solver counters
 *   as attributes of series/;
 *   skin/ (only with [skin] prestretch != 1): the pre-tension (ns_skin_write_prestress_group)
 *   grid/..., snapshots/0000.. (skin_grid.h) at half the depth, the largest depth and the end of
 *   the hold (unless [output] snapshots = false).
 * Summary columns:
 *   max_force_N, max_depth_um;
 *   initial_stiffness_N_m   slope of the least-squares line F = k d through the origin over the
 *                           samples with d <= 10 % of the largest depth;
 *   effective_modulus_kPa   Young's modulus E of a homogeneous, incompressible (nu = 0.5) elastic
 *                           half-space with the same small-depth response (same 10 % of the
 *                           samples, least squares through the origin): flat punch Sneddon
 *                           F = 2 a E* d; sphere Hertz F = (4/3) E* R^(1/2) d^(3/2); cone Sneddon
 *                           F = (2/pi) E* tan(theta) d^2; E = (1 - nu^2) E* = 0.75 E*. The usual
 *                           inverse of in-vivo skin indentation; it mixes layers and rate;
 *   force_relaxation_fraction  (F at the end of loading - F at the end of the hold) / F at the end
 *                           of loading; NaN without a hold.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/contact.h"
#include "needlesim/mech.h"
#include "needlesim/skin_grid.h"
#include "needlesim/study.h"

/* Samples while loading (equal depth increments) and during the hold (geometric in time). */
#define NLOAD 40
#define NHOLD 20
/* First hold sample after the end of loading, as a fraction of the hold time (dimensionless). */
#define HOLD_FIRST 1e-3
/* Depth fraction (of the largest depth) over which the small-depth fits are made. */
#define FIT_FRACTION 0.1
/* Contact augmentation: remaining penetration target relative to the largest depth, most Uzawa
 * updates per sample, and the tissue time of each re-equilibration [s] (1 ns: no relaxation). */
#define AUG_PEN_REL 1e-3
#define AUG_UPDATES 3
#define AUG_DT_S 1e-9
/* Contact penalty factor (contact.h: k = factor E / h of the surface cells). 1 keeps the
 * penetration at ~p h / E, below 1e-4 of the depth under the stiff stratum corneum, and the
 * contact-set changes gentle for Newton: measured on the default forearm with a 1.5 mm sphere,
 * factor 100 needed 15 x more substeps for the same force (within 0.02 %). */
#define PENALTY_FACTOR 1.0
/* Poisson's ratio assumed by the effective modulus (incompressible tissue, the usual convention
 * of in-vivo skin indentation). */
#define NU_EFFECTIVE 0.5

static const char *indenter_text(enum ns_indenter k) {
  switch (k) {
  case NS_INDENTER_FLAT: return "flat";
  case NS_INDENTER_SPHERE: return "sphere";
  case NS_INDENTER_CONE: return "cone";
  }
  return "?";
}

/* Prescribed travel d(t) [m] = min(speed t, depth) as a displacement-region scale of value -1. */
struct travel {
  double speed, depth;
};

static double travel_at(const struct travel *tr, double t) { return fmin(tr->speed * fmax(t, 0.0), tr->depth); }

static double travel_scale(double t, void *ctx) { return travel_at((const struct travel *)ctx, t); }

/* Contact: tip height z_tip(t) = -d(t) [m]. */
static double tip_height(double t, void *ctx) { return -travel_at((const struct travel *)ctx, t); }

/* Sample times: t = 0, NLOAD loading samples, NHOLD hold samples (when hold > 0). */
static size_t sample_times(const struct ns_cfg_indentation *ic, double *t) {
  const double tl = ic->depth / ic->speed;
  size_t n = 0;
  t[n++] = 0.0;
  for (int k = 1; k <= NLOAD; k++) t[n++] = tl * k / NLOAD;
  if (ic->hold > 0.0)
    for (int k = 0; k < NHOLD; k++) t[n++] = tl + ic->hold * pow(HOLD_FIRST, 1.0 - (double)k / (NHOLD - 1));
  return n;
}

/* Least-squares C in F = C g(d) over the samples with d <= FIT_FRACTION d_max (at least one). */
static double fit_origin(const double *d, const double *F, size_t n, double dmax, double power) {
  double num = 0.0, den = 0.0;
  for (size_t i = 1; i < n; i++) {
    if (d[i] > FIT_FRACTION * dmax * (1.0 + 1e-9) && den > 0.0) break;
    const double g = pow(d[i], power);
    num += F[i] * g;
    den += g * g;
  }
  return den > 0.0 ? num / den : NAN;
}

static enum ns_status add_col(struct ns_run_ctx *ctx, const char *name, const char *units, const char *desc,
                              double v, struct ns_err *err) {
  NS_TRY(ns_table_add_column(ctx->summary, name, NS_COL_DOUBLE, units, desc, err));
  return ns_table_set_double(ctx->summary, ctx->row, name, v, err);
}

static enum ns_status summary(struct ns_run_ctx *ctx, const double *t, const double *d, const double *F, size_t n,
                              struct ns_err *err) {
  const struct ns_cfg_indentation *ic = &ctx->cfg->indentation;
  double fmax_ = 0.0;
  size_t iload = 0; /* last loading sample */
  for (size_t i = 0; i < n; i++) {
    fmax_ = fmax(fmax_, F[i]);
    if (t[i] <= ic->depth / ic->speed * (1.0 + 1e-12)) iload = i;
  }
  const double k = fit_origin(d, F, n, ic->depth, 1.0);
  double Estar = NAN;
  switch (ic->indenter) {
  case NS_INDENTER_FLAT: Estar = k / (2.0 * ic->radius); break;
  case NS_INDENTER_SPHERE: Estar = 0.75 * fit_origin(d, F, n, ic->depth, 1.5) / sqrt(ic->radius); break;
  case NS_INDENTER_CONE: Estar = 0.5 * M_PI * fit_origin(d, F, n, ic->depth, 2.0) / tan(ic->half_angle); break;
  }
  const double E = (1.0 - NU_EFFECTIVE * NU_EFFECTIVE) * Estar;
  const double relax = ic->hold > 0.0 ? (F[iload] - F[n - 1]) / F[iload] : NAN;
  NS_TRY(add_col(ctx, "max_force_N", "N", "largest indentation force", fmax_, err));
  NS_TRY(add_col(ctx, "max_depth_um", "um", "largest indentation depth (indenter travel past first contact)",
                 d[iload] * 1e6, err));
  NS_TRY(add_col(ctx, "initial_stiffness_N_m", "N/m",
                 "slope of the line F = k d through the origin fitted over the first 10 % of the depth", k, err));
  NS_TRY(add_col(ctx, "effective_modulus_kPa", "kPa",
                 "E of an incompressible elastic half-space with the same response over the first 10 % of the depth "
                 "(Sneddon flat/cone, Hertz sphere; E = 0.75 E*)",
                 E * 1e-3, err));
  NS_TRY(add_col(ctx, "force_relaxation_fraction", "1",
                 "(F at the end of loading - F at the end of the hold) / F at the end of loading", relax, err));
  return NS_OK;
}

static enum ns_status write_series(struct ns_run_ctx *ctx, const double *t, const double *d, const double *F,
                                   const double *ac, size_t n, struct ns_err *err) {
  char path[128];
  snprintf(path, sizeof path, "%s/series", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, path, "indentation time series (one entry per sample)", err));
  snprintf(path, sizeof path, "%s/series/time", ctx->group);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, t, "s", "time since the start of loading", err));
  snprintf(path, sizeof path, "%s/series/depth", ctx->group);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, d, "m", "indenter travel past first contact", err));
  snprintf(path, sizeof path, "%s/series/force", ctx->group);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, F, "N",
                           "force of the tissue on the indenter (positive: pushing it back out)", err));
  snprintf(path, sizeof path, "%s/series/contact_radius", ctx->group);
  return ns_writer_dataset(ctx->writer, path, 1, &n, ac, "m",
                           "contact radius (flat punch: its radius; sphere, cone: outermost surface node in contact)",
                           err);
}

/* The run after the grid exists; frees nothing of its arguments. c: the contact set of a sphere
 * or cone (its extra already installed in m), NULL for the flat punch. */
static enum ns_status run(struct ns_run_ctx *ctx, const struct ns_skin_grid *sg, struct ns_mech *m,
                          struct ns_contact *c, double *t, double *d, double *F, double *ac, size_t n,
                          struct ns_err *err) {
  const struct ns_cfg_indentation *ic = &ctx->cfg->indentation;
  struct travel tr = {ic->speed, ic->depth};
  int id = -1;
  if (c) {
    ns_contact_set_tip_fn(c, tip_height, &tr);
  } else {
    struct ns_mech_region r;
    memset(&r, 0, sizeof r);
    r.kind = NS_REGION_DISPLACEMENT;
    r.face = NS_FACE_AXI_TOP;
    r.shape = NS_SHAPE_DISC;
    r.radius = ic->radius;
    r.comp_mask = 1u << 1; /* u_z only: frictionless punch */
    r.value[1] = -1.0;     /* times the travel d(t) [m]: downwards */
    r.scale = travel_scale;
    r.scale_ctx = &tr;
    NS_TRY(ns_mech_add_region(m, &r, &id, err));
  }
  ns_mech_set_cancel(m, ctx->cancel);
  const struct ns_contact_aug aug = {AUG_UPDATES, AUG_PEN_REL * ic->depth, AUG_DT_S};

  const int snaps = ctx->cfg->output.snapshots;
  int nsnap = 0;
  const size_t snap_at[3] = {NLOAD / 2, NLOAD, n - 1};
  char path[128];
  snprintf(path, sizeof path, "%s/indenter", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, path, "the indenter of this run", err));
  NS_TRY(ns_writer_attr_text(ctx->writer, path, "shape", indenter_text(ic->indenter), err));
  if (ic->indenter == NS_INDENTER_CONE)
    NS_TRY(ns_writer_attr_double(ctx->writer, path, "half_angle", ic->half_angle, "rad", err));
  else
    NS_TRY(ns_writer_attr_double(ctx->writer, path, "radius", ic->radius, "m", err));
  if (snaps) NS_TRY(ns_skin_grid_write(sg, ctx->skin, ctx->writer, ctx->group, err));
  NS_TRY(ns_skin_write_prestress_group(ctx->skin, ctx->writer, ctx->group, err));

  d[0] = F[0] = ac[0] = 0.0;
  for (size_t i = 1; i < n; i++) {
    /* A contact sample ends AUG_DT_S per update later; the next sample time is still ahead. */
    const double ti = t[i] = fmax(t[i], ns_mech_time(m) + AUG_DT_S);
    enum ns_status st = c ? ns_contact_step(m, c, ti, &aug, NULL, err) : ns_mech_step(m, ti, err);
    if (st != NS_OK)
      return ns_err_prefix(err, "indentation at t = %.4g s (depth %.4g um): ", ti, travel_at(&tr, ti) * 1e6);
    d[i] = travel_at(&tr, ti);
    if (c) {
      const struct ns_contact_result *cr = ns_contact_result(c);
      F[i] = cr->force_z;
      ac[i] = cr->contact_radius;
    } else {
      double f[3];
      NS_TRY(ns_mech_reaction(m, id, f, err));
      F[i] = -f[1];
      ac[i] = ic->radius;
    }
    for (int k = 0; k < 3 && snaps; k++)
      if (snap_at[k] == i && (k == 0 || snap_at[k] != snap_at[k - 1]))
        NS_TRY(ns_skin_grid_snapshot(sg, m, ctx->writer, ctx->group, nsnap++, ti, err));
    if (ctx->progress) ctx->progress(ctx->progress_arg, t[i] / t[n - 1]);
  }
  NS_TRY(write_series(ctx, t, d, F, ac, n, err));
  snprintf(path, sizeof path, "%s/series", ctx->group);
  NS_TRY(ns_skin_grid_write_stats(m, ctx->writer, path, err));
  return summary(ctx, t, d, F, n, err);
}

enum ns_status ns_study_indentation(struct ns_run_ctx *ctx, struct ns_err *err) {
  const struct ns_cfg_indentation *ic = &ctx->cfg->indentation;
  struct ns_skin_grid sg;
  const int flat = ic->indenter == NS_INDENTER_FLAT;
  const double snap_r[1] = {ic->radius};
  NS_TRY(ns_skin_grid_build(&ctx->cfg->grid, ctx->skin, snap_r, flat ? 1 : 0, &sg, err));
  struct ns_mech *m = NULL;
  struct ns_contact *c = NULL;
  enum ns_status st = ns_skin_grid_mech(&sg, &ctx->cfg->numerics, &m, err);
  if (st == NS_OK && !flat) {
    struct ns_body body;
    memset(&body, 0, sizeof body);
    body.kind = ic->indenter == NS_INDENTER_SPHERE ? NS_BODY_SPHERE : NS_BODY_CONE;
    body.radius = ic->indenter == NS_INDENTER_SPHERE ? ic->radius : 0.0;
    body.half_angle = ic->indenter == NS_INDENTER_CONE ? ic->half_angle : 0.0;
    struct ns_contact_opts copts = ns_contact_opts_defaults();
    copts.penalty_factor = PENALTY_FACTOR;
    st = ns_contact_create(sg.grid, sg.mat, NS_NLAYERS, sg.cell_layer, &body, &copts, &c, err);
    if (st == NS_OK) st = ns_contact_add_face(c, NS_FACE_AXI_TOP, err);
    if (st == NS_OK) {
      const struct ns_mech_extra x = ns_contact_extra(c);
      ns_mech_set_extra(m, &x);
    }
  }
  const size_t cap = 1 + NLOAD + NHOLD;
  double *t = malloc(cap * sizeof *t), *d = malloc(cap * sizeof *d), *F = malloc(cap * sizeof *F),
         *ac = malloc(cap * sizeof *ac);
  if (st == NS_OK && (!t || !d || !F || !ac)) st = ns_err_set(err, NS_ENOMEM, "indentation: out of memory");
  if (st == NS_OK) {
    const size_t n = sample_times(ic, t);
    st = run(ctx, &sg, m, c, t, d, F, ac, n, err);
  }
  free(t);
  free(d);
  free(F);
  free(ac);
  ns_mech_free(m);
  ns_contact_free(c);
  ns_skin_grid_free(&sg);
  return st;
}
