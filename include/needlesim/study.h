/* needlesim/study.h — what one run (one sweep case) of a study gets and must produce.
 *
 * The runner (runner.h) resolves the case, builds the skin model, opens /runs/NNNN and a row of
 * the summary table, then calls the study named by [study] type. A study writes its datasets
 * under ctx->group (every dataset with units), fills its summary columns in row ctx->row, checks
 * *ctx->cancel between steps (returning NS_EINTERRUPTED when set), and reports progress.
 */
#ifndef NEEDLESIM_STUDY_H
#define NEEDLESIM_STUDY_H

#include <signal.h>
#include <stddef.h>

#include "needlesim/config.h"
#include "needlesim/io.h"
#include "needlesim/skin.h"
#include "needlesim/status.h"
#include "needlesim/table.h"

struct ns_run_ctx {
  size_t index;                   /* run (sweep case) index */
  char group[32];                 /* "/runs/0000" */
  const struct ns_config *cfg;    /* resolved scenario for this run */
  const struct ns_skin *skin;     /* resolved skin model */
  struct ns_writer *writer;       /* results file being written */
  struct ns_table *summary;       /* the /summary table; this run's row is `row` */
  size_t row;
  volatile sig_atomic_t *cancel;  /* set by SIGINT/SIGTERM; may be NULL */
  void (*progress)(void *arg, double fraction); /* fraction of this run done, 0..1; may be NULL */
  void *progress_arg;
};

/* [study] type = profile: the resolved layered skin profile (per-layer values with their
 * literature sources, a depth-sampled profile of every property, vessel depths). */
enum ns_status ns_study_profile(struct ns_run_ctx *ctx, struct ns_err *err);

/* [study] type = indentation: a rigid indenter ([indentation] indenter = flat, sphere, cone)
 * pressed into the layered skin at constant speed to depth_um, then held hold_s (sim/
 * study_indentation.c). Writes series/{time, depth, force}, the grid, field snapshots with an
 * XDMF sidecar, and the summary columns max_force_N, max_depth_um, initial_stiffness_N_m,
 * effective_modulus_kPa, force_relaxation_fraction. */
enum ns_status ns_study_indentation(struct ns_run_ctx *ctx, struct ns_err *err);

/* [study] type = suction: Cutometer-style suction through a round opening of the probe ([suction]
 * aperture_mm, pressure_mbar, on_s, off_s, cycles) (sim/study_suction.c). Writes
 * series/{time, apex_displacement, pressure}, the grid, field snapshots with an XDMF sidecar, and
 * the Cutometer parameters Ue, Uv, Uf, Ur, Ua (mm) and R0..R9 as summary columns. */
enum ns_status ns_study_suction(struct ns_run_ctx *ctx, struct ns_err *err);

/* [study] type = penetration: one needle of the device ([device] type single, pen, stamp,
 * roller; the device semantics are in sim/study_penetration.c and docs/scenarios.md) driven into
 * the skin (penetration.h). Writes what ns_pen_write writes, skin/ (layer boundaries, vessel
 * depths), device/ (the resolved load), and summary columns puncture_force_N, peak_force_N,
 * tenting_um, max_cut_depth_um, embedded_length_um, penetration_fraction, deepest_layer,
 * dermis_depth_um, reached_capillary_loops, reached_superficial_plexus and the load. */
enum ns_status ns_study_penetration(struct ns_run_ctx *ctx, struct ns_err *err);

#endif /* NEEDLESIM_STUDY_H */
