/* study_suction.c — [study] type = suction: Cutometer-style suction on the layered, age-dependent
 * skin, and the device's R-parameters.
 *
 *   ns_study_suction   run one case: grid, pressure history, series, snapshots, summary
 *
 * Model: the axisymmetric layered grid of skin_grid.h (bottom fixed, far side sliding). The probe
 * face is pressed on the skin around the opening: on the top face, r >= aperture/2 is held fixed
 * (no slip: the skin adheres to the probe face, as in the suction models of Hendriks et al. 2006,
 * Med Eng Phys 28:259), and r < aperture/2 carries the suction, a uniform pressure p(t) below
 * ambient pulling the surface outwards. The aperture rim lies on a grid line.
 * The pressure is a dead load (mech.h): it acts on the reference surface with its reference
 * normal. The net force on the opening, p pi a^2 upwards, is the same as that of a follower
 * pressure on the domed surface (the dome and the flat opening span the same rim); only the
 * distribution over the dome differs, by the dome's slope (second order in Uf/a).
 * Pressure history per cycle: rises linearly to p over RISE_S, held until on_s, falls linearly
 * to 0 over RISE_S, zero until on_s + off_s (the vacuum pump and valve of the device are fast
 * but not instantaneous; 10 ms is shorter than the 0.1 s at which the device reads Ue and Ur).
 *
 * Cutometer parameters (mode 1, first cycle; U(t) the apex elevation, u_z at r = 0 on the surface,
 * positive into the probe; t measured from suction onset, T = on_s; definitions of the Cutometer
 * MPA 580 manual, Courage + Khazaka, as used by Ryu et al. 2008 Skin Res Technol 14:354 and
 * Luebberding et al. 2014 Skin Res Technol 20:127):
 *   Ue = U(0.1 s)                 immediate distension (the device reads it at 0.1 s)
 *   Uf = U(T)                     final distension, end of suction
 *   Uv = Uf - Ue                  delayed (viscoelastic) distension
 *   Ur = Uf - U(T + 0.1 s)        immediate retraction, 0.1 s after release
 *   Ua = Uf - U(T + off_s)        total recovery at the end of the relaxation
 *   (each U read at the nearest sample: with on_s or off_s below 0.1 s that is the end of the
 *   phase);
 *   R0 = Uf (mm), R1 = Uf - Ua (mm, residual deformation), R2 = Ua/Uf (gross elasticity),
 *   R5 = Ur/Ue (net elasticity), R6 = Uv/Ue (viscoelastic ratio), R7 = Ur/Uf (biological
 *   elasticity), R8 = Ua (mm); over all cycles: R3 = largest U of the last cycle, R4 = U at the
 *   end of the last cycle, R9 = R3 - R0 (fatigue).
 *
 * Output under /runs/NNNN:
 *   series/time [n] s, series/apex_displacement [n] m, series/pressure [n] Pa (suction below
 *   ambient, >= 0), sample 0 at t = 0; per phase (suction, relaxation) the end of the ramp,
 *   0.1 s, and 12 equal steps of the phase, plus geometric samples over the ramp;
 *   skin/ (only with [skin] prestretch != 1): the pre-tension (ns_skin_write_prestress_group)
 *   grid/..., snapshots (skin_grid.h) at Ue (0.1 s), at the end of suction and at the end of
 *   relaxation of the first cycle, and at the end of the last cycle when there are several.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "needlesim/mech.h"
#include "needlesim/skin_grid.h"
#include "needlesim/study.h"

/* Pressure rise and release time [s] (see the header comment). */
#define RISE_S 0.01
/* The device reads the immediate distension and retraction this long after the switch [s]. */
#define READ_S 0.1
/* Equal samples per phase, geometric samples within a ramp (dimensionless counts). */
#define NPHASE 12
#define NRAMP 4
/* Samples closer than this [s] are merged (sample times are sums of the inputs). */
#define T_MERGE 1e-9

struct history {
  double p, on, off;
};

/* Suction p(t) [Pa] (>= 0). */
static double suction_at(const struct history *h, double t) {
  const double period = h->on + h->off;
  if (t <= 0.0) return 0.0;
  const double tc = fmod(t, period);
  if (tc <= h->on) return h->p * fmin(tc / RISE_S, 1.0);
  return h->p * fmax(1.0 - (tc - h->on) / RISE_S, 0.0);
}

/* Region scale: the pressure region has base value -1 Pa (pulling outwards). */
static double suction_scale(double t, void *ctx) { return suction_at((const struct history *)ctx, t); }

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Add the samples of a phase starting at t0 of length len; returns the new count. */
static size_t phase_samples(double t0, double len, double *t, size_t n) {
  for (int k = 1; k <= NRAMP; k++) t[n++] = t0 + RISE_S * pow(0.1, (double)(NRAMP - k) / (NRAMP - 1));
  if (READ_S < len) t[n++] = t0 + READ_S;
  for (int k = 1; k <= NPHASE; k++) t[n++] = t0 + len * k / NPHASE;
  return n;
}

/* All sample times, sorted, without near-duplicates; t[0] = 0. */
static size_t sample_times(const struct ns_cfg_suction *sc, double *t) {
  size_t n = 0;
  t[n++] = 0.0;
  for (int c = 0; c < sc->cycles; c++) {
    const double t0 = c * (sc->on + sc->off);
    n = phase_samples(t0, sc->on, t, n);
    n = phase_samples(t0 + sc->on, sc->off, t, n);
  }
  qsort(t, n, sizeof *t, cmp_double);
  size_t m = 1;
  for (size_t i = 1; i < n; i++)
    if (t[i] > t[m - 1] + T_MERGE) t[m++] = t[i];
  return m;
}

static size_t max_samples(const struct ns_cfg_suction *sc) { return 1 + (size_t)sc->cycles * 2 * (NRAMP + 1 + NPHASE); }

/* Index of the sample at time tt (nearest). */
static size_t at(const double *t, size_t n, double tt) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (fabs(t[i] - tt) < fabs(t[best] - tt)) best = i;
  return best;
}

static enum ns_status add_col(struct ns_run_ctx *ctx, const char *name, const char *units, const char *desc,
                              double v, struct ns_err *err) {
  NS_TRY(ns_table_add_column(ctx->summary, name, NS_COL_DOUBLE, units, desc, err));
  return ns_table_set_double(ctx->summary, ctx->row, name, v, err);
}

static enum ns_status summary(struct ns_run_ctx *ctx, const double *t, const double *U, size_t n,
                              struct ns_err *err) {
  const struct ns_cfg_suction *sc = &ctx->cfg->suction;
  const double mm = 1e3; /* metres to millimetres */
  const double T = sc->on, P = sc->on + sc->off;
  const double Ue = U[at(t, n, READ_S)], Uf = U[at(t, n, T)];
  const double Ur = Uf - U[at(t, n, T + READ_S)], Ua = Uf - U[at(t, n, P)];
  const double Uv = Uf - Ue;
  const double last0 = (sc->cycles - 1) * P;
  double R3 = -HUGE_VAL;
  for (size_t i = 0; i < n; i++)
    if (t[i] >= last0 - T_MERGE) R3 = fmax(R3, U[i]);
  const double R4 = U[n - 1];
  const struct {
    const char *name, *units, *desc;
    double v;
  } cols[] = {
      {"Ue_mm", "mm", "immediate distension U(0.1 s)", Ue * mm},
      {"Uv_mm", "mm", "delayed distension Uf - Ue", Uv * mm},
      {"Uf_mm", "mm", "final distension U(end of suction)", Uf * mm},
      {"Ur_mm", "mm", "immediate retraction Uf - U(0.1 s after release)", Ur * mm},
      {"Ua_mm", "mm", "total recovery Uf - U(end of relaxation)", Ua * mm},
      {"R0_mm", "mm", "Cutometer R0 = Uf (firmness)", Uf * mm},
      {"R1_mm", "mm", "Cutometer R1 = Uf - Ua (residual deformation)", (Uf - Ua) * mm},
      {"R2", "1", "Cutometer R2 = Ua/Uf (gross elasticity)", Ua / Uf},
      {"R3_mm", "mm", "Cutometer R3: largest distension of the last cycle", R3 * mm},
      {"R4_mm", "mm", "Cutometer R4: distension at the end of the last cycle", R4 * mm},
      {"R5", "1", "Cutometer R5 = Ur/Ue (net elasticity)", Ur / Ue},
      {"R6", "1", "Cutometer R6 = Uv/Ue (viscoelastic ratio)", Uv / Ue},
      {"R7", "1", "Cutometer R7 = Ur/Uf (biological elasticity)", Ur / Uf},
      {"R8_mm", "mm", "Cutometer R8 = Ua", Ua * mm},
      {"R9_mm", "mm", "Cutometer R9 = R3 - R0 (fatigue)", (R3 - Uf) * mm},
  };
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
    NS_TRY(add_col(ctx, cols[i].name, cols[i].units, cols[i].desc, cols[i].v, err));
  return NS_OK;
}

static enum ns_status write_series(struct ns_run_ctx *ctx, const double *t, const double *U, const double *p,
                                   size_t n, struct ns_err *err) {
  char path[128];
  snprintf(path, sizeof path, "%s/series", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, path, "suction time series (one entry per sample)", err));
  snprintf(path, sizeof path, "%s/series/time", ctx->group);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, t, "s", "time since the first suction onset", err));
  snprintf(path, sizeof path, "%s/series/apex_displacement", ctx->group);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, U, "m",
                           "skin elevation at the centre of the opening (u_z at r = 0, positive into the probe)", err));
  snprintf(path, sizeof path, "%s/series/pressure", ctx->group);
  return ns_writer_dataset(ctx->writer, path, 1, &n, p, "Pa", "applied suction (pressure below ambient)", err);
}

static enum ns_status run(struct ns_run_ctx *ctx, const struct ns_skin_grid *sg, struct ns_mech *m, const double *t,
                          double *U, double *p, size_t n, struct ns_err *err) {
  const struct ns_cfg_suction *sc = &ctx->cfg->suction;
  struct history h = {sc->pressure, sc->on, sc->off};
  const double a = 0.5 * sc->aperture;
  struct ns_mech_region r;
  memset(&r, 0, sizeof r);
  r.kind = NS_REGION_PRESSURE;
  r.face = NS_FACE_AXI_TOP;
  r.shape = NS_SHAPE_DISC;
  r.radius = a;
  r.pressure = -1.0; /* Pa, times the suction p(t): negative pressure pulls the surface out */
  r.scale = suction_scale;
  r.scale_ctx = &h;
  NS_TRY(ns_mech_add_region(m, &r, NULL, err));
  struct ns_mech_region probe;
  memset(&probe, 0, sizeof probe);
  probe.kind = NS_REGION_DISPLACEMENT;
  probe.face = NS_FACE_AXI_TOP;
  probe.shape = NS_SHAPE_BOX;
  probe.lo[0] = a;
  probe.hi[0] = HUGE_VAL;
  probe.lo[1] = probe.lo[2] = -HUGE_VAL;
  probe.hi[1] = probe.hi[2] = HUGE_VAL;
  probe.comp_mask = 3u; /* u_r = u_z = 0 under the probe face (no slip) */
  NS_TRY(ns_mech_add_region(m, &probe, NULL, err));
  ns_mech_set_cancel(m, ctx->cancel);

  const int snaps = ctx->cfg->output.snapshots;
  const double P = sc->on + sc->off;
  const size_t snap_at[4] = {at(t, n, READ_S), at(t, n, sc->on), at(t, n, P), n - 1};
  int nsnap = 0;
  char path[128];
  snprintf(path, sizeof path, "%s/probe", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, path, "the suction probe of this run", err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "aperture_diameter", sc->aperture, "m", err));
  NS_TRY(ns_writer_attr_double(ctx->writer, path, "rise_time", RISE_S, "s", err));
  if (snaps) NS_TRY(ns_skin_grid_write(sg, ctx->skin, ctx->writer, ctx->group, err));
  NS_TRY(ns_skin_write_prestress_group(ctx->skin, ctx->writer, ctx->group, err));

  const size_t apex = ns_grid_index(sg->grid, 0, sg->grid->n[1] - 1, 0);
  U[0] = p[0] = 0.0;
  for (size_t i = 1; i < n; i++) {
    enum ns_status st = ns_mech_step(m, t[i], err);
    if (st != NS_OK) return ns_err_prefix(err, "suction at t = %.4g s (%.4g mbar): ", t[i], suction_at(&h, t[i]) / 100);
    U[i] = ns_mech_displacement(m)[2 * apex + 1];
    p[i] = suction_at(&h, t[i]);
    for (int k = 0; k < 4 && snaps; k++) {
      int dup = 0;
      for (int j = 0; j < k; j++) dup |= snap_at[j] == snap_at[k];
      if (snap_at[k] == i && !dup) NS_TRY(ns_skin_grid_snapshot(sg, m, ctx->writer, ctx->group, nsnap++, t[i], err));
    }
    if (ctx->progress) ctx->progress(ctx->progress_arg, t[i] / t[n - 1]);
  }
  NS_TRY(write_series(ctx, t, U, p, n, err));
  snprintf(path, sizeof path, "%s/series", ctx->group);
  NS_TRY(ns_skin_grid_write_stats(m, ctx->writer, path, err));
  return summary(ctx, t, U, n, err);
}

enum ns_status ns_study_suction(struct ns_run_ctx *ctx, struct ns_err *err) {
  const struct ns_cfg_suction *sc = &ctx->cfg->suction;
  struct ns_skin_grid sg;
  const double snap_r[1] = {0.5 * sc->aperture};
  NS_TRY(ns_skin_grid_build(&ctx->cfg->grid, ctx->skin, snap_r, 1, &sg, err));
  struct ns_mech *m = NULL;
  enum ns_status st = ns_skin_grid_mech(&sg, &ctx->cfg->numerics, &m, err);
  const size_t cap = max_samples(sc);
  double *t = malloc(cap * sizeof *t), *U = malloc(cap * sizeof *U), *p = malloc(cap * sizeof *p);
  if (st == NS_OK && (!t || !U || !p)) st = ns_err_set(err, NS_ENOMEM, "suction: out of memory");
  if (st == NS_OK) {
    const size_t n = sample_times(sc, t);
    st = run(ctx, &sg, m, t, U, p, n, err);
  }
  free(t);
  free(U);
  free(p);
  ns_mech_free(m);
  ns_skin_grid_free(&sg);
  return st;
}
