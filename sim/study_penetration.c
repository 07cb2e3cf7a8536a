/* study_penetration.c — [study] type = penetration: one needle of the device driven into the
 * layered, age-dependent skin (the mechanics: penetration.h, sim/penetration.c).
 *
 *   ns_study_penetration   run one case: scenario -> struct ns_pen_spec, solve, write, summary
 *
 * Device semantics (how a device's keys become the load of one needle; docs/scenarios.md):
 *   single  displacement control: the tip moves at loading.speed_mm_s for loading.depth_mm past
 *           first contact (default: the needle length). With loading.force_N instead: force control,
 *           the needle advances until its force reaches force_N (or the needle is fully in).
 *           Domain radius: grid.width_mm.
 *   pen     displacement control at the stroke's peak speed: a sinusoidal stroke
 *           z(t) = (s/2)(1 - cos 2 pi f t) peaks at pi f s (stroke depth s, rate f) unless
 *           loading.speed_mm_s is given (the scenario module fills the speed); travel = min(stroke
 *           depth, needle length); inertia on (penetration.dynamics = auto). Domain radius:
 *           grid.width_mm (the cartridge's needles are millimetres apart; their neighbours are
 *           not modelled).
 *   stamp   force control when loading.force_N is given: the hand force is shared by all
 *           device.needle_count needles, force per needle = force_N / needle_count; otherwise
 *           displacement control as for a single needle. The neighbours enter through the
 *           periodic cell: the domain is the disc of the same area as one needle's share of the
 *           stamp, radius pitch / sqrt(pi), whose side slides (symmetry).
 *   roller  as the stamp, with the needles in contact at once sharing the force. A needle tip
 *           at radius r_t = R + L (drum radius R, needle length L) is in the skin while its angle
 *           from the downward vertical is below theta0 = acos(R / r_t) (the drum surface rests
 *           on the skin at full insertion: the insertion depth is L; /work/shared roller
 *           kinematics E1). The contact arc 2 theta0 holds needles_per_row * 2 theta0 / (2 pi)
 *           needle positions of each ring, rounded to the nearest integer and at least one; every
 *           one of the needle_rows rings has a needle there: in contact = needle_rows x
 *           positions. Periodic cell: one needle's share of the drum surface,
 *           (drum_width / needle_rows) x (pi drum_diameter / needles_per_row), as a disc of the
 *           same area. Insertion speed: the vertical speed of the tip when it meets the skin for
 *           a drum rolling without slip at loading.speed_mm_s, v sqrt(r_t^2 - R^2) / R (the tip
 *           slows to zero at the bottom of its path; the entry speed governs tenting and the
 *           puncture of the outer layers).
 * Inertia (penetration.dynamics = auto): on for a pen and at insertion speeds of at least
 * DYNAMICS_AUTO_SPEED, off below.
 *
 * Output under /runs/NNNN: what ns_pen_write writes (series/, grid/, snapshots/), plus
 * skin/{layer_name, top_depth, bottom_depth, capillary_loop_depth, superficial_plexus_depth}
 * (the layer boundaries and vessel depths of this case, for plots), and device/ attributes with
 * the resolved load (control, speed, travel, needles in contact, force per needle, cell radius,
 * inertia). Summary columns: the load above and the results of struct ns_pen_result
 * (puncture_force_N, peak_force_N, tenting_um, max_cut_depth_um, embedded_length_um,
 * penetration_fraction, deepest_layer, dermis_depth_um, reached_capillary_loops,
 * reached_superficial_plexus, perforated_layers, energy_balance_error).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/penetration.h"
#include "needlesim/study.h"

/* Insertion speed from which penetration.dynamics = auto turns inertia on [m/s] (100 mm/s): the
 * 100 um of tenting then take 1 ms, a few transits of a shear wave (c = sqrt(mu / rho), about
 * 5 m/s in the dermis) across the ~1 mm of deformed tissue, so inertia starts to matter; at
 * 1-10 mm/s it is negligible and the quasi-static solve is cheaper. */
#define DYNAMICS_AUTO_SPEED 0.1
/* pi (M_PI is not in strict C11). */
#define PI 3.14159265358979323846

/* The load of one needle resolved from the device keys (see the file comment). */
struct pen_load {
  enum ns_control control;
  double speed;            /* insertion speed [m/s] */
  double travel;           /* largest tip travel past first contact [m] */
  int needles;             /* needles sharing the hand force (in contact at once) */
  double force_per_needle; /* [N]; NAN for displacement control */
  double cell_radius;      /* domain radius [m] */
  int dynamics;            /* 1: inertia */
};

/* Needle positions of one ring inside the roller's contact arc (at least one). */
static int roller_positions(const struct ns_cfg_device *d, double length) {
  const double R = 0.5 * d->drum_diameter, theta0 = acos(R / (R + length));
  const double n = floor((double)d->needles_per_row * 2.0 * theta0 / (2.0 * PI) + 0.5);
  return n < 1.0 ? 1 : (int)n;
}

static struct pen_load resolve_load(const struct ns_config *c) {
  const struct ns_cfg_device *d = &c->device;
  const double L = c->needle.length;
  struct pen_load p;
  p.control = c->loading.control;
  p.speed = c->loading.speed;
  p.travel = p.control == NS_CONTROL_FORCE ? L : c->loading.depth;
  p.needles = 1;
  p.cell_radius = c->grid.width;
  switch (d->type) {
  case NS_DEVICE_SINGLE: break;
  case NS_DEVICE_PEN: p.travel = fmin(d->stroke_depth, L); break;
  case NS_DEVICE_STAMP:
    p.needles = d->needle_count;
    p.cell_radius = d->pitch / sqrt(PI);
    break;
  case NS_DEVICE_ROLLER: {
    const double R = 0.5 * d->drum_diameter, rt = R + L;
    p.needles = d->needle_rows * roller_positions(d, L);
    p.cell_radius = sqrt(d->drum_width / d->needle_rows * (PI * d->drum_diameter / d->needles_per_row) / PI);
    p.speed = c->loading.speed * sqrt(rt * rt - R * R) / R;
    break;
  }
  }
  p.force_per_needle = p.control == NS_CONTROL_FORCE ? c->loading.force / p.needles : NAN;
  switch ((enum ns_pen_dynamics)c->penetration.dynamics) {
  case NS_PEN_DYNAMICS_ON: p.dynamics = 1; break;
  case NS_PEN_DYNAMICS_OFF: p.dynamics = 0; break;
  case NS_PEN_DYNAMICS_AUTO:
  default: p.dynamics = d->type == NS_DEVICE_PEN || p.speed >= DYNAMICS_AUTO_SPEED; break;
  }
  return p;
}

static struct ns_pen_spec make_spec(const struct ns_run_ctx *ctx, const struct pen_load *p) {
  const struct ns_config *c = ctx->cfg;
  struct ns_pen_spec s = ns_pen_spec_defaults(ctx->skin);
  s.needle = c->needle;
  s.speed = p->speed;
  s.travel = p->travel;
  s.steps = c->penetration.output_steps;
  s.width = p->cell_radius;
  s.depth = c->grid.depth;
  s.cells_r = c->grid.cells_lateral;
  s.cells_z = c->grid.cells_depth;
  s.axis_cell = c->grid.axis_cell;
  s.surface_cell = c->grid.surface_cell;
  s.friction = NAN; /* each layer's coefficient ([layer.<name>] friction_coefficient) */
  s.dynamics = p->dynamics;
  s.snapshots = c->output.snapshots;
  s.fracture = c->penetration.cutting;
  s.cut_radius = c->penetration.cut_radius;
  s.cut_viscosity = c->penetration.cut_viscosity;
  s.tie_stiffness = c->penetration.tie_stiffness;
  s.toughness_scale = c->penetration.toughness_scale;
  s.cut_law = c->penetration.cut_law;
  s.path_cell = ns_cfg_given(c->penetration.path_cell) ? c->penetration.path_cell : 0.0;
  s.force_limit = p->force_per_needle;
  s.cancel = ctx->cancel;
  return s;
}

/* Layer boundaries and vessel depths of this case (group/skin). */
static enum ns_status write_skin(struct ns_run_ctx *ctx, struct ns_err *err) {
  const struct ns_skin *sk = ctx->skin;
  char base[64], path[128];
  snprintf(base, sizeof base, "%s/skin", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, base, "layer boundaries and vessel depths of this run's skin", err));
  const size_t n = NS_NLAYERS;
  const char *names[NS_NLAYERS];
  double top[NS_NLAYERS], bot[NS_NLAYERS];
  for (int l = 0; l < NS_NLAYERS; l++) {
    names[l] = ns_layer_name((enum ns_layer_id)l);
    top[l] = sk->layer[l].top;
    bot[l] = sk->layer[l].bottom;
  }
  snprintf(path, sizeof path, "%s/layer_name", base);
  NS_TRY(ns_writer_strings(ctx->writer, path, n, names, "layer names, top down", err));
  snprintf(path, sizeof path, "%s/top_depth", base);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, top, "m", "depth of the layer's top below the undeformed surface",
                           err));
  snprintf(path, sizeof path, "%s/bottom_depth", base);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, bot, "m",
                           "depth of the layer's bottom below the undeformed surface", err));
  snprintf(path, sizeof path, "%s/capillary_loop_depth", base);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 0, NULL, &sk->capillary_loop_depth.value, "m",
                           "depth of the papillary capillary loops (pinpoint bleeding starts)", err));
  snprintf(path, sizeof path, "%s/superficial_plexus_depth", base);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 0, NULL, &sk->superficial_plexus_depth.value, "m",
                           "depth of the superficial vascular plexus", err));
  /* In-vivo pre-tension (skin.h), written only when it is on so that other runs' files are unchanged. */
  if (sk->layer[0].prestretch.value != 1.0) NS_TRY(ns_skin_write_prestress(sk, ctx->writer, base, err));
  return NS_OK;
}

static enum ns_status write_device(struct ns_run_ctx *ctx, const struct pen_load *p, struct ns_err *err) {
  char path[64];
  snprintf(path, sizeof path, "%s/device", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, path, "the load of one needle resolved from the device keys", err));
  NS_TRY(ns_writer_attr_text(ctx->writer, path, "control", p->control == NS_CONTROL_FORCE ? "force" : "displacement",
                             err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "insertion_speed", p->speed, "m/s", err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "travel", p->travel, "m", err));
  NS_TRY(ns_writer_attr_int(ctx->writer, path, "needles_in_contact", p->needles, err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "force_per_needle", p->force_per_needle, "N", err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "cell_radius", p->cell_radius, "m", err));
  return ns_writer_attr_int(ctx->writer, path, "inertia", p->dynamics, err);
}

static enum ns_status col_d(struct ns_run_ctx *ctx, const char *name, const char *units, const char *desc, double v,
                            struct ns_err *err) {
  NS_TRY(ns_table_add_column(ctx->summary, name, NS_COL_DOUBLE, units, desc, err));
  return ns_table_set_double(ctx->summary, ctx->row, name, v, err);
}

static enum ns_status col_i(struct ns_run_ctx *ctx, const char *name, const char *desc, int64_t v,
                            struct ns_err *err) {
  NS_TRY(ns_table_add_column(ctx->summary, name, NS_COL_INT, "1", desc, err));
  return ns_table_set_int(ctx->summary, ctx->row, name, v, err);
}

static enum ns_status col_t(struct ns_run_ctx *ctx, const char *name, const char *desc, const char *v,
                            struct ns_err *err) {
  NS_TRY(ns_table_add_column(ctx->summary, name, NS_COL_TEXT, "text", desc, err));
  return ns_table_set_text(ctx->summary, ctx->row, name, v, err);
}

static enum ns_status summary(struct ns_run_ctx *ctx, const struct pen_load *p, const struct ns_pen_result *r,
                              struct ns_err *err) {
  /* Metres to micrometres and millimetres; metres per second to millimetres per second. */
  const double um = 1e6, mm = 1e3;
  const int opened = r->deepest_layer >= 0 && r->deepest_layer < NS_NLAYERS && r->max_cut_depth > 0.0;
  NS_TRY(col_t(ctx, "control", "how the needle is loaded: displacement or force",
               p->control == NS_CONTROL_FORCE ? "force" : "displacement", err));
  NS_TRY(col_d(ctx, "insertion_speed_mm_s", "mm/s", "speed of the needle tip used (pen: stroke peak; roller: entry)",
               p->speed * mm, err));
  NS_TRY(col_d(ctx, "travel_mm", "mm", "largest tip travel past first contact", p->travel * mm, err));
  NS_TRY(col_i(ctx, "needles_in_contact", "needles sharing the hand force at once", p->needles, err));
  NS_TRY(col_d(ctx, "force_per_needle_N", "N", "force limit of one needle (force control); NaN otherwise",
               p->force_per_needle, err));
  NS_TRY(col_d(ctx, "cell_radius_mm", "mm", "domain radius (stamp, roller: the periodic cell of one needle)",
               p->cell_radius * mm, err));
  NS_TRY(col_i(ctx, "inertia", "1: dynamics (inertia) on", p->dynamics, err));
  NS_TRY(col_d(ctx, "puncture_force_N", "N", "peak force before the stratum corneum is perforated (the drop of the force curve); NaN when not perforated",
               r->puncture_force, err));
  NS_TRY(col_d(ctx, "peak_force_N", "N", "largest force on the needle", r->peak_force, err));
  NS_TRY(col_d(ctx, "tenting_um", "um", "surface deflection at the needle at stratum-corneum perforation",
               r->tenting * um, err));
  NS_TRY(col_d(ctx, "max_cut_depth_um", "um", "deepest opened material point (undeformed depth) at maximum insertion",
               r->max_cut_depth * um, err));
  NS_TRY(col_d(ctx, "embedded_length_um", "um", "needle length inside the tissue at maximum insertion",
               r->embedded_length * um, err));
  NS_TRY(col_d(ctx, "penetration_fraction", "1", "max_cut_depth / needle length", r->penetration_fraction, err));
  NS_TRY(col_t(ctx, "deepest_layer", "layer containing max_cut_depth; none when nothing was opened",
               opened ? ns_layer_name((enum ns_layer_id)r->deepest_layer) : "none", err));
  NS_TRY(col_d(ctx, "dermis_depth_um", "um", "how far the cut reached below the top of the dermis (>= 0)",
               r->dermis_depth * um, err));
  NS_TRY(col_i(ctx, "reached_capillary_loops", "1: the cut reached the papillary capillary loops",
               r->reached_capillary_loops, err));
  NS_TRY(col_i(ctx, "reached_superficial_plexus", "1: the cut reached the superficial vascular plexus",
               r->reached_superficial_plexus, err));
  NS_TRY(col_i(ctx, "perforated_layers", "layers the cut passed through", (int64_t)r->nevents, err));
  return col_d(ctx, "energy_balance_error", "1",
               "largest |work - (stored + kinetic + dissipated + interface)| / largest work", r->energy_error, err);
}

enum ns_status ns_study_penetration(struct ns_run_ctx *ctx, struct ns_err *err) {
  if (ctx->cancel && *ctx->cancel) return ns_err_set(err, NS_EINTERRUPTED, "penetration: interrupted");
  const struct pen_load load = resolve_load(ctx->cfg);
  const struct ns_pen_spec spec = make_spec(ctx, &load);
  if (ctx->progress) ctx->progress(ctx->progress_arg, 0.0);
  struct ns_pen_result res;
  NS_TRY(ns_pen_run(&spec, &res, err));
  enum ns_status st = ns_pen_write(&res, ctx->writer, ctx->group, err);
  if (st == NS_OK) st = write_skin(ctx, err);
  if (st == NS_OK) st = write_device(ctx, &load, err);
  if (st == NS_OK) st = summary(ctx, &load, &res, err);
  ns_pen_result_free(&res);
  if (st == NS_OK && ctx->progress) ctx->progress(ctx->progress_arg, 1.0);
  return st;
}
