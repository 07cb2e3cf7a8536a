/* runner.c — run every case of a scenario into one atomically written results file.
 *
 *   ns_runner_run              validate, open writer, per case: resolve -> skin -> study (a
 *                              failed case is dropped and listed), /summary, /failed_runs,
 *                              provenance, commit (abort on interruption, writer I/O errors, or
 *                              when no case succeeded)
 *   ns_run_report_free         free the report's tables
 *   ns_runner_print_summary    headline columns on stdout, failed cases marked
 *   ns_runner_print_failures   one line per failed case (main prints it on stderr)
 *
 * Each case fills its summary row in a table of its own; only a case that succeeds has the row
 * copied into the summary, so a failed case never leaves NaN cells that look like results, and
 * its partial group /runs/NNNN is deleted (ns_writer_delete) before the next case starts.
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

/* Run case icase with its summary row in row 0 of `row_t` (a table of its own). *group_made
 * tells whether /runs/NNNN was created (the caller deletes it if the case fails). */
static enum ns_status run_one(const struct ns_scenario *sc, size_t icase, const char *label, struct ns_writer *w,
                              struct ns_table *row_t, const struct ns_run_options *opt, struct progress *prog,
                              int *group_made, char *study, size_t study_n, struct ns_err *err) {
  struct ns_config cfg;
  struct ns_skin skin;
  *group_made = 0;
  NS_TRY(ns_scenario_resolve(sc, icase, &cfg, err));
  snprintf(study, study_n, "%s", study_name(cfg.study.kind));
  NS_TRY(ns_skin_build(&cfg.skin, &skin, err));
  struct ns_run_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.index = icase;
  snprintf(ctx.group, sizeof ctx.group, "/runs/%04zu", icase);
  ctx.cfg = &cfg;
  ctx.skin = &skin;
  ctx.writer = w;
  ctx.summary = row_t;
  ctx.cancel = opt->cancel;
  ctx.progress = progress_draw;
  ctx.progress_arg = prog;
  NS_TRY(ns_table_add_row(row_t, &ctx.row, err));
  NS_TRY(fill_common(row_t, ctx.row, icase, label, &cfg, err));
  *group_made = 1;
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

/* Append row 0 of a successful case's table to the summary, adding the columns it brings (a
 * column another case did not fill reads NaN / 0 / "" there, as ns_table_add_column says). */
static enum ns_status append_row(struct ns_table *summary, const struct ns_table *row_t, struct ns_err *err) {
  size_t row;
  for (size_t c = 0; c < ns_table_cols(row_t); c++) {
    const struct ns_column *col = ns_table_column(row_t, c);
    NS_TRY(ns_table_add_column(summary, col->name, col->type, col->units, col->description, err));
  }
  NS_TRY(ns_table_add_row(summary, &row, err));
  for (size_t c = 0; c < ns_table_cols(row_t); c++) {
    const struct ns_column *col = ns_table_column(row_t, c);
    switch (col->type) {
    case NS_COL_DOUBLE: NS_TRY(ns_table_set_double(summary, row, col->name, ns_table_get_double(row_t, 0, c), err)); break;
    case NS_COL_INT: NS_TRY(ns_table_set_int(summary, row, col->name, ns_table_get_int(row_t, 0, c), err)); break;
    case NS_COL_TEXT: NS_TRY(ns_table_set_text(summary, row, col->name, ns_table_get_text(row_t, 0, c), err)); break;
    }
  }
  return NS_OK;
}

static enum ns_status failed_columns(struct ns_table *t, struct ns_err *err) {
  NS_TRY(ns_table_add_column(t, "run", NS_COL_INT, "1", "case index of the failed run (no group /runs/NNNN)", err));
  NS_TRY(ns_table_add_column(t, "label", NS_COL_TEXT, "text", "swept keys and their values for this case", err));
  NS_TRY(ns_table_add_column(t, "study", NS_COL_TEXT, "text", "study type ([study] type)", err));
  NS_TRY(ns_table_add_column(t, "status", NS_COL_TEXT, "text", "kind of failure (e.g. solver did not converge)", err));
  return ns_table_add_column(t, "error", NS_COL_TEXT, "text", "the error message of the case", err);
}

static enum ns_status record_failure(struct ns_table *failed, size_t icase, const char *label, const char *study,
                                     const struct ns_err *case_err, struct ns_err *err) {
  size_t row;
  NS_TRY(ns_table_add_row(failed, &row, err));
  NS_TRY(ns_table_set_int(failed, row, "run", (int64_t)icase, err));
  NS_TRY(ns_table_set_text(failed, row, "label", label, err));
  NS_TRY(ns_table_set_text(failed, row, "study", study, err));
  NS_TRY(ns_table_set_text(failed, row, "status", ns_strerror(case_err->code), err));
  return ns_table_set_text(failed, row, "error", case_err->msg[0] ? case_err->msg : ns_strerror(case_err->code), err);
}

/* A failure that ends the sweep whatever the options: an interruption, and an I/O error of the
 * writer (the temporary file may be damaged, so it is not published). */
static int fatal_failure(enum ns_status s, const struct ns_run_options *opt) {
  return s == NS_EINTERRUPTED || s == NS_EIO || (opt->cancel && *opt->cancel);
}

void ns_run_report_free(struct ns_run_report *rep) {
  if (!rep) return;
  ns_table_free(rep->summary);
  ns_table_free(rep->failed);
  memset(rep, 0, sizeof *rep);
}

enum ns_status ns_runner_run(const struct ns_scenario *sc, const struct ns_run_options *opt,
                             struct ns_run_report *rep, struct ns_err *err) {
  memset(rep, 0, sizeof *rep);
  /* 1. Every case is valid before anything is computed or written. */
  NS_TRY(ns_scenario_validate(sc, err));
  size_t ncases = ns_scenario_case_count(sc);
  rep->cases = ncases;

  /* 2. Open the temporary results file and the summary and failure tables. */
  struct ns_writer *w = NULL;
  enum ns_status s = ns_writer_open(opt->output_path, &w, err);
  if (s == NS_OK) s = ns_table_create(&rep->summary, err);
  if (s == NS_OK) s = add_common_columns(rep->summary, err);
  if (s == NS_OK) s = ns_table_create(&rep->failed, err);
  if (s == NS_OK) s = failed_columns(rep->failed, err);
  if (s == NS_OK) s = ns_writer_group(w, "/runs", "one group per successful run (sweep case), /runs/NNNN", err);

  /* 3. The runs. A failed case is recorded and the sweep goes on, unless the failure is fatal,
   * fail_fast is set or the scenario has one case (then the message is the case's own). */
  struct progress prog = {.enabled = opt->progress, .runs = ncases};
  clock_gettime(CLOCK_MONOTONIC, &prog.t0);
  prog.last = prog.t0;
  enum ns_status first_fail = NS_OK;
  for (size_t i = 0; s == NS_OK && i < ncases; i++) {
    prog.run = i;
    char label[NS_TEXT_MAX], study[32] = "?";
    make_label(sc, i, label, sizeof label);
    struct ns_table *row_t = NULL;
    struct ns_err case_err = NS_ERR_INIT;
    int group_made = 0;
    enum ns_status cs = ns_table_create(&row_t, &case_err);
    if (cs == NS_OK) cs = add_common_columns(row_t, &case_err);
    if (cs == NS_OK) cs = run_one(sc, i, label, w, row_t, opt, &prog, &group_made, study, sizeof study, &case_err);
    if (cs == NS_OK) {
      s = append_row(rep->summary, row_t, err);
    } else if (fatal_failure(cs, opt) || opt->fail_fast || ncases == 1) {
      s = cs;
      *err = case_err;
      ns_err_prefix(err, "run %zu: ", i);
      (void)record_failure(rep->failed, i, label, study, &case_err, &case_err);
    } else {
      if (first_fail == NS_OK) first_fail = cs;
      s = record_failure(rep->failed, i, label, study, &case_err, err);
      if (s == NS_OK && group_made) {
        char group[32];
        snprintf(group, sizeof group, "/runs/%04zu", i);
        s = ns_writer_delete(w, group, err);
        if (s != NS_OK) ns_err_prefix(err, "run %zu: removing the failed case's group: ", i);
      }
    }
    ns_table_free(row_t);
    if (s != NS_OK) break;
    progress_draw(&prog, 1.0);
    if (opt->interrupt_after_runs > 0 && (size_t)opt->interrupt_after_runs == i + 1) raise(SIGINT);
    if (opt->cancel && *opt->cancel) s = ns_err_set(err, NS_EINTERRUPTED, "interrupted after run %zu of %zu", i + 1, ncases);
  }
  if (prog.enabled) fputc('\n', stderr);
  size_t nfail = rep->failed ? ns_table_rows(rep->failed) : 0;
  if (s == NS_OK && ncases > 0 && nfail == ncases)
    s = ns_err_set(err, first_fail, "every case failed (%zu of %zu); no file written", nfail, ncases);

  /* 4. Summary, failures and provenance, then publish the file. */
  if (s == NS_OK)
    s = ns_writer_table(w, "/summary", rep->summary, "one row per successful run: inputs and headline outputs", err);
  if (s == NS_OK && nfail > 0)
    s = ns_writer_table(w, "/failed_runs", rep->failed,
                        "one row per failed case: it has no /summary row and no /runs/NNNN group", err);
  if (s == NS_OK) s = ns_writer_attr_int(w, "/", "cases", (int64_t)ncases, err);
  if (s == NS_OK) s = ns_writer_attr_int(w, "/", "failed_cases", (int64_t)nfail, err);
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
    return s;
  }
  rep->written = 1;
  return NS_OK;
}

/* Columns of the printed summary that are bookkeeping or rarely varied. */
static int column_hidden(const char *name) {
  static const char *const hidden[] = {"run", "study", "device", "shaft_diameter_um", "tip_half_angle_deg",
                                       "speed_mm_s", "tip_radius_um", "hydration"};
  for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
    if (!strcmp(name, hidden[i])) return 1;
  return 0;
}

/* Column index of `name` in t, or ns_table_cols(t) when absent. */
static size_t column_index(const struct ns_table *t, const char *name) {
  size_t nc = ns_table_cols(t), c = 0;
  while (c < nc && strcmp(ns_table_column(t, c)->name, name)) c++;
  return c;
}

void ns_runner_print_summary(const struct ns_run_report *rep, FILE *f) {
  const struct ns_table *t = rep->summary, *x = rep->failed;
  size_t nr = t ? ns_table_rows(t) : 0, nx = x ? ns_table_rows(x) : 0;
  size_t nc = t ? ns_table_cols(t) : 0;
  size_t trun = t ? column_index(t, "run") : 0;
  size_t xrun = x ? column_index(x, "run") : 0, xlab = x ? column_index(x, "label") : 0;
  size_t xerr = x ? column_index(x, "error") : 0;
  /* Both tables are in case order: merge them. */
  size_t r = 0, k = 0;
  while (r < nr || k < nx) {
    int64_t rr = r < nr ? ns_table_get_int(t, r, trun) : INT64_MAX;
    int64_t kr = k < nx ? ns_table_get_int(x, k, xrun) : INT64_MAX;
    if (kr < rr) {
      fprintf(f, "run %lld: FAILED label=%s error=%s\n", (long long)kr, ns_table_get_text(x, k, xlab),
              ns_table_get_text(x, k, xerr));
      k++;
      continue;
    }
    fprintf(f, "run %lld:", (long long)rr);
    for (size_t c = 0; c < nc; c++) {
      const struct ns_column *col = ns_table_column(t, c);
      if (column_hidden(col->name)) continue;
      switch (col->type) {
      case NS_COL_DOUBLE: fprintf(f, " %s=%.4g", col->name, ns_table_get_double(t, r, c)); break;
      case NS_COL_INT: fprintf(f, " %s=%lld", col->name, (long long)ns_table_get_int(t, r, c)); break;
      case NS_COL_TEXT: fprintf(f, " %s=%s", col->name, ns_table_get_text(t, r, c)); break;
      }
    }
    fputc('\n', f);
    r++;
  }
}

void ns_runner_print_failures(const struct ns_run_report *rep, FILE *f) {
  const struct ns_table *x = rep->failed;
  size_t nx = x ? ns_table_rows(x) : 0;
  if (nx == 0) return;
  size_t xrun = column_index(x, "run"), xlab = column_index(x, "label"), xerr = column_index(x, "error");
  fprintf(f, "needlesim: %zu of %zu case(s) failed:\n", nx, rep->cases);
  for (size_t k = 0; k < nx; k++)
    fprintf(f, "  run %lld (%s): %s\n", (long long)ns_table_get_int(x, k, xrun), ns_table_get_text(x, k, xlab),
            ns_table_get_text(x, k, xerr));
}
