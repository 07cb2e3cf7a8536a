/* runner.c — run every case of a scenario into one atomically written results file.
 *
 *   ns_runner_run            validate, open writer, per case: resolve -> skin -> study, summary,
 *                            provenance, commit (abort on any failure or interruption)
 *   ns_runner_print_summary  headline columns on stdout
 *
 * The progress line (stderr, only when asked: main enables it for terminals) shows the run
 * counter, percent done and an ETA from the elapsed wall time.
 */
#include "needlesim/runner.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "needlesim/io.h"
#include "needlesim/skin.h"
#include "needlesim/study.h"

static const char *device_name(enum ns_device_type t) {
  static const char *const names[] = {"single", "stamp", "roller", "pen"};
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static const char *study_name(enum ns_study_kind k) {
  switch (k) {
  case NS_STUDY_PROFILE: return "profile";
  case NS_STUDY_INDENTATION: return "indentation";
  case NS_STUDY_SUCTION: return "suction";
  case NS_STUDY_PENETRATION: return "penetration";
  }
  return "?";
}

/* ---- progress line ------------------------------------------------------------------------ */
struct progress {
  int enabled;
  size_t runs, run;
  struct timespec t0, last;
};

static double seconds_since(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t->tv_sec) + 1e-9 * (double)(now.tv_nsec - t->tv_nsec);
}

static void progress_draw(void *arg, double fraction) {
  struct progress *p = arg;
  if (!p->enabled) return;
  /* Redraw at most ten times per second (the minimum interval is 0.1 s) and always at 100 %. */
  if (fraction < 1.0 && seconds_since(&p->last) < 0.1) return;
  clock_gettime(CLOCK_MONOTONIC, &p->last);
  double done = ((double)p->run + fmin(fmax(fraction, 0.0), 1.0)) / (double)p->runs;
  double el = seconds_since(&p->t0);
  double eta = done > 1e-9 ? el * (1.0 - done) / done : 0.0;
  enum { BAR = 30 };
  char bar[BAR + 1];
  int fill = (int)(done * BAR + 0.5);
  for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
  bar[BAR] = '\0';
  fprintf(stderr, "\r  run %zu/%zu [%s] %5.1f%%  elapsed %3.0fs  ETA %3.0fs ", p->run + 1, p->runs, bar,
          100.0 * done, el, eta);
  fflush(stderr);
}

/* ---- summary columns common to every study ------------------------------------------------ */
static enum ns_status add_common_columns(struct ns_table *t, struct ns_err *err) {
  static const struct {
    const char *name;
    enum ns_col_type type;
    const char *units, *desc;
  } cols[] = {
      {"run", NS_COL_INT, "1", "run index: group /runs/NNNN"},
      {"label", NS_COL_TEXT, "text", "swept keys and their values for this run"},
      {"study", NS_COL_TEXT, "text", "study type ([study] type)"},
      {"age_years", NS_COL_DOUBLE, "year", "skin age"},
      {"site", NS_COL_TEXT, "text", "body site"},
      {"hydration", NS_COL_DOUBLE, "1", "stratum corneum hydration, fraction of saturation"},
      {"device", NS_COL_TEXT, "text", "device type"},
      {"needle_length_mm", NS_COL_DOUBLE, "mm", "exposed needle length"},
      {"shaft_diameter_um", NS_COL_DOUBLE, "um", "needle shaft diameter"},
      {"tip_radius_um", NS_COL_DOUBLE, "um", "needle tip radius"},
      {"tip_half_angle_deg", NS_COL_DOUBLE, "degree", "needle tip half-angle"},
      {"speed_mm_s", NS_COL_DOUBLE, "mm/s", "insertion speed"},
  };
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
    NS_TRY(ns_table_add_column(t, cols[i].name, cols[i].type, cols[i].units, cols[i].desc, err));
  return NS_OK;
}

static enum ns_status fill_common(struct ns_table *t, size_t row, size_t run, const char *label,
                                  const struct ns_config *c, struct ns_err *err) {
  NS_TRY(ns_table_set_int(t, row, "run", (int64_t)run, err));
  NS_TRY(ns_table_set_text(t, row, "label", label, err));
  NS_TRY(ns_table_set_text(t, row, "study", study_name(c->study.kind), err));
  NS_TRY(ns_table_set_double(t, row, "age_years", c->skin.age_years, err));
  NS_TRY(ns_table_set_text(t, row, "site", ns_site_name(c->skin.site), err));
  NS_TRY(ns_table_set_double(t, row, "hydration", c->skin.hydration, err));
  NS_TRY(ns_table_set_text(t, row, "device", device_name(c->device.type), err));
  NS_TRY(ns_table_set_double(t, row, "needle_length_mm", c->needle.length * 1e3, err));
  NS_TRY(ns_table_set_double(t, row, "shaft_diameter_um", c->needle.shaft_diameter * 1e6, err));
  NS_TRY(ns_table_set_double(t, row, "tip_radius_um", c->needle.tip_radius * 1e6, err));
  NS_TRY(ns_table_set_double(t, row, "tip_half_angle_deg", c->needle.tip_half_angle * 180.0 / M_PI, err));
  NS_TRY(ns_table_set_double(t, row, "speed_mm_s", c->loading.speed * 1e3, err));
  return NS_OK;
}

static void make_label(const struct ns_scenario *sc, size_t icase, char *buf, size_t n) {
  struct ns_param_row rows[16];
  size_t k = ns_scenario_swept(sc, icase, rows, sizeof rows / sizeof rows[0]);
  if (k > sizeof rows / sizeof rows[0]) k = sizeof rows / sizeof rows[0];
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < k && used + 1 < n; i++) {
    int w = snprintf(buf + used, n - used, "%s%s=%s", i ? ", " : "", rows[i].key, rows[i].value);
    if (w < 0) break;
    used += (size_t)w;
  }
  if (k == 0) snprintf(buf, n, "single run");
}

static enum ns_status run_one(const struct ns_scenario *sc, size_t icase, struct ns_writer *w, struct ns_table *summary,
                              const struct ns_run_options *opt, struct progress *prog, struct ns_err *err) {
  struct ns_config cfg;
  struct ns_skin skin;
  NS_TRY(ns_scenario_resolve(sc, icase, &cfg, err));
  NS_TRY(ns_skin_build(&cfg.skin, &skin, err));
  struct ns_run_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.index = icase;
  snprintf(ctx.group, sizeof ctx.group, "/runs/%04zu", icase);
  ctx.cfg = &cfg;
  ctx.skin = &skin;
  ctx.writer = w;
  ctx.summary = summary;
  ctx.cancel = opt->cancel;
  ctx.progress = progress_draw;
  ctx.progress_arg = prog;
  char label[NS_TEXT_MAX];
  make_label(sc, icase, label, sizeof label);
  NS_TRY(ns_table_add_row(summary, &ctx.row, err));
  NS_TRY(fill_common(summary, ctx.row, icase, label, &cfg, err));
  NS_TRY(ns_writer_group(w, ctx.group, "one run (one sweep case)", err));
  NS_TRY(ns_writer_attr_text(w, ctx.group, "label", label, err));
  NS_TRY(ns_writer_attr_text(w, ctx.group, "study", study_name(cfg.study.kind), err));
  switch (cfg.study.kind) {
  case NS_STUDY_PROFILE:
    return ns_study_profile(&ctx, err);
  case NS_STUDY_INDENTATION:
    return ns_study_indentation(&ctx, err);
  case NS_STUDY_SUCTION:
    return ns_study_suction(&ctx, err);
  case NS_STUDY_PENETRATION:
    return ns_study_penetration(&ctx, err);
  }
  return ns_err_set(err, NS_EINTERNAL, "study %d has no implementation", (int)cfg.study.kind);
}

enum ns_status ns_runner_run(const struct ns_scenario *sc, const struct ns_run_options *opt,
                             struct ns_table **summary_out, struct ns_err *err) {
  *summary_out = NULL;
  /* 1. Every case is valid before anything is computed or written. */
  NS_TRY(ns_scenario_validate(sc, err));
  size_t ncases = ns_scenario_case_count(sc);

  /* 2. Open the temporary results file and the summary table. */
  struct ns_writer *w = NULL;
  struct ns_table *summary = NULL;
  enum ns_status s = ns_writer_open(opt->output_path, &w, err);
  if (s == NS_OK) s = ns_table_create(&summary, err);
  if (s == NS_OK) s = add_common_columns(summary, err);
  if (s == NS_OK) s = ns_writer_group(w, "/runs", "one group per run (sweep case), /runs/NNNN", err);

  /* 3. The runs. */
  struct progress prog = {.enabled = opt->progress, .runs = ncases};
  clock_gettime(CLOCK_MONOTONIC, &prog.t0);
  prog.last = prog.t0;
  for (size_t i = 0; s == NS_OK && i < ncases; i++) {
    prog.run = i;
    s = run_one(sc, i, w, summary, opt, &prog, err);
    if (s != NS_OK) {
      ns_err_prefix(err, "run %zu: ", i);
      break;
    }
    progress_draw(&prog, 1.0);
    if (opt->interrupt_after_runs > 0 && (size_t)opt->interrupt_after_runs == i + 1) raise(SIGINT);
    if (opt->cancel && *opt->cancel) s = ns_err_set(err, NS_EINTERRUPTED, "interrupted after run %zu of %zu", i + 1, ncases);
  }
  if (prog.enabled) fputc('\n', stderr);

  /* 4. Summary and provenance, then publish the file. */
  if (s == NS_OK)
    s = ns_writer_table(w, "/summary", summary, "one row per run: inputs and headline outputs", err);
  if (s == NS_OK) {
    ns_provenance_end(opt->prov);
    s = ns_provenance_write(w, opt->prov, sc, err);
  }
  if (s == NS_OK && opt->cancel && *opt->cancel) s = ns_err_set(err, NS_EINTERRUPTED, "interrupted before the file was complete");
  if (s == NS_OK) {
    s = ns_writer_commit(w, err);
    w = NULL;
  }
  if (s != NS_OK) {
    ns_writer_abort(w);
    ns_table_free(summary);
    return s;
  }
  *summary_out = summary;
  return NS_OK;
}

void ns_runner_print_summary(const struct ns_table *t, FILE *f) {
  size_t nc = ns_table_cols(t), nr = ns_table_rows(t);
  /* Skip the bookkeeping columns; print the inputs that vary and every study output. */
  for (size_t r = 0; r < nr; r++) {
    fprintf(f, "run %zu:", r);
    for (size_t c = 0; c < nc; c++) {
      const struct ns_column *col = ns_table_column(t, c);
      if (!strcmp(col->name, "run") || !strcmp(col->name, "study") || !strcmp(col->name, "device") ||
          !strcmp(col->name, "shaft_diameter_um") || !strcmp(col->name, "tip_half_angle_deg") ||
          !strcmp(col->name, "speed_mm_s") || !strcmp(col->name, "tip_radius_um") || !strcmp(col->name, "hydration"))
        continue;
      switch (col->type) {
      case NS_COL_DOUBLE: fprintf(f, " %s=%.4g", col->name, ns_table_get_double(t, r, c)); break;
      case NS_COL_INT: fprintf(f, " %s=%lld", col->name, (long long)ns_table_get_int(t, r, c)); break;
      case NS_COL_TEXT: fprintf(f, " %s=%s", col->name, ns_table_get_text(t, r, c)); break;
      }
    }
    fputc('\n', f);
  }
}
